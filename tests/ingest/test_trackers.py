"""Every issue-tracker payload in tests/fixtures/formats/trackers imports (issue 18).

Each file: its format, its records / linked / skipped counts, and the time its items spent in
each status, worked out here by hand from the payload's own changelog (the timestamps below
are copied from the files; the arithmetic is done with plain ``datetime``).
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from vsm_app.domain.items import ItemSettings
from vsm_app.domain.tables import SourceReport, Tables, conform
from vsm_app.ingest.detect import detect
from vsm_app.ingest.errors import ImportProblem
from vsm_app.ingest.sources import ImportOptions, ImportResult, import_files, link

TRACKERS = Path(__file__).parent.parent / "fixtures" / "formats" / "trackers"

DETECTED = {
    "azure_artifacturiquery.ms_docs.json": "azure_artifact_query",
    "azure_reporting_workitemrevisions.ms_docs.json": "azure_workitem_revisions",
    "azure_workitem_revisions.ms_docs.json": "azure_workitem_revisions",
    "azure_workitem_updates.ms_docs.json": "azure_workitem_updates",
    "github_issue_events_repo.devlake.json": "github_repo_issue_events",
    "github_issues.devlake.json": "github_issues_items",
    "github_projects_v2_item_edited.octokit_webhooks.json": "github_projects_v2_item",
    "jira_board_configuration.jirametrics.json": "jira_board_configuration",
    "jira_board_issues_changelog.devlake.json": "jira_issues",
    "jira_dev_status_commits.devlake.json": "jira_dev_status",
    "jira_issue_changelog.atlassian_docs.json": "jira_changelog",
    "jira_issue_changelog_values.devlake.json": "jira_changelog",
    "jira_issue_remotelinks.devlake.json": "jira_remote_links",
    "jira_search_issues_changelog.jirametrics.json": "jira_issues",
    "jira_statuses.jirametrics.json": "jira_statuses",
}
#: file → (records, linked, skipped) when the file is loaded on its own (no git)
COUNTS = {
    "azure_artifacturiquery.ms_docs.json": (2, 0, 0),
    "azure_reporting_workitemrevisions.ms_docs.json": (2, 0, 0),
    "azure_workitem_revisions.ms_docs.json": (9, 0, 0),
    "azure_workitem_updates.ms_docs.json": (13, 0, 0),
    # 50 events: one repeated (same id), ten on pull requests
    "github_issue_events_repo.devlake.json": (50, 0, 11),
    # 6 entries, two of them pull requests
    "github_issues.devlake.json": (6, 0, 2),
    # GitHub's example delivery names no new value
    "github_projects_v2_item_edited.octokit_webhooks.json": (1, 0, 1),
    "jira_board_configuration.jirametrics.json": (5, 0, 0),
    "jira_board_issues_changelog.devlake.json": (6, 0, 0),
    "jira_dev_status_commits.devlake.json": (10, 0, 0),
    "jira_issue_changelog.atlassian_docs.json": (2, 0, 0),
    # a bare values list named by nothing: its entries belong to no known issue
    "jira_issue_changelog_values.devlake.json": (100, 0, 100),
    # 4 links, one to a wiki page
    "jira_issue_remotelinks.devlake.json": (4, 0, 1),
    "jira_search_issues_changelog.jirametrics.json": (3, 0, 0),
    "jira_statuses.jirametrics.json": (6, 0, 0),
}


def t(text: str) -> datetime:
    """A payload timestamp (``2021-06-18T18:42:52.754+0000``) as an aware datetime."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z") if "." in text and \
        text[-5] in "+-" else datetime.fromisoformat(text.replace("Z", "+00:00"))


def secs(a: str, b: str) -> float:
    return (t(b) - t(a)).total_seconds()


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(t(text)).tz_convert("UTC")


def load(*paths: str | Path, options: ImportOptions | None = None,
         tables: Tables | None = None) -> tuple[ImportResult, Tables]:
    files = [("items", str(p if isinstance(p, Path) else TRACKERS / p)) for p in paths]
    result = import_files(files, options or ImportOptions(salt="t"))
    assert not result.errors, [str(e) for e in result.errors]
    return result, link(tables or Tables(), result)


