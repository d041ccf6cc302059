"""Work-item keys found at ingest (issue 18): in commit messages and merged branch names
(``changes.item_keys``), in pull requests' head branches, titles and bodies
(``pull_requests.item_keys``), so linking never needs the messages themselves; and the
links they make, end to end through ``link``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from tests.ingest.conftest_git import RepoBuilder, at
from vsm_app.domain.tables import Tables
from vsm_app.ingest.git import GitOptions, run
from vsm_app.ingest.sources import ImportOptions, import_files, link


def _repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    b = RepoBuilder(tmp_path / "repo")
    shas: dict[str, str] = {}
    shas["root"] = b.commit("chore: start", 0)
    b.checkout("feat/EE-12-login", new=True)
    b.commit("feat: login form", 1)
    b.commit("fix lint\n\nRefs SHOP-3 and AB#77", 2)
    b.checkout("main")
    shas["merge"] = b.merge("feat/EE-12-login", "Merge branch 'feat/EE-12-login'", 3)
    b.checkout("jdoe-7-typo", new=True)
    b.commit("docs: typo", 3.5)
    b.checkout("main")
    shas["login"] = b.merge("jdoe-7-typo", "Merge branch 'jdoe-7-typo'", 3.6)
    shas["direct"] = b.commit("fix: crash on empty cart (#45)\n\nCloses acme/shop#9", 4)
    shas["plain"] = b.commit("docs: readme", 5)
    return b.path, shas


def test_changes_carry_the_keys_of_their_commits(tmp_path: Path) -> None:
    path, shas = _repo(tmp_path)
    t = run(GitOptions(str(path)))
    keys = dict(zip(t.changes["change_id"], t.changes["item_keys"], strict=True))
    # the merged branch names EE-12; a commit of the change names SHOP-3 and AB#77 in its
    # body
    assert set(keys[shas["merge"]]) == {"branch:EE-12", "message:SHOP-3", "message:AB#77"}
    # a lower-case branch name is no key in git (the cache must not hold "JDOE-7": a login)
    assert keys[shas["login"]] == ()
    assert set(keys[shas["direct"]]) == {"message:#45", "message:acme/shop#9"}
    assert keys[shas["plain"]] == ()
    # cached: the same keys come back without reading the messages again
    again = run(GitOptions(str(path)), cache_dir=tmp_path / "cache")
    cached = run(GitOptions(str(path)), cache_dir=tmp_path / "cache")
    assert again.changes["item_keys"].tolist() == cached.changes["item_keys"].tolist() == \
        t.changes["item_keys"].tolist()


def test_pull_requests_carry_the_keys_of_branch_title_and_body(tmp_path: Path) -> None:
    prs = [{"number": 4, "title": "Login for SHOP-7", "headRefName": "feature/shop-3-login",
            "body": "Fixes #12", "url": "https://github.com/acme/shop/pull/4",
            "createdAt": "2025-03-03T09:00:00Z", "mergedAt": None, "state": "OPEN"}]
    (tmp_path / "prs.json").write_text(json.dumps(prs))
    r = import_files([("prs", str(tmp_path / "prs.json"))], ImportOptions(salt="s"))
    assert set(r.pull_requests["item_keys"].iloc[0]) == {"branch:SHOP-3", "pr:SHOP-7", "pr:#12"}
    assert "body" not in r.pull_requests  # the body itself is never kept


def test_links_from_keys_end_to_end(tmp_path: Path) -> None:
    path, shas = _repo(tmp_path)
    items = tmp_path / "items.csv"
    items.write_text("item_id,type,status,changed_at\n"
                     f"EE-12,Story,Open,{at(-5).isoformat()}\n"
                     f"EE-12,Story,Done,{at(3.5).isoformat()}\n"
                     f"SHOP-3,Bug,Open,{at(-5).isoformat()}\n"
                     f"SHOP-99,Bug,Open,{at(-5).isoformat()}\n")
    t = run(GitOptions(str(path)))
    imported = import_files([("items", str(items))])
    out = link(t, imported)
    links = set(zip(out.item_links["item_id"], out.item_links["change_id"],
                    out.item_links["how"], strict=True))
    assert links == {("EE-12", shas["merge"], "branch"), ("SHOP-3", shas["merge"], "message")}
    dq = out.data_quality["items"]
    assert (dq["items_linked"], dq["items_unlinked"]) == (2, 1)
    # 5 changes: the merge linked; the root, the typo merge, the direct fix (#45 names no
    # loaded item) and the docs change not
    assert (dq["changes_linked_to_items"], dq["changes_unlinked_to_items"]) == (1, 4)
    # EE-12 is done, its one change merged (no deployment data: merged is the finish)
    ee12 = out.items.set_index("item_id").loc["EE-12"]
    assert ee12["delivered_at"] == at(3)
    # SHOP-3 is linked but still open: not delivered
    assert pd.isna(out.items.set_index("item_id").loc["SHOP-3", "delivered_at"])


def test_hash_keys_follow_the_repository(tmp_path: Path) -> None:
    """``#45`` names issue 45 of the change's own repository."""
    path, shas = _repo(tmp_path)
    issues = [{"number": n, "title": f"issue {n}", "labels": [], "state": "open",
               "comments": 0, "created_at": "2025-03-01T00:00:00Z", "closed_at": None,
               "repository_url": f"https://api.github.com/repos/{repo}",
               "node_id": f"I_{repo}_{n}"}
              for repo, n in (("acme/repo", 45), ("acme/other", 45), ("acme/shop", 9))]
    (tmp_path / "issues.json").write_text(json.dumps(issues))
    t = run(GitOptions(str(path)))  # the repository's label is its folder name: "repo"
    out = link(t, import_files([("items", str(tmp_path / "issues.json"))]))
    links = set(zip(out.item_links["item_id"], out.item_links["change_id"], strict=True))
    assert links == {("github:acme/repo#45", shas["direct"]),
                     ("github:acme/shop#9", shas["direct"])}
    assert isinstance(out, Tables)
