"""What a report shows, assembled from a project and its measurement (Qt-free).

:func:`build_report_data` turns a :class:`~vsm_app.domain.model.Project` and, when its data
sources were measured, a :class:`~vsm_app.pipeline.Measurement` into a :class:`ReportData`:
plain values and texts already formatted for people (durations through
:func:`~vsm_app.domain.durations.format_duration`), which the HTML writer
(:mod:`vsm_app.report.html`) and the PDF painter (``vsm_app.render.report_pdf``) lay out.

Team and system level only: nothing here is per person. Source paths are shown relative to
the project folder, so a report does not reveal the folders of whoever produced it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from ..analysis.constraint import constraint_sentence, window_name
from ..analysis.coverage import coverage_sentence, withheld_advice
from ..analysis.engine import AnalysisResult
from ..analysis.results import (
    ComparisonRow,
    Constraint,
    DataQuality,
    DecompositionWindow,
    DoraCounts,
    DoraSummary,
    FlowCounts,
    FlowSummary,
    StageResult,
)
from ..domain import classic
from ..domain.improvement import read_items
from ..domain.model import Project, ValueStreamMap
from ..domain.numbers import finite as _num
from ..domain.tables import SourceReport
from ..metrics import format as fmt
from ..metrics.catalogue import metric
from .overlay import OverlayData, measured_overlay  # noqa: F401 - part of the report's API
from .trend import Trend, TrendSeries  # noqa: F401 - part of the report's data API

#: the report's charts compute a rolling rate over this many periods where one period is noisy
ROLLING_PERIODS = 4


# -- formatting: every number through the catalogue's formatter ---------------------------

def band_label(band: str | None) -> str:
    return band.capitalize() if band else ""


#: the band cell of a metric whose band is withheld for too little data (analysis.coverage)
BAND_WITHHELD = "withheld"


# -- the report's parts ---------------------------------------------------------------------

@dataclass
class StageEstimate:
    """One stage of a map as the workshop estimated it (texts ready to print)."""

    name: str
    process_time: str
    wait_time: str
    lead_time: str
    pca: str
    on_main_path: bool
    above_takt: bool


@dataclass
class MapSection:
    """One map: its stages and the classic ladder totals along the main path."""

    map_id: str
    name: str
    kind: str  # current | future
    stages: list[StageEstimate]
    totals: list[tuple[str, str]]  # (label, value) as on the ladder's summary box
    main_path: list[str]  # stage names in flow order
    capacity_bottleneck: str | None
    errors: list[str]

    @property
    def title(self) -> str:
        """The map's name, with its state unless the name says it already."""
        state = "future state" if self.kind == "future" else "current state"
        return self.name if "state" in self.name.lower() else f"{self.name} ({state})"


@dataclass
class MetricLine:
    """One measured metric: label, value text, DORA band (or ""), a note."""

    key: str
    label: str
    value: str
    band: str = ""
    note: str = ""


@dataclass
class StageMeasure:
    """Measured times of one stage over the window, beside the workshop estimate."""

    name: str
    bound: bool
    estimate_wait: str
    measured_wait_median: str
    measured_wait_p85: str
    estimate_process: str
    measured_active_median: str
    wait_share: str
    share: str
    changes: int
    is_constraint: bool


@dataclass
class ConstraintSection:
    stage: str | None
    share: str
    sentence: str
    measure: str  # lead time | flow time
    before: str
    after: str
    contributions: list[tuple[str, float]]  # (stage or "(other)", seconds)
    correlations: list[tuple[str, str]]  # (stage, Spearman rho text)
    reasons: list[str]
    #: what the constraint rests on: "Rests on 4 of 5 stages measured (…), 128 changes."
    coverage: str = ""
    #: when no constraint is named: why, and what data would make it possible
    advice: str = ""


@dataclass
class SourceLine:
    path: str
    format: str
    records: int
    linked: int
    skipped: int


@dataclass
class ItemLine:
    title: str
    stage: str
    status: str
    owner_team: str
    dates: str
    commitment: str
    indicators: str


@dataclass
class ComparisonLine:
    """One group (or the whole) in the report's side-by-side table, formatted."""

    name: str
    kind: str
    changes: str
    deployments: str
    #: per :data:`COMPARISON_METRICS`: (value, band label or "")
    cells: list[tuple[str, str]]
    constraint: str


