"""Repositories prepared apart and joined (analysis.combine, issue 21's organisation phase):
the groups select the same rows and give the same figures as the union prepared at once.

Two repositories whose deployments interleave in time, so joining must renumber them
(hours in UTC):

  a: A1 2026-01-06 00:00 ships ca1 (svc/, first commit 01-05 20:00: lead 4 h)
     A2 2026-01-08 00:00 ships ca2 (other/, first commit 01-07 18:00: lead 6 h)
  b: B1 2026-01-07 00:00 ships cb1 (svc/, 01-06 16:00: 8 h) and cb2 (other/, 01-06 22:00: 2 h)
     B2 2026-01-09 00:00 ships nothing: a rollback of B1 (B1 failed), serving B1's groups

The union's order: changes ca1, ca2, cb1, cb2 (rows 0–3); deployments by time A1, B1, A2, B2
(rows 0–3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.analysis.frames import HOUR, change, deployment, tables
from vsm_app.analysis.combine import join, join_links
from vsm_app.analysis.engine import prepare
from vsm_app.analysis.groups import GroupLinks, analyze_groups, memberships
from vsm_app.domain.groups import make_group
from vsm_app.domain.tables import Tables

GROUPS = [make_group("svc", "service", paths=["svc/"]),
          make_group("rest", "service", paths=["other/"])]


def _repo(name: str) -> tuple[Tables, pd.DataFrame]:
    if name == "a":
        ch = [change("ca1", "2026-01-05T20:00Z", "2026-01-05T22:00Z", "2026-01-06T00:00Z", "A1",
                     repo="a"),
              change("ca2", "2026-01-07T18:00Z", "2026-01-07T20:00Z", "2026-01-08T00:00Z", "A2",
                     repo="a")]
        deps = [deployment("A1", "2026-01-06T00:00Z", repo="a"),
                deployment("A2", "2026-01-08T00:00Z", repo="a")]
        files = {"ca1": "svc/x.py", "ca2": "other/y.py"}
    else:
        ch = [change("cb1", "2026-01-06T16:00Z", "2026-01-06T18:00Z", "2026-01-07T00:00Z", "B1",
                     repo="b"),
              change("cb2", "2026-01-06T22:00Z", "2026-01-06T23:00Z", "2026-01-07T00:00Z", "B1",
                     repo="b")]
        deps = [deployment("B1", "2026-01-07T00:00Z", repo="b"),
                deployment("B2", "2026-01-09T00:00Z", repo="b", is_rollback=True)]
        files = {"cb1": "svc/z.py", "cb2": "other/w.py"}
    t = tables(ch, deps)
    f = pd.DataFrame({"repo": name, "change_id": list(files), "path": list(files.values())})
    return t, memberships(t.changes, f, GROUPS)


def _union() -> tuple[Tables, pd.DataFrame]:
    (ta, ma), (tb, mb) = _repo("a"), _repo("b")
    t = Tables()
    t.changes = pd.concat([ta.changes, tb.changes], ignore_index=True)
    t.deployments = pd.concat([ta.deployments, tb.deployments], ignore_index=True)
    return t, pd.concat([ma, mb], ignore_index=True)


def _joined():
    pieces, links = [], []
    for name in ("a", "b"):
        t, m = _repo(name)
        p = prepare(t, None)
        pieces.append(p)
        links.append(GroupLinks.of(p, t.changes, m))
    return join_links(pieces, links)


def test_joined_links_point_at_the_union_rows():
    prepared, links = _joined()
    assert prepared.dora.deployments["deployment_id"].tolist() == ["A1", "B1", "A2", "B2"]
    # ca1 → A1 (0), ca2 → A2 (2), cb1 and cb2 → B1 (1)
    assert links.change_dep.tolist() == [0, 2, 1, 1]
    assert {k: sorted(v.tolist()) for k, v in links.rows.items()} == {"svc": [0, 2],
                                                                     "rest": [1, 3]}
    # the links made on the union's own keys are the same positions
    t, m = _union()
    own = GroupLinks.of(prepare(t, None), t.changes, m)
    assert own.change_dep.tolist() == links.change_dep.tolist()
    assert {k: sorted(v.tolist()) for k, v in own.rows.items()} == \
        {k: sorted(v.tolist()) for k, v in links.rows.items()}


def test_groups_from_joined_links_are_the_hand_computed_and_the_union_figures():
    prepared, links = _joined()
    empty = pd.DataFrame({c: pd.Series(dtype="string") for c in ("repo", "change_id", "group")})
    res = analyze_groups(Tables(), empty, GROUPS, None, prepared=prepared, links=links)
    g = {gr.group.name: gr.result for gr in res.groups}
    # svc: ca1 4 h, cb1 8 h → 6 h; served by A1, B1 and B2 (ships nothing, after B1)
    assert g["svc"].dora.lead_time_median_s == 6 * HOUR
    assert g["svc"].deployments == 3
    # rest: ca2 6 h, cb2 2 h → 4 h; served by A2, B1, B2
    assert g["rest"].dora.lead_time_median_s == 4 * HOUR
    assert g["rest"].deployments == 3
    # the whole: 2, 4, 6, 8 h → 5 h over the four deployments, each once
    assert res.whole.dora.lead_time_median_s == 5 * HOUR
    assert res.whole.deployments == 4
    # B1 was rolled back: 1 failed of the 3 serving each service, of the whole's 4
    assert g["svc"].dora.change_failure_rate == pytest.approx(1 / 3)
    assert g["rest"].dora.change_failure_rate == pytest.approx(1 / 3)
    assert res.whole.dora.change_failure_rate == pytest.approx(1 / 4)
    # every figure equals the union prepared at once, selected by its key strings
    t, m = _union()
    union = analyze_groups(t, m, GROUPS, None)
    assert res.to_json() == union.to_json()


def test_one_piece_joins_to_itself_and_a_piece_without_deployments_joins():
    t, m = _repo("a")
    p = prepare(t, None)
    own = GroupLinks.of(p, t.changes, m)
    same, links = join_links([p], [own])
    assert same is p and links.change_dep.tolist() == own.change_dep.tolist()
    # a repository with a change and no deployment: its change points at none (-1)
    lone = tables([change("cz", "2026-01-06T00:00Z", "2026-01-06T01:00Z", repo="z")])
    pz = prepare(lone, None)
    prepared, links = join_links([p, pz], [own, GroupLinks.of(pz, lone.changes, m.iloc[0:0])])
    assert links.change_dep.tolist() == [0, 1, -1]
    assert len(prepared.changes) == 3 and len(join([p, pz]).changes) == 3
    assert np.array_equal(links.rows["svc"], [0]) and np.array_equal(links.rows["rest"], [1])
