"""Benchmark the CI importer on big generated exports.

    python benchmarks/bench_import.py [--runs 100000] [--big-mb 200] [--out DIR]

Generates (into ``benchmarks/out/import`` unless ``--out``):

* ``runs_100k.json``: 100,000 GitHub Actions runs in one ``{total_count, workflow_runs}``
  page (about 55 MB; re-runs, in-progress runs and deploy workflows mixed in);
* ``runs_200mb.json``: the same kind of runs as ``gh api --paginate`` writes them, pages of
  100 runs back to back, until the file is about 200 MB.

Each measurement runs in a fresh subprocess so its peak RSS is its own. Prints, per file, the
import through :func:`vsm_app.ingest.sources.import_files` (time and peak memory; targets for
100k runs: < 5 s and < 500 MB) against the naive way: ``json.load`` of the whole file, one
dict per record, then a DataFrame and ``pd.to_datetime`` per column.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORKFLOWS = ["CI", "CodeQL", "Lint", "Deploy to production", "Docs"]
STATUSES = ["completed"] * 48 + ["in_progress", "queued"]
CONCLUSIONS = ["success"] * 8 + ["failure", "cancelled"]


def _run(i: int, rng: random.Random) -> dict[str, Any]:
    created = 1_600_000_000 + i * 300 + rng.randrange(60)
    attempt = 1 if rng.random() > 0.05 else 2
    started = created + (rng.randrange(5) if attempt == 1 else 3600 + rng.randrange(600))
    status = rng.choice(STATUSES)
    sha = f"{rng.getrandbits(160):040x}"

    def iso(t: int) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))

    return {
        "id": 1_000_000_000 + i,
        "name": rng.choice(WORKFLOWS),
        "head_branch": "main",
        "head_sha": sha,
        "path": ".github/workflows/ci.yml",
        "run_number": i,
        "event": "push",
        "status": status,
        "conclusion": rng.choice(CONCLUSIONS) if status == "completed" else None,
        "workflow_id": 5904664,
        "pull_requests": [],
        "created_at": iso(created),
        "updated_at": iso(started + 60 + rng.randrange(900)),
        "actor": {"login": "octocat", "id": 1},
        "run_attempt": attempt,
        "run_started_at": iso(started),
        "head_commit": {"id": sha, "message": "Update README.md"},
        "repository": {"id": 1296269, "full_name": "acme/shop"},
    }


def generate(out: Path, runs: int, big_mb: int) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    one = out / f"runs_{runs // 1000}k.json"
    big = out / f"runs_{big_mb}mb.json"
    rng = random.Random(7)
    if not one.exists():
        with one.open("w") as f:
            f.write(f'{{"total_count": {runs}, "workflow_runs": [\n')
            for i in range(runs):
                f.write(("," if i else "") + json.dumps(_run(i, rng), separators=(",", ":"))
                        + "\n")
            f.write("]}\n")
    if not big.exists():
        with big.open("w") as f:
            i = 0
            while f.tell() < big_mb * 1_000_000:
                page = [_run(i + k, rng) for k in range(100)]
                i += 100
                f.write(json.dumps({"total_count": 0, "workflow_runs": page}))
    return one, big


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def measure_import(path: str) -> dict[str, Any]:
    from vsm_app.ingest.sources import import_files

    base = _peak_mb()
    t = time.perf_counter()
    result = import_files([("ci", path)])
    seconds = time.perf_counter() - t
    assert not result.errors, [str(e) for e in result.errors]
    return {"seconds": seconds, "peak_mb": _peak_mb(), "baseline_mb": base,
            "rows": len(result.ci_runs)}


def measure_naive(path: str) -> dict[str, Any]:
    """The obvious way: load everything, build one dict per run, one DataFrame."""
    import pandas as pd

    base = _peak_mb()
    t = time.perf_counter()
    rows = []
    text = Path(path).read_text()
    decoder = json.JSONDecoder()
    pos = 0
    pages = []
    while pos < len(text):  # json.load cannot read concatenated pages: decode them in turn
        page, pos = decoder.raw_decode(text, pos)
        pages.append(page)
        while pos < len(text) and text[pos].isspace():
            pos += 1
    for page in pages:
        for r in page["workflow_runs"]:
            rows.append({
                "run_id": str(r["id"]), "sha": r["head_sha"], "workflow": r.get("name"),
                "attempt": r.get("run_attempt"), "created_at": r.get("created_at"),
                "started_at": r.get("run_started_at"), "updated_at": r.get("updated_at"),
                "status": r.get("status"), "conclusion": r.get("conclusion"),
            })
    df = pd.DataFrame(rows)
    for col in ("created_at", "started_at", "updated_at"):
        df[col] = pd.to_datetime(df[col], utc=True)
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "peak_mb": _peak_mb(), "baseline_mb": base, "rows": len(df)}


def _child(kind: str, path: Path) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--measure", kind, str(path)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=100_000)
    ap.add_argument("--big-mb", type=int, default=200)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "import")
    ap.add_argument("--measure", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        kind, path = args.measure
        fn = measure_import if kind == "import" else measure_naive
        print(json.dumps(fn(path)))
        return

    t = time.perf_counter()
    files = generate(args.out, args.runs, args.big_mb)
    print(f"inputs ready in {time.perf_counter() - t:.1f} s ({args.out})")
    for path in files:
        size_mb = os.path.getsize(path) / 1e6
        ours = _child("import", path)
        naive = _child("naive", path)
        print(f"\n{path.name}: {size_mb:.0f} MB, {ours['rows']:,} runs")
        print(f"  import_files : {ours['seconds']:6.2f} s, peak RSS {ours['peak_mb']:6.0f} MB "
              f"(interpreter + imports {ours['baseline_mb']:.0f} MB)")
        print(f"  naive        : {naive['seconds']:6.2f} s, peak RSS {naive['peak_mb']:6.0f} MB "
              f"(interpreter + imports {naive['baseline_mb']:.0f} MB)")
        print(f"  ratio ours/naive: time {ours['seconds'] / naive['seconds']:.2f}x, "
              f"peak memory {ours['peak_mb'] / naive['peak_mb']:.2f}x")
        if path == files[0]:
            ok_t = ours["seconds"] < 5
            ok_m = ours["peak_mb"] < 500
            print(f"  targets (100k runs < 5 s, < 500 MB): time {'OK' if ok_t else 'MISSED'}, "
                  f"memory {'OK' if ok_m else 'MISSED'}")


if __name__ == "__main__":
    main()
