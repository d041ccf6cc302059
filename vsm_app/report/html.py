"""The HTML report: one self-contained, printable file (Qt-free).

Self-contained means no request of any kind when it is opened: no script, no stylesheet link,
no web font, no remote image. Map images arrive as PNG bytes from the caller and are embedded
as ``data:`` URIs; charts are inline SVG from :mod:`vsm_app.report.svgcharts`. A print style
sheet gives A4 pages with each major section on a new page and black-on-white tables, so the
report reads well printed in black and white.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from html import escape

from ..metrics import format as fmt
from . import svgcharts
from .data import (
    BAND_WITHHELD,
    COMPARISON_METRICS,
    COMPARISON_NOTE,
    ComparisonLine,
    MetricLine,
    ReportData,
    Trend,
)

CSS = """
:root { --ink: #1d2330; --muted: #5d6675; --rule: #c9d0db; --soft: #f3f5f8; }
* { box-sizing: border-box; }
body { font-family: Helvetica, Arial, sans-serif; color: var(--ink); margin: 0 auto;
       max-width: 1060px; padding: 24px 32px 48px; line-height: 1.45; font-size: 15px; }
h1 { font-size: 30px; margin: 0 0 4px; }
h2 { font-size: 22px; margin: 36px 0 10px; padding-bottom: 4px;
     border-bottom: 2px solid var(--ink); }
h3 { font-size: 17px; margin: 22px 0 8px; }
p.meta { color: var(--muted); margin: 0 0 14px; }
nav ol { columns: 2; margin: 8px 0 0; padding-left: 22px; }
nav a { color: var(--ink); }
table { border-collapse: collapse; width: 100%; margin: 8px 0 14px; font-size: 14px; }
th, td { border: 1px solid var(--rule); padding: 5px 8px; text-align: left;
         vertical-align: top; }
th { background: var(--soft); font-weight: bold; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
tr.constraint td { font-weight: bold; }
.band { display: inline-block; border: 1.5px solid var(--ink); border-radius: 3px;
        padding: 0 6px; font-size: 12px; font-weight: bold; text-transform: uppercase;
        letter-spacing: .04em; }
.band.elite { background: var(--ink); color: #fff; }
.band.high { border-style: solid; }
.band.medium { border-style: dashed; }
.band.low { border-style: dotted; }
table.comparison { font-size: 12.5px; }
table.comparison tr.whole td { font-weight: bold; border-top: 2px solid var(--ink); }
.callout { border-left: 6px solid var(--ink); background: var(--soft); padding: 10px 14px;
           font-size: 17px; margin: 10px 0 14px; }
figure { margin: 10px 0 18px; break-inside: avoid; page-break-inside: avoid; }
figure img { width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 18px; }
.charts figure { margin: 4px 0 10px; }
figure.wide { max-width: 660px; }
.charts svg, figure svg { width: 100%; height: auto; display: block; }
.totals { display: flex; flex-wrap: wrap; gap: 8px; margin: 6px 0 12px; padding: 0; }
.totals li { list-style: none; border: 1px solid var(--rule); border-radius: 4px;
             padding: 6px 12px; min-width: 130px; }
.totals b { display: block; font-size: 19px; }
.muted { color: var(--muted); }
.coverage { color: var(--muted); font-style: italic; margin-top: -4px; }
ul.notes li { margin: 2px 0; }
footer { margin-top: 36px; color: var(--muted); font-size: 13px;
         border-top: 1px solid var(--rule); padding-top: 8px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav { display: none; }
  h2 { break-before: page; page-break-before: always; margin-top: 0; }
  h2.first { break-before: auto; page-break-before: auto; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  table, tr { break-inside: avoid; page-break-inside: avoid; }
  .charts { display: block; }
  .charts figure, figure.wide { max-width: 150mm; }
  a { color: inherit; text-decoration: none; }
  th { background: none; }
}
"""


def png_data_uri(png: bytes) -> str:
    """``data:image/png;base64,...`` for embedding."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _band(band: str) -> str:
    if band == BAND_WITHHELD:  # too little data for a band: said in the note
        return '<span class="muted">withheld</span>'
    return f'<span class="band {_e(band.lower())}">{_e(band)}</span>' if band else ""


def _metric_table(lines: Sequence[MetricLine], with_band: bool) -> str:
    head = "<tr><th>Metric</th><th class=\"num\">Value</th>" + \
           ("<th>Band</th>" if with_band else "") + "<th>How it was measured</th></tr>"
    rows = []
    for m in lines:
        rows.append(f"<tr><td>{_e(m.label)}</td><td class=\"num\">{_e(m.value)}</td>"
                    + (f"<td>{_band(m.band)}</td>" if with_band else "")
                    + f"<td class=\"muted\">{_e(m.note)}</td></tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def comparison_table(lines: Sequence[ComparisonLine]) -> str:
    """The groups' table: no rank column; the whole in bold, last."""
    from ..metrics.catalogue import metric

    head = ("<tr><th>Group</th><th>Kind</th><th class=\"num\">Changes</th>"
            "<th class=\"num\">Deployments</th>"
            + "".join(f'<th class="num">{_e(metric(m).short_label)}</th>'
                      for m in COMPARISON_METRICS) + "<th>Constraint</th></tr>")
    rows = []
    for c in lines:
        cells = "".join(f'<td class="num">{_e(v)}{" " + _band(b) if b else ""}</td>'
                        for v, b in c.cells)
        row = (f"<td>{_e(c.name)}</td><td>{_e(c.kind)}</td><td class=\"num\">"
               f"{_e(c.changes)}</td><td class=\"num\">{_e(c.deployments)}</td>{cells}"
               f"<td>{_e(c.constraint)}</td>")
        rows.append(f'<tr class="whole">{row}</tr>' if c.kind == "whole" else f"<tr>{row}</tr>")
    return f'<table class="comparison">{head}{"".join(rows)}</table>'


def trend_svg(t: Trend, width: float = 560, height: float = 230,
              standalone: bool = False) -> str:
    """The SVG of one trend of the report data."""
    return svgcharts.time_chart(t.title, t.x, [(s.name, s.values) for s in t.series],
                                kind=t.kind, unit=t.unit, width=width, height=height,
                                note=t.note, standalone=standalone)


def contributions_svg(data: ReportData, width: float = 560, standalone: bool = False) -> str:
    c = data.constraint
    assert c is not None
    return svgcharts.signed_bars(
        f"Change in median {c.measure}, by stage", c.contributions, width=width,
        highlight=c.stage, note="(other): time no stage binding covers, and the rest of the "
        "median that the stages do not explain", standalone=standalone)


def _charts(data: ReportData, keys: Sequence[str]) -> str:
    figs = []
    for k in keys:
        t = data.trend(k)
        if t is not None:
            figs.append(f"<figure>{trend_svg(t)}</figure>")
    return f'<div class="charts">{"".join(figs)}</div>' if figs else ""


def render_html(data: ReportData, map_images: Mapping[str, bytes] | None = None) -> str:
    """The whole report as one HTML document.

    Parameters
    ----------
    data
        From :func:`vsm_app.report.data.build_report_data`.
    map_images
        PNG bytes of each map's picture, by map id (maps without one show their tables only).
    """
    images = map_images or {}
    title = f"{data.project_name} — value stream report"
    meta = [f"Generated {fmt.date_text(data.generated_on)}"]
    if data.measured:
        meta.insert(0, f"Window {data.window} (per {data.period})")
        meta.append(f"{fmt.count(data.changes, 'changes')}, "
                    f"{fmt.count(data.deployments, 'deployments')}")
    parts: list[str] = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
        "<header>", f"<h1>{_e(data.project_name)}</h1>",
        f'<p class="meta">{_e(" · ".join(meta))}</p>', "</header>",
    ]
    toc = [("maps", "Value stream maps")]
    if data.measured:
        toc += [("dora", "DORA metrics"), ("flow", "Flow metrics"),
                ("constraint", "The constraint")]
    if data.comparison:
        toc.append(("groups", "Groups side by side"))
    if data.look_ahead is not None:
        toc.append(("look_ahead", "Looking ahead"))
    if data.items:
        toc.append(("items", "Improvement items"))
    toc.append(("sources", "Data sources and quality"))
    parts.append("<nav><strong>Contents</strong><ol>" + "".join(
        f'<li><a href="#{k}">{_e(v)}</a></li>' for k, v in toc) + "</ol></nav>")

    if data.measured and data.constraint is not None and (data.constraint.sentence
                                                          or data.constraint.advice):
        c0 = data.constraint
        head = f"Constraint: {c0.stage}." if c0.stage else f"No constraint named: {c0.advice}"
        parts.append(f'<p class="callout">{_e(head)}'
                     + (f"<br>{_e(c0.sentence)}" if c0.sentence else "")
                     + (f'<br><span class="muted">{_e(c0.coverage)}</span>' if c0.coverage
                        else "") + "</p>")
    elif not data.measured:
        parts.append(f'<p class="callout">Not measured: {_e(data.not_measured_reason)}. '
                     "The maps below show the workshop estimates only.</p>")

    # maps
    parts.append('<h2 id="maps" class="first">Value stream maps</h2>')
    for m in data.maps:
        parts.append(f"<h3>{_e(m.title)}</h3>")
        png = images.get(m.map_id)
        if png:
            parts.append(f'<figure><img src="{png_data_uri(png)}" alt="{_e(m.title)} map">'
                         f"<figcaption>{_e(m.title)}: stages, flows, waits and the timeline "
                         "ladder along the main path.</figcaption></figure>")
        parts.append('<ul class="totals">' + "".join(
            f"<li>{_e(label)}<b>{_e(value)}</b></li>" for label, value in m.totals) + "</ul>")
        rows = []
        for s in m.stages:
            flags = []
            if s.on_main_path:
                flags.append("main path")
            if s.above_takt:
                flags.append("above takt")
            rows.append(f"<tr><td>{_e(s.name)}</td><td class=\"num\">{_e(s.process_time)}</td>"
                        f"<td class=\"num\">{_e(s.wait_time)}</td>"
                        f"<td class=\"num\">{_e(s.lead_time)}</td>"
                        f"<td class=\"num\">{_e(s.pca)}</td><td>{_e(', '.join(flags))}</td>"
                        "</tr>")
        parts.append("<table><tr><th>Stage</th><th class=\"num\">Process time</th>"
                     "<th class=\"num\">Wait</th><th class=\"num\">Lead time</th>"
                     "<th class=\"num\">%C&amp;A</th><th></th></tr>" + "".join(rows)
                     + "</table>")
        if m.capacity_bottleneck:
            parts.append(f"<p>Capacity bottleneck (process time above takt): "
                         f"<strong>{_e(m.capacity_bottleneck)}</strong></p>")
        if m.errors:
            parts.append('<ul class="notes">' + "".join(
                f"<li>To check: {_e(e)}</li>" for e in m.errors) + "</ul>")

    if data.measured:
        parts.append('<h2 id="dora">DORA metrics</h2>')
        parts.append(f'<p class="muted">Bands from the DORA {data.band_year} report. '
                     f"Window {_e(data.window)}.</p>")
        parts.append(_metric_table(data.dora, True))
        parts.append(_charts(data, ["deployments", "lead_time", "change_failure_rate",
                                    "recovery_time"]))
        parts.append('<h2 id="flow">Flow metrics</h2>')
        parts.append(_metric_table(data.flow, False))
        parts.append(_charts(data, ["velocity", "flow_time", "load", "efficiency"]))

        parts.append('<h2 id="constraint">The constraint</h2>')
        c = data.constraint
        if c is not None:
            if c.stage:
                parts.append(f"<p>The constraint is <strong>{_e(c.stage)}</strong>: the "
                             f"stage with the largest share of waiting ({_e(c.share)} of all "
                             "flow time).</p>")
            else:
                parts.append(f"<p><strong>No constraint named.</strong> {_e(c.advice)}</p>")
            if c.coverage:
                parts.append(f'<p class="coverage">{_e(c.coverage)}</p>')
            if c.sentence:
                parts.append(f'<p class="callout">{_e(c.sentence)}</p>')
            if c.before and c.after:
                parts.append(f'<p class="muted">Before: {_e(c.before)}. After: '
                             f"{_e(c.after)}.</p>")
            parts += [f'<p class="muted">{_e(r)}</p>' for r in c.reasons]
        rows = []
        for sm in data.stages:
            cls = ' class="constraint"' if sm.is_constraint else ""
            rows.append(
                f"<tr{cls}><td>{_e(sm.name)}{' (constraint)' if sm.is_constraint else ''}</td>"
                f"<td class=\"num\">{_e(sm.estimate_wait)}</td>"
                f"<td class=\"num\">{_e(sm.measured_wait_median)}</td>"
                f"<td class=\"num\">{_e(sm.measured_wait_p85)}</td>"
                f"<td class=\"num\">{_e(sm.estimate_process)}</td>"
                f"<td class=\"num\">{_e(sm.measured_active_median)}</td>"
                f"<td class=\"num\">{_e(sm.wait_share)}</td>"
                f"<td class=\"num\">{fmt.count(sm.changes)}</td></tr>")
        parts.append("<table><tr><th>Stage</th><th class=\"num\">Wait, estimated</th>"
                     "<th class=\"num\">Wait, measured median</th>"
                     "<th class=\"num\">Wait p85</th>"
                     "<th class=\"num\">Process, estimated</th>"
                     "<th class=\"num\">Active, measured median</th>"
                     "<th class=\"num\">Share of flow time waiting</th>"
                     "<th class=\"num\">Changes</th></tr>" + "".join(rows) + "</table>")
        if c is not None and c.contributions:
            parts.append(f'<figure class="wide">{contributions_svg(data)}</figure>')
        t = data.trend("stage_waits")
        if t is not None:
            parts.append(f'<figure class="wide">{trend_svg(t, height=260)}</figure>')
        if c is not None and c.correlations:
            parts.append("<h3>Does the stage's wait move with lead time?</h3>")
            parts.append("<table><tr><th>Stage</th><th class=\"num\">Rank correlation of "
                         "weekly wait with weekly lead time (Spearman ρ)</th></tr>" + "".join(
                             f"<tr><td>{_e(n)}</td><td class=\"num\">{_e(v)}</td></tr>"
                             for n, v in c.correlations) + "</table>")

    if data.comparison:
        parts.append('<h2 id="groups">Groups side by side</h2>')
        parts.append(f'<p class="muted">{_e(COMPARISON_NOTE)} Window {_e(data.window)}.</p>')
        parts.append(comparison_table(data.comparison))

    la = data.look_ahead
    if la is not None:
        parts.append('<h2 id="look_ahead">Looking ahead</h2>')
        parts.append(f"<h3>Cycle time</h3><p>{_e(la.scatter)}</p><p>{_e(la.sle)}</p>")
        parts.append(_charts(data, ["look_cycle_time"]))
        parts.append(f"<h3>Aging work in progress</h3><p>{_e(la.aging)}</p>")
        parts.append("<p><strong>To talk about at stand-up</strong></p>")
        parts.append('<ul class="notes">' + "".join(f"<li>{_e(x)}</li>" for x in la.standup)
                     + "</ul>")
        parts.append(f"<h3>Cumulative flow</h3><p>{_e(la.cfd)}</p>")
        parts += [f'<p class="callout">{_e(x)}</p>' for x in la.limits]
        parts.append(_charts(data, ["look_cfd"]))
        parts.append(f"<h3>Forecast</h3><p>{_e(la.forecast)}</p>"
                     f'<p class="muted">{_e(la.sample)}</p>')
        parts += [f'<p class="callout">⚠ {_e(w)}</p>' for w in la.warnings]
        parts.append(_charts(data, ["look_forecast"]))

    if data.items:
        parts.append('<h2 id="items">Improvement items</h2>')
        parts.append("<table><tr><th>Item</th><th>Stage</th><th>Status</th><th>Team</th>"
                     "<th>Dates</th><th>Leading indicators</th></tr>" + "".join(
                         f"<tr><td>{_e(i.title)}"
                         + (f'<br><span class="muted">{_e(i.commitment)}</span>'
                            if i.commitment else "")
                         + f"</td><td>{_e(i.stage)}</td><td>{_e(i.status)}</td>"
                         f"<td>{_e(i.owner_team)}</td><td>{_e(i.dates)}</td>"
                         f"<td>{_e(i.indicators)}</td></tr>" for i in data.items) + "</table>")

    parts.append('<h2 id="sources">Data sources and quality</h2>')
    if data.sources:
        parts.append("<table><tr><th>Source</th><th>Format</th><th class=\"num\">Records</th>"
                     "<th class=\"num\">Linked</th><th class=\"num\">Skipped</th></tr>"
                     + "".join(f"<tr><td>{_e(s.path)}</td><td>{_e(s.format)}</td>"
                               f"<td class=\"num\">{fmt.count(s.records)}</td>"
                               f"<td class=\"num\">{fmt.count(s.linked)}</td>"
                               f"<td class=\"num\">{fmt.count(s.skipped)}</td></tr>"
                               for s in data.sources) + "</table>")
    else:
        parts.append(f"<p>No data source was measured: {_e(data.not_measured_reason)}.</p>")
    if data.quality_notes:
        parts.append("<h3>Data quality</h3>")
        parts.append('<ul class="notes">' + "".join(
            f"<li>{_e(n)}</li>" for n in data.quality_notes) + "</ul>")
    parts.append("<footer>Team and system level only: no metric is computed or shown per "
                 "person, and author identities never appear in this report. Durations: "
                 "d = day, h = hour, min = minute; median = interpolated median; p85 = 85th "
                 "percentile.</footer>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"
