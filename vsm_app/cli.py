"""The one entry point of the program: the desktop app or a headless command (DESIGN §6).

::

    vsm-app                      the desktop app on the sample project
    vsm-app PROJECT.vsm          the desktop app on that project (an existing .vsm file)
    vsm-app COMMAND ...          a headless command: results on stdout, messages on stderr
    vsm-app --version | --help | --install-desktop-entry | --uninstall-desktop-entry

The command line never guesses: anything else (a mistyped command, a missing project) is a
usage error that lists the commands, and the desktop app without a display is one line and
exit 2, never Qt's abort. ``--verbose`` (anywhere) logs every step to stderr; ``--debug``
re-raises an unexpected error.

This module only parses: each command is a module of :mod:`vsm_app.commands` that parses its
arguments, calls one service (:mod:`vsm_app.services`) and prints. Start-up stays light: the
command modules import only the standard library at the top, each command imports what it
needs when it runs, and the parsers of ``analyze``, ``forecast`` and ``analyze-many`` are
built only when that command is asked for, so ``--help``, ``--version`` and usage errors
load neither pandas, numpy nor networkx.

Exit codes: 0 success, 2 bad input (one line naming the file and line/field), 1 unexpected;
``analyze-many`` adds 3: some repositories failed (vsm_app/commands/analyze_many.py).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from .errors import BadInput, WriteError

log = logging.getLogger(__name__)

COMMANDS = ("new", "import-stages", "metrics", "analyze", "forecast", "analyze-many", "export",
            "report")

#: commands whose parser is built only when the command is asked for (their options are
#: many): (module, function adding the parser, its one-line help — kept equal to the real
#: one by a test)
_LAZY_PARSERS: dict[str, tuple[str, str, str]] = {
    "analyze": ("vsm_app.commands.analyze", "add_analyze_parser",
                "measure flow and DORA metrics from git and exports"),
    "forecast": ("vsm_app.commands.forecast", "add_forecast_parser",
                 "forecast when N changes will be done, or how many by a date (Monte Carlo)"),
    "analyze-many": ("vsm_app.commands.analyze_many", "add_analyze_many_parser",
                     "measure many repositories on a Dask cluster; per team/service and for "
                     "the whole"),
}
#: switches that may stand anywhere on the line (they apply to the whole run)
GLOBAL_SWITCHES = ("--verbose", "--debug")


def _err(msg: str) -> None:
    if sys.stderr is not None:  # a GUI launcher on Windows has no console
        print(msg, file=sys.stderr)


class _Parser(argparse.ArgumentParser):
    """argparse with an error that names the commands and a close match for a typo."""

    def error(self, message: str) -> NoReturn:
        if "invalid choice" in message and self.prog == "vsm-app":
            import difflib

            word = message.split("invalid choice: ", 1)[1].split("'")[1] \
                if "invalid choice: '" in message else ""
            close = difflib.get_close_matches(word, COMMANDS, n=1)
            message = (f"{word!r} is not a command" if word else message) + \
                (f" (did you mean {close[0]!r}?)" if close else "") + \
                f"; commands: {', '.join(COMMANDS)}; to open a project give an existing " \
                f".vsm file"
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command-line parser.

    ``only``: build the heavy parsers (see ``_LAZY_PARSERS``) only for this command, the others
    as help-only entries (what :func:`main` does); None builds every parser in full.
    """
    p = _Parser(
        prog="vsm-app",
        description="Value stream mapping for software delivery. With no argument the "
                    "desktop app opens on the sample project; with an existing PROJECT.vsm "
                    "it opens that project.",
        epilog="Run 'vsm-app COMMAND --help' for a command's options.")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    p.add_argument("--verbose", action="store_true",
                   help="log every step to stderr (the log file gets them too)")
    p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--install-desktop-entry", action="store_true",
                   help="add the app to this user's desktop menus and open .vsm files with "
                        "it (freedesktop: Linux, BSD; no root needed)")
    p.add_argument("--uninstall-desktop-entry", action="store_true",
                   help="remove what --install-desktop-entry added")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    _add_commands(sub, only)
    return p


def _add_commands(sub: Any, only: str | None = None) -> None:
    """Every command's parser (vsm_app.commands); the lazy ones in full only when asked."""
    import importlib

    from .commands.export import add_export_parsers
    from .commands.project import add_project_parsers

    add_project_parsers(sub)
    for name, (module, adder, help_text) in _LAZY_PARSERS.items():
        if only is None or only == name:
            getattr(importlib.import_module(module), adder)(sub)
        else:
            sub.add_parser(name, help=help_text)
    add_export_parsers(sub)


