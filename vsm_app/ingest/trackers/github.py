"""GitHub issues as work items → raw tracker tables (:mod:`vsm_app.ingest.trackers.raw`).

Formats:

* ``github_issues_items``: ``GET /repos/{o}/{r}/issues?state=all`` (``gh api --paginate``).
  Pull requests in the list are not items: they are skipped and counted, but a closing
  reference in their body (``fixes #3``, ``closes owner/repo#3``) links the issue to the
  pull request. Read with ``--work-items``; without a hint the same file is the
  incident list it always was (issues labelled ``incident``).
* ``github_repo_issue_events``: ``GET /repos/{o}/{r}/issues/events`` — ``closed`` (with the
  closing commit when a commit closed it), ``reopened``, classic project column moves
  (``added_to_project``, ``moved_columns_in_project``, ``removed_from_project``); each
  event id is read once (the API repeats events across pages).
* ``github_projects_v2_item``: the ``projects_v2_item`` webhook; an ``edited`` delivery
  whose ``changes.field_value`` names the new value (``to``) is a status change of the
  project item; one without it (GitHub's example) carries nothing to import and is
  skipped with a note.

Statuses: ``Open`` (new) from creation, ``Closed`` (done) when closed — ``Closed (not
planned)`` when GitHub says so —, ``Open`` again when reopened, and the project column's
name while a column holds the issue. An issue known to be closed whose closing event is
not in the data is closed at its ``closed_at``. Never read: ``user``, ``actor``,
``assignee(s)``, ``closed_by``, ``sender``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from vsm_app.domain.items import DONE, NEW, type_from_labels
from vsm_app.ingest.detect import Parsed
from vsm_app.ingest.jsonload import JsonRecords, dig, obj
from vsm_app.ingest.reviews import repo_and_number
from vsm_app.ingest.trackers.raw import CURRENT, EMBEDDED, FULL, Collector, ident, lst, text

if TYPE_CHECKING:
    from vsm_app.ingest.sources import ImportOptions

OPEN, CLOSED, NOT_PLANNED = "Open", "Closed", "Closed (not planned)"
_CLOSING = re.compile(
    r"\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+"
    r"(?:([A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-]+))?#([1-9][0-9]*)\b", re.IGNORECASE)


def item_id(repo: str | None, number: Any) -> str:
    return f"github:{(repo or '?').casefold()}#{number}"


def _repo(issue: dict[str, Any]) -> str | None:
    url = issue.get("repository_url")
    if isinstance(url, str) and "/repos/" in url:
        return url.split("/repos/", 1)[1].strip("/") or None
    return repo_and_number(issue.get("url") or issue.get("html_url"))[0]


def _labels(issue: dict[str, Any]) -> list[str]:
    out = []
    for lab in lst(issue.get("labels")):
        name = lab.get("name") if isinstance(lab, dict) else lab
        if isinstance(name, str):
            out.append(name)
    return out


def _number(c: Collector, value: Any) -> int:
    """An issue number (a whole number ≥ 1), else a located error."""
    from vsm_app.ingest.errors import ImportProblem, shown

    if type(value) is int and 0 < value < 2 ** 53:
        return value
    raise ImportProblem(f"not an issue number ({shown(value)})", path=c.path,
                        record=c.reader.record, line=c.reader.line, field="number")


def _closed_status(reason: Any) -> str:
    return NOT_PLANNED if reason in ("not_planned", "duplicate") else CLOSED


def _issue_record(c: Collector, issue: dict[str, Any], rank: int) -> str:
    repo = _repo(issue)
    number = _number(c, issue.get("number"))
    iid = item_id(repo, number)
    closed = issue.get("state") == "closed"
    status = _closed_status(issue.get("state_reason")) if closed else OPEN
    issue_type = text(dig(issue, "type", "name")) or type_from_labels(_labels(issue))
    c.add("records", item_id=iid, key=f"#{number}", source_id=text(issue.get("node_id")),
          type=issue_type, created_at=issue.get("created_at"), status=status,
          category=DONE if closed else NEW,
          status_since=issue.get("closed_at") if closed else None, repo=repo,
          title=text(issue.get("title")), rank=rank)
    # open from its creation (the same change whichever file says it: one event id)
    c.add("transitions", item_id=iid, at=issue.get("created_at"), to_status=OPEN,
          event_id=f"github-created:{iid}", seq=0, rank=rank)
    return iid


def parse_github_issues_items(reader: JsonRecords, path: str, options: ImportOptions) -> Parsed:
    """``/issues?state=all`` as work items."""
    c = Collector(reader, path, "github_issues_items", {
        "records": {"created_at": "created_at", "status_since": "closed_at"},
        "transitions": {"at": "created_at"}})
    prs = 0
    for rec in reader.objects():
        if "pull_request" in rec:
            prs += 1
            c.count(None)
            repo = _repo(rec)
            body = rec.get("body")
            number = rec.get("number")
            for m in _CLOSING.finditer(body if isinstance(body, str) else ""):
                if type(number) is not int:
                    break
                target = m.group(1) or repo
                c.add("refs", item_id=item_id(target, m.group(2)), ref_kind="pr",
                      ref=f"{repo}#{number}")
            continue
        c.count(_issue_record(c, rec, FULL))
        c.add("catalog", status=OPEN, category=NEW, authority=CURRENT)
        c.add("catalog", status=CLOSED, category=DONE, authority=CURRENT)
        c.add("catalog", status=NOT_PLANNED, category=DONE, authority=CURRENT)
    c.skipped = prs
    if prs:
        c.notes.append(f"{prs} pull request(s) in the issues list skipped (their closing "
                       f"references link the issues they close)")
    return _parsed(c, options, reader.record)


def parse_github_issue_events(reader: JsonRecords, path: str, options: ImportOptions) -> Parsed:
    """``/issues/events``: closes, reopens and project column moves, one per event id."""
    c = Collector(reader, path, "github_repo_issue_events", {
        "records": {"created_at": "issue.created_at", "status_since": "issue.closed_at"},
        "transitions": {"at": "created_at"}})
    seen_events: set[Any] = set()
    seen_issues: set[str] = set()
    duplicates = prs = no_issue = 0
    for rec in reader.objects():
        issue = obj(rec.get("issue"))
        event_id = ident(rec.get("id"))
        if event_id is not None and event_id in seen_events:
            duplicates += 1
            c.count(None)
            continue
        seen_events.add(event_id)
        if not issue:
            no_issue += 1
            c.count(None)
            continue
        if "pull_request" in issue:
            prs += 1
            c.count(None)
            continue
        iid = item_id(_repo(issue), _number(c, issue.get("number")))
        c.count(iid)
        if iid not in seen_issues:
            seen_issues.add(iid)
            _issue_record(c, issue, EMBEDDED)
        event = rec.get("event")
        to_status: str | None = None
        from_status: str | None = None
        card = obj(rec.get("project_card"))
        if event == "closed":
            to_status = _closed_status(rec.get("state_reason"))
            sha = text(rec.get("commit_id"))
            if sha:
                c.add("refs", item_id=iid, ref_kind="sha", ref=sha.lower())
        elif event == "reopened":
            to_status = OPEN
        elif event in ("added_to_project", "moved_columns_in_project",
                       "converted_note_to_issue"):
            to_status = text(card.get("column_name"))
            from_status = text(card.get("previous_column_name"))
        elif event == "removed_from_project":
            to_status = OPEN
            from_status = text(card.get("column_name"))
        if to_status is not None:
            c.add("transitions", item_id=iid, at=rec.get("created_at"),
                  from_status=from_status, to_status=to_status,
                  event_id=f"github-event:{event_id}" if event_id is not None else None,
                  seq=event_id if isinstance(event_id, int) else None, rank=FULL)
    c.add("catalog", status=OPEN, category=NEW, authority=CURRENT)
    c.add("catalog", status=CLOSED, category=DONE, authority=CURRENT)
    c.add("catalog", status=NOT_PLANNED, category=DONE, authority=CURRENT)
    c.skipped = duplicates + prs + no_issue
    if duplicates:
        c.notes.append(f"{duplicates} repeated event(s) skipped (same event id)")
    if prs:
        c.notes.append(f"{prs} event(s) of pull requests skipped")
    if no_issue:
        c.notes.append(f"{no_issue} event(s) without their issue skipped (export the "
                       f"repository's events, /repos/O/R/issues/events)")
    return _parsed(c, options, reader.record)


def parse_github_projects_v2_item(reader: JsonRecords, path: str,
                                  options: ImportOptions) -> Parsed:
    """``projects_v2_item`` webhooks: a field change that names its new value."""
    c = Collector(reader, path, "github_projects_v2_item", {
        "transitions": {"at": "projects_v2_item.updated_at"}})
    empty = 0
    for rec in reader.objects():
        item = obj(rec.get("projects_v2_item"))
        change = obj(dig(rec, "changes", "field_value"))
        to = change.get("to")
        to_status = text(to.get("name") if isinstance(to, dict) else to)
        node = text(item.get("content_node_id")) or text(item.get("node_id"))
        iid = f"github-node:{node}" if node else None
        c.count(iid)
        if rec.get("action") != "edited" or to_status is None or iid is None:
            empty += 1
            continue
        frm = change.get("from")
        c.add("records", item_id=iid, source_id=node, created_at=item.get("created_at"),
              rank=EMBEDDED)
        c.add("transitions", item_id=iid, at=item.get("updated_at"),
              from_status=text(frm.get("name") if isinstance(frm, dict) else frm),
              to_status=to_status, event_id=None, rank=FULL)
    c.skipped = empty
    if empty:
        c.notes.append(f"{empty} webhook delivery(ies) without a new field value skipped "
                       f"(nothing to import: GitHub sends the value only for some fields)")
    return _parsed(c, options, reader.record)


def _parsed(c: Collector, options: ImportOptions, records: int) -> Parsed:
    frames = c.frames(options.default_tz)
    return Parsed("tracker", frames.pop("records"), records, skipped=c.skipped,
                  notes=c.notes, extra=frames)


PARSERS = {
    "github_issues_items": parse_github_issues_items,
    "github_repo_issue_events": parse_github_issue_events,
    "github_projects_v2_item": parse_github_projects_v2_item,
}
