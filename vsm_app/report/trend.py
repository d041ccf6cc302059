"""A report chart as data: :class:`Trend` and its :class:`TrendSeries` (drawn by
:mod:`vsm_app.report.svgcharts`). Its own module so that both the report's data
(:mod:`vsm_app.report.data`) and its look-ahead section (:mod:`vsm_app.report.look_ahead`)
build charts without importing each other."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass
class TrendSeries:
    name: str
    values: list[float | None]


@dataclass
class Trend:
    """One chart: ``kind`` line | bar | step | points; ``unit`` duration | ratio | count."""

    key: str
    title: str
    kind: str
    unit: str
    x: list[date]
    series: list[TrendSeries]
    note: str = ""


__all__ = ["Trend", "TrendSeries"]
