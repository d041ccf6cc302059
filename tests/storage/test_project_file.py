import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vsm_app.domain.model import (
    DataSource,
    Estimates,
    Flow,
    FlowKind,
    KaizenBurst,
    Project,
    Stage,
    StickyNote,
)
from vsm_app.domain.templates import software_delivery
from vsm_app.storage import project_file as pf
from vsm_app.storage.project_file import ProjectFileError, load_project, loads, save_project


def rich_project(tmp_path: Path) -> Project:
    m = software_delivery()
    coding, review = m.stages[0], m.stages[1]
    m.add_flow(Flow(review.id, coding.id, FlowKind.REWORK, label="changes requested"))
    m.add_element(KaizenBurst("Review within 4h", stage_id=review.id, x=10, y=-80))
    m.add_element(StickyNote("Ask ops about the freeze", x=400, y=300))
    m.update_estimates(coding.id, process_time_min_s=3600.0, process_time_max_s=36000.0)
    m.update_stage(review.id, people=3, owner="Team A", notes="two reviewers needed")
    fut = m.copy("Future state", kind="future", new_ids=True)
    p = Project("Demo", [m, fut])
    p.sources.append(DataSource("git", str(tmp_path / "repos" / "api"), branch="main",
                                deploy_tags="v*", subtree="services/api"))
    p.sources.append(DataSource("ci", str(tmp_path / "exports" / "runs.json"), format="gh-run-list"))
    p.settings.time_zone = "Europe/Berlin"
    from vsm_app.domain.improvement import Baseline, add_baseline

    add_baseline(p, Baseline("Q1", {"dora": {"x": 1}, "flow": {}, "stages": [],
                                    "bottleneck": {}}))
    p.extra["later_feature"] = {"kept": ["as", "it", "is"]}  # a part this version does not read
    return p


def test_save_load_equal(tmp_path: Path) -> None:
    p = rich_project(tmp_path)
    path = tmp_path / "p.vsm"
    save_project(p, path)
    q = load_project(path)
    assert q.same_content(p)


def test_source_paths_are_stored_relative(tmp_path: Path) -> None:
    p = rich_project(tmp_path)
    save_project(p, tmp_path / "p.vsm")
    doc = json.loads((tmp_path / "p.vsm").read_text())
    assert [s["path"] for s in doc["sources"]] == ["repos/api", "exports/runs.json"]
    assert doc["format"] == "vsm-project" and doc["version"] == pf.FORMAT_VERSION
    # the project moves with its data: open it from elsewhere
    moved = tmp_path / "moved"
    os.makedirs(moved / "repos")
    (moved / "p.vsm").write_text((tmp_path / "p.vsm").read_text())
    q = load_project(moved / "p.vsm")
    assert q.sources[0].path == str((moved / "repos" / "api").resolve())


