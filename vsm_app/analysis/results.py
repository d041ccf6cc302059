"""The analysis result's sections as typed, frozen records (Qt-free).

:class:`~vsm_app.analysis.engine.AnalysisResult` holds one of each: :class:`DoraSummary`,
:class:`FlowSummary`, one :class:`StageResult` per stage, the :class:`Constraint`
(``bottleneck`` in the JSON), :class:`DataQuality`, and the sources
(:class:`~vsm_app.domain.tables.SourceReport`). Fields are named like the JSON keys, which
are the metric catalogue's ids (``dora.lead_time_median_s`` is
``result.dora.lead_time_median_s``), so a renamed field fails in mypy and in the tests,
never as a silent dash on screen.

JSON only at the edges: every section's ``to_json()`` gives exactly the keys, in the order,
of ``analyze --json`` (DESIGN §6; ``tests/test_golden_json.py`` holds the documents the code
before these types printed). A section computed from no data at all has a short form (the
DESIGN keys only, as before); the ``detailed`` marker of each record says which one it is.

Open-ended parts stay mappings on purpose: kinds in ``distribution``, stages in the
lead-time contributions, and the counters of the data-quality report (ingest adds counters
as importers grow); they are read by key in generic loops, never by one fixed key.

:class:`MetricValues` is the comparable subset (headline metrics by catalogue id, each
stage's times, the constraint) of a result *or* of a saved baseline's JSON, so comparisons
take the same type on both sides.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..domain.numbers import finite

#: the DESIGN §6 keys of the ``dora`` section, in order
DORA_KEYS = ("deployment_frequency_per_week", "deployment_days_per_week", "lead_time_median_s",
             "change_failure_rate", "recovery_time_median_s", "rework_rate",
             "pipeline_failure_rate")
#: the DESIGN §6 keys of the ``flow`` section, in order (before the extras)
FLOW_KEYS = ("velocity_per_week", "flow_time_median_s", "load_mean", "efficiency",
             "distribution")
#: band metrics, in the order of ``dora.bands``
BAND_METRICS = ("deployment_frequency", "lead_time", "change_failure_rate", "recovery_time")


def _f(v: Any) -> float | None:
    return finite(v)


def _i(v: Any) -> int:
    f = finite(v)
    return int(f) if f is not None else 0


def _text_map(v: Any) -> dict[str, str]:
    return {str(k): str(x) for k, x in v.items() if isinstance(x, str)} \
        if isinstance(v, Mapping) else {}


# -- DORA ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DoraBands:
    """The band of each banded DORA metric in the ``year`` report (None: no value, or
    withheld for too little data: ``reasons`` then says why)."""

    year: int
    deployment_frequency: str | None = None
    lead_time: str | None = None
    change_failure_rate: str | None = None
    recovery_time: str | None = None
    #: per band metric: what the band rests on (counts, minimums, verdict); None in the
    #: short form
    coverage: Mapping[str, Mapping[str, Any]] | None = None
    #: band metric → why its band is withheld
    reasons: Mapping[str, str] | None = None

    def band(self, metric: str) -> str | None:
        """The band of ``metric`` (``lead_time``…)."""
        value = getattr(self, metric)
        return str(value) if value is not None else None

    def withheld(self, metric: str) -> str | None:
        """Why the band of ``metric`` is withheld, or None."""
        return (self.reasons or {}).get(metric)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"year": self.year}
        for m in BAND_METRICS:
            out[m] = getattr(self, m)
        if self.coverage is not None:
            out["coverage"] = {k: dict(v) for k, v in self.coverage.items()}
        if self.reasons is not None:
            out["reasons"] = dict(self.reasons)
        return out

    @classmethod
    def from_json(cls, d: Any) -> DoraBands:
        d = d if isinstance(d, Mapping) else {}
        year = d.get("year")

        def band(m: str) -> str | None:
            return str(d[m]) if isinstance(d.get(m), str) else None

        return cls(year=int(year) if isinstance(year, int) else 0,
                   deployment_frequency=band("deployment_frequency"),
                   lead_time=band("lead_time"), change_failure_rate=band("change_failure_rate"),
                   recovery_time=band("recovery_time"),
                   reasons=_text_map(d.get("reasons")) if "reasons" in d else None)


@dataclass(frozen=True)
class DoraCounts:
    """What the DORA metrics of the window rest on."""

    deployments: int = 0
    deployment_days: int = 0
    changes_with_lead_time: int = 0
    failed_deployments: int = 0
    #: incident, revert, rollback → deployments failed by it (one may have several)
    failures_by_cause: Mapping[str, int] = field(default_factory=dict)
    recoveries: int = 0
    rework_deployments: int = 0
    #: revert_or_hotfix, during_incident → rework deployments with that cause
    rework_by_cause: Mapping[str, int] = field(default_factory=dict)
    deploy_runs: int = 0
    failed_deploy_runs: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "deployments": self.deployments,
            "deployment_days": self.deployment_days,
            "changes_with_lead_time": self.changes_with_lead_time,
            "failed_deployments": self.failed_deployments,
            "failures_by_cause": dict(self.failures_by_cause),
            "recoveries": self.recoveries,
            "rework_deployments": self.rework_deployments,
            "rework_by_cause": dict(self.rework_by_cause),
            "deploy_runs": self.deploy_runs,
            "failed_deploy_runs": self.failed_deploy_runs,
        }

    @classmethod
    def from_json(cls, d: Any) -> DoraCounts:
        d = d if isinstance(d, Mapping) else {}
        return cls(**{k: _i(d.get(k)) for k in (
            "deployments", "deployment_days", "changes_with_lead_time", "failed_deployments",
            "recoveries", "rework_deployments", "deploy_runs", "failed_deploy_runs")},
            failures_by_cause={str(k): _i(v) for k, v in
                               (d.get("failures_by_cause") or {}).items()},
            rework_by_cause={str(k): _i(v) for k, v in (d.get("rework_by_cause") or {}).items()})


class _Headline:
    """What the DORA and flow sections share: a value and the reason it is missing, by JSON
    key, and whether the section is the detailed form (it has ``counts``)."""

    counts: Any
    reasons: Mapping[str, str]

    @property
    def detailed(self) -> bool:
        return self.counts is not None

    def value(self, key: str) -> float | None:
        """The value of ``key`` (``lead_time_median_s``…)."""
        return _f(getattr(self, key))

    def reason(self, key: str) -> str:
        return self.reasons.get(key, "")


@dataclass(frozen=True)
class DoraSummary(_Headline):
    """The DORA metrics of the window (docs/metrics.md §6); None with a reason where the
    data cannot support a value (never 0)."""

    deployment_frequency_per_week: float | None
    deployment_days_per_week: float | None
    lead_time_median_s: float | None
    change_failure_rate: float | None
    recovery_time_median_s: float | None
    rework_rate: float | None
    pipeline_failure_rate: float | None
    bands: DoraBands
    #: metric key → why it is None
    reasons: Mapping[str, str] = field(default_factory=dict)
    lead_time_p85_s: float | None = None
    #: None in the short form (no data at all)
    counts: DoraCounts | None = None
    #: metric key → what the value rests on when sources are missing
    notes: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: getattr(self, k) for k in DORA_KEYS}
        out["bands"] = self.bands.to_json()
        out["reasons"] = dict(self.reasons)
        if self.counts is not None:
            out["lead_time_p85_s"] = self.lead_time_p85_s
            out["counts"] = self.counts.to_json()
            out["notes"] = dict(self.notes)
        return out

    @classmethod
    def from_json(cls, d: Any) -> DoraSummary:
        """Read a ``dora`` section (of ``analyze --json`` or a saved baseline); what is
        missing reads as not measured."""
        d = d if isinstance(d, Mapping) else {}
        return cls(**{k: _f(d.get(k)) for k in DORA_KEYS},
                   bands=DoraBands.from_json(d.get("bands")),
                   reasons=_text_map(d.get("reasons")),
                   lead_time_p85_s=_f(d.get("lead_time_p85_s")),
                   counts=DoraCounts.from_json(d["counts"]) if isinstance(
                       d.get("counts"), Mapping) else None,
                   notes=_text_map(d.get("notes")))


# -- flow ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LittlesLaw:
    """Mean load against λ × W (docs/metrics.md §5)."""

    load_mean: float | None = None
    velocity_per_day: float | None = None
    flow_time_mean_days: float | None = None
    predicted_load: float | None = None
    gap: float | None = None
    gap_ratio: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {"load_mean": self.load_mean, "velocity_per_day": self.velocity_per_day,
                "flow_time_mean_days": self.flow_time_mean_days,
                "predicted_load": self.predicted_load, "gap": self.gap,
                "gap_ratio": self.gap_ratio}

    @classmethod
    def from_mapping(cls, d: Mapping[str, Any]) -> LittlesLaw:
        return cls(**{k: _f(d.get(k)) for k in (
            "load_mean", "velocity_per_day", "flow_time_mean_days", "predicted_load", "gap",
            "gap_ratio")})


@dataclass(frozen=True)
class FlowCounts:
    finished: int = 0
    with_flow_time: int = 0
    with_efficiency: int = 0
    efficiency_all_active_measured: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"finished": self.finished, "with_flow_time": self.with_flow_time,
                "with_efficiency": self.with_efficiency,
                "efficiency_all_active_measured": self.efficiency_all_active_measured}


@dataclass(frozen=True)
class FlowSummary(_Headline):
    """The flow metrics of the window (docs/metrics.md §5)."""

    velocity_per_week: float | None
    flow_time_median_s: float | None
    load_mean: float | None
    efficiency: float | None
    #: kind → share of the finished changes (None when nothing finished)
    distribution: Mapping[str, float] | None
    reasons: Mapping[str, str] = field(default_factory=dict)
    flow_time_p85_s: float | None = None
    flow_time_mean_s: float | None = None
    littles_law: LittlesLaw | None = None
    #: deployed_at, merged_at or mixed: what "finished" means here
    finish_basis: str | None = None
    #: None in the short form (no data at all)
    counts: FlowCounts | None = None
    #: what the flow metrics count: ``changes``, or ``items`` when work items are loaded
    #: (issue 18; docs/metrics.md §17)
    unit: str = "changes"

    @property
    def on_items(self) -> bool:
        """True when the flow metrics were computed on work items."""
        return self.unit == "items"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: getattr(self, k) for k in FLOW_KEYS}
        out["distribution"] = dict(self.distribution) if self.distribution is not None \
            else None
        if self.counts is not None:
            out["flow_time_p85_s"] = self.flow_time_p85_s
            out["flow_time_mean_s"] = self.flow_time_mean_s
            out["littles_law"] = (self.littles_law or LittlesLaw()).to_json()
            out["finish_basis"] = self.finish_basis
            out["counts"] = self.counts.to_json()
        out["reasons"] = dict(self.reasons)
        out["unit"] = self.unit
        return out

    @classmethod
    def from_json(cls, d: Any) -> FlowSummary:
        d = d if isinstance(d, Mapping) else {}
        dist = d.get("distribution")
        return cls(velocity_per_week=_f(d.get("velocity_per_week")),
                   flow_time_median_s=_f(d.get("flow_time_median_s")),
                   load_mean=_f(d.get("load_mean")), efficiency=_f(d.get("efficiency")),
                   distribution={str(k): v for k, x in dist.items()
                                 if (v := _f(x)) is not None}
                   if isinstance(dist, Mapping) else None,
                   reasons=_text_map(d.get("reasons")),
                   flow_time_p85_s=_f(d.get("flow_time_p85_s")),
                   flow_time_mean_s=_f(d.get("flow_time_mean_s")),
                   finish_basis=d.get("finish_basis")
                   if isinstance(d.get("finish_basis"), str) else None,
                   unit="items" if d.get("unit") == "items" else "changes")


# -- stages ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class StageResult:
    """One stage's measured times over the duration cohort (docs/metrics.md §4)."""

    name: str
    wait_median_s: float | None = None
    active_median_s: float | None = None
    #: the stage's part of the total flow time (wait and work)
    share: float | None = None
    bound: bool = True
    wait_p85_s: float | None = None
    active_p85_s: float | None = None
    wait_share: float | None = None
    active_share: float | None = None
    wait_count: int = 0
    active_count: int = 0
    wait_missing: int = 0
    active_missing: int = 0
    wait_negative: int = 0
    active_negative: int = 0
    #: share of the changes with a flow time that have the value (analysis.coverage)
    wait_coverage: float | None = None
    active_coverage: float | None = None
    #: False for the short form (no data at all): name, medians, share and bound only
    detailed: bool = True
    #: the WIP limit of a Jira board's columns when the stage is bound to exactly their
    #: statuses (issue 18); None otherwise
    board_wip_limit: int | None = None

    def median(self, kind: str) -> float | None:
        """``wait`` or ``active`` median, seconds."""
        return self.wait_median_s if kind == "wait" else self.active_median_s

    def p85(self, kind: str) -> float | None:
        return self.wait_p85_s if kind == "wait" else self.active_p85_s

    def count(self, kind: str) -> int:
        return self.wait_count if kind == "wait" else self.active_count

    def to_json(self) -> dict[str, Any]:
        if not self.detailed:
            return {"name": self.name, "wait_median_s": self.wait_median_s,
                    "active_median_s": self.active_median_s, "share": self.share,
                    "bound": self.bound}
        return {
            "name": self.name,
            "wait_median_s": self.wait_median_s,
            "active_median_s": self.active_median_s,
            "share": self.share,
            "wait_p85_s": self.wait_p85_s,
            "active_p85_s": self.active_p85_s,
            "wait_share": self.wait_share,
            "active_share": self.active_share,
            "wait_count": self.wait_count,
            "active_count": self.active_count,
            "wait_missing": self.wait_missing,
            "active_missing": self.active_missing,
            "wait_negative": self.wait_negative,
            "active_negative": self.active_negative,
            "bound": self.bound,
            "wait_coverage": self.wait_coverage,
            "active_coverage": self.active_coverage,
        } | ({"board_wip_limit": self.board_wip_limit}
             if self.board_wip_limit is not None else {})

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> StageResult:
        floats = ("wait_median_s", "active_median_s", "share", "wait_p85_s", "active_p85_s",
                  "wait_share", "active_share", "wait_coverage", "active_coverage")
        ints = ("wait_count", "active_count", "wait_missing", "active_missing",
                "wait_negative", "active_negative")
        bound = d.get("bound", True)
        values: dict[str, Any] = {k: _f(d.get(k)) for k in floats}
        values.update({k: _i(d.get(k)) for k in ints})
        limit = d.get("board_wip_limit")
        return cls(name=str(d.get("name", "")), bound=bool(bound), detailed="wait_count" in d,
                   board_wip_limit=limit if isinstance(limit, int)
                   and not isinstance(limit, bool) else None, **values)


