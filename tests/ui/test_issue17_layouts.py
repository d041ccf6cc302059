"""Issue 17 layouts, presentation and details: the Map layout gives the canvas the window and
legible figures, the side bar shows whole names, layouts are remembered, presentation scales
the canvas, the project is named in the window, F1 explains, heat colours equal the legend;
and screenshots at the sizes people use (tests/artifacts/issue17/)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import QDockWidget

from vsm_app.render.canvas.items import DATA_VALUE_PX
from vsm_app.report.heat import heat_legend
from vsm_app.storage.project_file import dumps, loads
from vsm_app.ui import settings

from .test_measured_app import open_app

SIZES = ((1280, 800), (1920, 1080), (1280, 720))


def _canvas_share(w: Any) -> float:
    vp = w.current_editor().view.viewport()
    return vp.width() * vp.height() / (w.width() * w.height())


def _on_screen_pt(w: Any) -> float:
    """The data box's figures on screen in points, from the zoom (by hand: scene pixels
    times zoom, at the screen's logical DPI, 72 points an inch)."""
    view = w.current_editor().view
    return DATA_VALUE_PX * view.transform().m11() * 72.0 / view.logicalDpiY()


def test_map_layout_gives_the_canvas_the_window_with_legible_figures(
        qtbot: Any, demo_vsm: Path, artifacts_dir: Path) -> None:
    w, _ = open_app(qtbot, demo_vsm)
    out = artifacts_dir / "issue17"
    out.mkdir(exist_ok=True)
    for width, height in SIZES:
        w.resize(width, height)
        w.set_layout("map")
        qtbot.wait(50)
        w.current_editor().view.fit_to_view()
        assert not any(d.isVisible() for d in w.findChildren(QDockWidget))
        share = _canvas_share(w)
        assert share >= 0.70, f"{width}×{height}: the canvas has {share:.0%} of the window"
        pt = map_pt = _on_screen_pt(w)
        assert pt >= 11.0 - 1e-6, f"{width}×{height}: figures {pt:.1f} pt on screen"
        assert w.grab().save(str(out / f"sample_map_{width}x{height}.png"))
        w.set_layout("analyse")
        qtbot.wait(50)
        assert w.properties.isVisible() and w.sources.isVisible()
        assert w.dashboards.docks["constraint"].isVisible()
        assert not w.history.isVisible()
        assert w.grab().save(str(out / f"sample_analyse_{width}x{height}.png"))
        # the DORA dock re-flows its tiles to its width: no sideways scrolling
        w.dashboards.docks["dora"].raise_()
        qtbot.wait(50)
        dora_scroll = w.dashboards.docks["dora"].widget()
        assert dora_scroll.viewport().width() > 300
        assert not dora_scroll.horizontalScrollBar().isVisible(), f"{width}×{height}"
        assert w.grab().save(str(out / f"sample_analyse_dora_{width}x{height}.png"))
        w.dashboards.docks["constraint"].raise_()
        w.set_presentation(True)
        qtbot.wait(50)
        w.resize(width, height)  # the offscreen "full screen" is the screen's size
        view = w.current_editor().view
        qtbot.waitUntil(lambda v=view, wd=width: v.viewport().width() > wd - 40, timeout=5000)
        qtbot.wait(50)
        view.fit_to_view()
        assert not view.horizontalScrollBar().isVisible()
        assert not view.verticalScrollBar().isVisible()
        # the canvas text grew, not only the chrome (13 pt asked; five stages side by side
        # cap it at 12.5 pt on a 1280 px wide screen)
        assert _on_screen_pt(w) >= max(12.0, map_pt)
        assert w.grab().save(str(out / f"sample_present_{width}x{height}.png"))
        w.set_presentation(False)
    # usable at 1024×700: nothing forces the window wider, the bar's label elides
    w.set_layout("map")
    w.resize(1024, 700)
    qtbot.wait(50)
    assert w.width() == 1024 and w.minimumSizeHint().width() <= 1024
    assert w.grab().save(str(out / "sample_map_1024x700.png"))


