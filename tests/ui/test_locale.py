"""Numbers and dates on screen follow the user's locale (QLocale); a C locale keeps the
product's plain style; JSON never changes."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QLocale

from vsm_app.metrics import format as fmt
from vsm_app.ui.locale import install, number_locale


def test_a_german_locale_writes_german_marks_and_months() -> None:
    de = number_locale(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    assert (de.decimal, de.group) == (",", ".")
    assert fmt.count(1456, loc=de) == "1.456"
    assert fmt.value("dora.deployment_frequency_per_week", 2.4495, loc=de) == "2,4 / week"
    assert fmt.date_text("2024-03-07", loc=de) == f"7 {de.months[2]} 2024"
    assert de.months[2].startswith("Mär")


def test_c_locale_is_the_plain_style() -> None:
    assert number_locale(QLocale.c()) is fmt.PLAIN


def test_install_changes_what_the_screens_show_not_the_json(qapp: Any) -> None:
    from vsm_app.analysis.engine import analyze
    from vsm_app.domain.tables import Tables

    before = analyze(Tables(), None).to_json()
    try:
        install(QLocale(QLocale.Language.French, QLocale.Country.France))
        assert fmt.value("dora.change_failure_rate", 0.103) == "10,3 %"
        assert analyze(Tables(), None).to_json() == before
    finally:
        fmt.use_locale(fmt.PLAIN)
    assert fmt.value("dora.change_failure_rate", 0.103) == "10.3 %"
