"""The facilitator's inbox, Qt-free: groups, statuses told back to the session, withdrawals."""

from __future__ import annotations

from vsm_app.domain.model import KaizenBurst
from vsm_app.domain.templates import software_delivery
from vsm_app.workshop.contributions import Kind, MapView, Status
from vsm_app.workshop.inbox import PULSE_GROUP, Inbox
from vsm_app.workshop.session import WorkshopSession


def test_groups_statuses_and_withdrawals() -> None:
    m = software_delivery()
    review, ci = m.stage_by_name("Review"), m.stage_by_name("CI")
    idea = KaizenBurst("Review within 4 h", review.id)
    loose = KaizenBurst("Pair more", None)
    m.add_element(idea)
    m.add_element(loose)
    s = WorkshopSession()
    s.publish(MapView.of(m))
    ana, ben = s.join("Ana").id, s.join("Ben").id
    n1 = s.submit(ana, "note", {"stage": review.id, "text": "QA is one person"})
    e1 = s.submit(ana, "estimate", {"stage": review.id, "wait": "1h"})
    e2 = s.submit(ben, "estimate", {"stage": review.id, "wait": "3h", "pca": "90%"})
    v1 = s.submit(ben, "vote", {"kaizen": idea.id})
    v2 = s.submit(ana, "vote", {"kaizen": idea.id})
    v3 = s.submit(ana, "vote", {"kaizen": loose.id})
    n2 = s.submit(ben, "note", {"stage": ci.id, "text": "flaky tests"})
    p1 = s.submit(ben, "pulse", {"performance": 3})
    inbox = Inbox()
    seen: list[set] = []
    inbox.changed.connect(seen.append)
    inbox.add_events(s.take_events(), s)
    by_review = ("stage", m.id, review.id)
    assert inbox.groups() == [by_review, ("ideas", m.id), ("stage", m.id, ci.id), PULSE_GROUP]
    assert seen == [set(inbox.groups())]
    assert [c.id for c in inbox.pending(by_review)] == [n1.id, e1.id, e2.id, v1.id, v2.id]
    spreads = inbox.spreads(by_review)
    assert (spreads["wait"].median, spreads["wait"].low, spreads["wait"].high) == (
        7200.0, 3600.0, 10800.0)  # median of 1 h and 3 h
    assert spreads["pca"].n == 1
    assert inbox.tally(by_review) == {idea.id: 2}
    assert inbox.tally(("ideas", m.id)) == {loose.id: 1}
    assert [c.id for c in inbox.pending(("ideas", m.id))] == [v3.id]
    assert [c.id for c in inbox.pending(PULSE_GROUP)] == [p1.id]
    assert inbox.pending_count() == 8

    # accepting tells the session: Ana's note is taken up, and her page knows
    inbox.set_status([n1.id, e1.id, e2.id], Status.ACCEPTED)
    assert s.status(n1.id) == Status.ACCEPTED
    assert [c.kind for c in inbox.pending(by_review)] == [Kind.VOTE, Kind.VOTE]
    # an undo puts them back
    inbox.set_status([e1.id], Status.PENDING)
    assert [c.id for c in inbox.pending(by_review)] == [v1.id, v2.id, e1.id]
    assert s.status(e1.id) == Status.PENDING
    # rejecting a dot gives it back to its owner
    assert s.state_for(ana)["me"]["votes_left"] == 1
    inbox.set_status([v2.id], Status.REJECTED)
    assert s.state_for(ana)["me"]["votes_left"] == 2
    # a participant takes back a pending note: it leaves the inbox
    s.withdraw(ben, n2.id)
    inbox.add_events(s.take_events(), s)
    assert ("stage", m.id, ci.id) not in inbox.groups()
    assert inbox.status(n2.id) == Status.WITHDRAWN
    # an accepted pulse answer remembers its period, so a later batch is counted with it
    inbox.set_status([p1.id], Status.ACCEPTED, period="2025-W07")
    assert [c.id for c in inbox.accepted_pulse("2025-W07")] == [p1.id]
    assert inbox.accepted_pulse("2025-W08") == []
    inbox.clear()
    assert inbox.groups() == [] and inbox.pending_count() == 0
