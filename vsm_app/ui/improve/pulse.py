"""The SPACE pulse dock: the team's voice per period, beside the DORA trends.

A round is recorded per period, either as team aggregates typed in (number of responses,
the mean of each dimension on 1–5, comments) or imported from a CSV of anonymous responses
(:func:`vsm_app.analysis.survey.read_survey_csv`, its warnings shown in the dock). Minimum
group size: a round of fewer than :data:`~vsm_app.domain.improvement.MIN_GROUP_SIZE` responses
keeps only its count and shows nothing but "n < 3: hidden".

The visible rounds are plotted (four dimensions, 1–5) above the median lead time and the
change failure rate per period of the analysed window, so speed is never read without its
stability counterpart (:func:`~vsm_app.analysis.baseline.stability_warnings` otherwise).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...analysis.baseline import stability_warnings
from ...analysis.survey import SurveyCsvError, read_survey_csv, survey_frame
from ...domain.improvement import (
    MIN_GROUP_SIZE,
    SPACE_DIMENSIONS,
    SurveyRound,
    read_surveys,
)
from ...metrics import format as fmt
from ..dialogs import messages
from .charts import TrendChart, period_column, to_epoch_s, union_range
from .commands import put_survey_command, remove_survey_command
from .common import (
    SPACE_LABELS,
    ImproveContext,
    ValidatedDialog,
    add_row,
    fit_table,
    iso_week,
    label,
    make_table,
)

HIDDEN_TEXT = f"n < {MIN_GROUP_SIZE}: hidden"
CSV_FILTER = "CSV of anonymous responses (*.csv *.tsv *.txt);;All files (*)"


def ask_csv_path(parent: QWidget | None) -> str | None:
    """Ask for the survey CSV (tests replace this function)."""
    path, _ = QFileDialog.getOpenFileName(parent, "Import SPACE pulse responses", "", CSV_FILTER)
    return path or None


def score_box(name: str, empty: str = "—") -> QDoubleSpinBox:
    """A 1–5 score with one decimal; its minimum (0) reads ``empty`` and means no value."""
    box = QDoubleSpinBox()
    box.setObjectName(name)
    box.setRange(0.0, 5.0)
    box.setDecimals(1)
    box.setSingleStep(0.1)
    box.setSpecialValueText(empty)
    box.setValue(0.0)
    return box


def score_value(box: QDoubleSpinBox) -> float | None:
    return None if box.value() == box.minimum() else round(box.value(), 1)


class SurveyRoundDialog(ValidatedDialog):
    """Type in one period's team aggregates."""

    def __init__(self, round_: SurveyRound | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Record a SPACE pulse round")
        self.setObjectName("surveyDialog")
        self._result: SurveyRound | None = None
        self.period = QLineEdit(round_.period if round_ else iso_week(date.today()))
        self.period.setObjectName("surveyPeriod")
        self.period.setToolTip("2025-W07 (ISO week), 2025-02 (month), 2025-Q1 or 2025-02-14")
        self.n = QSpinBox()
        self.n.setObjectName("surveyResponses")
        self.n.setRange(0, 10_000)
        self.n.setValue(round_.n_responses if round_ else 0)
        self.scores = {d: score_box(f"score.{d}") for d in SPACE_DIMENSIONS}
        for d, box in self.scores.items():
            v = getattr(round_, d) if round_ else None
            if v is not None:
                box.setValue(v)
        self.comments = QPlainTextEdit("\n".join(round_.comments) if round_ else "")
        self.comments.setObjectName("surveyComments")
        self.comments.setPlaceholderText("team comments, one per line (no names)")
        self.comments.setFixedHeight(80)
        self.small = label(f"Fewer than {MIN_GROUP_SIZE} responses: only the count is kept, "
                           "nothing is shown.", "hint", name="smallGroupHint")
        form = QFormLayout()
        form.addRow("Period", self.period)
        form.addRow("Responses", self.n)
        for d, box in self.scores.items():
            form.addRow(f"{SPACE_LABELS[d]} (mean 1–5)", box)
        form.addRow("Comments", self.comments)
        self.lay_out(form, self.small, error_name="surveyError")
        self.n.valueChanged.connect(self._sync)
        self._sync()

    def _sync(self, *_: object) -> None:
        enough = self.n.value() >= MIN_GROUP_SIZE
        for box in self.scores.values():
            box.setEnabled(enough)
        self.comments.setEnabled(enough)
        self.small.setVisible(not enough)

    def build(self) -> SurveyRound:
        n = self.n.value()
        if n < MIN_GROUP_SIZE:
            return SurveyRound(self.period.text(), n)
        comments = [c.strip() for c in self.comments.toPlainText().splitlines() if c.strip()]
        return SurveyRound(self.period.text(), n, comments=sorted(comments),
                           **{d: score_value(b) for d, b in self.scores.items()})

    def round(self) -> SurveyRound | None:
        return self._result


class PulseDock(QWidget):
    """The body of ``dock.pulse``."""

    def __init__(self, ctx: ImproveContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.rounds: list[SurveyRound] = []
        self.dialog: SurveyRoundDialog | None = None

        self.record_button = QPushButton("Record round…")
        self.record_button.setObjectName("recordRound")
        self.record_button.clicked.connect(lambda: self.record_round())
        self.import_button = QPushButton("Import CSV of anonymous responses…")
        self.import_button.setObjectName("importSurvey")
        self.import_button.clicked.connect(lambda: self.import_csv())
        self.delete_button = QPushButton("Delete")
        self.delete_button.clicked.connect(self.delete_selected)
        row = QHBoxLayout()
        for b in (self.record_button, self.import_button, self.delete_button):
            row.addWidget(b)
        row.addStretch(1)

        self.import_notes = label("", "hint", name="importNotes")
        self.import_notes.hide()
        self.table = make_table(["Period", "n", "Satisfaction", "Performance", "Collaboration",
                                 "Efficiency", "Comments"], "surveyTable")
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.itemSelectionChanged.connect(self._show_comments)
        self.comments = label("", "hint", name="surveyCommentsLabel")
        self.empty_hint = label("No round yet: record one, or import the anonymous responses "
                                "of a survey.", "hint")
        self.warning = label("", "error", name="stabilityWarning")
        self.warning.hide()

        self.space_chart = TrendChart("SPACE pulse: team means (1–5)", "score", height=200)
        self.space_chart.setObjectName("spaceChart")
        self.lead_chart = TrendChart("Lead time for changes (median per period)", "s",
                                     height=150)
        self.lead_chart.setObjectName("leadTimeChart")
        self.cfr_chart = TrendChart("Change failure rate (per period)", "ratio", height=150)
        self.cfr_chart.setObjectName("cfrChart")
        for c in (self.lead_chart, self.cfr_chart):
            c.link_x(self.space_chart)
        self.lead_chart.title.setToolTip(fmt.tooltip("dora.lead_time_median_s"))
        self.cfr_chart.title.setToolTip(fmt.tooltip("dora.change_failure_rate"))

        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 8)
        lay.addWidget(label("The team's voice: a short survey per period, team aggregates only "
                            f"(at least {MIN_GROUP_SIZE} responses before anything is shown).",
                            "hint"))
        lay.addLayout(row)
        lay.addWidget(self.import_notes)
        lay.addWidget(self.empty_hint)
        lay.addWidget(self.table)
        lay.addWidget(self.comments)
        lay.addWidget(self.space_chart)
        lay.addWidget(self.warning)
        lay.addWidget(self.lead_chart)
        lay.addWidget(self.cfr_chart)
        lay.addStretch(1)

        ctx.records_changed.connect(lambda s: s == "surveys" and self.reload())
        ctx.project_changed.connect(lambda _p: self._project_changed())
        ctx.on_result_when_shown(self, self.refresh_charts)
        self.reload()

    def _project_changed(self) -> None:
        self.import_notes.hide()
        self.reload()

    # records --------------------------------------------------------------------------------
    def reload(self) -> None:
        try:
            self.rounds = read_surveys(self.ctx.project)
        except ValueError as e:
            self.rounds = []
            self.import_notes.setText(f"The project's survey rounds cannot be read: {e}")
            self.import_notes.show()
        self.table.clearSpans()
        self.table.setRowCount(0)
        for r in self.rounds:
            if not r.visible:
                row = add_row(self.table, [r.period, str(r.n_responses), HIDDEN_TEXT, "", "", "",
                                           ""], r.period)
                self.table.setSpan(row, 2, 1, 5)
                self.table.item(row, 2).setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                continue
            add_row(self.table, [r.period, str(r.n_responses),
                                 *(fmt.value(f"space.{d}", getattr(r, d))
                                   if getattr(r, d) is not None else HIDDEN_TEXT
                                   for d in SPACE_DIMENSIONS),
                                 str(len(r.comments))], r.period)
        fit_table(self.table)
        self.table.setVisible(bool(self.rounds))
        self.empty_hint.setVisible(not self.rounds)
        self.delete_button.setEnabled(bool(self.rounds))
        self._show_comments()
        self.refresh_charts()

    def selected_period(self) -> str | None:
        rows = {i.row() for i in self.table.selectedItems()}
        if not rows:
            return None
        return self.table.item(min(rows), 0).text()

    def _show_comments(self) -> None:
        period = self.selected_period()
        r = next((x for x in self.rounds if x.period == period), None)
        if r is None or not r.visible or not r.comments:
            self.comments.setText("")
            self.comments.hide()
            return
        self.comments.setText(f"Comments {r.period} (team, in no particular order):\n• "
                              + "\n• ".join(r.comments))
        self.comments.show()

    # actions --------------------------------------------------------------------------------
    def record_round(self) -> SurveyRoundDialog:
        """Open the round dialog (non-blocking); OK pushes one command."""
        period = self.selected_period()
        existing = next((r for r in self.rounds if r.period == period), None)
        dlg = SurveyRoundDialog(existing, self.window())
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.accepted.connect(lambda: self._round_done(dlg))
        self.dialog = dlg
        dlg.open()
        return dlg

    def _round_done(self, dlg: SurveyRoundDialog) -> None:
        r = dlg.round()
        if r is not None:
            self.ctx.push(put_survey_command(self.ctx.project, [r],
                                             f"Record SPACE round {r.period}"))

    def import_csv(self, path: str | Path | None = None) -> bool:
        """Import a CSV of anonymous responses; its warnings are shown in the dock."""
        if path is None:
            path = ask_csv_path(self)
            if path is None:
                return False
        try:
            result = read_survey_csv(path)
        except SurveyCsvError as e:
            messages.error(self, "Import SPACE pulse", "The survey file cannot be imported.",
                           str(e))
            return False
        if not result.rounds:
            messages.error(self, "Import SPACE pulse", "The file holds no responses.",
                           "\n".join(result.warnings))
            return False
        self.ctx.push(put_survey_command(self.ctx.project, result.rounds,
                                         f"Import SPACE pulse from {Path(path).name}"))
        periods = result.rounds[0].period if len(result.rounds) == 1 else \
            f"{result.rounds[0].period} – {result.rounds[-1].period}"
        notes = [f"Imported {len(result.rounds)} period(s) from {Path(path).name}: {periods}."]
        notes += result.warnings
        self.import_notes.setText("\n".join(notes))
        self.import_notes.show()
        return True

    def delete_selected(self) -> None:
        period = self.selected_period()
        if period is not None:
            self.ctx.push(remove_survey_command(self.ctx.project, period))

    # charts ---------------------------------------------------------------------------------
    def refresh_charts(self) -> None:
        frame = survey_frame(self.rounds)
        period = self.ctx.period()
        self.space_chart.clear()
        # every recorded period on the x axis; a hidden one (n < 3) is a gap, never a value
        xs = to_epoch_s([pd.Timestamp(r.start, tz="UTC") for r in self.rounds]) \
            if len(frame) else np.empty(0)
        for i, d in enumerate(SPACE_DIMENSIONS):
            if len(frame):
                means = dict(zip(frame["period"].astype(str), frame[d], strict=True))
                ys = np.array([means.get(r.period, np.nan) for r in self.rounds], dtype=float)
                self.space_chart.add_series(SPACE_LABELS[d], xs, ys, color=i)
        if not len(frame):
            hidden = sum(1 for r in self.rounds if not r.visible)
            self.space_chart.set_message(
                "No round with at least 3 responses yet." + (
                    f" {hidden} round(s) hidden (n < {MIN_GROUP_SIZE})." if hidden else ""))
        result = self.ctx.result
        lx, ly = period_column(result, "dora_by_period", "lead_time_median_s")
        cx, cy = period_column(result, "dora_by_period", "change_failure_rate")
        self.lead_chart.clear()
        self.cfr_chart.clear()
        self.lead_chart.title.setText(f"Lead time for changes (median per {period})")
        self.cfr_chart.title.setText(f"Change failure rate (per {period})")
        if len(lx):
            self.lead_chart.add_series("Lead time (median)", lx, ly, color=0)
        if len(cx):
            self.cfr_chart.add_series("Change failure rate", cx, cy, color=1)
        if result is None:
            self.lead_chart.set_message("Nothing measured yet.")
        shown = []
        if np.isfinite(ly).any():
            shown.append("dora.lead_time_median_s")
        if np.isfinite(cy).any():
            shown.append("dora.change_failure_rate")
        warnings = stability_warnings(shown)
        self.warning.setText("⚠ " + "\n⚠ ".join(warnings) if warnings else "")
        self.warning.setVisible(bool(warnings))
        span = union_range(xs, lx, cx)
        if span is not None:
            self.space_chart.set_x_range(*span)
