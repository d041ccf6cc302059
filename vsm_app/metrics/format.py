"""How a number reads for people: one module for every screen, export, report and the text
the command line prints (Qt-free). JSON and CSV are never formatted: they carry raw values.

One rule per kind of value, so the same value reads the same everywhere
(docs/metrics.md §16):

==============  ===========================================================================
duration        :func:`vsm_app.domain.durations.format_duration`, at most two units, the
                second rounded: ``23h 13 min``, ``2d 23h``, ``7.5 min``, ``45s``
percent         a fraction as a percentage with the metric's decimals (the same value always
                reads the same: ``10.3 %``, ``50.0 %`` for a rate, ``43 %`` for a share)
per week        ``2.4 / week``; days per week ``2.3 days / week``; per day ``0.45 / day``
count           whole, grouped: ``1,456``; with its noun: ``1,456 changes``, ``1 change``
number          the metric's decimals, grouped: ``9.2``, ``1,250``
date            ``7 Nov 2024``; a range ``7 Nov 2024 – 30 Oct 2026``; with a time
                ``7 Nov 2024 14:03`` (UTC)
missing         an em dash ``—`` (a value that cannot be computed is never shown as 0)
==============  ===========================================================================

The **locale hook** is :class:`NumberLocale`: the decimal mark, the group separator and the
month abbreviations. :data:`PLAIN` (``1,456.5``, English months) is the default and what the
command line prints whatever the environment's locale, so scripts read the same text
everywhere; the desktop app installs one built from ``QLocale`` at start
(``vsm_app.ui.locale``) with :func:`use_locale`. Unit words (``d``, ``h``, ``min``,
``week``) are the product's English.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from ..domain.durations import CALENDAR_DAY_S, format_duration
from ..domain.numbers import finite
from .catalogue import Direction, Format, Metric, metric

DASH = "—"
MINUS = "−"

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
           "Dec")


@dataclass(frozen=True)
class NumberLocale:
    """What formatting needs of a locale (the hook the app fills from ``QLocale``)."""

    decimal: str = "."
    group: str = ","
    months: tuple[str, ...] = _MONTHS
    name: str = "plain"

    def __post_init__(self) -> None:
        if len(self.months) != 12:
            raise ValueError("months: twelve abbreviations, January first")
        if not self.decimal or self.decimal == self.group:
            raise ValueError("decimal: a mark other than the group separator")


#: the product's plain style: the command line's text, tests, and the app on a C locale
PLAIN = NumberLocale()

_current: list[NumberLocale] = [PLAIN]


def use_locale(loc: NumberLocale) -> None:
    """Make ``loc`` the locale of every formatting call that names none (the app does this
    once at start)."""
    _current[0] = loc


def current_locale() -> NumberLocale:
    return _current[0]


@contextmanager
def locale_scope(loc: NumberLocale) -> Iterator[NumberLocale]:
    """``loc`` for the calls inside the ``with`` block (tests, a report in another style)."""
    before = _current[0]
    _current[0] = loc
    try:
        yield loc
    finally:
        _current[0] = before


def _loc(loc: NumberLocale | None) -> NumberLocale:
    return loc if loc is not None else _current[0]


def _localise(text: str, loc: NumberLocale) -> str:
    """Python's ``1,234.5`` in the locale's marks."""
    if loc.decimal == "." and loc.group == ",":
        return text
    return text.replace(",", "\0").replace(".", loc.decimal).replace("\0", loc.group)


# -- plain numbers ---------------------------------------------------------------------------

def number(value: Any, decimals: int = 1, *, loc: NumberLocale | None = None,
           grouped: bool = True, trim: bool = False) -> str:
    """``value`` with ``decimals`` decimals (``trim=True`` drops trailing zeros), grouped."""
    v = finite(value)
    if v is None:
        return DASH
    text = f"{v:,.{max(0, decimals)}f}" if grouped else f"{v:.{max(0, decimals)}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", "-0.0"):
        text = "0"
    if text.startswith("-"):
        text = MINUS + text[1:]
    return _localise(text, _loc(loc))


def count(value: Any, noun: str = "", *, loc: NumberLocale | None = None) -> str:
    """A whole number, grouped; with ``noun`` (plural) after it: ``1,456 changes``,
    ``1 change``."""
    v = finite(value)
    if v is None:
        return DASH
    n = int(round(v))
    text = _localise(f"{n:,}", _loc(loc)).replace("-", MINUS)
    if not noun:
        return text
    return f"{text} {singular(noun) if n == 1 else noun}"


def singular(noun: str) -> str:
    """``changes`` → ``change`` (the nouns the product counts)."""
    irregular = {"deploy runs": "deploy run", "stage-kinds": "stage-kind",
                 "days": "day", "weeks": "week"}
    if noun in irregular:
        return irregular[noun]
    if noun.endswith("ies"):
        return noun[:-3] + "y"
    return noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun


def percent(fraction: Any, decimals: int = 1, *, loc: NumberLocale | None = None) -> str:
    """A fraction as a percentage: ``0.103`` → ``10.3 %``, ``0.5`` → ``50.0 %``."""
    v = finite(fraction)
    if v is None:
        return DASH
    return f"{number(v * 100.0, decimals, loc=loc)} %"


def duration(seconds: Any, day_length_s: float = CALENDAR_DAY_S, *,
             loc: NumberLocale | None = None) -> str:
    """``23h 13 min``: the one duration format (see the module docstring)."""
    v = finite(seconds)
    if v is None:
        return DASH
    text = format_duration(v, day_length_s)
    if text.startswith("-"):
        text = MINUS + text[1:]
    lo = _loc(loc)
    return text.replace(".", lo.decimal) if lo.decimal != "." else text


def per_week(value: Any, decimals: int = 1, *, loc: NumberLocale | None = None) -> str:
    v = finite(value)
    return DASH if v is None else f"{number(v, decimals, loc=loc)} / week"


def days_per_week(value: Any, decimals: int = 1, *, loc: NumberLocale | None = None) -> str:
    v = finite(value)
    return DASH if v is None else f"{number(v, decimals, loc=loc)} days / week"


def per_day(value: Any, decimals: int = 2, *, loc: NumberLocale | None = None) -> str:
    v = finite(value)
    return DASH if v is None else f"{number(v, decimals, loc=loc)} / day"


# -- dates -------------------------------------------------------------------------------------

def _as_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    import pandas as pd

    if isinstance(value, int | float) and not isinstance(value, bool):
        ts = pd.Timestamp(int(value), unit="ns", tz="UTC")  # UTC nanoseconds
    else:
        ts = pd.Timestamp(value)
    if ts is pd.NaT:
        return None
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC")
    return ts.date()


def date_text(value: Any, *, loc: NumberLocale | None = None) -> str:
    """``7 Nov 2024`` (a date, a timestamp, ISO text, or UTC nanoseconds)."""
    d = _as_date(value)
    if d is None:
        return DASH
    return f"{d.day} {_loc(loc).months[d.month - 1]} {d.year}"


def month_abbr(month: int, *, loc: NumberLocale | None = None) -> str:
    """``Nov`` (the locale's abbreviation of month 1..12)."""
    return _loc(loc).months[month - 1]


def day_month(value: Any, *, loc: NumberLocale | None = None) -> str:
    """``7 Nov`` (a date axis' tick)."""
    d = _as_date(value)
    return DASH if d is None else f"{d.day} {month_abbr(d.month, loc=loc)}"


def date_range(first: Any, last: Any, *, loc: NumberLocale | None = None) -> str:
    """``7 Nov 2024 – 30 Oct 2026`` (both days included); one day reads as one date."""
    a, b = _as_date(first), _as_date(last)
    if a is None or b is None:
        return DASH
    if b <= a:
        return date_text(a, loc=loc)
    return f"{date_text(a, loc=loc)} – {date_text(b, loc=loc)}"


def window(start: Any, end: Any, *, loc: NumberLocale | None = None) -> str:
    """The half-open window ``[start, end)`` as the days it covers: an ``end`` at midnight
    is the day before's end."""
    import pandas as pd

    if start is None or end is None:
        return DASH
    s = pd.Timestamp(int(start), unit="ns", tz="UTC") if isinstance(start, int) \
        else pd.Timestamp(start)
    e = pd.Timestamp(int(end), unit="ns", tz="UTC") if isinstance(end, int) \
        else pd.Timestamp(end)
    last = e - pd.Timedelta(days=1) if e == e.normalize() else e
    return date_range(s, last, loc=loc)


def date_time(value: Any, *, loc: NumberLocale | None = None) -> str:
    """``7 Nov 2024 14:03`` (the time as given; UTC for the product's own stamps)."""
    if value is None:
        return DASH
    import pandas as pd

    ts = pd.Timestamp(value)
    if ts is pd.NaT:
        return DASH
    return f"{date_text(ts.date(), loc=loc)} {ts.hour:02d}:{ts.minute:02d}"


# -- metrics of the catalogue ---------------------------------------------------------------------

def _metric(m: Metric | str) -> Metric:
    return m if isinstance(m, Metric) else metric(m)


def value(m: Metric | str, v: Any, *, day_length_s: float = CALENDAR_DAY_S,
          loc: NumberLocale | None = None, with_noun: bool = False) -> str:
    """A metric's value as people read it (its catalogue format and decimals)."""
    spec = _metric(m)
    return as_format(spec.format, v, spec.decimals, noun=spec.noun if with_noun else "",
                     day_length_s=day_length_s, loc=loc)


def as_format(kind: Format | str, v: Any, decimals: int = 1, *, noun: str = "",
              day_length_s: float = CALENDAR_DAY_S, loc: NumberLocale | None = None) -> str:
    """A value in a format of the catalogue (for a chart's unit, where no one metric is
    drawn); ``noun`` follows counts and numbers."""
    f = Format(kind)
    if f is Format.DURATION:
        return duration(v, day_length_s, loc=loc)
    if f is Format.PERCENT:
        return percent(v, decimals, loc=loc)
    if f is Format.PER_WEEK:
        return per_week(v, decimals, loc=loc)
    if f is Format.DAYS_PER_WEEK:
        return days_per_week(v, decimals, loc=loc)
    if f is Format.PER_DAY:
        return per_day(v, decimals, loc=loc)
    if f is Format.COUNT:
        return count(v, noun, loc=loc)
    if f is Format.DATE:
        return date_text(v, loc=loc)
    text = number(v, decimals, loc=loc)
    return f"{text} {noun}" if noun and text != DASH else text


def delta(m: Metric | str, d: Any, *, day_length_s: float = CALENDAR_DAY_S,
          loc: NumberLocale | None = None) -> str:
    """A change of a metric with its sign: ``+22h``, ``−2.9 pp``, ``+0.6 / week``, ``±0``."""
    spec = _metric(m)
    v = finite(d)
    if v is None:
        return DASH
    sign = "+" if v > 0 else MINUS if v < 0 else "±"
    a = abs(v)
    if spec.format is Format.PERCENT:
        return f"{sign}{number(a * 100.0, spec.decimals, loc=loc)} pp"
    shown = value(spec, a, day_length_s=day_length_s, loc=loc)
    if v != 0 and spec.format in (Format.PER_WEEK, Format.DAYS_PER_WEEK, Format.PER_DAY,
                                  Format.NUMBER, Format.SCORE):
        # a change too small for the metric's decimals still shows its size
        places = next((d for d in range(spec.decimals, spec.decimals + 4) if round(a, d)),
                      spec.decimals)
        if places != spec.decimals:
            shown = value(replace(spec, decimals=places), a, day_length_s=day_length_s,
                          loc=loc)
    return f"{sign}{shown}"


def correlation(rho: Any, *, loc: NumberLocale | None = None) -> str:
    """A rank correlation with its sign and two decimals: ``+0.45``, ``−0.12``."""
    v = finite(rho)
    if v is None:
        return DASH
    return ("+" if v >= 0 else MINUS) + number(abs(v), 2, loc=loc, trim=False)


def signed_duration(seconds: Any, *, day_length_s: float = CALENDAR_DAY_S,
                    loc: NumberLocale | None = None) -> str:
    """A duration change: ``+1d 23h``, ``−14h 24 min``, ``0s``."""
    v = finite(seconds)
    if v is None:
        return DASH
    if v == 0:
        return duration(0.0, day_length_s, loc=loc)
    return ("+" if v > 0 else MINUS) + duration(abs(v), day_length_s, loc=loc)


def direction_word(direction: Direction) -> str:
    return {"higher": "higher is better", "lower": "lower is better"}.get(direction.value, "")


def tooltip(m: Metric | str, band_year: int | None = None, *,
            loc: NumberLocale | None = None) -> str:
    """The metric's definition, which way is better, and its band thresholds (if any)."""
    spec = _metric(m)
    lines = [f"{spec.name}: {spec.definition}"]
    if spec.direction is not Direction.NEITHER:
        lines.append(direction_word(spec.direction).capitalize() + ".")
    if spec.band is not None and band_year is not None:
        bands = band_thresholds(spec, band_year, loc=loc)
        if bands:
            lines.append(f"DORA {band_year} bands: " + "; ".join(bands) + ".")
    return "\n".join(lines)


def band_thresholds(m: Metric | str, year: int, *, loc: NumberLocale | None = None
                    ) -> list[str]:
    """``["Elite < 1d", "High ≤ 7d", …, "Low: the rest"]`` from the band data file."""
    from .bands import band_table

    spec = _metric(m)
    if spec.band is None:
        return []
    try:
        table = band_table(spec.band, year)
    except KeyError:
        return []
    higher = table["direction"] == "higher_is_better"
    out = []
    for b in table["bands"]:
        name = str(b["band"]).capitalize()
        bound = b["bound"]
        if bound is None:
            out.append(f"{name}: the rest")
            continue
        op = (">" if higher else "<") if not b["inclusive"] else ("≥" if higher else "≤")
        out.append(f"{name} {op} {value(spec, float(bound), loc=loc)}")
    return out
