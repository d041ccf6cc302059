"""Read a git repository into the canonical tables: commits, changes, tag deployments.

DESIGN §2/§3/§5, issue 4. How it stays fast:

* one streamed ``git log -z`` (:meth:`vsm_app.ingest.gitrun.Repository.stream`); the
  bytes are split into columns chunk by chunk and one DataFrame is built at the end (no Commit
  object per commit, no ``.stats``);
* changes (first-parent commits and what each merged) and deployments (tags) are found by
  walking the parent graph parsed from that one log (:mod:`vsm_app.ingest.ancestry`), never by
  one git call per merge or per tag;
* line statistics (``--numstat``, ~40× the cost of the metadata) are a separate, cancellable
  and cached pass: :func:`fill_sizes`;
* a cache keyed by repository, branch, options and the log's roots makes an unchanged
  repository load without reading history, and a repository with a few new commits read only
  ``git log NEW ^OLD``.

How it stays safe: every git process is started by :mod:`vsm_app.ingest.gitrun` (no
network, no lazy fetch, no program named by the repository: hooks, fsmonitor, pager,
signature, external diff, textconv, ssh); git is only read; a user-given branch is
verified with ``rev-parse --verify --end-of-options`` and only the resulting sha reaches
``git log``; the sub-tree path goes after ``--`` as a literal pathspec; no shell.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd

from vsm_app.domain.items import HOW_BRANCH, HOW_MESSAGE, find_branch_keys, find_keys_bytes
from vsm_app.domain.kinds import (
    DEFAULT_KIND,
    DEFAULT_PREFIXES,
    HOTFIX_SUBJECT,
    KINDS,
    has_kind_prefix,
    kind_from_subject,
)
from vsm_app.domain.tables import SourceReport, Tables, conform, empty
from vsm_app.ingest import changescache, gitcache, gitrun, release_tags
from vsm_app.ingest.ancestry import (
    ParentGraph,
    assign_deployments,
    label_reachable,
    natural_key,
    parent_graph_from_lists,
    remember_graph,
    resolve_shas,
)
from vsm_app.ingest.gitrun import GitError

from ..work import Cancelled, IsCancelled, Progress

__all__ = [
    "GitError",
    "detect_release_tags",
    "GitOptions",
    "add_change_sizes",
    "author_identities",
    "fill_sizes",
    "list_branches",
    "repository_problem",
    "run",
]

log = logging.getLogger(__name__)



@dataclass
class GitOptions:
    """What to read from one repository."""

    path: str  #: repository path
    branch: str | None = None  #: default: the repository's HEAD branch
    #: glob such as ``v*``; None: detect the release-tag scheme; "": no tag deployments
    deploy_tags: str | None = None
    subtree: str | None = None  #: monorepo path: only changes touching it are kept
    since: pd.Timestamp | None = None
    until: pd.Timestamp | None = None
    salt: str = ""  #: per-project salt for hashing author identities
    label: str | None = None  #: repository label for the ``repo`` column (default: folder name)


# --------------------------------------------------------------------------- running git

_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
#: every git process goes through the hardened runner (see :mod:`vsm_app.ingest.gitrun`)
_Git = gitrun.Repository
_GitFailed = gitrun.GitFailed
_open = gitrun.open_repository


# --------------------------------------------------------------------------- branch and tags


def _resolve_tip(g: _Git, branch: str | None, warnings: list[str]) -> tuple[str, str]:
    """The commit to analyse and the ref it came from (for the cache key)."""
    if branch is not None:
        if not branch.strip() or any(ch in branch for ch in "\x00\n\r"):
            raise GitError(f"{g.path}: invalid branch name {branch!r}")
        # a branch first, so a tag of the same name does not win (git's own order is tags first)
        for candidate in (f"refs/heads/{branch}", f"refs/remotes/{branch}", branch):
            status, out, _ = g.out(["rev-parse", "--verify", "-q", "--end-of-options",
                                    f"{candidate}^{{commit}}"])
            sha = out.decode("ascii", "replace").strip()
            if status == 0 and _SHA.match(sha):
                return sha, candidate
        names = g.branches()
        hint = f" (branches: {', '.join(names[:10])}{', …' if len(names) > 10 else ''})" \
            if names else ""
        raise GitError(f"{g.path}: unknown branch {branch!r}{hint}")
    status, out, _ = g.out(["rev-parse", "--verify", "-q", "HEAD^{commit}"])
    sha = out.decode("ascii", "replace").strip()
    if status != 0 or not _SHA.match(sha):
        names = g.branches()
        if not names:
            raise GitError(f"{g.path}: the repository has no commits yet")
        raise GitError(f"{g.path}: HEAD points to a branch with no commits; choose a branch "
                       f"({', '.join(names[:10])})")
    status, out, _ = g.out(["symbolic-ref", "-q", "HEAD"])
    if status != 0:
        warnings.append(f"{g.path}: HEAD is detached at {sha[:12]}; analysing the history of "
                        f"that commit (choose a branch to analyse a branch)")
        return sha, "HEAD"
    return sha, out.decode("utf-8", "replace").strip()


def list_branches(path: str) -> list[str]:
    """Local branch names of the repository in the folder ``path`` ([] when it is not one)."""
    try:
        with _open(path) as g:
            return g.branches()
    except GitError:
        return []


def is_shallow(path: str) -> bool:
    """Whether the repository in the folder ``path`` is a shallow clone (its oldest history is
    missing); False when it is not a readable repository."""
    try:
        with _open(path) as g:
            return g.is_shallow()
    except GitError:
        return False


def repository_problem(path: str, branch: str | None = None, subtree: str | None = None
                       ) -> str | None:
    """Why ``path`` cannot be measured as a git repository (None when it can).

    The data sources panel asks before adding a repository. Checks that the folder holds a
    repository (the folder itself, never a parent), that the branch (default: HEAD) has
    commits — found the way :func:`run` finds it, so a branch named ``-b`` is a branch —
    and that the sub-tree is a folder of that branch. The messages name the folder.
    """
    name = Path(path).expanduser().name or path
    try:
        with _open(path) as g:
            ref = branch.strip() if branch and branch.strip() else None
            try:
                tip, shown = _resolve_tip(g, ref, [])
            except GitError:
                if ref is None:
                    return f"{name} has no commits yet (or HEAD names a branch with none)."
                names = g.branches()
                hint = f" Branches: {', '.join(names[:10])}." if names else ""
                return f"{name} has no branch {ref!r}.{hint}"
            sub = (subtree or "").strip().strip("/")
            if sub:
                # the entry is listed from its parent tree (the folder's own tree may be
                # missing from a partial clone: it is never fetched, and not needed here)
                status, out, _ = g.out(["ls-tree", "-z", "-d", tip, "--", sub])
                entries = [e.split(b"\t", 1) for e in out.split(b"\0") if b"\t" in e]
                is_tree = any(meta.split()[1:2] == [b"tree"]
                              and name.decode("utf-8", "surrogateescape") == sub
                              for meta, name in entries)
                if status != 0 or not is_tree:
                    on = ref or "HEAD"
                    return f"{name} has no folder {sub!r} on {on}."
    except GitError as e:
        text = str(e)
        if "not a git repository" in text:
            return (f"{name} is not a git repository. Choose the folder that holds the .git "
                    f"folder (or a bare repository).")
        if "no such folder" in text or "not a folder" in text:
            return f"{path}: no such folder"
        return text
    return None


def author_identities(path: str | Path) -> set[str]:
    """Author and committer names and e-mail addresses of every commit of a repository.

    For the report's identity guard (:mod:`vsm_app.analysis.privacy`): ``git log --all``
    through the hardened runner. A ref whose history cannot be read (a partial clone lacks
    it and nothing is fetched) does not hide the others: the branches and tags, then HEAD,
    are read instead.

    Raises
    ------
    GitError
        ``path`` is not a readable repository.
    """
    fmt = "--format=%an%n%ae%n%cn%n%ce"
    with _open(str(path)) as g:
        out = b""
        for refs in (["--all"], ["--branches", "--tags"], ["HEAD"]):
            status, out, err = g.out(["log", *gitrun.NO_PROGRAM_DIFF, fmt, *refs])
            if status == 0:
                break
        else:
            raise GitError(f"{path}: reading the authors failed: "
                           f"{gitrun.first_line(err) or f'exit {status}'}")
    text = out.decode("utf-8", "replace")
    return {line.strip() for line in text.splitlines() if line.strip()}


@dataclass(frozen=True)
class _Tag:
    name: str
    sha: str  #: the commit it points to (peeled)
    at: int  #: epoch seconds: tagger date (annotated) or commit date (lightweight)
    annotated: bool


_TAG_FORMAT = ("%(refname)%00%(objecttype)%00%(objectname)%00%(*objecttype)%00%(*objectname)"
               "%00%(taggerdate:unix)%00%(committerdate:unix)%00%(*committerdate:unix)")


def _epoch(b: bytes) -> int | None:
    try:
        return int(b)
    except ValueError:
        return None


def _read_tags(g: _Git, glob: str | None, subtree: str | None = None
               ) -> tuple[list[_Tag], int, release_tags.TagScheme]:
    """The release tags (:mod:`vsm_app.ingest.release_tags`), how many matching tags were
    skipped, and the scheme used: ``glob`` when given, else the detected one.

    Names are matched here in Python, so no user text reaches git.
    """
    out = g.check(["for-each-ref", f"--format={_TAG_FORMAT}", "refs/tags"], "listing tags")
    rows: list[tuple[str, list[bytes]]] = []
    skipped = 0
    for line in out.split(b"\n"):
        if not line:
            continue
        f = line.split(b"\x00")
        if len(f) != 8:
            skipped += 1
            continue
        rows.append((f[0].decode("utf-8", "surrogateescape").removeprefix("refs/tags/"), f))
    names = [n for n, _ in rows]
    if glob is None:
        when = [next((e for e in (_epoch(f[5]), _epoch(f[6]), _epoch(f[7])) if e is not None),
                     0) for _, f in rows]
        scheme = release_tags.detect(names, when, subtree)
    else:
        scheme = release_tags.given(glob, names)
    tags: list[_Tag] = []
    for name, f in rows:
        if scheme.pattern is None or not release_tags.matches(scheme.pattern, name):
            continue
        otype, oname, ptype, pname = (x.decode("ascii", "replace") for x in f[1:5])
        tagger, cdate, pcdate = _epoch(f[5]), _epoch(f[6]), _epoch(f[7])
        if otype == "commit" and cdate is not None:
            tags.append(_Tag(name, oname, cdate, False))
        elif otype == "tag" and ptype == "commit":
            at = tagger if tagger is not None else pcdate  # very old tags have no tagger line
            if at is None:
                skipped += 1
            else:
                tags.append(_Tag(name, pname, at, True))
        elif otype == "tag" and ptype == "tag":
            # a tag of a tag: peel fully (rare, one call each)
            status, sha_b, _ = g.out(["rev-parse", "--verify", "-q", "--end-of-options",
                                      f"refs/tags/{name}^{{commit}}"])
            sha = sha_b.decode("ascii", "replace").strip()
            if status == 0 and _SHA.match(sha) and tagger is not None:
                tags.append(_Tag(name, sha, tagger, True))
            else:
                skipped += 1
        else:  # a tag of a tree or a blob: not a release
            skipped += 1
    tags.sort(key=lambda t: (t.at, natural_key(t.name)))
    scheme.matched = len(tags)
    return tags, skipped, scheme


def detect_release_tags(path: str, subtree: str | None = None,
                        glob: str | None = None) -> release_tags.TagScheme:
    """The release-tag scheme of the repository at ``path`` (the detected one, or what
    ``glob`` matches): for the app's Add repository dialog. One ``for-each-ref``.

    Raises
    ------
    GitError
        The path is not a readable repository.
    """
    with _open(path) as g:
        _tags, _skipped, scheme = _read_tags(g, glob, subtree)
    return scheme


# --------------------------------------------------------------------------- history

#: One record per commit, fields and records NUL-terminated (``-z``). NUL cannot occur in
#: commit metadata, so a flat split gives columns by slicing.
_LOG_FORMAT = "%H%x00%P%x00%at%x00%ct%x00%aE%x01%aN%x00%s%x00%b"
_NFIELDS = 7
_REVERT = re.compile(rb"This reverts commit ([0-9a-fA-F]{7,64})")
#: a GitHub merge subject's own pull-request number (not a work-item key)
_PR_NUMBER = re.compile(rb"^Merge pull request #\d+")


#: What the cache and the commits table keep of a commit message: never its text (it can
#: name people: "Signed-off-by", "Merge branch 'x' of github.com:login/repo"), only a label
#: that says as much as the metrics read from it — the Conventional-Commit type of a known
#: prefix ("fix:"), a git revert title ('Revert "'), or nothing. The label of any subject
#: gives the same kind_from_subject(), has_kind_prefix() and is_hotfix_subject() as the text.
LABELS: tuple[str, ...] = ("", 'Revert "', *(f"{p}:" for p in DEFAULT_PREFIXES))
_LABEL_CODE = {p.encode(): i + 2 for i, p in enumerate(DEFAULT_PREFIXES)}
#: a git revert title, or a prefix word (the same rules as domain.kinds, on bytes)
_LABEL_B = re.compile(rb'\s*(?:(Revert ")|([A-Za-z]+)(?:\([^)]*\))?!?:)')
#: a hotfix: the "hotfix:" prefix, or a merge of a hotfix branch (analysis.dora's rule)
_HOTFIX_B = re.compile(HOTFIX_SUBJECT.encode(), re.IGNORECASE)
_KIND_CODE = {k: i for i, k in enumerate(KINDS)}


def _label(text: bytes) -> int:
    """The :data:`LABELS` code of a subject or title."""
    return _labels([text])[0]


def _labels(texts: list[bytes]) -> list[int]:
    """:func:`_label` of each (one comprehension: 100,000 subjects in ~60 ms)."""
    match, code = _LABEL_B.match, _LABEL_CODE.get
    return [0 if (m := match(t)) is None else 1 if m.group(1) else code(m.group(2).lower(), 0)
            for t in texts]


def _hotfix_marks(subjects: list[bytes]) -> list[bool]:
    """Whether each subject marks a hotfix; the rule's regex runs only on the lines that
    hold the word (rare), found in one lower-cased blob."""
    marks = [False] * len(subjects)
    low = b"\n".join(subjects).lower()  # subjects hold no line break
    pos = low.find(b"hotfix")
    idx = last = 0
    while pos >= 0:
        idx += low.count(b"\n", last, pos)
        last = pos
        marks[idx] = _HOTFIX_B.search(subjects[idx]) is not None
        end = low.find(b"\n", pos)
        if end < 0:
            break
        pos = low.find(b"hotfix", end)
    return marks


@dataclass
class RawHistory:
    """Columns parsed from ``git log`` (newest first): what the metrics need, no message text.

    Stored as is in the history cache (see :data:`LABELS`).
    """

    sha: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)  #: space-separated, as ``%P`` prints them
    author_time: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    commit_time: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    author_key: list[str] = field(default_factory=list)  #: salted hash of the author
    #: :data:`LABELS` code of the subject
    label: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int8))
    #: :data:`LABELS` code of the title: the PR title GitHub/GitLab put in the body of a
    #: generic merge commit ("Merge pull request #1 from …"), else the subject's
    title: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int8))
    #: the kind a generic merge's branch name says (``fix/login``): index into KINDS, or -1
    branch_kind: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int8))
    #: the subject marks a hotfix ("hotfix:", or a merge of a hotfix branch)
    hotfix: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))
    #: commit sha -> shas named by "This reverts commit <sha>" in its body
    reverts: dict[str, list[str]] = field(default_factory=dict)
    #: commit sha -> the work-item keys its message names, as "how:KEY" (issue 18): found
    #: while parsing, so linking never needs the message (a key names no person)
    item_keys: dict[str, list[str]] = field(default_factory=dict)

    _ARRAYS = ("author_time", "commit_time", "label", "title", "branch_kind", "hotfix")

    def __len__(self) -> int:
        return len(self.sha)

    def concat(self, older: RawHistory) -> RawHistory:
        """``self`` (newer commits) followed by ``older``."""
        arrays = {a: np.concatenate([getattr(self, a), getattr(older, a)])
                  for a in self._ARRAYS}
        return RawHistory(self.sha + older.sha, self.parents + older.parents,
                          author_key=self.author_key + older.author_key,
                          reverts={**older.reverts, **self.reverts},
                          item_keys={**older.item_keys, **self.item_keys}, **arrays)

    def take(self, keep: np.ndarray) -> RawHistory:
        idx = np.flatnonzero(keep).tolist()
        shas = [self.sha[i] for i in idx]
        kept = set(shas)
        arrays = {a: getattr(self, a)[idx] for a in self._ARRAYS}
        return RawHistory(shas, [self.parents[i] for i in idx],
                          author_key=[self.author_key[i] for i in idx],
                          reverts={k: v for k, v in self.reverts.items() if k in kept},
                          item_keys={k: v for k, v in self.item_keys.items() if k in kept},
                          **arrays)

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {
            "sha": gitcache.pack_strings(self.sha),
            "parents": gitcache.pack_strings(self.parents),
            "author_key": gitcache.pack_strings(self.author_key),
            "reverts": gitcache.pack_json(self.reverts),
            "item_keys": gitcache.pack_json(self.item_keys),
            **{a: getattr(self, a) for a in self._ARRAYS},
        }

    @classmethod
    def from_arrays(cls, a: dict[str, np.ndarray]) -> RawHistory:
        n = len(a["author_time"])
        return cls(
            gitcache.unpack_strings(a["sha"], n), gitcache.unpack_strings(a["parents"], n),
            author_key=gitcache.unpack_strings(a["author_key"], n),
            reverts=dict(gitcache.unpack_json(a["reverts"])),
            item_keys=dict(gitcache.unpack_json(a["item_keys"])),
            author_time=a["author_time"].astype(np.int64),
            commit_time=a["commit_time"].astype(np.int64),
            label=a["label"].astype(np.int8), title=a["title"].astype(np.int8),
            branch_kind=a["branch_kind"].astype(np.int8), hotfix=a["hotfix"].astype(bool))


class _LogParser:
    """Incremental parser of ``git log -z --format=_LOG_FORMAT`` output."""

    def __init__(self, salt: str, progress: Callable[[int], None] | None = None) -> None:
        self._salt = salt.encode("utf-8")
        self._keys: dict[bytes, str] = {}
        self._carry = b""
        self._pending: list[bytes] = []
        self._sha: list[bytes] = []
        self._parents: list[bytes] = []
        self._label: list[int] = []
        self._title: list[int] = []
        self._branch_kind: list[int] = []
        self._hotfix: list[bool] = []
        self._at: list[np.ndarray] = []
        self._ct: list[np.ndarray] = []
        self._author: list[str] = []
        self.reverts: dict[str, list[str]] = {}
        self.item_keys: dict[str, list[str]] = {}
        self.count = 0
        self._progress = progress

    def _key(self, ident: bytes) -> str:
        """Salted hash of an author: the e-mail (after .mailmap), else the name."""
        email, _, name = ident.partition(b"\x01")
        who = (email.strip() or name.strip()).lower()
        key = hashlib.sha256(self._salt + b"\x00" + who).hexdigest()[:16]
        self._keys[ident] = key
        return key

    def feed(self, chunk: bytes) -> None:
        parts = (self._carry + chunk).split(b"\x00")
        self._carry = parts.pop()  # an incomplete field, completed by the next chunk
        if self._pending:
            parts = self._pending + parts
        whole = len(parts) - len(parts) % _NFIELDS
        self._pending = parts[whole:]
        if whole:
            self._consume(parts[:whole] if whole != len(parts) else parts)

    def _consume(self, parts: list[bytes]) -> None:
        k = _NFIELDS
        shas = parts[0::k]
        if any(len(s) != 40 and len(s) != 64 for s in shas):
            raise GitError("unexpected git log output (a commit message holds a NUL byte?)")
        parents = parts[1::k]
        bodies = parts[6::k]
        base = self.count
        self._sha.append(b"\n".join(shas))
        self._parents.append(b"\n".join(parents))
        subjects = parts[5::k]
        # only derived facts are kept of a message (see LABELS): its text can name people
        labels = _labels(subjects)
        titles = list(labels)
        branch = [-1] * len(shas)
        for i in [i for i, p in enumerate(parents) if b" " in p]:
            subject = subjects[i].decode("utf-8", "replace")
            if _GENERIC_MERGE.match(subject) is None:
                continue
            bk = _branch_kind(subject)
            branch[i] = _KIND_CODE[bk] if bk is not None else -1
            body = bodies[i]
            if body:
                # the PR title GitHub/GitLab put there: the first line that is not blank
                head = next((ln.strip() for ln in body.splitlines() if ln.strip()), b"")
                if head:
                    titles[i] = _label(head)
        self._label.extend(labels)
        self._title.extend(titles)
        self._branch_kind.extend(branch)
        self._hotfix.extend(_hotfix_marks(subjects))
        self._at.append(_epochs(parts[2::k]))
        self._ct.append(_epochs(parts[3::k]))
        keys = self._keys
        self._author.extend([keys.get(x) or self._key(x) for x in parts[4::k]])
        for i, body in enumerate(bodies):
            if b"reverts commit" in body:
                found = _REVERT.findall(body)
                if found:
                    self.reverts[shas[i].decode("ascii")] = [f.decode("ascii").lower()
                                                              for f in found]
        self._find_item_keys(shas, subjects, bodies,
                             [i for i, p in enumerate(parents) if b" " in p])
        self.count = base + len(shas)
        if self._progress is not None:
            self._progress(self.count)

    def _find_item_keys(self, shas: list[bytes], subjects: list[bytes], bodies: list[bytes],
                        merges: list[int]) -> None:
        """Work-item keys of each commit's message (subject and body) in one regex pass over
        the chunk; a merge's branch name (``Merge branch 'EE-1'``, ``Merge pull request #4
        from …/feat/ee-1-x``) gives ``branch`` keys, the rest ``message`` keys. The merge
        subject's own pull-request number is not a key. Only the keys are kept, and only
        keys as written (a lower-case ``jdoe-12`` branch is no key here: the cache must not
        hold a login; the pull request's own branch, read from its export, still is)."""
        texts = [_PR_NUMBER.sub(b"", subj, count=1) + b"\n" + body
                 for subj, body in zip(subjects, bodies, strict=True)]
        blob = b"\x00".join(texts)
        found: dict[int, dict[str, None]] = {}
        hits = find_keys_bytes(blob)
        if hits:
            starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])
            where = np.searchsorted(starts, [pos for pos, _ in hits], side="right") - 1
            for i, (_, key) in zip(where.tolist(), hits, strict=True):
                found.setdefault(i, {})[f"{HOW_MESSAGE}:{key}"] = None
        for i in merges:
            m = _GENERIC_MERGE.match(subjects[i].decode("utf-8", "replace"))
            branch = m and (m.group("gh") or m.group("br") or m.group("br2") or m.group("bb"))
            for key in find_branch_keys(branch or None, any_case=False):
                keys = found.setdefault(i, {})
                keys.pop(f"{HOW_MESSAGE}:{key}", None)
                keys[f"{HOW_BRANCH}:{key}"] = None
        for i, keys in found.items():
            self.item_keys[shas[i].decode("ascii")] = list(keys)

    def finish(self) -> RawHistory:
        if self._carry or self._pending:
            raise GitError("unexpected end of git log output")
        sha = b"\n".join(self._sha).decode("ascii", "replace").split("\n") if self.count else []
        parents_raw = b"\n".join(self._parents).decode("ascii", "replace")
        parents = parents_raw.split("\n") if self.count else []
        at = np.concatenate(self._at) if self._at else np.empty(0, dtype=np.int64)
        ct = np.concatenate(self._ct) if self._ct else np.empty(0, dtype=np.int64)
        return RawHistory(sha, parents, at, ct, self._author,
                          label=np.asarray(self._label, dtype=np.int8),
                          title=np.asarray(self._title, dtype=np.int8),
                          branch_kind=np.asarray(self._branch_kind, dtype=np.int8),
                          hotfix=np.asarray(self._hotfix, dtype=bool), reverts=self.reverts,
                          item_keys=self.item_keys)


