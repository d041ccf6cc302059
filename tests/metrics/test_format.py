"""One way to write each kind of value, worked by hand, in the plain style and in another
locale's marks; tool tips from the catalogue and the band data file."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from vsm_app.metrics import format as fmt
from vsm_app.metrics.palette import tick_label, ticks

GERMAN = fmt.NumberLocale(decimal=",", group=".", months=(
    "Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sep.", "Okt.", "Nov.",
    "Dez."), name="de")


@pytest.mark.parametrize(("metric_id", "value", "text"), [
    # 3d 22h 55 min 56 s: two units, the second rounded
    ("dora.lead_time_median_s", 342_556.0, "3d 23h"),
    ("dora.lead_time_median_s", 83_580.0, "23h 13 min"),
    ("dora.recovery_time_median_s", 450.0, "7.5 min"),
    ("dora.change_failure_rate", 26 / 253, "10.3 %"),
    ("dora.change_failure_rate", 0.5, "50.0 %"),  # a rate: always its one decimal
    ("stage.wait_share", 0.4321, "43 %"),  # a share: whole percents
    ("estimate.pca", 0.855, "86 %"),
    ("dora.deployment_frequency_per_week", 2.4495, "2.4 / week"),
    ("dora.deployment_days_per_week", 2.343, "2.3 days / week"),
    ("flow.load_mean", 9.2257, "9.2"),
    ("window.changes", 1456, "1,456"),
    ("forecast.throughput_per_day_mean", 0.4551, "0.46 / day"),
    ("forecast.when", "2026-12-07", "7 Dec 2026"),
    ("flow.efficiency", None, "—"),
    ("flow.efficiency", float("nan"), "—"),
])
def test_values_read_the_same_everywhere(metric_id: str, value: object, text: str) -> None:
    assert fmt.value(metric_id, value) == text


def test_another_locale_changes_the_marks_not_the_rule() -> None:
    assert fmt.value("window.changes", 1456, loc=GERMAN) == "1.456"
    assert fmt.value("dora.deployment_frequency_per_week", 2.4495, loc=GERMAN) == "2,4 / week"
    assert fmt.value("dora.recovery_time_median_s", 450.0, loc=GERMAN) == "7,5 min"
    assert fmt.date_text(dt.date(2024, 11, 7), loc=GERMAN) == "7 Nov. 2024"
    with fmt.locale_scope(GERMAN):
        assert fmt.percent(0.103) == "10,3 %"
    assert fmt.percent(0.103) == "10.3 %"  # the plain style is back


def test_counts_agree_in_number() -> None:
    assert fmt.count(1, "changes") == "1 change"
    assert fmt.count(2, "changes") == "2 changes"
    assert fmt.count(1, "deploy runs") == "1 deploy run"
    assert fmt.count(1, "recoveries") == "1 recovery"


def test_dates_and_windows() -> None:
    # the half-open window [7 Nov 2024, 31 Oct 2026) covers the days up to 30 Oct
    assert fmt.window("2024-11-07T00:00:00+00:00", "2026-10-31T00:00:00+00:00") == \
        "7 Nov 2024 – 30 Oct 2026"
    start = pd.Timestamp("2024-11-07", tz="UTC").value
    assert fmt.window(start, start + 86_400 * 10**9) == "7 Nov 2024"  # one day
    assert fmt.date_time(dt.datetime(2026, 12, 7, 2, 27, 59)) == "7 Dec 2026 02:27"


def test_deltas_keep_their_sign_and_size() -> None:
    assert fmt.delta("dora.lead_time_median_s", 22 * 3600) == "+22h"
    assert fmt.delta("dora.change_failure_rate", -0.029) == "−2.9 pp"
    assert fmt.delta("flow.velocity_per_week", 0.6) == "+0.6 / week"
    # smaller than the metric's decimals: more decimals, never a signed zero
    assert fmt.delta("flow.velocity_per_week", 0.02) == "+0.02 / week"
    assert fmt.delta("flow.load_mean", 0.0) == "±0.0"
    assert fmt.signed_duration(-(14 * 3600 + 24 * 60)) == "−14h 24 min"
    assert fmt.correlation(0.4) == "+0.40" and fmt.correlation(-0.123) == "−0.12"


def test_tooltips_hold_the_definition_the_direction_and_the_bands() -> None:
    tip = fmt.tooltip("dora.lead_time_median_s", 2023)
    assert tip.startswith("Lead time for changes (median): the median time from a change's "
                          "first commit to the deployment that ships it.")
    assert "Lower is better." in tip
    # data/dora_bands.json, 2023: elite < 1 day, high ≤ 1 week, medium ≤ one month
    # (30.4375 days = 30d 10.5h, shown rounded to the hour), low the rest
    assert tip.endswith("DORA 2023 bands: Elite < 1d; High ≤ 7d; Medium ≤ 30d 11h; "
                        "Low: the rest.")
    freq = fmt.tooltip("dora.deployment_frequency_per_week", 2023)
    assert "Elite > 7.0 / week; High ≥ 1.0 / week; Medium ≥ 0.2 / week" in freq
    assert "bands" not in fmt.tooltip("dora.rework_rate", 2023)  # no band table


def test_axis_ticks_fall_on_whole_steps() -> None:
    # 5 h of data: hourly ticks 0..5h, labelled as durations
    assert ticks(5 * 3600, "duration") == [i * 3600.0 for i in range(6)]
    assert tick_label(2 * 3600, "duration") == "2h"
    assert tick_label(0.25, "percent", 0.1) == "25 %"
    assert tick_label(0.025, "percent", 0.005) == "2.5 %"
    assert tick_label(1200, "count") == "1,200"
    assert tick_label(0, "duration") == "0"
    assert tick_label(0.0, "percent", 0.25) == "0 %"
    assert tick_label(0, "count") == "0"
