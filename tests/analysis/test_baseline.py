"""Baseline comparison, future vs current state, and reality vs targets, worked by hand."""

from __future__ import annotations

import pytest

from vsm_app.analysis.baseline import (
    HEADLINE_METRICS,
    MetricDelta,
    compare,
    compare_to_baseline,
    constraint_change,
    future_vs_current,
    reality_vs_targets,
    stability_warnings,
)
from vsm_app.domain.model import Estimates, Stage, ValueStreamMap
from vsm_app.domain.templates import software_delivery

H = 3600.0

BASELINE = {
    "dora": {"deployment_frequency_per_week": 2.0, "deployment_days_per_week": 2.0,
             "lead_time_median_s": 86_400.0, "change_failure_rate": 0.10,
             "recovery_time_median_s": None, "rework_rate": 0.05,
             "pipeline_failure_rate": None, "bands": {}},
    "flow": {"velocity_per_week": 10.0, "flow_time_median_s": 100_000.0, "load_mean": 8.0,
             "efficiency": 0.10, "distribution": {}},
    "stages": [{"name": "Review", "wait_median_s": 20_000.0, "active_median_s": 1.0,
                "share": 0.2},
               {"name": "CI", "wait_median_s": 600.0, "active_median_s": 1.0, "share": 0.01},
               {"name": "Release", "wait_median_s": 172_800.0, "active_median_s": 1.0,
                "share": 0.5}],
    "bottleneck": {"stage": "Release", "share": 0.5, "lead_time_contributions": {}},
}
NOW = {
    "dora": {"deployment_frequency_per_week": 3.0, "deployment_days_per_week": 2.0,
             "lead_time_median_s": 43_200.0, "change_failure_rate": 0.20,
             "recovery_time_median_s": 3600.0, "rework_rate": None,
             "pipeline_failure_rate": None, "bands": {}},
    "flow": {"velocity_per_week": 8.0, "flow_time_median_s": 120_000.0, "load_mean": 4.0,
             "efficiency": 0.15, "distribution": {}},
    "stages": [{"name": "Review", "wait_median_s": 10_000.0, "active_median_s": 1.0,
                "share": 0.4},
               {"name": "CI", "wait_median_s": 900.0, "active_median_s": 1.0, "share": 0.01},
               {"name": "Deploy", "wait_median_s": 50.0, "active_median_s": 1.0, "share": 0.0}],
    "bottleneck": {"stage": "Review", "share": 0.4, "lead_time_contributions": {}},
}


def by_key() -> dict[str, MetricDelta]:
    return {d.key: d for d in compare(BASELINE, NOW)}


@pytest.mark.parametrize(("key", "delta", "relative", "direction"), [
    ("dora.deployment_frequency_per_week", 1.0, 0.5, "better"),  # up is better
    ("dora.deployment_days_per_week", 0.0, 0.0, "same"),
    ("dora.lead_time_median_s", -43_200.0, -0.5, "better"),  # down is better
    ("dora.change_failure_rate", 0.10, 1.0, "worse"),  # up is worse
    ("flow.velocity_per_week", -2.0, -0.2, "worse"),
    ("flow.flow_time_median_s", 20_000.0, 0.2, "worse"),
    ("flow.load_mean", -4.0, -0.5, "better"),  # our choice: less WIP is better
    ("flow.efficiency", 0.05, 0.5, "better"),
    ("stages.Review.wait_median_s", -10_000.0, -0.5, "better"),
    ("stages.CI.wait_median_s", 300.0, 0.5, "worse"),
])
def test_each_metric_judged_by_its_own_sense(key: str, delta: float, relative: float,
                                             direction: str) -> None:
    d = by_key()[key]
    assert d.delta == pytest.approx(delta)
    assert d.relative == pytest.approx(relative)
    assert d.direction == direction and d.reason is None


@pytest.mark.parametrize(("key", "reason"), [
    ("dora.recovery_time_median_s", "not measured in baseline"),
    ("dora.rework_rate", "not measured now"),
    ("dora.pipeline_failure_rate", "not measured in baseline or now"),
    ("stages.Release.wait_median_s", "not measured now"),
    ("stages.Deploy.wait_median_s", "not measured in baseline"),
])
def test_nulls_stay_null_with_a_reason(key: str, reason: str) -> None:
    d = by_key()[key]
    assert (d.delta, d.relative, d.direction, d.reason) == (None, None, None, reason)