# -- the constraint ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ConstraintCoverage:
    """What a named constraint rests on (docs/metrics.md §8a)."""

    changes: int
    minimum_changes: int
    stages_bound: int
    stages_measured: int
    stage_kinds_bound: int
    stage_kinds_measured: int
    minimum_stage_kind_coverage: float
    measured: tuple[str, ...]
    not_measured: tuple[str, ...]
    verdict: str  # given | withheld
    reasons: tuple[str, ...]
    #: what data would measure the unmeasured stages ("" when nothing is missing)
    needs: str
    #: "3 of 5 stages measured (5 of 8 stage-kinds), 128 changes"
    statement: str
    #: what ``changes`` counts: ``change``, or ``item`` when work items are the unit of flow
    unit: str = "change"

    def to_json(self) -> dict[str, Any]:
        return {"changes": self.changes, "minimum_changes": self.minimum_changes,
                "stages_bound": self.stages_bound, "stages_measured": self.stages_measured,
                "stage_kinds_bound": self.stage_kinds_bound,
                "stage_kinds_measured": self.stage_kinds_measured,
                "minimum_stage_kind_coverage": self.minimum_stage_kind_coverage,
                "measured": list(self.measured), "not_measured": list(self.not_measured),
                "verdict": self.verdict, "reasons": list(self.reasons), "needs": self.needs,
                "statement": self.statement, "unit": self.unit}

    @classmethod
    def from_json(cls, d: Any) -> ConstraintCoverage | None:
        if not isinstance(d, Mapping) or not d:
            return None
        return cls(changes=_i(d.get("changes")), minimum_changes=_i(d.get("minimum_changes")),
                   stages_bound=_i(d.get("stages_bound")),
                   stages_measured=_i(d.get("stages_measured")),
                   stage_kinds_bound=_i(d.get("stage_kinds_bound")),
                   stage_kinds_measured=_i(d.get("stage_kinds_measured")),
                   minimum_stage_kind_coverage=_f(d.get("minimum_stage_kind_coverage")) or 0.0,
                   measured=tuple(str(x) for x in d.get("measured") or ()),
                   not_measured=tuple(str(x) for x in d.get("not_measured") or ()),
                   verdict=str(d.get("verdict") or ""),
                   reasons=tuple(str(x) for x in d.get("reasons") or ()),
                   needs=str(d.get("needs") or ""), statement=str(d.get("statement") or ""),
                   unit="item" if d.get("unit") == "item" else "change")


