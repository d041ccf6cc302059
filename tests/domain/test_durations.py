import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vsm_app.domain.durations import DurationError, format_duration, parse_duration

H = 3600


@pytest.mark.parametrize(("text", "seconds"), [
    ("45s", 45), ("10 min", 600), ("2h", 7200), ("1.5d", 36 * H), ("1d 4h", 28 * H),
    ("3 days", 72 * H), ("1 week", 7 * 24 * H), ("1h30m", 5400), ("90", 90),
    ("2 Hours, 5 Minutes", 2 * H + 300), (".5h", 1800),
])
def test_parse_calendar(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_working_day_length_changes_days_and_weeks() -> None:
    eight = 8 * H
    assert parse_duration("1.5d", eight) == 12 * H
    assert parse_duration("1 week", eight) == 40 * H  # 5 working days
    assert parse_duration("2h", eight) == 2 * H


@pytest.mark.parametrize("bad", ["", "  ", "abc", "5 parsecs", "-3h", "1 2h", "h", "3h x",
                                 "nan", "1e400h"])
def test_garbage_gives_clear_error(bad: str) -> None:
    with pytest.raises(DurationError) as e:
        parse_duration(bad)
    assert "duration" in str(e.value) or "negative" in str(e.value) or "large" in str(e.value)


def test_human_format() -> None:
    assert format_duration(7.5 * 60) == "7.5 min"
    assert format_duration(45) == "45s"
    assert format_duration(28 * H) == "1d 4h"
    assert format_duration(None) == "—"
    assert format_duration(9 * H, 8 * H) == "1d 1h"


@given(st.integers(min_value=0, max_value=400 * 24 * 3600),
       st.sampled_from([24 * H, 8 * H, 7.5 * H]))
def test_precise_format_round_trips(seconds: int, day: float) -> None:
    assert parse_duration(format_duration(seconds, day, precise=True), day) == seconds


@given(st.floats(min_value=0, max_value=1e7, allow_nan=False))
def test_human_format_parses_back_close(seconds: float) -> None:
    back = parse_duration(format_duration(seconds))
    # the human form keeps the first unit whole and rounds the last to 0.1
    assert math.isclose(back, seconds, rel_tol=0.05, abs_tol=0.06)


@given(st.text(max_size=20))
def test_any_text_parses_or_raises_duration_error(text: str) -> None:
    try:
        v = parse_duration(text)
    except DurationError:
        return
    assert v >= 0 and math.isfinite(v)
