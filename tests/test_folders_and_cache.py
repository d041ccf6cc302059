"""Per-user folders, the sample project's copy, the cache's size cap, the changes cache layer."""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.ingest.conftest_git import RepoBuilder
from vsm_app import cachedir, logs, paths
from vsm_app.demo import sample
from vsm_app.ingest import ancestry, changescache, git, gitcache


@pytest.fixture
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No VSM_APP_HOME: the platform's folders, pointed at a temporary XDG tree."""
    monkeypatch.delenv("VSM_APP_HOME", raising=False)
    for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                     ("XDG_CACHE_HOME", "cache"), ("XDG_STATE_HOME", "state")):
        monkeypatch.setenv(var, str(tmp_path / sub))
    return tmp_path


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG folders are Linux's")
def test_each_folder_in_its_xdg_place(xdg: Path) -> None:
    assert paths.settings_path() == xdg / "config" / "vsm-app" / "settings.ini"
    assert paths.data_dir() == xdg / "data" / "vsm-app"
    assert paths.sample_dir() == xdg / "data" / "vsm-app" / "sample"
    assert paths.cache_dir() == xdg / "cache" / "vsm-app"
    assert paths.log_path() == xdg / "state" / "vsm-app" / "log" / "vsm-app.log"
    assert paths.legacy_cache_dir() == xdg / "data" / "vsm-app" / "cache"


def test_vsm_app_home_holds_everything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VSM_APP_HOME", str(tmp_path / "portable"))
    home = tmp_path / "portable"
    assert paths.settings_path() == home / "settings.ini"
    assert paths.data_dir() == home and paths.cache_dir() == home / "cache"
    assert paths.log_dir() == home / "log" and paths.legacy_cache_dir() is None


def test_packaged_resources_are_read_from_the_package() -> None:
    assert "QMainWindow" in paths.resource("styles", "light.qss").read_text("utf-8")
    assert paths.sample_definition().read_bytes().startswith(b"{")
    assert Path(str(paths.resource("icons"))).is_relative_to(Path(paths.__file__).parent)


# -- the sample project ------------------------------------------------------------------


def test_sample_is_copied_once_and_the_users_edits_are_kept(tmp_path: Path) -> None:
    target = sample.install(tmp_path / "s")
    packaged = paths.sample_definition().read_bytes()
    assert target == tmp_path / "s" / "demo.vsm" and target.read_bytes() == packaged
    target.write_bytes(packaged.replace(b"Demo: checkout service", b"Our own stream"))
    assert b"Our own stream" in sample.install(tmp_path / "s").read_bytes()  # kept


