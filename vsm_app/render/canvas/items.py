"""Canvas items: VSM process boxes with data boxes, flow arrows, wait triangles, kaizen bursts
and sticky notes.

Items hold only what they display (text already formatted by the scene) and the id of the
model element they show. Arrows follow moving stages because stage items send geometry
changes and emit ``position_changed`` from ``itemChange(ItemPositionHasChanged)``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsObject,
    QGraphicsSceneHoverEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from ...domain.model import FlowKind
from ...metrics import format as fmt
from ..colors import LIGHT, CanvasColors

BOX_W = 170.0
BOX_H = 72.0
DATA_ROW_H = 24.0
DATA_ROWS = 4
DATA_H = DATA_ROW_H * DATA_ROWS
STAGE_H = BOX_H + DATA_H
#: the measured label under a stage: one line per measured median (wait, work)
OVERLAY_LINE_H = 16.0
OVERLAY_MAX_LINES = 2
OVERLAY_OVERHANG = 8.0
HANDLE_R = 7.0
#: the data box's figures (PT, Wait, LT, %C&A values), in scene pixels: on screen they are
#: this times the zoom (the map layout keeps them at 11 pt or more, ui/canvas/view.py)
DATA_VALUE_PX = 18.0
DATA_LABEL_PX = 13.0

Z_FLOW = 1.0
Z_WAIT = 2.0
Z_STAGE = 3.0
Z_ELEMENT = 4.0
Z_TEMP = 10.0


def font(px: float, bold: bool = False) -> QFont:
    """A canvas font sized in pixels (scene units), so text scales with the zoom only."""
    f = QFont()
    f.setPixelSize(max(1, round(px)))
    f.setBold(bold)
    f.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    f.setFeature(QFont.Tag("liga"), 0)  # "fi" stays two letters in exported PDF/SVG text
    return f


def wrap_lines(text: str, fm: QFontMetricsF, width: float, max_lines: int) -> list[str]:
    """Word-wrap ``text`` into at most ``max_lines`` lines, eliding the last one."""
    words = text.split()
    lines: list[str] = []
    cur = ""
    for w in words:
        trial = f"{cur} {w}".strip()
        if fm.horizontalAdvance(trial) <= width or not cur:
            cur = trial
        else:
            lines.append(cur)
            cur = w
    if cur:
        lines.append(cur)
    if len(lines) > max_lines:
        lines = lines[:max_lines - 1] + [" ".join(lines[max_lines - 1:])]
    return [fm.elidedText(line, Qt.TextElideMode.ElideRight, width) for line in lines]


def _colors_of(item: QGraphicsItem) -> CanvasColors:
    scene = item.scene()
    return getattr(scene, "colors", LIGHT)


@dataclass
class StageContent:
    """What a stage box shows, already formatted."""

    name: str = ""
    owner: str = ""
    people: int | None = None
    rows: list[tuple[str, str]] = field(default_factory=list)
    above_takt: bool = False
    errors: list[str] = field(default_factory=list)


class ConnectHandle(QGraphicsObject):
    """The round handle on a stage's right edge: drag from it to another stage to connect."""

    kind = "handle"

    def __init__(self, parent: StageItem) -> None:
        super().__init__(parent)
        self.setPos(BOX_W, BOX_H / 2)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Drag to another stage to connect")
        self.setZValue(1)
        self.hide()

    @property
    def stage_item(self) -> StageItem:
        parent = self.parentItem()
        assert isinstance(parent, StageItem)
        return parent

    def boundingRect(self) -> QRectF:
        r = HANDLE_R + 2
        return QRectF(-r, -r, 2 * r, 2 * r)

    def shape(self) -> QPainterPath:
        p = QPainterPath()
        p.addEllipse(self.boundingRect())
        return p

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        c = _colors_of(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(c.q("box_fill"), 2))
        painter.setBrush(c.q("handle"))
        painter.drawEllipse(QPointF(0, 0), HANDLE_R, HANDLE_R)
        painter.setPen(QPen(c.q("box_fill"), 1.6))
        painter.drawLine(QPointF(-3, 0), QPointF(3, 0))
        painter.drawLine(QPointF(0, -3), QPointF(0, 3))


