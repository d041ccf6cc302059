"""Measure ▸ Groups…: the project's teams and services (issue 21), edited as one undo step.

A group is defined by **where the work is**, never by who did it: repositories of the project,
CODEOWNERS-style path patterns (a sub-tree is a pattern: ``packages/vite/``), or a CODEOWNERS
**team** (``@org/team``, from the project's CODEOWNERS file). A personal handle (``@someone``)
or an e-mail address is refused with the reason, by the same checks the project file and the
manifest use (:func:`vsm_app.domain.groups.make_group`). OK pushes one
:class:`GroupsCommand` on the window's undo stack; the groups are saved in the ``.vsm``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..domain.groups import (
    GROUP_KINDS,
    CodeOwners,
    Group,
    GroupError,
    check_groups,
    make_group,
    parse_codeowners,
)
from ..domain.model import Project


class GroupsCommand(QUndoCommand):
    """Replace the project's groups (and CODEOWNERS file) — one undoable step."""

    def __init__(self, project: Project, groups: list[Group], codeowners: str | None,
                 changed: Callable[[], None] | None = None) -> None:
        super().__init__("Edit groups")
        self.project = project
        self.before = (list(project.groups), project.codeowners)
        self.after = (list(groups), codeowners)
        self.changed = changed

    def _apply(self, state: tuple[list[Group], str | None]) -> None:
        self.project.groups = list(state[0])
        self.project.codeowners = state[1]
        if self.changed is not None:
            self.changed()

    def redo(self) -> None:
        self._apply(self.after)

    def undo(self) -> None:
        self._apply(self.before)


def repository_labels(project: Project) -> list[str]:
    """The ``repo`` label of each git source, as the measurement names it."""
    from ..pipeline import RepoInput, repo_labels

    return repo_labels([RepoInput(s.path, s.subtree, s.branch) for s in project.sources
                        if s.kind == "git"])


class _Draft:
    """A group being edited: the raw fields as typed (checked on every change)."""

    def __init__(self, g: Group | None = None, name: str = "") -> None:
        self.name = g.name if g else name
        self.kind = g.kind if g else "team"
        self.repositories = list(g.repositories) if g else []
        self.paths = "\n".join(g.paths) if g else ""
        self.owner = g.owner or "" if g else ""

    def build(self, where: str) -> Group:
        paths = [p for p in (line.strip() for line in self.paths.splitlines()) if p]
        return make_group(self.name, self.kind, self.repositories, paths,
                          self.owner.strip() or None, where=where)


