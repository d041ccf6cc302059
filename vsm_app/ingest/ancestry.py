"""Which deployment first shipped each change: ancestry over the parsed parent graph.

DESIGN §5: a change is deployed by the earliest successful deployment whose commit contains
it. We never ask git (one ``rev-list`` per tag costs ~20 s on git/git, one ``tag --contains``
per commit hours); we walk the parent graph already parsed from ``git log`` once, deployment by
deployment in time order, stopping at commits an earlier deployment already shipped, so every
commit is visited once in total.

The same walk labels commits with the change that merged them (roots = the first-parent chain
of the branch, oldest first), so ``vsm_app.ingest.git`` reuses :func:`label_reachable`.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd

from vsm_app.domain.tables import UTC_NS

__all__ = [
    "ParentGraph",
    "assign_deployments",
    "deployment_order",
    "environment_events",
    "label_reachable",
    "natural_key",
    "parent_graph",
    "remember_graph",
    "resolve_shas",
    "rollback_flags",
    "successful_in_order",
]


@dataclass(frozen=True)
class ParentGraph:
    """Integer-indexed parent graph of a set of commits.

    Plain Python lists on purpose: the walk reads single elements, and indexing a list is
    several times faster than indexing a numpy array element by element. The extra parents are
    tuples, not lists: tuples of ints leave the garbage collector's tracking, while ~40k
    surviving lists (one per merge) would trigger full collections that hold the GIL for
    ~100 ms in the app (and so stall its GUI thread during an ingest).
    """

    index: pd.Index  #: commit sha -> position
    first_parent: list[int]  #: position of the first parent, -1 for a root or a missing parent
    extra_parents: dict[int, tuple[int, ...]]  #: merges only: positions of parents 2..n (known)
    n_parents: np.ndarray  #: parents recorded in the commit (known or not), int

    def __len__(self) -> int:
        return len(self.first_parent)


def _split_parents(parents: Sequence[object]) -> list[tuple[str, ...]]:
    """Parents as tuples, accepting tuples/lists or space-separated strings (``%P``)."""
    out: list[tuple[str, ...]] = []
    for p in parents:
        if isinstance(p, tuple):
            out.append(p)
        elif isinstance(p, str):
            out.append(tuple(p.split()))
        elif isinstance(p, list | np.ndarray):
            out.append(tuple(str(x) for x in p))
        else:  # None / NA: a root or an unknown commit
            out.append(())
    return out


#: the last graph built or loaded, with the lists it was built from: (shas, parents, graph).
#: The git reader and the linker ask for the graph of the same commits; comparing the lists
#: (the same string and tuple objects, so mostly identity checks: a few ms) is exact.
_last_graph: tuple[list[str], list[tuple[str, ...]], ParentGraph] | None = None


def remember_graph(shas: list[str], parents: list[tuple[str, ...]], graph: ParentGraph) -> None:
    """Record that ``graph`` is the graph of ``shas`` and ``parents`` (see :func:`parent_graph`)."""
    global _last_graph
    _last_graph = (shas, parents, graph)


def parent_graph(commits: pd.DataFrame) -> ParentGraph:
    """Build the integer parent graph from a ``commits`` table (columns ``sha``, ``parents``)."""
    shas = [str(s) for s in commits["sha"].tolist()]
    parents = _split_parents(commits["parents"].tolist())
    last = _last_graph
    if last is not None and last[0] == shas and last[1] == parents:
        return last[2]
    graph = parent_graph_from_lists(shas, parents)
    remember_graph(shas, parents, graph)
    return graph


def parent_graph_from_lists(shas: list[str], parents: Sequence[Sequence[str]]) -> ParentGraph:
    """Build the graph from parallel lists (``parents[i]`` holds the parent shas of ``shas[i]``)."""
    index = pd.Index(shas, dtype=object)
    if not index.is_unique:
        # a sha listed twice (concatenated tables of forks): keep the first occurrence
        index = pd.Index(pd.unique(np.asarray(shas, dtype=object)), dtype=object)
    lens = np.fromiter((len(p) for p in parents), dtype=np.int64, count=len(parents))
    flat = list(chain.from_iterable(parents))
    pos = index.get_indexer(flat) if flat else np.empty(0, dtype=np.int64)
    starts = np.zeros(len(parents) + 1, dtype=np.int64)
    np.cumsum(lens, out=starts[1:])
    first = np.full(len(index), -1, dtype=np.int64)
    has_parent = lens > 0
    rows = np.flatnonzero(has_parent)
    own = index.get_indexer(shas) if len(index) != len(shas) else np.arange(len(shas))
    first[own[rows]] = pos[starts[rows]]
    extra: dict[int, tuple[int, ...]] = {}
    pos_list = pos.tolist()
    starts_list = starts.tolist()
    own_list = own.tolist()
    for r in np.flatnonzero(lens > 1).tolist():
        known = tuple([p for p in pos_list[starts_list[r] + 1:starts_list[r + 1]] if p >= 0])
        if known:
            extra[own_list[r]] = known
    n_parents = np.zeros(len(index), dtype=np.int64)
    n_parents[own] = lens
    return ParentGraph(index, first.tolist(), extra, n_parents)


#: the last walk: (graph, roots, labels). Linking asks for the same walk twice (rollback flags
#: and deployment assignment over the same deployments); the graph is never changed once
#: built, so its identity and the roots decide the answer.
_last_walk: tuple[weakref.ref[ParentGraph], tuple[int, ...], np.ndarray] | None = None


def label_reachable(graph: ParentGraph, roots: Sequence[int]) -> np.ndarray:
    """Label each commit with the position in ``roots`` of the first root that reaches it.

    Roots are processed in order; a walk stops at commits already labelled, so the total
    cost is one visit per commit whatever the number of roots. Negative roots are skipped.

    Returns
    -------
    numpy.ndarray
        ``int64`` labels, ``-1`` for commits no root reaches.
    """
    global _last_walk
    key = tuple(int(r) for r in roots)
    last = _last_walk
    if last is not None and last[0]() is graph and last[1] == key:
        return last[2].copy()
    result = _walk(graph, roots)
    _last_walk = (weakref.ref(graph), key, result)
    return result.copy()


def _walk(graph: ParentGraph, roots: Sequence[int]) -> np.ndarray:
    label = [-1] * len(graph)
    first = graph.first_parent
    extra = graph.extra_parents
    for k, root in enumerate(roots):
        if root < 0 or label[root] >= 0:
            continue
        stack = [root]
        while stack:
            c = stack.pop()
            # follow the first-parent line without pushing: most commits have one parent
            while c >= 0 and label[c] < 0:
                label[c] = k
                more = extra.get(c)
                if more is not None:
                    stack.extend(more)
                c = first[c]
    return np.asarray(label, dtype=np.int64)


def resolve_shas(index: pd.Index, shas: Sequence[object]) -> np.ndarray:
    """Positions of ``shas`` in ``index``; abbreviated shas (≥ 7 hex digits) match a unique prefix.

    Unknown, ambiguous or missing shas give ``-1``.
    """
    raw = list(shas)
    pos = index.get_indexer(raw) if raw else np.empty(0, dtype=np.int64)
    # only the misses are normalised (case, blanks, missing values) and tried again
    keys: dict[int, str] = {}
    for i in np.flatnonzero(pos < 0).tolist():
        s = raw[i]
        keys[i] = "" if s is None or s is pd.NA or (isinstance(s, float) and np.isnan(s)) \
            else str(s).strip().lower()
    if keys:
        again = index.get_indexer(list(keys.values()))
        for i, p in zip(keys, again.tolist(), strict=True):
            pos[i] = p
    short = [i for i, k in keys.items() if pos[i] < 0 and 7 <= len(k) < 40]
    if short:
        full = np.asarray(index, dtype=object).astype(str)
        order = np.argsort(full)
        sorted_full = full[order]
        for i in short:
            k = keys[i]
            lo = int(np.searchsorted(sorted_full, k, side="left"))
            hi = int(np.searchsorted(sorted_full, k + "\x7f", side="left"))
            if hi - lo == 1:
                pos[i] = order[lo]
    return np.asarray(pos, dtype=np.int64)


def _deploy_time(deployments: pd.DataFrame) -> pd.Series:
    """finished_at, falling back to started_at (DESIGN: a deployment's time)."""
    finished = (pd.to_datetime(deployments["finished_at"], utc=True)
                if "finished_at" in deployments else None)
    started = (pd.to_datetime(deployments["started_at"], utc=True)
               if "started_at" in deployments else None)
    if finished is None and started is None:
        return pd.Series(pd.NaT, index=deployments.index, dtype=UTC_NS)
    if finished is None:
        assert started is not None
        return started.astype(UTC_NS)
    if started is None:
        return finished.astype(UTC_NS)
    return finished.fillna(started).astype(UTC_NS)


def natural_key(text: object) -> tuple[tuple[int, object], ...]:
    """Sort key that orders the numbers inside a name by value: ``v1.9`` before ``v1.10``."""
    parts = re.split(r"(\d+)", "" if text is None or text is pd.NA else str(text))
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p != "")


