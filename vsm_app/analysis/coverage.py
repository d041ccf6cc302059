"""Coverage before verdicts: what the constraint, the bands, the lead-time decomposition and
the correlations rest on, and the minimum below which each is withheld.

A verdict ("Constraint: Release", "Elite", "Review explains the rise") is only as good as the
data under it. Each one states its coverage in ``analyze --json`` and is ``null`` with a
reason below its minimum; the reason says what data would make it possible. The numbers and
why they were chosen are in docs/metrics.md §8a.

Minimums
--------
* **Constraint**: at least :data:`MIN_CHANGES` changes with a flow time in the window, and at
  least half of the bound stage-kinds (a stage's wait, a stage's active time) *measured*:
  measured for at least :data:`MIN_STAGE_KIND_COVERAGE` of those changes.
* **Bands**: deployment frequency and lead time on at least :data:`MIN_DEPLOYMENTS_BAND`
  deployments in the window (lead time also on :data:`MIN_CHANGES` changes with a lead
  time); change failure rate on :data:`MIN_DEPLOYMENTS_CFR_BAND` deployments; recovery time
  on :data:`MIN_RECOVERIES_BAND` recoveries.
* **Lead-time decomposition**: :data:`MIN_CHANGES` changes with a lead time in each window.
* **Correlations**: :data:`MIN_WEEKS` weeks with both a stage wait and a lead time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..metrics import format as fmt
from .results import Constraint, ConstraintCoverage

#: changes with a flow (lead) time below which no constraint or decomposition is given
MIN_CHANGES = 20
#: a stage-kind is measured when this share of the changes with a flow time have a value
MIN_STAGE_KIND_COVERAGE = 0.5
#: at least this share of the bound stage-kinds must be measured for a constraint
MIN_MEASURED_STAGE_KINDS = 0.5
#: deployments in the window below which the frequency and lead-time bands are withheld
MIN_DEPLOYMENTS_BAND = 10
#: deployments in the window below which the change-failure-rate band is withheld
MIN_DEPLOYMENTS_CFR_BAND = 20
#: recoveries in the window below which the recovery-time band is withheld
MIN_RECOVERIES_BAND = 6
#: weeks with both series below which a rank correlation is withheld
MIN_WEEKS = 10

#: which kind of data gives each event (to say what would make a verdict possible); events of
#: one kind of data share one text, so the advice names each kind once
EVENT_SOURCES: dict[str, str] = {
    "first_commit": "the git history",
    "last_commit": "the git history",
    "merged": "the git history",
    "pr_opened": "pull requests with their reviews",
    "first_review": "pull requests with their reviews",
    "approved": "pull requests with their reviews",
    "ci_queued": "CI runs",
    "ci_started": "CI runs",
    "ci_finished": "CI runs",
    "deploy_started": ("deployments with a start time (deployment exports or CI deploy "
                       "jobs; release tags give only the finish)"),
    "deployed": "deployments (release tags, deployment exports or CI deploy jobs)",
}


def source_of(event: str) -> str:
    """The kind of data that gives ``event`` (custom events: an events table)."""
    if event in EVENT_SOURCES:
        return EVENT_SOURCES[event]
    if event.startswith("deployed:"):
        return f"deployments to {event.split(':', 1)[1]} (deployment exports or CI deploy jobs)"
    return f"an events table or tracker data with {event!r}"


def _join(words: Sequence[str]) -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def what_would_measure(needs: Mapping[str, Sequence[str]]) -> str:
    """"Add pull requests to measure Review and Merge; add CI runs to measure CI"."""
    parts = [f"add {src} to measure {_join(stages)}" for src, stages in needs.items() if stages]
    if not parts:
        return ""
    text = "; ".join(parts)
    return text[0].upper() + text[1:]


def stage_kind_coverage(values: pd.DataFrame, columns: Sequence[str], timed: np.ndarray
                        ) -> dict[str, float]:
    """Share of the ``timed`` changes with a measured value, per stage-kind column."""
    n = int(timed.sum())
    sub = values.loc[timed, list(columns)]
    return {c: (float(sub[c].notna().sum()) / n if n else 0.0) for c in columns}


def constraint_coverage(specs: Sequence[Any], values: pd.DataFrame, timed: np.ndarray,
                        event_present: pd.DataFrame | None, noun: str = "change"
                        ) -> ConstraintCoverage:
    """What the constraint rests on (see the module docstring) and whether it may be given.

    ``specs`` are the analysis' stage specs (``name``, ``wait``, ``active`` segments),
    ``values`` the per-change stage-kind values (columns ``"{i}:{kind}"``), ``timed`` the
    changes with a flow time in the window, ``event_present`` a boolean frame of which
    events each change has (to name the data that is missing).
    """
    n = int(timed.sum())
    measured: list[str] = []
    not_measured: list[str] = []
    needs: dict[str, list[str]] = {}
    bound_stages: set[str] = set()
    measured_stages: set[str] = set()
    kinds_bound = 0
    for i, sp in enumerate(specs):
        for kind in ("wait", "active"):
            segs = sp.wait if kind == "wait" else sp.active
            if not segs:
                continue
            kinds_bound += 1
            bound_stages.add(sp.name)
            col = f"{i}:{kind}"
            share = float(values.loc[timed, col].notna().sum()) / n if n else 0.0
            label = f"{sp.name} {kind}"
            if n and share >= MIN_STAGE_KIND_COVERAGE:
                measured.append(label)
                measured_stages.add(sp.name)
                continue
            not_measured.append(label)
            for seg in segs:
                for ev in (seg.from_event, seg.to_event):
                    have = 0.0
                    if event_present is not None and ev in event_present and n:
                        have = float(event_present[ev].to_numpy()[timed].mean())
                    if have < MIN_STAGE_KIND_COVERAGE:
                        stages = needs.setdefault(source_of(ev), [])
                        if sp.name not in stages:
                            stages.append(sp.name)
    enough_kinds = kinds_bound > 0 and len(measured) >= math.ceil(
        MIN_MEASURED_STAGE_KINDS * kinds_bound)
    enough_changes = n >= MIN_CHANGES
    reasons: list[str] = []
    if not enough_changes:
        reasons.append(f"{n} {noun}(s) with a flow time in the window; a constraint needs "
                       f"{MIN_CHANGES}: widen the window")
    if not enough_kinds:
        reasons.append(
            f"{len(measured)} of {kinds_bound} bound stage-kinds measured (on at least "
            f"{MIN_STAGE_KIND_COVERAGE:.0%} of the {noun}s); a constraint needs at least "
            f"half, or the unmeasured stages could be the real constraint")
    need_text = what_would_measure(needs)
    return ConstraintCoverage(
        changes=n,
        minimum_changes=MIN_CHANGES,
        stages_bound=len(bound_stages),
        stages_measured=len(measured_stages),
        stage_kinds_bound=kinds_bound,
        stage_kinds_measured=len(measured),
        minimum_stage_kind_coverage=MIN_STAGE_KIND_COVERAGE,
        measured=tuple(measured),
        not_measured=tuple(not_measured),
        verdict="given" if enough_kinds and enough_changes else "withheld",
        reasons=tuple(reasons),
        needs=need_text,
        statement=coverage_statement(len(measured_stages), len(bound_stages), len(measured),
                                     kinds_bound, n, noun=noun),
        unit=noun)


def coverage_statement(stages_measured: int, stages_bound: int, kinds_measured: int,
                       kinds_bound: int, changes: int,
                       loc: fmt.NumberLocale | None = fmt.PLAIN, noun: str = "change") -> str:
    """"3 of 5 stages measured (5 of 8 stage-kinds), 128 changes" (plain style for the
    JSON; ``loc=None``: the current locale, for people; ``noun="item"`` when work items are
    the unit of flow)."""
    return (f"{stages_measured} of {stages_bound} stages measured ({kinds_measured} of "
            f"{kinds_bound} stage-kinds), {fmt.count(changes, noun + 's', loc=loc)}")


def band_coverage(dora: Mapping[str, Any]) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Per band metric: what it rests on, and why it is withheld (metric → sentence)."""
    counts = dora.get("counts") or {}
    deps = int(counts.get("deployments") or 0)
    lead_n = int(counts.get("changes_with_lead_time") or 0)
    recs = int(counts.get("recoveries") or 0)
    cov: dict[str, dict[str, Any]] = {
        "deployment_frequency": {"deployments": deps, "minimum_deployments": MIN_DEPLOYMENTS_BAND},
        "lead_time": {"deployments": deps, "minimum_deployments": MIN_DEPLOYMENTS_BAND,
                      "changes": lead_n, "minimum_changes": MIN_CHANGES},
        "change_failure_rate": {"deployments": deps,
                                "minimum_deployments": MIN_DEPLOYMENTS_CFR_BAND},
        "recovery_time": {"recoveries": recs, "minimum_recoveries": MIN_RECOVERIES_BAND},
    }
    reasons: dict[str, str] = {}

    def few(n: int, minimum: int, what: str) -> str:
        return (f"{n} {what} in the window; a band needs {minimum} (widen the window or load "
                f"more deployment data)")

    if deps < MIN_DEPLOYMENTS_BAND:
        reasons["deployment_frequency"] = few(deps, MIN_DEPLOYMENTS_BAND, "deployment(s)")
        reasons["lead_time"] = few(deps, MIN_DEPLOYMENTS_BAND, "deployment(s)")
    elif lead_n < MIN_CHANGES:
        reasons["lead_time"] = few(lead_n, MIN_CHANGES, "change(s) with a lead time")
    if deps < MIN_DEPLOYMENTS_CFR_BAND:
        reasons["change_failure_rate"] = few(deps, MIN_DEPLOYMENTS_CFR_BAND, "deployment(s)")
    if recs < MIN_RECOVERIES_BAND:
        reasons["recovery_time"] = (
            f"{recs} recover{'y' if recs == 1 else 'ies'} in the window; a band needs "
            f"{MIN_RECOVERIES_BAND} (load incidents, or widen the window)")
    for metric, c in cov.items():
        c["verdict"] = "withheld" if metric in reasons else "given"
    return cov, reasons


