"""Cycle-time scatter data and the service level expectation (docs/metrics.md §14).

One point per unit **finished in the window that has a flow time** (the duration cohort: a
unit whose finish is only an upper bound, or whose span is negative, gives no point and is
counted in ``left_out``): x = its finish, y = its flow time, coloured by kind, labelled by its
sha or key. The 50th, 85th and 95th percentile lines are over the same points (linear
interpolation, docs/metrics.md §1).

A **service level expectation** (SLE) is a team's promise such as "85 % within 5 days". The
check counts the points whose flow time is **at most** the duration (``flow_time_s ≤
within_s``: finishing in exactly 5 days is within 5 days); it is met when that share is at
least the promised share. The points beyond it are listed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from vsm_app.domain.durations import CALENDAR_DAY_S, DurationError, format_duration, parse_duration

from ..periods import in_window, iso, ns_to_timestamps
from .units import FlowUnits, percentiles

#: how many of the units beyond the SLE the JSON lists (longest first)
BEYOND_LISTED = 20
_SLE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%?\s*(?:of\s+\w+\s+)?(?:within|in|≤|<=)\s+(.+?)\s*$",
                  re.IGNORECASE)


@dataclass(frozen=True)
class ServiceLevel:
    """"85 % within 5 days": ``share`` 0.85, ``within_s`` 432,000."""

    share: float
    within_s: float

    def __post_init__(self) -> None:
        if not (0.0 < self.share <= 1.0) or not math.isfinite(self.share):
            raise ValueError(f"an SLE share is above 0 and at most 100 %, not {self.share!r}")
        if not (self.within_s > 0) or not math.isfinite(self.within_s):
            raise ValueError("an SLE duration must be more than 0")

    @classmethod
    def parse(cls, text: str) -> ServiceLevel:
        """``85% within 5 days``, ``85 % within 5d``, ``90% in 2 weeks``, ``0.85 within 36h``.

        Durations are calendar time (a day is 24 h), like every measured duration.
        """
        m = _SLE.match(text or "")
        if not m:
            raise ValueError(f"{text!r}: expected a service level such as '85% within 5 days'")
        number = float(m.group(1))
        share = number / 100.0 if "%" in text or number > 1 else number
        try:
            within = parse_duration(m.group(2), CALENDAR_DAY_S)
        except DurationError as e:
            raise ValueError(f"{text!r}: {e}") from None
        return cls(share, within)

    def __str__(self) -> str:
        return f"{self.share * 100:g} % within {format_duration(self.within_s, CALENDAR_DAY_S)}"


@dataclass
class SleCheck:
    """The scatter's points against a service level expectation."""

    sle: ServiceLevel
    units: int
    met: int
    share_met: float | None
    ok: bool | None
    #: the points beyond the SLE (unit_id, label, kind, finished_at, flow_time_s)
    beyond: pd.DataFrame
    sentence: str

    def to_json(self) -> dict[str, Any]:
        return {"share": self.sle.share, "within_s": self.sle.within_s, "units": self.units,
                "met": self.met, "share_met": self.share_met, "ok": self.ok,
                "beyond": int(len(self.beyond)),
                "beyond_longest": self.beyond["label"].head(BEYOND_LISTED).tolist(),
                "sentence": self.sentence}


@dataclass
class CycleTimeScatter:
    """Points, percentile lines and the SLE check of one window."""

    window: tuple[int, int]
    #: one row per point, by finish: unit_id, label, kind, finished_at, flow_time_s
    points: pd.DataFrame
    #: p50, p85, p95 of the points' flow times (seconds; None without points)
    lines: dict[str, float | None]
    #: units finished in the window without a point, by reason
    left_out: dict[str, int] = field(default_factory=dict)
    sle: SleCheck | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "window": {"start": iso(self.window[0]), "end": iso(self.window[1])},
            "points": int(len(self.points)),
            "percentiles_s": dict(self.lines),
            "left_out": dict(self.left_out),
            "sle": self.sle.to_json() if self.sle else None,
        }


def cycle_time_scatter(units: FlowUnits, since: pd.Timestamp | str | None = None,
                       until: pd.Timestamp | str | None = None,
                       sle: ServiceLevel | None = None) -> CycleTimeScatter:
    """The scatter of the units finished in ``[since, until)`` (default: the data's window)."""
    start, end = units.window(since, until)
    finished = in_window(units.finish_ns, start, end)
    ft = units.flow_time_s()
    has = finished & np.isfinite(ft)
    upper = units.upper_bound() & finished
    u = units.units
    rows = np.flatnonzero(has)
    rows = rows[np.argsort(units.finish_ns[rows], kind="stable")]  # by finish, then row
    points = pd.DataFrame({
        "unit_id": u["unit_id"].to_numpy()[rows],
        "label": u["label"].to_numpy()[rows],
        "kind": u["kind"].to_numpy()[rows],
        "finished_at": ns_to_timestamps(units.finish_ns[rows]),
        "flow_time_s": ft[rows],
    })
    left_out = {
        "finish_is_upper_bound": int(upper.sum()),
        "no_flow_time": int((finished & ~np.isfinite(ft) & ~units.upper_bound()).sum()),
    }
    check = sle_check(points, sle, units.noun) if sle is not None else None
    return CycleTimeScatter((start, end), points, percentiles(points["flow_time_s"]), left_out,
                            check)


def sle_check(points: pd.DataFrame, sle: ServiceLevel, noun: str = "units") -> SleCheck:
    """Share of ``points`` (a ``flow_time_s`` column) within the SLE, and the ones beyond."""
    ft = points["flow_time_s"].to_numpy(dtype=np.float64)
    n = len(ft)
    within = ft <= sle.within_s
    met = int(within.sum())
    share = met / n if n else None
    ok = None if share is None else bool(share >= sle.share)
    beyond = points.loc[~within].sort_values("flow_time_s", ascending=False,
                                             kind="stable").reset_index(drop=True)
    took = format_duration(sle.within_s, CALENDAR_DAY_S)
    if share is None:
        sentence = f"No finished {noun} with a flow time to check against {sle}."
    else:
        verdict = "met" if ok else "missed"
        sentence = (f"{share * 100:.0f} % of {n} {noun} finished within {took} "
                    f"(expectation {sle.share * 100:g} %: {verdict}); {n - met} took longer.")
    return SleCheck(sle, n, met, share, ok, beyond, sentence)


__all__ = ["CycleTimeScatter", "ServiceLevel", "SleCheck", "cycle_time_scatter", "sle_check"]
