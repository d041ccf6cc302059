"""Undo commands for a project's data sources (add, remove, edit) and measurement settings.

Like the map commands in :mod:`vsm_app.ui.commands`, these change only the model: they edit
``Project.sources`` and emit ``Project.sources_changed``; the sources dock and the measurement
follow that signal (the main window re-ingests after every change, undo and redo included).
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtGui import QUndoCommand

from ..domain.model import DataSource, ModelError, Project, ProjectSettings


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


class EditSourceCommand(QUndoCommand):
    """Change a source's settings (branch, release tags, sub-tree…); undo restores them."""

    def __init__(self, project: Project, source_id: str, **changes: Any) -> None:
        index = next((i for i, s in enumerate(project.sources) if s.id == source_id), None)
        if index is None:
            raise ModelError(f"no data source with id {source_id!r}")
        self.project, self.index = project, index
        self.before = project.sources[index]
        self.after = replace(self.before, **changes)
        super().__init__(f"Edit data source {source_name(self.after)}")

    def _put(self, source: DataSource) -> None:
        self.project.sources[self.index] = source
        self.project.sources_changed.emit()

    def redo(self) -> None:
        self._put(self.after)

    def undo(self) -> None:
        self._put(self.before)


class MeasurementSettingsCommand(QUndoCommand):
    """Change how the project's data is read (production environments, release tags, deploy
    pattern). Emits ``sources_changed``: the measurement is read again, as after a source
    edit."""

    def __init__(self, project: Project, settings: ProjectSettings) -> None:
        super().__init__("Change measurement settings")
        self.project = project
        self.before = _copy(project.settings)
        self.after = _copy(settings)

    def _put(self, settings: ProjectSettings) -> None:
        self.project.settings = _copy(settings)
        self.project.sources_changed.emit()

    def redo(self) -> None:
        self._put(self.after)

    def undo(self) -> None:
        self._put(self.before)


def _copy(settings: ProjectSettings) -> ProjectSettings:
    return replace(settings, production_environments=list(settings.production_environments))


class AnalysisWindowCommand(QUndoCommand):
    """Choose the analysis window and period (the window bar, a chart's range): they are
    saved in the project (``settings.window_since``/``window_until``/``period``), so the
    change marks it modified and Undo goes back to the previous window. Only the window is
    analysed again (nothing is re-read). ``apply(settings)`` shows the settings (the
    measurement controller); the steps of one drag of the slider (less than
    ``MERGE_S`` apart) merge into one."""

    ID = 1717
    MERGE_S = 1.5

    def __init__(self, project: Project, since: str | None, until: str | None, period: str,
                 apply: Any) -> None:
        super().__init__("Change the analysis window" if period == project.settings.period
                         else "Change the period")
        self.project = project
        self.before = _copy(project.settings)
        self.after = replace(_copy(project.settings), window_since=since, window_until=until,
                             period=period)
        self.apply = apply
        self.at = time.monotonic()

    def id(self) -> int:
        return self.ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 (Qt name)
        if not isinstance(other, AnalysisWindowCommand) or other.project is not self.project:
            return False
        if other.after.period != self.after.period or self.before.period != self.after.period:
            return False  # a period step stays apart
        if other.at - self.at > self.MERGE_S:
            return False
        self.after, self.at = other.after, other.at
        return True

    def _put(self, settings: ProjectSettings) -> None:
        self.project.settings = _copy(settings)
        self.apply(self.project.settings)

    def redo(self) -> None:
        self._put(self.after)

    def undo(self) -> None:
        self._put(self.before)
