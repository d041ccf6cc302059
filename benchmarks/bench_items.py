"""Benchmark of work items (issue 18, "What must show"): 50,000 items with 500,000 status
changes import and analyse in < 5 s with a peak memory < 1 GB; a window change stays
< 300 ms with items loaded.

Writes two exports of the same 50,000 items and 500,000 status changes into a temporary
folder — a generic CSV of status changes and Jira search pages with ``expand=changelog``
(the issue fields a real export carries that the importer reads, the changelog oldest
first) — and builds 50,000 changes in memory whose branch names carry the keys of 80 % of
the items. For each export, in a fresh process (so its peak memory is its own):

* import (read + combine), link to the changes, prepare and analyse the whole window —
  the ``analyze --work-items`` path without git — with the time of each step and the
  process's peak resident memory (target: total < 5 s, peak < 1 GB);
* window changes with the items loaded: ``analyze_window`` over one quarter (weekly) and
  the whole two years (daily) (target < 300 ms).

Then the time each item spent in each status, computed by a naive per-row Python loop and
by the importer's vectorised code, with the ratio.

Run: ``.venv/bin/python benchmarks/bench_items.py [--items N] [--changes-per-item K]``
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

S = 1_000_000_000
START = pd.Timestamp("2024-01-01", tz="UTC").value
SPAN = 730 * 86_400 * S
FLOW = ["Backlog", "In Analysis", "Ready", "In Progress", "In Review", "Done"]
CATEGORY = {"Backlog": ("new", 2), "In Analysis": ("indeterminate", 4),
            "Ready": ("new", 2), "In Progress": ("indeterminate", 4),
            "In Review": ("indeterminate", 4), "Done": ("done", 3)}


def synth_transitions(n_items: int, per_item: int, seed: int = 18
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Items (id, type, created) and their status changes: each walks the flow with a few
    backward moves and reopens, ``per_item`` changes on average (vectorised)."""
    rng = np.random.default_rng(seed)
    counts = np.maximum(2, rng.poisson(per_item - 2, n_items) + 2)
    total = int(counts.sum())
    item = np.repeat(np.arange(n_items), counts)
    first = np.r_[0, np.cumsum(counts)[:-1]]
    step = np.arange(total) - np.repeat(first, counts)
    created = START + np.sort(rng.integers(0, SPAN, n_items))
    gaps = (rng.lognormal(np.log(6 * 3600), 1.0, total) * S).astype(np.int64)
    gaps[step == 0] = 0
    at = np.repeat(created, counts) + np.cumsum(gaps) - np.repeat(
        np.cumsum(gaps)[first], counts)
    at = at // 1_000_000 * 1_000_000  # the exports carry milliseconds
    created = created // 1_000_000 * 1_000_000
    # the status walks forward, sometimes a step back; the last change ends in Done
    move = np.where(rng.random(total) < 0.15, -1, 1)
    move[step == 0] = 0
    pos = np.cumsum(move) - np.repeat(np.cumsum(move)[first], counts)
    pos = np.clip(pos, 0, len(FLOW) - 2)
    last = np.r_[first[1:] - 1, total - 1]
    done = rng.random(n_items) < 0.9
    pos[last[done]] = len(FLOW) - 1
    names = np.array(FLOW, dtype=object)[pos]
    items = pd.DataFrame({"item_id": [f"PROJ-{i + 1}" for i in range(n_items)],
                          "type": rng.choice(np.array(["Story", "Bug", "Task"], object),
                                             n_items, p=[0.6, 0.25, 0.15]),
                          "created": created})
    tr = pd.DataFrame({"item": item, "status": names, "at": at})
    return items, tr


def _iso(ns: np.ndarray) -> list[str]:
    return pd.DatetimeIndex(ns.view("datetime64[ns]")).strftime(
        "%Y-%m-%dT%H:%M:%S.%f").str[:-3].map(lambda s: s + "+0000").tolist()


