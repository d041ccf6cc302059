"""The look-ahead charts (issue 19): cycle-time scatter, aging WIP, cumulative flow and the
forecast histogram.

Each chart draws what :mod:`vsm_app.analysis.flow_analytics` returns, never computes a
metric of its own: a percentile line is at the value the core computed, a dot is a point of
the core's scatter, a band's height on a day is the core's count. The unit of flow comes with
the data (``FlowUnits.noun``: changes today, items from a tracker later) and every title,
axis and read-out names it. They are :class:`~vsm_app.ui.charts.base.Chart` s: the one chart
style (:mod:`vsm_app.ui.charts.style`), the hover read-out, and the context menu's *Export
chart…* (PNG/SVG) and *Export data (CSV)…*; their CSV is a table of the chart's own numbers
(:meth:`csv_table`, written by :func:`vsm_app.ui.export.export_plot_data_csv` through the
formula-neutralising writer and the output-target check).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

from ...analysis.flow_analytics import CumulativeFlow, CycleTimeScatter
from ...analysis.flow_analytics.aging import AgingWip
from ...analysis.flow_analytics.forecast import Forecast
from ...metrics import format as fmt
from .base import Chart
from .data import DAY_S, seconds
from .style import KINDS, TICK_PT, ChartTheme, font

#: kinds drawn with their own colour; any other kind is drawn as "other"
OTHER = "other"
#: the percentile lines, their series role and dash
LINES: tuple[tuple[str, str, Qt.PenStyle], ...] = (
    ("p50", "s0", Qt.PenStyle.DashLine),
    ("p85", "s1", Qt.PenStyle.DashLine),
    ("p95", "s2", Qt.PenStyle.DotLine),
)
#: dots drawn antialiased up to this many per kind
SMOOTH_DOTS = 20_000
#: a dot is hovered when the pointer is this close (pixels)
HOVER_PX = 12.0


class DotsItem(pg.GraphicsObject):
    """Many same-coloured dots in one ``drawPoints`` call (a round cosmetic pen ``size`` px
    wide): 100,000 dots paint in a few tens of ms, where pyqtgraph's scatter item would
    spend half a second building per-point records before painting anything."""

    def __init__(self, size: float = 6.0) -> None:
        super().__init__()
        self.size = size
        self.color = QColor("#000000")
        self._poly = QPolygonF()
        self._rect = QRectF()

    def setData(self, x: np.ndarray, y: np.ndarray) -> None:  # noqa: N802 - pyqtgraph style
        self.prepareGeometryChange()
        x = np.ascontiguousarray(x, dtype=np.float64)
        y = np.ascontiguousarray(y, dtype=np.float64)
        if len(x):
            self._poly = pg.functions.arrayToQPolygonF(x, y)
            self._rect = QRectF(float(x.min()), float(y.min()),
                                max(float(x.max() - x.min()), 1e-9),
                                max(float(y.max() - y.min()), 1e-9))
        else:
            self._poly, self._rect = QPolygonF(), QRectF()
        self.update()

    def set_color(self, c: QColor) -> None:
        self.color = QColor(c)
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._rect

    def paint(self, p: QPainter, *args: Any) -> None:
        if self._poly.isEmpty():
            return
        pen = QPen(self.color)
        pen.setWidthF(self.size)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setCosmetic(True)
        # smooth circles while they can be told apart; a dense cloud is a texture anyway and
        # paints ~5 times faster without
        p.setRenderHint(QPainter.RenderHint.Antialiasing, self._poly.size() <= SMOOTH_DOTS)
        p.setPen(pen)
        p.drawPoints(self._poly)


def _date_axis() -> pg.DateAxisItem:
    return pg.DateAxisItem("bottom", utcOffset=0)


def _iso(ts: Any) -> str:
    return "" if ts is None or pd.isna(ts) else pd.Timestamp(ts).isoformat()


class _UnitChart(Chart):
    """A chart titled by the unit of flow it counts ("changes", "items")."""

    noun: str

    @staticmethod
    def _title(noun: str) -> str:
        raise NotImplementedError

    def set_noun(self, noun: str) -> None:
        self.noun = noun
        self.title = self._title(noun)
        self.setObjectName(f"chart.{self.title}")
        self._shown_title = None


class ScatterChart(_UnitChart):
    """One dot per finished unit: x = finish, y = flow time, colour = kind; the p50/p85/p95
    lines over the window and the team's SLE (docs/metrics.md §14)."""

    def __init__(self, noun: str = "changes") -> None:
        super().__init__(self._title(noun), "duration", bottom_axis=_date_axis(),
                         y_label="Flow time", min_height=160)
        self.noun = noun
        self.data: CycleTimeScatter | None = None
        #: the dots of each kind (the kind's series holds their data, legend and colour)
        self.dots: dict[str, DotsItem] = {}
        for k in (*KINDS, OTHER):
            role = f"kind:{k}" if k in KINDS else "muted"
            self.add_line(f"kind_{k}", k.capitalize(), role=role, style=Qt.PenStyle.NoPen,
                          symbol="o", auto_symbols=False, reduce="none", hover=False)
            dots = DotsItem()
            dots.setZValue(5)
            self.plotItem.getViewBox().addItem(dots, ignoreBounds=True)
            self.dots[k] = dots
        self._extra_theme(self.theme)
        for name, role, style in LINES:
            self.add_line(name, name, role=role, width=1.6, style=style)
            self.series[name].span = True
        self.add_line("sle", "SLE", role="target", width=2.0)
        self.series["sle"].span = True
        self.add_legend([*(f"kind_{k}" for k in (*KINDS, OTHER)), "p50", "p85", "p95", "sle"],
                        columns=9)

    @staticmethod
    def _title(noun: str) -> str:
        return f"Cycle time — one dot per finished {noun[:-1] if noun.endswith('s') else noun}"

    def _extra_theme(self, theme: ChartTheme) -> None:
        from .base import role_color

        for k, dots in getattr(self, "dots", {}).items():
            c = role_color(theme, self.series[f"kind_{k}"].role)
            c.setAlpha(200)
            dots.set_color(c)

    def set_noun(self, noun: str) -> None:
        super().set_noun(noun)
        self._fit_title()

    def set_data(self, sc: CycleTimeScatter | None) -> None:
        """Draw a :class:`CycleTimeScatter` (None: empty)."""
        self.data = sc
        empty = np.empty(0)
        if sc is None:
            self.clear_data()
            for dots in self.dots.values():
                dots.setData(empty, empty)
            return
        pts = sc.points
        x = seconds(pts["finished_at"]) if len(pts) else empty
        y = pts["flow_time_s"].to_numpy(dtype=np.float64) if len(pts) else empty
        kinds = np.asarray(pts["kind"].astype(str).to_numpy(dtype=object)) if len(pts) else empty
        kinds = np.where(np.isin(kinds, KINDS), kinds, OTHER)
        for k in (*KINDS, OTHER):
            mine = kinds == k
            s = self.series[f"kind_{k}"]
            s.x, s.y = x[mine], y[mine]  # drawn by the dots item, read by fit_y and tests
            self.dots[k].setData(s.x, s.y)
        lo, hi = sc.window[0] / 1e9, sc.window[1] / 1e9
        for name, _r, _s in LINES:
            v = sc.lines.get(name)
            self.set_series(name, *((np.array([lo, hi]), np.array([v, v])) if v is not None
                                    else (empty, empty)))
            self.set_series_label(name, f"{name} {fmt.duration(v)}" if v is not None else name)
        if sc.sle is not None:
            w = sc.sle.sle.within_s
            self.set_series("sle", np.array([lo, hi]), np.array([w, w]))
            self.set_series_label("sle", f"SLE {sc.sle.sle}")
        else:
            self.set_series("sle", empty, empty)
            self.set_series_label("sle", "SLE (none)")
        self.plotItem.getViewBox().setXRange(lo, hi, padding=0.02)
        self.fit_y()

    def dot_count(self) -> int:
        """Dots drawn (every kind)."""
        return sum(len(self.series[f"kind_{k}"].x) for k in (*KINDS, OTHER))

    def hover_lines(self, x: float, y: float) -> tuple[str, list[tuple[float, float, str]]]:
        """The nearest dot within :data:`HOVER_PX`: its label (a sha or an item key, never a
        person), kind, finish and flow time; else the lines' values."""
        sc = self.data
        if sc is not None and len(sc.points) and math.isfinite(y):
            pw, ph = self.plotItem.getViewBox().viewPixelSize()
            xs = seconds(sc.points["finished_at"])
            ys = sc.points["flow_time_s"].to_numpy(dtype=np.float64)
            d = np.hypot((xs - x) / max(pw, 1e-9), (ys - y) / max(ph, 1e-9))
            i = int(np.argmin(d))
            if d[i] <= HOVER_PX:
                p = sc.points.iloc[i]
                return str(p["label"]), [(float(xs[i]), float(ys[i]),
                                          f"{p['kind']} · finished "
                                          f"{fmt.date_text(p['finished_at'])}\n"
                                          f"Flow time {fmt.duration(float(ys[i]))}")]
        lines = []
        for name in ("p50", "p85", "p95", "sle"):
            hit = self.series[name].lookup(x)
            if hit is not None:
                lines.append((hit[1], hit[2], f"{self.series[name].label}"))
        return "", lines

    def csv_table(self) -> tuple[list[str], list[list[Any]]]:
        """One row per dot, then one per line: series, unit, kind, finished_at, flow_time_s."""
        header = ["series", "unit", "kind", "finished_at", "flow_time_s"]
        rows: list[list[Any]] = []
        sc = self.data
        if sc is None:
            return header, rows
        for p in sc.points.itertuples(index=False):
            rows.append(["dot", p.label, p.kind, _iso(p.finished_at), float(p.flow_time_s)])
        for name in ("p50", "p85", "p95"):
            v = sc.lines.get(name)
            rows.append([name, "", "", "", "" if v is None else v])
        if sc.sle is not None:
            rows.append([f"SLE {sc.sle.sle}", "", "", "", sc.sle.sle.within_s])
        return header, rows


