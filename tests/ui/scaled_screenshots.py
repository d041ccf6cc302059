"""Screenshots of the Map, Analyse and Present layouts with the display scaled; run in its
own process by tests/ui/test_issue17_layouts.py (Qt reads QT_SCALE_FACTOR at start).

Usage: python scaled_screenshots.py PROJECT.vsm OUT_DIR FACTOR WIDTHxHEIGHT (the screen in
physical pixels). Prints ``key value`` lines.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path


def main() -> int:
    import os

    project, out, factor = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    # a first start: no layouts remembered from other tests or runs
    os.environ["VSM_APP_HOME"] = tempfile.mkdtemp(prefix="vsm-scaled-")
    from PySide6.QtCore import QCoreApplication, QDeadlineTimer
    from PySide6.QtWidgets import (
        QApplication,
        QDockWidget,
        QLabel,
        QTabBar,
        QToolButton,
        QWidget,
    )

    app = QApplication([])
    from vsm_app.render.canvas.items import DATA_VALUE_PX
    from vsm_app.storage.project_file import load_project
    from vsm_app.ui import settings
    from vsm_app.ui.main_window import ElidedLabel, MainWindow, PartsLabel
    from vsm_app.ui.theme import apply_theme

    QCoreApplication.setOrganizationName(settings.ORGANIZATION)
    QCoreApplication.setApplicationName(settings.APPLICATION)
    apply_theme(app, "light")
    w = MainWindow(load_project(project), project)
    scale = float(factor)
    screen = sys.argv[4]
    pw, ph = (int(v) for v in screen.split("x"))
    size = (round(pw / scale), round(ph / scale))  # the screen's physical pixels
    w.resize(*size)
    w.show()
    deadline = QDeadlineTimer(120_000)
    while (w.measure.result is None or w.measure.is_busy()) and not deadline.hasExpired():
        app.processEvents()
    for layout in ("map", "analyse", "present"):
        if layout == "present":
            w.set_presentation(True)
        else:
            w.set_layout(layout)
        w.resize(*size)
        for _ in range(10):
            app.processEvents()
        view = w.current_editor().view
        view.fit_to_view() if layout != "present" else w._fit_current()
        app.processEvents()
        w.grab().save(str(out / f"sample_{layout}_{screen}_scale{factor}.png"))
        vp = view.viewport()
        print(f"{layout}_share {vp.width() * vp.height() / (w.width() * w.height()):.3f}")
        pt = DATA_VALUE_PX * view.transform().m11() * 72.0 / view.logicalDpiY()
        print(f"{layout}_figure_pt {pt:.2f}")
        if layout == "present":
            continue
        print(f"{layout}_size {w.width()}x{w.height()}")
        # the side bar: every button on the bar, none behind its overflow ("»") button
        ext = [b for b in w.panel_bar.findChildren(QToolButton)
               if b.objectName() == "qt_toolbar_ext_button" and b.isVisible()]
        print(f"{layout}_sidebar_overflows {int(bool(ext))}")
        # the status bar: its widgets side by side, none over another, all inside it
        sb = w.statusBar()
        boxes = sorted((c.geometry() for c in sb.findChildren(QWidget)
                        if c.parent() is sb and c.isVisible() and c.width() > 0),
                       key=lambda r: r.left())
        overlaps = sum(a.right() >= b.left() for a, b in zip(boxes, boxes[1:], strict=False))
        outside = sum(r.right() > sb.width() for r in boxes)
        # and each shows its text whole (the figures drop parts, the sentence elides)
        clipped = 0
        for lab in sb.findChildren(QLabel):
            if not lab.isVisible() or isinstance(lab, ElidedLabel):
                continue
            need = (lab.fontMetrics().horizontalAdvance(lab.shown_text())
                    if isinstance(lab, PartsLabel) else lab.sizeHint().width())
            clipped += need > lab.width() + 1
        print(f"{layout}_status_overlaps {overlaps + outside + clipped}")
        # no tab bar on screen that names a closed panel (Qt's leftovers of a dock group)
        closed = {d.windowTitle() for d in w.findChildren(QDockWidget) if d.isHidden()}
        stale = [b for b in w.findChildren(QTabBar) if b.parent() is w and b.isVisible()
                 and w.rect().intersects(b.geometry())
                 and any(b.tabText(i) in closed for i in range(b.count()))]
        print(f"{layout}_stale_tab_bars {len(stale)}")
    w.set_presentation(False)
    w.undo_stack.setClean()
    w.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
