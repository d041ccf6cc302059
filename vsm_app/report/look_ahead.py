"""The look-ahead part of the report (issue 19), and the sentences the window shows too.

:func:`look_ahead_section` computes, from a report's measurement, the cycle-time scatter, the
aging WIP at the end of the data, the cumulative flow diagram, the WIP-limit checks of the
current map and a Monte Carlo forecast, all over the report's window
(:mod:`vsm_app.analysis.flow_analytics`, docs/metrics.md §14), as sentences and
:class:`~vsm_app.report.data.Trend` charts drawn by the report's SVG charts (the same palette
and formatters as every other chart of the report). The sentence functions are shared with
the look-ahead dock, so the window and the report say the same.

The report's forecast answers "when will a month's work be done": N = the sample's mean daily
throughput × 30, rounded (at least 1), from the default sample (the 90 days ending with the
last finish), 10,000 trials, seed 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..analysis.flow_analytics import (
    DEFAULT_TRIALS,
    CumulativeFlow,
    CycleTimeScatter,
    Forecast,
    ServiceLevel,
    WipLimitCheck,
)
from ..analysis.flow_analytics.aging import AgingWip
from ..metrics import format as fmt
from ..metrics.palette import KINDS
from .trend import Trend, TrendSeries

#: the report draws at most this many dots (the latest finishes); the lines use them all
REPORT_POINTS = 3000
#: the stand-up list holds at most this many units
STANDUP_ROWS = 12
#: "a month's work": the forecast's N is this many days of the sample's mean throughput
MONTH_DAYS = 30

Bold = Callable[[str], str]


def _plain(s: str) -> str:
    return s


def project_sle(project: Any) -> ServiceLevel | None:
    """The service level expectation stored in ``project`` (None: none chosen)."""
    s = getattr(project, "settings", None)
    share, within = getattr(s, "sle_share", None), getattr(s, "sle_within_s", None)
    if share is None or within is None:
        return None
    try:
        return ServiceLevel(float(share), float(within))
    except ValueError:
        return None


# -- sentences -------------------------------------------------------------------------------

def scatter_text(sc: CycleTimeScatter, noun: str, b: Bold = _plain) -> str:
    n = len(sc.points)
    if not n:
        return f"No finished {noun} with a flow time in the window."
    parts = [f"{b(fmt.count(n, noun))} finished in {fmt.window(*sc.window)}",
             " · ".join(f"{k} {b(fmt.duration(v))}" for k, v in sc.lines.items()
                        if v is not None)]
    left = sum(sc.left_out.values())
    if left:
        parts.append(f"{fmt.count(left, noun)} without a flow time left out")
    return "; ".join(parts) + "."


def aging_text(ag: AgingWip, noun: str, b: Bold = _plain) -> str:
    n = len(ag.units)
    ft = ag.flow_time
    head = f"{b(fmt.count(n, noun))} in progress at " \
           f"{fmt.date_time(pd.Timestamp(ag.now, tz='UTC'))}"
    if ft.get("p85_s") is not None:
        head += (f"; history of {fmt.count(ft['n'], noun)}: flow time p50 "
                 f"{fmt.duration(ft['p50_s'])}, p85 {fmt.duration(ft['p85_s'])}, "
                 f"p95 {fmt.duration(ft['p95_s'])}")
    if ag.sle is not None and n:
        head += f"; {b(fmt.count(int(ag.units['past_sle'].sum()), noun))} past the SLE " \
                f"({ag.sle})"
    return head + "."


def standup_lines(ag: AgingWip, rows: int = STANDUP_ROWS) -> list[str]:
    """What to talk about at stand-up: units past the SLE, then longer in their stage than
    its p95, then its p85 (oldest first in each), then stages over their WIP limit now."""
    u = ag.units
    if not len(u):
        return ["Nothing in progress."]
    rank = pd.Series(3, index=u.index)
    rank[u["stage_age_band"] == "p85–p95"] = 2
    rank[u["stage_age_band"] == ">p95"] = 1
    rank[u["past_sle"].astype(bool)] = 0
    order = u.assign(rank=rank).sort_values(["rank", "age_s"], ascending=[True, False],
                                            kind="stable")
    out: list[str] = []
    for r in order.itertuples(index=False):
        if r.rank == 3 or len(out) >= rows:
            break
        why = {0: "past the SLE", 1: f"longer in {r.stage} than 95 % of history",
               2: f"longer in {r.stage} than 85 % of history"}[int(r.rank)]
        out.append(f"{r.label} — {why}: {fmt.duration(float(r.stage_age_s))} in "
                   f"{r.stage}, {fmt.duration(float(r.age_s))} old")
    for s in ag.stages.itertuples(index=False):
        if s.over_limit:
            out.append(f"{s.stage} holds {s.wip} against its WIP limit of {int(s.wip_limit)}")
    if not out:
        out.append("Nothing is older than usual: every open unit is within its stage's p85.")
    return out


def cfd_text(cfd: CumulativeFlow, noun: str, b: Bold = _plain) -> str:
    if not cfd.days:
        return "No day in the window."

    def rate(v: float | None) -> str:
        return "—" if v is None else f"{fmt.number(v, 2)}/day"

    ct = cfd.cycle_time_days
    return (f"Arrivals {b(rate(cfd.arrival_rate_per_day))} "
            f"({fmt.count(cfd.started, noun)} started) · departures "
            f"{b(rate(cfd.departure_rate_per_day))} ({fmt.count(cfd.finished, noun)} "
            f"finished) · average WIP {b(fmt.number(cfd.wip_mean, 1))} · approximate "
            f"average cycle time "
            f"{b(fmt.duration(ct * 86400.0) if ct is not None else '—')} "
            f"(average WIP ÷ departure rate, Little's law).")


def forecast_text(fc: Forecast, noun: str, b: Bold = _plain) -> str:
    parts = []
    for k, v in fc.answers.items():
        share = k[1:]
        if v is None:
            parts.append(f"{share} %: not reached")
        elif fc.question == "when":
            parts.append(f"{share} %: by {b(fmt.date_text(v))}")
        else:
            parts.append(f"{share} %: at least {b(fmt.count(int(v)))}")
    if fc.question == "when":
        head = f"{fmt.count(fc.items or 0, noun)} more done —"
    else:
        head = f"{noun.capitalize()} done by {fmt.date_text(fc.by)} —"
    return f"{head} " + " · ".join(parts)


def sample_text(fc: Forecast, noun: str) -> str:
    s = fc.sample
    return (f"Sample: {fmt.date_range(s.since, s.until)} ({fmt.count(s.days, 'days')}), "
            f"{fmt.count(s.finished, noun)} finished, {fmt.number(s.mean, 2)} {noun}/day on "
            f"average; {fmt.count(fc.trials, 'trials')}, seed {fc.seed}; forecast from "
            f"{fmt.date_text(fc.starts)}.")


def wip_badge_text(c: WipLimitCheck) -> tuple[str, bool]:
    """The chip of a WIP-limit check on the map: ``WIP > 4 · 38/60 d`` (exceeded),
    ``WIP ≤ 4 ✓``, or ``WIP ≤ 4 · not measured``."""
    if not c.measured:
        return f"WIP ≤ {c.limit} · not measured", False
    if c.days_over:
        return f"WIP > {c.limit} · {c.days_over}/{c.days_measured} d", True
    return f"WIP ≤ {c.limit} ✓", False


# -- the report's section ------------------------------------------------------------------------

@dataclass
class LookAheadSection:
    """The look-ahead sentences and charts of a report."""

    noun: str
    scatter: str
    sle: str
    aging: str
    standup: list[str]
    cfd: str
    limits: list[str]
    forecast: str
    sample: str
    warnings: list[str] = field(default_factory=list)
    trends: list[Trend] = field(default_factory=list)

    def all_text(self) -> list[str]:
        return [self.scatter, self.sle, self.aging, *self.standup, self.cfd, *self.limits,
                self.forecast, self.sample, *self.warnings,
                *(t.title for t in self.trends), *(t.note for t in self.trends)]


def look_ahead_section(project: Any, measurement: Any, vsm_map: Any = None
                       ) -> LookAheadSection | None:
    """The section of ``measurement`` (a :class:`vsm_app.pipeline.Measurement`) over its
    result's window; None when there is nothing to show (no change)."""
    from ..analysis.engine import prepare
    from ..analysis.flow_analytics import (
        NoThroughput,
        aging_wip,
        change_units,
        check_wip_limits,
        cumulative_flow,
        cycle_time_scatter,
        forecast_when,
        measured_stages,
        throughput_sample,
        wip_limits_of,
    )

    tables = measurement.tables
    has_items = tables.items is not None and len(tables.items) > 0
    if not has_items and (tables.changes is None or not len(tables.changes)):
        return None
    result = measurement.result
    # the project's item settings: with work items loaded, flow is on items (issue 18)
    prepared = prepare(tables, vsm_map,
                       item_settings=getattr(getattr(project, "settings", None), "items", None))
    if prepared.items is not None:  # work items loaded: they are the unit of flow (issue 18)
        from ..analysis.items import item_units

        units = item_units(prepared)
    else:
        units = change_units(prepared, tables.changes)
    noun = units.noun
    win = result.window
    since = pd.Timestamp(win[0], tz="UTC") if win else None
    until = pd.Timestamp(win[1], tz="UTC") if win else None
    sle = project_sle(project)
    limits = wip_limits_of(vsm_map)
    sc = cycle_time_scatter(units, since, until, sle=sle)
    ag = aging_wip(units, since=since, until=until, sle=sle, wip_limits=limits)
    cfd = cumulative_flow(units, since, until)
    bn = result.bottleneck
    checks = check_wip_limits(cfd, limits, measured_stages(units),
                              bn.stage, bn.share) if limits else []
    trends: list[Trend] = []
    # the scatter: one series per kind (the report's point markers tell them apart)
    pts = sc.points.tail(REPORT_POINTS)
    if len(pts):
        kinds = pts["kind"].astype(str).where(pts["kind"].astype(str).isin(KINDS), "other")
        x = [t.date() for t in pts["finished_at"]]
        series = []
        for k in [*KINDS, "other"]:
            vals = [float(v) if kk == k else None
                    for v, kk in zip(pts["flow_time_s"], kinds, strict=True)]
            if any(v is not None for v in vals):
                series.append(TrendSeries(k.capitalize(), vals))
        lines = " · ".join(f"{k} {fmt.duration(v)}" for k, v in sc.lines.items()
                           if v is not None)
        shown = (f"the latest {fmt.count(len(pts))} of {fmt.count(len(sc.points), noun)}; "
                 if len(pts) < len(sc.points) else "")
        trends.append(Trend("look_cycle_time", f"Cycle time — one dot per finished "
                                               f"{fmt.singular(noun)}", "points", "duration",
                            x, series, note=f"{shown}{lines}"
                            + (f"; SLE {sle}" if sle is not None else "")))
    if cfd.days:
        # two curves: a page cannot separate five stage lines a few units apart over
        # thousands; the stage bands are in the note (and stacked in the window's chart)
        days = [d.date() for d in cfd.bands.index]
        done = cfd.bands["Done"].astype(float)
        by_stage = ", ".join(f"{name} {fmt.number(float(cfd.bands[name].mean()), 1)}"
                             for name in cfd.stage_columns)
        trends.append(Trend(
            "look_cfd", f"Cumulative flow — {noun} arrived and departed, daily", "line",
            "count", days,
            [TrendSeries("Arrivals", [float(v) for v in cfd.arrivals]),
             TrendSeries("Departures (done)", [float(v) for v in done])],
            note=f"the gap is the WIP; its daily average by stage: {by_stage}"))
    forecast = sample = ""
    warnings: list[str] = []
    try:
        smp = throughput_sample(units)
        n = max(1, round(smp.mean * MONTH_DAYS))
        fc = forecast_when(smp, n, trials=DEFAULT_TRIALS)
        forecast = forecast_text(fc, noun)
        sample = sample_text(fc, noun)
        warnings = [w[0].upper() + w[1:] for w in fc.warnings]
        if len(fc.histogram):
            trends.append(Trend("look_forecast", f"When will {fmt.count(n, noun)} be done — "
                                                 f"trials by completion day", "bar", "count",
                                [d.date() for d in fc.histogram.index],
                                [TrendSeries("Trials", [float(v) for v in fc.histogram])],
                                note=f"{fmt.count(fc.trials)} trials from the daily "
                                     f"throughput of {fmt.date_range(smp.since, smp.until)}"))
    except (NoThroughput, ValueError) as e:
        forecast = f"No forecast: {e}."
    return LookAheadSection(
        noun=noun, scatter=scatter_text(sc, noun),
        sle=sc.sle.sentence if sc.sle is not None else
        "No service level expectation chosen (set one in the Look ahead panel).",
        aging=aging_text(ag, noun), standup=standup_lines(ag), cfd=cfd_text(cfd, noun),
        limits=[c.sentence for c in checks], forecast=forecast, sample=sample,
        warnings=warnings, trends=trends)


__all__ = ["LookAheadSection", "aging_text", "cfd_text", "forecast_text",
           "look_ahead_section", "project_sle", "sample_text", "scatter_text",
           "standup_lines", "wip_badge_text"]
