"""The demo project tells the story the analysis must find (issues 4 §7, 5 §5, 6 §7, 7 §5, 18).

Story (``vsm_app.demo.generate``): a weekly release train made Release the constraint in the
first year; from June 2025 the team releases Monday/Wednesday/Friday; from October 2025
pull requests wait far longer for a first review, so Review becomes the constraint and lead
time rises. The work items behind the pull requests (a Jira export, ``vsm_app.demo.tracker``)
wait in a backlog and are analysed before the code starts: with them loaded the flow
metrics, the stages and the constraint are measured on the items, across the whole map, and
DORA stays on the changes.

The demo is generated once per module into a temporary folder and measured through the demo
project file (a copy of the packaged ``vsm_app/resources/sample/demo.vsm`` beside the generated data, so its
relative sources point at it). Wherever possible the expected values are computed here from the
raw files with plain ``json``, ``statistics`` and one ``git log``, without the importers or the
analysis code:

* first review of a pull request = its earliest review by someone other than its author;
* a change = a first-parent commit of ``main`` (a merge holds the pull request's commits);
* the deployments = the successful "Deploy" workflow runs; since every release tag sits on
  ``main``, the change at first-parent position *i* is shipped by the earliest deployment (in
  time order) whose commit is at position ≥ *i*; the first deployment's changes have no lead
  time;
* an item = a Jira issue of a type other than Epic; its stays from its changelog (sorted by
  time); its changes = the merged pull requests whose branch names its key; delivered = the
  last of those deployed, once the item is done (else, without changes, done); flow time =
  creation → delivery; a stage's time of an item = the union of its intervals inside the
  flow (its changes' review waits, their waits for a release, its stays in the backlog).

Only the window boundaries (the engine's two halves) are taken from the engine.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from vsm_app.demo.generate import DEVS, generate
from vsm_app.paths import DEMO_PROJECT
from vsm_app.pipeline import AnalyzeInputs, Measurement, analyze_tables, inputs_from_project, run
from vsm_app.storage.project_file import load_project

DEMO_VSM = DEMO_PROJECT  # the packaged sample definition
LAST_QUARTER = ("2026-08-01", "2026-11-01")
#: the middle of the generated history (2024-11-01 .. 2026-10-31)
MIDPOINT = datetime(2025, 11, 1, tzinfo=UTC)
H = 3600.0


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _ts(text: str) -> pd.Timestamp:
    ts = pd.Timestamp(text)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


@dataclass
class Change:
    """One main-line change, measured from the raw files only."""

    sha: str
    first_commit: datetime
    merged: datetime
    deployed: datetime | None = None  # finish of the deploy run that shipped it
    deploy_started: datetime | None = None
    first_deployment: bool = False
    pr: dict[str, Any] | None = None

    @property
    def review_wait_s(self) -> float | None:
        first = _first_review(self.pr) if self.pr else None
        return (first - _t(self.pr["createdAt"])).total_seconds() if first and self.pr else None

    @property
    def release_wait_s(self) -> float | None:
        if self.deploy_started is None:
            return None
        return (self.deploy_started - self.merged).total_seconds()

    @property
    def lead_time_s(self) -> float | None:
        if self.deployed is None or self.first_deployment:
            return None
        return (self.deployed - self.first_commit).total_seconds()


@dataclass
class Item:
    """One work item of the Jira export, measured from the raw files only."""

    key: str
    created: datetime
    stays: list[tuple[str, datetime, datetime | None]]  # (status, entered, left)
    changes: list[Change]
    prs: list[dict[str, Any]]

    @property
    def done_at(self) -> datetime | None:
        """Start of the final unbroken stay in Done / Won't Do."""
        at = None
        for status, entered, _ in self.stays:
            if status in DONE:
                at = at or entered
            else:
                at = None
        return at

    @property
    def finish(self) -> datetime | None:
        if not self.changes:
            return self.done_at
        if self.done_at is None or any(c.deployed is None for c in self.changes):
            return None
        return max(c.deployed for c in self.changes if c.deployed)

    @property
    def upper_bound(self) -> bool:
        last = max((c for c in self.changes if c.deployed), key=lambda c: c.deployed,
                   default=None) if self.changes else None
        return bool(last is not None and last.first_deployment and self.finish == last.deployed)

    @property
    def flow_time_s(self) -> float | None:
        if self.finish is None or self.upper_bound:
            return None
        return (self.finish - self.created).total_seconds()

    def union_s(self, spans: list[tuple[datetime, datetime]]) -> float | None:
        """Wall-clock time of the union of ``spans`` inside the item's flow (None: none)."""
        end = self.finish
        assert end is not None
        cut = sorted((max(a, self.created), min(b, end)) for a, b in spans
                     if b > self.created and a < end)
        if not cut:
            return None
        total, reach = 0.0, cut[0][0]
        for a, b in cut:
            if b > reach:
                total += (b - max(a, reach)).total_seconds()
                reach = b
        return total

    @property
    def review_wait_s(self) -> float | None:
        spans = []
        for pr in self.prs:
            first = _first_review(pr)
            if first is not None and first >= _t(pr["createdAt"]):
                spans.append((_t(pr["createdAt"]), first))
        return self.union_s(spans)

    @property
    def release_wait_s(self) -> float | None:
        return self.union_s([(c.merged, c.deploy_started) for c in self.changes
                             if c.deploy_started is not None and c.deploy_started >= c.merged])

    @property
    def backlog_wait_s(self) -> float | None:
        return self.union_s([(a, b or END) for status, a, b in self.stays
                             if status in ("Backlog", "Reopened")])


