"""The thematic codebook: loading, validating, and coding texts against it.

A codebook is a TOML file: ``[codebook]`` with ``id``, ``version`` and ``languages``, then one
``[[themes]]`` table per theme with ``id``, ``label``, ``description`` (what belongs in it) and
``terms.<lang> = [...]``::

    [codebook]
    id = "psw-integration"
    version = "1.0"
    languages = ["en", "fi"]

    [[themes]]
    id = "role_clarity"
    label = "Role clarity and role definition"
    description = "Whether the peer role is defined, understood and kept apart from others."
    terms.en = ["role clarity", "role ambigu*", "job description"]
    terms.fi = ["roolin selkeys", "rooli* epäselv*", "tehtävänkuva"]

How a term matches (terms of the text's language only):

- Words are compared by their Snowball stems, so inflected forms match: the term
  "kokemusasiantuntija" matches "kokemusasiantuntijoiden".
- ``word*`` is a prefix wildcard on the written word: "vertais*" matches "vertaistuki".
- In languages that compound (German, Finnish, Swedish, Dutch, Danish, Norwegian, Hungarian) a
  term word whose stem has at least :data:`MIN_COMPOUND_STEM` letters also matches as the first
  part or the head of a longer word: "Genesungsbegleiter" matches "Genesungsbegleiterausbildung"
  and, after the hyphens split it, "EX-IN-Genesungsbegleiterinnen"; "työntekijä" matches
  "vertaistyöntekijöiden". A wildcard that long also matches a later part of a compound
  ("koulutu*" in "kokemusasiantuntijakoulutuksen", "stigma*" in "Entstigmatisierung").
  Shorter stems and wildcards match at the start of a word only, so "Macht" does not match
  "gemacht". Beware long words that end many unrelated compounds (Swedish "ledning" is the end
  of "handledning"): write such a term as a phrase or a full compound.
- A term of several words is a phrase: its words must follow each other in the text.

The codebook's :attr:`Codebook.version_key` joins the declared version and a hash of the
content (and of the matching rules), so any change to a term re-codes the corpus, while
editing comments or whitespace does not.

    >>> book = load_codebook()                       # the bundled default codebook
    >>> coder = Coder(book)
    >>> coder.match("kokemusasiantuntijoiden ja ammattilaisten yhteistyötä", "fi")
    {'peer_workforce': ('kokemusasiantuntija',), 'team_collaboration': ('ammattilai* yhteistyö',)}
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from itertools import compress
from pathlib import Path
from types import MappingProxyType
from typing import Any

from litrev.extract.errors import ExtractError
from litrev.extract.parallel import collector_paused
from litrev.extract.stemming import COMPOUNDING, fold, stem, tokenize, words

MIN_COMPOUND_STEM = 6     # a term stem this long also matches inside compounds
MIN_WILDCARD_PREFIX = 3   # "ro*" would match too much
MIN_COMPOUND_MODIFIER = 3  # letters before a compound head ("vertais" + "työntekijä")
# Letters a stemmer may leave after a compound head: "vertaistyöntekijöiden" stems to
# "vertaistyöntekijö", whose head "työntekij" + "ö" still matches "työntekijä".
MAX_HEAD_RESIDUE = 2
# Bump when the matching rules change: the version key changes and the corpus is re-coded.
MATCHER_VERSION = "1"
# Languages an excerpt may carry when detection could not decide; such a text is matched
# against the terms of every codebook language.
UNDECIDED = frozenset({"", "und", "mul", "zxx"})

_THEME_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_LANG = re.compile(r"^[a-z]{2}$")
_THEME_KEYS = {"id", "label", "description", "terms"}


class CodebookError(ExtractError):
    """The codebook is missing or invalid; the message lists one problem per line."""


@dataclass(frozen=True)
class TermWord:
    text: str        # the word as written in the term, lower-cased, without the '*'
    prefix: bool     # written with a trailing '*'
    stem: str        # its stem (== text for a prefix)


@dataclass(frozen=True)
class Term:
    text: str                   # as written in the codebook
    words: tuple[TermWord, ...]


@dataclass(frozen=True)
class Theme:
    id: str
    label: str
    description: str
    terms: Mapping[str, tuple[Term, ...]]  # language -> terms

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled with its terms as a plain dict (a mapping proxy does not pickle), so that a
        codebook can travel to the worker processes that code a large batch."""
        return _theme, (self.id, self.label, self.description, dict(self.terms))


