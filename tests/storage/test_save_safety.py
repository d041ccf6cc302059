"""Saves as a careful desktop tool makes them: the user's umask, no stray temp files after a
killed save, errors that name the file the user chose; readers that say what is wrong."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vsm_app.domain.model import Project
from vsm_app.domain.templates import software_delivery
from vsm_app.errors import WriteError
from vsm_app.ingest.detect import detect
from vsm_app.storage import project_file
from vsm_app.storage.project_file import (
    atomic_write_bytes,
    load_project,
    remove_stale_temp_files,
    save_project,
)
from vsm_app.storage.stages_csv import CsvError, read_stages_csv


@pytest.fixture
def umask():
    old = os.umask(0o022)
    yield lambda m: os.umask(m)
    os.umask(old)


def test_new_files_follow_the_umask_existing_ones_keep_their_mode(tmp_path: Path,
                                                                  umask) -> None:
    project = Project("P", [software_delivery()])
    umask(0o077)
    save_project(project, tmp_path / "private.vsm")
    assert (tmp_path / "private.vsm").stat().st_mode & 0o777 == 0o600
    umask(0o002)
    atomic_write_bytes(tmp_path / "report.html", b"<html>")
    assert (tmp_path / "report.html").stat().st_mode & 0o777 == 0o664
    (tmp_path / "private.vsm").chmod(0o640)
    save_project(project, tmp_path / "private.vsm")
    assert (tmp_path / "private.vsm").stat().st_mode & 0o777 == 0o640


def _temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_stale_temp_files_go_at_the_next_save_live_ones_stay(tmp_path: Path) -> None:
    target = tmp_path / "p.vsm"
    old = tmp_path / ".p.vsm.abcd1234.tmp"
    old.write_bytes(b"x" * 1000)
    os.utime(old, (time.time() - 60, time.time() - 60))
    fresh = tmp_path / ".p.vsm.fresh123.tmp"  # a save that started a moment ago
    fresh.write_bytes(b"x")
    other = tmp_path / ".p.vsm.autosave.abcd1234.tmp"  # another file's temp
    other.write_bytes(b"x")
    os.utime(other, (time.time() - 60, time.time() - 60))
    locked = tmp_path / ".p.vsm.locked12.tmp"  # another process is writing it
    locked.write_bytes(b"x")
    os.utime(locked, (time.time() - 60, time.time() - 60))
    import fcntl

    fd = os.open(locked, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        save_project(Project("P", [software_delivery()]), target)
        assert _temps(tmp_path) == [".p.vsm.autosave.abcd1234.tmp", ".p.vsm.fresh123.tmp",
                                    ".p.vsm.locked12.tmp"]
    finally:
        os.close(fd)
    assert remove_stale_temp_files(target) == [locked]


SAVER = """
import os, sys, time
from vsm_app.domain.model import Project, Stage, ValueStreamMap
from vsm_app.storage.project_file import save_project
m = ValueStreamMap("Big")
for i in range(3000):
    m.add_stage(Stage(f"stage {i}", notes="n" * 200))
p = Project("Big", [m])
if sys.argv[2] == "hang":  # stop inside the save, its temporary file written
    def hang(fd):
        print("ready", flush=True)
        time.sleep(600)
    os.fsync = hang
    save_project(p, sys.argv[1])
print("ready", flush=True)
while True:
    save_project(p, sys.argv[1])
