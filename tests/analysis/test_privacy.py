"""The identity guard, and proof that the improvement loop's outputs name nobody."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import git
import pytest

from vsm_app.analysis.baseline import compare_to_baseline
from vsm_app.analysis.privacy import (
    IdentityLeakError,
    assert_no_identities,
    find_identities,
    git_identities,
)
from vsm_app.domain import improvement as imp
from vsm_app.domain.improvement import Baseline, ImprovementItem, IndicatorTarget
from vsm_app.domain.model import KaizenBurst, Project
from vsm_app.domain.templates import software_delivery
from vsm_app.storage.project_file import dumps


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    r = git.Repo.init(tmp_path / "repo")
    for i, (name, email) in enumerate([("Ann Able", "ann@example.com"),
                                       ("Bob Baker", "bob@example.org")]):
        f = Path(r.working_tree_dir or "") / f"f{i}.txt"
        f.write_text(str(i))
        r.index.add([str(f)])
        who = git.Actor(name, email)
        r.index.commit(f"feat: change {i}", author=who,
                       committer=git.Actor("Release Bot", "bot@ci.example"))
    r.close()
    return tmp_path / "repo"


def test_git_identities(repo: Path) -> None:
    assert git_identities(repo) == {"Ann Able", "ann@example.com", "Bob Baker",
                                    "bob@example.org", "Release Bot", "bot@ci.example"}


def test_guard_finds_names_and_emails_as_whole_words() -> None:
    ids = ["Ann", "ann@example.com", " ", "Bob"]
    assert find_identities("annual review by the Payments team", ids) == []
    assert find_identities("reviewed by ANN <ann@example.com>", ids) == ["Ann",
                                                                         "ann@example.com"]
    with pytest.raises(IdentityLeakError, match="1 person identity: 'Bob'"):
        assert_no_identities("owner: Bob", ids)
    assert_no_identities("", ids)


def test_improvement_loop_outputs_name_no_author(repo: Path) -> None:
    people = git_identities(repo)
    vsm = software_delivery()
    review = vsm.stage_by_name("Review")
    assert review is not None
    kz = KaizenBurst("Review within 4 h", stage_id=review.id)
    vsm.add_element(kz)
    project = Project("shop", [vsm])
    metrics = {"dora": {"lead_time_median_s": 9.0}, "flow": {}, "bottleneck":
               {"stage": "Review", "share": 0.4}, "stages": [{"name": "Review",
                                                            "wait_median_s": 5.0}]}
    base = Baseline.from_analysis("Q1", {**metrics, "window": {}})
    imp.add_baseline(project, base)
    item = imp.item_from_kaizen(vsm, kz, owner_team="Checkout", start=date(2025, 1, 6))
    item.indicators.append(IndicatorTarget("pr_size", 200))
    imp.put_item(project, item)
    outputs = [dumps(project), json.dumps(compare_to_baseline(base.metrics, metrics).to_dict()),
               json.dumps(ImprovementItem.from_dict(item.to_dict()).to_dict())]
    for text in outputs:
        assert_no_identities(text, people)
    with pytest.raises(IdentityLeakError):  # the guard does see a planted leak
        assert_no_identities(outputs[0].replace("Checkout", "Bob Baker"), people)
