"""Compare measurements: a window against a baseline, a future-state map against the current
one, and measured reality against a future state's targets.

Every metric is judged by its own sense (:data:`METRIC_SENSES`): a rise in deployment
frequency is *better*, a rise in lead time is *worse*. Work in progress (``load_mean``) counts
as better when it goes **down**: at a steady velocity less WIP means shorter flow times
(Little's law), and rising WIP is the earliest sign of a slowing stream. A value missing on
either side stays ``None`` and says why (``"not measured in baseline"``); it is never taken as
zero.

The inputs are plain dicts in the ``analyze --json`` shape of DESIGN §6 (``dora``, ``flow``,
``stages``, ``bottleneck``), so a stored :class:`~vsm_app.domain.improvement.Baseline`'s
``metrics`` and a fresh analysis compare directly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from vsm_app.domain import classic
from vsm_app.domain.model import SegmentKind, ValueStreamMap
from vsm_app.domain.numbers import finite as _number


@dataclass(frozen=True)
class MetricSense:
    """Where a metric lives in the analysis JSON, what it is called and which way is better."""

    group: str  # "dora" | "flow" | "map"
    key: str
    label: str
    unit: str  # "s", "per_week", "days_per_week", "ratio", "changes"
    better: str  # "up" | "down"


#: the headline metrics compared against a baseline, in display order
METRIC_SENSES: tuple[MetricSense, ...] = (
    MetricSense("dora", "deployment_frequency_per_week", "Deployment frequency", "per_week", "up"),
    MetricSense("dora", "deployment_days_per_week", "Deployment days", "days_per_week", "up"),
    MetricSense("dora", "lead_time_median_s", "Lead time for changes (median)", "s", "down"),
    MetricSense("dora", "change_failure_rate", "Change failure rate", "ratio", "down"),
    MetricSense("dora", "recovery_time_median_s", "Recovery time (median)", "s", "down"),
    MetricSense("dora", "rework_rate", "Rework rate", "ratio", "down"),
    MetricSense("dora", "pipeline_failure_rate", "Pipeline failure rate", "ratio", "down"),
    MetricSense("flow", "velocity_per_week", "Flow velocity", "per_week", "up"),
    MetricSense("flow", "flow_time_median_s", "Flow time (median)", "s", "down"),
    MetricSense("flow", "load_mean", "Flow load (mean WIP)", "changes", "down"),
    MetricSense("flow", "efficiency", "Flow efficiency", "ratio", "up"),
)

#: classic map metrics compared between a current and a future state
MAP_SENSES: tuple[MetricSense, ...] = (
    MetricSense("map", "lead_time_s", "Lead time", "s", "down"),
    MetricSense("map", "process_time_s", "Process time", "s", "down"),
    MetricSense("map", "activity_ratio", "Activity ratio", "ratio", "up"),
    MetricSense("map", "rolled_pca", "Rolled %C&A", "ratio", "up"),
)

#: speed metric → the stability metrics, any of which must be shown beside it
SPEED_COUNTERPARTS: dict[str, tuple[str, ...]] = {
    "dora.deployment_frequency_per_week": ("dora.change_failure_rate", "dora.rework_rate"),
    "dora.deployment_days_per_week": ("dora.change_failure_rate", "dora.rework_rate"),
    "dora.lead_time_median_s": ("dora.change_failure_rate", "dora.recovery_time_median_s"),
    "flow.velocity_per_week": ("dora.rework_rate", "dora.change_failure_rate"),
    "flow.flow_time_median_s": ("dora.change_failure_rate", "dora.rework_rate"),
}


@dataclass(frozen=True)
class MetricDelta:
    """One metric on both sides of a comparison.

    ``before`` is the baseline (or current state), ``after`` is now (or the future state);
    ``delta = after − before`` and ``relative = delta / |before|`` (None when ``before`` is
    0). ``direction`` is ``"better"``, ``"worse"`` or ``"same"`` by the metric's own sense
    (``better``), or None with a ``reason`` when either side is missing.
    """

    key: str  # "dora.lead_time_median_s", "stages.Review.wait_median_s", "map.lead_time_s"
    label: str
    unit: str
    better: str
    before: float | None
    after: float | None
    delta: float | None
    relative: float | None
    direction: str | None
    reason: str | None = None
    stage: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ConstraintChange:
    """How the constraint (largest wait share) moved between baseline and now.

    ``status``: ``"same"``, ``"moved"``, or ``"unknown"`` when either side has none.
    """

    before: str | None
    after: str | None
    before_share: float | None
    after_share: float | None
    status: str
    summary: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class BaselineComparison:
    """Everything :func:`compare_to_baseline` finds, ready for a table or JSON."""

    metrics: list[MetricDelta]
    stages: list[MetricDelta]
    constraint: ConstraintChange

    def to_dict(self) -> dict[str, Any]:
        return {"metrics": [m.to_dict() for m in self.metrics],
                "stages": [m.to_dict() for m in self.stages],
                "constraint": self.constraint.to_dict()}


def _get(metrics: Mapping[str, Any] | None, group: str, key: str) -> float | None:
    part = metrics.get(group) if isinstance(metrics, Mapping) else None
    return _number(part.get(key)) if isinstance(part, Mapping) else None


BASELINE_MISSING = ("not measured in baseline", "not measured now",
                    "not measured in baseline or now")


def judge(before: float | None, after: float | None, better: str, *, tolerance: float = 0.0,
          missing: tuple[str, str, str] = BASELINE_MISSING,
          ) -> tuple[float | None, float | None, str | None, str | None]:
    """``(delta, relative, direction, reason)`` of one metric.

    ``tolerance`` is the relative change (of ``|before|``) still called ``"same"``; values
    equal to float precision are always the same. ``missing`` holds the reasons for a
    missing before, after, and both.
    """
    if before is None or after is None:
        reason = missing[2] if before is None and after is None else \
            missing[0] if before is None else missing[1]
        return None, None, None, reason
    delta = after - before
    relative = delta / abs(before) if before != 0 else None
    if math.isclose(after, before, rel_tol=1e-9, abs_tol=1e-12) \
            or abs(delta) <= tolerance * abs(before):
        return delta, relative, "same", None
    up = delta > 0
    return delta, relative, "better" if up == (better == "up") else "worse", None


def _delta(sense: MetricSense, before: float | None, after: float | None, *, key: str,
           label: str, stage: str | None = None, tolerance: float = 0.0,
           missing: tuple[str, str, str] = BASELINE_MISSING) -> MetricDelta:
    d, rel, direction, reason = judge(before, after, sense.better, tolerance=tolerance,
                                      missing=missing)
    return MetricDelta(key, label, sense.unit, sense.better, before, after, d, rel, direction,
                       reason, stage)


def _stages(metrics: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    rows = metrics.get("stages") if isinstance(metrics, Mapping) else None
    if not isinstance(rows, list):
        return {}
    return {r["name"]: r for r in rows if isinstance(r, Mapping) and isinstance(r.get("name"), str)}


def stage_wait_deltas(baseline_metrics: Mapping[str, Any], now_metrics: Mapping[str, Any], *,
                      tolerance: float = 0.0) -> list[MetricDelta]:
    """Median wait of each stage (down = better), baseline's stage order then new stages."""
    b, n = _stages(baseline_metrics), _stages(now_metrics)
    sense = MetricSense("stages", "wait_median_s", "wait (median)", "s", "down")
    out: list[MetricDelta] = []
    for name in [*b, *(k for k in n if k not in b)]:
        before = _number(b[name].get("wait_median_s")) if name in b else None
        after = _number(n[name].get("wait_median_s")) if name in n else None
        out.append(_delta(sense, before, after, key=f"stages.{name}.wait_median_s",
                          label=f"{name}: wait (median)", stage=name, tolerance=tolerance))
    return out


