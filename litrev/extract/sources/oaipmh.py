"""OAI-PMH: any repository that speaks OAI-PMH 2.0 with ``oai_dc`` (DSpace, OJS, InvenioRDM).

Finnish theses, reports and journal articles live in repositories, not in the big indexes:
presets name the OAI endpoints of journal.fi (OJS), Julkari (THL), Theseus (universities of
applied sciences) and Helda (University of Helsinki). Each endpoint is one search, paged by
``resumptionToken``; an increment asks ``from=`` the watermark, which is the date of the
repository's own ``responseDate`` on the last successful run (its clock, not ours).

Profile (``[sources.oaipmh]``)::

    presets = ["journal.fi", "helda"]              # which presets to harvest
    endpoints = { zenodo = "https://zenodo.org/oai2d" }   # add or override endpoints
    set = "hdl_10138_18081"                        # a setSpec for all, or { helda = "..." }

Quirks handled (see tests/fixtures/oaipmh/PROVENANCE.md):

- ``noRecordsMatch`` is an empty result, also when sent with HTTP 422 and no XML declaration
  (Zenodo); every other OAI error code fails the search with the code in the reason;
- ``<header status="deleted">`` becomes ``SourceRecord(deleted=True)``: recorded, not dropped;
- ``dc:language`` (``eng``, ``en_US``, ``fin``, ``other``) is normalised to ISO 639-1 and
  ``xml:lang`` on a title or description is kept as that text's language hint;
- several ``dc:description`` per record: abstracts are kept (one excerpt each, duplicates
  dropped), notes such as "Paper presented at ..." go to ``extra["notes"]``; HTML that
  InvenioRDM escapes twice is unescaped before the markup is stripped.

    [r.work.title for r in parse(Path("helda.xml").read_bytes())]
    # -> ['Perunan typpilannoitus luonnonmukaisessa viljelyssä']
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import httpx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError as XmlParseError
from defusedxml.ElementTree import fromstring

from litrev.extract.bibrecord import distinct_texts, entry_record
from litrev.extract.errors import MalformedResponse, ParseError, SourceFailed
from litrev.extract.http import HttpSource
from litrev.extract.language import normalize_language
from litrev.extract.normalize import normalize_doi
from litrev.extract.records import SourceRecord, Work
from litrev.extract.sources import HarvestContext, Page, SearchResult, collect, mark_seeds, paginate
from litrev.extract.sources._text import labelled_abstract
from litrev.vocabulary import SearchStatus

log = logging.getLogger("litrev.sources.oaipmh")

NAME = "oaipmh"
PLATFORM = "OAI-PMH"
METADATA_PREFIX = "oai_dc"
PRESETS = {
    "journal.fi": "https://journal.fi/index/oai",
    "julkari": "https://www.julkari.fi/oai/request",
    "theseus": "https://www.theseus.fi/oai/request",
    "helda": "https://helda.helsinki.fi/server/oai/request",
}
# OAI error codes: noRecordsMatch is an answer ("nothing new"), every other one a failure.
NO_RECORDS = "noRecordsMatch"
OAI_OK_STATUSES = (400, 404, 422)  # some servers send OAI errors with these statuses

_OAI = "{http://www.openarchives.org/OAI/2.0/}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_PLACEHOLDERS = {"no description provided.", "no description provided", "no abstract",
                 "no abstract available", "no abstract available.", "n/a", "-", "."}
# A description that says what the item is or where it appeared, not what it found.
_NOTE = re.compile(
    r"^(?:paper (?:presented|voor|for|read)\b|presented at\b|text of\b|\S.{0,80}\bis the text "
    r"of\b|published (?:in|by)\b|originally published\b|reprint(?:ed)? (?:from|of)\b|"
    r"includes? bibliograph|thesis \(|diss\.|pro gradu|lisensiaatintyö|opinnäytetyö \(|"
    r"series:|sarja:|isbn\b|issn\b|\(\d+ (?:p|pages|s|sivua)\.?\)$)", re.IGNORECASE)
_HANDLE_URL = re.compile(r"^https?://hdl\.handle\.net/(\d[\w.]*/\S+)$", re.IGNORECASE)
_OAI_HANDLE = re.compile(r"^oai:[^:]+:(\d[\w.]*/\S+)$")
_URN = re.compile(r"(URN:NBN:[a-z]{2}[\w:.\-]+)", re.IGNORECASE)


class OaiPmhError(SourceFailed):
    """The repository answered with an OAI-PMH error code (other than noRecordsMatch)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# --- reading the XML ------------------------------------------------------------------------

