"""Groups side by side (issue 21): the comparison table, its sparklines and the drill-down.

:class:`ComparisonView` shows a :class:`~vsm_app.analysis.groups.GroupsResult`: one row per
group in the order the groups are defined, then the whole, with the DORA figures and their
bands, the flow figures, the constraint of each group with what it rests on, and sparklines
of the per-period trend over the analysed window. Every figure is read from the typed result
and written by the one formatter with the catalogue's labels.

Design choice (docs/metrics.md §15): **no league table**. There is no rank column, no score,
no "worst team" colour; sorting by any column is the reader's choice, and the whole stays the
last row whatever the order. The only colours are the DORA bands, which are fixed thresholds
of the published report (the same chips as the dashboards), never a comparison between
groups. A value that cannot be computed sorts after every value, in both directions.

:class:`ComparisonDock` (``dock.comparison``) follows the window's measurement: it computes
the groups of the project over the window the window bar chose, in a worker, when the dock
can be seen. Double-clicking a group (or *Show on map*) paints that group's measured overlay
on the map; *Show the whole* returns to the whole.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..analysis.coverage import coverage_sentence, withheld_advice
from ..analysis.results import ComparisonRow, Trend
from ..metrics import format as fmt
from ..metrics import palette
from ..metrics.catalogue import metric

if TYPE_CHECKING:
    from ..analysis.engine import AnalysisResult
    from ..analysis.groups import GroupsResult

Index = QModelIndex | QPersistentModelIndex

#: the raw value a column sorts by (None: no value)
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
#: the band of a DORA cell (elite/high/medium/low or None)
BAND_ROLE = Qt.ItemDataRole.UserRole + 2
#: a sparkline's values (tuple of float | None)
SPARK_ROLE = Qt.ItemDataRole.UserRole + 3
#: True on the whole's row
WHOLE_ROLE = Qt.ItemDataRole.UserRole + 4

WHOLE_NAME = "(whole)"


@dataclass(frozen=True)
class Column:
    key: str  #: "name", "kind", "changes", "deployments", a catalogue id, "constraint", "trend:…"
    header: str
    tip: str
    band: str | None = None  #: the DORA band metric (ComparisonRow.dora.bands)


def _metric_column(metric_id: str) -> Column:
    m = metric(metric_id)
    return Column(metric_id, m.short_label, fmt.tooltip(m), m.band)


def _trend_column(series: str, metric_id: str, words: str) -> Column:
    return Column(f"trend:{series}", f"{words} (trend)",
                  f"{metric(metric_id).name} per period over the analysed window, oldest "
                  f"on the left; each row on its own scale")


COLUMNS: tuple[Column, ...] = (
    Column("name", "Group", "The team or service (the whole is the last row)"),
    Column("kind", "Kind", "team, service or the whole"),
    Column("changes", "Changes", "Changes in the window"),
    Column("deployments", "Deployments", "Production deployments serving the group in the "
                                          "window (a deployment serving several groups "
                                          "counts once for each)"),
    # each trend beside its figure, so the sparklines are in view without scrolling
    _metric_column("dora.deployment_frequency_per_week"),
    _trend_column("deployments_per_week", "dora.deployment_frequency_per_week", "Deploys"),
    _metric_column("dora.lead_time_median_s"),
    _trend_column("lead_time_median_s", "dora.lead_time_median_s", "Lead time"),
    _metric_column("dora.change_failure_rate"),
    _metric_column("dora.recovery_time_median_s"),
    _metric_column("dora.rework_rate"),
    Column("constraint", "Constraint", "The stage with the largest share of waiting, and "
                                       "what it rests on (coverage)"),
    _metric_column("flow.velocity_per_week"),
    _metric_column("flow.flow_time_median_s"),
    _metric_column("flow.efficiency"),
)


@dataclass(frozen=True)
class GroupEntry:
    """One row: the typed comparison row, its trend and the full result (for the map)."""

    row: ComparisonRow
    trend: Trend
    result: AnalysisResult

    @property
    def is_whole(self) -> bool:
        return self.row.kind == "whole"


def entries_of(res: GroupsResult) -> list[GroupEntry]:
    """The groups in their defined order, then the whole."""
    from ..analysis.groups import trend

    results = [gr.result for gr in res.groups] + [res.whole]
    return [GroupEntry(row, trend(r), r)
            for row, r in zip(res.comparison(), results, strict=True)]


def raw_value(row: ComparisonRow, key: str) -> Any:
    """The typed value of ``key`` in ``row`` (None when it cannot be computed)."""
    if key == "name":
        return row.name
    if key == "kind":
        return row.kind
    if key in ("changes", "deployments"):
        return getattr(row, key)
    if key == "constraint":
        return row.constraint.share if row.constraint.stage else None
    section, field = key.split(".", 1)
    return getattr(row.dora if section == "dora" else row.flow, field)


def constraint_text(row: ComparisonRow) -> str:
    """The constraint cell: the same words as the report's comparison."""
    from ..report.data import comparison_constraint_text

    return comparison_constraint_text(row)


