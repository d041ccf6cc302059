"""A project's improvement records as typed model objects with a change signal (Qt-free).

:class:`ImprovementRecords` holds the project's baselines, improvement items, charter, SPACE
pulse rounds and AI capability checks as the validated records of
:mod:`vsm_app.domain.improvement`, and emits :attr:`ImprovementRecords.changed` with the
section's name after every change, so the docks, the dashboards and the workshop follow the
records as the canvas follows the map. The project file reads the records once, when it is
loaded (a bad record is an error naming its field, and the project does not open), and
writes them back as they were stored:

=============  ===============================  ==========================================
section        type                             in the .vsm file
=============  ===============================  ==========================================
``baselines``  tuple of :class:`Baseline`       ``baselines``
``items``      tuple of :class:`ImprovementItem`  ``improvement_items``
``charter``    :class:`ProjectCharter`          ``extra.charter`` (absent while empty)
``surveys``    tuple of :class:`SurveyRound`    ``extra.surveys`` (absent while none)
``ai_checks``  tuple of :class:`AiCapabilityCheck`  ``extra.ai_checks`` (absent while none)
=============  ===============================  ==========================================

Reads hand out copies and writes store copies: a caller that edits a record it read changes
nothing until it writes the section back (one edit, one undo step, one signal).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from .improvement import (
    AiCapabilityCheck,
    Baseline,
    ImprovementItem,
    ProjectCharter,
    SurveyRound,
    period_bounds,
)
from .signals import Signal

SECTIONS: tuple[str, ...] = ("baselines", "items", "charter", "surveys", "ai_checks")
#: the sections kept in the file's ``extra`` object
EXTRA_SECTIONS: tuple[str, ...] = ("charter", "surveys", "ai_checks")

T = TypeVar("T")


def _type_name(v: object) -> str:
    return "null" if v is None else type(v).__name__


def _unique(keys: list[str], where: str, what: str) -> None:
    seen: set[str] = set()
    for k in keys:
        if k in seen:
            raise ValueError(f"{where}: {what} {k!r} appears twice")
        seen.add(k)


def _by_period(rows: list[T], key: Callable[[T], str], where: str) -> tuple[T, ...]:
    _unique([key(r) for r in rows], where, "period")
    return tuple(sorted(rows, key=lambda r: period_bounds(key(r))))


def _parse_list(raw: object, where: str, parse: Callable[[Mapping[str, Any]], T]) -> list[T]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ValueError(f"{where}: expected a list, found {_type_name(raw)}")
    out: list[T] = []
    for i, r in enumerate(raw):
        try:
            out.append(parse(r))
        except ValueError as e:
            raise ValueError(f"{where}[{i}].{e}") from None
    return out


class ImprovementRecords:
    """The improvement loop's records of one project (see the module docstring).

    Signals
    -------
    changed(str)
        A section (one of :data:`SECTIONS`) was replaced.
    """

    def __init__(self) -> None:
        self._baselines: tuple[Baseline, ...] = ()
        self._items: tuple[ImprovementItem, ...] = ()
        self._charter = ProjectCharter()
        self._surveys: tuple[SurveyRound, ...] = ()
        self._ai_checks: tuple[AiCapabilityCheck, ...] = ()
        self.changed = Signal()

    # -- typed reads (copies) ------------------------------------------------------------------
    @property
    def baselines(self) -> list[Baseline]:
        return copy.deepcopy(list(self._baselines))

    @property
    def items(self) -> list[ImprovementItem]:
        return copy.deepcopy(list(self._items))

    @property
    def charter(self) -> ProjectCharter:
        return copy.deepcopy(self._charter)

    @property
    def surveys(self) -> list[SurveyRound]:
        """Rounds in period order."""
        return copy.deepcopy(list(self._surveys))

    @property
    def ai_checks(self) -> list[AiCapabilityCheck]:
        return copy.deepcopy(list(self._ai_checks))

    def get(self, section: str) -> Any:
        """A copy of one section (a list of records, or the charter)."""
        if section not in SECTIONS:
            raise KeyError(f"{section!r} is not a section of the improvement records")
        return getattr(self, section)

    # -- validated writes ------------------------------------------------------------------------
    @staticmethod
    def validated(section: str, value: Any) -> Any:
        """``value`` as the section stores it: checked (types, unique ids or periods) and
        ordered (rounds and checks by period).

        Raises
        ------
        ValueError
            Naming the section and what is wrong (``baselines: id 'b1' appears twice``).
        """
        if section == "baselines":
            bs = tuple(value)
            if not all(isinstance(b, Baseline) for b in bs):
                raise ValueError("baselines: expected Baseline records")
            _unique([b.id for b in bs], "baselines", "id")
            return bs
        if section == "items":
            its = tuple(value)
            if not all(isinstance(i, ImprovementItem) for i in its):
                raise ValueError("improvement_items: expected ImprovementItem records")
            _unique([i.id for i in its], "improvement_items", "id")
            return its
        if section == "charter":
            if not isinstance(value, ProjectCharter):
                raise ValueError(f"charter: expected a ProjectCharter, found "
                                 f"{_type_name(value)}")
            return value
        if section == "surveys":
            rounds = list(value)
            if not all(isinstance(r, SurveyRound) for r in rounds):
                raise ValueError("surveys: expected SurveyRound records")
            return _by_period(rounds, lambda r: r.period, "surveys")
        if section == "ai_checks":
            checks = list(value)
            if not all(isinstance(c, AiCapabilityCheck) for c in checks):
                raise ValueError("ai_checks: expected AiCapabilityCheck records")
            return _by_period(checks, lambda c: c.period, "ai_checks")
        raise KeyError(f"{section!r} is not a section of the improvement records")

    def set(self, section: str, value: Any) -> None:
        """Replace one section (validated, copied) and emit :attr:`changed`."""
        stored = copy.deepcopy(self.validated(section, value))
        setattr(self, "_" + section, stored)
        self.changed.emit(section)

    def set_baselines(self, baselines: Iterable[Baseline]) -> None:
        self.set("baselines", baselines)

    def set_items(self, items: Iterable[ImprovementItem]) -> None:
        self.set("items", items)

    def set_charter(self, charter: ProjectCharter) -> None:
        self.set("charter", charter)

    def set_surveys(self, rounds: Iterable[SurveyRound]) -> None:
        self.set("surveys", rounds)

    def set_ai_checks(self, checks: Iterable[AiCapabilityCheck]) -> None:
        self.set("ai_checks", checks)

    # -- the file --------------------------------------------------------------------------------
    def to_json(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
        """``(baselines, improvement_items, extra)``: the file's lists, and the sections kept
        in its ``extra`` object (empty ones left out)."""
        extra: dict[str, Any] = {}
        if self._charter != ProjectCharter():
            extra["charter"] = self._charter.to_dict()
        if self._surveys:
            extra["surveys"] = [r.to_dict() for r in self._surveys]
        if self._ai_checks:
            extra["ai_checks"] = [c.to_dict() for c in self._ai_checks]
        return ([b.to_dict() for b in self._baselines], [i.to_dict() for i in self._items],
                extra)

    @classmethod
    def from_json(cls, baselines: object, items: object, extra: Mapping[str, Any]
                  ) -> ImprovementRecords:
        """Read the file's records.

        Raises
        ------
        ValueError
            Naming the record and its field: ``improvement_items[1].status: 'later' is not
            one of …``, ``extra.surveys[0].joy: unknown field …``.
        """
        out = cls()
        bs = _parse_list(baselines, "baselines", Baseline.from_dict)
        its = _parse_list(items, "improvement_items", ImprovementItem.from_dict)
        out._baselines = cls.validated("baselines", bs)
        out._items = cls.validated("items", its)
        raw_charter = extra.get("charter")
        if raw_charter is not None:
            try:
                out._charter = ProjectCharter.from_dict(raw_charter)
            except ValueError as e:
                raise ValueError(f"extra.charter.{e}") from None
        rounds = _parse_list(extra.get("surveys"), "extra.surveys", SurveyRound.from_dict)
        out._surveys = _by_period(rounds, lambda r: r.period, "extra.surveys")
        checks = _parse_list(extra.get("ai_checks"), "extra.ai_checks",
                             AiCapabilityCheck.from_dict)
        out._ai_checks = _by_period(checks, lambda c: c.period, "extra.ai_checks")
        return out

    def copy(self) -> ImprovementRecords:
        """The same records, with a signal of their own (no observers)."""
        out = ImprovementRecords()
        for section in SECTIONS:
            setattr(out, "_" + section, copy.deepcopy(getattr(self, "_" + section)))
        return out

    # -- comparison ------------------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ImprovementRecords):
            return NotImplemented
        return all(getattr(self, "_" + s) == getattr(other, "_" + s) for s in SECTIONS)

    __hash__ = None  # type: ignore[assignment]
