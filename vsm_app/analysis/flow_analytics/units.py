"""The unit of flow as the look-ahead analytics see it, and where each unit is in the map.

Every function of :mod:`vsm_app.analysis.flow_analytics` takes a :class:`FlowUnits`, never
the changes table: today the units are changes (:func:`change_units`), work items from a
tracker come later in the same shape. A :class:`FlowUnits` holds

``units``
    one row per unit: ``unit_id``, ``label`` (a sha or an item key, never a person),
    ``kind``, ``started_at``, ``finished_at`` (UTC; ``NaT`` while in progress),
    ``flow_time_s`` (finish − start; NaN where the unit gives no duration) and
    ``finish_is_upper_bound`` (the unit is finished, but its finish is only an upper bound:
    a change shipped by the first deployment in the data).
``stages``, ``bound``
    the map's stage names in map order (unique, as :func:`~vsm_app.analysis.stages.stage_specs`
    names them) and whether each stage is bound to data (only a bound stage can be measured).
``stage_time_s``
    ``(units × stages)`` seconds each unit spent in each stage (NaN: not measured).
``occupancy``
    where each unit was while in progress, as disjoint intervals: ``unit`` (row position in
    ``units``), ``stage`` (position in ``stages``; -1 = in progress but in no stage),
    ``entered`` and ``left`` (``int64`` UTC nanoseconds; ``left`` = ``NAT`` while it is still
    there). A unit's intervals are in time order and cover ``[started_at, finished_at)``
    exactly, so at any instant a unit in progress is in exactly one stage (or in none).

Which stage a change is in (docs/metrics.md §14)
------------------------------------------------
At an instant *t*, a binding segment ``(from_event, to_event)`` of a change is **open** when
``from ≤ t`` and the ``to`` event has not happened by *t* (``to > t``, or ``to`` unknown). The
change is in the stage of the open segment that **opened last** (its ``from`` event is the
latest). When open segments opened at the same instant, the one whose opening event comes
later in a change's life wins (the order of DESIGN §3: ``first_commit``, ``last_commit``,
``pr_opened``, ``first_review``, ``approved``, ``merged``, ``ci_queued``, ``ci_started``,
``ci_finished``, ``deploy_started``, ``deployed``; other events after those), then the stage
earlier in map order. With no open segment the change is in no stage (``-1``). A segment
whose ``to`` precedes its ``from`` (clock skew) is never open. So with the software-delivery
template a change is in Coding from its first commit, in Review from ``pr_opened``, in Merge
from ``approved``, in Release from ``merged`` (and in CI while its build run is queued or
running), and it leaves the map at its finish; a commit pushed straight to the branch (first
commit and merge at one instant) is in Release at once. A change is in progress while ``started_at ≤ t < finished_at``, the rule
of the load (docs/metrics.md §5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from vsm_app.domain.tables import EVENTS

from ..periods import NAT, NS_PER_DAY, ns_to_timestamps, timestamp_ns, to_ns
from ..stages import StageSpec, col

#: the name of "in progress but in no stage of the map" (a band of the CFD, a row of aging)
NO_STAGE = "(no stage)"
#: the columns of :attr:`FlowUnits.units`
UNIT_COLUMNS: tuple[str, ...] = ("unit_id", "label", "kind", "started_at", "finished_at",
                                 "flow_time_s", "finish_is_upper_bound")
#: the percentiles every flow-analytics view shows, as fractions and as names
PERCENTILES: tuple[float, ...] = (0.5, 0.85, 0.95)
PERCENTILE_NAMES: tuple[str, ...] = ("p50", "p85", "p95")
#: a label is the first characters of a sha (enough to find it with git)
SHA_LABEL_CHARS = 12

_BIG = int(np.iinfo(np.int64).max)


def percentiles(values: np.ndarray | pd.Series | Sequence[float]) -> dict[str, float | None]:
    """p50, p85 and p95 of the finite values: linear interpolation between order statistics
    (numpy's default, the docs/metrics.md §1 convention); ``None`` when there is none."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if not len(v):
        return dict.fromkeys(PERCENTILE_NAMES)
    q = np.quantile(v, PERCENTILES)
    return {name: float(x) for name, x in zip(PERCENTILE_NAMES, q, strict=True)}


@dataclass
class FlowUnits:
    """Units of flow, their stage times and their stage occupancy (see the module docstring)."""

    units: pd.DataFrame
    stages: list[str]
    bound: list[bool]
    stage_time_s: np.ndarray
    occupancy: pd.DataFrame
    #: what a unit is called in sentences, plural ("changes", "items")
    noun: str = "units"
    #: ``[start, end)`` UTC ns of the data, the default window; None: from the finishes
    extent: tuple[int, int] | None = None
    start_ns: np.ndarray = field(init=False, repr=False)
    finish_ns: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        missing = [c for c in UNIT_COLUMNS if c not in self.units.columns]
        if missing:
            raise ValueError(f"units frame lacks column(s): {', '.join(missing)}")
        n, k = len(self.units), len(self.stages)
        if len(self.bound) != k:
            raise ValueError("bound needs one flag per stage")
        if self.stage_time_s.shape != (n, k):
            raise ValueError(f"stage_time_s must be {n} × {k}, not {self.stage_time_s.shape}")
        for c in ("unit", "stage", "entered", "left"):
            if c not in self.occupancy.columns:
                raise ValueError(f"occupancy lacks column {c!r}")
        self.units = self.units.reset_index(drop=True)
        self.start_ns = to_ns(self.units["started_at"])
        self.finish_ns = to_ns(self.units["finished_at"])

    @property
    def stage_names(self) -> list[str]:
        """Stage names by occupancy code: ``stage_names[code]``, with -1 → :data:`NO_STAGE`."""
        return [*self.stages, NO_STAGE]

    def flow_time_s(self) -> np.ndarray:
        return self.units["flow_time_s"].to_numpy(dtype=np.float64)

    def upper_bound(self) -> np.ndarray:
        return self.units["finish_is_upper_bound"].to_numpy(dtype=bool)

    def in_progress_at(self, t_ns: int) -> np.ndarray:
        """Mask of units in progress at ``t``: ``started_at ≤ t < finished_at`` (the load rule)."""
        s, f = self.start_ns, self.finish_ns
        return (s != NAT) & (s <= t_ns) & ((f == NAT) | (f > t_ns))

    def data_end(self) -> int | None:
        """The UTC midnight after the last known instant of any unit (a start, a stage entry
        or a finish), in ns; None without any. Unlike :attr:`extent` (the delivery data),
        this includes work that started or moved after the last finish."""
        parts = [self.start_ns, self.finish_ns, self.occupancy["entered"].to_numpy(np.int64)]
        t = np.concatenate([p[p != NAT] for p in parts])
        if not len(t):
            return None
        return (int(t.max()) // NS_PER_DAY + 1) * NS_PER_DAY

    def window(self, since: pd.Timestamp | str | None = None,
               until: pd.Timestamp | str | None = None) -> tuple[int, int]:
        """``[since, until)`` in UTC ns; a bound not given comes from :attr:`extent` (else from
        the UTC midnights around the finishes, else around the starts)."""
        lo, hi = timestamp_ns(since), timestamp_ns(until)
        if lo is None or hi is None:
            ext = self.extent or _extent(self.start_ns, self.finish_ns)
            if ext is None:
                raise ValueError(f"no {self.noun} with a time: give the window")
            lo = ext[0] if lo is None else lo
            hi = ext[1] if hi is None else hi
        if hi <= lo:
            raise ValueError("the window is empty: until must be after since")
        return lo, hi


def _extent(start_ns: np.ndarray, finish_ns: np.ndarray) -> tuple[int, int] | None:
    t = finish_ns[finish_ns != NAT]
    if not len(t):
        t = start_ns[start_ns != NAT]
    if not len(t):
        return None
    return (int(t.min()) // NS_PER_DAY * NS_PER_DAY,
            (int(t.max()) // NS_PER_DAY + 1) * NS_PER_DAY)


def occupancy_from_segments(event_times: pd.DataFrame, specs: Sequence[StageSpec],
                            start_ns: np.ndarray, finish_ns: np.ndarray) -> pd.DataFrame:
    """Stage occupancy of units measured by events and bound segments (module docstring).

    ``event_times`` has one ``int64`` ns column per event (``NAT`` = missing), rows aligned
    with ``start_ns``/``finish_ns``; an event no column holds is missing for every unit.
    Vectorised over units: every instant where a segment opens or closes is a breakpoint,
    the stage is decided at each breakpoint at once, and equal neighbours are merged.
    """
    start_ns = np.asarray(start_ns, dtype=np.int64)
    finish_ns = np.asarray(finish_ns, dtype=np.int64)
    n = len(start_ns)
    ok = (start_ns != NAT) & ((finish_ns == NAT) | (finish_ns > start_ns))
    rows = np.flatnonzero(ok)
    s = start_ns[rows]
    f = np.where(finish_ns[rows] == NAT, _BIG, finish_ns[rows])
    none = np.full(n, NAT, dtype=np.int64)

    def ev(name: str) -> np.ndarray:
        return event_times[name].to_numpy(dtype=np.int64) if name in event_times else none

    # each bound event once (NAT → never), then the segments as columns of those
    times: dict[str, np.ndarray] = {}
    seg_stage: list[int] = []
    seg_from: list[str] = []
    froms: list[np.ndarray] = []
    tos: list[np.ndarray] = []
    for i, sp in enumerate(specs):
        for seg in (*sp.wait, *sp.active):
            for name in (seg.from_event, seg.to_event):
                if name not in times:
                    t = ev(name)[rows]
                    times[name] = np.where(t == NAT, _BIG, t)
            seg_stage.append(i)
            seg_from.append(seg.from_event)
            froms.append(times[seg.from_event])
            tos.append(times[seg.to_event])
    if not seg_stage or not len(rows):
        return _occupancy_frame(rows, np.full(len(rows), -1), s, f)
    fr = np.stack(froms, axis=1)
    to = np.stack(tos, axis=1)
    fr = np.where(to < fr, _BIG, fr)  # a negative span is never open
    # segments of each unit ordered by opening instant, latest first, so that the first
    # open one wins; equal instants: the opening event later in a change's life first, then
    # map order (a static column order, kept by the stable sort of the negated instants)
    life = {name: k for k, name in enumerate(EVENTS)}
    later_first = np.array([-life.get(e, len(EVENTS)) for e in seg_from], dtype=np.int64)
    tie = np.lexsort((np.arange(len(seg_stage)), later_first))
    fr, to = fr[:, tie], to[:, tie]
    order = np.argsort(-fr, axis=1, kind="stable")
    fr_o = np.take_along_axis(fr, order, axis=1)
    to_o = np.take_along_axis(to, order, axis=1)
    stage_o = np.asarray(seg_stage, dtype=np.int64)[tie][order]
    # the stage can change only where an event happens (or the unit starts or finishes)
    bp = np.sort(np.stack([*times.values(), s, f], axis=1), axis=1)
    is_open = (fr_o[:, None, :] <= bp[:, :, None]) & (bp[:, :, None] < to_o[:, None, :])
    first = is_open.argmax(axis=2)
    stage = np.where(is_open.any(axis=2), stage_o[np.arange(len(rows))[:, None], first], -1)
    nxt = np.empty_like(bp)
    nxt[:, :-1] = bp[:, 1:]
    nxt[:, -1] = _BIG
    keep = (bp >= s[:, None]) & (bp < f[:, None]) & (nxt > bp)
    unit = np.repeat(rows, keep.sum(axis=1))
    return _merged(unit, stage[keep], bp[keep], nxt[keep])


def _merged(unit: np.ndarray, stage: np.ndarray, entered: np.ndarray, left: np.ndarray
            ) -> pd.DataFrame:
    """Join back-to-back intervals of one unit in one stage (rows in unit, time order)."""
    if not len(unit):
        return _occupancy_frame(unit, stage, entered, left)
    new_run = np.r_[True, (unit[1:] != unit[:-1]) | (stage[1:] != stage[:-1])]
    first = np.flatnonzero(new_run)
    last = np.r_[first[1:] - 1, len(unit) - 1]
    return _occupancy_frame(unit[first], stage[first], entered[first], left[last])


def _occupancy_frame(unit: np.ndarray, stage: np.ndarray, entered: np.ndarray,
                     left: np.ndarray) -> pd.DataFrame:
    left = np.asarray(left, dtype=np.int64)
    return pd.DataFrame({
        "unit": np.asarray(unit, dtype=np.int64),
        "stage": np.asarray(stage, dtype=np.int64),
        "entered": np.asarray(entered, dtype=np.int64),
        "left": np.where(left == _BIG, NAT, left),
    })


def stage_time_from_durations(values: pd.DataFrame, specs: Sequence[StageSpec]) -> np.ndarray:
    """Seconds in each stage per unit: the stage's wait + active time, each bound kind
    measured (the stage-interval rule of docs/metrics.md §4); NaN otherwise or when unbound.
    """
    n = len(values)
    out = np.full((n, len(specs)), np.nan)
    for i, sp in enumerate(specs):
        if not sp.bound:
            continue
        total = np.zeros(n)
        for kind in ("wait", "active"):
            if sp.segments(kind):
                total = total + values[col(i, kind)].to_numpy(dtype=np.float64)
        out[:, i] = total
    return out


def stage_stays(units: FlowUnits) -> np.ndarray:
    """``(units × stages)`` seconds each unit stayed in each stage: from its **first entry**
    to the moment it **last left** (the occupancy stays; a unit that went Release → CI →
    Release stayed in Release from its merge to its finish), NaN where it never entered the
    stage or is still there. This is the history aging compares an open unit's age in stage
    with (docs/metrics.md §14): a stay is known from the two instants it is entered and left,
    so it is measured even where §4's wait is not (a tag-only repository's Release: no deploy
    start closes its wait, but merged → deployed is a stay)."""
    n, k = len(units.units), len(units.stages)
    out = np.full((n, k), np.nan)
    occ = units.occupancy
    st = occ["stage"].to_numpy(dtype=np.int64)
    left = occ["left"].to_numpy(dtype=np.int64)
    keep = st >= 0
    if not keep.any():
        return out
    u = occ["unit"].to_numpy(dtype=np.int64)[keep]
    st = st[keep]
    entered = occ["entered"].to_numpy(dtype=np.int64)[keep]
    left = left[keep]
    key = u * k + st
    frame = pd.DataFrame({"key": key, "entered": entered,
                          "left": np.where(left == NAT, _BIG, left)})
    g = frame.groupby("key", sort=False)
    first, last = g["entered"].min(), g["left"].max()
    keys = first.index.to_numpy(dtype=np.int64)
    lo, hi = first.to_numpy(dtype=np.int64), last.to_numpy(dtype=np.int64)
    done = hi != _BIG
    out[keys[done] // k, keys[done] % k] = (hi[done] - lo[done]) / 1e9
    return out


def change_units(prepared: Any, changes: pd.DataFrame | None = None) -> FlowUnits:
    """The changes of an analysis as units of flow.

    ``prepared`` is :class:`vsm_app.analysis.engine.Prepared`; ``changes`` the canonical
    changes table it was prepared from (for the labels: the first characters of
    ``merge_sha``; without it, of ``change_id``). Start = ``first_commit_at``, finish =
    the engine's finish (``deployed_at`` with deployment data, else ``merged_at``), flow time
    as the engine measures it (none for a change shipped by the first deployment: its finish
    is an upper bound; none for a negative span). The default window is the engine's.
    """
    pc = prepared.changes
    n = len(pc)
    ids = pc["change_id"].astype("string")
    if changes is not None and "merge_sha" in changes and len(changes) == n:
        sha = changes["merge_sha"].astype("string").reset_index(drop=True)
        label_src = sha.fillna(ids.reset_index(drop=True))
    else:
        label_src = ids.reset_index(drop=True)
    labels = label_src.str.slice(0, SHA_LABEL_CHARS)
    start = pc["start"].to_numpy(dtype=np.int64)
    finish = pc["finish"].to_numpy(dtype=np.int64)
    upper = (pc["first_deployment"].to_numpy(dtype=bool)
             & pc["finish_from_deployment"].to_numpy(dtype=bool))
    units = pd.DataFrame({
        "unit_id": ids.to_numpy(),
        "label": labels.to_numpy(),
        "kind": pc["kind"].astype("string").fillna("unknown").to_numpy(),
        "started_at": ns_to_timestamps(start),
        "finished_at": ns_to_timestamps(finish),
        "flow_time_s": pc["flow_time_s"].to_numpy(dtype=np.float64),
        "finish_is_upper_bound": upper,
    })
    specs = prepared.specs
    events = getattr(prepared, "event_times", None)
    if events is None or (len(events.columns) == 0 and n):
        raise ValueError("the prepared analysis holds no event times (prepare() fills them)")
    return FlowUnits(
        units=units,
        stages=[sp.name for sp in specs],
        bound=[sp.bound for sp in specs],
        stage_time_s=stage_time_from_durations(prepared.durations.values, specs),
        occupancy=occupancy_from_segments(events, specs, start, finish),
        noun="changes",
        extent=prepared.extent,
    )


__all__ = [
    "NO_STAGE", "PERCENTILES", "PERCENTILE_NAMES", "UNIT_COLUMNS", "FlowUnits", "change_units",
    "occupancy_from_segments", "percentiles", "stage_stays", "stage_time_from_durations",
]
