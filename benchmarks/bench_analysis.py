"""Benchmark of the analysis engine (issue 6, item 6).

Synthesises 100,000 changes over two years with about 1,000,000 events (change timestamps,
deployments, CI build runs), plus deployments every ~2 h, deploy CI runs, incidents, reverts
and rollbacks, then prints:

* full recomputation: ``analyze`` from the tables (target < 1 s), once deriving the events
  from the changes and once with a loaded 1,000,000-row events table;
* recomputation after a window change: ``analyze_window`` on the prepared data
  (target < 300 ms);
* one metric (weekly median lead time) computed by a naive per-row Python loop vs the
  engine's vectorised code, as a ratio.

Run: ``.venv/bin/python benchmarks/bench_analysis.py [--changes N] [--repeat K]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from vsm_app.analysis.dora import lead_times
from vsm_app.analysis.engine import AnalysisOptions, analyze, analyze_window, prepare
from vsm_app.analysis.events import build_events
from vsm_app.analysis.periods import period_start_ns, to_ns
from vsm_app.domain.tables import Tables, conform

S = 1_000_000_000
START = pd.Timestamp("2024-01-01", tz="UTC").value


def _ts(ns: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(ns.view("datetime64[ns]")).tz_localize("UTC")


def synthesize(n_changes: int = 100_000, seed: int = 7) -> Tables:
    """Canonical tables of a busy two-year repository (vectorised; a few seconds)."""
    rng = np.random.default_rng(seed)
    span = 730 * 86_400 * S
    n = n_changes
    first = START + np.sort(rng.integers(0, span, n))
    coding = (rng.lognormal(np.log(4 * 3600), 1.0, n) * S).astype(np.int64)
    last = first + (coding * rng.uniform(0.3, 1.0, n)).astype(np.int64)
    pr_opened = first + coding
    review_wait = (rng.lognormal(np.log(6 * 3600), 1.2, n) * S).astype(np.int64)
    first_review = pr_opened + review_wait
    review = (rng.lognormal(np.log(1 * 3600), 0.8, n) * S).astype(np.int64)
    approved = first_review + review
    merged = approved + (rng.lognormal(np.log(1800), 1.0, n) * S).astype(np.int64)
    # 12 % direct pushes: no pull request timestamps
    direct = rng.random(n) < 0.12
    nat = np.iinfo(np.int64).min
    for arr in (pr_opened, first_review, approved):
        arr[direct] = nat

    # deployments every ~2 h; a change ships with the first deployment after its merge
    n_dep = 730 * 12
    dep_fin = START + np.sort(rng.integers(0, span + 7 * 86_400 * S, n_dep))
    dep_start = dep_fin - (rng.uniform(300, 1200, n_dep) * S).astype(np.int64)
    ship = np.searchsorted(dep_fin, merged, side="left")
    shipped = ship < n_dep
    deployed = np.where(shipped, dep_fin[np.minimum(ship, n_dep - 1)], nat)
    dep_ids = np.array([f"d{i}" for i in range(n_dep)], dtype=object)
    change_ids = np.array([f"c{i}" for i in range(n)], dtype=object)
    shas = np.array([f"{i:040x}" for i in range(n)], dtype=object)
    dep_of = np.where(shipped, dep_ids[np.minimum(ship, n_dep - 1)], None)
    first_dep = shipped & (ship == ship[shipped].min())
    kinds = rng.choice(np.array(["feature", "defect", "debt", "risk"], dtype=object), n,
                       p=[0.55, 0.25, 0.15, 0.05])
    # 1 % reverts of a change merged a little earlier
    is_revert = rng.random(n) < 0.01
    is_revert[:50] = False
    back = rng.integers(1, 50, n)
    reverts = np.where(is_revert, change_ids[np.maximum(np.arange(n) - back, 0)], None)
    changes = pd.DataFrame({
        "change_id": change_ids, "merge_sha": shas,
        "first_commit_at": _ts(first), "last_commit_at": _ts(last),
        "pr_opened_at": _ts(pr_opened), "first_review_at": _ts(first_review),
        "approved_at": _ts(approved), "merged_at": _ts(merged), "deployed_at": _ts(deployed),
        "deployment_id": dep_of, "kind": kinds, "is_revert": is_revert, "reverts": reverts,
        "first_deployment": first_dep, "n_commits": rng.integers(1, 6, n),
    })
    deployments = pd.DataFrame({
        "deployment_id": dep_ids, "sha": np.array([f"dep{i}" for i in range(n_dep)], object),
        "environment": "production", "started_at": _ts(dep_start), "finished_at": _ts(dep_fin),
        "status": "success", "source": "bench",
        "is_rollback": rng.random(n_dep) < 0.005,
    })
    # CI: one build run per merge sha (3 events), one deploy run per deployment
    queued = merged + (rng.uniform(1, 60, n) * S).astype(np.int64)
    started = queued + (rng.lognormal(np.log(120), 1.0, n) * S).astype(np.int64)
    finished = started + (rng.lognormal(np.log(600), 0.5, n) * S).astype(np.int64)
    builds = pd.DataFrame({
        "run_id": [f"r{i}" for i in range(n)], "sha": shas, "workflow": "build",
        "attempt": 1, "queued_at": _ts(queued), "started_at": _ts(started),
        "finished_at": _ts(finished),
        "conclusion": rng.choice(np.array(["success", "failure"], object), n, p=[0.9, 0.1]),
        "is_deploy": False, "environment": None,
    })
    deploy_runs = pd.DataFrame({
        "run_id": [f"dr{i}" for i in range(n_dep)], "sha": deployments["sha"],
        "workflow": "deploy", "attempt": 1, "queued_at": _ts(dep_start),
        "started_at": _ts(dep_start), "finished_at": _ts(dep_fin),
        "conclusion": rng.choice(np.array(["success", "failure"], object), n_dep, p=[0.95, 0.05]),
        "is_deploy": True, "environment": "production",
    })
    n_inc = 400
    opened = START + np.sort(rng.integers(0, span, n_inc))
    resolved = opened + (rng.lognormal(np.log(3 * 3600), 1.2, n_inc) * S).astype(np.int64)
    incidents = pd.DataFrame({
        "incident_id": [f"i{i}" for i in range(n_inc)], "opened_at": _ts(opened),
        "resolved_at": _ts(resolved), "severity": "SEV2",
    })
    return Tables(
        changes=conform(changes, "changes"),
        deployments=conform(deployments, "deployments"),
        ci_runs=conform(pd.concat([builds, deploy_runs], ignore_index=True), "ci_runs"),
        incidents=conform(incidents, "incidents"),
    )


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Smallest wall time of ``repeat`` runs (s) and the last result."""
    times = []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def naive_weekly_lead_time(changes: pd.DataFrame) -> dict[int, float]:
    """Weekly median lead time with a per-row Python loop (the thing not to do)."""
    buckets: dict[int, list[float]] = defaultdict(list)
    for row in changes.itertuples(index=False):
        if row.first_deployment or pd.isna(row.deployed_at) or pd.isna(row.first_commit_at):
            continue
        lead = (row.deployed_at - row.first_commit_at).total_seconds()
        if lead < 0:
            continue
        monday = (row.deployed_at.normalize()
                  - pd.Timedelta(days=row.deployed_at.weekday())).value
        buckets[monday].append(lead)
    return {k: statistics.median(v) for k, v in buckets.items()}


