"""Deterministic demo data: a two-year repository plus matching PR, CI and incident exports.

    python -m vsm_app.demo.generate DEST [--seed 7]

Writes ``DEST/repo`` (built with ``git fast-import``) and ``DEST/exports/{prs,ci_runs,
incidents}.json`` in the real export formats (``gh pr list --json``, the GitHub Actions REST
``{total_count, workflow_runs}`` page, PagerDuty ``{incidents: [...]}``), and the work items
behind the pull requests as Jira exports (``jira_issues.json``, ``jira_statuses.json``,
``jira_board.json``; :mod:`vsm_app.demo.tracker`): their keys are in the branch names.

The history, 2024-11-01 .. 2026-10-31, tells a story the analysis must find (the demo map's
sticky note says "team thinks Release is the slowest stage"):

1. **Release was the constraint.** Until the end of May 2025 the team ships with a weekly
   release train (Thursday 14:00 UTC, annotated tags ``v1.N.0``): a merged change waits a
   median of ~2-3 days for it.
2. **Releases speed up.** From June 2025 (month 8) it releases on Monday, Wednesday and
   Friday (15:00 UTC), and the wait for a release drops to hours (monthly medians ~6-25 h).
3. **Review becomes the constraint.** From October 2025 (month 12) reviewers are overloaded:
   the wait between a pull request being opened and its first review rises, over six weeks,
   from a median of ~3 h to ~65-70 h (and spreads out), while coding, review work, merge, CI
   and release stay as they were. Lead time for changes rises, and the review wait is what
   raised it: over the whole window, over the last quarter and in the lead-time rise from the
   first to the second half, the analysis finds Review (``tests/test_demo_story.py``).

Reviews happen in working hours (Mon-Fri 08:00-18:00 UTC). Most pull requests get a
COMMENTED or CHANGES_REQUESTED review first, a fix-up commit, and the APPROVED review hours
later; about a quarter are approved at once. Some authors comment on their own pull request
(a review by the author, which is not a first review). Around it: ~1,500 changes (pull
requests merged with merge commits, a few direct commits), Conventional-Commit subjects, a few
bad changes reverted ("This reverts commit <sha>.") and shipped in hotfix releases ``v1.N.1``,
incidents opened shortly after some releases, and each release deployed by a "Deploy"
workflow run.

Everything (identities, dates, contents) derives from the seed, so the same seed gives the
same shas. A second call with the same seed and generator version reuses what exists.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import random
import shutil
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from vsm_app.demo import tracker
from vsm_app.demo.fastimport import FastImport, Person, run_git

#: bump when the generated data changes: existing demo folders are then rebuilt
GENERATOR_VERSION = "3"
MARKER = "vsm-demo-version"

START = datetime(2024, 11, 1, tzinfo=UTC)
END = datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC)
#: the weekly release train (Thursdays) runs until here; then Monday, Wednesday and Friday
RELEASE_TRAIN_END = datetime(2025, 6, 1, tzinfo=UTC)
WEEKLY_RELEASE = (3, 14)  # (weekday, hour UTC): Thursday 14:00
FREQUENT_RELEASES = ((0, 15), (2, 15), (4, 15))  # Mon, Wed, Fri 15:00
#: month 12 of the story: the review wait starts to grow here and ramps up for six weeks
STORY_START = datetime(2025, 10, 1, tzinfo=UTC)
STORY_RAMP = timedelta(weeks=6)
#: median of the raw (calendar) wait for a first review, before working hours are applied
REVIEW_WAIT_BEFORE_H = 2.5
REVIEW_WAIT_AFTER_H = 45.0
#: spread (sigma of the log) of that raw wait
REVIEW_SIGMA_BEFORE = 0.8
REVIEW_SIGMA_AFTER = 1.0
#: the team works (opens pull requests, reviews) Monday to Friday in these UTC hours
WORK_HOURS = (8, 18)


@dataclass(frozen=True)
class DemoPaths:
    """Where the demo data is."""

    root: Path
    repo: Path
    prs: Path
    ci_runs: Path
    incidents: Path
    #: work items (Jira search pages with changelog), statuses, board configuration
    jira_issues: Path
    jira_statuses: Path
    jira_board: Path

    def exports(self) -> tuple[Path, ...]:
        return (self.prs, self.ci_runs, self.incidents, self.jira_issues, self.jira_statuses,
                self.jira_board)


@dataclass(frozen=True)
class Dev:
    person: Person
    login: str
    node_id: str


DEVS = [
    Dev(Person("Ada Lindqvist", "ada.lindqvist@example.org"), "ada-l", "U_kgDOA1"),
    Dev(Person("Bram Okafor", "bram.okafor@example.org"), "bramok", "U_kgDOA2"),
    Dev(Person("Chiara Russo", "chiara.russo@example.org"), "chiarar", "U_kgDOA3"),
    Dev(Person("Dmitri Volkov", "dmitri.volkov@example.org"), "dvolkov", "U_kgDOA4"),
    Dev(Person("Esi Mensah", "esi.mensah@example.org"), "esim", "U_kgDOA5"),
    Dev(Person("Farid Haddad", "farid.haddad@example.org"), "fhaddad", "U_kgDOA6"),
    Dev(Person("Greta Nilsen", "greta.nilsen@example.org"), "gnilsen", "U_kgDOA7"),
]
RELEASER = Person("Release Bot", "release-bot@example.org")

# (prefix, weight, label, nouns)
KINDS = [
    ("feat", 44, "enhancement", ["checkout flow", "search filters", "order history", "invoice export",
                                 "saved carts", "gift cards", "promo codes", "address book",
                                 "wishlist", "payment retries", "delivery slots", "reviews page"]),
    ("fix", 24, "bug", ["rounding error", "timezone bug", "null cart crash", "slow query",
                        "login redirect", "stale cache", "race in stock update", "broken link"]),
    ("refactor", 8, "tech-debt", ["pricing module", "cart service", "auth middleware", "db layer"]),
    ("chore", 6, "tech-debt", ["build scripts", "lint config", "logging", "release notes"]),
    ("test", 5, None, ["checkout e2e tests", "pricing unit tests", "flaky search test"]),
    ("docs", 4, "documentation", ["API guide", "runbook", "README"]),
    ("perf", 3, None, ["product listing", "image loading", "search index"]),
    ("security", 3, "security", ["session cookies", "CSRF tokens", "password hashing"]),
    ("deps", 3, "dependencies", ["bump web framework", "bump db driver", "bump test runner"]),
]
SCOPES = ["api", "web", "cart", "search", "payments", "orders", "auth", None, None, None]
LABEL_COLORS = {"enhancement": "a2eeef", "bug": "d73a4a", "tech-debt": "fbca04",
                "documentation": "0075ca", "security": "b60205", "dependencies": "0366d6"}
FILES = [f"src/{pkg}/{mod}.py" for pkg in ("api", "web", "cart", "search", "payments", "orders",
                                           "auth", "common")
         for mod in ("models", "views", "service", "utils", "handlers", "schema")]


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _epoch(t: datetime) -> int:
    return int(t.timestamp())


@dataclass
class PullRequest:
    number: int
    author: Dev
    reviewer: Dev
    title: str
    label: str | None
    slug: str  # branch name without the number (set when numbering)
    commit_times: list[datetime]
    commit_subjects: list[str]
    opened: datetime
    reviews: list[tuple[datetime, str, Dev]]  # (submitted, state, by)
    merged: datetime | None
    closed: datetime | None
    files: list[str]
    reverts: PullRequest | None = None
    branch: str = ""
    # filled while writing the repository
    commit_marks: list[int] = field(default_factory=list)
    merge_mark: int | None = None


@dataclass
class Direct:
    at: datetime
    author: Dev
    subject: str
    files: list[str]
    mark: int | None = None


def _is_holiday(day: datetime) -> bool:
    return (day.month == 12 and day.day >= 23) or (day.month == 1 and day.day <= 2)


class _Story:
    """All random choices, in one fixed order (so the seed fully determines the data)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.prs: list[PullRequest] = []
        self.directs: list[Direct] = []
        self.releases: list[datetime] = []

    def lognormal_h(self, median_h: float, sigma: float) -> timedelta:
        return timedelta(hours=median_h * math.exp(self.rng.gauss(0.0, sigma)))

    def working(self, t: datetime) -> datetime:
        """``t`` if it falls in working hours, else a little after the next start of work."""
        lo, hi = WORK_HOURS
        if t.weekday() < 5 and lo <= t.hour < hi:
            return t
        day = t.replace(hour=0, minute=0, second=0, microsecond=0)
        if t.hour >= lo:
            day += timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return day + timedelta(hours=lo, minutes=5 + 85 * self.rng.random())

    def first_review(self, opened: datetime) -> datetime:
        """The first reviewer's review: a raw wait, then moved into working hours.

        Overloaded reviewers wait longer and less evenly: the median and the spread of the raw
        wait both grow over the ramp.
        """
        ramp = 0.0 if opened < STORY_START else min(1.0, (opened - STORY_START) / STORY_RAMP)
        median = REVIEW_WAIT_BEFORE_H + ramp * (REVIEW_WAIT_AFTER_H - REVIEW_WAIT_BEFORE_H)
        sigma = REVIEW_SIGMA_BEFORE + ramp * (REVIEW_SIGMA_AFTER - REVIEW_SIGMA_BEFORE)
        return self.working(opened + self.lognormal_h(median, sigma))

    def title(self) -> tuple[str, str | None, str]:
        rng = self.rng
        prefix, _, label, nouns = rng.choices(KINDS, weights=[k[1] for k in KINDS])[0]
        scope = rng.choice(SCOPES)
        noun = rng.choice(nouns)
        verb = {"feat": "add", "fix": "", "refactor": "simplify", "chore": "update",
                "test": "cover", "docs": "document", "perf": "speed up", "security": "harden",
                "deps": ""}[prefix]
        text = f"{verb} {noun}".strip()
        head = f"{prefix}({scope})" if scope else prefix
        return f"{head}: {text}", (label if rng.random() < 0.75 else None), prefix

    def release_slot(self, day: datetime) -> datetime | None:
        """The release of ``day``: the weekly train, later Mon/Wed/Fri; none over the holidays."""
        if (day.month == 12 and day.day >= 22) or (day.month == 1 and day.day <= 4):
            return None
        slots = (WEEKLY_RELEASE,) if day < RELEASE_TRAIN_END else FREQUENT_RELEASES
        for weekday, hour in slots:
            if day.weekday() == weekday:
                return day + timedelta(hours=hour)
        return None

    def plan(self) -> None:
        rng = self.rng
        day = START
        while day <= END:
            holiday = _is_holiday(day)
            if day.weekday() < 5:
                n = rng.choice([0, 1] if holiday else [1, 2, 2, 3, 3, 3, 4, 4])
                for _ in range(n):
                    self.prs.append(self.pull_request(day))
                if rng.random() < 0.2 and not holiday:
                    at = day + timedelta(hours=8 + 9 * rng.random())
                    subject, _, _ = self.title()
                    subject = subject.replace("feat", "chore", 1) if subject.startswith("feat") \
                        else subject
                    self.directs.append(Direct(at, rng.choice(DEVS), subject,
                                               rng.sample(FILES, 1)))
            release = self.release_slot(day)
            if release is not None:
                self.releases.append(release)
            day += timedelta(days=1)

    def pull_request(self, day: datetime) -> PullRequest:
        rng = self.rng
        author, reviewer = rng.sample(DEVS, 2)
        title, label, prefix = self.title()
        start = day + timedelta(hours=8 + 9 * rng.random())
        coding = min(self.lognormal_h(5.0, 0.8), timedelta(hours=72))
        k = rng.choices([1, 2, 3, 4, 5], weights=[30, 30, 20, 12, 8])[0]
        times = sorted([start] + [start + coding * rng.random() for _ in range(k - 1)])
        subjects = [title] + [rng.choice(["add tests", "wip", f"{prefix}: follow-up",
                                          "fix lint", "tidy up"])
                              for _ in range(k - 1)]
        opened = self.working(start + coding + timedelta(minutes=5 + 25 * rng.random()))
        reviews: list[tuple[datetime, str, Dev]] = []
        if rng.random() < 0.08:  # the author annotates the diff for the reviewer
            reviews.append((opened + timedelta(minutes=2 + 18 * rng.random()), "COMMENTED",
                            author))
        first = self.first_review(opened)
        if rng.random() < 0.25:  # small change: approved at once
            approved = first
        else:
            # a round of comments, a fix-up commit, then the approval hours later
            reviews.append((first, rng.choice(["COMMENTED", "CHANGES_REQUESTED"]), reviewer))
            at = first
            for round_ in range(2 if rng.random() < 0.2 else 1):
                if round_:
                    at = self.working(at + self.lognormal_h(1.5, 0.6))
                    reviews.append((at, "COMMENTED", reviewer))
                fixed = at + self.lognormal_h(1.2, 0.7)
                times.append(fixed)
                subjects.append("address review comments")
                if rng.random() < 0.3:  # the author answers in the review threads
                    reviews.append((fixed - timedelta(minutes=1 + 4 * rng.random()),
                                    "COMMENTED", author))
                at = fixed
            approved = self.working(at + self.lognormal_h(2.5, 0.8))
        reviews.append((approved, "APPROVED", reviewer))
        reviews.sort(key=lambda r: r[0])
        merged: datetime | None = approved + self.lognormal_h(0.7, 0.8)
        closed = merged
        if rng.random() < 0.03:  # abandoned after the first review
            merged = None
            closed = first + timedelta(days=2 + 5 * rng.random())
            reviews = [r for r in reviews if r[0] <= first]
            times = [t for t in times if t <= first]
            subjects = subjects[:len(times)]
        if (merged or opened) > END or (closed is not None and closed > END):
            merged, closed = None, None  # still open when the data ends
            reviews = [r for r in reviews if r[0] <= END]
            times = [t for t in times if t <= END]
            subjects = subjects[:len(times)]
        slug = f"{prefix}/" + title.split(": ", 1)[1].replace(" ", "-")[:30]
        return PullRequest(0, author, reviewer, title, label, slug, times, subjects, opened,
                           reviews, merged, closed, rng.sample(FILES, rng.randrange(1, 4)))

    def revert_pr(self, bad: PullRequest, opened: datetime) -> PullRequest:
        rng = self.rng
        author = bad.author
        reviewer = rng.choice([d for d in DEVS if d is not author])
        title = f'Revert "{bad.title}"'
        first = opened + timedelta(minutes=15 + 20 * rng.random())  # urgent: reviewed at once
        merged = first + timedelta(minutes=10 + 10 * rng.random())
        return PullRequest(0, author, reviewer, title, "bug", "revert",
                           [opened - timedelta(minutes=10)], [title], opened,
                           [(first, "APPROVED", reviewer)], merged, merged, list(bad.files),
                           reverts=bad)


