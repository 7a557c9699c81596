"""The decision for one text: the detectors' weighted vote, the Swedish/Norwegian/Danish cues,
the metadata hint, and abstaining (``und``) when unsure.

Why four detectors: each of langdetect, lingua, fastText and heliport alone trips on some real
texts (capitalised titles, short Scandinavian titles, a Norwegian sentence read as Danish), and
they trip on *different* texts. The decision is a cascade that stays fast on abstracts:

1. fastText (``lid.176.ftz``, tens of microseconds per text) and heliport (HeLI-OTS 2.0, limited
   to the 75 languages litrev reports) propose languages on the prepared sample
   (:func:`.text.sample`). heliport counts twice (:data:`WEIGHTS`): it is the strongest of the
   four on short titles and close relatives. When the two agree on a text of some length (most
   abstracts), that settles it.
2. Otherwise lingua, restricted to the candidate languages (the profile's, else the proposals
   and their close relatives, e.g. sv/no/da, fi/et, es/pt/ca/gl), gives its opinion.
3. langdetect (seeded, limited to the same languages through its prior map) is asked only when
   the others disagree or are unsure: it is the slowest (about 1 ms per text) and its
   probabilities are nearly always 1.0, so it serves as the tie-breaker.
4. Swedish, Norwegian and Danish: when the leading language is one of these, another of them
   has at least 5%, and the call is under 0.9 on a text of at most 400 characters, the cues of
   :mod:`.scandinavian` are weighed. Cues that favour one language by a clear margin multiply
   each language's probability by ``exp(cue score)``; cues that lean against the detectors
   without that margin make it ``und``; weak cues that agree with the detectors change nothing.
5. The metadata language is a prior: it tips a short, ambiguous text its way but never
   overrides a text that clearly reads otherwise.

:data:`LIGHT` (``litrev detect``) skips heliport in step 1 when fastText alone is sure (0.9) of a
language outside sv/no/da and their neighbours on a text of 40 letters or more, so a sentence
is detected without loading heliport's 0.9 GB model; lingua then gives the second opinion.

A text with too few letters, or on which the detectors do not agree well enough (a short text
needs the detectors holding half the weight to name the winner first), is ``und``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from litrev.extract.language import detectors, scandinavian
from litrev.extract.language.codes import UNDETERMINED
from litrev.extract.language.detectors import Distribution, normalised
from litrev.extract.language.results import Detection
from litrev.extract.language.text import MIN_LETTERS, SAMPLE_CHARS, count_letters, sample

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
# Prior odds a metadata hint gives its language over any other (metadata is right ~4 times in 5).
HINT_PRIOR_ODDS = 4.0

# Swedish, Norwegian and Danish: when the detectors hesitate between them on a short text, the
# spelling, grammar and word-frequency cues of :mod:`.scandinavian` are weighed as well.
SCANDINAVIAN = frozenset(scandinavian.LANGUAGES)
# Only texts up to this long (characters) and calls under this confidence get the cues: longer
# texts give the detectors enough to read, and a confident call is left alone (and stays fast).
CUE_MAX_CHARS = 400
CUE_UNSURE_BELOW = 0.9
# A neighbour with at least this probability makes the call a Scandinavian doubt.
CUE_MIN_RIVAL = 0.05
# The cue evidence one language needs over the next (in summed cue weights, about two
# distinctive words or endings) to settle the text; with less, a hesitant call is "und".
CUE_MIN_MARGIN = 2.0

# heliport is asked unless fastText names a language outside these at this probability on a
# text of SHORT_LETTERS letters or more: it is the judge of short texts and close relatives.
LAZY_HELIPORT_CONFIDENCE = 0.9

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
# The languages for which heliport is always asked: Swedish, Norwegian and Danish and their
# neighbours (where it is the strongest of the four detectors).
HELIPORT_NEEDED = RELATED[0]


@dataclass(frozen=True)
class Method:
    """Which pieces the decision uses; :data:`SHIPPED` is what ``detect`` runs.

    The bench (``bench/language.py``) builds the other rows of its ablation table from this.
    """

    detectors: tuple[str, ...] = ("fasttext", "heliport", "lingua", "langdetect")
    normalise: bool = True
    cascade: bool = True   # ask langdetect only when the other detectors disagree or are unsure
    abstain: bool = True   # answer "und" when unsure (off: always name the best language)
    split_mixed: bool = True
    sample_chars: int | None = SAMPLE_CHARS  # None: the detectors read the whole text
    scandinavian_cues: bool = True  # weigh sv/no/da spelling cues when the detectors hesitate
    # with the cascade: ask heliport only when fastText is unsure or names a close relative
    # (:data:`LIGHT`)
    lazy_heliport: bool = False


SHIPPED = Method()
# The shipped method with heliport asked only when fastText is unsure, the text is short or
# fastText names Swedish, Norwegian, Danish or a neighbour: for a few texts in a fresh process
# (``litrev detect``), where loading heliport's model (0.9 GB, 1.25 s) costs more than the whole
# detection. It names the same language as SHIPPED on every labelled text (bench/language.py
# compares them text by text); its confidence differs where heliport was not asked. A batch
# (the harvest) uses SHIPPED: there heliport, once loaded, is cheaper per text than the lingua
# call that replaces it.
LIGHT = Method(lazy_heliport=True)
LANGDETECT_ONLY = Method(detectors=("langdetect",), normalise=False, cascade=False,
                         abstain=False, split_mixed=False, sample_chars=None,
                         scandinavian_cues=False)


def top(dist: Distribution) -> tuple[str | None, float]:
    """The most probable language and its probability; ties break the same way always."""
    if not dist:
        return None, 0.0
    p = max(dist.values())
    return min(k for k, v in dist.items() if v == p), p


def _lingua_languages(allowed: frozenset[str] | None, proposals: Distribution,
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


def _vote(sample_: str, letters: int, allowed: frozenset[str] | None, hint: str | None,
          method: Method) -> tuple[Distribution, list[str], list[str | None]]:
    """Weighted average of the detectors' distributions; returns (combined, detectors used,
    their tops). ``letters``: how many letters ``sample_`` holds.

    With ``method.cascade``, the slower detectors are asked only while the text is unsettled:
    fastText and heliport agreeing on a text of some length settle it (most abstracts), then
    lingua joins, then langdetect.
    """
    dists: dict[str, Distribution] = {}
    names = method.detectors
    if "fasttext" in names:
        dists["fasttext"] = normalised(detectors.fasttext(sample_, allowed))
    if "heliport" in names and not (method.cascade and method.lazy_heliport
                                    and _clear_without_heliport(letters, dists)):
        dists["heliport"] = detectors.heliport(sample_, allowed)
    settled = method.cascade and _settled(letters, dists)
    if "lingua" in names and not settled:
        proposals = _average(dists.items()) if dists else None
        if proposals is None and allowed is None:
            # lingua over all its 75 languages is slow: it weighs what another detector proposes
            if "langdetect" in names:
                dists["langdetect"] = normalised(detectors.langdetect(sample_, allowed))
            proposals = dists.get("langdetect") or normalised(detectors.fasttext(sample_, None))
        dists["lingua"] = normalised(
            detectors.lingua(sample_, _lingua_languages(allowed, proposals or {}, hint)))
        settled = method.cascade and _settled(letters, dists)
    if "langdetect" in names and "langdetect" not in dists and not settled:
        dists["langdetect"] = normalised(detectors.langdetect(sample_, allowed))
    used = [name for name, d in dists.items() if d]
    return _average(dists.items()), used, [top(dists[n])[0] for n in used]


def _clear_without_heliport(letters: int, dists: dict[str, Distribution]) -> bool:
    """True when fastText alone names, at :data:`LAZY_HELIPORT_CONFIDENCE`, a language
    heliport is not needed for (:data:`HELIPORT_NEEDED`), on a text long enough to trust it:
    heliport's model (0.9 GB, 1.25 s to load) is then not consulted, and lingua confirms."""
    fast = dists.get("fasttext")
    if not fast or letters < SHORT_LETTERS:
        return False
    best, p = top(fast)
    return p >= LAZY_HELIPORT_CONFIDENCE and best not in HELIPORT_NEEDED


