"""``vsm-app new``, ``import-stages`` and ``metrics``: projects from a template or a stages CSV,
and the classic VSM figures of a project's maps (DESIGN §6)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from ..errors import BadInput
from .common import checked, err, load_project


def add_project_parsers(sub: Any) -> None:
    """Register ``new``, ``import-stages`` and ``metrics`` on the CLI's sub-parsers."""
    from ..services.projects import template_names

    n = sub.add_parser("new", help="create a project from a template")
    n.add_argument("--template", default="software-delivery",
                   help=f"one of: {', '.join(template_names())}")
    n.add_argument("--out", required=True, metavar="P.vsm")
    n.add_argument("--force", action="store_true", help="replace P.vsm if it exists")
    n.set_defaults(func=cmd_new)

    i = sub.add_parser("import-stages", help="create a project from a stages CSV")
    i.add_argument("csv", metavar="STAGES.csv")
    i.add_argument("--out", required=True, metavar="P.vsm")
    i.add_argument("--force", action="store_true", help="replace P.vsm if it exists")
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


def cmd_new(args: argparse.Namespace) -> int:
    from ..services.projects import check_new_target, from_template, save_new

    project = checked(lambda: from_template(args.template, Path(args.out).stem))
    path = checked(lambda: check_new_target(args.out, force=args.force))
    checked(lambda: save_new(project, path))
    err(f"wrote {args.out}")
    return 0


def _duration_arg(flag: str, text: str | None, day_s: float) -> float | None:
    from ..domain.durations import DurationError, parse_duration

    if text is None:
        return None
    try:
        return parse_duration(text, day_s)
    except DurationError as e:
        raise BadInput(f"{flag}: {e}") from None


def cmd_import_stages(args: argparse.Namespace) -> int:
    from ..domain.durations import CALENDAR_DAY_S
    from ..domain.model import MapSettings
    from ..services.projects import check_new_target, from_stages_csv, save_new

    path = checked(lambda: check_new_target(args.out, force=args.force, protected=[args.csv]))
    day_s = _duration_arg("--day-length", args.day_length, CALENDAR_DAY_S) or CALENDAR_DAY_S
    if day_s <= 0 or day_s > CALENDAR_DAY_S:
        raise BadInput("--day-length: must be more than 0 and at most 24h")
    available = _duration_arg("--available-time", args.available_time, day_s)
    if args.demand_per_day is not None and args.demand_per_day <= 0:
        raise BadInput("--demand-per-day: must be a positive number")
    settings = MapSettings(args.demand_per_day, available, day_s)
    imported = checked(lambda: from_stages_csv(args.csv, path.stem, settings))
    for w in imported.warnings:
        err(f"warning: {w}")
    checked(lambda: save_new(imported.project, path))
    err(f"wrote {args.out} ({imported.stages} stages)")
    return 0


def cmd_metrics(args: argparse.Namespace) -> int:
    from ..domain import classic
    from ..services.projects import map_metrics

    project = load_project(args.project)
    results = checked(lambda: map_metrics(project, args.project, args.map))
    if args.json:
        print(json.dumps({"maps": [classic.to_json(r) for _, r in results]}, indent=2))
    else:
        for m, r in results:
            print(metrics_text(m, r))
    return 0


def metrics_text(vsm_map: Any, figures: Any) -> str:
    """``Current state: lead time 2d 23h, process time 8h 15 min, activity ratio 11.7 %,
    rolled %C&A 56.4 %`` (the ladder's figures, in the catalogue's formats)."""
    from ..report.data import ladder_totals

    rows = [f"{label[0].lower()}{label[1:]} {value}"
            for label, value in ladder_totals(figures, vsm_map.settings.day_length_s)
            if label != "Takt"]
    return f"{figures.map_name}: " + ", ".join(rows)
