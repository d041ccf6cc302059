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


def test_a_fitted_map_settles_at_every_size(qtbot: Any) -> None:
    """While the view refits itself its scroll bars are fixed by the fit, never 'as needed':
    shown as needed they fought the fit (a bar appears, the narrower viewport refits smaller,
    the bar goes, it refits larger ...), an endless resize loop at 100 % CPU at some sizes
    (sample map, 300×643)."""
    import time
    from importlib.resources import as_file, files

    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtGui import QUndoStack

    from vsm_app.storage.project_file import load_project
    from vsm_app.ui.canvas.editor import MapEditor

    with as_file(files("vsm_app.resources") / "sample" / "demo.vsm") as path:
        project = load_project(path)
    ed = MapEditor(project.maps[0], QUndoStack())
    qtbot.addWidget(ed)
    view = ed.view

    class Count(QObject):
        n = 0

        def eventFilter(self, obj: QObject, ev: QEvent) -> bool:
            if ev.type() == QEvent.Type.Resize:
                self.n += 1
            return False

    counter = Count()
    view.installEventFilter(counter)
    ed.show()
    view.fit_to_view()
    off = Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    as_needed = Qt.ScrollBarPolicy.ScrollBarAsNeeded
    assert as_needed not in (view.horizontalScrollBarPolicy(), view.verticalScrollBarPolicy())
    restless = []
    sizes = [(w, h) for w in range(250, 350, 23) for h in range(520, 700, 17)]
    sizes += [(w, h) for w in (420, 640, 900) for h in (420, 620)]
    for w, h in sizes:
        ed.resize(w, h)
        for _ in range(5):
            QApplication.processEvents()
        counter.n = 0
        t = time.perf_counter()
        while time.perf_counter() - t < 0.03:
            QApplication.processEvents()
        if counter.n > 1:
            restless.append((w, h, counter.n))
        assert as_needed not in (view.horizontalScrollBarPolicy(),
                                 view.verticalScrollBarPolicy())
    assert restless == []
    # zoomed by hand, the map is larger than the view: scroll bars as needed again
    view.zoom_in()
    assert view.horizontalScrollBarPolicy() == as_needed
    view.fit_whole_map()  # Ctrl+0: everything in view, no bars
    assert view.horizontalScrollBarPolicy() == off and view.verticalScrollBarPolicy() == off
