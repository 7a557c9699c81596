"""OpenAlex: works by search term per language, and the works citing each seed work.

Abstracts arrive only as ``abstract_inverted_index`` (word -> positions) and are rebuilt here;
``language`` is kept as the work's metadata language (a hint for detection, not a verdict).
Paging is by cursor: ``cursor=*`` first, then ``meta.next_cursor`` until it is ``null`` or a page
is empty. Increments use the filter ``from_updated_date:<watermark>``. The API key (environment
``LITREV_OPENALEX_API_KEY``) travels as the ``api_key`` parameter, the only way OpenAlex takes
it; it is redacted from every query recorded and every error.

Profile options (``[sources.openalex]``): ``per_page`` (default 200), ``searches`` (default
true: search the profile's terms), ``citations`` (default true: works citing the seeds).

    >>> rebuild_abstract({"Peer": [0], "work": [2], "support": [1]})
    'Peer support work'
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from litrev.extract.errors import HostUnreachable, ParseError, SourceError
from litrev.extract.http import HttpSource, decode_json
from litrev.extract.records import Excerpt, SourceRecord, Work, abstracts_or_title
from litrev.extract.sources import (
    HarvestContext,
    Page,
    SearchResult,
    collect,
    failure_status,
    map_records,
    mark_seeds,
    paginate,
    parse_json,
)
from litrev.vocabulary import ExcerptKind

NAME = "openalex"
PLATFORM = "api.openalex.org"
BASE_URL = "https://api.openalex.org"
PER_PAGE = 200


def rebuild_abstract(inverted: dict[str, list[int]] | None) -> str:
    """The abstract text from OpenAlex's inverted index (words placed by position)."""
    if not inverted:
        return ""
    placed = sorted((pos, word) for word, positions in inverted.items() for pos in positions)
    return " ".join(word for _, word in placed)


def _short_id(value: str | None) -> str | None:
    return value.rsplit("/", 1)[-1].upper() if value else None


def to_record(raw: dict[str, Any], *, cited: Work | None = None) -> SourceRecord:
    """One OpenAlex work object -> a record (with the citation edge when ``cited`` is given)."""
    ids = raw.get("ids") or {}
    location = raw.get("primary_location") or {}
    venue = (location.get("source") or {}).get("display_name")
    authors = tuple((a.get("author") or {}).get("display_name")
                    for a in raw.get("authorships") or ())
    pmid = ids.get("pmid")
    work = Work.create(
        doi=raw.get("doi") or ids.get("doi"),
        openalex_id=_short_id(raw.get("id")),
        pmid=pmid.rsplit("/", 1)[-1] if pmid else None,
        title=raw.get("title") or raw.get("display_name"),
        year=raw.get("publication_year"),
        venue=venue,
        work_type=raw.get("type"),
        authors=authors,
        language=raw.get("language"),
        url=location.get("landing_page_url") or raw.get("doi"),
    )
    abstract = rebuild_abstract(raw.get("abstract_inverted_index"))
    origin = f"{PLATFORM} {work.openalex_id}"
    excerpts = abstracts_or_title(work, (Excerpt.create(
        work_id=work.work_id, kind=ExcerptKind.ABSTRACT, text=abstract,
        language_hint=raw.get("language"), origin=origin),) if abstract.strip() else (),
        language_hint=raw.get("language"), origin=origin)
    related = (cited,) if cited else ()
    citations = ((work.work_id, cited.work_id),) if cited else ()
    return SourceRecord(source=NAME, source_record_id=work.openalex_id or work.work_id,
                        work=work, excerpts=excerpts, related=related,
                        citations=citations,
                        extra={"updated_date": raw.get("updated_date")})


def parse(body: bytes) -> list[SourceRecord]:
    """A saved OpenAlex response (one work, or a ``/works`` list page) -> records."""
    data = parse_json(body, what="OpenAlex")
    if isinstance(data, dict) and "results" in data:
        return map_records(data["results"] or [], to_record, source=NAME)
    if isinstance(data, dict) and "id" in data:
        return [to_record(data)]
    raise ParseError("not an OpenAlex work or works list (expected 'results' or 'id')")