def _theme(id: str, label: str, description: str, terms: dict[str, tuple[Term, ...]]) -> Theme:
    return Theme(id, label, description, MappingProxyType(terms))


@dataclass(frozen=True)
class Codebook:
    id: str
    version: str                    # as declared
    languages: tuple[str, ...]
    themes: tuple[Theme, ...]
    content_hash: str
    path: str | None = None

    @property
    def version_key(self) -> str:
        """Declared version plus content hash, e.g. ``1.0+3f2a9c01d4``: stored with each coding."""
        return f"{self.version}+{self.content_hash[:10]}"

    def theme_ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.themes)


@dataclass(frozen=True)
class ThemeMatch:
    theme_id: str
    matched_in: str             # original | translation
    terms: tuple[str, ...]      # the codebook terms that matched, as written


# --- loading and validation ---------------------------------------------------------------

def default_codebook_path() -> Path:
    return Path(str(resources.files("litrev.extract.codebooks") / "default.toml"))


def load_codebook(path: str | os.PathLike | None = None) -> Codebook:
    """Read and validate a codebook file; ``None`` means the bundled default codebook."""
    path = Path(path) if path is not None else default_codebook_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CodebookError(f"{path}: no such codebook; fix review.codebook in the profile or "
                            'set it to "default"') from None
    except tomllib.TOMLDecodeError as exc:
        raise CodebookError(f"{path}: not valid TOML ({exc}); fix the syntax and retry") from None
    return parse_codebook(raw, path=path)


def _parse_term(text: str, lang: str) -> tuple[Term | None, str | None]:
    words: list[TermWord] = []
    for chunk in text.split():
        prefix = chunk.endswith("*")
        body = chunk.rstrip("*") if prefix else chunk
        if "*" in body:
            return None, f"{text!r}: '*' may only end a word (a prefix wildcard such as vertais*)"
        parts = [t.lower for t in tokenize(body)]
        if not parts:
            if prefix:
                return None, f"{text!r}: a wildcard needs letters before the '*'"
            continue
        for i, part in enumerate(parts):
            is_prefix = prefix and i == len(parts) - 1
            if is_prefix and len(part) < MIN_WILDCARD_PREFIX:
                return None, (f"{text!r}: the wildcard {part}* is too short; write at least "
                              f"{MIN_WILDCARD_PREFIX} letters before '*'")
            words.append(TermWord(part, is_prefix, part if is_prefix else stem(part, lang)))
    if not words:
        return None, f"{text!r}: no words in this term"
    return Term(text, tuple(words)), None


