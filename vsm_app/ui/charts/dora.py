"""The DORA dashboard: throughput and stability side by side, never one alone.

Each metric is a :class:`MetricTile`: its value for the analysed window, its performance band
as a coloured chip naming the band (``—`` with the reason in the tooltip when the value
cannot be computed), a line of context (counts, p85) and its trend per period on the shared
time axis. Throughput (deployment frequency with deployment days, lead time for changes) and
stability (change failure rate, recovery time, rework rate) are two labelled groups that are
always both on screen; the pipeline failure rate is shown apart, as CI health.

:meth:`DoraPanel.show_metrics` lets a caller narrow the tiles, but a request that would show a
speed metric without its stability counterpart is refused with the text of
:func:`vsm_app.analysis.baseline.stability_warnings`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ...analysis.baseline import stability_warnings
from ...analysis.engine import AnalysisResult
from ...analysis.results import DoraCounts, DoraSummary, MetricValues
from ...metrics import format as fmt
from ...metrics.catalogue import Metric, metric
from .base import Chart, TimeChart
from .constraint import ConstraintBanner
from .data import PeriodAxis, column, period_axis
from .style import BAND_NAMES, ChartTheme


@dataclass(frozen=True)
class TrendSpec:
    """One series of a tile's trend: a ``dora_by_period`` column, or (``rolling``) the rate
    ``Σ numerator ÷ Σ denominator`` over the last few periods, from the engine's counts."""

    column: str
    label: str
    role: str = "s0"
    kind: str = "line"  # line | bars
    dashed: bool = False
    symbol: str | None = None
    rolling: tuple[str, str] | None = None
    #: mostly empty periods (recoveries): never averaged down, or its points would vanish
    sparse: bool = False


@dataclass(frozen=True)
class TileSpec:
    """One DORA metric's tile: its catalogue id, group and trend; the title, the band table
    and the value's format come from the metric catalogue."""

    key: str
    group: str  # throughput | stability | ci
    trend: tuple[TrendSpec, ...] = field(default_factory=tuple)
    #: a shorter title than the catalogue's label, where the tile is narrow
    short_title: str = ""

    @property
    def metric(self) -> Metric:
        return metric(self.key)

    @property
    def json_key(self) -> str:
        return self.metric.key

    @property
    def title(self) -> str:
        return self.short_title or self.metric.label

    @property
    def band(self) -> str | None:
        return self.metric.band

    @property
    def unit(self) -> str:
        return self.metric.format.value

    @property
    def trend_unit(self) -> str:
        return self.unit


def _rate_trend(column: str, role: str, num: str, den: str) -> tuple[TrendSpec, ...]:
    return (TrendSpec(column, "Per week", role, kind="bars"),
            TrendSpec(f"{column}_rolling", "Rolling 8 weeks", "total", symbol=None,
                      rolling=(num, den)))


TILES: tuple[TileSpec, ...] = (
    TileSpec("dora.deployment_frequency_per_week", "throughput",
             (TrendSpec("deployments_per_week", "Deployments", "s0", kind="bars"),
              TrendSpec("deployment_days_per_week", "Deployment days", "total"))),
    TileSpec("dora.lead_time_median_s", "throughput",
             (TrendSpec("lead_time_median_s", "Median", "s0", symbol="o"),
              TrendSpec("lead_time_p85_s", "p85", "s0", dashed=True))),
    TileSpec("dora.change_failure_rate", "stability",
             _rate_trend("change_failure_rate", "s1", "failed_deployments", "deployments")),
    TileSpec("dora.recovery_time_median_s", "stability",
             (TrendSpec("recovery_time_median_s", "Median recovery time", "s1", symbol="o",
                        sparse=True),), short_title="Recovery time"),
    TileSpec("dora.rework_rate", "stability",
             _rate_trend("rework_rate", "s1", "rework_deployments", "deployments")),
    TileSpec("dora.pipeline_failure_rate", "ci",
             _rate_trend("pipeline_failure_rate", "s3", "failed_deploy_runs", "deploy_runs")),
)

#: periods in a rolling rate, and its legend label, per period kind
ROLLING = {"day": (28, "Rolling 28 days", "Per day"), "week": (8, "Rolling 8 weeks", "Per week"),
           "month": (3, "Rolling 3 months", "Per month")}


