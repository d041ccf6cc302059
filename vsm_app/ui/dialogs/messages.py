"""Every question and message the main window asks or shows, in one replaceable place.

Tests replace these functions (monkeypatch) so no modal box ever blocks an offscreen run.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QWidget

PROJECT_FILTER = "VSM projects (*.vsm);;All files (*)"


def error(parent: QWidget | None, title: str, text: str, details: str = "") -> None:
    """A modal error box."""
    box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok,
                      parent)
    if details:
        box.setInformativeText(details)
    box.exec()


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
