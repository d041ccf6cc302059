"""CSV exports of the measured tables (Qt-free).

* ``changes.csv``: one row per change, the columns of DESIGN §6
  (:func:`changes_export_frame`; also ``analyze --export-changes``).
* ``deployments.csv``: one row per deployment (times ISO 8601 UTC).
* ``stage_statistics.csv``: one row per stage over the window (counts, median/p85/mean/sum
  of wait and active time in seconds, shares).
* ``metrics_per_period.csv``: one row per period: its start/end, flow and DORA figures.
* ``stages_per_period.csv``: period × stage × kind (wait/active) with count, median, p85, ….

Units are in the column names (``_s`` seconds, ``_at`` UTC instants, ``_per_week``).
``excel=True`` writes UTF-8 with a byte-order mark, which spreadsheet programs need to read
non-ASCII text (stage names, ``→``) correctly. The files are written by
:mod:`vsm_app.services.tables` through the export safety rules of :mod:`vsm_app.report.target`.

Text cells come from imported exports (deployment ids, environments) and from the project
(stage names): a spreadsheet would run a cell such as ``=HYPERLINK(…)`` or ``+cmd|…`` as a
formula. Every CSV the product writes is neutralised with OWASP's rule
(:func:`neutralise_cell`): a text cell (or header) starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return gets a leading ``'``, which spreadsheets show as text; numbers are
left as numbers. A carriage return inside a cell becomes a line feed, so the cell is quoted
and cannot start a row of its own.
"""

from __future__ import annotations

import csv
from typing import Any

import numpy as np
import pandas as pd

TABLE_FILES = ("changes.csv", "deployments.csv", "stage_statistics.csv",
               "metrics_per_period.csv", "stages_per_period.csv")
#: written after :data:`TABLE_FILES` when work items are loaded (issue 18)
ITEM_TABLE_FILES = ("items.csv", "item_status.csv")

CHANGE_COLUMNS = ("change_id", "sha", "kind", "first_commit_at", "pr_opened_at",
                  "first_review_at", "approved_at", "merged_at", "deployed_at",
                  "deployment_id", "lead_time_s", "lead_time_note")

#: why a change's lead_time_s is empty (the rules of the DORA lead time, docs/metrics.md §6)
LEAD_TIME_NOTES = {
    "first_deployment": "left out: shipped by the first deployment (no earlier deployment to "
                        "measure from)",
    "negative": "left out: deployed before its first commit (clock skew)",
    "not_deployed": "not deployed yet",
    "no_first_commit": "no first commit time",
}

DEPLOYMENT_COLUMNS = ("deployment_id", "sha", "environment", "started_at", "finished_at",
                      "status", "source", "is_production", "is_rollback")


def _iso(col: pd.Series) -> pd.Series:
    return col.dt.strftime("%Y-%m-%dT%H:%M:%SZ")


#: first characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_START_RE = r"^[=+\-@\t\r]"


