"""The raw tables of every tracker file → the canonical ``items`` and ``item_status`` tables.

Rules (docs/metrics.md §17):

* **One item, several files.** Records of the same item (a Jira search page and a board page,
  GitHub issues and the issue embedded in its events, Azure updates and revisions) are kept
  once: fields come from the fullest record (an issue list before an issue embedded in an
  event before a changelog page), gaps filled from the others.
* **Changelog pages** attach to their issue by key, by the issue's numeric id, or — a bare
  ``values`` list named by nothing — by the changelog entries they share with an issue's
  embedded changelog. Entries already embedded are skipped and counted. An embedded
  changelog with fewer entries than its ``total`` that the pages do not complete is
  **truncated**: a warning names the issues.
* **Status changes** are de-duplicated (same Jira history, GitHub event or Azure revision, or
  else same instant and statuses) and sorted by time (Jira lists its changelog in either
  order); changes at one instant keep their source order.
* **Time in a status** (``item_status``): an item is in the status a change entered until the
  next change; before its first change it is in that change's *from* status since creation;
  the last stay is open (``left_at`` NaT). An item without changes is in its current status
  since the time the tracker gives for it (GitHub ``closed_at``, Azure
  ``StateChangeDate``/``ClosedDate``), else since creation. When the last recorded change
  does not lead to the current status and the tracker says when the current status began,
  the item moves there at that time. Back-to-back stays in one status are one stay; a stay
  of no length is dropped unless it is the current one; a stay that would end before it
  begins (an item created after its first change) is dropped and counted. Reopened items
  and backward moves simply enter a status again: the time of every stay adds up, and stays
  never overlap, so nothing is counted twice.
* **Status categories**: a statuses list (Jira ``/status``) first, then what items' current
  statuses say (Jira ``statusCategory``; when the exports disagree the majority wins and a
  warning says so), then a generic table's ``category`` column, then the name
  (:func:`vsm_app.domain.items.category_from_name`); the project's own choices override all.
* **done_at** = the start of the item's final, unbroken stay in done-category statuses
  (Closed → Done stays done from Closed); NaT when its current status is not done.
* **Kind** from the issue type (:func:`vsm_app.domain.items.kind_of_type`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from vsm_app.domain.items import (
    CATEGORIES,
    DONE,
    ItemSettings,
    category_from_name,
    kind_of_type,
    norm_name,
    type_kind_map,
)
from vsm_app.domain.tables import UTC_NS, SourceReport, conform, empty
from vsm_app.ingest.trackers.raw import FULL, PAGE_ONLY, SCHEMAS, empty_raw

#: raw frames of one file, and its report
Part = tuple[dict[str, pd.DataFrame], SourceReport]
NAT = np.iinfo(np.int64).min


@dataclass
class TrackerData:
    """Everything the tracker files give, combined (see the module docstring)."""

    items: pd.DataFrame = field(default_factory=lambda: empty("items"))
    item_status: pd.DataFrame = field(default_factory=lambda: empty("item_status"))
    #: links from the tracker to code: item_id, ref_kind (sha | pr), ref, source
    refs: pd.DataFrame = field(default_factory=lambda: empty_raw("refs"))
    board_columns: pd.DataFrame = field(default_factory=lambda: empty("board_columns"))
    #: per counted record of each file: its item (for the files' ``linked`` counts)
    record_items: pd.DataFrame = field(default_factory=lambda: empty_raw("record_items"))
    #: status name (as first written) → the category used, and where it came from
    categories: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    quality: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.items)


def _concat(parts: Sequence[Part], table: str) -> pd.DataFrame:
    frames = [f[table].assign(_file=i) for i, (f, _) in enumerate(parts)
              if table in f and len(f[table])]
    if not frames:
        return empty_raw(table).assign(_file=pd.Series(dtype=np.int64))
    out = pd.concat(frames, ignore_index=True)
    return out.astype({c: t for c, t in SCHEMAS[table].items() if t != "object"})


def combine(parts: Sequence[Part], settings: ItemSettings | None = None) -> TrackerData:
    """Combine the raw tables of the tracker files (reports updated in place)."""
    settings = settings or ItemSettings()
    out = TrackerData()
    if not parts:
        return out
    raw = {t: _concat(parts, t) for t in SCHEMAS}
    reports = [r for _, r in parts]
    _resolve_ids(raw, reports, out)
    records = _records(raw["records"])
    transitions = _transitions(raw["transitions"], reports)
    _skip_embedded_page_entries(raw["histories"], reports)
    categories = _categories(raw, records, transitions, settings, out)
    records = _created_from_first_change(records, transitions)
    # an item known only from changelog pages that hold no status change says nothing
    bare = records["rank"].eq(PAGE_ONLY).fillna(False) & ~_in_set(
        records["item_id"], set(transitions["item_id"].tolist()))
    records = records[~bare].reset_index(drop=True)
    truncated = _truncation(raw, records, out)
    status = _stays(records, transitions, categories, out, truncated)
    out.items = _items(records, status, settings, out)
    out.item_status = status
    out.refs = raw["refs"].drop(columns="_file").drop_duplicates(["item_id", "ref_kind", "ref"])
    out.record_items = raw["record_items"].drop(columns="_file")
    out.board_columns = _board(raw, records, transitions)
    out.categories = {name: categories[norm_name(name)] for name in _names(status)}
    _catalog_linked(raw, out, reports)
    return out


def _catalog_linked(raw: dict[str, pd.DataFrame], out: TrackerData,
                    reports: list[SourceReport]) -> None:
    """``linked`` of a statuses list or a board: its statuses (columns) the items were in."""
    used = {norm_name(n) for n in _names(out.item_status)}
    cat, board = raw["catalog"], raw["board"]
    for i, rep in enumerate(reports):
        if rep.format == "jira_statuses":
            mine = cat.loc[cat["_file"].eq(i), "status"].dropna().map(norm_name)
            rep.linked = int(mine.drop_duplicates().isin(used).sum())
        elif rep.format == "jira_board_configuration":
            rows = out.board_columns if len(board) else empty("board_columns")
            mine = board["_file"].eq(i).to_numpy()
            if len(rows) == len(board):
                rep.linked = int(sum(any(norm_name(s) in used for s in statuses)
                                     for statuses in rows.loc[mine, "statuses"]))


# -- ids ---------------------------------------------------------------------------------

def _resolve_ids(raw: dict[str, pd.DataFrame], reports: list[SourceReport],
                 out: TrackerData) -> None:
    """Jira numeric ids, GitHub node ids and unnamed changelog pages → item ids."""
    rec = raw["records"]
    tables = ("records", "transitions", "histories", "pages", "refs", "record_items")
    # the ids waiting for an alias: by a Jira issue id, a GitHub node id, or nothing
    waiting: set[str] = set()
    for table in tables:
        ids = raw[table]["item_id"]
        if len(ids):
            waiting.update(u for u in pd.unique(ids.dropna().to_numpy(dtype=object))
                           if u.startswith(("jira-id:", "github-node:", "jira-page:")))
    if not waiting:
        return
    named = rec[rec["key"].notna() & rec["source_id"].notna()]
    alias: dict[str, str] = {}
    for iid, sid in zip(named["item_id"].tolist(), named["source_id"].tolist(), strict=True):
        if iid.startswith("jira:") and f"jira-id:{sid}" in waiting:
            alias.setdefault(f"jira-id:{sid}", iid)
        elif iid.startswith("github:") and f"github-node:{sid}" in waiting:
            alias.setdefault(f"github-node:{sid}", iid)
    hist = raw["histories"]
    unnamed = sorted({i for i in hist["item_id"].dropna().tolist() if i.startswith("jira-page:")}
                     | {i for i in rec["item_id"].dropna().tolist()
                        if i.startswith("jira-page:")})
    if unnamed:
        known = hist[~hist["item_id"].str.startswith("jira-page:").fillna(False)]
        owner = known.drop_duplicates("history_id").set_index("history_id")["item_id"]
        for page in unnamed:
            mine = hist.loc[hist["item_id"].eq(page).fillna(False), "history_id"]
            found = mine.map(owner).dropna()
            if len(found):
                alias[page] = str(found.value_counts().index[0])
    if not alias and not unnamed:
        return
    for table in tables:
        f = raw[table]
        if len(f):
            hit = f["item_id"].isin(list(alias)).to_numpy()
            if hit.any():
                f.loc[hit, "item_id"] = f.loc[hit, "item_id"].map(alias)
    # pages still named by nothing: their entries cannot be attributed
    for table in ("records", "transitions", "histories", "pages"):
        f = raw[table]
        lost = f["item_id"].str.startswith("jira-page:").fillna(False)
        if lost.any():
            raw[table] = f[~lost].reset_index(drop=True)
    ri = raw["record_items"]
    lost = ri["item_id"].str.startswith("jira-page:").fillna(False)
    if lost.any():
        for file_no, k in ri.loc[lost, "_file"].value_counts().items():
            rep = reports[int(file_no)]
            rep.skipped += int(k)
            rep.problems.append(
                f"{int(k)} changelog entr(ies) skipped: the file does not say which issue they "
                f"belong to (its pages have no 'self' URL, its name no issue key, and none "
                f"of its entries is in a loaded issue's changelog); name the file after the "
                f"issue, e.g. EE-3394.json")
        out.quality["changelog_entries_without_issue"] = int(lost.sum())
        raw["record_items"] = ri.assign(item_id=ri["item_id"].mask(lost))


# -- records -------------------------------------------------------------------------------

def _records(rec: pd.DataFrame) -> pd.DataFrame:
    """One row per item: the fullest record first, gaps filled from the others."""
    if rec.empty:
        return rec.drop(columns="_file")
    order = rec.sort_values(["rank", "_file"], kind="stable")
    first = order.groupby("item_id", sort=False).first()
    first = first.reset_index()
    return first.drop(columns="_file")


def _created_from_first_change(records: pd.DataFrame, transitions: pd.DataFrame
                               ) -> pd.DataFrame:
    """A generic table's item without ``created_at`` was created in its first status."""
    generic = records["format"].str.startswith("generic_status_changes").fillna(False)
    need = generic & records["created_at"].isna()
    if not need.any() or transitions.empty:
        return records
    first = transitions.groupby("item_id")["at"].min()
    out = records.copy()
    out.loc[need, "created_at"] = out.loc[need, "item_id"].map(first).astype(UTC_NS)
    return out


