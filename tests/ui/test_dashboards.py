"""The dashboards on the measured demo project: what a user reads on them.

The main window is the real one, on the demo project generated into a temporary folder; the
measurement is the pipeline's (``vsm_app.pipeline.run``) handed to the controller, so the
expected values come from the engine's ``to_json()`` and are formatted here, independently of
the chart code.
"""

from __future__ import annotations

import csv
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.words import sentence_for_people
from vsm_app.analysis.engine import prepare
from vsm_app.demo.generate import generate
from vsm_app.domain.durations import format_duration
from vsm_app.paths import DEMO_PROJECT
from vsm_app.pipeline import inputs_from_project
from vsm_app.pipeline import run as pipeline_run
from vsm_app.storage.project_file import load_project

DORA_KEYS = {
    "dora.deployment_frequency_per_week": "per_week",
    "dora.lead_time_median_s": "duration",
    "dora.change_failure_rate": "percent",
    "dora.recovery_time_median_s": "duration",
    "dora.rework_rate": "percent",
    "dora.pipeline_failure_rate": "percent",
}
BAND_OF = {"dora.deployment_frequency_per_week": "deployment_frequency",
           "dora.lead_time_median_s": "lead_time",
           "dora.change_failure_rate": "change_failure_rate",
           "dora.recovery_time_median_s": "recovery_time"}


def shown(value: float | None, unit: str) -> str:
    """How a user expects a value written (independent of vsm_app.ui.charts)."""
    if value is None:
        return "—"
    if unit == "duration":
        return format_duration(value)
    if unit == "percent":
        return f"{value * 100:.1f} %"
    return f"{value:.1f} / week"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("demo")
    generate(root)
    shutil.copy(DEMO_PROJECT, root / "demo.vsm")
    path = root / "demo.vsm"
    measurement = pipeline_run(inputs_from_project(load_project(path)))
    return {"path": path, "measurement": measurement}


