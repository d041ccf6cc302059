"""What the window exports beyond the map pictures of :mod:`vsm_app.render.maps`: the map on
the clipboard (image and SVG), the overlay and ladder as the editor shows them now, and a
dashboard chart (pyqtgraph) as PNG/SVG or its data as CSV.

Safety: see :mod:`vsm_app.report.target` (the only path written is the one asked for,
atomically; never a ``.vsm`` file or the open project).
"""

from __future__ import annotations

import atexit
import csv
import io
import math
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMimeData, QRectF, QSize
from PySide6.QtGui import QColor, QGuiApplication, QPainter
from PySide6.QtSvg import QSvgGenerator

from ..domain.model import Project, ValueStreamMap
from ..render.canvas.scene import MapScene
from ..render.maps import (
    CSS_DPI,
    MapExportResult,
    OverlayLike,
    _picture,
    _png_bytes,
    render_png,
    render_svg,
)
from ..report.overlay import OverlayData
from ..report.target import check_target, write_target

__all__ = ["copy_map_to_clipboard", "export_plot", "export_plot_data_csv",
           "measured_ladder_of", "overlay_from_scene", "plot_data_rows"]


def copy_map_to_clipboard(project: Project | str, vsm_map: ValueStreamMap, *,
                          dpi: float = 150.0, overlay: OverlayLike | None = None,
                          title: bool = True, measured_ladder: Any = None) -> QSize:
    """Put the map on the clipboard as an image (white background) and as SVG.

    Returns the image size in pixels.
    """
    with _picture(project, vsm_map, overlay, title, measured_ladder) as pic:
        img = render_png(pic, dpi)
        svg = render_svg(pic)
    from .canvas.editor import OWNED_MIME, release_clipboard

    mime = QMimeData()
    mime.setImageData(img)
    mime.setData("image/svg+xml", QByteArray(svg))
    mime.setData(OWNED_MIME, QByteArray(b"1"))
    QGuiApplication.clipboard().setMimeData(mime)
    # Qt would delete this QMimeData after Python has shut down, which crashes: drop it first
    atexit.register(release_clipboard)
    return img.size()


def measured_ladder_of(scene: MapScene) -> Any:
    """The measured-mode ladder an editor's scene shows now (None in estimate mode)."""
    mode = getattr(scene, "ladder_mode", None)
    if not callable(mode) or mode() != "measured":
        return None
    getter = getattr(scene, "measured_ladder", None)
    if callable(getter):
        return getter()
    return getattr(scene, "_measured_ladder", None)


def overlay_from_scene(scene: MapScene) -> dict[str, OverlayData]:
    """The overlay shown on an editor's scene now (stage id → overlay), for an export that
    looks like the screen."""
    out: dict[str, OverlayData] = {}
    for item in scene.stage_items():
        text, color, constraint = item.overlay()
        if text or color is not None or constraint:
            out[item.model_id] = OverlayData(text or "", color.name() if color is not None
                                             else None, constraint, item.constraint_note())
    return out


# -- charts (pyqtgraph) ------------------------------------------------------------------------

def _plot_item(plot: Any) -> Any:
    get = getattr(plot, "getPlotItem", None)
    return get() if callable(get) else plot


