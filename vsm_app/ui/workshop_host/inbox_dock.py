"""The workshop inbox dock: participants' contributions, grouped by stage, to accept or reject.

Rows
----
A group per stage (in the map's stage order), then ideas linked to no stage, then the team
pulse. In a stage group:

* **Estimates** — the median of every pending proposal per field with its spread
  (``wait 3h (1h – 8h)``); its children are the proposals, each with its author's display
  name. Accepting the group row applies the medians (and keeps the spread as the stage's
  min/max range); accepting one proposal applies it as it is.
* **Dots** on each idea of the stage, with who placed them; accepting adds them to the
  idea's tally.
* **Notes**, each with its author's name; accepting puts a sticky note above the stage.

The pulse shows only the number of answers (never an answer), and what recording it would
keep: fewer than 3 answers keep only their count (the pulse's minimum group).

Select rows, then Accept (Enter) or Reject (Delete). Several rows accepted at once are one
undo step. New contributions are drawn at most every :data:`REFRESH_MS`, only the groups
that changed, so a busy room does not hold the GUI thread.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...domain.improvement import MIN_GROUP_SIZE
from ...domain.model import ValueStreamMap
from ...metrics import format as fmt
from ...workshop.contributions import (
    ESTIMATE_FIELDS,
    ESTIMATE_LABELS,
    Contribution,
    Kind,
    Spread,
    Status,
)
from ...workshop.inbox import PULSE_GROUP, GroupKey, group_of
from .host import (
    AcceptCommand,
    AcceptError,
    WorkshopHost,
    accept_dots,
    accept_estimates,
    accept_note,
    accept_pulse,
    pulse_period,
    replaces_round,
)

REFRESH_MS = 150
#: rows drawn per kind and stage (oldest first); the rest wait below, counted: a busy room
#: cannot be read faster anyway, and the inbox then redraws in a few milliseconds
ROWS_PER_KIND = 40
ROLE = Qt.ItemDataRole.UserRole


def fmt_estimate(key: str, value: float, day_length_s: float) -> str:
    return fmt.value("estimate.pca", value) if key == "pca" \
        else fmt.duration(value, day_length_s)


def fmt_spread(sp: Spread, day_length_s: float) -> str:
    """``wait 3h (1h – 8h)``: the median, and the range when people disagree."""
    med = fmt_estimate(sp.field, sp.median, day_length_s)
    if sp.n < 2 or sp.low == sp.high:
        return f"{ESTIMATE_LABELS[sp.field]} {med}"
    lo, hi = (fmt_estimate(sp.field, v, day_length_s) for v in (sp.low, sp.high))
    return f"{ESTIMATE_LABELS[sp.field]} {med} ({lo} – {hi})"


def who(contributions: list[Contribution]) -> str:
    """``Ana, Ben ×2``: display names in order of arrival."""
    counts = Counter(c.name for c in contributions)
    return ", ".join(f"{n} ×{k}" if k > 1 else n for n, k in counts.items())


def _drop(item: QTreeWidgetItem) -> None:
    """Let go of a taken item and its rows. Each child is taken first, so every item ends
    Python-owned and freed: dropping a parent alone left its children's wrappers alive
    (14,000 of them after a busy minute, each full garbage collection slower)."""
    while item.childCount():
        _drop(item.takeChild(item.childCount() - 1))


class _Rows:
    """The child rows of ``parent`` filled in order, reusing the items already there (a
    redraw creates items only for new rows, and :func:`_put` changes only what differs, so
    an unchanged row costs nothing); :meth:`done` drops the rows left over."""

    def __init__(self, parent: QTreeWidgetItem) -> None:
        self.parent, self.i = parent, 0

    def next(self, *, leaf: bool = True) -> QTreeWidgetItem:
        if self.i < self.parent.childCount():
            it = self.parent.child(self.i)
            if leaf:
                _Rows(it).done()
        else:
            it = QTreeWidgetItem(self.parent)
        self.i += 1
        return it

    def done(self) -> None:
        while self.parent.childCount() > self.i:
            _drop(self.parent.takeChild(self.parent.childCount() - 1))


_SELECTABLE = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


def _put(item: QTreeWidgetItem, data: Any, text: str, who: str = "", tip: str = "", *,
         style: str = "", selectable: bool = True) -> None:
    """Set a row, touching only what changed (each change repaints the row)."""
    if item.data(0, ROLE) != data:
        item.setData(0, ROLE, data)
    for col, value in ((0, text), (1, who)):
        if item.text(col) != value:
            item.setText(col, value)
    if item.toolTip(0) != tip:
        item.setToolTip(0, tip)
    font = item.font(0)
    if font.bold() != (style == "bold") or font.italic() != (style == "italic"):
        font.setBold(style == "bold")
        font.setItalic(style == "italic")
        item.setFont(0, font)
    flags = _SELECTABLE if selectable else Qt.ItemFlag.ItemIsEnabled
    if item.flags() != flags:
        item.setFlags(flags)


class InboxDock(QWidget):
    """The body of ``dock.workshop_inbox``."""

    def __init__(self, host: WorkshopHost, invite: Callable[[], Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.inbox = host.inbox
        self.status = QLabel()
        self.status.setObjectName("inboxStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.invite_button = QPushButton("Invite participants…")
        self.invite_button.setObjectName("inboxInvite")
        self.invite_button.clicked.connect(lambda: invite())
        self.stop_button = QPushButton("Stop hosting")
        self.stop_button.setObjectName("inboxStop")
        self.stop_button.clicked.connect(host.stop)

        self.tree = QTreeWidget()
        self.tree.setObjectName("inboxTree")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Contribution", "From"])
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        # one line per row: with uniform heights the view lays out hundreds of rows cheaply
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        hh = self.tree.header()
        hh.setStretchLastSection(False)
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        hh.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemSelectionChanged.connect(self._sync_buttons)
        self.tree.installEventFilter(self)

        self.accept_button = QPushButton("Accept")
        self.accept_button.setObjectName("inboxAccept")
        self.accept_button.setToolTip("Apply the selected contributions to the map (Enter); "
                                      "one undo step")
        self.accept_button.clicked.connect(self.accept_selected)
        self.reject_button = QPushButton("Reject")
        self.reject_button.setObjectName("inboxReject")
        self.reject_button.setToolTip("Remove the selected contributions (Delete); a rejected "
                                      "dot goes back to its owner")
        self.reject_button.clicked.connect(self.reject_selected)
        self.message = QLabel()
        self.message.setObjectName("inboxMessage")
        self.message.setProperty("role", "error")
        self.message.setWordWrap(True)
        self.message.hide()
        self.empty = QLabel("Nothing waiting. Invite participants (Workshop ▸ Invite "
                            "participants): their notes, estimates, dots and pulse answers "
                            "arrive here, and nothing reaches the map until you accept it.")
        self.empty.setObjectName("inboxEmpty")
        self.empty.setWordWrap(True)
        self.empty.setProperty("role", "hint")

        top = QHBoxLayout()
        top.addWidget(self.invite_button)
        top.addWidget(self.stop_button)
        top.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.accept_button)
        bottom.addWidget(self.reject_button)
        bottom.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.status)
        lay.addLayout(top)
        lay.addWidget(self.empty)
        lay.addWidget(self.tree, 1)
        lay.addWidget(self.message)
        lay.addLayout(bottom)

        self._groups: dict[GroupKey, QTreeWidgetItem] = {}
        self._dirty: set[GroupKey] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self.inbox.changed.connect(self._on_changed)
        self.destroyed.connect(lambda *_: self.inbox.changed.disconnect(self._on_changed))
        host.hosting_changed.connect(lambda _on: self._sync_status())
        host.published.connect(lambda _v: self._mark_all())
        self.count_timer = QTimer(self)
        self.count_timer.setInterval(1000)
        self.count_timer.timeout.connect(self._sync_status)
        self._sync_status()
        self.refresh()

    # -- status --------------------------------------------------------------------------------
    def _sync_status(self) -> None:
        hosting = self.host.is_hosting()
        if hosting:
            n = self.host.participant_count()
            self.status.setText(f"Hosting at {self.host.url}\n{n} participant"
                                f"{'s' if n != 1 else ''} joined")
            if not self.count_timer.isActive():
                self.count_timer.start()
        else:
            self.count_timer.stop()
            self.status.setText("Not hosting.")
        self.stop_button.setVisible(hosting)

    # -- filling -------------------------------------------------------------------------------
    def _on_changed(self, keys: set[GroupKey]) -> None:
        self._dirty |= keys
        if not self._timer.isActive():
            self._timer.start()

    def _mark_all(self) -> None:
        """Names of stages and ideas may have changed (the map was edited)."""
        self._on_changed(set(self._groups))

    def _map(self, map_id: str) -> ValueStreamMap | None:
        return next((m for m in self.host.window.project.maps if m.id == map_id), None)

    def _order(self, key: GroupKey) -> tuple[int, int, str]:
        if key == PULSE_GROUP:
            return (3, 0, "")
        m = self._map(key[1])
        current = self.host.window.current_map()
        first = 0 if m is current else 1
        if key[0] == "ideas":
            return (2, first, key[1])
        if m is not None and m.has_stage(key[2]):
            return (first, m.stage_index(key[2]), key[1])
        return (first, 10_000, key[2])

    def refresh(self) -> None:
        """Redraw the groups that changed (all of them the first time)."""
        self._timer.stop()
        keys = set(self._dirty) | (set(self.inbox.groups()) - set(self._groups))
        self._dirty.clear()
        if keys:
            # the From column fits its contents once, after the redraw: fitting it on every
            # changed row measured every row each time (0.8 ms a row with 800 rows)
            header = self.tree.header()
            header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
            try:
                self._redraw(keys)
            finally:
                header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        has = bool(self._groups)
        self.tree.setVisible(has)
        self.empty.setVisible(not has)
        self._sync_buttons()

    def _redraw(self, keys: set[GroupKey]) -> None:
        selected = self._selected_keys()
        for key in keys:
            item = self._groups.get(key)
            if not self.inbox.pending(key):
                if item is not None:
                    _drop(self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(item)))
                    del self._groups[key]
                continue
            if item is None:
                item = QTreeWidgetItem()
                self._groups[key] = item
                self.tree.addTopLevelItem(item)
                item.setExpanded(True)
            self._fill(key, item)
        wanted = sorted(self._groups, key=self._order)
        if [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())] != \
                [self._groups[k] for k in wanted]:
            for k in wanted:
                it = self._groups[k]
                self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(it))
                self.tree.addTopLevelItem(it)
                it.setExpanded(True)
                for i in range(it.childCount()):
                    it.child(i).setExpanded(True)
        self._restore_selection(selected)

    def _fill(self, key: GroupKey, group: QTreeWidgetItem) -> None:
        rows = _Rows(group)
        if key == PULSE_GROUP:
            self._fill_pulse(group, rows)
            rows.done()
            return
        m = self._map(key[1])
        day = m.settings.day_length_s if m is not None else 86_400.0
        if key[0] == "ideas":
            title = "Ideas linked to no stage"
        elif m is not None and m.has_stage(key[2]):
            title = m.stage(key[2]).name
        else:
            title = "A deleted stage"
        if m is not None and m is not self.host.window.current_map():
            title += f" · {m.name}"
        pending = self.inbox.pending(key)
        kinds = Counter(c.kind for c in pending)
        parts = [f"{kinds[k]} {name}{'s' if kinds[k] != 1 else ''}"
                 for k, name in ((Kind.NOTE, "note"), (Kind.ESTIMATE, "estimate"),
                                 (Kind.VOTE, "dot")) if kinds[k]]
        _put(group, ("group", key), f"{title}  ({', '.join(parts)})", "",
             "Accept applies everything in this stage: the notes, the median of the "
             "estimates, the dots", style="bold")
        proposals = self.inbox.pending(key, Kind.ESTIMATE)
        if proposals:
            spreads = self.inbox.spreads(key)
            head = rows.next(leaf=False)
            head_rows = _Rows(head)
            n = len(proposals)
            tip = ("Accept applies the medians; the spread of wait and process time is kept "
                   "as the stage's min/max range")
            _put(head, ("estimates", key),
                 "Median of " + (f"{n} estimates" if n > 1 else "1 estimate"), who(proposals),
                 tip)
            # one row per field (the dock is narrow and the spread is the point); selecting
            # one stands for the median as a whole
            for k in ESTIMATE_FIELDS:
                if k in spreads:
                    _put(head_rows.next(), ("estimates", key),
                         "= " + fmt_spread(spreads[k], day), "", tip, style="bold")
            for c in proposals[:ROWS_PER_KIND]:
                _put(head_rows.next(), ("contribution", c.id),
                     ", ".join(f"{ESTIMATE_LABELS[k]} {fmt_estimate(k, v, day)}"
                               for k, v in c.values.items()),
                     c.name, "as typed: " + c.summary())
            self._more(head_rows, len(proposals) - ROWS_PER_KIND, "proposal")
            head_rows.done()
            if not head.isExpanded():
                head.setExpanded(True)
        for kid, dots in self.inbox.dots(key).items():
            idea = m.kaizens.get(kid) if m is not None else None
            text = idea.text if idea is not None else "a deleted idea"
            n = len(dots)
            _put(rows.next(), ("dots", key, kid),
                 f"● {n} dot{'s' if n != 1 else ''} on “{text}”", who(dots))
        notes = self.inbox.pending(key, Kind.NOTE)
        for c in notes[:ROWS_PER_KIND]:
            _put(rows.next(), ("contribution", c.id), f"Note: {c.text}", c.name, c.text)
        self._more(rows, len(notes) - ROWS_PER_KIND, "note")
        rows.done()

    def _more(self, rows: _Rows, n: int, what: str) -> None:
        """``… 12 more notes``: not drawn one by one (they show as these are taken up; the
        group's row accepts or rejects them all). Not selectable: it stands for no decision."""
        if n > 0:
            _put(rows.next(), None, f"… {n} more {what}{'s' if n != 1 else ''}", "",
                 "They show here as the ones above are accepted or rejected; the stage's "
                 "row accepts or rejects them all", style="italic", selectable=False)

    def _fill_pulse(self, group: QTreeWidgetItem, rows: _Rows) -> None:
        answers = self.inbox.pending(PULSE_GROUP)
        period = pulse_period()
        before = len(self.inbox.accepted_pulse(period))
        n = len(answers)
        tip = ("Answers carry no name; the round holds team means only, shown from "
               f"{MIN_GROUP_SIZE} answers (Improve ▸ Pulse)")
        _put(group, ("group", PULSE_GROUP),
             f"Team pulse  ({n} anonymous answer{'s' if n != 1 else ''})", "", tip, style="bold")
        total = before + n
        notes = []
        if before:
            notes.append(f"with the {before} recorded earlier this week")
        if total < MIN_GROUP_SIZE:
            notes.append(f"fewer than {MIN_GROUP_SIZE}: only the count is kept")
        if replaces_round(self.host.window.project, self.inbox, period):
            notes.append(f"replaces the round recorded for {period}")
        row = rows.next(leaf=False)
        text = f"Record as SPACE round {period}: {total} answer{'s' if total != 1 else ''}"
        _put(row, ("pulse",), text, "", "\n".join([text, *notes, tip]))
        info_rows = _Rows(row)
        for note in notes:  # a row each: the dock is narrow
            _put(info_rows.next(), ("pulse",), note, "", tip)
        info_rows.done()
        if not row.isExpanded():
            row.setExpanded(True)

    # -- selection -----------------------------------------------------------------------------
    def _selected_keys(self) -> list[Any]:
        return [it.data(0, ROLE) for it in self.tree.selectedItems()]

    def _restore_selection(self, keys: list[Any]) -> None:
        if not keys:
            return
        wanted = set(map(repr, keys))
        self.tree.blockSignals(True)
        for group in self._groups.values():
            for it in self._walk(group):
                on = repr(it.data(0, ROLE)) in wanted
                if it.isSelected() != on:
                    it.setSelected(on)
        self.tree.blockSignals(False)

    @staticmethod
    def _walk(item: QTreeWidgetItem) -> list[QTreeWidgetItem]:
        out = [item]
        for i in range(item.childCount()):
            out += InboxDock._walk(item.child(i))
        return out

    def _sync_buttons(self) -> None:
        has = bool(self.tree.selectedItems())
        self.accept_button.setEnabled(has)
        self.reject_button.setEnabled(has)

    def rows(self) -> list[QTreeWidgetItem]:
        """Every row, depth first, redrawn first (for tests and automation)."""
        self.refresh()
        return [it for g in (self.tree.topLevelItem(i)
                             for i in range(self.tree.topLevelItemCount()))
                for it in self._walk(g)]

    def select(self, predicate: Callable[[QTreeWidgetItem], bool]) -> int:
        """Select the rows ``predicate`` picks; returns how many."""
        self.refresh()
        self.tree.clearSelection()
        n = 0
        for it in self.rows():
            if predicate(it):
                it.setSelected(True)
                n += 1
        return n

    def _picked(self) -> list[tuple[str, Any]]:
        """What the selection stands for, without repeats: a selected group covers its rows,
        a selected median (or one of its field rows) covers its proposals."""
        datas: list[Any] = []
        for it in self.tree.selectedItems():
            d = it.data(0, ROLE)
            if d and d not in datas:
                datas.append(d)
        groups = {d[1] for d in datas if d[0] == "group"}
        medians = {d[1] for d in datas if d[0] == "estimates"}

        def covered(d: Any) -> bool:
            if d[0] == "group":
                return False
            if d[0] == "pulse":
                return PULSE_GROUP in groups
            if d[0] in ("estimates", "dots"):
                return d[1] in groups
            c = self.inbox.contribution(d[1])
            key = group_of(c)
            return key in groups or (c.kind == Kind.ESTIMATE and key in medians)

        return [d for d in datas if not covered(d)]

    # -- acting --------------------------------------------------------------------------------
    def _commands_for(self, picked: list[tuple[str, Any]]) -> tuple[list[AcceptCommand],
                                                                    list[str]]:
        project = self.host.window.project
        commands: list[AcceptCommand] = []
        problems: list[str] = []
        taken: list[tuple[float, float]] = []

        def add(make: Callable[[], AcceptCommand], what: str) -> None:
            try:
                commands.append(make())
            except AcceptError as e:
                problems.append(f"{what}: {e}")

        for data in picked:
            what = data[0]
            if what == "pulse" or (what == "group" and data[1] == PULSE_GROUP):
                answers = self.inbox.pending(PULSE_GROUP)
                if answers:
                    add(lambda a=answers: accept_pulse(project, self.inbox, a, pulse_period()),
                        "the pulse")
                continue
            if what == "group":
                key = data[1]
                proposals = self.inbox.pending(key, Kind.ESTIMATE)
                if proposals:
                    add(lambda p=proposals: accept_estimates(project, self.inbox, p),
                        "the estimates")
                for dots in self.inbox.dots(key).values():
                    add(lambda d=dots: accept_dots(project, self.inbox, d), "the dots")
                for c in self.inbox.pending(key, Kind.NOTE):
                    add(lambda c=c: accept_note(project, self.inbox, c, taken),
                        f"the note from {c.name}")
            elif what == "estimates":
                proposals = self.inbox.pending(data[1], Kind.ESTIMATE)
                if proposals:
                    add(lambda p=proposals: accept_estimates(project, self.inbox, p),
                        "the estimates")
            elif what == "dots":
                dots = self.inbox.dots(data[1]).get(data[2], [])
                if dots:
                    add(lambda d=dots: accept_dots(project, self.inbox, d), "the dots")
            elif what == "contribution":
                if self.inbox.status(data[1]) != Status.PENDING:
                    continue  # taken up already (a row not yet redrawn)
                c = self.inbox.contribution(data[1])
                if c.kind == Kind.NOTE:
                    add(lambda c=c: accept_note(project, self.inbox, c, taken),
                        f"the note from {c.name}")
                else:
                    add(lambda c=c: accept_estimates(project, self.inbox, [c]),
                        f"the estimate from {c.name}")
        return commands, problems

    def accept_selected(self) -> int:
        """Accept what is selected (one undo step); returns the commands pushed."""
        commands, problems = self._commands_for(self._picked())
        if commands:
            self.host.accept(commands)
        self._show_problems(problems, "cannot be accepted")
        self._after_decision(keep_selection=bool(problems))
        return len(commands)

    def _after_decision(self, keep_selection: bool = False) -> None:
        """The decided rows leave the selection at once (a second Enter does nothing; rows
        that could not be accepted stay selected, to reject) and the inbox redraws on the
        next turn of the event loop, apart from the map's own reaction to the edit, so
        neither holds the GUI thread for both."""
        if not keep_selection:
            self.tree.clearSelection()
            self._sync_buttons()
        QTimer.singleShot(0, self, self.refresh)

    def _ids_of(self, picked: list[tuple[str, Any]]) -> list[str]:
        ids: list[str] = []
        for data in picked:
            what = data[0]
            if what == "pulse" or (what == "group" and data[1] == PULSE_GROUP):
                ids += [c.id for c in self.inbox.pending(PULSE_GROUP)]
            elif what == "group":
                ids += [c.id for c in self.inbox.pending(data[1])]
            elif what == "estimates":
                ids += [c.id for c in self.inbox.pending(data[1], Kind.ESTIMATE)]
            elif what == "dots":
                ids += [c.id for c in self.inbox.dots(data[1]).get(data[2], [])]
            elif what == "contribution" and self.inbox.status(data[1]) == Status.PENDING:
                ids.append(data[1])
        return ids

    def reject_selected(self) -> int:
        """Remove what is selected from the inbox; returns how many contributions."""
        ids = self._ids_of(self._picked())
        self.host.reject(ids)
        self._show_problems([], "")
        self._after_decision()
        return len(ids)

    def _show_problems(self, problems: list[str], what: str) -> None:
        if problems:
            self.message.setText(f"Some contributions {what} (reject them instead):\n• "
                                 + "\n• ".join(problems))
            self.message.show()
        else:
            self.message.hide()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        # Enter and Delete act on the inbox while it has the focus (not on the map)
        if obj is self.tree and event.type() in (QEvent.Type.ShortcutOverride,
                                                 QEvent.Type.KeyPress):
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Delete,
                       Qt.Key.Key_Backspace):
                event.accept()
                if event.type() == QEvent.Type.KeyPress:
                    if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                        self.accept_selected()
                    else:
                        self.reject_selected()
                return True
        return super().eventFilter(obj, event)
