"""The one work protocol: progress, cancellation, and the same Cancelled from every kind of
long work (ingest, analysis, exports, reports), tested without threads."""

from __future__ import annotations

from pathlib import Path

import pytest

from vsm_app import work
from vsm_app.analysis import engine
from vsm_app.domain.tables import Tables
from vsm_app.ingest import errors, git, sources


def test_every_module_raises_the_one_cancelled() -> None:
    assert engine.Cancelled is git.Cancelled is errors.Cancelled is sources.Cancelled \
        is work.Cancelled


def test_scaled_progress_covers_its_part_of_the_whole() -> None:
    seen: list[tuple[float, str]] = []
    step = work.scaled(lambda f, m: seen.append((f, m)), 0.5, 0.9)
    step(0.0, "a")
    step(0.5, "b")
    step(2.0, "c")  # clamped to the step's end
    assert seen == [(0.5, "a"), (pytest.approx(0.7), "b"), (pytest.approx(0.9), "c")]
    work.scaled(None, 0, 1)(0.5, "nobody listens")  # no one to tell: fine


def test_task_state_is_the_cancel_token() -> None:
    messages: list[str] = []
    state = work.TaskState(lambda f, m: messages.append(m))
    state.progress(0.25, "reading")
    assert (state.fraction, state.message, messages) == (0.25, "reading", ["reading"])
    state.check()  # not cancelled: nothing happens
    state.cancel()
    assert state.cancelled()
    with pytest.raises(work.Cancelled, match="cancelled"):
        state.check()


def test_the_analysis_and_the_table_export_stop_on_cancel(tmp_path: Path) -> None:
    state = work.TaskState()
    state.cancel()
    with pytest.raises(work.Cancelled):
        engine.run(Tables(), None, engine.AnalysisOptions(), state.progress, state.cancelled)
    from tests.report.demo_data import demo_measurement
    from vsm_app.services.tables import write_tables

    with pytest.raises(work.Cancelled):
        write_tables(demo_measurement(), tmp_path, progress=state.progress,
                     cancelled=state.cancelled)
    assert list(tmp_path.iterdir()) == []  # nothing half-written
