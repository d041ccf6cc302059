"""The VSM timeline ladder under the map and its summary box, plus the map legend.

Both are scene items (not view overlays) so that rendering the scene to an image, SVG or PDF
includes them. The scene gives them text already computed by ``domain.classic.compute``; the
ladder shows exactly the core's figures and never adds anything up itself.

Measured mode: when the scene is given a :class:`MeasuredLadder`, the peaks show each stage's
measured median wait and the troughs its measured median active time, the summary box shows
the analysis engine's figures, and the legend gains the heat scale of the overlay.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsObject, QStyleOptionGraphicsItem, QWidget

from ..colors import CanvasColors
from .items import _colors_of, font

PEAK_TO_TROUGH = 38.0
LEAD_IN = 74.0
SUMMARY_W = 270.0
ROW_H = 25.0
ESTIMATED_TITLE = "Timeline · main path"


@dataclass(frozen=True)
class LadderStep:
    """One stage of the main path on the ladder: wait on the peak, process time in the trough."""

    name: str
    x_left: float
    width: float
    wait_text: str
    process_text: str


class LadderItem(QGraphicsObject):
    """The timeline ladder along the main path, ending in the summary box."""

    kind = "ladder"

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[LadderStep] = []
        self.summary: list[tuple[str, str]] = []
        self.title = ESTIMATED_TITLE
        self._rect = QRectF()
        self.setZValue(0)

    def set_content(self, steps: list[LadderStep], summary: list[tuple[str, str]]) -> None:
        """Show ``steps`` (in flow order, x in local coordinates) and ``summary`` rows."""
        self.prepareGeometryChange()
        self.steps = list(steps)
        self.summary = list(summary)
        self._rect = self._compute_rect()
        self.setVisible(bool(self.steps))
        self.update()

    def summary_rect(self) -> QRectF:
        """The summary box in local coordinates: under the end of the ladder."""
        h = 36 + ROW_H * len(self.summary) + 4
        return QRectF(self._end_x() - SUMMARY_W, PEAK_TO_TROUGH + 44, SUMMARY_W, h)

    def summary_texts(self) -> dict[str, str]:
        """Label → shown value of the summary box (what a user reads)."""
        return dict(self.summary)

    def _start_x(self) -> float:
        return self.steps[0].x_left - LEAD_IN if self.steps else 0.0

    def _end_x(self) -> float:
        if not self.steps:
            return 0.0
        last = self.steps[-1]
        return last.x_left + last.width

    def _compute_rect(self) -> QRectF:
        if not self.steps:
            return QRectF()
        r = QRectF(QPointF(self._start_x() - 80, -30),
                   QPointF(self._end_x() + 8, PEAK_TO_TROUGH + 30))
        return r.united(self.summary_rect()).adjusted(-4, -4, 4, 4)

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        if not self.steps:
            return
        c = _colors_of(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        top, bottom = 0.0, PEAK_TO_TROUGH
        x = self._start_x()
        path = QPainterPath(QPointF(x, top))
        for s in self.steps:
            path.lineTo(s.x_left, top)
            path.lineTo(s.x_left, bottom)
            path.lineTo(s.x_left + s.width, bottom)
            path.lineTo(s.x_left + s.width, top)
        painter.setPen(QPen(c.q("ladder"), 2.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.SquareCap,
                            Qt.PenJoinStyle.MiterJoin))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)

        # row headers on the left
        hf = font(12.5)
        painter.setFont(hf)
        painter.setPen(c.q("muted"))
        painter.drawText(QRectF(x - 80, top - 20, 76, 18),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, "wait")
        painter.drawText(QRectF(x - 80, bottom + 2, 76, 18),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, "process")

        wf, pf = font(14, bold=True), font(14, bold=True)
        prev_end = x
        for s in self.steps:
            peak = QRectF(prev_end, top - 21, s.x_left - prev_end, 18)
            painter.setFont(wf)
            painter.setPen(c.q("ladder_wait"))
            fm = QFontMetricsF(wf)
            painter.drawText(peak.adjusted(-20, 0, 20, 0), Qt.AlignmentFlag.AlignCenter,
                             fm.elidedText(s.wait_text, Qt.TextElideMode.ElideRight,
                                           peak.width() + 36))
            trough = QRectF(s.x_left, bottom + 3, s.width, 18)
            painter.setFont(pf)
            painter.setPen(c.q("ladder_process"))
            painter.drawText(trough, Qt.AlignmentFlag.AlignCenter, s.process_text)
            prev_end = s.x_left + s.width

        # summary box
        r = self.summary_rect()
        painter.setPen(QPen(c.q("summary_border"), 1.8))
        painter.setBrush(c.q("summary_fill"))
        painter.drawRect(r)
        painter.setFont(font(13, bold=True))
        painter.setPen(c.q("muted"))
        painter.drawText(QRectF(r.left() + 12, r.top() + 6, r.width() - 24, 22),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.title)
        painter.setPen(QPen(c.q("data_rule"), 1))
        painter.drawLine(QPointF(r.left() + 1, r.top() + 31), QPointF(r.right() - 1, r.top() + 31))
        label_font, value_font = font(14), font(15, bold=True)
        value_fm = QFontMetricsF(value_font)
        for i, (label, value) in enumerate(self.summary):
            row = QRectF(r.left() + 12, r.top() + 33 + i * ROW_H, r.width() - 24, ROW_H)
            painter.setFont(label_font)
            painter.setPen(c.q("text"))
            room = row.width() - (value_fm.horizontalAdvance(value) + 10 if value else 0)
            painter.drawText(row, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             QFontMetricsF(label_font).elidedText(
                                 label, Qt.TextElideMode.ElideRight, room))
            painter.setFont(value_font)
            painter.drawText(row, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             value)


class LegendItem(QGraphicsObject):
    """What the symbols mean: push, pull, rework, wait triangle, kaizen burst."""

    kind = "legend"
    ENTRIES = ("Push", "Pull", "Rework loop", "Wait / inventory", "Kaizen idea")
    SAMPLE_W = 40.0
    GAP = 26.0
    ROW = 34.0
    HEAT_TITLE = "Measured wait share:"
    CONSTRAINT = "CONSTRAINT"

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(0)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.heat_scale: tuple[tuple[str, str], ...] = ()

    def set_heat_scale(self, scale: tuple[tuple[str, str], ...]) -> None:
        """Show (colour, label) chips of the measured overlay's heat scale on a second row."""
        scale = tuple(scale)
        if scale != self.heat_scale:
            self.prepareGeometryChange()
            self.heat_scale = scale
            self.update()

    def _widths(self) -> list[float]:
        fm = QFontMetricsF(font(12.5))
        return [self.SAMPLE_W + 10 + fm.horizontalAdvance(t) for t in self.ENTRIES]

    def _heat_widths(self) -> tuple[float, list[float], float]:
        fm = QFontMetricsF(font(12.5))
        bold = QFontMetricsF(font(11.5, bold=True))
        chips = [fm.horizontalAdvance(label) + 16 for _, label in self.heat_scale]
        return (fm.horizontalAdvance(self.HEAT_TITLE) + 10, chips,
                bold.horizontalAdvance(self.CONSTRAINT) + 12)

    def boundingRect(self) -> QRectF:
        w = sum(self._widths()) + self.GAP * (len(self.ENTRIES) - 1) + 24
        if not self.heat_scale:
            return QRectF(0, 0, w, self.ROW)
        title_w, chips, tag_w = self._heat_widths()
        heat_w = 12 + title_w + sum(chips) + 4 * len(chips) + self.GAP + tag_w + 12
        return QRectF(0, 0, max(w, heat_w), 2 * self.ROW)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        c = _colors_of(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = self.boundingRect()
        painter.setPen(QPen(c.q("data_rule"), 1))
        painter.setBrush(c.q("summary_fill"))
        painter.drawRoundedRect(r.adjusted(0.5, 0.5, -0.5, -0.5), 5, 5)
        x, y = 12.0, self.ROW / 2
        f = font(12.5)
        for text, w in zip(self.ENTRIES, self._widths(), strict=True):
            s0, s1 = QPointF(x, y), QPointF(x + self.SAMPLE_W - 10, y)
            if text == "Push":
                self._line(painter, c.q("push"), s0, s1, None, filled=True)
            elif text == "Pull":
                self._line(painter, c.q("pull"), s0, s1, [4.0, 2.5], filled=False,
                           head_fill=c.q("summary_fill"))
            elif text == "Rework loop":
                path = QPainterPath(QPointF(x, y + 6))
                path.cubicTo(QPointF(x + 4, y - 12), QPointF(x + 26, y - 12),
                             QPointF(x + 30, y + 4))
                pen = QPen(c.q("rework"), 2.4)
                pen.setDashPattern([6.0, 2.5, 1.5, 2.5])
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawPath(path)
                painter.setPen(QPen(c.q("rework"), 1.5))
                painter.setBrush(c.q("rework"))
                painter.drawPolygon(QPolygonF([QPointF(x + 30, y + 7), QPointF(x + 25, y),
                                               QPointF(x + 34, y - 1)]))
            elif text == "Wait / inventory":
                painter.setPen(QPen(c.q("triangle_border"), 1.4))
                painter.setBrush(c.q("triangle_fill"))
                painter.drawPolygon(QPolygonF([QPointF(x + 16, y - 10), QPointF(x + 28, y + 9),
                                               QPointF(x + 4, y + 9)]))
            else:
                pts = []
                for i in range(20):
                    a = math.pi * i / 10
                    k = 1.0 if i % 2 == 0 else 0.7
                    pts.append(QPointF(x + 16 + math.cos(a) * 15 * k, y + math.sin(a) * 10 * k))
                painter.setPen(QPen(c.q("kaizen_border"), 1.4))
                painter.setBrush(c.q("kaizen_fill"))
                painter.drawPolygon(QPolygonF(pts))
            painter.setFont(f)
            painter.setPen(c.q("text"))
            painter.drawText(QRectF(x + self.SAMPLE_W + 8, r.top(), w - self.SAMPLE_W,
                                    self.ROW),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
            x += w + self.GAP
        if self.heat_scale:
            self._paint_heat_row(painter, c)

    def _paint_heat_row(self, painter: QPainter, colors: CanvasColors) -> None:
        """Chips of the heat scale (text in black or white, whichever reads on the chip)."""
        top = self.ROW - 2
        painter.setPen(QPen(colors.q("data_rule"), 1))
        painter.drawLine(QPointF(8, top), QPointF(self.boundingRect().width() - 8, top))
        title_w, chips, tag_w = self._heat_widths()
        f = font(12.5)
        painter.setFont(f)
        painter.setPen(colors.q("text"))
        row = QRectF(12, top + 2, title_w, self.ROW - 4)
        painter.drawText(row, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         self.HEAT_TITLE)
        x = 12 + title_w
        for (color, label), w in zip(self.heat_scale, chips, strict=True):
            chip = QRectF(x, top + 7, w, self.ROW - 14)
            bg = QColor(color)
            painter.setPen(QPen(colors.q("data_rule"), 1))
            painter.setBrush(bg)
            painter.drawRoundedRect(chip, 4, 4)
            painter.setPen(QColor("#111111") if bg.lightnessF() > 0.55 else QColor("#ffffff"))
            painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, label)
            x += w + 4
        x += self.GAP - 4
        tag = QRectF(x, top + 8, tag_w, self.ROW - 16)
        alert = colors.q("alert")
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(alert)
        painter.drawRoundedRect(tag, 4, 4)
        painter.setFont(font(11.5, bold=True))
        painter.setPen(QColor("#ffffff"))
        painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, self.CONSTRAINT)

    @staticmethod
    def _line(painter: QPainter, color: object, a: QPointF, b: QPointF,
              dash: list[float] | None, *, filled: bool, head_fill: object = None) -> None:
        pen = QPen(color, 2.4)  # type: ignore[call-overload]
        if dash:
            pen.setDashPattern(dash)
        painter.setPen(pen)
        painter.drawLine(a, b)
        painter.setPen(QPen(color, 1.6))  # type: ignore[call-overload]
        painter.setBrush(color if filled else head_fill)  # type: ignore[arg-type]
        painter.drawPolygon(QPolygonF([QPointF(b.x() + 8, b.y()), QPointF(b.x() - 2, b.y() - 5),
                                       QPointF(b.x() - 2, b.y() + 5)]))
