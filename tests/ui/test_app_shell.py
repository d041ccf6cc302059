"""The application around the editor: start-up (window first), About, the log, Clear cache,
error boxes with the traceback under Details."""

from __future__ import annotations

import logging
import os
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, qVersion
from PySide6.QtWidgets import QDockWidget, QMessageBox, QPlainTextEdit

from vsm_app import app, cachedir, logs, paths
from vsm_app.ui.dialogs import messages
from vsm_app.ui.main_window import MainWindow

from .conftest import DialogLog


def test_start_shows_the_window_first_then_completes_and_measures(
        qtbot: Any, monkeypatch: pytest.MonkeyPatch, dialogs: DialogLog) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # start() installs its own
    qapp, w = app.start([])
    qtbot.addWidget(w)
    # on screen at once, with the sample project's map, before the measured stream exists
    assert w.isVisible() and not w.is_complete() and not hasattr(w, "measure")
    assert w.path == (paths.sample_dir() / "demo.vsm").resolve()
    # Backlog and Analysis (measured from the work items' statuses), then the delivery stages
    assert len(w.current_map().stages) == 7
    assert QCoreApplication.applicationVersion() == version("vsm-app")
    assert not qapp.windowIcon().isNull() and qapp.styleSheet()
    qtbot.waitUntil(w.is_complete, timeout=30_000)
    docks = {d.objectName(): d for d in w.findChildren(QDockWidget)}
    assert {"dock.sources", "dock.constraint", "dock.dora"} <= set(docks)
    # the first start opens the map layout: every panel waits in the side bar, by name
    assert w.layout_name == "map"
    assert not any(d.isVisible() for d in docks.values())
    assert {"Properties", "Sources", "Constraint", "DORA"} <= set(w.panel_bar.labels())
    # first start: the sample's data is generated behind the window, then measured
    qtbot.waitUntil(lambda: w.measure.result is not None and not w.measure.is_busy(),
                    timeout=90_000)
    assert (paths.sample_dir() / "repo" / ".git").is_dir()
    assert w.measure.result.to_json()["bottleneck"]["stage"] == "Review"
    assert dialogs.errors == []
    w.undo_stack.setClean()


def test_a_window_built_in_two_steps_measures_once_complete(qtbot: Any, demo_vsm: Path) -> None:
    from vsm_app.storage.project_file import load_project

    w = MainWindow(complete=False)
    qtbot.addWidget(w)
    w.set_project(load_project(demo_vsm), demo_vsm)
    w.start_measuring()  # asked before the measured stream exists: done by complete()
    assert not w.is_complete()
    w.complete()
    assert w.is_complete() and w.sources.project is w.project
    qtbot.waitUntil(lambda: w.measure.result is not None and not w.measure.is_busy(),
                    timeout=60_000)
    data_menu = [a.objectName() for a in w.data_menu.actions() if not a.isSeparator()]
    assert data_menu == ["action.measure_wizard", "action.add_repository", "action.add_files",
                         "action.add_tracker_files", "action.edit_source",
                         "action.measurement_settings", "action.item_settings",
                         "action.item_journey",
                         "action.reingest", "action.cancel_ingest", "action.edit_groups",
                         "action.compare_groups", "action.clear_cache"]


def test_about_names_the_version_qt_python_folders_and_licence(window: Any) -> None:
    dlg = window.show_about()
    text = " ".join(label.text() for label in dlg.findChildren(type(dlg.folder_labels["Log"])))
    assert f"vsm-app {version('vsm-app')}" in text
    assert qVersion() in text and sys.version.split()[0] in text
    home = Path(os.environ["VSM_APP_HOME"])
    assert str(home / "settings.ini") in dlg.folder_labels["Settings"].text()
    assert dlg.folder_labels["Data"].text().startswith(str(home))
    assert dlg.folder_labels["Cache"].text().startswith(str(home / "cache"))
    assert str(home / "log") in dlg.folder_labels["Log"].text()
    (licence_text,) = [t for t in dlg.findChildren(QPlainTextEdit)
                       if t.objectName() == "licenceText"]
    assert licence_text.toPlainText().startswith("MIT License")
    help_menu = [a.text() for a in window.help_menu.actions() if not a.isSeparator()]
    assert help_menu == ["&Help: guide, metrics, shortcuts", "Show &log", "&About vsm-app"]


