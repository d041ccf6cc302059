"""Leading indicators on a small stream whose values are worked out by hand.

The stream (all times UTC, January 2025; W01 starts Mon 30 Dec, W02 Mon 6 Jan, W03 Mon 13 Jan):

====  ============  =========  ============  =========  ========  ===========  =====
chg   first commit  PR opened  first review  approved   merged    deployed     lines
====  ============  =========  ============  =========  ========  ===========  =====
c0    30 Dec 09:00  —          —             —          02 09:00  03 10:00 d0  1000
c1    06 09:00      06 10:00   06 12:00      06 13:00   06 14:00  07 10:00 d1  10
c2    07 09:00      07 10:00   07 14:00      07 17:00   07 18:00  09 10:00 d2  30
c3    08 09:00      08 09:30   08 15:30      —          08 19:30  09 10:00 d2  50
c4    13 09:00      13 10:00   13 09:00 (!)  13 11:00   13 12:00  —            (commit: 70+20)
====  ============  =========  ============  =========  ========  ===========  =====

d0 is the first deployment (it ships c0); d3 failed; d4 redeployed and shipped nothing.
"""

from __future__ import annotations

import time
from datetime import date

import numpy as np
import pandas as pd
import pytest

from vsm_app.analysis.indicators import (
    INDICATORS,
    change_sizes,
    indicator_samples,
    indicator_series,
    item_progress,
)
from vsm_app.domain.improvement import LEADING_INDICATORS, ImprovementItem, IndicatorTarget
from vsm_app.domain.tables import Tables, conform

H = 3600.0
NaT = None


def t(s: str | None) -> pd.Timestamp | None:
    return None if s is None else pd.Timestamp(f"2025-01-{s}" if len(s) < 9 else s, tz="UTC")


def stream() -> Tables:
    changes = conform(pd.DataFrame({
        "change_id": ["c0", "c1", "c2", "c3", "c4"],
        "merge_sha": ["s0", "s1", "s2", "s3", "s4"],
        "first_commit_at": [t("2024-12-30 09:00"), t("06 09:00"), t("07 09:00"),
                            t("08 09:00"), t("13 09:00")],
        "pr_opened_at": [NaT, t("06 10:00"), t("07 10:00"), t("08 09:30"), t("13 10:00")],
        "first_review_at": [NaT, t("06 12:00"), t("07 14:00"), t("08 15:30"), t("13 09:00")],
        "approved_at": [NaT, t("06 13:00"), t("07 17:00"), NaT, t("13 11:00")],
        "merged_at": [t("02 09:00"), t("06 14:00"), t("07 18:00"), t("08 19:30"),
                      t("13 12:00")],
        "deployed_at": [t("03 10:00"), t("07 10:00"), t("09 10:00"), t("09 10:00"), NaT],
        "deployment_id": ["d0", "d1", "d2", "d2", None],
        "first_deployment": [True, False, False, False, False],
        "lines_changed": pd.array([1000, 10, 30, 50, None], dtype="Int64"),
    }), "changes")
    commits = conform(pd.DataFrame({
        "sha": ["s1", "s4"],
        "insertions": pd.array([999, 70], dtype="Int64"),
        "deletions": pd.array([999, 20], dtype="Int64"),
    }), "commits")
    runs = conform(pd.DataFrame({
        "run_id": ["r1", "r2", "r3", "r4", "r5"],
        "queued_at": [t("06 14:00"), t("07 18:00"), NaT, t("13 12:00"), t("14 12:00")],
        "started_at": [t("06 14:05"), t("07 18:10"), t("08 20:00"), t("13 12:01"),
                       t("14 11:00")],
    }), "ci_runs")
    deployments = conform(pd.DataFrame({
        "deployment_id": ["d0", "d1", "d2", "d3", "d4"],
        "status": ["success", "success", "success", "failure", "success"],
        "started_at": [t("03 09:50"), t("07 09:50"), t("09 09:50"), t("10 09:50"),
                       t("10 11:50")],
        "finished_at": [t("03 10:00"), t("07 10:00"), t("09 10:00"), t("10 10:00"),
                        t("10 12:00")],
    }), "deployments")
    return Tables(commits=commits, changes=changes, ci_runs=runs, deployments=deployments)


