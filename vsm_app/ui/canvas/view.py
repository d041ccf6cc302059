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
    #: the stages continue beyond the (left, right) edge of the view
    overflow_changed = Signal(bool, bool)
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
        #: fit again as the window and its docks resize, until the user zooms by hand:
        #: "legible" (:meth:`fit_to_view`), "whole" (:meth:`fit_whole_map`) or "" (off)
        self._auto_fit = ""
        self.auto_fit = "legible"
        self._overflow = (False, False)
        # a stage added or moved past the edge changes the scroll range
        self.horizontalScrollBar().rangeChanged.connect(lambda *_: self._emit_overflow())

    @property
    def map_scene(self) -> MapScene:
        s = self.scene()
        assert isinstance(s, MapScene)
        return s

    @property
    def auto_fit(self) -> str:
        """How the view refits as it resizes: "legible", "whole" or "" (off)."""
        return self._auto_fit

    @auto_fit.setter
    def auto_fit(self, mode: str) -> None:
        self._auto_fit = mode
        self._apply_scroll_bars()

    def _apply_scroll_bars(self) -> None:
        """Scroll bars that never fight a fit. Shown "as needed" while the view refits on
        every resize they looped for ever — the scene's margin makes a bar appear, the
        narrower viewport refits smaller, the bar goes, it refits larger... (100 % CPU at
        some window sizes). So: none while presenting or fitting the whole map; a legible
        fit shows exactly the bars its own decision needs, a decision taken on the viewport
        as if it had no bars (:meth:`maximumViewportSize`), so a bar appearing cannot change
        it; by hand (zoomed, panned) the usual "as needed"."""
        off, on = Qt.ScrollBarPolicy.ScrollBarAlwaysOff, Qt.ScrollBarPolicy.ScrollBarAlwaysOn
        if getattr(self, "_presenting", False) or self._auto_fit == "whole":
            h = v = off
        elif self._auto_fit == "legible":
            need_h, need_v = getattr(self, "_fit_needs", (False, False))
            h, v = (on if need_h else off), (on if need_v else off)
        else:
            h = v = Qt.ScrollBarPolicy.ScrollBarAsNeeded
        if self.horizontalScrollBarPolicy() != h:
            self.setHorizontalScrollBarPolicy(h)
        if self.verticalScrollBarPolicy() != v:
            self.setVerticalScrollBarPolicy(v)

    def _fit_area(self) -> QRectF:
        """The viewport a fit plans for: its size without scroll bars."""
        size = self.maximumViewportSize()
        return QRectF(0, 0, size.width(), size.height())

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
        self._emit_overflow()

    def zoom_in(self) -> None:
        self.auto_fit = ""
        self.set_zoom(self.zoom() * self.STEP)

    def zoom_out(self) -> None:
        self.auto_fit = ""
        self.set_zoom(self.zoom() / self.STEP)

    def reset_zoom(self) -> None:
        self.auto_fit = ""
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
        self._presenting = bool(on)
        self._apply_scroll_bars()

    def zoom_to_stage(self, stage_id: str, neighbours: int = 1) -> None:
        """Zoom so the stage and ``neighbours`` stages on each side (by position) fill the
        view, the stage in the middle; when that would draw the figures smaller than
        :meth:`min_figure_pt`, the stage alone fills the view."""
        scene = self.map_scene
        item = scene.stage_item(stage_id)
        stages = sorted(scene.stage_items(), key=lambda it: it.pos().x())
        i = stages.index(item)
        alone = item.sceneBoundingRect()
        rect = QRectF(alone)
        for it in stages[max(0, i - neighbours): i + neighbours + 1]:
            rect = rect.united(it.sceneBoundingRect())
        vp = self.viewport().rect()
        if rect.isEmpty() or vp.isEmpty():
            return
        rect = rect.adjusted(-30, -50, 30, 30)
        z = min(vp.width() / rect.width(), vp.height() / rect.height(), 3.0)
        if self.figure_pt(z) < self.min_figure_pt():
            alone = alone.adjusted(-16, -16, 16, 16)
            z = max(z, min(vp.width() / alone.width(), vp.height() / alone.height(), 3.0))
        self.auto_fit = ""
        self.set_zoom(z)
        self.centerOn(item.sceneBoundingRect().center())

    def min_figure_pt(self) -> float:
        """The smallest on-screen size of the figures a legible fit accepts (points)."""
        return float(getattr(self, "_min_figure_pt", MIN_FIGURE_PT))

    def fit_to_view(self, max_zoom: float = 2.5) -> None:
        """Show the map legibly (what a layout change, presentation and a resize do).

        The whole map (stages, ladder, notes, legend) when its figures are at least
        :meth:`min_figure_pt` on screen; else the stages and their ladder when they fit at
        that size (notes and the legend are a scroll away); else the legible minimum
        itself, showing the start of the stream (the first stage at the left edge): the
        rest is a sideways scroll (or the arrow keys) away, and :meth:`fit_whole_map`
        (Ctrl+0) shows everything small."""
        self.map_scene.flush()
        rect = self.map_scene.content_rect(margin=24)
        vp = self._fit_area()
        if rect.isEmpty() or vp.isEmpty():
            return
        z = min(vp.width() / rect.width(), vp.height() / rect.height(), max_zoom)
        center = rect.center()
        min_pt = self.min_figure_pt()
        if self.figure_pt(z) < min_pt:
            core = self._core_rect()
            if not core.isEmpty():
                z_core = min(vp.width() / core.width(), vp.height() / core.height(),
                             max_zoom)
                z = max(min_pt / self.figure_pt(1.0), z_core)
                w, h = vp.width() / z, vp.height() / z  # the viewport in scene units
                # sideways: the stages centred when they fit, else the stream's start
                x = core.center().x() if core.width() <= w else core.left() + w / 2
                # vertically: the whole map when its height fits, else the stages whole
                # and as much as fits above them (notes), else the stages' top
                if rect.height() <= h:
                    y = rect.center().y()
                elif core.height() <= h:
                    y = max(rect.top(), core.bottom() - h) + h / 2
                else:
                    y = core.top() + h / 2
                center = QPointF(x, y)
        # the bars this fit needs: the whole map (notes, legend) wider / taller than the view
        self._fit_needs = (rect.width() * z > vp.width() + 1.0,
                           rect.height() * z > vp.height() + 1.0)
        self.auto_fit = "legible"
        self.set_zoom(z)
        self.centerOn(center)
        self._emit_overflow()

    def fit_whole_map(self, max_zoom: float = 2.5) -> None:
        """View ▸ Fit whole map (Ctrl+0): everything on the canvas in view, however small
        its text gets; kept as the window resizes."""
        self.map_scene.flush()
        rect = self.map_scene.content_rect(margin=24)
        vp = self._fit_area()
        if rect.isEmpty() or vp.isEmpty():
            return
        self.auto_fit = "whole"
        self.set_zoom(min(vp.width() / rect.width(), vp.height() / rect.height(), max_zoom))
        self.centerOn(rect.center())
        self._emit_overflow()

    def overflow(self) -> tuple[bool, bool]:
        """Whether the stages continue beyond the left and the right edge of the view."""
        scene = self.scene()
        if not isinstance(scene, MapScene):  # the view is being torn down
            return False, False
        core = QRectF()
        for it in scene.stage_items():
            core = core.united(it.sceneBoundingRect())
        if core.isEmpty():
            return False, False
        shown = self.mapToScene(self.viewport().rect()).boundingRect()
        return core.left() < shown.left() - 1, core.right() > shown.right() + 1

    def _emit_overflow(self) -> None:
        if not self.isVisible():  # a hidden tab, or the window closing
            return
        left, right = self.overflow()
        if (left, right) != self._overflow:
            self._overflow = (left, right)
            self.overflow_changed.emit(left, right)

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        self._emit_overflow()

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
            if self.auto_fit == "whole":
                self.fit_whole_map()
            else:
                self.fit_to_view()
        else:
            self._emit_overflow()

    def wheelEvent(self, event: QWheelEvent) -> None:
        dy = event.angleDelta().y()
        if dy == 0:
            super().wheelEvent(event)
            return
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            bar = self.horizontalScrollBar()
            bar.setValue(bar.value() - dy)
            return
        self.auto_fit = ""
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