def parse_codebook(raw: dict[str, Any], *, path: str | os.PathLike | None = None) -> Codebook:
    """Validate a parsed TOML document; collect every problem before refusing it."""
    problems: list[str] = []
    where = f"{path}: " if path else ""
    head = raw.get("codebook")
    if not isinstance(head, dict):
        problems.append("codebook: missing table [codebook]; expected id, version, languages")
        head = {}
    book_id = head.get("id")
    if not isinstance(book_id, str) or not book_id.strip():
        problems.append('codebook.id: expected a name such as "psw-integration"')
    version = head.get("version")
    if not isinstance(version, str) or not version.strip():
        problems.append('codebook.version: expected a version string such as "1.0" (quoted)')
    languages = head.get("languages", head.get("language"))
    if isinstance(languages, str):
        languages = [languages]
    if not isinstance(languages, list) or not languages:
        problems.append('codebook.languages: expected a list of ISO 639-1 codes such as '
                        '["en", "fi"]')
        languages = []
    for code in languages:
        if not isinstance(code, str) or not _LANG.match(code):
            problems.append(f"codebook.languages: {code!r} is not a two-letter ISO 639-1 code")
    langs = tuple(c for c in languages if isinstance(c, str) and _LANG.match(c))

    themes_raw = raw.get("themes")
    if not isinstance(themes_raw, list) or not themes_raw:
        problems.append("themes: expected one or more [[themes]] tables")
        themes_raw = []
    themes: list[Theme] = []
    seen_ids: set[str] = set()
    for n, t in enumerate(themes_raw, start=1):
        if not isinstance(t, dict):
            problems.append(f"themes[{n}]: expected a table with id, label, description, terms")
            continue
        tid = t.get("id")
        name = f"themes[{n}]" + (f" ({tid})" if isinstance(tid, str) else "")
        if not isinstance(tid, str) or not _THEME_ID.match(tid):
            problems.append(f"{name}.id: expected lower-case letters, digits and _ such as "
                            f'"role_clarity", got {tid!r}')
        elif tid in seen_ids:
            problems.append(f"{name}.id: {tid!r} is used by an earlier theme; ids must be unique")
        else:
            seen_ids.add(tid)
        for key in sorted(set(t) - _THEME_KEYS):
            problems.append(f"{name}.{key}: unknown key; a theme has id, label, description, "
                            "terms.<lang>")
        label = t.get("label")
        if not isinstance(label, str) or not label.strip():
            problems.append(f"{name}.label: expected a short human-readable name")
        description = t.get("description")
        if not isinstance(description, str) or not description.strip():
            problems.append(f"{name}.description: expected a sentence saying what belongs in "
                            "this theme")
        terms_raw = t.get("terms")
        terms: dict[str, tuple[Term, ...]] = {}
        if not isinstance(terms_raw, dict) or not terms_raw:
            problems.append(f"{name}.terms: expected terms.<lang> = [...] for at least one "
                            "language")
            terms_raw = {}
        for lang, values in terms_raw.items():
            if lang not in langs:
                problems.append(f"{name}.terms.{lang}: language not in codebook.languages "
                                f"({', '.join(langs) or 'none'})")
                continue
            if not isinstance(values, list) or not values or not all(
                    isinstance(v, str) and v.strip() for v in values):
                problems.append(f"{name}.terms.{lang}: expected a list of non-empty strings")
                continue
            parsed: list[Term] = []
            seen_terms: set[str] = set()
            for value in values:
                term, problem = _parse_term(value.strip(), lang)
                if problem or term is None:
                    problems.append(f"{name}.terms.{lang}: {problem}")
                    continue
                key = " ".join(f"{w.stem}{'*' if w.prefix else ''}" for w in term.words)
                if key in seen_terms:
                    problems.append(f"{name}.terms.{lang}: {value!r} repeats an earlier term "
                                    "(same stems); remove one")
                    continue
                seen_terms.add(key)
                parsed.append(term)
            terms[lang] = tuple(parsed)
        themes.append(Theme(id=tid if isinstance(tid, str) else "", label=label or "",
                            description=(description or "").strip(),
                            terms=MappingProxyType(terms)))
    if problems:
        raise CodebookError("\n".join(where + p for p in problems))

    canonical = json.dumps({"matcher": MATCHER_VERSION, "codebook": head, "themes": themes_raw},
                           sort_keys=True, ensure_ascii=False)
    return Codebook(id=str(book_id).strip(), version=str(version).strip(), languages=langs,
                    themes=tuple(themes),
                    content_hash=hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
                    path=str(path) if path else None)


# --- matching -------------------------------------------------------------------------------

