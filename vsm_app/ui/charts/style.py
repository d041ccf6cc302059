"""Chart colours, fonts, value formatting and the axes of every dashboard chart.

One place decides how a value reads: durations through
:func:`~vsm_app.domain.durations.format_duration` (labels, axis ticks and hover text alike),
rates as percentages, counts as whole numbers. Colours come in a light and a dark
:class:`ChartTheme`; the series palette is Okabe–Ito (safe for colour-blind readers) and every
filled area also carries a hatch pattern so a black-and-white print still tells them apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont

from ...domain.durations import format_duration

# -- value formatting ---------------------------------------------------------------------------

UNITS = ("duration", "percent", "count", "per_week", "number", "days_per_week")


def fmt_pct(value: float | None, digits: int = 1) -> str:
    """A fraction as a percentage (``0.1028`` → ``10.3 %``); None/NaN → an em dash."""
    if value is None or not math.isfinite(float(value)):
        return "—"
    return f"{float(value) * 100:.{digits}f} %"


def fmt_signed_duration(seconds: float | None) -> str:
    """A duration change with its sign: ``+1d 23h``, ``−14h 24 min``, ``0s``."""
    if seconds is None or not math.isfinite(float(seconds)):
        return "—"
    s = float(seconds)
    if s > 0:
        return "+" + format_duration(s)
    if s < 0:
        return "−" + format_duration(-s)
    return format_duration(0.0)


def fmt_value(value: float | None, unit: str, noun: str = "") -> str:
    """``value`` in ``unit`` for people (see :data:`UNITS`); ``noun`` follows counts."""
    if value is None:
        return "—"
    v = float(value)
    if not math.isfinite(v):
        return "—"
    if unit == "duration":
        return format_duration(v)
    if unit == "percent":
        return fmt_pct(v)
    if unit == "count":
        n = int(round(v))
        return f"{n} {noun}".rstrip() if noun else str(n)
    if unit == "per_week":
        return f"{v:.1f} / week"
    if unit == "days_per_week":
        return f"{v:.1f} days / week"
    return f"{v:.1f} {noun}".rstrip()


# -- themes -------------------------------------------------------------------------------------

BAND_NAMES = {"elite": "Elite", "high": "High", "medium": "Medium", "low": "Low"}

#: hatch of each work kind: distinct in black and white
KIND_PATTERNS: dict[str, Qt.BrushStyle] = {
    "feature": Qt.BrushStyle.NoBrush,
    "defect": Qt.BrushStyle.BDiagPattern,
    "debt": Qt.BrushStyle.HorPattern,
    "risk": Qt.BrushStyle.DiagCrossPattern,
}
KINDS = ("feature", "defect", "debt", "risk")


@dataclass(frozen=True)
class ChartTheme:
    """Colours of the charts and dashboard widgets (``#rrggbb`` or ``#aarrggbb``)."""

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

    def q(self, name: str) -> QColor:
        return QColor(getattr(self, name))


LIGHT_CHARTS = ChartTheme(
    name="light", background="#ffffff", panel="#f5f7fa", text="#1d2330", muted="#4a5363",
    grid="#c9d0db", window_fill="#241f6feb", window_edge="#1f6feb",
    readout_fill="#f2ffffff", readout_border="#7a8597",
    series=("#0072b2", "#d55e00", "#009e73", "#cc79a7"),
    worse="#c2410c", better="#0f7b5f", total="#2d3a4f",
    kinds={"feature": "#0072b2", "defect": "#d55e00", "debt": "#009e73", "risk": "#cc79a7"},
    bands={"elite": ("#5b2c8f", "#ffffff"), "high": ("#1e7b34", "#ffffff"),
           "medium": ("#9a5b00", "#ffffff"), "low": ("#b3261e", "#ffffff")},
    headline="#b3261e",
)

DARK_CHARTS = ChartTheme(
    name="dark", background="#1f242d", panel="#262c37", text="#e8ecf2", muted="#b4bdcb",
    grid="#3d4554", window_fill="#3058a6ff", window_edge="#58a6ff",
    readout_fill="#f0262c37", readout_border="#9fb0c9",
    series=("#56b4e9", "#ff8f4a", "#3ddc97", "#e79fc9"),
    worse="#ff8f4a", better="#3ddc97", total="#c9d4e5",
    kinds={"feature": "#56b4e9", "defect": "#ff8f4a", "debt": "#3ddc97", "risk": "#e79fc9"},
    bands={"elite": ("#8e5cc7", "#ffffff"), "high": ("#2f9a4b", "#ffffff"),
           "medium": ("#c98a1e", "#14171c"), "low": ("#e5534b", "#ffffff")},
    headline="#ff6b6b",
)


def chart_theme(name: str) -> ChartTheme:
    """The chart colours of the ``light`` or ``dark`` theme (light for anything else)."""
    return DARK_CHARTS if name == "dark" else LIGHT_CHARTS


def kind_brushes(theme: ChartTheme, kind: str) -> tuple[QBrush, QBrush]:
    """The solid fill (the kind's colour at 43 % over the background, but opaque: stacked
    areas never overlap, and opaque fills draw twice as fast) and the hatch of one work kind's
    area."""
    c = QColor(theme.kinds[kind])
    bg = QColor(theme.background)
    a = 110 / 255
    solid = QColor(round(c.red() * a + bg.red() * (1 - a)),
                   round(c.green() * a + bg.green() * (1 - a)),
                   round(c.blue() * a + bg.blue() * (1 - a)))
    hatch_colour = QColor(c).darker(150) if theme.name == "light" else QColor(c).lighter(130)
    return QBrush(solid), QBrush(hatch_colour, KIND_PATTERNS[kind])


# -- fonts --------------------------------------------------------------------------------------

def font(point_size: float, bold: bool = False) -> QFont:
    """The dashboard font at ``point_size`` (projector-sized defaults live in the callers)."""
    f = QFont()
    f.setPointSizeF(point_size)
    f.setBold(bold)
    return f


TICK_PT = 10.0
TITLE_PT = 11.5

# -- axes ---------------------------------------------------------------------------------------

#: tick steps a duration axis may use, in seconds
DURATION_STEPS = np.array([
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 2 * 3600, 3 * 3600, 6 * 3600,
    12 * 3600, 86400, 2 * 86400, 3 * 86400, 7 * 86400, 14 * 86400, 28 * 86400, 56 * 86400,
    91 * 86400, 182 * 86400, 364 * 86400], dtype=float)


#: at least this many pixels between two value ticks (vertical axes)
TICK_GAP_PX = 24.0


def _wanted_step(span: float, pixels: float, min_px: float = TICK_GAP_PX) -> float:
    """The smallest step that keeps ticks ``min_px`` apart (and gives at least 2 steps)."""
    return max(span / max(pixels / min_px, 2.0), 1e-12)


def _decimal_step(wanted: float) -> float:
    """The next 1, 2 or 5 × 10^k at or above ``wanted``."""
    base = 10.0 ** math.floor(math.log10(wanted))
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * base >= wanted - 1e-12:
            return m * base
    return 10.0 * base


class _SteppedAxis(pg.AxisItem):
    """An axis with one level of ticks at a nice step, never closer than TICK_GAP_PX."""

    min_step = 0.0

    def __init__(self, orientation: str = "left", **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)

    def nice_step(self, wanted: float) -> float:
        return _decimal_step(wanted)

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:
        span = abs(maxVal - minVal)
        if span <= 0 or not math.isfinite(span) or size <= 0:
            return super().tickSpacing(minVal, maxVal, size)
        gap = TICK_GAP_PX if self.orientation in ("left", "right") else 90.0
        return [(max(self.nice_step(_wanted_step(span, size, gap)), self.min_step), 0.0)]


class DurationAxisItem(_SteppedAxis):
    """A value axis in seconds whose ticks fall on whole durations and read ``1d 12h``."""

    def nice_step(self, wanted: float) -> float:
        i = int(np.searchsorted(DURATION_STEPS, wanted))
        if i < len(DURATION_STEPS):
            return float(DURATION_STEPS[i])
        return float(math.ceil(wanted / (364 * 86400)) * 364 * 86400)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        out = []
        for v in values:
            s = float(v) * scale
            out.append("0" if abs(s) < 1e-9 else format_duration(s))
        return out


class PercentAxisItem(_SteppedAxis):
    """A value axis of fractions labelled as percentages (``0.25`` → ``25 %``)."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        digits = 0 if spacing * 100 >= 1 - 1e-9 else 1
        return [f"{v * scale * 100:.{digits}f} %" for v in values]


class CountAxisItem(_SteppedAxis):
    """A value axis of counts: whole-number ticks only."""

    min_step = 1.0

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [str(int(round(v * scale))) for v in values]


class NumberAxisItem(_SteppedAxis):
    """A plain value axis (rates per week) without SI prefixes."""

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        digits = 0 if spacing >= 1 - 1e-9 else 1
        return [f"{v * scale:.{digits}f}" for v in values]


def value_axis(unit: str, orientation: str = "left") -> pg.AxisItem:
    """The axis item for values in ``unit``."""
    if unit == "duration":
        return DurationAxisItem(orientation)
    if unit == "percent":
        return PercentAxisItem(orientation)
    if unit == "count":
        return CountAxisItem(orientation)
    return NumberAxisItem(orientation)


def panel_style_sheet(t: ChartTheme) -> str:
    """QSS of the dashboard panels (sizes for a projector; colours of theme ``t``)."""
    warn_bg, warn_fg, warn_border = (("#fff4e5", "#6b3300", "#d98c2b") if t.name == "light"
                                     else ("#3a2a12", "#ffd8a8", "#c98a1e"))
    return f"""
QWidget#doraPanel, QWidget#flowPanel, QWidget#constraintPanel, QWidget#stageDetailPanel {{
    background: {t.panel}; }}
