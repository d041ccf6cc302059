"""The measured stream on the map: stage labels, heat by wait share, the constraint, the ladder.

Two layers:

* Plain functions (no widgets): from an ``analyze --json``-shaped result to what each stage
  shows (:func:`stage_overlays`), the heat scale (:data:`HEAT_SCALE`, :func:`heat_color`), the
  measured ladder (:func:`measured_ladder`) and the status-bar sentence (:func:`status_text`).
* :class:`MeasuredOverlay` follows the window's :class:`~vsm_app.ui.measure.MeasurementController`
  and paints its result on the current map's editor; it also keeps the controller's map and
  bindings in step with the map on screen (a bindings edit, its undo, a renamed or deleted
  stage, another tab: the measurement is re-prepared with the map's bindings).

What a bound stage shows
------------------------
A label under its data box, one line per measured median of the window beside the workshop
estimate of the data box above it::

    wait 23.2h · est 8h
    work 3.9h · est 1h

(each duration ``format_duration(seconds, map day length, max_parts=1)``, a line only when
measured; :func:`vsm_app.report.heat.overlay_text`); the tooltip holds both in full ("est 8h ·
measured 23h 13 min", p85 and counts). The process box is
tinted and the label filled with the heat colour of the stage's wait share; the constraint
(the engine's ``bottleneck.stage``) gets the alert outline and the CONSTRAINT tag saying what it
rests on ("CONSTRAINT · 4 of 5 stages"; the changes are in its tooltip). A bound stage
with nothing measured in the window says "no data in window"; an unbound stage shows nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import pandas as pd
from PySide6.QtCore import QObject, QTimer, Signal

from ..analysis.coverage import (
    constraint_coverage_of,
    constraint_tag_note,
    coverage_sentence,
    coverage_short,
    withheld_advice,
)
from ..analysis.stages import stage_specs
from ..domain import classic
from ..domain.durations import format_duration
from ..domain.model import ValueStreamMap
from ..domain.numbers import finite as _num
from ..report.heat import (  # noqa: F401 - the heat scale is part of this module's interface
    HEAT_SCALE,
    NO_DATA_TEXT,
    NO_WAIT_COLOR,
    heat_color,
    heat_legend,
    overlay_text,
)
from .canvas.ladder import MeasuredLadder
from .canvas.scene import fmt_pct

if TYPE_CHECKING:
    from .canvas.editor import MapEditor
    from .measure import MeasurementController

#: the tooltip part the overlay adds after the stage's own tooltip
TOOLTIP_SEPARATOR = "\n\n— measured —\n"


@dataclass(frozen=True)
class StageOverlay:
    """What one bound stage shows of the measurement."""

    stage_id: str
    name: str
    text: str
    heat_color: str
    is_constraint: bool
    wait_median_s: float | None
    active_median_s: float | None
    details: str
    #: what the constraint rests on ("4 of 5 stages"), in its tag on the map
    constraint_note: str = ""


def _details(s: Mapping[str, Any], est_wait_s: float | None, est_process_s: float | None,
             day: float, is_constraint: bool, coverage: str = "") -> str:
    lines = []
    for kind, word, est in (("wait", "Wait", est_wait_s), ("active", "Work", est_process_s)):
        med = _num(s.get(f"{kind}_median_s"))
        count = int(s.get(f"{kind}_count") or 0)
        if med is None and not count:
            continue
        p85 = _num(s.get(f"{kind}_p85_s"))
        lines.append(f"{word}: est {format_duration(est, day)} · measured "
                     f"{format_duration(med, day)} (median; p85 {format_duration(p85, day)}, "
                     f"{count:,} changes)")
    share, wait_share = _num(s.get("share")), _num(s.get("wait_share"))
    if share is not None:
        lines.append(f"Share of flow time: {fmt_pct(share, 0)}"
                     + (f" (waiting {fmt_pct(wait_share, 0)})" if wait_share is not None
                        else ""))
    if is_constraint:
        lines.append("The constraint: the largest share of flow time spent waiting")
        if coverage:
            lines.append(coverage)
    return "\n".join(lines) or NO_DATA_TEXT


def stage_overlays(vsm_map: ValueStreamMap, result: Mapping[str, Any],
                   names: Mapping[str, str] | None = None,
                   estimates: Mapping[str, tuple[float | None, float | None]] | None = None,
                   ) -> dict[str, StageOverlay]:
    """Stage id → what a bound stage shows, from an ``analyze --json``-shaped ``result``.

    Parameters
    ----------
    vsm_map
        The map on screen (its day length formats the durations).
    result
        ``AnalysisResult.to_json()``: ``stages`` (by engine name) and ``bottleneck.stage``.
    names
        Stage id → the engine's stage name (the prepared specs); default: the map's own
        bindings through :func:`~vsm_app.analysis.stages.stage_specs`.
    estimates
        Stage id → (estimated wait, estimated process time) in seconds, for the label and the
        details; default: the map's classic figures (what its data boxes show).
    """
    if estimates is None:
        estimates = {f.stage_id: (f.wait_time_s, f.process_time_s)
                     for f in classic.compute(vsm_map).stages}
    if names is None:
        names = {sp.stage_id: sp.name for sp in stage_specs(vsm_map) if sp.stage_id}
    by_name = {str(s.get("name")): s for s in result.get("stages") or []}
    bottleneck = result.get("bottleneck") or {}
    constraint = bottleneck.get("stage")
    note, coverage = constraint_tag_note(bottleneck), coverage_sentence(bottleneck)
    day = vsm_map.settings.day_length_s
    out: dict[str, StageOverlay] = {}
    for st in vsm_map.stages:
        if not st.segments:
            continue
        name = names.get(st.id)
        s = by_name.get(name) if name is not None else None
        if s is None or not s.get("bound", True):
            continue
        is_constraint = constraint is not None and name == constraint
        est_wait, est_process = estimates.get(st.id, (None, None))
        out[st.id] = StageOverlay(
            stage_id=st.id, name=st.name, text=overlay_text(s, day, est_wait, est_process),
            heat_color=heat_color(s.get("wait_share")) or NO_WAIT_COLOR,
            is_constraint=is_constraint, wait_median_s=_num(s.get("wait_median_s")),
            active_median_s=_num(s.get("active_median_s")),
            details=_details(s, est_wait, est_process, day, is_constraint, coverage),
            constraint_note=note if is_constraint else "")
    return out


def window_text(start: pd.Timestamp | None, end: pd.Timestamp | None) -> str:
    """``7 Nov 2024 – 31 Oct 2026`` for the half-open window ``[start, end)``."""
    if start is None or end is None:
        return "—"
    last = end - pd.Timedelta(days=1) if end == end.normalize() else end

    def day(ts: pd.Timestamp) -> str:
        return f"{ts.day} {ts.strftime('%b %Y')}"

    return day(start) if last <= start else f"{day(start)} – {day(last)}"


def result_window(result: Mapping[str, Any]) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The analysed window of a result document as UTC timestamps."""
    w = result.get("window") or {}
    start, end = w.get("start"), w.get("end")
    return (pd.Timestamp(start) if start else None, pd.Timestamp(end) if end else None)


