"""A repository that names a program for every way git can be made to run one.

:func:`build_hostile_repo` builds an ordinary history (tags, a merge, a sub-folder, signed
commits), then arms it: its ``.git/config``, ``.gitattributes`` and hooks name "trap"
programs, each of which appends its own name to a marker file when it runs. With
``partial=True`` it is also a partial clone whose promisor remote is reached over ssh (and
whose ``remote.origin.uploadpack``, ``protocol.*.allow`` and the like are hostile too), with
objects missing: a commit behind a side branch, a blob and a tree of the main history.

:data:`CONTROLS` are plain git commands that do run the traps (the fixture is armed: if they
stopped writing the marker, the product tests would prove nothing).
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from tests.ingest.conftest_git import RepoBuilder

#: every mechanism → the trap program's name
TRAPS = (
    "fsmonitor", "pager", "pager-log", "ssh", "askpass", "editor", "sequence-editor",
    "gitproxy", "alternate-refs", "gpg", "gpg-ssh", "gpgsm", "diff-external", "textconv",
    "diff-driver", "filter-clean", "filter-smudge", "filter-process", "merge-driver",
    "credential", "uploadpack", "receivepack", "hook", "ext-transport", "browser",
)

HOOKS = (
    "applypatch-msg", "pre-applypatch", "post-applypatch", "pre-commit", "pre-merge-commit",
    "prepare-commit-msg", "commit-msg", "post-commit", "pre-rebase", "post-checkout",
    "post-merge", "pre-push", "pre-receive", "update", "proc-receive", "post-receive",
    "post-update", "reference-transaction", "push-to-checkout", "pre-auto-gc",
    "post-rewrite", "sendemail-validate", "fsmonitor-watchman", "p4-changelist",
    "p4-prepare-changelist", "p4-post-changelist", "p4-pre-submit", "post-index-change",
)

PGP_SIGNATURE = """-----BEGIN PGP SIGNATURE-----

iQEzBAABCAAdFiEEexampleexampleexampleexampleexampleAAoJEExampleEx
=AbCd
-----END PGP SIGNATURE-----"""
SSH_SIGNATURE = """-----BEGIN SSH SIGNATURE-----
U1NIU0lHAAAAAQAAADMAAAALc3NoLWVkMjU1MTkAAAAgexampleexampleexampleexample
-----END SSH SIGNATURE-----"""
X509_SIGNATURE = """-----BEGIN SIGNED MESSAGE-----
MIAGCSqGSIb3DQEHAqCAMIACAQExDTALBglghkgBZQMEAgEwgAYJKoZIhvcNAQcBAAAx
-----END SIGNED MESSAGE-----"""


#: traps git writes a whole payload to and then waits for (signature verification): they read
#: it before failing, or git may die of a broken pipe before it runs the next trap. (A trap
#: speaking a protocol, like a filter process, must not wait for the end of its input.)
_DRAIN = {"gpg", "gpg-ssh", "gpgsm"}


def _trap(bin_dir: Path, name: str, marker: Path) -> str:
    """A program that appends ``name`` and its arguments to ``marker`` and fails."""
    path = bin_dir / name
    drain = "[ -t 0 ] || cat > /dev/null\n" if name in _DRAIN else ""
    path.write_text(f"#!/bin/sh\nprintf '%s %s\\n' '{name}' \"$*\" >> '{marker}'\n"
                    f"{drain}exit 1\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return str(path)


def _signed_commit(b: RepoBuilder, message: str, signature: str, hours: float) -> str:
    """A commit on top of HEAD whose header carries ``signature`` (gpgsig)."""
    tree = b.git("rev-parse", "HEAD^{tree}")
    parent = b.head()
    when = int(b._env(hours, None, "alice")["GIT_AUTHOR_DATE"].split()[0].lstrip("@"))
    sig = "\n".join(" " + line for line in signature.splitlines())
    body = (f"tree {tree}\nparent {parent}\n"
            f"author Alice Example <alice.example@corp.test> {when} +0000\n"
            f"committer Alice Example <alice.example@corp.test> {when} +0000\n"
            f"gpgsig{sig}\n\n{message}\n")
    sha = b.git("hash-object", "-t", "commit", "-w", "--stdin", input=body)
    b.git("update-ref", "HEAD", sha)
    return sha


def _object_file(repo: Path, sha: str) -> Path:
    return repo / ".git" / "objects" / sha[:2] / sha[2:]


def build_hostile_repo(root: Path, marker: Path, *, partial: bool = False) -> dict[str, str]:
    """Build and arm the repository under ``root``; returns its path and notable shas.

    Keys: ``path``, ``tip``, ``missing_commit``/``missing_blob``/``missing_tree`` (partial),
    ``folder`` (a sub-folder on the tip), ``missing_folder`` (partial: its tree is gone).
    """
    b = RepoBuilder(root / "repo")
    out = {"path": str(b.path)}
    b.commit("feat: first", 0)
    b.tag("v1.0.0", 1)
    b.checkout("feature/x", new=True)
    b.commit("feat: part one", 2, file="service/a.txt")
    b.commit("feat: part two", 3, who="bob", file="docs/guide.txt")
    b.checkout("main")
    b.merge("feature/x", "Merge branch 'feature/x'", 4)
    out["b1"] = b.commit("feat: b one", 4.5, file="service/b.txt")
    out["b2"] = b.commit("feat: b two", 4.6, file="service/b.txt")
    out["n1"] = b.commit("docs: note one", 4.7, file="notes.txt")
    out["n2"] = b.commit("docs: note two", 4.8, file="notes.txt")
    _signed_commit(b, "fix: signed with pgp", PGP_SIGNATURE, 5)
    _signed_commit(b, "fix: signed with ssh", SSH_SIGNATURE, 6)
    _signed_commit(b, "chore: signed with x509", X509_SIGNATURE, 7)
    b.git("reset", "-q", "--hard")
    # a failing filter process aborts a diff before textconv: the two are on separate files
    (b.path / ".gitattributes").write_text("service/b.txt diff=trap merge=trap\n"
                                           "service/a.txt filter=trap\n"
                                           "docs/* diff=trap filter=trap\n")
    b.git("add", ".gitattributes")
    b.commit("build: attributes", 8, file="service/b.txt")
    b.tag("v1.1.0", 9)
    out["tip"] = b.head()
    out["folder"] = "service"
    if partial:
        # a commit only a side branch knows, then removed: `log --all` must fetch it
        b.checkout("gone", new=True)
        out["missing_commit"] = b.commit("feat: never fetched", 10)
        b.checkout("main")
        out["missing_blob"] = b.git("rev-parse", "HEAD:service/b.txt")
        out["missing_tree"] = b.git("rev-parse", "HEAD:docs")
        out["missing_folder"] = "docs"
        b.git("update-ref", "refs/remotes/origin/main", out["tip"])
        b.git("config", "core.repositoryformatversion", "1")
        for sha in (out["missing_commit"], out["missing_blob"], out["missing_tree"]):
            _object_file(b.path, sha).unlink()

    bin_dir = root / "traps"
    bin_dir.mkdir()
    t = {name: _trap(bin_dir, name, marker) for name in TRAPS}
    hooks = root / "hooks"
    hooks.mkdir()
    for h in HOOKS:
        _trap(hooks, h, marker)
        _trap(b.path / ".git" / "hooks", h, marker)
    allowed = root / "allowed_signers"
    allowed.write_text("alice.example@corp.test ssh-ed25519 AAAAexample\n")

    config = f"""
