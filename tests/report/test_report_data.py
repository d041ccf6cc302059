"""Report data: what the report says, checked against the measurement it comes from."""

from __future__ import annotations

from datetime import date

import pytest

from tests.report.demo_data import demo_dir, demo_identities, demo_measurement, demo_project
from tests.words import sentence_for_people
from vsm_app.analysis.privacy import assert_no_identities, find_identities
from vsm_app.analysis.results import DataQuality
from vsm_app.domain.durations import format_duration
from vsm_app.domain.improvement import ImprovementItem, IndicatorTarget, ItemStatus, put_item
from vsm_app.domain.model import Estimates, Flow, Project, Stage, ValueStreamMap
from vsm_app.report.data import build_report_data, map_section, measured_overlay, quality_notes
from vsm_app.report.heat import NO_WAIT_COLOR, heat_color


def _two_stage_map() -> ValueStreamMap:
    m = ValueStreamMap("Workshop")
    a = m.add_stage(Stage("Build", estimates=Estimates(process_time_s=3600, wait_time_s=7200,
                                                       pca=0.5)))
    b = m.add_stage(Stage("Test", estimates=Estimates(process_time_s=1800, wait_time_s=3600,
                                                      pca=0.8)))
    m.add_flow(Flow(a.id, b.id))
    return m


def test_map_section_totals_are_the_classic_sums() -> None:
    sec = map_section(_two_stage_map())
    totals = dict(sec.totals)
    # by hand: LT = (1h + 2h) + (30 min + 1h) = 4.5h; PT = 1.5h; ratio = 1.5 / 4.5; %C&A 0.4
    assert totals["Lead time"] == "4h 30 min"
    assert totals["Process time"] == "1h 30 min"
    assert totals["Activity ratio"] == "33.3 %"
    assert totals["Rolled %C&A"] == "40.0 %"
    assert sec.main_path == ["Build", "Test"]
    assert [s.name for s in sec.stages] == ["Build", "Test"]
    assert sec.title == "Workshop (current state)"


def test_unmeasured_report_has_the_maps_and_says_why() -> None:
    data = build_report_data(Project("P", [_two_stage_map()]), today=date(2026, 1, 2))
    assert not data.measured
    assert data.generated_on == "2026-01-02"
    assert "no data sources" in data.not_measured_reason
    assert data.dora == [] and data.trends == []


def test_demo_report_data_matches_the_measurement() -> None:
    project = demo_project()
    measurement = demo_measurement()
    doc = measurement.to_json()
    data = build_report_data(project, measurement, project_dir=demo_dir())
    assert data.project_name == project.name
    assert data.window_start == doc["window"]["start"][:10]
    assert data.changes == doc["changes"] and data.deployments == doc["deployments"]
    assert [m.name for m in data.maps] == [m.name for m in project.maps]
    assert {m.kind for m in data.maps} == {"current", "future"}

    dora = {m.key: m for m in data.dora}
    assert dora["lead_time_median_s"].value == format_duration(
        doc["dora"]["lead_time_median_s"])
    assert dora["lead_time_median_s"].band == doc["dora"]["bands"]["lead_time"].capitalize()
    assert dora["change_failure_rate"].value == \
        f"{doc['dora']['change_failure_rate'] * 100:.1f} %"
    flow = {m.key: m for m in data.flow}
    assert flow["flow_time_median_s"].value == format_duration(
        doc["flow"]["flow_time_median_s"])

    assert data.constraint is not None
    assert data.constraint.stage == doc["bottleneck"]["stage"]
    # the JSON's sentence, with its two windows written as days for people
    b = doc["bottleneck"]
    assert "–" in b["before"]["label"]
    assert data.constraint.sentence == sentence_for_people(b) != b["sentence"]
    total = sum(v for _, v in data.constraint.contributions)
    assert total == pytest.approx(doc["bottleneck"]["lead_time_change_s"], abs=1e-3)
    assert [s.is_constraint for s in data.stages].count(True) == 1

    # sources relative to the project folder: no local folder names in a report
    assert {s.path for s in data.sources} >= {"repo", "exports/prs.json"}
    assert all(not s.path.startswith("/") for s in data.sources)
    keys = {t.key for t in data.trends}
    assert {"deployments", "lead_time", "change_failure_rate", "velocity", "flow_time",
            "stage_waits"} <= keys
    lead = data.trend("lead_time")
    assert lead is not None and len(lead.x) == len(measurement.result.dora_by_period)


