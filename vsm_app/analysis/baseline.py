"""Compare measurements: a window against a baseline, a future-state map against the current
one, and measured reality against a future state's targets.

Every metric is judged by its own direction in the metric catalogue
(:mod:`vsm_app.metrics.catalogue`): a rise in deployment frequency is *better*, a rise in lead
time is *worse*. Work in progress (``load_mean``) counts as better when it goes **down**: at
a steady velocity less WIP means shorter flow times (Little's law), and rising WIP is the
earliest sign of a slowing stream. A value missing on either side stays ``None`` and says why
(``"not measured in baseline"``); it is never taken as zero.

Both sides are :class:`~vsm_app.analysis.results.MetricValues`: a fresh result's
(``result.values()``) or a stored :class:`~vsm_app.domain.improvement.Baseline`'s
(:func:`baseline_values`, read from its ``analyze --json``-shaped snapshot), so they compare
directly. A JSON document given instead is read with ``MetricValues.from_json``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from vsm_app.domain import classic
from vsm_app.domain.improvement import Baseline
from vsm_app.domain.model import SegmentKind, ValueStreamMap
from vsm_app.domain.numbers import finite as _number
from vsm_app.metrics.catalogue import HEADLINE, Metric, metric

from .results import MetricValues

#: the headline metrics compared against a baseline, in display order (catalogue entries)
HEADLINE_METRICS: tuple[Metric, ...] = tuple(metric(m) for m in HEADLINE)

#: classic map metrics compared between a current and a future state
MAP_METRICS: tuple[Metric, ...] = tuple(metric(f"map.{k}") for k in (
    "lead_time_s", "process_time_s", "activity_ratio", "rolled_pca"))

#: speed metric → the stability metrics, any of which must be shown beside it
SPEED_COUNTERPARTS: dict[str, tuple[str, ...]] = {
    "dora.deployment_frequency_per_week": ("dora.change_failure_rate", "dora.rework_rate"),
    "dora.deployment_days_per_week": ("dora.change_failure_rate", "dora.rework_rate"),
    "dora.lead_time_median_s": ("dora.change_failure_rate", "dora.recovery_time_median_s"),
    "flow.velocity_per_week": ("dora.rework_rate", "dora.change_failure_rate"),
    "flow.flow_time_median_s": ("dora.change_failure_rate", "dora.rework_rate"),
}


def values_of(side: MetricValues | Mapping[str, Any]) -> MetricValues:
    """``side`` as typed values (a JSON document is read with ``MetricValues.from_json``)."""
    return side if isinstance(side, MetricValues) else MetricValues.from_json(side)


def baseline_values(baseline: Baseline) -> MetricValues:
    """The comparable values of a saved baseline's snapshot."""
    return MetricValues.from_json(baseline.metrics)


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
    #: the catalogue id that formats both sides (``stage.wait_median_s`` for a stage)
    metric: str
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


def _delta(m: Metric, before: float | None, after: float | None, *, key: str,
           label: str, stage: str | None = None, tolerance: float = 0.0,
           missing: tuple[str, str, str] = BASELINE_MISSING) -> MetricDelta:
    d, rel, direction, reason = judge(before, after, m.better, tolerance=tolerance,
                                      missing=missing)
    return MetricDelta(key, label, m.id, m.better, before, after, d, rel, direction,
                       reason, stage)


def stage_wait_deltas(baseline: MetricValues | Mapping[str, Any],
                      now: MetricValues | Mapping[str, Any], *,
                      tolerance: float = 0.0) -> list[MetricDelta]:
    """Median wait of each stage (down = better), baseline's stage order then new stages."""
    b = {s.name: s for s in values_of(baseline).stages}
    n = {s.name: s for s in values_of(now).stages}
    wait = metric("stage.wait_median_s")
    out: list[MetricDelta] = []
    for name in [*b, *(k for k in n if k not in b)]:
        before = b[name].wait_median_s if name in b else None
        after = n[name].wait_median_s if name in n else None
        out.append(_delta(wait, before, after, key=f"stages.{name}.wait_median_s",
                          label=f"{name}: wait (median)", stage=name, tolerance=tolerance))
    return out