def test_save_is_atomic_and_failure_keeps_old_file(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "p.vsm"
    save_project(rich_project(tmp_path), path)
    before = path.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(pf.os, "replace", boom)
    with pytest.raises(OSError):
        save_project(Project("other", [software_delivery()]), path)
    assert path.read_bytes() == before
    assert [f.name for f in tmp_path.iterdir() if f.name.endswith(".tmp")] == []


@pytest.mark.parametrize(("mutate", "where"), [
    (lambda d: d["maps"][0]["stages"][1].__setitem__("name", 5), "$.maps[0].stages[1].name"),
    (lambda d: d["maps"][0]["stages"][0]["estimates"].__setitem__("process_time_s", "2h"),
     "$.maps[0].stages[0].estimates.process_time_s"),
    (lambda d: d["maps"][0]["flows"][0].__setitem__("target", "nope"),
     "$.maps[0].flows[0].target"),
    (lambda d: d["maps"][0]["flows"][1].__setitem__("kind", "shove"), "$.maps[0].flows[1].kind"),
    (lambda d: d.__setitem__("version", 99), "$.version"),
    (lambda d: d.pop("maps"), "$.maps"),
    (lambda d: d["settings"].__setitem__("time_zone", "Mars/Olympus"), "$.settings.time_zone"),
])
def test_strict_load_names_json_path(tmp_path: Path, mutate, where: str) -> None:
    path = tmp_path / "p.vsm"
    save_project(rich_project(tmp_path), path)
    doc = json.loads(path.read_text())
    mutate(doc)
    path.write_text(json.dumps(doc))
    before = path.read_bytes()
    with pytest.raises(ProjectFileError) as e:
        load_project(path)
    assert where in str(e.value) and str(path) in str(e.value)
    assert path.read_bytes() == before  # a failed load never touches the file


def test_truncated_file_names_line(tmp_path: Path) -> None:
    path = tmp_path / "p.vsm"
    save_project(rich_project(tmp_path), path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ProjectFileError) as e:
        load_project(path)
    assert "line" in str(e.value) and "not valid JSON" in str(e.value)


def test_migration_step_runs_for_older_versions(monkeypatch) -> None:
    doc = pf.project_to_dict(Project("old", [software_delivery()]))
    doc["version"] = pf.FORMAT_VERSION
    # pretend the current format is one newer, with a step that renames a field
    monkeypatch.setattr(pf, "FORMAT_VERSION", pf.FORMAT_VERSION + 1)
    calls = []

    def step(d):
        calls.append(d["version"])
        d = dict(d)
        d["name"] = d["name"].upper()
        return d
    monkeypatch.setitem(pf.MIGRATIONS, pf.FORMAT_VERSION - 1, step)
    p = pf.project_from_dict(doc)
    assert calls == [pf.FORMAT_VERSION - 1] and p.name == "OLD"


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_any_bytes_load_or_clean_error(data: bytes) -> None:
    try:
        loads(data, "fuzz.vsm")
    except ProjectFileError:
        pass


#: tokens replaced in the dumped document by JSON text Python's json.dumps cannot write
RAW = {
    "@@DIGITS5000@@": "9" * 5000,
    "@@DIGITS400@@": "1" + "0" * 399,
    "@@BIGEXP@@": "1e400",
    "@@NBIGEXP@@": "-1e400",
    "@@INF@@": "Infinity",
    "@@NAN@@": "NaN",
    "@@DEEP@@": "[" * 1000 + "]" * 1000,
    "@@DEEPISH@@": "[" * 300 + "]" * 300,
}
hostile_numbers = st.sampled_from([
    2 ** 64, -(2 ** 63), 10 ** 30, 2 ** 53 + 1, 1e308, -1e308, 1e300, 1e19, 1e13, 1e12, -1.0,
    0, 0.5, 86401, 1e-320])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8) | hostile_numbers | st.sampled_from(list(RAW)),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids,
                                                               max_size=4),
    max_leaves=20)


def _dump(doc: object) -> str:
    text = json.dumps(doc)
    for token, raw in RAW.items():
        text = text.replace(json.dumps(token), raw)
    return text


def _use(project: pf.Project) -> None:
    """What the commands do with a loaded project: metrics as JSON, save it again."""
    from vsm_app.domain import classic

    doc = {"maps": [classic.to_json(classic.compute(m)) for m in project.maps]}
    json.dumps(doc, allow_nan=False)
    for m in project.maps:
        for st_ in m.stages:  # the labels the canvas and the exports draw
            f = classic.stage_figures(st_, m)
            for v in (f.process_time_s, f.wait_time_s, f.lead_time_s):
                if v is not None:
                    from vsm_app.domain.durations import format_duration

                    format_duration(v, m.settings.day_length_s)
    pf.dumps(project)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_documents_load_or_clean_error(data) -> None:
    doc = pf.project_to_dict(rich_project(Path("/tmp/x")))
    m0 = doc["maps"][0]
    target = data.draw(st.sampled_from([
        doc, doc["settings"], m0, m0["settings"], m0["stages"][0], m0["stages"][1],
        m0["stages"][0]["estimates"], m0["stages"][1]["estimates"], m0["flows"][0],
        m0["kaizens"][0], m0["notes"][0], doc["sources"][0], doc["baselines"][0]]))
    key = data.draw(st.sampled_from(sorted(target) + ["x", "y", "lead_time_s", "inventory",
                                                      "people", "demand_per_day"]))
    target[key] = data.draw(json_values)
    try:
        project = loads(_dump(doc), "fuzz.vsm")
    except ProjectFileError as e:
        assert str(e).startswith("fuzz.vsm: ") and "\n" not in str(e)
        OUTCOMES["refused"] += 1
        return
    _use(project)
    OUTCOMES["loaded"] += 1


OUTCOMES = {"refused": 0, "loaded": 0}


def test_the_fuzzer_reaches_both_outcomes() -> None:
    """The fuzzer loads some documents (and uses them) and refuses others: else it tests
    nothing."""
    OUTCOMES.update(refused=0, loaded=0)
    test_mutated_documents_load_or_clean_error()
    assert OUTCOMES["refused"] > 20 and OUTCOMES["loaded"] > 20, OUTCOMES


