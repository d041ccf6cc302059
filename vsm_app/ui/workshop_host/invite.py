"""Workshop ▸ Invite participants: the link and its QR code, big enough for a projector.

The dialog starts hosting on the default address (the LAN address, else loopback) as it
opens, so one menu click puts a scannable code on the screen. Picking another address
restarts the session there (a new token: the old link stops working). Binding every
interface (0.0.0.0) is offered but never the default, and the dialog says what it means.
"""

from __future__ import annotations

import segno
from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...workshop.net import ALL_INTERFACES, LOOPBACK, HostChoice, host_choices
from ...workshop.session import MAX_VOTES_PER_PERSON
from .host import WorkshopHost

#: the smallest side of the QR code on screen (px): at ~10× its width a phone reads it, so
#: on a projector it is meant to grow with the dialog (and fill the screen in full screen)
QR_MIN_PX = 360
QR_BORDER = 4  # the quiet zone the QR standard asks for, in modules


class QrCode(QWidget):
    """A QR code drawn square, with whole pixels per module, as large as the widget allows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inviteQr")
        self.text = ""
        self.modules: list[list[int]] = []
        self.setMinimumSize(QR_MIN_PX, QR_MIN_PX)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("QR code of the workshop link")

    def set_text(self, text: str) -> None:
        self.text = text
        self.modules = ([list(row) for row in segno.make(text, error="m", micro=False)
                         .matrix_iter(scale=1, border=QR_BORDER)] if text else [])
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt name)
        return QSize(520, 520)

    def module_px(self) -> int:
        """Pixels per module at the widget's size (whole pixels keep the code crisp)."""
        n = len(self.modules)
        return min(self.width(), self.height()) // n if n else 0

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt name)
        p = QPainter(self)
        n, px = len(self.modules), self.module_px()
        if not n or px <= 0:
            p.end()
            return
        side = n * px
        left, top = (self.width() - side) // 2, (self.height() - side) // 2
        p.fillRect(left, top, side, side, QColor("#ffffff"))  # the quiet zone stays white
        dark = QColor("#000000")
        for r, row in enumerate(self.modules):
            for c, on in enumerate(row):
                if on:
                    p.fillRect(left + c * px, top + r * px, px, px, dark)
        p.end()