@dataclass(frozen=True)
class DecompositionCoverage:
    before_changes: int
    after_changes: int
    minimum_changes: int
    unattributed: tuple[str, ...]
    verdict: str

    def to_json(self) -> dict[str, Any]:
        return {"before_changes": self.before_changes, "after_changes": self.after_changes,
                "minimum_changes": self.minimum_changes,
                "unattributed": list(self.unattributed), "verdict": self.verdict}


@dataclass(frozen=True)
class CorrelationCoverage:
    #: stage → weeks with both its median wait and a median lead time
    weeks: Mapping[str, int]
    minimum_weeks: int

    def to_json(self) -> dict[str, Any]:
        return {"weeks": dict(self.weeks), "minimum_weeks": self.minimum_weeks}


@dataclass(frozen=True)
class ConstraintCoverages:
    constraint: ConstraintCoverage
    lead_time_contributions: DecompositionCoverage
    correlations: CorrelationCoverage

    def to_json(self) -> dict[str, Any]:
        return {"constraint": self.constraint.to_json(),
                "lead_time_contributions": self.lead_time_contributions.to_json(),
                "correlations": self.correlations.to_json()}


@dataclass(frozen=True)
class DecompositionWindow:
    """One side of the lead-time decomposition."""

    label: str
    start: str | None
    end: str | None
    n: int
    median_s: float | None

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "start": self.start, "end": self.end, "n": self.n,
                "median_s": self.median_s}


