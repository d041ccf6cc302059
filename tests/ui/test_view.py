"""Navigation on the map view: wheel and Ctrl +/- zoom, space-drag and middle-button pan, fit."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from vsm_app.domain.model import FlowKind


def _wheel(view: Any, delta: int) -> None:
    vp = view.viewport()
    pos = QPointF(vp.rect().center())
    ev = QWheelEvent(pos, QPointF(vp.mapToGlobal(pos.toPoint())), QPoint(0, 0), QPoint(0, delta),
                     Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                     Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(vp, ev)


def test_zoom_with_wheel_and_keys_and_fit(window: Any) -> None:
    view = window.current_editor().view
    view.setFocus()
    view.set_zoom(1.0)
    _wheel(view, 120)
    assert abs(view.zoom() - 1.2) < 1e-6
    _wheel(view, -240)
    assert abs(view.zoom() - 1 / 1.2) < 1e-6
    QTest.keyClick(view, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert abs(view.zoom() - 1.0) < 1e-6
    QTest.keyClick(view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert abs(view.zoom() - 1 / 1.2) < 1e-6
    QTest.keyClick(view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)  # fit
    content = view.map_scene.content_rect(margin=0)
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    assert shown.contains(content)
    assert window.zoom_label.text() == f"Zoom {view.zoom() * 100:.0f} %"
    for _ in range(40):
        _wheel(view, -120)
    assert view.zoom() == view.MIN_ZOOM


def test_pan_with_space_drag_and_middle_button(window: Any) -> None:
    view = window.current_editor().view
    view.setFocus()
    view.set_zoom(1.5)
    vp = view.viewport()
    c = vp.rect().center()
    before = view.mapToScene(c)
    QTest.keyPress(view, Qt.Key.Key_Space)
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, c)
    QTest.mouseMove(vp, c + QPoint(-100, -40))
    QApplication.processEvents()
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       c + QPoint(-100, -40))
    QTest.keyRelease(view, Qt.Key.Key_Space)
    after = view.mapToScene(c)
    assert round((after - before).x()) == round(100 / 1.5)
    assert not window.isWindowModified()  # panning is not an edit
    before = after
    QTest.mousePress(vp, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, c)
    QTest.mouseMove(vp, c + QPoint(60, 0))
    QApplication.processEvents()
    QTest.mouseRelease(vp, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier,
                       c + QPoint(60, 0))
    assert round((view.mapToScene(c) - before).x()) == round(-60 / 1.5)


def test_flow_properties_change_kind_in_one_command(window: Any) -> None:
    editor = window.current_editor()
    m = editor.map
    flow = m.flows[1]
    editor.scene.select_ids([flow.id])
    dock = window.properties
    assert dock.target_kind == "flow"
    assert dock.flow_ends.text() == "Review → Merge"
    count = window.undo_stack.count()
    dock.flow_kind.setCurrentIndex(dock.flow_kind.findData("pull"))
    dock.flow_kind.activated.emit(dock.flow_kind.currentIndex())
    assert m.flow(flow.id).kind == FlowKind.PULL
    assert editor.scene.flow_item(flow.id).flow_kind == FlowKind.PULL
    assert window.undo_stack.count() == count + 1
    window.undo_stack.undo()
    assert dock.flow_kind.currentData() == "push"
