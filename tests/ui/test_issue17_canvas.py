"""Issue 17 gestures on the canvas: a connection drawn backwards is a rework loop with its
%rework, a stage says its problem on the canvas, values are edited in place (Tab, Enter, Esc,
one undo step each), arrow keys and Ctrl+F move the selection, selecting a stage brings
Properties to the front, and the view tells assistive technology what is selected."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QDockWidget

from vsm_app.domain.model import FlowKind
from vsm_app.render.canvas.items import BOX_H, DATA_ROW_H, problem_text
from vsm_app.storage.project_file import dumps, loads

from .helpers import double_click, drag, handle_pos, key, stage_center, type_text

H = 3600.0


def _ids(window: Any) -> dict[str, str]:
    return {s.name: s.id for s in window.current_editor().map.stages}


def _value_pos(window: Any, stage: str, row: int) -> QPointF:
    """The scene point of row ``row`` (0 PT … 3 %C&A) of a stage's data box, right side."""
    ed = window.current_editor()
    r = ed.scene.stage_item(_ids(window)[stage]).process_rect()
    return QPointF(r.right() - 30, r.top() + BOX_H + (row + 0.5) * DATA_ROW_H)


def test_a_connection_drawn_backwards_is_a_visible_rework_loop(window: Any) -> None:
    ed = window.current_editor()
    view, m = ed.view, ed.map
    ids = _ids(window)
    view.fit_to_view()
    lead_before = ed.scene.metrics.lead_time_s
    assert lead_before is not None
    n = len(m.flows)
    # from CI's edge handle back onto Review: against the flow
    drag(view, handle_pos(view, ids["CI"]), stage_center(view, ids["Review"]))
    assert len(m.flows) == n + 1
    flow = m.flows[-1]
    assert (flow.source, flow.target, flow.kind) == (ids["CI"], ids["Review"], FlowKind.REWORK)
    # the ladder and the figures still have a value (a push loop would leave no main path)
    assert ed.scene.metrics.lead_time_s == lead_before
    assert not ed.scene.metrics.errors
    # drawn as a loop above the stages, not on top of the forward arrows
    path = ed.scene.flow_item(flow.id).arrow_path().boundingRect()
    top_of_boxes = min(ed.scene.stage_item(i).process_rect().top() for i in ids.values())
    assert path.top() < top_of_boxes - 30
    assert window.undo_stack.undoText().startswith("Add flow") or window.undo_stack.count()
    window.undo_stack.undo()
    assert len(m.flows) == n
    # forward, between stages not yet linked that way: a push flow
    drag(view, handle_pos(view, ids["Coding"]), stage_center(view, ids["CI"]))
    assert m.flows[-1].kind == FlowKind.PUSH


def test_rework_share_is_a_flow_property_shown_on_the_map_and_saved(window: Any) -> None:
    ed = window.current_editor()
    ids = _ids(window)
    flow = ed.connect_stages(ids["Release"], ids["CI"], kind=None)
    assert flow is not None and flow.kind == FlowKind.REWORK
    ed.scene.select_ids([flow.id])
    field = window.properties.field("flow", "rework_share")
    assert field.edit.isEnabled()
    field.edit.setText("12,5 %")  # a decimal comma, as typed in a German workshop
    field.edit.setModified(True)
    field.commit()
    assert flow.rework_share == 0.125
    assert ed.scene.flow_item(flow.id).shown_label() == "rework · 12.5 % sent back"
    name, description = ed.accessible_text()
    assert name == "Rework flow from Release back to CI"
    assert "12.5 % of items sent back" in description
    again = loads(dumps(window.project))
    assert again.maps[0].flow(flow.id).rework_share == 0.125
    window.undo_stack.undo()
    assert flow.rework_share is None
    # a push flow has no %rework to type
    push = next(f for f in ed.map.flows if f.kind == FlowKind.PUSH)
    ed.scene.select_ids([push.id])
    assert not field.edit.isEnabled()


def test_a_stage_with_a_problem_says_why_on_the_canvas(window: Any) -> None:
    ed = window.current_editor()
    ids = _ids(window)
    item = ed.scene.stage_item(ids["Review"])
    above = item.mapRectToScene(item.boundingRect()).adjusted(0, 0, 0, 0)
    above.setBottom(item.process_rect().top() - 22)  # the row above the tags
    before = ed.scene.render_image(scale=1.0, rect=above)
    # a lead time shorter than the process time (1h)
    ed.set_estimates(ids["Review"], {"lead_time_s": 0.5 * H})
    ed.scene.flush()
    assert item.content.errors
    assert problem_text(item.content.errors[0]) == \
        "lead time 30 min is shorter than process time 1h"
    after = ed.scene.render_image(scale=1.0, rect=above)
    assert after != before  # the reason is drawn above the box, not only in the tip
    assert "problem: stage 'Review': lead time 30 min" in \
        (ed.scene.select_ids([ids["Review"]]) or ed.accessible_text()[1])