def rolling_rate(frame: Any, num: str, den: str, n_periods: int, n: int) -> np.ndarray:
    """``Σ num ÷ Σ den`` over each period and the ``n_periods − 1`` before it (NaN where no
    denominator)."""
    if n == 0:
        return np.empty(0)
    a = np.nan_to_num(column(frame, num, n))
    b = np.nan_to_num(column(frame, den, n))
    k = np.ones(max(1, n_periods))
    sa = np.convolve(a, k)[:n]
    sb = np.convolve(b, k)[:n]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sb > 0, sa / np.where(sb > 0, sb, 1.0), np.nan)


SPEED_KEYS = tuple(t.key for t in TILES if t.group == "throughput")
STABILITY_KEYS = tuple(t.key for t in TILES if t.group == "stability")
#: the tiles' smallest heights (wide: figures beside the trend; compact: the trend under
#: them); a taller dock gives every tile, and so its trend, its share of the room
TILE_H = 130
TILE_H_COMPACT = 206
#: below this panel width the tiles put their trend under the figures
COMPACT_BELOW_PX = 1180
#: below this panel width the groups stack in one column (above it: two, side by side)
ONE_COLUMN_BELOW_PX = 560
NO_BAND_TIP = "The DORA report publishes no performance band for {what}."


def detail_text(spec: TileSpec, dora: DoraSummary) -> str:
    """The context line under a tile's value (counts, p85, deployment days)."""
    counts = dora.counts or DoraCounts()
    deployments = counts.deployments
    key = spec.json_key
    if key == "deployment_frequency_per_week":
        parts = []
        if dora.deployment_days_per_week is not None:
            days = fmt.number(dora.deployment_days_per_week,
                              metric("dora.deployment_days_per_week").decimals)
            parts.append(f"on {days} deployment days / week")
        if dora.counts is not None:
            parts.append(fmt.count(deployments, "deployments"))
        return " · ".join(parts)
    if key == "lead_time_median_s":
        parts = ["median"]
        if dora.lead_time_p85_s is not None:
            parts.append(f"p85 {fmt.value('dora.lead_time_p85_s', dora.lead_time_p85_s)}")
        if dora.counts is not None:
            parts.append(fmt.count(counts.changes_with_lead_time, "changes"))
        return " · ".join(parts)
    if dora.counts is None:
        return ""
    if key == "change_failure_rate" and deployments:
        return (f"{fmt.count(counts.failed_deployments)} of "
                f"{fmt.count(deployments, 'deployments')} caused a failure")
    if key == "recovery_time_median_s":
        return f"median of {fmt.count(counts.recoveries, 'recoveries')}"
    if key == "rework_rate" and deployments:
        return (f"{fmt.count(counts.rework_deployments)} of "
                f"{fmt.count(deployments, 'deployments')} were unplanned fixes")
    if key == "pipeline_failure_rate" and counts.deploy_runs:
        return (f"{fmt.count(counts.failed_deploy_runs)} of "
                f"{fmt.count(counts.deploy_runs, 'deploy runs')} failed")
    return ""


