"""The chart style layer of every pyqtgraph chart: colours, fonts and axes.

The colours, the series order, the tick steps and the tick labels are the product's one chart
style, kept Qt-free in :mod:`vsm_app.metrics.palette` (the report's SVG charts use the same);
values read through :mod:`vsm_app.metrics.format`. This module adds what Qt needs: a
:class:`ChartTheme` that hands out ``QColor``s, brushes for the work kinds (solid fill and
hatch, so a black-and-white print still tells them apart), fonts, and the axis items. The
dashboards (``ui/charts``), the improvement docks' :class:`~vsm_app.ui.improve.charts.TrendChart`
and the stage detail all draw with it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont

from ...metrics import palette
from ...metrics.catalogue import Format
from ...metrics.palette import BAND_NAMES, KINDS  # noqa: F401 - part of this module's interface

#: the units a chart's value axis can have (catalogue formats)
UNITS = tuple(f.value for f in Format)

#: hatch of each work kind: distinct in black and white
KIND_PATTERNS: dict[str, Qt.BrushStyle] = {
    k: getattr(Qt.BrushStyle, v) for k, v in palette.KIND_HATCHES.items()}


@dataclass(frozen=True)
class ChartTheme(palette.ChartColours):
    """The chart colours of one theme (:class:`vsm_app.metrics.palette.ChartColours`), as
    ``QColor`` on request."""

    def q(self, name: str) -> QColor:
        return QColor(getattr(self, name))

    def series_color(self, index: int) -> QColor:
        """The ``index``-th series colour (cycling through the palette)."""
        return QColor(palette.series_colour(index, self))


LIGHT_CHARTS = ChartTheme(**asdict(palette.LIGHT))
DARK_CHARTS = ChartTheme(**asdict(palette.DARK))


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

#: at least this many pixels between two value ticks (vertical axes)
TICK_GAP_PX = 24.0


def _wanted_step(span: float, pixels: float, min_px: float = TICK_GAP_PX) -> float:
    """The smallest step that keeps ticks ``min_px`` apart (and gives at least 2 steps)."""
    return max(span / max(pixels / min_px, 2.0), 1e-12)


class ValueAxisItem(pg.AxisItem):
    """A value axis in one unit (a catalogue :class:`~vsm_app.metrics.catalogue.Format`):
    one level of ticks at the palette's step for the unit (whole durations, 1-2-5 steps,
    whole counts), never closer than :data:`TICK_GAP_PX`, labelled by
    :func:`vsm_app.metrics.palette.tick_label`."""

    def __init__(self, unit: Format | str, orientation: str = "left",
                 **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        self.unit = Format(unit) if unit in UNITS else palette.unit_of(str(unit))
        self.enableAutoSIPrefix(False)
        #: the title shown beside the axis (None: pyqtgraph's label with its units, which
        #: the data exports keep: ``Flow time (s)``)
        self.shown_title: str | None = None

    def labelString(self) -> str:  # noqa: N802 (pyqtgraph name)
        title = getattr(self, "shown_title", None)  # pyqtgraph asks while being built
        if title is not None:
            return f"<span style='{self._labelStyle()}'>{title}</span>"
        return str(super().labelString())

    def _labelStyle(self) -> str:  # noqa: N802
        return "; ".join(f"{k}: {v}" for k, v in self.labelStyle.items())

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:
        span = abs(maxVal - minVal)
        if span <= 0 or not math.isfinite(span) or size <= 0:
            return super().tickSpacing(minVal, maxVal, size)
        if self.unit is Format.SCORE:
            return [(1.0, 0.0)]
        gap = TICK_GAP_PX if self.orientation in ("left", "right") else 90.0
        return [(palette.nice_step(_wanted_step(span, size, gap), self.unit), 0.0)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [palette.tick_label(float(v) * scale, self.unit, spacing * scale)
                for v in values]


#: the unit of a value axis in words, by the catalogue's format (the ticks are formatted
#: already, so the title names the unit rather than scaling it)
UNIT_WORDS: dict[Format, str] = {
    Format.DURATION: "d h min", Format.PERCENT: "%", Format.PER_WEEK: "per week",
    Format.DAYS_PER_WEEK: "days per week", Format.PER_DAY: "per day", Format.COUNT: "count",
    Format.SCORE: "score 1–5",
}


def axis_title(label: str, unit: Format) -> str:
    """A value axis' title: the quantity and its unit (``Time in stage (d h min)``)."""
    word = UNIT_WORDS.get(unit, "")
    return f"{label} ({word})" if word else label


def value_axis(unit: Format | str, orientation: str = "left") -> pg.AxisItem:
    """The axis item for values in ``unit``."""
    return ValueAxisItem(unit, orientation)


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
