"""The AI adoption check dock: DORA's seven capabilities, self-assessed per period, beside
batch size and change failure rate.

AI amplifies what is there: with small batches and strong fundamentals it turns into speed,
without them into instability. So the team's self-assessment (1–5 per capability, one check
per period) is plotted above the batch size per deployment (the leading indicator of
:mod:`vsm_app.analysis.indicators`) and the change failure rate per period of the analysed
window.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...analysis.indicators import indicator_series
from ...domain.improvement import AI_CAPABILITIES, AiCapabilityCheck, read_ai_checks
from ...metrics import format as fmt
from .charts import TrendChart, period_column, to_epoch_s, union_range
from .commands import put_ai_check_command, remove_ai_check_command
from .common import (
    AI_LABELS,
    ImproveContext,
    ValidatedDialog,
    add_row,
    fit_table,
    iso_week,
    label,
    make_table,
)
from .pulse import score_box, score_value

#: how many periods the table shows (newest last)
TABLE_PERIODS = 4


class AiCheckDialog(ValidatedDialog):
    """Score each capability 1–5 for one period ("—" = not assessed)."""

    def __init__(self, check: AiCapabilityCheck | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("AI adoption check")
        self.setObjectName("aiCheckDialog")
        self._result: AiCapabilityCheck | None = None
        self.period = QLineEdit(check.period if check else iso_week(date.today()))
        self.period.setObjectName("aiPeriod")
        self.scores = {k: score_box(f"ai.{k}", "not assessed") for k in AI_CAPABILITIES}
        for k, box in self.scores.items():
            v = check.scores.get(k) if check else None
            if v is not None:
                box.setValue(v)
        self.notes = QPlainTextEdit(check.notes if check else "")
        self.notes.setFixedHeight(60)
        form = QFormLayout()
        form.addRow("Period", self.period)
        for k, box in self.scores.items():
            form.addRow(AI_LABELS[k], box)
        form.addRow("Notes", self.notes)
        self.lay_out(label("How true is each capability for the team today? 1 = not at all, "
                           "5 = fully.", "hint"), form, error_name="aiError")

    def build(self) -> AiCapabilityCheck:
        return AiCapabilityCheck(self.period.text(),
                                 {k: score_value(b) for k, b in self.scores.items()},
                                 self.notes.toPlainText().strip())

    def check(self) -> AiCapabilityCheck | None:
        return self._result


class AiCheckDock(QWidget):
    """The body of ``dock.ai_check``."""

    def __init__(self, ctx: ImproveContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.checks: list[AiCapabilityCheck] = []
        self.dialog: AiCheckDialog | None = None

        self.record_button = QPushButton("Record self-assessment…")
        self.record_button.setObjectName("recordAiCheck")
        self.record_button.clicked.connect(lambda: self.record_check())
        self.delete_button = QPushButton("Delete latest")
        self.delete_button.clicked.connect(self.delete_latest)
        row = QHBoxLayout()
        row.addWidget(self.record_button)
        row.addWidget(self.delete_button)
        row.addStretch(1)
        self.table = make_table(["Capability"], "aiTable")
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.empty_hint = label("No self-assessment yet.", "hint")

        self.ai_chart = TrendChart("AI capabilities: team self-assessment (mean, 1–5)", "score",
                                   height=170)
        self.ai_chart.setObjectName("aiChart")
        self.batch_chart = TrendChart("Batch size per deployment (changes, mean per period)",
                                      "changes", height=150)
        self.batch_chart.setObjectName("batchChart")
        self.cfr_chart = TrendChart("Change failure rate (per period)", "ratio", height=150)
        self.cfr_chart.setObjectName("aiCfrChart")
        for c in (self.batch_chart, self.cfr_chart):
            c.link_x(self.ai_chart)
        self.batch_chart.title.setToolTip(fmt.tooltip("indicator.batch_size"))
        self.cfr_chart.title.setToolTip(fmt.tooltip("dora.change_failure_rate"))

        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 8)
        lay.addWidget(label("DORA's seven capabilities for adopting AI, self-assessed by the "
                            "team each period. AI amplifies what is there: read them beside "
                            "batch size and change failure rate.", "hint"))
        lay.addLayout(row)
        lay.addWidget(self.empty_hint)
        lay.addWidget(self.table)
        lay.addWidget(self.ai_chart)
        lay.addWidget(self.batch_chart)
        lay.addWidget(self.cfr_chart)
        lay.addStretch(1)

        ctx.records_changed.connect(lambda s: s == "ai_checks" and self.reload())
        ctx.project_changed.connect(lambda _p: self.reload())
        ctx.on_result_when_shown(self, self.refresh_charts)
        self.reload()

    def reload(self) -> None:
        try:
            self.checks = read_ai_checks(self.ctx.project)
        except ValueError as e:
            self.checks = []
            self.empty_hint.setText(f"The project's AI checks cannot be read: {e}")
        shown = self.checks[-TABLE_PERIODS:]
        self.table.clear()
        self.table.setColumnCount(1 + len(shown))
        self.table.setHorizontalHeaderLabels(["Capability", *(c.period for c in shown)])
        self.table.setRowCount(0)
        for k in AI_CAPABILITIES:
            add_row(self.table, [AI_LABELS[k], *(self._score(c.scores.get(k)) for c in shown)], k)
        r = add_row(self.table, ["Mean of the assessed", *(self._score(c.mean) for c in shown)],
                    "mean")
        for col in range(self.table.columnCount()):
            f = self.table.item(r, col).font()
            f.setBold(True)
            self.table.item(r, col).setFont(f)
        self.table.setVisible(bool(self.checks))
        self.empty_hint.setVisible(not self.checks)
        fit_table(self.table)
        self.delete_button.setEnabled(bool(self.checks))
        self.refresh_charts()

    @staticmethod
    def _score(v: float | None) -> str:
        return fmt.as_format("score", v)

    def record_check(self) -> AiCheckDialog:
        """Open the self-assessment dialog (non-blocking), pre-filled from the latest check."""
        latest = self.checks[-1] if self.checks else None
        seed = AiCapabilityCheck(iso_week(date.today()), dict(latest.scores)) if latest else None
        dlg = AiCheckDialog(seed, self.window())
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.accepted.connect(lambda: self._check_done(dlg))
        self.dialog = dlg
        dlg.open()
        return dlg

    def _check_done(self, dlg: AiCheckDialog) -> None:
        c = dlg.check()
        if c is not None:
            self.ctx.push(put_ai_check_command(self.ctx.project, c))

    def delete_latest(self) -> None:
        if self.checks:
            self.ctx.push(remove_ai_check_command(self.ctx.project, self.checks[-1].period))

    def batch_series(self) -> pd.DataFrame | None:
        """Batch size per deployment per period over the analysed window."""
        tables = self.ctx.tables()
        result = self.ctx.result
        if tables is None or result is None:
            return None
        w = result.window_timestamps()
        if w is None:
            return None
        options = getattr(self.ctx.controller, "options", None)
        envs = tuple(options().production_environments) if callable(options) else None
        kwargs = {"production_environments": envs} if envs else {}
        return indicator_series(tables, "batch_size", w[0].isoformat(), self.ctx.period(),
                                until=w[1].isoformat(), **kwargs)

    def refresh_charts(self) -> None:
        period = self.ctx.period()
        self.ai_chart.clear()
        xs = np.empty(0)
        if self.checks:
            xs = to_epoch_s([pd.Timestamp(c.start, tz="UTC") for c in self.checks])
            means = np.array([np.nan if c.mean is None else c.mean for c in self.checks])
            self.ai_chart.add_series("Mean of the seven capabilities", xs, means, color=4)
            small = np.array([np.nan if c.scores.get("small_batches") is None
                              else c.scores["small_batches"] for c in self.checks])
            if np.isfinite(small).any():
                self.ai_chart.add_series(AI_LABELS["small_batches"], xs, small, color=0,
                                         dashed=True)
        else:
            self.ai_chart.set_message("Record the team's first self-assessment.")
        self.batch_chart.clear()
        self.cfr_chart.clear()
        self.batch_chart.title.setText(f"Batch size per deployment (changes, mean per {period})")
        self.cfr_chart.title.setText(f"Change failure rate (per {period})")
        batch = self.batch_series()
        bx = to_epoch_s(batch["period_start"]) if batch is not None and len(batch) \
            else np.empty(0)
        if batch is not None and len(batch):
            self.batch_chart.add_series("Batch size", bx, batch["value"].to_numpy(float),
                                        color=2)
        else:
            self.batch_chart.set_message("Nothing measured yet.")
        cx, cy = period_column(self.ctx.result, "dora_by_period", "change_failure_rate")
        if len(cx):
            self.cfr_chart.add_series("Change failure rate", cx, cy, color=1)
        span = union_range(xs, bx, cx)
        if span is not None:
            self.ai_chart.set_x_range(*span)
