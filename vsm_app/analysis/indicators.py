"""Leading indicators of an improvement item, per period, from the canonical tables.

Lagging metrics (DORA, flow) move weeks after a change in how the team works; leading
indicators move first. Each indicator turns the tables into *samples* — one value at one
instant (a merged change's size at its merge, a CI run's queue time at its start) — and a
period's value aggregates the samples that fall in it. Periods are UTC days, ISO weeks
(default) or calendar months (:mod:`vsm_app.analysis.periods`). Durations are in seconds,
medians are interpolated (pandas default), negative spans (clock skew) are left out.

``pr_size`` (lines, mean, down is better)
    lines changed of each change merged in the period (at ``merged_at``): ``lines_changed``,
    or else insertions + deletions of the change's commits.
``time_to_first_review`` (s, median, down)
    ``first_review_at − pr_opened_at`` of each PR, at its first review.
``review_time`` (s, median, down)
    ``approved_at − first_review_at`` of each approved PR, at its approval; a PR merged
    without any approval counts ``merged_at − pr_opened_at``, at its merge. An approved PR
    without a first-review time is left out.
``ci_queue_time`` (s, median, down)
    ``started_at − queued_at`` of each CI run (every attempt) that has a queue time, at its
    start.
``batch_size`` (changes, mean, down)
    changes shipped by each successful production deployment (as the DORA metrics select
    them), at its finish (or start). The first
    deployment in the data (it ships the whole history) and deployments that ship no new
    change (a redeploy or rollback is no batch) are left out.
``wip`` (changes, mean, down)
    the flow load: changes started (first commit) and not finished (deployed; merged when
    the change's repository has no deployment data), counted at the end (midnight UTC) of
    every day; a period's value is the mean over its days (:mod:`vsm_app.analysis.flow`).

Everything is vectorised: column arithmetic, ``groupby`` and ``searchsorted``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeAlias

import numpy as np
import pandas as pd

from vsm_app.domain.improvement import LEADING_INDICATORS, ImprovementItem, IndicatorTarget
from vsm_app.domain.tables import Tables

from .dora import PRODUCTION_ENVIRONMENTS, production_deployments
from .events import lookup_deployment
from .flow import day_ends, finish_times, wip_at
from .periods import (
    NAT,
    NS_PER_DAY,
    NS_PER_S,
    check_period,
    ns_to_timestamps,
    period_start_ns,
    period_starts,
    timestamp_ns,
    to_ns,
)

#: samples: ``at`` (UTC ns, int64) and ``value`` (float)
Samples: TypeAlias = pd.DataFrame


@dataclass(frozen=True)
class Window:
    """What an indicator is computed over: ``[start_ns, end_ns)`` (UTC ns) and the
    environment names that count as production (as in the analysis engine)."""

    start_ns: int
    end_ns: int
    production_environments: tuple[str, ...] = PRODUCTION_ENVIRONMENTS


#: compute(tables, window) → samples inside the window
Compute: TypeAlias = Callable[[Tables, Window], Samples]


@dataclass(frozen=True)
class IndicatorSpec:
    """A leading indicator: its name, unit, better direction and how to compute it."""

    name: str
    unit: str  # "lines" | "s" | "changes"
    better: str  # "down" | "up"
    compute: Compute
    aggregate: str  # how a period's samples combine: "mean" | "median"
    formula: str


# -- column helpers ----------------------------------------------------------------------------

def _ns(df: pd.DataFrame, col: str) -> np.ndarray:
    """UTC ns of a timestamp column; all NAT when the column is absent."""
    if col not in df.columns:
        return np.full(len(df), NAT, dtype=np.int64)
    return to_ns(df[col])


def _span_s(end: np.ndarray, start: np.ndarray) -> np.ndarray:
    """``end − start`` in seconds; NaN when either is missing or the span is negative."""
    ok = (end != NAT) & (start != NAT) & (end >= start)
    out = np.full(end.shape, np.nan)
    np.divide((end - start).astype(np.float64), NS_PER_S, out=out, where=ok)
    return out


def _samples(at: np.ndarray, value: np.ndarray, w: Window) -> Samples:
    at = np.asarray(at, dtype=np.int64)
    value = np.asarray(value, dtype=np.float64)
    keep = (at != NAT) & (at >= w.start_ns) & (at < w.end_ns) & ~np.isnan(value)
    return pd.DataFrame({"at": at[keep], "value": value[keep]})


def _float(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        return pd.Series(np.nan, index=df.index, dtype="float64")
    return pd.to_numeric(df[col], errors="coerce").astype("float64")


# -- the indicators ------------------------------------------------------------------------------

def change_sizes(tables: Tables) -> pd.Series:
    """Lines changed per change (float, NaN when unknown), aligned with ``tables.changes``.

    ``changes.lines_changed`` when the size pass filled it; otherwise insertions + deletions
    of the change's commits: summed by ``commits.change_id`` when the commits carry one, else
    the commit whose sha is the change's ``merge_sha`` (its diff is the change's diff).
    """
    ch, cm = tables.changes, tables.commits
    size = _float(ch, "lines_changed")
    if size.notna().all() or cm.empty:
        return size
    lines = _float(cm, "insertions") + _float(cm, "deletions")  # NaN if either unknown
    if "change_id" in cm.columns:
        per = lines.groupby(cm["change_id"].astype("string")).sum(min_count=1)
        key = ch["change_id"].astype("string")
    else:
        per = lines.groupby(cm["sha"].astype("string")).first()
        key = ch["merge_sha"].astype("string") if "merge_sha" in ch.columns \
            else pd.Series(pd.NA, index=ch.index, dtype="string")
    fallback = pd.Series(key.map(per).to_numpy(dtype="float64", na_value=np.nan),
                         index=ch.index)
    return size.fillna(fallback)


def _pr_size(tables: Tables, w: Window) -> Samples:
    return _samples(_ns(tables.changes, "merged_at"), change_sizes(tables).to_numpy(), w)


def _time_to_first_review(tables: Tables, w: Window) -> Samples:
    ch = tables.changes
    first_review = _ns(ch, "first_review_at")
    return _samples(first_review, _span_s(first_review, _ns(ch, "pr_opened_at")), w)


def _review_time(tables: Tables, w: Window) -> Samples:
    ch = tables.changes
    opened, first, approved, merged = (_ns(ch, c) for c in (
        "pr_opened_at", "first_review_at", "approved_at", "merged_at"))
    with_approval = approved != NAT
    value = np.where(with_approval, _span_s(approved, first), _span_s(merged, opened))
    at = np.where(with_approval, approved, merged)
    return _samples(at, value, w)


def _ci_queue_time(tables: Tables, w: Window) -> Samples:
    runs = tables.ci_runs
    started = _ns(runs, "started_at")
    return _samples(started, _span_s(started, _ns(runs, "queued_at")), w)


def _batch_size(tables: Tables, w: Window) -> Samples:
    ch = tables.changes
    dep = production_deployments(tables.deployments, w.production_environments)
    if dep.empty or ch.empty:
        return _samples(np.empty(0, np.int64), np.empty(0), w)
    first_flag = ch["first_deployment"].astype("boolean").fillna(False).to_numpy(dtype=bool) \
        if "first_deployment" in ch.columns else np.zeros(len(ch), dtype=bool)
    # each change's deployment by repository and id (ids are unique per repository only)
    row = lookup_deployment(dep, ch)
    shipped = row >= 0
    n = np.bincount(row[shipped], minlength=len(dep))[:len(dep)].astype("float64")
    first = np.zeros(len(dep), dtype=bool)
    first[row[shipped & first_flag]] = True
    ok = (n > 0) & (dep["pos"].to_numpy() > 0) & ~first
    return _samples(dep["at"].to_numpy(dtype=np.int64)[ok], n[ok], w)


def change_start_finish(tables: Tables) -> tuple[np.ndarray, np.ndarray]:
    """First-commit and finish instants (UTC ns) of each change, as the flow metrics use them:
    finished = deployed when the change's repository has deployment data, else merged."""
    ch = tables.changes
    repo = ch["repo"] if "repo" in ch.columns else pd.Series(pd.NA, index=ch.index,
                                                               dtype="string")
    finish, _ = finish_times(_ns(ch, "deployed_at"), _ns(ch, "merged_at"), repo)
    return _ns(ch, "first_commit_at"), finish


