"""The installed Qt binding must survive many calls that return None.

PySide6 6.12.0 on Python 3.11 drops a reference to None on every such call and aborts the
interpreter after a few thousand ("none_dealloc"); pyproject.toml excludes it. This test
keeps a future upgrade from bringing the crash back.
"""

import subprocess
import sys

SCRIPT = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication([])
w = QWidget()
before = sys.getrefcount(None)
for _ in range(50_000):
    w.setWindowTitle("x")
print(sys.getrefcount(None) - before)
"""


def test_none_refcount_survives_fifty_thousand_calls() -> None:
    r = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr[-500:]
    assert abs(int(r.stdout.strip())) < 100