def _strict_ancestors_in(graph: ParentGraph, start: int, members: set[int]) -> int:
    """How many of ``members`` (positions, ``start`` excluded) are strict ancestors of
    ``start``: one walk of its history."""
    wanted = members - {start}
    if start < 0 or not wanted:
        return 0
    first, extra = graph.first_parent, graph.extra_parents
    seen = {start}
    stack = [start]
    found = 0
    while stack and found < len(wanted):
        c = stack.pop()
        for p in (first[c], *extra.get(c, ())):
            if p >= 0 and p not in seen:
                seen.add(p)
                if p in wanted:
                    found += 1
                stack.append(p)
    return found


def successful_in_order(deployments: pd.DataFrame, graph: ParentGraph | None = None
                        ) -> pd.DataFrame:
    """Successful deployments with a known time, in deployment order, with column ``_at``.

    ``status`` is compared case-insensitively with ``success``; a frame without a ``status``
    column counts every row as successful (git tags have no status of their own).

    Order: by time; deployments at the same instant by **ancestry** (a deployment of an
    ancestor of another's commit deployed first; needs ``graph``), then by name with the
    numbers in it compared by value (``v1.9`` before ``v1.10``). A ``deploy_order`` column
    computed earlier (:func:`deployment_order`) is used as it is.
    """
    at = _deploy_time(deployments)
    if "status" in deployments:
        ok = deployments["status"].astype("string").str.lower().eq("success").fillna(False)
    else:
        ok = pd.Series(True, index=deployments.index)
    keep = ok.to_numpy(dtype=bool) & at.notna().to_numpy()
    out = deployments.loc[keep].copy()
    out["_at"] = at[keep]
    if "deploy_order" in out and out["deploy_order"].notna().all() and graph is None:
        return out.sort_values(["_at", "deploy_order"], kind="stable")
    ids = out["deployment_id"] if "deployment_id" in out else pd.Series(
        [None] * len(out), index=out.index)
    out["_name"] = [natural_key(x) for x in ids.tolist()]
    out["_tie"] = 0
    if graph is not None and len(out) > 1:
        tied = out["_at"].duplicated(keep=False).to_numpy()
        if tied.any():
            pos = resolve_shas(graph.index, out["sha"].tolist()) if "sha" in out else \
                np.full(len(out), -1)
            tie = np.zeros(len(out), dtype=np.int64)
            groups = pd.Series(np.arange(len(out)))[tied].groupby(
                out["_at"].to_numpy()[tied], sort=False)
            for _, rows in groups:
                members = {int(pos[r]) for r in rows if pos[r] >= 0}
                if len(members) < 2:
                    continue
                for r in rows:
                    tie[r] = _strict_ancestors_in(graph, int(pos[r]), members)
            out["_tie"] = tie
    out = out.sort_values(["_at", "_tie", "_name"], kind="stable")
    return out.drop(columns=["_tie", "_name"])


