"""Time helpers shared by the analysis: UTC nanosecond arrays, periods and windows.

Timestamps are handled as ``int64`` nanoseconds since the epoch (UTC), with ``NAT`` for a
missing time, so that window changes filter plain numpy arrays. Periods are UTC days, ISO
weeks (Monday 00:00 UTC to the next Monday) or calendar months; a period is named by the
instant it starts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# the instants' helpers live in the domain: ingest needs them too (one definition)
from vsm_app.domain.finish import NAT, to_ns  # noqa: F401  (re-exported)

PERIODS: tuple[str, ...] = ("day", "week", "month")
NS_PER_S: int = 1_000_000_000
NS_PER_DAY: int = 86_400 * NS_PER_S
DAY_S: float = 86_400.0
WEEK_S: float = 7 * DAY_S
#: the average Gregorian month (365.25 / 12 days), used for "once per month" and "1 month"
MONTH_S: float = 365.25 / 12 * DAY_S


def ns_to_timestamps(ns: np.ndarray) -> pd.DatetimeIndex:
    """The inverse of :func:`to_ns`: a UTC ``DatetimeIndex`` (``NAT`` → ``NaT``)."""
    return pd.DatetimeIndex(np.asarray(ns, dtype=np.int64).view("datetime64[ns]")).tz_localize(
        "UTC")


def timestamp_ns(ts: pd.Timestamp | str | None) -> int | None:
    """One timestamp as UTC nanoseconds (naive → UTC); ``None`` stays ``None``."""
    if ts is None:
        return None
    t = pd.Timestamp(ts)
    if t is pd.NaT:
        return None
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    return int(t.as_unit("ns").value)


def span_s(end_ns: np.ndarray, start_ns: np.ndarray) -> np.ndarray:
    """``end − start`` in seconds as float; NaN where either end is missing."""
    ok = (end_ns != NAT) & (start_ns != NAT)
    out = np.full(end_ns.shape, np.nan)
    np.divide((end_ns - start_ns).astype(np.float64), NS_PER_S, out=out, where=ok)
    return out


def check_period(period: str) -> str:
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    return period


def period_start_ns(ns: np.ndarray, period: str) -> np.ndarray:
    """Start (UTC ns) of the period holding each instant. ``ns`` must hold no ``NAT``."""
    check_period(period)
    ns = np.asarray(ns, dtype=np.int64)
    days = np.floor_divide(ns, NS_PER_DAY)
    if period == "day":
        return days * NS_PER_DAY
    if period == "week":
        # 1970-01-01 was a Thursday (ISO weekday index 3): step back to Monday
        return (days - (days + 3) % 7) * NS_PER_DAY
    months = ns.view("datetime64[ns]").astype("datetime64[M]")
    return months.astype("datetime64[ns]").view(np.int64)


def next_period_ns(starts: np.ndarray, period: str) -> np.ndarray:
    """The start of the period after each period start."""
    check_period(period)
    starts = np.asarray(starts, dtype=np.int64)
    if period == "day":
        return starts + NS_PER_DAY
    if period == "week":
        return starts + 7 * NS_PER_DAY
    months = starts.view("datetime64[ns]").astype("datetime64[M]") + 1
    return months.astype("datetime64[ns]").view(np.int64)


def period_starts(start_ns: int, end_ns: int, period: str) -> np.ndarray:
    """Starts of every period overlapping the window ``[start, end)``, in order."""
    if end_ns <= start_ns:
        return np.empty(0, dtype=np.int64)
    first = int(period_start_ns(np.array([start_ns]), period)[0])
    last = int(period_start_ns(np.array([end_ns - 1]), period)[0])
    if period in ("day", "week"):
        step = NS_PER_DAY * (1 if period == "day" else 7)
        return np.arange(first, last + step, step, dtype=np.int64)
    m0 = np.array([first]).view("datetime64[ns]").astype("datetime64[M]")[0]
    m1 = np.array([last]).view("datetime64[ns]").astype("datetime64[M]")[0]
    months = np.arange(m0, m1 + 1)
    return months.astype("datetime64[ns]").view(np.int64)


def period_labels(starts: np.ndarray, period: str) -> list[str]:
    """``2025-01-06`` (day), ``2025-W02`` (ISO week), ``2025-01`` (month)."""
    out: list[str] = []
    for ts in ns_to_timestamps(starts):
        if period == "day":
            out.append(ts.strftime("%Y-%m-%d"))
        elif period == "week":
            iso = ts.isocalendar()
            out.append(f"{iso[0]}-W{iso[1]:02d}")
        else:
            out.append(ts.strftime("%Y-%m"))
    return out


def period_frame(start_ns: int, end_ns: int, period: str) -> pd.DataFrame:
    """One row per period of the window: ``start``, ``end`` (UTC), ``label`` and ``days``.

    ``days`` is the part of the period inside the window (edge periods are partial), the
    denominator of every per-week rate of that period. Indexed by the period start (ns).
    """
    starts = period_starts(start_ns, end_ns, period)
    ends = next_period_ns(starts, period)
    lo = np.maximum(starts, start_ns)
    hi = np.minimum(ends, end_ns)
    frame = pd.DataFrame({
        "start": ns_to_timestamps(starts),
        "end": ns_to_timestamps(ends),
        "label": period_labels(starts, period),
        "days": (hi - lo) / NS_PER_DAY,
    }, index=pd.Index(starts, name="period"))
    return frame


def window_label(start_ns: int, end_ns: int) -> str:
    """A short name for ``[start, end)``: ``2025-Q1``, ``2025-03``, ``2025-W07``, ``2025`` or
    ``2025-01-06 – 2025-02-02`` (end shown inclusive)."""
    s = ns_to_timestamps(np.array([start_ns]))[0]
    e = ns_to_timestamps(np.array([end_ns]))[0]
    midnight = s == s.normalize() and e == e.normalize()
    if midnight:
        if s.day == 1 and s.month == 1 and e == s + pd.DateOffset(years=1):
            return f"{s.year}"
        if s.day == 1 and s.month % 3 == 1 and e == s + pd.DateOffset(months=3):
            return f"{s.year}-Q{(s.month - 1) // 3 + 1}"
        if s.day == 1 and e == s + pd.DateOffset(months=1):
            return s.strftime("%Y-%m")
        if s.weekday() == 0 and e - s == pd.Timedelta(days=7):
            iso = s.isocalendar()
            return f"{iso[0]}-W{iso[1]:02d}"
        last = e - pd.Timedelta(days=1)
        if last == s:
            return s.strftime("%Y-%m-%d")
        return f"{s.strftime('%Y-%m-%d')} – {last.strftime('%Y-%m-%d')}"
    return f"{s.isoformat()} – {e.isoformat()}"


def in_window(ns: np.ndarray, start_ns: int, end_ns: int) -> np.ndarray:
    """Mask of instants inside ``[start, end)`` (``NAT`` is never inside)."""
    return (ns != NAT) & (ns >= start_ns) & (ns < end_ns)


def iso(ns: int | None) -> str | None:
    """ISO 8601 text of a UTC instant."""
    if ns is None:
        return None
    return ns_to_timestamps(np.array([ns]))[0].isoformat()