def weekly(indicator: str, since: str = "2025-01-06", until: str = "2025-01-20") -> pd.DataFrame:
    return indicator_series(stream(), indicator, since, "week", until=until)


def test_registry_matches_the_domain_vocabulary() -> None:
    assert set(INDICATORS) == set(LEADING_INDICATORS)
    for key, spec in INDICATORS.items():
        assert spec.better == LEADING_INDICATORS[key]
        assert spec.aggregate in ("mean", "median") and spec.formula


def test_series_shape() -> None:
    s = weekly("pr_size")
    assert list(s.columns) == ["period_start", "value", "n"]
    assert list(s["period_start"]) == [pd.Timestamp("2025-01-06", tz="UTC"),
                                       pd.Timestamp("2025-01-13", tz="UTC")]


def test_pr_size_average_lines() -> None:
    s = weekly("pr_size")
    # W02: PRs of 10, 30 and 50 lines → 30; W03: c4 has no lines_changed, its commit 70 + 20
    assert list(s["value"]) == [30.0, 90.0]
    assert list(s["n"]) == [3, 1]
    # W01 holds c0 (1000 lines); the whole of January: (1000 + 10 + 30 + 50 + 90) / 5 = 236
    assert indicator_series(stream(), "pr_size", "2025-01-01", "month",
                            until="2025-02-01")["value"].tolist() == [236.0]


def test_change_sizes_by_change_id_when_commits_carry_it() -> None:
    tb = stream()
    tb.commits = pd.DataFrame({"sha": ["a", "b", "c"], "change_id": ["c4", "c4", "c1"],
                               "insertions": [70, 5, 1], "deletions": [20, 5, 1]})
    sizes = change_sizes(tb)
    assert sizes.tolist()[:4] == [1000.0, 10.0, 30.0, 50.0]  # lines_changed wins
    assert sizes.iloc[4] == 100.0  # 70 + 20 + 5 + 5


def test_time_to_first_review_median() -> None:
    s = weekly("time_to_first_review")
    # W02: 2 h, 4 h, 6 h → median 4 h; W03: c4 reviewed before its PR opened → left out
    assert s["value"].iloc[0] == 4 * H and s["n"].iloc[0] == 3
    assert np.isnan(s["value"].iloc[1]) and s["n"].iloc[1] == 0


def test_review_time_first_review_to_approval_or_open_to_merge() -> None:
    s = weekly("review_time")
    # W02: c1 1 h, c2 3 h (first review → approval), c3 never approved: opened 09:30 →
    # merged 19:30 = 10 h; median 3 h. W03: c4 09:00 → 11:00 = 2 h.
    assert s["value"].tolist() == [3 * H, 2 * H]
    samples = indicator_samples(stream(), "review_time", "2025-01-06", "2025-01-13")
    assert sorted(samples["value"]) == [1 * H, 3 * H, 10 * H]
    assert samples["at"].iloc[2] == pd.Timestamp("2025-01-08 19:30", tz="UTC")


def test_ci_queue_time_only_where_queued() -> None:
    s = weekly("ci_queue_time")
    # W02: 5 min and 10 min → 7.5 min (r3 has no queue time); W03: 1 min (r5 is negative)
    assert s["value"].tolist() == [450.0, 60.0]
    assert s["n"].tolist() == [2, 1]


def test_batch_size_per_successful_deployment() -> None:
    s = indicator_series(stream(), "batch_size", "2025-01-01", "week", until="2025-01-20")
    # W01: d0 is the first deployment → left out; W02: d1 ships 1, d2 ships 2 → 1.5
    # (d3 failed, d4 shipped nothing); W03: no deployment
    assert s["n"].tolist() == [0, 2, 0]
    assert np.isnan(s["value"].iloc[0]) and s["value"].iloc[1] == 1.5


def test_wip_sampled_daily_mean_per_week() -> None:
    s = weekly("wip")
    # ends of 6..12 Jan: c1 | c2 | c2 c3 | – | – | – | –  → (1 + 1 + 2) / 7
    # ends of 13..19 Jan: c4 started, never deployed → 1 every day
    assert s["value"].iloc[0] == pytest.approx(4 / 7)
    assert s["value"].iloc[1] == 1.0
    assert s["n"].tolist() == [7, 7]
    daily = indicator_series(stream(), "wip", "2025-01-06", "day", until="2025-01-10")
    assert daily["value"].tolist() == [1.0, 1.0, 2.0, 0.0]