class OpenAlexClient:
    """Requests to OpenAlex through the shared policy; the API key goes as ``api_key``."""

    def __init__(self, client: httpx.Client, http: HttpSource, *, contact_email: str,
                 api_key: str | None = None, base_url: str = BASE_URL,
                 per_page: int = PER_PAGE) -> None:
        self.client = client
        self.http = http
        self.contact_email = contact_email
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.per_page = per_page

    def _params(self, params: dict[str, Any]) -> dict[str, Any]:
        out = dict(params, mailto=self.contact_email)
        if self.api_key:
            out["api_key"] = self.api_key
        return out

    def work_by_doi(self, doi: str) -> dict[str, Any] | None:
        """The OpenAlex work for a DOI, or ``None`` when OpenAlex does not know it."""
        response = self.http.get(f"{self.base_url}/works/doi:{doi}", params=self._params({}),
                                 ok_statuses=(404,))
        if response.status_code == 404:
            return None
        return decode_json(response, source=NAME, shown=f"{self.base_url}/works/doi:{doi}")

    def page(self, params: dict[str, Any], cursor: str | None) -> dict[str, Any]:
        sent = dict(params, cursor=cursor or "*")
        sent["per-page"] = self.per_page
        return self.http.get_json(f"{self.base_url}/works", params=self._params(sent))

    def iter_pages(self, params: dict[str, Any], *, max_records: int,
                   cited: Work | None = None) -> Iterator[Page]:
        def fetch(cursor: str | None) -> Page:
            data = self.page(params, cursor)
            meta = data.get("meta") or {}
            records = map_records(data.get("results") or [],
                                  lambda raw: to_record(raw, cited=cited), source=NAME)
            return Page(records, hits_reported=meta.get("count"),
                        next_token=meta.get("next_cursor"))

        return paginate(fetch, "*", max_records=max_records)

    def iter_records(self, params: dict[str, Any], *, max_records: int,
                     cited: Work | None = None) -> Iterator[SourceRecord]:
        """Records of one ``/works`` query, page by page, at most ``max_records``."""
        for page in self.iter_pages(params, max_records=max_records, cited=cited):
            yield from page.records

    def query_text(self, params: dict[str, Any]) -> str:
        """The query as sent, for the search ledger (never with the key)."""
        return "&".join(f"{k}={v}" for k, v in params.items())


def _filters(*parts: str | None) -> str | None:
    kept = [p for p in parts if p]
    return ",".join(kept) if kept else None


def harvest(ctx: HarvestContext) -> list[SearchResult]:
    """Searches per language and term, then the citing works of each seed; one result each."""
    with ctx.session() as http:
        return _harvest(ctx, http)


def _harvest(ctx: HarvestContext, http: HttpSource) -> list[SearchResult]:
    key = ctx.secret()
    oa = OpenAlexClient(http.client, http, contact_email=ctx.profile.contact_email,
                        api_key=key, base_url=ctx.option("base_url", BASE_URL),
                        per_page=int(ctx.option("per_page", PER_PAGE)))
    secrets = (key,) if key else ()
    today = ctx.today()
    results: list[SearchResult] = []

    def run(query_key: str, params: dict[str, Any], cited: Work | None = None) -> None:
        since = ctx.since_for(query_key)
        filt = _filters(params.pop("filter", None),
                        f"from_updated_date:{since}" if since else None)
        if filt:
            params["filter"] = filt
        query = oa.query_text(params)
        result = SearchResult(
            source=NAME, query_key=query_key, query=query, platform=PLATFORM,
            filters=filt, limits=f"max_records={ctx.max_records}",
            update_method="incremental" if since else "full",
            query_url=str(httpx.URL(f"{oa.base_url}/works", params=params)))
        pages = oa.iter_pages(params, max_records=ctx.max_records, cited=cited)
        collect(result, pages, ctx=ctx, watermark=today, secrets=secrets)
        result.records = mark_seeds(result.records, ctx.profile.seed_dois)
        results.append(result)

    searches, citations = ctx.option("searches", True), ctx.option("citations", True)
    ctx.plan((sum(len(terms) for terms in ctx.profile.terms.values()) if searches else 0)
             + (len(ctx.profile.seed_dois) if citations else 0))
    if searches:
        for lang, terms in ctx.profile.terms.items():
            for term in terms:
                run(f"search:{lang}:{term}", {"search": term, "filter": f"language:{lang}"})
    if citations:
        for doi in ctx.profile.seed_dois:
            query_key = f"cites:{doi}"
            try:
                seed = oa.work_by_doi(doi)
            except SourceError as exc:
                results.append(SearchResult(
                    source=NAME, query_key=query_key, query=f"works/doi:{doi}",
                    platform=PLATFORM, error=http.redact(exc),
                    status=failure_status(exc),
                    unreachable=isinstance(exc, HostUnreachable)))
                continue
            if seed is None:
                results.append(SearchResult(
                    source=NAME, query_key=query_key, query=f"works/doi:{doi}",
                    platform=PLATFORM, hits_reported=0, watermark=today,
                    error=f"OpenAlex does not know the seed DOI {doi}"))
                continue
            seed_record = mark_seeds([to_record(seed)], ctx.profile.seed_dois)[0]
            run(query_key, {"filter": f"cites:{seed_record.work.openalex_id}"},
                cited=seed_record.work)
            results[-1].records.insert(0, seed_record)
    return results
