"""The one work protocol: progress, cancellation, and the same Cancelled from every kind of
long work (ingest, analysis, exports, reports), tested without threads."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from vsm_app import work
from vsm_app.analysis import engine
from vsm_app.domain.tables import Tables

PACKAGE = Path(__file__).resolve().parents[1] / "vsm_app"
#: the protocol's names: defined in vsm_app/work.py only
PROTOCOL = {"Cancelled", "IsCancelled", "Progress", "TaskState"}


def _own_names(tree: ast.Module) -> list[str]:
    """What a module defines or publishes of the protocol itself (not what it imports): a
    class whose name says cancel, a module-level name bound to the protocol's names or to
    a ``Callable[[float, str], None]``, and ``__all__`` entries naming the protocol."""
    found: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and "cancel" in node.name.lower():
            found.append(f"class {node.name}")
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, ast.AnnAssign) else []
        value = getattr(node, "value", None)
        for t in targets:
            if not isinstance(t, ast.Name):
                continue
            if t.id in PROTOCOL or (value is not None and ast.unparse(value).replace(
                    "typing.", "") == "Callable[[float, str], None]"):
                found.append(f"{t.id} = {ast.unparse(value) if value else ''}")
            if t.id == "__all__" and isinstance(value, ast.List | ast.Tuple):
                found += [f"__all__ names {e.value}" for e in value.elts
                          if isinstance(e, ast.Constant) and e.value in PROTOCOL]
    return found


def test_the_protocol_is_defined_once_and_never_aliased() -> None:
    """Before the work protocol there were five Cancelled classes and eight Progress
    aliases; now every module imports the one of vsm_app/work.py and re-publishes none."""
    modules = [p for p in PACKAGE.rglob("*.py") if p != PACKAGE / "work.py"]
    assert len(modules) > 100
    found = {str(p.relative_to(PACKAGE)): names for p in modules
             if (names := _own_names(ast.parse(p.read_text("utf-8"))))}
    assert found == {}
    # and the check sees what it looks for
    assert _own_names(ast.parse("class ExportCancelled(Exception): pass\n"
                                "ProgressFn = Callable[[float, str], None]\n"
                                "Cancelled = work.Cancelled\n"
                                "__all__ = ['Cancelled', 'run']\n")) == [
        "class ExportCancelled", "ProgressFn = Callable[[float, str], None]",
        "Cancelled = work.Cancelled", "__all__ names Cancelled"]


def test_scaled_progress_covers_its_part_of_the_whole() -> None:
    seen: list[tuple[float, str]] = []
    step = work.scaled(lambda f, m: seen.append((f, m)), 0.5, 0.9)
    step(0.0, "a")
    step(0.5, "b")
    step(2.0, "c")  # clamped to the step's end
    assert seen == [(0.5, "a"), (pytest.approx(0.7), "b"), (pytest.approx(0.9), "c")]
    work.scaled(None, 0, 1)(0.5, "nobody listens")  # no one to tell: fine


def test_task_state_is_the_cancel_token() -> None:
    messages: list[str] = []
    state = work.TaskState(lambda f, m: messages.append(m))
    state.progress(0.25, "reading")
    assert (state.fraction, state.message, messages) == (0.25, "reading", ["reading"])
    state.check()  # not cancelled: nothing happens
    state.cancel()
    assert state.cancelled()
    with pytest.raises(work.Cancelled, match="cancelled"):
        state.check()


def test_the_analysis_and_the_table_export_stop_on_cancel(tmp_path: Path) -> None:
    state = work.TaskState()
    state.cancel()
    with pytest.raises(work.Cancelled):
        engine.run(Tables(), None, engine.AnalysisOptions(), state.progress, state.cancelled)
    from tests.report.demo_data import demo_measurement
    from vsm_app.services.tables import write_tables

    with pytest.raises(work.Cancelled):
        write_tables(demo_measurement(), tmp_path, progress=state.progress,
                     cancelled=state.cancelled)
    assert list(tmp_path.iterdir()) == []  # nothing half-written
