"""The engine end to end: the DESIGN §6 JSON contract, windows, maps, and a planted story."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from vsm_app.analysis.engine import (
    AnalysisOptions,
    analyze,
    analyze_window,
    prepare,
    run,
)
from vsm_app.analysis.events import build_events
from vsm_app.domain.model import Segment, SegmentKind, Stage, ValueStreamMap
from vsm_app.domain.tables import SourceReport, Tables, conform
from vsm_app.domain.templates import software_delivery
from vsm_app.work import Cancelled

from .frames import HOUR, T, change, deployment, tables

DESIGN_KEYS = ["window", "changes", "deployments", "dora", "flow", "stages", "bottleneck",
               "data_quality", "sources"]
DORA_KEYS = {"deployment_frequency_per_week", "deployment_days_per_week", "lead_time_median_s",
             "change_failure_rate", "recovery_time_median_s", "rework_rate",
             "pipeline_failure_rate", "bands"}
FLOW_KEYS = {"velocity_per_week", "flow_time_median_s", "load_mean", "efficiency",
             "distribution"}


def story(seed: int = 3, weeks: int = 12, per_day: int = 4) -> Tables:
    """A team whose review wait grows from ~2 h to ~1 day half-way through a quarter."""
    rng = np.random.default_rng(seed)
    start = T("2025-01-06")
    n = weeks * 7 * per_day
    first = start + pd.to_timedelta(np.sort(rng.uniform(0, weeks * 7 * 86_400, n)), unit="s")
    late = (first - start) > pd.Timedelta(weeks=weeks // 2)

    def hours(mean: float, size: int) -> pd.TimedeltaIndex:
        return pd.to_timedelta(rng.gamma(4.0, mean / 4.0, size) * 3600, unit="s")

    pr_opened = first + hours(3, n)
    review_wait = np.where(late, 24.0, 2.0)
    first_review = pr_opened + pd.to_timedelta(
        rng.gamma(4.0, review_wait / 4.0) * 3600, unit="s")
    approved = first_review + hours(1, n)
    merged = approved + hours(0.5, n)
    # deployments every 2 hours: a change ships with the first one after its merge
    dep_times = pd.date_range(start, periods=(weeks + 4) * 7 * 12, freq="2h")
    idx = np.searchsorted(dep_times.as_unit("ns").asi8, merged.as_unit("ns").asi8)
    deployed = dep_times[idx]
    changes = pd.DataFrame({
        "change_id": [f"c{i}" for i in range(n)], "merge_sha": [f"m{i}" for i in range(n)],
        "first_commit_at": first, "pr_opened_at": pr_opened, "first_review_at": first_review,
        "approved_at": approved, "merged_at": merged, "deployed_at": deployed,
        "deployment_id": [f"d{i}" for i in idx], "kind": "feature",
    })
    deps = pd.DataFrame({
        "deployment_id": [f"d{i}" for i in range(len(dep_times))], "sha": "x",
        "started_at": dep_times - pd.Timedelta(minutes=10), "finished_at": dep_times,
        "status": "success", "environment": "production",
    })
    used = deps["deployment_id"].isin(changes["deployment_id"])
    return Tables(changes=conform(changes, "changes"),
                  deployments=conform(deps.loc[used], "deployments"))


QUARTER = AnalysisOptions(since=T("2025-01-06"), until=T("2025-03-31"))


def test_json_has_exactly_the_design_sections_and_plain_values():
    t = story()
    t.sources = [SourceReport("repo", "git", records=10, linked=10)]
    doc = analyze(t, None, QUARTER).to_json()
    assert list(doc) == DESIGN_KEYS
    assert set(doc["window"]) == {"start", "end"}
    assert doc["window"]["start"] == "2025-01-06T00:00:00+00:00"
    assert DORA_KEYS <= set(doc["dora"]) and "reasons" in doc["dora"]
    assert set(doc["dora"]["bands"]) >= {"deployment_frequency", "lead_time",
                                         "change_failure_rate", "recovery_time"}
    assert FLOW_KEYS <= set(doc["flow"])
    for s in doc["stages"]:
        assert {"name", "wait_median_s", "active_median_s", "share"} <= set(s)
    assert {"stage", "share", "lead_time_contributions"} <= set(doc["bottleneck"])
    assert doc["sources"] == [{"path": "repo", "format": "git", "records": 10, "linked": 10,
                               "skipped": 0}]
    json.dumps(doc, allow_nan=False)  # no NaN anywhere
    d = t.changes["deployed_at"]
    assert doc["changes"] == int(((d >= T("2025-01-06")) & (d < T("2025-03-31"))).sum())


def test_the_engine_finds_the_planted_story():
    r = analyze(story(), None, QUARTER)
    b = r.bottleneck
    assert b.stage == "Review"
    contrib = b.lead_time_contributions
    assert b.lead_time_change_s > 12 * HOUR  # lead time rose by most of the extra wait
    assert max(contrib, key=lambda k: contrib[k]) == "Review"
    assert contrib["Review"] > 0.6 * b.lead_time_change_s
    assert sum(contrib.values()) == pytest.approx(b.lead_time_change_s, abs=1e-6)
    assert "waiting in Review" in b.sentence
    assert b.sentence.startswith("Lead time rose")
    assert b.correlations["Review"] > 0.7  # weekly review wait moves with lead time
    assert list(r.constraint_by_period.iloc[-3:]) == ["Review"] * 3


def test_empty_tables_give_nulls_with_reasons_not_zeros():
    doc = analyze(Tables(), None, AnalysisOptions()).to_json()
    assert list(doc) == DESIGN_KEYS
    assert doc["window"] == {"start": None, "end": None}
    assert doc["dora"]["lead_time_median_s"] is None
    assert doc["dora"]["reasons"]["lead_time_median_s"]
    assert doc["flow"]["velocity_per_week"] is None
    json.dumps(doc, allow_nan=False)


def test_git_only_data_keeps_working():
    t = tables(changes=[
        change("c1", "2025-01-06 09:00", merged="2025-01-06 10:00",
               deployed="2025-01-07 10:00", dep="d1"),
        change("c2", "2025-01-07 09:00", merged="2025-01-07 11:00",
               deployed="2025-01-08 10:00", dep="d2"),
    ], deployments=[deployment("d1", "2025-01-07 10:00"), deployment("d2", "2025-01-08 10:00")])
    doc = analyze(t, None, AnalysisOptions(since=T("2025-01-06"), until=T("2025-01-13"))
                  ).to_json()
    assert doc["dora"]["lead_time_median_s"] == 25 * HOUR  # 25 h and 25 h
    review = next(s for s in doc["stages"] if s["name"] == "Review")
    assert review["wait_median_s"] is None and review["wait_missing"] == 2
    # Release waits merged → deploy_started; git tags give no start, so nothing is measured
    assert doc["bottleneck"]["stage"] is None and doc["bottleneck"]["reasons"]["stage"]
    json.dumps(doc, allow_nan=False)


def test_a_window_change_reuses_the_prepared_data():
    t = story()
    prepared = prepare(t, None)
    whole = analyze_window(prepared, QUARTER)
    assert whole.to_json() == analyze(t, None, QUARTER).to_json()
    feb = analyze_window(prepared, AnalysisOptions(since=T("2025-02-01"), until=T("2025-03-01"),
                                                   period="month"))
    finish = t.changes["deployed_at"]
    assert feb.changes == int(((finish >= T("2025-02-01")) & (finish < T("2025-03-01"))).sum())
    assert list(feb.periods["label"]) == ["2025-02"]
    assert feb.bottleneck.before.label == "2025-02-01 – 2025-02-14"


def test_compare_to_sets_the_before_window():
    opts = AnalysisOptions(since=T("2025-03-03"), until=T("2025-03-31"),
                           compare_to=(T("2025-01-06"), T("2025-02-03")))
    b = analyze(story(), None, opts).bottleneck
    assert b.before.start == "2025-01-06T00:00:00+00:00"
    assert b.after.start == "2025-03-03T00:00:00+00:00"
    assert b.lead_time_change_s > 12 * HOUR


def test_no_map_means_the_software_delivery_template():
    t = story(weeks=4)
    a = analyze(t, None, AnalysisOptions()).to_json()
    b = analyze(t, software_delivery(), AnalysisOptions()).to_json()
    assert a["stages"] == b["stages"]


def test_a_loaded_events_table_feeds_custom_bindings():
    t = tables(changes=[change("c1", "2025-01-06 09:00", merged="2025-01-06 10:00")])
    t.events = pd.DataFrame({"change_id": ["c1", "c1"], "event": ["qa_started", "qa_done"],
                             "at": pd.to_datetime(["2025-01-06 09:15", "2025-01-06 09:45"],
                                                  utc=True)})
    m = ValueStreamMap("qa")
    m.add_stage(Stage("QA", segments=[Segment("qa_started", "qa_done", SegmentKind.ACTIVE)]))
    doc = analyze(t, m, AnalysisOptions(since=T("2025-01-06"), until=T("2025-01-07"))).to_json()
    assert doc["stages"][0]["active_median_s"] == 30 * 60
    assert doc["flow"]["efficiency"] == 0.5  # 30 min active of 1 h


def test_built_events_match_the_matrix_the_engine_uses():
    t = story(weeks=2)
    t.events = build_events(t.changes, t.ci_runs, t.deployments)
    assert analyze(t, None, AnalysisOptions()).to_json() == \
        analyze(story(weeks=2), None, AnalysisOptions()).to_json()


def test_run_reports_progress_and_can_be_cancelled():
    seen: list[float] = []
    run(story(weeks=2), None, AnalysisOptions(), progress=lambda f, _m: seen.append(f))
    assert seen[0] == 0.0 and seen[-1] == 1.0
    with pytest.raises(Cancelled):
        run(story(weeks=2), None, AnalysisOptions(), cancelled=lambda: True)


def test_period_frames_cover_every_period_of_the_window():
    r = analyze(story(), None, AnalysisOptions(since=T("2025-01-06"), until=T("2025-03-31"),
                                                period="week"))
    assert len(r.periods) == 12
    for frame in (r.flow_by_period, r.dora_by_period):
        assert list(frame.index) == list(r.periods.index)
    assert set(r.stages_by_period["period"]) == set(r.periods.index)
    assert r.flow_by_period["velocity"].sum() == r.changes
