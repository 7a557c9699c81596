"""Language values turned into ISO 639-1 codes: the one normaliser for sources and detectors.

Why one: repositories write a language as ``eng``, ``en``, ``en_US``, ``fin``, ``Finnish`` or
``suomi``, and the four detectors label theirs as ``__label__sv``, ``swe``, ``NB`` or
``zh-cn``. A hint is only useful to the detector and to queries when it has one form, and a
detector's vote only counts when it names the same code as the others. langcodes knows every
ISO 639-2/3 code, deprecated code and (with language-data) language names in many languages.

Values that name no single language (``other``, ``und``, ``mul``, ``zxx``) or a language without
a two-letter code (``oty``, Old Tamil) give ``None``: no hint rather than a wrong one. Bokmål and
Nynorsk are both ``no``, as langdetect, most metadata and the labelled sets write them.

    >>> [normalize_language(v) for v in ("eng", "en_US", "fin", "Finnish", "svenska", "other")]
    ['en', 'en', 'fi', 'fi', 'sv', None]
    >>> [normalize_language(v) for v in ("nob", "nn", "zh-cn", "iw", "ngerman")]
    ['no', 'no', 'zh', 'he', 'de']
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import langcodes
from langcodes.tag_parser import LanguageTagError

UNDETERMINED = "und"
MIXED = "mul"

# BibTeX (babel/polyglossia) names that are not language names anywhere else.
_BABEL = {"ngerman": "de", "naustrian": "de", "austrian": "de", "nswissgerman": "de",
          "british": "en", "american": "en", "ukenglish": "en", "usenglish": "en",
          "australian": "en", "canadian": "en", "newzealand": "en", "brazil": "pt",
          "brazilian": "pt", "portuges": "pt", "francais": "fr", "acadian": "fr"}
_NOT_A_LANGUAGE = {UNDETERMINED, MIXED, "zxx", "mis", "other", "others", "unknown", "n/a", "na",
                   "none"}
# Codes langcodes gives that litrev reports otherwise: Bokmål and Nynorsk as Norwegian
# (detectors and metadata use all three); Tagalog (``tl``, ``tgl``), which langcodes reads as
# Filipino (``fil``, no two-letter code), as ``tl``.
_REPORTED_AS = {"nb": "no", "nn": "no", "fil": "tl"}
# Serbo-Croatian (fastText's ``sh``, heliport's ``hbs``) stays ``sh``: langcodes reads it as
# Serbian, which would count a Croatian or Bosnian text's votes for Serbian.
_SERBO_CROATIAN = {"sh", "hbs"}


@lru_cache(maxsize=4096)
def normalize_language(value: str | None) -> str | None:
    """ISO 639-1 code for a language code, locale tag, detector label or language name;
    else ``None``."""
    if value is None:
        return None
    text = str(value).strip().replace("_", "-")
    if not text or text.casefold() in _NOT_A_LANGUAGE:
        return None
    if text.casefold() in _BABEL:
        return _BABEL[text.casefold()]
    if text.casefold() in _SERBO_CROATIAN:
        return "sh"
    try:
        lang = langcodes.Language.get(text).language
    except (LanguageTagError, ValueError):
        try:  # a language name in any language: "Finnish", "suomi", "svenska"
            lang = langcodes.find(text).language
        except (LookupError, ModuleNotFoundError):
            return None
    lang = _REPORTED_AS.get(lang or "", lang)
    if not lang or lang in _NOT_A_LANGUAGE or len(lang) != 2:
        return None
    return lang


def allowed_codes(candidates: Iterable[str] | None) -> frozenset[str] | None:
    """The normalised codes of a review's candidate languages; None means any language."""
    if candidates is None:
        return None
    codes = frozenset(c for c in (normalize_language(x) for x in candidates) if c)
    return codes or None


__all__ = ["MIXED", "UNDETERMINED", "allowed_codes", "normalize_language"]
