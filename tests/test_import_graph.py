"""No import cycle anywhere in vsm_app: between modules, and between the top-level packages
(domain, ingest, analysis, metrics, report, services, render, commands, ui, …).

The graph is grimp's (it comes with import-linter), with every import a module makes when it
runs, also those inside functions; imports under ``if TYPE_CHECKING:`` are left out (they are
for the type checker and never run). A cycle is a strongly connected part of that graph.
"""

from __future__ import annotations

import grimp
import networkx as nx
import pytest


@pytest.fixture(scope="module")
def graph() -> nx.DiGraph:
    g = grimp.build_graph("vsm_app", include_external_packages=False,
                          exclude_type_checking_imports=True)
    out = nx.DiGraph()
    for m in g.modules:
        out.add_node(m)
        for d in g.find_modules_directly_imported_by(m):
            out.add_edge(m, d)
    return out


def _cycles(g: nx.DiGraph) -> list[list[str]]:
    return sorted(sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1)


def test_no_module_imports_itself_through_others(graph: nx.DiGraph) -> None:
    assert _cycles(graph) == []


def test_no_cycle_between_the_packages(graph: nx.DiGraph) -> None:
    def package(m: str) -> str:
        return ".".join(m.split(".")[:2])

    packages = nx.DiGraph()
    for a, b in graph.edges:
        if package(a) != package(b):
            packages.add_edge(package(a), package(b))
    assert _cycles(packages) == []
    # the layers the architecture names, in their direction (docs/architecture.md)
    assert not nx.has_path(packages, "vsm_app.domain", "vsm_app.analysis")
    assert not nx.has_path(packages, "vsm_app.metrics", "vsm_app.analysis")
    assert not nx.has_path(packages, "vsm_app.services", "vsm_app.ui")
    assert not nx.has_path(packages, "vsm_app.render", "vsm_app.services")
    assert nx.has_path(packages, "vsm_app.commands", "vsm_app.services")
    assert nx.has_path(packages, "vsm_app.ui", "vsm_app.services")


def test_the_check_finds_a_cycle() -> None:
    g = nx.DiGraph([("a.x", "a.y"), ("a.y", "a.z"), ("a.z", "a.x"), ("a.z", "b.w")])
    assert _cycles(g) == [["a.x", "a.y", "a.z"]]


def test_the_window_draws_files_through_render(graph: nx.DiGraph) -> None:
    """Map pictures, map PDFs and the PDF report are drawn by ``vsm_app.render`` (through the
    services) for the window as for the command line; the window's own file painters are
    only ui/export.py's chart exports (pyqtgraph to SVG)."""
    import ast
    from pathlib import Path

    ui = Path(__file__).resolve().parents[1] / "vsm_app" / "ui"
    painters = {"QSvgGenerator", "QPdfWriter", "QPrinter"}
    users = {str(p.relative_to(ui)) for p in ui.rglob("*.py")
             for n in ast.walk(ast.parse(p.read_text("utf-8")))
             if isinstance(n, ast.ImportFrom) and {a.name for a in n.names} & painters}
    assert users == {"export.py"}
    for module in ("vsm_app.ui.export", "vsm_app.ui.dialogs.export_dialog"):
        assert nx.has_path(graph, module, "vsm_app.render.maps"), module
    assert nx.has_path(graph, "vsm_app.ui.dialogs.export_dialog", "vsm_app.services.reports")
    assert nx.has_path(graph, "vsm_app.services.reports", "vsm_app.render.report_pdf")
