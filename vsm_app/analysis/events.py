"""The events table (DESIGN §3): the long form of every change's timestamps plus CI events.

Sources of each event
---------------------
``first_commit``, ``last_commit``, ``pr_opened``, ``first_review``, ``approved``, ``merged``,
``deployed``
    the change's own ``*_at`` columns.
``deploy_started``
    ``started_at`` of the deployment that shipped the change (``changes.deployment_id``);
    absent when that source gives only a finish time (git tags).
``ci_queued``, ``ci_started``, ``ci_finished``
    the CI run that built the change's ``merge_sha``: among the *non-deploy* runs on that sha,
    each run is taken at its **latest attempt** (the attempt whose result counted), and of
    those the run **queued first** (then started first, then listed first) is the
    change's build: the run the merge itself triggered, not a later scheduled or manual one.
    Its ``queued_at``, ``started_at`` and ``finished_at`` are the three events.

A missing time has no row in the long table; :func:`event_matrix` turns it back into ``NaT``
(never zero). Everything is vectorised (merge, sort, drop_duplicates, stack).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from vsm_app.domain.tables import EVENTS, UTC_NS

from .periods import NAT, to_ns

#: change column holding each change-level event
CHANGE_EVENT_COLUMNS: dict[str, str] = {
    "first_commit": "first_commit_at",
    "last_commit": "last_commit_at",
    "pr_opened": "pr_opened_at",
    "first_review": "first_review_at",
    "approved": "approved_at",
    "merged": "merged_at",
    "deployed": "deployed_at",
}

CI_EVENT_COLUMNS: dict[str, str] = {
    "ci_queued": "queued_at",
    "ci_started": "started_at",
    "ci_finished": "finished_at",
}


def _col(frame: pd.DataFrame, name: str, dtype: str) -> pd.Series:
    if name in frame:
        return frame[name]
    if dtype == UTC_NS:
        return pd.Series(pd.NaT, index=frame.index, dtype=UTC_NS)
    return pd.Series(pd.NA, index=frame.index, dtype=dtype)


def object_keys(values: pd.Series | pd.Index | np.ndarray) -> np.ndarray:
    """Key values as a numpy object array with ``None`` for missing (fast to hash)."""
    if isinstance(values, np.ndarray):
        return values.astype(object)
    return pd.Series(values).to_numpy(dtype=object, na_value=None)


def lookup(keys: pd.Series | pd.Index | np.ndarray,
           query: pd.Series | pd.Index | np.ndarray) -> np.ndarray:
    """Position in ``keys`` of each value of ``query``: the first occurrence; -1 when absent
    or missing."""
    k = object_keys(keys)
    q = object_keys(query)
    valid = np.flatnonzero(pd.notna(k))
    kv = pd.Index(k[valid])
    first = ~kv.duplicated()
    positions = valid[first]
    if not len(positions):
        return np.full(len(q), -1, dtype=np.int64)
    hit = pd.Index(kv[first]).get_indexer(q)
    return np.where(hit >= 0, positions[np.maximum(hit, 0)], -1).astype(np.int64)


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    return object_keys(frame[name]) if name in frame else np.full(len(frame), None, dtype=object)


def lookup_deployment(deployments: pd.DataFrame, query: pd.DataFrame,
                      id_column: str = "deployment_id") -> np.ndarray:
    """Row in ``deployments`` of the deployment each row of ``query`` names: by repository
    and id (a deployment id is unique within its repository only: two repositories' exports
    both number theirs from 1); by the id alone where either side has no repository.
    -1 when absent."""
    k_repo, k_id = _column(deployments, "repo"), _column(deployments, "deployment_id")
    q_repo, q_id = _column(query, "repo"), _column(query, id_column)

    def keys(repo: np.ndarray, ident: np.ndarray) -> np.ndarray:
        out = np.array([None if i is None else f"{'' if r is None else r}\x00{i}"
                        for r, i in zip(repo.tolist(), ident.tolist(), strict=True)],
                       dtype=object)
        return out

    exact = lookup(keys(k_repo, k_id), keys(q_repo, q_id))
    loose = lookup(k_id, q_id)
    if not len(deployments) or not len(loose):
        return exact
    k_no_repo = pd.isna(k_repo)
    use_loose = (exact < 0) & (loose >= 0) & \
        (pd.isna(q_repo) | k_no_repo[np.maximum(loose, 0)])
    return np.where(use_loose, loose, exact).astype(np.int64)


def normalised(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, uniques)`` of stripped, lower-cased text; code -1 for missing.

    Only the distinct values are normalised, so this is cheap on long columns.
    """
    codes, uniques = pd.factorize(pd.Series(values).to_numpy(dtype=object, na_value=None))
    low = np.array([str(u).strip().lower() for u in uniques], dtype=object)
    return codes, low


