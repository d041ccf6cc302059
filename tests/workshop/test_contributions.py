"""Reading what participants send, and the inbox's arithmetic (Qt-free)."""

from __future__ import annotations

import pytest

from vsm_app.domain.model import Estimates, StickyNote, ValueStreamMap
from vsm_app.domain.templates import software_delivery
from vsm_app.workshop.contributions import (
    Contribution,
    ContributionError,
    Kind,
    MapView,
    clean_text,
    estimate_changes,
    estimate_spreads,
    note_position,
    pulse_round,
    read_estimate,
    read_name,
    read_note,
    read_pulse,
    read_vote,
)


@pytest.fixture
def vsm() -> ValueStreamMap:
    return software_delivery()


@pytest.fixture
def view(vsm: ValueStreamMap) -> MapView:
    return MapView.of(vsm)


def proposal(cid: str, **values: float) -> Contribution:
    return Contribution(cid, Kind.ESTIMATE, "m", "s", values=values,
                        typed={k: str(v) for k, v in values.items()})


def test_estimate_fields_are_read_by_the_project_parsers(vsm: ValueStreamMap, view: MapView):
    review = vsm.stage_by_name("Review")
    sid, values, typed = read_estimate(
        {"stage": review.id, "wait": "1d 4h", "process": "45 min", "pca": "80%"}, view)
    assert sid == review.id
    assert values == {"wait": 28 * 3600.0, "process": 45 * 60.0, "pca": 0.8}
    assert typed == {"wait": "1d 4h", "process": "45 min", "pca": "80%"}
    # only what was given; %C&A as a fraction and "85" as 85 %
    _, values, _ = read_estimate({"stage": review.id, "pca": "85"}, view)
    assert values == {"pca": 0.85}


def test_estimate_durations_use_the_maps_day_length(vsm: ValueStreamMap):
    vsm.settings.day_length_s = 8 * 3600.0  # working days
    view = MapView.of(vsm)
    _, values, _ = read_estimate({"stage": vsm.stages[0].id, "wait": "2d"}, view)
    assert values == {"wait": 16 * 3600.0}


def test_each_bad_estimate_field_gets_its_own_message(vsm: ValueStreamMap, view: MapView):
    with pytest.raises(ContributionError) as e:
        read_estimate({"stage": vsm.stages[0].id, "wait": "soon", "process": "2h",
                       "pca": "150%"}, view)
    assert set(e.value.errors) == {"wait", "pca"}
    assert "expected a duration" in e.value.errors["wait"]
    assert "between 0 and 100 %" in e.value.errors["pca"]
    with pytest.raises(ContributionError) as e:
        read_estimate({"stage": vsm.stages[0].id, "wait": "", "process": " "}, view)
    assert "at least one" in e.value.errors["wait"]
    with pytest.raises(ContributionError) as e:
        read_estimate({"stage": "stage-nope", "wait": "2h"}, view)
    assert set(e.value.errors) == {"stage"}
    with pytest.raises(ContributionError) as e:
        read_estimate({"stage": vsm.stages[0].id, "wait": "5000 weeks"}, view)
    assert "10 years" in e.value.errors["wait"]


def test_notes_are_cleaned_and_limited(vsm: ValueStreamMap, view: MapView):
    sid, text = read_note({"stage": vsm.stages[1].id,
                           "text": "  waits\u202e for\tQA \n\n\n two  days \x00"}, view)
    assert sid == vsm.stages[1].id
    # bidi override and NUL dropped, tab → space, runs of blank lines → one
    assert text == "waits for QA\n\ntwo days"
    with pytest.raises(ContributionError) as e:
        read_note({"stage": vsm.stages[1].id, "text": "x" * 281}, view)
    assert "at most 280" in e.value.errors["text"]
    with pytest.raises(ContributionError) as e:
        read_note({"stage": vsm.stages[1].id, "text": 5}, view)
    assert e.value.errors == {"text": "expected text"}


def test_names(view: MapView):
    assert read_name("  Ana \n María ") == "Ana María"
    for bad in ("", "   ", None, "x" * 41, ["Ana"]):
        with pytest.raises(ContributionError):
            read_name(bad)


def test_votes_go_on_ideas_of_the_map_shown(vsm: ValueStreamMap):
    from vsm_app.domain.model import KaizenBurst
    k = KaizenBurst("Review within 4 h", vsm.stages[1].id)
    vsm.add_element(k)
    view = MapView.of(vsm)
    assert read_vote({"kaizen": k.id}, view) == k.id
    with pytest.raises(ContributionError):
        read_vote({"kaizen": "kaizen-other"}, view)


