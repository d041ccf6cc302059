"""The map view: zoom (wheel, Ctrl +/-), pan (space-drag, middle button), fit to view, grid.

Painting is tuned for large maps: minimal viewport updates (moving one stage repaints only
the area it covered and covers), item caches in device coordinates (crisp at every zoom),
and no indexing work while panning.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPen,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QGraphicsView, QWidget

from ...render.canvas.items import DATA_VALUE_PX, font
from ...render.canvas.scene import MapScene

#: the smallest size of the data box's figures on screen that a fit accepts (points)
MIN_FIGURE_PT = 11.0
#: the same in presentation mode: canvas text and chips read across a room
PRESENTING_FIGURE_PT = 13.0


class MapView(QGraphicsView):
    """A view on a :class:`MapScene` with workshop-friendly navigation."""

    zoom_changed = Signal(float)
    MIN_ZOOM = 0.08
    MAX_ZOOM = 6.0
    STEP = 1.2

    def __init__(self, scene: MapScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.TextAntialiasing
                            | QPainter.RenderHint.SmoothPixmapTransform)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.MinimalViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, False)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.show_grid = True
        self.empty_hint = "Double-click or press N to add a stage"
        self._space_down = False
        self._panning = False
        self._pan_last = QPoint()
        self._last_mouse = QPoint(-1, -1)
        #: keep the whole map in view as the window and its docks resize, until the user
        #: zooms by hand (fit to view turns it back on)
        self._auto_fit = False
        self.auto_fit = True

    @property
    def map_scene(self) -> MapScene:
        s = self.scene()
        assert isinstance(s, MapScene)
        return s

    @property
    def auto_fit(self) -> bool:
        """Whether the view refits the whole map on every resize."""
        return self._auto_fit

    @auto_fit.setter
    def auto_fit(self, on: bool) -> None:
        # While the view refits itself it shows no scroll bars: the fitted map needs none, and
        # scroll bars shown "as needed" would fight the fit for ever — the scene's margin makes
        # a bar appear, the narrower viewport refits smaller, the bar goes, the viewport widens,
        # it refits larger... (a resize loop at 100 % CPU at some window sizes).
        self._auto_fit = bool(on)
        policy = (Qt.ScrollBarPolicy.ScrollBarAlwaysOff if self._auto_fit
                  else Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setHorizontalScrollBarPolicy(policy)
        self.setVerticalScrollBarPolicy(policy)

    # -- zoom ----------------------------------------------------------------------------------
    def zoom(self) -> float:
        """The current scale (1.0 = 100 %)."""
        return float(self.transform().m11())

    def set_zoom(self, z: float, anchor_under_mouse: bool = False) -> None:
        """Set the scale, kept within MIN_ZOOM..MAX_ZOOM."""
        z = min(self.MAX_ZOOM, max(self.MIN_ZOOM, z))
        if math.isclose(z, self.zoom()):
            return
        old = self.transformationAnchor()
        if not anchor_under_mouse:
            self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setTransform(QTransform.fromScale(z, z))
        self.setTransformationAnchor(old)
        self.zoom_changed.emit(z)

    def zoom_in(self) -> None:
        self.auto_fit = False
        self.set_zoom(self.zoom() * self.STEP)

    def zoom_out(self) -> None:
        self.auto_fit = False
        self.set_zoom(self.zoom() / self.STEP)

    def reset_zoom(self) -> None:
        self.auto_fit = False
        self.set_zoom(1.0)

    def figure_pt(self, zoom: float | None = None) -> float:
        """How large the data box's figures are on screen, in points (their scene size
        times the zoom, at the screen's logical DPI)."""
        z = self.zoom() if zoom is None else zoom
        return DATA_VALUE_PX * z * 72.0 / max(1.0, float(self.logicalDpiY()))

    def set_presenting(self, on: bool, figure_pt: float = PRESENTING_FIGURE_PT) -> None:
        """Presentation: no scroll bars, and fits draw the canvas (text, chips, figures)
        larger: figures at least ``figure_pt``."""
        self._min_figure_pt = figure_pt if on else MIN_FIGURE_PT
        policy = Qt.ScrollBarPolicy.ScrollBarAlwaysOff if on \
            else Qt.ScrollBarPolicy.ScrollBarAsNeeded
        self.setHorizontalScrollBarPolicy(policy)
        self.setVerticalScrollBarPolicy(policy)

    def zoom_to_stage(self, stage_id: str, neighbours: int = 1) -> None:
        """Zoom so the stage and ``neighbours`` stages on each side (by position) fill the
        view, the stage in the middle."""
        scene = self.map_scene
        item = scene.stage_item(stage_id)
        stages = sorted(scene.stage_items(), key=lambda it: it.pos().x())
        i = stages.index(item)
        rect = item.sceneBoundingRect()
        for it in stages[max(0, i - neighbours): i + neighbours + 1]:
            rect = rect.united(it.sceneBoundingRect())
        vp = self.viewport().rect()
        if rect.isEmpty() or vp.isEmpty():
            return
        rect = rect.adjusted(-30, -50, 30, 30)
        self.auto_fit = False
        self.set_zoom(min(vp.width() / rect.width(), vp.height() / rect.height(), 3.0))
        self.centerOn(item.sceneBoundingRect().center())

    def fit_to_view(self, max_zoom: float = 2.5) -> None:
        """Show the whole map (stages, ladder, legend), legibly: when the whole map would
        make the data box's figures smaller than :data:`MIN_FIGURE_PT`, fit the stages and
        their ladder instead (notes and the legend are a scroll away), as large as the
        figures need and the stages allow."""
        self.map_scene.flush()
        rect = self.map_scene.content_rect(margin=24)
        vp = self.viewport().rect()
        if rect.isEmpty() or vp.isEmpty():
            return
        z = min(vp.width() / rect.width(), vp.height() / rect.height(), max_zoom)
        center = rect.center()
        min_pt = getattr(self, "_min_figure_pt", MIN_FIGURE_PT)
        if self.figure_pt(z) < min_pt:
            core = self._core_rect()
            if not core.isEmpty():
                z_core = min(vp.width() / core.width(), vp.height() / core.height(),
                             max_zoom)
                z_legible = min_pt / self.figure_pt(1.0)
                z = max(z, min(z_core, z_legible))
                # the stages centred; vertically the whole map when its height fits
                y = rect.center().y() if rect.height() * z <= vp.height() \
                    else core.center().y()
                x = rect.center().x() if rect.width() * z <= vp.width() \
                    else core.center().x()
                center = QPointF(x, y)
        self.set_zoom(z)
        self.centerOn(center)
        self.auto_fit = True

    def _core_rect(self, margin: float = 16.0) -> QRectF:
        """The stages, their flows and the timeline ladder (what a fit must show)."""
        r = QRectF()
        for it in self.map_scene.items():
            if it.isVisible() and it.parentItem() is None \
                    and getattr(it, "kind", "") in ("stage", "flow", "wait", "ladder"):
                r = r.united(it.sceneBoundingRect())
        return r.adjusted(-margin, -margin, margin, margin) if not r.isNull() else r

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.auto_fit and self.map_scene.stage_items():
            self.fit_to_view()

    def wheelEvent(self, event: QWheelEvent) -> None:
        dy = event.angleDelta().y()
        if dy == 0:
            super().wheelEvent(event)
            return
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            bar = self.horizontalScrollBar()
            bar.setValue(bar.value() - dy)
            return
        self.auto_fit = False
        self.set_zoom(self.zoom() * self.STEP ** (dy / 120.0), anchor_under_mouse=True)
        event.accept()

    # -- pan -----------------------------------------------------------------------------------
    def _scene_has_text_focus(self) -> bool:
        return self.scene().focusItem() is not None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not self._scene_has_text_focus():
            if not event.isAutoRepeat():
                self._space_down = True
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and self._space_down:
            if not event.isAutoRepeat():
                self._space_down = False
                if not self._panning:
                    self.viewport().unsetCursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def is_panning(self) -> bool:
        return self._panning

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._last_mouse = event.position().toPoint()
        if event.button() == Qt.MouseButton.MiddleButton or (
                event.button() == Qt.MouseButton.LeftButton and self._space_down):
            self._panning = True
            self._pan_last = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._last_mouse = event.position().toPoint()
        if self._panning:
            p = event.position().toPoint()
            d = p - self._pan_last
            self._pan_last = p
            self.pan_by(-d.x(), -d.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._panning and event.button() in (Qt.MouseButton.MiddleButton,
                                                Qt.MouseButton.LeftButton):
            self._panning = False
            if self._space_down:
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            else:
                self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def pan_by(self, dx: float, dy: float) -> None:
        """Scroll by ``dx``, ``dy`` viewport pixels."""
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        h.setValue(h.value() + round(dx))
        v.setValue(v.value() + round(dy))

    def cursor_scene_pos(self) -> QPointF | None:
        """Scene position of the mouse while it is over the view, else ``None``."""
        p = self._last_mouse
        if p.x() < 0 or not self.viewport().rect().contains(p):
            return None
        return self.mapToScene(p)

    def leaveEvent(self, event: QEvent) -> None:
        self._last_mouse = QPoint(-1, -1)
        super().leaveEvent(event)

    def center_scene_pos(self) -> QPointF:
        return self.mapToScene(self.viewport().rect().center())

    # -- decoration ------------------------------------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        super().drawBackground(painter, rect)
        scene = self.map_scene
        g = float(scene.grid_size)
        if not (self.show_grid and scene.snap_enabled) or g <= 0 or self.zoom() * g < 10:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        pen = QPen(QColor(scene.colors.grid), 0)
        pen.setCosmetic(True)
        step = g * 2  # a dot every other grid step keeps the canvas calm
        painter.setPen(pen)
        x0 = math.floor(rect.left() / step) * step
        y0 = math.floor(rect.top() / step) * step
        points = []
        y = y0
        while y < rect.bottom():
            x = x0
            while x < rect.right():
                points.append(QPointF(x, y))
                x += step
            y += step
        if len(points) < 40_000:
            painter.drawPoints(points)
        painter.restore()

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        super().drawForeground(painter, rect)
        scene = self.map_scene
        if scene.map.stages or not self.empty_hint:
            return
        painter.save()
        painter.resetTransform()
        painter.setFont(font(18))
        painter.setPen(QColor(scene.colors.muted))
        painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, self.empty_hint)
        painter.restore()