def write_csv(items: pd.DataFrame, tr: pd.DataFrame, path: Path) -> None:
    ids = items["item_id"].to_numpy(dtype=object)[tr["item"].to_numpy()]
    types = items["type"].to_numpy(dtype=object)[tr["item"].to_numpy()]
    when = _iso(tr["at"].to_numpy())
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["item_id", "type", "status", "changed_at"])
        w.writerows(zip(ids, types, tr["status"].tolist(), when, strict=True))


def write_jira(items: pd.DataFrame, tr: pd.DataFrame, path: Path) -> None:
    """Search pages of 1,000 issues (a real export pages by 50-100; fewer, larger pages read
    the same, one issue at a time)."""
    when = _iso(tr["at"].to_numpy())
    created = _iso(items["created"].to_numpy())
    status = tr["status"].to_numpy(dtype=object)
    item = tr["item"].to_numpy()
    starts = np.searchsorted(item, np.arange(len(items)))
    ends = np.r_[starts[1:], len(item)]
    hid = 0
    with path.open("w") as f:
        f.write("[")
        for page in range(0, len(items), 1000):
            issues = []
            for i in range(page, min(page + 1000, len(items))):
                histories = []
                prev = status[starts[i]]
                for k in range(starts[i] + 1, ends[i]):
                    hid += 1
                    histories.append({"id": str(hid), "created": when[k], "items": [
                        {"field": "status", "fieldtype": "jira", "fieldId": "status",
                         "from": "1", "fromString": prev, "to": "2",
                         "toString": status[k]}]})
                    prev = status[k]
                cur = status[ends[i] - 1]
                cat, cid = CATEGORY[cur]
                issues.append({"id": str(10000 + i), "key": items["item_id"].iat[i], "fields": {
                    "summary": f"item {i}", "created": created[i],
                    "issuetype": {"name": items["type"].iat[i], "subtask": False,
                                  "hierarchyLevel": 0},
                    "status": {"name": cur, "id": str(cid),
                               "statusCategory": {"id": cid, "key": cat}}},
                    "changelog": {"startAt": 0, "maxResults": len(histories),
                                  "total": len(histories), "histories": histories}})
            f.write(("," if page else "") + json.dumps(
                {"startAt": page, "maxResults": 1000, "total": len(items), "issues": issues}))
        f.write("]")


def synth_changes(items: pd.DataFrame, tr: pd.DataFrame, seed: int = 19) -> Any:
    """One change per item for 80 % of the items (its key in the branch), deployed ~hourly;
    as canonical tables (commits in one first-parent line, so linking finds every sha)."""
    from vsm_app.domain.tables import Tables, conform

    rng = np.random.default_rng(seed)
    n = len(items)
    linked = np.flatnonzero(rng.random(n) < 0.8)
    last_at = tr.groupby("item")["at"].max().to_numpy()
    merged = last_at[linked] - (rng.uniform(0.1, 2, len(linked)) * 3600 * S).astype(np.int64)
    order = np.argsort(merged)
    linked, merged = linked[order], merged[order]
    first = merged - (rng.lognormal(np.log(8 * 3600), 0.8, len(linked)) * S).astype(np.int64)
    opened = first + ((merged - first) * 0.6).astype(np.int64)
    review = opened + ((merged - opened) * 0.5).astype(np.int64)
    deploy = np.arange(START, START + SPAN + 30 * 86_400 * S, 3600 * S)
    deployed = deploy[np.minimum(np.searchsorted(deploy, merged), len(deploy) - 1)]
    shas = [f"{i:040x}" for i in range(len(linked))]
    keys = items["item_id"].to_numpy(dtype=object)[linked]

    def ts(ns: np.ndarray) -> pd.DatetimeIndex:
        return pd.DatetimeIndex(ns.view("datetime64[ns]")).tz_localize("UTC")

    changes = pd.DataFrame({
        "change_id": shas, "merge_sha": shas, "first_commit_at": ts(first),
        "pr_opened_at": ts(opened), "first_review_at": ts(review), "approved_at": ts(review),
        "merged_at": ts(merged), "deployed_at": ts(deployed), "kind": "feature",
        "repo": "repo", "item_keys": [(f"branch:{k}",) for k in keys]})
    commits = pd.DataFrame({"sha": shas, "parents": [()] + [(s,) for s in shas[:-1]],
                            "author_time": ts(first), "commit_time": ts(merged),
                            "change_id": shas})
    return Tables(changes=conform(changes, "changes"), commits=conform(commits, "commits"))


