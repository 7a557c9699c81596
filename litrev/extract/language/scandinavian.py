"""Orthographic and morphological evidence that tells Swedish, Norwegian and Danish apart.

Why: the three are close enough that statistical detectors trained on character n-grams split
their votes on short texts (a title such as "en studie av friluftsaktiviteter bland ungdomar"
reads as Norwegian to fastText, lingua and langdetect alike), yet their written standards differ
in ways every grammar of them documents:

* letters: Swedish ``ä ö`` against Norwegian and Danish ``æ ø``; Swedish ``ck`` (``tack``)
  against ``kk``/``k``; Norwegian/Danish ``hv-`` (``hva``, ``hvad``) against Swedish ``v-``
  (``vad``); Norwegian ``kj-``/``øy`` (``kjøre``, ``høy``; Danish ``køre``, ``høj``);
* function words: sv ``och inte också av bland för från till att jag`` against no ``og ikke også
  av blant for fra til å jeg meg`` against da ``og ikke også af blandt for fra til at jeg mig``,
  and the Nynorsk forms (``ikkje eg ein frå kva``);
* endings: Swedish plural and definite plural ``-ar -arna -orna -erna`` (a weak cue alone:
  Nynorsk plurals and loans such as ``seminar`` end in ``-ar`` too), past ``-ade``,
  participle ``-ande``, adjective ``-liga``; Norwegian definite plural ``-ene`` and loan suffix
  ``-sjon``; Danish definite plural ``-erne``, past ``-ede``, ``-hed`` and ``-skab``.

* word frequencies: any other word counts by how much more frequent it is in one language
  than in the others, from wordfreq's lists built on large corpora (``fyra`` Zipf 5.4 in
  Swedish, 2.1 in Norwegian; ``ungdomar`` 4.8 in Swedish, absent from both others); a word
  none of the lists knows ("friluftsaktiviteter") falls back to its letters and ending.

Each cue names the languages it points to and a weight (a log-likelihood ratio, roughly);
:func:`cues` adds them up per language, one cue per word, so the answer reflects the weight of
the evidence, not one word. The detectors' decision in :mod:`.voting` uses it only for
short texts where the detectors hesitate between these three languages.

    >>> scores = cues("en studie av friluftsaktiviteter bland ungdomar")
    >>> max(scores, key=scores.get)
    'sv'
    >>> cues("Vi sender deg de batteriene du trenger")["no"] > 0
    True
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

LANGUAGES = ("sv", "no", "da")

_SV, _NO, _DA = frozenset({"sv"}), frozenset({"no"}), frozenset({"da"})
_SV_NO, _SV_DA, _NO_DA = frozenset({"sv", "no"}), frozenset({"sv", "da"}), frozenset({"no", "da"})

# Words whose spelling belongs to one or two of the three standards: (languages, weight).
_WORDS: dict[str, tuple[frozenset[str], float]] = {}


def _add(words: str, langs: frozenset[str], weight: float) -> None:
    for word in words.split():
        _WORDS[word] = (langs, weight)


_add("och inte också även från för är att till vid hur jag honom hon någon några något mycket "
     "mellan genom sedan utan upp när hade deras vara alla andra bland ej sina skall icke "
     "bara eller åt än här där detta dessa vilka vilken sådana kunna", _SV, 1.5)
_add("ett ska", _SV, 0.7)
_add("av mot ut mer vår sitt", _SV_NO, 0.7)
_add("efter blev mig dig sig nu samt sådan", _SV_DA, 1.0)
_add("og ikke også fra til jeg hvor hvordan mellom ved er skal vil hun ham være alle andre "
     "deres fordi hvis bare kun uten opp når denne disse hvilke", _NO_DA, 1.0)
_add("for", _NO_DA, 0.7)
_add("blant hva meg deg seg ble etter nå gjennom mye noen noe å hadde enn slik", _NO, 1.5)
_add("ikkje eg ein eit frå korleis kva berre òg dei vere vera ho mykje noko nokon kvar sjølv "
     "hjå", _NO, 1.5)
_add("af blandt hvad nogle nogen meget bliver vores hendes mod ud op havde end selv", _DA, 1.5)

# Endings of content words (checked on words of at least 5 letters, longest ending first).
_ENDINGS: tuple[tuple[str, frozenset[str], float], ...] = (
    ("arna", _SV, 1.5), ("orna", _SV, 1.5), ("erna", _SV, 1.5), ("erne", _DA, 1.5),
    ("sjoner", _NO, 1.5), ("sjonen", _NO, 1.5), ("sjon", _NO, 1.5),
    ("tioner", _SV_DA, 1.0), ("tionen", _SV_DA, 1.0), ("tion", _SV_DA, 1.0),
    ("liga", _SV, 1.0), ("ande", _SV, 1.0), ("ende", _NO_DA, 0.5), ("ade", _SV, 1.0),
    ("ede", _DA, 1.0), ("ene", _NO, 1.0), ("hed", _DA, 1.0), ("heden", _DA, 1.0),
    ("skab", _DA, 1.0), ("skabet", _DA, 1.0), ("het", _SV_NO, 0.5), ("skap", _SV_NO, 0.5),
    ("ar", _SV, 0.7),
)
_ENDINGS = tuple(sorted(_ENDINGS, key=lambda e: -len(e[0])))

_WORD = re.compile(r"[^\W\d_]+")


def _word_cue(word: str) -> tuple[frozenset[str], float] | None:
    """The strongest cue one (lower-cased) word carries, or None."""
    if word in _WORDS:
        return _WORDS[word]
    if "ä" in word or "ö" in word:
        return _SV, 2.0
    if "æ" in word or "ø" in word:
        return (_NO, 2.0) if "øy" in word else (_NO_DA, 2.0)
    if "ck" in word:
        return _SV, 1.0
    if word.startswith("hv"):
        return _NO_DA, 1.0
    if word.startswith("kj"):  # kjenne, kjøre, kjøpe (da kende, køre, købe; but da "kjole")
        return _NO, 0.7
    if len(word) >= 5:
        for ending, langs, weight in _ENDINGS:
            if word.endswith(ending):
                return langs, weight
    return None


# Word frequencies (wordfreq's "small" lists, alike in size for the three: ~30,000 words each,
# down to a Zipf value of 3, one in a million words). A word much more frequent in one language
# than in another is evidence for it ("fyra": sv 5.4, nb 2.1 against "fire": nb 5.5, sv 3.7).
_FREQ_LISTS = {"sv": "sv", "no": "nb", "da": "da", "en": "en"}
_ZIPF_FLOOR = 3.0
# One word is worth at most this much (in Zipf units, used as cue weight): words are not
# independent evidence, and a single loan or name must not decide a text.
_FREQ_CAP = 2.0


@lru_cache(maxsize=1)
def _zipf_tables() -> dict[str, dict[str, float]]:
    import wordfreq

    return {lang: {w: math.log10(f) + 9 for w, f in
                   wordfreq.get_frequency_dict(code, wordlist="small").items()}
            for lang, code in _FREQ_LISTS.items()}


def _frequency_cue(word: str) -> dict[str, float] | None:
    tables = _zipf_tables()
    zipf = {lang: max(tables[lang].get(word, 0.0), _ZIPF_FLOOR) for lang in LANGUAGES}
    if tables["en"].get(word, 0.0) >= max(zipf.values()):
        return None  # an English word ("high", "street") borrowed unevenly tells nothing
    low = min(zipf.values())
    if max(zipf.values()) == low:
        return None
    return {lang: min(_FREQ_CAP, z - low) for lang, z in zipf.items()}


def cues(text: str) -> dict[str, float]:
    """Summed evidence for each of ``sv``, ``no``, ``da`` in ``text`` (0.0 where none).

    A cue that names two languages counts for both (it still tells them from the third).
    """
    scores = dict.fromkeys(LANGUAGES, 0.0)
    for word in _WORD.findall(text.lower()):
        if word not in _WORDS:
            by_frequency = _frequency_cue(word)
            if by_frequency is not None:
                for lang, weight in by_frequency.items():
                    scores[lang] += weight
                continue
        found = _word_cue(word)
        if found:
            langs, weight = found
            for lang in langs:
                scores[lang] += weight
    return scores


__all__ = ["LANGUAGES", "cues"]