def test_order_and_senses() -> None:
    keys = [d.key for d in compare(BASELINE, NOW)]
    assert keys[:len(HEADLINE_METRICS)] == [
        "dora.deployment_frequency_per_week", "dora.deployment_days_per_week",
        "dora.lead_time_median_s", "dora.change_failure_rate", "dora.recovery_time_median_s",
        "dora.rework_rate", "dora.pipeline_failure_rate", "flow.velocity_per_week",
        "flow.flow_time_median_s", "flow.load_mean", "flow.efficiency"]
    assert keys[len(HEADLINE_METRICS):] == [f"stages.{n}.wait_median_s"
                                            for n in ("Review", "CI", "Release", "Deploy")]
    senses = {m.id: m.better for m in HEADLINE_METRICS}
    assert [k for k, v in senses.items() if v == "up"] == [
        "dora.deployment_frequency_per_week", "dora.deployment_days_per_week",
        "flow.velocity_per_week", "flow.efficiency"]


def test_tolerance_and_zero_baseline() -> None:
    b = {"dora": {"lead_time_median_s": 100.0, "rework_rate": 0.0}, "flow": {}, "stages": [],
         "bottleneck": {}}
    n = {"dora": {"lead_time_median_s": 103.0, "rework_rate": 0.1}, "flow": {}, "stages": [],
         "bottleneck": {}}
    d = {x.key: x for x in compare(b, n, tolerance=0.05)}
    assert d["dora.lead_time_median_s"].direction == "same"  # 3 % is within 5 %
    assert {x.key: x for x in compare(b, n)}["dora.lead_time_median_s"].direction == "worse"
    assert d["dora.rework_rate"].relative is None and d["dora.rework_rate"].direction == "worse"


def test_constraint_moves_or_stays() -> None:
    c = constraint_change(BASELINE, NOW)
    assert (c.status, c.before, c.after, c.summary) == (
        "moved", "Release", "Review", "moved from Release to Review")
    assert (c.before_share, c.after_share) == (0.5, 0.4)
    same = constraint_change(NOW, NOW)
    assert same.status == "same" and same.summary == "same stage: Review"
    none = constraint_change(BASELINE, {"bottleneck": {"stage": None, "share": None}})
    assert none.status == "unknown" and none.summary.endswith("not measured now")


def test_compare_to_baseline_bundles_everything() -> None:
    r = compare_to_baseline(BASELINE, NOW)
    assert len(r.metrics) == 11 and len(r.stages) == 4
    d = r.to_dict()
    assert d["constraint"]["status"] == "moved"
    assert d["metrics"][2]["key"] == "dora.lead_time_median_s"


def test_stability_warnings() -> None:
    assert stability_warnings(["dora.deployment_frequency_per_week",
                               "dora.change_failure_rate"]) == []
    w = stability_warnings(["dora.lead_time_median_s", "flow.velocity_per_week",
                            "dora.rework_rate"])
    assert len(w) == 1 and w[0].startswith("Lead time for changes (median) is shown without")


def future_of(current: ValueStreamMap) -> ValueStreamMap:
    fut = current.copy("Future state", kind="future", new_ids=True)
    rel, rev = fut.stage_by_name("Release"), fut.stage_by_name("Review")
    assert rel is not None and rev is not None
    fut.update_estimates(rel.id, wait_time_s=2 * H)
    fut.update_estimates(rev.id, pca=0.9)
    return fut


