"""How the measured overlay looks, on screen and in every export (Qt-free).

One wait-share heat scale and one label format for a measured stage, so the map in the
window, the exported PNG/SVG/PDF and the HTML/PDF report colour and label a stage the same.
"""

from __future__ import annotations

import math

from ..analysis.results import StageResult
from ..domain.numbers import finite
from ..metrics import format as fmt
from ..metrics.palette import HEAT_COLOURS, NO_WAIT_COLOUR

#: classes of the wait-share heat scale: (upper bound, colour, legend label). A 5-class
#: sequential yellow → red scale (ColorBrewer YlOrRd, in :mod:`vsm_app.metrics.palette`),
#: binned so the legend reads exactly.
HEAT_SCALE: tuple[tuple[float, str, str], ...] = (
    (0.05, HEAT_COLOURS[0], "< 5 %"),
    (0.15, HEAT_COLOURS[1], "5–15 %"),
    (0.25, HEAT_COLOURS[2], "15–25 %"),
    (0.35, HEAT_COLOURS[3], "25–35 %"),
    (math.inf, HEAT_COLOURS[4], "≥ 35 %"),
)
#: a bound stage with no measured wait (active segments only, or nothing in the window)
NO_WAIT_COLOR = NO_WAIT_COLOUR
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


def overlay_text(stage: StageResult, day_length_s: float,
                 est_wait_s: float | None = None, est_process_s: float | None = None) -> str:
    """The label under a measured stage: one line per measured median, each beside the
    workshop estimate when the map has one::

        wait 23h 13 min · est 8h
        work 3h 55 min · est 1h

    Durations in the one format of :func:`vsm_app.metrics.format.duration` (the map's day
    length). Nothing measured: "no data in window".
    """
    lines = []
    for v, word, est in ((stage.wait_median_s, "wait", est_wait_s),
                         (stage.active_median_s, "work", est_process_s)):
        if finite(v) is None:
            continue
        line = f"{word} {fmt.duration(v, day_length_s)}"
        if finite(est) is not None:
            line += f" · est {fmt.duration(est, day_length_s)}"
        lines.append(line)
    return "\n".join(lines) if lines else NO_DATA_TEXT