def a_map() -> Any:
    from vsm_app.domain.model import Segment, SegmentKind, Stage, StatusBinding, ValueStreamMap

    m = ValueStreamMap("bench")
    m.add_stage(Stage("Backlog", statuses=[StatusBinding("Backlog")]))
    m.add_stage(Stage("Analysis", statuses=[StatusBinding("In Analysis"),
                                            StatusBinding("Ready")]))
    m.add_stage(Stage("Development", statuses=[StatusBinding("In Progress")]))
    m.add_stage(Stage("Review", segments=[
        Segment("pr_opened", "first_review", SegmentKind.WAIT),
        Segment("first_review", "approved", SegmentKind.ACTIVE)]))
    m.add_stage(Stage("Release", segments=[Segment("merged", "deployed", SegmentKind.WAIT)]))
    return m


def child(path: str, items: int, per_item: int) -> None:
    """Import, link, prepare, analyse one export; print one JSON line of figures."""
    from vsm_app.analysis.engine import AnalysisOptions, analyze_window, prepare
    from vsm_app.ingest.sources import ImportOptions, import_files, link

    it, tr = synth_transitions(items, per_item)
    tables = synth_changes(it, tr)
    del it, tr
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    imported = import_files([("items", path)], ImportOptions(default_tz="UTC"))
    assert not imported.errors, imported.errors[0]
    t1 = time.perf_counter()
    linked = link(tables, imported)
    t2 = time.perf_counter()
    prepared = prepare(linked, a_map())
    t3 = time.perf_counter()
    result = analyze_window(prepared, AnalysisOptions(period="week"))
    t4 = time.perf_counter()
    cpu = time.process_time() - cpu0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def best(opts: Any) -> float:
        times = []
        for _ in range(5):
            a = time.perf_counter()
            analyze_window(prepared, opts)
            times.append(time.perf_counter() - a)
        return min(times)

    quarter = AnalysisOptions(since=pd.Timestamp("2025-01-01", tz="UTC"),
                              until=pd.Timestamp("2025-04-01", tz="UTC"), period="week")
    doc = result.to_json()
    print(json.dumps({
        "read": t1 - t0, "link": t2 - t1, "prepare": t3 - t2, "analyse": t4 - t3,
        "total": t4 - t0, "cpu": cpu, "peak_mb": peak, "before_mb": rss_before,
        "window_quarter": best(quarter), "window_all_daily": best(AnalysisOptions(period="day")),
        "items": len(linked.items), "stays": len(linked.item_status),
        "links": len(linked.item_links), "unit": doc["flow"]["unit"],
        "finished": doc["items"], "constraint": doc["bottleneck"]["stage"]}))


