"""The files pass for groups by path (issue 21): read only when needed, then from the cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ingest.conftest_git import RepoBuilder
from vsm_app.domain.groups import make_group
from vsm_app.ingest import git, gitfiles
from vsm_app.pipeline import AnalyzeInputs, RepoInput, group_memberships, ingest


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    r = RepoBuilder(tmp_path / "mono")
    r.commit("feat: api", 0, file="api/a.py")
    r.checkout("topic", new=True)
    r.commit("feat: web", 2, file="web/w.ts")
    r.commit("docs: both", 3, file="docs/x.md")
    r.checkout("main")
    r.merge("topic", "Merge branch 'topic'", 4)
    r.commit("chore: rename", 5, file="api/b.py")
    return tmp_path / "mono"


def _count_streams(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []
    real = git._Git.stream

    def counting(self, args, *a, **k):  # type: ignore[no-untyped-def]
        calls.append(list(args))
        return real(self, args, *a, **k)

    monkeypatch.setattr(git._Git, "stream", counting)
    return calls


def test_files_of_each_change_then_the_cache(repo: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    tables, _ = ingest(AnalyzeInputs(repos=[RepoInput(str(repo), deploy_tags="")]))
    opts = git.GitOptions(path=str(repo))
    calls = _count_streams(monkeypatch)
    files = gitfiles.change_files(opts, tables.commits, cache_dir=tmp_path / "cache")
    by_change = files.groupby("change_id")["path"].apply(sorted).to_dict()
    # three changes: the api commit, the merge (its two commits' files), the last commit
    assert sorted(by_change.values()) == [["api/a.py"], ["api/b.py"],
                                          ["docs/x.md", "web/w.ts"]]
    assert sum("--name-only" in c for c in calls) == 1
    again = gitfiles.change_files(opts, tables.commits, cache_dir=tmp_path / "cache")
    assert again.equals(files)
    assert sum("--name-only" in c for c in calls) == 1  # nothing read from git the 2nd time


def test_the_files_pass_runs_only_for_groups_by_path(repo: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = AnalyzeInputs(repos=[RepoInput(str(repo), deploy_tags="")],
                           groups=[make_group("all", repositories=["mono"])])
    tables, _ = ingest(inputs)
    calls = _count_streams(monkeypatch)
    m = group_memberships(tables, inputs)
    assert len(m) == 3 and not any("--name-only" in c for c in calls)
    inputs.groups = [make_group("web", paths=["web/"]),
                     make_group("other", repositories=["elsewhere"], paths=["api/"])]
    m = group_memberships(tables, inputs)
    assert list(m["group"]) == ["web"]  # the merge holds web/w.ts; "other" takes no repo here
    assert sum("--name-only" in c for c in calls) == 1
