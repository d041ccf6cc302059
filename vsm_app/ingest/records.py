"""Raw columns collected record by record, shared by the importers.

An importer states what it reads from one record as a tuple (one value per field, in a fixed
order); :func:`collect` gathers those tuples into one list per field, with the record number
and line of each row for :class:`~vsm_app.ingest.jsonload.Columns` messages. The per-record
work stays one call that builds a tuple and one ``list.extend``: the columns are cut out of
the flat list at the end, which is as fast as appending to a dozen lists by hand.

Generic tables (CSV or JSON with aliased column names) share :class:`GenericTable`, which
checks the required columns as soon as the names are known (CSV header or first JSON
record).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from vsm_app.ingest.detect import generic_rows, header_names
from vsm_app.ingest.jsonload import Columns, CsvRecords, JsonRecords

Reader = JsonRecords | CsvRecords
#: checks the source names of a generic table: (names, path, csv) → raises ImportProblem
Require = Callable[[dict[str, str | None], str, bool], None]


def collect(reader: Reader, path: str, fields: Sequence[str],
            rows: Iterable[Iterable[Any]]) -> tuple[Columns, dict[str, list[Any]]]:
    """One list per field from ``rows``, and the :class:`Columns` locating each row.

    ``rows`` yields the ``len(fields)`` values of each row (a tuple, or an iterator) while
    ``reader`` stands on the record the row comes from: ``map(row_of, reader.objects())``,
    or a generator over ``reader.objects()`` that may skip records or give several rows for
    one.
    """
    flat: list[Any] = []
    recs: list[int] = []
    lines: list[int] = []
    extend, add_rec, add_line = flat.extend, recs.append, lines.append
    for row in rows:
        extend(row)
        add_rec(reader.record)
        add_line(reader.line)
    width = len(fields)
    if len(flat) != width * len(recs):
        raise ValueError(f"rows do not have {width} values each ({', '.join(fields)})")
    return Columns(path, recs, lines), {f: flat[i::width] for i, f in enumerate(fields)}


class GenericTable:
    """The records of a generic table as ``{canonical field: value}``, columns checked.

    A CSV header is checked on opening; JSON records are checked once the first record names
    its fields. :attr:`names` maps each canonical field to its source name (``None`` when
    absent, empty until known).
    """

    def __init__(self, reader: Reader, path: str, aliases: dict[str, tuple[str, ...]],
                 require: Require, fmt: str) -> None:
        self.reader = reader
        self.path = path
        self.aliases = aliases
        self.require = require
        self.csv = isinstance(reader, CsvRecords)
        #: ``fmt`` for JSON records, ``fmt_csv`` for a CSV file
        self.format = f"{fmt}_csv" if self.csv else fmt
        self.names: dict[str, str | None] = (
            header_names(reader, aliases) if isinstance(reader, CsvRecords) else {})
        if self.csv:
            require(self.names, path, self.csv)

    def rows(self) -> Iterator[dict[str, Any]]:
        """Each record's fields by canonical name (missing ones ``None``)."""
        for fields, names in generic_rows(self.reader, self.aliases):
            if not self.names:
                self.names = names
                self.require(names, self.path, self.csv)
            yield fields

    def shown(self) -> dict[str, str]:
        """The name to show for each field in messages: its source name, else its own."""
        return {k: v or k for k, v in self.names.items()}