def vector_weekly_lead_time(changes: pd.DataFrame) -> pd.Series:
    first = to_ns(changes["first_commit_at"])
    deployed = to_ns(changes["deployed_at"])
    lead, _ = lead_times(first, deployed, changes["first_deployment"].to_numpy(dtype=bool))
    ok = ~np.isnan(lead)
    return pd.Series(lead[ok]).groupby(period_start_ns(deployed[ok], "week")).median()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--changes", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    t0 = time.perf_counter()
    tables = synthesize(args.changes)
    t_syn = time.perf_counter() - t0
    t_ev, events = best_of(lambda: build_events(tables.changes, tables.ci_runs,
                                                tables.deployments), args.repeat)
    print(f"synthesised {len(tables.changes):,} changes, {len(tables.deployments):,} "
          f"deployments, {len(tables.ci_runs):,} CI runs, {len(tables.incidents):,} incidents "
          f"in {t_syn:.1f} s")
    print(f"build_events: {len(events):,} events in {t_ev * 1000:.0f} ms")

    opts = AnalysisOptions(period="week")
    t_full, result = best_of(lambda: analyze(tables, None, opts), args.repeat)
    print(f"full recomputation (events derived from the tables): {t_full * 1000:.0f} ms "
          f"(target < 1000 ms)")
    with_events = Tables(changes=tables.changes, deployments=tables.deployments,
                         ci_runs=tables.ci_runs, incidents=tables.incidents, events=events)
    t_full_ev, _ = best_of(lambda: analyze(with_events, None, opts), args.repeat)
    print(f"full recomputation (with the {len(events):,}-row events table loaded): "
          f"{t_full_ev * 1000:.0f} ms (target < 1000 ms)")

    t_prep, prepared = best_of(lambda: prepare(tables, None), args.repeat)
    quarter = AnalysisOptions(since=pd.Timestamp("2025-01-01", tz="UTC"),
                              until=pd.Timestamp("2025-04-01", tz="UTC"), period="week")
    t_win, res_q = best_of(lambda: analyze_window(prepared, quarter), args.repeat)
    everything = AnalysisOptions(period="day")
    t_win_all, _ = best_of(lambda: analyze_window(prepared, everything), args.repeat)
    print(f"prepare (window-independent): {t_prep * 1000:.0f} ms")
    print(f"window change → one quarter, weekly: {t_win * 1000:.0f} ms; whole two years, "
          f"daily: {t_win_all * 1000:.0f} ms (target < 300 ms)")

    t_naive, naive = best_of(lambda: naive_weekly_lead_time(tables.changes), 1)
    t_vec, vec = best_of(lambda: vector_weekly_lead_time(tables.changes), args.repeat)
    same = len(naive) == len(vec) and all(
        abs(naive[k] - vec[k]) < 1e-6 for k in vec.index)
    print(f"weekly median lead time: naive per-row loop {t_naive * 1000:.0f} ms, vectorised "
          f"{t_vec * 1000:.1f} ms, ratio {t_naive / t_vec:.0f}x (same values: {same})")
    doc = result.to_json()
    print(f"window {doc['window']['start']} .. {doc['window']['end']}: {doc['changes']:,} changes, "
          f"{doc['deployments']:,} deployments, lead time median "
          f"{doc['dora']['lead_time_median_s'] / 3600:.1f} h, constraint "
          f"{doc['bottleneck']['stage']}; quarter: {res_q.changes:,} changes")


if __name__ == "__main__":
    main()
