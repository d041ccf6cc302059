"""Dashboard charts benchmark (issue 7 item 6): redraw time and pan/zoom smoothness.

(a) The demo project: time from ``controller.result_changed`` to every chart redrawn, for a
    window change (the usual case: values, bands, waterfall and the window region; trends
    kept) and for a full redraw (new data or period: every trend series too); "update" is the
    ``setData`` work, "render" adds painting the four dashboard docks offscreen (``grab()``).
    Target: overlay + charts < 300 ms; this measures the charts' part.
(b) Five years of daily points (1,826 periods; stage, DORA and flow frames synthesised with the
    engine's columns, checked against a real result): full redraw time, then the mean frame
    time of a scripted zoom (5 years → 30 days) and pan over all the charts, each frame
    rendered synchronously. Target: smooth, i.e. frames well under 50 ms (20 fps).

Run: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_charts.py [--frames N]``
(prepares the sample project in ``benchmarks/out/sample`` on its first run).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")
os.environ.setdefault("VSM_APP_HOME", tempfile.mkdtemp(prefix="vsm-bench-"))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from PySide6.QtCore import QCoreApplication, Qt  # noqa: E402
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow  # noqa: E402

from vsm_app.analysis.engine import AnalysisOptions, AnalysisResult, analyze_window, prepare  # noqa: E402,E501
from vsm_app.demo import sample  # noqa: E402
from vsm_app.pipeline import ingest, inputs_from_project  # noqa: E402
from vsm_app.storage.project_file import load_project  # noqa: E402

#: the sample project with its generated data, kept between runs of the benchmarks
DEMO_DIR = Path(__file__).resolve().parent / "out" / "sample"

DAY_NS = 86_400 * 1_000_000_000
SIZES = {"constraint": (1500, 560), "dora": (1500, 620), "flow": (1500, 660),
         "stage_detail": (1100, 500)}


class BenchWindow(QMainWindow):
    """The smallest window install_dashboards needs: ``add_dock``."""

    def add_dock(self, dock: QDockWidget, area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea,
                 tabify_with: QDockWidget | None = None) -> QDockWidget:
        self.addDockWidget(area, dock)
        if tabify_with is not None:
            self.tabifyDockWidget(tabify_with, dock)
        return dock


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def summary(name: str, values: list[float]) -> str:
    return (f"{name:<58} median {ms(statistics.median(values))}   max {ms(max(values))}"
            f"   (n={len(values)})")


# -- (a) the demo project ---------------------------------------------------------------------

def demo_results() -> tuple[Any, Any, list[AnalysisResult], AnalysisResult]:
    project = load_project(sample.prepare(DEMO_DIR))
    inputs = inputs_from_project(project)
    tables, _errors = ingest(inputs, None, None)
    envs = tuple(project.settings.production_environments)
    prepared = prepare(tables, project.maps[0], envs)
    base = AnalysisOptions(production_environments=envs)
    whole = analyze_window(prepared, base)
    lo = pd.Timestamp(whole.window[0], tz="UTC")
    windows = []
    for k in range(12):  # quarter-long windows sliding by a month
        since = lo + pd.Timedelta(days=30 * k)
        windows.append(analyze_window(prepared, replace(base, since=since,
                                                        until=since + pd.Timedelta(days=91))))
    return project, prepared, windows, whole


def size_panels(dash: Any) -> None:
    """Each dashboard at a projector-like size, rendered offscreen by ``grab()`` only (never
    shown, so no second paint through the event loop)."""
    for name, dock in dash.docks.items():
        dash.panel(name)  # DORA and flow are otherwise built when their tab first shows
        dock.widget().resize(*SIZES[name])


def render_all(dash: Any) -> None:
    """Paint the four dashboards, as a screen showing them all at once would."""
    for dock in dash.docks.values():
        dock.widget().grab()


def bench_demo(app: QApplication) -> None:
    from vsm_app.ui.docks.dashboards import install_dashboards
    from vsm_app.ui.measure import MeasuredData, MeasurementController

    project, prepared, windows, whole = demo_results()
    win = BenchWindow()
    win.resize(1920, 1080)
    controller = MeasurementController(win)
    controller.set_project(project)
    controller.data = MeasuredData(None, prepared)  # type: ignore[arg-type]
    dash = install_dashboards(win, controller)
    size_panels(dash)
    controller.result_changed.emit(whole)  # first paint: context = the whole extent
    app.processEvents()
    render_all(dash)
    n_points = sum(len(s.x) for c in dash.charts() for s in c.series.values())

    upd, ren = [], []
    for r in windows:
        controller.since = pd.Timestamp(r.window[0], tz="UTC")
        controller.until = pd.Timestamp(r.window[1], tz="UTC")
        t0 = time.perf_counter()
        controller.window_changed.emit(controller.since, controller.until)
        controller.result_changed.emit(r)
        t1 = time.perf_counter()
        app.processEvents()
        render_all(dash)
        t2 = time.perf_counter()
        upd.append(t1 - t0)
        ren.append(t2 - t0)
    dash.wiring.wait()
    full_u, full_r = [], []
    for i in range(8):  # new data / period: every trend series redrawn
        r = whole if i % 2 == 0 else windows[i]
        t0 = time.perf_counter()
        dash.set_result(r, context=r)
        t1 = time.perf_counter()
        app.processEvents()
        render_all(dash)
        t2 = time.perf_counter()
        full_u.append(t1 - t0)
        full_r.append(t2 - t0)
    print(f"(a) demo project: {len(whole.periods)} weekly periods, {len(whole.wip_daily)} days, "
          f"{len(dash.charts())} charts, {n_points:,} points drawn")
    print(summary("window change → charts updated (setData)", upd))
    print(summary("window change → charts updated + 4 docks rendered", ren))
    print(summary("full redraw (new data/period) → updated (setData)", full_u))
    print(summary("full redraw (new data/period) → updated + 4 docks rendered", full_r))
    verdict = "OK" if statistics.median(ren) < 0.3 else "OVER"
    print(f"    target: overlay + charts < 300 ms → charts part {verdict} "
          f"(leaves {ms(0.3 - statistics.median(ren)).strip()} for the overlay)")
    win.close()


# -- (b) five years of daily points -----------------------------------------------------------

def synthesize(template: AnalysisResult, days: int = 1826, seed: int = 3) -> AnalysisResult:
    """An AnalysisResult with ``days`` daily periods and the engine's columns."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2021-01-04", tz="UTC")
    stamps = pd.date_range(start, periods=days, freq="D", tz="UTC")
    idx = pd.Index(stamps, name="period")
    n = days
    periods = pd.DataFrame({"start": stamps, "end": stamps + pd.Timedelta(days=1),
                            "label": stamps.strftime("%Y-%m-%d"), "days": 1.0}, index=idx)
    velocity = rng.poisson(6, n)
    shares = rng.dirichlet([4, 2, 2, 1], n)
    ft = rng.lognormal(np.log(3 * 86400), 0.4, n)
    flow = pd.DataFrame({
        "velocity": velocity, "velocity_per_week": velocity * 7.0,
        "flow_time_median_s": ft, "flow_time_p85_s": ft * 1.9, "flow_time_mean_s": ft * 1.2,
        "flow_time_n": velocity, "load_mean": rng.normal(12, 3, n),
        "efficiency": rng.uniform(0.1, 0.4, n), "efficiency_n": velocity,
        "share_feature": shares[:, 0], "share_defect": shares[:, 1],
        "share_debt": shares[:, 2], "share_risk": shares[:, 3]}, index=idx)
    deps = rng.poisson(1.2, n)
    failed = rng.binomial(deps, 0.12)
    rework = rng.binomial(deps, 0.05)
    runs = deps + rng.poisson(0.2, n)
    fruns = rng.binomial(runs, 0.05)
    with np.errstate(invalid="ignore", divide="ignore"):
        dora = pd.DataFrame({
            "deployments": deps, "deployments_per_week": deps * 7.0,
            "deployment_days": (deps > 0).astype(int),
            "deployment_days_per_week": (deps > 0) * 7.0,
            "lead_time_median_s": ft, "lead_time_p85_s": ft * 1.9, "lead_time_n": velocity,
            "failed_deployments": failed, "change_failure_rate": failed / np.maximum(deps, 1),
            "recovery_time_median_s": np.where(failed > 0, rng.lognormal(np.log(7200), 0.5, n),
                                               np.nan),
            "recoveries": failed, "rework_deployments": rework,
            "rework_rate": rework / np.maximum(deps, 1), "deploy_runs": runs,
            "failed_deploy_runs": fruns, "pipeline_failure_rate": fruns / np.maximum(runs, 1)},
            index=idx)
    stages = [s["name"] for s in template.stages]
    rows = []
    for s_i, name in enumerate(stages):
        for kind in ("wait", "active"):
            med = rng.lognormal(np.log(3600 * (s_i + 1)), 0.5, n)
            rows.append(pd.DataFrame({
                "period": stamps, "stage": name, "kind": kind, "count": velocity,
                "missing": 0, "negative": 0, "median_s": med, "p85_s": med * 2.0,
                "mean_s": med * 1.2, "sum_s": med * velocity, "share": 0.2,
                "wait_share": 0.2 if kind == "wait" else np.nan,
                "active_share": 0.2 if kind == "active" else np.nan}))
    sbp = pd.concat(rows, ignore_index=True)
    wip = pd.Series(rng.poisson(12, n), index=pd.DatetimeIndex(stamps), name="load")
    constraint = pd.Series(np.where(np.arange(n) < n // 2, stages[-1], stages[1]), index=idx,
                           dtype=object)
    for name, frame, ref in (("flow_by_period", flow, template.flow_by_period),
                             ("dora_by_period", dora, template.dora_by_period),
                             ("stages_by_period", sbp, template.stages_by_period),
                             ("periods", periods, template.periods)):
        if list(frame.columns) != list(ref.columns):
            raise SystemExit(f"synthetic {name} columns differ from the engine's: "
                             f"{list(frame.columns)} vs {list(ref.columns)}")
    window = (stamps[0].value, stamps[-1].value + DAY_NS)
    return AnalysisResult(
        options=replace(template.options, period="day", since=None, until=None),
        window=window, changes=int(velocity.sum()), deployments=int(deps.sum()),
        dora=template.dora, flow=template.flow, stages=template.stages,
        bottleneck=template.bottleneck, data_quality={}, sources=[],
        periods=periods, flow_by_period=flow, dora_by_period=dora, stages_by_period=sbp,
        stage_summary=template.stage_summary, wip_daily=wip, weekly=pd.DataFrame(),
        constraint_by_period=constraint)


def bench_five_years(app: QApplication, frames: int) -> None:
    from vsm_app.ui.docks.dashboards import Dashboards

    _project, _prepared, _windows, whole = demo_results()
    big = [synthesize(whole, seed=s) for s in (3, 4)]
    dash = Dashboards()
    dash.stage_detail.set_map(_project.maps[0])
    size_panels(dash)
    dash.set_result(big[0], context=big[0])
    app.processEvents()
    render_all(dash)
    redraw = []
    for i in range(6):
        r = big[(i + 1) % 2]
        t0 = time.perf_counter()
        dash.set_result(r, context=r)
        app.processEvents()
        render_all(dash)
        redraw.append(time.perf_counter() - t0)
    # scripted view changes: zoom from five years to 30 days around the middle, then pan
    lo, hi = big[0].window[0] / 1e9, big[0].window[1] / 1e9
    mid = (lo + hi) / 2
    zoom_steps = frames // 2
    ranges = []
    for k in range(zoom_steps):
        half = (hi - lo) / 2 * (30 / 1826) ** (k / max(zoom_steps - 1, 1))
        ranges.append((mid - half, mid + half))
    half = 15 * 86400
    for k in range(frames - zoom_steps):
        c = mid + (hi - lo) * 0.4 * k / max(frames - zoom_steps - 1, 1)
        ranges.append((c - half, c + half))
    vb = dash.master.plotItem.getViewBox()
    times = []
    per_dock: dict[str, list[float]] = {name: [] for name in dash.docks}
    for a, b in ranges:
        t0 = time.perf_counter()
        vb.setXRange(a, b, padding=0)  # every linked chart follows
        app.processEvents()
        t1 = time.perf_counter()
        for name, dock in dash.docks.items():
            d0 = time.perf_counter()
            dock.widget().grab()
            per_dock[name].append(time.perf_counter() - d0 + (t1 - t0) / len(dash.docks))
        times.append(time.perf_counter() - t0)
    n_points = sum(len(s.x) for c in dash.charts() for s in c.series.values())
    print(f"(b) five years daily: {len(big[0].periods)} periods, {len(dash.charts())} charts, "
          f"{n_points:,} points")
    print(summary("full redraw + 4 docks rendered", redraw))
    mean = statistics.mean(times)
    print(f"{'pan/zoom frame (x range set, all 4 docks rendered)':<58} mean   {ms(mean)}   "
          f"p95 {ms(sorted(times)[int(0.95 * (len(times) - 1))])}   max {ms(max(times))}"
          f"   ({len(times)} frames, {1 / mean:.0f} fps)")
    print("    per dock (its charts rendered + its share of the range update): " + ", ".join(
        f"{name} {ms(statistics.mean(v)).strip()}" for name, v in per_dock.items()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--frames", type=int, default=60)
    args = ap.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    QCoreApplication.setOrganizationName("vsm-app-bench")
    QCoreApplication.setApplicationName("vsm-app-bench")
    bench_demo(app)
    bench_five_years(app, args.frames)
    return 0


if __name__ == "__main__":
    sys.exit(main())
