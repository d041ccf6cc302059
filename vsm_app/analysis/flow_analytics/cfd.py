"""Cumulative flow diagram by map stage (docs/metrics.md §14).

* **Samples**: the end of each UTC day of the window (every midnight *m* with
  ``start < m ≤ end``), the sampling of the load (docs/metrics.md §5). Row *d* of every frame
  is the day that *starts* at midnight *d* and is sampled at its end.
* **Band of a stage** on a day = the units in that stage at the sample (:mod:`.units`: the
  stage of the open segment that opened last), in map order; ``(no stage)`` only when some
  unit in progress was in no stage. The stage bands add up to the load (units in progress).
* **Done** = units finished from the window's start up to the sample (inclusive: a unit that
  finishes at the sampling instant is no longer in progress). Stacked under the stage bands,
  its top is the cumulative **departures** line; the top of the last band is the cumulative
  **arrivals** line (= Done + in progress).
* **Rates** over the window: arrival rate = units started in the window ÷ days, departure
  rate = units finished in the window ÷ days (the engine's velocity per day). The rate lines
  are straight lines from the window's start: departures from 0, arrivals from the load at
  the start.
* **Read from the diagram**: average WIP = mean vertical distance between the arrivals and
  departures curves (= the engine's ``load_mean``); approximate average cycle time = average
  WIP ÷ departure rate (Little's law; over a long, stable window it equals the mean
  horizontal distance between the curves). Compared with the engine's mean flow time W,
  the difference is the Little's-law gap ÷ departure rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..flow import day_ends, wip_at
from ..periods import NAT, NS_PER_DAY, in_window, iso, ns_to_timestamps
from .units import NO_STAGE, FlowUnits

DONE = "Done"


@dataclass
class CumulativeFlow:
    """Daily stage bands, cumulative lines and the figures read from them."""

    window: tuple[int, int]
    #: index: the UTC day (its midnight), sampled at its end; columns: the stages in map
    #: order, (no stage) when any unit was in none, then Done
    bands: pd.DataFrame
    #: cumulative arrivals since the window's start (= Done + in progress), per day
    arrivals: pd.Series
    #: units in progress at each sample (= Σ stage bands)
    wip: pd.Series
    wip_at_start: int
    started: int
    finished: int
    arrival_rate_per_day: float | None
    departure_rate_per_day: float | None
    wip_mean: float | None
    cycle_time_days: float | None

    @property
    def days(self) -> int:
        return int(len(self.bands))

    @property
    def stage_columns(self) -> list[str]:
        return [c for c in self.bands.columns if c != DONE]

    def rate_lines(self) -> pd.DataFrame:
        """The straight arrival and departure rate lines at each sample."""
        ends = (self.bands.index.as_unit("ns").asi8 + NS_PER_DAY - self.window[0]) / NS_PER_DAY
        ar = self.arrival_rate_per_day or 0.0
        dr = self.departure_rate_per_day or 0.0
        return pd.DataFrame({"arrivals": self.wip_at_start + ar * ends,
                             "departures": dr * ends}, index=self.bands.index)

    def to_json(self) -> dict[str, Any]:
        return {
            "window": {"start": iso(self.window[0]), "end": iso(self.window[1])},
            "days": self.days,
            "stages": self.stage_columns,
            "started": self.started,
            "finished": self.finished,
            "arrival_rate_per_day": self.arrival_rate_per_day,
            "departure_rate_per_day": self.departure_rate_per_day,
            "wip_mean": self.wip_mean,
            "cycle_time_days": self.cycle_time_days,
        }


def stage_counts(units: FlowUnits, instants: np.ndarray) -> pd.DataFrame:
    """Units in each stage at each instant (columns: stages, then (no stage)); O(n log n)."""
    occ = units.occupancy
    stage = occ["stage"].to_numpy(dtype=np.int64)
    entered = occ["entered"].to_numpy(dtype=np.int64)
    left = occ["left"].to_numpy(dtype=np.int64)
    out: dict[str, np.ndarray] = {}
    for code, name in [*enumerate(units.stages), (-1, NO_STAGE)]:
        mine = stage == code
        e = np.sort(entered[mine])
        lf = left[mine]
        lf = np.sort(lf[lf != NAT])
        out[name] = (np.searchsorted(e, instants, side="right")
                     - np.searchsorted(lf, instants, side="right")).astype(np.int64)
    return pd.DataFrame(out)


def cumulative_flow(units: FlowUnits, since: pd.Timestamp | str | None = None,
                    until: pd.Timestamp | str | None = None) -> CumulativeFlow:
    """The CFD of ``[since, until)`` (default: the data's window)."""
    start, end = units.window(since, until)
    ends = day_ends(start, end)
    days = ns_to_timestamps(ends - NS_PER_DAY)
    counts = stage_counts(units, ends)
    if not counts[NO_STAGE].any():
        counts = counts.drop(columns=NO_STAGE)
    fin = units.finish_ns
    fin_sorted = np.sort(fin[fin != NAT])
    before = np.searchsorted(fin_sorted, start, side="left")
    done = np.searchsorted(fin_sorted, ends, side="right") - before
    bands = counts.assign(**{DONE: done.astype(np.int64)}).set_axis(days)
    wip = pd.Series(counts.sum(axis=1).to_numpy(dtype=np.int64), index=days, name="wip")
    arrivals = pd.Series(done + wip.to_numpy(), index=days, name="arrivals")
    n_days = (end - start) / NS_PER_DAY
    valid = (units.start_ns != NAT) & ((fin == NAT) | (fin > units.start_ns))
    started = int((in_window(units.start_ns, start, end) & valid).sum())
    finished = int(in_window(fin, start, end).sum())
    arrival = started / n_days if len(units.units) else None
    departure = finished / n_days if len(units.units) else None
    wip_mean = float(wip.mean()) if len(wip) and len(units.units) else None
    cycle = wip_mean / departure if wip_mean is not None and departure else None
    w0 = int(wip_at(units.start_ns, fin, np.array([start], dtype=np.int64))[0])
    return CumulativeFlow((start, end), bands, arrivals, wip, w0, started, finished, arrival,
                          departure, wip_mean, cycle)


__all__ = ["DONE", "CumulativeFlow", "cumulative_flow", "stage_counts"]
