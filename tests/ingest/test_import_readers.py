"""Timestamps to UTC and the streaming JSON/CSV readers, on small hand-made inputs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vsm_app.ingest.errors import ImportProblem
from vsm_app.ingest.jsonload import CsvRecords, JsonRecords
from vsm_app.ingest.timestamps import to_utc
from vsm_app.work import Cancelled

HANDMADE = Path(__file__).parent.parent / "fixtures" / "formats" / "handmade"
FORMATS = HANDMADE.parent


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


# -- to_utc -------------------------------------------------------------------------------

def test_to_utc_mixed_sources() -> None:
    out = to_utc(["2022-06-27T01:29:54Z", "2023-02-17T17:03:46.000+01:00",
                  "2022-11-03T06:23:06.000000Z", 1711277551963, "1711277551963", None, "",
                  "0001-01-01T00:00:00Z", float("nan"), "2022-01-27 10:07:09 UTC"], field="t")
    assert str(out.dtype) == "datetime64[ns, UTC]"
    assert out.tolist()[:5] == [utc("2022-06-27 01:29:54"), utc("2023-02-17 16:03:46"),
                                utc("2022-11-03 06:23:06"), utc("2024-03-24 10:52:31.963"),
                                utc("2024-03-24 10:52:31.963")]
    assert out.iloc[5:9].isna().all()
    assert out.iloc[9] == utc("2022-01-27 10:07:09")


def test_to_utc_epoch_seconds_and_explicit_unit() -> None:
    assert to_utc([1662651634], field="t").iloc[0] == utc("2022-09-08 15:40:34")
    assert to_utc([1662651634424], field="t").iloc[0] == utc("2022-09-08 15:40:34.424")
    assert to_utc([5], field="t", epoch_unit="ms").iloc[0] == utc("1970-01-01 00:00:00.005")


def test_naive_time_needs_a_zone() -> None:
    with pytest.raises(ImportProblem) as err:
        to_utc(["2023-05-31T10:05:00Z", "2023-05-31T10:05:00"], field="created_at",
               path="/x/incidents.json")
    assert str(err.value) == ('incidents.json: record 2, field "created_at": no time zone in '
                              '"2023-05-31T10:05:00": set a default time zone to read '
                              'timestamps without one')
    # the project's default zone, or the zone named by the source, reads it
    assert to_utc(["2023-05-31T10:05:00"], field="t", default_tz="Europe/Paris").iloc[0] == \
        utc("2023-05-31 08:05:00")
    assert to_utc(["2023-01-31T10:05:00", "2023-01-31T10:05:00"], field="t",
                  tz=["America/New_York", "Asia/Tokyo"]).tolist() == [
        utc("2023-01-31 15:05:00"), utc("2023-01-31 01:05:00")]


def test_dst_gaps_and_repeats() -> None:
    out = to_utc(["2023-03-26T02:30:00", "2023-10-29T02:30:00"], field="t", tz="Europe/Paris")
    # 02:30 does not exist on 26 March: moved to 03:00 CEST; on 29 October it is read as
    # its first occurrence (CEST, UTC+2)
    assert out.tolist() == [utc("2023-03-26 01:00:00"), utc("2023-10-29 00:30:00")]


def test_not_a_timestamp_message() -> None:
    with pytest.raises(ImportProblem) as err:
        to_utc(["2024-01-01T00:00:00Z", "yesterday", True, "never"], field="created_at",
               path="/data/ci.json", records=[1, 17, 18, 19], lines=[2, 40, 41, 42])
    assert str(err.value) == ('ci.json: line 40, record 17, field "created_at": not a '
                              'timestamp ("yesterday") (and 2 more records)')
    assert (err.value.record, err.value.line, err.value.field) == (17, 40, "created_at")


def test_words_are_not_dates() -> None:
    for word in ("now", "today", "5 March"):
        with pytest.raises(ImportProblem, match="not a timestamp"):
            to_utc([word], field="t", default_tz="UTC")
    assert to_utc(["Tue, 26 Nov 2024 10:00:00 +0000"], field="t").iloc[0] == \
        utc("2024-11-26 10:00:00")


def test_unknown_zone() -> None:
    with pytest.raises(ImportProblem, match="unknown time zone"):
        to_utc(["2023-05-31T10:05:00"], field="t", tz="Mars/Olympus")


@settings(max_examples=60, deadline=None)
@given(st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1)),
       st.integers(min_value=-12 * 60, max_value=14 * 60),
       st.sampled_from(["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f"]))
def test_offsets_round_trip(when: dt.datetime, offset_min: int, fmt: str) -> None:
    tz = dt.timezone(dt.timedelta(minutes=offset_min))
    aware = when.replace(tzinfo=tz)
    text = aware.strftime(fmt) + aware.strftime("%z")[:3] + ":" + aware.strftime("%z")[3:]
    got = to_utc([text], field="t").iloc[0]
    expected = pd.Timestamp(aware).tz_convert("UTC")
    if fmt.endswith("%S"):
        expected = expected.floor("s")
    assert got == expected


# -- JSON shapes --------------------------------------------------------------------------

def ids(path: Path) -> list[object]:
    return [r["id"] for r in JsonRecords(path)]


@pytest.mark.parametrize("name", ["runs_paginated.json", "runs.ndjson", "runs_slurp.json"])
def test_paginate_ndjson_and_slurp_give_the_same_records(name: str) -> None:
    assert ids(HANDMADE / name) == [101, 102, 103]


@pytest.mark.parametrize("chunk", [1, 2, 7, 64, 1 << 20])
@pytest.mark.parametrize("name", ["github_actions_runs.devlake.json",
                                  "jenkins_job_builds.devlake.json",
                                  "github_actions_run_rerun_attempt.pygithub.json",
                                  "handmade/runs_paginated.json", "handmade/runs.ndjson",
                                  "handmade/runs_slurp.json",
                                  "pagerduty_analytics_raw_incidents.official_example.json"])
def test_streaming_is_independent_of_chunk_boundaries(name: str, chunk: int) -> None:
    def read(chunk_size: int) -> list[tuple[object, int, int, int]]:
        reader = JsonRecords(FORMATS / name, chunk_size=chunk_size)
        return [(rec, reader.record, reader.line, reader.page) for rec in reader]

    assert read(chunk) == read(1 << 20)


def test_wrapper_keys_after_the_list_are_kept() -> None:
    reader = JsonRecords(FORMATS / "pagerduty_analytics_raw_incidents.official_example.json",
                         chunk_size=16)
    records = list(reader)
    assert len(records) == 1 and reader.page == 0
    assert reader.pages[0]["time_zone"] == "Etc/UTC"
    assert reader.list_keys == ["data"]


def test_record_numbers_and_lines() -> None:
    reader = JsonRecords(HANDMADE / "runs.ndjson")
    seen = [(reader.record, reader.line) for _ in reader]
    assert seen == [(1, 1), (2, 2), (3, 4)]  # line 3 is blank


def test_lines_stay_right_across_buffer_refills(tmp_path: Path) -> None:
    f = tmp_path / "runs.json"
    body = ",\n".join(json.dumps({"id": i, "pad": "y" * (i % 50)}) for i in range(500))
    f.write_text('{"total_count": 500,\n "workflow_runs": [\n' + body + "\n]}\n")
    reader = JsonRecords(f, chunk_size=256)
    seen = [(rec["id"], reader.line) for rec in reader]
    assert seen == [(i, i + 3) for i in range(500)]


def test_truncated_json_names_file_line_and_record() -> None:
    with pytest.raises(ImportProblem) as err:
        list(JsonRecords(HANDMADE / "truncated_runs.json"))
    # the file is the DevLake runs page cut after 3000 bytes, inside line 94 (record 2)
    assert str(err.value) == ("truncated_runs.json: line 94, record 2: the file ends in the "
                              "middle of a record (truncated JSON?)")


def test_invalid_json_between_records(tmp_path: Path) -> None:
    f = tmp_path / "bad.json"
    f.write_text('[{"id": 1},\n{"id": 2} {"id": 3}]')
    with pytest.raises(ImportProblem) as err:
        list(JsonRecords(f))
    assert str(err.value) == ("bad.json: line 2, record 3: invalid JSON: expected ',' or ']' "
                              "in an array, found '{'")


def test_progress_by_bytes_and_cancel(tmp_path: Path) -> None:
    f = tmp_path / "many.ndjson"
    f.write_text("".join(json.dumps({"id": i, "pad": "x" * 100}) + "\n" for i in range(2000)))
    seen: list[float] = []
    n = sum(1 for _ in JsonRecords(f, chunk_size=4096,
                                   progress=lambda frac, msg: seen.append(frac)))
    assert n == 2000
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 10
    calls = iter(range(1000))
    with pytest.raises(Cancelled):
        for _ in JsonRecords(f, chunk_size=4096, cancelled=lambda: next(calls) >= 3):
            pass


def test_csv_headers_are_case_insensitive_and_lines_known() -> None:
    reader = CsvRecords(HANDMADE / "deployments_b.csv")  # ';' separated
    rows = list(reader)
    assert reader.header == ["deployment_id", "sha", "environment", "started_at",
                             "finished_at", "status"]
    assert rows[0]["deployment_id"] == "D2" and reader.line == 4
    a = list(CsvRecords(HANDMADE / "deployments_a.csv"))
    assert set(a[0]) == {"deployment_id", "sha", "environment", "started_at", "finished_at",
                         "status"}
