"""RIS (Zotero, EndNote, Scopus, Web of Science, Embase, Ovid, EBSCO, PubMed via EndNote): one
entry per ``TY`` ... ``ER``.

Why our own reader: it knows the line each entry starts on, which the skip-and-report rule needs
(the RIS libraries on PyPI return entries without line numbers), and it is as fast as rispy
(``bench/imports.py``).

Tags used: TY (type), TI/T1/CT (title), AU/A1 (authors), PY/Y1/DA (year), AB/N2 (abstract),
DO (DOI; else a DOI-shaped L3, M3 or UR, as EBSCO and Ovid write it), JF/T2/JO/JA/J2 (venue),
LA (language), UR (URL), ID (entry id; a repeated ID gets ``#L<line>``). Lines without a tag
continue the previous field (exporters wrap long abstracts and keyword lists). Lines outside any
entry (Ovid's "1." and "Link to the Ovid Full Text", EndNote's "Record #1 of 2") are reported
once per run of lines as ignored, never as records.
"""

from __future__ import annotations

from collections.abc import Iterator

from litrev.extract.bibrecord import entry_record
from litrev.extract.importers import SOURCE, ImportResult, Problem, ProblemKind, unique_id
from litrev.extract.normalize import normalize_doi

Entry = dict[str, list[str]]


def _is_tag_line(line: str) -> bool:
    """``XX  - value`` (or ``XX  -`` alone): two capitals/digits, two spaces, a hyphen."""
    return (len(line) >= 5 and line[2:5] == "  -" and line[0].isupper() and line[0].isascii()
            and (line[1].isupper() or line[1].isdigit()) and line[1].isascii()
            and (len(line) == 5 or line[5] == " "))


class _Outside:
    """A run of lines between entries, reported as one ignored problem."""

    def __init__(self) -> None:
        self.first = 0
        self.last = 0
        self.sample = ""

    def add(self, number: int, line: str) -> None:
        if not self.first:
            self.first, self.sample = number, line.strip()[:40]
        self.last = number

    def flush(self, name: str, problems: list[Problem]) -> None:
        if self.first:
            where = (f"line {self.first}" if self.first == self.last
                     else f"lines {self.first}-{self.last}")
            problems.append(Problem(name, self.first, f"{where} outside any TY ... ER entry "
                                                      f"({self.sample!r}); ignored",
                                    ProblemKind.IGNORED))
            self.first = 0


def _entries(text: str, name: str, problems: list[Problem]) -> Iterator[tuple[int, Entry]]:
    """(first line, {tag: [values]}) per complete entry; broken entries become problems."""
    entry: Entry | None = None
    start = 0
    values: list[str] | None = None  # the values of the last tag, which untagged lines continue
    outside = _Outside()
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip()
        if not line:
            continue
        if not _is_tag_line(line):
            if entry is not None and values is not None:
                values[-1] = f"{values[-1]} {line.strip()}" if values[-1] else line.strip()
            else:
                outside.add(number, line)
            continue
        tag, value = line[:2], line[6:].strip()
        if tag == "TY":
            outside.flush(name, problems)
            if entry is not None:
                problems.append(Problem(name, start, "entry has no ER line before the next TY; "
                                                     "entry skipped"))
            entry, start = {"TY": [value]}, number
            values = entry["TY"]
        elif entry is None:
            outside.add(number, line)
        elif tag == "ER":
            yield start, entry
            entry, values = None, None
        else:
            values = entry.setdefault(tag, [])
            values.append(value)
    outside.flush(name, problems)
    if entry is not None:
        problems.append(Problem(name, start, "the file ends inside this entry (no ER line: cut "
                                             "short?); entry skipped"))


def _first(entry: Entry, *tags: str) -> str | None:
    for tag in tags:
        for value in entry.get(tag, ()):
            if value:
                return value
    return None


def _doi(entry: Entry) -> str | None:
    doi = _first(entry, "DO")
    if doi:
        return doi
    for tag in ("L3", "M3", "UR", "N1"):
        for value in entry.get(tag, ()):
            if normalize_doi(value):
                return value
    return None


def read_ris(text: str, name: str) -> ImportResult:
    result = ImportResult()
    seen: set[str] = set()
    for start, entry in _entries(text, name, result.problems):
        title = _first(entry, "TI", "T1", "CT")
        doi = _doi(entry)
        if not (title or doi):
            result.problems.append(Problem(name, start, "entry has neither a title (TI/T1) nor "
                                                        "a DOI (DO); entry skipped"))
            continue
        abstracts = [(v, None) for v in entry.get("AB", []) + entry.get("N2", []) if v]
        try:
            record = entry_record(
                SOURCE, unique_id(_first(entry, "ID"), seen, name, start), title=title,
                abstracts=abstracts, authors=entry.get("AU", []) + entry.get("A1", []),
                year=_first(entry, "PY", "Y1", "DA"),
                venue=_first(entry, "JF", "T2", "JO", "JA", "J2"), doi=doi,
                url=_first(entry, "UR"), language=_first(entry, "LA"),
                work_type=_first(entry, "TY"), origin=f"{name}#L{start}")
        except ValueError as exc:
            result.problems.append(Problem(name, start, f"{exc}; entry skipped"))
            continue
        result.records.append(record)
    return result