@dataclass
class Demo:
    root: Path
    prs: list[dict[str, Any]]
    changes: list[Change]
    items: list[Item]
    inputs: AnalyzeInputs
    measurement: Measurement
    whole: dict[str, Any]

    def engine(self, since: str, until: str) -> dict[str, Any]:
        inputs = replace(self.inputs, since=_ts(since), until=_ts(until))
        result: dict[str, Any] = analyze_tables(self.measurement.tables, inputs).to_json()
        return result

    def half(self, which: str) -> tuple[str, str]:
        b = self.whole["bottleneck"][which]
        return b["start"], b["end"]

    def deployed_in(self, since: str, until: str) -> list[Change]:
        lo, hi = _ts(since).to_pydatetime(), _ts(until).to_pydatetime()
        return [c for c in self.changes if c.deployed is not None and lo <= c.deployed < hi]

    def finished_in(self, since: str, until: str) -> list[Item]:
        """The items finished in ``[since, until)`` that have a flow time: the engine's
        duration cohort on items."""
        lo, hi = _ts(since).to_pydatetime(), _ts(until).to_pydatetime()
        return [i for i in self.items if i.finish is not None and lo <= i.finish < hi
                and i.flow_time_s is not None]


def _first_review(pr: dict[str, Any]) -> datetime | None:
    author = (pr.get("author") or {}).get("login")
    times = [_t(r["submittedAt"]) for r in pr.get("reviews") or []
             if r.get("submittedAt") and r.get("state") != "PENDING"
             and (r.get("author") or {}).get("login") != author]
    return min(times) if times else None


def _raw_changes(root: Path, prs: list[dict[str, Any]]) -> list[Change]:
    log = subprocess.run(
        ["git", "log", "--first-parent", "--reverse", "--format=%H %P %at %ct", "main"],
        cwd=root / "repo", capture_output=True, text=True, check=True).stdout.split("\n")
    by_merge = {pr["mergeCommit"]["oid"]: pr for pr in prs if pr.get("mergeCommit")}
    changes: list[Change] = []
    for line in filter(None, log):
        sha, *parents, author_at, commit_at = line.split()
        pr = by_merge.get(sha) if len(parents) > 1 else None
        firsts = [datetime.fromtimestamp(int(author_at), UTC)]
        if pr is not None:
            firsts += [_t(c["authoredDate"]) for c in pr["commits"]]
        merged = _t(pr["mergedAt"]) if pr else datetime.fromtimestamp(int(commit_at), UTC)
        changes.append(Change(sha, min(firsts), merged, pr=pr))
    position = {c.sha: i for i, c in enumerate(changes)}
    runs = json.loads((root / "exports" / "ci_runs.json").read_text())["workflow_runs"]
    deploys = sorted((_t(r["updated_at"]), _t(r["run_started_at"]), position[r["head_sha"]])
                     for r in runs if r["name"] == "Deploy" and r["conclusion"] == "success")
    shipped = -1  # changes[: shipped + 1] are deployed
    for n, (finished, started, pos) in enumerate(deploys):
        for c in changes[shipped + 1: pos + 1]:
            c.deployed, c.deploy_started, c.first_deployment = finished, started, n == 0
        shipped = max(shipped, pos)
    return changes


DONE = ("Done", "Won't Do")
END = datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC)
_KEY = re.compile(r"SHOP-[0-9]+")