def test_an_unchanged_old_sample_is_replaced_by_the_new_version(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    old = b'{"format": "vsm-project", "name": "last version"}\n'
    (folder / "demo.vsm").write_bytes(old)
    import hashlib

    (folder / sample.INSTALLED_DIGEST).write_text(hashlib.sha256(old).hexdigest() + "\n")
    assert sample.install(folder).read_bytes() == paths.sample_definition().read_bytes()


def test_sample_goes_to_the_data_folder_never_next_to_the_code() -> None:
    target = sample.install()
    assert target.parent == paths.sample_dir()
    assert not target.is_relative_to(Path(paths.__file__).parent)


# -- the cache's size cap ------------------------------------------------------------------


def _entry(folder: Path, name: str, size: int, used: float) -> Path:
    p = folder / name
    p.write_bytes(b"x" * size)
    os.utime(p, (used, used))
    return p


def test_over_the_cap_the_least_recently_used_go_first(tmp_path: Path) -> None:
    now = time.time()
    a = _entry(tmp_path, "git-history-a.npz", 400, now - 300)
    b = _entry(tmp_path, "git-history-b.npz", 400, now - 200)
    c = _entry(tmp_path, "git-changes-c.npz", 400, now - 100)
    other = _entry(tmp_path, "notes.txt", 5000, now - 999)
    cachedir.mark_used(a)  # read just now: a is the most recently used
    new = _entry(tmp_path, "git-history-new.npz", 400, now)
    removed = cachedir.enforce_limit(tmp_path, limit=1000, keep=[new])
    # 2000 bytes of entries, cap 1000: b then c (oldest use) go; a (just read) and new stay
    assert removed == [b, c]
    assert a.exists() and new.exists() and other.exists()


def test_the_entry_just_written_stays_even_alone_over_the_cap(tmp_path: Path) -> None:
    big = _entry(tmp_path, "git-history-big.npz", 5000, time.time())
    assert cachedir.enforce_limit(tmp_path, limit=1000, keep=[big]) == []
    assert big.exists()


def test_gitcache_writes_respect_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    monkeypatch.setenv(cachedir.ENV_LIMIT, "0.01")  # 10,485 bytes
    arrays = {"x": np.zeros(1000, dtype=np.int64)}  # ~8 KB per entry
    first = tmp_path / "git-history-1.npz"
    gitcache.save(first, arrays, {})
    os.utime(first, (time.time() - 60, time.time() - 60))
    second = tmp_path / "git-history-2.npz"
    gitcache.save(second, arrays, {})
    assert not first.exists() and second.exists()
    assert cachedir.limit_bytes() == int(0.01 * (1 << 20))


def test_clear_deletes_entries_only_and_says_how_much(tmp_path: Path) -> None:
    _entry(tmp_path, "git-history-a.npz", 300, time.time())
    _entry(tmp_path, "git-sizes-b.npz", 200, time.time())
    keep = _entry(tmp_path, "README", 10, time.time())
    assert cachedir.usage(tmp_path) == (2, 500)
    assert cachedir.clear(tmp_path) == (2, 500)
    assert cachedir.usage(tmp_path) == (0, 0) and keep.exists()


def test_old_versions_caches_are_removed(xdg: Path) -> None:
    old = xdg / "data" / "vsm-app" / "cache"
    old.mkdir(parents=True)
    _entry(old, "git-history-old.npz", 100, time.time())
    theirs = _entry(old, "other.npz", 10, time.time())
    assert cachedir.forget_legacy_cache() == 100
    assert not (old / "git-history-old.npz").exists() and theirs.exists()


def test_stale_temporary_files_are_removed(tmp_path: Path) -> None:
    stale = _entry(tmp_path, "git-history-x.npz.abc.tmp", 10, time.time() - 2 * 86400)
    fresh = _entry(tmp_path, "git-history-y.npz.def.tmp", 10, time.time())
    cachedir.enforce_limit(tmp_path, limit=10**9)
    assert not stale.exists() and fresh.exists()


# -- the changes layer ----------------------------------------------------------------------


@pytest.fixture
def small_repo(tmp_path: Path) -> RepoBuilder:
    b = RepoBuilder(tmp_path / "repo")
    b.commit("feat: first", 0)
    b.tag("v1.0.0", 10)
    b.checkout("fix/x", new=True)
    b.commit("fix: part one", 20)
    b.commit("fix: part two", 22)
    b.checkout("main")
    b.merge("fix/x", "Merge branch 'fix/x'", 25)
    b.commit("docs: typo", 30)
    b.tag("v1.1.0", 50)
    return b


def _run(repo: RepoBuilder, cache: Path) -> object:
    return git.run(git.GitOptions(path=str(repo.path), deploy_tags="v*", salt="s"),
                   cache_dir=cache)


def test_cached_changes_equal_the_built_ones_exactly(small_repo: RepoBuilder,
                                                    tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    fresh = _run(small_repo, cache)
    assert len(list(cache.glob("git-changes-*.npz"))) == 1
    again = _run(small_repo, cache)
    assert again.data_quality["history_from_cache"] is True  # type: ignore[attr-defined]
    assert again.data_quality["commits_read_from_git"] == 0  # type: ignore[attr-defined]
    for table in ("commits", "changes", "deployments"):
        pd.testing.assert_frame_equal(getattr(again, table), getattr(fresh, table),
                                      check_exact=True)
    # hand-checked: 3 changes (first, the merge, the typo), 2 tag deployments
    assert len(again.changes) == 3 and list(again.deployments["tag"]) == ["v1.0.0", "v1.1.0"]  # type: ignore[attr-defined]


def test_a_new_tag_or_new_code_is_never_served_an_old_answer(
        small_repo: RepoBuilder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    _run(small_repo, cache)
    small_repo.tag("v1.2.0", 60)
    after = _run(small_repo, cache)
    assert list(after.deployments["tag"]) == ["v1.0.0", "v1.1.0", "v1.2.0"]  # type: ignore[attr-defined]
    assert len(list(cache.glob("git-changes-*.npz"))) == 2
    monkeypatch.setattr(changescache, "code_digest", lambda: "another version of the rules")
    _run(small_repo, cache)
    assert len(list(cache.glob("git-changes-*.npz"))) == 3


def test_frame_codec_round_trips_every_column_kind() -> None:
    frame = pd.DataFrame({
        "at": pd.to_datetime(["2025-01-01T10:00:00Z", None, "1970-01-01T00:00:00Z"], utc=True),
        "name": pd.array(["a", None, "a"], dtype="string"),
        "n": pd.array([1, None, -3], dtype="Int64"),
        "flag": [True, False, True],
        "x": [0.5, float("nan"), 2.0],
        "parents": pd.Series([("p1", "p2"), (), ("p3",)], dtype=object),
    })
    arrays, schema = changescache.frame_to_arrays(frame, "t")
    back = changescache.frame_from_arrays(arrays, schema, "t", len(frame))
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    with pytest.raises(changescache.Unsupported):
        changescache.frame_to_arrays(pd.DataFrame({"o": [object()]}), "t")


def test_graph_and_walk_are_reused_only_for_the_same_commits() -> None:
    commits = pd.DataFrame({"sha": pd.array(["c", "b", "a"], dtype="string"),
                            "parents": pd.Series([("b",), ("a",), ()], dtype=object)})
    g1 = ancestry.parent_graph(commits)
    assert ancestry.parent_graph(commits.copy()) is g1
    other = commits.assign(parents=pd.Series([("a",), ("a",), ()], dtype=object))
    g2 = ancestry.parent_graph(other)
    assert g2 is not g1 and g2.first_parent == [2, 2, -1]
    labels = ancestry.label_reachable(g1, [1, 0])
    labels[:] = 99  # a caller changing its copy does not change the remembered walk
    assert ancestry.label_reachable(g1, [1, 0]).tolist() == [1, 0, 0]


# -- logging ------------------------------------------------------------------------------


def test_log_file_rotates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "MAX_BYTES", 2000)
    path = logs.setup(console=False)
    assert path == paths.log_path()
    for i in range(100):
        logging.getLogger("vsm_app.test").info("line %03d %s", i, "x" * 40)
    assert path.is_file() and path.with_name(path.name + ".1").is_file()
    assert path.stat().st_size <= 2000
    assert "line 099" in logs.tail(path)
