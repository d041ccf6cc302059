"""Dashboard charts (pyqtgraph): DORA, flow, constraint and stage detail panels.

The panels are plain widgets fed with :class:`~vsm_app.analysis.engine.AnalysisResult`
objects; :mod:`vsm_app.ui.docks.dashboards` puts them in docks and wires them to the
measurement controller and the map.
"""

from .base import AreaStack, Chart, Series, TimeChart
from .constraint import ConstraintBanner, ConstraintPanel, WaterfallChart, constraint_headline
from .dora import TILES, DoraPanel, MetricTile
from .flow import FlowPanel
from .stage_detail import StageDetailPanel
from .style import ChartTheme, chart_theme, panel_style_sheet

__all__ = [
    "AreaStack", "Chart", "ChartTheme", "ConstraintBanner", "ConstraintPanel", "DoraPanel",
    "FlowPanel", "MetricTile", "Series", "StageDetailPanel", "TILES", "TimeChart",
    "WaterfallChart", "chart_theme", "constraint_headline", "panel_style_sheet",
]
