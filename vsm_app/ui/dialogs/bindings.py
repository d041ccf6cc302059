"""Map ▸ Bind stages to data…: which measured spans of a change each stage stands for.

Per stage, a list of segments ``(from event, to event, wait|active)`` over the DESIGN §3 event
names, with add, remove and reset to the template's defaults, and a live preview of the count
and median each segment (and the whole stage) gives on the current measurement, over the
window the map shows. The preview uses the analysis core itself (``wide_events`` →
``stage_durations`` → ``stage_summary``, vectorised over every change), so it shows what the
map will show once applied. OK applies every changed stage as one undo step and re-prepares
the measurement with the new bindings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...analysis.engine import resolve_window
from ...analysis.events import event_matrix, wide_events
from ...analysis.periods import NAT, in_window
from ...analysis.stages import StageSpec, bound_events, stage_durations, stage_summary
from ...domain.model import Segment, SegmentKind, StatusBinding, ValueStreamMap
from ...domain.tables import EVENTS, conform
from ...domain.templates import (
    PR_RELEASE_TRAIN_BINDINGS,
    REGULATED_BINDINGS,
    SOFTWARE_DELIVERY_BINDINGS,
    TRUNK_BASED_BINDINGS,
)
from ...metrics import format as fmt
from ..commands import SetStageFieldsCommand

#: where each event comes from (tooltips)
EVENT_HELP: dict[str, str] = {
    "first_commit": "author time of the change's first commit",
    "last_commit": "author time of the change's last commit",
    "pr_opened": "the pull/merge request was opened",
    "first_review": "the first review by someone other than the author",
    "approved": "the pull/merge request was approved",
    "merged": "the merge (or squash) commit landed on the default branch",
    "ci_queued": "the merge commit's CI build was queued",
    "ci_started": "the merge commit's CI build started",
    "ci_finished": "the merge commit's CI build finished",
    "deploy_started": "the deployment that shipped the change started",
    "deployed": "the deployment that shipped the change finished",
}
KIND_TEXT = {"wait": "wait", "active": "active (work)"}
#: a status category (Jira's keys, shared by every tracker's importer) as people read it
CATEGORY_TEXT = {"new": "To Do", "indeterminate": "In Progress", "done": "Done"}
#: the templates' bindings, most common first: a stage's default is the first match by name
TEMPLATE_BINDINGS: tuple[dict[str, list[Segment]], ...] = (
    SOFTWARE_DELIVERY_BINDINGS, TRUNK_BASED_BINDINGS, PR_RELEASE_TRAIN_BINDINGS,
    REGULATED_BINDINGS)


def template_segments(stage_name: str) -> list[Segment] | None:
    """The template default of a stage called ``stage_name`` (case-insensitive), or None."""
    key = " ".join(stage_name.split()).lower()
    for bindings in TEMPLATE_BINDINGS:
        for name, segs in bindings.items():
            if name.lower() == key:
                return list(segs)
    return None


def _kind(seg: Segment) -> str:
    return seg.kind.value if isinstance(seg.kind, SegmentKind) else str(seg.kind)


@dataclass(frozen=True)
class SpanStats:
    """What one segment (or one stage-kind) gives over the window's changes."""

    count: int
    missing: int
    negative: int
    median_s: float | None
    p85_s: float | None


@dataclass(frozen=True)
class BindingPreview:
    """Per segment, and the stage's wait and active as the map will show them."""

    segments: list[SpanStats]
    wait: SpanStats | None
    active: SpanStats | None


