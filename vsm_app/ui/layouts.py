"""Layouts for the job (Map, Analyse, Present) and the panel side bar: the one place where the
window's docks are described.

Every dock of the window is a *panel*: its objectName, a short label the side bar shows
whole, a group, and an order. The built-in panels are listed in :data:`PANELS`; a feature
that adds a dock registers it once (:func:`register_panel`) before calling
``MainWindow.add_dock``; a dock nobody registered still gets a side-bar entry, with its window
title as label and the group ``other``.

A *layout* (:data:`LAYOUTS`) says which groups of panels are open when it is chosen for the
first time, and which panel of each place is in front. Once the user has arranged a layout
it is remembered (settings ``window/layout`` and ``window/layout_state/<name>``) and comes
back as it was left.

- **Map**: the map first. Every panel collapses to the side bar; the canvas gets the window.
- **Analyse**: properties and data sources on the right, the dashboards under the map.
- **Present**: presentation mode (full screen, no chrome, larger canvas text).

The side bar (:class:`PanelBar`) is a vertical tool bar on the right edge with one button per
panel (icon-free, the label whole): a click opens the panel and brings it to the front, a
click on the panel in front closes it. Panels of an *exclusive* group (the improvement loop,
the workshop) replace each other, so the right column never holds more than a few tabs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMainWindow, QToolBar, QToolButton, QWidget


@dataclass(frozen=True)
class Panel:
    """A dock of the window as the side bar and the layouts see it."""

    name: str  #: the dock's objectName (``dock.<feature>``)
    label: str  #: short, shown whole in the side bar
    group: str  #: edit, measure, analyse, improve, workshop, other
    order: int = 100  #: place in the side bar (lower first)
    tip: str = ""


#: groups whose panels replace each other when opened from the side bar
EXCLUSIVE_GROUPS = frozenset({"improve", "workshop"})

PANELS: dict[str, Panel] = {}


def register_panel(name: str, label: str, group: str, order: int = 100,
                   tip: str = "") -> Panel:
    """Describe a dock (by objectName) for the side bar and the layouts; returns it."""
    panel = Panel(name, label, group, order, tip)
    PANELS[name] = panel
    return panel


for _name, _label, _group, _order, _tip in (
        ("dock.properties", "Properties", "edit", 10, "The selected stage, flow or the map"),
        ("dock.history", "History", "edit", 20, "Every edit, undoable"),
        ("dock.sources", "Sources", "measure", 30, "Data sources: repositories and exports"),
        ("dock.constraint", "Constraint", "analyse", 40, "Where work waits most"),
        ("dock.dora", "DORA", "analyse", 41, "The four keys and their trends"),
        ("dock.flow", "Flow", "analyse", 42, "Velocity, load, flow time, efficiency"),
        ("dock.stage_detail", "Stage", "analyse", 43, "One stage's waiting and working time"),
        ("dock.look_ahead", "Ahead", "analyse", 44,
         "Look ahead: aging work, cycle-time scatter, cumulative flow, forecasts"),
        ("dock.comparison", "Compare", "analyse", 45, "Teams and services side by side"),
        ("dock.improvement", "Improve", "improve", 50, "Improvement items and the constraint"),
        ("dock.baselines", "Baselines", "improve", 51, "Saved metrics to compare with"),
        ("dock.pulse", "Pulse", "improve", 52, "The team's voice (anonymous survey)"),
        ("dock.ai_check", "AI check", "improve", 53, "DORA AI capabilities self-check"),
        ("dock.workshop", "Workshop", "workshop", 60, "Charter, parking lot, time-box"),
        ("dock.workshop_inbox", "Inbox", "workshop", 61, "Participants' contributions"),
):
    register_panel(_name, _label, _group, _order, _tip)


def panel_of(dock: QDockWidget) -> Panel:
    """The registered panel of ``dock`` (a default one for a dock nobody registered)."""
    name = dock.objectName()
    return PANELS.get(name) or Panel(name, dock.windowTitle() or name, "other", 200)


@dataclass(frozen=True)
class Layout:
    """A layout's first arrangement (before the user changes it)."""

    name: str
    title: str  #: menu text
    shortcut: str
    #: groups open the first time the layout is chosen (the rest wait in the side bar)
    open_groups: frozenset[str] = field(default_factory=frozenset)
    #: panels in front of their tab group
    front: tuple[str, ...] = ()
    #: docks that stay closed even though their group is open
    closed: tuple[str, ...] = ()
    tip: str = ""


