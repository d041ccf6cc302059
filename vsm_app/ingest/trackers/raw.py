"""What the tracker importers collect from a file, before the files are combined.

Each parser fills :class:`Collector` tables record by record (plain lists, one ``append``
per field) and turns them into typed frames once, through
:class:`~vsm_app.ingest.jsonload.Columns`, so a bad value is an
:class:`~vsm_app.ingest.errors.ImportProblem` naming the file, record, line and field.

Raw tables (combined across files by :mod:`vsm_app.ingest.trackers.combine`):

``records``
    one row per item as one file shows it: ``item_id`` (tracker-qualified), ``key``,
    ``source_id`` (the tracker's own id: a Jira issue id, a GitHub node id), ``type``,
    ``type_level`` (Jira ``hierarchyLevel``), ``created_at``, current ``status`` /
    ``status_id`` / ``category`` (when the tracker says), ``status_since`` (when the item
    entered its current status, when the tracker says), ``parent_id``, ``repo``, ``title``,
    ``changelog_total`` (Jira: how many changelog entries exist), ``rank`` (0 a full
    record, 1 an issue embedded in an event, 2 an item known only from a changelog page).
``transitions``
    status changes: ``item_id``, ``at``, ``from_status``, ``to_status``, ``from_id``,
    ``to_id``, ``to_category`` (when the source says), ``event_id`` (for de-duplication
    across files: a Jira history id, a GitHub event id, an Azure revision), ``seq`` (order
    among changes at one instant), ``rank``.
``refs``
    links from the tracker to code: ``item_id``, ``ref_kind`` (``sha`` | ``pr``), ``ref``
    (a lower-case sha, or a pull request id ``owner/repo#12`` / ``group/project!12``).
``catalog``
    statuses and their categories as a source states them: ``status``, ``status_id``,
    ``category``, ``authority`` (0 a statuses list, 1 an item's current status, 2 a row
    of a generic table).
``histories``
    Jira changelog entry ids per item (all entries, not only status changes), to tell
    whether a truncated embedded changelog was completed by per-issue pages.
``pages``
    per-issue changelog pages: ``item_id`` and the ``total`` the page announces.
``board``
    board columns (``board``, ``column``, ``position``, ``status_ids``, ``wip_min``,
    ``wip_max``).
``record_items``
    the item of each counted record of the file, for its ``linked`` count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from vsm_app.ingest.detect import Parsed
    from vsm_app.ingest.sources import ImportOptions

from vsm_app.domain.tables import UTC_NS
from vsm_app.ingest.jsonload import Columns, CsvRecords, JsonRecords, frame_of

Reader = JsonRecords | CsvRecords

#: the raw tables' text columns: pandas' Python-backed strings (the raw values are Python
#: str already; Arrow-backed ones cost a conversion each way, ~1 s on 500,000 status changes)
STR = "string[python]"
RECORD_COLUMNS: dict[str, str] = {
    "item_id": STR, "key": STR, "source_id": STR, "type": STR,
    "type_level": "Int64", "created_at": UTC_NS, "status": STR, "status_id": STR,
    "category": STR, "status_since": UTC_NS, "parent_id": STR, "repo": STR,
    "title": STR, "changelog_total": "Int64", "rank": "Int64", "format": STR,
    "source": STR,
}
TRANSITION_COLUMNS: dict[str, str] = {
    "item_id": STR, "at": UTC_NS, "from_status": STR, "to_status": STR,
    "from_id": STR, "to_id": STR, "to_category": STR, "event_id": STR,
    "seq": "Int64", "rank": "Int64", "source": STR,
}
REF_COLUMNS: dict[str, str] = {
    "item_id": STR, "ref_kind": STR, "ref": STR, "source": STR,
}
CATALOG_COLUMNS: dict[str, str] = {
    "status": STR, "status_id": STR, "category": STR, "authority": "Int64",
    "source": STR,
}
HISTORY_COLUMNS: dict[str, str] = {"item_id": STR, "history_id": STR,
                                   "source": STR}
PAGE_COLUMNS: dict[str, str] = {"item_id": STR, "total": "Int64", "source": STR}
BOARD_COLUMNS: dict[str, str] = {
    "board": STR, "column": STR, "position": "Int64", "status_ids": "object",
    "wip_min": "Int64", "wip_max": "Int64", "source": STR,
}
RECORD_ITEM_COLUMNS: dict[str, str] = {"item_id": STR, "source": STR}

SCHEMAS: dict[str, dict[str, str]] = {
    "records": RECORD_COLUMNS, "transitions": TRANSITION_COLUMNS, "refs": REF_COLUMNS,
    "catalog": CATALOG_COLUMNS, "histories": HISTORY_COLUMNS, "pages": PAGE_COLUMNS,
    "board": BOARD_COLUMNS, "record_items": RECORD_ITEM_COLUMNS,
}
#: rank of a record: a full record, an issue embedded in an event, a changelog page's item
FULL, EMBEDDED, PAGE_ONLY = 0, 1, 2
#: authority of a catalog entry: a statuses list, an item's current status, a table row
LIST, CURRENT, ROW = 0, 1, 2


def empty_raw(table: str) -> pd.DataFrame:
    return frame_of({}, SCHEMAS[table])


@dataclass
class _Table:
    """Raw values of one table, with the record and line each row came from."""

    fields: tuple[str, ...]
    raw: dict[str, list[Any]] = field(default_factory=dict)
    recs: list[int] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.raw = {f: [] for f in self.fields}

    def add(self, record: int, line: int, values: Mapping[str, Any]) -> None:
        for f in self.fields:
            self.raw[f].append(values.get(f))
        self.recs.append(record)
        self.lines.append(line)


class Collector:
    """Collects the raw tables of one file (see the module docstring).

    ``time_fields`` maps a table's time column to the source field named in messages
    (``{"records": {"created_at": "fields.created"}}``); values there are typed with the
    project's default zone for naive timestamps, like every other importer.
    """

    def __init__(self, reader: Reader, path: str, fmt: str,
                 time_fields: Mapping[str, Mapping[str, str]]) -> None:
        self.reader = reader
        self.path = path
        self.format = fmt
        self.time_fields = time_fields
        self.tables = {name: _Table(tuple(schema)) for name, schema in SCHEMAS.items()}
        self.skipped = 0
        self.notes: list[str] = []

    def add(self, table: str, **values: Any) -> None:
        values.setdefault("source", self.path)
        if table == "records":
            values.setdefault("format", self.format)
        self.tables[table].add(self.reader.record, self.reader.line, values)

    def extend(self, table: str, rows: Mapping[str, list[Any]], records: list[int],
               lines: list[int]) -> None:
        """Many rows at once (columns of equal length; missing columns empty)."""
        t = self.tables[table]
        n = len(records)
        for f in t.fields:
            values = rows.get(f)
            if values is None:
                default = self.path if f == "source" else (
                    self.format if f == "format" and table == "records" else None)
                t.raw[f].extend([default] * n)
            else:
                t.raw[f].extend(values)
        t.recs.extend(records)
        t.lines.extend(lines)

    def count(self, item_id: str | None) -> None:
        """The record just read belongs to ``item_id`` (its file's ``linked`` count)."""
        self.add("record_items", item_id=item_id)

    def parsed(self, options: ImportOptions, records: int) -> Parsed:
        """The importer's answer: the status records, with the other tables as extras."""
        from vsm_app.ingest.detect import Parsed  # detect imports the trackers

        frames = self.frames(options.default_tz)
        return Parsed("tracker", frames.pop("records"), records, skipped=self.skipped,
                      notes=self.notes, extra=frames)

    def frames(self, default_tz: str | None) -> dict[str, pd.DataFrame]:
        out: dict[str, pd.DataFrame] = {}
        for name, t in self.tables.items():
            schema = SCHEMAS[name]
            cols = Columns(self.path, t.recs, t.lines)
            data: dict[str, Any] = {}
            for col, dtype in schema.items():
                values = t.raw[col]
                if dtype == UTC_NS:
                    where = self.time_fields.get(name, {}).get(col, col)
                    data[col] = cols.times(values, where, default_tz=default_tz)
                elif dtype == "Int64":
                    try:  # ints and None: one call; anything else located by Columns
                        data[col] = pd.array(values, dtype="Int64")
                    except (TypeError, ValueError, OverflowError):
                        data[col] = cols.integer(values, col)
                elif dtype == STR:
                    data[col] = pd.array([None if v is None or v == "" else str(v)
                                          for v in values], dtype=STR)
                else:
                    data[col] = values
            out[name] = frame_of(data, schema) if len(t.recs) else empty_raw(name)
        return out


def text(value: Any) -> str | None:
    """A JSON scalar as text (numbers too), ``None`` for empty, objects and lists."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    s = str(value).strip()
    return s or None


def lst(value: Any) -> list[Any]:
    """``value`` when it is a JSON list, else an empty list (a field of the wrong type
    holds nothing to read)."""
    return value if isinstance(value, list) else []


def ident(value: Any) -> str | int | None:
    """An id as a hashable scalar (a string or an integer), else None."""
    return value if type(value) in (str, int) else None


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and value.isascii() \
            and len(value.strip()) <= 18:
        return int(value)
    return None


__all__ = ["CATALOG_COLUMNS", "CURRENT", "Collector", "EMBEDDED", "FULL", "LIST", "PAGE_ONLY",
           "RECORD_COLUMNS", "ROW", "SCHEMAS", "TRANSITION_COLUMNS", "as_int", "empty_raw",
           "text"]