def _number(prs: list[PullRequest]) -> None:
    """Number pull requests in the order they were opened (as GitHub does), name branches."""
    prs.sort(key=lambda p: p.opened)
    for i, p in enumerate(prs, start=1):
        p.number = i
    for p in prs:
        if p.reverts is not None:
            p.branch = f"revert-{p.reverts.number}-{p.reverts.branch}"
        else:
            p.branch = f"{p.slug}-{p.number}"


@dataclass
class _Incident:
    number: int
    title: str
    opened: datetime
    resolved: datetime | None
    urgency: str


def _content(rng: random.Random, path: str, n: int) -> bytes:
    lines = [f'"""{path} (revision {n})."""', ""]
    lines += [f"SETTING_{i} = {rng.randrange(1000)}" for i in range(rng.randrange(4, 16))]
    return ("\n".join(lines) + "\n").encode()


def _build(dest: Path, seed: int) -> DemoPaths:
    story = _Story(seed)
    story.plan()
    rng = story.rng
    prs = story.prs
    releases = story.releases

    # bad changes: reverted after the release that shipped them, with an incident and a hotfix
    merged_feats = [p for p in prs if p.merged and p.title.startswith("feat") and
                    START + timedelta(days=30) < p.merged < END - timedelta(days=30)]
    bad_prs = sorted(rng.sample(merged_feats, 7), key=lambda p: p.opened)
    incidents: list[_Incident] = []
    hotfix_tags: list[tuple[datetime, str]] = []  # (time, base release) → v1.N.1
    used_releases: set[int] = set()
    directs_extra: list[Direct] = []
    for bad in bad_prs:
        assert bad.merged is not None
        r = bisect.bisect_right(releases, bad.merged)
        if r >= len(releases) or r in used_releases:
            continue
        used_releases.add(r)
        rel = releases[r]
        opened = rel + timedelta(hours=1 + 3 * rng.random())
        revert = story.revert_pr(bad, opened + timedelta(minutes=40))
        prs.append(revert)
        assert revert.merged is not None
        hotfix_at = revert.merged + timedelta(minutes=20)
        hotfix_tags.append((hotfix_at, f"r{r}"))
        incidents.append(_Incident(0, f"Errors after release: {bad.title.split(': ', 1)[1]}",
                                   opened, hotfix_at + timedelta(minutes=15), "high"))
    # incidents after other releases: some fixed by a hotfix commit and release, some not
    for r in sorted(rng.sample(range(5, len(releases) - 2), 14)):
        if r in used_releases:
            continue
        used_releases.add(r)
        rel = releases[r]
        opened = rel + timedelta(hours=0.5 + 5 * rng.random())
        if len(hotfix_tags) < 12 and rng.random() < 0.5:
            dev = rng.choice(DEVS)
            at = opened + timedelta(hours=1 + 2 * rng.random())
            noun = rng.choice(KINDS[1][3])
            directs_extra.append(Direct(at, dev, f"hotfix: {noun}", rng.sample(FILES, 1)))
            hotfix_tags.append((at + timedelta(minutes=25), f"r{r}"))
            resolved = at + timedelta(minutes=40)
            title = f"Spike of 5xx after release ({noun})"
        else:
            resolved = opened + timedelta(hours=0.5 + 4 * rng.random())
            title = "Elevated latency after release"
        incidents.append(_Incident(0, title, opened, resolved, "high"))
    # unrelated incidents (infrastructure), and one still open at the end
    for _ in range(6):
        opened = START + (END - START) * rng.random()
        incidents.append(_Incident(0, "Database failover", opened,
                                   opened + timedelta(hours=0.3 + 2 * rng.random()), "low"))
    incidents.append(_Incident(0, "Intermittent payment timeouts", END - timedelta(hours=5),
                               None, "high"))
    incidents.sort(key=lambda i: i.opened)
    for i, inc in enumerate(incidents, start=1):
        inc.number = i
    story.directs.extend(directs_extra)
    _number(prs)
    # the work items behind the pull requests (their own random generator: the story above
    # draws what it always drew); names each linked branch after its item
    items = tracker.plan_items(prs, DEVS, seed, START, END)

    # ---- the repository: main-line events in time order
    events: list[tuple[datetime, int, Any]] = []
    for p in prs:
        if p.merged is not None:
            events.append((p.merged, 1, p))
    for d in story.directs:
        events.append((d.at, 2, d))
    minor = 0
    release_names: dict[str, str] = {}
    for i, t in enumerate(releases):
        events.append((t, 3, ("release", i)))
    for t, release_key in hotfix_tags:
        events.append((t, 4, ("hotfix", release_key)))
    events.sort(key=lambda e: (e[0], e[1]))

    repo = dest / "repo"
    # absolute: fast-import runs inside the repository, a relative DEST would miss the file
    marks_file = (dest / "repo.marks").resolve()
    revision = 0
    files_now: dict[str, bytes] = {}
    ci_commits: list[tuple[datetime, int]] = []  # main commits for CI runs
    tags: list[tuple[str, datetime, int]] = []
    with FastImport(repo, marks_file=marks_file) as fi:
        # ours from the start: a build that fails half-way is replaced by the next call
        (repo / ".git" / MARKER).write_text(f"incomplete seed={seed}\n")
        revision += 1
        root_at = _epoch(START - timedelta(days=3))
        first = DEVS[0].person
        files_now = {f: _content(rng, f, 0) for f in FILES}
        main = fi.commit("refs/heads/main", first, root_at, first, root_at,
                         "chore: initial project layout",
                         files={**files_now, "README.md": b"# Shop\n"})
        main_times = [START - timedelta(days=3)]
        main_marks = [main]
        last_tagged = -1
        for at, _, item in events:
            if isinstance(item, PullRequest):
                p = item
                base = main_marks[max(0, bisect.bisect_right(main_times, p.commit_times[0]) - 1)]
                tip = base
                branch_files: dict[str, bytes] = {}
                for j, (ct, subject) in enumerate(zip(p.commit_times, p.commit_subjects,
                                                      strict=True)):
                    revision += 1
                    message = subject
                    if p.reverts is not None:
                        assert p.reverts.merge_mark is not None
                        target = fi.sha(p.reverts.merge_mark)
                        message = f"{subject}\n\nThis reverts commit {target}.\n"
                    touched = {f: _content(rng, f, revision) for f in
                               (p.files if j == 0 else rng.sample(p.files, 1))}
                    branch_files.update(touched)
                    tip = fi.commit("refs/heads/pr-work", p.author.person, _epoch(ct),
                                    p.author.person, _epoch(ct), message, [tip], touched)
                    p.commit_marks.append(tip)
                merger = p.reviewer.person
                msg = f"Merge pull request #{p.number} from acme/{p.branch}\n\n{p.title}\n"
                main = fi.commit("refs/heads/main", merger, _epoch(at), merger, _epoch(at), msg,
                                 [main, tip], branch_files)
                files_now.update(branch_files)
                p.merge_mark = main
                ci_commits.append((at, main))
            elif isinstance(item, Direct):
                revision += 1
                touched = {f: _content(rng, f, revision) for f in item.files}
                files_now.update(touched)
                who = item.author.person
                main = fi.commit("refs/heads/main", who, _epoch(at), who, _epoch(at),
                                 item.subject, [main], touched)
                item.mark = main
                ci_commits.append((at, main))
            else:
                what, ref = item
                if what == "release":
                    if main_marks[-1] == last_tagged:
                        continue  # nothing new since the last release
                    minor += 1
                    name = f"v1.{minor}.0"
                    release_names[f"r{ref}"] = name
                else:
                    base_name = release_names.get(ref)
                    if base_name is None:
                        continue
                    name = f"{base_name.rsplit('.', 1)[0]}.1"  # v1.N.0 → v1.N.1
                fi.tag(name, main, RELEASER, _epoch(at), f"Release {name}\n")
                tags.append((name, at, main))
                last_tagged = main
                continue
            main_times.append(at)
            main_marks.append(main)
        # pull requests still open (or abandoned) keep their branch
        for p in prs:
            if p.merged is None:
                base = main_marks[max(0, bisect.bisect_right(main_times, p.commit_times[0]) - 1)]
                tip = base
                for ct, subject in zip(p.commit_times, p.commit_subjects, strict=True):
                    revision += 1
                    touched = {f: _content(rng, f, revision) for f in p.files[:1]}
                    tip = fi.commit("refs/heads/pr-work", p.author.person, _epoch(ct),
                                    p.author.person, _epoch(ct), subject, [tip], touched)
                    p.commit_marks.append(tip)
                fi.reset(f"refs/heads/{p.branch}", tip)
    run_git(repo, "update-ref", "-d", "refs/heads/pr-work")
    run_git(repo, "reset", "-q", "--hard")  # fast-import writes no work tree: check main out
    marks = FastImport.read_marks(marks_file)
    marks_file.unlink()

    paths = _paths(dest)
    paths.prs.parent.mkdir(parents=True, exist_ok=True)
    _write_json(paths.prs, _prs_json(prs, marks))
    _write_json(paths.ci_runs, _runs_json(ci_commits, tags, marks, rng))
    _write_json(paths.incidents, _incidents_json(incidents))
    _write_json(paths.jira_issues, tracker.jira_search_pages(items, DEVS, seed))
    _write_json(paths.jira_statuses, tracker.jira_statuses())
    _write_json(paths.jira_board, tracker.jira_board())
    (repo / ".git" / MARKER).write_text(f"{GENERATOR_VERSION} seed={seed}\n")
    return paths


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


