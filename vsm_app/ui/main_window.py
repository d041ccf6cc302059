"""The main window: maps as tabs, the properties and history docks, menus, files, autosave.

Structure (for the features that come next)
-------------------------------------------
- ``self.tabs``: one :class:`~vsm_app.ui.canvas.editor.MapEditor` per map of the project, in
  project order. ``editor_for(map_id)`` finds one; ``current_editor()`` is the visible one;
  ``current_map_changed(ValueStreamMap)`` fires when the tab changes.
- Docks: ``add_dock(dock, area)`` adds any QDockWidget (it needs an objectName so its place is
  remembered) and lists it in View ▸ Panels. Present: properties (right), history (right).
- Overlay per stage: ``editor_for(map_id).scene.stage_item(stage_id).set_overlay(text,
  heat_color, is_constraint)``.
- ``self.document``: the :class:`~vsm_app.ui.document.ProjectDocument`, the one owner of the
  project, its path, the undo stack (``self.undo_stack``, one for every edit in every map),
  the modified state and autosave; the window asks it and shows what it says (a save marks
  the stack clean and the title's modified marker follows its clean state).

The measured stream
-------------------
- ``self.measure``: the one :class:`~vsm_app.ui.measure.MeasurementController` of the window.
  It follows the open project (``set_project``) and the map on screen (``set_map`` through
  ``self.overlay``); a project with data sources is ingested as soon as it is shown.
- ``self.sources``: the data sources dock (add, remove, re-ingest, progress and Cancel).
- ``self.overlay``: paints the controller's result on the current map (labels, heat,
  constraint, measured ladder); View ▸ Show measured overlay switches it.
- ``self.window_bar``: the window (range slider, quick buttons) and period of the measurement.
- The status bar shows ingest progress and the plain-language constraint sentence.
- The dashboards (``docks/dashboards.install_dashboards``) and the exports
  (``dialogs/export_dialog.install_export_actions``) are installed on the same controller.

Start-up
--------
``MainWindow(complete=False)`` builds only the editor (tabs, properties, history, menus,
toolbar): the app shows that first and calls :meth:`MainWindow.complete` from the event loop,
which imports and builds the measured stream (pandas, the git reader, charts) behind the
visible window and then measures. ``complete=True`` (the default) builds everything at once.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QDeadlineTimer, QEventLoop, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDockWidget,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QSizePolicy,
    QTabBar,
    QTabWidget,
    QToolBar,
    QToolButton,
    QUndoView,
    QWidget,
)

from ..domain.model import Project, ProjectSettings, ValueStreamMap
from ..domain.templates import software_delivery
from ..metrics import format as fmt
from ..report.data import ladder_totals
from ..storage.project_file import ProjectFileError
from . import settings
from .canvas.editor import MapEditor, release_clipboard
from .commands import AddMapCommand, RemoveMapCommand, RenameMapCommand
from .dialogs import messages
from .dialogs.cheatsheet import CheatSheetDialog
from .dialogs.item_settings import edit_item_settings
from .docks.properties import PropertiesDock
from .document import ProjectDocument
from .icons import icon
from .layouts import LAYOUTS, PanelBar, first_arrangement
from .theme import THEMES, apply_theme, canvas_colors
from .workers import Task

if TYPE_CHECKING:  # imported by complete(): they load pandas and the git reader
    from .dialogs.bindings import BindingsDialog
    from .docks.sources import SourcesDock
    from .measure import MeasurementController
    from .overlay import MeasuredOverlay
    from .window_bar import WindowBar

log = logging.getLogger(__name__)

APP_TITLE = "vsm-app"


class ElidedLabel(QLabel):
    """A one-line label that elides what does not fit (the full text in its tooltip)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(40)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt name)
        super().setText(text)
        self.setToolTip(text)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        r = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, r.width())
        p.setPen(self.palette().windowText().color())
        p.drawText(r, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)


