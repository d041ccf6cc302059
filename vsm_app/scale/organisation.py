"""The organisation phase of ``analyze-many`` on the cluster (issue 21).

In one process (:func:`vsm_app.scale.portfolio.summarize` without a client) the driver reads
every repository's tables and prepares their union: its memory grows with the tables. On
the cluster, each repository's Parquet partition is read **by a worker** (only what the
metrics read: of ``commits`` the merge commits' sha and subject) and prepared there
(:func:`vsm_app.analysis.engine.prepare`: per-change durations and stage times, per-
deployment failures, restores and rework). The driver gathers the preparations — per-change
and per-deployment arrays, 8 bytes a value — plus each change's ``repo``, ``change_id``,
``deployment_id`` and the group memberships, joins them in manifest order
(:func:`vsm_app.analysis.combine.join`: the one time order of deployments restored,
positions renumbered) and computes the whole and every group with the same
:func:`vsm_app.analysis.groups.analyze_groups` as the in-process path. The medians stay
exact (every duration reaches the driver, none is pre-aggregated) and the figures equal the
in-process path's (tests/test_analyze_many.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: the changes columns the driver needs to select each group's rows (analysis.groups)
DRIVER_CHANGE_COLUMNS = ("repo", "change_id", "deployment_id")


def prepare_partition(out: str, name: str, environments: tuple[str, ...]
                      ) -> tuple[Any, Any, Any]:
    """On a worker: one repository's tables → its preparation, the changes' keys and its
    memberships (no table travels back)."""
    from vsm_app.analysis.engine import prepare

    from . import store

    folder = Path(out)
    tables, member = store.read_repositories(folder, [name], lean=True)
    store.add_state(tables, folder, [name])
    prepared = prepare(tables, None, environments)
    keys = tables.changes[[c for c in DRIVER_CHANGE_COLUMNS if c in tables.changes]] \
        .reset_index(drop=True)
    return prepared, keys, member


def analyze_on_cluster(client: Any, out: Path, names: list[str], groups: list[Any],
                       options: Any) -> Any:
    """The whole and every group of ``names`` with the preparation spread over ``client``'s
    workers (see module docstring); returns an analysis.groups.GroupsResult."""
    import pandas as pd

    from vsm_app.analysis.combine import join
    from vsm_app.analysis.groups import analyze_groups
    from vsm_app.domain.tables import Tables

    envs = tuple(options.production_environments)
    futures = [client.submit(prepare_partition, str(out), n, envs, pure=False) for n in names]
    parts = client.gather(futures)
    client.cancel(futures)  # the workers let go of their copies
    tables = Tables()
    if parts:
        keys = [k for _, k, _ in parts if len(k)]
        if keys:
            tables.changes = pd.concat(keys, ignore_index=True)
        members = [m for _, _, m in parts if len(m)]
        member = pd.concat(members, ignore_index=True) if members else parts[0][2]
        pieces = [p for p, _, _ in parts]
        del parts, keys, members
        prepared = join(pieces)
        del pieces  # only the joined arrays stay while the groups are computed
    else:
        from vsm_app.analysis.engine import prepare

        member = pd.DataFrame({c: pd.Series(dtype="string")
                               for c in ("repo", "change_id", "group")})
        prepared = prepare(tables, None, envs)
    return analyze_groups(tables, member, groups, None, options, prepared=prepared)
