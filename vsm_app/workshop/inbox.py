"""The facilitator's inbox (Qt-free): contributions grouped by stage, and what accepting does.

Contributions arrive from any number of sessions (a facilitator can stop hosting and go on
sorting the inbox, or host again); each entry remembers its session so the participant who
sent it learns whether it was taken up. Only pending entries are shown; accepting or
rejecting changes an entry's status, and an undo of an acceptance puts it back to pending.

Groups
------
``("stage", map_id, stage_id)``
    Notes, estimate proposals and dots on the ideas linked to that stage.
``("ideas", map_id)``
    Dots on ideas linked to no stage.
``("pulse",)``
    The anonymous pulse answers (shown only as a count).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..domain.signals import Signal
from .contributions import Contribution, Kind, Spread, Status, estimate_spreads, vote_tally
from .session import Event, WorkshopSession

GroupKey = tuple[str, ...]
PULSE_GROUP: GroupKey = ("pulse",)


def group_of(c: Contribution) -> GroupKey:
    if c.kind == Kind.PULSE:
        return PULSE_GROUP
    if c.stage_id is None:
        return ("ideas", c.map_id)
    return ("stage", c.map_id, c.stage_id)


@dataclass
class Entry:
    contribution: Contribution
    session: WorkshopSession | None
    status: Status = Status.PENDING
    #: the SPACE period an accepted pulse answer was recorded in
    period: str | None = None


class Inbox:
    """Every contribution received, by id; the pending ones by group.

    Signals
    -------
    changed(set[GroupKey])
        The pending contributions of these groups changed.
    """

    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}
        self._pending: dict[GroupKey, dict[str, Contribution]] = {}
        self.changed = Signal()

    # -- filling -------------------------------------------------------------------------------
    def add_events(self, events: Iterable[Event], session: WorkshopSession | None) -> set[GroupKey]:
        """Take a session's events (new and withdrawn contributions); emits ``changed``."""
        touched: set[GroupKey] = set()
        for what, c in events:
            key = group_of(c)
            if what == "new":
                if c.id in self._entries:
                    continue
                self._entries[c.id] = Entry(c, session)
                self._pending.setdefault(key, {})[c.id] = c
                touched.add(key)
            elif what == "withdrawn":
                e = self._entries.get(c.id)
                if e is not None and e.status == Status.PENDING:
                    e.status = Status.WITHDRAWN
                    self._drop(key, c.id)
                    touched.add(key)
        if touched:
            self.changed.emit(touched)
        return touched

    def _drop(self, key: GroupKey, cid: str) -> None:
        group = self._pending.get(key)
        if group is not None:
            group.pop(cid, None)
            if not group:
                del self._pending[key]

    def clear(self) -> None:
        """Forget everything (another project was opened)."""
        keys = set(self._pending)
        self._entries.clear()
        self._pending.clear()
        if keys:
            self.changed.emit(keys)

    # -- deciding ------------------------------------------------------------------------------
    def set_status(self, ids: Iterable[str], status: Status, period: str | None = None) -> None:
        """Accept, reject, or (an undo) put back to pending; tells the sessions."""
        touched: set[GroupKey] = set()
        by_session: dict[int, tuple[WorkshopSession, list[str]]] = {}
        for cid in ids:
            e = self._entries.get(cid)
            if e is None or e.status == status or e.status == Status.WITHDRAWN:
                continue
            e.status = status
            e.period = period if status == Status.ACCEPTED else None
            key = group_of(e.contribution)
            if status == Status.PENDING:
                self._pending.setdefault(key, {})[cid] = e.contribution
            else:
                self._drop(key, cid)
            touched.add(key)
            if e.session is not None:
                by_session.setdefault(id(e.session), (e.session, []))[1].append(cid)
        for session, cids in by_session.values():
            session.resolve(cids, status)
        if touched:
            self.changed.emit(touched)

    # -- reading -------------------------------------------------------------------------------
    def groups(self) -> list[GroupKey]:
        """Groups with something pending, in order of their first pending arrival."""
        return list(self._pending)

    def pending(self, key: GroupKey | None = None, kind: Kind | None = None) -> list[Contribution]:
        groups = [self._pending.get(key, {})] if key is not None else self._pending.values()
        return [c for g in groups for c in g.values() if kind is None or c.kind == kind]

    def pending_count(self) -> int:
        return sum(len(g) for g in self._pending.values())

    def status(self, cid: str) -> Status:
        return self._entries[cid].status

    def contribution(self, cid: str) -> Contribution:
        return self._entries[cid].contribution

    def spreads(self, key: GroupKey) -> dict[str, Spread]:
        """Median and spread of the pending estimate proposals of a stage group."""
        return estimate_spreads(self.pending(key, Kind.ESTIMATE))

    def dots(self, key: GroupKey) -> dict[str, list[Contribution]]:
        """The pending dots of a group, per kaizen id (in arrival order)."""
        out: dict[str, list[Contribution]] = {}
        for c in self.pending(key, Kind.VOTE):
            assert c.kaizen_id is not None
            out.setdefault(c.kaizen_id, []).append(c)
        return out

    def tally(self, key: GroupKey) -> dict[str, int]:
        return vote_tally(self.pending(key, Kind.VOTE))

    def accepted_pulse(self, period: str) -> list[Contribution]:
        """Pulse answers already recorded in ``period`` (a later batch of the same period
        is recorded together with them, so the round counts everyone)."""
        return [e.contribution for e in self._entries.values()
                if e.contribution.kind == Kind.PULSE and e.status == Status.ACCEPTED
                and e.period == period]
