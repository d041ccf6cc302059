"""The data sources panel checks and measures a hostile repository without running its programs.

The same armed repository as ``tests/test_hostile_repository.py`` (every mechanism by which a
repository's config or attributes name a program; a partial clone with missing objects and an
ssh promisor remote), driven through the dock: the Add repository dialog (branch list,
branch and sub-folder checks), adding it (which measures it in the worker), a missing
sub-folder. Real branches named like options are found, not reported missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.hostile_repo import build_hostile_repo
from tests.ingest.conftest_git import RepoBuilder
from vsm_app.domain.model import Project
from vsm_app.domain.templates import software_delivery
from vsm_app.ui.docks.sources import RepositoryDialog, check_repository


def new_window(qtbot: Any, project: Project) -> Any:
    from vsm_app.ui.main_window import MainWindow

    w = MainWindow(project, None)
    qtbot.addWidget(w)
    w.show()
    return w


@pytest.mark.parametrize("partial", [False, True], ids=["complete", "partial"])
def test_dock_checks_and_measures_without_running_the_repository(
        qtbot: Any, dialogs: Any, tmp_path: Path, partial: bool) -> None:
    marker = tmp_path / "MARKER"
    info = build_hostile_repo(tmp_path, marker, partial=partial)
    project = Project("Hostile", [software_delivery()])
    project.settings.time_zone = "UTC"
    w = new_window(qtbot, project)

    dialog = RepositoryDialog(info["path"], parent=w)
    qtbot.addWidget(dialog)
    branches = [dialog.branch_combo.itemText(i) for i in range(dialog.branch_combo.count())]
    assert "main" in branches and "feature/x" in branches
    dialog.branch_combo.setEditText("feature/x")
    dialog.subtree_edit.setText("service")
    dialog.accept()
    assert dialog.error_label.isHidden(), dialog.error_label.text()
    dialog.subtree_edit.setText("missing")
    dialog.accept()
    assert dialog.error_label.text() == "repo has no folder 'missing' on feature/x."

    if partial:  # the folder's own tree is missing: it is listed, never fetched
        assert check_repository(info["path"], None, info["missing_folder"]) is None

    with qtbot.waitSignal(w.measure.result_changed, timeout=30_000):
        src = w.sources.add_repository(info["path"], "main", "v*", "service")
    assert src is not None and dialogs.errors == []
    qtbot.waitUntil(lambda: not w.measure.is_busy(), timeout=10_000)
    assert not marker.exists()  # a trap creates it when it runs


def test_branches_named_like_options_are_found(qtbot: Any, dialogs: Any,
                                               tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "repo")
    b.commit("feat: one", 0, file="service/a.txt")
    for name in ("-b", "--output=x"):  # `git branch` refuses such names; git still reads them
        b.git("update-ref", f"refs/heads/{name}", "HEAD")
    assert check_repository(str(b.path), "-b", "service") is None
    assert check_repository(str(b.path), "--output=x") is None
    assert not (b.path / "x").exists()
    assert check_repository(str(b.path), "nope") == \
        "repo has no branch 'nope'. Branches: --output=x, -b, main."

    w = new_window(qtbot, Project("P", [software_delivery()]))
    with qtbot.waitSignal(w.measure.result_changed, timeout=30_000):
        src = w.sources.add_repository(str(b.path), "--output=x")
    assert src is not None and src.branch == "--output=x" and dialogs.errors == []
    qtbot.waitUntil(lambda: not w.measure.is_busy(), timeout=10_000)
    assert not (b.path / "x").exists() and not (tmp_path / "x").exists()
