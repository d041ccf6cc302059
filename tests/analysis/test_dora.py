"""DORA metrics on hand-made deployments, incidents, reverts and rollbacks."""

from __future__ import annotations

import pytest

from vsm_app.analysis.engine import AnalysisOptions, analyze

from .frames import DAY, HOUR, T, change, deployment, tables

WEEK = AnalysisOptions(since=T("2025-01-06"), until=T("2025-01-13"))


def _incident(iid: str, opened: str, resolved: str | None = None, **extra: object) -> dict:
    return {"incident_id": iid, "opened_at": opened, "resolved_at": resolved, **extra}


def test_one_incident_between_two_deployments_fails_the_first_cfr_50_percent():
    t = tables(deployments=[deployment("d1", "2025-01-06 10:00"),
                            deployment("d2", "2025-01-08 10:00")],
               incidents=[_incident("i1", "2025-01-07 09:00", "2025-01-07 10:00")])
    r = analyze(t, None, WEEK)
    assert r.dora.change_failure_rate == 0.5
    assert r.dora.counts.failures_by_cause["incident"] == 1
    assert list(r.dora_by_period["failed_deployments"]) == [1]


def test_incident_opened_at_the_deployment_instant_belongs_to_it():
    t = tables(deployments=[deployment("d1", "2025-01-06 10:00"),
                            deployment("d2", "2025-01-08 10:00")],
               incidents=[_incident("i1", "2025-01-08 10:00", "2025-01-08 11:00")])
    r = analyze(t, None, WEEK)
    # [deployment, next deployment): the incident falls to d2, not d1
    assert r.dora.change_failure_rate == 0.5
    assert r.to_json()["dora"]["counts"]["failed_deployments"] == 1


def test_incident_linked_to_a_deployment_fails_that_deployment():
    t = tables(deployments=[deployment("d1", "2025-01-06 10:00"),
                            deployment("d2", "2025-01-08 10:00")],
               incidents=[_incident("i1", "2025-01-09 09:00", "2025-01-09 10:00",
                                    deployment_id="d1")])
    r = analyze(t, None, WEEK)
    assert r.dora.change_failure_rate == 0.5
    assert r.dora.rework_rate == 0.0


def test_incident_before_any_deployment_fails_nothing_and_is_counted():
    t = tables(deployments=[deployment("d1", "2025-01-08 10:00")],
               incidents=[_incident("i1", "2025-01-07 09:00", "2025-01-07 10:00")])
    r = analyze(t, None, WEEK)
    assert r.dora.change_failure_rate == 0.0
    assert r.data_quality.count("incidents_before_first_deployment") == 1


def test_recovery_times_100_300_800_seconds_have_median_300():
    t = tables(deployments=[deployment("d1", "2025-01-06 00:00")],
               incidents=[_incident("i1", "2025-01-07 10:00:00", "2025-01-07 10:01:40"),
                          _incident("i2", "2025-01-08 10:00:00", "2025-01-08 10:05:00"),
                          _incident("i3", "2025-01-09 10:00:00", "2025-01-09 10:13:20")])
    r = analyze(t, None, WEEK)
    assert r.dora.recovery_time_median_s == 300.0


def test_no_incidents_gives_no_recovery_time_with_a_reason():
    t = tables(deployments=[deployment("d1", "2025-01-06 10:00")])
    doc = analyze(t, None, WEEK).to_json()
    assert doc["dora"]["recovery_time_median_s"] is None
    assert doc["dora"]["reasons"]["recovery_time_median_s"] == "no incidents loaded"
    assert doc["dora"]["bands"]["recovery_time"] is None
    assert doc["dora"]["change_failure_rate"] == 0.0
    assert "reverts and rollbacks only" in doc["dora"]["notes"]["change_failure_rate"]


def test_unresolved_incident_fails_its_deployment_but_has_no_recovery_time():
    t = tables(deployments=[deployment("d1", "2025-01-06 10:00")],
               incidents=[_incident("i1", "2025-01-07 09:00", None)])
    r = analyze(t, None, WEEK)
    assert r.dora.change_failure_rate == 1.0
    assert r.dora.recovery_time_median_s is None
    assert r.data_quality.count("incidents_unresolved") == 1