REVIEW_BODIES = {"APPROVED": "", "COMMENTED": "A few comments inline.",
                 "CHANGES_REQUESTED": "Please add a test for the edge case."}
AUTHOR_NOTES_BODY = "Notes for the reviewer inline."  # the author, before any review
AUTHOR_REPLY_BODY = "Thanks, fixed in the next commit."  # the author, answering a review


def _prs_json(prs: list[PullRequest], marks: dict[int, str]) -> list[dict[str, Any]]:
    out = []
    for p in sorted(prs, key=lambda p: -p.number):  # gh lists newest first
        shas = [marks[m] for m in p.commit_marks]
        head = shas[-1] if shas else None
        state = "MERGED" if p.merged else ("CLOSED" if p.closed else "OPEN")

        def head_at(at: datetime, p: PullRequest = p, shas: list[str] = shas) -> str | None:
            """The pull request's head commit when a review was submitted."""
            i = bisect.bisect_right(p.commit_times, at)
            return shas[i - 1] if i else (shas[0] if shas else None)

        first_by_other = min((r[0] for r in p.reviews if r[2] is not p.author), default=None)

        def body(at: datetime, state: str, by: Dev, p: PullRequest = p,
                 first: datetime | None = first_by_other) -> str:
            if by is not p.author:
                return REVIEW_BODIES[state]
            return AUTHOR_REPLY_BODY if first is not None and first < at else AUTHOR_NOTES_BODY

        updated = max([p.opened, *(r[0] for r in p.reviews), *p.commit_times,
                       *([p.closed] if p.closed else [])])
        out.append({
            "number": p.number,
            "title": p.title,
            "state": state,
            "isDraft": False,
            "author": {"id": p.author.node_id, "is_bot": False, "login": p.author.login,
                       "name": p.author.person.name},
            "baseRefName": "main",
            "headRefName": p.branch,
            "headRefOid": head,
            "createdAt": _iso(p.opened),
            "updatedAt": _iso(updated),
            "mergedAt": _iso(p.merged) if p.merged else None,
            "closedAt": _iso(p.closed) if p.closed else None,
            "mergeCommit": {"oid": marks[p.merge_mark]} if p.merge_mark else None,
            "labels": ([{"id": f"LA_{p.label}", "name": p.label, "description": "",
                         "color": LABEL_COLORS[p.label]}] if p.label else []),
            "reviews": [{
                "id": f"PRR_{p.number}_{i}",
                "author": {"login": by.login},
                "authorAssociation": "MEMBER",
                "body": body(at, state_, by),
                "submittedAt": _iso(at),
                "includesCreatedEdit": False,
                "reactionGroups": [],
                "state": state_,
                "commit": {"oid": head_at(at)},
            } for i, (at, state_, by) in enumerate(p.reviews)],
            "commits": [{
                "authoredDate": _iso(ct),
                "authors": [{"email": p.author.person.email, "id": p.author.node_id,
                             "login": p.author.login, "name": p.author.person.name}],
                "committedDate": _iso(ct),
                "messageBody": "",
                "messageHeadline": subject,
                "oid": sha,
            } for ct, subject, sha in zip(p.commit_times, p.commit_subjects, shas,
                                          strict=True)],
        })
    return out


