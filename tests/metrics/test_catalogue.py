"""The metric catalogue: every id names a value the product computes, every rule is written
down, and the band tables and the domain agree with it."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from vsm_app.analysis.engine import analyze
from vsm_app.analysis.indicators import INDICATORS
from vsm_app.analysis.results import Constraint, DoraSummary, FlowSummary, StageResult
from vsm_app.domain import classic
from vsm_app.domain.improvement import AI_CAPABILITIES, LEADING_INDICATORS, SPACE_DIMENSIONS
from vsm_app.domain.tables import Tables
from vsm_app.metrics.bands import METRIC_KEYS, load_bands
from vsm_app.metrics.catalogue import BANDED, CATALOGUE, HEADLINE, METRICS, Direction, metric

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_ids_are_unique_and_named_section_dot_key() -> None:
    assert len(CATALOGUE) == len(METRICS)
    for m in METRICS:
        assert re.fullmatch(r"[a-z]+\.[a-z0-9_]+", m.id), m.id
        assert m.label and m.definition.endswith("."), m.id


@pytest.mark.parametrize("m", METRICS, ids=lambda m: m.id)
def test_every_metric_has_its_rule_written_down(m) -> None:
    file, _, anchor = m.docs.partition("#")
    text = (DOCS / file).read_text("utf-8")
    assert f'<a id="{anchor}"></a>' in text, m.docs


def test_result_sections_hold_every_metric_of_their_section() -> None:
    typed = {"dora": DoraSummary, "flow": FlowSummary, "stage": StageResult,
             "bottleneck": Constraint}
    for m in METRICS:
        if m.section in typed:
            assert m.key in {f.name for f in fields(typed[m.section])}, m.id
    # the map's classic figures are the domain's
    for m in METRICS:
        if m.section == "map":
            assert m.key in {f.name for f in fields(classic.ClassicMetrics)}, m.id
    # and the JSON keys of a real result are the catalogue's ids
    doc = analyze(Tables(), None).to_json()
    for mid in HEADLINE:
        section, key = mid.split(".")
        assert key in doc[section], mid


def test_the_groups_comparison_and_trend_are_catalogue_metrics() -> None:
    from vsm_app.analysis.groups import TREND_SERIES
    from vsm_app.analysis.results import COMPARISON_FLOW_KEYS, DORA_KEYS

    # every figure of a comparison row (docs/metrics.md §15) is a catalogued metric
    for key in DORA_KEYS:
        metric(f"dora.{key}")
    for key in COMPARISON_FLOW_KEYS:
        metric(f"flow.{key}")
    metric("bottleneck.share")
    metric("window.changes")
    metric("window.deployments")
    # and so is every trend series (a per-period value of the metric it names)
    for _name, _frame, _column, mid in TREND_SERIES:
        assert metric(mid).section in ("dora", "flow"), mid


def test_band_tables_follow_the_catalogue() -> None:
    assert BANDED == {"deployment_frequency": "dora.deployment_frequency_per_week",
                      "lead_time": "dora.lead_time_median_s",
                      "change_failure_rate": "dora.change_failure_rate",
                      "recovery_time": "dora.recovery_time_median_s"}
    assert METRIC_KEYS == {"deployment_frequency": "deployment_frequency_per_week",
                           "lead_time": "lead_time_median_s",
                           "change_failure_rate": "change_failure_rate",
                           "recovery_time": "recovery_time_median_s"}
    for year, report in load_bands()["reports"].items():
        for band_metric, spec in report["metrics"].items():
            m = metric(BANDED[band_metric])
            want = "higher_is_better" if m.direction is Direction.HIGHER else "lower_is_better"
            assert spec["direction"] == want, (year, band_metric)


def test_directions_agree_with_the_domain_and_the_indicators() -> None:
    for name, better in LEADING_INDICATORS.items():
        assert metric(f"indicator.{name}").better == better == INDICATORS[name].better
        assert metric(f"indicator.{name}").label == INDICATORS[name].name
    assert {m.key for m in METRICS if m.section == "space"} == set(SPACE_DIMENSIONS)
    assert {m.key for m in METRICS if m.section == "ai"} == set(AI_CAPABILITIES)
    # speed up is better; failures, waiting and work in progress down
    assert metric("dora.deployment_frequency_per_week").better == "up"
    assert metric("flow.load_mean").better == "down"
    assert metric("dora.lead_time_median_s").name == "Lead time for changes (median)"


def test_an_unknown_id_fails_loudly() -> None:
    with pytest.raises(KeyError, match="dora.lead_time_s"):
        metric("dora.lead_time_s")
