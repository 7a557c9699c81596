"""Europe PMC full texts: citation statements of our own, from the open-access works citing a seed.

For each seed DOI: the seed's Europe PMC record (``DOI:"..."``), the works citing it with a
PMCID as each *finder* lists them (Europe PMC ``CITES:<id>_<source> AND OPEN_ACCESS:y``, OpenAlex
``cites:<W id>,is_oa:true``, Semantic Scholar's ``/citations``), each finder its own search in
the ledger and its own :class:`HttpSource` (a finder that fails leaves the others going), the
PMCIDs merged so each JATS full text (``/{PMCID}/fullTextXML``) is fetched once and read by
:mod:`litrev.extract.jats` into ``citation_statement`` excerpts: the sentence, its section path
and kind, neighbouring sentences, marked and clean text; stance stays empty (no stance model).

Incremental: each full text read is one search of its own in the ledger (``query_key``
``fulltext:<PMCID>``, 1 hit, 1 record: the citing work with its statements) whose watermark is
the day it was read, so a later run skips it; a full
text that failed is asked for again. A full text Europe PMC does not have (404) is recorded with
0 hits and not asked for again. The lists of citing works are asked for on every run (one cheap
query per seed and finder; it brings new citers).

Profile options (``[sources.europepmc-fulltext]``): ``finders`` (default all three of
:data:`FINDERS`), ``page_size`` (default 100), ``base_url`` (Europe PMC's),
``openalex_base_url``, ``semanticscholar_base_url``. ``max_records`` caps the citing works
per seed and finder, and so the full texts per run.

    $ litrev parse europepmc-fulltext PMC3166277.xml --cites 10.1534/genetics.108.098624
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass, replace
from typing import Any

import httpx

from litrev.extract import jats
from litrev.extract.errors import HostUnreachable, ParseError, SourceError, SourceFailed
from litrev.extract.http import HttpSource, decode_json
from litrev.extract.profile import DEFAULT_RATE_PER_SECOND
from litrev.extract.records import Excerpt, SourceRecord, Work
from litrev.extract.sources import (
    HarvestContext,
    Page,
    SearchResult,
    collect,
    europepmc,
    failure_status,
    mark_seeds,
    openalex,
    paginate,
    semanticscholar,
)
from litrev.vocabulary import ExcerptKind, SearchStatus

log = logging.getLogger("litrev.sources.europepmc_fulltext")

NAME = "europepmc-fulltext"
PLATFORM = "www.ebi.ac.uk/europepmc (full text)"
BASE_URL = europepmc.BASE_URL
PAGE_SIZE = 100


def cited_work(work: Work) -> jats.CitedWork:
    """What to look for in a reference list, from a stored work."""
    return jats.CitedWork(doi=work.doi, title=work.title, year=work.year,
                          first_author=work.authors[0] if work.authors else None)


def statement_origin(article_id: str, xref_id: str) -> str:
    """``PMC3166277#bibr-58``: the full text and the xref a statement was read at."""
    return f"{article_id}#{xref_id}"


def statements_record(found: jats.FullTextStatements, *, citing: Work, cited: Work,
                      article_id: str) -> SourceRecord:
    """One full text's statements about ``cited`` as the record of the citing work.

    The record carries the citation edge and the cited work even when no statement was found
    (the reference matched but every xref stood without a sentence) or the reference list does
    not name the work (then no edge: ``extra["match"]`` is ``None``).
    """
    excerpts = tuple(
        Excerpt.create(work_id=citing.work_id, kind=ExcerptKind.CITATION_STATEMENT,
                       text=s.text, cited_work_id=cited.work_id, section=s.section_path,
                       section_kind=s.section_kind, marked_text=s.marked_text,
                       context_before=s.context_before, context_after=s.context_after,
                       match_method=found.match, language_hint=s.language,
                       origin=statement_origin(article_id, s.xref_id))
        for s in found.statements)
    linked = found.match is not None
    return SourceRecord(
        source=NAME, source_record_id=article_id, work=citing, excerpts=excerpts,
        related=(cited,) if linked else (),
        citations=((citing.work_id, cited.work_id),) if linked else (),
        extra={"pmcid": article_id, "ref_ids": list(found.ref_ids),
               "match": str(found.match) if found.match else None,
               "bibr_xrefs": found.xrefs_total,
               "markers_without_sentence": found.xrefs_outside_sentences})


