"""The one way the product runs git: fixed options, a scrubbed environment, no repository code.

Every git process of vsm_app is started here (``tests/test_git_boundary.py`` fails when any
other module imports GitPython or ``subprocess``). An analysed repository is untrusted: its
``.git/config``, ``.gitattributes`` and hooks may name programs, and a partial clone fetches
missing objects from the remote it names. Each command therefore runs with

* ``GIT_ALLOW_PROTOCOL=`` (an empty allow-list): git refuses every transport — ssh, file, ext,
  http, remote helpers — before it starts anything, so a partial clone's lazy fetch cannot run
  ``core.sshCommand``, ``remote.*.uploadpack`` or a helper, whatever ``protocol.*.allow`` the
  repository sets (``-c protocol.allow=never`` alone loses to a repository's
  ``protocol.ssh.allow=always``); ``GIT_NO_LAZY_FETCH=1`` stops the attempt itself on git
  2.44 and newer;
* command-line ``-c`` options, which outrank every config file: no fsmonitor program, hooks
  from ``/dev/null`` (none), no signature verification and harmless signature programs, no
  credential helper or askpass, a harmless ``core.sshCommand``;
* ``--no-pager``, and on the commands that can diff ``--no-ext-diff --no-textconv`` (external
  diff and textconv drivers of ``.gitattributes``); clean/smudge filters only run when a
  work tree is written, which no command here does;
* an environment without the caller's ``GIT_*`` variables (``GIT_DIR``,
  ``GIT_CONFIG_PARAMETERS``, ``GIT_EXTERNAL_DIFF``, ``GIT_SSH_COMMAND`` … would redirect or
  arm git), no system config (``GIT_CONFIG_NOSYSTEM``; the user's own global config still
  counts, for ``safe.directory``), literal pathspecs, no optional locks (reading never
  refreshes the index), no terminal prompt, C locale messages;
* argument lists only (no shell); user text reaches git only after ``--end-of-options`` or
  ``--``, or as data on stdin.

The repository folder is opened exactly as given: git never searches its parents.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, BinaryIO

from ..work import Cancelled, IsCancelled

__all__ = [
    "GLOBAL_OPTIONS",
    "GitError",
    "GitFailed",
    "Repository",
    "generator_env",
    "hardened_env",
    "open_repository",
    "run_generator_git",
    "start_generator_git",
]

class GitError(Exception):
    """A repository that cannot be read; the message is one line naming the path and the problem."""


class GitFailed(GitError):
    """git exited with an error while streaming (e.g. an old cached root no longer exists)."""


#: Options before every command. Command-line ``-c`` outranks the repository's config files.
GLOBAL_OPTIONS: tuple[str, ...] = (
    "--no-pager",
    "-c", "core.fsmonitor=false",
    "-c", "core.hooksPath=/dev/null",
    "-c", "core.sshCommand=false",
    "-c", "core.askPass=",
    "-c", "credential.helper=",
    "-c", "protocol.allow=never",
    "-c", "log.showSignature=false",
    "-c", "gpg.program=false",
    "-c", "gpg.openpgp.program=false",
    "-c", "gpg.x509.program=false",
    "-c", "gpg.ssh.program=false",
    "-c", "log.follow=false",
    "-c", "i18n.logOutputEncoding=UTF-8",
)

#: Options of every command that may produce a diff or show a commit (log, show).
NO_PROGRAM_DIFF: tuple[str, ...] = ("--no-ext-diff", "--no-textconv", "--no-show-signature")

_ENV = {
    "GIT_ALLOW_PROTOCOL": "",  # an empty allow-list: no transport at all
    "GIT_NO_LAZY_FETCH": "1",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_ASKPASS": "",
    "SSH_ASKPASS": "",
    "GIT_OPTIONAL_LOCKS": "0",  # read-only: do not even refresh the index
    "GIT_PAGER": "cat",
    "GIT_LITERAL_PATHSPECS": "1",
    # git flushes after every commit when stdout is a pipe; full buffering is several times
    # faster for a streamed log
    "GIT_FLUSH": "0",
    # messages are matched in English ("dubious ownership")
    "LC_ALL": "C",
    "LANGUAGE": "C",
}

#: ``GIT_*`` variables of the caller that are kept: where git's own helpers live.
#: (Tests add ``GIT_TEST_ASSUME_DIFFERENT_OWNER`` here to simulate another owner.)
PASS_THROUGH: set[str] = {"GIT_EXEC_PATH"}

_CHUNK = 1 << 20
PIPE = subprocess.PIPE
_NO_WINDOW = getattr(subprocess, "CREATE_NO_WINDOW", 0)


def hardened_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of every git process: ``base`` (default ``os.environ``) without its
    ``GIT_*`` variables (but :data:`PASS_THROUGH`), plus the fixed settings above."""
    src = os.environ if base is None else base
    env = {k: v for k, v in src.items()
           if not k.upper().startswith("GIT_") or k in PASS_THROUGH}
    env.update(_ENV)
    return env


