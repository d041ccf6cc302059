"""``analyze-many``: many repositories on a Dask cluster, then the whole and every group.

Two phases:

1. **Per repository, in parallel** (:func:`vsm_app.scale.worker.prepare_repository`, one Dask
   task each): ingest git and the repository's exports, link, find each group's changes, write
   the canonical tables as Parquet. Unchanged repositories are skipped; a failing one is
   reported and the others go on.
2. **The organisation**: the whole and every group, with the same engine as ``analyze``
   (:func:`vsm_app.analysis.groups.analyze_groups`). On the cluster each repository's
   partition is read and prepared by a worker and this process joins the per-change arrays
   (:mod:`vsm_app.scale.organisation`); in one process the tables of every repository that
   succeeded are read back in manifest order and prepared as a union. Same figures;
   docs/scale.md has the memory of each.

:func:`run` uses Dask (a ``LocalCluster`` of processes sized to the machine, or the scheduler
given); :func:`run_in_process` runs the very same task function in this process, one
repository after the other (the reference the tests compare the cluster with, and the path
for a machine without the ``scale`` extra's Dask).
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .manifest import Manifest

log = logging.getLogger(__name__)

#: called after each repository: (its status dict, done so far, total)
OnRepository = Callable[[dict[str, Any], int, int], None]


class ScaleUnavailable(RuntimeError):
    """The optional ``scale`` extra (Dask, pyarrow) is not installed."""


def require_extra(with_dask: bool = True) -> None:
    """Raise :class:`ScaleUnavailable` naming what to install when the extra is missing."""
    missing = []
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        missing.append("pyarrow")
    if with_dask:
        try:
            import dask.distributed  # noqa: F401
        except ImportError:
            missing.append("dask[distributed]")
    if missing:
        raise ScaleUnavailable(
            f"analyze-many needs the optional 'scale' extra ({' and '.join(missing)} "
            f"not installed): pip install 'vsm-app[scale]'")


@dataclass
class RunOptions:
    out: Path
    scheduler: str | None = None  #: tcp://host:8786; None: a LocalCluster on this machine
    workers: int | None = None  #: LocalCluster size (default: the machine's cores)
    force: bool = False  #: prepare every repository even when unchanged


@dataclass
class PortfolioRun:
    statuses: list[dict[str, Any]]
    summary: dict[str, Any]
    wall_s: float
    prepare_s: float
    organisation_s: float
    workers: int
    cluster_start_s: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [s for s in self.statuses if s["status"] == "failed"]


def specs(manifest: Manifest, out: Path, force: bool = False) -> list[dict[str, Any]]:
    """One picklable task description per repository (paths absolute, groups as JSON)."""
    result = []
    for entry in manifest.repositories:
        mine = [g for g in manifest.groups if g.takes_repository(entry.name)]
        needs_co = any(g.owner for g in mine) and manifest.codeowners_path
        result.append({
            "entry": entry.to_json(),
            "settings": manifest.settings_json(),
            "groups": [g.to_json() for g in mine],
            "codeowners": manifest.codeowners_path if needs_co else None,
            "out": str(out),
            "force": force,
        })
    return result


#: what an analyze-many folder holds: an existing non-empty folder must look like one
OUTPUT_NAMES = frozenset({"summary.json", "status.json", "tables", "repositories"})


def check_out_dir(out: Path, manifest: Manifest | None = None) -> None:
    """DIR is a folder we may fill (created when its parent exists); never a file, never a
    folder holding other things, never inside a repository we read; ``summary.json`` and
    ``status.json`` pass the product's one write check (vsm_app.report.target: no link to a
    project, none of the inputs). Raises ExportTargetError (a ValueError) naming DIR."""
    from vsm_app.report.target import ExportTargetError, check_target

    out = Path(out).expanduser()
    if out.exists() and not out.is_dir():
        raise ExportTargetError(f"{out}: is a file; --out takes a folder")
    resolved = out.resolve()
    inputs: list[str] = []
    if manifest is not None:
        inputs = [manifest.path, *(p for r in manifest.repositories for _, p in r.files)]
        if manifest.codeowners_path:
            inputs.append(manifest.codeowners_path)
        for r in manifest.repositories:
            repo = Path(r.path).resolve()
            if resolved == repo or repo in resolved.parents:
                raise ExportTargetError(f"{out}: is inside the repository {r.name} ({r.path}); "
                                        f"choose a folder outside the repositories")
    if out.exists():
        others = sorted(p.name for p in out.iterdir() if p.name not in OUTPUT_NAMES)
        if others:
            raise ExportTargetError(
                f"{out}: holds other files ({', '.join(others[:3])}"
                f"{', …' if len(others) > 3 else ''}); give a new or empty folder, or one "
                f"analyze-many wrote before")
    elif not out.parent.is_dir():
        raise ExportTargetError(f"{out}: the folder {out.parent} does not exist")
    if out.exists():
        for name in ("summary.json", "status.json"):
            check_target(out / name, {".json"}, protected=inputs)
    out.mkdir(exist_ok=True)
    if not os.access(out, os.W_OK):
        raise ExportTargetError(f"{out}: cannot write in this folder")


def run(manifest: Manifest, options: RunOptions,
        on_repository: OnRepository | None = None,
        on_phase: Callable[[str], None] | None = None) -> PortfolioRun:
    """Phase 1 on Dask, phase 2 here (module docstring)."""
    require_extra(with_dask=True)
    from dask.distributed import Client, LocalCluster, as_completed

    from .worker import prepare_repository

    out = Path(options.out)
    check_out_dir(out, manifest)
    t0 = time.perf_counter()
    cluster = None
    if options.scheduler:
        client = Client(options.scheduler, timeout="20s")
    else:
        n = options.workers or os.cpu_count() or 1
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address="127.0.0.1:0",
                               silence_logs=logging.CRITICAL)
        client = Client(cluster)
    t_cluster = time.perf_counter() - t0
    try:
        workers = len(client.scheduler_info().get("workers", {}))
        todo = specs(manifest, out, options.force)
        token = uuid.uuid4().hex[:8]
        futures = {client.submit(prepare_repository, s, key=f"vsm-{s['entry']['name']}-{token}",
                                 pure=False): s["entry"]["name"] for s in todo}
        done: dict[str, dict[str, Any]] = {}
        for fut in as_completed(futures):
            name = futures[fut]
            try:
                status = fut.result()
            except Exception as e:  # the worker died (memory, killed): this repository failed
                status = {"name": name, "status": "failed",
                          "message": f"the worker running it failed: {type(e).__name__}: {e}"}
            done[name] = status
            if on_repository is not None:
                on_repository(status, len(done), len(todo))
        t_prepared = time.perf_counter()
        statuses = [done[e.name] for e in manifest.repositories]
        t_org = time.perf_counter()
        if on_phase is not None:
            good = sum(1 for s in statuses if s["status"] != "failed")
            on_phase(f"computing the whole and {len(manifest.groups)} group(s) from {good} "
                     f"repositories")
        # each repository prepared on a worker, joined here (scale/organisation.py)
        summary = summarize(manifest, out, statuses, client=client)
        t_end = time.perf_counter()
    finally:
        # a worker's last heartbeat may meet the closing scheduler: Dask logs that as an
        # error; each repository's own outcome is already in its status
        dask_log = logging.getLogger("distributed")
        level = dask_log.level
        dask_log.setLevel(logging.CRITICAL)
        try:
            client.close()
            if cluster is not None:
                cluster.close()
        finally:
            dask_log.setLevel(level)
    return PortfolioRun(statuses, summary, wall_s=t_end - t0, prepare_s=t_prepared - t0,
                        organisation_s=t_end - t_org, workers=workers,
                        cluster_start_s=t_cluster)


def run_in_process(manifest: Manifest, options: RunOptions,
                   on_repository: OnRepository | None = None) -> PortfolioRun:
    """The same two phases without Dask: every repository in this process, one by one."""
    require_extra(with_dask=False)
    from .worker import prepare_repository

    out = Path(options.out)
    check_out_dir(out, manifest)
    t0 = time.perf_counter()
    statuses = []
    todo = specs(manifest, out, options.force)
    for k, s in enumerate(todo, start=1):
        status = prepare_repository(s)
        statuses.append(status)
        if on_repository is not None:
            on_repository(status, k, len(todo))
    t_org = time.perf_counter()
    summary = summarize(manifest, out, statuses)
    t_end = time.perf_counter()
    return PortfolioRun(statuses, summary, wall_s=t_end - t0, prepare_s=t_org - t0,
                        organisation_s=t_end - t_org, workers=1)


#: the format of summary.json: 2 added ``summary_format`` and ``settings`` (what the
#: organisation phase was computed with, so File ▸ Open portfolio computes the same figures)
SUMMARY_FORMAT = 2


def _window(since_text: str | None, until_text: str | None) -> tuple[Any, Any]:
    import pandas as pd

    def ts(text: str | None) -> Any:
        if text is None:
            return None
        t = pd.Timestamp(text)
        return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")

    since, until = ts(since_text), ts(until_text)
    if until is not None and until_text is not None and len(until_text.strip()) <= 10:
        until += pd.Timedelta(days=1)  # until = 2026-03-31 includes that day, as in analyze
    return since, until


def organisation_tables(out: Path, names: list[str]) -> tuple[Any, Any]:
    """The tables of ``names`` read back (lean) with their sources, warnings, notes and
    data-quality counters from each repository's state: ``(tables, memberships)``."""
    from . import store

    tables, member = store.read_repositories(out, names, lean=True)
    store.add_state(tables, out, names)
    return tables, member


