"""Work items in the .vsm file (issue 18): status bindings of a stage, the project's item
choices and tracker files as sources — saved, loaded, absent in older files, bad values
named by their JSON path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vsm_app.domain.items import ItemSettings
from vsm_app.domain.model import DataSource, Project, SegmentKind, Stage, StatusBinding
from vsm_app.domain.templates import software_delivery
from vsm_app.storage.project_file import ProjectFileError, load_project, save_project


def _project(tmp_path: Path) -> Project:
    m = software_delivery()
    m.add_stage(Stage("Analysis", statuses=[StatusBinding("In Analysis", SegmentKind.ACTIVE),
                                            StatusBinding("Ready for Dev")]), index=0)
    p = Project("p", [m])
    p.settings.items = ItemSettings(type_kinds={"Spike": "debt", "Epic": ""},
                                    start_statuses=("In Analysis",),
                                    status_categories={"Ready for Dev": "new"})
    p.sources.append(DataSource("items", str(tmp_path / "jira.json")))
    return p


def test_round_trip(tmp_path: Path) -> None:
    p = _project(tmp_path)
    save_project(p, tmp_path / "p.vsm")
    doc = json.loads((tmp_path / "p.vsm").read_text())
    analysis = doc["maps"][0]["stages"][0]
    assert analysis["statuses"] == [{"status": "In Analysis", "kind": "active"},
                                    {"status": "Ready for Dev"}]  # no kind: from the category
    assert doc["settings"]["items"] == {"type_kinds": {"Spike": "debt", "Epic": ""},
                                        "start_statuses": ["In Analysis"],
                                        "status_categories": {"Ready for Dev": "new"}}
    assert doc["sources"][0] | {"id": ""} == {"kind": "items", "path": "jira.json", "id": ""}
    q = load_project(tmp_path / "p.vsm")
    assert q.same_content(p)
    assert q.sources[0].kind == "items"


def test_files_without_items_load_and_save_as_before(tmp_path: Path) -> None:
    save_project(Project("p", [software_delivery()]), tmp_path / "old.vsm")
    doc = json.loads((tmp_path / "old.vsm").read_text())
    assert "items" not in doc["settings"]
    assert all("statuses" not in s for s in doc["maps"][0]["stages"])
    q = load_project(tmp_path / "old.vsm")
    assert all(s.statuses == [] for s in q.maps[0].stages)
    assert q.settings.items == ItemSettings()


@pytest.mark.parametrize(("where", "value", "message"), [
    (("maps", 0, "stages", 0, "statuses", 0, "kind"), "busy",
     "$.maps[0].stages[0].statuses[0].kind: expected 'wait' or 'active', found 'busy'"),
    (("maps", 0, "stages", 0, "statuses", 0, "status"), " ",
     "$.maps[0].stages[0].statuses[0].status: a status name cannot be empty"),
    (("maps", 0, "stages", 0, "statuses"), {"status": "x"},
     "$.maps[0].stages[0].statuses: expected a list, found an object"),
    (("settings", "items", "type_kinds", "Spike"), "bug",
     "$.settings.items.type_kinds.Spike: expected one of feature, defect, debt, risk"),
    (("settings", "items", "status_categories", "Ready for Dev"), "todo",
     "$.settings.items.status_categories.Ready for Dev: expected one of new, indeterminate"),
    (("settings", "items", "start_statuses"), "In Analysis",
     "$.settings.items.start_statuses: expected a list, found a string"),
    (("sources", 0, "kind"), "tickets", "$.sources[0].kind: unknown source kind 'tickets'"),
])
def test_bad_values_are_named(tmp_path: Path, where: tuple[object, ...], value: object,
                              message: str) -> None:
    path = tmp_path / "p.vsm"
    save_project(_project(tmp_path), path)
    doc = json.loads(path.read_text())
    target = doc
    for key in where[:-1]:
        target = target[key]  # type: ignore[index]
    target[where[-1]] = value  # type: ignore[index]
    path.write_text(json.dumps(doc))
    before = path.read_bytes()
    with pytest.raises(ProjectFileError) as e:
        load_project(path)
    assert f"at {message}" in str(e.value)
    assert path.read_bytes() == before
