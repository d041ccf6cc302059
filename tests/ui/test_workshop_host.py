"""Hosting a workshop from the window: invite, the inbox, accepting as undoable commands.

Participants are simulated with HTTP requests on loopback (the browser test drives a real
page, tests/ui/test_workshop_browser.py); every server here binds 127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
import re
import xml.dom.minidom
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import segno
from PySide6.QtCore import Qt

from vsm_app.domain.improvement import read_surveys
from vsm_app.domain.model import KaizenBurst, Project, ValueStreamMap
from vsm_app.ui import commands as cmd
from vsm_app.workshop import net


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """No LAN address in tests: hosting defaults to loopback."""
    monkeypatch.setattr(net, "lan_address", lambda: None)


class Participant:
    def __init__(self, url: str, name: str) -> None:
        parts = urlsplit(url)
        self.port, self.base = parts.port, parts.path
        self.id = self.post("join", {"name": name})[1]["participant"]

    def post(self, endpoint: str, doc: dict[str, Any]) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            body = json.dumps({"p": getattr(self, "id", ""), **doc}).encode()
            conn.request("POST", self.base + endpoint, body,
                         {"Content-Type": "application/json"})
            r = conn.getresponse()
            return r.status, json.loads(r.read())
        finally:
            conn.close()

    def get(self, endpoint: str) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", self.base + endpoint)
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()


def host_ui(window: Any) -> Any:
    return window.workshop_host


def invite(window: Any, qtbot: Any) -> Any:
    action = window.findChild(type(window.actions_by_name["save"]), "action.workshop.invite")
    action.trigger()
    dlg = host_ui(window).invite_dialog
    qtbot.waitExposed(dlg)
    return dlg


def test_invite_hosts_on_loopback_with_a_qr_code_of_the_link(window: Any, qtbot: Any,
                                                              artifacts_dir: Path) -> None:
    dlg = invite(window, qtbot)
    ui = host_ui(window)
    url = ui.host.url
    assert url.startswith("http://127.0.0.1:") and "/s/" in url
    assert dlg.url.text() == url
    assert "Only this computer" in dlg.where.text()
    # the code on screen encodes exactly the link (the same matrix segno makes of it)
    expected = [list(r) for r in segno.make(url, error="m", micro=False)
                .matrix_iter(scale=1, border=4)]
    assert dlg.qr.modules == expected
    # large: whole pixels per module, at least 360 px across
    assert dlg.qr.module_px() >= 8 and dlg.qr_rect().width() >= 360
    img = dlg.qr.grab().toImage()
    r = dlg.qr_rect()
    px = dlg.qr.module_px()
    # the quiet zone is white, the finder pattern's corner (module 4, 4) is black
    assert img.pixelColor(int(r.left() + px), int(r.top() + px)).lightness() == 255
    assert img.pixelColor(int(r.left() + 4 * px + 1), int(r.top() + 4 * px + 1)).lightness() == 0
    dlg.grab().save(str(artifacts_dir / "workshop_invite.png"))
    # the page answers at that link
    p = Participant(url, "Ana")
    assert p.get("")[0] == 200
    qtbot.waitUntil(lambda: "1 participant joined" in dlg.participants.text(), timeout=3000)
    # stop: the link stops working, the dialog says so
    window.findChild(type(window.actions_by_name["save"]), "action.workshop.stop").trigger()
    assert ui.host.url is None and dlg.heading.text() == "Not hosting"
    with pytest.raises(OSError):
        for _ in range(50):  # the port closes in a helper thread, a moment later
            p.get("")
            qtbot.wait(20)


def test_changing_the_network_restarts_with_a_new_link(window: Any, qtbot: Any) -> None:
    dlg = invite(window, qtbot)
    first = host_ui(window).host.url
    dlg.select_address("127.0.0.1")
    assert dlg.start()
    second = host_ui(window).host.url
    assert second != first  # a new token: the old link no longer opens anything
    old = urlsplit(first)
    conn = http.client.HTTPConnection("127.0.0.1", urlsplit(second).port, timeout=5)
    conn.request("GET", old.path)
    assert conn.getresponse().status == 403


def contribute(window: Any, qtbot: Any) -> dict[str, Any]:
    """Three participants send notes, estimates, dots and pulse answers."""
    m = window.current_map()
    review = m.stage_by_name("Review")
    idea = KaizenBurst("Review within 4 h", review.id, x=review.x + 85, y=review.y - 90)
    window.undo_stack.push(cmd.AddElementCommand(m, idea))
    ui = host_ui(window)
    ui.host.start("127.0.0.1")
    qtbot.waitUntil(lambda: ui.host.session.view.kaizen(idea.id) is not None, timeout=3000)
    ana, ben, cy = (Participant(ui.host.url, n) for n in ("Ana", "Ben", "Cy"))
    assert ana.post("note", {"stage": review.id, "text": "QA is <one> person"})[0] == 200
    for p, wait, pca in ((ana, "1h", "80%"), (ben, "4h", ""), (cy, "1d", "0.9")):
        assert p.post("estimate", {"stage": review.id, "wait": wait, "pca": pca})[0] == 200
    for p in (ana, ben, ben):
        assert p.post("vote", {"kaizen": idea.id})[0] == 200
    for p, perf in ((ana, 4), (ben, 2), (cy, 3)):
        assert p.post("pulse", {"performance": perf, "comment": "CI is slow" if p is cy
                                else ""})[0] == 200
    dock = ui.inbox
    qtbot.waitUntil(lambda: len(dock.rows()) >= 9, timeout=5000)
    return {"map": m, "review": review, "idea": idea, "dock": dock, "ui": ui,
            "people": (ana, ben, cy)}


def row_texts(dock: Any) -> list[tuple[str, str]]:
    dock.refresh()
    return [(it.text(0), it.text(1)) for it in dock.rows()]


def test_contributions_arrive_grouped_by_stage_and_accept_as_undoable_commands(
        window: Any, qtbot: Any, artifacts_dir: Path) -> None:
    c = contribute(window, qtbot)
    dock, m, review, idea = c["dock"], c["map"], c["review"], c["idea"]
    texts = row_texts(dock)
    assert texts[0][0] == "Review  (1 note, 3 estimates, 3 dots)"
    # the median of 1 h, 4 h and 1 d is 4 h; %C&A proposed twice: median of 80 % and 90 %
    assert texts[1:6] == [("Median of 3 estimates", "Ana, Ben, Cy"),
                          ("= wait 4h (1h – 1d)", ""), ("= %C&A 85 % (80 % – 90 %)", ""),
                          ("wait 1h, %C&A 80 %", "Ana"), ("wait 4h", "Ben")]
    assert ("● 3 dots on “Review within 4 h”", "Ana, Ben ×2") in texts
    assert ("Note: QA is <one> person", "Ana") in texts
    assert texts[-2][0] == "Team pulse  (3 anonymous answers)"
    assert texts[-1][0].startswith("Record as SPACE round ")
    assert texts[-1][0].endswith(": 3 answers")
    assert not any("Ana" in t[1] or "Cy" in t[1] for t in texts[-2:])  # the pulse is anonymous
    dock.resize(460, 520)
    dock.grab().save(str(artifacts_dir / "workshop_inbox.png"))

    before = window.undo_stack.count()
    old_estimates = m.stage(review.id).estimates
    # accept the median: one command; wait = median, the spread kept as the range
    assert dock.select(lambda it: it.text(0).startswith("Median of 3")) == 1
    assert dock.accept_selected() == 1
    est = m.stage(review.id).estimates
    assert (est.wait_time_s, est.wait_time_min_s, est.wait_time_max_s) == (
        4 * 3600.0, 3600.0, 86_400.0)
    assert est.pca == pytest.approx(0.85)
    assert window.undo_stack.count() == before + 1
    assert not any(t[0].startswith("Median") for t in row_texts(dock))
    # undo: the stage is as before and the proposals are back in the inbox
    window.undo_stack.undo()
    assert m.stage(review.id).estimates == old_estimates
    assert any(t[0].startswith("Median of 3") for t in row_texts(dock))
    window.undo_stack.redo()

    # the note goes on the map above its stage; the dots on the idea's tally
    assert dock.select(lambda it: it.text(0).startswith(("Note:", "● 3 dots"))) == 2
    assert dock.accept_selected() == 2
    assert window.undo_stack.count() == before + 2  # both in one undo step
    (note,) = m.notes.values()
    assert note.text == "QA is <one> person" and note.y + 96 <= review.y - 150
    assert m.kaizens[idea.id].votes == 3
    item = window.current_editor().scene.element_item(idea.id)
    assert item.votes == 3 and "3 dot votes" in item.toolTip()
    window.undo_stack.undo()
    assert not m.notes and m.kaizens[idea.id].votes == 0
    window.undo_stack.redo()

    # the pulse: a SPACE round of team means (3 answers, the minimum group)
    assert dock.select(lambda it: it.text(0).startswith("Record as SPACE")) == 1
    dock.accept_selected()
    (round_,) = read_surveys(window.project)
    assert round_.n_responses == 3 and round_.performance == pytest.approx(3.0)
    assert round_.comments == ["CI is slow"]
    assert row_texts(dock) == []
    assert dock.empty.isVisibleTo(dock)
    # display names are for the session only: the saved project holds none of them
    from vsm_app.storage.project_file import save_project
    save_project(window.project, artifacts_dir.parent / "artifacts" / "workshop_saved.vsm")
    saved = (artifacts_dir / "workshop_saved.vsm").read_text(encoding="utf-8")
    assert "QA is <one> person" in saved and '"votes": 3' in saved
    for name in ("Ana", "Ben", "Cy"):
        assert re.search(rf"\b{name}\b", saved) is None, name
    # participants see their contributions taken up
    ana = c["people"][0]
    state = json.loads(ana.get(f"state?p={ana.id}")[1])
    assert {x["status"] for x in state["me"]["contributions"]} == {"accepted"}


def test_reject_and_the_dots_come_back(window: Any, qtbot: Any) -> None:
    c = contribute(window, qtbot)
    dock, ben = c["dock"], c["people"][1]
    before = window.undo_stack.count()
    assert dock.select(lambda it: it.text(0).startswith("● 3 dots")) == 1
    assert dock.reject_selected() == 3
    assert window.undo_stack.count() == before  # nothing changed on the map
    assert c["map"].kaizens[c["idea"].id].votes == 0
    state = json.loads(ben.get(f"state?p={ben.id}")[1])
    assert state["me"]["votes_left"] == 3


def test_accepting_a_group_accepts_all_of_it(window: Any, qtbot: Any) -> None:
    c = contribute(window, qtbot)
    dock, m = c["dock"], c["map"]
    assert dock.select(lambda it: it.text(0).startswith("Review  (")) == 1
    assert dock.accept_selected() == 3  # the median, the dots, the note
    assert len(m.notes) == 1 and m.kaizens[c["idea"].id].votes == 3
    assert m.stage(c["review"].id).estimates.wait_time_s == 4 * 3600.0


def test_a_deleted_stage_cannot_be_accepted_but_can_be_rejected(window: Any,
                                                                qtbot: Any) -> None:
    c = contribute(window, qtbot)
    dock, m, review = c["dock"], c["map"], c["review"]
    window.undo_stack.push(cmd.RemoveStageCommand(m, review.id))
    dock.refresh()
    assert dock.select(lambda it: it.text(0).startswith("Note:")) == 1
    assert dock.accept_selected() == 0
    assert "its stage was deleted" in dock.message.text()
    assert dock.reject_selected() == 1


def test_the_map_is_published_when_it_changes_and_texts_are_escaped(window: Any,
                                                                    qtbot: Any) -> None:
    ui = host_ui(window)
    ui.host.start("127.0.0.1")
    session = ui.host.session
    v0 = session.view.version
    m = window.current_map()
    window.undo_stack.push(cmd.SetStageFieldsCommand(m, m.stages[0].id,
                                                     {"name": '<script>alert("x")</script>'}))
    qtbot.waitUntil(lambda: session.view.version > v0, timeout=3000)
    svg = session.view.svg
    xml.dom.minidom.parseString(svg)  # well-formed: the name cannot break out
    assert b"<script" not in svg and b"&lt;script&gt;" in svg
    p = Participant(ui.host.url, "Ana")
    state = json.loads(p.get(f"state?p={p.id}")[1])
    assert state["map"]["stages"][0]["name"] == '<script>alert("x")</script>'
    # a burst of edits is published at most every 300 ms, the last state included
    v1 = session.view.version
    for i in range(5):
        window.undo_stack.push(cmd.SetStageFieldsCommand(m, m.stages[1].id,
                                                         {"name": f"Review {i}"}))
    qtbot.waitUntil(lambda: b"Review 4" in session.view.svg, timeout=3000)
    assert session.view.version - v1 <= 2
    # another tab: participants follow the map on screen
    window.new_map()
    qtbot.waitUntil(lambda: session.view.map_id == window.current_map().id, timeout=3000)


def test_opening_another_project_stops_hosting_and_empties_the_inbox(window: Any,
                                                                     qtbot: Any) -> None:
    c = contribute(window, qtbot)
    window.set_project(Project("Other", [ValueStreamMap("Current state")]))
    assert not c["ui"].host.is_hosting()
    assert row_texts(c["dock"]) == []


def test_stopping_keeps_the_inbox(window: Any, qtbot: Any) -> None:
    c = contribute(window, qtbot)
    n = len(row_texts(c["dock"]))
    c["ui"].host.stop()
    assert len(row_texts(c["dock"])) == n  # sort the inbox after the session
    assert c["dock"].select(lambda it: it.text(0).startswith("Note:")) == 1
    assert c["dock"].accept_selected() == 1


def test_clear_dot_votes_is_one_undo_step(window: Any) -> None:
    m = window.current_map()
    a = KaizenBurst("A", votes=3)
    b = KaizenBurst("B", votes=2)
    m.add_element(a)
    m.add_element(b)
    window.findChild(type(window.actions_by_name["save"]),
                     "action.workshop.clear_votes").trigger()
    assert (a.votes, b.votes) == (0, 0)
    window.undo_stack.undo()
    assert (a.votes, b.votes) == (3, 2)


def test_closing_the_window_stops_hosting(window: Any, qtbot: Any) -> None:
    host = host_ui(window).host
    server = host.start("127.0.0.1")
    p = Participant(host.url, "Ana")
    window.undo_stack.setClean()
    window.close()
    assert not host.is_hosting() and not server.session.is_open
    server.stop(wait=True)  # the port closing (a helper thread) is done
    with pytest.raises(OSError):
        p.get("")


def test_screenshot_window_with_the_inbox(window: Any, qtbot: Any, artifacts_dir: Path) -> None:
    c = contribute(window, qtbot)
    dock = c["dock"]
    assert dock.select(lambda it: it.text(0).startswith("● 3 dots")) == 1
    dock.accept_selected()
    c["ui"].show_inbox()
    window.set_theme("light")
    window.current_editor().view.fit_to_view()
    qtbot.waitUntil(lambda: "3 participants joined" in dock.status.text(), timeout=3000)
    assert window.grab().save(str(artifacts_dir / "workshop_window.png"))


def test_a_pulse_of_two_keeps_only_its_count(window: Any, qtbot: Any) -> None:
    ui = host_ui(window)
    ui.host.start("127.0.0.1")
    for name, perf in (("Ana", 5), ("Ben", 1)):
        assert Participant(ui.host.url, name).post("pulse", {"performance": perf})[0] == 200
    dock = ui.inbox
    qtbot.waitUntil(lambda: len(dock.rows()) == 3, timeout=3000)
    texts = [t for t, _ in row_texts(dock)]
    assert texts[1].endswith(": 2 answers")
    assert texts[2] == "fewer than 3: only the count is kept"
    assert dock.select(lambda it: it.text(0).startswith("Record as SPACE")) == 1
    dock.accept_selected()
    (round_,) = read_surveys(window.project)
    assert (round_.n_responses, round_.performance, round_.comments) == (2, None, [])
    # a third answer later the same week: the round is recorded again with all three
    assert Participant(ui.host.url, "Cy").post("pulse", {"performance": 3})[0] == 200
    qtbot.waitUntil(lambda: len(dock.rows()) >= 2, timeout=3000)
    texts = [t for t, _ in row_texts(dock)]
    assert texts[1].endswith(": 3 answers") and texts[2].startswith("with the 2 recorded")
    dock.select(lambda it: it.text(0).startswith("Record as SPACE"))
    dock.accept_selected()
    (round_,) = read_surveys(window.project)
    assert (round_.n_responses, round_.performance) == (3, pytest.approx(3.0))  # (5+1+3)/3


def test_a_busy_stage_draws_the_oldest_rows_and_counts_the_rest(
        window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from vsm_app.ui.workshop_host import inbox_dock

    monkeypatch.setattr(inbox_dock, "ROWS_PER_KIND", 2)
    c = contribute(window, qtbot)
    texts = row_texts(c["dock"])
    assert ("wait 1h, %C&A 80 %", "Ana") in texts and ("wait 4h", "Ben") in texts
    assert ("wait 1d, %C&A 90 %", "Cy") not in texts
    assert ("… 1 more proposal", "") in texts
    more = next(it for it in c["dock"].rows() if it.text(0).startswith("…"))
    assert not more.flags() & more.flags().ItemIsSelectable
    # the median still counts every proposal; accepting the first shows the next
    assert ("Median of 3 estimates", "Ana, Ben, Cy") in texts
    assert c["dock"].select(lambda it: it.text(0) == "wait 1h, %C&A 80 %") == 1
    c["dock"].accept_selected()
    texts = row_texts(c["dock"])
    assert ("wait 1d, %C&A 90 %", "Cy") in texts and not any(t.startswith("…") for t, _ in texts)


def test_the_workshop_menu_sits_before_view_and_its_shortcut_is_unique(window: Any) -> None:
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles.index("Workshop") == titles.index("View") - 1
    invite_action = window.actions_by_name["workshop_invite"]
    assert invite_action.shortcut().toString() == "Ctrl+Shift+I"
    taken = [a.shortcut().toString() for a in window.actions_by_name.values()
             if a is not invite_action]
    assert "Ctrl+Shift+I" not in taken
    assert not window.actions_by_name["workshop_stop"].isEnabled()


def test_redrawing_the_inbox_frees_the_rows_it_replaces(window: Any, qtbot: Any) -> None:
    import gc

    from PySide6.QtWidgets import QTreeWidgetItem

    def wrappers() -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects() if type(o) is QTreeWidgetItem)

    c = contribute(window, qtbot)
    dock, review = c["dock"], c["review"]
    ana, ben, _ = c["people"]
    dock.refresh()
    rows0, before = len(dock.rows()), wrappers()
    for i in range(12):  # each note redraws the Review group (about 10 rows)
        p = ana if i % 2 else ben
        assert p.post("note", {"stage": review.id, "text": f"note {i}"})[0] == 200
        qtbot.waitUntil(lambda i=i: any(it.text(0) == f"Note: note {i}" for it in dock.rows()),
                        timeout=3000)
    assert len(dock.rows()) == rows0 + 12
    # only the 12 new rows (and the rows() lists' own wrappers) stay; redrawn rows are freed
    assert wrappers() - before <= 12 + len(dock.rows())
    assert dock.select(lambda it: it.text(0).startswith("Note: note")) == 12
    assert dock.reject_selected() == 12
    assert len(dock.rows()) == rows0


def test_a_second_accept_before_the_redraw_does_nothing(window: Any, qtbot: Any) -> None:
    c = contribute(window, qtbot)
    dock, m = c["dock"], c["map"]
    assert dock.select(lambda it: it.text(0).startswith("Note:")) == 1
    (row,) = dock.tree.selectedItems()
    assert dock.accept_selected() == 1
    assert dock.tree.selectedItems() == []  # decided rows leave the selection at once
    row.setSelected(True)  # the row is still drawn until the next turn: Enter again
    assert dock.accept_selected() == 0 and dock.reject_selected() == 0
    assert len(m.notes) == 1
    qtbot.waitUntil(lambda: not any(it.text(0).startswith("Note:")
                                    for it in dock.tree.findItems("", Qt.MatchFlag.MatchContains
                                                                  | Qt.MatchFlag.MatchRecursive)),
                    timeout=2000)