def test_side_bar_names_every_panel_whole_and_opens_and_closes_it(window: Any,
                                                                  qtbot: Any) -> None:
    bar = window.panel_bar
    labels = bar.labels()
    assert labels[:3] == ["Properties", "History", "Sources"]
    assert {"Constraint", "DORA", "Flow", "Stage", "Improve", "Baselines", "Pulse",
            "AI check", "Workshop", "Inbox"} <= set(labels)
    for name in bar.docks:
        button = bar.button(name)
        text = bar.actions_by_name[name].text()
        assert QFontMetrics(button.font()).horizontalAdvance(text) <= button.width(), text
    window.set_layout("map")
    assert not window.properties.isVisible()
    assert bar.toggle("dock.properties") and window.properties.isVisible()
    assert bar.actions_by_name["dock.properties"].isChecked()
    # the improvement panels replace each other: the right column never fills with tabs
    bar.toggle("dock.baselines")
    bar.toggle("dock.pulse")
    docks = {d.objectName(): d for d in window.findChildren(QDockWidget)}
    assert docks["dock.pulse"].isVisible() and not docks["dock.baselines"].isVisible()
    qtbot.wait(20)
    assert not bar.toggle("dock.pulse")  # in front: a click closes it
    assert not docks["dock.pulse"].isVisible()


def test_layouts_are_remembered_per_user(qtbot: Any) -> None:
    from vsm_app.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    w.set_layout("analyse")
    w.history.show()  # the user opens History in the analyse layout
    w.set_layout("map")
    w.panel_bar.toggle("dock.sources")  # and Sources in the map layout
    assert settings.get(settings.LAYOUT) == "map"
    w.close()
    w2 = MainWindow()
    qtbot.addWidget(w2)
    w2.show()
    assert w2.layout_name == "map" and w2.actions_by_name["layout_map"].isChecked()
    assert w2.sources.isVisible() and not w2.properties.isVisible()
    w2.set_layout("analyse")
    assert w2.history.isVisible() and w2.properties.isVisible()
    assert w2.actions_by_name["layout_map"].shortcut().toString() == "F6"
    assert w2.actions_by_name["layout_analyse"].shortcut().toString() == "F7"
    w2.close()


def test_present_the_dashboards_and_one_stage(qtbot: Any, demo_vsm: Path,
                                              artifacts_dir: Path) -> None:
    w, _ = open_app(qtbot, demo_vsm)
    w.present_dashboards()
    qtbot.wait(50)
    assert w.is_presenting()
    shown = {d.objectName() for d in w.findChildren(QDockWidget) if not d.isHidden()}
    assert shown == {"dock.constraint", "dock.dora", "dock.flow"}
    w.set_presentation(False)
    ed = w.current_editor()
    ed.select_stage(ed.map.stage_by_name("Merge").id)
    w.present_stage()
    qtbot.wait(50)
    shown = {d.objectName() for d in w.findChildren(QDockWidget) if not d.isHidden()}
    assert shown == {"dock.stage_detail"}
    qtbot.waitUntil(lambda: w.dashboards.panels["stage_detail"].stage == "Merge",
                    timeout=5000)
    w.resize(1280, 720)
    qtbot.wait(50)
    ed.view.fit_to_view()
    fitted = _on_screen_pt(w)
    assert w.zoom_to_stage()
    item = ed.scene.stage_item(ed.map.stage_by_name("Merge").id)
    visible = ed.view.mapToScene(ed.view.viewport().rect()).boundingRect()
    assert visible.contains(item.sceneBoundingRect())
    assert _on_screen_pt(w) > fitted  # closer than the whole map
    assert w.grab().save(str(artifacts_dir / "issue17" / "sample_present_stage_1280x720.png"))
    w.set_presentation(False)
    assert w.actions_by_name["zoom_stage"].shortcut().toString() == "Z"