@dataclass(frozen=True)
class Constraint:
    """The constraint (largest wait share) and its link to lead time (docs/metrics.md §8);
    ``bottleneck`` in the JSON."""

    stage: str | None
    share: float | None
    #: stage (or ``(other)``) → seconds of the change in median lead time; sums to
    #: ``lead_time_change_s``
    lead_time_contributions: Mapping[str, float] = field(default_factory=dict)
    sentence: str | None = None
    #: part → why it is withheld (``stage``, ``lead_time_contributions``)
    reasons: Mapping[str, str] = field(default_factory=dict)
    #: stage → why its rank correlation is withheld
    correlation_reasons: Mapping[str, str] = field(default_factory=dict)
    wait_p85_s: float | None = None
    #: lead_time (deployment data) or flow_time
    measure: str | None = None
    lead_time_change_s: float | None = None
    before: DecompositionWindow | None = None
    after: DecompositionWindow | None = None
    #: stage → {"wait": s, "active": s}
    contributions_detail: Mapping[str, Mapping[str, float | None]] = field(default_factory=dict)
    unattributed: tuple[str, ...] = ()
    method: str = ""
    #: stage → Spearman rank correlation of its weekly wait with weekly lead time
    correlations: Mapping[str, float | None] = field(default_factory=dict)
    #: None in the short form (no data at all)
    coverage: ConstraintCoverages | None = None

    @property
    def detailed(self) -> bool:
        return self.coverage is not None

    @property
    def constraint_coverage(self) -> ConstraintCoverage | None:
        return self.coverage.constraint if self.coverage is not None else None

    def reason(self, part: str) -> str:
        return self.reasons.get(part, "")

    def to_json(self) -> dict[str, Any]:
        reasons: dict[str, Any] = dict(self.reasons)
        if self.correlation_reasons:
            reasons["correlations"] = dict(self.correlation_reasons)
        if self.coverage is None:
            return {"stage": self.stage, "share": self.share,
                    "lead_time_contributions": dict(self.lead_time_contributions),
                    "sentence": self.sentence, "reasons": reasons}
        return {
            "stage": self.stage,
            "share": self.share,
            "lead_time_contributions": dict(self.lead_time_contributions),
            "sentence": self.sentence,
            "wait_p85_s": self.wait_p85_s,
            "measure": self.measure,
            "lead_time_change_s": self.lead_time_change_s,
            "before": self.before.to_json() if self.before is not None else None,
            "after": self.after.to_json() if self.after is not None else None,
            "contributions_detail": {k: dict(v) for k, v in self.contributions_detail.items()},
            "unattributed": list(self.unattributed),
            "method": self.method,
            "correlations": dict(self.correlations),
            "reasons": reasons,
            "coverage": self.coverage.to_json(),
        }

    @classmethod
    def from_json(cls, d: Any) -> Constraint:
        """Read a ``bottleneck`` section (analysis JSON or a saved baseline): the stage, its
        share, the sentence, the reasons and what the constraint rests on."""
        d = d if isinstance(d, Mapping) else {}
        stage = d.get("stage")
        cov = ConstraintCoverage.from_json((d.get("coverage") or {}).get("constraint"))
        coverage = None
        if cov is not None:
            coverage = ConstraintCoverages(
                cov, DecompositionCoverage(0, 0, 0, (), ""), CorrelationCoverage({}, 0))
        reasons = d.get("reasons") or {}
        return cls(stage=stage if isinstance(stage, str) and stage else None,
                   share=_f(d.get("share")),
                   lead_time_contributions={str(k): v for k, x in
                                            (d.get("lead_time_contributions") or {}).items()
                                            if (v := _f(x)) is not None},
                   sentence=d.get("sentence") if isinstance(d.get("sentence"), str) else None,
                   reasons=_text_map(reasons),
                   correlation_reasons=_text_map(reasons.get("correlations"))
                   if isinstance(reasons, Mapping) else {},
                   coverage=coverage)


