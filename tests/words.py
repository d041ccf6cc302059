"""How the product writes days for people, done by hand for the tests' expected values
(``7 Nov 2024``; a half-open window as its days ``7 Nov 2024 – 30 Oct 2026``)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd


def day(d: Any) -> str:
    """``7 Nov 2024``."""
    t = pd.Timestamp(d)
    return f"{t.day} {t:%b %Y}"


def days(start: Any, end: Any) -> str:
    """The days of the half-open window ``[start, end)``: its end at midnight is the day
    before's end."""
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    last = e - pd.Timedelta(days=1) if e == e.normalize() else e
    return day(s) if last.date() <= s.date() else f"{day(s)} – {day(last)}"


def sentence_for_people(bottleneck: dict[str, Any]) -> str:
    """The JSON's lead-time sentence with its two windows written as days (what the screens
    and the reports show); period labels such as 2025-Q1 stay."""
    text = bottleneck["sentence"]
    for side in ("before", "after"):
        w = bottleneck[side]
        if " – " in w["label"]:
            start = date.fromisoformat(w["start"][:10])
            last = date.fromisoformat(w["end"][:10]) - timedelta(days=1)
            text = text.replace(w["label"], f"{day(start)} – {day(last)}")
    return text
