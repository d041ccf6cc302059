"""The git reader's second cache layer: the tables built from a history, not just the history.

Turning the parsed history into ``commits``, ``changes`` and tag ``deployments`` (the change
walk, kinds, reverts, the deployment ancestry) costs ~0.6 s on git/git — more than loading the
history itself. This layer keeps that output, so an unchanged repository skips both reading
and building.

It sits beside the history cache (:mod:`vsm_app.ingest.gitcache`), never inside it: its key is
made of everything that decides the output — the repository, the ref and the commits the
history is read from (tip and tag roots), the sub-tree, the salt and the history state
(.mailmap, shallow boundary) that key the history cache too, the tag deployments, the
repository label — plus a digest of the source code of ``vsm_app.ingest`` and
``vsm_app.domain``. What the history cache stores and how may change freely: this layer
stores only what is derived from it, and a new version of the code that builds changes can
never be served an old answer.

Entries are numpy ``.npz`` files written through :func:`vsm_app.ingest.gitcache.save`
(atomic, size-capped with the rest of the cache); frames are stored column by column, no
pickle. A column of a type this module does not know makes the layer skip the save.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from vsm_app.ingest import gitcache
from vsm_app.ingest.ancestry import ParentGraph, remember_graph

log = logging.getLogger(__name__)

#: bump when the layout of an entry changes
LAYER_VERSION = 1
_NAT = np.iinfo(np.int64).min


class Unsupported(ValueError):
    """A frame with a column this cache cannot store without pickle."""


@lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 of the source files of the packages that build the tables ("" if unreadable,
    which turns the layer off)."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    try:
        for package in ("ingest", "domain"):
            for f in sorted((root / package).glob("*.py")):
                h.update(f.name.encode())
                h.update(f.read_bytes())
    except OSError:
        return ""
    return h.hexdigest()


def entry_path(cache_dir: Path, parts: Sequence[str]) -> Path | None:
    """The entry for the key ``parts``; None when the code digest is unknown."""
    digest = code_digest()
    if not digest:
        return None
    key = gitcache.cache_key("changes", str(LAYER_VERSION), digest, *parts)
    return Path(cache_dir) / f"git-changes-{key}.npz"


# -- frames as arrays --------------------------------------------------------------------


def _column_to_arrays(s: pd.Series, name: str) -> tuple[str, dict[str, np.ndarray]]:
    dtype = s.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        ns = s.dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
        values = ns.array.asi8.copy()
        return str(dtype), {f"{name}.v": values}
    if isinstance(dtype, pd.StringDtype):
        # dictionary-encoded: a commit's change id, the repository label repeat a lot
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        texts = [str(u) for u in uniques]
        if any(_SEPARATOR in t for t in texts):
            raise Unsupported(f"{name}: a value holds a NUL character")
        return str(dtype), {f"{name}.u": gitcache.pack_strings(texts),
                            f"{name}.c": codes.astype(np.int32)}
    if isinstance(dtype, pd.Int64Dtype):
        na = s.isna().to_numpy()
        values = s.fillna(0).to_numpy(dtype=np.int64)
        return "Int64", {f"{name}.v": values, f"{name}.na": np.packbits(na)}
    if dtype == np.dtype(bool) or dtype == np.dtype(np.int64) or dtype == np.dtype(np.float64):
        return str(dtype), {f"{name}.v": s.to_numpy()}
    if dtype == np.dtype(object):
        values = s.tolist()
        if all(isinstance(v, tuple) and all(isinstance(x, str) and " " not in x for x in v)
               for v in values):
            texts = [" ".join(v) for v in values]
            return "tuple[str]", {f"{name}.v": gitcache.pack_strings(texts)}
    raise Unsupported(f"{name}: cannot store a column of {dtype}")


_SEPARATOR = "\x00"


def _column_from_arrays(kind: str, name: str, a: Mapping[str, np.ndarray], n: int) -> Any:
    v = a.get(f"{name}.v")
    if v is None:
        return _strings_from_arrays(kind, name, a)
    if kind.startswith("datetime64"):
        idx = pd.DatetimeIndex(v.astype(np.int64).view("datetime64[ns]")).tz_localize("UTC")
        return idx if kind == "datetime64[ns, UTC]" else idx.astype(kind)
    if kind == "Int64":
        na = np.unpackbits(a[f"{name}.na"], count=n).astype(bool)
        return pd.arrays.IntegerArray(v.astype(np.int64), na)
    if kind == "tuple[str]":
        out = np.empty(n, dtype=object)
        out[:] = [tuple(t.split()) for t in gitcache.unpack_strings(v, n)]
        return out
    if kind in ("bool", "int64", "float64"):
        return v.astype(kind)
    raise ValueError(f"{name}: unknown column kind {kind!r}")


def _strings_from_arrays(kind: str, name: str, a: Mapping[str, np.ndarray]) -> Any:
    """A pandas string column: the distinct values, then each row's code (-1: missing)."""
    codes = a[f"{name}.c"].astype(np.intp)
    uniques = gitcache.unpack_strings(a[f"{name}.u"], int(codes.max(initial=-1)) + 1)
    return pd.array(np.asarray(uniques, dtype=object), dtype=kind).take(codes, allow_fill=True)


