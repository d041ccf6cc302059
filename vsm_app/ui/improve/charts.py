"""A small time chart for the improvement docks (pyqtgraph), in the one chart style.

:class:`TrendChart` is a titled ``PlotWidget`` with a UTC date axis, a value axis in its unit
(the shared :class:`~vsm_app.ui.charts.style.ValueAxisItem`: durations on whole steps, rates
as percentages, SPACE scores 1–5), lines with hoverable points, an optional target line, a
legend, and a message line under the plot for "no data" and warnings. Its colours are the
dashboards' (:mod:`vsm_app.metrics.palette`) in the light or dark theme of the application
palette; values read through :mod:`vsm_app.metrics.format`.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QPen
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ...metrics import format as fmt
from ...metrics.palette import unit_of
from ..charts.style import TICK_PT, ChartTheme, ValueAxisItem, chart_theme, font
from .common import is_dark

AXIS_WIDTH = 58


def to_epoch_s(values: Any) -> np.ndarray:
    """UTC timestamps (a Series, an Index or a list) as float seconds since 1970."""
    ts = pd.to_datetime(pd.Series(values), utc=True)
    return ((ts - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(1, "s")).to_numpy(dtype=float)


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
        self.axis = ValueAxisItem(unit_of(unit))
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
        if unit_of(self.unit).value == "percent":
            hi = max(hi, 0.05)
        if hi <= lo:
            hi = lo + 1.0
        span = hi - lo
        self.plot.setYRange(lo - 0.05 * span, hi + 0.08 * span, padding=0)

    def _tip(self, name: str) -> Any:
        unit, period = self.unit, self.period

        def tip(x: float, y: float, data: Any = None) -> str:
            day = fmt.date_text(pd.Timestamp(float(x), unit="s", tz="UTC"))
            return f"{name}\n{period} of {day}: {fmt.as_format(unit_of(unit), y)}"
        return tip

    # looks ----------------------------------------------------------------------------------
    def theme(self) -> ChartTheme:
        """The dashboards' chart colours in the application palette's theme."""
        return chart_theme("dark" if is_dark() else "light")

    def _apply_style(self, item: Any, idx: int, kind: str) -> None:
        theme = self.theme()
        colour = theme.q("target") if idx < 0 else theme.series_color(idx)
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
                item.label.setFont(font(TICK_PT, bold=True))

    def _update_legend(self) -> None:
        """The series names with their colours, above the plot (only for two or more)."""
        theme = self.theme()
        parts = [f'<span style="color:{theme.series_color(i).name()}; font-weight:bold">'
                 f'{"╌╌" if dashed else "━━"}</span>&nbsp;'
                 f'{escape(name).replace(" ", "&nbsp;")}'
                 for name, i, dashed in self._keys]
        self.legend.setText("&nbsp;&nbsp;&nbsp; ".join(parts))
        self.legend.setVisible(len(self._keys) > 1)

    def legend_names(self) -> list[str]:
        return [name for name, _i, _d in self._keys]

    def restyle(self) -> None:
        """Apply the current theme's colours (called on a palette change)."""
        theme = self.theme()
        self.plot.setBackground(theme.background)
        for name in ("left", "bottom"):
            ax = self.plot.getPlotItem().getAxis(name)
            ax.setPen(pg.mkPen(theme.text))
            ax.setTextPen(pg.mkPen(theme.text))
            ax.setTickFont(font(TICK_PT))
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
