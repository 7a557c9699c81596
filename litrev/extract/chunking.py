"""Splitting a text at sentence boundaries into pieces a translation provider accepts.

Why: every provider refuses texts over its own limit, and the limit is not always counted in
characters. Google's keyless endpoint (and LibreTranslate and DeepL as deep-translator calls
them) carries the text in the URL, so what counts is the percent-encoded length: ``a`` costs one
byte, ``ä`` six (``%C3%A4``), a comma three. A Finnish abstract of 4,000 characters can be a
5,000-byte query. :func:`split_text` cuts between sentences (then clauses, then words, and only
as a last resort inside a word) so that each piece passes ``fits``, and :func:`join_pieces`
puts the translated pieces back in order with the original separators.

    >>> split_text("Yksi lause. Toinen lause.", lambda s: len(s) <= 13)
    (['Yksi lause.', 'Toinen lause.'], [' '])
    >>> split_text("Yksi lause. Toinen lause.", lambda s: len(s) <= 8)
    (['Yksi', 'lause.', 'Toinen', 'lause.'], [' ', ' ', ' '])
"""

from __future__ import annotations

import re
from collections.abc import Callable

# Abbreviations after which a full stop does not end a sentence (en, fi, sv, de).
_ABBREVIATIONS = frozenset({
    "al", "e.g", "i.e", "eg", "ie", "etc", "vs", "cf", "fig", "figs", "no", "nos", "vol", "pp",
    "ed", "eds", "dr", "prof", "mr", "mrs", "ms", "st", "ca", "approx", "esim", "mm", "ym",
    "yms", "ns", "vrt", "ks", "nk", "jne", "tms", "t.ex", "bl.a", "s.k", "m.m", "z.b", "bzw",
    "vgl", "usw", "u.a", "d.h", "ggf", "nr", "s",
})
_SENTENCE_END = re.compile(r"[.!?…]+[\"”’»)\]]*(\s+)")
_CLAUSE_END = re.compile(r"(?:[;:,]|\s[–—])(\s+)")
_SPACE = re.compile(r"\s+")


def _boundaries(text: str, pattern: re.Pattern, *, sentences: bool) -> list[tuple[int, int]]:
    """(end of piece, start of next piece) for every boundary of ``pattern`` in ``text``."""
    cuts = []
    for m in pattern.finditer(text):
        gap_start, gap_end = m.span(1)
        if gap_end >= len(text):
            continue
        if sentences:
            nxt = text[gap_end]
            if not (nxt.isupper() or nxt.isdigit() or nxt in "\"“‘«([¿¡"):
                continue
            word = text[:m.start()].rsplit(None, 1)[-1] if text[:m.start()].strip() else ""
            word = word.lstrip("(\"“‘«[").casefold()
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue  # "et al. 2020", "esim. Suomessa", "A. Smith"
        cuts.append((gap_start, gap_end))
    return cuts


def _pieces(text: str, cuts: list[tuple[int, int]]) -> tuple[list[str], list[str]]:
    pieces, seps, start = [], [], 0
    for end, nxt in cuts:
        pieces.append(text[start:end])
        seps.append(text[end:nxt])
        start = nxt
    pieces.append(text[start:])
    return pieces, seps


def _pack(pieces: list[str], seps: list[str], fits: Callable[[str], bool]
          ) -> tuple[list[str], list[str]]:
    """Greedily join neighbouring pieces while the joined text still fits."""
    out, out_seps = [pieces[0]], []
    for sep, piece in zip(seps, pieces[1:], strict=True):
        candidate = out[-1] + sep + piece
        if fits(candidate):
            out[-1] = candidate
        else:
            out.append(piece)
            out_seps.append(sep)
    return out, out_seps


def _hard_cut(text: str, fits: Callable[[str], bool]) -> tuple[list[str], list[str]]:
    """Cut inside a word: the longest prefix that fits, repeatedly (binary search)."""
    pieces, seps = [], []
    rest = text
    while rest and not fits(rest):
        lo, hi = 1, len(rest)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if fits(rest[:mid]):
                lo = mid
            else:
                hi = mid - 1
        pieces.append(rest[:lo])
        seps.append("")
        rest = rest[lo:]
    if rest:
        pieces.append(rest)
    else:
        seps.pop()
    return pieces, seps


_LEVELS = (
    lambda t: _boundaries(t, _SENTENCE_END, sentences=True),
    lambda t: _boundaries(t, _CLAUSE_END, sentences=False),
    lambda t: [(m.start(), m.end()) for m in _SPACE.finditer(t) if 0 < m.start() < len(t)],
)


def _split(text: str, fits: Callable[[str], bool], level: int) -> tuple[list[str], list[str]]:
    if fits(text):
        return [text], []
    if level >= len(_LEVELS):
        return _hard_cut(text, fits)
    pieces, seps = _pieces(text, _LEVELS[level](text))
    if len(pieces) == 1:
        return _split(text, fits, level + 1)
    flat, flat_seps = [], []
    for i, piece in enumerate(pieces):
        sub, sub_seps = _split(piece, fits, level + 1)
        if i:
            flat_seps.append(seps[i - 1])
        flat.extend(sub)
        flat_seps.extend(sub_seps)
    return _pack(flat, flat_seps, fits)


def split_text(text: str, fits: Callable[[str], bool]) -> tuple[list[str], list[str]]:
    """Pieces of ``text`` that each pass ``fits``, and the separators between them.

    ``"".join(p + s for p, s in zip(pieces, seps + [""]))`` gives ``text`` back exactly.
    Leading and trailing whitespace is kept on the first and last pieces.
    """
    if not text:
        return [text], []
    return _split(text, fits, 0)


def join_pieces(pieces: list[str], seps: list[str]) -> str:
    """Put (translated) pieces back together with the separators :func:`split_text` returned."""
    out = pieces[0] if pieces else ""
    for sep, piece in zip(seps, pieces[1:], strict=True):
        out += sep + piece
    return out
