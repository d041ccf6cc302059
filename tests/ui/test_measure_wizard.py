"""Data ▸ Measure this map… (issue 17 item 6): walked with the demo repository and its pull
requests, a malformed export refused with its file and line, the events the data holds counted
apart from the code (git and the export read here), proposals that use only those events,
Finish as one undo step, Cancel changing nothing; each page rendered at 1280×800."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QWizard

from vsm_app.domain.model import Segment, SegmentKind
from vsm_app.domain.templates import software_delivery
from vsm_app.ui.dialogs.measure_wizard import MeasureWizard, adapt, event_counts, propose

W, A = SegmentKind.WAIT, SegmentKind.ACTIVE


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout


def open_wizard(w: Any) -> MeasureWizard:
    w.actions_by_name["measure_wizard"].trigger()
    wizard = w.findChild(MeasureWizard)
    assert wizard is not None and wizard.isVisible()
    return wizard


def shot(wizard: MeasureWizard, artifacts: Path, name: str) -> None:
    wizard.resize(1280, 800)
    wizard.grab().save(str(artifacts / f"measure_wizard_{name}.png"))


def write_bad_prs(path: Path) -> Path:
    """Two pull requests, one per line; the second's createdAt (line 3) is not a time."""
    good = {"number": 1, "title": "feat: a", "state": "MERGED", "createdAt":
            "2025-01-01T09:00:00Z", "mergedAt": "2025-01-01T10:00:00Z", "reviews": []}
    bad = dict(good, number=2, createdAt="soon")
    path.write_text("[\n" + json.dumps(good) + ",\n" + json.dumps(bad) + "\n]\n")
    return path


# -- the proposal rule, by hand ---------------------------------------------------------------

def test_adapt_keeps_only_the_events_the_data_holds() -> None:
    release = [Segment("merged", "deploy_started", W), Segment("deploy_started", "deployed", A)]
    # tags give deployed but no start: one wait from the merge to the deployment
    assert adapt(release, {"merged", "deployed"}) == [Segment("merged", "deployed", W)]
    assert adapt(release, {"merged", "deploy_started", "deployed"}) == release
    # one event left: nothing to measure
    assert adapt([Segment("first_commit", "pr_opened", A)], {"first_commit"}) == []
    review = [Segment("pr_opened", "first_review", W), Segment("first_review", "approved", A)]
    assert adapt(review, {"pr_opened", "approved"}) == [Segment("pr_opened", "approved", W)]


def test_git_only_proposes_release_and_says_what_the_others_need() -> None:
    m = software_delivery()
    counts = {"first_commit": 10, "last_commit": 10, "merged": 10, "deployed": 8,
              "pr_opened": 0, "first_review": 0, "approved": 0, "ci_queued": 0,
              "ci_started": 0, "ci_finished": 0, "deploy_started": 0}
    props = propose(m.stages, counts)
    by = {m.stage(sid).name: p for sid, p in props.items()}
    assert by["Release"].segments == [Segment("merged", "deployed", W)]
    assert "adapted to the data" in by["Release"].how
    # no pull requests: the trunk-based template's Coding, first commit to the merge
    assert by["Coding"].segments == [Segment("first_commit", "merged", A)]
    assert by["Coding"].how == "the trunk-based template's binding"
    for name in ("Review", "Merge"):
        assert not by[name].measured
        assert "pull requests with their reviews" in by[name].missing
    assert not by["CI"].measured and "CI runs" in by["CI"].missing


def test_statuses_are_proposed_for_stages_without_events_one_stage_each() -> None:
    from vsm_app.domain.model import Stage, StatusBinding

    stages = [Stage("Backlog"), Stage("Analysis"), Stage("Review"), Stage("Design")]
    counts = {"first_commit": 5, "merged": 5, "pr_opened": 5, "first_review": 5,
              "approved": 5}
    board = {"analysis": ["In Analysis", "Ready for Dev"]}
    props = propose(stages, counts, ["Backlog", "In Analysis", "Ready for Dev", "In Review"],
                    board)
    assert props[stages[0].id].statuses == [StatusBinding("Backlog")]  # named like it
    assert props[stages[1].id].statuses == [StatusBinding("In Analysis"),
                                            StatusBinding("Ready for Dev")]  # board column
    # Review has events from its template: those win, its status stays free
    assert props[stages[2].id].segments and not props[stages[2].id].statuses
    assert not props[stages[3].id].measured and "Design" in props[stages[3].id].missing


