"""The measured stream on a map, as data (Qt-free): what each stage shows, the measured ladder,
the status sentence. The window (``vsm_app.ui.overlay``), the map exports and the reports all
take it from here, so the screen and every export say the same.

What a bound stage shows
------------------------
A label under its data box, one line per measured median of the window beside the workshop
estimate of the data box above it::

    wait 23h 13 min · est 8h
    work 3h 55 min · est 1h

(:func:`vsm_app.report.heat.overlay_text`; a line only when measured); the tooltip holds
the p85 and counts. The process box is tinted and the label filled with the heat colour of
the stage's wait share; the constraint (the engine's ``bottleneck.stage``) gets the alert
outline and the CONSTRAINT tag saying what it rests on ("CONSTRAINT · 4 of 5 stages"). A
bound stage with nothing measured in the window says "no data in window"; an unbound stage
shows nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..analysis.coverage import (
    constraint_coverage_of,
    constraint_tag_note,
    coverage_sentence,
    coverage_short,
    withheld_advice,
)
from ..analysis.engine import AnalysisResult
from ..analysis.results import StageResult
from ..analysis.stages import stage_specs
from ..domain import classic
from ..domain.model import ValueStreamMap
from ..metrics import format as fmt
from ..metrics.catalogue import metric
from .heat import NO_DATA_TEXT, NO_WAIT_COLOR, heat_color, heat_legend, overlay_text


@dataclass(frozen=True)
class OverlayData:
    """What a stage shows of the measurement on a drawn map."""

    text: str
    heat_color: str | None
    is_constraint: bool
    #: what the constraint rests on ("4 of 5 stages"), in its tag on the map
    constraint_note: str = ""


@dataclass(frozen=True)
class StageOverlay:
    """What one bound stage shows of the measurement, with its tooltip."""

    stage_id: str
    name: str
    text: str
    heat_color: str
    is_constraint: bool
    wait_median_s: float | None
    active_median_s: float | None
    details: str
    constraint_note: str = ""

    def drawn(self) -> OverlayData:
        """The part a drawn map (screen or export) shows."""
        return OverlayData(self.text, self.heat_color, self.is_constraint, self.constraint_note)


@dataclass(frozen=True)
class MeasuredLadder:
    """What the ladder shows in measured mode; the scene formats the seconds with the map's
    day length.

    Parameters
    ----------
    wait_s, active_s
        Stage id → measured median wait / active time (None: not measured).
    summary
        Rows of the summary box (label, value), already formatted from the engine's figures.
    title
        Title of the summary box.
    heat_scale
        (colour, label) of each class of the overlay's heat scale, for the legend.
    """

    wait_s: Mapping[str, float | None] = field(default_factory=dict)
    active_s: Mapping[str, float | None] = field(default_factory=dict)
    summary: tuple[tuple[str, str], ...] = ()
    title: str = "Measured medians · main path"
    heat_scale: tuple[tuple[str, str], ...] = ()


def _details(s: StageResult, est_wait_s: float | None, est_process_s: float | None,
             day: float, is_constraint: bool, coverage: str = "", unit: str = "changes") -> str:
    lines = []
    for kind, word, est in (("wait", "Wait", est_wait_s), ("active", "Work", est_process_s)):
        med, count = s.median(kind), s.count(kind)
        if med is None and not count:
            continue
        lines.append(f"{word}: est {fmt.duration(est, day)} · measured "
                     f"{fmt.duration(med, day)} (median; p85 "
                     f"{fmt.duration(s.p85(kind), day)}, {fmt.count(count, unit)})")
    if s.share is not None:
        lines.append(f"{metric('stage.share').label}: {fmt.value('stage.share', s.share)}"
                     + (f" (waiting {fmt.value('stage.wait_share', s.wait_share)})"
                        if s.wait_share is not None else ""))
    if is_constraint:
        lines.append("The constraint: the largest share of flow time spent waiting")
        if coverage:
            lines.append(coverage)
    return "\n".join(lines) or NO_DATA_TEXT


def stage_overlays(vsm_map: ValueStreamMap, result: AnalysisResult,
                   names: Mapping[str, str] | None = None,
                   estimates: Mapping[str, tuple[float | None, float | None]] | None = None,
                   ) -> dict[str, StageOverlay]:
    """Stage id → what a bound stage shows.

    Parameters
    ----------
    vsm_map
        The map drawn (its day length formats the durations).
    result
        The analysis of the window: ``stages`` (by engine name) and the constraint.
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
    by_name = {s.name: s for s in result.stages}
    bottleneck = result.bottleneck
    constraint = bottleneck.stage
    note, coverage = constraint_tag_note(bottleneck), coverage_sentence(bottleneck)
    day = vsm_map.settings.day_length_s
    out: dict[str, StageOverlay] = {}
    for st in vsm_map.stages:
        if not st.segments and not st.statuses:  # bound to events, or to tracker statuses
            continue
        name = names.get(st.id)
        s = by_name.get(name) if name is not None else None
        if s is None or not s.bound:
            continue
        is_constraint = constraint is not None and name == constraint
        est_wait, est_process = estimates.get(st.id, (None, None))
        out[st.id] = StageOverlay(
            stage_id=st.id, name=st.name, text=overlay_text(s, day, est_wait, est_process),
            heat_color=heat_color(s.wait_share) or NO_WAIT_COLOR,
            is_constraint=is_constraint, wait_median_s=s.wait_median_s,
            active_median_s=s.active_median_s,
            details=_details(s, est_wait, est_process, day, is_constraint, coverage,
                             result.flow.unit),
            constraint_note=note if is_constraint else "")
    return out