# -- transitions ---------------------------------------------------------------------------

def _transitions(tr: pd.DataFrame, reports: list[SourceReport]) -> pd.DataFrame:
    """Status changes once each, in time order per item."""
    if tr.empty:
        return tr.drop(columns="_file")
    tr = tr[tr["to_status"].notna() & tr["at"].notna()]
    # the same change: same item and history/event/revision id, or (without one) the same
    # instant and statuses
    has_id = tr["event_id"].notna().to_numpy()
    ident = pd.DataFrame({
        "item": tr["item_id"].to_numpy(dtype=object),
        "event": tr["event_id"].fillna("").to_numpy(dtype=object),
        "at": np.where(has_id, 0, _ns(tr["at"])),
        "from": np.where(has_id, "", tr["from_status"].fillna("").to_numpy(dtype=object)),
        "to": np.where(has_id, "", tr["to_status"].to_numpy(dtype=object))})
    order = np.lexsort((np.arange(len(tr)), tr["_file"].to_numpy(),
                        tr["rank"].fillna(9).to_numpy()))
    tr = tr.iloc[order]
    dup = ident.iloc[order].duplicated().to_numpy()
    if dup.any():
        for file_no, k in tr.loc[dup, "_file"].value_counts().items():
            rep = reports[int(file_no)]
            if rep.format == "github_repo_issue_events":
                rep.skipped += int(k)
            rep.problems.append(f"{int(k)} status change(s) already in another file (kept once)")
        tr = tr[~dup]
    seq = tr["seq"].astype("Float64").fillna(0).to_numpy(dtype=np.float64)
    codes, _ = pd.factorize(tr["item_id"])
    # per item in time order; changes at one instant by sequence number, then as read
    order = np.lexsort((np.arange(len(tr)), seq, _ns(tr["at"]), codes))
    return tr.iloc[order].drop(columns="_file").reset_index(drop=True)


