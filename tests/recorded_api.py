"""Recorded API responses served over loopback, for harvest tests (in-process and children).

``RecordedApi(routes)`` runs an HTTP server on 127.0.0.1 with a free port in a thread. A route
maps a path (and optionally one query parameter's value) to ``(status, body)``; every request
is logged in ``.requests``. :func:`openalex_routes` serves the recorded OpenAlex answers of
``tests/fixtures/harvest`` (one seed, the 25 works citing it, cursor paging).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "harvest"
SEED_DOI = "10.1145/3174781.3174785"
SEED_OPENALEX = "W2785752813"
FIRST_PAGE = FIXTURES / "works_list_cites_cursor_first_page.json"
CITING_DOIS_FIRST = "10.1145/3636515"  # the first citing work on the recorded page


class RecordedApi:
    def __init__(self, routes) -> None:
        self.routes = routes  # callable(path, query: dict) -> (status, bytes)
        self.requests: list[str] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                api.requests.append(self.path)
                status, body = api.routes(parts.path, query)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> RecordedApi:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def openalex_routes(path: str, query: dict) -> tuple[int, bytes]:
    if path == f"/works/doi:{SEED_DOI}":
        return 200, (FIXTURES / "work_single_by_doi.json").read_bytes()
    if path == "/works" and query.get("filter", "").startswith(f"cites:{SEED_OPENALEX}"):
        if query.get("cursor", "*") == "*":
            return 200, FIRST_PAGE.read_bytes()
        return 200, (FIXTURES / "works_list_cites_cursor_last_page.json").read_bytes()
    return 404, b'{"error": "not recorded"}'


def always_500(path: str, query: dict) -> tuple[int, bytes]:
    return 500, b'{"error": "Internal Server Error"}'
