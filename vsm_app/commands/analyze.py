"""``vsm-app analyze``: measure flow and DORA metrics from git and exports (DESIGN §6)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from ..errors import BadInput
from .common import (
    check_files,
    checked,
    err,
    import_failed,
    load_project,
    parse_date,
    print_json,
    print_notes,
    stderr_progress,
)

HELP = "measure flow and DORA metrics from git and exports"


def add_analyze_parser(sub: Any) -> None:
    a = sub.add_parser("analyze", help=HELP)
    a.add_argument("project", nargs="?", metavar="P.vsm",
                   help="a project whose data sources and map to use")
    a.add_argument("--repo", action="append", default=[], metavar="PATH[:SUBTREE]",
                   help="a git repository (repeatable); PATH:sub/dir restricts it to a sub-tree")
    for flag in ("ci", "prs", "deployments", "incidents"):
        a.add_argument(f"--{flag}", action="append", default=[], metavar="F")
    a.add_argument("--deploy-tags", metavar="GLOB",
                   help="release tags that are deployments (default: the repository's "
                        "release-tag scheme, detected; '' for none)")
    a.add_argument("--production-env", action="append", default=[], metavar="NAME",
                   help="an environment name that is production (repeatable; default: "
                        "production, prod, prd, live)")
    a.add_argument("--branch", metavar="NAME")
    a.add_argument("--since", metavar="DATE")
    a.add_argument("--until", metavar="DATE")
    a.add_argument("--period", choices=("day", "week", "month"), default=None)
    a.add_argument("--time-zone", metavar="ZONE",
                   help="zone for timestamps without one (default: the project's, else error)")
    a.add_argument("--export-changes", metavar="OUT.csv")
    a.add_argument("--work-items", action="append", default=[], metavar="F",
                   help="work items from an issue tracker (repeatable): Jira, GitHub issues, "
                        "Azure Boards exports or a table of status changes")
    a.add_argument("--export-items", metavar="OUT.csv",
                   help="one row per work item: created, started, done, delivered, flow time")
    a.add_argument("--export-item-status", metavar="OUT.csv",
                   help="per work item and status, the seconds spent in it")
    a.add_argument("--include-titles", action="store_true",
                   help="put the items' titles in --export-items (left out by default)")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_analyze)


def repo_arg(text: str) -> Any:
    """``PATH`` or ``PATH:SUBTREE`` (an existing path containing ':' wins)."""
    from ..pipeline import RepoInput

    if os.path.exists(text) or ":" not in text:
        return RepoInput(text)
    path, _, subtree = text.rpartition(":")
    return RepoInput(path, subtree.strip("/") or None)


def inputs_of(project_path: str | None, repos: list[str]) -> Any:
    """What to measure: a project's sources (``project_path``) and ``--repo`` paths."""
    from ..pipeline import AnalyzeInputs
    from ..services.measure import project_inputs

    if not project_path and not repos:
        raise BadInput("give a project file or at least one --repo PATH")
    inputs = project_inputs(load_project(project_path), project_path) if project_path \
        else AnalyzeInputs()
    inputs.repos.extend(repo_arg(r) for r in repos)
    return inputs


