"""The measured stream behind the window: ingest, prepare, and re-analyse per window.

:class:`MeasurementController` owns the one running measurement of the open project. It runs
the measurement service (:func:`vsm_app.services.measure.ingest_and_prepare`, then
``analyze_window`` per window) in :class:`~vsm_app.ui.workers.Task` workers, never on the GUI
thread,
and tells its observers (the sources dock, the map overlay, the dashboards) through signals.
A window change only re-runs ``analyze_window``; requests that arrive while one runs are
coalesced so the newest window wins.
"""

from __future__ import annotations

import pandas as pd
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from ..analysis.engine import AnalysisOptions, AnalysisResult, Prepared, analyze_window, prepare
from ..domain.items import ItemSettings
from ..domain.model import Project, ProjectSettings, ValueStreamMap

# Imported with the window, not lazily by the first ingest: the modules of the git and file
# readers imported inside the worker, each read again by Shiboken's import hook, hold the
# GIL long enough to stall the GUI thread ~100 ms at the start of the first ingest.
from ..ingest import git as _git  # noqa: F401
from ..ingest import sources as _sources  # noqa: F401
from ..services.measure import (  # noqa: F401 - MeasuredData is part of this interface
    MeasuredData,
    ingest_and_prepare,
    project_inputs,
)
from ..work import settle_heap
from .workers import LatestTask, Task, WorkFn


def _iso(t: pd.Timestamp | None) -> str | None:
    """A window edge as the project saves it: the ISO date of a UTC midnight."""
    return None if t is None else pd.Timestamp(t).tz_convert("UTC").date().isoformat()


