"""Undo commands: every edit of a project is one of these, pushed on the window's QUndoStack.

Commands change only the model (``ValueStreamMap`` / ``Project``); the canvas and the docks
follow through the model's signals. Cascades are child commands: deleting a stage creates
children that delete its flows and unlink its kaizen bursts, so one undo restores all of it.
Multi-item gestures (paste, delete of a selection) are QUndoStack macros of these commands.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from PySide6.QtGui import QUndoCommand

from ..domain.model import (
    Flow,
    KaizenBurst,
    MapSettings,
    ModelError,
    Project,
    Stage,
    StickyNote,
    ValueStreamMap,
)

#: an item id → (old (x, y), new (x, y))
Moves = Mapping[str, tuple[tuple[float, float], tuple[float, float]]]


class AddStageCommand(QUndoCommand):
    """Add ``stage`` to ``vsm_map`` (at ``index`` in the stage order, default last)."""

    def __init__(self, vsm_map: ValueStreamMap, stage: Stage, index: int | None = None) -> None:
        super().__init__(f"Add stage {stage.name}")
        self.map, self.stage, self.index = vsm_map, stage, index

    def redo(self) -> None:
        self.map.add_stage(self.stage, self.index)

    def undo(self) -> None:
        self.map.remove_stage(self.stage.id)


class AddFlowCommand(QUndoCommand):
    """Connect two stages."""

    def __init__(self, vsm_map: ValueStreamMap, flow: Flow,
                 names: Mapping[str, str] | None = None) -> None:
        if flow.source == flow.target:
            raise ModelError("a flow needs two different stages")
        for f in vsm_map.flows:
            if (f.source, f.target) == (flow.source, flow.target):
                raise ModelError(f"{_stage_name(vsm_map, flow.source)} → "
                                 f"{_stage_name(vsm_map, flow.target)} is already connected")
        names = names or {}
        src = names.get(flow.source) or _stage_name(vsm_map, flow.source)
        tgt = names.get(flow.target) or _stage_name(vsm_map, flow.target)
        super().__init__(f"Connect {src} → {tgt}")
        self.map, self.flow = vsm_map, flow

    def redo(self) -> None:
        self.map.add_flow(self.flow)

    def undo(self) -> None:
        self.map.remove_flow(self.flow.id)


class RemoveFlowCommand(QUndoCommand):
    """Delete one flow."""

    def __init__(self, vsm_map: ValueStreamMap, flow_id: str) -> None:
        flow = vsm_map.flow(flow_id)
        src, tgt = vsm_map.stage(flow.source).name, vsm_map.stage(flow.target).name
        super().__init__(f"Delete flow {src} → {tgt}")
        self.map, self.flow = vsm_map, flow
        self.index: int | None = None

    def redo(self) -> None:
        self.index = self.map.flow_index(self.flow.id)  # undo puts it back in place
        self.map.remove_flow(self.flow.id)

    def undo(self) -> None:
        self.map.add_flow(self.flow, self.index)


class SetElementFieldsCommand(QUndoCommand):
    """Change fields of a kaizen burst or a sticky note (text, stage link, colour)."""

    def __init__(self, vsm_map: ValueStreamMap, element_id: str, changes: Mapping[str, Any],
                 text: str = "Edit note") -> None:
        super().__init__(text)
        el: Any = vsm_map.kaizens.get(element_id) or vsm_map.notes[element_id]
        self.map, self.element_id = vsm_map, element_id
        self.new = dict(changes)
        self.old = {k: getattr(el, k) for k in changes}

    def redo(self) -> None:
        self.map.update_element(self.element_id, **self.new)

    def undo(self) -> None:
        self.map.update_element(self.element_id, **self.old)


class RemoveStageCommand(QUndoCommand):
    """Delete a stage; child commands delete its flows and unlink its kaizen bursts first."""

    def __init__(self, vsm_map: ValueStreamMap, stage_id: str) -> None:
        stage = vsm_map.stage(stage_id)
        super().__init__(f"Delete stage {stage.name}")
        self.map, self.stage = vsm_map, stage
        self.index = vsm_map.stage_index(stage_id)
        # child commands, run by this command (kept in Python: PySide does not give a C++
        # parent command ownership of Python-made children)
        self.children: list[QUndoCommand] = [
            RemoveFlowCommand(vsm_map, f.id) for f in vsm_map.flows_of(stage_id)]
        self.children += [
            SetElementFieldsCommand(vsm_map, k.id, {"stage_id": None})
            for k in vsm_map.kaizens.values() if k.stage_id == stage_id]

    def redo(self) -> None:
        for child in self.children:  # flows go first
            child.redo()
        self.map.remove_stage(self.stage.id)

    def undo(self) -> None:
        self.map.add_stage(self.stage, self.index)
        for child in reversed(self.children):  # then the flows come back
            child.undo()


class MoveCommand(QUndoCommand):
    """Move stages, kaizen bursts and notes: one command for a whole drag or layout."""

    def __init__(self, vsm_map: ValueStreamMap, moves: Moves, text: str | None = None) -> None:
        n = len(moves)
        if text is None:
            if n == 1:
                (eid,) = moves
                text = f"Move {_element_name(vsm_map, eid)}"
            else:
                text = f"Move {n} items"
        super().__init__(text)
        self.map = vsm_map
        self.moves = {k: (tuple(a), tuple(b)) for k, (a, b) in moves.items()}

    def _apply(self, which: int) -> None:
        for eid, pair in self.moves.items():
            x, y = pair[which]
            if self.map.has_stage(eid):
                self.map.update_stage(eid, x=float(x), y=float(y))
            else:
                self.map.update_element(eid, x=float(x), y=float(y))

    def redo(self) -> None:
        self._apply(1)

    def undo(self) -> None:
        self._apply(0)


def _stage_name(vsm_map: ValueStreamMap, stage_id: str) -> str:
    return vsm_map.stage(stage_id).name if vsm_map.has_stage(stage_id) else "new stage"


def _element_name(vsm_map: ValueStreamMap, eid: str) -> str:
    if vsm_map.has_stage(eid):
        return vsm_map.stage(eid).name
    if eid in vsm_map.kaizens:
        return "kaizen burst"
    return "note"


_FIELD_NAMES = {
    "name": "name", "owner": "owner", "people": "people", "notes": "notes",
    "process_time_s": "process time", "wait_time_s": "wait time", "inventory": "inventory",
    "lead_time_s": "lead time", "pca": "%C&A", "process_time_min_s": "min process time",
    "process_time_max_s": "max process time", "wait_time_min_s": "min wait time",
    "wait_time_max_s": "max wait time", "wip_limit": "WIP limit",
}


class SetStageFieldsCommand(QUndoCommand):
    """Change plain fields of a stage (name, owner, people, notes, WIP limit)."""

    def __init__(self, vsm_map: ValueStreamMap, stage_id: str, changes: Mapping[str, Any]) -> None:
        stage = vsm_map.stage(stage_id)
        what = ", ".join(_FIELD_NAMES.get(k, k) for k in changes)
        if set(changes) == {"name"}:
            text = f"Rename {stage.name} to {changes['name']}"
        else:
            text = f"Edit {stage.name}: {what}"
        super().__init__(text)
        self.map, self.stage_id = vsm_map, stage_id
        self.new = copy.deepcopy(dict(changes))
        self.old = {k: copy.deepcopy(getattr(stage, k)) for k in changes}

    def redo(self) -> None:
        self.map.update_stage(self.stage_id, **self.new)

    def undo(self) -> None:
        self.map.update_stage(self.stage_id, **self.old)


class SetEstimatesCommand(QUndoCommand):
    """Change some workshop estimates of a stage (seconds, fraction for %C&A)."""

    def __init__(self, vsm_map: ValueStreamMap, stage_id: str, changes: Mapping[str, Any]) -> None:
        stage = vsm_map.stage(stage_id)
        what = ", ".join(_FIELD_NAMES.get(k, k) for k in changes)
        super().__init__(f"Edit {stage.name}: {what}")
        self.map, self.stage_id = vsm_map, stage_id
        self.old = stage.estimates
        self.new = replace(stage.estimates, **changes)

    def redo(self) -> None:
        self.map.update_stage(self.stage_id, estimates=self.new)

    def undo(self) -> None:
        self.map.update_stage(self.stage_id, estimates=self.old)


class SetFlowFieldsCommand(QUndoCommand):
    """Change a flow's kind (push, pull, rework) or label."""

    def __init__(self, vsm_map: ValueStreamMap, flow_id: str, changes: Mapping[str, Any]) -> None:
        flow = vsm_map.flow(flow_id)
        src, tgt = vsm_map.stage(flow.source).name, vsm_map.stage(flow.target).name
        super().__init__(f"Edit flow {src} → {tgt}")
        self.map, self.flow_id = vsm_map, flow_id
        self.new = dict(changes)
        self.old = {k: getattr(flow, k) for k in changes}

    def redo(self) -> None:
        self.map.update_flow(self.flow_id, **self.new)

    def undo(self) -> None:
        self.map.update_flow(self.flow_id, **self.old)


