"""Import exported files and link them to the git history: the entry point of CLI and GUI.

:func:`import_files` reads every file (format detected from content), de-duplicates records
across files by their source id and returns the imported frames plus one
:class:`~vsm_app.domain.tables.SourceReport` per file; a bad file becomes an
:class:`~vsm_app.ingest.errors.ImportProblem` in ``errors`` and the other files still import.
:func:`link` then ties the records to the changes of the git tables by commit sha.

Rules (for docs/metrics.md):

- Duplicates: the same run attempt (``run_id``, ``attempt``), pull request (``pr_id``:
  repository and number), deployment (``deployment_id``) or incident (``incident_id``) met
  twice, in one file or across files, is kept once: fields are taken from the most complete
  copy first (most non-empty times), gaps filled from the others. Each dropped copy counts
  as ``skipped`` in its file's report. Reviews are de-duplicated by (PR, author, time, state).
- Which deployments win (one source at a time, the most explicit, *per repository*):
  production deployments from deployment exports (GitHub/GitLab/DevLake/generic) replace
  CI deploy runs and release tags; otherwise CI deploy runs/jobs replace release tags;
  otherwise the tags stay. With several repositories each is decided apart: an export's
  deployments replace the tags only of the repository holding their commits, as when
  ``analyze-many`` links each repository with its own files (docs/metrics.md §15).
  Production is the one rule of :mod:`vsm_app.domain.environments`. Deployments to other
  environments (from exports, else CI deploy jobs) are kept with ``is_production`` False:
  they ship nothing (ancestry uses production only) and become ``deployed:<environment>``
  events in ``tables.events``.
- A pull request links to the change holding its merge (or squash) commit. A change holding
  several merged PRs (a branch of PRs merged at once) takes the earliest of their times; its
  ``pr_id`` and labels-kind come from the PR whose merge commit is the change's own commit,
  else the earliest opened. ``first_commit_at`` becomes the earlier of git's and the PR's.
- A CI run links to the change holding the commit it built; a run on a PR branch (its sha
  is a head commit of a loaded PR, not on the branch) links to that PR's change.
- An incident with a sha links to the deployment that shipped the change holding that sha.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from vsm_app.domain.items import ItemSettings
from vsm_app.domain.tables import UTC_NS, SourceReport, Tables, conform, empty
from vsm_app.ingest import ancestry, ci, deployments, incidents, reviews, trackers
from vsm_app.ingest.detect import Parsed, detect
from vsm_app.ingest.errors import ImportProblem
from vsm_app.ingest.jsonload import CsvRecords, JsonRecords, frame_of
from vsm_app.ingest.trackers.combine import TrackerData, combine
from vsm_app.ingest.trackers.link import link_items
from vsm_app.work import Cancelled, IsCancelled, Progress, gc_paused

#: per table, the frames read and the report of the file each came from
Parts = dict[str, list[tuple[pd.DataFrame, SourceReport]]]

PARSERS: dict[str, Callable[..., Parsed]] = {
    **ci.PARSERS, **reviews.PARSERS, **deployments.PARSERS, **incidents.PARSERS,
    **trackers.PARSERS,
}

__all__ = ["ImportOptions", "ImportProblem", "ImportResult", "import_files", "link"]

log = logging.getLogger(__name__)


@dataclass
class ImportOptions:
    """Project settings that change how exports are read."""

    default_tz: str | None = None  #: zone for naive timestamps; None = they are an error
    deploy_pattern: str = "deploy"  #: regex on workflow/job/stage names (case-insensitive)
    #: production environment names (empty: the defaults, see vsm_app.domain.environments)
    production_environments: tuple[str, ...] = ()
    salt: str = ""  #: per-project salt for hashing author logins
    incident_label: str = "incident"  #: GitHub issue label that marks an incident
    #: work items: issue type → kind, status categories (issue 18)
    items: ItemSettings = field(default_factory=ItemSettings)


@dataclass
class ImportResult:
    """Frames imported from the files, one report per file, and the files that failed."""

    ci_runs: pd.DataFrame = field(default_factory=lambda: empty("ci_runs"))
    pull_requests: pd.DataFrame = field(
        default_factory=lambda: frame_of({}, reviews.PR_COLUMNS))
    #: review events (reviews and comments) with ``linked``: whether their PR is loaded
    reviews: pd.DataFrame = field(
        default_factory=lambda: frame_of({}, reviews.REVIEW_COLUMNS))
    #: every environment; column ``is_production`` marks the ones that count
    deployments: pd.DataFrame = field(default_factory=lambda: empty("deployments"))
    incidents: pd.DataFrame = field(default_factory=lambda: empty("incidents"))
    #: work items from tracker files, combined (issue 18)
    trackers: TrackerData = field(default_factory=TrackerData)
    reports: list[SourceReport] = field(default_factory=list)
    errors: list[ImportProblem] = field(default_factory=list)

    def ci_deployments(self) -> pd.DataFrame:
        """Deployments found in the CI data (runs/jobs flagged ``is_deploy``)."""
        return deployments.from_ci_runs(self.ci_runs)


# -- import -------------------------------------------------------------------------------

def _check_options(options: ImportOptions) -> None:
    try:
        re.compile(options.deploy_pattern)
    except re.error as exc:
        raise ImportProblem(f"the deploy pattern {options.deploy_pattern!r} is not a regular "
                            f"expression ({exc})") from exc
    if options.default_tz:
        try:
            pd.Timestamp("2020-01-01").tz_localize(options.default_tz)
        except Exception as exc:  # unknown zones raise several exception types
            raise ImportProblem(f"unknown time zone {options.default_tz!r} (the default time "
                                f"zone for timestamps without one)") from exc


def import_files(files: list[tuple[str, str]], options: ImportOptions | None = None,
                 progress: Progress | None = None,
                 cancelled: IsCancelled | None = None) -> ImportResult:
    """Read exported files into canonical frames.

    Parameters
    ----------
    files
        ``(family hint, path)`` pairs; the hint is ``"auto"`` or ``ci``, ``prs``,
        ``deployments``, ``incidents`` (the CLI flag the file was given with).
    options
        Time zone, deploy detection, salt.
    progress
        ``progress(fraction, message)``, by bytes read.
    cancelled
        Polled while reading; when it returns True :class:`Cancelled` is raised.

    Raises
    ------
    ImportProblem
        Only for bad options; a bad file is reported in ``errors`` instead.
    Cancelled
        When ``cancelled()`` returned True.
    """
    # millions of short-lived records and values: no full collection pass meanwhile
    with gc_paused():
        return _import_files(files, options or ImportOptions(), progress, cancelled)


def _import_files(files: list[tuple[str, str]], options: ImportOptions,
                  progress: Progress | None, cancelled: IsCancelled | None) -> ImportResult:
    _check_options(options)
    n = max(len(files), 1)
    result = ImportResult()
    parts: Parts = {}
    tracker_parts: list[tuple[dict[str, pd.DataFrame], SourceReport]] = []
    for i, (hint, path) in enumerate(files):
        if cancelled is not None and cancelled():
            raise Cancelled()

        def file_progress(fraction: float, message: str, i: int = i) -> None:
            if progress is not None:
                progress((i + fraction) / n, message)

        file_progress(0.0, f"Reading {os.path.basename(path)}")
        fmt = "unknown"
        reader: JsonRecords | CsvRecords | None = None
        try:
            info = detect(path, hint or "auto")
            fmt = info.name
            if info.kind == "csv":
                reader = CsvRecords(path, progress=file_progress, cancelled=cancelled)
            else:
                reader = JsonRecords(path, progress=file_progress, cancelled=cancelled)
            parsed = PARSERS[info.name](reader, path, options)
        except ImportProblem as exc:
            exc.located(path=path)
            log.info("cannot import %s: %s", path, exc)
            result.errors.append(exc)
            result.reports.append(SourceReport(path=path, format=fmt, problems=[str(exc)]))
            continue
        except OSError as exc:
            problem = ImportProblem(f"cannot read the file ({exc.strerror or exc})", path=path)
            result.errors.append(problem)
            result.reports.append(SourceReport(path=path, format=fmt, problems=[str(problem)]))
            continue
        except Cancelled:
            raise
        except Exception as exc:  # noqa: BLE001 - a value no reader check foresaw
            # the file is reported where the reader stood, never a crash of the whole run;
            # the importer fuzzers fail when this net is needed (a check is then missing)
            problem = ImportProblem(
                f"a value could not be read ({type(exc).__name__}: {exc})", path=path,
                record=reader.record or None if reader is not None else None,
                line=reader.line if reader is not None else None)
            problem.unexpected = True
            result.errors.append(problem)
            result.reports.append(SourceReport(path=path, format=fmt, problems=[str(problem)]))
            continue
        report = SourceReport(path=path, format=fmt, records=parsed.records,
                              skipped=parsed.skipped, problems=list(parsed.notes))
        result.reports.append(report)
        if parsed.table == "tracker":  # combined across files below (trackers.combine)
            tracker_parts.append(({"records": parsed.frame, **parsed.extra}, report))
            file_progress(1.0, f"Read {os.path.basename(path)}: {parsed.records:,} records")
            continue
        parts.setdefault(parsed.table, []).append((parsed.frame, report))
        for table, frame in parsed.extra.items():
            parts.setdefault(table, []).append((frame, report))
        file_progress(1.0, f"Read {os.path.basename(path)}: {parsed.records:,} records")
        log.info("read %s (%s): %d records, %d skipped", path, fmt, parsed.records,
                 parsed.skipped)

    if progress is not None:
        progress(1.0, "Combining imported records")
    result.ci_runs = _dedupe(parts.get("ci_runs", []), ["run_id", "attempt"], "ci_runs",
                             ["finished_at", "conclusion", "started_at", "queued_at", "sha"])
    result.ci_runs["latest_attempt"] = ci.mark_latest_attempt(result.ci_runs)
    result.ci_runs = ci.inherit_parent_sha(result.ci_runs)
    result.pull_requests, result.reviews = _combine_reviews(parts, result)
    result.deployments = _combine_deployments(parts)
    result.incidents = _dedupe(parts.get("incidents", []), ["incident_id"], "incidents",
                               ["resolved_at", "sha", "opened_at"])
    if tracker_parts:
        if progress is not None:
            progress(1.0, "Combining work items")
        result.trackers = combine(tracker_parts, options.items)
    return result


def _combine_reviews(parts: Parts, empty_result: ImportResult
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """PRs kept once, their review events attached (first review, approval)."""
    prs = _dedupe(parts.get("pull_requests", []), ["pr_key"], None,
                  ["merged_at", "closed_at", "first_commit_at", "merge_sha"],
                  key_of=lambda f: f["pr_id"].astype("string").str.casefold(),
                  template=empty_result.pull_requests)
    prs = reviews.with_kinds(prs)  # labels may come from another copy of the same PR
    events = _dedupe(parts.get("reviews", []), ["review_key"], None, [], key_of=_review_key,
                     template=empty_result.reviews, count_as_skipped=False)
    prs, linked = reviews.attach_reviews(prs, events)
    events["linked"] = linked.to_numpy(dtype=bool)
    for _, report in parts.get("reviews", []):
        if report.format == "github_pull_reviews":
            mine = events["source"].eq(report.path).fillna(False).to_numpy()
            report.linked = int(events["linked"].to_numpy()[mine].sum())
    return prs, events


def _combine_deployments(parts: Parts) -> pd.DataFrame:
    """Deployments kept once, GitHub ones completed by their statuses."""
    deps = _dedupe(parts.get("deployments", []), ["deployment_id"], "deployments",
                   ["finished_at", "status", "started_at"])
    statuses = pd.concat([f for f, _ in parts.get("deployment_statuses", [])]
                         or [frame_of({}, deployments.STATUS_COLUMNS)], ignore_index=True)
    deps, status_linked = deployments.apply_statuses(deps, statuses)
    for _, report in parts.get("deployment_statuses", []):
        mine = statuses["source"].eq(report.path).fillna(False).to_numpy()
        report.linked = int(status_linked.to_numpy()[mine].sum())
    no_status = deps["source"].eq("github_deployments").fillna(False) & deps["status"].isna()
    for _, report in parts.get("deployments", []) if no_status.any() else []:
        k = int((no_status & deps["path"].eq(report.path).fillna(False)).sum())
        if k:
            report.problems.append(
                f"{k} deployment(s) without a status (load their statuses): their outcome "
                f"is unknown, so they do not count as successful")
    return deps


def _review_key(frame: pd.DataFrame) -> pd.Series:
    return (reviews.pr_key(frame["repo"], frame["number"]) + "|"
            + frame["author_key"].astype("string").fillna("?") + "|"
            + frame["at"].astype("string").fillna("?") + "|"
            + frame["state"].astype("string").fillna("?"))


def _dedupe(parts: list[tuple[pd.DataFrame, SourceReport]], key: list[str], table: str | None,
            completeness: list[str], *, key_of: Callable[[pd.DataFrame], pd.Series] | None = None,
            template: pd.DataFrame | None = None, count_as_skipped: bool = True
            ) -> pd.DataFrame:
    """Concatenate per-file frames and keep each source id once (see module rules)."""
    frames = [f.assign(_file=k) for k, (f, _) in enumerate(parts) if len(f)]
    if not frames:
        if template is not None:
            return template.copy()
        assert table is not None
        return empty(table)
    df = pd.concat(frames, ignore_index=True)
    if key_of is not None:
        df[key[0]] = key_of(df)
    keys = df[key[0]].astype("string").fillna("\x00")
    for extra in key[1:]:
        keys = keys + "\x1f" + df[extra].astype("string").fillna("\x00")
    dup = keys.duplicated(keep=False).to_numpy()
    if dup.any():
        score = sum((df[c].notna().astype(int) for c in completeness if c in df),
                    start=pd.Series(0, index=df.index))
        order = np.lexsort((np.arange(len(df)), -score.to_numpy()))
        sub = df.iloc[order][dup[order]].copy()
        tuples = [c for c in sub.columns if sub[c].dtype == object]
        for c in tuples:  # an empty tuple is "no value" too: let another copy fill it
            sub[c] = sub[c].map(lambda v: None if v == () else v)
        groups = sub.groupby(keys.iloc[order][dup[order]].to_numpy(), sort=False)
        # first non-empty value per column, most complete copy first
        winners = groups.head(1)
        merged = groups.first()
        merged.index = winners.index
        merged = merged[winners.columns].astype(winners.dtypes.to_dict())
        for c in tuples:
            merged[c] = merged[c].map(lambda v: () if v is None else v)
        dropped = sub.drop(index=winners.index)
        if count_as_skipped:
            for file_no, k in dropped["_file"].value_counts().items():
                report = parts[int(file_no)][1]
                report.skipped += int(k)
                report.problems.append(f"{int(k)} duplicate record(s) skipped (same source id "
                                       f"as a record already imported)")
        df = pd.concat([df[~dup], merged]).sort_index(kind="stable")
    df = df.drop(columns=["_file"] + ([key[0]] if key_of is not None else []))
    if table is not None:
        return conform(df.reset_index(drop=True), table)
    assert template is not None
    return df.reset_index(drop=True).astype(template.dtypes.to_dict())


# -- link -----------------------------------------------------------------------------------

@dataclass
class _ShaMap:
    """Commit sha → change id, over the parsed history."""

    graph: ancestry.ParentGraph
    change_by_pos: np.ndarray  # object array of change ids (None outside any change)

    @classmethod
    def build(cls, commits: pd.DataFrame, changes: pd.DataFrame) -> _ShaMap:
        graph = ancestry.parent_graph(commits)
        if "change_id" in commits and len(graph) == len(commits):
            # every sha once: the graph's positions are the table's rows
            ids = commits["change_id"].astype(object)
            by_pos = ids.where(ids.notna(), None).to_numpy(dtype=object)
        elif "change_id" in commits:
            per_sha = commits.drop_duplicates("sha").set_index("sha")["change_id"]
            labels = per_sha.reindex(graph.index).astype(object)
            by_pos = labels.where(labels.notna(), None).to_numpy(dtype=object)
        else:
            ordered = changes.sort_values("merged_at", kind="stable")
            roots = ancestry.resolve_shas(graph.index, ordered["merge_sha"].tolist())
            lab = ancestry.label_reachable(graph, roots.tolist())
            ids = np.asarray(ordered["change_id"].astype(object).tolist() + [None], dtype=object)
            by_pos = ids[np.where(lab >= 0, lab, len(ordered))]
        return cls(graph, by_pos)

    def changes_of(self, shas: pd.Series) -> pd.Series:
        """Change id holding each sha (abbreviated shas allowed), ``<NA>`` when none."""
        if shas.empty or not len(self.change_by_pos):
            return pd.Series(pd.NA, index=shas.index, dtype="string")
        raw = shas.astype(object).where(shas.notna(), None).tolist()
        pos = ancestry.resolve_shas(self.graph.index, raw)
        out = np.full(len(pos), None, dtype=object)
        known = pos >= 0
        out[known] = self.change_by_pos[pos[known]]
        return pd.Series(out, index=shas.index, dtype="string")

    def known(self, shas: pd.Series) -> np.ndarray:
        raw = shas.astype(object).where(shas.notna(), None).tolist()
        return ancestry.resolve_shas(self.graph.index, raw) >= 0


def _link_prs(changes: pd.DataFrame, prs: pd.DataFrame, shas: _ShaMap
              ) -> tuple[pd.DataFrame, pd.Series]:
    """PR times onto the changes holding their merge/squash commits.

    Returns the updated changes and, per PR, the change it became (``<NA>`` if none).
    """
    out = changes.copy()
    merged = prs["merged_at"].notna()
    change = shas.changes_of(prs["merge_sha"].where(merged))
    change = change.fillna(shas.changes_of(prs["squash_sha"].where(merged)))
    linked = change.notna()
    if not linked.any():
        return out, change
    lp = prs[linked].assign(_change=change[linked])
    exact = (lp["merge_sha"].astype("string").str.lower()
             .eq(lp["_change"].astype("string").str.lower()).fillna(False))
    lp = lp.assign(_exact=~exact).sort_values(["_change", "_exact", "opened_at"], kind="stable")
    grouped = lp.groupby("_change", sort=False)
    agg = pd.DataFrame({
        "pr_opened_at": grouped["opened_at"].min(),
        "first_review_at": grouped["first_review_at"].min(),
        "approved_at": grouped["approved_at"].min(),
        "pr_first_commit_at": grouped["first_commit_at"].min(),
        "pr_id": grouped["pr_id"].first(),
    })
    label_kind = lp[lp["kind_source"].eq("labels").fillna(False)].groupby(
        "_change", sort=False)["kind"].first()
    cid = out["change_id"].astype("string")
    for col in ("pr_opened_at", "first_review_at", "approved_at"):
        out[col] = cid.map(agg[col]).astype(UTC_NS).where(cid.isin(agg.index), out[col])
    out["pr_id"] = cid.map(agg["pr_id"]).astype("string").where(cid.isin(agg.index),
                                                                out["pr_id"])
    pr_first = cid.map(agg["pr_first_commit_at"]).astype(UTC_NS)
    out["first_commit_at"] = pd.concat([out["first_commit_at"].astype(UTC_NS), pr_first],
                                       axis=1).min(axis=1).astype(UTC_NS)
    new_kind = cid.map(label_kind).astype("string")
    out["kind"] = new_kind.fillna(out["kind"].astype("string"))
    return out, change


def _pr_head_changes(prs: pd.DataFrame, pr_change: pd.Series) -> pd.Series:
    """Head/commit sha of a linked PR → the change the PR became."""
    heads = pd.DataFrame({"sha": prs["head_shas"], "change": pr_change})
    heads = heads[heads["change"].notna()].explode("sha").dropna(subset=["sha"])
    if heads.empty:
        return pd.Series(dtype="string")
    heads["sha"] = heads["sha"].astype(str).str.lower()
    return heads.drop_duplicates("sha").set_index("sha")["change"].astype("string")


def _select_deployments(tables: Tables, imported: ImportResult
                        ) -> tuple[pd.DataFrame, str | None, pd.DataFrame]:
    """Production deployments of the most explicit family, its name, and the deployments to
    other environments (kept for ``deployed:<environment>`` events).

    Other environments come from one family too, the most explicit that has any: deployment
    exports, else CI deploy runs (the same staging deployment is often in both).
    """
    explicit = imported.deployments
    prod = explicit["is_production"].astype(bool) if "is_production" in explicit else \
        pd.Series(True, index=explicit.index)
    from_ci = imported.ci_deployments()
    ci_prod = from_ci["is_production"].astype(bool) if "is_production" in from_ci else \
        pd.Series(True, index=from_ci.index)
    others = explicit[~prod] if (~prod).any() else from_ci[~ci_prod]
    if prod.any():
        return explicit[prod], "deployment exports", others
    if ci_prod.any():
        return from_ci[ci_prod], "CI deploy runs", others
    return tables.deployments, None, others


def link(tables: Tables, imported: ImportResult) -> Tables:
    """Tie imported records to the git tables by commit sha; returns new tables.

    Fills ``ci_runs`` (with a ``change_id`` column), ``deployments`` (see the module rules
    for which source wins; ``is_rollback`` from :func:`ancestry.rollback_flags`), ``incidents`` (``deployment_id`` from their sha), sets the PR
    columns of ``changes`` and re-assigns deployments by ancestry
    (:func:`vsm_app.ingest.ancestry.assign_deployments`). Adds one source report per file and
    data-quality counters: ``unlinked_*``, ``negative_*`` spans and ``clock_skew_*``.
    """
    out = replace(tables, sources=list(tables.sources), warnings=list(tables.warnings),
                  data_quality=dict(tables.data_quality), notes=list(tables.notes))
    shas = _ShaMap.build(tables.commits, tables.changes)
    # copies: linking twice (new git options) must not count twice
    copies = [replace(r, problems=list(r.problems)) for r in imported.reports]
    reports = {r.path: r for r in copies}
    dq: dict[str, int] = {}

    # pull requests → changes
    prs = imported.pull_requests
    changes, pr_change = _link_prs(tables.changes, prs, shas)
    pr_linked = pr_change.notna()
    _set_linked(reports, prs, pr_linked)
    dq["unlinked_pull_requests"] = int((prs["merged_at"].notna() & ~pr_linked).sum())
    if "linked" in imported.reviews:
        dq["unlinked_reviews"] = int((~imported.reviews["linked"].astype(bool)).sum())

    # CI runs → changes (branch runs through their PR)
    runs = imported.ci_runs.copy()
    run_change = shas.changes_of(runs["sha"])
    by_head = _pr_head_changes(prs, pr_change)
    if len(by_head):
        via_pr = runs["sha"].astype("string").str.lower().map(by_head).astype("string")
        run_change = run_change.fillna(via_pr)
    runs["change_id"] = run_change
    _set_linked(reports, runs, run_change.notna())
    dq["unlinked_ci_runs"] = int(run_change.isna().sum())
    dq["ci_runs_without_sha"] = int(runs["sha"].isna().sum())
    out.ci_runs = runs

    # deployments: the most explicit source wins, per repository, then ancestry
    chosen, origin, others = _select_deployments(tables, imported)
    chosen = chosen.copy()
    known = shas.known(chosen["sha"]) if len(chosen) else np.zeros(0, dtype=bool)
    if origin is not None:
        chosen = _repo_from_commits(chosen, tables.commits)
        dq["unlinked_deployments"] = int((~known).sum())
        if origin == "deployment exports":
            _set_linked(reports, chosen, pd.Series(known, index=chosen.index), column="path")
        chosen = _per_repository(tables, chosen, origin, imported, out.warnings)
    if len(others):
        others = _repo_from_commits(others.copy(), tables.commits)
        for path, k in others["path"].value_counts().items():
            rep = reports.get(str(path))
            if rep is not None:
                envs = ", ".join(sorted(others.loc[others["path"].eq(path), "environment"]
                                        .dropna().astype(str).unique()))
                rep.problems.append(
                    f"{int(k)} deployment(s) to other environments ({envs or 'unnamed'}): "
                    f"kept as deployed:<environment> events, not counted as production "
                    f"deployments")
    chosen = chosen.assign(is_production=True)
    others = others.assign(is_production=False)
    both = [f for f in (chosen, others) if len(f)]
    deps = pd.concat(both, ignore_index=True) if both else chosen
    out.deployments = conform(deps.reset_index(drop=True), "deployments")
    out.deployments["is_rollback"] = ancestry.rollback_flags(tables.commits, out.deployments,
                                                             graph=shas.graph)
    out.deployments["deploy_order"] = ancestry.deployment_order(
        tables.commits, out.deployments, graph=shas.graph)
    changes = ancestry.assign_deployments(tables.commits, changes, out.deployments,
                                          graph=shas.graph)
    out.changes = changes
    env_events = ancestry.environment_events(tables.commits, changes, out.deployments,
                                             graph=shas.graph)
    if len(env_events):
        given = [f for f in (tables.events, env_events) if f is not None and len(f)]
        out.events = conform(pd.concat(given, ignore_index=True), "events")

    # incidents → the deployment that shipped their sha
    inc = imported.incidents.copy()
    inc_change = shas.changes_of(inc["sha"])
    # a sha maps to the first entry holding it (a repository listed whole and by sub-tree
    # holds the same changes twice, pipeline.repo_labels)
    shipped = changes.drop_duplicates("change_id").set_index("change_id")["deployment_id"] \
        .astype("string")
    by_sha = inc_change.map(shipped).astype("string")
    inc["deployment_id"] = inc["deployment_id"].astype("string").fillna(by_sha)
    has_sha = inc["sha"].notna()
    inc_linked = inc["deployment_id"].notna() | inc_change.notna()
    _set_linked(reports, inc, inc_linked)
    dq["unlinked_incidents"] = int((has_sha & inc_change.isna()).sum())
    dq["incidents_without_sha"] = int((~has_sha).sum())
    out.incidents = inc

    dq.update(_quality_counts(prs, runs, out.deployments, inc, changes))
    out.data_quality.update(dq)
    # work items ↔ changes (issue 18)
    link_items(out, imported.trackers, prs, pr_change, shas.changes_of, reports)
    out.sources.extend(copies)
    return out


def _set_linked(reports: dict[str, SourceReport], frame: pd.DataFrame, linked: pd.Series,
                column: str = "source") -> None:
    if frame.empty or column not in frame:
        return
    counts = frame.loc[linked.to_numpy(dtype=bool), column].value_counts()
    for path in frame[column].dropna().unique():
        rep = reports.get(str(path))
        if rep is not None:
            rep.linked = int(counts.get(path, 0))


def _per_repository(tables: Tables, chosen: pd.DataFrame, origin: str, imported: ImportResult,
                    warnings: list[str]) -> pd.DataFrame:
    """The most explicit source wins *per repository*: deployments of ``origin`` replace
    the release tags (or CI deploy runs) only of the repositories they were linked to;
    another repository keeps its own most explicit source (CI deploy runs, else its tags).
    Deployments whose commit is in no repository stay with ``origin`` (unlinked)."""
    tags = tables.deployments
    repos = [r for r in pd.unique(tables.commits["repo"].astype(object))
             if isinstance(r, str)] if "repo" in tables.commits else []
    covered = set(chosen["repo"].dropna().astype(str)) if "repo" in chosen else set()
    if len(repos) <= 1 or not covered or covered >= set(repos):
        if len(tags):
            warnings.append(f"{len(tags)} deployment(s) from release tags replaced by "
                            f"{len(chosen)} from {origin}")
        return chosen
    parts = [chosen]
    rest = [r for r in repos if r not in covered]
    if origin == "deployment exports":
        from_ci = imported.ci_deployments()
        if len(from_ci):
            ci_prod = from_ci["is_production"].astype(bool) if "is_production" in from_ci \
                else pd.Series(True, index=from_ci.index)
            ci = _repo_from_commits(from_ci[ci_prod].copy(), tables.commits)
            take = ci["repo"].isin(rest).fillna(False).to_numpy(dtype=bool) \
                if "repo" in ci else np.zeros(len(ci), dtype=bool)
            if take.any():
                parts.append(ci.loc[take])
                rest = [r for r in rest if r not in set(ci.loc[take, "repo"].astype(str))]
    tag_repo = tags["repo"].astype(object) if "repo" in tags and len(tags) else pd.Series(
        dtype=object)
    replaced = int(tag_repo.isin(list(covered)).sum()) if len(tags) else 0
    if replaced:
        warnings.append(f"{replaced} deployment(s) from release tags replaced by "
                        f"{int(chosen['repo'].isin(list(covered)).sum())} from {origin} in "
                        f"{', '.join(sorted(covered))}; "
                        f"{', '.join(rest) or 'the other repositories'} keep their own")
    if len(tags):
        parts.append(tags.loc[tag_repo.isin(rest).to_numpy(dtype=bool)])
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def _repo_from_commits(deps: pd.DataFrame, commits: pd.DataFrame) -> pd.DataFrame:
    """A deployment's repository is the git repository holding its commit."""
    if deps.empty or "repo" not in commits or commits.empty:
        return deps
    repo_of = commits.drop_duplicates("sha").set_index("sha")["repo"].astype("string")
    graph_index = pd.Index(repo_of.index.astype(str), dtype=object)
    pos = ancestry.resolve_shas(graph_index, deps["sha"].astype(object).where(
        deps["sha"].notna(), None).tolist())
    found = np.full(len(pos), None, dtype=object)
    found[pos >= 0] = repo_of.to_numpy(dtype=object)[pos[pos >= 0]]
    out = deps.copy()
    out["repo"] = pd.Series(found, index=deps.index, dtype="string").fillna(
        out["repo"].astype("string"))
    return out


