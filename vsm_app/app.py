"""The desktop application: ``vsm-app [PROJECT.vsm]`` (no argument: the bundled sample).

Sets the organisation and application names before anything touches QSettings, applies the
remembered theme, opens the project (a bad file gives a message box naming the file and the
JSON path, never a traceback, and the file is left untouched), offers crash recovery when an
autosave is pending, shows the main window and runs the event loop.

The sample project opens measured: its repository and exports are built on first start when
they are missing (deterministic, about two seconds), and the main window ingests a project's
data sources as soon as it shows it, so the map, the DORA trends and the constraint appear
within seconds with no set-up.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from .domain.model import Project
from .domain.templates import software_delivery
from .paths import DEMO_DIR, DEMO_PROJECT


def _set_names() -> None:
    from .ui import settings

    QCoreApplication.setOrganizationName(settings.ORGANIZATION)
    QCoreApplication.setApplicationName(settings.APPLICATION)


def demo_project() -> tuple[Project, Path | None]:
    """The sample project, or (until it is bundled) the software-delivery template."""
    if DEMO_PROJECT.is_file():
        return Project("Demo"), DEMO_PROJECT
    return Project("Demo", [software_delivery()]), None


def ensure_demo_data() -> str | None:
    """Build the sample project's repository and exports if they are missing.

    Returns why they could not be built (None when they are there); the window then shows
    the failed ingest, naming the missing source.
    """
    import subprocess

    from .demo.generate import generate

    try:
        generate(DEMO_DIR)
    except (OSError, RuntimeError, subprocess.CalledProcessError) as e:
        return str(e)
    return None


def create_window(args: Sequence[str]):  # type: ignore[no-untyped-def]
    """Build the main window for the command-line ``args`` (project path or nothing)."""
    from .storage.project_file import ProjectFileError, load_project
    from .ui.dialogs import messages
    from .ui.main_window import MainWindow, describe_load_error

    paths = [a for a in args if not a.startswith("-")]
    window = MainWindow()
    if paths:
        window.open_path(paths[0])  # on failure: message box, then an empty project
    else:
        project, path = demo_project()
        if path is not None:
            ensure_demo_data()
            try:
                window.set_project(load_project(path), path)
            except ProjectFileError as e:
                text, details = describe_load_error(e)
                messages.error(window, "Cannot open the sample project", text, details)
                window.set_project(Project("Demo", [software_delivery()]))
        else:
            window.set_project(project)
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the GUI; returns the exit code of the event loop."""
    args = list(sys.argv[1:] if argv is None else argv)
    _set_names()
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication([sys.argv[0] if sys.argv else "vsm-app", *args])
        args = app.arguments()[1:]
    from .ui import settings
    from .ui.theme import apply_theme

    apply_theme(app, settings.get(settings.THEME))
    window = create_window(args)
    window.show()
    settle_interpreter()
    window.offer_recovery()
    return int(app.exec())
