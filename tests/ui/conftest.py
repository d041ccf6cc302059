"""GUI fixtures: application names, no modal dialogs, ready-made main windows."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QApplication

from vsm_app.domain.model import Project, ValueStreamMap
from vsm_app.domain.templates import software_delivery
from vsm_app.ui import settings
from vsm_app.ui.dialogs import messages


@dataclass
class DialogLog:
    """What the window asked or told; answers tests can change before acting."""

    errors: list[tuple[str, str, str]] = field(default_factory=list)
    save_changes_answer: str = "discard"
    recovery_answer: str = "later"
    text_answer: str | None = None
    open_path: str | None = None
    save_path: str | None = None
    asked: list[str] = field(default_factory=list)
    #: the traceback each error box would hold under Details ("" when none)
    traces: list[str] = field(default_factory=list)
    confirm_answer: bool = True


@pytest.fixture(autouse=True)
def no_leftover_windows(qapp: QApplication) -> Iterator[None]:
    """Each test ends with its windows closed and deleted, so a later app-wide change (a
    theme's style sheet re-polishing every widget) never reaches a half-destroyed one."""
    yield
    for w in QApplication.topLevelWidgets():
        w.close()
        w.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    # Work a closed window left running is cancelled and joined, as at application exit.
    from vsm_app.ui import workers

    assert workers.shutdown(30_000), "a worker thread did not end within 30 s of Cancel"


@pytest.fixture(autouse=True)
def app_names() -> None:
    QCoreApplication.setOrganizationName(settings.ORGANIZATION)
    QCoreApplication.setApplicationName(settings.APPLICATION)


@pytest.fixture(autouse=True)
def dialogs(monkeypatch: pytest.MonkeyPatch) -> DialogLog:
    """Replace every modal question by a recorded answer."""
    log = DialogLog()

    def error(parent: Any, title: str, text: str, details: str = "",
              trace: str | None = None) -> None:
        log.errors.append((title, text, details))
        log.traces.append(messages.current_traceback() if trace is None else trace)

    def confirm(parent: Any, title: str, text: str, accept: str, details: str = "") -> bool:
        log.asked.append(f"confirm:{title}")
        return log.confirm_answer

    def ask_save(parent: Any, name: str) -> str:
        log.asked.append(f"save:{name}")
        return log.save_changes_answer

    def ask_recovery(parent: Any, autosave: Any, project: Any) -> str:
        log.asked.append("recovery")
        return log.recovery_answer

    monkeypatch.setattr(messages, "error", error)
    monkeypatch.setattr(messages, "confirm", confirm)
    monkeypatch.setattr(messages, "ask_save_changes", ask_save)
    monkeypatch.setattr(messages, "ask_recovery", ask_recovery)
    monkeypatch.setattr(messages, "get_text", lambda *a, **k: log.text_answer)
    monkeypatch.setattr(messages, "get_open_path", lambda *a, **k: log.open_path)
    monkeypatch.setattr(messages, "get_save_path", lambda *a, **k: log.save_path)
    return log


def _show(qtbot: Any, project: Project) -> Any:
    from vsm_app.ui.main_window import MainWindow

    w = MainWindow(project)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=2000)
    return w


@pytest.fixture
def window(qtbot: Any) -> Iterator[Any]:
    """The main window on the software-delivery template (5 stages with estimates)."""
    yield _show(qtbot, Project("Workshop", [software_delivery()]))


@pytest.fixture
def empty_window(qtbot: Any) -> Iterator[Any]:
    """The main window on a project with one empty map."""
    yield _show(qtbot, Project("Workshop", [ValueStreamMap("Current state")]))


@pytest.fixture(scope="module")
def demo_vsm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo repository and exports generated for this test session (reused when already
    there), with a fresh copy of the sample project for each test module."""
    from vsm_app.demo.generate import generate
    from vsm_app.paths import DEMO_PROJECT

    root = tmp_path_factory.getbasetemp() / "measured-demo"
    generate(root)
    shutil.copy(DEMO_PROJECT, root / "demo.vsm")
    return root / "demo.vsm"