def _run(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        return func(args)
    except (BadInput, WriteError) as e:
        log.info("bad input: %s", e)
        _err(f"vsm-app: {e}")
        return 2
    except KeyboardInterrupt:
        _err("vsm-app: interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # the one place an unexpected error is turned into exit code 1
        from .logs import FILE_ONLY, current_log_file

        log.exception("unexpected error in %s", getattr(args, "command", "?"), extra=FILE_ONLY)

        where = current_log_file()
        _err(f"vsm-app: unexpected error: {type(e).__name__}: {e}"
             + (f" (the traceback is in {where})" if where else ""))
        if getattr(args, "debug", False):
            raise
        return 1


def _fail_usage(parser: argparse.ArgumentParser, message: str) -> NoReturn:
    parser.print_usage(sys.stderr)
    _err(f"vsm-app: error: {message}")
    raise SystemExit(2)


def _split_switches(argv: list[str]) -> tuple[list[str], dict[str, bool]]:
    """Take the global switches out of ``argv`` (up to a ``--``)."""
    found = dict.fromkeys(GLOBAL_SWITCHES, False)
    rest: list[str] = []
    for k, a in enumerate(argv):
        if a == "--":
            rest.extend(argv[k:])
            break
        if a in found:
            found[a] = True
        else:
            rest.append(a)
    return rest, found


def gui_project(args: Sequence[str]) -> list[str] | None:
    """The desktop app's arguments when the command line asks for it, else None.

    Only two lines open the app: no argument (the sample project) and one existing ``.vsm``
    file. A command name always wins over a file of the same name.
    """
    if not args:
        return []
    if len(args) == 1 and args[0] not in COMMANDS and not args[0].startswith("-"):
        p = Path(args[0])
        if p.suffix.lower() == ".vsm" and p.is_file():
            return [args[0]]
    return None


def display_problem() -> str | None:
    """Why a window cannot open here, or None (Linux and the BSDs need X11 or Wayland unless
    ``QT_QPA_PLATFORM`` names another platform plugin, such as ``offscreen``)."""
    if sys.platform in ("win32", "darwin", "cygwin"):
        return None
    if os.environ.get("QT_QPA_PLATFORM") or os.environ.get("DISPLAY") \
            or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return ("no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set); "
            "the commands work without one: vsm-app --help")


def _first_word(args: Sequence[str]) -> str | None:
    return next((a for a in args if not a.startswith("-")), None)


def _desktop_entry(install: bool) -> int:
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        raise BadInput("desktop entries are a freedesktop (Linux, BSD) feature; on this "
                       "system use the vsm-app-gui launcher")
    from . import desktop

    try:
        files = desktop.install() if install else desktop.uninstall()
    except OSError as e:
        raise BadInput(f"{getattr(e, 'filename', '') or desktop.data_home()}: "
                       f"{e.strerror or e}") from None
    verb = "wrote" if install else "removed"
    for f in files:
        _err(f"{verb} {f}")
    if not install and not files:
        _err("vsm-app: no desktop entry was installed")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    raw = list(sys.argv[1:] if argv is None else argv)
    args_list, switches = _split_switches(raw)
    verbose = switches["--verbose"]
    project = gui_project(args_list)
    if project is not None:
        problem = display_problem()
        if problem is not None:
            _err(f"vsm-app: {problem}")
            return 2
        from .app import main as gui_main

        return gui_main(project, verbose=verbose)
    if len(args_list) == 1 and args_list[0] not in COMMANDS \
            and Path(args_list[0]).suffix.lower() == ".vsm":
        # a project to open that is not there: say so plainly (not "invalid choice")
        what = "is a folder" if Path(args_list[0]).is_dir() else "no such file"
        _err(f"vsm-app: {args_list[0]}: {what}")
        return 2
    parser = build_parser(only=_first_word(args_list) or "")
    args = parser.parse_args([*(s for s, on in switches.items() if on), *args_list])
    if args.version:
        from . import __version__

        print(f"vsm-app {__version__}")
        return 0
    from .logs import setup

    setup(verbose=verbose)
    log.debug("vsm-app %s", " ".join(raw))
    if args.install_desktop_entry or args.uninstall_desktop_entry:
        if args.command:
            _fail_usage(parser, "--install-desktop-entry takes no command")
        return _run(lambda _a: _desktop_entry(bool(args.install_desktop_entry)), args)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    global _ran_command
    _ran_command = True
    return _run(args.func, args)


def entry() -> int:
    """The ``vsm-app`` console script (and ``python -m vsm_app``): :func:`main`, then, after a
    headless command, an exit without the interpreter's teardown.

    A finished command has written and closed its files; what is left is Python freeing a
    million objects one by one (pandas frames, the parsed history), 0.1–0.25 s on git/git,
    which the operating system does at once. Logs and both standard streams are flushed
    first. The desktop app returns normally.
    """
    code = main()
    if _ran_command:
        _exit_now(code)
    return code


_ran_command = False


def _exit_now(code: int) -> NoReturn:
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            pass  # a closed pipe: nothing more can be said
    os._exit(code)


def gui_main() -> int:
    """The ``vsm-app-gui`` launcher (a GUI script: no console window on Windows)."""
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:  # pythonw: nowhere to write; keep print() harmless
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115
    return entry()


if __name__ == "__main__":
    raise SystemExit(entry())