def _skip_embedded_page_entries(hist: pd.DataFrame, reports: list[SourceReport]) -> None:
    """Changelog-page entries that an issue's embedded changelog already holds: skipped."""
    if hist.empty:
        return
    fmt = np.array([reports[int(i)].format for i in hist["_file"].to_numpy()], dtype=object)
    page = fmt == "jira_changelog"
    if not page.any():
        return
    embedded = set(zip(hist.loc[~page, "item_id"].tolist(), hist.loc[~page, "history_id"]
                       .tolist(), strict=True))
    seen: set[tuple[Any, Any]] = set(embedded)
    sub = hist[page]
    for file_no, iid, hid in zip(sub["_file"].tolist(), sub["item_id"].tolist(),
                                 sub["history_id"].tolist(), strict=True):
        if (iid, hid) in seen:
            rep = reports[int(file_no)]
            rep.skipped += 1
        seen.add((iid, hid))
    for rep in {id(r): r for r in reports if r.format == "jira_changelog"}.values():
        if rep.skipped:
            rep.problems.append(f"{rep.skipped} changelog entr(ies) already in the issue's "
                                f"embedded changelog skipped")


# -- categories ----------------------------------------------------------------------------

def _categories(raw: dict[str, pd.DataFrame], records: pd.DataFrame, tr: pd.DataFrame,
                settings: ItemSettings, out: TrackerData) -> dict[str, str]:
    """Normalised status name → category (module docstring)."""
    cat = raw["catalog"]
    cat = cat[cat["status"].notna() & cat["category"].isin(CATEGORIES)]
    result: dict[str, str] = {}
    conflicts: list[str] = []
    if len(cat):
        cat = cat.assign(_name=cat["status"].map(norm_name))
        best = cat.groupby("_name")["authority"].transform("min")
        cat = cat[cat["authority"].eq(best)]
        votes = cat.groupby(["_name", "category"]).size().rename("n").reset_index()
        for name, group in votes.groupby("_name", sort=True):
            group = group.sort_values(["n", "category"], ascending=[False, True])
            top = group.iloc[0]
            guess = category_from_name(str(name))
            if len(group) > 1 and group.iloc[1]["n"] == top["n"]:
                tied = group.loc[group["n"].eq(top["n"]), "category"].tolist()
                chosen = guess if guess in tied else str(top["category"])
            else:
                chosen = str(top["category"])
            result[str(name)] = chosen
            if len(group) > 1:
                spelled = cat.loc[cat["_name"].eq(name), "status"].iloc[0]
                parts = ", ".join(f"{r.category} in {int(r.n)}" for r in group.itertuples())
                conflicts.append(f"'{spelled}' ({parts}: {chosen} used)")
    if conflicts:
        out.warnings.append("the exports disagree on the category of status "
                            + "; ".join(conflicts))
        out.quality["status_category_conflicts"] = len(conflicts)
    names = set(records["status"].dropna().tolist()) | set(tr["to_status"].dropna().tolist()) \
        | set(tr["from_status"].dropna().tolist())
    for name in names:
        result.setdefault(norm_name(name), category_from_name(name))
    for name, value in settings.status_categories.items():
        result[norm_name(name)] = value
    return result


