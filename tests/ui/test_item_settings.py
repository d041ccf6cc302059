"""Data ▸ Work item settings… (issue 18): the issue types and statuses actually loaded, with
their counts; a type mapped to another kind and a start status, applied as one undo step
that re-reads the data, so the flow figures follow (expected values by hand from the shop
fixture's timeline)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from tests.ui.test_items_gui import ARTIFACTS, H, _window, shop  # noqa: F401 - the fixture
from vsm_app.domain.items import ItemSettings
from vsm_app.domain.model import Project
from vsm_app.domain.templates import software_delivery
from vsm_app.ui.dialogs.item_settings import ItemSettingsDialog, edit_item_settings


def _types(dlg: ItemSettingsDialog) -> list[tuple[str, str, str]]:
    t = dlg.types_table
    out = []
    for r in range(t.rowCount()):
        box = t.cellWidget(r, 2)
        assert isinstance(box, QComboBox)
        out.append((t.item(r, 0).text(), t.item(r, 1).text(), str(box.currentData())))
    return out


def _statuses(dlg: ItemSettingsDialog) -> dict[str, tuple[bool, str]]:
    t = dlg.status_table
    return {t.item(r, 1).text(): (t.item(r, 0).checkState() == Qt.CheckState.Checked,
                                  t.item(r, 3).text()) for r in range(t.rowCount())}


def _row(dlg: ItemSettingsDialog, table: Any, col: int, text: str) -> int:
    return next(r for r in range(table.rowCount()) if table.item(r, col).text() == text)


def test_item_settings_list_what_is_loaded_and_apply_in_one_undo_step(
        qtbot: Any, shop: tuple[Path, Path]) -> None:  # noqa: F811 - the fixture
    repo, items = shop
    project = Project("Shop", [software_delivery()])
    project.settings.time_zone = "UTC"
    w = _window(qtbot, project)
    with qtbot.waitSignal(w.measure.result_changed, timeout=30_000):
        w.sources.add_repository(str(repo), deploy_tags="v*")
    qtbot.waitUntil(lambda: not w.measure.is_busy(), timeout=10_000)
    with qtbot.waitSignal(w.measure.result_changed, timeout=30_000):
        w.sources.add_files([str(items)])
    qtbot.waitUntil(lambda: not w.measure.is_busy(), timeout=10_000)
    flow = w.measure.result.flow
    # before: SHOP-1 (a story) from its creation h-10 to its release h50 = 60 h, SHOP-2 (a
    # bug) h28 → h50 = 22 h; SHOP-3 is still in the backlog
    assert flow.flow_time_median_s == pytest.approx((60 + 22) / 2 * H)
    assert flow.distribution == {"feature": 0.5, "defect": 0.5, "debt": 0.0, "risk": 0.0}

    dlg = edit_item_settings(w)
    assert isinstance(dlg, ItemSettingsDialog)
    # SHOP-1 and SHOP-3 are stories, SHOP-2 a bug; the statuses with the items in each
    assert _types(dlg) == [("Story", "2", "feature"), ("Bug", "1", "defect")]
    assert _statuses(dlg) == {"Backlog": (False, "3"), "Done": (False, "2"),
                              "In Analysis": (False, "1"), "In Progress": (False, "1")}
    bug = dlg.types_table.cellWidget(_row(dlg, dlg.types_table, 0, "Bug"), 2)
    assert isinstance(bug, QComboBox)
    bug.setCurrentIndex(bug.findData("debt"))
    dlg.status_table.item(_row(dlg, dlg.status_table, 1, "In Analysis"), 0).setCheckState(
        Qt.CheckState.Checked)
    assert dlg.chosen() == ItemSettings(type_kinds={"Bug": "debt"},
                                        start_statuses=("In Analysis",))
    dlg.grab().save(str(ARTIFACTS / "item_settings_dialog.png"))
    undo_before = w.undo_stack.count()
    with qtbot.waitSignal(w.measure.result_changed, timeout=30_000):
        dlg._accept()
    qtbot.waitUntil(lambda: not w.measure.is_busy(), timeout=10_000)
    assert w.undo_stack.count() == undo_before + 1 and not w.undo_stack.isClean()
    assert project.settings.items == ItemSettings(type_kinds={"Bug": "debt"},
                                                  start_statuses=("In Analysis",))
    flow = w.measure.result.flow
    # after: SHOP-2 is debt; SHOP-1 starts at In Analysis h5: 45 h; SHOP-2 never was in
    # analysis: no flow time (it still finished)
    assert flow.distribution == {"feature": 0.5, "defect": 0.0, "debt": 0.5, "risk": 0.0}
    assert flow.flow_time_median_s == pytest.approx(45 * H)

    with qtbot.waitSignal(w.measure.result_changed, timeout=30_000):
        w.undo_stack.undo()
    qtbot.waitUntil(lambda: not w.measure.is_busy(), timeout=10_000)
    assert project.settings.items == ItemSettings()
    assert w.measure.result.flow.flow_time_median_s == pytest.approx((60 + 22) / 2 * H)


def test_choices_for_what_is_not_loaded_are_kept(qtbot: Any) -> None:
    dlg = ItemSettingsDialog(ItemSettings(type_kinds={"Spike": "debt"},
                                          start_statuses=("Ready",)), None)
    qtbot.addWidget(dlg)
    assert dlg.types_table.rowCount() == 0 and dlg.status_table.rowCount() == 0
    assert dlg.chosen() == ItemSettings(type_kinds={"Spike": "debt"}, start_statuses=("Ready",))
