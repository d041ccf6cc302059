"""The improvement dock on the measured demo: the constraint now, kaizen → item, leading
indicators since the item started, the item dialog, undo."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import QDate

from tests.ui.test_improve_support import demo_ui, wait_idle
from vsm_app.analysis.indicators import indicator_series
from vsm_app.domain.durations import format_duration
from vsm_app.domain.improvement import ItemStatus, read_items


def test_kaizen_becomes_an_item_with_indicators_and_undo(qtbot: Any) -> None:
    d = demo_ui(qtbot)
    w, c, ui = d.window, d.controller, d.ui
    dock = ui.improvement
    ui.raise_dock("improvement")  # a dock behind another tab catches up when shown
    m = w.project.maps[0]
    (kaizen,) = m.kaizens.values()
    review = m.stage_by_name("Review")
    assert kaizen.stage_id == review.id

    # the kaizen burst on Review becomes a proposed item tied to Review (one undo step)
    item = dock.item_from_kaizen(m.id, kaizen.id)
    (stored,) = read_items(w.project)
    assert stored.id == item.id and stored.title == "Review within 4 working hours"
    assert (stored.map_id, stored.stage_id, stored.kaizen_id) == (m.id, review.id, kaizen.id)
    assert stored.targets_constraint == "Review" and stored.status is ItemStatus.PROPOSED
    row = dock.list.topLevelItem(0)
    assert [row.text(i) for i in range(4)] == [stored.title, "Review", "Proposed", "none"]
    assert "Targets the constraint: Review (the constraint now)" in dock.detail.text()
    assert w.undo_stack.count() == 1

    # the dialog: a start date and a leading indicator with its target
    dlg = dock.edit_selected()
    assert dlg.title_edit.text() == stored.title and dlg.stage_choice() == (m.id, review.id)
    assert "(suggested)" in dlg.rows["time_to_first_review"].check.text()
    # its tip: what the indicator is and which way is better, then the exact rule
    tip = dlg.rows["time_to_first_review"].check.toolTip().splitlines()
    assert tip[0].startswith("Time to first review (median): the median time from a PR's "
                             "opening to its first review")
    assert tip[1] == "Lower is better."
    assert tip[2].startswith("median of first_review_at − pr_opened_at")
    dlg.has_start.setChecked(True)
    dlg.start.setDate(QDate(2026, 6, 1))
    dlg.owner.setText("Checkout team")
    dlg.rows["time_to_first_review"].check.setChecked(True)
    dlg.rows["time_to_first_review"].target.setText("4h")
    dlg.rows["wip"].check.setChecked(True)
    dlg.rows["wip"].target.setText("6")
    dlg.accept()
    (edited,) = read_items(w.project)
    assert edited.start == date(2026, 6, 1) and edited.owner_team == "Checkout team"
    assert [(t.indicator, t.target, t.direction) for t in edited.indicators] == [
        ("time_to_first_review", 4 * 3600.0, "down"), ("wip", 6.0, "down")]
    assert w.undo_stack.count() == 2

    # each indicator is plotted since the start: exactly the core's series, with the target
    envs = c.options().production_environments
    for ind in ("time_to_first_review", "wip"):
        expected = indicator_series(c.data.tables, ind, date(2026, 6, 1), "week",
                                    production_environments=envs)
        chart = dock.charts[ind]
        x, y = chart.series(chart.series_names()[0])
        assert np.allclose(y, expected["value"].to_numpy(float), equal_nan=True)
        starts = (expected["period_start"] - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(1, "s")
        assert np.array_equal(x, starts.to_numpy(float))
        assert chart.has_data()
    ttfr = indicator_series(c.data.tables, "time_to_first_review", date(2026, 6, 1), "week",
                            production_environments=envs)["value"].dropna()
    text = dock.charts["time_to_first_review"].message.text()
    assert text.startswith(f"latest {format_duration(ttfr.iloc[-1])}")
    assert text.endswith("target ≤ 4h · not yet")  # reviews wait days in the demo
    assert dock.progress[0].reached is False

    # status: one undo step; undo steps back through status, edit and creation
    dock.set_status(ItemStatus.COMMITTED)
    assert read_items(w.project)[0].status is ItemStatus.COMMITTED
    assert dock.list.topLevelItem(0).text(2) == "Committed"
    w.undo_stack.undo()
    assert read_items(w.project)[0].status is ItemStatus.PROPOSED
    w.undo_stack.undo()
    assert read_items(w.project)[0].indicators == [] and dock.charts == {}
    w.undo_stack.undo()
    assert read_items(w.project) == [] and dock.list.topLevelItemCount() == 0
    assert not w.is_modified()
    w.undo_stack.redo()
    assert [i.id for i in read_items(w.project)] == [item.id]
    w.undo_stack.undo()

    # the kaizen burst selected on the map, through the Improve menu
    ed = w.current_editor()
    ed.scene.clearSelection()
    assert dock.item_from_selected_kaizen() is None  # nothing selected: a hint, no item
    assert read_items(w.project) == []
    ed.scene.select_ids([kaizen.id])
    ui.actions["item_from_kaizen"].trigger()
    assert [i.kaizen_id for i in read_items(w.project)] == [kaizen.id]
    # the "From kaizen" menu lists every map's bursts, marking those already made items
    dock._fill_kaizen_menu()
    assert [a.text() for a in dock.kaizen_menu.actions()] == [
        "Current state ▸ Review within 4 working hours  (Review)  — already an item",
        "Future state ▸ Review within 4 working hours  (Review)"]


def test_plan_for_the_constraint_and_refused_input(qtbot: Any) -> None:
    d = demo_ui(qtbot)
    w, ui = d.window, d.ui
    ui.raise_dock("improvement")
    header = ui.improvement.header
    assert header.stage == "Review" and header.name.text() == "Review"
    share = w.measure.result.bottleneck.share
    assert 0.3 < share < 0.5  # the demo's story: Review waits most of the measured flow
    # a share reads with the catalogue's decimals for shares (0), as on the dashboards
    assert header.share.text().startswith(
        f"{share * 100:.0f} % of all flow time is spent waiting in Review")
    assert "Review" in header.sentence.text()

    header.plan.click()
    dlg = ui.improvement.dialog
    assert dlg is not None and dlg.windowTitle() == "Plan an improvement for Review"
    review = w.project.maps[0].stage_by_name("Review")
    assert dlg.stage_choice() == (w.project.maps[0].id, review.id)
    assert dlg.constraint.currentText() == "Review" and dlg.has_start.isChecked()

    # a person as owner, or an indicator without target: shown, nothing applied
    dlg.owner.setText("ann@example.com")
    dlg.accept()
    assert dlg.isVisible() and "owner_team" in dlg.error.text()
    assert w.undo_stack.count() == 0
    dlg.owner.setText("Platform team")
    dlg.rows["ci_queue_time"].check.setChecked(True)
    dlg.accept()
    assert dlg.isVisible() and dlg.error.text() == "CI queue time: enter a target"
    dlg.rows["ci_queue_time"].target.setText("soon")
    dlg.accept()
    assert "is not a duration" in dlg.error.text()
    dlg.rows["ci_queue_time"].target.setText("2 min")
    dlg.accept()
    (item,) = read_items(w.project)
    assert item.title == "Reduce waiting in Review" and item.targets_constraint == "Review"
    assert item.indicators[0].target == 120.0 and item.start == date.today()
    # the item started today, after the demo's data: the dock says so instead of plotting
    assert "before the item started" in ui.improvement.chart_message.text()
    assert ui.improvement.charts["ci_queue_time"].message.text().endswith(
        "nothing measured since the start")



def test_a_dock_behind_another_tab_shows_the_current_result_when_raised(qtbot: Any) -> None:
    """The improvement docks skip work while hidden behind another tab, and are up to date
    the moment the user brings one to the front."""
    d = demo_ui(qtbot)
    w, c, ui = d.window, d.controller, d.ui
    ui.raise_dock("improvement")
    header = ui.improvement.header
    assert header.stage == c.result.to_json()["bottleneck"]["stage"] == "Review"
    w.properties.raise_()  # the stage properties in front again, the Improve tab behind
    qtbot.waitUntil(lambda: ui.docks["improvement"].visibleRegion().isEmpty(), timeout=5_000)

    with qtbot.waitSignal(c.result_changed, timeout=30_000):  # the release-train months
        c.set_window(pd.Timestamp("2025-01-06", tz="UTC"), pd.Timestamp("2025-04-07", tz="UTC"))
    wait_idle(qtbot, w)
    now = c.result.to_json()["bottleneck"]["stage"]
    assert now == "Release"
    ui.raise_dock("improvement")
    qtbot.waitUntil(lambda: header.stage == now, timeout=5_000)
    assert header.name.text() == "Release"
