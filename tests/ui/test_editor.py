"""Editing on the canvas: ladder figures, properties dock, delete, drag, clipboard, arrange."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from vsm_app.domain import classic
from vsm_app.domain.durations import format_duration
from vsm_app.domain.model import FlowKind

from .helpers import click, drag, key, stage_center

H = 3600.0


def test_ladder_shows_exactly_the_core_figures(window: Any) -> None:
    editor = window.current_editor()
    m = editor.map
    ladder = editor.scene.ladder
    # by hand: LT 10+9+2.25+0.75+48.5 h, PT 6+1+0.25+0.5+0.5 h (software-delivery template)
    assert editor.scene.metrics.lead_time_s == 70.5 * H
    assert editor.scene.metrics.process_time_s == 8.25 * H
    core = classic.compute(m)
    day = m.settings.day_length_s
    assert ladder.summary_texts() == {
        "Lead time": format_duration(core.lead_time_s, day),
        "Process time": format_duration(core.process_time_s, day),
        "Activity ratio": f"{core.activity_ratio * 100:.1f} %",
        "Rolled %C&A": f"{core.rolled_pca * 100:.1f} %",
    }
    assert [s.name for s in ladder.steps] == [m.stage(i).name for i in core.main_path]
    assert [s.wait_text for s in ladder.steps] == [
        format_duration(core.stage(i).wait_time_s, day) for i in core.main_path]
    assert [s.process_text for s in ladder.steps] == [
        format_duration(core.stage(i).process_time_s, day) for i in core.main_path]
    # the troughs sit under the process boxes
    for step, sid in zip(ladder.steps, core.main_path, strict=True):
        assert step.x_left == editor.scene.stage_item(sid).pos().x()
    # live update after an edit, and the status bar follows
    editor.set_stage_fields(m.stages[0].id, name="Build")
    from vsm_app.ui.commands import SetEstimatesCommand
    window.undo_stack.push(SetEstimatesCommand(m, m.stages[4].id, {"wait_time_s": 2 * H}))
    core = classic.compute(m)
    assert ladder.summary_texts()["Lead time"] == format_duration(core.lead_time_s, day)
    assert core.lead_time_s == 24.5 * H
    assert "Lead time 1d 1h" in window.metrics_label.text()  # 24.5 h, two units, rounded


def test_invalid_duration_in_properties_is_shown_and_not_applied(window: Any, qtbot: Any) -> None:
    editor = window.current_editor()
    m = editor.map
    review = m.stage_by_name("Review")
    click(editor.view, stage_center(editor.view, review.id))
    assert window.properties.target_id == review.id
    field = window.properties.field("stage", "process_time_s")
    count = window.undo_stack.count()

    field.edit.setFocus()
    field.edit.selectAll()
    QTest.keyClicks(field.edit, "two hours")
    QTest.keyClick(field.edit, Qt.Key.Key_Return)
    assert field.error.isVisible() or not field.error.isHidden()
    assert "try 45s, 10 min, 2h" in field.error.text()
    assert "expected a duration" in field.error.toolTip()
    assert field.edit.property("invalid") is True
    assert m.stage(review.id).estimates.process_time_s == 1 * H  # unchanged
    assert window.undo_stack.count() == count

    field.edit.selectAll()
    QTest.keyClicks(field.edit, "1d 4h")
    QTest.keyClick(field.edit, Qt.Key.Key_Return)
    assert field.error.isHidden()
    assert m.stage(review.id).estimates.process_time_s == 28 * H
    assert window.undo_stack.count() == count + 1
    assert editor.scene.stage_item(review.id).content.rows[0] == ("PT", "1d 4h")

    pca = window.properties.field("stage", "pca")
    pca.edit.setFocus()
    pca.edit.selectAll()
    QTest.keyClicks(pca.edit, "150%")
    QTest.keyClick(pca.edit, Qt.Key.Key_Return)
    assert "between 0 and 100" in pca.error.text()
    assert m.stage(review.id).estimates.pca == 0.8


def test_map_settings_recompute_takt_and_ladder(window: Any) -> None:
    editor = window.current_editor()
    m = editor.map
    dock = window.properties
    editor.scene.clearSelection()
    assert dock.target_kind == "map"
    for key_, text in (("demand_per_day", "16"), ("available_time_per_day_s", "8h")):
        f = dock.field("map", key_)
        f.edit.setFocus()
        f.edit.selectAll()
        QTest.keyClicks(f.edit, text)
        QTest.keyClick(f.edit, Qt.Key.Key_Return)
    assert m.settings.takt_time_s == 30 * 60  # 8 h / 16
    assert editor.scene.ladder.summary_texts()["Takt"] == "30 min"
    assert dock.map_figures["Takt"].text() == "30 min"
    # Coding (6 h) exceeds takt: the capacity bottleneck, tagged on its box
    coding = m.stage_by_name("Coding")
    assert editor.scene.metrics.capacity_bottleneck == coding.id
    assert editor.scene.stage_item(coding.id).content.above_takt
    f = dock.field("map", "day_length_s")
    f.edit.setFocus()
    f.edit.selectAll()
    QTest.keyClicks(f.edit, "30h")
    QTest.keyClick(f.edit, Qt.Key.Key_Return)
    assert f.invalid and m.settings.day_length_s == 86400.0


def test_delete_stage_removes_its_flows_in_one_undo_step(window: Any) -> None:
    editor = window.current_editor()
    m = editor.map
    before = m.copy()
    review = m.stage_by_name("Review")
    count = window.undo_stack.count()
    click(editor.view, stage_center(editor.view, review.id))
    key(editor.view, Qt.Key.Key_Delete)
    assert not m.has_stage(review.id)
    assert [(m.stage(f.source).name, m.stage(f.target).name) for f in m.flows] == [
        ("Merge", "CI"), ("CI", "Release")]
    assert len(editor.scene.flow_items()) == 2
    assert window.undo_stack.count() == count + 1
    window.undo_stack.undo()
    assert m.stages == before.stages
    # flows come back in their original order: the file is the same as before the delete
    assert m.flows == before.flows
    assert m.same_content(before)
    assert len(editor.scene.flow_items()) == 4


def test_drag_of_several_stages_is_one_command(window: Any) -> None:
    editor = window.current_editor()
    view, m = editor.view, editor.map
    stages = m.stages[:3]
    start = {s.id: (s.x, s.y) for s in m.stages}
    # rubber band from empty canvas across the first three stages
    r0 = editor.scene.stage_item(stages[0].id).stage_rect()
    r2 = editor.scene.stage_item(stages[2].id).stage_rect()
    drag(view, QPointF(r0.left() - 30, r0.top() - 50), QPointF(r2.center().x(), r2.bottom() - 5))
    assert set(editor.scene.selected_stage_ids()) == {s.id for s in stages}
    count = window.undo_stack.count()
    drag(view, stage_center(view, stages[1].id), stage_center(view, stages[1].id)
         + QPointF(103, 57), steps=8)
    assert window.undo_stack.count() == count + 1
    assert window.undo_stack.command(count).text() == "Move 3 items"
    moved = {s.id: (s.x, s.y) for s in m.stages}
    dx = moved[stages[0].id][0] - start[stages[0].id][0]
    dy = moved[stages[0].id][1] - start[stages[0].id][1]
    assert (dx, dy) == (100.0, 60.0)  # snapped to the 20 px grid
    for s in stages:
        assert moved[s.id] == (start[s.id][0] + dx, start[s.id][1] + dy)
    for s in m.stages[3:]:
        assert moved[s.id] == start[s.id]
    # arrows followed the boxes
    f = next(f for f in m.flows if f.source == stages[2].id)
    p = editor.scene.flow_item(f.id).arrow_path().pointAtPercent(0)
    box = editor.scene.stage_item(stages[2].id).process_rect()
    assert box.adjusted(-0.5, -0.5, 0.5, 0.5).contains(p)
    assert min(abs(p.x() - box.right()), abs(p.y() - box.top())) < 0.5  # on its border
    window.undo_stack.undo()
    assert {s.id: (s.x, s.y) for s in m.stages} == start


def test_copy_paste_duplicate_and_cut(window: Any) -> None:
    editor = window.current_editor()
    m = editor.map
    a, b = m.stage_by_name("Review"), m.stage_by_name("Merge")
    editor.scene.select_ids([a.id, b.id])
    view = editor.view
    count = window.undo_stack.count()
    key(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    key(view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert len(m.stages) == 7 and len(m.flows) == 5
    assert window.undo_stack.count() == count + 1
    new = [s for s in m.stages if s.id not in (a.id, b.id) and s.name in ("Review", "Merge")]
    assert sorted(s.name for s in new) == ["Merge", "Review"]
    assert {(s.x - 40, s.y - 40) for s in new} == {(a.x, a.y), (b.x, b.y)}
    assert new[0].estimates == a.estimates
    key(view, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert len(m.stages) == 9
    key(view, Qt.Key.Key_X, Qt.KeyboardModifier.ControlModifier)
    assert len(m.stages) == 7
    for _ in range(3):
        window.undo_stack.undo()
    assert len(m.stages) == 5 and len(m.flows) == 4


def test_quick_entry_adds_connected_stage_to_the_right(window: Any) -> None:
    editor = window.current_editor()
    m = editor.map
    release = m.stage_by_name("Release")
    editor.scene.clearSelection()
    count = window.undo_stack.count()
    window.quick_entry.setFocus()
    QTest.keyClicks(window.quick_entry, "Monitor")
    QTest.keyClick(window.quick_entry, Qt.Key.Key_Return)
    QTest.keyClicks(window.quick_entry, "Feedback")
    QTest.keyClick(window.quick_entry, Qt.Key.Key_Return)
    mon, fb = m.stage_by_name("Monitor"), m.stage_by_name("Feedback")
    assert (mon.x, mon.y) == (release.x + 240, release.y)
    assert (fb.x, fb.y) == (mon.x + 240, mon.y)
    assert {(f.source, f.target) for f in m.flows} >= {(release.id, mon.id), (mon.id, fb.id)}
    assert window.undo_stack.count() == count + 2
    assert window.quick_entry.text() == "" and window.quick_entry.hasFocus()
    window.undo_stack.undo()
    assert m.stage_by_name("Feedback") is None and len(m.flows) == 5


def test_align_distribute_and_auto_layout(window: Any) -> None:
    editor = window.current_editor()
    m = editor.map
    s = m.stages
    from vsm_app.ui.commands import MoveCommand
    window.undo_stack.push(MoveCommand(m, {s[1].id: ((s[1].x, s[1].y), (300.0, 160.0)),
                                           s[3].id: ((s[3].x, s[3].y), (650.0, -80.0))}))
    editor.scene.select_ids([x.id for x in s])
    editor.align("top")
    assert {x.y for x in m.stages} == {-80.0}
    editor.distribute("horizontal")
    xs = sorted(x.x for x in m.stages)
    assert len({round(b - a, 6) for a, b in zip(xs, xs[1:], strict=False)}) == 1
    # a rework flow back does not disturb the left-to-right layout
    editor.connect_stages(s[4].id, s[1].id, FlowKind.REWORK)
    window.undo_stack.push(MoveCommand(m, {s[2].id: ((s[2].x, s[2].y), (500.0, 400.0))}))
    count = window.undo_stack.count()
    editor.auto_layout()
    assert window.undo_stack.count() == count + 1
    assert [x.x for x in m.stages] == [xs[0] + 240 * i for i in range(5)]
    assert len({x.y for x in m.stages}) == 1


def test_add_kaizen_and_note_and_edit_text(window: Any) -> None:
    editor = window.current_editor()
    m = editor.map
    coding = m.stage_by_name("Coding")
    editor.scene.select_ids([coding.id])
    key(editor.view, Qt.Key.Key_K)
    (k,) = m.kaizens.values()
    assert k.stage_id == coding.id
    assert window.properties.target_kind == "element"
    window.properties.element_text.setPlainText("Pair on reviews")
    window.properties._commit_element_text("Pair on reviews")
    assert k.text == "Pair on reviews"
    assert editor.scene.element_item(k.id).text == "Pair on reviews"
    editor.add_note(QPointF(0, -200), "Ask ops")
    assert [n.text for n in m.notes.values()] == ["Ask ops"]
    # deleting the stage unlinks its kaizen burst, and undo links it again
    editor.scene.select_ids([coding.id])
    editor.delete_selected()
    assert k.stage_id is None
    window.undo_stack.undo()
    assert k.stage_id == coding.id


def test_flow_kinds_look_different(window: Any) -> None:
    editor = window.current_editor()
    m = editor.map
    f1, f2 = m.flows[0], m.flows[1]
    editor.set_flow_kind(f1.id, FlowKind.PULL)
    rework = editor.connect_stages(m.flows[3].target, m.flows[0].source, FlowKind.REWORK)
    assert rework is not None
    push_item, pull_item = editor.scene.flow_item(f2.id), editor.scene.flow_item(f1.id)
    rework_item = editor.scene.flow_item(rework.id)
    assert pull_item.flow_kind == FlowKind.PULL and push_item.flow_kind == FlowKind.PUSH
    # the rework loop is a curve above the boxes, not a straight line
    path = rework_item.arrow_path()
    top_of_boxes = min(it.pos().y() for it in editor.scene.stage_items())
    assert path.boundingRect().top() < top_of_boxes - 40
    assert path.elementCount() > 2
    # a duplicate connection is refused with a message, not an exception
    assert editor.connect_stages(f2.source, f2.target) is None


def test_inline_rename_escape_cancels(window: Any) -> None:
    editor = window.current_editor()
    m = editor.map
    coding = m.stage_by_name("Coding")
    editor.scene.select_ids([coding.id])
    editor.view.setFocus()
    key(editor.view, Qt.Key.Key_F2)
    QTest.keyClicks(editor.view, "Nope")
    key(editor.view, Qt.Key.Key_Escape)
    assert m.stage(coding.id).name == "Coding"
    assert editor.interaction() is None
