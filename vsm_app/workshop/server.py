"""The session's HTTP server: the standard library's ``ThreadingHTTPServer`` in its own thread.

Why this server: it ships with Python (nothing to install, nothing to build, no network), it
runs beside Qt's event loop without touching it (a thread per connection; the GUI thread
only publishes a new map picture and takes queued contributions, never waits on a request),
and a workshop is at most a few dozen phones. aiohttp would need an asyncio loop integrated
with Qt's for no gain at this size.

Endpoints (all under ``/s/<token>/``; anything else is 404, a wrong token 403)::

    GET  /s/<token>/            the participant page (one file, no external asset)
    GET  /s/<token>/map.svg     the map as the app rendered it
    GET  /s/<token>/state?p=ID  the page's state (JSON)
    GET  /s/<token>/events?p=ID live updates (server-sent events: "state" when the map or
                                the participant's statuses change, a comment every 15 s)
    POST /s/<token>/join        {"name"} → {"participant"}
    POST /s/<token>/note        {"p", "stage", "text"}
    POST /s/<token>/estimate    {"p", "stage", "wait", "process", "pca"}
    POST /s/<token>/vote        {"p", "kaizen"}
    POST /s/<token>/pulse       {"p", "satisfaction_wellbeing", …, "comment"}
    POST /s/<token>/withdraw    {"p", "id"}

Safety: the token is compared in constant time on every request and stops working when the
session closes; request bodies over the limit are refused unread (413); every client
address and participant is rate-limited (429 with Retry-After); only JSON bodies are taken;
responses carry a strict Content-Security-Policy (the page's inline script and style by
hash, nothing else), ``nosniff``, ``no-referrer`` (the token is in the URL) and
``no-store``. No file is ever served: the page is read once from the package.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import logging
import math
import re
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .contributions import ContributionError, Kind
from .net import ALL_INTERFACES, LOOPBACK, lan_address
from .session import LimitError, UnknownParticipant, WorkshopSession

log = logging.getLogger(__name__)

_SUBMIT_KINDS = {"note": Kind.NOTE, "estimate": Kind.ESTIMATE, "vote": Kind.VOTE,
                 "pulse": Kind.PULSE}
_PATH = re.compile(r"^/s/([A-Za-z0-9_-]{1,64})(/[a-z.]*)?$")
_BLOCK = re.compile(r"<(script|style)>(.*?)</\1>", re.S)


def _page() -> tuple[bytes, str]:
    """The participant page and its Content-Security-Policy (inline blocks by hash)."""
    html = resources.files(__package__).joinpath("page.html").read_text(encoding="utf-8")
    hashes: dict[str, list[str]] = {"script": [], "style": []}
    for kind, body in _BLOCK.findall(html):
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        hashes[kind].append(f"'sha256-{digest}'")
    script_src = " ".join(hashes["script"]) or "'none'"
    style_src = " ".join(hashes["style"]) or "'none'"
    csp = ("default-src 'none'; "
           f"script-src {script_src}; style-src {style_src}; "
           "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
           "frame-ancestors 'none'")
    return html.encode("utf-8"), csp


PAGE, PAGE_CSP = _page()
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def json_bytes(doc: Any) -> bytes:
    """JSON with ``<``, ``>`` and ``&`` escaped, so no text can ever read as markup."""
    s = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") \
        .encode("utf-8")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "vsm-app-workshop"
    sys_version = ""
    timeout = 20  # an idle (or stalled) connection gives its thread back after this long

    # -- plumbing ---------------------------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib name)
        # never log the request line as is: the token is in the path
        token = self.server.session.token
        log.debug("%s %s", self.client_address[0], (format % args).replace(token, "<token>"))

    def _send(self, status: int, body: bytes, content_type: str, csp: str = API_CSP,
              extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Content-Security-Policy", csp)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        """The standard library's own refusals (a malformed request line, an unsupported
        method, headers too long) in the same JSON form and headers as every answer."""
        self.close_connection = True
        try:
            self._error(code, message or HTTPStatus(code).phrase.lower())
        except OSError:
            pass

    def _json(self, status: int, doc: Any, extra: dict[str, str] | None = None) -> None:
        self._send(status, json_bytes(doc), "application/json; charset=utf-8", extra=extra)

    def _error(self, status: int, message: str, *, retry_after_s: float | None = None,
               errors: dict[str, str] | None = None) -> None:
        extra = {}
        if retry_after_s is not None:
            extra["Retry-After"] = str(max(1, math.ceil(retry_after_s)))
        doc: dict[str, Any] = {"error": message}
        if errors:
            doc["errors"] = errors
        self._json(status, doc, extra)

    def _route(self) -> str | None:
        """The endpoint name once the token, the path and the rate are checked; None when an
        answer was already sent."""
        session = self.server.session
        wait = session.request_limiter.allow(self.client_address[0])
        if wait:
            self.close_connection = True
            self._error(429, "too many requests; wait a moment", retry_after_s=wait)
            return None
        m = _PATH.match(urlsplit(self.path).path)
        if m is None:
            self._error(404, "not found")
            return None
        if not session.check_token(m.group(1)):
            self._error(403, "this link is not (or no longer) valid: ask the facilitator for "
                             "the current one")
            return None
        return (m.group(2) or "/").lstrip("/")

    def _query(self, key: str) -> str:
        values = parse_qs(urlsplit(self.path).query).get(key)
        return values[0] if values else ""

    # -- GET ----------------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 (stdlib name)
        endpoint = self._route()
        if endpoint is None:
            return
        session = self.server.session
        if endpoint == "":
            self._send(200, PAGE, "text/html; charset=utf-8", PAGE_CSP)
        elif endpoint == "map.svg":
            svg = session.view.svg
            if not svg:
                self._error(404, "no map shown yet")
            else:
                self._send(200, svg, "image/svg+xml", SVG_CSP)
        elif endpoint == "state":
            try:
                self._json(200, session.state_for(self._query("p")))
            except UnknownParticipant as e:
                self._error(401, str(e))
        elif endpoint == "events":
            self._events(self._query("p"))
        else:
            self._error(404, "not found")

    def _events(self, participant_id: str) -> None:
        session = self.server.session
        try:
            seen = session.versions(participant_id)
            session.open_stream()
        except UnknownParticipant as e:
            self._error(401, str(e))
            return
        except LimitError as e:
            self._error(e.status, str(e), retry_after_s=e.retry_after_s)
            return
        self.close_connection = True  # the stream has no length: it ends with the connection
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Content-Security-Policy", API_CSP)
            self.end_headers()
            self._event("state", seen, retry=True)
            heartbeat = session.limits.stream_heartbeat_s
            while True:
                try:
                    now = session.wait_for_change(participant_id, seen, heartbeat)
                except UnknownParticipant:
                    self.wfile.write(b"event: closed\ndata: {}\n\n")
                    self.wfile.flush()
                    return
                if now is None:
                    self.wfile.write(b": alive\n\n")
                    self.wfile.flush()
                else:
                    seen = now
                    self._event("state", seen)
        except OSError:  # the participant went away (closed the tab, lost the network)
            return
        finally:
            session.close_stream()

    def _event(self, name: str, versions: tuple[int, int], retry: bool = False) -> None:
        data = json_bytes({"map": versions[0], "me": versions[1]})
        head = b"retry: 3000\n" if retry else b""
        self.wfile.write(head + f"event: {name}\ndata: ".encode() + data + b"\n\n")
        self.wfile.flush()

    # -- POST ---------------------------------------------------------------------------------
    def do_POST(self) -> None:  # noqa: N802 (stdlib name)
        session = self.server.session
        endpoint = self._route()
        if endpoint is None:
            self.close_connection = True  # its body is never read
            return
        length_text = self.headers.get("Content-Length")
        try:
            length = int(length_text) if length_text is not None else -1
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self._error(411, "a Content-Length is required")
            return
        if length > session.limits.max_body_bytes:
            self.close_connection = True  # the body is never read
            self._error(413, f"request too large (at most {session.limits.max_body_bytes} "
                             "bytes)")
            return
        body = self.rfile.read(length) if length else b""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            self._error(415, "send JSON")
            return
        try:
            doc = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            self._error(400, "not JSON")
            return
        if not isinstance(doc, dict):
            self._error(400, "expected a JSON object")
            return
        try:
            self._post(endpoint, doc)
        except ContributionError as e:
            self._error(422, "please check the form", errors=e.errors)
        except UnknownParticipant as e:
            self._error(401, str(e))
        except LimitError as e:
            self._error(e.status, str(e), retry_after_s=e.retry_after_s)

    def _post(self, endpoint: str, doc: dict[str, Any]) -> None:
        session = self.server.session
        if endpoint == "join":
            wait = session.join_limiter.allow(self.client_address[0])
            if wait:
                raise LimitError("too many people joining at once; try again", retry_after_s=wait)
            p = session.join(doc.get("name"))
            self._json(200, {"participant": p.id, "name": p.name})
        elif endpoint in _SUBMIT_KINDS:
            c = session.submit(doc.get("p"), _SUBMIT_KINDS[endpoint], doc)
            self._json(200, {"id": c.id, "status": "pending"})
        elif endpoint == "withdraw":
            c = session.withdraw(doc.get("p"), doc.get("id"))
            self._json(200, {"id": c.id, "status": "withdrawn"})
        else:
            self._error(404, "not found")


class _Server(ThreadingHTTPServer):
    """One thread per connection, at most ``limits.max_connections`` at once: a connection
    over the cap is closed at once (a flood of idle connections cannot use up threads)."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], session: WorkshopSession) -> None:
        self.session = session
        self._slots = threading.BoundedSemaphore(session.limits.max_connections)
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A participant who went away mid-answer is normal (a phone locks, a tab closes):
        no traceback on stderr; anything else goes to the log."""
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            log.debug("workshop: connection lost: %s", exc)
        else:
            log.exception("workshop: unexpected error while answering a request")

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class WorkshopServer:
    """A running server for one session.

    Parameters
    ----------
    session
        The session it serves.
    host
        The address to bind: an interface's address, loopback, or ``0.0.0.0`` (every
        interface) only with ``all_interfaces=True`` (the user chose it).
    port
        0 (default) for a free port.
    """

    def __init__(self, session: WorkshopSession, host: str = LOOPBACK, port: int = 0, *,
                 all_interfaces: bool = False) -> None:
        ip = ipaddress.ip_address(host)
        if ip.version != 4:
            raise ValueError(f"{host}: only IPv4 addresses can be hosted on")
        if ip.is_unspecified and not all_interfaces:
            raise ValueError("binding every interface (0.0.0.0) needs the user's explicit choice")
        self.session = session
        self.host = host
        self._server = _Server((host, port), session)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name="workshop-server", daemon=True)
        self._stopper: threading.Thread | None = None
        self._thread.start()

    @property
    def shown_host(self) -> str:
        """The address participants type: the LAN address when bound to every interface."""
        if self.host == ALL_INTERFACES:
            return lan_address() or LOOPBACK
        return self.host

    @property
    def url(self) -> str:
        """The link participants open (it holds the token)."""
        return f"http://{self.shown_host}:{self.port}/s/{self.session.token}/"

    @property
    def running(self) -> bool:
        return self._stopper is None

    def stop(self, wait: bool = False) -> None:
        """Close the session (the token stops working, live streams end) and the server.
        The listening socket is closed in a helper thread so the caller (the GUI thread)
        does not wait for the serving loop; ``wait=True`` joins it."""
        if self._stopper is None:
            self.session.close()
            self._stopper = threading.Thread(target=self._shutdown, name="workshop-stop",
                                             daemon=True)
            self._stopper.start()
        if wait:
            self._stopper.join()

    def _shutdown(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
