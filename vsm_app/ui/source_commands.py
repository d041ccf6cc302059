"""Undo commands for a project's data sources (add, remove).

Like the map commands in :mod:`vsm_app.ui.commands`, these change only the model: they edit
``Project.sources`` and emit ``Project.sources_changed``; the sources dock and the measurement
follow that signal (the main window re-ingests after every change, undo and redo included).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QUndoCommand

from ..domain.model import DataSource, ModelError, Project


def source_name(source: DataSource) -> str:
    """A short name for people: the file or folder name (plus the monorepo sub-tree)."""
    name = Path(source.path).name or source.path
    if source.subtree:
        name = f"{name}:{source.subtree}"
    return name


class AddSourceCommand(QUndoCommand):
    """Add ``source`` to the project (at ``index``, default last)."""

    def __init__(self, project: Project, source: DataSource, index: int | None = None) -> None:
        super().__init__(f"Add data source {source_name(source)}")
        if any(s.id == source.id for s in project.sources):
            raise ModelError(f"source id {source.id!r} already in the project")
        self.project, self.source = project, source
        self.index = len(project.sources) if index is None else index

    def redo(self) -> None:
        self.project.sources.insert(self.index, self.source)
        self.project.sources_changed.emit()

    def undo(self) -> None:
        self.project.sources.remove(self.source)
        self.project.sources_changed.emit()


class RemoveSourceCommand(QUndoCommand):
    """Remove the source ``source_id``; undo puts it back at the same place."""

    def __init__(self, project: Project, source_id: str) -> None:
        index = next((i for i, s in enumerate(project.sources) if s.id == source_id), None)
        if index is None:
            raise ModelError(f"no data source with id {source_id!r}")
        self.project, self.index = project, index
        self.source = project.sources[index]
        super().__init__(f"Remove data source {source_name(self.source)}")

    def redo(self) -> None:
        self.project.sources.remove(self.source)
        self.project.sources_changed.emit()

    def undo(self) -> None:
        self.project.sources.insert(self.index, self.source)
        self.project.sources_changed.emit()
