"""Classic VSM figures, each expected value worked out by hand in the test."""


import pytest

from vsm_app.domain import classic
from vsm_app.domain.model import (
    Estimates,
    Flow,
    FlowKind,
    MapSettings,
    Stage,
    ValueStreamMap,
)
from vsm_app.domain.templates import SOFTWARE_DELIVERY_BINDINGS, software_delivery

MIN = 60.0


def chain(*stages: Stage, settings: MapSettings | None = None) -> ValueStreamMap:
    m = ValueStreamMap("m", settings=settings)
    for s in stages:
        m.add_stage(s)
    for a, b in zip(stages, stages[1:], strict=False):
        m.add_flow(Flow(a.id, b.id))
    return m


def test_three_stage_totals() -> None:
    m = chain(
        Stage("A", estimates=Estimates(lead_time_s=240 * MIN, process_time_s=60 * MIN, pca=0.90)),
        Stage("B", estimates=Estimates(lead_time_s=120 * MIN, process_time_s=30 * MIN, pca=0.95)),
        Stage("C", estimates=Estimates(lead_time_s=60 * MIN, process_time_s=15 * MIN, pca=0.85)),
    )
    r = classic.compute(m)
    assert r.lead_time_s == 420 * MIN
    assert r.process_time_s == 105 * MIN
    assert r.activity_ratio == pytest.approx(0.25)
    assert r.rolled_pca == pytest.approx(0.72675)
    assert r.errors == []


def test_inventory_becomes_wait_days_via_demand() -> None:
    m = chain(Stage("Stamping", estimates=Estimates(inventory=7000, process_time_s=1)),
              settings=MapSettings(demand_per_day=920))
    f = classic.compute(m).stages[0]
    assert f.wait_time_s / 86400 == pytest.approx(7000 / 920)
    assert round(f.wait_time_s / 86400, 1) == 7.6


def test_inventory_in_working_days() -> None:
    m = chain(Stage("S", estimates=Estimates(inventory=460, process_time_s=0)),
              settings=MapSettings(demand_per_day=920, day_length_s=8 * 3600))
    assert classic.compute(m).stages[0].wait_time_s == 0.5 * 8 * 3600


def test_parallel_branch_not_double_counted() -> None:
    # A → B → D and A → C → D; C is the longer branch, B must not be added on top
    a = Stage("A", estimates=Estimates(process_time_s=10, wait_time_s=90))
    b = Stage("B", estimates=Estimates(process_time_s=50, wait_time_s=50))
    c = Stage("C", estimates=Estimates(process_time_s=20, wait_time_s=180))
    d = Stage("D", estimates=Estimates(process_time_s=10, wait_time_s=40))
    m = ValueStreamMap("par")
    for s in (a, b, c, d):
        m.add_stage(s)
    for u, v in ((a, b), (a, c), (b, d), (c, d)):
        m.add_flow(Flow(u.id, v.id))
    r = classic.compute(m)
    assert [m.stage(i).name for i in r.main_path] == ["A", "C", "D"]
    assert r.lead_time_s == 100 + 200 + 50
    assert r.process_time_s == 10 + 20 + 10
    assert r.activity_ratio == pytest.approx(40 / 350)
    assert r.activity_ratio <= 1.0


def test_rework_flow_excluded_from_main_path() -> None:
    a = Stage("A", estimates=Estimates(process_time_s=10, wait_time_s=10))
    b = Stage("B", estimates=Estimates(process_time_s=10, wait_time_s=10))
    m = chain(a, b)
    m.add_flow(Flow(b.id, a.id, FlowKind.REWORK))
    r = classic.compute(m)
    assert r.errors == []
    assert r.lead_time_s == 40


def test_loop_without_rework_is_a_validation_error() -> None:
    a, b = Stage("A"), Stage("B")
    m = chain(a, b)
    m.add_flow(Flow(b.id, a.id, FlowKind.PUSH))
    assert any("loop" in e.message for e in classic.compute(m).errors)


def test_lead_time_shorter_than_process_time_names_the_stage() -> None:
    m = chain(Stage("Deploy", estimates=Estimates(lead_time_s=60, process_time_s=120)))
    errors = classic.compute(m).errors
    assert len(errors) == 1 and "'Deploy'" in errors[0].message


def test_takt_and_capacity_bottleneck() -> None:
    # 27,600 s available / 460 a day = 60 s takt; B (62 s) and C (75 s) exceed it
    m = chain(Stage("A", estimates=Estimates(process_time_s=39)),
              Stage("B", estimates=Estimates(process_time_s=62)),
              Stage("C", estimates=Estimates(process_time_s=75)),
              settings=MapSettings(demand_per_day=460, available_time_per_day_s=27600))
    r = classic.compute(m)
    assert r.takt_time_s == 60
    assert [s.name for s in r.stages if s.above_takt] == ["B", "C"]
    assert m.stage(r.capacity_bottleneck).name == "C"
    assert classic.to_json(r)["capacity_bottleneck"] == "C"


def test_metrics_json_has_exactly_the_contract_keys() -> None:
    j = classic.to_json(classic.compute(software_delivery()))
    assert set(j) == {"name", "lead_time_s", "process_time_s", "activity_ratio", "rolled_pca",
                      "takt_time_s", "capacity_bottleneck", "stages"}
    assert set(j["stages"][0]) == {"name", "process_time_s", "wait_time_s", "lead_time_s", "pca"}
    assert j["takt_time_s"] is None


def test_template_binds_design_segments() -> None:
    m = software_delivery()
    assert [s.name for s in m.stages] == ["Coding", "Review", "Merge", "CI", "Release"]
    review = m.stage_by_name("Review")
    assert [(g.from_event, g.to_event, g.kind.value) for g in review.segments] == [
        ("pr_opened", "first_review", "wait"), ("first_review", "approved", "active")]
    assert set(SOFTWARE_DELIVERY_BINDINGS) == {s.name for s in m.stages}


def test_empty_map() -> None:
    r = classic.compute(ValueStreamMap("empty"))
    assert r.lead_time_s is None and r.activity_ratio is None and r.main_path == []
