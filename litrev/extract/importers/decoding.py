"""Bytes of an import file to text: byte-order marks, UTF-16, legacy encodings, stray bytes.

Why this is its own step: reviewers' exports come as UTF-8 (with or without BOM), UTF-16
(JabRef, EndNote on Windows, with or without BOM) and Windows-1252 or other legacy code pages;
and a UTF-8 file edited by hand often holds one stray Windows-1252 byte. Reading the whole
file in a legacy encoding because of one bad byte turns every accented name into mojibake, so:

1. a byte-order mark decides (UTF-8, UTF-16 LE/BE, UTF-32);
2. NUL bytes at every other position mean UTF-16 without a BOM;
3. valid UTF-8 is UTF-8;
4. UTF-8 with a few bad bytes among valid UTF-8 letters stays UTF-8, and each run of bad bytes
   is decoded alone as Windows-1252, with one warning naming the file, the line and the bytes;
5. anything else is a legacy encoding guessed by charset-normalizer (Windows-1252 when it is one
   of the candidates: reference managers on Windows write it).

Line ends are made ``\\n`` (files from old Macs and JabRef's UTF-16 use a bare ``\\r``).

    >>> decoded = decode_body("Müller".encode() + b"; Gr\\xfcn", "x.ris")
    >>> decoded.text, [str(w) for w in decoded.warnings]
    ('Müller; Grün', ["x.ris:1: byte b'\\\\xfc' is not UTF-8; read as 'ü' (Windows-1252)"])
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from litrev.extract.importers.problems import Problem, ProblemKind

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_STRAY = re.compile("[\udc80-\udcff]+")
_NON_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "a gzip archive: unpack it first"),
    (b"PK\x03\x04", "a ZIP archive (an .xlsx or .docx workbook?): save it as CSV or unpack it"),
    (b"%PDF", "a PDF document: export the references as RIS, BibTeX or CSV"),
    (b"\xd0\xcf\x11\xe0", "an old Office file (.xls?): save it as CSV"),
    (b"BZh", "a bzip2 archive: unpack it first"),
    (b"7z\xbc\xaf", "a 7-Zip archive: unpack it first"),
    (b"\xfd7zXZ", "an xz archive: unpack it first"),
    (b"SQLite format 3", "an SQLite database (a reference manager's library?): export it "
                         "as RIS or BibTeX"),
)
# Bad bytes among valid UTF-8 letters are "stray" while there are fewer of them than this share
# of the non-ASCII characters; more, and the file is in a legacy encoding.
_STRAY_SHARE = 0.5


@dataclass(frozen=True)
class Decoded:
    """The text of a file, the encoding it was read in and what was repaired on the way."""

    text: str
    encoding: str
    warnings: list[Problem] = field(default_factory=list)


def binary_kind(body: bytes) -> str | None:
    """What a file is when it is not text (``"a gzip archive: ..."``), else ``None``."""
    for magic, what in _MAGIC:
        if body.startswith(magic):
            return what
    head = body[:4096]
    if b"\x00" in head and _utf16_without_bom(head) is None and \
            not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "binary data, not text: export the references as RIS, BibTeX, CSV or text"
    return None


def _utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le``/``-be`` when NULs fill the high bytes of mostly-ASCII UTF-16 text."""
    even, odd = head[0::2], head[1::2]
    if len(head) < 4:
        return None
    even_nul, odd_nul = even.count(0) / len(even), odd.count(0) / max(len(odd), 1)
    if odd_nul > 0.3 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.3 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _unify_line_ends(text: str) -> str:
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode_strict_or_counted(body: bytes, encoding: str, name: str) -> Decoded:
    """Decode in a known encoding; undecodable bytes become U+FFFD, counted in one warning."""
    text = _unify_line_ends(body.decode(encoding, errors="replace"))
    warnings = []
    bad = text.count("\ufffd") - body.decode(encoding, errors="ignore").count("\ufffd")
    if bad > 0:
        first = _line_of(text, text.index("\ufffd"))
        warnings.append(Problem(name, first, f"{bad} byte sequence(s) are not {encoding} (first "
                                             "on this line); each is shown as \ufffd",
                                ProblemKind.WARNING))
    return Decoded(text, encoding, warnings)


def _stray_bytes_read_alone(text: str, name: str) -> Decoded:
    """``text`` decoded with ``surrogateescape``: each run of bad bytes as Windows-1252."""
    warnings: list[Problem] = []
    parts: list[str] = []
    last = 0
    for match in _STRAY.finditer(text):
        raw = bytes(ord(ch) - 0xDC00 for ch in match.group(0))
        alone = raw.decode("cp1252", errors="replace")
        parts.append(text[last:match.start()])
        parts.append(alone)
        last = match.end()
        warnings.append(Problem(name, _line_of(text, match.start()),
                                f"byte {raw!r} is not UTF-8; read as {alone!r} (Windows-1252)",
                                ProblemKind.WARNING))
    parts.append(text[last:])
    return Decoded("".join(parts), "utf-8", warnings)


def _legacy_encoding(body: bytes) -> str:
    from charset_normalizer import from_bytes

    matches = from_bytes(body[:200_000])
    for match in matches:
        if "cp1252" in match.could_be_from_charset or match.encoding == "cp1252":
            return "cp1252"
    best = matches.best()
    return best.encoding if best is not None else "cp1252"


def decode_body(body: bytes, name: str) -> Decoded:
    """The text of an import file (see the module docstring for the order of the rules)."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return _decode_strict_or_counted(body[len(bom):], encoding, name)
    utf16 = _utf16_without_bom(body[:4096])
    if utf16 is not None:
        return _decode_strict_or_counted(body, utf16, name)
    try:
        return Decoded(_unify_line_ends(body.decode("utf-8")), "utf-8")
    except UnicodeDecodeError:
        pass
    escaped = _unify_line_ends(body.decode("utf-8", errors="surrogateescape"))
    strays = sum(len(m.group(0)) for m in _STRAY.finditer(escaped))
    letters = len(_NON_ASCII.findall(escaped))
    if letters and strays < _STRAY_SHARE * letters:
        return _stray_bytes_read_alone(escaped, name)
    if strays == 1:  # one bad byte in an otherwise ASCII file: the same repair, the same warning
        return _stray_bytes_read_alone(escaped, name)
    encoding = _legacy_encoding(body)
    return _decode_strict_or_counted(body, encoding, name)


def sniff_delimiter(text: str) -> str:
    """The cell delimiter of a delimited file: the most frequent of ``,`` ``;`` tab ``|`` in
    its header line, counted outside double quotes; ``,`` when there is none.

    Excel in Finnish, Swedish or German settings writes ``;``; Web of Science writes tabs.

    >>> sniff_delimiter('title;abstract;doi\\na;"x, y";10.1/2')
    ';'
    """
    header = next((line for line in text.split("\n", 20)[:20] if line.strip()), "")
    counts = dict.fromkeys(",;\t|", 0)
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","