[core]
\tfsmonitor = {t['fsmonitor']}
\thooksPath = {hooks}
\tpager = {t['pager']}
\tsshCommand = {t['ssh']}
\taskPass = {t['askpass']}
\teditor = {t['editor']}
\tgitProxy = {t['gitproxy']}
\talternateRefsCommand = {t['alternate-refs']}
\tuntrackedCache = true
[sequence]
\teditor = {t['sequence-editor']}
[log]
\tshowSignature = true
[gpg]
\tprogram = {t['gpg']}
[gpg "openpgp"]
\tprogram = {t['gpg']}
[gpg "ssh"]
\tprogram = {t['gpg-ssh']}
\tallowedSignersFile = {allowed}
[gpg "x509"]
\tprogram = {t['gpgsm']}
[diff]
\texternal = {t['diff-external']}
[diff "trap"]
\ttextconv = {t['textconv']}
\tcommand = {t['diff-driver']}
[filter "trap"]
\tclean = {t['filter-clean']}
\tsmudge = {t['filter-smudge']}
\tprocess = {t['filter-process']}
\trequired = true
[merge "trap"]
\tdriver = {t['merge-driver']}
[credential]
\thelper = {t['credential']}
[pager]
\tlog = {t['pager-log']}
\tshow = {t['pager-log']}
\tdiff = {t['pager-log']}
[web]
\tbrowser = {t['browser']}
[protocol]
\tallow = always
[protocol "ssh"]
\tallow = always
[protocol "file"]
\tallow = always
[protocol "ext"]
\tallow = always
[remote "origin"]
\turl = ssh://attacker.invalid/repo.git
\tuploadpack = {t['uploadpack']}
\treceivepack = {t['receivepack']}
\tfetch = +refs/heads/*:refs/remotes/origin/*
[remote "local"]
\turl = {root}
\tuploadpack = {t['uploadpack']}
[remote "ext"]
\turl = ext::{t['ext-transport']} %S
"""
    if partial:
        config += """[extensions]
\tpartialClone = origin
[remote "origin"]
\tpromisor = true
\tpartialclonefilter = blob:none
"""
    with (b.path / ".git" / "config").open("a") as f:
        f.write(config)
    return out


def plain_git(repo: str, *args: str, stdin: str | None = None) -> None:
    """git as a user would run it in the armed repository (not through the product)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    if stdin is None:
        subprocess.run(["git", *args], cwd=repo, env=env, stdin=subprocess.DEVNULL, text=True,
                       capture_output=True, timeout=60, check=False)
    else:
        subprocess.run(["git", *args], cwd=repo, env=env, input=stdin, text=True,
                       capture_output=True, timeout=60, check=False)


#: (mechanism written to the marker, plain git command that runs it — ``{b1}``/``{b2}`` and
#: ``{n1}``/``{n2}`` are old versions of a file with and without a diff driver, so git cannot
#: reuse the work tree's copy; partial clone only?)
CONTROLS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("gpg", ("log", "-8"), False),
    ("gpg-ssh", ("log", "-8"), False),
    ("gpgsm", ("log", "-8"), False),
    ("textconv", ("log", "-p", "{b1}..{b2}"), False),
    ("diff-driver", ("diff", "--ext-diff", "{b1}", "{b2}"), False),
    ("diff-external", ("diff", "{n1}", "{n2}"), False),
    ("fsmonitor", ("status",), False),
    ("reference-transaction", ("update-ref", "refs/heads/armed", "HEAD"), False),
    ("filter-process", ("cat-file", "--filters", "HEAD:service/a.txt"), False),
    ("credential", ("credential", "fill"), False),
    ("ssh", ("log", "--all"), True),
)


def run_control(info: dict[str, str], args: tuple[str, ...]) -> None:
    stdin = "protocol=https\nhost=example.invalid\n\n" if args[0] == "credential" else None
    plain_git(info["path"], *(a.format(**info) for a in args), stdin=stdin)
