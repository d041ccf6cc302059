"""Data ▸ Measure this map…: the guided set-up of measuring (issue 17, item 6).

Four pages, nothing applied before Finish:

1. **Repository**: a :class:`~vsm_app.ui.docks.sources.RepositoryForm` (folder, branch, the
   release-tag pattern detected from the tags, editable, with how many tags it matches); the
   folder is checked (a git repository with commits; a shallow clone is warned about).
2. **Exports**: CI runs, pull requests, deployments, incidents and tracker work items. Each
   file is read once in a worker (progress and Cancel): its detected format and record count
   are listed; a file that cannot be read is not added and its located problem (file, line or
   record) is shown. With deployment or CI files, the production environments (the project's
   measurement setting) are editable here.
3. **Events**: a quick ingest of every source in a worker (the measurement service itself,
   :func:`vsm_app.services.measure.ingest_and_prepare`) lists which events the data holds,
   with how many changes have each, what is missing and what would give it, and the tracker
   statuses found with their items.
4. **Bindings**: a proposal for each stage of the map that uses only the events the data holds
   (:func:`propose`), editable per stage (from event, to event, kind; tracker statuses), with
   what each gives on the quick ingest; a stage left unmeasured says so and what data would
   measure it.

Finish applies the sources, the production environments and the bindings as **one** undo
command (a macro on the project's undo stack, so the project is marked modified) and the
measurement follows (the sources dock re-ingests on every change of the sources; the overlay
re-prepares when the bindings differ). The sources stay editable in the Data sources panel
and the bindings in Map ▸ Bind stages to data…. Cancel changes nothing.

The proposal rule (also in docs/metrics.md §4a)
-----------------------------------------------
For each stage, the first of these that gives a segment is proposed:

* its current segments, else each template's segments for a stage of that name in turn (the
  defaults of Map ▸ Bind stages to data…, software-delivery first, then trunk-based, the
  release train and regulated), **adapted to the data**: the segments' events, in order,
  keep only those the data holds (at least one change has it); consecutive kept events make
  the segments, each of the kind of the segment that started at its first event. Coding
  ``first_commit → pr_opened`` without pull requests keeps nothing (one event), so the
  trunk-based template's Coding ``first_commit → merged`` (work) is proposed; Release
  ``merged → deploy_started → deployed`` with release tags only (no start time) becomes one
  wait ``merged → deployed``.
* with work items loaded and no segment: the stage's current statuses found in the data, else
  the statuses of the board column named like the stage, else a status named like the stage
  (``Review`` → ``Review`` or ``In Review``). A status goes to one stage only.

Otherwise the stage is left unmeasured, with the data that would give its events
(:func:`vsm_app.analysis.coverage.source_of`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from ...analysis.coverage import source_of
from ...domain.items import norm_name
from ...domain.model import DataSource, Project, Segment, SegmentKind, Stage, StatusBinding
from ...domain.model import ValueStreamMap as Map
from ...domain.tables import EVENTS
from ...metrics import format as fmt
from ..commands import SetStageFieldsCommand
from ..docks.sources import (
    FAMILY_TO_KIND,
    KIND_TEXT,
    RepositoryForm,
    _html,
    _norm,
    alert_color,
    ask_export_files,
    detect_file,
    format_titles,
)
from ..source_commands import (
    AddSourceCommand,
    EditSourceCommand,
    MeasurementSettingsCommand,
    source_name,
)
from ..workers import Task
from .bindings import (
    EVENT_HELP,
    TEMPLATE_BINDINGS,
    BindingPreviewer,
    stats_text,
    template_segments,
)
from .measurement_settings import parse_names

#: kind combo: data → text
KINDS = {"wait": "wait", "active": "work (active)"}
AS_PROPOSED = "proposed"


# -- what the data holds, and the proposals (no widgets) ------------------------------------

def event_counts(data: Any) -> dict[str, int]:
    """Changes that have each event in a measurement (``MeasuredData``), every event the
    preparation knows (DESIGN §3's, then the loaded ones such as ``deployed:staging``)."""
    present = data.prepared.event_present
    names = list(dict.fromkeys([*EVENTS, *(str(c) for c in present.columns)]))
    return {e: int(present[e].sum()) if e in present else 0 for e in names}


def statuses_in(data: Any) -> pd.DataFrame:
    """The tracker statuses of a measurement with their items (empty without work items)."""
    from ...analysis.items import statuses_found

    return statuses_found(data.tables)


def board_statuses(data: Any) -> dict[str, list[str]]:
    """Board column name (normalised) → its statuses, from a loaded board configuration."""
    board = data.tables.board_columns
    if board is None or board.empty or "name" not in board or "statuses" not in board:
        return {}
    return {norm_name(str(n)): [str(s) for s in (st if st is not None else ())]
            for n, st in zip(board["name"], board["statuses"], strict=True)}


def _kind_of(seg: Segment) -> SegmentKind:
    return seg.kind if isinstance(seg.kind, SegmentKind) else SegmentKind(str(seg.kind))


def adapt(segments: Sequence[Segment], available: Iterable[str]) -> list[Segment]:
    """The segments over the events the data holds (see the module's proposal rule).

    A chain (each segment starts where the previous ended) keeps its available events in
    order and joins consecutive ones; other segments are kept when both ends are available.
    """
    have = set(available)
    segs = list(segments)
    if not segs:
        return []
    chained = all(a.to_event == b.from_event for a, b in zip(segs, segs[1:], strict=False))
    if not chained:
        return [s for s in segs if s.from_event in have and s.to_event in have]
    events = [segs[0].from_event, *(s.to_event for s in segs)]
    kind_at = {s.from_event: _kind_of(s) for s in segs}
    kept = [e for e in events if e in have]
    return [Segment(a, b, kind_at.get(a, SegmentKind.WAIT)) for a, b in zip(kept, kept[1:],
                                                                              strict=False)]


@dataclass
class Proposal:
    """What the wizard proposes for one stage, how it came to it, and what is missing."""

    segments: list[Segment] = field(default_factory=list)
    statuses: list[StatusBinding] = field(default_factory=list)
    how: str = ""
    #: why the stage stays unmeasured ("" when it is measured)
    missing: str = ""

    @property
    def measured(self) -> bool:
        return bool(self.segments or self.statuses)


def templates_of(stage_name: str) -> list[tuple[str, list[Segment]]]:
    """Every template's segments for a stage of this name (case-insensitive), in the order
    Map ▸ Bind stages to data… looks them up, as (template name, segments)."""
    key = " ".join(stage_name.split()).lower()
    names = ("software-delivery", "trunk-based", "pr-release-train", "regulated")
    return [(n, list(segs)) for n, bindings in zip(names, TEMPLATE_BINDINGS, strict=True)
            for name, segs in bindings.items() if name.lower() == key]


def _missing_text(segments: Sequence[Segment], available: set[str], stage: str) -> str:
    if not segments:
        return (f"No default binding for a stage named {stage!r}: choose its events or "
                f"tracker statuses.")
    needed = [e for s in segments for e in (s.from_event, s.to_event) if e not in available]
    sources = list(dict.fromkeys(source_of(e) for e in needed))
    return "Not measured: add " + " and ".join(sources) + " to measure it."


def propose(stages: Sequence[Stage], counts: dict[str, int],
            statuses: Sequence[str] = (), board: dict[str, list[str]] | None = None
            ) -> dict[str, Proposal]:
    """Stage id → its proposal over the events the data holds (``counts`` > 0) and the
    tracker statuses found (see the module's proposal rule)."""
    available = {e for e, n in counts.items() if n > 0}
    found = {norm_name(s): s for s in statuses}
    taken: set[str] = set()
    board = board or {}
    out: dict[str, Proposal] = {}
    for stage in stages:
        template = template_segments(stage.name) or []
        candidates = [(list(stage.segments), "its current binding"),
                      *((segs, f"the {name} template's binding")
                        for name, segs in templates_of(stage.name))]
        prop = Proposal()
        for segs, how in candidates:
            adapted = adapt(segs, available)
            if adapted:
                same = adapted == segs
                prop = Proposal(adapted, [], how + ("" if same else ", adapted to the data"))
                break
        if not prop.measured and found:
            key = norm_name(stage.name)
            current = [b for b in stage.statuses if norm_name(b.status) in found]
            column = [StatusBinding(found[norm_name(s)]) for s in board.get(key, [])
                      if norm_name(s) in found]
            named = [StatusBinding(found[k]) for k in (key, f"in {key}") if k in found]
            for binds, how in ((current, "its current tracker statuses"),
                               (column, f"the statuses of the board column {stage.name!r}"),
                               (named, "the tracker status named like the stage")):
                free = [b for b in binds if norm_name(b.status) not in taken]
                if free:
                    prop = Proposal([], free, how)
                    break
        if not prop.measured:
            prop.missing = _missing_text(stage.segments or template, available, stage.name)
        taken |= {norm_name(b.status) for b in prop.statuses}
        out[stage.id] = prop
    return out


# -- the worker row (progress and Cancel) -----------------------------------------------------

class _WorkRow(QWidget):
    """A progress bar with Cancel for the page's one running task; ``ended`` when it ended
    (finished, failed or cancelled: the page's Next follows)."""

    ended = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.task: Task | None = None
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("wizardCancelWork")
        self.cancel_button.clicked.connect(self.cancel)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.bar, 1)
        lay.addWidget(self.cancel_button)
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)
        self.hide()

    def run(self, fn: Any, finished: Any, failed: Any, cancelled: Any) -> Task:
        self.cancel()
        task = Task(fn, self)
        task.progress.connect(self._progress)
        task.finished.connect(finished)
        task.failed.connect(failed)
        task.cancelled.connect(cancelled)
        task.done.connect(self._done)
        self.task = task
        self._progress(0.0, "starting")
        self.show()
        task.start()
        return task

    def busy(self) -> bool:
        return self.task is not None and self.task.is_running()

    def cancel(self) -> None:
        if self.busy():
            assert self.task is not None
            self.task.cancel()

    def wait(self, timeout_ms: int = 60_000) -> None:
        if self.task is not None:
            self.task.wait(timeout_ms)

    def _progress(self, fraction: float, message: str) -> None:
        self.bar.setValue(round(max(0.0, min(1.0, fraction)) * 1000))
        self.bar.setFormat(f"{fraction:.0%}  {message}")

    def _done(self) -> None:
        self.hide()
        self.ended.emit()


