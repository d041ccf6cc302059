"""Future state against current state, and measured reality against the future state's targets.

:class:`FutureStateDialog` (non-modal) sets the classic totals of two maps side by side
(:func:`vsm_app.analysis.baseline.future_vs_current`: lead time, process time, activity ratio,
rolled %C&A, each judged by its own sense) and, once the stream is measured, checks each
future-state stage's target wait and process time, and the map's lead time, against the
window's measured medians (:func:`~vsm_app.analysis.baseline.reality_vs_targets`).
It follows edits of both maps and every new measurement.
"""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QVBoxLayout,
    QWidget,
)

from ...analysis.baseline import TargetCheck, future_vs_current, reality_vs_targets
from ...domain.model import ValueStreamMap
from ...metrics import format as fmt
from .baselines import window_text
from .common import (
    ImproveContext,
    add_row,
    direction_text,
    fit_table,
    label,
    make_table,
    set_direction_cell,
)

KIND_LABELS = {"wait": "wait (median)", "active": "process time (median active)",
               "lead_time": "lead time (DORA median)"}
_MAP_SIGNALS = ("stage_added", "stage_removed", "stage_changed", "flow_added", "flow_removed",
                "flow_changed", "settings_changed", "renamed")


def check_texts(c: TargetCheck) -> list[str]:
    """Stage, what, target, measured, gap, verdict of one target check."""
    what = KIND_LABELS.get(c.kind, c.kind)
    gap = fmt.signed_duration(c.gap_s) if c.gap_s is not None else fmt.DASH
    verdict = ("met ✓" if c.met else "missed") if c.met is not None else (c.reason or fmt.DASH)
    return [c.stage or "Whole map", what, fmt.duration(c.target_s), fmt.duration(c.measured_s),
            gap, verdict]


class FutureStateDialog(QDialog):
    """Compare a current-state map with a future-state map, and the future state with reality."""

    def __init__(self, ctx: ImproveContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Future state vs current state")
        self.setObjectName("futureStateDialog")
        self.ctx = ctx
        self._watched: list[ValueStreamMap] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(50)
        self._timer.timeout.connect(self.refresh)

        self.current = QComboBox()
        self.current.setObjectName("currentMap")
        self.future = QComboBox()
        self.future.setObjectName("futureMap")
        for combo in (self.current, self.future):
            combo.currentIndexChanged.connect(lambda _i: self._maps_chosen())
        form = QFormLayout()
        form.addRow("Current state", self.current)
        form.addRow("Future state", self.future)

        self.maps_table = make_table(["Metric", "Current state", "Future state", "Change",
                                      "Direction"], "mapComparison")
        self.maps_hint = label("", "hint", name="mapHint")
        self.reality_hint = label("", "hint", name="realityHint")
        self.reality_table = make_table(["Stage", "Measure", "Target", "Measured now",
                                         "Gap", "Verdict"], "realityTable", stretch=5)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)

        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(label("Workshop estimates side by side", "heading"))
        lay.addWidget(self.maps_table)
        lay.addWidget(self.maps_hint)
        lay.addWidget(label("Measured reality against the future state's targets", "heading"))
        lay.addWidget(self.reality_hint)
        lay.addWidget(self.reality_table)
        lay.addStretch(1)
        lay.addWidget(buttons)
        self.resize(760, 640)

        ctx.maps_changed.connect(self.fill_maps)
        ctx.project_changed.connect(lambda _p: self.fill_maps())
        ctx.on_result_when_shown(self, self.refresh)
        self.fill_maps()

    def fill_maps(self) -> None:
        """List the project's maps; default to the first current and the first future map."""
        maps = self.ctx.project.maps
        keep = (self.current.currentData(), self.future.currentData())
        for combo in (self.current, self.future):
            combo.blockSignals(True)
            combo.clear()
            for m in maps:
                combo.addItem(f"{m.name}{'  · future' if m.kind == 'future' else ''}", m.id)
        cur = next((m for m in maps if m.kind == "current"), maps[0] if maps else None)
        fut = next((m for m in maps if m.kind == "future"), None) or \
            next((m for m in maps if m is not cur), cur)
        for combo, kept, default in ((self.current, keep[0], cur), (self.future, keep[1], fut)):
            i = combo.findData(kept)
            if i < 0 and default is not None:
                i = combo.findData(default.id)
            combo.setCurrentIndex(max(i, 0))
            combo.blockSignals(False)
        self._maps_chosen()

    def choose(self, current_id: str, future_id: str) -> None:
        self.current.setCurrentIndex(self.current.findData(current_id))
        self.future.setCurrentIndex(self.future.findData(future_id))

    def _maps_chosen(self) -> None:
        for m in self._watched:
            for name in _MAP_SIGNALS:
                getattr(m, name).disconnect(self._schedule)
        self._watched = [m for m in (self.ctx.map_by_id(self.current.currentData()),
                                     self.ctx.map_by_id(self.future.currentData()))
                         if m is not None]
        for m in self._watched:
            for name in _MAP_SIGNALS:
                getattr(m, name).connect(self._schedule)
        self.refresh()

    def _schedule(self, *_: Any) -> None:
        if shiboken6.isValid(self):  # the maps may outlive the window
            self._timer.start()

    def refresh(self) -> None:
        cur = self.ctx.map_by_id(self.current.currentData())
        fut = self.ctx.map_by_id(self.future.currentData())
        self.maps_table.setRowCount(0)
        self.reality_table.setRowCount(0)
        if cur is None or fut is None:
            self.maps_hint.setText("The project needs a current-state and a future-state map "
                                   "(Map ▸ Duplicate as future state).")
            self.reality_hint.setText("")
            fit_table(self.maps_table)
            fit_table(self.reality_table)
            return
        self.maps_hint.setText("Same map on both sides: duplicate the current map as a future "
                               "state and type its target estimates." if cur is fut else
                               "From the workshop estimates along each map's main path.")
        day = cur.settings.day_length_s
        for d in future_vs_current(cur, fut):
            r = add_row(self.maps_table, [d.label, fmt.value(d.metric, d.before, day_length_s=day),
                                          fmt.value(d.metric, d.after, day_length_s=day),
                                          fmt.delta(d.metric, d.delta, day_length_s=day)], d.key)
            set_direction_cell(self.maps_table, r, 4, d.direction,
                               direction_text(d.direction, d.delta, d.reason), d.reason or "")
        fit_table(self.maps_table)
        result = self.ctx.result
        if result is None:
            self.reality_hint.setText("Nothing measured yet: add data sources; after a period "
                                      "of working the new way, the measured medians are checked "
                                      "against the future state's targets here.")
            fit_table(self.reality_table)
            return
        w = result.window or (None, None)
        self.reality_hint.setText(
            f"Measured window {window_text(*w)}. A target is met "
            "when the measured median is at or below it.")
        for c in reality_vs_targets(fut, result.values()):
            texts = check_texts(c)
            r = add_row(self.reality_table, texts[:5], f"{c.stage_id or 'map'}.{c.kind}",
                        left=(0, 1))
            verdict = None if c.met is None else "met" if c.met else "missed"
            set_direction_cell(self.reality_table, r, 5, verdict, texts[5], c.reason or "")
        fit_table(self.reality_table)
