"""Where the product may write (Qt-free): the one check every command and dialog uses.

Every file the product writes for the user — a project save (``new``, ``import-stages``,
Save, Save As), a map image, a report, a CSV — is the one the user chose, written in one
atomic step (:func:`vsm_app.storage.project_file.atomic_write_bytes`: a temporary file in
the same folder, fsync, ``os.replace``). Before anything is computed or rendered,
:func:`check_target` refuses

* for anything but a project save, a ``*.vsm`` path — also when the path is a symbolic link
  to a ``.vsm`` file — and the open project's own file (resolved paths and the file's identity
  compared, so a link or another spelling of it is caught too), so an export or a CSV can
  never replace a project;
* for a project save, a name that does not end in ``.vsm``;
* any of the files the command is reading (``protected``);
* a path whose folder does not exist (nothing is created on the user's behalf);
* a path that is an existing folder;
* a file name whose suffix is not one the writer produces;
* an existing file when the command must not replace one (``overwrite=False``: ``new`` and
  ``import-stages`` without ``--force``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


class ExportTargetError(ValueError):
    """A path the product refuses to write; the message names the path and the reason."""


def check_target(path: str | os.PathLike[str], suffixes: Iterable[str],
                 project_path: str | os.PathLike[str] | None = None, *,
                 project_save: bool = False, overwrite: bool = True,
                 protected: Iterable[str | os.PathLike[str]] = (),
                 replace_hint: str = "") -> Path:
    """The path to write, after the safety checks of the module docstring.

    Parameters
    ----------
    path
        The file the user chose.
    suffixes
        Allowed suffixes, lower case with the dot (``{".png", ".svg"}``); a project save
        allows ``.vsm`` only, whatever is given.
    project_path
        The open project's file, which nothing but a project save ever overwrites.
    project_save
        The write is a project save (the only kind that may write a ``.vsm``).
    overwrite
        False: an existing file is refused (``replace_hint`` says how to replace it).
    protected
        Files the command reads; none of them is overwritten.

    Raises
    ------
    ExportTargetError
        With a one-line message naming ``path``.
    """
    p = Path(path).expanduser()
    allowed = [".vsm"] if project_save else sorted({s.lower() for s in suffixes})
    suffix = p.suffix.lower()
    if not project_save:
        if suffix == ".vsm":
            raise ExportTargetError(f"{p}: only a project save writes a .vsm project file; "
                                    f"choose a name ending in {' or '.join(allowed)}")
        if p.is_symlink() and _resolved(p).suffix.lower() == ".vsm":
            raise ExportTargetError(f"{p}: is a link to the project file {_resolved(p)}; "
                                    f"choose another name")
        if project_path is not None and _same_file(p, Path(project_path)):
            raise ExportTargetError(f"{p}: is the open project file; choose another name")
    for other in protected:
        if _same_file(p, Path(other)):
            raise ExportTargetError(f"{p}: is one of the files being read; choose another name")
    if p.is_dir():
        raise ExportTargetError(f"{p}: is a folder; give a file name such as "
                                f"{p / ('export' + (allowed[0] if allowed else ''))}")
    if suffix not in allowed:
        raise ExportTargetError(f"{p}: unknown file type {p.suffix or '(none)'!r}; "
                                f"expected {', '.join(allowed)}")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise ExportTargetError(f"{p}: the folder {parent} does not exist")
    if not overwrite and (p.exists() or p.is_symlink()):
        raise ExportTargetError(f"{p}: already exists" + (f"; {replace_hint}" if replace_hint
                                                           else ""))
    return p


def _resolved(p: Path) -> Path:
    try:
        return p.resolve()
    except (OSError, RuntimeError):  # a loop of links
        return p


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return _resolved(a) == _resolved(b)


def write_target(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see the module docstring)."""
    # imported here: every command names this module's ExportTargetError, and the project
    # file's module (with the improvement records) is not needed until something is written
    from ..storage.project_file import atomic_write_bytes

    atomic_write_bytes(path, data)
