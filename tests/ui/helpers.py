"""Real mouse and key events on a map view's viewport (QTest), in scene coordinates."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from vsm_app.render.canvas.items import BOX_H, BOX_W
from vsm_app.ui.canvas.view import MapView

LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier


def vp_pos(view: MapView, scene_pos: QPointF) -> QPoint:
    return view.mapFromScene(scene_pos)


def stage_center(view: MapView, stage_id: str) -> QPointF:
    item = view.map_scene.stage_item(stage_id)
    return item.process_rect().center()


def handle_pos(view: MapView, stage_id: str) -> QPointF:
    item = view.map_scene.stage_item(stage_id)
    return item.pos() + QPointF(BOX_W, BOX_H / 2)


def _move(view: MapView, p: QPoint) -> None:
    # QTest queues mouse moves through the window system: deliver them before the next event
    QTest.mouseMove(view.viewport(), p)
    QApplication.processEvents()


def move(view: MapView, scene_pos: QPointF) -> None:
    _move(view, vp_pos(view, scene_pos))


def click(view: MapView, scene_pos: QPointF,
          modifiers: Qt.KeyboardModifier = NO_MOD) -> None:
    QTest.mouseClick(view.viewport(), LEFT, modifiers, vp_pos(view, scene_pos))


def double_click(view: MapView, scene_pos: QPointF) -> None:
    QTest.mouseDClick(view.viewport(), LEFT, NO_MOD, vp_pos(view, scene_pos))


def drag(view: MapView, start: QPointF, end: QPointF, steps: int = 6,
         modifiers: Qt.KeyboardModifier = NO_MOD) -> None:
    """Press at ``start``, move in ``steps`` to ``end``, release (all on the viewport)."""
    vp = view.viewport()
    _move(view, vp_pos(view, start))
    QTest.mousePress(vp, LEFT, modifiers, vp_pos(view, start))
    for i in range(1, steps + 1):
        p = start + (end - start) * (i / steps)
        _move(view, vp_pos(view, p))
    QTest.mouseRelease(vp, LEFT, modifiers, vp_pos(view, end))


def key(view: MapView, k: Qt.Key, modifiers: Qt.KeyboardModifier = NO_MOD) -> None:
    QTest.keyClick(view, k, modifiers)


def type_text(view: MapView, text: str) -> None:
    QTest.keyClicks(view, text)
