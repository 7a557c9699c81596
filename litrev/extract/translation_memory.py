"""Reading translation memories: TMX 1.4 files and two-column CSV files.

Why: a review team often has translations it trusts already (a termbase, a translator's memory
from CAT tools such as OmegaT or Trados, a reviewed spreadsheet). An exact match on the
normalised source text (:func:`memory_key`: markup removed, Unicode NFC, case folded,
whitespace collapsed) gives that translation, status ``tm``, before any machine is asked.

TMX (https://www.gala-global.org/tmx-14b): each ``<tu>`` holds one ``<tuv xml:lang="..">`` per
language with its text in ``<seg>``; the source language is ``source_language`` when given,
else the unit's own ``srclang``, else the header's (``*all*`` names none). Inline codes inside
a segment (``<bpt>``, ``<ept>``, ``<ph>``, ``<it>``, ``<ut>``) hold the original document's
formatting, not text, and are left out; ``<hi>`` and ``<sub>`` hold text and are kept.
Parsed with defusedxml.

CSV: two columns, source text then target text; comma, semicolon or tab separated; UTF-8
(with or without BOM). A first row naming the two languages (``fi,en``) or ``source,target``
is a header. The languages come from that header or from ``source_language`` and
``target_language``.

    memory = read_memory("glossary.tmx")
    memory.entries[0].source_language, memory.entries[0].target_text
    # -> ('fi', 'expert by experience')
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litrev.extract.errors import ParseError
from litrev.extract.normalize import clean_text

_SPACE = re.compile(r"\s+")
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_INLINE_CODES = {"bpt", "ept", "ph", "it", "ut"}
_HEADER_WORDS = {"source", "target", "src", "tgt", "original", "translation", "source_text",
                 "target_text"}


class MemoryFileError(ParseError):
    """A translation memory file cannot be read as TMX or two-column CSV."""


@dataclass(frozen=True)
class MemoryEntry:
    source_language: str
    target_language: str
    source_text: str
    target_text: str

    @property
    def key(self) -> str:
        return memory_key(self.source_text)


@dataclass(frozen=True)
class MemoryFile:
    entries: tuple[MemoryEntry, ...]
    origin: str          # the file name and, for TMX, the header's creationtool and note
    skipped: int = 0     # units without a usable source/target pair


def normalize_for_match(text: str) -> str:
    """The form two texts must share to match: markup removed, NFC, case folded, one space."""
    text = unicodedata.normalize("NFC", clean_text(text))
    return _SPACE.sub(" ", text.casefold()).strip()


def memory_key(text: str) -> str:
    """Hash of :func:`normalize_for_match`; keys ``translation_memory.source_hash``.

    >>> memory_key("Kokemusasiantuntija  ") == memory_key("KOKEMUSASIANTUNTIJA")
    True
    """
    return hashlib.sha256(normalize_for_match(text).encode("utf-8")).hexdigest()


def language_code(tag: str | None) -> str | None:
    """The primary subtag of a language tag, lower case: ``fi-FI`` -> ``fi``; else None."""
    if not tag:
        return None
    primary = re.split(r"[-_]", tag.strip(), maxsplit=1)[0].lower()
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


def _segment_text(seg: Any) -> str:
    parts = [seg.text or ""]
    for child in seg:
        tag = child.tag.rsplit("}", 1)[-1]
        if tag not in _INLINE_CODES:
            parts.append(_segment_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def read_tmx(path: str | Path, *, source_language: str | None = None) -> MemoryFile:
    """Every (source, target) pair of a TMX 1.4 file, for every target language in it."""
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    path = Path(path)
    try:
        root = ElementTree.parse(path).getroot()
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise MemoryFileError(f"{path.name}: not a readable TMX file ({exc}); export it again "
                              "as TMX 1.4 from your translation tool") from None
    except OSError as exc:
        raise MemoryFileError(f"{path}: cannot read it ({exc.strerror}); check the path") \
            from None
    if root.tag.rsplit("}", 1)[-1] != "tmx":
        raise MemoryFileError(f"{path.name}: the root element is <{root.tag}>, not <tmx>; "
                              "export the memory as TMX 1.4")
    header = root.find("header")
    header = header if header is not None else root.makeelement("header", {})
    forced = language_code(source_language)
    header_src = language_code(header.get("srclang"))
    label = [path.name]
    tool = " ".join(v for v in (header.get("creationtool"), header.get("creationtoolversion"))
                    if v)
    if tool:
        label.append(f"creationtool {tool}")
    note = header.find("note")
    if note is not None and (note.text or "").strip():
        label.append(f"note: {_SPACE.sub(' ', note.text.strip())}")
    entries, skipped, no_source_language = [], 0, 0
    for tu in root.iter("tu"):
        src = forced or language_code(tu.get("srclang")) or header_src
        if src is None:
            no_source_language += 1
            continue
        texts: dict[str, str] = {}
        for tuv in tu.findall("tuv"):
            lang = language_code(tuv.get(_XML_LANG) or tuv.get("lang"))
            seg = tuv.find("seg")
            if lang and seg is not None:
                text = clean_text(_segment_text(seg))
                if text:
                    texts.setdefault(lang, text)
        source = texts.pop(src, None)
        if not source or not texts:
            skipped += 1
            continue
        for lang, target in texts.items():
            entries.append(MemoryEntry(src, lang, source, target))
    if no_source_language and not entries:
        raise MemoryFileError(f"{path.name}: the header's srclang is "
                              f"{header.get('srclang')!r} and its units name none; pass "
                              "--source-lang to say which language the source texts are in")
    return MemoryFile(tuple(entries), "; ".join(label), skipped + no_source_language)


def read_csv(path: str | Path, *, source_language: str | None = None,
             target_language: str | None = None) -> MemoryFile:
    """Pairs from a two-column CSV file (source text, target text)."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise MemoryFileError(f"{path.name}: not UTF-8 text; save the CSV as UTF-8 and retry") \
            from None
    except OSError as exc:
        raise MemoryFileError(f"{path}: cannot read it ({exc.strerror}); check the path") \
            from None
    try:
        dialect = csv.Sniffer().sniff(raw[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = [r for r in csv.reader(io.StringIO(raw), dialect) if any(c.strip() for c in r)]
    src, tgt = language_code(source_language), language_code(target_language)
    if rows:
        first = [c.strip().casefold() for c in rows[0][:2]]
        header_langs = [language_code(c) if len(c) <= 5 else None for c in first]
        if len(first) == 2 and all(header_langs):
            src, tgt = src or header_langs[0], tgt or header_langs[1]
            rows = rows[1:]
        elif len(first) == 2 and set(first) <= _HEADER_WORDS:
            rows = rows[1:]
    if not src or not tgt:
        raise MemoryFileError(f"{path.name}: say which languages the two columns are in with "
                              "--source-lang and --target-lang (or a header row such as fi,en)")
    entries, skipped = [], 0
    for row in rows:
        if len(row) < 2:
            skipped += 1
            continue
        source, target = clean_text(row[0]), clean_text(row[1])
        if not source or not target:
            skipped += 1
            continue
        entries.append(MemoryEntry(src, tgt, source, target))
    return MemoryFile(tuple(entries), path.name, skipped)


def read_memory(path: str | Path, *, source_language: str | None = None,
                target_language: str | None = None) -> MemoryFile:
    """A TMX (``.tmx``) or CSV (any other name) translation memory."""
    path = Path(path)
    if not path.exists():
        raise MemoryFileError(f"{path}: no such file; check the path of the memory to import")
    if path.suffix.lower() == ".tmx":
        return read_tmx(path, source_language=source_language)
    return read_csv(path, source_language=source_language, target_language=target_language)
