"""Incidents → the ``incidents`` table (DESIGN §3).

Formats: PagerDuty ``/incidents``, PagerDuty analytics raw incidents (naive times plus the
page's ``time_zone``), Opsgenie ``{data: [...]}``, GitHub issues labelled incident (the
``/issues`` list, or issue webhook events as Four Keys stores them), the DevLake webhook
incident, and a generic CSV/JSON table (id, opened, resolved, sha; aliases in
:data:`vsm_app.ingest.detect.INCIDENT_COLUMNS`).

Rules (for docs/metrics.md):

- PagerDuty: opened = ``created_at``; resolved = ``resolved_at``, or
  ``last_status_change_at`` when the status is resolved and ``resolved_at`` is missing
  (older exports); otherwise open. Analytics exports: naive times are read in the page's
  ``time_zone``. Severity: priority name, else urgency.
- Opsgenie: opened = ``impactStartDate`` else ``createdAt``; resolved = ``impactEndDate``,
  or ``updatedAt`` when the status is resolved/closed without one.
- GitHub issues: only issues with a label equal (case-insensitive) to the incident label
  (default ``incident``); list items that are pull requests (a ``pull_request`` key) and
  unlabelled issues are skipped and counted. opened = ``created_at``, resolved =
  ``closed_at``. A body line ``root cause: <sha>`` gives the incident's sha.
- Generic tables: a row without an id gets ``incident@<opened>``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from vsm_app.domain.tables import conform
from vsm_app.ingest.detect import INCIDENT_COLUMNS, Parsed
from vsm_app.ingest.errors import ImportProblem
from vsm_app.ingest.jsonload import (
    Columns,
    CsvRecords,
    JsonRecords,
    dig,
    obj,
)
from vsm_app.ingest.records import GenericTable
from vsm_app.ingest.reviews import repo_and_number

if TYPE_CHECKING:
    from vsm_app.ingest.sources import ImportOptions

ROOT_CAUSE = re.compile(r"root[ _-]?cause\s*[:=]\s*`?([0-9a-fA-F]{7,64})\b", re.IGNORECASE)
RESOLVED_WORDS = frozenset({"resolved", "closed", "done"})


class _Rows:
    """Raw incident fields collected per record."""

    def __init__(self) -> None:
        self.raw: dict[str, list[Any]] = {k: [] for k in (
            "id", "opened", "resolved", "sha", "deployment_id", "severity", "tz")}
        self.recs: list[int] = []
        self.lines: list[int] = []

    def add(self, reader: JsonRecords | CsvRecords, **fields: Any) -> None:
        for k in self.raw:
            self.raw[k].append(fields.get(k))
        self.recs.append(reader.record)
        self.lines.append(reader.line)

    def frame(self, path: str, fmt: str, options: ImportOptions, names: dict[str, str],
              *, id_prefix: str = "", opened: pd.Series | None = None) -> pd.DataFrame:
        cols = Columns(path, self.recs, self.lines)
        tz = self.raw["tz"] if any(self.raw["tz"]) else None
        if opened is None:
            opened = cols.times(self.raw["opened"], names["opened"],
                                default_tz=options.default_tz, tz=tz)
        data = {
            "incident_id": cols.ident(self.raw["id"], names.get("id", "id"), prefix=id_prefix),
            "opened_at": opened,
            "resolved_at": cols.times(self.raw["resolved"], names["resolved"],
                                      default_tz=options.default_tz, tz=tz),
            "sha": cols.sha(self.raw["sha"], names.get("sha", "sha")),
            "deployment_id": cols.text(self.raw["deployment_id"], "deployment_id"),
            "severity": cols.text(self.raw["severity"], names.get("severity", "severity")),
        }
        frame = pd.DataFrame(data)
        frame["source"] = path
        frame["format"] = fmt
        return conform(frame, "incidents")


def _resolved_if(status: Any, value: Any) -> Any:
    return value if isinstance(status, str) and status.lower() in RESOLVED_WORDS else None


def parse_pagerduty_incidents(reader: JsonRecords, path: str,
                              options: ImportOptions) -> Parsed:
    """PagerDuty REST ``/incidents`` (also one ``{"incident": {...}}`` reply)."""
    rows = _Rows()
    for rec in reader.objects():
        if isinstance(rec.get("incident"), dict) and "incident_number" not in rec:
            rec = rec["incident"]
        resolved = rec.get("resolved_at") or _resolved_if(rec.get("status"),
                                                          rec.get("last_status_change_at"))
        rows.add(reader, id=rec.get("id"), opened=rec.get("created_at"), resolved=resolved,
                 severity=dig(rec, "priority", "summary") or rec.get("urgency"))
    frame = rows.frame(path, "pagerduty_incidents", options,
                       {"opened": "created_at", "resolved": "resolved_at"},
                       id_prefix="pagerduty/")
    return Parsed("incidents", frame, reader.record)


def parse_pagerduty_analytics(reader: JsonRecords, path: str,
                              options: ImportOptions) -> Parsed:
    """PagerDuty analytics raw incidents: naive times in the page's ``time_zone``."""
    rows = _Rows()
    pages: list[int] = []
    for rec in reader.objects():
        rows.add(reader, id=rec.get("id"), opened=rec.get("created_at"),
                 resolved=rec.get("resolved_at") or _resolved_if(rec.get("status"),
                                                                 rec.get("updated_at")),
                 severity=rec.get("priority_name") or rec.get("urgency"))
        pages.append(reader.page)
    # the page's time_zone follows its records in the file: read it once the page is done
    rows.raw["tz"] = [reader.pages[p].get("time_zone") if p >= 0 else None for p in pages]
    frame = rows.frame(path, "pagerduty_analytics_incidents", options,
                       {"opened": "created_at", "resolved": "resolved_at"},
                       id_prefix="pagerduty/")
    return Parsed("incidents", frame, reader.record)


