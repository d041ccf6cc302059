"""Measure a project: its data sources → canonical tables → every metric (DESIGN §5, §6).

The command line (``analyze``, ``export --overlay``, ``report``, ``forecast``) and the window
(the measurement controller, the report and tables exports) measure through here. The work
itself is :mod:`vsm_app.pipeline` (ingest, link, analyse); this module adds what every caller
needs around it: a project's source paths resolved against the project's folder, the cache
folder, the default salt for author hashes, and the ingest-then-prepare step the window
re-analyses per window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..work import IsCancelled, Progress, report

if TYPE_CHECKING:
    import pandas as pd

    from ..analysis.engine import AnalysisOptions, AnalysisResult, Prepared
    from ..domain.model import Project, ValueStreamMap
    from ..domain.tables import Tables
    from ..pipeline import AnalyzeInputs, Measurement

#: the salt of author hashes when a project has none (hashes stay stable between runs)
DEFAULT_SALT = "vsm-app-cli"


class ImportFailed(Exception):
    """Files the user named could not be imported: every problem, the first as the message
    (no partial answer that looks complete)."""

    def __init__(self, errors: list[str], *, notes: list[str] | None = None,
                 warnings: list[str] | None = None) -> None:
        super().__init__(errors[0] if errors else "import failed")
        self.errors = list(errors)
        self.notes = list(notes or [])
        self.warnings = list(warnings or [])


def input_errors() -> tuple[type[Exception], ...]:
    """The exceptions that mean the inputs cannot be read (a message naming the file, the
    line or the field): git, an imported file, an option."""
    from ..ingest.errors import ImportProblem
    from ..ingest.git import GitError
    from ..pipeline import PipelineInputError

    return GitError, ImportProblem, PipelineInputError


def project_inputs(project: Project, project_path: str | Path | None = None, *,
                   salt: str = DEFAULT_SALT) -> AnalyzeInputs:
    """What to measure for ``project``: its sources (paths relative to the project's folder,
    else the working folder), map, settings and the cache folder; ``salt`` when the project
    sets none."""
    from ..paths import cache_dir
    from ..pipeline import inputs_from_project

    inputs = inputs_from_project(project)
    base = Path(project_path).resolve().parent if project_path is not None else Path.cwd()
    for repo in inputs.repos:
        if not Path(repo.path).is_absolute():
            repo.path = str(base / repo.path)
    inputs.files = [(k, p if Path(p).is_absolute() else str(base / p))
                    for k, p in inputs.files]
    if not inputs.salt:
        inputs.salt = salt
    inputs.cache_dir = cache_dir()
    return inputs


def measure(inputs: AnalyzeInputs, progress: Progress | None = None,
            cancelled: IsCancelled | None = None) -> Measurement:
    """Ingest, link and analyse ``inputs`` (the cache folder and salt filled in if unset).

    Raises
    ------
    GitError, ImportProblem, PipelineInputError
        Inputs that cannot be read (see :func:`input_errors`).
    vsm_app.work.Cancelled
        ``cancelled()`` turned true.
    """
    from ..paths import cache_dir
    from ..pipeline import run

    if not inputs.salt:
        inputs.salt = DEFAULT_SALT
    if inputs.cache_dir is None:
        inputs.cache_dir = cache_dir()
    return run(inputs, progress, cancelled)


def measure_project(project: Project, project_path: str | Path | None,
                    progress: Progress | None = None, cancelled: IsCancelled | None = None
                    ) -> tuple[Measurement | None, str]:
    """Measure a project's data sources: ``(measurement, "")`` or ``(None, reason)`` when
    there is nothing to measure. Raises what :func:`measure` raises."""
    if not project.sources:
        return None, "the project has no data sources"
    return measure(project_inputs(project, project_path), progress, cancelled), ""


# -- the window's two steps: ingest and prepare once, analyse per window ---------------------

@dataclass
class MeasuredData:
    """What an ingest produced: the linked tables, their preparation and file problems."""

    tables: Tables
    prepared: Prepared
    import_errors: list[str] = field(default_factory=list)
    ingested_at: pd.Timestamp = field(default_factory=lambda: _now())

    @property
    def extent(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        import pandas as pd

        if self.prepared.extent is None:
            return None
        lo, hi = self.prepared.extent
        return pd.Timestamp(lo, tz="UTC"), pd.Timestamp(hi, tz="UTC")


def _now() -> Any:
    import pandas as pd

    return pd.Timestamp.now(tz="UTC")


def ingest_and_prepare(inputs: AnalyzeInputs, vsm_map: ValueStreamMap | None,
                       progress: Progress | None = None,
                       cancelled: IsCancelled | None = None) -> MeasuredData:
    """Read every source, link, and prepare the analysis (the slow, window-independent part)."""
    from ..analysis.engine import prepare
    from ..pipeline import ingest

    tables, errors = ingest(inputs, progress, cancelled)
    report(progress, 0.97, "preparing the analysis")
    prepared = prepare(tables, vsm_map, inputs.production_environments, inputs.item_settings)
    report(progress, 1.0, "measured")
    return MeasuredData(tables, prepared, errors)


def analyze_window(data: MeasuredData, options: AnalysisOptions) -> AnalysisResult:
    """Every metric of one window from prepared data (fast: the window bar calls it)."""
    from ..analysis.engine import analyze_window as analyze

    return analyze(data.prepared, options)


def measurement_of(data: MeasuredData, result: AnalysisResult) -> Measurement:
    """A prepared ingest and one window's result as a measurement (what reports take)."""
    from ..pipeline import Measurement

    return Measurement(data.tables, result, list(data.import_errors), prepared=data.prepared)
