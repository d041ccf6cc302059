"""The fast path of :func:`~vsm_app.ingest.trackers.jira.parse_jira_issues`.

A large Jira export (50,000 issues with 500,000 changelog entries, ~110 MB) spent most of its
import decoding JSON into dicts nobody reads: every field of every issue, every changelog item
whatever its field. Here the file is decoded once with msgspec into typed structs that hold
only the fields the importer reads (the rest is skipped by the decoder, without building it),
with Python's cyclic garbage collector paused (:func:`vsm_app.work.gc_paused`), and the
columns are filled from the structs by the same rules as the streaming parser.

It takes the usual shapes only — one search/board page (``{"issues": [...]}``), a list of
pages (``--slurp``), a list of issues, one issue — in a well-formed file of at most
:data:`FAST_LIMIT` bytes. Anything else returns ``None`` and the streaming reader reads the
file: pages written back to back, NDJSON, recorded replies, a field of an unexpected type,
invalid JSON or UTF-8, a larger file (streamed, so its memory stays bounded), and any file
with a value to report (an unreadable timestamp...) — the streaming reader then names its
line, which this path does not know. Both paths give the same tables
(tests/ingest/test_jira_fast.py compares them on every Jira export in shared/formats).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import msgspec

from vsm_app.domain.items import CATEGORIES, JIRA_CATEGORY_IDS
from vsm_app.ingest.detect import Parsed
from vsm_app.ingest.errors import ImportProblem
from vsm_app.ingest.jsonload import JsonRecords
from vsm_app.ingest.trackers.raw import CURRENT, FULL, Collector, as_int, text
from vsm_app.work import Cancelled, gc_paused

if TYPE_CHECKING:
    from vsm_app.ingest.sources import ImportOptions

#: larger files are streamed (the fast path holds the file's bytes while it decodes them)
FAST_LIMIT = 512 * 1024 * 1024
_PARENT_FIELDS = ("Epic Link", "Parent", "Parent Link", "parent")


class _Category(msgspec.Struct, gc=False):
    key: Any = None
    id: Any = None


class _Status(msgspec.Struct, gc=False):
    name: Any = None
    id: Any = None
    statusCategory: _Category | None = None  # noqa: N815 - Jira's field name


class _IssueType(msgspec.Struct, gc=False):
    name: Any = None
    hierarchyLevel: Any = None  # noqa: N815
    subtask: Any = None


class _Parent(msgspec.Struct, gc=False):
    key: Any = None


class _Fields(msgspec.Struct, gc=False):
    created: Any = None
    summary: Any = None
    issuetype: _IssueType | None = None
    status: _Status | None = None
    parent: _Parent | None = None


class _Change(msgspec.Struct, gc=False):
    field: Any = None
    fieldId: Any = None  # noqa: N815
    fromString: Any = None  # noqa: N815
    toString: Any = None  # noqa: N815
    from_: Any = msgspec.field(default=None, name="from")
    to: Any = None


class _History(msgspec.Struct, gc=False):
    id: Any = None
    created: Any = None
    items: list[_Change] | None = None


class _Changelog(msgspec.Struct, gc=False):
    total: Any = None
    histories: list[_History] | None = None


class _Issue(msgspec.Struct, gc=False):
    key: Any = None
    id: Any = None
    fields: _Fields | None = None
    changelog: _Changelog | None = None


class _Top(_Issue, gc=False):
    """A top-level value: a page (its ``issues``), or an issue. The other record lists the
    streaming reader knows are declared so that a file using one is left to it."""

    issues: list[msgspec.Raw] | None = None  # decoded one by one (memory)
    values: Any = None
    value: Any = None
    data: Any = None
    workflow_runs: Any = None
    jobs: Any = None
    incidents: Any = None
    builds: Any = None
    allBuilds: Any = None  # noqa: N815
    stages: Any = None

    def other_list(self) -> bool:
        return any(isinstance(v, list) for v in (
            self.values, self.value, self.data, self.workflow_runs, self.jobs,
            self.incidents, self.builds, self.allBuilds, self.stages))


_DECODER = msgspec.json.Decoder(_Top | list[_Top])
_ISSUE = msgspec.json.Decoder(_Issue)


def _issues(top: _Top | list[_Top]) -> list[_Issue | msgspec.Raw] | None:
    """The records in the streaming reader's order (a page's issues still encoded), or None
    for a shape left to the streaming reader."""
    out: list[_Issue | msgspec.Raw] = []
    for node in top if isinstance(top, list) else [top]:
        if node.other_list():
            return None
        if node.issues is not None:
            out.extend(node.issues)
        elif node.key is None and not isinstance(top, list):
            return None  # a lone object that is no issue: recorded replies, another format
        else:
            out.append(node)
    return out


def _decoded(issues: list[_Issue | msgspec.Raw]) -> Iterator[_Issue]:
    """Each issue decoded when its turn comes (only one issue's structs live at a time)."""
    for rec in issues:
        yield _ISSUE.decode(rec) if isinstance(rec, msgspec.Raw) else rec


def _category(status: _Status) -> str | None:
    cat = status.statusCategory
    if cat is None:
        return None
    key = cat.key
    if isinstance(key, str) and key in CATEGORIES:
        return key
    ident = as_int(cat.id)
    return JIRA_CATEGORY_IDS.get(ident) if ident is not None else None


def _level(issuetype: _IssueType) -> int | None:
    level = as_int(issuetype.hierarchyLevel)
    if level is not None:
        return level
    if issuetype.subtask is True:
        return -1
    return None


def _parent_from_changelog(histories: list[_History], key: re.Pattern[str]) -> str | None:
    best: tuple[str, str] | None = None
    for h in histories:
        for item in h.items or ():
            if item.field in _PARENT_FIELDS:
                created = str(h.created or "")
                if best is None or created >= best[0]:
                    best = (created, text(item.toString) or "")
    if best is None or not key.match(best[1]):
        return None
    return best[1]


def _name(value: Any) -> str | None:
    if type(value) is str:
        return value if value and not value[0].isspace() and not value[-1].isspace() \
            else (value.strip() or None)
    return text(value)


_NO_STATUS = _Status()
_NO_TYPE = _IssueType()
_NO_FIELDS = _Fields()


def fast_issues(reader: JsonRecords, path: str, options: ImportOptions, *,
                item_id: Callable[[str], str], key: re.Pattern[str],
                finish: Callable[[Collector, ImportOptions, int], Parsed]) -> Parsed | None:
    """The file's tables by the fast path, or None when the streaming reader must read it.

    ``item_id``, ``key`` and ``finish`` are :mod:`~vsm_app.ingest.trackers.jira`'s (an
    issue's id, what a Jira key looks like, the frames of a collector)."""
    try:
        size = os.path.getsize(path)
    except OSError:
        return None
    if size > FAST_LIMIT:
        return None
    progress, cancelled = reader.progress, reader.cancelled
    name = os.path.basename(path)
    if cancelled is not None and cancelled():
        raise Cancelled()
    if progress is not None:
        progress(0.05, f"Reading {name}")
    with gc_paused():
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            return None
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            top = _DECODER.decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
            return None
        issues = _issues(top)
        if issues is None:
            return None
        if cancelled is not None and cancelled():
            raise Cancelled()
        if progress is not None:
            progress(0.5, f"Reading {name}: {len(issues):,} issues")
        c = Collector(reader, path, "jira_issues", {
            "records": {"created_at": "fields.created"},
            "transitions": {"at": "changelog.histories.created"}})
        try:
            c.skipped = _collect(c, _decoded(issues), item_id, key)
        except msgspec.ValidationError:
            return None  # an issue with a field of an unexpected type
        records = len(issues)
        del top, issues, data
        if cancelled is not None and cancelled():
            raise Cancelled()
        try:
            return finish(c, options, records)
        except ImportProblem:
            return None  # the streaming reader names the line of the value


def _names(values: list[Any]) -> list[Any]:
    """:func:`_name` of each value, computed once per distinct value (a few statuses and
    ids repeated 500,000 times)."""
    try:
        distinct = set(values)
    except TypeError:  # an object or a list where a name belongs
        return [_name(v) for v in values]
    if not all(v is None or type(v) is str for v in distinct):
        return [_name(v) for v in values]  # keep 1 and True apart (they hash alike)
    clean = {v: _name(v) for v in distinct}
    return [clean[v] for v in values]


def _collect(c: Collector, issues: Iterable[_Issue], item_id: Callable[[str], str],
             key_pattern: re.Pattern[str]) -> int:
    """The streaming parser's rules (jira.parse_jira_issues, jira._Changelog.add), column
    by column; rows are located by record number only (line 0). Returns the records skipped
    (issues without a key)."""
    rec_cols: dict[str, list[Any]] = {k: [] for k in (
        "item_id", "key", "source_id", "type", "type_level", "created_at", "status",
        "status_id", "category", "parent_id", "title", "changelog_total")}
    rec_nos: list[int] = []
    cat_cols: dict[str, list[Any]] = {"status": [], "status_id": [], "category": []}
    cat_nos: list[int] = []
    counted: list[Any] = []
    # per status change: its raw values, its history entry's time, id and index, the item
    t_to: list[Any] = []
    t_from: list[Any] = []
    t_to_id: list[Any] = []
    t_from_id: list[Any] = []
    t_at: list[Any] = []
    t_hid: list[str | None] = []
    t_index: list[Any] = []
    t_item: list[Any] = []
    t_nos: list[Any] = []
    h_item: list[str] = []
    h_id: list[str] = []
    h_nos: list[int] = []
    skipped = 0
    for record, rec in enumerate(issues, start=1):
        key = text(rec.key)
        if key is None:
            skipped += 1
            counted.append(None)
            continue
        iid = item_id(key)
        counted.append(iid)
        fields = rec.fields or _NO_FIELDS
        issuetype = fields.issuetype or _NO_TYPE
        status = fields.status or _NO_STATUS
        changelog = rec.changelog
        histories = (changelog.histories if changelog is not None else None) or []
        parent = (text(fields.parent.key) if fields.parent is not None else None) \
            or _parent_from_changelog(histories, key_pattern)
        category = _category(status)
        status_name = text(status.name)
        rec_cols["item_id"].append(iid)
        rec_cols["key"].append(key)
        rec_cols["source_id"].append(text(rec.id))
        rec_cols["type"].append(text(issuetype.name))
        rec_cols["type_level"].append(_level(issuetype))
        rec_cols["created_at"].append(fields.created)
        rec_cols["status"].append(status_name)
        rec_cols["status_id"].append(text(status.id))
        rec_cols["category"].append(category)
        rec_cols["parent_id"].append(item_id(parent) if parent else None)
        rec_cols["title"].append(text(fields.summary))
        rec_cols["changelog_total"].append(
            as_int(changelog.total) if changelog is not None else None)
        rec_nos.append(record)
        if status_name and category:
            cat_cols["status"].append(status_name)
            cat_cols["status_id"].append(text(status.id))
            cat_cols["category"].append(category)
            cat_nos.append(record)
        for index, h in enumerate(histories):
            hid = h.id
            hid = str(hid) if hid is not None and hid != "" else None
            if hid is not None:
                h_item.append(iid)
                h_id.append(hid)
                h_nos.append(record)
            items = h.items
            if not items:
                continue
            for item in items:
                if item.fieldId == "status" or item.field == "status":
                    t_to.append(item.toString)
                    t_from.append(item.fromString)
                    t_to_id.append(item.to)
                    t_from_id.append(item.from_)
                    t_at.append(h.created)
                    t_hid.append(hid)
                    t_index.append(index)
                    t_item.append(iid)
                    t_nos.append(record)
    # a change without a target status is no status change
    to_status = _names(t_to)
    keep = [k for k, v in enumerate(to_status) if v is not None]
    if len(keep) < len(to_status):
        to_status = [to_status[k] for k in keep]
        t_from, t_to_id, t_from_id, t_at, t_hid, t_index, t_item, t_nos = (
            [col[k] for k in keep] for col in (t_from, t_to_id, t_from_id, t_at, t_hid,
                                                t_index, t_item, t_nos))
    t = {
        "item_id": t_item, "at": t_at,
        "from_status": _names(t_from), "to_status": to_status,
        "from_id": _names(t_from_id), "to_id": _names(t_to_id),
        "event_id": [f"jira-history:{hid}" if hid else None for hid in t_hid],
        "seq": [int(hid) if hid is not None and hid.isascii() and hid.isdigit()
                and len(hid) <= 18 else index for hid, index in zip(t_hid, t_index,
                                                                      strict=True)],
        "rank": [FULL] * len(t_item)}
    rec_cols["rank"] = [FULL] * len(rec_nos)
    cat_cols["authority"] = [CURRENT] * len(cat_nos)
    c.extend("records", rec_cols, rec_nos, [0] * len(rec_nos))
    c.extend("catalog", cat_cols, cat_nos, [0] * len(cat_nos))
    c.extend("transitions", t, t_nos, [0] * len(t_nos))
    c.extend("histories", {"item_id": h_item, "history_id": h_id}, h_nos, [0] * len(h_nos))
    c.extend("record_items", {"item_id": counted}, list(range(1, len(counted) + 1)),
             [0] * len(counted))
    return skipped


__all__ = ["FAST_LIMIT", "fast_issues"]
