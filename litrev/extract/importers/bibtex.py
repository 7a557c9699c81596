"""BibTeX and biblatex (.bib) exports, read with bibtexparser 2.

Why bibtexparser: BibTeX has nested braces, ``@string`` macros, ``#`` concatenation and LaTeX
accents (``{\\"a}`` for ä); bibtexparser 2 handles them and reports each block it could not
parse with its line, which is what the skip-and-report rule needs.

Real exports break three of BibTeX's rules, and every such entry is kept:

- a repeated field (Scopus writes ``funding_details`` once per funder): the first value is kept;
- a repeated entry key (two ``@article{Li2020,``): the second record's id is ``Li2020#L<line>``;
- an empty key (``@Article{,`` from JabRef and Web of Science): the id is ``<file>#L<line>``.

An entry that still cannot be read is reported with bibtexparser's own reason and its line.

Fields used: title, author (split on ``and`` between any whitespace, so a name list wrapped
across lines stays one person per name), year/date, abstract, doi, journal/journaltitle/
booktitle, language/langid, url, urn; the entry key is the record id. An entry with a
``crossref`` (a chapter of a ``@collection``, a paper of ``@proceedings``) takes the year,
language and venue it lacks from the entry it names, as BibTeX and biber do.
"""

from __future__ import annotations

import logging
import re

from litrev.extract.bibrecord import entry_record
from litrev.extract.importers import SOURCE, ImportResult, Problem, ProblemKind, unique_id

# biblatex entry types that hold no work of their own
_CONTAINERS = {"set": "a set of other entries", "xdata": "data shared by other entries"}


_NAME_TOKENS = re.compile(r"[{}]|\s+and\s+", re.IGNORECASE)  # BibTeX reads AND as and
_NAME_SEPARATOR = "\x1f"  # joins the names of a list until LaTeX is decoded


def split_bibtex_names(value: str) -> list[str]:
    """The people of a BibTeX name list: ``and`` between any whitespace, outside braces
    (braces and LaTeX are left for the decoder).

    >>> split_bibtex_names("Maier, Daniel and\\n   Stoltenberg, Daniela and {Barnes and Noble}")
    ['Maier, Daniel', 'Stoltenberg, Daniela', '{Barnes and Noble}']
    """
    names: list[str] = []
    depth, last = 0, 0
    for match in _NAME_TOKENS.finditer(value):
        token = match.group(0)
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            names.append(value[last:match.start()])
            last = match.end()
    names.append(value[last:])
    return [" ".join(n.split()) for n in names if n.strip()]


def _separate_names(raw: str) -> str:
    """A raw ``author`` value (still in its braces or quotes) with its names joined by
    :data:`_NAME_SEPARATOR`, so that a wrapped list keeps one person per name."""
    text = raw.strip()
    if len(text) >= 2 and (text[0], text[-1]) in (("{", "}"), ('"', '"')):
        inner = text[1:-1]
        return text[0] + _NAME_SEPARATOR.join(split_bibtex_names(inner)) + text[-1]
    return raw


# what an entry takes from the entry its ``crossref`` names, when it lacks them: the year and
# language, and as its venue the parent's journal or book title (a chapter of a @collection,
# a paper of @proceedings). Never a DOI, URL or title: those are the parent's own.
_INHERITED = ("year", "date", "language", "langid", "journal", "journaltitle", "booktitle")


def _with_crossref(fields: dict[str, str], by_key: dict[str, dict[str, str]]) -> dict[str, str]:
    """An entry's fields with what it inherits through ``crossref`` (BibTeX and biblatex).

        parent = {"title": "Space and Beyond", "year": "2000"}
        _with_crossref({"title": "The True Frontier", "crossref": "frontier"},
                       {"frontier": parent})
        # -> {"title": "The True Frontier", "crossref": "frontier", "year": "2000",
        #     "booktitle": "Space and Beyond"}
    """
    key = fields.get("crossref")
    if not key:
        return fields
    parent = by_key.get(key) or next(
        (f for k, f in by_key.items() if k.casefold() == key.casefold()), None)
    if parent is None:
        return fields
    merged = dict(fields)
    for name in _INHERITED:
        if name in parent and not merged.get(name):
            merged[name] = parent[name]
    if not (merged.get("journal") or merged.get("journaltitle") or merged.get("booktitle")) \
            and parent.get("title"):
        merged["booktitle"] = parent["title"]
    return merged


def _line(block_start: int | None, raw: str | None) -> int:
    raw = raw or ""
    leading = raw[: len(raw) - len(raw.lstrip())].count("\n")  # blank lines before the entry
    return (block_start or 0) + 1 + leading