def _table(name: str, headers: Sequence[str], stretch: int, rows: bool = False
           ) -> QTableWidget:
    """A read-only table: ``stretch`` takes the room left; ``rows`` lets rows be selected."""
    t = QTableWidget(0, len(headers))
    t.setObjectName(name)
    t.setHorizontalHeaderLabels(list(headers))
    t.verticalHeader().hide()
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    if rows:
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    else:
        t.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    h = t.horizontalHeader()
    for c in range(len(headers)):
        h.setSectionResizeMode(c, QHeaderView.ResizeMode.Stretch if c == stretch
                               else QHeaderView.ResizeMode.ResizeToContents)
    return t


class _Page(QWizardPage):
    """A page of the wizard: its title and the sentence under it."""

    def __init__(self, wizard: MeasureWizard, title: str, subtitle: str) -> None:
        super().__init__(wizard)
        self.w = wizard
        self.setTitle(title)
        self.setSubTitle(subtitle)


# -- page 1: the repository ------------------------------------------------------------------

class RepositoryPage(_Page):
    """The git repository: folder (checked), branch, release tags (detected, editable)."""

    def __init__(self, wizard: MeasureWizard) -> None:
        super().__init__(wizard, "Repository",
                         "The git history gives every change, its commits and merge; release "
                         "tags give the deployments. Choose the repository's folder.")
        git = wizard.existing_git()
        self.form = RepositoryForm(wizard.absolute(git.path) if git is not None else "",
                                   git.deploy_tags if git is not None else None, self)
        if git is not None and git.branch:
            self.form.branch_combo.setEditText(git.branch)
        self.note = QLabel()
        self.note.setObjectName("repositoryNote")
        self.note.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.form)
        lay.addWidget(self.note)
        lay.addStretch(1)
        self.form.path_changed.connect(self.check)
        self.form.path_edit.textChanged.connect(lambda _t: self.completeChanged.emit())
        if self.form.path_edit.text():
            self.form.update_tags_info()
            self.check()

    def check(self) -> bool:
        """Check the folder now: an error under the form, a shallow clone warned about."""
        from ...ingest.git import is_shallow

        problem = self.form.problem()
        path = self.form.values()[0]
        if problem is None and is_shallow(str(Path(path).expanduser())):
            self.note.setText(
                f"<span style='color:#b26a00'>⚠ {Path(path).name} is a shallow clone: its "
                "older history is missing, so the oldest changes' lead times are cut short. "
                "Run <code>git fetch --unshallow</code> in it for the whole history.</span>")
        elif problem is None and self.w.existing_git() is not None:
            self.note.setText("The project reads this repository already: its settings are "
                              "changed on Finish.")
        else:
            self.note.setText("")
        self.completeChanged.emit()
        return problem is None

    def isComplete(self) -> bool:  # noqa: N802 (Qt name)
        return bool(self.form.values()[0])

    def validatePage(self) -> bool:  # noqa: N802 (Qt name)
        return self.check()


