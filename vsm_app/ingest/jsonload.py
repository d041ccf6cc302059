"""Read exported files the way users have them, streamed record by record.

JSON (below) and, for the generic deployment/incident tables, CSV (:class:`CsvRecords`):
both yield plain ``dict`` records and say where each one is (record number and line), and
:class:`Columns` turns the raw values collected from them into typed columns.

Accepted shapes (any mix, back to back in one file):

- a bare array of records ``[{...}, {...}]`` (GitHub pulls, GitLab lists, ``gh ... --json``);
- a wrapper object whose list holds the records (``{"total_count": 2, "workflow_runs": [...]}``,
  PagerDuty ``{"incidents": [...]}``, Opsgenie ``{"data": [...]}``, Jenkins
  ``{"_class": ..., "allBuilds": [...]}``, wfapi ``{"stages": [...]}``); the wrapper's other keys
  are kept as the page's ``meta`` (PagerDuty analytics puts ``time_zone`` after ``data``);
- ``gh api --paginate``: pages written back to back (``{...}{...}`` or ``[...][...]``);
- ``gh api --paginate --slurp``: an array of pages;
- one object per line (NDJSON, ``gh api --jq '.workflow_runs[]'``);
- a single record object (one GitLab pipeline, one webhook payload);
- recorded replies keyed by request (``{"GET /repos/...": {...}, ...}``, PyGithub replay data).

Only a small window of the file is held as text (about ``chunk_size`` characters): each record
is decoded with :meth:`json.JSONDecoder.raw_decode` as soon as it is complete and handed to the
caller, who keeps only the fields it needs. Progress is reported by bytes read.
"""

from __future__ import annotations

import codecs
import csv
import json
import math
import os
import re
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from vsm_app.domain.tables import UTC_NS
from vsm_app.ingest.errors import ImportProblem, TooLongNumber, shown
from vsm_app.work import Cancelled, IsCancelled, Progress

#: keys of a wrapper object whose list value holds the records
LIST_KEYS = frozenset({"workflow_runs", "jobs", "incidents", "data", "builds", "allBuilds",
                       "stages",
                       # trackers: Jira search/board pages, Jira changelog pages and the Azure
                       # reporting feed, Azure {count, value} lists
                       "issues", "values", "value"})
#: keys of recorded replies: the value is one reply (a page, a list or one record)
_REPLAY_KEY = re.compile(r"^(?:GET|POST|PUT|PATCH|DELETE|HEAD) /")
_WS = re.compile(r"[ \t\n\r]*")
_CHUNK = 1 << 20
#: Python refuses to convert longer digit strings (``sys.get_int_max_str_digits``)
_MAX_DIGITS = 4300
#: the largest magnitude an ``Int64`` column holds
_INT64_MAX = 2 ** 63 - 1


def _parse_int(text: str) -> int | TooLongNumber:
    """JSON integers: Python ints, or a marker for digit strings Python will not convert."""
    if len(text) - (text[0] == "-") > _MAX_DIGITS:
        return TooLongNumber(text)
    return int(text)


def new_decoder() -> json.JSONDecoder:
    """The JSON decoder of every export reader: no integer is too long to decode."""
    return json.JSONDecoder(parse_int=_parse_int)



