"""The trunk-based, PR release-train and regulated templates: stages, bindings, classic
metrics worked by hand from their workshop estimates."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from vsm_app.domain import classic
from vsm_app.domain.model import FlowKind, Project, SegmentKind, ValueStreamMap
from vsm_app.domain.tables import EVENTS
from vsm_app.domain.templates import (
    TEMPLATE_DESCRIPTIONS,
    TEMPLATES,
    pr_release_train,
    regulated,
    software_delivery,
    trunk_based,
)
from vsm_app.storage.project_file import dumps, loads

H = 3600.0
MIN = 60.0


def test_registry() -> None:
    assert set(TEMPLATES) == {"software-delivery", "trunk-based", "pr-release-train",
                              "regulated"}
    assert set(TEMPLATE_DESCRIPTIONS) == set(TEMPLATES)
    assert TEMPLATES["trunk-based"] is trunk_based


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_every_segment_binds_design_events(key: str) -> None:
    m = TEMPLATES[key]()
    for st in m.stages:
        assert st.segments, st.name
        for seg in st.segments:
            assert seg.from_event in EVENTS and seg.to_event in EVENTS
            assert EVENTS.index(seg.from_event) < EVENTS.index(seg.to_event)
    assert classic.validate(m) == []


def test_trunk_based_has_no_review() -> None:
    m = trunk_based()
    assert [s.name for s in m.stages] == ["Coding", "CI", "Deploy"]
    events = {e for s in m.stages for seg in s.segments for e in (seg.from_event, seg.to_event)}
    assert not events & {"pr_opened", "first_review", "approved"}
    coding = m.stage_by_name("Coding")
    assert coding is not None
    assert [(g.from_event, g.to_event, g.kind) for g in coding.segments] == [
        ("first_commit", "merged", SegmentKind.ACTIVE)]
    r = classic.compute(m)
    # LT: (3 h + 1 h) + (15 min + 5 min) + (15 min + 30 min) = 5 h 05 min; PT 3.5 h
    assert r.lead_time_s == 4 * H + 20 * MIN + 45 * MIN == 18_300.0
    assert r.process_time_s == 3.5 * H
    assert r.activity_ratio == pytest.approx(12_600 / 18_300)
    assert r.rolled_pca == pytest.approx(0.9 * 0.9 * 0.98)


def test_pr_release_train() -> None:
    m = pr_release_train()
    assert [s.name for s in m.stages] == ["Coding", "Review", "Merge", "CI",
                                          "Release train wait", "Release"]
    train = m.stage_by_name("Release train wait")
    assert train is not None
    assert [(g.from_event, g.to_event, g.kind) for g in train.segments] == [
        ("merged", "deploy_started", SegmentKind.WAIT)]
    r = classic.compute(m)
    # LT: 10 + 9 + 2.25 + 0.75 + 168 (a week for the train) + 2 = 192 h
    assert r.lead_time_s == 192 * H
    # PT: 6 + 1 + 0.25 + 0.5 + 0 + 2 = 9.75 h
    assert r.process_time_s == 9.75 * H
    assert r.activity_ratio == pytest.approx(9.75 / 192)
    assert r.rolled_pca == pytest.approx(0.9 * 0.8 * 0.95 * 0.85 * 0.9)  # the wait has none


def test_regulated_with_change_approval_board() -> None:
    m = regulated()
    assert [s.name for s in m.stages] == ["Coding", "Review", "Merge", "CI",
                                          "Change approval board", "Release"]
    cab = m.stage_by_name("Change approval board")
    assert cab is not None
    assert [g.kind for g in cab.segments] == [SegmentKind.WAIT]
    r = classic.compute(m)
    # LT: 10 + 18 + 2.25 + 1.5 + 85 + 28 = 144.75 h; PT: 6 + 2 + 0.25 + 1 + 1 + 4 = 14.25 h
    assert r.lead_time_s == 144.75 * H
    assert r.process_time_s == 14.25 * H
    assert r.activity_ratio == pytest.approx(14.25 / 144.75)
    assert r.rolled_pca == pytest.approx(0.9 * 0.8 * 0.95 * 0.85 * 0.7 * 0.9)
    # the board sends changes back: a rework flow, kept off the main path
    (back,) = [f for f in m.flows if f.kind == FlowKind.REWORK]
    assert (m.stage(back.source).name, m.stage(back.target).name) == (
        "Change approval board", "Coding")
    assert len(r.main_path) == 6


@pytest.mark.parametrize("make", [trunk_based, pr_release_train, regulated])
def test_templates_survive_the_project_file(make: Callable[[], ValueStreamMap]) -> None:
    p = Project("p", [make()])
    assert loads(dumps(p)).same_content(p)


def test_software_delivery_unchanged() -> None:
    r = classic.compute(software_delivery())
    assert r.lead_time_s == 70.5 * H and r.process_time_s == 8.25 * H


def test_cli_new_with_a_new_template(tmp_path: Path) -> None:
    def vsm(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "vsm_app", *args], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)

    assert vsm("new", "--template", "regulated", "--out", "p.vsm").returncode == 0
    r = vsm("metrics", "p.vsm", "--json")
    assert r.returncode == 0, r.stderr
    (m,) = json.loads(r.stdout)["maps"]
    assert m["lead_time_s"] == 144.75 * H