def window_of(settings: ProjectSettings) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The saved window of a project as UTC midnights (None: the edge of the data)."""
    def ts(v: str | None) -> pd.Timestamp | None:
        return None if v is None else pd.Timestamp(v, tz="UTC")
    return ts(settings.window_since), ts(settings.window_until)


class MeasurementController(QObject):
    """Measures the open project and re-analyses it for the chosen window.

    Signals
    -------
    busy(bool)
        A worker is running (ingest or re-analysis).
    progress(float, str)
        Ingest progress.
    measured(MeasuredData)
        A new ingest finished.
    result_changed(AnalysisResult)
        Metrics for the current window (after an ingest or a window change).
    failed(str, str)
        An ingest failed: message, details.
    cancelled()
        The user cancelled an ingest; the previous measurement is kept.
    window_changed(object, object)
        The analysed window: since, until (``pd.Timestamp`` or None for the data extent).
    period_changed(str)
        The period of the per-period figures (an undo step, or another project).
    """

    busy = Signal(bool)
    progress = Signal(float, str)
    measured = Signal(object)
    result_changed = Signal(object)
    failed = Signal(str, str)
    cancelled = Signal()
    window_changed = Signal(object, object)
    period_changed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.vsm_map: ValueStreamMap | None = None
        self.data: MeasuredData | None = None
        self.result: AnalysisResult | None = None
        self.since: pd.Timestamp | None = None
        self.until: pd.Timestamp | None = None
        self.period = "week"
        self.band_year = 2023
        self._ingest_task: Task | None = None
        # re-preparations (another map, edited bindings) and window analyses: the newest
        # request wins, a superseded result is dropped
        self._prepare = LatestTask(self)
        self._prepare.finished.connect(self._on_prepared)
        self._prepare.failed.connect(self.failed)
        self._prepare.idle.connect(self._emit_busy)
        self._window = LatestTask(self)
        self._window.finished.connect(self._on_window_result)
        self._window.failed.connect(self.failed)
        self._window.idle.connect(self._emit_busy)
        self._ingest_map: ValueStreamMap | None = None  # the map the running ingest prepares
        #: the window's undo stack: window and period choices become undoable steps
        self.undo_stack: QUndoStack | None = None

    # -- state ------------------------------------------------------------------------
    def set_project(self, project: Project | None, vsm_map: ValueStreamMap | None = None) -> None:
        """A new project: forget the old measurement (the caller starts an ingest)."""
        self.cancel()
        self.project = project
        self.vsm_map = vsm_map or (project.maps[0] if project and project.maps else None)
        self.data = None
        self.result = None
        self.since = self.until = None
        if project is not None:
            self.period = project.settings.period
            self.band_year = project.settings.band_year
            self.since, self.until = window_of(project.settings)

    def is_busy(self) -> bool:
        return bool(self._ingest_task and self._ingest_task.is_running()) \
            or self._prepare.is_running() or self._window.is_running()

    def has_sources(self) -> bool:
        return bool(self.project and self.project.sources)

    def options(self) -> AnalysisOptions:
        return AnalysisOptions(since=self.since, until=self.until, period=self.period,
                               band_year=self.band_year,
                               production_environments=self._environments())

    def _environments(self) -> tuple[str, ...]:
        return tuple(self.project.settings.production_environments) if self.project else ()

    def _item_settings(self) -> ItemSettings | None:
        """The project's work-item choices (start statuses) for a preparation."""
        return self.project.settings.items if self.project else None

    def _map_copy(self) -> ValueStreamMap | None:
        """The map's bindings for a worker: a copy, never shared with the GUI thread."""
        return self.vsm_map.copy() if self.vsm_map is not None else None

    # -- ingest -----------------------------------------------------------------------
    def ingest(self) -> Task | None:
        """Re-read every data source in a worker; returns the task (None without sources)."""
        if self.project is None or not self.project.sources:
            return None
        if self._ingest_task and self._ingest_task.is_running():
            return self._ingest_task
        # the project's own salt (none: unsalted, as the window always measured)
        inputs = project_inputs(self.project, salt="")
        self._ingest_map = self.vsm_map
        vsm_map = self._map_copy()
        task = Task(lambda progress, cancelled: ingest_and_prepare(inputs, vsm_map, progress,
                                                                   cancelled), self)
        task.progress.connect(self.progress)
        task.finished.connect(self._on_ingested)
        task.failed.connect(self.failed)
        task.cancelled.connect(self.cancelled)
        task.done.connect(self._emit_busy)
        self._ingest_task = task
        task.start()
        self.busy.emit(True)
        return task

    def cancel(self) -> None:
        if self._ingest_task and self._ingest_task.is_running():
            self._ingest_task.cancel()

    def wait(self, timeout_ms: int = 60_000) -> None:
        if self._ingest_task is not None:
            self._ingest_task.wait(timeout_ms)
        self._prepare.wait(timeout_ms)
        self._window.wait(timeout_ms)

    def _on_ingested(self, data: MeasuredData) -> None:
        self.data = data
        settle_heap()  # no full collection pass over the loaded data in a window change
        self.measured.emit(data)
        if self.vsm_map is not self._ingest_map:
            self._start_prepare()  # the map changed while the ingest ran: its bindings count
        else:
            self._start_window_task()

    # -- windows ----------------------------------------------------------------------
    def set_window(self, since: pd.Timestamp | None, until: pd.Timestamp | None) -> None:
        """Analyse ``[since, until)``; None means the edge of the data.

        With an undo stack (``self.undo_stack``, the window's) the choice is one undoable
        step saved in the project (:class:`~vsm_app.ui.source_commands.AnalysisWindowCommand`).
        """
        if self._record(_iso(since), _iso(until), self.period):
            return
        self._show_window(since, until)

    def _show_window(self, since: pd.Timestamp | None, until: pd.Timestamp | None) -> None:
        self.since, self.until = since, until
        self.window_changed.emit(since, until)
        self._start_window_task()

    def set_period(self, period: str) -> None:
        """Per-period figures by ``period`` (day, week, month): saved and undoable as the
        window."""
        if self._record(_iso(self.since), _iso(self.until), period):
            return
        self.period = period
        self.period_changed.emit(period)
        self._start_window_task()

    def _record(self, since: str | None, until: str | None, period: str) -> bool:
        """Push the undoable step (True), or False without a stack or a project."""
        if self.undo_stack is None or self.project is None:
            return False
        s = self.project.settings
        if (s.window_since, s.window_until, s.period) == (since, until, period):
            return True
        from .source_commands import AnalysisWindowCommand

        self.undo_stack.push(AnalysisWindowCommand(self.project, since, until, period,
                                                   self._apply_settings))
        return True

    def _apply_settings(self, settings: ProjectSettings) -> None:
        """Show a project's saved window and period (an undo step did or undid them)."""
        since, until = window_of(settings)
        if settings.period != self.period:
            self.period = settings.period
            self.period_changed.emit(settings.period)
            if (since, until) == (self.since, self.until):
                self._start_window_task()
        if (since, until) != (self.since, self.until):
            self._show_window(since, until)

    def set_band_year(self, year: int) -> None:
        self.band_year = year
        self._start_window_task()

    def set_map(self, vsm_map: ValueStreamMap | None) -> None:
        """Bindings come from the map: a different map (or edited bindings) re-prepares, in a
        worker (~150 ms on a 100k-commit repository), then re-analyses the window."""
        self.vsm_map = vsm_map
        if self.data is None:
            return
        self._start_prepare()

    def _start_prepare(self) -> None:
        if self.data is None:
            return

        def make() -> WorkFn:  # the data, map and environment of the moment it starts
            data, vsm_map, envs = self.data, self._map_copy(), self._environments()
            items = self._item_settings()
            assert data is not None
            return lambda progress, cancelled: (data, prepare(data.tables, vsm_map, envs,
                                                              items))

        self._prepare.request(make)
        self.busy.emit(True)

    def _on_prepared(self, done: tuple[MeasuredData, Prepared]) -> None:
        data, prepared = done
        if data is not self.data:
            return  # a newer ingest replaced the data meanwhile
        data.prepared = prepared
        settle_heap()
        self._start_window_task()

    def is_preparing(self) -> bool:
        """A re-preparation for another map or edited bindings is running or queued."""
        return self._prepare.is_running()

    def _start_window_task(self) -> None:
        if self.data is None:
            return

        def make() -> WorkFn:  # the preparation and window of the moment it starts
            assert self.data is not None
            prepared, options = self.data.prepared, self.options()
            return lambda progress, cancelled: analyze_window(prepared, options)

        self._window.request(make)
        self.busy.emit(True)

    def _on_window_result(self, result: AnalysisResult) -> None:
        self.result = result
        self.result_changed.emit(result)

    def _emit_busy(self) -> None:
        self.busy.emit(self.is_busy())

    def analyze_now(self) -> AnalysisResult | None:
        """Synchronous re-analysis for exports and tests (no worker); prepares the map's
        bindings first when a worker is still doing so."""
        if self.data is None:
            return None
        if self.is_preparing():
            self.data.prepared = prepare(self.data.tables, self._map_copy(), self._environments(),
                                         self._item_settings())
        self.result = analyze_window(self.data.prepared, self.options())
        return self.result
