"""A small time chart for the improvement docks (pyqtgraph).

:class:`TrendChart` is a titled ``PlotWidget`` with a UTC date axis, a value axis that formats
its unit (durations through ``format_duration``, rates as percentages, SPACE scores 1–5),
lines with hoverable points, an optional target line, a legend, and a message line under the
plot for "no data" and warnings. It follows the light/dark theme (application palette).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QFont, QPen
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ...domain.durations import format_duration
from .common import fmt_value, is_dark

#: Okabe–Ito: tells series apart for colour-blind readers too
SERIES_LIGHT = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#7a6a00")
SERIES_DARK = ("#56b4e9", "#ff8f4a", "#3ddc97", "#e79fc9", "#f0c05a", "#8fd3ff", "#f0e442")
TICK_PT = 10.0
AXIS_WIDTH = 58

DURATION_STEPS = np.array([
    60, 300, 600, 900, 1800, 3600, 2 * 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400,
    2 * 86400, 3 * 86400, 7 * 86400, 14 * 86400, 28 * 86400], dtype=float)


def to_epoch_s(values: Any) -> np.ndarray:
    """UTC timestamps (a Series, an Index or a list) as float seconds since 1970."""
    ts = pd.to_datetime(pd.Series(values), utc=True)
    return ((ts - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(1, "s")).to_numpy(dtype=float)


class _ValueAxis(pg.AxisItem):
    """Ticks in a unit: whole durations (``1d 12h``), percentages or plain numbers."""

    def __init__(self, unit: str) -> None:
        super().__init__("left")
        self.unit = unit
        self.enableAutoSIPrefix(False)

    def tickSpacing(self, minVal: float, maxVal: float, size: float
                    ) -> list[tuple[float, float]]:
        span = abs(maxVal - minVal)
        if self.unit == "s" and span > 0 and math.isfinite(span):
            wanted = span / max(size / 30.0, 1.0)
            i = min(int(np.searchsorted(DURATION_STEPS, wanted)), len(DURATION_STEPS) - 1)
            return [(float(DURATION_STEPS[i]), 0.0)]
        if self.unit == "score":
            return [(1.0, 0.0)]
        levels = super().tickSpacing(minVal, maxVal, size)
        if self.unit in ("changes", "lines") and levels:
            return [(max(1.0, float(round(levels[0][0]))), 0.0)]
        return levels[:1]  # major ticks only: a small chart reads better with fewer lines

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        out: list[str] = []
        for v in values:
            x = float(v) * scale
            if self.unit == "s":
                out.append("0" if abs(x) < 1e-9 else format_duration(x, max_parts=1))
            elif self.unit == "ratio":
                out.append(f"{x * 100:.0f} %" if spacing * 100 >= 1 else f"{x * 100:.1f} %")
            elif self.unit in ("changes", "lines", "score"):
                out.append(f"{x:.0f}")
            else:
                out.append(f"{x:.0f}" if spacing >= 1 else f"{x:.1f}")
        return out


class TrendChart(QWidget):
    """A titled time chart of one unit.

    Parameters
    ----------
    title
        Shown above the plot.
    unit
        ``s``, ``ratio``, ``score`` (1–5, fixed range), ``changes``, ``lines``, ``per_week``.
    """

    def __init__(self, title: str, unit: str, parent: QWidget | None = None, *,
                 height: int = 190, period: str = "week") -> None:
        super().__init__(parent)
        self.unit = unit
        self.period = period
        self.title = QLabel(title)
        self.title.setObjectName("chartTitle")
        self.title.setProperty("role", "figure")
        self.title.setWordWrap(True)
        self.axis = _ValueAxis(unit)
        # one width for every chart: stacked charts line their dates up, and no tick label
        # is dropped for lack of room ("10 %", "30 min")
        self.axis.setWidth(AXIS_WIDTH)
        self.plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(utcOffset=0),
                                             "left": self.axis})
        self.plot.setFixedHeight(height)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.getPlotItem().setMouseEnabled(x=True, y=False)
        self.legend = QLabel()
        self.legend.setObjectName("chartLegend")
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.hide()
        self.message = QLabel()
        self.message.setObjectName("chartMessage")
        self.message.setProperty("role", "hint")
        self.message.setWordWrap(True)
        self.message.hide()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 4)
        lay.setSpacing(2)
        lay.addWidget(self.title)
        lay.addWidget(self.legend)
        lay.addWidget(self.plot)
        lay.addWidget(self.message)
        self._series: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._keys: list[tuple[str, int, bool]] = []  # legend: name, colour index, dashed
        self._targets: list[float] = []
        self._styled: list[tuple[Any, int, str]] = []  # (item, colour index, kind)
        if unit == "score":
            self.plot.setYRange(1, 5, padding=0.08)
        self.restyle()

    # data -----------------------------------------------------------------------------------
    def clear(self) -> None:
        """Remove every series, target and message."""
        self.plot.clear()
        self._series.clear()
        self._keys.clear()
        self._update_legend()
        self._targets.clear()
        self._styled.clear()
        self.set_message("")

    def add_series(self, name: str, x_s: Sequence[float] | np.ndarray,
                   y: Sequence[float] | np.ndarray, *, color: int | None = None,
                   dashed: bool = False) -> None:
        """A line with hoverable points; NaN values leave a gap."""
        x = np.asarray(x_s, dtype=float)
        yy = np.asarray(y, dtype=float)
        idx = len(self._series) if color is None else color
        self._series[name] = (x, yy)
        line = pg.PlotDataItem(x, yy, name=name, connect="finite")
        points = pg.ScatterPlotItem(size=7, hoverable=True, hoverSize=11,
                                    tip=self._tip(name))
        ok = np.isfinite(yy)
        points.setData(x[ok], yy[ok])
        self.plot.addItem(line)
        self.plot.addItem(points)
        self._styled.append((line, idx, "dash" if dashed else "line"))
        self._styled.append((points, idx, "points"))
        self._apply_style(line, idx, "dash" if dashed else "line")
        self._apply_style(points, idx, "points")
        self._keys.append((name, idx, dashed))
        self._update_legend()
        if self.unit != "score":
            self._fit_y()

    def add_target(self, value: float, text: str) -> None:
        """A dashed horizontal target line labelled ``text``."""
        self._targets.append(float(value))
        line = pg.InfiniteLine(pos=float(value), angle=0, movable=False,
                               label=text, labelOpts={"position": 0.02, "anchors":
                                                      [(0, 1), (0, 1)]})
        self.plot.addItem(line)
        self._styled.append((line, -1, "target"))
        self._apply_style(line, -1, "target")
        if self.unit != "score":
            self._fit_y()

    def set_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def series(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The x (epoch s) and y values drawn for ``name``."""
        return self._series[name]

    def series_names(self) -> list[str]:
        return list(self._series)

    def has_data(self) -> bool:
        return any(np.isfinite(y).any() for _x, y in self._series.values())

    def set_x_range(self, lo_s: float, hi_s: float) -> None:
        self.plot.setXRange(lo_s, hi_s, padding=0.02)

    def link_x(self, other: TrendChart) -> None:
        self.plot.setXLink(other.plot)

    def _fit_y(self) -> None:
        ys = [y[np.isfinite(y)] for _x, y in self._series.values()]
        vals = np.concatenate([*ys, np.asarray(self._targets, dtype=float)]) if ys or \
            self._targets else np.empty(0)
        if not vals.size:
            return
        lo = min(0.0, float(vals.min()))
        hi = float(vals.max())
        if self.unit == "ratio":
            hi = max(hi, 0.05)
        if hi <= lo:
            hi = lo + 1.0
        span = hi - lo
        self.plot.setYRange(lo - 0.05 * span, hi + 0.08 * span, padding=0)

    def _tip(self, name: str) -> Any:
        unit, period = self.unit, self.period

        def tip(x: float, y: float, data: Any = None) -> str:
            day = pd.Timestamp(float(x), unit="s", tz="UTC").strftime("%Y-%m-%d")
            return f"{name}\n{period} of {day}: {fmt_value(y, unit)}"
        return tip

    # looks ----------------------------------------------------------------------------------
    def _palette(self) -> tuple[tuple[str, ...], str, str, str]:
        if is_dark():
            return SERIES_DARK, "#262c37", "#e8ecf2", "#ff6b6b"
        return SERIES_LIGHT, "#ffffff", "#1d2330", "#c62828"

    def _apply_style(self, item: Any, idx: int, kind: str) -> None:
        series, _bg, text, target = self._palette()
        colour = QColor(target if idx < 0 else series[idx % len(series)])
        if kind in ("line", "dash"):
            pen = QPen(colour, 2.5)
            pen.setCosmetic(True)
            if kind == "dash":
                pen.setStyle(Qt.PenStyle.DashLine)
            item.setPen(pen)
        elif kind == "points":
            item.setPen(pg.mkPen(colour, width=1.5))
            item.setBrush(pg.mkBrush(colour))
        elif kind == "target":
            pen = QPen(colour, 2.0)
            pen.setCosmetic(True)
            pen.setStyle(Qt.PenStyle.DashLine)
            item.setPen(pen)
            if item.label is not None:
                item.label.setColor(colour)
                f = QFont()
                f.setPointSizeF(TICK_PT)
                f.setBold(True)
                item.label.setFont(f)

    def _update_legend(self) -> None:
        """The series names with their colours, above the plot (only for two or more)."""
        series = self._palette()[0]
        parts = [f'<span style="color:{series[i % len(series)]}; font-weight:bold">'
                 f'{"╌╌" if dashed else "━━"}</span>&nbsp;'
                 f'{escape(name).replace(" ", "&nbsp;")}'
                 for name, i, dashed in self._keys]
        self.legend.setText("&nbsp;&nbsp;&nbsp; ".join(parts))
        self.legend.setVisible(len(self._keys) > 1)

    def legend_names(self) -> list[str]:
        return [name for name, _i, _d in self._keys]

    def restyle(self) -> None:
        """Apply the current theme's colours (called on a palette change)."""
        _series, bg, text, _target = self._palette()
        self.plot.setBackground(bg)
        f = QFont()
        f.setPointSizeF(TICK_PT)
        for name in ("left", "bottom"):
            ax = self.plot.getPlotItem().getAxis(name)
            ax.setPen(pg.mkPen(text))
            ax.setTextPen(pg.mkPen(text))
            ax.setTickFont(f)
        self.plot.getPlotItem().showGrid(x=False, y=True, alpha=0.18)
        for item, idx, kind in self._styled:
            self._apply_style(item, idx, kind)
        self._update_legend()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self.restyle()
        super().changeEvent(event)


def period_column(result: Any, frame: str, column: str) -> tuple[np.ndarray, np.ndarray]:
    """One column of a per-period frame of an ``AnalysisResult`` (``dora_by_period``,
    ``flow_by_period``) as (period start in epoch s, value); empty when absent."""
    df = getattr(result, frame, None) if result is not None else None
    if df is None or not len(df) or column not in df.columns:
        return np.empty(0), np.empty(0)
    return to_epoch_s(df.index), pd.to_numeric(df[column], errors="coerce").to_numpy(float)


def union_range(*xs: np.ndarray) -> tuple[float, float] | None:
    """The span covering every non-empty x array (plus one week), or None."""
    parts = [x[np.isfinite(x)] for x in xs if len(x)]
    parts = [p for p in parts if p.size]
    if not parts:
        return None
    lo = min(float(p.min()) for p in parts)
    hi = max(float(p.max()) for p in parts)
    return lo, hi + 7 * 86400.0
