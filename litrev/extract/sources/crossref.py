"""Crossref: works by DOI (the seeds) and by query (the profile's terms).

Abstracts are JATS fragments (``<jats:sec><jats:title>Aims</jats:title><jats:p>...``); they
become clean text that keeps each section label ("Aims: ..."). Query searches page by cursor
(``cursor=*``, then ``message.next-cursor`` until a page comes back short or empty). The
profile's contact email goes as ``mailto`` (Crossref's polite pool); increments use the filter
``from-update-date:<watermark>``.

Profile options (``[sources.crossref]``): ``rows`` (per page, default 100), ``searches``
(default true), ``by_doi`` (default true: fetch each seed DOI).

    rec = to_record(message)          # one item of message.items, or a single work
    rec.excerpts[0].text[:24]
    # -> 'Background: The absence '
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
from litrev.extract.sources._text import labelled_abstract
from litrev.vocabulary import ExcerptKind

NAME = "crossref"
PLATFORM = "api.crossref.org"
BASE_URL = "https://api.crossref.org"
ROWS = 100


def _year(item: dict[str, Any]) -> int | None:
    for key in ("issued", "published", "published-print", "published-online", "created"):
        parts = (item.get(key) or {}).get("date-parts") or [[None]]
        if parts and parts[0] and parts[0][0]:
            return int(parts[0][0])
    return None


def _first(values: Any) -> str | None:
    if isinstance(values, list):
        return next((v for v in values if v), None)
    return values or None


def _author(a: dict[str, Any]) -> str | None:
    if a.get("family"):
        return f"{a['family']}, {a['given']}" if a.get("given") else a["family"]
    return a.get("name")


def to_record(item: dict[str, Any]) -> SourceRecord:
    """One Crossref work (an item of ``message.items`` or a single ``message``) -> a record."""
    work = Work.create(
        doi=item.get("DOI"),
        title=_first(item.get("title")),
        year=_year(item),
        venue=_first(item.get("container-title")),
        work_type=item.get("type"),
        authors=tuple(_author(a) for a in item.get("author") or ()),
        language=item.get("language"),
        url=item.get("URL"),
    )
    abstract = labelled_abstract(item.get("abstract"))
    origin = f"{PLATFORM} {work.doi}"
    excerpts = abstracts_or_title(work, (Excerpt.create(
        work_id=work.work_id, kind=ExcerptKind.ABSTRACT, text=abstract,
        language_hint=item.get("language"), origin=origin),) if abstract else (),
        language_hint=item.get("language"), origin=origin)
    return SourceRecord(source=NAME, source_record_id=work.doi or work.work_id, work=work,
                        excerpts=excerpts,
                        extra={"indexed": (item.get("indexed") or {}).get("date-time")})


def parse(body: bytes) -> list[SourceRecord]:
    """A saved Crossref response (``work`` or ``work-list``) -> records."""
    data = parse_json(body, what="Crossref")
    message = data.get("message") if isinstance(data, dict) else None
    if isinstance(message, dict) and isinstance(message.get("items"), list):
        return map_records(message["items"], to_record, source=NAME)
    if isinstance(message, dict) and message.get("DOI"):
        return [to_record(message)]
    raise ParseError("not a Crossref work or work-list (expected message.items or "
                     "message.DOI)")


class CrossrefClient:
    """Requests to the Crossref REST API with ``mailto`` for the polite pool."""

    def __init__(self, client: httpx.Client, http: HttpSource, *, contact_email: str,
                 base_url: str = BASE_URL, rows: int = ROWS) -> None:
        self.client = client
        self.http = http
        self.contact_email = contact_email
        self.base_url = base_url.rstrip("/")
        self.rows = rows

    def work(self, doi: str) -> dict[str, Any] | None:
        """The work for a DOI, or ``None`` when Crossref does not know it (404)."""
        url = f"{self.base_url}/works/{doi}"
        response = self.http.get(url, params={"mailto": self.contact_email}, ok_statuses=(404,))
        if response.status_code == 404:
            return None
        return decode_json(response, source=NAME, shown=url).get("message")

    def iter_pages(self, params: dict[str, Any], *, max_records: int) -> Iterator[Page]:
        def fetch(cursor: str | None) -> Page:
            sent = dict(params, cursor=cursor or "*", rows=self.rows, mailto=self.contact_email)
            message = self.http.get_json(f"{self.base_url}/works", params=sent)["message"]
            items = message.get("items") or []
            records = map_records(items, to_record, source=NAME)
            nxt = message.get("next-cursor") if len(items) >= self.rows else None
            return Page(records, hits_reported=message.get("total-results"), next_token=nxt)

        return paginate(fetch, "*", max_records=max_records)

    def iter_records(self, params: dict[str, Any], *, max_records: int
                     ) -> Iterator[SourceRecord]:
        """Records of one ``/works`` query, page by page, at most ``max_records``."""
        for page in self.iter_pages(params, max_records=max_records):
            yield from page.records


def harvest(ctx: HarvestContext) -> list[SearchResult]:
    """Each seed DOI, then one cursor search per profile term (all languages)."""
    with ctx.session() as http:
        return _harvest(ctx, http)


def _harvest(ctx: HarvestContext, http: HttpSource) -> list[SearchResult]:
    cr = CrossrefClient(http.client, http, contact_email=ctx.profile.contact_email,
                        base_url=ctx.option("base_url", BASE_URL),
                        rows=int(ctx.option("rows", ROWS)))
    today = ctx.today()
    results: list[SearchResult] = []
    by_doi, searches = ctx.option("by_doi", True), ctx.option("searches", True)
    terms = ctx.distinct_terms() if searches else []
    ctx.plan((len(ctx.profile.seed_dois) if by_doi else 0) + len(terms))
    if by_doi:
        for doi in ctx.profile.seed_dois:
            result = SearchResult(source=NAME, query_key=f"doi:{doi}", query=f"works/{doi}",
                                  platform=PLATFORM, query_url=f"{cr.base_url}/works/{doi}")
            try:
                item = cr.work(doi)
            except SourceError as exc:
                result.status = failure_status(exc)
                result.error = http.redact(exc)
                result.unreachable = isinstance(exc, HostUnreachable)
            else:
                result.hits_reported = 1 if item else 0
                result.watermark = today
                if item:
                    result.records = mark_seeds([to_record(item)], ctx.profile.seed_dois)
                else:
                    result.error = f"Crossref does not know the seed DOI {doi}"
            results.append(result)
    if searches:
        for term in terms:
            query_key = f"query:{term}"
            since = ctx.since_for(query_key)
            params: dict[str, Any] = {"query": term}
            if since:
                params["filter"] = f"from-update-date:{since}"
            result = SearchResult(
                source=NAME, query_key=query_key,
                query="&".join(f"{k}={v}" for k, v in params.items()), platform=PLATFORM,
                filters=params.get("filter"), limits=f"max_records={ctx.max_records}",
                update_method="incremental" if since else "full",
                query_url=str(httpx.URL(f"{cr.base_url}/works", params=params)))
            collect(result, cr.iter_pages(params, max_records=ctx.max_records), ctx=ctx,
                    watermark=today)
            result.records = mark_seeds(result.records, ctx.profile.seed_dois)
            results.append(result)
    return results