# -- page 2: the exports ----------------------------------------------------------------------

class ExportsPage(_Page):
    """Export files, each read once in a worker: its format and records, or its problem."""

    def __init__(self, wizard: MeasureWizard) -> None:
        super().__init__(wizard, "Exports (optional)",
                         "CI runs, pull requests with reviews, deployments, incidents and "
                         "work items from an issue tracker add the events git cannot see. "
                         "Each file's format is recognised from its content.")
        self._titles = format_titles()
        #: (source, records, format title) of each file added in the wizard
        self.added: list[tuple[DataSource, int, str]] = []
        self.table = _table("exportsTable", ["File", "Data", "Format", "Records"], 0, True)
        buttons = QHBoxLayout()
        made = []
        for text, slot in (("Add exports…", lambda: self.choose("auto")),
                           ("Add tracker files…", lambda: self.choose("items")),
                           ("Remove", self.remove_selected)):
            made.append(QPushButton(text))
            made[-1].clicked.connect(slot)
            buttons.addWidget(made[-1])
        buttons.addStretch(1)
        self.add_button, self.add_items_button, self.remove_button = made
        self.work = _WorkRow(self)
        self.work.ended.connect(self.completeChanged)
        self.problems = QLabel()
        self.problems.setObjectName("exportProblems")
        self.problems.setWordWrap(True)
        self.problems.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.environments_edit = QLineEdit(
            ", ".join(wizard.project.settings.production_environments))
        self.environments_edit.setObjectName("productionEnvironmentsEdit")
        self.environments_edit.setPlaceholderText("production, prod, prd, live (the default)")
        self.environments_edit.setToolTip(
            "The environments that are production, comma-separated: deployments to them "
            "count for DORA; others become deployed:<environment> events.")
        self.environments_row = QWidget()
        env = QFormLayout(self.environments_row)
        env.setContentsMargins(0, 0, 0, 0)
        env.addRow("Production environments", self.environments_edit)
        lay = QVBoxLayout(self)
        lay.addLayout(buttons)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.work)
        lay.addWidget(self.problems)
        lay.addWidget(self.environments_row)
        self._pending: list[tuple[str, str]] = []

    def initializePage(self) -> None:  # noqa: N802 (Qt name)
        self._show()

    def _show(self) -> None:
        rows: list[tuple[str, str, str, str, bool]] = []
        for s in self.w.project.sources:
            if s.kind != "git":
                rows.append((source_name(s), KIND_TEXT.get(s.kind, s.kind),
                             self._titles.get(s.format or "", s.format or "—"),
                             "in the project", False))
        for s, n, title in self.added:
            rows.append((source_name(s), KIND_TEXT.get(s.kind, s.kind), title, fmt.count(n),
                         True))
        self.table.setRowCount(0)
        for name, kind, title, records, new in rows:
            r = self.table.rowCount()
            self.table.insertRow(r)
            for c, text in enumerate((name, kind, title, records)):
                it = QTableWidgetItem(text)
                if c == 3:
                    it.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                        | Qt.AlignmentFlag.AlignVCenter)
                if not new:
                    it.setForeground(self.palette().placeholderText())
                self.table.setItem(r, c, it)
        kinds = {s.kind for s in self.w.sources()}
        self.environments_row.setVisible(bool(kinds & {"deployments", "ci"}))
        self.remove_button.setEnabled(bool(self.added))

    def choose(self, hint: str) -> None:
        paths = ask_export_files(self)
        if paths:
            self.add_files(paths, hint)

    def add_files(self, paths: Sequence[str], hint: str = "auto") -> None:
        """Read each file in a worker; readable ones are added, the others' problems shown."""
        known = {_norm(self.w.absolute(s.path)) for s in self.w.sources()}
        todo: list[tuple[str, str]] = []
        problems: list[str] = []
        for p in paths:
            path = str(Path(p).expanduser().resolve())
            if _norm(path) in known or any(_norm(path) == _norm(q) for _h, q in todo):
                problems.append(f"{Path(path).name}: already a data source of this project")
            elif Path(path).is_dir():
                problems.append(f"{Path(path).name}: a folder (the repository is on the "
                                "first page)")
            else:
                todo.append((hint, path))
        self._set_problems(problems)
        if not todo:
            return
        options = self._options()

        def read(progress: Any, cancelled: Any) -> list[tuple[str, str, Any, Any]]:
            from ...ingest.sources import import_files
            from ...work import scaled

            out = []
            for i, (h, path) in enumerate(todo):
                info, why = detect_file(path, h)
                if info is None:
                    out.append((h, path, None, why))
                    continue
                res = import_files([(h, path)], options,
                                   scaled(progress, i / len(todo), (i + 1) / len(todo)),
                                   cancelled)
                out.append((h, path, info, res.errors[0] if res.errors else res.reports[0]))
            return out

        self.work.run(read, lambda found: self._read(found, problems),
                      lambda message, _d: self._set_problems([*problems, message]),
                      lambda: self._set_problems([*problems, "Reading the files was "
                                                  "cancelled: nothing was added."]))
        self.completeChanged.emit()

    def _options(self) -> Any:
        from ...ingest.sources import ImportOptions

        st = self.w.project.settings
        return ImportOptions(default_tz=st.time_zone, deploy_pattern=st.deploy_pattern,
                             production_environments=tuple(self.environments()),
                             salt=st.salt, items=st.items)

    def _read(self, found: list[tuple[str, str, Any, Any]], problems: list[str]) -> None:
        from ...domain.tables import SourceReport

        for _hint, path, info, outcome in found:
            if info is None or not isinstance(outcome, SourceReport):
                problems.append(str(outcome))
                continue
            src = DataSource(kind=FAMILY_TO_KIND.get(info.family, info.family), path=path,
                             format=info.name)
            self.added.append((src, int(outcome.records), info.title or info.name))
        self._set_problems(problems)
        self._show()
        self.completeChanged.emit()

    def _set_problems(self, problems: list[str]) -> None:
        if not problems:
            self.problems.setText("")
            return
        n = len(problems)
        text = "<br>".join(_html(p) for p in problems)
        self.problems.setText(f"<span style='color:{alert_color(self)}'><b>{n} file"
                              f"{'s were' if n > 1 else ' was'} not added:</b><br>{text}"
                              f"</span>")

    def remove_selected(self) -> None:
        existing = sum(1 for s in self.w.project.sources if s.kind != "git")
        rows = sorted({i.row() - existing for i in self.table.selectionModel().selectedRows()
                       if i.row() >= existing}, reverse=True)
        for r in rows:
            del self.added[r]
        self._show()

    def environments(self) -> list[str]:
        return parse_names(self.environments_edit.text())

    def isComplete(self) -> bool:  # noqa: N802 (Qt name)
        return not self.work.busy()


