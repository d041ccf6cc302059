"""Classic VSM figures, each expected value worked out by hand in the test."""


import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vsm_app.domain import classic
from vsm_app.domain.model import (
    Estimates,
    Flow,
    FlowKind,
    MapSettings,
    ModelError,
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


# -- the linear main path agrees with networkx's longest path (issue 14, item 4) -------------

def _reference_main_path(m: ValueStreamMap) -> list[str]:
    """The rule written with networkx, independently: a longest path by lead time through
    push/pull flows; among equal lengths the one met first in map order."""
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(s.id for s in m.stages)
    g.add_edges_from((f.source, f.target) for f in m.flows if f.kind != FlowKind.REWORK)
    if not m.stages or not nx.is_directed_acyclic_graph(g):
        return []
    order = {s.id: i for i, s in enumerate(m.stages)}
    lt = {s.id: classic.stage_figures(s, m).lead_time_s or 0.0 for s in m.stages}
    best: dict[str, tuple[float, list[int]]] = {}
    for n in nx.lexicographical_topological_sort(g, key=lambda n: order[n]):
        cands = [(best[p][0], p) for p in g.predecessors(n)]
        if cands:
            length, p = max(cands, key=lambda c: (c[0], -order[c[1]]))
            best[n] = (length + lt[n], best[p][1] + [order[n]])
        else:
            best[n] = (lt[n], [order[n]])
    end = max(best, key=lambda n: (best[n][0], -order[n]))
    ids = [s.id for s in m.stages]
    return [ids[i] for i in best[end][1]]


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_main_path_matches_the_networkx_reference(data: st.DataObject) -> None:
    n = data.draw(st.integers(0, 12))
    m = ValueStreamMap("m")
    stages = [m.add_stage(Stage(f"s{i}", estimates=Estimates(
        process_time_s=data.draw(st.sampled_from([None, 0.0, 60.0, 3600.0])),
        wait_time_s=data.draw(st.sampled_from([None, 60.0, 3600.0]))))) for i in range(n)]
    for _ in range(data.draw(st.integers(0, 2 * n))):
        a, b = data.draw(st.integers(0, max(n - 1, 0))), data.draw(st.integers(0, max(n - 1, 0)))
        if n and a != b and not any(f.source == stages[a].id and f.target == stages[b].id
                                    for f in m.flows):
            kind = data.draw(st.sampled_from([FlowKind.PUSH, FlowKind.PULL, FlowKind.REWORK]))
            m.add_flow(Flow(stages[a].id, stages[b].id, kind))
    assert classic.main_path(m) == _reference_main_path(m)
    result = classic.compute(m)
    loop = any("form a loop" in e.message for e in result.errors)
    assert loop == (bool(n) and result.main_path == [] and _reference_main_path(m) == [])


def test_a_pair_of_stages_has_one_flow_after_removes_undos_and_copies() -> None:
    m = ValueStreamMap("m")
    a, b = m.add_stage(Stage("a")), m.add_stage(Stage("b"))
    f = m.add_flow(Flow(a.id, b.id))
    with pytest.raises(ModelError, match="already connected"):
        m.add_flow(Flow(a.id, b.id, FlowKind.PULL))
    m.remove_flow(f.id)
    m.add_flow(f, 0)  # what undo does
    with pytest.raises(ModelError, match="already connected"):
        m.add_flow(Flow(a.id, b.id))
    copy = m.copy(new_ids=True)
    with pytest.raises(ModelError, match="already connected"):
        copy.add_flow(Flow(copy.stages[0].id, copy.stages[1].id))
    copy.add_flow(Flow(copy.stages[1].id, copy.stages[0].id, FlowKind.REWORK))  # other way
