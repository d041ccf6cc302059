"""The measurement controller on the demo project: worker-run ingest, windows, cancel."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from vsm_app.demo.generate import generate
from vsm_app.paths import DEMO_PROJECT
from vsm_app.pipeline import inputs_from_project
from vsm_app.pipeline import run as pipeline_run
from vsm_app.storage.project_file import load_project
from vsm_app.ui.measure import MeasurementController


@pytest.fixture(scope="module")
def demo_project_path(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    generate(root)
    shutil.copy(DEMO_PROJECT, root / "demo.vsm")
    return root / "demo.vsm"


def test_ingest_then_window_matches_pipeline(qtbot, demo_project_path: Path) -> None:
    project = load_project(demo_project_path)
    c = MeasurementController()
    c.set_project(project)
    with qtbot.waitSignal(c.result_changed, timeout=60_000) as blocker:
        c.ingest()
    result = blocker.args[0]
    expected = pipeline_run(inputs_from_project(load_project(demo_project_path))).to_json()
    got = result.to_json()
    assert got["dora"]["lead_time_median_s"] == expected["dora"]["lead_time_median_s"]
    assert got["bottleneck"]["stage"] == expected["bottleneck"]["stage"] == "Review"

    since = pd.Timestamp("2025-01-06", tz="UTC")
    until = pd.Timestamp("2025-04-07", tz="UTC")
    with qtbot.waitSignal(c.result_changed, timeout=30_000) as blocker:
        c.set_window(since, until)
    q = blocker.args[0].to_json()
    assert q["window"]["start"].startswith("2025-01-06") and q["changes"] < got["changes"]
    qtbot.waitUntil(lambda: not c.is_busy(), timeout=10_000)


def test_cancel_keeps_project_and_previous_measurement(qtbot, demo_project_path: Path) -> None:
    project = load_project(demo_project_path)
    before = json.dumps([s.path for s in project.sources])
    c = MeasurementController()
    c.set_project(project)
    measured = []
    c.measured.connect(measured.append)
    with qtbot.waitSignal(c.cancelled, timeout=60_000):
        c.ingest()
        c.cancel()
    assert measured == [] and c.data is None
    assert json.dumps([s.path for s in project.sources]) == before
    fresh = load_project(demo_project_path)
    fresh.settings.salt = project.settings.salt
    assert project.same_content(fresh)
    qtbot.waitUntil(lambda: not c.is_busy(), timeout=10_000)


def test_another_map_is_prepared_in_a_worker_and_the_newest_wins(qtbot, monkeypatch,
                                                                  demo_project_path: Path
                                                                  ) -> None:
    """A tab switch or edited bindings re-prepare off the GUI thread; of two quick requests
    the measurement ends with the later map's bindings."""
    import threading

    from vsm_app.analysis.engine import analyze
    from vsm_app.analysis.stages import stage_specs
    from vsm_app.domain.model import Segment, SegmentKind
    from vsm_app.ui import measure

    project = load_project(demo_project_path)
    c = MeasurementController()
    c.set_project(project)
    with qtbot.waitSignal(c.result_changed, timeout=60_000):
        c.ingest()
    qtbot.waitUntil(lambda: not c.is_busy(), timeout=10_000)

    threads: list[threading.Thread] = []
    real_prepare = measure.prepare

    def spy(*args, **kwargs):
        threads.append(threading.current_thread())
        return real_prepare(*args, **kwargs)

    monkeypatch.setattr(measure, "prepare", spy)
    first = project.maps[0]
    other = first.copy()  # a second map: Review measured as one wait, pr_opened → approved
    review = other.stage_by_name("Review")
    other.update_stage(review.id, segments=[Segment("pr_opened", "approved",
                                                    SegmentKind.WAIT)])
    c.set_map(first.copy())
    c.set_map(other)  # arrives while the first preparation runs: it wins
    assert c.is_busy()
    qtbot.waitUntil(lambda: not c.is_busy(), timeout=30_000)
    assert threads and all(t is not threading.main_thread() for t in threads)
    assert c.data is not None and c.data.prepared.specs == stage_specs(other)
    expected = analyze(c.data.tables, other, c.options()).to_json()
    got = c.result.to_json()
    row = next(s for s in got["stages"] if s["name"] == "Review")
    want = next(s for s in expected["stages"] if s["name"] == "Review")
    assert (row["wait_count"], row["wait_median_s"], row["active_median_s"]) == (
        want["wait_count"], want["wait_median_s"], None)


def test_a_map_switched_during_the_ingest_is_the_one_measured(qtbot,
                                                               demo_project_path: Path) -> None:
    from vsm_app.analysis.stages import stage_specs
    from vsm_app.domain.model import Segment, SegmentKind

    project = load_project(demo_project_path)
    other = project.maps[0].copy()
    review = other.stage_by_name("Review")
    other.update_stage(review.id, segments=[Segment("pr_opened", "approved",
                                                    SegmentKind.WAIT)])
    c = MeasurementController()
    c.set_project(project)
    results = []
    c.result_changed.connect(results.append)
    c.ingest()
    c.set_map(other)  # the user switched tabs while the repository was read
    qtbot.waitUntil(lambda: c.data is not None and not c.is_busy(), timeout=60_000)
    assert c.data.prepared.specs == stage_specs(other)
    assert len(results) == 1  # no result with the previous map's bindings first
    row = next(s for s in results[0].to_json()["stages"] if s["name"] == "Review")
    assert row["active_median_s"] is None and row["wait_count"] > 0
