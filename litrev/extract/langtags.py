"""Language values as sources write them, turned into ISO 639-1 codes (language hints).

Why: repositories disagree on how to write a language: ``eng``, ``en``, ``en_US``, ``fin``,
``Finnish``, ``suomi``. A hint is only useful to the detector and to queries when it has one
form. Values that name no single language (``other``, ``und``, ``mul``, ``zxx``) or a language
without a two-letter code (``oty``, Old Tamil) give ``None``: no hint rather than a wrong one.

    >>> [normalize_language(v) for v in ("eng", "en_US", "fin", "Finnish", "svenska", "other")]
    ['en', 'en', 'fi', 'fi', 'sv', None]
"""

from __future__ import annotations

from functools import lru_cache

import langcodes

# BibTeX (babel/polyglossia) names that are not language names anywhere else.
_BABEL = {"ngerman": "de", "naustrian": "de", "austrian": "de", "nswissgerman": "de",
          "british": "en", "american": "en", "ukenglish": "en", "usenglish": "en",
          "australian": "en", "canadian": "en", "newzealand": "en", "brazil": "pt",
          "brazilian": "pt", "portuges": "pt", "francais": "fr", "acadian": "fr"}
_NOT_A_LANGUAGE = {"und", "mul", "zxx", "mis", "other", "others", "unknown", "n/a", "na", "none"}


@lru_cache(maxsize=512)
def normalize_language(value: str | None) -> str | None:
    """ISO 639-1 code for a language code, locale tag or language name; else ``None``."""
    if value is None:
        return None
    text = str(value).strip().replace("_", "-")
    if not text or text.casefold() in _NOT_A_LANGUAGE:
        return None
    if text.casefold() in _BABEL:
        return _BABEL[text.casefold()]
    try:
        lang = langcodes.Language.get(text).language
    except (langcodes.LanguageTagError, ValueError):
        try:  # a language name in any language: "Finnish", "suomi", "svenska"
            lang = langcodes.find(text).language
        except (LookupError, ModuleNotFoundError):
            return None
    if not lang or lang in _NOT_A_LANGUAGE or len(lang) != 2:
        return None
    return lang
