"""The events table: change timestamps, deploy start, the CI run of the merge sha."""

from __future__ import annotations

import numpy as np
import pandas as pd

from vsm_app.analysis.events import build_events, build_runs, event_matrix
from vsm_app.analysis.periods import NAT, to_ns

from .frames import T, frame


def _changes() -> pd.DataFrame:
    return frame("changes", [
        {"change_id": "c1", "merge_sha": "m1", "first_commit_at": "2025-01-06 09:00",
         "pr_opened_at": "2025-01-06 10:00", "merged_at": "2025-01-06 12:00",
         "deployed_at": "2025-01-07 08:00", "deployment_id": "d1"},
        {"change_id": "c2", "merge_sha": "m2", "first_commit_at": "2025-01-06 11:00",
         "merged_at": "2025-01-06 13:00"},
    ])


def _runs() -> pd.DataFrame:
    return frame("ci_runs", [
        # run r1 on m1: attempt 1 failed, attempt 2 (latest) counts
        {"run_id": "r1", "sha": "m1", "attempt": 1, "queued_at": "2025-01-06 12:01",
         "started_at": "2025-01-06 12:02", "finished_at": "2025-01-06 12:10",
         "conclusion": "failure"},
        {"run_id": "r1", "sha": "m1", "attempt": 2, "queued_at": "2025-01-06 12:20",
         "started_at": "2025-01-06 12:25", "finished_at": "2025-01-06 12:40",
         "conclusion": "success"},
        # a nightly run queued later on the same sha: not the change's build
        {"run_id": "r9", "sha": "m1", "attempt": 1, "queued_at": "2025-01-07 02:00",
         "started_at": "2025-01-07 02:00", "finished_at": "2025-01-07 02:30"},
        # the deploy run: never a build
        {"run_id": "r5", "sha": "m1", "attempt": 1, "queued_at": "2025-01-06 11:00",
         "started_at": "2025-01-06 11:00", "finished_at": "2025-01-06 11:05",
         "is_deploy": True},
    ])


def test_build_run_is_first_queued_non_deploy_run_at_latest_attempt():
    runs = build_runs(_runs())
    assert list(runs["sha"]) == ["m1"]
    got = runs.iloc[0]
    assert got["ci_queued"] == to_ns([T("2025-01-06 12:20")])[0]
    assert got["ci_started"] == to_ns([T("2025-01-06 12:25")])[0]
    assert got["ci_finished"] == to_ns([T("2025-01-06 12:40")])[0]


def test_build_events_long_table_has_no_row_for_a_missing_event():
    deps = frame("deployments", [{"deployment_id": "d1", "started_at": "2025-01-07 07:30",
                                  "finished_at": "2025-01-07 08:00"}])
    ev = build_events(_changes(), _runs(), deps)
    assert list(ev.columns) == ["change_id", "event", "at"]
    c1 = dict(zip(ev.loc[ev.change_id == "c1", "event"], ev.loc[ev.change_id == "c1", "at"],
                  strict=True))
    assert c1["deploy_started"] == T("2025-01-07 07:30")
    assert c1["ci_queued"] == T("2025-01-06 12:20")
    assert c1["deployed"] == T("2025-01-07 08:00")
    assert "first_review" not in c1  # no review time: no row (reads back as NaT)
    c2 = set(ev.loc[ev.change_id == "c2", "event"])
    assert c2 == {"first_commit", "merged"}
    assert str(ev["at"].dtype).startswith("datetime64") and ev["at"].dt.tz is not None


def test_event_matrix_reads_missing_as_nat_and_keeps_the_earliest_repeat():
    events = pd.DataFrame({
        "change_id": ["a", "a", "b"],
        "event": ["merged", "merged", "first_commit"],
        "at": pd.to_datetime(["2025-01-02", "2025-01-01", "2025-01-03"], utc=True),
    })
    m = event_matrix(events, pd.Series(["a", "b", "c"]), names=["approved"])
    assert m.loc[0, "merged"] == to_ns([T("2025-01-01")])[0]
    assert m.loc[1, "merged"] == NAT
    assert (m.loc[2].to_numpy() == NAT).all()  # a change without events
    assert (m["approved"].to_numpy() == NAT).all()


def test_build_events_round_trips_through_the_matrix():
    ev = build_events(_changes(), _runs(), None)
    m = event_matrix(ev, _changes()["change_id"])
    assert m.loc[0, "pr_opened"] == to_ns([T("2025-01-06 10:00")])[0]
    assert m.loc[1, "pr_opened"] == NAT
    assert np.all(m.loc[1, ["ci_queued", "ci_started", "ci_finished"]].to_numpy() == NAT)
