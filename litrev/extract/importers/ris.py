"""RIS (Zotero, EndNote, Scopus, Web of Science, Embase, Ovid, EBSCO, PubMed via EndNote): one
entry per ``TY`` ... ``ER``.

Why our own reader: it knows the line each entry starts on, which the skip-and-report rule needs
(the RIS libraries on PyPI return entries without line numbers), and it is as fast as rispy
(``bench/imports.py``).

Tags used: TY (type), TI/T1/CT (title), AU/A1 (authors), PY/Y1/DA (year), AB/N2 (abstract),
DO (DOI; else a DOI-shaped L3, M3 or UR, as EBSCO writes it), JF/T2/JO/JA/J2 (venue),
LA (language), UR (URL), ID (entry id; a repeated ID gets ``#L<line>``). Lines without a tag
continue the previous field (exporters wrap long abstracts and keyword lists). Lines outside any
entry (Ovid's "1." and "Link to the Ovid Full Text", EndNote's "Record #1 of 2") are reported
once per run of lines as ignored, never as records.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from litrev.extract.bibrecord import entry_record
from litrev.extract.importers import SOURCE, ImportResult, Problem, ProblemKind, unique_id
from litrev.extract.normalize import normalize_doi

Entry = dict[str, list[str]]


class _Lines:
    """The line number of a position in a text (1 + the line ends before it), counted forward
    only (each entry asks once)."""

    def __init__(self, text: str) -> None:
        self.text, self.position, self.line = text, 0, 1

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


# the tags read_ris uses: the others (keywords, notes, reference lists) are never copied out
USED_TAGS = ("TY", "TI", "T1", "CT", "AU", "A1", "PY", "Y1", "DA", "AB", "N2", "DO", "L3", "M3",
             "UR", "JF", "T2", "JO", "JA", "J2", "LA", "ID")
def _alternation(tags: tuple[str, ...]) -> str:
    """``A[1BU]|CT|...``: one branch per first letter, so the regex engine tries one letter
    where a plain ``TY|TI|...`` would try every tag at every line."""
    by_first: dict[str, list[str]] = {}
    for tag in tags:
        by_first.setdefault(tag[0], []).append(tag[1])
    return "|".join(first + (seconds[0] if len(seconds) == 1 else f"[{''.join(seconds)}]")
                    for first, seconds in sorted(by_first.items()))


# A used tag's line (``XX  - value``, or ``XX  -`` alone) and the lines that continue it (any
# line that is no tag line). Searched from the line end before it: a literal first character
# lets the regex engine skip from line end to line end, three times faster than ``^`` with
# MULTILINE.
_USED_FIELD = re.compile(r"\n(" + _alternation(USED_TAGS) + r")  -(?:[ \t]([^\n]*"
                         r"(?:\n(?![A-Z][A-Z0-9]  -(?:[ \t]|\n))[^\n]*)*))?(?=\n)")
_TY_LINE = re.compile(r"\nTY  -(?=[ \t\n]|\Z)")
_ER_LINE = re.compile(r"\nER  -(?:[ \t][^\n]*)?(?=\n|\Z)")


def _entries(text: str, name: str, problems: list[Problem]) -> Iterator[tuple[int, Entry]]:
    """(first line, {tag: [values]}) per complete entry; broken entries become problems.

    Why entries are cut out with regexes and their used tags read with one ``findall`` (a
    wrapped value's lines with it): a Python loop over every line is what made RIS slow. The
    text is never copied whole (a 50 MB export is 100 MB or more as a string).
    """
    lines = _Lines(text)
    outside = _Outside()
    # where each entry starts: the line end before its TY line (-1: TY on the first line)
    starts = [match.start() for match in _TY_LINE.finditer(text)]
    if text.startswith("TY  -") and _TY_LINE.match("\n" + text[:6]):
        starts.insert(0, -1)
    _outside_lines(text[: max(starts[0], 0) if starts else len(text)], 1, outside)
    for number, begin in enumerate(starts):
        stop = starts[number + 1] if number + 1 < len(starts) else len(text)
        line = lines.at(begin + 1)
        outside.flush(name, problems)
        end = _ER_LINE.search(text, max(begin, 0), stop + 1)
        if end is None:
            problems.append(Problem(name, line, "entry has no ER line before the next TY; entry "
                                                "skipped" if number + 1 < len(starts) else
                                    "the file ends inside this entry (no ER line: cut short?); "
                                    "entry skipped"))
            continue
        block = text[begin:end.start() + 1] if begin >= 0 else "\n" + text[:end.start() + 1]
        yield line, _fields(block)
        after = text[end.end():stop]
        if after and not after.isspace():
            _outside_lines(after, lines.at(end.start() + 1), outside)
    outside.flush(name, problems)


def _fields(block: str) -> Entry:
    """{tag: [values]} of one entry's text (``"\\nTY  - JOUR\\n...\\n"``, without ER); values
    keep the spaces around them (readers strip what they use)."""
    entry: Entry = defaultdict(list)
    for tag, value in _USED_FIELD.findall(block):
        entry[tag].append(value.replace("\n", " ") if "\n" in value else value)
    return entry


def _outside_lines(block: str, first_line: int, outside: _Outside) -> None:
    """Lines outside any entry (``block``'s first line is the rest of the line ``first_line``)."""
    for offset, part in enumerate(block.split("\n")):
        if part.strip():
            outside.add(first_line + offset, part)


def _first(entry: Entry, *tags: str) -> str | None:
    for tag in tags:
        for value in entry.get(tag, ()):
            if value.strip():
                return value.strip()
    return None


def _doi(entry: Entry) -> str | None:
    doi = _first(entry, "DO")
    if doi:
        return doi
    for tag in ("L3", "M3", "UR"):
        for value in entry.get(tag, ()):
            if len(value) < 300 and normalize_doi(value):  # a DOI, not a note that holds one
                return value.strip()
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
