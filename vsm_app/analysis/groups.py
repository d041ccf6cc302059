"""Every metric per group (team or service) and for the whole, with the same analysis code.

How a group's figures are made
------------------------------
The whole is prepared once (:func:`vsm_app.analysis.engine.prepare`): every per-change and
per-deployment fact — which deployment shipped a change, which deployment failed (incident,
revert, rollback), its restore, rework — is decided **once, in the stream of its own
repository**. A group then *selects* (:func:`select`) its changes and the deployments it
serves, and :func:`vsm_app.analysis.engine.analyze_window` aggregates the selection exactly as
it aggregates the whole. So:

* a **change** belongs to every group whose paths it touches (vsm_app.domain.groups); its lead
  time counts once in each of those groups and once in the whole;
* a **deployment serves** a group when it ships at least one of the group's changes; a group
  made of whole repositories is served by every deployment of those repositories. A
  deployment that ships no change (a rollback, a re-deploy of the same commit) serves the
  groups of the previous deployment of the same repository and environment. A deployment
  serving several groups counts **once for each** (frequency, failure rate, rework) and
  **once in the whole** — never once per change, never once per person;
* an **incident** and a **recovery** go with the deployment they were attributed to in the
  whole; a **deploy CI run** with the change or deployment of its commit;
* every aggregate is computed over the **union of units**: the whole's median lead time is the
  median over all changes, never a median of the groups' medians (nor of the repositories').

All groups share the whole's window, so per-week rates are comparable side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from vsm_app.domain.groups import CodeOwners, Group, files_mask
from vsm_app.domain.model import ValueStreamMap
from vsm_app.domain.numbers import finite
from vsm_app.domain.tables import Tables, conform

from .engine import AnalysisOptions, AnalysisResult, Prepared, analyze_window, prepare
from .events import object_keys
from .periods import iso
from .results import ComparisonRow, Trend, jsonable
from .stages import StageDurations

if TYPE_CHECKING:
    from .items import ItemsPrepared

MEMBERSHIP_COLUMNS = ("repo", "change_id", "group")


def memberships(changes: pd.DataFrame, files: pd.DataFrame, groups: Sequence[Group],
                codeowners: CodeOwners | None = None) -> pd.DataFrame:
    """Which change belongs to which group: ``repo``, ``change_id``, ``group`` (one row per pair).

    ``files``: ``repo``, ``change_id``, ``path`` (the files each change's commits touched);
    needed only for groups defined by paths or by CODEOWNERS team.
    """
    repo = changes["repo"].astype("string").fillna("")
    cid = changes["change_id"].astype("string")
    parts: list[pd.DataFrame] = []
    by_files = [g for g in groups if g.by_files]
    hit_keys: dict[str, pd.Index] = {}
    if by_files and len(files):
        f_repo = files["repo"].astype("string").fillna("")
        codes, uniq = pd.factorize(files["path"].astype("string"))
        paths = [str(p) for p in uniq]
        owners = codeowners.owners_of(paths) if codeowners is not None and \
            any(g.owner for g in by_files) else None
        for g in by_files:
            mask = np.asarray(files_mask(g, paths, codeowners, owners), dtype=bool)
            take = mask[codes] if len(paths) else np.zeros(len(files), dtype=bool)
            if g.repositories:
                take &= f_repo.isin(g.repositories).to_numpy(dtype=bool)
            keys = pd.MultiIndex.from_arrays([f_repo[take].to_numpy(),
                                              files["change_id"].astype("string")[take]
                                              .to_numpy()])
            hit_keys[g.name] = keys.unique()
    for g in groups:
        if g.by_files:
            keys = hit_keys.get(g.name)
            if keys is None or not len(keys):
                continue
            inside = pd.MultiIndex.from_arrays([repo.to_numpy(), cid.to_numpy()]).isin(keys)
        else:
            inside = repo.isin(g.repositories).to_numpy(dtype=bool) if g.repositories \
                else np.ones(len(changes), dtype=bool)
        if inside.any():
            parts.append(pd.DataFrame({"repo": repo[inside].to_numpy(),
                                       "change_id": cid[inside].to_numpy(),
                                       "group": g.name}))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in MEMBERSHIP_COLUMNS})
    out = pd.concat(parts, ignore_index=True).astype("string")
    return out.drop_duplicates(ignore_index=True)


def _keys(repo: Any, key: Any) -> np.ndarray:
    """``repo`` + NUL + ``key`` per row (object array; None where ``key`` is missing)."""
    r = pd.Series(object_keys(repo)).fillna("").astype(str)
    k = pd.Series(object_keys(key))
    out = (r + "\x00" + k.fillna("").astype(str)).to_numpy(dtype=object)
    out[k.isna().to_numpy()] = None
    return out


@dataclass
class GroupLinks:
    """Integer positions every group is selected by, instead of string keys.

    ``change_dep``: per row of ``prepared.changes``, the row of its deployment in
    ``prepared.dora.deployments`` (-1: none); ``rows``: per group name, the rows of
    ``prepared.changes`` that belong to it. Made from the tables' keys once
    (:meth:`of`); the organisation phase of ``analyze-many`` makes them per repository on a
    worker and shifts them into the joined preparation
    (:func:`vsm_app.analysis.combine.join_links`), so the driver never holds a key string.
    """

    change_dep: np.ndarray
    rows: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def of(cls, prepared: Prepared, changes: pd.DataFrame, member: pd.DataFrame) -> GroupLinks:
        """From the canonical changes table ``prepared`` was made from (rows aligned) and the
        rows of :func:`memberships`: a change is found by (``repo``, ``change_id``), its
        deployment by (``repo``, ``deployment_id``)."""
        ch = conform(changes, "changes")
        deps = prepared.dora.deployments
        dep_rows = pd.Index(_keys(deps["repo"], deps["deployment_id"]))
        change_dep = dep_rows.get_indexer(_keys(ch["repo"], ch["deployment_id"]))
        del dep_rows
        rows: dict[str, np.ndarray] = {}
        if len(member):
            change_rows = pd.Index(_keys(ch["repo"], ch["change_id"]))
            for name, frame in member.groupby("group", sort=False):
                r = change_rows.get_indexer(_keys(frame["repo"], frame["change_id"]))
                rows[str(name)] = r[r >= 0].astype(np.int64)
        return cls(np.asarray(change_dep, dtype=np.int64), rows)


def _isin(values: Any, wanted: Any) -> np.ndarray:
    """Membership on plain Python objects (pandas' Arrow strings test one by one)."""
    return np.asarray(pd.Index(object_keys(values), dtype=object).isin(list(wanted)),
                      dtype=bool)


def group_masks(prepared: Prepared, links: GroupLinks, group: Group,
                dep_keys: tuple[pd.Series, pd.Series] | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``prepared.changes`` in ``group`` and rows of its deployments that serve it.

    ``dep_keys``: each deployment's repository and environment (computed once for every
    group by :func:`analyze_groups`)."""
    deps = prepared.dora.deployments
    dep_repo, dep_env = dep_keys if dep_keys is not None else _dep_keys(deps)
    n = len(links.change_dep)
    m = len(deps)
    cm = np.zeros(n, dtype=bool)
    cm[links.rows.get(group.name, np.zeros(0, dtype=np.int64))] = True
    if not group.by_files:
        dm = _isin(dep_repo, group.repositories) if group.repositories \
            else np.ones(m, dtype=bool)
        return cm, dm
    change_dep = links.change_dep
    shipped = change_dep >= 0
    ships_group = np.bincount(change_dep[cm & shipped], minlength=m)[:m] > 0
    ships_any = np.bincount(change_dep[shipped], minlength=m)[:m] > 0
    serves = pd.Series(np.where(ships_any, ships_group.astype(float), np.nan))
    # a deployment that ships no change serves the groups of the one before it (same
    # repository and environment): deployments are in time order
    dm = serves.groupby([dep_repo, dep_env]).ffill().fillna(0.0).to_numpy() > 0 \
        if m else np.zeros(0, dtype=bool)
    return cm, dm


def _dep_keys(deps: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    return (pd.Series(object_keys(deps["repo"])).fillna("\x00"),
            pd.Series(object_keys(deps["environment"])).fillna("\x00"))


def group_units(prepared: Prepared, change_mask: np.ndarray, group: Group | None = None
                ) -> np.ndarray | None:
    """With work items loaded, which units of flow (items) belong to a group: an item linked
    to at least one of the group's changes, or — for a group of whole repositories — whose
    tracker names one of them (a GitHub issue's repository). None without items."""
    ip = prepared.items
    if ip is None:
        return None
    cm = np.asarray(change_mask, dtype=bool)
    units = np.zeros(len(ip.unit_rows), dtype=bool)
    if len(ip.link_units):
        units[ip.link_units[cm[ip.link_changes]]] = True
    if group is not None and group.repositories and not group.by_files \
            and "repo" in ip.items:
        repo = ip.items["repo"].to_numpy(dtype=object)[ip.unit_rows]
        units |= _isin(repo, group.repositories)
    return units


def select(prepared: Prepared, change_mask: np.ndarray, deployment_mask: np.ndarray,
           unit_mask: np.ndarray | None = None) -> Prepared:
    """The part of ``prepared`` a group sees (see module docstring); facts stay the whole's.

    With work items loaded the group's flow is on its items (``unit_mask``, by default
    :func:`group_units` of its changes)."""
    cm = np.asarray(change_mask, dtype=bool)
    dm = np.asarray(deployment_mask, dtype=bool)
    items = prepared.items
    if items is not None and len(cm) == len(prepared.changes):
        um = unit_mask if unit_mask is not None else group_units(prepared, cm)
        assert um is not None
        items = select_items(items, um)

    def rows(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.loc[cm].reset_index(drop=True) if len(frame) == len(cm) else frame

    dur = prepared.durations
    durations = StageDurations(specs=dur.specs, values=rows(dur.values),
                               status=rows(dur.status),
                               segment_status=rows(dur.segment_status),
                               segment_info=dur.segment_info)
    dora = prepared.dora
    deps = dora.deployments.loc[dm].reset_index(drop=True)
    kept = set(deps["pos"].tolist())
    rec = dora.recoveries
    rec = rec.loc[rec["deployment_pos"].isin(kept).to_numpy()].reset_index(drop=True)
    inc = dora.incidents
    inc = inc.loc[inc["deployment_pos"].isin(kept).to_numpy()].reset_index(drop=True)
    runs = dora.deploy_runs
    if len(runs):
        ids = set(prepared.changes["change_id"].to_numpy(dtype=object)[cm].tolist())
        shas = set(deps["sha"].tolist())
        take = _isin(runs["change_id"], ids) | _isin(runs["sha"], shas)
        runs = runs.loc[take].reset_index(drop=True)
    return replace(
        prepared, changes=rows(prepared.changes), durations=durations,
        dora=replace(dora, deployments=deps, recoveries=rec, incidents=inc, deploy_runs=runs),
        event_present=rows(prepared.event_present), event_times=rows(prepared.event_times),
        sources=(), items=items)


def select_items(prepared: ItemsPrepared, unit_mask: np.ndarray) -> ItemsPrepared:
    """The units of ``unit_mask`` (one bool per unit) as an :class:`ItemsPrepared` of their
    own: a group's items (vsm_app.analysis.groups, docs/metrics.md §17). Per-unit tables keep
    their selected rows in order; ``link_changes`` stay rows of the whole's changes table."""
    um = np.asarray(unit_mask, dtype=bool)
    new = np.cumsum(um) - 1
    view = select(prepared.view, um, np.ones(len(prepared.view.dora.deployments), dtype=bool))
    keep = um[prepared.link_units] if len(prepared.link_units) else np.zeros(0, dtype=bool)
    stays = prepared.stays
    if stays is not None:
        k = um[stays[0]] if len(stays[0]) else np.zeros(0, dtype=bool)
        stays = (new[stays[0][k]], stays[1][k], stays[2][k], stays[3][k])
    return replace(prepared, unit_rows=prepared.unit_rows[um], view=view,
                   link_units=new[prepared.link_units[keep]],
                   link_changes=prepared.link_changes[keep], stays=stays)


@dataclass
class GroupResult:
    group: Group
    result: AnalysisResult


@dataclass
class GroupsResult:
    """The whole and each group over one window."""

    whole: AnalysisResult
    groups: list[GroupResult] = field(default_factory=list)

    def comparison(self) -> list[ComparisonRow]:
        """One row per group, in the order they are defined, then the whole."""
        return [comparison_row(gr.group.name, gr.group.kind, gr.result)
                for gr in self.groups] + [comparison_row("(whole)", "whole", self.whole)]

    def to_json(self) -> dict[str, Any]:
        return portfolio_json(self)


def analyze_groups(tables: Tables, member: pd.DataFrame, groups: Sequence[Group],
                   vsm_map: ValueStreamMap | None, options: AnalysisOptions | None = None,
                   prepared: Prepared | None = None,
                   links: GroupLinks | None = None) -> GroupsResult:
    """The whole and every group (see module docstring).

    ``links``: the groups' rows already as positions (:class:`GroupLinks`); then ``tables``
    and ``member`` are not read (the organisation phase passes empty ones)."""
    opts = options or AnalysisOptions()
    prep = prepared if prepared is not None else \
        prepare(tables, vsm_map, opts.production_environments)
    if links is None:
        links = GroupLinks.of(prep, tables.changes, member)
    whole = analyze_window(prep, opts)
    out = GroupsResult(whole)
    if whole.window is not None:
        start, end = whole.window
        gopts = replace(opts, since=pd.Timestamp(start, tz="UTC"),
                        until=pd.Timestamp(end, tz="UTC"))
    else:
        gopts = opts
    dep_keys = _dep_keys(prep.dora.deployments)
    for g in groups:
        cm, dm = group_masks(prep, links, g, dep_keys)
        um = group_units(prep, cm, g)
        out.groups.append(GroupResult(g, analyze_window(select(prep, cm, dm, um), gopts)))
    return out


# -- the comparison document ----------------------------------------------------------------

#: the weekly trend series: (series name, frame attribute, column, catalogue metric)
TREND_SERIES = (
    ("deployments_per_week", "dora_by_period", "deployments_per_week",
     "dora.deployment_frequency_per_week"),
    ("lead_time_median_s", "dora_by_period", "lead_time_median_s", "dora.lead_time_median_s"),
    ("change_failure_rate", "dora_by_period", "change_failure_rate",
     "dora.change_failure_rate"),
    ("rework_rate", "dora_by_period", "rework_rate", "dora.rework_rate"),
    ("velocity_per_week", "flow_by_period", "velocity_per_week", "flow.velocity_per_week"),
    ("flow_time_median_s", "flow_by_period", "flow_time_median_s", "flow.flow_time_median_s"),
)


def trend(result: AnalysisResult) -> Trend:
    """Per-period series for sparklines: period starts and one list per metric (None = no
    value), plus the constraint of each period."""
    periods = tuple(iso(int(t.value)) or "" for t in result.periods.index) \
        if len(result.periods) else ()
    series: dict[str, tuple[float | None, ...]] = {}
    for name, attr, column, _metric in TREND_SERIES:
        frame = getattr(result, attr)
        series[name] = tuple(finite(x) for x in frame[column].tolist()) \
            if len(frame) and column in frame else (None,) * len(periods)
    cbp = result.constraint_by_period
    constraint = tuple(None if x is None or (isinstance(x, float) and np.isnan(x)) else str(x)
                       for x in cbp.tolist()) if len(cbp) else (None,) * len(periods)
    return Trend(result.options.period, periods, series, constraint)


def comparison_row(name: str, kind: str, result: AnalysisResult) -> ComparisonRow:
    """One row of the side-by-side table: headline figures with their bands and coverage."""
    return ComparisonRow.of(name, kind, result.changes, result.deployments, result.dora,
                            result.flow, result.bottleneck)


def portfolio_json(res: GroupsResult) -> dict[str, Any]:
    """``whole`` and ``groups`` (each the sections of ``analyze --json`` plus ``trend``), and
    ``comparison``: one row per group then the whole, in the order the groups are defined
    (sorting is the reader's choice; there is no ranking)."""
    whole = res.whole.to_json() | {"trend": trend(res.whole).to_json()}
    groups = []
    for gr in res.groups:
        doc = gr.result.to_json()
        groups.append({"name": gr.group.name, "kind": gr.group.kind,
                       "definition": gr.group.to_json()} | doc
                      | {"trend": trend(gr.result).to_json()})
    return {"whole": whole, "groups": groups,
            "comparison": jsonable([r.to_json() for r in res.comparison()])}
