"""Hosting a workshop session from the main window, and what accepting a contribution does.

:class:`WorkshopHost` starts and stops the server (:mod:`vsm_app.workshop.server`), publishes
the map on screen to participants, and brings their contributions into the
:class:`~vsm_app.workshop.inbox.Inbox`.

Threads: the server's threads never touch Qt objects other than emitting ``_wake`` (a queued
signal); the GUI thread takes the queued contributions in one go when it runs the slot. The
GUI thread never waits on the server: publishing hands over immutable bytes, stopping closes
the listening socket in a helper thread.

The map participants see is rendered here, on the GUI thread, with the export code
(:func:`~vsm_app.render.maps.render_svg`), at most every :data:`PUBLISH_MS` while the map
changes: the map as drawn (estimates, ideas, notes), without the measured overlay, so the
room's estimates are its own.

Accepting
---------
Each acceptance is one :class:`AcceptCommand` on the window's undo stack: the model edit (an
existing command of :mod:`vsm_app.ui.commands` or a records command) plus the contributions'
status, so an undo takes the edit back *and* returns the contributions to the inbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QUndoCommand

from ...domain.improvement import read_surveys
from ...domain.model import Project, StickyNote, ValueStreamMap
from ...render.maps import MapPicture, render_svg
from ...workshop.contributions import (
    ESTIMATE_LABELS,
    Contribution,
    MapView,
    Status,
    estimate_changes,
    estimate_spreads,
    note_position,
    pulse_round,
)
from ...workshop.inbox import Inbox
from ...workshop.net import ALL_INTERFACES, default_host
from ...workshop.server import WorkshopServer
from ...workshop.session import DEFAULT_VOTES_PER_PERSON, WorkshopSession
from .. import commands as cmd
from ..improve.commands import put_survey_command
from ..improve.common import iso_week

#: the map is re-published at most this often while it changes (ms)
PUBLISH_MS = 300


class AcceptError(ValueError):
    """A contribution that can no longer be applied (its map or stage was deleted)."""


class AcceptCommand(QUndoCommand):
    """One acceptance: ``edit`` (a model command) and the contributions it takes up."""

    def __init__(self, inbox: Inbox, ids: Sequence[str], edit: QUndoCommand, text: str,
                 period: str | None = None) -> None:
        super().__init__(text)
        self.inbox, self.ids, self.edit, self.period = inbox, list(ids), edit, period

    def redo(self) -> None:
        self.edit.redo()
        self.inbox.set_status(self.ids, Status.ACCEPTED, self.period)

    def undo(self) -> None:
        self.edit.undo()
        self.inbox.set_status(self.ids, Status.PENDING)


def _map(project: Project, c: Contribution) -> ValueStreamMap:
    m = next((m for m in project.maps if m.id == c.map_id), None)
    if m is None:
        raise AcceptError("its map is no longer in the project")
    return m


def _stage_map(project: Project, c: Contribution) -> ValueStreamMap:
    m = _map(project, c)
    if c.stage_id is None or not m.has_stage(c.stage_id):
        raise AcceptError("its stage was deleted")
    return m


def accept_note(project: Project, inbox: Inbox, c: Contribution,
                taken: list[tuple[float, float]] | None = None) -> AcceptCommand:
    """The note as a sticky note above its stage; ``taken`` collects the places of notes
    accepted together (each goes above the one before), this one's added."""
    m = _stage_map(project, c)
    assert c.stage_id is not None
    x, y = note_position(m, c.stage_id, taken or ())
    if taken is not None:
        taken.append((x, y))
    edit = cmd.AddElementCommand(m, StickyNote(c.text, x=x, y=y))
    return AcceptCommand(inbox, [c.id], edit, f"Accept note for {m.stage(c.stage_id).name}")


def accept_estimates(project: Project, inbox: Inbox, proposals: Sequence[Contribution]
                     ) -> AcceptCommand:
    """One proposal as it is, or several as their median (their spread kept as the range)."""
    m = _stage_map(project, proposals[0])
    sid = proposals[0].stage_id
    assert sid is not None
    spreads = estimate_spreads(proposals)
    stage = m.stage(sid)
    edit = cmd.SetEstimatesCommand(m, sid, estimate_changes(stage.estimates, spreads))
    what = ", ".join(ESTIMATE_LABELS[k] for k in spreads)
    text = (f"Accept the median of {len(proposals)} estimates for {stage.name} ({what})"
            if len(proposals) > 1 else f"Accept estimate for {stage.name} ({what})")
    return AcceptCommand(inbox, [c.id for c in proposals], edit, text)


