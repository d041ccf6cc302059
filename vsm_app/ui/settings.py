"""Every user setting of the app, in one place: key, type and default.

QSettings is used underneath and is created only after the organisation and application names
are set (``vsm_app.app.main`` sets them first). The settings are one INI file in the platform's
settings folder (:func:`vsm_app.paths.settings_path`, e.g. ``~/.config/vsm-app/settings.ini``;
``$VSM_APP_HOME/settings.ini`` when that is set, as in the tests), the same format everywhere
and shown in Help ▸ About. Settings of an older version, kept where QSettings puts them by
default, are copied over once.

Examples
--------
>>> from vsm_app.ui import settings
>>> settings.get(settings.THEME)          # doctest: +SKIP
'light'
>>> settings.set_value(settings.THEME, "dark")  # doctest: +SKIP
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QByteArray, QCoreApplication, QSettings

T = TypeVar("T")

ORGANIZATION = "vsm-app"
APPLICATION = "vsm-app"
MAX_RECENT_FILES = 8


@dataclass(frozen=True)
class Key(Generic[T]):
    """A settings key with its Python type, default value and meaning."""

    name: str
    type: type
    default: T
    doc: str


WINDOW_GEOMETRY: Key[QByteArray] = Key("window/geometry", QByteArray, QByteArray(),
                                       "main window geometry (QMainWindow.saveGeometry)")
WINDOW_STATE: Key[QByteArray] = Key("window/state", QByteArray, QByteArray(),
                                    "toolbars and docks (QMainWindow.saveState)")
RECENT_FILES: Key[list[str]] = Key("files/recent", list, [],
                                   "recently opened or saved projects, newest first")
LAST_OPEN_FOLDER: Key[str] = Key("files/last_open_folder", str, "",
                                 "folder shown by Open and Save As")
LAST_EXPORT_FOLDER: Key[str] = Key("files/last_export_folder", str, "",
                                   "folder shown by the export dialogs")
THEME: Key[str] = Key("ui/theme", str, "light", "light or dark")
PRESENTATION_FONT_SCALE: Key[float] = Key("ui/presentation_font_scale", float, 1.5,
                                          "font scale of the window in presentation mode")
SNAP_TO_GRID: Key[bool] = Key("canvas/snap_to_grid", bool, True,
                              "stages and notes snap to the grid while dragged")
GRID_SIZE: Key[int] = Key("canvas/grid_size", int, 20, "grid step in scene units (pixels at 100 %)")
AUTOSAVE_INTERVAL_S: Key[int] = Key("autosave/interval_s", int, 60,
                                    "seconds between autosaves to the side file (0 = off)")

LAYOUT: Key[str] = Key("window/layout", str, "",
                       "the chosen layout: map, analyse (\"\": never chosen; the first start "
                       "opens the map layout)")
LAYOUT_STATE_MAP: Key[QByteArray] = Key("window/layout_state/map", QByteArray, QByteArray(),
                                        "the map layout's docks as the user left them")
LAYOUT_STATE_ANALYSE: Key[QByteArray] = Key("window/layout_state/analyse", QByteArray,
                                            QByteArray(),
                                            "the analyse layout's docks as the user left them")
PRESENTATION_FIGURE_PT: Key[float] = Key(
    "ui/presentation_figure_pt", float, 13.0,
    "presentation mode: the map is fitted so its figures are at least this size on screen "
    "(points; canvas text and chips scale with them)")

ALL_KEYS: tuple[Key[Any], ...] = (
    WINDOW_GEOMETRY, WINDOW_STATE, RECENT_FILES, LAST_OPEN_FOLDER, LAST_EXPORT_FOLDER, THEME,
    PRESENTATION_FONT_SCALE, SNAP_TO_GRID, GRID_SIZE, AUTOSAVE_INTERVAL_S, LAYOUT,
    LAYOUT_STATE_MAP, LAYOUT_STATE_ANALYSE, PRESENTATION_FIGURE_PT,
)

#: the remembered arrangement of each layout that has one
LAYOUT_STATES: dict[str, Key[QByteArray]] = {"map": LAYOUT_STATE_MAP,
                                             "analyse": LAYOUT_STATE_ANALYSE}


_migrated: set[str] = set()


def _migrate_native(target: Path) -> None:
    """Copy the settings an older version kept in QSettings' native place (once)."""
    if str(target) in _migrated:
        return
    _migrated.add(str(target))
    if os.environ.get("VSM_APP_HOME") or target.exists():
        return
    old = QSettings()
    keys = old.allKeys()
    if not keys:
        return
    new = QSettings(str(target), QSettings.Format.IniFormat)
    for k in keys:
        new.setValue(k, old.value(k))
    new.sync()


def store() -> QSettings:
    """The QSettings behind the keys (call only after the application names are set)."""
    if not QCoreApplication.organizationName() or not QCoreApplication.applicationName():
        raise RuntimeError("set the organisation and application names before using settings")
    from .. import paths

    target = paths.settings_path()
    _migrate_native(target)
    return QSettings(str(target), QSettings.Format.IniFormat)


def _convert(key: Key[Any], raw: Any) -> Any:
    if key.type is bool:
        if isinstance(raw, str):
            return raw.strip().lower() in ("1", "true", "yes", "on")
        return bool(raw)
    if key.type is list:
        if raw is None or raw == "":
            return []
        if isinstance(raw, str):
            return [raw]
        return [str(x) for x in raw]
    if key.type is QByteArray:
        return raw if isinstance(raw, QByteArray) else QByteArray(raw or b"")
    return key.type(raw)


def get(key: Key[T]) -> T:
    """The stored value of ``key`` converted to its type; the default when absent or broken."""
    s = store()
    if not s.contains(key.name):
        return _copy_default(key)
    try:
        return _convert(key, s.value(key.name))  # type: ignore[no-any-return]
    except (TypeError, ValueError):
        return _copy_default(key)


def set_value(key: Key[T], value: T) -> None:
    """Store ``value`` under ``key``."""
    if not isinstance(value, key.type):
        raise TypeError(f"{key.name} takes {key.type.__name__}, not {type(value).__name__}")
    s = store()
    s.setValue(key.name, value)
    s.sync()


def reset(key: Key[Any]) -> None:
    """Forget the stored value (the default applies again)."""
    s = store()
    s.remove(key.name)
    s.sync()


def _copy_default(key: Key[T]) -> T:
    d = key.default
    if isinstance(d, list):
        return list(d)  # type: ignore[return-value]
    if isinstance(d, QByteArray):
        return QByteArray(d)  # type: ignore[return-value]
    return d


def add_recent_file(path: str | Path) -> list[str]:
    """Put ``path`` first in the recent files (no duplicates, at most MAX_RECENT_FILES)."""
    p = str(Path(path).resolve())
    files = [f for f in get(RECENT_FILES) if f != p]
    files.insert(0, p)
    files = files[:MAX_RECENT_FILES]
    set_value(RECENT_FILES, files)
    return files
