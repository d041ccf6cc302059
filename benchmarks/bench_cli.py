"""The command line as a user times it: whole processes, cold and warm, against raw ``git log``.

    python benchmarks/bench_cli.py [REPO] [--tags 'v*'] [--repeat 5]

Without REPO, builds ``benchmarks/out/gitsized`` (85,000 commits, gen_big_repo.py) first; the
issue's reference is git/git (``git clone`` it and pass its folder). Every figure is the wall
time of a fresh process (interpreter start-up and imports included), the median of
``--repeat`` runs, printed beside its ratio to raw ``git log`` of the same history measured in
the same run (the machine may be busy: ratios travel, seconds do not):

* ``git log``: the one log the reader streams (same format, the branch and the release tags);
* ``vsm-app --help`` and ``--version`` (target ≤ 0.3 s);
* ``vsm-app analyze --repo REPO --deploy-tags TAGS --json``, cold (an empty cache folder)
  and warm (the same command again on the unchanged repository; target ≤ 1.0 s).

Each run gets its own ``VSM_APP_HOME``, so nothing of the user's is read or written.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
LOG_FORMAT = "%H%x00%P%x00%at%x00%ct%x00%aE%x01%aN%x00%s%x00%b"


def vsm_app() -> list[str]:
    """The installed console script next to this interpreter, else ``python -m vsm_app``."""
    script = Path(sys.executable).parent / "vsm-app"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "vsm_app"]


#: CPU seconds (user + system) of the last process :func:`wall` ran
CPU = [0.0]


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def wall(cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> float:
    c, t = _children_cpu(), time.perf_counter()
    r = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    took = time.perf_counter() - t
    CPU[0] = _children_cpu() - c
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()[-500:]}")
    return took


def median_of(n: int, fn) -> tuple[float, list[float]]:  # type: ignore[no-untyped-def]
    runs = [fn() for _ in range(n)]
    return statistics.median(runs), runs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("repo", nargs="?", type=Path)
    ap.add_argument("--tags", default="v*", help="release tags that are deployments")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    repo = args.repo
    if repo is None:
        repo = OUT / "gitsized"
        if not repo.exists():
            OUT.mkdir(parents=True, exist_ok=True)
            print(f"building {repo} (85,000 commits)…", file=sys.stderr)
            subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gen_big_repo.py"),
                            str(repo), "--commits", "85000"], check=True)
    repo = repo.resolve()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("VSM_APP_")}
    git_env = dict(base_env, GIT_CONFIG_NOSYSTEM="1", GIT_PAGER="cat")
    tags = subprocess.run(["git", "-C", str(repo), "tag", "--list", args.tags],
                          capture_output=True, text=True, check=True).stdout.split()
    commits = int(subprocess.run(["git", "-C", str(repo), "rev-list", "--count", "HEAD",
                                  f"--tags={args.tags}"], capture_output=True, text=True,
                                 check=True).stdout)
    n = args.repeat
    print(f"{repo}: {commits:,} commits, {len(tags):,} tags matching {args.tags!r}; "
          f"median of {n} runs each, wall clock of the whole process")

    git_log = ["git", "-C", str(repo), "log", "-z", "--encoding=UTF-8", f"--format={LOG_FORMAT}",
               "HEAD", f"--tags={args.tags}"]
    t_git, _ = median_of(n, lambda: wall(git_log, git_env))
    t_py, _ = median_of(n, lambda: wall([sys.executable, "-c", "pass"], base_env))

    app = vsm_app()
    home = Path(tempfile.mkdtemp(prefix="vsm-bench-cli-"))
    try:
        env = dict(base_env, VSM_APP_HOME=str(home))
        t_help, _ = median_of(n, lambda: wall([*app, "--help"], env))
        t_version, _ = median_of(n, lambda: wall([*app, "--version"], env))
        analyze = [*app, "analyze", "--repo", str(repo), "--deploy-tags", args.tags, "--json"]

        def cold() -> float:
            shutil.rmtree(home / "cache", ignore_errors=True)
            return wall(analyze, env)

        cpu: dict[str, list[float]] = {"cold": [], "warm": []}

        def timed(kind: str, fn) -> float:  # type: ignore[no-untyped-def]
            took = fn()
            cpu[kind].append(CPU[0])
            return float(took)

        t_cold, _ = median_of(n, lambda: timed("cold", cold))
        wall(analyze, env)  # the cache for the warm runs
        t_warm, warm_runs = median_of(n, lambda: timed("warm", lambda: wall(analyze, env)))
        wall(git_log, git_env)
        cpu_git = CPU[0]
        out = subprocess.run(analyze, env=env, capture_output=True, text=True, check=True)
        quality = json.loads(out.stdout)["data_quality"].get("ingest", {})
    finally:
        shutil.rmtree(home, ignore_errors=True)

    def row(name: str, t: float, target: str = "") -> None:
        print(f"  {name:<44} {t:6.2f} s  {t / t_git:5.2f}× git log{target}")

    print(f"  {'raw git log (the reader’s one log)':<44} {t_git:6.2f} s  1.00× git log")
    row("python -c pass (interpreter start)", t_py)
    row("vsm-app --version", t_version)
    row("vsm-app --help", t_help, f"   target ≤ 0.3 s: {'met' if t_help <= 0.3 else 'MISSED'}")
    row("analyze, cold (empty cache)", t_cold)
    row("analyze, warm (unchanged repository)", t_warm,
        f"   target ≤ 1.0 s: {'met' if t_warm <= 1.0 else 'MISSED'}")
    print(f"  CPU (user+system, median): git log {cpu_git:.2f} s, cold "
          f"{statistics.median(cpu['cold']):.2f} s, warm {statistics.median(cpu['warm']):.2f} s "
          f"({statistics.median(cpu['warm']) / cpu_git:.2f}× git log)")
    print(f"  warm runs: {', '.join(f'{t:.2f}' for t in warm_runs)} s; warm/cold "
          f"{t_warm / t_cold:.2f}; history_from_cache={quality.get('history_from_cache')}, "
          f"commits_read_from_git={quality.get('commits_read_from_git')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
