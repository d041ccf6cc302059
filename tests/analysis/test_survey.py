"""SPACE pulse import: team means by hand, the minimum group size, no identities kept."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from vsm_app.analysis.privacy import assert_no_identities
from vsm_app.analysis.survey import (
    MIN_GROUP_SIZE,
    SurveyCsvError,
    SurveyImportWarning,
    ai_check_frame,
    import_survey_csv,
    merge_rounds,
    read_survey_csv,
    survey_frame,
    visible_rounds,
)
from vsm_app.domain import improvement as imp
from vsm_app.domain.improvement import AiCapabilityCheck, SurveyRound
from vsm_app.domain.model import Project
from vsm_app.storage.project_file import dumps

PULSE = """\
Period,SATISFACTION,Performance,collaboration,Efficiency,Comment,Name,Email
2025-W02,4,3,5,2,"Reviews wait, again",Ann Able,ann@example.com
2025-W02,2,3,,4,,Bob Baker,bob@example.com
2025-W02,3,3,4,3,"More focus time
please",Cy Cole,cy@example.com
2025-W03,5,5,5,5,Great week,Dee Dunn,dee@example.com
2025-W03,4,4,4,4,,Eve East,eve@example.com
"""
PEOPLE = ["Ann Able", "ann@example.com", "Bob Baker", "bob@example.com", "Cy Cole",
          "cy@example.com", "Dee Dunn", "dee@example.com", "Eve East", "eve@example.com"]


def write(tmp_path: Path, text: str, name: str = "pulse.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_team_means_and_min_group_size(tmp_path: Path) -> None:
    with pytest.warns(SurveyImportWarning) as caught:
        rounds = import_survey_csv(write(tmp_path, PULSE))
    w02, w03 = rounds
    # W02, 3 responses: satisfaction (4 + 2 + 3) / 3 = 3, performance 3, efficiency
    # (2 + 4 + 3) / 3 = 3; collaboration answered by 2 only → no mean
    assert (w02.period, w02.n_responses) == ("2025-W02", 3)
    assert w02.satisfaction_wellbeing == 3.0 and w02.performance == 3.0
    assert w02.efficiency_flow == 3.0 and w02.communication_collaboration is None
    assert w02.comments == ["More focus time\nplease", "Reviews wait, again"]
    # W03, 2 responses: nothing but the count
    assert (w03.n_responses, w03.means, w03.comments) == (
        2, dict.fromkeys(imp.SPACE_DIMENSIONS), [])
    assert visible_rounds(rounds) == [w02]
    messages = [str(w.message) for w in caught]
    assert any("'Name', 'Email' identify people; ignored and never stored" in m
               for m in messages)
    assert any("2025-W03 have fewer than 3 responses" in m for m in messages)


def test_three_responses_show_the_mean(tmp_path: Path) -> None:
    text = "period,satisfaction,performance,collaboration,efficiency\n" + \
        "2025-02,5,4,3,2\n2025-02,4,4,3,2\n"
    two = read_survey_csv(write(tmp_path, text)).rounds[0]
    assert two.n_responses == 2 and two.satisfaction_wellbeing is None
    three = read_survey_csv(write(tmp_path, text + "2025-02,3,1,3,5\n")).rounds[0]
    assert three.n_responses == MIN_GROUP_SIZE == 3
    assert three.satisfaction_wellbeing == 4.0 and three.performance == 3.0
    assert three.efficiency_flow == 3.0


def test_no_identity_reaches_the_project_file(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SurveyImportWarning)
        rounds = import_survey_csv(write(tmp_path, PULSE))
    p = Project("shop")
    imp.write_surveys(p, rounds)
    text = dumps(p)
    assert_no_identities(text, PEOPLE)
    assert "Reviews wait, again" in text  # the comment of a big enough group is kept
    assert "Great week" not in text  # the comment of a 2-person period is not


def test_semicolons_long_headers_and_blank_rows(tmp_path: Path) -> None:
    text = ("\ufeffPERIOD;Satisfaction_Wellbeing;performance;Communication & Collaboration;"
            "efficiency-flow\n2025-Q1;4;4;4;4\n2025-Q1;2;2;2;2\n2025-Q1;;;;\n2025-Q1;3;3;3;3\n")
    result = read_survey_csv(write(tmp_path, text))
    (r,) = result.rounds
    assert r.n_responses == 3 and r.communication_collaboration == 3.0  # the empty row is no response
    assert any("1 row(s) without any answer ignored" in w for w in result.warnings)
    assert result.ignored_columns == []


@pytest.mark.parametrize(("body", "line", "column", "problem"), [
    ("2025-W02,4,6,3,3,x\n", 2, "performance", "'6' is outside 1–5"),
    ("2025-W02,4,3,3,3,x\n2025-W02,0,3,3,3,x\n", 3, "satisfaction", "'0' is outside 1–5"),
    ("2025-W02,4,3,good,3,x\n", 2, "collaboration", "'good' is not a number"),
    ('2025-W02,4,3,3,3,"two\nlines"\n2025-W02,4,3,3,9,x\n', 4, "efficiency", "'9' is outside"),
    ("sprint 4,4,3,3,3,x\n", 2, "period", "'sprint 4' is not a period"),
    (",4,3,3,3,x\n", 2, "period", "the period is empty"),
])
def test_errors_name_file_line_and_column(tmp_path: Path, body: str, line: int, column: str,
                                          problem: str) -> None:
    path = write(tmp_path, "period,satisfaction,performance,collaboration,efficiency,comment\n"
                 + body)
    with pytest.raises(SurveyCsvError) as e:
        read_survey_csv(path)
    assert (e.value.line, e.value.column) == (line, column)
    assert str(e.value).startswith(f"{path}: line {line}, column {column!r}: ")
    assert problem in str(e.value)


def test_structural_errors(tmp_path: Path) -> None:
    with pytest.raises(SurveyCsvError, match="line 1, column 'efficiency': missing column"):
        read_survey_csv(write(tmp_path, "period,satisfaction,performance,collaboration\n"))
    with pytest.raises(SurveyCsvError, match="line 2: 7 fields, but the header has 6"):
        read_survey_csv(write(tmp_path, "period,satisfaction,performance,collaboration,"
                              "efficiency,comment\n2025-W02,1,1,1,1,a,b\n"))
    with pytest.raises(SurveyCsvError, match="column 'Satisfaction_Wellbeing': .*twice"):
        read_survey_csv(write(tmp_path, "period,satisfaction,performance,collaboration,"
                              "efficiency,Satisfaction_Wellbeing\n"))
    with pytest.raises(SurveyCsvError, match="line 2, column 'Efficiency': '7' is outside"):
        read_survey_csv(write(tmp_path, "Period,Satisfaction,Performance,Collaboration,"
                              "Efficiency\n2025-W02,1,1,1,7\n"))
    with pytest.raises(SurveyCsvError, match="empty"):
        read_survey_csv(write(tmp_path, "\n"))


def test_merge_and_frames() -> None:
    old = [SurveyRound("2025-W02", 4, performance=2.0), SurveyRound("2025-W03", 5,
                                                                    performance=3.0)]
    new = [SurveyRound("2025-W03", 6, performance=4.0), SurveyRound("2025-W01", 1)]
    merged = merge_rounds(old, new)
    assert [(r.period, r.n_responses) for r in merged] == [
        ("2025-W01", 1), ("2025-W02", 4), ("2025-W03", 6)]
    f = survey_frame(merged)
    assert f["period"].tolist() == ["2025-W02", "2025-W03"]  # W01 is hidden
    assert f["period_start"].tolist() == [pd.Timestamp("2025-01-06", tz="UTC"),
                                          pd.Timestamp("2025-01-13", tz="UTC")]
    assert f["performance"].tolist() == [2.0, 4.0]
    a = ai_check_frame([AiCapabilityCheck("2025-Q2", {"small_batches": 2, "user_focus": 4}),
                        AiCapabilityCheck("2025-Q1", {"small_batches": 1})])
    assert a["period"].tolist() == ["2025-Q1", "2025-Q2"]
    assert a["small_batches"].tolist() == [1.0, 2.0] and a["mean"].tolist() == [1.0, 3.0]
