"""What a workshop participant can send, how it is read, and the arithmetic of the inbox.

A participant proposes; only the facilitator changes the map. Four kinds of contribution:

``note``
    A sticky note for a stage: text of 1–280 characters.
``estimate``
    For a stage, any of wait, process time and %C&A, typed as people type them (``2h``,
    ``1d 4h``, ``30 min``; ``80%`` or ``0.8``) and read by the project's own parsers
    (:func:`~vsm_app.domain.durations.parse_duration` with the map's day length,
    :func:`~vsm_app.domain.numbers.parse_pca`), so a proposal means what the same text typed
    in the properties panel means. Each field that cannot be read gets its own message.
``vote``
    One dot on a kaizen idea of the map shown (a participant has a fixed number of dots).
``pulse``
    One answer to the SPACE pulse: each dimension 1–5 or unanswered, an optional comment.
    It carries no name and no participant id; the round is made by
    :func:`~vsm_app.analysis.survey.aggregate_responses`, with its minimum group of 3.

Display names are for the session only: they are shown in the inbox beside a note, an
estimate or a vote and never written into the project.
"""

from __future__ import annotations

import math
import statistics
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pandas as pd

from ..analysis.survey import aggregate_responses
from ..domain.durations import CALENDAR_DAY_S, DurationError, parse_duration
from ..domain.improvement import SPACE_DIMENSIONS, SurveyRound
from ..domain.model import Estimates, ValueStreamMap
from ..domain.numbers import parse_pca

MAX_NAME_CHARS = 40
MAX_NOTE_CHARS = 280
MAX_COMMENT_CHARS = 500
MAX_FIELD_CHARS = 40
#: a proposed duration above this is refused (a unit typed wrong, not a real wait)
MAX_DURATION_S = 10 * 365 * CALENDAR_DAY_S

#: estimate fields a participant can propose → the ``Estimates`` field each one sets
ESTIMATE_FIELDS: dict[str, str] = {
    "wait": "wait_time_s",
    "process": "process_time_s",
    "pca": "pca",
}
ESTIMATE_LABELS: dict[str, str] = {"wait": "wait", "process": "process time", "pca": "%C&A"}
#: the range fields the spread of accepted proposals fills
RANGE_FIELDS: dict[str, tuple[str, str]] = {
    "wait": ("wait_time_min_s", "wait_time_max_s"),
    "process": ("process_time_min_s", "process_time_max_s"),
}

#: the canvas' sizes of a stage box and a sticky note (scene units), for placing notes
STAGE_W = 170.0
NOTE_W, NOTE_H = 160.0, 96.0
#: an accepted note goes above the stage, clear of its kaizen bursts (centred 90 above it)
NOTE_GAP = 12.0
NOTE_FIRST_BOTTOM = -150.0


class Kind(StrEnum):
    NOTE = "note"
    ESTIMATE = "estimate"
    VOTE = "vote"
    PULSE = "pulse"


