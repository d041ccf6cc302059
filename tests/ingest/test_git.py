"""The git reader against repositories built in the test with known timestamps."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.ingest.conftest_git import AUTHORS, RepoBuilder, at
from vsm_app.ingest import gitrun
from vsm_app.ingest.git import (
    GitError,
    GitOptions,
    add_change_sizes,
    fill_sizes,
    run,
)
from vsm_app.work import Cancelled

H = pd.Timedelta(hours=1)


def change_of(tables_changes: pd.DataFrame, sha: str) -> pd.Series:
    rows = tables_changes[tables_changes["change_id"] == sha]
    assert len(rows) == 1, f"no single change {sha}"
    return rows.iloc[0]


@pytest.fixture
def story(tmp_path: Path) -> dict[str, str]:
    """main: initial (tag v1.0.0) → PR of 3 commits merged → direct fix → tag v1.1.0 → revert."""
    b = RepoBuilder(tmp_path / "repo")
    ids = {"path": str(b.path)}
    ids["initial"] = b.commit("feat: initial", 0)
    b.tag("v1.0.0", 2)
    b.checkout("feature-x", new=True)
    # authored out of order: the second commit is the oldest
    ids["x1"] = b.commit("feat: part one", 6)
    ids["x2"] = b.commit("wip", 4, who="bob")
    ids["x3"] = b.commit("test: part three", 8)
    b.checkout("main")
    ids["merge"] = b.merge("feature-x", "Merge pull request #1 from alice/feature-x\n\n"
                           "feat: add x", 10)
    ids["fix"] = b.commit("fix: typo", 11)
    b.tag("v1.1.0", 12)
    ids["revert"] = b.revert(ids["fix"], 13)
    return ids


def test_changes_commits_and_tag_deployments(story: dict[str, str]) -> None:
    t = run(GitOptions(story["path"], deploy_tags="v*"))
    assert len(t.commits) == 7
    assert len(t.changes) == 4  # initial, merge, fix, revert

    merge = change_of(t.changes, story["merge"])
    # a merge of 3 commits is one change; first commit = earliest author time (x2, 4 h)
    assert merge["n_commits"] == 3
    assert merge["first_commit_at"] == at(4)
    assert merge["last_commit_at"] == at(8)
    assert merge["merged_at"] == at(10)
    assert merge["merge_sha"] == story["merge"]
    assert merge["kind"] == "feature"  # from the PR title in the merge message
    # no message text is kept (it can name people), only the label the metrics read
    assert "title" not in t.changes
    subject = t.commits.set_index("sha")["subject"]
    assert subject[story["x1"]] == "feat:" and subject[story["fix"]] == "fix:"
    assert subject[story["revert"]] == 'Revert "' and pd.isna(subject[story["x2"]])
    assert pd.isna(subject[story["merge"]])  # "Merge pull request #1 from alice/feature-x"
    # shipped by the second tag: lead time = tag time − first author time
    assert merge["deployed_at"] == at(12)
    assert merge["deployed_at"] - merge["first_commit_at"] == 8 * H
    assert merge["deployment_id"] == "repo@v1.1.0"
    assert not merge["first_deployment"]

    fix = change_of(t.changes, story["fix"])
    assert fix["kind"] == "defect"
    assert fix["deployed_at"] - fix["first_commit_at"] == 1 * H

    initial = change_of(t.changes, story["initial"])
    assert initial["first_deployment"]  # no predecessor: left out of lead time
    assert initial["deployment_id"] == "repo@v1.0.0"

    revert = change_of(t.changes, story["revert"])
    assert revert["is_revert"] and revert["reverts"] == story["fix"]
    assert revert["kind"] == "defect"
    assert pd.isna(revert["deployed_at"]) and pd.isna(revert["deployment_id"])  # in progress
    assert t.changes["is_revert"].sum() == 1

    # every commit of the PR belongs to the merge's change
    by_sha = t.commits.set_index("sha")["change_id"]
    assert {by_sha[story[k]] for k in ("x1", "x2", "x3", "merge")} == {story["merge"]}

    assert len(t.deployments) == 2
    assert t.deployments["deployment_id"].tolist() == ["repo@v1.0.0", "repo@v1.1.0"]
    assert t.deployments["finished_at"].tolist() == [at(2), at(12)]
    assert set(t.deployments["source"]) == {"git-tags"}
    assert set(t.deployments["status"]) == {"success"}
    assert t.deployments["sha"].tolist() == [story["initial"], story["fix"]]

    for frame in (t.commits, t.changes, t.deployments):
        for col in frame.columns:
            if col.endswith("_at") or col.endswith("_time"):
                assert str(frame[col].dtype) == "datetime64[ns, UTC]", col
    assert t.sources[0].format == "git" and t.sources[0].records == 7
    assert t.warnings == []


def test_annotated_tag_uses_tagger_date_lightweight_the_commit_date(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "r")
    c1 = b.commit("feat: one", 0, commit_hours=1)
    b.tag("v1", 5, annotated=True)
    b.commit("feat: two", 6, commit_hours=7)
    b.tag("v2", annotated=False)
    t = run(GitOptions(str(b.path), deploy_tags="v*"))
    assert t.deployments["finished_at"].tolist() == [at(5), at(7)]
    # a tag gives only the finish: no start, never a measured zero-length release
    assert t.deployments["started_at"].isna().all()
    assert t.deployments["sha"].iloc[0] == c1


def test_tags_on_maintenance_and_release_branches(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "r")
    c1 = b.commit("feat: one", 0)
    b.tag("v1.0.0", 1)
    c2 = b.commit("feat: two", 2)
    # patch release of 1.0 on a maintenance branch: ships nothing of main
    b.checkout("maint-1.0", new=True)
    b.git("reset", "-q", "--hard", "v1.0.0")
    maint_fix = b.commit("fix: backport", 3)
    b.tag("v1.0.1", 3.5)
    # release branch cut from c2, tagged there: ships c2 by ancestry
    b.checkout("main")
    b.checkout("release-1.1", new=True)
    b.commit("chore: stabilise", 4)
    b.tag("v1.1.0", 5)
    b.checkout("main")
    c3 = b.commit("feat: three", 6)
    b.tag("v1.2.0", 7)
    t = run(GitOptions(str(b.path), deploy_tags="v*"))
    assert len(t.deployments) == 4
    got = t.changes.set_index("change_id")["deployment_id"].to_dict()
    assert got == {c1: "r@v1.0.0", c2: "r@v1.1.0", c3: "r@v1.2.0"}
    # maintenance commits are read (for ancestry) but belong to no change of main
    assert t.commits.set_index("sha")["change_id"].isna()[maint_fix]


def test_revert_of_a_merge_links_to_the_merged_change(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "r")
    b.commit("feat: base", 0)
    b.checkout("topic", new=True)
    b.commit("feat: topic", 1)
    b.checkout("main")
    merge = b.merge("topic", "Merge branch 'topic'", 2)
    b.git("revert", "--no-edit", "-m", "1", merge, env=b._env(3, None, "alice"))
    rev = b.head()
    t = run(GitOptions(str(b.path)))
    r = change_of(t.changes, rev)
    assert r["is_revert"] and r["reverts"] == merge
    assert t.deployments.empty


def test_kind_of_generic_merges(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "r")
    b.commit("chore: base", 0)
    b.checkout("fix/login", new=True)
    b.commit("wip", 1)
    b.checkout("main")
    by_branch = b.merge("fix/login", "Merge branch 'fix/login'", 2)
    b.checkout("cleanup", new=True)
    b.commit("more", 3)
    b.commit("refactor: tidy the parser", 4)
    b.checkout("main")
    by_commits = b.merge("cleanup", "Merge branch 'cleanup'", 5)
    t = run(GitOptions(str(b.path)))
    assert change_of(t.changes, by_branch)["kind"] == "defect"
    assert change_of(t.changes, by_commits)["kind"] == "debt"


def test_no_matching_tag_warns_and_gives_no_deployments(story: dict[str, str]) -> None:
    t = run(GitOptions(story["path"], deploy_tags="release-*"))
    assert t.deployments.empty
    assert t.changes["deployed_at"].isna().all()
    assert any("release-*" in w and "no tag" in w for w in t.warnings)


def test_no_author_identity_in_any_table(story: dict[str, str]) -> None:
    t = run(GitOptions(story["path"], deploy_tags="v*", salt="project-salt"))
    text = "\n".join(frame.astype(str).to_csv() for frame in
                     (t.commits, t.changes, t.deployments)) + repr(t.sources) + repr(t.warnings)
    for name, email in AUTHORS.values():
        for piece in (name, email, *name.split(), email.split("@")[0]):
            assert piece.lower() not in text.lower(), piece
    keys = t.commits.set_index("sha")["author_key"]
    assert keys[story["x1"]] == keys[story["x3"]] != keys[story["x2"]]
    other = run(GitOptions(story["path"], salt="another-salt")).commits.set_index("sha")
    assert other["author_key"][story["x1"]] != keys[story["x1"]]


# --------------------------------------------------------------------------- bad inputs


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="not a git repository") as e:
        run(GitOptions(str(tmp_path)))
    assert str(tmp_path) in str(e.value)
    with pytest.raises(GitError, match="no such folder"):
        run(GitOptions(str(tmp_path / "missing")))
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(GitError, match="not a folder"):
        run(GitOptions(str(tmp_path / "file.txt")))


def test_empty_repository(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "empty")
    with pytest.raises(GitError, match="no commits yet"):
        run(GitOptions(str(b.path)))


def test_shallow_clone_warns(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "origin")
    for i in range(5):
        b.commit(f"feat: c{i}", i)
    clone = tmp_path / "shallow"
    subprocess.run(["git", "-c", "protocol.file.allow=always", "clone", "-q", "--depth", "2",
                    f"file://{b.path}", str(clone)], check=True, capture_output=True)
    t = run(GitOptions(str(clone)))
    assert len(t.changes) == 2
    assert any("shallow clone" in w and "truncated" in w for w in t.warnings)
    assert t.data_quality["shallow_clone"] is True


def test_detached_head_warns_and_reads_that_commit(story: dict[str, str]) -> None:
    b = RepoBuilder.__new__(RepoBuilder)
    b.path = Path(story["path"])
    b.git("checkout", "-q", "--detach", story["fix"])
    t = run(GitOptions(story["path"]))
    assert len(t.changes) == 3
    assert any("detached" in w for w in t.warnings)


def test_unknown_branch_and_option_injection(story: dict[str, str], tmp_path: Path) -> None:
    with pytest.raises(GitError, match=r"unknown branch 'nope' \(branches: feature-x, main\)"):
        run(GitOptions(story["path"], branch="nope"))
    target = tmp_path / "pwned.txt"
    with pytest.raises(GitError, match="unknown branch"):
        run(GitOptions(story["path"], branch=f"--output={target}"))
    assert not target.exists()
    t = run(GitOptions(story["path"], branch="feature-x"))
    assert len(t.changes) == 4  # first-parent line of feature-x: initial, x1, x2, x3


def test_branch_wins_over_a_tag_of_the_same_name(story: dict[str, str]) -> None:
    b = RepoBuilder.__new__(RepoBuilder)
    b.path = Path(story["path"])
    b.git("tag", "feature-x", story["initial"])
    t = run(GitOptions(story["path"], branch="feature-x"))
    assert len(t.changes) == 4


def test_author_date_after_commit_date(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "r")
    b.commit("feat: base", 0)
    odd = b.commit("feat: from the future", 10, commit_hours=5)
    t = run(GitOptions(str(b.path)))
    c = change_of(t.changes, odd)
    assert c["first_commit_at"] == at(10) and c["merged_at"] == at(5)  # kept as recorded
    assert t.data_quality["commits_author_after_commit"] == 1
    assert any("author date after" in w for w in t.warnings)


def test_odd_time_zones_are_converted_to_utc(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "r")
    env = {**b._env(0, None, "alice"), "GIT_AUTHOR_DATE": "2025-03-03T23:30:00+14:00",
           "GIT_COMMITTER_DATE": "2025-03-03T01:15:00-09:30"}
    (b.path / "a").write_text("a")
    b.git("add", "a")
    b.git("commit", "-q", "-m", "feat: tz", env=env)
    c = run(GitOptions(str(b.path))).commits.iloc[0]
    assert c["author_time"] == pd.Timestamp("2025-03-03T09:30:00Z")
    assert c["commit_time"] == pd.Timestamp("2025-03-03T10:45:00Z")


def test_octopus_merge_is_one_change(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "r")
    b.commit("feat: base", 0)
    for i, name in enumerate(["a", "b", "c"]):
        b.checkout("main")
        b.checkout(name, new=True)
        b.commit(f"feat: {name}", 1 + i)
    b.checkout("main")
    b.git("merge", "-q", "--no-ff", "-m", "Merge branches a, b and c", "a", "b", "c",
          env=b._env(9, None, "bob"))
    octo = b.head()
    t = run(GitOptions(str(b.path)))
    assert len(t.commits.set_index("sha")["parents"][octo]) == 4  # main + a, b, c
    c = change_of(t.changes, octo)
    assert c["n_commits"] == 3 and c["first_commit_at"] == at(1)
    assert len(t.changes) == 2


def test_submodule_does_not_break_reading(tmp_path: Path) -> None:
    inner = RepoBuilder(tmp_path / "inner")
    sub_sha = inner.commit("feat: inner", 0)
    b = RepoBuilder(tmp_path / "outer")
    b.commit("feat: base", 1)
    (b.path / ".gitmodules").write_text('[submodule "lib"]\n\tpath = lib\n\turl = ../inner\n')
    b.git("add", ".gitmodules")
    b.git("update-index", "--add", "--cacheinfo", f"160000,{sub_sha},lib")
    b.git("commit", "-q", "-m", "build: add lib as a submodule", env=b._env(2, None, "alice"))
    opts = GitOptions(str(b.path))
    t = run(opts)
    assert len(t.changes) == 2
    sized = fill_sizes(opts, t.commits)
    assert sized.set_index("sha")["files"][b.head()] == 2  # .gitmodules and the gitlink


def test_ownership_refusal_becomes_a_clear_message(story: dict[str, str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_TEST_ASSUME_DIFFERENT_OWNER", "1")
    # the runner drops the caller's GIT_* variables; this one is let through on purpose
    monkeypatch.setattr(gitrun, "PASS_THROUGH", {*gitrun.PASS_THROUGH,
                                                  "GIT_TEST_ASSUME_DIFFERENT_OWNER"})
    with pytest.raises(GitError, match="safe.directory"):
        run(GitOptions(story["path"]))


# --------------------------------------------------------------------------- cancel, cache


def test_cancel_raises_and_writes_nothing(story: dict[str, str], tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    with pytest.raises(Cancelled):
        run(GitOptions(story["path"]), cancelled=lambda: True, cache_dir=cache)
    assert not cache.exists() or not any(cache.iterdir())
    polls = iter([False, True])  # cancelled while the output streams, after the first chunk
    with pytest.raises(Cancelled):
        run(GitOptions(story["path"]), cancelled=lambda: next(polls, True), cache_dir=cache)
    assert not cache.exists() or not any(cache.iterdir())
    t = run(GitOptions(story["path"]))
    with pytest.raises(Cancelled):
        fill_sizes(GitOptions(story["path"]), t.commits, cancelled=lambda: True, cache_dir=cache)
    assert not cache.exists() or not any(cache.iterdir())


def test_cache_reuse_and_incremental_read(story: dict[str, str], tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    opts = GitOptions(story["path"], deploy_tags="v*")
    first = run(opts, cache_dir=cache)
    again = run(opts, cache_dir=cache)
    assert again.data_quality["history_from_cache"]
    pd.testing.assert_frame_equal(first.changes, again.changes)
    pd.testing.assert_frame_equal(first.commits, again.commits)
    # entries only (and the marker of the cleared older layouts): no temporary file left
    assert all(p.suffix == ".npz" or p.name.startswith(".layout-") for p in cache.iterdir())

    b = RepoBuilder.__new__(RepoBuilder)
    b.path = Path(story["path"])
    b._n = 100
    b.commit("feat: new work", 20)
    b.tag("v1.2.0", 21)
    inc = run(opts, cache_dir=cache)
    assert inc.data_quality["commits_read_from_git"] == 1  # only the new commit
    fresh = run(opts)
    pd.testing.assert_frame_equal(inc.changes, fresh.changes)
    pd.testing.assert_frame_equal(inc.commits.sort_values("sha").reset_index(drop=True),
                                  fresh.commits.sort_values("sha").reset_index(drop=True))

    # history rewritten (a force-push): orphaned commits disappear from the result
    b.git("tag", "-d", "v1.2.0")
    b.git("reset", "-q", "--hard", story["fix"])
    b.commit("feat: rewritten", 22)
    inc = run(opts, cache_dir=cache)
    fresh = run(opts)
    pd.testing.assert_frame_equal(inc.changes, fresh.changes)
    assert len(inc.commits) == len(fresh.commits) == 7


def test_fill_sizes_counts_lines_and_uses_the_cache(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "r")
    one = b.commit("feat: one", 0, file="a.txt")
    (b.path / "a.txt").write_text("x\ny\nz\n")  # 1 line replaced, 2 added
    (b.path / "bin.dat").write_bytes(b"\x00\x01\x02")
    b.git("add", "a.txt", "bin.dat")
    b.git("commit", "-q", "-m", "feat: more", env=b._env(1, None, "alice"))
    two = b.head()
    opts = GitOptions(str(b.path))
    t = run(opts)
    cache = tmp_path / "cache"
    sized = fill_sizes(opts, t.commits, cache_dir=cache).set_index("sha")
    assert tuple(sized.loc[one, ["files", "insertions", "deletions"]]) == (1, 1, 0)
    assert tuple(sized.loc[two, ["files", "insertions", "deletions"]]) == (2, 3, 1)
    assert str(sized["files"].dtype) == "Int64"
    # the second pass answers from the cache, even with git unable to read the objects
    again = fill_sizes(opts, t.commits, cache_dir=cache).set_index("sha")
    pd.testing.assert_frame_equal(sized, again)
    ch = add_change_sizes(t.changes, sized.reset_index())
    assert ch.set_index("change_id")["lines_changed"].to_dict() == {one: 1, two: 4}


def test_subtree_keeps_only_changes_touching_it(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "mono")
    api = b.commit("feat: api", 0, file="services/api/main.py")
    b.commit("feat: web", 1, file="services/web/app.js")
    b.checkout("topic", new=True)
    b.commit("feat: web again", 2, file="services/web/app.js")
    b.commit("fix: api bug", 3, file="services/api/main.py")
    b.checkout("main")
    merge = b.merge("topic", "Merge branch 'topic'", 4)
    t = run(GitOptions(str(b.path), subtree="services/api"))
    assert set(t.changes["change_id"]) == {api, merge}
    t = run(GitOptions(str(b.path), subtree=":(exclude)services"))  # literal, not magic
    assert t.changes.empty and any("no commit touches" in w for w in t.warnings)


def test_since_until_window(story: dict[str, str]) -> None:
    t = run(GitOptions(story["path"], deploy_tags="v*",
                       since=pd.Timestamp("2025-03-03T20:30:00Z")))
    # changes still open at the window start or started after it; deployments inside it
    assert set(t.changes["change_id"]) == {story["merge"], story["fix"], story["revert"]}
    assert t.deployments["deployment_id"].tolist() == ["repo@v1.1.0"]
    assert not t.changes.set_index("change_id")["first_deployment"][story["merge"]]
    t = run(GitOptions(story["path"], deploy_tags="v*", until=pd.Timestamp("2025-03-03T14:00")))
    assert set(t.changes["change_id"]) == {story["initial"], story["merge"]}
    assert t.deployments["deployment_id"].tolist() == ["repo@v1.0.0"]


def test_several_repositories_concatenate_with_unique_ids(story: dict[str, str],
                                                          tmp_path: Path) -> None:
    other = RepoBuilder(tmp_path / "other")
    other.commit("feat: elsewhere", 0)
    other.tag("v1.0.0", 1)
    a = run(GitOptions(story["path"], deploy_tags="v*", label="api"))
    b = run(GitOptions(str(other.path), deploy_tags="v*", label="web"))
    changes = pd.concat([a.changes, b.changes], ignore_index=True)
    deployments = pd.concat([a.deployments, b.deployments], ignore_index=True)
    assert changes["change_id"].is_unique and deployments["deployment_id"].is_unique
    assert set(changes["repo"]) == {"api", "web"}
    assert "web@v1.0.0" in set(deployments["deployment_id"])


def test_progress_rises_to_one(story: dict[str, str]) -> None:
    seen: list[float] = []
    run(GitOptions(story["path"]), progress=lambda f, m: seen.append(f))
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert seen == sorted(seen)


# --------------------------------------------------------------------------- demo data


def test_demo_generator_is_deterministic_and_realistic(tmp_path: Path) -> None:
    from vsm_app.demo.generate import generate

    one = generate(tmp_path / "one")
    two = generate(tmp_path / "two")
    head = ["git", "rev-parse", "HEAD"]
    sha1 = subprocess.run(head, cwd=one.repo, capture_output=True, text=True).stdout
    sha2 = subprocess.run(head, cwd=two.repo, capture_output=True, text=True).stdout
    assert sha1 == sha2 and len(sha1.strip()) == 40
    assert generate(tmp_path / "one") == one  # idempotent: a second call reuses it
    for path in (one.prs, one.ci_runs, one.incidents):
        assert json.loads(path.read_text())
    assert (one.prs.read_bytes() == two.prs.read_bytes())
    t = run(GitOptions(str(one.repo), deploy_tags="v*"))
    assert 1300 <= len(t.changes) <= 1700
    assert 200 <= len(t.deployments) <= 300  # weekly train, then 3 releases a week
    assert t.changes["is_revert"].sum() >= 3
    assert t.changes["deployed_at"].notna().mean() > 0.95
    assert t.changes["merged_at"].max() <= pd.Timestamp("2026-10-31T23:59:59Z")


def test_hand_made_commit_dates_git_cannot_print_are_missing(tmp_path: Path) -> None:
    """A hostile repository's commits dated before 1970 (git prints nothing for them) or
    beyond 2262: missing dates, never a crash, and the rest is measured."""
    b = RepoBuilder(tmp_path / "r")
    b.commit("feat: base", 0)
    tree = b.git("rev-parse", "HEAD^{tree}")
    parent = b.head()
    for i, (author, committer) in enumerate([(-8_000_000_000, -8_000_000_000),
                                             (99_999_999_999_999, 1_741_000_000)]):
        body = (f"tree {tree}\nparent {parent}\nauthor A <a@x.example> {author} +0000\n"
                f"committer A <a@x.example> {committer} +0000\n\nfix: odd {i}\n")
        parent = b.git("hash-object", "-t", "commit", "-w", "--stdin", "--literally",
                       input=body)
    b.git("update-ref", "refs/heads/main", parent)
    t = run(GitOptions(str(b.path)))
    assert len(t.commits) == 3 and len(t.changes) == 3
    times = t.commits.set_index("sha")
    assert pd.isna(times.loc[parent, "author_time"])  # year ~3 million
    assert times.loc[parent, "commit_time"] == pd.Timestamp(1_741_000_000, unit="s", tz="UTC")
    assert times["author_time"].isna().sum() == 2  # and the one git printed no date for


# --------------------------------------------------------------------------- message labels

_WORDS = ["feat", "Feat", "fix", "FIX", "hotfix", "HotFix", "revert", "chore", "docs", "deps",
          "wip", "alice", "Revert \"", "Merge branch 'hotfix/x'", "merge hotfix-1",
          "Merge pull request #3 from org/hotfix/login", "Merge branch 'fix/y'"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", " ", "  ", "\t"]), st.sampled_from(_WORDS),
                          st.sampled_from(["", "(ui)", "(x)!", "!", "(a b)"]),
                          st.sampled_from([":", "", " :", ": "]),
                          st.text(alphabet="abc XYZ:()!é→'\"/-_#0", max_size=12)),
                max_size=30))
def test_a_label_says_what_the_rules_read_from_the_subject(parts: list[tuple[str, ...]]) -> None:
    """The label kept instead of a subject gives the same kind, prefix and hotfix answers."""
    import re

    from vsm_app.domain.kinds import (
        HOTFIX_SUBJECT,
        has_kind_prefix,
        is_hotfix_subject,
        kind_from_subject,
    )
    from vsm_app.ingest.git import LABELS, _hotfix_marks, _labels

    subjects = ["".join(p) for p in parts]
    labels = [LABELS[c] for c in _labels([s.encode() for s in subjects])]
    for s, label in zip(subjects, labels, strict=True):
        assert kind_from_subject(label) == kind_from_subject(s), (s, label)
        assert has_kind_prefix(label) == has_kind_prefix(s), (s, label)
        assert is_hotfix_subject(label) == is_hotfix_subject(s), (s, label)
    expected = [re.search(HOTFIX_SUBJECT, s, re.IGNORECASE) is not None for s in subjects]
    assert _hotfix_marks([s.encode() for s in subjects]) == expected
