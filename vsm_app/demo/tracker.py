"""The demo's issue tracker: Jira work items behind the demo repository's pull requests.

Deterministic (its own random generator, seeded from the demo's seed, so the repository's
story draws exactly what it drew before). Written by :mod:`vsm_app.demo.generate` as Jira
REST exports: ``exports/jira_issues.json`` (search pages with ``expand=changelog``, the
changelog newest first as Jira Cloud lists it), ``exports/jira_statuses.json``
(``/rest/api/2/status``) and ``exports/jira_board.json`` (the board configuration, with
column WIP limits).

The items (``SHOP-1`` …):

* most pull requests carry out one item, named in the branch (``feat/SHOP-12-add-wishlist``);
  about one item in eight needs a follow-up pull request; dependency bumps and half of the
  chores have no item (unlinked changes);
* an item waits in **Backlog** (median 8 h), is analysed (**In Analysis**, median 3 h of
  work), waits in **Ready for Dev** (median 5 h), is **In Progress** from shortly before the
  first commit, **In Review** from the pull request's opening and **Done** a few minutes
  after its last pull request merges; a few go back (review feedback: In Review → In
  Progress; deprioritised: Ready for Dev → Backlog), a reverted change **reopens** its item
  until the revert merges, an abandoned pull request sends its item back to the backlog;
* epics (not units of flow) hold half of the stories; a few items are closed as
  **Won't Do**, a few new ones are still waiting when the data ends;
* every issue names its reporter and assignee and every changelog entry its author, as real
  exports do: the importers must store none of them.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vsm_app.demo.generate import Dev, PullRequest

PROJECT = "SHOP"
SITE = "https://shop-demo.atlassian.net"
#: status → (id, category key, category id, category name)
STATUSES: dict[str, tuple[str, str, int, str]] = {
    "Backlog": ("10000", "new", 2, "To Do"),
    "In Analysis": ("10010", "indeterminate", 4, "In Progress"),
    "Ready for Dev": ("10011", "new", 2, "To Do"),
    "In Progress": ("3", "indeterminate", 4, "In Progress"),
    "In Review": ("10012", "indeterminate", 4, "In Progress"),
    "Done": ("10001", "done", 3, "Done"),
    "Won't Do": ("10013", "done", 3, "Done"),
    "Reopened": ("4", "new", 2, "To Do"),
}
#: board columns: (name, statuses, WIP maximum)
BOARD = [("Backlog", ["Backlog", "Reopened"], None), ("Analysis", ["In Analysis"], 4),
         ("Ready", ["Ready for Dev"], 8), ("Development", ["In Progress"], 6),
         ("Review", ["In Review"], 6), ("Done", ["Done", "Won't Do"], None)]
TYPES = {"Story": ("10001", 0), "Bug": ("10004", 0), "Task": ("10002", 0),
         "Security": ("10005", 0), "Epic": ("10000", 1)}
TYPE_OF_PREFIX = {"feat": "Story", "fix": "Bug", "refactor": "Task", "chore": "Task",
                  "test": "Task", "docs": "Task", "perf": "Task", "security": "Security"}
EPICS = ["Checkout", "Search", "Accounts", "Payments", "Orders", "Catalogue", "Mobile web",
         "Performance"]
#: medians (hours) and spreads of the upstream times
BACKLOG_H, ANALYSIS_H, READY_H = 8.0, 3.0, 5.0


@dataclass
class DemoItem:
    key: str
    number: int
    type: str
    title: str
    created: datetime
    reporter: Dev
    assignee: Dev | None
    transitions: list[tuple[datetime, str]] = field(default_factory=list)  # (at, to)
    prs: list[PullRequest] = field(default_factory=list)
    parent: str | None = None

    @property
    def status(self) -> str:
        return self.transitions[-1][1] if self.transitions else "Backlog"


def _prefix(title: str) -> str:
    head = title.split(":", 1)[0]
    return head.split("(", 1)[0].strip()


def _lognormal_h(rng: random.Random, median_h: float, sigma: float) -> timedelta:
    return timedelta(hours=median_h * math.exp(rng.gauss(0.0, sigma)))


def plan_items(prs: list[PullRequest], devs: list[Dev], seed: int, start: datetime,
               end: datetime) -> list[DemoItem]:
    """Decide which item each pull request carries out (renaming its branch to name the
    key) and build every item's status history. ``prs`` are numbered and named already."""
    rng = random.Random(seed * 7919 + 18)
    items: list[DemoItem] = []
    by_pr: dict[int, DemoItem] = {}
    ordered = sorted((p for p in prs if p.reverts is None), key=lambda p: p.opened)
    epics: list[DemoItem] = []
    span = (end - start) / len(EPICS)
    for i, name in enumerate(EPICS):
        epic = DemoItem("", 0, "Epic", f"{name} improvements", start + span * i
                        - timedelta(days=10), rng.choice(devs), None)
        epics.append(epic)
    for p in ordered:
        prefix = _prefix(p.title)
        if prefix == "deps" or (prefix == "chore" and rng.random() < 0.5):
            continue
        recent = [it for it in items[-12:] if len(it.prs) == 1 and it.prs[0].merged
                  and timedelta(0) <= p.commit_times[0] - it.prs[0].merged <= timedelta(days=3)
                  and TYPE_OF_PREFIX.get(prefix) == it.type]
        if recent and rng.random() < 0.12:
            item = recent[-1]
        else:
            item = DemoItem("", 0, TYPE_OF_PREFIX.get(prefix, "Task"),
                            p.title.split(": ", 1)[-1], p.opened, rng.choice(devs), p.author)
            items.append(item)
        item.prs.append(p)
        by_pr[id(p)] = item
    # items that never reach code: won't do, and new ones still waiting at the end
    extra: list[DemoItem] = []
    for _ in range(22):
        at = start + (end - start - timedelta(days=20)) * rng.random()
        it = DemoItem("", 0, rng.choice(["Story", "Bug", "Task"]),
                      rng.choice(["export to PDF", "dark mode", "loyalty points", "SMS alerts",
                                  "legacy API cleanup", "IE11 support"]), at,
                      rng.choice(devs), None)
        it.transitions = [(at, "Backlog"), (at + _lognormal_h(rng, 120.0, 0.5), "Won't Do")]
        extra.append(it)
    for _ in range(18):
        at = end - timedelta(days=40) * rng.random() - timedelta(hours=2)
        it = DemoItem("", 0, rng.choice(["Story", "Bug", "Task"]),
                      rng.choice(["gift wrapping", "order notes", "address autocomplete",
                                  "slow admin page", "audit log"]), at, rng.choice(devs), None)
        it.transitions = [(at, "Backlog")]
        if rng.random() < 0.4 and at + timedelta(hours=20) < end:
            it.transitions.append((at + timedelta(hours=20), "In Analysis"))
        extra.append(it)
    reverts_of = {id(r.reverts): r for r in prs if r.reverts is not None}
    for item in items:
        _history(item, rng, by_pr, reverts_of, end)
    every = sorted(epics + items + extra, key=lambda it: it.created)
    for n, it in enumerate(every, start=1):
        it.number = n
        it.key = f"{PROJECT}-{n}"
    for it in items:
        if it.type == "Story" and rng.random() < 0.5:
            owner = [e for e in epics if e.created <= it.created]
            if owner:
                it.parent = owner[-1].key
    for i, epic in enumerate(epics):
        epic.transitions = [(epic.created, "Backlog"),
                            (epic.created + timedelta(days=3), "In Progress")]
        done = start + span * (i + 1) + timedelta(days=5)
        if done < end:
            epic.transitions.append((done, "Done"))
    _rename_branches(prs, by_pr)
    return every


