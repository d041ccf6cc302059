"""Flow on work items (issue 18): stage times from statuses and linked changes, start
statuses, delivery, flow metrics on items with DORA on changes, the constraint upstream,
board WIP limits, the statuses found, units of flow for the flow analytics, and the exports.

Every expected value is worked out by hand from the hand-made timelines below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.analysis.frames import DAY, HOUR, T, change, frame, tables
from vsm_app.analysis.engine import AnalysisOptions, analyze, prepare
from vsm_app.analysis.flow_analytics import cumulative_flow
from vsm_app.analysis.items import (
    board_wip_limits,
    item_status_seconds,
    item_units,
    items_export_frame,
    statuses_found,
    union_lengths,
)
from vsm_app.analysis.periods import NAT
from vsm_app.analysis.stages import stage_specs
from vsm_app.domain.items import ItemSettings
from vsm_app.domain.model import (
    Segment,
    SegmentKind,
    Stage,
    StatusBinding,
    ValueStreamMap,
)
from vsm_app.domain.tables import Tables

W, A = SegmentKind.WAIT, SegmentKind.ACTIVE
CATS = {"Backlog": "new", "In Analysis": "indeterminate", "Ready": "new",
        "In Progress": "indeterminate", "Done": "done"}


def a_map() -> ValueStreamMap:
    m = ValueStreamMap("m")
    m.add_stage(Stage("Backlog", statuses=[StatusBinding("Backlog")]))  # new → wait
    m.add_stage(Stage("Analysis", statuses=[StatusBinding("In Analysis"),  # → active
                                            StatusBinding("Ready", W)]))
    m.add_stage(Stage("Review", segments=[Segment("pr_opened", "first_review", W),
                                          Segment("first_review", "approved", A)]))
    return m


def stays(item: str, *steps: tuple[str, str]) -> list[dict[str, object]]:
    """Stays from (status, entered) steps; the last stay is open."""
    rows = []
    for i, (status, entered) in enumerate(steps):
        left = steps[i + 1][1] if i + 1 < len(steps) else None
        rows.append({"item_id": item, "status": status, "category": CATS[status],
                     "entered_at": entered, "left_at": left})
    return rows


def data(with_items: bool = True) -> Tables:
    t = tables(changes=[
        change("c1", "2025-01-08T08:00Z", "2025-01-08T17:00Z", "2025-01-09T12:00Z",
               pr_opened_at="2025-01-08T10:00Z", first_review_at="2025-01-08T14:00Z",
               approved_at="2025-01-08T16:00Z"),
        change("c2", "2025-01-08T09:00Z", "2025-01-08T18:00Z", "2025-01-10T09:00Z",
               pr_opened_at="2025-01-08T12:00Z", first_review_at="2025-01-08T15:00Z",
               approved_at="2025-01-08T16:30Z"),
        change("c0", "2025-01-01T08:00Z", "2025-01-01T09:00Z", "2025-01-02T09:00Z"),
    ])
    if not with_items:
        return t
    t.items = frame("items", [
        {"item_id": "A", "key": "A", "kind": "feature", "created_at": "2025-01-06T09:00Z",
         "done_at": "2025-01-09T10:00Z", "delivered_at": "2025-01-10T09:00Z",
         "category": "done", "type": "Story"},
        {"item_id": "B", "key": "B", "kind": "defect", "created_at": "2025-01-06T09:00Z",
         "done_at": "2025-01-08T08:00Z", "category": "done", "type": "Bug"},
        {"item_id": "E", "key": "E", "kind": "", "created_at": "2025-01-01T09:00Z",
         "category": "new", "type": "Epic"},
    ])
    t.item_status = frame("item_status", [
        *stays("A", ("Backlog", "2025-01-06T09:00Z"), ("In Analysis", "2025-01-07T09:00Z"),
               ("Ready", "2025-01-07T13:00Z"), ("In Progress", "2025-01-07T15:00Z"),
               ("Done", "2025-01-09T10:00Z")),
        # B is reopened: back to the backlog after it was done
        *stays("B", ("Backlog", "2025-01-06T09:00Z"), ("In Analysis", "2025-01-06T21:00Z"),
               ("Done", "2025-01-07T01:00Z"), ("Backlog", "2025-01-08T01:00Z"),
               ("In Analysis", "2025-01-08T07:00Z"), ("Done", "2025-01-08T08:00Z")),
        *stays("E", ("Backlog", "2025-01-01T09:00Z")),
    ])
    t.item_links = frame("item_links", [{"item_id": "A", "change_id": "c1", "how": "branch"},
                                        {"item_id": "A", "change_id": "c2", "how": "branch"}])
    return t


WINDOW = AnalysisOptions(since=T("2025-01-01"), until=T("2025-01-13"))


def stage(doc: dict[str, object], name: str) -> dict[str, object]:
    return next(s for s in doc["stages"] if s["name"] == name)  # type: ignore[index, union-attr]


def test_union_of_intervals() -> None:
    u = np.array([0, 0, 0, 1, 0])
    c = np.array([0, 0, 0, 0, 1])
    a = np.array([10, 12, 20, 5, 0])
    b = np.array([14, 15, 21, 6, 3])
    got = union_lengths(u, c, a, b)
    # [10,14) ∪ [12,15) ∪ [20,21) = 5 + 1; never the sum 4 + 3 + 1
    assert sorted(map(tuple, got.to_numpy().tolist())) == [(0, 0, 6), (0, 1, 3), (1, 0, 1)]


def test_stage_times_per_item_by_hand() -> None:
    p = prepare(data(), a_map())
    dur = p.items.view.durations
    ids = list(p.items.view.changes["change_id"])
    assert ids == ["A", "B"]  # the epic is not a unit of flow
    v = dur.values
    a, b = 0, 1
    assert v.loc[a, "0:wait"] == 24 * HOUR  # Backlog, "To Do"-like: wait
    assert v.loc[a, "1:active"] == 4 * HOUR  # In Analysis, "In Progress"-like: active
    assert v.loc[a, "1:wait"] == 2 * HOUR  # Ready, bound as wait
    # Review from both changes: the union of [10:00,14:00) and [12:00,15:00) waiting, of
    # [14:00,16:00) and [15:00,16:30) working — never 7 h and 3.5 h
    assert v.loc[a, "2:wait"] == 5 * HOUR
    assert v.loc[a, "2:active"] == 2.5 * HOUR
    # B was in the backlog twice (reopened): 12 h + 6 h; analysed twice: 4 h + 1 h
    assert v.loc[b, "0:wait"] == 18 * HOUR
    assert v.loc[b, "1:active"] == 5 * HOUR
    assert np.isnan(v.loc[b, "1:wait"])  # never in Ready: it skipped that part, missing
    assert np.isnan(v.loc[b, "2:wait"])  # no linked change: no review measured
    # flow: A from creation to its last change's deployment, B to its final done
    ft = p.items.view.changes["flow_time_s"].tolist()
    assert ft == [4 * DAY, 47 * HOUR]


def test_flow_on_items_dora_on_changes() -> None:
    doc = analyze(data(), a_map(), WINDOW).to_json()
    alone = analyze(data(with_items=False), a_map(), WINDOW).to_json()
    assert doc["flow"]["unit"] == "items" and alone["flow"]["unit"] == "changes"
    assert doc["items"] == 2 and "items" not in alone
    assert doc["changes"] == alone["changes"] == 3
    assert doc["dora"] == alone["dora"]
    assert doc["deployments"] == alone["deployments"]
    # velocity: 2 items in 12 days; flow time median of 96 h and 47 h
    assert doc["flow"]["velocity_per_week"] == pytest.approx(2 / (12 / 7))
    assert doc["flow"]["flow_time_median_s"] == pytest.approx((96 + 47) / 2 * HOUR)
    assert doc["flow"]["distribution"] == {"feature": 0.5, "defect": 0.5, "debt": 0.0,
                                           "risk": 0.0}
    # efficiency: Σ active (A: 4 h + 2.5 h, B: 5 h) ÷ Σ flow (96 h + 47 h)
    assert doc["flow"]["efficiency"] == pytest.approx((4 + 2.5 + 5) / (96 + 47))
    assert doc["flow"]["finish_basis"] == "mixed"  # A delivered, B done only
    assert stage(doc, "Backlog")["wait_median_s"] == pytest.approx((24 + 18) / 2 * HOUR)
    assert stage(doc, "Backlog")["bound"] is True
    # Backlog's share of flow time: (24 h + 18 h) / (96 h + 47 h)
    assert stage(doc, "Backlog")["share"] == pytest.approx(42 / 143)
    assert doc["data_quality"]["items"]["units_in_window"] == 2


def test_start_status_moves_the_start_and_clips_what_came_before() -> None:
    p = prepare(data(), a_map(), item_settings=ItemSettings(start_statuses=("in analysis",)))
    v = p.items.view.changes
    # A started analysing at 01-07 09:00: 72 h to its delivery; B first at 01-06 21:00
    assert v["flow_time_s"].tolist() == [72 * HOUR, 35 * HOUR]
    dur = p.items.view.durations.values
    assert np.isnan(dur.loc[0, "0:wait"])  # A's backlog time was before it started
    assert dur.loc[1, "0:wait"] == 6 * HOUR  # B's second stay in the backlog counts


def test_items_without_a_start_status_have_not_started(tmp_path: object) -> None:
    p = prepare(data(), a_map(), item_settings=ItemSettings(start_statuses=("Ready",)))
    v = p.items.view.changes
    # B was never Ready: no start, no flow time; it still finished (velocity)
    assert v["start"].tolist()[1] == NAT and np.isnan(v["flow_time_s"].tolist()[1])
    assert p.items.quality["units_without_start"] == 1
    out = items_export_frame(p.items, data())
    assert out.loc[1, "flow_time_note"] == "never entered a start status"


def test_the_constraint_can_be_upstream() -> None:
    """30 items that wait three days in the backlog and an hour for review: Backlog."""
    changes, items, status, links = [], [], [], []
    for i in range(30):
        d = pd.Timestamp("2025-02-03T08:00Z") + pd.Timedelta(days=i)
        changes.append(change(f"c{i}", str(d + pd.Timedelta(days=3, hours=2)),
                              str(d + pd.Timedelta(days=3, hours=6)),
                              str(d + pd.Timedelta(days=3, hours=8)),
                              pr_opened_at=str(d + pd.Timedelta(days=3, hours=3)),
                              first_review_at=str(d + pd.Timedelta(days=3, hours=4)),
                              approved_at=str(d + pd.Timedelta(days=3, hours=5))))
        items.append({"item_id": f"I{i}", "key": f"I-{i}", "kind": "feature",
                      "created_at": str(d), "delivered_at": str(d + pd.Timedelta(days=3,
                                                                                 hours=8)),
                      "done_at": str(d + pd.Timedelta(days=3, hours=6)), "category": "done"})
        status += stays(f"I{i}", ("Backlog", str(d)),
                        ("In Analysis", str(d + pd.Timedelta(days=3))),
                        ("In Progress", str(d + pd.Timedelta(days=3, hours=1))),
                        ("Done", str(d + pd.Timedelta(days=3, hours=6))))
        links.append({"item_id": f"I{i}", "change_id": f"c{i}", "how": "branch"})
    t = tables(changes=changes)
    t.items, t.item_status = frame("items", items), frame("item_status", status)
    t.item_links = frame("item_links", links)
    doc = analyze(t, a_map()).to_json()
    assert doc["bottleneck"]["stage"] == "Backlog"
    # Backlog: 3 days of the 3 d 8 h flow of every item
    assert doc["bottleneck"]["share"] == pytest.approx(72 / 80)
    assert doc["bottleneck"]["coverage"]["constraint"]["statement"].endswith("30 items")


def test_board_limits_for_stages_bound_to_its_columns() -> None:
    board = frame("board_columns", [
        {"board": "b", "column": "Analysis", "position": 0, "wip_max": 3},
        {"board": "b", "column": "Ready", "position": 1, "wip_max": 5},
        {"board": "b", "column": "Doing", "position": 2, "wip_max": None}])
    board["statuses"] = [("In Analysis",), ("ready",), ("In Progress",)]
    specs = stage_specs(a_map())
    # Analysis holds the statuses of two columns: the sum of their maxima
    assert board_wip_limits(board, specs) == {"Analysis": 8}
    t = data()
    t.board_columns = board
    doc = analyze(t, a_map(), WINDOW).to_json()
    assert stage(doc, "Analysis")["board_wip_limit"] == 8
    assert "board_wip_limit" not in stage(doc, "Backlog")


def test_statuses_found_with_counts() -> None:
    found = statuses_found(data())
    rows = {r.status: r for r in found.itertuples()}
    # Backlog: A, B (twice), E; In Analysis: A, B twice
    assert (rows["Backlog"].items, rows["Backlog"].stays) == (3, 4)
    assert (rows["In Analysis"].items, rows["In Analysis"].stays) == (2, 3)
    assert rows["In Analysis"].default_kind == "active"
    assert rows["Backlog"].default_kind == "wait" and rows["Done"].default_kind == "wait"
    # closed stays only: A 24 h and B 12 h + 6 h; E's stay is still open
    assert rows["Backlog"].seconds == 42 * HOUR
    assert found["status"].tolist()[0] == "Backlog"  # most items first


def test_item_units_and_where_they_were() -> None:
    p = prepare(data(), a_map())
    units = item_units(p)
    assert units.noun == "items" and units.units["label"].tolist() == ["A", "B"]
    occ = units.occupancy
    a = occ[occ["unit"] == 0]
    names = [units.stage_names[s] for s in a["stage"]]
    # Backlog, Analysis (In Analysis, then Ready), no stage while In Progress until the first
    # pull request opens, Review while either change is in review, then no stage until the
    # delivery
    assert names == ["Backlog", "Analysis", "(no stage)", "Review", "(no stage)"]
    edges = [T(x).value for x in ("2025-01-06T09:00", "2025-01-07T09:00", "2025-01-07T15:00",
                                  "2025-01-08T10:00", "2025-01-08T16:30", "2025-01-10T09:00")]
    assert a["entered"].tolist() == edges[:-1]
    assert a["left"].tolist() == edges[1:]
    # every unit's stays cover [start, finish) exactly
    for u, g in occ.groupby("unit"):
        assert g["entered"].iloc[0] == units.start_ns[u]
        assert g["left"].iloc[-1] == units.finish_ns[u]
        assert (g["left"].to_numpy()[:-1] == g["entered"].to_numpy()[1:]).all()
    # the CFD's bands add up to the load: two items in progress on the evening of 01-07
    cfd = cumulative_flow(units, "2025-01-06", "2025-01-11")
    row = cfd.bands.loc[pd.Timestamp("2025-01-07", tz="UTC")]
    assert int(row.sum()) == 2


def test_item_status_export_window(tmp_path: object) -> None:
    t = data()
    # no window: the whole history; open stays run to the end of the data (c2's deployment,
    # 2025-01-10 09:00)
    full = item_status_seconds(t)
    rows = {(r.item_id, r.status): r.seconds for r in full.itertuples()}
    assert rows[("B", "Backlog")] == 18 * HOUR
    assert rows[("A", "Done")] == 23 * HOUR  # 01-09 10:00 → 01-10 09:00
    assert rows[("E", "Backlog")] == (T("2025-01-10T09:00") - T("2025-01-01T09:00")) \
        .total_seconds()
    # a window: only the part inside it; open stays run to --until
    part = item_status_seconds(t, T("2025-01-07"), T("2025-01-08"))
    rows = {(r.item_id, r.status): r.seconds for r in part.itertuples()}
    assert rows[("A", "Backlog")] == 9 * HOUR  # 01-07 00:00 → 09:00
    assert rows[("B", "Done")] == 23 * HOUR  # 01-07 01:00 → 01-08 00:00
    assert rows[("E", "Backlog")] == 24 * HOUR


def test_items_export_columns_and_notes() -> None:
    t = data()
    p = prepare(t, a_map())
    out = items_export_frame(p.items, t)
    assert list(out.columns) == ["item_id", "key", "kind", "created_at", "started_at",
                                 "done_at", "delivered_at", "flow_time_s", "linked_changes",
                                 "flow_time_note"]
    a = out.set_index("item_id").loc["A"]
    assert (a["created_at"], a["delivered_at"]) == ("2025-01-06T09:00:00Z",
                                                    "2025-01-10T09:00:00Z")
    assert a["flow_time_s"] == 4 * DAY and a["linked_changes"] == "c1 c2"
    e = out.set_index("item_id").loc["E"]
    assert np.isnan(e["flow_time_s"]) and e["flow_time_note"] == \
        "not a unit of flow (its type: Epic)"
    assert "title" not in out
    t.items["title"] = ["Login", "Crash", "Epic"]
    assert items_export_frame(p.items, t, include_titles=True)["title"].tolist() == \
        ["Login", "Crash", "Epic"]


def test_items_in_statuses_newest_first_latest_stay_ties_by_key() -> None:
    """A stage's items: the latest stay of each item in any of the stage's statuses (names
    compared trimmed and case-folded), newest entry first, equal entries by key."""
    from vsm_app.analysis.journey import items_in_statuses
    from vsm_app.domain.tables import Tables, conform

    def ts(h: float) -> pd.Timestamp:
        return pd.Timestamp("2025-03-01T00:00:00Z") + pd.Timedelta(hours=h)

    stays = [("1", "Ready", ts(0), ts(5)), ("1", "In Dev", ts(5), ts(9)),
             ("1", "ready ", ts(9), ts(12)),  # reopened: back in Ready, its latest stay
             ("2", "Ready", ts(12), pd.NaT), ("3", "Analysis", ts(12), pd.NaT),
             ("4", "In Dev", ts(1), pd.NaT)]
    t = Tables(items=conform(pd.DataFrame({"item_id": ["1", "2", "3", "4"],
                                           "key": ["P-1", "P-2", "P-3", "P-4"]}), "items"),
               item_status=conform(pd.DataFrame(stays, columns=["item_id", "status",
                                                                "entered_at", "left_at"]),
                                   "item_status"))
    out = items_in_statuses(t, ["Ready", "analysis"])
    # P-2 and P-3 both entered at h12 (by key), then P-1's second stay in Ready at h9
    assert list(out["key"]) == ["P-2", "P-3", "P-1"]
    assert list(out["status"]) == ["Ready", "Analysis", "ready "]
    assert list(out["entered_at"]) == [ts(12), ts(12), ts(9)]
    assert out["left_at"].isna().tolist() == [True, True, False]
    assert items_in_statuses(t, ["Done"]).empty


def test_group_flow_is_on_the_groups_items() -> None:
    """Issue 18 × 21: with items loaded a group's flow counts its own items — those linked to
    its changes, or whose tracker names one of its repositories — never the whole's."""
    from vsm_app.analysis.groups import analyze_groups, memberships
    from vsm_app.domain.groups import make_group

    t = data()
    # c1 and c2 (A's changes) are in repository web, c0 in api; B names no repository
    t.changes = t.changes.assign(repo=pd.array(["web", "web", "api"], dtype="string"))
    groups = [make_group("web", repositories=["web"]), make_group("api", repositories=["api"])]
    res = analyze_groups(t, memberships(t.changes, pd.DataFrame(), groups), groups, a_map(),
                         WINDOW)
    g = {gr.group.name: gr.result for gr in res.groups}
    whole = res.whole.to_json()
    assert whole["items"] == 2
    web, api = g["web"].to_json(), g["api"].to_json()
    # web: A only (linked to c1, c2): 96 h from creation to c2's deployment
    assert web["flow"]["unit"] == "items" and web["items"] == 1
    assert web["flow"]["flow_time_median_s"] == pytest.approx(96 * HOUR)
    assert web["flow"]["distribution"]["feature"] == 1.0
    # api: c0 carries no item's key, and B names no repository: no item
    assert api["items"] == 0 and api["flow"]["flow_time_median_s"] is None
    # DORA stays on the group's changes: api has c0 only
    assert api["changes"] == 1 and web["changes"] == 2
    # B's tracker names api (a GitHub issue's repository): then it is api's
    t.items = t.items.assign(repo=pd.array([None, "api", None], dtype="string"))
    res = analyze_groups(t, memberships(t.changes, pd.DataFrame(), groups), groups, a_map(),
                         WINDOW)
    api = next(gr.result for gr in res.groups if gr.group.name == "api").to_json()
    assert api["items"] == 1
    assert api["flow"]["flow_time_median_s"] == pytest.approx(47 * HOUR)
