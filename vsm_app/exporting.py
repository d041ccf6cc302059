"""``vsm-app export`` and ``vsm-app report``: map images and reports from the command line.

::

    vsm-app export P.vsm --out MAP.(png|svg|pdf) [--map NAME] [--dpi N] [--width PX]
                   [--transparent] [--page-size A4|A3|Letter]
                   [--orientation auto|landscape|portrait] [--overlay] [--no-title]
    vsm-app report P.vsm --out REPORT.(html|pdf) [--page-size A4|A3|Letter]

``export`` draws one map (the first, or ``--map NAME``) as PNG or SVG; a PDF holds every map,
one per page, unless ``--map`` picks one. ``--overlay`` measures the project's data sources
and shows the measured medians and the constraint on the stages. ``report`` measures the data
sources and writes the whole report. Both render exactly as File ▸ Export in the app does
(the same functions), on Qt's offscreen platform when there is no display. Progress and
messages go to stderr; bad input exits with code 2 and one line naming the file or option.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

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


def ensure_gui_application() -> Any:
    """A QApplication for rendering; offscreen when no display is available.

    ``QT_QPA_PLATFORM`` is set to ``offscreen`` only when it is unset and neither ``DISPLAY``
    nor ``WAYLAND_DISPLAY`` is (or on no platform at all); an existing application is reused.
    """
    if (not os.environ.get("QT_QPA_PLATFORM") and not os.environ.get("DISPLAY")
            and not os.environ.get("WAYLAND_DISPLAY") and sys.platform.startswith("linux")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    app = QCoreApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "vsm-app"])
    return app


def _bad(message: str) -> Exception:
    from .cli import BadInput

    return BadInput(message)


def _check_out(out: str, suffixes: tuple[str, ...], project_path: str) -> Path:
    from .report.target import ExportTargetError, check_target

    try:
        return check_target(out, suffixes, project_path)
    except ExportTargetError as e:
        raise _bad(f"--out: {e}") from None


def _progress() -> Any:
    from .pipeline import _StderrProgress

    return _StderrProgress()


def measure_project(project: Any, project_path: str | Path | None, progress: Any = None,
                    cancelled: Any = None) -> tuple[Any | None, str]:
    """Measure a project's data sources: ``(measurement, "")`` or ``(None, reason)``.

    Raises the pipeline's own errors (git, import, input) for the caller to report.
    """
    from .paths import cache_dir
    from .pipeline import inputs_from_project, run

    if not project.sources:
        return None, "the project has no data sources"
    inputs = inputs_from_project(project)
    base = Path(project_path).resolve().parent if project_path is not None else Path.cwd()
    for repo in inputs.repos:
        if not Path(repo.path).is_absolute():
            repo.path = str(base / repo.path)
    inputs.files = [(k, p if Path(p).is_absolute() else str(base / p))
                    for k, p in inputs.files]
    if not inputs.salt:
        inputs.salt = "vsm-app-cli"
    inputs.cache_dir = cache_dir()
    return run(inputs, progress, cancelled), ""


def _measure_or_bad(project: Any, project_path: str) -> tuple[Any | None, str]:
    from .ingest.errors import ImportProblem
    from .ingest.git import GitError
    from .pipeline import PipelineInputError

    progress = _progress()
    try:
        return measure_project(project, project_path, progress)
    except (GitError, ImportProblem, PipelineInputError) as e:
        raise _bad(str(e)) from None
    finally:
        progress.close()


def project_identities(project: Any, project_path: str | Path | None) -> set[str]:
    """Names and e-mail addresses of the authors in the project's git sources (for the
    identity guard); repositories that cannot be read are skipped."""
    from .analysis.privacy import git_identities

    base = Path(project_path).resolve().parent if project_path is not None else Path.cwd()
    out: set[str] = set()
    for src in project.sources:
        if src.kind != "git":
            continue
        path = Path(src.path)
        path = path if path.is_absolute() else base / path
        try:
            out |= git_identities(path)
        except Exception:  # noqa: BLE001 - a missing repository was reported by the measurement
            continue
    return out


def cmd_export(args: argparse.Namespace) -> int:
    from .cli import _load

    target = _check_out(args.out, MAP_SUFFIXES, args.project)
    project = _load(args.project)
    if not project.maps:
        raise _bad(f"{args.project}: the project has no map")
    if args.map is not None:
        m = project.map_by_name(args.map)
        if m is None:
            raise _bad(f"--map: {args.project} has no map named {args.map!r} "
                       f"(maps: {', '.join(x.name for x in project.maps)})")
        maps = [m]
    else:
        maps = project.maps if target.suffix.lower() == ".pdf" else project.maps[:1]
    if args.dpi <= 0 or args.dpi > 2400:
        raise _bad(f"--dpi: {args.dpi:g} is out of range (1–2400)")
    if args.width is not None and not 16 <= args.width <= 50_000:
        raise _bad(f"--width: {args.width} is out of range (16–50000 px)")
    overlays: dict[str, Any] = {}
    if args.overlay:
        from .report.data import measured_overlay

        measurement, why = _measure_or_bad(project, args.project)
        if measurement is None:
            raise _bad(f"--overlay: {args.project}: {why}")
        overlays = {m.id: measured_overlay(m, measurement.result) for m in maps}
    ensure_gui_application()
    from .report.overlay import measured_ladders
    from .ui.export import export_map_image, export_maps_pdf

    ladders = measured_ladders(maps, measurement.result) if args.overlay else {}

    t0 = time.perf_counter()
    try:
        if target.suffix.lower() == ".pdf":
            res = export_maps_pdf(project, maps, target, overlays=overlays,
                                  page_size=args.page_size, orientation=args.orientation,
                                  title=not args.no_title, project_path=args.project,
                                  measured_ladders=ladders)
            what = f"{res.pages} page{'s' if res.pages != 1 else ''}, {args.page_size}"
        else:
            res = export_map_image(project, maps[0], target, dpi=args.dpi, width_px=args.width,
                                   transparent=args.transparent,
                                   overlay=overlays.get(maps[0].id), title=not args.no_title,
                                   project_path=args.project,
                                   measured_ladder=ladders.get(maps[0].id))
            what = f"{res.width_px} × {res.height_px} px" + (
                f" at {res.dpi:g} dpi" if res.format == "png" else "")
    except ValueError as e:
        raise _bad(f"--out: {target}: {e}") from None
    print(f"wrote {target} ({what}) in {time.perf_counter() - t0:.2f} s", file=sys.stderr)
    return 0


def write_report(project: Any, project_path: str | Path | None, out: Path, *,
                 measurement: Any | None, not_measured_reason: str = "",
                 page_size: str = "A4", identities: set[str] | None = None,
                 progress: Any = None, cancelled: Any = None) -> Path:
    """Render the report of ``project`` to ``out`` (.html or .pdf); needs a Q(Gui)Application.

    The current state map gets the measured overlay. Before writing, the report's text is
    checked against ``identities`` (author names and addresses) by
    :func:`vsm_app.analysis.privacy.check_output`: a match raises
    :class:`vsm_app.analysis.privacy.IdentityLeakError` (naming the text and where) and
    nothing is written.
    """
    from .analysis.privacy import check_output
    from .report.data import build_report_data, measured_overlay, user_texts
    from .report.target import write_target
    from .work import check, report

    pdir = Path(project_path).resolve().parent if project_path is not None else None
    data = build_report_data(project, measurement, project_dir=pdir,
                             not_measured_reason=not_measured_reason)
    overlays: dict[str, Any] = {}
    ladders: dict[str, Any] = {}
    if measurement is not None:
        from .report.overlay import measured_ladders

        current = [m for m in project.maps if m.kind == "current"]
        overlays = {m.id: measured_overlay(m, measurement.result) for m in current}
        ladders = measured_ladders(current, measurement.result)
    typed = user_texts(project, data)
    if identities:
        check_output(typed, [data.all_text()], identities)
    report(progress, 0.05, "drawing the maps")
    if out.suffix.lower() == ".html":
        from .report.html import render_html
        from .ui.export import map_png_bytes

        images = {}
        for i, m in enumerate(project.maps):
            check(cancelled, "the export")
            report(progress, 0.05 + 0.8 * i / max(1, len(project.maps)),
                            f"drawing {m.name}")
            images[m.id] = map_png_bytes(project, m, dpi=144, overlay=overlays.get(m.id),
                                         measured_ladder=ladders.get(m.id))
        text = render_html(data, images)
        if identities:
            check_output(typed, [text], identities)
        check(cancelled, "the export")
        report(progress, 0.95, f"writing {out.name}")
        write_target(out, text.encode("utf-8"))
    else:
        from .ui.report_pdf import report_pdf_bytes

        pdf, drawn_text = report_pdf_bytes(project, data, overlays=overlays,
                                           page_size=page_size, progress=progress,
                                           cancelled=cancelled, measured_ladders=ladders)
        if identities:
            check_output(typed, [drawn_text], identities)
        check(cancelled, "the export")
        report(progress, 0.97, f"writing {out.name}")
        write_target(out, pdf)
    report(progress, 1.0, "done")
    return out


def identity_leak_message(e: Any) -> str:
    """The sentence for a refused report: which names, in which of the user's texts."""
    if e.leaks:
        return ("the report would show a person's name or e-mail address from the git "
                f"history: {e.where()}. Remove or reword it and export again")
    return ("the report's own text would show a person's name or e-mail address from the git "
            f"history ({', '.join(repr(f) for f in e.found)}); this is a bug: please report it")