def summarize(manifest: Manifest, out: Path, statuses: list[dict[str, Any]],
              client: Any = None) -> dict[str, Any]:
    """Phase 2: the whole and every group from the tables of the repositories that
    succeeded, written to ``summary.json`` and ``status.json``; returns the summary.

    With a Dask ``client`` each repository is read and prepared on a worker and the driver
    holds only the per-change arrays (:mod:`vsm_app.scale.organisation`); without, this
    process reads every table (the same figures)."""
    from vsm_app import __version__
    from vsm_app.analysis.engine import AnalysisOptions
    from vsm_app.analysis.groups import analyze_groups

    from . import store

    good = [s["name"] for s in statuses if s["status"] in ("ok", "unchanged")]
    since, until = _window(manifest.since, manifest.until)
    options = AnalysisOptions(since=since, until=until, period=manifest.period,
                              band_year=manifest.band_year,
                              production_environments=manifest.production_environments)
    if client is not None:
        from .organisation import analyze_on_cluster

        result = analyze_on_cluster(client, out, good, list(manifest.groups), options)
    else:
        tables, member = organisation_tables(out, good)
        result = analyze_groups(tables, member, manifest.groups, None, options)
    doc = result.to_json()
    summary: dict[str, Any] = {
        "manifest": manifest.path,
        "vsm_app_version": __version__,
        "summary_format": SUMMARY_FORMAT,
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "settings": {"since": manifest.since, "until": manifest.until,
                     "period": manifest.period, "band_year": manifest.band_year,
                     "production_environments": list(manifest.production_environments)},
        "repositories": [_status_json(s) for s in statuses],
        "window": doc["whole"]["window"],
        "whole": doc["whole"],
        "groups": doc["groups"],
        "comparison": doc["comparison"],
    }
    store.write_json(out / "summary.json", summary)
    store.write_json(out / "status.json", {"repositories": summary["repositories"]})
    return summary


