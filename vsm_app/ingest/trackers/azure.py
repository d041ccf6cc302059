"""Azure Boards exports → raw tracker tables (:mod:`vsm_app.ingest.trackers.raw`).

Formats:

* ``azure_workitem_updates``: ``_apis/wit/workItems/{id}/updates`` (``{count, value}``): each
  update holds the fields it changed as ``{oldValue, newValue}``; a ``System.State`` change
  happened at the update's ``Microsoft.VSTS.Common.StateChangeDate`` (else its
  ``System.ChangedDate``) — never at ``revisedDate``, which is when the *next* revision
  replaced it.
* ``azure_workitem_revisions``: ``_apis/wit/workItems/{id}/revisions`` and the reporting feed
  ``_apis/wit/reporting/workitemrevisions`` (``{values, continuationToken}``): full
  snapshots, diffed per work item in revision order. A state first seen at revision 1 began
  at creation; a state first seen later began at its ``StateChangeDate`` (or, for a done
  state, ``Microsoft.VSTS.Common.ClosedDate``) when the snapshot has one, else at an unknown
  time (not measured).
* ``azure_artifact_query``: ``POST _apis/wit/artifacturiquery`` — commit URIs → the work
  items linked to them.

Links: ``ArtifactLink`` relations to ``vstfs:///Git/Commit/{project}%2F{repo}%2F{sha}`` link
the work item to that commit; ``System.LinkTypes.Hierarchy-Reverse`` names the parent. Never
read: ``System.CreatedBy``, ``ChangedBy``, ``AssignedTo``, ``AuthorizedAs``, ``revisedBy``,
``*ActivatedBy``/``ClosedBy``/``ResolvedBy``, ``System.History``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from vsm_app.domain.items import DONE, category_from_name
from vsm_app.ingest.detect import Parsed
from vsm_app.ingest.jsonload import JsonRecords, obj
from vsm_app.ingest.trackers.raw import FULL, Collector, as_int, text

if TYPE_CHECKING:
    from vsm_app.ingest.sources import ImportOptions

_WORK_ITEM_URL = re.compile(r"/workItems/(\d+)", re.IGNORECASE)
_COMMIT_URI = re.compile(r"^vstfs:///Git/Commit/(.+)$", re.IGNORECASE)
_PARENT = "System.LinkTypes.Hierarchy-Reverse"

STATE = "System.State"
TIMES = {"records": {"created_at": "System.CreatedDate",
                     "status_since": "Microsoft.VSTS.Common.StateChangeDate"},
         "transitions": {"at": "Microsoft.VSTS.Common.StateChangeDate"}}


def item_id(number: Any) -> str:
    return f"azure:{number}"


def commit_of_uri(uri: Any) -> str | None:
    """The sha of a ``vstfs:///Git/Commit/{project}%2F{repo}%2F{sha}`` artifact URI."""
    if not isinstance(uri, str):
        return None
    m = _COMMIT_URI.match(uri)
    if not m:
        return None
    sha = re.split(r"%2F|/", m.group(1), flags=re.IGNORECASE)[-1]
    return sha.lower() if re.fullmatch(r"[0-9a-fA-F]{7,64}", sha) else None


def _work_item(url: Any) -> str | None:
    m = _WORK_ITEM_URL.search(url) if isinstance(url, str) else None
    return m.group(1) if m else None