_NO_TIME = np.iinfo(np.int64).min  # a date git could not print: NaT in the tables


def _epochs(fields: list[bytes]) -> np.ndarray:
    """``%at``/``%ct`` fields as int64; a field git left empty (a hand-made commit dated
    before 1970 or beyond what git prints) becomes a missing date, never an error."""
    try:
        return np.array(fields).astype(np.int64)
    except (ValueError, OverflowError):
        out = np.empty(len(fields), dtype=np.int64)
        for i, f in enumerate(fields):
            try:
                out[i] = int(f)
            except (ValueError, OverflowError):
                out[i] = _NO_TIME
        return out


def _rev_file(include: Sequence[str], exclude: Sequence[str]) -> BinaryIO:
    """Revisions for ``--stdin``: only shas (never user text), one per line."""
    f = tempfile.TemporaryFile()
    f.write("".join([*(f"{s}\n" for s in include), *(f"^{s}\n" for s in exclude)]).encode())
    f.seek(0)
    return f


def _stream_log(g: _Git, include: Sequence[str], exclude: Sequence[str], salt: str,
                progress: Callable[[int], None] | None, cancelled: IsCancelled | None
                ) -> RawHistory:
    parser = _LogParser(salt, progress)
    with _rev_file(include, exclude) as revs:
        g.stream(["log", *gitrun.NO_PROGRAM_DIFF, "-z", "--encoding=UTF-8",
                  f"--format={_LOG_FORMAT}", "--stdin"],
                 parser.feed, cancelled, stdin=revs)
    return parser.finish()