# -- page 3: the events the data holds ------------------------------------------------------------

class EventsPage(_Page):
    """A quick ingest in a worker, then which events (and tracker statuses) the data holds."""

    def __init__(self, wizard: MeasureWizard) -> None:
        super().__init__(wizard, "What the data holds",
                         "Every source is read once (the same reading as the measurement). "
                         "A stage can be measured between two events the data holds.")
        self.work = _WorkRow(self)
        self.work.ended.connect(self.completeChanged)
        self.summary = QLabel()
        self.summary.setObjectName("eventsSummary")
        self.summary.setWordWrap(True)
        self.table = _table("eventsTable", ["Event", "Changes with it",
                                            "Share, or the data that gives it"], 2)
        self.status_table = _table("foundStatusesTable", ["Tracker status", "Category",
                                                          "Items"], 0)
        self.retry_button = QPushButton("Read again")
        self.retry_button.clicked.connect(self.start)
        self.retry_button.hide()
        tables = QHBoxLayout()
        tables.addWidget(self.table, 3)
        tables.addWidget(self.status_table, 2)
        lay = QVBoxLayout(self)
        lay.addWidget(self.work)
        lay.addWidget(self.summary)
        lay.addLayout(tables, 1)
        lay.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignLeft)

    def initializePage(self) -> None:  # noqa: N802 (Qt name)
        self.start()

    def cleanupPage(self) -> None:  # noqa: N802 (Qt name)
        self.work.cancel()

    def start(self) -> None:
        """Read every source (the project's and the wizard's) in a worker."""
        from ...services.measure import ingest_and_prepare, project_inputs

        self.w.data = None
        self.table.setRowCount(0)
        self.status_table.hide()
        self.retry_button.hide()
        self.summary.setText("Reading the data…")
        trial = self.w.trial_project()
        inputs = project_inputs(trial, self.w.project_path, salt="")
        vsm_map = self.w.map.copy()
        self.work.run(lambda progress, cancelled: ingest_and_prepare(inputs, vsm_map, progress,
                                                                     cancelled),
                      self._measured, self._failed, self._cancelled)
        self.completeChanged.emit()

    def _measured(self, data: Any) -> None:
        self.w.data = data
        self.show_data(data)
        self.completeChanged.emit()

    def _failed(self, message: str, _details: str) -> None:
        self.summary.setText(f"<span style='color:{alert_color(self)}'>The data could not be "
                             f"read: {_html(message)}</span><br>Go back to change the sources, "
                             f"or read again.")
        self.retry_button.show()
        self.completeChanged.emit()

    def _cancelled(self) -> None:
        self.summary.setText("Reading was cancelled. Read again to see what the data holds "
                             "(or go back).")
        self.retry_button.show()
        self.completeChanged.emit()

    def show_data(self, data: Any) -> None:
        counts = event_counts(data)
        n = len(data.prepared.changes)
        held = [e for e, c in counts.items() if c]
        missing = [e for e, c in counts.items() if not c]
        parts = [f"<b>{fmt.count(n, 'changes')}</b>",
                 f"{fmt.count(len(data.tables.deployments), 'deployments')}",
                 f"{fmt.count(len(data.tables.incidents), 'incidents')}"]
        if data.tables.items is not None and len(data.tables.items):
            parts.append(fmt.count(len(data.tables.items), "work items"))
        text = " · ".join(parts) + f". {len(held)} of {len(counts)} events are in the data."
        if missing:
            text += " Missing: " + ", ".join(missing) + "."
        problems = list(data.import_errors)
        if problems:
            text += (f"<br><span style='color:{alert_color(self)}'>"
                     + "<br>".join(_html(p) for p in problems) + "</span>")
        self.summary.setText(text)
        self.table.setRowCount(0)
        for e, c in counts.items():
            r = self.table.rowCount()
            self.table.insertRow(r)
            name = QTableWidgetItem(e)
            name.setToolTip(EVENT_HELP.get(e, ""))
            count = QTableWidgetItem(fmt.count(c) if c else "none")
            count.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            where = QTableWidgetItem(source_of(e) if not c else
                                     f"{c / n:.0%} of the changes" if n else "")
            if not c:
                for it in (name, count, where):
                    it.setForeground(self.palette().placeholderText())
                where.setText("add " + source_of(e))
            for col, it in enumerate((name, count, where)):
                self.table.setItem(r, col, it)
        found = statuses_in(data)
        self.status_table.setRowCount(0)
        from .bindings import CATEGORY_TEXT

        for row in found.itertuples():
            r = self.status_table.rowCount()
            self.status_table.insertRow(r)
            cat = row.category if isinstance(row.category, str) else ""
            for col, text in enumerate((str(row.status), CATEGORY_TEXT.get(cat, cat or "—"),
                                        fmt.count(int(row.items)))):
                it = QTableWidgetItem(text)
                if col == 2:
                    it.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                        | Qt.AlignmentFlag.AlignVCenter)
                self.status_table.setItem(r, col, it)
        self.status_table.setVisible(not found.empty)

    def isComplete(self) -> bool:  # noqa: N802 (Qt name)
        return self.w.data is not None and not self.work.busy()


