"""The files each commit touched, for groups defined by paths (issue 21), and a repository's
history fingerprint (what analyze-many compares to skip an unchanged repository).

The files pass is ``git log --no-walk=unsorted --name-only --no-renames -z`` over the commits
that belong to a change, shas on stdin: a second pass like :func:`vsm_app.ingest.git.fill_sizes`
(tree diffs cost far more than the metadata), run **only** when a group is defined by paths
or by CODEOWNERS team, and cached per repository (the files of a commit never change), so a
re-run reads only the commits it has not seen. A merge commit lists no files (its merged
commits carry them), exactly as the sub-tree filter counts. ``--no-renames``: a file moved out
of a team's folder touches that folder too.

Every git process runs through the hardened runner (:mod:`vsm_app.ingest.gitrun`: fixed
options, no hooks, no repository programs, no network); only shas reach git, on stdin.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd

from vsm_app.ingest import gitcache, gitrun
from vsm_app.ingest.git import GitError, GitOptions, _default_label, _open, _rev_file
from vsm_app.work import IsCancelled

__all__ = ["commit_files", "history_fingerprint", "change_files"]

_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")

FILES_CACHE_VERSION = "1"


def _parse(tokens: list[str], out: dict[str, list[str]], current: list[str | None]) -> None:
    """Tokens of ``-z`` output: ``"" sha`` starts a commit; other tokens are its paths."""
    prev_empty = current[0] is None
    for t in tokens:
        if t == "":
            prev_empty = True
            continue
        if prev_empty and _SHA.match(t):
            current[0] = t
            out.setdefault(t, [])
        elif current[0] is not None:
            out[current[0]].append(t.lstrip("\n"))
        prev_empty = False


def commit_files(options: GitOptions, shas: list[str], cancelled: IsCancelled | None = None,
                 cache_dir: Path | None = None) -> dict[str, list[str]]:
    """The files each of ``shas`` changed (repository-relative, ``/``-separated).

    Raises
    ------
    GitError, vsm_app.work.Cancelled
    """
    wanted = [s for s in dict.fromkeys(shas) if _SHA.match(s)]
    files: dict[str, list[str]] = {}
    with _open(options.path) as g:
        git_dir = g.git_dir
        entry = None
        if cache_dir is not None:
            entry = Path(cache_dir) / \
                f"git-files-{gitcache.cache_key('files', FILES_CACHE_VERSION, git_dir)}.npz"
            loaded = gitcache.load(entry)
            if loaded is not None:
                a, meta = loaded
                if meta.get("git_dir") == git_dir:
                    files = _from_arrays(a, meta)
        missing = [s for s in wanted if s not in files]
        if missing:
            if g.is_partial_clone():
                raise GitError(f"{options.path}: a partial clone lacks the trees the files of "
                               f"each change need (they would be fetched from the network)")
            fresh: dict[str, list[str]] = {}
            carry = [b""]
            current: list[str | None] = [None]

            def feed(chunk: bytes) -> None:
                parts = (carry[0] + chunk).split(b"\x00")
                carry[0] = parts.pop()
                _parse([p.decode("utf-8", "surrogateescape") for p in parts], fresh, current)

            args = ["log", *gitrun.NO_PROGRAM_DIFF, "--no-walk=unsorted", "--name-only",
                    "--no-renames", "-z", "--format=%x00%H", "--stdin"]
            with _rev_file(missing, []) as revs:
                g.stream(args, feed, cancelled, stdin=revs, chunk_size=1 << 17)
            if carry[0]:
                _parse([carry[0].decode("utf-8", "surrogateescape")], fresh, current)
            for s in missing:
                files[s] = fresh.get(s, [])
            if entry is not None:
                arrays, meta = _to_arrays(files)
                gitcache.save(entry, arrays, meta | {"git_dir": git_dir})
    return {s: files.get(s, []) for s in wanted}


def _to_arrays(files: dict[str, list[str]]) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    paths = sorted({p for ps in files.values() for p in ps})
    code = {p: i for i, p in enumerate(paths)}
    shas = list(files)
    counts = np.asarray([len(files[s]) for s in shas], dtype=np.int64)
    codes = np.asarray([code[p] for s in shas for p in files[s]], dtype=np.int64)
    return ({"sha": gitcache.pack_strings(shas), "paths": gitcache.pack_strings(paths),
             "counts": counts, "codes": codes},
            {"n_shas": len(shas), "n_paths": len(paths)})


def _from_arrays(a: dict[str, np.ndarray], meta: dict[str, object]) -> dict[str, list[str]]:
    try:
        shas = gitcache.unpack_strings(a["sha"], int(meta["n_shas"]))  # type: ignore[call-overload]
        paths = gitcache.unpack_strings(a["paths"], int(meta["n_paths"]))  # type: ignore[call-overload]
        counts = a["counts"].tolist()
        codes = a["codes"].tolist()
    except (KeyError, ValueError, TypeError):
        return {}
    out: dict[str, list[str]] = {}
    k = 0
    for s, c in zip(shas, counts, strict=True):
        out[s] = [paths[i] for i in codes[k:k + c]]
        k += c
    return out


def change_files(options: GitOptions, commits: pd.DataFrame,
                 cancelled: IsCancelled | None = None, cache_dir: Path | None = None
                 ) -> pd.DataFrame:
    """One row per (change, file) a change's commits touched: ``change_id``, ``path``.

    Only this repository's commits (``repo`` = its label) that belong to a change are read.
    """
    label = options.label or _default_label(options.path)
    mine = commits["change_id"].notna()
    if "repo" in commits:
        mine &= commits["repo"].eq(label).fillna(False)
    sub = commits.loc[mine.to_numpy(dtype=bool), ["sha", "change_id"]]
    shas = [str(s) for s in sub["sha"].tolist()]
    files = commit_files(options, shas, cancelled, cache_dir)
    cid = [str(c) for c in sub["change_id"].tolist()]
    rows_c = [c for s, c in zip(shas, cid, strict=True) for _ in files.get(s, ())]
    rows_p = [p for s in shas for p in files.get(s, ())]
    out = pd.DataFrame({"change_id": pd.array(rows_c, dtype="string"),
                        "path": pd.array(rows_p, dtype="string")})
    return out.drop_duplicates(ignore_index=True)


def history_fingerprint(path: str, branch: str | None = None) -> str:
    """A digest of what decides a repository's history: HEAD, every ref and tag (names and
    the objects they point to), the shallow boundary. Equal digests: same history to read.

    Raises
    ------
    GitError
    """
    h = hashlib.sha256()
    with _open(path) as g:
        status, head, _ = g.out(["rev-parse", "-q", "--verify", "HEAD"])
        h.update(head if status == 0 else b"-")
        status, sym, _ = g.out(["symbolic-ref", "-q", "HEAD"])
        h.update(sym if status == 0 else b"detached")
        h.update((branch or "").encode("utf-8", "surrogateescape") + b"\x00")
        refs = g.check(["for-each-ref", "--format=%(objectname) %(refname)"], "listing refs")
        h.update(refs)
        try:
            h.update((Path(g.git_dir) / "shallow").read_bytes())
        except OSError:
            pass
    return h.hexdigest()
