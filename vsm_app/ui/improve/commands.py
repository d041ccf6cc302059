"""Undo commands for the improvement loop's records, and the signal that says they changed.

The records live in the project as plain JSON-able values (``project.baselines``,
``project.improvement_items``, ``project.extra["charter" | "surveys" | "ai_checks"]``, see
:mod:`vsm_app.domain.improvement`). The ``Project`` class has no signal for them, so this
module keeps one Qt-free :class:`~vsm_app.domain.signals.Signal` per project
(:func:`records_changed`); every command emits it with the name of the section it changed,
after redo and after undo, and the docks follow it.

One user edit is one :class:`RecordsCommand`: it holds the section's stored value before and
after the edit (deep copies), so undo gives back exactly what was there.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from PySide6.QtGui import QUndoCommand

from ...domain import improvement as imp
from ...domain.model import Project
from ...domain.signals import Signal

#: section names, as :func:`records_changed` emits them
SECTIONS = ("baselines", "items", "charter", "surveys", "ai_checks")

_signals: WeakKeyDictionary[Project, Signal] = WeakKeyDictionary()


def records_changed(project: Project) -> Signal:
    """The signal emitted with a section name whenever a command changes ``project``'s records."""
    sig = _signals.get(project)
    if sig is None:
        sig = _signals[project] = Signal()
    return sig


@dataclass(frozen=True)
class Section:
    """Where one kind of record is stored and how typed records are written there."""

    name: str
    get: Callable[[Project], Any]
    put: Callable[[Project, Any], None]
    write: Callable[[Project, Any], None]


def _extra(key: str) -> tuple[Callable[[Project], Any], Callable[[Project, Any], None]]:
    def get(p: Project) -> Any:
        return p.extra.get(key)

    def put(p: Project, value: Any) -> None:
        if value is None:
            p.extra.pop(key, None)
        else:
            p.extra[key] = value
    return get, put


def _set_baselines(p: Project, v: Any) -> None:
    p.baselines = v if v is not None else []


def _set_items(p: Project, v: Any) -> None:
    p.improvement_items = v if v is not None else []


SECTION_BY_NAME: dict[str, Section] = {
    "baselines": Section("baselines", lambda p: p.baselines, _set_baselines,
                         imp.write_baselines),
    "items": Section("items", lambda p: p.improvement_items, _set_items, imp.write_items),
    "charter": Section("charter", *_extra("charter"), imp.write_charter),
    "surveys": Section("surveys", *_extra("surveys"), imp.write_surveys),
    "ai_checks": Section("ai_checks", *_extra("ai_checks"), imp.write_ai_checks),
}


class RecordsCommand(QUndoCommand):
    """Replace one section of the project's improvement records.

    Parameters
    ----------
    project
        The project edited.
    section
        One of :data:`SECTIONS`.
    records
        The new content as typed records (a list of baselines, items, rounds or checks, or a
        :class:`~vsm_app.domain.improvement.ProjectCharter`), written with the domain's own
        writer, so an invalid set (a repeated id or period) raises ``ValueError`` here,
        before anything is pushed.
    text
        The undo text ("Save baseline Q3").
    """

    def __init__(self, project: Project, section: str, records: Any, text: str) -> None:
        super().__init__(text)
        sec = SECTION_BY_NAME[section]
        scratch = Project("scratch", [])
        sec.write(scratch, records)
        self.project, self.section = project, sec
        self.old = copy.deepcopy(sec.get(project))
        self.new = copy.deepcopy(sec.get(scratch))

    def _apply(self, value: Any) -> None:
        self.section.put(self.project, copy.deepcopy(value))
        records_changed(self.project).emit(self.section.name)

    def redo(self) -> None:
        self._apply(self.new)

    def undo(self) -> None:
        self._apply(self.old)


# -- the edits the docks make ------------------------------------------------------------------

def add_baseline_command(project: Project, baseline: imp.Baseline) -> RecordsCommand:
    return RecordsCommand(project, "baselines", [*imp.read_baselines(project), baseline],
                          f"Save baseline {baseline.name}")


def remove_baseline_command(project: Project, baseline_id: str) -> RecordsCommand:
    bs = imp.read_baselines(project)
    gone = next(b for b in bs if b.id == baseline_id)
    return RecordsCommand(project, "baselines", [b for b in bs if b.id != baseline_id],
                          f"Delete baseline {gone.name}")


def put_item_command(project: Project, item: imp.ImprovementItem,
                     text: str | None = None) -> RecordsCommand:
    """Add ``item``, or replace the item with its id."""
    items = imp.read_items(project)
    new = [item if i.id == item.id else i for i in items]
    replaced = any(i.id == item.id for i in items)
    if not replaced:
        new.append(item)
    return RecordsCommand(project, "items", new,
                          text or (f"Edit item {item.title}" if replaced
                                   else f"Add item {item.title}"))


def remove_item_command(project: Project, item_id: str) -> RecordsCommand:
    items = imp.read_items(project)
    gone = next(i for i in items if i.id == item_id)
    return RecordsCommand(project, "items", [i for i in items if i.id != item_id],
                          f"Delete item {gone.title}")


def charter_command(project: Project, charter: imp.ProjectCharter,
                    text: str = "Edit project charter") -> RecordsCommand:
    return RecordsCommand(project, "charter", charter, text)


def parking_lot_command(project: Project, ideas: Iterable[str], text: str) -> RecordsCommand:
    """The charter with its parking lot replaced by ``ideas``."""
    charter = imp.read_charter(project)
    charter.parking_lot = list(ideas)
    return RecordsCommand(project, "charter", charter, text)


def put_survey_command(project: Project, rounds: Iterable[imp.SurveyRound],
                       text: str) -> RecordsCommand:
    """Add rounds; a round replaces the stored round of its period."""
    by_period = {r.period: r for r in imp.read_surveys(project)}
    by_period.update({r.period: r for r in rounds})
    return RecordsCommand(project, "surveys", list(by_period.values()), text)


def remove_survey_command(project: Project, period: str) -> RecordsCommand:
    rounds = [r for r in imp.read_surveys(project) if r.period != period]
    return RecordsCommand(project, "surveys", rounds, f"Delete SPACE round {period}")


def put_ai_check_command(project: Project, check: imp.AiCapabilityCheck) -> RecordsCommand:
    by_period = {c.period: c for c in imp.read_ai_checks(project)}
    replaced = check.period in by_period
    by_period[check.period] = check
    return RecordsCommand(project, "ai_checks", list(by_period.values()),
                          f"{'Edit' if replaced else 'Record'} AI check {check.period}")


def remove_ai_check_command(project: Project, period: str) -> RecordsCommand:
    checks = [c for c in imp.read_ai_checks(project) if c.period != period]
    return RecordsCommand(project, "ai_checks", checks, f"Delete AI check {period}")