def _history(item: DemoItem, rng: random.Random, by_pr: dict[int, DemoItem],
             reverts_of: dict[int, PullRequest], end: datetime) -> None:
    """Backlog → In Analysis → Ready for Dev → In Progress → In Review → Done, from the
    item's pull requests (module docstring)."""
    first = item.prs[0]
    in_progress = first.commit_times[0] - timedelta(minutes=5 + 55 * rng.random())
    ready = in_progress - _lognormal_h(rng, READY_H, 0.8)
    t: list[tuple[datetime, str]] = []
    if rng.random() < 0.05:  # deprioritised once: back to the backlog for a few days
        back = ready - _lognormal_h(rng, 48.0, 0.5)
        first_ready = back - timedelta(hours=1)
        t += [(first_ready, "Ready for Dev"), (back, "Backlog"), (ready, "Ready for Dev")]
        analysis = first_ready - _lognormal_h(rng, ANALYSIS_H, 0.6)
    else:
        t.append((ready, "Ready for Dev"))
        analysis = ready - _lognormal_h(rng, ANALYSIS_H, 0.6)
    item.created = analysis - _lognormal_h(rng, BACKLOG_H, 0.7)
    t = [(item.created, "Backlog"), (analysis, "In Analysis")] + t
    t.append((in_progress, "In Progress"))
    for k, p in enumerate(item.prs):
        if k:
            t.append((max(p.commit_times[0], t[-1][0] + timedelta(minutes=1)), "In Progress"))
        t.append((max(p.opened, t[-1][0] + timedelta(minutes=1)), "In Review"))
        reviews = [r[0] for r in p.reviews if r[2] is not p.author]
        if reviews and len(reviews) > 1 and rng.random() < 0.15:  # feedback: back to work
            back = reviews[0] + timedelta(minutes=20)
            if back > t[-1][0] and (p.merged is None or back + timedelta(hours=1) < p.merged):
                t += [(back, "In Progress"), (back + timedelta(hours=1), "In Review")]
        if p.merged is None:
            if p.closed is not None and p.closed <= end:  # abandoned: back to the backlog
                t.append((p.closed + timedelta(minutes=30), "Backlog"))
            break
    else:
        last = item.prs[-1]
        assert last.merged is not None
        t.append((last.merged + timedelta(minutes=2 + 8 * rng.random()), "Done"))
        for p in list(item.prs):  # a reverted change reopens its item until the revert merges
            r = reverts_of.get(id(p))
            if r is not None and r.merged is not None:
                by_pr[id(r)] = item
                item.prs.append(r)
                t += [(r.opened, "Reopened"), (r.merged + timedelta(minutes=3), "Done")]
    clean: list[tuple[datetime, str]] = []
    for at, status in sorted(t, key=lambda x: x[0]):
        if at > end:
            break
        if not clean or status != clean[-1][1]:
            clean.append((at, status))
    item.transitions = clean


