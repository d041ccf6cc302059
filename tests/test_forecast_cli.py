"""``vsm-app forecast`` on repositories built in the test (DESIGN §6)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ingest.conftest_git import RepoBuilder
from vsm_app import cli
from vsm_app.analysis.flow_analytics import forecast as core
from vsm_app.commands import forecast as forecasting
from vsm_app.domain.model import DataSource, Project
from vsm_app.domain.templates import software_delivery
from vsm_app.services.forecast import stale_data_warning
from vsm_app.storage.project_file import save_project


@pytest.fixture(scope="module")
def daily_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One commit on main every day at 09:00 UTC, 2025-03-03 … 2025-03-22 (20 changes)."""
    b = RepoBuilder(tmp_path_factory.mktemp("repo") / "daily")
    for d in range(20):
        b.commit(f"feat: step {d}", 24 * d)
    return b.path


def forecast(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["forecast", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_when_json_on_a_repository(capsys: pytest.CaptureFixture[str], daily_repo: Path) -> None:
    code, out, err = forecast(capsys, "--repo", str(daily_repo), "--items", "5", "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert list(doc)[:2] == ["sample", "when"]
    # no release tags: a change finishes when it reaches main, one a day; the 90-day sample
    # starts with the data (20 days, 1 a day); 5 more are done at the end of the 5th day
    assert {k: doc["sample"][k] for k in ("since", "until", "days",
                                          "throughput_per_day_mean")} == {
        "since": "2025-03-03", "until": "2025-03-22", "days": 20,
        "throughput_per_day_mean": 1.0}
    assert {k: doc["when"][k] for k in ("p50", "p70", "p85", "p95")} == dict.fromkeys(
        ("p50", "p70", "p85", "p95"), "2025-03-27")
    assert doc["trials"] == 10_000 and doc["seed"] == 0
    assert any("starts at the first finish in the data" in w for w in doc["warnings"])
    assert "warning: the sample has only 20 days" in err
    assert any(w.startswith("the data end on 2025-03-22") for w in doc["warnings"])


def test_how_many_json_and_text(capsys: pytest.CaptureFixture[str], daily_repo: Path) -> None:
    code, out, err = forecast(capsys, "--repo", str(daily_repo), "--by", "2025-03-31",
                              "--json", "--trials", "1000", "--seed", "3")
    assert code == 0, err
    doc = json.loads(out)
    # 2025-03-23 … 2025-03-31 included: 9 days at one a day
    assert {k: doc["how_many"][k] for k in ("p50", "p70", "p85", "p95")} == dict.fromkeys(
        ("p50", "p70", "p85", "p95"), 9)
    assert doc["how_many"]["by"] == "2025-03-31" and doc["how_many"]["days"] == 9
    assert doc["histogram"] == [{"items": 9, "trials": 1000}]
    code, out, _ = forecast(capsys, "--repo", str(daily_repo), "--by", "2025-03-31")
    assert code == 0
    assert out.splitlines() == [
        # dates and the rate as every screen writes them (the JSON keeps ISO dates)
        "Throughput sample 3 Mar 2025 – 22 Mar 2025 (20 days): 20 changes finished, "
        "1.00 / day on average.",
        "How many changes will be done from 23 Mar 2025 through 31 Mar 2025 (9 days)? "
        "(10,000 trials, seed 0)",
        "  50 % of trials: at least 9", "  70 % of trials: at least 9",
        "  85 % of trials: at least 9", "  95 % of trials: at least 9"]


def test_a_project_with_release_tags_leaves_out_the_first_release(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "tagged")
    for d in range(5):
        b.commit(f"feat: a{d}", 24 * d)
    b.tag("v1.0.0", 24 * 4 + 1)  # ships the first five: finished, but when is unknown
    for d in range(5, 10):
        b.commit(f"feat: b{d}", 24 * d)
    b.tag("v2.0.0", 24 * 9 + 1)
    project = Project("p", [software_delivery()])
    project.sources.append(DataSource("git", str(b.path), deploy_tags="v*"))
    save_project(project, tmp_path / "p.vsm")
    code, out, err = forecast(capsys, str(tmp_path / "p.vsm"), "--items", "10", "--json")
    assert code == 0, err
    s = json.loads(out)["sample"]
    # from v1's day (2025-03-07) to v2's (2025-03-12): only v2's five changes count
    assert (s["since"], s["until"], s["days"], s["finished"]) == (
        "2025-03-07", "2025-03-12", 6, 5)
    assert s["left_out_upper_bound"] == 5
    assert s["throughput_per_day_mean"] == pytest.approx(5 / 6)


@pytest.mark.parametrize(("args", "message"), [
    (["--items", "5"], "give a project file or at least one --repo PATH"),
    (["REPO", "--items", "0"], "argument --items: 0 is out of range: give at least 1"),
    (["REPO", "--items", "many"], "argument --items: 'many' is not a whole number"),
    (["REPO", "--items", "5", "--by", "2025-04-01"], "not allowed with argument"),
    (["REPO"], "one of the arguments --items --by is required"),
    (["REPO", "--by", "soon"], "--by: 'soon' is not a date (expected e.g. 2026-01-31)"),
    (["REPO", "--by", "2025-04-01T12:00"], "--by: give a date such as 2026-01-31"),
    (["REPO", "--by", "2025-03-22"],
     "--by: 2025-03-22 is not after the sample's last day (2025-03-22): forecasting starts "
     "on 2025-03-23"),
    (["REPO", "--items", "5", "--sample-since", "2025-04-01"],
     "--sample-since: 2025-04-01 is after the last finish in the data (2025-03-22)"),
    (["REPO", "--items", "5", "--trials", "0"], "argument --trials: 0 is out of range"),
    (["REPO", "--items", "5", "--seed", "-1"], "argument --seed: -1 is out of range"),
    (["--repo", "/no/such/repository", "--items", "5"], "/no/such/repository"),
    (["missing.vsm", "--items", "5"], "missing.vsm"),
])
def test_bad_input_exits_2_with_one_clear_line(capsys: pytest.CaptureFixture[str],
                                               daily_repo: Path, args: list[str],
                                               message: str) -> None:
    args = [a for x in args for a in (["--repo", str(daily_repo)] if x == "REPO" else [x])]
    try:
        code, out, err = forecast(capsys, *args)
    except SystemExit as e:  # argparse's own usage errors
        code, err, out = int(e.code or 0), capsys.readouterr().err, ""
    assert code == 2
    assert message in err and "Traceback" not in err
    assert out == ""


def test_forecast_from_the_command_line_as_a_user_runs_it(tmp_path: Path,
                                                          daily_repo: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "vsm_app", "forecast", "--repo", str(daily_repo),
                        "--items", "3", "--json"], cwd=tmp_path, capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["when"]["p95"] == "2025-03-25"


def test_the_parser_defaults_are_the_cores() -> None:
    assert forecasting.DEFAULT_TRIALS == core.DEFAULT_TRIALS
    assert forecasting.DEFAULT_SEED == core.DEFAULT_SEED


def test_data_older_than_a_week_are_warned_about() -> None:
    import pandas as pd

    until = pd.Timestamp("2025-03-22", tz="UTC")
    assert stale_data_warning(until, "2025-03-29T23:00Z") is None  # 7 days
    text = stale_data_warning(until, "2025-03-30T01:00Z")
    assert text == ("the data end on 2025-03-22, 8 days before today: the forecast counts "
                    "from 2025-03-23, not from today (update the data for a forecast from "
                    "today)")