#: the figures of the report's comparison, in its column order (catalogue ids)
COMPARISON_METRICS = ("dora.deployment_frequency_per_week", "dora.lead_time_median_s",
                      "dora.change_failure_rate", "dora.recovery_time_median_s",
                      "dora.rework_rate", "flow.velocity_per_week", "flow.flow_time_median_s")

#: why the comparison has no ranking (docs/metrics.md §15), printed under it
COMPARISON_NOTE = ("Groups in the order the project defines them, then the whole. There is no "
                   "rank, score or \u201cworst team\u201d: a group's figures describe its "
                   "system of work, and sorting is the reader's choice. Bands are the DORA "
                   "report's fixed thresholds. A change touching several groups counts in "
                   "each, a deployment serving several groups counts once for each and once "
                   "in the whole; the whole is computed over all changes, never as a median "
                   "of the groups' medians.")


@dataclass
class ReportData:
    """Everything a report shows, formatted (see the module docstring)."""

    project_name: str
    generated_on: str
    maps: list[MapSection]
    measured: bool
    not_measured_reason: str = ""
    window: str = ""
    window_start: str = ""
    window_end: str = ""
    period: str = "week"
    band_year: int = 2023
    changes: int = 0
    deployments: int = 0
    dora: list[MetricLine] = field(default_factory=list)
    flow: list[MetricLine] = field(default_factory=list)
    stages: list[StageMeasure] = field(default_factory=list)
    constraint: ConstraintSection | None = None
    trends: list[Trend] = field(default_factory=list)
    sources: list[SourceLine] = field(default_factory=list)
    quality_notes: list[str] = field(default_factory=list)
    items: list[ItemLine] = field(default_factory=list)
    #: the groups side by side (issue 21), when the project defines groups
    comparison: list[ComparisonLine] = field(default_factory=list)
    #: the look-ahead views (issue 19): a vsm_app.report.look_ahead.LookAheadSection
    look_ahead: Any = None

    def trend(self, key: str) -> Trend | None:
        found = next((t for t in self.trends if t.key == key), None)
        if found is None and self.look_ahead is not None:
            found = next((t for t in self.look_ahead.trends if t.key == key), None)
        return found

    def all_text(self) -> str:
        """Every text of the report (for the identity guard and for tests)."""
        out: list[str] = [self.project_name, self.window, self.not_measured_reason]
        for m in self.maps:
            out += [m.title, *m.main_path, *m.errors, *(f"{a} {b}" for a, b in m.totals)]
            out += [s.name for s in m.stages]
        for line in [*self.dora, *self.flow]:
            out += [line.label, line.value, line.band, line.note]
        out += [s.name for s in self.stages]
        if self.constraint:
            c = self.constraint
            out += [c.stage or "", c.sentence, c.before, c.after, *c.reasons, c.coverage,
                    c.advice]
            out += [n for n, _ in c.contributions]
        out += [t.title for t in self.trends] + [t.note for t in self.trends]
        out += [s.path for s in self.sources] + self.quality_notes
        for it in self.items:
            out += [it.title, it.stage, it.owner_team, it.commitment, it.indicators]
        for row in self.comparison:
            out += [row.name, row.kind, row.constraint, *(v for v, _ in row.cells)]
        if self.look_ahead is not None:
            out += self.look_ahead.all_text()
        return "\n".join(x for x in out if x)


# -- the user's own text (for the identity guard) ----------------------------------------------

def user_texts(project: Project, data: ReportData | None = None) -> list[tuple[str, str]]:
    """Every text of the report that a person typed, with where it is, in words.

    ``(where, text)`` pairs: the project name, each map's name, stage names, owners and notes,
    flow labels, kaizen bursts and sticky notes, improvement items, and the source paths as
    the report shows them. The identity guard looks for names here first and names the place
    (:func:`vsm_app.analysis.privacy.check_output`).
    """
    out: list[tuple[str, str]] = [("the project name", project.name)]
    for m in project.maps:
        on = f"on map {m.name!r}"
        out.append(("a map name", m.name))
        for st in m.stages:
            out += [(f"a stage name {on}", st.name),
                    (f"the owner of stage {st.name!r} {on}", st.owner),
                    (f"the notes of stage {st.name!r} {on}", st.notes)]
        for f in m.flows:
            out.append((f"a flow label {on}", f.label))
        for k in m.kaizens.values():
            out.append((f"a kaizen burst {on}", k.text))
        for n in m.notes.values():
            out.append((f"a sticky note {on}", n.text))
    if data is not None:
        for it in data.items:
            out += [("the title of an improvement item", it.title),
                    (f"the owner team of improvement item {it.title!r}", it.owner_team),
                    (f"the commitment of improvement item {it.title!r}", it.commitment)]
        out += [("a data source path", s.path) for s in data.sources]
    return [(where, text) for where, text in out if text]


