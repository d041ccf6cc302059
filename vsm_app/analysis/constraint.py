"""The constraint of the stream and how it moves lead time (DESIGN §5, bottleneck ↔ DORA).

Constraint
----------
The stage with the largest **wait share** (Σ its wait ÷ Σ flow time over the changes finished
in the window, see :mod:`.stages`); ties go to the higher wait p85, then to map order.

Lead-time decomposition (exact)
-------------------------------
Median lead time in a *before* and an *after* window; Δ = median_after − median_before.
The median is not additive, so it is decomposed through the changes around it:

1. In each window, take the **median neighbourhood**: the changes whose lead-time rank lies
   in the central fifth (sorted positions ``floor(0.4 (n−1))`` … ``ceil(0.6 (n−1))``, which
   always holds the one or two changes the interpolated median is made of).
2. Each stage's wait and active part of a window = the **mean** of that stage-kind over the
   neighbourhood's changes where it is measured.
3. Contribution of a stage = (wait part + active part) after − before. A stage-kind measured
   in neither or only one neighbourhood gets no contribution (listed as unattributed).
4. ``(other)`` = Δ − Σ stage contributions. It holds the time no binding covers, overlaps
   between bindings, stage-kinds that could not be attributed, and the difference between
   the median and the neighbourhood mean. Hence the contributions add up to Δ exactly (up to
   float rounding, ~1e-9 s).

Rank correlation
----------------
Per stage: Spearman's ρ (``DataFrame.corr(method="spearman")``) between the weekly median
wait of the stage and the weekly median lead time, over the ISO weeks of the window where
both exist; needs at least 10 such weeks (:data:`vsm_app.analysis.coverage.MIN_WEEKS`), else
None (with the reason).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from vsm_app.domain.durations import format_duration
from vsm_app.metrics import format as fmt

from .coverage import MIN_WEEKS as MIN_CORRELATION_WEEKS
from .results import Constraint, DecompositionWindow
from .stages import KINDS, StageDurations, col

OTHER = "(other)"
#: weeks with both series a rank correlation needs (see analysis.coverage)
MIN_WEEKS = MIN_CORRELATION_WEEKS


def pick_constraint(summary: pd.DataFrame) -> tuple[str | None, float | None, str | None]:
    """``(stage, wait_share, reason)`` from a :func:`.stages.stage_summary` frame."""
    cand = summary.loc[summary["wait_share"].notna() & (summary["wait_share"] > 0)]
    if cand.empty:
        return None, None, "no wait segment measured in the window"
    key = pd.DataFrame({
        "share": cand["wait_share"].round(12),
        "p85": cand["wait_p85_s"].fillna(-np.inf),
        "order": np.arange(len(cand)),
    }, index=cand.index)
    best = key.sort_values(["share", "p85", "order"], ascending=[False, False, True]).index[0]
    return str(cand.at[best, "stage"]), float(cand.at[best, "wait_share"]), None


def neighbourhood(values: np.ndarray) -> np.ndarray:
    """Positions of the central fifth of ``values`` by rank (stable), median position(s)
    included."""
    n = len(values)
    order = np.argsort(values, kind="stable")
    lo = math.floor(0.4 * (n - 1))
    hi = math.ceil(0.6 * (n - 1))
    return order[lo:hi + 1]


@dataclass
class Decomposition:
    """Δ median lead time between two windows and its per-stage contributions."""

    before: dict[str, Any]
    after: dict[str, Any]
    total_s: float | None
    #: stage → seconds, plus :data:`OTHER`; sums to ``total_s``
    contributions: dict[str, float] = field(default_factory=dict)
    #: stage → {"wait": s | None, "active": s | None}
    detail: dict[str, dict[str, float | None]] = field(default_factory=dict)
    unattributed: list[str] = field(default_factory=list)
    sentence: str | None = None
    reason: str | None = None


def _window_info(label: str, start: str | None, end: str | None, lead: np.ndarray
                 ) -> dict[str, Any]:
    return {"label": label, "start": start, "end": end, "n": int(len(lead)),
            "median_s": float(np.median(lead)) if len(lead) else None}


def decompose(lead_before: np.ndarray, parts_before: pd.DataFrame, lead_after: np.ndarray,
              parts_after: pd.DataFrame, durations: StageDurations,
              labels: tuple[str, str], bounds: tuple[tuple[str | None, str | None],
                                                     tuple[str | None, str | None]]
              ) -> Decomposition:
    """Decompose Δ median lead time into stage contributions (see the module docstring).

    ``lead_*`` are the lead times (s, no NaN) of the changes of each window and ``parts_*``
    the matching rows of ``durations.values``.
    """
    before = _window_info(labels[0], *bounds[0], lead_before)
    after = _window_info(labels[1], *bounds[1], lead_after)
    if not len(lead_before) or not len(lead_after):
        which = "before" if not len(lead_before) else "after"
        return Decomposition(before, after, None,
                             reason=f"no change with a lead time in the {which} window")
    total = float(after["median_s"]) - float(before["median_s"])
    mb = parts_before.iloc[neighbourhood(lead_before)].mean()
    ma = parts_after.iloc[neighbourhood(lead_after)].mean()
    contributions: dict[str, float] = {}
    detail: dict[str, dict[str, float | None]] = {}
    unattributed: list[str] = []
    for i, sp in enumerate(durations.specs):
        if not sp.bound:
            continue
        kinds: dict[str, float | None] = {}
        for kind in KINDS:
            c = col(i, kind)
            if not sp.segments(kind):
                continue
            b, a = mb[c], ma[c]
            kinds[kind] = None if (pd.isna(a) or pd.isna(b)) else float(a - b)
        detail[sp.name] = kinds
        got = [v for v in kinds.values() if v is not None]
        if got:
            contributions[sp.name] = math.fsum(got)
        if len(got) < len(kinds):
            unattributed.append(sp.name)
    contributions[OTHER] = total - math.fsum(contributions.values())
    dec = Decomposition(before, after, total, contributions, detail, unattributed)
    dec.sentence = sentence(dec)
    return dec


def sentence(dec: Decomposition) -> str | None:
    """One plain-language sentence: how much lead time moved and the biggest stage part.

    "Lead time rose 2d 2h from 2025-Q1 to 2025-Q2; 1d 14h of that is waiting in Review."
    (the JSON's words: period labels and the plain duration format).
    """
    if dec.total_s is None:
        return None
    return change_sentence(dec.total_s, dec.detail, str(dec.before["label"]),
                           str(dec.after["label"]), format_duration)


def change_sentence(total: float, detail: Mapping[str, Mapping[str, float | None]],
                    a: str, b: str, duration: Callable[[float], str]) -> str:
    """The sentence of :func:`sentence` from its parts, with the windows named ``a`` and ``b``
    and durations written by ``duration`` (the UI passes its locale's)."""
    if abs(total) < 0.5:
        return f"Median lead time did not change from {a} to {b}."
    rose = total > 0
    head = f"Lead time {'rose' if rose else 'fell'} {duration(abs(total))} from {a} to {b}"
    best: tuple[float, str, str] | None = None
    for stage, kinds in detail.items():
        for kind, v in kinds.items():
            if v is None:
                continue
            signed = v if rose else -v
            if signed > 0 and (best is None or signed > best[0]):
                best = (signed, stage, kind)
    if best is None:
        return f"{head}; no stage of the map accounts for it (the time is outside its bindings)."
    amount, stage, kind = best
    what = f"waiting in {stage}" if kind == "wait" else f"active work in {stage}"
    if not rose:
        what = "less " + what
    if amount > abs(total) + 0.5:
        verb = "added" if rose else "saved"
        part = "waiting" if kind == "wait" else "active work"
        return (f"{head}; {part} in {stage} alone {verb} {duration(amount)}, "
                "offset elsewhere.")
    return f"{head}; {duration(amount)} of that is {what}."


def wait_lead_correlation(weekly: pd.DataFrame, lead_col: str, stages: list[str]
                          ) -> tuple[dict[str, float | None], dict[str, str]]:
    """Spearman ρ of each stage's weekly wait with the weekly lead time, and reasons for None.

    ``weekly`` has one row per ISO week, a ``lead_col`` column and one column per stage.
    """
    out: dict[str, float | None] = {}
    reasons: dict[str, str] = {}
    for stage in stages:
        pair = weekly[[stage, lead_col]].dropna()
        if len(pair) < MIN_WEEKS:
            out[stage] = None
            reasons[stage] = (f"{len(pair)} week(s) with both a {stage} wait and a lead time; "
                              f"needs {MIN_WEEKS}")
            continue
        rho = pair.corr(method="spearman").iloc[0, 1]
        if pd.isna(rho):
            out[stage] = None
            reasons[stage] = "one of the weekly series is constant"
        else:
            out[stage] = float(rho)
    return out, reasons


def window_name(w: DecompositionWindow | None) -> str:
    """A decomposition window for people: its period label (``2025-Q1``, ``2025-W07``) or
    its days (``7 Nov 2024 – 2 Nov 2025``)."""
    if w is None:
        return ""
    if w.start and w.end and " – " in w.label:
        return fmt.window(w.start, w.end)
    return w.label


def constraint_sentence(bottleneck: Constraint | None) -> str:
    """The lead-time change sentence in the current locale (the JSON's ``sentence`` has the
    plain one)."""
    if bottleneck is None or bottleneck.lead_time_change_s is None \
            or bottleneck.before is None or bottleneck.after is None:
        return bottleneck.sentence or "" if bottleneck is not None else ""
    return change_sentence(bottleneck.lead_time_change_s, bottleneck.contributions_detail,
                           window_name(bottleneck.before), window_name(bottleneck.after),
                           fmt.duration)
