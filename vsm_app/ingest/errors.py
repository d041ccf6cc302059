"""Errors raised while importing exported files.

An :class:`ImportProblem` names the file, where in it (line and/or record number, both
1-based) and which field, so the CLI can print it as one line and exit with code 2.
"""

from __future__ import annotations

import json
import os
from typing import Any


class ImportProblem(Exception):
    """A file (or one record or field in it) that cannot be imported.

    Parameters
    ----------
    message
        What is wrong, e.g. ``not a timestamp ("yesterday")``.
    path
        The file; only its base name is shown.
    record
        1-based record number (the n-th object of a JSON export, the n-th data row of a CSV).
    line
        1-based line in the file where the record (or the syntax error) is.
    field
        The field (JSON key or CSV column) at fault.
    """

    def __init__(self, message: str, *, path: str | os.PathLike[str] | None = None,
                 record: int | None = None, line: int | None = None,
                 field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = os.fspath(path) if path is not None else None
        self.record = record
        self.line = line
        self.field = field
        #: set when no check of the readers caught the value (see ``import_files``)
        self.unexpected = False

    def located(self, *, path: str | os.PathLike[str] | None = None, record: int | None = None,
                line: int | None = None) -> ImportProblem:
        """Fill in location parts that are still unknown (returns ``self``)."""
        if self.path is None and path is not None:
            self.path = os.fspath(path)
        if self.record is None:
            self.record = record
        if self.line is None:
            self.line = line
        return self

    def __str__(self) -> str:
        where: list[str] = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.record is not None:
            where.append(f"record {self.record}")
        if self.field is not None:
            where.append(f'field "{self.field}"')
        head = os.path.basename(self.path) if self.path else ""
        loc = ", ".join(where)
        prefix = ": ".join(p for p in (head, loc) if p)
        return f"{prefix}: {self.message}" if prefix else self.message


class TooLongNumber:
    """A JSON integer with more digits than Python converts (4,300): kept as its text, so the
    field that holds it is reported (and a field nobody reads does not stop the import)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return f"{self.text[:12]}… ({len(self.text.lstrip('-'))} digits)"


def shown(value: Any) -> str:
    """A raw value as the user wrote it, quoted like JSON and shortened, for messages."""
    if isinstance(value, TooLongNumber):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10 ** 40:
        digits = len(str(abs(value)))
        return f"{str(value)[:12]}… ({digits} digits)"
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (ValueError, RecursionError):  # a value nested too deeply to print
        text = f"a {type(value).__name__} nested too deeply to show"
    return text if len(text) <= 60 else text[:57] + "..."
