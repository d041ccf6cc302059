"""Issue 13 on hand-made tables: one cohort for durations, no fake zeros, one production rule,
the delivery-data window, revert chains, other environments, and coverage before verdicts.

Every expected value is computed by hand in the test (times are chosen to make that easy).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vsm_app.analysis.coverage import MIN_CHANGES
from vsm_app.analysis.dora import production_deployments
from vsm_app.analysis.engine import AnalysisOptions, analyze
from vsm_app.domain.environments import is_production
from vsm_app.domain.model import Segment, SegmentKind, Stage, ValueStreamMap

from .frames import DAY, HOUR, MIN, T, change, deployment, frame, tables

WEEK = AnalysisOptions(since=T("2025-01-06"), until=T("2025-01-13"))


def _stage(doc: dict, name: str) -> dict:
    return next(s for s in doc["stages"] if s["name"] == name)


# -- 1. one cohort: a change whose finish is an upper bound contributes no duration -------

def _release_story(with_start: bool = True) -> dict:
    """d0 (first deployment) ships c0, whose Release wait is 97 days; d1 ships c1..c3."""
    def dep(did: str, start: str, end: str) -> dict:
        return deployment(did, end, started_at=start if with_start else None)

    return {
        "changes": [
            change("c0", "2024-09-30 00:00", merged="2024-10-01 00:00",
                   deployed="2025-01-06 10:10", dep="d0", first_deployment=True),
            change("c1", "2025-01-07 09:00", merged="2025-01-07 10:00",
                   deployed="2025-01-08 10:10", dep="d1"),
            change("c2", "2025-01-08 05:00", merged="2025-01-08 06:00",
                   deployed="2025-01-08 10:10", dep="d1"),
            change("c3", "2025-01-08 08:00", merged="2025-01-08 09:00",
                   deployed="2025-01-08 10:10", dep="d1"),
        ],
        "deployments": [dep("d0", "2025-01-06 10:00", "2025-01-06 10:10"),
                        dep("d1", "2025-01-08 10:00", "2025-01-08 10:10")],
    }


def test_first_deployment_changes_feed_no_stage_statistic():
    doc = analyze(tables(**_release_story()), None, WEEK).to_json()
    release = _stage(doc, "Release")
    # Release waits merged → d1's start (01-08 10:00): c1 24 h, c2 4 h, c3 1 h; c0 (97 days
    # to the first deployment) is left out like its flow time
    assert release["wait_count"] == 3
    assert release["wait_median_s"] == 4 * HOUR
    assert release["wait_p85_s"] == pytest.approx((4 + 0.7 * (24 - 4)) * HOUR)  # rank 1.7
    # flow times (to d1's finish 10:10): 25h10, 5h10, 2h10 → Σ 32.5 h
    assert doc["flow"]["flow_time_median_s"] == 5 * HOUR + 10 * MIN
    assert release["wait_share"] == pytest.approx(29 / 32.5)
    # each change worked 10 min in Release (start → finish), nothing else is active
    assert doc["flow"]["efficiency"] == pytest.approx(3 * 600 / (32.5 * HOUR))
    # c0 still finished in the window: it counts for velocity, not for durations
    assert doc["changes"] == 4 and doc["flow"]["counts"]["with_flow_time"] == 3
    assert doc["data_quality"]["changes_with_flow_time"] == 3
    assert doc["data_quality"]["segments"]["Release: merged→deploy_started"]["measured"] == 3


def test_a_source_with_only_a_finish_time_gives_no_start():
    doc = analyze(tables(**_release_story(with_start=False)), None, WEEK).to_json()
    release = _stage(doc, "Release")
    # no deploy_started: Release's wait and work are missing, never a measured 0 s
    assert (release["wait_count"], release["active_count"]) == (0, 0)
    assert (release["wait_missing"], release["active_missing"]) == (3, 3)
    assert release["active_median_s"] is None
    assert doc["flow"]["efficiency"] is None
    assert "active segment" in doc["flow"]["reasons"]["efficiency"]


# -- the property: every duration statistic uses the changes that have a flow time ---------

H0 = pd.Timestamp("2025-01-06", tz="UTC")


def _t(hours: float | None) -> pd.Timestamp:
    return pd.NaT if hours is None else H0 + pd.Timedelta(hours=hours)


@st.composite
def histories(draw: st.DrawFn) -> dict:
    n_dep = draw(st.integers(0, 4))
    deps = sorted({draw(st.integers(50, 400)) for _ in range(n_dep)})
    dep_rows = [deployment(f"d{k}", _t(h).isoformat(),
                           started_at=_t(h - draw(st.integers(0, 3))).isoformat())
                for k, h in enumerate(deps)]
    rows = []
    for i in range(draw(st.integers(1, 30))):
        first = draw(st.integers(0, 300))
        opt = st.one_of(st.none(), st.integers(-5, 40))
        pr, review, approve = draw(opt), draw(opt), draw(opt)
        pr_at = None if pr is None else first + pr
        review_at = None if review is None or pr_at is None else pr_at + review
        approve_at = None if approve is None or review_at is None else review_at + approve
        merged = first + draw(st.integers(-2, 60))
        k = draw(st.integers(-1, len(deps) - 1)) if deps else -1
        rows.append(change(
            f"c{i}", _t(first).isoformat(), merged=_t(merged).isoformat(),
            deployed=_t(deps[k]).isoformat() if k >= 0 else None,
            dep=f"d{k}" if k >= 0 else None, first_deployment=k == 0,
            pr_opened_at=None if pr_at is None else _t(pr_at).isoformat(),
            first_review_at=None if review_at is None else _t(review_at).isoformat(),
            approved_at=None if approve_at is None else _t(approve_at).isoformat()))
    return {"changes": rows, "deployments": dep_rows}


#: the software-delivery bindings without CI (no CI runs in these histories): stage → kind →
#: (from column, to column); deploy_started is the shipping deployment's start
BINDINGS = {
    ("Coding", "active"): ("first_commit_at", "pr_opened_at"),
    ("Review", "wait"): ("pr_opened_at", "first_review_at"),
    ("Review", "active"): ("first_review_at", "approved_at"),
    ("Merge", "wait"): ("approved_at", "merged_at"),
    ("Release", "wait"): ("merged_at", "deploy_started"),
    ("Release", "active"): ("deploy_started", "deployed_at"),
}


@settings(max_examples=60, deadline=None)
@given(histories())
def test_every_duration_statistic_uses_the_flow_time_cohort(history: dict) -> None:
    t = tables(**history)
    doc = analyze(t, None, AnalysisOptions()).to_json()
    ch = t.changes.copy()
    starts = {d["deployment_id"]: pd.Timestamp(d["started_at"]) for d in history["deployments"]}
    ch["deploy_started"] = ch["deployment_id"].map(starts).astype("datetime64[ns, UTC]")
    # the flow-time cohort, by hand: finish = deployed_at when the data has deployments;
    # left out: first-deployment changes, negative spans, unfinished changes
    has_dep = ch["deployed_at"].notna().any()
    finish = ch["deployed_at"] if has_dep else ch["merged_at"]
    flow = (finish - ch["first_commit_at"]).dt.total_seconds()
    cohort = finish.notna() & (flow >= 0) & ~(ch["first_deployment"] & has_dep)
    flow_sum = flow[cohort].sum()
    assert doc["flow"]["counts"]["with_flow_time"] == int(cohort.sum())

    values: dict[tuple[str, str], pd.Series] = {}
    for (stage, kind), (a, b) in BINDINGS.items():
        v = (ch[b] - ch[a]).dt.total_seconds()
        values[stage, kind] = v[cohort & v.notna() & (v >= 0)]
    for (stage, kind), v in values.items():
        got = _stage(doc, stage)
        assert got[f"{kind}_count"] == len(v), (stage, kind)
        if len(v):
            assert got[f"{kind}_median_s"] == pytest.approx(float(np.median(v)))
            assert got[f"{kind}_p85_s"] == pytest.approx(float(np.quantile(v, 0.85)))
        else:
            assert got[f"{kind}_median_s"] is None
    for stage in ("Review", "Release"):
        w = values[stage, "wait"]
        got = _stage(doc, stage)["wait_share"]
        if len(w) and flow_sum > 0:
            assert got == pytest.approx(w.sum() / flow_sum)
    # efficiency: Σ measured active ÷ Σ flow over the cohort's changes with an active time
    act = pd.concat([values[k] for k in BINDINGS if k[1] == "active"], axis=1).sum(
        axis=1, min_count=1).reindex(ch.index)
    both = cohort & act.notna()
    eff = doc["flow"]["efficiency"]
    if both.any() and flow[both].sum() > 0:
        assert eff == pytest.approx(act[both].sum() / flow[both].sum())
    else:
        assert eff is None
    b = doc["bottleneck"]
    if b["stage"] is not None:
        assert b["wait_p85_s"] == pytest.approx(float(np.quantile(values[b["stage"], "wait"],
                                                                  0.85)))


# -- 3. production: one rule ---------------------------------------------------------------

def test_production_rule_flag_names_and_defaults():
    env = pd.Series(["Production", " PROD ", "prd", "Live", "staging", None, "github-pages",
                     "eu-prod"])
    flag = pd.Series([None, None, None, None, None, None, True, None], dtype="boolean")
    # defaults: production, prod, prd, live (any case); no environment; the source's flag
    assert is_production(env, flag).tolist() == [True, True, True, True, False, True, True,
                                                 False]
    # configured names replace the defaults; the flag and "no environment" still count
    assert is_production(env, flag, ["eu-prod"]).tolist() == [False, False, False, False,
                                                              False, True, True, True]


def test_dora_counts_a_deployment_its_source_marks_production():
    # GitHub says production_environment: true for "github-pages": ingest and DORA agree
    deps = frame("deployments", [
        deployment("d1", "2025-01-06 10:00", environment="github-pages"),
        deployment("d2", "2025-01-07 10:00", environment="staging"),
        deployment("d3", "2025-01-08 10:00", environment="prd")])
    deps["production_flag"] = pd.array([True, None, None], dtype="boolean")
    assert production_deployments(deps)["deployment_id"].tolist() == ["d1", "d3"]
    r = analyze(_with(deps), None, WEEK)
    assert r.dora.counts.deployments == 2
    assert r.dora.deployment_frequency_per_week == 2.0


def _with(deps: pd.DataFrame):
    t = tables()
    t.deployments = deps
    return t


# -- 5. same-instant deployments: the order ingest found is kept ----------------------------

def test_same_instant_deployments_follow_the_deploy_order_not_the_name():
    # v1.10 deploys a descendant of v1.9 at the same second; ingest ordered v1.9 first
    deps = frame("deployments", [
        deployment("v1.10", "2025-01-07 10:00", is_rollback=False),
        deployment("v1.9", "2025-01-07 10:00", is_rollback=False)])
    deps["deploy_order"] = pd.array([1, 0], dtype="Int64")
    assert production_deployments(deps)["deployment_id"].tolist() == ["v1.9", "v1.10"]
    # without an order, numbers in names compare by value: v1.9 before v1.10 too
    assert production_deployments(deps.drop(columns="deploy_order"))[
        "deployment_id"].tolist() == ["v1.9", "v1.10"]


# -- 6. the default window covers the delivery data -----------------------------------------

def test_a_year_old_incident_does_not_stretch_the_window():
    t = tables(
        changes=[change("c1", "2025-03-04 09:00", merged="2025-03-04 10:00",
                        deployed="2025-03-05 12:00", dep="d1", first_deployment=True),
                 change("c2", "2025-03-10 09:00", merged="2025-03-10 10:00",
                        deployed="2025-03-12 12:00", dep="d2")],
        deployments=[deployment("d1", "2025-03-05 12:00"), deployment("d2", "2025-03-12 12:00")],
        incidents=[{"incident_id": "old", "opened_at": "2024-03-01 08:00",
                    "resolved_at": "2024-03-01 09:00"}])
    doc = analyze(t, None, AnalysisOptions()).to_json()
    # from the midnight before the first delivery (03-05) to the one after the last (03-13)
    assert doc["window"] == {"start": "2025-03-05T00:00:00+00:00",
                             "end": "2025-03-13T00:00:00+00:00"}
    assert doc["dora"]["deployment_frequency_per_week"] == pytest.approx(2 / (8 / 7))
    assert doc["data_quality"]["incidents_outside_window"] == 1


# -- 8. reverts of reverts ------------------------------------------------------------------

def _chain(depth: int):
    """x shipped by d1; each next change reverts the previous one, shipped one day later."""
    names = ["x", "a", "b", "c"][:depth + 1]
    rows = []
    for k, name in enumerate(names):
        day = f"2025-01-0{6 + k}"
        rows.append(change(name, f"{day} 08:00", merged=f"{day} 09:00",
                           deployed=f"{day} 10:00", dep=f"d{k + 1}", first_deployment=k == 0,
                           is_revert=k > 0, reverts=names[k - 1] if k else None))
    deps = [deployment(f"d{k + 1}", f"2025-01-0{6 + k} 10:00") for k in range(len(names))]
    return analyze(tables(changes=rows, deployments=deps), None, WEEK)


def test_a_reverted_revert_and_the_revert_of_a_revert_fail_nothing():
    r = _chain(2)  # a reverts x, b reverts a (re-applies x)
    assert r.dora.change_failure_rate == 0.0
    assert r.dora.counts.failures_by_cause["revert"] == 0
    assert r.data_quality.count("reverts_not_remedies") == 2
    assert r.dora.recovery_time_median_s is None
    # rework still counts the deployments that shipped a revert (unplanned work): d2, d3
    assert r.dora.rework_rate == pytest.approx(2 / 3)


def test_a_third_revert_removes_the_change_again_and_fails_the_reapply():
    r = _chain(3)  # c reverts b: x is removed again, so d3 (which re-applied x) failed
    assert r.dora.change_failure_rate == 0.25
    assert r.dora.counts.failures_by_cause["revert"] == 1
    assert r.dora.recovery_time_median_s == DAY  # d3 (01-08 10:00) → d4 (01-09 10:00)


# -- 9. other environments: events a stage can use; DORA counts production only ------------

def test_a_staging_stage_is_measured_and_dora_counts_production_only():
    vsm = ValueStreamMap("m")
    vsm.add_stage(Stage("Staging", segments=[Segment("merged", "deployed:staging",
                                                     SegmentKind.WAIT)]))
    t = tables(
        changes=[change("c1", "2025-01-06 08:00", merged="2025-01-06 09:00",
                        deployed="2025-01-07 10:00", dep="p1"),
                 change("c2", "2025-01-06 10:00", merged="2025-01-06 12:00",
                        deployed="2025-01-07 10:00", dep="p1")],
        deployments=[deployment("p1", "2025-01-07 10:00"),
                     deployment("s1", "2025-01-06 15:00", environment="staging",
                                is_production=False)])
    t.events = frame("events", [
        {"change_id": "c1", "event": "deployed:staging", "at": "2025-01-06 15:00"},
        {"change_id": "c2", "event": "deployed:staging", "at": "2025-01-06 15:00"}])
    doc = analyze(t, vsm, WEEK).to_json()
    staging = _stage(doc, "Staging")
    # merged → on staging: c1 6 h, c2 3 h → median 4.5 h
    assert staging["wait_count"] == 2 and staging["wait_median_s"] == 4.5 * HOUR
    assert doc["dora"]["counts"]["deployments"] == 1  # s1 went to staging


# -- 10. coverage before verdicts -----------------------------------------------------------

def _three_stage_map() -> ValueStreamMap:
    vsm = ValueStreamMap("m")
    for name, a, b in (("Review", "pr_opened", "first_review"), ("Merge", "approved", "merged"),
                       ("Release", "merged", "deployed")):
        vsm.add_stage(Stage(name, segments=[Segment(a, b, SegmentKind.WAIT)]))
    return vsm


def _changes(n: int, with_prs: bool) -> list[dict]:
    """n changes in 2025-W02, each: PR opened at first commit + 1 h, reviewed 2 h later,
    approved 1 h after, merged 3 h after approval, deployed 10 h after the merge."""
    rows = []
    for i in range(n):
        first = pd.Timestamp("2025-01-06 00:00", tz="UTC") + pd.Timedelta(hours=i)
        pr = first + pd.Timedelta(hours=1)
        extra = {"pr_opened_at": pr.isoformat(),
                 "first_review_at": (pr + pd.Timedelta(hours=2)).isoformat(),
                 "approved_at": (pr + pd.Timedelta(hours=3)).isoformat()} if with_prs else {}
        merged = pr + pd.Timedelta(hours=6)
        rows.append(change(f"c{i}", first.isoformat(), merged=merged.isoformat(),
                           deployed=(merged + pd.Timedelta(hours=10)).isoformat(),
                           dep=f"d{i}", **extra))
    return rows


def test_constraint_needs_enough_changes():
    vsm = _three_stage_map()
    given_ = analyze(tables(changes=_changes(MIN_CHANGES, True)), vsm, WEEK).to_json()
    b = given_["bottleneck"]
    # waits: Review 2 h, Merge 3 h, Release 10 h of a 17 h flow time: Release is the constraint
    assert b["stage"] == "Release" and b["share"] == pytest.approx(10 / 17)
    cov = b["coverage"]["constraint"]
    assert (cov["changes"], cov["stages_bound"], cov["stages_measured"]) == (20, 3, 3)
    assert cov["verdict"] == "given"
    few = analyze(tables(changes=_changes(MIN_CHANGES - 1, True)), vsm, WEEK).to_json()
    assert few["bottleneck"]["stage"] is None and few["bottleneck"]["share"] is None
    assert "19 change(s) with a flow time in the window; a constraint needs 20" in \
        few["bottleneck"]["reasons"]["stage"]


def test_constraint_needs_half_the_stage_kinds_and_says_which_data_is_missing():
    doc = analyze(tables(changes=_changes(25, False)), _three_stage_map(), WEEK).to_json()
    b = doc["bottleneck"]
    cov = b["coverage"]["constraint"]
    # without pull requests only Release's wait is measured: 1 of 3 (at least 2 needed)
    assert (cov["stage_kinds_measured"], cov["stage_kinds_bound"]) == (1, 3)
    assert cov["not_measured"] == ["Review wait", "Merge wait"]
    assert b["stage"] is None and cov["verdict"] == "withheld"
    assert cov["needs"] == "Add pull requests with their reviews to measure Review and Merge"
    assert b["reasons"]["stage"].endswith(
        "Add pull requests with their reviews to measure Review and Merge.")
    assert cov["statement"] == "1 of 3 stages measured (1 of 3 stage-kinds), 25 changes"


def _deploys(n: int, **extra: object) -> list[dict]:
    return [deployment(f"d{i}", f"2025-01-06 {i:02d}:30", **extra) for i in range(n)]


@pytest.mark.parametrize(("n", "band"), [(9, None), (10, "elite")])
def test_frequency_band_needs_ten_deployments(n: int, band: str | None):
    dora = analyze(tables(deployments=_deploys(n)), None, WEEK).to_json()["dora"]
    assert dora["deployment_frequency_per_week"] == n  # one week window: n per week
    assert dora["bands"]["deployment_frequency"] == band
    cov = dora["bands"]["coverage"]["deployment_frequency"]
    assert (cov["deployments"], cov["minimum_deployments"]) == (n, 10)
    if band is None:
        assert dora["bands"]["reasons"]["deployment_frequency"].startswith(
            f"{n} deployment(s) in the window; a band needs 10")


@pytest.mark.parametrize(("n", "band"), [(19, None), (20, "elite")])
def test_change_failure_rate_band_needs_twenty_deployments(n: int, band: str | None):
    dora = analyze(tables(deployments=_deploys(n)), None, WEEK).to_json()["dora"]
    assert dora["change_failure_rate"] == 0.0
    assert dora["bands"]["change_failure_rate"] == band


@pytest.mark.parametrize(("n", "band"), [(5, None), (6, "elite")])
def test_recovery_band_needs_six_recoveries(n: int, band: str | None):
    incidents = [{"incident_id": f"i{k}", "opened_at": f"2025-01-0{7 + k // 3} {k:02d}:00",
                  "resolved_at": f"2025-01-0{7 + k // 3} {k:02d}:20"} for k in range(n)]
    dora = analyze(tables(deployments=_deploys(1), incidents=incidents), None,
                   WEEK).to_json()["dora"]
    assert dora["recovery_time_median_s"] == 20 * MIN
    assert dora["bands"]["recovery_time"] == band


def test_decomposition_needs_twenty_changes_in_each_window():
    def doc(n_before: int) -> dict:
        # lead time 10 h before the split (01-06 … 01-09), 20 h after (01-10 … 01-12)
        rows = [change(f"b{i}", "2025-01-06 00:00", merged="2025-01-06 01:00",
                       deployed="2025-01-06 10:00", dep="d") for i in range(n_before)]
        rows += [change(f"a{i}", "2025-01-11 00:00", merged="2025-01-11 01:00",
                        deployed="2025-01-11 20:00", dep="e") for i in range(20)]
        deps = [deployment("d", "2025-01-06 10:00"), deployment("e", "2025-01-11 20:00")]
        return analyze(tables(changes=rows, deployments=deps), None, WEEK).to_json()

    ok = doc(20)["bottleneck"]
    assert ok["lead_time_change_s"] == 10 * HOUR
    assert math.fsum(ok["lead_time_contributions"].values()) == pytest.approx(10 * HOUR)
    assert ok["coverage"]["lead_time_contributions"]["verdict"] == "given"
    few = doc(19)["bottleneck"]
    assert few["lead_time_contributions"] == {} and few["sentence"] is None
    # (no stage has data here: no pull requests, no CI, deployments without a start)
    assert few["coverage"]["lead_time_contributions"] == {
        "before_changes": 19, "after_changes": 20, "minimum_changes": 20,
        "unattributed": ["Coding", "Review", "Merge", "CI", "Release"], "verdict": "withheld"}
    assert "19 change(s) with a lead time in the before window" in \
        few["reasons"]["lead_time_contributions"]


def test_correlations_state_their_weeks():
    doc = analyze(tables(changes=_changes(20, True)), _three_stage_map(), WEEK).to_json()
    cov = doc["bottleneck"]["coverage"]["correlations"]
    assert cov == {"weeks": {"Review": 1, "Merge": 1, "Release": 1}, "minimum_weeks": 10}
    assert doc["bottleneck"]["correlations"]["Review"] is None