# -- page 4: the bindings ------------------------------------------------------------------------

class BindingsPage(_Page):
    """A proposal per stage over the events the data holds, editable, with what it gives."""

    STAGE, FROM, TO, KIND, STATUSES, RESULT = range(6)

    def __init__(self, wizard: MeasureWizard) -> None:
        super().__init__(wizard, "Bind the stages",
                         "A proposal for each stage that uses only events the data holds. "
                         "Change any of them; Map ▸ Bind stages to data… edits them later.")
        self.proposals: dict[str, Proposal] = {}
        #: the working copy: stage id → (segments, statuses)
        self.bindings: dict[str, tuple[list[Segment], list[StatusBinding]]] = {}
        self.previewer: BindingPreviewer | None = None
        self.events: list[str] = []
        self.table = _table("proposalsTable", ["Stage", "From event", "To event", "Kind",
                                               "Tracker statuses", "Measured (all the data)"],
                            self.RESULT)
        self.note = QLabel()
        self.note.setObjectName("bindingsNote")
        self.note.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.note)

    def initializePage(self) -> None:  # noqa: N802 (Qt name)
        data = self.w.data
        assert data is not None
        counts = event_counts(data)
        found = statuses_in(data)
        self.events = [e for e, c in counts.items() if c]
        self.counts = counts
        self.statuses_found = [str(s) for s in found["status"]]
        self.proposals = propose(self.w.map.stages, counts, self.statuses_found,
                                 board_statuses(data))
        self.bindings = {sid: (list(p.segments), list(p.statuses))
                         for sid, p in self.proposals.items()}
        self.previewer = BindingPreviewer(data, None)
        self.table.setColumnHidden(self.STATUSES, not self.statuses_found)
        self.table.setRowCount(0)
        for stage in self.w.map.stages:
            self._add_row(stage)
        self.table.resizeRowsToContents()
        self._show_note()

    def _show_note(self) -> None:
        n = sum(1 for segs, sts in self.bindings.values() if segs or sts)
        self.note.setText(f"{n} of {len(self.w.map.stages)} stages measured. Finish adds the "
                          f"sources and these bindings as one step (Edit ▸ Undo takes it "
                          f"back) and measures the map.")

    # -- rows ---------------------------------------------------------------------------------
    def _combo(self, items: list[tuple[str, str]], current: str, name: str) -> QComboBox:
        box = QComboBox()
        box.setObjectName(name)
        for data, text in items:
            box.addItem(text, data)
            if data in EVENT_HELP:
                box.setItemData(box.count() - 1, EVENT_HELP[data], Qt.ItemDataRole.ToolTipRole)
        box.setCurrentIndex(max(box.findData(current), 0))
        return box

    def _add_row(self, stage: Stage) -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        prop = self.proposals[stage.id]
        name = QTableWidgetItem(stage.name)
        name.setFlags(Qt.ItemFlag.ItemIsEnabled)
        name.setToolTip(f"Proposed from {prop.how}" if prop.measured else prop.missing)
        self.table.setItem(r, self.STAGE, name)
        events = [("", "—"), *((e, f"{e} ({fmt.count(self.counts[e])})") for e in self.events)]
        segs = prop.segments
        frm = self._combo(events, segs[0].from_event if segs else "", f"from.{stage.id}")
        to = self._combo(events, segs[-1].to_event if segs else "", f"to.{stage.id}")
        kinds = list(KINDS.items())
        if len(segs) > 1:
            kinds.insert(0, (AS_PROPOSED, " + ".join(dict.fromkeys(
                KINDS[_kind_of(s).value].split(" ")[0] for s in segs)) + " (as proposed)"))
        kind = self._combo(kinds, AS_PROPOSED if len(segs) > 1 else
                           (_kind_of(segs[0]).value if segs else "wait"), f"kind.{stage.id}")
        if len(segs) > 1:
            kind.setToolTip("\n".join(f"{KINDS[_kind_of(s).value]}: {s.from_event} → "
                                      f"{s.to_event}" for s in segs))
        for box in (frm, to, kind):
            box.currentIndexChanged.connect(lambda _i, sid=stage.id: self._edited(sid))
        self.table.setCellWidget(r, self.FROM, frm)
        self.table.setCellWidget(r, self.TO, to)
        self.table.setCellWidget(r, self.KIND, kind)
        kind.setEnabled(bool(segs))  # a kind only for a span of two events
        self.table.setCellWidget(r, self.STATUSES, self._status_button(stage.id))
        result = QLabel()
        result.setObjectName(f"result.{stage.id}")
        result.setWordWrap(True)
        self.table.setCellWidget(r, self.RESULT, result)
        self._show_result(stage.id)

    def _status_button(self, sid: str) -> QPushButton:
        button = QPushButton()
        button.setObjectName(f"statuses.{sid}")
        menu = QMenu(button)
        chosen = {norm_name(b.status) for b in self.bindings[sid][1]}
        for status in self.statuses_found:
            act = QAction(status, menu)
            act.setCheckable(True)
            act.setChecked(norm_name(status) in chosen)
            act.toggled.connect(lambda on, s=status, i=sid: self.set_status(i, s, on))
            menu.addAction(act)
        button.setMenu(menu)
        self._status_text(button, sid)
        return button

    def _status_text(self, button: QPushButton, sid: str) -> None:
        names = [b.status for b in self.bindings[sid][1]]
        button.setText(", ".join(names) if names else "—")

    def _row_of(self, sid: str) -> int:
        return [s.id for s in self.w.map.stages].index(sid)

    def widget(self, sid: str, col: int) -> Any:
        return self.table.cellWidget(self._row_of(sid), col)

    def _edited(self, sid: str) -> None:
        frm = str(self.widget(sid, self.FROM).currentData())
        to = str(self.widget(sid, self.TO).currentData())
        kind_box = self.widget(sid, self.KIND)
        kind = str(kind_box.currentData())
        prop = self.proposals[sid].segments
        if kind == AS_PROPOSED and prop and (frm, to) != (prop[0].from_event, prop[-1].to_event):
            kind_box.blockSignals(True)
            kind_box.setCurrentIndex(kind_box.findData("wait"))
            kind_box.blockSignals(False)
            kind = "wait"
        if not frm or not to:
            segs: list[Segment] = []
        elif kind == AS_PROPOSED:
            segs = list(prop)
        else:
            segs = [Segment(frm, to, SegmentKind(kind))]
        self.bindings[sid] = (segs, self.bindings[sid][1])
        kind_box.setEnabled(bool(frm and to))
        self._show_result(sid)

    def set_status(self, sid: str, status: str, on: bool) -> None:
        """Bind (or unbind) a tracker status to a stage; a status belongs to one stage."""
        key = norm_name(status)
        for other, (segs, sts) in list(self.bindings.items()):
            rest = [b for b in sts if norm_name(b.status) != key]
            if on and other == sid:
                rest.append(StatusBinding(status))
            if rest != sts:
                self.bindings[other] = (segs, rest)
                button = self.widget(other, self.STATUSES)
                if other != sid:
                    for act in button.menu().actions():
                        if norm_name(act.text()) == key:
                            act.blockSignals(True)
                            act.setChecked(False)
                            act.blockSignals(False)
                self._status_text(button, other)
                self._show_result(other)

    def set_events(self, sid: str, from_event: str, to_event: str, kind: str = "wait") -> None:
        """Choose a stage's span as the user does in its row ("" for none)."""
        for col, value in ((self.KIND, kind), (self.FROM, from_event), (self.TO, to_event)):
            box = self.widget(sid, col)
            box.setCurrentIndex(box.findData(value))

    def _show_result(self, sid: str) -> None:
        label = self.widget(sid, self.RESULT)
        if label is None:
            return
        segs, sts = self.bindings[sid]
        prop = self.proposals[sid]
        if any(s.from_event == s.to_event for s in segs):
            label.setText(f"<span style='color:{alert_color(self)}'>From and to are the same "
                          f"event.</span>")
        elif not segs and not sts:
            why = prop.missing or "Left unmeasured: choose two events or tracker statuses."
            label.setText(f"<i>{_html(why)}</i>")
        else:
            assert self.previewer is not None
            pv = self.previewer.preview(segs, sts)
            day = self.w.map.settings.day_length_s
            noun = self.previewer.noun
            text = (f"wait: {stats_text(pv.wait, day, noun)}; "
                    f"work: {stats_text(pv.active, day, noun)}")
            if any(k is not None and k.count and k.median_s == 0 for k in (pv.wait, pv.active)):
                # vite, git only: squash merges make first_commit the merge itself
                text += (f"<br><span style='color:#b26a00'>⚠ A median of 0 s: the two events "
                         f"are the same moment for most {noun} (squash merges without pull "
                         f"requests, for one), so this span measures nothing.</span>")
            label.setText(text)
        label.setToolTip(label.text())
        self.table.resizeRowToContents(self._row_of(sid))
        self._show_note()
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 (Qt name)
        return not any(s.from_event == s.to_event for segs, _ in self.bindings.values()
                       for s in segs)