def _parse_xml(body: bytes) -> Element:
    try:
        return fromstring(body)
    except (XmlParseError, DefusedXmlException) as exc:
        raise ParseError(f"not a complete OAI-PMH XML document ({exc}); the body is truncated "
                         "or not XML") from None


def _text(el: Element | None) -> str:
    return "".join(el.itertext()).strip() if el is not None else ""


def read_page(body: bytes) -> dict[str, Any]:
    """One ListRecords response -> ``{records, token, complete_size, response_date, base_url}``.

    Raises :class:`OaiPmhError` for an OAI error code other than ``noRecordsMatch`` (which is
    an empty page) and :class:`ParseError` for a body that is not OAI-PMH XML.
    """
    root = _parse_xml(body)
    if root.tag != f"{_OAI}OAI-PMH":
        raise ParseError(f"not an OAI-PMH response (root element {root.tag!r})")
    base_url = _text(root.find(f"{_OAI}request"))
    page: dict[str, Any] = {"records": [], "token": None, "complete_size": None,
                            "response_date": _text(root.find(f"{_OAI}responseDate")) or None,
                            "base_url": base_url}
    errors = root.findall(f"{_OAI}error")
    codes = [e.get("code", "unknown") for e in errors]
    if errors and all(code == NO_RECORDS for code in codes):
        page["complete_size"] = 0
        return page
    if errors:
        bad = next(e for e in errors if e.get("code") != NO_RECORDS)
        code = bad.get("code", "unknown")
        raise OaiPmhError(code, f"OAI-PMH error {code} from {base_url or 'the repository'}: "
                                f"{_text(bad) or 'no message'}" + _ADVICE.get(code, ""))
    container = root.find(f"{_OAI}ListRecords")
    if container is None:
        container = root.find(f"{_OAI}GetRecord")
    if container is None:
        raise ParseError("the OAI-PMH response holds no ListRecords or GetRecord; save a "
                         "verb=ListRecords&metadataPrefix=oai_dc response")
    for rec in container.findall(f"{_OAI}record"):
        page["records"].append(raw_record(rec, base_url))
    token = container.find(f"{_OAI}resumptionToken")
    if token is not None:
        page["token"] = _text(token) or None
        size = token.get("completeListSize")
        page["complete_size"] = int(size) if size and size.isdigit() else None
    return page


_ADVICE = {
    "badResumptionToken": "; the resumption token expired or is unknown: run the harvest again",
    "badArgument": "; check from/until/set in [sources.oaipmh]",
    "cannotDisseminateFormat": "; the repository does not offer oai_dc",
    "noSetHierarchy": "; the repository has no sets: remove set from [sources.oaipmh]",
    "badVerb": "; the endpoint URL may not be an OAI-PMH endpoint",
}


def raw_record(rec: Element, base_url: str = "") -> dict[str, Any]:
    """A ``<record>`` as plain data: header fields and each dc element's (text, xml:lang)."""
    header = rec.find(f"{_OAI}header")
    dc: dict[str, list[tuple[str, str | None]]] = {}
    metadata = rec.find(f"{_OAI}metadata")
    if metadata is not None:
        for el in metadata.iter():
            if el.tag.startswith(_DC):
                value = _text(el)
                if value:
                    dc.setdefault(el.tag[len(_DC):], []).append((value, el.get(_XML_LANG)))
    return {
        "identifier": _text(header.find(f"{_OAI}identifier")) if header is not None else "",
        "datestamp": _text(header.find(f"{_OAI}datestamp")) if header is not None else "",
        "deleted": header is not None and header.get("status") == "deleted",
        "sets": [_text(s) for s in header.findall(f"{_OAI}setSpec")] if header is not None
        else [],
        "dc": dc,
        "base_url": base_url,
    }


# --- mapping --------------------------------------------------------------------------------

def _description_text(value: str) -> str:
    """Plain text of a dc:description, also when its HTML arrives escaped twice (InvenioRDM)."""
    if "&lt;" in value or "&gt;" in value or "&amp;" in value:
        value = html.unescape(value)
    return labelled_abstract(value)


def split_descriptions(values: list[tuple[str, str | None]]
                       ) -> tuple[list[tuple[str, str | None]], list[str]]:
    """(abstracts, notes) among a record's ``dc:description`` values.

    A note is a description that says where the item appeared or what it is ("Paper presented
    at ...", "... is the text of a guest lecture ..."), or one much shorter than another
    description of the same record. Placeholders ("No description provided.") are dropped.
    """
    texts = [(t, lang) for t, lang in ((_description_text(v), lang) for v, lang in values)
             if t and t.casefold() not in _PLACEHOLDERS]
    texts = distinct_texts(texts)
    if not texts:
        return [], []
    longest = max(len(t.split()) for t, _ in texts)
    abstracts, notes = [], []
    for text, lang in texts:
        words = len(text.split())
        if _NOTE.search(text) or (len(texts) > 1 and words < 40 and words * 3 < longest):
            notes.append(text)
        else:
            abstracts.append((text, lang))
    return abstracts, notes