def _names(status: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(status["status"].dropna().tolist()))


# -- stays -----------------------------------------------------------------------------------

def _stays(records: pd.DataFrame, tr: pd.DataFrame, categories: dict[str, str],
           out: TrackerData, truncated: set[str] | None = None) -> pd.DataFrame:
    """``item_status``: the stays of every item in its statuses (module docstring)."""
    by_item = records.set_index("item_id")
    q = out.quality
    frames: list[pd.DataFrame] = []
    with_changes: set[str] = set()
    if len(tr):
        item = tr["item_id"].to_numpy(dtype=object)
        at = _ns(tr["at"])
        last_of_item = np.r_[item[1:] != item[:-1], True]
        first_of_item = np.r_[True, item[1:] != item[:-1]]
        left = np.where(last_of_item, NAT, np.r_[at[1:], NAT])
        # history gaps: a change that does not leave the status the previous one entered
        frm = _objects(tr["from_status"])
        to = _objects(tr["to_status"])
        prev_to = np.r_[np.array([None], dtype=object), to[:-1]]
        gap = ~first_of_item & (frm != None) & (frm != prev_to)  # noqa: E711
        q["status_history_gaps"] = int(gap.sum())
        # the item moved on to its current status at a time the tracker gives
        last_idx = np.flatnonzero(last_of_item)
        last_items = item[last_idx]
        cur = _objects(by_item["status"].reindex(last_items))
        cur_since = _ns(by_item["status_since"].reindex(last_items))
        differs = (cur != None) & (cur != to[last_idx])  # noqa: E711
        moved = differs & (cur_since != NAT) & (cur_since >= at[last_idx])
        left[last_idx[moved]] = cur_since[moved]
        q["status_changes_missing"] = int((differs & ~moved).sum())
        frames.append(pd.DataFrame({"item_id": item, "status": to, "entered": at,
                                    "left": left}))
        frames.append(pd.DataFrame({"item_id": last_items[moved], "status": cur[moved],
                                    "entered": cur_since[moved],
                                    "left": np.full(int(moved.sum()), NAT, dtype=np.int64)}))
        # before the first change: its from-status, since creation (unless entries before
        # the first loaded one are missing: a truncated changelog)
        fi = np.flatnonzero(first_of_item)
        start = _ns(by_item["created_at"].reindex(item[fi]))
        cut = np.isin(item[fi], list(truncated or ()))
        has = (frm[fi] != None) & (start != NAT) & ~cut  # noqa: E711
        frames.append(pd.DataFrame({"item_id": item[fi][has], "status": frm[fi][has],
                                    "entered": start[has], "left": at[fi][has]}))
        with_changes = set(item[fi].tolist())
    # items without any status change: in their current status
    still = records[~_in_set(records["item_id"], with_changes) & records["status"].notna()]
    if len(still):
        entered = _ns(still["status_since"].fillna(still["created_at"]))
        ok = entered != NAT
        frames.append(pd.DataFrame({
            "item_id": still["item_id"].to_numpy(dtype=object)[ok],
            "status": _objects(still["status"])[ok], "entered": entered[ok],
            "left": np.full(int(ok.sum()), NAT, dtype=np.int64)}))
    frames = [f for f in frames if len(f)]
    if not frames:
        q.setdefault("negative_status_spans", 0)
        return empty("item_status")
    s = pd.concat(frames, ignore_index=True)
    codes, _ = pd.factorize(s["item_id"])
    order = np.lexsort((np.arange(len(s)), s["entered"].to_numpy(), codes))
    s = s.iloc[order].reset_index(drop=True)
    negative = (s["left"] != NAT) & (s["left"] < s["entered"])
    q["negative_status_spans"] = int(negative.sum())
    s = s[~negative]
    empty_stay = (s["left"] != NAT) & (s["left"] == s["entered"])
    s = s[~empty_stay].reset_index(drop=True)
    s = _merge_repeats(s)
    status = s["status"].astype("string")
    names = pd.unique(s["status"].to_numpy(dtype=object))
    lookup = {n: categories.get(norm_name(n)) for n in names if isinstance(n, str)}
    cat = s["status"].map(lookup)
    frame = pd.DataFrame({
        "item_id": s["item_id"].astype("string"),
        "status": status,
        "category": cat.astype("string"),
        "entered_at": _utc(s["entered"].to_numpy()),
        "left_at": _utc(s["left"].to_numpy()),
    })
    return conform(frame, "item_status")


