"""Export maps as PNG, SVG or PDF (drawn by :mod:`vsm_app.render.maps`), with the measured
overlay when there is one: the command line's ``export`` and the window's Export map.

A PNG or SVG holds one map; a PDF holds every map given, one per page. The overlay (labels,
heat, the constraint) and the measured ladder come either from a measurement
(:func:`measured_overlays`, what ``export --overlay`` and the reports show) or from what the
window shows now (the window passes its scene's). Needs a Qt application
(:func:`vsm_app.render.app.ensure_gui_application`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..work import IsCancelled, Progress

if TYPE_CHECKING:
    from ..analysis.engine import AnalysisResult
    from ..domain.model import Project, ValueStreamMap
    from ..render.maps import MapExportResult

MAP_SUFFIXES = (".png", ".svg", ".pdf")


def measured_overlays(maps: Sequence[ValueStreamMap], result: AnalysisResult
                      ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Map id → stage overlays, and map id → measured ladder, of ``result`` (what the window
    shows for the same window)."""
    from ..report.overlay import measured_ladders, measured_overlay

    return ({m.id: measured_overlay(m, result) for m in maps},
            measured_ladders(maps, result))


def export_maps(project: Project, maps: Sequence[ValueStreamMap],
                target: str | os.PathLike[str], *, dpi: float = 150.0,
                width_px: int | None = None, transparent: bool = False,
                page_size: str = "A4", orientation: str = "auto", title: bool = True,
                overlays: Mapping[str, Any] | None = None,
                ladders: Mapping[str, Any] | None = None,
                project_path: str | os.PathLike[str] | None = None,
                progress: Progress | None = None,
                cancelled: IsCancelled | None = None) -> MapExportResult:
    """Write ``maps`` to ``target``: a PDF of every map, or a PNG/SVG of the first.

    Raises
    ------
    vsm_app.report.target.ExportTargetError
        A path no export writes (see :func:`vsm_app.report.target.check_target`).
    ValueError
        A picture too large to encode.
    """
    from ..render.maps import export_map_image, export_maps_pdf

    overlays, ladders = overlays or {}, ladders or {}
    if Path(target).suffix.lower() == ".pdf":
        return export_maps_pdf(project, maps, target, overlays=dict(overlays),
                               page_size=page_size, orientation=orientation, title=title,
                               progress=progress, cancelled=cancelled,
                               project_path=project_path, measured_ladders=dict(ladders))
    first = maps[0]
    return export_map_image(project, first, target, dpi=dpi, width_px=width_px,
                            transparent=transparent, overlay=overlays.get(first.id) or None,
                            title=title, progress=progress, cancelled=cancelled,
                            project_path=project_path, measured_ladder=ladders.get(first.id))