# -- maps -------------------------------------------------------------------------------------

def ladder_totals(m: classic.ClassicMetrics, day_length_s: float) -> list[tuple[str, str]]:
    """The ladder's summary rows (same labels as the canvas's summary box)."""
    rows = [(metric(f"map.{k}").label,
             fmt.value(f"map.{k}", getattr(m, k), day_length_s=day_length_s))
            for k in ("lead_time_s", "process_time_s", "activity_ratio", "rolled_pca")]
    if m.takt_time_s is not None:
        rows.append((metric("map.takt_time_s").label,
                     fmt.value("map.takt_time_s", m.takt_time_s, day_length_s=day_length_s)))
    return rows


def map_section(vsm_map: ValueStreamMap) -> MapSection:
    """The classic figures of one map (DESIGN §5, classic VSM)."""
    m = classic.compute(vsm_map)
    day = vsm_map.settings.day_length_s
    on_path = set(m.main_path)
    stages = [StageEstimate(
        name=f.name, process_time=fmt.duration(f.process_time_s, day),
        wait_time=fmt.duration(f.wait_time_s, day), lead_time=fmt.duration(f.lead_time_s, day),
        pca=fmt.value("estimate.pca", f.pca), on_main_path=f.stage_id in on_path,
        above_takt=f.above_takt)
        for f in m.stages]
    names = {f.stage_id: f.name for f in m.stages}
    return MapSection(
        map_id=vsm_map.id, name=vsm_map.name, kind=vsm_map.kind, stages=stages,
        totals=ladder_totals(m, day), main_path=[names[i] for i in m.main_path],
        capacity_bottleneck=names.get(m.capacity_bottleneck or ""),
        errors=[e.message for e in m.errors])


# -- measured metrics -------------------------------------------------------------------------

def _not_measured(why: str) -> str:
    return f"not measured: {why}" if why else ""


def dora_lines(dora: DoraSummary) -> list[MetricLine]:
    """The DORA table: value, band of the report year, counts behind it."""
    counts = dora.counts or DoraCounts()
    bands = dora.bands

    def band(key: str) -> str:
        m = metric(f"dora.{key}")
        if m.band is None:
            return ""
        if dora.value(key) is not None and bands.withheld(m.band):
            return BAND_WITHHELD
        return band_label(bands.band(m.band))

    def line(key: str, note: str) -> MetricLine:
        m = metric(f"dora.{key}")
        b = band(key)
        text = _not_measured(dora.reason(key)) or note
        if b == BAND_WITHHELD and m.band is not None:
            text = f"{text}; band withheld: {bands.withheld(m.band)}"
        return MetricLine(key, m.name, fmt.value(m, dora.value(key)), b, text)

    lead_p85 = dora.lead_time_p85_s
    return [
        line("deployment_frequency_per_week",
             f"{fmt.count(counts.deployments, 'successful production deployments')}"),
        line("deployment_days_per_week",
             f"{fmt.count(counts.deployment_days, 'days')} with a deployment"),
        line("lead_time_median_s",
             (f"p85 {fmt.duration(lead_p85)}; " if lead_p85 is not None else "")
             + f"{fmt.count(counts.changes_with_lead_time, 'changes')}, first commit → "
               "deployed"),
        line("change_failure_rate",
             f"{fmt.count(counts.failed_deployments)} of "
             f"{fmt.count(counts.deployments, 'deployments')} caused a failure"),
        line("recovery_time_median_s", fmt.count(counts.recoveries, "recoveries")),
        line("rework_rate",
             f"{fmt.count(counts.rework_deployments, 'unplanned fix deployments')}"),
        line("pipeline_failure_rate",
             f"{fmt.count(counts.failed_deploy_runs)} of "
             f"{fmt.count(counts.deploy_runs, 'deploy runs')} failed"),
    ]


