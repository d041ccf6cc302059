"""Undo commands for the improvement loop's records.

The records live, typed, in ``project.records``
(:class:`vsm_app.domain.records.ImprovementRecords`), whose Qt-free ``changed`` signal says
which section changed; the docks follow it (:func:`records_changed`). One user edit is one
:class:`RecordsCommand`: it holds the section before and after the edit (typed copies, the
new one validated before anything is pushed), so undo gives back exactly what was there.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtGui import QUndoCommand

from ...domain import improvement as imp
from ...domain.model import Project
from ...domain.records import SECTIONS, ImprovementRecords  # noqa: F401 - SECTIONS: interface
from ...domain.signals import Signal


def records_changed(project: Project) -> Signal:
    """The signal emitted with a section name whenever ``project``'s records change."""
    return project.records.changed


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
        :class:`~vsm_app.domain.improvement.ProjectCharter`), validated here, so an invalid
        set (a repeated id or period) raises ``ValueError`` before anything is pushed.
    text
        The undo text ("Save baseline Q3").
    """

    def __init__(self, project: Project, section: str, records: Any, text: str) -> None:
        super().__init__(text)
        self.project, self.section = project, section
        self.old = project.records.get(section)
        self.new = ImprovementRecords.validated(section, records)

    def redo(self) -> None:
        self.project.records.set(self.section, self.new)

    def undo(self) -> None:
        self.project.records.set(self.section, self.old)


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
