"""The properties dock: edit the selected stage, flow, kaizen burst or note, or the map.

Every field is parsed when the user presses Enter or leaves it: durations with the project's
one parser (``parse_duration``, aware of the map's day length), percentages as ``85%`` or
``0.85``. Invalid input is shown inline, in red, and NOT applied. A valid change is one undo
command. Fields refresh from the model's signals, so undo/redo shows here at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...domain import classic
from ...domain.durations import CALENDAR_DAY_S, DurationError, format_duration, parse_duration
from ...domain.model import (
    FlowKind,
    KaizenBurst,
    ModelError,
    Project,
    Segment,
    SegmentKind,
    ValueStreamMap,
)
from ...domain.numbers import (  # one %C&A reading (workshop proposals use it too)
    parse_decimal,
    parse_pca,
)
from ...metrics import format as fmt
from ...metrics.catalogue import metric
from .. import commands as cmd

Parser = Callable[[str], Any]
Formatter = Callable[[Any], str]


def parse_count(text: str) -> float | None:
    """A count ≥ 0 (inventory, demand) in the user's locale (``2,5`` or ``2.5``); empty →
    None."""
    t = text.strip()
    if not t:
        return None
    v = parse_decimal(t, fmt.current_locale().decimal)
    if v < 0:
        raise ValueError(f"{text!r}: must be a number ≥ 0")
    return v


def parse_people(text: str) -> int | None:
    t = text.strip()
    if not t:
        return None
    if not t.isdigit():
        raise ValueError(f"{text!r}: expected a whole number of people")
    return int(t)


def parse_wip_limit(text: str) -> int | None:
    """A WIP limit: a whole number of items ≥ 1 (``5``, ``5,0``); empty → no limit."""
    t = text.strip()
    if not t:
        return None
    try:
        v = parse_decimal(t, fmt.current_locale().decimal)
    except ValueError:
        v = -1.0
    if v != int(v) or v < 1:
        raise ValueError(f"{text!r}: expected a whole number of items, at least 1 "
                         "(leave empty for no limit)")
    return int(v)


def fmt_count(v: float | None) -> str:
    if v is None:
        return ""
    return f"{v:g}".replace(".", fmt.current_locale().decimal)


class Field(QObject):
    """One editable value: a line edit, an inline error label, a parser and an apply step."""

    def __init__(self, label: str, parse: Parser, fmt: Formatter, apply: Callable[[Any], None],
                 placeholder: str = "", tooltip: str = "") -> None:
        super().__init__()
        self.label = label
        self.parse, self.fmt, self.apply = parse, fmt, apply
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        self.edit.setToolTip(tooltip)
        self.edit.setClearButtonEnabled(False)
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.hide()
        self.edit.editingFinished.connect(self.commit)
        self._value: Any = None
        self.show_error_row: Callable[[bool], None] = self.error.setVisible

    @property
    def invalid(self) -> bool:
        return bool(self.edit.property("invalid"))

    def set_invalid(self, message: str | None) -> None:
        self.edit.setProperty("invalid", bool(message))
        self.edit.style().unpolish(self.edit)
        self.edit.style().polish(self.edit)
        text = (message or "").replace(
            "expected a duration such as 45s, 10 min, 2h, 1.5d, 1d 4h, 3 days or 1 week",
            "try 45s, 10 min, 2h, 1.5d or 1d 4h")
        self.error.setText(text)
        self.error.setToolTip(message or "")
        parent = self.error.parentWidget()
        if text and parent is not None:
            width = max(120, parent.width() - 24)
            self.error.setMinimumHeight(self.error.heightForWidth(width))
        self.show_error_row(bool(message))

    def show_value(self, value: Any, force: bool = False) -> None:
        """Display the model's ``value`` unless the user is in the middle of an edit."""
        self._value = value
        if not force and (self.edit.isModified() or self.invalid):
            return
        text = self.fmt(value)
        if self.edit.text() != text:
            self.edit.setText(text)
        self.edit.setModified(False)

    def commit(self) -> None:
        """Parse the text; apply it when valid and different, else show why not."""
        if not self.edit.isModified() and not self.invalid:
            return
        try:
            value = self.parse(self.edit.text())
        except (ValueError, DurationError) as e:
            self.set_invalid(str(e))
            return
        self.set_invalid(None)
        self.edit.setModified(False)
        if value != self._value:
            try:
                self.apply(value)
            except ModelError as e:
                self.set_invalid(str(e))
                return
        self.show_value(self._value if value == self._value else value, force=True)


