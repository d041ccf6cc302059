"""The one reading of a metric number: finite numbers pass, everything else is None."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from vsm_app.domain.numbers import finite


@given(st.floats(allow_nan=True, allow_infinity=True) | st.integers(-10**12, 10**12))
def test_numbers_pass_when_finite(v: float | int) -> None:
    got = finite(v)
    if math.isfinite(float(v)):
        assert got == float(v) and isinstance(got, float)
    else:
        assert got is None


def test_numpy_scalars_count_and_text_bools_and_none_do_not() -> None:
    assert finite(np.int64(3)) == 3.0 and finite(np.float32(0.5)) == 0.5
    assert finite(np.float64("nan")) is None
    for v in (None, True, False, "1.5", b"2", [1], {"a": 1}):
        assert finite(v) is None