def _opt(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


class BindingPreviewer:
    """Counts and medians a binding gives on a measurement (no Python loop over changes).

    Parameters
    ----------
    data
        The controller's :class:`~vsm_app.ui.measure.MeasuredData` (tables and preparation).
    window
        ``[start, end)`` in UTC ns: the cohort is the changes finished in it (as the engine's
        stage statistics); None: every finished change.
    extra_events
        Event names bound somewhere besides DESIGN §3's (read from a loaded events table).
    """

    def __init__(self, data: Any, window: tuple[int, int] | None,
                 extra_events: list[str] | None = None) -> None:
        tables = data.tables
        changes = conform(tables.changes, "changes")
        # the event matrix exactly as analysis.engine.prepare builds it
        matrix = wide_events(changes, tables.ci_runs, tables.deployments)
        matrix.index = pd.RangeIndex(len(changes))
        if tables.events is not None and len(tables.events):
            given = event_matrix(tables.events, changes["change_id"],
                                 names=list(dict.fromkeys([*EVENTS, *(extra_events or [])])))
            for name in given.columns:
                g = given[name].to_numpy()
                if name in matrix:
                    matrix[name] = np.where(g != NAT, g, matrix[name].to_numpy())
                else:
                    matrix[name] = g
        self.matrix = matrix
        self.prepared = data.prepared
        # with work items loaded the engine measures stages on them (issue 18): so does this
        items = getattr(data.prepared, "items", None)
        self.noun = "items" if items is not None else "changes"
        pc = items.view.changes if items is not None else data.prepared.changes
        finish = pc["finish"].to_numpy(dtype=np.int64)
        self.flow_time_s = pc["flow_time_s"].to_numpy(dtype=np.float64)
        # the engine's duration cohort: finished in the window, with a flow time
        finished = in_window(finish, *window) if window is not None else finish != NAT
        self.cohort = finished & ~np.isnan(self.flow_time_s)
        self.window = window
        #: the statuses found in the loaded work items (status, category, default_kind,
        #: items, stays, seconds), most used first; empty without work items
        from ...analysis.items import statuses_found

        self.statuses = statuses_found(tables) if tables.item_status is not None \
            else statuses_found_empty()
        self.categories = {_norm_status(str(r.status)): str(r.category)
                           for r in self.statuses.itertuples() if isinstance(r.category, str)}

    def preview(self, segments: list[Segment],
                statuses: list[StatusBinding] | None = None) -> BindingPreview:
        """Stats of each segment alone, and of the stage's wait and active sums (with its
        tracker statuses when work items are loaded: measured as the engine measures them)."""
        specs = [StageSpec(f"#{i}", None, (s,) if _kind(s) == "wait" else (),
                           (s,) if _kind(s) == "active" else ())
                 for i, s in enumerate(segments)]
        waits = tuple(s for s in segments if _kind(s) == "wait")
        actives = tuple(s for s in segments if _kind(s) == "active")
        bound = tuple(statuses or ()) if self.noun == "items" else ()
        specs.append(StageSpec("stage", None, waits, actives, bound))
        kinds = {self.status_kind(b) for b in bound}
        if self.noun == "items":
            from ...analysis.items import item_stage_durations

            durations = item_stage_durations(self.prepared, specs)
        else:
            durations = stage_durations(self.matrix, specs)
        summary = stage_summary(durations, self.cohort, self.flow_time_s).set_index("stage")

        def stats(name: str, kind: str) -> SpanStats:
            row = summary.loc[name]
            return SpanStats(int(row[f"{kind}_count"]), int(row[f"{kind}_missing"]),
                             int(row[f"{kind}_negative"]), _opt(row[f"{kind}_median_s"]),
                             _opt(row[f"{kind}_p85_s"]))

        return BindingPreview(
            segments=[stats(f"#{i}", _kind(s)) for i, s in enumerate(segments)],
            wait=stats("stage", "wait") if waits or "wait" in kinds else None,
            active=stats("stage", "active") if actives or "active" in kinds else None)

    def status_kind(self, binding: StatusBinding) -> str:
        """``wait`` or ``active``: the binding's own kind, else its status category's."""
        from ...analysis.items import binding_kind

        return binding_kind(binding, self.categories.get(_norm_status(binding.status)))


def _norm_status(name: str) -> str:
    from ...domain.items import norm_name

    return norm_name(name)


def statuses_found_empty() -> pd.DataFrame:
    from ...analysis.items import statuses_found
    from ...domain.tables import Tables

    return statuses_found(Tables())


def stats_text(s: SpanStats | None, day_length_s: float, noun: str = "changes") -> str:
    """``1,351 changes · median 23h 13 min`` (plus what was left out)."""
    if s is None:
        return "—"
    if not s.count:
        text = f"no {noun[:-1]} measured"
    else:
        text = f"{fmt.count(s.count, noun)} · median {fmt.duration(s.median_s, day_length_s)}"
    left = []
    if s.missing:
        left.append(f"{fmt.count(s.missing)} missing an event")
    if s.negative:
        left.append(f"{fmt.count(s.negative)} negative")
    return text + (f" ({', '.join(left)})" if left else "")


class BindingsDialog(QDialog):
    """Edit every stage's segments of one map, with a live preview on the measurement.

    The dialog edits a working copy; :meth:`accept` pushes one undo step (a macro of one
    ``SetStageFieldsCommand`` per changed stage) and re-prepares the measurement.
    """

    FROM, TO, KIND, PREVIEW, REMOVE = range(5)

    def __init__(self, vsm_map: ValueStreamMap, undo_stack: QUndoStack,
                 controller: Any = None, stage_id: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bindingsDialog")
        self.setWindowTitle(f"Bind stages to data — {vsm_map.name}")
        self.map = vsm_map
        self.undo_stack = undo_stack
        self.controller = controller
        self.day = vsm_map.settings.day_length_s
        #: the working copy: stage id → segments (applied on OK)
        self.bindings: dict[str, list[Segment]] = {s.id: list(s.segments)
                                                   for s in vsm_map.stages}
        #: the working copy of the tracker statuses bound to each stage (issue 18)
        self.status_bindings: dict[str, list[StatusBinding]] = {
            s.id: list(s.statuses) for s in vsm_map.stages}
        self.previewer = self._make_previewer()
        self._events = list(dict.fromkeys(
            [*EVENTS, *self._loaded_events(),
             *(seg.from_event for segs in self.bindings.values() for seg in segs),
             *(seg.to_event for segs in self.bindings.values() for seg in segs)]))
        self._event_help = dict(EVENT_HELP) | {
            e: f"deployed to {e.split(':', 1)[1]} (another environment than production)"
            for e in self._events if e.startswith("deployed:")}

        self.stage_list = QListWidget()
        self.stage_list.setObjectName("stageList")
        for s in vsm_map.stages:
            it = QListWidgetItem(s.name)
            it.setData(Qt.ItemDataRole.UserRole, s.id)
            self.stage_list.addItem(it)
        self.stage_list.setMaximumWidth(200)
        self.stage_list.currentRowChanged.connect(self._show_stage)

        self.heading = QLabel()
        self.heading.setObjectName("stageHeading")
        f = self.heading.font()
        f.setBold(True)
        f.setPointSizeF(f.pointSizeF() * 1.15)
        self.heading.setFont(f)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("segmentsTable")
        self.table.setHorizontalHeaderLabels(["From event", "To event", "Kind",
                                              "Measured (window of the map)", ""])
        self.table.verticalHeader().hide()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        h = self.table.horizontalHeader()
        for c in (self.FROM, self.TO, self.KIND, self.REMOVE):
            h.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(self.PREVIEW, QHeaderView.ResizeMode.Stretch)
        self.add_button = QPushButton("Add segment")
        self.add_button.clicked.connect(lambda: self.add_segment())
        self.reset_stage_button = QPushButton("Reset stage to template")
        self.reset_stage_button.clicked.connect(lambda: self.reset_stage())
        self.reset_all_button = QPushButton("Reset all to template defaults")
        self.reset_all_button.clicked.connect(self.reset_all)
        self.status_heading = QLabel()
        self.status_heading.setObjectName("statusHeading")
        self.status_heading.setWordWrap(True)
        self.status_table = QTableWidget(0, 6)
        self.status_table.setObjectName("statusTable")
        self.status_table.setHorizontalHeaderLabels(
            ["Bound", "Tracker status", "Category", "Items", "Time in it (all items)",
             "Counts as"])
        self.status_table.verticalHeader().hide()
        self.status_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        sh = self.status_table.horizontalHeader()
        for c in range(6):
            sh.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        sh.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.status_table.itemChanged.connect(self._status_item_changed)
        self.stage_total = QLabel()
        self.stage_total.setObjectName("stageTotal")
        self.stage_total.setWordWrap(True)
        self.stage_total.setTextFormat(Qt.TextFormat.RichText)
        self.window_note = QLabel(self._window_note())
        self.window_note.setWordWrap(True)
        self.window_note.setObjectName("windowNote")

        buttons_row = QHBoxLayout()
        for b in (self.add_button, self.reset_stage_button, self.reset_all_button):
            buttons_row.addWidget(b)
        buttons_row.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.heading)
        right.addWidget(self.table, 1)
        right.addLayout(buttons_row)
        right.addWidget(self.status_heading)
        right.addWidget(self.status_table, 2)
        right.addWidget(self.stage_total)
        right.addWidget(self.window_note)
        body = QHBoxLayout()
        body.addWidget(self.stage_list)
        body.addLayout(right, 1)
        self.button_box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                           | QDialogButtonBox.StandardButton.Cancel)
        self.button_box.accepted.connect(self.accept)
        self.button_box.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(body, 1)
        lay.addWidget(self.button_box)
        self.resize(980, 640)

        row = 0
        if stage_id is not None and stage_id in self.bindings:
            row = list(self.bindings).index(stage_id)
        self.stage_list.setCurrentRow(row if vsm_map.stages else -1)

    # -- measurement -----------------------------------------------------------------------------
    def _loaded_events(self) -> list[str]:
        """Event names the measured data holds beyond DESIGN §3's (``deployed:staging``)."""
        data = getattr(self.controller, "data", None) if self.controller is not None else None
        events = getattr(getattr(data, "tables", None), "events", None)
        if events is None or not len(events):
            return []
        return sorted(str(e) for e in events["event"].dropna().unique() if e not in EVENTS)

    def _make_previewer(self) -> BindingPreviewer | None:
        c = self.controller
        data = getattr(c, "data", None) if c is not None else None
        if data is None:
            return None
        result = getattr(c, "result", None)
        window = result.window if result is not None else None
        if window is None:
            try:
                window = resolve_window(data.prepared, c.options())
            except ValueError:
                window = None
        extra = bound_events(data.prepared.specs)
        return BindingPreviewer(data, window, extra)

    def _window_note(self) -> str:
        if self.previewer is None:
            return ("No measurement yet: add data sources (View ▸ Panels ▸ Data sources) to see "
                    "what each segment gives.")
        w = self.previewer.window
        noun = self.previewer.noun  # work items when loaded: the engine measures them
        one = noun[:-1]
        if w is None:
            return f"Counts and medians over every finished {one}."
        return (f"Counts and medians over the {noun} finished in {fmt.window(*w)} "
                f"(the window the map shows). A{'n' if one == 'item' else ''} {one} missing "
                f"an event, or whose span is negative, is left out and counted.")

    # -- stages and rows -----------------------------------------------------------------------------
    def current_stage_id(self) -> str | None:
        it = self.stage_list.currentItem()
        return str(it.data(Qt.ItemDataRole.UserRole)) if it is not None else None

    def select_stage(self, stage_id: str) -> None:
        self.stage_list.setCurrentRow(list(self.bindings).index(stage_id))

    def segments(self, stage_id: str | None = None) -> list[Segment]:
        sid = stage_id or self.current_stage_id()
        return list(self.bindings.get(sid, [])) if sid else []

    def _show_stage(self, _row: int = 0) -> None:
        sid = self.current_stage_id()
        self.table.setRowCount(0)
        if sid is None:
            self.heading.setText("No stages")
            return
        stage = self.map.stage(sid)
        self.heading.setText(f"Segments of {stage.name}")
        self.reset_stage_button.setEnabled(template_segments(stage.name) is not None)
        self.reset_stage_button.setToolTip(
            "The template binds no stage of this name" if template_segments(stage.name)
            is None else "Replace this stage's segments by the template's")
        for seg in self.bindings[sid]:
            self._append_row(seg)
        self._show_statuses(sid)
        self._update_preview()

    # -- tracker statuses (issue 18) ------------------------------------------------------------
    def found_statuses(self) -> pd.DataFrame:
        """The statuses of the loaded work items with their counts (empty without items)."""
        if self.previewer is None:
            return statuses_found_empty()
        return self.previewer.statuses

    def _owner_of(self, status: str, other_than: str) -> str | None:
        """The name of another stage (of the working copy) bound to ``status``."""
        key = _norm_status(status)
        for sid, bs in self.status_bindings.items():
            if sid != other_than and any(_norm_status(b.status) == key for b in bs):
                return self.map.stage(sid).name
        return None

    def _show_statuses(self, sid: str) -> None:
        found = self.found_statuses()
        bound = {_norm_status(b.status): b for b in self.status_bindings.get(sid, [])}
        rows = [(str(r.status), r.category if isinstance(r.category, str) else "",
                 int(r.items), float(r.seconds), str(r.default_kind))
                for r in found.itertuples()]
        seen = {_norm_status(r[0]) for r in rows}
        rows += [(b.status, "", 0, 0.0, "wait") for k, b in bound.items() if k not in seen]
        stage = self.map.stage(sid)
        if found.empty:
            self.status_heading.setText(
                f"<b>Tracker statuses of {stage.name}</b> — no work items loaded: add a "
                "tracker export (Jira, GitHub issues, Azure Boards or a table of status "
                "changes) in the Data sources panel to bind this stage to its statuses.")
        else:
            n_items = int(self.previewer.prepared.items.view.changes.shape[0]) \
                if self.previewer is not None and self.previewer.prepared.items is not None \
                else 0
            self.status_heading.setText(
                f"<b>Tracker statuses of {stage.name}</b> — {len(found)} statuses found in "
                f"the work items ({fmt.count(n_items, 'items')} measured); time in a bound "
                "status is the stage's wait or work.")
        t = self.status_table
        t.blockSignals(True)
        t.setRowCount(0)
        for status, category, n, seconds, default in rows:
            r = t.rowCount()
            t.insertRow(r)
            check = QTableWidgetItem()
            check.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            b = bound.get(_norm_status(status))
            check.setCheckState(Qt.CheckState.Checked if b is not None
                                else Qt.CheckState.Unchecked)
            check.setData(Qt.ItemDataRole.UserRole, status)
            owner = self._owner_of(status, sid)
            if owner is not None and b is None:
                check.setFlags(Qt.ItemFlag.ItemIsUserCheckable)  # shown, not enabled
                check.setToolTip(f"Bound to {owner}: a status belongs to one stage")
            t.setItem(r, 0, check)
            name = QTableWidgetItem(status + (f"  (on {owner})" if owner and b is None
                                              else ""))
            name.setFlags(Qt.ItemFlag.ItemIsEnabled)
            t.setItem(r, 1, name)
            for c, text in ((2, CATEGORY_TEXT.get(category, category or "not in the data")),
                            (3, fmt.count(n)), (4, fmt.duration(seconds, self.day)
                                                if seconds else fmt.DASH)):
                it = QTableWidgetItem(text)
                it.setFlags(Qt.ItemFlag.ItemIsEnabled)
                if c in (3, 4):
                    it.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                        | Qt.AlignmentFlag.AlignVCenter)
                t.setItem(r, c, it)
            box = QComboBox()
            box.addItem(f"default: {default} (from the category)", "")
            box.addItem("wait", "wait")
            box.addItem("work (active)", "active")
            box.setCurrentIndex(max(box.findData(b.kind.value if b is not None and b.kind
                                                 else ""), 0))
            box.setProperty("status", status)
            box.setEnabled(b is not None)
            box.currentIndexChanged.connect(lambda _i, bx=box: self._status_kind_changed(bx))
            t.setCellWidget(r, 5, box)
        t.blockSignals(False)
        t.setVisible(bool(rows))

    def statuses(self, stage_id: str | None = None) -> list[StatusBinding]:
        sid = stage_id or self.current_stage_id()
        return list(self.status_bindings.get(sid, [])) if sid else []

    def set_status_bound(self, status: str, bound: bool, kind: SegmentKind | None = None,
                         stage_id: str | None = None) -> None:
        """Bind (or unbind) a tracker status to a stage in the working copy."""
        sid = stage_id or self.current_stage_id()
        if sid is None:
            return
        key = _norm_status(status)
        rest = [b for b in self.status_bindings[sid] if _norm_status(b.status) != key]
        self.status_bindings[sid] = [*rest, StatusBinding(status, kind)] if bound else rest
        if sid == self.current_stage_id():
            self._show_stage()

    def _status_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() != 0:
            return
        status = str(item.data(Qt.ItemDataRole.UserRole))
        self.set_status_bound(status, item.checkState() == Qt.CheckState.Checked)

    def _status_kind_changed(self, box: QComboBox) -> None:
        sid = self.current_stage_id()
        if sid is None:
            return
        status = str(box.property("status"))
        kind = str(box.currentData() or "")
        key = _norm_status(status)
        self.status_bindings[sid] = [
            StatusBinding(b.status, SegmentKind(kind) if kind else None)
            if _norm_status(b.status) == key else b for b in self.status_bindings[sid]]
        self._update_preview()

    def _combo(self, items: list[tuple[str, str]], current: str, tips: dict[str, str]
               ) -> QComboBox:
        box = QComboBox()
        for data, text in items:
            box.addItem(text, data)
            if data in tips:
                box.setItemData(box.count() - 1, tips[data], Qt.ItemDataRole.ToolTipRole)
        i = box.findData(current)
        box.setCurrentIndex(max(i, 0))
        box.currentIndexChanged.connect(self._rows_edited)
        return box

    def _append_row(self, seg: Segment) -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        events = [(e, e) for e in self._events]
        help_ = self._event_help
        self.table.setCellWidget(r, self.FROM, self._combo(events, seg.from_event, help_))
        self.table.setCellWidget(r, self.TO, self._combo(events, seg.to_event, help_))
        self.table.setCellWidget(r, self.KIND, self._combo(list(KIND_TEXT.items()),
                                                           _kind(seg), {}))
        self.table.setCellWidget(r, self.PREVIEW, QLabel())
        rm = QToolButton()
        rm.setText("Remove")
        rm.setToolTip("Remove this segment")
        rm.clicked.connect(lambda _=False, b=rm: self._remove_row_of(b))
        self.table.setCellWidget(r, self.REMOVE, rm)

    def _row_segments(self) -> list[Segment]:
        out = []
        for r in range(self.table.rowCount()):
            def val(c: int, r: int = r) -> str:
                w = self.table.cellWidget(r, c)
                assert isinstance(w, QComboBox)
                return str(w.currentData())
            out.append(Segment(val(self.FROM), val(self.TO), SegmentKind(val(self.KIND))))
        return out

    def _rows_edited(self, *_args: Any) -> None:
        sid = self.current_stage_id()
        if sid is not None:
            self.bindings[sid] = self._row_segments()
            self._update_preview()

    def _remove_row_of(self, button: QToolButton) -> None:
        for r in range(self.table.rowCount()):
            if self.table.cellWidget(r, self.REMOVE) is button:
                self.remove_segment(r)
                return

    # -- editing (the working copy) ------------------------------------------------------------------
    def add_segment(self, segment: Segment | None = None) -> None:
        """Add a segment to the current stage (default: from its last segment's end)."""
        sid = self.current_stage_id()
        if sid is None:
            return
        segs = self.bindings[sid]
        if segment is None:
            start = segs[-1].to_event if segs else EVENTS[0]
            nxt = EVENTS[min(EVENTS.index(start) + 1, len(EVENTS) - 1)] \
                if start in EVENTS else EVENTS[-1]
            segment = Segment(start, nxt, SegmentKind.WAIT)
        self.bindings[sid] = [*segs, segment]
        self._show_stage()

    def remove_segment(self, row: int) -> None:
        sid = self.current_stage_id()
        if sid is None:
            return
        segs = self.bindings[sid]
        self.bindings[sid] = segs[:row] + segs[row + 1:]
        self._show_stage()

    def set_segments(self, segments: list[Segment], stage_id: str | None = None) -> None:
        """Replace a stage's segments in the working copy (default: the current stage)."""
        sid = stage_id or self.current_stage_id()
        if sid is None:
            return
        self.bindings[sid] = list(segments)
        if sid == self.current_stage_id():
            self._show_stage()

    def reset_stage(self, stage_id: str | None = None) -> bool:
        """The template's segments for one stage; False when the template has no such stage."""
        sid = stage_id or self.current_stage_id()
        if sid is None:
            return False
        segs = template_segments(self.map.stage(sid).name)
        if segs is None:
            return False
        self.set_segments(segs, sid)
        return True

    def reset_all(self) -> None:
        """Every stage the template knows back to its defaults (others unchanged)."""
        for sid in self.bindings:
            segs = template_segments(self.map.stage(sid).name)
            if segs is not None:
                self.bindings[sid] = segs
        self._show_stage()

    # -- preview -----------------------------------------------------------------------------------
    def preview(self, stage_id: str | None = None) -> BindingPreview | None:
        """What the working copy of a stage gives on the measurement (None: not measured)."""
        if self.previewer is None:
            return None
        return self.previewer.preview(self.segments(stage_id), self.statuses(stage_id))

    def _noun(self) -> str:
        return self.previewer.noun if self.previewer is not None else "changes"

    def _problem(self, segs: list[Segment]) -> str:
        for seg in segs:
            if seg.from_event == seg.to_event:
                return f"A segment goes from {seg.from_event} to itself."
        return ""

    def _update_preview(self) -> None:
        segs = self.segments()
        problem = self._problem(segs)
        pv = self.preview() if not problem else None
        for r in range(self.table.rowCount()):
            label = self.table.cellWidget(r, self.PREVIEW)
            assert isinstance(label, QLabel)
            if problem and segs[r].from_event == segs[r].to_event:
                label.setText("from and to are the same event")
            elif pv is None:
                label.setText("not measured")
            else:
                label.setText(stats_text(pv.segments[r], self.day, self._noun()))
        if problem:
            self.stage_total.setText(f"<span style='color:#c62828'>{problem}</span>")
        elif not segs and not self.statuses():
            self.stage_total.setText("Unbound: this stage shows no measurement on the map.")
        elif pv is None:
            self.stage_total.setText("On the map: measured once data sources are added.")
        else:
            self.stage_total.setText(
                f"<b>On the map</b> — wait: {stats_text(pv.wait, self.day, self._noun())}; "
                f"work: {stats_text(pv.active, self.day, self._noun())}")
        ok = self.button_box.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not any(self._problem(s) for s in self.bindings.values()))

    # -- applying ------------------------------------------------------------------------------------
    def changed_stages(self) -> dict[str, dict[str, Any]]:
        """Stage id → the fields (``segments``, ``statuses``) whose binding differs from the
        map's."""
        out: dict[str, dict[str, Any]] = {}
        for sid, segs in self.bindings.items():
            if not self.map.has_stage(sid):
                continue
            stage = self.map.stage(sid)
            fields: dict[str, Any] = {}
            if segs != list(stage.segments):
                fields["segments"] = segs
            if self.status_bindings.get(sid, []) != list(stage.statuses):
                fields["statuses"] = list(self.status_bindings.get(sid, []))
            if fields:
                out[sid] = fields
        return out

    def apply(self) -> int:
        """Push the changes as one undo step; returns the number of stages changed."""
        changed = self.changed_stages()
        if not changed:
            return 0
        self.undo_stack.beginMacro("Bind stages to data" if len(changed) > 1 else
                                   f"Bind {self.map.stage(next(iter(changed))).name} to data")
        try:
            for sid, fields in changed.items():
                self.undo_stack.push(SetStageFieldsCommand(self.map, sid, fields))
        finally:
            self.undo_stack.endMacro()
        c = self.controller
        if c is not None and c.vsm_map is self.map:
            c.set_map(self.map)  # measure with the new bindings now
        return len(changed)

    def accept(self) -> None:
        if any(self._problem(s) for s in self.bindings.values()):
            return
        self.apply()
        super().accept()
