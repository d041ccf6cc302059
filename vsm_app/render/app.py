"""The Qt application object drawing needs, on a display or offscreen."""

from __future__ import annotations

import os
import sys
from typing import Any


def ensure_gui_application() -> Any:
    """A QApplication for rendering; offscreen when no display is available.

    ``QT_QPA_PLATFORM`` is set to ``offscreen`` only when it is unset and neither ``DISPLAY``
    nor ``WAYLAND_DISPLAY`` is (or on no platform at all); an existing application is reused.
    """
    if (not os.environ.get("QT_QPA_PLATFORM") and not os.environ.get("DISPLAY")
            and not os.environ.get("WAYLAND_DISPLAY") and sys.platform.startswith("linux")):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    app = QCoreApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "vsm-app"])
    return app
