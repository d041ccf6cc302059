"""Every real export payload in tests/fixtures/formats: detection, counts, one record checked.

Expected values are written out by hand from the payloads (times converted to UTC by hand).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from vsm_app.ingest.detect import detect
from vsm_app.ingest.sources import ImportOptions, ImportResult, import_files

FORMATS = Path(__file__).parent.parent / "fixtures" / "formats"

DETECTED = {
    "devlake_webhook_deployment.constructed.json": ("devlake_deployment", "deployments"),
    "devlake_webhook_incident.constructed.json": ("devlake_incident", "incidents"),
    "fourkeys_github_incident_issue_event.constructed.json": ("github_issue_events",
                                                              "incidents"),
    "gh_pr_list.constructed.json": ("gh_pr_list", "prs"),
    "gh_run_list.constructed.json": ("gh_run_list", "ci"),
    "github_actions_jobs.pygithub.json": ("github_actions_jobs", "ci"),
    "github_actions_run_rerun_attempt.pygithub.json": ("github_actions_runs", "ci"),
    "github_actions_runs.devlake.json": ("github_actions_runs", "ci"),
    "github_actions_runs.docs_example.json": ("github_actions_runs", "ci"),
    "github_actions_runs_legacy_2020.pygithub.json": ("github_actions_runs", "ci"),
    "github_deployment_statuses.pygithub.json": ("github_deployment_statuses", "deployments"),
    "github_deployments.pygithub.json": ("github_deployments", "deployments"),
    "github_issues_state_all.devlake.json": ("github_issues", "incidents"),
    "github_pull_reviews.json": ("github_pull_reviews", "reviews"),
    "github_pulls_state_all.devlake.json": ("github_pulls", "prs"),
    "gitlab_deployments.devlake.json": ("gitlab_deployments", "deployments"),
    "gitlab_jobs.devlake.json": ("gitlab_jobs", "ci"),
    "gitlab_merge_requests.devlake.json": ("gitlab_merge_requests", "prs"),
    "gitlab_pipeline_details.devlake.json": ("gitlab_pipelines", "ci"),
    "gitlab_pipelines_list.devlake.json": ("gitlab_pipeline_list", "ci"),
    "jenkins_job_builds.devlake.json": ("jenkins_builds", "ci"),
    "jenkins_wfapi_stages.devlake.json": ("jenkins_wfapi_stages", "ci"),
    "opsgenie_incidents.devlake.json": ("opsgenie_incidents", "incidents"),
    "pagerduty_analytics_raw_incidents.official_example.json": (
        "pagerduty_analytics_incidents", "incidents"),
    "pagerduty_incidents.devlake.json": ("pagerduty_incidents", "incidents"),
    "pagerduty_incidents.official_example.json": ("pagerduty_incidents", "incidents"),
}


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def load(*names: str, **options: object) -> ImportResult:
    result = import_files([("auto", str(FORMATS / n)) for n in names],
                          ImportOptions(salt="test", **options))  # type: ignore[arg-type]
    assert not result.errors, [str(e) for e in result.errors]
    return result


def row(frame: pd.DataFrame, column: str, value: str) -> pd.Series:
    hits = frame[frame[column] == value]
    assert len(hits) == 1, f"{column}={value!r}: {len(hits)} rows"
    return hits.iloc[0]


def test_every_shared_payload_is_covered() -> None:
    payloads = sorted(p.name for p in FORMATS.glob("*.json"))
    assert payloads == sorted(DETECTED)


@pytest.mark.parametrize("name", sorted(DETECTED))
def test_detect_from_content(name: str, tmp_path: Path) -> None:
    # the file name never matters: a copy under a neutral name is recognised the same
    copy = tmp_path / "export.dat"
    copy.write_bytes((FORMATS / name).read_bytes())
    info = detect(copy)
    assert (info.name, info.family) == DETECTED[name]


# -- CI -----------------------------------------------------------------------------------

def test_github_runs_docs_example_queued_run() -> None:
    r = load("github_actions_runs.docs_example.json")
    assert (r.reports[0].format, r.reports[0].records) == ("github_actions_runs", 1)
    run = row(r.ci_runs, "run_id", "30433642")
    assert run["sha"] == "acb5820ced9479c074f688cc328bf03f341a511d"
    assert run["workflow"] == "Build"
    assert run["attempt"] == 1
    # status "queued": waiting since created_at, not started, not finished, no conclusion
    assert run["queued_at"] == utc("2020-01-22 19:33:08")
    assert pd.isna(run["started_at"]) and pd.isna(run["finished_at"])
    assert pd.isna(run["conclusion"])


def test_github_runs_devlake_completed_rerun_and_in_progress() -> None:
    r = load("github_actions_runs.devlake.json")
    assert r.reports[0].records == 4 and len(r.ci_runs) == 4
    ok = row(r.ci_runs, "run_id", "2566218976")
    assert ok["sha"] == "32664cb1408f8d9ffa7236335025a4cd94a306ce"
    assert ok["workflow"] == "CodeQL"
    assert (ok["queued_at"], ok["started_at"], ok["finished_at"]) == (
        utc("2022-06-27 01:29:54"), utc("2022-06-27 01:29:54"), utc("2022-06-27 01:30:55"))
    assert ok["conclusion"] == "success" and ok["attempt"] == 1
    # attempt 2: created_at is still attempt 1's (2022-06-30), so no queue time
    rerun = row(r.ci_runs, "run_id", "2589885635")
    assert rerun["attempt"] == 2 and rerun["latest_attempt"]
    assert pd.isna(rerun["queued_at"])
    assert rerun["started_at"] == utc("2022-07-01 13:34:14")
    assert rerun["finished_at"] == utc("2022-07-01 13:35:19")
    assert rerun["conclusion"] == "failure"
    # in progress: kept, no finish, no conclusion (never a zero duration)
    wip = row(r.ci_runs, "run_id", "2559507315")
    assert wip["started_at"] == utc("2022-06-25 05:02:56")
    assert pd.isna(wip["finished_at"]) and pd.isna(wip["conclusion"])


def test_github_runs_legacy_2020_without_attempt_or_start() -> None:
    r = load("github_actions_runs_legacy_2020.pygithub.json")
    assert len(r.ci_runs) == 2
    run = row(r.ci_runs, "run_id", "110932306")
    assert run["sha"] == "7abf600480089550b4224aa97004367c2fa25b38"
    assert pd.isna(run["attempt"]) and pd.isna(run["queued_at"])
    assert run["started_at"] == utc("2020-05-20 23:59:37")  # created_at: its only start
    assert run["finished_at"] == utc("2020-05-21 00:02:14")
    assert run["conclusion"] == "success"
    assert run["workflow"] == "workflow 1026390"


def test_github_rerun_attempt_replies() -> None:
    r = load("github_actions_run_rerun_attempt.pygithub.json")
    rep = r.reports[0]
    # two replies describe the same attempt 2: one row, one duplicate skipped
    assert (rep.records, rep.skipped, len(r.ci_runs)) == (2, 1, 1)
    run = r.ci_runs.iloc[0]
    assert run["run_id"] == "26365060973" and run["attempt"] == 2
    assert pd.isna(run["queued_at"])  # created_at 2026-05-24 is attempt 1's
    assert run["started_at"] == utc("2026-05-29 15:42:05")
    assert run["finished_at"] == utc("2026-05-29 15:43:47")
    assert run["conclusion"] == "success" and run["latest_attempt"]


def test_rerun_attempts_are_rows_and_latest_decides(tmp_path: Path) -> None:
    first = {"id": 9, "name": "CI", "head_sha": "a" * 40, "workflow_id": 1, "run_attempt": 1,
             "status": "completed", "conclusion": "failure", "created_at": "2024-01-01T10:00:00Z",
             "run_started_at": "2024-01-01T10:00:10Z", "updated_at": "2024-01-01T10:05:00Z"}
    second = dict(first, run_attempt=2, conclusion="success",
                  run_started_at="2024-01-01T11:00:00Z", updated_at="2024-01-01T11:04:00Z")
    f = tmp_path / "attempts.ndjson"
    f.write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n")
    runs = import_files([("ci", str(f))]).ci_runs.sort_values("attempt")
    assert runs["attempt"].tolist() == [1, 2]
    assert runs["latest_attempt"].tolist() == [False, True]
    assert runs["conclusion"].tolist() == ["failure", "success"]
    assert runs["queued_at"].tolist()[0] == utc("2024-01-01 10:00:00")
    assert pd.isna(runs["queued_at"].tolist()[1])


def test_github_jobs() -> None:
    r = load("github_actions_jobs.pygithub.json")
    assert len(r.ci_runs) == 2
    job = row(r.ci_runs, "run_id", "job/11421878319")
    assert job["parent_id"] == "4205440316" and job["level"] == "job"
    assert job["sha"] == "06ec040b2eeef6c0316dd5abcda0608525a3f205"
    assert (job["workflow"], job["job"]) == ("CI", "test (Python 3.7)")
    assert job["queued_at"] == utc("2023-02-17 16:03:38")
    assert job["started_at"] == utc("2023-02-17 16:03:46")
    assert job["finished_at"] == utc("2023-02-17 16:04:52")
    assert job["conclusion"] == "success" and job["attempt"] == 1


def test_gh_run_list_empty_conclusion_and_zero_time() -> None:
    r = load("gh_run_list.constructed.json")
    assert len(r.ci_runs) == 3
    ok = row(r.ci_runs, "run_id", "2566218976")
    assert ok["sha"] == "32664cb1408f8d9ffa7236335025a4cd94a306ce"
    assert (ok["queued_at"], ok["started_at"], ok["finished_at"]) == (
        utc("2022-06-27 01:29:54"), utc("2022-06-27 01:29:54"), utc("2022-06-27 01:30:55"))
    assert ok["conclusion"] == "success"
    wip = row(r.ci_runs, "run_id", "2559507315")
    assert pd.isna(wip["conclusion"]) and pd.isna(wip["finished_at"])  # conclusion ""


def test_gitlab_pipeline_details_with_queue() -> None:
    r = load("gitlab_pipeline_details.devlake.json")
    assert len(r.ci_runs) == 2
    p = row(r.ci_runs, "run_id", "gitlab-pipeline/1079555385")
    assert p["sha"] == "b5b8ec19fbddefe1374e87b05775f238ac06003e"
    assert p["started_at"] == utc("2023-11-21 03:28:32.970")
    assert p["finished_at"] == utc("2023-11-21 03:51:44.872")
    assert p["queued_at"] == utc("2023-11-21 03:28:30.970")  # started - queued_duration 2 s
    assert p["conclusion"] == "success"
    assert row(r.ci_runs, "run_id", "gitlab-pipeline/1079502706")["conclusion"] == "failure"


def test_gitlab_pipeline_list_has_no_timings() -> None:
    r = load("gitlab_pipelines_list.devlake.json")
    assert (r.reports[0].format, r.reports[0].records) == ("gitlab_pipeline_list", 2)
    assert r.ci_runs[["queued_at", "started_at", "finished_at"]].isna().all().all()
    running = row(r.ci_runs, "run_id", "gitlab-pipeline/457474837")
    assert pd.isna(running["conclusion"])
    assert running["sha"] == "b1b82852d48b516a18e56c5bab0ebf54b8f4ccfd"
    assert row(r.ci_runs, "run_id", "gitlab-pipeline/457474996")["conclusion"] == "failure"
    assert any("no timings" in p for p in r.reports[0].problems)


def test_gitlab_jobs() -> None:
    r = load("gitlab_jobs.devlake.json")
    ok = row(r.ci_runs, "run_id", "gitlab-job/120")
    assert ok["sha"] == "532f453a0942f78d5cf8e6e57ad75a3c1da83212"
    assert (ok["workflow"], ok["job"], ok["parent_id"]) == ("test", "format",
                                                            "gitlab-pipeline/41")
    assert ok["started_at"] == utc("2022-07-29 02:10:58.370")
    assert ok["finished_at"] == utc("2022-07-29 02:11:55.170")
    assert pd.isna(ok["queued_at"]) and ok["conclusion"] == "success"
    failed = row(r.ci_runs, "run_id", "gitlab-job/152")
    assert pd.isna(failed["started_at"])
    assert failed["finished_at"] == utc("2022-08-25 23:00:08.594")
    assert failed["conclusion"] == "failure"


def test_jenkins_builds_epoch_ms() -> None:
    r = load("jenkins_job_builds.devlake.json")
    assert len(r.ci_runs) == 3
    b = row(r.ci_runs, "workflow", "my-org » devlake-jenkins » main")
    assert b["run_id"] == "jenkins/my-org » devlake-jenkins » main #4"
    assert b["sha"] == "c83ae02076382670e286ac2474b7a7327fc28cde"
    # timestamp 1711277551963 ms; duration 30415 ms
    assert b["started_at"] == utc("2024-03-24 10:52:31.963")
    assert b["finished_at"] == utc("2024-03-24 10:53:02.378")
    assert b["conclusion"] == "success" and pd.isna(b["queued_at"])
    failed = row(r.ci_runs, "workflow", "my-org » devlake-jenkins » feature-2")
    assert failed["conclusion"] == "failure" and pd.isna(failed["sha"])
    assert row(r.ci_runs, "workflow", "my-org » devlake-jenkins » PR-2")["conclusion"] == \
        "cancelled"


def test_jenkins_build_in_progress(tmp_path: Path) -> None:
    f = tmp_path / "builds.json"
    f.write_text(json.dumps({"_class": "x", "builds": [
        {"number": 7, "fullDisplayName": "app #7", "building": True, "result": None,
         "timestamp": 1711277551963, "duration": 0}]}))
    run = import_files([("ci", str(f))]).ci_runs.iloc[0]
    assert pd.isna(run["conclusion"]) and pd.isna(run["finished_at"])
    assert run["started_at"] == utc("2024-03-24 10:52:31.963")


def test_jenkins_wfapi_stages() -> None:
    r = load("jenkins_wfapi_stages.devlake.json")
    assert len(r.ci_runs) == 3
    s = row(r.ci_runs, "run_id", "jenkins-stage/pipeline-test2/2#6")
    assert (s["workflow"], s["job"], s["level"]) == ("pipeline-test2", "Hello", "stage")
    assert s["started_at"] == utc("2022-09-08 15:40:34.424")
    assert s["finished_at"] == utc("2022-09-08 15:40:34.503")
    assert s["conclusion"] == "success"


def test_jenkins_stages_take_their_build_sha(tmp_path: Path) -> None:
    builds = {"_class": "x", "builds": [
        {"url": "https://ci.example/job/shop/job/main/4/", "fullDisplayName": "shop » main #4",
         "number": 4, "result": "SUCCESS", "timestamp": 1711277551963, "duration": 60000,
         "actions": [{"lastBuiltRevision": {"SHA1": "c" * 40}}]}]}
    describe = {"_links": {"self": {"href": "/job/shop/job/main/4/wfapi/describe"}},
                "id": "4", "name": "#4", "status": "SUCCESS", "stages": [
                    {"id": "9", "name": "Deploy", "status": "SUCCESS",
                     "startTimeMillis": 1711277581963, "durationMillis": 20000}]}
    (tmp_path / "builds.json").write_text(json.dumps(builds))
    (tmp_path / "stages.json").write_text(json.dumps(describe))
    r = import_files([("ci", str(tmp_path / "builds.json")),
                      ("ci", str(tmp_path / "stages.json"))])
    stage = row(r.ci_runs, "run_id", "jenkins-stage/shop/main/4#9")
    assert stage["parent_id"] == "jenkins/shop/main/4"
    assert row(r.ci_runs, "run_id", "jenkins/shop/main/4")["sha"] == "c" * 40
    assert stage["sha"] == "c" * 40 and stage["is_deploy"]
    assert stage["finished_at"] == utc("2024-03-24 10:53:21.963")
    deps = r.ci_deployments()
    assert deps["deployment_id"].tolist() == ["ci/jenkins-stage/shop/main/4#9"]


def test_deploy_detection_by_name_and_environment(tmp_path: Path) -> None:
    jobs = {"total_count": 3, "jobs": [
        {"id": 1, "run_id": 10, "workflow_name": "Release", "name": "Deploy web",
         "head_sha": "a" * 40, "status": "completed", "conclusion": "success",
         "created_at": "2024-01-01T10:00:00Z", "started_at": "2024-01-01T10:00:05Z",
         "completed_at": "2024-01-01T10:03:00Z"},
        {"id": 2, "run_id": 10, "workflow_name": "Release", "name": "deploy web",
         "environment": "staging", "head_sha": "a" * 40, "status": "completed",
         "conclusion": "success", "created_at": "2024-01-01T10:00:00Z",
         "started_at": "2024-01-01T10:00:05Z", "completed_at": "2024-01-01T10:03:00Z"},
        {"id": 3, "run_id": 10, "workflow_name": "Release", "name": "test",
         "head_sha": "a" * 40, "status": "completed", "conclusion": "success",
         "created_at": "2024-01-01T10:00:00Z", "started_at": "2024-01-01T10:00:05Z",
         "completed_at": "2024-01-01T10:03:00Z"}]}
    f = tmp_path / "jobs.json"
    f.write_text(json.dumps(jobs))
    r = import_files([("ci", str(f))])
    # the name decides whether a job deploys; the environment whether that is production
    flags = dict(zip(r.ci_runs["run_id"], r.ci_runs["is_deploy"], strict=True))
    assert flags == {"job/1": True, "job/2": True, "job/3": False}
    prod = dict(zip(r.ci_runs["run_id"], r.ci_runs["is_production"], strict=True))
    assert prod == {"job/1": True, "job/2": False, "job/3": True}  # no environment: production
    deps = r.ci_deployments()
    assert deps["deployment_id"].tolist() == ["ci/job/1", "ci/job/2"]  # no run_attempt
    assert deps["is_production"].tolist() == [True, False]
    assert deps["environment"].tolist()[1] == "staging"
    assert deps["finished_at"].tolist() == [utc("2024-01-01 10:03:00")] * 2
    custom = import_files([("ci", str(f))], ImportOptions(deploy_pattern="^test$",
                                                          production_environments=("staging",)))
    flags = dict(zip(custom.ci_runs["run_id"], custom.ci_runs["is_deploy"], strict=True))
    assert flags == {"job/1": False, "job/2": False, "job/3": True}
    prod = dict(zip(custom.ci_runs["run_id"], custom.ci_runs["is_production"], strict=True))
    assert prod == {"job/1": True, "job/2": True, "job/3": True}


# -- reviews ------------------------------------------------------------------------------

def test_github_pulls_merged_and_closed_unmerged() -> None:
    r = load("github_pulls_state_all.devlake.json")
    prs = r.pull_requests
    assert len(prs) == 2
    merged = row(prs, "pr_id", "panjf2000/ants#4")
    assert merged["opened_at"] == utc("2018-07-25 08:19:30")
    assert merged["merged_at"] == utc("2018-07-26 02:32:41")
    assert merged["closed_at"] == utc("2018-07-26 02:32:41")
    assert merged["merge_sha"] == "3ddd58c390b0f928a5782c235f90ad0c9c21312c"
    assert merged["labels"] == ("enhancement",)
    assert (merged["kind"], merged["kind_source"]) == ("feature", "labels")
    assert merged["state"] == "merged"
    assert len(merged["author_key"]) == 16 and "barryz" not in merged["author_key"]
    # closed without merging: it still has a merge_commit_sha, but it is not merged
    closed = row(prs, "pr_id", "panjf2000/ants#8")
    assert closed["state"] == "closed"
    assert pd.isna(closed["merged_at"]) and pd.isna(closed["merge_sha"])
    assert closed["kind"] == "defect"  # label "bug"


def test_no_clear_text_author_anywhere() -> None:
    r = load("github_pulls_state_all.devlake.json", "gh_pr_list.constructed.json",
             "github_pull_reviews.json", "gitlab_merge_requests.devlake.json")
    text = r.pull_requests.astype(str).to_csv() + r.reviews.astype(str).to_csv()
    # (panjf2000 is also the repository owner, so it appears in pr_id: not a person field)
    for login in ("barryz", "hongli-my", "choleraehyq", "Ferada", "emilie", "nehiljain"):
        assert login not in text


def test_gh_pr_list() -> None:
    r = load("gh_pr_list.constructed.json")
    assert len(r.pull_requests) == 2
    pr = row(r.pull_requests, "pr_id", "panjf2000/ants#4")
    assert pr["merge_sha"] == "3ddd58c390b0f928a5782c235f90ad0c9c21312c"
    assert pr["opened_at"] == utc("2018-07-25 08:19:30")
    assert pr["merged_at"] == utc("2018-07-26 02:32:41")
    assert pr["head_shas"] == ("83042d709562a53973c78901ca5df7e7cddbe677",)
    assert pd.isna(row(r.pull_requests, "pr_id", "panjf2000/ants#8")["merged_at"])


def test_same_prs_from_two_exports_are_merged_once() -> None:
    r = load("github_pulls_state_all.devlake.json", "gh_pr_list.constructed.json")
    assert len(r.pull_requests) == 2
    assert r.reports[1].skipped == 2
    # the labels of the REST export survive the merge with the label-less gh copy
    assert row(r.pull_requests, "pr_id", "panjf2000/ants#4")["labels"] == ("enhancement",)
    assert row(r.pull_requests, "pr_id", "panjf2000/ants#8")["kind"] == "defect"


def test_gitlab_merge_requests() -> None:
    r = load("gitlab_merge_requests.devlake.json")
    prs = r.pull_requests
    assert len(prs) == 3
    mr = row(prs, "pr_id", "gitlab-data/snowflake_spend!1")
    assert mr["number"] == 1 and mr["repo"] == "gitlab-data/snowflake_spend"
    assert mr["opened_at"] == utc("2019-06-28 05:21:43.743")
    assert mr["merged_at"] == utc("2019-06-28 14:32:06.192")
    assert mr["merge_sha"] == "da1d6dea48f5972ffc683da6cff30934e7d6c52c"
    assert row(prs, "pr_id", "gitlab-data/snowflake_spend!9")["state"] == "open"
    closed = row(prs, "pr_id", "gitlab-data/snowflake_spend!13")
    assert closed["state"] == "closed"
    assert closed["closed_at"] == utc("2020-08-27 20:20:08.150")


def test_github_pull_reviews_file() -> None:
    r = load("github_pull_reviews.json")
    rv = r.reviews
    assert len(rv) == 3
    approved = row(rv, "review_id", "261942907")
    assert (approved["repo"], approved["number"]) == ("coleslaw-org/coleslaw", 173)
    assert approved["state"] == "APPROVED"
    assert approved["at"] == utc("2019-07-15 16:42:30")
    # none of these reviews belongs to a loaded PR: counted, not linked
    assert r.reports[0].linked == 0 and not rv["linked"].any()


def test_reviews_from_a_separate_file_link_by_url(tmp_path: Path) -> None:
    pulls = json.loads((FORMATS / "github_pulls_state_all.devlake.json").read_text())
    reviews = [
        {"id": 1, "user": {"login": "barryz", "type": "User"}, "state": "COMMENTED",
         "submitted_at": "2018-07-25T09:00:00Z",
         "html_url": "https://github.com/panjf2000/ants/pull/4#pullrequestreview-1"},
        {"id": 2, "user": {"login": "codecov[bot]", "type": "Bot"}, "state": "COMMENTED",
         "submitted_at": "2018-07-25T09:30:00Z",
         "pull_request_url": "https://api.github.com/repos/panjf2000/ants/pulls/4"},
        {"id": 3, "user": {"login": "panjf2000", "type": "User"}, "state": "COMMENTED",
         "submitted_at": "2018-07-25T10:00:00Z",
         "pull_request_url": "https://api.github.com/repos/panjf2000/ants/pulls/4"},
        {"id": 4, "user": {"login": "panjf2000", "type": "User"}, "state": "APPROVED",
         "submitted_at": "2018-07-26T01:00:00+02:00",
         "pull_request_url": "https://api.github.com/repos/panjf2000/ants/pulls/4"},
        {"id": 5, "user": {"login": "x"}, "state": "PENDING"},
    ]
    (tmp_path / "pulls.json").write_text(json.dumps(pulls))
    (tmp_path / "reviews.json").write_text(json.dumps(reviews))
    r = import_files([("prs", str(tmp_path / "pulls.json")),
                      ("prs", str(tmp_path / "reviews.json"))])
    pr = row(r.pull_requests, "pr_id", "panjf2000/ants#4")
    # author's own comment and the bot do not count
    assert pr["first_review_at"] == utc("2018-07-25 10:00:00")
    assert pr["approved_at"] == utc("2018-07-25 23:00:00")
    rep = r.reports[1]
    assert (rep.records, rep.skipped, rep.linked) == (5, 1, 4)


# -- deployments ----------------------------------------------------------------------------

def test_github_deployments_status_from_latest_status() -> None:
    r = load("github_deployments.pygithub.json", "github_deployment_statuses.pygithub.json")
    d = r.deployments
    assert len(d) == 2
    test = row(d, "deployment_id", "github-deployment/263877258")
    assert test["sha"] == "743f5a58b0bce91c4eab744ff7e39dfca9e6e8a5"
    assert test["environment"] == "test" and not test["is_production"]
    assert test["started_at"] == utc("2020-08-26 11:44:53")
    assert test["status"] == "in_progress"  # both statuses are "queued"
    assert pd.isna(test["finished_at"])
    prod = row(d, "deployment_id", "github-deployment/262350588")
    assert prod["environment"] == "production" and prod["is_production"]
    assert pd.isna(prod["status"])  # no status loaded for it: outcome unknown
    assert r.reports[1].linked == 2
    assert any("without a status" in p for p in r.reports[0].problems)


def test_github_deployment_inactive_status_is_ignored(tmp_path: Path) -> None:
    deps = [{"id": 5, "sha": "a" * 40, "ref": "main", "task": "deploy",
             "environment": "Production", "created_at": "2024-01-01T10:00:00Z"},
            {"id": 6, "sha": "b" * 40, "ref": "main", "task": "deploy",
             "environment": "production", "created_at": "2023-12-01T10:00:00Z"}]
    statuses = [
        {"id": 1, "state": "in_progress", "created_at": "2024-01-01T10:00:30Z",
         "url": "https://api.github.com/repos/o/r/deployments/5/statuses/1"},
        {"id": 2, "state": "success", "created_at": "2024-01-01T10:04:00Z",
         "url": "https://api.github.com/repos/o/r/deployments/5/statuses/2"},
        {"id": 3, "state": "inactive", "created_at": "2024-01-02T08:00:00Z",
         "deployment_url": "https://api.github.com/repos/o/r/deployments/5"},
        {"id": 4, "state": "inactive", "created_at": "2024-01-01T10:04:00Z",
         "url": "https://api.github.com/repos/o/r/deployments/6/statuses/4"},
    ]
    (tmp_path / "d.json").write_text(json.dumps(deps))
    (tmp_path / "s.json").write_text(json.dumps(statuses))
    r = import_files([("deployments", str(tmp_path / "d.json")),
                      ("deployments", str(tmp_path / "s.json"))])
    d = row(r.deployments, "deployment_id", "github-deployment/5")
    assert (d["status"], d["environment"]) == ("success", "production")
    assert d["finished_at"] == utc("2024-01-01 10:04:00")
    superseded = row(r.deployments, "deployment_id", "github-deployment/6")
    assert superseded["status"] == "inactive" and pd.isna(superseded["finished_at"])


def test_gitlab_deployments_use_deploy_job_times() -> None:
    r = load("gitlab_deployments.devlake.json")
    d = r.deployments
    assert len(d) == 2
    first = row(d, "deployment_id", "gitlab-deployment/13426753")
    assert first["sha"] == "add237f6852e6108ee8e0246780a54ce909c6087"
    assert first["environment"] == "staging" and not first["is_production"]
    assert first["started_at"] == utc("2019-03-13 14:17:33.559")
    assert first["finished_at"] == utc("2019-03-13 14:17:47.640")
    assert first["status"] == "success"
    assert row(d, "deployment_id", "gitlab-deployment/13432768")["status"] == "failure"


def test_devlake_webhook_deployment() -> None:
    r = load("devlake_webhook_deployment.constructed.json")
    d = r.deployments.iloc[0]
    assert d["deployment_id"] == "deploy-2022-06-27-01"
    assert d["sha"] == "32664cb1408f8d9ffa7236335025a4cd94a306ce"
    assert d["environment"] == "production" and d["is_production"]
    assert d["started_at"] == utc("2022-06-27 01:32:10")
    assert d["finished_at"] == utc("2022-06-27 01:40:55")
    assert d["status"] == "success"


def test_generic_json_tables(tmp_path: Path) -> None:
    deps = [{"ID": "rel-7", "Commit_SHA": "A" * 40, "Env": "production",
             "Finished": "2024-02-01T10:00:00+01:00", "Result": "Succeeded"},
            {"commit": "b" * 40, "deployed_at": 1706781600}]
    incs = [{"key": "INC-9", "opened": "2024-02-01T11:00:00Z", "resolved": None,
             "root_cause": "a" * 12}]
    (tmp_path / "d.json").write_text(json.dumps(deps))
    (tmp_path / "i.json").write_text(json.dumps(incs))
    r = import_files([("auto", str(tmp_path / "d.json")), ("auto", str(tmp_path / "i.json"))])
    assert [rep.format for rep in r.reports] == ["generic_deployments", "generic_incidents"]
    first = row(r.deployments, "deployment_id", "rel-7")
    assert (first["sha"], first["status"]) == ("a" * 40, "success")
    assert first["finished_at"] == utc("2024-02-01 09:00:00")
    # no id: sha and time make one, so the same row in two files is the same deployment
    second = row(r.deployments, "sha", "b" * 40)
    assert second["deployment_id"] == "bbbbbbbbbbbb@2024-02-01T10:00:00Z"
    assert second["status"] == "success"  # no status given: it happened
    inc = r.incidents.iloc[0]
    assert (inc["incident_id"], inc["sha"]) == ("INC-9", "a" * 12)
    assert pd.isna(inc["resolved_at"])


# -- incidents ----------------------------------------------------------------------------

def test_pagerduty_incidents_official_example() -> None:
    r = load("pagerduty_incidents.official_example.json")
    i = r.incidents.iloc[0]
    assert i["incident_id"] == "pagerduty/PT4KHLK"
    assert i["opened_at"] == utc("2015-10-06 21:30:42")
    assert i["resolved_at"] == utc("2015-10-06 21:38:23")
    assert i["severity"] == "P2"


def test_pagerduty_without_resolved_at_uses_last_status_change() -> None:
    r = load("pagerduty_incidents.devlake.json")
    assert len(r.incidents) == 3
    resolved = row(r.incidents, "incident_id", "pagerduty/Q1OHFWFP3GPXOG")
    assert resolved["opened_at"] == utc("2022-11-03 06:45:36")
    assert resolved["resolved_at"] == utc("2022-11-03 06:51:44")
    assert resolved["severity"] == "low"
    triggered = row(r.incidents, "incident_id", "pagerduty/Q3YON8WNWTZMRQ")
    assert pd.isna(triggered["resolved_at"])  # still open
    assert pd.isna(row(r.incidents, "incident_id", "pagerduty/Q3CZAU7Q4008QD")["resolved_at"])


def test_pagerduty_analytics_naive_times_in_page_zone(tmp_path: Path) -> None:
    r = load("pagerduty_analytics_raw_incidents.official_example.json")
    i = r.incidents.iloc[0]
    assert i["incident_id"] == "pagerduty/PYC0H08"
    assert i["opened_at"] == utc("2023-05-31 10:05:00")  # time_zone Etc/UTC
    assert i["resolved_at"] == utc("2023-05-31 10:15:00")
    assert i["severity"] == "low"
    page = json.loads((FORMATS / "pagerduty_analytics_raw_incidents.official_example.json")
                      .read_text())
    page["time_zone"] = "America/New_York"  # EDT, UTC-4 in May
    f = tmp_path / "ny.json"
    f.write_text(json.dumps(page))
    ny = import_files([("incidents", str(f))]).incidents.iloc[0]
    assert ny["opened_at"] == utc("2023-05-31 14:05:00")


def test_opsgenie_incidents() -> None:
    r = load("opsgenie_incidents.devlake.json")
    assert len(r.incidents) == 2
    done = row(r.incidents, "incident_id", "opsgenie/3f84e009-7548-4e7d-832a-fa82c1ceb6b1")
    assert done["opened_at"] == utc("2023-09-05 18:20:28.003")
    assert done["resolved_at"] == utc("2023-09-05 18:21:21.490")
    assert done["severity"] == "P5"
    still_open = row(r.incidents, "incident_id",
                     "opsgenie/3a74524a-f492-4172-b3f5-6041c7cb404a")
    assert pd.isna(still_open["resolved_at"])


def test_github_issues_skip_the_pull_request_and_unlabelled() -> None:
    r = load("github_issues_state_all.devlake.json")
    rep = r.reports[0]
    assert (rep.records, rep.skipped, len(r.incidents)) == (2, 2, 0)
    assert any("pull request" in p for p in rep.problems)


def test_github_issue_labelled_incident(tmp_path: Path) -> None:
    issues = json.loads((FORMATS / "github_issues_state_all.devlake.json").read_text())
    for item in issues:
        item["labels"].append({"name": "Incident"})
    issues[0]["body"] += "\nRoot cause: 3ddd58c390b0"
    f = tmp_path / "issues.json"
    f.write_text(json.dumps(issues))
    r = import_files([("incidents", str(f))])
    assert len(r.incidents) == 1  # the second item is a pull request, never an incident
    i = r.incidents.iloc[0]
    assert i["incident_id"] == "github/panjf2000/ants#6"
    assert i["opened_at"] == utc("2018-08-03 04:32:28")
    assert i["resolved_at"] == utc("2018-08-04 10:18:41")
    assert i["sha"] == "3ddd58c390b0"
    assert r.reports[0].skipped == 1


def test_four_keys_issue_event_root_cause() -> None:
    r = load("fourkeys_github_incident_issue_event.constructed.json")
    i = r.incidents.iloc[0]
    assert i["incident_id"] == "github/foobar#412"
    assert i["sha"] == "32664cb1408f8d9ffa7236335025a4cd94a306ce"
    assert i["opened_at"] == utc("2022-06-27 02:10:00")
    assert i["resolved_at"] == utc("2022-06-27 03:05:12")


def test_devlake_webhook_incident() -> None:
    r = load("devlake_webhook_incident.constructed.json")
    i = r.incidents.iloc[0]
    assert i["incident_id"] == "devlake/INC-412"
    assert i["opened_at"] == utc("2022-06-27 02:10:00")
    assert i["resolved_at"] == utc("2022-06-27 03:05:12")
    assert i["severity"] == "high"


def test_every_payload_imports_together() -> None:
    names = sorted(DETECTED)
    r = load(*names)
    assert len(r.reports) == len(names)
    assert sum(rep.records for rep in r.reports) == 54
    for frame in (r.ci_runs, r.deployments, r.incidents):
        for col in frame.columns:
            if col.endswith("_at"):
                assert str(frame[col].dtype) == "datetime64[ns, UTC]", col


@pytest.mark.parametrize("header, family", [
    # a deployments CSV that names its start ``started_at`` (an incident's opening alias too)
    ("deployment_id,sha,environment,started_at,finished_at,status", "deployments"),
    ("id,sha,started_at,finished_at", "deployments"),
    ("sha,environment,started_at", "deployments"),
    # incidents keep their own columns: a resolved time, an incident id or a severity
    ("id,started_at,resolved_at,sha", "incidents"),
    ("incident_id,opened,sha,environment", "incidents"),
    ("id,created_at,severity,deployment_id", "incidents"),
])
def test_generic_csv_deployments_are_not_read_as_incidents(header: str, family: str,
                                                           tmp_path: Path) -> None:
    f = tmp_path / "export.csv"
    f.write_text(header + "\n" + ",".join(
        "2024-01-05T12:00:00Z" if ("_at" in c or c in ("opened",)) else "x1"
        for c in header.split(",")) + "\n")
    assert detect(f).family == family
