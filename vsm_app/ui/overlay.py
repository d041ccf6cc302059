"""The measured stream on the window's map: :class:`MeasuredOverlay` follows the window's
:class:`~vsm_app.ui.measure.MeasurementController` and paints its result on the current map's
editor (labels, heat, the constraint, the measured ladder); it also keeps the controller's map
and bindings in step with the map on screen (a bindings edit, its undo, a renamed or deleted
stage, another tab: the measurement is re-prepared with the map's bindings).

What each stage shows, the ladder and the status sentence are computed Qt-free in
:mod:`vsm_app.report.overlay`, the same functions the exports and the reports use.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from ..analysis.baseline import baseline_values
from ..analysis.engine import AnalysisResult
from ..analysis.stages import stage_specs
from ..domain.model import ValueStreamMap
from ..metrics import format as fmt
from ..report.heat import (  # noqa: F401 - the heat scale is part of this module's interface
    HEAT_SCALE,
    NO_DATA_TEXT,
    NO_WAIT_COLOR,
    heat_color,
    heat_legend,
    overlay_text,
)
from ..report.overlay import (  # noqa: F401 - re-exported for the window's features
    MeasuredLadder,
    StageOverlay,
    measured_ladder,
    measured_ladders,
    stage_overlays,
    status_text,
    window_text,
)

if TYPE_CHECKING:
    from .canvas.editor import MapEditor
    from .measure import MeasurementController

#: the tooltip part the overlay adds after the stage's own tooltip
TOOLTIP_SEPARATOR = "\n\n— measured —\n"


class MeasuredOverlay(QObject):
    """Shows the controller's result on the current map and keeps the map's bindings measured.

    Signals
    -------
    applied()
        The overlay (labels, heat, constraint, ladder) was brought up to date.
    """

    applied = Signal()

    def __init__(self, window: Any, controller: MeasurementController) -> None:
        super().__init__(window)
        self.window = window
        self.controller = controller
        self.show_measured = True
        self.measured_ladder = True
        self._painted: set[str] = set()  # map ids whose editor carries an overlay
        self.baseline: Any = None  # a domain.improvement.Baseline shown beside now
        #: a group drilled into from the comparison (issue 21): its name and result
        self.focus_name = ""
        self.focus_result: AnalysisResult | None = None
        self._watched: ValueStreamMap | None = None
        self._editor: MapEditor | None = None
        self._check_timer = QTimer(self)
        self._check_timer.setSingleShot(True)
        self._check_timer.setInterval(0)
        self._check_timer.timeout.connect(self.check_bindings)
        controller.result_changed.connect(self.refresh)
        controller.measured.connect(self._on_measured)

    # -- switches ---------------------------------------------------------------------------
    def set_baseline(self, baseline: Any) -> None:
        """Show a saved baseline's median wait beside now on each stage (None: hide it)."""
        self.baseline = baseline
        self.refresh()

    def _with_baseline(self, overlays: dict[str, StageOverlay]) -> dict[str, StageOverlay]:
        """``wait 3.2h → 23.2h`` (baseline → now) labels while a baseline is shown."""
        if self.baseline is None or self.controller.vsm_map is None:
            return overlays
        day = self.controller.vsm_map.settings.day_length_s
        before = {s.name: s.wait_median_s for s in baseline_values(self.baseline).stages}
        out = {}
        for sid, o in overlays.items():
            was = before.get(o.name)
            if was is None or o.wait_median_s is None:
                out[sid] = o
                continue
            text = (f"wait {fmt.duration(was, day)} → "
                    f"{fmt.duration(o.wait_median_s, day)}")
            details = (f"{o.details}\nBaseline “{self.baseline.name}”: wait "
                       f"{fmt.duration(was, day)} (median)")
            out[sid] = replace(o, text=text, details=details)
        return out

    def set_focus(self, name: str, result: AnalysisResult | None) -> None:
        """Paint one group's measured figures instead of the whole's (``""``: the whole)."""
        self.focus_name = name if result is not None else ""
        self.focus_result = result if name else None
        self.refresh()

    def set_show_measured(self, on: bool) -> None:
        """Labels, heat and constraint on the map (View ▸ Show measured overlay)."""
        self.show_measured = bool(on)
        self.refresh()

    def set_measured_ladder(self, on: bool) -> None:
        """The timeline ladder in measured (True) or estimated mode."""
        self.measured_ladder = bool(on)
        self.refresh()

    # -- following the map ---------------------------------------------------------------------
    def follow_map(self, vsm_map: ValueStreamMap | None) -> None:
        """The map on screen changed: measure its bindings and watch them."""
        self.unwatch()
        self._watched = vsm_map
        if vsm_map is not None:
            for sig in self._map_signals(vsm_map):
                sig.connect(self._schedule_check)
        if vsm_map is not self.controller.vsm_map:
            self.controller.set_map(vsm_map)  # re-prepares (and re-analyses) when measured
        self.refresh()

    def unwatch(self) -> None:
        """Stop watching the map's bindings (the window is closing)."""
        if self._watched is not None:
            for sig in self._map_signals(self._watched):
                sig.disconnect(self._schedule_check)
        self._watched = None
        self._check_timer.stop()

    @staticmethod
    def _map_signals(m: ValueStreamMap) -> list[Any]:
        return [m.stage_added, m.stage_removed, m.stage_changed]

    def _schedule_check(self, *_args: Any) -> None:
        if not self._check_timer.isActive():
            self._check_timer.start()

    def _on_measured(self, _data: Any) -> None:
        self.check_bindings()

    def check_bindings(self) -> bool:
        """Re-prepare when the measured bindings differ from the map's; True if it did."""
        self._check_timer.stop()
        m, data = self.controller.vsm_map, self.controller.data
        if m is None or data is None or stage_specs(m) == data.prepared.specs:
            return False
        self.controller.set_map(m)
        return True

    # -- painting --------------------------------------------------------------------------------
    def current_result(self) -> AnalysisResult | None:
        if self.focus_result is not None:
            return self.focus_result
        return self.controller.result

    def overlays(self) -> dict[str, StageOverlay]:
        """Stage id → what each bound stage of the measured map shows now."""
        m, result = self.controller.vsm_map, self.current_result()
        if m is None or result is None:
            return {}
        data = self.controller.data
        names = ({sp.stage_id: sp.name for sp in data.prepared.specs if sp.stage_id}
                 if data is not None else None)
        ed = self._editor_of(m)
        estimates = None  # the map's own figures, unless its editor has them computed
        if ed is not None:
            estimates = {f.stage_id: (f.wait_time_s, f.process_time_s)
                         for f in ed.scene.metrics.stages}
        return self._with_baseline(stage_overlays(m, result, names, estimates))

    def _editor_of(self, m: ValueStreamMap) -> MapEditor | None:
        return self.window.editor_for(m.id)

    def refresh(self, *_args: Any) -> None:
        """Bring the overlay on every editor up to date with the controller's result."""
        m = self.controller.vsm_map
        target = self._editor_of(m) if m is not None else None
        for ed in self.window.editors():
            if ed is not target and ed.map.id in self._painted:
                self._clear(ed)
        if target is not self._editor:
            if self._editor is not None and self._editor in self.window.editors():
                self._editor.scene.refreshed.disconnect(self._apply_tooltips)
            self._editor = target
            if target is not None:
                target.scene.refreshed.connect(self._apply_tooltips)
        if target is None or m is None:
            return
        result = self.current_result()
        if result is None:
            self._clear(target)
            return
        overlays = self.overlays()
        scene = target.scene
        for item in scene.stage_items():
            o = overlays.get(item.model_id) if self.show_measured else None
            if o is None:
                item.clear_overlay()
            else:
                item.set_overlay(o.text, o.heat_color, o.is_constraint, o.constraint_note)
        scene.set_measured_ladder(measured_ladder(m, result, overlays)
                                  if self.measured_ladder else None)
        self._painted.add(m.id)
        self._apply_tooltips(overlays)
        self.applied.emit()

    def _apply_tooltips(self, overlays: Mapping[str, StageOverlay] | None = None) -> None:
        ed = self._editor
        if ed is None:
            return
        if overlays is None:
            overlays = self.overlays() if self.show_measured and ed.map.id in self._painted \
                else {}
        for item in ed.scene.stage_items():
            base = item.toolTip().split(TOOLTIP_SEPARATOR)[0]
            o = overlays.get(item.model_id) if self.show_measured else None
            item.setToolTip(base + TOOLTIP_SEPARATOR + o.details if o is not None else base)

    def _clear(self, ed: MapEditor) -> None:
        for item in ed.scene.stage_items():
            item.clear_overlay()
            item.setToolTip(item.toolTip().split(TOOLTIP_SEPARATOR)[0])
        ed.scene.set_measured_ladder(None)
        self._painted.discard(ed.map.id)

    def clear(self) -> None:
        """Remove every overlay (no measurement any more)."""
        for ed in self.window.editors():
            self._clear(ed)

    def reset(self) -> None:
        """Another project: forget the editors painted so far (they are being dropped)."""
        self._painted.clear()
        self._editor = None
        self.focus_name, self.focus_result = "", None
