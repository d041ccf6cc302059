"""Workshop support (charter, parking lot, time-box, templates) and the future-state
comparison."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QMenu

from tests.ui.test_improve_support import demo_ui
from vsm_app.analysis.baseline import future_vs_current, reality_vs_targets
from vsm_app.domain.durations import format_duration
from vsm_app.domain.improvement import read_charter
from vsm_app.domain.templates import TEMPLATE_DESCRIPTIONS, TEMPLATES
from vsm_app.ui.improve import install_improvement
from vsm_app.ui.improve.common import table_texts
from vsm_app.ui.improve.workshop import TimeBox, fmt_clock


def test_installs_docks_menu_and_timer(window: Any) -> None:
    ui = install_improvement(window, window.measure)
    names = {d.objectName() for d in ui.docks.values()}
    assert names == {"dock.improvement", "dock.baselines", "dock.pulse", "dock.ai_check",
                     "dock.workshop"}
    # the main window puts the loop behind the properties, as tabs of its right column
    assert all(window.dockWidgetArea(d).name == "RightDockWidgetArea" for d in ui.docks.values())
    assert set(ui.docks.values()) <= set(window.tabifiedDockWidgets(window.properties))
    menus = [a.text() for a in window.menuBar().actions()]
    assert "&Improve" in menus and menus.index("&Improve") < menus.index("&View")
    improve = window.menuBar().actions()[menus.index("&Improve")].menu()
    assert isinstance(improve, QMenu) and len(improve.actions()) >= 15
    assert window.improvement is ui
    assert ui.timer_label.parent() is not None and ui.timer_label.isHidden()


def test_charter_and_parking_lot_are_undoable(window: Any) -> None:
    ui = install_improvement(window, window.measure)
    dock = ui.workshop
    dlg = dock.edit_charter()
    dlg.scope.setPlainText("Checkout service: idea to production")
    dlg.trigger.setPlainText("A story is ready")
    dlg.end_point.setPlainText("Running in production")
    dlg.participants.setPlainText("tech lead\nproduct owner\n\nlena@example.com")
    dlg.accept()
    assert dlg.isVisible() and "e-mail address" in dlg.error.text()  # roles, never people
    assert window.undo_stack.count() == 0
    dlg.participants.setPlainText("tech lead\nproduct owner\nSRE")
    dlg.accept()
    c = read_charter(window.project)
    assert (c.scope, c.trigger, c.end_point) == ("Checkout service: idea to production",
                                                 "A story is ready", "Running in production")
    assert c.participants == ["tech lead", "product owner", "SRE"]
    assert "Participants: tech lead, product owner, SRE" in dock.charter_text.text()

    dock.idea.setText("  Try mob review  ")
    dock.park_button.click()
    dock.park_idea("Automate the release notes")
    assert read_charter(window.project).parking_lot == ["Try mob review",
                                                        "Automate the release notes"]
    assert dock.parking.count() == 2 and dock.idea.text() == ""
    dock.parking.setCurrentRow(0)
    dock.unpark_button.click()
    assert read_charter(window.project).parking_lot == ["Automate the release notes"]
    assert window.undo_stack.undoText() == "Remove idea Try mob review"
    window.undo_stack.undo()
    assert [dock.parking.item(i).text() for i in range(2)] == ["Try mob review",
                                                                "Automate the release notes"]
    for _ in range(3):
        window.undo_stack.undo()
    assert "charter" not in window.project.extra and not window.is_modified()

    # another project: the docks follow it, and the old one no longer reaches them
    from vsm_app.domain.model import Project, ValueStreamMap
    from vsm_app.ui.improve.commands import parking_lot_command

    old = window.project
    window.undo_stack.redo()
    window.set_project(Project("Other", [ValueStreamMap("Current state")]))
    assert dock.parking.count() == 0 and "Scope: —" in dock.charter_text.text()
    parking_lot_command(old, ["stale"], "x").redo()
    assert dock.parking.count() == 0
    dock.park_idea("Fresh idea")
    assert read_charter(window.project).parking_lot == ["Fresh idea"]


def test_timebox_counts_down_and_alerts_at_zero(qtbot: Any, window: Any) -> None:
    ui = install_improvement(window, window.measure)
    box, dock = ui.timebox, ui.workshop
    dock.minutes.setValue(2)
    assert box.remaining_s == 120 and dock.countdown.text() == "02:00"
    dock.start_button.click()
    assert box.running and dock.start_button.text() == "Pause"
    assert ui.timer_label.text() == "Time-box 02:00" and not ui.timer_label.isHidden()
    box.tick(45)
    assert dock.countdown.text() == "01:15"
    dock.start_button.click()  # pause
    assert not box.running and ui.timer_label.text() == "Time-box 01:15 (paused)"
    assert dock.start_button.text() == "Resume"
    dock.start_button.click()
    with qtbot.waitSignal(box.expired, timeout=1000):
        box.tick(75)
    assert not box.running and box.is_expired
    assert dock.countdown.text() == "00:00 — time is up" and dock.countdown.alert
    assert "#c62828" in dock.countdown.styleSheet()
    assert ui.timer_label.text() == "Time-box: time is up" and ui.timer_label.alert
    dock.reset_button.click()
    assert dock.countdown.text() == "02:00" and not dock.countdown.alert
    assert dock.start_button.text() == "Start"
    assert ui.timer_label.isHidden()
    assert fmt_clock(3725) == "1:02:05"
    # the QTimer drives tick(): one second counted per tick (10 ms here, 1 s in the app)
    assert box._timer.interval() == 1000
    short = TimeBox(1, tick_ms=10)
    short.start()
    with qtbot.waitSignal(short.changed, timeout=2000) as got:
        pass
    assert got.args == [59]
    short.reset()


def test_new_map_from_template_is_one_undo_step(window: Any) -> None:
    ui = install_improvement(window, window.measure)
    dlg = ui.workshop.new_from_template()
    items = [dlg.list.item(i).text() for i in range(dlg.list.count())]
    assert len(items) == len(TEMPLATES) == 4
    for key, text in zip(TEMPLATES, items, strict=True):
        assert text.endswith(TEMPLATE_DESCRIPTIONS[key])
    dlg.select("regulated")
    assert dlg.name.text() == "Regulated"
    dlg.kind.setCurrentIndex(1)
    dlg.accept()
    m = window.project.maps[-1]
    assert (m.name, m.kind) == ("Regulated", "future")
    assert [s.name for s in m.stages] == ["Coding", "Review", "Merge", "CI",
                                          "Change approval board", "Release"]
    assert window.current_map() is m  # its tab opened
    window.undo_stack.undo()
    assert [x.name for x in window.project.maps] == ["Current state"]


def test_future_state_against_current_and_reality(qtbot: Any) -> None:
    d = demo_ui(qtbot)
    w, c, ui = d.window, d.controller, d.ui
    cur, fut = w.project.maps
    dlg = ui.show_future_state()
    assert (dlg.current.currentData(), dlg.future.currentData()) == (cur.id, fut.id)
    expected = future_vs_current(cur, fut)
    rows = table_texts(dlg.maps_table)
    assert [r[0] for r in rows] == ["Lead time", "Process time", "Activity ratio",
                                    "Rolled %C&A"]
    lt = expected[0]
    assert rows[0][1:3] == [format_duration(lt.before), format_duration(lt.after)]
    assert rows[0][4] == f"↓ {lt.direction}" == "↓ better"  # the future state waits less
    checks = reality_vs_targets(fut, c.result.to_json())
    rrows = table_texts(dlg.reality_table)
    assert len(rrows) == len(checks)
    review_wait = next(ch for ch in checks if ch.stage == "Review" and ch.kind == "wait")
    row = next(r for r in rrows if r[0] == "Review" and r[1] == "wait (median)")
    assert row[2:4] == [format_duration(review_wait.target_s),
                        format_duration(review_wait.measured_s)]
    assert row[5] == ("met ✓" if review_wait.met else "missed")
    assert rrows[-1][0] == "Whole map" and rrows[-1][1] == "lead time (DORA median)"

    # editing the future state's estimate updates the comparison (the map is watched)
    from vsm_app.ui import commands as cmd

    review = fut.stage_by_name("Review")
    w.undo_stack.push(cmd.SetEstimatesCommand(fut, review.id, {"wait_time_s": 3600.0}))
    qtbot.waitUntil(lambda: table_texts(dlg.maps_table)[0][2]
                    == format_duration(future_vs_current(cur, fut)[0].after), timeout=2000)
    dlg.close()
