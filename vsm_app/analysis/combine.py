"""The preparation of several repositories, made apart, joined into one (issue 21).

:func:`vsm_app.analysis.engine.prepare` decides every per-change and per-deployment fact *in
the stream of its own repository* (docs/metrics.md §15): a change's lead time and stage
times, which deployment failed (an incident of that repository, a revert, a rollback of the
same repository and environment), its restore, rework. So the preparation of a union of
repositories equals the preparations of each repository joined — provided the deployments
are put back in the one time order the union would give them (by finish time, then
``deploy_order``, then the id compared naturally, ties in repository order) and every
position that points at a deployment is renumbered. :func:`join` does exactly that; the
organisation phase of ``analyze-many`` (:mod:`vsm_app.scale.organisation`) prepares each
repository on a Dask worker and joins the results on the driver, whose memory then holds
per-change and per-deployment arrays, not the tables.

Holds for incidents that carry their repository (``incidents.repo``: every incident of
``analyze-many``); an incident without one is attributed over every repository's
deployments and cannot be prepared apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from vsm_app.ingest.ancestry import natural_key

from .dora import DoraPrepared
from .engine import Prepared
from .groups import GroupLinks
from .periods import NAT
from .stages import StageDurations


def _frames(frames: list[pd.DataFrame], fill: object, dtype: object) -> pd.DataFrame:
    """Row-wise concatenation; a column missing in a part is ``fill`` there."""
    cols: list[str] = []
    for f in frames:
        cols += [c for c in f.columns if c not in cols]
    parts = []
    for f in frames:
        missing = [c for c in cols if c not in f.columns]
        if missing:
            f = f.assign(**{c: np.full(len(f), fill, dtype=dtype) for c in missing})
        parts.append(f[cols])
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, ignore_index=True)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f.columns)]
    if not frames:
        return pd.DataFrame()
    non_empty = [f for f in frames if len(f)]
    if not non_empty:
        return frames[0].iloc[0:0].reset_index(drop=True)
    return pd.concat(non_empty, ignore_index=True)


def join(pieces: Sequence[Prepared]) -> Prepared:
    """The preparation of the union of the pieces' repositories (see module docstring).

    ``pieces`` are in the order the union's tables would be (manifest order); each was made
    by :func:`~vsm_app.analysis.engine.prepare` on one repository's tables with the same
    map and production environments.
    """
    return _join(pieces)[0]


def join_links(pieces: Sequence[Prepared], links: Sequence[GroupLinks]
               ) -> tuple[Prepared, GroupLinks]:
    """:func:`join`, and each piece's :class:`~vsm_app.analysis.groups.GroupLinks` (made on
    that piece alone) moved to the joined rows: a change's row shifted by the changes of the
    pieces before it, a deployment's row renumbered as :func:`join` orders the deployments.
    The groups then select exactly the rows the union's own links would give."""
    if len(links) != len(pieces):
        raise ValueError("one GroupLinks per piece")
    joined, dep_maps = _join(pieces)
    change_dep: list[np.ndarray] = []
    rows_of: dict[str, list[np.ndarray]] = {}
    offset = 0
    for p, ln, dep_map in zip(pieces, links, dep_maps, strict=True):
        cd = np.asarray(ln.change_dep, dtype=np.int64)
        change_dep.append(np.where(cd >= 0, dep_map[np.maximum(cd, 0)], -1)
                          if len(dep_map) else np.full(len(cd), -1, dtype=np.int64))
        for name, r in ln.rows.items():
            rows_of.setdefault(name, []).append(np.asarray(r, dtype=np.int64) + offset)
        offset += len(p.changes)
    return joined, GroupLinks(
        np.concatenate(change_dep) if change_dep else np.zeros(0, dtype=np.int64),
        {name: np.concatenate(parts) for name, parts in rows_of.items()})