def article_work(meta: jats.ArticleMeta) -> Work:
    """The citing work as its full text describes it."""
    return Work.create(doi=meta.doi, pmid=meta.pmid, title=meta.title, year=meta.year,
                       authors=meta.authors, language=meta.language,
                       url=f"https://europepmc.org/article/PMC/{meta.pmcid}"
                       if meta.pmcid else None)


def parse(body: bytes, *, cites: Work | None = None) -> list[SourceRecord]:
    """One saved JATS full text -> the record of its statements citing ``cites``.

    Its origins name the PMCID, or the DOI for a full text without one (a publisher's JATS).
    """
    if cites is None:
        raise ParseError("a full text holds statements about many works: pass --cites DOI, "
                         "the work whose citation statements to find")
    root = jats.parse_jats(body)
    found = jats.citation_statements(root, cited_work(cites))
    meta = found.article
    article_id = meta.pmcid or (f"doi:{meta.doi}" if meta.doi else "article")
    return [statements_record(found, citing=article_work(meta), cited=cites,
                              article_id=article_id)]


def to_record(raw: dict[str, Any]) -> SourceRecord:
    """One citing work of Europe PMC's ``resultList.result`` (its metadata and abstract)."""
    record = europepmc.to_record(raw)
    return replace(record, source=NAME,
                   extra={**record.extra, "pmcid": raw.get("pmcid"),
                          "isOpenAccess": raw.get("isOpenAccess")})


class EuropePmcFullTextClient(europepmc.EuropePmcClient):
    """Requests to Europe PMC: seed lookup, citing works, full texts."""

    source = NAME

    @staticmethod
    def record_of(raw: dict[str, Any]) -> SourceRecord:
        return to_record(raw)

    def article_by_doi(self, doi: str) -> dict[str, Any] | None:
        """The Europe PMC record of a DOI, or ``None`` when Europe PMC does not know it."""
        data = self.http.get_json(f"{self.base_url}/search", params={
            "query": f'DOI:"{doi}"', "resultType": "core", "format": "json", "pageSize": 1})
        results = (data.get("resultList") or {}).get("result") or []
        return results[0] if results else None

    def full_text_url(self, pmcid: str) -> str:
        return f"{self.base_url}/{pmcid}/fullTextXML"

    def full_text(self, pmcid: str) -> bytes | None:
        """The JATS of an open-access full text; ``None`` when Europe PMC has none (404)."""
        response = self.http.get(self.full_text_url(pmcid), ok_statuses=(404,))
        return None if response.status_code == 404 else response.content


FINDERS = ("europepmc", "openalex", "semanticscholar")
S2_CITATION_FIELDS = "externalIds,isOpenAccess,title,year"


def pmcid_of(value: object) -> str | None:
    """A PMCID as Europe PMC's full-text endpoint takes it, from any finder's spelling.

    >>> pmcid_of("https://www.ncbi.nlm.nih.gov/pmc/articles/PMC1234567")
    'PMC1234567'
    >>> pmcid_of("1234567"), pmcid_of("pmc1234567"), pmcid_of(None)
    ('PMC1234567', 'PMC1234567', None)
    """
    if value is None:
        return None
    match = re.search(r"(?i)(?:PMC)?(\d+)/?$", str(value).strip())
    return f"PMC{match.group(1)}" if match else None


def finders_of(ctx: HarvestContext) -> tuple[str, ...]:
    """The profile's ``finders`` option, checked: which services list the citing works.

    A wrong name fails this source's run (one failed search with the line below), not the
    harvest of the other sources.
    """
    chosen = ctx.option("finders", list(FINDERS))
    if isinstance(chosen, str):
        chosen = [chosen]
    unknown = [f for f in chosen if f not in FINDERS]
    if unknown or not chosen:
        raise SourceFailed(f"[sources.{NAME}] finders = {chosen!r}: use one or more of "
                           f"{', '.join(FINDERS)}")
    return tuple(f for f in FINDERS if f in chosen)


@dataclass
class _Clients:
    """One client per finder, each with its own :class:`HttpSource` (a quota one finder
    meets stops that finder only); the full texts go through Europe PMC's."""

    europepmc: EuropePmcFullTextClient
    openalex: openalex.OpenAlexClient | None
    semanticscholar: semanticscholar.SemanticScholarClient | None


