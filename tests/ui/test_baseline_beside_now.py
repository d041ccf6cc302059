"""'Show baseline beside now' puts a saved baseline on the map overlay and the DORA tiles."""

from __future__ import annotations

from typing import Any

import pandas as pd

from tests.ui.test_improve_support import demo_ui, wait_idle
from vsm_app.domain.durations import format_duration


def test_baseline_beside_now_on_map_and_dashboards(qtbot: Any, dialogs: Any) -> None:
    d = demo_ui(qtbot)
    w, c, ui = d.window, d.controller, d.ui
    # the baseline: the release-train months, before review became the constraint
    with qtbot.waitSignal(c.result_changed, timeout=30_000):
        c.set_window(pd.Timestamp("2025-01-06", tz="UTC"), pd.Timestamp("2025-04-07", tz="UTC"))
    wait_idle(qtbot, w)
    before = c.result.to_json()
    dialogs.text_answer = "Q1 2025"
    assert ui.baselines.save_baseline() is not None
    with qtbot.waitSignal(c.result_changed, timeout=30_000):
        c.set_window(None, None)
    wait_idle(qtbot, w)
    now = c.result.to_json()

    ui.baselines.show_beside.setChecked(True)
    m = w.current_map()
    review = m.stage_by_name("Review")
    item = w.current_editor().scene.stage_item(review.id)
    text, _color, is_constraint = item.overlay()
    wait0 = next(s["wait_median_s"] for s in before["stages"] if s["name"] == "Review")
    wait1 = next(s["wait_median_s"] for s in now["stages"] if s["name"] == "Review")
    day = m.settings.day_length_s
    assert text == (f"wait {format_duration(wait0, day)} → "
                    f"{format_duration(wait1, day)}")
    assert is_constraint

    tile = w.dashboards.dora.tiles["dora.lead_time_median_s"]
    assert tile.baseline_label.isVisibleTo(tile)
    assert tile.baseline_label.text() == (
        f"Baseline “Q1 2025”: {format_duration(before['dora']['lead_time_median_s'])}")

    ui.baselines.show_beside.setChecked(False)
    assert item.overlay()[0].startswith("wait ") and "→" not in item.overlay()[0]
    assert not tile.baseline_label.isVisibleTo(tile)
