"""The improvement loop in the window: baselines, the constraint and the items that attack it,
future state against reality, the team's voice (SPACE pulse, AI adoption check) and workshop
support (charter, parking lot, time-box, templates).

:func:`install_improvement` is the one call the main window makes::

    improvement = install_improvement(window, controller)

It adds five docks, tabified on the left with the improvement dock in front:
``dock.improvement`` (constraint now + items with leading indicators), ``dock.baselines``,
``dock.pulse``, ``dock.ai_check`` and ``dock.workshop``; an **Improve** menu (before View);
and the time-box countdown in the status bar. Every edit is one command on
``window.undo_stack``. The Qt-free core is :mod:`vsm_app.domain.improvement` and
:mod:`vsm_app.analysis.baseline` / ``indicators`` / ``survey``.

Hooks for the map overlay and the dashboards
--------------------------------------------
``ImprovementUI.baseline_shown(object)``
    Emitted with the :class:`~vsm_app.domain.improvement.Baseline` to draw beside now when the
    user ticks "Show baseline beside now" (or picks another baseline while it is ticked), and
    with None when it is unticked or the baseline is deleted. ``shown_baseline()`` returns the
    current one. :func:`baseline_values` flattens a baseline into
    ``{"dora.lead_time_median_s": …, "stages.Review.wait_median_s": …}`` (reference lines for
    the dashboards); :func:`baseline_stage_labels` gives ``{stage_id: "baseline wait 19h"}``
    for the overlay's stage labels.
``ImprovementUI.new_constraint_header()``
    A :class:`ConstraintHeader` ("Constraint now": stage, wait share, sentence, "Plan an
    improvement for it") kept up to date with the measurement, for a dashboard to lead with.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMenu, QWidget

from ...analysis.baseline import baseline_values
from ...domain.improvement import Baseline
from .ai_check import AiCheckDock
from .baselines import BaselinesDock, baseline_stage_labels
from .commands import RecordsCommand, records_changed
from .common import ImproveContext, make_dock
from .future import FutureStateDialog
from .items import ConstraintHeader, ImprovementDock, ItemDialog
from .pulse import PulseDock
from .workshop import CountdownLabel, TimeBox, WorkshopDock

__all__ = [
    "ConstraintHeader", "ImprovementUI", "ItemDialog", "RecordsCommand", "baseline_stage_labels",
    "baseline_values", "install_improvement", "records_changed",
]

#: the first width of the dock column (its tables and charts are read at this width)
DOCK_WIDTH = 420
#: feature → dock title, in tab order
DOCKS: dict[str, str] = {
    "improvement": "Improve",
    "baselines": "Baselines",
    "pulse": "Pulse",
    "ai_check": "AI check",
    "workshop": "Workshop",
}


class ImprovementUI(QObject):
    """The improvement loop's docks, dialogs, menu and timer of one window.

    Signals
    -------
    baseline_shown(object)
        The baseline to show beside now (``Baseline``), or None.
    """

    baseline_shown = Signal(object)

    def __init__(self, window: Any, controller: Any) -> None:
        super().__init__(window)
        self.window = window
        self.ctx = ImproveContext(window, controller, self)
        self.timebox = TimeBox(10, self)
        self.improvement = ImprovementDock(self.ctx)
        self.baselines = BaselinesDock(self.ctx)
        self.pulse = PulseDock(self.ctx)
        self.ai_check = AiCheckDock(self.ctx)
        self.workshop = WorkshopDock(self.ctx, self.timebox)
        self.bodies: dict[str, QWidget] = {
            "improvement": self.improvement, "baselines": self.baselines, "pulse": self.pulse,
            "ai_check": self.ai_check, "workshop": self.workshop,
        }
        self.docks: dict[str, QDockWidget] = {
            k: make_dock(title, k, self.bodies[k], window) for k, title in DOCKS.items()}
        self.timer_label = CountdownLabel(self.timebox, compact=True)
        self.timer_label.setObjectName("timeboxStatus")
        self.future_dialog: FutureStateDialog | None = None
        self.headers: list[ConstraintHeader] = []
        self.baselines.shown_baseline_changed.connect(self.baseline_shown)
        self.actions: dict[str, QAction] = {}
        self.menu = self._build_menu()

    # hooks -------------------------------------------------------------------------------------
    def shown_baseline(self) -> Baseline | None:
        """The baseline to draw beside now, or None."""
        return self.baselines.shown_baseline()

    def new_constraint_header(self, parent: QWidget | None = None) -> ConstraintHeader:
        """A "Constraint now" header that follows the measurement, for a dashboard."""
        header = ConstraintHeader(parent)
        header.setObjectName("constraintNowHeader")

        def update(_r: Any = None) -> None:
            result = self.ctx.result
            header.set_bottleneck(result.bottleneck if result is not None else None)

        self.ctx.result_changed.connect(update)
        header.destroyed.connect(lambda *_: self.ctx.result_changed.disconnect(update))
        header.plan_requested.connect(self.plan_for_constraint)
        update()
        self.headers.append(header)
        return header

    # commands the menu and the hooks use ----------------------------------------------------
    def raise_dock(self, feature: str) -> QDockWidget:
        dock = self.docks[feature]
        dock.show()
        dock.raise_()
        return dock

    def plan_for_constraint(self, stage: str | None = None) -> ItemDialog | None:
        self.raise_dock("improvement")
        return self.improvement.plan_for_constraint(stage)

    def show_future_state(self) -> FutureStateDialog:
        """The future-state comparison (non-modal; one per window)."""
        if self.future_dialog is None:
            self.future_dialog = FutureStateDialog(self.ctx, self.window)
        self.future_dialog.fill_maps()
        self.future_dialog.show()
        self.future_dialog.raise_()
        return self.future_dialog

    def _build_menu(self) -> QMenu:
        menu = QMenu("&Improve", self.window)
        menu.setObjectName("menu.improve")

        def act(name: str, text: str, slot: Any, tip: str = "") -> QAction:
            a = QAction(text, self.window)
            a.setObjectName(f"action.improve.{name}")
            if tip:
                a.setStatusTip(tip)
            a.triggered.connect(lambda _=False: slot())
            self.actions[name] = a
            menu.addAction(a)
            return a

        b, i, w = self.baselines, self.improvement, self.workshop
        act("save_baseline", "Save &baseline…",
            lambda: (self.raise_dock("baselines"), b.save_baseline()),
            "Snapshot the metrics of the current window as a named baseline")
        act("compare_baseline", "&Compare with a baseline",
            lambda: self.raise_dock("baselines"))
        menu.addSeparator()
        act("plan_constraint", "&Plan an improvement for the constraint…",
            lambda: self.plan_for_constraint())
        act("new_item", "&New improvement item…",
            lambda: (self.raise_dock("improvement"), i.new_item()))
        act("item_from_kaizen", "Make item from selected &kaizen",
            lambda: (self.raise_dock("improvement"), i.item_from_selected_kaizen()),
            "The kaizen burst selected on the map becomes a proposed improvement item")
        act("future_state", "&Future state vs current…", self.show_future_state)
        menu.addSeparator()
        act("record_pulse", "Record SPACE &pulse round…",
            lambda: (self.raise_dock("pulse"), self.pulse.record_round()))
        act("import_pulse", "&Import SPACE pulse CSV…",
            lambda: (self.raise_dock("pulse"), self.pulse.import_csv()))
        act("record_ai_check", "Record &AI adoption check…",
            lambda: (self.raise_dock("ai_check"), self.ai_check.record_check()))
        menu.addSeparator()
        act("charter", "Project c&harter…",
            lambda: (self.raise_dock("workshop"), w.edit_charter()))
        act("park_idea", "Park an i&dea",
            lambda: (self.raise_dock("workshop"), w.idea.setFocus()))
        act("timebox_toggle", "Start/pause the &time-box", self.timebox.toggle)
        act("timebox_reset", "Reset the time-box", self.timebox.reset)
        act("map_from_template", "New &map from template…",
            lambda: (self.raise_dock("workshop"), w.new_from_template()))
        return menu


def _insert_menu(window: Any, menu: QMenu) -> None:
    bar = window.menuBar()
    before = next((a for a in bar.actions() if a.text().replace("&", "") in ("View", "Help")),
                  None)
    if before is not None:
        bar.insertMenu(before, menu)
    else:
        bar.addMenu(menu)


def install_improvement(window: Any, controller: Any, *, add_menu: bool = True,
                        add_status: bool = True,
                        area: Qt.DockWidgetArea = Qt.DockWidgetArea.LeftDockWidgetArea,
                        full_height: bool = True,
                        tabify_with: QDockWidget | None = None) -> ImprovementUI:
    """Add the improvement loop to ``window`` (a :class:`~vsm_app.ui.main_window.MainWindow`)
    measured by ``controller`` (its :class:`~vsm_app.ui.measure.MeasurementController`).

    Parameters
    ----------
    add_menu
        Put the **Improve** menu in the menu bar (before View).
    add_status
        Put the time-box countdown in the status bar (shown while a time-box runs).
    area
        Where the five docks go, tabified, the improvement dock in front.
    full_height
        Let the left dock column run the full height of the window (beside the bottom
        dashboards rather than above them): the docks stack charts vertically.
    tabify_with
        An existing dock to put the five docks behind, as tabs (default: a group of their own).
    """
    existing = getattr(window, "improvement", None)
    if isinstance(existing, ImprovementUI):  # installed once per window
        return existing
    ui = ImprovementUI(window, controller)
    if full_height and area == Qt.DockWidgetArea.LeftDockWidgetArea:
        window.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
    first: QDockWidget | None = tabify_with
    for dock in ui.docks.values():
        window.add_dock(dock, area, tabify_with=first)
        first = first or dock
    ui.docks["improvement"].raise_()
    if hasattr(window, "resizeDocks"):
        window.resizeDocks([ui.docks["improvement"]], [DOCK_WIDTH], Qt.Orientation.Horizontal)
    if add_menu:
        _insert_menu(window, ui.menu)
    if add_status:
        window.statusBar().addPermanentWidget(ui.timer_label)
    if getattr(window, "improvement", None) is None:
        window.improvement = ui  # reachable by the window's other features and by tests
    return ui
