"""Groups side by side in the window, the groups editor and File ▸ Open portfolio (issue 21).

The repositories are those of tests/test_analyze_many.py (fixed dates); the expected figures
are worked out by hand there and below.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from tests.test_analyze_many import MANIFEST, _lib, _shop
from vsm_app.domain.groups import make_group
from vsm_app.domain.model import DataSource, Project
from vsm_app.domain.templates import software_delivery
from vsm_app.metrics import format as fmt
from vsm_app.metrics.catalogue import metric
from vsm_app.ui.comparison import COLUMNS

HOUR = 3600.0
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("org")
    _shop(root / "shop")
    _lib(root / "lib")
    (root / "manifest.toml").write_text(MANIFEST.format(extra=""))
    return root


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VSM_APP_HOME", str(tmp_path / "home"))


def _project(org: Path) -> Project:
    p = Project("org", [software_delivery()])
    p.sources.append(DataSource("git", str(org / "shop"), deploy_tags="v*"))
    p.sources.append(DataSource("git", str(org / "lib"), deploy_tags="v*"))
    p.groups = [make_group("api", "service", paths=["api/"]),
                make_group("web", "service", paths=["web/"]),
                make_group("platform", "team", repositories=["lib"])]
    return p


def _measured_window(qtbot: Any, project: Project) -> Any:
    from vsm_app.ui.main_window import MainWindow

    w = MainWindow(project)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitUntil(lambda: w.measure.result is not None, timeout=30_000)
    w.comparison.show()
    w.comparison.raise_()
    w.comparison.recompute()
    qtbot.waitUntil(lambda: w.comparison.result is not None, timeout=30_000)
    return w


def _column(key: str) -> int:
    return [c.key for c in COLUMNS].index(key)


def test_the_view_shows_the_typed_figures_of_each_group(qtbot: Any, org: Path) -> None:
    w = _measured_window(qtbot, _project(org))
    view, res = w.comparison.view, w.comparison.result
    model = view.model
    assert [e.row.name for e in model.entries] == ["api", "web", "platform", "(whole)"]
    lead = _column("dora.lead_time_median_s")
    m = metric("dora.lead_time_median_s")
    # by hand (tests/test_analyze_many.py): api 20 h and 10 h → 15 h; web 10, 10, 12 → 10 h;
    # platform (lib) 4 h, 2 h → 3 h; the whole: 20, 10, 10, 12, 4, 2 → 10 h
    assert [model.text(r, lead) for r in range(4)] == \
        [fmt.value(m, 15 * HOUR), fmt.value(m, 10 * HOUR), fmt.value(m, 3 * HOUR),
         fmt.value(m, 10 * HOUR)]
    # every metric cell is the typed result's value through the one formatter
    results = [g.result for g in res.groups] + [res.whole]
    for r, result in enumerate(results):
        for c, col in enumerate(COLUMNS):
            if col.key.startswith(("dora.", "flow.")):
                section, key = col.key.split(".", 1)
                typed = getattr(getattr(result, section), key)
                assert model.text(r, c) == fmt.value(metric(col.key), typed), col.key
        assert model.text(r, _column("changes")) == fmt.count(result.changes)
        assert model.text(r, _column("deployments")) == fmt.count(result.deployments)
    # the band chip is the typed band
    dep = _column("dora.deployment_frequency_per_week")
    assert model.index(0, dep).data(Qt.ItemDataRole.UserRole + 2) == \
        res.groups[0].result.dora.bands.deployment_frequency


def test_sorting_works_and_there_is_no_rank(qtbot: Any, org: Path) -> None:
    w = _measured_window(qtbot, _project(org))
    view = w.comparison.view
    headers = [view.proxy.headerData(c, Qt.Orientation.Horizontal) for c in
               range(view.proxy.columnCount())]
    assert not any(h.lower() in ("rank", "#", "position", "score") for h in headers)
    assert not view.table.verticalHeader().isVisible()  # no row numbers either
    assert view.rows_in_view() == ["api", "web", "platform", "(whole)"]  # defined order
    view.sort_by("dora.lead_time_median_s", Qt.SortOrder.AscendingOrder)
    # 3 h, 10 h, 15 h — the whole stays last
    assert view.rows_in_view() == ["platform", "web", "api", "(whole)"]
    view.sort_by("dora.lead_time_median_s", Qt.SortOrder.DescendingOrder)
    assert view.rows_in_view() == ["api", "web", "platform", "(whole)"]
    view.sort_by("name", Qt.SortOrder.AscendingOrder)
    assert view.rows_in_view() == ["api", "platform", "web", "(whole)"]
    # no cell is painted as better or worse than another: only band chips carry colour
    for r in range(view.model.rowCount()):
        for c in range(view.model.columnCount()):
            assert view.model.index(r, c).data(Qt.ItemDataRole.BackgroundRole) is None


def test_a_group_drills_into_its_measured_map(qtbot: Any, org: Path) -> None:
    w = _measured_window(qtbot, _project(org))
    dock = w.comparison
    api = dock.result.groups[0].result
    dock.view.drill.emit("api")
    assert w.overlay.current_result() is api
    assert "api" in dock.view.focus_label.text()
    ARTIFACTS.mkdir(exist_ok=True)
    w.grab().save(str(ARTIFACTS / "comparison_dock_drill.png"))
    dock.view.show_whole.click()
    assert w.overlay.current_result() is w.measure.result


def test_groups_are_edited_as_one_undo_step_and_a_person_is_refused(qtbot: Any,
                                                                   org: Path) -> None:
    from vsm_app.ui.groups_dialog import GroupsCommand, GroupsDialog

    w = _measured_window(qtbot, _project(org))
    dlg = GroupsDialog(w.project, w)
    qtbot.addWidget(dlg)
    assert dlg.labels == ["shop", "lib"]
    dlg.add_group()
    dlg.name.setText("docs")
    dlg.owner.setEditText("@alice")
    assert not dlg.validate()
    assert "never a person" in dlg.problem.text() and "docs" in dlg.problem.text()
    dlg.owner.setEditText("")
    dlg.name.setText("@bob")
    assert not dlg.validate() and "names a person" in dlg.problem.text()
    dlg.name.setText("docs")
    dlg.paths.setPlainText("docs/\n*.md")
    assert dlg.validate(), dlg.problem.text()
    groups = dlg.groups()
    assert groups[-1] == make_group("docs", "team", paths=["docs/", "*.md"])
    before = list(w.project.groups)
    w.undo_stack.push(GroupsCommand(w.project, groups, None, w.comparison.groups_changed))
    assert [g.name for g in w.project.groups] == ["api", "web", "platform", "docs"]
    assert w.is_modified()
    # the dock measures the new group (no change touches docs/ or *.md: 0 changes)
    qtbot.waitUntil(lambda: len(w.comparison.result.groups) == 4, timeout=30_000)
    assert w.comparison.result.groups[-1].result.changes == 0
    w.undo_stack.undo()
    assert w.project.groups == before
    qtbot.waitUntil(lambda: len(w.comparison.result.groups) == 3, timeout=30_000)
    # the entry points: Data ▸ Groups… and File ▸ Open portfolio…
    from vsm_app.ui.dialogs.export_dialog import find_file_menu

    assert w.actions_by_name["open_portfolio"] in find_file_menu(w).actions()
    assert w.actions_by_name["edit_groups"] in w.data_menu.actions()


def _portfolio(org: Path, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    from vsm_app.scale.manifest import load_manifest
    from vsm_app.scale.portfolio import RunOptions, run_in_process

    out = tmp_path / "out"
    r = run_in_process(load_manifest(org / "manifest.toml"), RunOptions(out=out))
    return out, r.summary


def test_a_portfolio_opens_read_only_with_the_summary_figures(qtbot: Any, org: Path,
                                                             tmp_path: Path) -> None:
    from vsm_app.ui.portfolio_window import open_portfolio_window

    pytest.importorskip("pyarrow")
    out, summary = _portfolio(org, tmp_path)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    win = open_portfolio_window(None, out)
    assert win is not None
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.loaded is not None or bool(win.error), timeout=60_000)
    assert not win.error
    # the same figures as the run's summary, exactly (recomputed from the Parquet tables)
    rows = [e.row.to_json() for e in win.view.model.entries]
    assert json.loads(json.dumps(rows)) == summary["comparison"]
    assert win.view.rows_in_view() == ["api", "web", "platform", "(whole)"]
    win.show_group("web")
    assert "web" in win.map_title.text()
    overlays = [it.overlay() for it in win.scene.stage_items()]
    assert any(o[0] for o in overlays)  # the group's measured labels are on the map
    after = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    assert after == before  # read-only


def test_a_folder_that_is_not_a_portfolio_says_so(qtbot: Any, tmp_path: Path,
                                                  dialogs: Any) -> None:
    from vsm_app.ui.portfolio_window import open_portfolio_window

    assert open_portfolio_window(None, tmp_path) is None
    assert "not an analyze-many output folder" in dialogs.errors[-1][1]
    (tmp_path / "tables").mkdir()
    (tmp_path / "summary.json").write_text(json.dumps(
        {"comparison": [], "groups": [], "summary_format": 99, "vsm_app_version": "9.0",
         "settings": {}}))
    assert open_portfolio_window(None, tmp_path) is None
    assert "newer vsm-app (9.0" in dialogs.errors[-1][1]
    (tmp_path / "summary.json").write_text(json.dumps({"comparison": [], "groups": []}))
    assert open_portfolio_window(None, tmp_path) is None
    assert "older vsm-app" in dialogs.errors[-1][1] and "again" in dialogs.errors[-1][1]
    (tmp_path / "summary.json").write_text(json.dumps(
        {"comparison": [], "groups": [], "summary_format": 2, "settings": {"since": 7}}))
    assert open_portfolio_window(None, tmp_path) is None
    assert dialogs.errors[-1][1].endswith("summary.json: settings.since: expected a date "
                                          "text or null")


def test_the_report_has_a_comparison_section(qtbot: Any, org: Path, tmp_path: Path) -> None:
    from vsm_app.render.report_pdf import report_pdf_bytes
    from vsm_app.report.data import build_report_data
    from vsm_app.services.measure import measure_project
    from vsm_app.services.reports import with_groups, write_report
    from vsm_app.storage.project_file import save_project

    p = _project(org)
    save_project(p, tmp_path / "p.vsm")
    measured, _ = measure_project(p, tmp_path / "p.vsm")
    assert measured is not None and measured.groups is not None
    # the window's measurement is the whole only: the report computes the groups itself,
    # over the whole's window, with the same figures
    from dataclasses import replace

    whole_only = replace(measured, groups=None)
    again = with_groups(p, tmp_path / "p.vsm", whole_only)
    assert [r.to_json() for r in again.groups.comparison()] == \
        [r.to_json() for r in measured.groups.comparison()]
    out = tmp_path / "r.html"
    write_report(p, tmp_path / "p.vsm", out, measurement=whole_only)
    html = out.read_text(encoding="utf-8")
    table = html.split('<table class="comparison">')[1].split("</table>")[0]
    rows = table.split("<tr")[2:]
    assert [r.split("<td>")[1].split("</td>")[0] for r in rows] == \
        ["api", "web", "platform", "(whole)"]
    m = metric("dora.lead_time_median_s")
    assert fmt.value(m, 15 * HOUR) in rows[0] and fmt.value(m, 3 * HOUR) in rows[2]
    assert 'class="whole"' in rows[3]
    assert "rank" not in table.lower()
    assert 'href="#groups"' in html and "no rank, score" in html
    data = build_report_data(p, measured)
    _pdf, text = report_pdf_bytes(p, data)
    assert "Groups side by side" in text and "platform" in text
    # a project without groups has no such section
    p.groups = []
    assert build_report_data(p, replace(measured, groups=None)).comparison == []
