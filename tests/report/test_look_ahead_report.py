"""The look-ahead section of the report (issue 19): the same numbers as the core, by hand.

Five changes start 1 Mar 2025 00:00 and merge (the finish: no deployment data) after 1, 2, 3,
4 and 10 days; one more starts 10 Mar and is still open. Flow times 1, 2, 3, 4, 10 days →
p50 3 d, p85 6.4 d, p95 8.8 d; within 5 days: 4 of 5 = 80 %.
"""

from __future__ import annotations

from tests.analysis.frames import change, tables
from vsm_app.analysis.engine import AnalysisOptions, analyze_window, prepare
from vsm_app.domain.model import Project, ProjectSettings
from vsm_app.domain.templates import software_delivery
from vsm_app.pipeline import Measurement
from vsm_app.report.data import build_report_data
from vsm_app.report.html import render_html


def _report(**settings: float):  # type: ignore[no-untyped-def]
    d = "2025-03-"
    t = tables(changes=[
        change("c1", f"{d}01T00:00", f"{d}02T00:00"),
        change("c2", f"{d}01T00:00", f"{d}03T00:00"),
        change("c3", f"{d}01T00:00", f"{d}04T00:00"),
        change("c4", f"{d}01T00:00", f"{d}05T00:00"),
        change("c5", f"{d}01T00:00", f"{d}11T00:00"),
        change("o1", f"{d}10T00:00", None),
    ])
    m = software_delivery()
    for s in m.stages:
        if s.name == "Coding":
            s.wip_limit = 1
    project = Project("p", [m], ProjectSettings(**settings))  # type: ignore[arg-type]
    result = analyze_window(prepare(t, m), AnalysisOptions())
    return build_report_data(project, Measurement(t, result))


def test_the_report_says_what_the_core_computes() -> None:
    data = _report(sle_share=0.85, sle_within_s=5 * 86400.0)
    la = data.look_ahead
    assert la is not None
    assert "5 changes finished" in la.scatter
    # 6.4 d = 6 d 9.6 h, shown to the hour: 6d 10h; 8.8 d = 8 d 19.2 h: 8d 19h
    assert "p50 3d · p85 6d 10h · p95 8d 19h" in la.scatter
    assert la.sle.startswith("80 % of 5 changes finished within 5d (expectation 85 %: missed)")
    # the window runs from the first finish's day, 2 Mar, to 12 Mar (10 days). Coding holds
    # more than 1 change at the end of 2 Mar (c3, c4, c5), 3 Mar (c4, c5) and 9 Mar (c5,
    # and o1, which starts at that instant, 10 Mar 00:00)
    assert any(x.startswith("Coding exceeded its limit of 1 on 3 of") for x in la.limits)
    scatter = data.trend("look_cycle_time")
    assert scatter is not None
    assert sorted(v for s in scatter.series for v in s.values if v is not None) == \
        [d * 86400.0 for d in (1, 2, 3, 4, 10)]
    cfd = data.trend("look_cfd")
    assert cfd is not None and [s.name for s in cfd.series] == ["Arrivals", "Departures (done)"]
    # end of 2 Mar: all five started; c1 and c2 done (c2 merges at that instant)
    assert (cfd.series[0].values[0], cfd.series[1].values[0]) == (5.0, 2.0)
    html = render_html(data)
    assert '<h2 id="look_ahead">Looking ahead</h2>' in html
    assert "Cycle time — one dot per finished change" in html
    assert "To talk about at stand-up" in html


def test_without_an_sle_the_report_says_so() -> None:
    la = _report().look_ahead
    assert la is not None and la.sle.startswith("No service level expectation chosen")
