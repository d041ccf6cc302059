"""Canonical tables (DESIGN §3): column names and dtypes shared by ingest and analysis.

Every timestamp column is ``datetime64[ns, UTC]``; a missing time is ``NaT``, never zero.
The functions here only build empty frames and coerce dtypes; they hold no business rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

UTC_NS = "datetime64[ns, UTC]"

#: column -> dtype for each canonical table. Extra columns noted with "(ext)" are ours,
#: beyond DESIGN §3; they never replace a DESIGN column.
SCHEMAS: dict[str, dict[str, str]] = {
    "commits": {
        "sha": "string",
        "parents": "object",  # tuple[str, ...]
        "author_time": UTC_NS,
        "commit_time": UTC_NS,
        "subject": "string",
        "files": "Int64",  # filled by the (optional) size pass
        "insertions": "Int64",
        "deletions": "Int64",
        "author_key": "string",  # salted hash, never the identity itself
        "repo": "string",  # (ext) repository label, for multi-repository projects
    },
    "changes": {
        "change_id": "string",
        "merge_sha": "string",
        "first_commit_at": UTC_NS,
        "pr_opened_at": UTC_NS,
        "first_review_at": UTC_NS,
        "approved_at": UTC_NS,
        "merged_at": UTC_NS,
        "deployed_at": UTC_NS,
        "deployment_id": "string",
        "kind": "string",  # feature | defect | debt | risk
        "is_revert": "bool",
        "reverts": "string",  # change_id of the change this one reverts
        "repo": "string",  # (ext)
        "n_commits": "Int64",  # (ext) commits the change holds
        "last_commit_at": UTC_NS,  # (ext) latest author time of its commits
        "first_deployment": "bool",  # (ext) shipped by the first deployment: no lead time
        "pr_id": "string",  # (ext) linked pull/merge request, when review data is loaded
        "lines_changed": "Int64",  # (ext) insertions + deletions, from the size pass
        # (ext) work-item keys its commits and branch name carry, as "how:KEY" (issue 18)
        "item_keys": "object",
    },
    "ci_runs": {
        "run_id": "string",
        "sha": "string",
        "workflow": "string",
        "attempt": "Int64",
        "queued_at": UTC_NS,
        "started_at": UTC_NS,
        "finished_at": UTC_NS,
        "conclusion": "string",  # success | failure | cancelled | skipped | <NA> (in progress)
        "is_deploy": "bool",
        "environment": "string",
        "source": "string",  # (ext) file the record came from
    },
    "deployments": {
        "deployment_id": "string",
        "sha": "string",
        "environment": "string",
        "started_at": UTC_NS,
        "finished_at": UTC_NS,
        "status": "string",  # success | failure | in_progress | ...
        "source": "string",
        "repo": "string",  # (ext)
    },
    "incidents": {
        "incident_id": "string",
        "opened_at": UTC_NS,
        "resolved_at": UTC_NS,
        "sha": "string",
        "deployment_id": "string",
        "severity": "string",
        "source": "string",  # (ext)
    },
    "events": {
        "change_id": "string",
        "event": "string",
        "at": UTC_NS,
    },
    # work items from an issue tracker (issue 18)
    "items": {
        "item_id": "string",  # tracker-qualified: "jira:EE-1", "github:o/r#5", "azure:1"
        "key": "string",  # what people and commit messages call it: EE-1, #5, AB#1
        "kind": "string",  # feature | defect | debt | risk | unknown; "" = not a unit of flow
        "created_at": UTC_NS,
        "done_at": UTC_NS,  # start of its final stay in done-category statuses
        "delivered_at": UTC_NS,  # the last linked change deployed (filled when linking)
        "parent_id": "string",
        "repo": "string",  # (ext) GitHub repository of an issue
        "type": "string",  # (ext) the tracker's issue type, as named there
        "status": "string",  # (ext) current status
        "category": "string",  # (ext) its category: new | indeterminate | done
        "title": "string",  # (ext) kept for an explicit --include-titles export only
        "format": "string",  # (ext)
        "source": "string",  # (ext) file the item came from (the first, when several)
    },
    "item_status": {
        "item_id": "string",
        "status": "string",
        "category": "string",  # new | indeterminate | done
        "entered_at": UTC_NS,
        "left_at": UTC_NS,  # NaT while the item is still in it
    },
    "item_links": {
        "item_id": "string",
        "change_id": "string",
        "how": "string",  # tracker | branch | pr | message (vsm_app.domain.items.HOWS)
    },
    # (ext) board columns of a Jira board configuration: a column's WIP limit
    "board_columns": {
        "board": "string",
        "column": "string",
        "position": "Int64",
        "statuses": "object",  # tuple of status names (ids where no name is known)
        "wip_min": "Int64",
        "wip_max": "Int64",
    },
}

#: Event names of DESIGN §3, in the order a change normally meets them.
EVENTS: tuple[str, ...] = (
    "first_commit",
    "last_commit",
    "pr_opened",
    "first_review",
    "approved",
    "merged",
    "ci_queued",
    "ci_started",
    "ci_finished",
    "deploy_started",
    "deployed",
)


def empty(table: str) -> pd.DataFrame:
    """An empty frame with the columns and dtypes of ``table``."""
    schema = SCHEMAS[table]
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in schema.items()})


def conform(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """Return ``df`` with every column of ``table`` present (missing → NA) in schema dtypes.

    Extra columns are kept after the schema's columns.
    """
    schema = SCHEMAS[table]
    out = df.copy()
    n = len(out)
    for col, dtype in schema.items():
        if col not in out.columns:
            if dtype == "bool":
                out[col] = pd.Series([False] * n, index=out.index, dtype="bool")
            elif dtype == "object":
                out[col] = pd.Series([None] * n, index=out.index, dtype="object")
            else:
                out[col] = pd.Series(pd.NA, index=out.index, dtype=dtype) if dtype != UTC_NS \
                    else pd.Series(pd.NaT, index=out.index, dtype=UTC_NS)
        elif dtype == UTC_NS:
            out[col] = pd.to_datetime(out[col], utc=True)
        elif dtype == "bool":
            out[col] = out[col].fillna(False).astype(bool)
        elif dtype != "object":
            out[col] = out[col].astype(dtype)
    extra = [c for c in out.columns if c not in schema]
    return out[list(schema) + extra]


@dataclass
class SourceReport:
    """What one input contributed: shown in the sources panel and in ``analyze --json``."""

    path: str
    format: str
    records: int = 0
    linked: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)
    #: source-specific facts added after the DESIGN keys (a repository's ``release_tags``)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "records": self.records,
            "linked": self.linked,
            "skipped": self.skipped,
            **self.extra,
        }


@dataclass
class Tables:
    """The canonical tables of one analysis, plus what each source contributed."""

    commits: pd.DataFrame = field(default_factory=lambda: empty("commits"))
    changes: pd.DataFrame = field(default_factory=lambda: empty("changes"))
    ci_runs: pd.DataFrame = field(default_factory=lambda: empty("ci_runs"))
    deployments: pd.DataFrame = field(default_factory=lambda: empty("deployments"))
    incidents: pd.DataFrame = field(default_factory=lambda: empty("incidents"))
    events: pd.DataFrame = field(default_factory=lambda: empty("events"))
    #: work items, their status history and their links to changes (issue 18)
    items: pd.DataFrame = field(default_factory=lambda: empty("items"))
    item_status: pd.DataFrame = field(default_factory=lambda: empty("item_status"))
    item_links: pd.DataFrame = field(default_factory=lambda: empty("item_links"))
    board_columns: pd.DataFrame = field(default_factory=lambda: empty("board_columns"))
    sources: list[SourceReport] = field(default_factory=list)
    #: counters such as ``{"negative_spans": 3, "unlinked_ci_runs": 12}`` and warnings
    data_quality: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: facts worth telling that are not problems ("release tags 'v[0-9]*[0-9]' (detected): …")
    notes: list[str] = field(default_factory=list)
