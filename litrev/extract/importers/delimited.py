"""Delimited exports (CSV, semicolon, tab, pipe): a works table, or scite.ai citation
statements.

The delimiter is sniffed from the header line (:func:`~.decoding.sniff_delimiter`): Excel in
Finnish, Swedish or German settings writes ``;``, Web of Science writes tabs.

A file whose header has a citing-DOI column and a statement column is read as citation
statements (scite.ai's "Smart Citations" export); any other file as one work per row.
Header names are matched loosely (case, spaces and punctuation ignored), so "Citing
Publication DOI", "citing_doi" and "Citing DOI" are the same column.

scite-style columns (first match wins):

========================  ===========================================================
statement text            Snippet, Citation Statement, Statement, Citation Context, Text
citing work               Citing Publication DOI / Title / Year / Authors
cited work                Cited Publication DOI / Title / Year / Authors
section                   Section, Section Name
stance                    Type, Classification, Citation Type, Stance
confidence                Confidence, Classification Confidence, Score (0-1 or percent)
========================  ===========================================================

Works columns: Title, Abstract, DOI, Year, Authors (``;``-separated, or initialled names
separated by commas as older Scopus and Embase write them), Venue/Journal/Source Title,
Language/Language of Original Document, URL, URN, ID. Two layouts are recognised by header:

- Embase CSV (``Author Names``, ``Source``, ``Open URL Link``): the year and venue come from
  ``Source`` ("Endoscopic Ultrasound (2014) 3:3 (152-160). Date of Publication: 2014"), the DOI
  from the ``id=doi:`` of the Open URL link; an ``Original Abstract`` (the article's own
  language) becomes a second abstract excerpt beside the English one;
- Web of Science tab-delimited (two-letter tags as headers, ``PT AU ... TI ... UT``, a trailing
  tab on every row): UT (id), TI, AB, DI, PY, AF (full names; else AU), SO, LA, DT, PM.

A row with more cells than the header is read when the extra cells are empty (Web of Science's
trailing tab); otherwise it is reported and skipped.
"""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qs, urlsplit

from litrev.extract.bibrecord import (
    entry_record,
    normalize_stance,
    parse_confidence,
    parse_year,
    split_authors,
)
from litrev.extract.importers import SOURCE, ImportResult, Problem, ProblemKind, unique_id
from litrev.extract.importers.decoding import sniff_delimiter
from litrev.extract.language import normalize_language
from litrev.extract.normalize import normalize_doi
from litrev.extract.records import Excerpt, SourceRecord, Work
from litrev.vocabulary import ExcerptKind

_KEY = re.compile(r"[^a-z0-9]")

STATEMENT_COLUMNS = {
    "text": ("snippet", "citationstatement", "statement", "citationcontext", "context", "text"),
    "citing_doi": ("citingpublicationdoi", "citingdoi", "sourcedoi", "citingworkdoi"),
    "citing_title": ("citingpublicationtitle", "citingtitle", "citingworktitle"),
    "citing_year": ("citingpublicationyear", "citingyear", "citingpublicationdate"),
    "citing_authors": ("citingpublicationauthors", "citingauthors"),
    "cited_doi": ("citedpublicationdoi", "citeddoi", "targetdoi", "citedworkdoi"),
    "cited_title": ("citedpublicationtitle", "citedtitle", "citedworktitle"),
    "cited_year": ("citedpublicationyear", "citedyear"),
    "cited_authors": ("citedpublicationauthors", "citedauthors"),
    "section": ("section", "sectionname", "sectiontitle"),
    "stance": ("type", "classification", "citationtype", "stance", "smartcitationtype"),
    "confidence": ("confidence", "classificationconfidence", "typeconfidence", "score"),
    "language": ("language", "lang"),
}
WORK_COLUMNS = {
    "id": ("id", "recordid", "key"),
    "title": ("title", "articletitle", "documenttitle"),
    "abstract": ("abstract", "summary", "abstracttext"),
    # Embase's "Original Abstract": the abstract in the article's own language (German,
    # Finnish, ...) beside the English one; kept as a second abstract excerpt
    "original_abstract": ("originalabstract",),
    # and its "Original Title": kept as a title excerpt (bibrecord.entry_record)
    "original_title": ("originaltitle",),
    "doi": ("doi",),
    "year": ("year", "publicationyear", "pubyear", "date", "publicationdate"),
    "authors": ("authors", "author", "authornames", "creators"),
    "venue": ("venue", "journal", "sourcetitle", "publicationtitle", "containertitle"),
    "language": ("language", "lang", "languageoforiginaldocument"),
    "url": ("url", "link"),
    "urn": ("urn",),
}
EMBASE_COLUMNS = {**WORK_COLUMNS, "source": ("source",), "openurl": ("openurllink",)}
WOS_COLUMNS = {
    "id": ("ut",), "title": ("ti",), "abstract": ("ab",), "doi": ("di",), "year": ("py", "ea"),
    "full_names": ("af",), "authors": ("au",), "venue": ("so",), "language": ("la",),
    "work_type": ("dt",), "pmid": ("pm",),
}
_EMBASE_SOURCE = re.compile(r"^(?P<venue>.+?)\s*\((?P<year>\d{4})\)")


def _columns(header: list[str], wanted: dict[str, tuple[str, ...]]) -> dict[str, int]:
    keys = [_KEY.sub("", h.casefold()) for h in header]
    found: dict[str, int] = {}
    for field, names in wanted.items():
        for name in names:
            if name in keys:
                found[field] = keys.index(name)
                break
    return found


