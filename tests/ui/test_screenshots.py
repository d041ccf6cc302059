"""Screenshots for people to look at (tests/artifacts/), and the overlay hook of stage items."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor

from vsm_app.domain.model import FlowKind, KaizenBurst, StickyNote
from vsm_app.paths import DEMO_PROJECT
from vsm_app.storage.project_file import load_project


def _demo_window(qtbot: Any) -> Any:
    from vsm_app.domain.model import Project
    from vsm_app.domain.templates import software_delivery
    from vsm_app.ui.main_window import MainWindow

    if DEMO_PROJECT.is_file():
        w = MainWindow(load_project(DEMO_PROJECT), DEMO_PROJECT)
    else:
        w = MainWindow(Project("Demo", [software_delivery()]))
    qtbot.addWidget(w)
    w.set_theme("light")  # the application style sheet, as `make run` shows it
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_screenshot_main_window(qtbot: Any, artifacts_dir: Path) -> None:
    w = _demo_window(qtbot)
    editor = w.current_editor()
    m = editor.map
    # show every symbol: a pull flow, a rework loop, an inventory count
    editor.set_flow_kind(m.flows[-1].id, FlowKind.PULL)
    editor.connect_stages(m.stages[3].id, m.stages[1].id, FlowKind.REWORK)
    editor.scene.clearSelection()
    editor.view.fit_to_view()
    img = w.grab().toImage()
    assert (img.width(), img.height()) == (1280, 800)
    assert img.save(str(artifacts_dir / "main_window.png"))
    canvas = editor.scene.render_image(scale=2.0)  # projector-friendly: 200 %
    assert canvas.width() > 2000
    assert canvas.save(str(artifacts_dir / "map_canvas.png"))
    w.set_theme("dark")
    assert w.grab().save(str(artifacts_dir / "main_window_dark.png"))
    w.set_theme("light")
    w.undo_stack.setClean()


def test_screenshot_workshop_elements(window: Any, artifacts_dir: Path) -> None:
    editor = window.current_editor()
    m = editor.map
    coding = m.stage_by_name("Coding")
    from vsm_app.ui import commands as cmd
    window.undo_stack.push(cmd.SetEstimatesCommand(m, m.stages[2].id, {
        "wait_time_s": None, "inventory": 7000.0}))
    window.undo_stack.push(cmd.SetMapSettingsCommand(m, type(m.settings)(
        demand_per_day=920.0, available_time_per_day_s=8 * 3600.0)))
    window.undo_stack.push(cmd.AddElementCommand(m, KaizenBurst(
        "Smaller PRs", coding.id, x=coding.x + 85, y=coding.y - 100)))
    window.undo_stack.push(cmd.AddElementCommand(m, StickyNote(
        "Release waits for the weekly CAB", x=m.stages[4].x, y=m.stages[4].y - 150)))
    item = editor.scene.stage_item(m.stages[1].id)
    item.set_overlay("measured median 19h", QColor("#f28b82"), is_constraint=True)
    img = editor.scene.render_image(scale=1.5)
    assert img.save(str(artifacts_dir / "map_workshop.png"))


def test_stage_overlay_hook(window: Any) -> None:
    editor = window.current_editor()
    scene = editor.scene
    sid = editor.map.stages[1].id
    item = scene.stage_item(sid)
    rect = item.stage_rect()
    before = scene.render_image(scale=1.0, rect=rect.adjusted(-10, -40, 10, 10))
    item.set_overlay("measured median 19h", "#f28b82", is_constraint=True)
    text, color, constraint = item.overlay()
    assert text == "measured median 19h" and color == QColor("#f28b82") and constraint
    after = scene.render_image(scale=1.0, rect=rect.adjusted(-10, -40, 10, 10))
    assert before != after
    # the constraint border is drawn in the alert colour on the box edge
    edge = after.pixelColor(10 + 1, 40 + 36)
    assert edge.red() > 150 and edge.green() < 110
    item.clear_overlay()
    assert item.overlay() == (None, None, False)
    assert scene.render_image(scale=1.0, rect=rect.adjusted(-10, -40, 10, 10)) == before


def test_scene_renders_to_svg_and_pdf_headless(window: Any, tmp_path: Path) -> None:
    from PySide6.QtCore import QRectF, QSize
    from PySide6.QtGui import QPageSize, QPainter, QPdfWriter
    from PySide6.QtSvg import QSvgGenerator

    scene = window.current_editor().scene
    source = scene.content_rect()
    svg_path = tmp_path / "map.svg"
    gen = QSvgGenerator()
    gen.setFileName(str(svg_path))
    gen.setSize(QSize(int(source.width()), int(source.height())))
    gen.setViewBox(QRectF(0, 0, source.width(), source.height()))
    p = QPainter(gen)
    scene.render_to(p, QRectF(0, 0, source.width(), source.height()), source)
    p.end()
    svg = svg_path.read_text(encoding="utf-8")
    for text in ("Coding", "Release", "Lead time", "Activity ratio"):
        assert text in svg
    pdf_path = tmp_path / "map.pdf"
    pdf = QPdfWriter(str(pdf_path))
    pdf.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    p = QPainter(pdf)
    scene.render_to(p, QRectF(0, 0, pdf.width(), pdf.height()), source)
    p.end()
    assert pdf_path.read_bytes().startswith(b"%PDF")


def test_arrows_follow_moving_stages(window: Any) -> None:
    editor = window.current_editor()
    m = editor.map
    flow = m.flows[0]
    item = editor.scene.flow_item(flow.id)
    target = editor.scene.stage_item(flow.target)
    before = item.arrow_path().currentPosition()
    target.setPos(target.pos() + QPointF(0, 200))  # what a drag does, before any command
    after = item.arrow_path().currentPosition()
    assert after.y() > before.y() + 100
    wait = editor.scene.wait_item(flow.target)
    assert wait.pos() == item.midpoint()




def test_screenshot_properties_and_cheat_sheet(qtbot: Any, artifacts_dir: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    w = _demo_window(qtbot)
    editor = w.current_editor()
    review = editor.map.stage_by_name("Review")
    editor.scene.select_ids([review.id])
    field = w.properties.field("stage", "process_time_s")
    field.edit.setFocus()
    field.edit.selectAll()
    QTest.keyClicks(field.edit, "2 hourz")
    QTest.keyClick(field.edit, Qt.Key.Key_Return)
    assert field.invalid and field.error.isVisible()
    assert w.grab().save(str(artifacts_dir / "main_window_stage_selected.png"))
    sheet = w.show_cheatsheet()
    assert sheet.grab().save(str(artifacts_dir / "cheat_sheet.png"))
    sheet.close()