def report(out: Tables, name: str) -> SourceReport:
    return next(r for r in out.sources if Path(r.path).name == name)


def stays(out: Tables, item_id: str) -> list[tuple[str, float | None]]:
    """(status, seconds) of an item's stays in order; an open stay has None."""
    s = out.item_status[out.item_status["item_id"] == item_id]
    return [(st, None if pd.isna(b) else (b - a).total_seconds())
            for st, a, b in zip(s["status"], s["entered_at"], s["left_at"], strict=True)]


def item(out: Tables, item_id: str) -> pd.Series:
    rows = out.items[out.items["item_id"] == item_id]
    assert len(rows) == 1, item_id
    return rows.iloc[0]


def git_tables(changes: list[tuple[str, str]]) -> Tables:
    """A linear history: one change per (sha, time), merged and deployed at that time."""
    commits, rows, prev = [], [], None
    for sha, at in changes:
        commits.append({"sha": sha, "parents": (prev,) if prev else (), "author_time": at,
                        "commit_time": at, "change_id": sha})
        rows.append({"change_id": sha, "merge_sha": sha, "first_commit_at": at,
                     "merged_at": at, "deployed_at": at, "kind": "feature", "repo": "r"})
        prev = sha
    out = Tables()
    cf = pd.DataFrame(commits)
    for c in ("author_time", "commit_time"):
        cf[c] = pd.to_datetime(cf[c], utc=True)
    out.commits = conform(cf, "commits")
    ch = pd.DataFrame(rows)
    for c in ("first_commit_at", "merged_at", "deployed_at"):
        ch[c] = pd.to_datetime(ch[c], utc=True)
    out.changes = conform(ch, "changes")
    return out


# -- every payload ---------------------------------------------------------------------------

def test_every_tracker_payload_is_covered() -> None:
    assert sorted(p.name for p in TRACKERS.glob("*.json")) == sorted(DETECTED) == sorted(COUNTS)


@pytest.mark.parametrize("name", sorted(DETECTED))
def test_detected_from_content(name: str, tmp_path: Path) -> None:
    copy = tmp_path / "export.dat"
    copy.write_bytes((TRACKERS / name).read_bytes())
    info = detect(copy, "items")
    assert (info.name, info.family) == (DETECTED[name], "items")


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_counts_of_each_file(name: str) -> None:
    _, out = load(name)
    r = report(out, name)
    assert (r.format, r.records, r.linked, r.skipped) == (DETECTED[name], *COUNTS[name])


def test_github_issues_stay_incidents_without_the_items_hint() -> None:
    # the same /issues list is the incident source it always was unless given as work items
    assert detect(TRACKERS / "github_issues.devlake.json").name == "github_issues"


# -- Jira -----------------------------------------------------------------------------------

