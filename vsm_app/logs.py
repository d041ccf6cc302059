"""Logging for the app and the command line (Qt-free): the standard :mod:`logging` module.

Every module logs to ``logging.getLogger(__name__)`` (under ``vsm_app``) and never prints;
:func:`setup` decides where records go:

* a rotating file in the log folder (:func:`vsm_app.paths.log_path`; 1 MiB, 3 old files
  kept), INFO and up, DEBUG with ``--verbose``; a traceback of every unexpected error lands
  there (Help ▸ Show log in the app);
* standard error: warnings and errors only, everything from DEBUG up with ``--verbose``.

Calling :func:`setup` again replaces the handlers it installed (tests run the CLI many times
in one process).
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from vsm_app import paths

LOGGER = "vsm_app"
MAX_BYTES = 1 << 20
BACKUPS = 3
FILE_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"
#: --verbose on the console: milliseconds since start, to see where time goes
VERBOSE_FORMAT = "%(relativeCreated)7.0f ms %(levelname)s %(name)s: %(message)s"
CONSOLE_FORMAT = "vsm-app: %(levelname)s: %(message)s"

_installed: list[logging.Handler] = []


def setup(verbose: bool = False, console: bool = True, log_file: bool = True) -> Path | None:
    """Configure the ``vsm_app`` logger; returns the log file's path (None when it cannot be
    written: the log folder is read-only, say, and then only the console gets records)."""
    reset()
    root = logging.getLogger(LOGGER)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    written: Path | None = None
    if log_file:
        try:
            path = paths.log_path()
            handler: logging.Handler = logging.handlers.RotatingFileHandler(
                path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
        except OSError:
            pass
        else:
            handler.setFormatter(logging.Formatter(FILE_FORMAT))
            handler.setLevel(logging.DEBUG if verbose else logging.INFO)
            root.addHandler(handler)
            _installed.append(handler)
            written = path
    if console and sys.stderr is not None:
        stream = logging.StreamHandler(sys.stderr)
        stream.addFilter(_for_console)
        stream.setFormatter(logging.Formatter(VERBOSE_FORMAT if verbose else CONSOLE_FORMAT))
        stream.setLevel(logging.DEBUG if verbose else logging.WARNING)
        root.addHandler(stream)
        _installed.append(stream)
    return written


#: ``extra=FILE_ONLY`` keeps a record off the console (the caller tells the user itself)
FILE_ONLY = {"console": False}


def _for_console(record: logging.LogRecord) -> bool:
    return bool(getattr(record, "console", True))


def reset() -> None:
    """Remove the handlers :func:`setup` installed (records then only propagate)."""
    root = logging.getLogger(LOGGER)
    for h in _installed:
        root.removeHandler(h)
        h.close()
    _installed.clear()
    root.setLevel(logging.NOTSET)


def current_log_file() -> Path | None:
    """The file :func:`setup` logs to, if any."""
    for h in _installed:
        if isinstance(h, logging.FileHandler):
            return Path(h.baseFilename)
    return None


def tail(path: Path, max_bytes: int = 256 * 1024) -> str:
    """The last ``max_bytes`` of a log file as text (from a line start), "" when missing."""
    try:
        with open(path, "rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - max_bytes))
            data = f.read()
    except OSError:
        return ""
    if len(data) == max_bytes and b"\n" in data:
        data = data[data.index(b"\n") + 1:]
    return data.decode("utf-8", "replace")