class StageAxis(pg.AxisItem):
    """Stage names (and their WIP against the limit) under the aging chart's columns."""

    def __init__(self) -> None:
        super().__init__("bottom")
        self.names: list[str] = []

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[Any]:
        return [(1.0, [float(i) for i in range(len(self.names))])]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        out = []
        for v in values:
            i = int(round(v))
            out.append(self.names[i] if 0 <= i < len(self.names) else "")
        return out


class AgingChart(_UnitChart):
    """Units in progress now, one column per stage (map order), each dot at its age in the
    stage, over the stage's history of stays (p50/p85/p95 bands); past the SLE ringed."""

    def __init__(self, noun: str = "changes") -> None:
        self.stage_axis = StageAxis()
        super().__init__(self._title(noun),
                         "duration", bottom_axis=self.stage_axis, y_label="Age in stage",
                         min_height=160)
        self.noun = noun
        self.data: AgingWip | None = None
        vb = self.plotItem.getViewBox()
        vb.setMouseEnabled(x=False, y=False)
        self.bands = [pg.BarGraphItem(x=[], height=[], width=0.8) for _ in range(3)]
        for b in self.bands:
            b.setZValue(-10)
            vb.addItem(b)
        self.dots = pg.ScatterPlotItem(size=9, pen=None)
        self.rings = pg.ScatterPlotItem(size=15, brush=None)
        vb.addItem(self.dots)
        vb.addItem(self.rings)
        self._xy = (np.empty(0), np.empty(0))
        self.stage_axis.setStyle(tickFont=font(TICK_PT))
        self.stage_axis.setHeight(46)  # two lines: the stage, its WIP (and limit)
        self._extra_theme(self.theme)

    @staticmethod
    def _title(noun: str) -> str:
        return f"Aging WIP — open {noun} by age in their stage"

    def _extra_theme(self, theme: ChartTheme) -> None:
        if not hasattr(self, "bands"):
            return
        for b, role in zip(self.bands, ("better", "s1", "worse"), strict=True):
            c = QColor(theme.series[1] if role == "s1" else getattr(theme, role))
            c.setAlpha(60)
            b.setOpts(brush=c, pen=pg.mkPen(None))
        self.rings.setPen(pg.mkPen(theme.worse, width=2.2))
        if self.data is not None:
            self._draw_dots()

    def set_data(self, ag: AgingWip | None, breaches: dict[str, int] | None = None) -> None:
        """Draw an :class:`AgingWip`; ``breaches``: stage → days over its WIP limit."""
        self.data = ag
        if ag is None:
            self.stage_axis.names = []
            for b in self.bands:
                b.setOpts(x=[], height=[], y0=[])
            self.dots.setData([], [])
            self.rings.setData([], [])
            self.clear_hover()
            return
        st = ag.stages
        names = []
        for r in st.itertuples(index=False):
            label = f"{r.stage}\n{r.wip} open"
            if not pd.isna(r.wip_limit):
                label += f" · limit {int(r.wip_limit)}" + (" ⚠" if r.over_limit else "")
            names.append(label)
        self.stage_axis.names = names
        self.stage_axis.picture = None
        self.stage_axis.update()
        x = np.arange(len(st), dtype=np.float64)
        p50 = pd.to_numeric(st["p50_s"], errors="coerce").to_numpy(dtype=np.float64)
        p85 = pd.to_numeric(st["p85_s"], errors="coerce").to_numpy(dtype=np.float64)
        p95 = pd.to_numeric(st["p95_s"], errors="coerce").to_numpy(dtype=np.float64)
        has = np.isfinite(p50)
        for b, lo, hi in zip(self.bands, (np.zeros(len(st)), p50, p85), (p50, p85, p95),
                             strict=True):
            b.setOpts(x=x[has], y0=lo[has], height=(hi - lo)[has], width=0.8)
        # each open unit in its stage's column, spread across the column by age rank
        code = {s: i for i, s in enumerate(st["stage"].tolist())}
        u = ag.units
        col = u["stage"].map(code).to_numpy(dtype=np.float64)
        spread = np.zeros(len(u))
        for i in range(len(st)):
            mine = np.flatnonzero(col == i)
            if len(mine) > 1:
                spread[mine] = np.linspace(-0.3, 0.3, len(mine))
        self._xy = (col + spread, u["stage_age_s"].to_numpy(dtype=np.float64))
        self._draw_dots()
        self.plotItem.getViewBox().setXRange(-0.6, max(len(st), 1) - 0.4, padding=0)
        top = np.concatenate([self._xy[1], p95[has]]) if len(u) or has.any() else np.array([1.0])
        top = top[np.isfinite(top)]
        hi = float(top.max()) if len(top) else 3600.0
        self.plotItem.getViewBox().setYRange(0.0, max(hi, 3600.0) * 1.1, padding=0)

    def _draw_dots(self) -> None:
        ag = self.data
        if ag is None:
            return
        u = ag.units
        brushes = [pg.mkBrush(self.theme.kinds.get(str(k), self.theme.muted))
                   for k in u["kind"].astype(str)]
        self.dots.setData(self._xy[0], self._xy[1], brush=brushes,
                          pen=pg.mkPen(self.theme.background, width=0.8))
        past = u["past_sle"].to_numpy(dtype=bool)
        self.rings.setData(self._xy[0][past], self._xy[1][past])

    def fit_y(self) -> None:
        pass  # the y range is set with the data (dots and the bands' p95)

    def hover_lines(self, x: float, y: float) -> tuple[str, list[tuple[float, float, str]]]:
        ag = self.data
        if ag is None or not len(ag.units) or not math.isfinite(y):
            return "", []
        pw, ph = self.plotItem.getViewBox().viewPixelSize()
        xs, ys = self._xy
        d = np.hypot((xs - x) / max(pw, 1e-9), (ys - y) / max(ph, 1e-9))
        i = int(np.argmin(d))
        if d[i] > HOVER_PX:
            return "", []
        r = ag.units.iloc[i]
        text = (f"{r['kind']} · in {r['stage']} {fmt.duration(float(r['stage_age_s']))} "
                f"({r['stage_age_band'] or 'no history'})\n"
                f"Age {fmt.duration(float(r['age_s']))} ({r['age_band'] or 'no history'})"
                + ("\nPast the SLE" if r["past_sle"] else ""))
        return str(r["label"]), [(float(xs[i]), float(ys[i]), text)]

    def csv_table(self) -> tuple[list[str], list[list[Any]]]:
        header = ["unit", "kind", "stage", "started_at", "stage_entered_at", "age_s",
                  "stage_age_s", "age_band", "stage_age_band", "past_sle"]
        ag = self.data
        if ag is None:
            return header, []
        return header, [[r.label, r.kind, r.stage, _iso(r.started_at), _iso(r.stage_entered_at),
                         float(r.age_s), float(r.stage_age_s), r.age_band or "",
                         r.stage_age_band or "", bool(r.past_sle)]
                        for r in ag.units.itertuples(index=False)]