__all__ = [
    "EVENT_SOURCES", "MIN_CHANGES", "MIN_DEPLOYMENTS_BAND", "MIN_DEPLOYMENTS_CFR_BAND",
    "MIN_MEASURED_STAGE_KINDS", "MIN_RECOVERIES_BAND", "MIN_STAGE_KIND_COVERAGE", "MIN_WEEKS",
    "band_coverage", "constraint_coverage", "constraint_coverage_of", "constraint_tag_note", "coverage_sentence", "coverage_short", "coverage_statement", "source_of", "stage_kind_coverage",
    "what_would_measure", "withheld_advice",
]


# -- words for the UI and the report (from a result's constraint) ----------------------------

def constraint_coverage_of(bottleneck: Constraint | None) -> ConstraintCoverage | None:
    """What the constraint rests on (None when unknown: a baseline saved before coverage)."""
    return bottleneck.constraint_coverage if bottleneck is not None else None


def coverage_short(bottleneck: Constraint | None) -> str:
    """"4 of 5 stages, 128 changes": what the constraint rests on, for a tag or a banner."""
    c = constraint_coverage_of(bottleneck)
    if c is None:
        return ""
    return (f"{c.stages_measured} of {c.stages_bound} stages, "
            f"{fmt.count(c.changes, c.unit + 's')}")


