"""DORA metrics (DESIGN §5): deployment frequency, lead time, change failure rate, recovery
time, rework rate, and pipeline failure rate apart.

Which deployments count
-----------------------
*Deployments* are the **successful production** rows of the deployments table: ``status`` is
``success`` (case-insensitive; when the table carries no status at all, every row is
successful, as for git tags), the row is production by the one rule of
:func:`vsm_app.domain.environments.is_production` (its source's own ``production_flag``, no
environment named, or a production name: ``production``, ``prod``, ``prd``, ``live`` unless
others are configured), and the row has a time: ``finished_at``, else ``started_at``. They are
ordered by that time, then by ``deploy_order`` (ingest's order: at the same instant an ancestor
deploys first), then by ``deployment_id`` with numbers compared by value. A deployment belongs
to a window or period by that time.

Failures (change failure rate)
------------------------------
A deployment *failed* when any of these holds:

* **incident**: an incident is attributed to it. An incident names its deployment directly
  (``incidents.deployment_id``), or through ``incidents.sha`` (a deployment of that sha, else
  the deployment that shipped the change merged as that sha); a link to a deployment that
  finished *after* the incident opened is ignored. Otherwise the incident belongs to the
  latest deployment finished at or before it opened: ``opened_at ∈ [deployment, next
  deployment)`` — of its own repository when the incident has one (``incidents.repo``, set by
  analyze-many for each repository's exports; such an incident is also "open" for the
  rework rule only on its repository's deployments). An incident opened before any deployment fails none (counted).
* **revert**: a change shipped by a *later* deployment reverts one of its changes
  (``changes.is_revert`` and ``changes.reverts`` = the reverted ``change_id``). A revert
  shipped by the same deployment as the change it reverts never reached production alone and
  fails nothing. Chains of reverts follow DORA's meaning (remediation of a failure): a revert
  of a revert re-applies a change and remedies nothing; a revert that is itself reverted
  later restored nothing that failed. So a revert counts only when it *removes* a change (it
  is 1, 3, 5… reverts deep) and no change reverts it.
* **rollback**: the next deployment of the same repository and environment is a rollback
  (``deployments.is_rollback``, computed at ingest: it ships an ancestor of the previous
  deployment's sha). The **rolled-back** deployment (the previous one) counts as failed; the
  rollback itself is not a failure. Without an ``is_rollback`` column there are no rollbacks.

Change failure rate = failed ÷ deployments, over the deployments of the window.

Recovery time
-------------
Median of failure start → restore over the failures that *started* in the window:

* every incident: ``opened_at → resolved_at`` (unresolved ones are left out and counted);
* every deployment failed by a revert or rollback **and by no incident** (the incident
  already measures it): the failed deployment → the first later deployment that ships a
  revert of one of its changes or rolls it back.

Rework rate
-----------
Share of deployments that are unplanned fixes: they ship a change that is a revert
(``is_revert``) or a hotfix (``changes.is_hotfix`` when ingest provides it, else the merge
commit's subject starts with a ``hotfix:`` Conventional-Commit prefix or merges a
``hotfix/``-style branch), or they finish while an incident is open
(``opened_at < deployment ≤ resolved_at``; the deployment that ships the fix as the incident is
resolved counts, the one that caused it does not).

Pipeline failure rate
---------------------
Deploy CI runs (``ci_runs.is_deploy``; production or unnamed environment), each attempt a run,
by ``finished_at`` (else started/queued): failed ÷ (failed + succeeded). Cancelled, skipped and
unfinished runs are left out (counted). None when no deploy run is loaded.

Lead time for changes
---------------------
Interpolated median of ``deployed_at − first_commit_at`` over the changes deployed in the
period, leaving out changes shipped by the first deployment (``first_deployment``) and
negative spans (counted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from vsm_app.domain.environments import DEFAULT_PRODUCTION_ENVIRONMENTS, is_production
from vsm_app.domain.kinds import HOTFIX_SUBJECT as _HOTFIX_SUBJECT
from vsm_app.ingest.ancestry import natural_key

from .events import lookup, lookup_deployment, object_keys, text_in
from .periods import NAT, NS_PER_DAY, NS_PER_S, WEEK_S, in_window, span_s, to_ns

#: the default production names (configured names replace them; see domain.environments)
PRODUCTION_ENVIRONMENTS: tuple[str, ...] = DEFAULT_PRODUCTION_ENVIRONMENTS
FAILED_CONCLUSIONS = frozenset({"failure", "failed", "error", "errored", "timed_out",
                                "startup_failure"})
SUCCESS_CONCLUSIONS = frozenset({"success", "succeeded", "successful", "passed"})

#: ``hotfix:``/``hotfix(scope)!:`` prefix (same rule as domain.kinds.is_hotfix_subject), or a
#: merge of a hotfix branch ("Merge pull request #12 from org/hotfix/login")
HOTFIX_SUBJECT = _HOTFIX_SUBJECT  # one rule, in domain.kinds


def _str(frame: pd.DataFrame, name: str) -> pd.Series:
    """A text column as it is (any dtype), or an all-missing one."""
    if name in frame:
        return frame[name]
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def _bool(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame:
        return np.zeros(len(frame), dtype=bool)
    return frame[name].astype("boolean").fillna(False).to_numpy(dtype=bool)


def _times(frame: pd.DataFrame, *names: str) -> np.ndarray:
    """The first present time of ``names`` per row (ns), ``NAT`` when none."""
    out = np.full(len(frame), NAT, dtype=np.int64)
    for name in reversed(names):
        if name in frame:
            t = to_ns(frame[name])
            out = np.where(t != NAT, t, out)
    return out


def production_deployments(deployments: pd.DataFrame,
                           environments: tuple[str, ...] = PRODUCTION_ENVIRONMENTS
                           ) -> pd.DataFrame:
    """Successful production deployments with a time, sorted: ``deployment_id``, ``sha``,
    ``repo``, ``environment``, ``at`` (ns), ``is_rollback``, ``deploy_order`` (the sort's
    tie-break, NaN when unknown: analysis.combine re-sorts with it), ``pos`` (0..n-1)."""
    n = len(deployments)
    at = _times(deployments, "finished_at", "started_at")
    status = _str(deployments, "status")
    ok = text_in(status, {"success"}) if status.notna().any() else np.ones(n, dtype=bool)
    env_ok = is_production(_str(deployments, "environment"),
                           deployments["production_flag"] if "production_flag" in deployments
                           else None, environments)
    keep = ok & env_ok & (at != NAT)
    frame = pd.DataFrame({
        "deployment_id": object_keys(_str(deployments, "deployment_id")),
        "sha": object_keys(_str(deployments, "sha")),
        "repo": object_keys(_str(deployments, "repo")),
        "environment": object_keys(_str(deployments, "environment")),
        "at": at,
        "is_rollback": _bool(deployments, "is_rollback"),
    }).loc[keep]
    no_id = frame["deployment_id"].isna().to_numpy()
    frame.loc[no_id, "deployment_id"] = [f"\x00dep{i}" for i in np.flatnonzero(no_id)]
    order = pd.to_numeric(deployments["deploy_order"], errors="coerce") \
        if "deploy_order" in deployments else pd.Series(np.nan, index=deployments.index)
    frame["_order"] = order.loc[keep].to_numpy(dtype=np.float64)
    frame["_name"] = [natural_key(x) for x in frame["deployment_id"].tolist()]
    frame = frame.sort_values(["at", "_order", "_name"], kind="stable", na_position="last") \
        .drop_duplicates(["repo", "deployment_id"]).drop(columns=["_name"]) \
        .rename(columns={"_order": "deploy_order"}).reset_index(drop=True)
    frame["pos"] = np.arange(len(frame), dtype=np.int64)
    return frame


def hotfix_mask(changes: pd.DataFrame, commits: pd.DataFrame | None) -> np.ndarray:
    """Hotfix changes: ``is_hotfix`` when present, else the merge commit's subject."""
    mask = _bool(changes, "is_hotfix")
    subject = object_keys(_str(changes, "subject"))
    if commits is not None and len(commits) and "subject" in commits and "sha" in commits:
        pos = lookup(commits["sha"], _str(changes, "merge_sha"))
        from_commit = object_keys(commits["subject"])[np.maximum(pos, 0)]
        subject = np.where(pd.isna(subject) & (pos >= 0), from_commit, subject)
    text = pd.Series(subject, dtype="string")
    hit = text.str.contains(HOTFIX_SUBJECT, case=False, regex=True).fillna(False)
    return mask | hit.to_numpy(dtype=bool)


