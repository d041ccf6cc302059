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
  pattern (regex, case-insensitive, default ``deploy``) and the row's environment is the
  production environment (default ``production``, case-insensitive). None of these CI
  exports carries an environment, so for them the name match alone decides.

Extra columns beyond DESIGN §3: ``level`` (run | job | stage), ``job`` (job or stage name),
``parent_id`` (the run a job/stage belongs to), ``latest_attempt``, ``format``, ``source``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from vsm_app.domain.tables import conform
from vsm_app.ingest.deployments import environment_names
from vsm_app.ingest.detect import Parsed
from vsm_app.ingest.errors import ImportProblem
from vsm_app.ingest.jsonload import Columns, JsonRecords, dig

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


def flag_deploys(frame: pd.DataFrame, pattern: str, production_environment: str) -> pd.Series:
    """``is_deploy`` for CI rows: name matches ``pattern`` and environment is production.

    Rows without an environment are decided by the name alone.
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
    env = frame["environment"].astype("string").str.strip().str.casefold() \
        if "environment" in frame else pd.Series(pd.NA, index=frame.index, dtype="string")
    env_ok = env.isna() | env.eq(production_environment.strip().casefold()).fillna(False)
    return (names & env_ok.astype(bool)).astype(bool)


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


def _finish(data: dict[str, Any], fmt: str, path: str, options: ImportOptions
            ) -> pd.DataFrame:
    frame = pd.DataFrame(data)
    frame["format"] = fmt
    frame["source"] = path
    for col in ("job", "parent_id"):
        if col not in frame:
            frame[col] = pd.Series(pd.NA, index=frame.index, dtype="string")
    frame = conform(frame, "ci_runs")
    frame["is_deploy"] = flag_deploys(frame, options.deploy_pattern,
                                      options.production_environment)
    frame["latest_attempt"] = mark_latest_attempt(frame)
    return frame


def _github_run_rows(cols: Columns, ids: list[Any], sha: list[Any], workflow: list[Any],
                     attempt: list[Any], status: list[Any], conclusion: list[Any],
                     created: list[Any], run_started: list[Any], updated: list[Any],
                     has_run_started: list[bool], options: ImportOptions, *,
                     id_field: str, names: dict[str, str]) -> dict[str, Any]:
    """Shared by REST runs and ``gh run list``: the re-run and queue rules."""
    tz = options.default_tz
    created_at = cols.times(created, names["created"], default_tz=tz)
    started_raw = cols.times(run_started, names["started"], default_tz=tz)
    updated_at = cols.times(updated, names["updated"], default_tz=tz)
    att = cols.integer(attempt, names["attempt"])
    concl = conclusion_of(status, conclusion)
    waiting = _lower(status).isin(WAITING).to_numpy()
    done = concl.notna().to_numpy()
    has_start = np.asarray(has_run_started, dtype=bool)
    # legacy pages have no run_started_at: created_at is the only start they give
    started = started_raw.where(has_start, created_at).where(~waiting)
    first_attempt = pd.Series(att).eq(1).fillna(False).to_numpy()
    queued = created_at.where(first_attempt & has_start & started_raw.notna().to_numpy()
                              | first_attempt & waiting)
    return {
        "run_id": cols.ident(ids, id_field),
        "sha": cols.sha(sha, names["sha"]),
        "workflow": cols.text(workflow, names["workflow"]),
        "attempt": att,
        "queued_at": queued,
        "started_at": started,
        "finished_at": updated_at.where(done),
        "conclusion": concl,
        "level": "run",
    }


def parse_github_actions_runs(reader: JsonRecords, path: str,
                              options: ImportOptions) -> Parsed:
    """GitHub Actions ``/actions/runs`` pages (any wrapping), single runs and attempts."""
    ids: list[Any] = []
    sha: list[Any] = []
    workflow: list[Any] = []
    attempt: list[Any] = []
    status: list[Any] = []
    conclusion: list[Any] = []
    created: list[Any] = []
    started: list[Any] = []
    updated: list[Any] = []
    has_started: list[bool] = []
    recs: list[int] = []
    lines: list[int] = []
    for rec in reader.objects():
        get = rec.get
        ids.append(get("id"))
        sha.append(get("head_sha"))
        workflow.append(get("name") or get("path") or (
            f"workflow {get('workflow_id')}" if get("workflow_id") is not None else None))
        attempt.append(get("run_attempt"))
        status.append(get("status"))
        conclusion.append(get("conclusion"))
        created.append(get("created_at"))
        started.append(get("run_started_at"))
        updated.append(get("updated_at"))
        has_started.append("run_started_at" in rec)
        recs.append(reader.record)
        lines.append(reader.line)
    cols = Columns(path, recs, lines)
    data = _github_run_rows(
        cols, ids, sha, workflow, attempt, status, conclusion, created, started, updated,
        has_started, options, id_field="id",
        names={"created": "created_at", "started": "run_started_at", "updated": "updated_at",
               "attempt": "run_attempt", "sha": "head_sha", "workflow": "name"})
    return Parsed("ci_runs", _finish(data, "github_actions_runs", path, options),
                  len(recs))


def parse_gh_run_list(reader: JsonRecords, path: str, options: ImportOptions) -> Parsed:
    """``gh run list --json ...``: camelCase, ``""`` conclusions, zero times for missing."""
    ids: list[Any] = []
    sha: list[Any] = []
    workflow: list[Any] = []
    attempt: list[Any] = []
    status: list[Any] = []
    conclusion: list[Any] = []
    created: list[Any] = []
    started: list[Any] = []
    updated: list[Any] = []
    has_started: list[bool] = []
    recs: list[int] = []
    lines: list[int] = []
    for rec in reader.objects():
        get = rec.get
        ids.append(get("databaseId"))
        sha.append(get("headSha"))
        workflow.append(get("workflowName") or get("name"))
        attempt.append(get("attempt"))
        status.append(get("status"))
        conclusion.append(get("conclusion"))
        created.append(get("createdAt"))
        started.append(get("startedAt"))
        updated.append(get("updatedAt"))
        has_started.append("startedAt" in rec)
        recs.append(reader.record)
        lines.append(reader.line)
    cols = Columns(path, recs, lines)
    data = _github_run_rows(
        cols, ids, sha, workflow, attempt, status, conclusion, created, started, updated,
        has_started, options, id_field="databaseId",
        names={"created": "createdAt", "started": "startedAt", "updated": "updatedAt",
               "attempt": "attempt", "sha": "headSha", "workflow": "workflowName"})
    return Parsed("ci_runs", _finish(data, "gh_run_list", path, options), len(recs))


def parse_github_actions_jobs(reader: JsonRecords, path: str,
                              options: ImportOptions) -> Parsed:
    """GitHub Actions ``/runs/{id}/jobs``: real queued (created), started, completed times."""
    ids: list[Any] = []
    run_ids: list[Any] = []
    sha: list[Any] = []
    workflow: list[Any] = []
    job: list[Any] = []
    attempt: list[Any] = []
    status: list[Any] = []
    conclusion: list[Any] = []
    created: list[Any] = []
    started: list[Any] = []
    completed: list[Any] = []
    env: list[Any] = []
    recs: list[int] = []
    lines: list[int] = []
    for rec in reader.objects():
        get = rec.get
        ids.append(get("id"))
        run_ids.append(get("run_id"))
        sha.append(get("head_sha"))
        workflow.append(get("workflow_name"))
        job.append(get("name"))
        attempt.append(get("run_attempt"))
        status.append(get("status"))
        conclusion.append(get("conclusion"))
        created.append(get("created_at"))
        started.append(get("started_at"))
        completed.append(get("completed_at"))
        env.append(get("environment"))
        recs.append(reader.record)
        lines.append(reader.line)
    cols = Columns(path, recs, lines)
    tz = options.default_tz
    concl = conclusion_of(status, conclusion)
    waiting = _lower(status).isin(WAITING).to_numpy()
    data = {
        "run_id": cols.ident(ids, "id", prefix="job/"),
        "parent_id": cols.ident(run_ids, "run_id", required=False),
        "sha": cols.sha(sha, "head_sha"),
        "workflow": cols.text(workflow, "workflow_name"),
        "job": cols.text(job, "name"),
        "attempt": cols.integer(attempt, "run_attempt"),
        "queued_at": cols.times(created, "created_at", default_tz=tz),
        "started_at": cols.times(started, "started_at", default_tz=tz).where(~waiting),
        "finished_at": cols.times(completed, "completed_at", default_tz=tz).where(
            concl.notna().to_numpy()),
        "conclusion": concl,
        "environment": environment_names(env),
        "level": "job",
    }
    return Parsed("ci_runs", _finish(data, "github_actions_jobs", path, options),
                  len(recs))


def _gitlab_rows(cols: Columns, status: list[Any], started: list[Any],
                 finished: list[Any], queued_s: list[Any], tz: str | None
                 ) -> dict[str, Any]:
    concl = conclusion_of(status, [None] * len(status))
    start = cols.times(started, "started_at", default_tz=tz)
    queue = pd.to_timedelta(pd.Series(cols.number(queued_s, "queued_duration")), unit="s")
    return {
        "conclusion": concl,
        "started_at": start,
        "finished_at": cols.times(finished, "finished_at", default_tz=tz).where(
            concl.notna().to_numpy()),
        "queued_at": start - queue,
    }


def parse_gitlab_pipelines(reader: JsonRecords, path: str, options: ImportOptions) -> Parsed:
    """GitLab pipelines: single-pipeline details have timings, list items have none."""
    ids: list[Any] = []
    sha: list[Any] = []
    name: list[Any] = []
    status: list[Any] = []
    started: list[Any] = []
    finished: list[Any] = []
    queued: list[Any] = []
    recs: list[int] = []
    lines: list[int] = []
    timed = 0
    for rec in reader.objects():
        get = rec.get
        ids.append(get("id"))
        sha.append(get("sha"))
        name.append(get("name") or "pipeline")
        status.append(get("status"))
        started.append(get("started_at"))
        finished.append(get("finished_at"))
        queued.append(get("queued_duration"))
        timed += "started_at" in rec or "finished_at" in rec
        recs.append(reader.record)
        lines.append(reader.line)
    cols = Columns(path, recs, lines)
    data = {
        "run_id": cols.ident(ids, "id", prefix="gitlab-pipeline/"),
        "sha": cols.sha(sha, "sha"),
        "workflow": cols.text(name, "name"),
        **_gitlab_rows(cols, status, started, finished, queued, options.default_tz),
        "level": "run",
    }
    fmt = "gitlab_pipelines" if timed else "gitlab_pipeline_list"
    notes = [] if timed or not recs else [
        "GitLab pipeline lists carry no timings: runs counted, times left empty "
        "(export single pipelines for timings)"]
    return Parsed("ci_runs", _finish(data, fmt, path, options), len(recs), notes=notes)


def parse_gitlab_jobs(reader: JsonRecords, path: str, options: ImportOptions) -> Parsed:
    """GitLab ``/jobs``: stage and job names, pipeline, commit, timings."""
    ids: list[Any] = []
    sha: list[Any] = []
    stage: list[Any] = []
    job: list[Any] = []
    pipeline: list[Any] = []
    status: list[Any] = []
    started: list[Any] = []
    finished: list[Any] = []
    queued: list[Any] = []
    env: list[Any] = []
    recs: list[int] = []
    lines: list[int] = []
    for rec in reader.objects():
        get = rec.get
        ids.append(get("id"))
        sha.append(dig(rec, "commit", "id") or dig(rec, "pipeline", "sha"))
        stage.append(get("stage"))
        job.append(get("name"))
        pipeline.append(dig(rec, "pipeline", "id"))
        status.append(get("status"))
        started.append(get("started_at"))
        finished.append(get("finished_at"))
        queued.append(get("queued_duration"))
        env.append(get("environment"))
        recs.append(reader.record)
        lines.append(reader.line)
    cols = Columns(path, recs, lines)
    data = {
        "run_id": cols.ident(ids, "id", prefix="gitlab-job/"),
        "parent_id": cols.ident(pipeline, "pipeline.id", required=False,
                                prefix="gitlab-pipeline/"),
        "sha": cols.sha(sha, "commit.id"),
        "workflow": cols.text(stage, "stage"),
        "job": cols.text(job, "name"),
        **_gitlab_rows(cols, status, started, finished, queued, options.default_tz),
        "environment": environment_names(env),
        "level": "job",
    }
    return Parsed("ci_runs", _finish(data, "gitlab_jobs", path, options), len(recs))


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


def parse_jenkins_builds(reader: JsonRecords, path: str, options: ImportOptions) -> Parsed:
    """Jenkins ``api/json?tree=builds[...]`` / ``allBuilds[...]``: epoch-ms times."""
    ids: list[Any] = []
    sha: list[Any] = []
    workflow: list[Any] = []
    result: list[Any] = []
    building: list[bool] = []
    timestamp: list[Any] = []
    duration: list[Any] = []
    recs: list[int] = []
    lines: list[int] = []
    for rec in reader.objects():
        get = rec.get
        meta = reader.pages[reader.page] if reader.page >= 0 else {}
        job_name = meta.get("fullName") or meta.get("name") or meta.get("displayName")
        display = get("fullDisplayName")
        number = get("number")
        ids.append(build_path(get("url")) or display or (
            f"{job_name or 'build'} #{number}" if number is not None else None))
        workflow.append(_BUILD_NUMBER.sub("", display) if isinstance(display, str)
                        else job_name or "jenkins")
        sha.append(_jenkins_sha(get("actions")))
        result.append(get("result"))
        building.append(get("building") is True)
        timestamp.append(get("timestamp"))
        duration.append(get("duration"))
        recs.append(reader.record)
        lines.append(reader.line)
    cols = Columns(path, recs, lines)
    concl = conclusion_of(result, [None] * len(result))
    concl = concl.where(~np.asarray(building, dtype=bool))
    start = cols.times(timestamp, "timestamp", default_tz=options.default_tz, epoch_unit="ms")
    dur = pd.to_timedelta(pd.Series(cols.number(duration, "duration")), unit="ms")
    data = {
        "run_id": cols.ident(ids, "fullDisplayName", prefix="jenkins/"),
        "sha": cols.sha(sha, "lastBuiltRevision.SHA1"),
        "workflow": cols.text(workflow, "fullDisplayName"),
        "started_at": start,
        "finished_at": (start + dur).where(concl.notna().to_numpy()),
        "conclusion": concl,
        "level": "run",
    }
    return Parsed("ci_runs", _finish(data, "jenkins_builds", path, options), len(recs))


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


def parse_jenkins_wfapi_stages(reader: JsonRecords, path: str,
                               options: ImportOptions) -> Parsed:
    """Jenkins ``wfapi/describe`` stages (a bare list, or a run describe with ``stages``)."""
    ids: list[Any] = []
    parent: list[Any] = []
    workflow: list[Any] = []
    job: list[Any] = []
    status: list[Any] = []
    start: list[Any] = []
    duration: list[Any] = []
    recs: list[int] = []
    lines: list[int] = []
    for rec in reader.objects():
        meta = reader.pages[reader.page] if reader.page >= 0 else {}
        build = build_path(dig(rec, "_links", "self", "href")) or \
            build_path(dig(meta, "_links", "self", "href"))
        stage_id = rec.get("id")
        ids.append(f"{build or 'build'}#{stage_id}" if stage_id not in (None, "") else None)
        parent.append(build)
        workflow.append(build.rsplit("/", 1)[0] if build and "/" in build else build)
        job.append(rec.get("name"))
        status.append(rec.get("status"))
        start.append(rec.get("startTimeMillis"))
        duration.append(rec.get("durationMillis"))
        recs.append(reader.record)
        lines.append(reader.line)
    cols = Columns(path, recs, lines)
    concl = conclusion_of(status, [None] * len(status))
    started = cols.times(start, "startTimeMillis", default_tz=options.default_tz,
                         epoch_unit="ms")
    dur = pd.to_timedelta(pd.Series(cols.number(duration, "durationMillis")), unit="ms")
    data = {
        "run_id": cols.ident(ids, "id", prefix="jenkins-stage/"),
        "parent_id": cols.ident(parent, "_links.self.href", required=False, prefix="jenkins/"),
        "workflow": cols.text(workflow, "_links.self.href"),
        "job": cols.text(job, "name"),
        "started_at": started,
        "finished_at": (started + dur).where(concl.notna().to_numpy()),
        "conclusion": concl,
        "level": "stage",
    }
    return Parsed("ci_runs", _finish(data, "jenkins_wfapi_stages", path, options),
                  len(recs))


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
