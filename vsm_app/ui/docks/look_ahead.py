"""The "Look ahead" dock (issue 19): cycle-time scatter, aging WIP, cumulative flow and the
Monte Carlo forecast of the measured stream, as tabs of one dock.

:func:`install_look_ahead` is the one call the main window makes::

    look_ahead = install_look_ahead(window, controller)

It adds ``dock.look_ahead`` at the bottom, tabified with the flow dashboard, and wires it:

* ``controller.measured`` / ``controller.result_changed`` → the units of flow are built from
  the prepared data (:func:`~vsm_app.analysis.flow_analytics.change_units`, once per
  measurement) and the scatter, aging view and CFD of the analysed window computed, in a
  worker (:class:`~vsm_app.ui.workers.LatestTask`: the newest request wins); only drawing
  runs on the GUI thread;
* the forecast runs in its own worker whenever its question, sample or trials change;
* the team's service level expectation is edited in the scatter tab and stored in the
  project (``settings.sle_share``/``sle_within_s``) through :class:`SetServiceLevelCommand`,
  one undoable edit;
* the measured map's WIP limits (``Stage.wip_limit``) are checked against the CFD's daily
  stage WIP and shown in the aging and CFD tabs, linked to the constraint.

The unit of flow is a parameter of every computation (``FlowUnits``): the titles and the
sentences take its noun.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from PySide6.QtCore import QDate, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDockWidget,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...analysis.flow_analytics import (
    DEFAULT_SAMPLE_DAYS,
    DEFAULT_TRIALS,
    CumulativeFlow,
    CycleTimeScatter,
    FlowUnits,
    Forecast,
    ServiceLevel,
    WipLimitCheck,
    aging_wip,
    check_wip_limits,
    cumulative_flow,
    cycle_time_scatter,
    forecast_how_many,
    forecast_when,
    measured_stages,
    throughput_sample,
    wip_limits_of,
)
from ...analysis.flow_analytics.aging import AgingWip
from ...report import look_ahead as sentences
from ...report.look_ahead import project_sle, sample_text, wip_badge_text
from ..charts import chart_theme, panel_style_sheet
from ..charts.look_ahead import AgingChart, CfdChart, ForecastChart, ScatterChart
from ..workers import LatestTask

#: the stand-up list shows at most this many units
STANDUP_ROWS = 12


# -- the project's SLE ----------------------------------------------------------------------

class SetServiceLevelCommand(QUndoCommand):
    """Set (or clear, ``sle=None``) the project's service level expectation; ``on_change``
    is called after redo and undo so the views show the current one."""

    def __init__(self, project: Any, sle: ServiceLevel | None, on_change: Any = None) -> None:
        super().__init__(f"Set service level expectation to {sle}" if sle else
                         "Clear service level expectation")
        self.project = project
        s = project.settings
        self.before = (s.sle_share, s.sle_within_s)
        self.after = (sle.share, sle.within_s) if sle is not None else (None, None)
        self.on_change = on_change

    def _put(self, value: tuple[float | None, float | None]) -> None:
        self.project.settings.sle_share, self.project.settings.sle_within_s = value
        if self.on_change is not None:
            self.on_change()

    def redo(self) -> None:
        self._put(self.after)

    def undo(self) -> None:
        self._put(self.before)


# -- what the views show (Qt-free, computed in a worker) -----------------------------------

@dataclass
class LookAheadData:
    """The scatter, aging view, CFD and WIP-limit checks of one window."""

    units: FlowUnits
    scatter: CycleTimeScatter
    aging: AgingWip
    cfd: CumulativeFlow
    limits: list[WipLimitCheck] = field(default_factory=list)


def compute_look_ahead(units: FlowUnits, since: Any = None, until: Any = None,
                       sle: ServiceLevel | None = None, vsm_map: Any = None,
                       constraint: str | None = None,
                       constraint_share: float | None = None) -> LookAheadData:
    """Every look-ahead view of ``[since, until)`` over ``units`` (docs/metrics.md §14)."""
    limits = wip_limits_of(vsm_map)
    sc = cycle_time_scatter(units, since, until, sle=sle)
    ag = aging_wip(units, since=since, until=until, sle=sle, wip_limits=limits)
    cfd = cumulative_flow(units, since, until)
    checks = check_wip_limits(cfd, limits, measured_stages(units),
                              constraint, constraint_share) if limits else []
    return LookAheadData(units, sc, ag, cfd, checks)


def build_units(data: Any) -> FlowUnits:
    """The units of flow of a measurement (:class:`~vsm_app.services.measure.MeasuredData`):
    its work items when the project measures flow on items (issue 18), else its changes."""
    from ...analysis.flow_analytics import change_units

    if getattr(data.prepared, "items", None) is not None:
        from ...analysis.items import item_units

        return item_units(data.prepared)
    return change_units(data.prepared, data.tables.changes)


# -- the panel ---------------------------------------------------------------------------------

def _hint(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    return label


def _summary() -> QLabel:
    label = QLabel("")
    label.setObjectName("flowSummary")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    return label


class LookAheadPanel(QWidget):
    """The four look-ahead tabs (see the module docstring).

    Signals
    -------
    sle_edited(object)
        The user entered a service level expectation (a :class:`ServiceLevel`, or None to
        clear it).
    forecast_requested()
        The forecast's question, sample or trials changed.
    """

    sle_edited = Signal(object)
    forecast_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("flowPanel")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.noun = "changes"
        self.tabs = QTabWidget()
        self.tabs.setObjectName("lookAheadTabs")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.addWidget(self.tabs)

        # cycle time
        page = QWidget()
        v = QVBoxLayout(page)
        row = QHBoxLayout()
        row.addWidget(QLabel("Service level expectation:"))
        self.sle_edit = QLineEdit()
        self.sle_edit.setObjectName("sleEdit")
        self.sle_edit.setPlaceholderText("e.g. 85% within 5 days (empty: none)")
        self.sle_edit.setMaximumWidth(260)
        self.sle_edit.setToolTip("The team's promise: a share of finished work and a calendar "
                                 "duration, stored in the project (undoable)")
        self.sle_edit.editingFinished.connect(self._on_sle_entered)
        row.addWidget(self.sle_edit)
        self.sle_error = _hint()
        row.addWidget(self.sle_error, 1)
        v.addLayout(row)
        self.scatter_summary = _summary()
        v.addWidget(self.scatter_summary)
        self.scatter = ScatterChart()
        v.addWidget(self.scatter, 1)
        self.tabs.addTab(page, "Cycle time")

        # aging
        page = QWidget()
        v = QVBoxLayout(page)
        self.aging_summary = _summary()
        v.addWidget(self.aging_summary)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.aging = AgingChart()
        split.addWidget(self.aging)
        side = QWidget()
        sv = QVBoxLayout(side)
        sv.setContentsMargins(0, 0, 0, 0)
        head = QLabel("To talk about at stand-up")
        head.setObjectName("groupHeading")
        sv.addWidget(head)
        self.standup = QListWidget()
        self.standup.setObjectName("standupList")
        self.standup.setWordWrap(True)
        sv.addWidget(self.standup, 1)
        split.addWidget(side)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        v.addWidget(split, 1)
        self.aging_limits = _hint()
        v.addWidget(self.aging_limits)
        self.tabs.addTab(page, "Aging WIP")

        # cumulative flow
        page = QWidget()
        v = QVBoxLayout(page)
        self.cfd_summary = _summary()
        v.addWidget(self.cfd_summary)
        self.cfd = CfdChart()
        v.addWidget(self.cfd, 1)
        self.cfd_limits = _hint()
        v.addWidget(self.cfd_limits)
        self.tabs.addTab(page, "Cumulative flow")

        # forecast
        page = QWidget()
        v = QVBoxLayout(page)
        grid = QGridLayout()
        self.question = QComboBox()
        self.question.setObjectName("forecastQuestion")
        self.question.addItem("When will N be done?", "when")
        self.question.addItem("How many by a date?", "how_many")
        self.items = QSpinBox()
        self.items.setObjectName("forecastItems")
        self.items.setRange(1, 1_000_000)
        self.items.setValue(20)
        self.by = QDateEdit()
        self.by.setObjectName("forecastBy")
        self.by.setCalendarPopup(True)
        self.by.setDisplayFormat("d MMM yyyy")
        self.since = QDateEdit()
        self.since.setObjectName("forecastSince")
        self.since.setCalendarPopup(True)
        self.since.setDisplayFormat("d MMM yyyy")
        self.since.setToolTip("The first day of the throughput sample (default: 90 days "
                              "ending with the last finish)")
        self.since_default = QPushButton("Default sample")
        self.since_default.setToolTip(f"The {DEFAULT_SAMPLE_DAYS} days that end with the "
                                      f"last finish")
        self.trials = QSpinBox()
        self.trials.setObjectName("forecastTrials")
        self.trials.setRange(100, 1_000_000)
        self.trials.setSingleStep(1000)
        self.trials.setValue(DEFAULT_TRIALS)
        self.items_label = QLabel("N:")
        self.by_label = QLabel("Date:")
        # two pairs a row (a narrow dock beside the map must not widen the window)
        grid.addWidget(QLabel("Question:"), 0, 0)
        grid.addWidget(self.question, 0, 1)
        grid.addWidget(QLabel("Trials:"), 0, 2)
        grid.addWidget(self.trials, 0, 3)
        grid.addWidget(self.items_label, 1, 0)
        grid.addWidget(self.items, 1, 1)
        grid.addWidget(self.by_label, 1, 2)
        grid.addWidget(self.by, 1, 3)
        grid.addWidget(QLabel("Sample from:"), 2, 0)
        grid.addWidget(self.since, 2, 1)
        grid.addWidget(self.since_default, 2, 2, 1, 2)
        grid.setColumnStretch(4, 1)
        v.addLayout(grid)
        self.forecast_answer = _summary()
        self.forecast_answer.setObjectName("forecastAnswer")
        v.addWidget(self.forecast_answer)
        self.forecast_sample = _hint()
        v.addWidget(self.forecast_sample)
        self.forecast_warnings = QLabel("")
        self.forecast_warnings.setObjectName("stabilityWarning")
        self.forecast_warnings.setWordWrap(True)
        self.forecast_warnings.hide()
        v.addWidget(self.forecast_warnings)
        self.forecast = ForecastChart()
        v.addWidget(self.forecast, 1)
        self.tabs.addTab(page, "Forecast")
        self.sample_since_custom = False
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.forecast_requested)
        self.question.currentIndexChanged.connect(self._on_question)
        for w in (self.items, self.trials):
            w.valueChanged.connect(lambda *_: self._debounce.start())
        self.by.dateChanged.connect(lambda *_: self._debounce.start())
        self.since.dateChanged.connect(self._on_since_edited)
        self.since_default.clicked.connect(self._on_since_default)
        self._setting = False
        self._on_question()

    # -- charts --------------------------------------------------------------------------------
    def charts(self) -> list[Any]:
        return [self.scatter, self.aging, self.cfd, self.forecast]

    def apply_theme(self, name: str) -> None:
        theme = chart_theme(name)
        self.setStyleSheet(panel_style_sheet(theme))
        for c in self.charts():
            c.apply_theme(theme)

    # -- SLE -----------------------------------------------------------------------------------
    def show_sle(self, sle: ServiceLevel | None) -> None:
        self.sle_edit.setText(str(sle) if sle is not None else "")
        self.sle_error.setText("")

    def _on_sle_entered(self) -> None:
        text = self.sle_edit.text().strip()
        if not text:
            self.sle_error.setText("")
            self.sle_edited.emit(None)
            return
        try:
            sle = ServiceLevel.parse(text)
        except ValueError as e:
            self.sle_error.setText(str(e))
            return
        self.sle_error.setText("")
        self.sle_edited.emit(sle)

    # -- forecast controls ---------------------------------------------------------------------
    def _on_question(self) -> None:
        when = self.question.currentData() == "when"
        self.items.setEnabled(when)
        self.items_label.setEnabled(when)
        self.by.setEnabled(not when)
        self.by_label.setEnabled(not when)
        self._debounce.start()

    def _on_since_edited(self) -> None:
        if not self._setting:
            self.sample_since_custom = True
            self._debounce.start()

    def _on_since_default(self) -> None:
        self.sample_since_custom = False
        self._debounce.start()

    def forecast_question(self) -> dict[str, Any]:
        """What to forecast: question, items or by, sample since (None: default), trials."""
        q = self.question.currentData()
        by = pd.Timestamp(self.by.date().toString("yyyy-MM-dd"), tz="UTC")
        since = (pd.Timestamp(self.since.date().toString("yyyy-MM-dd"), tz="UTC")
                 if self.sample_since_custom else None)
        return {"question": q, "items": int(self.items.value()), "by": by, "since": since,
                "trials": int(self.trials.value())}

    def _set_date(self, edit: QDateEdit, ts: pd.Timestamp) -> None:
        self._setting = True
        try:
            edit.setDate(QDate(ts.year, ts.month, ts.day))
        finally:
            self._setting = False

    # -- data ----------------------------------------------------------------------------------
    def clear(self) -> None:
        for c in self.charts():
            c.set_data(None)
        for label in (self.scatter_summary, self.aging_summary, self.cfd_summary,
                      self.forecast_answer, self.forecast_sample, self.aging_limits,
                      self.cfd_limits):
            label.setText("")
        self.forecast_warnings.hide()
        self.standup.clear()
        self.scatter_summary.setText("Nothing measured yet: add a data source to see the "
                                     "look-ahead views.")

    def set_noun(self, noun: str) -> None:
        self.noun = noun
        for c in self.charts():
            if hasattr(c, "set_noun"):
                c.set_noun(noun)
            else:
                c.noun = noun

    def set_data(self, d: LookAheadData) -> None:
        noun = d.units.noun
        self.set_noun(noun)
        self.scatter.set_data(d.scatter)
        self.scatter_summary.setText(scatter_text(d.scatter, noun))
        limits = {c.stage: c.days_over for c in d.limits}
        self.aging.set_data(d.aging, limits)
        self.aging_summary.setText(aging_text(d.aging, noun))
        self.standup.clear()
        for line in standup_lines(d.aging, d.limits):
            self.standup.addItem(line)
        breaches = " ".join(c.sentence for c in d.limits)
        self.aging_limits.setText(breaches)
        self.cfd.set_data(d.cfd)
        self.cfd_summary.setText(cfd_text(d.cfd, noun))
        self.cfd_limits.setText(breaches)

    def set_forecast(self, fc: Forecast | None, error: str = "") -> None:
        self.forecast.noun = self.noun
        self.forecast.set_data(fc)
        if fc is None:
            self.forecast_answer.setText(error)
            self.forecast_sample.setText("")
            self.forecast_warnings.hide()
            return
        s = fc.sample
        if not self.sample_since_custom:
            self._set_date(self.since, s.since)
        self.forecast_answer.setText(forecast_text(fc, self.noun))
        self.forecast_sample.setText(sample_text(fc, self.noun))
        if fc.warnings:
            self.forecast_warnings.setText("⚠ " + "\n⚠ ".join(
                w[0].upper() + w[1:] for w in fc.warnings))
            self.forecast_warnings.show()
        else:
            self.forecast_warnings.hide()

    def set_forecast_defaults(self, last_finish: pd.Timestamp) -> None:
        """A new measurement: "by" a month after the last finish, sample by default."""
        self._set_date(self.by, last_finish + pd.Timedelta(days=30))
        self.sample_since_custom = False


# -- sentences (shared with the report: vsm_app.report.look_ahead) ---------------------------

def _b(text: str) -> str:
    return f"<b>{text}</b>"


def scatter_text(sc: CycleTimeScatter, noun: str) -> str:
    text = sentences.scatter_text(sc, noun, _b)
    return text + (f"<br>{sc.sle.sentence}" if sc.sle is not None else "")


def aging_text(ag: AgingWip, noun: str) -> str:
    return sentences.aging_text(ag, noun, _b) + \
        " Bands: each stage's stays p50 / p85 / p95; ringed: past the SLE."


def standup_lines(ag: AgingWip, limits: list[WipLimitCheck]) -> list[str]:
    return sentences.standup_lines(ag, STANDUP_ROWS)


def cfd_text(cfd: CumulativeFlow, noun: str) -> str:
    return sentences.cfd_text(cfd, noun, _b)


def forecast_text(fc: Forecast, noun: str) -> str:
    return sentences.forecast_text(fc, noun, _b)


WIP_TIP = "\n\n— WIP limit —\n"


# -- wiring ---------------------------------------------------------------------------------------

class LookAhead(QObject):
    """The dock, its panel and the workers that feed it (see the module docstring)."""

    def __init__(self, window: Any, controller: Any) -> None:
        super().__init__(window)
        self.window = window
        self.controller = controller
        self.panel = LookAheadPanel()
        self.dock = QDockWidget("Look ahead", window)
        self.dock.setObjectName("dock.look_ahead")
        self.dock.setWidget(self.panel)
        self.units: FlowUnits | None = None
        self._units_of: Any = None  # the prepared data the units were built from
        self.data: LookAheadData | None = None
        self.forecast: Forecast | None = None
        self._views = LatestTask(self)
        self._views.finished.connect(self._on_views)
        self._views.failed.connect(lambda msg, _d: self.panel.scatter_summary.setText(msg))
        self._forecasts = LatestTask(self)
        self._forecasts.finished.connect(self._on_forecast)
        self._forecasts.failed.connect(lambda msg, _d: self.panel.set_forecast(None, msg))
        self._watched_map: Any = None
        self._map_edit = QTimer(self)  # a WIP limit edited on the map: check again, once
        self._map_edit.setSingleShot(True)
        self._map_edit.setInterval(300)
        self._map_edit.timeout.connect(self.refresh)
        self.panel.sle_edited.connect(self.set_sle)
        self.panel.forecast_requested.connect(self.request_forecast)
        self.panel.clear()

    # -- state ---------------------------------------------------------------------------------
    def project(self) -> Any:
        return getattr(self.window, "project", None) or getattr(self.controller, "project",
                                                                 None)

    def sle(self) -> ServiceLevel | None:
        return project_sle(self.project())

    def set_sle(self, sle: ServiceLevel | None) -> None:
        """Store the SLE in the project as one undoable edit (nothing when unchanged)."""
        project = self.project()
        if project is None:
            return
        cur = self.sle()
        if (cur is None and sle is None) or (cur is not None and sle is not None and
                                             math.isclose(cur.share, sle.share) and
                                             math.isclose(cur.within_s, sle.within_s)):
            self.panel.show_sle(cur)
            return
        cmd = SetServiceLevelCommand(project, sle, self.on_sle_changed)
        stack = getattr(self.window, "undo_stack", None)
        if stack is not None:
            stack.push(cmd)
        else:
            cmd.redo()

    def on_sle_changed(self) -> None:
        self.panel.show_sle(self.sle())
        self.refresh()

    def on_project(self, *_: Any) -> None:
        self.units = self._units_of = self.data = self.forecast = None
        self.panel.clear()
        self.panel.show_sle(self.sle())

    # -- computing -------------------------------------------------------------------------------
    def refresh(self, *_: Any) -> None:
        """Recompute the views of the controller's window (in a worker)."""
        data = getattr(self.controller, "data", None)
        if data is None:
            return
        since, until = self.controller.since, self.controller.until
        sle = self.sle()
        vsm_map = getattr(self.controller, "vsm_map", None)
        self._watch(vsm_map)
        result = getattr(self.controller, "result", None)
        bn = getattr(result, "bottleneck", None)
        constraint = getattr(bn, "stage", None)
        share = getattr(bn, "share", None)
        prepared = data.prepared
        cached = self.units if self._units_of is prepared else None

        def make() -> Any:
            def run(progress: Any, cancelled: Any) -> Any:
                units = cached if cached is not None else build_units(data)
                return prepared, compute_look_ahead(units, since, until, sle, vsm_map,
                                                    constraint, share)
            return run

        self._views.request(make)

    def _watch(self, vsm_map: Any) -> None:
        if vsm_map is self._watched_map:
            return
        if self._watched_map is not None:
            try:
                self._watched_map.stage_changed.disconnect(self._on_stage_changed)
            except (RuntimeError, TypeError, ValueError):
                pass
        self._watched_map = vsm_map
        if vsm_map is not None:
            vsm_map.stage_changed.connect(self._on_stage_changed)

    def _on_stage_changed(self, *_: Any) -> None:
        self._map_edit.start()

    def _on_views(self, out: Any) -> None:
        prepared, d = out
        new_units = self._units_of is not prepared
        self.units, self._units_of, self.data = d.units, prepared, d
        self.panel.set_data(d)
        self.show_badges()
        if new_units:
            fin = d.units.finish_ns
            known = fin[fin != -9223372036854775808]
            if len(known):
                self.panel.set_forecast_defaults(pd.Timestamp(int(known.max()), tz="UTC")
                                                 .normalize())
            self.request_forecast()

    def show_badges(self) -> None:
        """The WIP-limit chips on the measured map's stages (every editor: the others get
        none)."""
        editors = getattr(self.window, "editors", lambda: [])()
        vsm_map = getattr(self.controller, "vsm_map", None)
        data = getattr(self.controller, "data", None)
        badges: dict[str, tuple[str, bool, str]] = {}
        if self.data is not None and data is not None and vsm_map is not None:
            ids = {sp.name: sp.stage_id for sp in data.prepared.specs if sp.stage_id}
            for c in self.data.limits:
                if c.stage in ids:
                    badges[ids[c.stage]] = (*wip_badge_text(c), c.sentence)
        for ed in editors:
            mine = vsm_map is not None and ed.map.id == vsm_map.id
            for item in ed.scene.stage_items():
                b = badges.get(item.model_id) if mine else None
                item.set_wip_badge(b[0] if b else None, b[1] if b else False)
                if hasattr(item, "setToolTip"):
                    tip = item.toolTip().split(WIP_TIP)[0]
                    item.setToolTip(tip + WIP_TIP + b[2] if b else tip)

    def request_forecast(self) -> None:
        units = self.units
        if units is None:
            return
        q = self.panel.forecast_question()

        def make() -> Any:
            def run(progress: Any, cancelled: Any) -> Any:
                sample = throughput_sample(units, since=q["since"])
                if q["question"] == "when":
                    return forecast_when(sample, q["items"], trials=q["trials"])
                return forecast_how_many(sample, q["by"], trials=q["trials"])
            return run

        self._forecasts.request(make)

    def _on_forecast(self, fc: Forecast) -> None:
        self.forecast = fc
        self.panel.set_forecast(fc)

    def wait(self, timeout_ms: int = 30_000) -> None:
        """Let the workers finish (tests, exports)."""
        from PySide6.QtWidgets import QApplication

        for _ in range(3):
            self._views.wait(timeout_ms)
            QApplication.processEvents()
            self._forecasts.wait(timeout_ms)
            QApplication.processEvents()

    def on_theme(self) -> None:
        self.panel.apply_theme(getattr(self.window, "theme", "light") or "light")


