"""Autosave side files and crash recovery: ``P.vsm`` autosaves to ``P.vsm.autosave``."""

from __future__ import annotations

from pathlib import Path

from ..domain.model import Project
from .project_file import atomic_write_bytes, dumps

SUFFIX = ".autosave"


def autosave_path(project_path: str | Path | None, untitled_dir: Path) -> Path:
    """Where the autosave of a project goes (untitled projects go to ``untitled_dir``)."""
    if project_path is None:
        untitled_dir.mkdir(parents=True, exist_ok=True)
        return untitled_dir / f"untitled.vsm{SUFFIX}"
    p = Path(project_path)
    return p.with_name(p.name + SUFFIX)


def write_autosave(project: Project, path: Path) -> None:
    base = path.parent
    atomic_write_bytes(path, dumps(project, base).encode("utf-8"))


def pending_recovery(project_path: str | Path | None, untitled_dir: Path) -> Path | None:
    """An autosave newer than its project file, i.e. work a crash left unsaved."""
    a = autosave_path(project_path, untitled_dir)
    if not a.exists():
        return None
    if project_path is not None and Path(project_path).exists() \
            and Path(project_path).stat().st_mtime >= a.stat().st_mtime:
        return None
    return a


def discard(path: Path) -> None:
    path.unlink(missing_ok=True)
