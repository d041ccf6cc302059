"""No program named by an analysed repository ever runs, whichever command reads it.

The repository of :mod:`tests.hostile_repo` names a trap program for every mechanism git
has (signatures, fsmonitor, hooks, pager, external diff, textconv, filters, credential
helper, ssh, upload-pack, …); as a partial clone it also has objects missing behind an
ssh promisor remote. Plain git runs the traps (the control test); every entry point of the
product — ``analyze`` (by ``--repo`` and by project), the size pass, ``report``, ``export
--overlay`` and the identity read — must leave the marker unwritten. The GUI's checks are in
``tests/ui/test_hostile_repository_gui.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.hostile_repo import CONTROLS, build_hostile_repo, run_control
from vsm_app.analysis.privacy import git_identities
from vsm_app.domain.model import DataSource, Project
from vsm_app.domain.templates import software_delivery
from vsm_app.ingest.git import GitError, GitOptions, fill_sizes, repository_problem, run
from vsm_app.storage.project_file import save_project


def vsm(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vsm_app", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def ran(marker: Path) -> list[str]:
    return marker.read_text().splitlines() if marker.exists() else []


@pytest.fixture(params=["complete", "partial"])
def hostile(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    marker = tmp_path / "MARKER"
    info: dict[str, Any] = build_hostile_repo(tmp_path, marker,
                                              partial=request.param == "partial")
    info["marker"] = marker
    info["partial"] = request.param == "partial"
    project = Project("Hostile", [software_delivery()])
    project.settings.time_zone = "UTC"
    project.sources.append(DataSource(kind="git", path=info["path"], deploy_tags="v*",
                                      branch="main"))
    info["project"] = tmp_path / "hostile.vsm"
    save_project(project, info["project"])
    assert ran(marker) == []  # building it ran nothing
    return info


@pytest.mark.parametrize("partial", [False, True], ids=["complete", "partial"])
def test_the_fixture_is_armed_plain_git_runs_every_trap(tmp_path: Path, partial: bool) -> None:
    marker = tmp_path / "MARKER"
    info = build_hostile_repo(tmp_path, marker, partial=partial)
    for name, args, only_partial in CONTROLS:
        if only_partial != partial:
            continue
        marker.unlink(missing_ok=True)
        run_control(info, args)
        assert name in {line.split(" ")[0] for line in ran(marker)}, (name, args)


def test_analyze_by_repository_and_by_project(hostile: dict[str, Any], tmp_path: Path) -> None:
    r = vsm("analyze", "--repo", hostile["path"], "--deploy-tags", "v*", "--json",
            "--export-changes", "changes.csv", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    # first, merge, b one, b two, note one, note two, 3 signed, attributes = 10 changes
    assert doc["changes"] == 10 and doc["deployments"] == 2
    r = vsm("analyze", str(hostile["project"]), "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = vsm("analyze", "--repo", f"{hostile['path']}:service", "--branch", "main", "--json",
            cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert ran(hostile["marker"]) == []


def test_size_pass(hostile: dict[str, Any], tmp_path: Path) -> None:
    opts = GitOptions(hostile["path"], deploy_tags="v*")
    t = run(opts, cache_dir=tmp_path / "cache")
    if hostile["partial"]:
        with pytest.raises(GitError, match="partial clone"):
            fill_sizes(opts, t.commits, cache_dir=tmp_path / "cache")
    else:
        sized = fill_sizes(opts, t.commits, cache_dir=tmp_path / "cache").set_index("sha")
        # the attributes commit adds .gitattributes (3 lines) and one line of service/b.txt
        assert sized.loc[hostile["tip"], ["files", "insertions"]].tolist() == [2, 4]
        sub = fill_sizes(GitOptions(hostile["path"], subtree="service"), t.commits)
        assert sub.set_index("sha").loc[hostile["tip"], "files"] == 1
    assert ran(hostile["marker"]) == []


def test_report_and_map_export(hostile: dict[str, Any], tmp_path: Path) -> None:
    r = vsm("report", str(hostile["project"]), "--out", "report.html", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "report.html").stat().st_size > 1000
    r = vsm("export", str(hostile["project"]), "--out", "map.png", "--overlay", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert ran(hostile["marker"]) == []


def test_identities_and_repository_checks(hostile: dict[str, Any]) -> None:
    # `log --all` meets the missing commit of the partial clone: nothing is fetched, the
    # branches that can be read still give their authors
    assert git_identities(hostile["path"]) == {"Alice Example", "alice.example@corp.test",
                                               "Bob Sample", "bob.sample@corp.test"}
    assert repository_problem(hostile["path"], "main", "service") is None
    if hostile["partial"]:  # its tree is missing: listed from the parent, never fetched
        assert repository_problem(hostile["path"], None, "docs") is None
    assert ran(hostile["marker"]) == []
