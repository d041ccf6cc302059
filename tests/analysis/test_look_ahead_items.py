"""The look-ahead views on work items (issues 18 + 19): when a tracker export is loaded the
unit of flow is the item, so the scatter, aging and the forecast's throughput count items,
labelled by their key.

Every expected value is worked out by hand from the timelines below (days of January 2025,
UTC; an item starts at its creation and finishes when done, ItemSettings' defaults):

========  =======  ======================================================  ==========
item      kind     statuses (Backlog → In Analysis → In Progress → Done)   flow time
========  =======  ======================================================  ==========
P-1       feature  01 00:00 → 01 12:00 → 01 18:00 → 02 00:00              1 d
P-2       defect   02 00:00 → 02 06:00 → 03 00:00 → 04 00:00              2 d
P-3       feature  03 00:00 → (never) → 05 00:00 → 07 00:00               4 d
P-4       feature  06 12:00 → 07 12:00 → 08 06:00 → (open)                 —
P-5       defect   09 12:00 → 09 18:00 → (open)                            —
E-1       (epic: not a unit of flow)
========  =======  ======================================================  ==========
"""

from __future__ import annotations

import pytest

from tests.analysis.frames import DAY, HOUR, T, frame
from vsm_app.analysis.engine import prepare
from vsm_app.analysis.flow_analytics import (
    ServiceLevel,
    aging_wip,
    cycle_time_scatter,
    forecast_when,
    throughput_sample,
)
from vsm_app.analysis.items import item_units
from vsm_app.domain.model import Stage, StatusBinding, ValueStreamMap
from vsm_app.domain.tables import Tables

CATS = {"Backlog": "new", "In Analysis": "indeterminate", "In Progress": "indeterminate",
        "Done": "done"}


def a_map() -> ValueStreamMap:
    m = ValueStreamMap("m")
    m.add_stage(Stage("Backlog", statuses=[StatusBinding("Backlog")]))
    m.add_stage(Stage("Analysis", statuses=[StatusBinding("In Analysis")]))
    m.add_stage(Stage("Build", statuses=[StatusBinding("In Progress")]))
    return m


def stays(item: str, *steps: tuple[str, str]) -> list[dict[str, object]]:
    rows = []
    for i, (status, entered) in enumerate(steps):
        left = steps[i + 1][1] if i + 1 < len(steps) else None
        rows.append({"item_id": item, "status": status, "category": CATS[status],
                     "entered_at": f"2025-01-{entered}Z", "left_at":
                     None if left is None else f"2025-01-{left}Z"})
    return rows


def item(key: str, kind: str, created: str, done: str | None = None) -> dict[str, object]:
    return {"item_id": key, "key": key, "kind": kind, "created_at": f"2025-01-{created}Z",
            "done_at": None if done is None else f"2025-01-{done}Z",
            "category": "done" if done else "indeterminate",
            "type": {"feature": "Story", "defect": "Bug", "": "Epic"}[kind]}


def data() -> Tables:
    t = Tables()
    t.items = frame("items", [
        item("P-1", "feature", "01T00:00", "02T00:00"),
        item("P-2", "defect", "02T00:00", "04T00:00"),
        item("P-3", "feature", "03T00:00", "07T00:00"),
        item("P-4", "feature", "06T12:00"),
        item("P-5", "defect", "09T12:00"),
        item("E-1", "", "01T00:00"),
    ])
    t.item_status = frame("item_status", [
        *stays("P-1", ("Backlog", "01T00:00"), ("In Analysis", "01T12:00"),
               ("In Progress", "01T18:00"), ("Done", "02T00:00")),
        *stays("P-2", ("Backlog", "02T00:00"), ("In Analysis", "02T06:00"),
               ("In Progress", "03T00:00"), ("Done", "04T00:00")),
        *stays("P-3", ("Backlog", "03T00:00"), ("In Progress", "05T00:00"),
               ("Done", "07T00:00")),
        *stays("P-4", ("Backlog", "06T12:00"), ("In Analysis", "07T12:00"),
               ("In Progress", "08T06:00")),
        *stays("P-5", ("Backlog", "09T12:00"), ("In Analysis", "09T18:00")),
        *stays("E-1", ("Backlog", "01T00:00")),
    ])
    return t


def units():  # type: ignore[no-untyped-def]
    return item_units(prepare(data(), a_map()))


SLE = ServiceLevel(0.85, 3 * DAY)