def frame_to_arrays(frame: pd.DataFrame, prefix: str) -> tuple[dict[str, np.ndarray],
                                                               list[list[str]]]:
    """``frame`` as arrays named ``prefix/column.*`` and its schema ``[[column, kind], ...]``.

    Raises
    ------
    Unsupported
        A column of another type, or an index other than 0..n-1.
    """
    if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0 \
            or frame.index.step != 1:
        raise Unsupported(f"{prefix}: the index is not 0..n-1")
    arrays: dict[str, np.ndarray] = {}
    schema: list[list[str]] = []
    for col in frame.columns:
        if not isinstance(col, str) or "/" in col:
            raise Unsupported(f"{prefix}: column name {col!r}")
        kind, parts = _column_to_arrays(frame[col], f"{prefix}/{col}")
        arrays.update(parts)
        schema.append([col, kind])
    return arrays, schema


def frame_from_arrays(arrays: Mapping[str, np.ndarray], schema: Sequence[Sequence[str]],
                      prefix: str, n: int) -> pd.DataFrame:
    """Inverse of :func:`frame_to_arrays`."""
    data = {col: _column_from_arrays(kind, f"{prefix}/{col}", arrays, n)
            for col, kind in schema}
    return pd.DataFrame(data, index=pd.RangeIndex(n))


# -- the parent graph --------------------------------------------------------------------


def graph_to_arrays(graph: ParentGraph) -> dict[str, np.ndarray]:
    """The positions of a :class:`ParentGraph` (its shas are the commits table's)."""
    keys = sorted(graph.extra_parents)
    lens = [len(graph.extra_parents[k]) for k in keys]
    flat = [p for k in keys for p in graph.extra_parents[k]]
    return {"graph/first": np.asarray(graph.first_parent, dtype=np.int64),
            "graph/n_parents": np.asarray(graph.n_parents, dtype=np.int64),
            "graph/extra_keys": np.asarray(keys, dtype=np.int64),
            "graph/extra_lens": np.asarray(lens, dtype=np.int64),
            "graph/extra": np.asarray(flat, dtype=np.int64)}


def graph_from_arrays(arrays: Mapping[str, np.ndarray], shas: list[str]) -> ParentGraph:
    """Inverse of :func:`graph_to_arrays` for the commits ``shas``."""
    keys = arrays["graph/extra_keys"].tolist()
    ends = np.cumsum(arrays["graph/extra_lens"]).tolist()
    flat = arrays["graph/extra"].tolist()
    extra: dict[int, tuple[int, ...]] = {}
    start = 0
    for k, end in zip(keys, ends, strict=True):
        extra[k] = tuple(flat[start:end])
        start = end
    first = arrays["graph/first"].tolist()
    if len(first) != len(shas):
        raise ValueError("the graph does not match the commits")
    return ParentGraph(pd.Index(shas, dtype=object), first, extra,
                       arrays["graph/n_parents"].astype(np.int64))


# -- entries -----------------------------------------------------------------------------


@dataclass
class Built:
    """What an entry holds: the frames and, when stored, the commits' parent graph."""

    frames: dict[str, pd.DataFrame]
    graph: ParentGraph | None


def save(path: Path, frames: Mapping[str, pd.DataFrame], meta: Mapping[str, Any],
         graph: ParentGraph | None = None) -> bool:
    """Store ``frames`` (atomically), and the graph of ``frames["commits"]`` when given and
    its shas are the commits' in order; False when a column cannot be stored."""
    arrays: dict[str, np.ndarray] = {}
    schemas: dict[str, Any] = {}
    try:
        for name, frame in frames.items():
            a, schema = frame_to_arrays(frame, name)
            arrays.update(a)
            schemas[name] = {"rows": len(frame), "columns": schema}
    except Unsupported as exc:
        log.info("changes not cached: %s", exc)
        return False
    commits = frames.get("commits")
    with_graph = graph is not None and commits is not None and len(graph) == len(commits)
    if with_graph:
        assert graph is not None
        arrays.update(graph_to_arrays(graph))
    gitcache.save(path, arrays, {**meta, "frames": schemas, "graph": with_graph})
    return True


def load(path: Path) -> Built | None:
    """The frames (and graph) of an entry; None when missing, unreadable or of another layout.

    A loaded graph is handed to :func:`vsm_app.ingest.ancestry.remember_graph`, so linking the
    same commits does not build it again.
    """
    loaded = gitcache.load(path)
    if loaded is None:
        return None
    arrays, meta = loaded
    try:
        frames = {name: frame_from_arrays(arrays, spec["columns"], name, int(spec["rows"]))
                  for name, spec in meta["frames"].items()}
        graph = None
        if meta.get("graph") and "commits" in frames:
            commits = frames["commits"]
            shas = [str(s) for s in commits["sha"].tolist()]
            graph = graph_from_arrays(arrays, shas)
            remember_graph(shas, list(commits["parents"].tolist()), graph)
    except (KeyError, ValueError, TypeError, IndexError) as exc:
        log.info("ignoring the unreadable cache entry %s: %s", path.name, exc)
        return None
    return Built(frames, graph)


def key_parts(*, git_dir: str, ref: str, tip: str, roots: Sequence[str], subtree: str,
              salt: str, history_state: str, label: str,
              tags: Sequence[tuple[str, str, int, bool]]) -> list[str]:
    """The key of the tables built from one read of a repository (see the module's doc)."""
    return [git_dir, ref, tip, json.dumps(sorted(roots)), subtree, salt, history_state, label,
            json.dumps([list(t) for t in tags])]
