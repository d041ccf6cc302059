"""Map exports: PNG size from the DPI asked, SVG as real vectors, PDF pages, safety, charts."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pypdf
import pytest
from PySide6.QtGui import QColor, QGuiApplication, QImage

from tests.report.demo_data import demo_measurement, demo_project
from vsm_app.domain.model import Project
from vsm_app.domain.templates import software_delivery
from vsm_app.render.canvas.scene import MapScene
from vsm_app.render.colors import LIGHT
from vsm_app.render.maps import TITLE_H, export_map_image, export_maps_pdf
from vsm_app.report.data import measured_overlay
from vsm_app.report.target import ExportTargetError
from vsm_app.ui.export import copy_map_to_clipboard, export_plot, export_plot_data_csv
from vsm_app.work import Cancelled

SVG = "{http://www.w3.org/2000/svg}"


def expected_png_size(project: Project, index: int, dpi: float, title: bool = True
                      ) -> tuple[int, int]:
    """By the definition in docs/exports.md: scene units are 1/96 inch; the picture is the
    scene's content rectangle plus the title band."""
    scene = MapScene(project.maps[index], LIGHT)
    try:
        r = scene.content_rect()
        w, h = r.width(), r.height() + (TITLE_H if title else 0.0)
    finally:
        scene.detach()
    return round(w * dpi / 96), round(h * dpi / 96)


@pytest.mark.parametrize("dpi", [96, 150, 300])
def test_png_size_follows_the_dpi(qapp: Any, tmp_path: Path, dpi: int) -> None:
    project = Project("Workshop", [software_delivery()])
    out = export_map_image(project, project.maps[0], tmp_path / "map.png", dpi=dpi)
    img = QImage(str(out.path))
    assert (img.width(), img.height()) == expected_png_size(project, 0, dpi)
    assert (out.width_px, out.height_px) == (img.width(), img.height())
    assert img.dotsPerMeterX() == round(dpi / 0.0254)
    assert img.pixelColor(2, 2) == QColor("#ffffff")  # white background
    assert [p.name for p in tmp_path.iterdir()] == ["map.png"]  # no temporary file left


def test_png_width_transparency_and_no_title(qapp: Any, tmp_path: Path) -> None:
    project = Project("Workshop", [software_delivery()])
    w0, h0 = expected_png_size(project, 0, 96, title=False)
    out = export_map_image(project, project.maps[0], tmp_path / "t.png", width_px=1000,
                           transparent=True, title=False)
    img = QImage(str(out.path))
    assert (img.width(), img.height()) == (1000, round(h0 * 1000 / w0))
    assert img.hasAlphaChannel() and img.pixelColor(1, 1).alpha() == 0


def test_svg_is_vectors_with_every_stage_name_as_text(qapp: Any, tmp_path: Path) -> None:
    project = demo_project()
    m = project.maps[0]
    overlay = measured_overlay(m, demo_measurement().result)
    out = export_map_image(project, m, tmp_path / "map.svg", overlay=overlay)
    root = ET.parse(out.path).getroot()
    texts = [t.text.strip() for t in root.iter(f"{SVG}text") if t.text]
    for s in m.stages:
        assert s.name in texts
    for label in ("Lead time", "Activity ratio", "Push", "Pull", "Rework loop",
                  "Wait / inventory", "Kaizen idea", m.name):
        assert label in texts  # ladder summary, legend, overlay, title
    # the constraint's tag says what the verdict rests on (the demo measures all 7 stages)
    assert "CONSTRAINT · 7 of 7 stages" in texts
    assert [ln for o in overlay.values() for ln in o.text.split("\n") if ln not in texts] == []
    assert root.get("viewBox") == f"0 0 {out.width_px} {out.height_px}"
    assert not list(root.iter(f"{SVG}image"))  # no embedded bitmap


def test_pdf_one_map_per_page_with_text(qapp: Any, tmp_path: Path) -> None:
    project = demo_project()
    out = export_maps_pdf(project, project.maps, tmp_path / "maps.pdf", page_size="A4")
    data = out.path.read_bytes()
    assert data.startswith(b"%PDF")
    reader = pypdf.PdfReader(out.path)
    assert len(reader.pages) == len(project.maps) == out.pages
    for page, m in zip(reader.pages, project.maps, strict=True):
        text = " ".join(page.extract_text().split())  # pypdf separates words by tabs
        for s in m.stages:
            assert s.name in text
        for label in ("Lead time", "Process time", "Activity ratio", m.name):
            assert label in text
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(w), round(h)) == (842, 595)  # A4 landscape for a wide map, in points
    portrait = export_map_image(project, project.maps[0], tmp_path / "p.pdf",
                                page_size="Letter", orientation="portrait")
    page = pypdf.PdfReader(portrait.path).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)