def test_jira_board_page_status_times_by_hand() -> None:
    _, out = load("jira_board_issues_changelog.devlake.json")
    created = "2020-06-12T08:13:13.360+0800"
    # EE-1's changelog (sorted by created; the payload lists it newest first)
    h = ["2020-06-12T09:45:24.493+0800",   # Inbox → Ready for Dev
         "2020-06-12T11:38:39.785+0800",   # Ready for Dev → In Development
         "2020-06-12T14:22:49.352+0800",   # In Progress → Open (id 3 renamed meanwhile)
         "2020-06-19T14:31:18.526+0800",   # Open → Closed
         "2021-03-28T16:06:08.715+0800"]   # Closed → 已完成
    assert stays(out, "jira:EE-1") == [
        ("Inbox", secs(created, h[0])), ("Ready for Dev", secs(h[0], h[1])),
        ("In Development", secs(h[1], h[2])), ("Open", secs(h[2], h[3])),
        ("Closed", secs(h[3], h[4])), ("已完成", None)]
    ee1 = item(out, "jira:EE-1")
    # done from Closed on (已完成 is done too: one unbroken done stay)
    assert ee1["done_at"] == ts(h[3])
    assert ee1["created_at"] == ts(created)
    assert (ee1["type"], ee1["kind"], ee1["parent_id"]) == ("故事", "feature", "jira:EE-11")
    # the renamed status id 3 is a history gap, counted
    assert out.data_quality["items"]["status_history_gaps"] == 1
    # 已完成 is "done" in three issues and "new" in EE-1: the majority wins, with a warning
    assert any("已完成" in w and "done used" in w for w in out.warnings)
    assert item(out, "jira:EE-25")["kind"] == ""  # 子任务: a sub-task is not a unit of flow
    assert item(out, "jira:K5-4")["kind"] == ""  # an epic neither
    assert item(out, "jira:EE-23")["kind"] == "defect"  # 缺陷
    assert item(out, "jira:EE-5")["kind"] == "debt"  # 任务
    # K5-2 never changed status: To Do since its creation
    assert stays(out, "jira:K5-2") == [("To Do", None)]
    assert out.item_status.loc[out.item_status["item_id"] == "jira:K5-2", "entered_at"].iloc[0] \
        == ts("2022-07-16T06:29:49.026+0800")


def test_jira_backward_moves_accumulate_per_status() -> None:
    _, out = load("jira_board_issues_changelog.devlake.json")
    created = "2020-06-12T08:33:57.204+0800"
    h = ["2020-06-12T09:27:39.141+0800",   # Open → In Development
         "2020-06-12T09:27:50.404+0800",   # → Resolved
         "2020-06-12T12:58:47.271+0800",   # Resolved → To Do (reopened)
         "2020-06-12T13:01:20.770+0800",   # To Do → Open
         "2020-06-12T21:08:24.581+0800",   # Open → To Do
         "2020-06-12T21:15:21.650+0800",   # To Do → Open
         "2020-06-15T17:07:56.858+0800",   # Open → Resolved
         "2020-06-17T11:08:17.806+0800",   # Resolved → Closed
         "2021-03-28T16:05:57.097+0800"]   # Closed → 已完成
    total: dict[str, float] = {}
    for status, a, b in [("Open", created, h[0]), ("In Development", h[0], h[1]),
                         ("Resolved", h[1], h[2]), ("To Do", h[2], h[3]), ("Open", h[3], h[4]),
                         ("To Do", h[4], h[5]), ("Open", h[5], h[6]),
                         ("Resolved", h[6], h[7]), ("Closed", h[7], h[8])]:
        total[status] = total.get(status, 0.0) + secs(a, b)
    got: dict[str, float] = {}
    for status, s in stays(out, "jira:EE-23"):
        if s is not None:
            got[status] = got.get(status, 0.0) + s
    assert got == pytest.approx(total, abs=1e-3)
    # done at the last entry into done after the reopen, not the first
    assert item(out, "jira:EE-23")["done_at"] == ts(h[6])
    # no stay overlaps the next: nothing is counted twice
    s = out.item_status[out.item_status["item_id"] == "jira:EE-23"]
    assert (s["left_at"].iloc[:-1].to_numpy() <= s["entered_at"].iloc[1:].to_numpy()).all()


def test_jira_search_reopen_by_hand() -> None:
    _, out = load("jira_search_issues_changelog.jirametrics.json")
    c5 = "2021-06-18T18:41:58.333+0000"
    h = ["2021-06-23T12:44:38.197+0000", "2021-08-29T18:04:49.188+0000",
         "2021-09-06T04:34:11.432+0000", "2021-09-06T04:34:14.358+0000",  # → Done
         "2021-10-11T12:48:42.419+0000",  # Done → Selected for Development (reopened)
         "2021-10-11T12:49:04.096+0000", "2021-10-11T12:49:07.261+0000"]  # → Done again
    assert stays(out, "jira:SP-5") == [
        ("Backlog", secs(c5, h[0])), ("Selected for Development", secs(h[0], h[1])),
        ("In Progress", secs(h[1], h[2])), ("Review", secs(h[2], h[3])),
        ("Done", secs(h[3], h[4])), ("Selected for Development", secs(h[4], h[5])),
        ("In Progress", secs(h[5], h[6])), ("Done", None)]
    assert item(out, "jira:SP-5")["done_at"] == ts(h[6])
    # SP-1 is still in progress: no done time, its last stay open
    assert pd.isna(item(out, "jira:SP-1")["done_at"])
    assert stays(out, "jira:SP-1")[-1] == ("In Progress", None)


