"""The one reading of "a number" in metric documents (analysis JSON, saved baselines)."""

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
