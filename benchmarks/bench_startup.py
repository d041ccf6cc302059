"""First start on the sample project (issue 7 item 5): how soon a new user sees the measured map.

Each run is a fresh process with an empty settings folder, as ``make run`` on a new machine
after set-up: ``vsm_app.app.create_window`` opens the bundled demo, which ingests its
repository and exports in the worker; the clock stops when the measured result is drawn
(overlay and dashboards) and nothing runs any more. Target: "within seconds".

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_startup.py [--runs N]``
(needs the demo data: ``make demo``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import os, sys, time
t0 = time.perf_counter()
sys.path.insert(0, sys.argv[1])
from PySide6.QtWidgets import QApplication
from vsm_app.app import _set_names, create_window, settle_interpreter
_set_names()
app = QApplication([])
w = create_window([])
w.resize(1440, 900)
w.show()
settle_interpreter()
t_shown = time.perf_counter()
dash = w.dashboards
while (w.measure.result is None or w.measure.is_busy()
       or dash.result is not w.measure.result or dash.wiring.is_drawing()):
    app.processEvents()
    time.sleep(0.002)
w.repaint()
t_measured = time.perf_counter()
print(f"{t_shown - t0:.3f} {t_measured - t0:.3f} {len(w.measure.data.tables.changes)}")
w.undo_stack.setClean()
w.close()
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    shown, measured = [], []
    for i in range(args.runs):
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_LOGGING_RULES="qt.qpa.*=false",
                   VSM_APP_HOME=tempfile.mkdtemp(prefix="vsm-bench-start-"))
        out = subprocess.run([sys.executable, "-c", CHILD, str(ROOT)], env=env, check=True,
                             capture_output=True, text=True).stdout.split()
        a, b, n = float(out[0]), float(out[1]), int(out[2])
        shown.append(a)
        measured.append(b)
        print(f"  run {i + 1}: window shown {a:.2f} s, measured map and dashboards drawn "
              f"{b:.2f} s after the process started ({n:,} changes)")
    print(f"median: window {statistics.median(shown):.2f} s, measured "
          f"{statistics.median(measured):.2f} s (the measurement itself: "
          f"{statistics.median(m - s for m, s in zip(measured, shown, strict=True)):.2f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
