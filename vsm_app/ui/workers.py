"""Run long work off the GUI thread, with progress and Cancel: the one Qt adapter of the
work protocol (:mod:`vsm_app.work`).

Long work is a plain function ``fn(progress, cancelled)`` (see docs/architecture.md). A
:class:`Task` runs it in a ``QThread`` with a :class:`~vsm_app.work.TaskState` (its cancel
token) and reports back through queued signals, so slots run on the GUI thread; the function
never touches widgets. Progress is throttled so a chatty function cannot flood the event
loop. The work ended as *cancelled* when it raised :class:`vsm_app.work.Cancelled`, or when
the user asked to stop before it ended (whatever it then raised or returned).
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from ..work import Cancelled, IsCancelled, Progress, TaskState

log = logging.getLogger(__name__)

# Threads whose work has not ended yet, with their task state. A ``QThread`` destroyed while
# it runs aborts the process ("QThread: Destroyed while thread is still running"); that happens
# when the object that started a task (a window, a dock) is deleted before the work ends and
# the garbage collector later frees the thread. Running threads are therefore owned here, not
# by the task, until they have finished (with their runner, so the work itself is not freed
# before it starts); :func:`shutdown` cancels and joins what is left.
_LIVE: dict[QThread, tuple[TaskState, QObject]] = {}
_LIVE_LOCK = threading.Lock()


def running_threads() -> int:
    """How many worker threads have not finished yet."""
    _reap()
    with _LIVE_LOCK:
        return len(_LIVE)


def _reap() -> None:
    with _LIVE_LOCK:
        ended = [t for t in _LIVE if t.isFinished()]
        for t in ended:
            del _LIVE[t]


def shutdown(timeout_ms: int = 10_000) -> bool:
    """Cancel every worker thread still running and wait for each to end (at application exit
    and when a window that owns work is torn down). True when all ended in time."""
    with _LIVE_LOCK:
        live = list(_LIVE.items())
    for _, (state, _runner) in live:
        state.cancel()
    ended = True
    for thread, _ in live:
        ended = thread.wait(timeout_ms) and ended
    _reap()
    return ended


def _install_exit_hook() -> None:
    app = QCoreApplication.instance()
    if app is not None and not app.property("vsm_workers_shutdown_hooked"):
        app.setProperty("vsm_workers_shutdown_hooked", True)
        app.aboutToQuit.connect(lambda: shutdown())


WorkFn = Callable[[Progress, IsCancelled], Any]


class _Runner(QObject):
    progress = Signal(float, str)
    finished = Signal(object)
    failed = Signal(str, str)  # message, traceback text
    cancelled = Signal()

    def __init__(self, fn: WorkFn, state: TaskState, min_interval_s: float = 0.05) -> None:
        super().__init__()
        self._fn = fn
        self._state = state
        self._min_interval_s = min_interval_s
        self._last_emit = 0.0

    def _progress(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if fraction >= 1.0 or now - self._last_emit >= self._min_interval_s:
            self._last_emit = now
            self.progress.emit(float(fraction), str(message))

    @Slot()
    def run(self) -> None:
        try:
            try:
                result = self._fn(self._progress, self._state.cancelled)
            except BaseException as e:  # reported to the GUI, never lost in the thread
                if isinstance(e, Cancelled) or self._state.cancelled():
                    self.cancelled.emit()
                else:
                    trace = traceback.format_exc()
                    log.warning("work in a worker failed: %s\n%s", e, trace.rstrip())
                    self.failed.emit(str(e) or type(e).__name__, trace)
                return
            if self._state.cancelled():
                self.cancelled.emit()
            else:
                self.finished.emit(result)
        finally:
            # The thread ends when the work ends, whether or not its task still exists.
            QThread.currentThread().quit()


class Task(QObject):
    """One piece of long work on its own thread.

    Signals: ``progress(fraction, message)``, ``finished(result)``, ``failed(message,
    details)``, ``cancelled()``, and ``done()`` after any of the last three.
    """

    progress = Signal(float, str)
    finished = Signal(object)
    failed = Signal(str, str)
    cancelled = Signal()
    done = Signal()

    def __init__(self, fn: WorkFn, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = TaskState()
        self._thread = QThread()
        self._runner = _Runner(fn, self.state)
        self._runner.moveToThread(self._thread)
        self._thread.started.connect(self._runner.run)
        self._runner.progress.connect(self.progress)
        self._runner.finished.connect(self._on_finished)
        self._runner.failed.connect(self._on_failed)
        self._runner.cancelled.connect(self._on_cancelled)
        self._running = False

    def start(self) -> None:
        self._running = True
        _reap()
        _install_exit_hook()
        with _LIVE_LOCK:
            _LIVE[self._thread] = (self.state, self._runner)
        self._thread.start()

    def cancel(self) -> None:
        """Ask the work to stop; it stops at its next ``cancelled()`` check."""
        self.state.cancel()

    def is_running(self) -> bool:
        return self._running

    def wait(self, timeout_ms: int = 30_000) -> bool:
        return self._thread.wait(timeout_ms)

    def _end(self) -> None:
        self._running = False
        self._thread.quit()
        self._thread.wait()
        self.done.emit()

    @Slot(object)
    def _on_finished(self, result: Any) -> None:
        self.finished.emit(result)
        self._end()

    @Slot(str, str)
    def _on_failed(self, message: str, details: str) -> None:
        self.failed.emit(message, details)
        self._end()

    @Slot()
    def _on_cancelled(self) -> None:
        self.cancelled.emit()
        self._end()


class LatestTask(QObject):
    """Runs the newest of a stream of requests in a worker, one at a time.

    :meth:`request` takes a factory that builds the work function when it starts, so it reads
    the state of that moment. A request made while one runs waits; of several waiting, only the
    newest runs. A result is reported only when no newer request waits (a superseded result is
    dropped, not shown for a moment).

    Signals: ``finished(result)``, ``failed(message, details)``, and ``idle()`` when the last
    run ended and nothing waits.
    """

    finished = Signal(object)
    failed = Signal(str, str)
    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._task: Task | None = None
        self._waiting: Callable[[], WorkFn] | None = None

    def request(self, make: Callable[[], WorkFn]) -> None:
        if self.is_running():
            self._waiting = make
            return
        self._start(make)

    def is_running(self) -> bool:
        return self._task is not None and self._task.is_running()

    def wait(self, timeout_ms: int = 30_000) -> None:
        if self._task is not None:
            self._task.wait(timeout_ms)

    def _start(self, make: Callable[[], WorkFn]) -> None:
        task = Task(make(), self)
        task.finished.connect(self._on_finished)
        task.failed.connect(self.failed)
        task.done.connect(self._on_done)
        self._task = task
        task.start()

    def _on_finished(self, result: Any) -> None:
        if self._waiting is None:
            self.finished.emit(result)

    def _on_done(self) -> None:
        make, self._waiting = self._waiting, None
        if make is not None:
            self._start(make)
        else:
            self.idle.emit()


def _install_render_check() -> None:
    """Maps rendered in workers leave their scenes to the GUI thread, which destroys them
    only while no worker runs (render.maps.release_on_gui_thread)."""
    from ..render import maps

    maps.workers_running = lambda: running_threads() > 0


_install_render_check()
