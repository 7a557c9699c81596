"""A LibreTranslate-compatible HTTP server on loopback, for tests.

It answers ``POST /translate`` (parameters in the query string, as deep-translator sends them,
or in a form or JSON body, as LibreTranslate also accepts) and ``GET /languages``, and counts
every call. Its "translation" is :meth:`str.swapcase` by default: reversible and checkable
(``translation.swapcase() == original``), so a test can see that split pieces came back whole
and in order. Like the nginx in front of a real self-hosted server, it refuses a request line
over 8 KB with 414.

    >>> with LibreServer() as server:
    ...     server.url            # 'http://127.0.0.1:PORT/'
    ...     server.fail_next(429, retry_after="0")
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

MAX_REQUEST_LINE = 8192


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
        pass

    def _reply(self, status: int, body: object, headers: dict | None = None) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802 - http.server's naming
        state = self.server.state
        with state.lock:
            state.requests += 1
        if urlsplit(self.path).path == "/languages":
            self._reply(200, [{"code": c, "name": c, "targets": ["en", "fi", "sv", "de"]}
                              for c in ("en", "fi", "sv", "de")])
        else:
            self._reply(404, {"error": "Not Found"})

    def do_POST(self):  # noqa: N802
        state = self.server.state
        with state.lock:
            state.requests += 1
            state.request_lines.append(len(self.requestline))
        if len(self.requestline) > MAX_REQUEST_LINE:
            self._reply(414, {"error": "Request-URI Too Large"})
            return
        parts = urlsplit(self.path)
        if parts.path != "/translate":
            self._reply(404, {"error": "Not Found"})
            return
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            body = self.rfile.read(length).decode("utf-8")
            if "json" in (self.headers.get("Content-Type") or ""):
                params.update(json.loads(body))
            else:
                params.update({k: v[0] for k, v in parse_qs(body).items()})
        with state.lock:
            state.calls.append(params)
            forced = state.forced.pop(0) if state.forced else None
        if state.delay_seconds:
            time.sleep(state.delay_seconds)
        if forced is not None:
            status, headers = forced
            self._reply(status, {"error": f"forced {status}"}, headers)
            return
        if state.api_key is not None and params.get("api_key") != state.api_key:
            self._reply(403, {"error": "Invalid API key"})
            return
        if params.get("source") not in state.languages:
            self._reply(400, {"error": f"{params.get('source')} is not supported"})
            return
        self._reply(200, {"translatedText": state.transform(params.get("q", ""))})


class _State:
    def __init__(self):
        self.lock = threading.Lock()
        self.calls: list[dict] = []
        self.requests = 0
        self.request_lines: list[int] = []
        self.forced: list[tuple[int, dict]] = []
        self.transform: Callable[[str], str] = str.swapcase
        self.api_key: str | None = None
        self.delay_seconds = 0.0
        self.languages = {"en", "fi", "sv", "de"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State


class LibreServer:
    """Start with ``with LibreServer() as server``; ``server.calls`` lists what was asked."""

    def __init__(self, port: int = 0):
        self._httpd = _Server(("127.0.0.1", port), _Handler)
        self._httpd.state = _State()
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def state(self) -> _State:
        return self._httpd.state

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def calls(self) -> list[dict]:
        return self.state.calls

    def fail_next(self, status: int, *, times: int = 1, retry_after: str | None = None) -> None:
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        self.state.forced.extend([(status, headers)] * times)

    def __enter__(self) -> LibreServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)