class NotAPortfolio(ValueError):
    """A folder File ▸ Open portfolio cannot read (the message names the folder and why)."""


@dataclass
class LoadedPortfolio:
    """An analyze-many output folder read back: its summary, the whole and every group
    recomputed from its tables (typed), and the map their stages are drawn on."""

    folder: Path
    summary: dict[str, Any]
    groups: Any  # analysis.groups.GroupsResult
    vsm_map: Any  # domain.model.ValueStreamMap (the software-delivery stages)
    repositories: list[str]


def read_summary(folder: Path) -> dict[str, Any]:
    """``summary.json`` of an analyze-many folder, checked; :class:`NotAPortfolio` names
    what is wrong (not a folder, not a portfolio, a newer or older format)."""
    import json

    from vsm_app import __version__

    folder = Path(folder)
    if not folder.is_dir():
        raise NotAPortfolio(f"{folder}: not a folder")
    path = folder / "summary.json"
    if not path.is_file() or not (folder / "tables").is_dir():
        raise NotAPortfolio(f"{folder}: not an analyze-many output folder (it holds no "
                            f"summary.json and tables/); open the folder given to "
                            f"'vsm-app analyze-many MANIFEST --out DIR'")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise NotAPortfolio(f"{path}: cannot be read as JSON ({e})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("comparison"), list) or \
            not isinstance(doc.get("groups"), list):
        raise NotAPortfolio(f"{path}: not an analyze-many summary (no comparison and groups)")
    fmt_ = doc.get("summary_format")
    written = doc.get("vsm_app_version", "an unknown version")
    if isinstance(fmt_, int) and fmt_ > SUMMARY_FORMAT:
        raise NotAPortfolio(f"{path}: written by a newer vsm-app ({written}, summary format "
                            f"{fmt_}); this vsm-app ({__version__}) reads format "
                            f"{SUMMARY_FORMAT}: update vsm-app to open it")
    if fmt_ != SUMMARY_FORMAT or not isinstance(doc.get("settings"), dict):
        raise NotAPortfolio(f"{path}: written by an older vsm-app ({written}) in a format "
                            f"this version does not open; run 'vsm-app analyze-many' again "
                            f"with this version (unchanged repositories are re-used)")
    _check_settings(doc["settings"], path)
    return doc


def _check_settings(st: dict[str, Any], path: Path) -> None:
    """The recorded settings are data this version can use; else one line naming the key."""
    import pandas as pd

    def bad(key: str, what: str) -> NotAPortfolio:
        return NotAPortfolio(f"{path}: settings.{key}: {what}")

    for key in ("since", "until"):
        v = st.get(key)
        if v is None:
            continue
        if not isinstance(v, str):
            raise bad(key, "expected a date text or null")
        try:
            pd.Timestamp(v)
        except (ValueError, TypeError):
            raise bad(key, f"{v!r} is not a date") from None
    if st.get("period", "week") not in ("day", "week", "month"):
        raise bad("period", "expected day, week or month")
    if not isinstance(st.get("band_year", 2023), int) or isinstance(st.get("band_year"), bool):
        raise bad("band_year", "expected a year")
    envs = st.get("production_environments", [])
    if not isinstance(envs, list) or not all(isinstance(e, str) for e in envs):
        raise bad("production_environments", "expected a list of names")


def load_portfolio(folder: Path, progress: Any = None, cancelled: Any = None
                   ) -> LoadedPortfolio:
    """Read an analyze-many folder back (read-only: nothing in it is written)."""
    from vsm_app.analysis.engine import AnalysisOptions, prepare
    from vsm_app.analysis.groups import analyze_groups
    from vsm_app.domain.groups import GroupError, make_group
    from vsm_app.domain.templates import software_delivery
    from vsm_app.work import check

    from . import store

    folder = Path(folder)
    doc = read_summary(folder)
    require_extra(with_dask=False)
    settings = doc["settings"]
    try:
        groups = [make_group(**{k: v for k, v in g.get("definition", {}).items()},
                             where=f"groups[{i}]") for i, g in enumerate(doc["groups"])]
    except (GroupError, TypeError) as e:
        raise NotAPortfolio(f"{folder / 'summary.json'}: {e}") from None
    names = [str(r.get("name")) for r in doc.get("repositories", [])
             if isinstance(r, dict) and r.get("status") in ("ok", "unchanged")]
    missing = [n for n in names if not store.valid_name(n) or not store.has_tables(folder, n)]
    if missing:
        raise NotAPortfolio(f"{folder}: the tables of {', '.join(map(str, missing))} are "
                            f"missing (a run stopped half-way?); run analyze-many again")
    if progress:
        progress(0.05, f"reading the tables of {len(names)} repositories")
    tables, member = organisation_tables(folder, names)
    check(cancelled)
    if progress:
        progress(0.5, f"computing the whole and {len(groups)} group(s)")
    since, until = _window(settings.get("since"), settings.get("until"))
    options = AnalysisOptions(since=since, until=until, period=settings.get("period", "week"),
                              band_year=int(settings.get("band_year", 2023)),
                              production_environments=tuple(
                                  settings.get("production_environments", ())))
    vsm_map = software_delivery("Measured stream")
    prepared = prepare(tables, vsm_map, options.production_environments)
    check(cancelled)
    result = analyze_groups(tables, member, groups, vsm_map, options, prepared=prepared)
    if progress:
        progress(1.0, "opened")
    return LoadedPortfolio(folder, doc, result, vsm_map, names)


def _status_json(s: dict[str, Any]) -> dict[str, Any]:
    keys = ("name", "status", "message", "changes", "deployments", "commits", "groups",
            "seconds", "peak_rss_mb", "worker_pid")
    return {k: s.get(k) for k in keys}