def _count(mask: Any) -> int:
    return int(pd.Series(mask).fillna(False).astype(bool).sum())


def _quality_counts(prs: pd.DataFrame, runs: pd.DataFrame, deps: pd.DataFrame,
                    inc: pd.DataFrame, changes: pd.DataFrame) -> dict[str, int]:
    """Negative spans and clock skew in the imported data (counted, never clipped)."""
    return {
        "negative_review_before_pr_opened": _count(prs["first_review_at"] < prs["opened_at"]),
        "negative_approval_before_pr_opened": _count(prs["approved_at"] < prs["opened_at"]),
        "negative_pr_merged_before_opened": _count(prs["merged_at"] < prs["opened_at"]),
        "negative_ci_started_before_queued": _count(runs["started_at"] < runs["queued_at"]),
        "negative_ci_finished_before_started": _count(runs["finished_at"] < runs["started_at"]),
        "negative_deployment_finished_before_started": _count(
            deps["finished_at"] < deps["started_at"]),
        "negative_incident_resolved_before_opened": _count(
            inc["resolved_at"] < inc["opened_at"]),
        "clock_skew_pr_commit_after_merge": _count(prs["first_commit_at"] > prs["merged_at"]),
        "clock_skew_pr_opened_after_change_merged": _count(
            changes["pr_opened_at"] > changes["merged_at"]),
    }