def _raw_items(root: Path, prs: list[dict[str, Any]], changes: list[Change]) -> list[Item]:
    pages = json.loads((root / "exports" / "jira_issues.json").read_text())
    by_sha = {c.sha: c for c in changes}
    prs_of: dict[str, list[dict[str, Any]]] = {}
    for pr in prs:
        m = _KEY.search(pr["headRefName"])
        if m and pr.get("mergeCommit"):
            prs_of.setdefault(m.group(0), []).append(pr)
    items = []
    for page in pages:
        for issue in page["issues"]:
            if issue["fields"]["issuetype"]["name"] == "Epic":
                continue  # not a unit of flow
            moves = sorted((_t(h["created"]), i["fromString"], i["toString"])
                           for h in issue["changelog"]["histories"] for i in h["items"]
                           if i["field"] == "status")
            created = _t(issue["fields"]["created"])
            first = moves[0][1] if moves else issue["fields"]["status"]["name"]
            entries = [(first, created)] + [(to, at) for at, _, to in moves]
            stays = [(st, a, entries[k + 1][1] if k + 1 < len(entries) else None)
                     for k, (st, a) in enumerate(entries)]
            linked = prs_of.get(issue["key"], [])
            items.append(Item(issue["key"], created, stays,
                              [by_sha[p["mergeCommit"]["oid"]] for p in linked], linked))
    return items


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    root = tmp_path_factory.mktemp("demo")
    generate(root)
    shutil.copy(DEMO_VSM, root / "demo.vsm")  # its sources are relative: repo/, exports/…
    project = load_project(root / "demo.vsm")
    inputs = inputs_from_project(project)
    inputs.cache_dir = root / ".cache"
    measurement = run(inputs)
    assert not measurement.import_errors
    prs = json.loads((root / "exports" / "prs.json").read_text())
    changes = _raw_changes(root, prs)
    return Demo(root, prs, changes, _raw_items(root, prs, changes), inputs, measurement,
                measurement.to_json())


def _stage(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in doc["stages"] if s["name"] == name)


def test_demo_matches_the_project_file(demo: Demo) -> None:
    sources = {s["path"]: s for s in demo.whole["sources"]}
    for path in ("repo", "exports/ci_runs.json", "exports/prs.json",
                 "exports/incidents.json", "exports/jira_issues.json",
                 "exports/jira_statuses.json", "exports/jira_board.json"):
        src = sources[str((demo.root / path).resolve())]
        assert src["records"] > 0 and src["skipped"] == 0, src
    assert 1300 <= demo.whole["changes"] <= 1700
    dora = demo.whole["dora"]
    assert 0.08 <= dora["change_failure_rate"] <= 0.2
    # the deploy workflow runs replace the release tags as the deployments, one for one
    tags = subprocess.run(["git", "tag", "--list", "v*"], cwd=demo.root / "repo",
                          capture_output=True, text=True, check=True).stdout.split()
    assert demo.whole["deployments"] == len(tags)
    assert any(t.endswith(".1") for t in tags)  # hotfix releases
    # flow is on the work items: those finished in the window, found from the raw files
    w = demo.whole["window"]
    lo, hi = _ts(w["start"]).to_pydatetime(), _ts(w["end"]).to_pydatetime()
    finished = [i for i in demo.items if i.finish is not None and lo <= i.finish < hi]
    assert demo.whole["flow"]["unit"] == "items"
    assert demo.whole["items"] == len(finished) and 1000 <= len(finished) <= 1400
    # most items are linked to the changes their branches name
    jira = sources[str((demo.root / "exports/jira_issues.json").resolve())]
    assert jira["linked"] == sum(1 for i in demo.items if i.changes) > 0.85 * len(demo.items)


def test_release_cadence_moves_from_weekly_to_three_a_week(demo: Demo) -> None:
    def per_week(since: str, until: str) -> float:
        lo, hi = _t(since), _t(until)
        shipped = {c.deployed for c in demo.changes if c.deployed and lo <= c.deployed < hi}
        return len(shipped) / ((hi - lo).days / 7)

    assert 0.8 <= per_week("2025-01-06T00:00:00Z", "2025-05-26T00:00:00Z") <= 1.3
    assert 2.6 <= per_week("2026-01-05T00:00:00Z", "2026-10-26T00:00:00Z") <= 3.4


def test_dora_stays_on_the_changes(demo: Demo) -> None:
    w = demo.whole["window"]
    leads = [lt for c in demo.deployed_in(w["start"], w["end"]) if (lt := c.lead_time_s)]
    assert demo.whole["dora"]["lead_time_median_s"] == pytest.approx(statistics.median(leads),
                                                                     abs=1.0)


def test_review_wait_rises_and_matches_the_engine(demo: Demo) -> None:
    # (1a) straight from prs.json: merged pull requests before / after the middle of the data
    waits: dict[bool, list[float]] = {False: [], True: []}
    for pr in demo.prs:
        first = _first_review(pr)
        if pr.get("mergedAt") and first is not None:
            waits[_t(pr["mergedAt"]) >= MIDPOINT].append(
                (first - _t(pr["createdAt"])).total_seconds())
    before, after = statistics.median(waits[False]), statistics.median(waits[True])
    assert after > 5 * before
    assert 1.5 * H <= before <= 6 * H and 40 * H <= after <= 100 * H  # ~3 h → ~2.5–3 days

    # (1b) the engine's Review wait median per half, on the items: each item's review wait is
    # the time any of its pull requests waited for a first review (their union), for the
    # items finished in the half with a flow time (one cohort for durations)
    medians = []
    for which in ("before", "after"):
        since, until = demo.half(which)
        own = [w for i in demo.finished_in(since, until) if (w := i.review_wait_s) is not None]
        engine = _stage(demo.engine(since, until), "Review")
        assert engine["wait_count"] == len(own)
        assert engine["wait_median_s"] == pytest.approx(statistics.median(own), abs=1.0)
        medians.append(engine["wait_median_s"])
    assert medians[1] > 5 * medians[0]


