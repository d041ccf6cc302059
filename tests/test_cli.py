"""The command-line contract, run as a user would: a subprocess, its exit code and output."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def vsm(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "vsm_app", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_new_then_metrics_json(tmp_path: Path) -> None:
    r = vsm("new", "--template", "software-delivery", "--out", "p.vsm", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    r = vsm("metrics", "p.vsm", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    (m,) = out["maps"]
    assert [s["name"] for s in m["stages"]] == ["Coding", "Review", "Merge", "CI", "Release"]
    # template estimates: PT 6h, 1h, 15min, 30min, 30min; waits 4h, 8h, 2h, 15min, 48h
    assert m["process_time_s"] == (6 + 1 + 0.25 + 0.5 + 0.5) * 3600
    assert m["lead_time_s"] == m["process_time_s"] + (4 + 8 + 2 + 0.25 + 48) * 3600


def test_import_stages_textbook_example(tmp_path: Path) -> None:
    (tmp_path / "s.csv").write_text(
        "\ufeffname;process_time;wait_time;pca;owner_colour\n"
        "A;60 min;3h;90%;x\nB;30 min;90 min;95%;\nC;15 min;45 min;85%;\n", encoding="utf-8")
    r = vsm("import-stages", "s.csv", "--out", "p.vsm", "--demand-per-day", "460",
            "--available-time", "7h 40min", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "owner_colour" in r.stderr  # extra column → warning
    m = json.loads(vsm("metrics", "p.vsm", "--json", cwd=tmp_path).stdout)["maps"][0]
    assert m["lead_time_s"] == 420 * 60
    assert m["process_time_s"] == 105 * 60
    assert m["activity_ratio"] == pytest.approx(0.25)
    assert m["rolled_pca"] == pytest.approx(0.72675)
    assert m["takt_time_s"] == pytest.approx((7 * 3600 + 40 * 60) / 460)  # 60 s
    assert m["capacity_bottleneck"] == "A"  # 3600 s > 60 s takt, the largest PT
    # the text for people: the same figures, written as every screen writes them
    text = vsm("metrics", "p.vsm", cwd=tmp_path).stdout.strip()
    assert text == ("Current state: lead time 7h, process time 1h 45 min, activity ratio 25.0 %, "
                    "rolled %C&A 72.7 %")


@pytest.mark.parametrize(("args", "files", "needle"), [
    (["import-stages", "s.csv", "--out", "p.vsm"], {"s.csv": "name,wait_time\nA,soon\n"},
     "s.csv:2: column \"wait_time\""),
    (["metrics", "broken.vsm", "--json"], {"broken.vsm": "{\"format\": \"vsm-project\""},
     "broken.vsm"),
    (["metrics", "missing.vsm"], {}, "missing.vsm: no such file"),
    (["import-stages", "s.csv", "--out", "p.vsm", "--day-length", "25h"],
     {"s.csv": "name\nA\n"}, "--day-length"),
    (["new", "--template", "kanban", "--out", "p.vsm"], {}, "unknown template"),
])
def test_bad_input_exit_2_one_line_no_traceback(tmp_path: Path, args, files, needle) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    r = vsm(*args, cwd=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert needle in r.stderr
    assert "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_metrics_reports_lt_below_pt_naming_stage(tmp_path: Path) -> None:
    (tmp_path / "s.csv").write_text("name,process_time,lead_time\nDeploy,2h,1h\n")
    assert vsm("import-stages", "s.csv", "--out", "p.vsm", cwd=tmp_path).returncode == 0
    r = vsm("metrics", "p.vsm", "--json", cwd=tmp_path)
    assert r.returncode == 2 and "'Deploy'" in r.stderr


def test_main_py_and_module_agree(tmp_path: Path) -> None:
    a = subprocess.run([sys.executable, str(ROOT / "main.py"), "new", "--out", "a.vsm"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert a.returncode == 0, a.stderr
    b = vsm("metrics", "a.vsm", "--json", cwd=tmp_path)
    assert b.returncode == 0 and json.loads(b.stdout)["maps"][0]["name"] == "Current state"