def _wip(tables: Tables, w: Window) -> Samples:
    if tables.changes.empty or w.end_ns <= w.start_ns:
        return _samples(np.empty(0, np.int64), np.empty(0), w)
    # the flow load's own sampling: at every midnight m with start < m ≤ end, filed under the
    # day that ends at m
    ends = day_ends(w.start_ns, w.end_ns)
    start, finish = change_start_finish(tables)
    return pd.DataFrame({"at": ends - NS_PER_DAY,
                         "value": wip_at(start, finish, ends).astype(np.float64)})


INDICATORS: dict[str, IndicatorSpec] = {
    "pr_size": IndicatorSpec(
        "Average PR size", "lines", LEADING_INDICATORS["pr_size"], _pr_size, "mean",
        "mean over changes merged in the period of lines changed (lines_changed, else "
        "insertions + deletions of the change's commits)"),
    "time_to_first_review": IndicatorSpec(
        "Time to first review", "s", LEADING_INDICATORS["time_to_first_review"],
        _time_to_first_review, "median",
        "median of first_review_at − pr_opened_at over PRs first reviewed in the period"),
    "review_time": IndicatorSpec(
        "PR review time", "s", LEADING_INDICATORS["review_time"], _review_time, "median",
        "median of approved_at − first_review_at (PRs merged without approval: merged_at − "
        "pr_opened_at) over PRs approved (merged) in the period"),
    "ci_queue_time": IndicatorSpec(
        "CI queue time", "s", LEADING_INDICATORS["ci_queue_time"], _ci_queue_time, "median",
        "median of started_at − queued_at over CI runs started in the period that have a "
        "queue time"),
    "batch_size": IndicatorSpec(
        "Batch size per deployment", "changes", LEADING_INDICATORS["batch_size"], _batch_size,
        "mean", "mean over successful deployments finished in the period of the changes each "
        "shipped (the first deployment and deployments shipping no new change left out)"),
    "wip": IndicatorSpec(
        "Work in progress", "changes", LEADING_INDICATORS["wip"], _wip, "mean",
        "mean over the period's days of the changes started and not finished at each day's "
        "end (finished = deployed, or merged without deployment data)"),
}


