"""Headless commands (DESIGN §6). Results go to stdout, progress and messages to stderr.

Exit codes: 0 success, 2 bad input (one line naming the file and line/field), 1 unexpected.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from .domain import classic
from .domain.durations import CALENDAR_DAY_S, DurationError, parse_duration
from .domain.model import MapSettings, Project
from .domain.templates import TEMPLATES
from .errors import BadInput

COMMANDS = ("new", "import-stages", "metrics", "analyze", "export", "report")


def _err(msg: str) -> None:
    print(msg, file=sys.stderr)


def _write_project(project: Project, out: str) -> None:
    from .storage.project_file import save_project

    path = Path(out)
    if path.exists() and path.is_dir():
        raise BadInput(f"{out}: is a folder; give a file name such as {out}/project.vsm")
    if not path.parent.exists():
        raise BadInput(f"{out}: the folder {path.parent} does not exist")
    save_project(project, path)


def cmd_new(args: argparse.Namespace) -> int:
    make = TEMPLATES.get(args.template)
    if make is None:
        raise BadInput(f"--template: unknown template {args.template!r} "
                       f"(available: {', '.join(sorted(TEMPLATES))})")
    project = Project(Path(args.out).stem, [make()])
    _write_project(project, args.out)
    _err(f"wrote {args.out}")
    return 0


def _duration_arg(flag: str, text: str | None, day_s: float) -> float | None:
    if text is None:
        return None
    try:
        return parse_duration(text, day_s)
    except DurationError as e:
        raise BadInput(f"{flag}: {e}") from None


def cmd_import_stages(args: argparse.Namespace) -> int:
    from .storage.stages_csv import CsvError, read_stages_csv

    day_s = _duration_arg("--day-length", args.day_length, CALENDAR_DAY_S) or CALENDAR_DAY_S
    if day_s <= 0 or day_s > CALENDAR_DAY_S:
        raise BadInput("--day-length: must be more than 0 and at most 24h")
    available = _duration_arg("--available-time", args.available_time, day_s)
    if args.demand_per_day is not None and args.demand_per_day <= 0:
        raise BadInput("--demand-per-day: must be a positive number")
    settings = MapSettings(args.demand_per_day, available, day_s)
    try:
        result = read_stages_csv(args.csv, settings=settings)
    except CsvError as e:
        raise BadInput(str(e)) from None
    for w in result.warnings:
        _err(f"warning: {w}")
    for issue in classic.validate(result.vsm_map):
        _err(f"warning: {issue.message}")
    _write_project(Project(Path(args.out).stem, [result.vsm_map]), args.out)
    _err(f"wrote {args.out} ({len(result.vsm_map.stages)} stages)")
    return 0


def _load(path: str) -> Project:
    from .pipeline import load_project_or_bad_input

    return load_project_or_bad_input(path)


def cmd_metrics(args: argparse.Namespace) -> int:
    project = _load(args.project)
    maps = project.maps
    if args.map is not None:
        m = project.map_by_name(args.map)
        if m is None:
            raise BadInput(f"--map: {args.project} has no map named {args.map!r} "
                           f"(maps: {', '.join(x.name for x in project.maps)})")
        maps = [m]
    results = [classic.compute(m) for m in maps]
    errors = [f"{r.map_name}: {e.message}" for r in results for e in r.errors]
    if errors:
        raise BadInput(f"{args.project}: map " + "; ".join(errors))
    if args.json:
        print(json.dumps({"maps": [classic.to_json(r) for r in results]}, indent=2))
    else:
        from .domain.durations import format_duration

        for r, m in zip(results, maps, strict=True):
            day = m.settings.day_length_s
            print(f"{r.map_name}: lead time {format_duration(r.lead_time_s, day)}, "
                  f"process time {format_duration(r.process_time_s, day)}, activity ratio "
                  + (f"{r.activity_ratio:.1%}" if r.activity_ratio is not None else "—")
                  + ", rolled %C&A "
                  + (f"{r.rolled_pca:.1%}" if r.rolled_pca is not None else "—"))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="vsm-app",
        description="Value stream mapping for software delivery. With no command (or a "
                    "PROJECT.vsm path) the desktop app opens.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    n = sub.add_parser("new", help="create a project from a template")
    n.add_argument("--template", default="software-delivery",
                   help=f"one of: {', '.join(sorted(TEMPLATES))}")
    n.add_argument("--out", required=True, metavar="P.vsm")
    n.set_defaults(func=cmd_new)

    i = sub.add_parser("import-stages", help="create a project from a stages CSV")
    i.add_argument("csv", metavar="STAGES.csv")
    i.add_argument("--out", required=True, metavar="P.vsm")
    i.add_argument("--demand-per-day", type=float, metavar="N")
    i.add_argument("--available-time", metavar="DUR", help="available working time per day")
    i.add_argument("--day-length", metavar="DUR",
                   help="length of a day for 'd' units (default 24h; e.g. 8h for working days)")
    i.set_defaults(func=cmd_import_stages)

    m = sub.add_parser("metrics", help="classic VSM metrics of each map")
    m.add_argument("project", metavar="P.vsm")
    m.add_argument("--map", metavar="NAME")
    m.add_argument("--json", action="store_true")
    m.set_defaults(func=cmd_metrics)

    _add_analyze(sub)
    return p


def _add_analyze(sub: Any) -> None:
    from .exporting import add_export_parsers
    from .pipeline import add_analyze_parser

    add_analyze_parser(sub)
    add_export_parsers(sub)



def _run(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        return func(args)
    except BadInput as e:
        _err(f"vsm-app: {e}")
        return 2
    except KeyboardInterrupt:
        _err("vsm-app: interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # the one place an unexpected error is turned into exit code 1
        _err(f"vsm-app: unexpected error: {type(e).__name__}: {e}")
        if "--debug" in sys.argv:
            raise
        return 1


def _fail_usage(parser: argparse.ArgumentParser, message: str) -> NoReturn:
    parser.print_usage(sys.stderr)
    _err(f"vsm-app: {message}")
    raise SystemExit(2)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    args_list = [a for a in args_list if a != "--debug"]
    if not args_list or (args_list[0] not in COMMANDS and not args_list[0].startswith("-")):
        from .app import main as gui_main

        return gui_main(args_list)
    parser = build_parser()
    args = parser.parse_args(args_list)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    return _run(args.func, args)


if __name__ == "__main__":
    raise SystemExit(main())
