"""A tiny git repository builder for ingest tests: fixed dates, so expectations are hand-made.

Imported explicitly by the test modules (not a conftest.py, which the lead owns).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pandas as pd

#: base of every test timeline; times below are offsets in hours from it
T0 = pd.Timestamp("2025-03-03T09:00:00Z")

AUTHORS = {
    "alice": ("Alice Example", "alice.example@corp.test"),
    "bob": ("Bob Sample", "bob.sample@corp.test"),
}


def at(hours: float) -> pd.Timestamp:
    """The timestamp ``hours`` after :data:`T0`."""
    return T0 + pd.Timedelta(hours=hours)


def _git_date(hours: float) -> str:
    # git accepts "@<epoch> +0000"
    return f"@{int(at(hours).timestamp())} +0000"


class RepoBuilder:
    """Builds a repository with one git command per step and fully fixed metadata."""

    def __init__(self, path: Path, branch: str = "main") -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", branch)
        self._n = 0

    def git(self, *args: str, env: dict[str, str] | None = None, input: str | None = None) -> str:
        full_env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", **(env or {})}
        res = subprocess.run(["git", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false",
                              *args], cwd=self.path, env=full_env, check=True,
                             capture_output=True, text=True, input=input)
        return res.stdout.strip()

    def _env(self, author_h: float, commit_h: float | None, who: str) -> dict[str, str]:
        name, email = AUTHORS[who]
        return {
            "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email,
            "GIT_AUTHOR_DATE": _git_date(author_h),
            "GIT_COMMITTER_DATE": _git_date(author_h if commit_h is None else commit_h),
        }

    def commit(self, message: str, hours: float, commit_hours: float | None = None,
               who: str = "alice", file: str | None = None) -> str:
        """A commit changing one file; returns its sha."""
        self._n += 1
        name = file or f"f{self._n}.txt"
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("a") as f:
            f.write(f"line {self._n}\n")
        self.git("add", name)
        self.git("commit", "-q", "-m", message, env=self._env(hours, commit_hours, who))
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    def checkout(self, ref: str, new: bool = False) -> None:
        if new:
            self.git("checkout", "-q", "-b", ref)
        else:
            self.git("checkout", "-q", ref)

    def merge(self, branch: str, message: str, hours: float, who: str = "bob",
              *more: str) -> str:
        """``git merge --no-ff`` of ``branch`` (and ``more`` for an octopus)."""
        self.git("merge", "-q", "--no-ff", "-m", message, branch, *more,
                 env=self._env(hours, None, who))
        return self.head()

    def tag(self, name: str, hours: float | None = None, annotated: bool = True,
            ref: str = "HEAD") -> None:
        if annotated:
            assert hours is not None
            env = self._env(hours, hours, "bob")
            self.git("tag", "-a", name, "-m", f"release {name}", ref, env=env)
        else:
            self.git("tag", name, ref)

    def revert(self, sha: str, hours: float, who: str = "alice") -> str:
        self.git("revert", "--no-edit", sha, env=self._env(hours, None, who))
        return self.head()
