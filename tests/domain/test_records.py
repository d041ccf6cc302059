"""A project's improvement records: typed, validated, copied, and announced when they change
(no Qt)."""

from __future__ import annotations

import pytest

from vsm_app.domain.improvement import (
    Baseline,
    ImprovementItem,
    ItemStatus,
    ProjectCharter,
    SurveyRound,
)
from vsm_app.domain.model import Project
from vsm_app.domain.records import ImprovementRecords
from vsm_app.storage.project_file import dumps, loads

METRICS = {"dora": {"lead_time_median_s": 3600.0}, "flow": {}, "stages": [], "bottleneck": {}}


def test_each_change_is_announced_with_its_section() -> None:
    p = Project()
    seen: list[str] = []
    p.records.changed.connect(seen.append)
    p.records.set_items([ImprovementItem("Smaller PRs")])
    p.records.set_baselines([Baseline("Q1", METRICS)])
    p.records.set_charter(ProjectCharter(scope="checkout"))
    assert seen == ["items", "baselines", "charter"]


def test_reads_are_copies_writes_are_checked() -> None:
    p = Project()
    p.records.set_items([ImprovementItem("Smaller PRs", id="i1")])
    item = p.records.items[0]
    item.status = ItemStatus.DONE  # edits a copy: nothing changes until written back
    assert p.records.items[0].status is ItemStatus.PROPOSED
    seen: list[str] = []
    p.records.changed.connect(seen.append)
    with pytest.raises(ValueError, match="id 'i1' appears twice"):
        p.records.set_items([item, item])
    assert seen == [] and p.records.items[0].status is ItemStatus.PROPOSED
    with pytest.raises(ValueError, match="expected ImprovementItem records"):
        p.records.set_items([{"title": "a dict is not a record"}])  # type: ignore[list-item]


def test_rounds_are_kept_in_period_order_and_the_file_round_trips() -> None:
    p = Project("shop")
    p.records.set_surveys([SurveyRound("2025-W07", 4, performance=3.5),
                           SurveyRound("2025-W06", 1)])
    assert [r.period for r in p.records.surveys] == ["2025-W06", "2025-W07"]
    p.records.set_baselines([Baseline("Q1", METRICS, id="b1")])
    q = loads(dumps(p))
    assert q.records == p.records and q.same_content(p)
    # an empty charter and no AI checks are not written at all
    assert '"charter"' not in dumps(p) and '"ai_checks"' not in dumps(p)


def test_a_copy_has_its_own_signal() -> None:
    r = ImprovementRecords()
    seen: list[str] = []
    r.changed.connect(seen.append)
    c = r.copy()
    c.set_charter(ProjectCharter(scope="x"))
    assert seen == [] and r.charter == ProjectCharter() and c.charter.scope == "x"
