"""``vsm-app analyze --work-items`` end to end (issue 18, DESIGN §6): a repository whose
branches and messages name work items, a tracker export, the JSON and both CSV exports,
bad input, and a project listing its tracker files."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ingest.conftest_git import RepoBuilder, at
from vsm_app.domain.items import ItemSettings
from vsm_app.domain.model import DataSource, Project, Stage, StatusBinding
from vsm_app.domain.templates import software_delivery
from vsm_app.pipeline import inputs_from_project
from vsm_app.storage.project_file import load_project, save_project

H = 3600.0


def vsm(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vsm_app", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=180)


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    """SHOP-1 is coded on its branch (h20-h22), merged h25, released with v2 at h50;
    SHOP-2 is fixed by a direct commit naming it (h30), released with v2; SHOP-3 waits.
    v1 at h10 ships the first commit."""
    b = RepoBuilder(tmp_path / "repo")
    b.commit("feat: first", 0)
    b.tag("v1.0.0", 10)
    b.checkout("feature/SHOP-1-login", new=True)
    b.commit("feat: login form", 20)
    b.commit("feat: login api", 22)
    b.checkout("main")
    b.merge("feature/SHOP-1-login", "Merge branch 'feature/SHOP-1-login'", 25)
    b.commit("fix: crash on empty cart\n\nFixes SHOP-2", 30)
    b.tag("v2.0.0", 50)
    items = tmp_path / "tracker.csv"
    rows = [("SHOP-1", "Story", "Login for =HYPERLINK(1)", "Backlog", at(-10)),
            ("SHOP-1", "Story", "", "In Analysis", at(5)),
            ("SHOP-1", "Story", "", "In Progress", at(19)),
            ("SHOP-1", "Story", "", "Done", at(26)),
            ("SHOP-2", "Bug", "Crash", "Backlog", at(28)),
            ("SHOP-2", "Bug", "", "Done", at(31)),
            ("SHOP-3", "Story", "Search", "Backlog", at(40))]
    with items.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["item_id", "type", "title", "status", "changed_at"])
        for r in rows:
            w.writerow([*r[:4], r[4].isoformat()])
    return b.path, items


def test_analyze_with_work_items(tmp_path: Path, setup: tuple[Path, Path]) -> None:
    repo, items = setup
    r = vsm("analyze", "--repo", str(repo), "--deploy-tags", "v*", "--work-items", str(items),
            "--json", "--export-items", "items.csv", "--export-item-status", "status.csv",
            cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    # DESIGN keys stay; flow says what it counted
    for key in ("window", "changes", "deployments", "dora", "flow", "stages", "bottleneck",
                "data_quality", "sources"):
        assert key in out
    assert out["flow"]["unit"] == "items" and out["items"] == 2
    assert out["changes"] == 3
    # SHOP-1: created h-10, delivered with v2 at h50; SHOP-2: h28 → h50
    assert out["flow"]["flow_time_median_s"] == pytest.approx((60 + 22) / 2 * H)
    # DORA is on changes: v2 ships the merge (first commit h20) and the fix (h30)
    assert out["dora"]["lead_time_median_s"] == pytest.approx((30 + 20) / 2 * H)
    src = {Path(s["path"]).name: s for s in out["sources"]}
    assert src["tracker.csv"]["format"] == "generic_status_changes_csv"
    # 7 rows; the 6 rows of SHOP-1 and SHOP-2 belong to items linked to a change
    assert (src["tracker.csv"]["records"], src["tracker.csv"]["linked"]) == (7, 6)
    dq = out["data_quality"]["ingest"]["items"]
    assert dq["item_links_by_how"] == {"branch": 1, "message": 1}
    assert (dq["items_linked"], dq["items_unlinked"]) == (2, 1)
    assert "jira" in dq["item_link_patterns"]

    rows = list(csv.DictReader((tmp_path / "items.csv").open()))
    assert list(rows[0]) == ["item_id", "key", "kind", "created_at", "started_at", "done_at",
                             "delivered_at", "flow_time_s", "linked_changes",
                             "flow_time_note"]
    by = {row["item_id"]: row for row in rows}
    assert float(by["SHOP-1"]["flow_time_s"]) == 60 * H
    assert by["SHOP-1"]["delivered_at"] == at(50).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert by["SHOP-3"]["flow_time_note"] == "in progress"
    assert "title" not in rows[0]  # titles stay out by default
    status = {(row["item_id"], row["status"]): float(row["seconds"])
              for row in csv.DictReader((tmp_path / "status.csv").open())}
    assert status[("SHOP-1", "Backlog")] == 15 * H
    assert status[("SHOP-1", "In Progress")] == 7 * H
    # open stays run to the end of the data: the v2 release at h50
    assert status[("SHOP-3", "Backlog")] == 10 * H
    assert status[("SHOP-1", "Done")] == 24 * H


def test_until_bounds_the_status_times_and_titles_on_request(tmp_path: Path,
                                                              setup: tuple[Path, Path]) -> None:
    repo, items = setup
    until = at(45).strftime("%Y-%m-%dT%H:%M:%SZ")
    r = vsm("analyze", "--repo", str(repo), "--deploy-tags", "v*", "--work-items", str(items),
            "--until", until, "--export-items", "items.csv", "--export-item-status",
            "status.csv", "--include-titles", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    status = {(row["item_id"], row["status"]): float(row["seconds"])
              for row in csv.DictReader((tmp_path / "status.csv").open())}
    assert status[("SHOP-3", "Backlog")] == 5 * H  # h40 → --until h45
    text = (tmp_path / "items.csv").read_text()
    rows = list(csv.DictReader(text.splitlines()))
    assert rows[0]["title"] in ("Login for =HYPERLINK(1)", "'Login for =HYPERLINK(1)")
    assert {r["title"] for r in rows} >= {"Crash", "Search"}


@pytest.mark.parametrize(("args", "needle"), [
    (["--export-items", "out.vsm"], "--export-items:"),
    (["--export-item-status", "missing/dir/x.csv"], "--export-item-status:"),
    (["--include-titles"], "--include-titles: only with --export-items"),
    (["--export-item-status", "tracker.csv"], "is one of the files being read"),
])
def test_bad_item_options_exit_2(tmp_path: Path, setup: tuple[Path, Path], args: list[str],
                                 needle: str) -> None:
    repo, items = setup
    r = vsm("analyze", "--repo", str(repo), "--work-items", str(items), *args, cwd=tmp_path)
    assert r.returncode == 2 and needle in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_bad_tracker_file_exit_2_located(tmp_path: Path, setup: tuple[Path, Path]) -> None:
    repo, _ = setup
    bad = tmp_path / "bad.csv"
    bad.write_text("item_id,status,changed_at\nSHOP-1,Open,2025-03-03T09:00:00Z\n"
                   "SHOP-1,Done,last tuesday\n")
    r = vsm("analyze", "--repo", str(repo), "--work-items", str(bad), cwd=tmp_path)
    assert r.returncode == 2
    assert 'bad.csv: line 3, record 2, field "changed_at"' in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_a_project_lists_its_tracker_files(tmp_path: Path, setup: tuple[Path, Path]) -> None:
    repo, items = setup
    m = software_delivery()
    m.add_stage(Stage("Backlog", statuses=[StatusBinding("Backlog")]), index=0)
    p = Project("p", [m])
    p.settings.deploy_tags = "v*"
    p.settings.items = ItemSettings(start_statuses=("In Analysis",))
    p.sources += [DataSource("git", str(repo)), DataSource("items", str(items))]
    save_project(p, tmp_path / "p.vsm")
    inputs = inputs_from_project(load_project(tmp_path / "p.vsm"))
    assert ("items", str(items)) in inputs.files
    assert inputs.item_settings.start_statuses == ("In Analysis",)
    r = vsm("analyze", str(tmp_path / "p.vsm"), "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["flow"]["unit"] == "items"
    # SHOP-1 starts when analysed (h5): 45 h to v2; SHOP-2 never started (no start status)
    assert out["flow"]["flow_time_median_s"] == pytest.approx(45 * H)
    backlog = next(s for s in out["stages"] if s["name"] == "Backlog")
    # SHOP-1's backlog time was before its start: not measured
    assert backlog["wait_count"] == 0
    # forecasts count the same units: items
    f = vsm("forecast", str(tmp_path / "p.vsm"), "--items", "2", "--json", cwd=tmp_path)
    assert f.returncode == 0, f.stderr
    assert json.loads(f.stdout)["sample"]["unit"] == "items"
