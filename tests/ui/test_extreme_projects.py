"""A project at the loader's limits (coordinates ±1e9, estimates 1e12 s) is measured, drawn,
opened and exported without a crash: too large an image is a message, never an overflow."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from vsm_app.domain.model import Estimates, Project, StickyNote
from vsm_app.domain.templates import software_delivery
from vsm_app.storage import project_file as pf
from vsm_app.storage.project_file import load_project, save_project


@pytest.fixture
def far(tmp_path: Path) -> Path:
    m = software_delivery()
    first = m.stages[0]
    m.update_stage(first.id, x=pf.MAX_COORDINATE, y=-pf.MAX_COORDINATE,
                   estimates=Estimates(process_time_s=pf.MAX_DURATION_S,
                                       wait_time_s=pf.MAX_DURATION_S, pca=1.0))
    m.add_element(StickyNote("far away", x=-pf.MAX_COORDINATE, y=pf.MAX_COORDINATE))
    m.settings.demand_per_day = pf.MAX_COUNT
    path = tmp_path / "far.vsm"
    save_project(Project("Far", [m]), path)
    return path


def _vsm(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vsm_app", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=180)


def test_metrics_and_exports_at_the_limits(far: Path) -> None:
    r = _vsm(far.parent, "metrics", far.name, "--json")
    assert r.returncode == 0, r.stderr
    m = json.loads(r.stdout)["maps"][0]
    # template: the other four stages' lead times are 1h+8h, 15min+2h, 30min+15min, 30min+48h
    others = (9 + 2.25 + 0.75 + 48.5) * 3600
    assert m["lead_time_s"] == 2 * pf.MAX_DURATION_S + others
    r = _vsm(far.parent, "export", far.name, "--out", "far.png")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("vsm-app: --out: far.png: the image "
                                                        "would be ")
    for out in ("far.svg", "far.pdf"):
        r = _vsm(far.parent, "export", far.name, "--out", out)
        assert r.returncode == 0, r.stderr
        assert (far.parent / out).stat().st_size > 1000


def test_the_window_opens_and_fits_it(qtbot: Any, far: Path) -> None:
    from vsm_app.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    assert w.open_path(far)
    assert w.project.same_content(load_project(far))
    w.current_editor().view.fit_to_view()
    qtbot.wait(50)
    image = w.grab()
    assert image.width() > 0
    image.save(str(far.parent / "far.png"))
