"""Work items ↔ changes: ``item_links`` and each item's ``delivered_at`` (docs/metrics.md §17).

A change is linked to an item when

* the tracker names it (``tracker``): a Jira remote link or development-panel commit, a
  GitHub issue closed by a commit or a pull request whose body closes it (``fixes #3``), an
  Azure Boards artifact link or artifact query — to a commit (the change holding it) or to a
  pull/merge request (the change it was merged as);
* its pull request's head **branch** names the item's key (``branch``; also a merge
  commit's ``Merge branch 'EE-12'`` / ``Merge pull request #4 from …/EE-12-x``);
* its pull request's title or body names it (``pr``);
* one of its commit messages names it (``message``).

Keys (:mod:`vsm_app.domain.items`): ``PROJ-123`` is the item with that key; ``AB#123`` the
Azure Boards work item 123; ``owner/repo#123`` that GitHub issue; ``#123`` the GitHub issue
123 of the change's own repository (the pull request's repository, else the git
repository whose folder name is the issue repository's name, else the only GitHub
repository loaded), or — with no GitHub issues loaded — Azure Boards work item 123, as
Azure Repos reads ``#123``. A key two items share is ambiguous and links nothing
(counted). The same item and change linked several ways keep the strongest:
tracker, branch, pr, message.

An item is **delivered** when it is done in the tracker and every change linked to it has
finished (deployed, or merged where its repository has no deployment data: the rule of a
change's finish, docs/metrics.md §5): ``delivered_at`` is the last of those finishes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from vsm_app.domain.items import DONE, HOWS, KEY_PATTERNS
from vsm_app.domain.tables import SourceReport, Tables, conform, empty
from vsm_app.ingest.trackers.combine import TrackerData

#: formats whose records are links, not items: ``linked`` counts links that found both ends
LINK_FORMATS = frozenset({"jira_remote_links", "jira_dev_status", "azure_artifact_query"})
#: formats that describe statuses or columns: ``linked`` counts those the items use
CATALOG_FORMATS = frozenset({"jira_statuses", "jira_board_configuration"})
_RANK = {how: i for i, how in enumerate(HOWS)}


class _KeyIndex:
    """Resolves keys found in text to item ids (module docstring)."""

    def __init__(self, items: pd.DataFrame) -> None:
        ids = items["item_id"].astype(str).tolist()
        keys = items["key"].astype(object).where(items["key"].notna(), None).tolist()
        repos = items["repo"].astype(object).where(items["repo"].notna(), None).tolist()
        self.by_key: dict[str, str] = {}
        self.ambiguous: set[str] = set()
        self.github: dict[tuple[str, str], str] = {}
        self.github_by_name: dict[tuple[str, str], str | None] = {}
        self.azure: dict[str, str] = {}
        github_repos: set[str] = set()
        for iid, key, repo in zip(ids, keys, repos, strict=True):
            if iid.startswith("github:") and key and repo:
                number = key.lstrip("#")
                r = repo.casefold()
                github_repos.add(r)
                self.github[(r, number)] = iid
                name = (r.rsplit("/", 1)[-1], number)
                self.github_by_name[name] = iid if name not in self.github_by_name else None
            elif iid.startswith("azure:"):
                self.azure[iid.split(":", 1)[1]] = iid
            elif key:
                if key in self.by_key and self.by_key[key] != iid:
                    self.ambiguous.add(key)
                self.by_key[key] = iid
        for key in self.ambiguous:
            self.by_key.pop(key, None)
        self.only_repo = next(iter(github_repos)) if len(github_repos) == 1 else None
        #: project prefixes of the loaded keys (``SHOP`` of ``SHOP-12``)
        self.projects = {k.rsplit("-", 1)[0] for k in self.by_key if "-" in k}

    def looks_loaded(self, key: str) -> bool:
        """Whether ``key`` has the form of the loaded items' keys (``SHOP-9999`` when SHOP
        items are loaded, ``#12`` with GitHub issues, ``AB#12`` with Azure work items): an
        unmatched key of that form is an item missing from the exports."""
        if key.startswith("AB#"):
            return bool(self.azure)
        if "#" in key:
            return bool(self.github) or (key.startswith("#") and bool(self.azure))
        return "-" in key and key.rsplit("-", 1)[0] in self.projects

    def resolve(self, key: str, repo: str | None) -> str | None:
        if key.startswith("AB#"):
            return self.azure.get(key[3:])
        if "#" in key and not key.startswith("#"):
            r, _, number = key.rpartition("#")
            return self.github.get((r.casefold(), number))
        if key.startswith("#"):
            number = key[1:]
            if self.github:
                if repo:
                    r = repo.casefold()
                    hit = self.github.get((r, number)) if "/" in r else \
                        self.github_by_name.get((r, number))
                    if hit:
                        return hit
                if self.only_repo is not None:
                    return self.github.get((self.only_repo, number))
                return None
            return self.azure.get(number)
        return self.by_key.get(key)


def _explode(values: pd.Series, change: pd.Series, repo: pd.Series) -> pd.DataFrame:
    """``how:KEY`` tuples per row → one row per (change, how, key, repo)."""
    rows: list[tuple[Any, str, str, Any]] = []
    for keys, cid, r in zip(values.tolist(), change.tolist(), repo.tolist(), strict=True):
        if not keys or cid is None or cid is pd.NA:
            continue
        for entry in keys:
            how, _, key = str(entry).partition(":")
            rows.append((cid, how, key, None if r is pd.NA else r))
    return pd.DataFrame(rows, columns=["change_id", "how", "key", "repo"])


def link_items(out: Tables, data: TrackerData, prs: pd.DataFrame, pr_change: pd.Series,
               changes_of: Callable[[pd.Series], pd.Series],
               reports: dict[str, SourceReport]) -> None:
    """Fill ``out.items`` (with ``delivered_at``), ``item_status``, ``item_links`` and
    ``board_columns``, the item counters of ``out.data_quality`` and the files' ``linked``."""
    items = data.items.copy()
    out.item_status = data.item_status
    out.board_columns = data.board_columns
    out.warnings.extend(data.warnings)
    dq: dict[str, Any] = dict(data.quality)
    if items.empty and data.refs.empty:
        out.items = items
        out.item_links = empty("item_links")
        return
    index = _KeyIndex(items)
    changes = out.changes
    known_items = set(items["item_id"].astype(str).tolist())
    candidates: list[pd.DataFrame] = []
    unmatched: dict[str, int] = {}

    def resolve(frame: pd.DataFrame, source: str) -> pd.DataFrame:
        if frame.empty:
            return pd.DataFrame(columns=["item_id", "change_id", "how"])
        item = [index.resolve(k, r) for k, r in zip(frame["key"].tolist(),
                                                    frame["repo"].tolist(), strict=True)]
        frame = frame.assign(item_id=item)
        miss = frame["item_id"].isna()
        keys = frame.loc[miss, "key"].drop_duplicates()
        unmatched[source] = int(keys.map(index.looks_loaded).sum()) if len(keys) else 0
        return frame.loc[~miss, ["item_id", "change_id", "how"]]

    # keys carried by the changes themselves (commit messages, merge branches)
    if "item_keys" in changes and len(changes):
        candidates.append(resolve(_explode(changes["item_keys"], changes["change_id"],
                                           changes["repo"]), "changes"))
    # keys of the pull requests (head branch, title, body), on the change each became
    if len(prs) and "item_keys" in prs:
        candidates.append(resolve(_explode(prs["item_keys"], pr_change.astype(object),
                                           prs["repo"]), "pull_requests"))
    # what the tracker names
    refs = data.refs
    ref_change = pd.Series(pd.NA, index=refs.index, dtype="string")
    if len(refs):
        is_sha = refs["ref_kind"].eq("sha").fillna(False)
        if is_sha.any():
            ref_change[is_sha] = changes_of(refs.loc[is_sha, "ref"]).to_numpy()
        is_pr = refs["ref_kind"].eq("pr").fillna(False)
        if is_pr.any() and len(prs):
            pr_of = pd.Series(pr_change.to_numpy(), index=prs["pr_id"].astype(str).str.casefold())
            pr_of = pr_of[~pr_of.index.duplicated()]
            ref_change[is_pr] = refs.loc[is_pr, "ref"].str.casefold().map(pr_of).astype(
                "string").to_numpy()
        ok = ref_change.notna() & refs["item_id"].isin(known_items)
        candidates.append(pd.DataFrame({"item_id": refs.loc[ok, "item_id"].to_numpy(),
                                        "change_id": ref_change[ok].to_numpy(),
                                        "how": "tracker"}))
        dq["tracker_links_without_change"] = int((ref_change.isna()).sum())
        dq["tracker_links_without_item"] = int((~refs["item_id"].isin(known_items)).sum())
    links = pd.concat([c for c in candidates if len(c)] or [empty("item_links")],
                      ignore_index=True)
    if len(links):
        links = links.assign(_rank=links["how"].map(_RANK).fillna(len(_RANK)))
        links = links.sort_values(["item_id", "change_id", "_rank"], kind="stable")
        links = links.drop_duplicates(["item_id", "change_id"]).drop(columns="_rank")
    out.item_links = conform(links.reset_index(drop=True), "item_links")
    items["delivered_at"] = _delivered(items, out.item_links, changes)
    out.items = items

    linked_items = set(out.item_links["item_id"].astype(str).tolist())
    units = items["kind"].fillna("").ne("")
    linked = items["item_id"].astype(str).isin(linked_items)
    n_changes = len(changes)
    changes_linked = int(changes["change_id"].isin(set(out.item_links["change_id"]
                                                       .astype(str))).sum())
    dq.update({
        "items_linked": int(linked.sum()),
        "items_unlinked": int((~linked & units).sum()),
        "changes_linked_to_items": changes_linked,
        "changes_unlinked_to_items": n_changes - changes_linked,
        "item_links_by_how": {how: int(k) for how, k in
                              out.item_links["how"].value_counts().items()},
        "item_keys_unmatched": unmatched,
        "item_keys_ambiguous": sorted(index.ambiguous),
        "item_link_patterns": dict(KEY_PATTERNS),
        "items_delivered": int(items["delivered_at"].notna().sum()),
    })
    out.data_quality.setdefault("items", {}).update(dq)
    _linked_counts(data, refs, ref_change, linked_items, known_items, reports)