def compare(baseline_metrics: Mapping[str, Any], now_metrics: Mapping[str, Any], *,
            tolerance: float = 0.0) -> list[MetricDelta]:
    """Deltas of the headline DORA and flow metrics, then of each stage's median wait.

    Parameters
    ----------
    baseline_metrics, now_metrics
        Dicts in the analysis JSON shape (a baseline's ``metrics`` or a fresh result).
    tolerance
        Relative change still reported as ``"same"`` (0.05 = within 5 %).
    """
    head = [_delta(s, _get(baseline_metrics, s.group, s.key), _get(now_metrics, s.group, s.key),
                   key=f"{s.group}.{s.key}", label=s.label, tolerance=tolerance)
            for s in METRIC_SENSES]
    return head + stage_wait_deltas(baseline_metrics, now_metrics, tolerance=tolerance)


def constraint_change(baseline_metrics: Mapping[str, Any], now_metrics: Mapping[str, Any]
                      ) -> ConstraintChange:
    """Whether the constraint stayed on the same stage or moved, with its wait share."""
    def side(m: Mapping[str, Any]) -> tuple[str | None, float | None]:
        bn = m.get("bottleneck") if isinstance(m, Mapping) else None
        if not isinstance(bn, Mapping):
            return None, None
        stage = bn.get("stage")
        return (stage if isinstance(stage, str) and stage else None), _number(bn.get("share"))

    (b, bs), (a, as_) = side(baseline_metrics), side(now_metrics)
    if b is None and a is None:
        return ConstraintChange(None, None, bs, as_, "unknown",
                                "constraint not measured in baseline or now")
    if b is None:
        return ConstraintChange(None, a, bs, as_, "unknown",
                                f"constraint not measured in baseline; now {a}")
    if a is None:
        return ConstraintChange(b, None, bs, as_, "unknown",
                                f"constraint {b} in baseline; not measured now")
    if a == b:
        return ConstraintChange(b, a, bs, as_, "same", f"same stage: {a}")
    return ConstraintChange(b, a, bs, as_, "moved", f"moved from {b} to {a}")