def test_values_are_edited_in_place_with_tab_enter_esc_and_one_undo_each(window: Any,
                                                                         qtbot: Any) -> None:
    ed = window.current_editor()
    view, m = ed.view, ed.map
    ids = _ids(window)
    view.fit_to_view()
    qtbot.wait(20)
    n = window.undo_stack.count()
    double_click(view, _value_pos(window, "Review", 0))  # Review's PT
    inter = ed.interaction()
    assert inter is not None and inter.key == "process_time_s" and inter.text == "1h"
    type_text(view, "0,5d")  # replaces the selected text; a decimal comma
    key(view, Qt.Key.Key_Tab)  # commits, and moves on to Wait
    assert m.stage(ids["Review"]).estimates.process_time_s == 12 * H
    assert window.undo_stack.count() == n + 1
    inter = ed.interaction()
    assert inter is not None and inter.key == "wait_time_s" and inter.text == "8h"
    type_text(view, "3h")
    key(view, Qt.Key.Key_Escape)  # cancelled: nothing set
    assert ed.interaction() is None
    assert m.stage(ids["Review"]).estimates.wait_time_s == 8 * H
    assert window.undo_stack.count() == n + 1
    # %C&A, Enter commits; past the last value Tab goes to the next stage in flow order
    double_click(view, _value_pos(window, "Review", 3))
    type_text(view, "75")
    key(view, Qt.Key.Key_Tab)
    assert m.stage(ids["Review"]).estimates.pca == 0.75
    inter = ed.interaction()
    assert inter is not None and inter.stage_id == ids["Merge"] and inter.key == "process_time_s"
    key(view, Qt.Key.Key_Escape)
    # a refused value stays open and says why
    double_click(view, _value_pos(window, "CI", 0))
    type_text(view, "soon")
    key(view, Qt.Key.Key_Return)
    assert ed.interaction() is not None
    assert window.statusBar().currentMessage().startswith("Not set: 'soon': expected a "
                                                          "duration")
    key(view, Qt.Key.Key_Escape)
    assert m.stage(ids["CI"]).estimates.process_time_s == 0.5 * H
    # one undo step per committed value
    window.undo_stack.undo()
    assert m.stage(ids["Review"]).estimates.pca == 0.8
    window.undo_stack.undo()
    assert m.stage(ids["Review"]).estimates.process_time_s == 1 * H


def test_arrow_keys_move_between_stages_and_ctrl_f_finds_one(window: Any, dialogs: Any) -> None:
    ed = window.current_editor()
    view = ed.view
    ids = _ids(window)
    view.setFocus()
    key(view, Qt.Key.Key_Right)  # nothing selected: the first stage in flow order
    assert ed.scene.selected_stage_ids() == [ids["Coding"]]
    key(view, Qt.Key.Key_Right)
    assert ed.scene.selected_stage_ids() == [ids["Review"]]
    key(view, Qt.Key.Key_Right)
    key(view, Qt.Key.Key_Right)
    assert ed.scene.selected_stage_ids() == [ids["CI"]]
    key(view, Qt.Key.Key_Left)
    assert ed.scene.selected_stage_ids() == [ids["Merge"]]
    key(view, Qt.Key.Key_Up)  # nothing above: stays
    assert ed.scene.selected_stage_ids() == [ids["Merge"]]
    # the stages move; the flows still decide: Merge → CI even when CI sits below
    ed.push_moves({ids["CI"]: ((ed.map.stage(ids["CI"]).x, 0.0),
                               (ed.map.stage(ids["CI"]).x - 240, 300.0))})
    key(view, Qt.Key.Key_Right)
    assert ed.scene.selected_stage_ids() == [ids["CI"]]
    key(view, Qt.Key.Key_Up)  # geometry: the nearest stage above
    assert ed.scene.selected_stage_ids() == [ids["Merge"]]
    # what a screen reader reads for the selection
    name, description = view.accessibleName(), view.accessibleDescription()
    assert name == "Stage Merge"
    assert description.startswith("PT 15 min; Wait 2h; LT 2h 15 min; %C&A 95 %")
    # Ctrl+F: part of a name, any case
    dialogs.text_answer = "rEv"
    window.actions_by_name["find_stage"].trigger()
    assert ed.scene.selected_stage_ids() == [ids["Review"]]
    assert window.find_stage("nothing like it") is None
    assert window.statusBar().currentMessage() == "No stage named like “nothing like it”"
    assert window.actions_by_name["find_stage"].shortcut().toString() == "Ctrl+F"


def test_selecting_a_stage_brings_properties_to_the_front(window: Any, qtbot: Any) -> None:
    docks = {d.objectName(): d for d in window.findChildren(QDockWidget)}
    other = docks["dock.history"]
    window.tabifyDockWidget(window.properties, other)
    other.show()
    other.raise_()
    qtbot.wait(20)
    assert window.properties.visibleRegion().isEmpty()  # behind the history tab
    ed = window.current_editor()
    ed.scene.select_ids([_ids(window)["Review"]])
    qtbot.wait(20)
    assert not window.properties.visibleRegion().isEmpty()
    assert window.properties.field("stage", "name").edit.text() == "Review"
    # a closed panel stays closed (the map layout keeps the canvas)
    window.properties.hide()
    ed.scene.select_ids([_ids(window)["CI"]])
    assert window.properties.isHidden()
