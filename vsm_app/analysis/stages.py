"""Stage intervals: how long each change waited and worked in each stage of the map.

A stage is bound to segments ``(from_event, to_event, kind)`` (DESIGN §4). For one change:

* a **segment** is ``to − from`` in seconds. It is *missing* when either event is missing
  (NaT, never zero) and *negative* when ``to`` precedes ``from`` (clock skew, a review
  before the PR opened); both are left out of every statistic and counted.
* a stage's **wait** (resp. **active**) time is the sum of its wait (active) segments, and is
  defined only when *every* such segment is measured and non-negative. A partial sum would
  put changes measured over different spans into one median, so a stage-kind with any
  missing segment is *missing* for that change, and one with any negative segment is
  *negative*. (The software-delivery template has at most one segment per stage and kind.)

Statistics per stage and kind, over the changes of a cohort (those finished in the window or
period): ``count`` (measured), ``missing``, ``negative``, interpolated ``median`` (pandas
default) and ``p85`` (linear interpolation), ``mean`` and ``sum``.

**Share** of a stage = Σ (wait + active) of the stage ÷ Σ flow time, over the cohort's changes
that have a flow time (a missing stage value adds nothing). **Wait share** = Σ wait ÷ Σ flow
time over the same changes. Segments may overlap (CI runs while a change waits for release),
so shares need not add up to 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from vsm_app.domain.model import Segment, SegmentKind, StatusBinding, ValueStreamMap
from vsm_app.domain.templates import SOFTWARE_DELIVERY_BINDINGS

from .periods import NAT, NS_PER_S

KINDS: tuple[str, ...] = ("wait", "active")

#: status codes of a segment or stage-kind for one change
OK, MISSING, NEGATIVE, UNBOUND = 0, 1, 2, 3


@dataclass(frozen=True)
class StageSpec:
    """A stage as the analysis sees it: a unique name and its segments by kind."""

    name: str
    stage_id: str | None
    wait: tuple[Segment, ...]
    active: tuple[Segment, ...]
    #: tracker statuses bound to the stage: measured on work items (vsm_app.analysis.items)
    statuses: tuple[StatusBinding, ...] = ()

    def segments(self, kind: str) -> tuple[Segment, ...]:
        return self.wait if kind == "wait" else self.active

    @property
    def bound(self) -> bool:
        return bool(self.wait or self.active)


def _kind(seg: Segment) -> str:
    k = seg.kind
    return k.value if isinstance(k, SegmentKind) else str(k)


def stage_specs(vsm_map: ValueStreamMap | None) -> list[StageSpec]:
    """Stages in map order; the software-delivery bindings when ``vsm_map`` is None.

    Stage names are made unique (``Review``, ``Review (2)``) because results are keyed by name.
    """
    if vsm_map is None:
        items: list[tuple[str, str | None, list[Segment]]] = [
            (name, None, list(segs)) for name, segs in SOFTWARE_DELIVERY_BINDINGS.items()]
    else:
        items = [(s.name, s.id, list(s.segments)) for s in vsm_map.stages]
    statuses = {s.id: tuple(s.statuses) for s in vsm_map.stages} if vsm_map is not None else {}
    seen: dict[str, int] = {}
    specs: list[StageSpec] = []
    for name, sid, segs in items:
        seen[name] = seen.get(name, 0) + 1
        unique = name if seen[name] == 1 else f"{name} ({seen[name]})"
        specs.append(StageSpec(
            unique, sid,
            tuple(s for s in segs if _kind(s) == "wait"),
            tuple(s for s in segs if _kind(s) == "active"),
            statuses.get(sid, ()) if sid is not None else ()))
    return specs


def bound_events(specs: list[StageSpec]) -> list[str]:
    """Every event name a binding refers to, in first-use order."""
    names: dict[str, None] = {}
    for sp in specs:
        for seg in (*sp.wait, *sp.active):
            names[seg.from_event] = None
            names[seg.to_event] = None
    return list(names)


def col(i: int, kind: str) -> str:
    """Column of stage ``i`` and ``kind`` in :attr:`StageDurations.values`."""
    return f"{i}:{kind}"


def segment_label(stage: str, seg: Segment) -> str:
    return f"{stage}: {seg.from_event}→{seg.to_event}"


@dataclass
class StageDurations:
    """Per-change stage times (seconds) and status codes, rows aligned with the changes."""

    specs: list[StageSpec]
    #: float seconds, NaN when not measured; columns ``col(i, kind)``
    values: pd.DataFrame
    #: int8 status (OK, MISSING, NEGATIVE, UNBOUND), same columns as ``values``
    status: pd.DataFrame
    #: int8 status per bound segment; columns are :func:`segment_label`
    segment_status: pd.DataFrame
    #: label → (stage name, kind) of each segment column
    segment_info: dict[str, tuple[str, str]]

    def columns(self, kind: str) -> list[str]:
        return [col(i, kind) for i in range(len(self.specs))]


def stage_durations(matrix: pd.DataFrame, specs: list[StageSpec]) -> StageDurations:
    """Compute every stage's wait and active time per change from the event matrix.

    ``matrix`` has one ``int64`` ns column per event (``NAT`` = missing), one row per change;
    an event no column holds counts as missing for every change.
    """
    n = len(matrix)
    missing_col = np.full(n, NAT, dtype=np.int64)

    def ev(name: str) -> np.ndarray:
        return matrix[name].to_numpy(dtype=np.int64) if name in matrix else missing_col

    values: dict[str, np.ndarray] = {}
    status: dict[str, np.ndarray] = {}
    seg_status: dict[str, np.ndarray] = {}
    seg_info: dict[str, tuple[str, str]] = {}
    for i, sp in enumerate(specs):
        for kind in KINDS:
            segs = sp.segments(kind)
            c = col(i, kind)
            if not segs:
                values[c] = np.full(n, np.nan)
                status[c] = np.full(n, UNBOUND, dtype=np.int8)
                continue
            total = np.zeros(n, dtype=np.int64)
            any_missing = np.zeros(n, dtype=bool)
            any_negative = np.zeros(n, dtype=bool)
            for seg in segs:
                a, b = ev(seg.from_event), ev(seg.to_event)
                miss = (a == NAT) | (b == NAT)
                d = np.where(miss, 0, b - a)
                neg = ~miss & (d < 0)
                label = segment_label(sp.name, seg)
                if label in seg_status:  # the same segment bound twice in one stage
                    label = f"{label} ({kind})"
                seg_status[label] = np.where(miss, MISSING, np.where(neg, NEGATIVE, OK)).astype(
                    np.int8)
                seg_info[label] = (sp.name, kind)
                total += d
                any_missing |= miss
                any_negative |= neg
            st = np.where(any_negative, NEGATIVE, np.where(any_missing, MISSING, OK)).astype(
                np.int8)
            v = total.astype(np.float64) / NS_PER_S
            v[st != OK] = np.nan
            values[c] = v
            status[c] = st
    cols = [col(i, k) for i in range(len(specs)) for k in KINDS]
    return StageDurations(
        specs=specs,
        values=pd.DataFrame({c: values[c] for c in cols}, index=pd.RangeIndex(n)),
        status=pd.DataFrame({c: status[c] for c in cols}, index=pd.RangeIndex(n)),
        segment_status=pd.DataFrame(seg_status, index=pd.RangeIndex(n)),
        segment_info=seg_info,
    )


def active_total_s(durations: StageDurations) -> np.ndarray:
    """Σ over stages of the measured active time per change (NaN when no stage is measured).

    Used by flow efficiency; a stage whose active time is not measured adds nothing, so the
    efficiency of changes with partial data is a lower bound (documented in docs/metrics.md).
    """
    act = durations.values[durations.columns("active")]
    return act.sum(axis=1, min_count=1).to_numpy(dtype=np.float64)


def _stats(values: pd.DataFrame, status: pd.DataFrame, keys: np.ndarray | None) -> pd.DataFrame:
    """count/missing/negative/median/p85/mean/sum of every column, overall or by ``keys``.

    Grouped, it makes one pass for the sums and counts and one for both quantiles.
    """
    cols = list(values.columns)
    st = status.to_numpy()
    flags = pd.DataFrame(
        np.concatenate([st == MISSING, st == NEGATIVE, values.notna().to_numpy()], axis=1)
        .astype(np.int64),
        index=values.index,
        columns=[*(f"m:{c}" for c in cols), *(f"n:{c}" for c in cols), *(f"c:{c}" for c in cols)])
    if keys is None:
        q = values.quantile([0.5, 0.85]) if len(values) else pd.DataFrame(
            np.nan, index=[0.5, 0.85], columns=cols)
        sums = values.sum()
        fl = flags.sum()
        count = pd.Series(fl[[f"c:{c}" for c in cols]].to_numpy(), index=cols)
        out = pd.DataFrame({
            "count": count,
            "missing": fl[[f"m:{c}" for c in cols]].to_numpy(),
            "negative": fl[[f"n:{c}" for c in cols]].to_numpy(),
            "median_s": q.loc[0.5],
            "p85_s": q.loc[0.85],
            "mean_s": sums / count.where(count > 0),
            "sum_s": sums,
        })
        out.index.name = "column"
        return out
    if not len(values):
        empty = pd.MultiIndex.from_arrays([[], []], names=["period", "column"])
        return pd.DataFrame({k: pd.Series(dtype=np.float64, index=empty) for k in (
            "count", "missing", "negative", "median_s", "p85_s", "mean_s", "sum_s")})
    both = pd.concat([values, flags], axis=1)
    g = both.groupby(keys, sort=True)
    sums = g.sum()
    q = g[cols].quantile([0.5, 0.85])
    med = q.xs(0.5, level=-1)
    p85 = q.xs(0.85, level=-1)
    count = sums[[f"c:{c}" for c in cols]].set_axis(cols, axis=1)
    parts = {
        "count": count,
        "missing": sums[[f"m:{c}" for c in cols]].set_axis(cols, axis=1),
        "negative": sums[[f"n:{c}" for c in cols]].set_axis(cols, axis=1),
        "median_s": med,
        "p85_s": p85,
        "mean_s": sums[cols] / count.where(count > 0),
        "sum_s": sums[cols],
    }
    out = pd.DataFrame({k: v.stack(future_stack=True) for k, v in parts.items()})
    out.index.names = ["period", "column"]
    return out


def _tidy(stats: pd.DataFrame, specs: list[StageSpec]) -> pd.DataFrame:
    """Split the ``column`` level into ``stage`` and ``kind``."""
    names = {col(i, k): (sp.name, k) for i, sp in enumerate(specs) for k in KINDS}
    frame = stats.reset_index()
    frame["stage"] = frame["column"].map(lambda c: names[c][0])
    frame["kind"] = frame["column"].map(lambda c: names[c][1])
    return frame.drop(columns="column")


def stage_summary(durations: StageDurations, cohort: np.ndarray, flow_time_s: np.ndarray
                  ) -> pd.DataFrame:
    """One row per stage over the cohort (boolean mask of changes).

    Columns: ``stage``, ``bound``, ``{wait,active}_{count,missing,negative,median_s,p85_s,
    mean_s,sum_s}``, ``share``, ``wait_share``, ``active_share``.
    """
    vals = durations.values.loc[cohort]
    stats = _tidy(_stats(vals, durations.status.loc[cohort], None), durations.specs)
    wide = stats.pivot(index="stage", columns="kind")
    wide.columns = [f"{k}_{m}" for m, k in wide.columns]
    order = [sp.name for sp in durations.specs]
    wide = wide.reindex(order)
    shares = _shares(durations, cohort, flow_time_s, None)
    out = wide.join(shares)
    out.insert(0, "bound", [sp.bound for sp in durations.specs])
    out.index.name = "stage"
    return out.reset_index()


def _shares(durations: StageDurations, cohort: np.ndarray, flow_time_s: np.ndarray,
            keys: np.ndarray | None) -> pd.DataFrame:
    """Σ stage time ÷ Σ flow time over the cohort's changes with a flow time."""
    has_flow = cohort & ~np.isnan(flow_time_s)
    v = durations.values.loc[has_flow]
    flow = pd.Series(flow_time_s[has_flow], index=v.index)
    names = [sp.name for sp in durations.specs]
    wait = v[durations.columns("wait")].fillna(0.0)
    active = v[durations.columns("active")].fillna(0.0)
    wait.columns = names
    active.columns = names
    # a share exists only where the stage-kind was measured at least once
    w_meas = pd.DataFrame(v[durations.columns("wait")].notna().to_numpy(), index=v.index,
                          columns=names)
    a_meas = pd.DataFrame(v[durations.columns("active")].notna().to_numpy(), index=v.index,
                          columns=names)
    if keys is None:
        total = float(flow.sum())
        denom = total if total > 0 else np.nan
        frame = pd.DataFrame({
            "wait_share": (wait.sum() / denom).where(w_meas.any()),
            "active_share": (active.sum() / denom).where(a_meas.any()),
        })
    else:
        n = len(names)
        k = keys[has_flow]
        # one grouped pass: flow, waits, actives, and how many of each were measured
        sums = pd.DataFrame(np.concatenate([
            flow.to_numpy()[:, None], wait.to_numpy(), active.to_numpy(),
            w_meas.to_numpy(dtype=np.float64), a_meas.to_numpy(dtype=np.float64)], axis=1),
            index=v.index).groupby(k, sort=True).sum()
        arr = sums.to_numpy()
        total_p = arr[:, 0]
        denom_p = np.where(total_p > 0, total_p, np.nan)[:, None]
        ws = np.where(arr[:, 1 + 2 * n:1 + 3 * n] > 0, arr[:, 1:1 + n] / denom_p, np.nan)
        acts = np.where(arr[:, 1 + 3 * n:] > 0, arr[:, 1 + n:1 + 2 * n] / denom_p, np.nan)
        idx = pd.MultiIndex.from_product([sums.index, names], names=["period", "stage"])
        frame = pd.DataFrame({"wait_share": ws.ravel(), "active_share": acts.ravel()},
                             index=idx)
    frame["share"] = frame["wait_share"].fillna(0.0) + frame["active_share"].fillna(0.0)
    frame.loc[frame["wait_share"].isna() & frame["active_share"].isna(), "share"] = np.nan
    return frame