def accept_dots(project: Project, inbox: Inbox, dots: Sequence[Contribution]) -> AcceptCommand:
    """Dots on one idea, added to its tally."""
    m = _map(project, dots[0])
    kid = dots[0].kaizen_id
    k = m.kaizens.get(kid or "")
    if k is None:
        raise AcceptError("its idea was deleted")
    n = len(dots)
    edit = cmd.SetElementFieldsCommand(m, k.id, {"votes": k.votes + n},
                                       f"Accept {n} dot{'s' if n != 1 else ''} on {k.text!r}")
    return AcceptCommand(inbox, [c.id for c in dots], edit, edit.text())


def pulse_period(today: date | None = None) -> str:
    """The SPACE period a workshop's pulse is recorded in: this ISO week."""
    return iso_week(today or date.today())


def accept_pulse(project: Project, inbox: Inbox, answers: Sequence[Contribution],
                 period: str) -> AcceptCommand:
    """The session's answers as the SPACE round of ``period`` (answers of this inbox already
    recorded in that period count again, so the round holds everyone)."""
    everyone = [*inbox.accepted_pulse(period), *answers]
    round_ = pulse_round(everyone, period)
    edit = put_survey_command(project, [round_], f"Record SPACE round {period} from the "
                                                 f"workshop ({round_.n_responses} answers)")
    return AcceptCommand(inbox, [c.id for c in answers], edit, edit.text(), period)


def replaces_round(project: Project, inbox: Inbox, period: str) -> bool:
    """Whether recording ``period`` would replace a round recorded some other way (typed in
    or imported), rather than one this inbox recorded."""
    try:
        existing = any(r.period == period for r in read_surveys(project))
    except ValueError:
        return False
    return existing and not inbox.accepted_pulse(period)


def clear_votes_command(vsm_map: ValueStreamMap) -> QUndoCommand | None:
    """Set every idea's tally of ``vsm_map`` back to 0 (one undo step), or None."""
    voted = [k for k in vsm_map.kaizens.values() if k.votes]
    if not voted:
        return None
    return _Macro(f"Clear dot votes on {vsm_map.name}",
                  [cmd.SetElementFieldsCommand(vsm_map, k.id, {"votes": 0}) for k in voted])


class _Macro(QUndoCommand):
    """Child commands run by this one (PySide does not give a parent ownership of
    Python-made children; see ``RemoveStageCommand``)."""

    def __init__(self, text: str, children: list[QUndoCommand]) -> None:
        super().__init__(text)
        self.children = children

    def redo(self) -> None:
        for c in self.children:
            c.redo()

    def undo(self) -> None:
        for c in reversed(self.children):
            c.undo()