LAYOUTS: dict[str, Layout] = {
    "map": Layout("map", "&Map layout", "F6", tip="The map first: every panel collapses "
                  "to the side bar"),
    "analyse": Layout("analyse", "&Analyse layout", "F7",
                      frozenset({"edit", "measure", "analyse"}),
                      front=("dock.properties", "dock.sources", "dock.constraint"),
                      closed=("dock.history", "dock.comparison", "dock.look_ahead"),
                      tip="Properties and data sources beside the map, the dashboards "
                          "under it"),
    "present": Layout("present", "&Present", "F5",
                      tip="Full screen, larger text on the canvas, no panels (Esc leaves)"),
}


def first_arrangement(window: QMainWindow, layout: Layout,
                      docks: Iterable[QDockWidget]) -> None:
    """Open and close ``docks`` as ``layout`` does the first time it is chosen."""
    docks = list(docks)
    for d in docks:
        p = panel_of(d)
        d.setVisible(p.group in layout.open_groups and p.name not in layout.closed)
    for d in docks:
        if d.objectName() in layout.front and d.isVisible():
            d.raise_()


class PanelBar(QToolBar):
    """The side bar: one button per panel, the label whole; checked while the panel is open.

    ``toggle(name)`` is what a click does (open and raise, or close the panel in front).
    """

    def __init__(self, window: QMainWindow) -> None:
        super().__init__("Panels", window)
        self.setObjectName("toolbar.panels")
        self.setProperty("panelBar", True)  # the themes draw its buttons compact
        self.window_ = window
        self.setMovable(False)
        self.setFloatable(False)
        self.setOrientation(Qt.Orientation.Vertical)
        self.setAllowedAreas(Qt.ToolBarArea.RightToolBarArea | Qt.ToolBarArea.LeftToolBarArea)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.docks: dict[str, QDockWidget] = {}
        self.actions_by_name: dict[str, QAction] = {}
        self._groups_shown: set[str] = set()

    def add_panel(self, dock: QDockWidget) -> QAction:
        """A button for ``dock`` (in the side bar's order: by the panel's ``order``)."""
        p = panel_of(dock)
        if p.name in self.actions_by_name:
            return self.actions_by_name[p.name]
        a = QAction(p.label, self)
        a.setObjectName(f"panel.{p.name.removeprefix('dock.')}")
        a.setCheckable(True)
        a.setToolTip(f"{dock.windowTitle()}: {p.tip}" if p.tip else dock.windowTitle())
        a.triggered.connect(lambda _=False, n=p.name: self.toggle(n))
        dock.visibilityChanged.connect(lambda _v, n=p.name: self._sync(n))
        self.docks[p.name] = dock
        self.actions_by_name[p.name] = a
        # insert in order, with a separator between groups
        ordered = sorted(self.docks, key=lambda n: (panel_of(self.docks[n]).order, n))
        for act in list(self.actions()):
            self.removeAction(act)
        last_group = None
        for n in ordered:
            g = panel_of(self.docks[n]).group
            if last_group is not None and g != last_group:
                self.addSeparator()
            last_group = g
            self.addAction(self.actions_by_name[n])
            w = self.widgetForAction(self.actions_by_name[n])
            if isinstance(w, QToolButton):
                w.setAccessibleName(f"{panel_of(self.docks[n]).label} panel")
        self._sync(p.name)
        return a

    def is_open(self, name: str) -> bool:
        d = self.docks[name]
        return not d.isHidden()

    def toggle(self, name: str) -> bool:
        """Open ``name`` and bring it to the front; if it is open and in front, close it.
        Returns whether it is open afterwards."""
        d = self.docks[name]
        if self.is_open(name) and not d.visibleRegion().isEmpty():
            d.hide()
            self._sync(name)
            return False
        self.open(name)
        return True

    def open(self, name: str) -> None:
        """Show panel ``name`` in front (closing the others of an exclusive group)."""
        d = self.docks[name]
        group = panel_of(d).group
        if group in EXCLUSIVE_GROUPS:
            for other, od in self.docks.items():
                if other != name and panel_of(od).group == group:
                    od.hide()
        d.show()
        d.raise_()
        self._sync(name)

    def _sync(self, name: str) -> None:
        a = self.actions_by_name.get(name)
        d = self.docks.get(name)
        if a is not None and d is not None:
            a.setChecked(not d.isHidden())

    def labels(self) -> list[str]:
        """The side bar's button texts, top to bottom."""
        return [a.text() for a in self.actions() if not a.isSeparator()]

    def button(self, name: str) -> QWidget | None:
        return self.widgetForAction(self.actions_by_name[name])