@pytest.mark.parametrize("token, where", [
    ("@@DIGITS5000@@", "$.maps[0].stages[0].x"), ("@@DIGITS400@@", "$.maps[0].stages[0].x"),
    ("@@BIGEXP@@", "$.maps[0].stages[0].estimates.process_time_s"),
    ("@@DIGITS400@@", "$.maps[0].stages[0].estimates.process_time_s"),
    ("@@DIGITS400@@", "$.baselines[0].metrics.dora.x"), ("@@NBIGEXP@@", "$.maps[0].notes[0].y"),
])
def test_numbers_json_cannot_carry_are_located(token: str, where: str) -> None:
    doc = pf.project_to_dict(rich_project(Path("/tmp/x")))
    target: dict = doc
    parts = where[2:].replace("[", ".").replace("]", "").split(".")
    for p in parts[:-1]:
        target = target[int(p)] if p.isdigit() else target[p]  # type: ignore[index]
    target[parts[-1]] = token
    with pytest.raises(ProjectFileError) as e:
        loads(_dump(doc), "p.vsm")
    assert e.value.where == where
    assert "out of range" in e.value.message


@pytest.mark.parametrize("key, value, message", [
    ("x", 1e300, "1e+300 is out of range (at most 1e+09 in size)"),
    ("process_time_s", 1e308, "1e+308 is out of range (at most 1e+12 in size)"),
    ("people", 2 ** 64, "18446744073709551616 is out of range"),
    ("people", -1, "expected 0 to 1,000,000 people, found -1"),
])
def test_values_beyond_the_limits_are_located(key: str, value: object, message: str) -> None:
    doc = pf.project_to_dict(rich_project(Path("/tmp/x")))
    stage = doc["maps"][0]["stages"][0]
    (stage["estimates"] if key.endswith("_s") else stage)[key] = value
    with pytest.raises(ProjectFileError) as e:
        loads(json.dumps(doc), "p.vsm")
    where = "$.maps[0].stages[0]" + (".estimates" if key.endswith("_s") else "") + f".{key}"
    assert str(e.value) == f"p.vsm: at {where}: {message}"


def test_deep_nesting_and_absurd_sizes_are_refused(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ProjectFileError, match="nested too deeply"):
        loads('{"format": "vsm-project", "extra": ' + "[" * 100_000 + "]" * 100_000 + "}",
              "p.vsm")
    big = tmp_path / "big.vsm"
    big.write_bytes(b" " * 2048)
    monkeypatch.setattr(pf, "MAX_FILE_BYTES", 1024)
    read = []
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self) or b"")
    with pytest.raises(ProjectFileError) as e:
        load_project(big)
    assert str(e.value) == (f"{big}: 2 KiB is more than a project file can be (1 KiB); "
                            "is it a project?")
    assert read == []  # refused before reading


def test_estimates_survive_round_trip(tmp_path: Path) -> None:
    m = software_delivery()
    s = Stage("Ops", estimates=Estimates(inventory=12, pca=0.5, wait_time_min_s=60.0))
    m.add_stage(s)
    p = Project("e", [m])
    save_project(p, tmp_path / "e.vsm")
    q = load_project(tmp_path / "e.vsm")
    assert q.maps[0].stage(s.id).estimates == s.estimates


def test_measurement_settings_round_trip_and_old_files_still_load(tmp_path: Path) -> None:
    p = Project("m", [software_delivery()])
    p.settings.production_environments = ["prod-eu", "live"]
    p.settings.deploy_tags = None  # detect each repository's release tags
    p.sources.append(DataSource("git", str(tmp_path / "a"), deploy_tags=""))  # tags off
    p.sources.append(DataSource("git", str(tmp_path / "b")))  # the project's setting
    save_project(p, tmp_path / "p.vsm")
    doc = json.loads((tmp_path / "p.vsm").read_text())
    assert doc["settings"]["production_environments"] == ["prod-eu", "live"]
    assert doc["settings"]["deploy_tags"] is None
    assert [s.get("deploy_tags") for s in doc["sources"]] == ["", None]
    q = load_project(tmp_path / "p.vsm")
    assert q.settings.production_environments == ["prod-eu", "live"]
    assert [s.deploy_tags for s in q.sources] == ["", None]
    # a file written before: one production_environment name, tags "v*"
    old = dict(doc)
    old["settings"] = {"deploy_tags": "v*", "production_environment": "prod-eu"}
    r = loads(json.dumps(old))
    assert r.settings.production_environments == ["prod-eu"] and r.settings.deploy_tags == "v*"
    old["settings"] = {"production_environment": "production"}  # the old default
    assert loads(json.dumps(old)).settings.production_environments == []
    old["settings"] = {"production_environments": ["prod", 3]}
    with pytest.raises(ProjectFileError, match=r"production_environments\[1\]: expected a "
                                               "string, found a number"):
        loads(json.dumps(old))


