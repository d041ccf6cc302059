"""Flow Framework metrics (DESIGN §5): flow time, velocity, load, efficiency, distribution.

* **finish** of a change = ``deployed_at`` when the change's repository has deployment data
  (any of its changes has ``deployed_at``), else ``merged_at``. A change of a repository
  with deployment data that no deployment has shipped yet is unfinished (in progress).
* **flow time** = finish − ``first_commit_at``. Left out (NaN): changes shipped by the first
  deployment in the data (their finish is only an upper bound), negative spans (counted).
* **velocity** = changes finished in the period; per week = count ÷ (days of the period in
  the window ÷ 7).
* **load** = changes started and not finished, sampled at the **end of each UTC day**
  (24:00, i.e. the next midnight): a change is open at instant *t* when
  ``first_commit_at ≤ t < finish`` (never finished → open). Load of a period = mean of its
  daily samples.
* **efficiency** = Σ active ÷ Σ flow time over the changes finished in the period that have
  both (active = the sum of the map's measured active segments).
* **distribution** = share of the changes finished in the period per ``kind``.
* **Little's law**: mean load ≈ λ × W with λ = finished changes per day and W = mean flow
  time in days, both over the window; the gap is reported, not hidden.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from vsm_app.domain.finish import finish_times
from vsm_app.domain.kinds import KINDS as CHANGE_KINDS

from .periods import DAY_S, NAT, NS_PER_DAY, ns_to_timestamps, span_s


def flow_times(start_ns: np.ndarray, finish_ns: np.ndarray, excluded: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """Flow time (s) per change and the mask of negative spans (excluded and counted)."""
    ft = span_s(finish_ns, start_ns)
    negative = ft < 0
    ft[negative | excluded] = np.nan
    return ft, negative


def day_ends(start_ns: int, end_ns: int) -> np.ndarray:
    """Sampling instants of the load: every UTC midnight ``m`` with ``start < m ≤ end``.

    The sample at ``m`` is the load "at the end of" the day that ends at ``m``.
    """
    first = (start_ns // NS_PER_DAY + 1) * NS_PER_DAY
    if first > end_ns:
        return np.empty(0, dtype=np.int64)
    return np.arange(first, end_ns + 1, NS_PER_DAY, dtype=np.int64)


def wip_at(start_ns: np.ndarray, finish_ns: np.ndarray, instants: np.ndarray) -> np.ndarray:
    """Number of changes open (``start ≤ t < finish``) at each instant; O((n + k) log n).

    Changes without a start, or finishing before they start, are not counted.
    """
    ok = (start_ns != NAT) & ((finish_ns == NAT) | (finish_ns >= start_ns))
    starts = np.sort(start_ns[ok])
    fin = finish_ns[ok]
    fins = np.sort(fin[fin != NAT])
    started = np.searchsorted(starts, instants, side="right")
    finished = np.searchsorted(fins, instants, side="right")
    return (started - finished).astype(np.int64)


def wip_daily(start_ns: np.ndarray, finish_ns: np.ndarray, window_start: int,
              window_end: int) -> pd.Series:
    """Daily load series: indexed by the UTC day (its midnight start), value = open changes at
    the end of that day."""
    ends = day_ends(window_start, window_end)
    counts = wip_at(start_ns, finish_ns, ends)
    return pd.Series(counts, index=ns_to_timestamps(ends - NS_PER_DAY), name="load")


def flow_by_period(cohort: np.ndarray, period_ns: np.ndarray, flow_time_s: np.ndarray,
                   active_s: np.ndarray, kind: pd.Series, periods: pd.DataFrame,
                   wip: pd.Series, wip_period_ns: np.ndarray) -> pd.DataFrame:
    """Per-period flow metrics, one row per period of ``periods`` (empty periods included).

    Columns: ``velocity``, ``velocity_per_week``, ``flow_time_median_s``, ``flow_time_p85_s``,
    ``flow_time_mean_s``, ``flow_time_n``, ``load_mean``, ``efficiency``, ``efficiency_n``,
    and ``share_<kind>`` for each kind seen plus the four Flow Framework kinds.
    """
    idx = periods.index
    keys = period_ns[cohort]
    ft = flow_time_s[cohort]
    act = active_s[cohort]
    has_ft = ~np.isnan(ft)
    both = has_ft & ~np.isnan(act)
    # one grouped pass for every sum and count, one for both quantiles
    sums = pd.DataFrame({
        "velocity": np.ones(len(keys), dtype=np.int64),
        "ft_n": has_ft.astype(np.int64),
        "ft_sum": np.where(has_ft, ft, 0.0),
        "eff_n": both.astype(np.int64),
        "act_sum": np.where(both, act, 0.0),
        "flow_sum": np.where(both, ft, 0.0),
    }).groupby(keys, sort=True).sum().reindex(idx, fill_value=0)
    q = pd.Series(ft).groupby(keys, sort=True).quantile([0.5, 0.85]).unstack() \
        if len(keys) else pd.DataFrame(columns=[0.5, 0.85])
    q = q.reindex(idx)
    velocity = sums["velocity"]
    weeks = periods["days"] / 7.0
    ft_n = sums["ft_n"]
    eff = sums["act_sum"] / sums["flow_sum"].where((sums["flow_sum"] > 0) & (sums["eff_n"] > 0))
    out = pd.DataFrame({
        "velocity": velocity.astype(np.int64),
        "velocity_per_week": velocity / weeks.where(weeks > 0),
        "flow_time_median_s": q[0.5].astype(np.float64),
        "flow_time_p85_s": q[0.85].astype(np.float64),
        "flow_time_mean_s": sums["ft_sum"] / ft_n.where(ft_n > 0),
        "flow_time_n": ft_n.astype(np.int64),
        "load_mean": wip.groupby(wip_period_ns).mean().reindex(idx) if len(wip) else np.nan,
        "efficiency": eff,
        "efficiency_n": sums["eff_n"].astype(np.int64),
    }, index=idx)
    kinds = kind[cohort].fillna("unknown").astype(str).to_numpy()
    dist = (pd.Series(1, index=range(len(keys))).groupby([keys, kinds]).sum().unstack(
        fill_value=0) if len(keys) else pd.DataFrame(index=idx))
    dist = dist.reindex(idx, fill_value=0)
    for k in [*CHANGE_KINDS, *sorted(c for c in dist.columns if c not in CHANGE_KINDS)]:
        counts = dist[k] if k in dist else pd.Series(0, index=idx)
        out[f"share_{k}"] = counts / velocity.where(velocity > 0)
    return out


def distribution(kind: pd.Series) -> dict[str, float]:
    """Share of changes per kind: the four Flow Framework kinds always, others when seen."""
    k = kind.fillna("unknown").astype(str)
    n = len(k)
    counts = k.value_counts()
    keys = [*CHANGE_KINDS, *sorted(c for c in counts.index if c not in CHANGE_KINDS)]
    return {key: float(counts.get(key, 0)) / n for key in keys}


def littles_law(load_mean: float | None, finished: int, window_days: float,
                flow_time_mean_s: float | None) -> dict[str, Any]:
    """Mean load vs λ × W in the same unit (changes), λ per day and W in days."""
    if load_mean is None or flow_time_mean_s is None or window_days <= 0:
        return {"load_mean": load_mean, "velocity_per_day": None,
                "flow_time_mean_days": None, "predicted_load": None, "gap": None,
                "gap_ratio": None}
    lam = finished / window_days
    w = flow_time_mean_s / DAY_S
    predicted = lam * w
    gap = load_mean - predicted
    return {
        "load_mean": load_mean,
        "velocity_per_day": lam,
        "flow_time_mean_days": w,
        "predicted_load": predicted,
        "gap": gap,
        "gap_ratio": gap / load_mean if load_mean > 0 else None,
    }


__all__ = [
    "day_ends", "distribution", "finish_times", "flow_by_period", "flow_times",
    "littles_law", "wip_at", "wip_daily",
]
