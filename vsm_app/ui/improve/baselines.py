"""The baselines dock: save the measured metrics as a named, dated baseline, and compare the
current window with one.

The comparison is :func:`vsm_app.analysis.baseline.compare_to_baseline` of the baseline's
values and the current result's: each headline metric with its baseline value,
its value now, the change and whether that is better, worse or the same by the metric's own
sense; the constraint's change in a sentence; and each stage's median wait, baseline → now.

"Show baseline beside now" emits :attr:`BaselinesDock.shown_baseline_changed` with the chosen
:class:`~vsm_app.domain.improvement.Baseline` (None when off); the map overlay and the
dashboards draw it with :func:`~vsm_app.analysis.baseline.baseline_values` and
:func:`baseline_stage_labels`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...analysis.baseline import (
    BaselineComparison,
    MetricDelta,
    baseline_values,
    compare_to_baseline,
    stability_warnings,
)
from ...domain.improvement import Baseline, read_baselines
from ...domain.model import ValueStreamMap
from ...metrics import format as fmt
from ...metrics.catalogue import Format, metric
from ..dialogs import messages
from .commands import add_baseline_command, remove_baseline_command
from .common import (
    ImproveContext,
    add_row,
    direction_text,
    fit_table,
    fit_tree,
    fmt_relative,
    label,
    make_table,
    set_direction_cell,
)

COLUMNS = ("Metric", "Baseline", "Now", "Change", "Direction")
#: units already named in a narrow table's short label ("Deploys / week"): bare numbers
_BARE = (Format.PER_WEEK, Format.DAYS_PER_WEEK)


def cell_value(metric_id: str, value: float | None) -> str:
    """A value in the comparison table (per-week figures bare: the label names the unit)."""
    m = metric(metric_id)
    return fmt.number(value, m.decimals) if m.format in _BARE else fmt.value(m, value)


def cell_delta(metric_id: str, delta: float | None) -> str:
    m = metric(metric_id)
    if m.format in _BARE:
        m = replace(m, format=Format.NUMBER)
    return fmt.delta(m, delta)


# -- pure helpers for the overlay and the dashboards --------------------------------------------

def baseline_stage_labels(baseline: Baseline, vsm_map: ValueStreamMap) -> dict[str, str]:
    """A short label per stage of ``vsm_map`` (by stage id) with its baseline median wait,
    e.g. ``baseline wait 19h``; stages the baseline did not measure are left out."""
    by_name = {s.name: s for s in baseline_values(baseline).stages}
    day = vsm_map.settings.day_length_s
    out: dict[str, str] = {}
    for stage in vsm_map.stages:
        row = by_name.get(stage.name)
        if row is not None and row.wait_median_s is not None:
            out[stage.id] = f"baseline wait {fmt.duration(row.wait_median_s, day)}"
    return out


def window_text(start: Any, end: Any) -> str:
    """``6 Jan 2025 – 6 Apr 2025`` (the end is exclusive; its last day is shown)."""
    if start is None or end is None:
        return "whole data"
    return fmt.window(start, end)


class BaselinesDock(QWidget):
    """The body of ``dock.baselines``.

    Signals
    -------
    shown_baseline_changed(object)
        The baseline to show beside now (``Baseline``), or None.
    """

    shown_baseline_changed = Signal(object)

    def __init__(self, ctx: ImproveContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.comparison: BaselineComparison | None = None
        self._baselines: list[Baseline] = []
        self._shown: Baseline | None = None

        self.save_button = QPushButton("Save baseline…")
        self.save_button.setObjectName("saveBaseline")
        self.save_button.setToolTip("Snapshot the metrics of the current window as a named, "
                                    "dated baseline")
        self.save_button.clicked.connect(lambda: self.save_baseline())
        self.delete_button = QPushButton("Delete")
        self.delete_button.clicked.connect(self.delete_selected)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)

        self.list = QTreeWidget()
        self.list.setObjectName("baselineList")
        self.list.setHeaderLabels(["Baseline", "Saved", "Window"])
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.list.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.list.header().setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.list.currentItemChanged.connect(lambda *_: self._on_selected())

        self.empty_hint = label("No baseline yet. Measure the stream, choose a window and "
                                "save its metrics as the baseline to compare later windows "
                                "with.", "hint")
        self.windows = label("", "hint", name="compareWindows")
        self.constraint = label("", "figure", name="constraintChange")
        self.show_beside = QCheckBox("Show baseline beside now (map and dashboards)")
        self.show_beside.setObjectName("showBaseline")
        self.show_beside.toggled.connect(lambda _on: self._emit_shown())
        self.warning = label("", "error", name="stabilityWarning")
        self.warning.hide()

        self.table = make_table(list(COLUMNS), "baselineTable")
        self.stage_heading = label("Wait per stage: baseline → now", "heading")
        self.stage_table = make_table(["Stage", "Baseline", "Now", "Direction"],
                                      "stageWaitTable")

        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 8)
        lay.addLayout(buttons)
        lay.addWidget(self.list)
        lay.addWidget(self.empty_hint)
        lay.addWidget(label("Compare the current window with the selected baseline",
                            "heading"))
        lay.addWidget(self.windows)
        lay.addWidget(self.constraint)
        lay.addWidget(self.show_beside)
        lay.addWidget(self.warning)
        lay.addWidget(self.table)
        lay.addWidget(self.stage_heading)
        lay.addWidget(self.stage_table)
        lay.addStretch(1)

        ctx.records_changed.connect(self._on_records)
        ctx.project_changed.connect(lambda _p: self.reload())
        ctx.on_result_when_shown(self, self.refresh_comparison)
        self.reload()

    # records ------------------------------------------------------------------------------
    def _on_records(self, section: str) -> None:
        if section == "baselines":
            self.reload()

    def baselines(self) -> list[Baseline]:
        return list(self._baselines)

    def reload(self) -> None:
        """Re-read the project's baselines (keeping the selection where it still exists)."""
        keep = self.selected_baseline()
        keep_id = keep.id if keep else None
        try:
            self._baselines = read_baselines(self.ctx.project)
        except ValueError as e:
            self._baselines = []
            self.empty_hint.setText(f"The project's baselines cannot be read: {e}")
        self.list.blockSignals(True)
        self.list.clear()
        select: QTreeWidgetItem | None = None
        for b in self._baselines:
            it = QTreeWidgetItem([b.name, fmt.date_time(b.created_at),
                                  window_text(b.window_start, b.window_end)])
            it.setData(0, Qt.ItemDataRole.UserRole, b.id)
            it.setToolTip(0, b.notes or b.name)
            self.list.addTopLevelItem(it)
            if b.id == keep_id:
                select = it
        if select is None and self.list.topLevelItemCount():
            select = self.list.topLevelItem(self.list.topLevelItemCount() - 1)
        if select is not None:
            self.list.setCurrentItem(select)
        self.list.blockSignals(False)
        fit_tree(self.list)
        self.empty_hint.setVisible(not self._baselines)
        self.delete_button.setEnabled(bool(self._baselines))
        self._on_selected()

    def selected_baseline(self) -> Baseline | None:
        it = self.list.currentItem()
        if it is None:
            return None
        bid = it.data(0, Qt.ItemDataRole.UserRole)
        return next((b for b in self._baselines if b.id == bid), None)

    def select_baseline(self, baseline_id: str) -> None:
        for i in range(self.list.topLevelItemCount()):
            it = self.list.topLevelItem(i)
            if it.data(0, Qt.ItemDataRole.UserRole) == baseline_id:
                self.list.setCurrentItem(it)
                return
        raise KeyError(baseline_id)

    def _on_selected(self) -> None:
        self.refresh_comparison()
        self._emit_shown()

    # actions ------------------------------------------------------------------------------
    def default_name(self) -> str:
        result = self.ctx.result
        if result is None or result.window is None:
            return "Baseline"
        return f"Baseline {window_text(*result.window)}"

    def save_baseline(self, name: str | None = None) -> Baseline | None:
        """Snapshot the current result as a baseline (asks for a name when none is given)."""
        result = self.ctx.result
        if result is None:
            messages.error(self, "Save baseline", "Nothing is measured yet.",
                           "Add data sources and measure the stream first.")
            return None
        if name is None:
            name = messages.get_text(self, "Save baseline", "Name of the baseline:",
                                     self.default_name())
            if name is None:
                return None
        name = " ".join(name.split())
        if not name:
            messages.error(self, "Save baseline", "A baseline needs a name.")
            return None
        m = self.ctx.measured_map()
        try:
            b = Baseline.from_analysis(name, result.to_json(), map_id=m.id if m else None)
            command = add_baseline_command(self.ctx.project, b)
        except ValueError as e:
            messages.error(self, "Save baseline", "The metrics cannot be saved.", str(e))
            return None
        self.ctx.push(command)
        self.select_baseline(b.id)
        self.ctx.status(f"Saved baseline {name}")
        return b

    def delete_selected(self) -> None:
        b = self.selected_baseline()
        if b is not None:
            self.ctx.push(remove_baseline_command(self.ctx.project, b.id))

    # the comparison -------------------------------------------------------------------------
    def _emit_shown(self) -> None:
        b = self.selected_baseline() if self.show_beside.isChecked() else None
        if (b.id if b else None) != (self._shown.id if self._shown else None):
            self._shown = b
            self.shown_baseline_changed.emit(b)

    def shown_baseline(self) -> Baseline | None:
        return self._shown

    def refresh_comparison(self) -> None:
        b = self.selected_baseline()
        result = self.ctx.result
        self.table.setRowCount(0)
        self.stage_table.setRowCount(0)
        self.warning.hide()
        self.comparison = None
        if b is None:
            self.windows.setText("Save or select a baseline to compare with.")
            self.constraint.setText("")
            self._fit(self.table)
            self._fit(self.stage_table)
            return
        base_w = window_text(b.window_start, b.window_end)
        if result is None:
            self.windows.setText(f"Baseline {b.name}: {base_w}. Nothing is measured now.")
            self.constraint.setText("")
            self._fit(self.table)
            self._fit(self.stage_table)
            return
        now_w = window_text(*result.window) if result.window else "whole data"
        self.windows.setText(f"Baseline “{b.name}”: {base_w}  ·  now: {now_w}")
        cmp_ = compare_to_baseline(baseline_values(b), result.values())
        self.comparison = cmp_
        c = cmp_.constraint
        share = ""
        if c.before_share is not None or c.after_share is not None:
            share = (f" ({fmt.value('bottleneck.share', c.before_share)} → "
                     f"{fmt.value('bottleneck.share', c.after_share)} of flow time waiting)")
        self.constraint.setText(f"Constraint: {c.summary}{share}")
        for d in cmp_.metrics:
            self._add_row(self.table, [metric(d.metric).short_label,
                                       cell_value(d.metric, d.before),
                                       cell_value(d.metric, d.after),
                                       cell_delta(d.metric, d.delta)], d)
        for d in cmp_.stages:
            self._add_row(self.stage_table, [d.stage or d.label,
                                             fmt.value(d.metric, d.before),
                                             fmt.value(d.metric, d.after)], d)
        shown = [d.key for d in cmp_.metrics if d.after is not None or d.before is not None]
        warnings = stability_warnings(shown)
        if warnings:
            self.warning.setText("⚠ " + "\n⚠ ".join(warnings))
            self.warning.show()
        self._fit(self.table)
        self._fit(self.stage_table)

    @staticmethod
    def _add_row(table: QTableWidget, texts: list[str], d: MetricDelta) -> None:
        r = add_row(table, texts, d.key)
        table.item(r, 0).setToolTip(fmt.tooltip(d.metric) if d.key == d.metric else d.label)
        if d.relative is not None and len(texts) > 3:
            table.item(r, 3).setToolTip(f"{fmt_relative(d.relative)} of the baseline")
        tip = d.reason or f"{d.label}: {'lower' if d.better == 'down' else 'higher'} is better"
        set_direction_cell(table, r, table.columnCount() - 1, d.direction,
                           direction_text(d.direction, d.delta, d.reason), tip)

    @staticmethod
    def _fit(table: QTableWidget) -> None:
        fit_table(table)

    def row_texts(self, key: str) -> list[str]:
        """The cells of the row of metric ``key`` (``dora.lead_time_median_s`` or
        ``stages.Review.wait_median_s``), as shown."""
        for table in (self.table, self.stage_table):
            for r in range(table.rowCount()):
                if table.item(r, 0).data(Qt.ItemDataRole.UserRole) == key:
                    return [table.item(r, c).text() for c in range(table.columnCount())]
        raise KeyError(key)