def stability_warnings(shown: Iterable[str]) -> list[str]:
    """Warnings for speed metrics shown without a stability counterpart.

    ``shown`` holds metric keys (``"dora.lead_time_median_s"``). A dashboard that shows
    deployment frequency must also show change failure rate or rework rate, and so on
    (:data:`SPEED_COUNTERPARTS`), since speed bought with failures is no improvement.
    """
    keys = set(shown)
    labels = {f"{s.group}.{s.key}": s.label for s in METRIC_SENSES}
    out: list[str] = []
    for speed, partners in SPEED_COUNTERPARTS.items():
        if speed in keys and not keys.intersection(partners):
            out.append(f"{labels[speed]} is shown without its stability counterpart "
                       f"({' or '.join(labels[p] for p in partners)})")
    return out


def compare_to_baseline(baseline_metrics: Mapping[str, Any], now_metrics: Mapping[str, Any],
                        *, tolerance: float = 0.0) -> BaselineComparison:
    """Headline deltas, per-stage wait deltas and the constraint's change, in one object."""
    every = compare(baseline_metrics, now_metrics, tolerance=tolerance)
    n_head = len(METRIC_SENSES)
    return BaselineComparison(every[:n_head], every[n_head:],
                              constraint_change(baseline_metrics, now_metrics))


# -- maps --------------------------------------------------------------------------------------

_MAP_MISSING = ("not computable in the current state", "not computable in the future state",
                "not computable in either state")


def future_vs_current(current_map: ValueStreamMap, future_map: ValueStreamMap
                      ) -> list[MetricDelta]:
    """Classic totals of both maps side by side: lead time, process time, activity ratio and
    rolled %C&A (``before`` = current, ``after`` = future), judged by each metric's sense."""
    cur, fut = classic.compute(current_map), classic.compute(future_map)
    return [_delta(s, _number(getattr(cur, s.key)), _number(getattr(fut, s.key)),
                   key=f"map.{s.key}", label=s.label, missing=_MAP_MISSING)
            for s in MAP_SENSES]


@dataclass(frozen=True)
class TargetCheck:
    """A future state's target time for a stage (or the whole map) against the measurement.

    ``kind`` is ``"wait"`` (target: the stage's wait estimate; measured: median wait),
    ``"active"`` (process time estimate; median active time) or ``"lead_time"`` (the map's
    total lead time; the measured DORA median lead time for changes). ``gap_s = measured −
    target``; ``met`` is True when the measurement is at or below the target.
    """

    stage: str | None
    stage_id: str | None
    kind: str
    target_s: float | None
    measured_s: float | None
    gap_s: float | None
    met: bool | None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _unique_names(names: list[str]) -> list[str]:
    # the analysis keys stages by name and renames repeats "Review (2)"; do the same
    seen: dict[str, int] = {}
    out: list[str] = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out


def _check(stage: str | None, stage_id: str | None, kind: str, target: float | None,
           measured: float | None, unbound: bool = False) -> TargetCheck:
    if target is None or measured is None:
        reason = "no target in the future state" if target is None else \
            f"the stage has no {kind} segment bound to data" if unbound else "not measured now"
        if target is None and measured is None:
            reason = "no target in the future state and not measured now"
        return TargetCheck(stage, stage_id, kind, target, measured, None, None, reason)
    return TargetCheck(stage, stage_id, kind, target, measured, measured - target,
                       measured <= target)


def reality_vs_targets(future_map: ValueStreamMap, now_metrics: Mapping[str, Any]
                       ) -> list[TargetCheck]:
    """Each future-state stage's target wait and process time against the measured stage
    medians (matched by stage name), then the map's lead time against the DORA median."""
    measured = _stages(now_metrics)
    figures = classic.compute(future_map)
    stages = future_map.stages
    out: list[TargetCheck] = []
    for st, name in zip(stages, _unique_names([s.name for s in stages]), strict=True):
        fig = figures.stage(st.id)
        row = measured.get(name, {})
        kinds = {SegmentKind(s.kind).value for s in st.segments}
        out.append(_check(name, st.id, "wait", _number(fig.wait_time_s),
                          _number(row.get("wait_median_s")), "wait" not in kinds))
        out.append(_check(name, st.id, "active", _number(fig.process_time_s),
                          _number(row.get("active_median_s")), "active" not in kinds))
    out.append(_check(None, None, "lead_time", _number(figures.lead_time_s),
                      _get(now_metrics, "dora", "lead_time_median_s")))
    return out
