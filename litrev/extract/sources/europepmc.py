"""Europe PMC: search with abstracts (``resultType=core``), paged by ``cursorMark``.

The ``hitCount`` Europe PMC reports can exceed what its cursor actually delivers; both are kept
(``hits_reported`` and the number of records retrieved) and a gap is logged. Paging ends when
``nextCursorMark`` is absent, repeats the cursor just used, or a page is empty. Increments add
``FIRST_IDATE:[<watermark> TO 3000-12-31]`` (first indexed since the last run) to the query;
records revised later are picked up by a full run (``litrev harvest --full``).

Profile options (``[sources.europepmc]``): ``page_size`` (default 100, at most 1000).

    rec = to_record(result)     # one element of resultList.result
    rec.work.pmid
    # -> '39709209'
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx

from litrev.extract.errors import ParseError
from litrev.extract.http import HttpSource
from litrev.extract.records import Excerpt, SourceRecord, Work, abstracts_or_title
from litrev.extract.sources import (
    HarvestContext,
    Page,
    SearchResult,
    collect,
    map_records,
    mark_seeds,
    paginate,
    parse_json,
)
from litrev.extract.sources._text import labelled_abstract
from litrev.vocabulary import ExcerptKind, SearchStatus

log = logging.getLogger("litrev.sources.europepmc")

NAME = "europepmc"
PLATFORM = "www.ebi.ac.uk/europepmc"
BASE_URL = "https://www.ebi.ac.uk/europepmc/webservices/rest"
PAGE_SIZE = 100
# Europe PMC gives ISO 639-2 codes; the pipeline speaks ISO 639-1.
LANGUAGES = {"eng": "en", "fin": "fi", "swe": "sv", "ger": "de", "deu": "de", "fre": "fr",
             "fra": "fr", "spa": "es", "ita": "it", "por": "pt", "dut": "nl", "nld": "nl",
             "dan": "da", "nor": "no", "est": "et", "rus": "ru", "pol": "pl", "jpn": "ja",
             "chi": "zh", "zho": "zh"}


def _year(raw: dict[str, Any]) -> int | None:
    value = raw.get("pubYear") or (raw.get("journalInfo") or {}).get("yearOfPublication")
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


def to_record(raw: dict[str, Any]) -> SourceRecord:
    """One element of ``resultList.result`` -> a record."""
    language = raw.get("language")
    language = LANGUAGES.get(language, language) if language else None
    authors = tuple(a.get("fullName") or a.get("collectiveName")
                    for a in (raw.get("authorList") or {}).get("author") or ())
    journal = ((raw.get("journalInfo") or {}).get("journal") or {}).get("title")
    types = (raw.get("pubTypeList") or {}).get("pubType") or []
    source, ident = raw.get("source"), raw.get("id")
    work = Work.create(
        doi=raw.get("doi"),
        pmid=raw.get("pmid"),
        title=raw.get("title"),
        year=_year(raw),
        venue=journal or (raw.get("bookOrReportDetails") or {}).get("publisher"),
        work_type=types[0] if types else None,
        authors=authors,
        language=language,
        url=f"https://europepmc.org/article/{source}/{ident}" if source and ident else None,
    )
    abstract = labelled_abstract(raw.get("abstractText"))
    origin = f"europepmc.org {source}/{ident}"
    excerpts = abstracts_or_title(work, (Excerpt.create(
        work_id=work.work_id, kind=ExcerptKind.ABSTRACT, text=abstract, language_hint=language,
        origin=origin),) if abstract else (), language_hint=language, origin=origin)
    return SourceRecord(source=NAME, source_record_id=f"{source}:{ident}", work=work,
                        excerpts=excerpts, extra={"firstIndexDate": raw.get("firstIndexDate")})


_DC = "{http://purl.org/dc/elements/1.1/}"
_DCTERMS = "{http://purl.org/dc/terms/}"
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"


def dc_to_raw(description: Any) -> dict[str, Any]:
    """One ``rdf:Description`` of the Dublin Core format -> the JSON ``core`` shape."""
    def texts(tag: str) -> list[str]:
        return [(e.text or "").strip() for e in description.iter(tag) if (e.text or "").strip()]

    about = description.get(f"{_RDF}about") or ""
    source, _, ident = about.rstrip("/").rpartition("/")
    source = source.rsplit("/", 1)[-1]
    dois = [i for i in texts(f"{_DC}identifier") if "doi.org/" in i]
    dates = texts(f"{_DC}date")
    return {
        "id": ident or None, "source": source or None,
        "pmid": ident if source == "MED" else None,
        "doi": dois[0] if dois else None,
        "title": next(iter(texts(f"{_DC}title")), None),
        "pubYear": dates[0][:4] if dates else None,
        "language": next(iter(texts(f"{_DC}language")), None),
        "abstractText": next(iter(texts(f"{_DCTERMS}abstract")), None),
        "authorList": {"author": [{"fullName": c} for c in texts(f"{_DC}creator")]},
        "pubTypeList": {"pubType": texts(f"{_DC}description")[:1]},
    }


def parse_dc(body: bytes) -> list[SourceRecord]:
    """A saved Europe PMC response in ``format=dc`` (Dublin Core XML) -> records."""
    import defusedxml.ElementTree as ET

    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise ParseError(f"not well-formed Europe PMC XML ({exc})") from None
    return map_records([dc_to_raw(d) for d in root.iter(f"{_RDF}Description")], to_record,
                       source=NAME)


def parse(body: bytes) -> list[SourceRecord]:
    """A saved Europe PMC search response (JSON, or Dublin Core XML) -> records."""
    if body.lstrip()[:1] == b"<":
        return parse_dc(body)
    data = parse_json(body, what="Europe PMC")
    if not isinstance(data, dict) or "resultList" not in data:
        raise ParseError("not a Europe PMC search response (expected resultList); save it with "
                         "format=json")
    return map_records((data["resultList"] or {}).get("result") or [], to_record, source=NAME)


class EuropePmcClient:
    """Requests to the Europe PMC REST search. A client for another use of the same search
    (the full-text source) overrides ``source`` and ``record_of``, how a result becomes a
    record."""

    source = NAME

    @staticmethod
    def record_of(raw: dict[str, Any]) -> SourceRecord:
        return to_record(raw)

    def __init__(self, client: httpx.Client, http: HttpSource, *, base_url: str = BASE_URL,
                 page_size: int = PAGE_SIZE) -> None:
        self.client = client
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.page_size = page_size

    def iter_pages(self, query: str, *, max_records: int) -> Iterator[Page]:
        def fetch(cursor: str | None) -> Page:
            data = self.http.get_json(f"{self.base_url}/search", params={
                "query": query, "resultType": "core", "format": "json",
                "pageSize": self.page_size, "cursorMark": cursor or "*"})
            records = map_records((data.get("resultList") or {}).get("result") or [],
                                  self.record_of, source=self.source)
            nxt = data.get("nextCursorMark")
            return Page(records, hits_reported=data.get("hitCount"),
                        next_token=None if not nxt or nxt == cursor else nxt)

        return paginate(fetch, "*", max_records=max_records)

    def iter_records(self, query: str, *, max_records: int) -> Iterator[SourceRecord]:
        """Records of one query, page by page, at most ``max_records``."""
        for page in self.iter_pages(query, max_records=max_records):
            yield from page.records


def harvest(ctx: HarvestContext) -> list[SearchResult]:
    """One cursor search per profile term (all languages)."""
    with ctx.session() as http:
        return _harvest(ctx, http)


def _harvest(ctx: HarvestContext, http: HttpSource) -> list[SearchResult]:
    epmc = EuropePmcClient(http.client, http, base_url=ctx.option("base_url", BASE_URL),
                           page_size=int(ctx.option("page_size", PAGE_SIZE)))
    today = ctx.today()
    results: list[SearchResult] = []
    terms = ctx.distinct_terms()
    ctx.plan(len(terms))
    for term in terms:
        query_key = f"query:{term}"
        since = ctx.since_for(query_key)
        filt = f"FIRST_IDATE:[{since} TO 3000-12-31]" if since else None
        query = f"({term}) AND {filt}" if filt else term
        result = SearchResult(
            source=NAME, query_key=query_key, query=query, platform=PLATFORM, filters=filt,
            limits=f"max_records={ctx.max_records}",
            update_method="incremental" if since else "full",
            query_url=str(httpx.URL(f"{epmc.base_url}/search", params={
                "query": query, "resultType": "core", "format": "json"})))
        collect(result, epmc.iter_pages(query, max_records=ctx.max_records), ctx=ctx,
                watermark=today)
        result.records = mark_seeds(result.records, ctx.profile.seed_dois)
        if result.status == SearchStatus.SUCCEEDED and result.hits_reported is not None and \
                result.records_retrieved < min(result.hits_reported, ctx.max_records):
            log.info("europepmc: %r reported %d hits, %d retrieved", query,
                     result.hits_reported, result.records_retrieved)
        results.append(result)
    return results
