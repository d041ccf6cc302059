"""Small, clean charts as SVG text (Qt-free): line, bar, step, points and signed bars.

Made for reports read on paper in black and white: series differ by dash pattern and marker
shape first and by colour second (the screen's palette, :mod:`vsm_app.metrics.palette`), axes
carry their units with the dashboards' tick steps and labels (:func:`palette.tick_label`,
values through :mod:`vsm_app.metrics.format`), and only presentation attributes are used
(no CSS, no ``<marker>``) so Qt's SVG Tiny renderer draws them exactly as a browser does.

The SVG has no ``xmlns`` unless ``standalone=True``: inline SVG in HTML5 needs none, and the
report must not hold any URL, not even a namespace name.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from xml.sax.saxutils import escape

from ..metrics import format as fmt
from ..metrics import palette
from ..metrics.palette import BAR_FILL, GRID, INK, MUTED
from ..metrics.palette import PRINT_SERIES as STYLES

FONT = "Helvetica, Arial, sans-serif"
MAX_MARKERS = 12


def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".") if abs(x) < 1e7 else f"{x:.0f}"


def _text(x: float, y: float, text: str, *, size: float = 11, anchor: str = "start",
          color: str = INK, weight: str = "normal") -> str:
    return (f'<text x="{_f(x)}" y="{_f(y)}" font-family="{FONT}" font-size="{_f(size)}" '
            f'font-weight="{weight}" fill="{color}" text-anchor="{anchor}">{escape(text)}</text>')


def _svg_open(width: float, height: float, title: str, standalone: bool) -> str:
    ns = ' xmlns="http://www.w3.org/2000/svg"' if standalone else ""
    return (f'<svg{ns} width="{_f(width)}" height="{_f(height)}" '
            f'viewBox="0 0 {_f(width)} {_f(height)}" role="img" aria-label="{escape(title)}">'
            f'<title>{escape(title)}</title>'
            f'<rect x="0" y="0" width="{_f(width)}" height="{_f(height)}" fill="#ffffff"/>')


def marker(shape: str, x: float, y: float, color: str, r: float = 3.6) -> str:
    """One data mark (filled white so crossings stay legible)."""
    sw = 1.6
    common = f'fill="#ffffff" stroke="{color}" stroke-width="{sw}"'
    if shape == "circle":
        return f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{_f(r)}" {common}/>'
    if shape == "square":
        return (f'<rect x="{_f(x - r)}" y="{_f(y - r)}" width="{_f(2 * r)}" '
                f'height="{_f(2 * r)}" {common}/>')
    if shape == "triangle":
        pts = f"{_f(x)},{_f(y - r * 1.2)} {_f(x + r * 1.1)},{_f(y + r * 0.8)} " \
              f"{_f(x - r * 1.1)},{_f(y + r * 0.8)}"
        return f'<polygon points="{pts}" {common}/>'
    if shape == "diamond":
        pts = f"{_f(x)},{_f(y - r * 1.3)} {_f(x + r * 1.1)},{_f(y)} " \
              f"{_f(x)},{_f(y + r * 1.3)} {_f(x - r * 1.1)},{_f(y)}"
        return f'<polygon points="{pts}" {common}/>'
    if shape == "cross":
        return (f'<path d="M{_f(x - r)} {_f(y - r)}L{_f(x + r)} {_f(y + r)}'
                f'M{_f(x - r)} {_f(y + r)}L{_f(x + r)} {_f(y - r)}" stroke="{color}" '
                f'stroke-width="2" fill="none"/>')
    return (f'<path d="M{_f(x - r)} {_f(y)}L{_f(x + r)} {_f(y)}M{_f(x)} {_f(y - r)}'
            f'L{_f(x)} {_f(y + r)}" stroke="{color}" stroke-width="2" fill="none"/>')


# -- axes: the one chart style's steps and labels (vsm_app.metrics.palette) --------------------

def y_ticks(vmax: float, unit: str) -> tuple[list[float], float]:
    """Tick values from 0 and the axis top for data up to ``vmax`` (≥ 0)."""
    ticks = palette.ticks(vmax, palette.unit_of(unit), 4)
    return ticks, ticks[-1] if ticks[-1] > 0 else 1.0


def y_label(v: float, unit: str, step: float = 1.0) -> str:
    """A tick's label: ``2h``, ``25 %``, ``1,200``."""
    return palette.tick_label(v, palette.unit_of(unit), step)


def value_label(v: float | None, unit: str) -> str:
    """A value as people read it, in the chart's unit."""
    return fmt.as_format(palette.unit_of(unit), v)


