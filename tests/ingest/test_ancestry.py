"""Deployment assignment by ancestry, on hand-made parent graphs (no git involved)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from vsm_app.ingest.ancestry import (
    assign_deployments,
    parent_graph,
    resolve_shas,
    rollback_flags,
)

T = pd.Timestamp("2025-01-01T00:00:00Z")


def sha(name: str) -> str:
    """A fake 40-hex sha that starts with the readable name's code (unique per name)."""
    return (name.encode().hex() + "0" * 40)[:40]


def commits(edges: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """commits table from {commit: parents}."""
    return pd.DataFrame({
        "sha": [sha(c) for c in edges],
        "parents": [tuple(sha(p) for p in ps) for ps in edges.values()],
    })


def changes(names: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"change_id": [sha(n) for n in names],
                         "merge_sha": [sha(n) for n in names]})


def deployments(rows: list[tuple[str, str, float, str]], **extra: list[object]) -> pd.DataFrame:
    """rows: (deployment_id, commit, hours after T, status)."""
    return pd.DataFrame({
        "deployment_id": [r[0] for r in rows],
        "sha": [sha(r[1]) for r in rows],
        "finished_at": [T + pd.Timedelta(hours=r[2]) for r in rows],
        "status": [r[3] for r in rows],
        **extra,
    })


# main: a - b - m - d ; feature x1 - x2 merged by m ; maintenance: r1 on top of b
LINE = {"a": (), "b": ("a",), "x1": ("a",), "x2": ("x1",), "m": ("b", "x2"), "d": ("m",),
        "r1": ("b",)}


def by_change(out: pd.DataFrame) -> dict[str, tuple[object, object, bool]]:
    names = {sha(n): n for n in LINE}
    return {names[r.change_id]: (r.deployment_id if pd.notna(r.deployment_id) else None,
                                 r.deployed_at, bool(r.first_deployment))
            for r in out.itertuples()}


def test_each_change_goes_to_the_earliest_deployment_containing_it() -> None:
    deps = deployments([("d2", "d", 5, "success"), ("d1", "b", 1, "success")])
    out = assign_deployments(commits(LINE), changes(["a", "b", "m", "d"]), deps)
    got = by_change(out)
    assert got["a"] == ("d1", T + pd.Timedelta(hours=1), True)
    assert got["b"] == ("d1", T + pd.Timedelta(hours=1), True)
    assert got["m"] == ("d2", T + pd.Timedelta(hours=5), False)
    assert got["d"] == ("d2", T + pd.Timedelta(hours=5), False)
    assert str(out["deployed_at"].dtype) == "datetime64[ns, UTC]"


def test_failed_deployments_do_not_ship_and_undeployed_changes_stay_open() -> None:
    deps = deployments([("d1", "a", 1, "success"), ("bad", "m", 2, "failure"),
                        ("d2", "b", 3, "SUCCESS")])
    out = by_change(assign_deployments(commits(LINE), changes(["a", "b", "m", "d"]), deps))
    assert out["a"][0] == "d1" and out["a"][2]
    assert out["b"] == ("d2", T + pd.Timedelta(hours=3), False)
    assert out["m"][0] is None and pd.isna(out["m"][1])
    assert out["d"][0] is None and pd.isna(out["d"][1])


def test_release_on_a_maintenance_branch_ships_what_it_contains() -> None:
    # r1 was branched from b: the release tagged on r1 ships a and b, not m
    deps = deployments([("rel", "r1", 1, "success"), ("main", "d", 4, "success")])
    out = by_change(assign_deployments(commits(LINE), changes(["a", "b", "m", "d"]), deps))
    assert out["a"][0] == "rel" and out["b"][0] == "rel"
    assert out["m"][0] == "main" and out["d"][0] == "main"


def test_started_at_is_the_fallback_time_and_unknown_shas_are_skipped() -> None:
    deps = pd.DataFrame({
        "deployment_id": ["ghost", "d1", "d2"],
        "sha": ["f" * 40, sha("b"), sha("d")],
        "started_at": [T, T + pd.Timedelta(hours=1), T + pd.Timedelta(hours=2)],
        "finished_at": [pd.NaT, pd.NaT, T + pd.Timedelta(hours=3)],
        "status": ["success"] * 3,
    })
    out = by_change(assign_deployments(commits(LINE), changes(["a", "b", "d"]), deps))
    # the ghost (sha not in the history) ships nothing, so d1 is the first deployment
    assert out["b"] == ("d1", T + pd.Timedelta(hours=1), True)
    assert out["d"] == ("d2", T + pd.Timedelta(hours=3), False)


def test_abbreviated_shas_match_a_unique_prefix() -> None:
    c = commits(LINE)
    index = pd.Index(c["sha"].tolist())
    pos = resolve_shas(index, [sha("d")[:12], sha("d").upper(), "zz", None])
    assert pos.tolist() == [index.get_loc(sha("d")), index.get_loc(sha("d")), -1, -1]