def _settled(letters: int, dists: dict[str, Distribution]) -> bool:
    """True when two or more detectors name the same language at ``AGREEMENT_CONFIDENCE``
    on a text of ``letters`` letters, long enough to trust them (short texts always hear every
    detector)."""
    if len(dists) < 2 or letters < SHORT_LETTERS:
        return False
    tops = {top(d)[0] for d in dists.values() if d}
    return len(tops) == 1 and top(_average(dists.items()))[1] >= AGREEMENT_CONFIDENCE


def _average(dists: Iterable[tuple[str, Distribution]]) -> Distribution:
    """The detectors' distributions averaged with their :data:`WEIGHTS`."""
    weighted = [(WEIGHTS.get(name, 1.0), d) for name, d in dists if d]
    if not weighted:
        return {}
    total = sum(w for w, _ in weighted)
    out: Distribution = {}
    for w, d in weighted:
        for k in sorted(d):
            out[k] = out.get(k, 0.0) + w * d[k] / total
    return out


def _with_hint(dist: Distribution, hint: str | None) -> Distribution:
    if not hint or not dist:
        return dist
    return normalised({k: v * (HINT_PRIOR_ODDS if k == hint else 1.0) for k, v in dist.items()})


def _scandinavian_doubt(text: str, combined: Distribution, method: Method) -> bool:
    """True when a short text's leader is one of sv/no/da, the call is unsure, and another of
    the three is a real rival (at least ``CUE_MIN_RIVAL``)."""
    if not method.scandinavian_cues or len(text) > CUE_MAX_CHARS:
        return False
    best, p = top(combined)
    return (best in SCANDINAVIAN and p < CUE_UNSURE_BELOW
            and any(combined.get(k, 0.0) >= CUE_MIN_RIVAL for k in SCANDINAVIAN - {best}))


