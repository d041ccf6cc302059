"""The constraint dashboard: the one current constraint first, then what moved lead time.

* :class:`ConstraintBanner`: one line naming the constraint, shown atop the other dashboards
  too, so no dashboard opens on a wall of metrics without it.
* :class:`WaterfallChart`: each stage's contribution to the change in median lead time between
  the two halves of the window (or baseline and now), then the total bar; the bars add up to
  the total, every value labelled with ``format_duration``.
* :class:`ConstraintPanel`: headline, plain-language sentence, the waterfall and the constraint
  of each period on the shared time axis.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ...analysis.constraint import constraint_sentence, window_name
from ...analysis.coverage import coverage_sentence, coverage_short, withheld_advice
from ...analysis.engine import AnalysisResult
from ...analysis.results import Constraint, DecompositionWindow
from ...metrics import format as fmt
from .base import Chart, Series, TimeChart, role_color
from .data import PeriodAxis, column, period_axis
from .style import TICK_PT, ChartTheme, font

TOTAL = "Total change"
NOT_MEASURED = "Constraint: not measured yet"
#: panel widths at which the constraint panel's layout changes (see ConstraintPanel.set_mode)
WIDE_PX = 1350
MEDIUM_PX = 700


def constraint_headline(bottleneck: Constraint | None) -> str:
    """``Constraint: Review — 43 % of waiting · 4 of 5 stages, 128 changes`` (or that none is
    named, and on what: the reasons and the advice are in :func:`withheld_advice`)."""
    if bottleneck is None:
        return NOT_MEASURED
    b = bottleneck
    short = coverage_short(b)
    if not b.stage:
        if short:
            return f"No constraint named · {short}"
        why = b.reason("stage") or "no measured waiting in this window"
        return f"No constraint found: {why}"
    part = (f" — {fmt.value('bottleneck.share', b.share)} of waiting"
            if b.share is not None else "")
    return f"Constraint: {b.stage}{part}" + (f" · {short}" if short else "")


class ConstraintBanner(QLabel):
    """The current constraint in one line (atop the DORA and flow dashboards)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(NOT_MEASURED, parent)
        self.setObjectName("constraintBanner")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def clear(self) -> None:
        self.setText(NOT_MEASURED)
        self.setToolTip("")

    def set_result(self, result: AnalysisResult) -> None:
        b = result.bottleneck
        self.setText(constraint_headline(b))
        self.setToolTip("\n".join(t for t in (coverage_sentence(b), withheld_advice(b),
                                               constraint_sentence(b),
                                               fmt.tooltip("stage.wait_share")) if t))