def export_plot(plot: Any, path: str | os.PathLike[str], *, width_px: int | None = None,
                background: QColor | str | None = None,
                project_path: str | os.PathLike[str] | None = None) -> MapExportResult:
    """Export a pyqtgraph chart (``PlotWidget`` or ``PlotItem``) as PNG or SVG.

    PNG goes through pyqtgraph's ``ImageExporter`` (``width_px``, default twice the item's
    on-screen width). SVG is drawn with Qt's ``QSvgGenerator`` from the chart's scene, because
    pyqtgraph's own SVG exporter cannot parse the path data Qt 6.12 writes.
    """
    import pyqtgraph.exporters as pgex

    target = check_target(path, {".png", ".svg"}, project_path)
    item = _plot_item(plot)
    rect = item.sceneBoundingRect()
    if target.suffix.lower() == ".png":
        exporter = pgex.ImageExporter(item)
        params = exporter.parameters()
        params["width"] = int(width_px or max(16, round(rect.width() * 2)))
        if background is not None:
            params["background"] = QColor(background)
        img = exporter.export(toBytes=True)
        data = _png_bytes(img)
        write_target(target, data)
        return MapExportResult(target, "png", img.width(), img.height())
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    gen = QSvgGenerator()
    gen.setOutputDevice(buf)
    w, h = rect.width(), rect.height()
    gen.setSize(QSize(math.ceil(w), math.ceil(h)))
    gen.setViewBox(QRectF(0, 0, w, h))
    gen.setResolution(round(CSS_DPI))
    title = getattr(getattr(item, "titleLabel", None), "text", "") or "chart"
    gen.setTitle(str(title))
    p = QPainter(gen)
    try:
        if background is not None:
            p.fillRect(QRectF(0, 0, w, h), QColor(background))
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        item.scene().render(p, QRectF(0, 0, w, h), rect)
    finally:
        p.end()
    write_target(target, bytes(buf.data().data()))
    return MapExportResult(target, "svg", math.ceil(w), math.ceil(h))


def _axis_title(item: Any, name: str) -> str:
    try:
        axis = item.getAxis(name)
    except Exception:  # noqa: BLE001 - a plot without that axis
        return name
    label = str(getattr(axis, "labelText", "") or "").strip()
    units = str(getattr(axis, "labelUnits", "") or "").strip()
    if not label:
        label = "x" if name == "bottom" else "y"
    if type(axis).__name__ == "DateAxisItem":
        units = units or "Unix time, s"
    return f"{label} ({units})" if units else label


def plot_data_rows(plot: Any) -> tuple[list[str], list[list[Any]]]:
    """Header and rows (``series, x, y``) of every curve and bar of a pyqtgraph chart; a
    chart with a ``csv_table()`` (the look-ahead charts: one row per unit, per day) gives its
    own table."""
    import numpy as np

    table = getattr(plot, "csv_table", None)
    if callable(table):
        return table()  # type: ignore[no-any-return]

    item = _plot_item(plot)
    header = ["series", _axis_title(item, "bottom"), _axis_title(item, "left")]
    rows: list[list[Any]] = []
    items = list(getattr(item, "listDataItems", lambda: [])())
    for extra in getattr(item, "items", []):
        if extra not in items and type(extra).__name__ == "BarGraphItem":
            items.append(extra)
    for n, it in enumerate(items):
        name = ""
        if type(it).__name__ == "BarGraphItem":
            o = it.opts
            name = o.get("name") or ""
            x = o.get("x")
            if x is None:
                x0, w = o.get("x0"), o.get("width")
                x = None if x0 is None else np.asarray(x0, dtype=float) + (
                    0 if w is None else np.asarray(w, dtype=float) / 2)
            y = o.get("height")
            if y is None and o.get("y1") is not None:
                y = np.asarray(o["y1"], dtype=float) - np.asarray(
                    o.get("y0") if o.get("y0") is not None else 0.0, dtype=float)
        else:
            name = it.name() if callable(getattr(it, "name", None)) else ""
            x, y = it.getData()
        if x is None or y is None:
            continue
        label = name or f"series {n + 1}"
        xs = np.broadcast_to(np.asarray(x, dtype=float), np.shape(y))
        for a, b in zip(xs.tolist(), np.asarray(y, dtype=float).tolist(), strict=True):
            rows.append([label, "" if not math.isfinite(a) else a,
                         "" if not math.isfinite(b) else b])
    return header, rows


def export_plot_data_csv(plot: Any, path: str | os.PathLike[str], *, excel: bool = False,
                         project_path: str | os.PathLike[str] | None = None) -> Path:
    """The data of a chart as CSV in long form: one row per point, ``series, x, y``, the axis
    labels and units in the header (``Lead time (s)``)."""
    from ..report.tables import neutralise_cell

    target = check_target(path, {".csv"}, project_path)
    header, rows = plot_data_rows(plot)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([neutralise_cell(h) for h in header])  # series are stage names: user text
    w.writerows([[neutralise_cell(c) for c in row] for row in rows])
    write_target(target, out.getvalue().encode("utf-8-sig" if excel else "utf-8"))
    return target