# -- the wizard ------------------------------------------------------------------------------------

class MeasureWizard(QWizard):
    """Measure this map…: repository, exports, what the data holds, bindings; one undo step.

    Parameters
    ----------
    project, vsm_map
        The open project and the map to measure.
    undo_stack
        The project's undo stack: Finish pushes one macro onto it.
    controller
        The window's ``MeasurementController`` (re-prepares when only bindings changed).
    project_path
        The project file (relative source paths are read against its folder).
    """

    def __init__(self, project: Project, vsm_map: Map, undo_stack: QUndoStack,
                 controller: Any = None, project_path: str | Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("measureWizard")
        self.setWindowTitle(f"Measure this map — {vsm_map.name}")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.project, self.map, self.undo_stack = project, vsm_map, undo_stack
        self.controller = controller
        self.project_path = project_path
        #: the quick ingest of the events page (None until it finished)
        self.data: Any = None
        self.repository_page = RepositoryPage(self)
        self.exports_page = ExportsPage(self)
        self.events_page = EventsPage(self)
        self.bindings_page = BindingsPage(self)
        for page in (self.repository_page, self.exports_page, self.events_page,
                     self.bindings_page):
            self.addPage(page)
        self.setButtonText(QWizard.WizardButton.FinishButton, "Finish and measure")
        self.resize(980, 640)

    # -- the working sources --------------------------------------------------------------------
    def existing_git(self) -> DataSource | None:
        """The project's (first) git repository, edited rather than added again."""
        return next((s for s in self.project.sources if s.kind == "git"), None)

    def repository(self) -> DataSource | None:
        """The repository of the first page as a source (the existing one, edited)."""
        path, branch, tags, subtree = self.repository_page.form.values()
        if not path:
            return None
        path = str(Path(path).expanduser().resolve())
        git = self.existing_git()
        if git is not None and _norm(self.absolute(git.path)) == _norm(path):
            return replace(git, branch=branch, deploy_tags=tags, subtree=subtree)
        return DataSource(kind="git", path=path, branch=branch, deploy_tags=tags,
                          subtree=subtree, format="git")

    def absolute(self, path: str) -> str:
        """A source's path as stored (relative to the project file) made absolute."""
        if Path(path).is_absolute() or self.project_path is None:
            return path
        return str(Path(self.project_path).resolve().parent / path)

    def sources(self) -> list[DataSource]:
        """Every source after Finish: the project's (the repository edited), then the new."""
        repo = self.repository()
        out = [repo if repo is not None and s.id == repo.id else s
               for s in self.project.sources]
        if repo is not None and all(s.id != repo.id for s in out):
            out.append(repo)
        return out + [s for s, _n, _t in self.exports_page.added]

    def settings(self) -> Any:
        """The project's settings with the production environments of the exports page."""
        st = self.project.settings
        envs = self.exports_page.environments()
        if envs == list(st.production_environments):
            return st
        return replace(st, production_environments=envs)

    def trial_project(self) -> Project:
        """A copy of the project as Finish would leave it, for the quick ingest."""
        trial = Project(self.project.name, [self.map.copy()], settings=self.settings())
        trial.sources = self.sources()
        return trial

    # -- Finish --------------------------------------------------------------------------------------
    def changed_stages(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for sid, (segs, sts) in self.bindings_page.bindings.items():
            stage = self.map.stage(sid)
            fields: dict[str, Any] = {}
            if segs != list(stage.segments):
                fields["segments"] = list(segs)
            if sts != list(stage.statuses):
                fields["statuses"] = list(sts)
            if fields:
                out[sid] = fields
        return out

    def apply(self) -> int:
        """Push the sources, settings and bindings as one undo step; the number of commands."""
        commands: list[Any] = [SetStageFieldsCommand(self.map, sid, fields)
                               for sid, fields in self.changed_stages().items()]
        settings = self.settings()
        if settings is not self.project.settings:
            commands.append(MeasurementSettingsCommand(self.project, settings))
        before = {s.id: s for s in self.project.sources}
        for i, s in enumerate(self.sources()):  # in order: each lands at its place
            old = before.get(s.id)
            if old is None:
                commands.append(AddSourceCommand(self.project, s, i))
            elif old != s:
                commands.append(EditSourceCommand(
                    self.project, s.id, branch=s.branch, deploy_tags=s.deploy_tags,
                    subtree=s.subtree))
        if not commands:
            return 0
        self.undo_stack.beginMacro(f"Measure {self.map.name}")
        try:
            for c in commands:
                self.undo_stack.push(c)
        finally:
            self.undo_stack.endMacro()
        c = self.controller
        if c is not None and c.vsm_map is self.map and c.data is not None:
            c.set_map(self.map)  # measured already: the new bindings now
        return len(commands)

    def accept(self) -> None:
        self.apply()
        super().accept()

    def reject(self) -> None:
        for page in (self.exports_page, self.events_page):
            page.work.cancel()
        super().reject()


def open_measure_wizard(window: Any) -> MeasureWizard | None:
    """Data ▸ Measure this map… on the main window's current map (non-blocking)."""
    window.complete()
    vsm_map = window.current_map()
    if vsm_map is None:
        return None
    wizard = MeasureWizard(window.project, vsm_map, window.undo_stack, window.measure,
                           window.path, window)
    wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    wizard.open()
    return wizard


__all__ = ["MeasureWizard", "Proposal", "adapt", "event_counts", "open_measure_wizard",
           "propose"]
