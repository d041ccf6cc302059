"""``vsm-app export`` and ``vsm-app report``: map images and reports from the command line.

::

    vsm-app export P.vsm --out MAP.(png|svg|pdf) [--map NAME] [--dpi N] [--width PX]
                   [--transparent] [--page-size A4|A3|Letter]
                   [--orientation auto|landscape|portrait] [--overlay] [--no-title]
    vsm-app report P.vsm --out REPORT.(html|pdf) [--page-size A4|A3|Letter]

``export`` draws one map (the first, or ``--map NAME``) as PNG or SVG; a PDF holds every map,
one per page, unless ``--map`` picks one. ``--overlay`` measures the project's data sources
and shows the measured medians and the constraint on the stages. ``report`` measures the data
sources and writes the whole report. Both call the services the app's File ▸ Export calls
(:mod:`vsm_app.services.maps`, :mod:`vsm_app.services.reports`), on Qt's offscreen platform
when there is no display. Progress and messages go to stderr; bad input exits with code 2
and one line naming the file or option.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from ..errors import BadInput
from .common import checked, err, load_project, stderr_progress

#: what each command writes (the services' lists, repeated so --help loads nothing)
MAP_SUFFIXES = (".png", ".svg", ".pdf")
REPORT_SUFFIXES = (".html", ".pdf")


def add_export_parsers(sub: Any) -> None:
    """Register ``export`` and ``report`` on the CLI's sub-parsers."""
    e = sub.add_parser("export", help="export a map as PNG, SVG or PDF")
    e.add_argument("project", metavar="P.vsm")
    e.add_argument("--out", required=True, metavar="MAP.(png|svg|pdf)")
    e.add_argument("--map", metavar="NAME", help="the map to export (default: the first; "
                   "a PDF without --map holds every map, one per page)")
    e.add_argument("--dpi", type=float, default=150.0, metavar="N",
                   help="PNG resolution; one map unit is 1/96 inch (default 150)")
    e.add_argument("--width", type=int, metavar="PX", help="PNG width in pixels (overrides --dpi)")
    e.add_argument("--transparent", action="store_true", help="PNG/SVG without background")
    e.add_argument("--page-size", default="A4", choices=("A4", "A3", "Letter"))
    e.add_argument("--orientation", default="auto", choices=("auto", "landscape", "portrait"))
    e.add_argument("--overlay", action="store_true",
                   help="measure the project's data sources and show the result on the stages")
    e.add_argument("--no-title", action="store_true", help="leave out the title band")
    e.set_defaults(func=cmd_export)

    r = sub.add_parser("report", help="measure the project and write an HTML or PDF report")
    r.add_argument("project", metavar="P.vsm")
    r.add_argument("--out", required=True, metavar="REPORT.(html|pdf)")
    r.add_argument("--page-size", default="A4", choices=("A4", "A3", "Letter"))
    r.set_defaults(func=cmd_report)


def _check_out(out: str, suffixes: tuple[str, ...], project_path: str) -> Path:
    from ..report.target import ExportTargetError, check_target

    try:
        return check_target(out, suffixes, project_path)
    except ExportTargetError as e:
        raise BadInput(f"--out: {e}") from None


def _measure(project: Any, project_path: str) -> tuple[Any | None, str]:
    from ..services.measure import measure_project

    with stderr_progress() as progress:
        return checked(lambda: measure_project(project, project_path, progress))


def cmd_export(args: argparse.Namespace) -> int:
    from ..render.app import ensure_gui_application
    from ..services.maps import export_maps, measured_overlays

    target = _check_out(args.out, MAP_SUFFIXES, args.project)
    project = load_project(args.project)
    if not project.maps:
        raise BadInput(f"{args.project}: the project has no map")
    if args.map is not None:
        m = project.map_by_name(args.map)
        if m is None:
            raise BadInput(f"--map: {args.project} has no map named {args.map!r} "
                           f"(maps: {', '.join(x.name for x in project.maps)})")
        maps = [m]
    else:
        maps = project.maps if target.suffix.lower() == ".pdf" else project.maps[:1]
    if args.dpi <= 0 or args.dpi > 2400:
        raise BadInput(f"--dpi: {args.dpi:g} is out of range (1–2400)")
    if args.width is not None and not 16 <= args.width <= 50_000:
        raise BadInput(f"--width: {args.width} is out of range (16–50000 px)")
    overlays: dict[str, Any] = {}
    ladders: dict[str, Any] = {}
    if args.overlay:
        measurement, why = _measure(project, args.project)
        if measurement is None:
            raise BadInput(f"--overlay: {args.project}: {why}")
        overlays, ladders = measured_overlays(maps, measurement.result)
    ensure_gui_application()
    t0 = time.perf_counter()
    try:
        res = export_maps(project, maps, target, dpi=args.dpi, width_px=args.width,
                          transparent=args.transparent, page_size=args.page_size,
                          orientation=args.orientation, title=not args.no_title,
                          overlays=overlays, ladders=ladders, project_path=args.project)
    except ValueError as e:
        raise BadInput(f"--out: {target}: {e}") from None
    if res.format == "pdf":
        what = f"{res.pages} page{'s' if res.pages != 1 else ''}, {args.page_size}"
    else:
        what = f"{res.width_px} × {res.height_px} px" + (
            f" at {res.dpi:g} dpi" if res.format == "png" else "")
    err(f"wrote {target} ({what}) in {time.perf_counter() - t0:.2f} s")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from ..analysis.privacy import IdentityLeakError
    from ..render.app import ensure_gui_application
    from ..services.reports import identity_leak_message, project_identities, write_report

    target = _check_out(args.out, REPORT_SUFFIXES, args.project)
    project = load_project(args.project)
    t0 = time.perf_counter()
    measurement, why = _measure(project, args.project)
    if measurement is None:
        err(f"note: {args.project}: {why}; the report shows the maps only")
    for n in (measurement.tables.notes if measurement is not None else []):
        err(f"note: {n}")
    for w in (measurement.tables.warnings if measurement is not None else []):
        err(f"warning: {w}")
    t1 = time.perf_counter()
    ensure_gui_application()
    try:
        with stderr_progress() as progress:
            write_report(project, args.project, target, measurement=measurement,
                         not_measured_reason=why, page_size=args.page_size,
                         identities=project_identities(project, args.project),
                         progress=progress)
    except IdentityLeakError as e:
        raise BadInput(f"{args.project}: {identity_leak_message(e)}") from None
    size = target.stat().st_size
    err(f"wrote {target} ({size / 1024:,.0f} KiB; measured in {t1 - t0:.2f} s, rendered in "
        f"{time.perf_counter() - t1:.2f} s)")
    return 0
