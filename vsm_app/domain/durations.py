"""The one duration parser and formatter of the project.

Accepted input: ``45s``, ``10 min``, ``2h``, ``1.5d``, ``1d 4h``, ``3 days``, ``1 week``,
``1h30m``, a bare number (seconds). A decimal comma reads like a decimal point (``0,5d`` is
half a day, ``1,5 h`` an hour and a half): durations have no thousands separator. Units are case-insensitive. A *day* is the map's day
length (24 h for calendar time, e.g. 8 h for working days) and a *week* is 7 calendar days
or 5 working days (see docs/metrics.md). Durations are returned in seconds (float).
"""

from __future__ import annotations

import math
import re

CALENDAR_DAY_S = 86_400.0


class DurationError(ValueError):
    """A text that is not a duration; the message says what was expected."""


_UNITS: dict[str, str] = {}
for _unit, _names in {
    "s": ("s", "sec", "secs", "second", "seconds"),
    "min": ("m", "min", "mins", "minute", "minutes"),
    "h": ("h", "hr", "hrs", "hour", "hours"),
    "d": ("d", "day", "days"),
    "w": ("w", "wk", "wks", "week", "weeks"),
}.items():
    for _n in _names:
        _UNITS[_n] = _unit

_TOKEN = re.compile(r"\s*(\d+(?:[.,]\d+)?|[.,]\d+)\s*([a-zA-Z]+)?\s*,?")
_EXPECTED = "expected a duration such as 45s, 10 min, 2h, 1.5d, 1d 4h, 3 days or 1 week"


def unit_seconds(day_length_s: float = CALENDAR_DAY_S) -> dict[str, float]:
    """Seconds in each unit, for a given day length."""
    working = not math.isclose(day_length_s, CALENDAR_DAY_S)
    return {
        "s": 1.0,
        "min": 60.0,
        "h": 3600.0,
        "d": float(day_length_s),
        "w": float(day_length_s) * (5.0 if working else 7.0),
    }


def parse_duration(text: str | float | int, day_length_s: float = CALENDAR_DAY_S) -> float:
    """Parse ``text`` into seconds.

    Raises
    ------
    DurationError
        If ``text`` is empty, negative, or not made of ``<number><unit>`` parts.
    """
    if isinstance(text, bool):
        raise DurationError(f"{text!r}: {_EXPECTED}")
    if isinstance(text, int | float):
        if not math.isfinite(text) or text < 0:
            raise DurationError(f"{text!r}: a duration must be a finite number ≥ 0")
        return float(text)
    if not isinstance(text, str):
        raise DurationError(f"{text!r}: {_EXPECTED}")
    s = text.strip()
    if not s:
        raise DurationError(f"empty text: {_EXPECTED}")
    if s.startswith("-"):
        raise DurationError(f"{text!r}: a duration cannot be negative")
    units = unit_seconds(day_length_s)
    total = 0.0
    pos = 0
    parts = 0
    bare = False
    while pos < len(s):
        m = _TOKEN.match(s, pos)
        if not m or m.end() == pos:
            raise DurationError(f"{text!r}: {_EXPECTED}")
        number, unit = m.group(1), m.group(2)
        if unit is None:
            bare = True
            factor = 1.0
        else:
            key = _UNITS.get(unit.lower())
            if key is None:
                raise DurationError(f"{text!r}: unknown unit {unit!r}; {_EXPECTED}")
            factor = units[key]
        total += float(number.replace(",", ".")) * factor
        parts += 1
        pos = m.end()
    if bare and parts > 1:
        raise DurationError(f"{text!r}: every part needs a unit; {_EXPECTED}")
    if not math.isfinite(total):
        raise DurationError(f"{text!r}: too large")
    return total


def _fmt_number(x: float) -> str:
    r = round(x, 3)
    if r == int(r):
        return str(int(r))
    return f"{r:.3f}".rstrip("0").rstrip(".")


def format_duration(
    seconds: float | None,
    day_length_s: float = CALENDAR_DAY_S,
    *,
    precise: bool = False,
    max_parts: int = 2,
) -> str:
    """Format seconds for people.

    ``precise=True`` writes every unit down to seconds (``1d 4h 0min 12s`` style, zero parts
    left out) so that :func:`parse_duration` gives back exactly the same number of seconds
    (to the millisecond). Otherwise at most ``max_parts`` units are shown, the last one
    rounded (``2d 3h``, ``7.5 min``, ``45s``).
    """
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "—"
    if seconds < 0:
        return "-" + format_duration(-seconds, day_length_s, precise=precise, max_parts=max_parts)
    units = unit_seconds(day_length_s)
    # weeks are only used for calendar time, where a week is unambiguous
    order = ["d", "h", "min", "s"]
    if seconds == 0:
        return "0s"
    if precise:
        rest = round(float(seconds), 3)
        out: list[str] = []
        for u in order:
            size = units[u]
            if u == "s":
                if rest > 0:
                    out.append(f"{_fmt_number(rest)}s")
                break
            n = math.floor(rest / size + 1e-9)
            if n > 0:
                out.append(f"{n}{u if u != 'min' else 'min'}")
                rest = round(rest - n * size, 3)
        return " ".join(out) if out else "0s"
    # human form: the largest unit that fits (whole), then the next smaller unit that has
    # something left, rounded to a whole number ("2d 23h", "1h 5 min"), at most max_parts
    if round(seconds, 1) < 60:
        return f"{_fmt_number(round(seconds, 1))}s"
    if round(seconds / 60, 1) < 60:
        return f"{_fmt_number(round(seconds / 60, 1))} min"
    seconds = max(seconds, 3600.0)
    names = {"d": "d", "h": "h", "min": " min", "s": "s"}
    sizes = [(u, units[u]) for u in order]
    first = next(i for i, (_, size) in enumerate(sizes) if seconds >= size)
    if max_parts <= 1 or first == len(sizes) - 1:
        u, size = sizes[first]
        return f"{_fmt_number(round(seconds / size, 1))}{names[u]}"
    u1, size1 = sizes[first]
    u2, size2 = sizes[first + 1]
    total = math.floor(seconds / size2 + 0.5) * size2  # rounded to the smaller unit
    if first > 0 and total >= sizes[first - 1][1]:
        return format_duration(total, day_length_s, max_parts=max_parts)  # carried up
    n1 = math.floor(total / size1 + 1e-9)
    n2 = round((total - n1 * size1) / size2)
    return f"{n1}{names[u1]} {n2}{names[u2]}" if n2 else f"{n1}{names[u1]}"
