"""Groups (issue 21): membership by paths, deployments shared by services, union medians.

Every expected value is worked out by hand in the comments from the rows below.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.analysis.frames import HOUR, change, deployment, tables
from vsm_app.analysis.engine import AnalysisOptions, analyze
from vsm_app.analysis.groups import analyze_groups, memberships
from vsm_app.domain.groups import (
    GroupError,
    check_groups,
    compile_pattern,
    make_group,
    parse_codeowners,
)

# A monorepo "mono" with two services, api/ and web/. Deployments (production, all in the
# repository "mono"): D0 01-05 00:00 (the first: its change has no lead time), D1 01-07,
# D2 01-09, D3 01-12. Lead times (deployed − first commit):
#   c1 api        first 01-06 14:00 → D1 01-07 00:00 = 10 h
#   c2 web        first 01-05 08:00 → D1 01-07 00:00 = 40 h
#   c3 api + web  first 01-08 04:00 → D2 01-09 00:00 = 20 h
#   c4 web        first 01-09 22:00 → D3 01-12 00:00 = 50 h
#   c5 api        first 01-11 12:00 → D3 01-12 00:00 = 12 h
D = ["D0", "D1", "D2", "D3"]
AT = {"D0": "2026-01-05T00:00Z", "D1": "2026-01-07T00:00Z", "D2": "2026-01-09T00:00Z",
      "D3": "2026-01-12T00:00Z"}


def _mono(extra_deployments: list[dict] | None = None, **incident_kw) -> tuple:
    ch = [
        change("c0", "2026-01-04T00:00Z", "2026-01-04T12:00Z", AT["D0"], "D0",
               first_deployment=True, repo="mono"),
        change("c1", "2026-01-06T14:00Z", "2026-01-06T20:00Z", AT["D1"], "D1", repo="mono"),
        change("c2", "2026-01-05T08:00Z", "2026-01-06T12:00Z", AT["D1"], "D1", repo="mono"),
        change("c3", "2026-01-08T04:00Z", "2026-01-08T20:00Z", AT["D2"], "D2", repo="mono"),
        change("c4", "2026-01-09T22:00Z", "2026-01-11T00:00Z", AT["D3"], "D3", repo="mono"),
        change("c5", "2026-01-11T12:00Z", "2026-01-11T18:00Z", AT["D3"], "D3", repo="mono"),
    ]
    deps = [deployment(d, AT[d], repo="mono") for d in D] + (extra_deployments or [])
    incidents = [{"incident_id": "I1", "opened_at": "2026-01-09T06:00Z",
                  "resolved_at": "2026-01-09T08:00Z", "deployment_id": "D2"}]
    t = tables(ch, deps, incidents)
    files = pd.DataFrame({
        "repo": "mono",
        "change_id": ["c0", "c1", "c2", "c3", "c3", "c4", "c5", "c5"],
        "path": ["api/server.py", "api/a.py", "web/app.ts", "api/b.py", "web/c.ts",
                 "web/d.ts", "api/e.py", "README.md"],
    })
    groups = [make_group("api", "service", paths=["api/"]),
              make_group("web", "service", paths=["/web"])]
    return t, files, groups


def _by_name(res):
    return {g.group.name: g.result for g in res.groups}


def test_a_change_touching_two_services_belongs_to_both():
    t, files, groups = _mono()
    m = memberships(t.changes, files, groups)
    got = {g: sorted(m.loc[m["group"] == g, "change_id"]) for g in ("api", "web")}
    assert got == {"api": ["c0", "c1", "c3", "c5"], "web": ["c2", "c3", "c4"]}


def test_a_deployment_shared_by_two_services_counts_once_for_each_and_once_in_the_whole():
    t, files, groups = _mono()
    res = analyze_groups(t, memberships(t.changes, files, groups), groups, None)
    g = _by_name(res)
    # api is served by D0 (c0), D1 (c1), D2 (c3), D3 (c5); web by D1, D2, D3; the whole by
    # the four deployments, each once (D1, D2, D3 serve both services)
    assert (res.whole.deployments, g["api"].deployments, g["web"].deployments) == (4, 4, 3)
    # the window is the whole's: [01-05, 01-13) = 8 days = 8/7 weeks
    weeks = 8 / 7
    assert g["api"].dora.deployment_frequency_per_week == pytest.approx(4 / weeks)
    assert g["web"].dora.deployment_frequency_per_week == pytest.approx(3 / weeks)
    assert res.whole.dora.deployment_frequency_per_week == pytest.approx(4 / weeks)
    # D2 failed (incident I1): api 1 of 4, web 1 of 3, the whole 1 of 4
    assert g["api"].dora.change_failure_rate == pytest.approx(1 / 4)
    assert g["web"].dora.change_failure_rate == pytest.approx(1 / 3)
    assert res.whole.dora.change_failure_rate == pytest.approx(1 / 4)
    # the incident's 2 h recovery belongs to D2, which serves both
    for r in (g["api"], g["web"], res.whole):
        assert r.dora.recovery_time_median_s == 2 * HOUR


def test_medians_are_over_the_union_of_changes_never_a_median_of_medians():
    t, files, groups = _mono()
    res = analyze_groups(t, memberships(t.changes, files, groups), groups, None)
    g = _by_name(res)
    # api: 10, 12, 20 h → 12 h; web: 20, 40, 50 h → 40 h
    assert g["api"].dora.lead_time_median_s == 12 * HOUR
    assert g["web"].dora.lead_time_median_s == 40 * HOUR
    # the whole: 10, 12, 20, 40, 50 h → 20 h (c3 once); a median of medians would say 26 h
    assert res.whole.dora.lead_time_median_s == 20 * HOUR
    # and the whole is exactly what the plain analysis says
    assert res.whole.to_json() == analyze(t, None).to_json()


def test_union_median_across_repositories():
    # repository a: 1, 2, 3 h (median 2 h); b: 100 h (median 100 h). Median of the two
    # medians: 51 h; the union's median over 1, 2, 3, 100 h: 2.5 h.
    rows, deps = [], []
    for repo, hours in (("a", [1, 2, 3]), ("b", [100])):
        deps.append(deployment(f"{repo}0", "2026-01-01T00:00Z", repo=repo))
        deps.append(deployment(f"{repo}1", "2026-01-10T00:00Z", repo=repo))
        for k, h in enumerate(hours):
            first = pd.Timestamp("2026-01-10T00:00Z") - pd.Timedelta(hours=h)
            rows.append(change(f"{repo}c{k}", first.isoformat(), first.isoformat(),
                               "2026-01-10T00:00Z", f"{repo}1", repo=repo))
    t = tables(rows, deps)
    groups = [make_group("team-a", repositories=["a"]), make_group("team-b", repositories=["b"]),
              make_group("both", repositories=["a", "b"])]
    res = analyze_groups(t, memberships(t.changes, pd.DataFrame(), groups), groups, None)
    g = _by_name(res)
    assert g["team-a"].dora.lead_time_median_s == 2 * HOUR
    assert g["team-b"].dora.lead_time_median_s == 100 * HOUR
    assert g["both"].dora.lead_time_median_s == 2.5 * HOUR
    assert res.whole.dora.lead_time_median_s == 2.5 * HOUR
    # groups by repository get every deployment of their repositories: 2, 2, 4 (whole 4)
    assert [g[n].deployments for n in ("team-a", "team-b", "both")] == [2, 2, 4]


def test_a_deployment_that_ships_no_change_serves_the_groups_of_the_one_before():
    # D4 (01-12 06:00) ships no change: a rollback of D3. D3 shipped c4 (web) and c5 (api),
    # so D4 serves both; D3 counts as failed (rolled back) in both and in the whole.
    extra = [deployment("D4", "2026-01-12T06:00Z", repo="mono", is_rollback=True)]
    t, files, groups = _mono(extra)
    res = analyze_groups(t, memberships(t.changes, files, groups), groups, None)
    g = _by_name(res)
    assert (res.whole.deployments, g["api"].deployments, g["web"].deployments) == (5, 5, 4)
    # failed: D2 (incident), D3 (rolled back) → api 2/5, web 2/4, whole 2/5
    assert g["api"].dora.change_failure_rate == pytest.approx(2 / 5)
    assert g["web"].dora.change_failure_rate == pytest.approx(2 / 4)
    assert res.whole.dora.change_failure_rate == pytest.approx(2 / 5)


def test_a_changeless_deployment_after_a_one_service_deployment_serves_only_that_service():
    # as above but c5 (api) moves to a later D5: D3 ships only c4 (web), so D4 serves web
    t, files, groups = _mono([deployment("D4", "2026-01-12T06:00Z", repo="mono"),
                              deployment("D5", "2026-01-12T12:00Z", repo="mono")])
    ch = t.changes
    ch.loc[ch["change_id"] == "c5", "deployment_id"] = "D5"
    ch.loc[ch["change_id"] == "c5", "deployed_at"] = pd.Timestamp("2026-01-12T12:00Z")
    res = analyze_groups(t, memberships(ch, files, groups), groups, None)
    g = _by_name(res)
    # api: D0, D1, D2, D5; web: D1, D2, D3, D4; whole: D0..D5
    assert (res.whole.deployments, g["api"].deployments, g["web"].deployments) == (6, 4, 4)


def test_groups_share_the_whole_window_and_an_empty_group_has_zero_deployments():
    t, files, groups = _mono()
    groups = [*groups, make_group("docs", paths=["docs/"])]
    res = analyze_groups(t, memberships(t.changes, files, groups), groups, None)
    g = _by_name(res)
    assert g["docs"].window == res.whole.window == g["api"].window
    assert g["docs"].changes == 0 and g["docs"].deployments == 0
    assert g["docs"].dora.deployment_frequency_per_week == 0.0
    assert g["docs"].dora.lead_time_median_s is None


def test_incidents_of_a_repository_fail_only_its_own_deployments():
    # two repositories deploy on the same days; an unlinked incident exported for b at
    # 01-03 06:00 belongs to b's latest deployment before it (b1), never to a's a1 (later)
    deps = [deployment("a0", "2026-01-01T00:00Z", repo="a"),
            deployment("b0", "2026-01-01T00:00Z", repo="b"),
            deployment("b1", "2026-01-03T00:00Z", repo="b"),
            deployment("a1", "2026-01-03T03:00Z", repo="a")]
    t = tables([change("x", "2026-01-02T00:00Z", "2026-01-02T01:00Z", "2026-01-03T03:00Z",
                       "a1", repo="a")], deps,
               [{"incident_id": "i", "opened_at": "2026-01-03T06:00Z",
                 "resolved_at": "2026-01-03T07:00Z", "repo": "b"}])
    r = analyze(t, None)
    assert r.dora.counts.failed_deployments == 1
    groups = [make_group("a", repositories=["a"]), make_group("b", repositories=["b"])]
    res = analyze_groups(t, memberships(t.changes, pd.DataFrame(), groups), groups, None)
    g = _by_name(res)
    assert g["a"].dora.change_failure_rate == 0.0
    assert g["b"].dora.change_failure_rate == pytest.approx(1 / 2)


# -- definitions ----------------------------------------------------------------------------

@pytest.mark.parametrize("pattern, path, hit", [
    ("api/", "api/x.py", True),
    ("api/", "lib/api/x.py", True),  # no slash inside: any depth (gitignore rule)
    ("/api/", "lib/api/x.py", False),
    ("packages/vite", "packages/vite/src/a.ts", True),
    ("packages/vite", "packages/vite-plugin/a.ts", False),
    ("packages/vite", "x/packages/vite/a.ts", False),  # a slash inside anchors it
    ("*.md", "docs/deep/readme.md", True),
    ("docs/*.md", "docs/deep/readme.md", False),
    ("docs/**/*.md", "docs/deep/readme.md", True),
    ("**/test_*.py", "a/b/test_x.py", True),
    ("src/?.c", "src/a.c", True),
])
def test_codeowners_style_patterns(pattern, path, hit):
    assert (compile_pattern(pattern).match(path) is not None) is hit


def test_codeowners_last_match_owns_and_people_are_ignored():
    co = parse_codeowners("# owners\n*  @org/core\n/web/  @org/frontend @alice\n"
                          "docs/  bob@example.com\n", "CODEOWNERS")
    assert co.people_ignored == 2
    assert co.owners_of(["api/a.py", "web/x.ts", "docs/a.md"]) == [
        ("@org/core",), ("@org/frontend",), ()]  # docs: owned by a person only → nobody
    t, files, _ = _mono()
    groups = [make_group("core", owner="@org/core"), make_group("front", owner="@org/frontend")]
    m = memberships(t.changes, files, groups, co)
    assert sorted(m.loc[m["group"] == "core", "change_id"]) == ["c0", "c1", "c3", "c5"]
    assert sorted(m.loc[m["group"] == "front", "change_id"]) == ["c2", "c3", "c4"]


@pytest.mark.parametrize("kwargs, where", [
    ({"name": "@alice"}, "group.name"),
    ({"name": "alice@example.com"}, "group.name"),
    ({"name": "x", "owner": "@alice"}, "group.owner"),
    ({"name": "x", "paths": ["@org/team"]}, "group.paths[0]"),
    ({"name": "x", "kind": "person"}, "group.kind"),
    ({"name": "x", "paths": [""]}, "group.paths[0]"),
])
def test_groups_are_never_people(kwargs, where):
    with pytest.raises(GroupError) as e:
        make_group(**kwargs)
    assert e.value.where == where


def test_a_team_handle_may_name_a_group_and_unknown_repositories_are_refused():
    g = make_group("@org/payments", owner="@org/payments")
    assert g.name == "@org/payments"
    with pytest.raises(GroupError, match=r"groups\[0\]\.repositories\[0\]: no repository"):
        check_groups([make_group("x", repositories=["nope"])], ["a", "b"])
    with pytest.raises(GroupError, match="two groups are named"):
        check_groups([make_group("x"), make_group("X")], [])


def test_options_window_applies_to_every_group():
    t, files, groups = _mono()
    opts = AnalysisOptions(since=pd.Timestamp("2026-01-08", tz="UTC"),
                           until=pd.Timestamp("2026-01-13", tz="UTC"))
    res = analyze_groups(t, memberships(t.changes, files, groups), groups, None, opts)
    g = _by_name(res)
    # D2, D3 in the window: api ships c3 and c5 in them (2), web c3 and c4 (2)
    assert (g["api"].deployments, g["web"].deployments, res.whole.deployments) == (2, 2, 2)
