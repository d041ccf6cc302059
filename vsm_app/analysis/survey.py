"""SPACE pulse: a short team survey per period, kept as team aggregates only.

A CSV of anonymous responses — one row per response, columns ``period``, ``satisfaction``,
``performance``, ``collaboration``, ``efficiency`` (each 1–5, blank = not answered) and an
optional ``comment`` — becomes one :class:`~vsm_app.domain.improvement.SurveyRound` per
period: the number of responses, the mean of each dimension and the comments, in no
particular order. Header names are case-insensitive (the long names
``satisfaction_wellbeing``, ``communication_collaboration``, ``efficiency_flow`` work too).

Minimum group size: a period with fewer than :data:`MIN_GROUP_SIZE` (3) responses keeps only
its count — no means and no comments — so nobody's answer can be read back; a dimension
answered by fewer than 3 people in a period has no mean. A response is a row with at least one
answer (a score or a comment). Columns such as ``name``, ``email`` or ``respondent`` are ignored
and never stored, with a warning; so is every other unknown column.
"""

from __future__ import annotations

import csv
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from vsm_app.domain.improvement import (
    AI_CAPABILITIES,
    MIN_GROUP_SIZE,
    SPACE_DIMENSIONS,
    AiCapabilityCheck,
    SurveyRound,
    period_bounds,
)

__all__ = [
    "MIN_GROUP_SIZE", "SurveyCsvError", "SurveyImport", "SurveyImportWarning",
    "aggregate_responses", "ai_check_frame", "import_survey_csv", "merge_rounds",
    "read_survey_csv", "survey_frame", "visible_rounds",
]

#: normalised header → canonical column
COLUMN_ALIASES: dict[str, str] = {
    "period": "period",
    "satisfaction": "satisfaction_wellbeing",
    "satisfaction_wellbeing": "satisfaction_wellbeing",
    "satisfaction_and_wellbeing": "satisfaction_wellbeing",
    "performance": "performance",
    "collaboration": "communication_collaboration",
    "communication_collaboration": "communication_collaboration",
    "communication_and_collaboration": "communication_collaboration",
    "efficiency": "efficiency_flow",
    "efficiency_flow": "efficiency_flow",
    "efficiency_and_flow": "efficiency_flow",
    "comment": "comment",
    "comments": "comment",
}
#: the short header name of each dimension, used in messages
SHORT_NAMES: dict[str, str] = {
    "satisfaction_wellbeing": "satisfaction",
    "performance": "performance",
    "communication_collaboration": "collaboration",
    "efficiency_flow": "efficiency",
}
#: normalised headers that name a person; dropped with a pointed warning
IDENTITY_COLUMNS = frozenset({
    "respondent", "respondent_id", "name", "full_name", "first_name", "last_name", "email",
    "e_mail", "mail", "author", "user", "username", "user_name", "login", "employee",
    "employee_id", "person",
})


class SurveyCsvError(ValueError):
    """A survey CSV that cannot be read; the message names the file, line and column."""

    def __init__(self, path: str | Path, line: int | None, column: str | None,
                 problem: str) -> None:
        where = str(path)
        if line is not None:
            where += f": line {line}"
        if column is not None:
            where += f", column {column!r}" if line is not None else f": column {column!r}"
        super().__init__(f"{where}: {problem}")
        self.path, self.line, self.column, self.problem = str(path), line, column, problem


class SurveyImportWarning(UserWarning):
    """Something in a survey CSV was ignored (an identity or unknown column, empty rows)."""


@dataclass
class SurveyImport:
    """What :func:`read_survey_csv` found."""

    rounds: list[SurveyRound]
    warnings: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def hidden_periods(self) -> list[str]:
        """Periods with too few responses to show anything."""
        return [r.period for r in self.rounds if not r.visible]


def _normalise(header: str) -> str:
    return re.sub(r"[\s\-&/]+", "_", header.strip().lower()).strip("_")


