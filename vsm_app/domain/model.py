"""The value stream: Project → Maps → Stages and Flows (Qt-free, the only source of truth).

Edits go through the methods of :class:`ValueStreamMap`; each emits a signal so observers
(the canvas, the ladder, item models) follow without holding business data of their own.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from .durations import CALENDAR_DAY_S
from .groups import Group
from .ids import new_id
from .items import ItemSettings
from .signals import Signal

if TYPE_CHECKING:  # networkx is imported where a graph is built: not needed to load a project
    import networkx as nx

    from .records import ImprovementRecords


class FlowKind(StrEnum):
    PUSH = "push"
    PULL = "pull"
    REWORK = "rework"


class SegmentKind(StrEnum):
    WAIT = "wait"
    ACTIVE = "active"


@dataclass(frozen=True)
class Segment:
    """A measured span of a stage: from one event of a change to another."""

    from_event: str
    to_event: str
    kind: SegmentKind = SegmentKind.WAIT


@dataclass(frozen=True)
class StatusBinding:
    """A tracker status whose time is a stage's wait or active time (issue 18).

    ``kind`` None: from the status category ("To Do"-like new → wait, "In Progress"-like
    indeterminate → active, done → wait). Status names are compared trimmed and
    case-folded (:func:`vsm_app.domain.items.norm_name`).
    """

    status: str
    kind: SegmentKind | None = None


@dataclass
class Estimates:
    """Workshop numbers for one stage. Durations in seconds; ``pca`` as a fraction 0..1.

    Wait before the stage is given as ``wait_time_s`` or as an ``inventory`` count (converted
    with the map's demand); ``lead_time_s``, when typed directly, overrides wait + process.
    """

    process_time_s: float | None = None
    wait_time_s: float | None = None
    inventory: float | None = None
    lead_time_s: float | None = None
    pca: float | None = None
    process_time_min_s: float | None = None
    process_time_max_s: float | None = None
    wait_time_min_s: float | None = None
    wait_time_max_s: float | None = None


@dataclass
class Stage:
    name: str
    id: str = field(default_factory=lambda: new_id("stage"))
    owner: str = ""
    people: int | None = None
    notes: str = ""
    estimates: Estimates = field(default_factory=Estimates)
    segments: list[Segment] = field(default_factory=list)
    x: float = 0.0
    y: float = 0.0
    #: most units the stage should hold at once (a whole number ≥ 1), or None; measured
    #: daily WIP is checked against it (vsm_app.analysis.flow_analytics.wip_limits)
    wip_limit: int | None = None
    #: tracker statuses measured as this stage's time when work items are loaded
    statuses: list[StatusBinding] = field(default_factory=list)


@dataclass
class Flow:
    source: str
    target: str
    kind: FlowKind = FlowKind.PUSH
    id: str = field(default_factory=lambda: new_id("flow"))
    label: str = ""
    #: rework flows only: the share of the items leaving ``source`` that are sent back to
    #: ``target`` (%rework, 0..1), or None when not estimated
    rework_share: float | None = None


@dataclass
class KaizenBurst:
    """An improvement idea on the map; ``votes`` is the dot-vote tally a workshop gave it."""

    text: str
    stage_id: str | None = None
    id: str = field(default_factory=lambda: new_id("kaizen"))
    x: float = 0.0
    y: float = 0.0
    votes: int = 0


@dataclass
class StickyNote:
    text: str
    id: str = field(default_factory=lambda: new_id("note"))
    x: float = 0.0
    y: float = 0.0
    color: str = "#fff59d"


@dataclass
class MapSettings:
    demand_per_day: float | None = None
    available_time_per_day_s: float | None = None
    day_length_s: float = CALENDAR_DAY_S

    @property
    def takt_time_s(self) -> float | None:
        if not self.demand_per_day or self.available_time_per_day_s is None:
            return None
        return self.available_time_per_day_s / self.demand_per_day


class ModelError(ValueError):
    """An edit the model refuses (unknown id, self-loop, duplicate flow)."""


class ValueStreamMap:
    """A directed graph of stages joined by flows, with map-level settings.

    Signals (all Qt-free): ``stage_added(stage)``, ``stage_removed(stage)``,
    ``stage_changed(stage)``, ``flow_added(flow)``, ``flow_removed(flow)``,
    ``flow_changed(flow)``, ``element_added(el)``, ``element_removed(el)``,
    ``element_changed(el)``, ``settings_changed(settings)``, ``renamed(name)``.
    """

    def __init__(self, name: str = "Current state", *, kind: str = "current",
                 settings: MapSettings | None = None, id: str | None = None) -> None:
        self.id = id or new_id("map")
        self.name = name
        self.kind = kind  # "current" | "future"
        self.settings = settings or MapSettings()
        self._stages: dict[str, Stage] = {}
        self._flows: dict[str, Flow] = {}
        #: (source, target) → flow id: one flow per pair, checked in constant time
        self._pairs: dict[tuple[str, str], str] = {}
        self.kaizens: dict[str, KaizenBurst] = {}
        self.notes: dict[str, StickyNote] = {}
        self.stage_added = Signal()
        self.stage_removed = Signal()
        self.stage_changed = Signal()
        self.flow_added = Signal()
        self.flow_removed = Signal()
        self.flow_changed = Signal()
        self.element_added = Signal()
        self.element_removed = Signal()
        self.element_changed = Signal()
        self.settings_changed = Signal()
        self.renamed = Signal()

    # -- reading ---------------------------------------------------------------------
    @property
    def stages(self) -> list[Stage]:
        return list(self._stages.values())

    @property
    def flows(self) -> list[Flow]:
        return list(self._flows.values())

    def stage(self, stage_id: str) -> Stage:
        try:
            return self._stages[stage_id]
        except KeyError:
            raise ModelError(f"no stage with id {stage_id!r}") from None

    def flow(self, flow_id: str) -> Flow:
        try:
            return self._flows[flow_id]
        except KeyError:
            raise ModelError(f"no flow with id {flow_id!r}") from None

    def has_stage(self, stage_id: str) -> bool:
        return stage_id in self._stages

    def has_flow(self, flow_id: str) -> bool:
        return flow_id in self._flows

    def stage_by_name(self, name: str) -> Stage | None:
        for s in self._stages.values():
            if s.name == name:
                return s
        return None

    def flows_of(self, stage_id: str) -> list[Flow]:
        return [f for f in self._flows.values() if stage_id in (f.source, f.target)]

    def graph(self, *, include_rework: bool = True) -> nx.DiGraph:
        """A fresh networkx view: nodes are stage ids (attr ``stage``), edges carry ``flow``."""
        import networkx as nx

        g = nx.DiGraph()
        g.add_nodes_from((s.id, {"stage": s}) for s in self._stages.values())
        g.add_edges_from((f.source, f.target, {"flow": f}) for f in self._flows.values()
                         if include_rework or f.kind != FlowKind.REWORK)
        return g

    # -- editing (each emits one signal) ----------------------------------------------
    def add_stage(self, stage: Stage, index: int | None = None) -> Stage:
        if stage.id in self._stages:
            raise ModelError(f"stage id {stage.id!r} already in the map")
        if index is None or index >= len(self._stages):
            self._stages[stage.id] = stage
        else:
            items = list(self._stages.items())
            items.insert(index, (stage.id, stage))
            self._stages = dict(items)
        self.stage_added.emit(stage)
        return stage

    def stage_index(self, stage_id: str) -> int:
        return list(self._stages).index(stage_id)

    def remove_stage(self, stage_id: str) -> Stage:
        """Remove a stage; its flows must be removed first (the UI does it as child commands)."""
        if self.flows_of(stage_id):
            raise ModelError("remove the stage's flows first")
        stage = self._stages.pop(stage_id)
        self.stage_removed.emit(stage)
        return stage

    def update_stage(self, stage_id: str, **changes: Any) -> dict[str, Any]:
        """Set attributes of a stage (``estimates`` replaced whole); returns the old values."""
        stage = self.stage(stage_id)
        names = {f.name for f in fields(Stage)}
        old: dict[str, Any] = {}
        for k, v in changes.items():
            if k not in names or k == "id":
                raise ModelError(f"a stage has no field {k!r}")
            old[k] = getattr(stage, k)
            setattr(stage, k, copy.deepcopy(v))
        self.stage_changed.emit(stage)
        return old

    def update_estimates(self, stage_id: str, **changes: Any) -> Estimates:
        """Replace some estimate fields; returns the previous estimates."""
        stage = self.stage(stage_id)
        old = stage.estimates
        self.update_stage(stage_id, estimates=replace(old, **changes))
        return old

    def flow_index(self, flow_id: str) -> int:
        return list(self._flows).index(flow_id)

    def add_flow(self, flow: Flow, index: int | None = None) -> Flow:
        """Add a flow (at ``index`` in the flow order, so an undo can put it back)."""
        if flow.source == flow.target:
            raise ModelError("a flow needs two different stages")
        for s in (flow.source, flow.target):
            self.stage(s)
        if (flow.source, flow.target) in self._pairs:
            raise ModelError(
                f"{self._stages[flow.source].name} → {self._stages[flow.target].name} "
                "is already connected")
        if flow.id in self._flows:
            raise ModelError(f"flow id {flow.id!r} already in the map")
        if index is None or index >= len(self._flows):
            self._flows[flow.id] = flow
        else:
            items = list(self._flows.items())
            items.insert(index, (flow.id, flow))
            self._flows = dict(items)
        self._pairs[(flow.source, flow.target)] = flow.id
        self.flow_added.emit(flow)
        return flow

    def remove_flow(self, flow_id: str) -> Flow:
        flow = self._flows.pop(flow_id)
        self._pairs.pop((flow.source, flow.target), None)
        self.flow_removed.emit(flow)
        return flow

    def update_flow(self, flow_id: str, **changes: Any) -> dict[str, Any]:
        flow = self.flow(flow_id)
        old = {}
        for k, v in changes.items():
            if k not in ("kind", "label", "rework_share"):
                raise ModelError(f"a flow's {k!r} cannot be changed")
            if k == "rework_share" and v is not None and not 0.0 <= float(v) <= 1.0:
                raise ModelError("%rework is a share between 0 and 100 %")
            old[k] = getattr(flow, k)
            setattr(flow, k, FlowKind(v) if k == "kind" else v)
        self.flow_changed.emit(flow)
        return old

    def add_element(self, el: KaizenBurst | StickyNote) -> None:
        store: dict[str, Any] = self.kaizens if isinstance(el, KaizenBurst) else self.notes
        store[el.id] = el
        self.element_added.emit(el)

    def remove_element(self, el_id: str) -> KaizenBurst | StickyNote:
        el: KaizenBurst | StickyNote
        el = self.kaizens.pop(el_id) if el_id in self.kaizens else self.notes.pop(el_id)
        self.element_removed.emit(el)
        return el

    def update_element(self, el_id: str, **changes: Any) -> dict[str, Any]:
        el: Any = self.kaizens.get(el_id) or self.notes[el_id]
        old = {}
        for k, v in changes.items():
            old[k] = getattr(el, k)
            setattr(el, k, v)
        self.element_changed.emit(el)
        return old

    def set_settings(self, settings: MapSettings) -> MapSettings:
        old = self.settings
        self.settings = replace(settings)
        self.settings_changed.emit(self.settings)
        return old

    def rename(self, name: str) -> str:
        old, self.name = self.name, name
        self.renamed.emit(name)
        return old

    # -- copies -------------------------------------------------------------------------
    def copy(self, name: str | None = None, *, kind: str | None = None,
             new_ids: bool = False) -> ValueStreamMap:
        """A deep copy (signals not connected); with ``new_ids`` every element gets a new id."""
        m = ValueStreamMap(name or self.name, kind=kind or self.kind,
                           settings=replace(self.settings), id=None if new_ids else self.id)
        remap: dict[str, str] = {}
        for s in self.stages:
            s2 = copy.deepcopy(s)
            if new_ids:
                s2.id = new_id("stage")
            remap[s.id] = s2.id
            m._stages[s2.id] = s2
        for f in self.flows:
            f2 = copy.deepcopy(f)
            f2.source, f2.target = remap[f.source], remap[f.target]
            if new_ids:
                f2.id = new_id("flow")
            m._flows[f2.id] = f2
            m._pairs[(f2.source, f2.target)] = f2.id
        for k in self.kaizens.values():
            k2 = copy.deepcopy(k)
            if new_ids:
                k2.id = new_id("kaizen")
            if k2.stage_id:
                k2.stage_id = remap.get(k2.stage_id)
            m.kaizens[k2.id] = k2
        for n in self.notes.values():
            n2 = copy.deepcopy(n)
            if new_ids:
                n2.id = new_id("note")
            m.notes[n2.id] = n2
        return m

    def same_content(self, other: ValueStreamMap) -> bool:
        """Equality of everything saved (used by save → load tests)."""
        return (
            self.id == other.id and self.name == other.name and self.kind == other.kind
            and self.settings == other.settings and self.stages == other.stages
            and self.flows == other.flows and self.kaizens == other.kaizens
            and self.notes == other.notes
        )


@dataclass
class DataSource:
    """An input of measurement. ``path`` is stored relative to the project file."""

    kind: str  # "git" | "ci" | "prs" | "deployments" | "incidents" | "items"
    path: str
    id: str = field(default_factory=lambda: new_id("src"))
    branch: str | None = None
    #: release-tag glob; None: the project's setting (by default, detected); "": none
    deploy_tags: str | None = None
    subtree: str | None = None
    format: str | None = None  # auto-detected format name, remembered for display
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class ProjectSettings:
    time_zone: str | None = None  # default zone for naive timestamps; None = naive is an error
    band_year: int = 2023
    period: str = "week"  # day | week | month
    #: release-tag glob of git sources that set none; None: detect each repository's scheme;
    #: "": no tag deployments
    deploy_tags: str | None = None
    deploy_pattern: str = "deploy"
    #: environment names that are production (empty: production, prod, prd, live; see
    #: vsm_app.domain.environments)
    production_environments: list[str] = field(default_factory=list)
    salt: str = field(default_factory=lambda: uuid.uuid4().hex)
    #: work items: issue type → kind, start statuses, status categories (issue 18)
    items: ItemSettings = field(default_factory=ItemSettings)
    #: the team's service level expectation ("85 % within 5 days"): the share (0 < s ≤ 1)
    #: and the duration in seconds, both or neither (None: no SLE chosen)
    sle_share: float | None = None
    sle_within_s: float | None = None
    #: the analysis window chosen in the window (ISO dates, UTC midnights; ``until`` is
    #: exclusive); None: the edge of the data (issue 17)
    window_since: str | None = None
    window_until: str | None = None


class Project:
    """One ``.vsm`` file: maps, data sources, settings, baselines and improvement items."""

    def __init__(self, name: str = "Untitled", maps: list[ValueStreamMap] | None = None,
                 settings: ProjectSettings | None = None) -> None:
        self.name = name
        self.maps: list[ValueStreamMap] = maps if maps is not None else []
        self.sources: list[DataSource] = []
        self.settings = settings or ProjectSettings()
        # imported with the first Project, not with this module: `vsm-app --help` loads the
        # model (for the templates' names) but makes no Project, and the records' dataclasses
        # were a tenth of its start (benchmarks/bench_cli.py)
        from .records import ImprovementRecords

        #: the improvement loop's typed records (baselines, items, charter, pulse, AI checks)
        #: with their change signal
        self.records: ImprovementRecords = ImprovementRecords()
        #: JSON-able parts of the file this version does not read, kept as they are
        self.extra: dict[str, Any] = {}
        #: teams and services to compare (vsm_app.domain.groups); never people
        self.groups: list[Group] = []
        #: a CODEOWNERS file (path relative to the project file) for groups by owner team
        self.codeowners: str | None = None
        self.maps_changed = Signal()
        self.sources_changed = Signal()
        #: ``renamed(name)``: the project's name changed (exports and reports carry it)
        self.renamed = Signal()

    def rename(self, name: str) -> None:
        """Set the project's name (one line, not empty)."""
        name = " ".join(name.split())
        if not name:
            raise ModelError("a project needs a name")
        self.name = name
        self.renamed.emit(name)

    def map_by_name(self, name: str) -> ValueStreamMap | None:
        for m in self.maps:
            if m.name == name:
                return m
        return None

    def add_map(self, m: ValueStreamMap, index: int | None = None) -> None:
        self.maps.insert(len(self.maps) if index is None else index, m)
        self.maps_changed.emit()

    def remove_map(self, map_id: str) -> ValueStreamMap:
        for i, m in enumerate(self.maps):
            if m.id == map_id:
                del self.maps[i]
                self.maps_changed.emit()
                return m
        raise ModelError(f"no map with id {map_id!r}")

    def same_content(self, other: Project) -> bool:
        return (
            self.name == other.name and len(self.maps) == len(other.maps)
            and all(a.same_content(b) for a, b in zip(self.maps, other.maps, strict=True))
            and self.sources == other.sources and self.settings == other.settings
            and self.records == other.records and self.extra == other.extra
            and self.groups == other.groups and self.codeowners == other.codeowners
        )
