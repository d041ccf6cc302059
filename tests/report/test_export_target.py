"""The export safety rules: only the chosen path, never a project file, an existing folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from vsm_app.report.target import ExportTargetError, check_target, write_target


def test_accepts_a_new_file_in_an_existing_folder(tmp_path: Path) -> None:
    assert check_target(tmp_path / "map.PNG", {".png"}) == tmp_path / "map.PNG"


@pytest.mark.parametrize("name, message", [
    ("p.vsm", "only a project save writes a .vsm"),
    ("nope/map.png", "does not exist"),
    ("map.jpg", "unknown file type"),
    ("map", "unknown file type"),
])
def test_refuses(tmp_path: Path, name: str, message: str) -> None:
    with pytest.raises(ExportTargetError, match=message) as e:
        check_target(tmp_path / name, {".png", ".svg"})
    assert str(tmp_path / name) in str(e.value)  # the message names the path


def test_refuses_a_folder_and_the_open_project(tmp_path: Path) -> None:
    (tmp_path / "d.png").mkdir()
    with pytest.raises(ExportTargetError, match="is a folder"):
        check_target(tmp_path / "d.png", {".png"})
    project = tmp_path / "workshop.pdf"  # a project saved under an odd name
    project.write_bytes(b"{}")
    other = tmp_path / "sub" / ".." / "workshop.pdf"
    (tmp_path / "sub").mkdir()
    with pytest.raises(ExportTargetError, match="open project file"):
        check_target(other, {".pdf"}, project_path=project)
    assert project.read_bytes() == b"{}"


def test_write_is_atomic_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "a.csv"
    target.write_bytes(b"old")
    write_target(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"]
