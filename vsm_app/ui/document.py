"""The open project as a document: the project, its file, the one undo stack, the modified
state and autosave (as Orange's canvas document owns its scheme, path and undo stack).

:class:`ProjectDocument` is the one owner of the file logic; the main window asks it and
shows what it says (the title, the modified marker, the questions and the error boxes).

* **Modified** is the undo stack's clean state: a save marks it clean, so the title's marker
  is always right; a recovered autosave is unsaved work (the stack is made "never clean").
* **Autosave** writes the project to a side file in the user's data folder
  (:mod:`vsm_app.storage.autosave`) on a timer, only when something changed since the last
  save or autosave. A save, a new project and closing remove it; after a crash,
  :meth:`pending_recovery` finds it for the window to offer.
* **Saves are atomic** (:func:`vsm_app.storage.project_file.save_project`); a failed save
  keeps the old file and the unsaved state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from ..domain.model import Project, ValueStreamMap
from ..paths import user_data_dir
from ..report.target import check_target
from ..storage import autosave
from ..storage.project_file import load_project, remove_stale_temp_files, save_project

log = logging.getLogger(__name__)

#: ``show(project, path)``: make ``project`` (read from ``path``) the document and show it —
#: the window's ``set_project``, which calls :meth:`ProjectDocument.set_project` and wires the
#: view; by default the document's own ``set_project``
ShowProject = Callable[[Project, Path | None], None]


class ProjectDocument(QObject):
    """The open project, its path, its undo stack, its modified state and its autosave.

    Signals
    -------
    project_changed(Project)
        Another project is open (new, opened, recovered); the undo history starts afresh.
    modified_changed(bool)
        The project has (or no longer has) unsaved changes.
    saved(Path)
        The project was written to this file.
    autosave_failed(str)
        The side file could not be written (the reason).
    """

    project_changed = Signal(object)
    modified_changed = Signal(bool)
    saved = Signal(object)
    autosave_failed = Signal(str)

    def __init__(self, parent: QObject | None = None, *, autosave_interval_s: int = 0) -> None:
        super().__init__(parent)
        self.project = Project("Untitled", [ValueStreamMap()])
        self.path: Path | None = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self._autosave_index: int | None = None
        self._recovered_from: Path | None = None
        self.autosave_timer = QTimer(self)
        self.autosave_timer.timeout.connect(self.autosave_now)
        if autosave_interval_s > 0:
            self.autosave_timer.start(autosave_interval_s * 1000)

    def _on_clean_changed(self, clean: bool) -> None:
        self.modified_changed.emit(not clean)

    # -- the project -----------------------------------------------------------------------------
    def set_project(self, project: Project, path: str | Path | None = None) -> None:
        """Make ``project`` (read from ``path``, or unsaved) the document; clean history."""
        self.project = project
        self.path = Path(path).resolve() if path is not None else None
        self._recovered_from = None
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self._autosave_index = 0
        self.project_changed.emit(project)

    def is_modified(self) -> bool:
        return not self.undo_stack.isClean()

    def display_name(self) -> str:
        """``project.vsm``, or ``Name (unsaved)`` before the first save."""
        return self.path.name if self.path is not None else f"{self.project.name} (unsaved)"

    def load(self, path: str | Path, show: ShowProject | None = None) -> Project:
        """Read ``path`` and make it the document through ``show`` (a clean side file of the
        old one goes; temporary files a killed save left beside ``path`` go).

        Raises
        ------
        vsm_app.storage.project_file.ProjectFileError
            The file cannot be read; the document is unchanged.
        """
        project = load_project(path)
        self.discard_autosave_if_clean()
        log.info("opened %s", path)
        self._show(show, project, Path(path))
        self.tidy(path)
        return project

    def _show(self, show: ShowProject | None, project: Project, path: Path | None) -> None:
        (show or self.set_project)(project, path)
        if self.project is not project:
            raise RuntimeError("show() must make the project the document (set_project)")

    @staticmethod
    def tidy(path: str | Path) -> None:
        """Remove the temporary files a killed save of ``path`` left beside it."""
        remove_stale_temp_files(path)

    def save_to(self, path: str | Path) -> Path:
        """Write the project to ``path`` (atomic); marks the history clean, removes the side
        files; returns the file written.

        Raises
        ------
        vsm_app.report.target.ExportTargetError
            A name a project is never saved as (not ``.vsm``, a folder, a missing folder).
        OSError
            The file could not be written (it is untouched).
        """
        target = check_target(path, (".vsm",), project_save=True).resolve()
        old_autosave = self.autosave_file()
        save_project(self.project, target)
        log.info("saved %s", target)
        autosave.discard(old_autosave)
        if self._recovered_from is not None:
            autosave.discard(self._recovered_from)
            self._recovered_from = None
        self.path = target
        self.undo_stack.setClean()
        self._autosave_index = self.undo_stack.index()
        self.saved.emit(target)
        return target

    # -- autosave and recovery -------------------------------------------------------------------
    def autosave_file(self) -> Path:
        return autosave.autosave_path(self.path, user_data_dir())

    def autosave_now(self) -> bool:
        """Write the side file if there are changes since the last save/autosave."""
        if not self.is_modified() or self._autosave_index == self.undo_stack.index() \
                and self._recovered_from is None:
            return False
        try:
            autosave.write_autosave(self.project, self.autosave_file())
        except OSError as e:
            self.autosave_failed.emit(str(e))
            return False
        self._autosave_index = self.undo_stack.index()
        return True

    def discard_autosave(self) -> None:
        """Remove the side file (and a recovered one): the work is saved or given up."""
        autosave.discard(self.autosave_file())
        if self._recovered_from is not None:
            autosave.discard(self._recovered_from)
            self._recovered_from = None

    def discard_autosave_if_clean(self) -> None:
        if not self.is_modified():
            self.discard_autosave()

    def pending_recovery(self) -> Path | None:
        """A side file a crash left, newer than the project's file, or None."""
        return autosave.pending_recovery(self.path, user_data_dir())

    def recover_from(self, autosave_file: Path, show: ShowProject | None = None) -> Project:
        """Make the autosaved project the document (through ``show``), as unsaved changes to
        the current path.

        Raises
        ------
        vsm_app.storage.project_file.ProjectFileError
            The side file cannot be read; the document is unchanged.
        """
        project = load_project(autosave_file)
        self._show(show, project, self.path)
        self.mark_recovered(autosave_file)
        return project

    def mark_recovered(self, autosave_file: Path) -> None:
        """The project on show came from ``autosave_file``: unsaved work (the history is never
        clean) whose side file goes when it is saved or given up."""
        self._recovered_from = autosave_file
        self.undo_stack.resetClean()
        self.modified_changed.emit(True)

    def close(self) -> None:
        """The window closes with its work saved or given up: no side file, no timer."""
        self.discard_autosave()
        self.autosave_timer.stop()
