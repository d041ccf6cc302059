"""The data sources panel: the project's repositories and export files, and what each gave.

Rows are the project's :class:`~vsm_app.domain.model.DataSource` list (the model is the truth;
:class:`SourcesModel` is a thin adapter over it and over the controller's last ingest). Per
source: kind, name, format (detected from the content when a file is added), records, linked,
skipped and problems (the ingest's ``SourceReport``, matched by path). Double-click a row (or
click its problems cell) to read the problems.

Adding and removing go through undo commands (:mod:`vsm_app.ui.source_commands`); every
change of the list (undo and redo too) re-ingests. Ingest runs in the controller's worker with
a progress bar and Cancel here; Cancel keeps the previous measurement.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QPalette,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...domain.model import DataSource, Project
from ...domain.tables import SourceReport
from ...ingest.detect import FormatInfo, detect, supported_formats
from ...ingest.errors import ImportProblem
from ...metrics import format as fmt
from ..dialogs import messages
from ..source_commands import (
    AddSourceCommand,
    EditSourceCommand,
    RemoveSourceCommand,
    source_name,
)

#: detected format family → DataSource.kind (review exports go with pull requests)
FAMILY_TO_KIND = {"ci": "ci", "prs": "prs", "reviews": "prs", "deployments": "deployments",
                  "incidents": "incidents"}
KIND_TEXT = {"git": "git repository", "ci": "CI runs", "prs": "pull requests",
             "deployments": "deployments", "incidents": "incidents",
             "items": "work items"}
EXPORT_FILTER = "Exports (*.json *.jsonl *.ndjson *.csv);;All files (*)"
Index = QModelIndex | QPersistentModelIndex


def alert_color(widget: QWidget) -> str:
    """A red that reads on the widget's background (light or dark theme)."""
    dark = widget.palette().color(QPalette.ColorRole.Window).lightnessF() < 0.5
    return "#ff6b6b" if dark else "#c62828"


def _norm(path: str) -> str:
    return os.path.normcase(os.path.realpath(path))


def format_titles() -> dict[str, str]:
    """Format name → title, for every format the importers read."""
    return {f.name: f.title or f.name for f in supported_formats()}


def supported_formats_text() -> str:
    """The readable formats, one family per line (for "unrecognised format" messages)."""
    by_family: dict[str, list[str]] = {}
    for f in supported_formats():
        by_family.setdefault(f.family, []).append(f.title or f.name)
    return "\n".join(f"• {family}: {', '.join(titles)}" for family, titles in by_family.items())


# -- checks (no widgets) ------------------------------------------------------------------------

def check_repository(path: str, branch: str | None = None, subtree: str | None = None
                     ) -> str | None:
    """Why ``path`` cannot be measured as a git repository (None when it can).

    Checks that the folder holds a repository (the folder itself, never a parent), that the
    branch (default: HEAD) has commits, and that the sub-tree is a folder of that branch —
    through the hardened git runner, like the measurement itself.
    """
    from ...ingest.git import repository_problem

    return repository_problem(path, branch, subtree)


def repository_branches(path: str) -> list[str]:
    """Local branch names of the repository at ``path`` ([] when it is not one)."""
    from ...ingest.git import list_branches

    return list_branches(path)


def detect_file(path: str, family: str = "auto") -> tuple[FormatInfo | None, str]:
    """The format of an export file, or (None, why it cannot be read); ``family`` restricts
    the candidates (``items``: read a GitHub issues list as work items, not incidents)."""
    try:
        return detect(path, family), ""
    except ImportProblem as e:
        return None, str(e)
    except OSError as e:
        return None, f"{Path(path).name}: cannot read it ({e.strerror or e})"


def match_reports(sources: Sequence[DataSource], reports: Sequence[SourceReport]
                  ) -> list[SourceReport | None]:
    """The ingest report of each source (by path, in order when a path repeats)."""
    pool: dict[str, list[SourceReport]] = {}
    for r in reports:
        pool.setdefault(_norm(r.path), []).append(r)
    out: list[SourceReport | None] = []
    for s in sources:
        left = pool.get(_norm(s.path))
        out.append(left.pop(0) if left else None)
    return out


# -- the table model ------------------------------------------------------------------------------