def test_project_name_is_edited_in_properties(window: Any) -> None:
    window.actions_by_name["project_properties"].trigger()
    field = window.properties.field("map", "project_name")
    assert field.edit.text() == "Workshop"
    field.edit.setText("  Payments   team ")
    field.edit.setModified(True)
    field.commit()
    assert window.project.name == "Payments team"
    assert window.windowTitle().startswith("Payments team (unsaved)")
    assert window.is_modified()
    assert loads(dumps(window.project)).name == "Payments team"
    window.undo_stack.undo()
    assert window.project.name == "Workshop" and field.edit.text() == "Workshop"


def test_decimal_commas_are_read_where_numbers_are_typed(window: Any) -> None:
    from PySide6.QtCore import QLocale

    from vsm_app.ui import locale

    locale.install(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    try:
        ed = window.current_editor()
        ed.scene.select_ids([ed.map.stage_by_name("Review").id])
        p = window.properties

        def type_into(page: str, key: str, text: str) -> Any:
            f = p.field(page, key)
            f.edit.setText(text)
            f.edit.setModified(True)
            f.commit()
            return f

        type_into("stage", "process_time_s", "0,5d")
        assert ed.map.stage_by_name("Review").estimates.process_time_s == 43_200.0
        type_into("stage", "pca", "85,5 %")
        assert ed.map.stage_by_name("Review").estimates.pca == pytest.approx(0.855)
        type_into("stage", "wip_limit", "4")
        assert ed.map.stage_by_name("Review").wip_limit == 4
        type_into("stage", "inventory", "1.500")  # a German thousands separator
        assert ed.map.stage_by_name("Review").estimates.inventory == 1500.0
        f = type_into("stage", "inventory", "2,5")
        assert ed.map.stage_by_name("Review").estimates.inventory == 2.5
        assert f.edit.text() == "2,5"  # shown back with the user's decimal mark
        ed.scene.clearSelection()
        type_into("map", "demand_per_day", "12,5")
        assert ed.map.settings.demand_per_day == 12.5
    finally:
        locale.install(QLocale(QLocale.Language.C))
    # the parser's message for a word that is not a duration names what it expected
    ed.scene.select_ids([ed.map.stage_by_name("CI").id])
    f = p.field("stage", "process_time_s")
    f.edit.setText("soon")
    f.edit.setModified(True)
    f.commit()
    assert f.invalid and "try 45s, 10 min, 2h, 1.5d or 1d 4h" in f.error.text()


def test_help_explains_the_map_the_workshop_and_every_metric(window: Any,
                                                             artifacts_dir: Path) -> None:
    from vsm_app.metrics.catalogue import METRICS

    sheet = window.show_cheatsheet()
    tabs = [sheet.tabs.tabText(i) for i in range(sheet.tabs.count())]
    assert tabs == ["Guide", "Metrics", "Shortcuts"]
    guide = sheet.tabs.widget(0).widget().text()
    assert "What a value stream map is" in guide and "Running the workshop" in guide
    metrics = sheet.tabs.widget(1).widget().text()
    for m in METRICS:
        assert m.label in metrics and m.definition in metrics
    assert window.actions_by_name["cheatsheet"].shortcut().toString() == "F1"
    sheet.show_tab("Guide")
    (artifacts_dir / "issue17").mkdir(exist_ok=True)
    assert sheet.grab().save(str(artifacts_dir / "issue17" / "help_guide.png"))
    sheet.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_heat_colours_on_the_map_equal_the_legend(window: Any, theme: str) -> None:
    window.set_theme(theme)
    ed = window.current_editor()
    legend = dict((label, QColor(c)) for c, label in heat_legend())
    for label, sid in (("≥ 35 %", ed.map.stages[1].id), ("< 5 %", ed.map.stages[2].id)):
        item = ed.scene.stage_item(sid)
        item.set_overlay("wait 1h", legend[label].name(), is_constraint=False)
        r = item.process_rect()
        img = ed.scene.render_image(scale=1.0, rect=r)
        # inside the box, away from the name, the border and the header bar
        pixel = img.pixelColor(6, img.height() - 4)
        assert pixel.name() == legend[label].name(), (theme, label, pixel.name())
    window.set_theme("light")


def test_screenshots_at_150_and_200_percent_scaling(demo_vsm: Path,
                                                    artifacts_dir: Path) -> None:
    """The Map, Analyse and Present layouts with the display scaled (a new process: Qt reads
    QT_SCALE_FACTOR at start)."""
    out = artifacts_dir / "issue17"
    out.mkdir(exist_ok=True)
    script = Path(__file__).with_name("scaled_screenshots.py")
    # 150 % on a 1280×800 laptop (853×533 logical pixels), 200 % on a 1920×1080 screen
    # (960×540)
    for factor, screen in (("1.5", "1280x800"), ("2", "1920x1080")):
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR=factor)
        done = subprocess.run([sys.executable, str(script), str(demo_vsm), str(out), factor,
                               screen],
                              env=env, capture_output=True, text=True, timeout=240)
        assert done.returncode == 0, done.stderr[-2000:]
        lines = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
        # the map layout still gives the canvas half of the window, its figures legible
        # (11 pt in the scaled points the user reads)
        share = float(lines["map_share"])
        assert share >= 0.50, f"at {factor}× the map layout leaves the canvas {share:.0%}"
        assert float(lines["map_figure_pt"]) >= 11.0 - 0.01
        assert float(lines["present_share"]) >= 0.9
        for layout in ("map", "analyse"):
            # the side bar shows every panel, the status bar's figures do not overlap
            assert lines[f"{layout}_sidebar_overflows"] == "0", (factor, layout)
            assert lines[f"{layout}_status_overlaps"] == "0", (factor, layout)
            assert lines[f"{layout}_stale_tab_bars"] == "0", (factor, layout)
        # nothing forces the window larger than the screen
        w_, h_ = (round(int(v) / float(factor)) for v in screen.split("x"))
        assert lines["analyse_size"] == lines["map_size"] == f"{w_}x{h_}", factor
        for layout in ("map", "analyse", "present"):
            png = out / f"sample_{layout}_{screen}_scale{factor}.png"
            assert png.stat().st_size > 10_000


