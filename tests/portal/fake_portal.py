"""A fake national portal on 127.0.0.1 for the tests: it replays recorded answers, and the bad
ones a real portal (or the network before it) gives: slow answers, 429, 503, a body cut off,
an HTML error page, a changed field name. It records every request with its time, so a test
can check the pace.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/api/v1/reporting/evaluation/"


@dataclass
class Reply:
    body: bytes | dict = b""
    status: int = 200
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a slow portal: the client's timeout)
    cut: bool = False  # announce the whole body, send half, close: a connection cut short
    content_type: str = "application/json; charset=utf-8"

    def payload(self) -> bytes:
        if isinstance(self.body, dict):
            return json.dumps(self.body, ensure_ascii=False).encode()
        return self.body


def html_error(status: int = 502, title: str = "502 Bad Gateway") -> Reply:
    page = f"<!DOCTYPE html><html><head><title>{title}</title></head><body>{title}</body></html>"
    return Reply(page.encode(), status=status, content_type="text/html")


@dataclass
class Seen:
    at: float  # time.monotonic() when the request arrived
    endpoint: str
    body: dict
    user_agent: str


class FakePortal:
    """Answers POST {PREFIX}<endpoint>; `answer` scripts the replies of one endpoint (and
    rootDepartmentId): each request takes the next reply, the last one repeats."""

    def __init__(self) -> None:
        self.replies: dict[tuple[str, str | None], list[Reply]] = {}
        self.seen: list[Seen] = []
        portal = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet tests
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"unreadable": raw.decode("latin-1")}
                # Through a proxy the request line carries the absolute URL.
                path = (
                    "/" + self.path.split("://", 1)[1].split("/", 1)[1]
                    if "://" in self.path
                    else self.path
                )
                endpoint = path.removeprefix(PREFIX) if path.startswith(PREFIX) else ""
                portal.seen.append(
                    Seen(time.monotonic(), endpoint, body, self.headers.get("User-Agent", ""))
                )
                reply = portal._next(endpoint, body.get("rootDepartmentId"))
                if reply.delay:
                    time.sleep(reply.delay)
                payload = reply.payload()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    if reply.cut:
                        self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(payload[: len(payload) // 2] if reply.cut else payload)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout) before the slow answer came
                if reply.cut:
                    self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def answer(self, endpoint: str, *replies: Reply | dict, root: str | None = None) -> None:
        self.replies[(endpoint, root)] = [r if isinstance(r, Reply) else Reply(r) for r in replies]

    def _next(self, endpoint: str, root: str | None) -> Reply:
        queue = self.replies.get((endpoint, root)) or self.replies.get((endpoint, None))
        if not queue:
            return Reply({"code": "NOT_FOUND", "message": f"no reply for {endpoint}"}, status=404)
        return queue.pop(0) if len(queue) > 1 else queue[0]

    def start(self) -> FakePortal:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def gaps(self) -> list[float]:
        times = [s.at for s in self.seen]
        return [b - a for a, b in zip(times, times[1:], strict=False)]