class PartsLabel(QLabel):
    """A one-line label of figures joined by a separator that, when narrow, drops the less
    important ones (the whole text stays its ``text()`` and its tooltip): a status bar at
    150 % scaling shows the lead time rather than overlapping its neighbours."""

    SEP = "   ·   "

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._parts: list[str] = []
        self._priority: list[int] = []

    def set_parts(self, parts: list[str], priority: list[int] | None = None) -> None:
        """``parts`` in reading order; ``priority`` their indices, most important first
        (default: reading order)."""
        self._parts = list(parts)
        self._priority = list(priority) if priority is not None else list(range(len(parts)))
        super().setText(self.SEP.join(parts))
        self.setToolTip(self.text())
        self.updateGeometry()

    def shown_text(self, width: int | None = None) -> str:
        """What fits in ``width`` (the label's own by default): the most important parts."""
        room = self.contentsRect().width() if width is None else width
        fm = self.fontMetrics()
        keep: set[int] = set()
        for i in self._priority:
            trial = self.SEP.join(p for j, p in enumerate(self._parts) if j in keep | {i})
            if fm.horizontalAdvance(trial) > room:
                break
            keep.add(i)
        return self.SEP.join(p for j, p in enumerate(self._parts) if j in keep)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        hint = super().minimumSizeHint()
        first = self._parts[self._priority[0]] if self._parts else ""
        m = self.contentsMargins()
        return QSize(self.fontMetrics().horizontalAdvance(first) + m.left() + m.right() + 2,
                     hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self._parts:
            super().paintEvent(event)
            return
        p = QPainter(self)
        p.setPen(self.palette().windowText().color())
        p.drawText(self.contentsRect(), int(Qt.AlignmentFlag.AlignLeft
                                            | Qt.AlignmentFlag.AlignVCenter),
                   self.shown_text())


def describe_load_error(e: ProjectFileError) -> tuple[str, str]:
    """Text and details of a message box for a project that cannot be opened."""
    name = Path(e.path).name if e.path else "the project"
    text = f"Cannot open {name}."
    details = [f"File: {e.path}"] if e.path else []
    if e.where:
        details.append(f"Where: {e.where}")
    details.append(f"Problem: {e.message}")
    details.append("The file was not changed.")
    return text, "\n".join(details)


class MainWindow(QMainWindow):
    """The application window for one project.

    Signals
    -------
    current_map_changed(ValueStreamMap)
        The visible tab changed.
    project_changed(Project)
        Another project was opened (new, open, recover).
    """

    current_map_changed = Signal(object)
    project_changed = Signal(object)

    def __init__(self, project: Project | None = None, path: str | Path | None = None,
                 parent: QWidget | None = None, *, complete: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.theme = settings.get(settings.THEME)
        if self.theme not in THEMES:
            self.theme = "light"
        # the file logic: project, path, undo stack, modified state, autosave
        self.document = ProjectDocument(
            self, autosave_interval_s=settings.get(settings.AUTOSAVE_INTERVAL_S))
        self.undo_stack = self.document.undo_stack
        self.undo_stack.cleanChanged.connect(self._update_title)
        self.undo_stack.indexChanged.connect(self._on_stack_index)
        self.document.autosave_failed.connect(
            lambda why: self.statusBar().showMessage(f"Autosave failed: {why}", 8000))
        self._editors: dict[str, MapEditor] = {}
        self._map_slots: dict[str, Any] = {}
        self._presentation_state: QByteArray | None = None
        self._was_maximized = False
        self._cheatsheet: CheatSheetDialog | None = None
        self.actions_by_name: dict[str, QAction] = {}
        self.bindings_dialog: BindingsDialog | None = None
        self.ingest_error_box: QMessageBox | None = None
        self._about: QWidget | None = None
        self._log_dialog: QWidget | None = None
        # the measured stream (built by complete()): one controller, observed by the panels,
        # the map and the charts
        self._complete = False
        self._measure_on_complete = False
        self.measure: MeasurementController
        self.sources: SourcesDock
        self.overlay: MeasuredOverlay
        self.window_bar: WindowBar

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setObjectName("mapTabs")
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.tabs.tabBarDoubleClicked.connect(self._rename_map_at)
        self.setCentralWidget(self.tabs)

        self.properties = PropertiesDock(self.undo_stack, self)
        self.properties.bind_requested.connect(self.edit_bindings)
        self.history = QDockWidget("History", self)
        self.history.setObjectName("dock.history")
        self.undo_view = QUndoView(self.undo_stack)
        self.undo_view.setEmptyLabel("Opened project")
        self.history.setWidget(self.undo_view)
        self._panels_menu: QMenu | None = None
        #: the layout on screen (map, analyse; "" until one is chosen) and the side bar
        self.layout_name = ""
        self.panel_bar = PanelBar(self)

        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_statusbar()
        self.addToolBar(Qt.ToolBarArea.RightToolBarArea, self.panel_bar)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.properties)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.history)
        self.resizeDocks([self.properties, self.history], [560, 200], Qt.Orientation.Vertical)
        self.resizeDocks([self.properties], [330], Qt.Orientation.Horizontal)
        for dock in (self.properties, self.history):
            self._add_panel_action(dock)
        # the right column runs the full height; panels added at the bottom sit under the map
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        if complete:
            self._build_measured()

        self.resize(1280, 800)
        self.restore_layout()
        self.set_project(project or Project("Untitled", [ValueStreamMap()]), path)
        if complete:
            self._install_extensions()
            self._take_remembered_layout()
            self._complete = True

    # -- the document (vsm_app.ui.document) ---------------------------------------------------------
    @property
    def project(self) -> Project:
        return self.document.project

    @property
    def path(self) -> Path | None:
        return self.document.path

    @property
    def autosave_timer(self) -> QTimer:
        return self.document.autosave_timer

    def is_complete(self) -> bool:
        """Whether the measured stream and the extensions are built (see :meth:`complete`)."""
        return self._complete

    def complete(self) -> None:
        """Build the measured stream and the extensions of a window made with
        ``complete=False`` (idempotent), then measure the project if it has data sources.

        The docks built now take the places remembered from the last session.
        """
        if self._complete:
            return
        self._build_measured()
        self._install_extensions()
        # docks and toolbars added to a visible window stay hidden until shown: show them, as
        # a window built at once shows every one; a remembered layout then hides what the
        # user had closed
        presenting = self.is_presenting()  # F5 pressed before this ran: panels stay hidden
        for w in (*self.findChildren(QDockWidget), *self.findChildren(QToolBar)):
            if w.parent() is self and not presenting:
                w.show()
        state = settings.get(settings.WINDOW_STATE)
        if presenting:
            pass  # leaving presentation mode restores the layout saved when it began
        elif not state.isEmpty():
            self.restoreState(state)  # the new docks take their remembered places
        else:
            self.sources.raise_()
            self._first_start_layout()
        self._take_remembered_layout()
        self._complete = True
        self._attach_measurement(measure=self._measure_on_complete)
        m = self.current_map()
        if m is not None:
            self.current_map_changed.emit(m)

    def _build_measured(self) -> None:
        """The measurement controller, the data sources dock, the overlay, the window bar and
        their actions and menu entries."""
        from .docks.sources import SourcesDock
        from .measure import MeasurementController
        from .overlay import MeasuredOverlay

        self.measure = MeasurementController(self)
        self.measure.undo_stack = self.undo_stack  # window and period: undoable, saved
        self.sources = SourcesDock(self.measure, self.undo_stack, self)
        self.overlay = MeasuredOverlay(self, self.measure)
        self._build_measured_actions()
        A = self.actions_by_name
        for n in ("add_repository", "add_files", "add_tracker_files", "edit_source", None,
                  "measurement_settings", "item_settings", "item_journey", None, "reingest",
                  "cancel_ingest"):
            if n is None:
                self.data_menu.insertSeparator(self._data_menu_end)
            else:
                self.data_menu.insertAction(self._data_menu_end, A[n])
        for n in ("show_measured", "measured_ladder"):
            self.view_menu.insertAction(self._view_measured_end, A[n])
        self.map_menu.addSeparator()
        self.map_menu.addAction(A["bind_stages"])
        self.add_dock(self.sources, Qt.DockWidgetArea.RightDockWidgetArea)
        self.splitDockWidget(self.properties, self.sources, Qt.Orientation.Vertical)
        self.tabifyDockWidget(self.sources, self.history)
        self.sources.raise_()
        self.resizeDocks([self.properties, self.sources], [470, 290], Qt.Orientation.Vertical)
        self._build_window_bar()
        self._connect_measurement()

    # -- actions -----------------------------------------------------------------------------------
    def _act(self, name: str, text: str, slot: Any, shortcut: Any = None, icon_name: str = "",
             tip: str = "", checkable: bool = False) -> QAction:
        a = QAction(text, self)
        a.setObjectName(f"action.{name}")
        if shortcut is not None:
            if isinstance(shortcut, list):
                a.setShortcuts([QKeySequence(s) for s in shortcut])
            else:
                a.setShortcut(QKeySequence(shortcut))
        if icon_name:
            a.setIcon(icon(icon_name, self._icon_color()))
            a.setProperty("icon_name", icon_name)
        if tip:
            a.setStatusTip(tip)
            a.setToolTip(f"{text.replace('&', '').rstrip('.…')}"
                         f"{' (' + a.shortcut().toString() + ')' if shortcut else ''}\n{tip}")
        a.setCheckable(checkable)
        if checkable:
            a.toggled.connect(slot)
        else:
            a.triggered.connect(lambda _=False: slot())
        self.addAction(a)
        self.actions_by_name[name] = a
        return a

    def _icon_color(self) -> str:
        return "#e8ecf2" if self.theme == "dark" else "#2d3a4f"

    def _ed(self, method: str, *args: Any) -> Any:
        ed = self.current_editor()
        if ed is None:
            return None
        return getattr(ed, method)(*args)

    def _build_actions(self) -> None:
        K = QKeySequence.StandardKey
        a = self._act
        a("new", "&New project", self.new_project, K.New, "new", "An empty project")
        a("new_from_template", "New from &template (software delivery)", self.new_from_template)
        a("open", "&Open…", self.open_project, K.Open, "open")
        a("save", "&Save", self.save, K.Save, "save")
        a("save_as", "Save &as…", self.save_as, "Ctrl+Shift+S")
        a("project_properties", "Project &properties…",
          lambda: self.properties.focus_project_name(),
          tip="The project's name (exports and reports carry it)")
        a("quit", "&Quit", self.close, "Ctrl+Q")
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence("Ctrl+Z"))
        undo.setIcon(icon("undo", self._icon_color()))
        undo.setProperty("icon_name", "undo")
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        redo.setIcon(icon("redo", self._icon_color()))
        redo.setProperty("icon_name", "redo")
        for name, act in (("undo", undo), ("redo", redo)):
            self.addAction(act)
            self.actions_by_name[name] = act
        a("add_stage", "Add &stage", lambda: self._ed("add_stage_at_cursor"), "N", "stage-add",
          "Add a stage under the mouse (or right of the last one) and name it")
        a("rename", "&Rename", lambda: self._ed("start_rename"), "F2")
        a("connect", "&Connect selected", lambda: self._ed("connect_selected"), "C", "connect",
          "Connect the selected stages left to right")
        a("delete", "&Delete", lambda: self._ed("delete_selected"),
          [QKeySequence(K.Delete), QKeySequence("Backspace")], "delete",
          "Delete the selection; a stage's flows go with it")
        a("select_all", "Select &all", lambda: self._ed("select_all"), K.SelectAll)
        a("copy", "&Copy", lambda: self._ed("copy_selected"), K.Copy, "copy")
        a("cut", "Cu&t", self.cut, K.Cut)
        a("paste", "&Paste", lambda: self._ed("paste"), K.Paste, "paste")
        a("duplicate", "D&uplicate", lambda: self._ed("duplicate_selected"), "Ctrl+D")
        a("add_kaizen", "Add &kaizen burst", lambda: self._ed("add_kaizen"), "K", "kaizen",
          "An improvement idea (linked to the selected stage)")
        a("add_note", "Add sticky &note", lambda: self._ed("add_note"), "S", "note")
        a("quick_entry", "&Quick entry", self.focus_quick_entry, "Ctrl+L")
        a("find_stage", "&Find stage…", self.find_stage, K.Find,
          tip="Select a stage by (part of) its name and show it")
        a("align_left", "Align &left", lambda: self._ed("align", "left"), None, "align-left")
        a("align_top", "Align &top", lambda: self._ed("align", "top"), None, "align-top")
        a("align_center", "Align &centres (same x)", lambda: self._ed("align", "center"))
        a("align_middle", "Align &middles (same y)", lambda: self._ed("align", "middle"))
        a("distribute_h", "Distribute &horizontally", lambda: self._ed("distribute",
                                                                      "horizontal"),
          None, "distribute-h")
        a("distribute_v", "Distribute &vertically", lambda: self._ed("distribute", "vertical"),
          None, "distribute-v")
        a("auto_layout", "Auto-&layout left to right", lambda: self._ed("auto_layout"),
          "Ctrl+Shift+L", "layout", "Arrange the stages from the flows")
        a("zoom_in", "Zoom &in", lambda: self._view("zoom_in"), ["Ctrl++", "Ctrl+="], "zoom-in")
        a("zoom_out", "Zoom &out", lambda: self._view("zoom_out"), "Ctrl+-", "zoom-out")
        a("zoom_reset", "Actual size (100 %)", lambda: self._view("reset_zoom"), "Ctrl+1")
        a("fit", "&Fit whole map", lambda: self._view("fit_whole_map"), "Ctrl+0", "zoom-fit",
          "The whole map in view, however small its text (F6 shows it legibly again)")
        a("snap", "Snap to &grid", self.set_snap, "Ctrl+G", checkable=True)
        a("presentation", "&Presentation mode", self.set_presentation, "F5", "presentation",
          "Full screen, large text, no panels (Esc leaves)", checkable=True)
        for name in ("map", "analyse"):
            lay = LAYOUTS[name]
            a(f"layout_{name}", lay.title, lambda n=name: self.set_layout(n), lay.shortcut,
              tip=lay.tip).setCheckable(True)
        a("present_dashboards", "Present the &dashboards", lambda: self.present_dashboards(),
          "Shift+F5", tip="Full screen: the constraint, DORA and flow dashboards")
        a("present_stage", "Present the selected &stage", lambda: self.present_stage(),
          "Ctrl+F5", tip="Full screen: the stage zoomed in, its measured detail under it")
        a("zoom_stage", "&Zoom to the selected stage", lambda: self.zoom_to_stage(), "Z",
          tip="The stage and its neighbours fill the view (Ctrl+0 fits the map)")
        a("leave_presentation", "Leave presentation mode",
          lambda: self.set_presentation(False), "Esc")
        self.actions_by_name["leave_presentation"].setEnabled(False)
        a("new_map", "New &map", self.new_map, "Ctrl+T")
        a("future_state", "Duplicate as &future state", self.duplicate_as_future_state,
          "Ctrl+Shift+D", "future", "Copy this map into a new future-state tab")
        a("rename_map", "Rena&me map…", lambda: self._rename_map_at(self.tabs.currentIndex()))
        a("delete_map", "De&lete map", self.delete_current_map)
        a("cheatsheet", "&Help: guide, metrics, shortcuts", self.show_cheatsheet, "F1", "help",
          "What a value stream map is, how to run the workshop, what each metric means, "
          "and every shortcut")
        a("toggle_theme", "Toggle light/dark theme",
          lambda: self.set_theme("dark" if self.theme == "light" else "light"),
          "Ctrl+Shift+T", "theme")
        self.actions_by_name["snap"].setChecked(settings.get(settings.SNAP_TO_GRID))
        a("about", "&About vsm-app", self.show_about, tip="Version, folders and licence")
        a("show_log", "Show &log", self.show_log,
          tip="The application's log (what it did, and the details of any error)")
        a("clear_cache", "Clear &cache…", self.clear_cache,
          tip="Delete the cached git histories (they are rebuilt on the next ingest)")

    def _build_measured_actions(self) -> None:
        a = self._act
        a("show_measured", "Show &measured overlay", self.overlay.set_show_measured, "Ctrl+M",
          tip="Measured medians, heat by wait share and the constraint on the map",
          checkable=True)
        a("measured_ladder", "Measured timeline &ladder", self.overlay.set_measured_ladder,
          "Ctrl+Shift+M", tip="The ladder shows measured medians instead of the estimates",
          checkable=True)
        self.actions_by_name["show_measured"].setIconText("Show measured")
        for n in ("show_measured", "measured_ladder"):
            self.actions_by_name[n].setChecked(True)
        a("bind_stages", "&Bind stages to data…", self.edit_bindings, "Ctrl+B",
          tip="Which measured spans of a change each stage stands for")
        a("item_journey", "Item &journey…", self.show_item_journey, "Ctrl+J",
          tip="One work item across the stages: its tracker statuses, then its changes' "
              "events (issue tracker exports loaded as data sources)")
        a("item_settings", "Work &item settings…", lambda: edit_item_settings(self),
          tip="Issue types → kinds of work, and the statuses where flow time starts")
        a("measurement_settings", "Measurement &settings…", self.edit_measurement_settings,
          tip="Production environments, release tags and deploy jobs: how deployments are "
              "recognised")
        # the guided set-up (issue 17 item 6): first in the Data menu, and the empty sources
        def guide() -> None:
            from .dialogs.measure_wizard import open_measure_wizard

            open_measure_wizard(self)

        wizard = a("measure_wizard", "M&easure this map…", guide, "Ctrl+Alt+M",
                   tip="Guided: repository, exports, the events the data holds, and bindings "
                       "proposed for each stage")
        self.data_menu.insertAction(self._data_menu_end, wizard)
        self.data_menu.insertSeparator(self._data_menu_end)
        self.sources.guide_requested.connect(wizard.trigger)
        for act in (self.sources.add_repository_action, self.sources.add_files_action,
                    self.sources.add_tracker_files_action,
                    self.sources.edit_action, self.sources.reingest_action,
                    self.sources.cancel_action):
            self.addAction(act)  # Ctrl+R works wherever the focus is
            self.actions_by_name[act.objectName().removeprefix("action.")] = act

    def _fit_current(self) -> None:
        self._view("fit_to_view")

    def _view(self, method: str) -> None:
        ed = self.current_editor()
        if ed is not None:
            getattr(ed.view, method)()

    def _build_menus(self) -> None:
        A = self.actions_by_name
        mb = self.menuBar()
        f = mb.addMenu("&File")
        f.setObjectName("menu_file")
        for n in ("new", "new_from_template", "open"):
            f.addAction(A[n])
        self.recent_menu = f.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        f.addSeparator()
        for n in ("save", "save_as", None, "project_properties"):
            f.addSeparator() if n is None else f.addAction(A[n])
        f.addSeparator()
        f.addAction(A["quit"])
        e = mb.addMenu("&Edit")
        for n in ("undo", "redo", None, "add_stage", "rename", "connect", "delete", None,
                  "add_kaizen", "add_note", "quick_entry", "find_stage", None, "cut", "copy",
                  "paste",
                  "duplicate", "select_all"):
            e.addSeparator() if n is None else e.addAction(A[n])
        ar = mb.addMenu("&Arrange")
        for n in ("auto_layout", None, "align_left", "align_top", "align_center",
                  "align_middle", None, "distribute_h", "distribute_v"):
            ar.addSeparator() if n is None else ar.addAction(A[n])
        m = mb.addMenu("&Map")
        for n in ("new_map", "future_state", "rename_map", "delete_map"):
            m.addAction(A[n])
        self.map_menu = m
        d = mb.addMenu("&Data")
        self.data_menu = d
        # the measured stream's entries go before this separator (complete())
        self._data_menu_end = d.addSeparator()
        d.addAction(A["clear_cache"])
        v = mb.addMenu("&View")
        self.view_menu = v
        for n in ("layout_map", "layout_analyse", "presentation", "present_dashboards",
                  "present_stage", None):
            v.addSeparator() if n is None else v.addAction(A[n])
        for n in ("zoom_in", "zoom_out", "zoom_reset", "fit", "zoom_stage", None, "snap",
                  None):
            v.addSeparator() if n is None else v.addAction(A[n])
        self._view_measured_end = v.addSeparator()
        theme_menu = v.addMenu("&Theme")
        group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for t in THEMES:
            ta = theme_menu.addAction(t.capitalize())
            ta.setCheckable(True)
            ta.setChecked(t == self.theme)
            ta.triggered.connect(lambda _=False, t=t: self.set_theme(t))
            group.addAction(ta)
            self.theme_actions[t] = ta
        theme_menu.addAction(A["toggle_theme"])
        self._panels_menu = v.addMenu("&Panels")
        h = mb.addMenu("&Help")
        self.help_menu = h
        for n in ("cheatsheet", "show_log", None, "about"):
            h.addSeparator() if n is None else h.addAction(A[n])

    def _build_toolbar(self) -> None:
        A = self.actions_by_name
        tb = QToolBar("Main toolbar", self)
        tb.setObjectName("toolbar.main")
        tb.setMovable(False)
        for n in ("open", "save", None, "undo", "redo", None, "add_stage", "connect",
                  "add_kaizen", "add_note", "delete", None):
            tb.addSeparator() if n is None else tb.addAction(A[n])
        self.quick_entry = QLineEdit()
        self.quick_entry.setObjectName("quickEntry")
        self.quick_entry.setPlaceholderText("Quick entry: stage name + Enter")
        self.quick_entry.setToolTip("Type a stage name and press Enter: it is added right of "
                                    "the selected (or last) stage and connected to it (Ctrl+L)")
        self.quick_entry.setMaximumWidth(260)
        self.quick_entry.returnPressed.connect(self._quick_entry_done)
        tb.addWidget(self.quick_entry)
        tb.addSeparator()
        for n in ("auto_layout", "fit", "future_state", "presentation"):
            tb.addAction(A[n])
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        for n in ("add_stage", "connect", "presentation"):
            w = tb.widgetForAction(A[n])
            if isinstance(w, QToolButton):
                w.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(tb)
        self.main_toolbar = tb

    def _build_statusbar(self) -> None:
        sb = self.statusBar()
        self.metrics_label = PartsLabel()
        self.metrics_label.setObjectName("metricsLabel")
        self.zoom_label = QLabel("Zoom 100 %")
        self.zoom_label.setMinimumWidth(90)
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.constraint_label = ElidedLabel()
        self.constraint_label.setObjectName("constraintLabel")
        sb.addWidget(self.constraint_label, 1)
        # a temporary message replaces the sentence (Qt re-shows normal widgets on relayout)
        sb.messageChanged.connect(lambda text: self.constraint_label.setVisible(not text))
        self.ingest_progress = QProgressBar()
        self.ingest_progress.setObjectName("statusIngestProgress")
        self.ingest_progress.setRange(0, 1000)
        self.ingest_progress.setMaximumWidth(160)
        self.ingest_progress.setFormat("Ingest %p %")
        self.ingest_cancel = QToolButton()
        self.ingest_cancel.setText("Cancel")
        self.ingest_cancel.setToolTip("Stop the ingest; the previous measurement stays")
        self.ingest_cancel.clicked.connect(lambda _=False: self.sources.cancel())
        for w in (self.ingest_progress, self.ingest_cancel):
            # keep their room while hidden: showing them must not re-lay out the window
            # (that repaints every chart and stalled the GUI during a re-ingest)
            policy = w.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            w.setSizePolicy(policy)
            sb.addPermanentWidget(w)
            w.hide()
        sb.addPermanentWidget(self.metrics_label)
        # part of the map is off screen (a legible fit of a long stream): say so; a click
        # fits the whole map
        # (a label, as tall as the others: showing it must not resize the canvas)
        self.map_more_label = QLabel()
        self.map_more_label.setObjectName("mapMoreLabel")
        self.map_more_label.setTextFormat(Qt.TextFormat.RichText)
        self.map_more_label.setToolTip("Part of the map is off screen: scroll sideways "
                                        "(Shift+wheel) or move with the arrow keys; Ctrl+0 "
                                        "fits the whole map")
        self.map_more_label.linkActivated.connect(lambda _l: self._view("fit_whole_map"))
        self.map_more_label.hide()
        sb.addPermanentWidget(self.map_more_label)
        sb.addPermanentWidget(self.zoom_label)

    # -- docks (extension point) ----------------------------------------------------------------------
    def _add_panel_action(self, dock: QDockWidget) -> None:
        if self._panels_menu is not None:
            self._panels_menu.addAction(dock.toggleViewAction())
        self.panel_bar.add_panel(dock)

    def add_dock(self, dock: QDockWidget,
                 area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea,
                 tabify_with: QDockWidget | None = None) -> QDockWidget:
        """Add a feature's dock; it is listed in View ▸ Panels and in the side bar, and its
        place is remembered.

        The dock must have an objectName (``dock.<feature>``) for saveState/restoreState.
        Its side-bar label, group and order come from ``layouts.register_panel`` (call it
        once, next to the dock's class); see :mod:`vsm_app.ui.layouts`.
        """
        if not dock.objectName():
            raise ValueError("a dock needs an objectName so the window layout can be restored")
        self.addDockWidget(area, dock)
        if tabify_with is not None:
            self.tabifyDockWidget(tabify_with, dock)
        self.restoreDockWidget(dock)
        self._add_panel_action(dock)
        return dock

    # -- the measured stream --------------------------------------------------------------------
    def _build_window_bar(self) -> None:
        tb = QToolBar("Measured window", self)
        tb.setObjectName("toolbar.window")
        tb.setMovable(False)
        tb.setAllowedAreas(Qt.ToolBarArea.BottomToolBarArea | Qt.ToolBarArea.TopToolBarArea)
        from .window_bar import WindowBar

        self.window_bar = WindowBar(self.measure, self.actions_by_name["show_measured"])
        tb.addWidget(self.window_bar)
        self.addToolBar(Qt.ToolBarArea.BottomToolBarArea, tb)
        self.window_toolbar = tb
        if self._panels_menu is not None:
            toggle = tb.toggleViewAction()
            toggle.setText("Window bar")
            self._panels_menu.addAction(toggle)

    def _connect_measurement(self) -> None:
        c = self.measure
        c.progress.connect(self._on_ingest_progress)
        c.measured.connect(self._on_measured)
        c.result_changed.connect(self._on_result)
        c.failed.connect(self._on_measure_failed)
        c.cancelled.connect(self._on_ingest_cancelled)
        c.busy.connect(lambda busy: None if busy else self._hide_ingest_progress())
        self.current_map_changed.connect(self.overlay.follow_map)
        self.sources.cleared.connect(self._on_measurement_cleared)

    def _install_extensions(self) -> None:
        """Dashboards, exports and the improvement loop, on this window's measurement."""
        from .dialogs.export_dialog import install_export_actions
        from .docks.dashboards import install_dashboards
        from .improve import install_improvement

        install_dashboards(self, self.measure)
        from .docks.look_ahead import install_look_ahead
        install_look_ahead(self, self.measure)  # issue 19: tabbed with the flow dashboard
        install_export_actions(self, measurement_controller=self.measure)
        # the improvement loop sits behind the properties, as tabs of the one right column
        improvement = install_improvement(self, self.measure,
                                          area=Qt.DockWidgetArea.RightDockWidgetArea,
                                          full_height=False, tabify_with=self.properties)
        # "Show baseline beside now": the map overlay and the DORA tiles show it
        improvement.baseline_shown.connect(self.overlay.set_baseline)
        improvement.baseline_shown.connect(self.dashboards.set_baseline)
        # participants on their own devices: Workshop menu, inbox behind the properties
        from .workshop_host import install_workshop_host
        install_workshop_host(self, tabify_with=self.properties)
        # groups side by side, Data ▸ Groups…, File ▸ Open portfolio… (issue 21)
        from .groups_menu import install_comparison
        install_comparison(self, self.measure)
        if settings.get(settings.WINDOW_STATE).isEmpty():
            self._first_start_layout()

    def _fit_analyse(self) -> None:
        """The analyse layout's first sizes for this window: the charts under the map take
        two fifths of the height, the right column at most a third of the width; on a small
        window (or a scaled display) the constraint and the stage detail share one place."""
        docks = {d.objectName(): d for d in self.findChildren(QDockWidget)}
        constraint, detail = docks.get("dock.constraint"), docks.get("dock.stage_detail")
        if constraint is not None and detail is not None and self.width() < 1600 \
                and detail not in self.tabifiedDockWidgets(constraint):
            self.tabifyDockWidget(constraint, detail)
            constraint.raise_()
        bottom = [d for d in docks.values() if d.isVisible() and not d.isFloating()
                  and self.dockWidgetArea(d) == Qt.DockWidgetArea.BottomDockWidgetArea]
        if bottom:
            self.resizeDocks(bottom, [round(self.height() * 0.40)] * len(bottom),
                             Qt.Orientation.Vertical)
        right = [d for d in (self.properties, getattr(self, "sources", None))
                 if d is not None and d.isVisible()]
        if right:
            self.resizeDocks(right, [min(360, round(self.width() * 0.3))] * len(right),
                             Qt.Orientation.Horizontal)

    def _take_remembered_layout(self) -> None:
        """The layout the user chose last time (its docks came back with the window state)."""
        name = settings.get(settings.LAYOUT)
        if name in settings.LAYOUT_STATES:
            self.layout_name = name
            for n in ("map", "analyse"):
                self.actions_by_name[f"layout_{n}"].setChecked(n == name)

    def _first_start_layout(self) -> None:
        """No remembered layout: the map keeps most of the room, one panel column on the
        right (properties in front, the improvement loop tabbed behind it), the charts under
        the map with the constraint in front."""
        docks = {d.objectName(): d for d in self.findChildren(QDockWidget)}
        props = docks.get("dock.properties")
        if props is not None:
            props.raise_()
        constraint, detail = docks.get("dock.constraint"), docks.get("dock.stage_detail")
        if constraint is not None and detail is not None and self.width() < 1600:
            self.tabifyDockWidget(constraint, detail)  # too narrow to sit side by side
            constraint.raise_()
        bottom = [d for d in self.findChildren(QDockWidget)
                  if self.dockWidgetArea(d) == Qt.DockWidgetArea.BottomDockWidgetArea
                  and not d.isFloating()]
        if bottom:
            self.resizeDocks(bottom, [round(self.height() * 0.36)] * len(bottom),
                             Qt.Orientation.Vertical)

    def start_measuring(self) -> None:
        """Ingest the project's data sources (in a worker); nothing without sources. An
        ingest of the previous project still winding down is cancelled first."""
        if not self._complete:
            self._measure_on_complete = True  # complete() measures
            return
        self.sources.request_ingest(restart=True)

    def show_item_journey(self, key: str | None = None) -> Any:
        """Data ▸ Item journey…: one work item across the map (issue 18)."""
        from .dialogs.journey import JourneyDialog

        self.complete()
        dlg = JourneyDialog(self.measure, self, key if isinstance(key, str) else None)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.open()
        return dlg

    def show_stage_items(self, stage_id: str) -> Any:
        """A stage's "Items in this stage…": the items that were in its tracker statuses,
        newest first, each opening its journey (issue 18)."""
        from .dialogs.journey import JourneyDialog

        self.complete()
        ed = self.current_editor()
        if ed is None or not ed.map.has_stage(stage_id):
            return None
        dlg = JourneyDialog(self.measure, self, stage=ed.map.stage(stage_id))
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.open()
        return dlg

    def edit_bindings(self, stage_id: str | None = None) -> BindingsDialog | None:
        """Map ▸ Bind stages to data… (opens on the selected stage)."""
        from .dialogs.bindings import BindingsDialog

        self.complete()
        ed = self.current_editor()
        if ed is None:
            return None
        if stage_id is None:
            selected = ed.scene.selected_stage_ids()
            stage_id = selected[0] if selected else None
        if self.bindings_dialog is not None:
            self.bindings_dialog.close()
        dlg = BindingsDialog(ed.map, self.undo_stack, self.measure, stage_id, self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.destroyed.connect(lambda *_: setattr(self, "bindings_dialog", None))
        self.bindings_dialog = dlg
        dlg.open()
        return dlg

    def edit_measurement_settings(self) -> QDialog:
        """Data ▸ Measurement settings…: OK applies the settings as one undo step."""
        from .dialogs.measurement_settings import MeasurementSettingsDialog

        dlg = MeasurementSettingsDialog(self.project.settings, self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.accepted.connect(lambda: self.apply_measurement_settings(dlg.result_settings))
        dlg.open()
        return dlg

    def apply_measurement_settings(self, new: ProjectSettings | None) -> bool:
        """Apply measurement settings (one undo step; the data is read again)."""
        from .source_commands import MeasurementSettingsCommand

        if new is None or new == self.project.settings:
            return False
        self.undo_stack.push(MeasurementSettingsCommand(self.project, new))
        return True

    def _on_ingest_progress(self, fraction: float, message: str) -> None:
        if not self.sources.is_ingesting():
            return
        for w in (self.ingest_progress, self.ingest_cancel):
            w.show()
        self.ingest_progress.setValue(round(max(0.0, min(1.0, fraction)) * 1000))
        self.ingest_progress.setToolTip(message)

    def _hide_ingest_progress(self) -> None:
        for w in (self.ingest_progress, self.ingest_cancel):
            w.hide()

    def _on_measured(self, data: Any) -> None:
        self._hide_ingest_progress()
        n = len(self.project.sources)
        self.statusBar().showMessage(
            f"Measured {fmt.count(len(data.tables.changes), 'changes')} from "
            f"{fmt.count(n, 'data sources')}", 5000)

    def _on_result(self, result: Any) -> None:
        from .overlay import status_text

        self.constraint_label.setText(status_text(result))

    def _on_measure_failed(self, message: str, details: str) -> None:
        if not self.sources.is_ingesting():
            self.statusBar().showMessage(f"Could not measure this window: {message}", 8000)
            return
        from .source_commands import source_name

        self._hide_ingest_progress()
        log.warning("ingest failed: %s\n%s", message, details)
        named = [s for s in self.project.sources
                 if s.path in message or message.startswith(f"{Path(s.path).name}:")]
        where = ("Source: " + ", ".join(f"{source_name(s)} ({s.path})" for s in named)
                 if named else "Sources: " + ", ".join(source_name(s)
                                                      for s in self.project.sources))
        if self.ingest_error_box is not None:
            self.ingest_error_box.close()
        box = QMessageBox(QMessageBox.Icon.Warning, "Ingest failed",
                          f"The data sources could not be read.\n\n{message}",
                          QMessageBox.StandardButton.Ok, self)
        box.setInformativeText(f"{where}\n\nThe project was not changed and the previous "
                               f"measurement is kept. Fix or remove the source in the Data "
                               f"sources panel, then Re-ingest (Ctrl+R).")
        if details:
            box.setDetailedText(details)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.destroyed.connect(lambda *_: setattr(self, "ingest_error_box", None))
        self.ingest_error_box = box
        box.show()

    def _on_ingest_cancelled(self) -> None:
        self._hide_ingest_progress()
        self.statusBar().showMessage("Ingest cancelled; the previous measurement is kept", 5000)

    def _on_measurement_cleared(self) -> None:
        self.overlay.clear()
        self.constraint_label.setText("")
        self.window_bar.clear()

    def _stop_measuring(self, timeout_ms: int = 15_000) -> None:
        """Cancel the ingest and let the workers end (their threads must not outlive us);
        closing tabs afterwards must not start a new analysis."""
        if self._complete:
            self.current_map_changed.disconnect(self.overlay.follow_map)
            self.overlay.unwatch()
            self.sources.cancel()

        def running() -> list[Task]:  # the controller's and any panel's workers
            return [t for t in self.findChildren(Task) if t.is_running()]

        for task in running():
            task.cancel()
        deadline = QDeadlineTimer(timeout_ms)
        while ((self._complete and self.measure.is_busy()) or running()) \
                and not deadline.hasExpired():
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        if self._complete:
            self.sources.set_project(None)
            self.measure.set_project(None)

    # -- project ---------------------------------------------------------------------------------------
    def set_project(self, project: Project, path: str | Path | None = None, *,
                    measure: bool = True) -> None:
        """Show ``project`` (read from ``path``, or unsaved); the undo history starts afresh.

        A project with data sources is measured as soon as it is shown unless ``measure`` is
        False (the app first prepares the sample project's data, then calls
        :meth:`start_measuring`).
        """
        for ed in list(self._editors.values()):
            self._drop_editor(ed)
        self.document.project.maps_changed.disconnect(self._sync_tabs)
        self.document.project.renamed.disconnect(self._update_title)
        self.properties.set_editor(None)
        self.document.set_project(project, path)
        self.properties.set_project(project)
        project.renamed.connect(self._update_title)
        self._attach_measurement(measure=False)
        self.constraint_label.setText("")
        project.maps_changed.connect(self._sync_tabs)
        self._sync_tabs()
        if self.tabs.count():
            self.tabs.setCurrentIndex(0)
            self._on_tab_changed(0)
        self._update_title()
        self.project_changed.emit(project)
        QTimer.singleShot(0, self, self._fit_current)
        self._measure_on_complete = measure and bool(project.sources)
        if project.sources and measure and hasattr(self, "measure"):
            # measured as soon as it is shown (the sample project opens measured)
            QTimer.singleShot(0, self, self.start_measuring)

    def _attach_measurement(self, measure: bool) -> None:
        """Point the measured stream (when built) at the current project."""
        if not hasattr(self, "measure"):
            return
        project = self.project
        self.measure.set_project(project, project.maps[0] if project.maps else None)
        self.overlay.reset()
        self.sources.set_project(project)
        self.window_bar.clear()
        if measure and project.sources:
            QTimer.singleShot(0, self, self.start_measuring)

    def _sync_tabs(self) -> None:
        wanted = [m.id for m in self.project.maps]
        current = self.current_editor()
        for mid in list(self._editors):
            if mid not in wanted:
                self._drop_editor(self._editors[mid])
        new_editor: MapEditor | None = None
        self.tabs.blockSignals(True)
        for i, m in enumerate(self.project.maps):
            ed = self._editors.get(m.id)
            if ed is None:
                ed = self._make_editor(m)
                new_editor = ed
            if self.tabs.indexOf(ed) != i:
                if self.tabs.indexOf(ed) >= 0:
                    self.tabs.removeTab(self.tabs.indexOf(ed))
                self.tabs.insertTab(i, ed, self._tab_text(m))
        self.tabs.blockSignals(False)
        target = new_editor or current
        if target is not None and self.tabs.indexOf(target) >= 0:
            self.tabs.setCurrentWidget(target)
        self._on_tab_changed(self.tabs.currentIndex())

    @staticmethod
    def _tab_text(m: ValueStreamMap) -> str:
        if m.kind == "current" or "future" in m.name.lower():
            return m.name
        return f"{m.name} · future"

    def _make_editor(self, m: ValueStreamMap) -> MapEditor:
        ed = MapEditor(m, self.undo_stack, canvas_colors(self.theme), self)
        ed.scene.snap_enabled = self.actions_by_name["snap"].isChecked()
        if self.is_presenting():
            ed.view.set_presenting(True, settings.get(settings.PRESENTATION_FIGURE_PT))
        ed.scene.grid_size = settings.get(settings.GRID_SIZE)
        ed.status_message.connect(lambda t: self.statusBar().showMessage(t, 5000))
        ed.edit_element_requested.connect(self._edit_element)
        ed.bind_requested.connect(self.edit_bindings)
        ed.items_requested.connect(self.show_stage_items)
        ed.view.zoom_changed.connect(self._on_zoom)
        ed.view.overflow_changed.connect(lambda *_a, ed=ed: self._on_overflow(ed))
        ed.selection_changed.connect(lambda ed=ed: self._on_selection(ed))
        ed.scene.metrics_changed.connect(lambda _m, ed=ed: self._on_metrics(ed))

        def renamed(_name: str, m: ValueStreamMap = m, ed: MapEditor = ed) -> None:
            i = self.tabs.indexOf(ed)
            if i >= 0:
                self.tabs.setTabText(i, self._tab_text(m))
            self._update_title()

        m.renamed.connect(renamed)
        self._map_slots[m.id] = renamed
        self._editors[m.id] = ed
        return ed

    def _drop_editor(self, ed: MapEditor) -> None:
        if self.properties.editor is ed:
            self.properties.set_editor(None)
        slot = self._map_slots.pop(ed.map.id, None)
        if slot is not None:
            ed.map.renamed.disconnect(slot)
        ed.close_editor()
        i = self.tabs.indexOf(ed)
        if i >= 0:
            self.tabs.removeTab(i)
        self._editors.pop(ed.map.id, None)
        ed.deleteLater()

    def current_editor(self) -> MapEditor | None:
        w = self.tabs.currentWidget()
        return w if isinstance(w, MapEditor) else None

    def current_map(self) -> ValueStreamMap | None:
        ed = self.current_editor()
        return ed.map if ed is not None else None

    def editor_for(self, map_id: str) -> MapEditor | None:
        return self._editors.get(map_id)

    def editors(self) -> list[MapEditor]:
        return [self._editors[m.id] for m in self.project.maps if m.id in self._editors]

    def _on_tab_changed(self, _index: int) -> None:
        ed = self.current_editor()
        if ed is not self.properties.editor:
            self.properties.set_editor(ed)
        if ed is not None:
            self._on_metrics(ed)
            self._on_zoom(ed.view.zoom())
            self._on_overflow(ed)
            self.current_map_changed.emit(ed.map)
        self._update_title()

    def _on_metrics(self, ed: MapEditor) -> None:
        if ed is not self.current_editor():
            return
        m = ed.scene.metrics
        day = ed.map.settings.day_length_s
        parts = [f"{label} {value}" for label, value in ladder_totals(m, day)
                 if label != "Takt"]
        # narrow: the lead time first, then a warning, then the rest in reading order
        priority = list(range(len(parts)))
        if m.errors:
            parts.append(f"⚠ {len(m.errors)} to check")
            priority.insert(1, len(parts) - 1)
        self.metrics_label.set_parts(parts, priority)

    def _on_selection(self, ed: MapEditor) -> None:
        """A stage selected on the map brings Properties to the front of its tab group (an
        open panel only: in the map layout the canvas keeps its room, values are edited in
        place)."""
        if ed is not self.current_editor() or self.properties.isHidden():
            return
        try:
            one_stage = len(ed.scene.selected_stage_ids()) == 1
        except RuntimeError:
            return
        if one_stage:
            self.properties.raise_()

    def find_stage(self, text: str | None = None) -> str | None:
        """Edit ▸ Find stage… (Ctrl+F): the first stage whose name contains ``text`` (any
        case; the current map first, then the others); selects it and shows it. Returns its
        id, None when nothing matches (said in the status bar)."""
        if text is None:
            text = messages.get_text(self, "Find a stage", "Stage name (or part of it):", "")
            if text is None:
                return None
        needle = " ".join(text.split()).casefold()
        if not needle:
            return None
        current = self.current_map()
        maps = sorted(self.project.maps, key=lambda m: m is not current)
        for m in maps:
            ed = self.editor_for(m.id)
            if ed is None:
                continue
            order = ed.flow_order()
            hits = [sid for sid in order if needle in m.stage(sid).name.casefold()]
            hits.sort(key=lambda sid: not m.stage(sid).name.casefold().startswith(needle))
            if hits:
                self.tabs.setCurrentWidget(ed)
                ed.select_stage(hits[0])
                ed.view.setFocus()
                self.statusBar().showMessage(
                    f"Found {m.stage(hits[0]).name}" + (f" in {m.name}" if m is not current
                                                         else ""), 4000)
                return hits[0]
        self.statusBar().showMessage(f"No stage named like “{text.strip()}”", 5000)
        return None

    def _on_zoom(self, z: float) -> None:
        ed = self.current_editor()  # hidden tabs fit themselves too: show the visible one
        self.zoom_label.setText(f"Zoom {fmt.percent(ed.view.zoom() if ed else z, 0)}")

    def _on_overflow(self, ed: MapEditor) -> None:
        """The status bar says when the stages continue beyond the view's edges."""
        try:
            if getattr(self, "_closed", False) or ed is not self.current_editor():
                return
        except RuntimeError:  # the window's widgets are being deleted: nothing to show
            return
        left, right = ed.view.overflow()
        text = {(True, True): "← Map continues →", (True, False): "← Map continues",
                (False, True): "Map continues →"}.get((left, right), "")
        self.map_more_label.setText(
            f'{text} · <a href="fit">Ctrl+0 shows all</a>' if text else "")
        self.map_more_label.setVisible(bool(text))

    def _edit_element(self, element_id: str) -> None:
        ed = self.current_editor()
        if ed is not None:
            ed.scene.select_ids([element_id])
        self.properties.focus_text()

    # -- title, modified marker, autosave -----------------------------------------------------------
    def is_modified(self) -> bool:
        return self.document.is_modified()

    def _update_title(self, *_: Any) -> None:
        m = self.current_map()
        map_part = f" — {m.name}" if m is not None else ""
        self.setWindowTitle(f"{self.document.display_name()}[*]{map_part} — {APP_TITLE}")
        self.setWindowModified(self.is_modified())

    def _on_stack_index(self, _index: int) -> None:
        self.setWindowModified(self.is_modified())

    def autosave_file(self) -> Path:
        return self.document.autosave_file()

    def autosave_now(self) -> bool:
        """Write the side file if there are changes since the last save/autosave."""
        return self.document.autosave_now()

    def offer_recovery(self) -> bool:
        """At start: if a crash left an autosave newer than the project, offer to restore it."""
        pending = self.document.pending_recovery()
        if pending is None:
            return False
        choice = messages.ask_recovery(self, pending, self.path)
        if choice == "discard":
            self.document.discard_autosave()
            return False
        if choice != "restore":
            return False
        return self.recover_from(pending)

    def recover_from(self, autosave_file: Path) -> bool:
        """Show the autosaved project as unsaved changes to the current path."""
        try:
            self.document.recover_from(autosave_file, show=self.set_project)
        except ProjectFileError as e:
            text, details = describe_load_error(e)
            messages.error(self, "Cannot recover", text, details)
            return False
        self._update_title()
        return True

    # -- files -------------------------------------------------------------------------------------------
    def maybe_save(self) -> bool:
        """Ask about unsaved changes; False means the user cancelled."""
        if not self.is_modified():
            return True
        name = self.path.name if self.path else self.project.name
        choice = messages.ask_save_changes(self, name)
        if choice == "save":
            return self.save()
        return choice == "discard"

    def new_project(self) -> None:
        if self.maybe_save():
            self.document.discard_autosave()
            self.set_project(Project("Untitled", [ValueStreamMap("Current state")]))

    def new_from_template(self) -> None:
        if self.maybe_save():
            self.document.discard_autosave()
            self.set_project(Project("Untitled", [software_delivery()]))

    def open_project(self, path: str | Path | None = None) -> bool:
        """Open ``path`` (or ask for one). A bad file: a message naming the file and JSON path."""
        if not self.maybe_save():
            return False
        if path is None:
            path = messages.get_open_path(self, settings.get(settings.LAST_OPEN_FOLDER))
            if path is None:
                return False
        if not self.open_path(path):
            return False
        self.offer_recovery()
        return True

    def open_path(self, path: str | Path) -> bool:
        """Load and show ``path`` without asking about unsaved changes."""
        try:
            self.document.load(path, show=self.set_project)
        except ProjectFileError as e:
            text, details = describe_load_error(e)
            messages.error(self, "Cannot open project", text, details)
            return False
        settings.add_recent_file(path)
        settings.set_value(settings.LAST_OPEN_FOLDER, str(Path(path).resolve().parent))
        return True

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self, path: str | Path | None = None) -> bool:
        if path is None:
            folder = settings.get(settings.LAST_OPEN_FOLDER)
            suggestion = str(Path(folder) / f"{self.project.name}.vsm") if folder else \
                f"{self.project.name}.vsm"
            path = messages.get_save_path(self, suggestion)
            if path is None:
                return False
        return self.save_to(Path(path))

    def save_to(self, path: str | Path) -> bool:
        """Save atomically to ``path``; marks the undo stack clean."""
        from ..report.target import ExportTargetError

        target = Path(path).expanduser()
        try:
            target = self.document.save_to(target)
        except (ExportTargetError, OSError) as e:
            messages.error(self, "Cannot save", f"Cannot save {target.name}.", str(e))
            return False
        settings.add_recent_file(target)
        settings.set_value(settings.LAST_OPEN_FOLDER, str(target.parent))
        self._update_title()
        self.statusBar().showMessage(f"Saved {target}", 4000)
        return True

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = settings.get(settings.RECENT_FILES)
        if not files:
            act = self.recent_menu.addAction("(none)")
            act.setEnabled(False)
            return
        for i, f in enumerate(files):
            act = self.recent_menu.addAction(f"&{i + 1} {Path(f).name}   {Path(f).parent}")
            act.triggered.connect(lambda _=False, f=f: self.open_project(f))

    # -- maps ---------------------------------------------------------------------------------------------
    def new_map(self) -> ValueStreamMap:
        names = {m.name for m in self.project.maps}
        n, name = 1, "New map"
        while name in names:
            n += 1
            name = f"New map {n}"
        m = ValueStreamMap(name, kind="current")
        self.undo_stack.push(AddMapCommand(self.project, m))
        return m

    def duplicate_as_future_state(self) -> ValueStreamMap | None:
        """Copy the current map (new ids) into a new "future state" tab: one undo step."""
        src = self.current_map()
        if src is None:
            return None
        names = {m.name for m in self.project.maps}
        base = "Future state"
        name, n = base, 1
        while name in names:
            n += 1
            name = f"{base} {n}"
        m = src.copy(name, kind="future", new_ids=True)
        index = self.project.maps.index(src) + 1
        self.undo_stack.push(AddMapCommand(self.project, m, index,
                                           f"Duplicate {src.name} as {name}"))
        return m

    def delete_current_map(self) -> None:
        m = self.current_map()
        if m is None or len(self.project.maps) <= 1:
            self.statusBar().showMessage("A project keeps at least one map", 4000)
            return
        self.undo_stack.push(RemoveMapCommand(self.project, m.id))

    def rename_map(self, m: ValueStreamMap, name: str) -> None:
        name = " ".join(name.split())
        if name and name != m.name:
            self.undo_stack.push(RenameMapCommand(m, name))

    def _rename_map_at(self, index: int) -> None:
        if index < 0 or index >= len(self.project.maps):
            return
        m = self.project.maps[index]
        name = messages.get_text(self, "Rename map", "Map name:", m.name)
        if name is not None:
            self.rename_map(m, name)

    # -- editing helpers ---------------------------------------------------------------------------------
    def cut(self) -> None:
        ed = self.current_editor()
        if ed is not None and ed.copy_selected():
            ed.delete_selected()

    def focus_quick_entry(self) -> None:
        self.quick_entry.setFocus()
        self.quick_entry.selectAll()

    def _quick_entry_done(self) -> None:
        ed = self.current_editor()
        text = self.quick_entry.text()
        if ed is not None and text.strip():
            ed.quick_add(text)
        self.quick_entry.clear()

    def set_snap(self, on: bool) -> None:
        settings.set_value(settings.SNAP_TO_GRID, bool(on))
        for ed in self._editors.values():
            ed.scene.snap_enabled = bool(on)
            ed.view.viewport().update()

    # -- looks --------------------------------------------------------------------------------------------
    def set_theme(self, theme: str) -> None:
        """Switch the light/dark theme of widgets, icons and canvas (remembered)."""
        if theme not in THEMES:
            raise ValueError(f"unknown theme {theme!r}")
        self.theme = theme
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, theme)
        for ed in self._editors.values():
            ed.scene.set_colors(canvas_colors(theme))
            ed.view.viewport().update()
        color = self._icon_color()
        for act in self.actions_by_name.values():
            name = act.property("icon_name")
            if name:
                act.setIcon(icon(str(name), color))
        if theme in getattr(self, "theme_actions", {}):
            self.theme_actions[theme].setChecked(True)
        settings.set_value(settings.THEME, theme)

    def is_presenting(self) -> bool:
        return self._presentation_state is not None

    def set_presentation(self, on: bool, panels: tuple[str, ...] = ()) -> None:
        """Presentation mode: full screen, larger text, panels hidden; Esc leaves.

        The canvas is fitted for a room (its text and chips drawn at least
        ``settings.PRESENTATION_FIGURE_PT`` on screen), with no scroll bars; ``panels`` (dock
        objectNames) stay on screen, e.g. the dashboards (:meth:`present_dashboards`).
        """
        act = self.actions_by_name["presentation"]
        if bool(on) == self.is_presenting():
            if act.isChecked() != bool(on):
                act.setChecked(bool(on))
            if on:
                self._show_presented_panels(panels)
            return
        if on:
            self._presentation_state = self.saveState()
            self._was_maximized = self.isMaximized()
            for dock in self.findChildren(QDockWidget):
                dock.hide()
            for tb in self.findChildren(QToolBar):
                tb.hide()
            self.menuBar().hide()
            self.statusBar().hide()
            f = self.tabs.font()
            f.setPointSizeF(f.pointSizeF() * settings.get(settings.PRESENTATION_FONT_SCALE))
            self.tabs.setFont(f)
            for ed in self._editors.values():
                ed.view.set_presenting(True, settings.get(settings.PRESENTATION_FIGURE_PT))
            self._show_presented_panels(panels)
            self.showFullScreen()
        else:
            state = self._presentation_state
            self._presentation_state = None
            self.tabs.setFont(QApplication.font())
            for ed in self._editors.values():
                ed.view.set_presenting(False)
            for dock in self.findChildren(QDockWidget):
                dock.setFont(QApplication.font())
            self.menuBar().show()
            self.statusBar().show()
            for tb in self.findChildren(QToolBar):
                tb.show()
            if state is not None:
                self.restoreState(state)
            if self._was_maximized:
                self.showMaximized()
            else:
                self.showNormal()
        self.actions_by_name["leave_presentation"].setEnabled(bool(on))
        if act.isChecked() != bool(on):
            act.blockSignals(True)
            act.setChecked(bool(on))
            act.blockSignals(False)
        QTimer.singleShot(0, self, self._fit_current)

    def _show_presented_panels(self, panels: tuple[str, ...]) -> None:
        """In presentation mode: show ``panels`` in larger print, the first in front."""
        docks = {d.objectName(): d for d in self.findChildren(QDockWidget)}
        scale = settings.get(settings.PRESENTATION_FONT_SCALE)
        shown = [docks[n] for n in panels if n in docks]
        for d in docks.values():
            if d not in shown:
                d.hide()
        for d in shown:
            f = QApplication.font()
            f.setPointSizeF(f.pointSizeF() * scale)
            d.setFont(f)
            d.show()
        if shown:
            shown[0].raise_()
            bottom = [d for d in shown
                      if self.dockWidgetArea(d) == Qt.DockWidgetArea.BottomDockWidgetArea]
            if bottom:
                # the dashboards take most of the height; one stage's detail leaves the
                # canvas room to show the stage legibly
                share = 0.45 if shown[0].objectName() == "dock.stage_detail" else 0.62
                self.resizeDocks(bottom, [round(self.height() * share)] * len(bottom),
                                 Qt.Orientation.Vertical)

    def present_dashboards(self) -> None:
        """View ▸ Present the dashboards (Shift+F5): full screen, the constraint, DORA and
        flow dashboards beside a small map."""
        self.complete()
        self.set_presentation(True, ("dock.constraint", "dock.dora", "dock.flow"))

    def present_stage(self) -> None:
        """View ▸ Present the selected stage (Ctrl+F5): full screen, zoomed to the stage,
        its measured detail under it."""
        self.complete()
        ed = self.current_editor()
        if ed is None:
            return
        sel = ed.scene.selected_stage_ids()
        if len(sel) != 1:
            order = ed.flow_order()
            if not order:
                return
            ed.select_stage(order[0])
        self.set_presentation(True, ("dock.stage_detail",))
        sid = ed.scene.selected_stage_ids()[0]
        dash = getattr(self, "dashboards", None)
        if dash is not None:  # built when first shown: tell it the stage now
            dash.select_stage(ed.map.stage(sid).name)
        QTimer.singleShot(0, self, self.zoom_to_stage)

    def zoom_to_stage(self) -> bool:
        """View ▸ Zoom to the selected stage (Z): the stage and its neighbours fill the view
        (arrow keys move to the next stage; Ctrl+0 fits the whole map again)."""
        ed = self.current_editor()
        if ed is None:
            return False
        sel = ed.scene.selected_stage_ids()
        if len(sel) != 1:
            self.statusBar().showMessage("Select a stage to zoom to it", 4000)
            return False
        ed.view.zoom_to_stage(sel[0])
        return True

    def show_about(self) -> QWidget:
        """Help ▸ About: version, Qt and Python, the user's folders, licence."""
        from .dialogs.about import AboutDialog

        if self._about is None:
            self._about = AboutDialog(self)
        self._about.show()
        self._about.raise_()
        return self._about

    def show_log(self) -> QWidget:
        """Help ▸ Show log: the end of the log file (refreshed each time it is shown)."""
        from .dialogs.about import LogDialog

        if self._log_dialog is None:
            self._log_dialog = LogDialog(self)
        else:
            self._log_dialog.refresh()  # type: ignore[attr-defined]
        self._log_dialog.show()
        self._log_dialog.raise_()
        return self._log_dialog

    def clear_cache(self) -> bool:
        """Data ▸ Clear cache…: delete the cached git histories after asking."""
        from .. import cachedir, paths

        folder = paths.cache_dir()
        n, size = cachedir.usage(folder)
        if n == 0:
            self.statusBar().showMessage(f"The cache is empty ({folder})", 5000)
            return False
        mb = size / (1 << 20)
        if not messages.confirm(self, "Clear cache",
                                f"Delete {n} cached git histor{'y' if n == 1 else 'ies'} "
                                f"({fmt.number(mb, 1)} MB)?",
                                "Clear cache",
                                f"Folder: {folder}\n\nThe next ingest of each repository reads "
                                f"its whole history again. Projects and settings are not "
                                f"touched."):
            return False
        cleared, freed = cachedir.clear(folder)
        self.statusBar().showMessage(
            f"Cleared the cache: {cleared} entr{'y' if cleared == 1 else 'ies'}, "
            f"{fmt.number(freed / (1 << 20), 1)} MB freed", 6000)
        return True

    def show_cheatsheet(self) -> CheatSheetDialog:
        """F1: the help (guide, metrics, shortcuts; non-modal)."""
        if self._cheatsheet is None:
            self._cheatsheet = CheatSheetDialog(self.actions_by_name.values(), self)
        self._cheatsheet.show()
        self._cheatsheet.raise_()
        return self._cheatsheet

    # -- layout memory and closing -----------------------------------------------------------------
    def restore_layout(self) -> None:
        geo = settings.get(settings.WINDOW_GEOMETRY)
        if not geo.isEmpty():
            self.restoreGeometry(geo)
        state = settings.get(settings.WINDOW_STATE)
        if not state.isEmpty():
            self.restoreState(state)

    def save_layout(self) -> None:
        settings.set_value(settings.WINDOW_GEOMETRY, self.saveGeometry())
        state = self._presentation_state or self.saveState()
        settings.set_value(settings.WINDOW_STATE, state)
        if self.layout_name in settings.LAYOUT_STATES:
            settings.set_value(settings.LAYOUT_STATES[self.layout_name], state)
            settings.set_value(settings.LAYOUT, self.layout_name)

    def set_layout(self, name: str) -> None:
        """View ▸ Map / Analyse layout (F6, F7), or Present (F5): the panels as the layout
        was last left, or its first arrangement (:mod:`vsm_app.ui.layouts`). Remembered."""
        if name == "present":
            self.set_presentation(True)
            return
        if name not in settings.LAYOUT_STATES:
            raise ValueError(f"unknown layout {name!r}")
        if self.is_presenting():
            self.set_presentation(False)
        if self.layout_name in settings.LAYOUT_STATES and self.layout_name != name:
            settings.set_value(settings.LAYOUT_STATES[self.layout_name], self.saveState())
        state = settings.get(settings.LAYOUT_STATES[name])
        if state.isEmpty() or not self.restoreState(state):
            first_arrangement(self, LAYOUTS[name], self.findChildren(QDockWidget))
            for tb in self.findChildren(QToolBar):
                if tb.parent() is self:
                    tb.show()
            if name == "analyse":
                self._fit_analyse()
        self.layout_name = name
        settings.set_value(settings.LAYOUT, name)
        # the remembered window state is this layout's from now on (even if the app never
        # closes normally), so the next start shows the layout it names
        settings.set_value(settings.WINDOW_STATE, self.saveState())
        for n in ("map", "analyse"):
            self.actions_by_name[f"layout_{n}"].setChecked(n == name)
        self._hide_stale_tab_bars()
        QTimer.singleShot(0, self, self._fit_current)

    def _hide_stale_tab_bars(self) -> None:
        """Qt can leave the tab bar of a dock group that a layout took apart on screen, at
        its old place (over the side bar or the window bar in a small window): hide a
        window-level tab bar that names a closed panel; Qt shows it again when it uses it."""
        titles = {d.windowTitle(): d for d in self.findChildren(QDockWidget)}
        for bar in self.findChildren(QTabBar):
            if bar.parent() is not self or not bar.isVisible():
                continue
            names = [bar.tabText(i) for i in range(bar.count())]
            if any(n not in titles or titles[n].isHidden() for n in names) or len(names) < 2:
                bar.hide()

    def closeEvent(self, event: QCloseEvent) -> None:
        if getattr(self, "_closed", False) or not hasattr(self, "document"):
            # closed once already, or never fully built: nothing left to tear down
            event.accept()
            return
        if not self.maybe_save():
            event.ignore()
            return
        self._closed = True
        if self.is_presenting():
            self.set_presentation(False)
        self.save_layout()
        self.document.close()
        if getattr(self, "workshop_host", None) is not None:
            self.workshop_host.close()  # the session's link stops working with the window
        self._stop_measuring()
        for ed in list(self._editors.values()):
            self._drop_editor(ed)
        self.project.maps_changed.disconnect(self._sync_tabs)
        self.project.renamed.disconnect(self._update_title)
        self.properties.set_project(None)
        if self._cheatsheet is not None:
            self._cheatsheet.close()
        release_clipboard()
        event.accept()
