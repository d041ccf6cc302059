"""What a wheel needs: declared dependencies, package data, version, entry points, no prints."""

from __future__ import annotations

import ast
import fnmatch
import re
import sys
import tomllib
from importlib.metadata import packages_distributions, version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "vsm_app"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _name(requirement: str) -> str:
    """The normalised distribution name of a requirement such as ``pandas>=2.1``."""
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


def _imported_top_level() -> dict[str, list[str]]:
    """Third-party top-level modules imported anywhere in vsm_app → the files importing them."""
    found: dict[str, list[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for n in names:
                top = n.split(".")[0]
                if top not in sys.stdlib_module_names and top != "vsm_app":
                    found.setdefault(top, []).append(str(path.relative_to(ROOT)))
    return found


def test_every_imported_package_is_a_declared_dependency() -> None:
    declared = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    # the optional `scale` extra (dask, pyarrow) may be imported only by vsm_app/scale
    scale = {_name(r) for r in PYPROJECT["project"]["optional-dependencies"]["scale"]}
    owners = packages_distributions()
    missing = {}
    for module, files in _imported_top_level().items():
        dists = {d.lower().replace("_", "-") for d in owners.get(module, [module])}
        if dists & scale and all(Path(f).parts[:2] == ("vsm_app", "scale") for f in files):
            continue
        if not dists & declared:
            missing[module] = sorted(set(files))[:3]
    assert not missing, f"imported but not in [project] dependencies: {missing}"
    # numpy was the one that slipped through before
    assert "numpy" in declared and "platformdirs" in declared


def test_dev_tools_are_apart_from_the_test_extra() -> None:
    extras = PYPROJECT["project"]["optional-dependencies"]
    dev = {_name(r) for r in extras["dev"]}
    test = {_name(r) for r in extras["test"]}
    assert {"ruff", "mypy", "import-linter"} <= dev
    assert not {"ruff", "mypy", "import-linter"} & test
    assert "'.[test,dev,scale]'" in (ROOT / "Makefile").read_text(encoding="utf-8")


def test_entry_points_and_urls() -> None:
    project = PYPROJECT["project"]
    assert project["scripts"] == {"vsm-app": "vsm_app.cli:entry"}
    assert project["gui-scripts"] == {"vsm-app-gui": "vsm_app.cli:gui_main"}
    assert {"Homepage", "Changelog", "Issues"} <= set(project["urls"])
    assert all(u.startswith("https://") for u in project["urls"].values())


def test_every_file_read_at_run_time_is_package_data() -> None:
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"]["vsm_app"]
    data = [p for folder in ("resources", "data") for p in (PACKAGE / folder).rglob("*")
            if p.is_file()]
    assert len(data) >= 30  # icons, styles, sample, desktop entry, band tables
    unpackaged = [str(p.relative_to(PACKAGE)) for p in data
                  if not any(fnmatch.fnmatch(str(p.relative_to(PACKAGE)), pat)
                             for pat in patterns)]
    assert unpackaged == []
    # and nothing outside the package is read: the old top-level folders are gone
    assert not (ROOT / "resources").exists() and not (ROOT / "sample_projects").exists()


def test_version_comes_from_the_package_metadata() -> None:
    import vsm_app

    assert vsm_app.__version__ == version("vsm-app") == PYPROJECT["project"]["version"]


def test_no_print_in_the_core() -> None:
    """Library code logs; only command entry points write to the terminal (and not with
    print() in the core packages at all)."""
    offenders = []
    for package in ("domain", "ingest", "analysis", "storage", "report", "demo"):
        for path in (PACKAGE / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                        and node.func.id == "print":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