def test_statuses_list_gives_the_categories_and_the_board_its_names() -> None:
    _, out = load("jira_statuses.jirametrics.json", "jira_board_configuration.jirametrics.json",
                  "jira_search_issues_changelog.jirametrics.json")
    cats = dict(zip(out.item_status["status"], out.item_status["category"], strict=False))
    # the list says so (the name alone would read "Selected" as not started)
    assert cats["Selected for Development"] == "indeterminate"
    assert (cats["Backlog"], cats["Done"]) == ("new", "done")
    board = out.board_columns
    assert board["column"].tolist() == ["Backlog", "Ready", "In Progress", "Review", "Done"]
    assert board["statuses"].tolist() == [("Backlog",), ("Selected for Development",),
                                          ("In Progress",), ("Review",), ("Done",)]
    assert board["wip_max"].tolist()[1:4] == [4, 3, 3]
    assert board["wip_min"].tolist()[1] == 1
    # used: the five statuses (FakeBacklog is in no item) and the five columns
    assert report(out, "jira_statuses.jirametrics.json").linked == 5
    assert report(out, "jira_board_configuration.jirametrics.json").linked == 5


def test_changelog_page_named_by_its_file(tmp_path: Path) -> None:
    page = tmp_path / "EE-3394.json"
    shutil.copy(TRACKERS / "jira_issue_changelog_values.devlake.json", page)
    _, out = load(page)
    r = report(out, "EE-3394.json")
    assert (r.records, r.skipped) == (100, 0)
    h = ["2021-03-05T10:14:45.316+0800",   # Open → 开发中
         "2021-03-17T11:21:55.019+0800",   # → Code Review
         "2021-03-25T14:48:05.919+0800",   # → 待测试
         "2021-03-28T16:08:16.031+0800",   # → 测试中
         "2021-04-01T10:59:26.954+0800",   # → 发布中
         "2021-04-07T13:15:32.935+0800"]   # → 已完成
    # "Open" before the first change: since an unknown creation, so not measured
    assert stays(out, "jira:EE-3394") == [
        ("开发中", secs(h[0], h[1])), ("Code Review", secs(h[1], h[2])),
        ("待测试", secs(h[2], h[3])), ("测试中", secs(h[3], h[4])),
        ("发布中", secs(h[4], h[5])), ("已完成", None)]
    assert item(out, "jira:EE-3394")["done_at"] == ts(h[5])


def test_truncated_changelog_completed_by_its_page(tmp_path: Path) -> None:
    """An issue whose embedded changelog holds 3 of its 6 entries, and the per-issue page
    with all of them: merged by entry id, the duplicates skipped, no warning left."""
    issue = json.loads((TRACKERS / "jira_board_issues_changelog.devlake.json").read_text())[2]
    full = issue["changelog"]["histories"]
    ordered = sorted(full, key=lambda h: h["created"])
    issue["changelog"] = {"startAt": 0, "maxResults": 3, "total": len(full),
                          "histories": ordered[-3:]}
    (tmp_path / "search.json").write_text(json.dumps({"issues": [issue], "total": 1}))
    r1, out1 = load(tmp_path / "search.json")
    assert out1.data_quality["items"]["changelog_truncated_items"] == 1
    assert any("EE-23 (3 of 20)" in w for w in out1.warnings)
    # the page is a bare values list named by nothing: it attaches through the shared entries
    (tmp_path / "changelog.json").write_text(json.dumps(full))
    _, out = load(tmp_path / "search.json", tmp_path / "changelog.json")
    assert out.data_quality["items"]["changelog_truncated_items"] == 0
    assert not any("truncated" in w for w in out.warnings)
    page = report(out, "changelog.json")
    assert (page.records, page.skipped) == (20, 3)
    _, whole = load("jira_board_issues_changelog.devlake.json")
    assert stays(out, "jira:EE-23") == stays(whole, "jira:EE-23")