class Status(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class ContributionError(ValueError):
    """A contribution that cannot be taken; ``errors`` maps each field to its message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


# -- the map as participants see it --------------------------------------------------------------

@dataclass(frozen=True)
class StageView:
    id: str
    name: str


@dataclass(frozen=True)
class KaizenView:
    id: str
    text: str
    stage_id: str | None
    votes: int


@dataclass(frozen=True)
class MapView:
    """An immutable snapshot of the map on the facilitator's screen, published to the server.

    ``svg`` is the picture the app rendered; ``version`` grows with every publication.
    """

    map_id: str
    name: str
    day_length_s: float
    stages: tuple[StageView, ...]
    kaizens: tuple[KaizenView, ...]
    svg: bytes = b""
    version: int = 0

    @classmethod
    def of(cls, vsm_map: ValueStreamMap, svg: bytes = b"", version: int = 0) -> MapView:
        stages = tuple(StageView(s.id, s.name) for s in vsm_map.stages)
        order = {s.id: i for i, s in enumerate(vsm_map.stages)}
        kaizens = sorted(vsm_map.kaizens.values(),
                         key=lambda k: (order.get(k.stage_id or "", len(order)), k.x, k.y))
        return cls(vsm_map.id, vsm_map.name, vsm_map.settings.day_length_s, stages,
                   tuple(KaizenView(k.id, k.text, k.stage_id, k.votes) for k in kaizens),
                   svg, version)

    def stage(self, stage_id: str) -> StageView | None:
        return next((s for s in self.stages if s.id == stage_id), None)

    def kaizen(self, kaizen_id: str) -> KaizenView | None:
        return next((k for k in self.kaizens if k.id == kaizen_id), None)

    def to_json(self) -> dict[str, Any]:
        names = {s.id: s.name for s in self.stages}
        return {
            "map": self.name,
            "version": self.version,
            "stages": [{"id": s.id, "name": s.name} for s in self.stages],
            "kaizens": [{"id": k.id, "text": k.text, "votes": k.votes,
                         "stage": names.get(k.stage_id or "")} for k in self.kaizens],
        }


# -- contributions --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Contribution:
    """One proposal. ``name`` and ``participant_id`` are empty for a pulse answer."""

    id: str
    kind: Kind
    map_id: str = ""
    stage_id: str | None = None
    participant_id: str = ""
    name: str = ""
    text: str = ""
    #: estimate: field (``wait``, ``process``, ``pca``) → seconds or a fraction
    values: Mapping[str, float] = field(default_factory=dict)
    #: estimate: field → the text as typed (shown in the inbox)
    typed: Mapping[str, str] = field(default_factory=dict)
    kaizen_id: str | None = None
    #: pulse: SPACE dimension → 1–5 or None
    scores: Mapping[str, float | None] = field(default_factory=dict)
    comment: str = ""

    def summary(self) -> str:
        """One line for the participant's own list and the inbox."""
        if self.kind == Kind.NOTE:
            return self.text
        if self.kind == Kind.ESTIMATE:
            return ", ".join(f"{ESTIMATE_LABELS[k]} {self.typed[k]}" for k in ESTIMATE_FIELDS
                             if k in self.typed)
        if self.kind == Kind.VOTE:
            return "1 dot"
        return "pulse answer"


def clean_text(value: Any, *, max_chars: int, multiline: bool = False) -> str:
    """Text as a person typed it: NFC, control characters removed (newlines kept when
    ``multiline``, at most one blank line in a row), outer spaces trimmed.

    Raises
    ------
    ValueError
        For a value that is not text, or longer than ``max_chars`` characters once cleaned.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError("expected text")
    t = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    chars: list[str] = []
    for ch in t:
        if ch == "\n":
            chars.append("\n" if multiline else " ")
        elif ch == "\t":
            chars.append(" ")
        elif unicodedata.category(ch)[0] != "C":  # no control, format (bidi), unassigned
            chars.append(ch)
    t = "".join(chars)
    if multiline:
        lines = [" ".join(line.split()) for line in t.split("\n")]
        out: list[str] = []
        for line in lines:
            if line or (out and out[-1]):
                out.append(line)
        t = "\n".join(out).strip()
    else:
        t = " ".join(t.split())
    if len(t) > max_chars:
        raise ValueError(f"at most {max_chars} characters ({len(t)} typed)")
    return t


def read_name(value: Any) -> str:
    """A display name: 1–40 characters on one line."""
    try:
        name = clean_text(value, max_chars=MAX_NAME_CHARS)
    except ValueError as e:
        raise ContributionError({"name": str(e)}) from None
    if not name:
        raise ContributionError({"name": "type a name for this session"})
    return name


def _stage(payload: Mapping[str, Any], view: MapView) -> str:
    sid = payload.get("stage")
    if not isinstance(sid, str) or view.stage(sid) is None:
        raise ContributionError({"stage": "choose a stage of the map shown"})
    return sid


def read_note(payload: Mapping[str, Any], view: MapView) -> tuple[str, str]:
    """``(stage_id, text)`` of a note."""
    errors: dict[str, str] = {}
    try:
        sid = _stage(payload, view)
    except ContributionError as e:
        errors.update(e.errors)
        sid = ""
    try:
        text = clean_text(payload.get("text"), max_chars=MAX_NOTE_CHARS, multiline=True)
        if not text:
            errors["text"] = "write the note"
    except ValueError as e:
        errors["text"] = str(e)
    if errors:
        raise ContributionError(errors)
    return sid, text


def read_estimate(payload: Mapping[str, Any], view: MapView
                  ) -> tuple[str, dict[str, float], dict[str, str]]:
    """``(stage_id, values, typed)`` of an estimate: each given field read by the project's
    parsers (durations with the map's day length)."""
    errors: dict[str, str] = {}
    try:
        sid = _stage(payload, view)
    except ContributionError as e:
        errors.update(e.errors)
        sid = ""
    values: dict[str, float] = {}
    typed: dict[str, str] = {}
    for key in ESTIMATE_FIELDS:
        try:
            text = clean_text(payload.get(key), max_chars=MAX_FIELD_CHARS)
        except ValueError as e:
            errors[key] = str(e)
            continue
        if not text:
            continue
        try:
            if key == "pca":
                v = parse_pca(text)
                assert v is not None
            else:
                v = parse_duration(text, view.day_length_s)
                if v > MAX_DURATION_S:
                    raise DurationError(f"{text!r}: more than 10 years; check the unit")
        except ValueError as e:
            errors[key] = str(e)
            continue
        values[key], typed[key] = v, text
    if not values and not errors:
        errors["wait"] = "give at least one of wait, process time and %C&A"
    if errors:
        raise ContributionError(errors)
    return sid, values, typed


def read_vote(payload: Mapping[str, Any], view: MapView) -> str:
    """The kaizen id a dot goes on."""
    kid = payload.get("kaizen")
    if not isinstance(kid, str) or view.kaizen(kid) is None:
        raise ContributionError({"kaizen": "choose an idea of the map shown"})
    return kid


def read_pulse(payload: Mapping[str, Any]) -> tuple[dict[str, float | None], str]:
    """``(scores, comment)``: each SPACE dimension a whole number 1–5 or unanswered."""
    errors: dict[str, str] = {}
    scores: dict[str, float | None] = {}
    for dim in SPACE_DIMENSIONS:
        v = payload.get(dim)
        if v is None or v == "":
            scores[dim] = None
            continue
        if isinstance(v, bool) or not isinstance(v, int | float | str):
            errors[dim] = "choose 1 to 5"
            continue
        try:
            f = float(v)
        except ValueError:
            errors[dim] = "choose 1 to 5"
            continue
        if not math.isfinite(f) or f != int(f) or not 1 <= f <= 5:
            errors[dim] = "choose 1 to 5"
            continue
        scores[dim] = f
    try:
        comment = clean_text(payload.get("comment"), max_chars=MAX_COMMENT_CHARS, multiline=True)
    except ValueError as e:
        errors["comment"] = str(e)
        comment = ""
    if not errors and all(v is None for v in scores.values()) and not comment:
        errors["satisfaction_wellbeing"] = "answer at least one question"
    if errors:
        raise ContributionError(errors)
    return scores, comment


# -- the inbox's arithmetic -----------------------------------------------------------------------

@dataclass(frozen=True)
class Spread:
    """The proposals of one estimate field: how many, their median and their range."""

    field: str
    n: int
    median: float
    low: float
    high: float


def estimate_spreads(proposals: Iterable[Contribution]) -> dict[str, Spread]:
    """Per field proposed, the interpolated median (DESIGN §5: 5 and 10 min → 7.5 min) and
    the lowest and highest proposal."""
    by_field: dict[str, list[float]] = {}
    for c in proposals:
        for k, v in c.values.items():
            by_field.setdefault(k, []).append(float(v))
    return {k: Spread(k, len(vs), float(statistics.median(vs)), min(vs), max(vs))
            for k in ESTIMATE_FIELDS if (vs := by_field.get(k))}


def estimate_changes(current: Estimates, spreads: Mapping[str, Spread]) -> dict[str, float | None]:
    """The changes to a stage's estimates that accepting ``spreads`` makes.

    Each field takes its median. Wait and process time proposed by two people or more also
    keep their spread as the stage's min/max range (the disagreement is data); a single
    value leaves the range alone unless it falls outside it (then the range is cleared). A
    lead time typed directly is cleared when the wait or process time changes, so the
    accepted values make the stage's lead time.
    """
    changes: dict[str, float | None] = {}
    for key, sp in spreads.items():
        changes[ESTIMATE_FIELDS[key]] = sp.median
        if key not in RANGE_FIELDS:
            continue
        lo_f, hi_f = RANGE_FIELDS[key]
        if sp.n >= 2:
            changes[lo_f], changes[hi_f] = sp.low, sp.high
        else:
            lo, hi = getattr(current, lo_f), getattr(current, hi_f)
            if (lo is not None and sp.median < lo) or (hi is not None and sp.median > hi):
                changes[lo_f] = changes[hi_f] = None
    if current.lead_time_s is not None and ("wait" in spreads or "process" in spreads):
        changes["lead_time_s"] = None
    return changes


def note_position(vsm_map: ValueStreamMap, stage_id: str,
                  taken: Iterable[tuple[float, float]] = ()) -> tuple[float, float]:
    """Where an accepted note for ``stage_id`` goes: above the stage, clear of its kaizen
    bursts, in the lowest slot of that column that no note covers (notes stack upwards).
    ``taken`` adds the places of notes about to be added (several accepted at once)."""
    s = vsm_map.stage(stage_id)
    x = s.x + (STAGE_W - NOTE_W) / 2
    y = s.y + NOTE_FIRST_BOTTOM - NOTE_H
    corners = [(n.x, n.y) for n in vsm_map.notes.values()] + list(taken)
    while any(abs(nx - x) < NOTE_W and abs(ny - y) < NOTE_H for nx, ny in corners):
        y -= NOTE_H + NOTE_GAP
    return x, y


def vote_tally(votes: Iterable[Contribution]) -> dict[str, int]:
    """Dots per kaizen id."""
    out: dict[str, int] = {}
    for c in votes:
        if c.kaizen_id is not None:
            out[c.kaizen_id] = out.get(c.kaizen_id, 0) + 1
    return out


def pulse_round(answers: Iterable[Contribution], period: str) -> SurveyRound:
    """The SPACE round of a period from the session's pulse answers, by the pulse's own
    rules (:func:`~vsm_app.analysis.survey.aggregate_responses`: fewer than 3 answers keep
    only their count; a dimension answered by fewer than 3 has no mean)."""
    rows = [{"period": period, **{d: c.scores.get(d) for d in SPACE_DIMENSIONS},
             "comment": c.comment} for c in answers]
    if not rows:
        return SurveyRound(period, 0)
    frame = pd.DataFrame(rows)
    for d in SPACE_DIMENSIONS:
        frame[d] = pd.to_numeric(frame[d], errors="coerce").astype("float64")
    (round_,) = aggregate_responses(frame)
    return round_
