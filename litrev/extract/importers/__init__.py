"""Readers for files a reviewer drops into the import folder: RIS, BibTeX, CSV, JSON Lines.

Every reader takes the file's bytes and its name and returns an :class:`ImportResult`: the
records it could map, and one :class:`Problem` (file, line, what is wrong) per entry it had to
skip. A malformed entry never stops the rest of the file.

Record ids are ``<file name>#L<line>`` (the entry's first line), or the entry's own id where
the format has one (a BibTeX key, a JSON ``id``), so re-importing a file yields the same ids.

    >>> result = read_file(Path("imports/scite-otte.csv").read_bytes(), "scite-otte.csv")
    >>> [str(p) for p in result.problems]
    ['scite-otte.csv:5: no citation statement text (columns Snippet / Citation Statement)']
"""

from __future__ import annotations

from dataclasses import dataclass, field

from litrev.extract.records import SourceRecord

SOURCE = "files"


@dataclass(frozen=True)
class Problem:
    """One skipped entry: where it is and why."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


@dataclass
class ImportResult:
    records: list[SourceRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


FORMATS = ("ris", "bibtex", "csv", "jsonl")
_SUFFIXES = {".ris": "ris", ".bib": "bibtex", ".bibtex": "bibtex", ".csv": "csv",
             ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def format_of(name: str, body: bytes | None = None) -> str | None:
    """The import format of a file, from its suffix, else from its first characters."""
    lower = name.lower()
    for suffix, fmt in _SUFFIXES.items():
        if lower.endswith(suffix):
            return fmt
    if body is None:
        return None
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:200]
    if head.startswith(b"TY  -"):
        return "ris"
    if head.startswith(b"@"):
        return "bibtex"
    if head.startswith(b"{"):
        return "jsonl"
    if b"," in head.split(b"\n", 1)[0] or b"\t" in head.split(b"\n", 1)[0]:
        return "csv"
    return None


def decode(body: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, which reference managers still write."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


def read_file(body: bytes, name: str) -> ImportResult:
    """Map one import file to records; unknown formats are one problem, not an exception."""
    fmt = format_of(name, body)
    if fmt == "ris":
        from litrev.extract.importers.ris import read_ris as reader
    elif fmt == "bibtex":
        from litrev.extract.importers.bibtex import read_bibtex as reader
    elif fmt == "csv":
        from litrev.extract.importers.delimited import read_csv as reader
    elif fmt == "jsonl":
        from litrev.extract.importers.jsonl import read_jsonl as reader
    else:
        return ImportResult(problems=[Problem(name, None, "not a known import format; use "
                                              ".ris, .bib, .csv or .jsonl")])
    return reader(body, name)
