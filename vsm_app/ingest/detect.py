"""Recognise an exported file's format from its content, never from its name.

JSON files are recognised from the keys of their first records (and the wrapper key when
there is one), so the same records are recognised whether they come as a REST page, ``gh
api --paginate`` pages, a ``--slurp`` list or one object per line. CSV files (the generic
deployment and incident tables) are recognised from their header.

Formats are tried most specific first; the generic tables come last. A family hint (the
CLI's ``--ci``/``--prs``/``--deployments``/``--incidents``) limits the candidates to that
family, so a hand-made table is read as the family the user said it is.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from vsm_app.ingest.errors import ImportProblem
from vsm_app.ingest.jsonload import CsvRecords, JsonRecords, normalise_header, peek_records

FAMILIES = ("ci", "prs", "reviews", "deployments", "incidents", "items")

#: what a family hint accepts: review files go with ``--prs``, deployment statuses with
#: ``--deployments``, and CI exports with ``--deployments`` (their deploy runs are deployments)
HINT_FAMILIES: dict[str, frozenset[str]] = {
    "auto": frozenset(FAMILIES),
    "ci": frozenset({"ci"}),
    "prs": frozenset({"prs", "reviews"}),
    "reviews": frozenset({"reviews", "prs"}),
    "deployments": frozenset({"deployments", "ci"}),
    "incidents": frozenset({"incidents"}),
    # work items from an issue tracker (issue 18): --work-items, or a project's "items" source
    "items": frozenset({"items"}),
}


@dataclass(frozen=True)
class FormatInfo:
    """A recognised format: its name (shown in reports), family and file kind."""

    name: str
    family: str
    kind: str = "json"  # "json" | "csv"
    title: str = ""


@dataclass
class Parsed:
    """What a format parser returns for one file.

    ``table`` names the frame filled: ``ci_runs``, ``pull_requests``, ``reviews``,
    ``deployments``, ``deployment_statuses`` or ``incidents``; ``extra`` holds more frames
    found in the same records (the reviews inlined in ``gh pr list``).
    """

    table: str
    frame: pd.DataFrame
    records: int
    skipped: int = 0
    notes: list[str] = field(default_factory=list)
    extra: dict[str, pd.DataFrame] = field(default_factory=dict)


Record = dict[str, Any]


def _has(r: Record, *keys: str) -> bool:
    return all(k in r for k in keys)


def _any(r: Record, *keys: str) -> bool:
    return any(k in r for k in keys)


# Generic tables: column aliases (normalised header names / JSON keys, lower-case).
DEPLOYMENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "deployment_id": ("deployment_id", "deploymentid", "deploy_id", "id", "deployment"),
    "sha": ("sha", "commit_sha", "commitsha", "commit", "revision", "git_sha", "head_sha"),
    "environment": ("environment", "env", "environment_name"),
    "started_at": ("started_at", "started", "start", "start_time", "starteddate",
                   "created_at", "createddate"),
    "finished_at": ("finished_at", "finished", "end", "end_time", "finisheddate",
                    "completed_at", "deployed_at", "ended_at"),
    "status": ("status", "result", "state", "outcome", "conclusion"),
    "repo": ("repo", "repository", "repo_url", "repourl"),
}
INCIDENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "incident_id": ("incident_id", "incidentid", "id", "key", "issue_key", "issuekey",
                    "number"),
    "opened_at": ("opened_at", "opened", "created_at", "created", "createddate", "start",
                  "started_at", "start_time", "impact_start"),
    "resolved_at": ("resolved_at", "resolved", "resolutiondate", "resolution_date", "closed_at",
                    "closed", "end", "ended_at", "end_time", "impact_end"),
    "sha": ("sha", "commit_sha", "commitsha", "commit", "root_cause", "root_cause_sha"),
    "deployment_id": ("deployment_id", "deploymentid", "deployment"),
    "severity": ("severity", "priority", "sev", "urgency"),
}


def column_for(names: Iterable[str], aliases: tuple[str, ...]) -> str | None:
    """The first alias present among ``names`` (normalised), else ``None``."""
    present = set(names)
    return next((a for a in aliases if a in present), None)


def generic_rows(reader: JsonRecords | CsvRecords, aliases: dict[str, tuple[str, ...]]
                 ) -> Iterator[tuple[dict[str, Any], dict[str, str | None]]]:
    """The records of a generic table as ``{canonical field: value}``, with the source names.

    Keys are matched case-insensitively through ``aliases``; JSON records may differ in their
    keys from one record to the next (the mapping is worked out once per set of keys).
    """
    cache: dict[tuple[str, ...], dict[str, str | None]] = {}
    json_records = isinstance(reader, JsonRecords)
    for rec in reader.objects():
        if json_records:
            rec = {normalise_header(k): v for k, v in rec.items()}
        keys = tuple(rec)
        names = cache.get(keys)
        if names is None:
            names = cache[keys] = {k: column_for(keys, a) for k, a in aliases.items()}
        yield {k: (rec.get(src) if src else None) for k, src in names.items()}, names


def header_names(reader: CsvRecords, aliases: dict[str, tuple[str, ...]]
                 ) -> dict[str, str | None]:
    """The source column of each canonical field in a CSV header."""
    header = reader.header or reader.read_header()
    return {k: column_for(header, a) for k, a in aliases.items()}


def _generic_deployment(keys: set[str]) -> bool:
    return (column_for(keys, DEPLOYMENT_COLUMNS["sha"]) is not None
            and (column_for(keys, DEPLOYMENT_COLUMNS["started_at"]) is not None
                 or column_for(keys, DEPLOYMENT_COLUMNS["finished_at"]) is not None))


def _generic_incident(keys: set[str]) -> bool:
    return (column_for(keys, INCIDENT_COLUMNS["opened_at"]) is not None
            and column_for(keys, INCIDENT_COLUMNS["resolved_at"]) is not None)


def _deployments_header(cols: set[str]) -> bool:
    """A CSV header that names a deployment and nothing only an incident has: an environment
    or a deployment-only column (deployment id, deployed/finished time) and no resolved time,
    no incident id, no severity. (``started_at`` is also an incident's opening alias: a
    deployments CSV with it was read as incidents.)"""
    deployment_only = ("environment", "env", "environment_name", "deployment_id",
                       "deploymentid", "deploy_id", "deployed_at", "finished_at", "finished",
                       "finisheddate", "completed_at")
    incident_only = (*INCIDENT_COLUMNS["resolved_at"], "incident_id", "incidentid",
                     *INCIDENT_COLUMNS["severity"], "impact_start", "impact_end")
    return (column_for(cols, deployment_only) is not None
            and column_for(cols, incident_only) is None)


def _flat_keys(r: Record) -> set[str]:
    return {normalise_header(k) for k in r}


def _is_pd_analytics(r: Record) -> bool:
    return ("incident_number" in r and not isinstance(r.get("service"), dict)
            and _any(r, "seconds_to_resolve", "seconds_to_first_ack", "engaged_seconds",
                     "resolved_by_user_id", "service_name"))


def _is_review(r: Record) -> bool:
    return (_has(r, "state", "submitted_at") and
            (_any(r, "commit_id", "pull_request_url")
             or "pullrequestreview" in str(r.get("html_url", ""))))


# -- work items from issue trackers (vsm_app.ingest.trackers) ------------------------------

#: generic status-change tables (vsm_app.ingest.trackers.generic.STATUS_COLUMNS, in short)
STATUS_CHANGE_ID = ("item_id", "itemid", "work_item_id", "workitem_id", "issue_id", "ticket_id",
                    "card_id", "story_id", "id", "issue", "ticket", "card", "key", "issue_key")
STATUS_CHANGE_STATUS = ("status", "state", "to_status", "new_status", "column", "list",
                        "stage")
STATUS_CHANGE_AT = ("changed_at", "changed", "status_changed_at", "transitioned_at",
                    "transition_at", "moved_at", "entered_at", "at", "timestamp", "date", "time",
                    "changed_date")


def _generic_status_changes(keys: set[str]) -> bool:
    return (column_for(keys, STATUS_CHANGE_ID) is not None
            and column_for(keys, STATUS_CHANGE_STATUS) is not None
            and column_for(keys, STATUS_CHANGE_AT) is not None
            and column_for(keys, DEPLOYMENT_COLUMNS["sha"]) is None)


def _status_changes_partial(keys: set[str]) -> bool:
    """An item id and a status, without a change time: read as a status-change table so the
    message names the missing column (checked after every other CSV format)."""
    return (column_for(keys, STATUS_CHANGE_ID) is not None
            and column_for(keys, STATUS_CHANGE_STATUS) is not None
            and column_for(keys, DEPLOYMENT_COLUMNS["sha"]) is None)


def _is_jira_issue(r: Record) -> bool:
    f = r.get("fields")
    return "key" in r and isinstance(f, dict) and _any(f, "issuetype", "status", "created")


def _is_jira_changelog_entry(r: Record) -> bool:
    items = r.get("items")
    return ("created" in r and isinstance(items, list) and "fields" not in r
            and all(isinstance(i, dict) and "field" in i for i in items[:3]))


def _is_azure_revision(r: Record) -> bool:
    f = r.get("fields")
    return (_has(r, "id", "rev") and isinstance(f, dict) and "workItemId" not in r
            and any(str(k).startswith("System.") for k in list(f)[:40]))


_TRACKER_FORMATS: list[tuple[FormatInfo, Callable[[Record], bool], frozenset[str]]] = [
    (FormatInfo("jira_issues", "items",
                title="Jira issues with changelog (search, board pages, one issue)"),
     _is_jira_issue, frozenset({"issues"})),
    (FormatInfo("jira_changelog", "items", title="Jira per-issue changelog pages"),
     _is_jira_changelog_entry, frozenset()),
    (FormatInfo("jira_statuses", "items", title="Jira statuses (/status)"),
     lambda r: _has(r, "name", "id") and isinstance(r.get("statusCategory"), dict),
     frozenset()),
    (FormatInfo("jira_board_configuration", "items", title="Jira board configuration"),
     lambda r: isinstance(r.get("columnConfig"), dict), frozenset()),
    (FormatInfo("jira_remote_links", "items", title="Jira remote links"),
     lambda r: isinstance(r.get("object"), dict) and "url" in r["object"]
     and _any(r, "relationship", "application", "globalId"), frozenset()),
    (FormatInfo("jira_dev_status", "items", title="Jira development panel (dev-status)"),
     lambda r: isinstance(r.get("detail"), list) and "errors" in r, frozenset()),
    (FormatInfo("github_repo_issue_events", "items",
                title="GitHub issue events (/issues/events)"),
     lambda r: _has(r, "event", "created_at") and "action" not in r
     and (isinstance(r.get("issue"), dict) or "actor" in r), frozenset()),
    (FormatInfo("github_projects_v2_item", "items", title="GitHub Projects item webhook"),
     lambda r: isinstance(r.get("projects_v2_item"), dict), frozenset()),
    (FormatInfo("azure_workitem_updates", "items", title="Azure Boards work item updates"),
     lambda r: _has(r, "workItemId", "rev") and _any(r, "fields", "relations", "revisedDate"),
     frozenset()),
    (FormatInfo("azure_workitem_revisions", "items",
                title="Azure Boards work item revisions (per item or reporting feed)"),
     _is_azure_revision, frozenset()),
    (FormatInfo("azure_artifact_query", "items", title="Azure Boards artifact URI query"),
     lambda r: isinstance(r.get("artifactUrisQueryResult"), dict), frozenset()),
]
#: the same GitHub issues list, read as work items (only with the items hint: without one it
#: is the incident list it always was)
_GITHUB_ISSUES_ITEMS: tuple[FormatInfo, Callable[[Record], bool], frozenset[str]] = (
    FormatInfo("github_issues_items", "items", title="GitHub issues (/issues?state=all)"),
    lambda r: _has(r, "number", "title", "labels") and "head" not in r
    and _any(r, "comments", "closed_at", "pull_request"), frozenset())
_GENERIC_STATUS_JSON: tuple[FormatInfo, Callable[[Record], bool], frozenset[str]] = (
    FormatInfo("generic_status_changes", "items",
               title="generic status changes (item id, type, title, status, changed at)"),
    lambda r: _generic_status_changes(_flat_keys(r)), frozenset())


#: (format, predicate on one record, wrapper keys that also identify it). Order matters.
_JSON_FORMATS: list[tuple[FormatInfo, Callable[[Record], bool], frozenset[str]]] = [
    (FormatInfo("github_actions_jobs", "ci", title="GitHub Actions jobs"),
     lambda r: _has(r, "run_id", "head_sha") and _any(r, "steps", "completed_at", "runner_name"),
     frozenset({"jobs"})),
    (FormatInfo("github_actions_runs", "ci", title="GitHub Actions workflow runs"),
     lambda r: _has(r, "head_sha", "workflow_id") and "run_id" not in r,
     frozenset({"workflow_runs"})),
    (FormatInfo("gh_run_list", "ci", title="gh run list --json"),
     lambda r: "databaseId" in r and _any(r, "headSha", "workflowName", "startedAt", "attempt",
                                          "conclusion", "status", "workflowDatabaseId"),
     frozenset()),
    (FormatInfo("gitlab_jobs", "ci", title="GitLab jobs"),
     lambda r: _has(r, "stage", "name", "status") and _any(r, "pipeline", "commit")
     and "deployable" not in r, frozenset()),
    (FormatInfo("gitlab_deployments", "deployments", title="GitLab deployments"),
     lambda r: _has(r, "deployable", "environment", "sha"), frozenset()),
    (FormatInfo("gitlab_pipelines", "ci", title="GitLab pipelines (single-pipeline details)"),
     lambda r: _has(r, "sha", "ref", "status") and "environment" not in r
     and _any(r, "started_at", "finished_at", "duration", "queued_duration"), frozenset()),
    (FormatInfo("gitlab_pipeline_list", "ci", title="GitLab pipeline list (no timings)"),
     lambda r: _has(r, "id", "sha", "ref", "status") and "environment" not in r
     and "/pipelines/" in str(r.get("web_url", "/pipelines/")) and "stage" not in r,
     frozenset()),
    (FormatInfo("jenkins_wfapi_stages", "ci", title="Jenkins wfapi stages"),
     lambda r: _has(r, "startTimeMillis", "durationMillis", "status", "name"),
     frozenset({"stages"})),
    (FormatInfo("jenkins_builds", "ci", title="Jenkins builds (builds/allBuilds)"),
     lambda r: _has(r, "timestamp", "duration") and _any(r, "result", "building")
     and _any(r, "number", "fullDisplayName", "url"), frozenset({"builds", "allBuilds"})),
    (FormatInfo("github_pulls", "prs", title="GitHub pulls (/pulls?state=all)"),
     lambda r: _has(r, "number", "head", "base") and _any(r, "merged_at", "merge_commit_sha"),
     frozenset()),
    (FormatInfo("gh_pr_list", "prs", title="gh pr list --json"),
     lambda r: "number" in r and "databaseId" not in r
     and _any(r, "mergedAt", "mergeCommit", "headRefName", "baseRefName", "createdAt",
              "isDraft", "reviews", "headRefOid"), frozenset()),
    (FormatInfo("gitlab_merge_requests", "prs", title="GitLab merge requests"),
     lambda r: "iid" in r and _any(r, "source_branch", "merge_commit_sha", "squash_commit_sha")
     and "deployable" not in r, frozenset()),
    (FormatInfo("github_pull_reviews", "reviews", title="GitHub pull request reviews"),
     _is_review, frozenset()),
    (FormatInfo("github_deployments", "deployments", title="GitHub deployments"),
     lambda r: _has(r, "sha", "environment") and _any(r, "task", "original_environment",
                                                      "production_environment"),
     frozenset()),
    (FormatInfo("github_deployment_statuses", "deployments",
                title="GitHub deployment statuses"),
     lambda r: "state" in r and "sha" not in r and (
         "deployment_url" in r or "/statuses/" in str(r.get("url", ""))), frozenset()),
    (FormatInfo("devlake_deployment", "deployments", title="DevLake webhook deployment"),
     lambda r: "deploymentCommits" in r, frozenset()),
    (FormatInfo("pagerduty_analytics_incidents", "incidents",
                title="PagerDuty analytics raw incidents"), _is_pd_analytics, frozenset()),
    (FormatInfo("pagerduty_incidents", "incidents", title="PagerDuty incidents"),
     lambda r: "incident_number" in r and _any(r, "created_at", "status")
     and not _is_pd_analytics(r), frozenset({"incidents"})),
    (FormatInfo("opsgenie_incidents", "incidents", title="Opsgenie incidents"),
     lambda r: "createdAt" in r and _any(r, "tinyId", "impactStartDate", "impactedServices"),
     frozenset()),
    (FormatInfo("github_issue_events", "incidents", title="GitHub issue events (Four Keys)"),
     lambda r: isinstance(r.get("issue"), dict) and _any(r, "action", "repository"),
     frozenset()),
    (FormatInfo("github_issues", "incidents", title="GitHub issues labelled incident"),
     lambda r: _has(r, "number", "title", "labels") and "head" not in r
     and _any(r, "comments", "closed_at", "pull_request"), frozenset()),
    (FormatInfo("devlake_incident", "incidents", title="DevLake webhook incident"),
     lambda r: "issueKey" in r or (_has(r, "createdDate") and _any(r, "resolutionDate",
                                                                     "originalStatus")),
     frozenset()),
    *_TRACKER_FORMATS,
    _GITHUB_ISSUES_ITEMS,
    _GENERIC_STATUS_JSON,
    (FormatInfo("generic_incidents", "incidents",
                title="generic incidents (id, opened, resolved, sha)"),
     lambda r: _generic_incident(_flat_keys(r)), frozenset()),
    (FormatInfo("generic_deployments", "deployments",
                title="generic deployments (deployment id, sha, environment, started, "
                      "finished, status)"),
     lambda r: _generic_deployment(_flat_keys(r)), frozenset()),
]

_CSV_FORMATS: list[tuple[FormatInfo, Callable[[set[str]], bool]]] = [
    (FormatInfo("generic_status_changes_csv", "items", "csv",
                title="generic status changes CSV (item id, type, title, status, changed at)"),
     _generic_status_changes),
    (FormatInfo("generic_incidents_csv", "incidents", "csv",
                title="generic incidents CSV (id, opened, resolved, sha)"),
     lambda cols: (column_for(cols, INCIDENT_COLUMNS["opened_at"]) is not None
                   or column_for(cols, INCIDENT_COLUMNS["resolved_at"]) is not None)
     and not _deployments_header(cols)),
    (FormatInfo("generic_deployments_csv", "deployments", "csv",
                title="generic deployments CSV (deployment id, sha, environment, started, "
                      "finished, status)"),
     lambda cols: column_for(cols, DEPLOYMENT_COLUMNS["sha"]) is not None
     or column_for(cols, DEPLOYMENT_COLUMNS["started_at"]) is not None
     or column_for(cols, DEPLOYMENT_COLUMNS["finished_at"]) is not None),
    (FormatInfo("generic_status_changes_csv", "items", "csv",
                title="generic status changes CSV (item id, type, title, status, changed at)"),
     _status_changes_partial),
]


def supported_formats() -> list[FormatInfo]:
    """Every format this package reads, in detection order."""
    return list(dict.fromkeys([f for f, _, _ in _JSON_FORMATS] + [f for f, _ in _CSV_FORMATS]))


def _unrecognised(path: str, allowed: frozenset[str], why: str = "") -> ImportProblem:
    names = ", ".join(f.name for f in supported_formats() if f.family in allowed)
    detail = f" ({why})" if why else ""
    return ImportProblem(f"unrecognised format{detail}; supported formats: {names}", path=path)


def _first_char(path: str) -> str:
    """The first character that is not white space ("" for a blank file), however much
    white space comes first."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 16)
            text = decoder.decode(chunk, final=not chunk).lstrip()
            if text:
                return text[0]
            if not chunk:
                return ""