class MovableItem(QGraphicsObject):
    """Base of the items a user drags (stages, kaizen bursts, notes).

    Snaps to the scene's grid while a drag is in progress and emits ``position_changed``
    after every move (the arrows and wait triangles listen to it).
    """

    position_changed = Signal()
    kind = ""

    def __init__(self, model_id: str) -> None:
        super().__init__()
        self.model_id = model_id
        flags = (QGraphicsItem.GraphicsItemFlag.ItemIsMovable
                 | QGraphicsItem.GraphicsItemFlag.ItemIsSelectable
                 | QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setFlags(flags)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: object) -> object:
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionChange:
            scene = self.scene()
            snap = getattr(scene, "snap_while_dragging", None)
            if snap is not None and isinstance(value, QPointF):
                return snap(value)
        elif change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            self.position_changed.emit()
        elif change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self._selection_changed(bool(value))
        return super().itemChange(change, value)

    def _selection_changed(self, selected: bool) -> None:
        pass


class StageItem(MovableItem):
    """A VSM process box (name, people, owner) over its data box (PT, wait, LT, %C&A).

    ``pos()`` is the top-left corner of the process box, as the stage's x, y in the model.
    """

    kind = "stage"

    def __init__(self, stage_id: str) -> None:
        super().__init__(stage_id)
        self.setZValue(Z_STAGE)
        self.setAcceptHoverEvents(True)
        self.content = StageContent()
        self.handle = ConnectHandle(self)
        self._overlay_text: str | None = None
        self._overlay_color: QColor | None = None
        self._constraint = False
        self._constraint_note = ""
        self._hovered = False
        self._highlight = False
        #: the WIP-limit chip (issue 19): text and whether the limit was exceeded
        self._wip_badge: tuple[str, bool] | None = None

    # -- content ------------------------------------------------------------------------
    def set_content(self, content: StageContent) -> None:
        """Show ``content`` (called by the scene when the model or the metrics change)."""
        if content == self.content:
            return
        self.content = content
        tip = [content.name]
        if content.owner:
            tip.append(f"Owner: {content.owner}")
        tip += [f"{k}: {v}" for k, v in content.rows]
        tip += [f"⚠ {e}" for e in content.errors]
        self.setToolTip("\n".join(tip))
        self.update()

    def set_overlay(self, text: str | None, heat_color: QColor | str | None = None,
                    is_constraint: bool = False, constraint_note: str = "") -> None:
        """Show measured data on the stage: a label under the box, a heat tint, a constraint mark.

        Parameters
        ----------
        text
            Short text shown in a label under the data box, up to two lines split by
            ``\n`` (``None`` hides the label).
        heat_color
            Tint of the process box (``None``: no tint).
        is_constraint
            Draw the box as the stream's constraint (thick alert border and a tag).
        constraint_note
            What the constraint rests on ("4 of 5 stages"), shown in its tag.
        """
        self._overlay_text = text or None
        self._overlay_color = QColor(heat_color) if heat_color is not None else None
        self._constraint = bool(is_constraint)
        self._constraint_note = constraint_note if is_constraint else ""
        self.update()

    def set_wip_badge(self, text: str | None, exceeded: bool = False) -> None:
        """A chip above the box with the stage's WIP limit check ("WIP > 4 on 38 of 60 d",
        alert-coloured when ``exceeded``); ``None`` removes it."""
        badge = (text, bool(exceeded)) if text else None
        if badge != self._wip_badge:
            self.prepareGeometryChange()  # the chip's row widens the bounding rect
            self._wip_badge = badge
            self.update()

    def wip_badge(self) -> tuple[str, bool] | None:
        return self._wip_badge

    def clear_overlay(self) -> None:
        """Remove any overlay."""
        self.set_overlay(None, None, False)

    def overlay(self) -> tuple[str | None, QColor | None, bool]:
        """The overlay shown now: (text, heat colour, is constraint)."""
        return self._overlay_text, self._overlay_color, self._constraint

    def constraint_note(self) -> str:
        """What the constraint tag says it rests on ("" when not the constraint)."""
        return self._constraint_note

    def set_drop_highlight(self, on: bool) -> None:
        """Highlight as the target of a connection being drawn."""
        if on != self._highlight:
            self._highlight = on
            self.update()

    # -- geometry -----------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        # above: the CONSTRAINT tag and a validation problem (and the WIP-limit chip over
        # them); below: the measured label
        left = -60.0  # a CONSTRAINT tag with its note may be wider than the box
        top = 47 if self._wip_badge is not None else 46
        return QRectF(left, -top, BOX_W - 2 * left,
                      STAGE_H + top + 8 + OVERLAY_LINE_H * OVERLAY_MAX_LINES + 8)

    def shape(self) -> QPainterPath:
        p = QPainterPath()
        p.addRect(QRectF(0, 0, BOX_W, STAGE_H))
        return p

    def process_rect(self) -> QRectF:
        """The process box in scene coordinates (arrows attach to it)."""
        return QRectF(self.pos(), QRectF(0, 0, BOX_W, BOX_H).size())

    def stage_rect(self) -> QRectF:
        """Process box plus data box in scene coordinates."""
        return QRectF(self.pos().x(), self.pos().y(), BOX_W, STAGE_H)

    # -- interaction feedback -----------------------------------------------------------
    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = True
        self.handle.show()
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = False
        self.handle.setVisible(self.isSelected())
        super().hoverLeaveEvent(event)

    def _selection_changed(self, selected: bool) -> None:
        self.handle.setVisible(selected or self._hovered)

    # -- painting -----------------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        c = _colors_of(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        box = QRectF(0, 0, BOX_W, BOX_H)
        data = QRectF(0, BOX_H, BOX_W, DATA_H)
        content = self.content

        # process box
        # the heat class colour itself, opaque: the box, the label under it and the legend's
        # chip show one colour in every theme (issue 17: a translucent tint over the dark
        # box fill read as another colour than the legend)
        fill = c.q("box_fill")
        text_color, muted_color = c.q("text"), c.q("muted")
        if self._overlay_color is not None:
            fill = QColor(self._overlay_color)
            text_color = QColor("#111111") if fill.lightnessF() > 0.55 else QColor("#ffffff")
            muted_color = text_color
        painter.setBrush(fill)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawRect(box)
        header = QRectF(0, 0, BOX_W, 5)
        painter.setBrush(c.q("alert") if content.above_takt else c.q("box_border"))
        painter.drawRect(header)

        # name, centred, up to two lines
        painter.setPen(text_color)
        f = font(16, bold=True)
        fm = QFontMetricsF(f)
        painter.setFont(f)
        lines = wrap_lines(content.name or "(unnamed)", fm, BOX_W - 16, 2)
        lh = fm.height()
        top = 8 + (BOX_H - 30 - lh * len(lines)) / 2
        for i, line in enumerate(lines):
            painter.drawText(QRectF(8, top + i * lh, BOX_W - 16, lh),
                             Qt.AlignmentFlag.AlignCenter, line)

        # people (operator glyph) and owner on the bottom line
        small = font(12)
        painter.setFont(small)
        sfm = QFontMetricsF(small)
        base_y = BOX_H - 12
        if content.people is not None:
            painter.setPen(QPen(muted_color, 1.4))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(14, base_y - 5), 3.2, 3.2)
            painter.drawArc(QRectF(8, base_y - 1, 12, 10), 0, 180 * 16)
            painter.setPen(text_color)
            painter.drawText(QPointF(24, base_y + 4), str(content.people))
        if content.owner:
            painter.setPen(muted_color)
            owner = sfm.elidedText(content.owner, Qt.TextElideMode.ElideRight, BOX_W - 60)
            painter.drawText(QRectF(40, base_y - 8, BOX_W - 48, 16),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, owner)

        # data box
        painter.setBrush(c.q("data_fill"))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawRect(data)
        painter.setPen(QPen(c.q("data_rule"), 1))
        for i in range(1, DATA_ROWS):
            y = BOX_H + i * DATA_ROW_H
            painter.drawLine(QPointF(1, y), QPointF(BOX_W - 1, y))
        label_font, value_font = font(DATA_LABEL_PX), font(DATA_VALUE_PX, bold=True)
        for i, (label, value) in enumerate(content.rows[:DATA_ROWS]):
            r = QRectF(9, BOX_H + i * DATA_ROW_H, BOX_W - 18, DATA_ROW_H)
            painter.setFont(label_font)
            painter.setPen(c.q("muted"))
            painter.drawText(r, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
            painter.setFont(value_font)
            painter.setPen(c.q("text"))
            painter.drawText(r, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             value)

        # borders last so they stay crisp over the fills
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(c.q("box_border"), 1.6))
        painter.drawRect(data)
        border = c.q("box_border")
        width = 1.8
        if self._constraint:
            border, width = c.q("alert"), 4.0
        if self.isSelected() or self._highlight:
            border, width = c.q("selection"), 3.2
        painter.setPen(QPen(border, width))
        painter.drawRect(box)
        if self.isSelected():
            painter.setPen(QPen(c.q("selection"), 2.0))
            painter.drawRect(QRectF(0, 0, BOX_W, STAGE_H).adjusted(-3, -3, 3, 3))

        # tags above the box: takt alert, validation error, overlay
        tag_font = font(11.5, bold=True)
        painter.setFont(tag_font)
        tfm = QFontMetricsF(tag_font)
        x_right = BOX_W
        tags: list[tuple[str, QColor, QColor]] = []
        if content.errors:
            # why, on the canvas (not only in the tool tip): the first problem, elided
            why = problem_text(content.errors[0])
            if len(content.errors) > 1:
                why += f" (+{len(content.errors) - 1})"
            ef = font(11, bold=True)
            painter.setFont(ef)
            efm = QFontMetricsF(ef)
            er = QRectF(-OVERLAY_OVERHANG, -41, BOX_W + 2 * OVERLAY_OVERHANG, 17)
            shown = efm.elidedText(f"⚠ {why}", Qt.TextElideMode.ElideRight, er.width() - 8)
            er.setWidth(efm.horizontalAdvance(shown) + 10)
            bg = c.q("background")
            bg.setAlpha(235)
            painter.setPen(QPen(c.q("alert"), 1.2))
            painter.setBrush(bg)
            painter.drawRoundedRect(er, 4, 4)
            painter.setPen(c.q("alert"))
            painter.drawText(er.adjusted(5, 0, -5, 0),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                             shown)
            painter.setFont(tag_font)
            tags.append(("⚠ check", c.q("alert"), QColor("#ffffff")))
        if content.above_takt:
            tags.append(("> takt", c.q("alert"), QColor("#ffffff")))
        if self._constraint:
            tag = f"CONSTRAINT · {self._constraint_note}" if self._constraint_note \
                else "CONSTRAINT"
            tags.append((tag, c.q("alert"), QColor("#ffffff")))
        if self._wip_badge is not None:  # its own row, over the others: always whole
            text, exceeded = self._wip_badge
            w = min(tfm.horizontalAdvance(text) + 12, BOX_W + 12)
            r = QRectF(BOX_W - w, -41, w, 17)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(c.q("alert") if exceeded else c.q("muted"))
            painter.drawRoundedRect(r, 4, 4)
            painter.setPen(QColor("#ffffff"))
            painter.drawText(r, Qt.AlignmentFlag.AlignCenter, text)
        for text, bg, fg in tags:
            w = tfm.horizontalAdvance(text) + 12
            r = QRectF(x_right - w, -20, w, 17)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(bg)
            painter.drawRoundedRect(r, 4, 4)
            painter.setPen(fg)
            painter.drawText(r, Qt.AlignmentFlag.AlignCenter, text)
            x_right -= w + 4
        if self._overlay_text:
            of = font(11, bold=True)
            painter.setFont(of)
            ofm = QFontMetricsF(of)
            lines = self._overlay_text.split("\n")[:OVERLAY_MAX_LINES]
            # a little wider than the box: "work 4.9 min · est 30 min" fits unelided
            r = QRectF(-OVERLAY_OVERHANG, STAGE_H + 4, BOX_W + 2 * OVERLAY_OVERHANG,
                       4 + OVERLAY_LINE_H * len(lines))
            bg = QColor(self._overlay_color) if self._overlay_color is not None \
                else c.q("selection")
            painter.setPen(QPen(c.q("box_border"), 1))
            painter.setBrush(bg)
            painter.drawRoundedRect(r, 4, 4)
            painter.setPen(QColor("#111111") if bg.lightnessF() > 0.55 else QColor("#ffffff"))
            for i, line in enumerate(lines):
                text = ofm.elidedText(line, Qt.TextElideMode.ElideRight, r.width() - 8)
                painter.drawText(QRectF(r.left(), r.top() + 2 + i * OVERLAY_LINE_H, r.width(),
                                        OVERLAY_LINE_H), Qt.AlignmentFlag.AlignCenter, text)


