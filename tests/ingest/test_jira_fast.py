"""The fast path of the Jira issues importer (typed decoding) gives exactly the tables of the
streaming reader, and leaves every other shape, and every file with a value to report, to it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from vsm_app.ingest.errors import ImportProblem
from vsm_app.ingest.jsonload import JsonRecords
from vsm_app.ingest.sources import ImportOptions, import_files
from vsm_app.ingest.trackers import jira_fast
from vsm_app.ingest.trackers.jira import parse_jira_issues

TRACKERS = Path(__file__).parent.parent / "fixtures" / "formats" / "trackers"
REAL = ["jira_board_issues_changelog.devlake.json",
        "jira_search_issues_changelog.jirametrics.json"]


def _issue(key: Any, histories: list[Any], **fields: Any) -> dict[str, Any]:
    return {"id": "100", "key": key, "self": "https://x/rest/api/2/issue/100",
            "fields": {"created": "2024-03-01T09:00:00.000+0100", "summary": "s",
                       "issuetype": {"name": "Bug", "subtask": False},
                       "status": {"name": "Done", "id": "3",
                                  "statusCategory": {"id": 3, "key": "done"}},
                       "assignee": {"displayName": "never read"}, **fields},
            "changelog": {"startAt": 0, "maxResults": 100, "total": len(histories),
                          "histories": histories}}


def _history(hid: Any, at: str, *items: dict[str, Any]) -> dict[str, Any]:
    return {"id": hid, "created": at, "author": {"displayName": "never read"},
            "items": list(items)}


def _status(frm: Any, to: Any, from_id: Any = "1", to_id: Any = "3") -> dict[str, Any]:
    return {"field": "status", "fieldtype": "jira", "fieldId": "status", "from": from_id,
            "fromString": frm, "to": to_id, "toString": to}


ISSUES = [
    _issue("AB-1", [
        _history("12", "2024-03-02T10:00:00.000+0100", _status("To Do", "In Progress"),
                 {"field": "assignee", "from": None, "to": "x"}),
        _history("13", "2024-03-04T10:00:00.000+0100", _status(" In Progress ", "Done"))]),
    # newest first, a numeric history id, an Epic Link change, a change with no target
    _issue("AB-2", [
        _history(21, "2024-03-05T10:00:00.000Z", _status("Review", "Done", 4, 3)),
        _history(20, "2024-03-03T10:00:00.000Z", _status("To Do", "Review"),
                 {"field": "Epic Link", "toString": "AB-9"}, _status("x", None))]),
    # no key: counted and skipped
    _issue(None, []),
    # no changelog, no fields
    {"key": "AB-3", "fields": None},
    _issue("AB-4", [], parent={"key": "AB-1"}),
]


def _parse(path: Path, *, fast: bool, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(jira_fast, "FAST_LIMIT", 1 << 40 if fast else -1)
    used: list[bool] = []
    real = jira_fast.fast_issues

    def spy(*a: Any, **k: Any) -> Any:
        out = real(*a, **k)
        used.append(out is not None)
        return out

    monkeypatch.setattr(jira_fast, "fast_issues", spy)
    parsed = parse_jira_issues(JsonRecords(path), str(path), ImportOptions(default_tz="UTC"))
    return parsed, used == [True]


def vals(column: pd.Series) -> list[Any]:
    return [None if pd.isna(v) else v for v in column.tolist()]


def _same(a: Any, b: Any) -> None:
    assert (a.table, a.records, a.skipped, a.notes) == (b.table, b.records, b.skipped, b.notes)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert sorted(a.extra) == sorted(b.extra)
    for name in a.extra:
        pd.testing.assert_frame_equal(a.extra[name], b.extra[name], obj=name)


SHAPES = {
    "page": lambda: {"startAt": 0, "maxResults": 50, "total": 5, "issues": ISSUES},
    "slurped pages": lambda: [{"startAt": 0, "issues": ISSUES[:2]},
                              {"startAt": 2, "issues": ISSUES[2:]}],
    "list of issues": lambda: ISSUES,
    "one issue": lambda: ISSUES[0],
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_fast_path_gives_the_streaming_tables(shape: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "issues.json"
    path.write_text(json.dumps(SHAPES[shape]()))
    fast, used = _parse(path, fast=True, monkeypatch=monkeypatch)
    slow, used_slow = _parse(path, fast=False, monkeypatch=monkeypatch)
    assert used and not used_slow
    _same(fast, slow)


def test_fast_path_tables_by_hand(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a user checks: issues counted, the keyless one skipped, each status change once
    with its time in UTC, statuses trimmed, the change without a target dropped."""
    path = tmp_path / "issues.json"
    path.write_text(json.dumps({"issues": ISSUES}))
    parsed, used = _parse(path, fast=True, monkeypatch=monkeypatch)
    assert used
    assert (parsed.records, parsed.skipped) == (5, 1)
    rec = parsed.frame
    assert rec["item_id"].tolist() == ["jira:AB-1", "jira:AB-2", "jira:AB-3", "jira:AB-4"]
    assert vals(rec["parent_id"])[1:] == ["jira:AB-9", None, "jira:AB-1"]
    assert rec["created_at"].iloc[0] == pd.Timestamp("2024-03-01T08:00:00Z")
    tr = parsed.extra["transitions"]
    assert list(zip(tr["item_id"], tr["from_status"], tr["to_status"], tr["seq"],
                    strict=True)) == [
        ("jira:AB-1", "To Do", "In Progress", 12), ("jira:AB-1", "In Progress", "Done", 13),
        ("jira:AB-2", "Review", "Done", 21), ("jira:AB-2", "To Do", "Review", 20)]
    assert tr["at"].tolist() == [pd.Timestamp(x) for x in (
        "2024-03-02T09:00Z", "2024-03-04T09:00Z", "2024-03-05T10:00Z", "2024-03-03T10:00Z")]
    assert tr["from_id"].tolist() == ["1", "1", "4", "1"]
    # every history entry counts for truncation, status change or not
    assert parsed.extra["histories"]["history_id"].tolist() == ["12", "13", "21", "20"]


