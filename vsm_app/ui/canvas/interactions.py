"""Editing modes of the map editor, each a small object (after Orange canvas).

An interaction is started by the editor, receives the scene's mouse and key events first, and
ends with ``finished`` (it did its job, usually by pushing one command) or ``canceled``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFocusEvent, QKeyEvent, QPainterPath, QPen, QTextCursor
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsSceneMouseEvent,
    QGraphicsTextItem,
)

from ...domain.durations import format_duration, parse_duration
from ...domain.numbers import parse_pca
from ...metrics import format as fmt
from ...render.canvas.items import (
    BOX_H,
    BOX_W,
    DATA_ROW_H,
    DATA_VALUE_PX,
    Z_TEMP,
    MovableItem,
    StageItem,
    TempFlowLine,
    font,
)

if TYPE_CHECKING:
    from .editor import MapEditor


class UserInteraction(QObject):
    """Base of the editing modes: override the event methods, return True to consume."""

    started = Signal()
    finished = Signal()
    canceled = Signal()

    def __init__(self, editor: MapEditor) -> None:
        super().__init__(editor)
        self.editor = editor
        self.scene = editor.scene
        self._done = False

    def start(self) -> None:
        self.started.emit()

    def end(self) -> None:
        """Finish normally."""
        if self._done:
            return
        self._done = True
        self.cleanup()
        self.editor.interaction_done(self)
        self.finished.emit()

    def cancel(self) -> None:
        """Abandon without changing anything."""
        if self._done:
            return
        self._done = True
        self.cleanup()
        self.editor.interaction_done(self)
        self.canceled.emit()

    def cleanup(self) -> None:
        """Remove temporary items."""

    def mouse_press_event(self, event: QGraphicsSceneMouseEvent) -> bool:
        return False

    def mouse_move_event(self, event: QGraphicsSceneMouseEvent) -> bool:
        return False

    def mouse_release_event(self, event: QGraphicsSceneMouseEvent) -> bool:
        return False

    def mouse_double_click_event(self, event: QGraphicsSceneMouseEvent) -> bool:
        return False

    def key_press_event(self, event: QKeyEvent) -> bool:
        if event.key() == Qt.Key.Key_Escape:
            self.cancel()
            return True
        return False


class NewFlowInteraction(UserInteraction):
    """Drag from a stage's edge handle to another stage: one flow on release, push, or
    rework when drawn against the flow direction."""

    def __init__(self, editor: MapEditor, source: StageItem, start: QPointF) -> None:
        super().__init__(editor)
        self.source = source
        self.line = TempFlowLine(start)
        self.target: StageItem | None = None

    def start(self) -> None:
        self.scene.addItem(self.line)
        super().start()

    def cleanup(self) -> None:
        if self.target is not None:
            self.target.set_drop_highlight(False)
        if self.line.scene() is not None:
            self.scene.removeItem(self.line)

    def _stage_at(self, pos: QPointF) -> StageItem | None:
        for it in self.scene.items(pos):
            if isinstance(it, StageItem) and it is not self.source:
                return it
        return None

    def mouse_move_event(self, event: QGraphicsSceneMouseEvent) -> bool:
        self.line.set_end(event.scenePos())
        target = self._stage_at(event.scenePos())
        if target is not self.target:
            if self.target is not None:
                self.target.set_drop_highlight(False)
            self.target = target
            if target is not None:
                target.set_drop_highlight(True)
        return True

    def mouse_press_event(self, event: QGraphicsSceneMouseEvent) -> bool:
        return True

    def mouse_release_event(self, event: QGraphicsSceneMouseEvent) -> bool:
        target = self._stage_at(event.scenePos())
        if target is None:
            self.cancel()
            return True
        source_id, target_id = self.source.model_id, target.model_id
        self.end()
        self.editor.connect_stages(source_id, target_id, kind=None)
        return True


class RubberBandSelectInteraction(UserInteraction):
    """Drag on empty canvas: select what the rectangle touches (Ctrl/Shift adds)."""

    def __init__(self, editor: MapEditor, origin: QPointF, additive: bool) -> None:
        super().__init__(editor)
        self.origin = origin
        self.initial = list(self.scene.selectedItems()) if additive else []
        self.rect_item = QGraphicsRectItem()
        c = QColor(self.scene.colors.selection)
        self.rect_item.setPen(QPen(c, 1.2, Qt.PenStyle.DashLine))
        fill = QColor(c)
        fill.setAlpha(35)
        self.rect_item.setBrush(QBrush(fill))
        self.rect_item.setZValue(Z_TEMP)

    def start(self) -> None:
        if not self.initial:
            self.scene.clearSelection()
        super().start()

    def cleanup(self) -> None:
        if self.rect_item.scene() is not None:
            self.scene.removeItem(self.rect_item)

    def mouse_move_event(self, event: QGraphicsSceneMouseEvent) -> bool:
        if self.rect_item.scene() is None:
            self.scene.addItem(self.rect_item)
        rect = QRectF(self.origin, event.scenePos()).normalized()
        self.rect_item.setRect(rect)
        path = QPainterPath()
        path.addRect(rect)
        self.scene.setSelectionArea(path, Qt.ItemSelectionOperation.ReplaceSelection,
                                    Qt.ItemSelectionMode.IntersectsItemShape)
        for it in self.initial:
            it.setSelected(True)
        return True

    def mouse_release_event(self, event: QGraphicsSceneMouseEvent) -> bool:
        self.end()
        return True


class MoveItemsInteraction(UserInteraction):
    """A drag of the selected stages/notes: Qt moves the items, one command at release."""

    def __init__(self, editor: MapEditor, items: list[MovableItem]) -> None:
        super().__init__(editor)
        self.start_positions = {it.model_id: QPointF(it.pos()) for it in items}
        self.items = items

    def start(self) -> None:
        self.scene.dragging = True
        super().start()

    def cleanup(self) -> None:
        self.scene.dragging = False

    def key_press_event(self, event: QKeyEvent) -> bool:
        if event.key() == Qt.Key.Key_Escape:
            for it in self.items:  # put them back: nothing was pushed
                it.setPos(self.start_positions[it.model_id])
            self.cancel()
            return True
        return False

    def end(self) -> None:
        moves = {}
        for it in self.items:
            a, b = self.start_positions[it.model_id], it.pos()
            if a != b:
                moves[it.model_id] = ((a.x(), a.y()), (b.x(), b.y()))
        super().end()
        if moves:
            self.editor.push_moves(moves)


class InlineTextEditor(QGraphicsTextItem):
    """A one-line text editor drawn on the canvas; Enter commits, Esc cancels."""

    def __init__(self, text: str, on_commit: object, on_cancel: object) -> None:
        super().__init__(text)
        self._on_commit, self._on_cancel = on_commit, on_cancel
        self._closed = False
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextEditorInteraction)
        self.setFont(font(15, bold=True))
        self.setZValue(Z_TEMP)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsFocusable)

    def paint(self, painter, option, widget=None) -> None:  # type: ignore[no-untyped-def]
        painter.setPen(QPen(QColor("#1f6feb"), 2))
        painter.setBrush(QColor("#ffffff"))
        painter.drawRect(self.boundingRect())
        super().paint(painter, option, widget)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.close(commit=True)
            return
        if event.key() == Qt.Key.Key_Escape:
            self.close(commit=False)
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.close(commit=True)

    def close(self, commit: bool) -> None:
        if self._closed:
            return
        self._closed = True
        (self._on_commit if commit else self._on_cancel)()  # type: ignore[operator]


class _InPlaceTextInteraction(UserInteraction):
    """Typing into a text item on the canvas: a click outside commits, the item handles its
    keys, and the item goes when the interaction ends."""

    text_item: InlineTextEditor

    def cleanup(self) -> None:
        self.text_item._closed = True
        if self.text_item.scene() is not None:
            self.scene.removeItem(self.text_item)

    def mouse_press_event(self, event: QGraphicsSceneMouseEvent) -> bool:
        if not self.text_item.sceneBoundingRect().contains(event.scenePos()):
            self.text_item.close(commit=True)
        return False

    def key_press_event(self, event: QKeyEvent) -> bool:
        return False  # the text item handles its keys


class RenameStageInteraction(_InPlaceTextInteraction):
    """Inline rename of a stage (F2 or double-click): one command on Enter."""

    def __init__(self, editor: MapEditor, stage_item: StageItem) -> None:
        super().__init__(editor)
        self.stage_item = stage_item
        self.old_name = editor.map.stage(stage_item.model_id).name
        self.text_item = InlineTextEditor(self.old_name, self._commit, self.cancel)

    def start(self) -> None:
        r = self.stage_item.process_rect()
        self.text_item.setTextWidth(BOX_W - 8)
        self.scene.addItem(self.text_item)
        self.text_item.setPos(r.left() + 4, r.top() + BOX_H / 2 - 22)
        self.text_item.setFocus(Qt.FocusReason.OtherFocusReason)
        cursor = self.text_item.textCursor()
        cursor.select(QTextCursor.SelectionType.Document)
        self.text_item.setTextCursor(cursor)
        super().start()

    @property
    def text(self) -> str:
        return self.text_item.toPlainText()

    def _commit(self) -> None:
        name = " ".join(self.text.split())
        stage_id = self.stage_item.model_id
        self.end()
        if name and name != self.old_name and self.editor.map.has_stage(stage_id):
            self.editor.set_stage_fields(stage_id, name=name)



#: the data box's rows (top to bottom) and the estimate each one edits
DATA_FIELDS: tuple[tuple[str, str], ...] = (
    ("PT", "process_time_s"), ("Wait", "wait_time_s"), ("LT", "lead_time_s"),
    ("%C&A", "pca"))


class _TabFilter(QObject):
    """Tab and Shift+Tab reach the scene's focus chain before any item: catch them while a
    value is edited in place."""

    def __init__(self, on_tab: object) -> None:
        super().__init__()
        self._on_tab = on_tab

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) \
                and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            back = event.key() == Qt.Key.Key_Backtab \
                or bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self._on_tab(back)  # type: ignore[operator]
            return True
        return False


class EditDataInteraction(_InPlaceTextInteraction):
    """Edit one value of a stage's data box on the canvas (double-click it): Enter commits
    (one undo command), Esc cancels, Tab commits and moves to the next value (Shift+Tab the
    previous; past the last value of a stage, the next stage in flow order). A value the
    parser refuses stays open with its reason in the status bar."""

    def __init__(self, editor: MapEditor, stage_item: StageItem, row: int) -> None:
        super().__init__(editor)
        self.stage_item = stage_item
        self.stage_id = stage_item.model_id
        self.row = max(0, min(row, len(DATA_FIELDS) - 1))
        self.key = DATA_FIELDS[self.row][1]
        self.old_text = self._value_text()
        self.text_item = InlineTextEditor(self.old_text, self._commit, self.cancel)
        self.text_item.setFont(font(DATA_VALUE_PX, bold=True))
        self._filter = _TabFilter(self._tab)

    def _value_text(self) -> str:
        est = self.editor.map.stage(self.stage_id).estimates
        v = getattr(est, self.key)
        if v is None:
            return ""
        if self.key == "pca":
            return fmt.percent(v, 0 if round(v * 100) == v * 100 else 1)
        return format_duration(v, self.editor.map.settings.day_length_s, precise=True)

    def start(self) -> None:
        r = self.stage_item.process_rect()
        self.text_item.setTextWidth(BOX_W * 0.62)
        self.scene.addItem(self.text_item)
        self.text_item.setPos(r.left() + BOX_W * 0.36,
                              r.top() + BOX_H + self.row * DATA_ROW_H - 5)
        self.text_item.setFocus(Qt.FocusReason.OtherFocusReason)
        cursor = self.text_item.textCursor()
        cursor.select(QTextCursor.SelectionType.Document)
        self.text_item.setTextCursor(cursor)
        self.scene.installEventFilter(self._filter)
        self.editor.status_message.emit(
            f"{DATA_FIELDS[self.row][0]} of {self.editor.map.stage(self.stage_id).name}: "
            "Enter sets it, Tab the next value, Esc cancels")
        super().start()

    @property
    def text(self) -> str:
        return self.text_item.toPlainText()

    def parse(self) -> float | None:
        """The typed value (None when emptied); raises ValueError with the reason."""
        t = self.text.strip()
        if not t:
            return None
        if self.key == "pca":
            return parse_pca(t)
        return parse_duration(t, self.editor.map.settings.day_length_s)

    def _apply(self) -> bool:
        """Set the value (one undo command) when it changed; False when refused."""
        if self.text.strip() == self.old_text.strip():
            return True
        try:
            value = self.parse()
        except ValueError as e:  # DurationError is a ValueError
            self.editor.status_message.emit(f"Not set: {e}")
            return False
        if self.editor.map.has_stage(self.stage_id):
            self.editor.set_estimates(self.stage_id, {self.key: value})
        return True

    def _commit(self) -> None:
        if not self._apply():
            self.text_item._closed = False  # keep editing: the reason is in the status bar
            self.text_item.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self.end()

    def _tab(self, back: bool) -> None:
        if not self._apply():
            return
        stage_id, row = self.stage_id, self.row + (-1 if back else 1)
        if not 0 <= row < len(DATA_FIELDS):
            nxt = self.editor.neighbour_in_flow(stage_id, -1 if back else 1)
            if nxt is None:
                self.end()
                return
            stage_id, row = nxt, (len(DATA_FIELDS) - 1 if back else 0)
        self.end()
        self.editor.edit_value(stage_id, row)

    def cleanup(self) -> None:
        self.scene.removeEventFilter(self._filter)
        super().cleanup()