def flow_lines(flow: FlowSummary) -> list[MetricLine]:
    """The flow metrics table (Flow Framework)."""
    dist = flow.distribution or {}
    dist_text = " · ".join(f"{k} {fmt.value('flow.distribution', v)}"
                           for k, v in dist.items()) or fmt.DASH
    little = flow.littles_law
    counts = flow.counts or FlowCounts()
    p85 = flow.flow_time_p85_s
    unit = flow.unit  # changes, or work items when loaded (issue 18)

    def line(key: str, value: str, note: str) -> MetricLine:
        m = metric(f"flow.{key}")
        name = m.name.replace("changes", unit) if flow.on_items else m.name
        return MetricLine(key, name, value, "", _not_measured(flow.reason(key)) or note)

    velocity = flow.velocity_per_week
    lines = [
        line("velocity_per_week",
             f"{fmt.value('flow.velocity_per_week', velocity)}" if velocity is not None
             else fmt.DASH,
             f"{fmt.count(counts.finished, unit)} finished in the window"),
        line("flow_time_median_s", fmt.value("flow.flow_time_median_s",
                                             flow.flow_time_median_s),
             (f"p85 {fmt.duration(p85)}; " if p85 is not None else "")
             + f"finish = {flow.finish_basis or fmt.DASH}"),
        line("load_mean", fmt.value("flow.load_mean", flow.load_mean),
             f"open {unit}, sampled at the end of each day"),
        line("efficiency", fmt.value("flow.efficiency", flow.efficiency),
             "Σ active ÷ Σ flow time"),
        line("distribution", dist_text, f"share of finished {unit} per kind"),
    ]
    if little is not None and little.predicted_load is not None:
        lines.append(MetricLine(
            "littles_law", "Little's law check",
            f"{fmt.value('flow.load_mean', little.load_mean)} vs "
            f"{fmt.value('flow.load_mean', little.predicted_load)}",
            "", f"mean load vs velocity × mean flow time; gap "
                f"{fmt.percent(little.gap_ratio)}"))
    return lines


def stage_measures(vsm_map: ValueStreamMap | None, stages: Sequence[StageResult],
                   constraint: str | None) -> list[StageMeasure]:
    """Per stage: the workshop estimate beside the measured median (DESIGN §4)."""
    figures: dict[str, classic.StageFigures] = {}
    day = 86_400.0
    if vsm_map is not None:
        day = vsm_map.settings.day_length_s
        for fig in classic.compute(vsm_map).stages:
            figures[fig.name] = fig
    out = []
    for s in stages:
        f = figures.get(s.name)
        out.append(StageMeasure(
            name=s.name, bound=s.bound,
            estimate_wait=fmt.duration(f.wait_time_s, day) if f else fmt.DASH,
            measured_wait_median=fmt.value("stage.wait_median_s", s.wait_median_s),
            measured_wait_p85=fmt.value("stage.wait_p85_s", s.wait_p85_s),
            estimate_process=fmt.duration(f.process_time_s, day) if f else fmt.DASH,
            measured_active_median=fmt.value("stage.active_median_s", s.active_median_s),
            wait_share=fmt.value("stage.wait_share", s.wait_share),
            share=fmt.value("stage.share", s.share),
            changes=max(s.wait_count, s.active_count),
            is_constraint=s.name == constraint))
    return out


def constraint_section(bottleneck: Constraint) -> ConstraintSection:
    reasons = [f"{k.replace('_', ' ')}: {v}" for k, v in bottleneck.reasons.items()]
    reasons += [f"correlations ({a}): {b}" for a, b in bottleneck.correlation_reasons.items()]
    contributions = [(str(k), float(v)) for k, v in bottleneck.lead_time_contributions.items()]
    corr = [(str(k), fmt.correlation(v)) for k, v in bottleneck.correlations.items()]
    measure = "lead time" if bottleneck.measure == "lead_time" else "flow time"

    def window(w: DecompositionWindow | None) -> str:
        if w is None:
            return ""
        return (f"{window_name(w)}: median {fmt.duration(w.median_s)} "
                f"over {fmt.count(w.n, 'changes')}")

    stage = bottleneck.stage
    sentence = constraint_sentence(bottleneck)
    if not sentence and stage:
        sentence = f"The constraint is {stage}: it holds the largest share of waiting."
    advice = withheld_advice(bottleneck)
    if advice:  # said once, in its own paragraph
        reasons = [r for r in reasons if not r.startswith("stage:")]
    return ConstraintSection(
        stage=str(stage) if stage else None,
        share=fmt.value("bottleneck.share", bottleneck.share),
        sentence=sentence, measure=measure, before=window(bottleneck.before),
        after=window(bottleneck.after), contributions=contributions, correlations=corr,
        reasons=reasons, coverage=coverage_sentence(bottleneck), advice=advice)