class _LanguageMatcher:
    """All terms of one language, indexed so that each distinct word is examined once."""

    def __init__(self, lang: str, terms: list[tuple[str, Term]]):
        self.lang = lang
        self.compounding = lang in COMPOUNDING
        self.terms = terms
        self.exact: set[str] = set()
        self.compound: set[str] = set()
        self.prefixes: set[str] = set()
        self.infixes: set[str] = set()
        self.by_first: dict[tuple[bool, str], list[int]] = defaultdict(list)
        for i, (_, term) in enumerate(terms):
            for w in term.words:
                if w.prefix:
                    self.prefixes.add(w.text)
                    if self.compounding and len(w.text) >= MIN_COMPOUND_STEM:
                        self.infixes.add(w.text)
                elif self.compounding and len(w.stem) >= MIN_COMPOUND_STEM:
                    self.compound.add(w.stem)
                else:
                    self.exact.add(w.stem)
            first = term.words[0]
            self.by_first[(first.prefix, first.stem)].append(i)
        self._cache: dict[str, frozenset[tuple[bool, str]]] = {}
        self._written: dict[str, frozenset[tuple[bool, str]]] = {}

    def word_keys(self, word: str) -> frozenset[tuple[bool, str]]:
        """The term words (as (prefix, stem) keys) that one text word matches."""
        found = self._cache.get(word)
        if found is not None:
            return found
        keys: set[tuple[bool, str]] = set()
        lower = word.casefold()
        for i in range(MIN_WILDCARD_PREFIX, len(lower) + 1):
            if lower[:i] in self.prefixes:
                keys.add((True, lower[:i]))
        if self.infixes:  # a long wildcard also matches a compound's later part
            for start in range(MIN_COMPOUND_MODIFIER, len(lower) - MIN_COMPOUND_STEM + 1):
                for end in range(start + MIN_COMPOUND_STEM, len(lower) + 1):
                    if lower[start:end] in self.infixes:
                        keys.add((True, lower[start:end]))
        s = stem(lower, self.lang)
        if s in self.exact or s in self.compound:
            keys.add((False, s))
        if self.compound:
            for i in range(MIN_COMPOUND_STEM, len(s)):          # first part, or inflection left
                if s[:i] in self.compound:
                    keys.add((False, s[:i]))
            for i in range(MIN_COMPOUND_MODIFIER, len(s) - MIN_COMPOUND_STEM + 1):  # head
                for left in range(MAX_HEAD_RESIDUE + 1):  # a case ending the stemmer left
                    head = s[i:len(s) - left]
                    if len(head) >= MIN_COMPOUND_STEM and head in self.compound:
                        keys.add((False, head))
        found = frozenset(keys)
        if len(self._cache) < 500_000:
            self._cache[word] = found
        return found

    def written_keys(self, written: list[str]) -> list[frozenset[tuple[bool, str]]]:
        """:meth:`word_keys` of each word as written (:func:`.stemming.words`), looked up by
        the written word: most words of a corpus recur, and a hit skips folding and stemming."""
        cache = self._written
        missing = set(written).difference(cache)
        if missing:
            found = {word: self.word_keys(fold(word)) for word in missing}
            if len(cache) + len(found) > 500_000:  # full: memory stays bounded
                return [cache[w] if w in cache else found[w] for w in written]
            cache.update(found)
        return list(map(cache.__getitem__, written))

    def hits(self, text: str) -> Iterable[tuple[str, str, int, int]]:
        """Each ``(theme_id, term, start, end)`` found: the characters of the words matched."""
        tokens = tokenize(text)
        keys = [self.word_keys(t.lower) for t in tokens]
        for i, here in enumerate(keys):
            for key in here:
                for ti in self.by_first.get(key, ()):
                    theme_id, term = self.terms[ti]
                    rest = term.words[1:]
                    if i + len(rest) >= len(tokens):
                        continue
                    if all((w.prefix, w.stem) in keys[i + 1 + k] for k, w in enumerate(rest)):
                        yield theme_id, term.text, tokens[i].start, tokens[i + len(rest)].end

    def match(self, written: list[str]) -> dict[str, set[str]]:
        """The terms of each theme found among ``written`` (a text's :func:`.stemming.words`):
        what :meth:`hits` finds, without the offsets."""
        keys = self.written_keys(written)
        hits: dict[str, set[str]] = defaultdict(set)
        last = len(keys)
        for i in compress(range(last), keys):  # the few words that match a term word
            for key in keys[i]:
                for ti in self.by_first.get(key, ()):
                    theme_id, term = self.terms[ti]
                    rest = term.words[1:]
                    if i + len(rest) >= last:
                        continue
                    if all((w.prefix, w.stem) in keys[i + 1 + k] for k, w in enumerate(rest)):
                        hits[theme_id].add(term.text)
        return hits


