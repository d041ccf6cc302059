"""Screenshots of the groups comparison on the real repositories (issue 21), 1280×800.

    .venv/bin/python benchmarks/screens_portfolio.py [--repos /work/repos] [--out DIR]

Runs ``analyze-many`` (in-process) on requests, httpx, click, flask, pytest and vite with
groups by repository and by path, then saves into tests/artifacts/:

* ``portfolio_window.png``: File ▸ Open portfolio on that folder (the whole on the map);
* ``portfolio_drill.png``: the same, drilled into the ``vite-core`` service, sorted by lead
  time;
* ``comparison_dock.png`` / ``comparison_dock_drill.png``: a project holding the same
  repositories and groups, its Groups side by side dock, then one group's map.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

GROUPS = """
[[group]]
name = "http-clients"
repositories = ["requests", "httpx"]

[[group]]
name = "pallets"
repositories = ["click", "flask"]

[[group]]
name = "pytest-core"
kind = "service"
repositories = ["pytest"]
paths = ["src/"]

[[group]]
name = "vite-core"
kind = "service"
repositories = ["vite"]
paths = ["packages/vite/"]

[[group]]
name = "vite-docs"
kind = "service"
repositories = ["vite"]
paths = ["docs/"]
"""
REPOS = ("requests", "httpx", "click", "flask", "pytest", "vite")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repos", default="/work/repos")
    ap.add_argument("--out", default=str(ROOT / "tests" / "artifacts"))
    ap.add_argument("--since", default="2025-01-01")
    ap.add_argument("--until", default="2026-06-30")
    args = ap.parse_args()
    art = Path(args.out)
    art.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="vsm-screens-"))
    manifest = work / "manifest.toml"
    manifest.write_text(f'since = "{args.since}"\nuntil = "{args.until}"\n' + "".join(
        f'\n[[repository]]\nname = "{n}"\npath = "{Path(args.repos) / n}"\n' for n in REPOS)
        + GROUPS)

    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from vsm_app.domain.groups import make_group
    from vsm_app.domain.model import DataSource, Project
    from vsm_app.domain.templates import software_delivery
    from vsm_app.scale.manifest import load_manifest
    from vsm_app.scale.portfolio import RunOptions, run_in_process
    from vsm_app.ui.portfolio_window import open_portfolio_window

    app = QApplication.instance() or QApplication(sys.argv)
    from vsm_app.ui import settings

    app.setOrganizationName(settings.ORGANIZATION)
    app.setApplicationName(settings.APPLICATION)
    from vsm_app.ui.theme import apply_theme  # the application's style, as `make run` shows

    apply_theme(app, "light")
    t0 = time.perf_counter()
    m = load_manifest(manifest)
    run = run_in_process(m, RunOptions(out=work / "out"))
    print(f"analyze-many (in-process): {time.perf_counter() - t0:.1f} s, "
          f"{len(run.summary['groups'])} groups")

    def settle(cond, timeout=120.0):
        end = time.perf_counter() + timeout
        while not cond() and time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.02)
        app.processEvents()

    w = open_portfolio_window(None, work / "out")
    assert w is not None
    settle(lambda: w.loaded is not None or bool(w.error))
    assert not w.error, w.error
    w.resize(1280, 800)
    settle(lambda: False, 0.3)
    w.grab().save(str(art / "portfolio_window.png"))
    w.view.sort_by("dora.lead_time_median_s", Qt.SortOrder.AscendingOrder)
    w.show_group("vite-core")
    settle(lambda: False, 0.3)
    w.grab().save(str(art / "portfolio_drill.png"))
    w.close()

    from vsm_app.ui.main_window import MainWindow

    p = Project("Six projects", [software_delivery()])
    for n in REPOS:
        p.sources.append(DataSource("git", str(Path(args.repos) / n)))
    p.groups = [make_group(**g.to_json()) for g in m.groups]
    win = MainWindow(p)
    win.resize(1280, 800)
    win.show()
    settle(lambda: win.measure.result is not None and not win.measure.is_busy(), 300)
    import pandas as pd

    win.measure.set_window(pd.Timestamp(args.since, tz="UTC"),
                           pd.Timestamp(args.until, tz="UTC") + pd.Timedelta(days=1))
    settle(lambda: not win.measure.is_busy(), 60)
    win.comparison.show()
    win.comparison.raise_()
    win.comparison.recompute()
    settle(lambda: win.comparison.result is not None, 300)
    settle(lambda: False, 0.3)
    win.grab().save(str(art / "comparison_dock.png"))
    win.comparison.show_group("pytest-core")
    settle(lambda: False, 0.3)
    win.grab().save(str(art / "comparison_dock_drill.png"))
    print(f"saved into {art}")
    win.close()
    from vsm_app.ui import workers

    workers.shutdown(30_000)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