def constraint_tip(row: ComparisonRow) -> str:
    c = row.constraint
    if not c.stage:
        return withheld_advice(c) or (c.reasons.get("stage") or "No constraint named.")
    parts = [f"{c.stage}: the largest share of waiting"
             + (f" ({fmt.percent(c.share, 1)})." if c.share is not None else ".")]
    sentence = coverage_sentence(c)
    if sentence:
        parts.append(sentence)
    if c.sentence:
        parts.append(c.sentence)
    return "\n".join(parts)


class ComparisonModel(QAbstractTableModel):
    """The rows of :class:`GroupEntry` under :data:`COLUMNS` (read-only)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.entries: list[GroupEntry] = []

    def set_entries(self, entries: Sequence[GroupEntry]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        col = COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.header
        if role == Qt.ItemDataRole.ToolTipRole:
            return col.tip
        return None

    def text(self, row: int, column: int) -> str:
        """What the cell reads (the formatter's words)."""
        e, col = self.entries[row], COLUMNS[column]
        r = e.row
        if col.key == "name":
            return r.name
        if col.key == "kind":
            return r.kind
        if col.key == "changes":
            return fmt.count(r.changes)
        if col.key == "deployments":
            return fmt.count(r.deployments)
        if col.key == "constraint":
            return constraint_text(r)
        if col.key.startswith("trend:"):
            return ""
        return fmt.value(metric(col.key), raw_value(r, col.key))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        e, col = self.entries[index.row()], COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row(), index.column())
        if role == SORT_ROLE:
            if col.key.startswith("trend:"):
                values = [v for v in e.trend.series.get(col.key[6:], ()) if v is not None]
                return values[-1] if values else None
            value = raw_value(e.row, col.key)
            return value.casefold() if isinstance(value, str) else value
        if role == BAND_ROLE and col.band is not None:
            return e.row.dora.bands.band(col.band)
        if role == SPARK_ROLE and col.key.startswith("trend:"):
            return e.trend.series.get(col.key[6:], ())
        if role == WHOLE_ROLE:
            return e.is_whole
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tip(e, col)
        if role == Qt.ItemDataRole.TextAlignmentRole and col.key not in ("name", "kind",
                                                                          "constraint"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and e.is_whole:
            from PySide6.QtGui import QFont

            f = QFont()
            f.setBold(True)
            return f
        return None

    def _tip(self, e: GroupEntry, col: Column) -> str:
        if col.key == "constraint":
            return constraint_tip(e.row)
        if col.key.startswith("trend:"):
            m = metric("dora.deployment_frequency_per_week"
                       if col.key.endswith("deployments_per_week")
                       else "dora.lead_time_median_s")
            values = e.trend.series.get(col.key[6:], ())
            known = [(s, v) for s, v in zip(e.trend.starts, values, strict=False)
                     if v is not None]
            if not known:
                return f"{m.name}: no value in any {e.trend.period} of the window"
            first, last = known[0], known[-1]
            return (f"{m.name} per {e.trend.period}: {fmt.value(m, first[1])} "
                    f"({fmt.date_text(first[0])}) … {fmt.value(m, last[1])} "
                    f"({fmt.date_text(last[0])})")
        if col.band is not None:
            band = e.row.dora.bands.band(col.band)
            why = e.row.dora.bands.withheld(col.band)
            words = f"band: {palette.BAND_NAMES.get(band, band)} " \
                    f"({e.row.dora.bands.year} report)" if band else \
                (f"no band: {why}" if why else "no band")
            reason = e.row.dora.reason(col.key.split(".", 1)[1]) \
                if raw_value(e.row, col.key) is None else ""
            return "\n".join(x for x in (col.tip, words, reason) if x)
        return col.tip


class SortProxy(QSortFilterProxyModel):
    """Sorts by the raw value; the whole stays last and missing values sort after values,
    in both directions (so a descending sort never puts blanks on top)."""

    def lessThan(self, left: Index, right: Index) -> bool:
        src = self.sourceModel()
        ascending = self.sortOrder() == Qt.SortOrder.AscendingOrder
        lw, rw = src.data(left, WHOLE_ROLE), src.data(right, WHOLE_ROLE)
        if lw != rw:  # the whole after every group
            return bool(rw) if ascending else bool(lw)
        a, b = src.data(left, SORT_ROLE), src.data(right, SORT_ROLE)
        if a is None or b is None:
            if a is None and b is None:
                return left.row() < right.row() if ascending else left.row() > right.row()
            return (b is None) if ascending else (a is None)
        if a == b:  # ties keep the defined order
            return left.row() < right.row() if ascending else left.row() > right.row()
        return bool(a < b)


class CellDelegate(QStyledItemDelegate):
    """Draws DORA band chips beside a value and sparklines of trend cells."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        spark = index.data(SPARK_ROLE)
        band = index.data(BAND_ROLE)
        if spark is None and band is None:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        text = opt.text
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(option.rect).adjusted(6, 4, -6, -4)
        if spark is not None:
            self._sparkline(painter, rect, spark)
        else:
            self._value_and_band(painter, rect, text, band, option)
        painter.restore()

    @staticmethod
    def _theme() -> palette.ChartColours:
        from .charts.style import chart_theme
        from .improve.common import is_dark

        return chart_theme("dark" if is_dark() else "light")

    def _value_and_band(self, painter: QPainter, rect: QRectF, text: str, band: str | None,
                        option: QStyleOptionViewItem) -> None:
        fm = option.fontMetrics
        chip_w = 0.0
        if band:
            bg, fg = self._theme().bands.get(band, ("#7a8597", "#ffffff"))
            word = palette.BAND_NAMES.get(band, band)
            chip_w = fm.horizontalAdvance(word) + 10.0
            chip = QRectF(rect.right() - chip_w, rect.center().y() - fm.height() / 2 - 1,
                          chip_w, fm.height() + 2)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(bg))
            painter.drawRoundedRect(chip, 4, 4)
            painter.setPen(QColor(fg))
            painter.drawText(chip, int(Qt.AlignmentFlag.AlignCenter), word)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        painter.setPen(option.palette.highlightedText().color() if selected
                       else option.palette.text().color())
        painter.setFont(option.font)
        painter.drawText(rect.adjusted(0, 0, -(chip_w + 6 if band else 0), 0),
                         int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), text)

    def _sparkline(self, painter: QPainter, rect: QRectF,
                   values: Sequence[float | None]) -> None:
        known = [(i, v) for i, v in enumerate(values) if v is not None]
        theme = self._theme()
        if not known:
            painter.setPen(QColor(theme.muted))
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), fmt.DASH)
            return
        lo = min(v for _, v in known)
        hi = max(v for _, v in known)
        span = hi - lo or 1.0
        n = max(len(values) - 1, 1)

        def point(i: int, v: float) -> QPointF:
            x = rect.left() + rect.width() * (i / n if len(values) > 1 else 0.5)
            y = rect.bottom() - rect.height() * ((v - lo) / span if hi > lo else 0.5)
            return QPointF(x, y)

        pen = QPen(QColor(theme.series[0]))
        pen.setWidthF(1.5)
        painter.setPen(pen)
        path = QPainterPath()
        prev: int | None = None
        for i, v in known:  # a gap (no value) breaks the line
            p = point(i, v)
            if prev is None or i != prev + 1:
                path.moveTo(p)
            else:
                path.lineTo(p)
            prev = i
        painter.drawPath(path)
        painter.setBrush(QColor(theme.series[0]))
        have = {i for i, _ in known}
        for i, v in known:  # a value alone between gaps is a dot, or it would not show
            if i - 1 not in have and i + 1 not in have:
                painter.drawEllipse(point(i, v), 1.4, 1.4)
        last = point(*known[-1])
        painter.drawEllipse(last, 2.2, 2.2)


NO_RANKING_NOTE = ("Click a column to sort by it. No ranking: groups are listed, not scored — "
                   "band chips are the DORA report's fixed thresholds. Double-click a group "
                   "to see its measured map.")


class ComparisonView(QWidget):
    """The table, a note, and the drill-down buttons.

    Signals: ``drill(name)`` — show this group's map (``""``: the whole).
    """

    drill = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = ComparisonModel(self)
        self.proxy = SortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView(self)
        self.table.setObjectName("comparison.table")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # the defined order
        self.table.setItemDelegate(CellDelegate(self.table))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()  # no row numbers: they would read as ranks
        self.table.setWordWrap(False)
        h = self.table.horizontalHeader()
        h.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        h.setStretchLastSection(False)
        self.table.doubleClicked.connect(self._on_double_click)
        self.title = QLabel(self)
        self.title.setObjectName("comparison.title")
        self.title.setWordWrap(True)
        self.note = QLabel(NO_RANKING_NOTE, self)
        self.note.setObjectName("comparison.note")
        self.note.setWordWrap(True)
        self.focus_label = QLabel(self)
        self.show_group = QPushButton("Show on &map", self)
        self.show_group.clicked.connect(self._drill_selected)
        self.show_whole = QPushButton("Show the &whole", self)
        self.show_whole.clicked.connect(lambda: self.drill.emit(""))
        self.show_whole.setEnabled(False)
        bar = QHBoxLayout()
        bar.addWidget(self.focus_label, 1)
        bar.addWidget(self.show_group)
        bar.addWidget(self.show_whole)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.title)
        lay.addWidget(self.table, 1)
        lay.addLayout(bar)
        lay.addWidget(self.note)
        self.set_focus("")
        self.set_entries([])

    # -- content ----------------------------------------------------------------------------
    def set_result(self, res: GroupsResult | None, title: str = "") -> None:
        self.set_entries(entries_of(res) if res is not None else [], title)

    def set_entries(self, entries: Sequence[GroupEntry], title: str = "") -> None:
        self.model.set_entries(entries)
        if entries:
            w = entries[-1].result.window
            when = fmt.window(*w) if w is not None else "no data in the window"
            n = len(entries) - 1
            self.title.setText(title or f"{fmt.count(n, 'groups')} side by side · {when}")
        else:
            self.title.setText(title or "No groups to compare.")
        self._fit_columns()
        self.show_group.setEnabled(bool(entries))

    def _fit_columns(self) -> None:
        """Each column as wide as its header or its widest cell (value and band chip)."""
        fm = self.table.fontMetrics()
        header = self.table.horizontalHeader()
        for i, col in enumerate(COLUMNS):
            head = header.sectionSizeFromContents(i).width()
            if col.key.startswith("trend:"):
                self.table.setColumnWidth(i, max(head, 96))
                continue
            widest = 0
            for r in range(self.model.rowCount()):
                w = fm.horizontalAdvance(self.model.text(r, i)) + 16
                band = self.model.index(r, i).data(BAND_ROLE)
                if band:
                    w += fm.horizontalAdvance(palette.BAND_NAMES.get(band, band)) + 18
                if r == self.model.rowCount() - 1:
                    w += fm.horizontalAdvance("M") // 2  # the whole's bold
                widest = max(widest, w)
            limit = 320 if col.key == "constraint" else 220
            self.table.setColumnWidth(i, min(max(head, widest), limit))

    def entry(self, name: str) -> GroupEntry | None:
        for e in self.model.entries:
            if e.row.name == name and not e.is_whole:
                return e
        return None

    def rows_in_view(self) -> list[str]:
        """The group names in the order shown (after sorting)."""
        return [self.proxy.index(r, 0).data() for r in range(self.proxy.rowCount())]

    def sort_by(self, key: str, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.table.sortByColumn([c.key for c in COLUMNS].index(key), order)

    # -- drill-down -------------------------------------------------------------------------
    def set_focus(self, name: str) -> None:
        """Say which group the map shows (``""``: the whole)."""
        self.focus_label.setText(f"The map shows: <b>{_html(name)}</b>" if name
                                 else "The map shows: the whole")
        self.show_whole.setEnabled(bool(name))

    def _on_double_click(self, index: QModelIndex) -> None:
        self._drill_row(index.row())

    def _drill_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self._drill_row(rows[0].row())

    def _drill_row(self, proxy_row: int) -> None:
        src = self.proxy.mapToSource(self.proxy.index(proxy_row, 0))
        e = self.model.entries[src.row()]
        self.drill.emit("" if e.is_whole else e.row.name)


def _html(text: str) -> str:
    import html

    return html.escape(text)


# -- the dock on a project's window --------------------------------------------------------------

class ComparisonDock(QDockWidget):
    """``dock.comparison``: the project's groups over the window's analysed window."""

    def __init__(self, window: Any, controller: Any) -> None:
        super().__init__("Groups side by side", window)
        self.setObjectName("dock.comparison")
        self.window_ = window
        self.controller = controller
        self.view = ComparisonView(self)
        self.setWidget(self.view)
        self.result: GroupsResult | None = None
        self.focus = ""
        self._member_key: tuple[Any, ...] | None = None
        self._member: Any = None
        from .improve.common import WhenShown
        from .workers import LatestTask

        self._task = LatestTask(self)
        self._task.finished.connect(self._on_result)
        self._task.failed.connect(self._on_failed)
        self._when_shown = WhenShown(self, self.recompute, window)
        controller.result_changed.connect(self._when_shown)
        self.view.drill.connect(self.show_group)

    def groups_changed(self) -> None:
        """The project's groups were edited (or the edit undone): measure them again."""
        self._member_key = None
        self._when_shown()

    def groups(self) -> list[Any]:
        p = self.controller.project
        return list(p.groups) if p is not None else []

    def recompute(self) -> None:
        """Compute every group over the controller's window (in a worker)."""
        c = self.controller
        if c.data is None or not self.groups():
            self._set(None)
            return
        self._task.request(self._make_work)

    def _make_work(self) -> Callable[..., Any]:
        from ..services.measure import project_inputs

        c = self.controller
        data, options, groups = c.data, c.options(), self.groups()
        inputs = project_inputs(c.project, salt="")  # as the controller's ingest
        inputs.groups = groups
        key = (id(data), tuple(g.to_json().__repr__() for g in groups), c.project.codeowners)
        cached = self._member if key == self._member_key else None
        vsm_map = c._map_copy()

        def work(progress: Any, cancelled: Any) -> tuple[Any, Any, Any]:
            from ..analysis.groups import analyze_groups
            from ..pipeline import group_memberships, read_codeowners

            if inputs.codeowners is None and c.project.codeowners and \
                    any(g.owner for g in groups):
                inputs.codeowners = read_codeowners(c.project.codeowners)
            member = cached if cached is not None else \
                group_memberships(data.tables, inputs, cancelled)
            res = analyze_groups(data.tables, member, groups, vsm_map, options,
                                 prepared=data.prepared)
            return key, member, res

        return work

    def _on_result(self, done: tuple[Any, Any, Any]) -> None:
        key, member, res = done
        self._member_key, self._member = key, member
        self._set(res)

    def _on_failed(self, message: str, details: str) -> None:
        self.view.set_entries([], f"The groups could not be measured: {message}")

    def _set(self, res: GroupsResult | None) -> None:
        self.result = res
        if res is None:
            self.view.set_entries([], "No groups in this project. Define teams or services "
                                      "with Measure ▸ Groups… to compare them side by side."
                                  if not self.groups() else "Not measured yet.")
        else:
            self.view.set_result(res)
        if self.focus:  # keep showing the drilled group with the new window's figures
            self.show_group(self.focus)

    def show_group(self, name: str) -> None:
        """Paint ``name``'s measured overlay on the map (``""``: the whole)."""
        entry = self.view.entry(name) if name else None
        self.focus = name if entry is not None else ""
        overlay = getattr(self.window_, "overlay", None)
        if overlay is not None:
            overlay.set_focus(self.focus, entry.result if entry is not None else None)
        self.view.set_focus(self.focus)