def test_jira_links_find_jira_items(tmp_path: Path) -> None:
    sha_ee1 = "8748a066cbaf67b15e86f2c636f9931347e987cf"
    sha_3277 = "2044845c0a4acf6505ebcdca93ebf06b7ccb40d3"
    issues = json.loads((TRACKERS / "jira_board_issues_changelog.devlake.json").read_text())
    ee1 = issues[0]
    other = json.loads(json.dumps(issues[1]))  # EE-5, renamed
    other["key"], other["id"] = "EE-3277", "99999"
    (tmp_path / "issues.json").write_text(json.dumps([ee1, other]))
    g = git_tables([(sha_ee1, "2020-06-18T00:00:00Z"), (sha_3277, "2020-06-19T00:00:00Z")])
    _, out = load(tmp_path / "issues.json", "jira_issue_remotelinks.devlake.json",
                  "jira_dev_status_commits.devlake.json", tables=g)
    links = set(zip(out.item_links["item_id"], out.item_links["change_id"],
                    out.item_links["how"], strict=True))
    assert links == {("jira:EE-1", sha_ee1, "tracker"), ("jira:EE-3277", sha_3277, "tracker")}
    # remote links: EE-1's commit found (EE-3 and EE-69 are not loaded)
    assert report(out, "jira_issue_remotelinks.devlake.json").linked == 1
    # development panel: of its 10 commits, the one in the history is linked
    assert report(out, "jira_dev_status_commits.devlake.json").linked == 1
    # 已完成 is done in one issue, new in the other: a tie, which the name decides (done);
    # EE-1 is done and its one change finished: delivered when that was deployed
    assert item(out, "jira:EE-1")["delivered_at"] == pd.Timestamp("2020-06-18", tz="UTC")
    assert report(out, "issues.json").linked == 2


# -- GitHub ----------------------------------------------------------------------------------

def test_github_issues_list_by_hand() -> None:
    _, out = load("github_issues.devlake.json")
    assert sorted(out.items["key"]) == ["#17", "#5", "#6", "#7"]
    assert stays(out, "github:panjf2000/ants#5") == [
        ("Open", secs("2018-08-02T03:09:57Z", "2018-08-03T15:32:00Z")), ("Closed", None)]
    assert item(out, "github:panjf2000/ants#6")["kind"] == "defect"  # label bug
    assert item(out, "github:panjf2000/ants#17")["kind"] == "feature"  # label enhancement
    # "question" names no type: nothing said, a feature (as for a change)
    assert item(out, "github:panjf2000/ants#5")["kind"] == "feature"
    # PR #4 "fix #3" closes issue #3, which is not in the list
    assert out.data_quality["items"]["tracker_links_without_item"] == 1


