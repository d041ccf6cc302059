"""Map ▸ Bind stages to data…: the preview equals the engine, applying is one undo step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QComboBox, QDialogButtonBox, QLabel

from vsm_app.analysis.engine import analyze
from vsm_app.domain.durations import format_duration
from vsm_app.domain.model import Segment, SegmentKind
from vsm_app.domain.templates import SOFTWARE_DELIVERY_BINDINGS
from vsm_app.pipeline import inputs_from_project
from vsm_app.pipeline import run as pipeline_run
from vsm_app.storage.project_file import load_project
from vsm_app.ui.dialogs.bindings import BindingsDialog, template_segments
from vsm_app.ui.measure import MeasurementController, ingest_and_prepare

W, A = SegmentKind.WAIT, SegmentKind.ACTIVE


@pytest.fixture(scope="module")
def measured(qapp: Any, demo_vsm: Path) -> MeasurementController:
    """A controller holding the demo's measurement (made without a worker)."""
    project = load_project(demo_vsm)
    c = MeasurementController()
    c.set_project(project)
    c.data = ingest_and_prepare(inputs_from_project(project), project.maps[0],
                                lambda *_: None, lambda: False)
    c.analyze_now()
    return c


def _dialog(qtbot: Any, c: MeasurementController, stage: str) -> BindingsDialog:
    m = c.vsm_map
    assert m is not None
    dlg = BindingsDialog(m, QUndoStack(), c, m.stage_by_name(stage).id)
    qtbot.addWidget(dlg)
    return dlg


def test_preview_equals_the_engine_for_each_segment(qtbot: Any, measured: Any,
                                                    demo_vsm: Path) -> None:
    engine = pipeline_run(inputs_from_project(load_project(demo_vsm))).to_json()
    review = next(s for s in engine["stages"] if s["name"] == "Review")
    dlg = _dialog(qtbot, measured, "Review")
    pv = dlg.preview()
    assert pv is not None
    wait_seg, active_seg = pv.segments  # pr_opened→first_review (wait), →approved (active)
    assert (wait_seg.count, wait_seg.median_s) == (review["wait_count"],
                                                    review["wait_median_s"])
    assert (active_seg.count, active_seg.median_s) == (review["active_count"],
                                                        review["active_median_s"])
    assert wait_seg.missing == review["wait_missing"]
    assert pv.wait == wait_seg and pv.active == active_seg
    label = dlg.table.cellWidget(0, dlg.PREVIEW)
    assert isinstance(label, QLabel)
    day = measured.vsm_map.settings.day_length_s
    # the demo has work items: the stages, and so the preview, are measured on them
    assert label.text().startswith(
        f"{review['wait_count']:,} items · median "
        f"{format_duration(review['wait_median_s'], day)}")


def test_editing_a_segment_previews_what_the_engine_will_show(qtbot: Any,
                                                              measured: Any) -> None:
    dlg = _dialog(qtbot, measured, "Review")
    box = dlg.table.cellWidget(0, dlg.FROM)
    assert isinstance(box, QComboBox)
    box.setCurrentIndex(box.findData("first_commit"))  # wait first_commit → first_review
    assert dlg.segments()[0] == Segment("first_commit", "first_review", W)
    pv = dlg.preview()
    assert pv is not None
    m = measured.vsm_map.copy()
    m.update_stage(m.stage_by_name("Review").id, segments=dlg.segments())
    engine = analyze(measured.data.tables, m, measured.options()).to_json()
    review = next(s for s in engine["stages"] if s["name"] == "Review")
    assert (pv.wait.count, pv.wait.median_s) == (review["wait_count"], review["wait_median_s"])
    assert "On the map" in dlg.stage_total.text()