# -- the wizard walked -------------------------------------------------------------------------

def test_walk_the_wizard_with_the_demo_repository(qtbot: Any, window: Any, demo_vsm: Path,
                                                   tmp_path: Path, artifacts_dir: Path,
                                                   dialogs: Any) -> None:
    root = demo_vsm.parent
    repo, prs_file = root / "repo", root / "exports" / "prs.json"
    w, project = window, window.project  # the software-delivery template, no sources
    m = w.current_map()
    before = {s.id: list(s.segments) for s in m.stages}
    # the empty state offers the guided set-up
    assert "Measure this map…" in w.sources.status_label.text()
    wizard = open_wizard(w)
    assert w.actions_by_name["measure_wizard"].shortcut().toString() == "Ctrl+Alt+M"

    # 1. repository: not a repository, a shallow clone, then the demo's
    page1 = wizard.repository_page
    form = page1.form
    form.path_edit.setText(str(tmp_path))
    form.path_edit.editingFinished.emit()
    assert not page1.validatePage()
    assert "is not a git repository" in form.error_label.text()
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "3", f"file://{repo}", str(shallow)],
                   check=True, capture_output=True)
    form.path_edit.setText(str(shallow))
    form.path_edit.editingFinished.emit()
    assert page1.validatePage() and "shallow clone" in page1.note.text()
    form.path_edit.setText(str(repo))
    form.path_edit.editingFinished.emit()
    tags = git(repo, "tag", "-l").split()
    releases = [t for t in tags if re.fullmatch(r"v\d+(\.\d+)+", t)]
    assert form.tags_info.text() == (f"Detected: v[0-9]*[0-9] — {len(releases)} of "
                                     f"{len(tags)} tags are releases.")
    assert form.tags_edit.placeholderText() == "detected: v[0-9]*[0-9]"
    form.tags_edit.setText("v1.1*")  # editable: what the user's pattern matches
    form.update_tags_info()
    mine = [t for t in tags if t.startswith("v1.1")]
    assert form.tags_info.text() == f"Your pattern: v1.1* — {len(mine)} of {len(tags)} tags " \
                                    f"are releases."
    form.tags_edit.setText("")
    form.update_tags_info()
    assert page1.validatePage() and page1.note.text() == ""
    shot(wizard, artifacts_dir, "1_repository")
    wizard.next()

    # 2. exports: the demo's pull requests read, a malformed file refused with file and line
    page2 = wizard.exports_page
    assert wizard.currentPage() is page2
    bad = write_bad_prs(tmp_path / "bad_prs.json")
    page2.add_files([str(prs_file), str(bad)])
    qtbot.waitUntil(lambda: not page2.work.busy(), timeout=30_000)
    assert [(s.kind, s.format) for s, _n, _t in page2.added] == [("prs", "gh_pr_list")]
    n_prs = len(json.loads(prs_file.read_text()))
    assert [page2.table.item(0, c).text() for c in range(4)] == [
        "prs.json", "pull requests", "gh pr list --json", f"{n_prs:,}"]
    assert page2.table.rowCount() == 1
    text = page2.problems.text()
    assert "1 file was not added" in text
    assert 'bad_prs.json: line 3, record 2, field "createdAt": not a timestamp' in \
        text.replace("&quot;", '"')
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    shot(wizard, artifacts_dir, "2_exports")
    wizard.next()

    # 3. events: a quick ingest in a worker, counts equal git and the export read here
    page3 = wizard.events_page
    qtbot.waitUntil(lambda: wizard.data is not None, timeout=60_000)
    qtbot.waitUntil(page3.isComplete, timeout=5_000)
    shown = {page3.table.item(r, 0).text(): page3.table.item(r, 1).text()
             for r in range(page3.table.rowCount())}
    mainline = git(repo, "rev-list", "--first-parent", "HEAD").split()
    merged_prs = {p["mergeCommit"]["oid"] for p in json.loads(prs_file.read_text())
                  if p.get("mergeCommit")}
    with_pr = len(merged_prs & set(mainline))
    assert shown["first_commit"] == f"{len(mainline):,}"  # every change has a first commit
    assert shown["merged"] == f"{len(mainline):,}"
    assert shown["pr_opened"] == f"{with_pr:,}"
    for ev in ("ci_queued", "ci_started", "ci_finished", "deploy_started"):
        assert shown[ev] == "none"  # no CI export; release tags have no start time
    counts = event_counts(wizard.data)
    assert counts["deployed"] > 0
    assert "Missing: ci_queued, ci_started, ci_finished, deploy_started." in \
        page3.summary.text()
    assert wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    shot(wizard, artifacts_dir, "3_events")
    wizard.next()

    # 4. bindings: proposals use only the events the data holds
    page4 = wizard.bindings_page
    held = {e for e, c in counts.items() if c}
    for segs, _sts in page4.bindings.values():
        assert {e for s in segs for e in (s.from_event, s.to_event)} <= held
    by_name = {m.stage(sid).name: segs for sid, (segs, _s) in page4.bindings.items()}
    assert by_name["Coding"] == [Segment("first_commit", "pr_opened", A)]
    assert by_name["Review"] == before[m.stage_by_name("Review").id]
    assert by_name["CI"] == []
    assert by_name["Release"] == [Segment("merged", "deployed", W)]
    ci = m.stage_by_name("CI").id
    assert "add CI runs" in page4.widget(ci, page4.RESULT).text()
    assert not page4.widget(ci, page4.KIND).isEnabled()  # no span, no kind
    # a proposal changed in its row: Merge from approval to the merge, as work
    merge = m.stage_by_name("Merge").id
    page4.set_events(merge, "approved", "merged", "active")
    assert page4.bindings[merge][0] == [Segment("approved", "merged", A)]
    assert "median" in page4.widget(merge, page4.RESULT).text()
    shot(wizard, artifacts_dir, "4_bindings")

    # Finish: one undo step; the project is measured and modified
    count = w.undo_stack.count()
    with qtbot.waitSignal(w.measure.result_changed, timeout=60_000):
        wizard.button(QWizard.WizardButton.FinishButton).click()
    assert w.undo_stack.count() == count + 1 and w.is_modified()
    assert [(s.kind, Path(s.path).name) for s in project.sources] == [("git", "repo"),
                                                                       ("prs", "prs.json")]
    assert m.stage_by_name("Release").segments == [Segment("merged", "deployed", W)]
    assert m.stage_by_name("Merge").segments == [Segment("approved", "merged", A)]
    qtbot.waitUntil(lambda: not w.measure.is_busy(), timeout=30_000)
    assert w.sources.model.rowCount() == 2  # the sources stay editable in the panel
    git_id = project.sources[0].id
    assert w.sources.apply_source_settings(git_id, deploy_tags="v1.1*")
    assert project.sources[0].deploy_tags == "v1.1*"
    w.undo_stack.undo()  # the settings edit
    w.undo_stack.undo()  # the whole wizard
    assert project.sources == []
    assert {s.id: list(s.segments) for s in m.stages} == before
    w.undo_stack.redo()
    assert len(project.sources) == 2
    assert m.stage_by_name("Release").segments == [Segment("merged", "deployed", W)]
    assert dialogs.errors == []


