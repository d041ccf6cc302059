"""Data ▸ Measurement settings…: how the project's deployments are recognised.

* **Production environments**: the names that are production (comma-separated; empty = the
  defaults production, prod, prd, live). The same rule decides at ingest and in DORA
  (:mod:`vsm_app.domain.environments`); other environments become ``deployed:<name>`` events
  a stage can be bound to.
* **Release tags** of repositories that set none themselves: detected (empty), a glob, or
  none.
* **Deploy jobs**: the regular expression that marks a CI job or workflow as a deployment.

OK pushes one undo command (:class:`~vsm_app.ui.source_commands.MeasurementSettingsCommand`);
the data is read again, as after a source change.
"""

from __future__ import annotations

import re
from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ...domain.environments import DEFAULT_PRODUCTION_ENVIRONMENTS, production_names
from ...domain.model import ProjectSettings


def parse_names(text: str) -> list[str]:
    """Comma- or semicolon-separated environment names, trimmed, repeats dropped (in order)."""
    names = [n.strip() for n in re.split(r"[,;]", text)]
    return list(dict.fromkeys(n for n in names if n))


class MeasurementSettingsDialog(QDialog):
    """The project's production environments, default release tags and deploy pattern."""

    def __init__(self, settings: ProjectSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("measurementSettingsDialog")
        self.setWindowTitle("Measurement settings")
        self.original = settings
        form = QFormLayout()
        self.environments_edit = QLineEdit(", ".join(settings.production_environments))
        self.environments_edit.setObjectName("productionEnvironmentsEdit")
        self.environments_edit.setPlaceholderText(
            ", ".join(DEFAULT_PRODUCTION_ENVIRONMENTS) + " (the defaults)")
        self.environments_edit.setToolTip(
            "Environment names that are production, separated by commas (case does not "
            "matter). Empty: production, prod, prd and live. Names you give replace the "
            "defaults.")
        form.addRow("Production environments", self.environments_edit)
        env_help = QLabel(
            "A deployment counts for DORA when its source marks it production, names no "
            "environment, or names one of these. Deployments to other environments (staging, "
            "canary) become events such as deployed:staging that a stage can be bound to.")
        env_help.setWordWrap(True)
        env_help.setObjectName("hint")
        form.addRow("", env_help)

        self.tags_edit = QLineEdit(settings.deploy_tags or "")
        self.tags_edit.setObjectName("defaultReleaseTagsEdit")
        self.tags_edit.setPlaceholderText("detected in each repository")
        self.tags_edit.setToolTip("Release tags that are deployments, for repositories that "
                                  "set none themselves (a glob such as v*). Empty: each "
                                  "repository's own scheme is detected.")
        self.no_tags_check = QCheckBox("No deployments from tags")
        self.no_tags_check.setChecked(settings.deploy_tags == "")
        self.no_tags_check.toggled.connect(lambda off: self.tags_edit.setEnabled(not off))
        self.tags_edit.setEnabled(not self.no_tags_check.isChecked())
        tags_row = QHBoxLayout()
        tags_row.addWidget(self.tags_edit, 1)
        tags_row.addWidget(self.no_tags_check)
        form.addRow("Release tags", tags_row)

        self.pattern_edit = QLineEdit(settings.deploy_pattern)
        self.pattern_edit.setObjectName("deployPatternEdit")
        self.pattern_edit.setToolTip("A regular expression (case-insensitive) on CI workflow "
                                     "and job names that marks a deployment, e.g. deploy")
        form.addRow("Deploy jobs (regex)", self.pattern_edit)

        self.error = QLabel("")
        self.error.setObjectName("settingsError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828;")
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.resize(620, self.sizeHint().height())
        self.result_settings: ProjectSettings | None = None

    def build(self) -> ProjectSettings:
        """The settings the fields say; ValueError naming the field when one is wrong."""
        pattern = self.pattern_edit.text().strip()
        if not pattern:
            raise ValueError("Deploy jobs: give a pattern, e.g. deploy")
        try:
            re.compile(pattern)
        except re.error as e:
            raise ValueError(f"Deploy jobs: {pattern!r} is not a regular expression ({e})") \
                from None
        tags = "" if self.no_tags_check.isChecked() else (self.tags_edit.text().strip() or None)
        return replace(self.original,
                       production_environments=parse_names(self.environments_edit.text()),
                       deploy_tags=tags, deploy_pattern=pattern)

    def names_in_effect(self) -> tuple[str, ...]:
        """The production names the current text means (the defaults when it is empty)."""
        return production_names(parse_names(self.environments_edit.text()))

    def accept(self) -> None:
        try:
            self.result_settings = self.build()
        except ValueError as e:
            self.error.setText(str(e))
            self.error.show()
            return
        super().accept()
