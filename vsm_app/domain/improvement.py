"""The improvement loop's records: baselines, items, charter, SPACE pulses, AI checks (Qt-free).

Each record is a typed dataclass that validates itself on construction and converts to and
from a plain JSON-able dict. ``from_dict`` is strict: an unknown field, a missing required
field or a value of the wrong type or range raises :class:`ValueError` whose message starts
with the field's name (``owner_team: ...``). A project holds them, typed, in
``project.records`` (:class:`vsm_app.domain.records.ImprovementRecords`, with a change
signal); the functions at the end of this module read and write them there. The file keeps
baselines in ``baselines``, items in ``improvement_items``, the charter, SPACE rounds and AI
checks in ``extra.charter``, ``extra.surveys`` and ``extra.ai_checks``.

Team and system level only: an item's owner is a team, the charter lists roles, and a survey
round holds team aggregates; a round of fewer than :data:`MIN_GROUP_SIZE` responses holds no
means and no comments at all (DESIGN §5, "no metric is ever computed or shown per person").
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from .ids import new_id

if TYPE_CHECKING:
    from .model import KaizenBurst, Project, ValueStreamMap

#: fewest responses a survey period needs before anything of it is shown or stored
MIN_GROUP_SIZE = 3

#: leading indicators an improvement item can track: id → the direction that is better.
#: ``vsm_app.analysis.indicators.INDICATORS`` computes each of them.
LEADING_INDICATORS: dict[str, str] = {
    "pr_size": "down",
    "time_to_first_review": "down",
    "review_time": "down",
    "ci_queue_time": "down",
    "batch_size": "down",
    "wip": "down",
}

#: SPACE pulse dimensions (1–5 scale)
SPACE_DIMENSIONS: tuple[str, ...] = (
    "satisfaction_wellbeing",
    "performance",
    "communication_collaboration",
    "efficiency_flow",
)

#: DORA's seven capabilities for adopting AI (self-assessed 1–5)
AI_CAPABILITIES: tuple[str, ...] = (
    "clear_ai_guidance",
    "healthy_data_ecosystems",
    "ai_accessible_internal_data",
    "small_batches",
    "user_focus",
    "quality_internal_platforms",
    "strong_technical_fundamentals",
)

#: parts of the analysis JSON (DESIGN §6) a baseline keeps; the counts are optional
BASELINE_METRIC_KEYS: tuple[str, ...] = ("dora", "flow", "stages", "bottleneck")
BASELINE_OPTIONAL_KEYS: tuple[str, ...] = ("changes", "deployments")

DIRECTIONS: tuple[str, ...] = ("down", "up")

T = TypeVar("T")


class ItemStatus(StrEnum):
    PROPOSED = "proposed"
    COMMITTED = "committed"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


# -- strict field readers ------------------------------------------------------------------

def _type_name(v: object) -> str:
    return "null" if v is None else type(v).__name__


def _fields(d: object, allowed: Iterable[str], required: Iterable[str], what: str
            ) -> Mapping[str, Any]:
    if not isinstance(d, Mapping):
        raise ValueError(f"{what}: expected an object, found {_type_name(d)}")
    allowed_set = set(allowed)
    for k in d:
        if k not in allowed_set:
            raise ValueError(f"{k}: unknown field of {what} "
                             f"(expected {', '.join(sorted(allowed_set))})")
    for k in required:
        if k not in d:
            raise ValueError(f"{k}: required field of {what} is missing")
    return d


def _str(v: object, name: str, *, nonempty: bool = False) -> str:
    if not isinstance(v, str):
        raise ValueError(f"{name}: expected a string, found {_type_name(v)}")
    if nonempty and not v.strip():
        raise ValueError(f"{name}: must not be empty")
    return v


def _opt_str(v: object, name: str) -> str | None:
    return None if v is None else _str(v, name)


def _num(v: object, name: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise ValueError(f"{name}: expected a finite number, found {v!r}")
    return float(v)


def _opt_num(v: object, name: str) -> float | None:
    return None if v is None else _num(v, name)


def _str_list(v: object, name: str) -> list[str]:
    if not isinstance(v, list):
        raise ValueError(f"{name}: expected a list of strings, found {_type_name(v)}")
    return [_str(x, f"{name}[{i}]") for i, x in enumerate(v)]


def _datetime_utc(v: object, name: str) -> datetime:
    if isinstance(v, datetime):
        dt = v
    elif isinstance(v, str):
        try:
            dt = datetime.fromisoformat(v)
        except ValueError:
            raise ValueError(f"{name}: {v!r} is not an ISO 8601 date-time") from None
    else:
        raise ValueError(f"{name}: expected an ISO 8601 date-time, found {_type_name(v)}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{name}: {v!s} has no time zone (write it in UTC, e.g. ...Z)")
    return dt.astimezone(UTC)


def _opt_datetime_utc(v: object, name: str) -> datetime | None:
    return None if v is None else _datetime_utc(v, name)


def _date(v: object, name: str) -> date:
    if isinstance(v, datetime):
        raise ValueError(f"{name}: expected a date (YYYY-MM-DD), found a date-time")
    if isinstance(v, date):
        return v
    if isinstance(v, str):
        try:
            return date.fromisoformat(v)
        except ValueError:
            raise ValueError(f"{name}: {v!r} is not a date (YYYY-MM-DD)") from None
    raise ValueError(f"{name}: expected a date (YYYY-MM-DD), found {_type_name(v)}")


def _opt_date(v: object, name: str) -> date | None:
    return None if v is None else _date(v, name)


def _no_email(v: str, name: str) -> None:
    # a person's address is the clearest sign of a per-person field; teams and roles have none
    if "@" in v:
        raise ValueError(f"{name}: {v!r} looks like an e-mail address; "
                         "name a team or a role, never a person")


def _json_clean(v: Any) -> Any:
    """A deep copy with NaN/inf turned into None (the analysis JSON uses null)."""
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, Mapping):
        return {str(k): _json_clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_json_clean(x) for x in v]
    if v is None or isinstance(v, str | int | bool):
        return v
    raise ValueError(f"not JSON-able: {_type_name(v)}")


def _check_json_tree(v: Any, name: str) -> None:
    if isinstance(v, float) and not math.isfinite(v):
        raise ValueError(f"{name}: {v} is not a JSON number (use null)")
    if isinstance(v, Mapping):
        for k, x in v.items():
            if not isinstance(k, str):
                raise ValueError(f"{name}: keys must be strings")
            _check_json_tree(x, f"{name}.{k}")
    elif isinstance(v, list):
        for i, x in enumerate(v):
            _check_json_tree(x, f"{name}[{i}]")
    elif not (v is None or isinstance(v, str | int | float | bool)):
        raise ValueError(f"{name}: {_type_name(v)} is not JSON")


# -- period labels ---------------------------------------------------------------------------

_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
PERIOD_FORMS = "2025-W07 (ISO week), 2025-02 (month), 2025-Q1 (quarter) or 2025-02-14 (day)"


def period_bounds(label: str) -> tuple[date, date]:
    """First day and the day after the last day of a period label.

    Accepted labels: ``2025-W07`` (ISO week), ``2025-02`` (month), ``2025-Q1`` (quarter),
    ``2025-02-14`` (day) — the forms the analysis uses for its periods.

    Raises
    ------
    ValueError
        If ``label`` has none of these forms or names no real period.
    """
    s = label.strip()
    try:
        if m := _DAY.match(s):
            d = date(int(m[1]), int(m[2]), int(m[3]))
            return d, d + timedelta(days=1)
        if m := _WEEK.match(s):
            d = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return d, d + timedelta(days=7)
        if m := _MONTH.match(s):
            y, mo = int(m[1]), int(m[2])
            d = date(y, mo, 1)
            return d, date(y + mo // 12, mo % 12 + 1, 1)
        if m := _QUARTER.match(s):
            y, q = int(m[1]), int(m[2])
            d = date(y, 3 * q - 2, 1)
            return d, (date(y + 1, 1, 1) if q == 4 else date(y, 3 * q + 1, 1))
    except ValueError:
        raise ValueError(f"{label!r} names no real period") from None
    raise ValueError(f"{label!r} is not a period; expected {PERIOD_FORMS}")


def _period(v: object, name: str) -> str:
    s = _str(v, name, nonempty=True).strip()
    try:
        period_bounds(s)
    except ValueError as e:
        raise ValueError(f"{name}: {e}") from None
    return s


# -- records ---------------------------------------------------------------------------------

@dataclass
class Baseline:
    """A named, dated snapshot of the measured metrics (the analysis JSON's subset).

    ``metrics`` holds ``dora``, ``flow``, ``stages`` and ``bottleneck`` exactly as
    ``analyze --json`` gives them (DESIGN §6), plus the ``changes`` and ``deployments``
    counts when known.
    """

    name: str
    metrics: dict[str, Any]
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    window_start: datetime | None = None
    window_end: datetime | None = None
    id: str = field(default_factory=lambda: new_id("baseline"))
    map_id: str | None = None
    notes: str = ""

    def __post_init__(self) -> None:
        _str(self.id, "id", nonempty=True)
        _str(self.name, "name", nonempty=True)
        self.created_at = _datetime_utc(self.created_at, "created_at")
        self.window_start = _opt_datetime_utc(self.window_start, "window_start")
        self.window_end = _opt_datetime_utc(self.window_end, "window_end")
        if self.window_start and self.window_end and self.window_end < self.window_start:
            raise ValueError("window_end: before window_start")
        _opt_str(self.map_id, "map_id")
        _str(self.notes, "notes")
        _fields(self.metrics, BASELINE_METRIC_KEYS + BASELINE_OPTIONAL_KEYS,
                BASELINE_METRIC_KEYS, "metrics")
        for k in ("dora", "flow", "bottleneck"):
            if not isinstance(self.metrics[k], Mapping):
                raise ValueError(f"metrics.{k}: expected an object, "
                                 f"found {_type_name(self.metrics[k])}")
        stages = self.metrics["stages"]
        if not isinstance(stages, list):
            raise ValueError(f"metrics.stages: expected a list, found {_type_name(stages)}")
        for i, st in enumerate(stages):
            if not isinstance(st, Mapping) or not isinstance(st.get("name"), str):
                raise ValueError(f"metrics.stages[{i}]: expected an object with a name")
        for k in BASELINE_OPTIONAL_KEYS:
            if k in self.metrics and self.metrics[k] is not None and (
                    isinstance(self.metrics[k], bool) or not isinstance(self.metrics[k], int)):
                raise ValueError(f"metrics.{k}: expected a count, found {self.metrics[k]!r}")
        _check_json_tree(self.metrics, "metrics")

    @classmethod
    def from_analysis(cls, name: str, analysis: Mapping[str, Any], *,
                      created_at: datetime | None = None, map_id: str | None = None,
                      notes: str = "") -> Baseline:
        """Snapshot an ``AnalysisResult.to_json()`` dict (DESIGN §6) as a baseline.

        NaN becomes null; the window comes from ``analysis["window"]``.
        """
        missing = [k for k in BASELINE_METRIC_KEYS if k not in analysis]
        if missing:
            raise ValueError(f"{missing[0]}: the analysis result has no {missing[0]!r}")
        metrics: dict[str, Any] = {k: _json_clean(analysis[k]) for k in BASELINE_METRIC_KEYS}
        for k in BASELINE_OPTIONAL_KEYS:
            v = analysis.get(k)
            if isinstance(v, int) and not isinstance(v, bool):
                metrics[k] = v
        window = analysis.get("window") or {}
        return cls(name=name, metrics=metrics,
                   created_at=created_at or datetime.now(UTC),
                   window_start=_opt_datetime_utc(window.get("start"), "window.start"),
                   window_end=_opt_datetime_utc(window.get("end"), "window.end"),
                   map_id=map_id, notes=notes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "created_at": self.created_at.isoformat(),
            "window": {"start": self.window_start.isoformat() if self.window_start else None,
                       "end": self.window_end.isoformat() if self.window_end else None},
            "map_id": self.map_id,
            "notes": self.notes,
            "metrics": copy.deepcopy(self.metrics),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Baseline:
        d = _fields(d, ("id", "name", "created_at", "window", "map_id", "notes", "metrics"),
                    ("id", "name", "created_at", "metrics"), "a baseline")
        w = _fields(d.get("window") or {}, ("start", "end"), (), "window")
        metrics = d["metrics"]
        if not isinstance(metrics, Mapping):
            raise ValueError(f"metrics: expected an object, found {_type_name(metrics)}")
        return cls(
            id=_str(d["id"], "id", nonempty=True),
            name=_str(d["name"], "name", nonempty=True),
            created_at=_datetime_utc(d["created_at"], "created_at"),
            window_start=_opt_datetime_utc(w.get("start"), "window.start"),
            window_end=_opt_datetime_utc(w.get("end"), "window.end"),
            map_id=_opt_str(d.get("map_id"), "map_id"),
            notes=_str(d.get("notes", ""), "notes"),
            metrics=copy.deepcopy(dict(metrics)),
        )


@dataclass(frozen=True)
class IndicatorTarget:
    """A leading indicator an item tracks, with the value it aims for.

    ``direction`` is the side of ``target`` that counts as reached: ``down`` means "at or
    below the target". It defaults to the indicator's own better direction.
    """

    indicator: str
    target: float
    direction: str = ""

    def __post_init__(self) -> None:
        if self.indicator not in LEADING_INDICATORS:
            raise ValueError(f"indicator: unknown indicator {self.indicator!r} "
                             f"(expected one of {', '.join(LEADING_INDICATORS)})")
        _num(self.target, "target")
        if self.target < 0:
            raise ValueError(f"target: {self.target} is negative")
        if self.direction == "":
            object.__setattr__(self, "direction", LEADING_INDICATORS[self.indicator])
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction: expected 'down' or 'up', found {self.direction!r}")

    def reached(self, value: float | None) -> bool | None:
        """Whether a measured value meets the target (None when not measured)."""
        if value is None or not math.isfinite(value):
            return None
        return value <= self.target if self.direction == "down" else value >= self.target

    def to_dict(self) -> dict[str, Any]:
        return {"indicator": self.indicator, "target": self.target, "direction": self.direction}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> IndicatorTarget:
        d = _fields(d, ("indicator", "target", "direction"), ("indicator", "target", "direction"),
                    "an indicator target")
        return cls(_str(d["indicator"], "indicator"), _num(d["target"], "target"),
                   _str(d["direction"], "direction"))


@dataclass
class ImprovementItem:
    """An improvement the team commits to, tied to a stage and the constraint it targets.

    ``owner_team`` is a team, never a person. ``start``/``end`` are calendar dates; the
    indicators are plotted from ``start``.
    """

    title: str
    id: str = field(default_factory=lambda: new_id("item"))
    stage_id: str | None = None
    map_id: str | None = None
    kaizen_id: str | None = None
    targets_constraint: str | None = None  # stage name of the constraint it attacks
    commitment: str = ""
    owner_team: str = ""
    start: date | None = None
    end: date | None = None
    status: ItemStatus = ItemStatus.PROPOSED
    indicators: list[IndicatorTarget] = field(default_factory=list)
    notes: str = ""

    def __post_init__(self) -> None:
        _str(self.id, "id", nonempty=True)
        _str(self.title, "title", nonempty=True)
        for name in ("stage_id", "map_id", "kaizen_id", "targets_constraint"):
            _opt_str(getattr(self, name), name)
        _str(self.commitment, "commitment")
        _str(self.owner_team, "owner_team")
        _no_email(self.owner_team, "owner_team")
        self.start = _opt_date(self.start, "start")
        self.end = _opt_date(self.end, "end")
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"end: {self.end} is before start {self.start}")
        self.status = _status(self.status)
        if not isinstance(self.indicators, list) or not all(
                isinstance(t, IndicatorTarget) for t in self.indicators):
            raise ValueError("indicators: expected a list of IndicatorTarget")
        ids = [t.indicator for t in self.indicators]
        dup = next((i for i in ids if ids.count(i) > 1), None)
        if dup:
            raise ValueError(f"indicators: {dup!r} is listed twice")
        _str(self.notes, "notes")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "stage_id": self.stage_id,
            "map_id": self.map_id,
            "kaizen_id": self.kaizen_id,
            "targets_constraint": self.targets_constraint,
            "commitment": self.commitment,
            "owner_team": self.owner_team,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "status": self.status.value,
            "indicators": [t.to_dict() for t in self.indicators],
            "notes": self.notes,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ImprovementItem:
        keys = ("id", "title", "stage_id", "map_id", "kaizen_id", "targets_constraint",
                "commitment", "owner_team", "start", "end", "status", "indicators", "notes")
        d = _fields(d, keys, ("id", "title", "status"), "an improvement item")
        raw = d.get("indicators", [])
        if not isinstance(raw, list):
            raise ValueError(f"indicators: expected a list, found {_type_name(raw)}")
        targets: list[IndicatorTarget] = []
        for i, t in enumerate(raw):
            try:
                targets.append(IndicatorTarget.from_dict(t))
            except ValueError as e:
                raise ValueError(f"indicators[{i}].{e}") from None
        return cls(
            id=_str(d["id"], "id", nonempty=True),
            title=_str(d["title"], "title", nonempty=True),
            stage_id=_opt_str(d.get("stage_id"), "stage_id"),
            map_id=_opt_str(d.get("map_id"), "map_id"),
            kaizen_id=_opt_str(d.get("kaizen_id"), "kaizen_id"),
            targets_constraint=_opt_str(d.get("targets_constraint"), "targets_constraint"),
            commitment=_str(d.get("commitment", ""), "commitment"),
            owner_team=_str(d.get("owner_team", ""), "owner_team"),
            start=_opt_date(d.get("start"), "start"),
            end=_opt_date(d.get("end"), "end"),
            status=_status(d["status"]),
            indicators=targets,
            notes=_str(d.get("notes", ""), "notes"),
        )


def _status(v: object) -> ItemStatus:
    if isinstance(v, str) and v in {s.value for s in ItemStatus}:
        return ItemStatus(v)
    raise ValueError(f"status: {v!r} is not one of {', '.join(s.value for s in ItemStatus)}")


@dataclass
class ProjectCharter:
    """What the mapping effort is about. Participants are roles (``"tech lead"``), no names."""

    scope: str = ""
    trigger: str = ""
    end_point: str = ""
    participants: list[str] = field(default_factory=list)  # role names only
    parking_lot: list[str] = field(default_factory=list)  # ideas kept for later

    def __post_init__(self) -> None:
        for name in ("scope", "trigger", "end_point"):
            _str(getattr(self, name), name)
        self.participants = _str_list(self.participants, "participants")
        for i, role in enumerate(self.participants):
            _str(role, f"participants[{i}]", nonempty=True)
            _no_email(role, f"participants[{i}]")
        self.parking_lot = _str_list(self.parking_lot, "parking_lot")

    def to_dict(self) -> dict[str, Any]:
        return {"scope": self.scope, "trigger": self.trigger, "end_point": self.end_point,
                "participants": list(self.participants), "parking_lot": list(self.parking_lot)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ProjectCharter:
        d = _fields(d, ("scope", "trigger", "end_point", "participants", "parking_lot"), (),
                    "the charter")
        return cls(scope=_str(d.get("scope", ""), "scope"),
                   trigger=_str(d.get("trigger", ""), "trigger"),
                   end_point=_str(d.get("end_point", ""), "end_point"),
                   participants=_str_list(d.get("participants", []), "participants"),
                   parking_lot=_str_list(d.get("parking_lot", []), "parking_lot"))


def _score(v: object, name: str) -> float | None:
    x = _opt_num(v, name)
    if x is not None and not 1.0 <= x <= 5.0:
        raise ValueError(f"{name}: {x:g} is outside 1–5")
    return x


@dataclass
class SurveyRound:
    """Team aggregates of one SPACE pulse period: never an individual response.

    With fewer than :data:`MIN_GROUP_SIZE` responses the round holds only its period and
    count: every mean is None and there are no comments (construction refuses otherwise).
    A dimension answered by fewer than :data:`MIN_GROUP_SIZE` people has no mean either.
    """

    period: str
    n_responses: int
    satisfaction_wellbeing: float | None = None
    performance: float | None = None
    communication_collaboration: float | None = None
    efficiency_flow: float | None = None
    comments: list[str] = field(default_factory=list)  # team-level, in no particular order

    def __post_init__(self) -> None:
        self.period = _period(self.period, "period")
        if isinstance(self.n_responses, bool) or not isinstance(self.n_responses, int) \
                or self.n_responses < 0:
            raise ValueError(f"n_responses: expected a count ≥ 0, found {self.n_responses!r}")
        for dim in SPACE_DIMENSIONS:
            setattr(self, dim, _score(getattr(self, dim), dim))
        self.comments = _str_list(self.comments, "comments")
        if self.n_responses < MIN_GROUP_SIZE:
            shown = [d for d in SPACE_DIMENSIONS if getattr(self, d) is not None]
            if shown:
                raise ValueError(f"{shown[0]}: a round of {self.n_responses} responses "
                                 f"(fewer than {MIN_GROUP_SIZE}) must hold no means")
            if self.comments:
                raise ValueError(f"comments: a round of {self.n_responses} responses "
                                 f"(fewer than {MIN_GROUP_SIZE}) must hold no comments")

    @property
    def visible(self) -> bool:
        """True when the round has enough responses to be shown."""
        return self.n_responses >= MIN_GROUP_SIZE

    @property
    def means(self) -> dict[str, float | None]:
        return {d: getattr(self, d) for d in SPACE_DIMENSIONS}

    @property
    def start(self) -> date:
        return period_bounds(self.period)[0]

    def to_dict(self) -> dict[str, Any]:
        return {"period": self.period, "n_responses": self.n_responses, "means": self.means,
                "comments": list(self.comments)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SurveyRound:
        d = _fields(d, ("period", "n_responses", "means", "comments"),
                    ("period", "n_responses"), "a survey round")
        means = _fields(d.get("means") or {}, SPACE_DIMENSIONS, (), "means")
        n = d["n_responses"]
        if isinstance(n, bool) or not isinstance(n, int):
            raise ValueError(f"n_responses: expected a count, found {n!r}")
        return cls(period=_period(d["period"], "period"), n_responses=n,
                   comments=_str_list(d.get("comments", []), "comments"),
                   **{k: _score(means.get(k), f"means.{k}") for k in SPACE_DIMENSIONS})


@dataclass
class AiCapabilityCheck:
    """A team's self-assessment of DORA's seven AI capabilities for one period (1–5 each).

    A capability left out is None ("not assessed").
    """

    period: str
    scores: dict[str, float | None] = field(default_factory=dict)
    notes: str = ""

    def __post_init__(self) -> None:
        self.period = _period(self.period, "period")
        if not isinstance(self.scores, Mapping):
            raise ValueError(f"scores: expected an object, found {_type_name(self.scores)}")
        for k in self.scores:
            if k not in AI_CAPABILITIES:
                raise ValueError(f"scores.{k}: unknown capability "
                                 f"(expected {', '.join(AI_CAPABILITIES)})")
        self.scores = {k: _score(self.scores.get(k), f"scores.{k}") for k in AI_CAPABILITIES}
        _str(self.notes, "notes")

    @property
    def start(self) -> date:
        return period_bounds(self.period)[0]

    @property
    def mean(self) -> float | None:
        """Mean of the assessed capabilities."""
        vals = [v for v in self.scores.values() if v is not None]
        return sum(vals) / len(vals) if vals else None

    def to_dict(self) -> dict[str, Any]:
        return {"period": self.period, "scores": dict(self.scores), "notes": self.notes}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> AiCapabilityCheck:
        d = _fields(d, ("period", "scores", "notes"), ("period", "scores"),
                    "an AI capability check")
        scores = _fields(d["scores"], AI_CAPABILITIES, (), "scores")
        return cls(period=_period(d["period"], "period"),
                   scores={k: _score(v, f"scores.{k}") for k, v in scores.items()},
                   notes=_str(d.get("notes", ""), "notes"))


# -- kaizen bursts become items --------------------------------------------------------------

def item_from_kaizen(vsm_map: ValueStreamMap, kaizen: KaizenBurst, *,
                     owner_team: str = "", targets_constraint: str | None = None,
                     start: date | None = None) -> ImprovementItem:
    """A proposed improvement item from a kaizen burst of ``vsm_map``.

    The title is the burst's first line, its whole text goes to ``notes``; the item is tied
    to the burst's stage and, unless ``targets_constraint`` says otherwise, targets that
    stage by name.
    """
    if kaizen.id not in vsm_map.kaizens:
        raise ValueError(f"kaizen: {kaizen.id!r} is not a kaizen burst of map {vsm_map.name!r}")
    stage_id = kaizen.stage_id if kaizen.stage_id and vsm_map.has_stage(kaizen.stage_id) \
        else None
    stage_name = vsm_map.stage(stage_id).name if stage_id else None
    lines = [ln.strip() for ln in kaizen.text.splitlines() if ln.strip()]
    title = lines[0][:120] if lines else "Kaizen"
    return ImprovementItem(
        title=title, stage_id=stage_id, map_id=vsm_map.id, kaizen_id=kaizen.id,
        targets_constraint=targets_constraint if targets_constraint is not None else stage_name,
        owner_team=owner_team, start=start, status=ItemStatus.PROPOSED,
        notes=kaizen.text if len(lines) > 1 else "")


# -- reading and writing them in a project (vsm_app.domain.records) ------------------------------

def read_baselines(project: Project) -> list[Baseline]:
    """The project's baselines, oldest first as stored (copies)."""
    return project.records.baselines


def write_baselines(project: Project, baselines: Iterable[Baseline]) -> None:
    project.records.set_baselines(baselines)


def add_baseline(project: Project, baseline: Baseline) -> None:
    write_baselines(project, [*read_baselines(project), baseline])


def remove_baseline(project: Project, baseline_id: str) -> Baseline:
    """Remove one baseline by id and return it."""
    bs = read_baselines(project)
    gone = next((b for b in bs if b.id == baseline_id), None)
    if gone is None:
        raise ValueError(f"id: no baseline {baseline_id!r}")
    write_baselines(project, [b for b in bs if b.id != baseline_id])
    return gone


def read_items(project: Project) -> list[ImprovementItem]:
    return project.records.items


def write_items(project: Project, items: Iterable[ImprovementItem]) -> None:
    project.records.set_items(items)


def put_item(project: Project, item: ImprovementItem) -> ImprovementItem | None:
    """Add ``item`` or replace the item with its id; returns the replaced item, if any."""
    items = read_items(project)
    for k, old in enumerate(items):
        if old.id == item.id:
            items[k] = item
            write_items(project, items)
            return old
    write_items(project, [*items, item])
    return None


def remove_item(project: Project, item_id: str) -> ImprovementItem:
    items = read_items(project)
    gone = next((i for i in items if i.id == item_id), None)
    if gone is None:
        raise ValueError(f"id: no improvement item {item_id!r}")
    write_items(project, [i for i in items if i.id != item_id])
    return gone


def read_charter(project: Project) -> ProjectCharter:
    """The project's charter (an empty one when none was written)."""
    return project.records.charter


def write_charter(project: Project, charter: ProjectCharter) -> None:
    project.records.set_charter(charter)


def read_surveys(project: Project) -> list[SurveyRound]:
    """SPACE pulse rounds, in period order (all of them; see ``survey.visible_rounds``)."""
    return project.records.surveys


def write_surveys(project: Project, rounds: Iterable[SurveyRound]) -> None:
    """Store rounds (one per period label), sorted by period."""
    project.records.set_surveys(rounds)


def read_ai_checks(project: Project) -> list[AiCapabilityCheck]:
    return project.records.ai_checks


def write_ai_checks(project: Project, checks: Iterable[AiCapabilityCheck]) -> None:
    project.records.set_ai_checks(checks)
