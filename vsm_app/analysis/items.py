"""Flow on work items: one item's journey across the whole map (issue 18, docs/metrics.md §17).

With work items loaded, the flow metrics, the stages and the constraint are computed on the
items that are **units of flow** (their kind is not ``""``, see
:mod:`vsm_app.domain.items`); DORA stays on changes and deployments.

Per item:

* **started_at** = the first entry into a *start* status (the project's
  ``start_statuses``); without start statuses, ``created_at``. An item never in a start
  status has not started (no flow time; counted).
* **finish** = ``delivered_at`` (the last of its linked changes finished, once it is done;
  :mod:`vsm_app.ingest.trackers.link`) when changes are linked to it, else ``done_at``. An
  item with linked changes not all shipped is in progress, even when closed in the tracker.
* **flow time** = finish − started_at; a negative span is left out and counted; so is a
  delivery whose last change was shipped by the first deployment in the data (its finish is
  only an upper bound, as for changes).
* **Stage times**, inside the item's flow (``[started_at, finish)``):
  * a stage bound to **statuses**: the time the item spent in them — wait or active as the
    binding says, else from the status category (new → wait, indeterminate → active,
    done → wait);
  * a stage bound to **events**: the time its *linked changes* spent in the stage's segments
    (each change measured as in §4: a change whose stage-kind is missing or negative adds
    nothing);
  * several intervals of one stage-kind (two statuses, two changes in review at once, a
    status and a segment) count their **union**: wall-clock time the item spent there,
    never counted twice. A stage-kind is *missing* for an item that spent no time there
    inside its flow (it skipped the stage), *negative* when its only changes there were
    negative spans.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from vsm_app.domain.items import DONE, INDETERMINATE, ItemSettings, category_from_name, norm_name
from vsm_app.domain.model import Segment, SegmentKind, StatusBinding
from vsm_app.domain.tables import Tables

from .periods import NAT, NS_PER_S, ns_to_timestamps, span_s, to_ns
from .results import StageResult
from .stages import KINDS, MISSING, NEGATIVE, OK, UNBOUND, StageDurations, StageSpec, col

_BIG = int(np.iinfo(np.int64).max)
#: the pseudo event of a status binding in the item specs (``Segment("status", name)``)
STATUS_EVENT = "status"


def default_kind(category: str | None) -> str:
    """A status's default time kind: "In Progress"-like (indeterminate) is active, the rest
    (To Do-like, done) wait."""
    return "active" if category == INDETERMINATE else "wait"


def binding_kind(binding: StatusBinding, category: str | None) -> str:
    k = binding.kind
    if k is None:
        return default_kind(category)
    return k.value if isinstance(k, SegmentKind) else str(k)


def item_specs(specs: Sequence[StageSpec], categories: Mapping[str, str]) -> list[StageSpec]:
    """The stages as the item analysis sees them: each status binding becomes a pseudo
    segment ``status → <name>`` of its kind, so "is this stage-kind bound" reads the same
    for items as for changes (coverage, the constraint's minimums)."""
    out = []
    for sp in specs:
        wait, active = list(sp.wait), list(sp.active)
        for b in sp.statuses:
            cat = categories.get(norm_name(b.status)) or category_from_name(b.status)
            kind = binding_kind(b, cat)
            seg = Segment(STATUS_EVENT, b.status, SegmentKind(kind))
            (active if kind == "active" else wait).append(seg)
        out.append(replace(sp, wait=tuple(wait), active=tuple(active)))
    return out


@dataclass
class ItemsPrepared:
    """Window-independent per-item results (:func:`prepare_items`)."""

    #: every item: item_id, key, kind, unit (bool), created_at, started_at, done_at,
    #: delivered_at, finish_at, flow_time_s, negative_flow, upper_bound, linked_changes
    #: (tuple of change ids), no_start (bool), repo (the tracker's, or None)
    items: pd.DataFrame
    #: rows of :attr:`items` that are units of flow, in order
    unit_rows: np.ndarray
    #: the engine's view of the units: a Prepared whose ``changes`` are the units
    view: Any
    specs: list[StageSpec]
    #: per unit: its linked changes (row positions in the changes table), as pairs
    link_units: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    link_changes: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    quality: dict[str, Any] = field(default_factory=dict)
    #: stage name → the WIP limit a loaded Jira board gives it (:func:`board_wip_limits`)
    board_limits: dict[str, int] = field(default_factory=dict)
    #: (unit, status, entered, left) of the units' stays, for their occupancy
    stays: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
    #: status name → category, as the stays give them
    categories: dict[str, str] = field(default_factory=dict)
    #: the item_status table the stage times were measured from
    status: pd.DataFrame = field(default_factory=pd.DataFrame)

    def status_frame(self) -> pd.DataFrame:
        return self.status


# -- per item ------------------------------------------------------------------------------

def _start_ns(items: pd.DataFrame, status: pd.DataFrame, settings: ItemSettings
              ) -> tuple[np.ndarray, np.ndarray]:
    """started_at per item and whether a start status was asked for but never entered."""
    created = to_ns(items["created_at"])
    if not settings.start_statuses:
        return created, np.zeros(len(items), dtype=bool)
    wanted = {norm_name(s) for s in settings.start_statuses}
    st = status[status["status"].map(lambda n: norm_name(n) in wanted
                                     if isinstance(n, str) else False).astype(bool)]
    first = st.groupby("item_id")["entered_at"].min()
    pos = pd.Index(first.index.astype(str)).get_indexer(items["item_id"].astype(str))
    ns = to_ns(first)
    out = np.where(pos >= 0, ns[np.maximum(pos, 0)] if len(ns) else NAT, NAT)
    return out.astype(np.int64), pos < 0


def _links(items: pd.DataFrame, links: pd.DataFrame, changes: pd.DataFrame
           ) -> tuple[np.ndarray, np.ndarray]:
    """(item row, change row) of every link whose both ends are loaded."""
    if links.empty or changes.empty:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    ipos = pd.Index(items["item_id"].astype(str)).get_indexer(links["item_id"].astype(str))
    cids = pd.Index(changes["change_id"].astype(str))
    cpos = cids.get_indexer(links["change_id"].astype(str)) if cids.is_unique else \
        pd.Series(np.arange(len(cids)), index=cids).groupby(level=0).first().reindex(
            links["change_id"].astype(str)).fillna(-1).to_numpy(dtype=np.int64)
    ok = (ipos >= 0) & (cpos >= 0)
    return ipos[ok].astype(np.int64), np.asarray(cpos)[ok].astype(np.int64)


def prepare_items(tables: Tables, specs: Sequence[StageSpec], changes_prepared: Any,
                  settings: ItemSettings | None = None) -> ItemsPrepared | None:
    """Items → units of flow with stage times (module docstring); None without items."""
    items = tables.items
    if items is None or items.empty:
        return None
    settings = settings or ItemSettings()
    status = tables.item_status
    changes = tables.changes
    pc = changes_prepared.changes
    n = len(items)
    start, no_start = _start_ns(items, status, settings)
    done = to_ns(items["done_at"])
    delivered = to_ns(items["delivered_at"])
    li, lc = _links(items, tables.item_links, changes)
    has_link = np.zeros(n, dtype=bool)
    has_link[li] = True
    finish = np.where(has_link, delivered, done)
    # the delivering change shipped by the first deployment: the finish is an upper bound
    upper = np.zeros(n, dtype=bool)
    if len(li):
        cfin = pc["finish"].to_numpy(dtype=np.int64)[lc]
        first_dep = (pc["first_deployment"].to_numpy(dtype=bool)
                     & pc["finish_from_deployment"].to_numpy(dtype=bool))[lc]
        hit = first_dep & (cfin == finish[li]) & (finish[li] != NAT)
        upper[li[hit]] = True
    flow = span_s(finish, start)
    negative = flow < 0
    flow[negative | upper] = np.nan
    linked = _linked_ids(n, li, changes["change_id"].astype(str).to_numpy(dtype=object)[lc])
    kind = items["kind"].astype("string").fillna("")
    unit = kind.ne("").to_numpy(dtype=bool)
    frame = pd.DataFrame({
        "item_id": items["item_id"].astype("string").to_numpy(),
        "key": items["key"].astype("string").to_numpy(),
        "kind": kind.to_numpy(),
        "unit": unit,
        "created_at": items["created_at"].to_numpy(dtype="datetime64[ns]"),
        "started_at": ns_to_timestamps(start),
        "done_at": items["done_at"].to_numpy(dtype="datetime64[ns]"),
        "delivered_at": items["delivered_at"].to_numpy(dtype="datetime64[ns]"),
        "finish_at": ns_to_timestamps(finish),
        "flow_time_s": flow,
        "negative_flow": negative,
        "upper_bound": upper,
        "no_start": no_start,
        "linked_changes": linked,
        # the repository the tracker names (GitHub issues): a group's items (groups.py)
        "repo": (items["repo"].astype(object).where(items["repo"].notna(), None).to_numpy()
                 if "repo" in items else np.full(n, None, dtype=object)),
    })
    unit_rows = np.flatnonzero(unit)
    categories = _categories(status)
    ispecs = item_specs(specs, categories)
    # only links of units matter from here on: renumber items to unit positions
    unit_of = np.full(n, -1, dtype=np.int64)
    unit_of[unit_rows] = np.arange(len(unit_rows))
    keep = unit_of[li] >= 0
    lu, lcu = unit_of[li][keep], lc[keep]
    durations = _durations(ispecs, unit_rows, items, status, start[unit_rows],
                           finish[unit_rows], lu, lcu, changes_prepared)
    active_s = durations.values[durations.columns("active")].sum(axis=1, min_count=1) \
        .to_numpy(dtype=np.float64)
    act_status = durations.status[durations.columns("active")].to_numpy()
    bound_active = act_status != UNBOUND
    complete = (np.where(bound_active, act_status == OK, True).all(axis=1)
                if act_status.size else np.zeros(len(unit_rows), dtype=bool))
    u = frame.iloc[unit_rows]
    units = pd.DataFrame({
        "change_id": u["item_id"].to_numpy(dtype=object),
        "kind": u["kind"].to_numpy(dtype=object),
        "start": start[unit_rows],
        "finish": finish[unit_rows],
        "deployed": np.full(len(unit_rows), NAT, dtype=np.int64),
        "flow_time_s": flow[unit_rows],
        "lead_time_s": np.full(len(unit_rows), np.nan),
        "active_s": active_s,
        "active_complete": complete & bound_active.any(axis=1) if act_status.size else
        complete,
        "first_deployment": upper[unit_rows],
        "negative_flow": negative[unit_rows],
        "negative_lead": np.zeros(len(unit_rows), dtype=bool),
        "finish_from_deployment": upper[unit_rows],
    })
    present = _present(ispecs, unit_rows, items, status, lu, lcu, changes_prepared)
    view = replace(changes_prepared, changes=units, durations=durations, specs=ispecs,
                   event_present=present, event_times=pd.DataFrame())
    quality = {
        "items_total": int(n),
        "items_not_units": int((~unit).sum()),
        "units_without_start": int((no_start & unit).sum()),
        "units_linked": int(has_link[unit_rows].sum()),
    }
    return ItemsPrepared(items=frame, unit_rows=unit_rows, view=view, specs=ispecs,
                         link_units=lu, link_changes=lcu, quality=quality,
                         board_limits=board_wip_limits(tables.board_columns, specs),
                         stays=_unit_stays(items, unit_rows, status), categories=categories,
                         status=status)


def _unit_stays(items: pd.DataFrame, unit_rows: np.ndarray, status: pd.DataFrame
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    upos = pd.Index(items["item_id"].astype(str).to_numpy()[unit_rows])
    unit = upos.get_indexer(status["item_id"].astype(str)) if len(status) else \
        np.empty(0, np.int64)
    ok = unit >= 0
    left = to_ns(status["left_at"])[ok] if len(status) else np.empty(0, np.int64)
    return (unit[ok].astype(np.int64),
            status["status"].astype(object).to_numpy()[ok] if len(status) else
            np.empty(0, dtype=object),
            to_ns(status["entered_at"])[ok] if len(status) else np.empty(0, np.int64),
            np.where(left == NAT, _BIG, left))


def _linked_ids(n: int, rows: np.ndarray, ids: np.ndarray) -> list[tuple[str, ...]]:
    """The change ids linked to each of ``n`` items (``rows``: each link's item)."""
    out: list[tuple[str, ...]] = [()] * n
    if not len(rows):
        return out
    order = np.argsort(rows, kind="stable")
    r, v = rows[order], ids[order]
    starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
    ends = np.r_[starts[1:], len(r)]
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        out[int(r[a])] = tuple(v[a:b].tolist())
    return out


def _categories(status: pd.DataFrame) -> dict[str, str]:
    if status.empty:
        return {}
    pairs = status[["status", "category"]].dropna().drop_duplicates("status")
    return {norm_name(s): str(c) for s, c in zip(pairs["status"], pairs["category"],
                                                 strict=True)}


def _status_intervals(ispecs: Sequence[StageSpec], unit_rows: np.ndarray,
                      items: pd.DataFrame, status: pd.DataFrame
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(unit, column, entered, left) of every stay in a status bound to a stage."""
    empty = (np.empty(0, np.int64),) * 4
    binds: dict[str, list[tuple[int, StatusBinding]]] = {}
    for i, sp in enumerate(ispecs):
        for b in sp.statuses:
            binds.setdefault(norm_name(b.status), []).append((i, b))
    if not binds or status.empty:
        return empty
    upos = pd.Index(items["item_id"].astype(str).to_numpy()[unit_rows])
    unit = upos.get_indexer(status["item_id"].astype(str))
    codes, uniques = pd.factorize(status["status"].astype(object).to_numpy())
    norm = np.asarray([norm_name(u) if isinstance(u, str) else "" for u in uniques],
                      dtype=object)[codes] if len(codes) else np.empty(0, dtype=object)
    active_cat = status["category"].eq(INDETERMINATE).fillna(False).to_numpy(dtype=bool)
    entered = to_ns(status["entered_at"])
    left = to_ns(status["left_at"])
    left = np.where(left == NAT, _BIG, left)
    us, cs, es, ls = [], [], [], []
    for name, targets in binds.items():
        hit = (norm == name) & (unit >= 0)
        if not hit.any():
            continue
        for i, b in targets:
            # the kind of each stay: the binding's, else from the stay's category
            if b.kind is not None:
                k = np.full(int(hit.sum()), 1 if binding_kind(b, None) == "active" else 0)
            else:
                k = active_cat[hit].astype(np.int64)
            us.append(unit[hit])
            cs.append(2 * i + k)
            es.append(entered[hit])
            ls.append(left[hit])
    if not us:
        return empty
    return (np.concatenate(us), np.concatenate(cs).astype(np.int64), np.concatenate(es),
            np.concatenate(ls))


def _segment_intervals(ispecs: Sequence[StageSpec], lu: np.ndarray, lc: np.ndarray,
                       changes_prepared: Any
                       ) -> tuple[tuple[np.ndarray, ...], np.ndarray, np.ndarray]:
    """(unit, column, from, to) of the bound segments of each unit's linked changes, for
    changes whose stage-kind is measured; and (unit, column) pairs with a negative one."""
    empty = (np.empty(0, np.int64),) * 4
    if not len(lu):
        return empty, np.empty(0, np.int64), np.empty(0, np.int64)
    matrix = changes_prepared.event_times
    cstatus = changes_prepared.durations.status
    us, cs, fs, ts, nu, nc = [], [], [], [], [], []
    for i, sp in enumerate(ispecs):
        for k, kind in enumerate(KINDS):
            segs = [s for s in sp.segments(kind) if s.from_event != STATUS_EVENT]
            c = col(i, kind)
            if not segs or c not in cstatus:
                continue
            st = cstatus[c].to_numpy()[lc]
            ok = st == OK
            neg = st == NEGATIVE
            if neg.any():
                nu.append(lu[neg])
                nc.append(np.full(int(neg.sum()), 2 * i + k, dtype=np.int64))
            if not ok.any():
                continue
            for seg in segs:
                a = matrix[seg.from_event].to_numpy(dtype=np.int64)[lc[ok]] \
                    if seg.from_event in matrix else np.full(int(ok.sum()), NAT)
                b = matrix[seg.to_event].to_numpy(dtype=np.int64)[lc[ok]] \
                    if seg.to_event in matrix else np.full(int(ok.sum()), NAT)
                us.append(lu[ok])
                cs.append(np.full(int(ok.sum()), 2 * i + k, dtype=np.int64))
                fs.append(a)
                ts.append(b)
    if not us:
        out = empty
    else:
        out = (np.concatenate(us), np.concatenate(cs), np.concatenate(fs), np.concatenate(ts))
    neg_u = np.concatenate(nu) if nu else np.empty(0, np.int64)
    neg_c = np.concatenate(nc) if nc else np.empty(0, np.int64)
    return out, neg_u, neg_c


def union_lengths(unit: np.ndarray, column: np.ndarray, a: np.ndarray, b: np.ndarray
                  ) -> pd.DataFrame:
    """Σ of the union of intervals ``[a, b)`` per (unit, column): one sort, a running max
    of the ends within each group, each interval adding only what reaches past it."""
    if not len(unit):
        return pd.DataFrame({"unit": [], "column": [], "ns": []}, dtype=np.int64)
    order = np.lexsort((a, column, unit))
    u, c, a, b = unit[order], column[order], a[order], b[order]
    new = np.r_[True, (u[1:] != u[:-1]) | (c[1:] != c[:-1])]
    group = np.cumsum(new) - 1
    running = pd.Series(b).groupby(group).cummax().to_numpy()
    prev = np.r_[np.iinfo(np.int64).min, running[:-1]]
    prev = np.where(new, np.iinfo(np.int64).min, prev)
    add = np.maximum(0, b - np.maximum(a, prev))
    sums = pd.Series(add).groupby(group).sum().to_numpy()
    first = np.flatnonzero(new)
    return pd.DataFrame({"unit": u[first], "column": c[first], "ns": sums})


def _durations(ispecs: Sequence[StageSpec], unit_rows: np.ndarray, items: pd.DataFrame,
               status: pd.DataFrame, start: np.ndarray, finish: np.ndarray, lu: np.ndarray,
               lc: np.ndarray, changes_prepared: Any) -> StageDurations:
    """Stage times of the units inside their flow (module docstring)."""
    n = len(unit_rows)
    k = len(ispecs)
    su, sc, se, sl = _status_intervals(ispecs, unit_rows, items, status)
    (gu, gc, ga, gb), neg_u, neg_c = _segment_intervals(ispecs, lu, lc, changes_prepared)
    gok = (ga != NAT) & (gb != NAT) & (gb >= ga)
    unit = np.concatenate([su, gu[gok]])
    column = np.concatenate([sc, gc[gok]])
    a = np.concatenate([se, ga[gok]])
    b = np.concatenate([sl, gb[gok]])
    # inside the flow: [started_at, finish) (an open flow has no end yet)
    lo = start[unit]
    hi = np.where(finish[unit] == NAT, _BIG, finish[unit])
    inside = (lo != NAT) & (((b > lo) & (a < hi)) | ((a == b) & (a >= lo) & (a <= hi)))
    a = np.maximum(a[inside], lo[inside])
    b = np.minimum(b[inside], hi[inside])
    unit, column = unit[inside], column[inside]
    sums = union_lengths(unit, column, a, b)
    values = np.full((n, 2 * k), np.nan)
    status_arr = np.full((n, 2 * k), MISSING, dtype=np.int8)
    if len(neg_u):
        status_arr[neg_u, neg_c] = NEGATIVE
    if len(sums):
        values[sums["unit"].to_numpy(), sums["column"].to_numpy()] = \
            sums["ns"].to_numpy(dtype=np.float64) / NS_PER_S
        status_arr[sums["unit"].to_numpy(), sums["column"].to_numpy()] = OK
    for i, sp in enumerate(ispecs):
        for j, kind in enumerate(KINDS):
            if not sp.segments(kind):
                status_arr[:, 2 * i + j] = UNBOUND
                values[:, 2 * i + j] = np.nan
    cols = [col(i, kd) for i in range(k) for kd in KINDS]
    vals = pd.DataFrame(values, columns=cols, index=pd.RangeIndex(n))
    stat = pd.DataFrame(status_arr, columns=cols, index=pd.RangeIndex(n))
    seg_status: dict[str, np.ndarray] = {}
    seg_info: dict[str, tuple[str, str]] = {}
    for i, sp in enumerate(ispecs):
        for kind in KINDS:
            segs = sp.segments(kind)
            if not segs:
                continue
            parts = [f"status {s.to_event}" if s.from_event == STATUS_EVENT
                     else f"{s.from_event}→{s.to_event}" for s in segs]
            label = f"{sp.name}: {' + '.join(parts)} ({kind})"
            seg_status[label] = stat[col(i, kind)].to_numpy()
            seg_info[label] = (sp.name, kind)
    return StageDurations(specs=list(ispecs), values=vals, status=stat,
                          segment_status=pd.DataFrame(seg_status, index=pd.RangeIndex(n)),
                          segment_info=seg_info)


def _present(ispecs: Sequence[StageSpec], unit_rows: np.ndarray, items: pd.DataFrame,
             status: pd.DataFrame, lu: np.ndarray, lc: np.ndarray, changes_prepared: Any
             ) -> pd.DataFrame:
    """Which bound events each unit has: its linked changes' events, whether it has a
    status history (``status``) and which bound statuses it was ever in."""
    n = len(unit_rows)
    ids = items["item_id"].astype(str).to_numpy()[unit_rows]
    out: dict[str, np.ndarray] = {}
    upos = pd.Index(ids).get_indexer(status["item_id"].astype(str)) if len(status) else \
        np.empty(0, np.int64)
    any_status = np.zeros(n, dtype=bool)
    any_status[upos[upos >= 0]] = True
    out[STATUS_EVENT] = any_status
    names = status["status"].astype(object).to_numpy() if len(status) else np.empty(0, object)
    codes, uniques = pd.factorize(names) if len(names) else (np.empty(0, np.int64), [])
    normed = np.asarray([norm_name(u) if isinstance(u, str) else "" for u in uniques],
                        dtype=object)
    cp = changes_prepared.event_present
    for sp in ispecs:
        for seg in (*sp.wait, *sp.active):
            if seg.from_event == STATUS_EVENT:
                if seg.to_event in out:
                    continue
                want = norm_name(seg.to_event)
                hit = (normed[codes] == want if len(codes) else np.zeros(0, dtype=bool)) & \
                    (upos >= 0)
                flag = np.zeros(n, dtype=bool)
                flag[upos[hit]] = True
                out[seg.to_event] = flag
                continue
            for ev in (seg.from_event, seg.to_event):
                if ev in out:
                    continue
                flag = np.zeros(n, dtype=bool)
                if ev in cp and len(lu):
                    has = cp[ev].to_numpy(dtype=bool)[lc]
                    flag[lu[has]] = True
                out[ev] = flag
    return pd.DataFrame(out, index=pd.RangeIndex(n))


# -- exports -------------------------------------------------------------------------------

ITEM_COLUMNS = ("item_id", "key", "kind", "created_at", "started_at", "done_at", "delivered_at",
                "flow_time_s", "linked_changes", "flow_time_note")
FLOW_TIME_NOTES = {
    "not_a_unit": "not a unit of flow (its type: {type})",
    "no_start": "never entered a start status",
    "in_progress": "in progress",
    "negative": "left out: finished before it started",
    "upper_bound": "left out: delivered by the first deployment in the data (an upper bound)",
    "no_created": "no creation time",
}


def _iso(values: pd.Series) -> pd.Series:
    s = pd.to_datetime(values, utc=True)
    return s.dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def items_export_frame(prepared: ItemsPrepared, tables: Tables, *,
                       include_titles: bool = False) -> pd.DataFrame:
    """One row per item (DESIGN §6 ``--export-items``): ``linked_changes`` lists the ids
    of its changes (space-separated), ``flow_time_note`` says why ``flow_time_s`` is empty;
    titles only when asked."""
    it = prepared.items
    out = pd.DataFrame({"item_id": it["item_id"], "key": it["key"], "kind": it["kind"]})
    for c in ("created_at", "started_at", "done_at", "delivered_at"):
        out[c] = _iso(it[c])
    out["flow_time_s"] = it["flow_time_s"]
    out["linked_changes"] = [" ".join(x) for x in it["linked_changes"]]
    types = tables.items["type"].astype(object).to_numpy()
    note = np.full(len(it), "", dtype=object)
    finish = to_ns(it["finish_at"])
    start = to_ns(it["started_at"])
    note[finish == NAT] = FLOW_TIME_NOTES["in_progress"]
    note[(finish != NAT) & (start == NAT)] = FLOW_TIME_NOTES["no_created"]
    note[it["no_start"].to_numpy(dtype=bool)] = FLOW_TIME_NOTES["no_start"]
    note[it["negative_flow"].to_numpy(dtype=bool)] = FLOW_TIME_NOTES["negative"]
    note[it["upper_bound"].to_numpy(dtype=bool)] = FLOW_TIME_NOTES["upper_bound"]
    not_unit = ~it["unit"].to_numpy(dtype=bool)
    note[not_unit] = [FLOW_TIME_NOTES["not_a_unit"].format(type=t if isinstance(t, str)
                                                            else "none")
                      for t in types[not_unit]]
    out.loc[not_unit, "flow_time_s"] = np.nan
    out["flow_time_note"] = note
    if include_titles:
        out["title"] = tables.items["title"].to_numpy()
    return out


def data_end_ns(tables: Tables) -> int | None:
    """The latest instant in the loaded data (items, statuses, changes, deployments)."""
    parts: list[np.ndarray] = []
    for frame, cols in ((tables.items, ("created_at", "done_at", "delivered_at")),
                        (tables.item_status, ("entered_at", "left_at")),
                        (tables.changes, ("first_commit_at", "merged_at", "deployed_at")),
                        (tables.deployments, ("started_at", "finished_at"))):
        for c in cols:
            if frame is not None and c in frame and len(frame):
                v = to_ns(frame[c])
                parts.append(v[v != NAT])
    t = np.concatenate(parts) if parts else np.empty(0, np.int64)
    return int(t.max()) if len(t) else None


def item_status_seconds(tables: Tables, since: pd.Timestamp | None = None,
                        until: pd.Timestamp | None = None) -> pd.DataFrame:
    """``--export-item-status``: per item and status, the seconds spent in it inside
    ``[since, until)``; a stay still open runs to ``until``, else to the end of the data
    (:func:`data_end_ns`). Without ``since`` the whole history counts."""
    st = tables.item_status
    if st.empty:
        return pd.DataFrame({"item_id": pd.Series(dtype="string"),
                             "status": pd.Series(dtype="string"),
                             "seconds": pd.Series(dtype=np.float64)})
    hi = to_ns(pd.Series([until]))[0] if until is not None else (data_end_ns(tables) or NAT)
    lo = to_ns(pd.Series([since]))[0] if since is not None else np.iinfo(np.int64).min
    entered = to_ns(st["entered_at"])
    left = to_ns(st["left_at"])
    left = np.where(left == NAT, hi, np.minimum(left, hi))
    a = np.maximum(entered, lo)
    secs = np.maximum(0, left - a).astype(np.float64) / NS_PER_S
    frame = pd.DataFrame({"item_id": st["item_id"].astype(str).to_numpy(),
                          "status": st["status"].astype(str).to_numpy(), "seconds": secs})
    out = frame.groupby(["item_id", "status"], sort=False)["seconds"].sum().reset_index()
    order = pd.Index(tables.items["item_id"].astype(str)).get_indexer(out["item_id"])
    return out.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)


# -- statuses, board -------------------------------------------------------------------------

def statuses_found(tables: Tables) -> pd.DataFrame:
    """The statuses in the loaded work items, most used first: ``status``, ``category``,
    ``default_kind`` (what a binding without a kind measures), ``items`` (items that were in
    it), ``stays`` (entries into it) and ``seconds`` (total time in closed stays). For the
    bindings dialog."""
    st = tables.item_status
    cols = {"status": "string", "category": "string", "default_kind": "string",
            "items": "int64", "stays": "int64", "seconds": "float64"}
    if st.empty:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})
    left = to_ns(st["left_at"])
    entered = to_ns(st["entered_at"])
    secs = np.where(left != NAT, (left - entered) / NS_PER_S, 0.0)
    f = pd.DataFrame({"status": st["status"].astype(str), "category": st["category"],
                      "item_id": st["item_id"].astype(str), "seconds": secs})
    g = f.groupby("status", sort=False)
    out = pd.DataFrame({
        "category": g["category"].first(),
        "items": g["item_id"].nunique(),
        "stays": g.size(),
        "seconds": g["seconds"].sum(),
    }).reset_index()
    out["default_kind"] = [default_kind(c if isinstance(c, str) else None)
                           for c in out["category"]]
    out = out.sort_values(["items", "stays", "status"], ascending=[False, False, True])
    return out[list(cols)].astype(cols).reset_index(drop=True)


def board_wip_limits(board_columns: pd.DataFrame, specs: Sequence[StageSpec]
                     ) -> dict[str, int]:
    """WIP limits a Jira board gives the map's stages: a stage bound to exactly the statuses
    of one or more board columns (every one of them with a maximum) gets the sum of their
    maxima (the board counts the column's items; the stage holds the same items)."""
    if board_columns is None or board_columns.empty:
        return {}
    cols = []
    for statuses, wip_max in zip(board_columns["statuses"], board_columns["wip_max"],
                                 strict=True):
        names = frozenset(norm_name(s) for s in statuses or ())
        cols.append((names, None if pd.isna(wip_max) else int(wip_max)))
    out: dict[str, int] = {}
    for sp in specs:
        bound = frozenset(norm_name(b.status) for b in sp.statuses)
        if not bound:
            continue
        used = [(names, mx) for names, mx in cols if names and names <= bound]
        covered = frozenset().union(*(names for names, _ in used)) if used else frozenset()
        if covered == bound and all(mx is not None for _, mx in used):
            out[sp.name] = sum(int(mx) for _, mx in used if mx is not None)
    return out


def stages_from_board(board_columns: pd.DataFrame) -> list[tuple[str, list[StatusBinding],
                                                                 int | None]]:
    """(column name, its statuses as bindings, its WIP maximum) per board column in order:
    what a map made from the board would hold (the kinds follow the status categories)."""
    if board_columns is None or board_columns.empty:
        return []
    out = []
    for _, row in board_columns.sort_values("position").iterrows():
        mx = row["wip_max"]
        out.append((str(row["column"]), [StatusBinding(str(s)) for s in row["statuses"] or ()],
                    None if pd.isna(mx) else int(mx)))
    return out


__all__ = [
    "DONE", "FLOW_TIME_NOTES", "ITEM_COLUMNS", "ItemsPrepared", "board_wip_limits",
    "binding_kind", "data_end_ns", "default_kind", "item_specs", "item_status_seconds",
    "items_export_frame", "prepare_items", "stages_from_board", "statuses_found",
    "union_lengths",
]


def items_window_quality(prepared: ItemsPrepared, start: int, end: int) -> dict[str, Any]:
    """``data_quality.items`` of a window: the units' counts, like the changes' own."""
    from .periods import in_window
    from .stages import segment_quality

    v = prepared.view.changes
    fin = v["finish"].to_numpy(dtype=np.int64)
    cohort = in_window(fin, start, end)
    flow = v["flow_time_s"].to_numpy(dtype=np.float64)
    timed = cohort & ~np.isnan(flow)
    return {
        **prepared.quality,
        "units_total": int(len(v)),
        "units_in_window": int(cohort.sum()),
        "units_unfinished": int((fin == NAT).sum()),
        "units_with_flow_time": int(timed.sum()),
        "units_negative_flow_times": int(v["negative_flow"].to_numpy(dtype=bool)[cohort].sum()),
        "units_delivery_upper_bound": int(v["first_deployment"].to_numpy(dtype=bool)[cohort]
                                          .sum()),
        "segments": segment_quality(prepared.view.durations, timed),
    }


def items_finish_basis(prepared: ItemsPrepared) -> str | None:
    """``flow.finish_basis`` on items: ``delivered_at`` (every unit has linked changes),
    ``done_at`` (none has), else ``mixed``."""
    n = len(prepared.unit_rows)
    if not n:
        return None
    linked = len(np.unique(prepared.link_units))
    return "delivered_at" if linked == n else "done_at" if linked == 0 else "mixed"


def with_board_limits(stages: tuple[StageResult, ...], prepared: ItemsPrepared
                      ) -> tuple[StageResult, ...]:
    """``stages[].board_wip_limit`` where a loaded Jira board gives the stage a limit."""
    if not prepared.board_limits:
        return stages
    return tuple(replace(s, board_wip_limit=prepared.board_limits[s.name])
                 if s.name in prepared.board_limits else s for s in stages)


def widen_extent(extent: tuple[int, int] | None, prepared: ItemsPrepared | None
                 ) -> tuple[int, int] | None:
    """The default window covers the items' finishes too (docs/metrics.md §2, §17)."""
    from .periods import NS_PER_DAY

    if prepared is None:
        return extent
    fin = prepared.view.changes["finish"].to_numpy(dtype=np.int64)
    fin = fin[fin != NAT]
    if not len(fin):
        return extent
    lo = int(fin.min()) // NS_PER_DAY * NS_PER_DAY
    hi = (int(fin.max()) // NS_PER_DAY + 1) * NS_PER_DAY
    if extent is None:
        return lo, hi
    return min(extent[0], lo), max(extent[1], hi)


# -- units of flow for the flow analytics ----------------------------------------------------

def item_units(prepared: Any) -> Any:
    """The work items of an analysis as units of flow
    (:class:`~vsm_app.analysis.flow_analytics.units.FlowUnits`): label = the item's key,
    start/finish/flow time as the flow metrics measure them, stage times of
    :func:`prepare_items`, and where each item was (:func:`item_occupancy`).

    ``prepared`` is :class:`vsm_app.analysis.engine.Prepared` with items.
    """
    from .flow_analytics.units import FlowUnits, stage_time_from_durations

    ip: ItemsPrepared = prepared.items
    v = ip.view.changes
    rows = ip.unit_rows
    items = ip.items.iloc[rows]
    labels = items["key"].astype("string").fillna(items["item_id"].astype("string"))
    start = v["start"].to_numpy(dtype=np.int64)
    finish = v["finish"].to_numpy(dtype=np.int64)
    units = pd.DataFrame({
        "unit_id": items["item_id"].astype(str).to_numpy(),
        "label": labels.to_numpy(),
        "kind": v["kind"].astype("string").fillna("unknown").to_numpy(),
        "started_at": ns_to_timestamps(start),
        "finished_at": ns_to_timestamps(finish),
        "flow_time_s": v["flow_time_s"].to_numpy(dtype=np.float64),
        "finish_is_upper_bound": v["first_deployment"].to_numpy(dtype=bool),
    })
    return FlowUnits(
        units=units, stages=[sp.name for sp in ip.specs],
        bound=[bool(sp.wait or sp.active) for sp in ip.specs],
        stage_time_s=stage_time_from_durations(ip.view.durations.values, ip.specs),
        occupancy=item_occupancy(prepared), noun="items", extent=prepared.extent)


def item_occupancy(prepared: Any) -> pd.DataFrame:
    """Where each unit item was while in progress (docs/metrics.md §17): in the stage of
    the change stage its linked changes were in (the one entered last when several are),
    else in the stage bound to its current status, else in no stage (-1). Disjoint
    intervals ``(unit, stage, entered, left)`` covering ``[started_at, finish)`` exactly."""
    from .flow_analytics.units import _merged, _occupancy_frame, occupancy_from_segments

    ip: ItemsPrepared = prepared.items
    v = ip.view.changes
    n = len(v)
    start = v["start"].to_numpy(dtype=np.int64)
    finish = v["finish"].to_numpy(dtype=np.int64)
    ok = start != NAT
    fin = np.where(finish == NAT, _BIG, finish)
    ok &= fin > start
    # base layer: the stays, each in the stage its status is bound to (first in map order)
    stage_of: dict[str, int] = {}
    for i, sp in enumerate(ip.specs):
        for b in sp.statuses:
            stage_of.setdefault(norm_name(b.status), i)
    st = prepared_status(ip)
    bu, bs, be, bl = st
    # overlay: the linked changes' own occupancy, in the map's event-bound stages
    real = [replace(sp, wait=tuple(s for s in sp.wait if s.from_event != STATUS_EVENT),
                    active=tuple(s for s in sp.active if s.from_event != STATUS_EVENT))
            for sp in ip.specs]
    lu, lc = ip.link_units, ip.link_changes
    pc = prepared.changes
    if len(lu) and any(sp.wait or sp.active for sp in real):
        used = np.unique(lc)
        occ = occupancy_from_segments(prepared.event_times.iloc[used].reset_index(drop=True),
                                      real, pc["start"].to_numpy(dtype=np.int64)[used],
                                      pc["finish"].to_numpy(dtype=np.int64)[used])
        occ = occ[occ["stage"] >= 0]
        change_pos = used[occ["unit"].to_numpy()]
        pairs = pd.DataFrame({"unit": lu, "change": lc})
        ov = pd.DataFrame({"change": change_pos, "stage": occ["stage"].to_numpy(),
                           "entered": occ["entered"].to_numpy(),
                           "left": np.where(occ["left"].to_numpy() == NAT, _BIG,
                                            occ["left"].to_numpy())}).merge(pairs, on="change")
    else:
        ov = pd.DataFrame({"change": [], "stage": [], "entered": [], "left": [], "unit": []},
                          dtype=np.int64)
    stage_idx = np.array([stage_of.get(norm_name(x), -1) if isinstance(x, str) else -1
                          for x in bs], dtype=np.int64)
    rows = np.flatnonzero(ok)
    # breakpoints: every entry and exit of either layer, and the flow's own ends
    bp_u = np.concatenate([bu, bu, ov["unit"].to_numpy(dtype=np.int64),
                           ov["unit"].to_numpy(dtype=np.int64), rows, rows])
    bp_t = np.concatenate([be, bl, ov["entered"].to_numpy(dtype=np.int64),
                           ov["left"].to_numpy(dtype=np.int64), start[rows], fin[rows]])
    keep = ok[bp_u] & (bp_t >= start[bp_u]) & (bp_t < fin[bp_u])
    bp = pd.DataFrame({"unit": bp_u[keep], "t": bp_t[keep]}).drop_duplicates()
    bp = bp.sort_values(["unit", "t"], kind="stable").reset_index(drop=True)
    if bp.empty:
        return _occupancy_frame(np.empty(0, np.int64), np.empty(0, np.int64),
                                np.empty(0, np.int64), np.empty(0, np.int64))
    u = bp["unit"].to_numpy()
    t = bp["t"].to_numpy()
    nxt = np.r_[t[1:], _BIG]
    nxt = np.where(np.r_[u[1:] != u[:-1], True], fin[u], nxt)
    # base stage at each breakpoint (stays are disjoint: the last one entered by t)
    stage = np.full(len(bp), -1, dtype=np.int64)
    if len(bu):
        base = pd.DataFrame({"unit": bu, "entered": be, "left": bl, "stage": stage_idx})
        hit = _asof(bp, base)
        open_ = hit["left"].to_numpy() > t
        stage = np.where(hit["stage"].notna().to_numpy() & open_,
                         hit["stage"].fillna(-1).to_numpy(dtype=np.int64), -1)
    # overlay: per linked change its stage at t; the change stage entered last wins
    if len(ov):
        cross = bp.reset_index().merge(pd.DataFrame({"unit": lu, "change": lc}), on="unit")
        cand = _asof(cross, ov, by=["unit", "change"])
        live = cand["entered"].notna() & (cand["left"].to_numpy() > cross["t"].to_numpy())
        cand = cand[live.to_numpy()]
        if len(cand):
            best = cand.sort_values(["index", "entered"]).drop_duplicates("index", keep="last")
            stage[best["index"].to_numpy()] = best["stage"].to_numpy(dtype=np.int64)
    del n
    return _merged(u, stage, t, np.where(nxt == _BIG, NAT, nxt))


def _asof(points: pd.DataFrame, intervals: pd.DataFrame, by: Any = "unit") -> pd.DataFrame:
    """For each point ``(…, t)`` the interval of the same ``by`` entered last at or before
    ``t`` (columns of ``intervals``; NaN where none), rows aligned with ``points``."""
    left = points.assign(_row=np.arange(len(points))).sort_values("t", kind="stable")
    right = intervals.sort_values("entered", kind="stable")
    out = pd.merge_asof(left, right, left_on="t", right_on="entered", by=by,
                        direction="backward")
    return out.sort_values("_row").reset_index(drop=True)


def prepared_status(ip: ItemsPrepared) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(unit, status, entered, left) of every stay of a unit item (open stays: never left)."""
    return ip.stays if ip.stays is not None else (np.empty(0, np.int64),
                                                   np.empty(0, dtype=object),
                                                   np.empty(0, np.int64),
                                                   np.empty(0, np.int64))


def item_stage_durations(prepared: Any, specs: Sequence[StageSpec]) -> StageDurations:
    """Stage times of the unit items for any bindings ``specs`` (event segments and status
    bindings), as :func:`prepare_items` measures them — e.g. to preview a binding before it
    is applied. ``prepared`` is :class:`vsm_app.analysis.engine.Prepared` with items."""
    from .stages import stage_durations

    ip: ItemsPrepared = prepared.items
    changes_view = replace(prepared, durations=stage_durations(prepared.event_times,
                                                               list(specs)))
    categories = {norm_name(s): str(c) for s, c in ip.categories.items()}
    ispecs = item_specs(specs, categories)
    v = ip.view.changes
    return _durations(ispecs, ip.unit_rows, ip.items, ip.status_frame(),
                      v["start"].to_numpy(dtype=np.int64), v["finish"].to_numpy(dtype=np.int64),
                      ip.link_units, ip.link_changes, changes_view)