def _stream_touched(g: _Git, include: Sequence[str], exclude: Sequence[str], subtree: str,
                    cancelled: IsCancelled | None) -> list[str]:
    """Non-merge commits that change a file under ``subtree`` (path after ``--``, literal)."""
    chunks: list[bytes] = []
    with _rev_file(include, exclude) as revs:
        g.stream(["--literal-pathspecs", "log", *gitrun.NO_PROGRAM_DIFF, "--full-history",
                  "--no-merges", "--format=%H", "--stdin", "--", subtree], chunks.append,
                 cancelled, stdin=revs)
    return b"".join(chunks).decode("ascii", "replace").split()


def _graph(raw: RawHistory) -> ParentGraph:
    return parent_graph_from_lists(raw.sha, [p.split() for p in raw.parents])


def _reachable(raw: RawHistory, roots: Sequence[str]) -> np.ndarray:
    g = _graph(raw)
    pos = g.index.get_indexer(list(roots))
    return label_reachable(g, [int(p) for p in pos]) >= 0


@dataclass
class _Read:
    raw: RawHistory
    touched: list[str] | None
    from_cache: bool
    new_commits: int


def _history_state(g: _Git, git_dir: str, tip: str) -> str:
    """What else decides the parsed history: .mailmap (author keys) and the shallow boundary.

    Either changing makes the cached history unusable, so it is part of the cache key.
    """
    status, mailmap, _ = g.out(["rev-parse", "-q", "--verify", "--end-of-options",
                                f"{tip}:.mailmap"])
    try:
        shallow = (Path(git_dir) / "shallow").read_bytes()
    except OSError:
        shallow = b""
    return f"{mailmap.strip().decode('ascii', 'replace') if status == 0 else ''}:" \
        f"{hashlib.sha256(shallow).hexdigest() if shallow else ''}"


