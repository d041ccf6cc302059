"""The improvement dock: the one constraint now, and the items that attack it.

At the top, :class:`ConstraintHeader` leads with the single current constraint (the stage
with the largest wait share in the window), its share and the analysis's sentence, and a
button that plans an improvement item targeting it. Below, the items: each tied to a stage
(a kaizen burst becomes one), with the constraint it targets, the commitment, the owner team,
dates, status and its leading indicators. The selected item's indicators are plotted since the
item started (:func:`vsm_app.analysis.indicators.indicator_series` on the measured tables),
each with its target line and "reached" / "not yet".

Every edit (new, edit, status, delete, from kaizen) is one undo command.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import pandas as pd
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...analysis.constraint import constraint_sentence
from ...analysis.coverage import coverage_sentence, withheld_advice
from ...analysis.dora import PRODUCTION_ENVIRONMENTS
from ...analysis.indicators import INDICATORS, indicator_series
from ...analysis.results import Constraint
from ...domain.durations import DurationError, format_duration, parse_duration
from ...domain.improvement import (
    ImprovementItem,
    IndicatorTarget,
    ItemStatus,
    item_from_kaizen,
    read_items,
)
from ...domain.model import KaizenBurst, ValueStreamMap
from ...metrics import format as fmt
from ...metrics.catalogue import metric
from .charts import TrendChart, to_epoch_s
from .commands import put_item_command, remove_item_command
from .common import STATUS_LABELS, ImproveContext, ValidatedDialog, fit_tree, label

#: the leading indicator that usually moves first when a stage of this name improves
SUGGESTED_INDICATORS: dict[str, str] = {
    "coding": "pr_size", "review": "time_to_first_review", "merge": "review_time",
    "ci": "ci_queue_time", "release": "batch_size", "deploy": "batch_size",
    "release train wait": "batch_size", "change approval board": "batch_size",
}


def suggested_indicator(stage_name: str | None) -> str | None:
    return SUGGESTED_INDICATORS.get((stage_name or "").strip().lower())


def fmt_target(target: IndicatorTarget) -> str:
    """``≤ 4h``, ``≥ 12 lines``."""
    sign = "≤" if target.direction == "down" else "≥"
    return f"{sign} {indicator_value(target.indicator, target.target)}"


def indicator_value(indicator: str, value: float | None) -> str:
    """An indicator's value through the metric catalogue: ``4h``, ``12 lines``, ``3 changes``."""
    return fmt.value(f"indicator.{indicator}", value, with_noun=True)


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


# -- the measured progress of one indicator ------------------------------------------------------

@dataclass(frozen=True)
class Progress:
    """One indicator of an item since its start: the series, the latest value and whether the
    target is reached (None when nothing is measured)."""

    target: IndicatorTarget
    series: pd.DataFrame
    latest: float | None
    latest_at: pd.Timestamp | None
    reached: bool | None

    @property
    def name(self) -> str:
        return INDICATORS[self.target.indicator].name

    @property
    def unit(self) -> str:
        """The chart unit (the catalogue format of the indicator)."""
        return metric(f"indicator.{self.target.indicator}").format.value


def item_indicator_progress(item: ImprovementItem, tables: Any, period: str,
                            environments: tuple[str, ...] = PRODUCTION_ENVIRONMENTS
                            ) -> list[Progress]:
    """Each indicator of ``item`` from its start, per ``period``; empty without a start."""
    if item.start is None or tables is None:
        return []
    out: list[Progress] = []
    for t in item.indicators:
        s = indicator_series(tables, t.indicator, item.start, period,
                             production_environments=environments)
        measured = s.dropna(subset=["value"])
        latest = float(measured["value"].iloc[-1]) if len(measured) else None
        at = pd.Timestamp(measured["period_start"].iloc[-1]) if len(measured) else None
        out.append(Progress(t, s, latest, at, t.reached(latest)))
    return out


def reached_text(p: Progress, period: str = "week") -> str:
    """``latest 19h (week of 26 Oct 2026) · target ≤ 4h · not yet``."""
    target = fmt_target(p.target)
    if p.latest is None:
        return f"target {target} · nothing measured since the start"
    when = f" ({period} of {fmt.date_text(p.latest_at)})" if p.latest_at is not None else ""
    verdict = "reached ✓" if p.reached else "not yet"
    return (f"latest {indicator_value(p.target.indicator, p.latest)}{when} · target {target} "
            f"· {verdict}")