def _join(pieces: Sequence[Prepared]) -> tuple[Prepared, list[np.ndarray]]:
    """:func:`join`, and per piece its deployments' rows in the joined deployments."""
    if not pieces:
        raise ValueError("nothing to join")
    if len(pieces) == 1:
        return pieces[0], [np.arange(len(pieces[0].dora.deployments), dtype=np.int64)]
    first = pieces[0]
    dur = StageDurations(
        specs=first.durations.specs,
        values=_concat([p.durations.values for p in pieces]),
        status=_concat([p.durations.status for p in pieces]),
        segment_status=_concat([p.durations.segment_status for p in pieces]),
        segment_info={k: v for p in pieces for k, v in p.durations.segment_info.items()})

    # deployments in the union's one time order; old (piece, pos) → new pos
    deps_parts, offsets = [], []
    total = 0
    for k, p in enumerate(pieces):
        d = p.dora.deployments.assign(_piece=k, _row=np.arange(len(p.dora.deployments)))
        deps_parts.append(d)
        offsets.append(total)
        total += len(d)
    deps = _concat(deps_parts)
    if len(deps):
        order = pd.to_numeric(deps["deploy_order"], errors="coerce") \
            if "deploy_order" in deps else pd.Series(np.nan, index=deps.index)
        keyed = deps.assign(_order=order.to_numpy(dtype=np.float64),
                            _name=[natural_key(x) for x in deps["deployment_id"].tolist()],
                            _k=np.arange(len(deps)))
        keyed = keyed.sort_values(["at", "_order", "_name", "_k"], kind="stable",
                                  na_position="last")
        new_pos = np.empty(len(deps), dtype=np.int64)
        new_pos[keyed["_k"].to_numpy()] = np.arange(len(deps), dtype=np.int64)
        deps = keyed.drop(columns=["_order", "_name", "_k"]).reset_index(drop=True)
    else:
        new_pos = np.zeros(0, dtype=np.int64)

    def remap(k: int, pos: np.ndarray) -> np.ndarray:
        pos = np.asarray(pos, dtype=np.int64)
        out = pos.copy()
        ok = pos >= 0
        out[ok] = new_pos[offsets[k] + pos[ok]]
        return out

    if len(deps):
        deps["pos"] = np.arange(len(deps), dtype=np.int64)
        deps = deps.drop(columns=["_piece", "_row"])
    rec_parts, inc_parts = [], []
    for k, p in enumerate(pieces):
        rec_parts.append(p.dora.recoveries.assign(
            deployment_pos=remap(k, p.dora.recoveries["deployment_pos"].to_numpy())))
        inc_parts.append(p.dora.incidents.assign(
            deployment_pos=remap(k, p.dora.incidents["deployment_pos"].to_numpy())))
    quality: dict[str, int] = {}
    for p in pieces:
        for key, v in p.dora.quality.items():
            quality[key] = quality.get(key, 0) + int(v)
    dora = DoraPrepared(
        deployments=deps,
        # the union lists incident recoveries first, then those of failed deployments
        recoveries=_recoveries(rec_parts),
        incidents=_concat(inc_parts),
        deploy_runs=_concat([p.dora.deploy_runs for p in pieces]),
        has_deployments=any(p.dora.has_deployments for p in pieces),
        has_incidents=any(p.dora.has_incidents for p in pieces),
        has_deploy_runs=any(p.dora.has_deploy_runs for p in pieces),
        quality=quality)
    extents = [p.extent for p in pieces if p.extent is not None]
    extent = (min(e[0] for e in extents), max(e[1] for e in extents)) if extents else None
    bounds = [*offsets, total]
    dep_maps = [new_pos[bounds[k]:bounds[k + 1]] for k in range(len(pieces))]
    return replace(
        first,
        changes=_concat([p.changes for p in pieces]),
        durations=dur, dora=dora, extent=extent,
        event_present=_frames([p.event_present for p in pieces], False, bool),
        event_times=_frames([p.event_times for p in pieces], NAT, np.int64),
        sources=tuple(s for p in pieces for s in p.sources),
        warnings=[w for p in pieces for w in p.warnings],
        ingest_quality=_sum_quality([p.ingest_quality for p in pieces])), dep_maps


def _recoveries(parts: list[pd.DataFrame]) -> pd.DataFrame:
    both = _concat(parts)
    if not len(both):
        return both
    incident = both["cause"].eq("incident").to_numpy()
    deployments = both.loc[~incident].sort_values("deployment_pos", kind="stable")
    return pd.concat([both.loc[incident], deployments], ignore_index=True)


def _sum_quality(parts: list[dict[str, object]]) -> dict[str, object]:
    out: dict[str, object] = {}
    for q in parts:
        for k, v in q.items():
            if isinstance(v, int | float) and not isinstance(v, bool):
                prev = out.get(k, 0)
                out[k] = (prev if isinstance(prev, int | float) else 0) + v
            else:
                out.setdefault(k, v)
    return out
