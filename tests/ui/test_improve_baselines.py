"""The baselines dock on the measured demo: save, compare after moving the window, show beside
now, delete, undo."""

from __future__ import annotations

from typing import Any

import pandas as pd

from tests.ui.test_improve_support import demo_ui, wait_idle
from vsm_app.analysis.baseline import compare_to_baseline
from vsm_app.domain.durations import format_duration
from vsm_app.domain.improvement import Baseline, read_baselines
from vsm_app.ui.improve import baseline_stage_labels, baseline_values


def _signed_duration(seconds: float) -> str:
    return ("+" if seconds > 0 else "−") + format_duration(abs(seconds))


def test_save_compare_after_moving_the_window_and_undo(qtbot: Any, dialogs: Any) -> None:
    d = demo_ui(qtbot)
    w, c, ui = d.window, d.controller, d.ui
    dock = ui.baselines
    ui.raise_dock("baselines")
    first = c.result.to_json()
    assert first["bottleneck"]["stage"] == "Review"

    dialogs.text_answer = "Before the review SLA"
    b = dock.save_baseline()  # asks the name through messages.get_text
    assert b is not None and b.name == "Before the review SLA"
    stored = read_baselines(w.project)
    assert [x.name for x in stored] == ["Before the review SLA"]
    assert stored[0].metrics["dora"]["lead_time_median_s"] == first["dora"]["lead_time_median_s"]
    assert w.is_modified() and w.undo_stack.undoText() == "Save baseline Before the review SLA"
    assert dock.list.topLevelItemCount() == 1
    # the window covers the delivery data: the last deployment is on 2026-10-30 (the
    # incident opened on 10-31 does not stretch it)
    assert dock.list.topLevelItem(0).text(2) == "7 Nov 2024 – 30 Oct 2026"

    # move the window to the release-train months: everything is compared with the baseline
    with qtbot.waitSignal(c.result_changed, timeout=30_000):
        c.set_window(pd.Timestamp("2025-01-06", tz="UTC"), pd.Timestamp("2025-04-07", tz="UTC"))
    wait_idle(qtbot, w)
    now = c.result.to_json()
    assert dock.comparison is not None
    assert dock.comparison.to_dict() == compare_to_baseline(stored[0].metrics, now).to_dict()

    # two metrics checked by hand from the two analysis documents
    lt0, lt1 = first["dora"]["lead_time_median_s"], now["dora"]["lead_time_median_s"]
    assert lt1 < lt0  # the demo: lead time was shorter before review became the constraint
    row = dock.row_texts("dora.lead_time_median_s")
    assert row[:4] == ["Lead time", format_duration(lt0), format_duration(lt1),
                       _signed_duration(lt1 - lt0)]
    assert row[4] == "↓ better"
    df0 = first["dora"]["deployment_frequency_per_week"]
    df1 = now["dora"]["deployment_frequency_per_week"]
    row = dock.row_texts("dora.deployment_frequency_per_week")
    assert row[0] == "Deploys / week"
    assert row[1:4] == [f"{df0:.1f}", f"{df1:.1f}",
                        f"{'+' if df1 > df0 else '−'}{abs(df1 - df0):.1f}"]
    higher_is_better = "better" if df1 > df0 else "worse"
    assert row[4] == f"{'↑' if df1 > df0 else '↓'} {higher_is_better}"

    # the constraint's change, and each stage's wait baseline → now
    assert now["bottleneck"]["stage"] == "Release"
    assert dock.constraint.text().startswith("Constraint: moved from Review to Release")
    review = next(s for s in first["stages"] if s["name"] == "Review")
    review_now = next(s for s in now["stages"] if s["name"] == "Review")
    row = dock.row_texts("stages.Review.wait_median_s")
    assert row[:3] == ["Review", format_duration(review["wait_median_s"]),
                       format_duration(review_now["wait_median_s"])]
    assert row[3] == "↓ better"
    assert dock.warning.isHidden()  # CFR and recovery time are shown beside lead time

    # show the baseline beside now: the hook for the overlay and the dashboards
    shown: list[Any] = []
    ui.baseline_shown.connect(shown.append)
    dock.show_beside.setChecked(True)
    assert [x.id for x in shown] == [b.id] and ui.shown_baseline().id == b.id
    # deleting it (one undo step) takes it off the map; undo brings it back
    dock.delete_selected()
    assert read_baselines(w.project) == [] and shown[-1] is None
    w.undo_stack.undo()
    assert [x.id for x in read_baselines(w.project)] == [b.id]
    assert ui.shown_baseline() is not None and ui.shown_baseline().id == b.id
    # the window chosen is part of the project (issue 17): its own undo step
    assert w.undo_stack.undoText() == "Change the analysis window"
    w.undo_stack.undo()
    wait_idle(qtbot, w)
    assert (c.since, c.until) == (None, None)
    w.undo_stack.undo()  # the save itself
    assert w.project.records.baselines == [] and not w.is_modified()
    assert dock.comparison is None and dock.empty_hint.isVisibleTo(dock)
    wait_idle(qtbot, w)


def test_saving_without_a_measurement_explains_why(qtbot: Any, window: Any,
                                                   dialogs: Any) -> None:
    from vsm_app.ui.improve import install_improvement

    ui = install_improvement(window, window.measure)
    assert ui.baselines.save_baseline("x") is None
    assert dialogs.errors and dialogs.errors[0][1] == "Nothing is measured yet."
    assert window.undo_stack.count() == 0
    assert ui.improvement.header.name.text() == "not measured"
    assert not ui.improvement.header.plan.isEnabled()


def test_baseline_hooks_for_overlay_and_dashboards() -> None:
    from vsm_app.domain.templates import software_delivery

    m = software_delivery()
    doc = {"window": {"start": "2025-01-06T00:00:00+00:00", "end": "2025-04-07T00:00:00+00:00"},
           "dora": {"lead_time_median_s": 7200.0, "change_failure_rate": 0.1},
           "flow": {"velocity_per_week": 3.0},
           "stages": [{"name": "Review", "wait_median_s": 68400.0, "share": 0.5},
                      {"name": "CI", "wait_median_s": None}],
           "bottleneck": {"stage": "Review", "share": 0.4}}
    b = Baseline.from_analysis("B", doc)
    values = baseline_values(b)
    assert values.get("dora.lead_time_median_s") == 7200.0
    assert values.get("dora.deployment_frequency_per_week") is None
    assert values.stage("Review").wait_median_s == 68400.0
    assert values.stage("CI").wait_median_s is None
    assert values.constraint.stage == "Review" and values.constraint.share == 0.4
    labels = baseline_stage_labels(b, m)
    assert labels == {m.stage_by_name("Review").id: "baseline wait 19h"}
