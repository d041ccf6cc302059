"""Work items in the window (issue 18, item 6): a tracker file added in the sources panel,
its statuses listed with their counts in the bindings dialog, a stage bound to them in one
undo step, and the map's overlay showing what the engine measures on the items."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialogButtonBox

from tests.ingest.conftest_git import RepoBuilder, at
from vsm_app.domain.model import Estimates, Project, Stage
from vsm_app.domain.templates import software_delivery
from vsm_app.metrics import format as fmt
from vsm_app.ui.dialogs.bindings import BindingsDialog
from vsm_app.ui.docks.sources import SourcesModel

H = 3600.0
ARTIFACTS = Path(__file__).parent.parent / "artifacts"


@pytest.fixture
def shop(tmp_path: Path) -> tuple[Path, Path]:
    """SHOP-1 is coded on its branch (h20-h22), merged h25, released with v2 at h50; SHOP-2
    is fixed by a commit naming it (h30), released with v2; SHOP-3 waits in the backlog."""
    b = RepoBuilder(tmp_path / "repo")
    b.commit("feat: first", 0)
    b.tag("v1.0.0", 10)
    b.checkout("feature/SHOP-1-login", new=True)
    b.commit("feat: login form", 20)
    b.commit("feat: login api", 22)
    b.checkout("main")
    b.merge("feature/SHOP-1-login", "Merge branch 'feature/SHOP-1-login'", 25)
    b.commit("fix: crash on empty cart\n\nFixes SHOP-2", 30)
    b.tag("v2.0.0", 50)
    items = tmp_path / "tracker.csv"
    rows = [("SHOP-1", "Story", "Backlog", -10), ("SHOP-1", "Story", "In Analysis", 5),
            ("SHOP-1", "Story", "In Progress", 19), ("SHOP-1", "Story", "Done", 26),
            ("SHOP-2", "Bug", "Backlog", 28), ("SHOP-2", "Bug", "Done", 31),
            ("SHOP-3", "Story", "Backlog", 40)]
    with items.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["item_id", "type", "status", "changed_at"])
        for item, kind, status, h in rows:
            w.writerow([item, kind, status, at(h).isoformat()])
    return b.path, items


def _window(qtbot: Any, project: Project) -> Any:
    from vsm_app.ui.main_window import MainWindow

    w = MainWindow(project)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    return w


def _status_rows(dlg: BindingsDialog) -> dict[str, tuple[str, str]]:
    t = dlg.status_table
    return {str(t.item(r, 0).data(Qt.ItemDataRole.UserRole)): (t.item(r, 2).text(),
                                                                t.item(r, 3).text())
            for r in range(t.rowCount())}


def test_tracker_file_statuses_bind_and_the_overlay_shows_the_items(
        qtbot: Any, shop: tuple[Path, Path]) -> None:
    repo, items = shop
    m = software_delivery()
    backlog = Stage(name="Backlog", x=-240.0, estimates=Estimates(wait_time_s=2 * 86400.0))
    m.add_stage(backlog, 0)
    project = Project("Shop", [m])
    project.settings.time_zone = "UTC"
    w = _window(qtbot, project)
    with qtbot.waitSignal(w.measure.result_changed, timeout=30_000):
        w.sources.add_repository(str(repo), deploy_tags="v*")
    qtbot.waitUntil(lambda: not w.measure.is_busy(), timeout=10_000)
    with qtbot.waitSignal(w.measure.result_changed, timeout=30_000):
        added = w.sources.add_files([str(items)])
    qtbot.waitUntil(lambda: not w.measure.is_busy(), timeout=10_000)

    # the sources panel: the tracker file as work items, its format detected, its counts
    assert [s.kind for s in added] == ["items"]
    row = [s.id for s in project.sources].index(added[0].id)
    model = w.sources.model
    assert "work items" in str(model.data(model.index(row, SourcesModel.SOURCE))) or \
        "status changes" in str(model.data(model.index(row, SourcesModel.SOURCE)))
    assert model.data(model.index(row, SourcesModel.RECORDS)) == "7"  # status changes read
    assert w.measure.result.flow.unit == "items"

    # the bindings dialog lists the statuses found: items that were in each, by hand
    undo_before = w.undo_stack.count()
    dlg = BindingsDialog(m, w.undo_stack, w.measure, backlog.id)
    qtbot.addWidget(dlg)
    rows = _status_rows(dlg)
    assert rows == {"Backlog": ("To Do", "3"), "Done": ("Done", "2"),
                    "In Analysis": ("In Progress", "1"), "In Progress": ("In Progress", "1")}
    # bind Backlog (its category makes it wait) and look at the preview before OK
    backlog_row = list(rows).index("Backlog")
    dlg.status_table.item(backlog_row, 0).setCheckState(Qt.CheckState.Checked)
    box = dlg.status_table.cellWidget(backlog_row, 5)
    assert isinstance(box, QComboBox) and box.isEnabled()
    pv = dlg.preview()
    assert pv is not None and pv.wait is not None and pv.active is None
    # the finished items' time in Backlog: SHOP-1 15 h (h-10 → h5), SHOP-2 3 h (h28 → h31)
    assert pv.wait.count == 2 and pv.wait.median_s == pytest.approx(9 * H)
    assert "2 items" in dlg.stage_total.text()
    with qtbot.waitSignal(w.measure.result_changed, timeout=30_000):
        dlg.button_box.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: not w.measure.is_busy(), timeout=10_000)
    assert w.undo_stack.count() == undo_before + 1  # one undo step
    assert [b.status for b in m.stage(backlog.id).statuses] == ["Backlog"]

    # the overlay on the map: the engine's value, which is the hand-computed 9 h
    stage = w.measure.result.stage("Backlog")
    assert stage is not None and stage.wait_median_s == pytest.approx(9 * H)
    overlay = w.current_editor().scene.stage_item(backlog.id).overlay()
    day = m.settings.day_length_s
    assert overlay[0].startswith(f"wait {fmt.duration(9 * H, day)} · est ")
    w.grab().save(str(ARTIFACTS / "items_shop_map.png"))

    # undo takes the binding away again
    with qtbot.waitSignal(w.measure.result_changed, timeout=30_000):
        w.undo_stack.undo()
    qtbot.waitUntil(lambda: not w.measure.is_busy(), timeout=10_000)
    assert m.stage(backlog.id).statuses == []


def test_the_status_bound_elsewhere_is_not_offered_twice(qtbot: Any, demo_vsm: Path) -> None:
    """On the sample: Analysis holds "In Analysis" and "Ready for Dev"; Backlog's dialog
    shows them, marked, and cannot take them; the screenshot is the dialog with statuses."""
    from vsm_app.services.measure import ingest_and_prepare, project_inputs
    from vsm_app.storage.project_file import load_project
    from vsm_app.ui.measure import MeasurementController

    project = load_project(demo_vsm)
    c = MeasurementController()
    c.set_project(project)
    c.data = ingest_and_prepare(project_inputs(project, demo_vsm), project.maps[0])
    c.analyze_now()
    m = project.maps[0]
    from PySide6.QtGui import QUndoStack

    dlg = BindingsDialog(m, QUndoStack(), c, m.stage_by_name("Backlog").id)
    qtbot.addWidget(dlg)
    t = dlg.status_table
    names = [str(t.item(r, 0).data(Qt.ItemDataRole.UserRole)) for r in range(t.rowCount())]
    assert {"Backlog", "In Analysis", "Ready for Dev", "Done"} <= set(names)
    ana = names.index("In Analysis")
    assert not (t.item(ana, 0).flags() & Qt.ItemFlag.ItemIsEnabled)
    assert "(on Analysis)" in t.item(ana, 1).text()
    # the counts are the item_status table's: distinct items per status
    st = c.data.tables.item_status
    assert t.item(names.index("Backlog"), 3).text() == \
        fmt.count(st.loc[st["status"] == "Backlog", "item_id"].nunique())
    dlg.resize(1280, 800)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.grab().save(str(ARTIFACTS / "items_bindings_dialog.png"))


def test_sample_map_measures_upstream_stages_and_the_journey(qtbot: Any, demo_vsm: Path) -> None:
    """``make run``: the sample opens measured, Backlog and Analysis (bound to Jira statuses)
    show the engine's item medians; Data ▸ Item journey… shows one item across the map."""
    from tests.ui.test_measured_app import open_app

    w, _ = open_app(qtbot, demo_vsm)
    result = w.measure.result
    assert result.flow.unit == "items" and result.items is not None and result.items > 100
    ed = w.current_editor()
    m = ed.map
    day = m.settings.day_length_s
    for name in ("Backlog", "Analysis"):
        st = m.stage_by_name(name)
        measured = result.stage(name)
        assert measured is not None and measured.wait_median_s is not None
        text = ed.scene.stage_item(st.id).overlay()[0]
        assert text.startswith(f"wait {fmt.duration(measured.wait_median_s, day)} · est ")
    ed.view.fit_to_view()
    qtbot.wait(50)
    w.grab().save(str(ARTIFACTS / "items_sample_map.png"))

    # the journey of an item with a deployed linked change, by its key
    t = w.measure.data.tables
    links = t.item_links
    delivered = t.items.dropna(subset=["delivered_at"])
    item = delivered[delivered["item_id"].isin(links["item_id"])].iloc[0]
    dlg = w.show_item_journey(str(item["key"]))
    qtbot.addWidget(dlg)
    j = dlg.journey
    assert j is not None and j.item_id == item["item_id"]
    # its statuses in the order entered (the item_status table), then events of its changes
    mine = t.item_status[t.item_status["item_id"] == item["item_id"]].sort_values("entered_at")
    assert [s.label for s in j.steps if s.source == "status"] == list(mine["status"])
    labels = [s.label for s in j.steps if s.source == "event"]
    assert "first commit" in labels and "deployed to production" in labels
    # the Backlog stay is measured by the Backlog stage as waiting
    backlog = next(s for s in j.steps if s.label == "Backlog")
    assert (backlog.stage, backlog.kind) == ("Backlog", "wait")
    # a delivered item's journey ends with its deployment
    assert j.delivered_at == pd.Timestamp(item["delivered_at"])
    # no person: no author hash, no login of the demo's exports
    shown = " ".join(dlg.table.item(r, c).text() for r in range(dlg.table.rowCount())
                     for c in range(dlg.table.columnCount())) + dlg.summary.text()
    for author in t.commits["author_key"].dropna().astype(str).unique()[:50]:
        assert author not in shown
    dlg.resize(1100, 700)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.grab().save(str(ARTIFACTS / "items_journey.png"))
    # the flow dashboard counts items, and says so
    d = w.dashboards
    dock = d.docks["flow"]
    dock.raise_()
    qtbot.wait(50)
    d.wiring.wait()
    dock.setFloating(True)
    dock.resize(1280, 800)
    qtbot.wait(100)
    d.wiring.wait()
    dock.widget().grab().save(str(ARTIFACTS / "items_flow_dashboard.png"))
    dock.setFloating(False)
    # ... in its titles, legends and axes too: not a "changes" label left on a chart
    panel = d.flow
    assert _legend(panel.load) == ["Open items", "Mean in window"]
    for chart in panel.charts():
        words = " ".join([chart.title, _axis_label(chart), *_legend(chart)]).lower()
        assert "change" not in words, (chart.title, words)