def _reason(error: Exception) -> str:
    """bibtexparser's reason in one line (its exceptions keep it in attributes, not args)."""
    for attribute in ("abort_reason", "message"):
        value = getattr(error, attribute, None)
        if isinstance(value, str) and value.strip():
            return " ".join(value.replace("`", "'").split())
    return " ".join(str(error).split()) or type(error).__name__


def read_bibtex(text: str, name: str) -> ImportResult:
    from bibtexparser.library import Library
    from bibtexparser.middlewares import LatexDecodingMiddleware
    from bibtexparser.middlewares.parsestack import default_parse_stack
    from bibtexparser.model import (
        Block,
        DuplicateBlockKeyBlock,
        DuplicateFieldKeyBlock,
        Entry,
        Field,
        MiddlewareErrorBlock,
        ParsingFailedBlock,
        String,
    )
    from bibtexparser.splitter import Splitter

    result = ImportResult()
    # bibtexparser logs each failed block itself; we report them as problems instead.
    quiet = logging.getLogger("bibtexparser")
    level, quiet.level = quiet.level, logging.CRITICAL
    try:
        split = Splitter(bibstr=text).split()
    finally:
        quiet.level = level
    blocks: list[Block] = []
    seen: set[str] = set()
    string_keys: set[str] = set()
    for parsed in split.blocks:
        block: Block | None = parsed
        if isinstance(parsed, DuplicateFieldKeyBlock | DuplicateBlockKeyBlock):
            block = parsed.ignore_error_block  # the entry as written: kept, see the docstring
        if block is None:
            continue
        if isinstance(block, String):
            if block.key not in string_keys:  # a repeated @string: the first is kept
                string_keys.add(block.key)
                blocks.append(block)
        elif isinstance(block, Entry):
            line = _line(block.start_line, block.raw)
            own = block.key
            first_fields: dict[str, Field] = {}
            for f in block.fields:
                first_fields.setdefault(f.key.lower(), f)
            block.fields = list(first_fields.values())
            for f in block.fields:
                if f.key.lower() == "author" and isinstance(f.value, str):
                    f.value = _separate_names(f.value)
            block.key = unique_id(own, seen, name, line)
            blocks.append(block)
        elif isinstance(block, ParsingFailedBlock):
            raw = (block.raw or "").strip()
            first = raw.splitlines()[0][:40] if raw else ""
            why = _reason(block.error)
            result.problems.append(Problem(
                name, _line(block.start_line, block.raw),
                f"unreadable BibTeX entry {first!r} ({why}); entry skipped" if first
                else f"unreadable BibTeX block ({why}); skipped"))
        else:
            blocks.append(block)
    library = Library(blocks=blocks)
    for middleware in [*default_parse_stack(allow_inplace_modification=True),
                       LatexDecodingMiddleware()]:
        library = middleware.transform(library=library)
    entries = list(library.entries)
    for failed in library.failed_blocks:  # a middleware could not decode it: keep it as written
        if isinstance(failed, MiddlewareErrorBlock) and isinstance(failed.ignore_error_block,
                                                                   Entry):
            entries.append(failed.ignore_error_block)
    entries.sort(key=lambda e: e.start_line or 0)
    own_fields = {entry.key: {k.lower(): str(f.value).strip()
                              for k, f in entry.fields_dict.items()} for entry in entries}
    for entry in entries:
        fields = _with_crossref(own_fields[entry.key], own_fields)
        line = _line(entry.start_line, entry.raw)
        kind = entry.entry_type.lower()
        if kind in _CONTAINERS:
            result.problems.append(Problem(name, line, f"@{kind}{{{entry.key}}} is "
                                                       f"{_CONTAINERS[kind]}, not a work; "
                                                       "ignored", ProblemKind.IGNORED))
            continue
        if not (fields.get("title") or fields.get("doi")):
            result.problems.append(Problem(name, line, f"entry {entry.key!r} has neither a "
                                                       "title nor a doi; entry skipped"))
            continue
        try:
            record = entry_record(
                SOURCE, entry.key, title=fields.get("title"),
                abstracts=[(fields["abstract"], None)] if fields.get("abstract") else [],
                authors=[" ".join(a.split()) for a in fields.get("author", "").split(
                    _NAME_SEPARATOR)],
                year=fields.get("year") or fields.get("date"),
                venue=(fields.get("journal") or fields.get("journaltitle")
                       or fields.get("booktitle")),
                doi=fields.get("doi"), url=fields.get("url"),
                language=fields.get("language") or fields.get("langid"),
                urn=fields.get("urn"), work_type=entry.entry_type, origin=f"{name}#L{line}")
        except ValueError as exc:
            result.problems.append(Problem(name, line, f"{exc}; entry skipped"))
            continue
        result.records.append(record)
    return result
