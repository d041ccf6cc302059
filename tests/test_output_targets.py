"""Every command writes only where the user asked, never over a project or an input file.

One check (:func:`vsm_app.report.target.check_target`) serves every write; these tests run
the commands as a user would and look at the files afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ingest.conftest_git import RepoBuilder
from vsm_app.report.target import ExportTargetError, check_target
from vsm_app.storage.project_file import load_project


def vsm(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vsm_app", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def one_clean_line(r: subprocess.CompletedProcess[str]) -> str:
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    return r.stderr.strip().splitlines()[-1]  # after any progress lines


@pytest.fixture
def project(tmp_path: Path) -> Path:
    b = RepoBuilder(tmp_path / "repo")
    b.commit("feat: one", 0)
    b.tag("v1.0.0", 1)
    b.commit("fix: two", 2)
    b.tag("v1.1.0", 3)
    assert vsm("new", "--out", "p.vsm", cwd=tmp_path).returncode == 0
    p = load_project(tmp_path / "p.vsm")
    from vsm_app.domain.model import DataSource
    from vsm_app.storage.project_file import save_project

    p.sources.append(DataSource(kind="git", path=str(b.path), deploy_tags="v*"))
    save_project(p, tmp_path / "p.vsm")
    return tmp_path / "p.vsm"


def test_export_changes_never_replaces_the_project(project: Path) -> None:
    before = project.read_bytes()
    cwd = project.parent
    line = one_clean_line(vsm("analyze", "p.vsm", "--export-changes", "p.vsm", cwd=cwd))
    assert line == ("vsm-app: --export-changes: p.vsm: only a project save writes a .vsm "
                    "project file; choose a name ending in .csv")
    (cwd / "link.csv").symlink_to("p.vsm")
    line = one_clean_line(vsm("analyze", "p.vsm", "--export-changes", "link.csv", cwd=cwd))
    assert "link.csv: is a link to the project file" in line
    (cwd / "hard.csv").hardlink_to(project)
    line = one_clean_line(vsm("analyze", "p.vsm", "--export-changes", "hard.csv", cwd=cwd))
    assert line == "vsm-app: --export-changes: hard.csv: is the open project file; choose " \
                   "another name"
    assert project.read_bytes() == before
    assert load_project(project).sources  # still a project


@pytest.mark.parametrize("out, message", [
    ("folder", "folder: is a folder; give a file name such as folder/export.csv"),
    ("missing/changes.csv", "missing/changes.csv: the folder missing does not exist"),
    ("changes.txt", "changes.txt: unknown file type '.txt'; expected .csv"),
    ("deploys.csv", "deploys.csv: is one of the files being read; choose another name"),
])
def test_export_changes_bad_targets_exit_2_before_measuring(project: Path, out: str,
                                                            message: str) -> None:
    cwd = project.parent
    (cwd / "folder").mkdir()
    deploys = cwd / "deploys.csv"
    deploys.write_text("deployment_id,sha,environment,started_at,finished_at,status\n")
    before = deploys.read_bytes()
    r = vsm("analyze", "p.vsm", "--deployments", "deploys.csv", "--export-changes", out,
            cwd=cwd)
    assert one_clean_line(r) == f"vsm-app: --export-changes: {message}"
    assert "Reading history" not in r.stderr  # refused before any work
    assert deploys.read_bytes() == before


def test_export_changes_writes_the_csv(project: Path) -> None:
    r = vsm("analyze", "p.vsm", "--export-changes", "changes.csv", cwd=project.parent)
    assert r.returncode == 0, r.stderr
    assert (project.parent / "changes.csv").read_text().splitlines()[0].startswith("change_id,")


def test_new_and_import_stages_never_replace_a_file_without_force(tmp_path: Path) -> None:
    (tmp_path / "s.csv").write_text("name,process_time\nBuild,1h\n")
    assert vsm("new", "--out", "p.vsm", cwd=tmp_path).returncode == 0
    before = (tmp_path / "p.vsm").read_bytes()
    assert one_clean_line(vsm("new", "--out", "p.vsm", cwd=tmp_path)) == \
        "vsm-app: --out: p.vsm: already exists; add --force to replace it"
    assert one_clean_line(vsm("import-stages", "s.csv", "--out", "p.vsm", cwd=tmp_path)) == \
        "vsm-app: --out: p.vsm: already exists; add --force to replace it"
    assert (tmp_path / "p.vsm").read_bytes() == before
    r = vsm("import-stages", "s.csv", "--out", "p.vsm", "--force", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert [s.name for s in load_project(tmp_path / "p.vsm").maps[0].stages] == ["Build"]
    assert vsm("new", "--out", "p.vsm", "--force", cwd=tmp_path).returncode == 0
    # a dangling link counts as an existing file: the link is never followed or replaced
    (tmp_path / "dangling.vsm").symlink_to(tmp_path / "nowhere.vsm")
    assert "dangling.vsm: already exists" in one_clean_line(
        vsm("new", "--out", "dangling.vsm", cwd=tmp_path))
    assert not (tmp_path / "nowhere.vsm").exists()


@pytest.mark.parametrize("args, message", [
    (["new", "--out", "d"], "vsm-app: --out: d: is a folder; give a file name such as d/export.vsm"),
    (["new", "--out", "no/p.vsm"], "vsm-app: --out: no/p.vsm: the folder no does not exist"),
    (["new", "--out", "p.csv"], "vsm-app: --out: p.csv: unknown file type '.csv'; expected .vsm"),
    (["import-stages", "s.csv", "--out", "s.csv"],
     "vsm-app: --out: s.csv: is one of the files being read; choose another name"),
])
def test_project_outputs_bad_targets(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "s.csv").write_text("name\nA\n")
    assert one_clean_line(vsm(*args, cwd=tmp_path)) == message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "s.csv"]


def test_export_and_report_never_write_the_project(project: Path) -> None:
    cwd = project.parent
    before = project.read_bytes()
    (cwd / "map.png").symlink_to("p.vsm")
    for args in (["export", "p.vsm", "--out", "p.vsm"], ["report", "p.vsm", "--out", "p.vsm"],
                 ["export", "p.vsm", "--out", "map.png"]):
        line = one_clean_line(vsm(*args, cwd=cwd))
        assert line.startswith("vsm-app: --out: "), line
    assert project.read_bytes() == before


def test_check_target_rules(tmp_path: Path) -> None:
    proj = tmp_path / "p.vsm"
    proj.write_text("{}")
    # a project save may replace the project; an export may not, by any spelling
    assert check_target(proj, (), project_path=proj, project_save=True) == proj
    for spelled in (proj, tmp_path / "x" / ".." / "p.vsm"):
        with pytest.raises(ExportTargetError, match="only a project save"):
            check_target(spelled, {".csv"}, proj)
    (tmp_path / "x").mkdir()
    link = tmp_path / "p.csv"
    os.symlink(proj, link)
    with pytest.raises(ExportTargetError, match="is a link to the project file"):
        check_target(link, {".csv"})
    with pytest.raises(ExportTargetError, match="already exists; add --force"):
        check_target(proj, (), project_save=True, overwrite=False,
                     replace_hint="add --force to replace it")