def cmd_analyze(args: argparse.Namespace) -> int:
    import pandas as pd

    from ..services.measure import ImportFailed, measure

    inputs = inputs_of(args.project, args.repo)
    for family in ("ci", "prs", "deployments", "incidents"):
        inputs.files.extend((family, f) for f in getattr(args, family))
    inputs.files.extend(("items", f) for f in args.work_items)
    for repo in inputs.repos:
        if args.branch:
            repo.branch = args.branch
        if args.deploy_tags is not None:
            repo.deploy_tags = args.deploy_tags.strip()
    if args.production_env:
        names = [n.strip() for n in args.production_env]
        if not all(names):
            raise BadInput("--production-env: give an environment name, e.g. production")
        inputs.production_environments = tuple(names)
    check_files(inputs.files)
    read_files = [p for _, p in inputs.files]
    if args.export_changes:  # checked before the measurement starts
        from ..report.target import ExportTargetError
        from ..services.tables import check_changes_target

        try:
            check_changes_target(args.export_changes, args.project, read_files)
        except ExportTargetError as e:
            raise BadInput(f"--export-changes: {e}") from None
    item_outputs = _check_item_outputs(args, read_files)
    inputs.since = parse_date("--since", args.since)
    inputs.until = parse_date("--until", args.until)
    if inputs.until is not None and args.until and len(args.until.strip()) <= 10:
        inputs.until += pd.Timedelta(days=1)  # --until 2026-03-31 includes that day
    if inputs.since is not None and inputs.until is not None and inputs.until <= inputs.since:
        raise BadInput("--until must be after --since")
    if args.period:
        inputs.period = args.period
    if args.time_zone:
        inputs.default_tz = args.time_zone
    with stderr_progress() as progress:
        measurement = checked(lambda: measure(inputs, progress))
    print_notes(measurement.tables.notes, measurement.tables.warnings)
    if measurement.import_errors:
        # a file the user named could not be read: no partial answer that looks complete
        import_failed(ImportFailed(measurement.import_errors))
    if args.export_changes:
        from ..services.tables import write_changes_csv  # only then: the write checks' modules

        try:
            write_changes_csv(measurement.tables.changes, args.export_changes, args.project,
                              read_files)
        except (ValueError, OSError) as e:
            raise BadInput(f"--export-changes: {e}") from None
        err(f"wrote {args.export_changes} ({len(measurement.tables.changes)} changes)")
    _write_item_outputs(measurement, inputs, item_outputs, args.include_titles, args.project,
                        read_files)
    if args.json:
        print_json(measurement.to_json())
    else:
        print(analyze_text(measurement.result))
        if measurement.groups is not None:
            for row in measurement.groups.comparison()[:-1]:  # the last row is the whole
                print(f"  {row.name} ({row.kind}): {headline_text(row)}")
    return 0


def _check_item_outputs(args: argparse.Namespace, read_files: list[str]) -> dict[str, Any]:
    """``--export-items`` and ``--export-item-status`` are checked before measuring (the
    rules of every export: never a project, never a file the command reads)."""
    out: dict[str, Any] = {}
    for flag, value in (("--export-items", args.export_items),
                        ("--export-item-status", args.export_item_status)):
        if value is None:
            continue
        # the write checks' modules only when a file is to be written (CLI start-up)
        from ..report.target import ExportTargetError
        from ..services.tables import check_csv_target

        try:
            out[flag] = check_csv_target(value, args.project, read_files)
        except ExportTargetError as e:
            raise BadInput(f"{flag}: {e}") from None
    if args.include_titles and "--export-items" not in out:
        raise BadInput("--include-titles: only with --export-items")
    return out


def _write_item_outputs(measurement: Any, inputs: Any, outputs: dict[str, Any],
                        include_titles: bool, project: str | None,
                        read_files: list[str]) -> None:
    """Write the item exports (checked again: the measurement took a while)."""
    from ..services.tables import write_item_status_csv, write_items_csv

    for flag, target in outputs.items():
        try:
            if flag == "--export-items":
                n = write_items_csv(measurement, target, include_titles=include_titles,
                                    project_path=project, protected=read_files)
                err(f"wrote {target} ({n} items)")
            else:
                n = write_item_status_csv(measurement, target, inputs.since, inputs.until,
                                          project_path=project, protected=read_files)
                err(f"wrote {target} ({n} rows)")
        except (ValueError, OSError) as e:
            raise BadInput(f"{flag}: {e}") from None


def analyze_text(result: Any) -> str:
    """The result for people, in the catalogue's words and formats."""
    text = headline_text(result)
    if result.items is not None:  # work items loaded: the flow metrics count them (issue 18)
        from ..metrics import format as fmt

        text += (f"; flow on work items: {fmt.count(result.items, 'items')} finished, "
                 f"flow time median {fmt.value('flow.flow_time_median_s', result.flow.flow_time_median_s)}")
    return text


def headline_text(result: Any) -> str:
    """Changes, deployments, median lead time and change failure rate of a result (or of a
    group's comparison row)."""
    from ..metrics import format as fmt
    from ..metrics.catalogue import metric

    dora = result.dora
    lead, cfr = metric("dora.lead_time_median_s"), metric("dora.change_failure_rate")
    return (f"{fmt.count(result.changes, 'changes')}, "
            f"{fmt.count(result.deployments, 'deployments')}; "
            f"{lead.name.lower()} {fmt.value(lead, dora.lead_time_median_s)}, "
            f"{cfr.name.lower()} {fmt.value(cfr, dora.change_failure_rate)}")
