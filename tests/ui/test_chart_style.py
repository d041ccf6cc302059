"""One chart style: the dashboards, the improvement docks' charts and the report's SVG charts
take the same palette, the same axis steps and the same value formats."""

from __future__ import annotations

from typing import Any

import numpy as np

from vsm_app.metrics import palette
from vsm_app.report import svgcharts
from vsm_app.ui.charts import TimeChart
from vsm_app.ui.charts.base import role_color
from vsm_app.ui.charts.style import ValueAxisItem, chart_theme
from vsm_app.ui.improve.charts import TrendChart


def test_the_screens_and_the_report_share_the_palette(qtbot: Any) -> None:
    light = chart_theme("light")
    # dashboards: series roles s0..s3 are the palette's first four colours (Okabe–Ito)
    assert [role_color(light, f"s{i}").name() for i in range(4)] == \
        list(palette.SERIES_LIGHT[:4])
    # the improvement docks' lines: the same colours in the same order
    chart = TrendChart("Lead time", "s")
    qtbot.addWidget(chart)
    chart.add_series("median", [0.0, 604800.0], [3600.0, 7200.0])
    chart.add_series("p85", [0.0, 604800.0], [7200.0, 9000.0])
    pens = [item.opts["pen"].color().name() for item, _i, kind in chart._styled
            if kind == "line"]
    assert pens == list(palette.SERIES_LIGHT[:2])
    # the report: its second and third series are the palette's vermilion and blue, on paper
    # told apart by dash and marker too
    assert (svgcharts.STYLES[1].color, svgcharts.STYLES[2].color) == (
        palette.SERIES_LIGHT[1], palette.SERIES_LIGHT[0])
    assert len({s.dash for s in svgcharts.STYLES}) == len(svgcharts.STYLES)


def test_every_value_axis_reads_like_the_report(qtbot: Any) -> None:
    from PySide6.QtWidgets import QWidget

    holder = QWidget()  # the chart closes with its holder (a PlotWidget closes only once)
    qtbot.addWidget(holder)
    chart = TimeChart("Lead time", "duration", parent=holder)
    dash_axis = chart.plotItem.getAxis("left")
    trend = TrendChart("Lead time", "s")
    qtbot.addWidget(trend)
    improve_axis = trend.plot.getPlotItem().getAxis("left")
    assert isinstance(dash_axis, ValueAxisItem) and isinstance(improve_axis, ValueAxisItem)
    # ticks on whole durations: 1d 12h, never 1.5d; zero is 0
    values = [0.0, 36 * 3600.0, 3 * 86400.0]
    assert dash_axis.tickStrings(values, 1.0, 36 * 3600.0) == ["0", "1d 12h", "3d"]
    assert improve_axis.tickStrings(values, 1.0, 36 * 3600.0) == ["0", "1d 12h", "3d"]
    assert [svgcharts.y_label(v, "duration") for v in values] == ["0", "1d 12h", "3d"]
    # percentages: whole percents at a step of 1 % or more, zero with its unit too (as every
    # percent axis read before the one chart style: dashboards, improvement docks, report)
    pct = ValueAxisItem("percent")
    assert pct.tickStrings([0.0, 0.25], 1.0, 0.25) == ["0 %", "25 %"]
    assert svgcharts.y_label(0.25, "ratio", 0.25) == "25 %"
    assert svgcharts.y_label(0.0, "ratio", 0.25) == "0 %"
    # the steps: a 5-hour span gets hourly ticks on screen and on paper
    assert palette.nice_step(5 * 3600 / 5, "duration") == 3600.0
    ticks, top = svgcharts.y_ticks(5 * 3600, "duration")
    assert np.diff(ticks).tolist() == [3600.0] * 5 and top == 5 * 3600
