"""What every improvement dock shares: the context (window, measurement, project records),
better/worse colours, and a few small widgets.

Values read as everywhere else: through the metric catalogue's formatter
(:mod:`vsm_app.metrics.format`; rates' changes in percentage points).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QHeaderView,
    QLabel,
    QLayout,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)

from ...domain.improvement import AI_CAPABILITIES, SPACE_DIMENSIONS
from ...domain.model import Project, ValueStreamMap
from ...domain.numbers import finite as _finite
from ...metrics import format as fmt
from ...metrics.catalogue import metric
from .commands import records_changed

#: labels of the SPACE dimensions and the AI capabilities, for people (the metric catalogue's)
SPACE_LABELS: dict[str, str] = {d: metric(f"space.{d}").label for d in SPACE_DIMENSIONS}
AI_LABELS: dict[str, str] = {k: metric(f"ai.{k}").label for k in AI_CAPABILITIES}
STATUS_LABELS: dict[str, str] = {
    "proposed": "Proposed", "committed": "Committed", "in_progress": "In progress",
    "done": "Done", "dropped": "Dropped",
}


# -- formatting: through the metric catalogue (vsm_app.metrics.format) ---------------------------

def fmt_relative(relative: Any) -> str:
    """A relative change with its sign: ``+50 %``, ``−12 %`` (empty when unknown)."""
    r = _finite(relative)
    if r is None:
        return ""
    sign = "+" if r > 0 else fmt.MINUS if r < 0 else "±"
    return f"{sign}{fmt.percent(abs(r), 0)}"


def direction_arrow(delta: Any) -> str:
    d = _finite(delta)
    if d is None:
        return ""
    return "↑" if d > 0 else "↓" if d < 0 else "→"


def direction_text(direction: str | None, delta: Any, reason: str | None = None) -> str:
    """``↓ better``, ``↑ worse``, ``→ same``; ``not measured`` when a side is missing (the
    reason goes to the cell's tool tip)."""
    if direction is None:
        return "not measured" if reason else "—"
    return f"{direction_arrow(delta)} {direction}".strip()


def is_dark() -> bool:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return False
    return app.palette().color(QPalette.ColorRole.Base).lightness() < 128


def direction_color(direction: str | None) -> QColor:
    """Green for better, red for worse, grey for same or unknown (theme-aware)."""
    dark = is_dark()
    if direction in ("better", "met"):
        return QColor("#56d364" if dark else "#1a7f37")
    if direction in ("worse", "missed"):
        return QColor("#ff6b6b" if dark else "#c62828")
    return QColor("#a3adbd" if dark else "#5d6675")


def iso_week(d: date) -> str:
    """The ISO week label of a date (``2025-W07``)."""
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


# -- widgets -------------------------------------------------------------------------------------

def label(text: str = "", role: str | None = None, *, wrap: bool = True,
          name: str | None = None) -> QLabel:
    """A QLabel with a style role (``heading``, ``hint``, ``error``, ``figure``)."""
    lab = QLabel(text)
    if role:
        lab.setProperty("role", role)
    lab.setWordWrap(wrap)
    lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        lab.setObjectName(name)
    return lab


def make_dock(title: str, feature: str, body: QWidget, parent: QWidget | None = None,
              *, scroll: bool = True) -> QDockWidget:
    """A dock named ``dock.<feature>`` holding ``body`` (in a scroll area)."""
    dock = QDockWidget(title, parent)
    dock.setObjectName(f"dock.{feature}")
    if scroll:
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QScrollArea.Shape.NoFrame)
        area.setWidget(body)
        dock.setWidget(area)
    else:
        dock.setWidget(body)
    return dock


# -- the context ---------------------------------------------------------------------------------

class WhenShown(QObject):
    """Calls ``fn`` for each new measurement only while ``widget`` can be seen.

    A dock tabbed behind another (Qt keeps it "visible" but moves it off screen), closed, or
    a hidden dialog skips the work while the window is on screen, and does it once when it
    is next shown: a re-ingest of a big repository then costs the GUI thread only what the
    user can see. Before the window is shown (and in tests that never show it) every call
    runs at once.
    """

    def __init__(self, widget: QWidget, fn: Callable[[], Any], window: QWidget) -> None:
        super().__init__(widget)
        self._widget, self._fn, self._window = widget, fn, window
        self._dock: QDockWidget | None = None
        self.stale = False
        widget.installEventFilter(self)

    def seen(self) -> bool:
        w = self._widget
        return w.isVisible() and not w.visibleRegion().isEmpty()

    def __call__(self, *_args: Any) -> None:
        if self.seen() or not self._window.isVisible():
            self.stale = False
            self._fn()
            return
        self.stale = True
        self._follow_dock()

    def _follow_dock(self) -> None:
        """Tabs of a dock group are not shown and hidden, so listen to the dock itself."""
        if self._dock is not None:
            return
        p = self._widget.parentWidget()
        while p is not None and not isinstance(p, QDockWidget):
            p = p.parentWidget()
        if p is not None:
            self._dock = p
            p.visibilityChanged.connect(self._on_dock_visibility)

    def _on_dock_visibility(self, visible: bool) -> None:
        if visible and self.stale:
            self.stale = False
            self._fn()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and self.stale and obj is self._widget:
            self.stale = False
            self._fn()
        return False


