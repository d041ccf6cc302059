"""vsm_app: value stream mapping for software delivery (see README.md).

``vsm_app.__version__`` is the installed distribution's version (package metadata), read on
first use so that importing the package stays cheap.
"""

from __future__ import annotations

from typing import Any

DISTRIBUTION = "vsm-app"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        v = _version()
        globals()["__version__"] = v
        return v
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
