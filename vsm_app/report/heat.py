"""How the measured overlay looks, on screen and in every export (Qt-free).

One wait-share heat scale and one label format for a measured stage, so the map in the
window, the exported PNG/SVG/PDF and the HTML/PDF report colour and label a stage the same.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..domain.durations import format_duration
from ..domain.numbers import finite

#: classes of the wait-share heat scale: (upper bound, colour, legend label). A 5-class
#: sequential yellow → red scale (ColorBrewer YlOrRd), binned so the legend reads exactly.
HEAT_SCALE: tuple[tuple[float, str, str], ...] = (
    (0.05, "#ffffb2", "< 5 %"),
    (0.15, "#fecc5c", "5–15 %"),
    (0.25, "#fd8d3c", "15–25 %"),
    (0.35, "#f03b20", "25–35 %"),
    (math.inf, "#bd0026", "≥ 35 %"),
)
#: a bound stage with no measured wait (active segments only, or nothing in the window)
NO_WAIT_COLOR = "#d5dbe5"
NO_DATA_TEXT = "no data in window"


def heat_color(wait_share: float | None) -> str | None:
    """The colour of the heat class holding ``wait_share`` (None when it is not measured).
    Classes are ``[lower, upper)``."""
    v = finite(wait_share)
    if v is None:
        return None
    for upper, color, _label in HEAT_SCALE:
        if v < upper:
            return color
    return HEAT_SCALE[-1][1]


def heat_legend() -> tuple[tuple[str, str], ...]:
    """(colour, label) of every class, then the no-wait colour, for the map legend."""
    return tuple((c, label) for _, c, label in HEAT_SCALE) + ((NO_WAIT_COLOR, "no wait"),)


def overlay_text(stage: Mapping[str, Any], day_length_s: float,
                 est_wait_s: float | None = None, est_process_s: float | None = None) -> str:
    """The label under a measured stage: one line per measured median, each beside the
    workshop estimate when the map has one::

        wait 23.2h · est 8h
        work 3.9h · est 1h

    ``stage`` is one ``stages`` entry of the result; every duration has one unit
    (``format_duration(..., max_parts=1)``). Nothing measured: "no data in window".
    """
    lines = []
    for key, word, est in (("wait_median_s", "wait", est_wait_s),
                           ("active_median_s", "work", est_process_s)):
        v = finite(stage.get(key))
        if v is None:
            continue
        line = f"{word} {format_duration(v, day_length_s, max_parts=1)}"
        e = finite(est)
        if e is not None:
            line += f" · est {format_duration(e, day_length_s, max_parts=1)}"
        lines.append(line)
    return "\n".join(lines) if lines else NO_DATA_TEXT