def git_executable() -> str:
    """The git program on ``PATH``; :class:`GitError` when there is none."""
    exe = shutil.which("git")
    if exe is None:
        raise GitError("the git program was not found (install git and make sure it is on "
                       "the PATH)")
    return exe


def first_line(text: str | bytes) -> str:
    """The first non-blank line of git's stderr, without ``fatal:``/``error:``."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line.removeprefix("fatal: ").removeprefix("error: ")
    return ""


def _ownership_message(path: str) -> str:
    return (f"{path}: git refuses to read this repository because another user owns it "
            f"(if you trust it, run: git config --global --add safe.directory "
            f"'{os.path.abspath(path)}')")


class Repository:
    """One opened repository: runs fixed, read-only git commands in it.

    Failures become :class:`GitError` naming :attr:`path` (the path as the user gave it).
    """

    def __init__(self, path: str, folder: Path, exe: str) -> None:
        self.path = path
        self.folder = folder
        self.exe = exe
        self.env = hardened_env()
        # git never walks above the folder the user chose
        self.env["GIT_CEILING_DIRECTORIES"] = str(folder.parent)
        self.git_dir = ""

    def argv(self, args: Sequence[str]) -> list[str]:
        return [self.exe, *GLOBAL_OPTIONS, *args]

    def _raise_for_ownership(self, err: str) -> None:
        if "dubious ownership" in err or "safe.directory" in err:
            raise GitError(_ownership_message(self.path))

    def out(self, args: Sequence[str]) -> tuple[int, bytes, str]:
        """Run, return ``(status, stdout bytes, stderr text)``; ownership refusals raise."""
        try:
            res = subprocess.run(self.argv(args), cwd=self.folder, env=self.env,
                                 stdin=subprocess.DEVNULL, capture_output=True, check=False,
                                 creationflags=_NO_WINDOW)
        except OSError as exc:
            raise GitError(f"{self.path}: cannot run git ({exc.strerror or exc})") from exc
        err = res.stderr.decode("utf-8", "replace")
        if res.returncode != 0:
            self._raise_for_ownership(err)
        return res.returncode, res.stdout, err

    def check(self, args: Sequence[str], what: str) -> bytes:
        """Run; stdout, or :class:`GitError` ``"<path>: <what> failed: <git's reason>"``."""
        status, stdout, err = self.out(args)
        if status != 0:
            raise GitError(f"{self.path}: {what} failed: {first_line(err) or f'exit {status}'}")
        return stdout

    def stream(self, args: Sequence[str], on_chunk: Callable[[bytes], None],
               cancelled: IsCancelled | None, stdin: BinaryIO | None = None,
               chunk_size: int = _CHUNK) -> None:
        """Run and feed stdout to ``on_chunk`` as it arrives; kill git on cancel or error.

        ``cancelled`` is polled between chunks: pick ``chunk_size`` so one arrives within
        ~0.1 s (git log writes ~100 MB/s, ``--numstat`` only ~2 MB/s). stderr goes to a
        temporary file, so a chatty git never blocks on a full pipe.
        """
        with tempfile.TemporaryFile() as errf:
            try:
                proc = subprocess.Popen(self.argv(args), cwd=self.folder, env=self.env,
                                        stdin=stdin if stdin is not None else subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=errf,
                                        creationflags=_NO_WINDOW)
            except OSError as exc:
                raise GitError(f"{self.path}: cannot run git ({exc.strerror or exc})") from exc
            out: IO[bytes] = proc.stdout  # type: ignore[assignment]
            try:
                with contextlib.suppress(Exception):
                    import fcntl  # a 1 MiB pipe: fewer, larger reads (Linux only)

                    fcntl.fcntl(out.fileno(), 1031, 1 << 20)  # F_SETPIPE_SZ
                # read(n) waits for n bytes (or EOF): few, large chunks keep Python's share
                # small, and 1 MiB still arrives every few milliseconds
                read = out.read
                while True:
                    if cancelled is not None and cancelled():
                        raise Cancelled(f"{self.path}: cancelled")
                    chunk = read(chunk_size)
                    if not chunk:
                        break
                    on_chunk(chunk)
                status = proc.wait()
            except BaseException:
                proc.kill()
                proc.wait()
                raise
            finally:
                out.close()
            errf.seek(0)
            err = errf.read().decode("utf-8", "replace")
        if status != 0:
            self._raise_for_ownership(err)
            raise GitFailed(f"{self.path}: git {args[0]} failed: "
                            f"{first_line(err) or f'exit {status}'}")

    # -- small questions ------------------------------------------------------------------
    def is_shallow(self) -> bool:
        return self.check(["rev-parse", "--is-shallow-repository"], "rev-parse").strip() == b"true"

    def branches(self) -> list[str]:
        """Local branch names (``refs/heads``), as git lists them."""
        out = self.check(["for-each-ref", "--format=%(refname:short)", "refs/heads"],
                         "listing branches")
        return [b for b in out.decode("utf-8", "replace").splitlines() if b]

    def is_partial_clone(self) -> bool:
        """Whether objects may be missing locally (a promisor remote is configured)."""
        status, out, _ = self.out(["config", "--get", "extensions.partialclone"])
        return status == 0 and bool(out.strip())


def _looks_like_git_dir(p: Path) -> bool:
    """A bare repository (or a linked work tree's administrative folder)."""
    if not (p / "HEAD").is_file():
        return False
    return ((p / "objects").is_dir() and (p / "refs").is_dir()) or (p / "commondir").is_file()


@contextlib.contextmanager
def open_repository(path: str) -> Iterator[Repository]:
    """Open the repository in exactly the folder ``path`` (a work tree or a bare repository).

    Raises
    ------
    GitError
        The folder is missing, not a folder, not a repository, owned by another user, or git
        cannot be run.
    """
    p = Path(path).expanduser()
    if not p.exists():
        raise GitError(f"{path}: no such folder")
    if not p.is_dir():
        raise GitError(f"{path}: not a folder (give the folder of a git repository)")
    dotgit = p / ".git"
    if not (dotgit.is_dir() or dotgit.is_file() or _looks_like_git_dir(p)):
        raise GitError(f"{path}: not a git repository (give the folder that holds .git)")
    repo = Repository(path, Path(os.path.realpath(p)), git_executable())
    status, out, err = repo.out(["rev-parse", "--absolute-git-dir"])
    if status != 0:
        if "not a git repository" in err:
            raise GitError(f"{path}: not a git repository (give the folder that holds .git)")
        raise GitError(f"{path}: cannot open the repository: {first_line(err)}")
    repo.git_dir = os.path.realpath(out.decode("utf-8", "surrogateescape").strip())
    yield repo


# -- git for the generators (demo data, benchmarks) -------------------------------------------

def generator_env() -> dict[str, str]:
    """The environment for writing the synthetic repositories the product itself creates:
    hardened as above, and without the user's global config, so the same input always
    gives the same shas."""
    env = hardened_env()
    env["GIT_CONFIG_GLOBAL"] = os.devnull
    return env


def run_generator_git(repo: Path, *args: str) -> str:
    """Run a fixed git command in a repository the product creates; stdout as text.

    Raises
    ------
    GitError
        git failed (the message holds its first error line) or cannot be run.
    """
    try:
        res = subprocess.run([git_executable(), *GLOBAL_OPTIONS, *args], cwd=repo,
                             env=generator_env(), capture_output=True, text=True, check=False,
                             creationflags=_NO_WINDOW)
    except OSError as exc:
        raise GitError(f"{repo}: cannot run git ({exc.strerror or exc})") from exc
    if res.returncode != 0:
        raise GitError(f"{repo}: git {args[0] if args else ''} failed: "
                       f"{first_line(res.stderr) or f'exit {res.returncode}'}")
    return res.stdout


def start_generator_git(repo: Path, args: Sequence[str], **popen: Any) -> subprocess.Popen[bytes]:
    """Start a long-running git process (``fast-import``) in a repository the product creates.

    ``popen`` passes ``stdin``/``pass_fds`` and the like to :class:`subprocess.Popen`.
    """
    return subprocess.Popen([git_executable(), *GLOBAL_OPTIONS, *args], cwd=repo,
                            env=generator_env(), creationflags=_NO_WINDOW, **popen)