def _read_history(g: _Git, git_dir: str, ref: str, roots: list[str], options: GitOptions,
                  progress: Progress, cancelled: IsCancelled | None, cache_dir: Path | None,
                  span: tuple[float, float]) -> _Read:
    """The raw history reachable from ``roots``, from the cache when it can be."""
    lo, hi = span
    entry: Path | None = None
    old_raw: RawHistory | None = None
    old_roots: list[str] = []
    old_touched: list[str] | None = None
    subtree = options.subtree or ""
    if cache_dir is not None:
        key = gitcache.cache_key("history", git_dir, ref, subtree, options.salt,
                                 _history_state(g, git_dir, roots[0]))
        entry = Path(cache_dir) / f"git-history-{key}.npz"
        loaded = gitcache.load(entry)
        if loaded is not None:
            arrays, meta = loaded
            try:
                old_raw = RawHistory.from_arrays(arrays)
                old_roots = list(meta["roots"])
                old_touched = list(meta["touched"]) if subtree else None
                if meta.get("git_dir") != git_dir or meta.get("ref") != ref:
                    old_raw = None
            except (KeyError, ValueError, TypeError):
                old_raw = None
    if old_raw is not None and sorted(old_roots) == sorted(roots):
        progress(hi, f"Read {len(old_raw):,} commits from the cache")
        return _Read(old_raw, old_touched, True, 0)

    estimate = len(old_raw) if old_raw is not None else 0

    def tick(n: int) -> None:
        # the total is unknown while streaming: creep towards hi, exact when a cache existed
        frac = n / estimate if estimate and n < estimate else n / (n + 20_000)
        progress(lo + (hi - lo) * 0.9 * frac, f"Reading history: {n:,} commits")

    raw: RawHistory | None = None
    touched: list[str] | None = None
    new = 0
    if old_raw is not None:
        try:
            fresh = _stream_log(g, roots, old_roots, options.salt, tick, cancelled)
            merged = fresh.concat(old_raw)
            keep = _reachable(merged, roots)  # drop history a force-push or deleted tag orphaned
            raw = merged if keep.all() else merged.take(keep)
            new = len(fresh)
            if subtree:
                extra = _stream_touched(g, roots, old_roots, subtree, cancelled)
                alive = set(raw.sha)
                touched = [s for s in extra + (old_touched or []) if s in alive]
        except _GitFailed:
            raw = None  # e.g. a cached root was garbage-collected: read everything again
    if raw is None:
        estimate = 0
        raw = _stream_log(g, roots, [], options.salt, tick, cancelled)
        new = len(raw)
        if subtree:
            touched = _stream_touched(g, roots, [], subtree, cancelled)
    if entry is not None:
        meta = {"git_dir": git_dir, "ref": ref, "roots": roots, "touched": touched or [],
                "commits": len(raw)}
        gitcache.save(entry, raw.to_arrays(), meta)
    progress(hi, f"Read {len(raw):,} commits")
    return _Read(raw, touched, False, new)