def test_show_log_shows_the_end_of_the_log_file(window: Any) -> None:
    logs.setup(console=False)
    try:
        logging.getLogger("vsm_app.test").warning("a line to find %d", 42)
        dlg = window.show_log()
        assert dlg.path == paths.log_path()
        assert "WARNING vsm_app.test: a line to find 42" in dlg.text.toPlainText()
        logging.getLogger("vsm_app.test").info("written later")
        window.show_log()
        assert dlg.text.toPlainText().rstrip().endswith("written later")
    finally:
        logs.reset()


def test_clear_cache_asks_then_deletes_the_entries(window: Any, dialogs: DialogLog) -> None:
    cache = paths.cache_dir()
    (cache / "git-history-a.npz").write_bytes(b"x" * 3000)
    (cache / "git-changes-b.npz").write_bytes(b"x" * 1000)
    dialogs.confirm_answer = False
    assert not window.clear_cache()
    assert cachedir.usage(cache) == (2, 4000)
    dialogs.confirm_answer = True
    assert window.clear_cache()
    assert cachedir.usage(cache) == (0, 0)
    assert dialogs.asked == ["confirm:Clear cache", "confirm:Clear cache"]


def test_error_box_holds_the_traceback_under_details_never_in_its_text() -> None:
    try:
        {}["missing"]  # noqa: B018
    except KeyError:
        trace = messages.current_traceback()
    assert trace.startswith("Traceback (most recent call last)") and "KeyError" in trace
    box = messages.error_box(None, "Export", "The export failed: 'missing'",
                             "Nothing was written.", trace)
    assert box.detailedText() == trace
    assert "Traceback" not in box.text() and "Traceback" not in box.informativeText()
    assert messages.current_traceback() == ""  # outside an except block: none


def test_an_error_reported_inside_except_carries_its_traceback(
        qtbot: Any, tmp_path: Path, dialogs: DialogLog) -> None:
    w = MainWindow()
    qtbot.addWidget(w)
    folder = tmp_path / "not-a-file.vsm"
    folder.mkdir()
    # refused by the target check (ExportTargetError), reported from its except block
    assert not w.save_to(folder)
    (title, text, details), = dialogs.errors
    assert title == "Cannot save" and "Traceback" not in text + details
    assert "ExportTargetError" in dialogs.traces[-1]


def test_unexpected_exception_shows_the_traceback_under_details(
        qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[QMessageBox] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box) or 0)
    logs.setup(console=False)
    try:
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            app._on_unexpected_error(*sys.exc_info())  # type: ignore[arg-type]
        (box,) = shown
        assert box.text() == "Something went wrong: RuntimeError: boom"
        assert "Traceback" in box.detailedText() and "RuntimeError: boom" in box.detailedText()
        assert "Traceback" not in box.informativeText()
        assert str(paths.log_path()) in box.informativeText()
        assert "RuntimeError: boom" in paths.log_path().read_text(encoding="utf-8")
    finally:
        logs.reset()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG folders are Linux's")
def test_settings_of_an_older_version_are_copied_once(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtCore import QSettings

    from vsm_app.ui import settings

    # an older version kept its settings in QSettings' native place; point that at tmp_path
    native = tmp_path / "native"
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(native))
    try:
        old = QSettings()
        old.setValue(settings.THEME.name, "dark")
        old.sync()
        monkeypatch.delenv("VSM_APP_HOME")
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
        settings._migrated.clear()
        assert settings.get(settings.THEME) == "dark"
        target = paths.settings_path()
        assert target == tmp_path / "config" / "vsm-app" / "settings.ini" and target.is_file()
        settings.set_value(settings.THEME, "light")
        assert settings.get(settings.THEME) == "light"  # copied once, not again
    finally:
        QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope,
                          str(Path.home() / ".config"))
