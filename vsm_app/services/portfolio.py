"""Measure many repositories (``analyze-many``): a manifest → per-repository tables on a
Dask cluster → the whole and every group (issue 21).

The work itself is :mod:`vsm_app.scale` (Qt-free core: the manifest, the per-repository
task, the Parquet store, the organisation phase); this service is what a caller needs
around it, in one call: the manifest loaded, the optional ``scale`` extra checked, the
output folder checked with the product's one write check, then the run. The command line
(:mod:`vsm_app.commands.analyze_many`) calls :func:`analyze_many`; a window or a scheduled
job would call the same.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..scale.manifest import Manifest
    from ..scale.portfolio import OnRepository, PortfolioRun


class PortfolioError(ValueError):
    """Bad input for ``analyze-many``: the manifest (file, line and key named), the output
    folder, the options, the missing ``scale`` extra or an unreachable scheduler. Nothing
    was measured."""


@dataclass
class PortfolioOptions:
    out: Path
    #: tcp://host:8786; None: a local cluster of processes on this machine
    scheduler: str | None = None
    #: local cluster size (default: the machine's cores)
    workers: int | None = None
    #: prepare every repository again, even when unchanged
    force: bool = False
    #: without Dask: every repository in this process, one after the other
    in_process: bool = False


def check_options(options: PortfolioOptions) -> None:
    """The options alone (before anything is read)."""
    if options.workers is not None and options.workers < 1:
        raise PortfolioError("--workers: must be 1 or more")
    if options.workers is not None and options.scheduler:
        raise PortfolioError("--workers sizes the local cluster; with --scheduler the "
                             "cluster's own workers are used")
    if options.scheduler is not None and not options.scheduler.strip():
        raise PortfolioError("--scheduler: give an address such as tcp://host:8786")


def prepare(manifest_path: str | Path, options: PortfolioOptions) -> Manifest:
    """Check the options and the ``scale`` extra, load the manifest and check the output
    folder: the manifest to run, or :class:`PortfolioError` naming what is wrong."""
    from ..report.target import ExportTargetError
    from ..scale.manifest import ManifestError, load_manifest
    from ..scale.portfolio import ScaleUnavailable, check_out_dir, require_extra

    check_options(options)
    try:
        require_extra(with_dask=not options.in_process)
    except ScaleUnavailable as e:
        raise PortfolioError(str(e)) from None
    try:
        manifest = load_manifest(manifest_path)
    except ManifestError as e:
        raise PortfolioError(str(e)) from None
    try:
        check_out_dir(Path(options.out), manifest)
    except ExportTargetError as e:
        raise PortfolioError(str(e)) from None
    return manifest


def where(options: PortfolioOptions) -> str:
    """Where the repositories are measured, in words."""
    import os

    if options.in_process:
        return "this process"
    return options.scheduler or (f"a local cluster of {options.workers or os.cpu_count() or 1}"
                                 f" worker process(es)")


def run(manifest: Manifest, options: PortfolioOptions,
        on_repository: OnRepository | None = None,
        on_phase: Callable[[str], None] | None = None) -> PortfolioRun:
    """Both phases (:mod:`vsm_app.scale.portfolio`); a scheduler that cannot be reached or
    a folder that cannot be written is :class:`PortfolioError`."""
    from ..scale import portfolio

    opts = portfolio.RunOptions(out=Path(options.out), scheduler=options.scheduler,
                                workers=options.workers, force=options.force)
    try:
        if options.in_process:
            return portfolio.run_in_process(manifest, opts, on_repository)
        return portfolio.run(manifest, opts, on_repository, on_phase)
    except OSError as e:
        if options.scheduler:
            raise PortfolioError(f"--scheduler {options.scheduler}: cannot reach the "
                                 f"scheduler ({e})") from None
        raise PortfolioError(f"{getattr(e, 'filename', None) or options.out}: "
                             f"{e.strerror or e}") from None


def outcome_counts(statuses: list[dict[str, Any]]) -> dict[str, int]:
    """How many repositories were prepared, unchanged and failed."""
    return {k: sum(1 for s in statuses if s["status"] == k)
            for k in ("ok", "unchanged", "failed")}


def open_portfolio(folder: str | Path, progress: Any = None, cancelled: Any = None) -> Any:
    """File ▸ Open portfolio: an analyze-many output folder read back, read-only
    (:func:`vsm_app.scale.portfolio.load_portfolio`); :class:`PortfolioError` says why a
    folder cannot be opened (not a portfolio, a newer or older format, the extra missing)."""
    from ..scale.portfolio import NotAPortfolio, ScaleUnavailable, load_portfolio

    try:
        return load_portfolio(Path(folder), progress, cancelled)
    except (NotAPortfolio, ScaleUnavailable) as e:
        raise PortfolioError(str(e)) from None
    except OSError as e:
        raise PortfolioError(f"{getattr(e, 'filename', None) or folder}: "
                             f"{e.strerror or e}") from None
