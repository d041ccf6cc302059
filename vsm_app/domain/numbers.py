"""The one reading of "a number" in metric documents (analysis JSON, saved baselines), and
of a %C&A typed by a person (the properties panel, a workshop participant's proposal)."""

from __future__ import annotations

import math
from typing import Any


def finite(v: Any) -> float | None:
    """``v`` as a finite float; None for None, booleans, text, NaN and infinities.

    Numbers of any numeric type count (``int``, ``float``, numpy scalars); text never does,
    so a string in a saved project is not silently read as a metric.
    """
    if v is None or isinstance(v, bool | str | bytes):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def parse_pca(text: str) -> float | None:
    """``85%``, ``85`` or ``0.85`` → 0.85 (a decimal comma works too); empty → None.

    Raises
    ------
    ValueError
        With a message saying what was expected (``'abc': expected a percentage such as
        85% or 0.85``).
    """
    t = text.strip().replace(",", ".")
    if not t:
        return None
    try:
        v = float(t[:-1].strip()) / 100.0 if t.endswith("%") else float(t)
    except ValueError:
        raise ValueError(f"{text!r}: expected a percentage such as 85% or 0.85") from None
    if not t.endswith("%") and v > 1.0:
        v /= 100.0
    if not math.isfinite(v) or not 0.0 <= v <= 1.0:
        raise ValueError(f"{text!r}: must be between 0 and 100 %")
    return v