def test_apply_is_one_undo_step_and_remeasures(qtbot: Any, demo_vsm: Path) -> None:
    project = load_project(demo_vsm)
    m = project.maps[0]
    c = MeasurementController()
    c.set_project(project, m)
    c.data = ingest_and_prepare(inputs_from_project(project), m, lambda *_: None,
                                lambda: False)
    c.analyze_now()
    stack = QUndoStack()
    review, merge = m.stage_by_name("Review"), m.stage_by_name("Merge")
    before = {s.id: list(s.segments) for s in m.stages}
    dlg = BindingsDialog(m, stack, c, review.id)
    qtbot.addWidget(dlg)
    dlg.set_segments([Segment("pr_opened", "approved", W)])
    dlg.set_segments([Segment("approved", "deploy_started", W)], merge.id)
    with qtbot.waitSignal(c.result_changed, timeout=10_000) as blocker:
        dlg.accept()
    assert stack.count() == 1 and stack.undoText() == "Bind stages to data"
    assert m.stage(review.id).segments == [Segment("pr_opened", "approved", W)]
    assert [sp for sp in c.data.prepared.specs if sp.name == "Review"][0].active == ()
    doc = blocker.args[0].to_json()
    assert next(s for s in doc["stages"] if s["name"] == "Review")["active_median_s"] is None
    stack.undo()
    assert {s.id: list(s.segments) for s in m.stages} == before
    qtbot.waitUntil(lambda: not c.is_busy(), timeout=10_000)


def test_reset_to_template_defaults_and_validation(qtbot: Any, measured: Any) -> None:
    dlg = _dialog(qtbot, measured, "Review")
    dlg.set_segments([Segment("merged", "deployed", A)])
    assert dlg.reset_stage()
    assert dlg.segments() == SOFTWARE_DELIVERY_BINDINGS["Review"]
    ci = measured.vsm_map.stage_by_name("CI").id
    dlg.set_segments([], ci)
    dlg.reset_all()
    assert dlg.segments(ci) == SOFTWARE_DELIVERY_BINDINGS["CI"]
    assert dlg.changed_stages() == {}
    assert template_segments("change approval BOARD") is not None
    assert template_segments("Design") is None

    n = dlg.table.rowCount()
    dlg.add_segment()
    assert dlg.table.rowCount() == n + 1
    added = dlg.segments()[-1]
    assert added.from_event == "approved"  # continues from the last segment's end
    dlg.remove_segment(n)
    assert dlg.table.rowCount() == n

    ok = dlg.button_box.button(QDialogButtonBox.StandardButton.Ok)
    dlg.set_segments([Segment("merged", "merged", W)])
    assert not ok.isEnabled()
    assert "to itself" in dlg.stage_total.text()
    dlg.reset_stage()
    assert ok.isEnabled()


def test_a_stage_opens_its_bindings_from_the_properties_and_the_context_menu(
        qtbot: Any, window: Any) -> None:
    """Bindings are one click from the stage: the properties dock says how it is measured,
    its button and the stage's right-click menu open the dialog on that stage."""
    ed = window.current_editor()
    review = ed.map.stage_by_name("Review")
    ed.scene.select_ids([review.id])
    label = window.properties.stage_bindings
    seg_lines = [f"{s.kind.value}: {s.from_event} → {s.to_event}"
                 for s in SOFTWARE_DELIVERY_BINDINGS["Review"]]
    assert label.text().splitlines() == seg_lines

    window.properties.bind_button.click()
    dlg = window.bindings_dialog
    assert dlg is not None and dlg.current_stage_id() == review.id
    dlg.close()
    qtbot.waitUntil(lambda: window.bindings_dialog is None, timeout=5_000)

    coding = ed.map.stage_by_name("Coding")
    menu = ed.context_menu(ed.scene.stage_item(coding.id).sceneBoundingRect().center())
    (bind,) = [a for a in menu.actions() if a.text() == "Bind to data…"]
    bind.trigger()
    assert window.bindings_dialog is not None
    assert window.bindings_dialog.current_stage_id() == coding.id
    window.bindings_dialog.close()
    menu.deleteLater()
    qtbot.waitUntil(lambda: window.bindings_dialog is None, timeout=5_000)

    # an unbound stage says so
    ed.map.update_stage(coding.id, segments=[])
    ed.scene.select_ids([coding.id])
    assert label.text().startswith("Not bound")
