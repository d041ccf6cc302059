"""Issue 13 in the report: coverage next to the constraint, why it is withheld and what data
would name it, and withheld bands — from a git-only measurement built in the test."""

from __future__ import annotations

from pathlib import Path

from tests.ingest.conftest_git import RepoBuilder
from vsm_app.domain.model import Project
from vsm_app.domain.templates import software_delivery
from vsm_app.pipeline import AnalyzeInputs, RepoInput, run
from vsm_app.report.data import BAND_WITHHELD, build_report_data
from vsm_app.report.html import render_html


def test_report_shows_coverage_and_what_would_name_the_constraint(tmp_path: Path) -> None:
    b = RepoBuilder(tmp_path / "repo")
    b.commit("feat: one", 0)
    b.tag("v1.0.0", 1)
    for i in range(3):
        b.commit(f"feat: {i}", 2 + i)
    b.tag("v1.1.0", 8)
    m = run(AnalyzeInputs(repos=[RepoInput(str(b.path))], vsm_map=software_delivery()))
    data = build_report_data(Project("shop", [software_delivery()]), m)
    c = data.constraint
    assert c is not None and c.stage is None
    # v1.1.0 ships three changes (v1.0.0's is the first deployment's)
    assert c.coverage == "Rests on 0 of 5 stages measured (0 of 8 stage-kinds), 3 changes."
    assert c.advice.startswith("3 change(s) with a flow time in the window; a constraint needs "
                               "20: widen the window; 0 of 8 bound stage-kinds measured")
    assert c.advice.endswith("add deployments with a start time (deployment exports or CI "
                             "deploy jobs; release tags give only the finish) to measure "
                             "Release.")
    freq = next(x for x in data.dora if x.key == "deployment_frequency_per_week")
    assert freq.band == BAND_WITHHELD
    assert freq.note.endswith("band withheld: 2 deployment(s) in the window; a band needs 10 "
                              "(widen the window or load more deployment data)")
    html = render_html(data)
    assert "<p><strong>No constraint named.</strong> 3 change(s)" in html
    assert '<p class="coverage">Rests on 0 of 5 stages measured (0 of 8 stage-kinds), 3 ' \
           'changes.</p>' in html
    assert '<span class="muted">withheld</span>' in html