def _layout(keys: set[str]) -> tuple[str, dict[str, tuple[str, ...]]]:
    if {"pt", "ti", "ut"} <= keys or {"pt", "au", "ti"} <= keys:
        return "wos", WOS_COLUMNS
    if "authornames" in keys and "openurllink" in keys:
        return "embase", EMBASE_COLUMNS
    return "works", WORK_COLUMNS


def read_csv(text: str, name: str) -> ImportResult:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    result = ImportResult()
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        result.problems.append(Problem(name, None, "no header row; file skipped",
                                       ProblemKind.FILE_SKIPPED))
        return result
    while header and not header[-1].strip():  # a trailing delimiter
        header.pop()
    statements = _columns(header, STATEMENT_COLUMNS)
    is_scite = "text" in statements and "citing_doi" in statements
    layout, wanted = _layout({_KEY.sub("", h.casefold()) for h in header})
    columns = statements if is_scite else _columns(header, wanted)
    if not is_scite and "title" not in columns and "doi" not in columns:
        result.problems.append(Problem(name, 1, "no Title or DOI column, and no citing DOI + "
                                                "Snippet columns of a scite export; file "
                                                "skipped", ProblemKind.FILE_SKIPPED))
        return result
    seen: set[str] = set()
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.problems.append(Problem(name, line, f"unreadable row ({exc}); row skipped"))
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header) and not any(c.strip() for c in row[len(header):]):
            row = row[:len(header)]
        if len(row) != len(header):
            result.problems.append(Problem(
                name, line, f"{len(row)} cells where the header has {len(header)} (a stray "
                            "delimiter or quote, or a row cut short?); row skipped"))
            continue
        values = {f: row[i].strip() for f, i in columns.items() if row[i].strip()}
        try:
            if is_scite:
                record = _statement(values, name, line)
            else:
                record = _work(_LAYOUT_FIX[layout](values), name, line, seen)
        except ValueError as exc:
            result.problems.append(Problem(name, line, f"{exc}; row skipped"))
            continue
        result.records.append(record)
    return result


def _embase(values: dict[str, str]) -> dict[str, str]:
    """Year and venue from Embase's Source cell, the DOI from its Open URL link."""
    source = _EMBASE_SOURCE.match(values.get("source", ""))
    if source:
        values.setdefault("venue", source.group("venue"))
        values.setdefault("year", source.group("year"))
    if "doi" not in values and values.get("openurl"):
        ids = parse_qs(urlsplit(values["openurl"]).query).get("id", [])
        doi = next((i.removeprefix("doi:") for i in ids if i.startswith("doi:")), None)
        if doi:
            values["doi"] = doi
    return values


def _wos(values: dict[str, str]) -> dict[str, str]:
    """Web of Science: full names (AF) when given, ``;``-separated like AU."""
    if values.get("full_names"):
        values["authors"] = values["full_names"]
    return values


_LAYOUT_FIX = {"works": lambda values: values, "embase": _embase, "wos": _wos}


def _work(values: dict[str, str], name: str, line: int, seen: set[str]) -> SourceRecord:
    if not (values.get("title") or values.get("doi") or values.get("urn")):
        raise ValueError("no title, DOI or URN")
    if not values.get("title") and values.get("doi") and not normalize_doi(values["doi"]):
        raise ValueError(f"no title, and {values['doi']!r} is not a whole DOI (10.<prefix>/"
                         "<suffix>)")
    return entry_record(
        SOURCE, unique_id(values.get("id"), seen, name, line), title=values.get("title"),
        abstracts=[(values[key], None) for key in ("abstract", "original_abstract")
                   if values.get(key)],
        authors=split_authors(values.get("authors")), year=values.get("year"),
        venue=values.get("venue"), doi=values.get("doi"), url=values.get("url"),
        language=values.get("language"), urn=values.get("urn"), pmid=values.get("pmid"),
        work_type=values.get("work_type"), original_title=values.get("original_title"),
        origin=f"{name}#L{line}")


def _statement(values: dict, name: str, line: int) -> SourceRecord:
    if not values.get("text"):
        raise ValueError("no citation statement text (columns Snippet / Citation Statement)")
    if not (values.get("citing_doi") or values.get("citing_title")):
        raise ValueError("no citing publication DOI or title")
    if not (values.get("cited_doi") or values.get("cited_title")):
        raise ValueError("no cited publication DOI or title")
    citing = Work.create(doi=values.get("citing_doi"), title=values.get("citing_title"),
                         year=parse_year(values.get("citing_year")),
                         authors=split_authors(values.get("citing_authors")))
    cited = Work.create(doi=values.get("cited_doi"), title=values.get("cited_title"),
                        year=parse_year(values.get("cited_year")),
                        authors=split_authors(values.get("cited_authors")))
    raw_stance = values.get("stance")
    stance = normalize_stance(raw_stance)
    if raw_stance and stance is None and raw_stance.casefold() not in ("unclassified", "none"):
        raise ValueError(f"type {raw_stance!r} is not supporting, mentioning or contrasting")
    text = values["text"].strip().removeprefix("“…").removesuffix("…”")
    excerpt = Excerpt.create(
        work_id=citing.work_id, kind=ExcerptKind.CITATION_STATEMENT, text=text,
        cited_work_id=cited.work_id, section=values.get("section"), stance=stance,
        stance_confidence=parse_confidence(values.get("confidence")),
        language_hint=normalize_language(values.get("language")), origin=f"{name}#L{line}")
    return SourceRecord(SOURCE, f"{name}#L{line}", citing, (excerpt,), (cited,),
                        ((citing.work_id, cited.work_id),))