class CfdChart(_UnitChart):
    """Cumulative flow by map stage: Done at the bottom, the stages above it in map order
    from the top (the first stage's top is the cumulative arrivals), the arrival and
    departure rate lines dashed."""

    def __init__(self, noun: str = "changes") -> None:
        super().__init__(self._title(noun), "count",
                         bottom_axis=_date_axis(), y_label=f"Cumulative {noun}",
                         min_height=160)
        self.noun = noun
        self.data: CumulativeFlow | None = None
        self._fills: list[pg.FillBetweenItem] = []
        self._base = pg.PlotDataItem()
        self._base.setPen(pg.mkPen(None))
        self.plotItem.getViewBox().addItem(self._base, ignoreBounds=True)
        self.add_line("rate_arrivals", "Arrival rate", role="s3", width=1.2,
                      style=Qt.PenStyle.DashLine, hover=False)
        self.add_line("rate_departures", "Departure rate", role="text", width=1.2,
                      style=Qt.PenStyle.DashLine, hover=False)
        self._columns: list[str] = []

    @staticmethod
    def _title(noun: str) -> str:
        return f"Cumulative flow — {noun} by stage, daily"

    def set_noun(self, noun: str) -> None:
        super().set_noun(noun)
        self.set_y_title(f"Cumulative {noun}")

    def _band_colour(self, i: int, name: str) -> QColor:
        if name == "Done":
            return QColor(self.theme.muted)
        pal = self.theme.palette
        return QColor(pal[i % len(pal)])

    def _ensure_bands(self, columns: list[str]) -> None:
        if columns == self._columns:
            return
        vb = self.plotItem.getViewBox()
        for key in [k for k in self.series if k.startswith("band:")]:
            s = self.series.pop(key)
            self.plotItem.removeItem(s.items[0])
        for f in self._fills:
            vb.removeItem(f)
        self._fills = []
        if getattr(self, "legend", None) is not None:
            self.legend.scene().removeItem(self.legend) if self.legend.scene() else None
            self.plotItem.layout.removeItem(self.legend)
            self.legend = None
        below: Any = self._base
        # bottom to top: Done, then the stages from the last to the first
        for name in columns:
            self.add_line(f"band:{name}", name, role="text", width=1.0, reduce="none")
            top = self.series[f"band:{name}"].items[0]
            fill = pg.FillBetweenItem(below.curve if hasattr(below, "curve") else below,
                                      top.curve)
            fill.setZValue(-5)
            vb.addItem(fill, ignoreBounds=True)
            self._fills.append(fill)
            below = top
        self._columns = columns
        self._recolour()
        self.add_legend([*(f"band:{c}" for c in reversed(columns)), "rate_arrivals",
                         "rate_departures"], columns=8)

    def _recolour(self) -> None:
        stages = [c for c in self._columns if c != "Done"]
        order = {name: i for i, name in enumerate(reversed(stages))}
        for fill, name in zip(self._fills, self._columns, strict=True):
            c = self._band_colour(order.get(name, 0), name)
            line = QColor(c)
            c.setAlpha(150)
            fill.setBrush(c)
            s = self.series[f"band:{name}"]
            s.role = line.name()  # the legend's swatch in the band's colour
            s.items[0].setPen(pg.mkPen(line.darker(120), width=1.0))
        legend = getattr(self, "legend", None)
        if legend is not None:
            for sample, _label in legend.items:
                sample.update()

    def _extra_theme(self, theme: ChartTheme) -> None:
        if getattr(self, "_fills", None):
            self._recolour()


    def set_data(self, cfd: CumulativeFlow | None) -> None:
        self.data = cfd
        if cfd is None or not cfd.days:
            self._ensure_bands([])
            self.clear_data()
            return
        stages = cfd.stage_columns
        columns = ["Done", *reversed(stages)]
        self._ensure_bands(columns)
        # drawn at the end of each day (the sampling instant)
        x = seconds(cfd.bands.index) + DAY_S
        self._base.setData(x, np.zeros(len(x)))
        cum = np.zeros(len(x))
        for name in columns:
            v = cfd.bands[name].to_numpy(dtype=np.float64)
            cum = cum + v
            self.set_series(f"band:{name}", x, cum, value=v)
        rates = cfd.rate_lines()
        self.set_series("rate_arrivals", x, rates["arrivals"].to_numpy(dtype=np.float64))
        self.set_series("rate_departures", x, rates["departures"].to_numpy(dtype=np.float64))
        self.plotItem.getViewBox().setXRange(cfd.window[0] / 1e9, cfd.window[1] / 1e9,
                                             padding=0.01)
        self.fit_y()

    def band_top(self, name: str) -> np.ndarray:
        """The drawn top of a band (cumulative from the bottom), per day."""
        return self.series[f"band:{name}"].y

    def band_height(self, name: str) -> np.ndarray:
        """The drawn height of a band (top − the top of the band under it), per day."""
        i = self._columns.index(name)
        top = self.band_top(name)
        below = self.band_top(self._columns[i - 1]) if i else np.zeros(len(top))
        return top - below

    def hover_lines(self, x: float, y: float) -> tuple[str, list[tuple[float, float, str]]]:
        cfd = self.data
        if cfd is None or not cfd.days:
            return "", []
        day = int((x - cfd.window[0] / 1e9) // DAY_S)
        if not 0 <= day < cfd.days:
            return "", []
        row = cfd.bands.iloc[day]
        xs = float(seconds(cfd.bands.index[day:day + 1])[0] + DAY_S)
        lines = [(xs, float(self.band_top(name)[day]),
                  f"{name}: {fmt.count(int(row[name]))}") for name in reversed(self._columns)]
        lines.append((xs, math.nan, f"In progress: {fmt.count(int(cfd.wip.iloc[day]))}"))
        head = f"End of {fmt.date_text(cfd.bands.index[day])}"
        return head, lines

    def csv_table(self) -> tuple[list[str], list[list[Any]]]:
        cfd = self.data
        cols = ([] if cfd is None else [*cfd.stage_columns, "Done"])
        header = ["day", *cols, "in_progress", "arrivals_cumulative", "arrival_rate_line",
                  "departure_rate_line"]
        if cfd is None:
            return header, []
        rates = cfd.rate_lines()
        rows = []
        for i, day in enumerate(cfd.bands.index):
            rows.append([day.date().isoformat(), *(int(cfd.bands[c].iloc[i]) for c in cols),
                         int(cfd.wip.iloc[i]), int(cfd.arrivals.iloc[i]),
                         float(rates["arrivals"].iloc[i]), float(rates["departures"].iloc[i])])
        return header, rows


class ForecastChart(Chart):
    """The forecast's histogram: trials per completion day ("when") or per number done
    ("how many"), with the 50/70/85/95 % answers as vertical lines."""

    def __init__(self, noun: str = "changes") -> None:
        self.date_axis = _date_axis()
        super().__init__("Forecast — share of trials", "count", bottom_axis=self.date_axis,
                         y_label="Trials", min_height=140)
        self.noun = noun
        self.data: Forecast | None = None
        self.add_bars("trials", "Trials", role="s0", noun="trials")
        self.answer_lines: list[pg.InfiniteLine] = []
        for _ in range(4):
            line = pg.InfiniteLine(angle=90, movable=False,
                                   label="", labelOpts={"position": 0.92, "anchors":
                                                        [(0, 0), (0, 0)]})
            line.hide()
            self.plotItem.getViewBox().addItem(line, ignoreBounds=True)
            self.answer_lines.append(line)
        self._extra_theme(self.theme)

    def _extra_theme(self, theme: ChartTheme) -> None:
        for line in getattr(self, "answer_lines", []):
            line.setPen(pg.mkPen(theme.target, width=1.6, style=Qt.PenStyle.DashLine))
            if line.label is not None:
                line.label.setColor(theme.text)

    def set_data(self, fc: Forecast | None) -> None:
        self.data = fc
        for line in self.answer_lines:
            line.hide()
        if fc is None or not len(fc.histogram):
            self.clear_data()
            return
        when = fc.question == "when"
        self.date_axis.setTicks(None)
        h = fc.histogram
        if when:
            x = seconds(h.index) + DAY_S / 2
            self.title = f"When will {fmt.count(fc.items or 0)} {self.noun} be done — " \
                         f"trials by completion day"
            widths = np.full(len(x), DAY_S)
        else:
            x = h.index.to_numpy(dtype=np.float64)
            self.title = f"How many {self.noun} by {fmt.date_text(fc.by)} — trials by " \
                         f"number done"
            widths = np.ones(len(x))
        self._use_date_axis(when)
        self._shown_title = None
        self._fit_title()
        self.set_series("trials", x, h.to_numpy(dtype=np.float64), widths=widths)
        for line, (k, v) in zip(self.answer_lines, fc.answers.items(), strict=False):
            if v is None:
                continue
            pos = (seconds(pd.DatetimeIndex([v]))[0] + DAY_S / 2) if when else float(v)
            line.setPos(pos)
            line.show()
            line.label.setFormat(f"{k[1:]} %")  # after show: a hidden label is not updated
        self.plotItem.getViewBox().autoRange(padding=0.04)
        self.fit_y()

    def _use_date_axis(self, dates: bool) -> None:
        """Dates under a "when" histogram, plain counts under a "how many" one."""
        ax = self.plotItem.getAxis("bottom")
        if dates:
            ax.tickStrings = self.date_axis.__class__.tickStrings.__get__(ax)
            ax.tickValues = self.date_axis.__class__.tickValues.__get__(ax)
        else:
            ax.tickStrings = pg.AxisItem.tickStrings.__get__(ax)
            ax.tickValues = pg.AxisItem.tickValues.__get__(ax)
        ax.picture = None
        ax.update()

    def hover_lines(self, x: float, y: float) -> tuple[str, list[tuple[float, float, str]]]:
        fc = self.data
        if fc is None or not len(fc.histogram):
            return "", []
        s = self.series["trials"]
        j = int(np.argmin(np.abs(s.x - x)))
        w = DAY_S if fc.question == "when" else 1.0
        if abs(s.x[j] - x) > w * 0.6:
            return "", []
        n = int(s.y[j])
        share = n / fc.trials
        if fc.question == "when":
            head = f"Done on {fmt.date_text(fc.histogram.index[j])}"
        else:
            head = f"{fmt.count(int(fc.histogram.index[j]))} {self.noun} done"
        return head, [(float(s.x[j]), float(n), f"{fmt.count(n)} trials ({share * 100:.1f} %)")]

    def csv_table(self) -> tuple[list[str], list[list[Any]]]:
        fc = self.data
        if fc is None:
            return ["value", "trials"], []
        first = "completion_day" if fc.question == "when" else f"{self.noun}_done"
        rows: list[list[Any]] = []
        for k, n in fc.histogram.items():
            rows.append([k.date().isoformat() if fc.question == "when" else int(k), int(n)])
        for k, v in fc.answers.items():
            text = "" if v is None else (v.date().isoformat() if fc.question == "when"
                                         else int(v))
            rows.append([f"answer {k[1:]} %", text])
        return [first, "trials"], rows


__all__ = ["AgingChart", "CfdChart", "ForecastChart", "ScatterChart"]
