"""import_files (bad input, duplicates, hints, progress) and link on hand-built git tables.

The git history of the linking tests (every value below is computed by hand)::

    c1 ── c2 ─────── m3 ── c4        first-parent chain of main, one change each
            \\       /
             f1 ───┘                 f1: the commit of PR #11, merged by m3

    PR #10 (squash): commits a0 (authored 01-02 08:00) and a1 (01-02 13:00), squashed into c2
    PR #11 (merge):  commit f1 (01-04 09:00), merged by m3, label "bug"
    PR #12: closed without merging, GitHub still reports a merge_commit_sha (c4)
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from vsm_app.domain.tables import Tables, conform
from vsm_app.ingest.detect import detect
from vsm_app.ingest.errors import ImportProblem
from vsm_app.ingest.sources import ImportOptions, ImportResult, import_files, link
from vsm_app.work import Cancelled

HANDMADE = Path(__file__).parent.parent / "fixtures" / "formats" / "handmade"
FORMATS = HANDMADE.parent

C1, C2, M3, C4 = ("1" * 40, "2" * 40, "3" * 40, "4" * 40)
F1 = "f1" * 20


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def files(*names: str, hint: str = "auto") -> list[tuple[str, str]]:
    return [(hint, str(HANDMADE / n)) for n in names]


# -- bad input ------------------------------------------------------------------------------

def test_a_bad_file_is_reported_and_the_others_still_import() -> None:
    r = import_files(files("truncated_runs.json", "runs_paginated.json"))
    assert len(r.errors) == 1
    assert str(r.errors[0]).startswith("truncated_runs.json: line 94, record 2:")
    assert [(rep.format, rep.records) for rep in r.reports] == [
        ("github_actions_runs", 0), ("github_actions_runs", 3)]
    assert r.reports[0].problems == [str(r.errors[0])]
    assert sorted(r.ci_runs["run_id"]) == ["101", "102", "103"]


def test_wrong_type_in_a_field_names_record_line_and_field() -> None:
    r = import_files(files("runs_bad_timestamp.ndjson", "runs_bad_attempt.json"))
    assert [str(e) for e in r.errors] == [
        'runs_bad_timestamp.ndjson: line 3, record 3, field "created_at": not a timestamp '
        '("yesterday")',
        'runs_bad_attempt.json: line 3, record 2, field "run_attempt": not an integer '
        '("second")',
    ]


def test_csv_missing_required_column() -> None:
    r = import_files(files("deployments_missing_sha.csv"))
    (err,) = r.errors
    assert str(err).startswith('deployments_missing_sha.csv: line 1, field "sha": missing '
                               'required column "sha" (accepted: sha, commit_sha')


def test_naive_timestamps_without_zone_are_an_error_unless_a_default_is_set() -> None:
    r = import_files(files("pagerduty_analytics_no_tz.json"))
    (err,) = r.errors
    assert str(err) == ('pagerduty_analytics_no_tz.json: line 1, record 1, field "created_at": '
                        'no time zone in "2023-05-31T10:05:00": set a default time zone to '
                        'read timestamps without one')
    ok = import_files(files("pagerduty_analytics_no_tz.json"),
                      ImportOptions(default_tz="Europe/Berlin"))
    assert not ok.errors
    assert ok.incidents["opened_at"].tolist() == [utc("2023-05-31 08:05:00")]


def test_unrecognised_format_lists_the_supported_ones() -> None:
    r = import_files(files("unknown.json", "unknown.csv", "empty.json"))
    msgs = [str(e) for e in r.errors]
    assert msgs[0].startswith("unknown.json: unrecognised format (keys hello); supported "
                              "formats: github_actions_jobs, github_actions_runs, gh_run_list")
    assert "pagerduty_incidents" in msgs[0] and "generic_deployments_csv" in msgs[0]
    assert msgs[1].startswith("unknown.csv: unrecognised format")
    assert msgs[2] == "empty.json: the file is empty"


def test_family_hint_limits_detection() -> None:
    with pytest.raises(ImportProblem) as err:
        detect(FORMATS / "gh_pr_list.constructed.json", "incidents")
    msg = str(err.value)
    assert "unrecognised format" in msg and "pagerduty_incidents" in msg
    assert "github_actions_runs" not in msg
    # a CI export given as --deployments is read (its deploy runs are deployments)
    assert detect(FORMATS / "gh_run_list.constructed.json", "deployments").name == "gh_run_list"


def test_bad_options_fail_fast() -> None:
    with pytest.raises(ImportProblem, match="deploy pattern"):
        import_files([], ImportOptions(deploy_pattern="(unclosed"))
    with pytest.raises(ImportProblem, match="unknown time zone"):
        import_files([], ImportOptions(default_tz="Mars/Olympus"))


def test_duplicates_across_files_are_kept_once() -> None:
    r = import_files(files("deployments_a.csv", "deployments_b.csv", hint="deployments"))
    assert not r.errors
    d = r.deployments.set_index("deployment_id")
    assert sorted(d.index) == ["D1", "D2", "D3", "D4", "D9"]
    # D2 is in both files; 11:40+01:00 in one is 10:40Z in the other
    assert d.loc["D2", "started_at"] == utc("2024-01-05 10:40:00")
    assert d.loc["D2", "finished_at"] == utc("2024-01-05 12:00:00")
    assert (r.reports[0].skipped, r.reports[1].skipped) == (0, 1)
    assert d.loc["D1", "environment"] == "production"  # "Production" in the file
    assert d.loc["D3", "status"] == "failure"
    assert not d.loc["D4", "is_production"]


def test_progress_and_cancel() -> None:
    seen: list[float] = []
    import_files(files("runs_paginated.json", "incidents.csv"),
                 progress=lambda f, m: seen.append(f))
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    with pytest.raises(Cancelled):
        import_files(files("runs_paginated.json"), cancelled=lambda: True)


# -- linking --------------------------------------------------------------------------------

def git_tables() -> Tables:
    """The history drawn in the module docstring, as the git importer would give it."""
    commits = pd.DataFrame({
        "sha": [C1, C2, F1, M3, C4],
        "parents": [(), (C1,), (C2,), (C2, F1), (M3,)],
        "author_time": [utc("2024-01-01 09:00"), utc("2024-01-03 10:00"),
                        utc("2024-01-04 09:00"), utc("2024-01-05 10:00"),
                        utc("2024-01-06 09:00")],
        "commit_time": [utc("2024-01-01 09:00"), utc("2024-01-03 12:00"),
                        utc("2024-01-04 09:00"), utc("2024-01-05 10:00"),
                        utc("2024-01-06 09:00")],
        "repo": "shop",
        "change_id": [C1, C2, M3, M3, C4],
    })
    changes = pd.DataFrame({
        "change_id": [C4, M3, C2, C1],
        "merge_sha": [C4, M3, C2, C1],
        "first_commit_at": [utc("2024-01-06 09:00"), utc("2024-01-04 09:00"),
                            utc("2024-01-03 10:00"), utc("2024-01-01 09:00")],
        "merged_at": [utc("2024-01-06 09:00"), utc("2024-01-05 10:00"),
                      utc("2024-01-03 12:00"), utc("2024-01-01 09:00")],
        "kind": ["feature"] * 4,
        "repo": "shop",
    })
    tags = pd.DataFrame({"deployment_id": ["shop@v1"], "sha": [C1], "environment": ["production"],
                         "started_at": [utc("2024-01-01 10:00")],
                         "finished_at": [utc("2024-01-01 10:00")], "status": ["success"],
                         "source": ["git-tags"], "repo": ["shop"]})
    return Tables(commits=conform(commits, "commits"), changes=conform(changes, "changes"),
                  deployments=conform(tags, "deployments"))


@pytest.fixture
def linked() -> tuple[Tables, ImportResult]:
    imported = import_files(
        files("gh_pr_list_with_reviews.json", hint="prs")
        + files("gh_run_list_link.json", hint="ci")
        + files("deployments_a.csv", "deployments_b.csv", hint="deployments")
        + files("incidents.csv", hint="incidents"), ImportOptions(salt="s"))
    assert not imported.errors, [str(e) for e in imported.errors]
    return link(git_tables(), imported), imported


def test_pr_times_land_on_their_changes(linked: tuple[Tables, ImportResult]) -> None:
    tables, _ = linked
    ch = tables.changes.set_index("change_id")
    squash = ch.loc[C2]
    assert squash["pr_id"] == "acme/shop#10"
    assert squash["pr_opened_at"] == utc("2024-01-02 12:00")
    # alice's own review/comment and the bot are not reviews; carol's are
    assert squash["first_review_at"] == utc("2024-01-02 16:00")
    assert squash["approved_at"] == utc("2024-01-03 09:00")
    # squash merge: the PR's own first commit (01-02 08:00) beats the squash commit's time
    assert squash["first_commit_at"] == utc("2024-01-02 08:00")
    assert squash["kind"] == "feature"
    merge = ch.loc[M3]
    assert merge["pr_id"] == "acme/shop#11"
    assert merge["kind"] == "defect"  # label "bug"
    assert merge["first_commit_at"] == utc("2024-01-04 09:00")
    # PR #12 was closed unmerged: its merge_commit_sha (c4) must not give c4 a PR
    assert pd.isna(ch.loc[C4, "pr_id"]) and pd.isna(ch.loc[C4, "pr_opened_at"])
    assert pd.isna(ch.loc[C1, "pr_id"])


def test_ci_runs_link_to_the_change_they_built(linked: tuple[Tables, ImportResult]) -> None:
    tables, _ = linked
    change = dict(zip(tables.ci_runs["run_id"], tables.ci_runs["change_id"], strict=True))
    assert change["501"] == M3  # a commit merged by m3
    assert change["502"] == C2  # PR #10's head commit, squashed away: through the PR
    assert change["503"] == C4
    assert pd.isna(change["504"])  # unknown sha
    assert change["505"] == C2


def test_deployments_by_ancestry_replace_tags(linked: tuple[Tables, ImportResult]) -> None:
    tables, _ = linked
    deps = tables.deployments.set_index("deployment_id")
    # production deployments from the exports replace the tag; staging D4 is kept apart
    assert sorted(deps.index) == ["D1", "D2", "D3", "D4", "D9"]
    assert deps["is_production"].to_dict() == {"D1": True, "D2": True, "D3": True,
                                               "D4": False, "D9": True}
    assert deps.loc["D1", "repo"] == "shop"  # the repository holding its commit
    assert any("replaced by 4 from deployment exports" in w for w in tables.warnings)
    ch = tables.changes.set_index("change_id")
    assert ch.loc[C1, "deployment_id"] == "D1" and ch.loc[C2, "deployment_id"] == "D1"
    assert ch.loc[C2, "deployed_at"] == utc("2024-01-03 13:00")
    assert bool(ch.loc[C2, "first_deployment"])
    assert ch.loc[M3, "deployment_id"] == "D2"
    assert ch.loc[M3, "deployed_at"] == utc("2024-01-05 12:00")
    assert not bool(ch.loc[M3, "first_deployment"])
    assert pd.isna(ch.loc[C4, "deployed_at"])  # D3 failed; D4 went to staging only


def test_other_environments_become_deployed_environment_events(
        linked: tuple[Tables, ImportResult]) -> None:
    tables, _ = linked
    # D4 (staging, success, 2024-01-06 11:05) deploys c4, whose history holds every change
    ev = tables.events[tables.events["event"] == "deployed:staging"]
    assert dict(zip(ev["change_id"], ev["at"], strict=True)) == {
        C1: utc("2024-01-06 11:05"), C2: utc("2024-01-06 11:05"),
        M3: utc("2024-01-06 11:05"), C4: utc("2024-01-06 11:05")}
    assert set(tables.events["event"]) == {"deployed:staging"}


def test_incidents_link_to_the_deployment_that_shipped_their_sha(
        linked: tuple[Tables, ImportResult]) -> None:
    tables, _ = linked
    inc = tables.incidents.set_index("incident_id")
    assert inc.loc["INC-1", "deployment_id"] == "D2"  # short sha f1f1f1f1f1f1 → m3 → D2
    assert pd.isna(inc.loc["INC-2", "deployment_id"])
    assert pd.isna(inc.loc["INC-3", "deployment_id"])


def test_reports_and_data_quality(linked: tuple[Tables, ImportResult]) -> None:
    tables, _ = linked
    reps = {Path(s.path).name: s for s in tables.sources}
    got = {n: (r.format, r.records, r.linked, r.skipped) for n, r in reps.items()}
    assert got == {
        "gh_pr_list_with_reviews.json": ("gh_pr_list", 3, 2, 0),
        "gh_run_list_link.json": ("gh_run_list", 5, 4, 0),
        "deployments_a.csv": ("generic_deployments_csv", 3, 2, 0),
        # D2 again (skipped); D4 to staging is kept as a staging deployment, not skipped
        "deployments_b.csv": ("generic_deployments_csv", 3, 1, 1),
        "incidents.csv": ("generic_incidents_csv", 3, 1, 0),
    }
    dq = tables.data_quality
    assert dq["unlinked_pull_requests"] == 0
    assert dq["unlinked_ci_runs"] == 1
    assert dq["unlinked_deployments"] == 1  # D9
    assert dq["unlinked_incidents"] == 1  # INC-3
    assert dq["incidents_without_sha"] == 1  # INC-2
    # PR #11 was approved at 08:00, two hours before it was opened: counted, not clipped
    assert dq["negative_review_before_pr_opened"] == 1
    assert dq["negative_approval_before_pr_opened"] == 1
    assert dq["negative_ci_finished_before_started"] == 0
    ch = tables.changes.set_index("change_id")
    assert ch.loc[M3, "first_review_at"] == utc("2024-01-04 08:00")


def test_linking_twice_counts_once(linked: tuple[Tables, ImportResult]) -> None:
    first, imported = linked
    again = link(git_tables(), imported)
    assert [(r.linked, r.skipped, r.problems) for r in again.sources] == \
        [(r.linked, r.skipped, r.problems) for r in first.sources]


def test_commits_without_change_column_link_the_same(
        linked: tuple[Tables, ImportResult]) -> None:
    first, imported = linked
    tables = git_tables()
    tables.commits = tables.commits.drop(columns=["change_id"])
    again = link(tables, imported)
    pd.testing.assert_frame_equal(again.changes, first.changes)
    pd.testing.assert_frame_equal(again.ci_runs, first.ci_runs)


def test_a_deployment_of_an_older_commit_is_a_rollback(tmp_path: Path) -> None:
    f = tmp_path / "deploys.csv"
    f.write_text("id,sha,finished\n"
                 f"D1,{C2},2024-01-03T13:00:00Z\n"
                 f"D2,{M3},2024-01-05T12:00:00Z\n"
                 f"D5,{C2},2024-01-05T15:00:00Z\n")  # back to c2: rolls D2 back
    tables = link(git_tables(), import_files([("deployments", str(f))]))
    flags = dict(zip(tables.deployments["deployment_id"], tables.deployments["is_rollback"],
                     strict=True))
    assert flags == {"D1": False, "D2": False, "D5": True}


def test_link_without_imports_keeps_tags() -> None:
    tables = link(git_tables(), import_files([]))
    assert tables.deployments["deployment_id"].tolist() == ["shop@v1"]
    assert tables.changes.set_index("change_id").loc[C1, "deployment_id"] == "shop@v1"


def test_ci_deploy_runs_replace_tags_when_no_deployment_export() -> None:
    imported = import_files(files("gh_run_list_link.json", hint="ci"))
    tables = link(git_tables(), imported)
    assert tables.deployments["deployment_id"].tolist() == ["ci/505@1"]
    ch = tables.changes.set_index("change_id")
    assert ch.loc[C2, "deployed_at"] == utc("2024-01-03 12:55")
    assert pd.isna(ch.loc[M3, "deployed_at"])


def test_pr_commit_clock_skew_is_counted(tmp_path: Path) -> None:
    prs = json.loads((HANDMADE / "gh_pr_list_with_reviews.json").read_text())
    prs[1]["commits"][0]["authoredDate"] = "2024-01-06T00:00:00Z"  # after its merge
    f = tmp_path / "prs.json"
    f.write_text(json.dumps(prs))
    tables = link(git_tables(), import_files([("prs", str(f))]))
    assert tables.data_quality["clock_skew_pr_commit_after_merge"] == 1
