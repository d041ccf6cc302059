"""Every git process of the product starts in one place: ``vsm_app/ingest/gitrun.py``.

A static scan of the package (no other module may import GitPython, ``subprocess`` or any
other way to start a program) and a dynamic check (every process started while a repository
is measured carries the hardened options and environment). The import-linter contract in
pyproject.toml says the same about imports; this test also catches ``os.system`` and friends.
"""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.ingest.conftest_git import RepoBuilder
from vsm_app.ingest import gitrun
from vsm_app.ingest.git import GitOptions, fill_sizes, list_branches, repository_problem, run

PACKAGE = Path(__file__).resolve().parents[1] / "vsm_app"
RUNNER = PACKAGE / "ingest" / "gitrun.py"
#: modules that start programs other than git, and why (each is checked to name no git)
OTHER_PROGRAMS = {
    PACKAGE / "desktop.py": "update-desktop-database and update-mime-database",
}

#: modules that can start a program (or drive git without the runner)
FORBIDDEN_IMPORTS = {"git", "gitdb", "subprocess", "pty", "multiprocessing", "asyncio"}
#: calls that start a program
FORBIDDEN_CALLS = {"system", "popen", "execl", "execle", "execlp", "execlpe", "execv", "execve",
                   "execvp", "execvpe", "spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv",
                   "spawnve", "spawnvp", "spawnvpe", "posix_spawn", "posix_spawnp", "startfile",
                   "fork", "forkpty"}


def _violations(path: Path) -> list[str]:
    return _violations_in(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE.parent)))


def _violations_in(text: str, rel: str) -> list[str]:
    tree = ast.parse(text, filename=rel)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in FORBIDDEN_IMPORTS:
                    found.append(f"{rel}:{node.lineno}: import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] in FORBIDDEN_IMPORTS:
                found.append(f"{rel}:{node.lineno}: from {node.module} import …")
            if node.module == "os" and any(a.name in FORBIDDEN_CALLS for a in node.names):
                found.append(f"{rel}:{node.lineno}: from os import a process starter")
            if any(a.name == "QProcess" for a in node.names):
                found.append(f"{rel}:{node.lineno}: QProcess")
        elif isinstance(node, ast.Attribute):
            base = node.value
            if isinstance(base, ast.Name) and base.id == "os" and node.attr in FORBIDDEN_CALLS:
                found.append(f"{rel}:{node.lineno}: os.{node.attr}")
            if node.attr == "QProcess" or (isinstance(base, ast.Name) and base.id == "QProcess"):
                found.append(f"{rel}:{node.lineno}: QProcess")
        elif isinstance(node, ast.Name) and node.id == "QProcess":
            found.append(f"{rel}:{node.lineno}: QProcess")
    return found


def test_no_module_but_the_runner_can_start_a_program() -> None:
    modules = [p for p in PACKAGE.rglob("*.py") if p != RUNNER and p not in OTHER_PROGRAMS]
    assert len(modules) > 100  # the scan sees the whole package
    # …the service layer, the rendering, the command modules and the catalogue included
    assert {p.parent.name for p in modules} >= {"services", "render", "commands", "metrics"}
    found = [v for p in modules for v in _violations(p)]
    assert found == []


def test_modules_that_run_other_programs_never_run_git() -> None:
    """Every process call in them names its program from a fixed tuple, none of them git."""
    for path in OTHER_PROGRAMS:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
                   and isinstance(n.value, str)}
        assert not {s for s in strings if s.strip().split(" ")[0] in ("git", "git.exe")}, path
        assert not [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom | ast.Import)
                    and any(a.name.split(".")[0] in ("git", "gitdb") for a in n.names)
                    or isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0]
                    in ("git", "gitdb")], path


def test_the_scan_catches_each_way_of_starting_git() -> None:
    # the scan itself must be able to fail: one sample of each kind
    samples = {
        "a.py": "import git\n",
        "b.py": "from git import Repo\n",
        "c.py": "import subprocess\n",
        "d.py": "import os\nos.system('git log')\n",
        "e.py": "from os import popen\n",
        "f.py": "from PySide6.QtCore import QProcess\n",
    }
    for name, text in samples.items():
        assert _violations_in(text, name), name


def test_every_process_in_the_runner_is_hardened() -> None:
    """Inside the runner each subprocess call gets the fixed options and environment."""
    tree = ast.parse(RUNNER.read_text(encoding="utf-8"))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
             and isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name)
             and n.func.value.id == "subprocess"]
    assert len(calls) >= 4
    for call in calls:
        argv = ast.unparse(call.args[0])
        env = next(ast.unparse(k.value) for k in call.keywords if k.arg == "env")
        assert argv == "self.argv(args)" or "*GLOBAL_OPTIONS" in argv, argv
        assert env in ("self.env", "generator_env()"), env


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[str], dict[str, str]]]:
    """Every process the runner starts: (argv, env)."""
    seen: list[tuple[list[str], dict[str, str]]] = []
    real_popen = subprocess.Popen

    class Recording(real_popen):  # type: ignore[misc,valid-type]
        def __init__(self, args: Any, *a: Any, **kw: Any) -> None:
            seen.append((list(args), dict(kw.get("env") or {})))
            super().__init__(args, *a, **kw)

    monkeypatch.setattr(subprocess, "Popen", Recording)
    return seen


def test_a_measurement_starts_only_hardened_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               recorded: list[tuple[list[str], dict[str, str]]]
                                               ) -> None:
    b = RepoBuilder(tmp_path / "repo")
    b.commit("feat: one", 0)
    b.tag("v1", 1)
    b.commit("fix: two", 2, file="sub/x.txt")
    recorded.clear()  # the builder's own git calls do not count
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere"))  # would redirect git
    monkeypatch.setenv("GIT_EXTERNAL_DIFF", "/bin/false")
    opts = GitOptions(str(b.path), deploy_tags="v*", subtree="sub")
    t = run(opts, cache_dir=tmp_path / "cache")
    fill_sizes(opts, t.commits)
    assert repository_problem(str(b.path), "main", "sub") is None
    assert list_branches(str(b.path)) == ["main"]

    assert len(recorded) >= 8
    n = len(gitrun.GLOBAL_OPTIONS)
    for argv, env in recorded:
        assert argv[1:1 + n] == list(gitrun.GLOBAL_OPTIONS), argv
        assert env["GIT_ALLOW_PROTOCOL"] == "" and env["GIT_CONFIG_NOSYSTEM"] == "1"
        assert "GIT_DIR" not in env and "GIT_EXTERNAL_DIFF" not in env
        rest = argv[1 + n:]
        if "log" in rest:
            assert {"--no-ext-diff", "--no-textconv", "--no-show-signature"} <= set(rest), argv
