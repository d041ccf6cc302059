"""Run long work off the GUI thread, with progress and Cancel.

Long work is a plain function ``fn(progress, cancelled)`` (see docs/architecture.md). A
:class:`Task` runs it in a ``QThread`` and reports back through queued signals, so slots run
on the GUI thread; the function never touches widgets. Progress is throttled so a chatty
function cannot flood the event loop.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

log = logging.getLogger(__name__)

WorkFn = Callable[[Callable[[float, str], None], Callable[[], bool]], Any]


class CancelledError(Exception):
    """Raised inside the work function (by its own check) when the user pressed Cancel."""


class _Runner(QObject):
    progress = Signal(float, str)
    finished = Signal(object)
    failed = Signal(str, str)  # message, traceback text
    cancelled = Signal()

    def __init__(self, fn: WorkFn, cancel_event: threading.Event,
                 min_interval_s: float = 0.05) -> None:
        super().__init__()
        self._fn = fn
        self._cancel = cancel_event
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
            result = self._fn(self._progress, self._cancel.is_set)
        except BaseException as e:  # reported to the GUI, never lost in the thread
            if self._cancel.is_set() or type(e).__name__ in ("Cancelled", "CancelledError"):
                self.cancelled.emit()
            else:
                trace = traceback.format_exc()
                log.warning("work in a worker failed: %s\n%s", e, trace.rstrip())
                self.failed.emit(str(e) or type(e).__name__, trace)
            return
        if self._cancel.is_set():
            self.cancelled.emit()
        else:
            self.finished.emit(result)


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
        self._cancel_event = threading.Event()
        self._thread = QThread()
        self._runner = _Runner(fn, self._cancel_event)
        self._runner.moveToThread(self._thread)
        self._thread.started.connect(self._runner.run)
        self._runner.progress.connect(self.progress)
        self._runner.finished.connect(self._on_finished)
        self._runner.failed.connect(self._on_failed)
        self._runner.cancelled.connect(self._on_cancelled)
        self._running = False

    def start(self) -> None:
        self._running = True
        self._thread.start()

    def cancel(self) -> None:
        """Ask the work to stop; it stops at its next ``cancelled()`` check."""
        self._cancel_event.set()

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
