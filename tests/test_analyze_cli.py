"""``vsm-app analyze`` end to end on repositories and exports built in the test."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ingest.conftest_git import AUTHORS, RepoBuilder, at

H = 3600.0


def vsm(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vsm_app", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=180)


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """v1 at h10 ships c1; v2 at h50 ships a 2-commit merge (authored h20, h22) and c4 (h30)."""
    b = RepoBuilder(tmp_path / "repo")
    shas = {"c1": b.commit("feat: first", 0)}
    b.tag("v1.0.0", 10)
    b.checkout("feature/x", new=True)
    b.commit("feat: part one", 20)
    b.commit("feat: part two", 22)
    b.checkout("main")
    shas["m"] = b.merge("feature/x", "Merge branch 'feature/x'", 25)
    shas["c4"] = b.commit("fix: typo", 30)
    b.tag("v2.0.0", 50)
    return b.path, shas


def test_git_only_json_and_changes_csv(tmp_path: Path, repo) -> None:
    path, shas = repo
    r = vsm("analyze", "--repo", str(path), "--deploy-tags", "v*", "--json",
            "--export-changes", "changes.csv", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    for key in ("window", "changes", "deployments", "dora", "flow", "stages", "bottleneck",
                "data_quality", "sources"):
        assert key in out
    for key in ("deployment_frequency_per_week", "deployment_days_per_week",
                "lead_time_median_s", "change_failure_rate", "recovery_time_median_s",
                "rework_rate", "pipeline_failure_rate", "bands"):
        assert key in out["dora"]
    for key in ("velocity_per_week", "flow_time_median_s", "load_mean", "efficiency",
                "distribution"):
        assert key in out["flow"]
    assert out["changes"] == 3 and out["deployments"] == 2
    # lead times of v2's changes: merge 50-20 = 30 h, c4 50-30 = 20 h → median 25 h
    assert out["dora"]["lead_time_median_s"] == 25 * H
    # no incidents were loaded: recovery time is unknown, not zero
    assert out["dora"]["recovery_time_median_s"] is None
    assert out["sources"][0]["format"] == "git"
    # the text for people: counts, and the catalogue's names and formats
    text = vsm("analyze", "--repo", str(path), "--deploy-tags", "v*", cwd=tmp_path)
    assert text.stdout.strip() == ("3 changes, 2 deployments; lead time for changes (median) "
                                   "1d 1h, change failure rate 0.0 %")

    rows = list(csv.DictReader((tmp_path / "changes.csv").open()))
    assert list(rows[0]) == ["change_id", "sha", "kind", "first_commit_at", "pr_opened_at",
                             "first_review_at", "approved_at", "merged_at", "deployed_at",
                             "deployment_id", "lead_time_s", "lead_time_note"]
    by_sha = {row["sha"]: row for row in rows}
    assert by_sha[shas["c1"]]["lead_time_s"] == ""  # shipped by the first deployment
    assert by_sha[shas["c1"]]["lead_time_note"].startswith("left out: shipped by the first")
    assert by_sha[shas["m"]]["lead_time_note"] == ""
    assert float(by_sha[shas["m"]]["lead_time_s"]) == 30 * H
    assert by_sha[shas["m"]]["first_commit_at"] == at(20).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert by_sha[shas["c4"]]["kind"] == "defect"
    # authors are hashed at ingest: no name or e-mail in any output
    text = r.stdout + (tmp_path / "changes.csv").read_text()
    for name, email in AUTHORS.values():
        assert name not in text and email not in text


def test_imported_incident_makes_a_failure(tmp_path: Path, repo) -> None:
    path, _ = repo
    # opened after v1 (h10) and before v2 (h50): v1 failed; resolved 2 h later
    (tmp_path / "inc.csv").write_text(
        "id,opened,resolved,sha\n"
        f"INC-1,{at(12).isoformat()},{at(14).isoformat()},\n")
    r = vsm("analyze", "--repo", str(path), "--deploy-tags", "v*", "--incidents", "inc.csv",
            "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["dora"]["change_failure_rate"] == 0.5
    assert out["dora"]["recovery_time_median_s"] == 2 * H
    src = {s["format"]: s for s in out["sources"]}
    assert any(s["path"].endswith("inc.csv") and s["records"] == 1 for s in src.values())


@pytest.mark.parametrize(("args", "needle"), [
    (["--repo", "nowhere"], "nowhere"),
    (["--repo", "."], "not a git repository"),
    (["--repo", "REPO", "--ci", "bad.json"], "bad.json"),
    (["--repo", "REPO", "--since", "yesterday-ish"], "--since"),
    (["--repo", "REPO", "--branch", "nope"], "nope"),
])
def test_bad_input_exit_2(tmp_path: Path, repo, args, needle) -> None:
    path, _ = repo
    (tmp_path / "bad.json").write_text('{"workflow_runs": [{"id": 1,')
    args = [str(path) if a == "REPO" else a for a in args]
    r = vsm("analyze", *args, "--json", cwd=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert needle in r.stderr and "Traceback" not in r.stderr


def test_two_repositories_and_a_monorepo_subtree(tmp_path: Path) -> None:
    api = RepoBuilder(tmp_path / "api")
    api.commit("feat: api one", 0, file="services/api/a.py")
    api.commit("feat: web one", 1, file="services/web/w.py")
    api.tag("v1", 5)
    api.commit("fix: api two", 10, file="services/api/a.py")
    api.commit("feat: web two", 11, file="services/web/w.py")
    api.tag("v2", 20)
    ui = RepoBuilder(tmp_path / "ui")
    ui.commit("feat: ui one", 2)
    ui.tag("v1", 6)
    ui.commit("feat: ui two", 12)
    ui.tag("v2", 30)
    whole = vsm("analyze", "--repo", str(api.path), "--repo", str(ui.path),
                "--deploy-tags", "v*", "--json", "--export-changes", "all.csv", cwd=tmp_path)
    assert whole.returncode == 0, whole.stderr
    out = json.loads(whole.stdout)
    assert out["changes"] == 6 and out["deployments"] == 4
    assert [s["format"] for s in out["sources"]] == ["git", "git"]
    # lead times of the second releases: api 20-10, 20-11; ui 30-12 → median 10 h
    assert out["dora"]["lead_time_median_s"] == 10 * H
    sub = vsm("analyze", "--repo", f"{api.path}:services/api", "--deploy-tags", "v*",
              "--json", cwd=tmp_path)
    assert sub.returncode == 0, sub.stderr
    only_api = json.loads(sub.stdout)
    assert only_api["changes"] == 2  # the two commits touching services/api
    assert only_api["dora"]["lead_time_median_s"] == 10 * H


def test_without_options_the_release_tags_are_detected_and_said(tmp_path: Path, repo) -> None:
    path, _ = repo
    r = vsm("analyze", "--repo", str(path), "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (f"note: {path}: release tags 'v[0-9]*[0-9]' (detected): 2 of 2 tag(s) are "
            "deployments") in r.stderr
    out = json.loads(r.stdout)
    assert out["deployments"] == 2 and out["dora"]["lead_time_median_s"] == 25 * H
    assert out["sources"][0]["release_tags"]["pattern"] == "v[0-9]*[0-9]"
    off = vsm("analyze", "--repo", str(path), "--deploy-tags", "", "--json", cwd=tmp_path)
    assert off.returncode == 0, off.stderr
    assert json.loads(off.stdout)["deployments"] == 0 and "release tags" not in off.stderr


def test_production_env_option(tmp_path: Path, repo) -> None:
    path, shas = repo
    (tmp_path / "deps.csv").write_text(
        "deployment_id,sha,environment,finished_at\n"
        f"a,{shas['c1']},live,{at(10).isoformat()}\n"
        f"b,{shas['c4']},eu-prod,{at(50).isoformat()}\n")
    base = ["analyze", "--repo", str(path), "--deployments", "deps.csv", "--json"]
    default = json.loads(vsm(*base, cwd=tmp_path).stdout)
    assert default["deployments"] == 1  # live is a default production name, eu-prod is not
    both = vsm(*base, "--production-env", "eu-prod", "--production-env", "LIVE", cwd=tmp_path)
    assert both.returncode == 0, both.stderr
    assert json.loads(both.stdout)["deployments"] == 2
    bad = vsm(*base, "--production-env", " ", cwd=tmp_path)
    assert bad.returncode == 2 and "--production-env" in bad.stderr


def test_export_changes_leaves_a_negative_lead_time_empty_with_why(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "repo")
    b.commit("feat: first", 0)
    b.tag("v1.0.0", 1)
    # authored at h40 (a clock ahead) but committed at h5 and released at h10
    skewed = b.commit("feat: skewed clock", 40, commit_hours=5)
    b.tag("v1.1.0", 10)
    r = vsm("analyze", "--repo", str(b.path), "--json", "--export-changes", "c.csv",
            cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    row = next(x for x in csv.DictReader((tmp_path / "c.csv").open()) if x["sha"] == skewed)
    assert row["lead_time_s"] == ""
    assert row["lead_time_note"] == "left out: deployed before its first commit (clock skew)"
    assert json.loads(r.stdout)["data_quality"]["negative_lead_times"] == 1
