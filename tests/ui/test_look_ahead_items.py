"""The Look ahead dock on work items (issues 18 + 19): with a tracker export loaded the dock's
units are the items, its charts say "items" and hovering a dot names the item's key."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pandas as pd

from tests.analysis.frames import DAY
from tests.analysis.test_look_ahead_items import a_map, data
from vsm_app.analysis.engine import prepare
from vsm_app.analysis.flow_analytics import ServiceLevel
from vsm_app.ui.docks.look_ahead import LookAheadPanel, build_units, compute_look_ahead


def test_the_dock_measures_items_and_hover_names_the_key(qtbot: Any, tmp_path: Any) -> None:
    t = data()
    measured = SimpleNamespace(prepared=prepare(t, a_map()), tables=t)
    units = build_units(measured)
    assert units.noun == "items"
    p = LookAheadPanel()
    qtbot.addWidget(p)
    p.resize(1200, 700)
    p.show()
    qtbot.waitExposed(p)
    p.set_data(compute_look_ahead(units, "2025-01-01", "2025-01-11",
                                  sle=ServiceLevel.parse("85% within 3 days")))
    sc = p.scatter
    assert sc.dot_count() == 3  # P-1, P-2, P-3; P-4 and P-5 are open, the epic is no unit
    assert sc.title == "Cycle time — one dot per finished item"
    assert "3 items" in p.scatter_summary.text()
    assert p.aging.title == "Aging WIP — open items by age in their stage"
    assert p.cfd.title == "Cumulative flow — items by stage, daily"
    assert p.cfd.plotItem.getAxis("left").labelText == "Cumulative items"
    qtbot.waitUntil(lambda: sc.plotItem.getViewBox().width() > 100)
    x = pd.Timestamp("2025-01-04T00:00", tz="UTC").value / 1e9  # P-2: done 4 Jan, 2 days
    text = sc.hover_at(x, 2 * DAY)
    assert text.splitlines()[0] == "P-2"
    assert p.grab().save(str(tmp_path / "look_ahead_items.png"))