# -- data quality --------------------------------------------------------------------------------

@dataclass(frozen=True)
class SegmentQuality:
    """One bound segment over the duration cohort: measured, missing and negative spans."""

    stage: str
    kind: str
    measured: int
    missing: int
    negative: int

    def to_json(self) -> dict[str, Any]:
        return {"stage": self.stage, "kind": self.kind, "measured": self.measured,
                "missing": self.missing, "negative": self.negative}


#: the engine's own counters of :class:`DataQuality`, in the JSON's order
ENGINE_COUNTERS = ("changes_total", "changes_in_window", "changes_unfinished",
                   "changes_without_first_commit", "first_deployment_changes",
                   "missing_spans", "negative_spans", "negative_flow_times",
                   "negative_lead_times", "changes_with_flow_time",
                   "incidents_outside_window")


@dataclass(frozen=True)
class DataQuality:
    """What was left out, missing or suspicious, as counts (docs/metrics.md §11)."""

    changes_total: int
    changes_in_window: int | None = None
    changes_unfinished: int | None = None
    changes_without_first_commit: int | None = None
    first_deployment_changes: int | None = None
    missing_spans: int | None = None
    negative_spans: int | None = None
    negative_flow_times: int | None = None
    negative_lead_times: int | None = None
    changes_with_flow_time: int | None = None
    incidents_outside_window: int | None = None
    #: segment label → its counts; None in the short form (no data at all)
    segments: Mapping[str, SegmentQuality] | None = None
    #: the DORA step's counters (reverts_unresolved, incidents_unresolved, …)
    delivery: Mapping[str, int] = field(default_factory=dict)
    #: ingest's counters and flags (unlinked_ci_runs, shallow_clone, …)
    ingest: Mapping[str, Any] | None = None
    warnings: tuple[str, ...] = ()
    #: files that could not be imported (set by the pipeline)
    import_errors: tuple[str, ...] = ()
    #: the work items' own counts when items are the unit of flow (issue 18; open-ended:
    #: the tracker importers' and linking's counters, then the units' counts)
    items: Mapping[str, Any] | None = None

    @property
    def detailed(self) -> bool:
        return self.segments is not None

    def counters(self) -> Iterator[tuple[str, int]]:
        """Every count of the engine and the DORA step, by JSON key, in order."""
        for k in ENGINE_COUNTERS:
            v = getattr(self, k)
            if v is not None:
                yield k, int(v)
        yield from ((k, int(v)) for k, v in self.delivery.items())

    def count(self, key: str) -> int | None:
        """One counter by its JSON key (None when this report has no such counter)."""
        if key in ENGINE_COUNTERS:
            v = getattr(self, key)
            return int(v) if v is not None else None
        v = self.delivery.get(key)
        return int(v) if v is not None else None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"changes_total": self.changes_total}
        if self.segments is not None:
            for k in ENGINE_COUNTERS[1:]:
                out[k] = getattr(self, k)
            out["segments"] = {k: s.to_json() for k, s in self.segments.items()}
        out.update(self.delivery)
        if self.ingest:
            out["ingest"] = jsonable(dict(self.ingest))
        if self.warnings:
            out["warnings"] = list(self.warnings)
        if self.import_errors:
            out["import_errors"] = list(self.import_errors)
        if self.items is not None:
            out["items"] = jsonable(dict(self.items))
        return out


