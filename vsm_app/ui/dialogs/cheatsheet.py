"""The shortcut cheat sheet (F1): every keyboard shortcut and mouse gesture of the editor.

Built from the window's actions, so it can never disagree with the real shortcuts.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QScrollArea, QVBoxLayout, QWidget

GESTURES = [
    ("Double-click empty canvas", "Add a stage there"),
    ("Double-click a stage", "Rename it"),
    ("Drag from a stage's ● handle", "Connect it to another stage"),
    ("Drag on empty canvas", "Rubber-band select (Ctrl/Shift adds)"),
    ("Drag stages", "Move them (snaps to the grid); one undo step"),
    ("Mouse wheel", "Zoom at the mouse (Shift+wheel scrolls sideways)"),
    ("Space + drag, or middle button", "Pan"),
    ("Quick entry box + Enter", "Next stage, connected to the right"),
    ("Right-click", "Context menu (flow kind, add kaizen, delete)"),
]


def shortcut_rows(actions: Iterable[QAction]) -> list[tuple[str, str]]:
    """(keys, what it does) for every action that has a shortcut."""
    rows = []
    for a in actions:
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in a.shortcuts()]
        keys = [k for k in keys if k]
        if keys:
            rows.append((" / ".join(keys), a.text().replace("&", "").rstrip(".…")))
    return rows


class CheatSheetDialog(QDialog):
    """A non-modal, large-print list of shortcuts (readable on a projector)."""

    def __init__(self, actions: Iterable[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.rows = shortcut_rows(actions)
        html = ["<style>td{padding:3px 14px 3px 0;} th{text-align:left;padding-top:10px;}"
                "kbd{font-family:monospace;font-weight:bold;}</style><table>",
                "<tr><th colspan=2>Keyboard</th></tr>"]
        html += [f"<tr><td><kbd>{k}</kbd></td><td>{t}</td></tr>" for k, t in self.rows]
        html.append("<tr><th colspan=2>Mouse</th></tr>")
        html += [f"<tr><td><b>{g}</b></td><td>{t}</td></tr>" for g, t in GESTURES]
        html.append("</table>")
        label = QLabel("".join(html))
        label.setTextFormat(Qt.TextFormat.RichText)
        f = label.font()
        f.setPointSizeF(f.pointSizeF() * 1.15)
        label.setFont(f)
        scroll = QScrollArea()
        scroll.setWidget(label)
        scroll.setWidgetResizable(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        lay = QVBoxLayout(self)
        lay.addWidget(scroll)
        lay.addWidget(buttons)
        self.resize(620, 640)