# -- series --------------------------------------------------------------------------------------

When: TypeAlias = pd.Timestamp | datetime | date | str


def _when_ns(v: When, name: str) -> int:
    ns = timestamp_ns(pd.Timestamp(v))
    if ns is None:
        raise ValueError(f"{name}: {v!r} is not a time")
    return ns


def data_end_ns(tables: Tables) -> int | None:
    """One nanosecond after the latest timestamp in the changes, CI runs and deployments."""
    latest = NAT
    for df in (tables.changes, tables.ci_runs, tables.deployments):
        for c in df.columns:
            if isinstance(df[c].dtype, pd.DatetimeTZDtype):
                v = to_ns(df[c])
                v = v[v != NAT]
                if v.size:
                    latest = max(latest, int(v.max()))
    return None if latest == NAT else latest + 1


def indicator_samples(tables: Tables, indicator_id: str, since: When,
                      until: When | None = None, *,
                      production_environments: tuple[str, ...] = PRODUCTION_ENVIRONMENTS
                      ) -> Samples:
    """The raw samples of one indicator in ``[since, until)`` (``at`` as UTC timestamps)."""
    spec = _spec(indicator_id)
    start, end = _window(tables, since, until)
    s = spec.compute(tables, Window(start, end, production_environments))
    return pd.DataFrame({"at": ns_to_timestamps(s["at"].to_numpy()), "value": s["value"]})


