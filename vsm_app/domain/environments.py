"""Which deployments are production: the one rule every part of the app uses.

A deployment (or a deploy CI run) is **production** when

* its source says so itself (GitHub's ``production_environment: true``), or
* it names no environment (a release tag, a deployment export without environments), or
* its environment is one of the production names, compared case-insensitively after
  trimming blanks.

The production names are the configured ones (``--production-env NAME`` on the command line,
the project's *Production environments* setting) or, when none is configured,
:data:`DEFAULT_PRODUCTION_ENVIRONMENTS`. Configured names *replace* the defaults, so a team
whose ``live`` environment is a demo system can say exactly which names are production.

Ingest (which deployments ship changes, which CI runs are production deploys) and the DORA
step (which deployments count) both call :func:`is_production` with the same names, so the
two can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

#: production environment names used when none are configured (case-insensitive)
DEFAULT_PRODUCTION_ENVIRONMENTS: tuple[str, ...] = ("production", "prod", "prd", "live")


def production_names(configured: Iterable[str] | str | None = None) -> tuple[str, ...]:
    """The production names in effect: the configured ones (trimmed, case-folded, blanks and
    repeats dropped) or the defaults when none is configured."""
    if isinstance(configured, str):
        configured = [configured]
    names = tuple(dict.fromkeys(
        n.strip().casefold() for n in (configured or ()) if isinstance(n, str) and n.strip()))
    return names or DEFAULT_PRODUCTION_ENVIRONMENTS


def environment_key(name: object) -> str | None:
    """An environment name as compared: trimmed and case-folded; None when missing/blank."""
    if not isinstance(name, str) or not name.strip():
        return None
    return name.strip().casefold()


def is_production(environment: pd.Series | Iterable[object],
                  flag: pd.Series | Iterable[object] | None = None,
                  names: Iterable[str] | str | None = None) -> np.ndarray:
    """Boolean mask: production rows (see the module docstring for the rule).

    Parameters
    ----------
    environment
        The environment name of each row (missing or blank: no environment named).
    flag
        The source's own production flag per row (True counts; False, None or NA say
        nothing), or None when the source has no such flag.
    names
        The configured production names (None or empty: the defaults).
    """
    wanted = set(production_names(names))
    values = environment if isinstance(environment, pd.Series) else pd.Series(
        list(environment), dtype=object)
    # decide once per distinct name: CI tables hold many rows and few environments
    codes, uniques = pd.factorize(values.to_numpy(dtype=object, na_value=None))
    keys = [environment_key(u) for u in uniques]
    ok_u = np.array([k is None or k in wanted for k in keys], dtype=bool)
    out = np.where(codes >= 0, ok_u[np.maximum(codes, 0)] if len(ok_u) else False, True)
    out = np.asarray(out, dtype=bool)
    if flag is not None:
        f = flag if isinstance(flag, pd.Series) else pd.Series(list(flag), dtype=object)
        out |= f.astype("boolean").fillna(False).to_numpy(dtype=bool)
    return out


__all__ = ["DEFAULT_PRODUCTION_ENVIRONMENTS", "environment_key", "is_production",
           "production_names"]
