"""Europe PMC full texts: citation statements of our own, from the open-access works citing a seed.

For each seed DOI: the seed's Europe PMC id (``DOI:"..."``), the open-access works citing it
(``CITES:<id>_<source> AND OPEN_ACCESS:y``, cursor-paged, ``resultType=core``), and for each of
them with a PMCID its JATS full text (``/{PMCID}/fullTextXML``), read by :mod:`litrev.extract.jats`
into ``citation_statement`` excerpts: the sentence, its section path and kind, neighbouring
sentences, marked and clean text; stance stays empty (no stance model).

Incremental: each full text read is one search of its own in the ledger (``query_key``
``fulltext:<PMCID>``, 1 hit, 1 record: the citing work with its statements) whose watermark is
the day it was read, so a later run skips it; a full
text that failed is asked for again. A full text Europe PMC does not have (404) is recorded with
0 hits and not asked for again. The list of citing works is asked for on every run (it is one
cheap query per seed and brings new citers).

Profile options (``[sources.europepmc-fulltext]``): ``page_size`` (default 100),
``base_url``. ``max_records`` caps the citing works per seed, and so the full texts per run.

    $ litrev parse europepmc-fulltext PMC3166277.xml --cites 10.1534/genetics.108.098624
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import httpx

from litrev.extract import jats
from litrev.extract.errors import ParseError, QuotaExhausted, SourceError
from litrev.extract.http import HttpSource
from litrev.extract.records import Excerpt, SourceRecord, Work
from litrev.extract.sources import (
    HarvestContext,
    SearchResult,
    collect,
    europepmc,
    mark_seeds,
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


def harvest(ctx: HarvestContext) -> list[SearchResult]:
    """For each seed DOI: its open-access citing works and their statements about it."""
    with ctx.session() as http:
        client = EuropePmcFullTextClient(http.client, http,
                                         base_url=ctx.option("base_url", BASE_URL),
                                         page_size=int(ctx.option("page_size", PAGE_SIZE)))
        results: list[SearchResult] = []
        for doi in ctx.profile.seed_dois:
            if http.stopped_by is not None:  # the quota ended: say which seeds were not asked
                results.append(SearchResult(
                    source=NAME, query_key=f"cites:{doi}", query=f'DOI:"{doi}"',
                    platform=PLATFORM, status=SearchStatus.STOPPED,
                    error="not asked: the quota ended this run (see the stopped search before)"))
                continue
            results.extend(_harvest_seed(ctx, client, doi))
        return results


def _failed(result: SearchResult, exc: SourceError, http: HttpSource) -> SearchResult:
    result.status = SearchStatus.STOPPED if isinstance(exc, QuotaExhausted) \
        else SearchStatus.FAILED
    result.error = http.redact(exc)
    result.watermark = None
    log.warning("%s", result.error)
    return result


def _harvest_seed(ctx: HarvestContext, client: EuropePmcFullTextClient,
                  doi: str) -> list[SearchResult]:
    today = ctx.today()
    result = SearchResult(source=NAME, query_key=f"cites:{doi}", query=f'DOI:"{doi}"',
                          platform=PLATFORM, limits=f"max_records={ctx.max_records}")
    try:
        raw_seed = client.article_by_doi(doi)
    except SourceError as exc:
        return [_failed(result, exc, client.http)]
    if raw_seed is None:
        result.hits_reported = 0
        result.error = f"Europe PMC does not know the seed DOI {doi}"
        result.watermark = today
        return [result]
    seed = mark_seeds([europepmc.to_record(raw_seed)], [doi])[0].work
    query = f"CITES:{raw_seed.get('id')}_{raw_seed.get('source')} AND OPEN_ACCESS:y"
    result.query = query
    result.filters = "OPEN_ACCESS:y"
    result.query_url = str(httpx.URL(f"{client.base_url}/search", params={
        "query": query, "resultType": "core", "format": "json"}))
    collect(result, client.iter_pages(query, max_records=ctx.max_records), ctx=ctx,
            watermark=today)
    citing = [replace(r, related=(seed,), citations=((r.work.work_id, seed.work_id),))
              for r in result.records]
    result.records = citing
    results = [result]
    skipped = 0
    to_read = [r for r in citing
               if r.extra.get("pmcid") and r.extra.get("isOpenAccess") == "Y"]
    for done, record in enumerate(to_read):
        pmcid = record.extra["pmcid"]
        if ctx.state.get(f"fulltext:{pmcid}"):
            skipped += 1
            continue
        results.append(_read_full_text(ctx, client, pmcid, citing=record.work, cited=seed,
                                       today=today))
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
