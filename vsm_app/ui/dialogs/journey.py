"""Data ▸ Item journey…: one work item across the stages of the map (issue 18), for a
conversation in the workshop — its tracker statuses, then its linked changes' events, each
in the stage that measures it, with how long it stayed. Never a person: no assignee, no
author; a title only when the tracker file gave one (in memory, never saved)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...analysis.journey import Journey, find_items, item_journey, items_in_statuses
from ...metrics import format as fmt

#: row tints: a stay counted as waiting, as work, or not in any stage
KIND_TINT = {"wait": "#fde7c8", "active": "#d6ecd2"}
#: at most this many items listed for a stage (the newest; a 50,000-item tracker stays quick)
STAGE_LIST_MAX = 1000


class JourneyDialog(QDialog):
    """Look an item up by key and read its journey (see the module docstring)."""

    WHEN, UNTIL, STAGE, STEP, TIME, CHANGE = range(6)

    def __init__(self, controller: Any, parent: QWidget | None = None,
                 key: str | None = None, stage: Any = None) -> None:
        """``stage`` (a map :class:`~vsm_app.domain.model.Stage`): list the items that were in
        the tracker statuses bound to it, newest first; double-click one for its journey."""
        super().__init__(parent)
        self.setObjectName("journeyDialog")
        self.setWindowTitle("Item journey" if stage is None else f"Items in {stage.name}")
        #: the item ids listed for the stage, in the order shown
        self.stage_items: list[str] = []
        self.controller = controller
        self.journey: Journey | None = None
        self.key_edit = QLineEdit()
        self.key_edit.setObjectName("journeyKey")
        self.key_edit.setPlaceholderText("Item key, e.g. SHOP-12 or #45")
        self.key_edit.returnPressed.connect(self.show_entered)
        keys = self._keys()
        completer = QCompleter(QStringListModel(keys, self), self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.key_edit.setCompleter(completer)
        show = QPushButton("Show")
        show.clicked.connect(self.show_entered)
        top = QHBoxLayout()
        top.addWidget(QLabel("Item:"))
        top.addWidget(self.key_edit, 1)
        top.addWidget(show)
        self.summary = QLabel()
        self.summary.setObjectName("journeySummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("journeyTable")
        self.table.setHorizontalHeaderLabels(["When", "Until", "Stage", "Step", "Time",
                                              "Change"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        h = self.table.horizontalHeader()
        for c in range(6):
            h.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(self.STEP, QHeaderView.ResizeMode.Stretch)
        note = QLabel("Statuses come from the tracker export, events from the linked changes "
                      "(git, pull requests, CI, deployments). Tinted rows are measured by a "
                      "stage: orange waiting, green work. No person is shown.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        self.stage_table: QTableWidget | None = None
        self.stage_note = QLabel()
        self.stage_note.setObjectName("stageItemsNote")
        self.stage_note.setWordWrap(True)
        lay.addWidget(self.summary)
        if stage is not None:
            split = QSplitter(Qt.Orientation.Horizontal)
            left = QWidget()
            left_lay = QVBoxLayout(left)
            left_lay.setContentsMargins(0, 0, 0, 0)
            left_lay.addWidget(self.stage_note)
            self.stage_table = self._stage_list(stage)
            left_lay.addWidget(self.stage_table, 1)
            split.addWidget(left)
            split.addWidget(self.table)
            split.setStretchFactor(1, 2)
            split.setSizes([440, 800])
            lay.addWidget(split, 1)
        else:
            lay.addWidget(self.table, 1)
        lay.addWidget(note)
        lay.addWidget(buttons)
        self.resize(900 if stage is None else 1240, 560)
        if not keys:
            self.summary.setText("No work items loaded: add a tracker export in the Data "
                                 "sources panel (Data ▸ Add files…).")
        if key:
            self.key_edit.setText(key)
            self.show_entered()

    def _stage_list(self, stage: Any) -> QTableWidget:
        """The items that were in the stage's bound statuses: key, status, entered, left."""
        table = QTableWidget(0, 4)
        table.setObjectName("stageItems")
        table.setHorizontalHeaderLabels(["Item", "Status", "Entered", "Left"])
        table.verticalHeader().hide()
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        h = table.horizontalHeader()
        for c in range(4):
            h.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        table.cellDoubleClicked.connect(self._open_listed)
        table.cellActivated.connect(self._open_listed)  # Enter on a row
        statuses = [b.status for b in getattr(stage, "statuses", [])]
        data = self._data()
        tables = getattr(data, "tables", None)
        if not statuses:
            self.stage_note.setText(f"{stage.name} is not bound to tracker statuses: its "
                                    "items cannot be listed (Bind to data… binds statuses).")
            return table
        found = items_in_statuses(tables, statuses) if tables is not None else None
        if found is None or found.empty:
            self.stage_note.setText(f"No work item has been in {stage.name} "
                                    f"({', '.join(statuses)}).")
            return table
        now = int(found["left_at"].isna().sum())
        shown = found.head(STAGE_LIST_MAX)
        text = (f"{fmt.count(len(found), 'items')} were in {stage.name} "
                f"({', '.join(statuses)}), {fmt.count(now, 'items')} still there; newest "
                "first. Double-click one for its journey.")
        if len(shown) < len(found):
            text += f" Showing the newest {fmt.count(len(shown), 'items')}."
        self.stage_note.setText(text)
        table.setRowCount(len(shown))
        for r, row in enumerate(shown.itertuples(index=False)):
            left = (fmt.date_time(row.left_at) if not pd.isna(row.left_at)
                    else "still there")
            for c, v in enumerate((str(row.key), str(row.status),
                                   fmt.date_time(row.entered_at), left)):
                it = QTableWidgetItem(v)
                if c == 0:
                    it.setData(Qt.ItemDataRole.UserRole, str(row.item_id))
                table.setItem(r, c, it)
        self.stage_items = [str(i) for i in shown["item_id"]]
        return table

    def _open_listed(self, row: int, _column: int = 0) -> None:
        if 0 <= row < len(self.stage_items):
            key = self.stage_table.item(row, 0).text() if self.stage_table is not None else ""
            self.key_edit.setText(key)
            if self.stage_table is not None:
                self.stage_table.selectRow(row)
            self.show_item(self.stage_items[row])

    def _data(self) -> Any:
        return getattr(self.controller, "data", None) if self.controller is not None else None

    def _keys(self) -> list[str]:
        data = self._data()
        items = getattr(getattr(data, "tables", None), "items", None)
        if items is None or items.empty:
            return []
        return sorted(set(items["key"].dropna().astype(str)))

    def show_entered(self) -> bool:
        """Show the item whose key was typed (the first match); False when none matches."""
        data = self._data()
        text = self.key_edit.text()
        found = find_items(data.tables, text, 1) if data is not None else []
        if not found:
            self.journey = None
            self.table.setRowCount(0)
            self.summary.setText(f"No work item matches “{text}”." if text.strip() else "")
            return False
        return self.show_item(found[0])

    def show_item(self, item_id: str) -> bool:
        data = self._data()
        j = item_journey(data.tables, data.prepared, item_id) if data is not None else None
        self.journey = j
        self.table.setRowCount(0)
        if j is None:
            return False
        day = self._day_length()
        parts = [f"<b>{j.key}</b>", j.type or j.kind or "item"]
        if j.kind and j.type:
            parts[-1] += f" ({j.kind})"
        if j.title:
            parts.append(f"“{j.title}”")
        facts = [f"created {fmt.date_text(j.created_at)}" if j.created_at is not None else "",
                 f"started {fmt.date_text(j.started_at)}" if j.started_at is not None else "",
                 f"done {fmt.date_text(j.done_at)}" if j.done_at is not None else "",
                 f"delivered {fmt.date_text(j.delivered_at)}" if j.delivered_at is not None
                 else "not delivered yet" if j.linked_changes else "no linked change",
                 f"flow time {fmt.duration(j.flow_time_s, day)}"
                 if j.flow_time_s is not None else ""]
        self.summary.setText(" · ".join(parts) + "<br>" + " · ".join(f for f in facts if f)
                             + f" · {fmt.count(len(j.linked_changes), 'linked changes')}")
        for s in j.steps:
            r = self.table.rowCount()
            self.table.insertRow(r)
            values = [fmt.date_time(s.at), fmt.date_time(s.until) if s.until is not None
                      else ("still there" if s.source == "status" else ""),
                      s.stage or fmt.DASH,
                      s.label if s.source == "event" else f"in {s.label}",
                      fmt.duration(s.seconds, day) if s.seconds is not None else "",
                      s.change[:20]]
            for c, v in enumerate(values):
                it = QTableWidgetItem(v)
                if s.kind in KIND_TINT:
                    it.setBackground(QBrush(QColor(KIND_TINT[s.kind])))
                    it.setForeground(QBrush(QColor("#202020")))
                if c == self.TIME:
                    it.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                        | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, it)
        return True

    def _day_length(self) -> float:
        m = getattr(self.controller, "vsm_map", None)
        return float(m.settings.day_length_s) if m is not None else 86400.0
