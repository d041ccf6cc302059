"""WIP limits: measured daily WIP of each stage against the limit set in the workshop
(docs/metrics.md §14).

* A stage's **limit** is ``Stage.wip_limit`` (a whole number ≥ 1, or none).
* Its **daily WIP** is its band of the cumulative flow diagram: the units in the stage at the
  end of each UTC day of the window.
* A day is a **breach** when the WIP is *above* the limit (``wip > limit``: holding exactly
  the limit is within it). **Days measured** = the window's daily samples; a stage bound to
  no data is not measured (its check says so instead of reporting 0 breaches), nor is one
  that no unit in the data ever entered (its events are missing, e.g. Review on a git-only
  repository): :func:`measured_stages` gives the ``bound`` mapping that says so.
* The sentence links the breaches to the constraint: "Review exceeded its limit of 4 on 38
  of 60 days; it is the constraint (28 % of flow time is spent waiting there)."
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..stages import stage_specs
from .cfd import CumulativeFlow


@dataclass
class WipLimitCheck:
    """One stage's measured daily WIP against its limit."""

    stage: str
    limit: int
    measured: bool
    days_measured: int
    days_over: int
    max_wip: int | None
    mean_wip: float | None
    is_constraint: bool
    #: the days (UTC midnight of the day) whose end-of-day WIP was above the limit
    breach_days: pd.DatetimeIndex
    sentence: str

    def to_json(self) -> dict[str, Any]:
        return {"stage": self.stage, "limit": self.limit, "measured": self.measured,
                "days_measured": self.days_measured, "days_over": self.days_over,
                "max_wip": self.max_wip, "mean_wip": self.mean_wip,
                "is_constraint": self.is_constraint, "sentence": self.sentence}


def wip_limits_of(vsm_map: Any) -> dict[str, int]:
    """``{stage name: limit}`` of a map's stages that have one, by the unique names the
    analysis gives stages (``Review``, ``Review (2)``)."""
    if vsm_map is None:
        return {}
    names = [sp.name for sp in stage_specs(vsm_map)]
    return {name: int(s.wip_limit) for name, s in zip(names, vsm_map.stages, strict=True)
            if getattr(s, "wip_limit", None) is not None}


def measured_stages(units: Any) -> dict[str, bool]:
    """Stage name → whether its WIP is measured: the stage is bound to data **and** some unit
    of ``units`` (a :class:`~.units.FlowUnits`) was ever in it. A stage whose events are
    missing from the data (no pull requests read: Review) would otherwise read as "0 every
    day, within its limit"."""
    seen = set(units.occupancy["stage"].unique().tolist())
    return {name: bool(b) and i in seen
            for i, (name, b) in enumerate(zip(units.stages, units.bound, strict=True))}


def _pct(x: float) -> str:
    return f"{x * 100:.0f} %"


def check_wip_limits(cfd: CumulativeFlow, limits: Mapping[str, int],
                     bound: Mapping[str, bool] | None = None, constraint: str | None = None,
                     constraint_wait_share: float | None = None) -> list[WipLimitCheck]:
    """Check every stage of ``limits`` (in the CFD's stage order, then any other) against its
    daily WIP. ``bound`` says which stages are measured (default: every stage of the CFD);
    ``constraint`` (and its wait share) is the analysis's constraint, for the sentence."""
    order = [s for s in cfd.stage_columns if s in limits] + \
        [s for s in limits if s not in cfd.stage_columns]
    out: list[WipLimitCheck] = []
    for name in order:
        limit = int(limits[name])
        measured = name in cfd.bands.columns and (bound is None or bool(bound.get(name)))
        is_c = constraint is not None and name == constraint
        link = ""
        if is_c:
            link = "; it is the constraint" + (
                f" ({_pct(constraint_wait_share)} of flow time is spent waiting there)"
                if constraint_wait_share is not None else "")
        if not measured or not cfd.days:
            why = ("no day in the window" if measured else
                   "it is not bound to data, or no unit in the data ever entered it, so "
                   "its WIP is not measured")
            out.append(WipLimitCheck(name, limit, False, 0, 0, None, None, is_c,
                                     pd.DatetimeIndex([], tz="UTC"),
                                     f"{name} has a WIP limit of {limit} but {why}{link}."))
            continue
        wip = cfd.bands[name]
        over = wip > limit
        n_over, n_days = int(over.sum()), int(len(wip))
        if n_over:
            text = f"{name} exceeded its limit of {limit} on {n_over} of {n_days} days"
        else:
            text = f"{name} stayed within its limit of {limit} on all {n_days} days"
        out.append(WipLimitCheck(name, limit, True, n_days, n_over, int(wip.max()),
                                 float(wip.mean()), is_c, wip.index[over.to_numpy()],
                                 text + link + "."))
    return out


__all__ = ["WipLimitCheck", "check_wip_limits", "measured_stages", "wip_limits_of"]
