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

import os
from typing import TYPE_CHECKING, Any

from vsm_app.domain.items import CATEGORIES, DONE, INDETERMINATE, NEW, norm_name
from vsm_app.ingest.detect import Parsed
from vsm_app.ingest.errors import ImportProblem
from vsm_app.ingest.jsonload import CsvRecords, JsonRecords, shown
from vsm_app.ingest.jsonload import shown as shown_value
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
    if isinstance(reader, CsvRecords):
        return _parse_csv(reader, path, options)
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


# -- CSV, column by column ------------------------------------------------------------------

_CHUNK_ROWS = 200_000


def _parse_csv(reader: CsvRecords, path: str, options: ImportOptions) -> Parsed:
    """The CSV table read by pandas' C reader in chunks of rows (progress and cancellation
    between chunks) and typed column by column: a 500,000-row export in about a second.
    Bad values are located like everywhere else (record, line, column)."""
    import numpy as np
    import pandas as pd

    from vsm_app.ingest.detect import header_names
    from vsm_app.ingest.jsonload import Columns, normalise_header
    from vsm_app.ingest.trackers.raw import SCHEMAS, empty_raw
    from vsm_app.work import Cancelled

    names = header_names(reader, STATUS_COLUMNS)
    _require(names, path, True)
    raw_header = reader.raw_header
    source_of = {normalise_header(h): h for h in raw_header}
    wanted = {k: source_of[v] for k, v in names.items() if v is not None and v in source_of}
    with open(path, encoding="utf-8-sig", newline="") as f:
        first = f.readline()
    delim = max((",", ";", "\t"), key=first.count)
    parts: list[pd.DataFrame] = []
    size = max(os.path.getsize(path), 1)
    try:
        chunks = pd.read_csv(path, sep=delim, dtype=str, keep_default_na=False,
                             na_filter=False, usecols=sorted(set(wanted.values())),
                             chunksize=_CHUNK_ROWS, encoding="utf-8-sig",
                             skip_blank_lines=True)
        done = 0
        for chunk in chunks:
            if reader._cancelled is not None and reader._cancelled():
                raise Cancelled()
            parts.append(chunk)
            done += len(chunk)
            if reader._progress is not None:
                reader._progress(min(done * 50 / size, 0.99), f"Reading {os.path.basename(path)}")
    except (ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, ImportProblem):
            raise
        raise ImportProblem(f"not a readable CSV file ({exc})", path=path) from exc
    df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=sorted(set(wanted.values())))
    n = len(df)
    shown = {k: v or k for k, v in names.items()}

    def col(field: str, strip: bool = True) -> pd.Series:
        src = wanted.get(field)
        if src is None:
            return pd.Series([""] * n, dtype=object)
        return _stripped(df[src]) if strip else df[src]

    records = np.arange(1, n + 1)
    lines = records + 1  # one line per row (a quoted cell over several lines: see below)
    cols = Columns(path, records.tolist(), lines.tolist())

    def locate(exc: ImportProblem) -> ImportProblem:
        """The exact line of a located row (rows may span lines)."""
        if exc.record is not None:
            for _ in reader:
                if reader.record == exc.record:
                    exc.line = reader.line
                    break
        return exc

    item = col("item_id")
    status = col("status")
    for field, values, what in (("item_id", item, "missing item id"),
                                ("status", status, "missing status")):
        bad = np.flatnonzero((values == "").to_numpy())
        if len(bad):
            raise locate(cols.problem(int(bad[0]), shown[field], what))
    category = col("category")
    words = category.map(lambda v: CATEGORY_WORDS.get(norm_name(v)) if v else None)
    bad = np.flatnonzero((category != "").to_numpy() & words.isna().to_numpy())
    if len(bad):
        raise locate(cols.problem(int(bad[0]), shown["category"],
                                  f"not a status category ({shown_value(category.iat[bad[0]])}; "
                                  f"expected {', '.join(CATEGORIES)})"))
    try:
        at = _times(col("changed_at", strip=False), cols, shown["changed_at"], options)
        created = _times(col("created_at", strip=False), cols,
                         shown.get("created_at", "created_at"), options)
    except ImportProblem as exc:
        raise locate(exc) from None
    missing = np.flatnonzero(at.isna().to_numpy())
    if len(missing):
        raise locate(cols.problem(int(missing[0]), shown["changed_at"], "missing change time"))
    ids = item.astype("string")
    frame = pd.DataFrame({
        "item_id": ids, "type": col("type", False).replace("", None),
        "title": col("title", False).replace("", None),
        "parent_id": col("parent", False).replace("", None),
        "key": col("key", False).replace("", None), "created_at": created})
    first = frame.groupby("item_id", sort=False).first()  # first non-empty value per item
    rec = first.reset_index()
    for c in ("type", "title", "parent_id", "key"):  # trimmed once per item, not per row
        rec[c] = rec[c].astype("string").str.strip().replace("", None)
    rec["key"] = rec["key"].fillna(rec["item_id"])
    rec["rank"] = pd.array([FULL] * len(rec), dtype="Int64")
    rec["format"] = "generic_status_changes_csv"
    rec["source"] = path
    out_records = _conform_raw(rec, SCHEMAS["records"])
    tr = pd.DataFrame({
        "item_id": ids, "at": at, "to_status": status.astype("string"),
        "to_category": words.astype("string"), "seq": pd.array(records, dtype="Int64"),
        "rank": pd.array(np.full(n, FULL), dtype="Int64"), "source": path})
    pairs = pd.DataFrame({"status": status, "category": words}).dropna().drop_duplicates()
    catalog = pd.DataFrame({"status": pairs["status"].astype("string"),
                            "category": pairs["category"].astype("string"),
                            "authority": pd.array([ROW] * len(pairs), dtype="Int64"),
                            "source": path})
    extra = {"transitions": _conform_raw(tr, SCHEMAS["transitions"]),
             "catalog": _conform_raw(catalog, SCHEMAS["catalog"]),
             "record_items": _conform_raw(pd.DataFrame({"item_id": ids, "source": path}),
                                          SCHEMAS["record_items"])}
    for name in ("refs", "histories", "pages", "board"):
        extra[name] = empty_raw(name)
    return Parsed("tracker", out_records, n, skipped=0, extra=extra)


