"""The flow dashboard (Flow Framework): velocity, load, flow time, efficiency, distribution.

Every chart is on the shared time axis. Velocity is bars per period; load is the daily count
of open changes with the window's mean as a level over the window; flow time shows the median
and p85 per period; efficiency is a percentage line; distribution stacks the share of each
kind of work (feature, defect, debt, risk) as areas that differ in colour *and* hatch.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...analysis.engine import AnalysisResult
from ...analysis.results import FlowSummary
from ...metrics import format as fmt
from .base import AreaStack, Chart, TimeChart
from .constraint import ConstraintBanner
from .data import PeriodAxis, column, period_axis, seconds, window_seconds
from .style import KINDS, ChartTheme

PERIOD_NOUN = {"day": "day", "week": "week", "month": "month"}
#: at least this wide: three charts a row
THREE_COLUMNS_PX = 1100


def flow_summary(flow: FlowSummary) -> str:
    """One line with the window's flow metrics and the Little's law check."""
    def bold(metric_id: str, value: float | None) -> str:
        text = fmt.value(metric_id, value)
        return f"<b>{text}</b>" if value is not None else text

    ft = f"Flow time {bold('flow.flow_time_median_s', flow.flow_time_median_s)}"
    if flow.flow_time_p85_s is not None:
        ft += f" (p85 {fmt.value('flow.flow_time_p85_s', flow.flow_time_p85_s)})"
    load = flow.load_mean
    parts = [f"Velocity {bold('flow.velocity_per_week', flow.velocity_per_week)}", ft,
             f"Load {bold('flow.load_mean', load)}" + (f" open {flow.unit}" if load is not None
                                                       else ""),
             f"Efficiency {bold('flow.efficiency', flow.efficiency)}"]
    little = flow.littles_law
    if little is not None and little.predicted_load is not None and load is not None:
        parts.append(f"Little's law: {fmt.value('flow.load_mean', little.predicted_load)} "
                     f"predicted vs {fmt.value('flow.load_mean', load)} measured")
    if flow.on_items:  # issue 18: say what the flow metrics counted
        parts.insert(0, "<b>On work items</b>")
    return " · ".join(parts)


#: what the flow time runs between, per unit of flow (docs/metrics.md §5, §17)
FLOW_TIME_SPAN = {"changes": "first commit to production",
                  "items": "created to delivered"}


class FlowPanel(QWidget):
    """The flow dashboard (see module docstring)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("flowPanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.banner = ConstraintBanner()
        self.summary = QLabel("")
        self.summary.setObjectName("flowSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        #: what the flow metrics count: changes, or work items when loaded (issue 18)
        self.unit = "changes"

        self.velocity = TimeChart("Velocity — changes finished per week", "count",
                                  y_label="Changes finished")
        self.velocity.add_bars("velocity", "Finished", role="s0", noun="changes")
        self.load = TimeChart("Load — open changes (WIP), daily", "count",
                              y_label="Open changes")
        self.load.add_line("wip", "Open changes", role="s0", width=1.6)
        self.load.add_line("load_mean", "Mean in window", role="s1", width=2.4,
                           style=Qt.PenStyle.DashLine, unit="number", noun="changes")
        self.load.series["load_mean"].span = True
        self.load.add_legend(["wip", "load_mean"])
        self.flow_time = TimeChart("Flow time — first commit to production", "duration",
                                   y_label="Flow time")
        self.flow_time.add_line("flow_time_median_s", "Median", role="s0", symbol="o")
        self.flow_time.add_line("flow_time_p85_s", "p85", role="s1", width=1.0,
                                style=Qt.PenStyle.DashLine)
        self.flow_time.add_legend(["flow_time_median_s", "flow_time_p85_s"])
        self.efficiency = TimeChart("Flow efficiency — active ÷ flow time", "percent",
                                    y_label="Flow efficiency")
        self.efficiency.add_line("efficiency", "Efficiency", role="s2", symbol="o")
        self.distribution = TimeChart("Distribution — share of finished changes by kind",
                                      "percent", y_label="Share of finished changes")
        self.areas = AreaStack(self.distribution,
                               [(k, k.capitalize()) for k in KINDS])
        self.distribution.add_legend([f"share_{k}" for k in KINDS])
        self.distribution.set_y_fixed(0.0, 1.0)
        for chart, *metrics in (
                (self.velocity, "flow.velocity_per_week"), (self.load, "flow.load_mean"),
                (self.flow_time, "flow.flow_time_median_s", "flow.flow_time_p85_s"),
                (self.efficiency, "flow.efficiency"), (self.distribution, "flow.distribution")):
            chart.set_definition(*metrics)
        self.summary.setToolTip("\n\n".join(fmt.tooltip(m) for m in (
            "flow.velocity_per_week", "flow.flow_time_median_s", "flow.load_mean",
            "flow.efficiency")))

        self._grid = QGridLayout()
        self._grid.setSpacing(8)
        self.columns = 0
        self.set_columns(3)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 8, 10, 8)
        lay.setSpacing(6)
        lay.addWidget(self.banner)
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        lay.addLayout(row)
        lay.addLayout(self._grid, 1)

    def set_columns(self, columns: int) -> None:
        """Three charts a row (wide) or two (narrow); distribution always spans the rest."""
        if columns == self.columns:
            return
        self.columns = columns
        for c in self.charts():
            self._grid.removeWidget(c)
        first = [self.velocity, self.load, self.flow_time, self.efficiency]
        for i, c in enumerate(first):
            self._grid.addWidget(c, i // columns, i % columns)
        row, col = divmod(len(first), columns)
        self._grid.addWidget(self.distribution, row, col, 1, columns - col)
        for c in range(3):
            self._grid.setColumnStretch(c, 1 if c < columns else 0)

    def resizeEvent(self, event: Any) -> None:
        self.set_columns(3 if self.width() >= THREE_COLUMNS_PX else 2)
        super().resizeEvent(event)

    def charts(self) -> list[Chart]:
        return [self.velocity, self.load, self.flow_time, self.efficiency, self.distribution]

    def time_charts(self) -> list[TimeChart]:
        return [self.velocity, self.load, self.flow_time, self.efficiency, self.distribution]

    def clear(self) -> None:
        """Nothing measured (yet)."""
        self.summary.setText("")
        self.banner.clear()

    def set_unit(self, unit: str) -> None:
        """Title the charts for the unit of flow (``changes`` or ``items``)."""
        if unit == self.unit:
            return
        self.unit = unit
        self.load.title = f"Load — open {unit} (WIP), daily"
        self.flow_time.title = f"Flow time — {FLOW_TIME_SPAN.get(unit, '')}"
        self.distribution.title = f"Distribution — share of finished {unit} by kind"
        self.velocity.title = self.velocity.title.replace(
            "changes" if unit == "items" else "items", unit)
        # the axes, legends and hover read the unit too, not only the titles
        self.velocity.set_y_label(f"{unit.capitalize()} finished")
        self.velocity.series["velocity"].noun = unit
        self.load.set_y_label(f"Open {unit}")
        self.load.set_series_label("wip", f"Open {unit}")
        self.load.series["load_mean"].noun = unit
        self.distribution.set_y_label(f"Share of finished {unit}")
        for c in (self.load, self.flow_time, self.distribution, self.velocity):
            c.apply_theme(c.theme)

    def set_result(self, result: AnalysisResult) -> None:
        """The window's flow metrics and the mean-load level over the window."""
        self.set_unit(result.flow.unit)
        self.summary.setText(flow_summary(result.flow))
        self.banner.set_result(result)
        w = window_seconds(result)
        mean = result.flow.load_mean
        if w is not None and mean is not None:
            self.load.set_series("load_mean", np.array(w), np.array([mean, mean]))
        else:
            self.load.set_series("load_mean", np.empty(0), np.empty(0))
        self.load.fit_y()

    def set_trends(self, context: Any, axis: PeriodAxis | None = None) -> None:
        """Per-period series over the measured span (and the daily load)."""
        axis = axis or period_axis(context)
        noun = PERIOD_NOUN.get(axis.period, "week")
        self.velocity.title = f"Velocity — {self.unit} finished per {noun}"
        self.velocity.apply_theme(self.velocity.theme)
        fbp: pd.DataFrame = getattr(context, "flow_by_period", pd.DataFrame())
        n = len(axis)
        x = axis.mid_s
        self.velocity.set_series("velocity", x, column(fbp, "velocity", n), bins=axis)
        for key in ("flow_time_median_s", "flow_time_p85_s"):
            self.flow_time.set_series(key, x, column(fbp, key, n), bins=axis)
        self.efficiency.set_series("efficiency", x, column(fbp, "efficiency", n), bins=axis)
        self.areas.set_data(x, {k: column(fbp, f"share_{k}", n) for k in KINDS}, bins=axis)
        wip: pd.Series = getattr(context, "wip_daily", pd.Series(dtype="int64"))
        if wip is not None and len(wip):
            # the count at the end of each UTC day, drawn at noon of that day
            self.load.set_series("wip", seconds(wip.index) + 43_200.0,
                                 wip.to_numpy(dtype=np.float64))
        else:
            self.load.set_series("wip", np.empty(0), np.empty(0))
        for c in self.time_charts():
            if c is not self.load:  # load is daily: its hover names the day
                c.set_periods(axis)
        for c in (self.velocity, self.load, self.flow_time, self.efficiency):
            c.fit_y()

    def apply_theme(self, theme: ChartTheme) -> None:
        for c in self.charts():
            c.apply_theme(theme)
