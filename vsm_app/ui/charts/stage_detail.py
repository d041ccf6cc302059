"""The stage detail chart: one stage's measured waiting and working time, period by period.

For the stage selected on the map (or chosen in the combo box): the median wait and active
time per period, each with its band up to the p85, and the workshop estimates (estimated wait
and process time) as dashed levels, so "estimated 2 h, measured median 19 h" can be seen
moving over time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...domain import classic
from ...domain.model import ValueStreamMap
from ...metrics import format as fmt
from .base import AREA_POINTS_PER_PX, Chart, TimeChart, role_color
from .data import PeriodAxis, period_axis, stage_names, stage_period_series
from .style import TICK_PT, ChartTheme, font

PERIOD_NOUN = {"day": "day", "week": "week", "month": "month"}
SERIES = (("wait_median_s", "Wait median", "s1", Qt.PenStyle.SolidLine, "o", 2.4),
          ("wait_p85_s", "Wait p85", "s1", Qt.PenStyle.DashLine, None, 1.0),
          ("active_median_s", "Active median", "s0", Qt.PenStyle.SolidLine, "o", 2.4),
          ("active_p85_s", "Active p85", "s0", Qt.PenStyle.DashLine, None, 1.0),
          ("est_wait_s", "Est. wait", "s1", Qt.PenStyle.DashLine, None, 2.6),
          ("est_active_s", "Est. process time", "s0", Qt.PenStyle.DashLine, None, 2.6))


class StageDetailPanel(QWidget):
    """A stage picker, a one-line summary for the window and the stage's trend chart.

    Signals
    -------
    stage_chosen(str)
        The user picked a stage in the combo box (its name).
    """

    stage_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stageDetailPanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.combo = QComboBox()
        self.combo.setObjectName("stageCombo")
        self.combo.setMinimumWidth(160)
        self.combo.activated.connect(lambda _i: self._on_combo())
        self.summary = QLabel("Select a stage on the map")
        self.summary.setObjectName("stageSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        # room for the measured summary's lines from the start: a label that grows when the
        # first measurement arrives would shrink the chart and re-lay it out then
        self.summary.setMinimumHeight(2 * self.summary.fontMetrics().lineSpacing() + 4)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.chart = TimeChart("Stage — waiting and working time per week", "duration",
                               y_label="Time in stage", min_height=150)
        self.chart.set_definition("stage.wait_median_s", "stage.active_median_s")
        for key, label, role, style, symbol, width in SERIES:
            # the p85 bands are filled between these lines: fewer vertices when zoomed out
            self.chart.add_line(key, label, role=role, style=style, symbol=symbol,
                                width=width, points_per_px=AREA_POINTS_PER_PX)
        for key in ("est_wait_s", "est_active_s"):
            self.chart.series[key].span = True
        vb = self.chart.plotItem.getViewBox()
        self._bands = {}
        for kind in ("wait", "active"):
            band = pg.FillBetweenItem(self.chart.series[f"{kind}_median_s"].items[0].curve,
                                      self.chart.series[f"{kind}_p85_s"].items[0].curve)
            vb.addItem(band, ignoreBounds=True)
            self._bands[kind] = band
        self.chart.add_legend([s[0] for s in SERIES], columns=3)
        self._est_labels: dict[str, pg.TextItem] = {}
        for key in ("est_wait_s", "est_active_s"):
            lab = pg.TextItem(anchor=(1, 1))
            lab.setFont(font(TICK_PT, bold=True))
            vb.addItem(lab, ignoreBounds=True)
            lab.hide()
            self._est_labels[key] = lab
        top = QHBoxLayout()
        label = QLabel("Stage:")
        label.setBuddy(self.combo)
        top.addWidget(label)
        top.addWidget(self.combo)
        top.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 8, 10, 8)
        lay.setSpacing(6)
        lay.addLayout(top)
        lay.addWidget(self.summary)  # the whole width: two or three lines in a narrow dock
        lay.addWidget(self.chart, 1)
        self.stage: str | None = None
        self.vsm_map: ValueStreamMap | None = None
        self._context: Any = None
        self._result: Any = None
        self._axis: PeriodAxis | None = None
        self._extra_theme(self.chart.theme)

    def charts(self) -> list[Chart]:
        return [self.chart]

    def time_charts(self) -> list[TimeChart]:
        return [self.chart]

    # -- inputs -------------------------------------------------------------------------------------
    def set_map(self, vsm_map: ValueStreamMap | None) -> None:
        """The map whose estimates are drawn beside the measurements."""
        self.vsm_map = vsm_map
        self._redraw()

    def set_result(self, result: Any) -> None:
        """The analysed window (summary line)."""
        self._result = result
        self._fill_combo(stage_names(result))
        self._summarise()

    def set_trends(self, context: Any, axis: PeriodAxis | None = None) -> None:
        """The per-period data over the measured span."""
        self._context = context
        self._axis = axis or period_axis(context)
        self._fill_combo(stage_names(context))
        self._redraw()

    def clear(self) -> None:
        """Nothing measured (yet)."""
        self._context = self._result = self._axis = None
        self._fill_combo([])
        self.stage = None
        for lab in self._est_labels.values():
            lab.hide()
        self.chart.title = "Stage — waiting and working time per week"
        self.chart.apply_theme(self.chart.theme)
        self.chart.clear_data("nothing measured yet: add a data source and bind the stages")
        self._show_bands(False)
        self._summarise()

    def _show_bands(self, on: bool) -> None:
        """The p85 bands follow their curves, except to empty ones: hide them then (an
        emptied curve left the previous project's band on screen)."""
        for band in self._bands.values():
            band.setVisible(on)

    def set_stage(self, name: str | None) -> bool:
        """Show stage ``name``; False (and a note) when it has no measured data."""
        names = [self.combo.itemText(i) for i in range(self.combo.count())]
        if name is None:
            return False
        if name not in names:
            self._wanted = name  # shown once the data arrives (a panel built just now)
            self.summary.setText(f"<b>{name}</b> has no measured data: bind it to events "
                                 "(Bindings) to see its trend.")
            return False
        self._wanted = None
        self.stage = name
        self.combo.setCurrentIndex(names.index(name))
        self._redraw()
        return True

    def _on_combo(self) -> None:
        name = self.combo.currentText()
        if name:
            self.set_stage(name)
            self.stage_chosen.emit(name)

    def _fill_combo(self, names: list[str]) -> None:
        current = [self.combo.itemText(i) for i in range(self.combo.count())]
        if names == current:
            return
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItems(names)
        self.combo.blockSignals(False)
        if self.stage not in names:
            self.stage = self._default_stage(names)
        if self.stage is not None:
            self.combo.setCurrentIndex(names.index(self.stage))

    def _default_stage(self, names: list[str]) -> str | None:
        wanted = getattr(self, "_wanted", None)
        if wanted in names:
            return str(wanted)
        for src in (self._result, self._context):
            b = getattr(src, "bottleneck", None)
            if b is not None and b.stage in names:
                return str(b.stage)
        return names[0] if names else None

    # -- drawing ------------------------------------------------------------------------------------
    def estimates(self) -> tuple[float | None, float | None]:
        """Estimated wait and process time of the shown stage (seconds), from the map."""
        if self.vsm_map is None or self.stage is None:
            return None, None
        stage = self.vsm_map.stage_by_name(self.stage)
        if stage is None:
            return None, None
        fig = classic.stage_figures(stage, self.vsm_map)
        return fig.wait_time_s, fig.process_time_s

    def _redraw(self) -> None:
        axis = self._axis
        if axis is None or self._context is None or self.stage is None:
            self.chart.clear_data("nothing measured yet" if self._context is None
                                  else "choose a stage (click it on the map)")
            self._show_bands(False)
            self._summarise()
            return
        self._show_bands(True)
        noun = PERIOD_NOUN.get(axis.period, "week")
        self.chart.title = f"{self.stage} — waiting and working time per {noun}"
        self.chart.apply_theme(self.chart.theme)
        x = axis.mid_s
        for kind in ("wait", "active"):
            d = stage_period_series(self._context, axis, self.stage, kind)
            self.chart.set_series(f"{kind}_median_s", x, d["median_s"], bins=axis)
            self.chart.set_series(f"{kind}_p85_s", x, d["p85_s"], bins=axis)
        est_wait, est_active = self.estimates()
        span = np.array([axis.start_s[0], axis.end_s[-1]]) if len(axis) else np.empty(0)
        for key, est, word in (("est_wait_s", est_wait, "wait"),
                               ("est_active_s", est_active, "process")):
            lab = self._est_labels[key]
            if est is None or not len(span):
                self.chart.set_series(key, np.empty(0), np.empty(0))
                lab.hide()
            else:
                self.chart.set_series(key, span, np.array([est, est], dtype=np.float64))
                lab.setText(f"est. {word} {fmt.duration(est)}")
                # wait labelled at the right end, process time at the left: never on top
                lab.setAnchor((1, 1) if word == "wait" else (0, 1))
                lab.setPos(float(span[1] if word == "wait" else span[0]), float(est))
                lab.show()
        self.chart.set_periods(axis)
        self._fit_y()
        self._summarise()

    def _fit_y(self) -> None:
        """Scale to the medians and the estimates; a rare huge p85 may leave the top rather
        than flatten the medians and the estimate lines into the floor."""
        vals = []
        for key in ("wait_median_s", "active_median_s", "est_wait_s", "est_active_s"):
            y = self.chart.series[key].y
            y = y[np.isfinite(y)]
            if len(y):
                vals.append(float(y.max()))
        for key in ("wait_p85_s", "active_p85_s"):
            y = self.chart.series[key].y
            y = y[np.isfinite(y)]
            if len(y):
                vals.append(float(np.quantile(y, 0.75)))
        top = max(vals) if vals else 3600.0
        self.chart.plotItem.getViewBox().setYRange(0.0, max(top, 60.0) * 1.12, padding=0)

    def _summarise(self) -> None:
        if self.stage is None:
            self.summary.setText("Select a stage on the map" if self.combo.count() == 0 else "")
            return
        row = self._result.stage(self.stage) if self._result is not None else None
        est_wait, est_active = self.estimates()
        parts = [f"<b>{self.stage}</b> in the window"]
        for kind, est, word in (("wait", est_wait, "waiting"), ("active", est_active,
                                                                 "working")):
            med = row.median(kind) if row is not None else None
            if row is None or med is None:
                parts.append(f"{word}: not measured")
                continue
            text = f"{word}: median <b>{fmt.duration(med)}</b>"
            p85 = row.p85(kind)
            if p85 is not None:
                text += f" (p85 {fmt.duration(p85)})"
            if est is not None:
                text += f", estimated {fmt.duration(est)}"
            parts.append(text)
        self.summary.setText(" · ".join(parts))

    def _extra_theme(self, theme: ChartTheme) -> None:
        for key, role in (("est_wait_s", "s1"), ("est_active_s", "s0")):
            if hasattr(self, "_est_labels"):
                lab = self._est_labels[key]
                lab.setColor(role_color(theme, role))
                lab.fill = pg.mkBrush(QColor(theme.background).red(),
                                      QColor(theme.background).green(),
                                      QColor(theme.background).blue(), 225)
        for kind, role in (("wait", "s1"), ("active", "s0")):
            c = QColor(role_color(theme, role))
            c.setAlpha(45)
            self._bands[kind].setBrush(c)

    def apply_theme(self, theme: ChartTheme) -> None:
        self.chart.apply_theme(theme)
        self._extra_theme(theme)