def parse_opsgenie_incidents(reader: JsonRecords, path: str, options: ImportOptions) -> Parsed:
    """Opsgenie ``/v1/incidents`` (``{data: [...]}``)."""
    rows = _Rows()
    for rec in reader.objects():
        resolved = rec.get("impactEndDate") or _resolved_if(rec.get("status"),
                                                            rec.get("updatedAt"))
        rows.add(reader, id=rec.get("id"),
                 opened=rec.get("impactStartDate") or rec.get("createdAt"),
                 resolved=resolved, severity=rec.get("priority"))
    frame = rows.frame(path, "opsgenie_incidents", options,
                       {"opened": "impactStartDate", "resolved": "impactEndDate"},
                       id_prefix="opsgenie/")
    return Parsed("incidents", frame, reader.record)


def _issue_rows(reader: JsonRecords, options: ImportOptions, events: bool
                ) -> tuple[_Rows, int, int]:
    rows = _Rows()
    prs = 0
    unlabelled = 0
    wanted = options.incident_label.strip().casefold()
    for rec in reader.objects():
        issue = obj(rec.get("issue")) if events else rec
        if "pull_request" in issue:
            prs += 1
            continue
        labels = issue.get("labels") if isinstance(issue.get("labels"), list) else []
        names = {str(lab.get("name") if isinstance(lab, dict) else lab).strip().casefold()
                 for lab in labels or []}
        if wanted not in names:
            unlabelled += 1
            continue
        repo = dig(rec, "repository", "full_name") or dig(rec, "repository", "name") \
            or repo_and_number(issue.get("url") or issue.get("html_url"))[0]
        number = issue.get("number")
        body = issue.get("body")
        m = ROOT_CAUSE.search(body) if isinstance(body, str) else None
        rows.add(reader, id=f"{repo or '?'}#{number}" if number is not None else None,
                 opened=issue.get("created_at"), resolved=issue.get("closed_at"),
                 sha=m.group(1) if m else None)
    return rows, prs, unlabelled


