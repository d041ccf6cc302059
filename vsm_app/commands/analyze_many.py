"""``vsm-app analyze-many MANIFEST.toml --out DIR [--scheduler ADDRESS] [--workers N]``.

Exit codes (besides 1 for an unexpected error):

* **0**: every repository was prepared (or skipped, unchanged) and ``summary.json`` written;
* **2**: bad input — the manifest (file, line and key named), ``--out`` not a folder, a bad
  option, the ``scale`` extra not installed, the scheduler unreachable; nothing was measured;
* **3**: some repositories failed (each named on stderr and in ``status.json``); the summary
  was still written from the others.

The work is :func:`vsm_app.services.portfolio.run`; this module parses, shows the progress
and prints. It imports only the standard library at the top (``vsm-app --help`` stays light).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any, TextIO

from ..errors import BadInput

HELP = "measure many repositories on a Dask cluster; per team/service and for the whole"
EXIT_SOME_FAILED = 3


def add_analyze_many_parser(sub: Any) -> None:
    a = sub.add_parser("analyze-many", help=HELP,
                       description="Read every repository of MANIFEST.toml in parallel on "
                                   "Dask, write the canonical tables as Parquet into DIR and "
                                   "the metrics of the whole and of each group into "
                                   "DIR/summary.json. Exit 0: all repositories done; 2: bad "
                                   "input; 3: some repositories failed (the others are in "
                                   "the summary).")
    a.add_argument("manifest", metavar="MANIFEST.toml")
    a.add_argument("--out", required=True, metavar="DIR", help="output folder (created)")
    a.add_argument("--scheduler", metavar="ADDRESS",
                   help="a running Dask scheduler, e.g. tcp://host:8786 (its workers must "
                        "see the repositories, exports and DIR at the same paths); default: "
                        "a local cluster of processes")
    a.add_argument("--workers", type=int, metavar="N",
                   help="local cluster size (default: one per core)")
    a.add_argument("--force", action="store_true",
                   help="prepare every repository again, even when unchanged")
    a.add_argument("--json", action="store_true", help="print summary.json on stdout")
    a.set_defaults(func=cmd_analyze_many)


def cmd_analyze_many(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..metrics import format as fmt
    from ..services.portfolio import (
        PortfolioError,
        PortfolioOptions,
        outcome_counts,
        prepare,
        run,
        where,
    )
    from .common import print_json

    options = PortfolioOptions(out=Path(args.out), scheduler=args.scheduler,
                               workers=args.workers, force=args.force)
    try:
        manifest = prepare(args.manifest, options)
    except PortfolioError as e:
        raise BadInput(str(e)) from None
    progress = RepositoryProgress()
    progress.start(len(manifest.repositories), where(options))
    try:
        result = run(manifest, options, progress, progress.phase)
    except PortfolioError as e:
        raise BadInput(str(e)) from None
    finally:
        progress.close()
    counts = outcome_counts(result.statuses)
    for s in result.failed:
        print(f"vsm-app: {s['name']}: {s['message']}", file=sys.stderr)
    print(f"{fmt.count(counts['ok'])} prepared, {fmt.count(counts['unchanged'])} unchanged, "
          f"{fmt.count(counts['failed'])} failed in {fmt.number(result.wall_s, 1)} s on "
          f"{fmt.count(result.workers, 'workers')}; wrote {options.out / 'summary.json'}",
          file=sys.stderr)
    if args.json:
        print_json(result.summary)
    return EXIT_SOME_FAILED if counts["failed"] else 0


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class RepositoryProgress:
    """Called once per finished repository: ``progress(status, done, total)``.

    On a terminal one line is redrawn: ``[######------]  12/200 repositories · 1 failed ·
    0:41 elapsed · ~1:10 left``; a failure is also printed on its own line. Elsewhere (a log,
    CI) each repository is one plain line: ``[12/200] shop: ok, 1,234 changes (2.1 s)``.
    """

    WIDTH = 28

    def __init__(self, stream: TextIO | None = None, tty: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.t0 = time.perf_counter()
        self.failed = 0
        self.drawn = False

    def start(self, total: int, where: str) -> None:
        print(f"analyze-many: {total} repositories on {where}", file=self.stream, flush=True)

    def __call__(self, status: dict[str, Any], done: int, total: int) -> None:
        elapsed = time.perf_counter() - self.t0
        ok = status.get("status")
        if ok == "failed":
            self.failed += 1
        if self.tty:
            if ok == "failed":
                self._clear()
                print(f"  {status.get('name')}: failed: {status.get('message')}",
                      file=self.stream)
            filled = int(self.WIDTH * done / max(total, 1))
            left = elapsed / done * (total - done) if done else 0.0
            text = (f"[{'#' * filled}{'-' * (self.WIDTH - filled)}] {done:>{len(str(total))}}"
                    f"/{total} repositories"
                    + (f" · {self.failed} failed" if self.failed else "")
                    + f" · {_clock(elapsed)} elapsed"
                    + (f" · ~{_clock(left)} left" if done < total else ""))
            print(f"\r{text}\x1b[K", end="", file=self.stream, flush=True)
            self.drawn = True
        else:
            print(f"[{done}/{total}] {self._line(status)}", file=self.stream, flush=True)

    def phase(self, text: str) -> None:
        """A step after the repositories (the organisation phase), on its own line."""
        self.close()
        self.drawn = False
        print(f"{text}…", file=self.stream, flush=True)

    def _line(self, status: dict[str, Any]) -> str:
        from ..metrics import format as fmt

        name, ok = status.get("name"), status.get("status")
        secs = status.get("seconds")
        took = f" ({fmt.number(secs, 1)} s)" if isinstance(secs, int | float) else ""
        if ok == "failed":
            return f"{name}: failed: {status.get('message')}{took}"
        changes = status.get("changes")
        what = f", {fmt.count(changes, 'changes')}" if isinstance(changes, int) else ""
        return f"{name}: {ok}{what}{took}"

    def _clear(self) -> None:
        if self.drawn:
            print("\r\x1b[K", end="", file=self.stream)

    def close(self) -> None:
        if self.tty and self.drawn:
            print(file=self.stream, flush=True)
