"""File ▸ Export: the map export and report dialogs, and the actions that run them.

:func:`install_export_actions` adds four actions to a main window's File menu (found by
objectName ``menu_file``, else by the title ``&File``), before its Quit action:

* Export map… (Ctrl+E): PNG / SVG / PDF with the options of :class:`ExportMapDialog`;
* Copy map to clipboard (Ctrl+Shift+E): image and SVG of the visible map;
* Export report…: HTML or PDF (measures the project's data sources first);
* Export tables (CSV)…: changes, deployments, stage statistics, metrics per period.

Long exports run in a :class:`~vsm_app.ui.workers.Task` with a progress dialog and Cancel;
the work functions get copies of the maps and project, so the user can keep editing. The
controller's ``run_*`` methods take the options directly (no dialog), for tests and scripts.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QMainWindow,
    QMenu,
    QProgressDialog,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...domain.model import Project, ValueStreamMap
from ...metrics import format as fmt
from ...report.target import ExportTargetError, check_target
from ...work import IsCancelled, Progress
from .. import settings
from ..workers import Task
from . import messages

MAP_FILTERS = {"png": "PNG image (*.png)", "svg": "SVG vector image (*.svg)",
               "pdf": "PDF document (*.pdf)"}
REPORT_FILTERS = {"html": "HTML report, self-contained (*.html)", "pdf": "PDF report (*.pdf)"}
ALL_MAPS = "__all__"


def _safe_name(text: str) -> str:
    keep = "".join(c if c.isalnum() or c in "-_ " else "-" for c in text).strip()
    return "-".join(keep.split()) or "export"


def _export_folder(window: Any) -> Path:
    folder = settings.get(settings.LAST_EXPORT_FOLDER)
    if folder and Path(folder).is_dir():
        return Path(folder)
    path = getattr(window, "path", None)
    return Path(path).parent if path else Path.home()


def snapshot_project(project: Project) -> Project:
    """A copy of the project for a worker thread (maps, sources, settings, records)."""
    snap = Project(project.name, [m.copy() for m in project.maps],
                   settings=replace(project.settings))
    snap.sources = copy.deepcopy(project.sources)
    snap.records = project.records.copy()
    snap.extra = copy.deepcopy(project.extra)
    return snap


# -- options ------------------------------------------------------------------------------------

@dataclass
class MapExportOptions:
    """What File ▸ Export map… asks."""

    path: str
    map_ids: list[str]
    dpi: float = 150.0
    width_px: int | None = None
    transparent: bool = False
    page_size: str = "A4"
    orientation: str = "auto"
    overlay: bool = True
    title: bool = True

    @property
    def format(self) -> str:
        return Path(self.path).suffix.lower().lstrip(".")


@dataclass
class ReportExportOptions:
    path: str
    page_size: str = "A4"


@dataclass
class TablesExportOptions:
    folder: str
    excel: bool = False
    prefix: str = ""
    written: list[Path] = field(default_factory=list)
    #: work items' titles in items.csv (left out by default; issue 18)
    include_titles: bool = False


# -- dialogs -------------------------------------------------------------------------------------

def _export_column(dialog: QDialog, *parts: QWidget | QLayout) -> QVBoxLayout:
    """An export dialog's column: ``parts`` in order, then Export / Cancel."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                               | QDialogButtonBox.StandardButton.Cancel)
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    lay = QVBoxLayout(dialog)
    for part in (*parts, buttons):
        if isinstance(part, QLayout):
            lay.addLayout(part)
        else:
            lay.addWidget(part)
    return lay


class _PathRow(QWidget):
    """A file path with a Browse… button."""

    def __init__(self, path: str, filters: Callable[[], str], title: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(path)
        self.edit.setMinimumWidth(360)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self._filters = filters
        self._title = title
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.edit, 1)
        lay.addWidget(browse)

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self._title, self.edit.text(),
                                              self._filters())
        if path:
            self.edit.setText(path)

    def text(self) -> str:
        return self.edit.text().strip()

    def set_suffix(self, suffix: str) -> None:
        p = self.text()
        if p:
            self.edit.setText(str(Path(p).with_suffix(suffix)))