def _delivered(items: pd.DataFrame, links: pd.DataFrame, changes: pd.DataFrame) -> pd.Series:
    """When each item was delivered (module docstring), NaT otherwise."""
    from vsm_app.domain.finish import NAT, finish_times, to_ns

    out = pd.Series(pd.NaT, index=items.index, dtype="datetime64[ns, UTC]")
    if links.empty or changes.empty:
        return out
    finish, _ = finish_times(to_ns(changes["deployed_at"]), to_ns(changes["merged_at"]),
                             changes["repo"].reset_index(drop=True))
    cids = pd.Index(changes["change_id"].astype(str).to_numpy())
    keep = ~cids.duplicated()
    cids, finish = cids[keep], finish[keep]
    pos = cids.get_indexer(links["change_id"].astype(str))
    lf = np.where(pos >= 0, finish[np.maximum(pos, 0)], NAT)
    per = pd.DataFrame({"item": links["item_id"].astype(str).to_numpy(), "finish": lf,
                        "open": lf == NAT})
    g = per.groupby("item", sort=False)
    last, any_open = g["finish"].max(), g["open"].any()
    ipos = pd.Index(last.index).get_indexer(items["item_id"].astype(str))
    has = ipos >= 0
    last_ns = np.where(has, last.to_numpy()[np.maximum(ipos, 0)], NAT)
    still_open = np.where(has, any_open.to_numpy()[np.maximum(ipos, 0)], True)
    done = items["category"].eq(DONE).fillna(False).to_numpy(dtype=bool)
    ns = np.where(has & ~still_open & done, last_ns, NAT)
    out[:] = pd.to_datetime(np.where(ns == NAT, np.datetime64("NaT"), ns.astype("datetime64[ns]")),
                            utc=True)
    return out


def _linked_counts(data: TrackerData, refs: pd.DataFrame, ref_change: pd.Series,
                   linked_items: set[str], known_items: set[str],
                   reports: dict[str, SourceReport]) -> None:
    ri = data.record_items
    by_file = ri.groupby("source")["item_id"] if len(ri) else None
    for path, rep in reports.items():
        if rep.format in CATALOG_FORMATS:
            continue
        if rep.format in LINK_FORMATS:
            mine = refs["source"].eq(path).fillna(False) if len(refs) else pd.Series(
                dtype=bool)
            found = mine & ref_change.notna() & refs["item_id"].isin(known_items) \
                if len(refs) else mine
            rep.linked = int(found.sum())
            continue
        if by_file is None or path not in by_file.groups:
            continue
        its = ri.loc[by_file.groups[path], "item_id"]
        rep.linked = int(its.astype(object).isin(linked_items).sum())
