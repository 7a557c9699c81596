"""Faults injected by a real HTTP server on loopback while two sources harvest concurrently.

OpenAlex pages (the real recorded citing works, split into pages of 10, 10 and 5 served by
cursor) come from a server that misbehaves on page 2; Crossref pages come from a healthy server
at the same time. Each run either completes with all 25 records or reports OpenAlex failed with
its reason, keeping only the complete page 1; Crossref is unaffected; what is loaded into DuckDB
holds no record of a broken page.
"""

from __future__ import annotations

import copy
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from litrev.extract.profile import parse_profile
from litrev.extract.sources import HarvestContext, run_source
from litrev.store.db import frame, write_session
from litrev.store.load import load_batch, records_to_batch
from tests.fakes import FakeClock
from tests.loopback import LoopbackServer, Reply, Request

FIXTURES = Path(__file__).resolve().parent / "fixtures"
OA_FIRST = json.loads((FIXTURES / "openalex" / "works_list_cites_cursor_first_page.json")
                      .read_text(encoding="utf-8"))
OA_LAST = json.loads((FIXTURES / "openalex" / "works_list_cites_cursor_last_page.json")
                     .read_text(encoding="utf-8"))
CR_PAGE = json.loads((FIXTURES / "crossref" / "works_query_cursor_first_page.json")
                     .read_text(encoding="utf-8"))
OA_WORKS = OA_FIRST["results"]
OA_CHUNKS = {"*": (OA_WORKS[:10], "p2"), "p2": (OA_WORKS[10:20], "p3"),
             "p3": (OA_WORKS[20:], "p4")}
PAGE1_DOIS = {w["doi"].split("doi.org/")[1].lower() for w in OA_WORKS[:10]}


def openalex_page(cursor: str) -> Reply:
    if cursor not in OA_CHUNKS:
        return Reply.json(OA_LAST)
    results, nxt = OA_CHUNKS[cursor]
    page = copy.deepcopy(OA_FIRST)
    page["results"], page["meta"]["next_cursor"] = results, nxt
    return Reply.json(page)


def crossref_route(request: Request) -> Reply:
    items = CR_PAGE["message"]["items"]
    cursor = request.query["cursor"]
    chunk, nxt = {"*": (items[:10], "B"), "B": (items[10:], "C")}.get(cursor, ([], None))
    page = copy.deepcopy(CR_PAGE)
    page["message"]["items"], page["message"]["next-cursor"] = chunk, nxt
    return Reply.json(page)


def faulty_openalex(fault: Reply, times: int | None):
    """OpenAlex pages, with page 2 answered by ``fault`` ``times`` times (None: always)."""
    left = {"n": times}

    def route(request: Request) -> Reply:
        cursor = request.query["cursor"]
        if cursor == "p2" and (left["n"] is None or left["n"] > 0):
            if left["n"] is not None:
                left["n"] -= 1
            return fault
        return openalex_page(cursor)

    return route


HTML_ERROR = ("<!DOCTYPE html><html><head><title>Service unavailable</title></head><body>"
              "<h1>We'll be back soon</h1></body></html>")

TRANSIENT = {
    "429 with Retry-After": (Reply.json({"error": "Too Many Requests"}, 429,
                                        headers={"Retry-After": "2"}), 1),
    "503 twice": (Reply.text("Service Unavailable", 503), 2),
    "slower than the timeout once": (Reply.json({}, delay=1.5), 1),
    "connection reset once": (Reply(reset=True), 1),
}
PERMANENT = {
    "503 always": (Reply.text("Service Unavailable", 503), "failed",
                   "last error: HTTP 503: Service Unavailable"),
    "slower than the timeout always": (Reply.json({}, delay=1.5), "failed",
                                       "last error: timed out after 0.4 s"),
    "connection reset always": (Reply(reset=True), "failed",
                                "last error: connection error (RemoteProtocolError"),
    "truncated JSON body": (Reply(200, b'{"meta": {"count": 25}, "results": [{"id": "https://op',
                                  {"Content-Type": "application/json"}), "failed",
                            "JSON body from http://127.0.0.1"),
    "HTML error page with status 200": (Reply.text(HTML_ERROR, content_type="text/html"),
                                        "failed", "got an HTML page instead of JSON"),
    "daily quota used up": (Reply.json({"error": "Rate limit exceeded", "message":
                                        "You have exceeded your daily limit of requests"}, 429),
                            "stopped", "quota exhausted"),
}


