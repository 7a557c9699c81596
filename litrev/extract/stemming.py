"""Words and their stems, per language: the shared ground of theme coding and search.

Why Snowball: it is the family of stemmers DuckDB's fts extension uses (``stem(word,
'finnish')``), so a codebook term and a search query reduce inflected forms the same way:
"kokemusasiantuntijoiden" (genitive plural) and "kokemusasiantuntija" both become
"kokemusasiantuntij". ``extract/`` must not touch DuckDB, hence the ``snowballstemmer``
package here, which runs PyStemmer's C build of the same algorithms (a dependency: the same
stems, many times faster than its pure-Python fallback).

    >>> stem("kokemusasiantuntijoiden", "fi")
    'kokemusasiantuntij'
    >>> [t.text for t in tokenize("EX-IN-Genesungsbegleiterinnen")]
    ['EX', 'IN', 'Genesungsbegleiterinnen']
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache
from typing import Any, NamedTuple

# ISO 639-1 code -> Snowball algorithm name (also the stemmer name DuckDB's fts accepts).
SNOWBALL = {
    "ar": "arabic", "ca": "catalan", "da": "danish", "de": "german", "el": "greek",
    "en": "english", "es": "spanish", "eu": "basque", "fi": "finnish", "fr": "french",
    "ga": "irish", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "it": "italian",
    "lt": "lithuanian", "ne": "nepali", "nl": "dutch", "no": "norwegian", "nb": "norwegian",
    "nn": "norwegian", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian",
    "sv": "swedish", "ta": "tamil", "tr": "turkish",
}
# Languages that write compounds as one word: a term may be the head or the first part of a
# longer word ("Genesungsbegleiter" in "Genesungsbegleiterausbildung").
COMPOUNDING = frozenset({"de", "fi", "sv", "nl", "da", "no", "nb", "nn", "hu"})

# A word: letters and digits (with any combining accents: texts from PDFs and repositories are
# often in decomposed Unicode, "o" + U+0308 for "ö"); hyphens, apostrophes, slashes and
# punctuation split words, so "EX-IN-Genesungsbegleiterinnen" is three words, "sosiaali-ja" two.
_WORD = re.compile(r"(?:[^\W_][\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff]*)+")


class Token(NamedTuple):
    """One word of a text. A named tuple rather than a frozen dataclass: coding makes one per
    word of every excerpt, and a frozen dataclass's ``__init__`` costs several times more."""

    text: str   # as written, in composed Unicode (NFC)
    start: int  # offsets in the text, for snippets and highlighting
    end: int

    @property
    def lower(self) -> str:
        return self.text.casefold()


def tokenize(text: str) -> list[Token]:
    normalize = unicodedata.normalize
    return [Token(word if word.isascii() else normalize("NFC", word), m.start(), m.end())
            for m in _WORD.finditer(text or "") for word in (m.group(0),)]


def words(text: str) -> list[str]:
    """The words of ``text`` as written (not normalised), without their offsets: what theme
    coding reads when it needs no positions. ``fold(w)`` of each is the :attr:`Token.lower`
    of the matching token of :func:`tokenize`.

    Why apart from :func:`tokenize`: coding reads every word of every excerpt, and most are
    words it has seen; a plain list of strings looked up in a cache costs a fraction of
    building a token (offsets, Unicode normalisation, case folding) per word."""
    return _WORD.findall(text or "")


def fold(word: str) -> str:
    """A word as written, in composed Unicode (NFC) and case-folded: :attr:`Token.lower`."""
    return (word if word.isascii() else unicodedata.normalize("NFC", word)).casefold()


@cache
def _stemmer(algorithm: str) -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer(algorithm)


@lru_cache(maxsize=500_000)
def _stem_cached(word: str, algorithm: str) -> str:
    return _stemmer(algorithm).stemWord(word)


def stem(word: str, lang: str | None) -> str:
    """The lower-cased stem of one word; the lower-cased word itself without a stemmer."""
    word = word.casefold()
    algorithm = SNOWBALL.get(lang or "")
    return _stem_cached(word, algorithm) if algorithm else word
