"""Aging work in progress: what is open now, where it is, and how old it is (docs/metrics.md §14).

* **Now** defaults to ``until`` when it is given, else to the UTC midnight after the last
  known instant of any unit (a start, a stage entry or a finish; the window's end if that is
  later): the end of the data, including work that started after the last finish.
* **In progress at now**: ``started_at ≤ now < finished_at`` (never finished → open), the
  load rule.
* **Stage**: the stage the unit is in at *now* (:mod:`.units` says how it is decided);
  ``(no stage)`` when no binding segment is open.
* **Age** = now − ``started_at``. **Age in stage** = now − the unit's *first* entry into its
  current stage (a change that went Release → CI → Release has been in Release since its
  merge), so it compares with the stage times of finished units, which also run from the
  stage's first event.
* **Against history**: the p50/p85/p95 of overall flow time, and of each stage's **stay**
  (first entry → last exit, :func:`.units.stage_stays`; not §4's wait + active, which a
  tag-only repository's Release never closes), over the units **finished in the window with
  a flow time** (the duration cohort) that entered that stage. Each open unit
  gets the band its age falls in (``<p50``, ``p50–p85``, ``p85–p95``, ``>p95``; an age equal
  to a line is below it) overall and in its stage.
* **Past the SLE**: age > the SLE's duration (it can no longer finish within it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..engine import jsonable
from ..periods import NAT, NS_PER_S, in_window, iso, ns_to_timestamps, timestamp_ns
from .scatter import ServiceLevel
from .units import NO_STAGE, PERCENTILE_NAMES, FlowUnits, percentiles, stage_stays

BANDS: tuple[str, ...] = ("<p50", "p50–p85", "p85–p95", ">p95")


def age_band(age_s: np.ndarray, lines: Mapping[str, float | None]) -> np.ndarray:
    """The band of each age against p50/p85/p95 (object array; None when no lines)."""
    age_s = np.asarray(age_s, dtype=np.float64)
    if any(lines.get(k) is None for k in PERCENTILE_NAMES):
        return np.full(len(age_s), None, dtype=object)
    edges = np.array([lines[k] for k in PERCENTILE_NAMES], dtype=np.float64)
    idx = np.searchsorted(edges, age_s, side="left")
    return np.asarray(BANDS, dtype=object)[idx]


@dataclass
class AgingWip:
    """The units in progress at ``now`` with their ages, per stage, against history."""

    now: int
    window: tuple[int, int]
    #: one row per open unit, in map order then oldest first: unit_id, label, kind,
    #: started_at, stage, stage_entered_at, age_s, stage_age_s, age_band, stage_age_band,
    #: past_sle
    units: pd.DataFrame
    #: one row per stage (map order, then (no stage) when it holds units): stage, wip,
    #: wip_limit, over_limit, n (finished units with that stage measured), p50_s, p85_s,
    #: p95_s, past_p85 (open units older in the stage than its p85)
    stages: pd.DataFrame
    #: overall flow time of the finished units: n and p50/p85/p95 (seconds)
    flow_time: dict[str, Any] = field(default_factory=dict)
    sle: ServiceLevel | None = None

    def to_json(self) -> dict[str, Any]:
        return jsonable({
            "now": iso(self.now),
            "window": {"start": iso(self.window[0]), "end": iso(self.window[1])},
            "in_progress": int(len(self.units)),
            "past_sle": int(self.units["past_sle"].sum()) if self.sle else None,
            "flow_time": dict(self.flow_time),
            "stages": self.stages.to_dict("records"),
        })


def aging_wip(units: FlowUnits, now: pd.Timestamp | str | None = None,
              since: pd.Timestamp | str | None = None, until: pd.Timestamp | str | None = None,
              sle: ServiceLevel | None = None,
              wip_limits: Mapping[str, int] | None = None) -> AgingWip:
    """Aging work in progress at ``now`` (default: ``until``, else the end of the data; see
    the module docstring), against the units finished in ``[since, until)`` (default: the
    data's window)."""
    start, end = units.window(since, until)
    t = timestamp_ns(now)
    if t is None:
        last = units.data_end() if until is None else None
        t = end if last is None else max(end, last)
    open_ = np.flatnonzero(units.in_progress_at(t))

    # the stage each open unit is in at t, and when it first entered that stage
    occ = units.occupancy
    o_unit = occ["unit"].to_numpy(dtype=np.int64)
    o_stage = occ["stage"].to_numpy(dtype=np.int64)
    o_in = occ["entered"].to_numpy(dtype=np.int64)
    o_left = occ["left"].to_numpy(dtype=np.int64)
    is_open = np.zeros(len(units.units), dtype=bool)
    is_open[open_] = True
    mine = is_open[o_unit]
    here = mine & (o_in <= t) & ((o_left == NAT) | (o_left > t))
    stage_of = np.full(len(units.units), -1, dtype=np.int64)
    stage_of[o_unit[here]] = o_stage[here]
    same = mine & (o_stage == stage_of[o_unit]) & (o_in <= t)
    first_in = pd.Series(o_in[same]).groupby(o_unit[same]).min()
    entered = np.full(len(units.units), NAT, dtype=np.int64)
    entered[first_in.index.to_numpy(dtype=np.int64)] = first_in.to_numpy(dtype=np.int64)
    entered[open_] = np.where(entered[open_] == NAT, units.start_ns[open_], entered[open_])

    # history: units finished in the window with a flow time
    ft = units.flow_time_s()
    cohort = in_window(units.finish_ns, start, end) & np.isfinite(ft)
    overall = percentiles(ft[cohort])
    names = units.stage_names
    stays = stage_stays(units)
    st_lines = [percentiles(stays[cohort, i]) for i in range(len(units.stages))]
    st_lines.append(dict.fromkeys(PERCENTILE_NAMES))  # (no stage): no history

    age = (t - units.start_ns[open_]) / NS_PER_S
    st_age = (t - entered[open_]) / NS_PER_S
    codes = stage_of[open_]
    stage_band = np.full(len(open_), None, dtype=object)
    for code in np.unique(codes):
        rows = codes == code
        stage_band[rows] = age_band(st_age[rows], st_lines[code])
    u = units.units
    frame = pd.DataFrame({
        "unit_id": u["unit_id"].to_numpy()[open_],
        "label": u["label"].to_numpy()[open_],
        "kind": u["kind"].to_numpy()[open_],
        "started_at": ns_to_timestamps(units.start_ns[open_]),
        "stage": np.asarray(names, dtype=object)[codes],
        "stage_entered_at": ns_to_timestamps(entered[open_]),
        "age_s": age,
        "stage_age_s": st_age,
        "age_band": age_band(age, overall),
        "stage_age_band": stage_band,
        "past_sle": age > sle.within_s if sle is not None else np.zeros(len(open_), bool),
        "_order": np.where(codes < 0, len(units.stages), codes),
    })
    frame = frame.sort_values(["_order", "age_s"], ascending=[True, False], kind="stable") \
        .drop(columns="_order").reset_index(drop=True)

    limits = dict(wip_limits or {})
    rows_out: list[dict[str, Any]] = []
    for code, name in [*enumerate(units.stages), (-1, NO_STAGE)]:
        here_s = codes == code
        wip = int(here_s.sum())
        if code < 0 and not wip:
            continue
        lines = st_lines[code]
        limit = limits.get(name)
        p85 = lines["p85"]
        rows_out.append({
            "stage": name,
            "wip": wip,
            "wip_limit": limit,
            "over_limit": bool(limit is not None and wip > limit),
            "n": int(np.isfinite(stays[cohort, code]).sum()) if code >= 0 else 0,
            "p50_s": lines["p50"], "p85_s": p85, "p95_s": lines["p95"],
            "past_p85": int((st_age[here_s] > p85).sum()) if p85 is not None else 0,
        })
    stages = pd.DataFrame(rows_out, columns=["stage", "wip", "wip_limit", "over_limit", "n",
                                             "p50_s", "p85_s", "p95_s", "past_p85"])
    stages["wip_limit"] = stages["wip_limit"].astype("Int64")  # no limit: <NA>, not NaN
    flow = {"n": int(cohort.sum()), **{f"{k}_s": v for k, v in overall.items()}}
    return AgingWip(t, (start, end), frame, stages, flow, sle)


__all__ = ["BANDS", "AgingWip", "age_band", "aging_wip"]
