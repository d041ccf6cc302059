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
