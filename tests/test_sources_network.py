"""OpenAlex, Semantic Scholar, Crossref and Europe PMC: real recorded responses, paging, dedup.

Every response in ``tests/fixtures/{openalex,semanticscholar,crossref,europepmc}`` (real, see
each folder's PROVENANCE.md) is mapped by its source's parser with concrete values checked.
Paging runs offline: pages are served by cursor from those files through ``httpx.MockTransport``.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import httpx

from litrev.extract.http import RequestPolicy, new_client
from litrev.extract.profile import parse_profile
from litrev.extract.records import Work
from litrev.extract.sources import (
    HarvestContext,
    crossref,
    europepmc,
    openalex,
    run_source,
    semanticscholar,
)
from litrev.store.db import frame, write_session
from litrev.store.load import load_batch, records_to_batch
from tests.fakes import FakeClock

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def body(source: str, name: str) -> bytes:
    return (FIXTURES / source / name).read_bytes()


def data(source: str, name: str):
    return json.loads(body(source, name))


def profile(terms=None, seeds=(), **sources):
    raw = {"review": {"name": "t", "target_language": "en", "candidate_languages": ["en"],
                      "contact_email": "lead@example.org"},
           "search": {"terms": terms or {}}, "seeds": {"dois": list(seeds)},
           "sources": sources}
    return parse_profile(raw)


def context(name, handler, *, terms=None, seeds=(), state=None, **options):
    prof = profile(terms, seeds, **{name: {"rate_per_second": 0, **options}})
    settings = prof.sources[name]
    policy = RequestPolicy(name, prof.contact_email, rate_per_second=0)
    client = new_client(policy, transport=httpx.MockTransport(handler))
    return HarvestContext(prof, settings, client, state=state or {}, clock=FakeClock())


# --- every recorded response mapped ---------------------------------------------------------

def test_openalex_single_work_by_doi():
    [rec] = openalex.parse(body("openalex", "work_single_by_doi.json"))
    assert rec.work.doi == "10.1145/3174781.3174785"
    assert rec.work.work_id == "doi:10.1145/3174781.3174785"
    assert rec.work.openalex_id == "W2785752813"
    assert rec.work.year == 2018
    assert rec.work.language == "en"
    assert rec.work.authors[0] == "Jürgen Börstler"
    [abstract] = rec.excerpts
    assert abstract.kind == "abstract"
    assert abstract.text.startswith("Context. Code quality is a key issue in software "
                                    "development.")
    assert abstract.language_hint == "en"


def test_openalex_abstract_rebuilt_from_inverted_index_with_repeated_words():
    assert openalex.rebuild_abstract({"a": [0, 2], "rose": [1, 3], "is": [4]}) == \
        "a rose a rose is"


def test_openalex_cites_first_page_and_terminal_page():
    records = openalex.parse(body("openalex", "works_list_cites_cursor_first_page.json"))
    assert len(records) == 25
    assert sum(1 for r in records if r.excerpts[0].kind == "abstract") == 24
    # the one work without an abstract is represented by its title, as in every source
    (untitled,) = [r for r in records if r.excerpts[0].kind != "abstract"]
    assert [(e.kind, e.text) for e in untitled.excerpts] == [("title", untitled.work.title)]
    first = records[0]
    assert first.work.doi == "10.1145/3636515"
    assert first.work.year == 2024
    assert first.excerpts[0].text.startswith("We conducted a systematic literature review on "
                                             "automated grading and feedback")
    assert openalex.parse(body("openalex", "works_list_cites_cursor_last_page.json")) == []


def test_semanticscholar_citation_edge_gives_one_statement_per_context():
    seed = Work.create(doi="10.1234/seed.paper", title="The cited paper", year=2019)
    [rec] = semanticscholar.parse(body("semanticscholar", "paper_citations_single_edge.json"),
                                  paper=seed)
    assert rec.work.doi == "10.1109/lra.2022.3229266"
    assert rec.work.year == 2023
    statements = [e for e in rec.excerpts if e.kind == "citation_statement"]
    assert len(statements) == 4
    assert all(s.work_id == "doi:10.1109/lra.2022.3229266" for s in statements)
    assert all(s.cited_work_id == "doi:10.1234/seed.paper" for s in statements)
    assert statements[0].text.startswith("RP is implemented by fixing the release position")
    assert statements[0].intents == ("methodology",)
    assert statements[2].intents == ("result",)
    assert all(s.is_influential is True for s in statements)
    assert rec.citations == (("doi:10.1109/lra.2022.3229266", "doi:10.1234/seed.paper"),)
    [abstract] = [e for e in rec.excerpts if e.kind == "abstract"]
    assert abstract.text.startswith("Throwing objects by a robot extends its reach")


def test_semanticscholar_references_page_contexts():
    citing = Work.create(s2_id="CorpusID:1033682")
    records = semanticscholar.parse(
        body("semanticscholar", "paper_references_with_contexts_offset0.json"), paper=citing)
    assert len(records) == 100
    statements = [e for r in records for e in r.excerpts if e.kind == "citation_statement"]
    assert len(statements) == 11
    assert all(s.work_id == "s2:CorpusID:1033682" for s in statements)
    assert sum(1 for r in records for e in r.excerpts if e.kind == "abstract") == 97
    # Without the citing paper the contexts are counted, not attached to a made-up work.
    bare = semanticscholar.parse(
        body("semanticscholar", "paper_references_with_contexts_offset0.json"))
    assert sum(r.extra["contexts"] for r in bare) == 11
    assert not [e for r in bare for e in r.excerpts if e.kind == "citation_statement"]


def test_semanticscholar_single_paper():
    [rec] = semanticscholar.parse(body("semanticscholar", "paper_single_by_doi.json"))
    assert rec.work.doi == "10.1016/j.compositesb.2018.01.027"
    assert rec.work.year == 2018
    assert rec.work.s2_id == "22d840026482e82dce65c5d0f91eb72b7b7bba1e"
    assert rec.work.authors == ("V. Birman", "G. Kardomateas")
    # no abstract: the title stands in, as in every source
    assert [(e.kind, e.text) for e in rec.excerpts] == [("title", rec.work.title)]


def test_crossref_structured_jats_abstract_keeps_section_labels():
    [rec] = crossref.parse(body("crossref", "work_single_jats_structured_abstract.json"))
    assert rec.work.doi == "10.1136/jclinpath-2020-206745"
    assert rec.work.year == 2020
    assert rec.work.venue == "Journal of Clinical Pathology"
    assert rec.work.title.startswith("Construction of a reference material panel for "
                                     "detecting KRAS / NRAS")
    text = rec.excerpts[0].text
    assert text.startswith("Background: The absence of high-quality next-generation sequencing")
    assert " Objective: This study aimed to develop a national RM panel" in text
    assert "<" not in text and "jats" not in text


def test_crossref_work_list_with_portuguese_abstracts():
    records = crossref.parse(body("crossref", "works_list_publisher_query_pt_en_abstracts.json"))
    assert len(records) == 20
    assert sum(1 for r in records if r.excerpts[0].kind == "abstract") == 19
    assert all(r.excerpts[0].kind == "title" for r in records if r.excerpts[0].kind != "abstract")
    assert records[0].work.doi == "10.5902/2175497775344"
    assert records[0].work.year == 2023
    assert records[0].excerpts[0].text.startswith("O presente texto, descreve uma pesquisa")


def test_crossref_cursor_page():
    records = crossref.parse(body("crossref", "works_query_cursor_first_page.json"))
    assert len(records) == 20
    assert records[0].work.doi == "10.1007/978-1-4302-0197-7_9"
    assert records[0].work.year == 2007
    assert records[0].work.title == "Widget Mania: Using a GUI Widget Framework"


def test_europepmc_core_json():
    records = europepmc.parse(body("europepmc", "search_core_cancer.json"))
    assert len(records) == 25
    assert sum(1 for r in records if r.excerpts[0].kind == "abstract") == 21
    assert all([e.kind for e in r.excerpts] == ["title"] for r in records
               if r.excerpts[0].kind != "abstract")
    rec = records[2]
    assert rec.work.doi == "10.1111/bjhp.12807"
    assert rec.work.pmid == "40468710"
    assert rec.work.year == 2025
    assert rec.work.language == "en"  # "eng" mapped to ISO 639-1
    assert rec.excerpts[0].text.startswith("Objective: This study investigated whether "
                                           "psychological flexibility")
    assert " Design: " in rec.excerpts[0].text


def test_europepmc_dublin_core_xml_maps_to_the_same_ids_as_json():
    xml = europepmc.parse(body("europepmc", "search_core_cancer_dc.xml"))
    js = europepmc.parse(body("europepmc", "search_core_cancer.json"))
    assert len(xml) == 25
    assert [r.work.work_id for r in xml] == [r.work.work_id for r in js]
    assert xml[0].work.doi == "10.1016/s0140-6736(24)02600-x"
    assert xml[2].excerpts[0].excerpt_id == js[2].excerpts[0].excerpt_id


def test_europepmc_no_results():
    assert europepmc.parse(body("europepmc", "search_no_results.json")) == []


# --- paging offline: pages served by cursor from the recorded files -------------------------

def test_openalex_cursor_paging_across_pages_and_incremental_filter():
    first = data("openalex", "works_list_cites_cursor_first_page.json")
    last = data("openalex", "works_list_cites_cursor_last_page.json")
    works = first["results"]
    chunks = {"*": (works[:10], "c2"), "c2": (works[10:20], "c3"), "c3": (works[20:], "c4")}
    asked = []

    def handler(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        asked.append((params["cursor"], params.get("filter"), params.get("search")))
        if params["cursor"] in chunks:
            results, nxt = chunks[params["cursor"]]
            page = copy.deepcopy(first)
            page["results"], page["meta"]["next_cursor"] = results, nxt
            return httpx.Response(200, json=page)
        return httpx.Response(200, json=last)

    ctx = context("openalex", handler, terms={"en": ["code quality"]}, citations=False,
                  per_page=10, state={"search:en:code quality": "2026-11-01"})
    [result] = run_source("openalex", ctx)
    assert result.status == "succeeded"
    assert [a[0] for a in asked] == ["*", "c2", "c3", "c4"]
    assert asked[0][1] == "language:en,from_updated_date:2026-11-01"
    assert asked[0][2] == "code quality"
    assert result.update_method == "incremental"
    assert result.hits_reported == 25
    assert len(result.records) == 25
    assert result.records[24].work.work_id == "doi:" + works[24]["doi"].split("doi.org/")[1]
    assert result.watermark == "2026-11-20"  # the fake clock's date
    assert "api_key" not in result.query


def test_openalex_citations_of_a_seed_resolve_the_doi_first(monkeypatch):
    single = data("openalex", "work_single_by_doi.json")
    first = data("openalex", "works_list_cites_cursor_first_page.json")
    last = data("openalex", "works_list_cites_cursor_last_page.json")
    paths = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append((request.url.path, request.url.params.get("filter")))
        assert request.url.params["api_key"] == "oa-key-123456"
        if request.url.path.startswith("/works/doi:"):
            return httpx.Response(200, json=single)
        return httpx.Response(200, json=first if request.url.params["cursor"] == "*" else last)

    monkeypatch.setenv("LITREV_OPENALEX_API_KEY", "oa-key-123456")
    ctx = context("openalex", handler, seeds=["https://doi.org/10.1145/3174781.3174785"],
                  searches=False)
    [result] = run_source("openalex", ctx)
    assert paths[0] == ("/works/doi:10.1145/3174781.3174785", None)
    assert paths[1] == ("/works", "cites:W2785752813")
    assert result.status == "succeeded"
    seed, *citing = result.records
    assert seed.work.is_seed and seed.work.doi == "10.1145/3174781.3174785"
    assert len(citing) == 25
    assert citing[0].citations == (("doi:10.1145/3636515", "doi:10.1145/3174781.3174785"),)
    assert "oa-key-123456" not in result.query and "oa-key-123456" not in result.query_url


def test_crossref_cursor_paging_stops_on_a_short_page():
    page = data("crossref", "works_query_cursor_first_page.json")
    items = page["message"]["items"]
    asked = []

    def handler(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params["cursor"]
        asked.append(cursor)
        assert request.url.params["mailto"] == "lead@example.org"
        out = copy.deepcopy(page)
        chunk = {"*": items[:8], "A": items[8:16], "B": items[16:]}[cursor]
        out["message"]["items"] = chunk
        out["message"]["next-cursor"] = {"*": "A", "A": "B", "B": "C"}[cursor]
        return httpx.Response(200, json=out)

    ctx = context("crossref", handler, terms={"en": ["widget"]}, rows=8, by_doi=False)
    [result] = run_source("crossref", ctx)
    assert asked == ["*", "A", "B"]  # the third page has 4 < 8 items: the last one
    assert result.hits_reported == 454
    assert len(result.records) == 20
    assert result.records[-1].work.doi == items[-1]["DOI"].lower()


def test_europepmc_cursor_paging_ends_when_the_cursor_repeats():
    page = data("europepmc", "search_core_cancer.json")
    results = page["resultList"]["result"]
    asked = []

    def handler(request: httpx.Request) -> httpx.Response:
        p = request.url.params
        asked.append(p["cursorMark"])
        assert p["resultType"] == "core"
        out = copy.deepcopy(page)
        chunk, nxt = {"*": (results[:10], "M1"), "M1": (results[10:20], "M2"),
                      "M2": (results[20:], "M2")}[p["cursorMark"]]
        out["resultList"]["result"], out["nextCursorMark"] = chunk, nxt
        return httpx.Response(200, json=out)

    ctx = context("europepmc", handler, terms={"en": ["cancer"]}, page_size=10)
    [result] = run_source("europepmc", ctx)
    assert asked == ["*", "M1", "M2"]
    assert result.hits_reported == 5059039  # what Europe PMC reports ...
    assert result.records_retrieved == 25  # ... and what it delivered


def test_semanticscholar_offset_paging_and_unchanged_count_skips(monkeypatch):
    edge = data("semanticscholar", "paper_citations_single_edge.json")
    seed = {"paperId": "s2seed", "externalIds": {"DOI": "10.1177/0020764020904764"},
            "title": "Challenges faced by peer support workers", "year": 2020,
            "citationCount": 3}
    asked = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["x-api-key"] == "s2-key-abcdef"
        if request.url.path.endswith("/citations"):
            offset = int(request.url.params["offset"])
            asked.append(offset)
            edges = []
            for i in range(2 if offset == 0 else 1):
                e = copy.deepcopy(edge)
                e["citingPaper"]["paperId"] = f"p{offset + i}"
                e["citingPaper"]["externalIds"]["DOI"] = f"10.5555/citing.{offset + i}"
                edges.append(e)
            page = {"offset": offset, "data": edges}
            if offset == 0:
                page["next"] = 2
            return httpx.Response(200, json=page)
        return httpx.Response(200, json=seed)

    monkeypatch.setenv("LITREV_S2_API_KEY", "s2-key-abcdef")
    ctx = context("semanticscholar", handler, seeds=["10.1177/0020764020904764"], page_size=2)
    [result] = run_source("semanticscholar", ctx)
    again = context("semanticscholar", handler, seeds=["10.1177/0020764020904764"],
                    state={"citations:10.1177/0020764020904764": "3"})
    [second] = run_source("semanticscholar", again)
    assert asked == [0, 2]  # the second run did not page again
    assert result.status == "succeeded" and result.watermark == "3"
    seed_rec, *citing = result.records
    assert seed_rec.work.is_seed
    assert [r.work.doi for r in citing] == ["10.5555/citing.0", "10.5555/citing.1",
                                            "10.5555/citing.2"]
    statements = [e for r in citing for e in r.excerpts if e.kind == "citation_statement"]
    assert len(statements) == 12
    assert {s.cited_work_id for s in statements} == {"doi:10.1177/0020764020904764"}
    assert second.update_method == "incremental" and second.records == [second.records[0]]


def test_run_source_reports_a_failing_source_instead_of_raising():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text="Service Unavailable")

    ctx = context("europepmc", handler, terms={"en": ["peer support"]}, max_attempts=2)
    [result] = run_source("europepmc", ctx)
    assert result.status == "failed"
    assert result.error.startswith("europepmc: gave up after 2 attempts")
    assert "last error: HTTP 503: Service Unavailable" in result.error
    assert result.records == [] and result.watermark is None


def test_unknown_source_name_is_reported():
    ctx = context("crossref", lambda r: httpx.Response(200, json={}))
    [result] = run_source("nosuchsource", ctx)
    assert result.status == "failed" and "unknown source 'nosuchsource'" in result.error


# --- dedup across sources -------------------------------------------------------------------

def test_same_work_from_three_sources_is_one_work_with_three_provenance_rows(tmp_path):
    s2_paper = data("semanticscholar", "paper_single_by_doi.json")  # DOI "10.1016/J.COMP..."
    cr_item = data("crossref", "work_single_jats_structured_abstract.json")["message"]
    cr_item = dict(cr_item, DOI="10.1016/j.compositesb.2018.01.027")
    oa_work = dict(data("openalex", "work_single_by_doi.json"),
                   doi="https://doi.org/10.1016/J.CompositesB.2018.01.027 ")
    assert len({s2_paper["externalIds"]["DOI"], cr_item["DOI"], oa_work["doi"]}) == 3
    records = [openalex.to_record(oa_work), crossref.to_record(cr_item),
               semanticscholar.to_record(s2_paper)]
    db = tmp_path / "dedup.ducklake"
    with write_session(db) as con:
        load_batch(con, records_to_batch(records), run_id="r1")
        works = frame(con, "SELECT work_id, doi FROM works")
        prov = frame(con, "SELECT source, source_record_id FROM work_sources ORDER BY source")
    assert works.to_dict("records") == [{"work_id": "doi:10.1016/j.compositesb.2018.01.027",
                                         "doi": "10.1016/j.compositesb.2018.01.027"}]
    assert prov["source"].tolist() == ["crossref", "openalex", "semanticscholar"]
    assert prov["source_record_id"].tolist()[1:] == [
        "W2785752813", "22d840026482e82dce65c5d0f91eb72b7b7bba1e"]


def test_quota_stops_every_later_search_of_the_source_without_requests(monkeypatch):
    monkeypatch.setenv("LITREV_OPENALEX_API_KEY", "oa-secret-999999")
    sent = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.params["search"])
        return httpx.Response(429, json={"error": "Rate limit exceeded", "message":
                                         "Insufficient credits for this request"})

    ctx = context("openalex", handler, terms={"en": ["peer support worker"],
                                              "fi": ["kokemusasiantuntija"]}, citations=False)
    results = run_source("openalex", ctx)
    assert [r.query_key for r in results] == ["search:en:peer support worker",
                                              "search:fi:kokemusasiantuntija"]
    assert [r.status for r in results] == ["stopped", "stopped"]
    assert sent == ["peer support worker"]  # the second search sent nothing
    assert "Insufficient credits" in results[0].error
    assert all("oa-secret-999999" not in r.error and "oa-secret-999999" not in r.query
               for r in results)
    assert "api_key=***" in results[0].error


def test_seed_doi_unknown_to_crossref_is_an_empty_search_not_a_failure():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="Resource not found.")

    ctx = context("crossref", handler, seeds=["10.5555/not.registered"], searches=False)
    [result] = run_source("crossref", ctx)
    assert result.status == "succeeded"
    assert result.records == [] and result.hits_reported == 0
    assert result.error == "Crossref does not know the seed DOI 10.5555/not.registered"


def test_each_source_plans_as_many_searches_as_it_sends():
    """``ctx.plan(n)`` feeds the live line's "searches done/total": it must be the number of
    searches the source then reports, duplicated terms and seeds included."""
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text="Service Unavailable")

    terms = {"en": ["peer support", "peer worker"], "fi": ["peer support", "vertaistuki"]}
    seeds = ("10.1177/0020764020904764", "10.1145/3174781.3174785")
    for name in ("openalex", "crossref", "europepmc", "semanticscholar", "finna"):
        planned: list[int] = []
        ctx = context(name, handler, terms=terms, seeds=seeds, max_attempts=1)
        ctx = dataclasses.replace(ctx, on_plan=planned.append)
        results = run_source(name, ctx)
        assert planned == [len(results)], name
    assert planned == [3]  # finna: each distinct term once