class BandChip(QLabel):
    """A rounded chip naming the performance band, in the band's colour."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("—", parent)
        self.setObjectName("bandChip")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.band: str | None = None
        self._state = "none"
        self._theme: ChartTheme | None = None

    def set_band(self, band: str | None, tooltip: str, state: str = "band") -> None:
        """``band`` (elite/high/medium/low); None shows ``—`` (state ``null``), ``no band``
        (state ``unbanded``) or ``band withheld`` (state ``withheld``: too little data)."""
        self.band = band
        self._state = state if band is None else "band"
        if band is not None:
            self.setText(BAND_NAMES.get(band, band.capitalize()))
        else:
            self.setText({"null": "—", "withheld": "band withheld"}.get(state, "no band"))
        self.setToolTip(tooltip)
        self._restyle()

    def apply_theme(self, theme: ChartTheme) -> None:
        self._theme = theme
        self._restyle()

    def _restyle(self) -> None:
        t = self._theme
        if t is None:
            return
        if self.band is not None and self.band in t.bands:
            bg, fg = t.bands[self.band]
            self.setStyleSheet(f"QLabel#bandChip {{ background: {bg}; color: {fg}; "
                               "border-radius: 9px; padding: 2px 10px; font-weight: bold; }")
        else:
            self.setStyleSheet(f"QLabel#bandChip {{ background: transparent; color: {t.muted};"
                               f" border: 1px solid {t.grid}; border-radius: 9px; "
                               "padding: 2px 10px; }")


class MetricTile(QFrame):
    """One DORA metric: title, value, band chip, context line and trend chart."""

    def __init__(self, spec: TileSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setObjectName("metricTile")
        self.title_label = QLabel(spec.title)
        self.title_label.setObjectName("metricTitle")
        self.value_label = QLabel("—")
        self.value_label.setObjectName("metricValue")
        self.band_chip = BandChip()
        self.detail_label = QLabel("")
        self.detail_label.setObjectName("metricDetail")
        self.detail_label.setWordWrap(True)
        # a saved baseline shown beside now (Improve ▸ Baselines ▸ "Show baseline beside now")
        self.baseline_label = QLabel("")
        self.baseline_label.setObjectName("metricBaseline")
        self.baseline_label.setVisible(False)
        for lab in (self.value_label, self.detail_label):
            lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.trend = TimeChart(spec.title, spec.trend_unit, show_title=False, min_height=104)
        self.trend.setMinimumWidth(260)
        for t in spec.trend:
            if t.kind == "bars":
                self.trend.add_bars(t.column, t.label, role=t.role)
            else:
                self.trend.add_line(t.column, t.label, role=t.role, symbol=t.symbol,
                                    width=1.0 if t.dashed else 2.2,
                                    style=Qt.PenStyle.DashLine if t.dashed else
                                    Qt.PenStyle.SolidLine,
                                    reduce="none" if t.sparse else "mean")
        if len(spec.trend) > 1:
            self.trend.add_legend([t.column for t in spec.trend])
        left = QVBoxLayout()
        left.setSpacing(2)
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.title_label)
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(self.value_label)
        row.addWidget(self.band_chip, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addStretch(1)
        left.addLayout(row)
        left.addWidget(self.baseline_label)
        left.addWidget(self.detail_label)
        left.addStretch(1)
        self.box = QWidget()
        self.box.setLayout(left)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(8, 6, 6, 6)
        self._grid.setSpacing(6)
        self.compact: bool | None = None
        # grow with the dock: the tile (and its trend) takes its share of a tall panel
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.trend.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.set_compact(False)

    def set_compact(self, compact: bool) -> None:
        """Wide: figures left of the trend (one row). Compact: the trend under the figures,
        for a narrow dock."""
        if compact == self.compact:
            return
        self.compact = compact
        self._grid.removeWidget(self.box)
        self._grid.removeWidget(self.trend)
        if compact:
            self.box.setMinimumWidth(0)
            self.box.setMaximumWidth(16_777_215)
            self._grid.addWidget(self.box, 0, 0)
            self._grid.addWidget(self.trend, 1, 0)
            self._grid.setColumnStretch(1, 0)
            self._grid.setColumnStretch(0, 1)
            self._grid.setRowStretch(0, 0)
            self._grid.setRowStretch(1, 1)
            self.setMinimumHeight(TILE_H_COMPACT)
            self.trend.setMinimumWidth(200)
        else:
            self.box.setFixedWidth(250)
            self._grid.addWidget(self.box, 0, 0)
            self._grid.addWidget(self.trend, 0, 1)
            self._grid.setColumnStretch(0, 0)
            self._grid.setColumnStretch(1, 1)
            self._grid.setRowStretch(0, 1)
            self._grid.setRowStretch(1, 0)
            self.setMinimumHeight(TILE_H)
            self.trend.setMinimumWidth(260)

    def set_value(self, dora: DoraSummary) -> None:
        """Show this metric of the window's DORA section."""
        spec = self.spec
        value = dora.value(spec.json_key)
        reason = dora.reason(spec.json_key)
        year = dora.bands.year
        self.value_label.setText(fmt.value(spec.metric, value))
        self.value_label.setToolTip(reason if value is None else
                                    fmt.tooltip(spec.metric, year or None))
        self.detail_label.setText(detail_text(spec, dora) if value is not None else
                                  (reason or "not measured in this window"))
        self.trend.set_empty_reason(reason or "not measured in this window")
        self.title_label.setToolTip(fmt.tooltip(spec.metric, year or None))
        if spec.band is None:
            what = spec.title.lower()
            self.band_chip.set_band(None, NO_BAND_TIP.format(what=what), "unbanded")
        elif value is None or dora.bands.band(spec.band) is None:
            withheld = dora.bands.withheld(spec.band)
            if value is not None and withheld:
                self.band_chip.set_band(None, f"Band withheld: {withheld}", "withheld")
            else:
                self.band_chip.set_band(None, reason or "No value in this window, so no band",
                                        "null")
        else:
            band = str(dora.bands.band(spec.band))
            bands = fmt.band_thresholds(spec.metric, year)
            self.band_chip.set_band(band, f"DORA {year} performance band: "
                                          f"{BAND_NAMES.get(band, band)}"
                                    + (f"\n{'; '.join(bands)}" if bands else ""))

    def set_baseline(self, value: float | None, name: str | None) -> None:
        """Show the baseline's value of this metric beside now (None/None hides it)."""
        if name is None:
            self.baseline_label.setVisible(False)
            self.baseline_label.setText("")
            return
        self.baseline_label.setText(f"Baseline “{name}”: {fmt.value(self.spec.metric, value)}")
        self.baseline_label.setVisible(True)

    def set_trend(self, context: Any, axis: PeriodAxis) -> None:
        frame = getattr(context, "dora_by_period", None)
        n = len(axis)
        n_roll, roll_label, per_label = ROLLING.get(axis.period, ROLLING["week"])
        for t in self.spec.trend:
            if t.rolling is not None:
                y = rolling_rate(frame, *t.rolling, n_roll, n)
                self.trend.set_series_label(t.column, roll_label)
            else:
                y = column(frame, t.column, n)
                if t.label.startswith("Per "):
                    self.trend.set_series_label(t.column, per_label)
            self.trend.set_series(t.column, axis.mid_s, y, bins=axis)
        self.trend.set_periods(axis)
        self.trend.fit_y()


