"""Hand-made canonical frames for the analysis tests (no git, no files)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from vsm_app.domain.tables import Tables, conform

MIN = 60.0
HOUR = 3600.0
DAY = 86_400.0


def T(text: str | None) -> pd.Timestamp:
    """A UTC timestamp (``None`` → NaT)."""
    return pd.NaT if text is None else pd.Timestamp(text, tz="UTC")


def frame(table: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A canonical table from row dicts; ``*_at`` strings become UTC timestamps."""
    df = pd.DataFrame(rows)
    for c in df.columns:
        if c.endswith("_at"):
            df[c] = pd.to_datetime(df[c], utc=True, format="ISO8601")
    return conform(df, table)


def tables(changes: list[dict[str, Any]] | None = None,
           deployments: list[dict[str, Any]] | None = None,
           incidents: list[dict[str, Any]] | None = None,
           ci_runs: list[dict[str, Any]] | None = None,
           commits: list[dict[str, Any]] | None = None) -> Tables:
    t = Tables()
    if changes:
        t.changes = frame("changes", changes)
    if deployments:
        t.deployments = frame("deployments", deployments)
    if incidents:
        t.incidents = frame("incidents", incidents)
    if ci_runs:
        t.ci_runs = frame("ci_runs", ci_runs)
    if commits:
        t.commits = frame("commits", commits)
    return t


def change(cid: str, first: str | None, merged: str | None = None,
           deployed: str | None = None, dep: str | None = None, **extra: Any) -> dict[str, Any]:
    """A change row: id, first commit, merge and deployment times (strings, UTC)."""
    row: dict[str, Any] = {"change_id": cid, "merge_sha": f"sha-{cid}", "first_commit_at": first,
                           "merged_at": merged, "deployed_at": deployed, "deployment_id": dep,
                           "kind": "feature"}
    row.update(extra)
    return row


def deployment(did: str, finished: str, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"deployment_id": did, "sha": f"sha-{did}", "finished_at": finished,
                           "status": "success", "environment": "production"}
    row.update(extra)
    return row
