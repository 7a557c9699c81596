"""Readers for files a reviewer drops into the import folder: RIS, BibTeX, CSV (and tab- or
semicolon-delimited), JSON Lines, PubMed/MEDLINE, Web of Science plain text and tab-delimited.

Every reader takes the file's text and its name and returns an :class:`ImportResult`: the
records it could map, and one :class:`Problem` (file, line, what was done) per entry it had to
skip or repair. A malformed entry never stops the rest of the file. :func:`read_file` turns the
bytes into text first (:mod:`.decoding`: byte-order marks, UTF-16, legacy encodings, stray
bytes) and picks the reader from the content (:func:`format_of`), so a RIS export saved as
``.txt`` is read as RIS.

Record ids are ``<file name>#L<line>`` (the entry's first line), or the entry's own id where
the format has one (a BibTeX key, a RIS ``ID``, a PMID, a Web of Science ``UT``, a JSON ``id``);
an id the file repeats gets ``#L<line>`` added, so two entries never share one.

    result = read_file(Path("imports/scite-otte.csv").read_bytes(), "scite-otte.csv")
    [str(p) for p in result.problems]
    # -> ['scite-otte.csv:5: no citation statement text (columns Snippet / Citation Statement)']
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from litrev.extract.importers.decoding import binary_kind, decode_body
from litrev.extract.importers.problems import Problem, ProblemKind
from litrev.extract.records import SourceRecord

SOURCE = "files"


@dataclass
class ImportResult:
    """The records of one file and what the user should know about it.

    ``entries`` is the number of records the file holds (read or skipped), the figure PRISMA
    reports as identified; lines that are no record (export banners) are not counted.
    """

    records: list[SourceRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    format: str | None = None
    encoding: str | None = None

    @property
    def entries(self) -> int:
        skipped = sum(1 for p in self.problems if p.kind == ProblemKind.ENTRY_SKIPPED)
        return len(self.records) + skipped

    @property
    def file_skipped(self) -> Problem | None:
        """The problem that kept the whole file from being read, if any."""
        return next((p for p in self.problems if p.kind == ProblemKind.FILE_SKIPPED), None)


FORMATS = ("ris", "bibtex", "csv", "jsonl", "medline", "wos", "wos-tab")
SUFFIXES = {".ris": "ris", ".bib": "bibtex", ".bibtex": "bibtex", ".csv": "csv",
            ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".nbib": "medline",
            ".medline": "medline"}
# what each format's text looks like near its start (several lines may come first: export
# banners such as "Record #1 of 2", "% Encoding: UTF-16BE", a blank line)
_SIGNS: dict[str, re.Pattern[str]] = {
    "medline": re.compile(r"^PMID- *\d", re.MULTILINE),
    "wos": re.compile(r"\AFN \w|^PT [A-Z]\n(?:.*\n){0,3}?(?:AU|AF|TI|BA|CA) ", re.MULTILINE),
    "ris": re.compile(r"^TY  -", re.MULTILINE),
    "bibtex": re.compile(r"^[ \t]*@[A-Za-z]+[ \t]*[{(]", re.MULTILINE),
    "jsonl": re.compile(r"\A\s*\{"),
}
_WOS_TAB_HEADER = {"PT", "AU", "TI"}
_SNIFF_CHARS = 20_000


def _suffix_format(name: str) -> str | None:
    lower = name.lower()
    return next((fmt for suffix, fmt in SUFFIXES.items() if lower.endswith(suffix)), None)


def _looks_delimited(head: str, *, by_suffix: bool) -> str | None:
    lines = [line for line in head.split("\n", 3)[:3] if line.strip()]
    if not lines:
        return None
    header = lines[0].lstrip("\ufeff")
    if set(header.rstrip("\t").split("\t")) >= _WOS_TAB_HEADER:
        return "wos-tab"
    if by_suffix:
        return "csv"
    from litrev.extract.importers.decoding import sniff_delimiter

    cells = header.split(sniff_delimiter(header))
    if len(lines) >= 2 and len(cells) >= 3 and all(len(c) <= 60 for c in cells):
        return "csv"
    return None


def sniff_format(text: str, name: str) -> str | None:
    """The import format of a file's text; its name's suffix only breaks ties.

    The suffix's format wins when its signs are in the text (for ``.csv``/``.tsv``: a delimiter
    in the first line); else the first format whose signs are; else a delimited table (a header
    of short cells); else the suffix's format.

    >>> sniff_format("\\nTY  - JOUR\\nTI  - A\\nER  - \\n", "pubmed_endnote.txt")
    'ris'
    """
    head = text[:_SNIFF_CHARS]
    by_suffix = _suffix_format(name)
    if by_suffix in _SIGNS and _SIGNS[by_suffix].search(head):
        return by_suffix
    if by_suffix == "csv" and any(d in head.split("\n", 1)[0] for d in ",;\t|"):
        # a table's cells may hold anything (an "@handle (..." line in a multi-line cell)
        return _looks_delimited(head, by_suffix=True)
    for fmt, sign in _SIGNS.items():
        if sign.search(head):
            return fmt
    return _looks_delimited(head, by_suffix=by_suffix == "csv") or by_suffix


def format_of(name: str, body: bytes | None = None) -> str | None:
    """The import format of a file: from its content when ``body`` is given, else its suffix."""
    if body is None:
        return _suffix_format(name)
    if binary_kind(body):
        return None
    return sniff_format(decode_body(body, name).text, name)


Reader = Callable[[str, str], ImportResult]


def reader_for(fmt: str) -> Reader:
    """The reader function of a format in :data:`FORMATS`."""
    if fmt == "ris":
        from litrev.extract.importers.ris import read_ris
        return read_ris
    if fmt == "bibtex":
        from litrev.extract.importers.bibtex import read_bibtex
        return read_bibtex
    if fmt in ("csv", "wos-tab"):
        from litrev.extract.importers.delimited import read_csv
        return read_csv
    if fmt == "jsonl":
        from litrev.extract.importers.jsonl import read_jsonl
        return read_jsonl
    if fmt == "medline":
        from litrev.extract.importers.tagged import read_medline
        return read_medline
    if fmt == "wos":
        from litrev.extract.importers.tagged import read_wos
        return read_wos
    raise ValueError(f"unknown import format {fmt!r}; expected one of {', '.join(FORMATS)}")


def _skipped(name: str, why: str) -> ImportResult:
    return ImportResult(problems=[Problem(name, None, why, ProblemKind.FILE_SKIPPED)])


def read_file(body: bytes, name: str) -> ImportResult:
    """Map one import file to records; a file that is no import is one problem, not an error."""
    binary = binary_kind(body)
    if binary:
        return _skipped(name, f"binary file ({binary}); file skipped")
    decoded = decode_body(body, name)
    if not decoded.text or decoded.text.isspace():  # (strip() would copy a whole file)
        return _skipped(name, "empty file; file skipped")
    fmt = sniff_format(decoded.text, name)
    if fmt is None:
        return _skipped(name, "not an import file (no RIS, BibTeX, MEDLINE, Web of Science, CSV "
                              "or JSON Lines content found); file skipped")
    result = reader_for(fmt)(decoded.text, name)
    result.problems[:0] = decoded.warnings
    result.format, result.encoding = fmt, decoded.encoding
    return result


def unique_id(own: str | None, seen: set[str], name: str, line: int) -> str:
    """The entry's own id, or ``<own>#L<line>`` when the file already used it (``<file>#L<line>``
    when it has none), so two entries of one file never share a record id."""
    record_id = own.strip() if own and own.strip() else f"{name}#L{line}"
    if record_id in seen:
        record_id = f"{record_id}#L{line}"
    seen.add(record_id)
    return record_id


__all__ = ["FORMATS", "SOURCE", "ImportResult", "Problem", "ProblemKind", "format_of",
           "read_file", "reader_for", "sniff_format", "unique_id"]
