"""The dashboard chart: a pyqtgraph ``PlotWidget`` with the project's look and behaviour.

:class:`Chart` gives every chart the same things: theme colours (light/dark), value axes that
format their units, a hover read-out (crosshair, markers and a box with the exact values,
durations through ``format_duration``), a context menu with *Export chart…* and *Export data
(CSV)…* (through :mod:`vsm_app.ui.export`), and series that are created once and then only
``setData``-ed, so a new result redraws without rebuilding anything.

:class:`TimeChart` adds a UTC ``DateAxisItem``, a shared x range (``setXLink`` to one master
chart, through a view box that always *replicates* the range rather than lining views up by
screen position) and the analysed window as a region whose edges can be dragged.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems.LegendItem import ItemSample
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QContextMenuEvent, QFontMetricsF, QPainter
from PySide6.QtWidgets import QFileDialog, QLabel, QMenu, QWidget

from ...metrics import format as fmt
from .data import DAY_S, PeriodAxis
from .style import (
    LIGHT_CHARTS,
    TICK_PT,
    TITLE_PT,
    ChartTheme,
    ValueAxisItem,
    axis_title,
    font,
    kind_brushes,
    value_axis,
)

pg.setConfigOptions(antialias=True)

#: drawn points per pixel before a long series is downsampled (pyqtgraph's default is 5; a
#: trend needs one point every two pixels, and thick antialiased lines cost per segment)
POINTS_PER_PX = 0.4
#: the same for filled areas, whose fills cost per vertex
AREA_POINTS_PER_PX = 0.25


def reduce_when_dense(item: pg.PlotDataItem, method: str = "mean",
                      points_per_px: float = POINTS_PER_PX) -> None:
    """Clip ``item`` to the view and reduce it to :data:`POINTS_PER_PX` when zoomed out
    (``mean``: averaged; ``subsample``: every n-th point, for categories; ``none``: never, for
    sparse series); hover still reads the exact values."""
    item.setClipToView(True)
    if method == "none":  # sparse series: averaging bins with gaps would erase the points
        item.setDownsampling(auto=False)
        return
    item.setDownsampling(auto=True, method=method)
    item.opts["autoDownsampleFactor"] = points_per_px

#: where exports go when the user has not picked a folder yet
_last_export_dir: list[str] = []


class TimeViewBox(pg.ViewBox):
    """A view box whose x link copies the linked range as is.

    pyqtgraph lines linked views up by screen position when they overlap on screen; charts in
    different docks or grid cells must show the same dates instead.
    """

    def linkedViewChanged(self, view: pg.ViewBox | None, axis: int) -> None:
        if axis != pg.ViewBox.XAxis:
            super().linkedViewChanged(view, axis)
            return
        if self.linksBlocked or view is None:
            return
        x1, x2 = view.viewRange()[0]
        view.blockLink(True)
        try:
            self.enableAutoRange(pg.ViewBox.XAxis, False)
            self.setXRange(x1, x2, padding=0)
        finally:
            view.blockLink(False)


class WindowRegion(pg.LinearRegionItem):
    """The analysed window: its two edges can be dragged, its body lets the chart pan."""

    def mouseDragEvent(self, ev: Any) -> None:
        ev.ignore()

    def mouseClickEvent(self, ev: Any) -> None:
        ev.ignore()

    def hoverEvent(self, ev: Any) -> None:
        pass


@dataclass
class Series:
    """One drawn series: its item(s), how to colour it and how to read it on hover."""

    key: str
    label: str
    unit: str
    kind: str  # line | bars | area | scatter
    items: list[Any]
    role: str = "s0"
    width: float = 2.0
    style: Qt.PenStyle = Qt.PenStyle.SolidLine
    symbol: str | None = None
    noun: str = ""
    hover: bool = True
    x: np.ndarray = field(default_factory=lambda: np.empty(0))
    y: np.ndarray = field(default_factory=lambda: np.empty(0))
    #: the value shown on hover when it differs from the drawn y (stacked areas)
    value: np.ndarray | None = None
    bins: PeriodAxis | None = None
    #: text per point shown instead of a number (categorical series)
    texts: list[str] | None = None
    #: a level over an x span (two points): hovered anywhere between them
    span: bool = False
    #: whether the line's symbols are shown now (see Chart._update_symbols)
    symbols_on: bool | None = None
    #: symbols hidden while points are dense (False: always shown, e.g. categories)
    auto_symbols: bool = True
    #: whether the line is drawn antialiased now (see Chart._update_symbols)
    antialiased: bool | None = None

    def lookup(self, x: float) -> tuple[int, float, float] | None:
        """The point at ``x``: index, its x and its hover value (None when none is near)."""
        if not len(self.x):
            return None
        if self.span:
            if not self.x[0] <= x <= self.x[-1]:
                return None
            v = self.value[0] if self.value is not None else self.y[0]
            return 0, float(x), float(v)
        if self.bins is not None and len(self.bins) == len(self.x):
            i = self.bins.index_at(x)
        else:
            j = int(np.searchsorted(self.x, x))
            cands = [k for k in (j - 1, j) if 0 <= k < len(self.x)]
            i = min(cands, key=lambda k: abs(self.x[k] - x))
            step = float(np.median(np.diff(self.x))) if len(self.x) > 1 else DAY_S
            if abs(self.x[i] - x) > max(step * 0.6, DAY_S / 2):
                i = None
        if i is None:
            return None
        v = self.value[i] if self.value is not None else self.y[i]
        return i, float(self.x[i]), float(v)


class LegendSample(ItemSample):
    """A legend swatch drawn from a :class:`Series`' style: a line (dashed if the series is),
    a bar, or an area's fill and hatch."""

    def __init__(self, chart: Chart, series: Series) -> None:
        super().__init__(series.items[0])
        self.chart = chart
        self.series_ref = series
        self.setFixedWidth(26)

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, 26, 20)

    def paint(self, p: QPainter, *args: Any) -> None:
        s = self.series_ref
        theme = self.chart.theme
        c = role_color(theme, s.role)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if s.kind == "line":
            p.setPen(pg.mkPen(c, width=max(s.width, 2.0), style=s.style))
            p.drawLine(QPointF(1, 10), QPointF(25, 10))
            if s.symbol:
                p.setBrush(c)
                p.drawEllipse(QPointF(13, 10), 3.5, 3.5)
        elif s.kind == "bars":
            fill = QColor(c)
            fill.setAlpha(200)
            p.setPen(pg.mkPen(c.darker(130)))
            p.setBrush(fill)
            p.drawRect(QRectF(4, 3, 18, 14))
        else:
            solid, hatch = kind_brushes(theme, s.role.split(":", 1)[1])
            r = QRectF(3, 2, 20, 16)
            p.setPen(Qt.PenStyle.NoPen)
            p.fillRect(r, solid)
            p.fillRect(r, hatch)
            p.setPen(pg.mkPen(c.darker(125), width=1.2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(r)

    def mouseClickEvent(self, ev: Any) -> None:
        ev.ignore()


def role_color(theme: ChartTheme, role: str) -> QColor:
    """The colour of a series role: ``s0``..``s3``, ``kind:<kind>``, ``#rrggbb`` (a palette
    colour chosen by the chart), or a theme field."""
    if role.startswith("#"):
        return QColor(role)
    if role.startswith("s") and role[1:].isdigit():
        return QColor(theme.series[int(role[1:]) % len(theme.series)])
    if role.startswith("kind:"):
        return QColor(theme.kinds[role[5:]])
    return QColor(getattr(theme, role))


class Chart(pg.PlotWidget):
    """A themed pyqtgraph chart with hover read-out and export menu (see module docstring).

    Parameters
    ----------
    title
        Shown above the plot (and used by exports); ``show_title=False`` keeps it off screen.
    unit
        Unit of the y values: ``duration``, ``percent``, ``count``, ``per_week``, ``number``.
    """

    hovered = Signal(str)

    def __init__(self, title: str, unit: str, *, bottom_axis: pg.AxisItem | None = None,
                 view_box: pg.ViewBox | None = None, show_title: bool = True,
                 y_label: str = "", min_height: int = 190,
                 parent: QWidget | None = None) -> None:
        axes = {"left": value_axis(unit)}
        if bottom_axis is not None:
            axes["bottom"] = bottom_axis
        # no pyqtgraph menus (ours is contextMenuEvent): also saves building them
        super().__init__(parent, background=LIGHT_CHARTS.background, enableMenu=False,
                         viewBox=view_box or pg.ViewBox(enableMenu=False), axisItems=axes)
        self.setObjectName(f"chart.{title}")
        self.title = title
        self.unit = unit
        self.theme = LIGHT_CHARTS
        self.series: dict[str, Series] = {}
        self.hover_text = ""
        self.project_path: Callable[[], str | os.PathLike[str] | None] = lambda: None
        self._show_title = show_title
        self._y_fixed: tuple[float, float] | None = None
        self._y_floor_zero = True
        self._y_min_span = {"duration": 3600.0, "percent": 0.05, "count": 1.0}.get(unit, 1.0)
        self.setMinimumHeight(min_height)
        # curves antialias themselves (pyqtgraph option); filled areas and bars do not need it
        # and are many times faster without
        self.setAntialiasing(False)
        self.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        pi = self.plotItem
        pi.setMenuEnabled(False)
        pi.hideButtons()
        pi.showGrid(x=True, y=True, alpha=0.35)
        pi.getViewBox().setMouseEnabled(x=True, y=False)
        pi.getViewBox().setDefaultPadding(0.02)
        left = pi.getAxis("left")
        left.setLabel(y_label or title, units=self._csv_units())  # the data exports' header
        # the axis title on screen: the quantity and its unit from the catalogue's format
        # (issue 17); the ticks are already formatted ("1d 12h", "40 %")
        self.y_title = axis_title(y_label or title, left.unit) \
            if isinstance(left, ValueAxisItem) else (y_label or title)
        if isinstance(left, ValueAxisItem):
            left.shown_title = self.y_title
        left.showLabel(True)
        left.setWidth(92)
        #: "no data — <reason>" over an empty plot; owners set the reason from the result
        self.empty_reason = "nothing measured yet"
        self._empty = QLabel(self)
        self._empty.setObjectName("chartEmpty")
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setWordWrap(True)
        self._empty.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._empty.hide()
        for name in ("left", "bottom"):
            ax = pi.getAxis(name)
            ax.setStyle(tickFont=font(TICK_PT), tickTextOffset=4, tickLength=-5)
        pi.setTitle(title)
        if not show_title:
            pi.setTitle(None)
        self._crosshair = pg.InfiniteLine(angle=90, movable=False)
        self._crosshair.setZValue(50)
        self._markers = pg.ScatterPlotItem(size=9)
        self._markers.setZValue(60)
        self._readout = pg.TextItem(anchor=(0, 0))
        self._readout.setZValue(70)
        self._readout.setFont(font(TICK_PT))
        vb = pi.getViewBox()
        for it in (self._crosshair, self._markers, self._readout):
            vb.addItem(it, ignoreBounds=True)  # not a plot data item: left out of CSV exports
            it.hide()
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        vb.sigXRangeChanged.connect(lambda *_: self._update_symbols())
        vb.sigResized.connect(lambda *_: self._update_symbols())
        self.apply_theme(LIGHT_CHARTS)

    def sizeHint(self) -> QSize:
        # a graphics view would ask for its scene's size; a scrolled dashboard wants its charts
        # at their working height
        return QSize(420, self.minimumHeight() + 30)

    def _csv_units(self) -> str:
        return {"duration": "s", "percent": "fraction", "count": "count",
                "per_week": "per week"}.get(self.unit, "")

    # -- series -----------------------------------------------------------------------------------
    def add_line(self, key: str, label: str, *, role: str = "s0", width: float = 2.2,
                 style: Qt.PenStyle = Qt.PenStyle.SolidLine, symbol: str | None = None,
                 unit: str | None = None, noun: str = "", hover: bool = True,
                 reduce: str = "mean", auto_symbols: bool = True,
                 points_per_px: float = POINTS_PER_PX) -> pg.PlotDataItem:
        """A line series (gaps at NaN), clipped to the view and averaged down when it has
        more points than half the pixels; its symbols show only while points are far enough
        apart."""
        item = pg.PlotDataItem(name=label, connect="finite", antialias=True)
        self.plotItem.addItem(item)
        # after addItem, which applies the plot's own settings
        reduce_when_dense(item, reduce, points_per_px)
        self.series[key] = Series(key, label, unit or self.unit, "line", [item], role, width,
                                  style, symbol, noun, hover)
        if not auto_symbols and symbol:
            self.series[key].symbols_on = True
            item.setSymbol(symbol)
        self.series[key].auto_symbols = auto_symbols
        self._style_series(self.series[key])
        return item

    def add_bars(self, key: str, label: str, *, role: str = "s0", unit: str | None = None,
                 noun: str = "") -> pg.BarGraphItem:
        """A bar series (one bar per x, drawn over its period)."""
        item = pg.BarGraphItem(x0=[], width=[], height=[], name=label)
        self.plotItem.addItem(item)
        self.series[key] = Series(key, label, unit or self.unit, "bars", [item], role, 1.0,
                                  noun=noun)
        self._style_series(self.series[key])
        return item

    def _style_series(self, s: Series) -> None:
        c = role_color(self.theme, s.role)
        if s.kind == "line":
            item = s.items[0]
            item.setPen(pg.mkPen(c, width=s.width, style=s.style))
            if s.symbol:
                item.setSymbolSize(7)
                item.setSymbolBrush(c)
                item.setSymbolPen(pg.mkPen(self.theme.background, width=1))
        elif s.kind == "bars":
            fill = QColor(c)
            fill.setAlpha(200)
            s.items[0].setOpts(brush=QBrush(fill), pen=pg.mkPen(c.darker(130), width=0.6))
        elif s.kind == "area":
            kind = s.role.split(":", 1)[1]
            solid, hatch = kind_brushes(self.theme, kind)
            s.items[0].setBrush(solid)
            s.items[1].setBrush(hatch)
            s.items[2].setPen(pg.mkPen(c.darker(125) if self.theme.name == "light" else c,
                                       width=1.4))

    def set_series(self, key: str, x: np.ndarray, y: np.ndarray, *,
                   bins: PeriodAxis | None = None, value: np.ndarray | None = None,
                   widths: np.ndarray | None = None) -> None:
        """New data for series ``key`` (``setData`` on the existing item)."""
        s = self.series[key]
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        s.x, s.y, s.bins, s.value = x, y, bins, value
        if s.kind == "line":
            if len(y) and not np.isfinite(y).any():
                s.items[0].setData([], [])  # nothing measured: no all-NaN symbols to bound
            elif s.style == Qt.PenStyle.NoPen:
                ok = np.isfinite(y)  # points only: gaps need no NaN (hover keeps all rows)
                s.items[0].setData(x[ok], y[ok])
            else:
                s.items[0].setData(x, y)
            self._update_symbols(s)
        elif s.kind == "bars":
            w = widths if widths is not None else (
                bins.width_s if bins is not None else np.full(len(x), DAY_S))
            w = np.asarray(w, dtype=np.float64) * 0.82
            c = role_color(self.theme, s.role)
            # outlines only while bars are few enough to be seen apart
            pen = pg.mkPen(c.darker(130), width=0.6) if len(x) <= 160 else pg.mkPen(None)
            s.items[0].setOpts(x0=x - w / 2, width=w, height=np.nan_to_num(y), pen=pen)
        elif s.kind == "area":
            s.items[3].setData(x, y)
            self._update_symbols(s)
        self._update_empty()

    # -- no data -------------------------------------------------------------------------------
    def is_empty(self) -> bool:
        """No series holds a finite value (nothing to draw)."""
        return not any(len(s.y) and np.isfinite(s.y).any() for s in self.series.values()
                       if not s.span)

    def set_empty_reason(self, reason: str) -> None:
        """Why the chart would be empty, shown as "no data — <reason>" while it is."""
        self.empty_reason = reason
        self._update_empty()

    def empty_text(self) -> str:
        """The message over an empty chart ("" when the chart has data)."""
        return self._empty.text() if not self._empty.isHidden() else ""

    def _update_empty(self) -> None:
        if not hasattr(self, "_empty"):
            return
        if self.is_empty():
            self._empty.setText(f"no data — {self.empty_reason}")
            self._empty.setStyleSheet(f"color: {self.theme.muted}; background: transparent;")
            self._place_empty()
            self._empty.show()
        else:
            self._empty.hide()

    def _place_empty(self) -> None:
        r = self.rect().adjusted(80, 30, -16, -24)
        self._empty.setGeometry(r)

    # -- fitting a narrow dock ------------------------------------------------------------------
    def resizeEvent(self, ev: Any) -> None:
        super().resizeEvent(ev)
        self._fit_title()
        self._fit_legend()
        if hasattr(self, "_empty"):
            self._place_empty()

    def set_definition(self, *metric_ids: str) -> None:
        """The tool tip of the title: each metric's definition and direction from the
        catalogue (:func:`vsm_app.metrics.format.tooltip`)."""
        self.plotItem.titleLabel.setToolTip("\n\n".join(fmt.tooltip(m) for m in metric_ids))

    def _fit_title(self) -> None:
        """The title, elided with "…" when the chart is narrower than it (``self.title`` stays
        whole for exports and file names)."""
        if not getattr(self, "_show_title", False):
            return  # also: pyqtgraph sends a resize while the base class is being built
        f = font(TITLE_PT, bold=True)
        shown = QFontMetricsF(f).elidedText(self.title, Qt.TextElideMode.ElideRight,
                                            self._plot_width())
        if shown == getattr(self, "_shown_title", None):
            return
        self._shown_title = shown
        pi = self.plotItem
        pi.setTitle(shown, color=self.theme.text, size=f"{TITLE_PT}pt", bold=True)
        pi.titleLabel.setMinimumWidth(0)  # never widens the plot

    def _plot_width(self) -> float:
        """The width of the title's and the legend's row: the plot beside the value axis."""
        return max(60.0, self.width() - self.plotItem.getAxis("left").width() - 24.0)

    def _fit_legend(self) -> None:
        """As many legend columns as the width holds: at most the ones asked for, at least
        two (a one-column legend would take the plot's height)."""
        legend = getattr(self, "legend", None)
        if legend is None or not legend.items:
            return
        fm = QFontMetricsF(font(TICK_PT))
        widest = max(fm.horizontalAdvance(label.text) for _s, label in legend.items) + 40.0
        most = self._legend_columns
        cols = max(min(2, most), min(most, int(self._plot_width() // widest)))
        if cols != legend.columnCount:
            legend.setColumnCount(cols)

    def add_legend(self, keys: list[str], columns: int = 4) -> pg.LegendItem:
        """A one-row legend of ``keys`` between the title and the plot (never over the data,
        kept in exports)."""
        legend = pg.LegendItem(offset=None, labelTextSize=f"{TICK_PT}pt",
                               labelTextColor=self.theme.text, frame=False,
                               colCount=min(len(keys), columns), horSpacing=4,
                               verSpacing=-2)
        pi = self.plotItem
        top = pi.getAxis("top")
        pi.layout.removeItem(top)  # the (hidden) top axis' cell holds the legend
        top.hide()
        pi.layout.addItem(legend, 1, 1)
        pi.layout.setAlignment(legend, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        # in the plot's layout, not floating over the view: scale with exports like the rest
        legend.setFlag(legend.GraphicsItemFlag.ItemIgnoresTransformations, False)
        legend.layout.setContentsMargins(0, 0, 0, 0)
        for k in keys:
            s = self.series[k]
            legend.addItem(LegendSample(self, s), s.label)
        for _sample, label in legend.items:
            label.setMaximumHeight(22)
        self.legend = legend
        self._legend_columns = min(len(keys), columns)
        self._fit_legend()
        return legend

    def set_y_label(self, label: str) -> None:
        """Rename the value axis (its label names the column of the chart's CSV export)."""
        left = self.plotItem.getAxis("left")
        left.setLabel(label, units=self._csv_units())
        left.showLabel(False)  # setLabel shows it; the chart's title says it on screen

    def set_y_title(self, label: str) -> None:
        """Rename the value axis and its title on screen (with the catalogue's unit), e.g.
        when the unit of flow changes from changes to items."""
        left = self.plotItem.getAxis("left")
        left.setLabel(label, units=self._csv_units())
        self.y_title = axis_title(label, left.unit) if isinstance(left, ValueAxisItem) \
            else label
        if isinstance(left, ValueAxisItem):
            left.shown_title = self.y_title
        left.showLabel(True)

    def set_series_label(self, key: str, label: str) -> None:
        """Rename a series (hover text, legend and the series column of a CSV export)."""
        s = self.series[key]
        if s.label == label:
            return
        s.label = label
        for it in s.items:
            opts = getattr(it, "opts", None)
            if isinstance(opts, dict) and "name" in opts:
                opts["name"] = label
        legend = getattr(self, "legend", None)
        if legend is not None:
            for sample, lab in legend.items:
                if getattr(sample, "series_ref", None) is s:
                    lab.setText(label, color=self.theme.text)

    def _update_symbols(self, s: Series | None = None) -> None:
        """Level of detail for the visible points of each line: symbols only while points
        are at least 7 px apart, antialiasing only while they are at least 3 px apart (a
        dense zig-zag of antialiased segments, or thousands of symbols, would cost more than
        the rest of the chart; at that density the line is a texture anyway).

        Dashed and dotted lines are drawn 1 px wide for the same reason: Qt strokes a thicker
        dashed polyline about 100 times slower."""
        vb = self.plotItem.getViewBox()
        (x0, x1), _ = vb.viewRange()
        width_px = max(vb.width(), 50.0)
        for series in [s] if s is not None else list(self.series.values()):
            if series.kind not in ("line", "area"):
                continue
            item = series.items[0] if series.kind == "line" else series.items[2]
            xs, ys = series.x, series.y
            visible = int(np.count_nonzero((xs >= x0) & (xs <= x1) & np.isfinite(ys))) \
                if len(xs) else 0
            smooth = visible * 3 <= width_px
            if smooth != series.antialiased:
                series.antialiased = smooth
                item.opts["antialias"] = smooth
                item.curve.opts["antialias"] = smooth
                item.curve.update()
            if series.kind != "line" or not series.symbol or not series.auto_symbols:
                continue
            on = 0 < visible and visible * 7 <= width_px
            if on != series.symbols_on:
                series.symbols_on = on
                item.setSymbol(series.symbol if on else None)

    def clear_data(self, reason: str | None = None) -> None:
        """Empty every series (no result); ``reason`` says why ("no data — <reason>")."""
        if reason is not None:
            self.empty_reason = reason
        for key in self.series:
            self.set_series(key, np.empty(0), np.empty(0))
        self.clear_hover()
        self._update_empty()

    # -- y range ----------------------------------------------------------------------------------
    def set_y_fixed(self, lo: float, hi: float) -> None:
        """Pin the y range (e.g. 0–100 % for shares)."""
        self._y_fixed = (lo, hi)
        self.plotItem.getViewBox().setYRange(lo, hi, padding=0)

    def fit_y(self) -> None:
        """Set the y range to the data: from 0 (or the lowest value) to the highest + 10 %."""
        if self._y_fixed is not None:
            self.plotItem.getViewBox().setYRange(*self._y_fixed, padding=0)
            return
        los, his = [], []
        for s in self.series.values():
            y = s.y[np.isfinite(s.y)] if len(s.y) else s.y
            if len(y):
                los.append(float(y.min()))
                his.append(float(y.max()))
        lo = min(los) if los else 0.0
        hi = max(his) if his else self._y_min_span
        if self._y_floor_zero:
            lo = min(lo, 0.0)
            hi = max(hi, 0.0)
        span = max(hi - lo, self._y_min_span)
        top = lo + span if hi - lo < self._y_min_span else hi
        pad = 0.10 * span
        self.plotItem.getViewBox().setYRange(lo - (pad if lo < 0 else 0.0), top + pad,
                                             padding=0)

    # -- theme --------------------------------------------------------------------------------------
    def apply_theme(self, theme: ChartTheme) -> None:
        """Recolour background, axes, title, hover box and every series."""
        self.theme = theme
        self.setBackground(theme.background)
        pi = self.plotItem
        for name in ("left", "bottom"):
            ax = pi.getAxis(name)
            ax.setPen(pg.mkPen(theme.grid))
            ax.setTextPen(pg.mkPen(theme.text))
        self._shown_title = None
        self._fit_title()
        self._crosshair.setPen(pg.mkPen(theme.muted, width=1, style=Qt.PenStyle.DashLine))
        # QColor reads #AARRGGBB (pyqtgraph's own strings are #RRGGBBAA)
        self._readout.fill = pg.mkBrush(QColor(theme.readout_fill))
        self._readout.border = pg.mkPen(QColor(theme.readout_border))
        self._readout.setColor(theme.text)
        for s in self.series.values():
            self._style_series(s)
        legend = getattr(self, "legend", None)
        if legend is not None:
            legend.setLabelTextColor(theme.text)
            for sample, label in legend.items:
                label.setText(label.text, color=theme.text)
                sample.update()
        self._extra_theme(theme)

    def _extra_theme(self, theme: ChartTheme) -> None:
        """Subclasses recolour their own items here."""

    @contextmanager
    def light_look(self) -> Iterator[None]:
        """The light theme for the duration of an export (printable whatever the screen)."""
        old = self.theme
        if old is LIGHT_CHARTS:
            yield
            return
        self.apply_theme(LIGHT_CHARTS)
        try:
            yield
        finally:
            self.apply_theme(old)

    # -- hover ----------------------------------------------------------------------------------------
    def _on_mouse_moved(self, pos: QPointF) -> None:
        vb = self.plotItem.getViewBox()
        if not vb.sceneBoundingRect().contains(pos):
            self.clear_hover()
            return
        p = vb.mapSceneToView(pos)
        self.hover_at(p.x(), p.y())

    def leaveEvent(self, ev: Any) -> None:
        self.clear_hover()
        super().leaveEvent(ev)

    def clear_hover(self) -> None:
        for it in (self._crosshair, self._markers, self._readout):
            it.hide()
        self.hover_text = ""

    def hover_lines(self, x: float, y: float) -> tuple[str, list[tuple[float, float, str]]]:
        """Header and ``(x, y, text)`` per series at ``x``; subclasses add the header."""
        lines = []
        for s in self.series.values():
            if not s.hover:
                continue
            hit = s.lookup(x)
            if hit is None:
                continue
            i, px, v = hit
            if s.texts is not None:
                text = s.texts[i]
            elif not math.isfinite(v):
                text = "—"
            else:
                text = fmt.as_format(s.unit, v, noun=s.noun)
            py = float(s.y[i]) if math.isfinite(float(s.y[i])) else math.nan
            lines.append((px, py, f"{s.label}: {text}"))
        return "", lines

    def hover_at(self, x: float, y: float = math.nan) -> str:
        """Show the read-out for data x ``x``; returns (and keeps in ``hover_text``) its text."""
        header, lines = self.hover_lines(x, y)
        if not lines:
            self.clear_hover()
            return ""
        text = "\n".join([header, *(t for _, _, t in lines)] if header else
                         [t for _, _, t in lines])
        self.hover_text = text
        self._readout.setText(text)
        pts = [(px, py) for px, py, _ in lines if math.isfinite(py)]
        self._markers.setData([p[0] for p in pts], [p[1] for p in pts],
                              brush=pg.mkBrush(self.theme.text), pen=pg.mkPen(
                                  self.theme.background, width=1.5))
        cx = lines[0][0]
        self._crosshair.setPos(cx)
        # the box goes to the view's far side from the pointer: whole, and not under it
        (x0, x1), (y0, y1) = self.plotItem.getViewBox().viewRange()
        top = y0 if self.plotItem.getViewBox().yInverted() else y1
        if cx < (x0 + x1) / 2:
            self._readout.setAnchor((1, 0))
            self._readout.setPos(x1, top)
        else:
            self._readout.setAnchor((0, 0))
            self._readout.setPos(x0, top)
        for it in (self._crosshair, self._markers, self._readout):
            it.show()
        self.hovered.emit(text)
        return text

    def data_to_widget(self, x: float, y: float) -> QPointF:
        """Widget coordinates of a data point (tests move the mouse there)."""
        vb = self.plotItem.getViewBox()
        return self.mapFromScene(vb.mapViewToScene(QPointF(x, y))).toPointF()

    # -- context menu and exports ----------------------------------------------------------
    def contextMenuEvent(self, ev: QContextMenuEvent) -> None:
        self.context_menu().exec(ev.globalPos())
        ev.accept()

    def context_menu(self) -> QMenu:
        """The chart's menu: export the picture or the data, reset the view."""
        menu = QMenu(self)
        a = menu.addAction("Export chart…")
        a.setObjectName("action.export_chart")
        a.triggered.connect(lambda _=False: self.export_chart_dialog())
        a = menu.addAction("Export data (CSV)…")
        a.setObjectName("action.export_data")
        a.triggered.connect(lambda _=False: self.export_data_dialog())
        menu.addSeparator()
        a = menu.addAction("Show all")
        a.triggered.connect(lambda _=False: self.show_all())
        return menu

    def show_all(self) -> None:
        """The whole data on the x axis (and the y range fitted to it)."""
        self.plotItem.getViewBox().autoRange(padding=0.02)
        self.fit_y()

    def mouseDoubleClickEvent(self, ev: Any) -> None:
        self.show_all()
        ev.accept()

    def _suggested_path(self, suffix: str) -> str:
        folder = _last_export_dir[-1] if _last_export_dir else str(Path.home())
        stem = "".join(c if c.isalnum() or c in " -_" else "_" for c in self.title).strip()
        return str(Path(folder) / f"{stem or 'chart'}{suffix}")

    def export_chart_dialog(self) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export chart", self._suggested_path(".png"),
            "PNG image (*.png);;SVG image (*.svg)")
        if not path:
            return None
        _last_export_dir.append(str(Path(path).parent))
        return self.export_chart(path)

    def export_data_dialog(self) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export chart data", self._suggested_path(".csv"), "CSV (*.csv)")
        if not path:
            return None
        _last_export_dir.append(str(Path(path).parent))
        return self.export_data(path)

    def export_chart(self, path: str | os.PathLike[str]) -> Path:
        """Write the chart as PNG or SVG (light theme, white background)."""
        from ..export import export_plot

        self.clear_hover()
        with self.light_look():
            result = export_plot(self, path, background="#ffffff",
                                 project_path=self.project_path())
        return Path(result.path)

    def export_data(self, path: str | os.PathLike[str]) -> Path:
        """Write the chart's series as CSV (one row per point)."""
        from ..export import export_plot_data_csv

        return Path(export_plot_data_csv(self, path, project_path=self.project_path()))


class TimeChart(Chart):
    """A chart over time: UTC date axis, shared x range, the analysed window highlighted.

    Signals
    -------
    window_dragging(float, float)
        An edge of the window region is being dragged (UTC seconds).
    window_dragged(float, float)
        The user let go of a window edge: the window they want analysed (UTC seconds).
    """

    window_dragging = Signal(float, float)
    window_dragged = Signal(float, float)

    def __init__(self, title: str, unit: str, **kwargs: Any) -> None:
        super().__init__(title, unit, bottom_axis=pg.DateAxisItem("bottom", utcOffset=0),
                         view_box=TimeViewBox(enableMenu=False), **kwargs)
        self.plotItem.getAxis("bottom").setLabel("Period middle")
        self.plotItem.getAxis("bottom").showLabel(False)
        self.periods: PeriodAxis | None = None
        self._region = WindowRegion(values=(0, 1), movable=True)
        self._region.setZValue(-20)
        self._region.hide()
        self.plotItem.getViewBox().addItem(self._region, ignoreBounds=True)
        self._region.sigRegionChanged.connect(self._on_region_changing)
        self._region.sigRegionChangeFinished.connect(self._on_region_finished)
        self._setting_region = False
        self._window_full = True
        self._extent: tuple[float, float] | None = None
        self._extra_theme(self.theme)

    def _extra_theme(self, theme: ChartTheme) -> None:
        region = getattr(self, "_region", None)
        if region is None:
            return
        fill = QColor(theme.window_fill)
        if self._window_full:
            fill.setAlpha(0)
        region.setBrush(fill)
        region.setHoverBrush(fill)
        for line in region.lines:
            line.setPen(pg.mkPen(theme.window_edge, width=2, style=Qt.PenStyle.DashLine))
            line.setHoverPen(pg.mkPen(theme.window_edge, width=4))

    def set_periods(self, axis: PeriodAxis) -> None:
        """The period bins hover reads (header text)."""
        self.periods = axis

    def set_extent(self, lo: float, hi: float) -> None:
        """Limit panning and zooming to the data (plus a small margin)."""
        if self._extent == (lo, hi):
            return
        self._extent = (lo, hi)
        pad = max((hi - lo) * 0.03, DAY_S)
        self.plotItem.getViewBox().setLimits(xMin=lo - pad, xMax=hi + pad,
                                             minXRange=3 * DAY_S)

    def set_window(self, lo: float, hi: float, full: bool) -> None:
        """Show the analysed window ``[lo, hi)`` (UTC s); ``full`` = the whole data extent
        (edges shown, no shading)."""
        self._window_full = full
        self._setting_region = True
        try:
            self._region.setRegion((lo, hi))
        finally:
            self._setting_region = False
        self._region.show()
        self._extra_theme(self.theme)

    def window(self) -> tuple[float, float]:
        lo, hi = self._region.getRegion()
        return float(lo), float(hi)

    def _on_region_changing(self) -> None:
        if not self._setting_region:
            self.window_dragging.emit(*self.window())

    def _on_region_finished(self) -> None:
        if not self._setting_region:
            self.window_dragged.emit(*self.window())

    def hover_lines(self, x: float, y: float) -> tuple[str, list[tuple[float, float, str]]]:
        _, lines = super().hover_lines(x, y)
        header = ""
        if self.periods is not None:
            i = self.periods.index_at(x)
            if i is not None:
                header = self.periods.describe(i)
        if not header and lines:
            import pandas as pd

            header = fmt.date_text(pd.Timestamp(lines[0][0], unit="s", tz="UTC"))
        return header, lines

    def context_menu(self) -> QMenu:
        menu = super().context_menu()
        a = menu.addAction("Zoom to the analysed window")
        a.triggered.connect(lambda _=False: self.zoom_to_window())
        return menu

    def clear_data(self, reason: str | None = None) -> None:
        super().clear_data(reason)
        self._region.hide()
        self.periods = None

    def zoom_to_window(self) -> None:
        lo, hi = self.window()
        self.plotItem.getViewBox().setXRange(lo, hi, padding=0.02)


class AreaStack:
    """Stacked areas on a :class:`Chart`: one band per key, each a solid fill plus a hatch,
    its top edge drawn as a line; hover reads each band's own share."""

    def __init__(self, chart: Chart, keys: list[tuple[str, str]], unit: str = "percent") -> None:
        self.chart = chart
        self.keys = [k for k, _ in keys]
        vb = chart.plotItem.getViewBox()
        self._base = pg.PlotDataItem(connect="finite")  # the zero line under the first band
        self._base.setPen(pg.mkPen(None))
        vb.addItem(self._base)
        below = self._base
        for key, label in keys:
            top = pg.PlotDataItem(name=label, connect="finite", antialias=True)
            chart.plotItem.addItem(top)
            for c in (below, top):  # same x, same view: both reduce to the same points
                reduce_when_dense(c, points_per_px=AREA_POINTS_PER_PX)
            # fill between the drawn curves, which follow clipping and downsampling
            solid = pg.FillBetweenItem(below.curve, top.curve)
            hatch = pg.FillBetweenItem(below.curve, top.curve)
            for f in (solid, hatch):
                vb.addItem(f, ignoreBounds=True)
            s = Series(f"share_{key}", label, unit, "area", [solid, hatch, top, top],
                       role=f"kind:{key}")
            chart.series[s.key] = s
            chart._style_series(s)
            below = top

    def set_data(self, x: np.ndarray, shares: dict[str, np.ndarray],
                 bins: PeriodAxis | None = None) -> None:
        """Stack ``shares`` (fractions per x, NaN where nothing finished) in key order."""
        x = np.asarray(x, dtype=np.float64)
        n = len(x)
        rows = [np.asarray(shares.get(k, np.full(n, np.nan)), dtype=np.float64)
                for k in self.keys]
        empty = np.all([np.isnan(r) for r in rows], axis=0) if rows else np.ones(n, bool)
        base = np.where(empty, np.nan, 0.0)
        self._base.setData(x, base)
        cum = base.copy()
        for key, r in zip(self.keys, rows, strict=True):
            cum = cum + np.nan_to_num(r)
            cum = np.where(empty, np.nan, cum)
            self.chart.set_series(f"share_{key}", x, cum, bins=bins, value=r)
