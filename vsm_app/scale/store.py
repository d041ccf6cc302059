"""The output folder of ``analyze-many``: canonical tables as Parquet, partitioned by repository.

::

    DIR/
      summary.json                    the whole and every group (analysis.groups.portfolio_json)
      status.json                     one entry per repository: ok | unchanged | failed, why
      repositories/NAME.json          a repository's state: fingerprint, counts, sources, notes
      tables/TABLE/repository=NAME/part-0.parquet
                                      TABLE: commits, changes, deployments, ci_runs, incidents,
                                      events, memberships (repo, change_id, group)

Hive-style partitions (``repository=NAME``), so ``pyarrow.dataset`` / ``dask.dataframe`` /
DuckDB read a table across repositories as one. Every file is written to a temporary name in
its folder and renamed into place: a reader never sees half a file. Names come from the
manifest, checked to be plain folder names (letters, digits, ``. _ -``): nothing is written
outside DIR.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from vsm_app.domain.tables import SCHEMAS, Tables, conform

TABLES = ("commits", "changes", "deployments", "ci_runs", "incidents", "events", "memberships")
PART = "part-0.parquet"


def valid_name(name: str) -> bool:
    """A repository name that is a plain folder name (as the manifest requires): a name
    read back from a summary never reaches outside DIR."""
    from .manifest import NAME

    return bool(NAME.match(name)) and name not in (".", "..")


def table_file(out: Path, table: str, name: str) -> Path:
    return out / "tables" / table / f"repository={name}" / PART


def state_file(out: Path, name: str) -> Path:
    return out / "repositories" / f"{name}.json"


def _umask_mode() -> int:
    """The mode a plain ``open()`` would give a new file (mkstemp makes it 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_json(path: Path, doc: Any) -> None:
    atomic_write(path, (json.dumps(doc, indent=2, allow_nan=False, ensure_ascii=False)
                        + "\n").encode("utf-8"))


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _to_parquet_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns Parquet stores as they are: parent tuples as space-joined shas, other Python
    objects as text (no pickle anywhere)."""
    out = frame.reset_index(drop=True).copy()
    for c in out.columns:
        if out[c].dtype == object:
            if c == "parents":
                out[c] = pd.array([" ".join(p) if isinstance(p, tuple | list) else None
                                   for p in out[c].tolist()], dtype="string")
            else:
                out[c] = out[c].astype("string")
    return out


def write_table(out: Path, table: str, name: str, frame: pd.DataFrame) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow = pa.Table.from_pandas(_to_parquet_frame(frame), preserve_index=False)
    target = table_file(out, table, name)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{PART}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        pq.write_table(arrow, tmp, compression="zstd")
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_table(out: Path, table: str, name: str) -> pd.DataFrame:
    """One repository's table with the canonical dtypes (timestamps back to ns, UTC)."""
    return _to_frame(pd.read_parquet(table_file(out, table, name), engine="pyarrow"), table)


def _to_frame(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    for c in frame.columns:
        if isinstance(frame[c].dtype, pd.DatetimeTZDtype):
            frame[c] = frame[c].dt.as_unit("ns")
    if table == "commits" and "parents" in frame:
        frame["parents"] = pd.Series([tuple(p.split()) if isinstance(p, str) else ()
                                      for p in frame["parents"].tolist()], dtype=object)
    if table in SCHEMAS:
        frame = conform(frame, table)
    else:
        frame = frame.astype("string")
    return frame


def has_tables(out: Path, name: str) -> bool:
    return all(table_file(out, t, name).is_file() for t in TABLES)


def remove_tables(out: Path, name: str) -> None:
    for t in TABLES:
        shutil.rmtree(table_file(out, t, name).parent, ignore_errors=True)


def write_repository(out: Path, name: str, tables: Tables, member: pd.DataFrame) -> None:
    for t in TABLES[:-1]:
        write_table(out, t, name, getattr(tables, t))
    write_table(out, "memberships", name, member)


#: the commits columns the metrics read (the hotfix rule looks up a change's merge commit
#: subject, analysis.dora.hotfix_mask); the rest of the commits table is for other readers
METRIC_COMMIT_COLUMNS = ("sha", "subject", "repo", "change_id")


def read_across(out: Path, table: str, names: list[str], columns: list[str] | None = None,
                keep: Any = None) -> pd.DataFrame | None:
    """One table of every repository of ``names`` (in that order) as one frame, or None
    when all are empty. The files are read as Arrow and joined before one conversion to
    pandas (a conversion per repository cost more than the reading). ``keep(arrow_table)``
    may return a row mask applied before the conversion."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts = []
    for n in names:
        f = table_file(out, table, n)
        cols = None if columns is None else \
            [c for c in columns if c in pq.read_schema(f).names]
        parts.append(pq.read_table(f, columns=cols))
    parts = [p for p in parts if p.num_rows]
    if not parts:
        return None
    joined = pa.concat_tables(parts, promote_options="permissive")
    if keep is not None:
        joined = joined.filter(keep(joined))
    return _to_frame(joined.to_pandas(), table)


def read_repositories(out: Path, names: list[str], lean: bool = False
                      ) -> tuple[Tables, pd.DataFrame]:
    """The canonical tables of ``names`` (in that order) as one :class:`Tables`.

    ``lean``: of ``commits`` only what the metrics read — the merge commits of the changes,
    with :data:`METRIC_COMMIT_COLUMNS` (a quarter of the rows and a fraction of the memory
    on the benchmark; the figures are the same, which the tests check).
    """
    tables = Tables()
    for t in TABLES[:-1]:
        if t == "commits" and lean:
            continue
        frame = read_across(out, t, names)
        if frame is not None:
            setattr(tables, t, frame)
    if lean:
        import pyarrow as pa
        import pyarrow.compute as pc

        merge = pa.array(tables.changes["merge_sha"].dropna().astype(str).unique().tolist(),
                         type=pa.string())
        frame = read_across(out, "commits", names, list(METRIC_COMMIT_COLUMNS),
                            keep=lambda t: pc.is_in(t["sha"].cast(pa.string()), value_set=merge))
        if frame is not None:
            tables.commits = frame
    member = read_across(out, "memberships", names)
    if member is None:
        member = pd.DataFrame({c: pd.Series(dtype="string")
                               for c in ("repo", "change_id", "group")})
    return tables, member


def add_state(tables: Any, out: Path, names: list[str]) -> None:
    """The sources, warnings, notes and data-quality counters of each repository's state
    (``repositories/NAME.json``) onto ``tables``, in the order of ``names``."""
    from vsm_app.domain.tables import SourceReport

    for name in names:
        state = read_json(state_file(out, name)) or {}
        for src in state.get("sources", []):
            rep = SourceReport(path=src.get("path", ""), format=src.get("format", ""),
                               records=src.get("records", 0), linked=src.get("linked", 0),
                               skipped=src.get("skipped", 0))
            rep.extra = {k: v for k, v in src.items()
                         if k not in ("path", "format", "records", "linked", "skipped")}
            tables.sources.append(rep)
        tables.warnings.extend(f"{name}: {w}" if not w.startswith(state.get("path", "\0"))
                               else w for w in state.get("warnings", []))
        tables.notes.extend(state.get("notes", []))
        # counters add up over repositories, as when analyze reads several (pipeline.ingest)
        for k, v in (state.get("data_quality") or {}).items():
            if isinstance(v, int | float) and not isinstance(v, bool):
                tables.data_quality[k] = tables.data_quality.get(k, 0) + v
            else:
                tables.data_quality.setdefault(k, v)