class _Page(QWidget):
    def __init__(self, title: str) -> None:
        super().__init__()
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.form.setVerticalSpacing(6)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 8, 10, 8)
        self.heading = QLabel(title)
        self.heading.setProperty("role", "heading")
        outer.addWidget(self.heading)
        outer.addLayout(self.form)
        outer.addStretch(1)
        self.fields: dict[str, Field] = {}

    def add_field(self, key: str, f: Field) -> Field:
        self.fields[key] = f
        self.form.addRow(QLabel(f.label), f.edit)
        self.form.addRow(f.error)  # spans both columns, so long messages wrap legibly
        row = self.form.rowCount() - 1
        def show_row(visible: bool, row: int = row) -> None:
            self.form.setRowVisible(row, visible)
            self.form.activate()

        f.show_error_row = show_row
        f.show_error_row(False)
        return f

    def add_section(self, text: str) -> None:
        lab = QLabel(text)
        lab.setProperty("role", "heading")
        self.form.addRow(lab)


class _NotesEdit(QPlainTextEdit):
    """Multi-line text applied when the editor loses focus (one command per edit)."""

    def __init__(self, on_commit: Callable[[str], None]) -> None:
        super().__init__()
        self.on_commit = on_commit
        self.setTabChangesFocus(True)
        self.setFixedHeight(72)

    def focusOutEvent(self, e: Any) -> None:
        super().focusOutEvent(e)
        self.on_commit(self.toPlainText())


def bindings_text(segments: list[Segment]) -> str:
    """``wait: pr_opened → first_review`` lines, or how to bind an unbound stage."""
    if not segments:
        return "Not bound: the map shows only the workshop estimates for this stage."
    return "\n".join(f"{seg.kind.value if isinstance(seg.kind, SegmentKind) else seg.kind}: "
                     f"{seg.from_event} → {seg.to_event}" for seg in segments)


