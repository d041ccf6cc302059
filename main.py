"""``python main.py [PROJECT.vsm]``: the same as ``vsm-app`` and ``python -m vsm_app``."""

import sys

from vsm_app.cli import entry

if __name__ == "__main__":
    sys.exit(entry())
