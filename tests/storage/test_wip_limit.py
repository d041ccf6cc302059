"""A stage's WIP limit in the .vsm file (issue 19): saved, loaded, absent in older files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vsm_app.domain.model import Project
from vsm_app.domain.templates import software_delivery
from vsm_app.storage.project_file import ProjectFileError, load_project, save_project


def test_wip_limit_round_trip_and_only_written_when_set(tmp_path: Path) -> None:
    m = software_delivery()
    review = m.stage_by_name("Review")
    assert review is not None and review.wip_limit is None
    m.update_stage(review.id, wip_limit=4)
    p = Project("p", [m])
    save_project(p, tmp_path / "p.vsm")
    doc = json.loads((tmp_path / "p.vsm").read_text())
    stages = {s["name"]: s for s in doc["maps"][0]["stages"]}
    assert stages["Review"]["wip_limit"] == 4
    assert "wip_limit" not in stages["Coding"]  # no limit: nothing written
    q = load_project(tmp_path / "p.vsm")
    assert q.same_content(p)
    assert q.maps[0].stage_by_name("Review").wip_limit == 4  # type: ignore[union-attr]


def test_a_file_written_before_wip_limits_loads_without_limits(tmp_path: Path) -> None:
    save_project(Project("p", [software_delivery()]), tmp_path / "old.vsm")
    doc = json.loads((tmp_path / "old.vsm").read_text())
    assert all("wip_limit" not in s for s in doc["maps"][0]["stages"])
    q = load_project(tmp_path / "old.vsm")
    assert [s.wip_limit for s in q.maps[0].stages] == [None] * 5


@pytest.mark.parametrize(("value", "message"), [
    (0, "expected a whole number ≥ 1, found 0"),
    (2.5, "expected an integer, found a number"),
    ("4", "expected an integer, found a string"),
])
def test_a_bad_wip_limit_names_its_json_path(tmp_path: Path, value: object,
                                             message: str) -> None:
    path = tmp_path / "p.vsm"
    save_project(Project("p", [software_delivery()]), path)
    doc = json.loads(path.read_text())
    doc["maps"][0]["stages"][1]["wip_limit"] = value
    path.write_text(json.dumps(doc))
    before = path.read_bytes()
    with pytest.raises(ProjectFileError) as e:
        load_project(path)
    assert f"at $.maps[0].stages[1].wip_limit: {message}" in str(e.value)
    assert path.read_bytes() == before
