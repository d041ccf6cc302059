"""Every question and message the main window asks or shows, in one replaceable place.

Tests replace these functions (monkeypatch) so no modal box ever blocks an offscreen run.
"""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

log = logging.getLogger(__name__)

PROJECT_FILTER = "VSM projects (*.vsm);;All files (*)"


def current_traceback() -> str:
    """The traceback of the exception being handled, or "" outside an ``except`` block."""
    exc = sys.exc_info()[1]
    return "".join(traceback.format_exception(exc)) if exc is not None else ""


def error(parent: QWidget | None, title: str, text: str, details: str = "",
          trace: str | None = None) -> None:
    """A modal error box, also written to the log.

    ``text`` says what failed and ``details`` (shown under it) where and what to do; neither
    ever holds a traceback. The box's Details button holds ``trace``, by default the
    traceback of the exception being handled when it is called from an ``except`` block.
    """
    if trace is None:
        trace = current_traceback()
    log.error("%s: %s%s%s", title, text, f" ({details})" if details else "",
              f"\n{trace.rstrip()}" if trace else "")
    box = error_box(parent, title, text, details, trace)
    box.exec()


def error_box(parent: QWidget | None, title: str, text: str, details: str = "",
              trace: str = "", icon: QMessageBox.Icon = QMessageBox.Icon.Critical
              ) -> QMessageBox:
    """The message box of :func:`error` (not shown), for callers that show it non-modally."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    if details:
        box.setInformativeText(details)
    if trace:
        box.setDetailedText(trace)
    return box


def confirm(parent: QWidget | None, title: str, text: str, accept: str,
            details: str = "") -> bool:
    """Ask before something that cannot be undone; True when the user chose ``accept``."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.NoButton,
                      parent)
    if details:
        box.setInformativeText(details)
    yes = box.addButton(accept, QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is yes


def ask_save_changes(parent: QWidget | None, name: str) -> str:
    """``save``, ``discard`` or ``cancel``."""
    buttons = (QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
               | QMessageBox.StandardButton.Cancel)
    answer = QMessageBox.question(parent, "Unsaved changes",
                                  f"Save the changes to {name} before closing?", buttons,
                                  QMessageBox.StandardButton.Save)
    return {QMessageBox.StandardButton.Save: "save",
            QMessageBox.StandardButton.Discard: "discard"}.get(answer, "cancel")


def ask_recovery(parent: QWidget | None, autosave: Path, project: Path | None) -> str:
    """``restore``, ``discard`` or ``later`` for an autosave a crash left behind."""
    from .recovery import RecoveryDialog

    return RecoveryDialog(autosave, project, parent).ask()


def get_text(parent: QWidget | None, title: str, label: str, text: str = "") -> str | None:
    value, ok = QInputDialog.getText(parent, title, label, text=text)
    return value if ok else None


def get_open_path(parent: QWidget | None, folder: str = "") -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Open project", folder, PROJECT_FILTER)
    return path or None


def get_save_path(parent: QWidget | None, suggestion: str = "") -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, "Save project as", suggestion, PROJECT_FILTER)
    if not path:
        return None
    return path if path.endswith(".vsm") else path + ".vsm"
