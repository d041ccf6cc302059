"""The WIP limit of a stage in the properties dock: one undo command per edit (issue 19)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from .helpers import click, stage_center


def _type(field: Any, text: str) -> None:
    field.edit.setFocus()
    field.edit.selectAll()
    if text:
        QTest.keyClicks(field.edit, text)
    else:
        QTest.keyClick(field.edit, Qt.Key.Key_Delete)
    QTest.keyClick(field.edit, Qt.Key.Key_Return)


def test_wip_limit_is_set_undone_and_refused_when_not_a_count(window: Any,
                                                              artifacts_dir: Path) -> None:
    editor = window.current_editor()
    m = editor.map
    review = m.stage_by_name("Review")
    click(editor.view, stage_center(editor.view, review.id))
    assert window.properties.target_id == review.id
    field = window.properties.field("stage", "wip_limit")
    assert field.edit.text() == "" and field.edit.placeholderText() == "no limit"
    stack = window.undo_stack
    count = stack.count()

    _type(field, "4")
    assert m.stage(review.id).wip_limit == 4
    assert stack.count() == count + 1
    assert stack.undoText() == "Edit Review: WIP limit"
    assert window.grab().save(str(artifacts_dir / "properties_wip_limit.png"))

    for bad in ("0", "2.5", "four"):
        _type(field, bad)
        assert field.invalid and "whole number of items" in field.error.text()
        assert m.stage(review.id).wip_limit == 4 and stack.count() == count + 1
    assert field.error.isVisible()
    window.properties.widget().ensureWidgetVisible(field.error)  # the dock scrolls
    assert window.properties.grab().save(str(artifacts_dir / "properties_wip_limit_error.png"))

    _type(field, "")  # empty: no limit, one more command
    assert m.stage(review.id).wip_limit is None and stack.count() == count + 2
    stack.undo()
    assert m.stage(review.id).wip_limit == 4 and field.edit.text() == "4"
    stack.undo()
    assert m.stage(review.id).wip_limit is None and field.edit.text() == ""
    # another stage shows its own (empty) limit
    coding = m.stage_by_name("Coding")
    click(editor.view, stage_center(editor.view, coding.id))
    assert window.properties.field("stage", "wip_limit").edit.text() == ""
