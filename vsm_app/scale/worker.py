"""One repository's work in ``analyze-many``: runs on a Dask worker (or in-process).

:func:`prepare_repository` takes a plain dict (picklable, no live objects) and returns a plain
dict: it reads the repository and its export files with the same pipeline as ``analyze``
(:func:`vsm_app.pipeline.ingest`, then the groups' memberships), writes the canonical tables
as Parquet into the output folder, and records the repository's state. It never raises for a
problem of the repository: a failure is returned (and recorded) so the others go on.

Skipping: the *fingerprint* is a digest of the repository's history (HEAD, every ref and
tag), its export files (size, modification time and SHA-256 of each), its manifest entry, the
run's settings that shape the tables, the groups that take it (and the CODEOWNERS file when a
group needs it) and the code that builds the tables. When it equals the recorded one and the
tables are there, the repository is ``unchanged`` and nothing is read.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: bump when the layout of the output tables changes: every repository is prepared again
LAYOUT_VERSION = 1


@lru_cache(maxsize=1)
def code_version() -> str:
    """The version and a digest of the code that builds a repository's tables."""
    from vsm_app import __version__

    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256(f"{__version__}:{LAYOUT_VERSION}".encode())
    for package in ("ingest", "domain", "scale"):
        for f in sorted((root / package).glob("*.py")):
            h.update(f.name.encode())
            h.update(f.read_bytes())
    h.update((root / "pipeline.py").read_bytes())
    return h.hexdigest()


def _file_digest(path: str) -> dict[str, Any]:
    st = os.stat(path)
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return {"path": path, "size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": h.hexdigest()}


def fingerprint(spec: dict[str, Any]) -> str:
    """See the module docstring. Raises GitError for a repository that cannot be read."""
    from vsm_app.ingest.gitfiles import history_fingerprint

    entry = spec["entry"]
    doc = {
        "history": history_fingerprint(entry["path"], entry.get("branch")),
        "files": [_file_digest(p) for _, p in entry["files"]],
        "entry": entry,
        "settings": spec["settings"],
        "groups": spec["groups"],
        "codeowners": _file_digest(spec["codeowners"]) if spec.get("codeowners") else None,
        "code": code_version(),
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def _peak_rss_mb() -> float | None:
    """This process's peak resident memory (MB).

    Linux: ``VmHWM`` of /proc/self/status — the high-water mark of this process's own
    address space. ``ru_maxrss`` would be wrong for a worker: it survives fork and exec, so a
    worker spawned by a large parent reports the parent's peak.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024.0, 1)
    except (OSError, ValueError):
        pass
    try:
        import resource

        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return round(kb / (1024.0 * 1024.0 if sys.platform == "darwin" else 1024.0), 1)
    except (ImportError, OSError):
        return None


def prepare_repository(spec: dict[str, Any]) -> dict[str, Any]:
    """Read one repository into ``spec["out"]`` (see module docstring); never raises."""
    t0 = time.perf_counter()
    name = spec["entry"]["name"]
    out = Path(spec["out"])
    from . import store

    status: dict[str, Any] = {"name": name, "status": "failed", "message": None,
                              "worker_pid": os.getpid()}
    try:
        fp = fingerprint(spec)
        before = store.read_json(store.state_file(out, name))
        if not spec.get("force") and isinstance(before, dict) and before.get("status") == "ok" \
                and before.get("fingerprint") == fp and store.has_tables(out, name):
            status.update({k: before.get(k) for k in ("changes", "deployments", "commits",
                                                      "groups")})
            status.update(status="unchanged", seconds=round(time.perf_counter() - t0, 3),
                          peak_rss_mb=_peak_rss_mb())
            return status
        state = _prepare(spec, out)
        state["fingerprint"] = fp
        state["status"] = "ok"
        state["seconds"] = round(time.perf_counter() - t0, 3)
        state["peak_rss_mb"] = _peak_rss_mb()
        store.write_json(store.state_file(out, name), state)
        status.update({k: state[k] for k in ("changes", "deployments", "commits", "groups",
                                             "seconds", "peak_rss_mb")})
        status["status"] = "ok"
        status["warnings"] = len(state.get("warnings", []))
        return status
    except Exception as e:  # one repository's failure never stops the others
        message = _one_line(e)
        log.warning("%s: %s", name, message, exc_info=not _expected(e))
        status.update(message=message, seconds=round(time.perf_counter() - t0, 3),
                      peak_rss_mb=_peak_rss_mb())
        try:
            store.remove_tables(out, name)
            store.write_json(store.state_file(out, name),
                             {"name": name, "status": "failed", "message": message})
        except OSError:
            pass
        return status


def _expected(e: BaseException) -> bool:
    from vsm_app.errors import BadInput
    from vsm_app.ingest.errors import ImportProblem
    from vsm_app.ingest.git import GitError
    from vsm_app.pipeline import PipelineInputError

    return isinstance(e, GitError | ImportProblem | PipelineInputError | BadInput)


def _one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return text if _expected(e) else f"unexpected {type(e).__name__}: {text}"


def _prepare(spec: dict[str, Any], out: Path) -> dict[str, Any]:
    import pandas as pd

    from vsm_app.domain.groups import make_group, parse_codeowners
    from vsm_app.paths import cache_dir
    from vsm_app.pipeline import AnalyzeInputs, PipelineInputError, RepoInput, group_memberships
    from vsm_app.pipeline import ingest as pipeline_ingest

    from . import store

    entry = spec["entry"]
    settings = spec["settings"]
    name = entry["name"]
    inputs = AnalyzeInputs(
        repos=[RepoInput(entry["path"], entry.get("subtree"), entry.get("branch"),
                         entry.get("deploy_tags"), label=name)],
        files=[(k, p) for k, p in entry["files"]],
        default_tz=settings.get("time_zone"), deploy_pattern=settings["deploy_pattern"],
        production_environments=tuple(settings["production_environments"]),
        salt=settings["salt"], cache_dir=cache_dir(),
        groups=[make_group(**g) for g in spec["groups"]])
    if spec.get("codeowners"):
        inputs.codeowners = parse_codeowners(
            Path(spec["codeowners"]).read_text(encoding="utf-8"), spec["codeowners"])
    tables, errors = pipeline_ingest(inputs)
    if errors:  # an export file that cannot be read: no partial answer that looks complete
        raise PipelineInputError(errors[0])
    # incidents and CI runs exported for this repository are this repository's: an incident
    # is attributed among its deployments (analysis.dora), a run id is unique within it
    # (analysis.events.build_runs)
    tables.incidents = tables.incidents.assign(
        repo=pd.array([name] * len(tables.incidents), dtype="string"))
    tables.ci_runs = tables.ci_runs.assign(
        repo=pd.array([name] * len(tables.ci_runs), dtype="string"))
    member = group_memberships(tables, inputs) if inputs.groups else \
        pd.DataFrame({c: pd.Series(dtype="string") for c in ("repo", "change_id", "group")})
    store.write_repository(out, name, tables, member)
    counts = member.groupby("group").size() if len(member) else None
    return {
        "name": name,
        "path": entry["path"],
        "changes": int(len(tables.changes)),
        "deployments": int(len(tables.deployments)),
        "commits": int(len(tables.commits)),
        "groups": {str(k): int(v) for k, v in counts.items()} if counts is not None else {},
        "sources": [s.to_json() for s in tables.sources],
        "warnings": list(tables.warnings),
        "notes": list(tables.notes),
        "data_quality": _jsonable(tables.data_quality),
    }


def _jsonable(v: Any) -> Any:
    from vsm_app.analysis.engine import jsonable

    return jsonable(v)
