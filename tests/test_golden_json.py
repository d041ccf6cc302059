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

from tests.golden import documents, key_paths

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
    assert key_paths(now[name]) == key_paths(expected)


@pytest.mark.parametrize("name", NAMES)
def test_values_are_unchanged(now: dict[str, Any], name: str) -> None:
    expected = json.loads((GOLDEN / f"{name}.json").read_text("utf-8"))
    assert now[name] == expected
    # the printed text too: same key order, same numbers to the last digit
    assert json.dumps(now[name], indent=2) == json.dumps(expected, indent=2)
