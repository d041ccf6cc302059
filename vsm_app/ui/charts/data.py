"""From an :class:`~vsm_app.analysis.engine.AnalysisResult`'s frames to chart arrays.

No Qt here: plain numpy arrays with x in UTC seconds (what pyqtgraph's ``DateAxisItem``
reads). A period's point sits in the middle of the period, its bar spans the period.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...metrics import format as fmt

NS_PER_S = 1_000_000_000
DAY_S = 86_400.0


def seconds(index: pd.Index | pd.Series | np.ndarray) -> np.ndarray:
    """UTC timestamps as float seconds since the epoch (NaT → NaN)."""
    if isinstance(index, pd.Series):
        index = pd.DatetimeIndex(index)
    if isinstance(index, np.ndarray) and index.dtype.kind == "i":
        return index.astype(np.float64) / NS_PER_S
    di = pd.DatetimeIndex(index)
    ns = di.as_unit("ns").asi8.astype(np.float64)
    ns[di.isna()] = np.nan
    return ns / NS_PER_S


@dataclass(frozen=True)
class PeriodAxis:
    """The periods of a result: bins ``[start_s, end_s)``, their middles and labels."""

    start_s: np.ndarray
    end_s: np.ndarray
    labels: np.ndarray
    period: str

    @property
    def mid_s(self) -> np.ndarray:
        return (self.start_s + self.end_s) / 2.0

    @property
    def width_s(self) -> np.ndarray:
        return self.end_s - self.start_s

    def __len__(self) -> int:
        return len(self.start_s)

    def index_at(self, x: float) -> int | None:
        """The period holding ``x`` (UTC seconds), or None."""
        if not len(self.start_s):
            return None
        i = int(np.searchsorted(self.start_s, x, side="right")) - 1
        if i < 0 or x >= self.end_s[i]:
            return None
        return i

    def indices_of(self, starts: pd.Series | pd.Index) -> np.ndarray:
        """Row positions of period starts (timestamps) in this axis; -1 where absent."""
        s = seconds(starts)
        i = np.searchsorted(self.start_s, s)
        i = np.clip(i, 0, max(len(self.start_s) - 1, 0))
        ok = len(self.start_s) > 0
        hit = (self.start_s[i] == s) if ok else np.zeros(len(s), dtype=bool)
        return np.where(hit, i, -1)

    def describe(self, i: int) -> str:
        """``Week 2025-W12 · 17 Mar 2025 – 23 Mar 2025`` / ``17 Mar 2025`` / ``Month 2025-03 ·
        1 Mar 2025 – 31 Mar 2025``: the period's label and its days."""
        start = pd.Timestamp(self.start_s[i], unit="s", tz="UTC")
        last = pd.Timestamp(self.end_s[i] - 1, unit="s", tz="UTC")
        if self.period == "day":
            return fmt.date_text(start)
        word = "Month" if self.period == "month" else "Week"
        return f"{word} {self.labels[i]} · {fmt.date_range(start, last)}"


def period_axis(result: object) -> PeriodAxis:
    """The :class:`PeriodAxis` of a result (empty when it has no periods)."""
    periods: pd.DataFrame = getattr(result, "periods", pd.DataFrame())
    options = getattr(result, "options", None)
    period = getattr(options, "period", "week") if options is not None else "week"
    if periods is None or not len(periods):
        empty = np.empty(0, dtype=np.float64)
        return PeriodAxis(empty, empty, np.empty(0, dtype=object), period)
    return PeriodAxis(seconds(periods["start"]), seconds(periods["end"]),
                      periods["label"].astype(str).to_numpy(dtype=object), period)


def column(frame: pd.DataFrame, name: str, n: int) -> np.ndarray:
    """A frame column as float64 (NaN where missing); all-NaN of length ``n`` if absent."""
    if frame is None or name not in frame:
        return np.full(n, np.nan)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=np.float64,
                                                                na_value=np.nan)


def window_seconds(result: object) -> tuple[float, float] | None:
    """The analysed window ``[start, end)`` of a result in UTC seconds, or None."""
    w = getattr(result, "window", None)
    if not w:
        return None
    return w[0] / NS_PER_S, w[1] / NS_PER_S


def stage_period_series(result: object, axis: PeriodAxis, stage: str, kind: str
                        ) -> dict[str, np.ndarray]:
    """Per period of ``axis``: ``median_s``, ``p85_s`` and ``count`` of one stage's
    ``kind`` (wait | active) times; NaN (count 0) where nothing was measured."""
    n = len(axis)
    out = {"median_s": np.full(n, np.nan), "p85_s": np.full(n, np.nan),
           "count": np.zeros(n)}
    sbp: pd.DataFrame = getattr(result, "stages_by_period", pd.DataFrame())
    if sbp is None or not len(sbp) or not n:
        return out
    rows = sbp.loc[(sbp["stage"] == stage) & (sbp["kind"] == kind)]
    if not len(rows):
        return out
    idx = axis.indices_of(rows["period"])
    ok = idx >= 0
    for name in ("median_s", "p85_s", "count"):
        out[name][idx[ok]] = column(rows, name, len(rows))[ok]
    return out


def stage_names(result: object) -> list[str]:
    """The measured stages of a result, in map order."""
    summary: pd.DataFrame = getattr(result, "stage_summary", pd.DataFrame())
    if summary is not None and len(summary) and "stage" in summary:
        return [str(s) for s in summary["stage"].tolist()]
    return [s.name for s in getattr(result, "stages", ()) or ()]