def stages_by_period(durations: StageDurations, cohort: np.ndarray, period_ns: np.ndarray,
                     flow_time_s: np.ndarray, periods: pd.Index) -> pd.DataFrame:
    """Long frame: one row per period × stage × kind with the statistics and the shares.

    ``period_ns`` holds each change's period start (only read where ``cohort`` is True);
    every period of ``periods`` appears, with count 0 and NaN statistics when empty.
    """
    keys = period_ns[cohort]
    vals = durations.values.loc[cohort]
    stats = _stats(vals, durations.status.loc[cohort], keys)
    full = pd.MultiIndex.from_product([periods, list(durations.values.columns)],
                                      names=["period", "column"])
    stats = stats.reindex(full)
    for c in ("count", "missing", "negative"):
        stats[c] = stats[c].fillna(0).astype(np.int64)
    stats.loc[stats["count"] == 0, "sum_s"] = np.nan
    frame = _tidy(stats, durations.specs)
    shares = _shares(durations, cohort, flow_time_s, np.where(cohort, period_ns, 0))
    shares = shares.reindex(pd.MultiIndex.from_product(
        [periods, [sp.name for sp in durations.specs]], names=["period", "stage"]))
    frame = frame.merge(shares.reset_index(), on=["period", "stage"], how="left")
    return frame[["period", "stage", "kind", "count", "missing", "negative", "median_s",
                  "p85_s", "mean_s", "sum_s", "share", "wait_share", "active_share"]]


def segment_quality(durations: StageDurations, cohort: np.ndarray) -> dict[str, dict[str, Any]]:
    """Per bound segment over the cohort: kind, measured, missing and negative counts."""
    st = durations.segment_status.loc[cohort]
    out: dict[str, dict[str, Any]] = {}
    for label in st.columns:
        s = st[label].to_numpy()
        out[label] = {
            "stage": durations.segment_info[label][0],
            "kind": durations.segment_info[label][1],
            "measured": int((s == OK).sum()),
            "missing": int((s == MISSING).sum()),
            "negative": int((s == NEGATIVE).sum()),
        }
    return out
