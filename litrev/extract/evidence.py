"""The evidence check: does a translation carry the same numbers as its source?

Why: a reviewer who reads "29 %" in a translation must be able to trust that the original said
29 and not 92. Machine translation sometimes drops, merges or changes counts, percentages and
years; a translation whose numbers differ from the source's is flagged (``numbers_mismatch``)
so the reviewer checks it against the original.

Numbers are read two ways: the digit runs as written (``3,5 %`` gives {3, 5}; ``(24,25,26)``
gives {24, 25, 26}), and the values read with the language's decimal mark and digit grouping
(Finnish ``3,5`` and ``1 200`` are English ``3.5`` and ``1,200``). Neither reading alone is
safe: Finnish ``(24,25,26)`` is a list of references, not 24.25 and 26. A side's numbers are
accounted for when all of them under one reading appear among the other side's numbers under
either reading; the translation is flagged unless both sides are accounted for.

    >>> numbers_differ("Osuus oli 3,5 % (n = 1 200) vuonna 2019.", "fi",
    ...                "The share was 3.5% (n = 1,200) in 2019.", "en")
    False
    >>> numbers_differ("Vastaajia oli 120.", "fi", "There were 210 respondents.", "en")
    True
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# Languages that write a decimal point (3.5) and group thousands with commas; the others
# (fi, sv, de, fr, ...) write a decimal comma and group with spaces or full stops.
DECIMAL_POINT_LANGUAGES = frozenset({"en", "ja", "zh", "ko", "he", "th", "hi", "ms", "ga", "mt"})
_DIGITS = re.compile(r"\d+")
_GROUP_SPACES = "\u00a0\u202f\u2009 "


def _pattern(language: str | None) -> re.Pattern:
    if language in DECIMAL_POINT_LANGUAGES:
        group, decimal = "," + _GROUP_SPACES, r"\."
    else:
        group, decimal = "." + _GROUP_SPACES, ","
    return re.compile(rf"(?<!\d)\d{{1,3}}(?:[{group}]\d{{3}})+(?!\d)(?:{decimal}\d+)?"
                      rf"|\d+(?:{decimal}\d+)?")


def digit_runs(text: str) -> frozenset[str]:
    """The digit sequences of ``text`` as written, without leading zeros."""
    return frozenset(run.lstrip("0") or "0" for run in _DIGITS.findall(text or ""))


def number_values(text: str, language: str | None) -> frozenset[str]:
    """The numbers of ``text`` read with ``language``'s decimal mark and grouping."""
    values = set()
    for token in _pattern(language).findall(text or ""):
        decimal = "." if language in DECIMAL_POINT_LANGUAGES else ","
        whole, _, frac = token.partition(decimal)
        whole = re.sub(r"\D", "", whole)
        try:
            value = Decimal(f"{whole}.{frac}" if frac else whole)
        except InvalidOperation:  # pragma: no cover - the pattern only yields digits
            continue
        values.add(format(value.normalize(), "f"))
    return frozenset(values)


def numbers_differ(source: str, source_language: str | None, translation: str,
                   target_language: str | None) -> bool:
    """True when a number of the source is missing from the translation, or the other way."""
    src_runs, tr_runs = digit_runs(source), digit_runs(translation)
    if src_runs == tr_runs:
        return False
    src_values = number_values(source, source_language)
    tr_values = number_values(translation, target_language)
    src_all, tr_all = src_runs | src_values, tr_runs | tr_values
    source_kept = src_runs <= tr_all or src_values <= tr_all
    nothing_added = tr_runs <= src_all or tr_values <= src_all
    return not (source_kept and nothing_added)