class JsonRecords:
    """Iterate over the records of one JSON export without loading it whole.

    Attributes (valid for the record last yielded)
    ----------------------------------------------
    record : int
        1-based number of the record in the file.
    line : int
        1-based line where the record starts.
    page : int
        Index into :attr:`pages` of the page (wrapper or array) the record came from, or -1
        for a record standing alone at the top level (NDJSON, single object).
    pages : list[dict]
        Per page, the wrapper's other keys (``{}`` for bare arrays). Keys that follow the
        record list are only present once the page has been read to its end.
    list_keys : list[str]
        Wrapper keys met so far (e.g. ``["workflow_runs"]``), a hint for format detection.
    """

    def __init__(self, path: str | os.PathLike[str], *, progress: Progress | None = None,
                 cancelled: IsCancelled | None = None, chunk_size: int = _CHUNK) -> None:
        self.path = os.fspath(path)
        self._progress = progress
        self._cancelled = cancelled
        self._chunk = chunk_size
        self._size = max(os.path.getsize(self.path), 1)
        self._file = open(self.path, "rb")  # noqa: SIM115 - closed by close()/exhaustion
        self._decoder_bytes = codecs.getincrementaldecoder("utf-8-sig")()
        self._json = new_decoder()
        self._buf = ""
        self._pos = 0
        self._eof = False
        self._bytes_read = 0
        self._base = 0  # offset in the file's text of self._buf[0]
        # line counting is lazy: the line number at buffer index _nl_pos
        self._nl_pos = 0
        self._nl_line = 1
        self.record = 0
        self.line = 1
        self.page = -1
        self.pages: list[dict[str, Any]] = []
        self.list_keys: list[str] = []

    # -- buffer ---------------------------------------------------------------------------
    def close(self) -> None:
        """Release the file (also done when iteration ends)."""
        self._file.close()

    def __enter__(self) -> JsonRecords:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def bytes_read(self) -> int:
        return self._bytes_read

    @property
    def progress(self) -> Progress | None:
        """The progress callback given (for a parser that reads the file another way)."""
        return self._progress

    @property
    def cancelled(self) -> IsCancelled | None:
        """The cancellation poll given (for a parser that reads the file another way)."""
        return self._cancelled

    def _here(self) -> int:
        """The current position as an offset in the whole text (survives compaction)."""
        return self._base + self._pos

    def _line_at(self, offset: int) -> int:
        """Line number of a text offset at or after the start of the buffer."""
        pos = offset - self._base
        if pos >= self._nl_pos:
            self._nl_line += self._buf.count("\n", self._nl_pos, pos)
            self._nl_pos = pos
            return self._nl_line
        return self._nl_line - self._buf.count("\n", pos, self._nl_pos)

    def _fill(self, at_least: int = 0) -> bool:
        """Append the next chunk to the buffer, dropping what was consumed. False at EOF."""
        if self._eof:
            return False
        if self._cancelled is not None and self._cancelled():
            raise Cancelled()
        if self._pos:
            self._line_at(self._here())
            self._base += self._pos
            self._buf = self._buf[self._pos:]
            self._nl_pos -= self._pos
            self._pos = 0
        data = self._file.read(max(self._chunk, at_least))
        self._bytes_read += len(data)
        try:
            text = self._decoder_bytes.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise ImportProblem(
                f"not UTF-8 text (byte {self._bytes_read - len(data) + exc.start + 1})",
                path=self.path) from exc
        if not data:
            self._eof = True
        self._buf += text
        if self._progress is not None:
            self._progress(min(self._bytes_read / self._size, 1.0),
                           f"Reading {os.path.basename(self.path)}")
        return bool(data) or bool(text)

    def _peek(self) -> str:
        """Skip whitespace; the next character, or ``""`` at the end of the file."""
        while True:
            m = _WS.match(self._buf, self._pos)
            assert m is not None
            self._pos = m.end()
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._fill():
                return ""

    def _problem(self, message: str, pos: int | None = None) -> ImportProblem:
        line = self._line_at(self._base + (self._pos if pos is None else pos))
        return ImportProblem(message, path=self.path, line=line, record=self.record + 1)

    def _value(self) -> Any:
        """Decode the JSON value starting at the current position (after whitespace)."""
        while True:
            try:
                obj, end = self._json.raw_decode(self._buf, self._pos)
            except RecursionError:
                raise self._problem("the JSON is nested too deeply (a list or object inside "
                                    "hundreds of others)") from None
            except json.JSONDecodeError as exc:
                near_end = exc.pos >= len(self._buf) - 32 or exc.msg.startswith("Unterminated")
                if near_end and not self._eof:
                    # a record larger than the window: read geometrically more, not quadratically
                    self._fill(at_least=len(self._buf))
                    continue
                if near_end:
                    raise self._problem(
                        "the file ends in the middle of a record (truncated JSON?)",
                        exc.pos) from exc
                raise self._problem(f"invalid JSON: {exc.msg}", exc.pos) from exc
            if end == len(self._buf) and not self._eof and not isinstance(obj, (dict, list, str)):
                self._fill()  # a number or literal may go on in the next chunk
                continue
            self._pos = end
            return obj

    def _expect(self, ch: str, what: str) -> None:
        c = self._peek()
        if c != ch:
            if c == "":
                raise self._problem(f"the file ends inside {what} (truncated JSON?)")
            raise self._problem(f"invalid JSON: expected {ch!r} in {what}, found {c!r}")
        self._pos += 1

    def objects(self) -> Iterator[dict[str, Any]]:
        """The records, each checked to be a JSON object."""
        for rec in self:
            if type(rec) is not dict:
                raise ImportProblem(f"a record is not a JSON object ({shown(rec)})",
                                    path=self.path, record=self.record, line=self.line)
            yield rec

    # -- structure --------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Any]:
        try:
            c = self._peek()
            if c == "":
                raise ImportProblem("the file is empty", path=self.path)
            while c:
                if c == "[":
                    yield from self._array(top=True)
                elif c == "{":
                    yield from self._top_object()
                else:
                    raise self._problem(f"not JSON: expected an object or an array, found {c!r}")
                c = self._peek()
        finally:
            self.close()

    def _start_page(self, meta: dict[str, Any]) -> None:
        self.pages.append(meta)
        self.page = len(self.pages) - 1

    def _emit(self, obj: Any, line: int) -> Iterator[Any]:
        self.record += 1
        self.line = line
        yield obj

    def _array(self, *, top: bool, key: str | None = None) -> Iterator[Any]:
        """Stream the elements of the array at the current position."""
        what = f'the list "{key}"' if key else "an array"
        self._pos += 1  # "["
        if top:
            self._start_page({})
        page = self.page
        c = self._peek()
        if c == "]":
            self._pos += 1
            return
        while True:
            if c == "":
                raise self._problem(f"the file ends inside {what} (truncated JSON?)")
            start = self._line_at(self._here())
            obj = self._value()
            if top and isinstance(obj, (dict, list)) and _is_page(obj):
                yield from self._page(obj, start)
                self.page = page
            else:
                yield from self._emit(obj, start)
            c = self._peek()
            if c == ",":
                self._pos += 1
                c = self._peek()
            elif c == "]":
                self._pos += 1
                return
            elif c == "":
                raise self._problem(f"the file ends inside {what} (truncated JSON?)")
            else:
                raise self._problem(f"invalid JSON: expected ',' or ']' in {what}, found {c!r}")

    def _page(self, obj: dict[str, Any] | list[Any], line: int) -> Iterator[Any]:
        """Records of a page decoded whole (a slurped page or a recorded reply)."""
        if isinstance(obj, list):
            self._start_page({})
            items: list[Any] = obj
        else:
            key = next(k for k in obj if k in LIST_KEYS and isinstance(obj[k], list))
            self._note_key(key)
            self._start_page({k: v for k, v in obj.items() if k != key})
            items = obj[key]
        for item in items:
            self.record += 1
            self.line = line
            yield item

    def _note_key(self, key: str) -> None:
        if key not in self.list_keys:
            self.list_keys.append(key)

    def _top_object(self) -> Iterator[Any]:
        """A wrapper (stream its list), recorded replies, or a record standing alone."""
        start = self._line_at(self._here())
        self._pos += 1  # "{"
        meta: dict[str, Any] = {}
        streamed = False
        c = self._peek()
        if c == "}":
            self._pos += 1
            self.page = -1
            yield from self._emit(meta, start)
            return
        while True:
            if c != '"':
                if c == "":
                    raise self._problem("the file ends inside an object (truncated JSON?)")
                raise self._problem(f"invalid JSON: expected a key, found {c!r}")
            key = self._value()
            self._expect(":", "an object")
            c = self._peek()
            if key in LIST_KEYS and c == "[":
                self._note_key(key)
                self._start_page(meta)  # keys after the list are added to it as read
                yield from self._array(top=False, key=key)
                streamed = True
            elif _REPLAY_KEY.match(key):
                vstart = self._line_at(self._here())
                reply = self._value()
                page = self.page
                if isinstance(reply, (dict, list)) and _is_page(reply):
                    yield from self._page(reply, vstart)
                else:
                    self.page = -1
                    yield from self._emit(reply, vstart)
                self.page = page
                streamed = True
            else:
                meta[key] = self._value()
            c = self._peek()
            if c == ",":
                self._pos += 1
                c = self._peek()
            elif c == "}":
                self._pos += 1
                break
            elif c == "":
                raise self._problem("the file ends inside an object (truncated JSON?)")
            else:
                raise self._problem(f"invalid JSON: expected ',' or '}}' in an object, found {c!r}")
        if not streamed:
            self.page = -1
            yield from self._emit(meta, start)