# -- data quality ----------------------------------------------------------------------------

_QUALITY_TEXT: dict[str, tuple[str, str]] = {
    "changes_unfinished": ("change is", "changes are"),
    "changes_without_first_commit": ("change has", "changes have"),
    "first_deployment_changes": ("change", "changes"),
    "missing_spans": ("stage span is", "stage spans are"),
    "negative_spans": ("stage span was", "stage spans were"),
    "negative_flow_times": ("negative flow time was", "negative flow times were"),
    "negative_lead_times": ("negative lead time was", "negative lead times were"),
    "reverts_unresolved": ("revert names", "reverts name"),
    "incidents_unresolved": ("incident is", "incidents are"),
    "incidents_before_first_deployment": ("incident", "incidents"),
    "incidents_without_opened_at": ("incident has", "incidents have"),
    "negative_recovery_times": ("negative recovery time was", "negative recovery times were"),
    "deploy_runs_not_concluded": ("deploy run has", "deploy runs have"),
    "deploy_runs_without_time": ("deploy run has", "deploy runs have"),
}
_QUALITY_REST: dict[str, str] = {
    "changes_unfinished": "not finished yet (no merge or deployment) and not counted in "
                          "flow time",
    "changes_without_first_commit": "no first commit time",
    "first_deployment_changes": "shipped by the first deployment in the data, left out of "
                                "lead time (nothing earlier to measure from)",
    "missing_spans": "missing because a source does not give one of their events",
    "negative_spans": "negative (clock skew, a review before the PR opened): excluded, "
                      "not clipped",
    "negative_flow_times": "excluded",
    "negative_lead_times": "excluded",
    "reverts_unresolved": "a commit the history does not hold",
    "incidents_unresolved": "not resolved yet",
    "incidents_before_first_deployment": "opened before the first deployment",
    "incidents_without_opened_at": "no opening time",
    "negative_recovery_times": "excluded",
    "deploy_runs_not_concluded": "not concluded",
    "deploy_runs_without_time": "no time",
}


def quality_notes(dq: DataQuality, import_errors: Sequence[str] = ()) -> list[str]:
    """Data-quality notes as sentences; counts of zero are left out."""
    notes: list[str] = [f"{fmt.count(dq.changes_total, 'changes')} loaded, "
                        f"{fmt.count(dq.changes_in_window or 0)} finished in the window"]
    for key, (one, many) in _QUALITY_TEXT.items():
        n = dq.count(key)
        if n:
            notes.append(f"{fmt.count(n)} {one if n == 1 else many} {_QUALITY_REST[key]}")
    for name, seg in (dq.segments or {}).items():
        if seg.missing or seg.negative:
            parts = []
            if seg.missing:
                parts.append(f"{fmt.count(seg.missing)} missing")
            if seg.negative:
                parts.append(f"{fmt.count(seg.negative)} negative")
            notes.append(f"{name} ({seg.kind}): {', '.join(parts)} of "
                         f"{fmt.count(seg.measured + seg.missing)}")
    for key, n in (dq.ingest or {}).items():
        if isinstance(n, bool):
            if n and key == "shallow_clone":
                notes.append("the git repository is a shallow clone: older history is missing")
            continue
        if isinstance(n, int | float) and n and key not in (
                "commits_read_from_git",):
            notes.append(f"{key.replace('_', ' ')}: {fmt.count(n)}")
    notes += [str(w) for w in dq.warnings]
    notes += [f"import: {e}" for e in (*dq.import_errors, *import_errors)]
    return notes


def source_lines(sources: Sequence[SourceReport],
                 project_dir: Path | None) -> list[SourceLine]:
    return [SourceLine(path=_display_path(s.path, project_dir), format=s.format,
                       records=s.records, linked=s.linked, skipped=s.skipped)
            for s in sources]