def cmd_report(args: argparse.Namespace) -> int:
    from .analysis.privacy import IdentityLeakError
    from .cli import _load

    target = _check_out(args.out, REPORT_SUFFIXES, args.project)
    project = _load(args.project)
    t0 = time.perf_counter()
    measurement, why = _measure_or_bad(project, args.project)
    if measurement is None:
        print(f"note: {args.project}: {why}; the report shows the maps only", file=sys.stderr)
    for n in (measurement.tables.notes if measurement is not None else []):
        print(f"note: {n}", file=sys.stderr)
    for w in (measurement.tables.warnings if measurement is not None else []):
        print(f"warning: {w}", file=sys.stderr)
    t1 = time.perf_counter()
    ensure_gui_application()
    progress = _progress()
    try:
        write_report(project, args.project, target, measurement=measurement,
                     not_measured_reason=why, page_size=args.page_size,
                     identities=project_identities(project, args.project), progress=progress)
    except IdentityLeakError as e:
        raise _bad(f"{args.project}: {identity_leak_message(e)}") from None
    finally:
        progress.close()
    size = target.stat().st_size
    print(f"wrote {target} ({size / 1024:,.0f} KiB; measured in {t1 - t0:.2f} s, rendered in "
          f"{time.perf_counter() - t1:.2f} s)", file=sys.stderr)
    return 0
