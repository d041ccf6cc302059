"""Light and dark themes: the widget style sheet (packaged ``resources/styles/*.qss``) and
the application palette; the canvas colours are :mod:`vsm_app.render.colors`.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from ..paths import resource
from ..render.colors import DARK, LIGHT, CanvasColors, canvas_colors  # noqa: F401

THEMES = ("light", "dark")


def style_sheet(theme: str) -> str:
    """The QSS text of ``theme``."""
    name = theme if theme in THEMES else "light"
    return resource("styles", f"{name}.qss").read_text(encoding="utf-8")


def palette(theme: str) -> QPalette:
    """A widget palette matching the style sheet (for widgets the QSS does not reach)."""
    p = QPalette()
    if theme == "dark":
        window, base, text, button = "#1f242d", "#262c37", "#e8ecf2", "#2b323e"
        highlight, muted = "#58a6ff", "#a3adbd"
    else:
        window, base, text, button = "#eef1f5", "#ffffff", "#1d2330", "#f5f7fa"
        highlight, muted = "#1f6feb", "#5d6675"
    roles = {
        QPalette.ColorRole.Window: window, QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: window, QPalette.ColorRole.Text: text,
        QPalette.ColorRole.WindowText: text, QPalette.ColorRole.Button: button,
        QPalette.ColorRole.ButtonText: text, QPalette.ColorRole.Highlight: highlight,
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: base,
        QPalette.ColorRole.ToolTipText: text, QPalette.ColorRole.PlaceholderText: muted,
    }
    for role, colour in roles.items():
        p.setColor(role, QColor(colour))
    return p


def apply_theme(app: QApplication, theme: str) -> None:
    """Apply the palette and style sheet of ``theme`` to the whole application."""
    app.setPalette(palette(theme))
    app.setStyleSheet(style_sheet(theme))
