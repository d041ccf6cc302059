"""Monte Carlo forecasts (issue 19): the throughput sample, exact answers for constant
throughput, and agreement with the binomial / negative-binomial answers computed here with
math.comb (never with the code under test)."""

from __future__ import annotations

from math import comb, sqrt

import numpy as np
import pandas as pd
import pytest

from vsm_app.analysis.flow_analytics import (
    FlowUnits,
    NoThroughput,
    ThroughputSample,
    forecast_how_many,
    forecast_when,
    throughput_sample,
)

FIRST = pd.Timestamp("2025-01-01", tz="UTC")


def units_finishing(daily: list[int], upper_bound_first_day: int = 0) -> FlowUnits:
    """Units finished at noon: ``daily[d]`` of them on day d after 2025-01-01 (plus, on day 0,
    ``upper_bound_first_day`` shipped by a first deployment)."""
    finish: list[pd.Timestamp] = []
    upper: list[bool] = []
    for d, n in enumerate(daily):
        finish += [FIRST + pd.Timedelta(days=d, hours=12)] * n
        upper += [False] * n
    finish += [FIRST + pd.Timedelta(hours=12)] * upper_bound_first_day
    upper += [True] * upper_bound_first_day
    n = len(finish)
    units = pd.DataFrame({
        "unit_id": [f"u{k}" for k in range(n)], "label": [f"U-{k}" for k in range(n)],
        "kind": "feature", "started_at": [f - pd.Timedelta(days=2) for f in finish],
        "finished_at": finish, "flow_time_s": np.where(upper, np.nan, 2 * 86_400.0),
        "finish_is_upper_bound": upper})
    occ = pd.DataFrame({"unit": [], "stage": [], "entered": [], "left": []}, dtype=np.int64)
    return FlowUnits(units, [], [], np.zeros((n, 0)), occ)


def day(k: int) -> pd.Timestamp:
    return FIRST + pd.Timedelta(days=k)


# -- the sample ------------------------------------------------------------------------------

def test_the_default_sample_is_the_90_days_ending_with_the_last_finish() -> None:
    daily = [k % 3 for k in range(120)]  # 0, 1, 2, 0, 1, 2, …
    s = throughput_sample(units_finishing(daily))
    assert (s.since, s.until, s.days) == (day(30), day(119), 90)
    assert s.daily.tolist() == daily[30:]
    assert s.mean == pytest.approx(1.0)
    assert s.to_json()["since"] == "2025-01-31" and s.to_json()["until"] == "2025-04-30"


def test_a_sample_asked_to_start_before_the_data_starts_with_the_data() -> None:
    s = throughput_sample(units_finishing([1] * 100), since="2024-12-01")
    assert s.since == FIRST and s.requested_since == pd.Timestamp("2024-12-01", tz="UTC")
    assert s.days == 100
    assert any("starts at the first finish in the data, 2025-01-01, not 2024-12-01" in w
               for w in s.warnings)


def test_sample_bounds_and_empty_data_are_refused() -> None:
    units = units_finishing([1] * 10)
    with pytest.raises(ValueError, match="after the last finish in the data"):
        throughput_sample(units, since="2025-02-01")
    with pytest.raises(NoThroughput):
        throughput_sample(units_finishing([], upper_bound_first_day=5))


def test_units_shipped_by_the_first_deployment_are_left_out_and_counted() -> None:
    s = throughput_sample(units_finishing([0] + [1] * 59, upper_bound_first_day=40))
    assert s.daily[0] == 0 and s.finished == 59 and s.left_out_upper_bound == 40
    assert any(w.startswith("40 units shipped by the first deployment") for w in s.warnings)


def test_unstable_throughput_is_warned_about() -> None:
    # 62 days of 2, 28 of 0, then one: the sample is the last 90 days (61 × 2, 28 × 0, 1),
    # mean 123/90; the last 4 weeks hold one unit: 1/28 a day, 97 % below
    s = throughput_sample(units_finishing([2] * 62 + [0] * 28 + [1]))
    assert s.mean == pytest.approx(123 / 90) and s.recent_mean == pytest.approx(1 / 28)
    unstable = [w for w in s.warnings if w.startswith("throughput is unstable")]
    assert len(unstable) == 1 and "(-97 %)" in unstable[0]


def test_bursty_but_steady_throughput_is_not_called_unstable() -> None:
    # a release every 10 days: 20 units on days 9 … 59, 10 on days 69, 79, 89. The mean is
    # 150/90 = 1.67 a day, the last 4 weeks 30/28 = 1.07 (−36 %); but the daily standard
    # deviation is 5.25, so one standard error is 5.25/√28 · √(62/89) = 0.83 and the
    # difference (0.60) is within 2 of them: not unstable. 9 days with throughput are few.
    daily = [0] * 90
    for d in range(9, 60, 10):
        daily[d] = 20
    for d in (69, 79, 89):
        daily[d] = 10
    s = throughput_sample(units_finishing([5] + [0] * 9 + daily))  # data from 10 days before
    assert s.days == 90 and s.mean == pytest.approx(150 / 90)
    assert s.recent_mean == pytest.approx(30 / 28)
    assert not any(w.startswith("throughput is unstable") for w in s.warnings)
    assert any("finished on only 9 of the sample's 90 days" in w for w in s.warnings)


def test_a_short_sample_says_stability_was_not_checked() -> None:
    s = throughput_sample(units_finishing([1] * 30))
    assert s.recent_mean is None
    assert any("only 30 days: too short" in w for w in s.warnings)


# -- constant throughput: exact answers ------------------------------------------------------