def _spec(indicator_id: str) -> IndicatorSpec:
    try:
        return INDICATORS[indicator_id]
    except KeyError:
        raise ValueError(f"indicator: unknown indicator {indicator_id!r} "
                         f"(expected one of {', '.join(INDICATORS)})") from None


def _window(tables: Tables, since: When, until: When | None) -> tuple[int, int]:
    start = _when_ns(since, "since")
    if until is not None:
        return start, _when_ns(until, "until")
    end = data_end_ns(tables)
    if end is None:
        return start, start
    # up to the end of the day of the latest record, so WIP samples that day
    last_day = int(period_start_ns(np.array([end - 1]), "day")[0])
    return start, max(start, last_day + NS_PER_DAY)


def indicator_series(tables: Tables, indicator_id: str, since: When, period: str = "week",
                     *, until: When | None = None,
                     production_environments: tuple[str, ...] = PRODUCTION_ENVIRONMENTS
                     ) -> pd.DataFrame:
    """One indicator per period from ``since`` (inclusive) to ``until`` (exclusive).

    Parameters
    ----------
    tables
        The canonical tables of an analysis.
    indicator_id
        A key of :data:`INDICATORS`.
    since, until
        Window bounds; naive times are UTC. ``until`` defaults to the end of the day of the
        latest record in the tables.
    period
        ``"day"``, ``"week"`` (ISO, Monday 00:00 UTC) or ``"month"``.
    production_environments
        Deployment environments that count as production (a missing one counts too), for
        ``batch_size``; the analysis engine's default.

    Returns
    -------
    pandas.DataFrame
        ``period_start`` (UTC timestamp), ``value`` (float, NaN for a period without
        samples) and ``n`` (samples), one row per period overlapping the window.
    """
    check_period(period)
    spec = _spec(indicator_id)
    start, end = _window(tables, since, until)
    starts = period_starts(start, end, period)
    s = spec.compute(tables, Window(start, end, production_environments))
    keys = period_start_ns(s["at"].to_numpy(dtype=np.int64), period)
    grouped = s["value"].groupby(keys)
    agg = grouped.median() if spec.aggregate == "median" else grouped.mean()
    idx = pd.Index(starts)
    return pd.DataFrame({
        "period_start": ns_to_timestamps(starts),
        "value": agg.reindex(idx).to_numpy(dtype=np.float64),
        "n": grouped.size().reindex(idx, fill_value=0).to_numpy(dtype=np.int64),
    })


@dataclass
class IndicatorProgress:
    """One indicator of an item since the item started, with its target."""

    target: IndicatorTarget
    spec: IndicatorSpec
    series: pd.DataFrame  # period_start, value, n
    first: float | None  # the first measured period
    latest: float | None  # the last measured period
    reached: bool | None  # latest against the target

    def to_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.target.indicator, "name": self.spec.name, "unit": self.spec.unit,
            "better": self.spec.better, "target": self.target.target,
            "direction": self.target.direction, "first": self.first, "latest": self.latest,
            "reached": self.reached,
            "series": [{"period_start": t.isoformat(),
                        "value": None if math.isnan(v) else float(v), "n": int(n)}
                       for t, v, n in zip(self.series["period_start"], self.series["value"],
                                          self.series["n"], strict=True)],
        }


def item_progress(item: ImprovementItem, tables: Tables, period: str = "week", *,
                  since: When | None = None, until: When | None = None
                  ) -> list[IndicatorProgress]:
    """Each indicator the item tracks, from the item's start (or ``since``) to ``until``."""
    start: When | None = since if since is not None else item.start
    if start is None:
        raise ValueError("start: the item has no start date; pass since=")
    out: list[IndicatorProgress] = []
    for target in item.indicators:
        series = indicator_series(tables, target.indicator, start, period, until=until)
        measured = series["value"].dropna()
        first = float(measured.iloc[0]) if len(measured) else None
        latest = float(measured.iloc[-1]) if len(measured) else None
        out.append(IndicatorProgress(target, INDICATORS[target.indicator], series, first,
                                     latest, target.reached(latest)))
    return out