# -- the item dialog ------------------------------------------------------------------------------

class _IndicatorRow:
    def __init__(self, indicator: str, suggested: bool) -> None:
        spec = INDICATORS[indicator]
        self.indicator = indicator
        self.unit = spec.unit
        self.check = QCheckBox(spec.name + ("  (suggested)" if suggested else ""))
        self.check.setObjectName(f"track.{indicator}")
        # the catalogue's definition and direction, then the exact rule of the computation
        self.check.setToolTip(f"{fmt.tooltip(f'indicator.{indicator}')}\n{spec.formula}")
        self.target = QLineEdit()
        self.target.setObjectName(f"target.{indicator}")
        self.target.setPlaceholderText({"s": "e.g. 4h", "lines": "e.g. 200",
                                        "changes": "e.g. 3"}.get(spec.unit, "target"))
        self.direction = QComboBox()
        self.direction.addItem("at or below", "down")
        self.direction.addItem("at or above", "up")
        self.direction.setCurrentIndex(0 if spec.better == "down" else 1)
        self.check.toggled.connect(self._sync)
        self._sync(False)

    def _sync(self, on: bool) -> None:
        self.target.setEnabled(on)
        self.direction.setEnabled(on)

    def set(self, t: IndicatorTarget) -> None:
        self.check.setChecked(True)
        self.target.setText(format_duration(t.target) if self.unit == "s" else f"{t.target:g}")
        self.direction.setCurrentIndex(0 if t.direction == "down" else 1)

    def value(self) -> IndicatorTarget | None:
        if not self.check.isChecked():
            return None
        text = self.target.text().strip()
        name = INDICATORS[self.indicator].name
        if not text:
            raise ValueError(f"{name}: enter a target")
        try:
            v = parse_duration(text) if self.unit == "s" else float(text.replace(",", "."))
        except (DurationError, ValueError):
            raise ValueError(f"{name}: {text!r} is not a "
                             f"{'duration such as 4h' if self.unit == 's' else 'number'}"
                             ) from None
        try:
            return IndicatorTarget(self.indicator, v, self.direction.currentData())
        except ValueError as e:
            raise ValueError(f"{name}: {e}") from None


