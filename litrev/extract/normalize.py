"""Normalisation and stable ids.

Why: the same work reaches us from several sources with differently written DOIs and titles;
stable ids make a re-run and a second source merge into the same rows instead of duplicating.

    >>> normalize_doi(" DOI: https://doi.org/10.1177/0020764020904764 ")
    '10.1177/0020764020904764'
    >>> work_id(doi="10.1177/0020764020904764")
    'doi:10.1177/0020764020904764'
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata

_DOI_PREFIXES = re.compile(
    r"^(?:doi:\s*|https?://(?:dx\.)?doi\.org/|(?:dx\.)?doi\.org/)", re.IGNORECASE
)
# "10." + registrant + "/" + a suffix that starts with a visible character.
_DOI_SHAPE = re.compile(r"^10\.\d+(?:\.\d+)*/\S.*$")
_BROKEN_AFTER_HYPHEN = re.compile(r"-\s+")
# A DOI inside a text; a break after a hyphen (PDF line ends) is bridged.
_DOI_IN_TEXT = re.compile(r"\b10\.\d{4,9}(?:\.\d+)*/(?:[^\s]*-\s+)*[^\s]*[^\s.;,)\]]")
# Markup, not prose: a comment, a processing instruction, CDATA brackets, a closing tag, or an
# opening tag whose name is a known HTML/JATS/MathML element or carries a namespace prefix
# ("jats:p", "mml:mi") and whose attributes, if any, are name=value pairs, or any element with
# at least one name=value attribute. Angle brackets of prose ("1 < 2 > 0", "p<0.05 and q>3",
# "a <b and c> d") are text and stay.
_MARKUP_NAMES = (
    "a|abbr|abstract|abstracttext|addr-line|aff|alt-title|article-title|b|bdi|bdo|big|blockquote|"
    "bold|br|caption|center|chem-struct|cite|code|col|colgroup|dd|del|dfn|disp-formula|disp-quote|"
    "div|dl|dt|em|email|ext-link|fn|font|h[1-6]|hr|i|img|inline-formula|inline-graphic|ins|italic|"
    "kbd|label|li|list|list-item|mark|math|mi|mn|mo|monospace|mrow|ms|msub|msup|mtext|named-content|"
    "ol|overline|p|pre|q|roman|ruby|s|samp|sans-serif|sc|sec|small|span|strike|strong|styled-content|"
    "sub|sup|table|tbody|td|tex-math|tfoot|th|thead|title|tr|tt|u|ul|underline|uri|var|wbr|xref"
)
_ATTRIBUTE = r"""\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>]+)"""
_TAG = re.compile(
    r"<!--.*?-->|<\?.*?\?>|<!\[CDATA\[|\]\]>|</[A-Za-z][\w:.-]*\s*>"
    rf"|<(?:{_MARKUP_NAMES}|[A-Za-z][\w.-]*:[A-Za-z][\w.-]*)(?:{_ATTRIBUTE})*\s*/?>"
    rf"|<[A-Za-z][\w:.-]*(?:{_ATTRIBUTE})+\s*/?>",
    re.IGNORECASE | re.DOTALL,
)
_SPACE = re.compile(r"\s+")
# what a title fingerprint drops: everything but letters and digits. After NFKD, accents are
# combining marks, which are not alphanumeric, so one pass removes them with the punctuation
# (tests/test_normalize.py checks this against str.isalnum and unicodedata.combining for every
# code point).
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")
_BLOCK_TAGS = re.compile(
    r"</?(?:jats:)?(?:p|sec|title|br|div|li|list|list-item|abstract|AbstractText)\b[^>]*>",
    re.IGNORECASE,
)


def normalize_doi(value: str | None) -> str | None:
    """Lower-case DOI without resolver prefix, or ``None`` when the value is not a DOI.

    A DOI with an inner space (seen in real PSYNDEX exports) is kept with the space removed only
    at the ends; an inner space makes it unresolvable, so it is returned as written, except a
    space after a hyphen, where text extraction broke a line ("10.1007/s11126- 017-9534-7").
    A DOI cut short at such a break ("10.1007/s11126-") is no DOI: it would merge every work
    whose DOI starts so.
    """
    if value is None:
        return None
    text = str(value).strip()
    while prefix := _DOI_PREFIXES.match(text):  # stacked: "doi: https://doi.org/..."
        text = text[prefix.end():].strip()
    text = text.rstrip(".;,")
    if "-" in text:
        text = _BROKEN_AFTER_HYPHEN.sub("-", text)
    if not _DOI_SHAPE.match(text) or text.endswith(("-", "/")):
        return None  # not a DOI, or one cut short ("10.1007/s11126-": a broken line)
    return text.lower()


def find_doi(text: str | None) -> str | None:
    """The DOI written in a reference-list entry, joined where text extraction broke it after a
    hyphen; None when there is none.

    >>> find_doi("Psychiatr Q. (2017) 89(2):293-305. doi: 10.1007/s11126- 017-9534-7")
    '10.1007/s11126-017-9534-7'
    """
    match = _DOI_IN_TEXT.search(text or "")
    return normalize_doi(match.group(0)) if match else None


def clean_text(text: str | None) -> str:
    """Strip markup (JATS, HTML) and decode entities; collapse whitespace. Nothing else changes."""
    if not text:
        return ""
    out = text
    if "<" in out:
        out = _TAG.sub("", _BLOCK_TAGS.sub(" ", out))
    if "&" in out:
        out = html.unescape(out)
    if _is_tidy(out):
        return out
    return " ".join(out.split())


def _is_tidy(text: str) -> bool:
    """True when ``text`` has no whitespace but single plain spaces between words (the common
    case: checking is far cheaper than splitting and joining a long abstract)."""
    if "  " in text or text[:1] == " " or text[-1:] == " ":
        return False
    if text.isascii():  # ASCII's other whitespace, each found by a fast substring scan
        return not ("\n" in text or "\t" in text or "\r" in text or "\x0b" in text
                    or "\x0c" in text or "\x1c" in text or "\x1d" in text or "\x1e" in text
                    or "\x1f" in text)
    return text.isprintable()  # printable text has no whitespace but the plain space


def title_fingerprint(title: str) -> str:
    """Accent-, case- and punctuation-free form of a title, for matching works without ids.

    >>> title_fingerprint("Vertaistyö <i>mielenterveys</i>-palveluissa: 2. painos")
    'vertaistyomielenterveyspalveluissa2painos'
    """
    decomposed = unicodedata.normalize("NFKD", clean_text(title).casefold())
    return _NOT_LETTER_OR_DIGIT.sub("", decomposed)


def short_hash(*parts: object, length: int = 16) -> str:
    joined = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:length]


def work_id(*, doi: str | None = None, openalex_id: str | None = None, s2_id: str | None = None,
            pmid: str | None = None, urn: str | None = None, handle: str | None = None,
            title: str | None = None, year: int | None = None) -> str:
    """Stable work id: DOI, else a source id, else a title fingerprint plus year."""
    doi = normalize_doi(doi)
    if doi:
        return f"doi:{doi}"
    for prefix, value in (("openalex", openalex_id), ("s2", s2_id), ("pmid", pmid),
                          ("urn", urn), ("handle", handle)):
        if value:
            value = str(value).strip()
            if prefix == "openalex":
                value = value.rsplit("/", 1)[-1].upper()
            return f"{prefix}:{value}"
    if title and title_fingerprint(title):
        return f"title:{short_hash(title_fingerprint(title), year or '')}"
    raise ValueError("a work needs a DOI, a source id or a title to get a stable id")


def text_hash(text: str) -> str:
    """Hash of a text as stored (after :func:`clean_text`); keys translations and caches."""
    return hashlib.sha256(clean_text(text).encode("utf-8")).hexdigest()


def excerpt_id(work_id: str, kind: str, cited_work_id: str | None, text: str) -> str:
    """Hash of work, kind, cited work and the whitespace/case-normalised text."""
    norm = clean_text(text).casefold()  # whitespace already collapsed
    return "x" + short_hash(work_id, kind, cited_work_id or "", norm, length=20)
