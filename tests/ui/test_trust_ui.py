"""Issue 13 in the window: the detected release-tag scheme in Add repository and the sources
panel, a source's settings edited after it was added (undoable), the production environments
setting, and coverage next to the constraint (dashboard, status bar, map) when it is named and
when it is withheld."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ingest.conftest_git import RepoBuilder
from vsm_app.domain.model import DataSource, Project
from vsm_app.domain.templates import software_delivery
from vsm_app.ui.dialogs.measurement_settings import MeasurementSettingsDialog
from vsm_app.ui.docks.sources import RepositoryDialog, SourcesModel


@pytest.fixture
def bare_repo(tmp_path: Path) -> Path:
    """Bare version tags: 1.0.0 (h2) and 1.1.0 (h10) are releases, 1.2.0rc1 a pre-release,
    2.x a branch-like tag; 25 changes so a window holds enough of them."""
    b = RepoBuilder(tmp_path / "repo")
    b.commit("feat: zero", 0)
    b.tag("1.0.0", 2)
    b.tag("2.x", annotated=False)
    for i in range(25):
        b.commit(f"feat: change {i}", 3 + 0.25 * i)
    b.tag("1.1.0", 10)
    b.commit("feat: later", 11)
    b.tag("1.2.0rc1", 12)
    return b.path


def window(qtbot: Any, project: Project) -> Any:
    from vsm_app.ui.main_window import MainWindow

    w = MainWindow(project)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    return w


def test_add_repository_shows_the_detected_scheme_and_takes_a_change(
        qtbot: Any, bare_repo: Path) -> None:
    dlg = RepositoryDialog(str(bare_repo))
    qtbot.addWidget(dlg)
    assert dlg.tags_edit.text() == "" and dlg.tags_edit.placeholderText() == \
        "detected: [0-9]*[0-9]"
    assert dlg.tags_info.text() == ("Detected: [0-9]*[0-9] — 2 of 4 tags are releases "
                                    "(1 pre-releases left out).")
    assert dlg.values()[2] is None  # left empty: detected at each ingest
    dlg.tags_edit.setText("1.0*")
    dlg.update_tags_info()
    assert dlg.tags_info.text() == "Your pattern: 1.0* — 1 of 4 tags are releases."
    assert dlg.values()[2] == "1.0*"
    dlg.no_tags_check.setChecked(True)
    assert dlg.values()[2] == "" and not dlg.tags_edit.isEnabled()
    assert dlg.tags_info.text().startswith("Tags are not read")


def test_the_panel_says_which_tags_were_used_and_a_source_can_be_edited(
        qtbot: Any, bare_repo: Path) -> None:
    w = window(qtbot, Project("p", [software_delivery()]))
    with qtbot.waitSignal(w.measure.result_changed, timeout=30_000):
        src = w.sources.add_repository(str(bare_repo))
    assert src is not None and src.deploy_tags is None
    qtbot.waitUntil(lambda: not w.measure.is_busy(), timeout=10_000)
    text = str(w.sources.model.data(w.sources.model.index(0, SourcesModel.SOURCE)))
    assert text.endswith("git · tags [0-9]*[0-9] (detected): 2 of 4")
    assert w.measure.result.deployments == 2

    # Settings…: no deployments from tags; one undo step; the data is read again
    w.sources.table.selectRow(0)
    assert w.sources.edit_action.isEnabled()
    with qtbot.waitSignal(w.measure.result_changed, timeout=30_000):
        assert w.sources.apply_source_settings(src.id, deploy_tags="")
    qtbot.waitUntil(lambda: not w.measure.is_busy(), timeout=10_000)
    assert w.project.sources[0].deploy_tags == "" and w.measure.result.deployments == 0
    assert w.undo_stack.undoText() == "Edit data source repo"
    assert "no tag deployments" in str(w.sources.model.data(
        w.sources.model.index(0, SourcesModel.SOURCE)))
    with qtbot.waitSignal(w.measure.result_changed, timeout=30_000):
        w.undo_stack.undo()
    qtbot.waitUntil(lambda: not w.measure.is_busy(), timeout=10_000)
    assert w.project.sources[0].deploy_tags is None and w.measure.result.deployments == 2


def test_production_environments_setting(qtbot: Any, tmp_path: Path) -> None:
    w = window(qtbot, Project("p", [software_delivery()]))
    dlg = MeasurementSettingsDialog(w.project.settings, w)
    qtbot.addWidget(dlg)
    assert dlg.environments_edit.placeholderText() == "production, prod, prd, live (the defaults)"
    dlg.environments_edit.setText("eu-prod; Live ,eu-prod")
    dlg.pattern_edit.setText("(deploy")
    dlg.accept()
    assert dlg.error.text().startswith("Deploy jobs: '(deploy' is not a regular expression")
    dlg.pattern_edit.setText("deploy|release")
    dlg.accept()
    new = dlg.result_settings
    assert new is not None and new.production_environments == ["eu-prod", "Live"]
    assert dlg.names_in_effect() == ("eu-prod", "live")
    assert w.apply_measurement_settings(new)
    assert w.project.settings.production_environments == ["eu-prod", "Live"]
    assert w.project.settings.deploy_pattern == "deploy|release" and w.is_modified()
    assert w.undo_stack.undoText() == "Change measurement settings"
    w.undo_stack.undo()
    assert w.project.settings.production_environments == []
    assert w.project.settings.deploy_pattern == "deploy"


def test_a_withheld_constraint_says_on_what_and_what_would_name_it(
        qtbot: Any, bare_repo: Path) -> None:
    project = Project("p", [software_delivery()])
    project.sources.append(DataSource("git", str(bare_repo)))
    w = window(qtbot, project)
    qtbot.waitUntil(lambda: w.measure.result is not None and not w.measure.is_busy(),
                    timeout=30_000)
    w.dashboards.wiring.wait()
    doc = w.measure.result.to_json()
    n = doc["bottleneck"]["coverage"]["constraint"]["changes"]
    # 1.1.0 ships the 25 changes; "zero" is the first deployment's (no flow time) and
    # "later" is only in the pre-release 1.2.0rc1 (not deployed)
    assert n == 25
    panel = w.dashboards.constraint
    assert panel.headline.text() == f"No constraint named · 0 of 5 stages, {n} changes"
    assert panel.coverage.text().startswith(
        f"Rests on 0 of 5 stages measured (0 of 8 stage-kinds), {n:,} changes. 0 of 8 bound "
        "stage-kinds measured")
    assert "Add pull requests with their reviews to measure Coding, Review and Merge; add CI " \
           "runs to measure CI; add deployments with a start time" in panel.coverage.text()
    assert w.constraint_label.text().startswith(f"No constraint named (0 of 5 stages, {n} "
                                                "changes): ")
    # the map marks no stage as the constraint; its ladder says why not
    scene = w.current_editor().scene
    assert not any(item.overlay()[2] for item in scene.stage_items())
    assert scene.ladder.summary_texts()["Constraint"] == "withheld"
    assert scene.ladder.summary_texts()["Stages measured"] == "0 of 5"


def test_pdf_report_shows_coverage_next_to_the_verdict(qapp: Any, bare_repo: Path) -> None:
    from vsm_app.pipeline import AnalyzeInputs, RepoInput, run
    from vsm_app.render.report_pdf import report_pdf_bytes
    from vsm_app.report.data import build_report_data

    project = Project("p", [software_delivery()])
    m = run(AnalyzeInputs(repos=[RepoInput(str(bare_repo))], vsm_map=project.maps[0]))
    pdf, drawn = report_pdf_bytes(project, build_report_data(project, m))
    assert pdf.startswith(b"%PDF")
    flat = " ".join(drawn.split())
    assert "No constraint named: 0 of 8 bound stage-kinds measured" in flat
    assert "Rests on 0 of 5 stages measured (0 of 8 stage-kinds), 25 changes." in flat
    assert "withheld" in flat  # the bands of a 2-deployment window