def _issues(reader: JsonRecords, path: str, options: ImportOptions, events: bool) -> Parsed:
    fmt = "github_issue_events" if events else "github_issues"
    rows, prs, unlabelled = _issue_rows(reader, options, events)
    frame = rows.frame(path, fmt, options, {"id": "number", "opened": "created_at",
                                            "resolved": "closed_at", "sha": "body"},
                       id_prefix="github/")
    notes = []
    if prs:
        notes.append(f"{prs} pull request(s) in the issues list skipped")
    if unlabelled:
        notes.append(f"{unlabelled} issue(s) without the label {options.incident_label!r} "
                     f"skipped")
    return Parsed("incidents", frame, reader.record, skipped=prs + unlabelled, notes=notes)


def parse_github_issues(reader: JsonRecords, path: str, options: ImportOptions) -> Parsed:
    """GitHub ``/issues?state=all`` items labelled incident."""
    return _issues(reader, path, options, events=False)


def parse_github_issue_events(reader: JsonRecords, path: str, options: ImportOptions) -> Parsed:
    """GitHub ``issues`` webhook events (Four Keys), one incident per issue."""
    return _issues(reader, path, options, events=True)


def parse_devlake_incident(reader: JsonRecords, path: str, options: ImportOptions) -> Parsed:
    """DevLake webhook incidents (``issueKey``, ``createdDate``, ``resolutionDate``)."""
    rows = _Rows()
    for rec in reader.objects():
        rows.add(reader, id=rec.get("issueKey") or rec.get("id"),
                 opened=rec.get("createdDate"), resolved=rec.get("resolutionDate"),
                 deployment_id=rec.get("deploymentId"),
                 severity=rec.get("severity") or rec.get("priority"))
    frame = rows.frame(path, "devlake_incident", options,
                       {"id": "issueKey", "opened": "createdDate",
                        "resolved": "resolutionDate"}, id_prefix="devlake/")
    return Parsed("incidents", frame, reader.record)


def parse_generic_incidents(reader: JsonRecords | CsvRecords, path: str,
                            options: ImportOptions) -> Parsed:
    """A generic incidents table, as CSV or JSON records."""
    table = GenericTable(reader, path, INCIDENT_COLUMNS, _require_columns, "generic_incidents")
    rows = _Rows()
    for fields in table.rows():
        rows.add(reader, id=fields["incident_id"], opened=fields["opened_at"],
                 resolved=fields["resolved_at"], sha=fields["sha"],
                 deployment_id=fields["deployment_id"], severity=fields["severity"])
    shown = table.shown()
    cols = Columns(path, rows.recs, rows.lines)
    opened = cols.times(rows.raw["opened"], shown.get("opened_at", "opened_at"),
                        default_tz=options.default_tz)
    missing = np.flatnonzero(opened.isna().to_numpy())
    if len(missing):
        raise cols.problem(int(missing[0]), shown.get("opened_at", "opened_at"),
                           "missing opening time")
    rows.raw["id"] = [i if i not in (None, "") else f"incident@{t:%Y-%m-%dT%H:%M:%SZ}"
                      for i, t in zip(rows.raw["id"], opened, strict=True)]
    frame = rows.frame(path, table.format, options, {
        "id": shown.get("incident_id", "id"), "opened": shown.get("opened_at", "opened"),
        "resolved": shown.get("resolved_at", "resolved"), "sha": shown.get("sha", "sha"),
        "severity": shown.get("severity", "severity")}, opened=opened)
    return Parsed("incidents", frame, len(rows.recs))


def _require_columns(names: dict[str, str | None], path: str, csv: bool) -> None:
    if names.get("opened_at") is None:
        what = "column" if csv else "field"
        raise ImportProblem(
            f'missing required {what} "opened" (accepted: '
            + ", ".join(INCIDENT_COLUMNS["opened_at"]) + ")", path=path,
            line=1 if csv else None, field="opened")


PARSERS = {
    "pagerduty_incidents": parse_pagerduty_incidents,
    "pagerduty_analytics_incidents": parse_pagerduty_analytics,
    "opsgenie_incidents": parse_opsgenie_incidents,
    "github_issues": parse_github_issues,
    "github_issue_events": parse_github_issue_events,
    "devlake_incident": parse_devlake_incident,
    "generic_incidents": parse_generic_incidents,
    "generic_incidents_csv": parse_generic_incidents,
}