def harvest(ctx: HarvestContext) -> list[SearchResult]:
    """For each seed DOI: its open-access citing works and their statements about it."""
    finders = finders_of(ctx)
    oa_key = ctx.profile.secret(openalex.NAME)
    s2_key = ctx.profile.secret(semanticscholar.NAME)
    with contextlib.ExitStack() as stack:
        http = stack.enter_context(ctx.session())
        clients = _Clients(
            europepmc=EuropePmcFullTextClient(
                http.client, http, base_url=ctx.option("base_url", BASE_URL),
                page_size=int(ctx.option("page_size", PAGE_SIZE))),
            openalex=None, semanticscholar=None)
        if "openalex" in finders:
            oa_http = stack.enter_context(ctx.session(
                source=f"{NAME} (openalex finder)", secrets=(oa_key,) if oa_key else ()))
            clients.openalex = openalex.OpenAlexClient(
                oa_http.client, oa_http, contact_email=ctx.profile.contact_email,
                api_key=oa_key, base_url=ctx.option("openalex_base_url", openalex.BASE_URL),
                per_page=int(ctx.option("page_size", PAGE_SIZE)))
        if "semanticscholar" in finders:
            s2_http = stack.enter_context(ctx.session(
                source=f"{NAME} (semanticscholar finder)", secrets=(s2_key,) if s2_key else (),
                rate_per_second=DEFAULT_RATE_PER_SECOND[semanticscholar.NAME]
                if ctx.settings.rate_per_second else 0.0))
            clients.semanticscholar = semanticscholar.SemanticScholarClient(
                s2_http.client, s2_http, api_key=s2_key,
                base_url=ctx.option("semanticscholar_base_url", semanticscholar.BASE_URL),
                page_size=int(ctx.option("page_size", PAGE_SIZE)))
        results: list[SearchResult] = []
        for doi in ctx.profile.seed_dois:
            if http.stopped_by is not None:  # the quota ended: say which seeds were not asked
                results.append(SearchResult(
                    source=NAME, query_key=f"cites:{doi}", query=f'DOI:"{doi}"',
                    platform=PLATFORM, status=SearchStatus.STOPPED,
                    error="not asked: the quota ended this run (see the stopped search before)"))
                continue
            results.extend(_harvest_seed(ctx, clients, finders, doi))
        return results


def _failed(result: SearchResult, exc: SourceError, http: HttpSource) -> SearchResult:
    result.status = failure_status(exc)
    result.error = http.redact(exc)
    result.watermark = None
    result.unreachable = isinstance(exc, HostUnreachable)
    log.warning("%s", result.error)
    return result


def _citing(record: SourceRecord, seed: Work, pmcid: str | None, finder: str, *,
            open_access: bool) -> SourceRecord:
    """A finder's citing work as this source's record: linked to the seed, with its PMCID."""
    return replace(record, source=NAME, related=(seed,),
                   citations=((record.work.work_id, seed.work_id),),
                   extra={**record.extra, "pmcid": pmcid, "finder": finder,
                          "open_access": open_access})


def _readable(result: SearchResult) -> list[str]:
    """The PMCIDs of the open-access citing works a finder's search kept (after the cap)."""
    return [r.extra["pmcid"] for r in result.records
            if r.extra.get("pmcid") and r.extra.get("open_access")]


def _europepmc_finder(ctx: HarvestContext, client: EuropePmcFullTextClient, doi: str,
                      raw_seed: dict[str, Any], seed: Work) -> tuple[SearchResult, list[str]]:
    """Europe PMC's ``CITES:`` search: the open-access citing works, and their PMCIDs."""
    query = f"CITES:{raw_seed.get('id')}_{raw_seed.get('source')} AND OPEN_ACCESS:y"
    result = SearchResult(source=NAME, query_key=f"cites:{doi}", query=query,
                          platform=PLATFORM, limits=f"max_records={ctx.max_records}",
                          filters="OPEN_ACCESS:y",
                          query_url=str(httpx.URL(f"{client.base_url}/search", params={
                              "query": query, "resultType": "core", "format": "json"})))
    collect(result, client.iter_pages(query, max_records=ctx.max_records), ctx=ctx,
            watermark=ctx.today())
    result.records = [_citing(r, seed, r.extra.get("pmcid"), "europepmc",
                              open_access=r.extra.get("isOpenAccess") == "Y")
                      for r in result.records]
    return result, _readable(result)


