"""``detect``: the language of one text, or its parts when it holds two languages in sequence."""

from __future__ import annotations

from collections.abc import Sequence

from litrev.extract.language import detectors, text
from litrev.extract.language.codes import MIXED, allowed_codes, normalize_language
from litrev.extract.language.mixed import MIXED_CHECK_CHARS, split_mixed
from litrev.extract.language.results import Detection
from litrev.extract.language.voting import SHIPPED, Method, decide


def detect(raw: str | None, *, candidates: Sequence[str] | None = None, hint: str | None = None,
           method: Method = SHIPPED) -> Detection:
    """Detect the language of one text.

    ``candidates``: the languages the review expects (the profile's ``candidate_languages``);
    None means any language. ``hint``: the language the source's metadata gives, in any usual
    spelling (``fin``, ``en-US``, ``Svenska``).

        >>> detect("Ehe für alle – noch diese Woche").lang
        'de'
        >>> review = ("en", "fi", "sv", "de")
        >>> detect("Relevans och regional genomslagskraft", candidates=review).lang
        'sv'
        >>> detect("OK").method
        'too-short'
    """
    cleaned = text.clean(raw)
    allowed = allowed_codes(candidates)
    if method.split_mixed and len(cleaned) >= MIXED_CHECK_CHARS:
        parts = split_mixed(cleaned, allowed, method)
        if parts:
            return Detection(MIXED, min(p.confidence for p in parts), "mixed", parts)
    return decide(cleaned, allowed, normalize_language(hint), method)


def clear_caches() -> None:
    """Forget cached samples and detector answers (the models stay loaded): benches time cold
    answers, and tests compare answers computed afresh."""
    text.sample.cache_clear()
    detectors.clear_caches()


__all__ = ["clear_caches", "detect"]