def _runs_json(ci_commits: list[tuple[datetime, int]], tags: list[tuple[str, datetime, int]],
               marks: dict[int, str], rng: random.Random) -> dict[str, Any]:
    runs: list[dict[str, Any]] = []
    run_id = 7_100_000_000
    numbers = {"CI": 0, "Deploy": 0}

    def add(name: str, branch: str, sha: str, created: datetime, started: datetime,
            finished: datetime, conclusion: str) -> None:
        nonlocal run_id
        run_id += 1 + rng.randrange(40)
        numbers[name] += 1
        runs.append({
            "id": run_id,
            "name": name,
            "head_branch": branch,
            "head_sha": sha,
            "path": f".github/workflows/{name.lower()}.yml",
            "run_number": numbers[name],
            "event": "push",
            "status": "completed",
            "conclusion": conclusion,
            "workflow_id": 5_904_664 if name == "CI" else 5_904_665,
            "created_at": _iso(created),
            "updated_at": _iso(finished),
            "run_attempt": 1,
            "run_started_at": _iso(started),
            "head_commit": {"id": sha, "message": "", "timestamp": _iso(created)},
        })

    for at, mark in ci_commits:
        created = at + timedelta(seconds=5 + rng.randrange(25))
        started = created + timedelta(seconds=20 + rng.expovariate(1 / 40))
        finished = started + timedelta(minutes=7 * math.exp(rng.gauss(0, 0.25)))
        add("CI", "main", marks[mark], created, started, finished,
            "failure" if rng.random() < 0.06 else "success")
    for i, (name, at, mark) in enumerate(tags):
        created = at + timedelta(seconds=20)
        if i % 23 == 11:  # now and then a deploy fails and is run again
            add("Deploy", name, marks[mark], created, created + timedelta(seconds=30),
                created + timedelta(minutes=3), "failure")
            created += timedelta(minutes=15)
        started = created + timedelta(seconds=20 + rng.randrange(40))
        add("Deploy", name, marks[mark], created, started,
            started + timedelta(minutes=5 * math.exp(rng.gauss(0, 0.2))), "success")
    runs.sort(key=lambda r: (r["created_at"], r["id"]), reverse=True)  # the API's order
    return {"total_count": len(runs), "workflow_runs": runs}


