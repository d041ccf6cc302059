"""When a change is finished: one rule for ingest (an item is delivered when its last linked
change is finished, issue 18) and the analysis (flow time, docs/metrics.md §5), kept in the
domain so neither imports the other. UTC nanosecond instants, missing = :data:`NAT`."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

NAT: int = int(np.iinfo(np.int64).min)


def to_ns(values: pd.Series | pd.Index | Iterable[object]) -> np.ndarray:
    """UTC nanoseconds (``int64``) of timestamps; missing → :data:`NAT`.

    Naive timestamps are taken as UTC; any resolution (``s``, ``us``, ``ns``) is accepted.
    """
    idx = pd.DatetimeIndex(pd.to_datetime(pd.Series(values) if not isinstance(
        values, pd.Series | pd.Index) else values, utc=True))
    return np.asarray(idx.as_unit("ns").asi8, dtype=np.int64).copy()


def finish_times(deployed_ns: np.ndarray, merged_ns: np.ndarray, repo: pd.Series
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Finish instant of each change and whether it comes from a deployment.

    Per repository (missing repo = one repository): ``deployed_at`` if any change of the
    repository has one, else ``merged_at``.
    """
    has_dep = pd.Series(deployed_ns != NAT, index=repo.index)
    repo_key = repo.astype("string").fillna("\x00")
    repo_has = has_dep.groupby(repo_key.to_numpy()).transform("any").to_numpy(dtype=bool) \
        if len(repo) else np.zeros(0, dtype=bool)
    finish = np.where(repo_has, deployed_ns, merged_ns)
    return finish, repo_has