def text_in(values: pd.Series, accepted: set[str] | frozenset[str] | tuple[str, ...],
            missing: bool = False) -> np.ndarray:
    """Rows whose stripped, lower-cased text is one of ``accepted`` (missing → ``missing``)."""
    codes, low = normalised(values)
    ok_u = np.isin(low, [a.lower() for a in accepted]) if len(low) else np.zeros(0, bool)
    return np.where(codes >= 0, ok_u[np.maximum(codes, 0)] if len(low) else False, missing)


def build_runs(ci_runs: pd.DataFrame) -> pd.DataFrame:
    """The build run of each sha: ``sha``, ``ci_queued``, ``ci_started``, ``ci_finished`` (ns).

    Non-deploy runs only (workflow-level rows when the source has them, else jobs/stages);
    latest attempt of each run; the run queued first on the sha (then started first, then
    the one listed first).
    """
    cols = ["sha", *CI_EVENT_COLUMNS]
    if ci_runs is None or len(ci_runs) == 0 or "sha" not in ci_runs:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c != "sha" else object)
                             for c in cols})
    deploy = _col(ci_runs, "is_deploy", "boolean").fillna(False).astype(bool).to_numpy()
    sha = object_keys(ci_runs["sha"])
    usable = ~deploy & pd.notna(sha)
    if "level" in ci_runs:
        # a workflow run and its own jobs/stages describe the same build: use the runs,
        # and fall back to jobs/stages only for sources that export nothing else
        is_run = (ci_runs["level"].astype("string").fillna("run") == "run").to_numpy()
        if (usable & is_run).any():
            usable &= is_run
    keep = np.flatnonzero(usable)
    run_id = object_keys(_col(ci_runs, "run_id", "string"))[keep]
    if "repo" in ci_runs:  # run ids are unique within a repository's CI only (a Jenkins
        # build number, a generator's counter): a run is (repository, run id)
        repo = object_keys(ci_runs["repo"])[keep]
        known = pd.notna(repo) & pd.notna(run_id)
        run_id[known] = [f"{r}\x00{i}" for r, i in zip(repo[known].tolist(),
                                                       run_id[known].tolist(), strict=True)]
    no_id = pd.isna(run_id)
    run_id[no_id] = [f"\x00row{i}" for i in np.flatnonzero(no_id)]  # its own run
    attempt = pd.to_numeric(_col(ci_runs, "attempt", "Int64"), errors="coerce").fillna(1) \
        .to_numpy(dtype=np.float64)[keep]
    times = {ev: to_ns(_col(ci_runs, col, UTC_NS))[keep] for ev, col in CI_EVENT_COLUMNS.items()}
    rc, _ = pd.factorize(run_id)  # codes in order of first appearance
    sc, su = pd.factorize(sha[keep])
    # latest attempt of each run
    order = np.lexsort((attempt, rc))
    r_sorted = rc[order]
    last = np.r_[r_sorted[1:] != r_sorted[:-1], True] if len(order) else np.zeros(0, bool)
    sel = order[last]
    # missing times sort last (NAT is the smallest int64)
    big = np.iinfo(np.int64).max
    q = np.where(times["ci_queued"][sel] == NAT, big, times["ci_queued"][sel])
    st = np.where(times["ci_started"][sel] == NAT, big, times["ci_started"][sel])
    order2 = np.lexsort((rc[sel], st, q, sc[sel]))
    s_sorted = sc[sel][order2]
    first = np.r_[True, s_sorted[1:] != s_sorted[:-1]] if len(order2) else np.zeros(0, bool)
    pick = sel[order2[first]]
    return pd.DataFrame({"sha": su[sc[pick]], **{ev: times[ev][pick] for ev in CI_EVENT_COLUMNS}})


