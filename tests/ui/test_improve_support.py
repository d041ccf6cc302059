"""Shared set-up of the improvement-loop GUI tests (no tests here).

The demo repository and exports are generated once per test run; each test opens the demo
project in a fresh main window, installs the improvement UI on the window's own measurement
controller (as the main window will), and waits until the window has measured the stream.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vsm_app.demo.generate import generate
from vsm_app.paths import DEMO_PROJECT
from vsm_app.storage.project_file import load_project


@functools.cache
def demo_path() -> Path:
    """The demo project file next to its generated repository and exports (made once)."""
    root = Path(tempfile.mkdtemp(prefix="vsm-improve-demo-"))
    atexit.register(shutil.rmtree, root, True)
    generate(root)
    shutil.copy(DEMO_PROJECT, root / "demo.vsm")
    return root / "demo.vsm"


@dataclass
class DemoUI:
    window: Any
    ui: Any

    @property
    def controller(self) -> Any:
        return self.window.measure

    @property
    def project(self) -> Any:
        return self.window.project


def demo_ui(qtbot: Any, *, theme: str = "light", size: tuple[int, int] = (1440, 900)
            ) -> DemoUI:
    """The demo project in a shown main window, improvement UI installed, measured."""
    from vsm_app.ui.improve import install_improvement
    from vsm_app.ui.main_window import MainWindow

    path = demo_path()
    w = MainWindow(load_project(path), path)
    qtbot.addWidget(w)
    ui = install_improvement(w, w.measure)
    w.set_theme(theme)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    wait_idle(qtbot, w)
    return DemoUI(w, ui)


def wait_idle(qtbot: Any, w: Any, timeout: int = 30_000) -> None:
    """Until the window has a result and no worker (measurement, dashboards) runs."""
    qtbot.waitUntil(lambda: w.measure.result is not None and not w.measure.is_busy(),
                    timeout=timeout)
    dash = getattr(w, "dashboards", None)
    wiring = getattr(dash, "wiring", None)
    if wiring is not None:
        wiring.wait(timeout)
