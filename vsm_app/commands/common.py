"""What every command shares: progress on stderr, dates, loading a project, running a
measurement with its errors turned into exit-2 messages, and printing."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from ..errors import BadInput

T = TypeVar("T")


def err(msg: str) -> None:
    """One line to stderr (a GUI launcher on Windows has none)."""
    if sys.stderr is not None:
        print(msg, file=sys.stderr)


class StderrProgress:
    """``progress(fraction, message)`` on stderr: one updated line on a terminal, a line per
    new message otherwise."""

    def __init__(self) -> None:
        self.last = ""
        self.tty = sys.stderr.isatty()

    def __call__(self, fraction: float, message: str) -> None:
        if self.tty:
            print(f"\r{fraction:4.0%} {message[:70]:<70}", end="", file=sys.stderr, flush=True)
        elif message != self.last:
            print(f"{fraction:4.0%} {message}", file=sys.stderr, flush=True)
        self.last = message

    def close(self) -> None:
        if self.tty and self.last:
            print(file=sys.stderr)


@contextmanager
def stderr_progress() -> Iterator[StderrProgress]:
    progress = StderrProgress()
    try:
        yield progress
    finally:
        progress.close()


def parse_date(flag: str, text: str | None) -> Any:
    """``--since 2026-01-31`` as a UTC timestamp (None when not given)."""
    if text is None:
        return None
    import pandas as pd

    try:
        ts = pd.Timestamp(text)
    except (ValueError, TypeError):
        raise BadInput(f"{flag}: {text!r} is not a date (expected e.g. 2026-01-31)") from None
    if ts is pd.NaT:
        raise BadInput(f"{flag}: {text!r} is not a date (expected e.g. 2026-01-31)")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def load_project(path: str) -> Any:
    """The project in ``path``, or exit 2 naming the file and the field."""
    from ..services.projects import ProjectError, load

    try:
        return load(path)
    except ProjectError as e:
        raise BadInput(str(e)) from None


def checked(fn: Callable[[], T]) -> T:
    """Run a service; bad input (git, an imported file, an option, a project, a target) is
    exit 2 with its message."""
    from ..report.target import ExportTargetError
    from ..services.measure import ImportFailed, input_errors
    from ..services.projects import ProjectError

    bad: tuple[type[Exception], ...] = (*input_errors(), ProjectError, ExportTargetError)
    try:
        return fn()
    except ImportFailed as e:
        import_failed(e)
    except bad as e:
        raise BadInput(str(e)) from None


def import_failed(e: Any) -> NoReturn:
    """Files the user named could not be imported (``services.measure.ImportFailed``): what
    reading said, every problem, and exit 2 with the first."""
    print_notes(e.notes, e.warnings)
    for problem in e.errors[1:]:
        err(f"vsm-app: {problem}")
    raise BadInput(str(e)) from None


def check_files(files: list[tuple[str, str]]) -> None:
    for _, path in files:
        if not Path(path).is_file():
            raise BadInput(f"{path}: no such file")


def print_notes(notes: list[str], warnings: list[str]) -> None:
    for note in notes:
        err(f"note: {note}")
    for w in warnings:
        err(f"warning: {w}")


def json_safe(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict):
        return {str(k): json_safe(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [json_safe(x) for x in v]
    return v


def print_json(doc: Any) -> None:
    print(json.dumps(json_safe(doc), indent=2, allow_nan=False))