def test_refuses_to_overwrite_the_project(qapp: Any, tmp_path: Path) -> None:
    from vsm_app.storage.project_file import save_project

    project = Project("Workshop", [software_delivery()])
    path = tmp_path / "workshop.vsm"
    save_project(project, path)
    before = path.read_bytes()
    with pytest.raises(ExportTargetError, match=r"\.vsm"):
        export_map_image(project, project.maps[0], path, project_path=path)
    with pytest.raises(ExportTargetError, match="does not exist"):
        export_map_image(project, project.maps[0], tmp_path / "no" / "m.png")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["workshop.vsm"]


def test_cancel_writes_nothing_and_progress_reaches_one(qapp: Any, tmp_path: Path) -> None:
    project = Project("Workshop", [software_delivery()])
    with pytest.raises(Cancelled):
        export_map_image(project, project.maps[0], tmp_path / "m.png", cancelled=lambda: True)
    assert list(tmp_path.iterdir()) == []
    seen: list[float] = []
    export_map_image(project, project.maps[0], tmp_path / "m.png",
                     progress=lambda f, _t: seen.append(f))
    assert seen == sorted(seen) and seen[-1] == 1.0


def test_export_does_not_change_the_map(qapp: Any, tmp_path: Path) -> None:
    project = demo_project()
    m = project.maps[0]
    before = m.copy()
    export_map_image(project, m, tmp_path / "m.png", dpi=72)
    assert m.same_content(before)
    assert all(not sig._slots for sig in (m.stage_added, m.stage_changed))  # detached


def test_copy_map_to_clipboard(qapp: Any) -> None:
    project = Project("Workshop", [software_delivery()])
    size = copy_map_to_clipboard(project, project.maps[0], dpi=96)
    mime = QGuiApplication.clipboard().mimeData()
    assert mime.hasImage()
    assert (size.width(), size.height()) == expected_png_size(project, 0, 96)
    assert bytes(mime.data("image/svg+xml")).startswith(b"<?xml")


def test_chart_export_png_svg_and_csv(qtbot: Any, tmp_path: Path) -> None:
    import pyqtgraph as pg

    w = pg.PlotWidget(title="Lead time")
    qtbot.addWidget(w)
    w.resize(500, 300)
    w.addLegend()
    w.setLabel("left", "Lead time", units="s")
    w.setLabel("bottom", "Week")
    w.plot([1, 2, 3], [3600.0, 7200.0, 5400.0], name="median")
    w.addItem(pg.BarGraphItem(x=[1, 2, 3], height=[2, 0, 1], width=0.6, name="deployments"))
    png = export_plot(w, tmp_path / "c.png", width_px=800, background="#ffffff")
    assert QImage(str(png.path)).width() == 800
    svg = export_plot(w, tmp_path / "c.svg")
    root = ET.parse(svg.path).getroot()
    assert "Lead time" in [t.text.strip() for t in root.iter(f"{SVG}text") if t.text]
    path = export_plot_data_csv(w, tmp_path / "c.csv")
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert rows[0] == ["series", "Week", "Lead time (s)"]
    assert rows[1:4] == [["median", "1.0", "3600.0"], ["median", "2.0", "7200.0"],
                         ["median", "3.0", "5400.0"]]
    assert rows[4:] == [["deployments", "1.0", "2.0"], ["deployments", "2.0", "0.0"],
                        ["deployments", "3.0", "1.0"]]


def test_measured_ladder_of_the_screen_is_exported(qapp: Any, tmp_path: Path) -> None:
    from vsm_app.report.overlay import MeasuredLadder
    from vsm_app.ui.export import measured_ladder_of

    project = Project("Workshop", [software_delivery()])
    m = project.maps[0]
    measured = MeasuredLadder(
        wait_s={s.id: 3600.0 for s in m.stages}, active_s={s.id: 60.0 for s in m.stages},
        summary=(("Lead time", "9d 9h"),), title="Measured medians · main path")
    screen = MapScene(m, LIGHT)
    screen.set_measured_ladder(measured)
    screen.flush()
    assert measured_ladder_of(screen) is measured
    screen.detach()
    out = export_map_image(project, m, tmp_path / "m.svg", measured_ladder=measured)
    texts = [t.text.strip() for t in ET.parse(out.path).getroot().iter(f"{SVG}text") if t.text]
    assert "Measured medians · main path" in texts and "9d 9h" in texts