def test_kaizen_votes_are_saved_and_old_files_load_without_them(tmp_path: Path) -> None:
    p = rich_project(tmp_path)
    m = p.maps[0]
    voted = next(iter(m.kaizens.values()))
    m.update_element(voted.id, votes=7)
    m.add_element(KaizenBurst("Smaller PRs", x=200, y=-80))  # never voted on
    path = tmp_path / "p.vsm"
    save_project(p, path)
    doc = json.loads(path.read_text())
    saved = {k["text"]: k for k in doc["maps"][0]["kaizens"]}
    assert saved["Review within 4h"]["votes"] == 7
    assert "votes" not in saved["Smaller PRs"]  # a map without votes saves as before
    q = load_project(path)
    assert {k.text: k.votes for k in q.maps[0].kaizens.values()} == {
        "Review within 4h": 7, "Smaller PRs": 0}
    # a file written before dot voting (no "votes" key anywhere) loads with 0 votes
    for k in doc["maps"][0]["kaizens"]:
        k.pop("votes", None)
    path.write_text(json.dumps(doc))
    assert [k.votes for k in load_project(path).maps[0].kaizens.values()] == [0, 0]


@pytest.mark.parametrize(("votes", "problem"), [(-1, "≥ 0"), ("3", "integer"), (2.5, "integer")])
def test_bad_kaizen_votes_name_the_field(tmp_path: Path, votes, problem: str) -> None:
    path = tmp_path / "p.vsm"
    save_project(rich_project(tmp_path), path)
    doc = json.loads(path.read_text())
    doc["maps"][0]["kaizens"][0]["votes"] = votes
    path.write_text(json.dumps(doc))
    with pytest.raises(ProjectFileError) as e:
        load_project(path)
    assert "$.maps[0].kaizens[0].votes" in str(e.value) and problem in str(e.value)


def test_odd_keys_in_free_form_records_are_shown_escaped_on_one_line() -> None:
    doc = pf.project_to_dict(rich_project(Path("/tmp/x")))
    doc["baselines"][0]["line\nbreak"] = 2 ** 53 + 1  # found by the fuzzer
    with pytest.raises(ProjectFileError) as e:
        loads(json.dumps(doc), "p.vsm")
    assert str(e.value) == ('p.vsm: at $.baselines[0]["line\\nbreak"]: a number out of range '
                            '(9007199254740993)')


def test_an_odd_estimate_key_is_shown_escaped_on_one_line() -> None:
    doc = pf.project_to_dict(rich_project(Path("/tmp/x")))
    doc["maps"][0]["stages"][0]["estimates"]["\n"] = None  # found by the fuzzer
    with pytest.raises(ProjectFileError) as e:
        loads(json.dumps(doc), "p.vsm")
    assert str(e.value) == 'p.vsm: at $.maps[0].stages[0].estimates["\\n"]: unknown estimate'


def test_groups_round_trip_and_files_without_them_load(tmp_path: Path) -> None:
    from vsm_app.domain.groups import make_group

    p = Project("g", [software_delivery()])
    plain = tmp_path / "plain.vsm"
    save_project(p, plain)
    assert "groups" not in json.loads(plain.read_text())  # saved exactly as before
    assert load_project(plain).groups == []
    (tmp_path / "CODEOWNERS").write_text("* @org/core\n")
    p.groups = [make_group("api", "service", ["shop"], ["services/api/"]),
                make_group("@org/core", owner="@org/core")]
    p.codeowners = str(tmp_path / "CODEOWNERS")
    f = tmp_path / "g.vsm"
    save_project(p, f)
    doc = json.loads(f.read_text())
    assert doc["codeowners"] == "CODEOWNERS"  # relative to the project, like sources
    assert doc["groups"][0] == {"name": "api", "kind": "service", "repositories": ["shop"],
                                "paths": ["services/api/"]}
    back = load_project(f)
    assert back.groups == p.groups
    assert back.codeowners == str((tmp_path / "CODEOWNERS").resolve())


@pytest.mark.parametrize("group, where", [
    ({"name": "@alice"}, "$.groups[0].name"),
    ({"name": "x", "owner": "@alice"}, "$.groups[0].owner"),
    ({"name": "x", "paths": ["bob@example.com"]}, "$.groups[0].paths[0]"),
    ({"name": "x", "kind": "squad"}, "$.groups[0].kind"),
    ({"name": "x", "owner": "@org/t"}, "$.groups[0].owner"),  # no codeowners file
])
def test_a_bad_group_names_its_field(tmp_path: Path, group, where: str) -> None:
    doc = pf.project_to_dict(Project("g", [software_delivery()]))
    doc["groups"] = [group]
    with pytest.raises(ProjectFileError) as e:
        loads(json.dumps(doc), "p.vsm")
    assert e.value.where == where