def measured_ladder(vsm_map: ValueStreamMap, result: Mapping[str, Any],
                    overlays: Mapping[str, StageOverlay]) -> MeasuredLadder:
    """The ladder in measured mode: the medians of each bound stage and the engine's figures."""
    day = vsm_map.settings.day_length_s
    dora = result.get("dora") or {}
    flow = result.get("flow") or {}
    bottleneck = result.get("bottleneck") or {}
    constraint = bottleneck.get("stage")
    cov = constraint_coverage_of(bottleneck)
    named = str(constraint) if constraint else ("withheld" if cov else "—")
    summary = (
        (window_text(*result_window(result)), ""),  # the window, as the box's first line
        ("Lead time (median)", format_duration(_num(dora.get("lead_time_median_s")), day)),
        ("Flow time (median)", format_duration(_num(flow.get("flow_time_median_s")), day)),
        ("Flow efficiency", fmt_pct(_num(flow.get("efficiency")), 0)),
        ("Changes finished", f"{int(result.get('changes') or 0):,}"),
        ("Constraint", named),
        *((("Stages measured", f"{int(cov.get('stages_measured') or 0)} of "
                               f"{int(cov.get('stages_bound') or 0)}"),) if cov else ()),
    )
    return MeasuredLadder(
        wait_s={sid: o.wait_median_s for sid, o in overlays.items()},
        active_s={sid: o.active_median_s for sid, o in overlays.items()},
        summary=summary, heat_scale=heat_legend())


def measured_ladders(maps: Sequence[ValueStreamMap], result: Mapping[str, Any]
                     ) -> dict[str, MeasuredLadder]:
    """Map id → its ladder in measured mode (maps with a bound stage), for exports made
    outside the window (CLI, reports), so they show what the window shows."""
    out = {}
    for m in maps:
        ovs = stage_overlays(m, result)
        if ovs:
            out[m.id] = measured_ladder(m, result, ovs)
    return out


def status_text(result: Mapping[str, Any]) -> str:
    """The plain-language constraint sentence for the status bar, with what it rests on."""
    b = result.get("bottleneck") or {}
    stage = b.get("stage")
    short = coverage_short(b)
    if not stage:
        advice = withheld_advice(b)
        head = "No constraint named" + (f" ({short})" if short else "")
        return f"{head}: {advice}" if advice else f"{head}."
    share = _num(b.get("share"))
    head = f"Constraint: {stage}"
    detail = []
    if share is not None:
        detail.append(f"{fmt_pct(share, 0)} of flow time is spent waiting there")
    if short:
        detail.append(f"rests on {short}")
    if detail:
        head += f" ({'; '.join(detail)})"
    sentence = b.get("sentence")
    return f"{head}. {sentence}" if sentence else f"{head}."


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
        before = {str(st.get("name")): _num(st.get("wait_median_s"))
                  for st in self.baseline.metrics.get("stages", [])}
        out = {}
        for sid, o in overlays.items():
            was = before.get(o.name)
            if was is None or o.wait_median_s is None:
                out[sid] = o
                continue
            text = (f"wait {format_duration(was, day, max_parts=1)} → "
                    f"{format_duration(o.wait_median_s, day, max_parts=1)}")
            details = (f"{o.details}\nBaseline “{self.baseline.name}”: wait "
                       f"{format_duration(was, day)} (median)")
            out[sid] = replace(o, text=text, details=details)
        return out

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
    def current_result(self) -> dict[str, Any] | None:
        r = self.controller.result
        return r.to_json() if r is not None else None

    def overlays(self) -> dict[str, StageOverlay]:
        """Stage id → what each bound stage of the measured map shows now."""
        m, doc = self.controller.vsm_map, self.current_result()
        if m is None or doc is None:
            return {}
        data = self.controller.data
        names = ({sp.stage_id: sp.name for sp in data.prepared.specs if sp.stage_id}
                 if data is not None else None)
        ed = self._editor_of(m)
        estimates = None  # the map's own figures, unless its editor has them computed
        if ed is not None:
            estimates = {f.stage_id: (f.wait_time_s, f.process_time_s)
                         for f in ed.scene.metrics.stages}
        return self._with_baseline(stage_overlays(m, doc, names, estimates))

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
        doc = self.current_result()
        if doc is None:
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
        scene.set_measured_ladder(measured_ladder(m, doc, overlays)
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