class SetMapSettingsCommand(QUndoCommand):
    """Replace the map settings (demand, available time, day length)."""

    def __init__(self, vsm_map: ValueStreamMap, settings: MapSettings) -> None:
        super().__init__(f"Edit settings of {vsm_map.name}")
        self.map = vsm_map
        self.old, self.new = replace(vsm_map.settings), replace(settings)

    def redo(self) -> None:
        self.map.set_settings(self.new)

    def undo(self) -> None:
        self.map.set_settings(self.old)


class AddElementCommand(QUndoCommand):
    """Add a kaizen burst or a sticky note."""

    def __init__(self, vsm_map: ValueStreamMap, element: KaizenBurst | StickyNote) -> None:
        what = "kaizen burst" if isinstance(element, KaizenBurst) else "note"
        super().__init__(f"Add {what}")
        self.map, self.element = vsm_map, element

    def redo(self) -> None:
        self.map.add_element(self.element)

    def undo(self) -> None:
        self.map.remove_element(self.element.id)


class RemoveElementCommand(QUndoCommand):
    """Delete a kaizen burst or a sticky note."""

    def __init__(self, vsm_map: ValueStreamMap, element_id: str) -> None:
        el: KaizenBurst | StickyNote = vsm_map.kaizens.get(element_id) or vsm_map.notes[element_id]
        what = "kaizen burst" if isinstance(el, KaizenBurst) else "note"
        super().__init__(f"Delete {what}")
        self.map, self.element = vsm_map, el

    def redo(self) -> None:
        self.map.remove_element(self.element.id)

    def undo(self) -> None:
        self.map.add_element(self.element)