class ImproveContext(QObject):
    """The window, its measurement and the open project, as the improvement docks see them.

    Signals
    -------
    project_changed(Project)
        Another project was opened; every dock re-reads everything.
    records_changed(str)
        A command changed a section of the records (``baselines``, ``items``, ``charter``,
        ``surveys``, ``ai_checks``), after redo or undo.
    maps_changed()
        A map was added or removed.
    result_changed(object)
        New metrics for the window (an ``AnalysisResult``).
    """

    project_changed = Signal(object)
    records_changed = Signal(str)
    maps_changed = Signal()
    result_changed = Signal(object)

    def __init__(self, window: Any, controller: Any, parent: QObject | None = None) -> None:
        super().__init__(parent if parent is not None else window)
        self.window = window
        self.controller = controller
        self._project: Project | None = None
        self._json_of: Any = None
        self._json: dict[str, Any] | None = None
        window.project_changed.connect(self._on_project)
        controller.result_changed.connect(self._on_result)
        window.destroyed.connect(lambda *_: self.detach())
        self._attach(window.project)

    # project ------------------------------------------------------------------------------
    @property
    def project(self) -> Project:
        return self.window.project

    def _attach(self, project: Project) -> None:
        if self._project is not None:
            records_changed(self._project).disconnect(self._emit_records)
            self._project.maps_changed.disconnect(self._emit_maps)
        self._project = project
        records_changed(project).connect(self._emit_records)
        project.maps_changed.connect(self._emit_maps)

    def detach(self) -> None:
        """Stop following the project (the window is closing)."""
        if self._project is not None:
            records_changed(self._project).disconnect(self._emit_records)
            self._project.maps_changed.disconnect(self._emit_maps)
            self._project = None

    def _emit_records(self, section: str) -> None:
        if shiboken6.isValid(self):  # the window may be gone while the project lives on
            self.records_changed.emit(section)

    def _emit_maps(self) -> None:
        if shiboken6.isValid(self):
            self.maps_changed.emit()

    def _on_project(self, project: Project) -> None:
        self._attach(project)
        self.project_changed.emit(project)
        # the measurement was dropped with the old project: what showed its result (the
        # "Constraint now" header) shows "not measured" until the new one is measured
        self.result_changed.emit(self.result)

    def push(self, command: Any) -> None:
        """One user edit: onto the window's one undo stack."""
        self.window.undo_stack.push(command)

    def status(self, text: str, ms: int = 5000) -> None:
        self.window.statusBar().showMessage(text, ms)

    # maps ------------------------------------------------------------------------------------
    def current_map(self) -> ValueStreamMap | None:
        m = self.window.current_map()
        if m is None and self.project.maps:
            return self.project.maps[0]
        return m

    def map_by_id(self, map_id: str | None) -> ValueStreamMap | None:
        return next((m for m in self.project.maps if m.id == map_id), None)

    def measured_map(self) -> ValueStreamMap | None:
        """The map whose bindings the measurement uses (else the current one)."""
        m = getattr(self.controller, "vsm_map", None)
        if m is not None and any(x is m for x in self.project.maps):
            return m
        return self.current_map()

    def stage_name(self, map_id: str | None, stage_id: str | None) -> str | None:
        m = self.map_by_id(map_id)
        if m is None or stage_id is None or not m.has_stage(stage_id):
            return None
        return m.stage(stage_id).name

    # measurement ----------------------------------------------------------------------------
    def _on_result(self, result: Any) -> None:
        self.result_changed.emit(result)

    def on_result_when_shown(self, widget: QWidget, fn: Callable[[], Any]) -> WhenShown:
        """``fn()`` after each new result while ``widget`` is visible, else when next shown."""
        call = WhenShown(widget, fn, self.window)
        self.result_changed.connect(call)
        return call

    @property
    def result(self) -> Any:
        return getattr(self.controller, "result", None)

    def result_json(self) -> dict[str, Any] | None:
        """``controller.result.to_json()`` (cached per result)."""
        r = self.result
        if r is None:
            return None
        if self._json_of is not r:
            self._json_of, self._json = r, r.to_json()
        return self._json

    def tables(self) -> Any:
        data = getattr(self.controller, "data", None)
        return data.tables if data is not None else None

    def period(self) -> str:
        return str(getattr(self.controller, "period", "week") or "week")

    def data_end(self) -> date | None:
        """The last day of the measured data, if any."""
        data = getattr(self.controller, "data", None)
        extent = data.extent if data is not None else None
        if not extent:
            return None
        return (extent[1] - pd.Timedelta(1, "ns")).date()


