"""analyze-many (issue 21) on a LocalCluster of 2 worker processes, shared by this module.

Repositories are built with fixed dates (tests/ingest/conftest_git.py), so the figures a user
would check are worked out by hand below.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ingest.conftest_git import RepoBuilder
from vsm_app import cli
from vsm_app.scale.manifest import ManifestError, load_manifest
from vsm_app.scale.portfolio import RunOptions, run, run_in_process

pytest.importorskip("dask.distributed")
pytest.importorskip("pyarrow")

HOUR = 3600.0


@pytest.fixture(scope="module")
def cluster():
    from dask.distributed import LocalCluster

    c = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                     dashboard_address="127.0.0.1:0")
    yield c
    c.close()


def _shop(path: Path) -> RepoBuilder:
    """A monorepo with api/ and web/ (hours after 2025-03-03 09:00 UTC):

    c1 api 0 h → v1.0.0 at 1 h (the first deployment: no lead time)
    c2 api 10 h, c3 web 20 h → v1.1.0 at 30 h: lead times 20 h, 10 h
    c4 = merge of a branch with api/e.py (40 h) and web/f.ts (42 h), merged 45 h → v1.2.0
         at 50 h: 10 h (api and web)
    c5 web 60 h → v1.3.0 at 72 h: 12 h
    """
    r = RepoBuilder(path)
    r.commit("feat: api base", 0, file="api/a.py")
    r.tag("v1.0.0", 1)
    r.commit("feat: api x", 10, file="api/b.py")
    r.commit("feat: web y", 20, file="web/c.ts")
    r.tag("v1.1.0", 30)
    r.checkout("feature", new=True)
    r.commit("fix: api side", 40, file="api/e.py")
    r.commit("fix: web side", 42, file="web/f.ts")
    r.checkout("main")
    r.merge("feature", "Merge branch 'feature'", 45)
    r.tag("v1.2.0", 50)
    r.commit("feat: web z", 60, file="web/g.ts")
    r.tag("v1.3.0", 72)
    return r


def _lib(path: Path) -> RepoBuilder:
    """l1 0 h → v0.1.0 at 1 h (first); l2 5 h, l3 (a hotfix) 7 h → v0.2.0 at 9 h: 4 h, 2 h."""
    r = RepoBuilder(path)
    r.commit("feat: one", 0)
    r.tag("v0.1.0", 1)
    r.commit("feat: two", 5)
    r.commit("hotfix: three", 7)  # v0.2.0 is rework (a hotfix): read from commits
    r.tag("v0.2.0", 9)
    return r


MANIFEST = """
[[repository]]
name = "shop"
path = "shop"
deploy_tags = "v*"

[[repository]]
name = "lib"
path = "lib"
deploy_tags = "v*"
{extra}
[[group]]
name = "api"
kind = "service"
repositories = ["shop"]
paths = ["api/"]

[[group]]
name = "web"
kind = "service"
paths = ["/web"]

