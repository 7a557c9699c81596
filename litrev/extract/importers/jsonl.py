"""JSON Lines: one work or one citation statement per line (the demo corpus's shapes).

A work line::

    {"id", "title", "authors": [...], "year", "venue", "doi", "url", "language", "abstract",
     "topic", "source", "urn", "notes", "synthetic"?, "is_seed"?}

A citation-statement line (``text`` plus ``citing``/``cited``)::

    {"id", "text", "language", "citing": {"work_id", "title", "doi", "year", "authors"?},
     "cited": {"reference_text", "doi", "title"?, "year"?, "authors"?, "note"?},
     "section", "intents", "type" | "stance", "confidence"?, "source", "synthetic"?}

The line's own ``source`` (where its text was copied from, e.g.
``NatLibFi/Annif-corpora:subjects/...#L45``) becomes ``Excerpt.origin``.
"""

from __future__ import annotations

import json

from litrev.extract.bibrecord import (
    entry_record,
    normalize_stance,
    parse_confidence,
    parse_year,
    split_authors,
)
from litrev.extract.importers import SOURCE, ImportResult, Problem
from litrev.extract.language import normalize_language
from litrev.extract.normalize import find_doi, normalize_doi
from litrev.extract.records import Excerpt, SourceRecord, Work
from litrev.vocabulary import ExcerptKind


def read_jsonl(text: str, name: str) -> ImportResult:
    result = ImportResult()
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            result.problems.append(Problem(name, number, f"not valid JSON ({exc.msg} at "
                                                         f"column {exc.colno}); entry skipped"))
            continue
        if not isinstance(entry, dict):
            result.problems.append(Problem(name, number, "expected a JSON object per line; "
                                                         "entry skipped"))
            continue
        try:
            if "text" in entry and ("citing" in entry or "cited" in entry):
                record = statement_record(entry, name, number)
            else:
                record = work_record(entry, name, number)
        except (ValueError, TypeError, AttributeError) as exc:
            result.problems.append(Problem(name, number, f"{exc}; entry skipped"))
            continue
        result.records.append(record)
    return result


def _record_id(entry: dict, name: str, number: int) -> str:
    own = entry.get("id")
    return str(own) if own not in (None, "") else f"{name}#L{number}"


def work_record(entry: dict, name: str, number: int) -> SourceRecord:
    if not any(entry.get(k) for k in ("title", "doi", "urn", "abstract")):
        raise ValueError("a work needs a title, a DOI, a URN or an abstract")
    if entry.get("abstract") is not None and not isinstance(entry["abstract"], str):
        raise ValueError("abstract must be a string")
    extra = {k: entry[k] for k in ("topic", "notes") if entry.get(k) is not None}
    return entry_record(
        SOURCE, _record_id(entry, name, number), title=entry.get("title"),
        abstracts=[(entry["abstract"], entry.get("language"))] if entry.get("abstract") else [],
        authors=split_authors(entry.get("authors")), year=entry.get("year"),
        venue=entry.get("venue"), doi=entry.get("doi"), url=entry.get("url"),
        language=entry.get("language"), urn=entry.get("urn"), is_seed=bool(entry.get("is_seed")),
        synthetic=bool(entry.get("synthetic")),
        origin=entry.get("source") or f"{name}#L{number}", extra=extra)


def _side_work(side: object, what: str, *, fallback_title: str | None = None) -> Work:
    if not isinstance(side, dict):
        raise ValueError(f"{what} must be an object with doi/title/year")
    title = side.get("title") or fallback_title
    doi = side.get("doi")
    if normalize_doi(doi) is None and side.get("reference_text"):
        # a DOI missing or cut short at a line break: the reference entry may hold it whole
        doi = find_doi(side["reference_text"]) or doi
    if not (normalize_doi(doi) or title):
        raise ValueError(f"{what} needs a doi or a title" + (
            f" ({doi!r} is not a whole DOI)" if doi else ""))
    return Work.create(doi=doi, title=title, year=parse_year(side.get("year")),
                       authors=split_authors(side.get("authors")))


def statement_record(entry: dict, name: str, number: int) -> SourceRecord:
    text = entry.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("a citation statement needs a non-empty text")
    citing = _side_work(entry.get("citing"), "citing")
    cited_raw = entry.get("cited") or {}
    # An unidentified cited work is known only by its reference-list entry.
    cited = _side_work(cited_raw, "cited", fallback_title=cited_raw.get("reference_text")
                       if isinstance(cited_raw, dict) else None)
    synthetic = bool(entry.get("synthetic"))
    intents = entry.get("intents") or ()
    if isinstance(intents, str):
        intents = [intents]
    excerpt = Excerpt.create(
        work_id=citing.work_id, kind=ExcerptKind.CITATION_STATEMENT, text=text,
        cited_work_id=cited.work_id, section=entry.get("section") or None,
        stance=normalize_stance(entry.get("stance") or entry.get("type")),
        stance_confidence=parse_confidence(entry.get("confidence")),
        intents=tuple(str(i) for i in intents),
        language_hint=normalize_language(entry.get("language")), synthetic=synthetic,
        origin=entry.get("source") or f"{name}#L{number}")
    if synthetic:
        citing = Work(**{**citing.__dict__, "synthetic": True})
    extra = {"citing_work_ref": (entry.get("citing") or {}).get("work_id")}
    return SourceRecord(SOURCE, _record_id(entry, name, number), citing, (excerpt,), (cited,),
                        ((citing.work_id, cited.work_id),), extra=extra)
