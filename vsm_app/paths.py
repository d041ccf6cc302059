"""Where things live (Qt-free): the package's own read-only data and the user's folders.

Package data, inside the installed package and read with :mod:`importlib.resources` (never
written, so it works from a wheel, a pipx install or a read-only site-packages):

* ``resources/styles/*.qss`` and ``resources/icons/*.svg`` (the GUI),
* ``resources/sample/demo.vsm``, the sample project's definition,
* ``resources/desktop/`` the freedesktop entry, MIME type and application icon,
* ``data/dora_bands.json`` (read by :mod:`vsm_app.metrics.bands`).

Per-user folders, each in the platform's own place (``platformdirs``; e.g. on Linux the XDG
folders, so ``XDG_DATA_HOME`` and friends are honoured):

=========  ==============================================  ====================================
folder     Linux default                                   holds
=========  ==============================================  ====================================
settings   ``~/.config/vsm-app/settings.ini``              window layout, theme, recent files
data       ``~/.local/share/vsm-app``                      the sample project with its generated
                                                           repository and exports, the autosave of
                                                           an untitled project
cache      ``~/.cache/vsm-app``                            git history caches (size-capped, see
                                                           :mod:`vsm_app.cachedir`)
logs       ``~/.local/state/vsm-app/log``                  ``vsm-app.log`` (rotating)
=========  ==============================================  ====================================

``VSM_APP_HOME`` puts all four in one folder (settings and data at its top, ``cache/`` and
``log/`` inside): the tests use it so nothing leaks between runs, and it makes a portable
install.
"""

from __future__ import annotations

import os
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

APP_NAME = "vsm-app"
#: file name of the settings (INI format, the same on every platform)
SETTINGS_FILE = "settings.ini"
#: file name of the log in :func:`log_dir`
LOG_FILE = "vsm-app.log"

PACKAGE_DIR = Path(__file__).resolve().parent


def resource(*parts: str) -> Traversable:
    """The packaged resource ``vsm_app/resources/<parts>`` (read it, never write it)."""
    from importlib.resources import files

    return files("vsm_app").joinpath("resources", *parts)


def _home() -> Path | None:
    env = os.environ.get("VSM_APP_HOME")
    return Path(env).expanduser() if env else None


def _made(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    """Settings folder."""
    home = _home()
    if home is not None:
        return _made(home)
    import platformdirs

    return _made(platformdirs.user_config_path(APP_NAME, appauthor=False, roaming=True))


def data_dir() -> Path:
    """Per-user data: the sample project and its data, the autosave of untitled projects."""
    home = _home()
    if home is not None:
        return _made(home)
    import platformdirs

    return _made(platformdirs.user_data_path(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    """Caches that can be rebuilt (git history); size-capped by :mod:`vsm_app.cachedir`."""
    home = _home()
    if home is not None:
        return _made(home / "cache")
    import platformdirs

    return _made(platformdirs.user_cache_path(APP_NAME, appauthor=False))


def log_dir() -> Path:
    """Log files."""
    home = _home()
    if home is not None:
        return _made(home / "log")
    import platformdirs

    return _made(platformdirs.user_log_path(APP_NAME, appauthor=False))


def legacy_cache_dir() -> Path | None:
    """Where versions before 0.2 kept the git caches (``<data>/cache``), when that is not the
    cache folder itself; :mod:`vsm_app.cachedir` removes what it finds there."""
    if _home() is not None:
        return None  # VSM_APP_HOME/cache is the cache folder, then as now
    old = data_dir() / "cache"
    return old if old.resolve() != cache_dir().resolve() else None


def settings_path() -> Path:
    """The settings file (INI)."""
    return config_dir() / SETTINGS_FILE


def log_path() -> Path:
    """The current log file."""
    return log_dir() / LOG_FILE


def user_data_dir() -> Path:
    """The data folder (kept for callers of the old name)."""
    return data_dir()


def sample_dir() -> Path:
    """The user's copy of the sample project, with its generated repository and exports."""
    return data_dir() / "sample"


def sample_definition() -> Traversable:
    """The packaged sample project (read only: :func:`vsm_app.demo.sample.install` copies it)."""
    return resource("sample", "demo.vsm")


def __getattr__(name: str) -> Any:
    # ``DEMO_PROJECT``: the packaged sample definition as a file path (tests copy it beside
    # data they generate). Computed on use so importing this module stays cheap.
    if name == "DEMO_PROJECT":
        return Path(str(sample_definition()))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
