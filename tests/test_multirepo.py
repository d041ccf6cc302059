"""Several repositories in one measurement (issue 21, defects found by the core task).

Repositories are built with fixed dates (tests/ingest/conftest_git.py, hours after T0); the
expected figures are worked out by hand in each test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ingest.conftest_git import RepoBuilder, at
from vsm_app.pipeline import AnalyzeInputs, RepoInput, repo_labels, run

HOUR = 3600.0


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("VSM_APP_HOME", str(tmp_path / "home"))


def _shop(path: Path) -> None:
    """web/ changes at 20 h (→ v1.1.0 at 30 h) and 60 h (→ v1.3.0 at 72 h); api/ at 0 h
    (→ v1.0.0 at 1 h, the first deployment) and 10 h (→ v1.1.0)."""
    r = RepoBuilder(path)
    r.commit("feat: api base", 0, file="api/a.py")
    r.tag("v1.0.0", 1)
    r.commit("feat: api x", 10, file="api/b.py")
    r.commit("feat: web y", 20, file="web/c.ts")
    r.tag("v1.1.0", 30)
    r.commit("feat: web z", 60, file="web/g.ts")
    r.tag("v1.3.0", 72)


def _two(root: Path) -> tuple[Path, Path, list[str], list[str]]:
    """alpha: a1 0 h, a2 10 h, a3 20 h (tags v1.0.0 at 1 h, v1.1.0 at 30 h);
    beta: b1 0 h, b2 5 h (tags v1.0.0 at 2 h, v2.0.0 at 8 h)."""
    a = RepoBuilder(root / "alpha")
    sa = [a.commit("feat: a1", 0)]
    a.tag("v1.0.0", 1)
    sa += [a.commit("feat: a2", 10), a.commit("feat: a3", 20)]
    a.tag("v1.1.0", 30)
    b = RepoBuilder(root / "beta")
    sb = [b.commit("feat: b1", 0)]
    b.tag("v1.0.0", 2)
    sb.append(b.commit("feat: b2", 5))
    b.tag("v2.0.0", 8)
    return root / "alpha", root / "beta", sa, sb


def _export(path: Path, rows: list[tuple[str, str, float]]) -> Path:
    """A generic deployments CSV: (id, sha, finished hours after T0), all production."""
    lines = ["deployment_id,sha,environment,finished_at"]
    lines += [f"{i},{sha},production,{at(h).isoformat()}" for i, sha, h in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def _inputs(repos: list[RepoInput], files: list[tuple[str, str]] = ()) -> AnalyzeInputs:
    return AnalyzeInputs(repos=repos, files=list(files), deploy_pattern="deploy")


# (a) -------------------------------------------------------------------------------------

def test_a_repository_listed_whole_and_by_sub_tree_is_measured_as_two_streams(tmp_path):
    _shop(tmp_path / "shop")
    repos = [RepoInput(str(tmp_path / "shop"), deploy_tags="v*"),
             RepoInput(str(tmp_path / "shop"), subtree="web", deploy_tags="v*")]
    assert repo_labels(repos) == ["shop", "shop:web"]
    m = run(_inputs(repos))  # crashed with pandas InvalidIndexError (changes keyed by sha)
    counts = m.tables.changes["repo"].value_counts().to_dict()
    assert counts == {"shop": 4, "shop:web": 2}
    # lead times: whole shop 10 h→30 h = 20 h, 20 h→30 h = 10 h, 60 h→72 h = 12 h (the 0 h
    # change is the first deployment's); the sub-tree again 10 h and 12 h; each stream is
    # its own, so the union is 20, 10, 12, 10, 12 → median 12 h
    assert m.result.dora.lead_time_median_s == 12 * HOUR


def test_labels_stay_the_folder_names_when_they_do_not_clash(tmp_path):
    repos = [RepoInput("/x/shop", subtree="web"), RepoInput("/y/lib"),
             RepoInput("/z/lib"), RepoInput("/x/shop", subtree="web", label="w")]
    assert repo_labels(repos) == ["shop", "lib", "lib#2", "w"]


# (b) -------------------------------------------------------------------------------------

def test_deployment_ids_are_unique_per_repository_not_across_them(tmp_path):
    pa, pb, sa, sb = _two(tmp_path)
    # both exports number their deployments 1, 2 (as every CD system does per project)
    ea = _export(tmp_path / "alpha-deploys.csv", [("1", sa[0], 3), ("2", sa[2], 25)])
    eb = _export(tmp_path / "beta-deploys.csv", [("1", sb[0], 3), ("2", sb[1], 9)])
    m = run(_inputs([RepoInput(str(pa)), RepoInput(str(pb))],
                    [("deployments", str(ea)), ("deployments", str(eb))]))
    # four deployments (two each), not two: before, beta's 1 and 2 were dropped as
    # duplicates of alpha's
    assert m.result.deployments == 4
    # lead times: a2 10 h→25 h = 15 h, a3 20 h→25 h = 5 h, b2 5 h→9 h = 4 h (a1, b1 are
    # their repositories' first deployments) → median 5 h
    assert m.result.dora.lead_time_median_s == 5 * HOUR


def test_analyze_many_counts_both_repositories_deployments_with_the_same_ids(tmp_path):
    pytest.importorskip("pyarrow")
    from vsm_app.scale.manifest import load_manifest
    from vsm_app.scale.portfolio import RunOptions, run_in_process

    pa, pb, sa, sb = _two(tmp_path)
    _export(tmp_path / "alpha-deploys.csv", [("1", sa[0], 3), ("2", sa[2], 25)])
    _export(tmp_path / "beta-deploys.csv", [("1", sb[0], 3), ("2", sb[1], 9)])
    (tmp_path / "m.toml").write_text(
        '[[repository]]\nname = "alpha"\npath = "alpha"\ndeployments = ["alpha-deploys.csv"]\n'
        '[[repository]]\nname = "beta"\npath = "beta"\ndeployments = ["beta-deploys.csv"]\n'
        '[[group]]\nname = "b"\nrepositories = ["beta"]\n')
    r = run_in_process(load_manifest(tmp_path / "m.toml"), RunOptions(out=tmp_path / "out"))
    assert r.summary["whole"]["deployments"] == 4
    assert r.summary["whole"]["dora"]["lead_time_median_s"] == 5 * HOUR
    assert r.summary["groups"][0]["deployments"] == 2
    assert r.summary["groups"][0]["dora"]["lead_time_median_s"] == 4 * HOUR


# (c) -------------------------------------------------------------------------------------

def test_a_deployment_export_replaces_the_tags_of_its_own_repository_only(tmp_path):
    pa, pb, sa, _ = _two(tmp_path)
    ea = _export(tmp_path / "alpha-deploys.csv", [("1", sa[0], 3), ("2", sa[2], 25)])
    m = run(_inputs([RepoInput(str(pa), deploy_tags="v*"), RepoInput(str(pb),
                                                                     deploy_tags="v*")],
                    [("deployments", str(ea))]))
    deps = m.tables.deployments
    by_repo = deps.loc[deps["is_production"]].groupby("repo")["deployment_id"].apply(sorted)
    # alpha: its export's two deployments; beta (no export): its own two release tags
    assert by_repo.to_dict() == {"alpha": ["1", "2"], "beta": ["beta@v1.0.0", "beta@v2.0.0"]}
    assert m.result.deployments == 4
    # lead times: a2 15 h, a3 5 h (export at 25 h); b2 5 h→8 h (tag v2.0.0) = 3 h → 5 h
    assert m.result.dora.lead_time_median_s == 5 * HOUR
    assert any("in alpha; beta keep their own" in w for w in m.tables.warnings)


def test_with_one_repository_an_export_still_replaces_its_tags(tmp_path):
    pa, _, sa, _ = _two(tmp_path)
    ea = _export(tmp_path / "alpha-deploys.csv", [("1", sa[0], 3), ("2", sa[2], 25)])
    m = run(_inputs([RepoInput(str(pa), deploy_tags="v*")], [("deployments", str(ea))]))
    assert sorted(m.tables.deployments["deployment_id"].tolist()) == ["1", "2"]
    assert any("2 deployment(s) from release tags replaced by 2 from deployment exports" in w
               for w in m.tables.warnings)


def test_ci_run_ids_are_unique_per_repository(tmp_path):
    import pandas as pd

    from vsm_app.analysis.events import build_runs

    def t(h):
        return at(h)

    runs = pd.DataFrame({
        "run_id": ["1", "1"], "sha": ["a" * 40, "b" * 40],
        "queued_at": [t(0), t(5)], "started_at": [t(1), t(6)], "finished_at": [t(2), t(8)],
        "repo": ["alpha", "beta"]})
    got = build_runs(runs).sort_values("sha").reset_index(drop=True)
    # two runs (one per repository), each with its own times — not one run "1"
    assert got["sha"].tolist() == ["a" * 40, "b" * 40]
    assert (got["ci_finished"] - got["ci_started"]).tolist() == \
        [pd.Timedelta(hours=1).value, pd.Timedelta(hours=2).value]
    # without a repository the id alone names the run, as before
    same = build_runs(runs.drop(columns=["repo"]))
    assert len(same) == 1