def _legend(chart: Any) -> list[str]:
    legend = getattr(chart, "legend", None)
    return [label.text for _sample, label in legend.items] if legend is not None else []


def _axis_label(chart: Any) -> str:
    return str(chart.plotItem.getAxis("left").labelText)


def test_flow_charts_name_the_unit_they_count(qtbot: Any, tmp_path: Path) -> None:
    """Flow on items: the load chart's legend, axes, hover and CSV say items; back on changes
    they say changes again (a project without tracker files)."""
    from vsm_app.ui.charts.flow import FlowPanel

    panel = FlowPanel()
    qtbot.addWidget(panel)
    assert _legend(panel.load)[0] == "Open changes"
    panel.set_unit("items")
    assert _legend(panel.load) == ["Open items", "Mean in window"]
    assert _axis_label(panel.load) == "Open items"
    assert _axis_label(panel.velocity) == "Items finished"
    assert _axis_label(panel.distribution) == "Share of finished items"
    assert not panel.load.plotItem.getAxis("left").label.isVisible()  # as before: title says it
    assert panel.velocity.title == "Velocity — items finished per week"
    # the hover reads one day's count: 3 open items on 2 Mar
    day = pd.Timestamp("2025-03-02T12:00:00Z").timestamp()
    panel.load.set_series("wip", np.array([day]), np.array([3.0]))
    _, lines = panel.load.hover_lines(day, 3.0)
    assert [text for *_xy, text in lines] == ["Open items: 3"]
    # the chart's data export names the series by the unit
    out = panel.load.export_data(tmp_path / "load.csv")
    with out.open(newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][2].startswith("Open items") and rows[1][0] == "Open items"
    panel.set_unit("changes")
    assert _legend(panel.load)[0] == "Open changes"
    assert _axis_label(panel.velocity) == "Changes finished"


