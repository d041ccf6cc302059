"""Workshop support: the project charter, a parking lot for ideas, a time-box timer, and
maps from templates.

* :class:`CharterDialog` edits scope, trigger, end point and the participants as roles (no
  names: an e-mail address is refused by the domain).
* The parking lot keeps ideas for later; adding and removing one is an undo step.
* :class:`TimeBox` counts a time-box down on a ``QTimer`` (one tick a second); tests call
  :meth:`TimeBox.tick` instead of waiting. At zero it stops and raises a visual alert (no
  sound): the countdown turns red and blinks a few times, in the dock and in the status bar.
* :class:`TemplateDialog` lists :data:`~vsm_app.domain.templates.TEMPLATES` with their
  descriptions and adds the chosen one as a new map (one undo step).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...domain.improvement import ProjectCharter, read_charter
from ...domain.model import Project, ValueStreamMap
from ...domain.templates import TEMPLATE_DESCRIPTIONS, TEMPLATES
from ..commands import AddMapCommand
from .commands import charter_command, parking_lot_command
from .common import ImproveContext, ValidatedDialog, is_dark, label

TEMPLATE_TITLES: dict[str, str] = {
    "software-delivery": "Software delivery",
    "trunk-based": "Trunk-based development",
    "pr-release-train": "Pull requests with release trains",
    "regulated": "Regulated, with a change approval board",
}
BLINKS = 6  # half-second flashes of the alert at zero


def fmt_clock(seconds: int) -> str:
    """``mm:ss`` (``h:mm:ss`` from an hour)."""
    s = max(0, int(seconds))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m:02d}:{sec:02d}"


# -- the time-box ---------------------------------------------------------------------------------

class TimeBox(QObject):
    """A countdown for a time-boxed session.

    Signals
    -------
    changed(int)
        Seconds remaining (after every tick, start, pause, reset or new length).
    running_changed(bool)
    expired()
        The countdown reached zero.
    """

    changed = Signal(int)
    running_changed = Signal(bool)
    expired = Signal()

    def __init__(self, minutes: int = 10, parent: QObject | None = None, *,
                 tick_ms: int = 1000) -> None:
        super().__init__(parent)
        self.length_s = int(minutes) * 60
        self.remaining_s = self.length_s
        self._timer = QTimer(self)
        self._timer.setInterval(tick_ms)  # one second counted per tick (tests use less)
        self._timer.timeout.connect(lambda: self.tick(1))

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    @property
    def is_expired(self) -> bool:
        return self.remaining_s <= 0

    def set_minutes(self, minutes: int) -> None:
        """A new length; a countdown that is not running starts over from it."""
        self.length_s = max(1, int(minutes)) * 60
        if not self.running:
            self.remaining_s = self.length_s
            self.changed.emit(self.remaining_s)

    def start(self) -> None:
        if self.running:
            return
        if self.remaining_s <= 0:
            self.remaining_s = self.length_s
        self._timer.start()
        self.running_changed.emit(True)
        self.changed.emit(self.remaining_s)

    def pause(self) -> None:
        if self.running:
            self._timer.stop()
            self.running_changed.emit(False)
            self.changed.emit(self.remaining_s)

    def toggle(self) -> None:
        self.pause() if self.running else self.start()

    def reset(self) -> None:
        was = self.running
        self._timer.stop()
        self.remaining_s = self.length_s
        if was:
            self.running_changed.emit(False)
        self.changed.emit(self.remaining_s)

    def tick(self, seconds: int = 1) -> None:
        """Count ``seconds`` down (the QTimer calls this once a second)."""
        if self.remaining_s <= 0:
            return
        self.remaining_s = max(0, self.remaining_s - int(seconds))
        self.changed.emit(self.remaining_s)
        if self.remaining_s == 0:
            if self._timer.isActive():
                self._timer.stop()
                self.running_changed.emit(False)
            self.expired.emit()


class CountdownLabel(QLabel):
    """The time-box's remaining time; red and blinking at zero (a visual alert, no sound)."""

    def __init__(self, box: TimeBox, *, compact: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.box = box
        self.compact = compact
        self.alert = False
        self._blinks = 0
        self._blink = QTimer(self)
        self._blink.setInterval(500)
        self._blink.timeout.connect(self._on_blink)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if not compact:
            f = self.font()
            f.setPointSizeF(max(f.pointSizeF(), 9.0) * 3.2)
            f.setBold(True)
            self.setFont(f)
        box.changed.connect(self._show)
        box.running_changed.connect(lambda _r: self._show(box.remaining_s))
        box.expired.connect(self.raise_alert)
        self._show(box.remaining_s)

    def _show(self, remaining: int) -> None:
        if remaining > 0:
            self.alert = False
            self._blink.stop()
        clock = fmt_clock(remaining)
        if self.compact:
            state = "" if self.box.running else " (paused)" \
                if remaining not in (0, self.box.length_s) else ""
            self.setText(f"Time-box {clock}{state}" if remaining else "Time-box: time is up")
            self.setVisible(self.box.running or remaining != self.box.length_s)
        else:
            self.setText(clock if remaining else "00:00 — time is up")
        self._style(on=self.alert)

    def raise_alert(self) -> None:
        self.alert = True
        self._blinks = BLINKS
        self._style(on=True)
        self._blink.start()

    def _on_blink(self) -> None:
        self._blinks -= 1
        self._style(on=self._blinks % 2 == 0)
        if self._blinks <= 0:
            self._blink.stop()
            self._style(on=True)

    def _style(self, on: bool) -> None:
        pad = "2px 8px" if self.compact else "6px 12px"
        if self.alert and on:
            self.setStyleSheet(f"background: #c62828; color: #ffffff; border-radius: 4px; "
                               f"padding: {pad}; font-weight: bold;")
        elif self.alert:
            self.setStyleSheet(f"background: transparent; color: #c62828; padding: {pad}; "
                               "font-weight: bold;")
        else:
            colour = "#e8ecf2" if is_dark() else "#1d2330"
            self.setStyleSheet(f"color: {colour}; padding: {pad};")


# -- dialogs --------------------------------------------------------------------------------------

class CharterDialog(ValidatedDialog):
    """Scope, trigger, end point and participants (roles, one per line)."""

    def __init__(self, charter: ProjectCharter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Project charter")
        self.setObjectName("charterDialog")
        self.base = charter
        self._result: ProjectCharter | None = None
        self.scope = QPlainTextEdit(charter.scope)
        self.scope.setObjectName("charterScope")
        self.scope.setPlaceholderText("Which value stream, from where to where, e.g. "
                                      "'checkout service: idea to production'")
        self.trigger = QPlainTextEdit(charter.trigger)
        self.trigger.setObjectName("charterTrigger")
        self.trigger.setPlaceholderText("Where the stream starts, e.g. 'a story is ready'")
        self.end_point = QPlainTextEdit(charter.end_point)
        self.end_point.setObjectName("charterEndPoint")
        self.end_point.setPlaceholderText("Where it ends, e.g. 'running in production'")
        self.participants = QPlainTextEdit("\n".join(charter.participants))
        self.participants.setObjectName("charterParticipants")
        self.participants.setPlaceholderText("one role per line: tech lead, product owner, "
                                             "SRE… (roles, never names)")
        for w in (self.scope, self.trigger, self.end_point):
            w.setFixedHeight(58)
        self.participants.setFixedHeight(90)
        form = QFormLayout()
        form.addRow("Scope", self.scope)
        form.addRow("Trigger", self.trigger)
        form.addRow("End point", self.end_point)
        form.addRow("Participants (roles)", self.participants)
        self.lay_out(form, error_name="charterError")
        self.resize(560, 420)

    def build(self) -> ProjectCharter:
        roles = [r.strip() for r in self.participants.toPlainText().splitlines() if r.strip()]
        return ProjectCharter(scope=self.scope.toPlainText().strip(),
                              trigger=self.trigger.toPlainText().strip(),
                              end_point=self.end_point.toPlainText().strip(),
                              participants=roles, parking_lot=list(self.base.parking_lot))

    def charter(self) -> ProjectCharter | None:
        return self._result


def unique_map_name(project: Project, base: str) -> str:
    names = {m.name for m in project.maps}
    name, n = base, 1
    while name in names:
        n += 1
        name = f"{base} {n}"
    return name


class TemplateDialog(QDialog):
    """Pick a value-stream template; OK builds a new map (see :meth:`new_map`)."""

    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New map from template")
        self.setObjectName("templateDialog")
        self.project = project
        self.list = QListWidget()
        self.list.setObjectName("templateList")
        self.list.setWordWrap(True)
        self.list.setSpacing(3)
        for key in TEMPLATES:
            it = QListWidgetItem(f"{TEMPLATE_TITLES.get(key, key)}\n"
                                 f"{TEMPLATE_DESCRIPTIONS.get(key, '')}")
            it.setData(Qt.ItemDataRole.UserRole, key)
            it.setToolTip(TEMPLATE_DESCRIPTIONS.get(key, key))
            self.list.addItem(it)
        self.list.setCurrentRow(0)
        self.list.currentRowChanged.connect(lambda _r: self._suggest_name())
        self.list.itemDoubleClicked.connect(lambda _i: self.accept())
        self.name = QLineEdit()
        self.name.setObjectName("templateMapName")
        self.kind = QComboBox()
        self.kind.addItem("Current state", "current")
        self.kind.addItem("Future state", "future")
        form = QFormLayout()
        form.addRow("Map name", self.name)
        form.addRow("Kind", self.kind)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(label("Stages, flows, typical estimates and data bindings of a common "
                            "software value stream; edit them in the workshop.", "hint"))
        lay.addWidget(self.list)
        lay.addLayout(form)
        lay.addWidget(buttons)
        self.resize(560, 420)
        self._suggest_name()

    def template_key(self) -> str:
        it = self.list.currentItem()
        return str(it.data(Qt.ItemDataRole.UserRole)) if it else next(iter(TEMPLATES))

    def select(self, key: str) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole) == key:
                self.list.setCurrentRow(i)
                return
        raise KeyError(key)

    def _suggest_name(self) -> None:
        title = TEMPLATE_TITLES.get(self.template_key(), self.template_key())
        self.name.setText(unique_map_name(self.project, title.split(" (")[0].split(",")[0]))

    def new_map(self) -> ValueStreamMap:
        """The chosen template as a new map, with the name and kind entered."""
        m = TEMPLATES[self.template_key()]()
        name = " ".join(self.name.text().split()) or m.name
        m.rename(unique_map_name(self.project, name))
        m.kind = str(self.kind.currentData())
        return m


# -- the dock -------------------------------------------------------------------------------------

class WorkshopDock(QWidget):
    """The body of ``dock.workshop``: charter, parking lot, time-box, templates."""

    def __init__(self, ctx: ImproveContext, timebox: TimeBox,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.timebox = timebox
        self.charter_dialog: CharterDialog | None = None
        self.template_dialog: TemplateDialog | None = None

        # charter
        self.charter_text = label("", name="charterSummary")
        self.charter_text.setTextFormat(Qt.TextFormat.PlainText)
        self.charter_button = QPushButton("Edit charter…")
        self.charter_button.setObjectName("editCharter")
        self.charter_button.clicked.connect(lambda: self.edit_charter())

        # parking lot
        self.parking = QListWidget()
        self.parking.setObjectName("parkingLot")
        self.parking.setMaximumHeight(150)
        self.parking.setWordWrap(True)
        self.idea = QLineEdit()
        self.idea.setObjectName("parkingIdea")
        self.idea.setPlaceholderText("An idea for later… (Enter adds it)")
        self.idea.returnPressed.connect(lambda: self.park_idea())
        self.park_button = QPushButton("Add")
        self.park_button.clicked.connect(lambda: self.park_idea())
        self.unpark_button = QPushButton("Remove")
        self.unpark_button.clicked.connect(lambda: self.remove_idea())
        idea_row = QHBoxLayout()
        idea_row.addWidget(self.idea, 1)
        idea_row.addWidget(self.park_button)
        idea_row.addWidget(self.unpark_button)

        # time-box
        self.minutes = QSpinBox()
        self.minutes.setObjectName("timeboxMinutes")
        self.minutes.setRange(1, 480)
        self.minutes.setSuffix(" min")
        self.minutes.setValue(max(1, timebox.length_s // 60))
        self.minutes.valueChanged.connect(timebox.set_minutes)
        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("timeboxStart")
        self.start_button.clicked.connect(timebox.toggle)
        self.reset_button = QPushButton("Reset")
        self.reset_button.setObjectName("timeboxReset")
        self.reset_button.clicked.connect(timebox.reset)
        timebox.changed.connect(lambda _s: self._sync_timer_buttons(timebox.running))
        self.countdown = CountdownLabel(timebox)
        self.countdown.setObjectName("timeboxCountdown")
        timebox.running_changed.connect(self._sync_timer_buttons)
        timer_row = QHBoxLayout()
        timer_row.addWidget(self.minutes)
        timer_row.addWidget(self.start_button)
        timer_row.addWidget(self.reset_button)
        timer_row.addStretch(1)

        # templates
        self.template_button = QPushButton("New map from template…")
        self.template_button.setObjectName("newFromTemplate")
        self.template_button.clicked.connect(lambda: self.new_from_template())

        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 8)
        lay.addWidget(label("Project charter", "heading"))
        lay.addWidget(self.charter_text)
        lay.addWidget(self.charter_button, 0, Qt.AlignmentFlag.AlignLeft)
        lay.addWidget(_rule())
        lay.addWidget(label("Parking lot", "heading"))
        lay.addWidget(label("Ideas that are not for now: keep them, move on.", "hint"))
        lay.addWidget(self.parking)
        lay.addLayout(idea_row)
        lay.addWidget(_rule())
        lay.addWidget(label("Time-box", "heading"))
        lay.addLayout(timer_row)
        lay.addWidget(self.countdown)
        lay.addWidget(_rule())
        lay.addWidget(label("Templates", "heading"))
        lay.addWidget(self.template_button, 0, Qt.AlignmentFlag.AlignLeft)
        lay.addStretch(1)

        ctx.records_changed.connect(lambda s: s == "charter" and self.reload())
        ctx.project_changed.connect(lambda _p: self.reload())
        self.reload()

    # charter and parking lot ----------------------------------------------------------------
    def charter(self) -> ProjectCharter:
        try:
            return read_charter(self.ctx.project)
        except ValueError:
            return ProjectCharter()

    def reload(self) -> None:
        try:
            c = read_charter(self.ctx.project)
        except ValueError as e:
            self.charter_text.setText(f"The project's charter cannot be read: {e}")
            c = ProjectCharter()
        else:
            lines = [f"Scope: {c.scope or '—'}", f"Trigger: {c.trigger or '—'}",
                     f"End point: {c.end_point or '—'}",
                     f"Participants: {', '.join(c.participants) or '—'}"]
            self.charter_text.setText("\n".join(lines))
        self.parking.clear()
        for idea in c.parking_lot:
            self.parking.addItem(idea)
        self.unpark_button.setEnabled(bool(c.parking_lot))

    def edit_charter(self) -> CharterDialog:
        dlg = CharterDialog(self.charter(), self.window())
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.accepted.connect(lambda: self._charter_done(dlg))
        self.charter_dialog = dlg
        dlg.open()
        return dlg

    def _charter_done(self, dlg: CharterDialog) -> None:
        c = dlg.charter()
        if c is not None and c.to_dict() != self.charter().to_dict():
            self.ctx.push(charter_command(self.ctx.project, c))

    def park_idea(self, text: str | None = None) -> None:
        idea = " ".join((self.idea.text() if text is None else text).split())
        if not idea:
            return
        ideas = [*self.charter().parking_lot, idea]
        self.ctx.push(parking_lot_command(self.ctx.project, ideas, f"Park idea {idea[:40]}"))
        if text is None:
            self.idea.clear()

    def remove_idea(self, row: int | None = None) -> None:
        ideas = self.charter().parking_lot
        row = self.parking.currentRow() if row is None else row
        if not ideas:
            return
        if row < 0 or row >= len(ideas):
            row = len(ideas) - 1
        gone = ideas.pop(row)
        self.ctx.push(parking_lot_command(self.ctx.project, ideas,
                                          f"Remove idea {gone[:40]}"))

    # timer ------------------------------------------------------------------------------------
    def _sync_timer_buttons(self, running: bool) -> None:
        box = self.timebox
        paused = 0 < box.remaining_s < box.length_s
        self.start_button.setText("Pause" if running else "Resume" if paused else "Start")
        self.minutes.setEnabled(not running)

    # templates ----------------------------------------------------------------------------------
    def new_from_template(self) -> TemplateDialog:
        """Open the template dialog (non-blocking); OK adds the map as one undo step."""
        dlg = TemplateDialog(self.ctx.project, self.window())
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.accepted.connect(lambda: self._template_done(dlg))
        self.template_dialog = dlg
        dlg.open()
        return dlg

    def _template_done(self, dlg: TemplateDialog) -> None:
        m = dlg.new_map()
        self.ctx.push(AddMapCommand(self.ctx.project, m,
                                    text=f"Add map {m.name} from template"))


def _rule() -> QFrame:
    f = QFrame()
    f.setFrameShape(QFrame.Shape.HLine)
    f.setFrameShadow(QFrame.Shadow.Sunken)
    return f
