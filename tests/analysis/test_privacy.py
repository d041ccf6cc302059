"""The identity guard, and proof that the improvement loop's outputs name nobody."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tests.ingest.conftest_git import RepoBuilder
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
    b = RepoBuilder(tmp_path / "repo")
    for i, (name, email) in enumerate([("Ann Able", "ann@example.com"),
                                       ("Bob Baker", "bob@example.org")]):
        (b.path / f"f{i}.txt").write_text(str(i))
        b.git("add", f"f{i}.txt")
        b.git("commit", "-q", "-m", f"feat: change {i}",
              env={"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
                   "GIT_COMMITTER_NAME": "Release Bot", "GIT_COMMITTER_EMAIL": "bot@ci.example"})
    return b.path


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


# -- issue 13: whole identities as words; identities that identify nobody; located hits ---

def test_identities_too_short_or_too_common_identify_nobody() -> None:
    from vsm_app.analysis.privacy import identity_tokens

    for nobody in (".", "-", "J.", "AB", "dependabot[bot]", "GitHub", "Your Name",
                   "49699333+dependabot[bot]@users.noreply.github.com", "pre-commit-ci[bot]"):
        assert identity_tokens(nobody) is None, nobody
    assert identity_tokens("Ann Able") == ("ann", "able")
    assert identity_tokens("ann@example.com") == ("ann", "example", "com")
    assert identity_tokens("Bob") == ("bob",)
    # the report's own prose holds dashes and dots; a contributor named "-" matches nothing
    assert find_identities("Lead time — 2 h - median. p85 3 h", ["-", ".", "Ann Able"]) == []


def test_the_report_guard_names_the_text_and_where() -> None:
    from vsm_app.analysis.privacy import check_output

    people = {"-", "Ann Able", "ann@example.com", "Bob"}
    typed = [("the owner of stage 'Review' on map 'Current state'", "Ann Able"),
             ("a sticky note on map 'Current state'", "ask bob about CI")]
    with pytest.raises(IdentityLeakError) as err:
        check_output(typed, ["generated text"], people)
    assert err.value.found == ["Ann Able", "Bob"]
    assert err.value.where() == (
        "'Ann Able' in the owner of stage 'Review' on map 'Current state' ('Ann Able'); "
        "'Bob' in a sticky note on map 'Current state' ('ask bob about CI')")
    # the app's own sentences: a single word is not a person ("Bob" as a word in prose is
    # not refused), a full name or an address is (that would be a bug in the app)
    check_output([("the project name", "shop")], ["Bob's tool - report"], people)
    with pytest.raises(IdentityLeakError) as bug:
        check_output([], ["made by ann@example.com"], people)
    assert bug.value.leaks == [] and bug.value.found == ["ann@example.com"]


def test_report_of_a_repository_with_a_one_character_contributor(tmp_path: Path) -> None:
    """`vsm-app report` on a project whose repository has a contributor named "-": written;
    a real name typed as a stage owner: refused with the text and where, exit 2."""
    import subprocess
    import sys

    from tests.ingest.conftest_git import RepoBuilder
    from vsm_app.domain.model import DataSource
    from vsm_app.storage.project_file import load_project, save_project

    b = RepoBuilder(tmp_path / "repo")
    b.commit("feat: one", 0)
    b.tag("v1.0.0", 1)
    env = {"GIT_AUTHOR_NAME": "-", "GIT_AUTHOR_EMAIL": "x@y.test",
           "GIT_COMMITTER_NAME": "-", "GIT_COMMITTER_EMAIL": "x@y.test"}
    b.git("commit", "-q", "--allow-empty", "-m", "fix: two", env=env)
    b.tag("v1.0.1", 5)
    assert "-" in git_identities(b.path)
    project = Project("shop", [software_delivery()])
    project.sources.append(DataSource("git", str(b.path)))
    save_project(project, tmp_path / "p.vsm")

    def report(out: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "vsm_app", "report", "p.vsm", "--out", out],
                              cwd=tmp_path, capture_output=True, text=True, timeout=180)

    ok = report("r.html")
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "r.html").stat().st_size > 0
    loaded = load_project(tmp_path / "p.vsm")
    review = loaded.maps[0].stage_by_name("Review")
    assert review is not None
    review.owner = "Alice Example"  # a real author of the repository
    save_project(loaded, tmp_path / "p.vsm")
    refused = report("r2.html")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert ("'Alice Example' in the owner of stage 'Review' on map 'Current state' "
            "('Alice Example')") in refused.stderr
    assert not (tmp_path / "r2.html").exists()
