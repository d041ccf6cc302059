"""``STAGES.csv`` import (DESIGN §6): one row per stage, in flow order.

Columns (header names case-insensitive; only ``name`` required): name, process_time,
wait_time, inventory, pca, people, notes — plus ``lead_time`` and ``owner``, which we also
understand. UTF-8 (with or without a BOM), UTF-16/32 with a BOM and Windows-1252 text, ``,``,
``;`` or tab separators, blank cells and extra columns (a warning) are read; bytes in no such
encoding are an encoding error, a bad value an error naming the file, line and column.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..domain.durations import CALENDAR_DAY_S, DurationError, parse_duration
from ..domain.model import Estimates, Flow, FlowKind, MapSettings, Stage, ValueStreamMap

KNOWN = ("name", "process_time", "wait_time", "inventory", "pca", "people", "notes",
         "lead_time", "owner")


class CsvError(ValueError):
    """A CSV problem: ``file:line: column "x": message``."""

    def __init__(self, path: str, line: int | None, column: str | None, message: str) -> None:
        self.path, self.line, self.column = path, line, column
        where = path
        if line is not None:
            where += f":{line}"
        col = f' column "{column}":' if column else ""
        super().__init__(f"{where}:{col} {message}")


@dataclass
class CsvResult:
    vsm_map: ValueStreamMap
    warnings: list[str] = field(default_factory=list)


def _parse_pca(text: str) -> float:
    t = text.strip()
    if t.endswith("%"):
        v = float(t[:-1].strip()) / 100.0
    else:
        v = float(t)
        if v > 1.0:  # "85" in a pca column means 85 %
            v /= 100.0
    if not math.isfinite(v) or not 0.0 <= v <= 1.0:
        raise ValueError("must be between 0 and 100 %")
    return v


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _decode(name: str, raw: bytes) -> tuple[str, str]:
    """The text of a stages CSV and, when it is not UTF-8, why (then read as Windows-1252).

    A byte-order mark decides the encoding (UTF-8, UTF-16 as Excel's "Unicode text", UTF-32);
    without one UTF-8 is tried, then Windows-1252 (Excel's "CSV" on Windows). Bytes that fit
    none, and text with control characters, are an encoding problem naming the byte.
    """
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            label = codec.replace("-sig", "").upper()
            try:
                text = raw.decode(codec)
            except UnicodeDecodeError as e:
                raise CsvError(name, None, None, f"not valid {label} text (byte {e.start + 1}) "
                                                 f"although it starts with a {label} "
                                                 f"byte-order mark") from None
            return _checked(name, text, label), ""
    if b"\x00" in raw[:4096]:
        raise CsvError(name, None, None, "not a text file in UTF-8 or Windows-1252: it holds NUL "
                                         "bytes (UTF-16 without a byte-order mark? save it as "
                                         "CSV in UTF-8)")
    try:
        return _checked(name, raw.decode("utf-8"), "UTF-8"), ""
    except UnicodeDecodeError as e:
        why = f"byte {e.start + 1} is 0x{raw[e.start]:02x}"
    try:
        return _checked(name, raw.decode("cp1252"), "Windows-1252"), why
    except UnicodeDecodeError as e:
        raise CsvError(name, None, None, f"not UTF-8 text ({why}) nor Windows-1252 (byte "
                                         f"{e.start + 1}): save it as CSV in UTF-8") from None


def _checked(name: str, text: str, label: str) -> str:
    m = _CONTROL.search(text)
    if m is not None:
        line = text.count("\n", 0, m.start()) + 1
        raise CsvError(name, line, None, f"not a text file: control character "
                                         f"U+{ord(m.group()):04X} (read as {label})")
    return text


def read_stages_csv(path: str | Path, *, map_name: str = "Current state",
                    settings: MapSettings | None = None) -> CsvResult:
    """Read a stages CSV into a map whose stages are joined by push flows in row order."""
    p = Path(path)
    name = str(p)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise CsvError(name, None, None, e.strerror or str(e)) from None
    text, fallback = _decode(name, raw)
    if not text.strip():
        raise CsvError(name, 1, None, "the file is empty; expected a header with a 'name' column")
    first = text.splitlines()[0]
    # "," unless the header holds more ";" (Excel in many locales) or tabs (Unicode text)
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as e:
        raise CsvError(name, 1, None, str(e)) from None
    cols = [h.strip().lower().replace(" ", "_").replace("%c&a", "pca") for h in header]
    if "name" not in cols:
        if fallback:  # most likely not text in the encoding it was read in
            raise CsvError(name, None, None, f"not UTF-8 text ({fallback}), and read as "
                           "Windows-1252 it has no 'name' column: save it as CSV in UTF-8")
        raise CsvError(name, 1, None, "no 'name' column (columns: " + ", ".join(KNOWN) + ")")
    dupes = {c for c in cols if c and cols.count(c) > 1}
    if dupes:
        raise CsvError(name, 1, sorted(dupes)[0], "the column appears twice")
    warnings = [f"{name}:1: column \"{header[i].strip()}\" is not used"
                for i, c in enumerate(cols) if c not in KNOWN]
    settings = settings or MapSettings()
    day = settings.day_length_s or CALENDAR_DAY_S
    m = ValueStreamMap(map_name, settings=settings)
    prev: Stage | None = None
    index = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            raise CsvError(name, reader.line_num, None, str(e)) from None
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        if len(row) > len(cols):
            extra = row[len(cols):]
            if any(c.strip() for c in extra):
                warnings.append(f"{name}:{line}: {len(extra)} cell(s) beyond the header ignored")
        cells = {c: (row[i].strip() if i < len(row) else "") for i, c in enumerate(cols)}
        stage_name = cells.get("name", "")
        if not stage_name:
            raise CsvError(name, line, "name", "a stage needs a name")
        est = Estimates()
        for col, attr in (("process_time", "process_time_s"), ("wait_time", "wait_time_s"),
                          ("lead_time", "lead_time_s")):
            v = cells.get(col, "")
            if v:
                try:
                    setattr(est, attr, parse_duration(v, day))
                except DurationError as e:
                    raise CsvError(name, line, col, str(e)) from None
        if cells.get("inventory"):
            try:
                inv = float(cells["inventory"].replace(" ", ""))
                if not math.isfinite(inv) or inv < 0:
                    raise ValueError
                est.inventory = inv
            except ValueError:
                raise CsvError(name, line, "inventory",
                               f"{cells['inventory']!r} is not a count ≥ 0") from None
        if cells.get("pca"):
            try:
                est.pca = _parse_pca(cells["pca"])
            except ValueError as e:
                msg = str(e) if "between" in str(e) else "expected a percentage like 85% or 0.85"
                raise CsvError(name, line, "pca", f"{cells['pca']!r}: {msg}") from None
        people: int | None = None
        if cells.get("people"):
            try:
                pf = float(cells["people"])
                if pf < 0 or pf != int(pf):
                    raise ValueError
                people = int(pf)
            except ValueError:
                raise CsvError(name, line, "people",
                               f"{cells['people']!r} is not a whole number ≥ 0") from None
        stage = Stage(stage_name, estimates=est, people=people, notes=cells.get("notes", ""),
                      owner=cells.get("owner", ""), x=index * 240.0, y=0.0)
        m.add_stage(stage)
        if prev is not None:
            m.add_flow(Flow(prev.id, stage.id, FlowKind.PUSH))
        prev = stage
        index += 1
    if index == 0:
        raise CsvError(name, None, None, "no stage rows below the header")
    return CsvResult(m, warnings)