def test_first_deployment_is_found_per_repository() -> None:
    edges = {"a": (), "b": ("a",), "p": (), "q": ("p",)}
    deps = deployments([("A1", "a", 1, "success"), ("P1", "p", 2, "success"),
                        ("A2", "b", 3, "success"), ("P2", "q", 4, "success")],
                       repo=["one", "two", "one", "two"])
    out = assign_deployments(commits(edges), changes(["a", "b", "p", "q"]), deps)
    assert out["first_deployment"].tolist() == [True, False, True, False]


def test_rollback_is_a_deployment_of_an_ancestor_of_the_previous_one() -> None:
    deps = deployments([
        ("d1", "b", 1, "success"),
        ("d2", "d", 2, "success"),
        ("d3", "m", 3, "success"),     # m is an ancestor of d: rollback
        ("d4", "m", 4, "success"),     # same sha again: a redeploy, not a rollback
        ("d5", "r1", 5, "success"),    # r1 is not an ancestor of m: no
        ("d6", "a", 6, "failure"),     # failed: never a rollback
        ("d7", "b", 7, "success"),     # b is an ancestor of r1: rollback
    ])
    flags = rollback_flags(commits(LINE), deps)
    assert flags.tolist() == [False, False, True, False, False, False, True]


def test_rollback_compares_within_an_environment() -> None:
    deps = deployments([("p1", "d", 1, "success"), ("s1", "a", 2, "success")],
                       environment=["production", "staging"])
    assert rollback_flags(commits(LINE), deps).tolist() == [False, False]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_matches_naive_reachability(data: st.DataObject) -> None:
    """Against one full reachability set per deployment (what ``rev-list`` per tag computes)."""
    n = data.draw(st.integers(2, 40))
    parents: list[tuple[int, ...]] = [()]
    for i in range(1, n):
        k = data.draw(st.integers(0, min(3, i)))
        parents.append(tuple(sorted(set(data.draw(
            st.lists(st.integers(0, i - 1), min_size=k, max_size=k))))))
    edges = {f"c{i}": tuple(f"c{p}" for p in ps) for i, ps in enumerate(parents)}
    m = data.draw(st.integers(0, 6))
    rows = [(f"d{j}", f"c{data.draw(st.integers(0, n - 1))}", float(data.draw(
        st.integers(0, 20))), data.draw(st.sampled_from(["success", "failure"])))
        for j in range(m)]
    deps = deployments(rows)
    out = assign_deployments(commits(edges), changes(list(edges)), deps)

    def ancestors(c: int) -> set[int]:
        seen, stack = {c}, [c]
        while stack:
            for p in parents[stack.pop()]:
                if p not in seen:
                    seen.add(p)
                    stack.append(p)
        return seen

    ok = [r for r in rows if r[3] == "success"]

    def order(r: tuple[str, str, float, str]) -> tuple[float, int, int]:
        # same instant: the one with more same-instant deployments among its strict
        # ancestors deploys later (an ancestor first), then by name (d0 before d1)
        mine = int(r[1][1:])
        tied = {int(q[1][1:]) for q in ok if q[2] == r[2]} - {mine}
        return r[2], len(tied & ancestors(mine)), int(r[0][1:])

    ok = sorted(ok, key=order)  # (list.sort would empty ``ok`` while order() reads it)
    shipped: dict[int, str] = {}
    for dep_id, commit, _, _ in ok:
        for c in ancestors(int(commit[1:])):
            shipped.setdefault(c, dep_id)
    expected = [shipped.get(i) for i in range(n)]
    got = [None if pd.isna(x) else x for x in out["deployment_id"]]
    assert got == expected


def test_85k_commits_and_1000_deployments_in_well_under_a_second() -> None:
    rng = np.random.default_rng(3)
    n = 85_000
    shas = [f"{i:040x}" for i in range(n)]
    parents: list[tuple[str, ...]] = [()]
    for i in range(1, n):
        ps = (shas[i - 1],)
        if i > 10 and rng.random() < 0.3:  # a merge of an older commit
            ps = (shas[i - 1], shas[int(rng.integers(max(0, i - 200), i - 1))])
        parents.append(ps)
    c = pd.DataFrame({"sha": shas, "parents": parents})
    ch = pd.DataFrame({"change_id": shas, "merge_sha": shas})
    tags = np.sort(rng.choice(n, 1000, replace=False))
    deps = pd.DataFrame({
        "deployment_id": [f"t{i}" for i in range(1000)],
        "sha": [shas[i] for i in tags],
        "finished_at": [T + pd.Timedelta(hours=i) for i in range(1000)],
        "status": "success",
    })
    graph = parent_graph(c)
    t = time.perf_counter()
    out = assign_deployments(c, ch, deps, graph=graph)
    elapsed = time.perf_counter() - t
    assert out["deployment_id"].notna().sum() == tags[-1] + 1
    # ~0.2 s on a laptop; generous bound for a shared CI machine
    assert elapsed < 1.5, elapsed
