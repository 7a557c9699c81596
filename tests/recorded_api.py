"""Routes for harvest tests: recorded OpenAlex answers, and a source that only answers 500.

Served by :class:`tests.loopback.LoopbackServer` on 127.0.0.1 (in-process tests and child
``litrev`` processes reach it alike). :func:`openalex_route` serves the recorded responses of
``tests/fixtures/harvest``: one seed work and the 25 works citing it, with cursor paging.
"""

from __future__ import annotations

from pathlib import Path

from tests.loopback import Reply, Request

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "harvest"
SEED_DOI = "10.1145/3174781.3174785"
SEED_OPENALEX = "W2785752813"


def _file(name: str) -> Reply:
    return Reply(200, (FIXTURES / name).read_bytes(), {"Content-Type": "application/json"})


def openalex_route(request: Request) -> Reply:
    if request.path == f"/works/doi:{SEED_DOI}":
        return _file("work_single_by_doi.json")
    if request.path == "/works" and request.query.get("filter", "").startswith(
            f"cites:{SEED_OPENALEX}"):
        if request.query.get("cursor", "*") == "*":
            return _file("works_list_cites_cursor_first_page.json")
        return _file("works_list_cites_cursor_last_page.json")
    return Reply.json({"error": "not recorded"}, status=404)


def always_500(request: Request) -> Reply:
    return Reply.json({"error": "Internal Server Error"}, status=500)
