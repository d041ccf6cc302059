"""The desktop application: ``vsm-app [PROJECT.vsm]`` (no argument: the sample project).

Start-up, in the order a user sees it:

1. logging (the log folder's rotating file), the application's names, version and icon
   (set before anything touches QSettings), the remembered theme;
2. the main window with the map, shown at once (:func:`start` returns when it is on screen);
   a bad project file gives a message box naming the file and the JSON path, never a
   traceback, and the file is left untouched;
3. then, from the event loop, behind the visible window: the measured stream is built
   (pandas, the git reader, the charts: ``MainWindow.complete``), the sample project's
   repository and exports are generated into the user's data folder if they are missing
   (first start only, about two seconds, in a worker), the project's data sources are
   measured, and crash recovery is offered when an autosave is pending.

An unexpected error shows a message box whose Details hold the traceback (also logged).
"""

from __future__ import annotations

import gc
import logging
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

#: ``time.perf_counter()`` when this module was imported (start-up milestones in the log)
_T0 = time.perf_counter()


def _set_names() -> None:
    from . import __version__
    from .ui import settings

    QCoreApplication.setOrganizationName(settings.ORGANIZATION)
    QCoreApplication.setApplicationName(settings.APPLICATION)
    QCoreApplication.setApplicationVersion(__version__)
    # ties the windows to vsm-app.desktop (Wayland app id, X11 WM class)
    QGuiApplication.setDesktopFileName("vsm-app")


def open_sample(window: Any) -> Path | None:
    """Show the sample project from the user's data folder (copied there on first use);
    its repository and exports are generated behind the window when missing. None (and an
    empty software-delivery map) when it cannot even be copied."""
    from .demo import sample
    from .domain.model import Project
    from .domain.templates import software_delivery
    from .storage.project_file import ProjectFileError, load_project
    from .ui.dialogs import messages
    from .ui.main_window import describe_load_error

    try:
        path = sample.install()
        project = load_project(path)
    except OSError as e:
        messages.error(window, "Cannot open the sample project",
                       "The sample project cannot be copied to your data folder.", str(e))
        window.set_project(Project("Demo", [software_delivery()]))
        return None
    except ProjectFileError as e:
        text, details = describe_load_error(e)
        messages.error(window, "Cannot open the sample project", text, details)
        window.set_project(Project("Demo", [software_delivery()]))
        return None
    ready = sample.data_ready(path)
    window.set_project(project, path, measure=ready)
    if not ready:
        prepare_sample_data(window, path)
    return path


def prepare_sample_data(window: Any, path: Path) -> Any:
    """Generate the sample's repository and exports in a worker, then measure; the Task."""
    from .demo import sample
    from .ui.dialogs import messages
    from .ui.workers import Task
    from .work import IsCancelled, Progress

    window.statusBar().showMessage("Preparing the sample project's repository and exports "
                                   "(first start only)…")

    def work(progress: Progress, cancelled: IsCancelled) -> Path:
        return sample.prepare(path.parent)

    task = Task(work, window)

    def finished(_result: Any) -> None:
        window.statusBar().clearMessage()
        if window.path is not None and Path(window.path) == Path(path).resolve():
            window.start_measuring()

    def failed(message: str, trace: str) -> None:
        window.statusBar().clearMessage()
        messages.error(window, "Cannot prepare the sample project",
                       "The sample project's repository and exports could not be generated.",
                       f"{message}\n\nThe map is shown without measurements.", trace=trace)

    task.finished.connect(finished)
    task.failed.connect(failed)
    task.done.connect(task.deleteLater)
    window.sample_task = task
    task.start()
    return task


def create_window(args: Sequence[str], complete: bool = True) -> Any:
    """The main window for the command-line ``args`` (a project path or nothing).

    ``complete=False`` builds only what shows at once; ``window.complete()`` builds the rest.
    """
    from .ui.main_window import MainWindow

    paths = [a for a in args if not a.startswith("-")]
    window = MainWindow(complete=complete)
    if paths:
        window.open_path(paths[0])  # on failure: message box, then an empty project
    else:
        open_sample(window)
    return window


