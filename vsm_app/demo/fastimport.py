"""A small writer for ``git fast-import`` streams: fast, deterministic synthetic repositories.

Used by the demo generator and by ``benchmarks/gen_big_repo.py``. Commit and tag shas depend
only on what is written (fixed identities and dates), so the same input always gives the same
history. ``get-mark`` answers (a commit's sha, needed for "This reverts commit <sha>.") come
back on a second pipe (``--cat-blob-fd``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from vsm_app.ingest.gitrun import (
    PIPE,
    GitError,
    generator_env,
    run_generator_git,
    start_generator_git,
)


def git_env() -> dict[str, str]:
    """The environment of the generators' git: hardened, no user or system config."""
    return generator_env()


def run_git(repo: Path, *args: str) -> str:
    """Run a fixed git command in ``repo`` (no shell) and return its stdout.

    Raises :class:`RuntimeError` (with git's first error line) when git fails.
    """
    try:
        return run_generator_git(repo, *args)
    except GitError as e:
        raise RuntimeError(str(e)) from None


@dataclass(frozen=True)
class Person:
    name: str
    email: str

    def line(self, epoch: int, tz: str = "+0000") -> bytes:
        return f"{self.name} <{self.email}> {epoch} {tz}".encode()


class FastImport:
    """Write commits and tags into a new repository through one ``git fast-import`` process.

    Use as a context manager; marks are integers handed out by :meth:`commit`.
    """

    def __init__(self, repo: Path, branch: str = "main", marks_file: Path | None = None) -> None:
        self.repo = repo
        repo.mkdir(parents=True, exist_ok=True)
        run_git(repo, "init", "-q", "-b", branch)
        self._resp_r, resp_w = os.pipe()
        extra = [f"--export-marks={marks_file}"] if marks_file is not None else []
        self._proc = start_generator_git(
            repo, ["fast-import", "--quiet", "--done", f"--cat-blob-fd={resp_w}", *extra],
            stdin=PIPE, pass_fds=(resp_w,))
        os.close(resp_w)
        assert self._proc.stdin is not None
        self._out: BinaryIO = self._proc.stdin  # type: ignore[assignment]
        self._resp = os.fdopen(self._resp_r, "rb")
        self._mark = 0
        self.commits = 0

    def __enter__(self) -> FastImport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _data(self, payload: bytes) -> None:
        self._out.write(b"data %d\n" % len(payload))
        self._out.write(payload)
        self._out.write(b"\n")

    def commit(self, ref: str, author: Person, author_at: int, committer: Person, commit_at: int,
               message: str, parents: list[int] | None = None,
               files: Mapping[str, bytes | None] | None = None) -> int:
        """One commit on ``ref``; ``parents`` are marks (first = first parent).

        ``files`` maps a path to its new content, or to ``None`` to delete it. Without parents
        the commit continues ``ref`` (or is a root when ``ref`` is new).
        """
        self._mark += 1
        mark = self._mark
        w = self._out.write
        w(b"commit %s\nmark :%d\n" % (ref.encode(), mark))
        w(b"author " + author.line(author_at) + b"\n")
        w(b"committer " + committer.line(commit_at) + b"\n")
        self._data(message.encode("utf-8"))
        if parents:
            w(b"from :%d\n" % parents[0])
            for p in parents[1:]:
                w(b"merge :%d\n" % p)
        for path, content in (files or {}).items():
            if content is None:
                w(b"D %s\n" % path.encode())
            else:
                w(b"M 100644 inline %s\n" % path.encode())
                self._data(content)
        self.commits += 1
        return mark

    def sha(self, mark: int) -> str:
        """The sha of a commit already written (asks fast-import, which answers at once)."""
        self._out.write(b"get-mark :%d\n" % mark)
        self._out.flush()
        line = self._resp.readline().decode("ascii").strip()
        if len(line) not in (40, 64):
            raise RuntimeError(f"git fast-import answered {line!r} to get-mark :{mark}")
        return line

    def tag(self, name: str, mark: int, tagger: Person, at: int, message: str) -> None:
        """An annotated tag of commit ``mark``."""
        w = self._out.write
        w(b"tag %s\nfrom :%d\n" % (name.encode(), mark))
        w(b"tagger " + tagger.line(at) + b"\n")
        self._data(message.encode("utf-8"))

    def lightweight_tag(self, name: str, mark: int) -> None:
        self._out.write(b"reset refs/tags/%s\nfrom :%d\n\n" % (name.encode(), mark))

    def reset(self, ref: str, mark: int) -> None:
        """Point ``ref`` at commit ``mark``."""
        self._out.write(b"reset %s\nfrom :%d\n\n" % (ref.encode(), mark))

    @staticmethod
    def read_marks(marks_file: Path) -> dict[int, str]:
        """``{mark: sha}`` from a file written with ``marks_file`` (after :meth:`close`)."""
        out: dict[int, str] = {}
        for line in marks_file.read_text().splitlines():
            mark, _, sha = line.partition(" ")
            out[int(mark.lstrip(":"))] = sha
        return out

    def close(self) -> None:
        if self._proc.poll() is None:
            try:
                self._out.write(b"done\n")
                self._out.close()
            except BrokenPipeError:
                pass
            code = self._proc.wait()
            self._resp.close()
            if code != 0:
                raise RuntimeError(f"git fast-import failed with exit code {code}")
