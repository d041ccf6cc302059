"""The command line's JSON is the contract (DESIGN §6): the same keys, in the same order, with
the same values as the code before the typed-results refactor printed on the same data.

The expected documents in ``tests/fixtures/golden/`` were written by the pre-refactor code
(``python -m tests.golden`` run on that checkout; see tests/golden.py), so they are an
oracle independent of the code under test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.golden import LATER_KEYS, documents, key_paths, without_later_keys

GOLDEN = Path(__file__).parent / "fixtures" / "golden"
NAMES = sorted(p.stem for p in GOLDEN.glob("*.json"))


@pytest.fixture(scope="module")
def now(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return documents(tmp_path_factory.mktemp("golden").resolve())


def test_every_document_has_a_golden_file() -> None:
    assert NAMES == sorted(["analyze_sample", "analyze_sample_month_window", "analyze_repo",
                            "analyze_no_data", "metrics_sample", "forecast_sample_items",
                            "forecast_sample_by"])


@pytest.mark.parametrize("name", NAMES)
def test_keys_are_unchanged_and_in_order(now: dict[str, Any], name: str) -> None:
    expected = json.loads((GOLDEN / f"{name}.json").read_text("utf-8"))
    doc, _ = without_later_keys(now[name])
    assert key_paths(doc) == key_paths(expected)


@pytest.mark.parametrize("name", NAMES)
def test_values_are_unchanged(now: dict[str, Any], name: str) -> None:
    expected = json.loads((GOLDEN / f"{name}.json").read_text("utf-8"))
    doc, _ = without_later_keys(now[name])
    assert doc == expected
    # the printed text too: same key order, same numbers to the last digit
    assert json.dumps(doc, indent=2) == json.dumps(expected, indent=2)


@pytest.mark.parametrize("name", [n for n in NAMES if n.startswith("analyze")])
def test_later_keys_say_the_flow_counted_changes(now: dict[str, Any], name: str) -> None:
    """Issue 18 added what the flow metrics count; without work items it is the changes,
    written last in its section (new keys go after the old ones)."""
    _, found = without_later_keys(now[name])
    expected = {p: v for p, v in LATER_KEYS.items()
                if name != "analyze_no_data" or p == ("flow", "unit")}
    assert found == expected
    assert list(now[name]["flow"])[-1] == "unit"
