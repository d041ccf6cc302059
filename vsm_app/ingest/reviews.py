"""Pull/merge requests and their reviews → a ``pull_requests`` frame and review events.

Formats: GitHub ``/pulls?state=all`` (+ a separate ``/pulls/{n}/reviews`` file, linked by PR
number and repository taken from ``pull_request_url`` or ``html_url``), ``gh pr list --json``
(with ``reviews``, ``comments`` and ``commits`` when exported), GitLab merge requests.

Rules (for docs/metrics.md):

- Merged means ``merged_at`` is set. A closed, unmerged GitHub PR still carries a
  ``merge_commit_sha`` (a test merge that never reaches the branch): its ``merge_sha`` is
  left empty so it cannot link to a change.
- ``merge_sha``: GitHub ``merge_commit_sha``, gh ``mergeCommit.oid``, GitLab
  ``merge_commit_sha`` else ``squash_commit_sha`` (``squash_sha`` keeps the latter too).
- ``first_review_at``: the earliest submitted review (any state but PENDING) or comment by
  someone other than the PR author and not a bot (``[bot]`` logins, ``type: Bot``,
  ``is_bot``). Reviews dated before the PR opened are kept and counted as negative spans in
  the data-quality report, never clipped. ``approved_at``: the earliest APPROVED review by
  someone other than the author. GitLab merge requests carry no review times (NaT).
- ``first_commit_at``: the earliest ``authoredDate`` of the PR's own commits (gh only).
- ``kind``: from the labels (``kind_from_labels``), else from a Conventional-Commit prefix of
  the title; ``kind_source`` says which (``labels``, ``title`` or ``default``).
- Author logins are hashed with the project salt at once (``author_key``); no clear-text
  identity is kept.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from vsm_app.domain.items import HOW_BRANCH, HOW_PR, find_branch_keys, find_keys
from vsm_app.domain.kinds import has_kind_prefix, kind_from_labels, kind_from_subject
from vsm_app.domain.tables import UTC_NS
from vsm_app.ingest.detect import Parsed
from vsm_app.ingest.jsonload import Columns, JsonRecords, dig, frame_of, obj

if TYPE_CHECKING:
    from vsm_app.ingest.sources import ImportOptions

PR_COLUMNS: dict[str, str] = {
    "pr_id": "string", "number": "Int64", "repo": "string", "state": "string",
    "opened_at": UTC_NS, "merged_at": UTC_NS, "closed_at": UTC_NS,
    "merge_sha": "string", "squash_sha": "string", "head_shas": "object",
    "first_review_at": UTC_NS, "approved_at": UTC_NS, "first_commit_at": UTC_NS,
    "labels": "object", "title": "string", "author_key": "string",
    "kind": "string", "kind_source": "string", "format": "string", "source": "string",
    # work-item keys of the head branch, title and body, as "how:KEY" (issue 18); the body
    # itself is never kept
    "item_keys": "object",
}
REVIEW_COLUMNS: dict[str, str] = {
    "review_id": "string", "repo": "string", "number": "Int64", "at": UTC_NS,
    "state": "string", "author_key": "string", "is_bot": "bool", "format": "string",
    "source": "string",
}

_PR_URL = re.compile(r"/(?:repos/)?([^/]+/[^/]+)/(?:pulls?|issues)/(\d+)")
_GITLAB_MR_URL = re.compile(r"https?://[^/]+/(.+?)/-/merge_requests/(\d+)")


def author_key(login: Any, salt: str) -> str | None:
    """Salted hash of a login (the clear text is never stored)."""
    if not isinstance(login, str) or not login:
        return None
    return hashlib.sha256(f"{salt}\x00{login.casefold()}".encode()).hexdigest()[:16]


def repo_and_number(url: Any) -> tuple[str | None, int | None]:
    """``owner/repo`` and PR number from a GitHub PR, review or issue URL."""
    if not isinstance(url, str):
        return None, None
    m = _PR_URL.search(url)
    if not m:
        return None, None
    return m.group(1), int(m.group(2))


def pr_item_keys(branch: Any, title: Any, body: Any) -> tuple[str, ...]:
    """``how:KEY`` for each work-item key of a pull request: its head branch name first,
    then its title and body (``pr``); each key once."""
    out: dict[str, str] = {}
    for key in find_branch_keys(branch if isinstance(branch, str) else None):
        out.setdefault(key, HOW_BRANCH)
    for text in (title, body):
        for key in find_keys(text if isinstance(text, str) else None):
            out.setdefault(key, HOW_PR)
    return tuple(f"{how}:{key}" for key, how in out.items())


def _is_bot(login: Any, kind: Any = None, flag: Any = None) -> bool:
    return bool(flag is True or kind == "Bot"
                or (isinstance(login, str) and login.endswith("[bot]")))


def _has_prefix(title: str) -> bool:
    """A known Conventional-Commit prefix or git's ``Revert "..."`` (as the git importer)."""
    return has_kind_prefix(title)


