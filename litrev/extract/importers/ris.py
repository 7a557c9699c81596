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

import re
from collections.abc import Iterator

from litrev.extract.bibrecord import entry_record
from litrev.extract.importers import SOURCE, ImportResult, Problem, ProblemKind, unique_id
from litrev.extract.normalize import normalize_doi

Entry = dict[str, list[str]]


# ``XX  - value`` (or ``XX  -`` alone): two capitals/digits, two spaces, a hyphen
# (searched from the line end before it: a literal first character lets the regex engine skip
# from line end to line end, three times faster than ``^`` with MULTILINE)
_TAG_LINE = re.compile(r"\n([A-Z][A-Z0-9])  -(?:[ \t]([^\n]*))?(?=\n)")


class _Lines:
    """Line numbers in ``"\\n" + text``: the number of line ends before a position, counted
    forward only (each entry asks once)."""

    def __init__(self, text: str) -> None:
        self.text, self.position, self.line = text, 0, 0

    def at(self, position: int) -> int:
        self.line += self.text.count("\n", self.position, position)
        self.position = position
        return self.line


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
    """(first line, {tag: [values]}) per complete entry; broken entries become problems.

    Why tag lines are found with one regex over the whole text: a Python loop over every line
    is what made RIS slow; the text between two tag lines is usually just the line end, and
    when it is not, it is wrapped value lines or lines outside an entry, handled as a block.
    """
    entry: Entry | None = None
    start = 0
    values: list[str] | None = None  # the values of the last tag, which untagged lines continue
    scan = f"\n{text}\n"
    lines = _Lines(scan)
    outside = _Outside()
    end = 0
    previous = -1  # where the last tag line starts in scan (-1: before the first line)
    for match in _TAG_LINE.finditer(scan):
        begin = match.start()
        if begin != end:  # something between this tag line and the last one
            between = scan[end:begin]
            if not between.isspace():
                _between(between, lines.at(previous + 1), values, outside)
        end, previous = match.end(), begin
        tag, value = match.groups()
        value = value.strip() if value else ""
        if tag == "TY":
            outside.flush(name, problems)
            if entry is not None:
                problems.append(Problem(name, start, "entry has no ER line before the next TY; "
                                                     "entry skipped"))
            values = [value]
            entry, start = {"TY": values}, lines.at(begin + 1)
        elif entry is None:
            outside.add(lines.at(begin + 1), match.group(0))
            values = None
        elif tag == "ER":
            yield start, entry
            entry, values = None, None
        else:
            values = entry.get(tag)
            if values is None:
                values = entry[tag] = []
            values.append(value)
    rest = scan[end:]
    if not rest.isspace():
        _between(rest, lines.at(previous + 1), values, outside)
    outside.flush(name, problems)
    if entry is not None:
        problems.append(Problem(name, start, "the file ends inside this entry (no ER line: cut "
                                             "short?); entry skipped"))


def _between(block: str, first_line: int, values: list[str] | None, outside: _Outside) -> None:
    """Lines between two tag lines (``block`` starts with the end of the line ``first_line``):
    the last value wrapped on, or lines outside an entry."""
    parts = block.split("\n")
    if values is not None:
        wrapped = " ".join(stripped for part in parts if (stripped := part.strip()))
        values[-1] = f"{values[-1]} {wrapped}" if values[-1] else wrapped
        return
    for offset, part in enumerate(parts):
        if part.strip():
            outside.add(first_line + offset, part)


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
            if len(value) < 300 and normalize_doi(value):  # a DOI, not a note that holds one
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
