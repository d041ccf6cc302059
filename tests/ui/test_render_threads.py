"""A map rendered in a worker thread (exports run in workers) gives its private scene back to
the GUI thread to be destroyed: destroyed in the worker, a QObject with connections calls into
Python under Qt's connection lock, and a GUI thread waiting for that lock while it holds
Python's hangs both (a hung PDF export in the suite, while the window drew a chart)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, QThread

from vsm_app.domain.model import Stage, ValueStreamMap
from vsm_app.render.maps import MapPicture, render_png


def test_a_scene_made_in_a_worker_is_destroyed_on_the_gui_thread(qtbot: Any) -> None:
    gui = QCoreApplication.instance().thread()
    assert QThread.currentThread() is gui  # the check release_on_gui_thread relies on
    seen: dict[str, Any] = {}

    class Worker(QThread):
        def run(self) -> None:
            m = ValueStreamMap(name="m")
            m.add_stage(Stage(name="Build"))
            with MapPicture("p", m) as pic:
                seen["png"] = render_png(pic, dpi=50).width()
                scene = pic.scene
                seen["made_in_worker"] = scene.thread() is QThread.currentThread()
                scene.destroyed.connect(
                    lambda *_: seen.setdefault("destroyed_on_gui",
                                               QThread.currentThread() is gui))
            del pic, scene

    w = Worker()
    w.start()
    assert w.wait(30_000)
    assert seen["png"] > 0 and seen["made_in_worker"]
    assert "destroyed_on_gui" not in seen  # not in the worker: held for the GUI thread
    qtbot.waitUntil(lambda: "destroyed_on_gui" in seen, timeout=5_000)
    assert seen["destroyed_on_gui"] is True