# -- comparable values ---------------------------------------------------------------------------

@dataclass(frozen=True)
class MetricValues:
    """The comparable numbers of one measurement (a result, or a saved baseline's JSON):
    the headline metrics by catalogue id, each stage's times, the constraint."""

    #: catalogue id (``dora.lead_time_median_s``) → value
    headline: Mapping[str, float | None]
    stages: tuple[StageResult, ...] = ()
    constraint: Constraint = field(default_factory=lambda: Constraint(None, None))
    changes: int | None = None
    deployments: int | None = None

    def get(self, metric_id: str) -> float | None:
        return self.headline.get(metric_id)

    def stage(self, name: str) -> StageResult | None:
        return next((s for s in self.stages if s.name == name), None)

    @classmethod
    def of(cls, dora: DoraSummary, flow: FlowSummary, stages: tuple[StageResult, ...],
           constraint: Constraint, changes: int | None = None,
           deployments: int | None = None) -> MetricValues:
        from ..metrics.catalogue import HEADLINE

        sections = {"dora": dora, "flow": flow}
        headline = {mid: _f(getattr(sections[mid.split(".", 1)[0]], mid.split(".", 1)[1]))
                    for mid in HEADLINE}
        return cls(headline, stages, constraint, changes, deployments)

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> MetricValues:
        """From an ``analyze --json`` document or a baseline's ``metrics``."""
        raw = doc.get("stages")
        rows: list[Any] = raw if isinstance(raw, list) else []
        counts = {k: (int(v) if isinstance(v, int) and not isinstance(v, bool) else None)
                  for k in ("changes", "deployments") for v in [doc.get(k)]}
        return cls.of(DoraSummary.from_json(doc.get("dora")),
                      FlowSummary.from_json(doc.get("flow")),
                      tuple(StageResult.from_json(r) for r in rows
                            if isinstance(r, Mapping) and isinstance(r.get("name"), str)),
                      Constraint.from_json(doc.get("bottleneck")),
                      counts["changes"], counts["deployments"])


