"""One bibliographic entry (title, authors, year, ids, abstracts) as a :class:`SourceRecord`.

Why one builder: RIS, BibTeX, CSV, JSON Lines, OAI-PMH and Finna all describe a work with
the same handful of fields; building the record in one place keeps their ids, language hints
and excerpt rules identical. Rules:

- each distinct abstract becomes one ``abstract`` excerpt, with its own language hint when the
  source gives one, else the work's language (only when it is the record's one abstract);
- a work without any abstract gets its title as a ``title`` excerpt, so that every record has
  a text in its own language to detect, translate and code;
- the language given by the source is normalised to ISO 639-1 (a hint, never detected here);
- a placeholder where the abstract would be ("[No abstract available]", "Abstract not
  available", EBSCO's "Copyright of ... is the property of ...") is no abstract: it is never
  stored, so it is never detected, translated or coded (:func:`is_placeholder_abstract`).

    >>> rec = entry_record("files", "works.jsonl#L3", title="Nuori aikuinen", language="fin",
    ...                    abstracts=[("Tässä opinnäytetyössä ...", None)])
    >>> rec.work.language, str(rec.excerpts[0].kind), rec.excerpts[0].language_hint
    ('fi', 'abstract', 'fi')
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from litrev.extract.language import normalize_language
from litrev.extract.normalize import clean_text, short_hash, title_fingerprint
from litrev.extract.records import Excerpt, SourceRecord, Work, abstracts_or_title
from litrev.vocabulary import ExcerptKind, Stance

# what exports write where a work has no abstract (Scopus, Embase, Ovid, PubMed)
_PLACEHOLDER = re.compile(
    r"^[\W_]*(?:no\s+abstract(?:\s+(?:is\s+)?available)?|abstract\s+(?:is\s+)?not\s+available"
    r"|not\s+available|n/?a)[\W_]*$", re.IGNORECASE)
# EBSCO adds its copyright notice as a second abstract
_COPYRIGHT_NOTICE = re.compile(r"^Copyright of .{1,400}? is the property of ", re.IGNORECASE)
# "Strickland J.C., Lile J.A." (older Scopus CSV, Embase): a surname, then initials with dots
_INITIALLED = re.compile(r"^[^,;]+?\s(?:[^\W\d_]{1,2}\.-?\s?)+$")
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d|2100)(?!\d)")


def parse_year(value: object) -> int | None:
    """The first plausible year in a value: ``2007``, ``"2003-04-15T10:18:51Z"``, ``"c2019"``."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 1500 <= value <= 2100 else None
    match = _YEAR.search(str(value))
    return int(match.group(1)) if match else None


def is_placeholder_abstract(text: str | None) -> bool:
    """True for what exports write instead of an abstract.

    >>> [is_placeholder_abstract(t) for t in ("[No abstract available]", "Abstract not "
    ...  "available.", "No abstract", "Peer workers were valued.")]
    [True, True, True, False]
    """
    if not text:
        return False
    stripped = text.strip()
    return bool(_PLACEHOLDER.match(stripped)) or bool(_COPYRIGHT_NOTICE.match(stripped))