def _display_path(path: str, project_dir: Path | None) -> str:
    """A source path relative to the project folder, else its file name only."""
    p = Path(path)
    if not p.is_absolute():
        return p.as_posix()
    if project_dir is not None:
        try:
            rel = os.path.relpath(p, project_dir)
        except ValueError:
            rel = None
        if rel is not None and not rel.startswith(".."):
            return Path(rel).as_posix()
    return p.name


# -- trends ----------------------------------------------------------------------------------

def _values(s: pd.Series) -> list[float | None]:
    return [_num(v) for v in s.to_list()]


def _dates(index: pd.Index) -> list[date]:
    return [pd.Timestamp(t).date() for t in index]


def trends(result: Any, vsm_map_names: Sequence[str] = ()) -> list[Trend]:
    """The report's trend charts from the per-period frames of an AnalysisResult."""
    period = getattr(result.options, "period", "week")
    per = {"day": "day", "week": "week", "month": "month"}.get(period, period)
    out: list[Trend] = []
    dbp: pd.DataFrame = result.dora_by_period
    fbp: pd.DataFrame = result.flow_by_period
    if len(dbp):
        x = _dates(dbp.index)
        out.append(Trend("deployments", f"Deployments per {per}", "bar", "count", x,
                         [TrendSeries("successful production deployments",
                                      _values(dbp["deployments"]))]))
        out.append(Trend("lead_time", "Lead time for changes", "line", "duration", x,
                         [TrendSeries("median", _values(dbp["lead_time_median_s"])),
                          TrendSeries("p85", _values(dbp["lead_time_p85_s"]))],
                         f"per {per}, by deployment time"))
        def rolling(col: str) -> pd.Series:
            return dbp[col].astype(float).rolling(ROLLING_PERIODS,
                                                  min_periods=ROLLING_PERIODS).sum()

        dep, fail, rework = (rolling("deployments"), rolling("failed_deployments"),
                             rolling("rework_deployments"))
        cfr = (fail / dep).where(dep > 0)
        rwr = (rework / dep).where(dep > 0)
        out.append(Trend("change_failure_rate", "Change failure rate and rework rate", "line",
                         "ratio", x, [TrendSeries("change failure rate", _values(cfr)),
                                      TrendSeries("rework rate", _values(rwr))],
                         f"over the last {ROLLING_PERIODS} {per}s at each point (one {per} "
                         "holds too few deployments to read alone)"))
        if dbp["recovery_time_median_s"].notna().any():
            out.append(Trend("recovery_time", "Failed deployment recovery time (median)",
                             "points", "duration", x,
                             [TrendSeries("median recovery",
                                          _values(dbp["recovery_time_median_s"]))],
                             f"one mark per {per} with a recovery"))
    if len(fbp):
        x = _dates(fbp.index)
        unit = str(getattr(getattr(result, "flow", None), "unit", None) or "changes")
        out.append(Trend("velocity", f"Flow velocity ({unit} finished per {per})", "bar",
                         "count", x, [TrendSeries(f"{unit} finished",
                                                  _values(fbp["velocity"]))]))
        out.append(Trend("flow_time", "Flow time", "line", "duration", x,
                         [TrendSeries("median", _values(fbp["flow_time_median_s"])),
                          TrendSeries("p85", _values(fbp["flow_time_p85_s"]))]))
        out.append(Trend("load", f"Flow load (mean open {unit})", "step", "count", x,
                         [TrendSeries(f"open {unit}", _values(fbp["load_mean"]))]))
        out.append(Trend("efficiency", "Flow efficiency", "line", "ratio", x,
                         [TrendSeries("efficiency", _values(fbp["efficiency"]))]))
    weekly: pd.DataFrame = getattr(result, "weekly", pd.DataFrame())
    if len(weekly):
        stage_cols = [c for c in weekly.columns if not str(c).endswith("_median_s")
                      and weekly[c].notna().any()]
        if stage_cols:
            out.append(Trend("stage_waits", "Median wait per stage, per ISO week", "line",
                             "duration", _dates(weekly.index),
                             [TrendSeries(str(c), _values(weekly[c])) for c in stage_cols],
                             "the stage whose wait rises with lead time is the one to act on"))
    return out


def _indicator_text(t: Any) -> str:
    target = fmt.value(f"indicator.{t.indicator}", t.target)
    return f"{t.indicator.replace('_', ' ')} {'≤' if t.direction == 'down' else '≥'} {target}"


