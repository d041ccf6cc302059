"""SVG charts: valid XML, units on the axes, series told apart without colour."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

from vsm_app.report import svgcharts
from vsm_app.report.svgcharts import STYLES, time_chart, x_ticks, y_label, y_ticks

NS = "{http://www.w3.org/2000/svg}"
DAY = 86_400.0


def _weeks(n: int) -> list[date]:
    return [date(2025, 1, 6) + timedelta(weeks=i) for i in range(n)]


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [t.text or "" for t in root.iter(f"{NS}text")]


def test_line_chart_parses_and_labels_durations_with_units() -> None:
    x = _weeks(20)
    median = [DAY * (1 + i % 3) for i in range(20)]
    p85 = [v * 2 for v in median]
    svg = time_chart("Lead time for changes", x, [("median", median), ("p85", p85)],
                     unit="duration", standalone=True)
    texts = _texts(svg)
    assert "Lead time for changes" in texts
    # data up to 6 days: day ticks written by format_duration
    assert {"0", "2d", "4d", "6d"} <= set(texts)
    assert {"median", "p85"} <= set(texts)
    root = ET.fromstring(svg)
    assert root.get("viewBox") == "0 0 560 230"


def test_series_differ_by_dash_and_marker_not_only_colour() -> None:
    x = _weeks(10)
    series = [(f"s{i}", [float(i + j) for j in range(10)]) for i in range(4)]
    svg = time_chart("Waits", x, series, unit="count", standalone=True)
    root = ET.fromstring(svg)
    dashes = {p.get("stroke-dasharray") for p in root.iter(f"{NS}path")}
    assert len({STYLES[i].dash for i in range(4)}) == 4
    assert {s.dash for s in STYLES[1:4]} <= dashes
    shapes = {el.tag.replace(NS, "") for el in root.iter()
              if el.get("fill") == "#ffffff" and el.tag != f"{NS}rect"}
    assert {"circle", "polygon"} <= shapes  # circles, triangles/diamonds


def test_gaps_break_the_line_and_lone_points_keep_a_mark() -> None:
    x = _weeks(7)
    vals = [1.0, 2.0, None, 3.0, None, 4.0, 5.0]
    svg = time_chart("Gaps", x, [("v", vals)], unit="count")
    line = next(d for d in re.findall(r'<path d="([^"]+)" stroke="#1d2330" '
                                      r'stroke-width="2.2"', svg))
    assert line.count("M") == 3  # three pieces: [0,1], [3], [5,6]
    assert svg.count("<circle") >= 1  # the lone point at index 3 is marked


def test_bars_and_empty_data() -> None:
    svg = time_chart("Deployments per week", _weeks(4), [("n", [1, 0, 3, 2])], kind="bar")
    assert svg.count('fill="#9aa5b4"') == 3  # no bar for zero
    empty = time_chart("Nothing", _weeks(3), [("n", [None, None, None])])
    assert "no data in the window" in empty


def test_no_namespace_url_unless_standalone() -> None:
    svg = time_chart("T", _weeks(3), [("n", [1, 2, 3])])
    assert "http" not in svg
    assert "http://www.w3.org/2000/svg" in time_chart("T", _weeks(3), [("n", [1, 2, 3])],
                                                      standalone=True)


def test_axis_helpers() -> None:
    ticks, top = y_ticks(0.43, "ratio")
    assert ticks[0] == 0 and top >= 0.43 and y_label(0.25, "ratio") == "25 %"
    ticks, top = y_ticks(5 * 3600, "duration")
    assert top >= 5 * 3600 and len(ticks) <= 6
    assert y_label(2 * 3600, "duration") == "2h"
    labels = [lbl for _, lbl in x_ticks(date(2024, 11, 4), date(2026, 10, 26))]
    assert labels[0].endswith("2024") or labels[0].endswith("2025")
    assert any(lbl == "Jan 2026" for lbl in labels)
    short = x_ticks(date(2025, 3, 3), date(2025, 3, 31))
    assert all(d.weekday() == 0 for d, _ in short)


def test_signed_bars_print_signed_durations() -> None:
    svg = svgcharts.signed_bars("Change in median lead time", [("Review", 2 * DAY),
                                                               ("Merge", -1800.0)],
                                highlight="Review", standalone=True)
    texts = _texts(svg)
    assert "+2d" in texts and "−30 min" in texts
    assert "Review" in texts
