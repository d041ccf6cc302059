"""No git author appears in any output: analyze JSON, the changes CSV, every CSV table, the
HTML report and the saved project (issue 9: metrics describe the team, never a person)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vsm_app.analysis.privacy import assert_no_identities, git_identities
from vsm_app.demo.generate import generate
from vsm_app.paths import DEMO_PROJECT
from vsm_app.pipeline import inputs_from_project, run
from vsm_app.report.data import build_report_data
from vsm_app.report.html import render_html
from vsm_app.services.tables import write_tables
from vsm_app.storage.project_file import load_project, save_project


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    generate(root)
    shutil.copy(DEMO_PROJECT, root / "demo.vsm")
    return root / "demo.vsm"


def test_no_author_in_any_output(demo: Path, tmp_path: Path) -> None:
    people = git_identities(demo.parent / "repo")
    assert len(people) >= 4  # the demo has several authors: the check has something to find
    # the PR export carries logins; they must not come out either
    prs = json.loads((demo.parent / "exports" / "prs.json").read_text())
    people |= {pr["author"]["login"] for pr in prs if pr.get("author")}

    r = subprocess.run([sys.executable, "-m", "vsm_app", "analyze", str(demo), "--json",
                        "--export-changes", str(tmp_path / "changes.csv")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    outputs = {"analyze --json": r.stdout, "stderr": r.stderr,
               "changes.csv": (tmp_path / "changes.csv").read_text()}

    project = load_project(demo)
    measurement = run(inputs_from_project(project))
    tables = tmp_path / "tables"
    tables.mkdir()
    for path in write_tables(measurement, tables):
        outputs[path.name] = path.read_text(encoding="utf-8-sig")
    outputs["report.html"] = render_html(build_report_data(project, measurement,
                                                           project_dir=demo.parent))
    save_project(project, tmp_path / "saved.vsm")
    outputs["saved.vsm"] = (tmp_path / "saved.vsm").read_text()
    # the canonical tables themselves hold only hashed author keys
    for name in ("commits", "changes"):
        outputs[f"table {name}"] = getattr(measurement.tables, name).to_csv()

    assert len(outputs) >= 8
    for name, text in outputs.items():
        assert text, name
        assert_no_identities(text, people)


def test_no_author_in_what_analyze_many_writes(demo: Path, tmp_path: Path) -> None:
    """summary.json, status, states and every Parquet table of analyze-many (issue 21)."""
    pytest.importorskip("pyarrow")
    import pandas as pd

    from vsm_app.scale.manifest import load_manifest
    from vsm_app.scale.portfolio import RunOptions, run_in_process

    people = git_identities(demo.parent / "repo")
    prs = json.loads((demo.parent / "exports" / "prs.json").read_text())
    people |= {pr["author"]["login"] for pr in prs if pr.get("author")}
    ex = demo.parent / "exports"
    (tmp_path / "m.toml").write_text(
        f'[[repository]]\nname = "demo"\npath = "{demo.parent / "repo"}"\n'
        f'prs = ["{ex / "prs.json"}"]\nci = ["{ex / "ci_runs.json"}"]\n'
        f'incidents = ["{ex / "incidents.json"}"]\n\n'
        '[[group]]\nname = "api"\npaths = ["src/api/"]\n')
    out = tmp_path / "out"
    res = run_in_process(load_manifest(tmp_path / "m.toml"), RunOptions(out=out))
    assert [s["status"] for s in res.statuses] == ["ok"]
    texts = {p.relative_to(out).as_posix(): p.read_text() for p in out.rglob("*.json")}
    for p in out.rglob("*.parquet"):
        texts[p.relative_to(out).as_posix()] = pd.read_parquet(p).to_csv()
    assert len(texts) >= 10
    for name, text in texts.items():
        assert text, name
        assert_no_identities(text, people)


#: keys under which tracker exports name people (Jira, GitHub, Azure Boards)
PERSON_KEYS = frozenset({
    "author", "assignee", "assignees", "reporter", "creator", "user", "actor", "sender",
    "assigner", "closed_by", "merged_by", "requested_reviewers", "revisedBy", "owner",
    "System.CreatedBy", "System.ChangedBy", "System.AssignedTo", "System.AuthorizedAs",
    "Microsoft.VSTS.Common.ActivatedBy", "Microsoft.VSTS.Common.ClosedBy",
    "Microsoft.VSTS.Common.ResolvedBy"})
IDENTITY_FIELDS = ("displayName", "name", "emailAddress", "email", "login", "uniqueName",
                   "accountId")


def tracker_identities(payload: object) -> set[str]:
    """Every name, login, e-mail address and account id a tracker export gives a person."""
    found: set[str] = set()

    def person(value: object) -> None:
        if isinstance(value, dict):
            if "newValue" in value or "oldValue" in value:  # Azure updates
                person(value.get("newValue"))
                person(value.get("oldValue"))
                return
            for k in IDENTITY_FIELDS:
                if isinstance(value.get(k), str):
                    found.add(value[k])
        elif isinstance(value, list):
            for v in value:
                person(v)
        elif isinstance(value, str) and "<" in value:  # "Name <mail>" (Azure uniqueName)
            found.add(value)

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if k in PERSON_KEYS:
                    person(v)
                walk(v)
            # a Jira changelog entry that changes the assignee or reporter names both people
            if value.get("field") in ("assignee", "reporter") and "toString" in value:
                found.update(x for x in (value.get("fromString"), value.get("toString"),
                                         value.get("from"), value.get("to"))
                             if isinstance(x, str))
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(payload)
    return found


def test_no_tracker_person_in_any_output(demo: Path, tmp_path: Path) -> None:
    """Issue 18: assignees, reporters, creators, commenters and changelog authors of every
    tracker payload (and of the demo's Jira export) appear in no output."""
    trackers = Path(__file__).parent / "fixtures" / "formats" / "trackers"
    files = sorted(trackers.glob("*.json"))
    people: set[str] = set()
    for f in files:
        people |= tracker_identities(json.loads(f.read_text()))
    demo_issues = demo.parent / "exports" / "jira_issues.json"
    people |= tracker_identities(json.loads(demo_issues.read_text()))
    # the measured repository's own name (owner/repo) names the system, not a person in a
    # role: GitHub items keep it (github:panjf2000/ants#5), as pull requests always did
    owners = {line.split("/repos/")[1].split("/")[0] for f in files
              for line in f.read_text().split('"') if "api.github.com/repos/" in line}
    assert "panjf2000" in owners
    people -= owners
    # the check has something to find: Jira's, GitHub's and Azure's people, and the demo's
    assert {"Mia Krystof", "mia@example.com", "jinxiu", "wolfy1339", "ZhMaio",
            "Jamal Hartnett", "fabrikamfiber4@hotmail.com", "Ada Lindqvist"} <= people
    named = tmp_path / "EE-3394.json"  # the bare changelog page, named after its issue
    named.write_text((trackers / "jira_issue_changelog_values.devlake.json").read_text())
    args = [a for f in [*files, named, demo_issues] for a in ("--work-items", str(f))]
    r = subprocess.run([sys.executable, "-m", "vsm_app", "analyze", "--repo",
                        str(demo.parent / "repo"), *args, "--json", "--export-items",
                        str(tmp_path / "items.csv"), "--export-item-status",
                        str(tmp_path / "status.csv")], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    outputs = {"analyze --json": r.stdout, "stderr": r.stderr,
               "items.csv": (tmp_path / "items.csv").read_text(),
               "status.csv": (tmp_path / "status.csv").read_text()}
    assert json.loads(r.stdout)["flow"]["unit"] == "items"
    assert len(outputs["items.csv"].splitlines()) > 1000
    # the canonical tables themselves, and the project run with its sources
    project = load_project(demo)
    measurement = run(inputs_from_project(project))
    for name in ("items", "item_status", "item_links"):
        outputs[f"table {name}"] = getattr(measurement.tables, name).to_csv()
    outputs["report.html"] = render_html(build_report_data(project, measurement,
                                                           project_dir=demo.parent))
    for name, text in outputs.items():
        assert text, name
        assert_no_identities(text, people)