def test_a_long_stream_is_shown_legibly_from_its_start(window: Any, qtbot: Any) -> None:
    """At 1024×700 the five stages do not fit at 11 pt: the Map layout shows the start of
    the stream legibly, the status bar says the map continues, the arrow keys walk along it,
    and Ctrl+0 still fits the whole map (small)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    w = window
    w.resize(1024, 700)
    w.set_layout("map")
    qtbot.wait(50)
    ed = w.current_editor()
    view = ed.view
    view.fit_to_view()
    assert _on_screen_pt(w) >= 11.0 - 1e-6
    items = sorted(ed.scene.stage_items(), key=lambda it: it.pos().x())
    vp = view.viewport().rect()

    def on_screen(it: Any) -> Any:
        return view.mapFromScene(it.sceneBoundingRect()).boundingRect()

    first, last = on_screen(items[0]), on_screen(items[-1])
    # the first stage near the left edge, whole (its inventory triangle before it)
    assert 0 <= first.left() <= vp.width() / 8, first
    assert last.right() > vp.right()  # the last one is off to the right
    assert w.map_more_label.isVisible()
    assert w.map_more_label.text().startswith("Map continues →")
    # the arrow keys walk along the stream: the selected stage is scrolled into view
    view.setFocus()
    for _ in items:
        QTest.keyClick(view, Qt.Key.Key_Right)
    assert ed.scene.selected_stage_ids() == [items[-1].model_id]
    assert vp.contains(on_screen(items[-1]))
    assert _on_screen_pt(w) >= 11.0 - 1e-6  # walking does not zoom out
    assert w.map_more_label.text().startswith("← Map continues")
    # Ctrl+0: the whole map, however small; kept as the window resizes
    QTest.keyClick(view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    content = view.map_scene.content_rect(margin=0)
    assert view.mapToScene(vp).boundingRect().contains(content)
    assert _on_screen_pt(w) < 11.0
    assert not w.map_more_label.isVisible()
    w.resize(1100, 700)
    qtbot.wait(50)
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    assert shown.contains(view.map_scene.content_rect(margin=0))
    # F6 (the Map layout) fits legibly again
    w.set_layout("map")
    qtbot.wait(50)
    assert _on_screen_pt(w) >= 11.0 - 1e-6


def test_dora_tiles_grow_with_their_dock_and_reflow_when_narrow(qtbot: Any) -> None:
    from vsm_app.ui.charts.dora import DoraPanel

    p = DoraPanel()
    qtbot.addWidget(p)
    p.resize(900, 600)
    p.show()
    qtbot.wait(20)
    tile = p.tiles["dora.lead_time_median_s"]
    short = tile.trend.height()
    p.resize(900, 1200)  # a tall floating dock
    qtbot.wait(20)
    tall = tile.trend.height()
    # 600 px more for the panel: the six tiles in two columns (three a column) share it
    assert tall >= short + 600 / 3 * 0.8, (short, tall)
    assert p.columns == 2
    # side by side: stability to the right of throughput
    assert p.groups["stability"].x() > p.groups["throughput"].x()
    p.resize(420, 1200)  # narrow: one column, nothing wider than the panel
    qtbot.wait(20)
    assert p.columns == 1
    assert p.groups["stability"].x() == p.groups["throughput"].x()
    # the window line goes under the headline instead of squeezing it
    assert p.window_label.y() >= p.banner.geometry().bottom()
    assert p.minimumSizeHint().width() <= 420
    from PySide6.QtCore import QPoint

    assert all(t.mapTo(p, QPoint(t.width(), 0)).x() <= p.width() for t in p.tiles.values())


def test_screenshots_of_a_new_project_measuring_a_repository(
        qtbot: Any, demo_vsm: Path, tmp_path: Path, artifacts_dir: Path) -> None:
    """What a newcomer does: `vsm-app new`, open it, Add repository (no options), then the
    Map, Analyse and Present layouts at the sizes people use (the generated demo repository
    stands in for a real one: CI machines have no /work/repos)."""
    from vsm_app.cli import main as cli
    from vsm_app.ui.main_window import MainWindow

    path = tmp_path / "team.vsm"
    assert cli(["new", "--out", str(path)]) == 0
    from vsm_app.storage.project_file import load_project

    w = MainWindow(load_project(path), path)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    with qtbot.waitSignal(w.measure.result_changed, timeout=30_000):
        assert w.sources.add_repository(str(demo_vsm.parent / "repo")) is not None
    qtbot.waitUntil(lambda: not w.measure.is_busy(), timeout=20_000)
    out = artifacts_dir / "issue17"
    out.mkdir(exist_ok=True)
    for width, height in SIZES:
        w.resize(width, height)
        w.set_layout("map")
        qtbot.wait(30)
        w.current_editor().view.fit_to_view()
        assert _canvas_share(w) >= 0.70 and _on_screen_pt(w) >= 11.0 - 1e-6
        assert w.grab().save(str(out / f"repo_map_{width}x{height}.png"))
        w.set_layout("analyse")
        w.dashboards.docks["dora"].raise_()
        qtbot.wait(30)
        assert not w.dashboards.docks["dora"].widget().horizontalScrollBar().isVisible()
        assert w.grab().save(str(out / f"repo_analyse_{width}x{height}.png"))
        w.set_presentation(True)
        qtbot.wait(50)
        w.resize(width, height)  # the offscreen "full screen" is the screen's size
        view = w.current_editor().view
        qtbot.waitUntil(lambda v=view, wd=width: v.viewport().width() > wd - 40, timeout=5000)
        view.fit_to_view()
        assert _on_screen_pt(w) >= 13.0 - 1e-6
        assert not view.horizontalScrollBar().isVisible()
        assert w.grab().save(str(out / f"repo_present_{width}x{height}.png"))
        w.set_presentation(False)
    w.undo_stack.setClean()