def test_cancel_changes_nothing_and_the_ingest_can_be_stopped(qtbot: Any, window: Any,
                                                              demo_vsm: Path) -> None:
    root = demo_vsm.parent
    w, project = window, window.project
    m = w.current_map()
    before = {s.id: (list(s.segments), list(s.statuses)) for s in m.stages}
    settings = project.settings
    w.sources.guide_requested.emit()  # the empty state's link opens it too
    wizard = w.findChild(MeasureWizard)
    assert wizard is not None
    wizard.repository_page.form.path_edit.setText(str(root / "repo"))
    wizard.repository_page.form.path_edit.editingFinished.emit()
    wizard.next()
    wizard.exports_page.add_files([str(root / "exports" / "ci_runs.json")])
    qtbot.waitUntil(lambda: not wizard.exports_page.work.busy(), timeout=30_000)
    assert wizard.exports_page.environments_row.isVisibleTo(wizard)  # CI: production names
    wizard.exports_page.environments_edit.setText("prod, live")
    wizard.next()
    page3 = wizard.events_page
    page3.work.cancel()  # Cancel while the data is read
    qtbot.waitUntil(lambda: not page3.work.busy(), timeout=30_000)
    assert wizard.data is None and not page3.isComplete()
    assert "cancelled" in page3.summary.text()
    page3.start()  # read again, then Cancel the wizard
    qtbot.waitUntil(lambda: wizard.data is not None, timeout=60_000)
    wizard.next()
    wizard.reject()
    assert project.sources == [] and project.settings is settings
    assert project.settings.production_environments == []
    assert {s.id: (list(s.segments), list(s.statuses)) for s in m.stages} == before
    assert w.undo_stack.count() == 0 and not w.is_modified()