# -- tables --------------------------------------------------------------------------------------

class FitTable(QTableWidget):
    """A table that keeps its height fitted to its rows when its width changes (a scroll bar
    may come or go)."""

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            fit_table(self)


def make_table(headers: list[str], name: str, stretch: int = 0) -> QTableWidget:
    """A read-only, compact table whose column ``stretch`` takes the spare width and whose
    height fits its rows (call :func:`fit_table` after filling it)."""
    t = FitTable(0, len(headers))
    t.setObjectName(name)
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().hide()
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    t.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    t.setShowGrid(False)
    t.setAlternatingRowColors(True)
    t.setWordWrap(False)
    t.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    t.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    t.verticalHeader().setDefaultSectionSize(t.fontMetrics().height() + 8)
    hh = t.horizontalHeader()
    hh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    hh.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return t


def fit_table(table: QTableWidget) -> None:
    """Make the table exactly as tall as its header and rows (no inner scrolling)."""
    h = (table.horizontalHeader().sizeHint().height() + table.verticalHeader().length()
         + 2 * table.frameWidth())
    if table.horizontalScrollBarPolicy() != Qt.ScrollBarPolicy.ScrollBarAlwaysOff and \
            table.horizontalHeader().length() > table.viewport().width() > 0:
        h += table.horizontalScrollBar().sizeHint().height()
    table.setFixedHeight(h)


def fit_tree(tree: QTreeWidget, min_rows: int = 2, max_rows: int = 6) -> None:
    """Make a list as tall as its rows (between ``min_rows`` and ``max_rows``)."""
    n = max(min_rows, min(max_rows, tree.topLevelItemCount()))
    row = tree.sizeHintForRow(0) if tree.topLevelItemCount() else tree.fontMetrics().height() + 6
    tree.setFixedHeight(tree.header().sizeHint().height() + n * max(row, 18)
                        + 2 * tree.frameWidth() + 2)


def add_row(table: QTableWidget, texts: list[str], key: str = "",
            left: tuple[int, ...] = (0,)) -> int:
    """Append a row of texts (right-aligned numbers, except the ``left`` columns); returns
    its index."""
    r = table.rowCount()
    table.insertRow(r)
    for col, text in enumerate(texts):
        it = QTableWidgetItem(text)
        if col not in left:
            it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        it.setData(Qt.ItemDataRole.UserRole, key)
        table.setItem(r, col, it)
    return r


def set_direction_cell(table: QTableWidget, row: int, col: int, direction: str | None,
                       text: str, tooltip: str = "") -> None:
    """A cell coloured by ``direction`` (better green, worse red, else grey), bold when it
    is better or worse."""
    it = QTableWidgetItem(text)
    it.setForeground(QBrush(direction_color(direction)))
    f = it.font()
    f.setBold(direction in ("better", "worse", "met", "missed"))
    it.setFont(f)
    if tooltip:
        it.setToolTip(tooltip)
    key = table.item(row, 0).data(Qt.ItemDataRole.UserRole) if table.item(row, 0) else ""
    it.setData(Qt.ItemDataRole.UserRole, key)
    table.setItem(row, col, it)


def table_texts(table: QTableWidget) -> list[list[str]]:
    """Every cell's text, row by row (for tests and the privacy walk)."""
    return [[table.item(r, c).text() if table.item(r, c) else ""
             for c in range(table.columnCount())] for r in range(table.rowCount())]


class ValidatedDialog(QDialog):
    """A dialog whose OK builds a validated record; a ValueError is shown, not applied.

    Subclasses provide ``build()`` (raising ValueError with a message naming the field) and
    an ``error`` label; the record is kept in ``_result``.
    """

    error: QLabel
    build: Callable[[], Any]  # each subclass builds its own record
    _result: Any = None

    def lay_out(self, *parts: QWidget | QLayout, error_name: str) -> QVBoxLayout:
        """The dialog's column: ``parts`` (widgets or layouts) in order, then the error label
        (hidden until OK finds a problem; object name ``error_name``) and OK / Cancel."""
        self.error = label("", "error", name=error_name)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        for part in (*parts, self.error, buttons):
            if isinstance(part, QLayout):
                lay.addLayout(part)
            else:
                lay.addWidget(part)
        return lay

    def accept(self) -> None:
        try:
            self._result = self.build()
        except ValueError as e:
            self.error.setText(str(e))
            self.error.show()
            return
        super().accept()