class WaterfallChart(Chart):
    """Per-stage contributions to the lead-time change, as a waterfall ending in the total."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("What changed median lead time, by stage", "duration",
                         y_label="Contribution to the lead-time change", min_height=230,
                         parent=parent)
        self._y_floor_zero = True
        vb = self.plotItem.getViewBox()
        vb.setMouseEnabled(x=False, y=False)
        self.plotItem.getAxis("bottom").setLabel("Stage (position)")
        self.plotItem.getAxis("bottom").showLabel(False)
        self.plotItem.getAxis("bottom").setStyle(tickFont=font(TICK_PT + 0.5))
        self.plotItem.showGrid(x=False, y=True, alpha=0.35)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.62, name="Contribution")
        self.plotItem.addItem(self.bars)
        # a hatch over the bars that cut lead time: told apart in black and white too
        self._hatch = pg.BarGraphItem(x=[], height=[], width=0.62)
        vb.addItem(self._hatch)  # not a data item: left out of the CSV export
        self._connectors = pg.PlotDataItem(connect="pairs")
        vb.addItem(self._connectors, ignoreBounds=True)
        self._zero = pg.InfiniteLine(pos=0, angle=0, movable=False)
        vb.addItem(self._zero, ignoreBounds=True)
        self._labels: list[pg.TextItem] = []
        self.names: list[str] = []
        self.values = np.empty(0)
        self.bottoms = np.empty(0)
        self.total_s: float | None = None
        self._details: Mapping[str, Mapping[str, float | None]] = {}
        self._before: DecompositionWindow | None = None
        self._after: DecompositionWindow | None = None
        self._hover_series = Series("contribution", "Contribution", "duration", "bars",
                                    [self.bars], hover=False)
        self._extra_theme(self.theme)

    def set_bottleneck(self, bottleneck: Constraint | None) -> None:
        """Draw the constraint's lead-time contributions and the total change."""
        b = bottleneck or Constraint(None, None)
        contrib = b.lead_time_contributions
        total = b.lead_time_change_s
        names = [str(k) for k in contrib]
        vals = np.array([float(contrib[k]) for k in contrib], dtype=np.float64)
        self._details = b.contributions_detail
        self._before, self._after = b.before, b.after
        if total is None or not len(vals):
            self.names, self.values, self.bottoms, self.total_s = [], np.empty(0), np.empty(0), \
                None
            self.bars.setOpts(x=[], height=[], y0=[])
            self._hatch.setOpts(x=[], height=[], y0=[])
            self._connectors.setData([], [])
            for lab in self._labels:
                lab.hide()
            self.plotItem.getAxis("bottom").setTicks([[]])
            reason = b.reason("lead_time_contributions")
            self.setToolTip(reason or "No lead-time change to decompose in this window")
            if bottleneck is None:  # nothing measured (another project, no sources)
                self.set_empty_reason("nothing measured yet")
            else:
                self.set_empty_reason(reason or "no lead-time change to decompose in this "
                                               "window")
            return
        self.setToolTip("")
        self.total_s = float(total)
        self.names = [*names, TOTAL]
        cum = np.concatenate([[0.0], np.cumsum(vals)])
        bottoms = np.concatenate([cum[:-1], [0.0]])
        heights = np.concatenate([vals, [self.total_s]])
        self.values, self.bottoms = heights, bottoms
        x = np.arange(len(heights), dtype=np.float64)
        self.bars.setOpts(x=x, y0=bottoms, height=heights, brushes=self._brushes(heights),
                          pens=[pg.mkPen(self.theme.background, width=1)] * len(heights))
        self._hatch.setOpts(x=x, y0=bottoms, height=heights,
                            brushes=self._hatches(heights), pens=[pg.mkPen(None)] * len(heights))
        # dashed steps from each bar's end to the next bar's start
        ends = bottoms + heights
        cx, cy = [], []
        for i in range(len(heights) - 1):
            cx += [i + 0.31, i + 0.69]
            cy += [ends[i], ends[i]] if i < len(vals) - 1 else [cum[-1], cum[-1]]
        self._connectors.setData(cx, cy)
        self.plotItem.getAxis("bottom").setTicks([[(float(i), n) for i, n in
                                                   enumerate(self.names)]])
        self._place_labels(x, bottoms, heights)
        self._fit_label_font()
        lo = float(min(0.0, np.min(np.minimum(bottoms, ends))))
        hi = float(max(0.0, np.max(np.maximum(bottoms, ends))))
        span = max(hi - lo, 3600.0)
        self.plotItem.getViewBox().setRange(xRange=(-0.75, len(heights) - 0.25),
                                            yRange=(lo - 0.16 * span, hi + 0.16 * span),
                                            padding=0)
        self._hover_series.x, self._hover_series.y = x, heights
        self._update_empty()

    def is_empty(self) -> bool:
        """The bars are drawn here, not through series: empty without contributions."""
        return len(getattr(self, "values", ())) == 0

    def _brushes(self, heights: np.ndarray) -> list[QColor]:
        out = []
        for i, h in enumerate(heights):
            role = "total" if i == len(heights) - 1 else ("worse" if h > 0 else "better")
            c = role_color(self.theme, role)
            c.setAlpha(225)
            out.append(c)
        return out

    def _hatches(self, heights: np.ndarray) -> list[QBrush]:
        line = QColor(self.theme.background)
        last = len(heights) - 1
        return [QBrush(line, Qt.BrushStyle.BDiagPattern) if i < last and h < 0
                else QBrush(Qt.BrushStyle.NoBrush) for i, h in enumerate(heights)]

    def _place_labels(self, x: np.ndarray, bottoms: np.ndarray, heights: np.ndarray) -> None:
        while len(self._labels) < len(x):
            lab = pg.TextItem(anchor=(0.5, 1))
            lab.setFont(font(TICK_PT + 0.5, bold=True))
            self.plotItem.getViewBox().addItem(lab, ignoreBounds=True)
            self._labels.append(lab)
        for i, lab in enumerate(self._labels):
            if i >= len(x):
                lab.hide()
                continue
            h = float(heights[i])
            top = float(bottoms[i] + max(h, 0.0))
            low = float(bottoms[i] + min(h, 0.0))
            if h >= 0:
                lab.setAnchor((0.5, 1))
                lab.setPos(float(x[i]), top)
            else:
                lab.setAnchor((0.5, 0))
                lab.setPos(float(x[i]), low)
            lab.setText(fmt.signed_duration(h))
            lab.setColor(self.theme.text)
            lab.show()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit_label_font()

    def _fit_label_font(self) -> None:
        """Smaller value labels when bars get narrow, so neighbours do not overlap."""
        if "_labels" not in self.__dict__ or "names" not in self.__dict__:
            return  # resized while being built
        n = max(len(self.names), 1)
        per_bar = self.plotItem.getViewBox().width() / n
        pt = TICK_PT + 0.5 if per_bar >= 105 else TICK_PT - 0.5 if per_bar >= 80 else TICK_PT - 1.5
        f = font(pt, bold=True)
        for lab in self._labels:
            lab.setFont(f)

    def label_texts(self) -> list[str]:
        """The value labels shown on the bars, in bar order."""
        return [lab.textItem.toPlainText() for lab in self._labels[:len(self.names)]]

    def _extra_theme(self, theme: ChartTheme) -> None:
        if not hasattr(self, "_zero"):
            return
        self._zero.setPen(pg.mkPen(theme.muted, width=1.2))
        self._connectors.setPen(pg.mkPen(theme.muted, width=1.2, style=Qt.PenStyle.DashLine))
        if len(self.values):
            self.bars.setOpts(brushes=self._brushes(self.values),
                              pens=[pg.mkPen(theme.background, width=1)] * len(self.values))
            self._hatch.setOpts(brushes=self._hatches(self.values))
        for lab in self._labels:
            lab.setColor(theme.text)

    def fit_y(self) -> None:
        pass  # the range is set with the bars

    def show_all(self) -> None:
        pass

    def hover_lines(self, x: float, y: float) -> tuple[str, list[tuple[float, float, str]]]:
        if not self.names:
            return "", []
        i = int(round(x))
        if i < 0 or i >= len(self.names) or abs(x - i) > 0.45:
            return "", []
        name = self.names[i]
        h = float(self.values[i])
        top = float(self.bottoms[i] + h)
        if name == TOTAL:
            b, a = self._before, self._after
            lines = [f"Total change in median lead time: {fmt.signed_duration(h)}"]
            if b is not None and a is not None:
                lines.append(f"{fmt.duration(b.median_s)} ({window_name(b)}) → "
                             f"{fmt.duration(a.median_s)} ({window_name(a)})")
            return "", [(float(i), top, line) for line in lines]
        lines = [f"{name}: {fmt.signed_duration(h)}"]
        parts = self._details.get(name) or {}
        words = {"wait": "waiting", "active": "working"}
        if parts:
            lines.append(" · ".join(f"{words.get(k, k)} {fmt.signed_duration(v)}"
                                    for k, v in parts.items()))
        elif name == "(other)":
            lines.append("time in no bound stage, and what the per-stage averages around "
                         "the median do not explain")
        return "", [(float(i), top, line) for line in lines]


