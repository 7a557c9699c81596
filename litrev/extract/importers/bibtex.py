"""BibTeX (.bib) exports, read with bibtexparser 2.

Why bibtexparser: BibTeX has nested braces, ``@string`` macros, ``#`` concatenation and LaTeX
accents (``{\\"a}`` for ä); bibtexparser 2 handles them and reports each block it could not
parse with its line, which is what the skip-and-report rule needs.

Fields used: title, author (``and``-separated), year/date, abstract, doi, journal/booktitle,
language, url, urn; the entry key is the record id.
"""

from __future__ import annotations

import logging

from litrev.extract.bibrecord import entry_record
from litrev.extract.importers import SOURCE, ImportResult, Problem, decode


def read_bibtex(body: bytes, name: str) -> ImportResult:
    import bibtexparser
    from bibtexparser.middlewares import LatexDecodingMiddleware

    result = ImportResult()
    # bibtexparser logs each failed block itself; we report them as problems instead.
    quiet = logging.getLogger("bibtexparser")
    level, quiet.level = quiet.level, logging.CRITICAL
    try:
        library = bibtexparser.parse_string(decode(body),
                                            append_middleware=[LatexDecodingMiddleware()])
    finally:
        quiet.level = level
    for block in library.failed_blocks:
        raw = block.raw or ""
        first = raw.strip().splitlines()[:1]
        leading = raw[: len(raw) - len(raw.lstrip())].count("\n")  # blank lines before it
        result.problems.append(Problem(
            name, (block.start_line or 0) + 1 + leading,
            f"unreadable BibTeX entry {first[0][:40]!r} (unbalanced braces or quotes?); "
            "entry skipped" if first else "unreadable BibTeX block; skipped"))
    for entry in library.entries:
        fields = {k.lower(): str(f.value).strip() for k, f in entry.fields_dict.items()}
        line = (entry.start_line or 0) + 1
        if not (fields.get("title") or fields.get("doi")):
            result.problems.append(Problem(name, line, f"entry {entry.key!r} has neither a "
                                                       "title nor a doi; entry skipped"))
            continue
        authors = [a.strip() for a in fields.get("author", "").split(" and ") if a.strip()]
        try:
            record = entry_record(
                SOURCE, entry.key or f"{name}#L{line}", title=fields.get("title"),
                abstracts=[(fields["abstract"], None)] if fields.get("abstract") else [],
                authors=authors, year=fields.get("year") or fields.get("date"),
                venue=fields.get("journal") or fields.get("booktitle"), doi=fields.get("doi"),
                url=fields.get("url"), language=fields.get("language") or fields.get("langid"),
                urn=fields.get("urn"), work_type=entry.entry_type, origin=f"{name}#L{line}")
        except ValueError as exc:
            result.problems.append(Problem(name, line, f"{exc}; entry skipped"))
            continue
        result.records.append(record)
    return result
