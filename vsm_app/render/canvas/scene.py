"""The map scene: observes one ``ValueStreamMap`` and keeps its items in step with it.

The scene never changes the model. Model signals (``stage_added``, ``flow_removed``, …) create,
update and remove items; the classic metrics are recomputed by ``domain.classic.compute`` and
pushed to the stage boxes, wait triangles and the ladder. Refreshes are coalesced: signals
mark the scene dirty and one zero-delay timer (or an explicit :meth:`MapScene.flush`) brings
everything up to date, so a command touching 300 stages recomputes once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from PySide6.QtCore import QPointF, QRectF, QSize, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QKeyEvent, QPainter
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsSceneContextMenuEvent,
    QGraphicsSceneMouseEvent,
)

from ...domain import classic
from ...domain.model import (
    Flow,
    FlowKind,
    KaizenBurst,
    Stage,
    StickyNote,
    ValueStreamMap,
)
from ...metrics import format as fmt
from ...report.data import ladder_totals
from ...report.overlay import MeasuredLadder
from ..colors import LIGHT, CanvasColors
from .items import (
    BOX_W,
    STAGE_H,
    FlowItem,
    KaizenItem,
    MovableItem,
    NoteItem,
    StageContent,
    StageItem,
    WaitItem,
)
from .ladder import ESTIMATED_TITLE, LadderItem, LadderStep, LegendItem

LADDER_GAP = 70.0
MIN_LADDER_STEP_GAP = 40.0
SCENE_MARGIN = 1600.0


class SceneEventHandler(Protocol):
    """What the scene asks before its default event handling (the editor implements it)."""

    def scene_mouse_press(self, event: QGraphicsSceneMouseEvent) -> bool: ...
    def scene_mouse_move(self, event: QGraphicsSceneMouseEvent) -> bool: ...
    def scene_mouse_release(self, event: QGraphicsSceneMouseEvent) -> bool: ...
    def after_mouse_release(self, event: QGraphicsSceneMouseEvent) -> None: ...
    def scene_double_click(self, event: QGraphicsSceneMouseEvent) -> bool: ...
    def scene_key_press(self, event: QKeyEvent) -> bool: ...
    def scene_context_menu(self, event: QGraphicsSceneContextMenuEvent) -> bool: ...


def summary_rows(m: classic.ClassicMetrics, day_length_s: float) -> list[tuple[str, str]]:
    """The rows of the ladder's summary box (the report's, :func:`ladder_totals`)."""
    return ladder_totals(m, day_length_s)


class MapScene(QGraphicsScene):
    """Items for one map, kept in step with it through the model's signals.

    Signals
    -------
    metrics_changed(ClassicMetrics)
        After the classic metrics were recomputed.
    refreshed()
        After every coalesced refresh (metrics and/or layout).
    """

    metrics_changed = Signal(object)
    refreshed = Signal()

    def __init__(self, vsm_map: ValueStreamMap, colors: CanvasColors = LIGHT,
                 parent: Any = None) -> None:
        super().__init__(parent)
        self.map = vsm_map
        self.colors = colors
        self.handler: SceneEventHandler | None = None
        self.snap_enabled = True
        self.grid_size = 20
        self.dragging = False
        self._stages: dict[str, StageItem] = {}
        self._waits: dict[str, WaitItem] = {}
        self._flows: dict[str, FlowItem] = {}
        self._elements: dict[str, KaizenItem | NoteItem] = {}
        self._fingerprints: dict[str, Any] = {}
        self._metrics: classic.ClassicMetrics | None = None
        self._measured_ladder: MeasuredLadder | None = None
        self._metrics_dirty = True
        self._layout_dirty = True
        self._attached = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.flush)
        self.setBackgroundBrush(QColor(colors.background))
        self.ladder = LadderItem()
        self.legend = LegendItem()
        self.addItem(self.ladder)
        self.addItem(self.legend)
        self.attach()

    # -- model observation -----------------------------------------------------------------
    def _signals(self) -> list[tuple[Any, Any]]:
        m = self.map
        return [
            (m.stage_added, self._on_stage_added), (m.stage_removed, self._on_stage_removed),
            (m.stage_changed, self._on_stage_changed), (m.flow_added, self._on_flow_added),
            (m.flow_removed, self._on_flow_removed), (m.flow_changed, self._on_flow_changed),
            (m.element_added, self._on_element_added),
            (m.element_removed, self._on_element_removed),
            (m.element_changed, self._on_element_changed),
            (m.settings_changed, self._on_settings_changed),
        ]

    def attach(self) -> None:
        """Build items for the whole map and start following its signals."""
        if self._attached:
            return
        for s in self.map.stages:
            self._on_stage_added(s)
        for f in self.map.flows:
            self._on_flow_added(f)
        for el in [*self.map.kaizens.values(), *self.map.notes.values()]:
            self._on_element_added(el)
        for sig, slot in self._signals():
            sig.connect(slot)
        self._attached = True
        self.flush()

    def detach(self) -> None:
        """Stop following the model (before the scene is dropped)."""
        if not self._attached:
            return
        for sig, slot in self._signals():
            sig.disconnect(slot)
        self._attached = False
        self._timer.stop()

    def _invalidate(self, *, metrics: bool = False) -> None:
        self._metrics_dirty = self._metrics_dirty or metrics
        self._layout_dirty = True
        if not self._timer.isActive():
            self._timer.start()

    def _on_stage_added(self, stage: Stage) -> None:
        item = StageItem(stage.id)
        item.setPos(stage.x, stage.y)
        self.addItem(item)
        self._stages[stage.id] = item
        wait = WaitItem(item)
        self.addItem(wait)
        self._waits[stage.id] = wait
        self._fingerprints[stage.id] = self._fingerprint(stage)
        item.set_content(StageContent(name=stage.name, owner=stage.owner, people=stage.people))
        self._invalidate(metrics=True)

    def _on_stage_removed(self, stage: Stage) -> None:
        item = self._stages.pop(stage.id)
        wait = self._waits.pop(stage.id)
        wait.set_anchor(None)
        item.position_changed.disconnect(wait.reposition)
        self.removeItem(wait)
        self.removeItem(item)
        self._fingerprints.pop(stage.id, None)
        self._invalidate(metrics=True)

    @staticmethod
    def _fingerprint(stage: Stage) -> Any:
        return (stage.name, stage.owner, stage.people, stage.notes, repr(stage.estimates))

    def _on_stage_changed(self, stage: Stage) -> None:
        item = self._stages[stage.id]
        if item.pos() != QPointF(stage.x, stage.y):
            item.setPos(stage.x, stage.y)
        fp = self._fingerprint(stage)
        changed = fp != self._fingerprints.get(stage.id)
        self._fingerprints[stage.id] = fp
        self._invalidate(metrics=changed)

    def _on_flow_added(self, flow: Flow) -> None:
        item = FlowItem(flow.id, self._stages[flow.source], self._stages[flow.target],
                        flow.kind, flow.label, flow.rework_share)
        self.addItem(item)
        self._flows[flow.id] = item
        self._invalidate(metrics=True)

    def _on_flow_removed(self, flow: Flow) -> None:
        item = self._flows.pop(flow.id)
        item.source.position_changed.disconnect(item.adjust)
        item.target.position_changed.disconnect(item.adjust)
        if item.wait_item is not None:
            item.wait_item.set_anchor(None)
        self.removeItem(item)
        self._invalidate(metrics=True)

    def _on_flow_changed(self, flow: Flow) -> None:
        self._flows[flow.id].set_kind(flow.kind, flow.label, flow.rework_share)
        self._invalidate(metrics=True)

    def _on_element_added(self, el: KaizenBurst | StickyNote) -> None:
        item: KaizenItem | NoteItem
        if isinstance(el, KaizenBurst):
            item = KaizenItem(el.id)
            item.set_text(el.text)
            item.set_votes(el.votes)
        else:
            item = NoteItem(el.id)
            item.set_content(el.text, el.color)
        item.setPos(el.x, el.y)
        self.addItem(item)
        self._elements[el.id] = item
        self._invalidate()

    def _on_element_removed(self, el: KaizenBurst | StickyNote) -> None:
        self.removeItem(self._elements.pop(el.id))
        self._invalidate()

    def _on_element_changed(self, el: KaizenBurst | StickyNote) -> None:
        item = self._elements[el.id]
        if isinstance(item, KaizenItem):
            assert isinstance(el, KaizenBurst)
            item.set_text(el.text)
            item.set_votes(el.votes)
        else:
            assert isinstance(el, StickyNote)
            item.set_content(el.text, el.color)
        if item.pos() != QPointF(el.x, el.y):
            item.setPos(el.x, el.y)
        self._invalidate()

    def _on_settings_changed(self, _settings: object) -> None:
        self._invalidate(metrics=True)

    # -- refresh -------------------------------------------------------------------------
    @property
    def metrics(self) -> classic.ClassicMetrics:
        """The classic metrics shown now (computed by the core)."""
        self.flush()
        assert self._metrics is not None
        return self._metrics

    def flush(self) -> None:
        """Bring every item up to date with the model now."""
        self._timer.stop()
        if not (self._metrics_dirty or self._layout_dirty):
            return
        recomputed = False
        if self._metrics_dirty or self._metrics is None:
            self._metrics = classic.compute(self.map)
            self._update_contents(self._metrics)
            recomputed = True
        self._metrics_dirty = False
        self._update_layout()
        self._layout_dirty = False
        if recomputed:
            self.metrics_changed.emit(self._metrics)
        self.refreshed.emit()

    def _update_contents(self, m: classic.ClassicMetrics) -> None:
        day = self.map.settings.day_length_s
        errors: dict[str, list[str]] = {}
        for issue in m.errors:
            if issue.stage_id:
                errors.setdefault(issue.stage_id, []).append(issue.message)
        for fig in m.stages:
            stage = self.map.stage(fig.stage_id)
            est = stage.estimates
            rows = [
                ("PT", fmt.duration(fig.process_time_s, day)),
                ("Wait", fmt.duration(fig.wait_time_s, day)),
                ("LT", fmt.duration(fig.lead_time_s, day)),
                ("%C&A", fmt.value("estimate.pca", fig.pca)),
            ]
            self._stages[fig.stage_id].set_content(StageContent(
                name=stage.name, owner=stage.owner, people=stage.people, rows=rows,
                above_takt=fig.above_takt, errors=errors.get(fig.stage_id, [])))
            inv = "" if est.inventory is None else f"{fmt.count(est.inventory)} pcs"
            wait = "" if fig.wait_time_s is None else fmt.duration(fig.wait_time_s, day)
            self._waits[fig.stage_id].set_text(wait, inv)

    def _update_layout(self) -> None:
        # wait triangles sit on the first push/pull arrow into their stage
        anchors: dict[str, FlowItem] = {}
        pairs: set[tuple[str, str]] = set()
        for f in self.map.flows:
            pairs.add((f.source, f.target))
        for f in self.map.flows:
            item = self._flows[f.id]
            offset = 7.0 if (f.target, f.source) in pairs and f.kind != FlowKind.REWORK else 0.0
            if offset != item.offset:
                item.offset = offset
                item.adjust()
            if f.kind != FlowKind.REWORK and f.target not in anchors:
                anchors[f.target] = item
        for sid, wait in self._waits.items():
            anchor = anchors.get(sid)
            if wait.anchor is not anchor:
                wait.set_anchor(anchor)
        self._layout_ladder()
        self.setSceneRect(self.content_rect().adjusted(-SCENE_MARGIN, -SCENE_MARGIN,
                                                       SCENE_MARGIN, SCENE_MARGIN))

    def _layout_ladder(self) -> None:
        m = self._metrics
        items = list(self._stages.values())
        if m is None or not items or not m.main_path:
            self.ladder.set_content([], [])
            self.legend.setVisible(bool(items))
            if items:
                r = self.stages_rect()
                self.legend.setPos(r.left(), r.bottom() + LADDER_GAP)
            return
        day = self.map.settings.day_length_s
        path_items = [self._stages[i] for i in m.main_path]
        xs = [it.pos().x() for it in path_items]
        aligned = all(b - a >= BOX_W + MIN_LADDER_STEP_GAP for a, b in zip(xs, xs[1:],
                                                                          strict=False))
        if not aligned:
            x0 = min(xs)
            xs = [x0 + i * (BOX_W + 90.0) for i in range(len(xs))]
        steps = []
        measured = self._measured_ladder
        for x, sid in zip(xs, m.main_path, strict=True):
            fig = m.stage(sid)
            wait, process = ((fig.wait_time_s, fig.process_time_s) if measured is None else
                             (measured.wait_s.get(sid), measured.active_s.get(sid)))
            steps.append(LadderStep(fig.name, x, BOX_W, fmt.duration(wait, day),
                                    fmt.duration(process, day)))
        self.ladder.title = ESTIMATED_TITLE if measured is None else measured.title
        self.ladder.set_content(steps, summary_rows(m, day) if measured is None
                                else list(measured.summary))
        bottom = max(it.pos().y() + STAGE_H for it in items)
        self.ladder.setPos(0, bottom + LADDER_GAP)
        summary = self.ladder.mapRectToScene(self.ladder.summary_rect())
        self.legend.setVisible(True)
        left = min(self.ladder.mapToScene(QPointF(self.ladder.steps[0].x_left - 74, 0)).x(),
                   self.stages_rect().left())
        legend_w = self.legend.boundingRect().width()
        if left + legend_w + 30 <= summary.left():  # beside the summary box
            self.legend.setPos(left, summary.top())
        else:
            self.legend.setPos(left, summary.bottom() + 20)

    # -- ladder mode -------------------------------------------------------------------------
    def set_measured_ladder(self, measured: MeasuredLadder | None) -> None:
        """Switch the ladder to measured medians (``None``: back to the workshop estimates)."""
        self._measured_ladder = measured
        self.legend.set_heat_scale(measured.heat_scale if measured is not None else ())
        self._invalidate()

    def ladder_mode(self) -> str:
        """``"measured"`` or ``"estimated"``."""
        return "estimated" if self._measured_ladder is None else "measured"

    # -- queries -------------------------------------------------------------------------
    def stage_item(self, stage_id: str) -> StageItem:
        return self._stages[stage_id]

    def flow_item(self, flow_id: str) -> FlowItem:
        return self._flows[flow_id]

    def wait_item(self, stage_id: str) -> WaitItem:
        return self._waits[stage_id]

    def element_item(self, element_id: str) -> KaizenItem | NoteItem:
        return self._elements[element_id]

    def stage_items(self) -> list[StageItem]:
        return list(self._stages.values())

    def flow_items(self) -> list[FlowItem]:
        return list(self._flows.values())

    def element_items(self) -> list[KaizenItem | NoteItem]:
        return list(self._elements.values())

    def movable_item(self, model_id: str) -> MovableItem | None:
        return self._stages.get(model_id) or self._elements.get(model_id)

    def selected_ids(self, kind: str | None = None) -> list[str]:
        """Model ids of the selected items (of one ``kind``: stage, flow, kaizen, note)."""
        out = []
        for it in self.selectedItems():
            mid = getattr(it, "model_id", None)
            if mid is not None and (kind is None or getattr(it, "kind", None) == kind):
                out.append(mid)
        return out

    def selected_stage_ids(self) -> list[str]:
        return self.selected_ids("stage")

    def selected_flow_ids(self) -> list[str]:
        return self.selected_ids("flow")

    def selected_element_ids(self) -> list[str]:
        return [i for i in self.selected_ids() if i in self._elements]

    def select_ids(self, ids: Iterable[str]) -> None:
        """Select exactly the items of ``ids``."""
        wanted = set(ids)
        self.blockSignals(True)
        try:
            self.clearSelection()
            for mid in wanted:
                it: QGraphicsItem | None = (self._stages.get(mid) or self._flows.get(mid)
                                            or self._elements.get(mid))
                if it is not None:
                    it.setSelected(True)
        finally:
            self.blockSignals(False)
        self.selectionChanged.emit()

    def stages_rect(self) -> QRectF:
        """Bounding rectangle of all stage boxes (scene coordinates)."""
        r = QRectF()
        for it in self._stages.values():
            r = r.united(it.stage_rect())
        return r

    def content_rect(self, margin: float = 30.0) -> QRectF:
        """Everything drawn (stages, arrows, ladder, legend, notes) plus ``margin``."""
        r = QRectF()
        for it in self.items():
            if it.isVisible() and it.parentItem() is None and getattr(it, "kind", ""):
                r = r.united(it.sceneBoundingRect())
        if r.isNull():
            r = QRectF(0, 0, 800, 500)
        return r.adjusted(-margin, -margin, margin, margin)

    # -- dragging and the grid -----------------------------------------------------------------
    def snap_point(self, p: QPointF) -> QPointF:
        """``p`` on the grid (when snapping is on)."""
        if not self.snap_enabled or self.grid_size <= 0:
            return QPointF(p)
        g = float(self.grid_size)
        return QPointF(round(p.x() / g) * g, round(p.y() / g) * g)

    def snap_while_dragging(self, p: QPointF) -> QPointF:
        """Called by items before they move: snap only during a user's drag."""
        return self.snap_point(p) if self.dragging else p

    # -- looks -------------------------------------------------------------------------------
    def set_colors(self, colors: CanvasColors) -> None:
        """Switch theme colours and repaint every item."""
        self.colors = colors
        self.setBackgroundBrush(QColor(colors.background))
        for it in self.items():
            it.update()

    @contextmanager
    def export_state(self) -> Iterator[None]:
        """Items as a printout: no selection marks, no pixmap caches (vector output)."""
        self.flush()
        selected = self.selectedItems()
        cached = [(it, it.cacheMode()) for it in self.items()
                  if it.cacheMode() != QGraphicsItem.CacheMode.NoCache]
        self.blockSignals(True)
        try:
            for it in selected:
                it.setSelected(False)
            for it, _mode in cached:
                it.setCacheMode(QGraphicsItem.CacheMode.NoCache)
            yield
        finally:
            for it, mode in cached:
                it.setCacheMode(mode)
            for it in selected:
                it.setSelected(True)
            self.blockSignals(False)

    def render_to(self, painter: QPainter, target: QRectF | None = None,
                  source: QRectF | None = None) -> None:
        """Render the map (default: :meth:`content_rect`) for images, SVG (QSvgGenerator) and
        PDF (QPdfWriter): text and lines stay vectors."""
        with self.export_state():
            src = source or self.content_rect()
            self.render(painter, target or QRectF(), src)

    def render_image(self, scale: float = 2.0, rect: QRectF | None = None,
                     background: QColor | None = None) -> QImage:
        """The map as an image (no selection marks), e.g. for exports and screenshots."""
        self.flush()
        source = rect or self.content_rect()
        size = QSize(max(1, round(source.width() * scale)), max(1, round(source.height() * scale)))
        img = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(background or QColor(self.colors.background))
        p = QPainter(img)
        p.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.render_to(p, QRectF(0, 0, size.width(), size.height()), source)
        p.end()
        return img

    # -- events: the editor decides first ---------------------------------------------------------
    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.handler is not None and self.handler.scene_mouse_press(event):
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.handler is not None and self.handler.scene_mouse_move(event):
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.handler is not None and self.handler.scene_mouse_release(event):
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if self.handler is not None:
            self.handler.after_mouse_release(event)

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.handler is not None and self.handler.scene_double_click(event):
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.handler is not None and self.handler.scene_key_press(event):
            event.accept()
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QGraphicsSceneContextMenuEvent) -> None:
        if self.handler is not None and self.handler.scene_context_menu(event):
            event.accept()
            return
        super().contextMenuEvent(event)


def item_kind(item: QGraphicsItem | None) -> str:
    """``stage``, ``flow``, ``kaizen``, ``note``, ``handle``, ``wait``, … or ``""``."""
    return str(getattr(item, "kind", "") or "") if item is not None else ""
