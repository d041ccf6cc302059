"""Write the report of a project (HTML or PDF), measured or not, with the identity guard.

The maps are drawn by :mod:`vsm_app.render` (a Qt application must exist:
:func:`vsm_app.render.app.ensure_gui_application`); the text is
:func:`vsm_app.report.data.build_report_data`. Before anything is written, the report's
text is checked against the authors' names and addresses of the project's git sources:
a match raises :class:`vsm_app.analysis.privacy.IdentityLeakError` and nothing is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..work import IsCancelled, Progress, check, report

if TYPE_CHECKING:
    from ..domain.model import Project
    from ..pipeline import Measurement

REPORT_SUFFIXES = (".html", ".pdf")


def project_identities(project: Project, project_path: str | Path | None) -> set[str]:
    """Names and e-mail addresses of the authors in the project's git sources (for the
    identity guard); repositories that cannot be read are skipped."""
    from ..analysis.privacy import git_identities

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


def write_report(project: Project, project_path: str | Path | None, out: Path, *,
                 measurement: Measurement | None, not_measured_reason: str = "",
                 page_size: str = "A4", identities: set[str] | None = None,
                 progress: Progress | None = None,
                 cancelled: IsCancelled | None = None) -> Path:
    """Render the report of ``project`` to ``out`` (.html or .pdf); needs a Q(Gui)Application.

    The current state map gets the measured overlay. Before writing, the report's text is
    checked against ``identities`` (author names and addresses) by
    :func:`vsm_app.analysis.privacy.check_output`: a match raises
    :class:`vsm_app.analysis.privacy.IdentityLeakError` (naming the text and where) and
    nothing is written.
    """
    from ..analysis.privacy import check_output
    from ..report.data import build_report_data, user_texts
    from ..report.overlay import measured_ladders, measured_overlay
    from ..report.target import write_target

    pdir = Path(project_path).resolve().parent if project_path is not None else None
    measurement = with_groups(project, project_path, measurement, cancelled)
    data = build_report_data(project, measurement, project_dir=pdir,
                             not_measured_reason=not_measured_reason)
    overlays: dict[str, Any] = {}
    ladders: dict[str, Any] = {}
    if measurement is not None:
        current = [m for m in project.maps if m.kind == "current"]
        overlays = {m.id: measured_overlay(m, measurement.result) for m in current}
        ladders = measured_ladders(current, measurement.result)
    typed = user_texts(project, data)
    if identities:
        check_output(typed, [data.all_text()], identities)
    report(progress, 0.05, "drawing the maps")
    if out.suffix.lower() == ".html":
        from ..render.maps import map_png_bytes
        from ..report.html import render_html

        images = {}
        for i, m in enumerate(project.maps):
            check(cancelled, "the report")
            report(progress, 0.05 + 0.8 * i / max(1, len(project.maps)), f"drawing {m.name}")
            images[m.id] = map_png_bytes(project, m, dpi=144, overlay=overlays.get(m.id),
                                         measured_ladder=ladders.get(m.id))
        text = render_html(data, images)
        if identities:
            check_output(typed, [text], identities)
        check(cancelled, "the report")
        report(progress, 0.95, f"writing {out.name}")
        write_target(out, text.encode("utf-8"))
    else:
        from ..render.report_pdf import report_pdf_bytes

        pdf, drawn_text = report_pdf_bytes(project, data, overlays=overlays,
                                           page_size=page_size, progress=progress,
                                           cancelled=cancelled, measured_ladders=ladders)
        if identities:
            check_output(typed, [drawn_text], identities)
        check(cancelled, "the report")
        report(progress, 0.97, f"writing {out.name}")
        write_target(out, pdf)
    report(progress, 1.0, "done")
    return out


def with_groups(project: Project, project_path: str | Path | None,
                measurement: Measurement | None, cancelled: IsCancelled | None = None
                ) -> Measurement | None:
    """``measurement`` with its groups side by side (issue 21) when the project defines
    groups and it has none yet (the window's measurement is the whole only): each group over
    the same window as the whole, by the same engine as ``analyze``."""
    if measurement is None or not project.groups or measurement.groups is not None:
        return measurement
    from dataclasses import replace

    from ..analysis.groups import analyze_groups
    from ..pipeline import group_memberships
    from .measure import project_inputs

    inputs = project_inputs(project, project_path, salt="")
    result = measurement.result
    options = result.options
    if result.window is not None:
        import pandas as pd

        start, end = result.window
        options = replace(options, since=pd.Timestamp(start, tz="UTC"),
                          until=pd.Timestamp(end, tz="UTC"))
    member = group_memberships(measurement.tables, inputs, cancelled)
    groups = analyze_groups(measurement.tables, member, inputs.groups, inputs.vsm_map, options)
    return replace(measurement, groups=groups)


def identity_leak_message(e: Any) -> str:
    """The sentence for a refused report: which names, in which of the user's texts."""
    if e.leaks:
        return ("the report would show a person's name or e-mail address from the git "
                f"history: {e.where()}. Remove or reword it and export again")
    return ("the report's own text would show a person's name or e-mail address from the git "
            f"history ({', '.join(repr(f) for f in e.found)}); this is a bug: please report it")
