"""The analysis entry point: canonical tables + a map → every metric of DESIGN §5 and §6.

Two steps, so that moving the window is cheap:

* :func:`prepare` does the heavy, window-independent work once per data load: the event
  matrix, every change's stage times, flow and lead times, and the attribution of failures,
  restores and rework to deployments.
* :func:`analyze_window` filters those arrays to a window and aggregates per period.

:func:`analyze` calls both. :meth:`AnalysisResult.to_json` gives exactly the sections of
``analyze --json`` (DESIGN §6); the per-period frames are kept on the result for charts.

Windows
-------
``[since, until)``, half-open, UTC (a naive timestamp is taken as UTC). Without ``since`` /
``until`` the window covers the delivery data: from the UTC midnight before the earliest to
the UTC midnight after the latest change finish or deployment time (incidents do not stretch
it; those outside are counted in data quality). A change belongs to the window by its finish
time (``deployed_at``, else ``merged_at``; lead time by ``deployed_at``), a deployment by its
time, an incident and a recovery by their start.

One cohort for durations
------------------------
Every duration statistic (flow time, stage medians/p85/shares, the constraint's wait p85,
efficiency, the weekly stage waits, the decomposition) is computed over the same changes: those
finished in the window **that have a flow time**. A change whose finish is only an upper
bound (shipped by the first deployment) or whose flow time is negative contributes no
duration anywhere; it still counts as finished (velocity, distribution, load).

The lead-time decomposition compares ``compare_to`` (the "before" window) with the analysis
window; without ``compare_to`` it compares the first half of the window with the second half
(split at the UTC midnight at or before the midpoint).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from vsm_app.domain.items import ItemSettings
from vsm_app.domain.model import ValueStreamMap
from vsm_app.domain.tables import EVENTS, Tables, conform

from ..domain.tables import SourceReport
from ..metrics.bands import bands_of
from ..work import IsCancelled, Progress, check, report
from . import constraint as cons
from . import coverage as cov
from .dora import PRODUCTION_ENVIRONMENTS, DoraPrepared, dora_window, lead_times, prepare_dora
from .events import event_matrix, wide_events
from .flow import distribution, finish_times, flow_by_period, flow_times, littles_law, wip_daily
from .periods import (
    NAT,
    NS_PER_DAY,
    NS_PER_S,
    WEEK_S,
    check_period,
    in_window,
    iso,
    ns_to_timestamps,
    period_frame,
    period_start_ns,
    timestamp_ns,
    to_ns,
    window_label,
)
from .results import (
    DORA_KEYS,
    Constraint,
    ConstraintCoverages,
    CorrelationCoverage,
    DataQuality,
    DecompositionCoverage,
    DecompositionWindow,
    DoraBands,
    DoraCounts,
    DoraSummary,
    FlowCounts,
    FlowSummary,
    LittlesLaw,
    MetricValues,
    SegmentQuality,
    StageResult,
    jsonable,
)
from .results import opt as _opt
from .stages import (
    KINDS,
    OK,
    UNBOUND,
    StageDurations,
    StageSpec,
    active_total_s,
    bound_events,
    col,
    segment_quality,
    stage_durations,
    stage_specs,
    stage_summary,
    stages_by_period,
)

__all__ = ["AnalysisOptions", "AnalysisResult", "Prepared", "analyze",
           "analyze_window", "jsonable", "prepare", "resolve_window", "run"]


@dataclass
class AnalysisOptions:
    """What to compute: the window, the period, the band table and the comparison window."""

    since: pd.Timestamp | None = None
    until: pd.Timestamp | None = None
    period: str = "week"  # day | week | month
    band_year: int = 2023
    #: the "before" window of the lead-time decomposition; default: first vs second half
    compare_to: tuple[pd.Timestamp, pd.Timestamp] | None = None
    #: environment names that count as production (case-insensitive); missing counts too
    production_environments: tuple[str, ...] = PRODUCTION_ENVIRONMENTS
    #: work items: start statuses (window-independent, used by :func:`prepare`; issue 18)
    item_settings: ItemSettings | None = None


@dataclass
class Prepared:
    """Window-independent results of :func:`prepare`; rows of ``changes`` and
    ``durations`` are aligned (one per change)."""

    #: change_id, kind, start/finish/deployed (ns), flow_time_s, lead_time_s, active_s,
    #: active_complete, first_deployment, negative_flow, negative_lead, finish_from_deployment
    changes: pd.DataFrame
    durations: StageDurations
    dora: DoraPrepared
    specs: list[StageSpec]
    extent: tuple[int, int] | None
    #: which events each change has (bool, one column per event): names missing data
    event_present: pd.DataFrame = field(default_factory=pd.DataFrame)
    sources: tuple[SourceReport, ...] = ()
    ingest_quality: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    production_environments: tuple[str, ...] = PRODUCTION_ENVIRONMENTS
    #: the event matrix the stage times were computed from: one ``int64`` ns column per
    #: event (``NAT`` = missing), rows aligned with ``changes`` (flow analytics use it to
    #: place unfinished changes in a stage)
    event_times: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: work items (vsm_app.analysis.items.ItemsPrepared) when loaded: then the flow metrics,
    #: the stages and the constraint are computed on them, DORA on the changes (issue 18)
    items: Any = None


def prepare(tables: Tables, vsm_map: ValueStreamMap | None,
            production_environments: tuple[str, ...] = PRODUCTION_ENVIRONMENTS,
            item_settings: ItemSettings | None = None) -> Prepared:
    """The heavy, window-independent part of the analysis (see module docstring)."""
    changes = conform(tables.changes, "changes")
    deployments = tables.deployments
    specs = stage_specs(vsm_map)

    # event matrix: the change timestamps and CI runs; a loaded events table wins for the
    # events it holds
    matrix = wide_events(changes, tables.ci_runs, deployments)
    matrix.index = pd.RangeIndex(len(changes))
    if tables.events is not None and len(tables.events):
        given = event_matrix(tables.events, changes["change_id"],
                             names=[*EVENTS, *bound_events(specs)])
        for name in given.columns:
            g = given[name].to_numpy()
            if name in matrix:
                base = matrix[name].to_numpy()
                matrix[name] = np.where(g != NAT, g, base)
            else:
                matrix[name] = g
    durations = stage_durations(matrix, specs)

    start = to_ns(changes["first_commit_at"])
    deployed = to_ns(changes["deployed_at"])
    merged = to_ns(changes["merged_at"])
    finish, from_dep = finish_times(deployed, merged, changes["repo"])
    first_dep = changes["first_deployment"].to_numpy(dtype=bool)
    flow_s, neg_flow = flow_times(start, finish, first_dep & from_dep)
    lead_s, neg_lead = lead_times(start, deployed, first_dep)
    active_s = active_total_s(durations)
    act_status = durations.status[durations.columns("active")].to_numpy()
    bound_active = act_status != UNBOUND
    complete = (np.where(bound_active, act_status == OK, True).all(axis=1)
                if act_status.size else np.zeros(len(changes), dtype=bool))
    pc = pd.DataFrame({
        "change_id": changes["change_id"].astype("string").to_numpy(),
        "kind": changes["kind"].astype("string").to_numpy(),
        "start": start,
        "finish": finish,
        "deployed": deployed,
        "flow_time_s": flow_s,
        "lead_time_s": lead_s,
        "active_s": active_s,
        "active_complete": complete & bound_active.any(axis=1) if act_status.size else complete,
        "first_deployment": first_dep,
        "negative_flow": neg_flow,
        "negative_lead": neg_lead,
        "finish_from_deployment": from_dep,
    })

    dora = prepare_dora(changes, deployments, tables.incidents, tables.ci_runs, tables.commits,
                        production_environments)

    # the default window covers the delivery data (changes and deployments); incidents
    # outside it are counted in data quality, never stretch it
    times = [finish[finish != NAT], dora.deployments["at"].to_numpy(dtype=np.int64)]
    allt = np.concatenate([t[t != NAT] for t in times])
    if not len(allt):  # nothing finished or deployed: fall back to first commits
        allt = start[start != NAT]
    if not len(allt):  # no changes at all: the incidents are all there is
        opened = dora.incidents["opened"].to_numpy(dtype=np.int64)
        allt = opened[opened != NAT]
    extent = None
    if len(allt):
        lo = int(allt.min()) // NS_PER_DAY * NS_PER_DAY
        hi = (int(allt.max()) // NS_PER_DAY + 1) * NS_PER_DAY
        extent = (lo, hi)
    present = pd.DataFrame({c: matrix[c].to_numpy(dtype=np.int64) != NAT for c in matrix},
                           index=pd.RangeIndex(len(changes)))
    prepared = Prepared(
        changes=pc, durations=durations, dora=dora, specs=specs, extent=extent,
        event_present=present,
        sources=tuple(replace(s, problems=list(s.problems), extra=dict(s.extra))
                      for s in tables.sources),
        ingest_quality=dict(tables.data_quality), warnings=list(tables.warnings),
        production_environments=production_environments, event_times=matrix)
    if tables.items is not None and len(tables.items):
        from .items import prepare_items, widen_extent

        prepared.items = prepare_items(tables, specs, prepared, item_settings)
        prepared.extent = widen_extent(prepared.extent, prepared.items)
    return prepared


@dataclass
class AnalysisResult:
    """Everything one window shows: typed sections (:mod:`.results`) and per-period frames
    for charts."""

    options: AnalysisOptions
    window: tuple[int, int] | None
    changes: int
    deployments: int
    dora: DoraSummary
    flow: FlowSummary
    stages: tuple[StageResult, ...]
    bottleneck: Constraint
    data_quality: DataQuality
    sources: tuple[SourceReport, ...]
    #: one row per period: start, end, label, days
    periods: pd.DataFrame = field(default_factory=pd.DataFrame)
    flow_by_period: pd.DataFrame = field(default_factory=pd.DataFrame)
    dora_by_period: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: long: period × stage × kind with count, missing, negative, median/p85/mean/sum, shares
    stages_by_period: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: one row per stage over the window (see stages.stage_summary)
    stage_summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: open changes at the end of each UTC day of the window
    wip_daily: pd.Series = field(default_factory=lambda: pd.Series(dtype="int64"))
    #: per ISO week: median lead time and each stage's median wait (for the correlation)
    weekly: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: the constraint (largest wait share) of each period, None where nothing was measured
    constraint_by_period: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    #: work items finished in the window when items are the unit of flow (issue 18)
    items: int | None = None

    @property
    def constraint(self) -> Constraint:
        """The constraint (``bottleneck`` in the JSON)."""
        return self.bottleneck

    def stage(self, name: str) -> StageResult | None:
        """The measured stage called ``name`` (the engine's name), or None."""
        return next((s for s in self.stages if s.name == name), None)

    def window_timestamps(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """``[start, end)`` as UTC timestamps, or None when nothing was analysed."""
        if self.window is None:
            return None
        return (pd.Timestamp(self.window[0], unit="ns", tz="UTC"),
                pd.Timestamp(self.window[1], unit="ns", tz="UTC"))

    def values(self) -> MetricValues:
        """The comparable numbers (headline metrics, stages, constraint) of this window."""
        return MetricValues.of(self.dora, self.flow, self.stages, self.bottleneck,
                               self.changes, self.deployments)

    def to_json(self) -> dict[str, Any]:
        """The ``analyze --json`` document (DESIGN §6); plain JSON values, NaN → null."""
        start, end = self.window if self.window else (None, None)
        doc = {
            "window": {"start": iso(start), "end": iso(end)},
            "changes": self.changes,
            **({"items": self.items} if self.items is not None else {}),
            "deployments": self.deployments,
            "dora": self.dora.to_json(),
            "flow": self.flow.to_json(),
            "stages": [s.to_json() for s in self.stages],
            "bottleneck": self.bottleneck.to_json(),
            "data_quality": self.data_quality.to_json(),
            "sources": [s.to_json() for s in self.sources],
        }
        return jsonable(doc)


def resolve_window(prepared: Prepared, options: AnalysisOptions) -> tuple[int, int] | None:
    """``[start, end)`` in UTC ns from the options, defaulting to the data extent."""
    since = timestamp_ns(options.since)
    until = timestamp_ns(options.until)
    if prepared.extent is None and (since is None or until is None):
        if since is None and until is None:
            return None
    lo = since if since is not None else (prepared.extent[0] if prepared.extent else None)
    hi = until if until is not None else (prepared.extent[1] if prepared.extent else None)
    if lo is None or hi is None:
        return None
    if hi <= lo:
        raise ValueError("the window is empty: until must be after since")
    return lo, hi


def analyze_window(prepared: Prepared, options: AnalysisOptions) -> AnalysisResult:
    """Every metric over one window, from :func:`prepare`'s arrays (fast)."""
    period = check_period(options.period)
    window = resolve_window(prepared, options)
    if window is None:
        return _empty_result(prepared, options)
    start, end = window
    # the unit of flow: work items when loaded (issue 18), else the changes; DORA and the
    # change counts stay on the changes
    up = prepared.items.view if prepared.items is not None else prepared
    noun = "items" if prepared.items is not None else "changes"
    pc = up.changes
    dur = up.durations
    periods = period_frame(start, end, period)
    pidx = periods.index

    def period_of(ns: np.ndarray) -> np.ndarray:
        return period_start_ns(ns, period)

    finish = pc["finish"].to_numpy(dtype=np.int64)
    cohort = in_window(finish, start, end)
    n_finished = int(cohort.sum())
    fkey = np.zeros(len(pc), dtype=np.int64)
    fkey[cohort] = period_of(finish[cohort])
    flow_s = pc["flow_time_s"].to_numpy(dtype=np.float64)
    # the duration cohort: finished in the window with a flow time (module docstring)
    timed = cohort & ~np.isnan(flow_s)
    active_s = pc["active_s"].to_numpy(dtype=np.float64)
    weeks = (end - start) / NS_PER_S / WEEK_S
    days = (end - start) / NS_PER_DAY

    # -- flow
    wip = wip_daily(pc["start"].to_numpy(dtype=np.int64), finish, start, end)
    wip_keys = period_of(wip.index.as_unit("ns").asi8) if len(wip) else np.empty(0, np.int64)
    fbp = flow_by_period(cohort, fkey, flow_s, active_s, pc["kind"], periods, wip, wip_keys)
    ft = flow_s[cohort]
    ft = ft[~np.isnan(ft)]
    act = active_s[cohort]
    both = ~np.isnan(flow_s[cohort]) & ~np.isnan(act)
    flow_reasons: dict[str, str] = {}
    has_changes = len(pc) > 0
    velocity = n_finished / weeks if has_changes and weeks > 0 else None
    if velocity is None:
        flow_reasons["velocity_per_week"] = f"no {noun} loaded"
    ft_median = float(np.median(ft)) if len(ft) else None
    ft_p85 = float(np.quantile(ft, 0.85)) if len(ft) else None
    ft_mean = float(np.mean(ft)) if len(ft) else None
    if ft_median is None:
        flow_reasons["flow_time_median_s"] = (
            f"no {noun} loaded" if not has_changes
            else f"no finished {noun[:-1]} with a flow time in the window")
    load_mean = float(wip.mean()) if has_changes and len(wip) else None
    if load_mean is None:
        flow_reasons["load_mean"] = f"no {noun} loaded" if not has_changes else "empty window"
    flow_sum = float(flow_s[cohort][both].sum())
    efficiency = float(act[both].sum() / flow_sum) if both.any() and flow_sum > 0 else None
    if efficiency is None:
        flow_reasons["efficiency"] = (
            "no finished change in the window has both a flow time and a measured active "
            "segment (the map's active bindings need events the loaded sources do not give)")
    dist = distribution(pc["kind"][cohort]) if n_finished else None
    if dist is None:
        flow_reasons["distribution"] = f"no {noun[:-1]} finished in the window"
    little = littles_law(load_mean, n_finished, days, ft_mean)
    if little["predicted_load"] is None:
        flow_reasons["littles_law"] = "needs a mean load and a mean flow time in the window"
    from_dep = pc["finish_from_deployment"].to_numpy(dtype=bool)
    basis = ("deployed_at" if from_dep.all() else "merged_at" if not from_dep.any()
             else "mixed") if has_changes else None
    flow = FlowSummary(
        velocity_per_week=velocity, flow_time_median_s=ft_median, load_mean=load_mean,
        efficiency=efficiency, distribution=dist, reasons=flow_reasons,
        flow_time_p85_s=ft_p85, flow_time_mean_s=ft_mean,
        littles_law=LittlesLaw.from_mapping(little), finish_basis=basis,
        counts=FlowCounts(
            finished=n_finished, with_flow_time=int(len(ft)), with_efficiency=int(both.sum()),
            efficiency_all_active_measured=int(
                pc["active_complete"].to_numpy(dtype=bool)[cohort][both].sum())),
        unit=noun)  # what the flow metrics count: work items or changes (issue 18)

    # -- stages: over the duration cohort, like flow time
    summary = stage_summary(dur, timed, flow_s)
    sbp = stages_by_period(dur, timed, fkey, flow_s, pidx)
    n_timed = int(timed.sum())
    stages = tuple(_stage_result(row, n_timed) for row in summary.to_dict("records"))

    # -- DORA (always on the changes)
    deployed = prepared.changes["deployed"].to_numpy(dtype=np.int64)
    lead_s = prepared.changes["lead_time_s"].to_numpy(dtype=np.float64)
    dw = dora_window(prepared.dora, lead_s, deployed, start, end, periods, period_of)
    dora = _dora_summary(dw.summary, options.band_year)

    # -- bottleneck
    bottleneck, weekly, by_period_constraint = _bottleneck(
        up, options, start, end, summary, sbp, timed, flow_s,
        pc["lead_time_s"].to_numpy(dtype=np.float64), pc["deployed"].to_numpy(dtype=np.int64),
        pidx, fkey, noun[:-1])

    # -- data quality (of the changes; the items' own beside them)
    n_units = n_finished
    if prepared.items is not None:
        from .items import items_finish_basis, items_window_quality, with_board_limits

        c_finish = prepared.changes["finish"].to_numpy(dtype=np.int64)
        cohort = in_window(c_finish, start, end)
        n_finished = int(cohort.sum())
        timed = cohort & ~np.isnan(prepared.changes["flow_time_s"].to_numpy(dtype=np.float64))
    dq = _data_quality(prepared, cohort, timed, deployed, start, end)
    if prepared.items is not None:
        dq = replace(dq, items=items_window_quality(prepared.items, start, end))
        stages = with_board_limits(stages, prepared.items)
        flow = replace(flow, finish_basis=items_finish_basis(prepared.items))

    # frames for charts: indexed by the period start as a UTC timestamp
    stamps = pd.Index(ns_to_timestamps(pidx.to_numpy()), name="period")
    sbp = sbp.assign(period=ns_to_timestamps(sbp["period"].to_numpy(dtype=np.int64)))
    weekly.index = pd.Index(ns_to_timestamps(weekly.index.to_numpy()), name="week")
    return AnalysisResult(
        options=options, window=(start, end), changes=n_finished,
        items=n_units if prepared.items is not None else None,
        deployments=dw.deployments_in_window, dora=dora, flow=flow, stages=stages,
        bottleneck=bottleneck, data_quality=dq, sources=prepared.sources,
        periods=periods.set_axis(stamps), flow_by_period=fbp.set_axis(stamps),
        dora_by_period=dw.by_period.set_axis(stamps), stages_by_period=sbp,
        stage_summary=summary, wip_daily=wip, weekly=weekly,
        constraint_by_period=by_period_constraint.set_axis(stamps))


def _dora_summary(summary: dict[str, Any], band_year: int) -> DoraSummary:
    """The typed DORA section from the DORA step's summary, with bands and their coverage."""
    bands = bands_of(summary, band_year)
    band_cov, band_why = cov.band_coverage(summary)
    for metric in band_why:
        bands[metric] = None
    counts = summary["counts"]
    return DoraSummary(
        **{k: summary[k] for k in DORA_KEYS},
        bands=DoraBands(year=int(bands["year"]),
                        **{m: bands[m] for m in ("deployment_frequency", "lead_time",
                                                 "change_failure_rate", "recovery_time")},
                        coverage=band_cov, reasons=band_why),
        reasons=dict(summary["reasons"]), lead_time_p85_s=summary["lead_time_p85_s"],
        counts=DoraCounts(**counts), notes=dict(summary["notes"]))


def _stage_result(row: dict[str, Any], n_timed: int) -> StageResult:
    def share_of(key: str) -> float | None:
        return float(row.get(key) or 0) / n_timed if n_timed else None

    return StageResult(
        name=row["stage"],
        wait_median_s=_opt(row.get("wait_median_s")),
        active_median_s=_opt(row.get("active_median_s")),
        share=_opt(row.get("share")),
        wait_p85_s=_opt(row.get("wait_p85_s")),
        active_p85_s=_opt(row.get("active_p85_s")),
        wait_share=_opt(row.get("wait_share")),
        active_share=_opt(row.get("active_share")),
        wait_count=int(row.get("wait_count") or 0),
        active_count=int(row.get("active_count") or 0),
        wait_missing=int(row.get("wait_missing") or 0),
        active_missing=int(row.get("active_missing") or 0),
        wait_negative=int(row.get("wait_negative") or 0),
        active_negative=int(row.get("active_negative") or 0),
        bound=bool(row["bound"]),
        # share of the changes with a flow time that have the value (see analysis.coverage)
        wait_coverage=share_of("wait_count"),
        active_coverage=share_of("active_count"),
    )


def _compare_windows(options: AnalysisOptions, start: int, end: int
                     ) -> tuple[tuple[int, int], tuple[int, int]]:
    if options.compare_to is not None:
        b0, b1 = (timestamp_ns(options.compare_to[0]), timestamp_ns(options.compare_to[1]))
        if b0 is None or b1 is None or b1 <= b0:
            raise ValueError("compare_to must be (start, end) with end after start")
        return (b0, b1), (start, end)
    mid = start + (end - start) // 2
    mid_day = mid // NS_PER_DAY * NS_PER_DAY
    if mid_day > start:
        mid = mid_day
    return (start, mid), (mid, end)


def _bottleneck(prepared: Prepared, options: AnalysisOptions, start: int, end: int,
                summary: pd.DataFrame, sbp: pd.DataFrame, timed: np.ndarray,
                flow_s: np.ndarray, lead_s: np.ndarray, deployed: np.ndarray, pidx: pd.Index,
                fkey: np.ndarray, unit: str = "change"
                ) -> tuple[Constraint, pd.DataFrame, pd.Series]:
    dur = prepared.durations
    pc = prepared.changes
    reasons: dict[str, str] = {}

    # the constraint, given only on enough data (analysis.coverage)
    c_cov = cov.constraint_coverage(dur.specs, dur.values, timed, prepared.event_present,
                                    unit)
    stage, share, why = cons.pick_constraint(summary)
    if why:
        reasons["stage"] = why
    elif c_cov.verdict == "withheld":
        reasons["stage"] = "withheld: " + "; ".join(c_cov.reasons) + (
            f". {c_cov.needs}." if c_cov.needs else "")
        stage, share = None, None
    if why and c_cov.needs:
        reasons["stage"] = f"{why}. {c_cov.needs}."
    p85 = None
    if stage is not None:
        p85 = _opt(summary.loc[summary["stage"] == stage, "wait_p85_s"].iloc[0])

    # the lead-time measure: DORA lead time when deployments exist, else flow time
    if (deployed != NAT).any():
        measure, value, at = "lead_time", lead_s, deployed
    else:
        measure, value, at = "flow_time", flow_s, pc["finish"].to_numpy(dtype=np.int64)

    (b0, b1), (a0, a1) = _compare_windows(options, start, end)
    ok = ~np.isnan(value)
    mb = in_window(at, b0, b1) & ok
    ma = in_window(at, a0, a1) & ok
    dec = cons.decompose(
        value[mb], dur.values.loc[mb], value[ma], dur.values.loc[ma], dur,
        (window_label(b0, b1), window_label(a0, a1)),
        ((iso(b0), iso(b1)), (iso(a0), iso(a1))))
    nb, na = int(mb.sum()), int(ma.sum())
    noun = "lead time" if measure == "lead_time" else "flow time"
    d_verdict = "given"
    unattributed = tuple(dec.unattributed)
    if dec.reason:
        reasons["lead_time_contributions"] = dec.reason
        d_verdict = "withheld"
    elif min(nb, na) < cov.MIN_CHANGES:
        which = "before" if nb < na else "after"
        reasons["lead_time_contributions"] = (
            f"withheld: {min(nb, na)} {unit}(s) with a {noun} in the {which} window "
            f"({(dec.before if which == 'before' else dec.after)['label']}); a decomposition "
            f"needs {cov.MIN_CHANGES} in each: widen the window")
        d_verdict = "withheld"
        dec.contributions, dec.detail, dec.sentence = {}, {}, None
        dec.total_s = None

    # weekly series for the rank correlation (duration cohort)
    weeks = period_frame(start, end, "week").index
    names = [sp.name for sp in dur.specs]
    wait_cols = dur.columns("wait")
    wk = np.zeros(len(pc), dtype=np.int64)
    fin = pc["finish"].to_numpy(dtype=np.int64)
    wk[timed] = period_start_ns(fin[timed], "week")
    waits = dur.values.loc[timed, wait_cols]
    waits.columns = names
    weekly = waits.groupby(wk[timed]).median().reindex(weeks)
    lw = in_window(at, start, end) & ok
    lead_col = f"{measure}_median_s"
    weekly[lead_col] = pd.Series(value[lw]).groupby(
        period_start_ns(at[lw], "week")).median().reindex(weeks)
    bound_names = [sp.name for sp in dur.specs if sp.wait]
    corr, corr_reasons = cons.wait_lead_correlation(weekly, lead_col, bound_names)
    coverage = ConstraintCoverages(
        constraint=c_cov,
        lead_time_contributions=DecompositionCoverage(nb, na, cov.MIN_CHANGES, unattributed,
                                                      d_verdict),
        correlations=CorrelationCoverage(
            {n: int(weekly[[n, lead_col]].dropna().shape[0]) for n in bound_names},
            cons.MIN_WEEKS))

    # constraint of each period, under the same minimums as the window's
    ws = sbp.loc[sbp["kind"] == "wait"].drop_duplicates(["period", "stage"])
    ws = ws.assign(p85=ws["p85_s"].fillna(-np.inf), order=ws["stage"].map(
        {n: i for i, n in enumerate(names)}))
    ws = ws.loc[ws["wait_share"].notna() & (ws["wait_share"] > 0)]
    top = ws.sort_values(["period", "wait_share", "p85", "order"],
                         ascending=[True, False, False, True]).drop_duplicates("period")
    by_period = pd.Series(top["stage"].to_numpy(), index=top["period"].to_numpy(),
                          dtype=object).reindex(pidx)
    allowed = _periods_with_coverage(dur, timed, fkey, pidx)
    by_period = by_period.where(allowed)

    out = Constraint(
        stage=stage, share=share,
        lead_time_contributions=dec.contributions if dec.total_s is not None else {},
        sentence=dec.sentence, reasons=reasons, correlation_reasons=dict(corr_reasons or {}),
        wait_p85_s=p85, measure=measure, lead_time_change_s=dec.total_s,
        before=DecompositionWindow(**dec.before), after=DecompositionWindow(**dec.after),
        contributions_detail=dec.detail, unattributed=tuple(dec.unattributed),
        method=("median neighbourhood: per-stage mean over the changes ranked in the "
                "central fifth of each window; (other) = change − Σ stages"),
        correlations=corr, coverage=coverage)
    return out, weekly, by_period


def _periods_with_coverage(dur: StageDurations, timed: np.ndarray, fkey: np.ndarray,
                           pidx: pd.Index) -> pd.Series:
    """Per period: whether a constraint may be named (the window's minimums, per period)."""
    keys = fkey[timed]
    n = pd.Series(1, index=range(len(keys))).groupby(keys).sum().reindex(pidx, fill_value=0) \
        if len(keys) else pd.Series(0, index=pidx)
    bound = [col(i, k) for i, sp in enumerate(dur.specs) for k in KINDS if sp.segments(k)]
    if not bound:
        return pd.Series(False, index=pidx)
    measured = dur.values.loc[timed, bound].notna().groupby(keys).sum() \
        .reindex(pidx, fill_value=0) if len(keys) else pd.DataFrame(0, index=pidx,
                                                                     columns=bound)
    share = measured.div(n.where(n > 0), axis=0).fillna(0.0)
    kinds_ok = (share >= cov.MIN_STAGE_KIND_COVERAGE).sum(axis=1)
    need = math.ceil(cov.MIN_MEASURED_STAGE_KINDS * len(bound))
    return (n >= cov.MIN_CHANGES) & (kinds_ok >= need)


def _data_quality(prepared: Prepared, cohort: np.ndarray, timed: np.ndarray,
                  deployed: np.ndarray, start: int, end: int) -> DataQuality:
    pc = prepared.changes
    dur = prepared.durations
    segs = {label: SegmentQuality(**q) for label, q in segment_quality(dur, timed).items()}
    opened = prepared.dora.incidents["opened"].to_numpy(dtype=np.int64)
    lead_w = in_window(deployed, start, end)
    return DataQuality(
        changes_total=int(len(pc)),
        changes_in_window=int(cohort.sum()),
        changes_unfinished=int((pc["finish"].to_numpy() == NAT).sum()),
        changes_without_first_commit=int((pc["start"].to_numpy() == NAT).sum()),
        first_deployment_changes=int(pc["first_deployment"].to_numpy(dtype=bool)[cohort]
                                     .sum()),
        missing_spans=sum(s.missing for s in segs.values()),
        negative_spans=sum(s.negative for s in segs.values()),
        negative_flow_times=int(pc["negative_flow"].to_numpy(dtype=bool)[cohort].sum()),
        negative_lead_times=int(pc["negative_lead"].to_numpy(dtype=bool)[lead_w].sum()),
        changes_with_flow_time=int(timed.sum()),
        incidents_outside_window=int(((opened != NAT) & ~in_window(opened, start, end))
                                     .sum()),
        segments=segs,
        delivery=dict(prepared.dora.quality),
        ingest=dict(prepared.ingest_quality) or None,
        warnings=tuple(prepared.warnings))


def _empty_result(prepared: Prepared, options: AnalysisOptions) -> AnalysisResult:
    """No data at all and no window given: every metric None with its reason."""
    why = "no data loaded"
    nothing: dict[str, Any] = dict.fromkeys(DORA_KEYS)
    bands = bands_of(nothing, options.band_year)
    dora = DoraSummary(**nothing, bands=DoraBands(**bands),
                       reasons=dict.fromkeys(DORA_KEYS, why))
    flow_keys = ("velocity_per_week", "flow_time_median_s", "load_mean", "efficiency",
                 "distribution")
    flow = FlowSummary(None, None, None, None, None, reasons=dict.fromkeys(flow_keys, why))
    stages = tuple(StageResult(name=sp.name, bound=sp.bound, detailed=False)
                   for sp in prepared.specs)
    bottleneck = Constraint(stage=None, share=None, reasons={"stage": why})
    dq = DataQuality(changes_total=int(len(prepared.changes)),
                     delivery=dict(prepared.dora.quality))
    return AnalysisResult(options=options, window=None, changes=0, deployments=0, dora=dora,
                          flow=flow, stages=stages, bottleneck=bottleneck, data_quality=dq,
                          sources=prepared.sources)


def analyze(tables: Tables, vsm_map: ValueStreamMap | None,
            options: AnalysisOptions | None = None) -> AnalysisResult:
    """Prepare and analyse one window (see :func:`prepare`, :func:`analyze_window`).

    Without a map, the software-delivery template's bindings (DESIGN §4) are used.
    """
    opts = options or AnalysisOptions()
    return analyze_window(prepare(tables, vsm_map, opts.production_environments,
                                  opts.item_settings), opts)


def run(tables: Tables, vsm_map: ValueStreamMap | None, options: AnalysisOptions,
        progress: Progress | None = None, cancelled: IsCancelled | None = None
        ) -> AnalysisResult:
    """:func:`analyze` in the long-work shape (:mod:`vsm_app.work`): progress 0..1 and
    cancellation (:class:`~vsm_app.work.Cancelled`) between the two steps; the UI runs it
    in a worker."""
    def step(fraction: float, text: str) -> None:
        check(cancelled, "the analysis")
        report(progress, fraction, text)

    step(0.0, "preparing changes and events")
    prepared = prepare(tables, vsm_map, options.production_environments, options.item_settings)
    step(0.7, "computing metrics for the window")
    result = analyze_window(prepared, options)
    step(1.0, "done")
    return result