def measured_overlay(vsm_map: ValueStreamMap, result: AnalysisResult) -> dict[str, OverlayData]:
    """Stage id → what a drawn map shows of ``result`` (exactly what the window shows)."""
    return {sid: o.drawn() for sid, o in stage_overlays(vsm_map, result).items()}


def window_text(result: AnalysisResult) -> str:
    """``7 Nov 2024 – 30 Oct 2026``: the days of the analysed window."""
    if result.window is None:
        return fmt.DASH
    return fmt.window(*result.window)


def measured_ladder(vsm_map: ValueStreamMap, result: AnalysisResult,
                    overlays: Mapping[str, StageOverlay]) -> MeasuredLadder:
    """The ladder in measured mode: the medians of each bound stage and the engine's figures."""
    day = vsm_map.settings.day_length_s
    bottleneck = result.bottleneck
    cov = constraint_coverage_of(bottleneck)
    named = str(bottleneck.stage) if bottleneck.stage else ("withheld" if cov else fmt.DASH)
    lead, flow_t, eff = (metric("dora.lead_time_median_s"), metric("flow.flow_time_median_s"),
                         metric("flow.efficiency"))
    summary = (
        (window_text(result), ""),  # the window, as the box's first line
        (lead.short_label + " (median)", fmt.duration(result.dora.lead_time_median_s, day)),
        (flow_t.short_label + " (median)", fmt.duration(result.flow.flow_time_median_s, day)),
        (eff.label, fmt.value(eff, result.flow.efficiency)),
        # with work items loaded the flow metrics count items (issue 18)
        ((metric("window.items").label, fmt.count(result.items)) if result.items is not None
         else (metric("window.changes").label, fmt.count(result.changes))),
        ("Constraint", named),
        *((("Stages measured", f"{cov.stages_measured} of {cov.stages_bound}"),)
          if cov else ()),
    )
    return MeasuredLadder(
        wait_s={sid: o.wait_median_s for sid, o in overlays.items()},
        active_s={sid: o.active_median_s for sid, o in overlays.items()},
        summary=summary, heat_scale=heat_legend())


def measured_ladders(maps: Sequence[ValueStreamMap], result: AnalysisResult
                     ) -> dict[str, MeasuredLadder]:
    """Map id → its ladder in measured mode (maps with a bound stage), for exports made
    outside the window (CLI, reports), so they show what the window shows."""
    out = {}
    for m in maps:
        ovs = stage_overlays(m, result)
        if ovs:
            out[m.id] = measured_ladder(m, result, ovs)
    return out


def status_text(result: AnalysisResult) -> str:
    """The plain-language constraint sentence for the status bar, with what it rests on."""
    from ..analysis.constraint import constraint_sentence

    b = result.bottleneck
    short = coverage_short(b)
    if not b.stage:
        advice = withheld_advice(b)
        head = "No constraint named" + (f" ({short})" if short else "")
        return f"{head}: {advice}" if advice else f"{head}."
    head = f"Constraint: {b.stage}"
    detail = []
    if b.share is not None:
        detail.append(f"{fmt.value('bottleneck.share', b.share)} of flow time is spent "
                      "waiting there")
    if short:
        detail.append(f"rests on {short}")
    if detail:
        head += f" ({'; '.join(detail)})"
    sentence = constraint_sentence(b)
    return f"{head}. {sentence}" if sentence else f"{head}."
