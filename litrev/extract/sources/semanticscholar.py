"""Semantic Scholar: the papers citing each seed work, with their citation contexts.

Each citation edge of ``/graph/v1/paper/DOI:<seed>/citations`` carries ``contexts`` (the
sentences in which the citing paper cites the seed), ``intents`` and ``isInfluential``; each
context becomes one ``citation_statement`` excerpt of the citing work about the seed, with the
intents of that context (``contextsWithIntent``). Paging is by ``offset``/``next`` (``next`` is
absent on the last page). The optional API key (environment ``LITREV_S2_API_KEY``) goes in the
``x-api-key`` header, never in a URL.

Incremental runs: the citations endpoint has no date filter, so the watermark is the seed's
``citationCount``; when it has not changed since the last run, the citations are not fetched
again (one request per seed instead of one per page).

    rec = to_record(edge, paper=seed_work)      # edge: one element of the page's "data"
    [e.kind for e in rec.excerpts]
    # -> ['citation_statement', 'citation_statement', ...]
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

NAME = "semanticscholar"
PLATFORM = "api.semanticscholar.org"
BASE_URL = "https://api.semanticscholar.org/graph/v1"
PAGE_SIZE = 100  # limit=1000 is allowed but S2 times out (504) on large citation pages
PAPER_FIELDS = "paperId,externalIds,title,abstract,year,venue,authors,url,publicationTypes"
EDGE_FIELDS = "contexts,intents,contextsWithIntent,isInfluential," + PAPER_FIELDS


def paper_to_work(paper: dict[str, Any]) -> Work:
    ids = paper.get("externalIds") or {}
    types = paper.get("publicationTypes") or []
    return Work.create(
        doi=ids.get("DOI"),
        s2_id=paper.get("paperId"),
        pmid=ids.get("PubMed"),
        title=paper.get("title"),
        year=paper.get("year"),
        venue=paper.get("venue") or (paper.get("journal") or {}).get("name") or None,
        work_type=types[0] if types else None,
        authors=tuple(a.get("name") for a in paper.get("authors") or ()),
        url=paper.get("url"),
    )


def _abstract(work: Work, paper: dict[str, Any]) -> tuple[Excerpt, ...]:
    """The paper's abstract, else its title (:func:`extract.records.abstracts_or_title`)."""
    text = paper.get("abstract")
    origin = f"{PLATFORM} {work.s2_id}"
    return abstracts_or_title(work, (Excerpt.create(
        work_id=work.work_id, kind=ExcerptKind.ABSTRACT, text=text, origin=origin),)
        if text and text.strip() else (), origin=origin)


def to_record(raw: dict[str, Any], *, paper: Work | None = None) -> SourceRecord:
    """One citation edge -> a record of the edge's paper and its citation statements.

    ``raw`` holds ``citingPaper`` (a ``/citations`` page: ``paper`` is the cited one) or
    ``citedPaper`` (a ``/references`` page: ``paper`` is the citing one). Without ``paper``
    the other end is unknown, so the contexts cannot be statements *about* anything: they are
    counted in ``extra["contexts"]`` and no statement is made up.
    A plain paper object (no edge) maps to its work and abstract.
    """
    if "citingPaper" in raw or "citedPaper" in raw:
        is_citation = "citingPaper" in raw
        other = raw.get("citingPaper") if is_citation else raw.get("citedPaper")
        work = paper_to_work(other or {})
        citing, cited = (work, paper) if is_citation else (paper, work)
    else:
        work = paper_to_work(raw)
        return SourceRecord(source=NAME, source_record_id=work.s2_id or work.work_id,
                            work=work, excerpts=_abstract(work, raw))
    contexts = [c for c in raw.get("contexts") or () if c and c.strip()]
    intents_of = {(c.get("context") or ""): tuple(c.get("intents") or ())
                  for c in raw.get("contextsWithIntent") or ()}
    excerpts = list(_abstract(work, other or {}))
    if citing is not None and cited is not None:
        for text in contexts:
            excerpts.append(Excerpt.create(
                work_id=citing.work_id, kind=ExcerptKind.CITATION_STATEMENT, text=text,
                cited_work_id=cited.work_id,
                intents=intents_of.get(text, tuple(raw.get("intents") or ())),
                is_influential=raw.get("isInfluential"),
                origin=f"{PLATFORM} citation {citing.s2_id or citing.work_id} -> "
                       f"{cited.s2_id or cited.work_id}"))
    related = (paper,) if paper is not None else ()
    citations = ((citing.work_id, cited.work_id),) if citing and cited else ()
    record_id = f"{citing.s2_id or citing.work_id}>{cited.s2_id or cited.work_id}" \
        if citing and cited else (work.s2_id or work.work_id)
    return SourceRecord(source=NAME, source_record_id=record_id, work=work,
                        excerpts=tuple(excerpts), related=related, citations=citations,
                        extra={"contexts": len(contexts),
                               "is_influential": raw.get("isInfluential")})