class ConstraintPanel(QWidget):
    """Headline, sentence, lead-time waterfall and the constraint of each period."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("constraintPanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.headline = QLabel(NOT_MEASURED)
        self.headline.setObjectName("constraintHeadline")
        self.headline.setWordWrap(True)
        self.sentence = QLabel("")
        self.sentence.setObjectName("constraintSentence")
        self.sentence.setWordWrap(True)
        self.compare = QLabel("")
        self.compare.setObjectName("hint")
        self.compare.setWordWrap(True)
        #: what the verdict rests on, and (when withheld) what data would make it possible
        self.coverage = QLabel("")
        self.coverage.setObjectName("constraintCoverage")
        self.coverage.setWordWrap(True)
        for lab in (self.headline, self.sentence, self.compare, self.coverage):
            lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.waterfall = WaterfallChart()
        self.by_period = TimeChart("Constraint each week",
                                   "number", y_label="Constraint stage", min_height=220)
        self.by_period.setToolTip("The stage with the largest share of waiting, period by "
                                  "period")
        self.by_period.add_line("constraint", "Constraint", role="s1", symbol="s",
                                style=Qt.PenStyle.NoPen, reduce="subsample",
                                auto_symbols=False)
        self.by_period.plotItem.showGrid(x=True, y=False)
        self.by_period.plotItem.getViewBox().invertY(True)  # first stage on top, as on the map
        self.text_block = QWidget()
        text_lay = QVBoxLayout(self.text_block)
        text_lay.setContentsMargins(0, 0, 0, 0)
        text_lay.setSpacing(6)
        text_lay.addWidget(self.coverage)
        text_lay.addWidget(self.sentence)
        text_lay.addWidget(self.compare)
        text_lay.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 8, 10, 8)
        lay.setSpacing(4)
        lay.addWidget(self.headline)
        self._grid = QGridLayout()
        self._grid.setSpacing(10)
        lay.addLayout(self._grid, 1)
        self.headline.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._stages: list[str] = []
        self.mode = ""
        self.set_mode("wide")

    def set_mode(self, mode: str) -> None:
        """Arrange text, waterfall and constraint-per-period for the panel's width:
        ``wide`` one row; ``medium`` text beside the waterfall, the per-period chart under
        them; ``narrow`` all stacked."""
        if mode == self.mode:
            return
        self.mode = mode
        g = self._grid
        for w in (self.text_block, self.waterfall, self.by_period):
            g.removeWidget(w)
        for i in range(3):
            g.setColumnStretch(i, 0)
            g.setRowStretch(i, 0)
        if mode == "wide":
            g.addWidget(self.text_block, 0, 0)
            g.addWidget(self.waterfall, 0, 1)
            g.addWidget(self.by_period, 0, 2)
            for i, k in enumerate((2, 4, 3)):
                g.setColumnStretch(i, k)
        elif mode == "medium":
            g.addWidget(self.text_block, 0, 0)
            g.addWidget(self.waterfall, 0, 1)
            g.addWidget(self.by_period, 1, 0, 1, 2)
            g.setColumnStretch(0, 2)
            g.setColumnStretch(1, 3)
        else:
            g.addWidget(self.text_block, 0, 0)
            g.addWidget(self.waterfall, 1, 0)
            g.addWidget(self.by_period, 2, 0)
            g.setColumnStretch(0, 1)

    def resizeEvent(self, event: Any) -> None:
        w = self.width()
        self.set_mode("wide" if w >= WIDE_PX else "medium" if w >= MEDIUM_PX else "narrow")
        super().resizeEvent(event)

    def charts(self) -> list[Chart]:
        return [self.waterfall, self.by_period]

    def time_charts(self) -> list[TimeChart]:
        return [self.by_period]

    def clear(self) -> None:
        """Nothing measured (yet)."""
        self.headline.setText(NOT_MEASURED)
        self.sentence.setText("")
        self.compare.setText("")
        self.coverage.setText("")
        self.waterfall.set_bottleneck(None)

    def set_result(self, result: AnalysisResult) -> None:
        """The window's constraint, sentence and waterfall."""
        b = result.bottleneck
        self.headline.setText(constraint_headline(b))
        self.coverage.setText(" ".join(t for t in (coverage_sentence(b), withheld_advice(b))
                                       if t))
        self.sentence.setText(constraint_sentence(b) or b.reason("lead_time_contributions"))
        before, after = b.before, b.after
        measure = "lead time" if (b.measure or "lead_time") == "lead_time" else "flow time"
        if before is not None and after is not None and before.median_s is not None:
            self.compare.setText(
                f"Median {measure}: {fmt.duration(before.median_s)} "
                f"({window_name(before)}, {fmt.count(before.n, 'changes')}) → "
                f"{fmt.duration(after.median_s)} ({window_name(after)}, "
                f"{fmt.count(after.n, 'changes')}). The bars add up to the total change: "
                "+ adds to the lead time, − (hatched) cuts it.")
        else:
            self.compare.setText("")
        self.waterfall.set_bottleneck(b)

    def set_trends(self, context: Any, axis: PeriodAxis | None = None) -> None:
        """The constraint of each period over the whole measured span."""
        axis = axis or period_axis(context)
        noun = {"day": "day", "month": "month"}.get(axis.period, "week")
        self.by_period.title = f"Constraint each {noun}"
        self.by_period.apply_theme(self.by_period.theme)
        names = [s.name for s in getattr(context, "stages", ()) or ()]
        self._stages = names
        cbp: pd.Series = getattr(context, "constraint_by_period", pd.Series(dtype=object))
        # the engine aligns constraint_by_period with result.periods, row for row
        stage_of = (list(cbp.to_numpy()) if len(cbp) == len(axis)
                    else [None] * len(axis))
        pos = {n: i for i, n in enumerate(names)}
        y = np.array([pos.get(s, np.nan) if isinstance(s, str) else np.nan
                      for s in stage_of], dtype=np.float64)
        shares = self._wait_shares(context, axis, stage_of)
        texts = [f"{s} ({fmt.value('stage.wait_share', sh)} of waiting)" if isinstance(s, str)
                 else "none measured"
                 for s, sh in zip(stage_of, shares, strict=True)]
        ax = self.by_period.plotItem.getAxis("left")
        ax.setTicks([[(float(i), n) for i, n in enumerate(names)]])
        ax.setWidth(72)
        self.by_period.set_periods(axis)
        self.by_period.set_series("constraint", axis.mid_s, y, bins=axis)
        self.by_period.series["constraint"].texts = texts
        self.by_period.set_y_fixed(-0.6, max(len(names) - 0.4, 0.6))

    @staticmethod
    def _wait_shares(context: Any, axis: PeriodAxis, stages: list[Any]) -> np.ndarray:
        out = np.full(len(axis), np.nan)
        sbp: pd.DataFrame = getattr(context, "stages_by_period", pd.DataFrame())
        if sbp is None or not len(sbp) or not len(axis):
            return out
        w = sbp.loc[sbp["kind"] == "wait"]
        idx = axis.indices_of(w["period"])
        share = column(w, "wait_share", len(w))
        stage = w["stage"].astype(str).to_numpy()
        want = np.array([s if isinstance(s, str) else "" for s in stages], dtype=object)
        ok = idx >= 0
        hit = ok.copy()
        hit[ok] = stage[ok] == want[idx[ok]]
        out[idx[hit]] = share[hit]
        return out

    def apply_theme(self, theme: ChartTheme) -> None:
        for c in self.charts():
            c.apply_theme(theme)
