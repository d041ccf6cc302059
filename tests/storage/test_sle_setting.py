"""The team's service level expectation is stored in the project file (issue 19)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vsm_app.domain.model import Project, ProjectSettings
from vsm_app.storage.project_file import ProjectFileError, load_project, save_project


def test_the_sle_round_trips_and_an_older_file_has_none(tmp_path: Path) -> None:
    p = Project("p", settings=ProjectSettings(sle_share=0.85, sle_within_s=5 * 86400.0))
    path = tmp_path / "p.vsm"
    save_project(p, path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["settings"]["sle_share"] == 0.85
    assert doc["settings"]["sle_within_s"] == 432000.0
    back = load_project(path)
    assert (back.settings.sle_share, back.settings.sle_within_s) == (0.85, 432000.0)
    del doc["settings"]["sle_share"], doc["settings"]["sle_within_s"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    old = load_project(path)
    assert old.settings.sle_share is None and old.settings.sle_within_s is None


@pytest.mark.parametrize(("share", "within", "field", "words"), [
    (0.85, None, "sle_share", "both"),
    (1.5, 86400, "sle_share", "at most 1"),
    (0.85, 0, "sle_within_s", "above 0"),
])
def test_a_bad_sle_names_the_field(tmp_path: Path, share: object, within: object, field: str,
                                   words: str) -> None:
    path = tmp_path / "p.vsm"
    save_project(Project("p"), path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["settings"].update(sle_share=share, sle_within_s=within)
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ProjectFileError) as e:
        load_project(path)
    assert f"$.settings.{field}" in str(e.value) and words in str(e.value)
