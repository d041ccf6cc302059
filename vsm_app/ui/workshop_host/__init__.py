"""Workshop hosting in the window: participants contribute from their own devices.

:func:`install_workshop_host` is the one call the main window makes. It adds

* a **Workshop** menu (before View): Invite participants… (Ctrl+Shift+I), Stop hosting,
  Show inbox, Clear dot votes on this map;
* the inbox dock ``dock.workshop_inbox`` (tabbed with the properties);
* ``window.workshop_host``: the :class:`WorkshopHostUI` (its ``host`` runs the session).

The Qt-free part (session, contributions, HTTP server, the page) is :mod:`vsm_app.workshop`;
the user's view and the safety model are in ``docs/workshop.md``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenu

from ..improve.common import make_dock
from .host import WorkshopHost
from .inbox_dock import InboxDock
from .invite import InviteDialog

__all__ = ["InboxDock", "InviteDialog", "WorkshopHost", "WorkshopHostUI",
           "install_workshop_host"]


class WorkshopHostUI(QObject):
    """The hosting menu, dialog and inbox of one window."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.host = WorkshopHost(window)
        self.invite_dialog: InviteDialog | None = None
        self.inbox = InboxDock(self.host, self.invite)
        self.dock = make_dock("Inbox", "workshop_inbox", self.inbox, window,
                              scroll=False)
        self.actions: dict[str, QAction] = {}
        self.menu = self._build_menu()
        self.host.hosting_changed.connect(self._sync)
        self._sync(False)

    def _build_menu(self) -> QMenu:
        menu = QMenu("&Workshop", self.window)
        menu.setObjectName("menu.workshop")

        def act(name: str, text: str, slot: Any, shortcut: str | None = None,
                tip: str = "") -> QAction:
            a = QAction(text, self.window)
            a.setObjectName(f"action.workshop.{name}")
            if shortcut:
                a.setShortcut(QKeySequence(shortcut))
            if tip:
                a.setStatusTip(tip)
            a.triggered.connect(lambda _=False: slot())
            self.window.addAction(a)
            self.actions[name] = a
            registry = getattr(self.window, "actions_by_name", None)
            if isinstance(registry, dict):  # listed in the shortcut cheat sheet (F1)
                registry[f"workshop_{name}"] = a
            menu.addAction(a)
            return a

        act("invite", "&Invite participants…", self.invite, "Ctrl+Shift+I",
            "Host this map on the local network: participants open a link or scan a QR code")
        act("stop", "&Stop hosting", self.host.stop,
            tip="Close the session: the link stops working; the inbox keeps what arrived")
        menu.addSeparator()
        act("inbox", "Show the &inbox", self.show_inbox)
        act("clear_votes", "&Clear dot votes on this map", self.clear_votes,
            tip="Set every kaizen idea's dot tally back to 0 (one undo step)")
        return menu

    def _sync(self, hosting: bool) -> None:
        self.actions["stop"].setEnabled(hosting)

    def invite(self) -> InviteDialog:
        """Open the invitation (hosting starts on the default address if it is not on)."""
        if self.invite_dialog is None:
            self.invite_dialog = InviteDialog(self.host, self.window)
        dlg = self.invite_dialog
        if not self.host.is_hosting():
            dlg.start()
        self.show_inbox()
        dlg.show()
        dlg.raise_()
        dlg.activateWindow()
        return dlg

    def show_inbox(self) -> QDockWidget:
        self.dock.show()
        self.dock.raise_()
        return self.dock

    def clear_votes(self) -> None:
        if not self.host.clear_votes():
            self.window.statusBar().showMessage("No dot votes on this map", 4000)

    def close(self) -> None:
        """The window closes: stop hosting."""
        if self.invite_dialog is not None:
            self.invite_dialog.close()
        self.host.close()


def _insert_menu(window: Any, menu: QMenu) -> None:
    bar = window.menuBar()
    before = next((a for a in bar.actions() if a.text().replace("&", "") in ("View", "Help")),
                  None)
    if before is not None:
        bar.insertMenu(before, menu)
    else:
        bar.addMenu(menu)


def install_workshop_host(window: Any, *,
                          tabify_with: QDockWidget | None = None) -> WorkshopHostUI:
    """Add hosting to ``window`` (a :class:`~vsm_app.ui.main_window.MainWindow`); once."""
    existing = getattr(window, "workshop_host", None)
    if isinstance(existing, WorkshopHostUI):
        return existing
    ui = WorkshopHostUI(window)
    window.add_dock(ui.dock, Qt.DockWidgetArea.RightDockWidgetArea, tabify_with=tabify_with)
    _insert_menu(window, ui.menu)
    window.workshop_host = ui
    return ui
