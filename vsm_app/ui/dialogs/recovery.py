"""The crash-recovery prompt: an autosave newer than its project was found at start."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from ...metrics import format as fmt


class RecoveryDialog(QDialog):
    """Restore the autosaved work, discard it, or decide later (keep the side file)."""

    def __init__(self, autosave: Path, project: Path | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Recover unsaved work")
        self.choice = "later"
        when = fmt.date_time(dt.datetime.fromtimestamp(autosave.stat().st_mtime))
        what = project.name if project is not None else "an untitled project"
        text = QLabel(
            f"<b>vsm-app did not close normally.</b><br><br>Changes to {what} were autosaved "
            f"at {when} and never saved.<br>Restore them? The project file itself has not "
            "been changed.")
        text.setWordWrap(True)
        buttons = QDialogButtonBox()
        restore = buttons.addButton("Restore", QDialogButtonBox.ButtonRole.AcceptRole)
        discard = buttons.addButton("Discard", QDialogButtonBox.ButtonRole.DestructiveRole)
        later = buttons.addButton("Decide later", QDialogButtonBox.ButtonRole.RejectRole)
        restore.clicked.connect(lambda: self._done("restore"))
        discard.clicked.connect(lambda: self._done("discard"))
        later.clicked.connect(lambda: self._done("later"))
        lay = QVBoxLayout(self)
        lay.addWidget(text)
        lay.addWidget(buttons)
        self.setMinimumWidth(420)

    def _done(self, choice: str) -> None:
        self.choice = choice
        self.accept()

    def ask(self) -> str:
        """Run modally; ``restore``, ``discard`` or ``later``."""
        self.exec()
        return self.choice