def _rename_branches(prs: list[PullRequest], by_pr: dict[int, DemoItem]) -> None:
    """``feat/add-wishlist-12`` → ``feat/SHOP-7-add-wishlist`` for pull requests of an
    item; revert branches follow the branch they revert (GitHub's revert button)."""
    for p in prs:
        item = by_pr.get(id(p))
        if p.reverts is None and item is not None:
            prefix, _, rest = p.slug.partition("/")
            p.branch = f"{prefix}/{item.key}-{rest}"
    for p in prs:
        if p.reverts is not None:
            p.branch = f"revert-{p.reverts.number}-{p.reverts.branch}"


# -- the Jira exports ---------------------------------------------------------------------------

def _jira_time(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}+0000"


def _user(dev: Dev | None) -> dict[str, Any] | None:
    if dev is None:
        return None
    return {"self": f"{SITE}/rest/api/2/user?accountId={dev.node_id}",
            "accountId": dev.node_id, "emailAddress": dev.person.email,
            "displayName": dev.person.name, "active": True, "timeZone": "Europe/Berlin"}


def _status(name: str) -> dict[str, Any]:
    sid, key, cid, cname = STATUSES[name]
    return {"self": f"{SITE}/rest/api/2/status/{sid}", "name": name, "id": sid,
            "statusCategory": {"self": f"{SITE}/rest/api/2/statuscategory/{cid}", "id": cid,
                               "key": key, "name": cname}}


