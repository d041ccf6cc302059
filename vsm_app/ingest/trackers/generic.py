"""A generic table of status changes (CSV or JSON records) for every other tracker.

One row per status change: ``item_id``, ``type``, ``title`` (optional), ``status``,
``changed_at``, plus optional ``created_at``, ``parent``, ``key`` and ``category``
(``new``/``indeterminate``/``done``, or Jira's words "To Do"/"In Progress"/"Done"). Header
names are matched case-insensitively through the aliases of :data:`STATUS_COLUMNS`, so a
Linear, YouTrack or Trello export renamed by hand, or a spreadsheet, reads as it is.

Rules: rows are sorted by time per item (the file's order breaks ties); an item's first row
is the status it was created in; ``created_at`` defaults to that first change. The item's
``key`` (what commit messages name) defaults to its ``item_id``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vsm_app.domain.items import CATEGORIES, DONE, INDETERMINATE, NEW, norm_name
from vsm_app.ingest.detect import Parsed
from vsm_app.ingest.errors import ImportProblem
from vsm_app.ingest.jsonload import CsvRecords, JsonRecords, shown
from vsm_app.ingest.records import GenericTable
from vsm_app.ingest.trackers.raw import FULL, ROW, Collector, text

if TYPE_CHECKING:
    from vsm_app.ingest.sources import ImportOptions

#: canonical field → accepted column names (normalised: lower case, ``_`` for spaces)
STATUS_COLUMNS: dict[str, tuple[str, ...]] = {
    "item_id": ("item_id", "itemid", "work_item_id", "workitem_id", "issue_id", "ticket_id",
                "card_id", "story_id", "id", "issue", "ticket", "card", "key", "issue_key"),
    "type": ("type", "item_type", "issue_type", "work_item_type", "issuetype", "kind",
             "card_type"),
    "title": ("title", "summary", "name"),
    "status": ("status", "state", "to_status", "new_status", "column", "list", "stage"),
    "changed_at": ("changed_at", "changed", "status_changed_at", "transitioned_at",
                   "transition_at", "moved_at", "entered_at", "at", "timestamp", "date",
                   "time", "changed_date"),
    "created_at": ("created_at", "created", "created_date", "creation_date", "opened_at"),
    "parent": ("parent", "parent_id", "parent_key", "epic", "epic_key"),
    "key": ("key", "issue_key", "identifier", "ref"),
    "category": ("category", "status_category", "state_category"),
}
#: words accepted for a category (Jira's category names, Azure's state categories)
CATEGORY_WORDS: dict[str, str] = {
    "new": NEW, "to do": NEW, "todo": NEW, "proposed": NEW, "backlog": NEW,
    "indeterminate": INDETERMINATE, "in progress": INDETERMINATE, "inprogress": INDETERMINATE,
    "resolved": INDETERMINATE, "active": INDETERMINATE,
    "done": DONE, "completed": DONE, "complete": DONE, "closed": DONE, "removed": DONE,
}


def _require(names: dict[str, str | None], path: str, csv: bool) -> None:
    what = "column" if csv else "field"
    for need in ("item_id", "status", "changed_at"):
        if names.get(need) is None:
            raise ImportProblem(
                f'missing required {what} "{need}" (accepted: '
                + ", ".join(STATUS_COLUMNS[need]) + ")", path=path,
                line=1 if csv else None, field=need)


def _category(value: Any, table: GenericTable, c: Collector) -> str | None:
    if value is None or value == "":
        return None
    word = CATEGORY_WORDS.get(norm_name(str(value)))
    if word is None:
        raise ImportProblem(f"not a status category ({shown(value)}; expected "
                            f"{', '.join(CATEGORIES)})", path=c.path,
                            record=c.reader.record, line=c.reader.line,
                            field=table.shown().get("category", "category"))
    return word


def parse_generic_status_changes(reader: JsonRecords | CsvRecords, path: str,
                                 options: ImportOptions) -> Parsed:
    """A generic status-change table, CSV or JSON records."""
    table = GenericTable(reader, path, STATUS_COLUMNS, _require, "generic_status_changes")
    c = Collector(reader, path, table.format, {})
    first_row: dict[str, int] = {}
    records = c.tables["records"].raw
    for f in table.rows():
        raw_id = f["item_id"]
        iid = text(raw_id)
        if iid is None:
            raise ImportProblem("missing item id", path=path, record=reader.record,
                                line=reader.line,
                                field=table.shown().get("item_id", "item_id"))
        c.count(iid)
        category = _category(f["category"], table, c)
        status = text(f["status"])
        if status is None:
            raise ImportProblem("missing status", path=path, record=reader.record,
                                line=reader.line, field=table.shown().get("status", "status"))
        row = first_row.get(iid)
        if row is None:
            first_row[iid] = len(records["item_id"])
            c.add("records", item_id=iid, key=text(f["key"]) or iid, type=text(f["type"]),
                  created_at=f["created_at"], parent_id=text(f["parent"]),
                  title=text(f["title"]), rank=FULL)
        else:  # a later row may give what the first one left empty
            for col, value in (("type", text(f["type"])), ("title", text(f["title"])),
                               ("created_at", f["created_at"]),
                               ("parent_id", text(f["parent"]))):
                if value is not None and records[col][row] in (None, ""):
                    records[col][row] = value
        c.add("transitions", item_id=iid, at=f["changed_at"], to_status=status,
              to_category=category, seq=reader.record, rank=FULL)
        if category is not None:
            c.add("catalog", status=status, category=category, authority=ROW)
    names = table.shown()
    c.time_fields = {"records": {"created_at": names.get("created_at", "created_at")},
                     "transitions": {"at": names.get("changed_at", "changed_at")}}
    frames = c.frames(options.default_tz)
    return Parsed("tracker", frames.pop("records"), reader.record, skipped=0, notes=c.notes,
                  extra=frames)


PARSERS = {
    "generic_status_changes": parse_generic_status_changes,
    "generic_status_changes_csv": parse_generic_status_changes,
}