def test_pulse_answers(view: MapView):
    scores, comment = read_pulse({"satisfaction_wellbeing": 4, "performance": "5",
                                  "communication_collaboration": None, "comment": " ok "})
    assert scores == {"satisfaction_wellbeing": 4.0, "performance": 5.0,
                      "communication_collaboration": None, "efficiency_flow": None}
    assert comment == "ok"
    for bad in (0, 6, 2.5, "x", True):
        with pytest.raises(ContributionError) as e:
            read_pulse({"performance": bad})
        assert e.value.errors == {"performance": "choose 1 to 5"}
    with pytest.raises(ContributionError):
        read_pulse({})  # nothing answered


def test_median_and_spread_of_proposals():
    ps = [proposal("a", wait=5 * 60.0, pca=0.9), proposal("b", wait=10 * 60.0),
          proposal("c", wait=60 * 60.0, pca=0.7), proposal("d", wait=20 * 60.0)]
    sp = estimate_spreads(ps)
    # interpolated median of 5, 10, 20, 60 min = (10 + 20) / 2 = 15 min
    assert (sp["wait"].n, sp["wait"].median, sp["wait"].low, sp["wait"].high) == (
        4, 15 * 60.0, 5 * 60.0, 60 * 60.0)
    assert (sp["pca"].n, sp["pca"].median) == (2, pytest.approx(0.8))
    assert "process" not in sp


def test_accepting_the_median_keeps_the_spread_as_the_range():
    sp = estimate_spreads([proposal("a", wait=3600.0, process=600.0),
                           proposal("b", wait=7200.0, process=1800.0),
                           proposal("c", wait=36000.0)])
    current = Estimates(process_time_s=60.0, lead_time_s=99999.0)
    changes = estimate_changes(current, sp)
    assert changes == {
        "wait_time_s": 7200.0, "wait_time_min_s": 3600.0, "wait_time_max_s": 36000.0,
        "process_time_s": 1200.0, "process_time_min_s": 600.0, "process_time_max_s": 1800.0,
        "lead_time_s": None,  # the accepted wait and process make the lead time now
    }


def test_a_single_value_keeps_a_range_that_holds_it_and_clears_one_that_does_not():
    current = Estimates(wait_time_min_s=3600.0, wait_time_max_s=7200.0)
    assert estimate_changes(current, estimate_spreads([proposal("a", wait=5400.0)])) == {
        "wait_time_s": 5400.0}
    assert estimate_changes(current, estimate_spreads([proposal("a", wait=9000.0)])) == {
        "wait_time_s": 9000.0, "wait_time_min_s": None, "wait_time_max_s": None}


def test_notes_stack_upwards_above_their_stage(vsm: ValueStreamMap):
    review = vsm.stage_by_name("Review")
    x, y = note_position(vsm, review.id)
    # centred on the 170-wide stage box, bottom 150 above the stage's top (clear of kaizens)
    assert (x, y) == (review.x + 5.0, review.y - 150.0 - 96.0)
    vsm.add_element(StickyNote("first", x=x, y=y))
    assert note_position(vsm, review.id) == (x, y - 96.0 - 12.0)
    # another stage's column is free
    coding = vsm.stage_by_name("Coding")
    assert note_position(vsm, coding.id) == (coding.x + 5.0, coding.y - 246.0)


def answer(cid: str, comment: str = "", **scores: float) -> Contribution:
    return Contribution(cid, Kind.PULSE, scores=scores, comment=comment)


def test_pulse_round_follows_the_minimum_group_of_three():
    two = pulse_round([answer("a", "slow CI", performance=4), answer("b", performance=2)],
                      "2025-W07")
    assert (two.period, two.n_responses, two.performance, two.comments) == (
        "2025-W07", 2, None, [])  # fewer than 3: only the count is kept
    three = pulse_round([answer("a", "slow CI", performance=4, efficiency_flow=2),
                         answer("b", performance=2), answer("c", "", performance=3)],
                        "2025-W07")
    assert three.n_responses == 3
    assert three.performance == pytest.approx(3.0)  # (4 + 2 + 3) / 3
    assert three.efficiency_flow is None  # answered by one person only
    assert three.comments == ["slow CI"]


def test_clean_text_limits_after_cleaning():
    assert clean_text("a" * 10 + "\x00" * 50, max_chars=10) == "a" * 10
    with pytest.raises(ValueError):
        clean_text("a" * 11, max_chars=10)