def _is_page(obj: dict[str, Any] | list[Any]) -> bool:
    if isinstance(obj, list):
        return True
    return any(k in LIST_KEYS and isinstance(v, list) for k, v in obj.items())


def read_records(path: str | os.PathLike[str], *, progress: Progress | None = None,
                 cancelled: IsCancelled | None = None) -> JsonRecords:
    """Open ``path`` for streaming; iterate over the result to get the records."""
    return JsonRecords(path, progress=progress, cancelled=cancelled)


def peek_records(path: str | os.PathLike[str], n: int = 5
                 ) -> tuple[list[Any], list[str], list[dict[str, Any]]]:
    """The first ``n`` records, the wrapper keys seen and the page metadata (for detection)."""
    reader = JsonRecords(path, chunk_size=1 << 16)
    out: list[Any] = []
    try:
        for rec in reader:
            out.append(rec)
            if len(out) >= n:
                break
    except ImportProblem:
        if not out:
            raise
        # a broken file is still recognised by its first records; reading it in full
        # reports the problem with the format's name
    finally:
        reader.close()
    return out, list(reader.list_keys), [dict(p) for p in reader.pages]


# -- CSV ------------------------------------------------------------------------------------

def normalise_header(name: str) -> str:
    """``"Started At"`` → ``"started_at"`` (headers are matched case-insensitively)."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


class CsvRecords:
    """Iterate over the data rows of a CSV file as ``{normalised header: value}`` dicts.

    Empty cells become ``None``. The delimiter (``,``, ``;`` or tab) is taken from the header
    line. :attr:`record` and :attr:`line` locate the row last yielded (the header is line 1).
    """

    def __init__(self, path: str | os.PathLike[str], *, progress: Progress | None = None,
                 cancelled: IsCancelled | None = None) -> None:
        self.path = os.fspath(path)
        self._progress = progress
        self._cancelled = cancelled
        self.record = 0
        self.line = 1
        self.header: list[str] = []
        self.raw_header: list[str] = []

    def _open(self) -> tuple[Any, Any]:
        f = open(self.path, newline="", encoding="utf-8-sig")  # noqa: SIM115 - closed below
        try:
            first = f.readline()
            f.seek(0)
        except UnicodeDecodeError as exc:
            f.close()
            raise ImportProblem("not UTF-8 text", path=self.path) from exc
        delim = max((",", ";", "\t"), key=first.count)
        return f, csv.reader(f, delimiter=delim)

    def read_header(self) -> list[str]:
        """The normalised column names (reads only the first line)."""
        f, reader = self._open()
        with f:
            try:
                row: list[str] = next(reader, [])
            except (csv.Error, UnicodeDecodeError) as exc:
                raise ImportProblem(f"not a CSV file ({exc})", path=self.path, line=1) from exc
        self.raw_header = row
        self.header = [normalise_header(h) for h in row]
        return self.header

    def objects(self) -> Iterator[dict[str, Any]]:
        """The rows (the same interface as :meth:`JsonRecords.objects`)."""
        return iter(self)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        size = max(os.path.getsize(self.path), 1)
        f, reader = self._open()
        with f:
            try:
                self.raw_header = next(reader, [])
                self.header = [normalise_header(h) for h in self.raw_header]
                if not any(self.header):
                    raise ImportProblem("the file is empty", path=self.path)
                width = len(self.header)
                prev_end = reader.line_num
                for row in reader:
                    start, prev_end = prev_end + 1, reader.line_num
                    if not any(cell.strip() for cell in row):
                        continue
                    self.record += 1
                    self.line = start
                    if len(row) > width:
                        raise ImportProblem(f"{len(row)} cells but the header names {width}",
                                            path=self.path, record=self.record, line=start)
                    if self.record % 5000 == 0:
                        if self._cancelled is not None and self._cancelled():
                            raise Cancelled()
                        if self._progress is not None:
                            self._progress(min(f.buffer.tell() / size, 1.0),
                                           f"Reading {os.path.basename(self.path)}")
                    yield {h: (c if c.strip() else None) for h, c in zip(self.header, row,
                                                                           strict=False)}
            except (csv.Error, UnicodeDecodeError) as exc:
                raise ImportProblem(f"not a readable CSV file ({exc})", path=self.path,
                                    line=reader.line_num) from exc


# -- from decoded records to typed columns ------------------------------------------------

_SHA = re.compile(r"[0-9a-fA-F]{7,64}")


class Columns:
    """Typed columns built from raw values collected record by record.

    The importers append raw field values to plain lists while they read (the cheapest thing
    to do per record) and convert each list once, here. A value of the wrong type raises an
    :class:`ImportProblem` naming the file, the record, its line and the field.

    Parameters
    ----------
    path
        The file, for messages.
    records, lines
        Record number and line of each collected row (same length as every column).
    """

    def __init__(self, path: str, records: list[int], lines: list[int]) -> None:
        self.path = path
        self.records = records
        self.lines = lines

    def __len__(self) -> int:
        return len(self.records)

    def problem(self, pos: int, field: str, message: str) -> ImportProblem:
        """An :class:`ImportProblem` located at row ``pos``."""
        return ImportProblem(message, path=self.path, record=self.records[pos],
                             line=self.lines[pos], field=field)

    def _first_bad(self, ok: list[bool], values: list[Any], field: str, what: str) -> None:
        if not all(ok):
            pos = ok.index(False)
            raise self.problem(pos, field, f"{what} ({shown(values[pos])})")

    def ident(self, values: list[Any], field: str, *, required: bool = True,
              prefix: str = "") -> list[str | None]:
        """Identifiers: strings or integers, as text (``prefix`` prepended)."""
        ok = [(type(v) is str and v != "") or (type(v) is int)
              or (v is None and not required) for v in values]
        if not all(ok):
            pos = ok.index(False)
            if values[pos] is None or values[pos] == "":
                raise self.problem(pos, field, "missing identifier")
            self._first_bad(ok, values, field, "not an identifier")
        return [None if v is None else f"{prefix}{v}" for v in values]

    def text(self, values: list[Any], field: str) -> list[str | None]:
        """Optional strings; numbers are accepted and written as text."""
        ok = [v is None or type(v) in (str, int, float) for v in values]
        self._first_bad(ok, values, field, "not text")
        return [None if v is None or v == "" else str(v) for v in values]

    def sha(self, values: list[Any], field: str) -> list[str | None]:
        """Optional commit shas (7 to 64 hex digits), lower-case."""
        ok = [v is None or v == "" or (type(v) is str and _SHA.fullmatch(v.strip()) is not None)
              for v in values]
        self._first_bad(ok, values, field, "not a commit sha")
        return [None if not v else v.strip().lower() for v in values]

    def integer(self, values: list[Any], field: str) -> pd.array:
        """Optional integers (digit strings accepted) as ``Int64``; beyond ±2⁶³ is an error."""
        out: list[int | None] = []
        for pos, v in enumerate(values):
            if v is None or v == "":
                out.append(None)
                continue
            if type(v) is int:
                n = v
            elif type(v) is float and math.isfinite(v) and v.is_integer():
                n = int(v)
            elif type(v) is str and v.strip().lstrip("-").isdigit() \
                    and v.strip().isascii() and len(v.strip()) <= _MAX_DIGITS:
                n = int(v)
            else:
                raise self.problem(pos, field, f"not an integer ({shown(v)})")
            if not -_INT64_MAX <= n <= _INT64_MAX:
                raise self.problem(pos, field, f"integer out of range ({shown(v)})")
            out.append(n)
        return pd.array(out, dtype="Int64")

    def number(self, values: list[Any], field: str, *, limit: float = 1e15) -> np.ndarray:
        """Optional numbers (numeric strings accepted) as ``float64`` (missing → NaN).

        A value that is not finite, or whose magnitude exceeds ``limit``, is an error.
        """
        out = np.full(len(values), np.nan)
        for pos, v in enumerate(values):
            if v is None or v == "":
                continue
            x: float | None = None
            if type(v) in (int, float):
                try:
                    x = float(v)
                except OverflowError:
                    raise self.problem(pos, field, f"number out of range ({shown(v)})") from None
            elif type(v) is str:
                try:
                    x = float(v)
                except ValueError:
                    x = None
            if x is None:
                raise self.problem(pos, field, f"not a number ({shown(v)})")
            if not math.isfinite(x) or abs(x) > limit:
                raise self.problem(pos, field, f"number out of range ({shown(v)})")
            out[pos] = x
        return out

    def duration(self, values: list[Any], field: str, unit: str) -> pd.Series:
        """Optional durations in ``unit`` (``"s"`` or ``"ms"``) as ``timedelta64[ns]``.

        Up to 100 years either way (a negative one is kept: the span using it is then
        excluded and counted as a data-quality problem, like any negative span).
        """
        per_year = 365.25 * 86400 * (1000 if unit == "ms" else 1)
        nums = self.number(values, field, limit=100 * per_year)
        return pd.to_timedelta(pd.Series(nums), unit=unit)

    def times(self, values: list[Any], field: str, *, default_tz: str | None,
              tz: Any = None, epoch_unit: str | None = None) -> pd.Series:
        """Timestamps → ``datetime64[ns, UTC]`` (see :func:`~vsm_app.ingest.timestamps.to_utc`)."""
        from vsm_app.ingest.timestamps import to_utc

        return to_utc(values, field=field, default_tz=default_tz, tz=tz, epoch_unit=epoch_unit,
                      path=self.path, records=self.records, lines=self.lines)


def frame_of(data: dict[str, Any], columns: dict[str, str]) -> pd.DataFrame:
    """A frame with exactly ``columns`` in their dtypes (missing ones empty, scalars repeated)."""
    n = max((len(v) for v in data.values() if not isinstance(v, str)), default=0)
    out: dict[str, Any] = {}
    for col, dtype in columns.items():
        v = data.get(col)
        if isinstance(v, str):
            v = [v] * n
        if v is None:
            if dtype == "bool":
                out[col] = np.zeros(n, dtype=bool)
            elif dtype == "object":
                out[col] = pd.Series([None] * n, dtype="object")
            elif dtype == UTC_NS:
                out[col] = pd.Series(pd.NaT, index=range(n), dtype=UTC_NS)
            else:
                out[col] = pd.Series(pd.NA, index=range(n), dtype=dtype)
        elif dtype == "object":
            out[col] = pd.Series(v, dtype="object")
        else:
            out[col] = pd.Series(v).astype(dtype)
    return pd.DataFrame(out)


def dig(rec: Any, *keys: str) -> Any:
    """``rec[k1][k2]...`` or ``None`` when any level is missing or not an object."""
    for k in keys:
        if not isinstance(rec, dict):
            return None
        rec = rec.get(k)
    return rec


def obj(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty dict."""
    return value if isinstance(value, dict) else {}
