"""The cache folder's housekeeping (Qt-free): a size cap with least-recently-used eviction.

What a cache entry holds is :mod:`vsm_app.ingest.gitcache`'s business; this module only
decides which entries stay. An entry is one ``*.npz`` file in the cache folder
(:func:`vsm_app.paths.cache_dir`). Reading an entry marks it used (:func:`mark_used` sets its
modification time to now); after each write :func:`enforce_limit` deletes the least recently
used entries until the folder is under its cap (:func:`limit_bytes`), never the entry just
written. :func:`clear` empties it (the app's Data ▸ Clear cache…).

Several processes may share the folder (the app and the command line): a file another one
removed first is simply skipped, and an entry being written is a temporary file this module
leaves alone until it is a day old (a crashed writer's leftover).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

#: default cap of the cache folder (bytes); ``VSM_APP_CACHE_MB`` changes it
DEFAULT_LIMIT_BYTES = 1 << 30
ENV_LIMIT = "VSM_APP_CACHE_MB"
ENTRY_SUFFIX = ".npz"
TEMP_SUFFIX = ".tmp"
#: a temporary file this old is a crashed writer's leftover
STALE_TEMP_S = 24 * 3600

@dataclass(frozen=True)
class Entry:
    path: Path
    size: int
    used: float  #: epoch seconds of the last read or write


def limit_bytes() -> int:
    """The cap in force: ``VSM_APP_CACHE_MB`` (megabytes), else 1 GiB."""
    env = os.environ.get(ENV_LIMIT, "").strip()
    if env:
        try:
            return max(0, int(float(env) * (1 << 20)))
        except ValueError:
            log.warning("%s=%r is not a number of megabytes; using the default", ENV_LIMIT, env)
    return DEFAULT_LIMIT_BYTES


def mark_used(path: Path) -> None:
    """Record that the entry at ``path`` was just read (it becomes the most recently used)."""
    try:
        os.utime(path)
    except OSError:
        pass  # read-only cache or gone meanwhile: eviction order is a hint, not a promise


def entries(folder: Path) -> list[Entry]:
    """The cache entries in ``folder``, least recently used first."""
    found: list[Entry] = []
    try:
        items = list(os.scandir(folder))
    except OSError:
        return []
    for item in items:
        if not item.name.endswith(ENTRY_SUFFIX):
            continue
        try:
            st = item.stat(follow_symlinks=False)
        except OSError:
            continue
        if item.is_file(follow_symlinks=False):
            found.append(Entry(Path(item.path), st.st_size, st.st_mtime))
    found.sort(key=lambda e: (e.used, e.path.name))
    return found


def usage(folder: Path) -> tuple[int, int]:
    """``(number of entries, bytes)`` in ``folder``."""
    es = entries(folder)
    return len(es), sum(e.size for e in es)


def _remove(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False  # another process was first
    except OSError as exc:
        log.info("cannot remove cache file %s: %s", path, exc)
        return False
    return True


def _stale_temps(folder: Path, now: float) -> Iterable[Path]:
    try:
        items = list(os.scandir(folder))
    except OSError:
        return []
    out = []
    for item in items:
        if item.name.endswith(TEMP_SUFFIX):
            try:
                if now - item.stat(follow_symlinks=False).st_mtime > STALE_TEMP_S:
                    out.append(Path(item.path))
            except OSError:
                continue
    return out


def enforce_limit(folder: Path, limit: int | None = None,
                  keep: Iterable[Path] = ()) -> list[Path]:
    """Delete least recently used entries until ``folder`` holds at most ``limit`` bytes.

    Entries in ``keep`` (the one just written) are never deleted, even when they alone pass
    the cap. Also removes stale temporary files and the caches of older versions
    (:func:`vsm_app.paths.legacy_cache_dir`). Returns the entries deleted.
    """
    cap = limit_bytes() if limit is None else limit
    kept = {Path(p).resolve() for p in keep}
    es = entries(folder)
    total = sum(e.size for e in es)
    removed: list[Path] = []
    for e in es:
        if total <= cap:
            break
        if e.path.resolve() in kept:
            continue
        if _remove(e.path):
            removed.append(e.path)
            total -= e.size
    for tmp in _stale_temps(folder, time.time()):
        _remove(tmp)
    if removed:
        log.info("cache over its cap of %.0f MB: removed %d least recently used entr%s",
                 cap / (1 << 20), len(removed), "y" if len(removed) == 1 else "ies")
    forget_legacy_cache()
    return removed


def clear(folder: Path) -> tuple[int, int]:
    """Delete every entry in ``folder``; ``(entries, bytes)`` freed."""
    n = freed = 0
    for e in entries(folder):
        if _remove(e.path):
            n += 1
            freed += e.size
    log.info("cleared the cache %s: %d entries, %d bytes", folder, n, freed)
    return n, freed


def forget_legacy_cache() -> int:
    """Remove the git caches that versions before 0.2 kept in ``<data>/cache``; bytes freed.

    Only files this app wrote there (``git-*.npz``) are touched; the folder goes when empty.
    """
    from vsm_app import paths

    try:
        old = paths.legacy_cache_dir()
    except OSError:
        return 0
    if old is None or not old.is_dir():
        return 0
    freed = 0
    for e in entries(old):
        if e.path.name.startswith("git-") and _remove(e.path):
            freed += e.size
    try:
        old.rmdir()
    except OSError:
        pass  # not empty: something else lives there
    if freed:
        log.info("removed %d bytes of old caches from %s", freed, old)
    return freed