def _openalex_finder(ctx: HarvestContext, client: openalex.OpenAlexClient, doi: str,
                     seed: Work) -> tuple[SearchResult, list[str]]:
    """OpenAlex ``cites:<W id>,is_oa:true``: the PMCID is ``ids.pmcid`` (a PMC URL)."""
    result = SearchResult(source=NAME, query_key=f"openalex-cites:{doi}",
                          query=f"works/doi:{doi}", platform=openalex.PLATFORM,
                          limits=f"max_records={ctx.max_records}")
    try:
        raw_seed = client.work_by_doi(doi)
    except SourceError as exc:
        return _failed(result, exc, client.http), []
    if raw_seed is None:
        result.hits_reported = 0
        result.watermark = ctx.today()
        result.error = f"OpenAlex does not know the seed DOI {doi}"
        return result, []
    params = {"filter": f"cites:{openalex.to_record(raw_seed).work.openalex_id},is_oa:true"}
    result.query = client.query_text(params)
    result.filters = params["filter"]
    result.query_url = str(httpx.URL(f"{client.base_url}/works", params=params))

    def fetch(cursor: str | None) -> Page:
        data = client.page(params, cursor)
        records = [_citing(openalex.to_record(raw), seed,
                           pmcid_of((raw.get("ids") or {}).get("pmcid")), "openalex",
                           open_access=bool((raw.get("open_access") or {}).get("is_oa", True)))
                   for raw in data.get("results") or []]
        meta = data.get("meta") or {}
        return Page(records, hits_reported=meta.get("count"),
                    next_token=meta.get("next_cursor"))

    collect(result, paginate(fetch, "*", max_records=ctx.max_records), ctx=ctx,
            watermark=ctx.today(), secrets=client.http.policy.secrets)
    return result, _readable(result)


def _semanticscholar_finder(ctx: HarvestContext, client: semanticscholar.SemanticScholarClient,
                            doi: str, seed: Work) -> tuple[SearchResult, list[str]]:
    """Semantic Scholar's citations of the seed: the PMCID is ``externalIds.PubMedCentral``
    (digits only), kept when the citing paper ``isOpenAccess``."""
    query = f"paper/DOI:{doi}/citations?fields={S2_CITATION_FIELDS}"
    result = SearchResult(source=NAME, query_key=f"s2-citations:{doi}", query=query,
                          platform=semanticscholar.PLATFORM,
                          limits=f"max_records={ctx.max_records}",
                          filters="isOpenAccess, externalIds.PubMedCentral",
                          query_url=f"{client.base_url}/{query}")
    url = f"{client.base_url}/paper/DOI:{doi}/citations"

    def fetch(offset: str | None) -> Page:
        response = client.http.get(url, params={"fields": S2_CITATION_FIELDS,
                                                "offset": int(offset or 0),
                                                "limit": client.page_size},
                                   headers=client.headers, ok_statuses=(404,))
        if response.status_code == 404:
            result.error = f"Semantic Scholar does not know the seed DOI {doi}"
            return Page([], hits_reported=0)
        data = decode_json(response, source=NAME, shown=url)
        papers = [edge.get("citingPaper") or {} for edge in data.get("data") or []]
        records = [_citing(semanticscholar.to_record(paper), seed,
                           pmcid_of((paper.get("externalIds") or {}).get("PubMedCentral")),
                           "semanticscholar", open_access=bool(paper.get("isOpenAccess")))
                   for paper in papers]
        nxt = data.get("next")
        return Page(records, next_token=str(nxt) if nxt is not None else None)

    collect(result, paginate(fetch, "0", max_records=ctx.max_records), ctx=ctx,
            watermark=ctx.today(), secrets=client.http.policy.secrets)
    return result, _readable(result)


