"""Help (F1): a short guide (what a value stream map is, how to run the workshop, what each
metric means) beside every keyboard shortcut and mouse gesture of the editor.

The shortcuts are built from the window's actions and the metrics from the metric catalogue
(:mod:`vsm_app.metrics.catalogue`), so neither can disagree with the product.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...metrics.catalogue import METRICS

GUIDE_HTML = """
<h2>What a value stream map is</h2>
<p>A value stream map follows one piece of work from idea to production through the
<b>stages</b> it passes (Coding, Review, CI, Release…). Each stage shows how long work is
<b>processed</b> there (PT) and how long it <b>waits</b> before it (Wait), so the map shows
where time goes: usually far more waiting than working. The ladder under the stages adds
them up: lead time, process time, and the activity ratio between them.</p>
<h2>Running the workshop</h2>
<ol>
<li><b>Draw the stages</b> with the team: type names in Quick entry (Ctrl+L) and press
Enter; each new stage is connected after the last one.</li>
<li><b>Estimate</b> each stage together: double-click a value on the map (or select a stage
and press Enter), type it (45 min, 2h, 0,5d, 1d 4h), Tab to the next one.</li>
<li><b>Rework</b>: drag from a stage's handle back to an earlier stage; give the loop its
%rework (the share of items sent back) in Properties.</li>
<li><b>Measure</b>: Data ▸ Add repository… (and the exports of CI, reviews, deployments,
incidents), then Map ▸ Bind stages to data… — the map shows measured medians beside the
estimates and marks the constraint.</li>
<li><b>Agree on the constraint</b> and one or two improvement ideas (kaizen bursts, K);
duplicate the map as the future state (Ctrl+Shift+D).</li>
<li><b>Present</b> (F5): full screen, larger text; Esc leaves. Map layout (F6) keeps the map
large; Analyse (F7) opens the dashboards.</li>
</ol>
<p>The metrics describe the team and the system, never a person.</p>
"""


def metrics_html() -> str:
    """Every metric the product shows, with its one-sentence definition (the catalogue)."""
    rows = []
    section = None
    for m in METRICS:
        if m.section != section:
            section = m.section
            rows.append(f"<tr><th colspan=2>{section.replace('_', ' ').capitalize()}</th></tr>")
        rows.append(f"<tr><td><b>{m.label}</b></td><td>{m.definition}</td></tr>")
    return ("<style>td{padding:3px 14px 3px 0;vertical-align:top;} "
            "th{text-align:left;padding-top:10px;}</style><table>" + "".join(rows) + "</table>")


def _scrolled(html: str, scale: float = 1.1) -> QScrollArea:
    label = QLabel(html)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    label.setContentsMargins(8, 4, 8, 4)
    f = label.font()
    f.setPointSizeF(f.pointSizeF() * scale)
    label.setFont(f)
    scroll = QScrollArea()
    scroll.setWidget(label)
    scroll.setWidgetResizable(True)
    return scroll

GESTURES = [
    ("Double-click empty canvas", "Add a stage there"),
    ("Double-click a stage's name", "Rename it"),
    ("Double-click a value (PT, Wait, LT, %C&A)", "Edit it in place: Tab next, Enter sets, "
                                                  "Esc cancels"),
    ("Drag from a stage's handle back upstream", "A rework loop (set its %rework)"),
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
    """Help (F1), non-modal and in large print: Guide, Metrics, Shortcuts tabs."""

    def __init__(self, actions: Iterable[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("vsm-app help")
        self.rows = shortcut_rows(actions)
        html = ["<style>td{padding:3px 14px 3px 0;} th{text-align:left;padding-top:10px;}"
                "kbd{font-family:monospace;font-weight:bold;}</style><table>",
                "<tr><th colspan=2>Keyboard</th></tr>"]
        html += [f"<tr><td><kbd>{k}</kbd></td><td>{t}</td></tr>" for k, t in self.rows]
        html.append("<tr><th colspan=2>Mouse</th></tr>")
        html += [f"<tr><td><b>{g}</b></td><td>{t}</td></tr>" for g, t in GESTURES]
        html.append("</table>")
        self.tabs = QTabWidget()
        self.tabs.setObjectName("helpTabs")
        self.tabs.addTab(_scrolled(GUIDE_HTML), "Guide")
        self.tabs.addTab(_scrolled(metrics_html()), "Metrics")
        self.tabs.addTab(_scrolled("".join(html), 1.15), "Shortcuts")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.tabs)
        lay.addWidget(buttons)
        self.resize(720, 680)

    def show_tab(self, name: str) -> None:
        """Bring the tab ``Guide``, ``Metrics`` or ``Shortcuts`` to the front."""
        for i in range(self.tabs.count()):
            if self.tabs.tabText(i) == name:
                self.tabs.setCurrentIndex(i)
