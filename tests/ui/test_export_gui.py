"""File ▸ Export in the main window: the actions, the dialogs, exports run in a worker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pypdf
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from tests.report.demo_data import demo_project_path
from tests.report.test_html_report import external_references
from vsm_app.render.maps import export_map_image
from vsm_app.report.tables import TABLE_FILES
from vsm_app.storage.project_file import load_project
from vsm_app.ui.dialogs.export_dialog import (
    ExportMapDialog,
    MapExportOptions,
    ReportExportOptions,
    TablesExportOptions,
    find_file_menu,
    install_export_actions,
)
from vsm_app.ui.export import measured_ladder_of, overlay_from_scene


def _demo_window(qtbot: Any) -> Any:
    from vsm_app.ui.main_window import MainWindow

    path = demo_project_path()
    w = MainWindow(load_project(path), path)
    qtbot.addWidget(w)
    w.resize(1100, 700)
    w.show()
    qtbot.waitExposed(w)
    return w


def _wait_done(qtbot: Any, ctl: Any, task: Any) -> None:
    assert task is not None
    qtbot.waitUntil(lambda: ctl.task is None, timeout=30_000)
    assert not task.is_running()


def test_actions_sit_in_the_file_menu_before_quit(window: Any) -> None:
    ctl = install_export_actions(window)
    assert window.export_controller is ctl
    menu = find_file_menu(window)
    names = [a.objectName() for a in menu.actions() if not a.isSeparator()]
    i = names.index("action.export_map")
    assert names[i:i + 4] == ["action.export_map", "action.copy_map", "action.export_report",
                              "action.export_tables"]
    assert names[-1] == "action.quit"
    assert window.actions_by_name["export_map"].shortcut().toString() == "Ctrl+E"


def test_gui_map_export_matches_the_api_and_the_screen_overlay(qtbot: Any, tmp_path: Path,
                                                                dialogs: Any) -> None:
    w = _demo_window(qtbot)
    # measured first, as the user sees it: the overlay below is then not redrawn by the
    # measurement, nor the export's status message replaced by "Measured …"
    qtbot.waitUntil(lambda: w.measure.result is not None and not w.measure.is_busy(),
                    timeout=60_000)
    ctl = install_export_actions(w)
    m = w.project.maps[0]
    w.editor_for(m.id).scene.stage_item(m.stages[1].id).set_overlay(
        "measured median 19h", "#f28b82", is_constraint=True)
    out = tmp_path / "gui.png"
    with qtbot.waitSignal(ctl.finished, timeout=30_000) as blocker:
        task = ctl.run_map_export(MapExportOptions(str(out), [m.id], dpi=120))
    _wait_done(qtbot, ctl, task)
    assert blocker.args[0].path == out
    gui = QImage(str(out))
    # the API given what the screen shows (overlay labels, measured ladder) draws the same
    scene = w.editor_for(m.id).scene
    same = export_map_image(w.project, m, tmp_path / "same.png", dpi=120,
                            overlay=overlay_from_scene(scene),
                            measured_ladder=measured_ladder_of(scene))
    assert (gui.width(), gui.height()) == (same.width_px, same.height_px)
    assert gui == QImage(str(same.path))
    assert overlay_from_scene(scene)[m.stages[1].id].text == "measured median 19h"
    plain = export_map_image(w.project, m, tmp_path / "api.png", dpi=120)
    assert gui != QImage(str(plain.path))  # the GUI export carries the on-screen overlay
    assert "Exported gui.png" in w.statusBar().currentMessage()
    assert dialogs.errors == []


def test_gui_refuses_to_overwrite_the_open_project(qtbot: Any, dialogs: Any) -> None:
    w = _demo_window(qtbot)
    ctl = install_export_actions(w)
    before = w.path.read_bytes()
    assert ctl.run_map_export(MapExportOptions(str(w.path), [w.project.maps[0].id])) is None
    assert ctl.run_report_export(ReportExportOptions(str(w.path))) is None
    assert len(dialogs.errors) == 2
    assert all(str(w.path) in e[2] and ".vsm" in e[2] for e in dialogs.errors)
    assert w.path.read_bytes() == before


def test_gui_pdf_of_all_maps_report_and_tables(qtbot: Any, tmp_path: Path,
                                               dialogs: Any) -> None:
    w = _demo_window(qtbot)
    ctl = install_export_actions(w)
    ids = [m.id for m in w.project.maps]
    task = ctl.run_map_export(MapExportOptions(str(tmp_path / "maps.pdf"), ids))
    _wait_done(qtbot, ctl, task)
    assert len(pypdf.PdfReader(tmp_path / "maps.pdf").pages) == len(ids)

    task = ctl.run_report_export(ReportExportOptions(str(tmp_path / "report.html")))
    _wait_done(qtbot, ctl, task)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert external_references(html) == [] and "DORA metrics" in html

    task = ctl.run_tables_export(TablesExportOptions(str(tmp_path), excel=True, prefix="d-"))
    _wait_done(qtbot, ctl, task)
    for name in TABLE_FILES:
        assert (tmp_path / f"d-{name}").read_bytes().startswith(b"\xef\xbb\xbf")
    assert dialogs.errors == []


def test_cancel_in_the_gui_writes_nothing(qtbot: Any, tmp_path: Path, dialogs: Any) -> None:
    w = _demo_window(qtbot)
    ctl = install_export_actions(w)
    with qtbot.waitSignal(ctl.cancelled, timeout=30_000):
        task = ctl.run_report_export(ReportExportOptions(str(tmp_path / "r.pdf")))
        task.cancel()
    _wait_done(qtbot, ctl, task)
    assert list(tmp_path.iterdir()) == []
    assert dialogs.errors == []


def test_copy_map_action(qtbot: Any) -> None:
    w = _demo_window(qtbot)
    install_export_actions(w)
    w.actions_by_name["copy_map"].trigger()
    assert QApplication.clipboard().mimeData().hasImage()
    assert "Copied Current state" in w.statusBar().currentMessage()


def test_map_dialog_options_and_pixel_size(qtbot: Any, tmp_path: Path) -> None:
    project = load_project(demo_project_path())
    m = project.maps[1]
    dlg = ExportMapDialog(project, m.id, str(tmp_path / "x.png"), has_overlay=False)
    qtbot.addWidget(dlg)
    dlg.dpi_spin.setValue(200)
    api = export_map_image(project, m, tmp_path / "api.png", dpi=200)
    assert dlg.size_label.text() == f"{api.width_px:,} × {api.height_px:,} pixels"
    assert not dlg.page_box.isEnabled() and not dlg.overlay_check.isEnabled()
    dlg.format_box.setCurrentIndex(dlg.format_box.findData("pdf"))
    assert dlg.path_row.text().endswith("x.pdf") and dlg.page_box.isEnabled()
    dlg.map_box.setCurrentIndex(dlg.map_box.findData("__all__"))
    dlg.orientation_box.setCurrentIndex(dlg.orientation_box.findData("portrait"))
    opts = dlg.options()
    assert opts.map_ids == [x.id for x in project.maps]
    assert (opts.format, opts.orientation, opts.page_size) == ("pdf", "portrait", "A4")


def test_reports_reuse_the_measurement_controller(qtbot: Any, tmp_path: Path) -> None:
    from vsm_app.ui.measure import MeasurementController

    w = _demo_window(qtbot)
    mc = MeasurementController(w)
    ctl = install_export_actions(w, measurement_controller=mc)
    assert ctl.measurement_provider is not None and ctl.measurement_provider() is None
    mc.set_project(w.project)
    task = mc.ingest()
    assert task is not None
    qtbot.waitUntil(lambda: mc.result is not None, timeout=30_000)
    mc.wait()
    m = ctl.measurement_provider()
    assert m.result is mc.result and m.to_json()["changes"] == mc.result.changes
    task = ctl.run_tables_export(TablesExportOptions(str(tmp_path)))
    _wait_done(qtbot, ctl, task)
    assert (tmp_path / "changes.csv").is_file()


def test_gui_report_refuses_an_author_name(qtbot: Any, tmp_path: Path, dialogs: Any) -> None:
    from tests.report.demo_data import demo_identities

    w = _demo_window(qtbot)
    ctl = install_export_actions(w)
    person = sorted(i for i in demo_identities() if " " in i)[0]  # a full name
    w.project.maps[0].rename(f"Flow of {person}")
    with qtbot.waitSignal(ctl.failed, timeout=30_000):
        task = ctl.run_report_export(ReportExportOptions(str(tmp_path / "r.html")))
    _wait_done(qtbot, ctl, task)
    title, text, details = dialogs.errors[0]
    assert text == "The export failed."
    # the message names the person, the text and where it is; no traceback in it
    assert f"{person!r} in a map name ('Flow of {person}')" in details
    assert "Traceback" not in details and "Error" not in details
    assert dialogs.traces[0].startswith("Traceback")  # only behind "Show Details…"
    assert list(tmp_path.iterdir()) == []
