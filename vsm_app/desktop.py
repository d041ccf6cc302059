"""``vsm-app --install-desktop-entry``: the app in the desktop's menus, for this user only.

Writes, under ``$XDG_DATA_HOME`` (default ``~/.local/share``) and so without root:

* ``applications/vsm-app.desktop`` (the freedesktop entry, its ``Exec`` the launcher of this
  installation),
* ``icons/hicolor/scalable/apps/vsm-app.svg`` (the application icon),
* ``mime/packages/vsm-app.xml`` (``*.vsm`` files are ``application/x-vsm-project``, opened by
  the app),

then refreshes the desktop and MIME databases when their tools are installed.
``--uninstall-desktop-entry`` removes the same files. Qt-free; the sources are package data
(``vsm_app/resources/desktop``).
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from vsm_app import paths

log = logging.getLogger(__name__)

DESKTOP_FILE = "vsm-app.desktop"
ICON_FILE = "vsm-app.svg"
MIME_FILE = "vsm-app.xml"


def data_home() -> Path:
    """``$XDG_DATA_HOME``, or ``~/.local/share`` (the freedesktop base directory rule)."""
    env = os.environ.get("XDG_DATA_HOME", "")
    return Path(env) if os.path.isabs(env) else Path.home() / ".local" / "share"


def targets(home: Path | None = None) -> dict[str, Path]:
    """Where the entry, the icon and the MIME type go."""
    base = home if home is not None else data_home()
    return {
        "desktop": base / "applications" / DESKTOP_FILE,
        "icon": base / "icons" / "hicolor" / "scalable" / "apps" / ICON_FILE,
        "mime": base / "mime" / "packages" / MIME_FILE,
    }


def launcher() -> list[str]:
    """The command that starts this installation's GUI: its ``vsm-app-gui`` or ``vsm-app``
    script when there is one beside the interpreter, else ``python -m vsm_app``."""
    folders = [Path(sysconfig.get_path("scripts")), Path(sys.executable).parent]
    for name in ("vsm-app-gui", "vsm-app"):
        for folder in folders:
            script = folder / name
            if script.is_file() and os.access(script, os.X_OK):
                return [str(script)]
    return [sys.executable, "-m", "vsm_app"]


def _quote(arg: str) -> str:
    """One ``Exec`` argument, quoted as the Desktop Entry Specification asks."""
    if arg and not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`'):
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return f'"{escaped}"'


def desktop_entry(command: list[str]) -> str:
    """The packaged ``.desktop`` text with ``Exec`` running ``command``."""
    text = paths.resource("desktop", DESKTOP_FILE).read_text(encoding="utf-8")
    # "%" is a field code in Exec: a literal one is written "%%"
    exec_line = " ".join(_quote(a).replace("%", "%%") for a in command)
    return text.replace("@EXEC@", exec_line).replace("@TRYEXEC@", command[0])


def _write(path: Path, data: bytes) -> None:
    from vsm_app.storage.project_file import atomic_write_bytes

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, data)


def _refresh(home: Path) -> None:
    """Update the desktop and MIME caches when their tools exist (both are optional)."""
    for tool, arg in (("update-desktop-database", home / "applications"),
                      ("update-mime-database", home / "mime")):
        exe = shutil.which(tool)
        if exe is None:
            continue
        try:
            subprocess.run([exe, str(arg)], check=False, timeout=60,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError) as exc:
            log.info("%s failed: %s", tool, exc)


def install(home: Path | None = None, command: list[str] | None = None) -> list[Path]:
    """Write the entry, icon and MIME type for the current user; the files written."""
    base = home if home is not None else data_home()
    where = targets(base)
    _write(where["desktop"], desktop_entry(command or launcher()).encode("utf-8"))
    _write(where["icon"], paths.resource("desktop", ICON_FILE).read_bytes())
    _write(where["mime"], paths.resource("desktop", "vsm-app-mime.xml").read_bytes())
    _refresh(base)
    log.info("installed the desktop entry under %s", base)
    return list(where.values())


def uninstall(home: Path | None = None) -> list[Path]:
    """Remove what :func:`install` wrote; the files removed."""
    base = home if home is not None else data_home()
    removed = []
    for path in targets(base).values():
        if path.is_file():
            path.unlink()
            removed.append(path)
    if removed:
        _refresh(base)
    return removed
