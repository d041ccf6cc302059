"""Help ▸ About (version, Qt and Python, the user's folders, licence) and Help ▸ Show log."""

from __future__ import annotations

import platform
import sys
from pathlib import Path

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ... import cachedir, paths
from ...logs import current_log_file, tail
from ...metrics import format as fmt
from ..icons import app_icon

LICENSE_NAME = "MIT"


def version() -> str:
    from ... import __version__

    return str(__version__)


def license_text() -> str:
    """The licence shipped in the package metadata (``LICENSE``)."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution("vsm-app")
    except PackageNotFoundError:
        return f"{LICENSE_NAME} licence"
    for name in ("licenses/LICENSE", "LICENSE"):
        text = dist.read_text(name)
        if text:
            return text
    for f in dist.files or []:  # e.g. an egg-info lists the LICENSE beside the sources
        if f.name == "LICENSE":
            try:
                return f.read_text(encoding="utf-8")
            except OSError:
                continue
    return f"{LICENSE_NAME} licence"


def project_urls() -> list[tuple[str, str]]:
    """``[project.urls]`` of the installed package: (label, address)."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        entries = distribution("vsm-app").metadata.get_all("Project-URL") or []
    except PackageNotFoundError:
        return []
    out = []
    for entry in entries:
        label, _, url = str(entry).partition(",")
        if url.strip():
            out.append((label.strip(), url.strip()))
    return out


def _size(n: int) -> str:
    if n >= 1 << 30:
        return f"{fmt.number(n / (1 << 30), 1)} GB"
    return f"{fmt.number(n / (1 << 20), 1)} MB" if n >= 1 << 20 \
        else f"{fmt.number(n / 1024, 0)} KB"


def folders() -> list[tuple[str, Path, str]]:
    """(label, folder or file, note) for the About box."""
    cache = paths.cache_dir()
    n, size = cachedir.usage(cache)
    log_file = current_log_file() or paths.log_path()
    return [
        ("Settings", paths.settings_path(), ""),
        ("Data", paths.data_dir(), "the sample project, autosaves"),
        ("Cache", cache, f"{_size(size)} in {n} entr{'y' if n == 1 else 'ies'}, at most "
                         f"{_size(cachedir.limit_bytes())}"),
        ("Log", log_file, ""),
    ]


def report_text() -> str:
    """Everything the About box shows, as plain text for a bug report."""
    lines = [f"vsm-app {version()}",
             f"Python {platform.python_version()} ({sys.executable})",
             f"Qt {qVersion()}, PySide6 {pyside_version}",
             f"Platform {platform.platform()}",
             f"Licence {LICENSE_NAME}"]
    lines += [f"{label}: {where}" + (f" ({note})" if note else "")
              for label, where, note in folders()]
    return "\n".join(lines)


def _open_in_file_manager(path: Path) -> None:
    folder = path if path.is_dir() else path.parent
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


class AboutDialog(QDialog):
    """Version, versions of Qt and Python, the user's folders (each with Open), licence."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About vsm-app")
        head = QHBoxLayout()
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(64, 64))
        head.addWidget(logo, 0, Qt.AlignmentFlag.AlignTop)
        title = QLabel(f"<h2>vsm-app {version()}</h2>"
                       "<p>Value stream mapping for software delivery: draw the stream, "
                       "measure it from git, CI, reviews, deployments and incidents, find "
                       "the constraint.</p>")
        title.setWordWrap(True)
        title.setObjectName("aboutTitle")
        head.addWidget(title, 1)

        info = QWidget()
        form = QFormLayout(info)
        form.addRow("Version:", self._value(version()))
        form.addRow("Python:", self._value(f"{platform.python_version()} "
                                           f"({platform.python_implementation()})"))
        form.addRow("Qt:", self._value(f"{qVersion()} (PySide6 {pyside_version})"))
        form.addRow("Platform:", self._value(platform.platform()))
        form.addRow("Licence:", self._value(f"{LICENSE_NAME} (see the Licence tab)"))
        for label, url in project_urls()[:2]:
            link = QLabel(f'<a href="{url}">{url}</a>')
            link.setOpenExternalLinks(True)
            form.addRow(f"{label}:", link)
        self.folder_labels: dict[str, QLabel] = {}
        for label, where, note in folders():
            row = QHBoxLayout()
            text = self._value(str(where) + (f"\n{note}" if note else ""))
            self.folder_labels[label] = text
            row.addWidget(text, 1)
            button = QPushButton("Open")
            button.setToolTip(f"Open the folder in the file manager: {where}")
            button.clicked.connect(lambda _=False, w=where: _open_in_file_manager(w))
            row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
            form.addRow(f"{label}:", row)

        licence = QPlainTextEdit(license_text())
        licence.setReadOnly(True)
        licence.setObjectName("licenceText")

        tabs = QTabWidget()
        tabs.addTab(info, "About")
        tabs.addTab(licence, "Licence")

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton("Copy details", QDialogButtonBox.ButtonRole.ActionRole)
        copy.setToolTip("Copy the versions and folders, for a bug report")
        copy.clicked.connect(lambda _=False: QGuiApplication.clipboard().setText(report_text()))
        buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addLayout(head)
        lay.addWidget(tabs, 1)
        lay.addWidget(buttons)
        self.resize(620, 460)

    @staticmethod
    def _value(text: str) -> QLabel:
        label = QLabel(text)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setWordWrap(True)
        return label


class LogDialog(QDialog):
    """The end of the log file, newest last (Refresh, Open folder, Copy)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("logDialog")
        self.setWindowTitle("vsm-app log")
        self.path = current_log_file() or paths.log_path()
        where = QLabel(str(self.path))
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text = QPlainTextEdit()
        self.text.setObjectName("logText")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        refresh = buttons.addButton("Refresh", QDialogButtonBox.ButtonRole.ActionRole)
        refresh.clicked.connect(lambda _=False: self.refresh())
        folder = buttons.addButton("Open folder", QDialogButtonBox.ButtonRole.ActionRole)
        folder.clicked.connect(lambda _=False: _open_in_file_manager(self.path))
        copy = buttons.addButton("Copy", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(
            lambda _=False: QGuiApplication.clipboard().setText(self.text.toPlainText()))
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(where)
        lay.addWidget(self.text, 1)
        lay.addWidget(buttons)
        self.resize(900, 520)
        self.refresh()

    def refresh(self) -> None:
        text = tail(self.path)
        self.text.setPlainText(text or f"The log is empty ({self.path}).")
        bar = self.text.verticalScrollBar()
        bar.setValue(bar.maximum())
