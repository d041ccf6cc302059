"""The demo project with freshly generated data, built once per test process.

Shared by tests/report (Qt-free) and tests/ui/test_export*.py. The data goes to a temporary
folder (removed at exit), never into the user's data folder, so the tests do not depend on
the app having prepared the sample and never touch the checkout.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from vsm_app.paths import DEMO_PROJECT


@lru_cache(maxsize=1)
def demo_dir() -> Path:
    """A folder holding ``demo.vsm`` and its generated data (repo, exports)."""
    from vsm_app.demo.generate import generate

    root = Path(tempfile.mkdtemp(prefix="vsm-report-demo-")).resolve()
    atexit.register(shutil.rmtree, root, True)
    shutil.copy2(DEMO_PROJECT, root / "demo.vsm")
    generate(root)
    return root


def demo_project_path() -> Path:
    return demo_dir() / "demo.vsm"


def demo_project() -> Any:
    """A fresh Project object (tests may change it)."""
    from vsm_app.storage.project_file import load_project

    return load_project(demo_project_path())


@lru_cache(maxsize=1)
def demo_measurement() -> Any:
    """The pipeline's measurement of the demo project's data sources (do not change it)."""
    from vsm_app import pipeline

    return pipeline.run(pipeline.inputs_from_project(demo_project()))


@lru_cache(maxsize=1)
def demo_identities() -> frozenset[str]:
    """Author and committer names and addresses of the demo repository."""
    from vsm_app.analysis.privacy import git_identities

    return frozenset(git_identities(demo_dir() / "repo"))
