"""Maps as pictures: PNG, SVG and PDF (Qt, but no window).

Everything here runs headless (offscreen platform, no widget shown) and in a worker thread:
a map is drawn from a fresh :class:`~vsm_app.render.canvas.scene.MapScene` built on the map
the caller hands in (the GUI passes a copy, so the user can go on editing), in the light theme on
a white (or transparent) background, whatever the screen theme.

What a map picture holds
------------------------
A title band (map name, project name and state), then the scene's content: stages with
their data boxes, flows, wait triangles, kaizen bursts, notes, the timeline ladder with its
summary box, the legend (push, pull, rework, wait/inventory, kaizen) and, when ``overlay``
is given, the measured overlay on each stage (text label, heat tint, constraint mark).

Sizes
-----
One scene unit is one CSS pixel, 1/96 inch (the size the map has on screen at 100 %). The
picture is ``W × H`` units: the scene's :meth:`~MapScene.content_rect` (everything drawn plus
a 30-unit margin), plus :data:`TITLE_H` units on top when the title is on. A PNG exported at
``dpi`` D is ``round(W·D/96) × round(H·D/96)`` pixels and records D dots per inch; with
``width_px`` given it is ``width_px × round(H·width_px/W)`` pixels. An SVG is ``W × H`` CSS px
(real vectors: text stays text). A PDF page holds one map scaled to fit inside 12 mm margins
(above a one-line footer), centred, as vectors.

Safety: see :mod:`vsm_app.report.target` (the only path written is the one asked for,
atomically; never a ``.vsm`` file or the open project).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QBuffer,
    QCoreApplication,
    QIODevice,
    QLineF,
    QMarginsF,
    QObject,
    QRectF,
    QSize,
    Qt,
    QThread,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)
from PySide6.QtSvg import QSvgGenerator

from ..domain.model import Project, ValueStreamMap
from ..report.overlay import OverlayData
from ..report.target import (
    ExportTargetError,
    check_target,
    write_target,
)
from ..work import IsCancelled, Progress, check, report
from .canvas.items import BOX_H, BOX_W
from .canvas.scene import MapScene
from .colors import LIGHT, CanvasColors

__all__ = [
    "CSS_DPI", "ExportTargetError", "MapExportResult", "MapPicture",
    "OverviewPicture", "PAGE_SIZES", "export_colors", "export_map_image", "export_maps_pdf",
    "map_picture", "map_png_bytes", "render_png", "render_svg",
]

CSS_DPI = 96.0
MAP_FORMATS = (".png", ".svg", ".pdf")
TITLE_H = 64.0
PAGE_SIZES: dict[str, QPageSize.PageSizeId] = {
    "A4": QPageSize.PageSizeId.A4,
    "A3": QPageSize.PageSizeId.A3,
    "Letter": QPageSize.PageSizeId.Letter,
}
ORIENTATIONS = ("auto", "landscape", "portrait")
#: refuse images larger than this many pixels (≈ 800 MB of memory while encoding)
MAX_PIXELS = 200_000_000
PDF_MARGIN_MM = 12.0
PDF_RESOLUTION = 600

OverlayLike = Mapping[str, OverlayData | tuple[str | None, Any, bool]]


def export_colors() -> CanvasColors:
    """The canvas colours of every export: the light theme on white."""
    return replace(LIGHT, background="#ffffff")


@dataclass(frozen=True)
class MapExportResult:
    """What an export wrote: its path, format, pixel size (PNG/SVG) and page count (PDF)."""

    path: Path
    format: str
    width_px: int = 0
    height_px: int = 0
    pages: int = 0
    dpi: float = 0.0


def _font(px: float, bold: bool = False) -> QFont:
    f = QFont()
    f.setPixelSize(max(1, round(px)))
    f.setBold(bold)
    f.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    for tag in ("liga", "clig"):  # text in PDF/SVG stays searchable as typed
        f.setFeature(QFont.Tag(tag), 0)
    return f


def _state_text(vsm_map: ValueStreamMap) -> str:
    return "future state" if vsm_map.kind == "future" else "current state"


def _as_overlay(v: Any) -> OverlayData:
    if isinstance(v, OverlayData):
        return v
    text, color, constraint = v
    if color is not None and not isinstance(color, str):
        color = QColor(color).name()
    return OverlayData(text or "", color, bool(constraint))


class _Reaper(QObject):
    """Holds QObjects let go of in a worker thread and destroys them on the GUI thread."""

    parked = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self._held: list[object] = []
        self.parked.connect(self._hold, Qt.ConnectionType.QueuedConnection)

    def _hold(self, obj: object) -> None:
        self._held.append(obj)
        # a second later the worker that made it has long returned (its frames hold no
        # reference any more): the last reference goes here, on the GUI thread
        QTimer.singleShot(1000, self._flush)

    def _flush(self) -> None:
        if not self._held:
            return
        if workers_running():
            # destroyed now, the scene could meet a worker that holds Python's lock and
            # waits for Qt's (the same deadlock the other way round): wait till none runs
            QTimer.singleShot(500, self._flush)
            return
        self._held.clear()


_REAPER: _Reaper | None = None


def _no_workers() -> bool:
    return False


#: whether worker threads still run (the window's worker registry sets it); parked objects
#: are destroyed only when none does
workers_running: Callable[[], bool] = _no_workers


def release_on_gui_thread(obj: QObject) -> None:
    """Let the GUI thread destroy ``obj``, a QObject made in a worker thread (a map's private
    scene). Destroyed in the worker, a QObject with connections calls back into Python while
    it holds Qt's connection lock; if the GUI thread then waits for that lock while holding
    Python's, both wait for ever (seen as a hung PDF export while the window drew a chart).
    On the GUI thread itself (the command line, the window) nothing changes."""
    global _REAPER
    app = QCoreApplication.instance()
    if app is None or QThread.currentThread() is app.thread():
        return
    if _REAPER is None:
        reaper = _Reaper()
        reaper.moveToThread(app.thread())
        _REAPER = reaper
    obj.moveToThread(app.thread())
    _REAPER.parked.emit(obj)


class MapPicture:
    """A map ready to paint: a private scene, its overlay, the title, the picture size.

    Use as a context manager (the scene is let go of on exit). ``measured_ladder`` (a
    ``report.overlay.MeasuredLadder``) puts the ladder in measured mode, as the editor shows it.
    """

    def __init__(self, project_name: str, vsm_map: ValueStreamMap, *,
                 overlay: OverlayLike | None = None, title: bool = True,
                 colors: CanvasColors | None = None, measured_ladder: Any = None) -> None:
        self.map = vsm_map
        self.project_name = project_name
        self.colors = colors or export_colors()
        self.scene = MapScene(vsm_map, self.colors)
        self.scene.setBackgroundBrush(Qt.BrushStyle.NoBrush)
        self.overlay: dict[str, OverlayData] = {}
        for sid, v in (overlay or {}).items():
            if vsm_map.has_stage(sid):
                ov = _as_overlay(v)
                self.overlay[sid] = ov
                self.scene.stage_item(sid).set_overlay(ov.text or None, ov.heat_color,
                                                       ov.is_constraint, ov.constraint_note)
        set_ladder = getattr(self.scene, "set_measured_ladder", None)
        if measured_ladder is not None and callable(set_ladder):
            set_ladder(measured_ladder)  # the ladder in measured mode, as on screen
        self.scene.flush()
        self.title = title
        self.source = self.scene.content_rect()
        self.title_h = TITLE_H if title else 0.0

    def __enter__(self) -> MapPicture:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.scene.detach()
        self.scene.clear()
        release_on_gui_thread(self.scene)


    @property
    def width(self) -> float:
        """Picture width in scene units (CSS px)."""
        return self.source.width()

    @property
    def height(self) -> float:
        return self.source.height() + self.title_h

    def stage_names(self) -> list[str]:
        return [s.name for s in self.map.stages]

    def paint(self, painter: QPainter, target: QRectF) -> None:
        """Paint the picture into ``target`` (device coordinates), keeping its proportions
        and centring it."""
        s = min(target.width() / self.width, target.height() / self.height)
        w, h = self.width * s, self.height * s
        left = target.left() + (target.width() - w) / 2
        top = target.top() + (target.height() - h) / 2
        painter.save()
        painter.setRenderHints(QPainter.RenderHint.Antialiasing
                               | QPainter.RenderHint.TextAntialiasing
                               | QPainter.RenderHint.SmoothPixmapTransform)
        if self.title:
            painter.translate(left, top)
            painter.scale(s, s)
            self._paint_title(painter)
        painter.restore()
        scene_target = QRectF(left, top + self.title_h * s, w, h - self.title_h * s)
        self.scene.render_to(painter, scene_target, self.source)

    def _paint_title(self, painter: QPainter) -> None:
        c = self.colors
        x = 30.0
        painter.setPen(QColor(c.text))
        f = _font(26, bold=True)
        painter.setFont(f)
        fm = QFontMetricsF(f)
        name = fm.elidedText(self.map.name, Qt.TextElideMode.ElideRight, self.width - 60)
        painter.drawText(QRectF(x, 10, self.width - 60, 32),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
        f2 = _font(15)
        painter.setFont(f2)
        painter.setPen(QColor(c.muted))
        sub = f"{self.project_name} · {_state_text(self.map)}"
        if self.overlay:
            sub += " · measured medians on the stages"
        painter.drawText(QRectF(x, 40, self.width - 60, 20),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         QFontMetricsF(f2).elidedText(sub, Qt.TextElideMode.ElideRight,
                                                      self.width - 60))


#: from this many stages a map is exported as an overview (:class:`OverviewPicture`)
OVERVIEW_STAGES = 2_000


class OverviewPicture(MapPicture):
    """A very large map drawn straight from the model: boxes with names, flows as lines.

    A map of thousands of stages is nobody's workshop map, but a generated or imported one
    must still export in seconds (100,000 stages and 150,000 flows: well under 5 s), and a
    scene of one item per stage and flow takes a minute to build and paint. Batched painter
    calls do it instead; the ladder, the data boxes and the kaizens are left out, the
    measured overlay tints the boxes. Same interface as :class:`MapPicture`.
    """

    def __init__(self, project_name: str, vsm_map: ValueStreamMap, *,
                 overlay: OverlayLike | None = None, title: bool = True,
                 colors: CanvasColors | None = None, measured_ladder: Any = None) -> None:
        self.map = vsm_map
        self.project_name = project_name
        self.colors = colors or export_colors()
        self.overlay = {sid: _as_overlay(v) for sid, v in (overlay or {}).items()
                        if vsm_map.has_stage(sid)}
        self.title = title
        self.title_h = TITLE_H if title else 0.0
        stages = vsm_map.stages
        self._pos = {s.id: (s.x, s.y) for s in stages}
        if stages:
            xs = [s.x for s in stages]
            ys = [s.y for s in stages]
            left, top = min(xs) - 40.0, min(ys) - 40.0
            right, bottom = max(xs) + BOX_W + 40.0, max(ys) + BOX_H + 40.0
        else:
            left, top, right, bottom = 0.0, 0.0, 400.0, 200.0
        for n in vsm_map.notes.values():  # notes are drawn too: keep them inside
            left, top = min(left, n.x - 40.0), min(top, n.y - 40.0)
            right, bottom = max(right, n.x + 200.0), max(bottom, n.y + 120.0)
        self.source = QRectF(left, top, max(right - left, 400.0), max(bottom - top, 200.0))

    def close(self) -> None:
        pass

    def paint(self, painter: QPainter, target: QRectF) -> None:
        s = min(target.width() / self.width, target.height() / self.height)
        w, h = self.width * s, self.height * s
        left = target.left() + (target.width() - w) / 2
        top = target.top() + (target.height() - h) / 2
        painter.save()
        painter.setRenderHints(QPainter.RenderHint.Antialiasing
                               | QPainter.RenderHint.TextAntialiasing)
        painter.translate(left, top)
        painter.scale(s, s)
        if self.title:
            self._paint_title(painter)
        painter.translate(-self.source.left(), self.title_h - self.source.top())
        self._paint_map(painter, s)
        painter.restore()

    def _paint_map(self, painter: QPainter, scale: float) -> None:
        c = self.colors
        pos = self._pos
        cx, cy = BOX_W / 2, BOX_H / 2
        lines: dict[str, list[QLineF]] = {"push": [], "pull": [], "rework": []}
        for f in self.map.flows:
            (x1, y1), (x2, y2) = pos[f.source], pos[f.target]
            lines[f.kind.value].append(QLineF(x1 + cx, y1 + cy, x2 + cx, y2 + cy))
        for kind, style in (("push", Qt.PenStyle.SolidLine), ("pull", Qt.PenStyle.DashLine),
                            ("rework", Qt.PenStyle.DotLine)):
            if lines[kind]:
                pen = QPen(c.q(kind), 2.0, style)
                pen.setCosmetic(scale < 0.5)  # still a visible line when the map is tiny
                painter.setPen(pen)
                painter.drawLines(lines[kind])
        boxes = [QRectF(x, y, BOX_W, BOX_H) for x, y in pos.values()]
        painter.setPen(QPen(c.q("box_border"), 1.5))
        painter.setBrush(c.q("box_fill"))
        painter.drawRects(boxes)
        for sid, ov in self.overlay.items():
            if ov.heat_color:
                tint = QColor(ov.heat_color)
                tint.setAlpha(110)
                painter.fillRect(QRectF(*pos[sid], BOX_W, BOX_H), tint)
        for n in self.map.notes.values():
            painter.fillRect(QRectF(n.x, n.y, 160.0, 80.0), QColor(n.color))
        if BOX_H * scale < 4:  # names would be smaller than a pixel
            return
        painter.setPen(c.q("text"))
        font = _font(13, bold=True)
        painter.setFont(font)
        fm = QFontMetricsF(font)
        flags = Qt.AlignmentFlag.AlignCenter
        elide = Qt.TextElideMode.ElideRight
        for st, box in zip(self.map.stages, boxes, strict=True):
            painter.drawText(box.adjusted(6, 0, -6, 0), flags,
                             fm.elidedText(st.name, elide, BOX_W - 12))


def map_picture(project_name: str, vsm_map: ValueStreamMap, **options: Any) -> MapPicture:
    """The picture of a map for every export: the canvas' own drawing, or an overview for a
    map of :data:`OVERVIEW_STAGES` stages or more."""
    kind = OverviewPicture if len(vsm_map.stages) >= OVERVIEW_STAGES else MapPicture
    return kind(project_name, vsm_map, **options)


@contextmanager
def _picture(project: Project | str, vsm_map: ValueStreamMap, overlay: OverlayLike | None,
             title: bool, measured_ladder: Any = None) -> Iterator[MapPicture]:
    name = project if isinstance(project, str) else project.name
    pic = map_picture(name, vsm_map, overlay=overlay, title=title,
                      measured_ladder=measured_ladder)
    try:
        yield pic
    finally:
        pic.close()


def png_size(picture: MapPicture, dpi: float = 150.0, width_px: int | None = None
             ) -> tuple[int, int, float]:
    """``(width, height, effective dpi)`` of a PNG of ``picture`` (see the module docstring)."""
    if width_px is not None:
        if width_px < 16:
            raise ValueError(f"width {width_px} px is too small (at least 16)")
        scale = width_px / picture.width
        return int(width_px), max(1, round(picture.height * scale)), scale * CSS_DPI
    if not dpi or dpi <= 0 or not math.isfinite(dpi):
        raise ValueError(f"dpi must be a positive number, not {dpi!r}")
    scale = dpi / CSS_DPI
    return max(1, round(picture.width * scale)), max(1, round(picture.height * scale)), dpi


def render_png(picture: MapPicture, dpi: float = 150.0, width_px: int | None = None,
               transparent: bool = False) -> QImage:
    """The picture as an image (antialiased; white or transparent background)."""
    w, h, eff_dpi = png_size(picture, dpi, width_px)
    if w * h > MAX_PIXELS:
        raise ValueError(f"the image would be {w:,} × {h:,} px; lower the DPI or the width")
    img = QImage(QSize(w, h), QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(QColor(0, 0, 0, 0) if transparent else QColor("#ffffff"))
    dpm = round(eff_dpi / 0.0254)
    img.setDotsPerMeterX(dpm)
    img.setDotsPerMeterY(dpm)
    p = QPainter(img)
    try:
        picture.paint(p, QRectF(0, 0, w, h))
    finally:
        p.end()
    return img


def _png_bytes(img: QImage) -> bytes:
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    if not img.save(buf, "PNG"):
        raise OSError("the PNG encoder failed")
    return bytes(buf.data().data())


def render_svg(picture: MapPicture, transparent: bool = False) -> bytes:
    """The picture as SVG bytes: vectors, text as ``<text>``, 1 unit = 1 CSS px."""
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    gen = QSvgGenerator()
    gen.setOutputDevice(buf)
    w, h = picture.width, picture.height
    gen.setSize(QSize(math.ceil(w), math.ceil(h)))
    gen.setViewBox(QRectF(0, 0, w, h))
    gen.setResolution(round(CSS_DPI))
    gen.setTitle(f"{picture.map.name} — {picture.project_name}")
    gen.setDescription(f"Value stream map ({_state_text(picture.map)}), exported by vsm-app")
    p = QPainter(gen)
    try:
        if not transparent:
            p.fillRect(QRectF(0, 0, w, h), QColor("#ffffff"))
        picture.paint(p, QRectF(0, 0, w, h))
    finally:
        p.end()
    return bytes(buf.data().data())


def _page_layout(page_size: str, orientation: str, picture: MapPicture) -> QPageLayout:
    if page_size not in PAGE_SIZES:
        raise ValueError(f"page size {page_size!r}: expected one of {', '.join(PAGE_SIZES)}")
    if orientation not in ORIENTATIONS:
        raise ValueError(f"orientation {orientation!r}: expected one of "
                         f"{', '.join(ORIENTATIONS)}")
    if orientation == "auto":
        landscape = picture.width >= picture.height
    else:
        landscape = orientation == "landscape"
    return QPageLayout(QPageSize(PAGE_SIZES[page_size]),
                       QPageLayout.Orientation.Landscape if landscape
                       else QPageLayout.Orientation.Portrait,
                       QMarginsF(PDF_MARGIN_MM, PDF_MARGIN_MM, PDF_MARGIN_MM, PDF_MARGIN_MM),
                       QPageLayout.Unit.Millimeter)


def paint_pdf_pages(writer: QPdfWriter, pictures: Sequence[MapPicture], *, page_size: str,
                    orientation: str, footer: str = "",
                    progress: Progress | None = None, cancelled: IsCancelled | None = None,
                    painter: QPainter | None = None, first_page_started: bool = False) -> int:
    """One page per picture on ``writer``, fitted inside the margins; returns pages painted.

    With ``painter`` (already active on ``writer``) the pages are added to a longer document
    (``first_page_started``: the next picture needs a new page first).
    """
    own = painter is None
    pages = 0
    p = painter
    for i, pic in enumerate(pictures):
        check(cancelled, "the export")
        report(progress, i / max(1, len(pictures)), f"page {i + 1}: {pic.map.name}")
        layout = _page_layout(page_size, orientation, pic)
        if p is None:
            writer.setPageLayout(layout)
            p = QPainter(writer)
        elif i > 0 or first_page_started:
            writer.setPageLayout(layout)
            writer.newPage()
        rect = writer.pageLayout().paintRectPixels(writer.resolution())
        area = QRectF(0, 0, rect.width(), rect.height())
        res = writer.resolution()
        foot_h = 14.0 / 72.0 * res
        pic.paint(p, area.adjusted(0, 0, 0, -foot_h * 1.4))
        if footer or len(pictures) > 1:
            f = QFont()
            f.setPointSizeF(8.5)
            p.setFont(f)
            p.setPen(QColor("#5d6675"))
            text = footer or pic.project_name
            p.drawText(QRectF(0, area.bottom() - foot_h, area.width(), foot_h),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
            p.drawText(QRectF(0, area.bottom() - foot_h, area.width(), foot_h),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       f"{pic.map.name} · {i + 1} / {len(pictures)}")
        pages += 1
    if own and p is not None:
        p.end()
    return pages


def _new_pdf_writer(buf: QBuffer, title: str) -> QPdfWriter:
    writer = QPdfWriter(buf)
    writer.setResolution(PDF_RESOLUTION)
    writer.setTitle(title)
    writer.setCreator("vsm-app")
    return writer


def _maps_pdf_bytes(project_name: str, maps: Sequence[ValueStreamMap],
                    overlays: Mapping[str, OverlayLike] | None, *, page_size: str,
                    orientation: str, title: bool, progress: Progress | None,
                    cancelled: IsCancelled | None,
                    measured_ladders: Mapping[str, Any] | None = None) -> tuple[bytes, int]:
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    pictures = []
    try:
        for m in maps:
            pictures.append(map_picture(project_name, m, title=title,
                                        overlay=(overlays or {}).get(m.id),
                                        measured_ladder=(measured_ladders or {}).get(m.id)))
        writer = _new_pdf_writer(buf, f"{project_name} — value stream maps")
        pages = paint_pdf_pages(writer, pictures, page_size=page_size,
                                orientation=orientation, footer=project_name,
                                progress=progress, cancelled=cancelled)
        del writer  # finishes the document
    finally:
        for pic in pictures:
            pic.close()
    return bytes(buf.data().data()), pages


def map_png_bytes(project: Project | str, vsm_map: ValueStreamMap, *, dpi: float = 150.0,
                  width_px: int | None = None, transparent: bool = False,
                  overlay: OverlayLike | None = None, title: bool = True,
                  measured_ladder: Any = None) -> bytes:
    """PNG bytes of a map (for the HTML report and the clipboard)."""
    with _picture(project, vsm_map, overlay, title, measured_ladder) as pic:
        return _png_bytes(render_png(pic, dpi, width_px, transparent))


def export_map_image(project: Project, vsm_map: ValueStreamMap, path: str | os.PathLike[str],
                     *, dpi: float = 150.0, width_px: int | None = None,
                     transparent: bool = False, overlay: OverlayLike | None = None,
                     progress: Progress | None = None, cancelled: IsCancelled | None = None,
                     page_size: str = "A4", orientation: str = "auto", title: bool = True,
                     project_path: str | os.PathLike[str] | None = None,
                     measured_ladder: Any = None) -> MapExportResult:
    """Export one map to ``path``; the format comes from the suffix (.png, .svg, .pdf).

    Parameters
    ----------
    project, vsm_map
        The project (for its name) and the map to draw (the GUI passes a copy).
    path
        The target; checked by :func:`vsm_app.report.target.check_target`.
    dpi, width_px
        PNG size: dots per inch of a 96-dpi scene unit, or an exact pixel width.
    transparent
        PNG/SVG background: transparent instead of white.
    overlay
        Stage id → measured overlay (``OverlayData`` or ``(text, colour, is_constraint)``).
    page_size, orientation
        PDF page: A4, A3 or Letter; auto (landscape for wide maps), landscape or portrait.
    title
        Draw the title band (map name, project, state).
    project_path
        The open project's file, never overwritten.
    measured_ladder
        Show the ladder in measured mode (``report.overlay.MeasuredLadder``), as on screen.

    Raises
    ------
    ExportTargetError
        The path is refused (nothing written).
    Cancelled
        ``cancelled()`` turned true (nothing written).
    """
    target = check_target(path, MAP_FORMATS, project_path)
    fmt = target.suffix.lower()
    if fmt == ".pdf":
        return export_maps_pdf(project, [vsm_map], target, overlays={vsm_map.id: overlay}
                               if overlay else None, page_size=page_size,
                               orientation=orientation, title=title, progress=progress,
                               cancelled=cancelled, project_path=project_path,
                               measured_ladders={vsm_map.id: measured_ladder}
                               if measured_ladder is not None else None)
    report(progress, 0.05, f"drawing {vsm_map.name}")
    with _picture(project, vsm_map, overlay, title, measured_ladder) as pic:
        check(cancelled, "the export")
        if fmt == ".png":
            img = render_png(pic, dpi, width_px, transparent)
            w, h = img.width(), img.height()
            eff = png_size(pic, dpi, width_px)[2]
            check(cancelled, "the export")
            report(progress, 0.6, "encoding PNG")
            data = _png_bytes(img)
            del img
            result = MapExportResult(target, "png", w, h, 0, eff)
        else:
            data = render_svg(pic, transparent)
            result = MapExportResult(target, "svg", math.ceil(pic.width),
                                     math.ceil(pic.height), 0, CSS_DPI)
    check(cancelled, "the export")
    report(progress, 0.9, f"writing {target.name}")
    write_target(target, data)
    report(progress, 1.0, "done")
    return result


def export_maps_pdf(project: Project, maps: Sequence[ValueStreamMap],
                    path: str | os.PathLike[str], *,
                    overlays: Mapping[str, OverlayLike | None] | None = None,
                    page_size: str = "A4", orientation: str = "auto", title: bool = True,
                    progress: Progress | None = None, cancelled: IsCancelled | None = None,
                    project_path: str | os.PathLike[str] | None = None,
                    measured_ladders: Mapping[str, Any] | None = None) -> MapExportResult:
    """A PDF with one map per page (each fitted inside 12 mm margins)."""
    target = check_target(path, {".pdf"}, project_path)
    if not maps:
        raise ValueError("no map to export")
    clean = {k: v for k, v in (overlays or {}).items() if v}
    data, pages = _maps_pdf_bytes(project.name, maps, clean, page_size=page_size,
                                  orientation=orientation, title=title, progress=progress,
                                  cancelled=cancelled, measured_ladders=measured_ladders)
    check(cancelled, "the export")
    report(progress, 0.95, f"writing {target.name}")
    write_target(target, data)
    report(progress, 1.0, "done")
    return MapExportResult(target, "pdf", 0, 0, pages, PDF_RESOLUTION)