class ExportMapDialog(QDialog):
    """Format, map, size (DPI or pixel width), background, PDF page, overlay and title."""

    def __init__(self, project: Project, current_map_id: str | None, suggested_path: str,
                 has_overlay: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export map")
        self.project = project
        self.format_box = QComboBox()
        for key, text in (("png", "PNG image"), ("svg", "SVG (vector, editable text)"),
                          ("pdf", "PDF (one map per page)")):
            self.format_box.addItem(text, key)
        self.map_box = QComboBox()
        for m in project.maps:
            self.map_box.addItem(m.name, m.id)
        self.map_box.addItem("All maps, one per page", ALL_MAPS)
        if current_map_id is not None:
            i = self.map_box.findData(current_map_id)
            if i >= 0:
                self.map_box.setCurrentIndex(i)
        self.dpi_radio = QRadioButton("Resolution")
        self.width_radio = QRadioButton("Width")
        self.dpi_radio.setChecked(True)
        self.dpi_spin = QSpinBox()
        self.dpi_spin.setRange(36, 1200)
        self.dpi_spin.setValue(150)
        self.dpi_spin.setSuffix(" dpi")
        self.width_spin = QSpinBox()
        self.width_spin.setRange(16, 30000)
        self.width_spin.setValue(1920)
        self.width_spin.setSuffix(" px")
        self.size_label = QLabel()
        self.size_label.setObjectName("export.size")
        self.background_box = QComboBox()
        self.background_box.addItem("White", False)
        self.background_box.addItem("Transparent", True)
        self.page_box = QComboBox()
        self.page_box.addItems(["A4", "A3", "Letter"])
        self.orientation_box = QComboBox()
        for key, text in (("auto", "Automatic (landscape for wide maps)"),
                          ("landscape", "Landscape"), ("portrait", "Portrait")):
            self.orientation_box.addItem(text, key)
        self.overlay_check = QCheckBox("Measured overlay (as shown on the map)")
        self.overlay_check.setChecked(has_overlay)
        self.overlay_check.setEnabled(has_overlay)
        self.title_check = QCheckBox("Title (map and project name)")
        self.title_check.setChecked(True)
        self.path_row = _PathRow(suggested_path, self._filter, "Export map as", self)

        size_row = QWidget()
        sl = QHBoxLayout(size_row)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(self.dpi_radio)
        sl.addWidget(self.dpi_spin)
        sl.addSpacing(12)
        sl.addWidget(self.width_radio)
        sl.addWidget(self.width_spin)
        sl.addStretch(1)
        form = QFormLayout()
        form.addRow("Format", self.format_box)
        form.addRow("Map", self.map_box)
        form.addRow("Size", size_row)
        form.addRow("", self.size_label)
        form.addRow("Background", self.background_box)
        form.addRow("Page size", self.page_box)
        form.addRow("Orientation", self.orientation_box)
        form.addRow("", self.overlay_check)
        form.addRow("", self.title_check)
        form.addRow("File", self.path_row)
        _export_column(self, form)

        suffix = Path(suggested_path).suffix.lower().lstrip(".")
        if suffix in MAP_FILTERS:
            self.format_box.setCurrentIndex(self.format_box.findData(suffix))
        self.format_box.currentIndexChanged.connect(self._format_changed)
        for w in (self.dpi_radio, self.width_radio, self.title_check):
            w.toggled.connect(self._update)
        for s in (self.dpi_spin, self.width_spin):
            s.valueChanged.connect(self._update)
        self.map_box.currentIndexChanged.connect(self._update)
        self._sizes: dict[tuple[str, bool], tuple[float, float]] = {}
        self._update()

    def _filter(self) -> str:
        return MAP_FILTERS[self.format_box.currentData()]

    def _format_changed(self) -> None:
        self.path_row.set_suffix("." + self.format_box.currentData())
        self._update()

    def _picture_size(self, map_id: str, title: bool) -> tuple[float, float]:
        key = (map_id, title)
        if key not in self._sizes:
            from ...render.maps import MapPicture

            m = next(m for m in self.project.maps if m.id == map_id)
            with MapPicture(self.project.name, m, title=title) as pic:
                self._sizes[key] = (pic.width, pic.height)
        return self._sizes[key]

    def _update(self) -> None:
        kind = self.format_box.currentData()
        raster = kind == "png"
        pdf = kind == "pdf"
        all_item = self.map_box.findData(ALL_MAPS)
        model_item = self.map_box.model().item(all_item)  # type: ignore[attr-defined]
        model_item.setEnabled(pdf)
        if not pdf and self.map_box.currentData() == ALL_MAPS:
            self.map_box.setCurrentIndex(0)
        for w in (self.dpi_radio, self.width_radio):
            w.setEnabled(raster)
        self.dpi_spin.setEnabled(raster and self.dpi_radio.isChecked())
        self.width_spin.setEnabled(raster and self.width_radio.isChecked())
        self.background_box.setEnabled(not pdf)
        self.page_box.setEnabled(pdf)
        self.orientation_box.setEnabled(pdf)
        text = ""
        map_id = self.map_box.currentData()
        if map_id != ALL_MAPS and map_id is not None and not pdf:
            w, h = self._picture_size(map_id, self.title_check.isChecked())
            if raster:
                if self.width_radio.isChecked():
                    pw = self.width_spin.value()
                    ph = max(1, round(h * pw / w))
                else:
                    k = self.dpi_spin.value() / 96.0
                    pw, ph = max(1, round(w * k)), max(1, round(h * k))
                text = f"{fmt.count(pw)} × {fmt.count(ph)} pixels"
            else:
                text = (f"{fmt.number(w / 96 * 25.4, 0)} × {fmt.number(h / 96 * 25.4, 0)} mm "
                        "at 96 px per inch")
        self.size_label.setText(text)

    def options(self) -> MapExportOptions:
        map_id = self.map_box.currentData()
        ids = [m.id for m in self.project.maps] if map_id == ALL_MAPS else [map_id]
        raster_width = self.width_radio.isChecked()
        return MapExportOptions(
            path=self.path_row.text(), map_ids=ids, dpi=float(self.dpi_spin.value()),
            width_px=self.width_spin.value() if raster_width else None,
            transparent=bool(self.background_box.currentData()),
            page_size=self.page_box.currentText(),
            orientation=self.orientation_box.currentData(),
            overlay=self.overlay_check.isChecked(), title=self.title_check.isChecked())


class ExportReportDialog(QDialog):
    """Format (HTML or PDF), page size and file of the report."""

    def __init__(self, suggested_path: str, measured: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export report")
        self.format_box = QComboBox()
        self.format_box.addItem("HTML (one self-contained file, printable)", "html")
        self.format_box.addItem("PDF", "pdf")
        suffix = Path(suggested_path).suffix.lower().lstrip(".")
        if suffix in REPORT_FILTERS:
            self.format_box.setCurrentIndex(self.format_box.findData(suffix))
        self.page_box = QComboBox()
        self.page_box.addItems(["A4", "A3", "Letter"])
        self.path_row = _PathRow(suggested_path,
                                 lambda: REPORT_FILTERS[self.format_box.currentData()],
                                 "Export report as", self)
        self.format_box.currentIndexChanged.connect(self._format_changed)
        note = QLabel("The report measures the project's data sources first (maps, DORA and "
                      "flow metrics, the constraint, sources and data quality)." if measured
                      else "The project has no data sources: the report shows the maps and "
                      "their workshop estimates only.")
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Format", self.format_box)
        form.addRow("Page size", self.page_box)
        form.addRow("File", self.path_row)
        _export_column(self, note, form)
        self._format_changed()

    def _format_changed(self) -> None:
        fmt = self.format_box.currentData()
        self.path_row.set_suffix("." + fmt)
        self.page_box.setEnabled(fmt == "pdf")

    def options(self) -> ReportExportOptions:
        return ReportExportOptions(self.path_row.text(), self.page_box.currentText())


# -- the controller -----------------------------------------------------------------------------

class ExportController(QObject):
    """Runs the window's exports (one at a time) with a progress dialog and Cancel.

    Signals
    -------
    finished(object)
        The result of the export that ended (a MapExportResult, a path or a list of paths).
    failed(str)
        The message shown to the user.
    cancelled()
        The user cancelled; nothing was written.

    ``measurement_provider`` may be set to a callable returning the app's current
    :class:`~vsm_app.pipeline.Measurement` (or None), so reports and tables reuse it instead
    of measuring again.
    """

    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.task: Task | None = None
        self.progress_dialog: QProgressDialog | None = None
        self.measurement_provider: Callable[[], Any] | None = None

    # -- what the window holds ----------------------------------------------------------------
    @property
    def project(self) -> Project:
        return self.window.project  # type: ignore[attr-defined, no-any-return]

    @property
    def project_path(self) -> Path | None:
        p = getattr(self.window, "path", None)
        return Path(p) if p else None

    def _current_map(self) -> ValueStreamMap | None:
        cm = getattr(self.window, "current_map", None)
        m = cm() if callable(cm) else None
        if m is None and self.project.maps:
            m = self.project.maps[0]
        return m

    def _scene_overlay(self, map_id: str) -> dict[str, Any]:
        from ..export import overlay_from_scene

        editor_for = getattr(self.window, "editor_for", None)
        ed = editor_for(map_id) if callable(editor_for) else None
        return overlay_from_scene(ed.scene) if ed is not None else {}

    def _scene_ladder(self, map_id: str) -> Any:
        from ..export import measured_ladder_of

        editor_for = getattr(self.window, "editor_for", None)
        ed = editor_for(map_id) if callable(editor_for) else None
        return measured_ladder_of(ed.scene) if ed is not None else None

    def _suggest(self, suffix: str, what: str = "") -> str:
        base = _safe_name(self.project.name) + (f"-{_safe_name(what)}" if what else "")
        return str(_export_folder(self.window) / f"{base}{suffix}")

    def _remember_folder(self, path: str | Path) -> None:
        settings.set_value(settings.LAST_EXPORT_FOLDER, str(Path(path).resolve().parent))

    def _status(self, text: str) -> None:
        bar = getattr(self.window, "statusBar", None)
        if callable(bar):
            bar().showMessage(text, 8000)

    def _error(self, text: str, details: str = "", trace: str | None = None) -> None:
        messages.error(self.window, "Export", text, details, trace=trace)
        self.failed.emit(text)

    def is_running(self) -> bool:
        return self.task is not None

    # -- dialogs (replaceable in tests) -----------------------------------------------------------
    def ask_map_options(self) -> MapExportOptions | None:
        m = self._current_map()
        if m is None:
            return None
        has_overlay = bool(self._scene_overlay(m.id)) or self._scene_ladder(m.id) is not None
        dlg = ExportMapDialog(self.project, m.id, self._suggest(".png", m.name), has_overlay,
                              self.window)
        return dlg.options() if dlg.exec() == QDialog.DialogCode.Accepted else None

    def ask_report_options(self) -> ReportExportOptions | None:
        dlg = ExportReportDialog(self._suggest(".html", "report"), bool(self.project.sources),
                                 self.window)
        return dlg.options() if dlg.exec() == QDialog.DialogCode.Accepted else None

    def ask_tables_options(self) -> TablesExportOptions | None:
        folder = QFileDialog.getExistingDirectory(self.window, "Export tables (CSV) to folder",
                                                  str(_export_folder(self.window)))
        if not folder:
            return None
        answer = messages_ask_tables(self.window)
        if answer is None:
            return None
        excel, titles = answer
        return TablesExportOptions(folder, excel, _safe_name(self.project.name) + "-",
                                   include_titles=titles)

    # -- actions --------------------------------------------------------------------------------
    def export_map(self) -> None:
        opts = self.ask_map_options()
        if opts is not None:
            self.run_map_export(opts)

    def export_report(self) -> None:
        opts = self.ask_report_options()
        if opts is not None:
            self.run_report_export(opts)

    def export_tables(self) -> None:
        opts = self.ask_tables_options()
        if opts is not None:
            self.run_tables_export(opts)

    def copy_map(self) -> None:
        """Copy the visible map (with its on-screen overlay) to the clipboard."""
        from ..export import copy_map_to_clipboard

        m = self._current_map()
        if m is None:
            return
        size = copy_map_to_clipboard(self.project, m, dpi=150,
                                     overlay=self._scene_overlay(m.id) or None,
                                     measured_ladder=self._scene_ladder(m.id))
        self._status(f"Copied {m.name} to the clipboard ({size.width()} × {size.height()} px "
                      "and SVG)")

    # -- runs -------------------------------------------------------------------------------------
    def _check(self, path: str, suffixes: tuple[str, ...]) -> Path | None:
        try:
            return check_target(path, suffixes, self.project_path)
        except ExportTargetError as e:
            self._error("The export cannot be written there.", str(e))
            return None

    def run_map_export(self, opts: MapExportOptions) -> Task | None:
        """Export maps as the options say (in a worker)."""
        from ...services.maps import export_maps

        target = self._check(opts.path, (".png", ".svg", ".pdf"))
        if target is None:
            return None
        by_id = {m.id: m for m in self.project.maps}
        maps = [by_id[i].copy() for i in opts.map_ids if i in by_id]
        if not maps:
            self._error("There is no map to export.")
            return None
        overlays = {m.id: self._scene_overlay(m.id) for m in maps} if opts.overlay else {}
        ladders = {m.id: self._scene_ladder(m.id) for m in maps} if opts.overlay else {}
        name = self.project.name
        project = Project(name, maps)
        project_path = self.project_path

        def work(progress: Progress, cancelled: IsCancelled) -> Any:
            return export_maps(project, maps, target, dpi=opts.dpi, width_px=opts.width_px,
                               transparent=opts.transparent, page_size=opts.page_size,
                               orientation=opts.orientation, title=opts.title,
                               overlays=overlays, ladders=ladders, project_path=project_path,
                               progress=progress, cancelled=cancelled)

        self._remember_folder(target)
        return self._start("Exporting the map…", work, lambda r: f"Exported {r.path.name}")

    def run_report_export(self, opts: ReportExportOptions) -> Task | None:
        """Measure the project and write the report (in a worker)."""
        from ...analysis.privacy import IdentityLeakError
        from ...services.measure import measure_project
        from ...services.reports import identity_leak_message, project_identities, write_report

        target = self._check(opts.path, (".html", ".pdf"))
        if target is None:
            return None
        snap = snapshot_project(self.project)
        project_path = self.project_path
        provided = self.measurement_provider() if self.measurement_provider else None

        def work(progress: Progress, cancelled: IsCancelled) -> Any:
            from ...work import report

            measurement, why = provided, ""
            if measurement is None:
                measurement, why = measure_project(
                    snap, project_path, lambda f, t: report(progress, 0.6 * f, t),
                    cancelled)
            try:
                write_report(snap, project_path, target, measurement=measurement,
                             not_measured_reason=why, page_size=opts.page_size,
                             identities=project_identities(snap, project_path),
                             progress=lambda f, t: report(progress, 0.6 + 0.4 * f, t),
                             cancelled=cancelled)
            except IdentityLeakError as e:
                raise ValueError(identity_leak_message(e)) from None
            return target

        self._remember_folder(target)
        return self._start("Exporting the report…", work, lambda r: f"Exported {r.name}")

    def run_tables_export(self, opts: TablesExportOptions) -> Task | None:
        """Measure the project and write the CSV tables into a folder (in a worker)."""
        from ...services.measure import measure_project
        from ...services.tables import write_tables

        if not Path(opts.folder).is_dir():
            self._error("The export cannot be written there.",
                        f"{opts.folder}: the folder does not exist")
            return None
        if not self.project.sources:
            self._error("There is nothing to export yet.",
                        "The project has no data sources: add a git repository or an export "
                        "file first.")
            return None
        snap = snapshot_project(self.project)
        project_path = self.project_path
        provided = self.measurement_provider() if self.measurement_provider else None

        def work(progress: Progress, cancelled: IsCancelled) -> Any:
            measurement = provided
            if measurement is None:
                measurement, _why = measure_project(snap, project_path, progress, cancelled)
            return write_tables(measurement, opts.folder, excel=opts.excel, prefix=opts.prefix,
                                include_titles=opts.include_titles,
                                project_path=project_path, cancelled=cancelled)

        settings.set_value(settings.LAST_EXPORT_FOLDER, str(Path(opts.folder).resolve()))
        return self._start("Exporting the tables…", work,
                           lambda r: f"Exported {len(r)} tables to {opts.folder}")

    def _start(self, label: str, work: Callable[..., Any],
               done_text: Callable[[Any], str]) -> Task | None:
        if self.task is not None:
            self._error("Another export is still running.")
            return None
        task = Task(work, self)
        dlg = QProgressDialog(label, "Cancel", 0, 1000, self.window)
        dlg.setWindowTitle("Export")
        # not modal: a modal QProgressDialog.setValue() runs a nested event loop, in which the
        # end of the export could delete the dialog under its own feet; the export works on a
        # snapshot of the project, so editing on meanwhile is safe
        dlg.setWindowModality(Qt.WindowModality.NonModal)
        dlg.setMinimumDuration(400)
        dlg.setAutoClose(False)
        dlg.setAutoReset(False)
        dlg.setValue(0)
        dlg.canceled.connect(task.cancel)

        def on_progress(fraction: float, text: str) -> None:
            if self.progress_dialog is not dlg:  # a late report after the export ended
                return
            if text:
                dlg.setLabelText(f"{label}\n{text}")
            dlg.setValue(int(fraction * 1000))

        def on_finished(result: Any) -> None:
            self._status(done_text(result))
            self.finished.emit(result)

        def on_failed(message: str, details: str) -> None:
            # the message in words; the traceback only in the box's Details section
            self._error("The export failed.", _sentence(message), trace=details)

        def on_cancelled() -> None:
            self._status("Export cancelled; nothing was written")
            self.cancelled.emit()

        def on_done() -> None:
            task.progress.disconnect(on_progress)
            dlg.close()
            dlg.deleteLater()
            self.progress_dialog = None
            self.task = None
            task.deleteLater()

        task.progress.connect(on_progress)
        task.finished.connect(on_finished)
        task.failed.connect(on_failed)
        task.cancelled.connect(on_cancelled)
        task.done.connect(on_done)
        self.task, self.progress_dialog = task, dlg
        task.start()
        return task


def _sentence(message: str) -> str:
    """An error message as a sentence for a dialog (capital first letter, final stop)."""
    text = message.strip()
    if not text:
        return "An unexpected error stopped it."
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def messages_ask_tables(parent: QWidget | None) -> tuple[bool, bool] | None:
    """Ask who opens the CSV files and whether work-item titles go in items.csv:
    ``(excel, include_titles)``; None = cancel."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Question, "Export tables (CSV)",
                      "Who will open the CSV files?", QMessageBox.StandardButton.NoButton,
                      parent)
    excel = box.addButton("A spreadsheet (Excel-friendly UTF-8 with BOM)",
                          QMessageBox.ButtonRole.AcceptRole)
    plain = box.addButton("A program or script (plain UTF-8)", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    titles = QCheckBox("Include work-item titles in items.csv (left out by default: titles "
                       "can name customers or people)")
    box.setCheckBox(titles)
    box.exec()
    clicked = box.clickedButton()
    if clicked is excel or clicked is plain:
        return clicked is excel, titles.isChecked()
    return None


def messages_ask_excel(parent: QWidget | None) -> bool | None:
    """Ask whether the CSV files are for a spreadsheet (UTF-8 with BOM); None = cancel."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Icon.Question, "Export tables (CSV)",
                      "Who will open the CSV files?", QMessageBox.StandardButton.NoButton,
                      parent)
    excel = box.addButton("A spreadsheet (Excel-friendly UTF-8 with BOM)",
                          QMessageBox.ButtonRole.AcceptRole)
    plain = box.addButton("A program or script (plain UTF-8)", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    clicked = box.clickedButton()
    if clicked is excel:
        return True
    if clicked is plain:
        return False
    return None


# -- installing the actions ------------------------------------------------------------------

def find_file_menu(window: QMainWindow) -> QMenu | None:
    """The File menu: objectName ``menu_file``, else the menu titled ``&File``/``File``."""
    bar = window.menuBar()
    menu = bar.findChild(QMenu, "menu_file")
    if menu is not None:
        return menu
    for action in bar.actions():
        m = action.menu()
        if isinstance(m, QMenu) and action.text().replace("&", "") == "File":
            return m
    return None


def measurement_from_controller(controller: Any) -> Any | None:
    """The current measurement of a :class:`~vsm_app.ui.measure.MeasurementController` as a
    :class:`~vsm_app.pipeline.Measurement` (its data and the window the user chose), or None
    when nothing was measured yet."""
    from ...services.measure import measurement_of

    data = getattr(controller, "data", None)
    result = getattr(controller, "result", None)
    if data is None or result is None:
        return None
    return measurement_of(data, result)


def install_export_actions(window: QMainWindow,
                           measurement_controller: Any | None = None) -> ExportController:
    """Add the export actions to ``window``'s File menu (before Quit) and return the controller.

    The actions are also registered in ``window.actions_by_name`` when the window has it, as
    ``export_map``, ``copy_map``, ``export_report``, ``export_tables``; the controller is kept
    as ``window.export_controller``. With a ``measurement_controller`` (default: the window's
    ``measurement_controller`` attribute, if any), reports and tables use its current
    measurement and window instead of measuring again.

    Raises
    ------
    LookupError
        When the window has no File menu.
    """
    mc = measurement_controller or getattr(window, "measurement_controller", None)
    existing = getattr(window, "export_controller", None)
    if isinstance(existing, ExportController):  # installed once: no duplicate actions
        if mc is not None:
            existing.measurement_provider = lambda: measurement_from_controller(mc)
        return existing
    menu = find_file_menu(window)
    if menu is None:
        raise LookupError("the window has no File menu (objectName 'menu_file' or '&File')")
    ctl = ExportController(window)
    if mc is not None:
        ctl.measurement_provider = lambda: measurement_from_controller(mc)
    specs = [
        ("export_map", "&Export map…", ctl.export_map, "Ctrl+E",
         "Save the map as PNG, SVG or PDF"),
        ("copy_map", "Copy map to clip&board", ctl.copy_map, "Ctrl+Shift+E",
         "Copy the map as an image (and SVG) to paste into slides"),
        ("export_report", "Export &report…", ctl.export_report, None,
         "A self-contained HTML or PDF report of the maps and the measurement"),
        ("export_tables", "Export &tables (CSV)…", ctl.export_tables, None,
         "Changes, deployments, stage statistics and metrics per period as CSV"),
    ]
    quit_action = next((a for a in menu.actions()
                        if a.objectName() == "action.quit"
                        or a.text().replace("&", "") == "Quit"), None)
    before = None
    if quit_action is not None:
        acts = menu.actions()
        i = acts.index(quit_action)
        before = acts[i - 1] if i > 0 and acts[i - 1].isSeparator() else quit_action
    actions: list[QAction] = []
    for name, text, slot, shortcut, tip in specs:
        a = QAction(text, window)
        a.setObjectName(f"action.{name}")
        if shortcut:
            a.setShortcut(QKeySequence(shortcut))
        a.setStatusTip(tip)
        a.triggered.connect(lambda _=False, slot=slot: slot())
        window.addAction(a)
        actions.append(a)
        registry = getattr(window, "actions_by_name", None)
        if isinstance(registry, dict):
            registry[name] = a
    if before is not None:
        menu.insertSeparator(before)
        menu.insertActions(before, actions)
    else:
        menu.addSeparator()
        menu.addActions(actions)
    window.export_controller = ctl  # type: ignore[attr-defined]
    return ctl


def default_map_path(folder: str | os.PathLike[str], project: Project, vsm_map: ValueStreamMap,
                     suffix: str = ".png") -> Path:
    """``<folder>/<project>-<map>.png`` with file-system-safe names."""
    return Path(folder) / f"{_safe_name(project.name)}-{_safe_name(vsm_map.name)}{suffix}"
