"""Finna: the real recorded search mapped, summaries as abstracts, paging, increments."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from litrev.extract.errors import ParseError
from litrev.extract.profile import parse_profile
from litrev.extract.sources import HarvestContext, finna, run_source
from tests.fakes import FakeClock

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "finna" / \
    "search_museovirasto_images_fi.json"
BODY = FIXTURE.read_bytes()
DATA = json.loads(BODY)


def test_real_search_response_finnish_titles_authors_and_ids():
    records = finna.parse(BODY)
    assert len(records) == 13
    first = records[0]
    assert first.source_record_id == "museovirasto.CC0641BB5337F541CBD19169838BAC1F"
    assert first.work.title == "linnunpönttö koivussa"
    assert first.work.authors == ("Vikstedt, Topi",)
    assert first.work.work_type == "Image"
    assert first.work.url == "https://finna.fi/Record/museovirasto.CC0641BB5337F541CBD19169838BAC1F"
    assert first.extra["subjects"] == ["koivu", "linnunpöntöt", "Revonristi",
                                       "valmistusaika: 11.06.1923"]
    assert first.extra["buildings"] == ["Museovirasto", "Kansatieteen kuvakokoelma"]
    # museum images carry no summary: the Finnish title is the text
    assert [(e.kind, e.text) for e in first.excerpts] == [("title", "linnunpönttö koivussa")]
    titles = [r.work.title for r in records]
    assert "Turun linnan huoneen 15 kaakkoiskulman tiililattia" in titles
    assert titles[-1] == "Pohjoismaiset rakennuspäivät"


def test_summaries_are_abstracts_and_record_language_is_the_hint():
    # the shape of a Finna thesis record with the fields litrev asks for (field[])
    raw = {"id": "theseus.10024_1234", "title": "Kokemusasiantuntijuus psykiatrisessa hoidossa",
           "year": "2019", "languages": ["fin"], "cleanDoi": None,
           "primaryAuthors": ["Virtanen, Anna"],
           "summary": ["Opinnäytetyön tarkoituksena oli kuvata kokemusasiantuntijoiden työtä."],
           "recordPage": "/Record/theseus.10024_1234",
           "formats": [{"value": "0/Thesis/", "translated": "Opinnäyte"},
                       {"value": "1/Thesis/Thesis/", "translated": "Opinnäyte"}]}
    rec = finna.to_record(raw)
    assert (rec.work.year, rec.work.language, rec.work.work_type) == (2019, "fi", "Thesis")
    assert [(e.kind, e.language_hint, e.text) for e in rec.excerpts] == [
        ("abstract", "fi",
         "Opinnäytetyön tarkoituksena oli kuvata kokemusasiantuntijoiden työtä.")]
    two = finna.to_record({**raw, "languages": ["swe"],
                           "summary": ["Syftet var att beskriva erfarenhetsexperters arbete.",
                                       "The aim was to describe the work of experts."]})
    assert two.work.language == "sv"
    # two summaries: the record's one language is no hint for either
    assert [e.language_hint for e in two.excerpts] == [None, None]


def test_not_a_finna_body_is_a_parse_error():
    with pytest.raises(ParseError, match="not a Finna search response"):
        finna.parse(b'{"results": []}')


class Pages:
    """Serves the real response split into pages of ``size`` records, as Finna pages them."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.requests: list[httpx.QueryParams] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        self.requests.append(params)
        page = int(params["page"])
        chunk = DATA["records"][(page - 1) * self.size: page * self.size]
        return httpx.Response(200, json={"resultCount": len(DATA["records"]),
                                         "records": chunk, "status": "OK"})


def harvest(server, state=None, options=None):
    profile = parse_profile({
        "review": {"name": "t", "target_language": "en", "contact_email": "t@example.org"},
        "search": {"terms": {"fi": ["kokemusasiantuntija"], "en": ["peer support"]}},
        "seeds": {"dois": []},
        "sources": {"finna": {"page_size": 5, **(options or {})}},
    })
    client = httpx.Client(transport=httpx.MockTransport(server))
    ctx = HarvestContext(profile, profile.sources["finna"], client=client, state=state or {},
                         clock=FakeClock())
    return run_source("finna", ctx)


def test_paging_over_served_pages_with_fields_filters_and_language():
    server = Pages(size=5)
    [result] = harvest(server, options={"languages": ["fi"],
                                         "filters": ['format:"0/Thesis/"']})
    assert result.status == "succeeded"
    assert len(result.records) == 13
    assert result.hits_reported == 13
    assert [p["page"] for p in server.requests] == ["1", "2", "3"]
    first = server.requests[0]
    assert first["lookfor"] == "kokemusasiantuntija" and first["limit"] == "5"
    assert first["sort"] == "first_indexed desc" and first["lng"] == "fi"
    assert first.get_list("filter[]") == ['format:"0/Thesis/"']
    assert "summary" in first.get_list("field[]") and "languages" in first.get_list("field[]")
    assert result.watermark == "newest:museovirasto.CC0641BB5337F541CBD19169838BAC1F"
    assert result.query_key == "query:kokemusasiantuntija"


def test_second_run_stops_at_the_newest_record_of_the_last_run():
    newest_last_time = DATA["records"][7]["id"]  # records 0-6 were added since
    server = Pages(size=5)
    [result] = harvest(server, state={"query:kokemusasiantuntija": f"newest:{newest_last_time}"},
                       options={"languages": ["fi"]})
    assert result.update_method == "incremental"
    assert len(result.records) == 7
    assert [p["page"] for p in server.requests] == ["1", "2"]  # page 3 is never asked for
    assert result.watermark == f"newest:{DATA['records'][0]['id']}"


def test_error_status_fails_the_search():
    def server(request):
        return httpx.Response(200, json={"status": "ERROR",
                                         "statusMessage": "Invalid filter"})
    [result] = harvest(server, options={"languages": ["fi"]})
    assert result.status == "failed" and "Invalid filter" in result.error
