"""The metric catalogue: every number the product shows, as data (Qt-free).

Each :class:`Metric` says what a number is — its id (the ``section.key`` of the analysis JSON,
so ``dora.lead_time_median_s`` names the same value in the JSON, the typed result, a saved
baseline and the catalogue), its label, the format it reads in (:class:`Format`), which
direction is better, its DORA band table (``data/dora_bands.json``) if it has one, its
anchor in the docs (``docs/metrics.md``) and a one-sentence definition for tool tips. Screens, exports,
reports and the command line's text format a value through :mod:`vsm_app.metrics.format`
with the metric's entry, so one value reads the same everywhere.

Adding a metric (docs/architecture.md, "How to add a metric"): compute it in the analysis,
give it a field of the typed result (:mod:`vsm_app.analysis.results`) named like its JSON
key, add its entry here and an anchor in docs/metrics.md; ``tests/metrics/test_catalogue.py``
checks that the anchor exists and that every id names a field of the result.

Ids by section:

``dora.*``, ``flow.*``     the window's headline metrics (``analyze --json``)
``stage.*``                one stage's measured times (a stage name goes with the value)
``bottleneck.*``           the constraint
``window.*``               counts of the window
``map.*``, ``estimate.*``  classic VSM figures of a map, and one stage's estimates
``indicator.*``            leading indicators of an improvement item
``space.*``, ``ai.*``      the SPACE pulse and the AI capability check (1–5 scores)
``units.*``, ``forecast.*``  flow analytics over a unit of flow (changes now, work items
                           later: ``subject`` names the unit)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Format(StrEnum):
    """How a value reads (see :mod:`vsm_app.metrics.format`)."""

    DURATION = "duration"  #: seconds → ``23h 13 min``
    PERCENT = "percent"  #: a fraction → ``10.3 %``
    PER_WEEK = "per_week"  #: ``2.4 / week``
    DAYS_PER_WEEK = "days_per_week"  #: ``2.3 days / week``
    PER_DAY = "per_day"  #: ``0.45 / day``
    COUNT = "count"  #: ``1,456``
    NUMBER = "number"  #: ``9.2``
    SCORE = "score"  #: a 1–5 score, ``3.4``
    DATE = "date"  #: ``7 Nov 2024``


class Direction(StrEnum):
    """Which way a metric gets better."""

    HIGHER = "higher"
    LOWER = "lower"
    NEITHER = "neither"

    @property
    def better(self) -> str:
        """``up``, ``down`` or ``""`` (the words the comparisons store)."""
        return {"higher": "up", "lower": "down"}.get(self.value, "")


@dataclass(frozen=True)
class Metric:
    """One number the product shows (see the module docstring)."""

    id: str
    label: str
    format: Format
    direction: Direction
    definition: str
    #: where its rule is written: a file of docs/ and an anchor (``metrics.md#flow-time``)
    docs: str
    #: decimals shown; ignored by durations, counts and dates
    decimals: int = 1
    #: the metric of the DORA band table (``data/dora_bands.json``), if it has bands
    band: str | None = None
    #: the statistic over the cohort: ``median``, ``p85``, ``mean`` or ``""``
    statistic: str = ""
    #: what a count counts (``changes``); also the noun after numbers where it helps
    noun: str = ""
    #: the label in a narrow table (the full name goes to its tool tip)
    short: str = ""
    #: the unit of flow it is computed over: change, deployment, stage, item, …
    subject: str = "change"

    @property
    def section(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def key(self) -> str:
        """The field of its section (the JSON key): ``lead_time_median_s``."""
        return self.id.split(".", 1)[1]

    @property
    def name(self) -> str:
        """The label with its statistic: ``Lead time for changes (median)``."""
        if self.statistic in ("median", "p85", "mean") and self.statistic not in self.label:
            return f"{self.label} ({self.statistic})"
        return self.label

    @property
    def short_label(self) -> str:
        return self.short or self.label

    @property
    def better(self) -> str:
        return self.direction.better


H, L, N = Direction.HIGHER, Direction.LOWER, Direction.NEITHER
F = Format

METRICS: tuple[Metric, ...] = (
    # -- DORA (docs/metrics.md §6) -------------------------------------------------------------
    Metric("dora.deployment_frequency_per_week", "Deployment frequency", F.PER_WEEK, H,
           "successful production deployments per week in the window.",
           "metrics.md#deployment-frequency", band="deployment_frequency", noun="deployments",
           short="Deploys / week", subject="deployment"),
    Metric("dora.deployment_days_per_week", "Deployment days", F.DAYS_PER_WEEK, H,
           "distinct UTC days with a successful production deployment, per week.",
           "metrics.md#deployment-frequency", short="Deploy days / wk", subject="deployment"),
    Metric("dora.lead_time_median_s", "Lead time for changes", F.DURATION, L,
           "the median time from a change's first commit to the deployment that ships it.",
           "metrics.md#lead-time-for-changes", band="lead_time", statistic="median", short="Lead time"),
    Metric("dora.lead_time_p85_s", "Lead time for changes", F.DURATION, L,
           "85 % of the changes deployed in the window took at most this long from first "
           "commit to deployment.", "metrics.md#lead-time-for-changes", statistic="p85",
           short="Lead time p85"),
    Metric("dora.change_failure_rate", "Change failure rate", F.PERCENT, L,
           "the share of deployments that caused a failure: an incident, a revert shipped "
           "later, or a rollback.", "metrics.md#change-failure-rate", band="change_failure_rate",
           short="Change fail rate", subject="deployment"),
    Metric("dora.recovery_time_median_s", "Failed deployment recovery time", F.DURATION, L,
           "the median time from a failure's start to the restore (incident resolved, or the "
           "deployment shipping the revert or rollback).", "metrics.md#recovery-time",
           band="recovery_time", statistic="median", short="Recovery time",
           subject="deployment"),
    Metric("dora.rework_rate", "Rework rate", F.PERCENT, L,
           "the share of deployments that are unplanned fixes (a revert or hotfix, or "
           "shipped during an open incident).", "metrics.md#rework-rate", subject="deployment"),
    Metric("dora.pipeline_failure_rate", "Pipeline failure rate", F.PERCENT, L,
           "the share of concluded deploy CI runs that failed (CI health, apart from change "
           "failures).", "metrics.md#pipeline-failure-rate", short="Pipeline failures",
           subject="deploy run"),
    # -- flow (docs/metrics.md §5) -------------------------------------------------------------
    Metric("flow.velocity_per_week", "Flow velocity", F.PER_WEEK, H,
           "changes finished (deployed, or merged without deployment data) per week.",
           "metrics.md#flow-velocity", noun="changes", short="Velocity / week"),
    Metric("flow.flow_time_median_s", "Flow time", F.DURATION, L,
           "the median time from a change's first commit to its finish.", "metrics.md#flow-time",
           statistic="median", short="Flow time"),
    Metric("flow.flow_time_p85_s", "Flow time", F.DURATION, L,
           "85 % of the changes finished in the window took at most this long.", "metrics.md#flow-time",
           statistic="p85", short="Flow time p85"),
    Metric("flow.flow_time_mean_s", "Flow time", F.DURATION, L,
           "the mean time from first commit to finish (Little's law uses it).", "metrics.md#flow-time",
           statistic="mean"),
    Metric("flow.load_mean", "Flow load", F.NUMBER, L,
           "changes started and not finished, sampled at the end of each UTC day, on "
           "average (work in progress).", "metrics.md#flow-load", noun="open changes",
           statistic="mean", short="WIP"),
    Metric("flow.efficiency", "Flow efficiency", F.PERCENT, H,
           "Σ active time ÷ Σ flow time over the changes finished in the window (a lower "
           "bound where active stages are not measured).", "metrics.md#flow-efficiency"),
    Metric("flow.distribution", "Flow distribution", F.PERCENT, N,
           "the share of finished changes of each kind (feature, defect, debt, risk).",
           "metrics.md#flow-distribution", decimals=0),
    # -- window counts ---------------------------------------------------------------------------
    Metric("window.changes", "Changes finished", F.COUNT, N,
           "changes finished in the window.", "metrics.md#windows-and-periods", noun="changes"),
    Metric("window.items", "Items finished", F.COUNT, N,
           "work items finished (delivered, or done when no linked change) in the window; "
           "with items loaded they are the unit of the flow metrics.",
           "metrics.md#items-flow", noun="items", subject="item"),
    Metric("window.deployments", "Deployments", F.COUNT, N,
           "successful production deployments in the window.", "metrics.md#windows-and-periods",
           noun="deployments", subject="deployment"),
    # -- one stage (docs/metrics.md §4, §8) -------------------------------------------------------
    Metric("stage.wait_median_s", "Wait", F.DURATION, L,
           "the median time changes waited before or in this stage.", "metrics.md#stage-times",
           statistic="median", subject="stage"),
    Metric("stage.active_median_s", "Work", F.DURATION, N,
           "the median time of active work in this stage.", "metrics.md#stage-times",
           statistic="median", subject="stage"),
    Metric("stage.wait_p85_s", "Wait", F.DURATION, L,
           "85 % of the changes waited at most this long here.", "metrics.md#stage-times",
           statistic="p85", subject="stage"),
    Metric("stage.active_p85_s", "Work", F.DURATION, N,
           "85 % of the changes took at most this long of active work here.", "metrics.md#stage-times",
           statistic="p85", subject="stage"),
    Metric("stage.share", "Share of flow time", F.PERCENT, N,
           "this stage's part (wait and work) of the changes' total flow time.",
           "metrics.md#the-constraint", decimals=0, subject="stage"),
    Metric("stage.wait_share", "Share of flow time waiting", F.PERCENT, L,
           "this stage's waiting as a part of the changes' total flow time; the largest is "
           "the constraint.", "metrics.md#the-constraint", decimals=0, subject="stage"),
    # -- the constraint (docs/metrics.md §8) ---------------------------------------------------
    Metric("bottleneck.share", "Share of flow time waiting at the constraint", F.PERCENT, L,
           "the constraint's waiting as a part of the changes' total flow time.",
           "metrics.md#the-constraint", decimals=0, short="Constraint share", subject="stage"),
    Metric("bottleneck.lead_time_change_s", "Change in median lead time", F.DURATION, L,
           "the change in median lead time between the two windows, split into each "
           "stage's part.", "metrics.md#lead-time-decomposition"),
    # -- classic VSM of a map (docs/metrics.md §10) --------------------------------------------
    Metric("map.lead_time_s", "Lead time", F.DURATION, L,
           "Σ (wait + process time) of the stages on the map's main path, as estimated.",
           "metrics.md#classic-vsm", subject="map"),
    Metric("map.process_time_s", "Process time", F.DURATION, L,
           "Σ process time of the stages on the main path, as estimated.", "metrics.md#classic-vsm",
           subject="map"),
    Metric("map.activity_ratio", "Activity ratio", F.PERCENT, H,
           "process time ÷ lead time along the main path.", "metrics.md#classic-vsm", subject="map"),
    Metric("map.rolled_pca", "Rolled %C&A", F.PERCENT, H,
           "the product of the stages' %C&A along the main path: the share of work that "
           "passes every stage without rework.", "metrics.md#classic-vsm", subject="map"),
    Metric("map.takt_time_s", "Takt", F.DURATION, N,
           "available time per day ÷ customer demand per day.", "metrics.md#classic-vsm",
           subject="map"),
    Metric("estimate.process_time_s", "Process time", F.DURATION, N,
           "the workshop's estimate of one item's hands-on time in this stage.",
           "metrics.md#classic-vsm", short="PT", subject="stage"),
    Metric("estimate.wait_time_s", "Wait", F.DURATION, L,
           "the workshop's estimate of the wait before this stage (or inventory ÷ demand).",
           "metrics.md#classic-vsm", short="Wait", subject="stage"),
    Metric("estimate.lead_time_s", "Lead time", F.DURATION, L,
           "wait + process time of this stage.", "metrics.md#classic-vsm", short="LT",
           subject="stage"),
    Metric("estimate.pca", "%C&A", F.PERCENT, H,
           "percent complete and accurate: the share of work this stage passes on that "
           "needs no rework.", "metrics.md#classic-vsm", decimals=0, subject="stage"),
    # -- leading indicators (vsm_app.analysis.indicators) ---------------------------------------
    Metric("indicator.pr_size", "Average PR size", F.NUMBER, L,
           "lines changed per change merged in the period, on average.",
           "improvement-loop.md#leading-indicators", decimals=0, noun="lines", statistic="mean"),
    Metric("indicator.time_to_first_review", "Time to first review", F.DURATION, L,
           "the median time from a PR's opening to its first review.", "improvement-loop.md#leading-indicators",
           statistic="median", subject="pull request"),
    Metric("indicator.review_time", "PR review time", F.DURATION, L,
           "the median time from a PR's first review to its approval.",
           "improvement-loop.md#leading-indicators", statistic="median", subject="pull request"),
    Metric("indicator.ci_queue_time", "CI queue time", F.DURATION, L,
           "the median time a CI run waited before it started.", "improvement-loop.md#leading-indicators",
           statistic="median", subject="CI run"),
    Metric("indicator.batch_size", "Batch size per deployment", F.NUMBER, L,
           "changes shipped per successful deployment, on average.", "improvement-loop.md#leading-indicators",
           noun="changes", statistic="mean", subject="deployment"),
    Metric("indicator.wip", "Work in progress", F.NUMBER, L,
           "changes started and not finished at each day's end, on average over the "
           "period.", "improvement-loop.md#leading-indicators", noun="changes", statistic="mean"),
    # -- the SPACE pulse and the AI capability check (1–5, team aggregates) ------------------
    Metric("space.satisfaction_wellbeing", "Satisfaction & well-being", F.SCORE, H,
           "the team's mean answer, 1–5.", "improvement-loop.md#space-pulse", subject="team"),
    Metric("space.performance", "Performance", F.SCORE, H,
           "the team's mean answer, 1–5.", "improvement-loop.md#space-pulse", subject="team"),
    Metric("space.communication_collaboration", "Communication & collaboration", F.SCORE, H,
           "the team's mean answer, 1–5.", "improvement-loop.md#space-pulse", subject="team"),
    Metric("space.efficiency_flow", "Efficiency & flow", F.SCORE, H,
           "the team's mean answer, 1–5.", "improvement-loop.md#space-pulse", subject="team"),
    Metric("ai.clear_ai_guidance", "Clear guidance on AI use", F.SCORE, H,
           "the team's self-assessment, 1–5.", "improvement-loop.md#ai-capabilities", subject="team"),
    Metric("ai.healthy_data_ecosystems", "Healthy data ecosystems", F.SCORE, H,
           "the team's self-assessment, 1–5.", "improvement-loop.md#ai-capabilities", subject="team"),
    Metric("ai.ai_accessible_internal_data", "Internal data accessible to AI", F.SCORE, H,
           "the team's self-assessment, 1–5.", "improvement-loop.md#ai-capabilities", subject="team"),
    Metric("ai.small_batches", "Working in small batches", F.SCORE, H,
           "the team's self-assessment, 1–5.", "improvement-loop.md#ai-capabilities", subject="team"),
    Metric("ai.user_focus", "User focus", F.SCORE, H,
           "the team's self-assessment, 1–5.", "improvement-loop.md#ai-capabilities", subject="team"),
    Metric("ai.quality_internal_platforms", "Well-maintained internal platforms", F.SCORE, H,
           "the team's self-assessment, 1–5.", "improvement-loop.md#ai-capabilities", subject="team"),
    Metric("ai.strong_technical_fundamentals", "Strong technical fundamentals", F.SCORE, H,
           "the team's self-assessment, 1–5.", "improvement-loop.md#ai-capabilities", subject="team"),
    # -- flow analytics over a unit of flow (docs/metrics.md §14) ------------------------------
    Metric("units.cycle_time_s", "Cycle time", F.DURATION, L,
           "one finished unit's time from start to finish.", "metrics.md#cycle-time-scatter"),
    Metric("units.age_s", "Age", F.DURATION, L,
           "how long an unfinished unit has been in progress.", "metrics.md#aging-wip"),
    Metric("units.sle_share_met", "Service level met", F.PERCENT, H,
           "the share of finished units within the service level expectation.",
           "metrics.md#cycle-time-scatter", decimals=0),
    Metric("forecast.throughput_per_day_mean", "Throughput", F.PER_DAY, H,
           "units finished per day in the throughput sample, on average.",
           "metrics.md#monte-carlo-forecasts", decimals=2, noun="changes"),
    Metric("forecast.when", "Done by", F.DATE, N,
           "the day by which the given number of units is done in the stated share of "
           "trials.", "metrics.md#monte-carlo-forecasts"),
    Metric("forecast.how_many", "Done by the date", F.COUNT, N,
           "at least this many units are done by the date in the stated share of trials.",
           "metrics.md#monte-carlo-forecasts", noun="changes"),
)

CATALOGUE: dict[str, Metric] = {m.id: m for m in METRICS}


def metric(metric_id: str) -> Metric:
    """The catalogue entry of ``metric_id``.

    Raises
    ------
    KeyError
        Naming the unknown id (a typo must fail loudly, never show a dash).
    """
    try:
        return CATALOGUE[metric_id]
    except KeyError:
        raise KeyError(f"{metric_id!r} is not in the metric catalogue") from None


def section(name: str) -> tuple[Metric, ...]:
    """The metrics of one section (``dora``, ``flow``, …) in catalogue order."""
    return tuple(m for m in METRICS if m.section == name)


#: the window's headline metrics, compared against a baseline, in display order
HEADLINE: tuple[str, ...] = (
    "dora.deployment_frequency_per_week", "dora.deployment_days_per_week",
    "dora.lead_time_median_s", "dora.change_failure_rate", "dora.recovery_time_median_s",
    "dora.rework_rate", "dora.pipeline_failure_rate", "flow.velocity_per_week",
    "flow.flow_time_median_s", "flow.load_mean", "flow.efficiency",
)

#: band-table metric → the catalogue id whose value it bands
BANDED: dict[str, str] = {m.band: m.id for m in METRICS if m.band is not None}