class InviteDialog(QDialog):
    """The link, its QR code, where the session listens and how many dots each person has."""

    def __init__(self, host: WorkshopHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.setObjectName("inviteDialog")
        self.setWindowTitle("Invite participants")
        self.setModal(False)

        self.heading = QLabel("Scan to join the workshop")
        f = QFont(self.font())
        f.setPointSizeF(f.pointSizeF() * 1.8)
        f.setBold(True)
        self.heading.setFont(f)
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr = QrCode()
        self.url = QLabel()
        self.url.setObjectName("inviteUrl")
        uf = QFont(self.font())
        uf.setPointSizeF(uf.pointSizeF() * 1.35)
        uf.setStyleHint(QFont.StyleHint.Monospace)
        uf.setFamily("monospace")
        self.url.setFont(uf)
        self.url.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.url.setWordWrap(True)
        self.url.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.where = QLabel()
        self.where.setObjectName("inviteWhere")
        self.where.setWordWrap(True)
        self.where.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.where.setProperty("role", "hint")

        self.address = QComboBox()
        self.address.setObjectName("inviteAddress")
        self.choices: list[HostChoice] = host_choices()
        for ch in self.choices:
            self.address.addItem(ch.label, ch.address)
        self.address.setToolTip("Where participants reach this computer. The local network "
                                "is the default; every interface also answers on other "
                                "networks this computer is on.")
        self.dots = QSpinBox()
        self.dots.setObjectName("inviteDots")
        self.dots.setRange(1, MAX_VOTES_PER_PERSON)
        self.dots.setValue(host.votes_per_person)
        self.dots.setToolTip("Dots each participant may place on the kaizen ideas")
        self.participants = QLabel()
        self.participants.setObjectName("inviteParticipants")
        self.error = QLabel()
        self.error.setObjectName("inviteError")
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.hide()

        self.copy_button = QPushButton("Copy link")
        self.copy_button.setObjectName("inviteCopy")
        self.copy_button.clicked.connect(self.copy_link)
        self.full_button = QPushButton("Full screen")
        self.full_button.setObjectName("inviteFullScreen")
        self.full_button.setCheckable(True)
        self.full_button.toggled.connect(self.set_full_screen)
        self.start_button = QPushButton("Start hosting")
        self.start_button.setObjectName("inviteStart")
        self.start_button.clicked.connect(lambda: self.start())
        self.stop_button = QPushButton("Stop hosting")
        self.stop_button.setObjectName("inviteStop")
        self.stop_button.setToolTip("Close the session: the link and the QR code stop working; "
                                    "what arrived stays in the inbox")
        self.stop_button.clicked.connect(self.host.stop)
        close = QPushButton("Close")
        close.clicked.connect(self.close)

        form = QFormLayout()
        form.addRow("Network", self.address)
        form.addRow("Dots per person", self.dots)
        buttons = QHBoxLayout()
        for b in (self.copy_button, self.full_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.participants)
        buttons.addStretch(1)
        for b in (self.start_button, self.stop_button, close):
            buttons.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addWidget(self.heading)
        lay.addWidget(self.qr, 1)
        lay.addWidget(self.url)
        lay.addWidget(self.where)
        lay.addWidget(self.error)
        lay.addLayout(form)
        lay.addLayout(buttons)

        self.address.activated.connect(lambda _i: self.start())
        self.dots.valueChanged.connect(self.host.set_votes_per_person)
        host.hosting_changed.connect(self._sync)
        self.timer = QTimer(self)  # the participant count (a number in memory, read each second)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._count)
        self.resize(640, 820)
        self._sync(host.is_hosting())

    def chosen_address(self) -> str:
        return str(self.address.currentData())

    def select_address(self, address: str) -> None:
        i = self.address.findData(address)
        if i >= 0:
            self.address.setCurrentIndex(i)

    def start(self) -> bool:
        """(Re)start hosting on the chosen address; a bind failure is shown in the dialog."""
        try:
            self.host.start(self.chosen_address(), votes_per_person=self.dots.value())
        except OSError as e:
            self.error.setText(f"Cannot host on {self.chosen_address()}: {e.strerror or e}. "
                               "Pick another network above.")
            self.error.show()
            return False
        self.error.hide()
        return True

    def _sync(self, hosting: bool) -> None:
        url = self.host.url if hosting else None
        self.qr.set_text(url or "")
        self.qr.setVisible(url is not None)
        self.heading.setText("Scan to join the workshop" if url else "Not hosting")
        self.url.setText(url or "Start hosting to get a link for the room.")
        address = self.host.server.host if hosting and self.host.server else None
        if address == ALL_INTERFACES:
            where = ("Listening on every network interface: reachable from every network "
                     "this computer is on (Wi-Fi, cable, VPN).")
        elif address == LOOPBACK:
            where = "Only this computer can open the link (for trying it out)."
        elif address:
            where = ("Phones and laptops on the same network open the link or scan the "
                     "code. Nothing leaves the room: no account, no internet.")
        else:
            where = ""
        self.where.setText(where)
        self.start_button.setVisible(not hosting)
        self.stop_button.setVisible(hosting)
        self.copy_button.setEnabled(hosting)
        if hosting:
            self.timer.start()
        else:
            self.timer.stop()
        self._count()

    def _count(self) -> None:
        n = self.host.participant_count()
        self.participants.setText(f"{n} participant{'s' if n != 1 else ''} joined"
                                  if self.host.is_hosting() else "")

    def copy_link(self) -> None:
        if self.host.url:
            QGuiApplication.clipboard().setText(self.host.url)

    def set_full_screen(self, on: bool) -> None:
        """The code as large as the screen allows (Esc or the button leaves)."""
        if on:
            self.showFullScreen()
        else:
            self.showNormal()

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if event.key() == Qt.Key.Key_Escape and self.isFullScreen():
            self.full_button.setChecked(False)
            return
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self.timer.stop()
        super().closeEvent(event)

    def qr_rect(self) -> QRectF:
        """Where the code is drawn, in the QR widget (for tests and screenshots)."""
        n, px = len(self.qr.modules), self.qr.module_px()
        side = n * px
        return QRectF((self.qr.width() - side) // 2, (self.qr.height() - side) // 2, side, side)
