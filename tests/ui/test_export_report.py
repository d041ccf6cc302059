"""The PDF and HTML reports, and the `export`/`report` commands run as a user runs them."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pypdf
import pytest
from PySide6.QtGui import QImage

from tests.report.demo_data import (
    demo_dir,
    demo_identities,
    demo_measurement,
    demo_project,
    demo_project_path,
)
from tests.report.test_html_report import external_references
from vsm_app.analysis.privacy import IdentityLeakError, assert_no_identities
from vsm_app.render.maps import export_map_image
from vsm_app.render.report_pdf import report_pdf_bytes
from vsm_app.report.data import build_report_data, measured_overlay
from vsm_app.services.reports import write_report

REPO_DIR = Path(__file__).resolve().parents[2]


def _pdf_pages(data: bytes) -> list[str]:
    import io

    reader = pypdf.PdfReader(io.BytesIO(data))
    return [" ".join(p.extract_text().split()) for p in reader.pages]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    return subprocess.run([sys.executable, "-m", "vsm_app", *args], cwd=REPO_DIR, env=env,
                          capture_output=True, text=True, timeout=120)


def test_pdf_report_pages_and_text(qapp: Any) -> None:
    project = demo_project()
    measurement = demo_measurement()
    data = build_report_data(project, measurement, project_dir=demo_dir())
    overlays = {m.id: measured_overlay(m, measurement.result) for m in project.maps
                if m.kind == "current"}
    pdf, drawn = report_pdf_bytes(project, data, overlays=overlays)
    assert pdf.startswith(b"%PDF")
    pages = _pdf_pages(pdf)
    # expected structure: title page, one page per map, then the sections, each starting a
    # page with its heading (a section may run over more than one page)
    assert project.name in pages[0] and "DORA at a glance" in pages[0]
    for i, m in enumerate(project.maps, start=1):
        assert pages[i].startswith(m.name)
        assert all(s.name in pages[i] for s in m.stages)
    starts = [p.split(" ")[0:2] for p in pages]
    heads = [i for i, p in enumerate(pages) if p.startswith(("DORA metrics", "Flow metrics",
                                                              "The constraint",
                                                              "Data sources and quality"))]
    assert len(heads) == 4, starts
    assert heads[0] == 1 + len(project.maps)
    assert len(pages) == heads[-1] + 1  # sources and quality is the last page
    text = " ".join(pages)
    for label in ("Deployment frequency", "Lead time for changes (median)",
                  "Change failure rate", "Failed deployment recovery time (median)",
                  "Rework rate", "Flow velocity", "Flow efficiency", "Activity ratio",
                  "Rolled %C&A", "Data quality", "Deployments per week"):
        assert label in text
    assert " ".join(data.constraint.sentence.split()) in text  # type: ignore[union-attr]
    assert_no_identities(text, demo_identities())
    assert_no_identities(drawn, demo_identities())


def test_report_refuses_to_show_an_author(qapp: Any, tmp_path: Path) -> None:
    project = demo_project()
    author = sorted(demo_identities())[0]
    project.maps[0].stages[0].owner = ""
    project.maps[0].rename(f"Map of {author}")
    out = tmp_path / "r.html"
    with pytest.raises(IdentityLeakError):
        write_report(project, demo_project_path(), out, measurement=demo_measurement(),
                     identities=set(demo_identities()))
    assert not out.exists()


def test_cli_and_api_give_the_same_image(qapp: Any, tmp_path: Path) -> None:
    vsm = demo_project_path()
    out = tmp_path / "cli.png"
    r = _cli("export", str(vsm), "--out", str(out), "--dpi", "120", "--map", "Future state")
    assert r.returncode == 0, r.stderr
    assert "wrote" in r.stderr and r.stdout == ""
    project = demo_project()
    api = export_map_image(project, project.map_by_name("Future state"), tmp_path / "api.png",
                           dpi=120)
    cli_img, api_img = QImage(str(out)), QImage(str(api.path))
    assert (cli_img.width(), cli_img.height()) == (api_img.width(), api_img.height())
    assert cli_img.dotsPerMeterX() == api_img.dotsPerMeterX()


def test_cli_bad_input_exits_2_with_one_line(tmp_path: Path) -> None:
    vsm = demo_project_path()
    before = vsm.read_bytes()
    for args, needle in [
        (("export", str(vsm), "--out", str(vsm)), ".vsm"),
        (("export", str(vsm), "--out", str(tmp_path / "no" / "m.png")), "does not exist"),
        (("export", str(vsm), "--out", str(tmp_path / "m.png"), "--map", "Nope"), "--map"),
        (("report", str(vsm), "--out", str(tmp_path / "r.docx")), "unknown file type"),
    ]:
        r = _cli(*args)
        assert r.returncode == 2, (args, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0] and "Traceback" not in r.stderr
    assert vsm.read_bytes() == before
    assert list(tmp_path.iterdir()) == []


def test_cli_report_pdf_and_html(tmp_path: Path) -> None:
    vsm = demo_project_path()
    pdf = tmp_path / "r.pdf"
    r = _cli("report", str(vsm), "--out", str(pdf))
    assert r.returncode == 0, r.stderr
    pages = _pdf_pages(pdf.read_bytes())
    assert len(pages) >= 1 + 2 + 4 and pages[-1].startswith("Data sources and quality")
    html = tmp_path / "r.html"
    r = _cli("report", str(vsm), "--out", str(html))
    assert r.returncode == 0, r.stderr
    text = html.read_text(encoding="utf-8")
    assert external_references(text) == []
    assert len(re.findall(r'<img src="data:image/png;base64,', text)) == 2
    assert_no_identities(text, demo_identities())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.pdf"]


def test_write_exports_for_people_to_look_at(qapp: Any, artifacts_dir: Path) -> None:
    """tests/artifacts/exports/: the demo map (PNG, SVG, PDF) and both reports."""
    out = artifacts_dir / "exports"
    out.mkdir(exist_ok=True)
    project = demo_project()
    measurement = demo_measurement()
    overlay = measured_overlay(project.maps[0], measurement.result)
    export_map_image(project, project.maps[0], out / "demo-map.png", dpi=150, overlay=overlay)
    export_map_image(project, project.maps[0], out / "demo-map.svg", overlay=overlay)
    export_map_image(project, project.maps[0], out / "demo-map.pdf", overlay=overlay)
    for suffix in (".html", ".pdf"):
        write_report(project, demo_project_path(), out / f"demo-report{suffix}",
                     measurement=measurement, identities=set(demo_identities()))
    assert sorted(p.name for p in out.iterdir()) >= sorted([
        "demo-map.pdf", "demo-map.png", "demo-map.svg", "demo-report.html", "demo-report.pdf"])