def _read_rows(path: Path) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, rows and each row's first line number (records may span lines)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise SurveyCsvError(path, None, None, f"not UTF-8 text ({e.reason})") from None
    except OSError as e:
        raise SurveyCsvError(path, None, None, f"cannot read the file: {e.strerror}") from None
    if not text.strip():
        raise SurveyCsvError(path, 1, None, "the file is empty; expected a header row")
    first_line = text.splitlines()[0]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(first_line, ",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(text.splitlines(keepends=True), dialect)
    rows: list[list[str]] = []
    lines: list[int] = []
    header: list[str] | None = None
    prev_end = 0
    try:
        for rec in reader:
            start = prev_end + 1
            prev_end = reader.line_num
            if not any(f.strip() for f in rec):
                continue
            if header is None:
                header = rec
                continue
            rows.append(rec)
            lines.append(start)
    except csv.Error as e:
        raise SurveyCsvError(path, reader.line_num, None, f"malformed CSV: {e}") from None
    assert header is not None  # the text is not blank, so some record has content
    return header, rows, lines


def read_survey_csv(path: str | Path) -> SurveyImport:
    """Read a CSV of anonymous SPACE pulse responses into team aggregates per period.

    Raises
    ------
    SurveyCsvError
        On a missing or repeated column, a row with more fields than the header, a period
        that is no period label, or a score that is not a number from 1 to 5.
    """
    p = Path(path)
    header, rows, lines = _read_rows(p)
    notes: list[str] = []
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for i, h in enumerate(header):
        key = COLUMN_ALIASES.get(_normalise(h))
        if key is None:
            ignored.append(h.strip())
            continue
        if key in columns:
            raise SurveyCsvError(p, 1, h.strip(), "the column appears twice")
        columns[key] = i
    for need in ("period", *SPACE_DIMENSIONS):
        if need not in columns:
            raise SurveyCsvError(p, 1, SHORT_NAMES.get(need, need),
                                 "missing column (expected period, satisfaction, performance, "
                                 "collaboration, efficiency and optionally comment)")
    identities = [h for h in ignored if _normalise(h) in IDENTITY_COLUMNS]
    if identities:
        notes.append(f"{p.name}: column(s) {', '.join(repr(h) for h in identities)} identify "
                     "people; ignored and never stored (the pulse is anonymous)")
    others = [h for h in ignored if h not in identities]
    if others:
        notes.append(f"{p.name}: unknown column(s) {', '.join(repr(h) for h in others)} "
                     "ignored and not stored")
    width = len(header)
    for rec, line in zip(rows, lines, strict=True):
        if len(rec) > width:
            raise SurveyCsvError(p, line, None,
                                 f"{len(rec)} fields, but the header has {width}")
    padded = [rec + [""] * (width - len(rec)) for rec in rows]
    raw = pd.DataFrame(padded, columns=range(width), dtype="string") if padded else \
        pd.DataFrame({i: pd.Series(dtype="string") for i in range(width)})
    line_no = np.asarray(lines, dtype=np.int64)

    period = raw[columns["period"]].str.strip()
    blank_period = (period.fillna("") == "").to_numpy(dtype=bool)
    if blank_period.any():
        raise SurveyCsvError(p, int(line_no[blank_period][0]), header[columns["period"]].strip(),
                             "the period is empty")
    bad_labels = {lab for lab in period.unique() if not _is_period(str(lab))}
    if bad_labels:
        k = int(np.flatnonzero(period.isin(bad_labels).to_numpy(dtype=bool))[0])
        raise SurveyCsvError(p, int(line_no[k]), header[columns["period"]].strip(),
                             f"{period.iloc[k]!r} is not a period (expected 2025-W07, 2025-02, "
                             "2025-Q1 or 2025-02-14)")

    data = pd.DataFrame({"period": period})
    problems: list[tuple[int, int, str, str]] = []  # (row, column order, column, message)
    for order, dim in enumerate(SPACE_DIMENSIONS):
        text = raw[columns[dim]].str.strip().fillna("")
        value = pd.to_numeric(text.where(text != ""), errors="coerce").astype("float64")
        not_number = (text != "") & value.isna()
        out_of_range = value.notna() & ~value.between(1.0, 5.0)
        for mask, what in ((not_number, "is not a number"), (out_of_range, "is outside 1–5")):
            hit = np.flatnonzero(mask.to_numpy(dtype=bool))
            if hit.size:
                k = int(hit[0])
                problems.append((k, order, header[columns[dim]].strip(),
                                 f"{text.iloc[k]!r} {what}"))
        data[dim] = value
    if problems:
        k, _, col, msg = min(problems)
        raise SurveyCsvError(p, int(line_no[k]), col, msg)
    if "comment" in columns:
        data["comment"] = raw[columns["comment"]].str.strip().fillna("")
    else:
        data["comment"] = pd.Series("", index=data.index, dtype="string")

    answered = data[list(SPACE_DIMENSIONS)].notna().any(axis=1) | (data["comment"] != "")
    if (~answered).any():
        notes.append(f"{p.name}: {int((~answered).sum())} row(s) without any answer ignored")
    rounds = aggregate_responses(data[answered])
    small = [r.period for r in rounds if not r.visible]
    if small:
        notes.append(f"{p.name}: period(s) {', '.join(small)} have fewer than "
                     f"{MIN_GROUP_SIZE} responses; only their count is kept")
    return SurveyImport(rounds, notes, ignored)


def _is_period(label: str) -> bool:
    try:
        period_bounds(label)
    except ValueError:
        return False
    return True


def import_survey_csv(path: str | Path) -> list[SurveyRound]:
    """:func:`read_survey_csv`, its notes issued as :class:`SurveyImportWarning`."""
    result = read_survey_csv(path)
    for note in result.warnings:
        warnings.warn(note, SurveyImportWarning, stacklevel=2)
    return result.rounds


def aggregate_responses(responses: pd.DataFrame) -> list[SurveyRound]:
    """Team rounds from anonymous responses, in period order.

    ``responses`` has ``period``, the four :data:`SPACE_DIMENSIONS` (float, NaN = not
    answered) and optionally ``comment``; every row counts as one response.
    """
    if responses.empty:
        return []
    dims = list(SPACE_DIMENSIONS)
    g = responses.groupby("period", sort=False)
    n = g.size()
    means = g[dims].mean()
    counts = g[dims].count()
    means = means.where(counts >= MIN_GROUP_SIZE)
    if "comment" in responses.columns:
        text = responses["comment"].astype("string").str.strip().fillna("")
        comments = text[text != ""].groupby(responses["period"][text != ""]).agg(sorted)
    else:
        comments = pd.Series(dtype=object)
    rounds: list[SurveyRound] = []
    for period, count in n.items():  # one iteration per period, not per response
        label = str(period)
        if count < MIN_GROUP_SIZE:
            rounds.append(SurveyRound(label, int(count)))
            continue
        row = means.loc[period]
        kept = comments.get(period)
        rounds.append(SurveyRound(
            label, int(count), comments=[str(c) for c in kept] if kept is not None else [],
            **{d: None if pd.isna(row[d]) else float(row[d]) for d in dims}))
    return sorted(rounds, key=lambda r: period_bounds(r.period))


def visible_rounds(rounds: Iterable[SurveyRound]) -> list[SurveyRound]:
    """Only the rounds with at least :data:`MIN_GROUP_SIZE` responses."""
    return [r for r in rounds if r.n_responses >= MIN_GROUP_SIZE]


def merge_rounds(existing: Iterable[SurveyRound], imported: Iterable[SurveyRound]
                 ) -> list[SurveyRound]:
    """Existing rounds with the imported ones added; an imported period replaces its old round."""
    by_period = {r.period: r for r in existing}
    by_period.update({r.period: r for r in imported})
    return sorted(by_period.values(), key=lambda r: period_bounds(r.period))


def survey_frame(rounds: Iterable[SurveyRound]) -> pd.DataFrame:
    """Visible rounds as a frame to plot beside the DORA trends.

    Columns: ``period``, ``period_start`` (UTC timestamp), ``n_responses`` and one column per
    SPACE dimension (NaN where hidden by the minimum group size).
    """
    shown = visible_rounds(rounds)
    return pd.DataFrame({
        "period": pd.Series([r.period for r in shown], dtype="string"),
        "period_start": pd.to_datetime([r.start for r in shown], utc=True),
        "n_responses": pd.Series([r.n_responses for r in shown], dtype="int64"),
        **{d: pd.Series([getattr(r, d) for r in shown], dtype="float64")
           for d in SPACE_DIMENSIONS},
    })


def ai_check_frame(checks: Iterable[AiCapabilityCheck]) -> pd.DataFrame:
    """AI capability self-assessments as a frame to plot beside batch size and change failure
    rate: ``period``, ``period_start``, the seven capabilities and their ``mean``."""
    rows = sorted(checks, key=lambda c: period_bounds(c.period))
    return pd.DataFrame({
        "period": pd.Series([c.period for c in rows], dtype="string"),
        "period_start": pd.to_datetime([c.start for c in rows], utc=True),
        **{k: pd.Series([c.scores[k] for c in rows], dtype="float64") for k in AI_CAPABILITIES},
        "mean": pd.Series([c.mean for c in rows], dtype="float64"),
    })
