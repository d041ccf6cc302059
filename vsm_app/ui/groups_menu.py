"""The groups' entry points on a project's window (issue 21): the comparison dock,
Data ▸ Groups… and Compare groups, File ▸ Open portfolio… — installed with one call."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from .comparison import ComparisonDock


def install_comparison(window: Any, controller: Any) -> ComparisonDock:
    """The comparison dock on ``window`` (idempotent), tabbed under the map."""
    existing = getattr(window, "comparison", None)
    if isinstance(existing, ComparisonDock):
        return existing
    dock = ComparisonDock(window, controller)
    window.comparison = dock
    # a tab of the charts under the map: the table needs the map's width, not a share of it
    charts = window.findChild(QDockWidget, "dock.constraint")
    window.add_dock(dock, Qt.DockWidgetArea.BottomDockWidgetArea, tabify_with=charts)
    dock.hide()  # shown from View ▸ Panels, Data ▸ Groups… or Data ▸ Compare groups
    _install_actions(window, dock)
    return dock


def _install_actions(window: Any, dock: ComparisonDock) -> None:
    """Data ▸ Groups… and Compare groups; File ▸ Open portfolio… (after Open recent)."""
    from PySide6.QtGui import QAction, QKeySequence

    def edit() -> None:
        from .groups_dialog import edit_groups

        if edit_groups(window, dock.groups_changed):
            dock.show()
            dock.raise_()

    def compare() -> None:
        dock.show()
        dock.raise_()

    def open_portfolio() -> None:
        from .portfolio_window import choose_and_open

        choose_and_open(window)

    made = {}
    for name, text, fn, tip in (
            ("edit_groups", "&Groups…", edit,
             "Teams and services to compare: by repository, path or CODEOWNERS team"),
            ("compare_groups", "Compare &groups", compare,
             "The project's groups side by side over the measured window"),
            ("open_portfolio", "Open &portfolio…", open_portfolio,
             "Open an analyze-many output folder, read-only")):
        act = QAction(text, window)
        act.setObjectName(f"action.{name}")
        act.setToolTip(tip)
        act.setStatusTip(tip)
        act.triggered.connect(fn)
        made[name] = act
        window.actions_by_name[name] = act
    made["open_portfolio"].setShortcut(QKeySequence("Ctrl+Shift+O"))
    data_menu = getattr(window, "data_menu", None)
    end = getattr(window, "_data_menu_end", None)
    if data_menu is not None:
        data_menu.insertActions(end, [made["edit_groups"], made["compare_groups"]]) \
            if end is not None else data_menu.addActions([made["edit_groups"],
                                                          made["compare_groups"]])
    from .dialogs.export_dialog import find_file_menu

    file_menu = find_file_menu(window)
    recent = getattr(window, "recent_menu", None)
    if file_menu is not None:
        acts = file_menu.actions()
        anchor = recent.menuAction() if recent is not None else None
        pos = acts.index(anchor) if anchor in acts else -1
        before = acts[pos + 1] if 0 <= pos < len(acts) - 1 else None
        file_menu.insertAction(before, made["open_portfolio"])
