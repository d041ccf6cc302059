"""The one place icons are loaded: packaged ``resources/icons/<name>.svg``, tinted to the theme.

The SVG files draw with ``currentColor``; :func:`icon` replaces it by the text colour of the
current theme and renders crisp pixmaps, so one file serves the light and the dark theme.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from ..paths import resource

_SIZES = (16, 24, 32, 48, 64, 128, 256)
_TOOL_SIZES = _SIZES[:4]


def icon_svg(name: str) -> str:
    """The SVG text of the icon ``name`` (raises FileNotFoundError if there is none)."""
    f = resource("icons", f"{name}.svg")
    if not f.is_file():
        raise FileNotFoundError(f"no icon {name!r} in the package's resources/icons")
    return f.read_text(encoding="utf-8")


def _render(svg: str, sizes: tuple[int, ...]) -> QIcon:
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    result = QIcon()
    for size in sizes:
        pm = QPixmap(size, size)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(p, QRectF(0, 0, size, size))
        p.end()
        result.addPixmap(pm)
    return result


@lru_cache(maxsize=1)
def app_icon() -> QIcon:
    """The application's own icon (window, task bar, About), in full colour."""
    return _render(resource("desktop", "vsm-app.svg").read_text(encoding="utf-8"), _SIZES)


@lru_cache(maxsize=256)
def icon(name: str, color: str = "#2d3a4f") -> QIcon:
    """The icon ``name`` drawn in ``color``."""
    return _render(icon_svg(name).replace("currentColor", color), _TOOL_SIZES)

