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
naming the option or file. The work is :func:`vsm_app.services.forecast.forecast`.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..errors import BadInput
from .common import check_files, checked, err, print_notes, stderr_progress

HELP = "forecast when N changes will be done, or how many by a date (Monte Carlo)"
#: limits of the options (a trial costs microseconds; a million is still about a second)
MAX_TRIALS = 1_000_000
#: the defaults of vsm_app.analysis.flow_analytics.forecast, repeated here so that the
#: parser does not load pandas (a test keeps them equal)
DEFAULT_TRIALS = 10_000
DEFAULT_SEED = 0


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
    from ..services.forecast import ForecastError, forecast
    from .analyze import inputs_of

    if not args.project and not args.repo:
        raise BadInput("give a project file or at least one --repo PATH")
    by = _day_arg("--by", args.by)
    since = _day_arg("--sample-since", args.sample_since)
    inputs = inputs_of(args.project, args.repo)
    check_files(inputs.files)
    try:
        with stderr_progress() as progress:
            run = checked(lambda: forecast(inputs, items=args.items, by=by, sample_since=since,
                                           trials=args.trials, seed=args.seed,
                                           progress=progress))
    except ForecastError as e:
        print_notes(e.notes, e.warnings)
        where = {"data": _what(args), "sample": "--sample-since",
                 "question": "--by" if by is not None else "--items"}[e.part]
        raise BadInput(f"{where}: {e}") from None
    print_notes(run.notes, run.warnings)  # e.g. which release-tag scheme was detected
    for w in run.forecast.warnings:
        err(f"warning: {w}")
    doc = run.forecast.to_json()
    if args.json:
        print(json.dumps(doc, indent=2, allow_nan=False))
    else:
        print(forecast_text(doc))
    return 0


def forecast_text(doc: dict[str, Any]) -> str:
    """The answer for people (the JSON document of :meth:`Forecast.to_json`), in the metric
    catalogue's formats."""
    from ..metrics import format as fmt

    s = doc["sample"]
    noun = s["unit"]
    lines = [f"Throughput sample {fmt.date_range(s['since'], s['until'])} "
             f"({fmt.count(s['days'], 'days')}): {fmt.count(s['finished'])} {noun} finished, "
             f"{fmt.value('forecast.throughput_per_day_mean', s['throughput_per_day_mean'])} "
             f"on average."]
    trials = f"{fmt.count(doc['trials'], 'trials')}, seed {doc['seed']}"
    if "when" in doc:
        w = doc["when"]
        lines.append(f"When will {fmt.count(w['items'])} more {noun} be done? ({trials}; "
                     f"forecasting from {fmt.date_text(w['starts'])})")
        for share in (50, 70, 85, 95):
            v = w[f"p{share}"]
            lines.append(f"  {share} % of trials: by {fmt.date_text(v)}" if v is not None else
                         f"  {share} % of trials: not within "
                         f"{fmt.count(w['horizon_days'] // 365, 'years')}")
    else:
        h = doc["how_many"]
        lines.append(f"How many {noun} will be done from {fmt.date_text(h['starts'])} through "
                     f"{fmt.date_text(h['by'])} ({fmt.count(h['days'], 'days')})? ({trials})")
        for share in (50, 70, 85, 95):
            lines.append(f"  {share} % of trials: at least {fmt.count(h[f'p{share}'])}")
    return "\n".join(lines)
