"""One work item's journey across the map (issue 18, docs/metrics.md §17): its tracker
statuses, then the events of its linked changes (first commit, pull request, review, merge,
CI, deployment), each placed in the stage of the map that measures it.

For a conversation in the workshop: "SHOP-12 waited 6 days in Ready for Dev, then its pull
request waited 2 days for a review". The journey never names a person: the tables hold no
assignee, reporter or commenter, and a change's author is a salted hash that is not shown.
Titles are in it only when the tracker file gave one (they live in memory, never saved).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from vsm_app.domain.items import norm_name
from vsm_app.domain.model import StatusBinding
from vsm_app.domain.tables import Tables

from .items import binding_kind
from .periods import NAT
from .stages import StageSpec

#: what an event means, for people (DESIGN §3's names)
EVENT_TEXT = {
    "first_commit": "first commit", "pr_opened": "pull request opened",
    "first_review": "first review", "approved": "approved", "merged": "merged",
    "ci_queued": "CI queued", "ci_started": "CI started", "ci_finished": "CI finished",
    "deploy_started": "deployment started", "deployed": "deployed to production",
}


@dataclass(frozen=True)
class JourneyStep:
    """One step: a stay in a tracker status, or an event of a linked change."""

    at: pd.Timestamp
    #: the end of a status stay (None: still in it, or an event)
    until: pd.Timestamp | None
    #: ``status`` or ``event``
    source: str
    #: the status's name, or the event as people say it
    label: str
    #: the map stage that measures it ("" when none does)
    stage: str = ""
    #: ``wait`` or ``active`` in that stage ("" when unknown)
    kind: str = ""
    #: the linked change an event belongs to (its id), "" for statuses
    change: str = ""

    @property
    def seconds(self) -> float | None:
        return (self.until - self.at).total_seconds() if self.until is not None else None


@dataclass(frozen=True)
class Journey:
    item_id: str
    key: str
    kind: str
    type: str
    #: only when the tracker file gave one (kept in memory, never saved nor exported)
    title: str | None
    created_at: pd.Timestamp | None
    started_at: pd.Timestamp | None
    done_at: pd.Timestamp | None
    delivered_at: pd.Timestamp | None
    flow_time_s: float | None
    linked_changes: tuple[str, ...]
    steps: tuple[JourneyStep, ...]


def _ts(v: object) -> pd.Timestamp | None:
    if v is None or v is pd.NaT:
        return None
    try:
        t = pd.Timestamp(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if pd.isna(t):
        return None
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def find_items(tables: Tables, text: str, limit: int = 20) -> list[str]:
    """Item ids whose key or id is ``text`` (case-insensitive) first, then those containing
    it; at most ``limit``."""
    items = tables.items
    q = text.strip().casefold()
    if items is None or items.empty or not q:
        return []
    keys = items["key"].astype("string").fillna("").str.casefold()
    ids = items["item_id"].astype("string").fillna("").str.casefold()
    exact = items.loc[(keys == q) | (ids == q), "item_id"].astype(str).tolist()
    near = items.loc[keys.str.contains(q, regex=False) | ids.str.contains(q, regex=False),
                     "item_id"].astype(str).tolist()
    return list(dict.fromkeys(exact + near))[:limit]


def items_in_statuses(tables: Tables, statuses: Sequence[str]) -> pd.DataFrame:
    """The items that were ever in one of ``statuses`` (a stage's bound statuses, compared as
    :func:`~vsm_app.domain.items.norm_name`): one row per item with its *latest* stay there —
    ``item_id, key, status, entered_at, left_at`` (NaT: still in it) — newest entry first,
    ties by key. Empty when no item has been in them."""
    cols = ["item_id", "key", "status", "entered_at", "left_at"]
    st = tables.item_status
    wanted = {norm_name(s) for s in statuses}
    if st is None or st.empty or not wanted:
        return pd.DataFrame(columns=cols)
    names = st["status"].astype("string").fillna("")
    norm = {n: norm_name(n) in wanted for n in names.unique()}  # few distinct statuses
    sub = st.loc[names.map(norm).astype(bool), ["item_id", "status", "entered_at", "left_at"]]
    if sub.empty:
        return pd.DataFrame(columns=cols)
    sub = sub.assign(item_id=sub["item_id"].astype(str))
    latest = sub.sort_values("entered_at", kind="stable").drop_duplicates("item_id",
                                                                        keep="last")
    items = tables.items
    keys = (pd.Series(items["key"].astype("string").to_numpy(),
                      index=items["item_id"].astype(str).to_numpy())
            if items is not None and not items.empty else pd.Series(dtype="string"))
    keys = keys[~keys.index.duplicated()]
    key = latest["item_id"].map(keys).astype("string").fillna(latest["item_id"])
    out = latest.assign(key=key.astype(str))
    out = out.sort_values(["entered_at", "key"], ascending=[False, True], kind="stable")
    return out[cols].reset_index(drop=True)


def _status_stages(specs: Sequence[StageSpec]) -> dict[str, tuple[str, StatusBinding]]:
    out: dict[str, tuple[str, StatusBinding]] = {}
    for sp in specs:
        for b in sp.statuses:
            out.setdefault(norm_name(b.status), (sp.name, b))
    return out


def _event_stages(specs: Sequence[StageSpec]) -> dict[str, tuple[str, str]]:
    """Event → (stage, kind) of the segment that ends at it (the span it closes)."""
    out: dict[str, tuple[str, str]] = {}
    for sp in specs:
        for kind in ("wait", "active"):
            for seg in sp.segments(kind):
                out.setdefault(seg.to_event, (sp.name, kind))
    return out


def item_journey(tables: Tables, prepared: object, item_id: str) -> Journey | None:
    """The journey of ``item_id`` (None when no such item). ``prepared`` is the analysis'
    :class:`~vsm_app.analysis.engine.Prepared` (its stage specs, events and item results)."""
    items = tables.items
    if items is None or items.empty:
        return None
    rows = items[items["item_id"].astype(str) == item_id]
    if rows.empty:
        return None
    it = rows.iloc[0]
    specs: Sequence[StageSpec] = getattr(prepared, "specs", ()) or ()
    ip = getattr(prepared, "items", None)
    facts = None
    if ip is not None:
        f = ip.items[ip.items["item_id"].astype(str) == item_id]
        facts = f.iloc[0] if len(f) else None

    # statuses, in the order they were entered
    steps: list[JourneyStep] = []
    by_status = _status_stages(specs)
    categories = {norm_name(str(k)): str(v) for k, v in getattr(ip, "categories", {}).items()}
    st = tables.item_status
    if st is not None and not st.empty:
        mine = st[st["item_id"].astype(str) == item_id].sort_values("entered_at", kind="stable")
        for r in mine.itertuples():
            found = by_status.get(norm_name(str(r.status)))
            stage, binding = found if found is not None else ("", None)
            category = r.category if isinstance(r.category, str) else None
            kind = binding_kind(binding, category or categories.get(norm_name(str(r.status))))\
                if binding is not None else ""
            at = _ts(r.entered_at)
            if at is None:
                continue
            steps.append(JourneyStep(at, _ts(r.left_at), "status", str(r.status), stage,
                                     kind))

    # then the linked changes' events (from the same event matrix the stages measure)
    links = tables.item_links
    changes: list[str] = []
    if links is not None and not links.empty:
        changes = list(dict.fromkeys(
            links.loc[links["item_id"].astype(str) == item_id, "change_id"].astype(str)))
    events = getattr(prepared, "event_times", None)
    pc = getattr(prepared, "changes", None)
    by_event = _event_stages(specs)
    if changes and events is not None and pc is not None and len(pc):
        row_of = {str(c): i for i, c in enumerate(pc["change_id"].astype(str))}
        for cid in changes:
            i = row_of.get(cid)
            if i is None:
                continue
            for ev in events.columns:
                v = int(events[ev].to_numpy(dtype=np.int64)[i])
                if v == NAT:
                    continue
                stage, kind = by_event.get(str(ev), ("", ""))
                steps.append(JourneyStep(pd.Timestamp(v, unit="ns", tz="UTC"), None, "event",
                                         EVENT_TEXT.get(str(ev), str(ev).replace("_", " ")),
                                         stage, kind, cid))
    steps.sort(key=lambda s: (s.at, s.source != "status"))

    title = it.get("title") if "title" in it else None
    flow = facts.get("flow_time_s") if facts is not None else None
    return Journey(
        item_id=item_id, key=str(it.get("key") or item_id), kind=str(it.get("kind") or ""),
        type=str(it.get("type") or "") if isinstance(it.get("type"), str) else "",
        title=str(title) if isinstance(title, str) and title else None,
        created_at=_ts(it.get("created_at")),
        started_at=_ts(facts.get("started_at")) if facts is not None else None,
        done_at=_ts(it.get("done_at")), delivered_at=_ts(it.get("delivered_at")),
        flow_time_s=float(flow) if flow is not None and not pd.isna(flow) else None,
        linked_changes=tuple(changes), steps=tuple(steps))