def _with_cues(sample_: str, combined: Distribution) -> tuple[Distribution, bool] | None:
    """``combined`` reweighed by the Scandinavian cues and whether they are decisive; None
    when the cues do not favour the reweighed winner over both other languages.

    Each language's probability is multiplied by ``exp(cue score)`` (the cue weights are
    log-likelihood ratios), so strong detector odds can still outweigh a weak cue. The cues are
    decisive when their best language leads the next by ``CUE_MIN_MARGIN`` and wins.
    """
    scores = scandinavian.cues(sample_)
    if not any(scores.values()):
        return None
    reweighed = normalised({k: v * (math.exp(scores[k]) if k in scores else 1.0)
                            for k, v in combined.items()})
    winner = top(reweighed)[0]
    if winner is None or scores.get(winner, 0.0) <= max(
            scores[k] for k in SCANDINAVIAN if k != winner):
        return None  # the cues do not tell the winner from its neighbours (no or da: "og")
    ranked = sorted(SCANDINAVIAN, key=lambda k: (-scores[k], k))
    decisive = (scores[ranked[0]] - scores[ranked[1]] >= CUE_MIN_MARGIN
                and winner == ranked[0])
    return reweighed, decisive


def _backing(best: str | None, used: list[str], tops: list[str | None]) -> float:
    """The share of the detectors' weight (:data:`WEIGHTS`) whose own first choice is ``best``."""
    weights = [WEIGHTS.get(name, 1.0) for name in used]
    return sum(w for w, first in zip(weights, tops, strict=True) if first == best) / sum(weights)


def decide(text: str, allowed: frozenset[str] | None, hint: str | None, method: Method
           ) -> Detection:
    """The language of one cleaned text read as a whole (no mixed-text split)."""
    sample_ = sample(text, normalise=method.normalise, chars=method.sample_chars)
    if allowed is not None and hint is not None and hint not in allowed:
        allowed = allowed | {hint}  # the metadata names a language: let it be weighed
    letters = count_letters(sample_)
    if letters < MIN_LETTERS:
        if hint:
            return Detection(hint, 0.5, "hint")
        return Detection(UNDETERMINED, 0.0, "too-short")
    combined, used, tops = _vote(sample_, letters, allowed, hint, method)
    if not combined:
        return Detection(hint, 0.5, "hint") if hint else Detection(UNDETERMINED, 0.0, "ambiguous")
    name = used[0] if len(used) == 1 else "ensemble"
    cued = False
    weighed = _with_cues(sample_, combined) if _scandinavian_doubt(text, combined, method) \
        else None
    if weighed is not None:
        reweighed, cued = weighed
        if top(reweighed)[0] != top(combined)[0] and not cued and not hint:
            # the cues lean against the detectors, but too weakly to settle it
            return Detection(UNDETERMINED, 0.0, "ambiguous")
        if cued:  # decisive cues confirm or overrule; weak ones leave the detectors' call
            combined, name = reweighed, f"{name}+cues"
    best, p = top(combined)
    best_h, p_h = top(_with_hint(combined, hint))
    if hint and best_h == hint:
        return Detection(hint, p_h, "hint+detector")
    if method.abstain:
        # a short text needs the detectors holding half the weight to name it first, or the
        # Scandinavian cues to settle it
        agree = cued or _backing(best, used, tops) >= AGREEMENT_SHARE
        short = letters < SHORT_LETTERS
        if p < (SHORT_MIN_CONFIDENCE if short else MIN_CONFIDENCE) or (short and not agree):
            return Detection(UNDETERMINED, 0.0, "ambiguous")
    if best is None:
        return Detection(UNDETERMINED, 0.0, "ambiguous")
    return Detection(best, p, name)


__all__ = ["CUE_MAX_CHARS", "HELIPORT_NEEDED", "LANGDETECT_ONLY", "LAZY_HELIPORT_CONFIDENCE",
           "LIGHT", "SCANDINAVIAN", "SHIPPED", "SHORT_MIN_CONFIDENCE",
           "WEIGHTS", "Method", "decide", "top"]
