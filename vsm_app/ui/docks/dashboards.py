"""The dashboards as docks: constraint, DORA, flow and the stage detail chart.

:func:`install_dashboards` is the one call the main window makes::

    dashboards = install_dashboards(window, controller)

It adds four docks (``dock.constraint``, ``dock.dora``, ``dock.flow`` tabified at the bottom
with the constraint in front, ``dock.stage_detail`` beside them), and wires them:

* ``controller.result_changed`` → the window's values (DORA values and bands, flow summary,
  constraint headline and lead-time waterfall);
* trends are drawn over the whole measured span (the *context*): when the window is the whole
  extent the result is its own context, otherwise the context is analysed once in a worker
  (``analyze_window`` without since/until) and kept until the data, the period or the band
  year change; so moving the window only moves the highlighted region;
* ``controller.window_changed`` → the highlighted window on every time chart at once;
  dragging a window edge on any chart asks the controller for that window;
* the stage selected on the map (the current tab's editor) → the stage detail chart;
* a theme switch of the window (palette change) → the charts' colours.

Every redraw is ``setData`` on items built once (see :mod:`vsm_app.ui.charts.base`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

import pandas as pd
from PySide6.QtCore import QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QDockWidget, QScrollArea, QWidget

from ..charts import (
    Chart,
    ConstraintPanel,
    DoraPanel,
    FlowPanel,
    StageDetailPanel,
    TimeChart,
    chart_theme,
    panel_style_sheet,
)
from ..charts.data import DAY_S, period_axis, window_seconds

#: dock name → title, in tab order
DOCKS: dict[str, str] = {
    "constraint": "Constraint",
    "dora": "DORA metrics",
    "flow": "Flow metrics",
    "stage_detail": "Stage detail",
}


def _ts(seconds_utc: float) -> pd.Timestamp:
    return pd.Timestamp(int(round(seconds_utc)), unit="s", tz="UTC")


class Dashboards(QObject):
    """The four dashboard panels, their docks and the state they share.

    Attributes
    ----------
    constraint, dora, flow, stage_detail
        The panels (:mod:`vsm_app.ui.charts`). ``dora`` and ``flow`` are built the first
        time their tab shows or they are asked for (``panel(name)``), and then brought up to
        date; ``panels`` holds the ones built so far.
    master
        The chart every other time chart is x-linked to (the constraint-per-period chart).
    docks
        Dock name (``constraint``, ``dora``, ``flow``, ``stage_detail``) → QDockWidget
        (objectName ``dock.<name>``).
    result, context
        The analysed window's result and the whole-span result the trends are drawn from.
    last_redraw_s
        Seconds the last :meth:`set_result` / :meth:`set_context` took (charts updated).

    Signals
    -------
    window_requested(object, object)
        The user dragged a window edge: since, until (``pd.Timestamp``, None = data edge).
    """

    window_requested = Signal(object, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.constraint = ConstraintPanel()
        self.stage_detail = StageDetailPanel()
        # the DORA and flow panels sit behind tabs at start: built the first time they show
        # (or are asked for), which keeps a new window quick to open
        self.panels: dict[str, QWidget] = {"constraint": self.constraint,
                                           "stage_detail": self.stage_detail}
        self._factories: dict[str, Any] = {"dora": DoraPanel, "flow": FlowPanel}
        self.docks: dict[str, QDockWidget] = {}
        self._scrolls: dict[str, QScrollArea] = {}
        for name, title in DOCKS.items():
            dock = QDockWidget(title, parent)
            dock.setObjectName(f"dock.{name}")
            if name == "stage_detail":
                dock.setWidget(self.stage_detail)
            else:  # the others scroll in a small dock
                scroll = QScrollArea()
                scroll.setObjectName(f"scroll.{name}")
                scroll.setWidgetResizable(True)
                scroll.setFrameShape(QScrollArea.Shape.NoFrame)
                if name in self.panels:
                    scroll.setWidget(self.panels[name])
                self._scrolls[name] = scroll
                dock.setWidget(scroll)
            if name in self._factories:
                dock.visibilityChanged.connect(
                    lambda visible, name=name: visible and self.panel(name))
            self.docks[name] = dock
        self.result: Any = None
        self.context: Any = None
        self.theme_name = ""
        self.last_redraw_s = 0.0
        self._extent: tuple[float, float] | None = None
        self._window: tuple[float, float] | None = None
        self._project_path: Any = lambda: None
        self.wiring: Any = None  # set by install_dashboards
        self.baseline: Any = None  # a domain.improvement.Baseline shown beside now
        self.watcher: Any = None
        self.master: TimeChart = self.constraint.by_period
        for c in self.time_charts():
            self._join_time_axis(c)
        self.apply_theme("light")

    # -- reach -------------------------------------------------------------------------------------
    @property
    def dora(self) -> DoraPanel:
        """The DORA panel (built on first use)."""
        return self.panel("dora")

    @property
    def flow(self) -> FlowPanel:
        """The flow panel (built on first use)."""
        return self.panel("flow")

    def panel(self, name: str) -> Any:
        """The panel called ``name``, built now if it was not yet."""
        if name not in self.panels:
            self._build(name)
        return self.panels[name]

    def _built(self) -> list[Any]:
        order = ("dora", "flow", "constraint", "stage_detail")
        return [self.panels[n] for n in order if n in self.panels]

    def _join_time_axis(self, c: TimeChart) -> None:
        if c is not self.master:
            c.setXLink(self.master)
        c.window_dragging.connect(lambda lo, hi, c=c: self._mirror_window(c, lo, hi))
        c.window_dragged.connect(self._on_window_dragged)

    def set_baseline(self, baseline: Any) -> None:
        """Show a saved baseline's DORA figures beside now (None: hide them)."""
        self.baseline = baseline
        if "dora" in self.panels:
            self._show_baseline(self.panels["dora"])

    def _show_baseline(self, panel: Any) -> None:
        if self.baseline is None:
            panel.set_baseline(None, None)
            return
        from ...analysis.baseline import baseline_values

        panel.set_baseline(baseline_values(self.baseline), self.baseline.name)

    def _build(self, name: str) -> None:
        """Create a lazily built panel and bring it up to date with the others."""
        panel = self._factories[name]()
        self.panels[name] = panel
        if name == "dora":
            self._show_baseline(panel)
        self._scrolls[name].setWidget(panel)
        if self.theme_name:
            theme = chart_theme(self.theme_name)
            panel.setStyleSheet(panel_style_sheet(theme))
            panel.apply_theme(theme)
        for c in panel.charts():
            c.project_path = self._project_path
        if self._extent is not None:  # limits first: the linked range must fit them
            for c in panel.time_charts():
                c.set_extent(*self._extent)
        if self.context is not None:
            panel.set_trends(self.context, period_axis(self.context))
        for c in panel.time_charts():
            self._join_time_axis(c)  # takes the master's x range at once
        if self.result is not None:
            panel.set_result(self.result)
        if self._window is not None:
            full = self._is_full(*self._window)
            for c in panel.time_charts():
                c.set_window(*self._window, full)

    def charts(self) -> list[Chart]:
        """Every chart of the panels built so far."""
        out: list[Chart] = []
        for p in self._built():
            out.extend(p.charts())
        return out

    def time_charts(self) -> list[TimeChart]:
        """The charts on the shared time axis (of the panels built so far)."""
        out: list[TimeChart] = []
        for p in self._built():
            out.extend(p.time_charts())
        return out

    def reveal(self, widget: QWidget) -> None:
        """Bring the dock holding ``widget`` to the front and scroll it into view."""
        for name, dock in self.docks.items():
            p = self.panels.get(name)
            if p is not None and (p.isAncestorOf(widget) or p is widget):
                dock.show()
                dock.raise_()
                QApplication.processEvents()
                scroll = dock.widget()
                if isinstance(scroll, QScrollArea):
                    QApplication.processEvents()
                    top_left = widget.mapTo(p, QPoint(0, 0))
                    view = scroll.viewport().size()
                    for bar, at, size, extent in (
                            (scroll.verticalScrollBar(), top_left.y(), widget.height(),
                             view.height()),
                            (scroll.horizontalScrollBar(), top_left.x(), widget.width(),
                             view.width())):
                        if at < bar.value() or at + size > bar.value() + extent:
                            bar.setValue(max(0, min(at - 10, at + size + 10 - extent)))
                return

    def set_project_path(self, fn: Any) -> None:
        """``fn() → path | None``: exports never overwrite the open project file."""
        self._project_path = fn
        for c in self.charts():
            c.project_path = fn

    # -- data ----------------------------------------------------------------------------------------
    def set_result(self, result: Any, context: Any = None) -> None:
        """Show an analysed window; trends from ``context`` (default: keep the current
        context if it has the same period, else the result itself)."""
        t0 = time.perf_counter()
        for step in self.result_steps(result, context):
            step()
        self.last_redraw_s = time.perf_counter() - t0

    def result_steps(self, result: Any, context: Any = None) -> list[Callable[[], None]]:
        """:meth:`set_result` as steps of one panel each, to run in order (the window runs
        one per turn of the event loop, so drawing 42k changes never blocks it for long)."""
        self.result = result
        built = self._built()
        steps: list[Callable[[], None]] = [partial(self._explain_empty, result)]
        steps += [partial(p.set_result, result) for p in built]
        if context is None and (self.context is None or not same_period(self.context, result)):
            context = result
        if context is not None:
            self.context = context
            axis = period_axis(context)
            steps += [partial(p.set_trends, context, axis) for p in built]
            steps.append(partial(self._set_extent, context, axis))
        w = window_seconds(result)
        if w is not None:
            steps.append(partial(self.set_window_seconds, *w))
        return steps

    def _explain_empty(self, result: Any) -> None:
        """Why a chart of this window would be empty, from the typed result (a DORA tile
        then says its own metric's reason)."""
        dq = getattr(result, "data_quality", None)
        flow = getattr(result, "flow", None)
        in_window = getattr(dq, "changes_in_window", None)
        finished = getattr(getattr(flow, "counts", None), "finished", None)
        if in_window == 0:
            reason = "no change in this window: choose a wider window"
        elif finished == 0:
            reason = "no change finished in this window"
        else:
            reason = "nothing of this kind measured in this window"
        for c in self.charts():
            c.empty_reason = reason

    def set_context(self, context: Any) -> None:
        """Trends over the whole measured span (a result without since/until)."""
        t0 = time.perf_counter()
        self._set_trends(context)
        if self._window is not None:
            self.set_window_seconds(*self._window)
        self.last_redraw_s = time.perf_counter() - t0

    def _set_trends(self, context: Any) -> None:
        self.context = context
        axis = period_axis(context)
        for p in self._built():
            p.set_trends(context, axis)
        self._set_extent(context, axis)

    def _set_extent(self, context: Any, axis: Any) -> None:
        """Every time chart's limits and the shared x range: the context's measured span."""
        extent = window_seconds(context)
        if extent is None and len(axis):
            extent = (float(axis.start_s[0]), float(axis.end_s[-1]))
        if extent is not None and extent != self._extent:
            self._extent = extent
            for c in self.time_charts():
                c.set_extent(*extent)
            pad = (extent[1] - extent[0]) * 0.01
            self.master.setXRange(extent[0] - pad, extent[1] + pad, padding=0)

    def clear(self) -> None:
        """No measurement (a project without data): every chart empty, every value a dash."""
        self.result = self.context = None
        self._extent = self._window = None
        for c in self.charts():
            c.clear_data("nothing measured yet: add a data source (Data ▸ Add repository…)")
        for p in self._built():
            p.clear()

    # -- the window ----------------------------------------------------------------------------------
    def set_window(self, since: pd.Timestamp | None, until: pd.Timestamp | None) -> None:
        """Highlight ``[since, until)`` (None = the edge of the data) on every time chart."""
        if self._extent is None:
            return
        lo = self._extent[0] if since is None else pd.Timestamp(since).value / 1e9
        hi = self._extent[1] if until is None else pd.Timestamp(until).value / 1e9
        self.set_window_seconds(lo, hi)

    def set_window_seconds(self, lo: float, hi: float) -> None:
        """Highlight ``[lo, hi)`` and show it with a band of context on each side (a quarter
        of the window, within the data): a year of five stays readable instead of a sliver
        at the right edge; the whole data when the window is all of it."""
        self._window = (lo, hi)
        full = self._is_full(lo, hi)
        for c in self.time_charts():
            c.set_window(lo, hi, full)
        if self._extent is not None:
            a, b = (self._extent if full else context_range(lo, hi, self._extent))
            pad = (b - a) * 0.01
            self.master.setXRange(a - pad, b + pad, padding=0)

    def _is_full(self, lo: float, hi: float) -> bool:
        return self._extent is None or (lo <= self._extent[0] + 1 and hi >= self._extent[1] - 1)

    def window(self) -> tuple[float, float] | None:
        """The highlighted window in UTC seconds."""
        return self._window

    def _mirror_window(self, source: TimeChart, lo: float, hi: float) -> None:
        for c in self.time_charts():
            if c is not source:
                c.set_window(lo, hi, False)

    def _on_window_dragged(self, lo: float, hi: float) -> None:
        lo_d = (lo // DAY_S) * DAY_S
        hi_d = -(-hi // DAY_S) * DAY_S
        if hi_d <= lo_d:
            hi_d = lo_d + DAY_S
        since: pd.Timestamp | None = _ts(lo_d)
        until: pd.Timestamp | None = _ts(hi_d)
        if self._extent is not None:
            if lo_d <= self._extent[0]:
                since = None
            if hi_d >= self._extent[1]:
                until = None
        self.window_requested.emit(since, until)

    # -- stage detail, guard rails, looks --------------------------------------------------------
    def select_stage(self, name: str | None) -> bool:
        """Show ``name``'s trend in the stage detail chart (False if it has no data)."""
        return self.stage_detail.set_stage(name)

    def show_metrics(self, keys: Any) -> list[str]:
        """Narrow the DORA tiles; refused with warnings if speed would show without
        stability (see :meth:`DoraPanel.show_metrics`)."""
        return self.dora.show_metrics(keys)

    def apply_theme(self, name: str) -> None:
        """Light or dark colours for every chart and panel."""
        if name == self.theme_name:
            return
        self.theme_name = name
        theme = chart_theme(name)
        qss = panel_style_sheet(theme)
        for p in self.panels.values():
            p.setStyleSheet(qss)
            p.apply_theme(theme)


def _same_key(a: tuple[Any, ...] | None, b: tuple[Any, ...] | None) -> bool:
    return a is not None and b is not None and a[0] is b[0] and a[1:] == b[1:]


def same_period(a: Any, b: Any) -> bool:
    """Whether two results are cut into the same kind of period."""
    pa = getattr(getattr(a, "options", None), "period", None)
    pb = getattr(getattr(b, "options", None), "period", None)
    return pa == pb


class _WindowWatcher(QObject):
    """Calls back when the window's palette or style changes (a theme switch) and once when
    it is first shown."""

    def __init__(self, target: QObject, on_theme: Any, on_first_show: Any) -> None:
        super().__init__(target)
        self._on_theme = on_theme
        self._on_first_show = on_first_show
        target.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        t = event.type()
        if t in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange,
                 QEvent.Type.StyleChange):
            self._on_theme()
        elif t == QEvent.Type.Show and self._on_first_show is not None:
            first, self._on_first_show = self._on_first_show, None
            QTimer.singleShot(0, self, first)
        return False


class _Wiring(QObject):
    """The connections between window, controller and dashboards (kept alive by parent)."""

    def __init__(self, window: Any, controller: Any, dashboards: Dashboards) -> None:
        super().__init__(dashboards)
        self.window = window
        self.controller = controller
        self.dash = dashboards
        self._editor: Any = None
        self._map: Any = None
        self._context_key: tuple[Any, ...] | None = None  # (prepared, period, band year)
        self._context_task: Any = None
        self._context_pending = False
        # a new result is drawn after the map's overlay, one panel per event-loop turn: the
        # charts of 42k changes (~60 ms at first) never make one long GUI-thread event
        self._pending_result: Any = None
        self._steps: list[Callable[[], None]] = []  # of the result being drawn, in order
        self._draw_timer = QTimer(self)
        self._draw_timer.setSingleShot(True)
        self._draw_timer.setInterval(0)
        self._draw_timer.timeout.connect(self._next_step)

    # -- controller -----------------------------------------------------------------------------
    def on_result(self, result: Any) -> None:
        """A new result: drawn from the next turn of the event loop on, one panel per turn
        (the newest result wins over one still being drawn)."""
        self._pending_result = result
        self._steps = []
        self._draw_timer.start()

    def is_drawing(self) -> bool:
        """A result is waiting to be drawn, or drawn in part."""
        return self._pending_result is not None or bool(self._steps)

    def flush(self) -> None:
        """Draw now what is still waiting for its turn."""
        self._draw_timer.stop()
        self._take_pending()
        steps, self._steps = self._steps, []
        for step in steps:
            step()

    def _next_step(self) -> None:
        self._take_pending()
        if self._steps:
            self._steps.pop(0)()
        if self._steps:
            self._draw_timer.start()

    def _take_pending(self) -> None:
        result, self._pending_result = self._pending_result, None
        if result is not None:
            self._steps = self._result_steps(result)

    def _result_steps(self, result: Any) -> list[Callable[[], None]]:
        opts = getattr(result, "options", None)
        whole = opts is None or (opts.since is None and opts.until is None)
        if whole:
            self._context_key = self._key(result)
            return self.dash.result_steps(result, context=result)
        steps = self.dash.result_steps(result)
        if not _same_key(self._key(result), self._context_key) or self.dash.context is None:
            steps.append(self._start_context)
        return steps

    def _key(self, result: Any) -> tuple[Any, ...]:
        """What the whole-span context depends on: the prepared data (the object itself), the
        period and the band year."""
        data = getattr(self.controller, "data", None)
        opts = getattr(result, "options", None)
        return (getattr(data, "prepared", None), getattr(opts, "period", None),
                getattr(opts, "band_year", None))

    def _start_context(self) -> None:
        data = getattr(self.controller, "data", None)
        if data is None:
            return
        if self._context_task is not None and self._context_task.is_running():
            self._context_pending = True
            return
        from ...analysis.engine import analyze_window
        from ..workers import Task

        prepared = data.prepared
        options = replace(self.controller.options(), since=None, until=None)
        key = (prepared, options.period, options.band_year)
        task = Task(lambda progress, cancelled: analyze_window(prepared, options), self)

        def done(context: Any, key: tuple[Any, ...] = key) -> None:
            current = self.dash.result
            if current is not None and not _same_key(self._key(current), key):
                return  # the data or period changed meanwhile: _context_done starts anew
            self._context_key = key
            self.dash.set_context(context)

        task.finished.connect(done)
        task.done.connect(self._context_done)
        self._context_task = task
        task.start()

    def _context_done(self) -> None:
        result = self.dash.result
        stale = result is not None and not _same_key(self._key(result), self._context_key)
        if self._context_pending or stale:
            self._context_pending = False
            if stale:
                self._start_context()

    def wait(self, timeout_ms: int = 30_000) -> None:
        """Draw the waiting result and let the whole-span context worker finish."""
        self.flush()
        if self._context_task is not None:
            self._context_task.wait(timeout_ms)

    def on_window(self, since: Any, until: Any) -> None:
        self.dash.set_window(since, until)

    def on_window_requested(self, since: Any, until: Any) -> None:
        if since != self.controller.since or until != self.controller.until:
            self.controller.set_window(since, until)

    def on_project(self, _project: Any) -> None:
        """Another project: nothing measured yet, so no charts of the old one."""
        self._draw_timer.stop()
        self._pending_result = None
        self._steps = []
        self._context_key = None
        self.dash.clear()
        self.follow_editor()

    def on_measured(self, _data: Any) -> None:
        self._context_key = None  # new data: the next window result refreshes the context

    # -- the map's selection ----------------------------------------------------------------------
    def follow_editor(self, *_: Any) -> None:
        editor = self.window.current_editor() if hasattr(self.window, "current_editor") \
            else None
        if editor is self._editor:
            return
        if self._editor is not None:
            try:
                self._editor.selection_changed.disconnect(self.on_selection)
            except (RuntimeError, TypeError):
                pass  # the editor's tab is already gone
        self._editor = editor
        if editor is not None:
            editor.selection_changed.connect(self.on_selection)
        self.follow_map(editor.map if editor is not None else None)

    def follow_map(self, vsm_map: Any) -> None:
        if vsm_map is self._map:
            return
        if self._map is not None:
            self._map.stage_changed.disconnect(self.on_stage_changed)
        self._map = vsm_map
        if vsm_map is not None:
            vsm_map.stage_changed.connect(self.on_stage_changed)
        self.dash.stage_detail.set_map(vsm_map)

    def on_stage_changed(self, *_: Any) -> None:
        self.dash.stage_detail.set_map(self._map)  # estimates may have changed

    def on_selection(self) -> None:
        editor = self._editor
        if editor is None:
            return
        ids = editor.scene.selected_stage_ids()
        if len(ids) != 1 or not editor.map.has_stage(ids[0]):
            return
        self.dash.select_stage(editor.map.stage(ids[0]).name)

    def on_theme(self) -> None:
        self.dash.apply_theme(getattr(self.window, "theme", "light") or "light")


def _no_saved_layout() -> bool:
    from .. import settings

    try:
        return bool(settings.get(settings.WINDOW_STATE).isEmpty())
    except Exception:  # noqa: BLE001 - no settings (a bare window in a test)
        return True


def _first_layout(window: Any, dash: Dashboards) -> None:
    """No remembered layout: about 60 % of the bottom width for the constraint, DORA and flow
    tabs, 40 % for the stage detail beside them."""
    if not hasattr(window, "resizeDocks"):
        return
    d = dash.docks
    total = d["constraint"].width() + d["stage_detail"].width()
    if total > 0:
        window.resizeDocks([d["constraint"], d["stage_detail"]],
                           [round(total * 0.6), round(total * 0.4)], Qt.Orientation.Horizontal)


def context_range(lo: float, hi: float, extent: tuple[float, float],
                  share: float = 0.25) -> tuple[float, float]:
    """The x range that shows the window ``[lo, hi)`` with ``share`` of its width as context
    on each side, kept within the data's ``extent``."""
    band = (hi - lo) * share
    return max(extent[0], lo - band), min(extent[1], hi + band)


def install_dashboards(window: Any, controller: Any) -> Dashboards:
    """Add the dashboard docks to ``window`` and connect them to ``controller``.

    ``window`` needs ``add_dock(dock, area, tabify_with)`` (and, for the stage detail, the
    main window's ``current_editor()`` and ``current_map_changed``); ``controller`` is a
    :class:`~vsm_app.ui.measure.MeasurementController`. Returns the :class:`Dashboards`,
    also set as ``window.dashboards`` when the window has none (``dashboards.wiring`` holds
    the connections).
    """
    existing = getattr(window, "dashboards", None)
    if isinstance(existing, Dashboards):  # installed once per window
        return existing
    dash = Dashboards(window)
    bottom = Qt.DockWidgetArea.BottomDockWidgetArea
    d = dash.docks
    window.add_dock(d["constraint"], bottom)
    window.add_dock(d["stage_detail"], bottom)
    if hasattr(window, "splitDockWidget"):
        # split before tabifying: a dock split off a tab group would join the group instead
        window.splitDockWidget(d["constraint"], d["stage_detail"], Qt.Orientation.Horizontal)
    window.add_dock(d["dora"], bottom, d["constraint"])
    window.add_dock(d["flow"], bottom, d["dora"])
    d["constraint"].raise_()  # the dashboard leads with the one current constraint
    dash.set_project_path(lambda: getattr(window, "path", None))

    wiring = _Wiring(window, controller, dash)
    dash.wiring = wiring
    if getattr(window, "dashboards", None) is None:
        window.dashboards = dash  # reachable by the window's other features and by tests
    controller.result_changed.connect(wiring.on_result)
    controller.window_changed.connect(wiring.on_window)
    controller.measured.connect(wiring.on_measured)
    dash.window_requested.connect(wiring.on_window_requested)
    if hasattr(window, "current_map_changed"):
        window.current_map_changed.connect(wiring.follow_editor)
    if hasattr(window, "project_changed"):
        window.project_changed.connect(wiring.on_project)
    wiring.follow_editor()
    wiring.on_theme()
    dash.watcher = _WindowWatcher(
        window, wiring.on_theme, lambda: _first_layout(window, dash) if _no_saved_layout()
        else None)
    if getattr(controller, "result", None) is not None:
        wiring.on_result(controller.result)
        wiring.flush()
    return dash
