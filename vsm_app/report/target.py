"""Where an export may write (Qt-free): the safety rules every export follows.

An export writes exactly one file, the one the user chose, in one atomic step
(:func:`vsm_app.storage.project_file.atomic_write_bytes`: a temporary file in the same folder,
fsync, ``os.replace``). Before anything is rendered, :func:`check_target` refuses

* a ``*.vsm`` path, and the open project's own file (resolved paths compared), so an export
  can never overwrite a project;
* a path whose folder does not exist (nothing is created on the user's behalf);
* a path that is an existing folder;
* a file name whose suffix is not one the export writes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from ..storage.project_file import atomic_write_bytes

Progress = Callable[[float, str], None]
Cancelled = Callable[[], bool]


class ExportTargetError(ValueError):
    """A path an export refuses to write; the message names the path and the reason."""


class ExportCancelled(Exception):
    """The user cancelled a long export; nothing was written."""


def check_target(path: str | os.PathLike[str], suffixes: Iterable[str],
                 project_path: str | os.PathLike[str] | None = None) -> Path:
    """The path to write, after the safety checks of the module docstring.

    Parameters
    ----------
    path
        The file the user chose.
    suffixes
        Allowed suffixes, lower case with the dot (``{".png", ".svg"}``).
    project_path
        The open project's file, which is never overwritten.

    Raises
    ------
    ExportTargetError
        With a one-line message naming ``path``.
    """
    p = Path(path).expanduser()
    allowed = sorted({s.lower() for s in suffixes})
    suffix = p.suffix.lower()
    if suffix == ".vsm":
        raise ExportTargetError(f"{p}: an export never writes a .vsm project file; "
                                f"choose a name ending in {' or '.join(allowed)}")
    if project_path is not None and _same_file(p, Path(project_path)):
        raise ExportTargetError(f"{p}: is the open project file; choose another name")
    if p.is_dir():
        raise ExportTargetError(f"{p}: is a folder; give a file name such as "
                                f"{p / ('export' + (allowed[0] if allowed else ''))}")
    if suffix not in allowed:
        raise ExportTargetError(f"{p}: unknown file type {p.suffix or '(none)'!r}; "
                                f"expected {', '.join(allowed)}")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise ExportTargetError(f"{p}: the folder {parent} does not exist")
    return p


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.resolve() == b.resolve()


def write_target(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see the module docstring)."""
    atomic_write_bytes(path, data)


def check_cancel(cancelled: Cancelled | None) -> None:
    """Raise :class:`ExportCancelled` when the user asked to stop."""
    if cancelled is not None and cancelled():
        raise ExportCancelled("export cancelled")


def report_progress(progress: Progress | None, fraction: float, message: str) -> None:
    if progress is not None:
        progress(max(0.0, min(1.0, fraction)), message)