def _harvest_seed(ctx: HarvestContext, clients: _Clients, finders: tuple[str, ...],
                  doi: str) -> list[SearchResult]:
    """Each finder's search for the works citing ``doi``, then each PMCID's full text once."""
    today = ctx.today()
    client = clients.europepmc
    results: list[SearchResult] = []
    lookup = SearchResult(source=NAME, query_key=f"cites:{doi}", query=f'DOI:"{doi}"',
                          platform=PLATFORM, limits=f"max_records={ctx.max_records}")
    try:
        raw_seed = client.article_by_doi(doi)
    except SourceError as exc:
        _failed(lookup, exc, client.http)
        if client.http.stopped_by is not None:
            return [lookup]
        raw_seed = None
        if "europepmc" in finders:
            results.append(lookup)
    if raw_seed is not None:
        seed = mark_seeds([europepmc.to_record(raw_seed)], [doi])[0].work
    else:  # Europe PMC cannot describe it: the DOI alone still finds its reference
        seed = mark_seeds([SourceRecord(source=NAME, source_record_id=doi,
                                        work=Work.create(doi=doi))], [doi])[0].work
        if lookup.status == SearchStatus.SUCCEEDED and "europepmc" in finders:
            lookup.hits_reported = 0
            lookup.error = f"Europe PMC does not know the seed DOI {doi}"
            lookup.watermark = today
            results.append(lookup)
    found_by: dict[str, list[str]] = {}  # PMCID -> the finders that listed it, in order
    citing_of: dict[str, Work] = {}

    def note(result: SearchResult, pmcids: list[str], finder: str) -> None:
        results.append(result)
        works = {r.extra.get("pmcid"): r.work for r in result.records}
        for pmcid in pmcids:
            if finder not in found_by.setdefault(pmcid, []):
                found_by[pmcid].append(finder)
            citing_of.setdefault(pmcid, works[pmcid])

    if "europepmc" in finders and raw_seed is not None:
        note(*_europepmc_finder(ctx, client, doi, raw_seed, seed), "europepmc")
    if clients.openalex is not None:
        note(*_openalex_finder(ctx, clients.openalex, doi, seed), "openalex")
    if clients.semanticscholar is not None:
        note(*_semanticscholar_finder(ctx, clients.semanticscholar, doi, seed),
             "semanticscholar")
    skipped = 0
    to_read = list(found_by)
    for done, pmcid in enumerate(to_read):
        if ctx.state.get(f"fulltext:{pmcid}"):
            skipped += 1
            continue
        read = _read_full_text(ctx, client, pmcid, citing=citing_of[pmcid], cited=seed,
                               today=today)
        read.filters = f"{read.filters}; listed by {', '.join(found_by[pmcid])}"
        results.append(read)
        if client.http.stopped_by is not None:
            left = len(to_read) - done - 1
            if left:
                log.warning("%s: the quota ended the run; %d full texts citing %s are left "
                            "for the next run", NAME, left, doi)
            break
    if skipped:
        log.info("%s: %d full texts citing %s were read in earlier runs and not fetched again",
                 NAME, skipped, doi)
    return results


def _read_full_text(ctx: HarvestContext, client: EuropePmcFullTextClient, pmcid: str, *,
                    citing: Work, cited: Work, today: str) -> SearchResult:
    result = SearchResult(source=NAME, query_key=f"fulltext:{pmcid}",
                          query=f"{pmcid}/fullTextXML", platform=PLATFORM,
                          query_url=client.full_text_url(pmcid),
                          filters=f"statements citing {cited.doi or cited.work_id}")
    try:
        body = client.full_text(pmcid)
    except SourceError as exc:
        return _failed(result, exc, client.http)
    result.watermark = today
    if body is None:
        result.hits_reported = 0
        log.info("%s: Europe PMC has no full text for %s", NAME, pmcid)
        return result
    try:
        found = jats.citation_statements(body, cited_work(cited))
    except ParseError as exc:
        result.status = SearchStatus.FAILED
        result.error = f"{pmcid}: {exc}"
        result.watermark = None
        log.warning("%s: %s", NAME, result.error)
        return result
    result.hits_reported = 1  # one full text; its statements are the record's excerpts
    if found.match is None:
        log.info("%s: %s cites %s by Europe PMC but its reference list does not name it",
                 NAME, pmcid, cited.doi)
    if found.xrefs_outside_sentences:
        log.info("%s: %s: %d citation markers of %s stand without a sentence (bare table "
                 "cells) and gave no statement", NAME, pmcid, found.xrefs_outside_sentences,
                 cited.doi)
    record = statements_record(found, citing=citing, cited=cited, article_id=pmcid)
    result.records = [record]
    ctx.progress(result.query_key, len(record.excerpts))
    return result