def test_upstream_stages_are_measured_from_the_items(demo: Demo) -> None:
    w = demo.whole["window"]
    cohort = demo.finished_in(w["start"], w["end"])
    backlog = [b for i in cohort if (b := i.backlog_wait_s) is not None]
    engine = _stage(demo.whole, "Backlog")
    assert engine["wait_count"] == len(backlog) == len(cohort)  # every item waited there
    assert engine["wait_median_s"] == pytest.approx(statistics.median(backlog), abs=1.0)
    assert 4 * H <= engine["wait_median_s"] <= 16 * H
    analysis = _stage(demo.whole, "Analysis")
    assert analysis["active_count"] > 0.9 * len(cohort)
    assert 1 * H <= analysis["active_median_s"] <= 6 * H


def test_review_work_takes_hours_not_zero(demo: Demo) -> None:
    active = []
    for pr in demo.prs:
        first = _first_review(pr)
        approvals = [_t(r["submittedAt"]) for r in pr["reviews"] if r["state"] == "APPROVED"]
        if pr.get("mergedAt") and first and approvals:
            active.append((min(approvals) - first).total_seconds())
    assert 0.1 <= sum(a == 0 for a in active) / len(active) <= 0.4  # approved at once
    assert statistics.median(active) >= 1 * H
    assert _stage(demo.whole, "Review")["active_median_s"] >= 1 * H


def test_constraint_moves_from_release_to_review(demo: Demo) -> None:
    first_half = demo.engine(*demo.half("before"))
    last_quarter = demo.engine(*LAST_QUARTER)
    assert demo.whole["bottleneck"]["stage"] == "Review"
    assert last_quarter["bottleneck"]["stage"] == "Review"
    assert first_half["bottleneck"]["stage"] == "Release"

    # the same ordering from the raw files: Σ wait over the items finished in the window that
    # have a flow time (the common denominator of the wait shares cancels out); the backlog
    # never waits longest
    for (since, until), winner in (((demo.whole["window"]["start"],
                                     demo.whole["window"]["end"]), "Review"),
                                   (LAST_QUARTER, "Review"),
                                   (demo.half("before"), "Release")):
        cohort = demo.finished_in(since, until)
        sums = {"Review": sum(i.review_wait_s or 0.0 for i in cohort),
                "Release": sum(i.release_wait_s or 0.0 for i in cohort),
                "Backlog": sum(i.backlog_wait_s or 0.0 for i in cohort)}
        assert max(sums, key=lambda k: sums[k]) == winner, (since, until, sums)


def test_review_drives_the_lead_time_rise(demo: Demo) -> None:
    b = demo.whole["bottleneck"]
    assert b["measure"] == "flow_time"  # the items' flow time: creation to delivery
    contributions = b["lead_time_contributions"]
    assert b["lead_time_change_s"] > 0
    assert sum(contributions.values()) == pytest.approx(b["lead_time_change_s"], abs=1e-3)
    positive = {k: v for k, v in contributions.items() if v > 0}
    assert max(positive, key=lambda k: positive[k]) == "Review"
    assert contributions["Release"] < 0  # faster releases took some of the rise back

    # the flow-time medians of the two halves, from the raw files
    for which in ("before", "after"):
        flows = [f for i in demo.finished_in(*demo.half(which)) if (f := i.flow_time_s)]
        assert b[which]["n"] == len(flows)
        assert b[which]["median_s"] == pytest.approx(statistics.median(flows), abs=1.0)


def test_sentence_names_review(demo: Demo) -> None:
    sentence = demo.whole["bottleneck"]["sentence"]
    assert sentence.startswith("Lead time rose")
    assert "Review" in sentence


def test_no_identity_reaches_the_tables(demo: Demo) -> None:
    tables = demo.measurement.tables
    text = "".join(frame.to_csv() for frame in (tables.changes, tables.commits, tables.items,
                                                tables.item_status, tables.item_links)
                   if frame is not None)
    text += json.dumps(demo.whole)
    for dev in DEVS:
        assert dev.login not in text and dev.person.email not in text
        assert dev.person.name not in text
        assert dev.node_id not in text  # the Jira accountId of the export's people
