"""analyze-many at organisation scale: N generated repositories on a LocalCluster (issue 21).

    python benchmarks/bench_scale.py [--repos 200] [--dest benchmarks/out/scale]

Each repository is the demo generator's (vsm_app/demo/generate.py) with its own seed: two
years, ~5,700 commits, ~1,500 changes, ~250 release tags, with its PR, CI-run and incident
exports (~10 MB on disk each). The manifest puts them in 8 teams by repository and adds two
services by path (``src/api/``, ``src/web/``) across all of them, so the files pass runs too.

Printed: wall time with ``--workers 1`` and with one worker per core (cold git cache each
time), per-repository cost (median, p95, sum), the scheduler's overhead (wall of the
parallel phase minus the work spread over the workers), the organisation phase (reading the
Parquet back and computing the whole and every group), the peak memory of each worker
process, a re-run where nothing changed, and raw ``git log`` over every repository as the
naive floor. docs/scale.md projects these figures to 10,000 repositories.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED0 = 1000


def _generate(args: tuple[Path, int]) -> str:
    from vsm_app.demo.generate import generate

    dest, seed = args
    p = generate(dest, seed)
    return str(p.repo)


def build(dest: Path, n: int) -> list[Path]:
    todo = [(dest / f"r{i:04d}", SEED0 + i) for i in range(n)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(_generate, todo, chunksize=4))
    print(f"generated/checked {n} repositories in {time.perf_counter() - t0:.0f} s "
          f"(under {dest})", flush=True)
    return [d for d, _ in todo]


def manifest(dest: Path, repos: list[Path]) -> Path:
    lines = []
    for d in repos:
        e = d / "exports"
        lines += ["[[repository]]", f'name = "{d.name}"', f'path = "{d / "repo"}"',
                  'deploy_tags = "v*"', f'prs = ["{e / "prs.json"}"]',
                  f'ci = ["{e / "ci_runs.json"}"]', f'incidents = ["{e / "incidents.json"}"]', ""]
    teams = 8
    for t in range(teams):
        names = ", ".join(f'"{d.name}"' for d in repos[t::teams])
        lines += ["[[group]]", f'name = "team-{t + 1}"', f"repositories = [{names}]", ""]
    for svc in ("api", "web"):
        lines += ["[[group]]", f'name = "{svc}"', 'kind = "service"',
                  f'paths = ["src/{svc}/"]', ""]
    path = dest / "manifest.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def raw_git_log(repos: list[Path]) -> float:
    t0 = time.perf_counter()
    for d in repos:
        subprocess.run(["git", "-C", str(d / "repo"), "log", "--all", "--format=%H%x00%P%x00%at"
                        "%x00%ct%x00%s"], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def one_run(man_path: Path, out: Path, workers: int, home: Path, force: bool = True) -> dict:
    from vsm_app.scale.manifest import load_manifest
    from vsm_app.scale.portfolio import RunOptions, run

    os.environ["VSM_APP_HOME"] = str(home)  # the workers inherit it: their own git cache
    res = run(load_manifest(man_path), RunOptions(out=out, workers=workers, force=force))
    secs = [s["seconds"] for s in res.statuses if s.get("seconds") is not None]
    peak: dict[int, float] = {}
    for s in res.statuses:
        if s.get("worker_pid") and s.get("peak_rss_mb"):
            peak[s["worker_pid"]] = max(peak.get(s["worker_pid"], 0.0), s["peak_rss_mb"])
    work = sum(secs)
    return {
        "workers": res.workers, "wall": res.wall_s, "cluster": res.cluster_start_s,
        "prepare": res.prepare_s, "organisation": res.organisation_s, "work": work,
        "median": statistics.median(secs), "p95": sorted(secs)[int(0.95 * (len(secs) - 1))],
        "overhead": res.prepare_s - res.cluster_start_s - work / max(res.workers, 1),
        "peak": peak, "failed": len(res.failed),
        "statuses": {s["status"] for s in res.statuses},
        "changes": res.summary["whole"]["changes"],
    }


ORG = """
import json, sys, time
from pathlib import Path
from vsm_app.scale.manifest import load_manifest
from vsm_app.scale.portfolio import summarize
from vsm_app.scale.worker import _peak_rss_mb
out = Path(sys.argv[2])
statuses = json.loads(Path(sys.argv[4]).read_text())
client = None
if sys.argv[3] == "cluster":  # the driver's own memory: the workers are other processes
    import logging
    from dask.distributed import Client, LocalCluster
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address="127.0.0.1:0",
                           silence_logs=logging.CRITICAL)
    client = Client(cluster)
# the libraries the phase loads count once, not per change: the baseline is taken after them
import numpy, pandas, pyarrow.parquet  # noqa
import vsm_app.analysis.combine, vsm_app.analysis.groups, vsm_app.scale.organisation  # noqa
before = _peak_rss_mb()
t0 = time.perf_counter()
summary = summarize(load_manifest(sys.argv[1]), out, statuses, client=client)
print(json.dumps({"seconds": time.perf_counter() - t0, "before_mb": before,
                  "peak_mb": _peak_rss_mb(),
                  "changes_total": summary["whole"]["data_quality"]["changes_total"]}))
