"""Improvement-loop records: strict round trips, the privacy rules, and the project helpers."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from vsm_app.domain import improvement as imp
from vsm_app.domain.improvement import (
    AI_CAPABILITIES,
    LEADING_INDICATORS,
    MIN_GROUP_SIZE,
    AiCapabilityCheck,
    Baseline,
    ImprovementItem,
    IndicatorTarget,
    ItemStatus,
    ProjectCharter,
    SurveyRound,
    item_from_kaizen,
    period_bounds,
)
from vsm_app.domain.model import KaizenBurst, Project
from vsm_app.domain.templates import software_delivery
from vsm_app.storage.project_file import dumps, loads

ANALYSIS = {
    "window": {"start": "2025-01-06T00:00:00+00:00", "end": "2025-02-03T00:00:00Z"},
    "changes": 42,
    "deployments": 9,
    "dora": {"deployment_frequency_per_week": 2.25, "deployment_days_per_week": 2.0,
             "lead_time_median_s": 90_000.0, "change_failure_rate": 0.1,
             "recovery_time_median_s": float("nan"), "rework_rate": 0.0,
             "pipeline_failure_rate": None, "bands": {"lead_time": "high"}},
    "flow": {"velocity_per_week": 10.5, "flow_time_median_s": 100_000.0, "load_mean": 7.0,
             "efficiency": 0.2, "distribution": {"feature": 0.6, "defect": 0.4}},
    "stages": [{"name": "Review", "wait_median_s": 20_000.0, "active_median_s": 3000.0,
                "share": 0.3}],
    "bottleneck": {"stage": "Review", "share": 0.3, "lead_time_contributions": {}},
    "data_quality": {"negative_spans": 1},
    "sources": [{"path": "/home/someone/repo", "format": "git"}],
}


def test_baseline_from_analysis_keeps_the_metric_subset() -> None:
    b = Baseline.from_analysis("Before the review rota", ANALYSIS,
                               created_at=datetime(2025, 2, 3, 9, 30, tzinfo=UTC))
    assert set(b.metrics) == {"dora", "flow", "stages", "bottleneck", "changes", "deployments"}
    assert b.metrics["dora"]["recovery_time_median_s"] is None  # NaN → null
    assert b.metrics["dora"]["lead_time_median_s"] == 90_000.0
    assert b.window_start == datetime(2025, 1, 6, tzinfo=UTC)
    assert b.window_end == datetime(2025, 2, 3, tzinfo=UTC)
    d = b.to_dict()
    assert "sources" not in d["metrics"] and "data_quality" not in d["metrics"]
    assert d["created_at"] == "2025-02-03T09:30:00+00:00"
    assert Baseline.from_dict(d) == b


def test_baseline_created_at_converted_to_utc_and_naive_refused() -> None:
    d = Baseline.from_analysis("b", ANALYSIS).to_dict()
    d["created_at"] = "2025-02-03T10:30:00+01:00"
    assert Baseline.from_dict(d).created_at == datetime(2025, 2, 3, 9, 30, tzinfo=UTC)
    d["created_at"] = "2025-02-03T10:30:00"
    with pytest.raises(ValueError, match="^created_at: .*no time zone"):
        Baseline.from_dict(d)


@pytest.mark.parametrize(("change", "field"), [
    ({"colour": "red"}, "colour"),
    ({"name": ""}, "name"),
    ({"name": 3}, "name"),
    ({"metrics": {"dora": {}, "flow": {}, "stages": []}}, "bottleneck"),
    ({"metrics": {"dora": {}, "flow": {}, "stages": {}, "bottleneck": {}}}, "metrics.stages"),
    ({"window": {"start": "yesterday"}}, "window.start"),
])
def test_baseline_from_dict_names_the_bad_field(change: dict, field: str) -> None:
    d = Baseline.from_analysis("b", ANALYSIS).to_dict() | change
    with pytest.raises(ValueError, match=f"^{field}"):
        Baseline.from_dict(d)


def test_item_round_trip_and_defaults() -> None:
    item = ImprovementItem(
        "Review within 4 h", stage_id="stage-1", map_id="map-1", targets_constraint="Review",
        commitment="Pair reviews every morning", owner_team="Payments",
        start=date(2025, 2, 3), end=date(2025, 3, 31), status=ItemStatus.COMMITTED,
        indicators=[IndicatorTarget("time_to_first_review", 4 * 3600),
                    IndicatorTarget("pr_size", 200, "down")])
    d = item.to_dict()
    assert d["status"] == "committed" and d["start"] == "2025-02-03"
    assert d["indicators"][0] == {"indicator": "time_to_first_review", "target": 14400,
                                  "direction": "down"}
    assert ImprovementItem.from_dict(d) == item


@pytest.mark.parametrize(("change", "field"), [
    ({"status": "finished"}, "status"),
    ({"owner_team": "ann@example.com"}, "owner_team"),
    ({"owner": "Ann"}, "owner"),
    ({"start": "2025-03-01", "end": "2025-02-01"}, "end"),
    ({"start": "next week"}, "start"),
    ({"indicators": [{"indicator": "lines_of_code", "target": 1, "direction": "down"}]},
     r"indicators\[0\]\.indicator"),
    ({"indicators": [{"indicator": "wip", "target": 3, "direction": "sideways"}]},
     r"indicators\[0\]\.direction"),
    ({"indicators": [{"indicator": "wip", "target": 3}]}, r"indicators\[0\]\.direction"),
    ({"indicators": [{"indicator": "wip", "target": 3, "direction": "down"}] * 2},
     "indicators"),
    ({"title": " "}, "title"),
])
def test_item_from_dict_names_the_bad_field(change: dict, field: str) -> None:
    d = ImprovementItem("t").to_dict() | change
    with pytest.raises(ValueError, match=f"^{field}"):
        ImprovementItem.from_dict(d)


def test_indicator_target_reached_by_direction() -> None:
    down = IndicatorTarget("pr_size", 200)
    assert down.direction == "down"
    assert down.reached(150) is True and down.reached(200) is True
    assert down.reached(201) is False and down.reached(None) is None
    up = IndicatorTarget("pr_size", 200, "up")
    assert up.reached(150) is False and up.reached(250) is True


def test_every_leading_indicator_is_better_down() -> None:
    assert set(LEADING_INDICATORS) == {"pr_size", "time_to_first_review", "review_time",
                                       "ci_queue_time", "batch_size", "wip"}
    assert set(LEADING_INDICATORS.values()) == {"down"}


def test_charter_holds_roles_and_parking_lot() -> None:
    c = ProjectCharter(scope="Idea to production for the web shop", trigger="Lead time doubled",
                       end_point="Future-state map and three committed items",
                       participants=["tech lead", "product owner", "SRE"],
                       parking_lot=["Move to monorepo?"])
    assert ProjectCharter.from_dict(c.to_dict()) == c
    with pytest.raises(ValueError, match="^names: unknown field"):
        ProjectCharter.from_dict(c.to_dict() | {"names": ["Ann"]})
    with pytest.raises(ValueError, match=r"^participants\[1\]: .*e-mail"):
        ProjectCharter(participants=["tech lead", "bob@example.com"])


def test_survey_round_below_min_group_size_holds_nothing() -> None:
    assert MIN_GROUP_SIZE == 3
    small = SurveyRound("2025-W06", 2)
    assert not small.visible and small.means == dict.fromkeys(imp.SPACE_DIMENSIONS)
    with pytest.raises(ValueError, match="^performance: a round of 2 responses"):
        SurveyRound("2025-W06", 2, performance=4.0)
    with pytest.raises(ValueError, match="^comments: a round of 2"):
        SurveyRound("2025-W06", 2, comments=["too slow"])
    with pytest.raises(ValueError, match="^performance: a round of 2 responses"):
        SurveyRound.from_dict({"period": "2025-W06", "n_responses": 2,
                               "means": {"performance": 4.0}})


def test_survey_round_round_trip_and_range() -> None:
    r = SurveyRound("2025-W06", 5, satisfaction_wellbeing=3.4, performance=4.0,
                    communication_collaboration=None, efficiency_flow=2.2, comments=["a", "b"])
    assert r.visible and r.start == date(2025, 2, 3)
    assert SurveyRound.from_dict(r.to_dict()) == r
    with pytest.raises(ValueError, match="^means.performance: 6 is outside 1–5"):
        SurveyRound.from_dict(r.to_dict() | {"means": {"performance": 6}})
    with pytest.raises(ValueError, match="^responses: unknown field"):
        SurveyRound.from_dict(r.to_dict() | {"responses": [[1, 2, 3, 4]]})
    with pytest.raises(ValueError, match="^period: 'sprint 7' is not a period"):
        SurveyRound("sprint 7", 5)


def test_ai_check_round_trip_mean_and_errors() -> None:
    c = AiCapabilityCheck("2025-Q1", {"clear_ai_guidance": 2, "small_batches": 4})
    assert c.scores["user_focus"] is None and set(c.scores) == set(AI_CAPABILITIES)
    assert c.mean == 3.0
    assert AiCapabilityCheck.from_dict(c.to_dict()) == c
    with pytest.raises(ValueError, match="^scores.vibes: unknown"):
        AiCapabilityCheck("2025-Q1", {"vibes": 5})
    with pytest.raises(ValueError, match="^scores.user_focus: 0 is outside 1–5"):
        AiCapabilityCheck.from_dict({"period": "2025-Q1", "scores": {"user_focus": 0}})


@pytest.mark.parametrize(("label", "start", "end"), [
    ("2025-W01", date(2024, 12, 30), date(2025, 1, 6)),
    ("2026-W53", date(2026, 12, 28), date(2027, 1, 4)),
    ("2025-02", date(2025, 2, 1), date(2025, 3, 1)),
    ("2025-12", date(2025, 12, 1), date(2026, 1, 1)),
    ("2025-Q4", date(2025, 10, 1), date(2026, 1, 1)),
    ("2025-02-14", date(2025, 2, 14), date(2025, 2, 15)),
])
def test_period_bounds(label: str, start: date, end: date) -> None:
    assert period_bounds(label) == (start, end)


@pytest.mark.parametrize("label", ["2025-W54", "2025-13", "2025-Q5", "W07", "2025-02-30"])
def test_period_bounds_refuses(label: str) -> None:
    with pytest.raises(ValueError):
        period_bounds(label)


def test_item_from_kaizen() -> None:
    m = software_delivery()
    review = m.stage_by_name("Review")
    assert review is not None
    k = KaizenBurst("Review within 4 h\nrota of two reviewers a day", stage_id=review.id)
    m.add_element(k)
    item = item_from_kaizen(m, k, owner_team="Checkout")
    assert item.title == "Review within 4 h"
    assert (item.stage_id, item.map_id, item.kaizen_id) == (review.id, m.id, k.id)
    assert item.targets_constraint == "Review" and item.status == ItemStatus.PROPOSED
    assert item.notes == k.text and item.owner_team == "Checkout"
    assert item_from_kaizen(m, k, targets_constraint="Release").targets_constraint == "Release"
    loose = KaizenBurst("Automate release notes")
    m.add_element(loose)
    assert item_from_kaizen(m, loose).stage_id is None
    with pytest.raises(ValueError, match="^kaizen: "):
        item_from_kaizen(m, KaizenBurst("not on this map"))


def test_project_helpers_round_trip_through_the_vsm_file() -> None:
    p = Project("shop", [software_delivery()])
    b = Baseline.from_analysis("Q4 baseline", ANALYSIS)
    imp.add_baseline(p, b)
    item = ImprovementItem("Smaller PRs", owner_team="Checkout", start=date(2025, 2, 3),
                           indicators=[IndicatorTarget("pr_size", 200)])
    assert imp.put_item(p, item) is None
    changed = ImprovementItem.from_dict(item.to_dict() | {"status": "in_progress"})
    assert imp.put_item(p, changed) == item
    imp.write_charter(p, ProjectCharter(scope="web shop", participants=["tech lead"]))
    imp.write_surveys(p, [SurveyRound("2025-W07", 4, performance=3.5), SurveyRound("2025-W06", 1)])
    imp.write_ai_checks(p, [AiCapabilityCheck("2025-Q1", {"small_batches": 4})])

    q = loads(dumps(p))
    assert imp.read_baselines(q) == [b]
    assert imp.read_items(q) == [changed]
    assert imp.read_charter(q).participants == ["tech lead"]
    assert [r.period for r in imp.read_surveys(q)] == ["2025-W06", "2025-W07"]
    assert imp.read_ai_checks(q)[0].scores["small_batches"] == 4
    assert imp.remove_item(q, item.id) == changed and imp.read_items(q) == []
    assert imp.remove_baseline(q, b.id) == b and q.records.baselines == []


def test_project_helpers_name_the_bad_record() -> None:
    from vsm_app.storage.project_file import ProjectFileError, project_from_dict, project_to_dict

    p = Project()
    assert imp.read_charter(p) == ProjectCharter() and imp.read_surveys(p) == []
    # the records are read once, when the file is: a bad one names itself and its field
    doc = project_to_dict(p)
    doc["improvement_items"] = [ImprovementItem("ok").to_dict(),
                                ImprovementItem("bad").to_dict() | {"status": "later"}]
    with pytest.raises(ProjectFileError,
                       match=r"\$\.improvement_items\[1\]\.status: 'later'"):
        project_from_dict(doc)
    doc = project_to_dict(p)
    doc["extra"]["surveys"] = [{"period": "2025-W07", "n_responses": 3, "means": {"joy": 5}}]
    with pytest.raises(ProjectFileError, match=r"\$\.extra\.surveys\[0\]\.joy: unknown field"):
        project_from_dict(doc)
    with pytest.raises(ValueError, match="period '2025-W07' appears twice"):
        imp.write_surveys(p, [SurveyRound("2025-W07", 1), SurveyRound("2025-W07", 2)])
    b = Baseline.from_analysis("b", ANALYSIS)
    with pytest.raises(ValueError, match="appears twice"):
        imp.write_baselines(p, [b, b])
