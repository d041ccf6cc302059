"""``python -m vsm_app [PROJECT.vsm | COMMAND ...]``."""

from vsm_app.cli import entry

raise SystemExit(entry())
