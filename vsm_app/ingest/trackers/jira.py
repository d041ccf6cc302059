"""Jira exports → raw tracker tables (:mod:`vsm_app.ingest.trackers.raw`).

Formats:

* ``jira_issues``: issues with ``expand=changelog`` — a search page
  (``/rest/api/2/search``, ``{"issues": [...]}``), an agile board page
  (``/rest/agile/1.0/board/{id}/issue``), a bare list of issues or one issue. The embedded
  changelog is read whatever its order (older servers list it oldest first, Jira Cloud newest
  first): entries are sorted by ``created`` when the files are combined.
* ``jira_changelog``: per-issue changelog pages (``/rest/api/3/issue/{idOrKey}/changelog``),
  the page object (``isLast``, ``nextPage``, ``values``) or its ``values`` alone. The issue is
  named by the page's ``self``/``nextPage`` URL; a bare ``values`` list does not name it,
  so it is taken from the file name (``EE-3394.json``, ``EE-3394-changelog.json``,
  ``10063.json``) or, failing that, from entries it shares with an issue's embedded
  changelog.
* ``jira_statuses``: ``/rest/api/2/status`` — each status's ``statusCategory``.
* ``jira_board_configuration``: ``/rest/agile/1.0/board/{id}/configuration`` — columns,
  their statuses and WIP limits.
* ``jira_remote_links``: ``/rest/api/2/issue/{key}/remotelink`` — links to commits and
  merge/pull requests (a wiki page or any other link is skipped and counted).
* ``jira_dev_status``: the development panel (``/rest/dev-status/latest/issue/detail``):
  commits and pull requests; it does not name its issue, so each commit belongs to the
  keys its message carries (Jira's own rule for showing it there).

Never read: ``author``, ``assignee``, ``reporter``, ``creator``, comments, watchers — no
person's identity enters the tables.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

from vsm_app.domain.items import CATEGORIES, JIRA_CATEGORY_IDS, find_keys
from vsm_app.ingest.detect import Parsed
from vsm_app.ingest.jsonload import JsonRecords, dig, obj
from vsm_app.ingest.trackers.raw import (
    CURRENT,
    FULL,
    LIST,
    PAGE_ONLY,
    Collector,
    as_int,
    lst,
    text,
)

if TYPE_CHECKING:
    from vsm_app.ingest.sources import ImportOptions

_ISSUE_IN_URL = re.compile(r"/issue/([^/?#]+)/(?:changelog|remotelink)")
_KEY = re.compile(r"^[A-Z][A-Z0-9_]+-[1-9][0-9]*$")
_KEY_IN_NAME = re.compile(r"(?<![A-Za-z0-9])([A-Za-z][A-Za-z0-9_]+-[1-9][0-9]*)(?![0-9])")
_ID_NAME = re.compile(r"^([1-9][0-9]*)(?:[._-].*)?$")
_PARENT_FIELDS = ("Epic Link", "Parent", "Parent Link", "parent")
_COMMIT_URL = re.compile(r"/commits?/([0-9a-fA-F]{7,64})(?:[/?#]|$)")
_GITLAB_MR = re.compile(r"https?://[^/]+/(.+?)/-/merge_requests/(\d+)")
_GITHUB_PR = re.compile(r"https?://[^/]+/([^/]+/[^/]+)/pulls?/(\d+)")
_BITBUCKET_PR = re.compile(r"https?://[^/]+/([^/]+/[^/]+)/pull-requests/(\d+)")


def item_id(key: str) -> str:
    return f"jira:{key}"


def _category(status: Any) -> str | None:
    cat = obj(obj(status).get("statusCategory"))
    key = cat.get("key")
    if isinstance(key, str) and key in CATEGORIES:
        return key
    ident = as_int(cat.get("id"))
    return JIRA_CATEGORY_IDS.get(ident) if ident is not None else None


def _level(issuetype: dict[str, Any]) -> int | None:
    level = as_int(issuetype.get("hierarchyLevel"))
    if level is not None:
        return level
    if issuetype.get("subtask") is True:
        return -1
    return None


def _seq(history_id: Any, index: int) -> int:
    n = as_int(history_id)
    return n if n is not None else index


def _status_items(history: dict[str, Any]) -> list[dict[str, Any]]:
    items = history.get("items")
    return [i for i in items or [] if isinstance(i, dict)
            and (i.get("fieldId") == "status" or i.get("field") == "status")] \
        if isinstance(items, list) else []


def _history(c: Collector, iid: str, h: dict[str, Any], index: int, rank: int) -> None:
    """One changelog entry: its id, and its status change if it has one."""
    hid = text(h.get("id"))
    if hid is not None:
        c.add("histories", item_id=iid, history_id=hid)
    for item in _status_items(h):
        to_status = text(item.get("toString"))
        if to_status is None:
            continue
        c.add("transitions", item_id=iid, at=h.get("created"),
              from_status=text(item.get("fromString")), to_status=to_status,
              from_id=text(item.get("from")), to_id=text(item.get("to")),
              event_id=f"jira-history:{hid}" if hid else None, seq=_seq(hid, index),
              rank=rank)


def _parent_from_changelog(histories: list[Any]) -> str | None:
    """The parent an Epic Link/Parent change set last (classic projects keep the epic in a
    custom field whose id varies; its changelog entries name it)."""
    best: tuple[str, str] | None = None
    for h in histories:
        if not isinstance(h, dict):
            continue
        for item in lst(h.get("items")):
            if isinstance(item, dict) and item.get("field") in _PARENT_FIELDS:
                created = str(h.get("created") or "")
                if best is None or created >= best[0]:
                    best = (created, text(item.get("toString")) or "")
    if best is None or not _KEY.match(best[1]):
        return None
    return best[1]


def _name(value: Any) -> str | None:
    """A status name or id as text: :func:`text`, with the common case (a clean string)
    first."""
    if type(value) is str:
        return value if value and not value[0].isspace() and not value[-1].isspace() \
            else (value.strip() or None)
    return text(value)


class _Changelog:
    """Changelog entries of many issues, collected column by column (the hot loop of a large
    export: one append per value, no per-entry dict)."""

    def __init__(self) -> None:
        self.t: dict[str, list[Any]] = {k: [] for k in (
            "item_id", "at", "from_status", "to_status", "from_id", "to_id", "event_id",
            "seq", "rank")}
        self.t_rec: list[int] = []
        self.t_line: list[int] = []
        self.h_item: list[str] = []
        self.h_id: list[str] = []
        self.h_rec: list[int] = []
        self.h_line: list[int] = []

    def add(self, iid: str, histories: list[Any], rank: int, record: int, line: int) -> None:
        t = self.t
        for index, h in enumerate(histories):
            if type(h) is not dict:
                continue
            hid = h.get("id")
            hid = str(hid) if hid is not None and hid != "" else None
            if hid is not None:
                self.h_item.append(iid)
                self.h_id.append(hid)
                self.h_rec.append(record)
                self.h_line.append(line)
            items = h.get("items")
            if type(items) is not list:
                continue
            for item in items:
                if type(item) is not dict or (item.get("fieldId") != "status"
                                              and item.get("field") != "status"):
                    continue
                to_status = _name(item.get("toString"))
                if to_status is None:
                    continue
                t["item_id"].append(iid)
                t["at"].append(h.get("created"))
                t["from_status"].append(_name(item.get("fromString")))
                t["to_status"].append(to_status)
                t["from_id"].append(_name(item.get("from")))
                t["to_id"].append(_name(item.get("to")))
                t["event_id"].append(f"jira-history:{hid}" if hid else None)
                t["seq"].append(int(hid) if hid is not None and hid.isascii() and hid.isdigit()
                                and len(hid) <= 18 else index)
                t["rank"].append(rank)
                self.t_rec.append(record)
                self.t_line.append(line)

    def flush(self, c: Collector) -> None:
        c.extend("transitions", self.t, self.t_rec, self.t_line)
        c.extend("histories", {"item_id": self.h_item, "history_id": self.h_id},
                 self.h_rec, self.h_line)


def parse_jira_issues(reader: JsonRecords, path: str, options: ImportOptions) -> Parsed:
    """Jira issues with their embedded changelog (search or board pages, one issue).

    A well-formed export of the usual shapes is read by :mod:`~vsm_app.ingest.trackers.
    jira_fast` (typed decoding, ~10x faster on a large export); anything else, and any file
    with a value to report, by the streaming reader below, which names the line.
    """
    from vsm_app.ingest.trackers.jira_fast import fast_issues

    fast = fast_issues(reader, path, options, item_id=item_id, key=_KEY, finish=Collector.parsed)
    if fast is not None:
        return fast
    c = Collector(reader, path, "jira_issues", {
        "records": {"created_at": "fields.created"},
        "transitions": {"at": "changelog.histories.created"}})
    log = _Changelog()
    for rec in reader.objects():
        key = text(rec.get("key"))
        fields = obj(rec.get("fields"))
        if key is None:
            c.skipped += 1
            c.count(None)
            continue
        iid = item_id(key)
        c.count(iid)
        issuetype = obj(fields.get("issuetype"))
        status = obj(fields.get("status"))
        changelog = obj(rec.get("changelog"))
        histories = changelog.get("histories")
        histories = histories if isinstance(histories, list) else []
        parent = text(dig(fields, "parent", "key")) or _parent_from_changelog(histories)
        category = _category(status)
        c.add("records", item_id=iid, key=key, source_id=text(rec.get("id")),
              type=text(issuetype.get("name")), type_level=_level(issuetype),
              created_at=fields.get("created"), status=text(status.get("name")),
              status_id=text(status.get("id")), category=category,
              parent_id=item_id(parent) if parent else None, title=text(fields.get("summary")),
              changelog_total=as_int(changelog.get("total")), rank=FULL)
        if text(status.get("name")) and category:
            c.add("catalog", status=text(status.get("name")), status_id=text(status.get("id")),
                  category=category, authority=CURRENT)
        log.add(iid, histories, FULL, reader.record, reader.line)
    log.flush(c)
    return c.parsed(options, reader.record)


def _page_issue(reader: JsonRecords, page: int, path: str) -> tuple[str | None, str | None]:
    """(key, numeric id) of the issue a changelog page belongs to."""
    meta = reader.pages[page] if 0 <= page < len(reader.pages) else {}
    for url_key in ("self", "nextPage"):
        m = _ISSUE_IN_URL.search(str(meta.get(url_key) or ""))
        if m:
            ref = m.group(1)
            return (None, ref) if ref.isdigit() else (ref.upper(), None)
    stem = os.path.basename(path).split(".")[0]
    m2 = _KEY_IN_NAME.search(stem)
    if m2:
        return m2.group(1).upper(), None
    m3 = _ID_NAME.match(stem)
    if m3:
        return None, m3.group(1)
    return None, None


def parse_jira_changelog(reader: JsonRecords, path: str, options: ImportOptions) -> Parsed:
    """Per-issue changelog pages (the page object or its ``values``)."""
    c = Collector(reader, path, "jira_changelog", {"transitions": {"at": "created"}})
    entries: list[tuple[int, dict[str, Any], int, int]] = []
    for rec in reader.objects():
        entries.append((reader.page, rec, reader.record, reader.line))
    # the page's own keys (self, total) may follow its values: read them once it is done
    seen: dict[str, int | None] = {}
    for page, rec, record, line in entries:
        key, number = _page_issue(reader, page, path)
        iid = item_id(key) if key else (f"jira-id:{number}" if number
                                        else f"jira-page:{os.path.abspath(path)}")
        reader.record, reader.line = record, line  # locate what is collected from it
        c.count(iid)
        if iid not in seen:
            meta = reader.pages[page] if 0 <= page < len(reader.pages) else {}
            total = as_int(meta.get("total"))
            seen[iid] = total
            c.add("records", item_id=iid, key=key,
                  source_id=number, rank=PAGE_ONLY)
            if total is not None:
                c.add("pages", item_id=iid, total=total)
        _history(c, iid, rec, record, PAGE_ONLY)
    return c.parsed(options, reader.record)


def parse_jira_statuses(reader: JsonRecords, path: str, options: ImportOptions) -> Parsed:
    """``/rest/api/2/status``: every status with its category."""
    c = Collector(reader, path, "jira_statuses", {})
    for rec in reader.objects():
        name = text(rec.get("name"))
        category = _category(rec)
        c.count(None)
        if name is None or category is None:
            c.skipped += 1
            continue
        c.add("catalog", status=name, status_id=text(rec.get("id")), category=category,
              authority=LIST)
        untranslated = text(rec.get("untranslatedName"))
        if untranslated and untranslated != name:
            c.add("catalog", status=untranslated, status_id=text(rec.get("id")),
                  category=category, authority=LIST)
    if c.skipped:
        c.notes.append(f"{c.skipped} status(es) without a name or category skipped")
    return c.parsed(options, reader.record)


def parse_jira_board_configuration(reader: JsonRecords, path: str,
                                   options: ImportOptions) -> Parsed:
    """``/rest/agile/1.0/board/{id}/configuration``: columns, statuses, WIP limits."""
    c = Collector(reader, path, "jira_board_configuration", {})
    columns = 0
    for rec in reader.objects():
        board = text(rec.get("name")) or text(rec.get("id")) or "board"
        cols = dig(rec, "columnConfig", "columns")
        for pos, col in enumerate(cols if isinstance(cols, list) else []):
            if not isinstance(col, dict):
                continue
            columns += 1
            c.count(None)
            ids = tuple(str(s.get("id")) for s in lst(col.get("statuses"))
                        if isinstance(s, dict) and text(s.get("id")) is not None)
            c.add("board", board=board, column=text(col.get("name")) or f"column {pos + 1}",
                  position=pos, status_ids=ids, wip_min=as_int(col.get("min")),
                  wip_max=as_int(col.get("max")))
    return c.parsed(options, columns)


def code_ref(url: Any) -> tuple[str, str] | None:
    """``("sha", sha)`` or ``("pr", id)`` for a link to a commit or a merge/pull request."""
    if not isinstance(url, str):
        return None
    m = _COMMIT_URL.search(url)
    if m:
        return "sha", m.group(1).lower()
    m = _GITLAB_MR.match(url)
    if m:
        return "pr", f"{m.group(1)}!{m.group(2)}"
    m = _GITHUB_PR.match(url) or _BITBUCKET_PR.match(url)
    if m:
        return "pr", f"{m.group(1)}#{m.group(2)}"
    return None


def parse_jira_remote_links(reader: JsonRecords, path: str, options: ImportOptions) -> Parsed:
    """Remote links of issues: commits and merge/pull requests become links."""
    c = Collector(reader, path, "jira_remote_links", {})
    unnamed = other = 0
    for rec in reader.objects():
        m = _ISSUE_IN_URL.search(str(rec.get("self") or ""))
        ref = code_ref(dig(rec, "object", "url"))
        key = m.group(1).upper() if m and not m.group(1).isdigit() else None
        iid = item_id(key) if key else (f"jira-id:{m.group(1)}" if m else None)
        c.count(iid)
        if iid is None:
            unnamed += 1
            continue
        if ref is None:
            other += 1
            continue
        c.add("refs", item_id=iid, ref_kind=ref[0], ref=ref[1])
    c.skipped = unnamed + other
    if other:
        c.notes.append(f"{other} link(s) to something other than a commit or a merge/pull "
                       f"request skipped")
    if unnamed:
        c.notes.append(f"{unnamed} link(s) without their issue (no issue in 'self') skipped")
    return c.parsed(options, reader.record)


def parse_jira_dev_status(reader: JsonRecords, path: str, options: ImportOptions) -> Parsed:
    """The development panel's commits and pull requests, by the keys their text carries."""
    c = Collector(reader, path, "jira_dev_status", {})
    records = keyless = 0
    for rec in reader.objects():
        for detail in lst(rec.get("detail")):
            if not isinstance(detail, dict):
                continue
            for repo in lst(detail.get("repositories")):
                for commit in lst(obj(repo).get("commits")):
                    if not isinstance(commit, dict):
                        continue
                    records += 1
                    sha = text(commit.get("id"))
                    keys = [k for k in find_keys(text(commit.get("message"))) if _KEY.match(k)]
                    c.count(item_id(keys[0]) if keys else None)
                    if not keys or sha is None or not re.fullmatch(r"[0-9a-fA-F]{7,64}", sha):
                        keyless += 1
                        continue
                    for key in keys:
                        c.add("refs", item_id=item_id(key), ref_kind="sha", ref=sha.lower())
            for pr in lst(detail.get("pullRequests")):
                if not isinstance(pr, dict):
                    continue
                records += 1
                ref = code_ref(pr.get("url"))
                keys = [k for k in find_keys(" ".join(
                    str(x) for x in (pr.get("name"), dig(pr, "source", "branch")) if x))
                    if _KEY.match(k)]
                c.count(item_id(keys[0]) if keys else None)
                if not keys or ref is None:
                    keyless += 1
                    continue
                for key in keys:
                    c.add("refs", item_id=item_id(key), ref_kind=ref[0], ref=ref[1])
    c.skipped = keyless
    if keyless:
        c.notes.append(f"{keyless} commit(s) or pull request(s) whose text names no issue "
                       f"key skipped")
    return c.parsed(options, records)


PARSERS = {
    "jira_issues": parse_jira_issues,
    "jira_changelog": parse_jira_changelog,
    "jira_statuses": parse_jira_statuses,
    "jira_board_configuration": parse_jira_board_configuration,
    "jira_remote_links": parse_jira_remote_links,
    "jira_dev_status": parse_jira_dev_status,
}
