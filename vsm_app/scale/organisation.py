"""The organisation phase of ``analyze-many`` on the cluster (issue 21).

In one process (:func:`vsm_app.scale.portfolio.summarize` without a client) the driver reads
every repository's tables and prepares their union: its memory grows with the tables. On
the cluster, each repository's Parquet partition is read **by a worker** (only what the
metrics read: of ``commits`` the merge commits' sha and subject) and prepared there
(:func:`vsm_app.analysis.engine.prepare`: per-change durations and stage times, per-
deployment failures, restores and rework). The driver gathers the preparations — per-change
and per-deployment arrays, 8 bytes a value — plus, per repository, where each change's
deployment is and which changes each group takes, as integer rows
(:class:`vsm_app.analysis.groups.GroupLinks`: no key string reaches the driver), joins
them in manifest order (:func:`vsm_app.analysis.combine.join_links`: the one time order of
deployments restored, rows shifted and renumbered) and computes the whole and every group
with the same :func:`vsm_app.analysis.groups.analyze_groups` as the in-process path. The medians stay
exact (every duration reaches the driver, none is pre-aggregated) and the figures equal the
in-process path's (tests/test_analyze_many.py).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any


def prepare_partition(out: str, name: str, environments: tuple[str, ...]
                      ) -> tuple[Any, Any]:
    """On a worker: one repository's tables → its preparation and its groups' rows as
    integer positions (analysis.groups.GroupLinks); no table and no key string travels
    back."""
    import pandas as pd

    from vsm_app.analysis.engine import prepare
    from vsm_app.analysis.groups import GroupLinks

    from . import store

    folder = Path(out)
    tables, member = store.read_repositories(folder, [name], lean=True)
    store.add_state(tables, folder, [name])
    prepared = prepare(tables, None, environments)
    links = GroupLinks.of(prepared, tables.changes, member)
    # the event matrix (88 bytes a change on the benchmark, a quarter of the preparation) is
    # for the flow-analytics views only: no figure of the summary reads it
    return replace(prepared, event_times=pd.DataFrame()), links


def analyze_on_cluster(client: Any, out: Path, names: list[str], groups: list[Any],
                       options: Any) -> Any:
    """The whole and every group of ``names`` with the preparation spread over ``client``'s
    workers (see module docstring); returns an analysis.groups.GroupsResult."""
    import pandas as pd

    from vsm_app.analysis.combine import join_links
    from vsm_app.analysis.engine import prepare
    from vsm_app.analysis.groups import analyze_groups
    from vsm_app.domain.tables import Tables

    envs = tuple(options.production_environments)
    from dask.distributed import as_completed

    futures = {client.submit(prepare_partition, str(out), n, envs, pure=False): k
               for k, n in enumerate(names)}
    parts: list[Any] = [None] * len(names)
    for fut, part in as_completed(futures, with_results=True):
        parts[futures.pop(fut)] = part
        fut.release()  # the worker lets go of its copy as soon as it is here
    pieces = [p for p, _ in parts]
    links = [ln for _, ln in parts]
    del parts
    member = pd.DataFrame({c: pd.Series(dtype="string") for c in ("repo", "change_id", "group")})
    if pieces:
        prepared, joined = join_links(pieces, links)
        del pieces, links  # only the joined arrays stay while the groups are computed
    else:
        prepared = prepare(Tables(), None, envs)
        joined = None
    return analyze_groups(Tables(), member, groups, None, options, prepared=prepared,
                          links=joined)
