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
    "label_reachable",
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


def successful_in_order(deployments: pd.DataFrame) -> pd.DataFrame:
    """Successful deployments with a known time, sorted by time (stable), with column ``_at``.

    ``status`` is compared case-insensitively with ``success``; a frame without a ``status``
    column counts every row as successful (git tags have no status of their own).
    """
    at = _deploy_time(deployments)
    if "status" in deployments:
        ok = deployments["status"].astype("string").str.lower().eq("success").fillna(False)
    else:
        ok = pd.Series(True, index=deployments.index)
    keep = ok.to_numpy(dtype=bool) & at.notna().to_numpy()
    out = deployments.loc[keep].copy()
    out["_at"] = at[keep]
    return out.sort_values("_at", kind="stable")


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
        ``first_deployment`` is True for changes of the first deployment that ships anything
        (per repository): it has no predecessor, so their lead time is unknown.
    """
    g = graph if graph is not None else parent_graph(commits)
    out = changes.copy()
    ordered = successful_in_order(deployments)
    roots = resolve_shas(g.index, ordered["sha"].tolist()) if len(ordered) else \
        np.empty(0, dtype=np.int64)
    labels = label_reachable(g, roots.tolist())

    # the first deployment that ships anything, per repository
    is_first = np.zeros(len(ordered), dtype=bool)
    seen: set[tuple[object, ...]] = set()
    for k, key in enumerate(_group_keys(ordered, ["repo"])):
        if roots[k] >= 0 and key not in seen:
            seen.add(key)
            is_first[k] = True

    pos = resolve_shas(g.index, out["merge_sha"].tolist()) if len(out) else \
        np.empty(0, dtype=np.int64)
    lab = np.full(len(out), -1, dtype=np.int64)
    known = pos >= 0
    lab[known] = labels[pos[known]]
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


def rollback_flags(commits: pd.DataFrame, deployments: pd.DataFrame,
                   graph: ParentGraph | None = None) -> pd.Series:
    """True for a successful deployment of a strict ancestor of the previous one (a rollback).

    "Previous" is the previous successful deployment in time order of the same repository and
    environment (when those columns exist). Unsuccessful deployments and deployments whose sha
    is unknown are False. Index: that of ``deployments``.
    """
    g = graph if graph is not None else parent_graph(commits)
    flags = pd.Series(False, index=deployments.index, dtype=bool)
    ordered = successful_in_order(deployments)
    if len(ordered) < 2:
        return flags
    roots = resolve_shas(g.index, ordered["sha"].tolist())
    labels = label_reachable(g, roots.tolist()).tolist()
    first = g.first_parent
    extra = g.extra_parents
    previous: dict[tuple[object, ...], int] = {}
    for k, key in enumerate(_group_keys(ordered, ["repo", "environment"])):
        b = int(roots[k])
        a = previous.get(key, -1)
        previous[key] = b
        if a < 0 or b < 0 or a == b or labels[b] > labels[a]:
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
