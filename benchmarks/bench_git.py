"""Benchmark the git reader against raw ``git log`` on the same repository.

    python benchmarks/bench_git.py [REPO] [--tags 'v*'] [--repeat 3]

Without REPO, builds ``benchmarks/out/big100k`` (100,000 commits) with gen_big_repo.py first.
Works on a copy of the repository (incremental runs add commits to it). Prints, beside raw git:

* time to metrics: ``run()`` (in-process, interpreter start-up and imports excluded) against
  ``git log`` without numstat (target ≤ 2×);
* the size pass: ``fill_sizes()`` against ``git log --numstat`` (target ≤ 1.1×);
* peak memory (max RSS of this process, target < 1 GB) and the Python allocation peak;
* a cached re-run (target < 1 s) and an incremental run after adding a few commits;
* the ancestry walk against one ``git rev-list`` per tag (the naive way), checked equal.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

from vsm_app.demo.fastimport import git_env  # noqa: E402
from vsm_app.ingest.ancestry import assign_deployments, parent_graph  # noqa: E402
from vsm_app.ingest.git import GitOptions, fill_sizes, run  # noqa: E402

LOG_FORMAT = "%H%x00%P%x00%at%x00%ct%x00%aE%x01%aN%x00%s%x00%b"


def cpu_s() -> float:
    """CPU seconds used so far by this process and its finished children (git)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


CPU: dict[str, float] = {}


def best(fn: Callable[[], Any], repeat: int, name: str = "") -> tuple[float, Any]:
    """Best wall time of ``repeat`` calls; the CPU time of that call goes to ``CPU[name]``.

    The machine may be shared: CPU time (ours + git's) is the figure that contention does
    not inflate, so ratios are printed for both.
    """
    times, cpus, result = [], [], None
    for _ in range(repeat):
        c, t = cpu_s(), time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
        cpus.append(cpu_s() - c)
    if name:
        CPU[name] = cpus[times.index(min(times))]
    return min(times), result


def git(repo: Path, *args: str, out: int | None = subprocess.DEVNULL) -> None:
    subprocess.run(["git", *args], cwd=repo, env=git_env(), stdout=out, check=True)


