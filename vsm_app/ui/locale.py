"""The user's locale for numbers and dates, from ``QLocale`` (the formatter's hook).

:func:`number_locale` reads a ``QLocale``'s decimal mark, group separator and month
abbreviations into a :class:`vsm_app.metrics.format.NumberLocale`; :func:`install` makes the
system locale the one every screen, export and report made from the app formats with. A
``C`` locale (no preference set: ``LANG=C``) keeps the product's plain style.
"""

from __future__ import annotations

from PySide6.QtCore import QLocale

from ..metrics import format as fmt


def number_locale(loc: QLocale | None = None) -> fmt.NumberLocale:
    """The formatter's locale for ``loc`` (default: the application's default locale)."""
    q = loc if loc is not None else QLocale()
    if q.language() in (QLocale.Language.C, QLocale.Language.AnyLanguage):
        return fmt.PLAIN
    group = "" if q.numberOptions() & QLocale.NumberOption.OmitGroupSeparator \
        else q.groupSeparator()
    months = tuple(q.monthName(m, QLocale.FormatType.ShortFormat) for m in range(1, 13))
    return fmt.NumberLocale(decimal=q.decimalPoint() or ".", group=group,
                            months=months, name=q.name())


def install(loc: QLocale | None = None) -> fmt.NumberLocale:
    """Format every number and date with ``loc`` (default: the user's) from now on."""
    chosen = number_locale(loc)
    fmt.use_locale(chosen)
    return chosen