@dataclass
class DoraPrepared:
    """Window-independent DORA facts, computed once per data load."""

    #: production deployments (see :func:`production_deployments`) plus ``failed``,
    #: ``failed_incident``, ``failed_revert``, ``failed_rollback``, ``rework``,
    #: ``rework_fix`` (revert/hotfix), ``rework_incident``, ``restore_at`` (ns)
    deployments: pd.DataFrame
    #: failure start (ns), ``recovery_s``, ``cause`` (incident | revert | rollback)
    recoveries: pd.DataFrame
    #: incidents: ``opened`` (ns), ``resolved`` (ns), ``deployment_pos`` (-1 = none)
    incidents: pd.DataFrame
    #: deploy CI runs: ``at`` (ns), ``failed``, ``succeeded``
    deploy_runs: pd.DataFrame
    has_deployments: bool
    has_incidents: bool
    has_deploy_runs: bool
    #: counts that do not depend on the window
    quality: dict[str, int] = field(default_factory=dict)


def prepare_dora(changes: pd.DataFrame, deployments: pd.DataFrame, incidents: pd.DataFrame,
                 ci_runs: pd.DataFrame, commits: pd.DataFrame | None = None,
                 environments: tuple[str, ...] = PRODUCTION_ENVIRONMENTS) -> DoraPrepared:
    """Attribute failures, restores and rework to deployments (vectorised)."""
    deps = production_deployments(deployments, environments)
    m = len(deps)
    at = deps["at"].to_numpy(dtype=np.int64)
    quality: dict[str, int] = {}

    # -- rollbacks: the previous deployment of the same repository and environment failed
    group = [deps["repo"].fillna("\x00"), deps["environment"].fillna("\x00")]
    prev = deps.groupby(group, sort=False)["pos"].shift(1).to_numpy(dtype=np.float64) \
        if m else np.empty(0)
    rb = deps["is_rollback"].to_numpy(dtype=bool) & ~np.isnan(prev)
    rb_failed = prev[rb].astype(np.int64)
    rb_restore = at[rb]

    # -- reverts: the reverted change's deployment failed when a later one ships the revert
    dep_of_change = lookup_deployment(deps, changes)
    is_revert = _bool(changes, "is_revert")
    target = lookup(_str(changes, "change_id"), _str(changes, "reverts"))
    quality["reverts_unresolved"] = int((is_revert & (target < 0)).sum())
    remedy = remedying_reverts(is_revert, target)
    quality["reverts_not_remedies"] = int((is_revert & (target >= 0) & ~remedy).sum())
    rv = remedy & (dep_of_change >= 0)
    rv_by = dep_of_change[rv]
    rv_target_dep = np.where(target[rv] >= 0, dep_of_change[target[rv]], -1)
    later = (rv_target_dep >= 0) & (rv_by > rv_target_dep)
    rv_failed = rv_target_dep[later]
    rv_restore = at[rv_by[later]] if m else np.empty(0, dtype=np.int64)

    # -- incidents
    inc = _incidents(incidents, deps, changes, dep_of_change, quality)
    inc_pos = inc["deployment_pos"].to_numpy()

    failed_incident = np.zeros(m, dtype=bool)
    failed_incident[inc_pos[inc_pos >= 0]] = True
    failed_revert = np.zeros(m, dtype=bool)
    failed_revert[rv_failed] = True
    failed_rollback = np.zeros(m, dtype=bool)
    failed_rollback[rb_failed] = True
    failed = failed_incident | failed_revert | failed_rollback

    # restore of revert/rollback failures: the earliest fixing deployment
    cand = pd.DataFrame({
        "pos": np.concatenate([rv_failed, rb_failed]).astype(np.int64),
        "restore": np.concatenate([rv_restore, rb_restore]).astype(np.int64),
        "cause": ["revert"] * len(rv_failed) + ["rollback"] * len(rb_failed),
    }).sort_values(["pos", "restore"], kind="stable").drop_duplicates("pos")
    restore_at = np.full(m, NAT, dtype=np.int64)
    restore_at[cand["pos"].to_numpy()] = cand["restore"].to_numpy()

    # -- rework: ships a revert or hotfix, or finishes while an incident is open
    fix_change = (is_revert | hotfix_mask(changes, commits)) & (dep_of_change >= 0)
    rework_fix = np.zeros(m, dtype=bool)
    rework_fix[dep_of_change[fix_change]] = True
    opened = inc["opened"].to_numpy()
    resolved = inc["resolved"].to_numpy()
    valid = (opened != NAT) & (resolved != NAT) & (resolved >= opened)
    rework_incident = np.zeros(m, dtype=bool)
    inc_repo = inc["repo"].to_numpy(dtype=object)
    dep_repo = deps["repo"].to_numpy(dtype=object)
    # an incident of a known repository is open for that repository's deployments only;
    # one without (a single-repository project, an organisation-wide export) for every one
    for repo in pd.unique(inc_repo[valid]):
        sel = valid & ((inc_repo == repo) if not pd.isna(repo) else pd.isna(inc_repo))
        targets = np.ones(m, dtype=bool) if pd.isna(repo) else (dep_repo == repo)
        o = np.sort(opened[sel])
        r = np.sort(resolved[sel])
        t = at[targets]
        open_count = np.searchsorted(o, t, side="left") - np.searchsorted(r, t, side="left")
        rework_incident[np.flatnonzero(targets)[open_count > 0]] = True

    deps = deps.assign(
        failed=failed, failed_incident=failed_incident, failed_revert=failed_revert,
        failed_rollback=failed_rollback, rework=rework_fix | rework_incident,
        rework_fix=rework_fix, rework_incident=rework_incident, restore_at=restore_at)

    # -- recoveries
    inc_rec = span_s(resolved, opened)
    quality["incidents_unresolved"] = int(((opened != NAT) & (resolved == NAT)).sum())
    quality["negative_recovery_times"] = int((inc_rec < 0).sum())
    inc_ok = ~np.isnan(inc_rec) & (inc_rec >= 0)
    dep_fail = cand[~failed_incident[cand["pos"].to_numpy()]]
    dep_start = at[dep_fail["pos"].to_numpy()]
    dep_rec = span_s(dep_fail["restore"].to_numpy(), dep_start)
    recoveries = pd.DataFrame({
        "start": np.concatenate([opened[inc_ok], dep_start]).astype(np.int64),
        "recovery_s": np.concatenate([inc_rec[inc_ok], dep_rec]),
        "cause": ["incident"] * int(inc_ok.sum()) + dep_fail["cause"].tolist(),
        # the failed deployment (its ``pos``; -1: an incident before any deployment), so a
        # group (analysis.groups) keeps the recoveries of the deployments it serves
        "deployment_pos": np.concatenate([inc_pos[inc_ok],
                                          dep_fail["pos"].to_numpy()]).astype(np.int64),
    })

    # -- deploy CI runs
    runs = _deploy_runs(ci_runs, environments, quality)

    return DoraPrepared(
        deployments=deps, recoveries=recoveries, incidents=inc, deploy_runs=runs,
        has_deployments=m > 0, has_incidents=len(inc) > 0, has_deploy_runs=len(runs) > 0,
        quality=quality)