@pytest.fixture
def app_window(qtbot: Any, demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    """The real main window on the demo project (it installs the dashboards itself); its
    controller is handed the pipeline's measurement instead of ingesting again."""
    from vsm_app.ui.main_window import MainWindow
    from vsm_app.ui.measure import MeasuredData

    monkeypatch.setattr(MainWindow, "start_measuring", lambda self: None)
    project = load_project(demo["path"])
    w = MainWindow(project, demo["path"])
    qtbot.addWidget(w)
    w.resize(1600, 1000)
    w.show()
    qtbot.waitExposed(w)
    controller = w.measure
    m = demo["measurement"]
    envs = tuple(project.settings.production_environments)
    controller.data = MeasuredData(m.tables, prepare(m.tables, project.maps[0], envs))
    controller.measured.emit(controller.data)
    controller.result = m.result
    controller.result_changed.emit(m.result)
    w.dashboards.wiring.wait()  # the dashboards draw a result on the next event-loop turn
    w.controller = controller
    yield w
    w.dashboards.wiring.wait()
    controller.wait()
    w.undo_stack.setClean()


def test_docks_are_added_tabified_with_the_constraint_in_front(app_window: Any) -> None:
    d = app_window.dashboards.docks
    for name in ("dora", "flow", "constraint", "stage_detail"):
        assert d[name].objectName() == f"dock.{name}"
        assert app_window.dockWidgetArea(d[name]) == Qt.DockWidgetArea.BottomDockWidgetArea
    tabs = app_window.tabifiedDockWidgets(d["constraint"])
    assert d["dora"] in tabs and d["flow"] in tabs
    assert not d["constraint"].visibleRegion().isEmpty()  # leads with the constraint
    # beside the constraint, or (first start on a window under 1600 px) a tab of its group
    assert not d["stage_detail"].visibleRegion().isEmpty() or d["stage_detail"] in tabs


def test_dora_values_and_bands_are_the_engines(app_window: Any, demo: dict[str, Any]) -> None:
    dora = demo["measurement"].result.to_json()["dora"]
    panel = app_window.dashboards.dora
    for key, unit in DORA_KEYS.items():
        tile = panel.tiles[key]
        assert tile.value_label.text() == shown(dora[key.split(".")[1]], unit), key
        chip = tile.band_chip
        if key in BAND_OF:
            band = dora["bands"][BAND_OF[key]]
            assert band is not None
            assert chip.text() == band.capitalize()
            assert "2023" in chip.toolTip()
        else:
            assert chip.text() == "no band"
    # deployment days beside the frequency, and the counts behind the rates
    freq = panel.tiles["dora.deployment_frequency_per_week"].detail_label.text()
    assert f"{dora['deployment_days_per_week']:.1f} deployment days / week" in freq
    counts = dora["counts"]
    cfr = panel.tiles["dora.change_failure_rate"].detail_label.text()
    assert f"{counts['failed_deployments']} of {counts['deployments']}" in cfr


def test_both_groups_always_visible_and_ci_health_apart(app_window: Any) -> None:
    d = app_window.dashboards
    d.docks["dora"].raise_()
    QApplication.processEvents()
    panel = d.dora
    assert panel.groups["throughput"].isVisible() and panel.groups["stability"].isVisible()
    assert panel.groups["ci"].isVisible()
    tput, stab = panel.groups["throughput"].geometry(), panel.groups["stability"].geometry()
    assert tput.right() < stab.left()  # side by side
    assert panel.tiles["dora.pipeline_failure_rate"].parent() is panel.groups["ci"]


def test_only_speed_is_refused_with_the_stability_warning(app_window: Any) -> None:
    from vsm_app.analysis.baseline import stability_warnings

    d = app_window.dashboards
    d.docks["dora"].raise_()
    speed = ["dora.lead_time_median_s", "dora.deployment_frequency_per_week"]
    warnings = d.show_metrics(speed)
    assert warnings == stability_warnings(speed) and warnings
    QApplication.processEvents()
    panel = d.dora
    assert panel.warning.isVisible()
    assert warnings[0] in panel.warning.text()
    for key in ("dora.change_failure_rate", "dora.recovery_time_median_s", "dora.rework_rate"):
        assert panel.tiles[key].isVisible(), key  # refused: stability stays on screen
    # speed with its counterpart is fine: no warning, still both groups
    assert d.show_metrics(["dora.lead_time_median_s", "dora.change_failure_rate"]) == []
    QApplication.processEvents()
    assert not panel.warning.isVisible()
    assert panel.groups["throughput"].isVisible() and panel.groups["stability"].isVisible()
    assert panel.tiles["dora.lead_time_median_s"].isVisible()
    assert panel.tiles["dora.change_failure_rate"].isVisible()


def test_constraint_headline_and_waterfall_add_up(app_window: Any, demo: dict[str, Any]
                                                  ) -> None:
    b = demo["measurement"].result.to_json()["bottleneck"]
    panel = app_window.dashboards.constraint
    cov = b["coverage"]["constraint"]
    # the verdict with what it rests on: the demo binds 7 stages and measures them all (two
    # upstream from the work items' statuses); the unit of flow is the work item
    assert (cov["stages_measured"], cov["stages_bound"]) == (7, 7)
    assert cov["unit"] == "item"
    assert panel.headline.text() == (
        f"Constraint: {b['stage']} — {b['share'] * 100:.0f} % of waiting · 7 of 7 stages, "
        f"{cov['changes']:,} items")
    assert panel.coverage.text() == (f"Rests on 7 of 7 stages measured (11 of 11 "
                                     f"stage-kinds), {cov['changes']:,} items.")
    assert b["stage"] == "Review"
    assert panel.sentence.text() == sentence_for_people(b)
    assert app_window.dashboards.dora.banner.text().startswith(f"Constraint: {b['stage']}")
    wf = panel.waterfall
    contrib = b["lead_time_contributions"]
    assert wf.names == [*contrib, "Total change"]
    heights = wf.bars.opts["height"]
    bottoms = wf.bars.opts["y0"]
    total = b["lead_time_change_s"]
    assert heights[-1] == pytest.approx(total)
    assert float(np.sum(heights[:-1])) == pytest.approx(total, abs=1e-6)
    # a waterfall: each bar starts where the previous ended, the last ends at the total
    assert bottoms[0] == 0 and bottoms[-1] == 0
    assert np.allclose(bottoms[1:-1], np.cumsum(heights[:-2]))
    sign = {True: "+", False: "−"}
    expected = [sign[v > 0] + format_duration(abs(v)) for v in [*contrib.values(), total]]
    assert wf.label_texts() == expected


def _hover(dash: Any, chart: Any, x: float, y: float) -> str:
    dash.reveal(chart)
    QApplication.processEvents()
    pos = chart.data_to_widget(x, y)
    QTest.mouseMove(chart.viewport(), QPoint(round(pos.x()), round(pos.y())))
    QApplication.processEvents()
    return chart.hover_text


def test_hover_shows_exact_values_with_units(app_window: Any, demo: dict[str, Any]) -> None:
    r = demo["measurement"].result
    d = app_window.dashboards
    d.docks["dora"].raise_()
    d.dora.tiles["dora.lead_time_median_s"].trend.zoom_to_window()
    QApplication.processEvents()
    dbp = r.dora_by_period
    week = dbp.index[40]
    row = dbp.iloc[40]
    mid = (r.periods["start"].iloc[40].value + r.periods["end"].iloc[40].value) / 2e9
    text = _hover(d, d.dora.tiles["dora.lead_time_median_s"].trend, mid,
                  row["lead_time_median_s"])
    label = r.periods["label"].iloc[40]
    assert f"Week {label}" in text
    assert f"Median: {format_duration(row['lead_time_median_s'])}" in text
    assert f"p85: {format_duration(row['lead_time_p85_s'])}" in text
    text = _hover(d, d.dora.tiles["dora.change_failure_rate"].trend, mid, 0.0)
    assert f"Per week: {row['change_failure_rate'] * 100:.1f} %" in text
    assert week == r.periods.index[40]
    v = int(r.flow_by_period["velocity"].iloc[40])
    text = _hover(d, d.flow.velocity, mid, v / 2)
    # the sample has a tracker export (issue 18): its velocity counts items, and says so
    assert r.flow.unit == "items"
    assert f"Finished: {v} items" in text and f"Week {label}" in text


def test_selecting_a_stage_on_the_map_shows_its_trend(app_window: Any,
                                                      demo: dict[str, Any]) -> None:
    r = demo["measurement"].result
    editor = app_window.current_editor()
    stage = editor.map.stage_by_name("Release")
    editor.scene.select_ids([stage.id])
    detail = app_window.dashboards.stage_detail
    assert detail.stage == "Release" and detail.combo.currentText() == "Release"
    rows = r.stages_by_period
    wait = rows.loc[(rows["stage"] == "Release") & (rows["kind"] == "wait"), "median_s"]
    got = detail.chart.series["wait_median_s"].y
    assert np.allclose(got, wait.to_numpy(dtype=float), equal_nan=True)
    est = detail.chart.series["est_wait_s"]
    assert list(est.y) == [stage.estimates.wait_time_s] * 2
    assert detail.chart.series["est_wait_s"].items[0].opts["pen"].style() == \
        Qt.PenStyle.DashLine
    assert "Release" in detail.chart.title
    s = next(s for s in r.to_json()["stages"] if s["name"] == "Release")
    assert f"median <b>{format_duration(s['wait_median_s'])}</b>" in detail.summary.text()
    assert f"estimated {format_duration(stage.estimates.wait_time_s)}" in detail.summary.text()
    # editing the estimate redraws the dashed line
    from vsm_app.ui import commands as cmd

    app_window.undo_stack.push(cmd.SetEstimatesCommand(editor.map, stage.id,
                                                       {"wait_time_s": 3600.0}))
    assert list(detail.chart.series["est_wait_s"].y) == [3600.0, 3600.0]


def test_window_change_highlights_the_window_on_every_chart(app_window: Any, qtbot: Any,
                                                             demo: dict[str, Any]) -> None:
    c, d = app_window.controller, app_window.dashboards
    d.panel("dora"), d.panel("flow")  # built now (otherwise when first shown)
    full = d.context
    items_before = [s.items[0] for ch in d.charts() for s in ch.series.values()]
    since, until = pd.Timestamp("2025-03-03", tz="UTC"), pd.Timestamp("2025-03-17", tz="UTC")
    with qtbot.waitSignal(c.result_changed, timeout=20_000) as got:
        c.set_window(since, until)
    d.wiring.wait()
    qtbot.waitUntil(lambda: not c.is_busy(), timeout=10_000)
    result = got.args[0]
    lo, hi = since.value / 1e9, until.value / 1e9
    for chart in d.time_charts():
        assert chart.window() == pytest.approx((lo, hi)), chart.title
    # values are the window's, trends still cover the whole measured span
    dora = result.to_json()["dora"]
    tile = d.dora.tiles["dora.recovery_time_median_s"]
    assert dora["recovery_time_median_s"] is None
    assert tile.value_label.text() == "—" and tile.band_chip.text() == "—"
    assert tile.band_chip.toolTip() == dora["reasons"]["recovery_time_median_s"]
    assert d.context is full or d.context.window == full.window
    assert len(d.dora.tiles["dora.lead_time_median_s"].trend.series["lead_time_median_s"].x) \
        == len(full.periods)
    # redrawn by setData: the very same items
    assert items_before == [s.items[0] for ch in d.charts() for s in ch.series.values()]


def test_a_panel_first_shown_later_is_up_to_date(app_window: Any, qtbot: Any) -> None:
    c, d = app_window.controller, app_window.dashboards
    assert "flow" not in d.panels  # behind its tab: not built yet
    since, until = pd.Timestamp("2025-06-02", tz="UTC"), pd.Timestamp("2025-09-01", tz="UTC")
    with qtbot.waitSignal(c.result_changed, timeout=20_000) as got:
        c.set_window(since, until)
    d.wiring.wait()
    qtbot.waitUntil(lambda: not c.is_busy(), timeout=10_000)
    d.docks["flow"].raise_()  # the user opens the Flow tab
    QApplication.processEvents()
    assert "flow" in d.panels
    flow = got.args[0].to_json()["flow"]
    assert f"Velocity <b>{flow['velocity_per_week']:.1f} / week</b>" in d.flow.summary.text()
    assert d.flow.velocity.window() == pytest.approx((since.value / 1e9, until.value / 1e9))
    x0, x1 = d.flow.velocity.plotItem.getViewBox().viewRange()[0]
    assert (x0, x1) == pytest.approx(d.master.plotItem.getViewBox().viewRange()[0])
    assert len(d.flow.velocity.series["velocity"].x) == len(d.context.periods)


def test_another_project_clears_the_dashboards(app_window: Any) -> None:
    from vsm_app.domain.model import Project, ValueStreamMap

    d = app_window.dashboards
    d.panel("dora")
    app_window.set_project(Project("Empty", [ValueStreamMap("Current state")]))
    assert d.result is None
    assert d.constraint.headline.text() == "Constraint: not measured yet"
    for tile in d.dora.tiles.values():
        assert tile.value_label.text() == "—"
    assert all(len(s.x) == 0 for ch in d.charts() for s in ch.series.values())
    assert d.stage_detail.combo.count() == 0


def test_dragging_a_window_edge_asks_for_that_window(app_window: Any, qtbot: Any) -> None:
    d = app_window.dashboards
    d.panel("dora")  # built before the drag (one built later shows the analysed window)
    chart = d.flow.velocity
    lo, hi = d.window()
    new_lo = pd.Timestamp("2025-06-10 15:00", tz="UTC").value / 1e9
    line = chart._region.lines[0]
    line.setValue(new_lo)  # dragging: every chart follows at once
    assert d.dora.tiles["dora.rework_rate"].trend.window()[0] == pytest.approx(new_lo)
    with qtbot.waitSignal(d.window_requested, timeout=2000) as got:
        line.sigPositionChangeFinished.emit(line)  # released
    since, until = got.args
    assert since == pd.Timestamp("2025-06-10", tz="UTC") and until is None  # whole days
    assert app_window.controller.since == since  # the controller analyses that window
    for c in d.time_charts():
        assert c.window() == pytest.approx((since.value / 1e9, hi)), c.title
    qtbot.waitUntil(lambda: not app_window.controller.is_busy(), timeout=20_000)
    d.wiring.wait()


def test_time_charts_share_the_x_range(app_window: Any) -> None:
    d = app_window.dashboards
    d.panel("dora"), d.panel("flow")
    lo = pd.Timestamp("2025-05-01", tz="UTC").value / 1e9
    hi = pd.Timestamp("2025-09-01", tz="UTC").value / 1e9
    d.flow.load.plotItem.getViewBox().setXRange(lo, hi, padding=0)  # any chart, even hidden
    for chart in d.time_charts():
        x0, x1 = chart.plotItem.getViewBox().viewRange()[0]
        assert (x0, x1) == pytest.approx((lo, hi), abs=1.0), chart.title


def test_theme_switch_recolours_the_charts(app_window: Any) -> None:
    from vsm_app.ui.charts.style import DARK_CHARTS, LIGHT_CHARTS

    d = app_window.dashboards
    app_window.set_theme("dark")
    QApplication.processEvents()
    assert d.theme_name == "dark"
    chart = d.flow.flow_time
    assert chart.backgroundBrush().color() == QColor(DARK_CHARTS.background)
    assert chart.series["flow_time_median_s"].items[0].opts["pen"].color() == \
        QColor(DARK_CHARTS.series[0])
    app_window.set_theme("light")
    QApplication.processEvents()
    assert chart.backgroundBrush().color() == QColor(LIGHT_CHARTS.background)


def test_chart_menu_exports_picture_and_data(app_window: Any, tmp_path: Path,
                                             demo: dict[str, Any]) -> None:
    d = app_window.dashboards
    chart = d.flow.flow_time
    names = [a.text() for a in chart.context_menu().actions() if a.text()]
    assert names[:2] == ["Export chart…", "Export data (CSV)…"]
    from vsm_app.ui.charts.style import DARK_CHARTS

    chart.apply_theme(DARK_CHARTS)  # a dark screen still exports a printable light chart
    png = chart.export_chart(tmp_path / "flow_time.png")
    svg = chart.export_chart(tmp_path / "flow_time.svg")
    assert png.stat().st_size > 5000 and b"<svg" in svg.read_bytes()[:400]
    img = QImage(str(png))
    assert img.pixelColor(4, 4) == QColor("#ffffff")
    assert chart.theme is DARK_CHARTS  # the export borrowed the light look only
    out = chart.export_data(tmp_path / "flow_time.csv")
    rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    assert rows[0][2].startswith("Flow time (s)")
    fbp = demo["measurement"].result.flow_by_period
    medians = [float(r[2]) for r in rows[1:] if r[0] == "Median" and r[2]]
    assert medians == pytest.approx(fbp["flow_time_median_s"].dropna().tolist())
    with pytest.raises(Exception, match="project"):
        chart.export_data(app_window.path.with_suffix(".vsm"))


def test_screenshots_of_each_dashboard(app_window: Any, artifacts_dir: Path) -> None:
    d = app_window.dashboards
    app_window.set_theme("light")  # the application style sheet, as `make run` shows it
    app_window.resize(1920, 1080)  # a projector
    editor = app_window.current_editor()
    editor.scene.select_ids([editor.map.stage_by_name("Review").id])
    QApplication.processEvents()
    editor.view.fit_to_view()
    d.docks["constraint"].raise_()
    QApplication.processEvents()
    assert app_window.grab().save(str(artifacts_dir / "dash_main_window.png"))
    app_window.set_theme("dark")
    d.reveal(d.dora.tiles["dora.lead_time_median_s"])
    QApplication.processEvents()
    assert app_window.grab().save(str(artifacts_dir / "dash_main_window_dark.png"))
    app_window.set_theme("light")
    sizes = {"constraint": (1500, 560), "dora": (1500, 620), "flow": (1500, 660),
             "stage_detail": (1100, 500)}
    for name, dock in d.docks.items():  # each dashboard on its own, floated to a set size
        dock.setFloating(True)
        dock.resize(*sizes[name])
        QApplication.processEvents()
        img = dock.widget().grab()
        assert img.width() >= sizes[name][0] - 40
        assert img.save(str(artifacts_dir / f"dash_{name}.png"))
        dock.setFloating(False)


def test_no_data_shows_dashes_not_zeros(qtbot: Any) -> None:
    from vsm_app.analysis.engine import AnalysisOptions, analyze_window
    from vsm_app.domain.tables import Tables
    from vsm_app.domain.templates import software_delivery
    from vsm_app.ui.docks.dashboards import Dashboards

    empty = analyze_window(prepare(Tables(), software_delivery()), AnalysisOptions())
    dash = Dashboards()
    for dock in dash.docks.values():
        qtbot.addWidget(dock)
    dash.set_result(empty)
    for key, tile in dash.dora.tiles.items():
        assert tile.value_label.text() == "—", key
    assert dash.constraint.headline.text().startswith("No constraint found")
    assert math.isnan(dash.flow.velocity.series["velocity"].y.sum()) or \
        len(dash.flow.velocity.series["velocity"].y) == 0


def test_chart_titles_explain_their_metric(qtbot: Any) -> None:
    """Hovering a chart's title shows what the metric is and which way is better (the
    catalogue's definition), like the DORA tiles' titles."""
    from vsm_app.ui.docks.dashboards import Dashboards

    dash = Dashboards()
    for dock in dash.docks.values():
        qtbot.addWidget(dock)
    tips = {c.title.split(" —")[0]: c.plotItem.titleLabel.toolTip() for c in dash.flow.charts()}
    assert tips["Velocity"].startswith("Flow velocity: changes finished")
    assert "Higher is better." in tips["Velocity"]
    assert tips["Flow time"].startswith("Flow time (median): the median time from a change's "
                                        "first commit")
    assert "Flow time (p85): 85 %" in tips["Flow time"]
    assert "Lower is better." in tips["Load"] and "work in progress" in tips["Load"]
    assert tips["Flow efficiency"].startswith("Flow efficiency: Σ active time ÷ Σ flow time")
    assert "feature, defect, debt, risk" in tips["Distribution"]
    detail = dash.stage_detail.chart.plotItem.titleLabel.toolTip()
    assert detail.startswith("Wait (median): the median time changes waited")
    assert "Work (median): the median time of active work" in detail


def test_the_demo_opens_measured_with_its_dashboards(qtbot: Any, demo: dict[str, Any]) -> None:
    """No shortcut: the window ingests the demo in its worker, the dashboards follow."""
    from vsm_app.ui.main_window import MainWindow

    w = MainWindow(load_project(demo["path"]), demo["path"])
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.measure.result_changed, timeout=60_000) as got:
        w.show()
    qtbot.waitUntil(lambda: not w.measure.is_busy(), timeout=20_000)
    expected = demo["measurement"].result.to_json()
    d = w.dashboards
    qtbot.waitUntil(lambda: not d.wiring.is_drawing(), timeout=5_000)  # drawn turn by turn
    assert d.result is got.args[0]
    assert d.constraint.headline.text().startswith(f"Constraint: {expected['bottleneck']['stage']}")
    assert d.dora.tiles["dora.lead_time_median_s"].value_label.text() == \
        format_duration(expected["dora"]["lead_time_median_s"])
    w.undo_stack.setClean()
