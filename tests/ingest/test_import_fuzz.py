"""Hostile values in every field of every real export: a clean, located error or a clean import.

The fuzzer takes each payload of tests/fixtures/formats, puts one hostile value in one field
of one of its first records (or at the top level), and imports the file. Allowed outcomes:
the file imports, or it is reported as an :class:`ImportProblem` naming the file and the
record or line — caught by a reader's own check (the import's last-resort net, which turns
anything else into a message, must never be needed). The value classes are those an attacker
or an unlucky export produces: integers beyond int64 and beyond 4,300 digits, 400-digit
timestamps, ``Infinity``/``NaN``/``-1e308``, floats that do not fit int64, lists nested a
thousand deep, and wrong types (lists, objects, numbers, booleans, strings) in any field.

``test_cli_bad_values_exit_2_naming_file_record_and_field`` runs the command line on one
file per class and checks the exit code and the one-line message.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ingest.test_importers import FORMATS
from vsm_app.ingest.errors import ImportProblem
from vsm_app.ingest.sources import ImportOptions, import_files

PAYLOADS = sorted(p.name for p in FORMATS.glob("*.json"))

#: tokens replaced in the dumped JSON by text ``json.dumps`` cannot write
RAW = {
    "@@DIGITS5000@@": "9" * 5000,
    "@@DIGITS400@@": "1" + "0" * 399,
    "@@INF@@": "Infinity",
    "@@NINF@@": "-Infinity",
    "@@NAN@@": "NaN",
    "@@DEEP@@": "[" * 1000 + "]" * 1000,
    "@@DEEP_OBJ@@": '{"a":' * 1000 + "1" + "}" * 1000,
    "@@BIGEXP@@": "1e400",
}

hostile = st.one_of(
    st.sampled_from(list(RAW)),
    st.sampled_from([2 ** 64, -(2 ** 63) - 1, 2 ** 63, 10 ** 30, -1e308, 1e308, 1e19, 2e18,
                     1.5, -5, 0, True, False, None, "", "x", [1, 2], {"a": 1}, [], {},
                     "1" + "0" * 400, "-1" + "0" * 30, "9999-12-31T00:00:00Z",
                     "1700-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "2023-02-30T00:00:00Z",
                     "NaN", "Infinity", "1e400", [[[[]]]], {"name": {"name": {}}}]),
    st.integers(), st.floats(), st.text(max_size=12),
)


def _paths(value: Any, path: tuple[Any, ...] = (), depth: int = 0) -> list[tuple[Any, ...]]:
    """Paths to every field of the top level and of the first two records (three levels)."""
    out: list[tuple[Any, ...]] = []
    if depth > 4:
        return out
    if isinstance(value, dict):
        for k, v in value.items():
            out.append((*path, k))
            out.extend(_paths(v, (*path, k), depth + 1))
    elif isinstance(value, list):
        for i, v in enumerate(value[:2]):
            out.append((*path, i))
            out.extend(_paths(v, (*path, i), depth + 1))
    return out


_DOCS = {name: json.loads((FORMATS / name).read_text(encoding="utf-8")) for name in PAYLOADS}
_PATHS = {name: _paths(doc) for name, doc in _DOCS.items()}


def _dump(doc: Any) -> str:
    text = json.dumps(doc)
    for token, raw in RAW.items():
        text = text.replace(json.dumps(token), raw)
    return text


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    for p in path[:-1]:
        doc = doc[p]
    doc[path[-1]] = value


def _check(path: Path) -> None:
    result = import_files([("auto", str(path))], ImportOptions(default_tz="UTC", salt="s"))
    for e in result.errors:
        assert isinstance(e, ImportProblem)
        assert not e.unexpected, f"no reader check caught it: {e}"
        assert e.path == str(path)
        text = str(e)
        assert text.startswith(path.name) and "\n" not in text
    if result.errors:
        assert result.reports and result.reports[-1].problems


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_hostile_value_in_any_field_is_a_clean_result(data: st.DataObject,
                                                      tmp_path: Path) -> None:
    name = data.draw(st.sampled_from(PAYLOADS))
    doc = json.loads(json.dumps(_DOCS[name]))
    paths = _PATHS[name]
    if paths:
        _set(doc, data.draw(st.sampled_from(paths)), data.draw(hostile))
    else:
        doc = data.draw(hostile)
    f = tmp_path / name
    f.write_text(_dump(doc), encoding="utf-8")
    _check(f)


@pytest.mark.parametrize("token", sorted(RAW))
@pytest.mark.parametrize("name", ["github_actions_runs.devlake.json",
                                  "gitlab_pipeline_details.devlake.json",
                                  "jenkins_job_builds.devlake.json",
                                  "pagerduty_analytics_raw_incidents.official_example.json",
                                  "devlake_webhook_deployment.constructed.json",
                                  "gh_pr_list.constructed.json"])
def test_every_raw_class_in_every_field_of_the_first_record(name: str, token: str,
                                                            tmp_path: Path) -> None:
    """Every field of the first record, for the classes JSON cannot carry into Python whole."""
    f = tmp_path / name
    first_record = [p for p in _PATHS[name]
                    if 0 in p and 1 not in p and len(p) - p.index(0) == 2]
    assert first_record
    for path in first_record:
        doc = json.loads(json.dumps(_DOCS[name]))
        _set(doc, path, token)
        f.write_text(_dump(doc), encoding="utf-8")
        _check(f)


def _one_run(**changes: Any) -> dict[str, Any]:
    doc = json.loads((FORMATS / "github_actions_runs.devlake.json").read_text("utf-8"))
    runs = doc["workflow_runs"] if isinstance(doc, dict) else doc
    runs[0].update(changes)
    return doc


def _gitlab(**changes: Any) -> list[dict[str, Any]]:
    doc = json.loads((FORMATS / "gitlab_pipeline_details.devlake.json").read_text("utf-8"))
    doc[0].update(changes)
    return doc


def _vsm(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vsm_app", *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=180)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    from tests.ingest.conftest_git import RepoBuilder

    b = RepoBuilder(tmp_path / "repo")
    b.commit("feat: one", 0)
    return b.path


@pytest.mark.parametrize("flag, name, doc, expected", [
    ("--ci", "runs.json", _one_run(run_attempt="@@DIGITS5000@@"),
     'runs.json: line 1, record 1, field "run_attempt": not an integer (999999999999… '
     '(5000 digits))'),
    ("--ci", "runs.json", _one_run(run_attempt=2 ** 64),
     'runs.json: line 1, record 1, field "run_attempt": integer out of range '
     '(18446744073709551616)'),
    ("--ci", "runs.json", _one_run(run_started_at="@@DIGITS400@@"),
     'runs.json: line 1, record 1, field "run_started_at": timestamp out of range '
     '(100000000000… (400 digits); expected 1970–2199)'),
    ("--ci", "runs.json", _one_run(id="@@DEEP@@"),
     "runs.json: line 1, record 1: the JSON is nested too deeply"),
    ("--ci", "jobs.json", {"total_count": 1, "jobs": [
        {"id": 1, "run_id": 2, "head_sha": "a" * 40, "name": "build", "status": "completed",
         "conclusion": "success", "started_at": "2024-01-01T00:00:00Z",
         "completed_at": "2024-01-01T00:10:00Z", "created_at": "2024-01-01T00:00:00Z",
         "run_attempt": 1e19}]},
     'jobs.json: line 1, record 1, field "run_attempt": integer out of range (1e+19)'),
    ("--ci", "gitlab.json", _gitlab(queued_duration="@@INF@@"),
     'gitlab.json: line 1, record 1, field "queued_duration": number out of range (Infinity)'),
    ("--ci", "gitlab.json", _gitlab(queued_duration=-1e308),
     'gitlab.json: line 1, record 1, field "queued_duration": number out of range (-1e+308)'),
    ("--prs", "prs.json", [{"number": 2 ** 64, "url": "https://github.com/o/r/pull/1",
                            "createdAt": "2024-01-01T00:00:00Z", "state": "OPEN",
                            "headRefOid": "a" * 40, "title": "x"}],
     'prs.json: line 1, record 1, field "number": integer out of range '
     '(18446744073709551616)'),
    ("--deployments", "deploy.json",
     {"id": "d1", "result": "SUCCESS", "environment": "PRODUCTION",
      "startedDate": "2024-01-01T00:00:00Z", "finishedDate": "2024-01-01T00:10:00Z",
      "deploymentCommits": 5},
     'deploy.json: line 1, record 1, field "deploymentCommits": expected a list of commits, '
     'found 5'),
])
def test_cli_bad_values_exit_2_naming_file_record_and_field(
        tmp_path: Path, repo: Path, flag: str, name: str, doc: Any, expected: str) -> None:
    (tmp_path / name).write_text(_dump(doc), encoding="utf-8")  # one line
    r = _vsm(tmp_path, "analyze", "--repo", str(repo), flag, name, "--json")
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and "unexpected" not in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith(f"vsm-app: {expected}"), r.stderr


CSV_FILES = ["handmade/deployments_a.csv", "handmade/incidents.csv"]
csv_cells = st.one_of(st.text(max_size=20), st.sampled_from(
    ["9" * 5000, "1" + "0" * 400, "-1e308", "1e400", "inf", "NaN", "18446744073709551616",
     "0001-01-01T00:00:00Z", "1700-01-01T00:00:00Z", "=cmd|' /C calc'!A0", "\x00", ""]))


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_hostile_cells_of_the_generic_csv_tables(data: st.DataObject, tmp_path: Path) -> None:
    import csv
    import io

    name = data.draw(st.sampled_from(CSV_FILES))
    rows = list(csv.reader(io.StringIO((FORMATS / name).read_text(encoding="utf-8"))))
    r = data.draw(st.integers(1, len(rows) - 1))
    c = data.draw(st.integers(0, len(rows[0]) - 1))
    rows[r][c] = data.draw(csv_cells)
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    f = tmp_path / Path(name).name
    f.write_text(out.getvalue(), encoding="utf-8")
    _check(f)