def parse(body: bytes, *, paper: Work | None = None) -> list[SourceRecord]:
    """A saved response: a citations/references page, one edge, or one paper -> records."""
    data = parse_json(body, what="Semantic Scholar")
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        return map_records(data["data"], lambda e: to_record(e, paper=paper), source=NAME)
    if isinstance(data, dict) and ("citingPaper" in data or "citedPaper" in data
                                   or "paperId" in data):
        return [to_record(data, paper=paper)]
    raise ParseError("not a Semantic Scholar paper, edge or page (expected 'data', "
                     "'citingPaper', 'citedPaper' or 'paperId')")


class SemanticScholarClient:
    """Requests to the Academic Graph API; the key goes in ``x-api-key``."""

    def __init__(self, client: httpx.Client, http: HttpSource, *, api_key: str | None = None,
                 base_url: str = BASE_URL, page_size: int = PAGE_SIZE) -> None:
        self.client = client
        self.http = http
        self.headers = {"x-api-key": api_key} if api_key else {}
        self.base_url = base_url.rstrip("/")
        self.page_size = page_size

    def paper(self, doi: str) -> dict[str, Any] | None:
        """The paper for a DOI (with ``citationCount``), or ``None`` when S2 does not know it."""
        response = self.http.get(f"{self.base_url}/paper/DOI:{doi}",
                                 params={"fields": PAPER_FIELDS + ",citationCount"},
                                 headers=self.headers, ok_statuses=(404,))
        if response.status_code == 404:
            return None
        return decode_json(response, source=NAME, shown=f"{self.base_url}/paper/DOI:{doi}")

    def iter_pages(self, doi: str, seed: Work, *, max_records: int) -> Iterator[Page]:
        url = f"{self.base_url}/paper/DOI:{doi}/citations"

        def fetch(offset: str | None) -> Page:
            data = self.http.get_json(url, params={"fields": EDGE_FIELDS,
                                                   "offset": int(offset or 0),
                                                   "limit": self.page_size},
                                      headers=self.headers)
            records = map_records(data.get("data") or [], lambda e: to_record(e, paper=seed),
                                  source=NAME)
            nxt = data.get("next")
            return Page(records, next_token=str(nxt) if nxt is not None else None)

        return paginate(fetch, "0", max_records=max_records)

    def iter_records(self, doi: str, seed: Work, *, max_records: int
                     ) -> Iterator[SourceRecord]:
        """Citing papers of ``doi`` with their statements, page by page, at most the cap."""
        for page in self.iter_pages(doi, seed, max_records=max_records):
            yield from page.records


def harvest(ctx: HarvestContext) -> list[SearchResult]:
    """For each seed DOI: its citing papers and their citation statements."""
    with ctx.session() as http:
        return _harvest(ctx, http)


def _harvest(ctx: HarvestContext, http: HttpSource) -> list[SearchResult]:
    key = ctx.secret()
    s2 = SemanticScholarClient(http.client, http, api_key=key,
                               base_url=ctx.option("base_url", BASE_URL),
                               page_size=int(ctx.option("page_size", PAGE_SIZE)))
    results: list[SearchResult] = []
    ctx.plan(len(ctx.profile.seed_dois))
    for doi in ctx.profile.seed_dois:
        query_key = f"citations:{doi}"
        query = f"paper/DOI:{doi}/citations?fields={EDGE_FIELDS}"
        result = SearchResult(source=NAME, query_key=query_key, query=query, platform=PLATFORM,
                              limits=f"max_records={ctx.max_records}",
                              query_url=f"{s2.base_url}/{query}")
        try:
            raw_seed = s2.paper(doi)
        except SourceError as exc:
            result.status = failure_status(exc)
            result.error = http.redact(exc)
            result.unreachable = isinstance(exc, HostUnreachable)
            results.append(result)
            continue
        if raw_seed is None:
            result.hits_reported = 0
            result.error = f"Semantic Scholar does not know the seed DOI {doi}"
            results.append(result)
            continue
        count = raw_seed.get("citationCount")
        result.hits_reported = count
        seed_record = mark_seeds([to_record(raw_seed)], [doi])[0]
        previous = ctx.state.get(query_key)
        if previous is not None and count is not None and previous == str(count):
            result.update_method = "incremental"
            result.filters = f"skipped: citationCount unchanged ({count})"
            result.records = [seed_record]
            result.watermark = previous
            results.append(result)
            continue
        pages = s2.iter_pages(doi, seed_record.work, max_records=ctx.max_records)
        collect(result, pages, ctx=ctx, watermark=str(count) if count is not None else None,
                secrets=(key,) if key else ())
        result.records = [seed_record, *mark_seeds(result.records, ctx.profile.seed_dois)]
        results.append(result)
    return results