def test_rollback_fails_the_rolled_back_deployment():
    # d3 deploys an ancestor of d2's sha (is_rollback, set at ingest): d2 failed, d3 did not
    t = tables(deployments=[deployment("d1", "2025-01-06 10:00"),
                            deployment("d2", "2025-01-07 10:00"),
                            deployment("d3", "2025-01-07 10:30", is_rollback=True)])
    r = analyze(t, None, WEEK)
    assert r.dora.change_failure_rate == pytest.approx(1 / 3)
    assert r.dora.counts.failures_by_cause == {"incident": 0, "revert": 0, "rollback": 1}
    # recovery: the rolled-back deployment → the rollback, 30 minutes
    assert r.dora.recovery_time_median_s == 30 * 60
    assert "reverts and rollbacks only" in r.dora.notes["recovery_time_median_s"]


def test_a_revert_shipped_later_fails_the_deployment_of_the_reverted_change():
    t = tables(
        changes=[
            change("c1", "2025-01-06 08:00", merged="2025-01-06 09:00",
                   deployed="2025-01-06 10:00", dep="d1"),
            change("c2", "2025-01-07 08:00", merged="2025-01-07 09:00",
                   deployed="2025-01-07 10:00", dep="d2", is_revert=True, reverts="c1",
                   kind="defect"),
            # reverted within the same deployment: never reached production alone
            change("c3", "2025-01-08 08:00", merged="2025-01-08 08:30",
                   deployed="2025-01-08 10:00", dep="d3"),
            change("c4", "2025-01-08 08:40", merged="2025-01-08 09:00",
                   deployed="2025-01-08 10:00", dep="d3", is_revert=True, reverts="c3"),
        ],
        deployments=[deployment("d1", "2025-01-06 10:00"), deployment("d2", "2025-01-07 10:00"),
                     deployment("d3", "2025-01-08 10:00")])
    r = analyze(t, None, WEEK)
    assert r.dora.counts.failures_by_cause["revert"] == 1
    assert r.dora.change_failure_rate == pytest.approx(1 / 3)
    assert r.dora.recovery_time_median_s == DAY  # d1 → d2, which ships the revert
    # rework: d2 and d3 ship a revert
    assert r.dora.rework_rate == pytest.approx(2 / 3)


def test_deployment_days_per_week():
    t = tables(deployments=[deployment("d1", "2025-01-06 09:00"),  # Monday
                            deployment("d2", "2025-01-06 15:00"),  # Monday again
                            deployment("d3", "2025-01-08 09:00")])  # Wednesday
    one_week = analyze(t, None, WEEK)
    assert one_week.dora.deployment_frequency_per_week == 3.0
    assert one_week.dora.deployment_days_per_week == 2.0
    assert list(one_week.dora_by_period["deployment_days"]) == [2]
    two_weeks = analyze(t, None, AnalysisOptions(since=T("2025-01-06"), until=T("2025-01-20")))
    assert two_weeks.dora.deployment_frequency_per_week == 1.5
    assert two_weeks.dora.deployment_days_per_week == 1.0
    assert list(two_weeks.dora_by_period["deployment_days_per_week"]) == [2.0, 0.0]


def test_only_successful_production_deployments_count():
    t = tables(deployments=[deployment("d1", "2025-01-06 09:00"),
                            deployment("d2", "2025-01-07 09:00", status="failure"),
                            deployment("d3", "2025-01-08 09:00", environment="staging"),
                            deployment("d4", "2025-01-09 09:00", environment="Production")])
    r = analyze(t, None, WEEK)
    assert r.deployments == 2


