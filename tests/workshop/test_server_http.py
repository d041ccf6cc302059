"""The session's HTTP server over loopback: token, limits, escaping, endpoints, live events."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from vsm_app.domain.model import KaizenBurst, ValueStreamMap
from vsm_app.domain.templates import software_delivery
from vsm_app.workshop.contributions import Kind, MapView, Status
from vsm_app.workshop.server import WorkshopServer
from vsm_app.workshop.session import Limits, WorkshopSession

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'


class Client:
    """A tiny HTTP client for one server (a new connection per request)."""

    def __init__(self, server: WorkshopServer) -> None:
        self.server = server
        self.base = urlsplit(server.url).path  # /s/<token>/

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def get(self, endpoint: str) -> tuple[int, dict[str, str], bytes]:
        return self.request("GET", self.base + endpoint)

    def post(self, endpoint: str, doc: Any) -> tuple[int, Any]:
        status, _, body = self.request("POST", self.base + endpoint, json.dumps(doc).encode(),
                                       {"Content-Type": "application/json"})
        return status, json.loads(body)

    def join(self, name: str = "Ana") -> str:
        status, doc = self.post("join", {"name": name})
        assert status == 200, doc
        return doc["participant"]


@pytest.fixture
def vsm() -> ValueStreamMap:
    m = software_delivery()
    m.add_element(KaizenBurst("Review within 4 h", m.stages[1].id))
    return m


def serve(vsm: ValueStreamMap, **kw: Any) -> tuple[WorkshopSession, WorkshopServer]:
    session = WorkshopSession(**kw)
    session.publish(MapView.of(vsm, SVG))
    return session, WorkshopServer(session)  # loopback, a free port


@pytest.fixture
def hosted(vsm: ValueStreamMap) -> Iterator[tuple[WorkshopSession, WorkshopServer, Client]]:
    session, server = serve(vsm)
    yield session, server, Client(server)
    server.stop(wait=True)


def test_the_page_is_served_with_the_token_only(hosted) -> None:
    session, server, c = hosted
    assert server.host == "127.0.0.1" and server.url.startswith("http://127.0.0.1:")
    status, headers, body = c.get("")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert b"<title>Value stream workshop</title>" in body
    csp = headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'sha256-" in csp
    assert "unsafe-inline" not in csp and "http" not in csp  # no external asset allowed
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["cache-control"] == "no-store"
    assert b"http://" not in body and b"https://" not in body  # self-contained
    # a wrong token, no token, a token one character off
    wrong = session.token[:-1] + ("A" if session.token[-1] != "A" else "B")
    for path in (f"/s/{wrong}/", "/s/x/", f"/s/{wrong}/state?p=x"):
        status, _, body = c.request("GET", path)
        assert status == 403 and b"not (or no longer) valid" in body
    for path in ("/", "/favicon.ico", "/etc/passwd", f"/s/{session.token}/../../etc/passwd",
                 f"/s/{session.token}/page.html", f"/s/{session.token}/session.py"):
        status, _, _ = c.request("GET", path)
        assert status in (403, 404), path
    status, _, _ = c.request("GET", f"/s/{session.token}/nothing")
    assert status == 404


def test_a_note_from_join_to_the_queue(hosted, vsm: ValueStreamMap) -> None:
    session, _, c = hosted
    pid = c.join("  Ana  ")
    status, doc = c.post("note", {"p": pid, "stage": vsm.stages[1].id, "text": "waits for QA"})
    assert status == 200 and doc["status"] == "pending"
    events = session.take_events()
    assert [(what, ct.kind, ct.name, ct.text, ct.stage_id) for what, ct in events] == [
        ("new", Kind.NOTE, "Ana", "waits for QA", vsm.stages[1].id)]
    assert session.take_events() == []  # taken once


def test_unknown_participant_and_bad_fields(hosted, vsm: ValueStreamMap) -> None:
    _, _, c = hosted
    status, doc = c.post("note", {"p": "made-up", "stage": vsm.stages[1].id, "text": "x"})
    assert status == 401
    pid = c.join()
    status, doc = c.post("estimate", {"p": pid, "stage": vsm.stages[0].id, "wait": "two hours",
                                      "process": "2h"})
    assert status == 422 and set(doc["errors"]) == {"wait"}
    status, doc = c.post("join", {"name": ""})
    assert status == 422 and "name" in doc["errors"]


def test_request_size_and_format_limits(vsm: ValueStreamMap) -> None:
    session, server = serve(vsm, limits=Limits(max_body_bytes=1000))
    c = Client(server)
    try:
        pid = c.join()
        big = json.dumps({"p": pid, "stage": vsm.stages[0].id, "text": "x" * 2000}).encode()
        status, _, body = c.request("POST", c.base + "note", big,
                                    {"Content-Type": "application/json"})
        assert status == 413 and b"at most 1000 bytes" in body
        # no Content-Length: refused before reading (a raw request, http.client adds one)
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
            s.sendall(f"POST {c.base}note HTTP/1.1\r\nHost: x\r\n"
                      "Content-Type: application/json\r\n\r\n".encode())
            assert s.recv(200).startswith(b"HTTP/1.1 411")
        status, _, _ = c.request("POST", c.base + "note", b"p=1",
                                 {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 415  # a plain HTML form cannot post here
        status, _, _ = c.request("POST", c.base + "note", b"{not json",
                                 {"Content-Type": "application/json"})
        assert status == 400
        status, _, _ = c.request("POST", c.base + "note", b"[1, 2]",
                                 {"Content-Type": "application/json"})
        assert status == 400
        assert session.take_events() == []
    finally:
        server.stop(wait=True)


def test_requests_per_address_are_rate_limited(vsm: ValueStreamMap) -> None:
    clock = [0.0]
    session = WorkshopSession(limits=Limits(requests_per_s=1.0, request_burst=3),
                              clock=lambda: clock[0])
    session.publish(MapView.of(vsm, SVG))
    server = WorkshopServer(session)
    c = Client(server)
    try:
        assert [c.get("")[0] for _ in range(3)] == [200, 200, 200]
        status, headers, _ = c.get("")
        assert status == 429 and headers["retry-after"] == "1"
        clock[0] += 1.0  # one more request a second
        assert c.get("")[0] == 200
        assert c.get("")[0] == 429
    finally:
        server.stop(wait=True)


def test_submissions_per_participant_are_rate_limited(vsm: ValueStreamMap) -> None:
    clock = [0.0]
    session = WorkshopSession(limits=Limits(submissions_per_s=0.5, submission_burst=2),
                              clock=lambda: clock[0])
    session.publish(MapView.of(vsm, SVG))
    server = WorkshopServer(session)
    c = Client(server)
    try:
        ana, ben = c.join("Ana"), c.join("Ben")
        note = {"stage": vsm.stages[0].id, "text": "x"}
        assert [c.post("note", {"p": ana, **note})[0] for _ in range(3)] == [200, 200, 429]
        assert c.post("note", {"p": ben, **note})[0] == 200  # Ben has his own allowance
        clock[0] += 2.0  # 0.5 a second: one more after 2 s
        assert c.post("note", {"p": ana, **note})[0] == 200
        assert len(session.take_events()) == 4
    finally:
        server.stop(wait=True)


def test_dots_have_a_budget_and_rejected_dots_come_back(vsm: ValueStreamMap) -> None:
    session, server = serve(vsm, votes_per_person=2)
    c = Client(server)
    kid = next(iter(vsm.kaizens))
    try:
        pid = c.join()
        assert c.post("vote", {"p": pid, "kaizen": kid})[0] == 200
        assert c.post("vote", {"p": pid, "kaizen": kid})[0] == 200
        status, doc = c.post("vote", {"p": pid, "kaizen": kid})
        assert status == 409 and "all 2 of your dots" in doc["error"]
        first = session.take_events()[0][1]
        session.resolve([first.id], Status.REJECTED)
        state = json.loads(c.get(f"state?p={pid}")[2])
        assert state["me"]["votes_left"] == 1 and state["me"]["my_dots"] == {kid: 1}
        assert c.post("vote", {"p": pid, "kaizen": kid})[0] == 200
    finally:
        server.stop(wait=True)


def test_pulse_answers_are_anonymous_and_once_each(hosted) -> None:
    session, _, c = hosted
    pid = c.join("Ana")
    assert c.post("pulse", {"p": pid, "performance": 4, "comment": "ok"})[0] == 200
    status, doc = c.post("pulse", {"p": pid, "performance": 2})
    assert status == 409
    ((_, answer),) = session.take_events()
    assert answer.kind == Kind.PULSE and answer.name == "" and answer.participant_id == ""
    state = json.loads(c.get(f"state?p={pid}")[2])
    assert state["me"]["pulse_answered"] is True
    assert state["me"]["contributions"] == []  # nothing links the answer to Ana


def test_every_text_is_escaped_in_json(hosted, vsm: ValueStreamMap) -> None:
    session, _, c = hosted
    vsm.rename('Map <img src=x onerror="alert(1)"> & co')
    session.publish(MapView.of(vsm, SVG))
    pid = c.join("<b>Eve</b>")
    c.post("note", {"p": pid, "stage": vsm.stages[0].id, "text": "</script><script>alert(1)"})
    _, headers, body = c.get(f"state?p={pid}")
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert b"<" not in body and b">" not in body and b"&" not in body
    doc = json.loads(body)  # and the texts come back exactly as typed
    assert doc["map"]["map"] == 'Map <img src=x onerror="alert(1)"> & co'
    assert doc["me"]["name"] == "<b>Eve</b>"
    assert doc["me"]["contributions"][0]["summary"] == "</script><script>alert(1)"
    _, headers, _ = c.get("map.svg")
    assert headers["content-type"] == "image/svg+xml"
    assert "default-src 'none'" in headers["content-security-policy"]


def test_withdraw_only_own_pending(hosted, vsm: ValueStreamMap) -> None:
    session, _, c = hosted
    ana, ben = c.join("Ana"), c.join("Ben")
    _, doc = c.post("note", {"p": ana, "stage": vsm.stages[0].id, "text": "mine"})
    assert c.post("withdraw", {"p": ben, "id": doc["id"]})[0] == 422
    assert c.post("withdraw", {"p": ana, "id": doc["id"]}) == (
        200, {"id": doc["id"], "status": "withdrawn"})
    assert [w for w, _ in session.take_events()] == ["new", "withdrawn"]
    assert session.status(doc["id"]) == Status.WITHDRAWN


def read_event(f: Any) -> tuple[str, str]:
    name, data = "", ""
    while True:
        line = f.readline().decode().rstrip("\n")
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data = line[6:]
        elif line == "" and name:
            return name, data


def test_live_events_follow_the_map_and_statuses_and_end_with_the_session(
        hosted, vsm: ValueStreamMap) -> None:
    session, server, c = hosted
    pid = c.join()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", f"{c.base}events?p={pid}")
    r = conn.getresponse()
    assert r.status == 200 and r.getheader("Content-Type").startswith("text/event-stream")
    assert read_event(r) == ("state", json.dumps({"map": 1, "me": 0}, separators=(",", ":")))
    session.publish(MapView.of(vsm, SVG))  # the facilitator edited the map
    assert read_event(r)[1] == '{"map":2,"me":0}'
    _, doc = c.post("note", {"p": pid, "stage": vsm.stages[0].id, "text": "x"})
    assert read_event(r)[1] == '{"map":2,"me":1}'
    session.resolve([doc["id"]], Status.ACCEPTED)
    assert read_event(r)[1] == '{"map":2,"me":2}'
    session.close()
    assert read_event(r) == ("closed", "{}")
    conn.close()


def test_stop_invalidates_the_token_and_closes_the_port(vsm: ValueStreamMap) -> None:
    session, server = serve(vsm)
    c = Client(server)
    pid = c.join()
    session.close()  # the session ends first: the token no longer opens anything
    assert c.get("")[0] == 403
    assert c.post("note", {"p": pid, "stage": vsm.stages[0].id, "text": "x"})[0] == 403
    server.stop(wait=True)
    with pytest.raises(OSError):
        c.get("")


def test_every_interface_only_by_choice(vsm: ValueStreamMap) -> None:
    with pytest.raises(ValueError, match="explicit choice"):
        WorkshopServer(WorkshopSession(), "0.0.0.0")
    with pytest.raises(ValueError):
        WorkshopServer(WorkshopSession(), "::1")


def test_other_methods_and_malformed_requests_get_the_same_guarded_answers(hosted) -> None:
    session, server, c = hosted
    for method in ("PUT", "DELETE", "OPTIONS"):
        status, headers, body = c.request(method, c.base)
        assert status == 501 and headers["content-type"].startswith("application/json")
        assert headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
        assert json.loads(body)["error"]
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"GARBAGE <script>\r\n\r\n")
        # no HTTP version given: the answer is the bare JSON body (HTTP/0.9 style), escaped
        answer = s.recv(300)
        assert b"<" not in answer and json.loads(answer)["error"].startswith("Bad")


def test_connections_over_the_cap_are_closed_at_once(vsm: ValueStreamMap) -> None:
    session, server = serve(vsm, limits=Limits(max_connections=3))
    idle = [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(3)]
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as extra:
            extra.sendall(f"GET {urlsplit(server.url).path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            assert extra.recv(100) == b""  # closed unanswered: no thread for it
        for s in idle:
            s.close()
        # the slots come back once the idle connections are gone
        status = None
        for _ in range(100):
            try:
                status = Client(server).get("")[0]
                break
            except OSError:
                import time
                time.sleep(0.02)
        assert status == 200
    finally:
        server.stop(wait=True)


def test_a_lowered_dot_budget_leaves_no_negative_count(hosted) -> None:
    session, _, c = hosted
    vsm_kaizen = session.view.kaizens[0].id
    pid = c.join()
    for _ in range(3):
        assert c.post("vote", {"p": pid, "kaizen": vsm_kaizen})[0] == 200
    session.votes_per_person = 2  # the facilitator lowered it in the invite dialog
    state = json.loads(c.get(f"state?p={pid}")[2])
    assert (state["me"]["votes_left"], state["me"]["votes_per_person"]) == (0, 2)
    assert c.post("vote", {"p": pid, "kaizen": vsm_kaizen})[0] == 409