# --------------------------------------------------------------------------- interpretation

_MAX_S = 9_223_372_035  # the end of datetime64[ns] in seconds (year 2262)


def _utc(seconds: np.ndarray) -> pd.DatetimeIndex:
    """Epoch seconds → tz-aware UTC ``datetime64[ns]``; out-of-range dates become NaT."""
    sec = np.asarray(seconds, dtype=np.int64)
    # from 1970 on: any two instants then differ by less than timedelta64[ns] holds
    ok = (sec >= 0) & (sec < _MAX_S)
    ns = np.where(ok, sec, 0) * np.int64(1_000_000_000)
    ns[~ok] = np.iinfo(np.int64).min  # NaT
    return pd.DatetimeIndex(ns.view("datetime64[ns]")).tz_localize("UTC")


_GIT_REVERT = re.compile(r'^\s*Revert "')
_GENERIC_MERGE = re.compile(
    r"^\s*(?:Merge pull request #\d+ from \S+?/(?P<gh>\S+)"
    r"|Merge (?:remote-tracking )?branch '(?P<br>[^']+)'"
    r"|Merge branch (?P<br2>\S+)"
    r"|Merged in (?P<bb>\S+))")
_BRANCH_PREFIX = re.compile(r"^(?:[^/]+/)*?([A-Za-z]+)[/_-]")


_has_kind_prefix = has_kind_prefix


def _branch_kind(merge_subject: str) -> str | None:
    """The kind a branch name says (``fix/login``, ``feat-x``) in a generic merge subject."""
    m = _GENERIC_MERGE.match(merge_subject)
    if not m:
        return None
    branch = m.group("gh") or m.group("br") or m.group("br2") or m.group("bb") or ""
    for part in (branch, branch.rsplit("/", 1)[-1]):
        b = _BRANCH_PREFIX.match(part)
        if b and b.group(1).lower() in DEFAULT_PREFIXES:
            return DEFAULT_PREFIXES[b.group(1).lower()]
    return None


def _best_keys(keys: dict[str, None]) -> list[str]:
    """``how:KEY`` once per key: a branch name says more than a message."""
    best: dict[str, str] = {}
    for entry in keys:
        how, _, key = entry.partition(":")
        if key not in best or how == HOW_BRANCH:
            best[key] = how
    return [f"{how}:{key}" for key, how in best.items()]


@dataclass
class _Built:
    commits: pd.DataFrame
    changes: pd.DataFrame
    graph: ParentGraph


