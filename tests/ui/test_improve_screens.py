"""The improvement docks filled on the demo: no person's identity in any text they show, and
screenshots for people to look at (tests/artifacts/improve_*.png)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QTableWidget,
    QTreeWidget,
    QWidget,
)

from tests.ui.test_improve_support import demo_path, demo_ui, wait_idle
from vsm_app.analysis.privacy import assert_no_identities, git_identities
from vsm_app.domain.improvement import AiCapabilityCheck, IndicatorTarget, read_items
from vsm_app.ui.improve.commands import put_ai_check_command, put_item_command

PULSE_CSV_HEADER = "period,satisfaction,performance,collaboration,efficiency,comment\n"


def _pulse_csv(path: Path) -> Path:
    rows = []
    for i, week in enumerate(range(33, 44)):
        n = 2 if week == 38 else 5  # one small week: hidden
        for j in range(n):
            s = 4 - (i // 4) * 0.5 + (j % 2) * 0.5
            rows.append(f"2026-W{week},{min(5, s):.1f},{3 + j % 2},{4 - (j % 3) * 0.5:.1f},"
                        f"{max(1.0, 3.5 - i * 0.15 - (j % 2) * 0.5):.1f},"
                        f"{'Reviews wait too long' if j == 0 and week % 3 == 0 else ''}")
    path.write_text(PULSE_CSV_HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def widget_texts(root: QWidget) -> list[str]:
    """Every text a widget tree shows: labels, buttons, fields, lists, tables, tool tips,
    and the texts inside pyqtgraph charts (legends, axes, target labels)."""
    out: list[str] = [root.windowTitle(), root.toolTip()]
    for w in root.findChildren(QWidget):
        out += [w.toolTip(), w.windowTitle(), w.statusTip()]
        if isinstance(w, QLabel) and Qt.mightBeRichText(w.text()):
            out.append(QTextDocumentFragment.fromHtml(w.text()).toPlainText())
        elif isinstance(w, QLabel | QAbstractButton):
            out.append(w.text())
        if isinstance(w, QLineEdit):
            out += [w.text(), w.placeholderText()]
        if isinstance(w, QPlainTextEdit):
            out += [w.toPlainText(), w.placeholderText()]
        if isinstance(w, QComboBox):
            out += [w.itemText(i) for i in range(w.count())]
        if isinstance(w, QListWidget):
            out += [w.item(i).text() for i in range(w.count())]
        if isinstance(w, QTreeWidget):
            out += [w.headerItem().text(c) for c in range(w.columnCount())]
            for i in range(w.topLevelItemCount()):
                it = w.topLevelItem(i)
                out += [it.text(c) for c in range(w.columnCount())]
                out += [it.toolTip(c) for c in range(w.columnCount())]
        if isinstance(w, QTableWidget):
            for r in range(w.rowCount()):
                for c in range(w.columnCount()):
                    it = w.item(r, c)
                    if it is not None:
                        out += [it.text(), it.toolTip()]
            for c in range(w.columnCount()):
                h = w.horizontalHeaderItem(c)
                out.append(h.text() if h else "")
        if isinstance(w, pg.PlotWidget):
            for item in w.scene().items():
                if isinstance(item, pg.TextItem | pg.LabelItem):
                    out.append(item.toPlainText() if isinstance(item, pg.TextItem)
                               else item.text)
                if isinstance(item, pg.InfiniteLine) and item.label is not None:
                    out.append(item.label.toPlainText())
    return [t for t in out if t]


def _fill(qtbot: Any, tmp_path: Path, theme: str = "light") -> Any:
    d = demo_ui(qtbot, theme=theme)
    w, c, ui = d.window, d.controller, d.ui
    ui.baselines.save_baseline("Release train (whole data)")
    m = w.project.maps[0]
    (kaizen,) = m.kaizens.values()
    item = ui.improvement.item_from_kaizen(m.id, kaizen.id)
    item = read_items(w.project)[0]
    from dataclasses import replace

    w.undo_stack.push(put_item_command(w.project, replace(
        item, start=date(2026, 6, 1), end=date(2026, 12, 18), owner_team="Checkout team",
        commitment="First review within 4 working hours, reviewers rotate daily",
        indicators=[IndicatorTarget("time_to_first_review", 4 * 3600.0),
                    IndicatorTarget("wip", 6.0)])))
    ui.pulse.import_csv(_pulse_csv(tmp_path / "pulse.csv"))
    for period, base in (("2026-W36", 2.0), ("2026-W40", 2.5), ("2026-W44", 3.0)):
        w.undo_stack.push(put_ai_check_command(w.project, AiCapabilityCheck(period, {
            "clear_ai_guidance": base + 1, "healthy_data_ecosystems": base,
            "ai_accessible_internal_data": base - 0.5, "small_batches": base + 0.5,
            "user_focus": 3.5, "quality_internal_platforms": base,
            "strong_technical_fundamentals": 3.0})))
    dlg = ui.workshop.edit_charter()
    dlg.scope.setPlainText("Checkout service: idea to production")
    dlg.trigger.setPlainText("A story is ready for development")
    dlg.end_point.setPlainText("The change runs in production")
    dlg.participants.setPlainText("tech lead\nproduct owner\ndeveloper\nSRE\nQA")
    dlg.accept()
    for idea in ("Mob review on Fridays", "Automate release notes", "Flaky test dashboard"):
        ui.workshop.park_idea(idea)
    ui.workshop.minutes.setValue(15)
    ui.timebox.start()
    ui.timebox.tick(4 * 60 + 21)
    ui.timebox.pause()
    with qtbot.waitSignal(c.result_changed, timeout=30_000):
        c.set_window(pd.Timestamp("2026-08-03", tz="UTC"), pd.Timestamp("2026-11-02", tz="UTC"))
    wait_idle(qtbot, w)
    ui.baselines.show_beside.setChecked(True)
    return d


def test_no_person_anywhere_and_screenshots(qtbot: Any, tmp_path: Path,
                                           artifacts_dir: Path) -> None:
    d = _fill(qtbot, tmp_path)
    ui, w = d.ui, d.window
    app = QApplication.instance()

    # the privacy walk: every text of every dock and dialog, none names a person
    identities = git_identities(demo_path().parent / "repo")
    assert len(identities) >= 4  # the demo's authors and committers
    future = ui.show_future_state()
    item_dialog = ui.improvement.edit_selected()
    roots = [*ui.docks.values(), future, item_dialog, ui.timer_label]
    texts = [t for root in roots for t in widget_texts(root)]
    texts += [a.text() for a in ui.menu.actions()]
    joined = "\n".join(texts)
    for expected in ("Review within 4 working hours", "Constraint: same stage: Review",
                     "n < 3: hidden", "target ≤ 4h",
                     "Checkout team", "tech lead", "Mob review on Fridays", "Lead time",
                     "10:39", "Working in small batches", "Satisfaction & well-being"):
        assert expected in joined, expected
    assert_no_identities(joined, identities)

    # screenshots for people to look at
    item_dialog.resize(640, 660)
    app.processEvents()
    assert item_dialog.grab().save(str(artifacts_dir / "improve_item_dialog.png"))
    item_dialog.reject()
    future.resize(780, 640)
    app.processEvents()
    assert future.grab().save(str(artifacts_dir / "improve_future.png"))
    future.close()
    tpl = ui.workshop.new_from_template()
    app.processEvents()
    assert tpl.grab().save(str(artifacts_dir / "improve_templates.png"))
    tpl.reject()
    for feature in ("baselines", "improvement"):  # docked, as on a 1440 × 900 screen
        ui.raise_dock(feature)
        app.processEvents()
        assert w.grab().save(str(artifacts_dir / f"improve_window_{feature}.png"))
    for feature, dock in ui.docks.items():
        _grab_dock(dock, artifacts_dir / f"improve_{feature}.png")
    w.set_theme("dark")
    _grab_dock(ui.docks["improvement"], artifacts_dir / "improve_improvement_dark.png")
    _grab_dock(ui.docks["pulse"], artifacts_dir / "improve_pulse_dark.png")
    w.set_theme("light")


def _grab_dock(dock: Any, path: Path) -> None:
    """The dock floating at a projector-friendly size, as it would be on a second screen."""
    dock.setFloating(True)
    dock.resize(620, 1080)
    dock.show()
    QApplication.instance().processEvents()
    assert dock.grab().save(str(path))
    dock.setFloating(False)
