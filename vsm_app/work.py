"""The one protocol of long work (Qt-free): progress, cancellation, and what was asked.

Long work (ingest, the analysis, exports, reports, the workshop's data) is a plain function
``run(inputs, progress, cancelled)`` (DESIGN §1, Orange's ``concurrent.py``):

* ``progress(fraction, message)`` — a :data:`Progress`, fraction 0..1;
* ``cancelled()`` — an :data:`IsCancelled`, polled between and inside steps; when it turns
  true the function raises :class:`Cancelled` and leaves nothing half-written.

Tests call such functions directly, with no thread. The app runs them through one worker
(``vsm_app.ui.workers.Task``), which hands them a :class:`TaskState`'s methods and
recognises :class:`Cancelled` by its class, the command line through
:class:`~vsm_app.commands.common.StderrProgress`.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Callable, Iterator

#: ``progress(fraction, message)``: fraction in 0..1, message for people
Progress = Callable[[float, str], None]
#: ``cancelled()``: True once the user asked to stop
IsCancelled = Callable[[], bool]


class Cancelled(Exception):
    """The user cancelled long work; nothing partial was kept or written."""


def report(progress: Progress | None, fraction: float, message: str) -> None:
    """Report ``fraction`` (clamped to 0..1) when there is someone to tell."""
    if progress is not None:
        progress(max(0.0, min(1.0, fraction)), message)


def check(cancelled: IsCancelled | None, what: str = "") -> None:
    """Raise :class:`Cancelled` when the user asked to stop."""
    if cancelled is not None and cancelled():
        raise Cancelled(f"{what} cancelled" if what else "cancelled")


def scaled(progress: Progress | None, lo: float, hi: float) -> Progress:
    """A progress callback for a step that covers ``[lo, hi]`` of the whole."""
    def step(fraction: float, message: str) -> None:
        if progress is not None:
            progress(lo + (hi - lo) * max(0.0, min(1.0, fraction)), message)
    return step


class TaskState:
    """The cancel token and progress sink of one piece of work (thread-safe to cancel).

    ``state.progress`` and ``state.cancelled`` are the two callbacks a ``run`` function
    takes; :meth:`cancel` may be called from any thread.
    """

    def __init__(self, progress: Progress | None = None) -> None:
        self._event = threading.Event()
        self._sink = progress
        self.fraction = 0.0
        self.message = ""

    def cancel(self) -> None:
        self._event.set()

    def cancelled(self) -> bool:
        return self._event.is_set()

    def progress(self, fraction: float, message: str) -> None:
        self.fraction, self.message = fraction, message
        if self._sink is not None:
            self._sink(fraction, message)

    def check(self) -> None:
        """Raise :class:`Cancelled` if :meth:`cancel` was called."""
        check(self.cancelled)


__all__ = ["Cancelled", "IsCancelled", "Progress", "TaskState", "check", "report", "scaled"]


_gc_lock = threading.Lock()
_gc_holders = 0
_gc_was_enabled = False


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a block builds millions of objects.

    Decoding a large export allocates millions of containers that all live on; each
    collection walks all of them again (decoding 50,000 Jira issues took ~9 s with the
    collector and ~0.5 s without). Reference counting still frees everything as usual; only
    the search for reference cycles waits until the outermost block ends (it is
    thread-safe and nests: the app's worker and the GUI thread may both hold it).
    """
    global _gc_holders, _gc_was_enabled
    with _gc_lock:
        if _gc_holders == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_holders += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_holders -= 1
            if _gc_holders == 0 and _gc_was_enabled:
                gc.enable()


def settle_heap() -> None:
    """Once a large data set is loaded and will live on: collect once, then freeze.

    The collector's full pass walks every container that lives on — with 50,000 work items
    and their 500,000 status stays loaded a pass took 50–180 ms, and one fell, now and then,
    inside a window change (bench_items_window: median ~120 ms, max 300–440 ms). Frozen
    objects (:func:`gc.freeze`) are left out of every later pass; the ones frozen at the
    previous load are unfrozen first, so a replaced data set is collected as usual.
    Reference counting frees objects whether frozen or not.
    """
    with _gc_lock:
        gc.unfreeze()
        gc.collect()
        gc.freeze()