def test_scatter_on_items_by_key_with_hand_computed_percentiles() -> None:
    u = units()
    assert u.noun == "items"
    sc = cycle_time_scatter(u, "2025-01-01", "2025-01-11", sle=SLE)
    pts = sc.points
    # one dot per finished item, by finish; labelled by the key (the epic is no unit)
    assert pts["label"].tolist() == ["P-1", "P-2", "P-3"]
    assert pts["kind"].tolist() == ["feature", "defect", "feature"]
    assert (pts["flow_time_s"] / DAY).tolist() == [1.0, 2.0, 4.0]
    # linear interpolation over 1, 2, 4 days: p50 = 2; p85 at rank 1.7 = 2 + 0.7 × 2 = 3.4;
    # p95 at rank 1.9 = 2 + 0.9 × 2 = 3.8
    assert sc.lines["p50"] == pytest.approx(2 * DAY)
    assert sc.lines["p85"] == pytest.approx(3.4 * DAY)
    assert sc.lines["p95"] == pytest.approx(3.8 * DAY)
    # the SLE "85 % within 3 days": P-1 and P-2 are within, P-3 is not → 2 of 3
    doc = sc.to_json()
    assert doc["points"] == 3
    assert sc.sle is not None
    assert (sc.sle.units, sc.sle.met, sc.sle.ok) == (3, 2, False)
    assert sc.sle.share_met == pytest.approx(2 / 3)
    assert sc.sle.beyond["label"].tolist() == ["P-3"]


def test_aging_items_against_a_fixed_now() -> None:
    ag = aging_wip(units(), now="2025-01-10", since="2025-01-01", until="2025-01-11",
                   sle=SLE)
    rows = ag.units.set_index("label")
    assert sorted(rows.index) == ["P-4", "P-5"]
    # P-4: started 06 12:00 → 3.5 d old; in Build (In Progress) since 08 06:00 → 1.75 d
    assert rows.loc["P-4", "stage"] == "Build"
    assert rows.loc["P-4", "age_s"] == pytest.approx(3.5 * DAY)
    assert rows.loc["P-4", "stage_age_s"] == pytest.approx(1.75 * DAY)
    # P-5: started 09 12:00 → 12 h; in Analysis since 09 18:00 → 6 h
    assert rows.loc["P-5", "stage"] == "Analysis"
    assert rows.loc["P-5", "age_s"] == pytest.approx(12 * HOUR)
    assert rows.loc["P-5", "stage_age_s"] == pytest.approx(6 * HOUR)
    # overall lines 2 / 3.4 / 3.8 d: 3.5 d is p85–p95, 12 h is below p50
    assert rows.loc["P-4", "age_band"] == "p85–p95"
    assert rows.loc["P-5", "age_band"] == "<p50"
    # Build stays of the finished items: 6 h, 1 d, 2 d → p50 1 d, p85 1.7 d, p95 1.9 d;
    # P-4's 1.75 d in Build is p85–p95
    stages = ag.stages.set_index("stage")
    assert stages.loc["Build", "n"] == 3
    assert stages.loc["Build", "p85_s"] == pytest.approx(1.7 * DAY)
    assert rows.loc["P-4", "stage_age_band"] == "p85–p95"
    # Analysis stays: 6 h (P-1), 18 h (P-2) → p50 12 h; P-5's 6 h is below it
    assert stages.loc["Analysis", "n"] == 2
    assert stages.loc["Analysis", "p50_s"] == pytest.approx(12 * HOUR)
    assert rows.loc["P-5", "stage_age_band"] == "<p50"
    # the SLE's 3 days: only P-4 is past it
    assert rows["past_sle"].to_dict() == {"P-4": True, "P-5": False}


def test_forecast_throughput_counts_items_per_day() -> None:
    s = throughput_sample(units(), since="2025-01-02")
    # items done on 02, 04 and 07; the sample ends on the last finish day (07): 6 days
    assert (s.since, s.until) == (T("2025-01-02"), T("2025-01-07"))
    assert s.daily.tolist() == [1, 0, 1, 0, 0, 1]
    assert s.mean == pytest.approx(0.5)
    assert s.noun == "items"
    # one more item: each day finishes one with probability 1/2, so it is done by day k in
    # 1 − 0.5**k of the trials (0.75, 0.875, 0.9375, 0.969 for k = 2, 3, 4, 5); forecasting
    # starts on 01-08 (day 1)
    f = forecast_when(s, 1, trials=10_000, seed=5)
    assert f.answers["p70"] == T("2025-01-09")
    assert f.answers["p85"] == T("2025-01-10")
    assert f.answers["p95"] == T("2025-01-12")


def test_report_section_measures_items_when_the_project_has_them() -> None:
    from types import SimpleNamespace

    from vsm_app.domain.items import ItemSettings
    from vsm_app.report.look_ahead import look_ahead_section

    project = SimpleNamespace(settings=SimpleNamespace(sle_share=0.85, sle_within_s=3 * DAY,
                                                       items=ItemSettings()))
    measurement = SimpleNamespace(
        tables=data(), result=SimpleNamespace(window=("2025-01-01", "2025-01-11"),
                                              bottleneck=None))
    section = look_ahead_section(project, measurement, a_map())
    assert section is not None and section.noun == "items"
    # 3 items finished in the window; the stand-up list names the open items by key
    assert "3 items" in section.scatter
    assert any("P-4" in line for line in section.standup)
    assert section.trends[0].title == "Cycle time — one dot per finished item"