[[group]]
name = "platform"
repositories = ["lib"]
"""


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    root = tmp_path_factory.mktemp("org")
    _shop(root / "shop")
    _lib(root / "lib")
    (root / "manifest.toml").write_text(MANIFEST.format(extra=""))
    return root


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    # each test starts from a cold git cache (workers inherit the variable)
    monkeypatch.setenv("VSM_APP_HOME", str(tmp_path / "home"))


def _groups(summary):
    return {g["name"]: g for g in summary["groups"]}


def test_group_figures_from_a_cluster_are_the_hand_computed_ones(org, tmp_path, cluster):
    res = run(load_manifest(org / "manifest.toml"),
              RunOptions(out=tmp_path / "out", scheduler=cluster.scheduler_address))
    assert [s["status"] for s in res.statuses] == ["ok", "ok"]
    assert res.workers == 2
    g = _groups(res.summary)
    # api: c2 20 h, c4 10 h → 15 h; web: c3 10 h, c4 10 h, c5 12 h → 10 h;
    # platform (lib): 4 h, 2 h → 3 h; the whole: 2, 4, 10, 10, 12, 20 h → 10 h
    assert g["api"]["dora"]["lead_time_median_s"] == 15 * HOUR
    assert g["web"]["dora"]["lead_time_median_s"] == 10 * HOUR
    assert g["platform"]["dora"]["lead_time_median_s"] == 3 * HOUR
    assert res.summary["whole"]["dora"]["lead_time_median_s"] == 10 * HOUR
    # v1.1.0 and v1.2.0 ship api and web changes: once for each service, once in the whole;
    # api: v1.0.0, v1.1.0, v1.2.0; web: v1.1.0, v1.2.0, v1.3.0; whole: 4 + 2 (lib)
    assert (g["api"]["deployments"], g["web"]["deployments"], g["platform"]["deployments"],
            res.summary["whole"]["deployments"]) == (3, 3, 2, 6)
    # v0.2.0 ships the hotfix l3: rework 1 of lib's 2 deployments, 1 of the whole's 6
    assert g["platform"]["dora"]["rework_rate"] == 0.5
    assert res.summary["whole"]["dora"]["rework_rate"] == 1 / 6
    rows = {r["name"]: r for r in res.summary["comparison"]}
    assert list(rows) == ["api", "web", "platform", "(whole)"]  # defined order, no ranking
    assert rows["api"]["dora"]["lead_time_median_s"] == 15 * HOUR
    out = tmp_path / "out"
    assert json.loads((out / "summary.json").read_text()) == res.summary
    for table in ("commits", "changes", "deployments", "memberships"):
        for name in ("shop", "lib"):
            assert (out / "tables" / table / f"repository={name}" / "part-0.parquet").is_file()


def test_the_cluster_gives_exactly_the_in_process_figures(org, tmp_path, cluster):
    from vsm_app.pipeline import AnalyzeInputs, RepoInput
    from vsm_app.pipeline import run as pipeline_run

    manifest = load_manifest(org / "manifest.toml")

    def figures(section):  # the run's own facts (was the git cache warm?) are not figures
        ingest = section["data_quality"].get("ingest", {})
        for k in ("history_from_cache", "commits_read_from_git"):
            ingest.pop(k, None)
        return section

    a = run(manifest, RunOptions(out=tmp_path / "a", scheduler=cluster.scheduler_address))
    b = run_in_process(manifest, RunOptions(out=tmp_path / "b"))
    for s in (a.summary, b.summary):
        figures(s["whole"])
        for g in s["groups"]:
            figures(g)
    for key in ("window", "whole", "groups", "comparison"):
        assert a.summary[key] == b.summary[key], key
    # and the same as `analyze` on a project with these repositories and groups
    inputs = AnalyzeInputs(repos=[RepoInput(str(org / n), deploy_tags="v*", label=n)
                                  for n in ("shop", "lib")],
                           salt="vsm-app-cli", groups=list(manifest.groups))
    doc = figures(pipeline_run(inputs).to_json())
    assert [figures(g) for g in doc["groups"]] == a.summary["groups"]
    assert doc["comparison"] == a.summary["comparison"]
    whole = a.summary["whole"]
    for key in ("window", "changes", "deployments", "dora", "flow", "stages", "bottleneck",
                "data_quality"):
        assert doc[key] == whole[key], key


def test_a_rerun_skips_unchanged_repositories(org, tmp_path, cluster):
    root = tmp_path / "org"
    shutil.copytree(org, root, symlinks=True)
    runs = tmp_path / "runs.json"
    runs.write_text(json.dumps([{  # `gh run list --json` (shared/formats)
        "name": "CI", "workflowName": "CI", "headBranch": "main", "headSha": "0" * 40,
        "createdAt": "2025-03-03T10:00:00Z", "updatedAt": "2025-03-03T10:05:00Z",
        "startedAt": "2025-03-03T10:00:00Z", "attempt": 1, "status": "completed",
        "conclusion": "success", "event": "push", "databaseId": 1}]))
    (root / "manifest.toml").write_text(MANIFEST.format(extra=f'ci = ["{runs}"]\n'))
    manifest = load_manifest(root / "manifest.toml")
    opts = RunOptions(out=tmp_path / "out", scheduler=cluster.scheduler_address)
    first = run(manifest, opts)
    assert [s["status"] for s in first.statuses] == ["ok", "ok"]
    again = run(manifest, opts)
    assert [s["status"] for s in again.statuses] == ["unchanged", "unchanged"]
    assert again.summary["groups"] == first.summary["groups"]
    # a new commit and tag in lib: only lib is read again
    lib = RepoBuilder.__new__(RepoBuilder)
    lib.path, lib._n = root / "lib", 10
    lib.commit("feat: four", 20)
    lib.tag("v0.3.0", 30)
    third = run(manifest, opts)
    assert [s["status"] for s in third.statuses] == ["unchanged", "ok"]
    assert _groups(third.summary)["platform"]["deployments"] == 3
    # an export file whose content changed: its repository (lib) again, shop skipped
    runs.write_text(runs.read_text().replace('"CI"', '"CI2"'))
    fourth = run(manifest, opts)
    assert [s["status"] for s in fourth.statuses] == ["unchanged", "ok"]


def test_one_broken_repository_does_not_stop_the_others(org, tmp_path, cluster, capsys):
    root = tmp_path / "org"
    shutil.copytree(org, root, symlinks=True)
    (root / "broken").mkdir()  # a folder, not a git repository
    text = MANIFEST.format(extra="").replace('[[group]]', '[[repository]]\nname = "broken"\n'
                                             'path = "broken"\n\n[[group]]', 1)
    (root / "manifest.toml").write_text(text)
    res = run(load_manifest(root / "manifest.toml"),
              RunOptions(out=tmp_path / "out", scheduler=cluster.scheduler_address))
    status = {s["name"]: s for s in res.statuses}
    assert (status["shop"]["status"], status["lib"]["status"]) == ("ok", "ok")
    assert status["broken"]["status"] == "failed"
    assert "not a git repository" in status["broken"]["message"]
    # the others are all in the summary
    assert res.summary["whole"]["deployments"] == 6
    saved = json.loads((tmp_path / "out" / "status.json").read_text())
    assert [s["status"] for s in saved["repositories"]] == ["ok", "ok", "failed"]


def test_the_command_exits_3_when_a_repository_failed(org, tmp_path, capsys):
    root = tmp_path / "org"
    shutil.copytree(org, root, symlinks=True)
    (root / "manifest.toml").write_text(
        '[[repository]]\nname = "lib"\npath = "lib"\n\n'
        '[[repository]]\nname = "gone"\npath = "nowhere"\n')
    code = cli.main(["analyze-many", str(root / "manifest.toml"), "--out",
                     str(tmp_path / "out"), "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 3, err
    assert "gone: " in err and "no such folder" in err
    assert "[2/2]" in err or "[1/2]" in err  # plain progress lines when not a terminal
    assert (tmp_path / "out" / "summary.json").is_file()


@pytest.mark.parametrize("text, where", [
    ('[[repository]]\nname = "a"\n', "line 1: repository[1].path"),
    ('[[repository]]\nname = "a"\npath = "."\n\n[[repository]]\nname = "a"\npath = "."\n',
     "line 6: repository[2].name"),
    ('[[repository]]\nname = "../x"\npath = "."\n', "line 2: repository[1].name"),
    ('[[repository]]\nname = "a"\npath = "."\nbrnach = "main"\n', "line 4: repository[1].brnach"),
    ('[[repository]]\nname = "a"\npath = "."\nci = ["missing.json"]\n', "line 4: repository[1].ci"),
    ('period = "year"\n[[repository]]\nname = "a"\npath = "."\n', "line 1: period"),
    ('[[repository]]\nname = "a"\npath = "."\n\n[[group]]\nname = "x"\nowner = "@alice"\n',
     "line 7: group[1].owner"),
    ('[[repository]]\nname = "a"\npath = "."\n\n[[group]]\nname = "x"\nrepositories = ["b"]\n',
     "line 7: group[1].repositories"),
    ('[[repository]]\nname = "a"\npath = "."\n\n[[group]]\nname = "@bob"\n',
     "line 6: group[1].name"),
    ('[[repository]\nname = "a"\n', "line 1"),
    ('since = "someday"\n[[repository]]\nname = "a"\npath = "."\n', "line 1: since"),
    ('', "repository: no repository"),
])
def test_manifest_errors_name_the_file_line_and_key(tmp_path, text, where):
    m = tmp_path / "m.toml"
    m.write_text(text)
    with pytest.raises(ManifestError) as e:
        load_manifest(m)
    assert str(e.value).startswith(f"{m}: {where}"), str(e.value)


def test_a_bad_manifest_is_exit_2_with_one_line(tmp_path, capsys):
    m = tmp_path / "m.toml"
    m.write_text('[[repository]]\nname = "a"\n')
    code = cli.main(["analyze-many", str(m), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"vsm-app: {m}: line 1: repository[1].path: the repository's folder is " \
                  f"required\n"
    assert not (tmp_path / "out").exists()


def test_without_the_scale_extra_the_command_says_what_to_install(tmp_path, capsys,
                                                                   monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails
    m = tmp_path / "m.toml"
    m.write_text('[[repository]]\nname = "a"\npath = "."\n')
    code = cli.main(["analyze-many", str(m), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert "pip install 'vsm-app[scale]'" in err and "dask[distributed]" in err


def test_the_core_and_the_command_line_parser_work_without_dask_or_pyarrow(tmp_path):
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('dask', 'distributed', 'pyarrow'):\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from vsm_app import cli, pipeline\n"
        "from vsm_app.analysis import groups\n"
        "from vsm_app.scale import manifest, portfolio\n"
        "cli.build_parser()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('dask', 'distributed', 'pyarrow')))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_analyze_on_a_project_with_groups_prints_each_group(org, tmp_path, capsys):
    from vsm_app.domain.groups import make_group
    from vsm_app.domain.model import DataSource, Project
    from vsm_app.domain.templates import software_delivery
    from vsm_app.storage.project_file import save_project

    p = Project("shop", [software_delivery()])
    p.sources.append(DataSource("git", str(org / "shop"), deploy_tags="v*"))
    p.groups = [make_group("api", "service", paths=["api/"]),
                make_group("web", "service", paths=["web/"])]
    save_project(p, tmp_path / "p.vsm")
    assert cli.main(["analyze", str(tmp_path / "p.vsm"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    g = _groups(doc)
    # as in the cluster test: api 15 h, web 10 h; the whole (shop only): 10, 10, 12, 20 → 11 h
    assert g["api"]["dora"]["lead_time_median_s"] == 15 * HOUR
    assert g["web"]["dora"]["lead_time_median_s"] == 10 * HOUR
    assert doc["dora"]["lead_time_median_s"] == 11 * HOUR
    assert [r["name"] for r in doc["comparison"]] == ["api", "web", "(whole)"]
    # the text output: the whole, then one line per group in the catalogue's formats
    assert cli.main(["analyze", str(tmp_path / "p.vsm")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert "lead time for changes (median) 11h" in lines[0]
    assert lines[1].startswith("  api (service): ") and "(median) 15h" in lines[1]
    assert lines[2].startswith("  web (service): ") and "(median) 10h" in lines[2]


def test_out_must_be_a_folder(tmp_path, capsys):
    m = tmp_path / "m.toml"
    m.write_text('[[repository]]\nname = "a"\npath = "."\n')
    (tmp_path / "file").write_text("x")
    assert cli.main(["analyze-many", str(m), "--out", str(tmp_path / "file")]) == 2
    assert capsys.readouterr().err == f"vsm-app: {tmp_path / 'file'}: is a file; --out takes " \
                                      f"a folder\n"
    assert (tmp_path / "file").read_text() == "x"


@pytest.mark.parametrize("where, problem", [
    ("lib/out", "is inside the repository lib"),
    ("busy", "holds other files (notes.txt)"),
    ("nowhere/out", "does not exist"),
])
def test_out_is_refused_where_it_would_write_over_something(org, tmp_path, capsys, where,
                                                            problem):
    root = tmp_path / "org"
    shutil.copytree(org, root, symlinks=True)
    (root / "busy").mkdir()
    (root / "busy" / "notes.txt").write_text("mine")
    code = cli.main(["analyze-many", str(root / "manifest.toml"), "--out", str(root / where)])
    err = capsys.readouterr().err
    assert code == 2 and problem in err, err
    assert (root / "busy" / "notes.txt").read_text() == "mine"
    assert not (root / "lib" / "out").exists()


def test_progress_is_a_bar_on_a_terminal_and_lines_elsewhere():
    import io

    from vsm_app.commands.analyze_many import RepositoryProgress

    plain = io.StringIO()
    p = RepositoryProgress(plain, tty=False)
    p({"name": "shop", "status": "ok", "changes": 1234, "seconds": 2.06}, 1, 2)
    p({"name": "gone", "status": "failed", "message": "gone: no such folder"}, 2, 2)
    assert plain.getvalue().splitlines() == ["[1/2] shop: ok, 1,234 changes (2.1 s)",
                                             "[2/2] gone: failed: gone: no such folder"]
    tty = io.StringIO()
    p = RepositoryProgress(tty, tty=True)
    p({"name": "shop", "status": "ok"}, 1, 4)
    p({"name": "gone", "status": "failed", "message": "no such folder"}, 2, 4)
    text = tty.getvalue()
    assert text.startswith("\r[#######---------------------] 1/4 repositories")
    assert "  gone: failed: no such folder\n" in text  # a failure stays on screen
    assert "2/4 repositories · 1 failed" in text


def test_a_group_by_codeowners_team_takes_the_files_that_team_owns(org, tmp_path):
    (tmp_path / "CODEOWNERS").write_text("*  @acme/core\n/web/  @acme/front @alice\n")
    (tmp_path / "m.toml").write_text(
        f'codeowners = "CODEOWNERS"\n\n[[repository]]\nname = "shop"\n'
        f'path = "{org / "shop"}"\ndeploy_tags = "v*"\n\n'
        '[[group]]\nname = "@acme/front"\nowner = "@acme/front"\n\n'
        '[[group]]\nname = "core"\nowner = "@acme/core"\n')
    res = run_in_process(load_manifest(tmp_path / "m.toml"), RunOptions(out=tmp_path / "out"))
    g = _groups(res.summary)
    # @acme/front owns web/: c3, c4, c5 (10, 10, 12 h) as the "web" group by path;
    # @acme/core owns the rest (api/): c1, c2, c4 → 20 h, 10 h → 15 h
    assert g["@acme/front"]["dora"]["lead_time_median_s"] == 10 * HOUR
    assert g["@acme/front"]["deployments"] == 3
    assert g["core"]["dora"]["lead_time_median_s"] == 15 * HOUR


def test_the_organisation_phase_on_the_cluster_is_exact_on_rich_repositories(tmp_path, cluster):
    """Two demo repositories with PR, CI-run and incident exports whose run ids collide
    (the generator numbers them alike): each repository is prepared on a worker and joined
    on the driver (scale/organisation.py); every figure equals the in-process union's."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import bench_scale

    repos = bench_scale.build(tmp_path / "repos", 2)
    manifest = load_manifest(bench_scale.manifest(tmp_path / "repos", repos))
    a = run(manifest, RunOptions(out=tmp_path / "a", scheduler=cluster.scheduler_address))
    b = run_in_process(manifest, RunOptions(out=tmp_path / "b"))
    for s in (a.summary, b.summary):
        for section in (s["whole"], *s["groups"]):
            for k in ("history_from_cache", "commits_read_from_git"):
                section["data_quality"].get("ingest", {}).pop(k, None)
    for key in ("window", "whole", "groups", "comparison"):
        assert a.summary[key] == b.summary[key], key
    whole = a.summary["whole"]
    # the data is rich enough for this to mean something: failures, recoveries, CI times
    assert whole["dora"]["change_failure_rate"] > 0
    assert whole["dora"]["recovery_time_median_s"] is not None
    ci = next(s for s in whole["stages"] if s["name"] == "CI")
    assert ci["wait_missing"] == 0 and ci["wait_count"] > 1000