class PropertiesDock(QDockWidget):
    """Properties of the selection (stage, flow, kaizen, note) or of the map.

    Signals: ``bind_requested(str)`` (a stage id): the stage page's "Bind to data…".
    """

    bind_requested = Signal(str)

    def __init__(self, undo_stack: QUndoStack, parent: QWidget | None = None) -> None:
        super().__init__("Properties", parent)
        self.setObjectName("dock.properties")
        self.undo_stack = undo_stack
        self.map: ValueStreamMap | None = None
        #: the open project (its name is edited on the map page)
        self.project: Project | None = None
        self.editor: Any = None
        self.target_kind = "map"
        self.target_id: str | None = None
        self.stack = QStackedWidget()
        self._build_stage_page()
        self._build_flow_page()
        self._build_map_page()
        self._build_element_page()
        self.empty = QLabel("No map")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.empty)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.stack)
        self.setWidget(scroll)
        self.setMinimumWidth(280)
        self.stack.setCurrentWidget(self.empty)

    # -- plumbing --------------------------------------------------------------------------------
    def _push(self, command: QUndoCommand) -> None:
        self.undo_stack.push(command)

    def _day(self) -> float:
        return self.map.settings.day_length_s if self.map is not None else CALENDAR_DAY_S

    def _duration(self, text: str) -> float | None:
        t = text.strip()
        return None if not t else parse_duration(t, self._day())

    def _fmt_duration(self, v: float | None) -> str:
        return "" if v is None else format_duration(v, self._day(), precise=True)

    def _model_signals(self) -> list[tuple[Any, Any]]:
        assert self.map is not None
        m = self.map
        return [(m.stage_changed, self._on_model_changed), (m.flow_changed, self._on_model_changed),
                (m.element_changed, self._on_model_changed),
                (m.settings_changed, self._on_model_changed), (m.renamed, self._on_model_changed),
                (m.stage_removed, self._on_removed), (m.flow_removed, self._on_removed),
                (m.element_removed, self._on_removed)]

    def set_editor(self, editor: Any) -> None:
        """Follow ``editor`` (a MapEditor, or None): its selection and its map."""
        if self.editor is not None:
            try:
                self.editor.selection_changed.disconnect(self.update_from_selection)
                self.editor.scene.metrics_changed.disconnect(self._on_metrics)
            except (RuntimeError, TypeError):
                pass
        if self.map is not None:
            for sig, slot in self._model_signals():
                sig.disconnect(slot)
        self.editor = editor
        self.map = editor.map if editor is not None else None
        if editor is None:
            self.stack.setCurrentWidget(self.empty)
            return
        for sig, slot in self._model_signals():
            sig.connect(slot)
        editor.selection_changed.connect(self.update_from_selection)
        editor.scene.metrics_changed.connect(self._on_metrics)
        self.update_from_selection()

    def detach(self) -> None:
        self.set_editor(None)

    def set_project(self, project: Project | None) -> None:
        """Follow ``project`` (its name is shown and edited on the map page)."""
        if self.project is not None:
            self.project.renamed.disconnect(self._on_model_changed)
        self.project = project
        if project is not None:
            project.renamed.connect(self._on_model_changed)
        self.refresh()

    def focus_project_name(self) -> None:
        """File ▸ Project properties…: the map page with the cursor in the project name."""
        self.show()
        self.raise_()
        if self.editor is not None:
            self.editor.scene.clearSelection()
        self.show_target("map", None)
        edit = self.map_page.fields["project_name"].edit
        edit.setFocus()
        edit.selectAll()

    def update_from_selection(self) -> None:
        """Show the page of the single selected item, or the map page."""
        if self.editor is None:
            return
        try:
            ids = self.editor.scene.selected_ids()
        except RuntimeError:  # the scene is being destroyed with the application
            return
        if len(ids) == 1:
            mid = ids[0]
            assert self.map is not None
            if self.map.has_stage(mid):
                self.show_target("stage", mid)
                return
            if self.map.has_flow(mid):
                self.show_target("flow", mid)
                return
            if mid in self.map.kaizens or mid in self.map.notes:
                self.show_target("element", mid)
                return
        self.show_target("map", None)

    def show_target(self, kind: str, target_id: str | None) -> None:
        """Show the page of one model element (``stage``/``flow``/``element``) or the map."""
        if (kind, target_id) != (self.target_kind, self.target_id):
            for page in (self.stage_page, self.flow_page, self.map_page, self.element_page):
                for f in page.fields.values():
                    f.set_invalid(None)
                    f.edit.setModified(False)
        self.target_kind, self.target_id = kind, target_id
        page = {"stage": self.stage_page, "flow": self.flow_page, "map": self.map_page,
                "element": self.element_page}[kind]
        self.stack.setCurrentWidget(page)
        self.refresh()

    def focus_text(self) -> None:
        """Put the cursor in the text of the shown kaizen burst or note."""
        if self.target_kind == "element":
            self.show()
            self.raise_()
            self.element_text.setFocus()
            self.element_text.selectAll()

    def _on_model_changed(self, *_args: Any) -> None:
        self.refresh()

    def _on_removed(self, obj: Any) -> None:
        if getattr(obj, "id", None) == self.target_id:
            self.show_target("map", None)

    def _on_metrics(self, _m: Any) -> None:
        self.refresh()

    def field(self, page: str, key: str) -> Field:
        """A field by page (stage, flow, map) and key, e.g. ``field("stage", "process_time_s")``."""
        return {"stage": self.stage_page, "flow": self.flow_page, "map": self.map_page}[
            page].fields[key]

    # -- stage -----------------------------------------------------------------------------------
    def _build_stage_page(self) -> None:
        p = self.stage_page = _Page("Stage")
        self.stack.addWidget(p)

        def set_field(key: str) -> Callable[[Any], None]:
            def apply(v: Any) -> None:
                assert self.map is not None and self.target_id is not None
                self._push(cmd.SetStageFieldsCommand(self.map, self.target_id, {key: v}))
            return apply

        def set_est(key: str) -> Callable[[Any], None]:
            def apply(v: Any) -> None:
                assert self.map is not None and self.target_id is not None
                self._push(cmd.SetEstimatesCommand(self.map, self.target_id, {key: v}))
            return apply

        def name(t: str) -> str:
            t = " ".join(t.split())
            if not t:
                raise ValueError("a stage needs a name")
            return t

        dur_hint = "e.g. 45s, 10 min, 2h, 1.5d, 1d 4h"
        p.add_field("name", Field("Name", name, str, set_field("name")))
        p.add_field("owner", Field("Owner / team", lambda t: t.strip(), str, set_field("owner")))
        p.add_field("people", Field("People", parse_people,
                                    lambda v: "" if v is None else str(v), set_field("people")))
        p.add_section("Workshop estimates")
        p.add_field("process_time_s", Field("Process time", self._duration, self._fmt_duration,
                                            set_est("process_time_s"), dur_hint,
                                            "Hands-on time per item"))
        p.add_field("wait_time_s", Field("Wait before", self._duration, self._fmt_duration,
                                         set_est("wait_time_s"), dur_hint,
                                         "Time an item waits before this stage"))
        p.add_field("inventory", Field("Inventory", parse_count, fmt_count, set_est("inventory"),
                                       "items waiting (uses demand/day)",
                                       "Items queued before the stage; converted to wait days "
                                       "with the map's demand per day"))
        p.add_field("lead_time_s", Field("Lead time", self._duration, self._fmt_duration,
                                         set_est("lead_time_s"), "optional: overrides wait + PT"))
        p.add_field("pca", Field("%C&A", parse_pca, lambda v: "" if v is None else fmt.percent(v, 2),
                                 set_est("pca"), "e.g. 85%",
                                 "Percent complete and accurate"))
        p.add_section("Measured from data")
        self.stage_bindings = QLabel()
        self.stage_bindings.setObjectName("stageBindings")
        self.stage_bindings.setProperty("role", "hint")
        self.stage_bindings.setWordWrap(True)
        p.form.addRow(self.stage_bindings)
        self.bind_button = QPushButton("Bind to data…")
        self.bind_button.setObjectName("bindStage")
        self.bind_button.setToolTip("Choose the events that measure this stage's wait and "
                                    "active time (Map ▸ Bind stages to data…, Ctrl+B)")
        self.bind_button.clicked.connect(
            lambda: self.target_id is not None and self.bind_requested.emit(self.target_id))
        p.form.addRow(self.bind_button)
        p.add_field("wip_limit", Field(
            "WIP limit", parse_wip_limit, lambda v: "" if v is None else str(v),
            set_field("wip_limit"), "no limit",
            "The most items this stage should hold at once; its measured daily WIP is "
            "checked against it"))
        p.add_section("Ranges (optional)")
        for key, label in (("process_time_min_s", "PT min"), ("process_time_max_s", "PT max"),
                           ("wait_time_min_s", "Wait min"), ("wait_time_max_s", "Wait max")):
            p.add_field(key, Field(label, self._duration, self._fmt_duration, set_est(key),
                                   dur_hint))
        self.stage_notes = _NotesEdit(self._commit_stage_notes)
        p.form.addRow("Notes", self.stage_notes)
        self.stage_figures = QLabel()
        self.stage_figures.setProperty("role", "hint")
        self.stage_figures.setWordWrap(True)
        p.form.addRow(self.stage_figures)

    def _commit_stage_notes(self, text: str) -> None:
        if self.target_kind != "stage" or self.map is None or self.target_id is None:
            return
        if not self.map.has_stage(self.target_id):
            return
        if self.map.stage(self.target_id).notes != text:
            self._push(cmd.SetStageFieldsCommand(self.map, self.target_id, {"notes": text}))

    def _refresh_stage(self) -> None:
        assert self.map is not None and self.target_id is not None
        stage = self.map.stage(self.target_id)
        f = self.stage_page.fields
        f["name"].show_value(stage.name)
        f["owner"].show_value(stage.owner)
        f["people"].show_value(stage.people)
        f["wip_limit"].show_value(stage.wip_limit)
        est = stage.estimates
        for key in ("process_time_s", "wait_time_s", "inventory", "lead_time_s", "pca",
                    "process_time_min_s", "process_time_max_s", "wait_time_min_s",
                    "wait_time_max_s"):
            f[key].show_value(getattr(est, key))
        if not self.stage_notes.hasFocus() and self.stage_notes.toPlainText() != stage.notes:
            self.stage_notes.setPlainText(stage.notes)
        m = self.editor.scene.metrics if self.editor is not None else classic.compute(self.map)
        fig = m.stage(stage.id)
        day = self._day()
        lines = [f"Lead time {fmt.duration(fig.lead_time_s, day)} = wait "
                 f"{fmt.duration(fig.wait_time_s, day)} + process "
                 f"{fmt.duration(fig.process_time_s, day)}"]
        if stage.id in m.main_path:
            lines.append("On the main path.")
        if fig.above_takt:
            lines.append("⚠ Process time exceeds takt: capacity bottleneck.")
        lines += [f"⚠ {e.message}" for e in m.errors if e.stage_id == stage.id]
        self.stage_figures.setText("\n".join(lines))
        self.stage_bindings.setText(bindings_text(stage.segments))

    # -- flow ------------------------------------------------------------------------------------
    def _build_flow_page(self) -> None:
        p = self.flow_page = _Page("Flow")
        self.stack.addWidget(p)
        self.flow_ends = QLabel()
        self.flow_ends.setProperty("role", "figure")
        p.form.addRow("From → to", self.flow_ends)
        self.flow_kind = QComboBox()
        for k in FlowKind:
            self.flow_kind.addItem({"push": "Push (solid)", "pull": "Pull (dashed)",
                                    "rework": "Rework loop (curved)"}[k.value], k.value)
        self.flow_kind.activated.connect(self._commit_flow_kind)
        p.form.addRow("Kind", self.flow_kind)

        def apply_label(v: str) -> None:
            assert self.map is not None and self.target_id is not None
            self._push(cmd.SetFlowFieldsCommand(self.map, self.target_id, {"label": v}))

        p.add_field("label", Field("Label", lambda t: t.strip(), str, apply_label))

        def apply_share(v: float | None) -> None:
            assert self.map is not None and self.target_id is not None
            self._push(cmd.SetFlowFieldsCommand(self.map, self.target_id, {"rework_share": v}))

        p.add_field("rework_share", Field(
            "%rework", parse_pca, lambda v: "" if v is None else fmt.percent(v, 1),
            apply_share, "e.g. 15%",
            "Rework flows: the share of the items leaving the first stage that are sent "
            "back (shown on the map beside the loop)"))

    def _commit_flow_kind(self, _index: int) -> None:
        if self.map is None or self.target_id is None or self.target_kind != "flow":
            return
        kind = FlowKind(self.flow_kind.currentData())
        if self.map.flow(self.target_id).kind != kind:
            self._push(cmd.SetFlowFieldsCommand(self.map, self.target_id, {"kind": kind}))

    def _refresh_flow(self) -> None:
        assert self.map is not None and self.target_id is not None
        flow = self.map.flow(self.target_id)
        self.flow_ends.setText(f"{self.map.stage(flow.source).name} → "
                               f"{self.map.stage(flow.target).name}")
        self.flow_kind.setCurrentIndex(self.flow_kind.findData(flow.kind.value))
        self.flow_page.fields["label"].show_value(flow.label)
        share = self.flow_page.fields["rework_share"]
        share.show_value(flow.rework_share)
        share.edit.setEnabled(flow.kind == FlowKind.REWORK)
        share.edit.setPlaceholderText("e.g. 15%" if flow.kind == FlowKind.REWORK
                                      else "rework flows only")

    # -- map -------------------------------------------------------------------------------------
    def _build_map_page(self) -> None:
        p = self.map_page = _Page("Map")
        self.stack.addWidget(p)

        def rename(v: str) -> None:
            assert self.map is not None
            self._push(cmd.RenameMapCommand(self.map, v))

        def name(t: str) -> str:
            t = " ".join(t.split())
            if not t:
                raise ValueError("a map needs a name")
            return t

        def set_setting(key: str) -> Callable[[Any], None]:
            def apply(v: Any) -> None:
                assert self.map is not None
                self._push(cmd.SetMapSettingsCommand(self.map,
                                                     replace(self.map.settings, **{key: v})))
            return apply

        def day_length(t: str) -> float:
            t = t.strip()
            v = CALENDAR_DAY_S if not t else parse_duration(t, CALENDAR_DAY_S)
            if not 0 < v <= CALENDAR_DAY_S:
                raise ValueError(f"{t!r}: a day length is more than 0 and at most 24h")
            return v

        def rename_project(v: str) -> None:
            if self.project is not None:
                self._push(cmd.RenameProjectCommand(self.project, v))

        def project_name(t: str) -> str:
            t = " ".join(t.split())
            if not t:
                raise ValueError("a project needs a name")
            return t

        p.add_field("name", Field("Name", name, str, rename))
        p.add_field("project_name", Field(
            "Project", project_name, str, rename_project, "project name",
            "The project's name: the window title before the first save, exports and "
            "reports"))
        p.add_section("Demand and time")
        p.add_field("demand_per_day", Field("Demand / day", parse_count, fmt_count,
                                            set_setting("demand_per_day"), "items per day"))
        p.add_field("available_time_per_day_s", Field(
            "Available time / day", self._duration, self._fmt_duration,
            set_setting("available_time_per_day_s"), "e.g. 7.5h"))
        p.add_field("day_length_s", Field(
            "Day length", day_length,
            lambda v: format_duration(v, CALENDAR_DAY_S, precise=True).replace("1d", "24h"),
            set_setting("day_length_s"), "24h calendar, or e.g. 8h working day",
            "What '1d' means in durations on this map"))
        p.add_section("Classic VSM (main path)")
        self.map_figures: dict[str, QLabel] = {}
        for label in ("Takt", "Lead time", "Process time", "Activity ratio", "Rolled %C&A",
                      "Capacity bottleneck"):
            lab = QLabel("—")
            lab.setProperty("role", "figure")
            self.map_figures[label] = lab
            p.form.addRow(QLabel(label), lab)
        self.map_errors = QLabel()
        self.map_errors.setProperty("role", "error")
        self.map_errors.setWordWrap(True)
        p.form.addRow(self.map_errors)

    def _refresh_map(self) -> None:
        assert self.map is not None
        m = self.map
        f = self.map_page.fields
        f["name"].show_value(m.name)
        f["project_name"].show_value(self.project.name if self.project is not None else "")
        f["project_name"].edit.setEnabled(self.project is not None)
        f["demand_per_day"].show_value(m.settings.demand_per_day)
        f["available_time_per_day_s"].show_value(m.settings.available_time_per_day_s)
        f["day_length_s"].show_value(m.settings.day_length_s)
        metrics = self.editor.scene.metrics if self.editor is not None else classic.compute(m)
        day = self._day()
        bottleneck = (m.stage(metrics.capacity_bottleneck).name
                      if metrics.capacity_bottleneck else "—")
        values = {metric(f"map.{k}").label: fmt.value(f"map.{k}", getattr(metrics, k),
                                                       day_length_s=day)
                  for k in ("takt_time_s", "lead_time_s", "process_time_s", "activity_ratio",
                            "rolled_pca")}
        values["Capacity bottleneck"] = bottleneck
        for k, v in values.items():
            self.map_figures[k].setText(v)
        self.map_errors.setText("\n".join(f"⚠ {e.message}" for e in metrics.errors))
        self.map_page.heading.setText(f"Map · {m.kind} state")

    # -- kaizen / note ---------------------------------------------------------------------------
    def _build_element_page(self) -> None:
        p = self.element_page = _Page("Note")
        self.stack.addWidget(p)
        self.element_text = _NotesEdit(self._commit_element_text)
        self.element_text.setFixedHeight(110)
        p.form.addRow("Text", self.element_text)
        self.element_link = QLabel()
        self.element_link.setProperty("role", "hint")
        p.form.addRow(self.element_link)

    def _commit_element_text(self, text: str) -> None:
        if self.target_kind != "element" or self.map is None or self.target_id is None:
            return
        el: Any = self.map.kaizens.get(self.target_id) or self.map.notes.get(self.target_id)
        if el is not None and el.text != text:
            self._push(cmd.SetElementFieldsCommand(self.map, el.id, {"text": text},
                                                   "Edit text"))

    def _refresh_element(self) -> None:
        assert self.map is not None and self.target_id is not None
        el: Any = self.map.kaizens.get(self.target_id) or self.map.notes.get(self.target_id)
        if el is None:
            return
        is_kaizen = isinstance(el, KaizenBurst)
        self.element_page.heading.setText("Kaizen burst" if is_kaizen else "Sticky note")
        if not self.element_text.hasFocus() and self.element_text.toPlainText() != el.text:
            self.element_text.setPlainText(el.text)
        if is_kaizen and el.stage_id and self.map.has_stage(el.stage_id):
            self.element_link.setText(f"Improves: {self.map.stage(el.stage_id).name}")
        else:
            self.element_link.setText("")

    # -- refresh ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the shown element from the model."""
        if self.map is None:
            return
        kind, tid = self.target_kind, self.target_id
        if kind == "stage" and tid and self.map.has_stage(tid):
            self._refresh_stage()
        elif kind == "flow" and tid and self.map.has_flow(tid):
            self._refresh_flow()
        elif kind == "element" and tid:
            self._refresh_element()
        elif kind == "map":
            self._refresh_map()
