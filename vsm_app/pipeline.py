"""Measure a value stream end to end: git + exported files → canonical tables → metrics.

``run(inputs, progress, cancelled)`` is the one long-running function behind both
``vsm-app analyze`` and the app's data-sources panel (which runs it in a worker). It has no
Qt and no threads; it checks ``cancelled()`` between and inside its steps.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .domain.model import Project, ValueStreamMap
from .domain.tables import Tables, conform
from .errors import BadInput
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


@dataclass
class Measurement:
    tables: Tables
    result: Any  # analysis.engine.AnalysisResult
    import_errors: list[str] = field(default_factory=list)
    #: analysis.groups.GroupsResult when the inputs define groups (``result`` is its whole)
    groups: Any = None

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


def _concat(frames: list[pd.DataFrame], table: str) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return conform(pd.DataFrame(), table)
    return conform(pd.concat(frames, ignore_index=True), table)


def ingest(inputs: AnalyzeInputs, progress: Progress | None = None,
           cancelled: IsCancelled | None = None) -> tuple[Tables, list[str]]:
    """Git repositories and files → linked canonical tables (no metrics yet)."""
    from .ingest import git
    from .ingest.sources import ImportOptions, ImportResult, import_files, link

    n_repos = len(inputs.repos)
    parts: list[Tables] = []
    git_share = 0.7 if inputs.files else 0.95
    for i, repo in enumerate(inputs.repos):
        lo = git_share * i / max(n_repos, 1)
        hi = git_share * (i + 1) / max(n_repos, 1)
        opts = git.GitOptions(path=repo.path, branch=repo.branch, deploy_tags=repo.deploy_tags,
                              subtree=repo.subtree, salt=inputs.salt, label=repo.label)
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
                          salt=inputs.salt),
            scaled(progress, git_share, 0.95), cancelled)
        errors = [str(e) for e in imported.errors]
    # linking also runs with git alone: it flags rollbacks among tag deployments
    tables = link(tables, imported)
    return tables, errors


def analyze_tables(tables: Tables, inputs: AnalyzeInputs) -> Any:
    from .analysis.engine import AnalysisOptions, analyze

    return analyze(tables, inputs.vsm_map,
                   AnalysisOptions(since=inputs.since, until=inputs.until, period=inputs.period,
                                   band_year=inputs.band_year,
                                   production_environments=inputs.production_environments))


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
    for repo in inputs.repos:
        opts = git.GitOptions(path=repo.path, branch=repo.branch, subtree=repo.subtree,
                              salt=inputs.salt, label=repo.label)
        label = repo.label or git._default_label(repo.path)
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
    result = groups.whole if groups is not None else analyze_tables(tables, inputs)
    if progress:
        progress(1.0, "done")
    log.info("measured %d changes and %d deployments from %d source(s): ingest %.2f s, "
             "metrics %.2f s", len(tables.changes), len(tables.deployments),
             len(inputs.repos) + len(inputs.files), t1 - t0, time.perf_counter() - t1)
    return Measurement(tables, result, errors, groups)


# -- per-change export ------------------------------------------------------------------

CHANGE_COLUMNS = ("change_id", "sha", "kind", "first_commit_at", "pr_opened_at",
                  "first_review_at", "approved_at", "merged_at", "deployed_at",
                  "deployment_id", "lead_time_s", "lead_time_note")

#: why a change's lead_time_s is empty (the rules of the DORA lead time, docs/metrics.md §6)
LEAD_TIME_NOTES = {
    "first_deployment": "left out: shipped by the first deployment (no earlier deployment to "
                        "measure from)",
    "negative": "left out: deployed before its first commit (clock skew)",
    "not_deployed": "not deployed yet",
    "no_first_commit": "no first commit time",
}


def changes_export_frame(changes: pd.DataFrame) -> pd.DataFrame:
    """One row per change with the columns of DESIGN §6 (times in ISO 8601 UTC).

    ``lead_time_s`` follows the metrics' own rule (:func:`vsm_app.analysis.dora.lead_times`):
    empty where the metric leaves the change out, and ``lead_time_note`` says why.
    """
    from .analysis.dora import lead_times
    from .analysis.periods import NAT, to_ns

    out = pd.DataFrame({"change_id": changes["change_id"], "sha": changes["merge_sha"],
                        "kind": changes["kind"]})
    for col in CHANGE_COLUMNS[3:9]:
        out[col] = changes[col].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    out["deployment_id"] = changes["deployment_id"]
    start = to_ns(changes["first_commit_at"])
    deployed = to_ns(changes["deployed_at"])
    first = changes["first_deployment"].astype(bool).to_numpy()
    lead, negative = lead_times(start, deployed, first)
    out["lead_time_s"] = lead
    note = np.full(len(out), "", dtype=object)
    note[deployed == NAT] = LEAD_TIME_NOTES["not_deployed"]
    note[(deployed != NAT) & (start == NAT)] = LEAD_TIME_NOTES["no_first_commit"]
    note[negative & ~first] = LEAD_TIME_NOTES["negative"]
    note[first & (deployed != NAT)] = LEAD_TIME_NOTES["first_deployment"]
    out["lead_time_note"] = note
    return out[list(CHANGE_COLUMNS)]


def write_changes_csv(changes: pd.DataFrame, path: str | Path,
                      project_path: str | Path | None = None,
                      protected: list[str] | None = None) -> Path:
    """Write the per-change CSV at ``path`` (checked like every export, then atomic)."""
    from .report.tables import frame_to_csv_bytes
    from .report.target import check_target, write_target

    target = check_target(path, {".csv"}, project_path, protected=protected or [])
    write_target(target, frame_to_csv_bytes(changes_export_frame(changes)))
    return target


# -- command line -----------------------------------------------------------------------

def add_analyze_parser(sub: Any) -> None:
    a = sub.add_parser("analyze", help="measure flow and DORA metrics from git and exports")
    a.add_argument("project", nargs="?", metavar="P.vsm",
                   help="a project whose data sources and map to use")
    a.add_argument("--repo", action="append", default=[], metavar="PATH[:SUBTREE]",
                   help="a git repository (repeatable); PATH:sub/dir restricts it to a sub-tree")
    for flag in ("ci", "prs", "deployments", "incidents"):
        a.add_argument(f"--{flag}", action="append", default=[], metavar="F")
    a.add_argument("--deploy-tags", metavar="GLOB",
                   help="release tags that are deployments (default: the repository's "
                        "release-tag scheme, detected; '' for none)")
    a.add_argument("--production-env", action="append", default=[], metavar="NAME",
                   help="an environment name that is production (repeatable; default: "
                        "production, prod, prd, live)")
    a.add_argument("--branch", metavar="NAME")
    a.add_argument("--since", metavar="DATE")
    a.add_argument("--until", metavar="DATE")
    a.add_argument("--period", choices=("day", "week", "month"), default=None)
    a.add_argument("--time-zone", metavar="ZONE",
                   help="zone for timestamps without one (default: the project's, else error)")
    a.add_argument("--export-changes", metavar="OUT.csv")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_analyze)


def load_project_or_bad_input(path: str) -> Project:
    from .storage.project_file import ProjectFileError, load_project

    try:
        return load_project(path)
    except ProjectFileError as e:
        raise BadInput(str(e)) from None


def _parse_date(flag: str, text: str | None) -> pd.Timestamp | None:
    if text is None:
        return None
    try:
        ts = pd.Timestamp(text)
    except (ValueError, TypeError):
        raise BadInput(f"{flag}: {text!r} is not a date (expected e.g. 2026-01-31)") from None
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def split_repo_arg(text: str) -> RepoInput:
    """``PATH`` or ``PATH:SUBTREE`` (an existing path containing ':' wins)."""
    if os.path.exists(text) or ":" not in text:
        return RepoInput(text)
    path, _, subtree = text.rpartition(":")
    return RepoInput(path, subtree.strip("/") or None)


def inputs_from_project(project: Project) -> AnalyzeInputs:
    inputs = AnalyzeInputs(vsm_map=project.maps[0] if project.maps else None,
                           period=project.settings.period, band_year=project.settings.band_year,
                           default_tz=project.settings.time_zone,
                           deploy_pattern=project.settings.deploy_pattern,
                           production_environments=tuple(
                               project.settings.production_environments),
                           salt=project.settings.salt)
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

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise BadInput(f"{path}: cannot read the CODEOWNERS file "
                       f"({getattr(e, 'strerror', None) or e})") from None
    co = parse_codeowners(text, path)
    for problem in co.problems:
        log.warning("%s", problem)
    return co


class _StderrProgress:
    def __init__(self) -> None:
        self.last = ""
        self.tty = sys.stderr.isatty()

    def __call__(self, fraction: float, message: str) -> None:
        if self.tty:
            print(f"\r{fraction:4.0%} {message[:70]:<70}", end="", file=sys.stderr, flush=True)
        elif message != self.last:
            print(f"{fraction:4.0%} {message}", file=sys.stderr, flush=True)
        self.last = message

    def close(self) -> None:
        if self.tty and self.last:
            print(file=sys.stderr)


def _json_safe(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {str(k): _json_safe(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_json_safe(x) for x in v]
    return v


def _check_changes_out(out: str, project: str | None, read_files: list[str]) -> None:
    """``--export-changes`` is checked before the measurement starts."""
    from .report.target import ExportTargetError, check_target

    try:
        check_target(out, {".csv"}, project, protected=read_files)
    except ExportTargetError as e:
        raise BadInput(f"--export-changes: {e}") from None


def cmd_analyze(args: argparse.Namespace) -> int:
    from .ingest.errors import ImportProblem
    from .ingest.git import GitError

    if args.project:
        inputs = inputs_from_project(load_project_or_bad_input(args.project))
    else:
        inputs = AnalyzeInputs()
    if not args.project and not args.repo:
        raise BadInput("give a project file or at least one --repo PATH")
    for r in args.repo:
        inputs.repos.append(split_repo_arg(r))
    for family in ("ci", "prs", "deployments", "incidents"):
        inputs.files.extend((family, f) for f in getattr(args, family))
    for repo in inputs.repos:
        if args.branch:
            repo.branch = args.branch
        if args.deploy_tags is not None:
            repo.deploy_tags = args.deploy_tags.strip()
    if args.production_env:
        names = [n.strip() for n in args.production_env]
        if not all(names):
            raise BadInput("--production-env: give an environment name, e.g. production")
        inputs.production_environments = tuple(names)
    for _, path in inputs.files:
        if not Path(path).is_file():
            raise BadInput(f"{path}: no such file")
    read_files = [p for _, p in inputs.files]
    if args.export_changes:
        _check_changes_out(args.export_changes, args.project, read_files)
    inputs.since = _parse_date("--since", args.since)
    inputs.until = _parse_date("--until", args.until)
    if inputs.until is not None and args.until and len(args.until.strip()) <= 10:
        inputs.until += pd.Timedelta(days=1)  # --until 2026-03-31 includes that day
    if inputs.since is not None and inputs.until is not None and inputs.until <= inputs.since:
        raise BadInput("--until must be after --since")
    if args.period:
        inputs.period = args.period
    if args.time_zone:
        inputs.default_tz = args.time_zone
    if not inputs.salt:
        inputs.salt = "vsm-app-cli"  # hashes stay stable between runs of the CLI
    from .paths import cache_dir
    inputs.cache_dir = cache_dir()
    progress = _StderrProgress()
    try:
        measurement = run(inputs, progress)
    except (GitError, ImportProblem, PipelineInputError) as e:
        raise BadInput(str(e)) from None
    finally:
        progress.close()
    for note in measurement.tables.notes:
        print(f"note: {note}", file=sys.stderr)
    for w in measurement.tables.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if measurement.import_errors:
        # a file the user named could not be read: no partial answer that looks complete
        for problem in measurement.import_errors[1:]:
            print(f"vsm-app: {problem}", file=sys.stderr)
        raise BadInput(measurement.import_errors[0])
    if args.export_changes:
        try:
            write_changes_csv(measurement.tables.changes, args.export_changes, args.project,
                              read_files)
        except (ValueError, OSError) as e:
            raise BadInput(f"--export-changes: {e}") from None
        print(f"wrote {args.export_changes} ({len(measurement.tables.changes)} changes)",
              file=sys.stderr)
    out = _json_safe(measurement.to_json())
    if args.json:
        print(json.dumps(out, indent=2, allow_nan=False))
    else:
        dora = out.get("dora", {})
        print(f"{out.get('changes')} changes, {out.get('deployments')} deployments; "
              f"lead time median {dora.get('lead_time_median_s')} s, change failure rate "
              f"{dora.get('change_failure_rate')}")
    return 0
