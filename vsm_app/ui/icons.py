"""The one place icons are loaded: ``resources/icons/<name>.svg``, tinted to the theme.

The SVG files draw with ``currentColor``; :func:`icon` replaces it by the text colour of the
current theme and renders crisp pixmaps, so one file serves the light and the dark theme.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from ..paths import RESOURCES_DIR

ICONS_DIR = RESOURCES_DIR / "icons"
_SIZES = (16, 24, 32, 48)


def icon_path(name: str) -> str:
    """Path of the SVG file of ``name`` (raises FileNotFoundError if there is none)."""
    p = ICONS_DIR / f"{name}.svg"
    if not p.is_file():
        raise FileNotFoundError(f"no icon {name!r} in {ICONS_DIR}")
    return str(p)


@lru_cache(maxsize=256)
def icon(name: str, color: str = "#2d3a4f") -> QIcon:
    """The icon ``name`` drawn in ``color``."""
    with open(icon_path(name), encoding="utf-8") as fh:
        svg = fh.read().replace("currentColor", color)
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    result = QIcon()
    for size in _SIZES:
        pm = QPixmap(size, size)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(p, QRectF(0, 0, size, size))
        p.end()
        result.addPixmap(pm)
    return result