def _stripped(values: Any) -> Any:
    """Texts trimmed, each distinct value once (few statuses, repeated item ids)."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    trimmed = np.asarray([str(u).strip() for u in uniques], dtype=object)
    return pd.Series(trimmed[codes], index=values.index, dtype=object)


def _times(values: Any, cols: Any, field: str, options: ImportOptions) -> Any:
    """A column of ISO 8601 texts as UTC times. Texts that all carry one offset (``Z``,
    ``+0000``: what exports write) are read in one vectorised call; anything else (naive
    times, several offsets, other spellings) goes through the importers' general reader."""
    import warnings

    import pandas as pd

    given = values != ""
    if not given.any():
        return pd.Series(pd.NaT, index=range(len(values)), dtype="datetime64[ns, UTC]")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            parsed = pd.to_datetime(values[given], format="ISO8601")
    except (ValueError, TypeError, OverflowError, Warning):
        parsed = None
    if parsed is not None and isinstance(parsed.dtype, pd.DatetimeTZDtype):
        out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns, UTC]")
        out[given] = parsed.dt.tz_convert("UTC").dt.as_unit("ns")
        return out.reset_index(drop=True)
    return cols.times(values.replace("", None).tolist(), field,
                      default_tz=options.default_tz)


def _conform_raw(frame: Any, schema: dict[str, str]) -> Any:
    """``frame`` with exactly the columns of a raw schema, in its dtypes."""
    from vsm_app.ingest.jsonload import frame_of

    data = {c: frame[c] for c in schema if c in frame}
    out = frame_of({c: v.tolist() if hasattr(v, "tolist") and schema[c] == "object" else v
                    for c, v in data.items()}, schema)
    return out
