"""Classic VSM metrics from workshop estimates (DESIGN §5).

Stage lead time = wait + process time (or the lead time typed directly). Along the map's
*main path* — the longest path by lead time through the graph of push/pull flows, rework
flows excluded — total lead time = Σ LT, total process time = Σ PT, activity ratio =
ΣPT/ΣLT, rolled %C&A = Π %C&A. Inventory converts to wait days via daily demand. Takt =
available time ÷ demand; a stage whose process time exceeds takt is a capacity bottleneck.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

from .durations import format_duration
from .model import FlowKind, Stage, ValueStreamMap


@dataclass(frozen=True)
class StageFigures:
    stage_id: str
    name: str
    process_time_s: float | None
    wait_time_s: float | None
    lead_time_s: float | None
    pca: float | None
    above_takt: bool = False


@dataclass
class ValidationIssue:
    stage_id: str | None
    message: str


@dataclass
class ClassicMetrics:
    map_name: str
    stages: list[StageFigures]
    main_path: list[str]  # stage ids in flow order
    lead_time_s: float | None
    process_time_s: float | None
    activity_ratio: float | None
    rolled_pca: float | None
    takt_time_s: float | None
    capacity_bottleneck: str | None  # stage id
    errors: list[ValidationIssue] = field(default_factory=list)
    _by_id: dict[str, StageFigures] | None = field(default=None, init=False, repr=False,
                                                   compare=False)

    def stage(self, stage_id: str) -> StageFigures:
        """The figures of one stage (constant time: the canvas asks for every stage)."""
        if self._by_id is None or len(self._by_id) != len(self.stages):
            self._by_id = {s.stage_id: s for s in self.stages}
        return self._by_id[stage_id]


def stage_figures(stage: Stage, vsm_map: ValueStreamMap) -> StageFigures:
    """Process, wait and lead time of one stage from its estimates (seconds)."""
    est = stage.estimates
    pt = est.process_time_s
    wait: float | None
    if est.lead_time_s is not None:
        lt: float | None = est.lead_time_s
        wait = est.lead_time_s - (pt or 0.0)
    else:
        if est.wait_time_s is not None:
            wait = est.wait_time_s
        elif est.inventory is not None and vsm_map.settings.demand_per_day:
            # inventory ÷ daily demand = days of wait, a day being the map's day length
            wait = est.inventory / vsm_map.settings.demand_per_day * vsm_map.settings.day_length_s
        else:
            wait = None
        lt = None if pt is None and wait is None else (pt or 0.0) + (wait or 0.0)
    return StageFigures(stage.id, stage.name, pt, wait, lt, est.pca)


@dataclass
class _Order:
    """The map's push/pull graph as index lists, and a topological order of it."""

    ids: list[str]  #: stage ids in map order
    preds: list[list[int]]  #: per stage, its predecessors (map order)
    topo: list[int] | None  #: smallest map index first among the ready ones; None: a loop


def _order(vsm_map: ValueStreamMap) -> _Order:
    """Kahn's algorithm over index lists: linear (a map may hold 100,000 stages), and the
    order networkx's lexicographical topological sort gives with the map order as key."""
    ids = [s.id for s in vsm_map.stages]
    index = {sid: i for i, sid in enumerate(ids)}
    n = len(ids)
    succ: list[list[int]] = [[] for _ in range(n)]
    preds: list[list[int]] = [[] for _ in range(n)]
    indeg = [0] * n
    for f in vsm_map.flows:
        if f.kind == FlowKind.REWORK:
            continue
        u, v = index[f.source], index[f.target]
        succ[u].append(v)
        preds[v].append(u)
        indeg[v] += 1
    ready = [i for i in range(n) if indeg[i] == 0]
    heapq.heapify(ready)
    topo: list[int] = []
    while ready:
        u = heapq.heappop(ready)
        topo.append(u)
        for v in succ[u]:
            indeg[v] -= 1
            if indeg[v] == 0:
                heapq.heappush(ready, v)
    return _Order(ids, preds, topo if len(topo) == n else None)