def _kinds(labels: list[tuple[str, ...]], titles: list[str | None]) -> tuple[list[str],
                                                                            list[str]]:
    kind: list[str] = []
    source: list[str] = []
    for labs, title in zip(labels, titles, strict=True):
        k = kind_from_labels(labs)
        if k is not None:
            kind.append(k)
            source.append("labels")
        else:
            t = title or ""
            kind.append(kind_from_subject(t))
            source.append("title" if _has_prefix(t) else "default")
    return kind, source


def with_kinds(prs: pd.DataFrame) -> pd.DataFrame:
    """``kind`` and ``kind_source`` (re)computed from ``labels`` and ``title``."""
    out = prs.copy()
    titles = [t if isinstance(t, str) else None for t in out["title"].astype(object).tolist()]
    kind, source = _kinds([tuple(v) if isinstance(v, tuple) else () for v in out["labels"]],
                          titles)
    out["kind"] = pd.array(kind, dtype="string")
    out["kind_source"] = pd.array(source, dtype="string")
    return out


def _labels(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    out = []
    for item in value:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and name:
            out.append(name)
    return tuple(out)


class _PRBuilder:
    """Collects PR fields record by record, then types them in one go."""

    def __init__(self, reader: JsonRecords, path: str) -> None:
        self.reader = reader
        self.path = path
        self.raw: dict[str, list[Any]] = {k: [] for k in (
            "repo", "number", "opened", "merged", "closed", "merge_sha", "squash_sha",
            "head_shas", "labels", "title", "author", "item_keys")}
        self.recs: list[int] = []
        self.lines: list[int] = []
        # nested events: (row, value) pairs
        self.commit_times: list[tuple[int, Any]] = []
        self.events: dict[str, list[Any]] = {k: [] for k in (
            "id", "row", "at", "state", "login", "bot")}

    def add(self, *, branch: Any = None, body: Any = None, **fields: Any) -> int:
        fields["item_keys"] = pr_item_keys(branch, fields.get("title"), body)
        for k, v in fields.items():
            self.raw[k].append(v)
        self.recs.append(self.reader.record)
        self.lines.append(self.reader.line)
        return len(self.recs) - 1

    def build(self, fmt: str, options: ImportOptions, id_sep: str, fields: dict[str, str]
              ) -> Parsed:
        cols = Columns(self.path, self.recs, self.lines)
        tz = options.default_tz
        n = len(self.recs)
        repo = cols.text(self.raw["repo"], fields["repo"])
        number = cols.integer(self.raw["number"], fields["number"])
        if n and pd.isna(number).any():
            pos = int(np.flatnonzero(pd.isna(number))[0])
            raise cols.problem(pos, fields["number"], "missing pull request number")
        opened = cols.times(self.raw["opened"], fields["opened"], default_tz=tz)
        merged = cols.times(self.raw["merged"], fields["merged"], default_tz=tz)
        closed = cols.times(self.raw["closed"], fields["closed"], default_tz=tz)
        is_merged = merged.notna().to_numpy()
        merge_sha = pd.Series(cols.sha(self.raw["merge_sha"], fields["merge_sha"]),
                              dtype="string").where(is_merged)
        squash = pd.Series(cols.sha(self.raw["squash_sha"], "squash_commit_sha"),
                           dtype="string").where(is_merged)
        labels = [_labels(v) for v in self.raw["labels"]]
        titles = cols.text(self.raw["title"], "title")
        salt = options.salt
        state = np.where(is_merged, "merged",
                         np.where(closed.notna().to_numpy(), "closed", "open"))
        first_commit = self._first_commit(n, tz)
        pr_id = [f"{r or '?'}{id_sep}{k}" for r, k in zip(repo, number.tolist(), strict=True)]
        data = {
            "pr_id": pr_id, "number": number, "repo": repo, "state": state,
            "opened_at": opened, "merged_at": merged, "closed_at": closed,
            "merge_sha": merge_sha, "squash_sha": squash,
            "head_shas": [tuple(s.lower() for s in h if isinstance(s, str))
                          for h in self.raw["head_shas"]],
            "first_commit_at": first_commit,
            "labels": labels, "title": titles,
            "author_key": [author_key(a, salt) for a in self.raw["author"]],
            "format": fmt, "source": self.path, "item_keys": self.raw["item_keys"],
        }
        prs = with_kinds(frame_of(data, PR_COLUMNS))
        return Parsed("pull_requests", prs, n, extra={"reviews": self._events(
            fmt, options, repo, number)})

    def _first_commit(self, n: int, tz: str | None) -> pd.Series:
        out = pd.Series(pd.NaT, index=range(n), dtype=UTC_NS)
        if not self.commit_times:
            return out
        rows = np.array([r for r, _ in self.commit_times])
        at = Columns(self.path, [self.recs[r] for r in rows.tolist()],
                     [self.lines[r] for r in rows.tolist()]).times(
            [v for _, v in self.commit_times], "commits.authoredDate", default_tz=tz)
        first = at.groupby(rows).min()
        out.iloc[first.index.to_numpy()] = first.to_numpy()
        return out

    def _events(self, fmt: str, options: ImportOptions, repo: list[str | None],
                number: Any) -> pd.DataFrame:
        ev = self.events
        rows = ev["row"]
        cols = Columns(self.path, [self.recs[r] for r in rows], [self.lines[r] for r in rows])
        nums = number.tolist()
        data = {
            "review_id": [None if i is None else str(i) for i in ev["id"]],
            "repo": [repo[r] for r in rows],
            "number": [nums[r] for r in rows],
            "at": cols.times(ev["at"], "reviews.submittedAt", default_tz=options.default_tz),
            "state": [str(s).upper() if s else None for s in ev["state"]],
            "author_key": [author_key(a, options.salt) for a in ev["login"]],
            "is_bot": ev["bot"], "format": fmt, "source": self.path,
        }
        return frame_of(data, REVIEW_COLUMNS)


def parse_github_pulls(reader: JsonRecords, path: str, options: ImportOptions) -> Parsed:
    """GitHub ``/repos/{o}/{r}/pulls?state=all`` (reviews come from a separate file)."""
    b = _PRBuilder(reader, path)
    for rec in reader.objects():
        repo = dig(rec, "base", "repo", "full_name")
        if not repo:
            repo = repo_and_number(rec.get("url") or rec.get("html_url"))[0]
        head = dig(rec, "head", "sha")
        b.add(repo=repo, number=rec.get("number"), opened=rec.get("created_at"),
              merged=rec.get("merged_at"), closed=rec.get("closed_at"),
              merge_sha=rec.get("merge_commit_sha"), squash_sha=None,
              head_shas=(head,) if head else (), labels=rec.get("labels"),
              title=rec.get("title"), author=dig(rec, "user", "login"),
              branch=dig(rec, "head", "ref"), body=rec.get("body"))
    return b.build("github_pulls", options, "#", {
        "repo": "base.repo.full_name", "number": "number", "opened": "created_at",
        "merged": "merged_at", "closed": "closed_at", "merge_sha": "merge_commit_sha"})


def parse_gh_pr_list(reader: JsonRecords, path: str, options: ImportOptions) -> Parsed:
    """``gh pr list --json ...`` with optional ``reviews``, ``comments`` and ``commits``."""
    b = _PRBuilder(reader, path)
    for rec in reader.objects():
        repo, _ = repo_and_number(rec.get("url"))
        raw_commits = rec.get("commits")
        commits: list[Any] = raw_commits if isinstance(raw_commits, list) else []
        head = rec.get("headRefOid")
        shas = [head] + [c.get("oid") for c in commits if isinstance(c, dict)]
        author = obj(rec.get("author"))
        row = b.add(repo=repo, number=rec.get("number"), opened=rec.get("createdAt"),
                    merged=rec.get("mergedAt"), closed=rec.get("closedAt"),
                    merge_sha=dig(rec, "mergeCommit", "oid"), squash_sha=None,
                    head_shas=tuple(s for s in shas if s), labels=rec.get("labels"),
                    title=rec.get("title"), author=author.get("login"),
                    branch=rec.get("headRefName"), body=rec.get("body"))
        for c in commits:
            if isinstance(c, dict) and c.get("authoredDate"):
                b.commit_times.append((row, c["authoredDate"]))
        for kind, at_key in (("reviews", "submittedAt"), ("comments", "createdAt")):
            items = rec.get(kind)
            if not isinstance(items, list):
                continue
            for item in items:
                if not isinstance(item, dict):
                    continue
                state = item.get("state") if kind == "reviews" else "COMMENT"
                if state == "PENDING" or not item.get(at_key):
                    continue
                who = obj(item.get("author"))
                b.events["id"].append(item.get("id"))
                b.events["row"].append(row)
                b.events["at"].append(item.get(at_key))
                b.events["state"].append(state)
                b.events["login"].append(who.get("login"))
                b.events["bot"].append(_is_bot(who.get("login"), flag=who.get("is_bot")))
    return b.build("gh_pr_list", options, "#", {
        "repo": "url", "number": "number", "opened": "createdAt", "merged": "mergedAt",
        "closed": "closedAt", "merge_sha": "mergeCommit.oid"})


def parse_gitlab_merge_requests(reader: JsonRecords, path: str,
                                options: ImportOptions) -> Parsed:
    """GitLab ``/merge_requests``: merged, opened and closed MRs (no review times)."""
    b = _PRBuilder(reader, path)
    for rec in reader.objects():
        full = dig(rec, "references", "full")
        if isinstance(full, str) and "!" in full:
            repo: Any = full.rsplit("!", 1)[0]
        else:
            m = _GITLAB_MR_URL.match(str(rec.get("web_url") or ""))
            repo = m.group(1) if m else rec.get("project_id")
        b.add(repo=repo, number=rec.get("iid"), opened=rec.get("created_at"),
              merged=rec.get("merged_at"), closed=rec.get("closed_at"),
              merge_sha=rec.get("merge_commit_sha") or rec.get("squash_commit_sha"),
              squash_sha=rec.get("squash_commit_sha"),
              head_shas=(rec["sha"],) if isinstance(rec.get("sha"), str) else (),
              labels=rec.get("labels"), title=rec.get("title"),
              author=dig(rec, "author", "username"), branch=rec.get("source_branch"),
              body=rec.get("description"))
    return b.build("gitlab_merge_requests", options, "!", {
        "repo": "references.full", "number": "iid", "opened": "created_at",
        "merged": "merged_at", "closed": "closed_at", "merge_sha": "merge_commit_sha"})


def parse_github_pull_reviews(reader: JsonRecords, path: str,
                              options: ImportOptions) -> Parsed:
    """GitHub ``/pulls/{n}/reviews`` items (any number of PRs in one file)."""
    ev: dict[str, list[Any]] = {k: [] for k in ("id", "repo", "number", "at", "state", "login",
                                                "bot")}
    recs: list[int] = []
    lines: list[int] = []
    pending = 0
    unlocated = 0
    for rec in reader.objects():
        if rec.get("state") == "PENDING" or not rec.get("submitted_at"):
            pending += 1
            continue
        repo, number = repo_and_number(rec.get("pull_request_url"))
        if number is None:
            repo, number = repo_and_number(rec.get("html_url"))
        if number is None:
            unlocated += 1
            continue
        user = obj(rec.get("user"))
        ev["id"].append(rec.get("id"))
        ev["repo"].append(repo)
        ev["number"].append(number)
        ev["at"].append(rec.get("submitted_at"))
        ev["state"].append(rec.get("state"))
        ev["login"].append(user.get("login"))
        ev["bot"].append(_is_bot(user.get("login"), user.get("type")))
        recs.append(reader.record)
        lines.append(reader.line)
    cols = Columns(path, recs, lines)
    data = {
        "review_id": cols.ident(ev["id"], "id", required=False),
        "repo": ev["repo"], "number": ev["number"],
        "at": cols.times(ev["at"], "submitted_at", default_tz=options.default_tz),
        "state": [str(s).upper() if s else None for s in cols.text(ev["state"], "state")],
        "author_key": [author_key(a, options.salt) for a in ev["login"]],
        "is_bot": ev["bot"], "format": "github_pull_reviews", "source": path,
    }
    notes = []
    if pending:
        notes.append(f"{pending} pending (unsubmitted) review(s) skipped")
    if unlocated:
        notes.append(f"{unlocated} review(s) without a pull request URL skipped")
    return Parsed("reviews", frame_of(data, REVIEW_COLUMNS), reader.record,
                  skipped=pending + unlocated, notes=notes)


def pr_key(repo: pd.Series, number: pd.Series) -> pd.Series:
    """``owner/repo#12`` (lower-case; ``?`` for an export without the repository)."""
    return (repo.astype("string").str.casefold().fillna("?") + "#"
            + number.astype("string").fillna("?"))


def attach_reviews(prs: pd.DataFrame, reviews: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Set ``first_review_at`` and ``approved_at`` on ``prs`` from review events.

    Returns the updated PRs and, per review event, whether it belongs to a loaded PR.
    """
    out = prs.copy()
    if reviews.empty or prs.empty:
        return out, pd.Series(False, index=reviews.index, dtype=bool)
    key_pr = pr_key(out["repo"], out["number"])
    key_rv = pr_key(reviews["repo"], reviews["number"])
    first_of_key = ~key_pr.duplicated()
    index = pd.Index(key_pr[first_of_key])
    pos_unique = index.get_indexer(key_rv)
    pos = np.where(pos_unique >= 0, np.flatnonzero(first_of_key.to_numpy())[pos_unique], -1)
    linked = pd.Series(pos >= 0, index=reviews.index)
    ev = reviews.loc[linked.to_numpy()].copy()
    ev["_pr"] = pos[linked.to_numpy()]
    pr_author = out["author_key"].astype("string").to_numpy()[ev["_pr"].to_numpy()]
    not_author = ~(ev["author_key"].astype("string").to_numpy(na_value="") ==
                   pd.array(pr_author, dtype="string").to_numpy(na_value="\x00"))
    human = ~ev["is_bot"].astype(bool).to_numpy()
    counted = ev[not_author & human & ev["at"].notna().to_numpy()]
    first = counted.groupby("_pr")["at"].min()
    approved = counted[counted["state"].eq("APPROVED").fillna(False)].groupby("_pr")["at"].min()
    for col, series in (("first_review_at", first), ("approved_at", approved)):
        values = out[col].copy()
        values.iloc[series.index.to_numpy()] = series.to_numpy()
        out[col] = values.astype(UTC_NS)
    return out, linked


PARSERS = {
    "github_pulls": parse_github_pulls,
    "gh_pr_list": parse_gh_pr_list,
    "gitlab_merge_requests": parse_gitlab_merge_requests,
    "github_pull_reviews": parse_github_pull_reviews,
}
