"""On-disk cache of parsed git history: numpy ``.npz`` files, never pickle.

An entry holds what the metrics need and nothing that names a person: shas, parents,
times, salted author hashes, and labels derived from the messages (their kind, revert and
hotfix marks), never a subject, a body, a merge title, a name or an e-mail address.

One file per cache entry holds numeric arrays and UTF-8 blobs (strings joined by NUL, which
cannot occur in commit metadata). Writes go to a temporary file in the same folder and are
moved into place with :func:`os.replace`, so a reader sees the old entry or the new one,
never half of one (a cancelled analysis writes nothing).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Mapping
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from vsm_app import cachedir

#: bump when the layout of a cache entry changes: older entries are then removed
#: (2: no commit message text any more, see vsm_app.ingest.git.LABELS; 3: the work-item keys
#: of each commit, issue 18)
CACHE_VERSION = 3

_SEP = "\x00"


def cache_key(*parts: str) -> str:
    """A file-name-safe digest of ``parts`` (paths, refs, options, salt: never stored in clear)."""
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8", "surrogateescape"))
        h.update(b"\x00")
    return h.hexdigest()[:32]


def pack_strings(values: list[str]) -> np.ndarray:
    """Strings → one ``uint8`` array (NUL-separated UTF-8)."""
    blob = _SEP.join(values).encode("utf-8", "surrogateescape")
    return np.frombuffer(blob, dtype=np.uint8)


def unpack_strings(arr: np.ndarray, n: int) -> list[str]:
    """Inverse of :func:`pack_strings` for ``n`` strings."""
    if n == 0:
        return []
    return arr.tobytes().decode("utf-8", "surrogateescape").split(_SEP)


#: items per ``json.dumps`` call when packing a large dict (see :func:`pack_json`)
_JSON_CHUNK = 2_000


def pack_json(obj: Any) -> np.ndarray:
    """``obj`` as compact JSON in UTF-8 (a large dict is encoded in slices, same bytes).

    One ``json.dumps`` of ~40k merge titles is a single C call holding the GIL for ~50 ms
    (and its 40k temporary item tuples invite a full garbage collection); in slices the
    app's GUI thread gets the GIL between them and stays responsive during an ingest.
    """
    if isinstance(obj, dict) and len(obj) > _JSON_CHUNK:
        items = iter(obj.items())
        parts = []
        while chunk := dict(islice(items, _JSON_CHUNK)):
            parts.append(json.dumps(chunk, separators=(",", ":"))[1:-1])
        text = "{" + ",".join(parts) + "}"
    else:
        text = json.dumps(obj, separators=(",", ":"))
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def unpack_json(arr: np.ndarray) -> Any:
    return json.loads(arr.tobytes().decode("utf-8"))


def save(path: Path, arrays: Mapping[str, np.ndarray], meta: Mapping[str, Any]) -> None:
    """Write one entry atomically (temp file + :func:`os.replace`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = dict(arrays)
    payload["__meta__"] = pack_json({**meta, "cache_version": CACHE_VERSION})
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **payload)  # type: ignore[arg-type]
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    cachedir.enforce_limit(path.parent, keep=(path,))  # the folder's size cap (LRU)
    remove_older_layouts(path.parent)


#: folders already cleared of older layouts by this process
_CLEARED: set[str] = set()


def remove_older_layouts(folder: Path) -> list[Path]:
    """Delete the entries an older layout wrote in ``folder`` (once per folder: a marker
    file remembers it); returns them.

    Older layouts held commit message text (subjects, merge titles: names, logins), in the
    history cache and in the changes layer, whose entries a new version of the code never
    reads again: they would stay on disk until evicted.
    """
    folder = Path(folder)
    marker = folder / f".layout-{CACHE_VERSION}"
    if str(folder) in _CLEARED or marker.exists():
        return []
    removed: list[Path] = []
    for entry in sorted(folder.glob("git-*.npz")):
        try:
            with np.load(entry, allow_pickle=False) as data:
                meta = unpack_json(data["__meta__"]) if "__meta__" in data.files else None
        except (OSError, ValueError, KeyError, UnicodeDecodeError, zipfile.BadZipFile,
                EOFError):
            continue
        version = meta.get("cache_version") if isinstance(meta, dict) else None
        if isinstance(version, int) and version < CACHE_VERSION:
            try:
                entry.unlink()
                removed.append(entry)
            except OSError:
                pass
    try:
        marker.touch()
    except OSError:
        pass
    _CLEARED.add(str(folder))
    return removed


def load(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]] | None:
    """Read one entry; ``None`` when missing, unreadable or of another cache version."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError):
        return None
    try:
        meta = unpack_json(arrays.pop("__meta__"))
    except (KeyError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(meta, dict) or meta.get("cache_version") != CACHE_VERSION:
        if isinstance(meta, dict) and isinstance(meta.get("cache_version"), int) \
                and meta["cache_version"] < CACHE_VERSION:
            # an older layout may hold message text: it is not kept on disk
            try:
                path.unlink()
            except OSError:
                pass
        return None
    cachedir.mark_used(path)
    return arrays, meta
