"""Projects as files: create one from a template or a stages CSV, load, save a new one, and
the classic VSM figures of its maps (``new``, ``import-stages``, ``metrics``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..domain.classic import ClassicMetrics
    from ..domain.model import MapSettings, Project, ValueStreamMap


class ProjectError(ValueError):
    """A project that cannot be made, read or written as asked; the message names the file
    or the option."""


def load(path: str | Path) -> Project:
    """The project in ``path``.

    Raises
    ------
    ProjectError
        The file cannot be read as a project (the message names the file and the field).
    """
    from ..storage.project_file import ProjectFileError, load_project

    try:
        return load_project(path)
    except ProjectFileError as e:
        raise ProjectError(str(e)) from None


def check_new_target(out: str | Path, *, force: bool = False,
                     protected: Sequence[str | Path] = ()) -> Path:
    """Where a new project may be written (checked before any work): a ``.vsm`` name in an
    existing folder, not a file being read, not an existing file unless ``force``
    (:func:`vsm_app.report.target.check_target`)."""
    from ..report.target import ExportTargetError, check_target

    try:
        return check_target(out, (".vsm",), project_save=True, overwrite=force,
                            protected=protected, replace_hint="add --force to replace it")
    except ExportTargetError as e:
        raise ProjectError(f"--out: {e}") from None


def save_new(project: Project, path: Path) -> Path:
    """Write ``project`` to ``path`` (checked by :func:`check_new_target`; atomic)."""
    from ..storage.project_file import save_project

    try:
        save_project(project, path)
    except OSError as e:
        raise ProjectError(f"--out: {e}") from None
    return path


def template_names() -> list[str]:
    from ..domain.templates import TEMPLATES

    return sorted(TEMPLATES)


def from_template(template: str, name: str) -> Project:
    """A new project named ``name`` with one map of ``template``."""
    from ..domain.model import Project
    from ..domain.templates import TEMPLATES

    make = TEMPLATES.get(template)
    if make is None:
        raise ProjectError(f"--template: unknown template {template!r} "
                           f"(available: {', '.join(template_names())})")
    return Project(name, [make()])


@dataclass
class ImportedStages:
    """A project made from a stages CSV, and what the reading and the map's check said."""

    project: Project
    warnings: list[str] = field(default_factory=list)

    @property
    def stages(self) -> int:
        return len(self.project.maps[0].stages) if self.project.maps else 0


def from_stages_csv(csv_path: str | Path, name: str, settings: MapSettings) -> ImportedStages:
    """A new project whose one map has the stages of ``csv_path``, in flow order."""
    from ..domain import classic
    from ..domain.model import Project
    from ..storage.stages_csv import CsvError, read_stages_csv

    try:
        result = read_stages_csv(csv_path, settings=settings)
    except CsvError as e:
        raise ProjectError(str(e)) from None
    warnings = [*result.warnings, *(issue.message for issue in classic.validate(result.vsm_map))]
    return ImportedStages(Project(name, [result.vsm_map]), warnings)


def map_metrics(project: Project, path: str | Path, map_name: str | None = None
                ) -> list[tuple[ValueStreamMap, ClassicMetrics]]:
    """The classic figures of every map (or the one called ``map_name``).

    Raises
    ------
    ProjectError
        No such map, or a map whose estimates cannot be computed (the errors named).
    """
    from ..domain import classic

    maps = project.maps
    if map_name is not None:
        m = project.map_by_name(map_name)
        if m is None:
            raise ProjectError(f"--map: {path} has no map named {map_name!r} "
                               f"(maps: {', '.join(x.name for x in project.maps)})")
        maps = [m]
    results = [(m, classic.compute(m)) for m in maps]
    errors = [f"{r.map_name}: {e.message}" for _, r in results for e in r.errors]
    if errors:
        raise ProjectError(f"{path}: map " + "; ".join(errors))
    return results
