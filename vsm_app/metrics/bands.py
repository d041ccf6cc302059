"""DORA performance bands: the band of a measured value, computed from ``data/dora_bands.json``.

The data file holds, per report year (2023, 2024) and metric, each band's published cluster
value, a numeric ``bound`` and whether the bound is ``inclusive``; its ``mapping`` entry states
the rule implemented by :func:`band_for` (see also docs/metrics.md). Nothing here knows a
threshold: change the file, the bands follow.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .catalogue import BANDED

BAND_ORDER: tuple[str, ...] = ("elite", "high", "medium", "low")

#: band metric → key of the DORA summary holding its value (from the metric catalogue)
METRIC_KEYS: dict[str, str] = {band: metric_id.split(".", 1)[1]
                               for band, metric_id in BANDED.items()}


class BandTableError(ValueError):
    """The band data file is malformed (a metric without exactly one catch-all band, ...)."""


def _validate(table: dict[str, Any]) -> dict[str, Any]:
    for year, report in table.get("reports", {}).items():
        for metric, spec in report.get("metrics", {}).items():
            where = f"dora bands {year} {metric}"
            if spec.get("direction") not in ("lower_is_better", "higher_is_better"):
                raise BandTableError(f"{where}: direction must be lower_is_better or "
                                     "higher_is_better")
            bands = spec.get("bands", [])
            names = [b.get("band") for b in bands]
            if sorted(names, key=BAND_ORDER.index) != names or len(set(names)) != len(names):
                raise BandTableError(f"{where}: bands must be listed once each, best first")
            if sum(b.get("bound") is None for b in bands) != 1:
                raise BandTableError(f"{where}: exactly one band needs bound null (catch-all)")
    return table


@lru_cache(maxsize=4)
def load_bands(path: str | None = None) -> dict[str, Any]:
    """The band tables (cached); ``path`` overrides the packaged ``dora_bands.json``."""
    if path is None:
        text = (resources.files("vsm_app") / "data" / "dora_bands.json").read_text("utf-8")
    else:
        text = Path(path).read_text("utf-8")
    return _validate(json.loads(text))


def band_years(table: dict[str, Any] | None = None) -> list[int]:
    t = table if table is not None else load_bands()
    return sorted(int(y) for y in t["reports"])


def band_table(metric: str, year: int, table: dict[str, Any] | None = None) -> dict[str, Any]:
    """One metric's bands in the ``year`` report: ``direction`` and ``bands`` (best first).

    Raises
    ------
    KeyError
        For a year or metric the table does not hold.
    """
    t = table if table is not None else load_bands()
    return dict(t["reports"][str(year)]["metrics"][metric])


def band_for(metric: str, value: float | None, year: int = 2023,
             table: dict[str, Any] | None = None) -> str | None:
    """The band of ``value`` for ``metric`` in the ``year`` report; None when value is None/NaN.

    Raises
    ------
    KeyError
        For a year or metric the table does not hold.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    spec = band_table(metric, year, table)
    rank = {b["band"]: i for i, b in enumerate(spec["bands"])}
    bounded = [b for b in spec["bands"] if b["bound"] is not None]
    catch_all = next(b["band"] for b in spec["bands"] if b["bound"] is None)
    v = float(value)
    if spec["direction"] == "lower_is_better":
        for b in sorted(bounded, key=lambda b: (float(b["bound"]), rank[b["band"]])):
            bound = float(b["bound"])
            if v < bound or (b["inclusive"] and v == bound):
                return str(b["band"])
    else:
        for b in sorted(bounded, key=lambda b: (-float(b["bound"]), rank[b["band"]])):
            bound = float(b["bound"])
            if v > bound or (b["inclusive"] and v == bound):
                return str(b["band"])
    return str(catch_all)


def bands_of(summary: dict[str, Any], year: int = 2023,
             table: dict[str, Any] | None = None) -> dict[str, Any]:
    """``{"year": year, metric: band | None, ...}`` for the DORA summary's values."""
    t = table if table is not None else load_bands()
    if str(year) not in t["reports"]:
        raise KeyError(f"no DORA band table for {year}; available: "
                       f"{', '.join(str(y) for y in band_years(t))}")
    out: dict[str, Any] = {"year": int(year)}
    for metric, key in METRIC_KEYS.items():
        out[metric] = band_for(metric, summary.get(key), year, t)
    return out