class DoraPanel(QWidget):
    """The DORA dashboard (see module docstring)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("doraPanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.banner = ConstraintBanner()
        self.window_label = QLabel("")
        self.window_label.setObjectName("hint")
        self.window_label.setWordWrap(True)  # a narrow dock: two lines, not a scroll bar
        self.window_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.warning = QLabel("")
        self.warning.setObjectName("stabilityWarning")
        self.warning.setWordWrap(True)
        self.warning.hide()
        self.tiles: dict[str, MetricTile] = {t.key: MetricTile(t) for t in TILES}
        self.groups: dict[str, QFrame] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 8, 10, 8)
        outer.setSpacing(6)
        top = self.top = QHBoxLayout()
        top.addWidget(self.banner, 1)
        top.addWidget(self.window_label, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        outer.addLayout(top)
        outer.addWidget(self.warning)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(8)
        heads = {"throughput": ("Throughput", "how fast changes reach users"),
                 "stability": ("Stability", "what that speed costs"),
                 "ci": ("CI health", "apart: a failed deploy job is not a change failure")}
        for g in ("throughput", "stability", "ci"):
            self._group(g, *heads[g])
        self.columns = 0
        self._set_columns(2)
        outer.addLayout(self.grid, 1)
        self._requested: set[str] = {t.key for t in TILES}

    def _group(self, group: str, title: str, subtitle: str) -> QFrame:
        frame = QFrame()
        frame.setObjectName("metricGroup")
        frame.setProperty("group", group)
        lay = QVBoxLayout(frame)
        lay.setContentsMargins(6, 4, 6, 6)
        lay.setSpacing(4)
        head = QLabel(f"{title.upper()}  <span style='font-weight:normal'>· {subtitle}</span>")
        head.setObjectName("groupHeading")
        head.setTextFormat(Qt.TextFormat.RichText)
        head.setWordWrap(True)
        lay.addWidget(head)
        for spec in TILES:
            if spec.group == group:
                lay.addWidget(self.tiles[spec.key], 1)
        frame.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.groups[group] = frame
        return frame

    # -- data ---------------------------------------------------------------------------------------
    def set_result(self, result: AnalysisResult) -> None:
        """Values and bands of the analysed window."""
        for tile in self.tiles.values():
            tile.set_value(result.dora)
        self.banner.set_result(result)
        if result.window is not None:
            self.window_label.setText(f"{fmt.window(*result.window)} · "
                                      f"{fmt.count(result.deployments, 'deployments')}")
        else:
            self.window_label.setText("no data")

    def clear(self) -> None:
        """Nothing measured (yet): every value a dash."""
        for tile in self.tiles.values():
            tile.value_label.setText("—")
            tile.value_label.setToolTip("")
            tile.detail_label.setText("not measured yet")
            tile.band_chip.set_band(None, "not measured yet", "null")
        self.banner.clear()
        self.window_label.setText("")

    def set_baseline(self, values: MetricValues | None, name: str | None) -> None:
        """Each tile shows the baseline's value of its metric; ``None`` hides them."""
        for key, tile in self.tiles.items():
            tile.set_baseline(values.get(key) if values is not None else None,
                              name if values is not None else None)

    def set_trends(self, context: Any, axis: PeriodAxis | None = None) -> None:
        """The weekly (per period) trend of every metric over the measured span."""
        axis = axis or period_axis(context)
        for tile in self.tiles.values():
            tile.set_trend(context, axis)

    def _set_columns(self, n: int) -> None:
        """Two columns (throughput and CI health beside stability) or one (stacked), so a
        narrow dock re-flows the tiles instead of scrolling sideways."""
        if n == self.columns:
            return
        self.columns = n
        for frame in self.groups.values():
            self.grid.removeWidget(frame)
        for i in range(3):
            self.grid.setRowStretch(i, 0)
            self.grid.setColumnStretch(i, 0)
        # one column: the window line under the headline, which keeps the width to wrap in
        self.top.setDirection(QHBoxLayout.Direction.LeftToRight if n == 2
                              else QHBoxLayout.Direction.TopToBottom)
        side = (Qt.AlignmentFlag.AlignRight if n == 2 else Qt.AlignmentFlag.AlignLeft) \
            | Qt.AlignmentFlag.AlignTop
        self.window_label.setAlignment(side)
        self.top.setAlignment(self.window_label, side)
        g = self.groups
        if n == 2:
            self.grid.addWidget(g["throughput"], 0, 0)
            self.grid.addWidget(g["ci"], 1, 0)
            self.grid.addWidget(g["stability"], 0, 1, 2, 1)
            # rows share the height as their tiles do: two throughput tiles, one CI
            self.grid.setRowStretch(0, 2)
            self.grid.setRowStretch(1, 1)
            self.grid.setColumnStretch(0, 1)
            self.grid.setColumnStretch(1, 1)
        else:
            for row, name in enumerate(("throughput", "stability", "ci")):
                self.grid.addWidget(g[name], row, 0)
                self.grid.setRowStretch(row, 3 if name == "stability" else 2
                                        if name == "throughput" else 1)
            self.grid.setColumnStretch(0, 1)

    def resizeEvent(self, event: Any) -> None:
        compact = self.width() < COMPACT_BELOW_PX
        for tile in self.tiles.values():
            tile.set_compact(compact)
        self._set_columns(1 if self.width() < ONE_COLUMN_BELOW_PX else 2)
        super().resizeEvent(event)

    def charts(self) -> list[Chart]:
        return [t.trend for t in self.tiles.values()]

    def time_charts(self) -> list[TimeChart]:
        return [t.trend for t in self.tiles.values()]

    # -- guard rail -----------------------------------------------------------------------------------
    def show_metrics(self, keys: Iterable[str]) -> list[str]:
        """Show only ``keys`` (``"dora.lead_time_median_s"`` …), each group keeping at least
        its own tiles; refused (everything shown, the warning on screen) when a speed metric
        would be shown without its stability counterpart. Returns the warnings."""
        wanted = set(keys)
        warnings = stability_warnings(wanted)
        if warnings:
            self._requested = {t.key for t in TILES}
            self.warning.setText("⚠ Not shown alone: " + "; ".join(warnings)
                                 + ". Speed bought with failures is no improvement, so both "
                                   "groups stay on screen.")
            self.warning.show()
        else:
            self._requested = wanted
            self.warning.hide()
        for group in ("throughput", "stability"):
            keys_in = [t.key for t in TILES if t.group == group]
            keep = [k for k in keys_in if k in self._requested] or keys_in
            for k in keys_in:
                self.tiles[k].setVisible(k in keep)
            self.groups[group].setVisible(True)
        return warnings

    def shown_metrics(self) -> list[str]:
        """Keys of the metric tiles not hidden (for the guard-rail check)."""
        return [k for k, t in self.tiles.items() if not t.isHidden()]

    # -- looks ------------------------------------------------------------------------------------
    def apply_theme(self, theme: ChartTheme) -> None:
        for tile in self.tiles.values():
            tile.trend.apply_theme(theme)
            tile.band_chip.apply_theme(theme)
