"""Flow analytics (issue 19): stage occupancy, cycle-time scatter, aging WIP, CFD, WIP limits.

Expected values are worked out by hand in the comments; the engine is only used to turn
hand-made change tables into units, and as the independent reference for Little's law.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vsm_app.analysis.engine import AnalysisOptions, analyze_window, prepare
from vsm_app.analysis.flow_analytics import (
    DONE,
    NO_STAGE,
    FlowUnits,
    ServiceLevel,
    aging_wip,
    change_units,
    check_wip_limits,
    cumulative_flow,
    cycle_time_scatter,
    occupancy_from_segments,
    wip_limits_of,
)
from vsm_app.analysis.periods import NAT
from vsm_app.analysis.stages import stage_specs
from vsm_app.domain.model import Segment, SegmentKind, Stage, ValueStreamMap
from vsm_app.domain.tables import EVENTS

from .frames import DAY, HOUR, T, change, deployment, tables


def ns(text: str) -> int:
    return int(T(text).value)


# -- which stage a unit is in ----------------------------------------------------------------

def _events(rows: list[dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame({e: [ns(r[e]) if e in r else NAT for r in rows] for e in EVENTS})


def _intervals(occ: pd.DataFrame, unit: int) -> list[tuple[int, int, int]]:
    o = occ[occ["unit"] == unit]
    return list(zip(o["stage"].tolist(), o["entered"].tolist(), o["left"].tolist(), strict=True))


def test_a_change_is_in_the_stage_of_the_open_segment_that_opened_last() -> None:
    specs = stage_specs(None)  # Coding, Review, Merge, CI, Release (software delivery)
    coding, review, merge, ci, release = range(5)
    h = [ns(f"2025-03-03T{k:02d}:00") for k in range(12)]
    rows = [
        # u0: every event; merged and ci_queued at the same instant (05:00)
        {"first_commit": "2025-03-03T00:00", "pr_opened": "2025-03-03T01:00",
         "first_review": "2025-03-03T03:00", "approved": "2025-03-03T04:00",
         "merged": "2025-03-03T05:00", "ci_queued": "2025-03-03T05:00",
         "ci_started": "2025-03-03T06:00", "ci_finished": "2025-03-03T07:00",
         "deploy_started": "2025-03-03T09:00", "deployed": "2025-03-03T10:00"},
        # u1: a direct push still in progress: no pull request, merged, not deployed
        {"first_commit": "2025-03-03T00:00", "merged": "2025-03-03T02:00"},
        # u2: a review "before" the pull request opened (clock skew): that wait never opens
        {"first_commit": "2025-03-03T00:00", "pr_opened": "2025-03-03T02:00",
         "first_review": "2025-03-03T01:00", "approved": "2025-03-03T03:00",
         "merged": "2025-03-03T04:00"},
        # u3: no first commit: never in progress
        {"merged": "2025-03-03T04:00"},
        # u4: a commit pushed straight to the branch: first commit and merge at one instant
        {"first_commit": "2025-03-03T00:00", "merged": "2025-03-03T00:00"},
    ]
    start = np.array([h[0], h[0], h[0], NAT, h[0]])
    finish = np.array([h[10], NAT, h[4], h[4], NAT])
    occ = occupancy_from_segments(_events(rows), specs, start, finish)
    # u0: Review is one stay (wait then active); at 05:00 ci_queued, which comes after merged
    # in a change's life, wins the tie: CI; after the build, merged→deploy_started is still
    # open: back in Release
    assert _intervals(occ, 0) == [(coding, h[0], h[1]), (review, h[1], h[4]),
                                  (merge, h[4], h[5]), (ci, h[5], h[7]),
                                  (release, h[7], h[10])]
    # u1: first_commit→pr_opened never closes, but merged opened later: Release, still there
    assert _intervals(occ, 1) == [(coding, h[0], h[2]), (release, h[2], NAT)]
    # u2: Coding until the review opens the active segment at 01:00, Merge from approved
    assert _intervals(occ, 2) == [(coding, h[0], h[1]), (review, h[1], h[3]),
                                  (merge, h[3], h[4])]
    assert _intervals(occ, 3) == []
    # u4: Coding and Release open at once; merged comes later in a change's life: Release
    assert _intervals(occ, 4) == [(release, h[0], NAT)]


def test_in_progress_in_no_bound_stage_is_no_stage() -> None:
    m = ValueStreamMap()
    m.add_stage(Stage("Review", segments=[Segment("pr_opened", "first_review",
                                                  SegmentKind.WAIT)]))
    rows = [{"first_commit": "2025-03-03T00:00", "pr_opened": "2025-03-03T01:00"}]
    occ = occupancy_from_segments(_events(rows), stage_specs(m), np.array([ns(
        "2025-03-03T00:00")]), np.array([ns("2025-03-03T02:00")]))
    assert _intervals(occ, 0) == [(-1, ns("2025-03-03T00:00"), ns("2025-03-03T01:00")),
                                  (0, ns("2025-03-03T01:00"), ns("2025-03-03T02:00"))]


# -- cycle-time scatter ----------------------------------------------------------------------

def _merged_only_units() -> FlowUnits:
    """Flow times 1, 2, 3, 4 and 10 days (no deployments: finish = merge) and one negative."""
    t = tables(changes=[
        change("a", "2025-01-01T00:00", "2025-01-02T00:00"),
        change("b", "2025-01-01T00:00", "2025-01-03T00:00"),
        change("c", "2025-01-02T00:00", "2025-01-05T00:00"),
        change("d", "2025-01-02T00:00", "2025-01-06T00:00", kind="debt"),
        change("e", "2025-01-01T00:00", "2025-01-11T00:00", kind="defect"),
        change("f", "2025-01-09T00:00", "2025-01-08T00:00"),  # merged before its commit
    ])
    return change_units(prepare(t, None), t.changes)


def test_scatter_points_and_percentile_lines_by_hand() -> None:
    sc = cycle_time_scatter(_merged_only_units())
    # one point per finished change with a flow time, by finish; f has none
    assert sc.points["label"].tolist() == ["sha-a", "sha-b", "sha-c", "sha-d", "sha-e"]
    assert sc.points["flow_time_s"].tolist() == [1 * DAY, 2 * DAY, 3 * DAY, 4 * DAY, 10 * DAY]
    assert sc.points["kind"].tolist() == ["feature", "feature", "feature", "debt", "defect"]
    assert sc.points["finished_at"].iloc[-1] == T("2025-01-11T00:00")
    assert sc.left_out == {"finish_is_upper_bound": 0, "no_flow_time": 1}
    # sorted 1, 2, 3, 4, 10 days: p50 = 3; p85 at rank 0.85·4 = 3.4 → 4 + 0.4·6 = 6.4;
    # p95 at rank 3.8 → 4 + 0.8·6 = 8.8
    assert sc.lines["p50"] == pytest.approx(3 * DAY)
    assert sc.lines["p85"] == pytest.approx(6.4 * DAY)
    assert sc.lines["p95"] == pytest.approx(8.8 * DAY)


def test_scatter_window_keeps_units_finished_inside_it() -> None:
    sc = cycle_time_scatter(_merged_only_units(), since="2025-01-04", until="2025-01-07")
    assert sc.points["label"].tolist() == ["sha-c", "sha-d"]  # finished 01-05 and 01-06
    assert sc.lines["p50"] == pytest.approx(3.5 * DAY)


def test_service_level_expectation_check() -> None:
    sle = ServiceLevel.parse("80% within 4 days")
    assert (sle.share, sle.within_s) == (0.8, 4 * DAY)
    sc = cycle_time_scatter(_merged_only_units(), sle=sle)
    assert sc.sle is not None
    # 1, 2, 3 and exactly 4 days are within 4 days; 10 days is not: 4 of 5 = 80 %: met
    assert (sc.sle.met, sc.sle.units, sc.sle.share_met, sc.sle.ok) == (4, 5, 0.8, True)
    assert sc.sle.beyond["label"].tolist() == ["sha-e"]
    assert sc.sle.sentence == ("80 % of 5 changes finished within 4d (expectation 80 %: met); "
                               "1 took longer.")
    strict = cycle_time_scatter(_merged_only_units(), sle=ServiceLevel.parse("85 % in 3d"))
    assert strict.sle is not None
    assert (strict.sle.met, strict.sle.ok) == (3, False)
    assert strict.sle.beyond["label"].tolist() == ["sha-e", "sha-d"]  # longest first


@pytest.mark.parametrize("text", ["85%", "within 5 days", "150% within 5d", "85% within soon",
                                  "85% within 0s"])
def test_service_level_bad_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        ServiceLevel.parse(text)


def test_a_change_shipped_by_the_first_deployment_gives_no_point() -> None:
    t = tables(changes=[
        change("a", "2025-01-01T00:00", "2025-01-02T00:00", "2025-01-03T00:00", "d1",
               first_deployment=True),
        change("b", "2025-01-02T00:00", "2025-01-03T00:00", "2025-01-05T00:00", "d2"),
    ], deployments=[deployment("d1", "2025-01-03T00:00"), deployment("d2", "2025-01-05T00:00")])
    sc = cycle_time_scatter(change_units(prepare(t, None), t.changes))
    assert sc.points["label"].tolist() == ["sha-b"]
    assert sc.points["flow_time_s"].tolist() == [3 * DAY]
    assert sc.left_out == {"finish_is_upper_bound": 1, "no_flow_time": 0}


# -- aging work in progress ------------------------------------------------------------------

def _pr(pr: str | None = None, review: str | None = None,
        approved: str | None = None) -> dict[str, str | None]:
    return {"pr_opened_at": pr, "first_review_at": review, "approved_at": approved}


def _aging_tables():  # type: ignore[no-untyped-def]
    d = "2025-03-0"
    return tables(changes=[
        # shipped by the first deployment: finished, but no duration anywhere
        change("c1", f"{d}1T00:00", f"{d}2T12:00", f"{d}3T00:00", "d1", first_deployment=True,
               **_pr(f"{d}1T06:00", f"{d}2T00:00", f"{d}2T06:00")),
        # flow 2 d; Coding 12 h, Review 1 d (approved − pr_opened), Release 6 h
        change("c2", f"{d}3T00:00", f"{d}4T18:00", f"{d}5T00:00", "d2",
               **_pr(f"{d}3T12:00", f"{d}4T00:00", f"{d}4T12:00")),
        # flow 3 d; Coding 6 h, Review 2 d, Release 12 h
        change("c3", f"{d}4T00:00", f"{d}6T12:00", f"{d}7T00:00", "d3",
               **_pr(f"{d}4T06:00", f"{d}5T06:00", f"{d}6T06:00")),
        # flow 2 d; Coding 12 h, Review 12 h (approved at its first review), Release 18 h
        change("c4", f"{d}5T00:00", f"{d}6T06:00", f"{d}7T00:00", "d3",
               **_pr(f"{d}5T12:00", f"{d}6T00:00", f"{d}6T00:00")),
        # in progress at 03-10 00:00
        change("o1", f"{d}8T00:00", None, **_pr(f"{d}8T12:00")),
        change("o2", f"{d}9T00:00", f"{d}9T12:00",
               **_pr(f"{d}9T06:00", f"{d}9T08:00", f"{d}9T10:00")),
        change("o3", f"{d}6T00:00", f"{d}7T00:00"),  # a direct push, merged, not deployed
        change("o4", f"{d}9T18:00", None),
        change("o5", "2025-03-11T00:00", None),  # starts after "now"
    ], deployments=[
        deployment("d1", f"{d}3T00:00"),
        deployment("d2", f"{d}5T00:00", started_at=f"{d}4T23:00"),
        deployment("d3", f"{d}7T00:00", started_at=f"{d}6T23:00"),
    ])


def test_aging_ages_stages_and_bands_against_a_fixed_now() -> None:
    t = _aging_tables()
    units = change_units(prepare(t, None), t.changes)
    ag = aging_wip(units, now="2025-03-10T00:00", since="2025-03-01", until="2025-03-10",
                   sle=ServiceLevel.parse("85% within 3 days"), wip_limits={"Release": 1})
    u = ag.units.set_index("label")
    # map order, then oldest first; o5 has not started yet
    assert ag.units["label"].tolist() == ["sha-o4", "sha-o1", "sha-o3", "sha-o2"]
    assert u["stage"].to_dict() == {"sha-o4": "Coding", "sha-o1": "Review",
                                    "sha-o3": "Release", "sha-o2": "Release"}
    assert u["age_s"].to_dict() == {"sha-o4": 6 * HOUR, "sha-o1": 2 * DAY,
                                    "sha-o3": 4 * DAY, "sha-o2": 1 * DAY}
    # in Review since pr_opened 03-08 12:00; o3 in Release since its merge 03-07 00:00
    assert u["stage_age_s"].to_dict() == {"sha-o4": 6 * HOUR, "sha-o1": 1.5 * DAY,
                                          "sha-o3": 3 * DAY, "sha-o2": 12 * HOUR}
    assert u.loc["sha-o1", "stage_entered_at"] == T("2025-03-08T12:00")
    # history over c2, c3, c4 (c1 has no duration): flow 2, 3, 2 days →
    # p50 2 d, p85 2 + 0.7·1 = 2.7 d, p95 2.9 d
    assert ag.flow_time["n"] == 3
    assert ag.flow_time["p85_s"] == pytest.approx(2.7 * DAY)
    assert u["age_band"].to_dict() == {"sha-o4": "<p50", "sha-o1": "<p50",
                                       "sha-o3": ">p95", "sha-o2": "<p50"}
    st = ag.stages.set_index("stage")
    # Review: 1 d, 2 d, 12 h → p50 1 d, p85 1.7 d; Release: 6, 12, 18 h → p50 12 h, p85 16.2 h
    assert st.loc["Review", "p50_s"] == pytest.approx(1 * DAY)
    assert st.loc["Review", "p85_s"] == pytest.approx(1.7 * DAY)
    assert st.loc["Release", "p85_s"] == pytest.approx(16.2 * HOUR)
    assert st.loc["Coding", "p50_s"] == pytest.approx(12 * HOUR)
    # an age equal to a line is below it: o2 has been 12 h in Release, exactly its p50
    assert u["stage_age_band"].to_dict() == {"sha-o4": "<p50", "sha-o1": "p50–p85",
                                             "sha-o3": ">p95", "sha-o2": "<p50"}
    assert st["wip"].to_dict() == {"Coding": 1, "Review": 1, "Merge": 0, "CI": 0, "Release": 2}
    assert st.loc["Release", "past_p85"] == 1  # o3
    assert bool(st.loc["Release", "over_limit"]) and st.loc["Release", "wip_limit"] == 1
    assert not st["over_limit"].drop("Release").any()
    # 4 days > 3 days: o3 can no longer finish within the SLE
    assert u["past_sle"].to_dict() == {"sha-o4": False, "sha-o1": False, "sha-o3": True,
                                       "sha-o2": False}


def test_aging_now_defaults_to_until_else_the_end_of_the_data() -> None:
    t = _aging_tables()
    units = change_units(prepare(t, None), t.changes)
    # the window (delivery data) ends at the midnight after the last deployment, 03-08; the
    # data go on: o5 starts 03-11 00:00, so "now" is the midnight after, 03-12
    assert units.window()[1] == ns("2025-03-08T00:00")
    ag = aging_wip(units)
    assert ag.now == ns("2025-03-12T00:00")
    assert sorted(ag.units["label"]) == ["sha-o1", "sha-o2", "sha-o3", "sha-o4", "sha-o5"]
    # with until, now is until: at 03-08 00:00 o3 (since 03-06) and o1, which starts then
    ag = aging_wip(units, until="2025-03-08")
    assert ag.now == ns("2025-03-08T00:00")
    assert sorted(ag.units["label"]) == ["sha-o1", "sha-o3"]
    assert ag.units.set_index("label").loc["sha-o1", "age_s"] == 0.0


# -- cumulative flow diagram -----------------------------------------------------------------

def _item_units() -> FlowUnits:
    """Work items (not changes) in three stages, built by hand as issue 18 will build them."""
    stages = ["Analysis", "Build", "Test"]
    a, b, te, none = 0, 1, 2, -1
    occ = [  # (unit, stage, entered, left)
        (0, a, "05-01T10", "05-02T10"), (0, b, "05-02T10", "05-03T12"),
        (0, te, "05-03T12", "05-04T08"),
        (1, a, "05-01T20", "05-03T01"), (1, b, "05-03T01", None),
        (2, b, "04-29T00", "05-01T12"), (2, te, "05-01T12", "05-02T00"),
        (3, none, "05-04T05", "05-05T01"), (3, a, "05-05T01", "05-05T06"),
        (4, a, "04-28T00", "04-30T00"),
        (5, te, "05-05T23", None),
    ]
    started = ["05-01T10", "05-01T20", "04-29T00", "05-04T05", "04-28T00", "05-05T23"]
    finished = ["05-04T08", None, "05-02T00", "05-05T06", "04-30T00", None]

    def t(x: str | None) -> pd.Timestamp:
        return T(None if x is None else f"2025-{x}")

    units = pd.DataFrame({
        "unit_id": [f"i{k}" for k in range(6)], "label": [f"ITEM-{k}" for k in range(6)],
        "kind": "feature", "started_at": [t(x) for x in started],
        "finished_at": [t(x) for x in finished], "flow_time_s": np.nan,
        "finish_is_upper_bound": False})
    frame = pd.DataFrame({
        "unit": [o[0] for o in occ], "stage": [o[1] for o in occ],
        "entered": [int(t(o[2]).value) for o in occ],
        "left": [NAT if o[3] is None else int(t(o[3]).value) for o in occ]})
    return FlowUnits(units, stages, [True] * 3, np.full((6, 3), np.nan), frame, noun="items")


def test_cfd_bands_equal_the_counts_by_stage_at_the_end_of_each_day() -> None:
    cfd = cumulative_flow(_item_units(), since="2025-05-01", until="2025-05-06")
    days = pd.date_range("2025-05-01", periods=5, freq="D", tz="UTC").as_unit("ns")
    # counted by hand at 24:00 of each day (see _item_units): ITEM-2 finishes exactly at the
    # first sample, so it is done there, not in Test; ITEM-3 is in no stage at 05-05 00:00
    expected = pd.DataFrame({
        "Analysis": [2, 1, 0, 0, 0],
        "Build": [0, 1, 1, 1, 1],
        "Test": [0, 0, 1, 0, 1],
        NO_STAGE: [0, 0, 0, 1, 0],
        DONE: [1, 1, 1, 2, 3],
    }, index=days)
    pd.testing.assert_frame_equal(cfd.bands, expected, check_dtype=False, check_freq=False)
    assert cfd.wip.tolist() == [2, 2, 2, 2, 2]
    assert cfd.arrivals.tolist() == [3, 3, 3, 4, 5]  # Done + in progress
    # started in the window: items 0, 1, 3, 5; finished: 2, 0, 3 → per day over 5 days
    assert (cfd.started, cfd.finished) == (4, 3)
    assert cfd.arrival_rate_per_day == pytest.approx(0.8)
    assert cfd.departure_rate_per_day == pytest.approx(0.6)
    assert cfd.wip_mean == 2.0
    assert cfd.cycle_time_days == pytest.approx(2 / 0.6)
    # rate lines from the window's start: ITEM-2 was in progress then
    lines = cfd.rate_lines()
    assert cfd.wip_at_start == 1
    assert lines["arrivals"].tolist() == pytest.approx([1.8, 2.6, 3.4, 4.2, 5.0])
    assert lines["departures"].tolist() == pytest.approx([0.6, 1.2, 1.8, 2.4, 3.0])


def test_cfd_leaves_out_the_no_stage_band_when_it_is_always_empty() -> None:
    cfd = cumulative_flow(_item_units(), since="2025-05-01", until="2025-05-03")
    assert list(cfd.bands.columns) == ["Analysis", "Build", "Test", DONE]


def _random_tables(n: int = 400, seed: int = 3):  # type: ignore[no-untyped-def]
    """Changes with pull requests, some deployed, some in progress (for the cross-checks)."""
    rng = np.random.default_rng(seed)
    t0 = T("2025-01-01").value
    s = 1_000_000_000
    first = t0 + np.sort(rng.integers(0, 120 * 86_400, n)) * s
    pr = first + rng.integers(600, 3 * 86_400, n) * s
    review = pr + rng.integers(0, 2 * 86_400, n) * s
    approved = review + rng.integers(0, 86_400, n) * s
    merged = approved + rng.integers(60, 43_200, n) * s
    deps = t0 + np.arange(0, 130 * 86_400, 2 * 86_400) * s + 13 * 3600 * s
    ship = np.searchsorted(deps, merged)
    deployed = np.where(ship < len(deps), deps[np.minimum(ship, len(deps) - 1)], NAT)

    def iso(v: np.ndarray) -> list[str | None]:
        return [None if x == NAT else pd.Timestamp(int(x), tz="UTC").isoformat() for x in v]

    first_dep = (ship == ship.min()) & (ship < len(deps))
    rows = [change(f"c{k}", f, m, d, f"d{sh}" if d else None, pr_opened_at=p,
                   first_review_at=r, approved_at=a, first_deployment=bool(fd))
            for k, (f, m, d, p, r, a, sh, fd) in enumerate(zip(
                iso(first), iso(merged), iso(deployed), iso(pr), iso(review), iso(approved),
                ship, first_dep, strict=True))]
    dep_rows = [deployment(f"d{k}", pd.Timestamp(int(x), tz="UTC").isoformat())
                for k, x in enumerate(deps)]
    return tables(changes=rows, deployments=dep_rows)


def test_cfd_agrees_with_the_engines_load_and_littles_law() -> None:
    t = _random_tables()
    prepared = prepare(t, None)
    result = analyze_window(prepared, AnalysisOptions())
    units = change_units(prepared, t.changes)
    cfd = cumulative_flow(units)
    little = result.flow.littles_law
    # same samples, same rule: the stage bands add up to the engine's daily load
    pd.testing.assert_series_equal(cfd.wip, result.wip_daily, check_names=False,
                                   check_freq=False)
    assert cfd.bands[cfd.stage_columns].sum(axis=1).tolist() == cfd.wip.tolist()
    assert cfd.wip_mean == pytest.approx(result.flow.load_mean, rel=1e-12)
    assert cfd.departure_rate_per_day == pytest.approx(little.velocity_per_day, rel=1e-12)
    assert cfd.finished == result.changes
    # cycle time read from the CFD = load ÷ departure rate; against the mean flow time W,
    # the difference is Little's-law gap ÷ λ
    lam = little.velocity_per_day
    assert cfd.cycle_time_days == pytest.approx(little.load_mean / lam, rel=1e-12)
    assert cfd.cycle_time_days - little.flow_time_mean_days == pytest.approx(
        little.gap / lam, rel=1e-9)
    # aging at the last sample: the same units, in the same stages
    ag = aging_wip(units, now=cfd.window[1])
    assert len(ag.units) == cfd.wip.iloc[-1]
    last = cfd.bands.iloc[-1]
    for row in ag.stages.itertuples():
        assert row.wip == last.get(row.stage, 0)


# -- WIP limits ------------------------------------------------------------------------------

def test_wip_limits_breaches_and_the_link_to_the_constraint() -> None:
    cfd = cumulative_flow(_item_units(), since="2025-05-01", until="2025-05-06")
    checks = check_wip_limits(cfd, {"Test": 1, "Analysis": 1, "Deploy": 2},
                              constraint="Analysis", constraint_wait_share=0.28)
    by = {c.stage: c for c in checks}
    assert [c.stage for c in checks] == ["Analysis", "Test", "Deploy"]  # map order first
    # Analysis held 2, 1, 0, 0, 0: above 1 on the first day only
    a = by["Analysis"]
    assert (a.days_over, a.days_measured, a.max_wip) == (1, 5, 2)
    assert list(a.breach_days) == [T("2025-05-01")]
    assert a.sentence == ("Analysis exceeded its limit of 1 on 1 of 5 days; it is the "
                          "constraint (28 % of flow time is spent waiting there).")
    # Test held 0, 0, 1, 0, 1: exactly the limit is within it
    assert by["Test"].days_over == 0
    assert by["Test"].sentence == "Test stayed within its limit of 1 on all 5 days."
    assert not by["Deploy"].measured
    assert "not bound to data" in by["Deploy"].sentence
    unbound = check_wip_limits(cfd, {"Test": 1}, bound={"Test": False})
    assert not unbound[0].measured and unbound[0].days_measured == 0


def test_wip_limits_of_a_map_use_the_analysis_stage_names() -> None:
    m = ValueStreamMap()
    m.add_stage(Stage("Review", wip_limit=4))
    m.add_stage(Stage("Build"))
    m.add_stage(Stage("Review", wip_limit=2))  # a second stage of the same name
    assert wip_limits_of(m) == {"Review": 4, "Review (2)": 2}
    assert wip_limits_of(None) == {}


def test_flow_units_refuse_a_malformed_frame() -> None:
    units = _item_units()
    with pytest.raises(ValueError, match="lacks column"):
        FlowUnits(units.units.drop(columns="label"), units.stages, units.bound,
                  units.stage_time_s, units.occupancy)
    with pytest.raises(ValueError, match="stage_time_s"):
        FlowUnits(units.units, units.stages, units.bound, np.zeros((2, 2)), units.occupancy)


def test_ages_are_seconds_of_calendar_time() -> None:
    units = _item_units()
    ag = aging_wip(units, now="2025-05-06T00:00", since="2025-05-01", until="2025-05-06")
    u = ag.units.set_index("label")
    # ITEM-1 started 05-01 20:00 and entered Build 05-03 01:00; ITEM-5 entered Test 05-05 23:00
    assert u.loc["ITEM-1", "age_s"] == (4 * DAY + 4 * HOUR)
    assert u.loc["ITEM-1", "stage_age_s"] == (2 * DAY + 23 * HOUR)
    assert u.loc["ITEM-5", "stage_age_s"] == 1 * HOUR
    assert ag.units["stage"].tolist() == ["Build", "Test"]
    assert ag.now == T("2025-05-06").value


def test_aging_history_of_a_stage_is_its_stays_even_where_its_wait_never_closes() -> None:
    # tag-only releases: the tags give no deploy start, so §4's Release wait (merged →
    # deploy_started) is never measured; the stay merged → deployed is. Release stays:
    # a 1 d (03-02 → 03-03), b 2 d (03-03 → 03-05), c 1.5 d (03-03 12:00 → 03-05)
    d = "2025-03-0"
    t = tables(changes=[
        change("a", f"{d}1T00:00", f"{d}2T00:00", f"{d}3T00:00", "d1"),
        change("b", f"{d}2T00:00", f"{d}3T00:00", f"{d}5T00:00", "d2"),
        change("c", f"{d}3T00:00", f"{d}3T12:00", f"{d}5T00:00", "d2"),
        change("open", f"{d}5T00:00", f"{d}6T00:00"),  # merged 03-06, not released yet
    ], deployments=[deployment("d1", f"{d}3T00:00", tag="v1"),
                    deployment("d2", f"{d}5T00:00", tag="v2")])
    units = change_units(prepare(t, None), t.changes)
    release = units.stages.index("Release")
    assert np.isnan(units.stage_time_s[:3, release]).all()  # the gap the stays close
    ag = aging_wip(units, now="2025-03-08T00:00", since="2025-03-01", until="2025-03-06")
    st = ag.stages.set_index("stage")
    # 1, 1.5, 2 days → p50 1.5 d, p85 1.5 + 0.7·0.5 = 1.85 d, p95 1.95 d
    assert st.loc["Release", "n"] == 3
    assert st.loc["Release", "p50_s"] == pytest.approx(1.5 * DAY)
    assert st.loc["Release", "p85_s"] == pytest.approx(1.85 * DAY)
    assert st.loc["Release", "p95_s"] == pytest.approx(1.95 * DAY)
    # the open change has been in Release 2 days (since its merge 03-06): above p95
    u = ag.units.set_index("label")
    assert u.loc["sha-open", "stage"] == "Release"
    assert u.loc["sha-open", "stage_age_s"] == 2 * DAY
    assert u.loc["sha-open", "stage_age_band"] == ">p95"
    assert st.loc["Release", "past_p85"] == 1


def test_a_bound_stage_no_unit_ever_entered_is_not_measured_for_its_wip_limit() -> None:
    # git only: no pull request is read, so no change is ever in Review (pr_opened → …);
    # its band is 0 every day, which is not "within its limit" but not measured
    from vsm_app.analysis.flow_analytics import measured_stages

    d = "2025-03-0"
    t = tables(changes=[change("a", f"{d}1T00:00", f"{d}3T00:00"),
                        change("b", f"{d}2T00:00", f"{d}4T00:00")])
    units = change_units(prepare(t, None), t.changes)
    seen = measured_stages(units)
    assert seen["Coding"] and not seen["Review"]
    cfd = cumulative_flow(units, "2025-03-01", "2025-03-04")
    (review,) = check_wip_limits(cfd, {"Review": 4}, seen)
    assert not review.measured and review.days_measured == 0
    assert "no unit in the data ever entered it" in review.sentence
    (coding,) = check_wip_limits(cfd, {"Coding": 1}, seen)
    # Coding at the end of 1 Mar: a, and b, which starts at that instant (2 Mar 00:00): 2;
    # end of 2 Mar: b (a merged at that instant); end of 3 Mar: none → 1 day of 3 above 1
    assert coding.measured and coding.days_over == 1 and coding.days_measured == 3
