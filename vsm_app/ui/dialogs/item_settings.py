"""Data ▸ Work item settings…: which issue types are which kind of work, and where flow time
starts (issue 18, ``settings.items`` in the ``.vsm`` file, docs/file-format.md).

* **Issue types**: every type the loaded tracker exports hold, with its number of items and
  the kind its items count as (feature, defect, debt, risk, or not a unit of flow). A choice
  other than the built-in mapping is saved as the project's; choosing the built-in kind again
  removes the project's choice.
* **Statuses**: every status found, with its category and the items that were in it; the
  ones ticked **Start** start flow time (the first entry into any of them), none ticked:
  flow time runs from creation.

Choices saved for types or statuses that the loaded data does not hold are kept. OK pushes
one undo step (:class:`~vsm_app.ui.source_commands.MeasurementSettingsCommand`) and the
data is read again, so the kinds, the flow times and every view follow.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...analysis.items import statuses_found
from ...domain.items import (
    ITEM_KINDS,
    NOT_A_UNIT,
    UNKNOWN_KIND,
    ItemSettings,
    kind_of_type,
    norm_name,
    type_kind_map,
)

#: what the kind menu shows for each saved value
KIND_LABELS: dict[str, str] = {
    "feature": "Feature", "defect": "Defect", "debt": "Technical debt", "risk": "Risk",
    NOT_A_UNIT: "Not a unit of flow",
}


#: status categories as the bindings dialog names them
CATEGORY_LABELS: dict[str, str] = {"new": "To Do", "indeterminate": "In Progress",
                                   "done": "Done"}


def types_found(items: pd.DataFrame | None) -> pd.DataFrame:
    """``type`` and ``items`` (how many), most used first, then by name."""
    if items is None or items.empty or "type" not in items:
        return pd.DataFrame({"type": pd.Series(dtype=object), "items": pd.Series(dtype="int64")})
    t = items["type"].dropna().astype(str).str.strip()
    t = t[t != ""]
    counts = t.value_counts()
    out = pd.DataFrame({"type": counts.index.astype(object), "items": counts.to_numpy()})
    return out.sort_values(["items", "type"], ascending=[False, True]).reset_index(drop=True)


def built_in_kind(type_name: str) -> str:
    """The kind of a type without the project's choices (``unknown`` when not mapped)."""
    return kind_of_type(type_name, None, type_kind_map(None))