def test_cli_and_report_maps_colour_and_label_stages_as_the_window(qapp: Any, tmp_path: Path,
                                                                    monkeypatch: Any) -> None:
    """The report's and the CLI's overlay equals the window's, stage by stage, and the
    exported SVG carries the heat legend and the measured ladder's summary."""
    from vsm_app.ui.overlay import heat_legend, measured_ladders, stage_overlays

    project = demo_project()
    m = project.maps[0]
    doc = demo_measurement().result
    screen = stage_overlays(m, doc)
    report = measured_overlay(m, doc)
    assert screen and set(report) == set(screen)
    for sid, o in screen.items():
        assert (report[sid].text, report[sid].heat_color, report[sid].is_constraint) == (
            o.text, o.heat_color, o.is_constraint)
    # the constraint waits most: the darkest class of the scale
    by_name = {s.name: s for s in doc.stages}
    constraint = doc.bottleneck.stage
    assert by_name[constraint].wait_share >= 0.35
    assert report[m.stage_by_name(constraint).id].heat_color == "#bd0026"

    ladders = measured_ladders([m], doc)
    out = export_map_image(project, m, tmp_path / "map.svg", overlay=report,
                           measured_ladder=ladders[m.id])
    texts = [t.text.strip() for t in ET.parse(out.path).getroot().iter(f"{SVG}text")
             if t.text]
    for _color, label in heat_legend():
        assert label in texts
    assert "Flow efficiency" in texts  # the measured ladder's summary box


def test_chart_csv_neutralises_formula_series_names(qtbot: Any, tmp_path: Path) -> None:
    import pyqtgraph as pg

    w = pg.PlotWidget()
    qtbot.addWidget(w)
    w.addLegend()
    w.setLabel("left", "=1+1")  # an axis title a project could carry
    w.plot([1], [-5.0], name="=HYPERLINK(\"http://x.invalid\")")  # a stage name
    w.plot([1], [2.0], name="@SUM(1)\r=2+2")
    path = export_plot_data_csv(w, tmp_path / "c.csv")
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8"), newline="")))
    assert rows == [["series", "x", "'=1+1"],
                    ["'=HYPERLINK(\"http://x.invalid\")", "1.0", "-5.0"],
                    ["'@SUM(1)\n=2+2", "1.0", "2.0"]]


def test_a_map_of_thousands_of_stages_exports_as_an_overview(qapp: Any, tmp_path: Path) -> None:
    from pypdf import PdfReader
    from PySide6.QtGui import QColor

    from vsm_app.domain.model import Flow, FlowKind, Stage, ValueStreamMap
    from vsm_app.render.canvas.items import BOX_H, BOX_W
    from vsm_app.render.maps import (
        OVERVIEW_STAGES,
        MapPicture,
        OverviewPicture,
        export_colors,
        map_picture,
    )

    m = ValueStreamMap("Generated")
    cols = 50
    stages = [m.add_stage(Stage(f"S{i}", x=(i % cols) * 240.0, y=(i // cols) * 200.0))
              for i in range(OVERVIEW_STAGES)]
    for a, b in zip(stages, stages[1:], strict=False):
        m.add_flow(Flow(a.id, b.id))
    m.add_flow(Flow(stages[9].id, stages[2].id, FlowKind.REWORK))
    project = Project("Big", [m])
    assert isinstance(map_picture("Big", software_delivery()), MapPicture)
    with map_picture("Big", m, title=False) as pic:
        assert isinstance(pic, OverviewPicture)
        # the boxes plus a 40-unit margin: 50 columns × 240, 40 rows × 200
        assert (pic.width, pic.height) == (49 * 240 + BOX_W + 80, 39 * 200 + BOX_H + 80)

    hot = stages[0].id
    res = export_map_image(project, m, tmp_path / "big.png", width_px=3000, title=False,
                           overlay={hot: ("", "#ff0000", True)})
    img = QImage(str(res.path))
    scale = 3000 / (49 * 240 + BOX_W + 80)
    # a point inside each box, away from its border and from its centred name
    inside = img.pixelColor(round((40 + 15) * scale), round((40 + 15) * scale))
    assert inside.red() > 200 and inside.green() < 200  # the measured heat tints the box
    other = img.pixelColor(round((40 + 240 + 15) * scale), round((40 + 15) * scale))
    assert other == QColor(export_colors().box_fill)  # an untinted box

    svg = (export_map_image(project, m, tmp_path / "big.svg").path).read_text()
    root = ET.fromstring(svg)
    names = {t.text.strip() for t in root.iter(f"{SVG}text") if t.text and t.text.strip()}
    assert {f"S{i}" for i in range(OVERVIEW_STAGES)} <= names
    pdf = export_maps_pdf(project, [m], tmp_path / "big.pdf")
    assert len(PdfReader(str(pdf.path)).pages) == 1
