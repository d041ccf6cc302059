"""SPACE pulse and AI adoption check docks on the measured demo: minimum group size, CSV import
with its warnings, the round dialog, the charts beside the DORA trends, the stability guard."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtWidgets import QLabel

from tests.ui.test_improve_support import demo_ui
from vsm_app.analysis.indicators import indicator_series
from vsm_app.domain.improvement import read_ai_checks, read_surveys
from vsm_app.ui.improve.common import table_texts
from vsm_app.ui.improve.pulse import HIDDEN_TEXT

CSV = """period,satisfaction,performance,collaboration,efficiency,comment,email
2026-W40,4,3,4,3,Reviews pile up,kim@example.com
2026-W40,5,4,4,2,,lee@example.com
2026-W41,3,3,3,3,Too many meetings,
2026-W41,4,4,5,4,,
2026-W41,4,3,4,2,Release is smooth,
"""


def _epoch(day: str) -> float:
    return (pd.Timestamp(day, tz="UTC") - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(1, "s")


def _all_label_text(widget: Any) -> str:
    return "\n".join(lab.text() for lab in widget.findChildren(QLabel))


def test_minimum_group_size_import_and_charts(qtbot: Any, tmp_path: Path,
                                              monkeypatch: Any) -> None:
    d = demo_ui(qtbot)
    w, c, ui = d.window, d.controller, d.ui
    dock = ui.pulse
    path = tmp_path / "pulse.csv"
    path.write_text(CSV, encoding="utf-8")
    monkeypatch.setattr("vsm_app.ui.improve.pulse.ask_csv_path", lambda parent: str(path))
    ui.actions["import_pulse"].trigger()

    # 2 responses: hidden, only the count kept; 3 responses: the team means
    w40, w41 = read_surveys(w.project)
    assert (w40.period, w40.n_responses, w40.means, w40.comments) == (
        "2026-W40", 2, dict.fromkeys(w40.means), [])
    assert w41.n_responses == 3 and w41.satisfaction_wellbeing == (3 + 4 + 4) / 3
    rows = table_texts(dock.table)
    assert rows[0] == ["2026-W40", "2", HIDDEN_TEXT, "", "", "", ""]
    assert rows[1] == ["2026-W41", "3", "3.7", "3.3", "4.0", "3.0", "2"]
    assert dock.table.columnSpan(0, 2) == 5
    # nothing of the small group anywhere: not its comment, not a mean
    assert "Reviews pile up" not in repr(w.project.extra)
    assert "Reviews pile up" not in _all_label_text(dock)
    x, y = dock.space_chart.series("Satisfaction & well-being")
    # the hidden week is a gap in the line, never a value
    assert list(x) == [_epoch("2026-09-28"), _epoch("2026-10-05")]
    assert np.isnan(y[0]) and np.isclose(y[1], (3 + 4 + 4) / 3)
    # the import's warnings are shown: the e-mail column was dropped, W40 is too small
    notes = dock.import_notes.text()
    assert "'email' identify people; ignored and never stored" in notes
    assert "2026-W40 have fewer than 3 responses" in notes
    assert "kim@example.com" not in notes
    # the comments of a shown round, team-level, in no particular order
    dock.table.selectRow(1)
    assert dock.comments.text().endswith("• Release is smooth\n• Too many meetings")

    # lead time and change failure rate per week of the window, side by side
    lx, ly = dock.lead_chart.series("Lead time (median)")
    cx, cy = dock.cfr_chart.series("Change failure rate")
    by = c.result.dora_by_period
    assert np.allclose(ly, by["lead_time_median_s"].to_numpy(float), equal_nan=True)
    assert np.allclose(cy, by["change_failure_rate"].to_numpy(float), equal_nan=True)
    assert np.array_equal(lx, cx) and dock.warning.isHidden()

    # speed without its stability counterpart is never shown silently
    real = c.result
    c.result = replace(real, dora_by_period=by.assign(change_failure_rate=np.nan))
    dock.refresh_charts()
    assert dock.warning.isVisibleTo(dock)
    assert dock.warning.text() == ("⚠ Lead time for changes (median) is shown without its "
                                   "stability counterpart (Change failure rate or Failed "
                                   "deployment recovery time (median))")
    c.result = real
    dock.refresh_charts()
    assert dock.warning.isHidden()

    # one undo step removes the whole import
    w.undo_stack.undo()
    assert read_surveys(w.project) == [] and dock.table.isHidden()
    assert dock.space_chart.message.text() == "No round with at least 3 responses yet."


def test_round_dialog_enforces_the_minimum_group_size(qtbot: Any, window: Any) -> None:
    from vsm_app.ui.improve import install_improvement

    ui = install_improvement(window, window.measure)
    dlg = ui.pulse.record_round()
    dlg.period.setText("2026-W44")
    dlg.n.setValue(2)
    assert not dlg.scores["performance"].isEnabled() and dlg.small.isVisibleTo(dlg)
    dlg.scores["performance"].setValue(4.0)  # typed before lowering n: never kept
    dlg.accept()
    (r,) = read_surveys(window.project)
    assert r.n_responses == 2 and r.performance is None
    assert table_texts(ui.pulse.table)[0][2] == HIDDEN_TEXT

    dlg = ui.pulse.record_round()
    dlg.period.setText("2026-W45")
    dlg.n.setValue(3)
    dlg.scores["performance"].setValue(4.5)
    dlg.comments.setPlainText("pairing helps\n\nless context switching")
    dlg.accept()
    r45 = read_surveys(window.project)[1]
    assert r45.performance == 4.5 and r45.satisfaction_wellbeing is None
    assert r45.comments == ["less context switching", "pairing helps"]
    assert table_texts(ui.pulse.table)[1] == ["2026-W45", "3", HIDDEN_TEXT, "4.5", HIDDEN_TEXT,
                                               HIDDEN_TEXT, "2"]
    dlg = ui.pulse.record_round()
    dlg.period.setText("week 45")
    dlg.accept()
    assert dlg.isVisible() and dlg.error.text().startswith("period:")
    dlg.reject()
    assert window.undo_stack.count() == 2


def test_ai_check_beside_batch_size_and_cfr(qtbot: Any) -> None:
    d = demo_ui(qtbot)
    w, c, ui = d.window, d.controller, d.ui
    dock = ui.ai_check
    dlg = dock.record_check()
    dlg.period.setText("2026-W40")
    for k, v in (("clear_ai_guidance", 2.0), ("small_batches", 4.0),
                 ("strong_technical_fundamentals", 3.0)):
        dlg.scores[k].setValue(v)
    dlg.accept()
    (check,) = read_ai_checks(w.project)
    assert check.scores["small_batches"] == 4.0 and check.scores["user_focus"] is None
    assert check.mean == 3.0
    rows = {r[0]: r[1:] for r in table_texts(dock.table)}
    assert rows["Working in small batches"] == ["4.0"] and rows["User focus"] == ["—"]
    assert rows["Mean of the assessed"] == ["3.0"]
    x, y = dock.ai_chart.series("Mean of the seven capabilities")
    assert list(x) == [_epoch("2026-09-28")] and list(y) == [3.0]

    # the next check starts from the latest scores
    dlg = dock.record_check()
    assert dlg.scores["small_batches"].value() == 4.0
    dlg.reject()

    window = c.result.to_json()["window"]
    batch = indicator_series(c.data.tables, "batch_size", window["start"], "week",
                             until=window["end"],
                             production_environments=c.options().production_environments)
    bx, by = dock.batch_chart.series("Batch size")
    assert np.allclose(by, batch["value"].to_numpy(float), equal_nan=True)
    _cx, cy = dock.cfr_chart.series("Change failure rate")
    assert np.allclose(cy, c.result.dora_by_period["change_failure_rate"].to_numpy(float),
                       equal_nan=True)
    w.undo_stack.undo()
    assert read_ai_checks(w.project) == [] and dock.empty_hint.isVisibleTo(dock)