def test_add_tracker_files_reads_a_github_issues_list_as_work_items(window: Any) -> None:
    """Data ▸ Add tracker files… (the function the guided set-up can call): the GitHub issues
    list is work items there, while Add files… reads it as incidents (its default family)."""
    issues = Path(__file__).parent.parent / "fixtures" / "formats" / "trackers" / \
        "github_issues.devlake.json"
    added = window.sources.add_tracker_files([str(issues)])
    assert [(s.kind, s.format) for s in added] == [("items", "github_issues_items")]
    window.undo_stack.undo()
    assert window.project.sources == []
    assert [(s.kind, s.format) for s in window.sources.add_files([str(issues)])] == \
        [("incidents", "github_issues")]
    assert window.actions_by_name["add_tracker_files"].isEnabled()


def test_a_stage_lists_its_items_and_opens_their_journeys(
        qtbot: Any, shop: tuple[Path, Path]) -> None:
    """Right-click a stage bound to tracker statuses ▸ Items in this stage…: the items that
    were in its statuses, newest first, each opening its journey on double-click."""
    from vsm_app.domain.model import StatusBinding
    from vsm_app.ui.dialogs.journey import JourneyDialog

    repo, items = shop
    m = software_delivery()
    backlog = Stage(name="Backlog", x=-240.0, statuses=[StatusBinding("Backlog")])
    m.add_stage(backlog, 0)
    project = Project("Shop", [m])
    project.settings.time_zone = "UTC"
    w = _window(qtbot, project)
    with qtbot.waitSignal(w.measure.result_changed, timeout=30_000):
        w.sources.add_repository(str(repo), deploy_tags="v*")
    qtbot.waitUntil(lambda: not w.measure.is_busy(), timeout=10_000)
    with qtbot.waitSignal(w.measure.result_changed, timeout=30_000):
        w.sources.add_files([str(items)])
    qtbot.waitUntil(lambda: not w.measure.is_busy(), timeout=10_000)

    ed = w.current_editor()
    # a stage measured from git events has no items to list: the entry is there, disabled
    coding = next(s for s in m.stages if not s.statuses)
    menu = ed.context_menu(ed.scene.stage_item(coding.id).sceneBoundingRect().center())
    entry = next(a for a in menu.actions() if a.objectName() == "action.stage_items")
    assert entry.text() == "Items in this stage…" and not entry.isEnabled()
    menu = ed.context_menu(ed.scene.stage_item(backlog.id).sceneBoundingRect().center())
    entry = next(a for a in menu.actions() if a.objectName() == "action.stage_items")
    assert entry.isEnabled()
    entry.trigger()
    dlg = w.findChild(JourneyDialog)
    assert dlg is not None and dlg.windowTitle() == "Items in Backlog"
    t = dlg.stage_table
    assert t is not None
    # by hand from the fixture: Backlog entered by SHOP-3 at h40 (still there), SHOP-2 at
    # h28 (left h31), SHOP-1 at h-10 (left h5): newest first
    rows = [[t.item(r, c).text() for c in range(4)] for r in range(t.rowCount())]
    assert rows == [["SHOP-3", "Backlog", fmt.date_time(at(40)), "still there"],
                    ["SHOP-2", "Backlog", fmt.date_time(at(28)), fmt.date_time(at(31))],
                    ["SHOP-1", "Backlog", fmt.date_time(at(-10)), fmt.date_time(at(5))]]
    assert "3 items were in Backlog" in dlg.stage_note.text()
    assert "1 item still there" in dlg.stage_note.text()
    # double-click SHOP-2: its journey, Backlog then Done, then its fixing commit's events
    t.cellDoubleClicked.emit(1, 0)
    j = dlg.journey
    assert j is not None and j.key == "SHOP-2"
    assert [s.label for s in j.steps if s.source == "status"] == ["Backlog", "Done"]
    assert dlg.key_edit.text() == "SHOP-2"
    assert dlg.table.rowCount() == len(j.steps)
    qtbot.waitExposed(dlg)
    qtbot.wait(50)  # the layout takes the journey's two-line summary in
    dlg.grab().save(str(ARTIFACTS / "items_stage_list.png"))
    dlg.close()
