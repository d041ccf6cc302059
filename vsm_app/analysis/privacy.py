"""Guard rail: no person's identity in any output (DESIGN §5, "team and system level only").

Exports and reports call :func:`assert_no_identities` on the text they are about to write;
tests collect the real author names and e-mail addresses of a repository with
:func:`git_identities` and prove that none of them appears in any output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import git


class IdentityLeakError(AssertionError):
    """An output holds a person's name or e-mail address (a bug, never bad input)."""

    def __init__(self, found: list[str]) -> None:
        super().__init__(
            f"output names {len(found)} person identit{'y' if len(found) == 1 else 'ies'}: "
            + ", ".join(repr(f) for f in found))
        self.found = found


def _pattern(identity: str) -> re.Pattern[str]:
    # whole words only, so the name "Ann" is not found inside "annual"
    return re.compile(r"(?<!\w)" + re.escape(identity) + r"(?!\w)", re.IGNORECASE)


def find_identities(text: str, identities: Iterable[str]) -> list[str]:
    """The identities (case-insensitive, as whole words) that occur in ``text``.

    Blank identities are skipped; each identity is reported once, in the order given.
    """
    found: list[str] = []
    for ident in dict.fromkeys(i.strip() for i in identities):
        if ident and _pattern(ident).search(text):
            found.append(ident)
    return found


def assert_no_identities(text: str, identities: Iterable[str]) -> None:
    """Raise :class:`IdentityLeakError` when ``text`` holds any of ``identities``."""
    found = find_identities(text, identities)
    if found:
        raise IdentityLeakError(found)


def git_identities(repo_path: str | Path) -> set[str]:
    """Author and committer names and e-mail addresses of every commit of a repository.

    Runs ``git log --all --format=%an%n%ae%n%cn%n%ce`` through GitPython's command
    interface with fixed options (nothing from the caller reaches the command line).
    """
    repo = git.Repo(str(repo_path))
    try:
        out = repo.git.log("--all", "--format=%an%n%ae%n%cn%n%ce")
    finally:
        repo.close()
    return {line.strip() for line in out.splitlines() if line.strip()}