"""


def organisation(man: Path, out: Path, where: str = "driver", repos: int | None = None
                 ) -> dict:
    """The organisation phase alone, in a fresh process: its time and peak memory;
    ``where="cluster"``: prepared per repository on 2 local workers, joined in the driver
    (scale/organisation.py), the driver's peak. ``repos``: only the first so many
    repositories (the groups keep their definitions)."""
    # the statuses of the run that made the tables (summarize rewrites status.json)
    kept = out.parent / f".{out.name}-status.json"
    if not kept.is_file():
        shutil.copyfile(out / "status.json", kept)
    statuses = json.loads(kept.read_text())["repositories"]
    n_repos = len(statuses) if repos is None else repos
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(statuses[:n_repos], f)
    try:
        r = subprocess.run([sys.executable, "-c", ORG, str(man), str(out), where, f.name],
                           check=True, capture_output=True, text=True, cwd=ROOT)
    finally:
        os.unlink(f.name)
    d = json.loads(r.stdout.strip().splitlines()[-1])
    n = d["changes_total"]
    label = "in one process" if where == "driver" else "on 2 workers, driver's memory"
    print(f"organisation phase alone ({label}, {n_repos} repositories): {d['seconds']:.1f} s, "
          f"peak RSS {d['peak_mb']:.0f} MB ({d['before_mb']:.0f} MB after imports) for "
          f"{n:,} changes: {(d['peak_mb'] - d['before_mb']) * 1024 / max(n, 1):.2f} KB per "
          f"change", flush=True)
    return d


def marginal(man: Path, out: Path, where: str, n_repos: int) -> None:
    """The organisation phase on half the repositories and on all: the peak's growth per
    added change (what a projection to more repositories multiplies; fixed costs cancel)."""
    half = organisation(man, out, where, max(n_repos // 2, 1))
    full = organisation(man, out, where, n_repos)
    dn = full["changes_total"] - half["changes_total"]
    if dn > 0:
        print(f"  marginal ({where}): {(full['peak_mb'] - half['peak_mb']) * 1024 / dn:.2f} KB "
              f"of peak per added change; {(full['seconds'] - half['seconds']) / dn * 1e6:.0f} "
              f"µs per added change", flush=True)


def show(label: str, r: dict) -> None:
    peaks = sorted(r["peak"].values())
    print(f"{label}: wall {r['wall']:.1f} s = cluster start {r['cluster']:.1f} s + repositories "
          f"{r['prepare'] - r['cluster']:.1f} s + organisation {r['organisation']:.1f} s; "
          f"per repository median {r['median']:.2f} s, p95 {r['p95']:.2f} s, sum "
          f"{r['work']:.1f} s; scheduler overhead {r['overhead']:.1f} s; peak RSS per worker "
          f"{', '.join(f'{p:.0f}' for p in peaks)} MB; {r['failed']} failed; "
          f"{r['changes']:,} changes in the whole", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repos", type=int, default=200)
    ap.add_argument("--dest", type=Path, default=ROOT / "benchmarks" / "out" / "scale")
    ap.add_argument("--org-only", action="store_true",
                    help="one run to make the tables, then the organisation phase alone, "
                         "in one process and on the cluster")
    ap.add_argument("--out", type=Path, default=None,
                    help="with --org-only: keep the analyze-many output here and re-use it "
                         "when it is already there (the same tables for a before/after)")
    args = ap.parse_args()
    args.dest.mkdir(parents=True, exist_ok=True)
    repos = build(args.dest, args.repos)
    man = manifest(args.dest, repos)
    if args.org_only:
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
            t = Path(tmp)
            out = args.out or t / "out"
            if (out / "status.json").is_file():
                print(f"re-using the tables in {out}", flush=True)
            else:
                show("--workers 2 (cold cache)", one_run(man, out, 2, t / "home"))
            marginal(man, out, "driver", len(repos))
            marginal(man, out, "cluster", len(repos))
        return 0
    floor = raw_git_log(repos)
    print(f"naive floor: raw git log of {len(repos)} repositories, serial: {floor:.1f} s "
          f"({floor / len(repos) * 1000:.0f} ms each)", flush=True)
    cores = os.cpu_count() or 1
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        t = Path(tmp)
        for n in dict.fromkeys([1, cores]):
            r = one_run(man, t / f"out{n}", n, t / f"home{n}")
            show(f"--workers {n} (cold cache)", r)
            results[n] = r
        again = one_run(man, t / f"out{cores}", cores, t / f"home{cores}", force=False)
        show(f"re-run, nothing changed, --workers {cores}", again)
        organisation(man, t / f"out{cores}", "driver")
        organisation(man, t / f"out{cores}", "cluster")
        shutil.rmtree(t, ignore_errors=True)
    one, many = results[1], results[cores]
    print(f"speed-up with {cores} workers: {one['wall'] / many['wall']:.2f}x wall, "
          f"{one['prepare'] / many['prepare']:.2f}x on the repository phase; cost per "
          f"repository on one worker: {(one['prepare'] - one['cluster']) / len(repos):.2f} s "
          f"wall ({one['work'] / len(repos):.2f} s of work); ratio to raw git log: "
          f"{one['work'] / floor:.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
