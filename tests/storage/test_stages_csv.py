from pathlib import Path

import pytest

from vsm_app.domain import classic
from vsm_app.storage.stages_csv import CsvError, read_stages_csv


def write(tmp_path: Path, text: str, *, bom: bool = False, name: str = "s.csv") -> Path:
    p = tmp_path / name
    p.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return p


def test_bom_semicolons_blank_cells_extra_columns(tmp_path: Path) -> None:
    p = write(tmp_path, "Name;Process_Time;Wait_Time;PCA;People;Colour\n"
                        "Code;60 min;3h;90%;2;red\n"
                        ";;;;;\n"
                        "Review;30min;;0.95;;\n", bom=True)
    r = read_stages_csv(p)
    assert [s.name for s in r.vsm_map.stages] == ["Code", "Review"]
    code, review = r.vsm_map.stages
    assert code.estimates.process_time_s == 3600 and code.estimates.wait_time_s == 3 * 3600
    assert code.estimates.pca == pytest.approx(0.90) and code.people == 2
    assert review.estimates.wait_time_s is None and review.estimates.pca == pytest.approx(0.95)
    assert len(r.vsm_map.flows) == 1 and r.vsm_map.flows[0].source == code.id
    assert any('"Colour"' in w for w in r.warnings)


def test_only_name_required(tmp_path: Path) -> None:
    r = read_stages_csv(write(tmp_path, "name\nA\nB\nC\n"))
    assert len(r.vsm_map.stages) == 3 and r.warnings == []


def test_bad_duration_names_file_line_and_column(tmp_path: Path) -> None:
    p = write(tmp_path, "name,process_time,wait_time\nA,1h,2h\nB,ten minutes,1h\n")
    with pytest.raises(CsvError) as e:
        read_stages_csv(p)
    msg = str(e.value)
    assert msg.startswith(f"{p}:3:") and '"process_time"' in msg


@pytest.mark.parametrize(("text", "column"), [
    ("name,pca\nA,150%\n", "pca"),
    ("name,inventory\nA,lots\n", "inventory"),
    ("name,people\nA,2.5\n", "people"),
    ("name,process_time\n,1h\n", "name"),
])
def test_bad_cells(tmp_path: Path, text: str, column: str) -> None:
    with pytest.raises(CsvError) as e:
        read_stages_csv(write(tmp_path, text))
    assert f'"{column}"' in str(e.value) and ":2:" in str(e.value)


def test_missing_name_column_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(CsvError, match="no 'name' column"):
        read_stages_csv(write(tmp_path, "stage,process_time\nA,1h\n"))
    with pytest.raises(CsvError, match="empty"):
        read_stages_csv(write(tmp_path, "", name="e.csv"))


def test_textbook_numbers_from_csv(tmp_path: Path) -> None:
    p = write(tmp_path, "name,process_time,wait_time,pca\n"
                        "A,60 min,180 min,90%\nB,30 min,90 min,95%\nC,15 min,45 min,85%\n")
    r = classic.compute(read_stages_csv(p).vsm_map)
    assert r.lead_time_s == 420 * 60 and r.process_time_s == 105 * 60
    assert r.activity_ratio == pytest.approx(0.25) and r.rolled_pca == pytest.approx(0.72675)
