"""The sample project the app opens with no argument, kept in the user's data folder.

    python -m vsm_app.demo.sample [DEST]     # prepare it now and print where it is

The definition ships inside the package (read only, ``vsm_app/resources/sample/demo.vsm``).
:func:`install` copies it to ``<data>/sample/demo.vsm``, where it is an ordinary project the
user may edit and save; :func:`prepare` also builds its git repository and exports beside it
(:func:`vsm_app.demo.generate.generate`: deterministic, about two seconds the first time, reused
afterwards). Nothing is ever written next to the code.

A newer packaged definition (a new version of the app) replaces the copy only while the user
has not changed it: the digest of what was installed is kept beside it in ``.installed``.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import sys
from pathlib import Path

from vsm_app import paths

log = logging.getLogger(__name__)

PROJECT_NAME = "demo.vsm"
INSTALLED_DIGEST = ".installed"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def install(dest: Path | None = None) -> Path:
    """Copy the packaged sample definition to ``dest`` (default: the data folder); its path.

    An existing copy the user changed is kept as it is.
    """
    from vsm_app.storage.project_file import atomic_write_bytes

    folder = Path(dest) if dest is not None else paths.sample_dir()
    target = folder / PROJECT_NAME
    marker = folder / INSTALLED_DIGEST
    packaged = paths.sample_definition().read_bytes()
    new = _digest(packaged)
    if target.is_file():
        current = _digest(target.read_bytes())
        if current == new:
            return target
        installed = marker.read_text("ascii").strip() if marker.is_file() else None
        if installed != current:  # the user's own edits (or a copy we did not make): theirs
            log.info("keeping the changed sample project %s", target)
            return target
        log.info("updating the sample project %s to this version's", target)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(target, packaged)
    atomic_write_bytes(marker, (new + "\n").encode("ascii"))
    return target


def data_ready(project: Path) -> bool:
    """Whether the repository and exports beside ``project`` are already generated."""
    from vsm_app.demo.generate import is_generated

    return is_generated(project.parent)


def prepare(dest: Path | None = None) -> Path:
    """:func:`install` the definition and generate its data; the project's path.

    Raises
    ------
    OSError, RuntimeError
        The data cannot be written or git fails.
    """
    from vsm_app.demo.generate import generate

    project = install(dest)
    if not data_ready(project):
        log.info("generating the sample project's repository and exports in %s",
                 project.parent)
    generate(project.parent)
    return project


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m vsm_app.demo.sample",
                                 description="Prepare the sample project (definition, "
                                             "repository and exports) and print its path.")
    ap.add_argument("dest", type=Path, nargs="?",
                    help=f"folder (default: {paths.sample_dir()})")
    args = ap.parse_args(argv)
    try:
        project = prepare(args.dest)
    except (OSError, RuntimeError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    sys.stdout.write(f"{project}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
