"""``vsm-app forecast``: Monte Carlo forecasts from measured throughput (DESIGN §6).

::

    vsm-app forecast (--repo PATH | P.vsm) (--items N | --by DATE) [--sample-since DATE]
                     [--trials K] [--seed S] [--json]

The data are read as ``analyze`` reads them (a project's sources, or ``--repo`` paths); the
units are the changes, finished as the analysis finishes them. ``--items N``: by which date
N more changes are done (``when``); ``--by DATE``: how many are done from the day after the
sample through DATE, that day included (``how_many``). Answers for 50/70/85/95 % of trials;
the method, the sample and the warnings are defined in docs/metrics.md §14. The command adds
one warning of its own: data that end more than a week before today (the forecast then starts
in the past).

``--json`` prints ``{"sample": {since, until, days, throughput_per_day_mean, …},
"when" | "how_many": {p50, p70, p85, p95, …}, "histogram", "trials", "seed", "warnings"}``;
without it, a few lines of text. Warnings also go to stderr; bad input exits 2 with one line
naming the option or file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .errors import BadInput

HELP = "forecast when N changes will be done, or how many by a date (Monte Carlo)"
#: limits of the options (a trial costs microseconds; a million is still about a second)
MAX_TRIALS = 1_000_000
#: the defaults of vsm_app.analysis.flow_analytics.forecast, repeated here so that the
#: parser does not load pandas (a test keeps them equal)
DEFAULT_TRIALS = 10_000
DEFAULT_SEED = 0
#: data older than this (days before today) get a warning: the forecast starts in the past
STALE_DAYS = 7


def _whole(low: int, high: int | None = None) -> Any:
    """An argparse type: a whole number in ``[low, high]`` (``1_000`` and ``1,000`` too)."""
    def parse(text: str) -> int:
        try:
            value = int(text.strip().replace("_", "").replace(",", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low or (high is not None and value > high):
            limits = f"at least {low:,}" + (f" and at most {high:,}" if high is not None else "")
            raise argparse.ArgumentTypeError(f"{value:,} is out of range: give {limits}")
        return value
    return parse


def add_forecast_parser(sub: Any) -> None:
    f = sub.add_parser(
        "forecast", help=HELP,
        description="Forecast from the daily throughput of the changes (Monte Carlo): "
                    "--items N answers when N more changes will be done, --by DATE how "
                    "many will be done through DATE. Answers for 50/70/85/95 %% of trials.")
    f.add_argument("project", nargs="?", metavar="P.vsm",
                   help="a project whose data sources and map to use")
    f.add_argument("--repo", action="append", default=[], metavar="PATH[:SUBTREE]",
                   help="a git repository (repeatable); PATH:sub/dir restricts it to a sub-tree")
    q = f.add_mutually_exclusive_group(required=True)
    q.add_argument("--items", type=_whole(1), metavar="N",
                   help="when will N more changes be done?")
    q.add_argument("--by", metavar="DATE",
                   help="how many changes will be done through DATE (that day included)?")
    f.add_argument("--sample-since", metavar="DATE",
                   help="first day of the throughput sample (default: 90 days before the "
                        "last finish; the sample ends on the day of the last finish)")
    f.add_argument("--trials", type=_whole(1, MAX_TRIALS), default=DEFAULT_TRIALS,
                   metavar="K", help=f"number of trials (default {DEFAULT_TRIALS:,})")
    f.add_argument("--seed", type=_whole(0, 2**63 - 1), default=DEFAULT_SEED,
                   metavar="S", help=f"random seed (default {DEFAULT_SEED}: the same data give "
                                     f"the same answer)")
    f.add_argument("--json", action="store_true")
    f.set_defaults(func=cmd_forecast)


def _day_arg(flag: str, text: str | None) -> Any:
    """A UTC day from ``YYYY-MM-DD`` (a time of day is refused: forecasts count whole days)."""
    if text is None:
        return None
    import pandas as pd

    try:
        ts = pd.Timestamp(text.strip())
    except (ValueError, TypeError):
        raise BadInput(f"{flag}: {text!r} is not a date (expected e.g. 2026-01-31)") from None
    if ts is pd.NaT:
        raise BadInput(f"{flag}: {text!r} is not a date (expected e.g. 2026-01-31)")
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    if ts != ts.normalize():
        raise BadInput(f"{flag}: give a date such as 2026-01-31, not a time of day "
                       f"(forecasts count whole UTC days)")
    return ts


def _what(args: argparse.Namespace) -> str:
    return args.project or ", ".join(args.repo)


def cmd_forecast(args: argparse.Namespace) -> int:
    from .analysis.engine import prepare
    from .analysis.flow_analytics import (
        NoThroughput,
        change_units,
        forecast_how_many,
        forecast_when,
        throughput_sample,
    )
    from .ingest.errors import ImportProblem
    from .ingest.git import GitError
    from .paths import cache_dir
    from .pipeline import (
        AnalyzeInputs,
        PipelineInputError,
        _StderrProgress,
        ingest,
        inputs_from_project,
        load_project_or_bad_input,
        split_repo_arg,
    )

    if not args.project and not args.repo:
        raise BadInput("give a project file or at least one --repo PATH")
    by = _day_arg("--by", args.by)
    since = _day_arg("--sample-since", args.sample_since)
    inputs = inputs_from_project(load_project_or_bad_input(args.project)) if args.project \
        else AnalyzeInputs()
    inputs.repos.extend(split_repo_arg(r) for r in args.repo)
    for _, path in inputs.files:
        if not Path(path).is_file():
            raise BadInput(f"{path}: no such file")
    if not inputs.salt:
        inputs.salt = "vsm-app-cli"
    inputs.cache_dir = cache_dir()
    progress = _StderrProgress()
    try:
        tables, errors = ingest(inputs, progress)
    except (GitError, ImportProblem, PipelineInputError) as e:
        raise BadInput(str(e)) from None
    finally:
        progress.close()
    for note in tables.notes:  # e.g. which release-tag scheme was detected
        print(f"note: {note}", file=sys.stderr)
    for w in tables.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if errors:
        for problem in errors[1:]:
            print(f"vsm-app: {problem}", file=sys.stderr)
        raise BadInput(errors[0])
    prepared = prepare(tables, inputs.vsm_map, inputs.production_environments)
    units = change_units(prepared, tables.changes)
    try:
        sample = throughput_sample(units, since=since)
    except NoThroughput as e:
        raise BadInput(f"{_what(args)}: {e}") from None
    except ValueError as e:
        raise BadInput(f"--sample-since: {e}") from None
    try:
        result = forecast_when(sample, args.items, args.trials, args.seed) \
            if args.items is not None else \
            forecast_how_many(sample, by, args.trials, args.seed)
    except ValueError as e:
        raise BadInput(f"{'--by' if by is not None else '--items'}: {e}") from None
    stale = stale_data_warning(sample.until)
    if stale:
        result.warnings.append(stale)
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    doc = result.to_json()
    if args.json:
        print(json.dumps(doc, indent=2, allow_nan=False))
    else:
        print(forecast_text(doc))
    return 0


def stale_data_warning(until: Any, today: Any = None) -> str | None:
    """A warning when the data end more than :data:`STALE_DAYS` before today (UTC): the
    forecast counts from the day after the data, which is then in the past."""
    import pandas as pd

    now = pd.Timestamp.now(tz="UTC") if today is None else pd.Timestamp(today)
    lag = int((now.normalize() - until).days)
    if lag <= STALE_DAYS:
        return None
    start = (until + pd.Timedelta(days=1)).strftime("%Y-%m-%d")
    return (f"the data end on {until:%Y-%m-%d}, {lag} days before today: the forecast counts "
            f"from {start}, not from today (update the data for a forecast from today)")


def forecast_text(doc: dict[str, Any]) -> str:
    """The answer for people (the JSON document of :meth:`Forecast.to_json`)."""
    s = doc["sample"]
    noun = s["unit"]
    lines = [f"Throughput sample {s['since']} – {s['until']} ({s['days']} days): "
             f"{s['finished']} {noun} finished, {s['throughput_per_day_mean']:.2f} a day on "
             f"average."]
    trials = f"{doc['trials']:,} trials, seed {doc['seed']}"
    if "when" in doc:
        w = doc["when"]
        lines.append(f"When will {w['items']} more {noun} be done? ({trials}; forecasting "
                     f"from {w['starts']})")
        for share in (50, 70, 85, 95):
            v = w[f"p{share}"]
            lines.append(f"  {share} % of trials: by {v}" if v is not None else
                         f"  {share} % of trials: not within {w['horizon_days'] // 365} years")
    else:
        h = doc["how_many"]
        lines.append(f"How many {noun} will be done from {h['starts']} through {h['by']} "
                     f"({h['days']} days)? ({trials})")
        for share in (50, 70, 85, 95):
            lines.append(f"  {share} % of trials: at least {h[f'p{share}']}")
    return "\n".join(lines)
