"""RIS (Zotero, EndNote, Scopus, Web of Science, PubMed exports): one entry per TY ... ER.

Why our own reader: it is thirty lines, and it knows the line each entry starts on, which the
skip-and-report rule needs (the RIS libraries on PyPI return entries without line numbers).

Tags used: TY (type), TI/T1 (title), AU/A1 (authors), PY/Y1/DA (year), AB/N2 (abstract),
DO (DOI), JO/JF/T2/JA (venue), LA (language), UR (URL), ID (entry id). Lines without a tag
continue the previous field (some exporters wrap long abstracts).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from litrev.extract.bibrecord import entry_record
from litrev.extract.importers import SOURCE, ImportResult, Problem, decode

_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")


def _entries(text: str, name: str, problems: list[Problem]
             ) -> Iterator[tuple[int, dict[str, list[str]]]]:
    """(first line, {tag: [values]}) per complete entry; broken entries become problems."""
    entry: dict[str, list[str]] | None = None
    start = 0
    last_tag: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if not line.strip():
            continue
        match = _TAG.match(line)
        if match is None:
            if entry is not None and last_tag:
                entry[last_tag][-1] += " " + line.strip()
            else:
                problems.append(Problem(name, number, f"not a RIS line ({line[:40]!r}); "
                                                      "expected 'XX  - value'"))
            continue
        tag, value = match.group(1), (match.group(2) or "").strip()
        if tag == "TY":
            if entry is not None:
                problems.append(Problem(name, start, "entry has no ER line before the next TY; "
                                                     "entry skipped"))
            entry, start, last_tag = {"TY": [value]}, number, "TY"
        elif entry is None:
            problems.append(Problem(name, number, f"{tag} line outside an entry (missing "
                                                  "TY?); line skipped"))
        elif tag == "ER":
            yield start, entry
            entry, last_tag = None, None
        else:
            entry.setdefault(tag, []).append(value)
            last_tag = tag
    if entry is not None:
        problems.append(Problem(name, start, "entry is not closed with ER (file cut short?); "
                                             "entry skipped"))


def _first(entry: dict[str, list[str]], *tags: str) -> str | None:
    for tag in tags:
        for value in entry.get(tag, []):
            if value:
                return value
    return None


def read_ris(body: bytes, name: str) -> ImportResult:
    result = ImportResult()
    for start, entry in _entries(decode(body), name, result.problems):
        title = _first(entry, "TI", "T1", "CT")
        doi = _first(entry, "DO")
        if not (title or doi):
            result.problems.append(Problem(name, start, "entry has neither a title (TI/T1) nor "
                                                        "a DOI (DO); entry skipped"))
            continue
        abstracts = [(v, None) for v in entry.get("AB", []) + entry.get("N2", []) if v]
        try:
            record = entry_record(
                SOURCE, _first(entry, "ID") or f"{name}#L{start}", title=title,
                abstracts=abstracts, authors=entry.get("AU", []) + entry.get("A1", []),
                year=_first(entry, "PY", "Y1", "DA"), venue=_first(entry, "JO", "JF", "T2", "JA"),
                doi=doi, url=_first(entry, "UR"), language=_first(entry, "LA"),
                work_type=_first(entry, "TY"), origin=f"{name}#L{start}")
        except ValueError as exc:
            result.problems.append(Problem(name, start, f"{exc}; entry skipped"))
            continue
        result.records.append(record)
    return result