class GroupsDialog(QDialog):
    """List of groups on the left, the selected group's definition on the right."""

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Groups: teams and services")
        self.setObjectName("dialog.groups")
        self.project = project
        self.labels = repository_labels(project)
        self.drafts = [_Draft(g) for g in project.groups]
        self.codeowners_path: str | None = project.codeowners
        self.codeowners: CodeOwners | None = None
        self._loading = False

        self.list = QListWidget(self)
        self.list.setObjectName("groups.list")
        self.list.currentRowChanged.connect(self._show)
        add = QPushButton("&Add", self)
        add.clicked.connect(self.add_group)
        self.remove = QPushButton("&Remove", self)
        self.remove.clicked.connect(self.remove_group)
        left = QVBoxLayout()
        left.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(self.remove)
        left.addLayout(row)

        self.name = QLineEdit(self)
        self.name.setPlaceholderText("payments, web, platform…")
        self.kind = QComboBox(self)
        self.kind.addItems(list(GROUP_KINDS))
        self.repos = QListWidget(self)
        self.repos.setObjectName("groups.repositories")
        for label in self.labels:
            it = QListWidgetItem(label, self.repos)
            it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            it.setCheckState(Qt.CheckState.Unchecked)
        self.repos.setMaximumHeight(110)
        self.paths = QPlainTextEdit(self)
        self.paths.setObjectName("groups.paths")
        self.paths.setPlaceholderText("One CODEOWNERS-style pattern a line:\n"
                                      "packages/vite/\n*.proto\n/docs/")
        self.paths.setMaximumHeight(110)
        self.owner = QComboBox(self)
        self.owner.setEditable(True)
        self.owner.setObjectName("groups.owner")
        self.owner.lineEdit().setPlaceholderText("@org/team (needs a CODEOWNERS file)")
        self.codeowners_label = QLabel(self)
        self.codeowners_label.setWordWrap(True)
        choose = QPushButton("CODEOWNERS &file…", self)
        choose.clicked.connect(self.choose_codeowners)
        own_row = QHBoxLayout()
        own_row.addWidget(self.owner, 1)
        own_row.addWidget(choose)
        form = QFormLayout()
        form.addRow("&Name", self.name)
        form.addRow("&Kind", self.kind)
        form.addRow("Re&positories", self.repos)
        form.addRow("", QLabel("None ticked: every repository.", self))
        form.addRow("&Paths", self.paths)
        form.addRow("&Owner team", own_row)
        form.addRow("", self.codeowners_label)
        self.form = QWidget(self)
        self.form.setLayout(form)

        self.problem = QLabel(self)
        self.problem.setObjectName("groups.problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b3261e;")
        note = QLabel("A group is a team or a service, defined by where the work is — "
                      "repositories, paths or a CODEOWNERS team — never by a person. A change "
                      "may belong to several groups (docs/metrics.md §15).", self)
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addWidget(self.form, 2)
        lay = QVBoxLayout(self)
        lay.addWidget(note)
        lay.addLayout(body, 1)
        lay.addWidget(self.problem)
        lay.addWidget(self.buttons)

        for sig in (self.name.textChanged, self.kind.currentTextChanged,
                    self.paths.textChanged, self.owner.editTextChanged):
            sig.connect(self._store)
        self.repos.itemChanged.connect(self._store)
        self._read_codeowners()
        self._refill_list()
        self.list.setCurrentRow(0 if self.drafts else -1)
        self._show(self.list.currentRow())
        self.validate()
        self.resize(720, 480)

    # -- the list ---------------------------------------------------------------------------
    def _refill_list(self) -> None:
        row = self.list.currentRow()
        self.list.blockSignals(True)
        self.list.clear()
        for d in self.drafts:
            self.list.addItem(d.name or "(unnamed)")
        self.list.blockSignals(False)
        if self.drafts:
            self.list.setCurrentRow(min(max(row, 0), len(self.drafts) - 1))

    def add_group(self) -> None:
        n = len(self.drafts) + 1
        names = {d.name for d in self.drafts}
        while f"group {n}" in names:
            n += 1
        self.drafts.append(_Draft(name=f"group {n}"))
        self._refill_list()
        self.list.setCurrentRow(len(self.drafts) - 1)
        self.name.setFocus()
        self.name.selectAll()
        self.validate()

    def remove_group(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.drafts):
            del self.drafts[row]
            self._refill_list()
            self._show(self.list.currentRow())
            self.validate()

    # -- the form ---------------------------------------------------------------------------
    def _show(self, row: int) -> None:
        has = 0 <= row < len(self.drafts)
        self.form.setEnabled(has)
        self.remove.setEnabled(has)
        self._loading = True
        d = self.drafts[row] if has else _Draft()
        self.name.setText(d.name)
        self.kind.setCurrentText(d.kind)
        for i in range(self.repos.count()):
            it = self.repos.item(i)
            it.setCheckState(Qt.CheckState.Checked if it.text() in d.repositories
                             else Qt.CheckState.Unchecked)
        self.paths.setPlainText(d.paths)
        self.owner.setEditText(d.owner)
        self._loading = False

    def _store(self, *_args: Any) -> None:
        if self._loading:
            return
        row = self.list.currentRow()
        if not 0 <= row < len(self.drafts):
            return
        d = self.drafts[row]
        d.name = self.name.text()
        d.kind = self.kind.currentText()
        d.repositories = [self.repos.item(i).text() for i in range(self.repos.count())
                          if self.repos.item(i).checkState() == Qt.CheckState.Checked]
        d.paths = self.paths.toPlainText()
        d.owner = self.owner.currentText()
        item = self.list.item(row)
        if item is not None:
            item.setText(d.name or "(unnamed)")
        self.validate()

    # -- CODEOWNERS -------------------------------------------------------------------------
    def choose_codeowners(self) -> None:
        start = self.codeowners_path or ""
        path, _ = QFileDialog.getOpenFileName(self, "CODEOWNERS file", start)
        if path:
            self.set_codeowners(path)

    def set_codeowners(self, path: str | None) -> None:
        self.codeowners_path = path or None
        self._read_codeowners()
        self.validate()

    def _read_codeowners(self) -> None:
        self.codeowners = None
        current = self.owner.currentText()
        self.owner.blockSignals(True)
        self.owner.clear()
        if self.codeowners_path:
            try:
                text = Path(self.codeowners_path).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as e:
                self.codeowners_label.setText(
                    f"{self.codeowners_path}: cannot read it "
                    f"({getattr(e, 'strerror', None) or e})")
            else:
                self.codeowners = parse_codeowners(text, self.codeowners_path)
                teams = self.codeowners.teams()
                self.owner.addItems(teams)
                ignored = self.codeowners.people_ignored
                self.codeowners_label.setText(
                    f"{self.codeowners_path}: {len(teams)} team(s)"
                    + (f"; {ignored} personal owner(s) ignored" if ignored else ""))
        else:
            self.codeowners_label.setText("No CODEOWNERS file.")
        self.owner.setEditText(current)
        self.owner.blockSignals(False)

    # -- checking ---------------------------------------------------------------------------
    def groups(self) -> list[Group]:
        """The groups as defined; :class:`GroupError` names the first problem."""
        out = []
        for i, d in enumerate(self.drafts):
            label = d.name.strip() or f"group {i + 1}"
            try:
                out.append(d.build(where=""))
            except GroupError as e:
                raise GroupError(label, f"{e.where.lstrip('.') or 'name'}: {e.message}") \
                    from None
        try:
            check_groups(out, self.labels, self.codeowners is not None, where="")
        except GroupError as e:
            k = int(e.where.split("]")[0].lstrip("[")) if e.where.startswith("[") else 0
            name = out[k].name if 0 <= k < len(out) else ""
            field = e.where.split("].", 1)[1] if "]." in e.where else ""
            raise GroupError(name, f"{field}: {e.message}" if field else e.message) from None
        return out

    def validate(self) -> bool:
        try:
            self.groups()
        except GroupError as e:
            self.problem.setText(str(e))
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
            return False
        self.problem.setText("")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)
        return True

    def accept(self) -> None:
        if self.validate():
            super().accept()


def edit_groups(window: Any, changed: Callable[[], None] | None = None) -> bool:
    """Open the dialog on ``window``'s project; on OK push one undoable command."""
    project = window.project
    dlg = GroupsDialog(project, window)
    if dlg.exec() != QDialog.DialogCode.Accepted:
        return False
    groups = dlg.groups()
    if groups == project.groups and dlg.codeowners_path == project.codeowners:
        return False
    window.undo_stack.push(GroupsCommand(project, copy.copy(groups), dlg.codeowners_path,
                                         changed))
    return True
