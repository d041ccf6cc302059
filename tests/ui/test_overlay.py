"""The measured overlay on the map: labels, heat, constraint and the measured ladder, checked
against the analysis engine run independently (``vsm_app.pipeline.run``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from PySide6.QtGui import QColor

from tests.words import days, sentence_for_people
from vsm_app.domain.durations import format_duration
from vsm_app.pipeline import inputs_from_project
from vsm_app.pipeline import run as pipeline_run
from vsm_app.storage.project_file import load_project
from vsm_app.ui import commands as cmd
from vsm_app.ui.overlay import HEAT_SCALE, NO_WAIT_COLOR, heat_color


@pytest.fixture(scope="module")
def engine(demo_vsm: Path) -> dict[str, Any]:
    """What the analysis engine finds on the demo, computed without the GUI."""
    return pipeline_run(inputs_from_project(load_project(demo_vsm))).to_json()


def expected_label(stage: dict[str, Any], day_s: float, est_wait_s: float,
                   est_process_s: float) -> str:
    """Measured median beside the workshop estimate, one line each for wait and work."""
    def one(v: float) -> str:
        return format_duration(v, day_s)

    lines = []
    if stage["wait_median_s"] is not None:
        lines.append(f"wait {one(stage['wait_median_s'])} · est {one(est_wait_s)}")
    if stage["active_median_s"] is not None:
        lines.append(f"work {one(stage['active_median_s'])} · est {one(est_process_s)}")
    return "\n".join(lines)


def measured_window(qtbot: Any, path: Path) -> Any:
    from vsm_app.ui.main_window import MainWindow

    w = MainWindow(load_project(path), path)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    with qtbot.waitSignal(w.measure.result_changed, timeout=30_000):
        w.show()
    qtbot.waitUntil(lambda: not w.measure.is_busy(), timeout=10_000)
    return w


def labels(w: Any) -> dict[str, tuple[str | None, QColor | None, bool]]:
    ed = w.current_editor()
    return {ed.map.stage(it.model_id).name: it.overlay() for it in ed.scene.stage_items()}


def test_heat_scale_is_sequential_and_binned() -> None:
    assert heat_color(None) is None
    assert heat_color(0.0) == HEAT_SCALE[0][1]
    assert heat_color(0.05) == HEAT_SCALE[1][1]  # class bounds are [lower, upper)
    assert heat_color(0.43) == HEAT_SCALE[-1][1]
    lightness = [QColor(c).lightnessF() for _, c, _ in HEAT_SCALE]
    assert lightness == sorted(lightness, reverse=True)  # darker = more waiting


def test_overlay_labels_and_constraint_equal_the_engine(qtbot: Any, demo_vsm: Path,
                                                        engine: dict[str, Any]) -> None:
    w = measured_window(qtbot, demo_vsm)
    m = w.current_map()
    day = m.settings.day_length_s
    shown = labels(w)
    by_name = {s["name"]: s for s in engine["stages"]}
    for name, (text, _color, is_constraint) in shown.items():
        s, est = by_name[name], m.stage_by_name(name).estimates
        assert text == expected_label(s, day, est.wait_time_s, est.process_time_s), name
        assert is_constraint == (name == engine["bottleneck"]["stage"])
    assert engine["bottleneck"]["stage"] == "Review"
    # the demo's Review: estimated wait 8h and work 1h, beside the measured medians
    assert shown["Review"][0] == (
        f"wait {format_duration(by_name['Review']['wait_median_s'], day)}"
        " · est 8h\n"
        f"work {format_duration(by_name['Review']['active_median_s'], day)}"
        " · est 1h")
    # heat: the constraint in the darkest class, the tiny waits in the lightest, no wait grey
    assert shown["Review"][1] == QColor(HEAT_SCALE[-1][1])
    assert shown["Merge"][1] == shown["CI"][1] == QColor(HEAT_SCALE[0][1])
    assert shown["Coding"][1] == QColor(NO_WAIT_COLOR)
    # the status bar says it in plain words
    assert w.constraint_label.text().startswith("Constraint: Review")
    assert sentence_for_people(engine["bottleneck"]) in w.constraint_label.text()
    # the tooltip holds estimate and measurement side by side
    review = m.stage_by_name("Review")
    tip = w.current_editor().scene.stage_item(review.id).toolTip()
    assert f"Wait: est {format_duration(review.estimates.wait_time_s, day)} · measured " \
           f"{format_duration(by_name['Review']['wait_median_s'], day)}" in tip


def test_ladder_switches_between_estimated_and_measured(qtbot: Any, demo_vsm: Path,
                                                        engine: dict[str, Any]) -> None:
    w = measured_window(qtbot, demo_vsm)
    scene = w.current_editor().scene
    m = w.current_map()
    day = m.settings.day_length_s
    by_name = {s["name"]: s for s in engine["stages"]}
    scene.flush()
    assert scene.ladder_mode() == "measured"
    steps = {s.name: s for s in scene.ladder.steps}
    assert steps["Review"].wait_text == format_duration(by_name["Review"]["wait_median_s"], day)
    assert steps["Release"].process_text == format_duration(
        by_name["Release"]["active_median_s"], day)
    assert scene.ladder.summary_texts()["Constraint"] == "Review"
    # what it rests on: every stage, the upstream ones measured from the work items' statuses
    assert scene.ladder.summary_texts()["Stages measured"] == "7 of 7"
    assert [st.name for st in m.stages][:2] == ["Backlog", "Analysis"]
    assert steps["Backlog"].wait_text == format_duration(by_name["Backlog"]["wait_median_s"],
                                                         day)
    assert scene.ladder.summary_texts()["Items finished"] == f"{engine['items']:,}"
    assert scene.ladder.summary_texts()["Lead time (median)"] == format_duration(
        engine["dora"]["lead_time_median_s"], day)
    assert scene.legend.heat_scale  # the heat scale is explained on the map

    w.actions_by_name["measured_ladder"].setChecked(False)
    scene.flush()
    assert scene.ladder_mode() == "estimated"
    steps = {s.name: s for s in scene.ladder.steps}
    est = m.stage_by_name("Review").estimates
    assert steps["Review"].wait_text == format_duration(est.wait_time_s, day)
    assert "Lead time" in scene.ladder.summary_texts() and not scene.legend.heat_scale
    assert all(it.overlay()[0] for it in scene.stage_items())  # the labels stay

    w.actions_by_name["show_measured"].setChecked(False)
    assert all(it.overlay() == (None, None, False) for it in scene.stage_items())
    w.actions_by_name["show_measured"].setChecked(True)
    w.actions_by_name["measured_ladder"].setChecked(True)
    assert labels(w)["Review"][2] is True


def test_unbinding_a_stage_removes_its_overlay_and_undo_brings_it_back(
        qtbot: Any, demo_vsm: Path) -> None:
    w = measured_window(qtbot, demo_vsm)
    m = w.current_map()
    merge = m.stage_by_name("Merge")
    with qtbot.waitSignal(w.measure.result_changed, timeout=10_000):
        w.undo_stack.push(cmd.SetStageFieldsCommand(m, merge.id, {"segments": []}))
    assert labels(w)["Merge"] == (None, None, False)
    assert labels(w)["Review"][0]
    with qtbot.waitSignal(w.measure.result_changed, timeout=10_000):
        w.undo_stack.undo()
    assert labels(w)["Merge"][0].startswith("wait ")


def test_window_change_recomputes_the_overlay(qtbot: Any, demo_vsm: Path) -> None:
    w = measured_window(qtbot, demo_vsm)
    lo, hi = w.window_bar.extent()
    with qtbot.waitSignal(w.measure.result_changed, timeout=10_000):
        w.window_bar.set_last_days(91)
    since = hi - pd.Timedelta(days=91)
    assert (w.measure.since, w.measure.until) == (since, None)
    assert w.window_bar.window_text().startswith(days(since, hi))
    inputs = inputs_from_project(load_project(demo_vsm))
    inputs.since = since
    quarter = pipeline_run(inputs).to_json()
    day = w.current_map().settings.day_length_s
    by_name = {s["name"]: s for s in quarter["stages"]}
    shown = labels(w)
    for name in ("Review", "Release", "Coding"):
        est = w.current_map().stage_by_name(name).estimates
        assert shown[name][0] == expected_label(by_name[name], day, est.wait_time_s,
                                                est.process_time_s)
    assert shown[quarter["bottleneck"]["stage"]][2] is True