def _month_add(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    return date(d.year + y, m + 1, 1)


def x_ticks(x0: date, x1: date) -> list[tuple[date, str]]:
    """Tick dates and labels for a date axis from ``x0`` to ``x1``."""
    days = (x1 - x0).days
    if days <= 70:
        start = x0 + timedelta(days=(7 - x0.weekday()) % 7)
        step = 7 if days <= 42 else 14
        out, d = [], start
        while d <= x1:
            out.append((d, fmt.day_month(d)))
            d += timedelta(days=step)
        return out
    months = days / 30.44
    step = next(s for s in (1, 2, 3, 6, 12, 24) if months / s <= 9)
    d = _month_add(date(x0.year, x0.month, 1), 0 if x0.day == 1 else 1)
    while (d.month - 1) % step:
        d = _month_add(d, 1)
    out = []
    last_year = None
    while d <= x1:
        label = fmt.month_abbr(d.month)
        if d.year != last_year:
            label = f"{label} {d.year}"
            last_year = d.year
        out.append((d, label))
        d = _month_add(d, step)
    return out


# -- charts ----------------------------------------------------------------------------------

@dataclass
class _Frame:
    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float

    @property
    def plot_w(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> float:
        return self.height - self.top - self.bottom


def _legend(names: Sequence[str], kind: str, frame: _Frame) -> str:
    """Legend entries in the title row, right-aligned (sample line + marker + name)."""
    if len(names) <= 1 and kind != "line":
        return ""
    parts = []
    x = frame.width - frame.right
    y = 32.0
    for i in range(len(names) - 1, -1, -1):
        st = STYLES[i % len(STYLES)]
        name = names[i]
        w_text = 6.4 * len(name) + 6
        x -= w_text
        parts.append(_text(x, y + 4, name, size=11.5, color=INK))
        x -= 30
        if kind == "bar":
            parts.append(f'<rect x="{_f(x + 6)}" y="{_f(y - 5)}" width="16" height="10" '
                         f'fill="{BAR_FILL}" stroke="{INK}" stroke-width="0.8"/>')
        else:
            if kind != "points":
                dash = f' stroke-dasharray="{st.dash}"' if st.dash else ""
                parts.append(f'<path d="M{_f(x)} {_f(y)}L{_f(x + 26)} {_f(y)}" '
                             f'stroke="{st.color}" stroke-width="{st.width}" fill="none"'
                             f'{dash}/>')
            parts.append(marker(st.marker, x + 13, y, st.color))
        x -= 12
    return "".join(parts)


def time_chart(title: str, x: Sequence[date], series: Sequence[tuple[str, Sequence[float | None]]],
               *, kind: str = "line", unit: str = "count", width: float = 560,
               height: float = 230, note: str = "", standalone: bool = False) -> str:
    """A chart over dates: ``kind`` line | step | bar | points; ``unit`` duration | ratio | count.

    Gaps (``None``/NaN) break lines. Bars are drawn for the first series only.
    """
    has_legend = len(series) > 1 or kind == "line"
    frame = _Frame(width, height, 62, 12, 50 if has_legend else 34, 36 if not note else 52)
    out = [_svg_open(width, height, title, standalone)]
    out.append(_text(6, 16, title, size=14, weight="bold"))
    clean = [(n, [None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
                  for v in vals]) for n, vals in series]
    finite = [v for _, vals in clean for v in vals if v is not None]
    if not x or not finite:
        out.append(_text(width / 2, height / 2, "no data in the window", size=11,
                         anchor="middle", color=MUTED))
        out.append("</svg>")
        return "".join(out)
    ticks, top = y_ticks(max(finite), unit)
    x0, x1 = x[0], x[-1]
    if kind == "bar" or x1 == x0:
        step = (x[1] - x[0]) if len(x) > 1 else timedelta(days=7)
        x1 = x1 + step
    span = max(1, (x1 - x0).days)

    def px(d: date, frac: float = 0.0) -> float:
        return frame.left + frame.plot_w * (((d - x0).days + frac) / span)

    def py(v: float) -> float:
        return frame.top + frame.plot_h * (1 - v / top)

    # grid and y axis
    for t in ticks:
        y = py(t)
        out.append(f'<path d="M{_f(frame.left)} {_f(y)}L{_f(width - frame.right)} {_f(y)}" '
                   f'stroke="{GRID}" stroke-width="{1.2 if t == 0 else 0.7}" fill="none"/>')
        tick_step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
        out.append(_text(frame.left - 6, y + 4, y_label(t, unit, tick_step), size=11.5,
                         anchor="end",
                         color=MUTED))
    base_y = frame.top + frame.plot_h
    out.append(f'<path d="M{_f(frame.left)} {_f(base_y)}L{_f(width - frame.right)} '
               f'{_f(base_y)}" stroke="{INK}" stroke-width="1" fill="none"/>')
    for d, label in x_ticks(x0, x1):
        xx = px(d)
        out.append(f'<path d="M{_f(xx)} {_f(base_y)}L{_f(xx)} {_f(base_y + 4)}" '
                   f'stroke="{INK}" stroke-width="1" fill="none"/>')
        out.append(_text(xx, base_y + 17, label, size=11.5, anchor="middle", color=MUTED))
    if note:
        out.append(_text(6, height - 8, note, size=11, color=MUTED))

    names = [n for n, _ in clean]
    if kind == "bar":
        vals = clean[0][1]
        bar_w = max(0.6, frame.plot_w / max(1, len(x)) * 0.72)
        for d, v in zip(x, vals, strict=False):
            if v is None or v <= 0:
                continue
            xx = px(d) + (frame.plot_w / max(1, len(x)) - bar_w) / 2
            out.append(f'<rect x="{_f(xx)}" y="{_f(py(v))}" width="{_f(bar_w)}" '
                       f'height="{_f(base_y - py(v))}" fill="{BAR_FILL}" stroke="{INK}" '
                       f'stroke-width="{0.6 if bar_w > 5 else 0}"/>')
    else:
        for i, (_name, vals) in enumerate(clean):
            st = STYLES[i % len(STYLES)]
            pts = [(px(d), py(v)) if v is not None else None
                   for d, v in zip(x, vals, strict=False)]
            if kind != "points":
                path = []
                pen_down = False
                for j, p in enumerate(pts):
                    if p is None:
                        pen_down = False
                        continue
                    if kind == "step" and pen_down and j > 0 and pts[j - 1] is not None:
                        path.append(f"L{_f(p[0])} {_f(pts[j - 1][1])}")  # type: ignore[index]
                    path.append(f"{'L' if pen_down else 'M'}{_f(p[0])} {_f(p[1])}")
                    pen_down = True
                if path:
                    dash = f' stroke-dasharray="{st.dash}"' if st.dash else ""
                    out.append(f'<path d="{"".join(path)}" stroke="{st.color}" '
                               f'stroke-width="{st.width}" fill="none" '
                               f'stroke-linejoin="round"{dash}/>')
            present = [j for j, p in enumerate(pts) if p is not None]
            if kind == "points":
                chosen = present
            else:
                k = max(1, math.ceil(len(present) / MAX_MARKERS))
                offset = (i * k) // max(1, len(clean))
                # a point with no neighbour draws no line: it always gets its mark
                alone = [j for j in present
                         if (j == 0 or pts[j - 1] is None)
                         and (j == len(pts) - 1 or pts[j + 1] is None)]
                chosen = sorted(set(present[offset::k]) | set(alone))
            for j in chosen:
                p = pts[j]
                assert p is not None
                out.append(marker(st.marker, p[0], p[1], st.color))
    out.append(_legend(names, kind, frame))
    out.append("</svg>")
    return "".join(out)


def signed_bars(title: str, items: Sequence[tuple[str, float]], *, unit: str = "duration",
                width: float = 560, height: float | None = None, note: str = "",
                highlight: str | None = None, standalone: bool = False) -> str:
    """Horizontal bars from a zero line (e.g. each stage's contribution to a change in lead
    time): positive bars dark, negative bars white with a dark outline, values printed."""
    row_h = 26.0
    top = 30.0
    bottom = 14.0 if not note else 34.0
    h = height or top + row_h * max(1, len(items)) + bottom
    out = [_svg_open(width, h, title, standalone)]
    out.append(_text(6, 16, title, size=14, weight="bold"))
    if not items:
        out.append(_text(width / 2, h / 2, "nothing to show", size=11, anchor="middle",
                         color=MUTED))
        out.append("</svg>")
        return "".join(out)
    label_w = 110.0
    value_w = 104.0
    vmax = max(abs(v) for _, v in items) or 1.0
    neg = any(v < 0 for _, v in items)
    plot_l = 8 + label_w
    plot_r = width - 8 - value_w
    zero = plot_l + (plot_r - plot_l) * (0.3 if neg else 0.0)
    scale_pos = (plot_r - zero) / vmax
    scale_neg = (zero - plot_l) / vmax
    for i, (name, v) in enumerate(items):
        y = top + i * row_h
        out.append(_text(8 + label_w - 8, y + 17, name, size=12, anchor="end",
                         weight="bold" if name == highlight else "normal"))
        w = v * scale_pos if v >= 0 else -v * scale_neg
        x = zero if v >= 0 else zero - w
        fill = INK if v >= 0 else "#ffffff"
        if name == "(other)":
            fill = BAR_FILL if v >= 0 else "#ffffff"
        out.append(f'<rect x="{_f(x)}" y="{_f(y + 5)}" width="{_f(max(w, 0.8))}" '
                   f'height="{_f(row_h - 10)}" fill="{fill}" stroke="{INK}" '
                   f'stroke-width="1"/>')
        sign = "+" if v > 0 else "−" if v < 0 else ""
        text = sign + value_label(abs(v), unit)
        tx = (x + w + 5) if v >= 0 else (x - 5)
        anchor = "start" if v >= 0 else "end"
        if v < 0 and tx - 6 * len(text) < plot_l - label_w + 4:
            tx, anchor = zero + 5, "start"
        out.append(_text(tx, y + 17, text, size=11.5, anchor=anchor))
    out.append(f'<path d="M{_f(zero)} {_f(top)}L{_f(zero)} {_f(top + row_h * len(items))}" '
               f'stroke="{INK}" stroke-width="1.2" fill="none"/>')
    if note:
        out.append(_text(6, h - 10, note, size=11, color=MUTED))
    out.append("</svg>")
    return "".join(out)