def _build_changes(raw: RawHistory, tip: str, label: str, touched: list[str] | None) -> _Built:
    """commits and changes tables (deployment columns still empty)."""
    n = len(raw)
    parents_t = [tuple(p.split()) for p in raw.parents]
    g = parent_graph_from_lists(raw.sha, parents_t)
    remember_graph(raw.sha, parents_t, g)  # linking asks for the graph of these commits
    tip_pos = int(g.index.get_loc(tip))  # type: ignore[arg-type]
    first = g.first_parent
    chain: list[int] = []
    c = tip_pos
    while c >= 0:
        chain.append(c)
        c = first[c]
    roots = chain[::-1]  # oldest first: each walk then stops at everything merged before
    m = len(roots)
    lab = label_reachable(g, roots)
    root_arr = np.asarray(roots, dtype=np.int64)
    is_merge = g.n_parents > 1
    at = raw.author_time
    ct = raw.commit_time

    # first/last commit over the change's own (non-merge) commits: a merge commit records
    # integration, not coding. A change made only of merges falls back to all its commits.
    member = lab >= 0
    own = member & ~is_merge
    big, small = np.iinfo(np.int64).max, np.iinfo(np.int64).min
    first_at = np.full(m, big, dtype=np.int64)
    last_at = np.full(m, small, dtype=np.int64)
    np.minimum.at(first_at, lab[own], at[own])
    np.maximum.at(last_at, lab[own], at[own])
    n_commits = np.bincount(lab[own], minlength=m)
    only_merges = n_commits == 0
    if only_merges.any():
        fa = np.full(m, big, dtype=np.int64)
        la = np.full(m, small, dtype=np.int64)
        np.minimum.at(fa, lab[member], at[member])
        np.maximum.at(la, lab[member], at[member])
        first_at[only_merges] = fa[only_merges]
        last_at[only_merges] = la[only_merges]
        n_commits[only_merges] = np.bincount(lab[member], minlength=m)[only_merges]

    shas = raw.sha
    change_ids = [shas[r] for r in roots]
    # what the messages said, as labels (see LABELS): the subject's, and the title's (the PR
    # title of a generic merge, else the subject)
    subjects = [LABELS[c] for c in raw.label.tolist()]

    # titles and kinds
    titles: list[str] = []
    kinds: list[str | None] = []
    need_fallback: list[int] = []
    title_codes = raw.title
    for k, r in enumerate(roots):
        title = LABELS[int(title_codes[r])]
        titles.append(title)
        kind = kind_from_subject(title)
        if kind == DEFAULT_KIND and is_merge[r] and not _has_kind_prefix(title):
            kinds.append(None)  # nothing said: look at what the merge brought in
            need_fallback.append(k)
        else:
            kinds.append(kind)
    if need_fallback:
        # the earliest merged commit with a Conventional-Commit prefix decides
        wanted = np.zeros(m, dtype=bool)
        wanted[need_fallback] = True
        cand = np.flatnonzero(own & wanted[np.maximum(lab, 0)] & member)
        cand = cand[np.argsort(at[cand], kind="stable")]
        best: dict[int, str] = {}
        for i in cand.tolist():
            k = int(lab[i])
            if k not in best and _has_kind_prefix(subjects[i]):
                best[k] = kind_from_subject(subjects[i])
        for k in need_fallback:
            bk = int(raw.branch_kind[roots[k]])
            kinds[k] = best.get(k) or (KINDS[bk] if bk >= 0 else None) or DEFAULT_KIND

    # reverts: "This reverts commit <sha>" in any commit of the change, linked to the change
    # holding the reverted commit (a revert inside its own change is ignored)
    is_revert = np.zeros(m, dtype=bool)
    reverts: list[str | None] = [None] * m
    if raw.reverts:
        rev_shas = list(raw.reverts)
        rev_pos = g.index.get_indexer(rev_shas)
        targets = [raw.reverts[r] for r in rev_shas]
        flat = [t for ts in targets for t in ts]
        flat_pos = resolve_shas(g.index, flat).tolist()  # one lookup for all reverted shas
        starts = np.cumsum([0] + [len(ts) for ts in targets]).tolist()
        # oldest first, so the first reverted change recorded is deterministic
        for i in sorted(range(len(rev_shas)), key=lambda i: -int(rev_pos[i])):
            p = int(rev_pos[i])
            k = int(lab[p]) if p >= 0 else -1
            if k < 0:
                continue
            for t in flat_pos[starts[i]:starts[i + 1]]:
                tk = int(lab[t]) if t >= 0 else -1
                if tk == k:
                    continue
                is_revert[k] = True
                if tk >= 0 and reverts[k] is None:
                    reverts[k] = change_ids[tk]
    for k in range(m):
        if not is_revert[k] and _GIT_REVERT.match(titles[k]):
            is_revert[k] = True
    revert_kind = DEFAULT_PREFIXES.get("revert", "defect")
    kinds_final = [revert_kind if is_revert[k] else (kinds[k] or DEFAULT_KIND) for k in range(m)]

    # work-item keys of every commit the change holds (issue 18)
    change_keys: list[dict[str, None]] = [{} for _ in range(m)]
    if raw.item_keys:
        key_shas = list(raw.item_keys)
        key_pos = g.index.get_indexer(key_shas)
        for sha, p in zip(key_shas, key_pos.tolist(), strict=True):
            k = int(lab[p]) if p >= 0 else -1
            if k >= 0:
                change_keys[k].update(dict.fromkeys(raw.item_keys[sha]))

    changes = pd.DataFrame({
        "change_id": pd.array(change_ids, dtype="string"),
        "merge_sha": pd.array(change_ids, dtype="string"),
        "first_commit_at": _utc(first_at),
        "merged_at": _utc(ct[root_arr]) if m else _utc(np.empty(0, dtype=np.int64)),
        "kind": pd.array(kinds_final, dtype="string"),
        "is_revert": is_revert,
        "reverts": pd.array(reverts, dtype="string"),
        "repo": pd.array([label] * m, dtype="string"),
        "n_commits": pd.array(n_commits, dtype="Int64"),
        "last_commit_at": _utc(last_at),
        # the merge commit's subject marks a hotfix (analysis.dora reads it)
        "is_hotfix": raw.hotfix[root_arr] if m else np.zeros(0, dtype=bool),
        "item_keys": pd.Series([tuple(_best_keys(keys)) for keys in change_keys],
                               dtype=object),
    })
    # newest first, like git log
    changes = conform(changes.iloc[::-1].reset_index(drop=True), "changes")

    commit_change = np.asarray(change_ids + [None], dtype=object)[np.where(lab >= 0, lab, m)]
    commits = pd.DataFrame({
        "sha": pd.array(shas, dtype="string"),
        "parents": pd.Series(parents_t, dtype=object),
        "author_time": _utc(at),
        "commit_time": _utc(ct),
        # the label of the subject, never its text (see LABELS); <NA> when it says nothing
        "subject": pd.array([x or None for x in subjects], dtype="string"),
        "author_key": pd.array(raw.author_key, dtype="string"),
        "repo": pd.array([label] * n, dtype="string"),
        "change_id": pd.array(commit_change, dtype="string"),
    })
    commits = conform(commits, "commits")

    if touched is not None:
        tpos = g.index.get_indexer(touched)
        tpos = tpos[tpos >= 0]
        keep = np.zeros(m, dtype=bool)
        tl = lab[tpos]
        keep[tl[tl >= 0]] = True
        keep_ids = {change_ids[k] for k in np.flatnonzero(keep).tolist()}
        changes = changes[changes["change_id"].isin(keep_ids)].reset_index(drop=True)
    return _Built(commits, changes, g)


