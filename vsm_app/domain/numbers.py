"""The one reading of "a number" in metric documents (analysis JSON, saved baselines), and
of a %C&A typed by a person (the properties panel, a workshop participant's proposal)."""

from __future__ import annotations

import math
import re
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


def parse_decimal(text: str, decimal: str = ".") -> float:
    """A number typed by a person, read with the user's decimal mark (``decimal``).

    Both marks are understood: with both in the text the last one is the decimal mark and
    the other groups thousands (``1,234.5`` and ``1.234,5``); with only one kind, the mark
    that is not the user's decimal mark groups thousands when the text is grouped that way
    (``1,500`` is 1500 for an English user and 1.5 for a German one; ``1.500`` is 1500 for
    a German user and 1.5 for an English one); otherwise a comma is a decimal mark (``0,5``
    is 0.5 for both).
    Spaces (also narrow no-break ones) group thousands.

    Raises
    ------
    ValueError
        ``'x': expected a number``.
    """
    t = "".join(text.split()).replace("\u202f", "").replace("\u00a0", "").replace("'", "")
    if not t:
        raise ValueError(f"{text!r}: expected a number")
    if "," in t and "." in t:
        dec = "," if t.rfind(",") > t.rfind(".") else "."
        t = t.replace("." if dec == "," else ",", "").replace(",", ".")
    elif "," in t:
        grouped = re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+", t) is not None
        if decimal != "," and grouped:
            t = t.replace(",", "")
        elif t.count(",") == 1:
            t = t.replace(",", ".")
        else:
            raise ValueError(f"{text!r}: expected a number")
    elif "." in t and re.fullmatch(r"[-+]?\d{1,3}(\.\d{3})+", t) \
            and (decimal == "," or t.count(".") > 1):
        t = t.replace(".", "")  # 1.500 for a German user, 1.234.567 for anyone
    try:
        v = float(t)
    except ValueError:
        raise ValueError(f"{text!r}: expected a number") from None
    if not math.isfinite(v):
        raise ValueError(f"{text!r}: expected a finite number")
    return v