# -- groups (issue 21): the side-by-side comparison -------------------------------------------

#: the ``flow`` keys of a comparison row (the headline ones; ``distribution`` stays in the
#: group's own ``flow`` section)
COMPARISON_FLOW_KEYS = FLOW_KEYS[:4]


@dataclass(frozen=True)
class ComparisonRow:
    """One row of the groups' side-by-side table (``comparison[]`` in the JSON): a group's,
    or the whole's, headline figures with their bands and the constraint's coverage
    (docs/metrics.md §15). Read from the group's typed sections, never from its JSON."""

    name: str
    kind: str  # team | service | whole
    changes: int
    deployments: int
    dora: DoraSummary
    flow: FlowSummary
    constraint: Constraint

    @classmethod
    def of(cls, name: str, kind: str, changes: int, deployments: int, dora: DoraSummary,
           flow: FlowSummary, constraint: Constraint) -> ComparisonRow:
        return cls(name, kind, changes, deployments, dora, flow, constraint)

    def to_json(self) -> dict[str, Any]:
        cov = self.constraint.constraint_coverage
        bands = self.dora.bands
        return {
            "name": self.name,
            "kind": self.kind,
            "changes": self.changes,
            "deployments": self.deployments,
            "dora": {k: _f(getattr(self.dora, k)) for k in DORA_KEYS},
            "bands": {"year": bands.year} | {m: bands.band(m) for m in BAND_METRICS},
            "flow": {k: _f(getattr(self.flow, k)) for k in COMPARISON_FLOW_KEYS},
            "constraint": {
                "stage": self.constraint.stage,
                "share": _f(self.constraint.share),
                "verdict": cov.verdict if cov is not None else None,
                "reason": self.constraint.reasons.get("stage"),
            },
        }


@dataclass(frozen=True)
class Trend:
    """A group's per-period series for sparklines (``trend`` in the JSON): the period
    starts, one list per series (None = no value; each series is a catalogue metric, see
    ``analysis.groups.TREND_SERIES``) and the constraint of each period."""

    period: str
    starts: tuple[str, ...]
    #: series name → one value per period
    series: Mapping[str, tuple[float | None, ...]]
    constraint: tuple[str | None, ...]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"period": self.period, "starts": list(self.starts)}
        out.update({k: list(v) for k, v in self.series.items()})
        out["constraint"] = list(self.constraint)
        return out


def opt(value: Any) -> float | None:
    """A finite float or None (NaN and infinities are not values)."""
    if value is None:
        return None
    f = float(value)
    return f if math.isfinite(f) else None


def jsonable(value: Any) -> Any:
    """Plain JSON: numpy scalars → Python, NaN/inf → None, timestamps → ISO text."""
    import numpy as np
    import pandas as pd

    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, pd.Timestamp):
        return None if value is pd.NaT else value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)