def test_github_events_by_hand_and_with_the_issue_list() -> None:
    _, out = load("github_issue_events_repo.devlake.json")
    assert len(out.items) == 15
    # #228: opened, then the (repeated) close event
    assert stays(out, "github:panjf2000/ants#228") == [
        ("Open", secs("2022-06-02T08:13:04Z", "2022-06-09T01:42:11Z")), ("Closed", None)]
    # #226 closed as not planned
    assert stays(out, "github:panjf2000/ants#226")[-1] == ("Closed (not planned)", None)
    # #212's close is not among these events: the issue's closed_at says when
    assert stays(out, "github:panjf2000/ants#212") == [
        ("Open", secs("2022-02-08T22:16:27Z", "2022-03-08T08:30:19Z")), ("Closed", None)]
    assert item(out, "github:panjf2000/ants#212")["kind"] == "defect"
    # #202 was closed by a commit: a tracker link to it
    sha = "8d03fcf77f75c5c2a5b4cfc98e2ec9978af07593"
    _, linked = load("github_issue_events_repo.devlake.json",
                     tables=git_tables([(sha, "2022-02-08T05:50:00Z")]))
    assert set(zip(linked.item_links["item_id"], linked.item_links["how"], strict=True)) == {
        ("github:panjf2000/ants#202", "tracker")}
    # one record of the events file is #202's close: its item is linked
    assert report(linked, "github_issue_events_repo.devlake.json").linked == 1
    # with the issue list too: 19 items, each once
    _, both = load("github_issues.devlake.json", "github_issue_events_repo.devlake.json")
    assert len(both.items) == 19 and both.items["item_id"].is_unique


def test_projects_webhook_with_a_value(tmp_path: Path) -> None:
    hook = json.loads((TRACKERS / "github_projects_v2_item_edited.octokit_webhooks.json")
                      .read_text())
    hook["changes"]["field_value"]["from"] = {"name": "Todo"}
    hook["changes"]["field_value"]["to"] = {"name": "In Progress"}
    (tmp_path / "hook.json").write_text(json.dumps(hook))
    _, out = load(tmp_path / "hook.json")
    assert report(out, "hook.json").skipped == 0
    # created 20:34:26, moved to In Progress at updated_at (the same instant here): the
    # Todo stay has no length; the item is In Progress since then
    assert stays(out, "github-node:DI_lADOAWcTxs07G84AIjOy") == [("In Progress", None)]


# -- Azure Boards --------------------------------------------------------------------------------

def test_azure_updates_and_revisions_agree_by_hand() -> None:
    new_to_active = secs("2017-09-04T02:08:16.6Z", "2017-09-04T02:36:18.75Z")
    for name in ("azure_workitem_updates.ms_docs.json", "azure_workitem_revisions.ms_docs.json"):
        _, out = load(name)
        assert stays(out, "azure:1") == [("New", new_to_active), ("Active", None)], name
        row = item(out, "azure:1")
        assert (row["key"], row["type"], row["kind"]) == ("AB#1", "Bug", "defect")
    _, upd = load("azure_workitem_updates.ms_docs.json")
    # parent 2 was linked, removed, then 7 linked
    assert item(upd, "azure:1")["parent_id"] == "azure:7"
    # both files: the same state change once (same revision)
    _, both = load("azure_workitem_updates.ms_docs.json", "azure_workitem_revisions.ms_docs.json")
    assert stays(both, "azure:1") == [("New", new_to_active), ("Active", None)]


def test_azure_reporting_feed_by_hand() -> None:
    _, out = load("azure_reporting_workitemrevisions.ms_docs.json")
    # item 3 is seen at revision 8 only: Done since its ClosedDate, earlier states unknown
    assert stays(out, "azure:3") == [("Done", None)]
    assert item(out, "azure:3")["done_at"] == ts("2014-03-18T17:19:02.093Z")
    assert item(out, "azure:3")["kind"] == "feature"  # Product Backlog Item
    # the epic, at its first revision: New since it was created; not a unit of flow
    assert stays(out, "azure:350") == [("New", None)]
    assert item(out, "azure:350")["kind"] == ""


def test_azure_artifact_query_links_commits() -> None:
    sha = "4800cfa0be564b1e606d6811e99e0380f765a9c4"
    _, out = load("azure_workitem_updates.ms_docs.json", "azure_artifacturiquery.ms_docs.json",
                  tables=git_tables([(sha, "2017-09-05T00:00:00Z")]))
    assert out.item_links[["item_id", "change_id", "how"]].values.tolist() == [
        ["azure:1", sha, "tracker"]]
    # two links in the query: work item 2 is not loaded
    assert report(out, "azure_artifacturiquery.ms_docs.json").linked == 1
    # Active is not done: linked but not delivered
    assert pd.isna(item(out, "azure:1")["delivered_at"])