def git_text(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, env=git_env(), capture_output=True,
                          text=True, check=True).stdout


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def add_commits(repo: Path, n: int, start_epoch: int) -> None:
    """n new commits on main (same tree, fixed dates), without touching any work tree."""
    head = git_text(repo, "rev-parse", "main").strip()
    tree = git_text(repo, "rev-parse", "main^{tree}").strip()
    for i in range(n):
        env = {**git_env(), "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@bench.invalid",
               "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@bench.invalid",
               "GIT_AUTHOR_DATE": f"@{start_epoch + 60 * i} +0000",
               "GIT_COMMITTER_DATE": f"@{start_epoch + 60 * i} +0000"}
        head = subprocess.run(["git", "commit-tree", tree, "-p", head, "-m", f"feat: new {i}"],
                              cwd=repo, env=env, capture_output=True, text=True,
                              check=True).stdout.strip()
    git(repo, "update-ref", "refs/heads/main", head)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("repo", nargs="?", type=Path)
    ap.add_argument("--tags", default="v*")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-sizes", action="store_true", help="skip the (slow) numstat pass")
    args = ap.parse_args(argv)

    source = args.repo
    if source is None:
        source = ROOT / "benchmarks" / "out" / "big100k"
        if not source.exists():
            print(f"building {source} …", flush=True)
            subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gen_big_repo.py"),
                            str(source)], check=True)
    work_dir = Path(tempfile.mkdtemp(prefix="bench-git-"))
    repo = work_dir / "repo"
    shutil.copytree(source, repo, symlinks=True)
    cache = work_dir / "cache"
    opts = GitOptions(str(repo), deploy_tags=args.tags)
    n_commits = int(git_text(repo, "rev-list", "--count", "--all").strip())
    print(f"repository: {source} ({n_commits:,} commits), git {git_text(repo, 'version').split()[-1]}"
          f", {os.cpu_count()} CPUs\n")
    rows: list[tuple[str, str, str]] = []

    # --- raw git log, same repository (output discarded, as fast as git can go)
    t_plain, _ = best(lambda: git(repo, "log", "main"), args.repeat, "plain")
    t_fmt, _ = best(lambda: git(repo, "log", "-z", f"--format={LOG_FORMAT}", "main", "--tags"),
                    args.repeat, "fmt")
    rows.append(("raw `git log main` > /dev/null", f"{t_plain:.3f} s",
                 f"cpu {CPU['plain']:.3f} s"))
    rows.append(("raw `git log -z --format=<ours> main --tags`", f"{t_fmt:.3f} s",
                 f"cpu {CPU['fmt']:.3f} s"))

    # --- time to metrics
    t_run, tables = best(lambda: run(opts), args.repeat, "run")
    rss_after_run = rss_mb()
    rows.append(("run() → commits, changes, deployments", f"{t_run:.3f} s",
                 f"{t_run / t_plain:.2f}× plain log, {t_run / t_fmt:.2f}× same-format log "
                 f"(target ≤ 2×); cpu {CPU['run']:.3f} s = {CPU['run'] / CPU['plain']:.2f}× "
                 f"plain-log cpu"))
    tracemalloc.start()
    run(opts)
    _, py_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rows.append(("  tables", f"{len(tables.commits):,} commits, {len(tables.changes):,} changes, "
                 f"{len(tables.deployments):,} deployments", ""))
    rows.append(("peak memory after run() (max RSS)", f"{rss_after_run:.0f} MB",
                 "target < 1 GB (includes interpreter, pandas)"))
    rows.append(("  Python allocation peak in run() (tracemalloc)", f"{py_peak / 2**20:.0f} MB",
                 "(tracemalloc slows run(); its time is not the one above)"))

    # --- cache: first run fills it, the second reads it
    t_fill, _ = best(lambda: run(opts, cache_dir=cache), 1)
    t_cached, cached = best(lambda: run(opts, cache_dir=cache), args.repeat, "cached")
    assert cached.data_quality["history_from_cache"]
    pd.testing.assert_frame_equal(cached.changes, tables.changes)
    rows.append(("run() filling the cache", f"{t_fill:.3f} s", ""))
    rows.append(("cached re-run, unchanged repository", f"{t_cached:.3f} s",
                 f"target < 1 s; cpu {CPU['cached']:.3f} s"))

    # --- incremental: a few new commits
    last = int(tables.commits["commit_time"].max().timestamp())
    add_commits(repo, 5, last + 3600)
    t_inc, inc = best(lambda: run(opts, cache_dir=cache), 1)
    read_new = inc.data_quality["commits_read_from_git"]
    fresh = run(opts)
    pd.testing.assert_frame_equal(inc.changes, fresh.changes)
    rows.append(("incremental re-run after 5 new commits", f"{t_inc:.3f} s",
                 f"read {read_new} commits from git; equal to a full read"))

    # --- ancestry: our walk vs one rev-list per tag
    commits, changes, deps = fresh.commits, fresh.changes, fresh.deployments
    t0 = time.perf_counter()
    graph = parent_graph(commits)
    t_graph = time.perf_counter() - t0
    t_walk, assigned = best(lambda: assign_deployments(commits, changes, deps, graph=graph),
                            args.repeat)
    ordered = deps.sort_values(["finished_at", "deployment_id"], kind="stable")
    shas = ordered["sha"].tolist()
    change_set = set(changes["change_id"])
    naive: dict[str, str] = {}
    t0 = time.perf_counter()
    for i, (dep_id, sha) in enumerate(zip(ordered["deployment_id"], shas, strict=True)):
        out = subprocess.run(["git", "rev-list", "--stdin"], cwd=repo, env=git_env(),
                             input="\n".join([sha, *(f"^{s}" for s in shas[:i])]) + "\n",
                             capture_output=True, text=True, check=True).stdout
        for c in out.split():
            if c in change_set:
                naive.setdefault(c, dep_id)
    t_naive = time.perf_counter() - t0
    ours = assigned.dropna(subset=["deployment_id"]).set_index("change_id")["deployment_id"]
    same = ours.to_dict() == naive
    rows.append((f"ancestry walk, {len(deps)} tags (graph build {t_graph:.3f} s apart)",
                 f"{t_walk:.3f} s", ""))
    rows.append(("naive: one `git rev-list TAG ^EARLIER…` per tag", f"{t_naive:.3f} s",
                 f"{t_naive / t_walk:.0f}× slower; same assignment: {same}"))

    # --- size pass
    if not args.skip_sizes:
        t_numstat, _ = best(lambda: git(repo, "log", "--numstat", "main", "--tags"), 2, "numstat")
        t_sizes, sized = best(lambda: fill_sizes(opts, fresh.commits), 2, "sizes")
        rows.append(("raw `git log --numstat main --tags` > /dev/null", f"{t_numstat:.3f} s",
                     f"cpu {CPU['numstat']:.3f} s"))
        rows.append(("fill_sizes() (no cache)", f"{t_sizes:.3f} s",
                     f"{t_sizes / t_numstat:.2f}× (target ≤ 1.1×); cpu {CPU['sizes']:.3f} s = "
                     f"{CPU['sizes'] / CPU['numstat']:.2f}×"))
        t_sizes_cached, _ = best(lambda: fill_sizes(opts, fresh.commits, cache_dir=cache), 1)
        t_sizes_cached2, _ = best(lambda: fill_sizes(opts, fresh.commits, cache_dir=cache), 1)
        rows.append(("fill_sizes() filling the cache, then cached", f"{t_sizes_cached:.3f} s, "
                     f"{t_sizes_cached2:.3f} s", f"{int(sized['insertions'].sum()):,} lines added"))
        rows.append(("peak memory at the end (max RSS)", f"{rss_mb():.0f} MB", "target < 1 GB"))

    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>14}  {note}")
    shutil.rmtree(work_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