def _tag_deployments(tags: list[_Tag], label: str) -> pd.DataFrame:
    if not tags:
        out = empty("deployments")
        out["tag"] = pd.Series(dtype="string")
        return out
    at = _utc(np.asarray([t.at for t in tags], dtype=np.int64))
    df = pd.DataFrame({
        "deployment_id": pd.array([f"{label}@{t.name}" for t in tags], dtype="string"),
        "sha": pd.array([t.sha for t in tags], dtype="string"),
        "environment": pd.array(["production"] * len(tags), dtype="string"),
        # a release tag is a production release by its nature, whatever names are configured
        # (plain bool: the changes cache stores no nullable-boolean column)
        "production_flag": np.ones(len(tags), dtype=bool),
        # a tag is one instant, the finish: it gives no start (never a measured zero)
        "started_at": pd.Series(pd.NaT, index=range(len(tags)), dtype="datetime64[ns, UTC]"),
        "finished_at": at,
        "status": pd.array(["success"] * len(tags), dtype="string"),
        "source": pd.array(["git-tags"] * len(tags), dtype="string"),
        "repo": pd.array([label] * len(tags), dtype="string"),
        "tag": pd.array([t.name for t in tags], dtype="string"),
    })
    return conform(df, "deployments")


def _as_utc(ts: Any) -> pd.Timestamp | None:
    if ts is None:
        return None
    t = pd.Timestamp(ts)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def _in_window(changes: pd.DataFrame, deployments: pd.DataFrame, since: pd.Timestamp | None,
               until: pd.Timestamp | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep changes whose life [first commit, deployed] meets the window, deployments inside it.

    A change's life ends at ``deployed_at``; without any deployment data it ends at
    ``merged_at``; a change not deployed while deployments exist is still in progress.
    """
    if since is None and until is None:
        return changes, deployments
    keep = pd.Series(True, index=changes.index)
    if until is not None:
        keep &= changes["first_commit_at"].le(until).fillna(False)
    if since is not None:
        if len(deployments):
            end = changes["deployed_at"]
            alive = end.ge(since) | end.isna()  # NaT: not deployed yet, still open
        else:
            alive = changes["merged_at"].ge(since).fillna(False)
        keep &= alive
    at = deployments["finished_at"]
    dkeep = pd.Series(True, index=deployments.index)
    if since is not None:
        dkeep &= at.ge(since).fillna(False)
    if until is not None:
        dkeep &= at.le(until).fillna(False)
    return changes[keep].reset_index(drop=True), deployments[dkeep].reset_index(drop=True)


def _noop_progress(fraction: float, message: str) -> None:
    pass


def run(options: GitOptions, progress: Progress | None = None,
        cancelled: IsCancelled | None = None, cache_dir: Path | None = None) -> Tables:
    """Read one repository into ``commits``, ``changes`` and tag ``deployments``.

    Parameters
    ----------
    options
        What to read.
    progress
        Called with (fraction 0..1, message).
    cancelled
        Polled while git output streams; when it returns True git is killed and
        :class:`Cancelled` is raised.
    cache_dir
        Folder for the history cache; ``None`` reads git every time.

    Raises
    ------
    GitError
        The path is not a readable repository, the branch is unknown, the repository is empty.
    Cancelled
        ``cancelled()`` returned True.
    """
    report = progress or _noop_progress
    started = time.perf_counter()
    warnings: list[str] = []
    label = options.label or _default_label(options.path)
    report(0.0, f"Opening {options.path}")
    with _open(options.path) as g:
        git_dir = g.git_dir
        tip, ref = _resolve_tip(g, options.branch, warnings)
        shallow = g.is_shallow()
        tags: list[_Tag] = []
        tags_skipped = 0
        scheme: release_tags.TagScheme | None = None
        if options.deploy_tags != "":  # None: detect the scheme; "": no tag deployments
            tags, tags_skipped, scheme = _read_tags(g, options.deploy_tags, options.subtree)
        suggestion: release_tags.TagScheme | None = None
        if options.deploy_tags and not tags and scheme is not None and scheme.total:
            suggestion = _read_tags(g, None, options.subtree)[2]
        roots = list(dict.fromkeys([tip, *(t.sha for t in tags)]))
        layer = _changes_entry(g, git_dir, ref, tip, roots, tags, label, options, cache_dir)
        built_before = changescache.load(layer) if layer is not None else None
        read = None
        if built_before is None:
            read = _read_history(g, git_dir, ref, roots, options, report, cancelled,
                                 cache_dir, (0.02, 0.85))
    if cancelled is not None and cancelled():
        raise Cancelled(f"{options.path}: cancelled")
    if built_before is not None:
        commits, changes = built_before.frames["commits"], built_before.frames["changes"]
        deployments = built_before.frames["deployments"]
        from_cache, new_commits = True, 0
        report(0.93, f"Read {len(commits):,} commits and their changes from the cache")
    else:
        assert read is not None
        report(0.87, "Finding changes")
        built = _build_changes(read.raw, tip, label, read.touched)
        deployments = _tag_deployments(tags, label)
        report(0.93, "Finding deployments")
        changes = assign_deployments(built.commits, built.changes, deployments,
                                     graph=built.graph)
        commits = built.commits
        from_cache, new_commits = read.from_cache, read.new_commits
        if layer is not None and (cancelled is None or not cancelled()):
            changescache.save(layer, {"commits": commits, "changes": changes,
                                      "deployments": deployments}, {"git_dir": git_dir},
                              graph=built.graph)
    changes, deployments = _in_window(changes, deployments, _as_utc(options.since),
                                      _as_utc(options.until))

    notes: list[str] = []
    if scheme is not None:
        notes.append(scheme.sentence(options.path))
    if options.deploy_tags and not tags:
        hint = ""
        if suggestion is not None and suggestion.pattern is not None:
            hint = (f" (this repository's release tags look like {suggestion.pattern!r}: "
                    f"{suggestion.matched} tag(s))")
        warnings.append(f"{options.path}: no tag matches {options.deploy_tags!r}{hint}: no "
                        f"deployments from tags, so changes are measured up to merge only")
    if shallow:
        oldest = commits["commit_time"].min()
        when = f" before {oldest:%Y-%m-%d}" if pd.notna(oldest) else ""
        warnings.append(f"{options.path} is a shallow clone: history{when} is missing, so lead "
                        f"times of the oldest changes are truncated (run git fetch --unshallow)")
    skew = int((commits["author_time"] > commits["commit_time"]).sum())
    if skew:
        warnings.append(f"{options.path}: {skew} commit(s) have an author date after their commit "
                        f"date (clock skew); spans that use them may be negative")
    if options.subtree and len(changes) == 0:
        warnings.append(f"{options.path}: no commit touches {options.subtree!r}")

    linked = int(commits["change_id"].notna().sum())
    src = SourceReport(path=options.path, format="git", records=len(commits),
                       linked=linked, skipped=tags_skipped, problems=list(warnings))
    if scheme is not None:
        src.extra["release_tags"] = scheme.to_json()
    tables = Tables(commits=commits, changes=changes, deployments=deployments,
                    sources=[src], warnings=warnings, notes=notes)
    tables.data_quality = {
        "commits_author_after_commit": skew,
        "tags_skipped": tags_skipped,
        "shallow_clone": shallow,
        "history_from_cache": from_cache,
        "commits_read_from_git": new_commits,
    }
    report(1.0, f"{len(changes):,} changes, {len(deployments):,} deployments")
    log.info("%s: %d commits (%s), %d changes, %d tag deployments in %.2f s", options.path,
             len(commits), "changes from the cache" if built_before is not None else
             f"{new_commits} read from git", len(changes), len(deployments),
             time.perf_counter() - started)
    return tables


def _changes_entry(g: _Git, git_dir: str, ref: str, tip: str, roots: list[str],
                   tags: list[_Tag], label: str, options: GitOptions,
                   cache_dir: Path | None) -> Path | None:
    """The entry of the built tables in the second cache layer (:mod:`.changescache`)."""
    if cache_dir is None:
        return None
    parts = changescache.key_parts(
        git_dir=git_dir, ref=ref, tip=tip, roots=roots, subtree=options.subtree or "",
        salt=options.salt, history_state=_history_state(g, git_dir, tip), label=label,
        tags=[(t.name, t.sha, t.at, t.annotated) for t in tags])
    return changescache.entry_path(Path(cache_dir), parts)


def _default_label(path: str) -> str:
    name = Path(os.path.realpath(os.path.expanduser(path))).name
    return name.removesuffix(".git") or name or "repo"


# --------------------------------------------------------------------------- line statistics


def _parse_numstat(records: list[bytes], out: dict[str, tuple[int, int, int]]) -> None:
    for rec in records:
        if not rec:
            continue
        nl = rec.find(b"\n")
        if nl < 0:
            out[rec.decode("ascii", "replace")] = (0, 0, 0)
            continue
        files = ins = dels = 0
        for line in rec[nl + 1:].split(b"\n"):
            if not line:
                continue
            a, d, _ = line.split(b"\t", 2)
            files += 1
            if a != b"-":  # "-" marks a binary file: counted, no lines
                ins += int(a)
                dels += int(d)
        out[rec[:nl].decode("ascii", "replace")] = (files, ins, dels)


def fill_sizes(options: GitOptions, commits: pd.DataFrame, progress: Progress | None = None,
               cancelled: IsCancelled | None = None, cache_dir: Path | None = None
               ) -> pd.DataFrame:
    """Fill ``files``, ``insertions``, ``deletions`` of ``commits`` from ``git log --numstat``.

    A second pass, separate from :func:`run` because it costs ~40× the metadata: it reads only
    commits not in the cache (sizes of a commit never change). A merge commit's own diff is
    not counted (0): its merged commits carry the lines. With ``options.subtree`` only files
    under it count. Commits of another repository (``repo`` column) are left as they are.

    Raises
    ------
    GitError, Cancelled
    """
    report = progress or _noop_progress
    label = options.label or _default_label(options.path)
    out = commits.copy()
    for col in ("files", "insertions", "deletions"):
        if col not in out:
            out[col] = pd.Series(pd.NA, index=out.index, dtype="Int64")
    mine = out["repo"].eq(label).fillna(False) if "repo" in out else \
        pd.Series(True, index=out.index)
    wanted = [str(s) for s in out.loc[mine, "sha"].tolist()]
    subtree = options.subtree or ""
    sizes: dict[str, tuple[int, int, int]] = {}
    report(0.0, f"Opening {options.path}")
    with _open(options.path) as g:
        git_dir = g.git_dir
        entry = None
        if cache_dir is not None:
            entry = Path(cache_dir) / \
                f"git-sizes-{gitcache.cache_key('sizes', git_dir, subtree)}.npz"
            loaded = gitcache.load(entry)
            if loaded is not None:
                a, meta = loaded
                if meta.get("git_dir") == git_dir:
                    shas = gitcache.unpack_strings(a["sha"], len(a["files"]))
                    sizes = dict(zip(shas, zip(a["files"].tolist(), a["insertions"].tolist(),
                                               a["deletions"].tolist(), strict=True),
                                     strict=True))
        missing = [s for s in dict.fromkeys(wanted) if s not in sizes and _SHA.match(s)]
        if missing:
            if g.is_partial_clone():
                raise GitError(f"{options.path}: a partial clone lacks the file contents line "
                               f"statistics need (they would be fetched from the network)")
            fresh: dict[str, tuple[int, int, int]] = {}
            carry = [b""]
            total = len(missing)

            def feed(chunk: bytes) -> None:
                recs = (carry[0] + chunk).split(b"\x00")
                carry[0] = recs.pop()
                _parse_numstat(recs, fresh)
                report(0.02 + 0.96 * min(len(fresh), total) / total,
                       f"Counting changed lines: {len(fresh):,} of {total:,} commits")

            args = ["log", *gitrun.NO_PROGRAM_DIFF, "--no-walk=unsorted", "--numstat",
                    "--format=%x00%H", "--stdin"]
            if subtree:
                args = ["--literal-pathspecs", *args, "--", subtree]
            with _rev_file(missing, []) as revs:
                g.stream(args, feed, cancelled, stdin=revs, chunk_size=1 << 17)
            _parse_numstat([carry[0]], fresh)
            for s in missing:  # commits git printed nothing for (path-limited): no lines
                sizes[s] = fresh.get(s, (0, 0, 0))
            if entry is not None:
                keys = list(sizes)
                vals = np.asarray([sizes[k] for k in keys], dtype=np.int64).reshape(-1, 3)
                gitcache.save(entry, {"sha": gitcache.pack_strings(keys), "files": vals[:, 0],
                                      "insertions": vals[:, 1], "deletions": vals[:, 2]},
                              {"git_dir": git_dir, "subtree": subtree})
    idx = out.index[mine.to_numpy(dtype=bool)]
    found = [sizes.get(s) for s in wanted]
    for j, col in enumerate(("files", "insertions", "deletions")):
        out.loc[idx, col] = pd.array([v[j] if v is not None else pd.NA for v in found],
                                     dtype="Int64")
    report(1.0, "Line statistics ready")
    return out


def add_change_sizes(changes: pd.DataFrame, commits: pd.DataFrame) -> pd.DataFrame:
    """Set ``lines_changed`` (insertions + deletions of a change's commits) from sized commits."""
    out = changes.copy()
    if "change_id" not in commits:
        return out
    lines = (commits["insertions"].astype("Int64") + commits["deletions"].astype("Int64"))
    per_change = lines.groupby(commits["change_id"]).sum(min_count=1)
    out["lines_changed"] = out["change_id"].map(per_change).astype("Int64")
    return out