def deployment_order(commits: pd.DataFrame, deployments: pd.DataFrame,
                     graph: ParentGraph | None = None) -> pd.Series:
    """Rank (0, 1, …) of each successful deployment in deployment order
    (:func:`successful_in_order`); ``<NA>`` for the others. Index: that of ``deployments``."""
    g = graph if graph is not None else parent_graph(commits)
    ordered = successful_in_order(deployments.drop(columns=["deploy_order"], errors="ignore"),
                                  g)
    rank = pd.Series(pd.NA, index=deployments.index, dtype="Int64")
    rank.loc[ordered.index] = np.arange(len(ordered), dtype=np.int64)
    return rank


def _production(deployments: pd.DataFrame) -> pd.DataFrame:
    """The production rows (``is_production`` decided at ingest; absent or NA = production)."""
    if "is_production" not in deployments:
        return deployments
    flag = deployments["is_production"].astype("boolean").fillna(True).to_numpy(dtype=bool)
    return deployments.loc[flag]


def _group_keys(frame: pd.DataFrame, columns: Sequence[str]) -> list[tuple[object, ...]]:
    cols = [c for c in columns if c in frame]
    if not cols:
        return [()] * len(frame)
    return list(zip(*(frame[c].astype(object).where(frame[c].notna(), None) for c in cols),
                    strict=True))


