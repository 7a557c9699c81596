"""The text as the detectors read it: markup, URLs, DOIs, numbers and citations removed.

Why: a detector reads ``(24)(25)``, ``[ 62 ]``, ``(Virtanen et al., 2019)``, a DOI or a URL as
words of some language, and reads a title in capitals (``LES CHERCHEURS``) as German. What these
functions return is only ever read by the detectors, never stored or shown.

    >>> prepare("LES CHERCHEURS ALGERIENS (2019) https://x.org/a [ 62 ]")
    'les chercheurs algeriens'
"""

from __future__ import annotations

import re
import string
from functools import lru_cache

from litrev.extract import normalize

# Below this many letters nothing is called without a hint ("OK", "n/a", "Vol.").
MIN_LETTERS = 4
# The part of a long text the detectors read (the start; the end is checked for a second
# language separately): some 25 words, plenty to tell one language, and it keeps lingua fast.
SAMPLE_CHARS = 200
# A bracket with numbers and fewer letters than this (or, with a year, three times this) is a
# citation, not text.
CITATION_MAX_LETTERS = 30

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_DOI = re.compile(r"\b10\.\d{4,9}/\S+")
_BRACKETED_NUMBERS = re.compile(r"[(\[][^()\[\]]{0,80}\d[^()\[\]]{0,80}[)\]]")
_YEAR = re.compile(r"\b(?:1[5-9]|20)\d\d[a-z]?\b")
# Lower-case words a citation bracket may hold; two other lower-case words make it prose.
_CITATION_WORDS = frozenset("et al and und och og ja see cf vgl pp ibid in eg ff".split())
_NUMBERS = re.compile(r"\d+(?:[.,:/–-]\d+)*\s*%?")
_NOT_LETTER = re.compile(r"[\W\d_]+")
WORD = re.compile(r"[^\W\d_]+")
_ASCII_LETTERS = string.ascii_letters.encode("ascii")
_ASCII_CAPITALS = string.ascii_uppercase.encode("ascii")


def clean(text: str | None) -> str:
    """``normalize.clean_text``, quicker for the common text without markup."""
    if not text:
        return ""
    if "<" in text or "&" in text:
        return normalize.clean_text(text)
    return " ".join(text.split())


def prepare(text: str) -> str:
    """The text as the detectors should read it (never stored or shown)."""
    return prepare_clean(normalize.clean_text(text))


def prepare_clean(text: str) -> str:
    """:func:`prepare` of a text that went through ``normalize.clean_text`` already."""
    out = text
    if "://" in out or "www." in out:  # the checks spare abstracts a slow regex pass
        out = _URL.sub(" ", out)
    if "@" in out:
        out = _EMAIL.sub(" ", out)
    if "10." in out:
        out = _DOI.sub(" ", out)
    out = _BRACKETED_NUMBERS.sub(_citation_or_text, out)
    out = _NUMBERS.sub(" ", out)
    if _mostly_capitals(out):
        out = out.lower()
    return " ".join(out.split()).strip("-–—:;,.")


def _mostly_capitals(text: str) -> bool:
    """True when ``text`` has :data:`MIN_LETTERS` letters or more, over 60% of them capitals.
    An ASCII text is counted on its bytes (a tenth of the time of the regular expression)."""
    if text.isascii():
        raw = text.encode("ascii")
        letters = len(raw) - len(raw.translate(None, _ASCII_LETTERS))
        capitals = len(raw) - len(raw.translate(None, _ASCII_CAPITALS))
        return letters >= MIN_LETTERS and capitals > 0.6 * letters
    found = _NOT_LETTER.sub("", text)
    return len(found) >= MIN_LETTERS and sum(map(str.isupper, found)) > 0.6 * len(found)


def _citation_or_text(match: re.Match[str]) -> str:
    """A bracket holding a citation ("(24)", "[ 62 ]", "(Virtanen et al., 2019)") is dropped;
    one holding words ("[3 lettres et 1 carte de visite ...]", a catalogue's bracketed title;
    "(640K RAM is recommended)") is text to read."""
    inside = match.group(0)
    letters = count_letters(inside)
    prose = sum(1 for word in WORD.findall(inside)
                if len(word) > 1 and word.islower() and word not in _CITATION_WORDS)
    if prose < 2 and (letters < CITATION_MAX_LETTERS or (
            _YEAR.search(inside) and letters < 3 * CITATION_MAX_LETTERS)):
        return " "
    return inside


def count_letters(text: str) -> int:
    """How many letters ``text`` holds (digits, punctuation and spaces not counted)."""
    if text.isascii():  # the letters of ASCII are a-z and A-Z
        raw = text.encode("ascii")
        return len(raw) - len(raw.translate(None, _ASCII_LETTERS))
    return len(_NOT_LETTER.sub("", text))


@lru_cache(maxsize=256)
def sample(text: str, *, normalise: bool = True, chars: int | None = SAMPLE_CHARS) -> str:
    """The start of a cleaned text (about ``chars`` long), prepared, cut between words."""
    out = text if chars is None else text[: 2 * chars]
    out = prepare_clean(out) if normalise else out
    if chars is not None and len(out) > chars:
        out = out[:chars].rsplit(" ", 1)[0]
    return out


__all__ = ["CITATION_MAX_LETTERS", "MIN_LETTERS", "SAMPLE_CHARS", "clean", "count_letters",
           "prepare", "prepare_clean", "sample"]
