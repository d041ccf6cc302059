"""A 5-stage map drawn with real mouse and key events; undo to empty, redo to full."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, Qt

from vsm_app.domain.model import FlowKind
from vsm_app.ui.canvas.interactions import RenameStageInteraction

from .helpers import click, double_click, drag, handle_pos, key, move, stage_center, type_text

NAMES = ["Idea", "Coding", "Review", "Test", "Release"]


def _name_new_stage(editor: Any, name: str) -> None:
    assert isinstance(editor.interaction(), RenameStageInteraction), "inline rename started"
    view = editor.view
    type_text(view, name)
    key(view, Qt.Key.Key_Return)


def test_draw_five_stage_map_with_mouse_and_keys(empty_window: Any) -> None:
    w = empty_window
    editor = w.current_editor()
    view, m = editor.view, editor.map
    view.setFocus()
    view.set_zoom(0.75)
    view.centerOn(QPointF(560, 120))

    # 1st stage: double-click on empty canvas, type its name
    double_click(view, QPointF(100, 100))
    _name_new_stage(editor, NAMES[0])
    # the others: mouse over the canvas, key N, type the name
    for i, name in enumerate(NAMES[1:], start=1):
        move(view, QPointF(100 + 240 * i, 100))
        key(view, Qt.Key.Key_N)
        _name_new_stage(editor, name)
    assert [s.name for s in m.stages] == NAMES
    xs = [s.x for s in m.stages]
    assert xs == sorted(xs) and all(s.x % 20 == 0 and s.y % 20 == 0 for s in m.stages)

    ids = [s.id for s in m.stages]
    view.fit_to_view()
    # connect 1→2, 2→3, 3→4 by dragging from the edge handle to the next stage
    for a, b in zip(ids[:3], ids[1:4], strict=True):
        move(view, stage_center(view, a))  # hovering shows the edge handle
        drag(view, handle_pos(view, a), stage_center(view, b))
    # 4→5: select the two stages, press C
    click(view, stage_center(view, ids[3]))
    click(view, stage_center(view, ids[4]), Qt.KeyboardModifier.ControlModifier)
    assert set(editor.scene.selected_stage_ids()) == {ids[3], ids[4]}
    key(view, Qt.Key.Key_C)

    chain = [(m.stage(f.source).name, m.stage(f.target).name) for f in m.flows]
    assert chain == list(zip(NAMES, NAMES[1:], strict=False))
    assert all(f.kind == FlowKind.PUSH for f in m.flows)
    assert w.isWindowModified()
    # arrows were drawn for every flow and end on the target's box edge
    for f in m.flows:
        path = editor.scene.flow_item(f.id).arrow_path()
        target_box = editor.scene.stage_item(f.target).process_rect()
        end = path.currentPosition()
        assert abs(end.x() - target_box.left()) < 0.5

    full = m.copy()
    steps = w.undo_stack.count()
    assert steps == 5 + 5 + 4  # add, rename ×5; connect ×4: one command per gesture

    for _ in range(steps):
        key(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert m.stages == [] and m.flows == []
    assert editor.scene.stage_items() == [] and editor.scene.flow_items() == []
    assert not w.isWindowModified()

    for _ in range(steps):
        key(view, Qt.Key.Key_Z,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert m.same_content(full)
    assert len(editor.scene.stage_items()) == 5 and len(editor.scene.flow_items()) == 4