class Coder:
    """Codes texts against one codebook; reuse one coder for a whole batch (it caches words)."""

    def __init__(self, codebook: Codebook):
        self.codebook = codebook
        by_lang: dict[str, list[tuple[str, Term]]] = defaultdict(list)
        for theme in codebook.themes:
            for lang, terms in theme.terms.items():
                by_lang[lang].extend((theme.id, term) for term in terms)
        self._matchers = {lang: _LanguageMatcher(lang, terms) for lang, terms in by_lang.items()}
        self._order = {t.id: i for i, t in enumerate(codebook.themes)}

    def has_terms_for(self, lang: str | None) -> bool:
        return (lang or "") in UNDECIDED or lang in self._matchers

    def match(self, text: str, lang: str | None) -> dict[str, tuple[str, ...]]:
        """Themes matched in ``text`` read as language ``lang``, with the terms that matched.

        A text whose language is undecided (None, "und", "mul") is matched against the terms
        of every language; a language the codebook has no terms for matches nothing.
        """
        if (lang or "") in UNDECIDED:
            matchers = list(self._matchers.values())
        else:
            matchers = [self._matchers[lang]] if lang in self._matchers else []
        merged: dict[str, set[str]] = defaultdict(set)
        written = words(text) if matchers else []
        for m in matchers:
            for theme_id, terms in m.match(written).items():
                merged[theme_id] |= terms
        return {tid: tuple(sorted(merged[tid]))
                for tid in sorted(merged, key=lambda t: self._order.get(t, 0))}

    def spans(self, text: str, lang: str | None) -> dict[str, tuple[tuple[int, int, str], ...]]:
        """Where each theme matched in ``text``: ``(start, end, term)`` character ranges, in
        text order; the same rules as :meth:`match` (for coded selections in exports).

            >>> coder = Coder(load_codebook())
            >>> coder.spans("kokemusasiantuntijoiden ja ammattilaisten yhteistyötä", "fi")
            {'peer_workforce': ((0, 23, 'kokemusasiantuntija'),),
             'team_collaboration': ((27, 53, 'ammattilai* yhteistyö'),)}
        """
        if (lang or "") in UNDECIDED:
            matchers = list(self._matchers.values())
        else:
            matchers = [self._matchers[lang]] if lang in self._matchers else []
        found: dict[str, set[tuple[int, int, str]]] = defaultdict(set)
        for m in matchers:
            for theme_id, term, start, end in m.hits(text):
                found[theme_id].add((start, end, term))
        return {tid: tuple(sorted(found[tid]))
                for tid in sorted(found, key=lambda t: self._order.get(t, 0))}

    def code(self, text: str, lang: str | None, *, translation: str | None = None,
             target_language: str | None = None) -> list[ThemeMatch]:
        """Code an excerpt on its original (its language's terms) and on its translation
        (the target language's terms)."""
        out = [ThemeMatch(tid, "original", terms) for tid, terms in self.match(text, lang).items()]
        if translation and target_language:
            out += [ThemeMatch(tid, "translation", terms)
                    for tid, terms in self.match(translation, target_language).items()]
        return out


_CODERS: dict[str, Coder] = {}


def code_chunk(rows: list[Mapping[str, Any]], codebook: Codebook,
               target_language: str | None) -> list[list[dict[str, Any]]]:
    """The matches of each row (:func:`code_excerpts`), one list per row; what a worker process
    runs on each chunk. The coder (with its word cache) is kept per codebook for the worker's
    later chunks."""
    coder = _CODERS.get(codebook.content_hash)
    if coder is None:
        _CODERS.clear()
        coder = _CODERS[codebook.content_hash] = Coder(codebook)
    with collector_paused():  # matches and word keys: many small objects, no cycles
        return [code_excerpts(coder, [row], target_language=target_language) for row in rows]


def code_excerpts(coder: Coder, rows: Iterable[Mapping[str, Any]], *,
                  target_language: str | None) -> list[dict[str, Any]]:
    """Code many excerpts; each row has ``excerpt_id``, ``text``, ``language`` and optionally
    ``translation``. Returns one dict per (excerpt, theme, matched_in) with ``matched_terms``."""
    out: list[dict[str, Any]] = []
    for row in rows:
        translation = row.get("translation")
        if not isinstance(translation, str):
            translation = None
        lang = row.get("language")
        for m in coder.code(row["text"], lang if isinstance(lang, str) else None,
                            translation=translation, target_language=target_language):
            out.append({"excerpt_id": row["excerpt_id"], "theme_id": m.theme_id,
                        "matched_in": m.matched_in, "matched_terms": list(m.terms)})
    return out