def constraint_tag_note(bottleneck: Constraint | None) -> str:
    """"4 of 5 stages": the constraint tag's coverage on the map (the changes are in its
    tooltip)."""
    c = constraint_coverage_of(bottleneck)
    if c is None:
        return ""
    return f"{c.stages_measured} of {c.stages_bound} stages"


def coverage_sentence(bottleneck: Constraint | None) -> str:
    """"Rests on 4 of 5 stages measured (7 of 8 stage-kinds), 128 changes." (or "")."""
    c = constraint_coverage_of(bottleneck)
    if c is None or not c.statement:
        return ""
    statement = coverage_statement(c.stages_measured, c.stages_bound, c.stage_kinds_measured,
                                   c.stage_kinds_bound, c.changes, loc=None, noun=c.unit)
    return f"Rests on {statement}."


def withheld_advice(bottleneck: Constraint | None) -> str:
    """Why no constraint is named and what data would make it possible (or "")."""
    if bottleneck is None or bottleneck.stage:
        return ""
    c = constraint_coverage_of(bottleneck)
    parts = list(c.reasons) if c is not None else []
    if not parts:
        why = bottleneck.reason("stage")
        if why:
            return why if why.endswith(".") else why + "."
        return ""
    text = "; ".join(parts)
    text = text[0].upper() + text[1:] + "."
    needs = c.needs if c is not None else ""
    return f"{text} {needs}." if needs else text