def _merge_repeats(s: pd.DataFrame) -> pd.DataFrame:
    """Back-to-back stays of one item in one status are one stay."""
    if len(s) < 2:
        return s
    item = s["item_id"].to_numpy(dtype=object)
    status = s["status"].to_numpy(dtype=object)
    entered = s["entered"].to_numpy()
    left = s["left"].to_numpy()
    joins = (item[1:] == item[:-1]) & (status[1:] == status[:-1]) & (entered[1:] == left[:-1])
    if not joins.any():
        return s
    first = np.flatnonzero(np.r_[True, ~joins])
    last = np.r_[first[1:] - 1, len(s) - 1]
    return pd.DataFrame({"item_id": item[first], "status": status[first],
                         "entered": entered[first], "left": left[last]})


def _in_set(values: pd.Series, members: set[Any]) -> np.ndarray:
    """``values.isin(members)`` by hashing: pandas' arrow-string ``isin`` builds a pyarrow
    scalar per member (~0.3 s for 50,000 item ids, whatever the length of ``values``)."""
    return np.fromiter((v in members for v in values.to_numpy(dtype=object)), dtype=bool,
                       count=len(values))


def _objects(values: pd.Series) -> np.ndarray:
    """Values as an object array, ``None`` where missing (safe to compare with ``!=``)."""
    arr = values.to_numpy(dtype=object)
    out: np.ndarray = np.asarray(np.where(pd.isna(arr), None, arr), dtype=object)
    return out