def remedying_reverts(is_revert: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Reverts that remedy a failure: they remove a change (an odd number of reverts deep:
    a revert of a revert re-applies the original) and no change reverts them.

    ``target`` is the position of the reverted change (-1 when unknown).
    """
    n = len(is_revert)
    linked = is_revert & (target >= 0)
    # depth: 1 for a revert of a plain change, depth(target) + 1 for a revert of a revert
    depth = np.where(linked, 1, 0).astype(np.int64)
    for _ in range(64):  # chains are short; the bound only guards against a cycle in bad data
        t = np.maximum(target, 0)
        nxt = np.where(linked & linked[t], depth[t] + 1, depth)
        if np.array_equal(nxt, depth):
            break
        depth = nxt
    reverted = np.zeros(n, dtype=bool)
    reverted[target[linked]] = True
    return linked & (depth % 2 == 1) & ~reverted


def _incidents(incidents: pd.DataFrame, deps: pd.DataFrame, changes: pd.DataFrame,
               dep_of_change: np.ndarray, quality: dict[str, int]) -> pd.DataFrame:
    """Incidents with ``opened``, ``resolved`` (ns) and the position of their deployment."""
    opened = _times(incidents, "opened_at")
    resolved = _times(incidents, "resolved_at")
    n = len(incidents)
    pos = np.full(n, -1, dtype=np.int64)
    if len(deps) and n:
        at = deps["at"].to_numpy(dtype=np.int64)
        explicit = lookup_deployment(deps, incidents)
        sha = _str(incidents, "sha")
        by_sha = lookup(deps["sha"], sha)  # positions follow time order: the first deployment
        ci = lookup(_str(changes, "merge_sha"), sha)
        by_change = np.where(ci >= 0, dep_of_change[np.maximum(ci, 0)], -1) \
            if len(dep_of_change) else np.full(n, -1)
        linked = np.where(explicit >= 0, explicit, np.where(by_sha >= 0, by_sha, by_change))
        # a deployment cannot cause an incident opened before it finished
        bad = (linked >= 0) & ((opened == NAT) | (at[np.maximum(linked, 0)] > opened))
        quality["incident_links_ignored"] = int(bad.sum())
        linked[bad] = -1
        by_time = np.searchsorted(at, opened, side="right") - 1
        # an incident of a known repository (``incidents.repo``, set by analyze-many for the
        # exports of each repository) belongs to that repository's latest deployment
        inc_repo = _str(incidents, "repo")
        if inc_repo.notna().any():
            dep_repo = deps["repo"].to_numpy(dtype=object)
            keys = object_keys(inc_repo)
            for repo in pd.unique(keys[pd.notna(keys)]):
                own = np.flatnonzero(dep_repo == repo)
                rows = keys == repo
                k = np.searchsorted(at[own], opened[rows], side="right") - 1
                by_time[rows] = np.where(k >= 0, own[np.maximum(k, 0)], -1) \
                    if len(own) else -1
        by_time[opened == NAT] = -1
        pos = np.where(linked >= 0, linked, by_time)
    quality["incidents_before_first_deployment"] = int(((pos < 0) & (opened != NAT)).sum())
    quality["incidents_without_opened_at"] = int((opened == NAT).sum())
    return pd.DataFrame({"opened": opened, "resolved": resolved, "deployment_pos": pos,
                         "repo": object_keys(_str(incidents, "repo"))})


def _deploy_runs(ci_runs: pd.DataFrame, environments: tuple[str, ...],
                 quality: dict[str, int]) -> pd.DataFrame:
    deploy = _bool(ci_runs, "is_deploy")
    env_ok = is_production(_str(ci_runs, "environment"), None, environments)
    keep = deploy & env_ok
    conclusion = _str(ci_runs, "conclusion")
    failed = text_in(conclusion, FAILED_CONCLUSIONS)[keep]
    succeeded = text_in(conclusion, SUCCESS_CONCLUSIONS)[keep]
    at = _times(ci_runs, "finished_at", "started_at", "queued_at")[keep]
    quality["deploy_runs_not_concluded"] = int((~failed & ~succeeded).sum())
    quality["deploy_runs_without_time"] = int((at == NAT).sum())
    # sha and change: which group a run serves (analysis.groups)
    return pd.DataFrame({"at": at, "failed": failed, "succeeded": succeeded,
                         "sha": object_keys(_str(ci_runs, "sha"))[keep],
                         "change_id": object_keys(_str(ci_runs, "change_id"))[keep],
                         "repo": object_keys(_str(ci_runs, "repo"))[keep]})


def lead_times(first_commit_ns: np.ndarray, deployed_ns: np.ndarray,
               first_deployment: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lead time (s) per change, NaN when unknown; and the mask of negative spans."""
    lt = span_s(deployed_ns, first_commit_ns)
    negative = lt < 0
    lt[negative | first_deployment] = np.nan
    return lt, negative


@dataclass
class DoraWindow:
    """DORA metrics of one window: the summary (JSON-ready) and the per-period trends."""

    summary: dict[str, Any]
    by_period: pd.DataFrame
    deployments_in_window: int


def dora_window(prep: DoraPrepared, lead_time_s: np.ndarray, deployed_ns: np.ndarray,
                start: int, end: int, periods: pd.DataFrame, period_of: Any) -> DoraWindow:
    """DORA metrics over ``[start, end)`` and per period.

    ``period_of(ns_array)`` maps instants to their period start (ns); ``periods`` is the
    frame of :func:`vsm_app.analysis.periods.period_frame` for the same window.
    """
    idx = periods.index
    weeks = (end - start) / NS_PER_S / WEEK_S
    deps = prep.deployments
    at = deps["at"].to_numpy(dtype=np.int64)
    dw = in_window(at, start, end)
    d = deps.loc[dw]
    n = int(dw.sum())
    reasons: dict[str, str] = {}
    notes: dict[str, str] = {}

    # deployment frequency and deployment days
    day = at[dw] // NS_PER_DAY
    dep_period = period_of(at[dw])
    if prep.has_deployments and weeks > 0:
        freq: float | None = n / weeks
        days_pw: float | None = len(np.unique(day)) / weeks
    else:
        freq = days_pw = None
        reasons["deployment_frequency_per_week"] = reasons["deployment_days_per_week"] = (
            "no deployments loaded" if not prep.has_deployments else "empty window")

    # lead time
    lw = in_window(deployed_ns, start, end) & ~np.isnan(lead_time_s)
    lt = lead_time_s[lw]
    lead_median = float(np.median(lt)) if len(lt) else None
    if lead_median is None:
        reasons["lead_time_median_s"] = (
            "no deployments loaded: lead time needs deployed_at"
            if not (deployed_ns != NAT).any() else "no change deployed in the window")

    # change failure rate
    failed = d["failed"].to_numpy(dtype=bool)
    cfr: float | None = float(failed.mean()) if n else None
    if cfr is None:
        reasons["change_failure_rate"] = ("no deployments loaded" if not prep.has_deployments
                                          else "no deployments in the window")
    elif not prep.has_incidents:
        notes["change_failure_rate"] = ("no incidents loaded: failures counted from reverts "
                                        "and rollbacks only")

    # recovery time
    rec = prep.recoveries
    rw = in_window(rec["start"].to_numpy(dtype=np.int64), start, end)
    rec_w = rec.loc[rw]
    rec_median = float(np.median(rec_w["recovery_s"])) if len(rec_w) else None
    if rec_median is None:
        reasons["recovery_time_median_s"] = (
            "no incidents loaded" if not prep.has_incidents
            else "no failure with a recovery started in the window")
    elif not prep.has_incidents:
        notes["recovery_time_median_s"] = ("no incidents loaded: recoveries of reverts and "
                                           "rollbacks only")

    # rework rate
    rework = d["rework"].to_numpy(dtype=bool)
    rework_rate: float | None = float(rework.mean()) if n else None
    if rework_rate is None:
        reasons["rework_rate"] = ("no deployments loaded" if not prep.has_deployments
                                  else "no deployments in the window")

    # pipeline failure rate
    runs = prep.deploy_runs
    run_at = runs["at"].to_numpy(dtype=np.int64)
    uw = in_window(run_at, start, end) & (runs["failed"] | runs["succeeded"]).to_numpy()
    r = runs.loc[uw]
    pfr: float | None = float(r["failed"].mean()) if len(r) else None
    if pfr is None:
        reasons["pipeline_failure_rate"] = ("no deploy CI runs loaded" if not prep.has_deploy_runs
                                            else "no concluded deploy CI run in the window")

    # -- per period
    by = pd.DataFrame(index=idx)
    pw = periods["days"] / 7.0
    pw = pw.where(pw > 0)
    cnt = pd.Series(1, index=range(n)).groupby(dep_period).sum() if n else pd.Series(dtype=int)
    by["deployments"] = cnt.reindex(idx, fill_value=0).astype(np.int64)
    by["deployments_per_week"] = by["deployments"] / pw
    days_p = pd.Series(day).groupby(dep_period).nunique() if n else pd.Series(dtype=int)
    by["deployment_days"] = days_p.reindex(idx, fill_value=0).astype(np.int64)
    by["deployment_days_per_week"] = by["deployment_days"] / pw
    ltp = pd.Series(lt).groupby(period_of(deployed_ns[lw]), sort=True)
    ltq = ltp.quantile([0.5, 0.85]).unstack().reindex(idx) if len(lt) else \
        pd.DataFrame(np.nan, index=idx, columns=[0.5, 0.85])
    by["lead_time_median_s"] = ltq[0.5].astype(np.float64)
    by["lead_time_p85_s"] = ltq[0.85].astype(np.float64)
    by["lead_time_n"] = ltp.size().reindex(idx, fill_value=0).astype(np.int64)
    fp = pd.Series(failed).groupby(dep_period).sum() if n else pd.Series(dtype=int)
    by["failed_deployments"] = fp.reindex(idx, fill_value=0).astype(np.int64)
    by["change_failure_rate"] = by["failed_deployments"] / by["deployments"].where(
        by["deployments"] > 0)
    rp = rec_w["recovery_s"].groupby(period_of(rec_w["start"].to_numpy(dtype=np.int64)))
    by["recovery_time_median_s"] = rp.median().reindex(idx)
    by["recoveries"] = rp.count().reindex(idx, fill_value=0).astype(np.int64)
    wp = pd.Series(rework).groupby(dep_period).sum() if n else pd.Series(dtype=int)
    by["rework_deployments"] = wp.reindex(idx, fill_value=0).astype(np.int64)
    by["rework_rate"] = by["rework_deployments"] / by["deployments"].where(by["deployments"] > 0)
    rg = r["failed"].groupby(period_of(r["at"].to_numpy(dtype=np.int64)))
    by["deploy_runs"] = rg.count().reindex(idx, fill_value=0).astype(np.int64)
    by["failed_deploy_runs"] = rg.sum().reindex(idx, fill_value=0).astype(np.int64)
    by["pipeline_failure_rate"] = by["failed_deploy_runs"] / by["deploy_runs"].where(
        by["deploy_runs"] > 0)
    if not prep.has_deployments:
        for c in ("deployments_per_week", "deployment_days_per_week"):
            by[c] = np.nan

    summary: dict[str, Any] = {
        "deployment_frequency_per_week": freq,
        "deployment_days_per_week": days_pw,
        "lead_time_median_s": lead_median,
        "change_failure_rate": cfr,
        "recovery_time_median_s": rec_median,
        "rework_rate": rework_rate,
        "pipeline_failure_rate": pfr,
        "lead_time_p85_s": float(np.quantile(lt, 0.85)) if len(lt) else None,
        "counts": {
            "deployments": n,
            "deployment_days": int(len(np.unique(day))),
            "changes_with_lead_time": int(len(lt)),
            "failed_deployments": int(failed.sum()),
            "failures_by_cause": {
                "incident": int(d["failed_incident"].sum()),
                "revert": int(d["failed_revert"].sum()),
                "rollback": int(d["failed_rollback"].sum()),
            },
            "recoveries": int(len(rec_w)),
            "rework_deployments": int(rework.sum()),
            "rework_by_cause": {
                "revert_or_hotfix": int(d["rework_fix"].sum()),
                "during_incident": int(d["rework_incident"].sum()),
            },
            "deploy_runs": int(len(r)),
            "failed_deploy_runs": int(r["failed"].sum()),
        },
        "reasons": reasons,
        "notes": notes,
    }
    return DoraWindow(summary=summary, by_period=by, deployments_in_window=n)