# -- groups side by side -------------------------------------------------------------------

def comparison_constraint_text(row: ComparisonRow) -> str:
    """"Review 42 % · 4 of 5 stages, 128 changes", or "— (withheld)"."""
    from ..analysis.coverage import coverage_short

    c = row.constraint
    if not c.stage:
        return f"{fmt.DASH} (withheld)"
    share = f" {fmt.percent(c.share, 0)}" if c.share is not None else ""
    cover = coverage_short(c)
    return f"{c.stage}{share}" + (f" · {cover}" if cover else "")


def comparison_lines(rows: Sequence[ComparisonRow]) -> list[ComparisonLine]:
    """The typed comparison rows (groups in their defined order, then the whole) as text."""
    out = []
    for r in rows:
        cells = []
        for mid in COMPARISON_METRICS:
            m = metric(mid)
            section, key = mid.split(".", 1)
            value = getattr(r.dora if section == "dora" else r.flow, key)
            band = r.dora.bands.band(m.band) if m.band else None
            cells.append((fmt.value(m, value), band_label(band)))
        out.append(ComparisonLine(r.name, r.kind, fmt.count(r.changes),
                                  fmt.count(r.deployments), cells,
                                  comparison_constraint_text(r)))
    return out


# -- the whole report -------------------------------------------------------------------------

def build_report_data(project: Project, measurement: Any | None = None, *,
                      project_dir: str | os.PathLike[str] | None = None,
                      today: date | None = None,
                      not_measured_reason: str = "") -> ReportData:
    """Assemble the report of ``project`` (measured when ``measurement`` is given).

    Parameters
    ----------
    project
        The project (maps, improvement items).
    measurement
        A :class:`vsm_app.pipeline.Measurement` of its data sources, or ``None``.
    project_dir
        Folder of the project file; source paths are shown relative to it.
    today
        The date printed as "generated on" (default: today).
    not_measured_reason
        Shown instead of the measured sections when ``measurement`` is None.
    """
    pdir = Path(project_dir) if project_dir is not None else None
    data = ReportData(
        project_name=project.name,
        generated_on=(today or date.today()).isoformat(),
        maps=[map_section(m) for m in project.maps],
        measured=measurement is not None,
        not_measured_reason=not_measured_reason or (
            "" if measurement is not None else "the project has no data sources to measure"),
        period=project.settings.period, band_year=project.settings.band_year)
    items = read_items(project)
    if items:
        names: dict[str, str] = {}
        for m in project.maps:
            for s in m.stages:
                names[s.id] = s.name
        data.items = [ItemLine(
            title=i.title, stage=names.get(i.stage_id or "", i.targets_constraint or ""),
            status=i.status.value.replace("_", " "), owner_team=i.owner_team,
            dates=" – ".join(fmt.date_text(d) for d in (i.start, i.end) if d is not None),
            commitment=i.commitment,
            indicators=", ".join(_indicator_text(t) for t in i.indicators)) for i in items]
    if measurement is None:
        return data
    result: AnalysisResult = measurement.result
    if result.window is not None:
        start, end = result.window_timestamps() or (None, None)
        assert start is not None and end is not None
        last = end - pd.Timedelta(days=1)
        data.window_start, data.window_end = start.date().isoformat(), last.date().isoformat()
        data.window = fmt.window(*result.window)
    data.period = result.options.period
    data.band_year = result.dora.bands.year or data.band_year
    data.changes = result.changes
    data.deployments = result.deployments
    data.dora = dora_lines(result.dora)
    data.flow = flow_lines(result.flow)
    bottleneck = result.bottleneck
    current = next((m for m in project.maps if m.kind == "current"),
                   project.maps[0] if project.maps else None)
    data.stages = stage_measures(current, result.stages, bottleneck.stage)
    data.constraint = constraint_section(bottleneck)
    data.trends = trends(result)
    from .look_ahead import look_ahead_section

    data.look_ahead = look_ahead_section(project, measurement, current)
    data.sources = source_lines(measurement.tables.sources, pdir)
    data.quality_notes = quality_notes(result.data_quality,
                                       getattr(measurement, "import_errors", ()))
    groups = getattr(measurement, "groups", None)
    if groups is not None and groups.groups:
        data.comparison = comparison_lines(groups.comparison())
    return data