QLabel {{ color: {t.text}; }}
QLabel#constraintHeadline {{ font-size: 19pt; font-weight: bold; color: {t.headline}; }}
QLabel#constraintBanner {{ font-size: 13pt; font-weight: bold; color: {t.headline}; }}
QLabel#constraintSentence {{ font-size: 12.5pt; color: {t.text}; }}
QLabel#hint {{ font-size: 10pt; color: {t.muted}; }}
QLabel#metricTitle {{ font-size: 11.5pt; font-weight: bold; color: {t.text}; }}
QLabel#metricValue {{ font-size: 19pt; font-weight: bold; color: {t.text}; }}
QLabel#metricDetail {{ font-size: 10pt; color: {t.muted}; }}
QLabel#groupHeading {{ font-size: 11pt; font-weight: bold; color: {t.text}; }}
QLabel#flowSummary {{ font-size: 11.5pt; color: {t.text}; }}
QLabel#stageSummary {{ font-size: 11.5pt; color: {t.text}; }}
QLabel#stabilityWarning {{ background: {warn_bg}; color: {warn_fg};
    border: 1px solid {warn_border}; border-radius: 4px; padding: 6px; font-weight: bold; }}
QFrame#metricTile {{ background: {t.background}; border: 1px solid {t.grid};
    border-radius: 6px; }}
QFrame#metricGroup {{ border: none; border-top: 4px solid {t.muted}; }}
QFrame#metricGroup[group="throughput"] {{ border-top: 4px solid {t.series[0]}; }}
QFrame#metricGroup[group="stability"] {{ border-top: 4px solid {t.series[1]}; }}
"""
