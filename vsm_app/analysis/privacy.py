"""Guard rail: no person's identity in any output (DESIGN §5, "team and system level only").

Reports call :func:`check_output` before writing: identities are compared word by word
(whole identities as token sequences, never as substrings), identities too short or too
common to identify anyone are ignored, and a hit in the user's own text says which text and
where. Tests collect the real author names and e-mail addresses of a repository with
:func:`git_identities` and prove with :func:`assert_no_identities` that none of them appears in
any output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: an identity with fewer word characters than this identifies nobody ("-", "J.", "AB")
MIN_IDENTITY_CHARS = 3
#: words that name no person: account and service names, the parts of a no-reply address,
#: and the words of the app's own map template. An identity made only of these (and
#: numbers) identifies nobody ("dependabot[bot]", "GitHub Action", "Release Bot",
#: "noreply@github.com", "Your Name").
COMMON_WORDS = frozenset("""
    root admin administrator user users unknown none null nobody anonymous noreply no reply
    bot bots github gitlab bitbucket action actions ci cd build builder buildbot jenkins
    travis circleci azure pipelines system localhost local example test tests tester dev
    devs developer developers team release releases releaser deploy deployer merge git web
    www com org net io mail email your name the and dependabot renovate greenkeeper snyk
    pre commit precommit app apps service server automation auto update updater
    coding review ci release backlog analysis design
    """.split())
_TOKEN = re.compile(r"\w+")
_DATA_URI = re.compile(r"data:[^\"')\s]*")


class IdentityLeakError(AssertionError):
    """An output holds a person's name or e-mail address.

    ``leaks`` locates each one in the user's own text when it came from there ("the owner of
    stage 'Review' on map 'Current state'"): bad input the user can fix.
    """

    def __init__(self, found: list[str], leaks: list[Leak] | None = None) -> None:
        super().__init__(
            f"output names {len(found)} person identit{'y' if len(found) == 1 else 'ies'}: "
            + ", ".join(repr(f) for f in found))
        self.found = found
        self.leaks = list(leaks or [])

    def where(self) -> str:
        """Where each identity appears, in words, for a message to the user."""
        if not self.leaks:
            return "in the report's own text"
        return "; ".join(f"{leak.identity!r} in {leak.where} ({leak.text!r})"
                         for leak in self.leaks[:5]) + ("; …" if len(self.leaks) > 5 else "")


@dataclass(frozen=True)
class Leak:
    """An identity found in one located piece of the user's text."""

    identity: str
    where: str
    text: str


def tokens(text: str) -> list[str]:
    """The words of ``text`` (Unicode letters, digits, ``_``), case-folded."""
    return _TOKEN.findall(text.casefold())


def identity_tokens(identity: str) -> tuple[str, ...] | None:
    """The words of an identity, or None when it identifies nobody: too short (fewer than
    :data:`MIN_IDENTITY_CHARS` word characters, e.g. a name that is a single punctuation
    character) or too common (only :data:`COMMON_WORDS` and numbers)."""
    words = tuple(tokens(identity))
    if sum(len(w) for w in words) < MIN_IDENTITY_CHARS:
        return None
    if all(w in COMMON_WORDS or w.isdigit() for w in words):
        return None
    return words


def _identifying(identities: Iterable[str]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for ident in identities:
        ident = ident.strip()
        if ident and ident not in out:
            words = identity_tokens(ident)
            if words is not None:
                out[ident] = words
    return out


def _contains(text_words: list[str], index: dict[str, list[int]],
              words: tuple[str, ...]) -> bool:
    """Whether ``words`` occur one after the other in ``text_words``."""
    k = len(words)
    for i in index.get(words[0], ()):
        if text_words[i:i + k] == list(words):
            return True
    return False


def _index(words: list[str]) -> dict[str, list[int]]:
    index: dict[str, list[int]] = {}
    for i, w in enumerate(words):
        index.setdefault(w, []).append(i)
    return index


def find_identities(text: str, identities: Iterable[str]) -> list[str]:
    """The identities that occur in ``text`` as whole words, case-insensitively.

    Compared word by word (``Ann`` is not found in ``annual``; ``ann@example.com`` is found
    in ``<ann@example.com>``); identities that identify nobody (:func:`identity_tokens`) are
    skipped; each identity is reported once, in the order given.
    """
    wanted = _identifying(identities)
    if not wanted:
        return []
    words = tokens(_DATA_URI.sub(" ", text))
    index = _index(words)
    return [ident for ident, w in wanted.items() if _contains(words, index, w)]


def assert_no_identities(text: str, identities: Iterable[str]) -> None:
    """Raise :class:`IdentityLeakError` when ``text`` holds any of ``identities``."""
    found = find_identities(text, identities)
    if found:
        raise IdentityLeakError(found)


def find_in_texts(located: Iterable[tuple[str, str]], identities: Iterable[str]) -> list[Leak]:
    """Every identity found in each ``(where, text)`` of the user's own text."""
    wanted = _identifying(identities)
    leaks: list[Leak] = []
    if not wanted:
        return leaks
    for where, text in located:
        if not text:
            continue
        words = tokens(text)
        index = _index(words)
        leaks += [Leak(ident, where, text) for ident, w in wanted.items()
                  if _contains(words, index, w)]
    return leaks


def check_output(user_texts: Iterable[tuple[str, str]], outputs: Iterable[str],
                 identities: Iterable[str]) -> None:
    """The report's guard: no person's name or address in what it shows.

    * Every identity that identifies someone is looked for in the user's own texts (stage
      names and owners, notes, items, the project's name…), which are where a name can come
      from; a hit raises :class:`IdentityLeakError` saying which text and where.
    * The rendered output (generated prose, numbers, data-URI images left out) is checked for
      identities of two words or more and e-mail addresses only: a single word in the app's
      own sentences ("Review", "lead") is not a person, while a full name or an address there
      would be a bug.
    """
    wanted = _identifying(identities)
    leaks = find_in_texts(user_texts, wanted)
    if leaks:
        raise IdentityLeakError(list(dict.fromkeys(leak.identity for leak in leaks)), leaks)
    strong = [i for i, w in wanted.items() if len(w) >= 2]
    for text in outputs:
        found = find_identities(text, strong)
        if found:
            raise IdentityLeakError(found)


def git_identities(repo_path: str | Path) -> set[str]:
    """Author and committer names and e-mail addresses of every commit of a repository.

    Read through the hardened git runner (:func:`vsm_app.ingest.git.author_identities`):
    the analysed repository's configuration never runs a program, nothing is fetched.
    """
    from vsm_app.ingest.git import author_identities

    return author_identities(repo_path)
