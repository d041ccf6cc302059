"""Screenshots of the Map, Analyse and Present layouts with the display scaled; run in its
own process by tests/ui/test_issue17_layouts.py (Qt reads QT_SCALE_FACTOR at start).

Usage: python scaled_screenshots.py PROJECT.vsm OUT_DIR FACTOR. Prints ``key value`` lines.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path


def main() -> int:
    import os

    project, out, factor = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    os.environ.setdefault("VSM_APP_HOME", tempfile.mkdtemp(prefix="vsm-scaled-"))
    from PySide6.QtCore import QCoreApplication, QDeadlineTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    from vsm_app.render.canvas.items import DATA_VALUE_PX
    from vsm_app.storage.project_file import load_project
    from vsm_app.ui import settings
    from vsm_app.ui.main_window import MainWindow
    from vsm_app.ui.theme import apply_theme

    QCoreApplication.setOrganizationName(settings.ORGANIZATION)
    QCoreApplication.setApplicationName(settings.APPLICATION)
    apply_theme(app, "light")
    w = MainWindow(load_project(project), project)
    scale = float(factor)
    size = (round(1280 / scale), round(800 / scale))  # 1280×800 physical pixels
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
        w.grab().save(str(out / f"sample_{layout}_1280x800_scale{factor}.png"))
        vp = view.viewport()
        print(f"{layout}_share {vp.width() * vp.height() / (w.width() * w.height()):.3f}")
        pt = DATA_VALUE_PX * view.transform().m11() * 72.0 / view.logicalDpiY()
        print(f"{layout}_figure_pt {pt:.2f}")
    w.set_presentation(False)
    w.undo_stack.setClean()
    w.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