def install_look_ahead(window: Any, controller: Any) -> LookAhead:
    """Add the look-ahead dock to ``window`` (tabbed with the flow dashboard when there is
    one) and connect it to ``controller``; also set as ``window.look_ahead``."""
    existing = getattr(window, "look_ahead", None)
    if isinstance(existing, LookAhead):
        return existing
    la = LookAhead(window, controller)
    dash = getattr(window, "dashboards", None)
    tab_with = dash.docks.get("flow") if dash is not None else None
    window.add_dock(la.dock, Qt.DockWidgetArea.BottomDockWidgetArea, tab_with)
    window.look_ahead = la
    la.panel.scatter.project_path = la.panel.aging.project_path = \
        la.panel.cfd.project_path = la.panel.forecast.project_path = \
        (lambda: getattr(window, "path", None))
    controller.result_changed.connect(la.refresh)
    if hasattr(window, "project_changed"):
        window.project_changed.connect(la.on_project)
    la.on_project()
    la.on_theme()
    from .dashboards import _WindowWatcher

    la.watcher = _WindowWatcher(window, la.on_theme, None)
    if getattr(controller, "result", None) is not None:
        la.refresh()
    return la


__all__ = ["LookAhead", "LookAheadData", "LookAheadPanel", "SetServiceLevelCommand",
           "compute_look_ahead", "install_look_ahead", "project_sle"]
