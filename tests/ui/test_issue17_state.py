"""Issue 17 state rules: the window and period saved with the project (undoable, marking it
modified, reloaded), and New/Open leaving no number of the previous project in any dock."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
from PySide6.QtWidgets import QAbstractButton, QDockWidget, QLabel, QLineEdit, QWidget

from vsm_app.storage.project_file import load_project

from .test_measured_app import open_app


def _texts(w: QWidget) -> list[str]:
    """Every text a person can read in a widget tree: labels, buttons, fields, tables."""
    from PySide6.QtWidgets import QAbstractItemView

    out: list[str] = []
    for child in [w, *w.findChildren(QWidget)]:
        if child is not w and not child.isVisibleTo(w):
            continue  # a hidden page (another selection's) is not read
        if isinstance(child, QLabel):
            out.append(child.text())
        elif isinstance(child, QAbstractButton):
            out.append(child.text())
        elif isinstance(child, QLineEdit):
            out.append(child.text())
        elif isinstance(child, QAbstractItemView) and child.model() is not None:
            m = child.model()
            for r in range(min(m.rowCount(), 200)):
                for c in range(m.columnCount()):
                    out.append(str(m.index(r, c).data() or ""))
    return out


def test_window_and_period_are_saved_undoable_and_reloaded(qtbot: Any, demo_vsm: Path,
                                                           tmp_path: Path) -> None:
    w, _ = open_app(qtbot, demo_vsm)
    lo, hi = w.window_bar.extent()
    assert not w.is_modified()
    with qtbot.waitSignal(w.measure.result_changed, timeout=10_000):
        w.window_bar.set_range_days(100, 200)
    # the chosen window is in the project, as dates, and marks it modified
    since, until = lo + pd.Timedelta(days=100), lo + pd.Timedelta(days=200)
    s = w.project.settings
    assert (s.window_since, s.window_until) == (since.date().isoformat(),
                                                until.date().isoformat())
    assert w.is_modified()
    assert w.undo_stack.undoText() == "Change the analysis window"
    combo = w.window_bar.period_combo
    combo.setCurrentIndex(combo.findData("month"))
    with qtbot.waitSignal(w.measure.result_changed, timeout=10_000):
        combo.activated.emit(combo.currentIndex())
    assert w.project.settings.period == "month"
    # undo: the period goes back to week, then the window to the whole data
    with qtbot.waitSignal(w.measure.result_changed, timeout=10_000):
        w.undo_stack.undo()
    assert w.project.settings.period == "week" and combo.currentData() == "week"
    with qtbot.waitSignal(w.measure.result_changed, timeout=10_000):
        w.undo_stack.undo()
    assert (w.measure.since, w.measure.until) == (None, None)
    assert tuple(w.window_bar.slider.value()) == (0, w.window_bar._days())
    assert not w.is_modified()
    w.undo_stack.redo()
    w.undo_stack.redo()
    qtbot.waitUntil(lambda: not w.measure.is_busy(), timeout=10_000)
    target = tmp_path / "saved.vsm"
    # the sources are relative to the project's folder: save beside the demo data
    target = demo_vsm.parent / "issue17-window.vsm"
    assert w.save_to(target)
    reread = load_project(target)
    assert (reread.settings.window_since, reread.settings.window_until,
            reread.settings.period) == (since.date().isoformat(), until.date().isoformat(),
                                        "month")
    # opened again, the saved window is the one measured
    w2, _ = open_app(qtbot, target)
    assert (w2.measure.since, w2.measure.until) == (since, until)
    start, end = w2.measure.result.window
    assert (pd.Timestamp(start, tz="UTC"), pd.Timestamp(end, tz="UTC")) == (since, until)
    assert tuple(w2.window_bar.slider.value()) == (100, 200)
    assert w2.window_bar.period_combo.currentData() == "month"
    assert not w2.is_modified()
    target.unlink()


def test_new_project_leaves_no_number_of_the_previous_one_in_any_dock(
        qtbot: Any, demo_vsm: Path) -> None:
    w, _ = open_app(qtbot, demo_vsm)
    ed = w.current_editor()
    ed.scene.select_ids([ed.map.stage_by_name("Review").id])  # the stage detail shows it
    docks = w.findChildren(QDockWidget)
    for d in docks:  # every dock on screen, so each draws what it holds
        d.show()
        d.setFloating(True)
        d.resize(700, 500)
    w.dashboards.wiring.wait()
    qtbot.wait(200)
    before = "\n".join(t for d in docks for t in _texts(d))
    # what the measured project shows: its change count ("1,442 changes") and constraint
    counts = set(re.findall(r"\b\d{1,3}(?:,\d{3})+ changes", before))
    assert counts, "the measured docks show how many changes they counted"
    assert "Review" in before
    charts = w.dashboards.charts()
    assert any(not c.is_empty() for c in charts)
    # a chart with data never says "no data" (the waterfall draws its bars itself)
    waterfall = w.dashboards.panel("constraint").waterfall
    assert not waterfall.is_empty() and waterfall.empty_text() == ""
    assert all(c.empty_text() == "" for c in charts if not c.is_empty())
    w.new_project()
    qtbot.waitUntil(lambda: not w.measure.is_busy(), timeout=10_000)
    qtbot.wait(200)
    for d in w.findChildren(QDockWidget):
        text = "\n".join(_texts(d))
        for stale in counts:
            assert stale not in text, f"{d.objectName()} still shows {stale!r} after New"
        assert "Review" not in text, \
            f"{d.objectName()} still names the previous project's stage after New: {text!r}"
        assert not re.search(r"\b\d+h \d+ min\b|\b\d+d \d+h\b", text), \
            f"{d.objectName()} still shows a measured duration after New: {text[:400]!r}"
    # no chart keeps a curve of the old project, each says why it is empty
    for c in w.dashboards.charts():
        assert c.is_empty(), f"{c.title} still draws the previous project's data"
        assert c.empty_text().startswith("no data — nothing measured yet"), c.title
    detail = w.dashboards.panels["stage_detail"]
    assert not any(b.isVisible() for b in detail._bands.values())
    assert w.constraint_label.text() == ""
    assert w.window_bar.window_text() == "—"