class AddMapCommand(QUndoCommand):
    """Add a map to the project (a new tab)."""

    def __init__(self, project: Project, vsm_map: ValueStreamMap, index: int | None = None,
                 text: str | None = None) -> None:
        super().__init__(text or f"Add map {vsm_map.name}")
        self.project, self.map, self.index = project, vsm_map, index

    def redo(self) -> None:
        self.project.add_map(self.map, self.index)

    def undo(self) -> None:
        self.project.remove_map(self.map.id)


class RemoveMapCommand(QUndoCommand):
    """Remove a map (its tab closes; undo brings it back at the same place)."""

    def __init__(self, project: Project, map_id: str) -> None:
        index = next(i for i, m in enumerate(project.maps) if m.id == map_id)
        super().__init__(f"Delete map {project.maps[index].name}")
        self.project, self.map, self.index = project, project.maps[index], index

    def redo(self) -> None:
        self.project.remove_map(self.map.id)

    def undo(self) -> None:
        self.project.add_map(self.map, self.index)


class RenameMapCommand(QUndoCommand):
    """Rename a map."""

    def __init__(self, vsm_map: ValueStreamMap, name: str) -> None:
        super().__init__(f"Rename map {vsm_map.name} to {name}")
        self.map, self.old, self.new = vsm_map, vsm_map.name, name

    def redo(self) -> None:
        self.map.rename(self.new)

    def undo(self) -> None:
        self.map.rename(self.old)


class RenameProjectCommand(QUndoCommand):
    """Rename the project (Properties ▸ Project name): exports and reports carry the name."""

    def __init__(self, project: Project, name: str) -> None:
        super().__init__(f"Rename project {project.name} to {name}")
        self.project, self.old, self.new = project, project.name, name

    def redo(self) -> None:
        self.project.rename(self.new)

    def undo(self) -> None:
        self.project.rename(self.old)
