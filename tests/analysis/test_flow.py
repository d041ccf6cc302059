"""Flow metrics through the engine, on hand-made changes with hand-derived values."""

from __future__ import annotations

import pytest

from vsm_app.analysis.engine import AnalysisOptions, analyze

from .frames import DAY, HOUR, T, change, deployment, tables


def _opts(since: str, until: str, period: str = "week") -> AnalysisOptions:
    return AnalysisOptions(since=T(since), until=T(until), period=period)


def test_load_on_a_day_with_three_open_changes_is_three():
    t = tables(changes=[
        change("c1", "2025-01-06 10:00", merged="2025-01-08 10:00"),
        change("c2", "2025-01-06 12:00", merged="2025-01-07 09:00"),
        change("c3", "2025-01-06 23:00", merged="2025-01-09 00:00"),
        change("c4", "2025-01-06 08:00", merged="2025-01-06 18:00"),  # done before midnight
    ])
    r = analyze(t, None, _opts("2025-01-06", "2025-01-08", "day"))
    # sampled at the end of each UTC day: 06th → c1, c2, c3 open; 07th → c1, c3
    assert list(r.wip_daily) == [3, 2]
    assert r.wip_daily.index[0] == T("2025-01-06")
    assert r.flow.load_mean == 2.5
    assert list(r.flow_by_period["load_mean"]) == [3.0, 2.0]


def test_velocity_per_iso_week_counts_sunday_night_in_the_week_it_ends():
    t = tables(changes=[
        change("a", "2025-01-06 00:00", merged="2025-01-06 00:00"),  # Monday, W02
        change("b", "2025-01-10 00:00", merged="2025-01-12 23:59:59"),  # Sunday, W02
        change("c", "2025-01-12 00:00", merged="2025-01-13 00:00"),  # Monday, W03
    ])
    r = analyze(t, None, _opts("2025-01-06", "2025-01-20"))
    assert list(r.periods["label"]) == ["2025-W02", "2025-W03"]
    assert list(r.flow_by_period["velocity"]) == [2, 1]
    assert r.flow.velocity_per_week == 1.5  # 3 changes over a two-week window
    assert r.periods.index[0] == T("2025-01-06")  # weeks start Monday 00:00 UTC


def test_efficiency_is_active_over_flow_time_of_finished_changes():
    t = tables(changes=[
        # coding 2 h (active), review wait 4 h, review 1 h (active), merge wait 1 h → 8 h
        change("c1", "2025-01-06 00:00", merged="2025-01-06 08:00",
               pr_opened_at="2025-01-06 02:00", first_review_at="2025-01-06 06:00",
               approved_at="2025-01-06 07:00"),
        # coding 4 h (active), no review data, 10 h of flow time
        change("c2", "2025-01-06 00:00", merged="2025-01-06 10:00",
               pr_opened_at="2025-01-06 04:00"),
    ])
    r = analyze(t, None, _opts("2025-01-06", "2025-01-13"))
    assert r.flow.efficiency == pytest.approx((2 + 1 + 4) / (8 + 10))
    assert r.flow.flow_time_median_s == 9 * HOUR
    assert r.flow_by_period["efficiency"].iloc[0] == pytest.approx(7 / 18)


def test_efficiency_is_none_with_a_reason_when_nothing_active_is_measured():
    t = tables(changes=[change("c1", "2025-01-06 00:00", merged="2025-01-06 08:00")])
    r = analyze(t, None, _opts("2025-01-06", "2025-01-13"))
    assert r.flow.efficiency is None
    assert "active" in r.flow.reasons["efficiency"]


def test_distribution_is_share_of_finished_changes_per_kind():
    t = tables(changes=[
        change("a", "2025-01-06", merged="2025-01-07", kind="feature"),
        change("b", "2025-01-06", merged="2025-01-07", kind="defect"),
        change("c", "2025-01-06", merged="2025-01-07", kind="defect"),
        change("d", "2025-01-06", merged="2025-01-07", kind="debt"),
        change("e", "2025-01-06", merged="2025-01-20", kind="risk"),  # outside the window
    ])
    r = analyze(t, None, _opts("2025-01-06", "2025-01-13"))
    assert r.flow.distribution == {"feature": 0.25, "defect": 0.5, "debt": 0.25, "risk": 0.0}


def test_littles_law_compares_mean_load_with_velocity_times_flow_time():
    t = tables(changes=[
        change("c1", "2025-01-01 00:00", merged="2025-01-06 00:00"),  # 5 days
        change("c2", "2025-01-06 00:00", merged="2025-01-10 12:00"),  # 4.5 days
    ])
    r = analyze(t, None, _opts("2025-01-01", "2025-01-11", "day"))
    ll = r.flow.littles_law
    # samples at the ends of 10 days: c1 open on 4 of them, c2 on 5 → 9 / 10
    assert ll.load_mean == pytest.approx(0.9)
    assert ll.velocity_per_day == pytest.approx(0.2)  # 2 changes / 10 days
    assert ll.flow_time_mean_days == pytest.approx(4.75)
    assert ll.predicted_load == pytest.approx(0.95)
    assert ll.gap == pytest.approx(-0.05)


def test_flow_time_ends_at_deployment_when_deployment_data_exists():
    t = tables(
        changes=[
            change("c1", "2025-01-06 00:00", merged="2025-01-06 12:00",
                   deployed="2025-01-07 00:00", dep="d1"),
            change("c2", "2025-01-06 00:00", merged="2025-01-06 12:00"),  # not shipped yet
        ],
        deployments=[deployment("d1", "2025-01-07 00:00")])
    r = analyze(t, None, _opts("2025-01-06", "2025-01-13"))
    assert r.changes == 1  # c2 is still in progress
    assert r.flow.flow_time_median_s == DAY
    assert r.flow.finish_basis == "deployed_at"
    assert r.data_quality.count("changes_unfinished") == 1


def test_changes_of_the_first_deployment_have_no_flow_time():
    t = tables(
        changes=[
            change("old", "2024-06-01 00:00", merged="2024-06-01 01:00",
                   deployed="2025-01-06 00:00", dep="d1", first_deployment=True),
            change("c1", "2025-01-06 00:00", merged="2025-01-06 01:00",
                   deployed="2025-01-07 00:00", dep="d2"),
        ],
        deployments=[deployment("d1", "2025-01-06 00:00"), deployment("d2", "2025-01-07 00:00")])
    r = analyze(t, None, _opts("2025-01-06", "2025-01-13"))
    assert r.flow.velocity_per_week == 2.0  # both finished in the window
    assert r.flow.flow_time_median_s == DAY  # the old change's 7 months are left out
    assert r.dora.lead_time_median_s == DAY