# -- generic table ---------------------------------------------------------------------------------

def test_generic_csv_and_json(tmp_path: Path) -> None:
    csv = tmp_path / "linear.csv"
    csv.write_text("Item ID,Type,Title,Status,Changed At,Category\n"
                   "LIN-1,Story,Login,Backlog,2024-01-01T09:00:00Z,To Do\n"
                   "LIN-1,Story,Login,Doing,2024-01-02T09:00:00Z,In Progress\n"
                   "LIN-1,Story,Login,Doing,2024-01-02T09:00:00Z,In Progress\n"
                   "LIN-1,Story,Login,Shipped,2024-01-04T21:00:00Z,Done\n")
    _, out = load(csv)
    # rows are status changes; the repeated one is kept once; "Doing"/"Shipped" get their
    # categories from the table
    assert stays(out, "LIN-1") == [("Backlog", 86400.0), ("Doing", 2.5 * 86400), ("Shipped", None)]
    row = item(out, "LIN-1")
    assert row["done_at"] == pd.Timestamp("2024-01-04T21:00:00Z")
    assert row["created_at"] == pd.Timestamp("2024-01-01T09:00:00Z")  # its first change
    assert report(out, "linear.csv").format == "generic_status_changes_csv"
    js = tmp_path / "trello.json"
    js.write_text(json.dumps([{"card": "T-9", "list": "To Do", "moved_at": "2024-02-01 10:00",
                               "type": "Bug"},
                              {"card": "T-9", "list": "Done", "moved_at": "2024-02-01 12:00",
                               "type": "Bug"}]))
    # naive times need a zone: the project's
    with pytest.raises(AssertionError, match="moved_at"):
        load(js)
    _, out2 = load(js, options=ImportOptions(default_tz="Europe/Berlin"))
    assert stays(out2, "T-9") == [("To Do", 7200.0), ("Done", None)]
    assert item(out2, "T-9")["done_at"] == pd.Timestamp("2024-02-01T11:00:00Z")


@pytest.mark.parametrize(("text", "where"), [
    ("item_id,status\nA,Open\n", 'field "changed_at"'),
    ("item_id,status,changed_at\nA,Open,yesterday\n", 'line 2, record 1, field "changed_at"'),
    ("item_id,status,changed_at,category\nA,Open,2024-01-01T00:00:00Z,maybe\n",
     'field "category"'),
])
def test_generic_bad_values_are_located(tmp_path: Path, text: str, where: str) -> None:
    p = tmp_path / "items.csv"
    p.write_text(text)
    result = import_files([("items", str(p))])
    assert len(result.errors) == 1
    message = str(result.errors[0])
    assert message.startswith("items.csv: ") and where in message, message


def test_bad_jira_timestamp_is_located(tmp_path: Path) -> None:
    issue: dict[str, Any] = json.loads(
        (TRACKERS / "jira_search_issues_changelog.jirametrics.json").read_text())[0]
    issue["changelog"]["histories"][0]["created"] = "not a date"
    (tmp_path / "s.json").write_text(json.dumps([issue]))
    result = import_files([("items", str(tmp_path / "s.json"))])
    assert isinstance(result.errors[0], ImportProblem)
    assert 'field "changelog.histories.created"' in str(result.errors[0])
    assert "record 1" in str(result.errors[0])


def test_project_choices_override_kinds_and_categories() -> None:
    opts = ImportOptions(items=ItemSettings(type_kinds={"STORY": "debt", "Epic": "feature"},
                                            status_categories={"review": "done"}))
    _, out = load("jira_search_issues_changelog.jirametrics.json",
                  "jira_board_issues_changelog.devlake.json", options=opts)
    assert item(out, "jira:SP-10")["kind"] == "debt"
    assert item(out, "jira:K5-4")["kind"] == "feature"  # the project counts epics
    # Review now counts as done: SP-10 was done from Review on
    assert item(out, "jira:SP-10")["done_at"] == ts("2021-09-06T04:34:21.385+0000")
