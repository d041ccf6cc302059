"""Write the measured tables as CSV: one file per table into a folder (Export tables) and the
per-change file of ``analyze --export-changes``. The frames are :mod:`vsm_app.report.tables`;
every file goes through the export safety rules of :mod:`vsm_app.report.target` (checked
before anything is written, atomic)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..report.tables import (
    changes_export_frame,
    frame_to_csv_bytes,
    item_status_frame,
    items_frame,
    table_frames,
)
from ..report.target import check_target, write_target
from ..work import IsCancelled, Progress, check, report

if TYPE_CHECKING:
    import pandas as pd

    from ..pipeline import Measurement


def check_changes_target(path: str | os.PathLike[str],
                         project_path: str | os.PathLike[str] | None = None,
                         protected: Sequence[str | os.PathLike[str]] = ()) -> Path:
    """Where the per-change CSV may be written (checked before the measurement starts)."""
    return check_target(path, {".csv"}, project_path, protected=protected)


def write_changes_csv(changes: pd.DataFrame, path: str | os.PathLike[str],
                      project_path: str | os.PathLike[str] | None = None,
                      protected: Sequence[str | os.PathLike[str]] = ()) -> Path:
    """One row per change (DESIGN §6, ``--export-changes``) at ``path``, never over the
    project or a file the measurement read (``protected``); returns the path."""
    target = check_changes_target(path, project_path, protected)
    write_target(target, frame_to_csv_bytes(changes_export_frame(changes)))
    return target


def check_csv_target(path: str | os.PathLike[str],
                     project_path: str | os.PathLike[str] | None = None,
                     protected: Sequence[str | os.PathLike[str]] = ()) -> Path:
    """Where a CSV export may be written (checked before the measurement starts)."""
    return check_target(path, {".csv"}, project_path, protected=protected)


def write_items_csv(measurement: Measurement, path: str | os.PathLike[str], *,
                    include_titles: bool = False,
                    project_path: str | os.PathLike[str] | None = None,
                    protected: Sequence[str | os.PathLike[str]] = ()) -> int:
    """One row per work item (``--export-items``, docs/exports.md) at ``path``; titles only
    when asked (issue 18, privacy). Returns the rows written."""
    frame = items_frame(measurement, include_titles=include_titles)
    write_target(check_csv_target(path, project_path, protected), frame_to_csv_bytes(frame))
    return len(frame)


def write_item_status_csv(measurement: Measurement, path: str | os.PathLike[str],
                          since: pd.Timestamp | None = None, until: pd.Timestamp | None = None,
                          *, project_path: str | os.PathLike[str] | None = None,
                          protected: Sequence[str | os.PathLike[str]] = ()) -> int:
    """Seconds per work item and status inside ``[since, until)`` (``--export-item-status``)
    at ``path``. Returns the rows written."""
    frame = item_status_frame(measurement, since, until)
    write_target(check_csv_target(path, project_path, protected), frame_to_csv_bytes(frame))
    return len(frame)


def write_table_csv(frame: pd.DataFrame, path: str | os.PathLike[str], *,
                    excel: bool = False,
                    project_path: str | os.PathLike[str] | None = None) -> Path:
    """Write one frame as CSV at ``path`` (checked and atomic); returns the path."""
    p = check_target(path, {".csv"}, project_path)
    write_target(p, frame_to_csv_bytes(frame, excel=excel))
    return p


def write_tables(measurement: Measurement, folder: str | os.PathLike[str], *,
                 excel: bool = False, prefix: str = "", include_titles: bool = False,
                 project_path: str | os.PathLike[str] | None = None,
                 progress: Progress | None = None,
                 cancelled: IsCancelled | None = None) -> list[Path]:
    """Write every table of :data:`vsm_app.report.tables.TABLE_FILES` into ``folder`` (which
    must exist).

    ``prefix`` is put before each file name (``demo-changes.csv``). Returns the paths written.
    All targets are checked before the first file is written.
    """
    frames = table_frames(measurement, include_titles=include_titles)
    targets = [check_target(Path(folder) / f"{prefix}{name}", {".csv"}, project_path)
               for name in frames]
    written = []
    for i, (target, frame) in enumerate(zip(targets, frames.values(), strict=True)):
        check(cancelled, "the export")
        report(progress, i / len(frames), f"writing {target.name}")
        write_target(target, frame_to_csv_bytes(frame, excel=excel))
        written.append(target)
    report(progress, 1.0, "done")
    return written
