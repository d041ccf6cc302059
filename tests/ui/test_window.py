"""The main window: files, title marker, autosave and recovery, tabs, modes, settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from vsm_app.domain.model import Project, Stage
from vsm_app.storage.autosave import autosave_path
from vsm_app.storage.project_file import load_project
from vsm_app.ui import commands as cmd
from vsm_app.ui import settings

from .conftest import DialogLog


def test_save_reopen_equal_and_title_marker(window: Any, tmp_path: Path, qtbot: Any) -> None:
    editor = window.current_editor()
    assert not window.isWindowModified()
    editor.add_stage_at(editor.view.center_scene_pos(), "Deploy", rename=False)
    assert window.isWindowModified()
    window.undo_stack.undo()
    assert not window.isWindowModified()  # back to the clean state
    window.undo_stack.redo()
    path = tmp_path / "workshop.vsm"
    assert window.save_as(path)
    assert not window.isWindowModified()
    assert window.windowTitle().startswith("workshop.vsm[*]")
    reopened = load_project(path)
    assert reopened.same_content(window.project)
    assert settings.get(settings.RECENT_FILES)[0] == str(path.resolve())

    from vsm_app.ui.main_window import MainWindow
    other = MainWindow()
    qtbot.addWidget(other)
    assert other.open_path(path)
    assert other.project.same_content(window.project)
    assert [s.name for s in other.current_map().stages][-1] == "Deploy"
    assert not other.isWindowModified()


def test_bad_file_names_file_and_json_path_and_is_untouched(
        qtbot: Any, tmp_path: Path, dialogs: DialogLog) -> None:
    from vsm_app import app

    bad = tmp_path / "broken.vsm"
    text = ('{"format": "vsm-project", "version": 1, "maps": [{"name": "M", "stages": '
            '[{"id": "a", "name": "A", "estimates": {"process_time_s": "soon"}}]}]}')
    bad.write_text(text, encoding="utf-8")
    mtime = bad.stat().st_mtime_ns
    w = app.create_window([str(bad)])
    qtbot.addWidget(w)
    (title, message, details), = dialogs.errors
    assert "broken.vsm" in message and str(bad) in details
    assert "$.maps[0].stages[0].estimates.process_time_s" in details
    assert bad.read_text(encoding="utf-8") == text and bad.stat().st_mtime_ns == mtime
    assert w.path is None and len(w.project.maps) == 1  # an empty project instead


def test_no_argument_opens_the_sample_project(qtbot: Any, dialogs: DialogLog) -> None:
    from vsm_app import app

    w = app.create_window([])
    qtbot.addWidget(w)
    assert not dialogs.errors
    m = w.current_map()
    assert len(m.stages) >= 5 and m.flows
    assert w.current_editor().scene.ladder.steps


def test_autosave_and_recovery(qtbot: Any, tmp_path: Path, dialogs: DialogLog) -> None:
    from vsm_app.storage.project_file import save_project
    from vsm_app.ui.main_window import MainWindow

    path = tmp_path / "p.vsm"
    save_project(Project("P", [__import__("vsm_app.domain.templates",
                                          fromlist=["x"]).software_delivery()]), path)
    w = MainWindow()
    qtbot.addWidget(w)
    assert w.autosave_timer.interval() == 60_000
    w.open_path(path)
    assert not w.autosave_now()  # nothing to save yet
    m = w.current_map()
    w.undo_stack.push(cmd.AddStageCommand(m, Stage("Monitor", x=1200.0)))
    assert w.autosave_now()
    side = autosave_path(path, tmp_path)
    assert side.exists()
    edited = load_project(side)
    # "crash": the window goes away without saving; the next start offers recovery
    w.undo_stack.setClean()  # so closing does not ask; the side file stays
    w.document._autosave_index = None
    w2 = MainWindow()
    qtbot.addWidget(w2)
    w2.open_path(path)
    dialogs.recovery_answer = "restore"
    assert w2.offer_recovery()
    assert "recovery" in dialogs.asked
    assert w2.project.maps[0].stage_by_name("Monitor") is not None
    assert w2.project.same_content(edited)
    assert w2.isWindowModified() and w2.path == path.resolve()
    assert w2.save()
    assert not side.exists() and load_project(path).same_content(edited)


def test_recovery_discard_deletes_side_file(qtbot: Any, tmp_path: Path,
                                            dialogs: DialogLog) -> None:
    from vsm_app.paths import user_data_dir
    from vsm_app.storage.autosave import write_autosave
    from vsm_app.ui.main_window import MainWindow

    side = autosave_path(None, user_data_dir())
    write_autosave(Project("Lost"), side)
    w = MainWindow()
    qtbot.addWidget(w)
    dialogs.recovery_answer = "discard"
    assert not w.offer_recovery()
    assert not side.exists()


def test_close_with_unsaved_changes_asks(window: Any, dialogs: DialogLog) -> None:
    window.undo_stack.push(cmd.AddStageCommand(window.current_map(), Stage("X")))
    dialogs.save_changes_answer = "cancel"
    assert not window.close()
    assert window.isVisible()
    dialogs.save_changes_answer = "discard"
    assert window.close()
    assert dialogs.asked.count("save:Workshop") == 2


def test_maps_as_tabs_and_duplicate_as_future_state(window: Any) -> None:
    current = window.current_map()
    count = window.undo_stack.count()
    key_seq = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    QTest.keyClick(window.current_editor().view, Qt.Key.Key_D, key_seq)
    assert window.tabs.count() == 2 and window.undo_stack.count() == count + 1
    future = window.current_map()
    assert future is not current and future.kind == "future"
    assert window.tabs.tabText(1) == "Future state"
    assert [s.name for s in future.stages] == [s.name for s in current.stages]
    assert not {s.id for s in future.stages} & {s.id for s in current.stages}
    # editing the future state leaves the current state alone
    window.current_editor().set_stage_fields(future.stages[0].id, name="Code + review")
    assert current.stages[0].name == "Coding"
    window.rename_map(future, "To-be")
    assert window.tabs.tabText(1) == "To-be · future"
    for _ in range(3):
        window.undo_stack.undo()
    assert window.tabs.count() == 1 and window.current_map() is current


def test_presentation_mode_and_escape(window: Any, qtbot: Any) -> None:
    view = window.current_editor().view
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_F5)
    assert window.is_presenting()
    assert window.isFullScreen()
    assert not window.properties.isVisible() and not window.main_toolbar.isVisible()
    assert not window.menuBar().isVisible()
    assert window.tabs.font().pointSizeF() > QApplication.font().pointSizeF()
    QTest.keyClick(view, Qt.Key.Key_Escape)
    assert not window.is_presenting()
    assert window.properties.isVisible() and window.main_toolbar.isVisible()
    assert not window.actions_by_name["presentation"].isChecked()


def test_theme_switch_is_remembered(window: Any) -> None:
    window.set_theme("dark")
    assert window.current_editor().scene.colors.background == "#1b1f27"
    assert settings.get(settings.THEME) == "dark"
    window.set_theme("light")
    assert settings.get(settings.THEME) == "light"


def test_cheat_sheet_lists_the_real_shortcuts(window: Any) -> None:
    QTest.keyClick(window.current_editor().view, Qt.Key.Key_F1)
    sheet = window._cheatsheet
    assert sheet is not None and sheet.isVisible()
    rows = dict((t, k) for k, t in sheet.rows)
    assert rows["Add stage"] == "N"
    assert rows["Connect selected"] == "C"
    assert rows["Rename"] == "F2"
    assert "Del" in rows["Delete"]
    sheet.close()


def test_window_layout_is_remembered(qtbot: Any) -> None:
    from vsm_app.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.history.hide()
    w.close()
    assert not settings.get(settings.WINDOW_STATE).isEmpty()
    w2 = MainWindow()
    qtbot.addWidget(w2)
    w2.show()
    qtbot.waitExposed(w2)
    assert not w2.history.isVisible() and w2.properties.isVisible()


def test_settings_keys_defaults_and_round_trip() -> None:
    assert len({k.name for k in settings.ALL_KEYS}) == len(settings.ALL_KEYS)
    for k in settings.ALL_KEYS:
        assert isinstance(settings.get(k), k.type)
    settings.set_value(settings.SNAP_TO_GRID, False)
    assert settings.get(settings.SNAP_TO_GRID) is False
    settings.set_value(settings.GRID_SIZE, 25)
    assert settings.get(settings.GRID_SIZE) == 25
    for i in range(12):
        settings.add_recent_file(f"/tmp/p{i}.vsm")
    settings.add_recent_file("/tmp/p3.vsm")
    recent = settings.get(settings.RECENT_FILES)
    assert recent[0] == "/tmp/p3.vsm" and len(recent) == settings.MAX_RECENT_FILES
    assert len(set(recent)) == len(recent)