class SourcesModel(QAbstractTableModel):
    """The project's sources with what the last ingest found in each (an adapter, no copies)."""

    COLUMNS = ("Source", "Records", "Linked", "Skipped", "⚠")
    SOURCE, RECORDS, LINKED, SKIPPED, PROBLEMS = range(5)

    def __init__(self, controller: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.project: Project | None = None
        self.failure: str = ""  # the last failed ingest's message, until the next success
        self._titles = format_titles()

    def set_project(self, project: Project | None) -> None:
        self.beginResetModel()
        self.project = project
        self.failure = ""
        self.endResetModel()

    def refresh(self) -> None:
        self.beginResetModel()
        self.endResetModel()

    # -- reading -------------------------------------------------------------------------------
    def sources(self) -> list[DataSource]:
        return list(self.project.sources) if self.project is not None else []

    def source(self, row: int) -> DataSource:
        return self.sources()[row]

    def reports(self) -> list[SourceReport | None]:
        data = self.controller.data
        sources = self.sources()
        if data is None:
            return [None] * len(sources)
        return match_reports(sources, data.tables.sources)

    def report(self, row: int) -> SourceReport | None:
        return self.reports()[row]

    def format_text(self, row: int) -> str:
        """The format shown: what the ingest read, else what was detected when added."""
        s = self.source(row)
        if s.kind == "git":
            return "git · " + ", ".join([*([f"branch {s.branch}"] if s.branch else []),
                                         self.tags_text(row)])
        rep = self.report(row)
        name = (rep.format if rep is not None else None) or s.format
        return self._titles.get(name, name) if name else KIND_TEXT.get(s.kind, s.kind)

    def tags_text(self, row: int) -> str:
        """The release tags of a git source: what the last ingest used and matched, else
        the setting (a glob, detected, or none)."""
        s = self.source(row)
        rep = self.report(row)
        found = rep.extra.get("release_tags") if rep is not None else None
        if isinstance(found, dict):
            if found.get("pattern") is None:
                return "no release tags found"
            how = "detected" if found.get("detected") else "given"
            return (f"tags {found['pattern']} ({how}): {fmt.count(found.get('matched', 0))} of "
                    f"{fmt.count(found.get('total', 0))}")
        tags = s.deploy_tags if s.deploy_tags is not None else (
            self.project.settings.deploy_tags if self.project is not None else None)
        if tags == "":
            return "no tag deployments"
        return f"tags {tags}" if tags else "release tags detected automatically"

    def problems(self, row: int) -> list[str]:
        """The problems of one source: its report's, its file errors and a failed ingest's."""
        s = self.source(row)
        rep = self.report(row)
        found: list[str] = list(rep.problems) if rep is not None else []
        data = self.controller.data
        base = Path(s.path).name
        if data is not None:
            found += [e for e in data.import_errors if e.startswith(f"{base}:")]
        if self.failure and (s.path in self.failure or self.failure.startswith(f"{base}:")):
            found.append(f"The last ingest failed: {self.failure}")
        return list(dict.fromkeys(found))

    # -- Qt model --------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.sources())

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return ("The file or repository, and its format", "Records read",
                    "Records linked to a change", "Records skipped (unusable or duplicates)",
                    "Problems (double-click a row to read them)")[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        s = self.source(row)
        if role == Qt.ItemDataRole.DisplayRole:
            if col == self.SOURCE:
                return f"{source_name(s)}\n{self.format_text(row)}"
            rep = self.report(row)
            if col == self.PROBLEMS:
                n = len(self.problems(row))
                return f"⚠ {n}" if n else ("✓" if rep is not None else "")
            if rep is None:
                return "—"
            value = {self.RECORDS: rep.records, self.LINKED: rep.linked,
                     self.SKIPPED: rep.skipped}[col]
            return fmt.count(value)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.PROBLEMS:
                probs = self.problems(row)
                return "\n".join(probs) + "\n(double-click to read)" if probs else "No problems"
            lines = [f"{KIND_TEXT.get(s.kind, s.kind)}: {s.path}",
                     f"Format: {self.format_text(row)}"]
            if s.subtree:
                lines.append(f"Sub-tree: {s.subtree}")
            rep = self.report(row)
            if rep is None:
                lines.append("Not ingested yet")
            else:
                lines.append(f"{fmt.count(rep.records, 'records')}, {fmt.count(rep.linked)} "
                             f"linked to changes, {fmt.count(rep.skipped)} skipped")
                local = self.controller.data.ingested_at.to_pydatetime().astimezone()
                lines.append(f"Last ingest {fmt.date_time(local)}")
            return "\n".join(lines)
        if role == Qt.ItemDataRole.TextAlignmentRole and col != self.SOURCE:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and col == self.PROBLEMS:
            return QColor("#e5484d") if self.problems(row) else QColor("#3f9b62")
        return None


# -- dialogs -------------------------------------------------------------------------------------------

def release_tags_text(scheme: Any) -> str:
    """What a release-tag scheme finds, in one line for the dialog and the panel."""
    if scheme is None:
        return ""
    if scheme.pattern is None:
        return (f"No release tags found ({scheme.total} tag{'s' if scheme.total != 1 else ''}, "
                "none looks like a version such as v1.2.3): no deployments from tags.")
    how = "Detected" if scheme.detected else "Your pattern"
    text = (f"{how}: {scheme.pattern} — {scheme.matched} of {scheme.total} tags are "
            f"releases")
    if scheme.prereleases_left_out:
        text += f" ({scheme.prereleases_left_out} pre-releases left out)"
    text += "."
    if scheme.detected and scheme.other_families:
        shown = ", ".join(f"{p} ({n})" for p, n in scheme.other_families[:3])
        text += f" Other tag families: {shown}."
    return text


class RepositoryForm(QWidget):
    """Folder, branch, release tags and optional sub-tree of a git repository (the fields of
    :class:`RepositoryDialog`, also a page of the guided set-up).

    Release tags: left empty, the repository's scheme is detected (and shown under the
    field, with how many tags it matches); a glob overrides it; *No deployments from tags*
    turns tags off. With ``source`` the form edits that source's settings (its folder is
    fixed).

    Signals
    -------
    path_changed()
        The folder was edited or chosen (branches and tags were read again).
    grown()
        The wrapped line under the tags field needs more room.
    """

    path_changed = Signal()
    grown = Signal()

    def __init__(self, path: str = "", deploy_tags: str | None = None,
                 parent: QWidget | None = None, *, source: DataSource | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.scheme: Any = None  # the release-tag scheme last shown under the field
        if source is not None:
            path, deploy_tags = source.path, source.deploy_tags
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.path_edit = QLineEdit(path)
        self.path_edit.setObjectName("repositoryPathEdit")
        self.path_edit.setPlaceholderText("folder that holds .git")
        self.path_edit.editingFinished.connect(self._path_changed)
        self.browse_button = QPushButton("Browse…")
        self.browse_button.clicked.connect(self._browse)
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        if source is not None:
            self.path_edit.setReadOnly(True)
            self.browse_button.setEnabled(False)
        form.addRow("Repository", row)
        self.branch_combo = QComboBox()
        self.branch_combo.setEditable(True)
        self.branch_combo.lineEdit().setPlaceholderText("default branch (HEAD)")
        form.addRow("Branch", self.branch_combo)
        self.tags_edit = QLineEdit(deploy_tags or "")
        self.tags_edit.setObjectName("releaseTagsEdit")
        self.tags_edit.setPlaceholderText("detected automatically")
        self.tags_edit.setToolTip(
            "Release tags that are production deployments, as a glob (v*, release-*, "
            "pkg@*). Leave empty to use the repository's own release-tag scheme, detected "
            "from its tags. Pre-releases (rc, beta, dev…) never count unless the glob "
            "names them.")
        self.no_tags_check = QCheckBox("No deployments from tags")
        self.no_tags_check.setObjectName("noTagsCheck")
        self.no_tags_check.setChecked(deploy_tags == "")
        tags_row = QHBoxLayout()
        tags_row.addWidget(self.tags_edit, 1)
        tags_row.addWidget(self.no_tags_check)
        form.addRow("Release tags", tags_row)
        self.tags_info = QLabel()
        self.tags_info.setObjectName("releaseTagsInfo")
        self.tags_info.setWordWrap(True)
        form.addRow("", self.tags_info)
        self.subtree_edit = QLineEdit(source.subtree or "" if source is not None else "")
        self.subtree_edit.setPlaceholderText("optional, e.g. services/checkout")
        self.subtree_edit.setToolTip("A monorepo service: only changes touching this folder")
        form.addRow("Sub-tree", self.subtree_edit)
        self.error_label = QLabel()
        self.error_label.setObjectName("errorLabel")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(f"color: {alert_color(self)};")
        self.error_label.hide()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(form)
        lay.addWidget(self.error_label)
        self._tags_timer = QTimer(self)
        self._tags_timer.setSingleShot(True)
        self._tags_timer.setInterval(250)
        self._tags_timer.timeout.connect(self.update_tags_info)
        self.tags_edit.textChanged.connect(lambda _t: self._tags_timer.start())
        self.subtree_edit.editingFinished.connect(self.update_tags_info)
        self.no_tags_check.toggled.connect(self._no_tags_toggled)
        self._fill_branches()
        if source is not None and source.branch:
            self.branch_combo.setEditText(source.branch)
        self._no_tags_toggled(self.no_tags_check.isChecked())

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Git repository", self.path_edit.text())
        if path:
            self.path_edit.setText(path)
            self._path_changed()

    def _path_changed(self) -> None:
        self._fill_branches()
        self.update_tags_info()
        self.path_changed.emit()

    def _fill_branches(self) -> None:
        current = self.branch_combo.currentText()
        self.branch_combo.clear()
        self.branch_combo.addItems(repository_branches(self.path_edit.text().strip()))
        self.branch_combo.setEditText(current)

    def _no_tags_toggled(self, off: bool) -> None:
        self.tags_edit.setEnabled(not off)
        self.update_tags_info()

    def update_tags_info(self) -> None:
        """Show which tags the field's pattern (or the detected scheme) makes deployments."""
        self._tags_timer.stop()
        if self.no_tags_check.isChecked():
            self.tags_info.setText("Tags are not read: deployments come from other sources "
                                   "(deployment exports, CI deploy jobs) or none.")
            self.grown.emit()
            return
        path = self.path_edit.text().strip()
        self.scheme = None
        if not path or not Path(path).expanduser().is_dir():
            self.tags_info.setText("")
            return
        glob = self.tags_edit.text().strip() or None
        subtree = self.subtree_edit.text().strip("/ ") or None
        try:
            from ...ingest.git import GitError, detect_release_tags

            scheme = detect_release_tags(str(Path(path).expanduser()), subtree, glob)
        except GitError as e:
            self.tags_info.setText(str(e))
            return
        self.scheme = scheme
        self.tags_info.setText(release_tags_text(scheme))
        if scheme.detected and scheme.pattern:
            self.tags_edit.setPlaceholderText(f"detected: {scheme.pattern}")
        self.grown.emit()

    def values(self) -> tuple[str, str | None, str | None, str | None]:
        """(path, branch, release-tag glob, sub-tree); an empty branch or sub-tree is None;
        the tags are None (detect), ``""`` (no tag deployments) or a glob."""
        def opt(text: str) -> str | None:
            return text.strip() or None

        tags = "" if self.no_tags_check.isChecked() else opt(self.tags_edit.text())
        return (self.path_edit.text().strip(), opt(self.branch_combo.currentText()),
                tags, opt(self.subtree_edit.text().strip("/ ")))

    def problem(self) -> str | None:
        """Why the form's repository cannot be measured (shown under the form), or None."""
        path, branch, _tags, subtree = self.values()
        problem = check_repository(path, branch, subtree) if path else "Choose a folder."
        self.error_label.setText(problem or "")
        self.error_label.setVisible(bool(problem))
        return problem


class RepositoryDialog(QDialog):
    """Add git repository / Repository settings: a :class:`RepositoryForm` with OK and
    Cancel (OK checks the repository first)."""

    def __init__(self, path: str = "", deploy_tags: str | None = None,
                 parent: QWidget | None = None, *, source: DataSource | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Repository settings" if source is not None
                            else "Add git repository")
        self.setObjectName("repositoryDialog")
        self.form = RepositoryForm(path, deploy_tags, self, source=source)
        self.source = source
        f = self.form
        self.path_edit, self.branch_combo, self.tags_edit = f.path_edit, f.branch_combo, \
            f.tags_edit
        self.no_tags_check, self.tags_info, self.subtree_edit = f.no_tags_check, f.tags_info, \
            f.subtree_edit
        self.error_label = f.error_label
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.form)
        lay.addWidget(buttons)
        self.resize(560, self.sizeHint().height())
        f.grown.connect(self._fit_height)

    @property
    def scheme(self) -> Any:
        return self.form.scheme

    def update_tags_info(self) -> None:
        self.form.update_tags_info()

    def values(self) -> tuple[str, str | None, str | None, str | None]:
        return self.form.values()

    def _fit_height(self) -> None:
        """Grow the dialog when the wrapped line under the tags field needs more room."""
        lay = self.layout()
        if lay is not None:
            lay.activate()
            need = self.heightForWidth(self.width()) if self.hasHeightForWidth() \
                else self.sizeHint().height()
            if need > self.height():
                self.resize(self.width(), need)

    def accept(self) -> None:
        if self.form.problem():
            return
        super().accept()


class ProblemsDialog(QDialog):
    """The problems of one source (or of the whole ingest), as text one can copy."""

    def __init__(self, title: str, lines: Iterable[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("problemsDialog")
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        lines = list(lines)
        self.text.setPlainText("\n\n".join(lines) if lines else "No problems.")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.text)
        lay.addWidget(buttons)
        self.resize(620, 320)


def ask_repository_settings(source: DataSource, parent: QWidget | None
                            ) -> RepositoryDialog | None:
    """The settings dialog of a git source, accepted, or None (replaceable in tests)."""
    dlg = RepositoryDialog(parent=parent, source=source)
    return dlg if dlg.exec() == QDialog.DialogCode.Accepted else None


def ask_repository_folder(parent: QWidget | None) -> str | None:
    """Folder picker for Add repository (replaceable in tests)."""
    path = QFileDialog.getExistingDirectory(parent, "Add git repository")
    return path or None


def ask_export_files(parent: QWidget | None) -> list[str]:
    """File picker for Add files (replaceable in tests)."""
    paths, _ = QFileDialog.getOpenFileNames(parent, "Add export files", "", EXPORT_FILTER)
    return list(paths)


# -- the dock ----------------------------------------------------------------------------------------------

class SourcesDock(QDockWidget):
    """Data sources: list, add (repository, files, drag-and-drop), remove, re-ingest.

    Signals
    -------
    cleared()
        The last source was removed: there is no measurement any more.
    """

    cleared = Signal()
    #: the empty state's "Measure this map…" link (the guided set-up)
    guide_requested = Signal()

    def __init__(self, controller: Any, undo_stack: QUndoStack,
                 parent: QWidget | None = None) -> None:
        super().__init__("Data sources", parent)
        self.setObjectName("dock.sources")
        self.controller = controller
        self.undo_stack = undo_stack
        self.project: Project | None = None
        self.problems_dialog: ProblemsDialog | None = None
        self._task: Any = None
        self._pending = False

        self.model = SourcesModel(controller, self)
        self.table = QTableView()
        self.table.setObjectName("sourcesTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        h = self.table.horizontalHeader()
        h.setSectionResizeMode(SourcesModel.SOURCE, QHeaderView.ResizeMode.Stretch)
        for c in range(1, len(SourcesModel.COLUMNS)):
            h.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.table.doubleClicked.connect(lambda idx: self.show_problems(idx.row()))
        self.table.clicked.connect(self._on_clicked)
        self.table.selectionModel().selectionChanged.connect(self._update_actions)
        self.model.modelReset.connect(self._after_reset)

        self.status_label = QLabel()
        self.status_label.setObjectName("sourcesStatus")
        self.status_label.setWordWrap(True)
        self.status_label.linkActivated.connect(self._on_link)

        def action(name: str, text: str, slot: Any, tip: str, shortcut: str = "") -> QAction:
            a = QAction(text, self)
            a.setObjectName(f"action.{name}")
            a.setToolTip(tip + (f" ({shortcut})" if shortcut else ""))
            a.setStatusTip(tip)
            if shortcut:
                a.setShortcut(QKeySequence(shortcut))
            a.triggered.connect(lambda _=False: slot())
            return a

        self.add_repository_action = action(
            "add_repository", "Add repository…", self.choose_repository,
            "Add a git repository (branch, deploy tags, optional sub-tree)")
        self.add_files_action = action(
            "add_files", "Add files…", self.choose_files,
            "Add CI, pull request, deployment or incident exports (format detected)")
        self.add_tracker_files_action = action(
            "add_tracker_files", "Add tracker files…", self.choose_tracker_files,
            "Add work items from an issue tracker: Jira, GitHub issues, Azure Boards or a "
            "table of status changes (format detected)")
        self.remove_action = action("remove_source", "Remove", self.remove_selected,
                                    "Remove the selected sources")
        self.edit_action = action("edit_source", "Settings…", self.edit_source,
                                  "Change the selected repository's branch, release tags or "
                                  "sub-tree")
        self.reingest_action = action("reingest", "Re-ingest", self.reingest,
                                      "Read every source again", "Ctrl+R")
        self.cancel_action = action("cancel_ingest", "Cancel", self.cancel,
                                    "Stop the ingest; the previous measurement stays")
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        for a in (self.add_repository_action, self.add_files_action, self.edit_action,
                  self.remove_action, self.reingest_action):
            b = QToolButton()
            b.setDefaultAction(a)
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            buttons.addWidget(b)
        buttons.addStretch(1)

        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("ingestProgress")
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(True)
        self.cancel_button = QToolButton()
        self.cancel_button.setDefaultAction(self.cancel_action)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress_bar, 1)
        progress_row.addWidget(self.cancel_button)
        self.progress_widget = QWidget()
        self.progress_widget.setLayout(progress_row)
        progress_row.setContentsMargins(0, 0, 0, 0)
        # keep its room while hidden: showing it must not resize the dock, which would
        # re-lay out the window and repaint every chart (a GUI stall on each re-ingest)
        policy = self.progress_widget.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.progress_widget.setSizePolicy(policy)
        self.progress_widget.hide()

        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(buttons)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.progress_widget)
        lay.addWidget(self.status_label)
        self.setWidget(body)
        self.setAcceptDrops(True)

        controller.progress.connect(self._on_progress)
        controller.measured.connect(self._on_measured)
        controller.failed.connect(self._on_failed)
        controller.cancelled.connect(self._on_cancelled)
        self._update_actions()
        self._show_status()

    # -- project --------------------------------------------------------------------------------
    def set_project(self, project: Project | None) -> None:
        """Show ``project``'s sources and follow their changes."""
        if self.project is not None:
            self.project.sources_changed.disconnect(self._on_sources_changed)
        self.project = project
        if project is not None:
            project.sources_changed.connect(self._on_sources_changed)
        self.model.set_project(project)
        self._show_status()

    def _on_sources_changed(self) -> None:
        self.model.refresh()
        self.request_ingest(restart=True)

    def _after_reset(self) -> None:
        self.table.resizeRowsToContents()
        self._update_actions()

    def _update_actions(self, *_args: Any) -> None:
        has_project = self.project is not None
        for a in (self.add_repository_action, self.add_files_action,
                  self.add_tracker_files_action):
            a.setEnabled(has_project)
        rows = self.selected_rows()
        self.remove_action.setEnabled(bool(rows))
        self.edit_action.setEnabled(len(rows) == 1 and rows[0] < self.model.rowCount()
                                    and self.model.source(rows[0]).kind == "git")
        self.reingest_action.setEnabled(bool(self.project and self.project.sources))

    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.table.selectionModel().selectedRows()})

    # -- adding and removing (one undo step each) -------------------------------------------
    def _push(self, commands: list[Any], text: str) -> None:
        if len(commands) == 1:
            self.undo_stack.push(commands[0])
        elif commands:
            self.undo_stack.beginMacro(text)
            try:
                for c in commands:
                    self.undo_stack.push(c)
            finally:
                self.undo_stack.endMacro()

    def _has_path(self, path: str, subtree: str | None = None) -> bool:
        assert self.project is not None
        return any(_norm(s.path) == _norm(path) and (s.subtree or None) == subtree
                   for s in self.project.sources)

    def add_repository(self, path: str, branch: str | None = None,
                       deploy_tags: str | None = None, subtree: str | None = None,
                       ) -> DataSource | None:
        """Add a git repository after checking it; a message says why when it cannot be."""
        if self.project is None:
            return None
        path = str(Path(path).expanduser().resolve())
        problem = check_repository(path, branch, subtree)
        if problem is None and self._has_path(path, subtree):
            problem = f"{Path(path).name} is already a data source of this project."
        if problem is not None:
            messages.error(self, "Add repository", "Cannot add this repository.", problem)
            return None
        src = DataSource(kind="git", path=path, branch=branch or None,
                         deploy_tags=deploy_tags, subtree=subtree or None, format="git")
        self._push([AddSourceCommand(self.project, src)], "Add repository")
        return src

    def add_tracker_files(self, paths: Iterable[str]) -> list[DataSource]:
        """Add issue-tracker exports as work items (issue 18): like :meth:`add_files`, the
        format recognised from the content among the tracker formats only (so a GitHub
        issues list is read as work items, not as incidents); one undo step."""
        return self.add_files(paths, family="items")

    def choose_tracker_files(self) -> list[DataSource]:
        paths = ask_export_files(self)
        return self.add_tracker_files(paths) if paths else []

    def add_files(self, paths: Iterable[str], family: str = "auto") -> list[DataSource]:
        """Add export files, each format detected from its content; unreadable ones are
        listed in one message (with the supported formats) and not added."""
        if self.project is None:
            return []
        added: list[DataSource] = []
        problems: list[str] = []
        unrecognised = False
        for p in paths:
            path = str(Path(p).expanduser().resolve())
            if Path(path).is_dir():
                problems.append(f"{Path(path).name}: a folder (use Add repository for git)")
                continue
            if self._has_path(path) or any(_norm(s.path) == _norm(path) for s in added):
                problems.append(f"{Path(path).name}: already a data source of this project")
                continue
            info, why = detect_file(path, family)
            if info is None:
                unrecognised = unrecognised or "unrecognised format" in why
                problems.append(why)
                continue
            added.append(DataSource(kind=FAMILY_TO_KIND.get(info.family, info.family),
                                    path=path, format=info.name))
        self._push([AddSourceCommand(self.project, s) for s in added],
                   f"Add {len(added)} data sources")
        if problems:
            n = len(problems)
            text = (f"{n} file{'s were' if n > 1 else ' was'} not added."
                    if added else "Nothing was added.")
            details = "\n".join(problems)
            if unrecognised:
                details += "\n\nSupported formats (recognised from the content):\n" + \
                    supported_formats_text()
            messages.error(self, "Add files", text, details)
        return added

    def remove_sources(self, source_ids: Iterable[str]) -> None:
        """Remove sources by id (one undo step)."""
        if self.project is None:
            return
        ids = list(source_ids)
        self._push([RemoveSourceCommand(self.project, i) for i in ids],
                   f"Remove {len(ids)} data sources")

    def remove_selected(self) -> None:
        srcs = self.model.sources()
        self.remove_sources([srcs[r].id for r in self.selected_rows()])

    def choose_repository(self, path: str | None = None) -> DataSource | None:
        """Add repository…: pick a folder, then branch, deploy tags and sub-tree."""
        if self.project is None:
            return None
        if path is None:
            path = ask_repository_folder(self)
            if path is None:
                return None
        dlg = RepositoryDialog(path, None, self)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return None
        p, branch, tags, subtree = dlg.values()
        return self.add_repository(p, branch, tags, subtree)

    def edit_source(self, row: int | None = None) -> bool:
        """Change a git source's branch, release tags or sub-tree (one undo step).

        Returns True when the settings changed (the measurement is read again)."""
        if self.project is None:
            return False
        rows = self.selected_rows() if row is None else [row]
        if len(rows) != 1:
            return False
        src = self.model.source(rows[0])
        if src.kind != "git":
            return False
        dlg = ask_repository_settings(src, self)
        if dlg is None:
            return False
        _path, branch, tags, subtree = dlg.values()
        return self.apply_source_settings(src.id, branch=branch, deploy_tags=tags,
                                          subtree=subtree)

    def apply_source_settings(self, source_id: str, **changes: Any) -> bool:
        """Push one undo command changing a source's settings (when they differ)."""
        assert self.project is not None
        src = next(s for s in self.project.sources if s.id == source_id)
        if all(getattr(src, k) == v for k, v in changes.items()):
            return False
        self.undo_stack.push(EditSourceCommand(self.project, source_id, **changes))
        return True

    def choose_files(self) -> list[DataSource]:
        paths = ask_export_files(self)
        return self.add_files(paths) if paths else []

    # -- drag and drop ----------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if self.project is not None and mime.hasUrls() and \
                any(u.isLocalFile() for u in mime.urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        event.acceptProposedAction()
        self.drop_paths(paths)

    def drop_paths(self, paths: Sequence[str]) -> None:
        """Dropped files are added as exports; a dropped folder opens Add repository."""
        folders = [p for p in paths if Path(p).is_dir()]
        files = [p for p in paths if not Path(p).is_dir()]
        if files:
            self.add_files(files)
        for folder in folders[:1]:
            from PySide6.QtCore import QTimer

            QTimer.singleShot(0, self, lambda f=folder: self.choose_repository(f))

    # -- ingest -----------------------------------------------------------------------------------
    def is_ingesting(self) -> bool:
        return self._task is not None and self._task.is_running()

    def request_ingest(self, restart: bool = False) -> Any:
        """Start an ingest (a running one is kept, or restarted when ``restart``).

        Without sources the measurement is dropped and :attr:`cleared` emitted.
        """
        if self.is_ingesting():
            if restart:
                self._pending = True
                self.controller.cancel()
            return self._task
        self._pending = False
        if self.project is None or not self.project.sources:
            if self.controller.data is not None:
                self.controller.set_project(self.project, self.controller.vsm_map)
                self.model.refresh()
                self.cleared.emit()
            self._show_status()
            return None
        task = self.controller.ingest()
        self._task = task
        if task is not None:
            task.done.connect(self._on_task_done)
            self.model.failure = ""
            self._show_progress(0.0, "starting")
        return task

    def reingest(self) -> Any:
        return self.request_ingest()

    def cancel(self) -> None:
        self._pending = False
        self.controller.cancel()

    def _on_task_done(self) -> None:
        self.progress_widget.hide()
        if self._pending:
            self._pending = False
            self.request_ingest()

    def _show_progress(self, fraction: float, message: str) -> None:
        self.progress_widget.show()
        self.progress_bar.setValue(round(max(0.0, min(1.0, fraction)) * 1000))
        self.progress_bar.setFormat(f"{fraction:.0%}  {message}")

    def _on_progress(self, fraction: float, message: str) -> None:
        self._show_progress(fraction, message)

    def _on_measured(self, _data: Any) -> None:
        self.model.failure = ""
        self.model.refresh()
        self._show_status()

    def _on_failed(self, message: str, _details: str) -> None:
        if not self.is_ingesting():
            return  # a failed re-analysis of a window: the main window reports it
        self.model.failure = message
        self.model.refresh()
        self._show_status()

    def _on_cancelled(self) -> None:
        if not self._pending:
            self._show_status("Ingest cancelled; the previous measurement is kept.")

    def _show_status(self, note: str = "") -> None:
        if self.project is None or not self.project.sources:
            link = self.palette().color(QPalette.ColorRole.Highlight).name()
            self.status_label.setText(
                f"No data sources yet: <a href='guide' style='color:{link}'>Measure this "
                "map…</a> walks you through it; or add a git repository or export files (or "
                "drop them here).")
            return
        parts: list[str] = []
        if note:
            parts.append(note)
        if self.model.failure:
            parts.append(f"<span style='color:{alert_color(self)}'>Last ingest failed: "
                         f"{_html(self.model.failure)}</span>")
        data = self.controller.data
        if data is not None:
            local = data.ingested_at.to_pydatetime().astimezone()
            parts.append(f"Last ingest {fmt.date_time(local)} · "
                         f"{fmt.count(len(data.tables.changes), 'changes')}")
            problems = [p for row in range(self.model.rowCount())
                        for p in self.model.problems(row)] + list(data.import_errors)
            n_problems = len(dict.fromkeys(problems))
            n_warnings = len([w for w in dict.fromkeys(data.tables.warnings)
                              if w not in problems])
            counts = [f"{n} {word}{'s' if n > 1 else ''}" for n, word in
                      ((n_problems, "problem"), (n_warnings, "warning")) if n]
            if counts:
                link = self.palette().color(QPalette.ColorRole.Highlight).name()
                parts.append(f"<a href='problems' style='color:{link}'>"
                             f"{', '.join(counts)}…</a>")
        elif not parts:
            parts.append("Not measured yet.")
        self.status_label.setText(" · ".join(parts))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.StyleChange):
            self._show_status()  # link and alert colours follow the theme

    def _on_link(self, link: str) -> None:
        if link == "guide":
            self.guide_requested.emit()
        else:
            self.show_all_problems()

    # -- problems ------------------------------------------------------------------------------
    def _on_clicked(self, index: QModelIndex) -> None:
        if index.column() == SourcesModel.PROBLEMS and self.model.problems(index.row()):
            self.show_problems(index.row())

    def all_problems(self) -> list[str]:
        """Every source's problems, file errors and the ingest's warnings."""
        data = self.controller.data
        found: list[str] = []
        for row in range(self.model.rowCount()):
            found += self.model.problems(row)
        if data is not None:
            found += list(data.import_errors) + list(data.tables.warnings)
        return list(dict.fromkeys(found))

    def show_problems(self, row: int) -> ProblemsDialog:
        """A (non-modal) dialog listing one source's problems and the ingest's warnings."""
        s = self.model.source(row)
        lines = self.model.problems(row)
        data = self.controller.data
        if data is not None and data.tables.warnings:
            lines = lines + ["Warnings of the whole ingest:"] + [
                w for w in data.tables.warnings if w not in lines]
        return self._show_dialog(f"Problems: {source_name(s)}", lines)

    def show_all_problems(self) -> ProblemsDialog:
        return self._show_dialog("Data problems", self.all_problems())

    def _show_dialog(self, title: str, lines: list[str]) -> ProblemsDialog:
        if self.problems_dialog is not None:
            self.problems_dialog.close()
        self.problems_dialog = ProblemsDialog(title, lines, self)
        self.problems_dialog.show()
        return self.problems_dialog


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