def _ids(identifiers: list[str]) -> dict[str, str | None]:
    out: dict[str, str | None] = {"doi": None, "handle": None, "urn": None, "url": None}
    for value in identifiers:
        value = value.strip()
        doi = normalize_doi(value) if re.match(r"(?i)^(?:doi:|https?://(?:dx\.)?doi\.org/|10\.)",
                                               value) else None
        if doi and not out["doi"]:
            out["doi"] = doi
            continue
        handle = _HANDLE_URL.match(value)
        if handle and not out["handle"]:
            out["handle"] = handle.group(1)
        urn = _URN.search(value)
        if urn and not out["urn"]:
            out["urn"] = urn.group(1)
        if value.lower().startswith(("http://", "https://")) and not out["url"]:
            out["url"] = value
    return out


def _origin(raw: dict[str, Any]) -> str:
    base = raw.get("base_url") or ""
    ident = raw["identifier"]
    if base.startswith(("http://", "https://")):
        return str(httpx.URL(base, params={"verb": "GetRecord",
                                           "metadataPrefix": METADATA_PREFIX,
                                           "identifier": ident}))
    return ident


def to_record(raw: dict[str, Any]) -> SourceRecord:
    """One record (from :func:`raw_record`) -> :class:`SourceRecord`; deleted ones flagged."""
    ident = raw["identifier"]
    if not ident:
        raise ValueError("an OAI record without identifier")
    if raw.get("deleted"):
        # A withdrawn record has no metadata: a DSpace identifier still names its handle.
        handle = _OAI_HANDLE.match(ident)
        work = Work.create(handle=handle.group(1)) if handle else \
            Work(work_id="oai:" + ident.removeprefix("oai:"))
        return SourceRecord(NAME, ident, work, deleted=True,
                            extra={"datestamp": raw.get("datestamp"), "sets": raw.get("sets")})
    dc = raw["dc"]

    def values(field: str) -> list[str]:
        return [v for v, _ in dc.get(field, [])]

    ids = _ids(values("identifier"))
    titles = dc.get("title", [])
    languages = [normalize_language(v) for v in values("language")]
    language = next((lang for lang in languages if lang), None) or \
        next((normalize_language(lang) for _, lang in titles if lang), None)
    abstracts, notes = split_descriptions(dc.get("description", []))
    extra = {"datestamp": raw.get("datestamp"), "sets": raw.get("sets"),
             "subjects": values("subject")}
    if notes:
        extra["notes"] = notes
    return entry_record(
        NAME, ident, title=titles[0][0] if titles else None, abstracts=abstracts,
        authors=values("creator"), year=next(iter(values("date")), None),
        venue=next(iter(values("source")), None), doi=ids["doi"], url=ids["url"],
        language=language, urn=ids["urn"], handle=ids["handle"],
        work_type=next(iter(values("type")), None), origin=_origin(raw), extra=extra)


def _map(raws: list[dict[str, Any]]) -> list[SourceRecord]:
    out = []
    for raw in raws:
        try:
            out.append(to_record(raw))
        except ValueError as exc:
            log.warning("oaipmh: skipped record %s (%s)", raw.get("identifier"), exc)
    return out


def parse(body: bytes) -> list[SourceRecord]:
    """A saved ListRecords (or GetRecord) response -> records; noRecordsMatch -> ``[]``."""
    return _map(read_page(body)["records"])


# --- requests -------------------------------------------------------------------------------