#: how long a thread may hold the GIL while another waits for it (Python's default: 5 ms)
SWITCH_INTERVAL_S = 0.001


def settle_interpreter() -> None:
    """Keep the GUI thread responsive while a worker runs Python code.

    * Everything built so far lives as long as the app: move it out of the garbage
      collector's reach, so a full collection (~90 ms over the window's objects) cannot stall
      the GUI thread while a worker ingests.
    * A repaint calls back into Python for every item it paints, and each call waits for the
      GIL; with a busy worker each wait lasts up to the switch interval, so a window repaint
      during an ingest took 160–250 ms at Python's default 5 ms. At 1 ms the longest GUI-thread
      gap of a 100k-commit re-ingest stays under 100 ms (``benchmarks/bench_overlay.py``); the
      worker pays ~0.1 s on that ingest.
    """
    gc.collect()
    gc.freeze()
    sys.setswitchinterval(SWITCH_INTERVAL_S)


_handling_error = False


def _on_unexpected_error(exc_type: type[BaseException], exc: BaseException,
                         tb: Any) -> None:
    """``sys.excepthook`` of the app: log the traceback, show it under Details."""
    global _handling_error
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    trace = "".join(traceback.format_exception(exc_type, exc, tb))
    log.critical("unexpected error\n%s", trace.rstrip())
    if _handling_error or QApplication.instance() is None:
        return
    _handling_error = True
    try:
        from .logs import current_log_file
        from .ui.dialogs import messages

        where = current_log_file()
        box = messages.error_box(
            QApplication.activeWindow(), "Unexpected error",
            f"Something went wrong: {exc_type.__name__}: {exc}",
            "Your work is autosaved; save the project to be safe. The Details below and the "
            f"log{f' ({where})' if where else ''} say what happened.", trace)
        box.exec()
    finally:
        _handling_error = False


def _finish_start(window: Any) -> None:
    """The part of the start-up that runs behind the visible window."""
    window.complete()
    from .ui import settings

    if not settings.get(settings.LAYOUT):
        window.set_layout("map")  # the first start: the map first, panels in the side bar
    log.info("window complete after %.2f s", time.perf_counter() - _T0)
    settle_interpreter()
    window.offer_recovery()


def start(args: Sequence[str] = (), verbose: bool = False) -> tuple[QApplication, Any]:
    """Everything before the event loop; the window is on screen when this returns and the
    rest of the start-up is queued (see the module's docstring)."""
    from . import __version__
    from .logs import setup

    setup(verbose=verbose)
    log.info("vsm-app %s starting (Python %s, %s)", __version__, sys.version.split()[0],
             sys.executable)
    _set_names()
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication([sys.argv[0] if sys.argv else "vsm-app"])
    from .ui import locale, settings
    from .ui.icons import app_icon
    from .ui.theme import apply_theme

    locale.install()  # numbers and dates in the user's locale (the CLI keeps the plain style)
    app.setWindowIcon(app_icon())
    apply_theme(app, settings.get(settings.THEME))
    sys.excepthook = _on_unexpected_error
    window = create_window(args, complete=False)
    window.show()
    handle = window.windowHandle()
    deadline = time.perf_counter() + 2.0
    while handle is not None and not handle.isExposed() and time.perf_counter() < deadline:
        app.processEvents()
    window.repaint()
    log.info("window shown after %.2f s", time.perf_counter() - _T0)
    QTimer.singleShot(0, window, lambda: _finish_start(window))
    return app, window


def main(argv: Sequence[str] | None = None, verbose: bool = False) -> int:
    """Run the GUI; returns the exit code of the event loop."""
    args = list(sys.argv[1:] if argv is None else argv)
    app, _window = start(args, verbose)
    return int(app.exec())
