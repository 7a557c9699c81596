"""OAI-PMH: every real recorded response mapped, resumption-token paging, errors, increments."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from litrev.extract.errors import ParseError
from litrev.extract.profile import parse_profile
from litrev.extract.sources import HarvestContext, oaipmh, run_source
from litrev.store.db import write_session
from litrev.store.state import load_state, save_watermarks
from tests.fakes import FakeClock

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "oaipmh"
ZENODO = (FIXTURES / "zenodo_listrecords_oai_dc_first_page.xml").read_bytes()
HELDA = (FIXTURES / "helda_listrecords_oai_dc_fi_single_record.xml").read_bytes()
DSPACE = (FIXTURES / "dspace_erasmus_listrecords_oai_dc.xml").read_bytes()
ZENODO_TOKEN_START = ".eJyNjtFugjAYhd_lv8alLSqDxAvdaDcVNkCocGMqBcXW4VAD0fjucz7AspNz"

# Shaped as Zenodo sends OAI errors: HTTP 422, no XML declaration.
NO_RECORDS = (b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>'
              b'2026-11-26T02:00:01Z</responseDate><request verb="ListRecords">'
              b'https://zenodo.org/oai2d</request><error code="noRecordsMatch">No records '
              b'match the query</error></OAI-PMH>')


def oai_error(code: str) -> bytes:
    return (f'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>'
            f'2026-11-26T02:00:01Z</responseDate><request>https://zenodo.org/oai2d</request>'
            f'<error code="{code}">The value of the argument is not valid</error>'
            f'</OAI-PMH>').encode()


DELETED = b"""<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-11-26T02:00:00Z
</responseDate><request verb="ListRecords">https://helda.helsinki.fi/server/oai/request</request>
<ListRecords><record><header status="deleted"><identifier>oai:helda.helsinki.fi:10138/12345
</identifier><datestamp>2026-11-20T10:00:00Z</datestamp></header></record>
<record><header status="deleted"><identifier>oai:zenodo.org:777</identifier>
<datestamp>2026-11-21</datestamp></header></record></ListRecords></OAI-PMH>"""

XML_LANG = """<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-11-26T02:00:00Z
</responseDate><request>https://www.theseus.fi/oai/request</request><ListRecords><record>
<header><identifier>oai:www.theseus.fi:10024/9999</identifier><datestamp>2026-05-01</datestamp>
</header><metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title xml:lang="fi">Kokemusasiantuntijat psykiatrisella osastolla</dc:title>
<dc:identifier>http://www.urn.fi/URN:NBN:fi:amk-2026050199999</dc:identifier>
<dc:description xml:lang="fi">Opinnäytetyön tarkoituksena oli kuvata kokemusasiantuntijoiden
työtä psykiatrisella osastolla hoitajien näkökulmasta.</dc:description>
<dc:description xml:lang="en">The purpose of this thesis was to describe the work of experts
by experience on a psychiatric ward from the nurses' point of view.</dc:description>
<dc:language>fin</dc:language><dc:date>2026</dc:date></oai_dc:dc></metadata></record>
</ListRecords></OAI-PMH>""".encode()


def profile_with(options: dict):
    return parse_profile({
        "review": {"name": "t", "target_language": "en", "contact_email": "t@example.org"},
        "seeds": {"dois": []},
        "sources": {"oaipmh": options},
    })


class Server:
    """Answers OAI requests from recorded bodies and remembers each request's parameters."""

    def __init__(self, pages: dict[str | None, tuple[int, bytes]]) -> None:
        self.pages = pages  # resumptionToken (None = first request) -> (status, body)
        self.requests: list[dict[str, str]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        self.requests.append(params)
        status, body = self.pages[params.get("resumptionToken")]
        return httpx.Response(status, content=body, headers={"content-type": "text/xml"})


def harvest(server: Server, options: dict, state: dict | None = None):
    profile = profile_with(options)
    client = httpx.Client(transport=httpx.MockTransport(server))
    ctx = HarvestContext(profile, profile.sources["oaipmh"], client=client,
                         state=state or {}, clock=FakeClock())
    return run_source("oaipmh", ctx)


# --- every recorded response ---------------------------------------------------------------

def test_helda_finnish_record():
    [rec] = oaipmh.parse(HELDA)
    assert rec.source_record_id == "oai:helda.helsinki.fi:1975/7634"
    assert rec.work.title == "Perunan typpilannoitus luonnonmukaisessa viljelyssä"
    assert rec.work.handle == "1975/7634" and rec.work.work_id == "handle:1975/7634"
    assert (rec.work.year, rec.work.language, rec.work.authors) == (2007, "fi", ("Tall, Anna",))
    assert rec.work.url == "http://hdl.handle.net/1975/7634"
    # no dc:description: the Finnish title is the text to review
    assert [(e.kind, e.text, e.language_hint) for e in rec.excerpts] == [
        ("title", "Perunan typpilannoitus luonnonmukaisessa viljelyssä", "fi")]
    assert "luonnonmukainen viljely" in rec.extra["subjects"]
    assert rec.extra["sets"] == ["hdl_10138_18081"]


def test_dspace_multiple_descriptions_abstracts_kept_notes_separated():
    records = {r.source_record_id: r for r in oaipmh.parse(DSPACE)}
    assert len(records) == 16
    # Dutch and English abstracts of one record: two abstracts; dc:language "other" is no hint
    both = records["hdl:1765/308"]
    assert both.work.language is None
    assert [e.text[:40] for e in both.excerpts] == [
        "Met moderne beeldvormende technieken, de", "Modern neuroimaging techniques enable on"]
    # the same abstract stored twice (once with ??? for quotes) is one excerpt
    assert len(records["hdl:1765/321"].excerpts) == 1
    assert len(records["hdl:1765/309"].excerpts) == 1
    # a note about where the paper was presented stays out of the abstract
    railway = records["hdl:1765/311"]
    assert [e.text[:40] for e in railway.excerpts] == ["Starting from their observation that in "]
    assert railway.extra["notes"][0].startswith("Paper presented at the 6th Annual Congress")
    lecture = records["hdl:1765/312"]
    assert lecture.excerpts[0].text.startswith("The lecture was programmed in a wider")
    assert lecture.extra["notes"][0].startswith("Governance for Architects is the text of")
    assert records["hdl:1765/313"].extra["notes"][0].startswith("Paper voor de PlanDag 2002")
    # en_US and en are both "en"
    assert records["hdl:1765/316"].work.language == "en"
    assert records["hdl:1765/317"].work.language == "en"
    assert records["hdl:1765/325"].work.title == ("Predicting Customer Lifetime Value in "
                                                  "Multi-Service Industries")
    assert records["hdl:1765/325"].work.handle == "1765/325"


def test_zenodo_page_processing_instruction_escaped_html_and_languages():
    page = oaipmh.read_page(ZENODO)
    assert page["token"].startswith(ZENODO_TOKEN_START)
    assert page["complete_size"] == 1345244
    assert page["response_date"] == "2026-08-13T18:18:48Z"
    records = {r.source_record_id: r for r in oaipmh.parse(ZENODO)}
    assert len(records) == 50
    hemophilia = records["oai:zenodo.org:20568304"]
    assert hemophilia.work.doi == "10.58614/jahsm593"
    assert hemophilia.work.language == "en"  # dc:language eng
    text = hemophilia.excerpts[0].text
    assert text.startswith("Hemophilia A is the most common hereditary coagulation disorder")
    assert "<p>" not in text and "&lt;" not in text and "&nbsp;" not in text
    assert hemophilia.excerpts[0].origin == (
        "https://zenodo.org/oai2d?verb=GetRecord&metadataPrefix=oai_dc&identifier="
        "oai%3Azenodo.org%3A20568304")
    # "No description provided." is no abstract: the title is the text
    placeholder = records["oai:zenodo.org:20510666"]
    assert [e.kind for e in placeholder.excerpts] == ["title"]
    assert records["oai:zenodo.org:20632831"].work.language == "pt"  # por
    assert records["oai:zenodo.org:20637409"].excerpts[0].text.startswith(
        "В данной статье приведен анализ")
    assert records["oai:zenodo.org:20624521"].work.language == "ta"  # tam + oty (no 639-1)
    assert records["oai:zenodo.org:20633463"].work.year == 2026


def test_xml_lang_is_the_language_hint_of_each_text_and_urn_is_kept():
    [rec] = oaipmh.parse(XML_LANG)
    assert rec.work.urn == "URN:NBN:fi:amk-2026050199999"
    assert rec.work.work_id == "urn:URN:NBN:fi:amk-2026050199999"
    assert [(e.language_hint, e.text[:32]) for e in rec.excerpts] == [
        ("fi", "Opinnäytetyön tarkoituksena oli "), ("en", "The purpose of this thesis was t")]


def test_deleted_records_are_recorded_not_dropped():
    helda, zenodo = oaipmh.parse(DELETED)
    assert helda.deleted and zenodo.deleted
    assert helda.work.work_id == "handle:10138/12345"  # the live record's handle id
    assert zenodo.work.work_id == "oai:zenodo.org:777"
    assert helda.excerpts == () and helda.extra["datestamp"] == "2026-11-20T10:00:00Z"


def test_no_records_match_is_empty_and_other_codes_fail_with_the_code():
    assert oaipmh.parse(NO_RECORDS) == []
    with pytest.raises(oaipmh.OaiPmhError, match="badResumptionToken") as err:
        oaipmh.parse(oai_error("badResumptionToken"))
    assert err.value.code == "badResumptionToken"
    with pytest.raises(ParseError, match="truncated or not XML"):
        oaipmh.parse(ZENODO[:5000])


# --- harvesting ----------------------------------------------------------------------------

def test_paging_across_resumption_tokens_served_from_files():
    token = oaipmh.read_page(ZENODO)["token"]
    server = Server({None: (200, ZENODO), token: (200, HELDA)})
    [result] = harvest(server, {"endpoints": {"zenodo": "https://zenodo.org/oai2d"}})
    assert result.status == "succeeded"
    assert len(result.records) == 51
    assert result.records[-1].work.title == "Perunan typpilannoitus luonnonmukaisessa viljelyssä"
    assert result.hits_reported == 1345244
    assert server.requests == [
        {"verb": "ListRecords", "metadataPrefix": "oai_dc"},
        {"verb": "ListRecords", "resumptionToken": token}]
    assert result.watermark == "2026-08-13"  # the repository's responseDate of page 1
    assert result.update_method == "full"
    assert result.platform == "OAI-PMH zenodo.org"


def test_second_run_asks_from_the_stored_watermark(tmp_path):
    token = oaipmh.read_page(ZENODO)["token"]
    options = {"endpoints": {"zenodo": "https://zenodo.org/oai2d"}, "set": "user-jahsm"}
    first = harvest(Server({None: (200, ZENODO), token: (200, HELDA)}), options)
    db = tmp_path / "state.ducklake"
    with write_session(db) as con:
        assert save_watermarks(con, first, run_id="run-1") == 1
        state = dict(load_state(con, "oaipmh"))
    assert state == {"zenodo": "2026-08-13"}
    server = Server({None: (422, NO_RECORDS)})  # Zenodo: nothing new, said with HTTP 422
    [second] = harvest(server, options, state=state)
    assert server.requests == [{"verb": "ListRecords", "metadataPrefix": "oai_dc",
                                "from": "2026-08-13", "set": "user-jahsm"}]
    assert second.status == "succeeded" and second.records == []
    assert second.update_method == "incremental"
    assert second.filters == "from=2026-08-13; set=user-jahsm"
    assert second.watermark == "2026-11-26"


def test_bad_resumption_token_fails_the_search_keeping_whole_pages_only():
    token = oaipmh.read_page(ZENODO)["token"]
    server = Server({None: (200, ZENODO), token: (400, oai_error("badResumptionToken"))})
    [result] = harvest(server, {"endpoints": {"zenodo": "https://zenodo.org/oai2d"}})
    assert result.status == "failed"
    assert "OAI-PMH error badResumptionToken" in result.error
    assert result.watermark is None
    assert len(result.records) == 50  # the complete first page, nothing of the failed one


@pytest.mark.parametrize("code", ["badArgument", "cannotDisseminateFormat", "noSetHierarchy"])
def test_other_oai_error_codes_fail_with_their_code(code):
    [result] = harvest(Server({None: (200, oai_error(code))}),
                       {"endpoints": {"zenodo": "https://zenodo.org/oai2d"}})
    assert result.status == "failed" and code in result.error


def test_html_error_page_instead_of_xml_fails_cleanly():
    server = Server({None: (200, b"<html><body>Service Unavailable</body></html>")})
    [result] = harvest(server, {"endpoints": {"zenodo": "https://zenodo.org/oai2d"}})
    assert result.status == "failed" and "no usable OAI-PMH XML" in result.error


def test_presets_and_overrides():
    assert oaipmh.endpoints({"presets": ["helda", "journal.fi"]}) == {
        "helda": oaipmh.PRESETS["helda"], "journal.fi": oaipmh.PRESETS["journal.fi"]}
    assert oaipmh.endpoints({"presets": ["helda"],
                             "endpoints": {"helda": "https://mirror.example.org/oai"}}) == {
        "helda": "https://mirror.example.org/oai"}
    assert set(oaipmh.endpoints({})) == {"journal.fi", "julkari", "theseus", "helda"}
    [result] = harvest(Server({}), {"presets": ["nosuch"]})
    assert result.status == "failed" and "unknown preset 'nosuch'" in result.error


# --- through a real HTTP server on loopback ---------------------------------------------------

def loopback_harvest(route, state=None):
    from tests.loopback import LoopbackServer

    with LoopbackServer(route) as server:
        profile = profile_with({"endpoints": {"zenodo": server.url + "/oai2d"},
                                "rate_per_second": 0, "max_attempts": 3,
                                "timeout_seconds": 5})
        ctx = HarvestContext(profile, profile.sources["oaipmh"], state=state or {},
                             clock=FakeClock())
        return run_source("oaipmh", ctx)


def test_loopback_503_then_pages_then_no_records_with_422():
    from tests.loopback import Reply

    token = oaipmh.read_page(ZENODO)["token"]
    calls = []

    def route(request):
        calls.append(request.query)
        if len(calls) == 1:
            return Reply.text("busy", 503)
        if request.query.get("resumptionToken") == token:
            return Reply(200, HELDA, {"Content-Type": "text/xml"})
        return Reply(200, ZENODO, {"Content-Type": "text/xml; charset=utf-8",
                                   "retry-after": "57"})

    [result] = loopback_harvest(route)
    assert result.status == "succeeded" and len(result.records) == 51
    assert len(calls) == 3  # one retry after the 503

    [again] = loopback_harvest(lambda request: Reply(422, NO_RECORDS,
                                                     {"Content-Type": "text/xml"}),
                               state={"zenodo": result.watermark})
    assert again.status == "succeeded" and again.records == []


def test_loopback_oai_error_code_and_truncated_xml_fail_without_partial_pages():
    from tests.loopback import Reply

    token = oaipmh.read_page(ZENODO)["token"]

    def bad_token(request):
        if request.query.get("resumptionToken") == token:
            return Reply(422, oai_error("badResumptionToken"), {"Content-Type": "text/xml"})
        return Reply(200, ZENODO, {"Content-Type": "text/xml"})

    [result] = loopback_harvest(bad_token)
    assert result.status == "failed" and "badResumptionToken" in result.error
    assert len(result.records) == 50 and result.watermark is None

    [cut] = loopback_harvest(lambda request: Reply(200, ZENODO[:40000],
                                                   {"Content-Type": "text/xml"}))
    assert cut.status == "failed" and "no usable OAI-PMH XML" in cut.error
    assert cut.records == []
