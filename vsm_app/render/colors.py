"""The map's colours (light and dark) as data for drawing: canvas items never hard-code a
colour; they read a :class:`CanvasColors` from their scene, so a theme switch repaints the map
and an export uses the light colours whatever the screen shows."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor


@dataclass(frozen=True)
class CanvasColors:
    """Colours of the map; ``QColor`` names so they are cheap to copy and compare."""

    background: str
    grid: str
    text: str
    muted: str
    box_fill: str
    box_header: str
    box_border: str
    data_fill: str
    data_rule: str
    selection: str
    push: str
    pull: str
    rework: str
    triangle_fill: str
    triangle_border: str
    ladder: str
    ladder_wait: str
    ladder_process: str
    summary_fill: str
    summary_border: str
    alert: str
    kaizen_fill: str
    kaizen_border: str
    handle: str

    def q(self, name: str) -> QColor:
        """The colour called ``name`` as a QColor."""
        return QColor(getattr(self, name))


LIGHT = CanvasColors(
    background="#f7f8fa", grid="#d5d9e0", text="#1d2330", muted="#5d6675",
    box_fill="#ffffff", box_header="#e8eef8", box_border="#2d3a4f",
    data_fill="#ffffff", data_rule="#c9d0db", selection="#1f6feb",
    push="#2d3a4f", pull="#2f7d4f", rework="#c2410c",
    triangle_fill="#fde68a", triangle_border="#8a6d00",
    ladder="#2d3a4f", ladder_wait="#b45309", ladder_process="#1f6feb",
    summary_fill="#ffffff", summary_border="#2d3a4f", alert="#c62828",
    kaizen_fill="#ffe066", kaizen_border="#d9480f", handle="#1f6feb",
)

DARK = CanvasColors(
    background="#1b1f27", grid="#303744", text="#e8ecf2", muted="#a3adbd",
    box_fill="#262c37", box_header="#2f3a4d", box_border="#9fb0c9",
    data_fill="#232934", data_rule="#444e5f", selection="#58a6ff",
    push="#c9d4e5", pull="#6fcf97", rework="#ff9a5a",
    triangle_fill="#8a6d1a", triangle_border="#f5d36b",
    ladder="#c9d4e5", ladder_wait="#f0a35e", ladder_process="#7cb8ff",
    summary_fill="#262c37", summary_border="#9fb0c9", alert="#ff6b6b",
    kaizen_fill="#7a5a12", kaizen_border="#ffb066", handle="#58a6ff",
)


def canvas_colors(theme: str) -> CanvasColors:
    """The canvas colours of ``theme`` (light for anything unknown)."""
    return DARK if theme == "dark" else LIGHT
