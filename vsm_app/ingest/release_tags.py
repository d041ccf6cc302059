"""Release tags: which tags are production deployments, and the scheme a repository uses.

Pure functions over tag names (no git): :mod:`vsm_app.ingest.git` lists the tags through its
hardened runner and asks this module which ones are releases.

Rules (docs/metrics.md §12)
---------------------------
* A **version tag** is ``<prefix><version><suffix>``: ``version`` is numbers joined by dots
  (``1.2.3``; a bare tag with no prefix needs at least one dot, so ``2024`` or ``42`` are not
  versions), ``prefix`` is anything before it (``v``, ``release-``, ``create-vite@``) and the
  suffix is empty (a final release), a **pre-release** marker (below) or a post-release
  number (``.post1``, ``-2``: final too). Anything else (``7.x``, ``1.0-docs``) is not a
  release.
* A **pre-release** is a version followed by ``a``, ``b``, ``c``, ``rc``, ``alpha``, ``beta``,
  ``pre``, ``preview``, ``dev``, ``snapshot``, ``nightly``, ``canary`` or ``next`` (with or
  without a separator and a number): ``v5.0.0-beta.3``, ``8.0.0rc1``, ``6.2.0.dev0``.
  Pre-releases go to testers, not to production, so they are **never deployments** — unless
  the glob itself names a pre-release word (``*-rc*``): then the user asked for them.
* **Detection** (no pattern given): tags are grouped into families by prefix. The family with
  the most final releases is used — in a monorepo with package tags (``vite@5.0.0``,
  ``create-vite@5.0.0``, ``plugin-legacy@5.0.0``) that is the main product, usually; the
  others are listed so the user can pick one. When the repository is analysed for a sub-tree
  (``PATH:packages/create-vite``), a family named like the sub-tree's folder wins. Ties go
  to the family with the most recent tag, then to the shorter prefix.
* The detected pattern is a glob: the prefix, then ``[0-9]*[0-9]`` (starts and ends with a
  digit: ``7.x`` and ``8.0.x`` branch-like tags stay out) or ``[0-9]*`` for single-digit
  versions such as ``v1``.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

#: words that mark a pre-release after a version number (case-insensitive)
PRERELEASE_WORDS: tuple[str, ...] = ("alpha", "beta", "preview", "pre", "rc", "dev", "snapshot",
                                     "nightly", "canary", "next", "a", "b", "c")
_PRE = "|".join(PRERELEASE_WORDS)
_VERSION = re.compile(r"^(?P<prefix>.*?)(?P<version>\d+(?:\.\d+)*)(?P<suffix>.*)$", re.DOTALL)
_PRERELEASE_SUFFIX = re.compile(rf"^[-_.+]?(?:{_PRE})(?:[-_.]?\d+)*(?:[-_.+].*)?$",
                                re.IGNORECASE)
_POST_SUFFIX = re.compile(r"^(?:[-_.]?(?:post|p|r|patch)?[-_.]?\d+)+$", re.IGNORECASE)
_PRE_IN_GLOB = re.compile(
    rf"(?<![a-z])(?:{'|'.join(w for w in PRERELEASE_WORDS if len(w) > 1)})(?![a-z])",
    re.IGNORECASE)


@dataclass(frozen=True)
class VersionTag:
    """A tag name split into prefix, version and suffix."""

    name: str
    prefix: str
    version: str
    suffix: str
    prerelease: bool


def parse(name: str) -> VersionTag | None:
    """The version parts of a tag name, or None when it is not a version tag."""
    m = _VERSION.match(name)
    if m is None:
        return None
    prefix, version, suffix = m.group("prefix"), m.group("version"), m.group("suffix")
    if not prefix and "." not in version:
        return None  # "2024", "42": a number, not a version
    if prefix and prefix[-1].isdigit():
        return None
    if not suffix:
        return VersionTag(name, prefix, version, suffix, False)
    if _PRERELEASE_SUFFIX.match(suffix):
        return VersionTag(name, prefix, version, suffix, True)
    if _POST_SUFFIX.match(suffix):
        return VersionTag(name, prefix, version, suffix, False)
    return None


def is_prerelease(name: str) -> bool:
    """True for a pre-release version tag (``v2.0.0-rc.1``, ``8.0.0b2``, ``6.2.0.dev0``)."""
    v = parse(name)
    return v is not None and v.prerelease


def glob_wants_prereleases(glob: str) -> bool:
    """A glob that names a pre-release word (``*-rc*``, ``v*beta*``) keeps pre-releases."""
    return bool(_PRE_IN_GLOB.search(glob))


def matches(glob: str, name: str) -> bool:
    """Whether tag ``name`` is a release deployment under ``glob`` (case-sensitive fnmatch,
    pre-releases left out unless the glob names them)."""
    if not fnmatch.fnmatchcase(name, glob):
        return False
    return glob_wants_prereleases(glob) or not is_prerelease(name)


def family_glob(prefix: str, versions: Sequence[str]) -> str:
    """The glob of a family: ``<prefix>[0-9]*[0-9]`` (or ``[0-9]*`` for one-digit versions)."""
    escaped = "".join(f"[{c}]" if c in "*?[]" else c for c in prefix)
    short = any(len(v) < 2 for v in versions)
    return escaped + ("[0-9]*" if short else "[0-9]*[0-9]")


@dataclass
class TagScheme:
    """Which tags are deployments: the glob, whether it was detected, and what it matched."""

    pattern: str | None  #: the glob used; None when no tag looks like a release
    detected: bool  #: True when found by :func:`detect`, False when the user gave it
    total: int = 0  #: tags in the repository
    matched: int = 0  #: tags that are deployments under the pattern
    prereleases_left_out: int = 0  #: tags the glob matches that are pre-releases
    #: other release-tag families found (prefix glob, final releases), largest first
    other_families: list[tuple[str, int]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"pattern": self.pattern, "detected": self.detected, "total": self.total,
                "matched": self.matched, "prereleases_left_out": self.prereleases_left_out,
                "other_families": [{"pattern": p, "releases": n}
                                   for p, n in self.other_families]}

    def sentence(self, where: str = "") -> str:
        """One line for stderr and the sources panel."""
        head = f"{where}: " if where else ""
        if self.pattern is None:
            return (f"{head}no release tags found ({self.total} tag(s), none looks like a "
                    f"release version such as v1.2.3 or 1.2.3): no deployments from tags; "
                    f"give --deploy-tags GLOB to choose some")
        how = "detected" if self.detected else "given"
        text = (f"{head}release tags {self.pattern!r} ({how}): {self.matched} of {self.total} "
                f"tag(s) are deployments")
        if self.prereleases_left_out:
            text += f"; {self.prereleases_left_out} pre-release(s) left out"
        if self.other_families:
            shown = ", ".join(f"{p!r} ({n})" for p, n in self.other_families[:4])
            more = ", …" if len(self.other_families) > 4 else ""
            text += f"; other tag families: {shown}{more}"
        return text


def _folder_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def detect(names: Sequence[str], times: Sequence[int] | None = None,
           subtree: str | None = None) -> TagScheme:
    """The release-tag scheme of a repository from its tag names (see the module rules).

    ``times`` (epoch seconds, same order as ``names``) break ties by the most recent tag.
    """
    families: dict[str, list[tuple[VersionTag, int]]] = {}
    for i, name in enumerate(names):
        v = parse(name)
        if v is None:
            continue
        families.setdefault(v.prefix, []).append((v, int(times[i]) if times is not None
                                                  else 0))
    finals = {p: [t for t in tags if not t[0].prerelease] for p, tags in families.items()}
    finals = {p: t for p, t in finals.items() if t}
    if not finals:
        return TagScheme(None, True, total=len(names))
    want = _folder_key(subtree.rstrip("/").rsplit("/", 1)[-1]) if subtree else ""

    def rank(prefix: str) -> tuple[int, int, int, int, str]:
        tags = finals[prefix]
        named = bool(want) and _folder_key(prefix.rstrip("@-_/ v")) == want
        return (0 if named else 1, -len(tags), -max(t for _, t in tags), len(prefix), prefix)

    order = sorted(finals, key=rank)
    best = order[0]
    pattern = family_glob(best, [v.version for v, _ in finals[best]])
    matched = sum(matches(pattern, n) for n in names)
    pre = sum(fnmatch.fnmatchcase(n, pattern) and is_prerelease(n) for n in names)
    others = [(family_glob(p, [v.version for v, _ in finals[p]]), len(finals[p]))
              for p in order[1:]]
    return TagScheme(pattern, True, total=len(names), matched=matched,
                     prereleases_left_out=pre, other_families=others)


def given(glob: str, names: Sequence[str]) -> TagScheme:
    """The scheme of a glob the user gave: what it matches among ``names``."""
    matched = sum(matches(glob, n) for n in names)
    pre = 0 if glob_wants_prereleases(glob) else sum(
        fnmatch.fnmatchcase(n, glob) and is_prerelease(n) for n in names)
    return TagScheme(glob, False, total=len(names), matched=matched, prereleases_left_out=pre)


__all__ = ["PRERELEASE_WORDS", "TagScheme", "VersionTag", "detect", "family_glob", "given",
           "glob_wants_prereleases", "is_prerelease", "matches", "parse"]
