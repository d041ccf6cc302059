"""``vsm-app analyze-many MANIFEST.toml --out DIR [--scheduler ADDRESS] [--workers N]``.

Exit codes (besides 1 for an unexpected error):

* **0**: every repository was prepared (or skipped, unchanged) and ``summary.json`` written;
* **2**: bad input — the manifest (file, line and key named), ``--out`` not a folder, a bad
  option, the ``scale`` extra not installed, the scheduler unreachable; nothing was measured;
* **3**: some repositories failed (each named on stderr and in ``status.json``); the summary
  was still written from the others.

This module imports only the standard library at the top (``vsm-app --help`` stays light).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from vsm_app.errors import BadInput

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
    from .manifest import ManifestError, load_manifest
    from .portfolio import RunOptions, ScaleUnavailable, require_extra

    if args.workers is not None and args.workers < 1:
        raise BadInput("--workers: must be 1 or more")
    if args.workers is not None and args.scheduler:
        raise BadInput("--workers sizes the local cluster; with --scheduler the cluster's "
                       "own workers are used")
    if args.scheduler and not args.scheduler.strip():
        raise BadInput("--scheduler: give an address such as tcp://host:8786")
    try:
        require_extra(with_dask=True)
    except ScaleUnavailable as e:
        raise BadInput(str(e)) from None
    try:
        manifest = load_manifest(args.manifest)
    except ManifestError as e:
        raise BadInput(str(e)) from None
    out = Path(args.out)
    from .portfolio import check_out_dir, run
    from .progress import RepositoryProgress

    try:
        check_out_dir(out, manifest)
    except ValueError as e:  # vsm_app.report.target.ExportTargetError
        raise BadInput(str(e)) from None

    progress = RepositoryProgress()
    import os

    where = args.scheduler or f"a local cluster of {args.workers or os.cpu_count() or 1} " \
                              f"worker process(es)"
    progress.start(len(manifest.repositories), where)
    try:
        result = run(manifest, RunOptions(out=out, scheduler=args.scheduler,
                                          workers=args.workers, force=args.force), progress,
                     progress.phase)
    except OSError as e:
        if args.scheduler:
            raise BadInput(f"--scheduler {args.scheduler}: cannot reach the scheduler "
                           f"({e})") from None
        raise BadInput(f"{getattr(e, 'filename', None) or args.out}: "
                       f"{e.strerror or e}") from None
    finally:
        progress.close()
    counts = {k: sum(1 for s in result.statuses if s["status"] == k)
              for k in ("ok", "unchanged", "failed")}
    for s in result.failed:
        print(f"vsm-app: {s['name']}: {s['message']}", file=sys.stderr)
    print(f"{counts['ok']} prepared, {counts['unchanged']} unchanged, {counts['failed']} failed "
          f"in {result.wall_s:.1f} s on {result.workers} worker(s); wrote {out / 'summary.json'}",
          file=sys.stderr)
    if args.json:
        import json

        print(json.dumps(result.summary, indent=2, allow_nan=False))
    return EXIT_SOME_FAILED if counts["failed"] else 0
