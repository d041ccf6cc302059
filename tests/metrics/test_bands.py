"""DORA bands at each threshold boundary, for the 2023 and the 2024 report tables."""

from __future__ import annotations

import copy
import math

import pytest

from vsm_app.metrics.bands import (
    BandTableError,
    _validate,
    band_for,
    band_years,
    bands_of,
    load_bands,
)

H = 3600.0
D = 86_400.0
W = 7 * D
M = 365.25 / 12 * D  # one month
MONTHLY_PER_WEEK = 7 / (365.25 / 12)  # once per month, in deployments per week
EPS = 1e-9

BOTH = (2023, 2024)

CASES = [
    # metric, year, value, band
    *[(y, "deployment_frequency", v, b) for y in BOTH for v, b in [
        (20.0, "elite"), (7.0 + EPS, "elite"), (7.0, "high"), (1.0, "high"),
        (1.0 - EPS, "medium"), (MONTHLY_PER_WEEK, "medium"), (MONTHLY_PER_WEEK - EPS, "low"),
        (0.0, "low")]],
    *[(y, "lead_time", v, b) for y in BOTH for v, b in [
        (0.0, "elite"), (D - 1, "elite"), (D, "high"), (W, "high"), (W + 1, "medium"),
        (M, "medium"), (M + 1, "low"), (365 * D, "low")]],
    *[(2023, "change_failure_rate", v, b) for v, b in [
        (0.0, "elite"), (0.05, "elite"), (0.05 + EPS, "high"), (0.10, "high"),
        (0.10 + EPS, "medium"), (0.15, "medium"), (0.15 + EPS, "low"), (0.64, "low"),
        (1.0, "low")]],
    # 2024: the medium cluster (10 %) has a lower CFR than the high cluster (20 %)
    *[(2024, "change_failure_rate", v, b) for v, b in [
        (0.05, "elite"), (0.05 + EPS, "medium"), (0.10, "medium"), (0.10 + EPS, "high"),
        (0.20, "high"), (0.20 + EPS, "low"), (0.40, "low")]],
    *[(2023, "recovery_time", v, b) for v, b in [
        (H - 1, "elite"), (H, "high"), (D - 1, "high"), (D, "medium"), (W, "medium"),
        (W + 1, "low"), (2 * M, "low")]],
    # 2024: high and medium share "less than one day" (tie → high); 1 day–1 week is a gap → low
    *[(2024, "recovery_time", v, b) for v, b in [
        (H - 1, "elite"), (H, "high"), (D - 1, "high"), (D, "low"), (W, "low"),
        (2 * W, "low")]],
]


@pytest.mark.parametrize(("year", "metric", "value", "band"), CASES)
def test_band_at_each_boundary(year: int, metric: str, value: float, band: str):
    assert band_for(metric, value, year) == band


def test_default_year_is_2023_and_both_years_are_available():
    table = load_bands()
    assert table["default_year"] == 2023
    assert band_years() == [2023, 2024]


def test_missing_value_has_no_band():
    assert band_for("lead_time", None) is None
    assert band_for("lead_time", math.nan) is None


def test_bands_of_a_dora_summary():
    summary = {"deployment_frequency_per_week": 3.0, "lead_time_median_s": 2 * D,
               "change_failure_rate": 0.12, "recovery_time_median_s": None}
    assert bands_of(summary, 2023) == {"year": 2023, "deployment_frequency": "high",
                                       "lead_time": "high", "change_failure_rate": "medium",
                                       "recovery_time": None}
    assert bands_of(summary, 2024)["change_failure_rate"] == "high"
    with pytest.raises(KeyError):
        bands_of(summary, 2019)


def test_the_band_follows_the_table_not_the_code():
    table = copy.deepcopy(load_bands())
    table["reports"]["2023"]["metrics"]["lead_time"]["bands"][0]["bound"] = 3 * D
    assert band_for("lead_time", 2 * D, 2023, table) == "elite"
    assert band_for("lead_time", 2 * D, 2023) == "high"


def test_every_published_table_has_one_catch_all_band_per_metric():
    table = load_bands()
    for year in ("2023", "2024"):
        metrics = table["reports"][year]["metrics"]
        assert set(metrics) == {"deployment_frequency", "lead_time", "change_failure_rate",
                                "recovery_time"}
        for spec in metrics.values():
            assert [b["band"] for b in spec["bands"]] == ["elite", "high", "medium", "low"]
            assert all("note" in b and "published" in b for b in spec["bands"])
    broken = copy.deepcopy(table)
    broken["reports"]["2023"]["metrics"]["lead_time"]["bands"][3]["bound"] = 1.0
    with pytest.raises(BandTableError):
        _validate(broken)
