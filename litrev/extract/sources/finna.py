"""Finna (api.finna.fi): Finnish library, archive and repository records, with their summaries.

Finna indexes Finnish and Swedish theses, reports and articles that the international indexes
miss. Its ``summary`` field holds the abstracts (often one per language); ``languages`` holds
the record's languages as ISO 639-2 codes (``fin``, ``swe``), kept as ISO 639-1 hints.

One search per profile term (``lookfor``), paged by ``page``/``limit``, newest first
(``sort=first_indexed desc``). Why newest first: Finna has no "changed since" parameter, so an
increment pages until it meets the newest record of the last successful run (the watermark,
``newest:<record id>``) and stops there.

Profile options (``[sources.finna]``): ``languages`` (which term languages to search, default
all), ``filters`` (Finna ``filter[]`` values such as ``'format:"0/Thesis/"'``), ``type``
(default ``AllFields``), ``lng`` (language of translated labels, default ``fi``),
``page_size`` (default 100, Finna's maximum), ``base_url``.

    [r.work.title for r in parse(Path("finna_search.json").read_bytes())][:1]
    # -> ['linnunpönttö koivussa']
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx

from litrev.extract.bibrecord import entry_record
from litrev.extract.errors import MalformedResponse, ParseError
from litrev.extract.http import HttpSource
from litrev.extract.records import SourceRecord
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
from litrev.vocabulary import SearchStatus

log = logging.getLogger("litrev.sources.finna")

NAME = "finna"
PLATFORM = "api.finna.fi"
BASE_URL = "https://api.finna.fi/api/v1"
RECORD_URL = "https://finna.fi/Record/"
PAGE_SIZE = 100
SORT = "first_indexed desc"
FIELDS = ("id", "title", "year", "languages", "summary", "primaryAuthors",
          "nonPresenterAuthors", "cleanDoi", "containerTitle", "formats", "recordPage",
          "subjects", "buildings")
WATERMARK_PREFIX = "newest:"


def _names(raw: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for value in raw.get("primaryAuthors") or []:
        if isinstance(value, str) and value not in names:
            names.append(value)
    for person in raw.get("nonPresenterAuthors") or []:
        name = person.get("name") if isinstance(person, dict) else None
        if name and name not in names:
            names.append(name)
    return names


def _format(raw: dict[str, Any]) -> str | None:
    formats = [f.get("value") for f in raw.get("formats") or [] if isinstance(f, dict)]
    return formats[-1].strip("/").split("/")[-1] if formats and formats[-1] else None


def to_record(raw: dict[str, Any]) -> SourceRecord:
    """One element of ``records`` -> :class:`SourceRecord` (summaries become abstracts)."""
    record_id = raw.get("id")
    if not record_id:
        raise ValueError("a Finna record without id")
    languages = [v for v in raw.get("languages") or [] if isinstance(v, str)]
    summaries = [s for s in raw.get("summary") or [] if isinstance(s, str) and s.strip()]
    page = raw.get("recordPage")
    url = f"https://finna.fi{page}" if isinstance(page, str) and page.startswith("/") \
        else RECORD_URL + str(record_id)
    subjects = ["; ".join(s) if isinstance(s, list) else str(s) for s in raw.get("subjects") or []]
    buildings = [b.get("translated") for b in raw.get("buildings") or []
                 if isinstance(b, dict) and b.get("translated")]
    return entry_record(
        NAME, str(record_id), title=raw.get("title"), abstracts=[(s, None) for s in summaries],
        authors=_names(raw), year=raw.get("year"), venue=raw.get("containerTitle") or None,
        doi=raw.get("cleanDoi") or None, url=url,
        language=languages[0] if languages else None, work_type=_format(raw), origin=url,
        extra={"languages": languages, "subjects": subjects, "buildings": buildings})


def _records(data: Any, *, what: str) -> list[Any]:
    if not isinstance(data, dict) or data.get("status") not in (None, "OK"):
        status = data.get("status") if isinstance(data, dict) else None
        message = (data.get("statusMessage") if isinstance(data, dict) else None) or status
        raise MalformedResponse(f"finna: {what} is not a search answer ({message or 'no status'})"
                                "; check the query and filters in [sources.finna]")
    return data.get("records") or []


def parse(body: bytes) -> list[SourceRecord]:
    """A saved Finna search response -> records."""
    data = parse_json(body, what="Finna")
    if not isinstance(data, dict) or "resultCount" not in data:
        raise ParseError("not a Finna search response (expected resultCount and records)")
    return map_records(_records(data, what="the saved body"), to_record, source=NAME)


class FinnaClient:
    """Search requests to the Finna API, paged by page number."""

    def __init__(self, client: httpx.Client, http: HttpSource, *, base_url: str = BASE_URL,
                 page_size: int = PAGE_SIZE, lng: str = "fi", search_type: str = "AllFields",
                 filters: tuple[str, ...] = ()) -> None:
        self.client = client
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.page_size = max(1, min(int(page_size), PAGE_SIZE))
        self.lng = lng
        self.search_type = search_type
        self.filters = tuple(filters)
        self.newest_id: str | None = None  # first record of page 1: the next watermark

    def params(self, term: str, page: int) -> list[tuple[str, str]]:
        params = [("lookfor", term), ("type", self.search_type), ("sort", SORT),
                  ("page", str(page)), ("limit", str(self.page_size)), ("lng", self.lng)]
        params += [("filter[]", f) for f in self.filters]
        params += [("field[]", f) for f in FIELDS]
        return params

    def url(self, term: str, page: int = 1) -> str:
        return str(httpx.URL(f"{self.base_url}/search", params=self.params(term, page)))

    def iter_pages(self, term: str, *, max_records: int, until_id: str | None = None
                   ) -> Iterator[Page]:
        """Pages of one search; stops before ``until_id`` (the last run's newest record)."""
        def fetch(token: str | None) -> Page:
            number = int(token or 1)
            data = self.http.get_json(f"{self.base_url}/search", params=self.params(term, number))
            raws = _records(data, what=f"page {number} of {term!r}")
            if number == 1 and raws and self.newest_id is None:
                self.newest_id = str(raws[0].get("id"))
            seen_before = False
            if until_id is not None:
                ids = [str(r.get("id")) for r in raws]
                if until_id in ids:
                    raws, seen_before = raws[:ids.index(until_id)], True
            total = data.get("resultCount")
            more = raws and not seen_before and isinstance(total, int) and \
                number * self.page_size < total
            return Page(map_records(raws, to_record, source=NAME), hits_reported=total,
                        next_token=str(number + 1) if more else None)

        return paginate(fetch, None, max_records=max_records)

    def iter_records(self, term: str, *, max_records: int) -> Iterator[SourceRecord]:
        for page in self.iter_pages(term, max_records=max_records):
            yield from page.records


def harvest(ctx: HarvestContext) -> list[SearchResult]:
    """One search per profile term of the chosen languages, newest records first."""
    with ctx.session() as http:
        return _harvest(ctx, http)


def _harvest(ctx: HarvestContext, http: HttpSource) -> list[SearchResult]:
    filters = ctx.option("filters") or ()
    finna = FinnaClient(http.client, http, base_url=ctx.option("base_url", BASE_URL),
                        page_size=int(ctx.option("page_size", PAGE_SIZE)),
                        lng=str(ctx.option("lng", "fi")),
                        search_type=str(ctx.option("type", "AllFields")),
                        filters=(filters,) if isinstance(filters, str) else tuple(filters))
    wanted = ctx.option("languages")
    results: list[SearchResult] = []
    terms = ctx.distinct_terms(wanted)
    ctx.plan(len(terms))
    for term in terms:
        query_key = f"query:{term}"
        mark = ctx.state.get(query_key) or ""
        until_id = mark[len(WATERMARK_PREFIX):] if mark.startswith(WATERMARK_PREFIX) \
            else None
        finna.newest_id = None
        result = SearchResult(
            source=NAME, query_key=query_key, query=term, platform=PLATFORM,
            filters="; ".join(finna.filters) or None,
            limits=f"max_records={ctx.max_records}",
            update_method="incremental" if until_id else "full", query_url=finna.url(term))
        collect(result, finna.iter_pages(term, max_records=ctx.max_records,
                                         until_id=until_id), ctx=ctx)
        if result.status == SearchStatus.SUCCEEDED:
            newest = finna.newest_id or until_id
            result.watermark = WATERMARK_PREFIX + newest if newest else None
        result.records = mark_seeds(result.records, ctx.profile.seed_dois)
        results.append(result)
    return results
