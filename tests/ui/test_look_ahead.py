"""The look-ahead dock (issue 19): the charts show the core's values, the SLE is one undoable
project edit, the CSV goes through the formula-neutralising writer.

The data: five changes start 1 Mar 2025 00:00 and merge (no deployment data: merge is the
finish) after 1, 2, 3, 4 and 10 days; one more starts 10 Mar and is still open. With no pull
request events a change is in Coding from its first commit until its merge.
Flow times 1, 2, 3, 4, 10 days → p50 3 d, p85 4 + 0.4·6 = 6.4 d, p95 4 + 0.8·6 = 8.8 d
(linear interpolation, docs/metrics.md §1).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from tests.analysis.frames import DAY, change, tables
from vsm_app.analysis.engine import prepare
from vsm_app.analysis.flow_analytics import (
    FlowUnits,
    ServiceLevel,
    change_units,
    forecast_when,
    throughput_sample,
)
from vsm_app.ui.docks.look_ahead import LookAheadPanel, compute_look_ahead
from vsm_app.ui.export import export_plot_data_csv

BAD = "=cmd|' /C calc'!A0"


def _units() -> FlowUnits:
    d = "2025-03-"
    t = tables(changes=[
        change("c1", f"{d}01T00:00", f"{d}02T00:00"),
        change("c2", f"{d}01T00:00", f"{d}03T00:00", kind="defect"),
        change("c3", f"{d}01T00:00", f"{d}04T00:00"),
        change("c4", f"{d}01T00:00", f"{d}05T00:00"),
        change("c5", f"{d}01T00:00", f"{d}11T00:00", merge_sha=BAD),
        change("o1", f"{d}10T00:00", None),
    ])
    return change_units(prepare(t, None), t.changes)


@pytest.fixture
def panel(qtbot: Any) -> LookAheadPanel:
    p = LookAheadPanel()
    qtbot.addWidget(p)
    p.resize(1200, 700)
    p.show()
    qtbot.waitExposed(p)
    d = compute_look_ahead(_units(), "2025-03-01", "2025-03-12",
                           sle=ServiceLevel.parse("85% within 5 days"))
    p.set_data(d)
    return p


def test_the_scatter_draws_one_dot_per_finished_change_and_the_core_percentiles(
        panel: LookAheadPanel, qtbot: Any) -> None:
    sc = panel.scatter
    assert sc.dot_count() == 5  # o1 is not finished
    assert len(sc.series["kind_defect"].x) == 1  # c2
    for name, days in (("p50", 3.0), ("p85", 6.4), ("p95", 8.8)):
        y = sc.series[name].y
        assert y == pytest.approx([days * DAY, days * DAY]), name
    assert sc.series["sle"].y == pytest.approx([5 * DAY, 5 * DAY])
    # 4 of 5 within 5 days = 80 % < 85 %: missed, in the summary
    assert "80 % of 5 changes" in panel.scatter_summary.text()
    assert "missed" in panel.scatter_summary.text()


def test_hovering_a_dot_names_the_change_by_its_sha(panel: LookAheadPanel, qtbot: Any) -> None:
    sc = panel.scatter
    x = pd.Timestamp("2025-03-04T00:00", tz="UTC").value / 1e9  # c3: finished 4 Mar, 3 days
    qtbot.waitUntil(lambda: sc.plotItem.getViewBox().width() > 100)
    text = sc.hover_at(x, 3 * DAY)
    assert text.splitlines()[0] == "sha-c3"
    assert "3d" in text and "4 Mar 2025" in text


def test_cfd_band_heights_on_a_day_are_the_counts_by_stage(panel: LookAheadPanel) -> None:
    cfd = panel.cfd
    days = [str(d.date()) for d in cfd.data.bands.index]
    # sampled at the end of each day; a change merging at the sample is done
    # 1 Mar (→ 2 Mar 00:00): c1 done; c2–c5 in Coding
    # 3 Mar (→ 4 Mar 00:00): c1–c3 done; c4, c5 in Coding
    # 10 Mar (→ 11 Mar 00:00): all five done; o1 (started 10 Mar) in Coding
    for day, coding, done in (("2025-03-01", 4, 1), ("2025-03-03", 2, 3),
                              ("2025-03-10", 1, 5)):
        i = days.index(day)
        assert cfd.band_height("Coding")[i] == coding, day
        assert cfd.band_height("Done")[i] == done, day
        assert cfd.band_height("Review")[i] == 0, day
    # the top of the first stage is the cumulative arrivals: 5 on 1 Mar (all started)
    assert cfd.band_top("Coding")[days.index("2025-03-01")] == 5


def test_aging_places_the_open_change_by_its_age_against_the_stage_stays(
        panel: LookAheadPanel) -> None:
    ag = panel.aging
    xs, ys = ag._xy
    # now = until = 12 Mar 00:00; o1 in Coding since 10 Mar: 2 days; column 0 (Coding)
    assert list(xs) == [0.0] and list(ys) == [2 * DAY]
    # Coding stays of the five finished: 1, 2, 3, 4, 10 d → p50 3 d, p85 6.4 d: the first
    # band spans 0 → p50 and the second p50 → p85, in the Coding column
    first, second = ag.bands[0].opts, ag.bands[1].opts
    assert list(first["x"])[0] == 0.0
    assert first["height"][0] == pytest.approx(3 * DAY)
    assert second["y0"][0] == pytest.approx(3 * DAY)
    assert second["height"][0] == pytest.approx(3.4 * DAY)
    assert "1 change" in panel.aging_summary.text()
    assert panel.standup.item(0).text() == "Nothing is older than usual: every open unit " \
        "is within its stage's p85."


def test_the_forecast_of_a_constant_throughput_is_one_day(qtbot: Any) -> None:
    # one change finishes every day for 60 days: 5 more are done on the 5th day after the
    # sample, in every trial
    start = pd.Timestamp("2025-01-01", tz="UTC")
    rows = [change(f"c{i}", str((start + pd.Timedelta(days=i)).date()) + "T00:00",
                   str((start + pd.Timedelta(days=i)).date()) + "T12:00") for i in range(60)]
    t = tables(changes=rows)
    units = change_units(prepare(t, None), t.changes)
    fc = forecast_when(throughput_sample(units), 5, trials=2000)
    p = LookAheadPanel()
    qtbot.addWidget(p)
    p.set_forecast(fc)
    bars = p.forecast.series["trials"]
    assert list(bars.y) == [2000.0]
    # the sample ends 1 Mar (day 59); forecasting starts 2 Mar; the 5th day is 6 Mar
    assert "by <b>6 Mar 2025</b>" in p.forecast_answer.text()
    day = pd.Timestamp("2025-03-06", tz="UTC").value / 1e9 + DAY / 2
    assert [line.value() for line in p.forecast.answer_lines] == [day] * 4


def test_chart_csv_is_the_charts_table_through_the_neutralising_writer(
        panel: LookAheadPanel, tmp_path: Path) -> None:
    out = export_plot_data_csv(panel.scatter, tmp_path / "scatter.csv")
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0] == ["series", "unit", "kind", "finished_at", "flow_time_s"]
    dots = [r for r in rows[1:] if r[0] == "dot"]
    assert len(dots) == 5
    assert dots[-1][1] == "'" + BAD[:12]  # a sha that looks like a formula stays text
    assert ["p85", "", "", "", str(6.4 * DAY)] in rows
    out = export_plot_data_csv(panel.cfd, tmp_path / "cfd.csv")
    rows = list(csv.reader(out.open(encoding="utf-8")))
    head = rows[0]
    first = dict(zip(head, rows[1], strict=True))
    assert first["day"] == "2025-03-01" and first["Coding"] == "4" and first["Done"] == "1"
    with pytest.raises(Exception, match="(?i)csv"):
        export_plot_data_csv(panel.cfd, tmp_path / "cfd.exe")


def test_the_sle_is_one_undoable_project_edit(window: Any, qtbot: Any) -> None:
    la = window.look_ahead
    assert la.dock.objectName() == "dock.look_ahead"
    la.panel.sle_edit.setText("90% within 2 weeks")
    la.panel.sle_edit.editingFinished.emit()
    s = window.project.settings
    assert (s.sle_share, s.sle_within_s) == (0.9, 14 * DAY)
    assert window.undo_stack.undoText().startswith("Set service level expectation")
    window.undo_stack.undo()
    assert (s.sle_share, s.sle_within_s) == (None, None)
    assert la.panel.sle_edit.text() == ""
    window.undo_stack.redo()
    assert la.panel.sle_edit.text() == "90 % within 14d"
    la.panel.sle_edit.setText("most things soon")
    la.panel.sle_edit.editingFinished.emit()
    assert "expected a service level" in la.panel.sle_error.text()
    assert s.sle_share == 0.9  # unchanged


def test_dots_use_the_kind_colours_of_the_chart_style(panel: LookAheadPanel) -> None:
    from vsm_app.metrics import palette

    dots = panel.scatter.dots
    assert dots["feature"].color.name() == palette.LIGHT.kinds["feature"].lower()
    assert dots["defect"].color.name() == palette.LIGHT.kinds["defect"].lower()
    assert dots["feature"].boundingRect().height() == pytest.approx(9 * DAY)  # 1 d … 10 d
    assert np.isfinite(panel.scatter.series["p50"].y).all()


def test_a_wip_limit_set_on_the_map_shows_its_breaches_on_the_stage(
        qtbot: Any, demo_vsm: Path, tmp_path: Path) -> None:
    import shutil

    from tests.ui.test_measured_app import open_app
    from vsm_app.ui.commands import SetStageFieldsCommand

    path = tmp_path / "demo.vsm"
    shutil.copy(demo_vsm, path)
    for f in demo_vsm.parent.iterdir():  # the repository and exports the project names
        if f.name != "demo.vsm" and not (tmp_path / f.name).exists():
            (tmp_path / f.name).symlink_to(f)
    w, _ = open_app(qtbot, path)
    la = w.look_ahead
    qtbot.waitUntil(lambda: la.data is not None, timeout=30_000)
    m = w.measure.vsm_map
    review = next(s for s in m.stages if s.name == "Review")
    w.undo_stack.push(SetStageFieldsCommand(m, review.id, {"wip_limit": 4}))
    qtbot.waitUntil(lambda: la.data is not None and bool(la.data.limits), timeout=30_000)
    band = la.data.cfd.bands["Review"]
    over = int((band > 4).sum())  # days whose end-of-day Review count is above 4
    item = next(i for i in w.editor_for(m.id).scene.stage_items() if i.model_id == review.id)
    if over:
        assert item.wip_badge() == (f"WIP > 4 · {over}/{len(band)} d", True)
        assert f"Review exceeded its limit of 4 on {over} of {len(band)} days" in \
            la.panel.cfd_limits.text()
    else:
        assert item.wip_badge() == ("WIP ≤ 4 ✓", False)
    # the aging view's stage row carries the limit too
    assert int(la.data.aging.stages.set_index("stage").loc["Review", "wip_limit"]) == 4
    w.undo_stack.undo()
    qtbot.waitUntil(lambda: item.wip_badge() is None, timeout=30_000)


def test_screenshots_of_each_look_ahead_chart_on_the_sample(qtbot: Any, demo_vsm: Path,
                                                          artifacts_dir: Path) -> None:
    """Each look-ahead view of the sample project (its work items) as a team would see it on
    a projector: the panel raised from the side bar, floated large; a PNG per tab."""
    from tests.ui.test_measured_app import open_app

    w, _ = open_app(qtbot, demo_vsm)
    la = w.look_ahead
    w.panel_bar.toggle("dock.look_ahead")
    qtbot.waitUntil(lambda: la.data is not None and la.forecast is not None, timeout=30_000)
    la.wait()
    assert la.data.units.noun == "items"  # the sample's tracker export: flow on items
    la.dock.setFloating(True)
    la.dock.resize(1280, 720)
    tabs = la.panel.tabs
    names = []
    for i in range(tabs.count()):
        tabs.setCurrentIndex(i)
        qtbot.wait(50)
        name = tabs.tabText(i).lower().replace(" ", "_").replace("-", "_")
        names.append(name)
        assert la.dock.grab().save(str(artifacts_dir / f"look_ahead_{name}.png"))
    assert len(names) == 4
    # every chart drew something: dots, aging rows, CFD bands, a forecast histogram
    assert la.panel.scatter.dot_count() > 0
    assert la.panel.forecast_answer.text() != ""
    # the axis titles on screen say the unit too (they said "changes" on the sample's items)
    assert la.panel.cfd.y_title.startswith("Cumulative items")
    la.dock.setFloating(False)
