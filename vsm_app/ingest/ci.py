"""CI runs, jobs and stages → the ``ci_runs`` table (DESIGN §3).

Formats: GitHub Actions workflow runs (REST page, legacy 2020 pages, single runs and
``/attempts/N`` replies), GitHub Actions jobs, ``gh run list --json``, GitLab single-pipeline
details and pipeline lists, GitLab jobs, Jenkins builds (``builds``/``allBuilds``) and Jenkins
``wfapi/describe`` stages.

Rules (the lead copies them into docs/metrics.md):

- ``conclusion`` is one of success, failure, cancelled, skipped, or ``<NA>`` while the run is
  in progress (queued, waiting, running...). An in-progress row keeps ``finished_at = NaT``.
  GitHub neutral → success; timed_out, startup_failure, action_required → failure; stale →
  cancelled. GitLab failed → failure, canceled → cancelled, manual → skipped (a manual job
  nobody started is not work in progress). Jenkins FAILURE/FAILED/UNSTABLE → failure,
  ABORTED → cancelled, NOT_BUILT/NOT_EXECUTED → skipped, ``result: null`` → in progress.
- Times. GitHub run: ``started_at = run_started_at``, ``finished_at = updated_at`` once
  completed (a run has no completed_at). Legacy runs without ``run_started_at`` start at
  ``created_at`` (their only start time, which includes any queue wait). A queued/waiting run
  has ``started_at = NaT``. GitHub job: ``created_at``/``started_at``/``completed_at``.
  GitLab: ``started_at``/``finished_at``; pipeline lists have no timings (all ``NaT``).
  Jenkins build: ``started_at = timestamp`` (epoch ms), ``finished_at = timestamp +
  duration``. wfapi stage: ``startTimeMillis`` + ``durationMillis``.
- Queue time only where the source really has it: ``queued_at`` is a GitHub run's
  ``created_at`` for attempt 1 when ``run_started_at`` exists (on a re-run ``created_at``
  stays at attempt 1, so it is not a queue time), a GitHub job's ``created_at``, and
  GitLab's ``started_at - queued_duration``. Everything else: ``NaT``.
- Re-runs: one row per (run_id, attempt). ``latest_attempt`` is True on the highest attempt
  of each run id: use those rows for pass/fail; the others show re-run cost.
- Deploy detection: ``is_deploy`` when the workflow, job or stage name matches the deploy
  pattern (regex, case-insensitive, default ``deploy``), whatever the environment.
  ``is_production`` says whether that environment is production
  (:func:`vsm_app.domain.environments.is_production`: no environment named, or a production
  name). A deploy to another environment (staging, canary) is a deployment of that
  environment, never a DORA deployment, and never a build run.

Extra columns beyond DESIGN §3: ``level`` (run | job | stage), ``job`` (job or stage name),
``parent_id`` (the run a job/stage belongs to), ``latest_attempt``, ``format``, ``source``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from vsm_app.domain.environments import is_production
from vsm_app.domain.tables import conform
from vsm_app.ingest.deployments import environment_names
from vsm_app.ingest.detect import Parsed
from vsm_app.ingest.errors import ImportProblem
from vsm_app.ingest.jsonload import Columns, JsonRecords, dig
from vsm_app.ingest.records import collect

if TYPE_CHECKING:
    from vsm_app.ingest.sources import ImportOptions

#: status words (lower-case, any source) → canonical conclusion; missing → in progress
CONCLUSIONS: dict[str, str] = {
    "success": "success", "succeeded": "success", "passed": "success", "neutral": "success",
    "failure": "failure", "failed": "failure", "timed_out": "failure", "unstable": "failure",
    "startup_failure": "failure", "action_required": "failure", "error": "failure",
    "cancelled": "cancelled", "canceled": "cancelled", "aborted": "cancelled",
    "stale": "cancelled",
    "skipped": "skipped", "manual": "skipped", "not_built": "skipped",
    "not_executed": "skipped",
}
#: statuses of work that has not started yet (no start time even if one is printed)
WAITING = frozenset({"queued", "waiting", "requested", "pending", "created",
                     "waiting_for_resource", "preparing", "scheduled"})

def conclusion_of(status: list[Any], conclusion: list[Any]) -> pd.Series:
    """Canonical conclusions from raw status/conclusion words (vectorised over the lists).

    A conclusion word wins; otherwise a status that is itself a final word (GitLab, Jenkins
    put the outcome in ``status``); otherwise ``<NA>`` (in progress).
    """
    c = _lower(conclusion).map(CONCLUSIONS)
    c = c.where(c.notna(), _lower(status).map(CONCLUSIONS))
    return c.astype("string")


def _lower(values: list[Any]) -> pd.Series:
    return pd.Series([str(v).strip().lower() if isinstance(v, str) and v else None
                      for v in values], dtype="object")


def flag_deploys(frame: pd.DataFrame, pattern: str) -> pd.Series:
    """``is_deploy`` for CI rows: the workflow, job or stage name matches ``pattern``.

    The environment does not matter here (see :func:`production_rows`).
    """
    if frame.empty:
        return pd.Series(False, index=frame.index, dtype=bool)
    try:
        rx = re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ImportProblem(f"deploy pattern {pattern!r} is not a regular expression ({exc})",
                            field="deploy_pattern") from exc
    names = pd.Series(False, index=frame.index)
    for col in ("workflow", "job"):
        if col in frame:
            hit = frame[col].astype("string").str.contains(rx, regex=True)
            names |= hit.fillna(False).astype(bool)
    return names.astype(bool)


def production_rows(frame: pd.DataFrame, names: tuple[str, ...] | None = None) -> pd.Series:
    """``is_production`` for CI rows: no environment named, or a production name."""
    env = frame["environment"] if "environment" in frame else \
        pd.Series(pd.NA, index=frame.index, dtype="string")
    return pd.Series(is_production(env, None, names), index=frame.index, dtype=bool)


def mark_latest_attempt(frame: pd.DataFrame) -> pd.Series:
    """True on the row with the highest attempt of each run id (missing attempt counts as 1)."""
    if frame.empty:
        return pd.Series(False, index=frame.index, dtype=bool)
    attempt = frame["attempt"].astype("Int64").fillna(1)
    best = attempt.groupby(frame["run_id"].astype("string"), sort=False).transform("max")
    return attempt.eq(best).fillna(False).astype(bool)


def inherit_parent_sha(runs: pd.DataFrame) -> pd.DataFrame:
    """Jobs and stages without a sha take the sha of their run when it is loaded.

    (Jenkins wfapi stages carry no commit; their build does.)
    """
    if "parent_id" not in runs:
        return runs
    missing = runs["sha"].isna() & runs["parent_id"].notna()
    if not missing.any():
        return runs
    parent_sha = runs.dropna(subset=["sha"]).drop_duplicates("run_id").set_index("run_id")["sha"]
    out = runs.copy()
    out["sha"] = out["sha"].fillna(out["parent_id"].map(parent_sha).astype("string"))
    return out


def _finish(data: dict[str, Any], fmt: str, path: str, options: ImportOptions, cols: Columns,
            notes: list[str] | None = None) -> Parsed:
    frame = pd.DataFrame(data)
    frame["format"] = fmt
    frame["source"] = path
    for col in ("job", "parent_id"):
        if col not in frame:
            frame[col] = pd.Series(pd.NA, index=frame.index, dtype="string")
    frame = conform(frame, "ci_runs")
    frame["is_deploy"] = flag_deploys(frame, options.deploy_pattern)
    frame["is_production"] = production_rows(frame, options.production_environments)
    frame["latest_attempt"] = mark_latest_attempt(frame)
    return Parsed("ci_runs", frame, len(cols), notes=notes or [])


#: raw fields of a GitHub run, in the order :func:`_rest_run` and :func:`_gh_run` give them
_RUN_FIELDS = ("id", "sha", "workflow", "attempt", "status", "conclusion", "created",
               "started", "updated", "has_started")
#: the source name of each field of a REST run (for messages)
_REST_NAMES = {"id": "id", "sha": "head_sha", "workflow": "name", "attempt": "run_attempt",
               "created": "created_at", "started": "run_started_at", "updated": "updated_at"}
#: the source name of each field of a ``gh run list`` item (camelCase)
_GH_NAMES = {"id": "databaseId", "sha": "headSha", "workflow": "workflowName",
             "attempt": "attempt", "created": "createdAt", "started": "startedAt",
             "updated": "updatedAt"}


def _rest_run(rec: dict[str, Any]) -> tuple[Any, ...]:
    get = rec.get
    return (get("id"), get("head_sha"),
            get("name") or get("path") or (
                f"workflow {get('workflow_id')}" if get("workflow_id") is not None else None),
            get("run_attempt"), get("status"), get("conclusion"), get("created_at"),
            get("run_started_at"), get("updated_at"), "run_started_at" in rec)


def _gh_run(rec: dict[str, Any]) -> tuple[Any, ...]:
    get = rec.get
    return (get("databaseId"), get("headSha"), get("workflowName") or get("name"),
            get("attempt"), get("status"), get("conclusion"), get("createdAt"),
            get("startedAt"), get("updatedAt"), "startedAt" in rec)


def _github_runs(reader: JsonRecords, path: str, options: ImportOptions, fmt: str,
                 row: Callable[[dict[str, Any]], tuple[Any, ...]], names: dict[str, str]
                 ) -> Parsed:
    """Shared by REST runs and ``gh run list``: the re-run and queue rules."""
    cols, raw = collect(reader, path, _RUN_FIELDS, map(row, reader.objects()))
    tz = options.default_tz
    created_at = cols.times(raw["created"], names["created"], default_tz=tz)
    started_raw = cols.times(raw["started"], names["started"], default_tz=tz)
    updated_at = cols.times(raw["updated"], names["updated"], default_tz=tz)
    att = cols.integer(raw["attempt"], names["attempt"])
    concl = conclusion_of(raw["status"], raw["conclusion"])
    waiting = _lower(raw["status"]).isin(WAITING).to_numpy()
    done = concl.notna().to_numpy()
    has_start = np.asarray(raw["has_started"], dtype=bool)
    # legacy pages have no run_started_at: created_at is the only start they give
    started = started_raw.where(has_start, created_at).where(~waiting)
    first_attempt = pd.Series(att).eq(1).fillna(False).to_numpy()
    queued = created_at.where(first_attempt & has_start & started_raw.notna().to_numpy()
                              | first_attempt & waiting)
    data = {
        "run_id": cols.ident(raw["id"], names["id"]),
        "sha": cols.sha(raw["sha"], names["sha"]),
        "workflow": cols.text(raw["workflow"], names["workflow"]),
        "attempt": att,
        "queued_at": queued,
        "started_at": started,
        "finished_at": updated_at.where(done),
        "conclusion": concl,
        "level": "run",
    }
    return _finish(data, fmt, path, options, cols)


def parse_github_actions_runs(reader: JsonRecords, path: str,
                              options: ImportOptions) -> Parsed:
    """GitHub Actions ``/actions/runs`` pages (any wrapping), single runs and attempts."""
    return _github_runs(reader, path, options, "github_actions_runs", _rest_run, _REST_NAMES)


def parse_gh_run_list(reader: JsonRecords, path: str, options: ImportOptions) -> Parsed:
    """``gh run list --json ...``: camelCase, ``""`` conclusions, zero times for missing."""
    return _github_runs(reader, path, options, "gh_run_list", _gh_run, _GH_NAMES)


#: the keys a GitHub job row reads, as they are named in the record
_JOB_KEYS = ("id", "run_id", "head_sha", "workflow_name", "name", "run_attempt", "status",
             "conclusion", "created_at", "started_at", "completed_at", "environment")


def parse_github_actions_jobs(reader: JsonRecords, path: str,
                              options: ImportOptions) -> Parsed:
    """GitHub Actions ``/runs/{id}/jobs``: real queued (created), started, completed times."""
    cols, raw = collect(reader, path, _JOB_KEYS,
                        (map(rec.get, _JOB_KEYS) for rec in reader.objects()))
    tz = options.default_tz
    concl = conclusion_of(raw["status"], raw["conclusion"])
    waiting = _lower(raw["status"]).isin(WAITING).to_numpy()
    data = {
        "run_id": cols.ident(raw["id"], "id", prefix="job/"),
        "parent_id": cols.ident(raw["run_id"], "run_id", required=False),
        "sha": cols.sha(raw["head_sha"], "head_sha"),
        "workflow": cols.text(raw["workflow_name"], "workflow_name"),
        "job": cols.text(raw["name"], "name"),
        "attempt": cols.integer(raw["run_attempt"], "run_attempt"),
        "queued_at": cols.times(raw["created_at"], "created_at", default_tz=tz),
        "started_at": cols.times(raw["started_at"], "started_at", default_tz=tz).where(
            ~waiting),
        "finished_at": cols.times(raw["completed_at"], "completed_at", default_tz=tz).where(
            concl.notna().to_numpy()),
        "conclusion": concl,
        "environment": environment_names(raw["environment"]),
        "level": "job",
    }
    return _finish(data, "github_actions_jobs", path, options, cols)


def _gitlab_rows(cols: Columns, raw: dict[str, list[Any]], tz: str | None) -> dict[str, Any]:
    """Conclusion and times of GitLab pipelines and jobs (same field names in both)."""
    status = raw["status"]
    concl = conclusion_of(status, [None] * len(status))
    start = cols.times(raw["started"], "started_at", default_tz=tz)
    queue = cols.duration(raw["queued"], "queued_duration", "s")
    return {
        "conclusion": concl,
        "started_at": start,
        "finished_at": cols.times(raw["finished"], "finished_at", default_tz=tz).where(
            concl.notna().to_numpy()),
        "queued_at": start - queue,
    }


_PIPELINE_FIELDS = ("id", "sha", "name", "status", "started", "finished", "queued", "timed")


def _gitlab_pipeline(rec: dict[str, Any]) -> tuple[Any, ...]:
    get = rec.get
    return (get("id"), get("sha"), get("name") or "pipeline", get("status"),
            get("started_at"), get("finished_at"), get("queued_duration"),
            "started_at" in rec or "finished_at" in rec)


def parse_gitlab_pipelines(reader: JsonRecords, path: str, options: ImportOptions) -> Parsed:
    """GitLab pipelines: single-pipeline details have timings, list items have none."""
    cols, raw = collect(reader, path, _PIPELINE_FIELDS, map(_gitlab_pipeline, reader.objects()))
    data = {
        "run_id": cols.ident(raw["id"], "id", prefix="gitlab-pipeline/"),
        "sha": cols.sha(raw["sha"], "sha"),
        "workflow": cols.text(raw["name"], "name"),
        **_gitlab_rows(cols, raw, options.default_tz),
        "level": "run",
    }
    timed = any(raw["timed"])
    fmt = "gitlab_pipelines" if timed else "gitlab_pipeline_list"
    notes = [] if timed or not len(cols) else [
        "GitLab pipeline lists carry no timings: runs counted, times left empty "
        "(export single pipelines for timings)"]
    return _finish(data, fmt, path, options, cols, notes)


_GITLAB_JOB_FIELDS = ("id", "sha", "stage", "job", "pipeline", "status", "started", "finished",
                      "queued", "env")


def _gitlab_job(rec: dict[str, Any]) -> tuple[Any, ...]:
    get = rec.get
    return (get("id"), dig(rec, "commit", "id") or dig(rec, "pipeline", "sha"), get("stage"),
            get("name"), dig(rec, "pipeline", "id"), get("status"), get("started_at"),
            get("finished_at"), get("queued_duration"), get("environment"))


def parse_gitlab_jobs(reader: JsonRecords, path: str, options: ImportOptions) -> Parsed:
    """GitLab ``/jobs``: stage and job names, pipeline, commit, timings."""
    cols, raw = collect(reader, path, _GITLAB_JOB_FIELDS, map(_gitlab_job, reader.objects()))
    data = {
        "run_id": cols.ident(raw["id"], "id", prefix="gitlab-job/"),
        "parent_id": cols.ident(raw["pipeline"], "pipeline.id", required=False,
                                prefix="gitlab-pipeline/"),
        "sha": cols.sha(raw["sha"], "commit.id"),
        "workflow": cols.text(raw["stage"], "stage"),
        "job": cols.text(raw["job"], "name"),
        **_gitlab_rows(cols, raw, options.default_tz),
        "environment": environment_names(raw["env"]),
        "level": "job",
    }
    return _finish(data, "gitlab_jobs", path, options, cols)


_BUILD_NUMBER = re.compile(r"\s*#\d+\s*$")


def _jenkins_sha(actions: Any) -> Any:
    if not isinstance(actions, list):
        return None
    for a in actions:
        if isinstance(a, dict):
            rev = a.get("lastBuiltRevision")
            if isinstance(rev, dict) and rev.get("SHA1"):
                return rev["SHA1"]
    return None


def _page_meta(reader: JsonRecords) -> dict[str, Any]:
    """The fields of the page (wrapper object) the current record comes from."""
    return reader.pages[reader.page] if reader.page >= 0 else {}


def _epoch_ms_rows(cols: Columns, raw: dict[str, list[Any]], concl: pd.Series,
                   start_field: str, duration_field: str, tz: str | None) -> dict[str, Any]:
    """Jenkins times: start in epoch ms, finish = start + duration (ms) once concluded."""
    started = cols.times(raw["start"], start_field, default_tz=tz, epoch_unit="ms")
    dur = cols.duration(raw["duration"], duration_field, "ms")
    return {
        "started_at": started,
        "finished_at": (started + dur).where(concl.notna().to_numpy()),
        "conclusion": concl,
    }


_BUILD_FIELDS = ("id", "sha", "workflow", "result", "building", "start", "duration")


def _jenkins_builds(reader: JsonRecords) -> Iterator[tuple[Any, ...]]:
    for rec in reader.objects():
        get = rec.get
        meta = _page_meta(reader)
        job_name = meta.get("fullName") or meta.get("name") or meta.get("displayName")
        display = get("fullDisplayName")
        number = get("number")
        yield (build_path(get("url")) or display or (
                   f"{job_name or 'build'} #{number}" if number is not None else None),
               _jenkins_sha(get("actions")),
               _BUILD_NUMBER.sub("", display) if isinstance(display, str)
               else job_name or "jenkins",
               get("result"), get("building") is True, get("timestamp"), get("duration"))


def parse_jenkins_builds(reader: JsonRecords, path: str, options: ImportOptions) -> Parsed:
    """Jenkins ``api/json?tree=builds[...]`` / ``allBuilds[...]``: epoch-ms times."""
    cols, raw = collect(reader, path, _BUILD_FIELDS, _jenkins_builds(reader))
    result = raw["result"]
    concl = conclusion_of(result, [None] * len(result))
    concl = concl.where(~np.asarray(raw["building"], dtype=bool))
    times = _epoch_ms_rows(cols, raw, concl, "timestamp", "duration", options.default_tz)
    data = {
        "run_id": cols.ident(raw["id"], "fullDisplayName", prefix="jenkins/"),
        "sha": cols.sha(raw["sha"], "lastBuiltRevision.SHA1"),
        "workflow": cols.text(raw["workflow"], "fullDisplayName"),
        **times,
        "level": "run",
    }
    return _finish(data, "jenkins_builds", path, options, cols)


def build_path(url: Any) -> str | None:
    """A Jenkins build's job path and number from its URL or a wfapi link.

    ``https://ci/job/a/job/b/3/`` and ``/job/a/job/b/3/execution/node/6/wfapi/describe``
    both give ``a/b/3``, so stages find the build they belong to.
    """
    if not isinstance(url, str) or "/job/" not in url:
        return None
    tail = url[url.index("/job/"):]
    head = re.split(r"/(?:execution|wfapi|api)(?:/|$)", tail, maxsplit=1)[0]
    parts = [p for p in head.split("/") if p and p != "job"]
    return "/".join(parts) or None


_STAGE_FIELDS = ("id", "parent", "workflow", "job", "status", "start", "duration")


def _wfapi_stages(reader: JsonRecords) -> Iterator[tuple[Any, ...]]:
    for rec in reader.objects():
        build = build_path(dig(rec, "_links", "self", "href")) or \
            build_path(dig(_page_meta(reader), "_links", "self", "href"))
        stage_id = rec.get("id")
        yield (f"{build or 'build'}#{stage_id}" if stage_id not in (None, "") else None,
               build, build.rsplit("/", 1)[0] if build and "/" in build else build,
               rec.get("name"), rec.get("status"), rec.get("startTimeMillis"),
               rec.get("durationMillis"))


def parse_jenkins_wfapi_stages(reader: JsonRecords, path: str,
                               options: ImportOptions) -> Parsed:
    """Jenkins ``wfapi/describe`` stages (a bare list, or a run describe with ``stages``)."""
    cols, raw = collect(reader, path, _STAGE_FIELDS, _wfapi_stages(reader))
    status = raw["status"]
    concl = conclusion_of(status, [None] * len(status))
    times = _epoch_ms_rows(cols, raw, concl, "startTimeMillis", "durationMillis",
                           options.default_tz)
    data = {
        "run_id": cols.ident(raw["id"], "id", prefix="jenkins-stage/"),
        "parent_id": cols.ident(raw["parent"], "_links.self.href", required=False,
                                prefix="jenkins/"),
        "workflow": cols.text(raw["workflow"], "_links.self.href"),
        "job": cols.text(raw["job"], "name"),
        **times,
        "level": "stage",
    }
    return _finish(data, "jenkins_wfapi_stages", path, options, cols)


PARSERS = {
    "github_actions_runs": parse_github_actions_runs,
    "gh_run_list": parse_gh_run_list,
    "github_actions_jobs": parse_github_actions_jobs,
    "gitlab_pipelines": parse_gitlab_pipelines,
    "gitlab_pipeline_list": parse_gitlab_pipelines,
    "gitlab_jobs": parse_gitlab_jobs,
    "jenkins_builds": parse_jenkins_builds,
    "jenkins_wfapi_stages": parse_jenkins_wfapi_stages,
}