class FlowItem(QGraphicsObject):
    """An arrow between two stages: push solid, pull dashed, rework a dash-dot loop above."""

    kind = "flow"

    def __init__(self, flow_id: str, source: StageItem, target: StageItem,
                 kind: FlowKind = FlowKind.PUSH, label: str = "",
                 rework_share: float | None = None) -> None:
        super().__init__()
        self.model_id = flow_id
        self.source, self.target = source, target
        self.flow_kind = kind
        self.label = label
        self.rework_share = rework_share
        self.offset = 0.0  # sideways shift when two flows join the same pair of stages
        self.wait_item: WaitItem | None = None
        self._path = QPainterPath()
        self._head = QPolygonF()
        self._mid = QPointF()
        self._shape = QPainterPath()
        self.setZValue(Z_FLOW)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        source.position_changed.connect(self.adjust)
        target.position_changed.connect(self.adjust)
        self.adjust()

    def set_kind(self, kind: FlowKind, label: str = "",
                 rework_share: float | None = None) -> None:
        """Show another kind, label or %rework."""
        self.flow_kind, self.label, self.rework_share = kind, label, rework_share
        self.adjust()

    def shown_label(self) -> str:
        """The text beside the arrow: its label; a rework loop says "rework" and the share
        of items sent back when estimated (``rework · 15 % sent back``)."""
        if self.flow_kind != FlowKind.REWORK:
            return self.label
        text = self.label or "rework"
        if self.rework_share is not None:
            text += f" · {share_text(self.rework_share)} sent back"
        return text

    def midpoint(self) -> QPointF:
        """Middle of the arrow (where the wait triangle of the target sits)."""
        return QPointF(self._mid)

    def arrow_path(self) -> QPainterPath:
        """The drawn line in scene coordinates (for tests and exports)."""
        return QPainterPath(self._path)

    def adjust(self) -> None:
        """Recompute the arrow from the current stage positions."""
        self.prepareGeometryChange()
        a, b = self.source.process_rect(), self.target.process_rect()
        path = QPainterPath()
        if self.flow_kind == FlowKind.REWORK:
            start = QPointF(a.center().x() + 18, a.top())
            end = QPointF(b.center().x() - 18, b.top())
            lift = 46 + 0.12 * abs(end.x() - start.x())
            top = min(start.y(), end.y()) - lift
            c1, c2 = QPointF(start.x(), top), QPointF(end.x(), top)
            path.moveTo(start)
            path.cubicTo(c1, c2, end)
            self._mid = path.pointAtPercent(0.5)
            tangent_from = path.pointAtPercent(0.97)
        else:
            ca, cb = a.center(), b.center()
            line = QLineF(ca, cb)
            if line.length() > 0 and self.offset:
                n = line.normalVector().unitVector()
                d = QPointF(n.dx(), n.dy()) * self.offset
                ca, cb = ca + d, cb + d
            start = _exit_point(a, ca, cb)
            end = _exit_point(b, cb, ca)
            path.moveTo(start)
            path.lineTo(end)
            self._mid = (start + end) / 2
            tangent_from = start
        self._path = path
        self._head = _arrow_head(tangent_from, end, 13.0, 7.0)
        stroker = QPainterPathStroker()
        stroker.setWidth(14)
        shape = stroker.createStroke(path)
        shape.addPolygon(self._head)
        self._shape = shape
        if self.wait_item is not None:
            self.wait_item.reposition()
        self.update()

    def boundingRect(self) -> QRectF:
        r = self._path.boundingRect().united(self._head.boundingRect())
        return r.adjusted(-40, -24, 40, 24)

    def shape(self) -> QPainterPath:
        return self._shape

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        c = _colors_of(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        kind = self.flow_kind
        color = c.q({FlowKind.PUSH: "push", FlowKind.PULL: "pull",
                     FlowKind.REWORK: "rework"}[kind])
        if self.isSelected():
            halo = c.q("selection")
            halo.setAlpha(90)
            painter.setPen(QPen(halo, 9, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            painter.drawPath(self._path)
        pen = QPen(color, 2.6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.FlatCap)
        if kind == FlowKind.PULL:
            pen.setDashPattern([4.0, 2.5])
        elif kind == FlowKind.REWORK:
            pen.setDashPattern([6.0, 2.5, 1.5, 2.5])
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        painter.setPen(QPen(color, 2.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                            Qt.PenJoinStyle.MiterJoin))
        painter.setBrush(c.q("background") if kind == FlowKind.PULL else color)
        painter.drawPolygon(self._head)
        label = self.shown_label()
        if label:
            f = font(12, bold=kind == FlowKind.REWORK)
            painter.setFont(f)
            fm = QFontMetricsF(f)
            w = fm.horizontalAdvance(label) + 10
            r = QRectF(self._mid.x() - w / 2, self._mid.y() - 22, w, 17)
            painter.setPen(Qt.PenStyle.NoPen)
            bg = c.q("background")
            bg.setAlpha(220)
            painter.setBrush(bg)
            painter.drawRoundedRect(r, 3, 3)
            painter.setPen(color)
            painter.drawText(r, Qt.AlignmentFlag.AlignCenter, label)


def share_text(share: float) -> str:
    """A %rework as typed: ``15 %``, ``12.5 %`` (one decimal only when it has one)."""
    pct = share * 100.0
    return fmt.percent(share, 0 if math.isclose(pct, round(pct), abs_tol=1e-9) else 1)


def problem_text(message: str) -> str:
    """A validation message as the canvas shows it beside its stage: without the leading
    ``stage 'Name': `` (the stage is right there)."""
    m = re.match(r"stage (['\"]).*?\1: ", message)
    return message[m.end():] if m else message


def _exit_point(rect: QRectF, inside: QPointF, outside: QPointF) -> QPointF:
    """Where the segment inside → outside leaves ``rect``."""
    seg = QLineF(inside, outside)
    edges = [QLineF(rect.topLeft(), rect.topRight()), QLineF(rect.topRight(), rect.bottomRight()),
             QLineF(rect.bottomRight(), rect.bottomLeft()),
             QLineF(rect.bottomLeft(), rect.topLeft())]
    for e in edges:
        kind, p = seg.intersects(e)
        if kind == QLineF.IntersectionType.BoundedIntersection:
            return p
    return inside


def _arrow_head(frm: QPointF, tip: QPointF, length: float, half_width: float) -> QPolygonF:
    dx, dy = tip.x() - frm.x(), tip.y() - frm.y()
    d = math.hypot(dx, dy) or 1.0
    ux, uy = dx / d, dy / d
    base = QPointF(tip.x() - ux * length, tip.y() - uy * length)
    nx_, ny_ = -uy * half_width, ux * half_width
    return QPolygonF([tip, QPointF(base.x() + nx_, base.y() + ny_),
                      QPointF(base.x() - nx_, base.y() - ny_)])


class WaitItem(QGraphicsObject):
    """The VSM inventory triangle before a stage, with the wait time (and count) under it.

    Sits on the middle of the stage's first incoming push/pull arrow, or left of the stage
    when nothing flows into it.
    """

    kind = "wait"

    def __init__(self, stage_item: StageItem) -> None:
        super().__init__()
        self.stage_item = stage_item
        self.anchor: FlowItem | None = None
        self.wait_text = ""
        self.inventory_text = ""
        self.setZValue(Z_WAIT)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        stage_item.position_changed.connect(self.reposition)
        self.reposition()

    def set_text(self, wait_text: str, inventory_text: str = "") -> None:
        """Show a wait time (and an inventory count); both empty hides the triangle."""
        if (wait_text, inventory_text) != (self.wait_text, self.inventory_text):
            self.prepareGeometryChange()
            self.wait_text, self.inventory_text = wait_text, inventory_text
            self.update()
        self.setVisible(bool(wait_text or inventory_text))

    def set_anchor(self, flow: FlowItem | None) -> None:
        """Sit on ``flow`` (or left of the stage when ``None``)."""
        if self.anchor is not None and self.anchor.wait_item is self:
            self.anchor.wait_item = None
        self.anchor = flow
        if flow is not None:
            flow.wait_item = self
        self.reposition()

    def reposition(self) -> None:
        """Follow the anchor arrow or the stage."""
        if self.anchor is not None:
            self.setPos(self.anchor.midpoint())
        else:
            r = self.stage_item.process_rect()
            self.setPos(r.left() - 42, r.center().y())

    def boundingRect(self) -> QRectF:
        return QRectF(-48, -30, 96, 70)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        c = _colors_of(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        tri = QPolygonF([QPointF(0, -27), QPointF(15, -1), QPointF(-15, -1)])
        painter.setPen(QPen(c.q("triangle_border"), 1.6))
        painter.setBrush(c.q("triangle_fill"))
        painter.drawPolygon(tri)
        painter.setFont(font(12, bold=True))
        painter.setPen(c.q("triangle_border"))
        painter.drawText(QRectF(-10, -18, 20, 16), Qt.AlignmentFlag.AlignCenter, "I")
        y = 3.0
        for text, bold in ((self.wait_text, True), (self.inventory_text, False)):
            if not text:
                continue
            f = font(12.5, bold=bold)
            painter.setFont(f)
            fm = QFontMetricsF(f)
            w = min(94.0, fm.horizontalAdvance(text) + 8)
            r = QRectF(-w / 2, y, w, 17)
            bg = c.q("background")
            bg.setAlpha(230)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(bg)
            painter.drawRoundedRect(r, 3, 3)
            painter.setPen(c.q("text") if bold else c.q("muted"))
            painter.drawText(r, Qt.AlignmentFlag.AlignCenter,
                             fm.elidedText(text, Qt.TextElideMode.ElideRight, w - 4))
            y += 17


class KaizenItem(MovableItem):
    """A kaizen burst (improvement idea); ``pos()`` is its centre."""

    kind = "kaizen"
    RX, RY = 80.0, 50.0
    BADGE_D = 30.0

    def __init__(self, element_id: str) -> None:
        super().__init__(element_id)
        self.setZValue(Z_ELEMENT)
        self.text = ""
        self.votes = 0

    def set_text(self, text: str) -> None:
        if text != self.text:
            self.text = text
            self._tooltip()
            self.update()

    def set_votes(self, votes: int) -> None:
        """The dot-vote tally, drawn as a badge on the burst's upper right (none at 0)."""
        if votes != self.votes:
            self.prepareGeometryChange()
            self.votes = votes
            self._tooltip()
            self.update()

    def _tooltip(self) -> None:
        dots = f"\n{self.votes} dot vote{'s' if self.votes != 1 else ''}" if self.votes else ""
        self.setToolTip(self.text + dots)

    def _badge_rect(self) -> QRectF:
        d = self.BADGE_D
        return QRectF(self.RX * 0.62 - d / 2, -self.RY - d * 0.35, d, d)

    def _burst(self) -> QPolygonF:
        pts = []
        n = 14
        for i in range(2 * n):
            a = math.pi * i / n
            k = 1.0 if i % 2 == 0 else 0.78
            pts.append(QPointF(math.cos(a) * self.RX * k, math.sin(a) * self.RY * k))
        return QPolygonF(pts)

    def boundingRect(self) -> QRectF:
        r = QRectF(-self.RX - 6, -self.RY - 6, 2 * self.RX + 12, 2 * self.RY + 12)
        return r.united(self._badge_rect().adjusted(-2, -2, 2, 2)) if self.votes else r

    def shape(self) -> QPainterPath:
        p = QPainterPath()
        p.addPolygon(self._burst())
        return p

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        c = _colors_of(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        border = c.q("selection") if self.isSelected() else c.q("kaizen_border")
        painter.setPen(QPen(border, 3.0 if self.isSelected() else 2.0))
        painter.setBrush(c.q("kaizen_fill"))
        painter.drawPolygon(self._burst())
        f = font(12, bold=True)
        painter.setFont(f)
        painter.setPen(c.q("text"))
        fm = QFontMetricsF(f)
        lines = wrap_lines(self.text or "Kaizen", fm, self.RX * 1.3, 4)
        lh = fm.height()
        top = -lh * len(lines) / 2
        for i, line in enumerate(lines):
            painter.drawText(QRectF(-self.RX, top + i * lh, 2 * self.RX, lh),
                             Qt.AlignmentFlag.AlignCenter, line)
        if self.votes:
            # the tally: a round badge in the burst's border colour, white count
            b = self._badge_rect()
            fill = c.q("kaizen_border")
            painter.setPen(QPen(c.q("kaizen_fill"), 2.0))
            painter.setBrush(fill)
            painter.drawEllipse(b)
            painter.setFont(font(14 if self.votes < 100 else 11, bold=True))
            painter.setPen(QColor("#1d2330" if fill.lightness() > 150 else "#ffffff"))
            painter.drawText(b, Qt.AlignmentFlag.AlignCenter, str(self.votes))


class NoteItem(MovableItem):
    """A sticky note; ``pos()`` is its top-left corner."""

    kind = "note"
    W, H = 160.0, 96.0

    def __init__(self, element_id: str) -> None:
        super().__init__(element_id)
        self.setZValue(Z_ELEMENT)
        self.text = ""
        self.color = QColor("#fff59d")

    def set_content(self, text: str, color: str) -> None:
        if text != self.text or QColor(color) != self.color:
            self.text, self.color = text, QColor(color)
            self.setToolTip(text)
            self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(-4, -4, self.W + 10, self.H + 10)

    def shape(self) -> QPainterPath:
        p = QPainterPath()
        p.addRect(QRectF(0, 0, self.W, self.H))
        return p

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        c = _colors_of(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fold = 16.0
        poly = QPolygonF([QPointF(0, 0), QPointF(self.W, 0), QPointF(self.W, self.H - fold),
                          QPointF(self.W - fold, self.H), QPointF(0, self.H)])
        shadow = QColor(0, 0, 0, 40)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(shadow)
        painter.drawPolygon(poly.translated(3, 3))
        painter.setBrush(self.color)
        border = c.q("selection") if self.isSelected() else self.color.darker(140)
        painter.setPen(QPen(border, 2.5 if self.isSelected() else 1.0))
        painter.drawPolygon(poly)
        painter.setBrush(self.color.darker(115))
        painter.drawPolygon(QPolygonF([QPointF(self.W, self.H - fold),
                                       QPointF(self.W - fold, self.H - fold),
                                       QPointF(self.W - fold, self.H)]))
        f = font(12.5)
        painter.setFont(f)
        painter.setPen(QColor("#1d2330"))
        fm = QFontMetricsF(f)
        lines = wrap_lines(self.text or "Note", fm, self.W - 16, 5)
        for i, line in enumerate(lines):
            painter.drawText(QRectF(8, 7 + i * fm.height(), self.W - 16, fm.height()),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, line)


class TempFlowLine(QGraphicsItem):
    """The line following the mouse while a connection is drawn."""

    def __init__(self, start: QPointF) -> None:
        super().__init__()
        self.line = QLineF(start, start)
        self.setZValue(Z_TEMP)

    def set_end(self, p: QPointF) -> None:
        self.prepareGeometryChange()
        self.line.setP2(p)

    def boundingRect(self) -> QRectF:
        return QRectF(self.line.p1(), self.line.p2()).normalized().adjusted(-12, -12, 12, 12)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        c = _colors_of(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(c.q("selection"), 2.4, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawLine(self.line)
        painter.setBrush(c.q("selection"))
        painter.drawPolygon(_arrow_head(self.line.p1(), self.line.p2(), 12, 6))