def _ns(values: pd.Series | pd.Index) -> np.ndarray:
    """UTC nanoseconds of a tz-aware column, :data:`NAT` where missing."""
    return pd.DatetimeIndex(values).as_unit("ns").asi8.copy()


def _utc(ns: np.ndarray) -> pd.Series:
    ns = np.asarray(ns, dtype=np.int64)
    return pd.Series(pd.to_datetime(np.where(ns == NAT, np.datetime64("NaT"),
                                             ns.astype("datetime64[ns]")), utc=True),
                     dtype=UTC_NS)


# -- items ---------------------------------------------------------------------------------

def _items(records: pd.DataFrame, status: pd.DataFrame, settings: ItemSettings,
           out: TrackerData) -> pd.DataFrame:
    mapping = type_kind_map(settings)
    user = {norm_name(k): v for k, v in settings.type_kinds.items()}
    types = records["type"].astype(object).where(records["type"].notna(), None).tolist()
    levels = records["type_level"].astype(object).where(records["type_level"].notna(),
                                                        None).tolist()
    kinds = [kind_of_type(t, lv, mapping, user) for t, lv in zip(types, levels, strict=True)]
    unmapped = pd.Series([t for t, k in zip(types, kinds, strict=True) if k == "unknown"],
                         dtype=object).value_counts()
    if len(unmapped):
        out.quality["item_types_unmapped"] = {str(k): int(v) for k, v in unmapped.items()}
    # current status and done_at from the stays
    ids = records["item_id"].to_numpy(dtype=object)
    done_ns = np.full(len(records), NAT, dtype=np.int64)
    cur_status = _objects(records["status"])
    cur_cat = np.full(len(records), None, dtype=object)
    if len(status):
        is_done = status["category"].eq(DONE).fillna(False).to_numpy(dtype=bool)
        item = status["item_id"].to_numpy(dtype=object)
        pos = np.arange(len(status))
        g = pd.DataFrame({"item": item, "pos": pos, "not_done": np.where(is_done, -1, pos)}
                         ).groupby("item", sort=False)
        first_pos = g["pos"].min()
        last_pos = g["pos"].max()
        run_start = np.maximum(g["not_done"].max().to_numpy() + 1, first_pos.to_numpy())
        finished = is_done[last_pos.to_numpy()]
        entered = _ns(status["entered_at"])
        row = pd.Index(ids).get_indexer(last_pos.index)
        ok = row >= 0
        done_ns[row[ok & finished]] = entered[run_start[ok & finished]]
        cur_status[row[ok]] = _objects(status["status"])[last_pos.to_numpy()[ok]]
        cur_cat[row[ok]] = _objects(status["category"])[last_pos.to_numpy()[ok]]
    frame = pd.DataFrame({
        "item_id": records["item_id"].astype("string"),
        "key": records["key"].astype("string"),
        "kind": pd.array(kinds, dtype="string"),
        "created_at": records["created_at"],
        "done_at": _utc(done_ns),
        "parent_id": records["parent_id"].astype("string"),
        "repo": records["repo"].astype("string"),
        "type": records["type"].astype("string"),
        "status": pd.array(cur_status, dtype="string"),
        "category": pd.array(cur_cat, dtype="string"),
        "title": records["title"].astype("string"),
        "format": records["format"].astype("string"),
        "source": records["source"].astype("string"),
    })
    out.quality["items_total"] = int(len(frame))
    out.quality["items_without_created"] = int(frame["created_at"].isna().sum())
    return conform(frame, "items")


