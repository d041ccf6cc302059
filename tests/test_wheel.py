"""The app installed from its wheel, the way a user gets it: nothing from the checkout.

Builds the wheel from a copy of the project, installs it into a fresh virtual environment and
runs it from another folder: the desktop app starts offscreen on the sample project (which
it prepares in the user's data folder and measures), ``vsm-app new`` and ``vsm-app export``
write their files, and nothing is written inside the installed package.

Offline and quick: the wheel is built without build isolation and installed without its
dependencies, which the new environment reads from this test environment's site-packages
through a ``.pth`` file (the dependencies are not what is under test; the packaging is).
Only the new environment's own site-packages holds ``vsm_app``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

APP_START = r"""
import json, sys, time
import vsm_app
from vsm_app import app, paths
qapp, w = app.start([])
deadline = time.time() + 120
def measured():
    task = getattr(w, "sample_task", None)
    return (w.is_complete() and (task is None or not task.is_running())
            and w.measure.result is not None and not w.measure.is_busy())
while not measured() and time.time() < deadline:
    qapp.processEvents()
    time.sleep(0.01)
from PySide6.QtWidgets import QApplication
print(json.dumps({
    "package": vsm_app.__file__,
    "version": vsm_app.__version__,
    "app_version": QApplication.applicationVersion(),
    "project": str(w.path),
    "changes": len(w.measure.data.tables.changes) if w.measure.data else 0,
    "constraint": w.measure.result.to_json()["bottleneck"]["stage"] if w.measure.result else None,
    "style_sheet": len(qapp.styleSheet()),
    "icon": not qapp.windowIcon().isNull(),
    "title": w.windowTitle(),
}))
w.undo_stack.setClean()
w.close()
"""


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")
            if "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed; its ``bin`` folder."""
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache",
        "artifacts", "out"))
    dist = base / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "--quiet", "--wheel-dir", str(dist), str(src)],
        capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    (wheel,) = dist.glob("vsm_app-*.whl")
    env_dir = base / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "--quiet", str(wheel)], capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    site = Path(subprocess.run([str(python), "-c",
                                "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # the dependencies (PySide6, pandas, ...) from this environment, after the new one's own
    (site / "_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env_dir / "bin"


@pytest.fixture
def user_env(tmp_path: Path) -> dict[str, str]:
    """A clean environment for the installed app: own data folders, offscreen, no checkout
    on the path."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "VSM_APP_", "PYTEST", "COV_"))}
    env.update(VSM_APP_HOME=str(tmp_path / "home"), QT_QPA_PLATFORM="offscreen",
               QT_LOGGING_RULES="qt.qpa.*=false")
    return env


def test_installed_app_starts_on_the_sample_and_commands_run_elsewhere(
        installed: Path, user_env: dict[str, str], tmp_path: Path) -> None:
    site = Path(subprocess.run([str(installed / "python"), "-c",
                                "import vsm_app, os; print(os.path.dirname(vsm_app.__file__))"],
                               capture_output=True, text=True, check=True,
                               env=user_env, cwd=tmp_path).stdout.strip())
    assert site.is_relative_to(installed.parent), site  # the wheel's copy, not the checkout
    before = _files(site)

    elsewhere = tmp_path / "work"
    elsewhere.mkdir()
    version = subprocess.run([str(installed / "vsm-app"), "--version"], capture_output=True,
                             text=True, env=user_env, cwd=elsewhere, timeout=60)
    assert version.returncode == 0 and version.stdout.strip() == "vsm-app 0.1.0"

    # the desktop app, offscreen, on the sample project
    start = subprocess.run([str(installed / "python"), "-c", APP_START], capture_output=True,
                           text=True, env=user_env, cwd=elsewhere, timeout=300)
    assert start.returncode == 0, start.stderr[-3000:]
    seen = json.loads(start.stdout.strip().splitlines()[-1])
    home = Path(user_env["VSM_APP_HOME"])
    assert Path(seen["package"]).parent == site
    assert seen["version"] == seen["app_version"] == "0.1.0"
    assert seen["project"] == str((home / "sample" / "demo.vsm").resolve())
    assert (home / "sample" / "repo" / ".git").is_dir()
    assert (home / "sample" / "exports" / "prs.json").is_file()
    # the sample's story: ~1,500 changes, Review is the constraint (tests/test_demo_story.py)
    assert 1_400 <= seen["changes"] <= 1_600 and seen["constraint"] == "Review"
    assert seen["style_sheet"] > 0 and seen["icon"]
    assert "demo.vsm" in seen["title"]
    assert (home / "log" / "vsm-app.log").read_text(encoding="utf-8").count("window shown") == 1

    # the commands, from another folder
    new = subprocess.run([str(installed / "vsm-app"), "new", "--out", "p.vsm"],
                         capture_output=True, text=True, env=user_env, cwd=elsewhere,
                         timeout=120)
    assert new.returncode == 0, new.stderr
    assert json.loads((elsewhere / "p.vsm").read_text(encoding="utf-8"))["format"] == \
        "vsm-project"
    export = subprocess.run([str(installed / "vsm-app"), "export", "p.vsm", "--out", "map.png"],
                            capture_output=True, text=True, env=user_env, cwd=elsewhere,
                            timeout=120)
    assert export.returncode == 0, export.stderr
    assert (elsewhere / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # nothing written inside the installed package
    assert _files(site) == before


def test_installed_desktop_entry_starts_this_installation(
        installed: Path, user_env: dict[str, str], tmp_path: Path) -> None:
    data_home = tmp_path / "xdg-data"
    env = dict(user_env, XDG_DATA_HOME=str(data_home))
    r = subprocess.run([str(installed / "vsm-app"), "--install-desktop-entry"],
                       capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    entry = (data_home / "applications" / "vsm-app.desktop").read_text(encoding="utf-8")
    exec_line = next(line for line in entry.splitlines() if line.startswith("Exec="))
    assert exec_line == f"Exec={installed / 'vsm-app-gui'} %f"
    assert (data_home / "icons" / "hicolor" / "scalable" / "apps" / "vsm-app.svg").is_file()
