"""One hosted workshop session: token, participants, contributions, limits (Qt-free).

Thread safety: the server's threads call :meth:`WorkshopSession.join`, ``submit``,
``withdraw``, ``state_for`` and ``wait_for_change``; the GUI thread calls ``publish``,
``take_events``, ``resolve`` and ``close``. Every method takes the session's one lock for a
few dictionary operations only, so neither side waits on the other for long; the GUI thread
never waits on a request.

How contributions reach the GUI: ``submit`` queues a ``("new", contribution)`` event (a
participant taking one back queues ``("withdrawn", contribution)``) and calls ``on_event``
when the queue was empty, so a burst of submissions wakes the GUI once; the GUI takes the
whole queue with :meth:`take_events`. Nothing is dropped: an event stays queued until taken.

Participants: a display name for the session only (never stored in the project) and a random
participant id the page keeps for the session. A pulse answer carries neither: the session
remembers only *that* a participant answered (one answer each), not which answer is theirs.
"""

from __future__ import annotations

import hmac
import itertools
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .contributions import (
    Contribution,
    ContributionError,
    Kind,
    MapView,
    Status,
    read_estimate,
    read_name,
    read_note,
    read_pulse,
    read_vote,
)

DEFAULT_VOTES_PER_PERSON = 3
MAX_VOTES_PER_PERSON = 20
#: contribution ids, unique across the sessions of one app (an inbox outlives its session)
_IDS = itertools.count(1)


@dataclass(frozen=True)
class Limits:
    """Size and rate limits of a session (the server enforces them on every request).

    Rates are token buckets: ``*_per_s`` sustained, ``*_burst`` at once. A client address
    may be a router in front of a whole room of phones, so its allowance is a room's; a
    participant's own allowance is a person's.
    """

    max_body_bytes: int = 8 * 1024
    requests_per_s: float = 60.0
    request_burst: int = 240
    joins_per_s: float = 1.0
    join_burst: int = 60
    submissions_per_s: float = 1.0
    submission_burst: int = 10
    max_participants: int = 200
    max_pending: int = 5000
    max_streams: int = 250
    max_connections: int = 400
    stream_heartbeat_s: float = 15.0