def assign_deployments(commits: pd.DataFrame, changes: pd.DataFrame, deployments: pd.DataFrame,
                       graph: ParentGraph | None = None) -> pd.DataFrame:
    """Set ``deployed_at``, ``deployment_id`` and ``first_deployment`` on ``changes`` by ancestry.

    Parameters
    ----------
    commits
        ``sha`` and ``parents`` of every commit the deployments may contain.
    changes
        ``change_id`` and ``merge_sha`` (the first-parent commit of the change).
    deployments
        ``deployment_id``, ``sha``, ``finished_at`` and/or ``started_at``, ``status``;
        optional ``repo`` (the first deployment is found per repository).
    graph
        The graph of ``commits`` when the caller already built it.

    Returns
    -------
    pandas.DataFrame
        A copy of ``changes``. A change is shipped by the earliest successful deployment whose
        commit contains its merge commit; ``deployed_at`` is that deployment's ``finished_at``
        (or ``started_at``). Changes no deployment reaches keep ``NaT`` (in progress).
        ``first_deployment`` is True for changes of the first deployment that ships at least
        one of ``changes`` (per repository): it has no predecessor, so their lead time is
        unknown. Only production deployments ship (an ``is_production`` column, when
        present, says which); deployments at the same instant are ordered by ancestry.
    """
    g = graph if graph is not None else parent_graph(commits)
    out = changes.copy()
    ordered = successful_in_order(_production(deployments), g)
    roots = resolve_shas(g.index, ordered["sha"].tolist()) if len(ordered) else \
        np.empty(0, dtype=np.int64)
    labels = label_reachable(g, roots.tolist())

    pos = resolve_shas(g.index, out["merge_sha"].tolist()) if len(out) else \
        np.empty(0, dtype=np.int64)
    lab = np.full(len(out), -1, dtype=np.int64)
    known = pos >= 0
    lab[known] = labels[pos[known]]

    # the first deployment that ships at least one change, per repository: a tag on an
    # orphan history (docs) or on a commit outside the branch ships none
    ships = np.zeros(len(ordered), dtype=bool)
    ships[np.unique(lab[lab >= 0])] = True
    is_first = np.zeros(len(ordered), dtype=bool)
    seen: set[tuple[object, ...]] = set()
    for k, key in enumerate(_group_keys(ordered, ["repo"])):
        if ships[k] and key not in seen:
            seen.add(key)
            is_first[k] = True

    # take(-1, allow_fill=True) gives NaT / <NA>: changes no deployment reaches
    deployed = pd.Series(ordered["_at"].array.take(lab, allow_fill=True), index=out.index)
    deployed = deployed.astype(UTC_NS)
    dep_ids = ordered["deployment_id"].astype("string").array
    dep_id = pd.Series(dep_ids.take(lab, allow_fill=True), index=out.index, dtype="string")
    first = np.zeros(len(out), dtype=bool)
    shipped = lab >= 0
    first[shipped] = is_first[lab[shipped]]
    out["deployed_at"] = deployed
    out["deployment_id"] = dep_id
    out["first_deployment"] = first
    return out