def neutralise_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would take for a formula;
    a carriage return inside text becomes a line feed (which the CSV writer quotes: with
    ``\\n`` line ends a bare ``\\r`` would be written unquoted and split the row)."""
    if isinstance(value, str):
        if value.startswith(FORMULA_START):
            value = "'" + value
        if "\r" in value:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names are neutralised (numbers and
    times untouched)."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
            text = s.astype("string")
            hit = (text.str.contains(_FORMULA_START_RE, regex=True, na=False)
                   | text.str.contains("\r", regex=False, na=False)).to_numpy(bool)
            if hit.any():
                values = s.astype(object).to_numpy(copy=True)
                values[hit] = [neutralise_cell(v) for v in values[hit]]
                out[col] = pd.Series(values, index=s.index, dtype=s.dtype)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def frame_to_csv_bytes(frame: pd.DataFrame, *, excel: bool = False) -> bytes:
    """CSV text of ``frame`` (no index, ``\\n`` line ends), UTF-8 (with BOM when ``excel``),
    formula-like text neutralised (module docstring)."""
    text = neutralise_frame(frame).to_csv(index=False, lineterminator="\n",
                                          quoting=csv.QUOTE_MINIMAL)
    return text.encode("utf-8-sig" if excel else "utf-8")


def changes_export_frame(changes: pd.DataFrame) -> pd.DataFrame:
    """One row per change with the columns of DESIGN §6 (times in ISO 8601 UTC).

    ``lead_time_s`` follows the metrics' own rule (:func:`vsm_app.analysis.dora.lead_times`):
    empty where the metric leaves the change out, and ``lead_time_note`` says why.
    """
    from ..analysis.dora import lead_times
    from ..analysis.periods import NAT, to_ns

    out = pd.DataFrame({"change_id": changes["change_id"], "sha": changes["merge_sha"],
                        "kind": changes["kind"]})
    for col in CHANGE_COLUMNS[3:9]:
        out[col] = _iso(changes[col])
    out["deployment_id"] = changes["deployment_id"]
    start = to_ns(changes["first_commit_at"])
    deployed = to_ns(changes["deployed_at"])
    first = changes["first_deployment"].astype(bool).to_numpy()
    lead, negative = lead_times(start, deployed, first)
    out["lead_time_s"] = lead
    note = np.full(len(out), "", dtype=object)
    note[deployed == NAT] = LEAD_TIME_NOTES["not_deployed"]
    note[(deployed != NAT) & (start == NAT)] = LEAD_TIME_NOTES["no_first_commit"]
    note[negative & ~first] = LEAD_TIME_NOTES["negative"]
    note[first & (deployed != NAT)] = LEAD_TIME_NOTES["first_deployment"]
    out["lead_time_note"] = note
    return out[list(CHANGE_COLUMNS)]


def deployments_frame(deployments: pd.DataFrame) -> pd.DataFrame:
    """Deployments with times as ISO 8601 UTC text, in time order."""
    d = deployments.sort_values("started_at", kind="stable") if len(deployments) else deployments
    out = pd.DataFrame(index=d.index)
    for col in DEPLOYMENT_COLUMNS:
        if col not in d.columns:
            continue
        out[col] = _iso(d[col]) if col.endswith("_at") else d[col]
    return out.reset_index(drop=True)


def stage_statistics_frame(result: Any) -> pd.DataFrame:
    """One row per stage (``AnalysisResult.stage_summary``)."""
    return result.stage_summary.reset_index(drop=True)


def metrics_per_period_frame(result: Any) -> pd.DataFrame:
    """Flow and DORA figures per period, one row per period of the window."""
    periods = result.periods
    if not len(periods):
        return pd.DataFrame(columns=["period_start", "period_end", "label", "days"])
    out = pd.DataFrame({
        "period_start": _iso(periods["start"]).to_numpy(),
        "period_end": _iso(periods["end"]).to_numpy(),
        "label": periods["label"].to_numpy(),
        "days": periods["days"].to_numpy(),
    })
    for frame in (result.flow_by_period, result.dora_by_period):
        for col in frame.columns:
            if col not in out.columns:
                out[col] = frame[col].to_numpy()
    constraint = getattr(result, "constraint_by_period", None)
    if constraint is not None and len(constraint) == len(out):
        out["constraint"] = constraint.to_numpy()
    return out


def stages_per_period_frame(result: Any) -> pd.DataFrame:
    sbp = result.stages_by_period
    if not len(sbp):
        return sbp
    out = sbp.copy()
    out["period"] = _iso(out["period"])
    return out.rename(columns={"period": "period_start"}).reset_index(drop=True)


def table_frames(measurement: Any, *, include_titles: bool = False) -> dict[str, pd.DataFrame]:
    """File name → frame, for every table of :data:`TABLE_FILES`, then
    :data:`ITEM_TABLE_FILES` when work items are loaded (the time in each status inside the
    result's window; titles only with ``include_titles``)."""
    result = measurement.result
    out = {
        "changes.csv": changes_export_frame(measurement.tables.changes),
        "deployments.csv": deployments_frame(measurement.tables.deployments),
        "stage_statistics.csv": stage_statistics_frame(result),
        "metrics_per_period.csv": metrics_per_period_frame(result),
        "stages_per_period.csv": stages_per_period_frame(result),
    }
    if getattr(getattr(measurement, "prepared", None), "items", None) is not None:
        window = result.window_timestamps() if hasattr(result, "window_timestamps") else None
        out["items.csv"] = items_frame(measurement, include_titles=include_titles)
        out["item_status.csv"] = item_status_frame(measurement, *(window or (None, None)))
    return out


# -- work items (issue 18) ----------------------------------------------------------------------

def items_frame(measurement: Any, *, include_titles: bool = False) -> pd.DataFrame:
    """One row per work item (``--export-items``): DESIGN's columns and why a flow time is
    empty; ``title`` only with ``include_titles`` (titles stay out of exports by default)."""
    from ..analysis.items import ITEM_COLUMNS, items_export_frame

    prepared = getattr(measurement, "prepared", None)
    items = getattr(prepared, "items", None)
    if items is None:
        cols = list(ITEM_COLUMNS) + (["title"] if include_titles else [])
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    return items_export_frame(items, measurement.tables, include_titles=include_titles)


def item_status_frame(measurement: Any, since: pd.Timestamp | None = None,
                      until: pd.Timestamp | None = None) -> pd.DataFrame:
    """Seconds per work item and status inside ``[since, until)`` (``--export-item-status``):
    open stays count up to ``until``, else the end of the data."""
    from ..analysis.items import item_status_seconds

    return item_status_seconds(measurement.tables, since, until)
