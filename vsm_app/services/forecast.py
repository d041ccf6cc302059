"""Monte Carlo forecasts from the measured throughput (DESIGN §6, docs/metrics.md §14).

The data are read as ``analyze`` reads them; the units of flow are the changes, finished as
the analysis finishes them, or the work items when a tracker export is loaded (issue 18). ``items``: by which date that many more units are
done; ``by``: how many are done from the day after the sample through that date. One warning
is added here: data that end more than :data:`STALE_DAYS` before today (the forecast then
starts in the past).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..work import Progress

if TYPE_CHECKING:
    import pandas as pd

    from ..analysis.flow_analytics import Forecast
    from ..pipeline import AnalyzeInputs

#: data older than this (days before today) get a warning: the forecast starts in the past
STALE_DAYS = 7


class ForecastError(ValueError):
    """A question the data cannot answer; ``part`` says which input is at fault:
    ``data`` (no throughput), ``sample`` (the sample's start) or ``question`` (the number of
    units or the date)."""

    def __init__(self, part: str, message: str, notes: list[str] | None = None,
                 warnings: list[str] | None = None) -> None:
        super().__init__(message)
        self.part = part
        self.notes = list(notes or [])  # what reading the data said before
        self.warnings = list(warnings or [])


@dataclass
class ForecastRun:
    """A forecast and what reading the data said (notes, warnings)."""

    forecast: Forecast
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def forecast(inputs: AnalyzeInputs, *, items: int | None = None, by: pd.Timestamp | None = None,
             sample_since: pd.Timestamp | None = None, trials: int, seed: int,
             progress: Progress | None = None, today: Any = None) -> ForecastRun:
    """Measure ``inputs`` and forecast ``items`` more units, or how many by ``by``.

    Raises
    ------
    GitError, ImportProblem, PipelineInputError
        Inputs that cannot be read (:func:`vsm_app.services.measure.input_errors`).
    vsm_app.services.measure.ImportFailed
        A file given could not be imported (no partial answer that looks complete).
    ForecastError
        No throughput in the sample, a bad sample start, or a question out of range.
    """
    from ..analysis.engine import prepare
    from ..analysis.flow_analytics import (
        NoThroughput,
        change_units,
        forecast_how_many,
        forecast_when,
        throughput_sample,
    )
    from ..paths import cache_dir
    from ..pipeline import ingest
    from .measure import DEFAULT_SALT, ImportFailed

    if not inputs.salt:
        inputs.salt = DEFAULT_SALT
    if inputs.cache_dir is None:
        inputs.cache_dir = cache_dir()
    tables, errors = ingest(inputs, progress)
    if errors:
        raise ImportFailed(errors, notes=list(tables.notes), warnings=list(tables.warnings))
    prepared = prepare(tables, inputs.vsm_map, inputs.production_environments,
                       inputs.item_settings)
    if prepared.items is not None:  # work items loaded: they are the unit of flow (issue 18)
        from ..analysis.items import item_units

        units = item_units(prepared)
    else:
        units = change_units(prepared, tables.changes)
    said = {"notes": list(tables.notes), "warnings": list(tables.warnings)}
    try:
        sample = throughput_sample(units, since=sample_since)
    except NoThroughput as e:
        raise ForecastError("data", str(e), **said) from None
    except ValueError as e:
        raise ForecastError("sample", str(e), **said) from None
    try:
        result = forecast_when(sample, items, trials, seed) if items is not None \
            else forecast_how_many(sample, by, trials, seed)
    except ValueError as e:
        raise ForecastError("question", str(e), **said) from None
    stale = stale_data_warning(sample.until, today)
    if stale:
        result.warnings.append(stale)
    return ForecastRun(result, list(tables.notes), list(tables.warnings))


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
