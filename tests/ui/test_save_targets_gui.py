"""Save and Save As go through the same target check as every export; opening a project
removes the temporary files a killed save left beside it."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from vsm_app.storage.project_file import load_project

from .conftest import DialogLog


def test_save_as_refuses_a_folder_and_a_missing_folder(window: Any, dialogs: DialogLog,
                                                       tmp_path: Path) -> None:
    (tmp_path / "maps.vsm").mkdir()
    assert not window.save_as(tmp_path / "maps.vsm")
    assert dialogs.errors[-1] == (
        "Cannot save", "Cannot save maps.vsm.",
        f"{tmp_path / 'maps.vsm'}: is a folder; give a file name such as "
        f"{tmp_path / 'maps.vsm' / 'export.vsm'}")
    assert not window.save_as(tmp_path / "gone" / "p.vsm")
    assert dialogs.errors[-1][2] == f"{tmp_path / 'gone' / 'p.vsm'}: the folder " \
                                    f"{tmp_path / 'gone'} does not exist"
    assert window.path is None
    assert window.save_as(tmp_path / "p.vsm")
    assert load_project(tmp_path / "p.vsm").same_content(window.project)


def test_opening_a_project_removes_what_a_killed_save_left(window: Any, tmp_path: Path) -> None:
    assert window.save_as(tmp_path / "p.vsm")
    stray = tmp_path / ".p.vsm.k1ll3d00.tmp"
    stray.write_bytes(b"{" * 4096)
    os.utime(stray, (time.time() - 60, time.time() - 60))
    assert window.open_path(tmp_path / "p.vsm")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.vsm"]
