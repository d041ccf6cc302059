"""The editor of one map (one tab): the view, its scene, and every editing operation.

Operations build undo commands and push them on the window's shared QUndoStack; the scene
then follows the model. Mouse gestures are delegated to small interaction objects
(:mod:`.interactions`); the editor only decides which one starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from PySide6.QtCore import QMimeData, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QAccessible, QAccessibleEvent, QKeyEvent, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsSceneContextMenuEvent,
    QGraphicsSceneMouseEvent,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from ...domain.model import (
    Flow,
    FlowKind,
    KaizenBurst,
    ModelError,
    Project,
    Stage,
    StickyNote,
    ValueStreamMap,
)
from ...metrics import format as fmt
from ...render.canvas.items import (
    BOX_H,
    BOX_W,
    DATA_ROW_H,
    HANDLE_R,
    STAGE_H,
    ConnectHandle,
    MovableItem,
    StageItem,
    share_text,
)
from ...render.canvas.scene import MapScene, item_kind
from ...render.colors import LIGHT, CanvasColors
from ...storage.project_file import ProjectFileError, dumps, loads
from .. import commands as cmd
from .interactions import (
    DATA_FIELDS,
    EditDataInteraction,
    MoveItemsInteraction,
    NewFlowInteraction,
    RenameStageInteraction,
    RubberBandSelectInteraction,
    UserInteraction,
)
from .layout import COLUMN_STEP, auto_layout
from .view import MapView

FRAGMENT_MIME = "application/x-vsm-app-fragment"
INTERACTIVE_KINDS = ("stage", "flow", "kaizen", "note", "handle")


#: marks any clipboard content this app put there (map fragments, exported map images)
OWNED_MIME = "application/x-vsm-app-owned"


def release_clipboard() -> None:
    """Drop a map fragment we put on the clipboard (call when the window closes).

    Qt would otherwise delete our QMimeData after Python has shut down, which crashes.
    """
    clipboard = QApplication.clipboard()
    mime = clipboard.mimeData()
    if mime is not None and (mime.hasFormat(FRAGMENT_MIME) or mime.hasFormat(OWNED_MIME)):
        clipboard.clear()


class MapEditor(QWidget):
    """View + scene of one map, with the editing operations of the map editor.

    Signals
    -------
    selection_changed()
        The selected items changed.
    status_message(str)
        A short message for the status bar (e.g. why a connection was refused).
    edit_element_requested(str)
        A kaizen burst or note was double-clicked: edit its text in the properties dock.
    bind_requested(str)
        "Bind to data…" on a stage's context menu: open the bindings dialog on that stage.
    items_requested(str)
        "Items in this stage…" on a stage's context menu: the work items that were in the
        tracker statuses bound to it, each opening its journey.
    """

    selection_changed = Signal()
    status_message = Signal(str)
    edit_element_requested = Signal(str)
    bind_requested = Signal(str)
    items_requested = Signal(str)

    def __init__(self, vsm_map: ValueStreamMap, undo_stack: QUndoStack,
                 colors: CanvasColors = LIGHT, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.map = vsm_map
        self.undo_stack = undo_stack
        self.scene = MapScene(vsm_map, colors, self)
        self.scene.handler = self
        self.view = MapView(self.scene, self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.view)
        self._interaction: UserInteraction | None = None
        self._paste_offset = 0
        self._was_empty = not vsm_map.stages
        self.scene.selectionChanged.connect(self.selection_changed)
        self.scene.selectionChanged.connect(self.update_accessible)
        self.scene.refreshed.connect(self._on_refreshed)
        self.update_accessible()

    def close_editor(self) -> None:
        """Stop observing the model (call before the tab is dropped)."""
        if self._interaction is not None:
            self._interaction.cancel()
        self.scene.selectionChanged.disconnect(self.selection_changed)
        self.scene.selectionChanged.disconnect(self.update_accessible)
        self.scene.detach()

    def _on_refreshed(self) -> None:
        empty = not self.map.stages
        if empty != self._was_empty:
            self._was_empty = empty
            self.view.viewport().update()
        self.update_accessible()

    # -- what assistive technology reads ----------------------------------------------------------
    def accessible_text(self) -> tuple[str, str]:
        """Name and description of what is selected on the canvas (graphics items have no
        accessible interface of their own: the view carries the focused item's)."""
        stages = self.scene.selected_stage_ids()
        flows = self.scene.selected_flow_ids()
        if len(stages) == 1 and not flows:
            item = self.scene.stage_item(stages[0])
            c = item.content
            parts = [f"{k} {v}" for k, v in c.rows]
            if c.owner:
                parts.insert(0, f"owner {c.owner}")
            text, _color, constraint = item.overlay()
            if text:
                parts.append("measured " + text.replace("\n", ", "))
            if constraint:
                parts.append("the constraint")
            parts += [f"problem: {e}" for e in c.errors]
            return f"Stage {c.name}", "; ".join(parts)
        if len(flows) == 1 and not stages:
            f = self.map.flow(flows[0])
            a, b = self.map.stage(f.source).name, self.map.stage(f.target).name
            if f.kind == FlowKind.REWORK:
                share = (f", {share_text(f.rework_share)} of items sent back"
                         if f.rework_share is not None else "")
                return f"Rework flow from {a} back to {b}", f"rework loop{share}"
            return f"{f.kind.value.capitalize()} flow from {a} to {b}", f.label
        n = len(self.map.stages)
        name = f"Map {self.map.name}"
        if stages or flows:
            return name, f"{len(stages) + len(flows)} items selected"
        return name, (f"{fmt.count(n, 'stages')}; arrow keys move between stages, Enter "
                      "edits a value, F2 renames, Ctrl+F finds a stage")

    def update_accessible(self) -> None:
        """Mirror the selection into the view's accessible name and description."""
        try:
            name, description = self.accessible_text()
        except (RuntimeError, KeyError, ModelError):
            return  # the scene is being torn down, or the selection is being removed
        view = self.view
        if view.accessibleName() != name or view.accessibleDescription() != description:
            view.setAccessibleName(name)
            view.setAccessibleDescription(description)
            if QAccessible.isActive():
                QAccessible.updateAccessibility(
                    QAccessibleEvent(view, QAccessible.Event.NameChanged))

    # -- commands ----------------------------------------------------------------------------
    def push(self, command: QUndoCommand) -> None:
        self.undo_stack.push(command)

    @contextmanager
    def macro(self, text: str) -> Iterator[None]:
        """Commands pushed inside form one undo step."""
        self.undo_stack.beginMacro(text)
        try:
            yield
        finally:
            self.undo_stack.endMacro()

    def push_moves(self, moves: cmd.Moves, text: str | None = None) -> None:
        """One command moving every item of ``moves`` (id → (old, new))."""
        if moves:
            self.push(cmd.MoveCommand(self.map, moves, text))

    def set_stage_fields(self, stage_id: str, **changes: object) -> None:
        self.push(cmd.SetStageFieldsCommand(self.map, stage_id, changes))

    def set_estimates(self, stage_id: str, changes: dict[str, float | None]) -> None:
        """Set some workshop estimates of a stage: one undo command."""
        self.push(cmd.SetEstimatesCommand(self.map, stage_id, changes))

    # -- keyboard: in-place values, moving between stages, finding one ------------------------
    def flow_order(self) -> list[str]:
        """The stages in flow order (forward flows; ties and loose stages by position)."""
        import networkx as nx

        g = self.map.graph(include_rework=False)
        pos = {s.id: (s.x, s.y) for s in self.map.stages}
        try:
            return list(nx.lexicographical_topological_sort(g, key=lambda n: pos[n]))
        except nx.NetworkXUnfeasible:  # a loop of forward flows: position only
            return sorted(pos, key=lambda n: pos[n])

    def neighbour_in_flow(self, stage_id: str, step: int) -> str | None:
        """The stage ``step`` places after (or before) ``stage_id`` in flow order."""
        order = self.flow_order()
        if stage_id not in order:
            return None
        i = order.index(stage_id) + step
        return order[i] if 0 <= i < len(order) else None

    def neighbour(self, stage_id: str, key: Qt.Key) -> str | None:
        """The stage an arrow key moves to: Right/Left follow the flows (the next stage
        downstream/upstream, the one whose box is nearest vertically first), else the
        nearest stage on that side; Up/Down the nearest stage above/below."""
        here = self.map.stage(stage_id)
        forward = [f for f in self.map.flows if f.kind != FlowKind.REWORK]
        if key in (Qt.Key.Key_Right, Qt.Key.Key_Left):
            linked = [f.target for f in forward if f.source == stage_id] \
                if key == Qt.Key.Key_Right else \
                [f.source for f in forward if f.target == stage_id]
            if linked:
                return min(linked, key=lambda i: (abs(self.map.stage(i).y - here.y),
                                                  self.map.stage(i).x))
        sign = {Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Left: (-1, 0),
                Qt.Key.Key_Down: (0, 1), Qt.Key.Key_Up: (0, -1)}.get(key)
        if sign is None:
            return None
        best: tuple[float, str] | None = None
        for s in self.map.stages:
            dx, dy = s.x - here.x, s.y - here.y
            along = dx * sign[0] + dy * sign[1]
            if s.id == stage_id or along <= 1:
                continue
            across = abs(dy) if sign[0] else abs(dx)
            score = along + 2 * across
            if best is None or score < best[0]:
                best = (score, s.id)
        return best[1] if best else None

    def select_stage(self, stage_id: str) -> None:
        """Select one stage and scroll it into view."""
        self.scene.select_ids([stage_id])
        item = self.scene.stage_item(stage_id)
        self.view.ensureVisible(item.sceneBoundingRect(), 40, 40)

    def move_selection(self, key: Qt.Key) -> bool:
        """Arrow keys: select the neighbouring stage; with nothing selected, the first
        stage in flow order."""
        sel = self.scene.selected_stage_ids()
        if not self.map.stages:
            return False
        if len(sel) != 1:
            order = self.flow_order()
            target: str | None = order[0] if order else None
        else:
            target = self.neighbour(sel[0], key)
        if target is None:
            return False
        self.select_stage(target)
        return True

    def edit_value(self, stage_id: str, row: int) -> bool:
        """Edit row ``row`` (0 PT, 1 Wait, 2 LT, 3 %C&A) of a stage's data box in place."""
        if not self.map.has_stage(stage_id):
            return False
        self.scene.select_ids([stage_id])
        self.view.setFocus()
        self.start_interaction(EditDataInteraction(self, self.scene.stage_item(stage_id),
                                                   row))
        return True

    # -- interactions ----------------------------------------------------------------------------
    def interaction(self) -> UserInteraction | None:
        return self._interaction

    def start_interaction(self, interaction: UserInteraction) -> None:
        if self._interaction is not None:
            self._interaction.cancel()
        self._interaction = interaction
        interaction.start()

    def interaction_done(self, interaction: UserInteraction) -> None:
        if self._interaction is interaction:
            self._interaction = None
        interaction.deleteLater()

    def _item_at(self, pos: QPointF) -> object | None:
        for it in self.scene.items(pos, Qt.ItemSelectionMode.IntersectsItemShape,
                                   Qt.SortOrder.DescendingOrder, self.view.transform()):
            if item_kind(it) in INTERACTIVE_KINDS and it.isVisible():
                return it
        return None

    def scene_mouse_press(self, event: QGraphicsSceneMouseEvent) -> bool:
        if self._interaction is not None:
            if self._interaction.mouse_press_event(event):
                return True
            if isinstance(self._interaction, MoveItemsInteraction):
                self._interaction.end()
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        item = self._item_at(event.scenePos())
        source = item.stage_item if isinstance(item, ConnectHandle) else \
            self._handle_zone_at(event.scenePos())
        if source is not None:
            self.start_interaction(NewFlowInteraction(self, source, event.scenePos()))
            return True
        if item is None:
            mods = event.modifiers()
            additive = bool(mods & (Qt.KeyboardModifier.ControlModifier
                                    | Qt.KeyboardModifier.ShiftModifier))
            self.start_interaction(RubberBandSelectInteraction(self, event.scenePos(), additive))
            return True
        return False

    def _handle_zone_at(self, pos: QPointF) -> StageItem | None:
        """The stage whose edge handle is at ``pos`` (shown on hover, but live even if not)."""
        r = HANDLE_R + 2
        for it in self.scene.items(QRectF(pos.x() - r, pos.y() - r, 2 * r, 2 * r)):
            if isinstance(it, StageItem):
                centre = it.pos() + QPointF(BOX_W, BOX_H / 2)
                d = pos - centre
                if d.x() * d.x() + d.y() * d.y() <= r * r:
                    return it
        return None

    def scene_mouse_move(self, event: QGraphicsSceneMouseEvent) -> bool:
        if self._interaction is not None:
            return self._interaction.mouse_move_event(event)
        if event.buttons() & Qt.MouseButton.LeftButton:
            grabber = self.scene.mouseGrabberItem()
            if isinstance(grabber, MovableItem):
                items = [it for it in self.scene.selectedItems() if isinstance(it, MovableItem)]
                if grabber not in items:
                    items.append(grabber)
                self.start_interaction(MoveItemsInteraction(self, items))
        return False

    def scene_mouse_release(self, event: QGraphicsSceneMouseEvent) -> bool:
        if self._interaction is not None and not isinstance(self._interaction,
                                                            MoveItemsInteraction):
            return self._interaction.mouse_release_event(event)
        return False

    def after_mouse_release(self, event: QGraphicsSceneMouseEvent) -> None:
        if isinstance(self._interaction, MoveItemsInteraction):
            self._interaction.end()

    def scene_double_click(self, event: QGraphicsSceneMouseEvent) -> bool:
        if self._interaction is not None and self._interaction.mouse_double_click_event(event):
            return True
        if event.button() != Qt.MouseButton.LeftButton:
            return False
        item = self._item_at(event.scenePos())
        if item is None:
            self.add_stage_at(event.scenePos())
            return True
        if isinstance(item, StageItem):
            local = item.mapFromScene(event.scenePos())
            row = int((local.y() - BOX_H) // DATA_ROW_H)
            if local.y() >= BOX_H and 0 <= row < len(DATA_FIELDS):
                self.edit_value(item.model_id, row)  # a value of the data box, in place
            else:
                self.start_rename(item.model_id)
            return True
        if item_kind(item) in ("kaizen", "note"):
            self.edit_element_requested.emit(getattr(item, "model_id", ""))
            return True
        return False

    def scene_key_press(self, event: QKeyEvent) -> bool:
        if self._interaction is not None:
            return self._interaction.key_press_event(event)
        if event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up,
                           Qt.Key.Key_Down) \
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier \
                and self.scene.focusItem() is None:
            return self.move_selection(Qt.Key(event.key()))
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers() \
                and len(self.scene.selected_stage_ids()) == 1:
            return self.edit_value(self.scene.selected_stage_ids()[0], 0)
        return False

    def scene_context_menu(self, event: QGraphicsSceneContextMenuEvent) -> bool:
        self.context_menu(event.scenePos()).popup(event.screenPos())
        return True

    def context_menu(self, scene_pos: QPointF) -> QMenu:
        """The right-click menu for what is under ``scene_pos`` (selects it first)."""
        item = self._item_at(scene_pos)
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        pos = QPointF(scene_pos)
        if item is None:
            menu.addAction("Add stage here", lambda: self.add_stage_at(pos))
            menu.addAction("Add kaizen burst here", lambda: self.add_kaizen(pos))
            menu.addAction("Add sticky note here", lambda: self.add_note(pos))
        else:
            if not getattr(item, "isSelected", lambda: False)():
                self.scene.select_ids([getattr(item, "model_id", "")])
            if isinstance(item, StageItem):
                sid = item.model_id
                menu.addAction("Rename", lambda: self.start_rename(sid))
                menu.addAction("Add kaizen burst", lambda: self.add_kaizen(None, stage_id=sid))
                menu.addAction("Bind to data…", lambda: self.bind_requested.emit(sid))
                items = menu.addAction("Items in this stage…",
                                       lambda: self.items_requested.emit(sid))
                items.setObjectName("action.stage_items")
                # only a stage bound to tracker statuses has items in it (issue 18)
                items.setEnabled(bool(self.map.stage(sid).statuses))
            if item_kind(item) == "flow":
                fid = getattr(item, "model_id", "")
                for kind in FlowKind:
                    act = menu.addAction(f"{kind.value.capitalize()} flow",
                                         lambda k=kind: self.set_flow_kind(fid, k))
                    act.setCheckable(True)
                    act.setChecked(self.map.flow(fid).kind == kind)
            menu.addSeparator()
            menu.addAction("Delete", self.delete_selected)
        return menu

    # -- adding --------------------------------------------------------------------------------
    def new_stage_name(self) -> str:
        names = {s.name for s in self.map.stages}
        n = len(self.map.stages) + 1
        while f"Stage {n}" in names:
            n += 1
        return f"Stage {n}"

    def add_stage_at(self, scene_pos: QPointF, name: str | None = None,
                     rename: bool = True) -> Stage:
        """Add a stage centred on ``scene_pos`` (snapped to the grid); starts inline rename."""
        top_left = self.scene.snap_point(QPointF(scene_pos.x() - BOX_W / 2,
                                                 scene_pos.y() - BOX_H / 2))
        stage = Stage(name or self.new_stage_name(), x=top_left.x(), y=top_left.y())
        self.push(cmd.AddStageCommand(self.map, stage))
        self.scene.select_ids([stage.id])
        if rename and name is None:
            self.start_rename(stage.id)
        return stage

    def add_stage_at_cursor(self) -> Stage:
        """Key N / toolbar: a stage under the mouse, or right of the last one."""
        pos = self.view.cursor_scene_pos()
        if pos is None:
            pos = self._next_free_position()
        return self.add_stage_at(pos)

    def _next_free_position(self) -> QPointF:
        stages = self.map.stages
        if not stages:
            return self.view.center_scene_pos()
        right = max(stages, key=lambda s: (s.x, -s.y))
        return QPointF(right.x + COLUMN_STEP + BOX_W / 2, right.y + BOX_H / 2)

    def quick_add(self, name: str) -> Stage | None:
        """Quick entry: a stage right of the selected (or last) stage, connected to it."""
        name = " ".join(name.split())
        if not name:
            return None
        anchor = self._quick_anchor()
        if anchor is None:
            c = self.view.center_scene_pos()
            stage = Stage(name, x=self.scene.snap_point(c).x(), y=self.scene.snap_point(c).y())
            self.push(cmd.AddStageCommand(self.map, stage))
        else:
            x, y = anchor.x + COLUMN_STEP, anchor.y
            occupied = {(round(s.x), round(s.y)) for s in self.map.stages}
            while (round(x), round(y)) in occupied:
                y += STAGE_H + 100
            stage = Stage(name, x=x, y=y)
            with self.macro(f"Add stage {name}"):
                self.push(cmd.AddStageCommand(self.map, stage))
                self.push(cmd.AddFlowCommand(self.map, Flow(anchor.id, stage.id)))
        self.scene.select_ids([stage.id])
        self.view.ensureVisible(self.scene.stage_item(stage.id).stage_rect(), 40, 40)
        return stage

    def _quick_anchor(self) -> Stage | None:
        sel = self.scene.selected_stage_ids()
        if len(sel) == 1:
            return self.map.stage(sel[0])
        stages = self.map.stages
        if not stages:
            return None
        g = self.map.graph(include_rework=False)
        sinks = [s for s in stages if g.out_degree(s.id) == 0]
        return max(sinks or stages, key=lambda s: (s.x, -s.y))

    def add_kaizen(self, scene_pos: QPointF | None = None, stage_id: str | None = None,
                   text: str = "Improvement idea") -> KaizenBurst:
        """A kaizen burst at ``scene_pos``, or above the selected stage (linked to it)."""
        if stage_id is None:
            sel = self.scene.selected_stage_ids()
            stage_id = sel[0] if len(sel) == 1 and scene_pos is None else None
        if scene_pos is None:
            if stage_id is not None:
                s = self.map.stage(stage_id)
                scene_pos = QPointF(s.x + BOX_W / 2, s.y - 90)
            else:
                scene_pos = self.view.cursor_scene_pos() or self.view.center_scene_pos()
        el = KaizenBurst(text, stage_id, x=scene_pos.x(), y=scene_pos.y())
        self.push(cmd.AddElementCommand(self.map, el))
        self.scene.select_ids([el.id])
        return el

    def add_note(self, scene_pos: QPointF | None = None, text: str = "Note") -> StickyNote:
        """A sticky note at ``scene_pos`` (or under the mouse)."""
        if scene_pos is None:
            scene_pos = self.view.cursor_scene_pos() or self.view.center_scene_pos()
        el = StickyNote(text, x=scene_pos.x(), y=scene_pos.y())
        self.push(cmd.AddElementCommand(self.map, el))
        self.scene.select_ids([el.id])
        return el

    # -- connecting ----------------------------------------------------------------------------
    def is_against_flow(self, source_id: str, target_id: str) -> bool:
        """Whether ``source → target`` runs against the flow direction: the forward flows
        (push and pull) already lead from ``target`` to ``source``, so a forward flow would
        close a loop (the ladder and the critical path would have no end)."""
        import networkx as nx

        g = self.map.graph(include_rework=False)
        return bool(g.has_node(target_id) and g.has_node(source_id)
                    and nx.has_path(g, target_id, source_id))

    def connect_stages(self, source_id: str, target_id: str,
                       kind: FlowKind | None = FlowKind.PUSH) -> Flow | None:
        """Add a flow; refused (with a status message) when it would duplicate one.

        ``kind=None`` (the drag gesture) chooses: a connection drawn against the flow
        direction (:meth:`is_against_flow`) becomes a rework flow, drawn as a loop above the
        stages; any other one is a push flow.
        """
        if kind is None:
            kind = (FlowKind.REWORK if self.is_against_flow(source_id, target_id)
                    else FlowKind.PUSH)
            if kind == FlowKind.REWORK:
                self.status_message.emit(
                    f"Drawn against the flow: a rework flow from "
                    f"{self.map.stage(source_id).name} back to "
                    f"{self.map.stage(target_id).name} (set its %rework in Properties)")
        flow = Flow(source_id, target_id, kind)
        try:
            self.push(cmd.AddFlowCommand(self.map, flow))
        except ModelError as e:
            self.status_message.emit(str(e))
            return None
        return flow

    def connect_selected(self) -> int:
        """Key C: connect the selected stages left to right; returns the flows added."""
        ids = sorted(self.scene.selected_stage_ids(),
                     key=lambda i: (self.map.stage(i).x, self.map.stage(i).y))
        if len(ids) < 2:
            self.status_message.emit("Select two stages to connect them")
            return 0
        existing = {(f.source, f.target) for f in self.map.flows}
        pairs = [(a, b) for a, b in zip(ids, ids[1:], strict=False)
                 if (a, b) not in existing and (b, a) not in existing]
        if not pairs:
            self.status_message.emit("These stages are already connected")
            return 0
        with self.macro("Connect stages") if len(pairs) > 1 else nullcontext():
            for a, b in pairs:
                self.push(cmd.AddFlowCommand(self.map, Flow(a, b)))
        return len(pairs)

    def set_flow_kind(self, flow_id: str, kind: FlowKind) -> None:
        if self.map.flow(flow_id).kind != kind:
            self.push(cmd.SetFlowFieldsCommand(self.map, flow_id, {"kind": kind}))

    # -- renaming ------------------------------------------------------------------------------
    def start_rename(self, stage_id: str | None = None) -> bool:
        """F2: inline rename of the (selected) stage."""
        if stage_id is None:
            sel = self.scene.selected_stage_ids()
            if len(sel) != 1:
                sel_el = self.scene.selected_element_ids()
                if len(sel_el) == 1:
                    self.edit_element_requested.emit(sel_el[0])
                    return True
                return False
            stage_id = sel[0]
        self.view.setFocus()
        self.start_interaction(RenameStageInteraction(self, self.scene.stage_item(stage_id)))
        return True

    # -- deleting ------------------------------------------------------------------------------
    def delete_selected(self) -> None:
        """Del: delete the selection; a stage's flows go with it, all in one undo step."""
        stages = self.scene.selected_stage_ids()
        flows = [f for f in self.scene.selected_flow_ids()
                 if not {self.map.flow(f).source, self.map.flow(f).target} & set(stages)]
        elements = self.scene.selected_element_ids()
        n = len(stages) + len(flows) + len(elements)
        if n == 0:
            return
        if n == 1 and stages:
            self.push(cmd.RemoveStageCommand(self.map, stages[0]))
            return
        with self.macro(f"Delete {n} items") if n > 1 else nullcontext():
            for fid in flows:
                self.push(cmd.RemoveFlowCommand(self.map, fid))
            for sid in stages:
                self.push(cmd.RemoveStageCommand(self.map, sid))
            for eid in elements:
                self.push(cmd.RemoveElementCommand(self.map, eid))

    # -- clipboard -----------------------------------------------------------------------------
    def _fragment(self) -> ValueStreamMap | None:
        stage_ids = set(self.scene.selected_stage_ids())
        el_ids = set(self.scene.selected_element_ids())
        if not stage_ids and not el_ids:
            return None
        frag = ValueStreamMap("fragment", settings=self.map.settings)
        for s in self.map.stages:
            if s.id in stage_ids:
                frag.add_stage(s)
        for f in self.map.flows:
            if f.source in stage_ids and f.target in stage_ids:
                frag.add_flow(f)
        for k in self.map.kaizens.values():
            if k.id in el_ids:
                frag.add_element(k)
        for n in self.map.notes.values():
            if n.id in el_ids:
                frag.add_element(n)
        return frag

    def copy_selected(self) -> bool:
        """Ctrl+C: the selected stages (with the flows between them) and notes."""
        frag = self._fragment()
        if frag is None:
            return False
        text = dumps(Project("clipboard", [frag]))
        mime = QMimeData()
        mime.setData(FRAGMENT_MIME, text.encode("utf-8"))
        mime.setText(", ".join(s.name for s in frag.stages))
        QApplication.clipboard().setMimeData(mime)
        self._paste_offset = 0
        return True

    def paste(self) -> int:
        """Ctrl+V: paste copied stages with new ids, offset from the originals."""
        mime = QApplication.clipboard().mimeData()
        if mime is None or not mime.hasFormat(FRAGMENT_MIME):
            return 0
        try:
            project = loads(bytes(mime.data(FRAGMENT_MIME).data()))
        except ProjectFileError:
            return 0
        if not project.maps:
            return 0
        self._paste_offset += 40
        return self._insert_fragment(project.maps[0], self._paste_offset, "Paste")

    def duplicate_selected(self) -> int:
        """Ctrl+D: copy and paste in one go (the clipboard is left alone)."""
        frag = self._fragment()
        if frag is None:
            return 0
        return self._insert_fragment(frag, 40, "Duplicate")

    def _insert_fragment(self, frag: ValueStreamMap, offset: float, text: str) -> int:
        fresh = frag.copy(new_ids=True)
        new_ids: list[str] = []
        with self.macro(text):
            for s in fresh.stages:
                s.x += offset
                s.y += offset
                self.push(cmd.AddStageCommand(self.map, s))
                new_ids.append(s.id)
            for f in fresh.flows:
                self.push(cmd.AddFlowCommand(self.map, f))
            for el in [*fresh.kaizens.values(), *fresh.notes.values()]:
                el.x += offset
                el.y += offset
                if isinstance(el, KaizenBurst) and el.stage_id not in {s.id for s in
                                                                       fresh.stages}:
                    el.stage_id = None
                self.push(cmd.AddElementCommand(self.map, el))
                new_ids.append(el.id)
        self.scene.select_ids(new_ids)
        return len(new_ids)

    # -- arranging -----------------------------------------------------------------------------
    def _selected_positions(self) -> dict[str, tuple[float, float]]:
        out: dict[str, tuple[float, float]] = {}
        for sid in self.scene.selected_stage_ids():
            s = self.map.stage(sid)
            out[sid] = (s.x, s.y)
        for eid in self.scene.selected_element_ids():
            el = self.map.kaizens.get(eid) or self.map.notes[eid]
            out[eid] = (el.x, el.y)
        return out

    def align(self, edge: str) -> None:
        """Align the selection: ``left``, ``top``, ``center`` (same x) or ``middle`` (same y)."""
        pos = self._selected_positions()
        if len(pos) < 2:
            return
        xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
        moves = {}
        for eid, (x, y) in pos.items():
            nx_, ny_ = x, y
            if edge == "left":
                nx_ = min(xs)
            elif edge == "top":
                ny_ = min(ys)
            elif edge == "center":
                nx_ = sum(xs) / len(xs)
            elif edge == "middle":
                ny_ = sum(ys) / len(ys)
            else:
                raise ValueError(f"unknown edge {edge!r}")
            if (nx_, ny_) != (x, y):
                moves[eid] = ((x, y), (nx_, ny_))
        self.push_moves(moves, f"Align {edge}")

    def distribute(self, axis: str) -> None:
        """Even spacing of the selection along ``horizontal`` or ``vertical``."""
        pos = self._selected_positions()
        if len(pos) < 3:
            return
        i = 0 if axis == "horizontal" else 1
        ordered = sorted(pos.items(), key=lambda kv: kv[1][i])
        lo, hi = ordered[0][1][i], ordered[-1][1][i]
        step = (hi - lo) / (len(ordered) - 1)
        moves = {}
        for k, (eid, p) in enumerate(ordered):
            new = list(p)
            new[i] = lo + k * step
            if tuple(new) != p:
                moves[eid] = (p, (new[0], new[1]))
        self.push_moves(moves, f"Distribute {axis}ly")

    def auto_layout(self) -> None:
        """Lay the stages out left to right from the graph (one undo step)."""
        new = auto_layout(self.map)
        moves = {}
        for sid, (x, y) in new.items():
            s = self.map.stage(sid)
            if (s.x, s.y) != (x, y):
                moves[sid] = ((s.x, s.y), (x, y))
        self.push_moves(moves, "Auto-layout")
        self.view.fit_to_view()

    def select_all(self) -> None:
        ids = [s.id for s in self.map.stages] + [f.id for f in self.map.flows] + \
            list(self.map.kaizens) + list(self.map.notes)
        self.scene.select_ids(ids)
