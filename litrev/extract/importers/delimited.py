"""CSV (or tab-separated) exports: a works table, or scite.ai citation statements.

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

Works columns: Title, Abstract, DOI, Year, Authors (``;``-separated), Venue/Journal/Source
Title, Language, URL, URN, ID.
"""

from __future__ import annotations

import csv
import io
import re

from litrev.extract.bibrecord import (
    entry_record,
    normalize_stance,
    parse_confidence,
    parse_year,
    split_authors,
)
from litrev.extract.importers import SOURCE, ImportResult, Problem, decode
from litrev.extract.language import normalize_language
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
    "doi": ("doi",),
    "year": ("year", "publicationyear", "pubyear", "date", "publicationdate"),
    "authors": ("authors", "author", "creators"),
    "venue": ("venue", "journal", "sourcetitle", "publicationtitle", "containertitle"),
    "language": ("language", "lang"),
    "url": ("url", "link"),
    "urn": ("urn",),
}


def _columns(header: list[str], wanted: dict[str, tuple[str, ...]]) -> dict[str, int]:
    keys = [_KEY.sub("", h.casefold()) for h in header]
    found: dict[str, int] = {}
    for field, names in wanted.items():
        for name in names:
            if name in keys:
                found[field] = keys.index(name)
                break
    return found


def read_csv(body: bytes, name: str) -> ImportResult:
    text = decode(body)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    result = ImportResult()
    try:
        header = next(reader)
    except StopIteration:
        result.problems.append(Problem(name, None, "empty file: expected a header row"))
        return result
    statements = _columns(header, STATEMENT_COLUMNS)
    is_scite = "text" in statements and "citing_doi" in statements
    columns = statements if is_scite else _columns(header, WORK_COLUMNS)
    if not is_scite and "title" not in columns and "doi" not in columns:
        result.problems.append(Problem(name, 1, "no Title or DOI column, and no citing DOI + "
                                                "Snippet columns of a scite export; file "
                                                "skipped"))
        return result
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.problems.append(Problem(name, line, f"unreadable CSV row ({exc}); skipped"))
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            result.problems.append(Problem(
                name, line, f"{len(row)} cells where the header has {len(header)} (a stray "
                            "comma or quote?); row skipped"))
            continue
        values = {f: row[i].strip() for f, i in columns.items() if row[i].strip()}
        try:
            record = (_statement(values, name, line) if is_scite
                      else _work(values, name, line))
        except ValueError as exc:
            result.problems.append(Problem(name, line, f"{exc}; row skipped"))
            continue
        result.records.append(record)
    return result


def _work(values: dict, name: str, line: int) -> SourceRecord:
    if not (values.get("title") or values.get("doi") or values.get("urn")):
        raise ValueError("no title, DOI or URN")
    return entry_record(
        SOURCE, values.get("id") or f"{name}#L{line}", title=values.get("title"),
        abstracts=[(values["abstract"], None)] if values.get("abstract") else [],
        authors=split_authors(values.get("authors")), year=values.get("year"),
        venue=values.get("venue"), doi=values.get("doi"), url=values.get("url"),
        language=values.get("language"), urn=values.get("urn"), origin=f"{name}#L{line}")


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
