"""The terminal progress of ``analyze-many`` (stderr): a bar on a terminal, lines otherwise."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class RepositoryProgress:
    """Called once per finished repository: ``progress(status, done, total)``.

    On a terminal one line is redrawn: ``[######------]  12/200 repositories · 1 failed ·
    0:41 elapsed · ~1:10 left``; a failure is also printed on its own line. Elsewhere (a log,
    CI) each repository is one plain line: ``[12/200] shop: ok, 1,234 changes (2.1 s)``.
    """

    WIDTH = 28

    def __init__(self, stream: TextIO | None = None, tty: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.t0 = time.perf_counter()
        self.failed = 0
        self.drawn = False

    def start(self, total: int, where: str) -> None:
        print(f"analyze-many: {total} repositories on {where}", file=self.stream, flush=True)

    def __call__(self, status: dict[str, Any], done: int, total: int) -> None:
        elapsed = time.perf_counter() - self.t0
        ok = status.get("status")
        if ok == "failed":
            self.failed += 1
        if self.tty:
            if ok == "failed":
                self._clear()
                print(f"  {status.get('name')}: failed: {status.get('message')}",
                      file=self.stream)
            filled = int(self.WIDTH * done / max(total, 1))
            left = elapsed / done * (total - done) if done else 0.0
            text = (f"[{'#' * filled}{'-' * (self.WIDTH - filled)}] {done:>{len(str(total))}}"
                    f"/{total} repositories"
                    + (f" · {self.failed} failed" if self.failed else "")
                    + f" · {_clock(elapsed)} elapsed"
                    + (f" · ~{_clock(left)} left" if done < total else ""))
            print(f"\r{text}\x1b[K", end="", file=self.stream, flush=True)
            self.drawn = True
        else:
            print(f"[{done}/{total}] {self._line(status)}", file=self.stream, flush=True)

    def phase(self, text: str) -> None:
        """A step after the repositories (the organisation phase), on its own line."""
        self.close()
        self.drawn = False
        print(f"{text}…", file=self.stream, flush=True)

    def _line(self, status: dict[str, Any]) -> str:
        name, ok = status.get("name"), status.get("status")
        secs = status.get("seconds")
        took = f" ({secs:.1f} s)" if isinstance(secs, int | float) else ""
        if ok == "failed":
            return f"{name}: failed: {status.get('message')}{took}"
        changes = status.get("changes")
        what = f", {changes:,} changes" if isinstance(changes, int) else ""
        return f"{name}: {ok}{what}{took}"

    def _clear(self) -> None:
        if self.drawn:
            print("\r\x1b[K", end="", file=self.stream)

    def close(self) -> None:
        if self.tty and self.drawn:
            print(file=self.stream, flush=True)