def distinct_texts(texts: Iterable[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """Cleaned, non-empty texts, dropping repeats that differ only in punctuation or mojibake.

    DSpace often stores the same abstract twice, once with ``???`` where quotes were.
    """
    given = list(texts)
    out: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    for text, lang in given:
        clean = clean_text(text)
        if not clean or is_placeholder_abstract(clean):
            continue
        if len(given) == 1 and _LETTER_OR_DIGIT.search(clean):
            out.append((clean, lang))  # nothing to compare it with: no fingerprint needed
            continue
        key = title_fingerprint(clean)
        if not key or key in seen:
            continue
        seen.add(key)
        out.append((clean, lang))
    return out


def entry_record(source: str, record_id: str, *, title: str | None = None,
                 abstracts: Iterable[tuple[str, str | None]] = (),
                 authors: Iterable[str] = (), year: object = None, venue: str | None = None,
                 doi: str | None = None, url: str | None = None, language: str | None = None,
                 urn: str | None = None, handle: str | None = None, pmid: str | None = None,
                 work_type: str | None = None, is_seed: bool = False, synthetic: bool = False,
                 origin: str | None = None, original_title: str | None = None,
                 extra: dict[str, Any] | None = None) -> SourceRecord:
    """Build the record of one entry; raises ``ValueError`` when it has no id and no title.

    ``original_title``: the title in the article's own language where the export gives it
    beside an English one (Embase's ``Original Title``, MEDLINE's ``TT``). A work keeps one
    title, so the original becomes a ``title`` excerpt with the record's language as its hint:
    detected, translated and coded like any text, and never lost. The same text as the title
    (ignoring case and punctuation) adds nothing.

        >>> rec = entry_record("files", "e.csv#L2", title="Peer support in psychiatry",
        ...                    original_title="Vertaistuki psykiatriassa", language="Finnish",
        ...                    abstracts=[("Peer support workers were ...", None)])
        >>> for e in rec.excerpts:
        ...     print(e.kind, e.language_hint, e.text)
        abstract fi Peer support workers were ...
        title fi Vertaistuki psykiatriassa
    """
    lang = normalize_language(language)
    abstracts = distinct_texts(abstracts)
    fields: dict[str, Any] = dict(
        doi=doi, urn=urn or None, handle=handle or None, pmid=pmid or None,
        title=title or None,
        year=parse_year(year), venue=clean_text(venue) or None, work_type=work_type or None,
        authors=tuple(name for name in map(clean_text, authors) if name), language=lang,
        url=url or None, is_seed=bool(is_seed), synthetic=bool(synthetic))
    try:
        work = Work.create(**fields)
    except ValueError:
        if not abstracts:
            raise
        # No id and no title (a bare abstract, as in subject corpora): the abstract anchors it.
        fields["doi"] = None  # Work.create found no usable DOI either
        work = Work(work_id="text:" + short_hash(title_fingerprint(abstracts[0][0])), **fields)
    # Several abstracts are usually in several languages: the record's one language is then a
    # hint for none of them in particular (only a per-text language such as xml:lang is).
    fallback = lang if len(abstracts) == 1 else None
    excerpts = abstracts_or_title(work, tuple(
        Excerpt.create(work_id=work.work_id, kind=ExcerptKind.ABSTRACT, text=text,
                       language_hint=normalize_language(text_lang) or fallback,
                       synthetic=bool(synthetic), origin=origin)
        for text, text_lang in abstracts), language_hint=lang, synthetic=bool(synthetic),
        origin=origin)
    original = clean_text(original_title) if original_title else ""
    if original and title_fingerprint(original) not in {
            title_fingerprint(e.text) for e in excerpts if e.kind == ExcerptKind.TITLE} | {
            title_fingerprint(work.title or "")}:
        excerpts += (Excerpt.create(work_id=work.work_id, kind=ExcerptKind.TITLE, text=original,
                                    language_hint=lang, synthetic=bool(synthetic),
                                    origin=origin),)
    return SourceRecord(source=source, source_record_id=record_id, work=work,
                        excerpts=excerpts, extra=dict(extra or {}))


def normalize_stance(value: object) -> Stance | None:
    """scite's statement types: supporting, mentioning, contrasting (any case); else None."""
    if value is None:
        return None
    text = str(value).strip().casefold()
    for stance in Stance:
        if text.startswith(stance[:6]):
            return stance
    return None


def parse_confidence(value: object) -> float | None:
    """``0.91``, ``91``, ``"91%"`` -> 0.91; anything else None."""
    if value is None or value == "":
        return None
    text = str(value).strip().rstrip("%").strip()
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        return None
    if number > 1:
        number /= 100.0
    return number if 0 <= number <= 1 else None


def split_authors(value: object) -> list[str]:
    """Authors from a list or a string: ``;``-separated (``"Otte, Ina; Werning, Anna"``),
    ``and``-separated, or comma-separated initialled names as older Scopus and Embase CSV write
    them (``"Strickland J.C., Lile J.A., Stoops W.W."``).

    >>> split_authors("Strickland J.C., Lile J.A., Stoops W.W.")
    ['Strickland J.C.', 'Lile J.A.', 'Stoops W.W.']
    """
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(a).strip() for a in value if str(a).strip()]
    text = str(value)
    if ";" in text:
        parts = text.split(";")
    elif re.search(r"\sand\s", text):
        parts = re.split(r"\s+and\s+", text)
    else:
        commas = [p.strip() for p in text.split(",")]
        parts = commas if len(commas) > 1 and all(_INITIALLED.match(p) for p in commas if p) \
            else [text]
    return [p.strip() for p in parts if p.strip()]