def compare(baseline: MetricValues | Mapping[str, Any], now: MetricValues | Mapping[str, Any],
            *, tolerance: float = 0.0) -> list[MetricDelta]:
    """Deltas of the headline DORA and flow metrics, then of each stage's median wait.

    Parameters
    ----------
    baseline, now
        The two sides (typed values, or documents in the analysis JSON shape).
    tolerance
        Relative change still reported as ``"same"`` (0.05 = within 5 %).
    """
    b, n = values_of(baseline), values_of(now)
    head = [_delta(m, b.get(m.id), n.get(m.id), key=m.id, label=m.name, tolerance=tolerance)
            for m in HEADLINE_METRICS]
    return head + stage_wait_deltas(b, n, tolerance=tolerance)


def constraint_change(baseline: MetricValues | Mapping[str, Any],
                      now: MetricValues | Mapping[str, Any]) -> ConstraintChange:
    """Whether the constraint stayed on the same stage or moved, with its wait share."""
    bc, nc = values_of(baseline).constraint, values_of(now).constraint
    b, bs, a, as_ = bc.stage, bc.share, nc.stage, nc.share
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

    ``shown`` holds metric ids (``"dora.lead_time_median_s"``). A dashboard that shows
    deployment frequency must also show change failure rate or rework rate, and so on
    (:data:`SPEED_COUNTERPARTS`), since speed bought with failures is no improvement.
    """
    keys = set(shown)
    out: list[str] = []
    for speed, partners in SPEED_COUNTERPARTS.items():
        if speed in keys and not keys.intersection(partners):
            out.append(f"{metric(speed).name} is shown without its stability counterpart "
                       f"({' or '.join(metric(p).name for p in partners)})")
    return out


def compare_to_baseline(baseline: MetricValues | Mapping[str, Any],
                        now: MetricValues | Mapping[str, Any], *,
                        tolerance: float = 0.0) -> BaselineComparison:
    """Headline deltas, per-stage wait deltas and the constraint's change, in one object."""
    b, n = values_of(baseline), values_of(now)
    every = compare(b, n, tolerance=tolerance)
    n_head = len(HEADLINE_METRICS)
    return BaselineComparison(every[:n_head], every[n_head:], constraint_change(b, n))


# -- maps --------------------------------------------------------------------------------------

_MAP_MISSING = ("not computable in the current state", "not computable in the future state",
                "not computable in either state")


def future_vs_current(current_map: ValueStreamMap, future_map: ValueStreamMap
                      ) -> list[MetricDelta]:
    """Classic totals of both maps side by side: lead time, process time, activity ratio and
    rolled %C&A (``before`` = current, ``after`` = future), judged by each metric's sense."""
    cur, fut = classic.compute(current_map), classic.compute(future_map)
    return [_delta(m, _number(getattr(cur, m.key)), _number(getattr(fut, m.key)),
                   key=m.id, label=m.label, missing=_MAP_MISSING)
            for m in MAP_METRICS]


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


def reality_vs_targets(future_map: ValueStreamMap, now: MetricValues | Mapping[str, Any]
                       ) -> list[TargetCheck]:
    """Each future-state stage's target wait and process time against the measured stage
    medians (matched by stage name), then the map's lead time against the DORA median."""
    values = values_of(now)
    measured = {s.name: s for s in values.stages}
    figures = classic.compute(future_map)
    stages = future_map.stages
    out: list[TargetCheck] = []
    for st, name in zip(stages, _unique_names([s.name for s in stages]), strict=True):
        fig = figures.stage(st.id)
        row = measured.get(name)
        kinds = {SegmentKind(s.kind).value for s in st.segments}
        out.append(_check(name, st.id, "wait", _number(fig.wait_time_s),
                          row.wait_median_s if row else None, "wait" not in kinds))
        out.append(_check(name, st.id, "active", _number(fig.process_time_s),
                          row.active_median_s if row else None, "active" not in kinds))
    out.append(_check(None, None, "lead_time", _number(figures.lead_time_s),
                      values.get("dora.lead_time_median_s")))
    return out