def environment_events(commits: pd.DataFrame, changes: pd.DataFrame,
                       deployments: pd.DataFrame, graph: ParentGraph | None = None
                       ) -> pd.DataFrame:
    """``deployed:<environment>`` events of the non-production environments.

    For each environment (name trimmed and lower-cased) of the rows with ``is_production``
    False, a change's event is the time of the earliest successful deployment to that
    environment whose commit contains it (the same walk as :func:`assign_deployments`).
    Returns the long events table (``change_id``, ``event``, ``at``).
    """
    cols = {"change_id": "string", "event": "string", "at": UTC_NS}
    empty_events = pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})
    if "is_production" not in deployments or not len(changes) or not len(deployments):
        return empty_events
    other = deployments.loc[~deployments["is_production"].astype("boolean").fillna(True)
                            .to_numpy(dtype=bool)]
    if not len(other):
        return empty_events
    g = graph if graph is not None else parent_graph(commits)
    env = other["environment"].astype("string").str.strip().str.lower() \
        if "environment" in other else pd.Series(pd.NA, index=other.index, dtype="string")
    pos = resolve_shas(g.index, changes["merge_sha"].tolist())
    frames = []
    for name in sorted(env.dropna().unique()):
        if not name:
            continue
        ordered = successful_in_order(other.loc[env.eq(name).fillna(False).to_numpy()], g)
        if not len(ordered):
            continue
        roots = resolve_shas(g.index, ordered["sha"].tolist())
        labels = label_reachable(g, roots.tolist())
        lab = np.where(pos >= 0, labels[np.maximum(pos, 0)], -1)
        hit = lab >= 0
        if not hit.any():
            continue
        frames.append(pd.DataFrame({
            "change_id": changes["change_id"].astype("string").to_numpy()[hit],
            "event": f"deployed:{name}",
            "at": ordered["_at"].array.take(lab[hit]),
        }))
    if not frames:
        return empty_events
    return pd.concat(frames, ignore_index=True).astype(cols)


def _tag_version(name: object) -> tuple[int, ...] | None:
    """The version numbers of a release tag (``v1.10.2`` → (1, 10, 2)); None otherwise."""
    from vsm_app.ingest.release_tags import parse

    if not isinstance(name, str):
        return None
    v = parse(name)
    return tuple(int(x) for x in v.version.split(".")) if v is not None else None


def rollback_flags(commits: pd.DataFrame, deployments: pd.DataFrame,
                   graph: ParentGraph | None = None) -> pd.Series:
    """True for a successful deployment of a strict ancestor of the previous one (a rollback).

    "Previous" is the previous successful deployment in deployment order of the same
    repository and environment (when those columns exist). Unsuccessful deployments and
    deployments whose sha is unknown are False. A release tag (``tag`` column) whose version
    is lower than the previous tag's is a maintenance or late-tagged release, never a
    rollback. Index: that of ``deployments``.
    """
    g = graph if graph is not None else parent_graph(commits)
    flags = pd.Series(False, index=deployments.index, dtype=bool)
    ordered = successful_in_order(deployments, g)
    if len(ordered) < 2:
        return flags
    roots = resolve_shas(g.index, ordered["sha"].tolist())
    labels = label_reachable(g, roots.tolist()).tolist()
    first = g.first_parent
    extra = g.extra_parents
    previous: dict[tuple[object, ...], int] = {}
    previous_version: dict[tuple[object, ...], tuple[int, ...] | None] = {}
    versions = [_tag_version(t) for t in ordered["tag"].tolist()] if "tag" in ordered \
        else [None] * len(ordered)
    for k, key in enumerate(_group_keys(ordered, ["repo", "environment"])):
        b = int(roots[k])
        a = previous.get(key, -1)
        previous[key] = b
        va, vb = previous_version.get(key), versions[k]
        previous_version[key] = vb
        if a < 0 or b < 0 or a == b or labels[b] > labels[a]:
            continue
        if va is not None and vb is not None and vb < va:
            # a release tag with a lower version than the one before it is a maintenance or
            # late-tagged release (0.9.4 tagged after 0.11.1), not a rollback
            continue
        # Exact test, walking from a. If b is an ancestor of x, every deployment containing x
        # contains b, so label[b] <= label[x]: commits with a smaller label cannot lead to b
        # and are pruned. That keeps the walk to the few deployments between the two.
        floor = labels[b]
        stack = [a]
        visited = {a}
        found = False
        while stack and not found:
            c = stack.pop()
            nxt = [first[c], *extra.get(c, ())]
            for p in nxt:
                if p == b:
                    found = True
                    break
                if p >= 0 and p not in visited and labels[p] >= floor:
                    visited.add(p)
                    stack.append(p)
        if found:
            flags.loc[ordered.index[k]] = True
    return flags