def wide_events(changes: pd.DataFrame, ci_runs: pd.DataFrame | None,
                deployments: pd.DataFrame | None) -> pd.DataFrame:
    """One row per change (same order as ``changes``), one ``int64`` ns column per event.

    Columns: every name of :data:`~vsm_app.domain.tables.EVENTS`; missing → ``NAT``.
    """
    n = len(changes)
    out: dict[str, np.ndarray] = {}
    for ev, col in CHANGE_EVENT_COLUMNS.items():
        out[ev] = to_ns(_col(changes, col, UTC_NS)) if col in changes else np.full(n, NAT)
    # deploy_started: the shipping deployment's start
    dep_started = np.full(n, NAT)
    if deployments is not None and len(deployments) and "deployment_id" in changes \
            and "started_at" in deployments and "deployment_id" in deployments:
        idx = lookup_deployment(deployments, changes)
        hit = idx >= 0
        dep_started[hit] = to_ns(deployments["started_at"])[idx[hit]]
    out["deploy_started"] = dep_started
    # CI events of the build run of the merge sha
    runs = build_runs(ci_runs) if ci_runs is not None else build_runs(pd.DataFrame())
    for ev in CI_EVENT_COLUMNS:
        out[ev] = np.full(n, NAT)
    if len(runs) and "merge_sha" in changes:
        idx = lookup(runs["sha"].to_numpy(dtype=object), changes["merge_sha"])
        hit = idx >= 0
        for ev in CI_EVENT_COLUMNS:
            out[ev][hit] = runs[ev].to_numpy()[idx[hit]]
    return pd.DataFrame({ev: out[ev] for ev in EVENTS}, index=changes.index)


def build_events(changes: pd.DataFrame, ci_runs: pd.DataFrame | None = None,
                 deployments: pd.DataFrame | None = None) -> pd.DataFrame:
    """The canonical ``events`` table: ``change_id``, ``event``, ``at`` (UTC), one row per
    known event of each change, in change order then :data:`EVENTS` order.

    Missing events have no row (they read back as ``NaT``).
    """
    wide = wide_events(changes, ci_runs, deployments)
    values = wide.to_numpy(dtype=np.int64)
    n, k = values.shape
    flat = values.ravel()
    keep = flat != NAT
    change_pos = np.repeat(np.arange(n), k)[keep]
    event_pos = np.tile(np.arange(k), n)[keep]
    ids = changes["change_id"].astype("string").to_numpy() if "change_id" in changes \
        else np.arange(n).astype(str)
    names = pd.Categorical.from_codes(event_pos, categories=list(wide.columns))
    return pd.DataFrame({
        "change_id": pd.array(np.asarray(ids, dtype=object)[change_pos], dtype="string"),
        "event": pd.array(np.asarray(names, dtype=object), dtype="string"),
        "at": pd.DatetimeIndex(flat[keep].view("datetime64[ns]")).tz_localize("UTC"),
    })


def event_matrix(events: pd.DataFrame, change_ids: pd.Series | pd.Index,
                 names: list[str] | None = None) -> pd.DataFrame:
    """Pivot a long events table to one ``int64`` ns column per event, aligned to ``change_ids``.

    A change or event without a row reads ``NAT``; when an event repeats for a change, the
    earliest time wins. ``names`` adds columns for events that may have no row at all.
    """
    ids = object_keys(change_ids)
    codes, uniques = pd.factorize(object_keys(events["event"]))
    cols = list(dict.fromkeys([*(names or []), *[str(u) for u in uniques]]))
    col_pos = pd.Index(cols).get_indexer(pd.Index([str(u) for u in uniques]))
    row = lookup(ids, events["change_id"])
    at = to_ns(events["at"])
    ok = (row >= 0) & (codes >= 0) & (at != NAT)
    row, col, at = row[ok], col_pos[codes[ok]], at[ok]
    # earliest wins when an event repeats (ufunc.at is exact with repeated indices)
    big = np.iinfo(np.int64).max
    flat = np.full(len(ids) * len(cols), big, dtype=np.int64)
    np.minimum.at(flat, row * len(cols) + col, at)
    flat[flat == big] = NAT
    return pd.DataFrame(flat.reshape(len(ids), len(cols)), columns=cols,
                        index=pd.RangeIndex(len(ids)))