def test_future_vs_current_side_by_side() -> None:
    cur = software_delivery()
    rows = {d.key: d for d in future_vs_current(cur, future_of(cur))}
    # current: LT 10 + 9 + 2.25 + 0.75 + 48.5 = 70.5 h; PT 6 + 1 + 0.25 + 0.5 + 0.5 = 8.25 h
    # future: the release wait drops from 48 h to 2 h → LT 24.5 h; review %C&A 0.8 → 0.9
    lt = rows["map.lead_time_s"]
    assert (lt.before, lt.after, lt.delta) == (70.5 * H, 24.5 * H, -46 * H)
    assert lt.direction == "better"
    pt = rows["map.process_time_s"]
    assert (pt.before, pt.after, pt.direction) == (8.25 * H, 8.25 * H, "same")
    ar = rows["map.activity_ratio"]
    assert ar.before == pytest.approx(8.25 / 70.5) and ar.after == pytest.approx(8.25 / 24.5)
    assert ar.direction == "better"
    pca = rows["map.rolled_pca"]
    assert pca.before == pytest.approx(0.9 * 0.8 * 0.95 * 0.85 * 0.97)
    assert pca.after == pytest.approx(0.9 * 0.9 * 0.95 * 0.85 * 0.97)
    assert pca.direction == "better"
    empty = {d.key: d for d in future_vs_current(cur, ValueStreamMap("empty", kind="future"))}
    assert empty["map.lead_time_s"].reason == "not computable in the future state"


def test_reality_vs_targets() -> None:
    fut = future_of(software_delivery())
    fut.add_stage(Stage("Observe", estimates=Estimates()))
    now = {"dora": {"lead_time_median_s": 100_000.0}, "flow": {}, "bottleneck": {},
           "stages": [{"name": "Coding", "wait_median_s": None, "active_median_s": 2 * H},
                      {"name": "Review", "wait_median_s": 10 * H, "active_median_s": 0.5 * H},
                      {"name": "Merge", "wait_median_s": None, "active_median_s": None}]}
    rows = {(c.stage, c.kind): c for c in reality_vs_targets(fut, now)}
    coding = rows[("Coding", "active")]  # target 6 h, measured 2 h
    assert (coding.target_s, coding.measured_s, coding.gap_s, coding.met) == (
        6 * H, 2 * H, -4 * H, True)
    review = rows[("Review", "wait")]  # target 8 h, measured 10 h
    assert (review.gap_s, review.met) == (2 * H, False)
    assert rows[("Review", "active")].met is True  # 0.5 h ≤ 1 h
    assert rows[("Coding", "wait")].reason == "the stage has no wait segment bound to data"
    assert rows[("Merge", "wait")].reason == "not measured now"
    assert rows[("Observe", "wait")].reason == \
        "no target in the future state and not measured now"
    total = rows[(None, "lead_time")]  # target 24.5 h = 88 200 s
    assert (total.target_s, total.gap_s, total.met) == (88_200.0, 11_800.0, False)
    assert len(rows) == 2 * 6 + 1


def test_a_real_analysis_result_becomes_a_baseline_and_compares() -> None:
    import pandas as pd

    from tests.analysis.test_indicators import stream
    from vsm_app.analysis.engine import AnalysisOptions, analyze
    from vsm_app.domain.improvement import Baseline

    def window(a: str, b: str) -> dict:
        opts = AnalysisOptions(since=pd.Timestamp(a, tz="UTC"), until=pd.Timestamp(b, tz="UTC"))
        return analyze(stream(), None, opts).to_json()

    before, now = window("2025-01-06", "2025-01-13"), window("2025-01-13", "2025-01-20")
    base = Baseline.from_analysis("W02", before)
    assert base.window_start == pd.Timestamp("2025-01-06", tz="UTC")
    assert Baseline.from_dict(base.to_dict()) == base
    same = compare_to_baseline(base.metrics, before)
    assert {m.direction for m in same.metrics} <= {"same", None}
    r = {m.key: m for m in compare_to_baseline(base.metrics, now).metrics}
    # W02 finished c1, c2, c3 (deployed); W03 deployed nothing → no lead time now
    assert r["dora.lead_time_median_s"].before is not None
    assert r["dora.lead_time_median_s"].reason == "not measured now"
    # load: W02 (1 + 1 + 2 + 0 + 0 + 0 + 0) / 7, W03 c4 open all week → 1: more WIP is worse
    assert r["flow.load_mean"].before == pytest.approx(4 / 7)
    assert r["flow.load_mean"].after == 1.0 and r["flow.load_mean"].direction == "worse"
    # the typed values of a result compare the same as its JSON (and a baseline's snapshot)
    typed = {m.key: m for m in compare_to_baseline(
        base.metrics, analyze(stream(), None, AnalysisOptions(
            since=pd.Timestamp("2025-01-13", tz="UTC"),
            until=pd.Timestamp("2025-01-20", tz="UTC"))).values()).metrics}
    assert typed == r
