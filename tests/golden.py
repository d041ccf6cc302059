"""The command line's JSON documents on fixed data, for comparing two versions of the code.

``tests/test_golden_json.py`` compares what this code prints with the documents in
``tests/fixtures/golden/``, which were written by the code *before* the typed-results
refactor (issue 16), so the oracle is independent of the code under test::

    # regenerate (only on purpose: the fixtures are the old code's answers)
    PYTHONPATH=/path/to/old/checkout python -m tests.golden tests/fixtures/golden

Each document comes from the public command line (``vsm_app.cli.main``) on data the test
builds: the sample project with its generated data (deterministic), and a small repository
built commit by commit. Two kinds of text are normalised, because they depend on where and
when the command runs, not on the code: the folders of the data (``<demo>``, ``<repo>``) and
whether the history came from the cache (``history_from_cache``, ``commits_read_from_git``),
and the forecast's count of days from the data's end to today.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

#: keys whose values say where the history was read from (cache or git), not what it holds
VOLATILE_INGEST_KEYS = ("history_from_cache", "commits_read_from_git")


def run_cli(*args: str) -> tuple[int, str, str]:
    """``vsm-app ARGS`` in this process: (exit code, stdout, stderr)."""
    from vsm_app.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def normalise(doc: Any, folders: dict[str, str]) -> Any:
    """``doc`` with the data folders replaced by placeholders and the cache flags fixed."""
    text = json.dumps(doc)
    # the forecast's stale-data warning counts the days to today
    text = re.sub(r"\d+ days before today", "<n> days before today", text)
    for folder, name in folders.items():
        text = text.replace(json.dumps(folder)[1:-1], name)
    out = json.loads(text)
    ingest = (out.get("data_quality") or {}).get("ingest") if isinstance(out, dict) else None
    if isinstance(ingest, dict):
        for key in VOLATILE_INGEST_KEYS:
            if key in ingest:
                ingest[key] = "<cache>"
    return out


#: keys ``analyze --json`` gained after the oracle was written, with the value they take on
#: data without work items (issue 18: what the flow metrics and the constraint counted)
LATER_KEYS = {("flow", "unit"): "changes",
              ("bottleneck", "coverage", "constraint", "unit"): "change"}


def without_later_keys(doc: Any) -> tuple[Any, dict[tuple[str, ...], Any]]:
    """``doc`` without the :data:`LATER_KEYS` (a copy) and the values they had."""
    out = json.loads(json.dumps(doc))
    found: dict[tuple[str, ...], Any] = {}
    if not isinstance(out, dict):
        return out, found
    for path in LATER_KEYS:
        node: Any = out
        for k in path[:-1]:
            node = node.get(k) if isinstance(node, dict) else None
        if isinstance(node, dict) and path[-1] in node:
            found[path] = node.pop(path[-1])
    return out, found


def key_paths(doc: Any, prefix: str = "") -> list[str]:
    """Every key path of a JSON document (``dora.bands.year``; list items as ``[]``), in
    document order."""
    out: list[str] = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            p = f"{prefix}.{k}" if prefix else str(k)
            out.append(p)
            out.extend(key_paths(v, p))
    elif isinstance(doc, list):
        seen: set[str] = set()
        for v in doc:
            for p in key_paths(v, f"{prefix}[]"):
                if p not in seen:
                    seen.add(p)
                    out.append(p)
    return out


def small_repo(root: Path) -> Path:
    """Five changes, three release tags, a revert and a merge (fixed dates and names)."""
    from tests.ingest.conftest_git import RepoBuilder

    b = RepoBuilder(root / "repo")
    b.commit("feat: first", 0)
    b.tag("v1.0.0", 10)
    b.checkout("feature/x", new=True)
    b.commit("feat: part one", 20)
    b.commit("feat: part two", 22)
    b.checkout("main")
    b.merge("feature/x", "Merge branch 'feature/x'", 25)
    b.commit("fix: typo", 30)
    b.tag("v2.0.0", 50)
    sha = b.commit("refactor: tidy", 60)
    b.commit(f'Revert "refactor: tidy"\n\nThis reverts commit {sha}.', 70)
    b.tag("v2.0.1", 80)
    return b.path


def documents(work: Path) -> dict[str, Any]:
    """Every golden document, computed by the code on the path (old or new)."""
    from vsm_app.paths import DEMO_PROJECT

    demo = work / "demo"
    demo.mkdir()
    # the sample as the old code knew it: its work-item sources and upstream stages (issue 18,
    # later than the oracle) are left out, so the documents measure what the old code did
    sample = json.loads(Path(DEMO_PROJECT).read_text("utf-8"))
    sample["sources"] = [s for s in sample.get("sources", []) if s.get("kind") != "items"]
    for m in sample.get("maps", []):  # and so are the stages bound to tracker statuses
        upstream = {st["id"] for st in m.get("stages", []) if st.get("statuses")}
        m["stages"] = [st for st in m.get("stages", []) if st["id"] not in upstream]
        m["flows"] = [f for f in m.get("flows", [])
                      if f.get("source") not in upstream and f.get("target") not in upstream]
    (demo / "demo.vsm").write_text(json.dumps(sample, indent=2), "utf-8")
    from vsm_app.demo.generate import generate

    generate(demo)
    repo = small_repo(work)
    folders = {str(demo): "<demo>", str(repo): "<repo>"}
    docs: dict[str, Any] = {}

    def cli_json(name: str, *args: str) -> None:
        code, out, err = run_cli(*args)
        if code != 0:
            raise RuntimeError(f"{name}: exit {code}: {err}")
        docs[name] = normalise(json.loads(out), folders)

    project = str(demo / "demo.vsm")
    cli_json("analyze_sample", "analyze", project, "--json")
    cli_json("analyze_sample_month_window", "analyze", project, "--json", "--period", "month",
             "--since", "2025-06-01", "--until", "2025-12-31")
    cli_json("analyze_repo", "analyze", "--repo", str(repo), "--json")
    cli_json("metrics_sample", "metrics", project, "--json")
    cli_json("forecast_sample_items", "forecast", project, "--items", "30", "--json",
             "--sample-since", "2026-06-01")
    cli_json("forecast_sample_by", "forecast", project, "--by", "2026-12-31", "--json",
             "--trials", "2000", "--seed", "7")

    from vsm_app.analysis.engine import analyze
    from vsm_app.domain.tables import Tables

    docs["analyze_no_data"] = analyze(Tables(), None).to_json()
    return docs


def write(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vsm-golden-") as tmp:
        docs = documents(Path(tmp).resolve())
    for name, doc in docs.items():
        (folder / f"{name}.json").write_text(json.dumps(doc, indent=2) + "\n", "utf-8")
        print(f"wrote {folder / name}.json", file=sys.stderr)


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/golden"))
