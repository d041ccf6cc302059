"""CSV tables: the DESIGN §6 change columns, one row per item, Excel-friendly BOM on request."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from tests.report.demo_data import demo_measurement
from vsm_app.report.tables import CHANGE_COLUMNS, ITEM_TABLE_FILES, TABLE_FILES
from vsm_app.report.target import ExportTargetError
from vsm_app.services.tables import write_table_csv, write_tables

BOM = b"\xef\xbb\xbf"


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_write_tables(tmp_path: Path) -> None:
    m = demo_measurement()
    seen: list[float] = []
    paths = write_tables(m, tmp_path, prefix="demo-", progress=lambda f, _t: seen.append(f))
    # the demo has work items (issue 18): their two tables follow
    assert [p.name for p in paths] == [f"demo-{n}" for n in (*TABLE_FILES, *ITEM_TABLE_FILES)]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)
    assert seen[-1] == 1.0

    changes = _rows(tmp_path / "demo-changes.csv")
    assert list(changes[0]) == list(CHANGE_COLUMNS)
    assert len(changes) == len(m.tables.changes)
    # lead time of a deployed change = deployed_at − first_commit_at, computed here by hand
    row = next(r for r in changes if r["lead_time_s"])
    lead = (pd.Timestamp(row["deployed_at"]) - pd.Timestamp(row["first_commit_at"])).total_seconds()
    assert float(row["lead_time_s"]) == pytest.approx(lead)

    deployments = _rows(tmp_path / "demo-deployments.csv")
    assert len(deployments) == len(m.tables.deployments)
    assert deployments[0]["started_at"].endswith("Z")
    periods = _rows(tmp_path / "demo-metrics_per_period.csv")
    assert len(periods) == len(m.result.periods)
    assert {"period_start", "deployments", "lead_time_median_s", "velocity"} <= set(periods[0])
    stages = _rows(tmp_path / "demo-stage_statistics.csv")
    assert [s["stage"] for s in stages] == [s.name for s in m.result.stages]
    assert not (tmp_path / "demo-changes.csv").read_bytes().startswith(BOM)


def test_excel_option_writes_a_bom(tmp_path: Path) -> None:
    frame = pd.DataFrame({"stage": ["Review → Merge"], "wait_s": [3600.0]})
    p = write_table_csv(frame, tmp_path / "x.csv", excel=True)
    data = p.read_bytes()
    assert data.startswith(BOM)
    assert data[3:].decode("utf-8") == "stage,wait_s\nReview → Merge,3600.0\n"


def test_tables_refuse_bad_targets(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1]})
    with pytest.raises(ExportTargetError, match="does not exist"):
        write_table_csv(frame, tmp_path / "missing" / "x.csv")
    with pytest.raises(ExportTargetError, match=r"\.vsm"):
        write_table_csv(frame, tmp_path / "p.vsm")
    with pytest.raises(ExportTargetError, match="does not exist"):
        write_tables(demo_measurement(), tmp_path / "missing")


def test_item_tables_leave_titles_out_unless_asked(tmp_path: Path) -> None:
    """Issue 18, item 7: items.csv has no title column by default; the explicit option adds
    it, with the titles the tracker export gave."""
    m = demo_measurement()
    (tmp_path / "a").mkdir()
    write_tables(m, tmp_path / "a")
    plain = _rows(tmp_path / "a" / "items.csv")
    assert "title" not in plain[0] and len(plain) == len(m.prepared.items.items)
    (tmp_path / "b").mkdir()
    write_tables(m, tmp_path / "b", include_titles=True)
    titled = _rows(tmp_path / "b" / "items.csv")
    titles = dict(zip(m.tables.items["item_id"].astype(str),
                      m.tables.items["title"].fillna("").astype(str), strict=True))
    assert all(r["title"] == titles[r["item_id"]] for r in titled)
    assert any(r["title"] for r in titled)
