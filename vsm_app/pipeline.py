"""Measure a value stream end to end: git + exported files → canonical tables → metrics.

``run(inputs, progress, cancelled)`` is the one long-running function behind every
measurement; :mod:`vsm_app.services.measure` calls it for the command line and the window
(which runs its ``ingest`` step in a worker and re-analyses per window). It has no Qt, no
threads and no command-line code; it checks ``cancelled()`` between and inside its steps.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .domain.items import ItemSettings
from .domain.model import Project, ValueStreamMap
from .domain.tables import Tables, conform
from .work import IsCancelled, Progress, scaled

log = logging.getLogger(__name__)


class PipelineInputError(ValueError):
    """Bad input for a measurement (the message names the file or option)."""


@dataclass
class RepoInput:
    path: str
    subtree: str | None = None
    branch: str | None = None
    #: release-tag glob; None: detect the repository's scheme; "": no tag deployments
    deploy_tags: str | None = None
    #: the ``repo`` label (default: the folder name); analyze-many uses the manifest's name
    label: str | None = None


@dataclass
class AnalyzeInputs:
    repos: list[RepoInput] = field(default_factory=list)
    files: list[tuple[str, str]] = field(default_factory=list)  # (family, path)
    vsm_map: ValueStreamMap | None = None
    since: pd.Timestamp | None = None
    until: pd.Timestamp | None = None
    period: str = "week"
    band_year: int = 2023
    default_tz: str | None = None
    deploy_pattern: str = "deploy"
    #: production environment names (empty: the defaults of vsm_app.domain.environments)
    production_environments: tuple[str, ...] = ()
    salt: str = ""
    cache_dir: Path | None = None
    #: teams and services to measure apart (vsm_app.domain.groups); empty: the whole only
    groups: list[Any] = field(default_factory=list)
    codeowners: Any = None  # vsm_app.domain.groups.CodeOwners, for groups by owner team
    #: work items: issue type → kind, start statuses, status categories (issue 18)
    item_settings: ItemSettings = field(default_factory=ItemSettings)


@dataclass
class Measurement:
    tables: Tables
    result: Any  # analysis.engine.AnalysisResult
    import_errors: list[str] = field(default_factory=list)
    #: analysis.groups.GroupsResult when the inputs define groups (``result`` is its whole)
    groups: Any = None
    #: the window-independent analysis (analysis.engine.Prepared) the result came from;
    #: the item exports read the work items from it (issue 18)
    prepared: Any = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.result.to_json())
        out["sources"] = [s.to_json() for s in self.tables.sources]
        if self.import_errors:
            out.setdefault("data_quality", {})["import_errors"] = list(self.import_errors)
        if self.groups is not None:
            doc = self.groups.to_json()
            out["groups"] = doc["groups"]
            out["comparison"] = doc["comparison"]
        return out


def inputs_from_project(project: Project) -> AnalyzeInputs:
    """What to measure for ``project`` as it stands: its sources (paths as stored), first map
    and measurement settings (:func:`vsm_app.services.measure.project_inputs` resolves the
    paths and fills in the cache)."""
    inputs = AnalyzeInputs(vsm_map=project.maps[0] if project.maps else None,
                           period=project.settings.period, band_year=project.settings.band_year,
                           default_tz=project.settings.time_zone,
                           deploy_pattern=project.settings.deploy_pattern,
                           production_environments=tuple(
                               project.settings.production_environments),
                           salt=project.settings.salt, item_settings=project.settings.items)
    for src in project.sources:
        if src.kind == "git":
            tags = src.deploy_tags if src.deploy_tags is not None \
                else project.settings.deploy_tags
            inputs.repos.append(RepoInput(src.path, src.subtree, src.branch, tags))
        else:
            inputs.files.append((src.kind, src.path))
    inputs.groups = list(project.groups)
    if project.codeowners and any(g.owner for g in project.groups):
        inputs.codeowners = read_codeowners(project.codeowners)
    return inputs


def read_codeowners(path: str) -> Any:
    """Parse a CODEOWNERS file; a file that cannot be read is :class:`BadInput`."""
    from .domain.groups import parse_codeowners
    from .errors import BadInput

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(f"{path}: cannot read the CODEOWNERS file "
                       f"({getattr(e, 'strerror', None) or e})") from None
    co = parse_codeowners(text, path)
    for problem in co.problems:
        log.warning("%s", problem)
    return co


def _concat(frames: list[pd.DataFrame], table: str) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return conform(pd.DataFrame(), table)
    return conform(pd.concat(frames, ignore_index=True), table)


def repo_labels(repos: list[RepoInput]) -> list[str]:
    """The ``repo`` label of each entry: its own label, else the folder name.

    Two entries with the same label (a repository and one of its sub-trees, or the same
    sub-tree twice) would mix their changes under one key, so the entries after the first
    that has a label take ``name:subtree`` (``requests:docs``), and a further clash a
    number (``requests#2``): each entry is its own stream (docs/metrics.md §15).
    """
    from .ingest.git import _default_label

    out: list[str] = []
    for repo in repos:
        label = repo.label or _default_label(repo.path)
        if label in out and repo.subtree:
            label = f"{label}:{repo.subtree.strip('/')}"
        base, k = label, 2
        while label in out:
            label = f"{base}#{k}"
            k += 1
        out.append(label)
    return out


def ingest(inputs: AnalyzeInputs, progress: Progress | None = None,
           cancelled: IsCancelled | None = None) -> tuple[Tables, list[str]]:
    """Git repositories and files → linked canonical tables (no metrics yet)."""
    from .ingest import git
    from .ingest.sources import ImportOptions, ImportResult, import_files, link

    n_repos = len(inputs.repos)
    parts: list[Tables] = []
    git_share = 0.7 if inputs.files else 0.95
    labels = repo_labels(inputs.repos)
    for i, (repo, label) in enumerate(zip(inputs.repos, labels, strict=True)):
        lo = git_share * i / max(n_repos, 1)
        hi = git_share * (i + 1) / max(n_repos, 1)
        opts = git.GitOptions(path=repo.path, branch=repo.branch, deploy_tags=repo.deploy_tags,
                              subtree=repo.subtree, salt=inputs.salt, label=label)
        parts.append(git.run(opts, scaled(progress, lo, hi), cancelled,
                             cache_dir=inputs.cache_dir))
    tables = Tables()
    if parts:
        tables.commits = _concat([p.commits for p in parts], "commits")
        tables.changes = _concat([p.changes for p in parts], "changes")
        tables.deployments = _concat([p.deployments for p in parts], "deployments")
        for p in parts:
            tables.sources.extend(p.sources)
            tables.warnings.extend(p.warnings)
            tables.notes.extend(p.notes)
            for k, v in p.data_quality.items():
                if isinstance(v, int | float) and not isinstance(v, bool):
                    tables.data_quality[k] = tables.data_quality.get(k, 0) + v
                else:
                    tables.data_quality.setdefault(k, v)
    errors: list[str] = []
    imported = ImportResult()
    if inputs.files:
        imported = import_files(
            inputs.files,
            ImportOptions(default_tz=inputs.default_tz, deploy_pattern=inputs.deploy_pattern,
                          production_environments=inputs.production_environments,
                          salt=inputs.salt, items=inputs.item_settings),
            scaled(progress, git_share, 0.95), cancelled)
        errors = [str(e) for e in imported.errors]
    # linking also runs with git alone: it flags rollbacks among tag deployments
    tables = link(tables, imported)
    return tables, errors


def analysis_options(inputs: AnalyzeInputs) -> Any:
    from .analysis.engine import AnalysisOptions

    return AnalysisOptions(since=inputs.since, until=inputs.until, period=inputs.period,
                           band_year=inputs.band_year,
                           production_environments=inputs.production_environments,
                           item_settings=inputs.item_settings)


def analyze_tables(tables: Tables, inputs: AnalyzeInputs) -> Any:
    from .analysis.engine import analyze

    return analyze(tables, inputs.vsm_map, analysis_options(inputs))


def group_memberships(tables: Tables, inputs: AnalyzeInputs,
                      cancelled: IsCancelled | None = None) -> pd.DataFrame:
    """Which change belongs to which of ``inputs.groups`` (analysis.groups.memberships).

    The files each change touched are read (a second, cached git pass) only for the
    repositories a group by paths or by CODEOWNERS team takes.
    """
    from .analysis.groups import memberships
    from .ingest import git
    from .ingest.gitfiles import change_files

    frames = []
    for repo, label in zip(inputs.repos, repo_labels(inputs.repos), strict=True):
        opts = git.GitOptions(path=repo.path, branch=repo.branch, subtree=repo.subtree,
                              salt=inputs.salt, label=label)
        if any(g.by_files and g.takes_repository(label) for g in inputs.groups):
            f = change_files(opts, tables.commits, cancelled, inputs.cache_dir)
            frames.append(f.assign(repo=pd.array([label] * len(f), dtype="string")))
    files = pd.concat(frames, ignore_index=True) if frames else \
        pd.DataFrame({c: pd.Series(dtype="string") for c in ("repo", "change_id", "path")})
    return memberships(tables.changes, files, inputs.groups, inputs.codeowners)


def analyze_groups_of(tables: Tables, inputs: AnalyzeInputs, member: pd.DataFrame) -> Any:
    """The whole and every group of ``inputs`` (analysis.groups.analyze_groups)."""
    from .analysis.engine import AnalysisOptions
    from .analysis.groups import analyze_groups

    return analyze_groups(tables, member, inputs.groups, inputs.vsm_map,
                          AnalysisOptions(since=inputs.since, until=inputs.until,
                                          period=inputs.period, band_year=inputs.band_year,
                                          production_environments=inputs.production_environments))


def run(inputs: AnalyzeInputs, progress: Progress | None = None,
        cancelled: IsCancelled | None = None) -> Measurement:
    """Ingest every source, link them and compute every metric (per group too)."""
    t0 = time.perf_counter()
    tables, errors = ingest(inputs, progress, cancelled)
    t1 = time.perf_counter()
    groups = None
    if inputs.groups:
        if progress:
            progress(0.95, "finding each group's changes")
        groups = analyze_groups_of(tables, inputs, group_memberships(tables, inputs, cancelled))
    if progress:
        progress(0.96, "computing metrics")
    prepared = None
    if groups is not None:
        result = groups.whole
    else:
        from .analysis.engine import analyze_window, prepare

        options = analysis_options(inputs)
        prepared = prepare(tables, inputs.vsm_map, options.production_environments,
                           options.item_settings)
        result = analyze_window(prepared, options)
    if progress:
        progress(1.0, "done")
    log.info("measured %d changes and %d deployments from %d source(s): ingest %.2f s, "
             "metrics %.2f s", len(tables.changes), len(tables.deployments),
             len(inputs.repos) + len(inputs.files), t1 - t0, time.perf_counter() - t1)
    return Measurement(tables, result, errors, groups, prepared)
