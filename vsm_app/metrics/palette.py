"""The one chart style of the product, as data (Qt-free): colours, series looks and axes.

The dashboards and the improvement docks (pyqtgraph, through ``vsm_app.ui.charts.style``)
and the report's SVG charts (:mod:`vsm_app.report.svgcharts`) take their colours, their
series order, their tick steps and their tick labels from here, so a chart reads the same on
screen, in a PDF and in the HTML report.

* Series: Okabe–Ito (safe for colour-blind readers), in a light and a dark variant; work
  kinds keep one colour each; filled areas also carry a hatch (``KIND_HATCHES``) and lines a
  dash pattern, so a black-and-white print still tells them apart.
* Bands: one chip colour per DORA band.
* Heat: the wait-share scale of the map overlay (ColorBrewer YlOrRd).
* Axes: value ticks on whole durations (:data:`DURATION_STEPS`), 1-2-5 steps otherwise,
  labels through :mod:`vsm_app.metrics.format` (:func:`tick_label`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import format as fmt
from .catalogue import Format

#: Okabe–Ito, light background: blue, vermilion, bluish green, reddish purple, orange, sky
#: blue, a dark yellow for the seventh series
SERIES_LIGHT: tuple[str, ...] = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00",
                                 "#56b4e9", "#7a6a00")
#: the same hues lightened for a dark background
SERIES_DARK: tuple[str, ...] = ("#56b4e9", "#ff8f4a", "#3ddc97", "#e79fc9", "#f0c05a",
                                "#8fd3ff", "#f0e442")
KINDS: tuple[str, ...] = ("feature", "defect", "debt", "risk")
#: hatch of each work kind (Qt brush style names): distinct in black and white
KIND_HATCHES: dict[str, str] = {"feature": "NoBrush", "defect": "BDiagPattern",
                                "debt": "HorPattern", "risk": "DiagCrossPattern"}
BAND_NAMES: dict[str, str] = {"elite": "Elite", "high": "High", "medium": "Medium",
                              "low": "Low"}
#: the wait-share heat scale, lowest class first (ColorBrewer YlOrRd, 5 classes)
HEAT_COLOURS: tuple[str, ...] = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
#: a bound stage with no measured wait
NO_WAIT_COLOUR = "#d5dbe5"


@dataclass(frozen=True)
class ChartColours:
    """Colours of the charts and dashboard widgets of one theme (``#rrggbb``/``#aarrggbb``)."""

    name: str
    background: str
    panel: str
    text: str
    muted: str
    grid: str
    window_fill: str
    window_edge: str
    readout_fill: str
    readout_border: str
    #: primary, secondary, tertiary, quaternary series colours
    series: tuple[str, str, str, str]
    worse: str
    better: str
    total: str
    kinds: dict[str, str] = field(default_factory=dict)
    #: band → (chip background, chip text)
    bands: dict[str, tuple[str, str]] = field(default_factory=dict)
    headline: str = "#b3261e"
    #: every series colour, for charts with more than four series
    palette: tuple[str, ...] = SERIES_LIGHT
    #: a target line
    target: str = "#c62828"


LIGHT = ChartColours(
    name="light", background="#ffffff", panel="#f5f7fa", text="#1d2330", muted="#4a5363",
    grid="#c9d0db", window_fill="#241f6feb", window_edge="#1f6feb",
    readout_fill="#f2ffffff", readout_border="#7a8597",
    series=(SERIES_LIGHT[0], SERIES_LIGHT[1], SERIES_LIGHT[2], SERIES_LIGHT[3]),
    worse="#c2410c", better="#0f7b5f", total="#2d3a4f",
    kinds=dict(zip(KINDS, SERIES_LIGHT[:4], strict=True)),
    bands={"elite": ("#5b2c8f", "#ffffff"), "high": ("#1e7b34", "#ffffff"),
           "medium": ("#9a5b00", "#ffffff"), "low": ("#b3261e", "#ffffff")},
    headline="#b3261e", palette=SERIES_LIGHT, target="#c62828",
)

DARK = ChartColours(
    name="dark", background="#1f242d", panel="#262c37", text="#e8ecf2", muted="#b4bdcb",
    grid="#3d4554", window_fill="#3058a6ff", window_edge="#58a6ff",
    readout_fill="#f0262c37", readout_border="#9fb0c9",
    series=(SERIES_DARK[0], SERIES_DARK[1], SERIES_DARK[2], SERIES_DARK[3]),
    worse="#ff8f4a", better="#3ddc97", total="#c9d4e5",
    kinds=dict(zip(KINDS, SERIES_DARK[:4], strict=True)),
    bands={"elite": ("#8e5cc7", "#ffffff"), "high": ("#2f9a4b", "#ffffff"),
           "medium": ("#c98a1e", "#14171c"), "low": ("#e5534b", "#ffffff")},
    headline="#ff6b6b", palette=SERIES_DARK, target="#ff6b6b",
)


def colours(name: str) -> ChartColours:
    """The chart colours of the ``light`` or ``dark`` theme (light for anything else)."""
    return DARK if name == "dark" else LIGHT


# -- print styles (the report's SVG charts) -------------------------------------------------------

@dataclass(frozen=True)
class SeriesLook:
    """One series on paper: colour, dash pattern (SVG ``stroke-dasharray``, "" solid) and a
    marker shape, so grey-scale prints still tell series apart."""

    color: str
    dash: str
    marker: str  # circle | square | triangle | diamond | cross | plus
    width: float = 2.0


#: ink, grid and muted text on paper
INK, GRID, MUTED = LIGHT.text, "#d5d9e0", "#5d6675"
#: the report's series: the screen's palette in its order, each with its own dash and mark
PRINT_SERIES: tuple[SeriesLook, ...] = (
    SeriesLook(INK, "", "circle", 2.2),
    SeriesLook(SERIES_LIGHT[1], "7 4", "square"),
    SeriesLook(SERIES_LIGHT[0], "2 3", "triangle"),
    SeriesLook(SERIES_LIGHT[2], "12 4 3 4", "diamond"),
    SeriesLook(SERIES_LIGHT[3], "5 2", "cross"),
    SeriesLook(SERIES_LIGHT[4], "1.5 2.5", "plus"),
)
#: bars on paper
BAR_FILL = "#9aa5b4"


# -- axes ---------------------------------------------------------------------------------------

#: tick steps a duration axis may use, in seconds
DURATION_STEPS: tuple[float, ...] = (
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 2 * 3600, 3 * 3600, 6 * 3600,
    12 * 3600, 86400, 2 * 86400, 3 * 86400, 7 * 86400, 14 * 86400, 28 * 86400, 56 * 86400,
    91 * 86400, 182 * 86400, 364 * 86400)
YEAR_S = 364 * 86400.0


def duration_step(wanted: float) -> float:
    """The first whole-duration step at or above ``wanted`` seconds."""
    for s in DURATION_STEPS:
        if s >= wanted - 1e-9:
            return float(s)
    return float(math.ceil(wanted / YEAR_S) * YEAR_S)


def decimal_step(wanted: float) -> float:
    """The next 1, 2 or 5 × 10^k at or above ``wanted``."""
    if wanted <= 0 or not math.isfinite(wanted):
        return 1.0
    base = 10.0 ** math.floor(math.log10(wanted))
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * base >= wanted - 1e-12:
            return m * base
    return 10.0 * base


def nice_step(wanted: float, unit: Format | str) -> float:
    """The step of an axis in ``unit`` for at least ``wanted`` between ticks."""
    u = Format(unit)
    if u is Format.DURATION:
        return duration_step(wanted)
    if u in (Format.COUNT, Format.SCORE):
        return max(1.0, decimal_step(wanted))
    if u is Format.PERCENT:
        return max(0.01, decimal_step(wanted))
    return decimal_step(wanted)


def ticks(top: float, unit: Format | str, n: int = 4) -> list[float]:
    """Ticks from 0 to at least ``top`` (≥ 0) in about ``n`` steps."""
    top = max(float(top), 0.0)
    u = Format(unit)
    if u is Format.DURATION:
        top = max(top, 60.0)
    elif u is Format.PERCENT:
        top = max(top, 0.05)
    else:
        top = max(top, 1.0)
    step = nice_step(top / max(1, n), u)
    if u is Format.DURATION:
        step = next((s for s in DURATION_STEPS if top / s <= n + 1), DURATION_STEPS[-1])
    k = math.ceil(top / step - 1e-9)
    return [i * step for i in range(k + 1)]


def tick_label(value: float, unit: Format | str, spacing: float = 1.0) -> str:
    """A tick's label: ``1d 12h``, ``25 %``, ``1,200``, ``2.5``; zero reads ``0`` (``0 %`` on
    a percent axis, like its other ticks)."""
    u = Format(unit)
    if abs(value) < 1e-12:
        return "0 %" if u is Format.PERCENT else "0"
    if u is Format.DURATION:
        return fmt.duration(value)
    if u is Format.PERCENT:
        return fmt.percent(value, 0 if spacing * 100 >= 1 - 1e-9 else 1)
    if u in (Format.COUNT, Format.SCORE):
        return fmt.number(round(value), 0)
    return fmt.number(value, 0 if spacing >= 1 - 1e-9 else 1, trim=True)


def series_colour(index: int, theme: ChartColours = LIGHT) -> str:
    return theme.palette[index % len(theme.palette)]


def unit_of(old: str) -> Format:
    """The catalogue format of an older unit name (``s``, ``ratio``, ``changes``…)."""
    return {"s": Format.DURATION, "duration": Format.DURATION, "ratio": Format.PERCENT,
            "percent": Format.PERCENT, "per_week": Format.PER_WEEK,
            "days_per_week": Format.DAYS_PER_WEEK, "count": Format.COUNT,
            "changes": Format.NUMBER, "lines": Format.NUMBER, "score": Format.SCORE,
            "number": Format.NUMBER}.get(old, Format.NUMBER)


def pick(values: Sequence[str], i: int) -> str:
    return values[i % len(values)]
