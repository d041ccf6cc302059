"""Work-item rules that are data: keys in text, status categories, issue type → kind."""

from __future__ import annotations

import pytest

from vsm_app.domain.items import (
    DEFAULT_TYPE_KINDS,
    ItemSettings,
    category_from_name,
    find_branch_keys,
    find_keys,
    find_keys_bytes,
    kind_of_type,
    type_from_labels,
    type_kind_map,
)


@pytest.mark.parametrize(("text", "keys"), [
    ("feat(EE-1): add chart", ["EE-1"]),
    ("EE-3394 EE-3396 每日贡献者统计", ["EE-3394", "EE-3396"]),
    ("Merge branch 'EE-3394' into 'master'", ["EE-3394"]),
    ("fix #3, see also panjf2000/ants#7", ["#3", "panjf2000/ants#7"]),
    ("Fixes AB#123 and #4", ["AB#123", "#4"]),
    ("&#123; is an entity, page/#9 an anchor", []),
    ("https://jira.example/browse/SHOP-12.", ["SHOP-12"]),
    ("PRE-EE-12 is one word; X-1 too short; ee-12 lower case", []),
    ("SHOP-12 and SHOP-12 again", ["SHOP-12"]),
    ("UTF-8 text", ["UTF-8"]),  # a candidate; only a loaded item with that key links
    (None, []),
])
def test_keys_in_text(text: str | None, keys: list[str]) -> None:
    assert find_keys(text) == keys


def test_keys_in_raw_bytes_have_offsets() -> None:
    blob = "fix EE-3277\x00see #4 AB#9 — ü".encode()
    assert find_keys_bytes(blob) == [(4, "EE-3277"), (16, "#4"), (19, "AB#9")]


@pytest.mark.parametrize(("branch", "keys"), [
    ("feature/ee-3394-login", ["EE-3394"]),
    ("feat/SHOP-12-add-wishlist", ["SHOP-12"]),
    ("123-fix-login-redirect", ["#123"]),   # GitHub's "create a branch" for issue 123
    ("user/45-readme", ["#45"]),
    ("main", []),
    ("release-2", ["RELEASE-2"]),  # a candidate only
])
def test_keys_in_branch_names(branch: str, keys: list[str]) -> None:
    assert find_branch_keys(branch) == keys


@pytest.mark.parametrize(("name", "category"), [
    ("To Do", "new"), ("Backlog", "new"), ("Open", "new"), ("Reopened", "new"),
    ("Ready for Dev", "new"), ("Selected for Development", "new"), ("New", "new"),
    ("In Progress", "indeterminate"), ("In Review", "indeterminate"),
    ("Ready for review", "indeterminate"), ("Code Review", "indeterminate"),
    ("Active", "indeterminate"), ("开发中", "indeterminate"), ("待测试", "indeterminate"),
    ("Done", "done"), ("Closed", "done"), ("Resolved", "done"), ("已完成", "done"),
    ("Won't Do", "done"), ("Closed (not planned)", "done"), ("Released", "done"),
    ("  done  ", "done"),
])
def test_category_from_the_name(name: str, category: str) -> None:
    assert category_from_name(name) == category


def test_kind_of_type() -> None:
    mapping = type_kind_map()
    assert kind_of_type("Story", 0, mapping) == "feature"
    assert kind_of_type("bug", None, mapping) == "defect"
    assert kind_of_type("故事", 0, mapping) == "feature"
    assert kind_of_type("子任务", -1, mapping) == ""
    assert kind_of_type("Epic", None, mapping) == ""
    # a level other than 0 is not a unit, whatever its name, unless the project says so
    assert kind_of_type("Story", 1, mapping) == ""
    user = {"story": "feature"}
    assert kind_of_type("Story", 1, type_kind_map(ItemSettings(type_kinds=user)), user) == \
        "feature"
    assert kind_of_type("Question", 0, mapping) == "unknown"
    assert kind_of_type(None, None, mapping) == "feature"  # nothing said, like a change
    assert set(DEFAULT_TYPE_KINDS.values()) <= {"feature", "defect", "debt", "risk", ""}


def test_type_from_labels() -> None:
    assert type_from_labels(["help wanted", "Bug"]) == "Bug"
    assert type_from_labels(["question"]) is None