class ItemDialog(ValidatedDialog):
    """Edit every field of an improvement item; OK builds a validated item.

    The caller connects ``accepted`` and reads :meth:`item`; invalid input is shown in the
    dialog (which stays open) and nothing is applied.
    """

    def __init__(self, ctx: ImproveContext, item: ImprovementItem, title: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setObjectName("itemDialog")
        self.ctx = ctx
        self.base = item
        self._result: ImprovementItem | None = None

        self.title_edit = QLineEdit(item.title)
        self.title_edit.setObjectName("itemTitle")
        self.stage = QComboBox()
        self.stage.setObjectName("itemStage")
        self.stage_choices: list[tuple[str | None, str | None]] = [(None, None)]
        self.stage.addItem("(no stage)")
        for m in ctx.project.maps:
            for st in m.stages:
                self.stage.addItem(f"{m.name} ▸ {st.name}")
                self.stage_choices.append((m.id, st.id))
        key = (item.map_id, item.stage_id) if item.stage_id else (None, None)
        self.stage.setCurrentIndex(self.stage_choices.index(key)
                                   if key in self.stage_choices else 0)
        self.constraint = QComboBox()
        self.constraint.setObjectName("itemConstraint")
        self.constraint.setEditable(True)
        self.constraint.addItem("")
        names: list[str] = []
        for m in ctx.project.maps:
            names += [s.name for s in m.stages if s.name not in names]
        self.constraint.addItems(names)
        self.constraint.setCurrentText(item.targets_constraint or "")
        self.commitment = QPlainTextEdit(item.commitment)
        self.commitment.setObjectName("itemCommitment")
        self.commitment.setPlaceholderText("What the team commits to, e.g. first review "
                                           "within 4 working hours")
        self.commitment.setFixedHeight(60)
        self.owner = QLineEdit(item.owner_team)
        self.owner.setObjectName("itemOwner")
        self.owner.setPlaceholderText("a team, e.g. Platform team (never a person)")
        today = date.today()
        self.has_start = QCheckBox("Start")
        self.start = QDateEdit(_qdate(item.start or today))
        self.has_end = QCheckBox("End")
        self.end = QDateEdit(_qdate(item.end or today))
        for box, edit, v in ((self.has_start, self.start, item.start),
                             (self.has_end, self.end, item.end)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            box.toggled.connect(edit.setEnabled)
            box.setChecked(v is not None)
            edit.setEnabled(v is not None)
        self.start.setObjectName("itemStart")
        self.end.setObjectName("itemEnd")
        self.status = QComboBox()
        self.status.setObjectName("itemStatus")
        for s in ItemStatus:
            self.status.addItem(STATUS_LABELS[s.value], s.value)
        self.status.setCurrentIndex(self.status.findData(item.status.value))
        self.notes = QPlainTextEdit(item.notes)
        self.notes.setFixedHeight(50)

        suggested = suggested_indicator(item.targets_constraint
                                        or ctx.stage_name(item.map_id, item.stage_id))
        self.rows = {k: _IndicatorRow(k, k == suggested) for k in INDICATORS}
        for t in item.indicators:
            self.rows[t.indicator].set(t)
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        for r, row in enumerate(self.rows.values()):
            grid.addWidget(row.check, r, 0)
            grid.addWidget(row.direction, r, 1)
            grid.addWidget(row.target, r, 2)

        dates = QHBoxLayout()
        for w in (self.has_start, self.start, self.has_end, self.end):
            dates.addWidget(w)
        dates.addStretch(1)
        form = QFormLayout()
        form.addRow("Title", self.title_edit)
        form.addRow("Stage", self.stage)
        form.addRow("Targets the constraint", self.constraint)
        form.addRow("Commitment", self.commitment)
        form.addRow("Owner team", self.owner)
        form.addRow("Dates", dates)
        form.addRow("Status", self.status)
        form.addRow("Notes", self.notes)

        self.lay_out(form, label("Leading indicators (plotted from the start date, with the "
                                 "target)", "heading"), grid, error_name="itemError")
        self.resize(620, 640)

    def stage_choice(self) -> tuple[str | None, str | None]:
        """``(map_id, stage_id)`` of the chosen stage (Nones for no stage)."""
        return self.stage_choices[max(self.stage.currentIndex(), 0)]

    def build(self) -> ImprovementItem:
        """The item as entered; ``ValueError`` names the first bad field."""
        map_id, stage_id = self.stage_choice()
        targets = [t for t in (row.value() for row in self.rows.values()) if t is not None]
        constraint = self.constraint.currentText().strip() or None
        return replace(
            self.base, title=" ".join(self.title_edit.text().split()),
            map_id=map_id if stage_id else self.base.map_id, stage_id=stage_id,
            targets_constraint=constraint, commitment=self.commitment.toPlainText().strip(),
            owner_team=self.owner.text().strip(),
            start=_pydate(self.start.date()) if self.has_start.isChecked() else None,
            end=_pydate(self.end.date()) if self.has_end.isChecked() else None,
            status=ItemStatus(self.status.currentData()), indicators=targets,
            notes=self.notes.toPlainText().strip())

    def item(self) -> ImprovementItem | None:
        """The validated item after OK."""
        return self._result


# -- the constraint header ------------------------------------------------------------------------

class ConstraintHeader(QFrame):
    """"Constraint now": the stage, its wait share, the sentence, and a button to plan for it.

    Signals
    -------
    plan_requested(str)
        The user wants an item targeting the constraint (its stage name).
    """

    plan_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("constraintNow")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.stage: str | None = None
        self.caption = QLabel("CONSTRAINT NOW")
        self.caption.setObjectName("constraintCaption")
        self.name = QLabel("—")
        self.name.setObjectName("constraintStage")
        f = self.name.font()
        f.setPointSizeF(max(f.pointSizeF(), 9.0) * 1.8)
        f.setBold(True)
        self.name.setFont(f)
        self.share = label("", name="constraintShare")
        self.sentence = label("", "hint", name="constraintSentence")
        self.plan = QPushButton("Plan an improvement for it")
        self.plan.setObjectName("planForConstraint")
        self.plan.clicked.connect(lambda: self.stage and self.plan_requested.emit(self.stage))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 8)
        lay.setSpacing(2)
        lay.addWidget(self.caption)
        lay.addWidget(self.name)
        lay.addWidget(self.share)
        lay.addWidget(self.sentence)
        lay.addSpacing(4)
        lay.addWidget(self.plan, 0, Qt.AlignmentFlag.AlignLeft)
        self.set_bottleneck(None)

    def set_bottleneck(self, bottleneck: Constraint | None) -> None:
        stage = bottleneck.stage if bottleneck is not None else None
        self.stage = stage
        self.plan.setEnabled(stage is not None)
        coverage = coverage_sentence(bottleneck)
        if stage is None:
            if coverage:  # measured, but too little data for a verdict: say on what
                self.name.setText("withheld")
                self.share.setText(withheld_advice(bottleneck))
                self.sentence.setText(coverage)
            else:
                self.name.setText("not measured")
                self.share.setText("Measure the stream to find the stage where work waits "
                                   "most.")
                self.sentence.setText("")
            self._tint(False)
            return
        assert bottleneck is not None
        self.name.setText(str(stage))
        self.share.setText(f"{fmt.value('bottleneck.share', bottleneck.share)} of all flow "
                           f"time is spent waiting in {stage}: the largest wait share of any "
                           f"stage. {coverage}")
        self.sentence.setText(constraint_sentence(bottleneck))
        self._tint(True)

    def _tint(self, on: bool) -> None:
        from .common import is_dark

        alert = "#ff6b6b" if is_dark() else "#c62828"
        self.name.setStyleSheet(f"color: {alert};" if on else "")
        self.caption.setStyleSheet(f"color: {alert}; font-weight: bold; letter-spacing: 1px;")
        self.setStyleSheet(f"QFrame#constraintNow {{ border: 2px solid {alert}; "
                           f"border-radius: 6px; }}" if on else "")


# -- the dock --------------------------------------------------------------------------------------

class ImprovementDock(QWidget):
    """The body of ``dock.improvement``: constraint header, items, and the selected item's
    indicators."""

    def __init__(self, ctx: ImproveContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._items: list[ImprovementItem] = []
        self.dialog: ItemDialog | None = None
        self.charts: dict[str, TrendChart] = {}
        self.progress: list[Progress] = []

        self.header = ConstraintHeader()
        self.header.plan_requested.connect(lambda stage: self.plan_for_constraint(stage))

        self.new_button = QPushButton("New item…")
        self.new_button.setObjectName("newItem")
        self.new_button.clicked.connect(lambda: self.new_item())
        self.kaizen_button = QToolButton()
        self.kaizen_button.setObjectName("itemFromKaizen")
        self.kaizen_button.setText("From kaizen ▾")
        self.kaizen_button.setToolTip("Make an improvement item from a kaizen burst on a map")
        self.kaizen_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.kaizen_menu = QMenu(self.kaizen_button)
        self.kaizen_menu.aboutToShow.connect(self._fill_kaizen_menu)
        self.kaizen_button.setMenu(self.kaizen_menu)
        self.edit_button = QPushButton("Edit…")
        self.edit_button.clicked.connect(lambda: self.edit_selected())
        self.delete_button = QPushButton("Delete")
        self.delete_button.clicked.connect(self.delete_selected)
        buttons = QHBoxLayout()
        for b in (self.new_button, self.kaizen_button, self.edit_button, self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)

        self.list = QTreeWidget()
        self.list.setObjectName("itemList")
        self.list.setHeaderLabels(["Item", "Stage", "Status", "Indicators"])
        self.list.setRootIsDecorated(False)
        hh = self.list.header()
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in (1, 2, 3):
            hh.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.list.currentItemChanged.connect(lambda *_: self.refresh_details())
        self.list.itemDoubleClicked.connect(lambda *_: self.edit_selected())
        self.empty_hint = label("No improvement item yet. Plan one for the constraint, make one "
                                "from a kaizen burst on the map, or add a new one.", "hint")

        self.status_combo = QComboBox()
        self.status_combo.setObjectName("quickStatus")
        for s in ItemStatus:
            self.status_combo.addItem(STATUS_LABELS[s.value], s.value)
        self.status_combo.activated.connect(lambda _i: self._status_chosen())
        self.detail_title = label("", "heading", name="itemTitleLabel")
        self.detail = label("", name="itemDetail")
        self.commitment = label("", name="itemCommitmentLabel")
        status_row = QHBoxLayout()
        status_row.addWidget(self.detail_title, 1)
        status_row.addWidget(QLabel("Status"))
        status_row.addWidget(self.status_combo)
        self.details = QWidget()
        self.details.setObjectName("itemDetails")
        self.chart_box = QVBoxLayout()
        self.chart_box.setContentsMargins(0, 0, 0, 0)
        self.chart_message = label("", "hint", name="indicatorMessage")
        dl = QVBoxLayout(self.details)
        dl.setContentsMargins(0, 0, 0, 0)
        dl.addLayout(status_row)
        dl.addWidget(self.detail)
        dl.addWidget(self.commitment)
        dl.addWidget(self.chart_message)
        dl.addLayout(self.chart_box)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 8)
        lay.addWidget(self.header)
        lay.addWidget(label("Improvement items", "heading"))
        lay.addLayout(buttons)
        lay.addWidget(self.list)
        lay.addWidget(self.empty_hint)
        lay.addWidget(self.details)
        lay.addStretch(1)

        ctx.records_changed.connect(self._on_records)
        ctx.project_changed.connect(lambda _p: self.reload())
        ctx.maps_changed.connect(self.reload)
        ctx.on_result_when_shown(self, self.refresh_measured)
        self.reload()
        self.refresh_measured()

    # records --------------------------------------------------------------------------------
    def _on_records(self, section: str) -> None:
        if section == "items":
            self.reload()

    def items(self) -> list[ImprovementItem]:
        return list(self._items)

    def reload(self) -> None:
        keep = self.selected_item()
        try:
            self._items = read_items(self.ctx.project)
        except ValueError as e:
            self._items = []
            self.empty_hint.setText(f"The project's improvement items cannot be read: {e}")
        self.list.blockSignals(True)
        self.list.clear()
        select: QTreeWidgetItem | None = None
        for item in self._items:
            stage = self.ctx.stage_name(item.map_id, item.stage_id) or "—"
            it = QTreeWidgetItem([item.title, stage, STATUS_LABELS[item.status.value],
                                  self._indicator_summary(item)])
            it.setData(0, Qt.ItemDataRole.UserRole, item.id)
            it.setToolTip(0, item.title)
            self.list.addTopLevelItem(it)
            if keep is not None and item.id == keep.id:
                select = it
        if select is None and self.list.topLevelItemCount():
            select = self.list.topLevelItem(0)
        if select is not None:
            self.list.setCurrentItem(select)
        self.list.blockSignals(False)
        fit_tree(self.list)
        self.empty_hint.setVisible(not self._items)
        for b in (self.edit_button, self.delete_button):
            b.setEnabled(bool(self._items))
        self.refresh_details()

    def _indicator_summary(self, item: ImprovementItem) -> str:
        if not item.indicators:
            return "none"
        return f"{len(item.indicators)} tracked"

    def selected_item(self) -> ImprovementItem | None:
        it = self.list.currentItem() if hasattr(self, "list") else None
        if it is None:
            return None
        iid = it.data(0, Qt.ItemDataRole.UserRole)
        return next((i for i in self._items if i.id == iid), None)

    def select_item(self, item_id: str) -> None:
        for i in range(self.list.topLevelItemCount()):
            it = self.list.topLevelItem(i)
            if it.data(0, Qt.ItemDataRole.UserRole) == item_id:
                self.list.setCurrentItem(it)
                return
        raise KeyError(item_id)

    # editing ---------------------------------------------------------------------------------
    def open_dialog(self, item: ImprovementItem, title: str) -> ItemDialog:
        """Open the item dialog (non-blocking); OK pushes one command."""
        if self.dialog is not None:
            self.dialog.close()
        dlg = ItemDialog(self.ctx, item, title, self.window())
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.accepted.connect(lambda: self._dialog_done(dlg))
        dlg.destroyed.connect(lambda *_: self._forget_dialog(dlg))
        self.dialog = dlg
        dlg.open()
        return dlg

    def _forget_dialog(self, dlg: ItemDialog) -> None:
        if self.dialog is dlg:
            self.dialog = None

    def _dialog_done(self, dlg: ItemDialog) -> None:
        item = dlg.item()
        if item is None:
            return
        try:
            command = put_item_command(self.ctx.project, item)
        except ValueError as e:
            self.ctx.status(f"Cannot save the item: {e}", 8000)
            return
        self.ctx.push(command)
        self.select_item(item.id)

    def new_item(self) -> ItemDialog:
        m = self.ctx.current_map()
        return self.open_dialog(ImprovementItem("New improvement", map_id=m.id if m else None,
                                                start=date.today()), "New improvement item")

    def plan_for_constraint(self, stage_name: str | None = None) -> ItemDialog | None:
        """Open a new item targeting the constraint (its stage on the measured map)."""
        stage_name = stage_name or self.header.stage
        if not stage_name:
            return None
        m = self.ctx.measured_map()
        stage = m.stage_by_name(stage_name) if m is not None else None
        item = ImprovementItem(f"Reduce waiting in {stage_name}",
                               map_id=m.id if m else None, stage_id=stage.id if stage else None,
                               targets_constraint=stage_name, start=date.today(),
                               status=ItemStatus.PROPOSED)
        return self.open_dialog(item, f"Plan an improvement for {stage_name}")

    def edit_selected(self) -> ItemDialog | None:
        item = self.selected_item()
        if item is None:
            return None
        return self.open_dialog(item, f"Edit {item.title}")

    def delete_selected(self) -> None:
        item = self.selected_item()
        if item is not None:
            self.ctx.push(remove_item_command(self.ctx.project, item.id))

    def _status_chosen(self) -> None:
        item = self.selected_item()
        value = self.status_combo.currentData()
        if item is None or value == item.status.value:
            return
        new = replace(item, status=ItemStatus(value))
        self.ctx.push(put_item_command(self.ctx.project, new,
                                       f"Set {item.title} to {STATUS_LABELS[value]}"))

    def set_status(self, status: ItemStatus) -> None:
        """Set the selected item's status (one undo step)."""
        self.status_combo.setCurrentIndex(self.status_combo.findData(status.value))
        self._status_chosen()

    # kaizen bursts --------------------------------------------------------------------------
    def kaizens(self) -> list[tuple[ValueStreamMap, KaizenBurst]]:
        """Every kaizen burst of the project, current map first."""
        cur = self.ctx.current_map()
        maps = sorted(self.ctx.project.maps, key=lambda m: m is not cur)
        return [(m, k) for m in maps for k in m.kaizens.values()]

    def _fill_kaizen_menu(self) -> None:
        self.kaizen_menu.clear()
        pairs = self.kaizens()
        if not pairs:
            a = self.kaizen_menu.addAction("No kaizen burst on any map (press K on the map)")
            a.setEnabled(False)
            return
        made = {i.kaizen_id for i in self._items if i.kaizen_id}
        for m, k in pairs:
            first = next((ln.strip() for ln in k.text.splitlines() if ln.strip()), "Kaizen")
            stage = m.stage(k.stage_id).name if k.stage_id and m.has_stage(k.stage_id) else None
            text = f"{m.name} ▸ {first}" + (f"  ({stage})" if stage else "")
            if k.id in made:
                text += "  — already an item"
            act = self.kaizen_menu.addAction(text)
            act.triggered.connect(lambda _=False, m=m, k=k: self.item_from_kaizen(m.id, k.id))

    def item_from_kaizen(self, map_id: str, kaizen_id: str) -> ImprovementItem | None:
        """Make a proposed item from a kaizen burst (one undo step) and select it."""
        m = self.ctx.map_by_id(map_id)
        if m is None or kaizen_id not in m.kaizens:
            return None
        item = item_from_kaizen(m, m.kaizens[kaizen_id])
        self.ctx.push(put_item_command(self.ctx.project, item,
                                       f"Make item from kaizen {item.title}"))
        self.select_item(item.id)
        return item

    def item_from_selected_kaizen(self) -> ImprovementItem | None:
        """The kaizen burst selected on the current map becomes an item."""
        ed = self.ctx.window.current_editor()
        if ed is None:
            return None
        ids = [i for i in ed.scene.selected_element_ids() if i in ed.map.kaizens]
        if not ids:
            self.ctx.status("Select a kaizen burst on the map first", 5000)
            return None
        return self.item_from_kaizen(ed.map.id, ids[0])

    # details and indicators -------------------------------------------------------------------
    def refresh_measured(self) -> None:
        result = self.ctx.result
        self.header.set_bottleneck(result.bottleneck if result is not None else None)
        self.refresh_details()

    def refresh_details(self) -> None:
        item = self.selected_item()
        self.details.setVisible(item is not None)
        for chart in self.charts.values():
            self.chart_box.removeWidget(chart)
            chart.deleteLater()
        self.charts = {}
        self.progress = []
        if item is None:
            return
        self.status_combo.setCurrentIndex(self.status_combo.findData(item.status.value))
        self.detail_title.setText(item.title)
        parts = []
        stage = self.ctx.stage_name(item.map_id, item.stage_id)
        if stage:
            parts.append(f"Stage: {stage}")
        if item.targets_constraint:
            now = self.header.stage
            tag = " (the constraint now)" if now == item.targets_constraint else \
                f" (the constraint now is {now})" if now else ""
            parts.append(f"Targets the constraint: {item.targets_constraint}{tag}")
        if item.owner_team:
            parts.append(f"Owner team: {item.owner_team}")
        dates = f"{item.start or '…'} → {item.end or '…'}" if item.start or item.end else \
            "no dates yet"
        parts.append(f"Dates: {dates}")
        self.detail.setText("\n".join(parts))
        self.commitment.setText(f"Commitment: {item.commitment}" if item.commitment else "")
        self.commitment.setVisible(bool(item.commitment))
        self._plot(item)

    def _environments(self) -> tuple[str, ...]:
        options = getattr(self.ctx.controller, "options", None)
        if callable(options):
            return tuple(options().production_environments)
        return PRODUCTION_ENVIRONMENTS

    def _plot(self, item: ImprovementItem) -> None:
        if not item.indicators:
            self.chart_message.setText("No leading indicator chosen: edit the item to track "
                                       "one (PR size, time to first review, review time, CI "
                                       "queue time, batch size, WIP).")
            return
        if item.start is None:
            self.chart_message.setText("Set a start date to plot the indicators since the item "
                                       "started.")
            return
        tables = self.ctx.tables()
        if tables is None:
            self.chart_message.setText("Nothing measured yet: the indicators are computed from "
                                       "the project's data sources.")
            return
        self.progress = item_indicator_progress(item, tables, self.ctx.period(),
                                                self._environments())
        end = self.ctx.data_end()
        msg = f"Since {fmt.date_text(item.start)}, per {self.ctx.period()}."
        if end is not None and end < item.start:
            msg += f" The data ends {fmt.date_text(end)}, before the item started."
        self.chart_message.setText(msg)
        for p in self.progress:
            chart = TrendChart(p.name, p.unit, height=160, period=self.ctx.period())
            chart.setObjectName(f"indicator.{p.target.indicator}")
            chart.title.setToolTip(fmt.tooltip(f"indicator.{p.target.indicator}"))
            x = to_epoch_s(p.series["period_start"])
            chart.add_series(p.name, x, p.series["value"].to_numpy(dtype=float))
            chart.add_target(p.target.target, f"target {fmt_target(p.target)}")
            if len(x):
                chart.set_x_range(float(x[0]), float(x[-1]) + 7 * 86400.0)
            chart.set_message(reached_text(p, self.ctx.period()))
            if p.reached:
                chart.message.setProperty("role", "figure")
            self.charts[p.target.indicator] = chart
            self.chart_box.addWidget(chart)