# -- board, truncation -------------------------------------------------------------------------

def _board(raw: dict[str, pd.DataFrame], records: pd.DataFrame, tr: pd.DataFrame
           ) -> pd.DataFrame:
    board = raw["board"]
    if board.empty:
        return empty("board_columns")
    names: dict[str, str] = {}
    cat = raw["catalog"]
    for sid, name in zip(cat["status_id"].tolist(), cat["status"].tolist(), strict=True):
        if isinstance(sid, str) and isinstance(name, str):
            names.setdefault(sid, name)
    for sid, name in zip(records["status_id"].tolist(), records["status"].tolist(),
                         strict=True):
        if isinstance(sid, str) and isinstance(name, str):
            names.setdefault(sid, name)
    for ids, labels in (("to_id", "to_status"), ("from_id", "from_status")):
        for sid, name in zip(tr[ids].tolist() if ids in tr else [],
                             tr[labels].tolist() if labels in tr else [], strict=True):
            if isinstance(sid, str) and isinstance(name, str):
                names.setdefault(sid, name)
    statuses = [tuple(names.get(s, f"status {s}") for s in ids) for ids in board["status_ids"]]
    frame = pd.DataFrame({
        "board": board["board"], "column": board["column"], "position": board["position"],
        "statuses": pd.Series(statuses, dtype=object, index=board.index),
        "wip_min": board["wip_min"], "wip_max": board["wip_max"]})
    return conform(frame.reset_index(drop=True), "board_columns")


def _truncation(raw: dict[str, pd.DataFrame], records: pd.DataFrame, out: TrackerData
                ) -> set[str]:
    """Jira issues whose changelog is still incomplete after every page was merged."""
    totals = records.set_index("item_id")["changelog_total"].dropna()
    pages = raw["pages"]
    if len(pages):
        page_totals = pages.groupby("item_id")["total"].max()
        totals = pd.concat([totals, page_totals]).groupby(level=0).max()
    if totals.empty:
        return set()
    hist = raw["histories"]
    got = hist.drop_duplicates(["item_id", "history_id"]).groupby("item_id").size() \
        if len(hist) else pd.Series(dtype=np.int64)
    have = got.reindex(totals.index, fill_value=0)
    short = totals[have < totals]
    out.quality["changelog_truncated_items"] = int(len(short))
    if len(short):
        keys = records.set_index("item_id")["key"].reindex(short.index).fillna(
            pd.Series(short.index, index=short.index))
        shown = ", ".join(f"{k} ({int(have[i])} of {int(short[i])})"
                          for i, k in list(keys.items())[:10])
        more = f" and {len(short) - 10} more" if len(short) > 10 else ""
        out.warnings.append(
            f"the changelog of {len(short)} issue(s) is truncated: {shown}{more}; time in "
            f"their statuses before the first loaded entry is not measured — load the "
            f"per-issue changelog (/rest/api/3/issue/KEY/changelog) with them")
    return set(short.index.astype(str))


__all__ = ["FULL", "PAGE_ONLY", "TrackerData", "combine"]