class LimitError(Exception):
    """A request over a limit. ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 429, retry_after_s: float | None = None
                 ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after_s = retry_after_s


class UnknownParticipant(Exception):
    """A participant id this session did not give out (or a closed session)."""


class RateLimiter:
    """Token buckets per key (client address, participant id); at most ``max_keys`` kept,
    the least recently used forgotten first."""

    def __init__(self, rate_per_s: float, burst: int, *,
                 clock: Callable[[], float] = time.monotonic, max_keys: int = 10_000) -> None:
        self.rate, self.burst, self.clock, self.max_keys = rate_per_s, float(burst), clock, max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key: str) -> float:
        """0.0 when one request of ``key`` may go now (and counts it), else the seconds to
        wait before the next one may."""
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[key] = (tokens, now)
                wait = (1.0 - tokens) / self.rate
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        return wait


@dataclass(eq=False)
class Participant:
    id: str
    name: str
    #: wakes this participant's live stream (shares the session's lock)
    changed: threading.Condition = field(repr=False)
    votes_used: int = 0
    status_version: int = 0
    pulse_answered: bool = False
    contributions: list[str] = field(default_factory=list)


Event = tuple[str, Contribution]


class WorkshopSession:
    """The state of one hosted session.

    Parameters
    ----------
    votes_per_person
        Dots each participant may place on kaizen ideas (a rejected or withdrawn dot is
        given back).
    limits
        Size and rate limits.
    on_event
        Called (from a server thread) when an event is queued for the GUI and the queue was
        empty; the GUI then calls :meth:`take_events`.
    """

    def __init__(self, *, votes_per_person: int = DEFAULT_VOTES_PER_PERSON,
                 limits: Limits | None = None, on_event: Callable[[], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not 1 <= votes_per_person <= MAX_VOTES_PER_PERSON:
            raise ValueError(f"votes per person must be 1 to {MAX_VOTES_PER_PERSON}")
        self.token = secrets.token_urlsafe(18)
        self.votes_per_person = votes_per_person
        self.limits = limits or Limits()
        self.on_event = on_event
        self._lock = threading.Lock()
        self._open = True
        self._view = MapView("", "", 86_400.0, (), ())
        self._participants: dict[str, Participant] = {}
        self._contributions: dict[str, Contribution] = {}
        self._status: dict[str, Status] = {}
        self._owner: dict[str, str] = {}
        self._events: list[Event] = []
        self._pending = 0
        self._streams = 0
        self.request_limiter = RateLimiter(self.limits.requests_per_s, self.limits.request_burst,
                                           clock=clock)
        self.join_limiter = RateLimiter(self.limits.joins_per_s, self.limits.join_burst,
                                        clock=clock)
        self.submit_limiter = RateLimiter(self.limits.submissions_per_s,
                                          self.limits.submission_burst, clock=clock)

    # -- token and life ---------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self._open

    def check_token(self, candidate: str) -> bool:
        """Whether ``candidate`` is this open session's token (constant-time comparison)."""
        ok = hmac.compare_digest(candidate.encode("utf-8", "replace"), self.token.encode())
        return ok and self._open

    def close(self) -> None:
        """End the session: the token stops working and every live stream ends."""
        with self._lock:
            self._open = False
            self._notify_all()

    def _notify_all(self) -> None:
        for p in self._participants.values():
            p.changed.notify_all()

    # -- the map ------------------------------------------------------------------------------
    @property
    def view(self) -> MapView:
        return self._view

    def publish(self, view: MapView) -> MapView:
        """Show participants a new picture of the map (its version is set here)."""
        with self._lock:
            view = replace(view, version=self._view.version + 1)
            self._view = view
            self._notify_all()
        return view

    # -- participants -------------------------------------------------------------------------
    def join(self, name: Any) -> Participant:
        """A new participant with a display name (session only)."""
        clean = read_name(name)
        with self._lock:
            self._require_open()
            if len(self._participants) >= self.limits.max_participants:
                raise LimitError(f"this session is full ({self.limits.max_participants} "
                                 "participants)", status=503)
            p = Participant(secrets.token_urlsafe(16), clean, threading.Condition(self._lock))
            self._participants[p.id] = p
        return p

    def participant(self, participant_id: str) -> Participant:
        with self._lock:
            return self._participant(participant_id)

    def _participant(self, participant_id: Any) -> Participant:
        p = self._participants.get(participant_id) if isinstance(participant_id, str) else None
        if p is None or not self._open:
            raise UnknownParticipant("join the session first")
        return p

    def _require_open(self) -> None:
        if not self._open:
            raise UnknownParticipant("the session has ended")

    @property
    def participant_count(self) -> int:
        return len(self._participants)

    # -- contributions ------------------------------------------------------------------------
    def submit(self, participant_id: Any, kind: str, payload: Mapping[str, Any]) -> Contribution:
        """Take one contribution (validated against the map shown now).

        Raises
        ------
        UnknownParticipant
            The id was not given out by this session, or the session has ended.
        ContributionError
            A field that cannot be read (one message per field).
        LimitError
            Too many contributions too fast, no dot left, the pulse already answered, or
            the inbox full.
        """
        k = Kind(kind)
        view = self._view
        with self._lock:
            p = self._participant(participant_id)
        wait = self.submit_limiter.allow(p.id)
        if wait:
            raise LimitError("slow down a little", retry_after_s=wait)
        fields: dict[str, Any] = {"map_id": view.map_id}
        if k == Kind.NOTE:
            fields["stage_id"], fields["text"] = read_note(payload, view)
        elif k == Kind.ESTIMATE:
            fields["stage_id"], fields["values"], fields["typed"] = read_estimate(payload, view)
        elif k == Kind.VOTE:
            fields["kaizen_id"] = read_vote(payload, view)
            kz = view.kaizen(fields["kaizen_id"])
            fields["stage_id"] = kz.stage_id if kz is not None else None
        else:
            fields["scores"], fields["comment"] = read_pulse(payload)
        with self._lock:
            self._require_open()
            if self._pending >= self.limits.max_pending:
                raise LimitError("the facilitator's inbox is full; try again later",
                                 status=503, retry_after_s=30.0)
            if k == Kind.VOTE and p.votes_used >= self.votes_per_person:
                raise LimitError(f"you have placed all {self.votes_per_person} of your dots",
                                 status=409)
            if k == Kind.PULSE and p.pulse_answered:
                raise LimitError("you have answered the pulse already", status=409)
            cid = f"c{next(_IDS)}"
            if k == Kind.PULSE:  # anonymous: no name, no id, only "answered"
                c = Contribution(cid, k, **fields)
                p.pulse_answered = True
            else:
                c = Contribution(cid, k, participant_id=p.id, name=p.name, **fields)
                self._owner[cid] = p.id
                p.contributions.append(cid)
                if k == Kind.VOTE:
                    p.votes_used += 1
            p.status_version += 1
            p.changed.notify_all()
            self._contributions[cid] = c
            self._status[cid] = Status.PENDING
            self._pending += 1
            wake = self._queue(("new", c))
        if wake:
            self._wake_gui()
        return c

    def withdraw(self, participant_id: Any, contribution_id: Any) -> Contribution:
        """A participant takes back one of their pending contributions."""
        with self._lock:
            p = self._participant(participant_id)
            if not isinstance(contribution_id, str) or self._owner.get(contribution_id) != p.id:
                raise ContributionError({"id": "not one of your contributions"})
            if self._status[contribution_id] != Status.PENDING:
                raise ContributionError({"id": "the facilitator has already taken it up"})
            c = self._contributions[contribution_id]
            self._set_status(c, Status.WITHDRAWN)
            wake = self._queue(("withdrawn", c))
        if wake:
            self._wake_gui()
        return c

    def resolve(self, contribution_ids: Iterable[str], status: Status) -> list[Contribution]:
        """The facilitator accepted or rejected contributions (or an undo put them back to
        pending); their owners see the new status. Returns those whose status changed."""
        changed: list[Contribution] = []
        with self._lock:
            for cid in contribution_ids:
                c = self._contributions.get(cid)
                if c is None or self._status[cid] in (status, Status.WITHDRAWN):
                    continue
                self._set_status(c, status)
                changed.append(c)
        return changed

    def _set_status(self, c: Contribution, status: Status) -> None:
        old = self._status[c.id]
        self._status[c.id] = status
        self._pending += (status == Status.PENDING) - (old == Status.PENDING)
        owner = self._participants.get(self._owner.get(c.id, ""))
        if owner is not None:
            if c.kind == Kind.VOTE:
                counts = (Status.PENDING, Status.ACCEPTED)
                owner.votes_used += (status in counts) - (old in counts)
            owner.status_version += 1
            owner.changed.notify_all()

    def status(self, contribution_id: str) -> Status:
        with self._lock:
            return self._status[contribution_id]

    def contributions(self, status: Status | None = None) -> list[Contribution]:
        """Every contribution (or those with ``status``), in arrival order."""
        with self._lock:
            return [c for cid, c in self._contributions.items()
                    if status is None or self._status[cid] == status]

    def _queue(self, event: Event) -> bool:
        was_empty = not self._events
        self._events.append(event)
        return was_empty

    def _wake_gui(self) -> None:
        if self.on_event is not None:
            self.on_event()

    def take_events(self) -> list[Event]:
        """Every event queued since the last call (GUI thread)."""
        with self._lock:
            events, self._events = self._events, []
        return events

    # -- what a participant's page shows --------------------------------------------------------
    def state_for(self, participant_id: Any) -> dict[str, Any]:
        """The page's whole state: the map, the participant's dots and contributions."""
        view = self._view
        with self._lock:
            p = self._participant(participant_id)
            names = {s.id: s.name for s in view.stages}
            mine = []
            my_dots: dict[str, int] = {}
            for cid in p.contributions:
                c, st = self._contributions[cid], self._status[cid]
                if c.kind == Kind.VOTE and c.kaizen_id and st in (Status.PENDING,
                                                                  Status.ACCEPTED):
                    my_dots[c.kaizen_id] = my_dots.get(c.kaizen_id, 0) + 1
                kz = view.kaizen(c.kaizen_id) if c.kaizen_id else None
                mine.append({"id": cid, "kind": c.kind.value, "status": st.value,
                             "stage": names.get(c.stage_id or "", ""),
                             "summary": kz.text if kz is not None else c.summary()})
            return {
                "open": self._open,
                "map": view.to_json(),
                "me": {"name": p.name, "votes_per_person": self.votes_per_person,
                       # the facilitator may lower the budget during the session
                       "votes_left": max(0, self.votes_per_person - p.votes_used),
                       "my_dots": my_dots, "pulse_answered": p.pulse_answered,
                       "contributions": mine[::-1], "version": p.status_version},
            }

    def versions(self, participant_id: Any) -> tuple[int, int]:
        with self._lock:
            return self._view.version, self._participant(participant_id).status_version

    # -- live streams ----------------------------------------------------------------------------
    def open_stream(self) -> None:
        with self._lock:
            if self._streams >= self.limits.max_streams:
                raise LimitError("too many live connections", status=503, retry_after_s=10.0)
            self._streams += 1

    def close_stream(self) -> None:
        with self._lock:
            self._streams -= 1

    def wait_for_change(self, participant_id: str, seen: tuple[int, int], timeout_s: float
                        ) -> tuple[int, int] | None:
        """Block (a server thread) until the map or the participant's statuses change past
        ``seen``, the session closes, or ``timeout_s`` passes. Returns the new versions,
        or None on time-out; raises :class:`UnknownParticipant` once the session closed."""
        deadline = time.monotonic() + timeout_s
        with self._lock:
            while True:
                p = self._participant(participant_id)
                now = (self._view.version, p.status_version)
                if now != seen:
                    return now
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                p.changed.wait(left)
