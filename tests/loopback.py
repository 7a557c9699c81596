"""A real HTTP server on 127.0.0.1 (a free port) in a thread, for fault-injection tests.

Why not only ``httpx.MockTransport``: timeouts, connection resets and truncated bodies happen in
the socket and the HTTP parser, which a mock transport skips. Each request is answered by a
``route(request) -> Reply`` function; a :class:`Reply` can delay, reset the connection, or send
any status, headers and body.

    >>> def route(req):
    ...     return Reply.json({"ok": True}) if req.path == "/ping" else Reply(404)
    >>> with LoopbackServer(route) as server:
    ...     httpx.get(server.url + "/ping").json()
    {'ok': True}
"""

from __future__ import annotations

import json
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]

    @property
    def target(self) -> str:
        return self.path + ("?" + "&".join(f"{k}={v}" for k, v in self.query.items())
                            if self.query else "")


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a slow server)
    reset: bool = False  # close the connection with a TCP reset instead of answering

    @classmethod
    def json(cls, data: Any, status: int = 200, **kw: Any) -> Reply:
        headers = {"Content-Type": "application/json", **kw.pop("headers", {})}
        return cls(status, json.dumps(data).encode(), headers, **kw)

    @classmethod
    def text(cls, text: str, status: int = 200, content_type: str = "text/plain",
             **kw: Any) -> Reply:
        headers = {"Content-Type": content_type, **kw.pop("headers", {})}
        return cls(status, text.encode(), headers, **kw)


Route = Callable[[Request], Reply]


class LoopbackServer:
    """``ThreadingHTTPServer`` serving ``route``; ``latency`` is added to every answer."""

    def __init__(self, route: Route, *, latency: float = 0.0) -> None:
        self.route = route
        self.latency = latency
        self.requests: list[Request] = []
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle's algorithm and the client's
            # delayed ACK the body would wait ~40 ms, a delay real API servers do not add.
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:  # noqa: N802 - the http.server hook name
                try:
                    owner._answer(self)
                except (OSError, ValueError):
                    self.close_connection = True  # the client went away (e.g. it timed out)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        request = Request("GET", parts.path,
                          {k: v[-1] for k, v in parse_qs(parts.query).items()},
                          {k.lower(): v for k, v in handler.headers.items()})
        with self._lock:
            self.requests.append(request)
        reply = self.route(request)
        wait = self.latency + reply.delay
        if wait and self._stopping.wait(wait):
            return
        if reply.reset:
            # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                          struct.pack("ii", 1, 0))
            handler.close_connection = True
            return
        handler.send_response(reply.status)
        for key, value in reply.headers.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(reply.body)))
        handler.end_headers()
        handler.wfile.write(reply.body)

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