def test_the_data_menu_starts_with_the_guide(window: Any) -> None:
    first = next(a for a in window.data_menu.actions() if not a.isSeparator())
    assert first.text().replace("&", "") == "Measure this map…"
    keys = [k.toString() for a in window.findChildren(type(first)) for k in a.shortcuts()]
    assert keys.count("Ctrl+Alt+M") == 1  # no other action has its shortcut


def test_on_the_measured_sample_the_wizard_starts_from_its_sources_and_bindings(
        qtbot: Any, demo_vsm: Path, artifacts_dir: Path) -> None:
    from vsm_app.storage.project_file import load_project
    from vsm_app.ui.main_window import MainWindow

    project = load_project(demo_vsm)  # sources stored relative to the project file
    w = MainWindow(project, demo_vsm)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.measure.result is not None and not w.measure.is_busy(),
                    timeout=60_000)
    count = w.undo_stack.count()
    wizard = open_wizard(w)
    page1 = wizard.repository_page
    assert page1.form.path_edit.text() == str(demo_vsm.parent / "repo")
    assert page1.form.tags_edit.text() == "v*"  # the project's own setting, editable
    assert page1.validatePage() and "already" in page1.note.text()
    wizard.next()
    files = [wizard.exports_page.table.item(r, 0).text()
             for r in range(wizard.exports_page.table.rowCount())]
    assert files == [Path(s.path).name for s in project.sources if s.kind != "git"]
    wizard.next()
    qtbot.waitUntil(lambda: wizard.data is not None, timeout=60_000)
    assert wizard.events_page.status_table.rowCount() > 0  # Jira statuses found
    shot(wizard, artifacts_dir, "sample_3_events")
    wizard.next()
    m = w.current_map()
    page4 = wizard.bindings_page
    for stage in m.stages:  # every stage keeps what it had: the data holds all it uses
        assert page4.bindings[stage.id] == (list(stage.segments), list(stage.statuses))
    assert page4.proposals[m.stage_by_name("Backlog").id].how == \
        "its current tracker statuses"
    shot(wizard, artifacts_dir, "sample_4_bindings")
    wizard.accept()
    assert w.undo_stack.count() == count  # nothing changed: no undo step
    assert [s.path for s in project.sources] == [s.path for s in load_project(demo_vsm).sources]


def test_a_span_that_measures_nothing_is_flagged(qtbot: Any, window: Any, tmp_path: Path
                                                 ) -> None:
    """Commits straight on main, authored when committed (as squash merges look without
    pull requests): Coding first_commit → merged is 0 s for every change."""
    import os

    repo = tmp_path / "squashed"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for day in range(1, 6):
        (repo / "f.txt").write_text(str(day))
        when = f"2025-03-0{day}T10:00:00+00:00"
        env = dict(os.environ, GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
        git(repo, "add", "f.txt")
        subprocess.run(["git", "-C", str(repo), "-c", "user.name=A", "-c",
                        "user.email=a@example.org", "commit", "-qm", f"feat: {day}"],
                       check=True, env=env)
    assert len(git(repo, "rev-list", "HEAD").split()) == 5
    wizard = open_wizard(window)
    form = wizard.repository_page.form
    form.path_edit.setText(str(repo))
    form.path_edit.editingFinished.emit()
    wizard.next()
    wizard.next()
    qtbot.waitUntil(lambda: wizard.data is not None, timeout=60_000)
    wizard.next()
    page4 = wizard.bindings_page
    coding = window.current_map().stage_by_name("Coding").id
    assert page4.bindings[coding][0] == [Segment("first_commit", "merged", A)]
    text = page4.widget(coding, page4.RESULT).text()
    assert "median 0s" in text and "A median of 0 s" in text
    wizard.reject()