class _Item:
    """What the updates or revisions of one work item say, the latest value winning."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.where: tuple[int, int] = (0, 0)
        self.parent: str | None = None

    def set(self, key: str, value: Any, where: tuple[int, int]) -> None:
        if value is not None:
            self.values[key] = value
            if key == "created_at" or not self.where[0]:
                self.where = where


def _relations(c: Collector, iid: str, item: _Item, relations: Any, removed: bool = False
               ) -> None:
    for rel in relations if isinstance(relations, list) else []:
        if not isinstance(rel, dict):
            continue
        kind = rel.get("rel")
        if kind == _PARENT:
            parent = _work_item(rel.get("url"))
            if removed:
                if parent is not None and item.parent == item_id(parent):
                    item.parent = None
            elif parent is not None:
                item.parent = item_id(parent)
        elif kind == "ArtifactLink" and not removed:
            sha = commit_of_uri(rel.get("url"))
            if sha:
                c.add("refs", item_id=iid, ref_kind="sha", ref=sha)


def _emit_items(c: Collector, items: dict[str, _Item]) -> None:
    for iid, item in items.items():
        v = item.values
        state = v.get("status")
        since = v.get("state_change") or (v.get("closed") if state and category_from_name(
            state) == DONE else None) or (v.get("created_at") if v.get("first_rev") == 1
                                          else None)
        c.tables["records"].add(item.where[0], item.where[1], {
            "item_id": iid, "key": f"AB#{iid.split(':', 1)[1]}", "source_id": iid.split(":")[1],
            "type": v.get("type"), "created_at": v.get("created_at"), "status": state,
            "status_since": since, "parent_id": item.parent, "title": v.get("title"),
            "rank": FULL, "format": c.format, "source": c.path})


def parse_azure_updates(reader: JsonRecords, path: str, options: ImportOptions) -> Parsed:
    """``workItems/{id}/updates``: state changes as ``oldValue`` → ``newValue``."""
    c = Collector(reader, path, "azure_workitem_updates", TIMES)
    items: dict[str, _Item] = {}
    missing = 0
    for rec in reader.objects():
        number = rec.get("workItemId") or rec.get("id")
        if as_int(number) is None:
            missing += 1
            c.count(None)
            continue
        iid = item_id(number)
        c.count(iid)
        item = items.setdefault(iid, _Item())
        where = (reader.record, reader.line)
        fields = obj(rec.get("fields"))

        def new(name: str, fields: dict[str, Any] = fields) -> Any:
            return obj(fields.get(name)).get("newValue")

        item.set("type", text(new("System.WorkItemType")), where)
        item.set("created_at", new("System.CreatedDate"), where)
        item.set("title", text(new("System.Title")), where)
        if as_int(new("System.Rev")) == 1 or as_int(rec.get("rev")) == 1:
            item.values.setdefault("first_rev", 1)
        item.set("closed", new("Microsoft.VSTS.Common.ClosedDate"), where)
        parent = as_int(new("System.Parent"))
        if parent is not None:
            item.parent = item_id(parent)
        state = obj(fields.get(STATE))
        if text(state.get("newValue")):
            at = new("Microsoft.VSTS.Common.StateChangeDate") or new("System.ChangedDate")
            item.set("status", text(state.get("newValue")), where)
            item.set("state_change", at, where)
            rev = rec.get("rev")
            c.add("transitions", item_id=iid, at=at, from_status=text(state.get("oldValue")),
                  to_status=text(state.get("newValue")),
                  event_id=f"azure-rev:{number}:{rev}" if rev is not None else None,
                  seq=as_int(rev), rank=FULL)
        rels = obj(rec.get("relations"))
        _relations(c, iid, item, rels.get("added"))
        _relations(c, iid, item, rels.get("removed"), removed=True)
    _emit_items(c, items)
    c.skipped = missing
    if missing:
        c.notes.append(f"{missing} update(s) without a work item id skipped")
    return c.parsed(options, reader.record)


def parse_azure_revisions(reader: JsonRecords, path: str, options: ImportOptions) -> Parsed:
    """Revisions (per work item, or the reporting feed): snapshots diffed for state changes."""
    c = Collector(reader, path, "azure_workitem_revisions", TIMES)
    snaps: dict[str, list[tuple[int, dict[str, Any], tuple[int, int], Any]]] = {}
    missing = 0
    for rec in reader.objects():
        fields = obj(rec.get("fields"))
        number = rec.get("id") if as_int(rec.get("id")) is not None else fields.get("System.Id")
        rev = as_int(rec.get("rev")) or as_int(fields.get("System.Rev")) or 0
        if as_int(number) is None:
            missing += 1
            c.count(None)
            continue
        iid = item_id(number)
        c.count(iid)
        snaps.setdefault(iid, []).append((rev, fields, (reader.record, reader.line),
                                          rec.get("relations")))
    items: dict[str, _Item] = {}
    for iid, revs in snaps.items():
        revs.sort(key=lambda r: r[0])
        item = items.setdefault(iid, _Item())
        previous: str | None = None
        for i, (rev, fields, where, relations) in enumerate(revs):
            reader.record, reader.line = where  # locate what is collected from it
            state = text(fields.get(STATE))
            item.set("type", text(fields.get("System.WorkItemType")), where)
            item.set("created_at", fields.get("System.CreatedDate"), where)
            item.set("title", text(fields.get("System.Title")), where)
            item.set("closed", fields.get("Microsoft.VSTS.Common.ClosedDate"), where)
            item.set("state_change", fields.get("Microsoft.VSTS.Common.StateChangeDate"), where)
            if i == 0 and rev == 1:
                item.values["first_rev"] = 1
            parent = as_int(fields.get("System.Parent"))
            if parent is not None:
                item.parent = item_id(parent)
            item.set("status", state, where)
            if state is not None and state != previous:
                at = (fields.get("System.CreatedDate") if rev == 1 else
                      fields.get("Microsoft.VSTS.Common.StateChangeDate")
                      or (fields.get("System.ChangedDate") if i else None))
                if at is not None:
                    c.add("transitions", item_id=iid, at=at, from_status=previous,
                          to_status=state, event_id=f"azure-rev:{iid.split(':')[1]}:{rev}",
                          seq=rev, rank=FULL)
                previous = state
            _relations(c, iid, item, relations)
    _emit_items(c, items)
    c.skipped = missing
    if missing:
        c.notes.append(f"{missing} revision(s) without a work item id skipped")
    return c.parsed(options, reader.record)


def parse_azure_artifact_query(reader: JsonRecords, path: str,
                               options: ImportOptions) -> Parsed:
    """``artifacturiquery``: the work items linked to each commit URI."""
    c = Collector(reader, path, "azure_artifact_query", {})
    records = other = 0
    for rec in reader.objects():
        result = obj(rec.get("artifactUrisQueryResult"))
        for uri, linked in result.items():
            sha = commit_of_uri(uri)
            for ref in linked if isinstance(linked, list) else []:
                records += 1
                number = as_int(obj(ref).get("id")) or as_int(_work_item(obj(ref).get("url")))
                c.count(item_id(number) if number is not None else None)
                if sha is None or number is None:
                    other += 1
                    continue
                c.add("refs", item_id=item_id(number), ref_kind="sha", ref=sha)
    c.skipped = other
    if other:
        c.notes.append(f"{other} link(s) to something other than a git commit skipped")
    return c.parsed(options, records)


PARSERS = {
    "azure_workitem_updates": parse_azure_updates,
    "azure_workitem_revisions": parse_azure_revisions,
    "azure_artifact_query": parse_azure_artifact_query,
}