def test_rolling_change_failure_rate_uses_the_counts() -> None:
    measurement = demo_measurement()
    data = build_report_data(demo_project(), measurement)
    t = data.trend("change_failure_rate")
    assert t is not None
    dbp = measurement.result.dora_by_period
    i = next(i for i in range(3, len(dbp)) if dbp["deployments"].iloc[i - 3:i + 1].sum() > 0)
    expected = (dbp["failed_deployments"].iloc[i - 3:i + 1].sum()
                / dbp["deployments"].iloc[i - 3:i + 1].sum())
    assert t.series[0].values[i] == pytest.approx(expected)
    assert t.series[0].values[:3] == [None, None, None]  # fewer than 4 periods: no value


def test_measured_overlay_marks_the_constraint() -> None:
    project = demo_project()
    measurement = demo_measurement()
    doc = measurement.to_json()
    current = project.maps[0]
    overlay = measured_overlay(current, measurement.result)
    constraint = doc["bottleneck"]["stage"]
    flagged = [current.stage(sid).name for sid, o in overlay.items() if o.is_constraint]
    assert flagged == [constraint]
    stage = next(s for s in doc["stages"] if s["name"] == constraint)
    sid = current.stage_by_name(constraint).id
    assert overlay[sid].text.startswith(f"wait {format_duration(stage['wait_median_s'])}")
    assert overlay[sid].heat_color == heat_color(stage["wait_share"])
    assert all(o.heat_color for o in overlay.values())
    assert heat_color(None) is None and NO_WAIT_COLOR.startswith("#")


def test_quality_notes_skip_zero_counts_and_agree_in_number() -> None:
    notes = quality_notes(DataQuality(
        changes_total=10, changes_in_window=8, changes_unfinished=1, negative_spans=0,
        segments={}, delivery={"incidents_unresolved": 2},
        ingest={"unlinked_ci_runs": 3, "tags_skipped": 0, "shallow_clone": True}),
        ["prs.json: line 4: bad date"])
    text = "\n".join(notes)
    assert "1 change is not finished" in text
    assert "2 incidents are not resolved" in text
    assert "negative" not in text and "tags skipped" not in text
    assert "unlinked ci runs: 3" in text
    assert "shallow clone" in text
    assert "import: prs.json: line 4: bad date" in text


def test_improvement_items_are_listed() -> None:
    project = demo_project()
    stage = project.maps[0].stages[1]
    put_item(project, ImprovementItem(
        title="Review within 4 working hours", stage_id=stage.id, status=ItemStatus.COMMITTED,
        owner_team="Checkout team", start=date(2026, 11, 2), end=date(2026, 12, 18),
        indicators=[IndicatorTarget("time_to_first_review", 4 * 3600)]))
    data = build_report_data(project)
    assert len(data.items) == 1
    item = data.items[0]
    assert (item.title, item.stage, item.status) == ("Review within 4 working hours",
                                                     stage.name, "committed")
    assert item.indicators == "time to first review ≤ 4h"
    # dates read as every other date of the report (docs/metrics.md §16), not ISO
    assert item.dates == "2 Nov 2026 – 18 Dec 2026"


def test_no_author_identity_in_the_report_data() -> None:
    ids = demo_identities()
    assert ids  # the demo repository has named authors: the check below means something
    data = build_report_data(demo_project(), demo_measurement(), project_dir=demo_dir())
    assert_no_identities(data.all_text(), ids)
    assert find_identities(f"owner {next(iter(ids))}", ids)  # the guard does find one