@pytest.mark.parametrize("name", REAL)
def test_fast_path_on_the_real_payloads(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, used = _parse(TRACKERS / name, fast=True, monkeypatch=monkeypatch)
    slow, _ = _parse(TRACKERS / name, fast=False, monkeypatch=monkeypatch)
    assert used
    _same(fast, slow)


@pytest.mark.parametrize("text", [
    # pages back to back (gh api --paginate), NDJSON
    json.dumps({"issues": ISSUES[:2]}) + json.dumps({"issues": ISSUES[2:]}),
    "\n".join(json.dumps(i) for i in ISSUES),
    # a field of an unexpected type, a history that is no object
    json.dumps({"issues": [{**ISSUES[0], "fields": "x"}]}),
    json.dumps({"issues": [_issue("AB-1", ["not an entry"])]}),
    # recorded replies
    json.dumps({"GET /rest/api/2/search?jql=x": {"issues": ISSUES}}),
])
def test_other_shapes_are_left_to_the_streaming_reader(text: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "issues.json"
    path.write_text(text)
    fast, used = _parse(path, fast=True, monkeypatch=monkeypatch)
    slow, _ = _parse(path, fast=False, monkeypatch=monkeypatch)
    assert not used
    _same(fast, slow)


def test_a_bad_value_is_reported_with_its_line(tmp_path: Path) -> None:
    """The fast path does not know lines: the streaming reader reads the file again and
    names the line of the value."""
    issues = [ISSUES[0], _issue("AB-7", [_history("5", "yesterday", _status("A", "B"))])]
    path = tmp_path / "issues.json"
    path.write_text(json.dumps({"issues": issues}, indent=1))
    line = next(n for n, row in enumerate(path.read_text().splitlines(), 1) if "AB-7" in row)
    result = import_files([("items", str(path))], ImportOptions(default_tz="UTC"))
    (problem,) = result.errors
    assert isinstance(problem, ImportProblem)
    assert "yesterday" in str(problem) and problem.record == 2
    # the issue's record starts a few lines above its key
    assert problem.line is not None and line - 3 <= problem.line <= line
