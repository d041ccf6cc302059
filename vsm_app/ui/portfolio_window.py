"""File ▸ Open portfolio: an ``analyze-many`` output folder, read-only (issue 21).

The folder is read in a worker (:func:`vsm_app.services.portfolio.open_portfolio`: the
summary checked, the tables read back, the whole and every group recomputed with the same
engine and the software-delivery stages). The window shows the comparison (the same
:class:`~vsm_app.ui.comparison.ComparisonView` as a project's dock) above the measured map of
the group chosen in it (double-click, or *Show on map*); nothing in the folder is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QGraphicsView,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from ..metrics import format as fmt
from ..render.canvas.scene import MapScene
from ..report.overlay import measured_ladder, stage_overlays, status_text
from .comparison import ComparisonView


class PortfolioWindow(QMainWindow):
    """One analyze-many folder: the comparison and each group's measured map."""

    def __init__(self, folder: str | Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("window.portfolio")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.folder = Path(folder)
        self.setWindowTitle(f"{self.folder.name} — portfolio (read-only) — vsm-app")
        self.loaded: Any = None
        self.focus = ""
        self.error = ""

        self.view = ComparisonView(self)
        self.view.drill.connect(self.show_group)
        self.map_title = QLabel(self)
        self.map_title.setObjectName("portfolio.map_title")
        self.map_status = QLabel(self)
        self.map_status.setWordWrap(True)
        self.scene: MapScene | None = None
        self.map_view = QGraphicsView(self)
        self.map_view.setRenderHints(QPainter.RenderHint.Antialiasing
                                     | QPainter.RenderHint.TextAntialiasing)
        self.map_view.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        lower = QWidget(self)
        lay = QVBoxLayout(lower)
        lay.setContentsMargins(4, 0, 4, 4)
        lay.addWidget(self.map_title)
        lay.addWidget(self.map_view, 1)
        lay.addWidget(self.map_status)
        self.split = QSplitter(Qt.Orientation.Vertical, self)
        self.split.addWidget(self.view)
        self.split.addWidget(lower)
        self.split.setStretchFactor(0, 1)
        self.split.setStretchFactor(1, 1)
        self.setCentralWidget(self.split)

        self.progress = QProgressBar(self)
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(240)
        self.cancel_button = QPushButton("Cancel", self)
        sb = QStatusBar(self)
        self.setStatusBar(sb)
        sb.addPermanentWidget(self.progress)
        sb.addPermanentWidget(self.cancel_button)
        self._task: Any = None
        self.resize(1280, 800)

    # -- loading ----------------------------------------------------------------------------
    def load(self) -> None:
        """Read the folder in a worker (progress and Cancel in the status bar)."""
        from ..services.portfolio import open_portfolio
        from .workers import Task

        folder = self.folder
        self.view.set_entries([], f"Reading {folder} …")
        task = Task(lambda progress, cancelled: open_portfolio(folder, progress, cancelled),
                    self)
        task.progress.connect(self._on_progress)
        task.finished.connect(self.set_loaded)
        task.failed.connect(self._on_failed)
        task.cancelled.connect(lambda: self._on_failed("Cancelled.", ""))
        self.cancel_button.clicked.connect(task.cancel)
        self._task = task
        task.start()

    def wait(self, timeout_ms: int = 120_000) -> None:
        if self._task is not None:
            self._task.wait(timeout_ms)

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(round(fraction * 100))
        self.statusBar().showMessage(message)

    def _done(self) -> None:
        self.progress.hide()
        self.cancel_button.hide()

    def _on_failed(self, message: str, details: str = "") -> None:
        self._done()
        self.error = message
        self.view.set_entries([], f"This folder cannot be opened as a portfolio: {message}")
        self.statusBar().showMessage(message)

    def set_loaded(self, loaded: Any) -> None:
        self._done()
        self.loaded = loaded
        s = loaded.summary
        n_repos = len(loaded.repositories)
        failed = sum(1 for r in s.get("repositories", []) if r.get("status") == "failed")
        when = s.get("generated_at", "")
        self.view.set_result(loaded.groups)
        # the table as tall as its rows (up to half the window), the map below
        t = self.view.table
        rows_h = t.horizontalHeader().height() + sum(t.rowHeight(r) for r in
                                                     range(t.model().rowCount()))
        top = min(rows_h + 130, self.height() // 2)
        self.split.setSizes([top, max(self.height() - top, 200)])
        head = self.view.title.text()
        extra = f" · {fmt.count(n_repos, 'repositories')}"
        if failed:
            extra += f" ({failed} failed in that run: not included)"
        self.view.title.setText(f"{head}{extra} · measured {fmt.date_text(when[:10])}"
                                if when else head + extra)
        self.statusBar().showMessage(f"{self.folder}: read-only", 0)
        self.show_group("")

    # -- the map ----------------------------------------------------------------------------
    def show_group(self, name: str) -> None:
        """The measured map of ``name`` (``""``: the whole)."""
        if self.loaded is None:
            return
        entry = self.view.entry(name) if name else None
        self.focus = name if entry is not None else ""
        result = entry.result if entry is not None else self.loaded.groups.whole
        m = self.loaded.vsm_map
        if self.scene is None:
            self.scene = MapScene(m)
            self.map_view.setScene(self.scene)
        overlays = stage_overlays(m, result)
        for item in self.scene.stage_items():
            o = overlays.get(item.model_id)
            if o is None:
                item.clear_overlay()
            else:
                item.set_overlay(o.text, o.heat_color, o.is_constraint, o.constraint_note)
                item.setToolTip(o.details)
        self.scene.set_measured_ladder(measured_ladder(m, result, overlays))
        self.scene.flush()
        self.map_view.fitInView(self.scene.content_rect(), Qt.AspectRatioMode.KeepAspectRatio)
        label = f"{self.focus} ({entry.row.kind})" if entry is not None else "the whole"
        self.map_title.setText(f"<b>Measured map: {label}</b> · "
                               f"{fmt.count(result.changes, 'changes')}, "
                               f"{fmt.count(result.deployments, 'deployments')}")
        self.map_status.setText(status_text(result))
        self.view.set_focus(self.focus)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self.scene is not None:
            self.map_view.fitInView(self.scene.content_rect(),
                                    Qt.AspectRatioMode.KeepAspectRatio)


def open_portfolio_window(parent: QWidget | None, folder: str | Path
                          ) -> PortfolioWindow | None:
    """A new portfolio window on ``folder``, shown and loading; a folder that is not a
    portfolio (or of another format) is an error message and no window."""
    from ..scale.portfolio import NotAPortfolio, read_summary
    from .dialogs import messages

    try:
        read_summary(Path(folder))
    except NotAPortfolio as e:
        messages.error(parent, "Open portfolio", str(e), trace="")
        return None
    w = PortfolioWindow(folder)
    if parent is not None:
        wins = getattr(parent, "_portfolio_windows", [])
        wins = [x for x in wins if x.isVisible()] + [w]
        parent._portfolio_windows = wins  # keep them alive while open
    w.show()
    w.load()
    return w


def choose_and_open(parent: QWidget) -> PortfolioWindow | None:
    """File ▸ Open portfolio…: choose an analyze-many output folder."""
    from PySide6.QtWidgets import QFileDialog

    folder = QFileDialog.getExistingDirectory(parent, "Open portfolio (an analyze-many "
                                                      "output folder)")
    if not folder:
        return None
    return open_portfolio_window(parent, folder)