def test_wip_uses_merge_without_deployment_data() -> None:
    tb = stream()
    tb.deployments = tb.deployments.iloc[0:0]
    tb.changes = tb.changes.assign(deployed_at=pd.Series(pd.NaT, index=tb.changes.index,
                                                         dtype="datetime64[ns, UTC]"))
    # finish = merge. Ends of 6..8 Jan: c1 merged 06 14:00 → 0; c2 07 09:00–18:00 → 0;
    # c3 08 09:00–19:30 → 0. 13 Jan: c4 merged 12:00 → 0. Nothing spans a midnight.
    daily = indicator_series(tb, "wip", "2025-01-06", "day", until="2025-01-09")
    assert daily["value"].tolist() == [0.0, 0.0, 0.0]
    # move c3's merge to the next morning: open at the end of 8 Jan
    tb.changes.loc[3, "merged_at"] = pd.Timestamp("2025-01-09 08:00", tz="UTC")
    daily = indicator_series(tb, "wip", "2025-01-06", "day", until="2025-01-10")
    assert daily["value"].tolist() == [0.0, 0.0, 1.0, 0.0]


def test_wip_matches_the_flow_load_of_the_engine() -> None:
    from vsm_app.analysis.engine import AnalysisOptions, analyze

    tb = stream()
    since, until = pd.Timestamp("2025-01-06", tz="UTC"), pd.Timestamp("2025-01-20", tz="UTC")
    load = analyze(tb, None, AnalysisOptions(since=since, until=until)).to_json()["flow"][
        "load_mean"]
    # 14 days: four open at day ends in W02 (1 + 1 + 2), then c4 for 7 days → 11 / 14
    assert load == pytest.approx(11 / 14)
    s = indicator_samples(tb, "wip", since, until)
    assert s["value"].mean() == pytest.approx(load)


def test_default_until_is_the_end_of_the_latest_day() -> None:
    s = indicator_series(stream(), "ci_queue_time", "2025-01-06")
    # latest record: r5 on 14 Jan → periods W02 and W03
    assert len(s) == 2 and s["value"].tolist() == [450.0, 60.0]


def test_unknown_indicator_and_period() -> None:
    with pytest.raises(ValueError, match="^indicator: unknown indicator 'loc'"):
        indicator_series(stream(), "loc", "2025-01-06")
    with pytest.raises(ValueError, match="period must be one of"):
        indicator_series(stream(), "wip", "2025-01-06", "quarter")


def test_item_progress_since_the_item_started() -> None:
    item = ImprovementItem("Smaller PRs", start=date(2025, 1, 6),
                           indicators=[IndicatorTarget("pr_size", 40),
                                       IndicatorTarget("ci_queue_time", 500)])
    pr, ci = item_progress(item, stream(), until="2025-01-20")
    assert (pr.first, pr.latest, pr.reached) == (30.0, 90.0, False)
    assert (ci.first, ci.latest, ci.reached) == (450.0, 60.0, True)
    d = pr.to_dict()
    assert d["target"] == 40 and d["series"][0] == {
        "period_start": "2025-01-06T00:00:00+00:00", "value": 30.0, "n": 3}
    with pytest.raises(ValueError, match="^start: "):
        item_progress(ImprovementItem("no start", indicators=[IndicatorTarget("wip", 3)]),
                      stream())


def test_wip_is_vectorised_on_a_large_stream() -> None:
    rng = np.random.default_rng(7)
    n = 200_000
    start = pd.Timestamp("2024-01-01", tz="UTC").value + rng.integers(0, 365 * 86_400, n) * 10**9
    finish = start + rng.integers(3600, 30 * 86_400, n) * 10**9
    tb = Tables(changes=conform(pd.DataFrame({
        "change_id": np.arange(n).astype(str),
        "first_commit_at": pd.to_datetime(start, utc=True),
        "merged_at": pd.to_datetime(finish, utc=True)}), "changes"))
    t0 = time.perf_counter()
    s = indicator_series(tb, "wip", "2024-01-01", "week", until="2025-01-01")
    assert time.perf_counter() - t0 < 2.0
    # steady state: arrivals ≈ n / 365 a day, mean stay ≈ 15 days → WIP ≈ 8200 mid-year
    assert 7000 < s["value"].iloc[26] < 9500
