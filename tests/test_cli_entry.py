"""The program's entry: when the window opens, usage errors, --version, --verbose, the log,
what --help loads, and the desktop entry. Run as a user would (a subprocess) where it matters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib.metadata import version
from pathlib import Path

import pytest

from vsm_app import cli, desktop

COMMANDS = ["new", "import-stages", "metrics", "analyze", "forecast", "analyze-many", "export",
            "report"]


def run(*args: str, cwd: Path, env: dict[str, str] | None = None,
        timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vsm_app", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def no_display_env() -> dict[str, str]:
    env = dict(os.environ)
    for k in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(k, None)
    return env


@pytest.mark.parametrize("args", [["forecst", "--json"], ["anlyze", "--repo", "."],
                                  ["notes.txt"], ["--bogus"]])
def test_anything_but_a_project_is_a_usage_error_listing_the_commands(
        tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "notes.txt").write_text("not a project")
    # no display either: had the GUI been chosen, this would say "no display" instead
    r = run(*args, cwd=tmp_path, env=no_display_env())
    assert r.returncode == 2
    assert "no display" not in r.stderr and "Traceback" not in r.stderr
    assert r.stderr.startswith("usage: vsm-app")
    if not args[0].startswith("--"):
        assert f"'{args[0]}' is not a command" in r.stderr
        assert all(c in r.stderr for c in COMMANDS)


def test_a_close_typo_gets_a_suggestion(tmp_path: Path) -> None:
    r = run("anlyze", cwd=tmp_path)
    assert r.returncode == 2 and "did you mean 'analyze'?" in r.stderr


def test_a_missing_project_is_named(tmp_path: Path) -> None:
    r = run("missing.vsm", cwd=tmp_path, env=no_display_env())
    assert r.returncode == 2
    assert r.stderr.strip() == "vsm-app: missing.vsm: no such file"


@pytest.mark.parametrize("with_project", [False, True])
def test_no_display_is_one_line_and_exit_2(tmp_path: Path, with_project: bool) -> None:
    args = []
    if with_project:
        assert run("new", "--out", "p.vsm", cwd=tmp_path).returncode == 0
        args = ["p.vsm"]
    r = run(*args, cwd=tmp_path, env=no_display_env())
    assert r.returncode == 2, r.stderr  # never Qt's abort (134)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("vsm-app: no display")
    assert "vsm-app --help" in lines[0]


def test_gui_is_chosen_only_for_nothing_or_an_existing_vsm(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.vsm").write_text("{}")
    (tmp_path / "new").write_text("a file named like a command")
    (tmp_path / "folder.vsm").mkdir()
    assert cli.gui_project([]) == []
    assert cli.gui_project(["p.vsm"]) == ["p.vsm"]
    assert cli.gui_project(["new"]) is None  # a command wins over a file of that name
    assert cli.gui_project(["folder.vsm"]) is None
    assert cli.gui_project(["other.vsm"]) is None
    assert cli.gui_project(["p.vsm", "--json"]) is None


def test_version(tmp_path: Path) -> None:
    r = run("--version", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout == f"vsm-app {version('vsm-app')}\n"


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["forecst"], ["new", "--help"]])
def test_help_version_and_usage_errors_load_no_heavy_library(tmp_path: Path,
                                                              args: list[str]) -> None:
    code = ("import sys\nfrom vsm_app.cli import main\n"
            f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
            # nor the improvement records (a tenth of --help's start when they came with
            # the model): they come with the first Project
            "heavy = ['pandas', 'git', 'networkx', 'PySide6', 'numpy', "
            "'vsm_app.domain.records']\n"
            "print([m for m in heavy if m in sys.modules], file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                       text=True, timeout=60)
    assert r.stderr.strip().splitlines()[-1] == "[]", r.stderr


def test_the_light_parser_lists_the_same_commands_as_the_full_one() -> None:
    def commands(parser):  # type: ignore[no-untyped-def]
        sub = next(a for a in parser._actions if a.dest == "command")
        return {c.dest: c.help for c in sub._choices_actions}

    full = commands(cli.build_parser())
    assert list(full) == COMMANDS
    assert commands(cli.build_parser(only="")) == full
    assert commands(cli.build_parser(only="analyze")) == full


def test_verbose_anywhere_logs_every_step_to_stderr_and_the_log_file(tmp_path: Path) -> None:
    r = run("new", "--out", "p.vsm", "--verbose", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "DEBUG vsm_app.cli: vsm-app new --out p.vsm --verbose" in r.stderr
    log = Path(os.environ["VSM_APP_HOME"]) / "log" / "vsm-app.log"
    assert "vsm-app new --out p.vsm --verbose" in log.read_text(encoding="utf-8")
    quiet = run("new", "--out", "q.vsm", cwd=tmp_path)
    assert quiet.returncode == 0 and quiet.stderr == "wrote q.vsm\n"


def test_unexpected_error_points_to_the_log_which_holds_the_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(args):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("a bug")

    from vsm_app.commands import project

    monkeypatch.setattr(project, "cmd_new", broken)
    assert cli.main(["new", "--out", str(tmp_path / "p.vsm")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    log = Path(os.environ["VSM_APP_HOME"]) / "log" / "vsm-app.log"
    assert err == [f"vsm-app: unexpected error: ZeroDivisionError: a bug (the traceback is in "
                   f"{log})"]
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "ZeroDivisionError: a bug" in text


def test_commands_exit_without_teardown_but_with_their_output(tmp_path: Path) -> None:
    # the entry point leaves with os._exit after a command: stdout and the log still arrive
    assert run("new", "--out", "p.vsm", cwd=tmp_path).returncode == 0
    r = run("metrics", "p.vsm", "--json", cwd=tmp_path)
    assert r.returncode == 0 and json.loads(r.stdout)["maps"][0]["name"] == "Current state"
    bad = run("metrics", "nothere.vsm", cwd=tmp_path)
    assert bad.returncode == 2


def test_desktop_entry_installs_for_the_user_and_uninstalls(tmp_path: Path) -> None:
    data_home = tmp_path / "share"
    env = dict(os.environ, XDG_DATA_HOME=str(data_home))
    r = run("--install-desktop-entry", cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr
    entry = data_home / "applications" / "vsm-app.desktop"
    icon = data_home / "icons" / "hicolor" / "scalable" / "apps" / "vsm-app.svg"
    mime = data_home / "mime" / "packages" / "vsm-app.xml"
    fields = dict(line.split("=", 1) for line in entry.read_text(encoding="utf-8").splitlines()
                  if "=" in line)
    assert fields["Type"] == "Application" and fields["Icon"] == "vsm-app"
    assert fields["MimeType"] == "application/x-vsm-project;" and fields["Terminal"] == "false"
    command = fields["Exec"].removesuffix(" %f")
    assert Path(fields["TryExec"]).is_file() or fields["TryExec"] == sys.executable
    assert command.startswith(fields["TryExec"])
    assert ET.parse(icon).getroot().tag.endswith("svg")
    glob = ET.parse(mime).getroot().find(".//{*}glob")
    assert glob is not None and glob.get("pattern") == "*.vsm"
    r = run("--uninstall-desktop-entry", cwd=tmp_path, env=env)
    assert r.returncode == 0 and not entry.exists() and not icon.exists() and not mime.exists()


def test_desktop_exec_quotes_paths_with_spaces() -> None:
    text = desktop.desktop_entry(["/opt/My Apps/bin/vsm-app-gui"])
    assert 'Exec="/opt/My Apps/bin/vsm-app-gui" %f' in text.splitlines()
    text = desktop.desktop_entry(["/usr/bin/python3", "-m", "vsm_app"])
    assert "Exec=/usr/bin/python3 -m vsm_app %f" in text.splitlines()
