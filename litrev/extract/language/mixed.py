"""Texts holding two languages in sequence ("Tiivistelmä: ... Abstract: ..."): their runs.

Why: Finnish and Swedish repositories often store an abstract followed by its English version
in one field. Read as a whole such a text is called one language or ``und``; cut at the change
each part is detected, translated and coded on its own. The cut is cheap to rule out: the start
and the end of a text are compared first, and only a text whose ends differ, or that holds an
abstract heading, is cut into sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from litrev.extract.language import detectors
from litrev.extract.language.codes import UNDETERMINED
from litrev.extract.language.results import Part
from litrev.extract.language.text import MIN_LETTERS, count_letters, prepare_clean, sample
from litrev.extract.language.voting import Method, decide, top

# A part of a mixed text must be at least this long (characters) and this sure to count.
MIN_PART_CHARS = 80
MIN_PART_CONFIDENCE = 0.8
# Texts at least this long are checked for a second language (head against tail, headings).
MIXED_CHECK_CHARS = 2 * MIN_PART_CHARS
# The end of a text compared with its start to notice a second language.
TAIL_CHARS = 200
# A sentence shorter than this (characters) joins the run before it whatever its language.
_MIN_SENTENCE_CHARS = 25

# Headings that open the other-language version of an abstract.
_HEADING_WORDS = ("Abstract", "ABSTRACT", "Summary", "SUMMARY", "Tiivistelmä", "TIIVISTELMÄ",
                  "Sammanfattning", "SAMMANFATTNING", "Sammendrag", "Resumé", "Abstrakt",
                  "ABSTRAKT", "Referat", "Zusammenfassung", "ZUSAMMENFASSUNG", "Kurzfassung",
                  "Résumé", "RÉSUMÉ", "Resumen", "Resumo", "Samenvatting", "Kokkuvõte")
_HEADINGS = re.compile(r"(?<!\w)(?:" + "|".join(_HEADING_WORDS) + r")(?=\s*[:.\-–—]|\s+[A-ZÅÄÖÜ])")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)]?\s+(?=[\"“‘(]?[A-ZÅÄÖÜÆØÉ])")


@dataclass
class _Run:
    """Consecutive sentences fastText reads as one language (None: too few letters to read)."""

    lang: str | None
    start: int
    end: int


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
    return top(detectors.normalised(detectors.fasttext(text, allowed)))[0]


def _runs(text: str, allowed: frozenset[str] | None) -> list[_Run]:
    """The text's sentences joined into runs of one language, each run long enough to stand
    alone (a short run joins the run before it; a short first run joins the next)."""
    runs: list[_Run] = []
    for a, b in _segments(text):
        lang = _quick(prepare_clean(text[a:b]), allowed) \
            if count_letters(text[a:b]) >= MIN_LETTERS else None
        if runs and (lang is None or lang == runs[-1].lang or b - a < _MIN_SENTENCE_CHARS):
            runs[-1].end = b
        else:
            runs.append(_Run(lang, a, b))
    merged: list[_Run] = []
    for run in runs:
        if merged and (run.end - run.start < MIN_PART_CHARS or run.lang == merged[-1].lang):
            merged[-1].end = run.end
        else:
            merged.append(run)
    if len(merged) > 1 and merged[0].end - merged[0].start < MIN_PART_CHARS:
        merged[1].start = merged[0].start
        merged.pop(0)
    return merged


def split_mixed(text: str, allowed: frozenset[str] | None, method: Method) -> tuple[Part, ...]:
    """Language runs of a cleaned text holding two or more languages in sequence, else ().

    Each run is decided again as a whole (:func:`.voting.decide`); the split stands only when
    every run is called at :data:`MIN_PART_CONFIDENCE` or more.
    """
    heading_inside = any(word in text for word in _HEADING_WORDS) and any(
        m.start() > MIN_PART_CHARS for m in _HEADINGS.finditer(text))
    if not heading_inside:
        head = sample(text, normalise=method.normalise, chars=method.sample_chars)
        tail = prepare_clean(text[-TAIL_CHARS:]).split(" ", 1)[-1]
        if _quick(head, allowed) == _quick(tail, allowed):
            return ()
    runs = _runs(text, allowed)
    if len(runs) < 2:
        return ()
    parts: list[Part] = []
    for run in runs:
        a, b = run.start, run.end
        decided = decide(text[a:b], allowed, None, method)
        if decided.lang == UNDETERMINED or decided.confidence < MIN_PART_CONFIDENCE:
            return ()
        if parts and parts[-1].lang == decided.lang:
            a = parts.pop().start
        parts.append(Part(decided.lang, decided.confidence, a, b, text[a:b].strip()))
    return tuple(parts) if len(parts) > 1 else ()


__all__ = ["MIN_PART_CHARS", "MIN_PART_CONFIDENCE", "MIXED_CHECK_CHARS", "split_mixed"]