def _incidents_json(incidents: list[_Incident]) -> dict[str, Any]:
    items = []
    for inc in incidents:
        resolved = _iso(inc.resolved) if inc.resolved else None
        items.append({
            "id": f"PDEMO{inc.number:03d}",
            "type": "incident",
            "summary": f"[#{inc.number}] {inc.title}",
            "incident_number": inc.number,
            "title": inc.title,
            "created_at": _iso(inc.opened),
            "updated_at": resolved or _iso(inc.opened),
            "status": "resolved" if inc.resolved else "triggered",
            "incident_key": f"demo-{inc.number:04d}",
            "service": {"id": "PSHOP01", "type": "service_reference", "summary": "Shop"},
            "last_status_change_at": resolved or _iso(inc.opened),
            "resolved_at": resolved,
            "urgency": inc.urgency,
            "priority": {"id": "P1" if inc.urgency == "high" else "P3", "type":
                         "priority_reference", "summary": "P1" if inc.urgency == "high" else "P3"},
        })
    return {"incidents": items, "limit": len(items), "offset": 0, "more": False}


def _paths(dest: Path) -> DemoPaths:
    exports = dest / "exports"
    return DemoPaths(dest, dest / "repo", exports / "prs.json", exports / "ci_runs.json",
                     exports / "incidents.json", exports / "jira_issues.json",
                     exports / "jira_statuses.json", exports / "jira_board.json")


