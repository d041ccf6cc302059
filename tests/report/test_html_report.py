"""The HTML report: self-contained (no URL of any kind), images embedded, the right content."""

from __future__ import annotations

import base64
import re

from tests.report.demo_data import demo_dir, demo_identities, demo_measurement, demo_project
from vsm_app.analysis.privacy import assert_no_identities
from vsm_app.domain.model import Project
from vsm_app.report.data import build_report_data
from vsm_app.report.html import render_html

PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
DATA_URI = re.compile(r"data:[a-z]+/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]+")


def external_references(html: str) -> list[str]:
    """Everything in ``html`` that could make a request (after removing data: URIs)."""
    text = DATA_URI.sub("DATA", html)
    found = []
    for pattern in (r"https?:", r"//", r'src\s*=\s*"(?!DATA)', r"<link\b", r"<script\b",
                    r"url\(", r"@import", r"<iframe\b", r"<object\b", r"srcset"):
        found += re.findall(pattern, text, flags=re.IGNORECASE)
    return found


def _demo_html() -> tuple[str, object]:
    project = demo_project()
    data = build_report_data(project, demo_measurement(), project_dir=demo_dir())
    images = {m.id: PNG_1PX for m in project.maps}
    return render_html(data, images), data


def test_html_has_no_external_reference_and_embeds_every_map_image() -> None:
    html, _ = _demo_html()
    assert external_references(html) == []
    uris = re.findall(r'<img src="(data:image/png;base64,[^"]+)"', html)
    assert len(uris) == 2  # current and future state
    assert all(base64.b64decode(u.split(",", 1)[1]).startswith(b"\x89PNG") for u in uris)
    assert html.count("<svg") >= 8  # trend charts are inline SVG


def test_the_checker_would_catch_external_references() -> None:
    assert external_references('<img src="https://cdn.example/x.png">')
    assert external_references('<link rel="stylesheet" href="//fonts.example/f.css">')
    assert external_references('<img src="/logo.png">')
    assert external_references("<style>body{background:url(a.png)}</style>")
    assert not external_references('<img src="data:image/png;base64,ab//cd==">')


def test_html_content_and_print_css() -> None:
    html, data = _demo_html()
    project = demo_project()
    for m in project.maps:
        for s in m.stages:
            assert s.name in html
    for label in ("Deployment frequency", "Lead time for changes (median)",
                  "Change failure rate", "Failed deployment recovery time (median)",
                  "Flow velocity", "Flow efficiency", "Data quality", "Lead time",
                  "Activity ratio", "Rolled %C&amp;A"):
        assert label in html
    assert data.window in html  # type: ignore[attr-defined]
    assert data.constraint.sentence in html.replace("&#x27;", "'")  # type: ignore[attr-defined]
    assert "@media print" in html and "@page" in html
    assert html.startswith("<!DOCTYPE html>")


def test_unmeasured_report_is_valid_too() -> None:
    from vsm_app.domain.templates import software_delivery

    html = render_html(build_report_data(Project("Workshop", [software_delivery()])))
    assert "Not measured" in html and external_references(html) == []


def test_no_author_identity_in_the_html() -> None:
    html, _ = _demo_html()
    assert_no_identities(html, demo_identities())
