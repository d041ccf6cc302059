"""Where things live: bundled resources, the sample project, per-user data (Qt-free)."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
RESOURCES_DIR = REPO_DIR / "resources"
SAMPLE_DIR = REPO_DIR / "sample_projects"
DEMO_DIR = SAMPLE_DIR / "demo"
DEMO_PROJECT = DEMO_DIR / "demo.vsm"


def user_data_dir() -> Path:
    """Per-user data (autosaves of untitled projects, caches). ``VSM_APP_HOME`` overrides."""
    env = os.environ.get("VSM_APP_HOME")
    if env:
        base = Path(env)
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "vsm-app"
    base.mkdir(parents=True, exist_ok=True)
    return base


def cache_dir() -> Path:
    d = user_data_dir() / "cache"
    d.mkdir(parents=True, exist_ok=True)
    return d