def naive_time_in_status(rows: list[tuple[str, str, int]], end: int) -> dict[tuple[str, str],
                                                                           float]:
    """Seconds per (item, status) with a per-row Python loop (the thing not to do)."""
    out: dict[tuple[str, str], float] = defaultdict(float)
    by_item: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for item, status, at in rows:
        by_item[item].append((at, status))
    for item, moves in by_item.items():
        moves.sort()
        for k, (at, status) in enumerate(moves):
            nxt = moves[k + 1][0] if k + 1 < len(moves) else end
            out[(item, status)] += (nxt - at) / S
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", type=int, default=50_000)
    ap.add_argument("--changes-per-item", type=int, default=10)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.items, args.changes_per_item)
        return
    items, tr = synth_transitions(args.items, args.changes_per_item)
    folder = Path(tempfile.mkdtemp(prefix="bench-items-"))
    t0 = time.perf_counter()
    write_csv(items, tr, folder / "status_changes.csv")
    write_jira(items, tr, folder / "jira_search.json")
    print(f"{len(items):,} items, {len(tr):,} status changes; exports written in "
          f"{time.perf_counter() - t0:.1f} s: CSV "
          f"{(folder / 'status_changes.csv').stat().st_size / 1e6:.0f} MB, Jira JSON "
          f"{(folder / 'jira_search.json').stat().st_size / 1e6:.0f} MB")
    for name in ("status_changes.csv", "jira_search.json"):
        r = subprocess.run([sys.executable, __file__, "--child", str(folder / name),
                            "--items", str(args.items), "--changes-per-item",
                            str(args.changes_per_item)], capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
        if r.returncode:
            print(r.stderr)
            raise SystemExit(1)
        f = json.loads(r.stdout.strip().splitlines()[-1])
        print(f"{name}: read {f['read']:.2f} s, link {f['link']:.2f} s, prepare "
              f"{f['prepare']:.2f} s, analyse {f['analyse']:.2f} s = {f['total']:.2f} s "
              f"(target < 5 s; CPU time {f['cpu']:.2f} s, which other load on the machine "
              f"inflates less); peak memory {f['peak_mb']:.0f} MB (target < 1024 MB; "
              f"{f['before_mb']:.0f} MB before the import)")
        print(f"  {f['items']:,} items, {f['stays']:,} stays, {f['links']:,} links; flow on "
              f"{f['unit']}, {f['finished']:,} finished, constraint {f['constraint']}")
        print(f"  window change with items loaded: one quarter weekly "
              f"{f['window_quarter'] * 1000:.0f} ms, two years daily "
              f"{f['window_all_daily'] * 1000:.0f} ms (target < 300 ms)")
    # decoding the Jira export: json.loads of the whole file (the naive way, every field of
    # every issue built, the garbage collector on) vs the importer's typed decode
    import msgspec

    from vsm_app.ingest.trackers.jira_fast import _DECODER, _ISSUE

    blob = (folder / "jira_search.json").read_bytes()
    t0 = time.perf_counter()
    json.loads(blob)
    t_json = time.perf_counter() - t0
    from vsm_app.work import gc_paused

    t0 = time.perf_counter()
    with gc_paused():
        n_issues = sum(len([_ISSUE.decode(r) for r in page.issues or ()
                            if isinstance(r, msgspec.Raw)]) for page in _DECODER.decode(blob))
    t_typed = time.perf_counter() - t0
    assert n_issues == args.items
    del blob
    print(f"Jira JSON decode: json.loads of the whole file {t_json:.2f} s, the importer's "
          f"typed decode (msgspec, GC paused) {t_typed:.2f} s, ratio {t_json / t_typed:.0f}x")
    # time in status: naive loop vs the importer's vectorised stays
    from vsm_app.analysis.items import item_status_seconds
    from vsm_app.ingest.sources import ImportOptions, import_files, link

    rows = list(zip(items["item_id"].to_numpy(dtype=object)[tr["item"].to_numpy()],
                    tr["status"].tolist(), tr["at"].tolist(), strict=True))
    end = int(tr["at"].max())
    t0 = time.perf_counter()
    naive = naive_time_in_status(rows, end)
    t_naive = time.perf_counter() - t0
    imported = import_files([("items", str(folder / "status_changes.csv"))],
                            ImportOptions(default_tz="UTC"))
    from vsm_app.domain.tables import Tables

    tables = link(Tables(), imported)
    t0 = time.perf_counter()
    vec = item_status_seconds(tables)
    t_vec = time.perf_counter() - t0
    got = {(a, b): s for a, b, s in vec.itertuples(index=False)}
    same = len(got) == len(naive) and all(abs(got[k] - v) < 1e-3 for k, v in naive.items())
    print(f"time in each status per item: naive per-row loop {t_naive * 1000:.0f} ms, "
          f"vectorised {t_vec * 1000:.0f} ms, ratio {t_naive / t_vec:.0f}x (same values: "
          f"{same})")


if __name__ == "__main__":
    main()