"""


def test_kill_9_during_saves_loses_nothing_and_the_next_save_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "big.vsm"
    save_project(Project("First", [software_delivery()]), target)
    for i in range(12):
        # two kills certainly inside a save; the first one's temporary file is removed by a
        # later save once it is a few seconds old, the last one's is left
        mode = "hang" if i in (3, 11) else "loop"
        proc = subprocess.Popen([sys.executable, "-c", SAVER, str(target), mode],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(0.02 + 0.013 * i)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        assert load_project(target).name in ("First", "Big")  # the old file or the new one
    strays = _temps(tmp_path)
    assert len(strays) >= 1 and all(n.startswith(".big.vsm.") for n in strays)
    for name in strays:  # as if the next save came a while later
        os.utime(tmp_path / name, (time.time() - 60, time.time() - 60))
    save_project(Project("After", [software_delivery()]), target)
    assert _temps(tmp_path) == []
    assert load_project(target).name == "After"


@pytest.mark.parametrize("step, err", [
    ("mkstemp", errno.EROFS), ("write", errno.ENOSPC), ("fsync", errno.EIO),
    ("replace", errno.EACCES),
])
def test_write_errors_name_the_target_and_keep_the_old_file(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            step: str, err: int) -> None:
    target = tmp_path / "p.vsm"
    target.write_bytes(b"old")

    def fail(*a, **k):
        raise OSError(err, os.strerror(err), str(tmp_path / ".p.vsm.zzzzzzzz.tmp"))

    if step == "mkstemp":
        monkeypatch.setattr(project_file.tempfile, "mkstemp", fail)
    elif step == "write":
        real = os.fdopen

        class Full:
            def __init__(self, f):
                self.f = f

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.f.close()

            def write(self, data):
                fail()

            def fileno(self):
                return self.f.fileno()

        monkeypatch.setattr(project_file.os, "fdopen", lambda fd, mode: Full(real(fd, mode)))
    elif step == "fsync":
        monkeypatch.setattr(project_file.os, "fsync", fail)
    else:
        monkeypatch.setattr(project_file.os, "replace", fail)
    with pytest.raises(WriteError) as e:
        atomic_write_bytes(target, b"new")
    assert str(e.value) == f"{target}: cannot write: {os.strerror(err)}"
    assert target.read_bytes() == b"old"
    assert _temps(tmp_path) == []


def test_cli_write_error_is_exit_2_naming_the_target(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        # root writes into read-only folders: a folder that cannot hold files at all
        out = "/proc/p.vsm"
    else:
        (tmp_path / "ro").mkdir(mode=0o555)
        out = str(tmp_path / "ro" / "p.vsm")
    r = subprocess.run([sys.executable, "-m", "vsm_app", "new", "--out", out], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith(f"vsm-app: --out: {out}: cannot write: ")
    assert ".tmp" not in r.stderr and "Traceback" not in r.stderr


def test_whitespace_before_json_is_not_an_empty_file(tmp_path: Path) -> None:
    real = Path(__file__).parents[1] / "fixtures" / "formats" / \
        "github_actions_runs.docs_example.json"
    f = tmp_path / "runs.json"
    f.write_text(" \n\t" * 3000 + real.read_text(encoding="utf-8"), encoding="utf-8")
    assert detect(f).name == detect(real).name == "github_actions_runs"
    blank = tmp_path / "blank.json"
    blank.write_text(" \n" * 5000)
    with pytest.raises(Exception, match="the file is empty"):
        detect(blank)


@pytest.mark.parametrize("data, message", [
    (b"name,process_time\nBuild,1h\n\xc3\x28oops,2h\n".replace(b"name", b"n\xffme"),
     "not UTF-8 text (byte 2 is 0xff), and read as Windows-1252 it has no 'name' column"),
    (b"\xff\xfe" + "name,process_time\n".encode("utf-16-le") + b"\x00\xd8",
     "not valid UTF-16 text"),
    ("name,process_time\nBuild,1h\n".encode("utf-16-le"), "it holds NUL bytes"),
    (b"name,process_time\nBu\x81ild\xe9,1h\n", "not UTF-8 text (byte 21 is 0x81) nor "
                                               "Windows-1252"),
    (b"name,process_time\nBuild\x01,1h\n", "not a text file: control character U+0001"),
])
def test_stages_csv_encoding_problems_say_so(tmp_path: Path, data: bytes, message: str) -> None:
    f = tmp_path / "s.csv"
    f.write_bytes(data)
    with pytest.raises(CsvError) as e:
        read_stages_csv(f)
    assert message in str(e.value) and str(f) in str(e.value)


@pytest.mark.parametrize("data", [
    "\ufeffname;process_time\nPrüfung;1h\n".encode("utf-8"),
    "name\tprocess_time\r\nPrüfung\t1h\r\n".encode("utf-16"),  # Excel's "Unicode text"
    "name,process_time\nPrüfung,1h\n".encode("cp1252"),  # Excel's CSV on Windows
])
def test_stages_csv_encodings_that_are_read(tmp_path: Path, data: bytes) -> None:
    f = tmp_path / "s.csv"
    f.write_bytes(data)
    m = read_stages_csv(f).vsm_map
    assert [(s.name, s.estimates.process_time_s) for s in m.stages] == [("Prüfung", 3600.0)]