class WorkshopHost(QObject):
    """The hosting of one main window.

    Signals
    -------
    hosting_changed(bool)
        A session started (True) or stopped (False).
    published(int)
        Participants were sent the map's picture (its version).
    """

    hosting_changed = Signal(bool)
    published = Signal(int)
    _wake = Signal()

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.inbox = Inbox()
        self.session: WorkshopSession | None = None
        self.server: WorkshopServer | None = None
        self.votes_per_person = DEFAULT_VOTES_PER_PERSON
        self._map: ValueStreamMap | None = None
        self._map_slots: list[tuple[Any, Any]] = []
        self._publish_timer = QTimer(self)
        self._publish_timer.setSingleShot(True)
        self._publish_timer.setInterval(PUBLISH_MS)
        self._publish_timer.timeout.connect(self.publish_now)
        self._wake.connect(self._drain, Qt.ConnectionType.QueuedConnection)
        window.current_map_changed.connect(self._follow_map)
        window.project_changed.connect(self._on_project)

    # -- hosting -------------------------------------------------------------------------------
    def is_hosting(self) -> bool:
        return self.server is not None

    @property
    def url(self) -> str | None:
        return self.server.url if self.server is not None else None

    def start(self, host: str | None = None, *, votes_per_person: int | None = None
              ) -> WorkshopServer:
        """Host a new session on ``host`` (default: the LAN address, else loopback) on a free
        port; a running one is stopped first (its link stops working).

        Raises
        ------
        OSError
            The address cannot be bound (the message says why).
        """
        self.stop()
        if votes_per_person is not None:
            self.votes_per_person = votes_per_person
        session = WorkshopSession(votes_per_person=self.votes_per_person,
                                  on_event=self._wake.emit)
        address = host or default_host()
        server = WorkshopServer(session, address, all_interfaces=address == ALL_INTERFACES)
        self.session, self.server = session, server
        self._follow_map(self.window.current_map())
        self.publish_now()
        self.hosting_changed.emit(True)
        return server

    def stop(self) -> None:
        """Stop hosting: the link stops working; what arrived stays in the inbox."""
        if self.server is None or self.session is None:
            return
        session, server = self.session, self.server
        session.on_event = None
        server.stop()  # closes the session at once; the port in a helper thread
        self.inbox.add_events(session.take_events(), session)  # nothing received is lost
        self.session = self.server = None
        self._publish_timer.stop()
        self.hosting_changed.emit(False)

    def set_votes_per_person(self, n: int) -> None:
        self.votes_per_person = n
        if self.session is not None:
            self.session.votes_per_person = n

    def participant_count(self) -> int:
        return self.session.participant_count if self.session is not None else 0

    def _drain(self) -> None:
        if self.session is not None:
            events = self.session.take_events()
            if events:
                self.inbox.add_events(events, self.session)

    # -- the map participants see --------------------------------------------------------------
    def _follow_map(self, m: ValueStreamMap | None) -> None:
        if m is self._map:
            return
        for sig, slot in self._map_slots:
            sig.disconnect(slot)
        self._map_slots = []
        self._map = m
        if m is not None:
            for sig in (m.stage_added, m.stage_removed, m.stage_changed, m.flow_added,
                        m.flow_removed, m.flow_changed, m.element_added, m.element_removed,
                        m.element_changed, m.settings_changed, m.renamed):
                sig.connect(self._map_changed)
                self._map_slots.append((sig, self._map_changed))
        self._map_changed()

    def _map_changed(self, *_: Any) -> None:
        # a throttle, not a debounce: a stream of edits still refreshes the room every 300 ms
        if self.session is not None and not self._publish_timer.isActive():
            self._publish_timer.start()

    def publish_now(self) -> int | None:
        """Render the map on screen and hand it to the server (GUI thread)."""
        self._publish_timer.stop()
        if self.session is None or self._map is None:
            return None
        with MapPicture(self.window.project.name, self._map) as pic:
            svg = render_svg(pic)
        view = self.session.publish(MapView.of(self._map, svg))
        self.published.emit(view.version)
        return view.version

    def _on_project(self, _project: Project) -> None:
        """Another project: its maps are not the ones contributions were made on."""
        was = self.is_hosting()
        self.stop()
        self.inbox.clear()
        self._follow_map(None)
        if was:
            self.window.statusBar().showMessage(
                "Hosting stopped: another project was opened", 6000)

    def close(self) -> None:
        """The window closes: stop hosting and let go of the map."""
        self.stop()
        self._follow_map(None)
        try:
            self.window.current_map_changed.disconnect(self._follow_map)
            self.window.project_changed.disconnect(self._on_project)
        except (RuntimeError, TypeError):
            pass

    # -- accepting -----------------------------------------------------------------------------
    def accept(self, commands: Sequence[AcceptCommand], text: str | None = None) -> None:
        """Push acceptances: one undo step each, or one macro for several."""
        stack = self.window.undo_stack
        if len(commands) == 1:
            stack.push(commands[0])
            return
        stack.beginMacro(text or f"Accept {len(commands)} contributions")
        for c in commands:
            stack.push(c)
        stack.endMacro()

    def reject(self, ids: Sequence[str]) -> None:
        self.inbox.set_status(ids, Status.REJECTED)

    def clear_votes(self) -> bool:
        m = self.window.current_map()
        command = clear_votes_command(m) if m is not None else None
        if command is None:
            return False
        self.window.undo_stack.push(command)
        return True