def _issue(it: DemoItem, rng: random.Random, devs: list[Dev]) -> dict[str, Any]:
    issue_id = str(20000 + it.number)
    histories: list[dict[str, Any]] = []
    hid = it.number * 100
    prev = "Backlog"
    for at, status in it.transitions[1:]:
        hid += 1
        histories.append({
            "id": str(hid), "author": _user(rng.choice(devs)), "created": _jira_time(at),
            "items": [{"field": "status", "fieldtype": "jira", "fieldId": "status",
                       "from": STATUSES[prev][0], "fromString": prev,
                       "to": STATUSES[status][0], "toString": status}]})
        prev = status
    if it.assignee is not None and len(it.transitions) > 2:
        hid += 1
        at = it.transitions[2][0] + timedelta(minutes=1)
        histories.append({
            "id": str(hid), "author": _user(it.reporter), "created": _jira_time(at),
            "items": [{"field": "assignee", "fieldtype": "jira", "fieldId": "assignee",
                       "from": None, "fromString": None, "to": it.assignee.node_id,
                       "toString": it.assignee.person.name}]})
    histories.sort(key=lambda h: h["created"], reverse=True)  # Jira Cloud: newest first
    done = it.status in ("Done", "Won't Do")
    type_id, level = TYPES[it.type]
    fields: dict[str, Any] = {
        "summary": it.title[:1].upper() + it.title[1:],
        "issuetype": {"self": f"{SITE}/rest/api/2/issuetype/{type_id}", "id": type_id,
                      "name": it.type, "subtask": False, "hierarchyLevel": level},
        "status": _status(it.status),
        "created": _jira_time(it.created),
        "updated": _jira_time(it.transitions[-1][0] if it.transitions else it.created),
        "resolution": ({"id": "10000", "name": "Done"} if it.status == "Done" else
                       {"id": "10001", "name": "Won't Do"} if it.status == "Won't Do"
                       else None),
        "resolutiondate": _jira_time(it.transitions[-1][0]) if done else None,
        "priority": {"id": "3", "name": "Medium"},
        "labels": [],
        "project": {"id": "10000", "key": PROJECT, "name": "Shop"},
        "assignee": _user(it.assignee),
        "reporter": _user(it.reporter),
        "creator": _user(it.reporter),
        "comment": {"comments": [
            {"author": _user(it.assignee), "created": _jira_time(it.transitions[-1][0]),
             "body": "Looks good, thanks!"}] if it.assignee is not None and done else [],
            "total": 1 if it.assignee is not None and done else 0},
    }
    if it.parent:
        fields["parent"] = {"key": it.parent, "fields": {"summary": "epic"}}
    return {"expand": "operations,changelog", "id": issue_id,
            "self": f"{SITE}/rest/api/2/issue/{issue_id}", "key": it.key, "fields": fields,
            "changelog": {"startAt": 0, "maxResults": len(histories), "total": len(histories),
                          "histories": histories}}


def jira_search_pages(items: list[DemoItem], devs: list[Dev], seed: int,
                      page_size: int = 100) -> list[dict[str, Any]]:
    """The items as Jira search result pages (``/rest/api/2/search?expand=changelog``),
    newest issue first as Jira sorts by default."""
    rng = random.Random(seed * 7919 + 19)
    issues = [_issue(it, rng, devs) for it in sorted(items, key=lambda i: -i.number)]
    pages = []
    for start in range(0, len(issues), page_size):
        pages.append({"expand": "schema,names", "startAt": start, "maxResults": page_size,
                      "total": len(issues), "issues": issues[start:start + page_size]})
    return pages


def jira_statuses() -> list[dict[str, Any]]:
    """``/rest/api/2/status``: the workflow's statuses and their categories."""
    out = []
    for name in STATUSES:
        s = _status(name)
        s.update({"description": "", "iconUrl": f"{SITE}/", "untranslatedName": name})
        out.append(s)
    return out


def jira_board() -> dict[str, Any]:
    """``/rest/agile/1.0/board/1/configuration``: columns, their statuses, WIP limits."""
    columns = []
    for name, statuses, wip in BOARD:
        col: dict[str, Any] = {"name": name, "statuses": [
            {"id": STATUSES[s][0], "self": f"{SITE}/rest/api/2/status/{STATUSES[s][0]}"}
            for s in statuses]}
        if wip is not None:
            col["max"] = wip
        columns.append(col)
    return {"id": 1, "name": "SHOP board", "type": "kanban",
            "self": f"{SITE}/rest/agile/1.0/board/1/configuration",
            "columnConfig": {"columns": columns, "constraintType": "issueCount"}}