def test_rework_rate_counts_reverts_hotfixes_and_deployments_during_an_open_incident():
    t = tables(
        changes=[
            change("c1", "2025-01-06 08:00", merged="2025-01-06 09:00",
                   deployed="2025-01-06 10:00", dep="d1"),
            change("c2", "2025-01-07 08:00", merged="2025-01-07 09:00",
                   deployed="2025-01-07 10:00", dep="d2"),  # hotfix by its subject
            change("c3", "2025-01-09 08:00", merged="2025-01-09 09:00",
                   deployed="2025-01-09 10:00", dep="d4", is_hotfix=True),
        ],
        commits=[{"sha": "sha-c1", "subject": "feat: checkout"},
                 {"sha": "sha-c2", "subject": "hotfix(api): null cart"}],
        deployments=[deployment("d1", "2025-01-06 10:00"), deployment("d2", "2025-01-07 10:00"),
                     deployment("d3", "2025-01-08 12:00"), deployment("d4", "2025-01-09 10:00"),
                     deployment("d5", "2025-01-10 10:00")],
        # d3 ships while this incident is open (it opened after d2)
        incidents=[_incident("i1", "2025-01-08 11:00", "2025-01-08 13:00")])
    r = analyze(t, None, WEEK)
    # d2 (hotfix subject), d3 (during the incident), d4 (hotfix flag): 3 of 5
    assert r.dora.rework_rate == pytest.approx(3 / 5)
    assert r.dora.counts.rework_by_cause == {"revert_or_hotfix": 2, "during_incident": 1}


def test_pipeline_failure_rate_is_failed_deploy_runs_over_deploy_runs():
    runs = [{"run_id": f"r{i}", "sha": "x", "attempt": 1, "is_deploy": True,
             "finished_at": f"2025-01-{6 + i:02d} 10:00", "conclusion": c}
            for i, c in enumerate(["success", "failure", "success", "success", "cancelled"])]
    runs.append({"run_id": "b1", "sha": "x", "attempt": 1, "is_deploy": False,
                 "finished_at": "2025-01-07 10:00", "conclusion": "failure"})  # a build
    t = tables(deployments=[deployment("d1", "2025-01-06 10:00")], ci_runs=runs)
    r = analyze(t, None, WEEK)
    assert r.dora.pipeline_failure_rate == 0.25  # 1 of 4 concluded deploy runs
    none = analyze(tables(deployments=[deployment("d1", "2025-01-06 10:00")]), None, WEEK)
    assert none.dora.pipeline_failure_rate is None
    assert none.dora.reasons["pipeline_failure_rate"] == "no deploy CI runs loaded"


def test_lead_time_is_the_median_over_changes_deployed_in_the_period():
    t = tables(
        changes=[
            change("c0", "2024-12-01 00:00", merged="2024-12-01 01:00",
                   deployed="2025-01-06 00:00", dep="d0", first_deployment=True),
            change("c1", "2025-01-06 00:00", merged="2025-01-06 00:10",
                   deployed="2025-01-06 00:05", dep="d1"),  # 5 min
            change("c2", "2025-01-06 00:00", merged="2025-01-06 00:01",
                   deployed="2025-01-06 00:10", dep="d1"),  # 10 min
        ],
        deployments=[deployment("d0", "2025-01-06 00:00")])
    r = analyze(t, None, WEEK)
    assert r.dora.lead_time_median_s == 7.5 * 60  # c0 (first deployment) is left out
    # one deployment is far below the ten a band needs: the band is withheld, with why
    assert r.dora.bands.lead_time is None
    assert r.dora.bands.reasons["lead_time"].startswith("1 deployment(s) in the window")


def test_without_deployments_dora_metrics_are_none_with_reasons():
    t = tables(changes=[change("c1", "2025-01-06 00:00", merged="2025-01-06 08:00")])
    doc = analyze(t, None, WEEK).to_json()
    d = doc["dora"]
    for key in ("deployment_frequency_per_week", "deployment_days_per_week",
                "lead_time_median_s", "change_failure_rate", "rework_rate"):
        assert d[key] is None
        assert d["reasons"][key]
    assert d["reasons"]["deployment_frequency_per_week"] == "no deployments loaded"
    assert doc["flow"]["flow_time_median_s"] == 8 * HOUR  # flow falls back to merged_at
