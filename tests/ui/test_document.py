"""The project document on its own (no window): modified state, saves, autosave, recovery."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from vsm_app.domain.model import Project, Stage
from vsm_app.domain.templates import software_delivery
from vsm_app.storage.project_file import ProjectFileError, load_project, save_project
from vsm_app.ui import commands as cmd
from vsm_app.ui.document import ProjectDocument


def _doc(qtbot: Any) -> ProjectDocument:
    doc = ProjectDocument()
    doc.set_project(Project("P", [software_delivery()]))
    return doc


def test_an_edit_makes_it_modified_and_a_save_makes_it_clean(qtbot: Any, tmp_path: Path) -> None:
    doc = _doc(qtbot)
    seen: list[bool] = []
    doc.modified_changed.connect(seen.append)
    assert not doc.is_modified() and doc.display_name() == "P (unsaved)"
    doc.undo_stack.push(cmd.AddStageCommand(doc.project.maps[0], Stage("Monitor")))
    assert doc.is_modified() and seen == [True]
    target = doc.save_to(tmp_path / "p.vsm")
    assert not doc.is_modified() and seen == [True, False]
    assert doc.path == target and doc.display_name() == "p.vsm"
    assert load_project(target).same_content(doc.project)
    doc.undo_stack.undo()  # back before the save: modified again
    assert doc.is_modified()


def test_autosave_writes_only_new_work_and_a_save_removes_it(qtbot: Any, tmp_path: Path
                                                             ) -> None:
    doc = _doc(qtbot)
    assert not doc.autosave_now()  # nothing changed
    doc.undo_stack.push(cmd.AddStageCommand(doc.project.maps[0], Stage("Monitor")))
    assert doc.autosave_now()
    side = doc.autosave_file()
    assert side.exists() and load_project(side).same_content(doc.project)
    assert not doc.autosave_now()  # nothing new since
    doc.save_to(tmp_path / "p.vsm")
    assert not side.exists()


def test_a_bad_file_leaves_the_document_as_it_was(qtbot: Any, tmp_path: Path) -> None:
    doc = _doc(qtbot)
    bad = tmp_path / "bad.vsm"
    bad.write_text("{\"format\": \"vsm-project\"", encoding="utf-8")
    before = doc.project
    with pytest.raises(ProjectFileError):
        doc.load(bad)
    assert doc.project is before and doc.path is None


def test_a_recovered_autosave_is_unsaved_work_until_saved(qtbot: Any, tmp_path: Path) -> None:
    path = tmp_path / "p.vsm"
    save_project(Project("P", [software_delivery()]), path)
    crashed = ProjectDocument()
    crashed.load(path)
    crashed.undo_stack.push(cmd.AddStageCommand(crashed.project.maps[0], Stage("Monitor")))
    assert crashed.autosave_now()
    side = crashed.autosave_file()

    doc = ProjectDocument()
    doc.load(path)  # the next start: the side file is newer than the project
    assert doc.pending_recovery() == side
    doc.recover_from(side)
    assert doc.is_modified() and doc.path == path.resolve()
    assert doc.project.maps[0].stage_by_name("Monitor") is not None
    doc.save_to(path)
    assert not side.exists() and load_project(path).maps[0].stage_by_name("Monitor")


def test_the_window_shows_what_the_document_opens(qtbot: Any, tmp_path: Path) -> None:
    """``show`` (the window's set_project) makes the project the document; one that does not
    is a programming error, reported before the stale document is used."""
    path = tmp_path / "p.vsm"
    save_project(Project("Shown", [software_delivery()]), path)
    doc = ProjectDocument()
    shown: list[tuple[str, Path | None]] = []

    def show(project: Project, where: Path | None) -> None:
        shown.append((project.name, where))
        doc.set_project(project, where)

    assert doc.load(path, show=show).name == "Shown"
    assert shown == [("Shown", path)] and doc.path == path.resolve()
    with pytest.raises(RuntimeError, match="set_project"):
        ProjectDocument().load(path, show=lambda p, w: None)


def test_the_main_window_holds_no_file_logic() -> None:
    """Reading, writing and autosaving the project file is the document's: the window imports
    none of storage's readers and writers (only the load error, to describe it)."""
    import ast

    import vsm_app.ui.main_window as mw

    tree = ast.parse(Path(mw.__file__).read_text("utf-8"))
    storage = {(n.module or "").split(".")[-1]: [a.name for a in n.names]
               for n in ast.walk(tree)
               if isinstance(n, ast.ImportFrom) and "storage" in (n.module or "")}
    assert storage == {"project_file": ["ProjectFileError"]}
