"""Benchmark: load, metrics and export of a 100,000-stage / 150,000-flow project (issue 14).

    python benchmarks/bench_project_load.py [--stages N] [--flows M] [--repeat K]

Writes the project (a 400-column grid, a chain of push flows plus forward skip flows, every
stage with estimates) to a temporary folder, then prints the best of ``--repeat`` runs of

* ``load_project`` (parse, validate, build the model; target ≤ 5 s);
* the classic metrics of the map as ``metrics --json`` prints them (target ≤ 5 s);
* ``vsm-app metrics P.vsm --json`` end to end, interpreter start-up included;
* map exports: SVG and PDF (every stage and flow) and a 4000 px PNG (target ≤ 5 s each);
* a project save;

and the old way of adding a flow — scanning every flow for one between the same stages —
against the index that replaced it, on growing flow counts: the ratio, and the old time at
the full size from its quadratic fit.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vsm_app.domain import classic  # noqa: E402
from vsm_app.domain.model import Flow, Stage, ValueStreamMap  # noqa: E402
from vsm_app.storage.project_file import load_project, save_project  # noqa: E402

TARGET_S = 5.0


def build_document(n_stages: int, n_flows: int, columns: int = 400) -> dict[str, Any]:
    stages = [{"id": f"stage-{i:07d}", "name": f"Stage {i}",
               "x": (i % columns) * 240.0, "y": (i // columns) * 200.0,
               "estimates": {"process_time_s": 60.0 * (1 + i % 7),
                             "wait_time_s": 300.0 * (1 + i % 5)}} for i in range(n_stages)]
    flows: list[dict[str, str]] = []
    skip = 1
    while len(flows) < n_flows and skip < n_stages:
        for i in range(n_stages - skip):
            if len(flows) >= n_flows:
                break
            flows.append({"id": f"flow-{len(flows):07d}", "source": f"stage-{i:07d}",
                          "target": f"stage-{i + skip:07d}", "kind": "push"})
        skip += 1
    return {"format": "vsm-project", "version": 1, "name": "Big", "settings": {},
            "maps": [{"id": "map-1", "name": "Big", "kind": "current",
                      "settings": {"demand_per_day": 100}, "stages": stages, "flows": flows}]}


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def old_add_flows(m: ValueStreamMap, flows: list[Flow]) -> None:
    """The method before issue 14: every flow added scans every flow already there."""
    kept: list[Flow] = []
    for flow in flows:
        for f in kept:
            if f.source == flow.source and f.target == flow.target:
                raise ValueError("already connected")
        kept.append(flow)
        m._flows[flow.id] = flow  # noqa: SLF001 - the benchmark rebuilds the old loop


def new_add_flows(m: ValueStreamMap, flows: list[Flow]) -> None:
    for flow in flows:
        m.add_flow(flow)


def flows_for(n: int) -> tuple[ValueStreamMap, list[Flow]]:
    m = ValueStreamMap("m")
    stages = [m.add_stage(Stage(f"s{i}", id=f"s{i}")) for i in range(n + 2)]
    flows = [Flow(stages[i].id, stages[i + 1].id) for i in range(n)]
    return m, flows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stages", type=int, default=100_000)
    ap.add_argument("--flows", type=int, default=150_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="bench-project-"))
    path = work / "big.vsm"
    path.write_text(json.dumps(build_document(args.stages, args.flows)), encoding="utf-8")
    print(f"project: {args.stages:,} stages, {args.flows:,} flows, "
          f"{path.stat().st_size / 2**20:.1f} MiB, {os.cpu_count()} CPUs\n")
    rows: list[tuple[str, float, str]] = []

    t_load, project = best(lambda: load_project(path), args.repeat)
    rows.append(("load_project", t_load, f"target ≤ {TARGET_S:g} s"))
    vsm_map = project.maps[0]
    assert len(vsm_map.stages) == args.stages and len(vsm_map.flows) == args.flows

    def metrics() -> str:
        return json.dumps({"maps": [classic.to_json(classic.compute(vsm_map))]})

    t_metrics, doc = best(metrics, args.repeat)
    path_len = len(classic.compute(vsm_map).main_path)
    rows.append(("classic metrics → JSON", t_metrics,
                 f"target ≤ {TARGET_S:g} s; main path {path_len:,} stages"))

    def cli() -> None:
        r = subprocess.run([sys.executable, "-m", "vsm_app", "metrics", str(path), "--json"],
                           capture_output=True, text=True, cwd=ROOT)
        assert r.returncode == 0, r.stderr

    t_cli, _ = best(cli, 1)
    rows.append(("`vsm-app metrics P.vsm --json` (whole process)", t_cli,
                 "start-up + load + metrics"))

    from vsm_app.exporting import ensure_gui_application

    ensure_gui_application()
    from vsm_app.ui.export import export_map_image, export_maps_pdf

    for suffix, fn in (
            (".svg", lambda p: export_map_image(project, vsm_map, p)),
            (".pdf", lambda p: export_maps_pdf(project, [vsm_map], p)),
            (".png", lambda p: export_map_image(project, vsm_map, p, width_px=4000))):
        out = work / f"map{suffix}"
        t, _ = best(lambda out=out, fn=fn: fn(out), args.repeat)
        rows.append((f"export {suffix[1:].upper()}", t,
                     f"target ≤ {TARGET_S:g} s; {out.stat().st_size / 2**20:.1f} MiB"))
    t_save, _ = best(lambda: save_project(project, work / "saved.vsm"), args.repeat)
    rows.append(("save_project", t_save, ""))

    for name, t, note in rows:
        flag = "" if "target" not in note or t <= TARGET_S else "  ** over target **"
        print(f"{name:<50} {t:8.3f} s  {note}{flag}")

    print("\nadding flows: old scan of every flow vs the (source, target) index")
    sizes = [5_000, 10_000, 20_000]
    old_times = []
    for n in sizes:
        t_old, _ = best(lambda n=n: old_add_flows(*flows_for(n)), 1)
        t_new, _ = best(lambda n=n: new_add_flows(*flows_for(n)), 1)
        old_times.append(t_old)
        print(f"  {n:>7,} flows: old {t_old:7.3f} s, new {t_new:6.3f} s, "
              f"{t_old / t_new:6.0f}× faster")
    # quadratic fit through the largest size: old(n) ≈ old(n0) · (n / n0)²
    scale = (args.flows / sizes[-1]) ** 2
    print(f"  old method at {args.flows:,} flows ≈ {old_times[-1] * scale:,.0f} s "
          f"(quadratic fit); the project's whole load now {t_load:.2f} s")
    bad = [name for name, t, note in rows if "target" in note and t > TARGET_S]
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