def harvest_both(oa_url: str, cr_url: str):
    profile = parse_profile({
        "review": {"name": "faults", "target_language": "en", "candidate_languages": ["en"],
                   "contact_email": "lead@example.org"},
        "search": {"terms": {"en": ["code quality"]}},
        "sources": {
            "openalex": {"rate_per_second": 0, "base_url": oa_url, "per_page": 10,
                         "citations": False, "timeout_seconds": 0.4, "max_attempts": 3},
            "crossref": {"rate_per_second": 0, "base_url": cr_url, "rows": 10,
                         "by_doi": False, "timeout_seconds": 5},
        }})
    clocks = {name: FakeClock() for name in ("openalex", "crossref")}
    contexts = {name: HarvestContext(profile, profile.sources[name], None, clock=clocks[name])
                for name in clocks}
    with ThreadPoolExecutor(2) as pool:
        futures = {name: pool.submit(run_source, name, ctx) for name, ctx in contexts.items()}
        results = {name: f.result() for name, f in futures.items()}
    return results, clocks


def load(tmp_path, results):
    records = [r for rs in results.values() for res in rs for r in res.records]
    db = tmp_path / "faults.ducklake"
    with write_session(db) as con:
        load_batch(con, records_to_batch(records), run_id="run-faults")
        return frame(con, "SELECT w.doi, s.source FROM works w JOIN work_sources s "
                          "USING (work_id)")


def assert_crossref_unaffected(results, stored):
    [cr] = results["crossref"]
    assert cr.status == "succeeded", cr.error
    assert len(cr.records) == 20
    assert (stored["source"] == "crossref").sum() == 20


@pytest.mark.parametrize("name", sorted(TRANSIENT))
def test_transient_fault_completes_with_all_records(name, tmp_path):
    fault, times = TRANSIENT[name]
    with LoopbackServer(faulty_openalex(fault, times)) as oa, \
            LoopbackServer(crossref_route) as cr:
        results, clocks = harvest_both(oa.url, cr.url)
        page2_requests = sum(1 for r in oa.requests if r.query.get("cursor") == "p2")
    [res] = results["openalex"]
    assert res.status == "succeeded", res.error
    assert len(res.records) == 25
    assert res.watermark == "2026-11-20"
    assert page2_requests == times + 1
    if "Retry-After" in name:
        assert clocks["openalex"].sleeps == [2.0]
    stored = load(tmp_path, results)
    assert (stored["source"] == "openalex").sum() == 25
    assert_crossref_unaffected(results, stored)


@pytest.mark.parametrize("name", sorted(PERMANENT))
def test_permanent_fault_reports_the_source_failed_and_keeps_only_whole_pages(name, tmp_path):
    fault, status, reason = PERMANENT[name]
    with LoopbackServer(faulty_openalex(fault, None)) as oa, \
            LoopbackServer(crossref_route) as cr:
        results, _ = harvest_both(oa.url, cr.url)
    [res] = results["openalex"]
    assert res.status == status
    assert reason in res.error
    assert res.error.startswith("openalex: ")
    assert res.watermark is None  # the next run asks again from the last good watermark
    assert {r.work.doi for r in res.records} == PAGE1_DOIS  # page 1 whole, nothing of page 2
    stored = load(tmp_path, results)
    assert set(stored.loc[stored["source"] == "openalex", "doi"]) == PAGE1_DOIS
    assert_crossref_unaffected(results, stored)
