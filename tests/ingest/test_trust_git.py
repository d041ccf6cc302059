"""Issue 13 on small git repositories built in the test: release tags found without options,
the first deployment that ships something, same-instant tags, tags without a start, and
GitHub's own production flag honoured end to end. Expected values are worked out by hand from
the fixed commit and tag times (hours after ``conftest_git.T0``)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from vsm_app.ingest.git import GitOptions, detect_release_tags, run
from vsm_app.ingest.release_tags import detect, given, is_prerelease, matches, parse
from vsm_app.pipeline import AnalyzeInputs, RepoInput
from vsm_app.pipeline import run as measure

from .conftest_git import RepoBuilder, at

H = 3600.0


# -- release-tag schemes (names only) -------------------------------------------------------

@pytest.mark.parametrize(("name", "pre"), [
    ("v1.2.3", False), ("1.2.3", False), ("release-1.2", False), ("vite@5.0.0", False),
    ("7.0.0.post1", False), ("v1.0.0-rc.1", True), ("8.0.0rc1", True), ("1.0.0b3", True),
    ("6.2.0.dev0", True), ("v5.0.0-beta.3", True), ("v3.0.0-alpha.2", True)])
def test_pre_releases_are_told_apart(name: str, pre: bool) -> None:
    assert is_prerelease(name) is pre


@pytest.mark.parametrize("name", ["7.x", "8.0.x", "2024", "docs", "v1.0-docs", "42"])
def test_non_versions_are_not_releases(name: str) -> None:
    assert parse(name) is None


@pytest.mark.parametrize(("names", "pattern", "matched", "pre"), [
    (["v1.0.0", "v1.1.0", "v1.2.0-rc.1", "v1.2.0"], "v[0-9]*[0-9]", 3, 1),
    (["1.0", "1.1.2", "1.2.0rc1", "2.x", "3.x"], "[0-9]*[0-9]", 2, 1),
    (["release-1.2", "release-1.3", "nightly"], "release-[0-9]*[0-9]", 2, 0),
    (["v1", "v2", "v3"], "v[0-9]*", 3, 0),
])
def test_the_scheme_is_detected(names: list[str], pattern: str, matched: int, pre: int) -> None:
    s = detect(names)
    assert (s.pattern, s.matched, s.prereleases_left_out, s.total) == (
        pattern, matched, pre, len(names))
    assert s.detected


def test_a_monorepo_uses_its_largest_family_or_the_sub_tree_s_package() -> None:
    names = ["vite@5.0.0", "vite@5.0.1", "vite@5.1.0", "create-vite@5.0.0",
             "create-vite@5.1.0", "plugin-legacy@5.0.0", "vite@6.0.0-beta.1"]
    whole = detect(names)
    # three vite releases beat two create-vite and one plugin-legacy; the others are named
    assert whole.pattern == "vite@[0-9]*[0-9]" and whole.matched == 3
    assert whole.prereleases_left_out == 1
    assert whole.other_families == [("create-vite@[0-9]*[0-9]", 2),
                                    ("plugin-legacy@[0-9]*[0-9]", 1)]
    package = detect(names, subtree="packages/create-vite")
    assert package.pattern == "create-vite@[0-9]*[0-9]" and package.matched == 2


def test_a_tie_goes_to_the_most_recent_family() -> None:
    s = detect(["a-1.0", "b-1.0"], times=[100, 200])
    assert s.pattern == "b-[0-9]*[0-9]"


def test_no_release_tags_found() -> None:
    s = detect(["docs", "nightly", "7.x"])
    assert s.pattern is None and s.matched == 0 and s.total == 3
    assert "no release tags found (3 tag(s)" in s.sentence()


def test_a_given_glob_leaves_pre_releases_out_unless_it_names_them() -> None:
    names = ["v1.0.0", "v1.1.0-rc1", "v1.1.0"]
    assert given("v*", names).matched == 2 and given("v*", names).prereleases_left_out == 1
    assert matches("*-rc*", "v1.1.0-rc1") and given("*-rc*", names).matched == 1


# -- on git ---------------------------------------------------------------------------------

@pytest.fixture
def bare_tags(tmp_path: Path) -> RepoBuilder:
    """1.0.0 at h2 ships c1 (h0); 1.1.0 at h10 ships c2 (h4) and c3 (h6); 1.2.0rc1 (h12) on
    c4 (h11) is a pre-release; 2.x is a branch-like tag on c1; docs is not a version."""
    b = RepoBuilder(tmp_path / "r")
    c1 = b.commit("feat: one", 0)
    b.tag("1.0.0", 2)
    b.tag("2.x", annotated=False)
    b.commit("feat: two", 4)
    b.commit("fix: three", 6)
    b.tag("1.1.0", 10)
    b.commit("feat: four", 11)
    b.tag("1.2.0rc1", 12)
    b.tag("docs", 13)
    assert c1
    return b


def test_without_a_pattern_the_release_tags_are_found(bare_tags: RepoBuilder) -> None:
    t = run(GitOptions(str(bare_tags.path)))
    assert sorted(t.deployments["tag"]) == ["1.0.0", "1.1.0"]
    assert t.notes == [f"{bare_tags.path}: release tags '[0-9]*[0-9]' (detected): 2 of 5 "
                       f"tag(s) are deployments; 1 pre-release(s) left out"]
    assert t.sources[0].to_json()["release_tags"] == {
        "pattern": "[0-9]*[0-9]", "detected": True, "total": 5, "matched": 2,
        "prereleases_left_out": 1, "other_families": []}
    # the same answer for the app's Add repository dialog
    assert detect_release_tags(str(bare_tags.path)).pattern == "[0-9]*[0-9]"
    assert detect_release_tags(str(bare_tags.path), glob="1.*").matched == 2


def test_an_empty_pattern_turns_tags_off(bare_tags: RepoBuilder) -> None:
    t = run(GitOptions(str(bare_tags.path), deploy_tags=""))
    assert len(t.deployments) == 0 and t.notes == []
    assert t.changes["deployed_at"].isna().all()


def test_a_pattern_that_matches_nothing_names_the_detected_one(bare_tags: RepoBuilder) -> None:
    t = run(GitOptions(str(bare_tags.path), deploy_tags="v*"))
    assert len(t.deployments) == 0
    assert any("no tag matches 'v*' (this repository's release tags look like '[0-9]*[0-9]'"
               ": 2 tag(s))" in w for w in t.warnings)


def test_tags_give_no_start_so_release_work_and_efficiency_are_not_measured(
        bare_tags: RepoBuilder) -> None:
    doc = measure(AnalyzeInputs(repos=[RepoInput(str(bare_tags.path))])).to_json()
    release = next(s for s in doc["stages"] if s["name"] == "Release")
    # 1.1.0 ships c2 and c3 (c1 is the first deployment's): their Release is missing, not 0
    assert (release["active_count"], release["active_missing"]) == (0, 2)
    assert doc["flow"]["efficiency"] is None and doc["flow"]["reasons"]["efficiency"]
    # lead times: 1.1.0 (h10) − c2 (h4) = 6 h, − c3 (h6) = 4 h → median 5 h
    assert doc["dora"]["lead_time_median_s"] == 5 * H


def test_a_tag_on_an_orphan_history_is_not_the_first_deployment(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "r")
    b.commit("feat: one", 0)
    b.commit("feat: two", 1)
    b.tag("v1.0.0", 2)
    b.commit("feat: three", 3)
    b.tag("v1.1.0", 5)
    # a docs site on an orphan branch, tagged long before the first real release
    b.git("checkout", "-q", "--orphan", "gh-pages")
    b.commit("docs: site", -100)
    b.tag("v0.1.0", -50)
    b.checkout("main")
    doc = measure(AnalyzeInputs(repos=[RepoInput(str(b.path))])).to_json()
    assert doc["deployments"] == 3  # v0.1.0 still counts as a release, it ships no change
    # v1.0.0 ships the first two changes (no earlier deployment: no lead time); v1.1.0 ships
    # "three" 2 h after its commit
    assert doc["data_quality"]["first_deployment_changes"] == 2
    assert doc["dora"]["lead_time_median_s"] == 2 * H
    assert doc["dora"]["counts"]["changes_with_lead_time"] == 1


def test_same_instant_tags_deploy_the_ancestor_first(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "r")
    one = b.commit("feat: one", 0)
    b.tag("v1.9", 5)
    two = b.commit("feat: two", 2)
    b.tag("v1.10", 5)  # the same second; "v1.10" sorts before "v1.9" as text
    m = measure(AnalyzeInputs(repos=[RepoInput(str(b.path), deploy_tags="v*")]))
    deps = m.tables.deployments.set_index("tag")
    assert not deps["is_rollback"].any()
    ch = m.tables.changes.set_index("change_id")  # (no message text is kept: issue 14)
    assert ch.loc[one, "deployment_id"].endswith("@v1.9")
    assert ch.loc[two, "deployment_id"].endswith("@v1.10")
    dora = m.to_json()["dora"]
    assert dora["change_failure_rate"] == 0.0
    assert dora["lead_time_median_s"] == 3 * H  # "two": h2 → h5 (v1.9 is the first)


def test_github_s_production_flag_counts_in_dora_too(tmp_path: Path) -> None:
    """A deployment to "github-pages" that GitHub flags production: ingest ships changes with
    it, and DORA counts it (one rule), so frequency and lead time agree."""
    b = RepoBuilder(tmp_path / "r")
    c1 = b.commit("feat: one", 0)
    c2 = b.commit("feat: two", 3)
    base = "https://api.github.com/repos/o/r/deployments"

    def dep(i: int, sha: str, created_h: float) -> dict:
        return {"url": f"{base}/{i}", "id": i, "sha": sha, "environment": "github-pages",
                "created_at": at(created_h).isoformat(), "production_environment": True}

    def status(i: int, h: float) -> dict:
        return {"url": f"{base}/{i}/statuses/{i}0", "id": i * 10, "state": "success",
                "deployment_url": f"{base}/{i}", "created_at": at(h).isoformat()}

    (tmp_path / "deps.json").write_text(json.dumps([dep(1, c1, 1), dep(2, c2, 4)]))
    (tmp_path / "st.json").write_text(json.dumps([status(1, 1.5), status(2, 5)]))
    inputs = AnalyzeInputs(repos=[RepoInput(str(b.path))],
                           files=[("deployments", str(tmp_path / "deps.json")),
                                  ("deployments", str(tmp_path / "st.json"))])
    doc = measure(inputs).to_json()
    assert doc["deployments"] == 2 and doc["dora"]["deployment_frequency_per_week"] is not None
    # "two" (h3) deployed by deployment 2, finished at h5: 2 h
    assert doc["dora"]["lead_time_median_s"] == 2 * H


def test_staging_deployments_become_events_and_production_names_are_configurable(
        tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "r")
    c1 = b.commit("feat: one", 0)
    c2 = b.commit("feat: two", 2)
    (tmp_path / "deps.csv").write_text(
        "deployment_id,sha,environment,started_at,finished_at,status\n"
        f"s1,{c2},staging,{at(3).isoformat()},{at(3.5).isoformat()},success\n"
        f"p1,{c1},prd,{at(1).isoformat()},{at(1.5).isoformat()},success\n"
        f"p2,{c2},prd,{at(6).isoformat()},{at(6.5).isoformat()},success\n")
    inputs = AnalyzeInputs(repos=[RepoInput(str(b.path))],
                           files=[("deployments", str(tmp_path / "deps.csv"))])
    m = measure(inputs)
    # prd is a default production name; staging is kept as deployed:staging events
    assert m.to_json()["deployments"] == 2
    ev = m.tables.events.set_index("change_id")
    assert ev.loc[c2, "event"] == "deployed:staging" and ev.loc[c2, "at"] == at(3.5)
    # with "staging" configured as the production name, s1 counts and p1/p2 do not
    inputs.production_environments = ("staging",)
    assert measure(inputs).to_json()["deployments"] == 1
    assert pd.isna(m.tables.changes.set_index("change_id").loc[c2, "pr_opened_at"])


def test_an_old_version_tagged_late_is_not_a_rollback(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "r")
    one = b.commit("feat: one", 0)
    two = b.commit("feat: two", 1)
    b.tag("v0.10.0", 2)
    b.commit("feat: three", 3)
    b.tag("v0.11.0", 4)
    # a higher version on an older commit (two, an ancestor of v0.11.0's): a rollback
    b.tag("v0.11.1", 6, ref=two)
    # a lower version tagged late on an even older commit: a maintenance/late tag
    b.tag("v0.9.4", 20, ref=one)
    m = measure(AnalyzeInputs(repos=[RepoInput(str(b.path))]))
    flags = m.tables.deployments.set_index("tag")["is_rollback"].to_dict()
    assert flags == {"v0.10.0": False, "v0.11.0": False, "v0.11.1": True, "v0.9.4": False}
