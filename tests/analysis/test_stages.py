"""Stage intervals from bindings: medians, p85, missing events, negative spans, shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vsm_app.analysis.periods import NAT, to_ns
from vsm_app.analysis.stages import (
    MISSING,
    NEGATIVE,
    OK,
    col,
    stage_durations,
    stage_specs,
    stage_summary,
    stages_by_period,
)
from vsm_app.domain.model import Segment, SegmentKind, Stage, ValueStreamMap

from .frames import MIN, T

W, A = SegmentKind.WAIT, SegmentKind.ACTIVE


def _matrix(rows: dict[str, list[str | None]]) -> pd.DataFrame:
    return pd.DataFrame({k: to_ns([T(v) for v in vals]) for k, vals in rows.items()})


def _one_stage_map(*segments: Segment) -> ValueStreamMap:
    m = ValueStreamMap("m")
    m.add_stage(Stage("Review", segments=list(segments)))
    return m


def test_two_changes_of_5_and_10_minutes_have_median_7_5_minutes():
    specs = stage_specs(_one_stage_map(Segment("pr_opened", "first_review", W)))
    mat = _matrix({"pr_opened": ["2025-01-06 10:00", "2025-01-06 11:00"],
                   "first_review": ["2025-01-06 10:05", "2025-01-06 11:10"]})
    dur = stage_durations(mat, specs)
    everyone = np.ones(2, dtype=bool)
    s = stage_summary(dur, everyone, np.array([600.0, 600.0])).iloc[0]
    assert s["wait_count"] == 2
    assert s["wait_median_s"] == 7.5 * MIN  # interpolated median of 5 and 10 min
    # p85 by linear interpolation: 5 + 0.85 × (10 − 5) = 9.25 min
    assert s["wait_p85_s"] == pytest.approx(9.25 * MIN)


def test_missing_event_is_nat_not_zero_and_counted_as_missing():
    specs = stage_specs(_one_stage_map(Segment("pr_opened", "first_review", W)))
    mat = _matrix({"pr_opened": ["2025-01-06 10:00", "2025-01-06 11:00", None],
                   "first_review": ["2025-01-06 10:05", None, "2025-01-06 12:00"]})
    dur = stage_durations(mat, specs)
    assert mat.loc[1, "first_review"] == NAT
    assert np.isnan(dur.values[col(0, "wait")].iloc[1])  # never 0
    assert list(dur.status[col(0, "wait")]) == [OK, MISSING, MISSING]
    s = stage_summary(dur, np.ones(3, dtype=bool), np.full(3, 3600.0)).iloc[0]
    assert (s["wait_count"], s["wait_missing"]) == (1, 2)
    assert s["wait_median_s"] == 5 * MIN  # the missing ones are not zeros in the median


def test_negative_span_is_excluded_and_counted():
    specs = stage_specs(_one_stage_map(Segment("pr_opened", "first_review", W)))
    # a review 30 minutes before the PR opened (clock skew)
    mat = _matrix({"pr_opened": ["2025-01-06 10:00", "2025-01-06 11:00"],
                   "first_review": ["2025-01-06 10:20", "2025-01-06 10:30"]})
    dur = stage_durations(mat, specs)
    assert list(dur.status[col(0, "wait")]) == [OK, NEGATIVE]
    s = stage_summary(dur, np.ones(2, dtype=bool), np.full(2, 3600.0)).iloc[0]
    assert (s["wait_count"], s["wait_negative"]) == (1, 1)
    assert s["wait_median_s"] == 20 * MIN  # not clipped to 0, not averaged in


def test_stage_kind_sums_its_segments_and_needs_every_one_measured():
    specs = stage_specs(_one_stage_map(Segment("a", "b", W), Segment("c", "d", W),
                                       Segment("b", "c", A)))
    mat = _matrix({
        "a": ["2025-01-06 10:00", "2025-01-06 10:00"],
        "b": ["2025-01-06 10:10", "2025-01-06 10:10"],
        "c": ["2025-01-06 11:00", "2025-01-06 11:00"],
        "d": ["2025-01-06 11:05", None],
    })
    dur = stage_durations(mat, specs)
    wait = dur.values[col(0, "wait")]
    assert wait.iloc[0] == 15 * MIN  # 10 min + 5 min
    assert np.isnan(wait.iloc[1])  # one wait segment missing: no partial sum
    assert dur.values[col(0, "active")].iloc[1] == 50 * MIN
    q = dur.segment_status
    assert q.shape[1] == 3 and (q.iloc[1] == [OK, MISSING, OK]).all()


def test_template_bindings_when_no_map():
    names = [s.name for s in stage_specs(None)]
    assert names == ["Coding", "Review", "Merge", "CI", "Release"]


def test_share_of_flow_time_and_wait_share():
    specs = stage_specs(_one_stage_map(Segment("a", "b", W), Segment("b", "c", A)))
    mat = _matrix({"a": ["2025-01-06 10:00", "2025-01-06 10:00"],
                   "b": ["2025-01-06 11:00", "2025-01-06 13:00"],
                   "c": ["2025-01-06 11:30", "2025-01-06 13:30"]})
    dur = stage_durations(mat, specs)
    flow = np.array([4 * 3600.0, 4 * 3600.0])  # 8 h of flow time in all
    s = stage_summary(dur, np.ones(2, dtype=bool), flow).iloc[0]
    assert s["wait_share"] == pytest.approx((1 + 3) / 8)  # 4 h waiting of 8 h
    assert s["share"] == pytest.approx((1 + 3 + 0.5 + 0.5) / 8)


def test_stats_per_period_include_empty_periods():
    specs = stage_specs(_one_stage_map(Segment("a", "b", W)))
    mat = _matrix({"a": ["2025-01-06 10:00", "2025-01-07 10:00"],
                   "b": ["2025-01-06 10:05", "2025-01-07 10:10"]})
    dur = stage_durations(mat, specs)
    week1 = to_ns([T("2025-01-06")])[0]
    week2 = to_ns([T("2025-01-13")])[0]
    periods = pd.Index([week1, week2])
    frame = stages_by_period(dur, np.ones(2, dtype=bool), np.array([week1, week1]),
                             np.full(2, 3600.0), periods)
    wait = frame.loc[frame["kind"] == "wait"].set_index("period")
    assert wait.loc[week1, "median_s"] == 7.5 * MIN
    assert wait.loc[week2, "count"] == 0 and np.isnan(wait.loc[week2, "median_s"])
