"""Monte Carlo forecasts from daily throughput (docs/metrics.md §14).

**Sample.** Daily throughput = units finished on each UTC day of the sample, days with none
included (a zero is a real day). By default the sample is the 90 days that end with the day
of the last finish (that day included); ``since`` moves its first day. It never starts before
the first finish in the data (days before it are unknown, not zero): a ``since`` earlier than
that is moved to it, with a warning. A unit whose finish is only an upper bound (a change
shipped by the first deployment in the data: the day it was really done is unknown) is left
out of the counts and counted in ``left_out_upper_bound``.

**Trials.** Forecasting starts the day after the sample ends. Each trial draws every future
day's throughput from the sample's days, uniformly with replacement (numpy ``Generator``,
seeded: the same data, question, trials and seed give the same answer).

* "**When** will N be done": per trial, the first day on which the running total reaches N.
  Drawn as a ``trials × days`` matrix and cumulated (``cumsum``), in blocks of days for the
  trials not yet done, never a Python loop per trial or per day; a trial not done within
  ten years is "not done". The answer for 85 % is the **earliest date by the end of which N
  are done in at least 85 % of trials** (the ⌈0.85 × trials⌉-th smallest completion day).
* "**How many** by DATE" (DATE included: its whole day counts): the number done over the D
  days from the day after the sample through DATE: per trial the sum of D draws, from a
  ``trials × D`` matrix of draws. When the sample holds few distinct daily values (work
  finished in batches) and D is long, the same sum is drawn more cheaply as Σ value × count
  with the counts ~ Multinomial(D, the sample's frequency of each value): one multinomial
  draw per trial (``trials × distinct values``, whatever D); the same distribution, chosen
  by which draws fewer numbers. The answer for 85 % is the **largest number that at least
  85 % of trials reach or exceed** (the ⌈0.85 × trials⌉-th largest total).

Both answers are exact order statistics of the trials, not interpolated: "at least that many
in that share of trials" must hold as stated.

**Stability.** The forecast assumes the future looks like the sample. A warning says when it
does not seem to: the last 4 weeks' mean throughput differs from the whole sample's by more
than 25 % *and* by more than 2 standard errors (the sample's daily standard deviation ÷ √28,
with the finite-population factor √((n − 28)/(n − 1)) because those weeks are part of the
sample); the check needs a sample of at least 8 weeks. Other warnings: a sample shorter than
8 weeks, throughput on fewer than 10 days (work finished in a few batches, e.g. releases), no
throughput at all, and a sample moved to the start of the data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..periods import NAT, NS_PER_DAY
from .units import FlowUnits

DEFAULT_TRIALS = 10_000
#: the seed when none is given: two runs on the same data give the same answer
DEFAULT_SEED = 0
DEFAULT_SAMPLE_DAYS = 90
#: the shares of trials every forecast answers for (percent)
SHARES: tuple[int, ...] = (50, 70, 85, 95)
#: a "when" trial not done within this many days is "not done"
MAX_HORIZON_DAYS = 3653
#: the recent part of the sample compared with the whole for stability
RECENT_DAYS = 28
UNSTABLE_RELATIVE = 0.25
UNSTABLE_STANDARD_ERRORS = 2.0
#: fewer days with throughput than this: the forecast rests on few events
FEW_ACTIVE_DAYS = 10
#: cells of one block of draws (trials × days), to bound memory
_BLOCK_CELLS = 4_000_000
#: a multinomial draw costs about this many uniform draws per distinct daily value
MULTINOMIAL_COST = 4


class NoThroughput(ValueError):
    """No unit has a known finish date: there is nothing to forecast from."""


def _day(ts: pd.Timestamp | str) -> pd.Timestamp:
    t = pd.Timestamp(ts)
    t = t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")
    return t.normalize()


def _date(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y-%m-%d")


@dataclass
class ThroughputSample:
    """Daily throughput over ``since`` … ``until`` (UTC days, both included)."""

    since: pd.Timestamp
    until: pd.Timestamp
    daily: np.ndarray
    noun: str = "units"
    left_out_upper_bound: int = 0
    #: the first day asked for when it was moved to the start of the data
    requested_since: pd.Timestamp | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def days(self) -> int:
        return int(len(self.daily))

    @property
    def mean(self) -> float:
        return float(self.daily.mean()) if len(self.daily) else 0.0

    @property
    def finished(self) -> int:
        return int(self.daily.sum())

    @property
    def active_days(self) -> int:
        return int((self.daily > 0).sum())

    @property
    def recent_mean(self) -> float | None:
        """Mean of the last 4 weeks, when the sample is at least 8 weeks long."""
        if self.days < 2 * RECENT_DAYS:
            return None
        return float(self.daily[-RECENT_DAYS:].mean())

    def to_json(self) -> dict[str, Any]:
        return {
            "since": _date(self.since),
            "until": _date(self.until),
            "days": self.days,
            "throughput_per_day_mean": self.mean,
            "finished": self.finished,
            "days_with_throughput": self.active_days,
            "last_4_weeks_mean": self.recent_mean,
            "left_out_upper_bound": self.left_out_upper_bound,
            "unit": self.noun,
        }


def throughput_sample(units: FlowUnits, since: pd.Timestamp | str | None = None,
                      until: pd.Timestamp | str | None = None,
                      days: int = DEFAULT_SAMPLE_DAYS) -> ThroughputSample:
    """The daily throughput sample (module docstring). Raises ValueError when there is no
    finish to count (:class:`NoThroughput`) or the days asked for hold none of the data."""
    fin = units.finish_ns
    upper = units.upper_bound()
    known = (fin != NAT) & ~upper
    if not known.any():
        raise NoThroughput(f"no finished {units.noun} with a known finish date: nothing to "
                         f"forecast from")
    noun = units.noun
    last = int(fin[known].max()) // NS_PER_DAY * NS_PER_DAY
    first_data = int(fin[fin != NAT].min()) // NS_PER_DAY * NS_PER_DAY
    last_day = pd.Timestamp(last, tz="UTC")
    first_day = pd.Timestamp(first_data, tz="UTC")
    end = _day(until) if until is not None else last_day
    if days < 1:
        raise ValueError("a sample needs at least one day")
    begin = _day(since) if since is not None else end - pd.Timedelta(days=days - 1)
    if begin > last_day:
        raise ValueError(f"{_date(begin)} is after the last finish in the data "
                         f"({_date(last_day)})")
    if begin > end:
        raise ValueError(f"the sample would start ({_date(begin)}) after it ends "
                         f"({_date(end)})")
    warnings: list[str] = []
    requested = None
    if begin < first_day:
        if end < first_day:
            raise ValueError(f"the sample ({_date(begin)} – {_date(end)}) ends before the "
                             f"first finish in the data ({_date(first_day)})")
        requested = begin
        begin = first_day
        warnings.append(f"the sample starts at the first finish in the data, "
                        f"{_date(first_day)}, not {_date(requested)}: earlier days are "
                        f"unknown, not zero")
    lo, hi = int(begin.value), int(end.value) + NS_PER_DAY
    n_days = (hi - lo) // NS_PER_DAY
    inside = (fin >= lo) & (fin < hi) & (fin != NAT)
    day_idx = (fin[inside & ~upper] - lo) // NS_PER_DAY
    daily = np.bincount(day_idx, minlength=n_days).astype(np.int64)
    sample = ThroughputSample(begin, end, daily, noun, int((inside & upper).sum()), requested)
    sample.warnings = warnings + stability_warnings(sample)
    return sample


def stability_warnings(sample: ThroughputSample) -> list[str]:
    """What makes the sample a weak guide to the future (module docstring)."""
    out: list[str] = []
    noun = sample.noun
    span = f"{_date(sample.since)} – {_date(sample.until)}"
    if sample.left_out_upper_bound:
        out.append(f"{sample.left_out_upper_bound} {noun} shipped by the first deployment "
                   f"in the data are left out of the sample: the day they were done is "
                   f"unknown")
    if sample.finished == 0:
        out.append(f"no {noun} finished in the sample ({span}): there is no throughput to "
                   f"forecast from")
        return out
    if sample.active_days < FEW_ACTIVE_DAYS:
        out.append(f"{noun} finished on only {sample.active_days} of the sample's "
                   f"{sample.days} days (in batches, e.g. releases): the forecast rests on "
                   f"few events; a longer sample holds more")
    recent = sample.recent_mean
    if recent is None:
        out.append(f"the sample has only {sample.days} days: too short to check whether "
                   f"throughput is stable (needs {2 * RECENT_DAYS})")
        return out
    m = sample.mean
    n = sample.days
    sd = float(sample.daily.std(ddof=1))
    se = sd / math.sqrt(RECENT_DAYS) * math.sqrt((n - RECENT_DAYS) / (n - 1))
    diff = recent - m
    if abs(diff) > UNSTABLE_RELATIVE * m and abs(diff) > UNSTABLE_STANDARD_ERRORS * se:
        out.append(f"throughput is unstable: the last 4 weeks averaged {recent:.2f} {noun}/day "
                   f"against {m:.2f}/day over the sample ({diff / m * 100:+.0f} %); the "
                   f"forecast assumes the sample's pace")
    return out


@dataclass
class Forecast:
    """The answers of one Monte Carlo forecast."""

    question: str  # "when" | "how_many"
    sample: ThroughputSample
    trials: int
    seed: int
    #: the first forecast day (the day after the sample)
    starts: pd.Timestamp
    items: int | None
    #: the last day counted ("how many by DATE": DATE, included)
    by: pd.Timestamp | None
    #: "p50" … "p95": a date (when) or a count (how many); None when not reached
    answers: dict[str, Any]
    #: when: completion day → trials; how many: units done → trials (only values with trials)
    histogram: pd.Series
    #: when: trials not done within MAX_HORIZON_DAYS
    not_done: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        if self.question == "when":
            answers = {k: (_date(v) if v is not None else None) for k, v in self.answers.items()}
            section: dict[str, Any] = {**answers, "items": self.items,
                                       "starts": _date(self.starts),
                                       "trials_not_done": self.not_done,
                                       "horizon_days": MAX_HORIZON_DAYS}
            hist = [{"date": _date(d), "trials": int(n)} for d, n in self.histogram.items()]
        else:
            assert self.by is not None
            section = {**{k: (int(v) if v is not None else None)
                          for k, v in self.answers.items()},
                       "by": _date(self.by), "starts": _date(self.starts),
                       "days": int((self.by - self.starts).days) + 1}
            hist = [{"items": int(k), "trials": int(n)} for k, n in self.histogram.items()]
        return {"sample": self.sample.to_json(), self.question: section, "histogram": hist,
                "trials": self.trials, "seed": self.seed, "warnings": list(self.warnings)}


def _need(share_pct: int, trials: int) -> int:
    """Trials that make "at least share_pct % of trials": ⌈share × trials⌉ (integer maths)."""
    return max(1, -(-share_pct * trials // 100))


def _check(trials: int, seed: int) -> None:
    if trials < 1:
        raise ValueError("trials must be at least 1")
    if seed < 0:
        raise ValueError("the seed must be a whole number ≥ 0")


def forecast_when(sample: ThroughputSample, items: int, trials: int = DEFAULT_TRIALS,
                  seed: int = DEFAULT_SEED) -> Forecast:
    """When will ``items`` more units be done (module docstring)."""
    _check(trials, seed)
    if items < 1:
        raise ValueError("the number of items must be at least 1")
    starts = sample.until + pd.Timedelta(days=1)
    daily = sample.daily
    mean = sample.mean
    done_day = np.full(trials, -1, dtype=np.int64)
    rng = np.random.default_rng(seed)
    if mean > 0:
        remaining = np.arange(trials)
        carry = np.zeros(trials, dtype=np.int64)
        day0 = 0
        block = int(min(max(math.ceil(1.5 * items / mean) + 8, 8),
                        max(8, _BLOCK_CELLS // trials)))
        while len(remaining) and day0 < MAX_HORIZON_DAYS:
            width = min(block, MAX_HORIZON_DAYS - day0)
            draws = daily[rng.integers(0, len(daily), size=(len(remaining), width))]
            total = np.cumsum(draws, axis=1)
            total += carry[remaining][:, None]
            hit = total[:, -1] >= items
            first = np.argmax(total[hit] >= items, axis=1)
            done_day[remaining[hit]] = day0 + first + 1
            carry[remaining] = total[:, -1]
            remaining = remaining[~hit]
            day0 += width
    reached = np.sort(done_day[done_day > 0])
    answers: dict[str, Any] = {}
    for share in SHARES:
        k = _need(share, trials)
        answers[f"p{share}"] = (starts + pd.Timedelta(days=int(reached[k - 1]) - 1)
                                if k <= len(reached) else None)
    values, counts = np.unique(reached, return_counts=True)
    hist = pd.Series(counts, index=pd.DatetimeIndex(
        [starts + pd.Timedelta(days=int(d) - 1) for d in values], tz="UTC"), name="trials") \
        if len(values) else pd.Series(dtype=np.int64, name="trials")
    not_done = trials - len(reached)
    warnings = list(sample.warnings)
    if not_done and mean > 0:
        warnings.append(f"{not_done} of {trials} trials did not reach {items} {sample.noun} "
                        f"within {MAX_HORIZON_DAYS // 365} years")
    return Forecast("when", sample, trials, seed, starts, items, None, answers, hist,
                    not_done, warnings)


def _totals(daily: np.ndarray, horizon: int, trials: int, rng: np.random.Generator,
            method: str) -> np.ndarray:
    """Per trial, the sum of ``horizon`` days drawn from ``daily`` with replacement."""
    values, freq = np.unique(daily, return_counts=True)
    if method == "auto":
        method = "multinomial" if MULTINOMIAL_COST * len(values) < horizon else "draws"
    if method == "multinomial":
        counts = rng.multinomial(horizon, freq / freq.sum(), size=trials)
        return counts @ values.astype(np.int64)
    if method != "draws":
        raise ValueError(f"unknown method {method!r}")
    totals = np.zeros(trials, dtype=np.int64)
    block = max(1, _BLOCK_CELLS // trials)
    for day0 in range(0, horizon, block):  # blocks of days bound the memory, not a day loop
        width = min(block, horizon - day0)
        totals += daily[rng.integers(0, len(daily), size=(trials, width))].sum(axis=1)
    return totals


def forecast_how_many(sample: ThroughputSample, by: pd.Timestamp | str,
                      trials: int = DEFAULT_TRIALS, seed: int = DEFAULT_SEED,
                      method: str = "auto") -> Forecast:
    """How many units will be done from the day after the sample through ``by`` (included).

    ``method``: ``draws`` (a ``trials × days`` matrix of draws, summed), ``multinomial`` (one
    multinomial draw per trial) or ``auto``, whichever draws fewer numbers; both give the
    same distribution.
    """
    _check(trials, seed)
    by_day = _day(by)
    starts = sample.until + pd.Timedelta(days=1)
    if by_day < starts:
        raise ValueError(f"{_date(by_day)} is not after the sample's last day "
                         f"({_date(sample.until)}): forecasting starts on {_date(starts)}")
    horizon = int((by_day - starts).days) + 1
    totals = _totals(sample.daily, horizon, trials, np.random.default_rng(seed), method)
    desc = np.sort(totals)[::-1]
    answers = {f"p{share}": int(desc[_need(share, trials) - 1]) for share in SHARES}
    tv, tc = np.unique(totals, return_counts=True)
    hist = pd.Series(tc, index=pd.Index(tv, name="items"), name="trials")
    return Forecast("how_many", sample, trials, seed, starts, None, by_day, answers, hist, 0,
                    list(sample.warnings))


__all__ = [
    "DEFAULT_SAMPLE_DAYS", "DEFAULT_SEED", "DEFAULT_TRIALS", "MAX_HORIZON_DAYS", "SHARES",
    "Forecast", "NoThroughput", "ThroughputSample", "forecast_how_many", "forecast_when", "stability_warnings",
    "throughput_sample",
]
