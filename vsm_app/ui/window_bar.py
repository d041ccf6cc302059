"""The window bar: which stretch of time the overlay, the ladder and the charts measure.

A superqt ``QRangeSlider`` spans the data extent in whole UTC days; quick buttons pick the last
30 days, the last quarter (13 weeks), the last year or everything; a combo picks the period
(day, week, month) of the per-period figures. The bar only forwards the choice to the
:class:`~vsm_app.ui.measure.MeasurementController` (``set_window`` / ``set_period``), which
re-analyses in a worker and coalesces requests; while the handles are dragged the bar sends
the window at most every :data:`DRAG_INTERVAL_MS` so the map follows the hand. It holds no
window of its own: it shows the controller's, and follows it when something else (a chart's
range selector) changes it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QAction, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QWidget,
)
from superqt import QRangeSlider

from ..metrics import format as fmt

#: while a handle is dragged, the newest window is sent at most this often
DRAG_INTERVAL_MS = 120
PERIODS = (("day", "Day"), ("week", "Week"), ("month", "Month"))
#: quick windows: button text → days back from the end of the data
QUICK_WINDOWS = (("Last 30 days", 30), ("Last quarter", 91), ("Last year", 365))
DAY = pd.Timedelta(days=1)


class _ElidedLabel(QLabel):
    """One line, elided with "…" when narrower than its text (the whole text in the tip)."""

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return QSize(40, super().minimumSizeHint().height())

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        r = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight,
                                             r.width())
        p.setPen(self.palette().color(self.foregroundRole()))
        p.drawText(r, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)


class WindowBar(QWidget):
    """Window (range slider + quick buttons) and period of the measurement.

    Parameters
    ----------
    controller
        The window's measurement controller.
    show_measured
        The checkable "Show measured" action, shown as the bar's first button.
    """

    def __init__(self, controller: Any, show_measured: QAction | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("windowBar")
        self.controller = controller
        self._extent: tuple[pd.Timestamp, pd.Timestamp] | None = None
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 2, 6, 2)
        lay.setSpacing(6)
        if show_measured is not None:
            self.show_button = QToolButton()
            self.show_button.setDefaultAction(show_measured)
            self.show_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            lay.addWidget(self.show_button)
        title = QLabel("Window")
        title.setObjectName("windowBarTitle")
        lay.addWidget(title)
        self.slider = QRangeSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("windowSlider")
        self.slider.setMinimumWidth(80)
        self.slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.slider.setToolTip("Drag the handles to choose the window the map and charts "
                               "measure (whole days)")
        lay.addWidget(self.slider, 1)
        self.range_label = _ElidedLabel("—")
        self.range_label.setObjectName("windowLabel")
        # fits 1024 px wide windows: the label may be cut, never the window's minimum width
        self.range_label.setMinimumWidth(40)
        self.range_label.setSizePolicy(QSizePolicy.Policy.Preferred,
                                       QSizePolicy.Policy.Preferred)
        lay.addWidget(self.range_label, 1)
        self.quick_buttons: dict[str, QToolButton] = {}
        for text, days in QUICK_WINDOWS:
            b = QToolButton()
            # short on the button (the bar fits a 1024 px window), whole in the tip
            b.setText(text.removeprefix("Last ").capitalize())
            b.setToolTip(f"{text} of the data")
            b.setAccessibleName(text)
            b.clicked.connect(lambda _=False, d=days: self.set_last_days(d))
            lay.addWidget(b)
            self.quick_buttons[text] = b
        b = QToolButton()
        b.setText("All")
        b.setToolTip("The whole extent of the data")
        b.clicked.connect(lambda _=False: self.show_all())
        lay.addWidget(b)
        self.quick_buttons["All"] = b
        lay.addSpacing(8)
        lay.addWidget(QLabel("Period"))
        self.period_combo = QComboBox()
        self.period_combo.setObjectName("periodCombo")
        for key, text in PERIODS:
            self.period_combo.addItem(text, key)
        self.period_combo.setToolTip("Period of the per-period figures and charts")
        self.period_combo.activated.connect(self._on_period)
        lay.addWidget(self.period_combo)

        self._drag_timer = QTimer(self)
        self._drag_timer.setSingleShot(True)
        self._drag_timer.setInterval(DRAG_INTERVAL_MS)
        self._drag_timer.timeout.connect(self._send_slider_window)
        self.slider.valueChanged.connect(self._on_slider_moved)
        self.slider.sliderReleased.connect(self._send_slider_window)
        controller.measured.connect(self._on_measured)
        controller.window_changed.connect(self._sync_from_controller)
        controller.period_changed.connect(lambda _p: self._sync_period())
        self._sync_period()
        self._set_enabled(False)

    # -- what the bar shows -------------------------------------------------------------------
    def extent(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """The data extent the slider spans (UTC midnights), None before a measurement."""
        return self._extent

    def window_text(self) -> str:
        return self.range_label.text()

    def _days(self) -> int:
        if self._extent is None:
            return 0
        return max(1, round((self._extent[1] - self._extent[0]) / DAY))

    def _set_enabled(self, on: bool) -> None:
        for w in (self.slider, self.range_label, self.period_combo,
                  *self.quick_buttons.values()):
            w.setEnabled(on)

    def clear(self) -> None:
        """No measurement (another project, or its last source removed)."""
        self._extent = None
        self._drag_timer.stop()
        self.range_label.setText("—")
        self._set_enabled(False)
        self._sync_period()

    def _on_measured(self, data: Any) -> None:
        self._extent = data.extent
        self._set_enabled(self._extent is not None)
        if self._extent is None:
            self.range_label.setText("no dated data")
            return
        self.slider.blockSignals(True)
        self.slider.setRange(0, self._days())
        self.slider.blockSignals(False)
        self._sync_period()
        self._sync_from_controller(self.controller.since, self.controller.until)

    def _sync_period(self) -> None:
        i = self.period_combo.findData(self.controller.period)
        if i >= 0:
            self.period_combo.setCurrentIndex(i)

    def _to_days(self, since: pd.Timestamp | None, until: pd.Timestamp | None
                 ) -> tuple[int, int]:
        assert self._extent is not None
        lo, n = self._extent[0], self._days()
        a = 0 if since is None else round((since - lo) / DAY)
        b = n if until is None else round((until - lo) / DAY)
        a = min(max(a, 0), n)
        return a, min(max(b, a), n)

    def _sync_from_controller(self, since: Any, until: Any) -> None:
        """Show the controller's window (set here, or by a chart's range selector)."""
        if self._extent is None:
            return
        a, b = self._to_days(since, until)
        if tuple(self.slider.value()) != (a, b):
            self.slider.blockSignals(True)
            self.slider.setValue((a, b))
            self.slider.blockSignals(False)
        self._show_label(a, b)

    def _show_label(self, a: int, b: int) -> None:
        if self._extent is None:
            return
        start = self._extent[0] + a * DAY
        end = self._extent[0] + b * DAY
        days = b - a
        span = fmt.count(days / 7, "weeks") if days >= 28 else fmt.count(days, "days")
        self.range_label.setText(f"{fmt.window(start, end)} · {span}")
        self.range_label.setToolTip(self.range_label.text())

    # -- choosing ----------------------------------------------------------------------------------
    def _on_slider_moved(self, value: tuple[int, int]) -> None:
        a, b = value
        self._show_label(a, b)
        if not self._drag_timer.isActive():
            self._drag_timer.start()

    def _send_slider_window(self) -> None:
        self._drag_timer.stop()
        a, b = (int(v) for v in self.slider.value())
        self.set_range_days(a, b)

    def set_range_days(self, first_day: int, end_day: int) -> None:
        """Measure days ``[first_day, end_day)`` of the extent (0 = its first day)."""
        if self._extent is None:
            return
        n = self._days()
        a = min(max(int(first_day), 0), n - 1)
        b = min(max(int(end_day), a + 1), n)
        lo = self._extent[0]
        since = None if a == 0 else lo + a * DAY
        until = None if b == n else lo + b * DAY
        if (since, until) != (self.controller.since, self.controller.until):
            self.controller.set_window(since, until)  # window_changed → slider and label
        else:
            self._sync_from_controller(since, until)

    def set_last_days(self, days: int) -> None:
        """The last ``days`` days of the data."""
        n = self._days()
        self.set_range_days(max(0, n - int(days)), n)

    def show_all(self) -> None:
        """The whole extent of the data."""
        self.set_range_days(0, self._days())

    def _on_period(self, _index: int) -> None:
        period = self.period_combo.currentData()
        if period and period != self.controller.period:
            self.controller.set_period(str(period))
