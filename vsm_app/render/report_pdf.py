"""The PDF report, painted with QPainter on QPdfWriter pages.

Pages: a title page (project, window, the headline figures with their DORA bands, the
constraint sentence, the ladder totals of every map side by side); one landscape page per map
(drawn as vectors: stage names and figures stay text, the current state with the measured
overlay); then DORA metrics, flow metrics, the constraint (stage table, contributions, weekly
waits), improvement items, and data sources with data-quality notes, on portrait pages that
break where a block no longer fits. Charts are the report's SVG charts
(:mod:`vsm_app.report.svgcharts`) drawn with ``QSvgRenderer``, so they are vectors too and
their labels are extractable text. Everything is black on white with dash patterns and markers
telling series apart, so a black-and-white printout reads the same.

Geometry is written in points (1/72 inch) and converted to the writer's device pixels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)
from PySide6.QtSvg import QSvgRenderer

from ..domain.model import Project
from ..metrics import format as fmt
from ..metrics.catalogue import metric
from ..report import html as report_html
from ..report.data import BAND_WITHHELD, COMPARISON_METRICS, COMPARISON_NOTE, MetricLine, ReportData
from ..work import IsCancelled, Progress, check, report
from .maps import PAGE_SIZES, MapPicture, map_picture

INK = QColor("#1d2330")
MUTED = QColor("#5d6675")
RULE = QColor("#c9d0db")
SOFT = QColor("#f3f5f8")
MARGIN_PT = 40.0
FOOTER_PT = 22.0
RESOLUTION = 600



@dataclass
class Column:
    title: str
    width: float  # share of the content width
    align: str = "left"  # left | right


class _Pdf:
    """A flowing layout on QPdfWriter pages, in points."""

    def __init__(self, writer: QPdfWriter, project_name: str, page_size: str) -> None:
        self.w = writer
        self.page_size = QPageSize(PAGE_SIZES[page_size])
        self.project_name = project_name
        self.k = writer.resolution() / 72.0
        self.texts: list[str] = []
        self.page_no = 1
        self._set_layout(landscape=False)
        self.p = QPainter(writer)
        self.p.setRenderHints(QPainter.RenderHint.Antialiasing
                              | QPainter.RenderHint.TextAntialiasing)
        self._page_started()

    # -- pages ---------------------------------------------------------------------------------
    def _set_layout(self, landscape: bool) -> None:
        self.w.setPageLayout(QPageLayout(
            self.page_size, QPageLayout.Orientation.Landscape if landscape
            else QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0),
            QPageLayout.Unit.Point))
        full = self.w.pageLayout().fullRectPoints()
        self.page_w, self.page_h = full.width(), full.height()
        self.left = MARGIN_PT
        self.right = self.page_w - MARGIN_PT
        self.top = MARGIN_PT
        self.bottom = self.page_h - MARGIN_PT - FOOTER_PT

    @property
    def width(self) -> float:
        return self.right - self.left

    def _page_started(self) -> None:
        self.y = self.top

    def new_page(self, landscape: bool = False) -> None:
        self._footer()  # last, so a text extractor reads the page's content first
        self._set_layout(landscape)
        self.w.newPage()
        self.page_no += 1
        self._page_started()

    def section_page(self) -> None:
        """Start a section on a fresh portrait page (unless this page is still empty)."""
        if self.y > self.top + 1 or self.page_w > self.page_h:
            self.new_page()

    def ensure(self, h: float) -> None:
        """Start a new page unless ``h`` points still fit."""
        if self.y + h > self.bottom and self.y > self.top + 1:
            self.new_page()

    def finish(self) -> None:
        if self.p.isActive():
            self._footer()
            self.p.end()

    def _footer(self) -> None:
        y = self.page_h - MARGIN_PT - 10
        self.text(QRectF(self.left, y, self.width, 12), self.project_name, 8, color=MUTED)
        self.text(QRectF(self.left, y, self.width, 12), f"page {self.page_no}", 8,
                  color=MUTED, align=Qt.AlignmentFlag.AlignRight)
        self.p.setPen(QPen(RULE, 0.6 * self.k))
        self.line(self.left, y - 4, self.right, y - 4)

    # -- drawing in points ---------------------------------------------------------------------------
    def r(self, rect: QRectF) -> QRectF:
        k = self.k
        return QRectF(rect.x() * k, rect.y() * k, rect.width() * k, rect.height() * k)

    def line(self, x0: float, y0: float, x1: float, y1: float) -> None:
        k = self.k
        self.p.drawLine(QPointF(x0 * k, y0 * k), QPointF(x1 * k, y1 * k))

    @staticmethod
    def font(size_pt: float, bold: bool = False) -> QFont:
        f = QFont()
        f.setFamilies(["Helvetica", "Arial", "DejaVu Sans", "Sans Serif"])
        f.setPointSizeF(size_pt)
        f.setBold(bold)
        # no ligatures: "efficiency" must be found by search and copied as typed
        for tag in ("liga", "clig"):
            f.setFeature(QFont.Tag(tag), 0)
        return f

    def measure(self, text: str, size: float, width: float, bold: bool = False) -> float:
        """Height in points of ``text`` wrapped to ``width`` points."""
        f = self.font(size, bold)
        fm = QFontMetricsF(f, self.w)
        br = fm.boundingRect(QRectF(0, 0, width * self.k, 1e7),
                             int(Qt.TextFlag.TextWordWrap), text)
        return br.height() / self.k

    def text(self, rect: QRectF, text: str, size: float, *, bold: bool = False,
             color: QColor = INK, align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
             wrap: bool = False) -> None:
        if not text:
            return
        self.texts.append(text)
        self.p.setFont(self.font(size, bold))
        self.p.setPen(color)
        flags = int(align | Qt.AlignmentFlag.AlignTop)
        if wrap:
            flags |= int(Qt.TextFlag.TextWordWrap)
        self.p.drawText(self.r(rect), flags, text)

    # -- blocks -------------------------------------------------------------------------------------
    def heading(self, text: str, size: float = 17) -> None:
        h = size * 1.5 + 8
        self.ensure(h + 60)
        self.text(QRectF(self.left, self.y, self.width, size * 1.5), text, size, bold=True)
        self.y += size * 1.45
        self.p.setPen(QPen(INK, 1.2 * self.k))
        self.line(self.left, self.y, self.right, self.y)
        self.y += 8

    def subheading(self, text: str) -> None:
        self.ensure(40)
        self.y += 4
        self.text(QRectF(self.left, self.y, self.width, 16), text, 12, bold=True)
        self.y += 18

    def paragraph(self, text: str, size: float = 10, *, color: QColor = INK,
                  bold: bool = False, gap: float = 6) -> None:
        h = self.measure(text, size, self.width, bold)
        self.ensure(h)
        self.text(QRectF(self.left, self.y, self.width, h + 2), text, size, bold=bold,
                  color=color, wrap=True)
        self.y += h + gap

    def callout(self, text: str, size: float = 12) -> None:
        pad = 8.0
        h = self.measure(text, size, self.width - 2 * pad - 6) + 2 * pad
        self.ensure(h)
        self.p.setPen(Qt.PenStyle.NoPen)
        self.p.setBrush(SOFT)
        self.p.drawRect(self.r(QRectF(self.left, self.y, self.width, h)))
        self.p.setBrush(INK)
        self.p.drawRect(self.r(QRectF(self.left, self.y, 4, h)))
        self.p.setBrush(Qt.BrushStyle.NoBrush)
        self.text(QRectF(self.left + 6 + pad, self.y + pad, self.width - 2 * pad - 6, h),
                  text, size, wrap=True)
        self.y += h + 10

    def band(self, rect: QRectF, band: str) -> None:
        """A band tag: filled for elite, solid, dashed or dotted border otherwise."""
        if not band:
            return
        size = 7.5
        if band == BAND_WITHHELD:  # too little data for a band: the note says why
            self.text(rect.adjusted(0, 1.5, 0, 0), "withheld", size + 0.5, color=MUTED)
            return
        fm = QFontMetricsF(self.font(size, True), self.w)
        w = fm.horizontalAdvance(band.upper()) / self.k + 8
        box = QRectF(rect.left(), rect.top() + 1, w, 11)
        style = {"medium": Qt.PenStyle.DashLine, "low": Qt.PenStyle.DotLine}.get(
            band.lower(), Qt.PenStyle.SolidLine)
        pen = QPen(INK, 1.0 * self.k, style)
        self.p.setPen(pen)
        elite = band.lower() == "elite"
        self.p.setBrush(INK if elite else Qt.BrushStyle.NoBrush)
        self.p.drawRect(self.r(box))
        self.p.setBrush(Qt.BrushStyle.NoBrush)
        self.text(box.adjusted(0, 1.5, 0, 0), band.upper(), size, bold=True,
                  color=QColor("#ffffff") if elite else INK, align=Qt.AlignmentFlag.AlignHCenter)

    def table(self, columns: Sequence[Column], rows: Sequence[Sequence[str]], *,
              size: float = 9, bold_rows: Sequence[int] = (), band_col: int | None = None
              ) -> None:
        """A table with a header row; rows wrap their cells and never split across pages."""
        total = sum(c.width for c in columns)
        widths = [c.width / total * self.width for c in columns]
        pad = 4.0

        def row_height(cells: Sequence[str], bold: bool) -> float:
            hs = [self.measure(t, size, w - 2 * pad, bold) for t, w in zip(cells, widths,
                                                                             strict=True)]
            return max([size * 1.3, *hs]) + 2 * pad

        def draw_row(cells: Sequence[str], bold: bool, header: bool, h: float) -> None:
            x = self.left
            if header:
                self.p.setPen(Qt.PenStyle.NoPen)
                self.p.setBrush(SOFT)
                self.p.drawRect(self.r(QRectF(self.left, self.y, self.width, h)))
                self.p.setBrush(Qt.BrushStyle.NoBrush)
            for i, (t, w, c) in enumerate(zip(cells, widths, columns, strict=True)):
                rect = QRectF(x + pad, self.y + pad, w - 2 * pad, h - 2 * pad)
                if band_col is not None and i == band_col and not header:
                    self.band(rect, t)
                else:
                    self.text(rect, t, size, bold=bold or header,
                              color=INK if (header or c.align == "right" or i == 0
                                            or bold) else MUTED if i == len(cells) - 1 and
                              len(cells) > 2 else INK,
                              align=Qt.AlignmentFlag.AlignRight if c.align == "right"
                              else Qt.AlignmentFlag.AlignLeft, wrap=True)
                x += w
            self.p.setPen(QPen(INK if header else RULE, (0.9 if header else 0.5) * self.k))
            self.line(self.left, self.y + h, self.right, self.y + h)

        head = [c.title for c in columns]
        hh = row_height(head, True)
        self.ensure(hh + row_height(rows[0], False) if rows else hh)
        draw_row(head, False, True, hh)
        self.y += hh
        for n, cells in enumerate(rows):
            bold = n in bold_rows
            h = row_height(cells, bold)
            if self.y + h > self.bottom:
                self.new_page()
                draw_row(head, False, True, hh)
                self.y += hh
            draw_row(cells, bold, False, h)
            self.y += h
        self.y += 10

    def svg(self, svg: str, height: float | None = None, width: float | None = None,
            title: str = "") -> None:
        """An SVG chart at the content width (keeping its proportions)."""
        renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
        vb = renderer.viewBoxF()
        w = width or self.width
        h = height or w * vb.height() / max(1.0, vb.width())
        self.ensure(h)
        renderer.render(self.p, self.r(QRectF(self.left, self.y, w, h)))
        if title:
            self.texts.append(title)
        self.y += h + 8

    def map_page(self, picture: MapPicture, caption: str) -> None:
        """A landscape page holding one map (vectors), with a caption under it."""
        self.new_page(landscape=True)
        cap_h = self.measure(caption, 8.5, self.width) + 8
        area = QRectF(self.left, self.top, self.width, self.bottom - self.top - cap_h)
        picture.paint(self.p, self.r(area))
        self.texts += [s.name for s in picture.map.stages]
        self.text(QRectF(self.left, self.bottom - cap_h + 6, self.width, cap_h), caption, 8.5,
                  color=MUTED, wrap=True)
        self.y = self.bottom


def _metric_rows(lines: Sequence[MetricLine], band: bool) -> list[list[str]]:
    return [[m.label, m.value, *([m.band] if band else []), m.note] for m in lines]


def _title_page(doc: _Pdf, data: ReportData) -> None:
    doc.y = doc.top + 70
    doc.text(QRectF(doc.left, doc.y, doc.width, 16), "VALUE STREAM REPORT", 10, bold=True,
             color=MUTED)
    doc.y += 18
    h = doc.measure(data.project_name, 28, doc.width, True)
    doc.text(QRectF(doc.left, doc.y, doc.width, h + 4), data.project_name, 28, bold=True,
             wrap=True)
    doc.y += h + 10
    if data.measured:
        doc.paragraph(f"Window {data.window} · per {data.period} · "
                      f"{fmt.count(data.changes, 'changes')} · "
                      f"{fmt.count(data.deployments, 'deployments')}", 12,
                      color=MUTED, gap=2)
    doc.paragraph(f"Generated {fmt.date_text(data.generated_on)}", 10, color=MUTED, gap=22)
    if data.measured:
        c0 = data.constraint
        if c0 is not None and (c0.sentence or c0.advice):
            head = f"Constraint: {c0.stage}. " if c0.stage else \
                f"No constraint named: {c0.advice} "
            doc.callout(head + c0.sentence, 13)
            if c0.coverage:
                doc.paragraph(c0.coverage, 10, color=MUTED)
        keys = ("lead_time_median_s", "deployment_frequency_per_week", "change_failure_rate",
                "recovery_time_median_s")
        head = [m for m in data.dora if m.key in keys]
        doc.subheading(f"DORA at a glance (bands: DORA {data.band_year} report)")
        doc.table([Column("Metric", 3), Column("Value", 1.6, "right"), Column("Band", 1.1)],
                  [[m.label, m.value, m.band] for m in head], size=10, band_col=2)
    else:
        doc.callout(f"Not measured: {data.not_measured_reason}. The maps show the workshop "
                    "estimates only.", 12)
    if data.maps:
        doc.subheading("Ladder totals (workshop estimates, main path)")
        labels: list[str] = []
        for m in data.maps:
            labels += [a for a, _ in m.totals if a not in labels]
        cols = [Column("", 1.6)] + [Column(m.title, 1.6, "right") for m in data.maps]
        rows = []
        for label in labels:
            rows.append([label] + [dict(m.totals).get(label, "—") for m in data.maps])
        doc.table(cols, rows, size=10)
    contents = ["Maps: " + ", ".join(m.name for m in data.maps)]
    if data.measured:
        contents += ["DORA metrics", "Flow metrics", "The constraint"]
    if data.items:
        contents.append("Improvement items")
    contents.append("Data sources and quality")
    doc.subheading("Contents")
    for c in contents:
        doc.paragraph(f"•  {c}", 10, gap=2)


def report_pdf_bytes(project: Project, data: ReportData, *,
                     overlays: Mapping[str, Any] | None = None, page_size: str = "A4",
                     progress: Progress | None = None, cancelled: IsCancelled | None = None,
                     measured_ladders: Mapping[str, Any] | None = None
                     ) -> tuple[bytes, str]:
    """The PDF report as bytes, and every text drawn (for the identity guard).
    ``measured_ladders``: map id → ladder in measured mode, as on screen."""
    if page_size not in PAGE_SIZES:
        raise ValueError(f"page size {page_size!r}: expected one of {', '.join(PAGE_SIZES)}")
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buf)
    writer.setResolution(RESOLUTION)
    writer.setTitle(f"{data.project_name} — value stream report")
    writer.setCreator("vsm-app")
    doc = _Pdf(writer, data.project_name, page_size)
    try:
        report(progress, 0.1, "title page")
        _title_page(doc, data)
        maps = {m.id: m for m in project.maps}
        for i, sec in enumerate(data.maps):
            check(cancelled, "the export")
            report(progress, 0.15 + 0.35 * i / max(1, len(data.maps)),
                            f"drawing {sec.name}")
            m = maps.get(sec.map_id)
            if m is None:
                continue
            ov = (overlays or {}).get(m.id)
            with map_picture(project.name, m, overlay=ov,
                             measured_ladder=(measured_ladders or {}).get(m.id)) as pic:
                cap = f"{sec.title}. " + " · ".join(f"{a} {b}" for a, b in sec.totals)
                if ov:
                    cap += ". Labels under the stages: measured medians; red border: " \
                           "the constraint."
                doc.map_page(pic, cap)
        doc.section_page()
        if sec_errors := [e for m in data.maps for e in m.errors]:
            doc.heading("To check on the maps")
            for e in sec_errors:
                doc.paragraph(f"•  {e}", 9.5, gap=2)
        check(cancelled, "the export")
        if data.measured:
            report(progress, 0.55, "DORA metrics")
            doc.heading("DORA metrics")
            doc.paragraph(f"Window {data.window}. Bands from the DORA {data.band_year} report; "
                          "a band tag: filled = elite, solid = high, dashed = medium, "
                          "dotted = low.", 9, color=MUTED)
            doc.table([Column("Metric", 2.6), Column("Value", 1.4, "right"),
                       Column("Band", 0.9), Column("How it was measured", 3.2)],
                      _metric_rows(data.dora, True), band_col=2)
            for key in ("deployments", "lead_time", "change_failure_rate", "recovery_time"):
                t = data.trend(key)
                if t is not None:
                    doc.svg(report_html.trend_svg(t), title=t.title)
            check(cancelled, "the export")
            report(progress, 0.7, "flow metrics")
            doc.section_page()
            doc.heading("Flow metrics")
            doc.table([Column("Metric", 2.6), Column("Value", 2.2, "right"),
                       Column("How it was measured", 3.2)], _metric_rows(data.flow, False))
            for key in ("velocity", "flow_time", "load", "efficiency"):
                t = data.trend(key)
                if t is not None:
                    doc.svg(report_html.trend_svg(t), title=t.title)
            check(cancelled, "the export")
            report(progress, 0.8, "the constraint")
            doc.section_page()
            doc.heading("The constraint")
            c = data.constraint
            if c is not None:
                if c.stage:
                    doc.paragraph(f"The constraint is {c.stage}: the stage with the largest "
                                  f"share of waiting ({c.share} of all flow time).", 11)
                else:
                    doc.paragraph(f"No constraint named. {c.advice}", 11)
                if c.coverage:
                    doc.paragraph(c.coverage, 10, color=MUTED)
                if c.sentence:
                    doc.callout(c.sentence)
                if c.before and c.after:
                    doc.paragraph(f"Before: {c.before}. After: {c.after}.", 9, color=MUTED)
                for r in c.reasons:
                    doc.paragraph(r, 9, color=MUTED)
            doc.table([Column("Stage", 1.6), Column("Wait, estimated", 1.2, "right"),
                       Column("Wait, measured median", 1.3, "right"),
                       Column("Wait p85", 1.1, "right"),
                       Column("Process, estimated", 1.2, "right"),
                       Column("Active, measured median", 1.3, "right"),
                       Column("Share of flow time waiting", 1.3, "right"),
                       Column("Changes", 1.05, "right")],
                      [[s.name + (" (constraint)" if s.is_constraint else ""), s.estimate_wait,
                        s.measured_wait_median, s.measured_wait_p85, s.estimate_process,
                        s.measured_active_median, s.wait_share, fmt.count(s.changes)]
                       for s in data.stages],
                      bold_rows=[i for i, s in enumerate(data.stages) if s.is_constraint])
            if c is not None and c.contributions:
                doc.svg(report_html.contributions_svg(data), title="contributions")
            t = data.trend("stage_waits")
            if t is not None:
                doc.svg(report_html.trend_svg(t, height=260), title=t.title)
            if c is not None and c.correlations:
                doc.table([Column("Stage", 2), Column("Rank correlation of weekly wait with "
                                                      "weekly lead time (Spearman ρ)", 3,
                                                      "right")],
                          [[n, v] for n, v in c.correlations])
        if data.comparison:
            check(cancelled, "the export")
            report(progress, 0.85, "groups side by side")
            doc.section_page()
            doc.heading("Groups side by side")
            doc.paragraph(f"{COMPARISON_NOTE} Window {data.window}.", 9, color=MUTED)
            doc.table([Column("Group", 1.5), Column("Kind", 0.9),
                       Column("Changes", 1, "right"), Column("Deploy- ments", 1, "right"),
                       *(Column(metric(m).short_label, 1.35, "right")
                         for m in COMPARISON_METRICS),
                       Column("Constraint", 1.9)],
                      [[c.name, c.kind, c.changes, c.deployments,
                        *(f"{v} ({b})" if b else v for v, b in c.cells), c.constraint]
                       for c in data.comparison], size=7.5,
                      bold_rows=[i for i, c in enumerate(data.comparison) if c.kind == "whole"])
        la = data.look_ahead
        if la is not None:
            check(cancelled, "the export")
            doc.section_page()
            doc.heading("Looking ahead")
            for head, texts, key in (
                    ("Cycle time", [la.scatter, la.sle], "look_cycle_time"),
                    ("Aging work in progress", [la.aging, "To talk about at stand-up:",
                                                *(f"•  {x}" for x in la.standup)], None),
                    ("Cumulative flow", [la.cfd, *la.limits], "look_cfd"),
                    ("Forecast", [la.forecast, la.sample, *(f"⚠ {w}" for w in la.warnings)],
                     "look_forecast")):
                doc.subheading(head)
                for text in texts:
                    doc.paragraph(text, 10, gap=3)
                t = data.trend(key) if key else None
                if t is not None:
                    doc.svg(report_html.trend_svg(t), title=t.title)
        if data.items:
            check(cancelled, "the export")
            doc.section_page()
            doc.heading("Improvement items")
            doc.table([Column("Item", 2.6), Column("Stage", 1.1), Column("Status", 1),
                       Column("Team", 1.1), Column("Dates", 1.4),
                       Column("Leading indicators", 2)],
                      [[i.title + (f" — {i.commitment}" if i.commitment else ""), i.stage,
                        i.status, i.owner_team, i.dates, i.indicators] for i in data.items])
        check(cancelled, "the export")
        report(progress, 0.9, "sources and data quality")
        doc.section_page()
        doc.heading("Data sources and quality")
        if data.sources:
            doc.table([Column("Source", 3), Column("Format", 1.8), Column("Records", 1, "right"),
                       Column("Linked", 1, "right"), Column("Skipped", 1, "right")],
                      [[s.path, s.format, fmt.count(s.records), fmt.count(s.linked), fmt.count(s.skipped)]
                       for s in data.sources])
        else:
            doc.paragraph(f"No data source was measured: {data.not_measured_reason}.", 10)
        if data.quality_notes:
            doc.subheading("Data quality")
            for n in data.quality_notes:
                doc.paragraph(f"•  {n}", 9.5, gap=2)
        doc.y += 12
        doc.paragraph("Team and system level only: no metric is computed or shown per person, "
                      "and author identities never appear in this report. Durations: d = day, "
                      "h = hour, min = minute; median = interpolated median; p85 = 85th "
                      "percentile.", 8.5, color=MUTED)
    finally:
        doc.finish()
        del writer
    return bytes(buf.data().data()), "\n".join(doc.texts)