class OaiPmhClient:
    """ListRecords requests to one endpoint, paged by resumption token."""

    def __init__(self, client: httpx.Client, http: HttpSource, base_url: str) -> None:
        self.client = client
        self.http = http
        self.base_url = base_url
        self.response_date: str | None = None  # of the first page: the next run's watermark

    def first_params(self, *, from_: str | None = None, until: str | None = None,
                     set_: str | None = None) -> dict[str, str]:
        params = {"verb": "ListRecords", "metadataPrefix": METADATA_PREFIX}
        for key, value in (("from", from_), ("until", until), ("set", set_)):
            if value:
                params[key] = value
        return params

    def fetch(self, params: Mapping[str, str]) -> dict[str, Any]:
        response = self.http.get(self.base_url, params=params, ok_statuses=OAI_OK_STATUSES)
        try:
            page = read_page(response.content)
        except ParseError as exc:
            raise MalformedResponse(
                f"oaipmh: {self.http.redact(response.url)} answered HTTP "
                f"{response.status_code} with no usable OAI-PMH XML ({exc}); nothing of that "
                "page was kept: retry later or check the endpoint URL") from None
        if response.status_code >= 400 and page["complete_size"] != 0 and not page["records"]:
            raise SourceFailed(f"oaipmh: HTTP {response.status_code} from "
                               f"{self.http.redact(response.url)} without an OAI answer")
        return page

    def iter_pages(self, *, from_: str | None = None, until: str | None = None,
                   set_: str | None = None, max_records: int) -> Iterator[Page]:
        first = self.first_params(from_=from_, until=until, set_=set_)

        def fetch(token: str | None) -> Page:
            params = first if token is None else {"verb": "ListRecords",
                                                  "resumptionToken": token}
            page = self.fetch(params)
            if self.response_date is None:
                self.response_date = page["response_date"]
            return Page(_map(page["records"]), hits_reported=page["complete_size"],
                        next_token=page["token"])

        return paginate(fetch, None, max_records=max_records)

    def iter_records(self, *, from_: str | None = None, until: str | None = None,
                     set_: str | None = None, max_records: int) -> Iterator[SourceRecord]:
        for page in self.iter_pages(from_=from_, until=until, set_=set_,
                                    max_records=max_records):
            yield from page.records


# --- harvest --------------------------------------------------------------------------------

def endpoints(options: Mapping[str, Any]) -> dict[str, str]:
    """name -> base URL: the chosen presets, then ``endpoints`` (which override presets)."""
    chosen = options.get("presets")
    if chosen is None:
        chosen = [] if options.get("endpoints") else list(PRESETS)
    if isinstance(chosen, str):
        chosen = [chosen]
    out: dict[str, str] = {}
    for name in chosen:
        key = str(name).strip().lower()
        if key not in PRESETS and key not in (options.get("endpoints") or {}):
            raise SourceFailed(f"oaipmh: unknown preset {name!r}; use one of "
                               f"{', '.join(PRESETS)} or add it under endpoints = {{...}}")
        out[key] = PRESETS.get(key, "")
    for name, url in (options.get("endpoints") or {}).items():
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise SourceFailed(f"oaipmh: endpoints.{name} must be an http(s) URL, got {url!r}")
        out[str(name).lower()] = url
    return out


def _set_for(options: Mapping[str, Any], name: str) -> str | None:
    value = options.get("set")
    if isinstance(value, Mapping):
        return value.get(name)
    return value or None


def _day(value: str | None) -> str | None:
    """``2026-08-13T18:18:48Z`` -> ``2026-08-13``: day granularity every repository accepts."""
    return value[:10] if value and re.match(r"^\d{4}-\d{2}-\d{2}", value) else None


def harvest(ctx: HarvestContext) -> list[SearchResult]:
    """One ListRecords search per endpoint, ``from=`` its watermark on increments."""
    with ctx.session() as http:
        return _harvest(ctx, http)


def _harvest(ctx: HarvestContext, http: HttpSource) -> list[SearchResult]:
    results = []
    planned = endpoints(ctx.settings.options)
    ctx.plan(len(planned))
    for name, url in planned.items():
        oai = OaiPmhClient(http.client, http, url)
        from_ = _day(ctx.since_for(name))
        set_ = _set_for(ctx.settings.options, name)
        until = ctx.option("until")
        params = oai.first_params(from_=from_, until=until, set_=set_)
        shown = " ".join(f"{k}={v}" for k, v in params.items())
        filters = "; ".join(f"{k}={v}" for k, v in params.items()
                            if k in ("from", "until", "set")) or None
        result = SearchResult(
            source=NAME, query_key=name, query=shown,
            platform=f"{PLATFORM} {urlsplit(url).hostname}", filters=filters,
            limits=f"max_records={ctx.max_records}",
            update_method="incremental" if name in ctx.state else "full",
            query_url=str(httpx.URL(url, params=params)))
        collect(result, oai.iter_pages(from_=from_, until=until, set_=set_,
                                       max_records=ctx.max_records), ctx=ctx)
        if result.status == SearchStatus.SUCCEEDED:
            result.watermark = _day(oai.response_date) or ctx.today()
        result.records = mark_seeds(result.records, ctx.profile.seed_dois)
        results.append(result)
    return results