def detect(path: str | os.PathLike[str], family: str = "auto") -> FormatInfo:
    """The format of the file at ``path``, from its content.

    Parameters
    ----------
    path
        The exported file.
    family
        ``"auto"`` or a family hint (``ci``, ``prs``, ``reviews``, ``deployments``,
        ``incidents``) restricting the candidates.

    Raises
    ------
    ImportProblem
        ``unrecognised format`` listing the supported formats (of the hinted family).
    """
    path = os.fspath(path)
    allowed = HINT_FAMILIES.get(family)
    if allowed is None:
        raise ImportProblem(f"unknown source family {family!r}; expected one of: "
                            + ", ".join(HINT_FAMILIES), path=path)
    first = _first_char(path)
    if first == "":
        raise ImportProblem("the file is empty", path=path)
    if first in "[{":
        records, list_keys, _ = peek_records(path)
        dicts = [r for r in records if isinstance(r, dict)]
        if not dicts:
            if not records:
                raise ImportProblem("no records in the file", path=path)
            raise _unrecognised(path, allowed, "the records are not JSON objects")
        for info, test, wrappers in _JSON_FORMATS:
            if info.family not in allowed:
                continue
            if any(k in wrappers for k in list_keys) or any(_safe(test, r) for r in dicts):
                return info
        raise _unrecognised(path, allowed, "keys " + ", ".join(list(dicts[0])[:8]))
    cols = set(CsvRecords(path).read_header())
    for info, header_test in _CSV_FORMATS:
        if info.family in allowed and header_test(cols):
            return info
    raise _unrecognised(path, allowed, "not JSON, and no known CSV columns")


def _safe(test: Callable[[Record], bool], record: Record) -> bool:
    try:
        return bool(test(record))
    except (TypeError, AttributeError):
        return False
