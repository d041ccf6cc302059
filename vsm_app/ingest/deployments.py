"""Deployments → the ``deployments`` table (DESIGN §3).

Formats: GitHub deployments (+ their statuses, a separate file), GitLab deployments (with
the ``deployable`` job's timings), the DevLake webhook deployment, generic CSV/JSON tables
(deployment id, sha, environment, started, finished, status; header names case-insensitive,
aliases in :data:`vsm_app.ingest.detect.DEPLOYMENT_COLUMNS`), and CI runs/jobs flagged
``is_deploy`` (:func:`from_ci_runs`).

Rules (for docs/metrics.md):

- ``status``: success | failure | cancelled | in_progress (others kept lower-case).
  GitHub: the state of the latest status of each deployment, ignoring ``inactive`` (GitHub
  marks an older successful deployment inactive when a newer one succeeds; it still
  happened); ``error`` → failure; ``queued``/``pending``/``in_progress`` → in_progress.
  A GitHub deployment with no status loaded has status ``<NA>`` and is not counted as a
  successful deployment (a note says how many). GitLab: the deployment's own ``status``.
  Generic tables: a missing status (column or cell) means the deployment happened (success).
- Times: GitHub ``started_at`` = deployment ``created_at``, ``finished_at`` = time of the
  deciding (latest non-inactive, final) status. GitLab: the ``deployable`` job's
  ``started_at``/``finished_at`` (else the deployment's ``created_at``/``updated_at``).
  DevLake: the commit's ``startedDate``/``finishedDate`` else the deployment's.
- Environment: stored lower-case. ``production_flag`` is the source's own word (GitHub's
  ``production_environment: true``), NA where the source says nothing. ``is_production`` is
  decided by :func:`vsm_app.domain.environments.is_production` (the flag, no environment
  named, or a production name), the same rule the DORA step applies. Other environments are
  kept: they become ``deployed:<environment>`` events, never DORA deployments.
- A DevLake deployment of several commits (repositories) gives one row per commit, id
  ``<id>/<n>``. A generic row without an id gets ``<sha[:12]>@<time>`` so the same row in
  two files is still recognised as one deployment.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from vsm_app.domain.environments import is_production as production_mask
from vsm_app.domain.tables import UTC_NS, conform
from vsm_app.ingest.detect import DEPLOYMENT_COLUMNS, Parsed
from vsm_app.ingest.errors import ImportProblem, shown
from vsm_app.ingest.jsonload import (
    CsvRecords,
    JsonRecords,
    dig,
    frame_of,
    obj,
)
from vsm_app.ingest.records import GenericTable, collect

if TYPE_CHECKING:
    from vsm_app.ingest.sources import ImportOptions

STATUSES: dict[str, str] = {
    "success": "success", "succeeded": "success", "successful": "success", "ok": "success",
    "passed": "success", "deployed": "success", "done": "success", "completed": "success",
    "failure": "failure", "failed": "failure", "error": "failure", "errored": "failure",
    "cancelled": "cancelled", "canceled": "cancelled", "aborted": "cancelled",
    "in_progress": "in_progress", "running": "in_progress", "pending": "in_progress",
    "queued": "in_progress", "created": "in_progress", "started": "in_progress",
    "waiting": "in_progress", "blocked": "in_progress",
}
FINAL = frozenset({"success", "failure", "cancelled"})
STATUS_COLUMNS: dict[str, str] = {
    "deployment_ref": "string", "state": "string", "at": UTC_NS, "source": "string",
}


def status_of(values: list[Any], *, missing: str | None = None) -> pd.Series:
    """Canonical deployment statuses; unknown words kept lower-case, missing → ``missing``."""
    out: list[str | None] = []
    for v in values:
        if isinstance(v, str) and v.strip():
            w = v.strip().lower()
            out.append(STATUSES.get(w, w))
        else:
            out.append(missing)
    return pd.Series(out, dtype="string")


def environment_names(values: list[Any]) -> list[str | None]:
    """Environment names, lower-case (a GitLab ``{"name": ...}`` object gives its name)."""
    out: list[str | None] = []
    for v in values:
        if isinstance(v, dict):
            v = v.get("name")
        out.append(v.strip().casefold() if isinstance(v, str) and v.strip() else None)
    return out


def is_production(environment: pd.Series, names: tuple[str, ...] | str | None = None,
                  flag: pd.Series | None = None) -> pd.Series:
    """Production deployments (:func:`vsm_app.domain.environments.is_production`)."""
    return pd.Series(production_mask(environment, flag, names), index=environment.index,
                     dtype=bool)


def _finish(data: dict[str, Any], fmt: str, path: str, options: ImportOptions,
            flag: Any = None) -> pd.DataFrame:
    frame = pd.DataFrame(data)
    frame["source"] = fmt
    frame["path"] = path
    frame["production_flag"] = pd.Series(
        [True if f is True else pd.NA for f in flag] if flag is not None else pd.NA,
        index=frame.index, dtype="boolean")
    frame["is_production"] = is_production(
        frame["environment"] if "environment" in frame else
        pd.Series(pd.NA, index=frame.index, dtype="string"),
        options.production_environments, frame["production_flag"])
    return conform(frame, "deployments")


def _github_deployment(rec: dict[str, Any]) -> tuple[Any, ...]:
    get = rec.get
    return (get("id"), get("sha"), get("environment"), get("created_at"),
            get("production_environment") is True)


def parse_github_deployments(reader: JsonRecords, path: str,
                             options: ImportOptions) -> Parsed:
    """GitHub ``/deployments``: sha, environment, created_at (status comes from statuses)."""
    cols, raw = collect(reader, path, ("id", "sha", "env", "created", "prod"),
                        map(_github_deployment, reader.objects()))
    n = len(cols)
    data = {
        "deployment_id": cols.ident(raw["id"], "id", prefix="github-deployment/"),
        "sha": cols.sha(raw["sha"], "sha"),
        "environment": environment_names(cols.text(raw["env"], "environment")),
        "started_at": cols.times(raw["created"], "created_at", default_tz=options.default_tz),
        "finished_at": pd.Series(pd.NaT, index=range(n), dtype=UTC_NS),
        "status": pd.Series([pd.NA] * n, dtype="string"),
    }
    return Parsed("deployments",
                  _finish(data, "github_deployments", path, options, raw["prod"]), n)


def _located_statuses(reader: JsonRecords) -> Iterator[tuple[Any, ...]]:
    """Statuses whose URL names their deployment (the others are left out)."""
    for rec in reader.objects():
        dep = _deployment_id_from_url(rec.get("deployment_url") or rec.get("url") or "")
        if dep is not None:
            yield dep, rec.get("state"), rec.get("created_at")


def parse_github_deployment_statuses(reader: JsonRecords, path: str,
                                     options: ImportOptions) -> Parsed:
    """GitHub ``/deployments/{id}/statuses``, linked by the deployment id in their URL."""
    cols, raw = collect(reader, path, ("ref", "state", "at"), _located_statuses(reader))
    unlocated = reader.record - len(cols)
    frame = frame_of({
        "deployment_ref": raw["ref"],
        "state": [s.lower() if isinstance(s, str) else None
                  for s in cols.text(raw["state"], "state")],
        "at": cols.times(raw["at"], "created_at", default_tz=options.default_tz),
        "source": path,
    }, STATUS_COLUMNS)
    notes = [f"{unlocated} status(es) without a deployment URL skipped"] if unlocated else []
    return Parsed("deployment_statuses", frame, reader.record, skipped=unlocated, notes=notes)


def _deployment_id_from_url(url: Any) -> str | None:
    if not isinstance(url, str) or "/deployments/" not in url:
        return None
    tail = url.split("/deployments/", 1)[1].split("/", 1)[0]
    return f"github-deployment/{tail}" if tail.isdigit() else None


def apply_statuses(deployments: pd.DataFrame, statuses: pd.DataFrame
                   ) -> tuple[pd.DataFrame, pd.Series]:
    """Status and finish time of GitHub deployments from their latest (non-inactive) status.

    Returns the updated deployments and, per status row, whether it found its deployment.
    """
    out = deployments.copy()
    linked = statuses["deployment_ref"].isin(out["deployment_id"]).fillna(False).astype(bool)
    if statuses.empty or out.empty:
        return out, linked
    st = statuses[linked.to_numpy() & statuses["state"].ne("inactive").fillna(False)
                  .to_numpy()]
    st = st.sort_values("at", kind="stable")
    latest = st.groupby("deployment_ref", sort=False).tail(1).set_index("deployment_ref")
    state = status_of(latest["state"].tolist())
    state.index = latest.index
    dep = out["deployment_id"].astype("string")
    has = dep.isin(latest.index).to_numpy()
    new_status = dep.map(state).astype("string")
    new_finish = dep.map(latest["at"].where(state.isin(FINAL).to_numpy()))
    # statuses loaded, all of them inactive: it was superseded, we cannot tell more
    only_inactive = dep.isin(statuses.loc[linked.to_numpy(), "deployment_ref"]).to_numpy() & ~has
    out["status"] = out["status"].astype("string").where(~has, new_status)
    out.loc[only_inactive, "status"] = "inactive"
    out["finished_at"] = out["finished_at"].where(~has, new_finish).astype(UTC_NS)
    return out, linked


#: raw fields of a GitLab or DevLake deployment row
_DEPLOYMENT_FIELDS = ("id", "sha", "env", "status", "started", "finished")


def _gitlab_deployment(rec: dict[str, Any]) -> tuple[Any, ...]:
    get = rec.get
    job = obj(get("deployable"))
    return (get("id"), get("sha") or dig(job, "commit", "id"), get("environment"),
            get("status"), job.get("started_at") or get("created_at"),
            job.get("finished_at") or get("updated_at"))


def parse_gitlab_deployments(reader: JsonRecords, path: str,
                             options: ImportOptions) -> Parsed:
    """GitLab ``/deployments`` with the deploy job (``deployable``) and its timings."""
    cols, raw = collect(reader, path, _DEPLOYMENT_FIELDS,
                        map(_gitlab_deployment, reader.objects()))
    tz = options.default_tz
    st = status_of(cols.text(raw["status"], "status"))
    data = {
        "deployment_id": cols.ident(raw["id"], "id", prefix="gitlab-deployment/"),
        "sha": cols.sha(raw["sha"], "sha"),
        "environment": environment_names(raw["env"]),
        "started_at": cols.times(raw["started"], "deployable.started_at", default_tz=tz),
        "finished_at": cols.times(raw["finished"], "deployable.finished_at",
                                  default_tz=tz).where(st.isin(FINAL).to_numpy()),
        "status": st,
    }
    return Parsed("deployments", _finish(data, "gitlab_deployments", path, options),
                  len(cols))


def _devlake_deployments(reader: JsonRecords) -> Iterator[tuple[Any, ...]]:
    """One row per deployment commit (a deployment without commits: one row)."""
    for rec in reader.objects():
        get = rec.get
        listed = get("deploymentCommits")
        if listed is not None and not isinstance(listed, list):
            raise ImportProblem(f"expected a list of commits, found {shown(listed)}",
                                path=reader.path, record=reader.record, line=reader.line,
                                field="deploymentCommits")
        commits = [c for c in listed or [] if isinstance(c, dict)]
        if not commits:
            commits = [{"commitSha": get("commitSha") or get("commit_sha")}]
        base_id = get("id")
        for k, c in enumerate(commits):
            yield (base_id if len(commits) == 1 or base_id in (None, "")
                   else f"{base_id}/{k + 1}",
                   c.get("commitSha"), get("environment"), get("result") or get("status"),
                   c.get("startedDate") or get("startedDate") or get("createdDate"),
                   c.get("finishedDate") or get("finishedDate"))


def parse_devlake_deployment(reader: JsonRecords, path: str,
                             options: ImportOptions) -> Parsed:
    """DevLake webhook deployments: one row per deployment commit."""
    cols, raw = collect(reader, path, _DEPLOYMENT_FIELDS, _devlake_deployments(reader))
    tz = options.default_tz
    data = {
        "deployment_id": cols.ident(raw["id"], "id"),
        "sha": cols.sha(raw["sha"], "deploymentCommits.commitSha"),
        "environment": environment_names(cols.text(raw["env"], "environment")),
        "started_at": cols.times(raw["started"], "startedDate", default_tz=tz),
        "finished_at": cols.times(raw["finished"], "finishedDate", default_tz=tz),
        "status": status_of(cols.text(raw["status"], "result"), missing="success"),
    }
    return Parsed("deployments", _finish(data, "devlake_deployment", path, options),
                  reader.record)


def parse_generic_deployments(reader: JsonRecords | CsvRecords, path: str,
                              options: ImportOptions) -> Parsed:
    """A generic deployments table, as CSV or JSON records."""
    table = GenericTable(reader, path, DEPLOYMENT_COLUMNS, _require_columns,
                         "generic_deployments")
    cols, raw = collect(reader, path, tuple(DEPLOYMENT_COLUMNS),
                        (fields.values() for fields in table.rows()))
    shown = table.shown()
    sha = cols.sha(raw["sha"], shown["sha"])
    tz = options.default_tz
    started = cols.times(raw["started_at"], shown["started_at"], default_tz=tz)
    finished = cols.times(raw["finished_at"], shown["finished_at"], default_tz=tz)
    missing_sha = [i for i, s in enumerate(sha) if s is None]
    if missing_sha:
        raise cols.problem(missing_sha[0], shown["sha"], "missing commit sha")
    when = finished.fillna(started)
    no_time = np.flatnonzero(when.isna().to_numpy())
    if len(no_time):
        raise cols.problem(int(no_time[0]), shown["finished_at"],
                           "missing time (neither started nor finished)")
    given = cols.ident(raw["deployment_id"], shown["deployment_id"], required=False)
    natural = [f"{(s or '')[:12]}@{t:%Y-%m-%dT%H:%M:%SZ}" for s, t in zip(sha, when, strict=True)]
    data = {
        "deployment_id": [g if g is not None else n for g, n in zip(given, natural,
                                                                     strict=True)],
        "sha": sha,
        "environment": environment_names(cols.text(raw["environment"], shown["environment"])),
        "started_at": started,
        "finished_at": finished,
        "status": status_of(cols.text(raw["status"], shown["status"]), missing="success"),
        "repo_name": cols.text(raw["repo"], shown["repo"]),
    }
    return Parsed("deployments", _finish(data, table.format, path, options), len(cols))


def _require_columns(names: dict[str, str | None], path: str, csv: bool) -> None:
    what = "column" if csv else "field"
    if names.get("sha") is None:
        raise ImportProblem(
            f'missing required {what} "sha" (accepted: '
            + ", ".join(DEPLOYMENT_COLUMNS["sha"]) + ")", path=path, line=1 if csv else None,
            field="sha")
    if names.get("started_at") is None and names.get("finished_at") is None:
        raise ImportProblem(
            f'missing required {what} "finished_at" or "started_at" (accepted: '
            + ", ".join(DEPLOYMENT_COLUMNS["finished_at"] + DEPLOYMENT_COLUMNS["started_at"])
            + ")", path=path, line=1 if csv else None, field="finished_at")


def from_ci_runs(ci_runs: pd.DataFrame) -> pd.DataFrame:
    """Deployments from CI rows flagged ``is_deploy`` (one per run attempt).

    When a deploy run and its own deploy job/stage are both loaded, the job/stage stands for
    the deployment and the run is dropped, so one deployment is not counted twice.
    """
    if ci_runs.empty:
        return conform(pd.DataFrame(), "deployments")
    dep = ci_runs[ci_runs["is_deploy"].astype(bool)]
    if "parent_id" in dep:
        parents = set(dep["parent_id"].dropna().astype(str))
        dep = dep[~dep["run_id"].astype("string").isin(parents).fillna(False).to_numpy()]
    attempt = dep["attempt"].astype("Int64")
    suffix = ("@" + attempt.astype("string")).fillna("")
    frame = pd.DataFrame({
        "deployment_id": "ci/" + dep["run_id"].astype("string") + suffix,
        "sha": dep["sha"].astype("string"),
        "environment": dep["environment"].astype("string"),
        "started_at": dep["started_at"],
        "finished_at": dep["finished_at"],
        "status": dep["conclusion"].astype("string").fillna("in_progress"),
        "source": "ci:" + dep["format"].astype("string") if "format" in dep else "ci",
        "path": dep["source"].astype("string") if "source" in dep else pd.NA,
        "is_production": (dep["is_production"].astype(bool) if "is_production" in dep
                          else True),
    })
    return conform(frame.reset_index(drop=True), "deployments")


PARSERS = {
    "github_deployments": parse_github_deployments,
    "github_deployment_statuses": parse_github_deployment_statuses,
    "gitlab_deployments": parse_gitlab_deployments,
    "devlake_deployment": parse_devlake_deployment,
    "generic_deployments": parse_generic_deployments,
    "generic_deployments_csv": parse_generic_deployments,
}
