"""No file the product writes holds a person's identity from the analysed repository.

A repository whose messages name people the way real ones do — authors and committers,
``Signed-off-by``/``Co-authored-by`` trailers, "Merge branch 'x' of github.com:login/repo",
"Merge pull request #7 from login/branch" with a PR title naming someone, a revert of a
named commit — is measured through every command that writes: ``analyze`` (its history
and size caches, ``--export-changes``), ``report`` (HTML and PDF), ``export`` (SVG, PDF),
Export tables (CSV), a project save and its autosave. Every file under the user folder
(caches) and the work folder is then read — raw bytes, the arrays inside each ``.npz``, the
text of each PDF — and searched for every name, login and e-mail address.
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tests.ingest.conftest_git import RepoBuilder
from vsm_app.domain.model import DataSource, Project
from vsm_app.domain.templates import software_delivery
from vsm_app.storage.autosave import write_autosave
from vsm_app.storage.project_file import save_project

PEOPLE = {
    "Zelda Quaxworth": "zelda.quaxworth@mailhost.example",
    "Ignatius Flumberry": "iflum@corp.example",
}
LOGINS = ("zquax42", "flumbo-dev")
TRAILER = ("Orlaith Brennagh", "orlaith@reviews.example")  # only ever in trailers
COAUTHOR = ("Pemberton Sixsmith", "psix@pair.example")

#: every piece a scan must not find (case-insensitive)
IDENTITIES = sorted({*PEOPLE, *PEOPLE.values(), *LOGINS, *TRAILER, *COAUTHOR,
                     *(part for name in [*PEOPLE, TRAILER[0], COAUTHOR[0]]
                       for part in name.split())})


def _commit(b: RepoBuilder, who: str, message: str, hours: float, file: str) -> str:
    name, email = who, PEOPLE[who]
    env = {**b._env(hours, None, "alice"), "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
           "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email}
    target = b.path / file
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a") as f:
        f.write(f"{hours}\n")
    b.git("add", file)
    b.git("commit", "-q", "-F", "-", env=env, input=message)
    return b.head()


def _merge(b: RepoBuilder, who: str, branch: str, message: str, hours: float) -> str:
    env = {**b._env(hours, None, "alice"), "GIT_AUTHOR_NAME": who,
           "GIT_AUTHOR_EMAIL": PEOPLE[who], "GIT_COMMITTER_NAME": who,
           "GIT_COMMITTER_EMAIL": PEOPLE[who]}
    b.git("merge", "-q", "--no-ff", "-m", message, branch, env=env)
    return b.head()


@pytest.fixture
def named_repo(tmp_path: Path) -> Path:
    b = RepoBuilder(tmp_path / "repo")
    zelda, ign = "Zelda Quaxworth", "Ignatius Flumberry"
    trailers = (f"\n\nSigned-off-by: {TRAILER[0]} <{TRAILER[1]}>\n"
                f"Co-authored-by: {COAUTHOR[0]} <{COAUTHOR[1]}>\n")
    _commit(b, zelda, "feat: first slice" + trailers, 0, "a.txt")
    b.tag("v1.0.0", 1)
    b.checkout(f"{LOGINS[0]}/widget", new=True)
    _commit(b, ign, f"wip for {zelda}" + trailers, 2, "b.txt")
    b.checkout("main")
    _merge(b, zelda, f"{LOGINS[0]}/widget",
           f"Merge branch '{LOGINS[0]}/widget' of github.com:{LOGINS[0]}/widget", 3)
    b.checkout("feature/review", new=True)
    bad = _commit(b, ign, f"fix: the thing {LOGINS[1]} found" + trailers, 4, "c.txt")
    b.checkout("main")
    _merge(b, ign, "feature/review",
           f"Merge pull request #7 from {LOGINS[1]}/feature/review\n\n"
           f"fix: review comments from {TRAILER[0]} ({TRAILER[1]})", 5)
    b.git("revert", "--no-edit", bad, env={**b._env(6, None, "alice"),
                                          "GIT_AUTHOR_NAME": zelda,
                                          "GIT_AUTHOR_EMAIL": PEOPLE[zelda],
                                          "GIT_COMMITTER_NAME": zelda,
                                          "GIT_COMMITTER_EMAIL": PEOPLE[zelda]})
    b.tag("v1.1.0", 7)
    return b.path


def _texts(path: Path) -> list[bytes]:
    """What a reader of ``path`` can get out of it: its bytes, and what they pack."""
    data = path.read_bytes()
    out = [data]
    if zipfile.is_zipfile(path):  # .npz: every array's bytes, whatever the compression
        with np.load(path, allow_pickle=False) as z:
            out += [z[k].tobytes() for k in z.files]
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        out.append("\n".join(p.extract_text() or "" for p in
                             PdfReader(io.BytesIO(data)).pages).encode())
    return out


def _leaks(folders: list[Path]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if "repo" in path.relative_to(folder).parts[:1]:
                continue  # the analysed repository itself
            blob = b"\n".join(_texts(path)).lower()
            hits = [i for i in IDENTITIES if i.lower().encode() in blob]
            if hits:
                found[str(path)] = hits
    return found


def _vsm(cwd: Path, *args: str) -> None:
    r = subprocess.run([sys.executable, "-m", "vsm_app", *args], cwd=cwd,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    blob = (r.stdout + r.stderr).lower()
    assert not [i for i in IDENTITIES if i.lower() in blob], args


def test_no_file_written_names_a_person(named_repo: Path, tmp_path: Path,
                                        _isolated_home: Path) -> None:
    from vsm_app.ingest.git import GitOptions, fill_sizes, run
    from vsm_app.paths import cache_dir

    # the repository really names them: the scan has something to find
    log = subprocess.run(["git", "log", "--all", "--format=%an %ae%n%B"], cwd=named_repo,
                         capture_output=True, text=True, check=True).stdout.lower()
    assert all(i.lower() in log for i in IDENTITIES)

    project = Project("Named", [software_delivery()])
    project.settings.time_zone = "UTC"
    project.sources.append(DataSource(kind="git", path=str(named_repo), deploy_tags="v*"))
    save_project(project, tmp_path / "p.vsm")
    write_autosave(project, tmp_path / "p.vsm.autosave")

    _vsm(tmp_path, "analyze", "p.vsm", "--json", "--export-changes", "changes.csv")
    _vsm(tmp_path, "analyze", "--repo", f"{named_repo}:a.txt", "--json")  # a sub-tree entry
    opts = GitOptions(str(named_repo), deploy_tags="v*", salt="s")
    fill_sizes(opts, run(opts, cache_dir=cache_dir()).commits, cache_dir=cache_dir())
    _vsm(tmp_path, "report", "p.vsm", "--out", "report.html")
    _vsm(tmp_path, "report", "p.vsm", "--out", "report.pdf")
    _vsm(tmp_path, "export", "p.vsm", "--out", "map.svg", "--overlay")
    _vsm(tmp_path, "export", "p.vsm", "--out", "map.pdf", "--overlay")

    from vsm_app.pipeline import inputs_from_project
    from vsm_app.pipeline import run as measure
    from vsm_app.services.tables import write_tables

    tables = tmp_path / "tables"
    tables.mkdir()
    write_tables(measure(inputs_from_project(project)), tables, excel=True)

    written = [p for p in _isolated_home.rglob("*") if p.is_file()]
    assert any(p.name.startswith("git-history-") for p in written)  # the caches were written
    assert any(p.name.startswith("git-sizes-") for p in written)
    assert len([p for p in tmp_path.rglob("*") if p.is_file() and "repo" not in p.parts]) >= 10
    assert _leaks([_isolated_home, tmp_path]) == {}


def test_an_old_cache_entry_with_message_text_is_removed(named_repo: Path, tmp_path: Path
                                                         ) -> None:
    from vsm_app.ingest import gitcache
    from vsm_app.ingest.git import GitOptions, run

    cache = tmp_path / "cache"
    run(GitOptions(str(named_repo)), cache_dir=cache)
    (entry,) = cache.glob("git-history-*.npz")
    arrays, meta = gitcache.load(entry)
    # as version 1 wrote it: the subjects in clear
    gitcache.save(entry, {**arrays, "subject": gitcache.pack_strings(["Zelda Quaxworth"])},
                  {**meta})
    old = dict(np.load(entry, allow_pickle=False))
    old["__meta__"] = gitcache.pack_json({**meta, "cache_version": 1})
    np.savez(entry, **old)
    assert b"Zelda" in entry.read_bytes()
    assert gitcache.load(entry) is None and not entry.exists()
    run(GitOptions(str(named_repo)), cache_dir=cache)  # read again, written anew
    assert _leaks([cache]) == {}

    # a cache folder an older version filled: its changes layer is never read again (a new
    # code digest), so the first save into the folder removes every older-layout entry
    older = tmp_path / "older-cache"
    older.mkdir()
    stale = older / "git-changes-0123456789abcdef.npz"
    np.savez(stale, title=gitcache.pack_strings(["fix: thanks Zelda Quaxworth"]),
             __meta__=gitcache.pack_json({"cache_version": 1}))
    unrelated = older / "notes.txt"
    unrelated.write_text("Zelda Quaxworth")  # not ours: left alone
    run(GitOptions(str(named_repo)), cache_dir=older)
    assert not stale.exists() and unrelated.exists()
    unrelated.unlink()
    assert _leaks([older]) == {}