def is_generated(dest: Path, seed: int = 7) -> bool:
    """Whether ``dest`` holds this generator version's data for ``seed`` (nothing to build)."""
    paths = _paths(Path(dest))
    marker = paths.repo / ".git" / MARKER
    try:
        made = marker.read_text()
    except OSError:
        return False
    return made == f"{GENERATOR_VERSION} seed={seed}\n" and \
        all(p.is_file() for p in paths.exports())


def generate(dest: Path, seed: int = 7) -> DemoPaths:
    """Build the demo repository and exports under ``dest`` (reused when already there).

    Raises
    ------
    FileExistsError
        ``dest/repo`` exists but was not made by this generator (never deleted).
    """
    dest = Path(dest)
    paths = _paths(dest)
    marker = paths.repo / ".git" / MARKER
    if is_generated(dest, seed):
        return paths
    if paths.repo.exists():
        if not marker.is_file():
            raise FileExistsError(f"{paths.repo} exists and is not a demo repository")
        shutil.rmtree(paths.repo)  # ours, from another version or seed
    dest.mkdir(parents=True, exist_ok=True)
    return _build(dest, seed)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m vsm_app.demo.generate",
                                 description="Build the demo repository and exports.")
    ap.add_argument("dest", type=Path)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    try:
        paths = generate(args.dest, args.seed)
    except FileExistsError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    for p in (paths.repo, *paths.exports()):
        sys.stdout.write(f"{p}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