def validate(vsm_map: ValueStreamMap, figures: dict[str, StageFigures] | None = None,
             order: _Order | None = None) -> list[ValidationIssue]:
    """Problems that make the classic metrics wrong, each naming the stage.

    ``figures`` and ``order`` are reused when the caller has them already.
    """
    issues: list[ValidationIssue] = []
    day = vsm_map.settings.day_length_s
    for st in vsm_map.stages:
        f = figures[st.id] if figures is not None else stage_figures(st, vsm_map)
        est = st.estimates
        if f.lead_time_s is not None and f.process_time_s is not None \
                and f.lead_time_s < f.process_time_s:
            issues.append(ValidationIssue(st.id, (
                f"stage {st.name!r}: lead time {format_duration(f.lead_time_s, day)} is shorter "
                f"than process time {format_duration(f.process_time_s, day)}")))
        if est.pca is not None and not 0.0 <= est.pca <= 1.0:
            issues.append(ValidationIssue(st.id, f"stage {st.name!r}: %C&A must be 0–100 %"))
        if est.inventory is not None and est.wait_time_s is None and est.lead_time_s is None \
                and not vsm_map.settings.demand_per_day:
            issues.append(ValidationIssue(st.id, (
                f"stage {st.name!r}: an inventory needs the map's demand per day "
                "to become a wait time")))
    order = order or _order(vsm_map)
    if order.topo is None:  # rare: networkx names the loop
        import networkx as nx  # here, not at the top: the command line starts faster

        cycle = nx.find_cycle(vsm_map.graph(include_rework=False))
        names = " → ".join(vsm_map.stage(u).name for u, _ in cycle)
        issues.append(ValidationIssue(cycle[0][0], (
            f"flows form a loop ({names}); mark the flow back as rework")))
    return issues


def main_path(vsm_map: ValueStreamMap, figures: dict[str, StageFigures] | None = None,
              order: _Order | None = None) -> list[str]:
    """Longest path by stage lead time through push/pull flows (rework excluded).

    Ties go to the path met first in the map's stage order, so the result is stable.
    Linear in stages and flows.
    """
    order = order or _order(vsm_map)
    if not order.ids or order.topo is None:
        return []
    figures = figures or {s.id: stage_figures(s, vsm_map) for s in vsm_map.stages}
    ids = order.ids
    weight = [figures[sid].lead_time_s or 0.0 for sid in ids]
    best = [0.0] * len(ids)
    prev = [-1] * len(ids)
    for n in order.topo:
        preds = order.preds[n]
        if preds:
            # the longest predecessor; on a tie the first in map order
            p = max(preds, key=lambda p: (best[p], -p))
            best[n], prev[n] = best[p] + weight[n], p
        else:
            best[n] = weight[n]
    end = max(range(len(ids)), key=lambda n: (best[n], -n))
    path = [end]
    while prev[path[-1]] >= 0:
        path.append(prev[path[-1]])
    return [ids[i] for i in reversed(path)]


def compute(vsm_map: ValueStreamMap) -> ClassicMetrics:
    """All classic metrics of a map; validation errors listed, values computed regardless."""
    figs = {s.id: stage_figures(s, vsm_map) for s in vsm_map.stages}
    takt = vsm_map.settings.takt_time_s
    stages = [
        StageFigures(f.stage_id, f.name, f.process_time_s, f.wait_time_s, f.lead_time_s, f.pca,
                     above_takt=bool(takt is not None and f.process_time_s is not None
                                     and f.process_time_s > takt))
        for f in figs.values()
    ]
    order = _order(vsm_map)  # once: a map may hold 100,000 stages
    path = main_path(vsm_map, figs, order)
    on_path = [figs[i] for i in path]
    lts = [f.lead_time_s for f in on_path if f.lead_time_s is not None]
    pts = [f.process_time_s for f in on_path if f.process_time_s is not None]
    total_lt = math.fsum(lts) if lts else None
    total_pt = math.fsum(pts) if pts else None
    ratio = total_pt / total_lt if total_pt is not None and total_lt else None
    pcas = [f.pca for f in on_path if f.pca is not None]
    rolled = math.prod(pcas) if pcas else None
    over = [s for s in stages if s.above_takt]
    bottleneck = max(over, key=lambda s: s.process_time_s or 0.0).stage_id if over else None
    return ClassicMetrics(vsm_map.name, stages, path, total_lt, total_pt, ratio, rolled, takt,
                          bottleneck, validate(vsm_map, figs, order))


def to_json(m: ClassicMetrics) -> dict[str, object]:
    """The ``metrics --json`` shape of DESIGN §6 for one map (exactly its keys)."""
    def num(x: float | None) -> float | None:
        return None if x is None or (isinstance(x, float) and math.isnan(x)) else x

    names = {s.stage_id: s.name for s in m.stages}
    return {
        "name": m.map_name,
        "lead_time_s": num(m.lead_time_s),
        "process_time_s": num(m.process_time_s),
        "activity_ratio": num(m.activity_ratio),
        "rolled_pca": num(m.rolled_pca),
        "takt_time_s": num(m.takt_time_s),
        "capacity_bottleneck": names.get(m.capacity_bottleneck) if m.capacity_bottleneck else None,
        "stages": [
            {"name": s.name, "process_time_s": num(s.process_time_s),
             "wait_time_s": num(s.wait_time_s), "lead_time_s": num(s.lead_time_s),
             "pca": num(s.pca)}
            for s in m.stages
        ],
    }
