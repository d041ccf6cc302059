"""The data sources panel: add a repository and exports through its API, what each source gave,
refused inputs with a clear message, undo, drag and drop, and a failed ingest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox

from vsm_app.domain.durations import format_duration
from vsm_app.domain.model import DataSource, Project
from vsm_app.domain.templates import software_delivery
from vsm_app.pipeline import inputs_from_project
from vsm_app.pipeline import run as pipeline_run
from vsm_app.storage.project_file import load_project, save_project
from vsm_app.ui.docks.sources import SourcesModel


def new_window(qtbot: Any, project: Project, path: Path | None = None) -> Any:
    from vsm_app.ui.main_window import MainWindow

    w = MainWindow(project, path)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    return w


def cell(w: Any, row: int, col: int) -> str:
    m = w.sources.model
    return str(m.data(m.index(row, col)))


def test_add_repository_and_export_then_the_overlay_matches_the_engine(
        qtbot: Any, demo_vsm: Path) -> None:
    root = demo_vsm.parent
    project = Project("Workshop", [software_delivery()])
    project.settings.time_zone = "UTC"
    w = new_window(qtbot, project)
    assert w.sources.model.rowCount() == 0
    with qtbot.waitSignal(w.measure.result_changed, timeout=30_000):
        src = w.sources.add_repository(str(root / "repo"), deploy_tags="v*")
    assert src is not None and src.path == str((root / "repo").resolve())
    with qtbot.waitSignal(w.measure.result_changed, timeout=30_000):
        added = w.sources.add_files([str(root / "exports" / "prs.json")])
    qtbot.waitUntil(lambda: not w.measure.is_busy(), timeout=10_000)
    assert [s.kind for s in added] == ["prs"] and added[0].format == "gh_pr_list"
    assert w.is_modified() and w.undo_stack.count() == 2

    # what each source gave, as the engine reports it
    expected = pipeline_run(inputs_from_project(project))
    doc = expected.to_json()
    for row, rep in enumerate(expected.tables.sources):
        assert cell(w, row, SourcesModel.RECORDS) == f"{rep.records:,}"
        assert cell(w, row, SourcesModel.LINKED) == f"{rep.linked:,}"
        assert cell(w, row, SourcesModel.SKIPPED) == f"{rep.skipped:,}"
    assert "gh pr list" in cell(w, 1, SourcesModel.SOURCE)  # the detected format
    assert "Last ingest" in w.sources.status_label.text()

    # the overlay shows the engine's medians for the stages these two sources measure
    m = w.current_map()
    day = m.settings.day_length_s
    ed = w.current_editor()
    by_name = {s["name"]: s for s in doc["stages"]}
    review = ed.scene.stage_item(m.stage_by_name("Review").id).overlay()
    r = by_name["Review"]
    est = m.stage_by_name("Review").estimates
    assert review[0] == (
        f"wait {format_duration(r['wait_median_s'], day)} · est "
        f"{format_duration(est.wait_time_s, day)}\n"
        f"work {format_duration(r['active_median_s'], day)} · est "
        f"{format_duration(est.process_time_s, day)}")
    assert review[2] == (doc["bottleneck"]["stage"] == "Review")
    ci = ed.scene.stage_item(m.stage_by_name("CI").id).overlay()
    assert ci[0] == "no data in window"  # bound, but no CI export loaded

    # remove is undoable too, and re-ingests
    with qtbot.waitSignal(w.measure.measured, timeout=30_000):
        w.sources.remove_sources([added[0].id])
    assert [s.kind for s in project.sources] == ["git"]
    with qtbot.waitSignal(w.measure.measured, timeout=30_000):
        w.undo_stack.undo()
    assert [s.kind for s in project.sources] == ["git", "prs"]
    qtbot.waitUntil(lambda: not w.measure.is_busy(), timeout=10_000)


def test_refused_inputs_say_why_and_add_nothing(qtbot: Any, dialogs: Any,
                                                tmp_path: Path) -> None:
    w = new_window(qtbot, Project("Workshop", [software_delivery()]))
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps([{"colour": "blue", "size": 3}]))
    assert w.sources.add_files([str(odd)]) == []
    title, text, details = dialogs.errors[-1]
    assert title == "Add files" and text == "Nothing was added."
    assert "odd.json" in details and "unrecognised format" in details
    assert "Supported formats" in details and "GitHub Actions" in details

    assert w.sources.add_repository(str(tmp_path)) is None
    assert "is not a git repository" in dialogs.errors[-1][2]
    assert w.project.sources == [] and w.undo_stack.count() == 0


def test_drop_files_on_the_dock(qtbot: Any, demo_vsm: Path) -> None:
    w = new_window(qtbot, Project("Workshop", [software_delivery()]))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(demo_vsm.parent / "exports" / "incidents.json"))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(w.measure.measured, timeout=30_000):
        w.sources.dropEvent(event)
    assert [(s.kind, s.format) for s in w.project.sources] == [
        ("incidents", "pagerduty_incidents")]
    qtbot.waitUntil(lambda: not w.measure.is_busy(), timeout=10_000)


def test_problems_are_listed(qtbot: Any, demo_vsm: Path) -> None:
    w = new_window(qtbot, load_project(demo_vsm), demo_vsm)
    qtbot.waitUntil(lambda: w.measure.result is not None, timeout=30_000)
    warnings = w.measure.data.tables.warnings
    assert warnings  # release tags replaced by the CI deploy runs
    dlg = w.sources.show_problems(0)
    assert dlg.isVisible() and not dlg.isModal()
    assert warnings[0] in dlg.text.toPlainText()
    assert set(warnings) <= set(w.sources.all_problems())
    qtbot.waitUntil(lambda: not w.measure.is_busy(), timeout=10_000)


def test_failed_ingest_names_the_source_and_leaves_the_project(qtbot: Any,
                                                               tmp_path: Path) -> None:
    project = Project("Broken", [software_delivery()])
    project.sources.append(DataSource("git", str(tmp_path / "gone"), id="src-gone"))
    path = tmp_path / "broken.vsm"
    save_project(project, path)
    w = new_window(qtbot, load_project(path), path)
    with qtbot.waitSignal(w.measure.failed, timeout=30_000):
        pass
    qtbot.waitUntil(lambda: w.ingest_error_box is not None, timeout=5_000)
    box = w.ingest_error_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert box.windowModality() == Qt.WindowModality.NonModal
    assert "gone" in box.text() and "no such folder" in box.text()
    assert str(tmp_path / "gone") in box.informativeText()
    assert w.sources.model.problems(0)  # the row says it too
    assert w.project.same_content(load_project(path)) and not w.is_modified()
    assert w.measure.data is None