def test_constant_throughput_gives_a_deterministic_answer() -> None:
    s = throughput_sample(units_finishing([3] * 60))
    assert s.until == day(59)
    # 3 a day from day 60 on: 3, 6, 9, 12 → 9 are done at the end of day 62, 10 of day 63
    f9 = forecast_when(s, 9)
    f10 = forecast_when(s, 10)
    assert set(f9.answers.values()) == {day(62)}
    assert set(f10.answers.values()) == {day(63)}
    assert f10.histogram.to_dict() == {day(63): 10_000}
    assert f10.to_json()["when"]["p85"] == "2025-03-05"
    # by day 69 (included): 10 days × 3
    h = forecast_how_many(s, day(69))
    assert set(h.answers.values()) == {30}
    assert h.to_json()["how_many"]["days"] == 10


def test_how_many_by_a_date_before_the_forecast_starts_is_refused() -> None:
    s = throughput_sample(units_finishing([3] * 60))
    with pytest.raises(ValueError, match="not after the sample's last day"):
        forecast_how_many(s, day(59))
    with pytest.raises(ValueError):
        forecast_when(s, 0)
    with pytest.raises(ValueError):
        forecast_when(s, 5, trials=0)


def test_no_throughput_gives_no_date_and_zero_items() -> None:
    s = ThroughputSample(day(0), day(29), np.zeros(30, dtype=np.int64))
    w = forecast_when(s, 5, trials=100)
    assert set(w.answers.values()) == {None} and w.not_done == 100
    assert set(forecast_how_many(s, day(40), trials=100).answers.values()) == {0}


# -- a two-point throughput: the binomial and negative-binomial answers ----------------------

TRIALS = 10_000


def binomial_tail(n: int, k: int) -> float:
    """P(X ≥ k) for X ~ Binomial(n, 1/2), by counting."""
    return sum(comb(n, j) for j in range(max(k, 0), n + 1)) / 2**n


def sigma(q: float) -> float:
    return sqrt(q * (1 - q) / TRIALS)


@pytest.fixture(scope="module")
def coin() -> ThroughputSample:
    """Half the sample's days finished one unit, half none: each future day is a coin flip.
    (The data start a day earlier, so the 90-day sample is exactly [0, 1] × 45.)"""
    return throughput_sample(units_finishing([1] + [0, 1] * 45))


@pytest.mark.parametrize("method", ["draws", "multinomial"])
def test_how_many_matches_the_binomial_answer(coin: ThroughputSample, method: str) -> None:
    assert coin.mean == 0.5
    days = 40
    f = forecast_how_many(coin, coin.until + pd.Timedelta(days=days), trials=TRIALS, seed=7,
                          method=method)
    for share in (50, 70, 85, 95):
        q = share / 100
        # exact: the largest k with P(X ≥ k) ≥ q, X ~ Binomial(40, 1/2)
        exact = max(k for k in range(days + 1) if binomial_tail(days, k) >= q)
        got = f.answers[f"p{share}"]
        # within sampling error: got is a valid answer up to 4 standard errors of a share
        assert binomial_tail(days, got) >= q - 4 * sigma(q)
        assert binomial_tail(days, got + 1) <= q + 4 * sigma(q)
        assert abs(got - exact) <= 1
        margin = min(binomial_tail(days, exact) - q, q - binomial_tail(days, exact + 1))
        if margin > 4 * sigma(q):
            assert got == exact
    # and the whole histogram follows the binomial probabilities
    freq = f.histogram / TRIALS
    for k, p in freq.items():
        pmf = comb(days, int(k)) / 2**days
        assert abs(p - pmf) <= 5 * sqrt(pmf * (1 - pmf) / TRIALS) + 1e-4


def test_when_matches_the_negative_binomial_answer(coin: ThroughputSample) -> None:
    items = 20

    def done_by(d: int) -> float:  # P(the 20th unit is done within d days)
        return binomial_tail(d, items) if d >= items else 0.0

    f = forecast_when(coin, items, trials=TRIALS, seed=11)
    for share in (50, 70, 85, 95):
        q = share / 100
        exact = min(d for d in range(items, 400) if done_by(d) >= q)
        got = int((f.answers[f"p{share}"] - coin.until).days)  # day 1 = the day after
        assert done_by(got) >= q - 4 * sigma(q)
        assert done_by(got - 1) <= q + 4 * sigma(q)
        assert abs(got - exact) <= 1
        margin = min(done_by(exact) - q, q - done_by(exact - 1))
        if margin > 4 * sigma(q):
            assert got == exact
    assert f.not_done == 0 and int(f.histogram.sum()) == TRIALS


def test_the_same_seed_gives_the_same_forecast(coin: ThroughputSample) -> None:
    a = forecast_when(coin, 30, seed=5)
    b = forecast_when(coin, 30, seed=5)
    c = forecast_when(coin, 30, seed=6)
    assert a.to_json() == b.to_json()
    assert not a.histogram.equals(c.histogram)
    by = coin.until + pd.Timedelta(days=50)
    assert forecast_how_many(coin, by, seed=5).to_json() == \
        forecast_how_many(coin, by, seed=5).to_json()


def test_forecast_json_has_the_contract_keys(coin: ThroughputSample) -> None:
    w = forecast_when(coin, 10, trials=500).to_json()
    assert list(w)[:2] == ["sample", "when"]
    assert {"since", "until", "days", "throughput_per_day_mean"} <= set(w["sample"])
    assert {"p50", "p70", "p85", "p95"} <= set(w["when"])
    h = forecast_how_many(coin, "2025-06-30", trials=500).to_json()
    assert list(h)[:2] == ["sample", "how_many"]
    assert all(isinstance(h["how_many"][f"p{s}"], int) for s in (50, 70, 85, 95))
    assert sum(row["trials"] for row in h["histogram"]) == 500
    assert h["how_many"]["by"] == "2025-06-30" and h["warnings"] == w["warnings"]