class ItemSettingsDialog(QDialog):
    """The project's issue-type → kind mapping and start statuses, over what is loaded."""

    def __init__(self, settings: ItemSettings, tables: Any = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("itemSettingsDialog")
        self.setWindowTitle("Work item settings")
        self.original = settings
        self.result_settings: ItemSettings | None = None
        items = getattr(tables, "items", None)
        has_items = items is not None and len(items) > 0
        lay = QVBoxLayout(self)
        if not has_items:
            none = QLabel("No work items are loaded: add issue-tracker exports (Data ▸ Add "
                          "tracker files…) to list their types and statuses here. The "
                          "project's saved choices are kept.")
            none.setWordWrap(True)
            none.setObjectName("hint")
            lay.addWidget(none)

        # -- issue types --------------------------------------------------------------
        self.types = types_found(items)
        user = {norm_name(k): v for k, v in settings.type_kinds.items()}
        lay.addWidget(QLabel(f"<b>Issue types</b> ({len(self.types)} found): the kind of "
                             f"work their items count as"))
        self.types_table = QTableWidget(len(self.types), 3, self)
        self.types_table.setObjectName("itemTypesTable")
        self.types_table.setHorizontalHeaderLabels(["Type", "Items", "Kind"])
        self.kind_boxes: list[QComboBox] = []
        for row, (name, n) in enumerate(zip(self.types["type"], self.types["items"],
                                            strict=True)):
            self.types_table.setItem(row, 0, _cell(str(name)))
            self.types_table.setItem(row, 1, _cell(f"{int(n):,}", right=True))
            box = QComboBox(self.types_table)
            for kind in (*ITEM_KINDS, NOT_A_UNIT):
                box.addItem(KIND_LABELS[kind], kind)
            current = user.get(norm_name(name), built_in_kind(str(name)))
            if current == UNKNOWN_KIND:
                box.insertItem(0, "Unknown (not mapped)", UNKNOWN_KIND)
            box.setCurrentIndex(max(0, box.findData(current)))
            box.setToolTip(f"Built-in: {_label(built_in_kind(str(name)))}")
            self.types_table.setCellWidget(row, 2, box)
            self.kind_boxes.append(box)
        _fit(self.types_table, 0)
        lay.addWidget(self.types_table)

        # -- statuses -----------------------------------------------------------------
        self.statuses = statuses_found(tables) if has_items and \
            getattr(tables, "item_status", None) is not None else statuses_found_empty()
        starts = {norm_name(s) for s in settings.start_statuses}
        heading = QLabel(f"<b>Statuses</b> ({len(self.statuses)} found): flow time starts at "
                         f"the first entry into a status ticked Start; none ticked: at the "
                         f"item's creation")
        heading.setWordWrap(True)
        lay.addWidget(heading)
        self.status_table = QTableWidget(len(self.statuses), 4, self)
        self.status_table.setObjectName("itemStatusesTable")
        self.status_table.setHorizontalHeaderLabels(["Start", "Status", "Category", "Items"])
        for row, r in enumerate(self.statuses.itertuples(index=False)):
            check = QTableWidgetItem()
            check.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            check.setCheckState(Qt.CheckState.Checked if norm_name(str(r.status)) in starts
                                else Qt.CheckState.Unchecked)
            self.status_table.setItem(row, 0, check)
            self.status_table.setItem(row, 1, _cell(str(r.status)))
            self.status_table.setItem(row, 2, _cell(CATEGORY_LABELS.get(
                r.category, "—") if isinstance(r.category, str) else "—"))
            self.status_table.setItem(row, 3, _cell(f"{int(r.items):,}", right=True))
        _fit(self.status_table, 1)
        lay.addWidget(self.status_table)

        kept = self._kept_elsewhere()
        if kept:
            note = QLabel("Kept (not in the loaded data): " + kept)
            note.setWordWrap(True)
            note.setObjectName("hint")
            lay.addWidget(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.resize(560, 620)

    def _kept_elsewhere(self) -> str:
        shown_types = {norm_name(str(t)) for t in self.types["type"]}
        shown_status = {norm_name(str(s)) for s in self.statuses["status"]}
        parts = [f"{k} → {_label(v)}" for k, v in self.original.type_kinds.items()
                 if norm_name(k) not in shown_types]
        parts += [f"start at {s}" for s in self.original.start_statuses
                  if norm_name(s) not in shown_status]
        return "; ".join(parts)

    def chosen(self) -> ItemSettings:
        """The settings as edited (choices for what is not loaded kept)."""
        shown_types = {norm_name(str(t)) for t in self.types["type"]}
        kinds = {k: v for k, v in self.original.type_kinds.items()
                 if norm_name(k) not in shown_types}
        for name, box in zip(self.types["type"], self.kind_boxes, strict=True):
            kind = box.currentData()
            if kind != UNKNOWN_KIND and kind != built_in_kind(str(name)):
                kinds[str(name)] = kind
        shown_status = {norm_name(str(s)) for s in self.statuses["status"]}
        starts = [s for s in self.original.start_statuses if norm_name(s) not in shown_status]
        for row in range(self.status_table.rowCount()):
            check = self.status_table.item(row, 0)
            if check is not None and check.checkState() == Qt.CheckState.Checked:
                starts.append(self.status_table.item(row, 1).text())
        return replace(self.original, type_kinds=kinds, start_statuses=tuple(starts))

    def _accept(self) -> None:
        self.result_settings = self.chosen()
        self.accept()


def statuses_found_empty() -> pd.DataFrame:
    return pd.DataFrame({"status": pd.Series(dtype=object), "category": pd.Series(dtype=object),
                         "items": pd.Series(dtype="int64")})


def _label(kind: str) -> str:
    return KIND_LABELS.get(kind, "Unknown (not mapped)")


def _cell(text: str, right: bool = False) -> QTableWidgetItem:
    it = QTableWidgetItem(text)
    it.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    if right:
        it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return it


def _fit(table: QTableWidget, stretch: int) -> None:
    table.verticalHeader().setVisible(False)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)


def edit_item_settings(window: Any) -> ItemSettingsDialog:
    """Open the dialog for ``window`` (the main window); OK applies the settings as one undo
    step through its measurement settings (the data is read again)."""
    data = getattr(getattr(window, "measure", None), "data", None)
    dlg = ItemSettingsDialog(window.project.settings.items, getattr(data, "tables", None),
                             window)
    dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def apply() -> None:
        new = dlg.result_settings
        if new is not None and new != window.project.settings.items:
            window.apply_measurement_settings(replace(window.project.settings, items=new))

    dlg.accepted.connect(apply)
    dlg.open()
    return dlg
