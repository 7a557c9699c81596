"""BM25 full-text search over originals and translations, each with its language's stemmer.

How: ``search_docs`` holds every text to search (an excerpt's original, and each usable
translation) with the Snowball stemmer of its language. DuckDB's fts extension builds one index
per table and stemmer, so :func:`refresh_index` copies each stemmer's texts into its own table
(``search_text_finnish``, ``search_text_english``, ...) and indexes it with that stemmer. A query
is scored against every index, each stemming the query its own way, so "kokemusasiantuntija"
finds "kokemusasiantuntijoiden" in Finnish texts while "peer workers" finds "peer worker" in
English ones. The best field per excerpt wins.

The writer builds the index (``litrev.flows.coding.run_coding`` after each load, or
``litrev code``); the index lives in the database file, so it is in the snapshot and readers
search it without waiting for a running harvest.

    with write_session(db) as con:
        refresh_index(con)
    # -> {'english': 40, 'finnish': 16}
    with read_session(db) as con:
        hits = search(con, "kokemusasiantuntija", lang="fi", limit=5)
    hits[["excerpt_id", "score", "snippet", "translation"]]

Table names cannot be bound parameters; they are made by :func:`index_table` from a fixed list
of stemmer names (:data:`FTS_STEMMERS`) and checked, never taken from user input.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import duckdb
import pandas as pd

from litrev.extract.stemming import SNOWBALL, Token, tokenize
from litrev.store.db import frame, load_fts, one_row, transaction
from litrev.store.errors import StoreError
from litrev.store.sqlfiles import internal

# The stemmers DuckDB's fts extension knows ('none' = lower-cased words, no stemming).
FTS_STEMMERS = frozenset({
    "arabic", "basque", "catalan", "danish", "dutch", "english", "finnish", "french", "german",
    "greek", "hindi", "hungarian", "indonesian", "irish", "italian", "lithuanian", "nepali",
    "norwegian", "porter", "portuguese", "romanian", "russian", "serbian", "spanish", "swedish",
    "tamil", "turkish", "none",
})
LANGUAGE_STEMMERS = {lang: s for lang, s in SNOWBALL.items() if s in FTS_STEMMERS}
SNIPPET_WORDS = 32
RESULT_COLUMNS = ["excerpt_id", "score", "matched_in", "language", "kind", "title", "year", "doi",
                  "themes", "snippet", "text", "translation", "target_language",
                  "translation_status"]
_IDENT = re.compile(r"^[a-z]+$")


class SearchIndexMissing(StoreError):
    """The database has no full-text index yet."""


def index_table(stemmer: str) -> str:
    """The table holding one stemmer's texts, e.g. ``search_text_finnish``."""
    if stemmer not in FTS_STEMMERS or not _IDENT.match(stemmer):
        raise StoreError(f"unknown stemmer {stemmer!r}; expected one of "
                         f"{', '.join(sorted(FTS_STEMMERS))}")
    return f"search_text_{stemmer}"


def _template(name: str, **identifiers: str) -> str:
    sql = internal(name).sql
    for key, value in identifiers.items():
        sql = sql.replace("{" + key + "}", value)
    return sql


def refresh_index(con: duckdb.DuckDBPyConnection, *, now: dt.datetime | None = None
                  ) -> dict[str, int]:
    """Refill search_docs and (re)build the BM25 index of every stemmer whose texts changed;
    returns texts per stemmer.

    Building an fts index costs about a second per thousand texts, so an index whose texts
    are unchanged (same fingerprint of ids and contents) is kept: a harvest that adds Finnish
    abstracts rebuilds the Finnish index only.
    """
    load_fts(con)
    now = now or dt.datetime.now(dt.UTC)
    langs = sorted(LANGUAGE_STEMMERS)
    fill = internal("search_fill_docs")
    build = internal("search_index_table")
    add = internal("search_indexes_add")
    remove = internal("search_indexes_remove")
    with transaction(con):
        con.execute(internal("search_docs_clear").sql)
        con.execute(fill.sql, fill.bind({"languages": langs,
                                         "stemmers": [LANGUAGE_STEMMERS[x] for x in langs]}))
        wanted = {r[0]: (int(r[1]), r[2])
                  for r in con.execute(internal("search_stemmers").sql).fetchall()}
        built = {r[0]: r[3] for r in con.execute(internal("search_indexes_list").sql).fetchall()}
        for stemmer in sorted(set(built) - set(wanted)):
            con.execute(_template("search_index_drop", table=index_table(stemmer)))
            con.execute(remove.sql, remove.bind({"stemmer": stemmer}))
        for stemmer, (docs, fingerprint) in sorted(wanted.items()):
            if built.get(stemmer) == fingerprint:
                continue
            table = index_table(stemmer)
            con.execute(_template("search_index_table", table=table),
                        build.bind({"stemmer": stemmer}))
            con.execute(_template("search_index_create", table=table, stemmer=stemmer,
                                  stopwords="english" if stemmer == "english" else "none"))
            con.execute(remove.sql, remove.bind({"stemmer": stemmer}))
            con.execute(add.sql, add.bind({"stemmer": stemmer, "table_name": table, "docs": docs,
                                           "fingerprint": fingerprint, "now": now}))
    return {stemmer: docs for stemmer, (docs, _) in wanted.items()}


def indexed_stemmers(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute(internal("search_indexes_list").sql).fetchall()]


def search(con: duckdb.DuckDBPyConnection, text: str, lang: str | None = None,
           theme: str | None = None, limit: int = 20, *,
           target_language: str | None = None) -> pd.DataFrame:
    """The excerpts best matching ``text`` (BM25), best first, with a snippet around the match.

    ``lang`` keeps excerpts whose original is in that language; ``theme`` those coded with that
    theme. Columns: see :data:`RESULT_COLUMNS`; ``matched_in`` says whether the original or the
    translation matched, and ``snippet`` (from that text) marks matched words with [brackets].
    """
    if not text or not text.strip():
        raise StoreError('the search text is empty; e.g. litrev search "role clarity"')
    if limit <= 0:
        raise StoreError(f"--limit must be a positive number, got {limit}")
    stemmers = indexed_stemmers(con)
    if not stemmers:
        raise SearchIndexMissing("the database has no full-text index yet; build it with "
                                 "`litrev code` (a harvest builds it too)")
    if theme is not None:
        known = one_row(con, internal("search_theme_ids").sql)[0]
        if theme not in known:
            raise StoreError(f"unknown theme {theme!r}; the codebook has: "
                             f"{', '.join(known) or 'no themes yet (run litrev code)'}")
    load_fts(con)
    text = unicodedata.normalize("NFC", text)
    hits = "\nUNION ALL\n".join(_template("search_match", table=index_table(s)).rstrip(";")
                                 for s in stemmers)
    params = {**internal("search_match").bind({"q": text}), **internal("search_results").bind(
        {"lang": lang, "theme": theme, "target": target_language, "limit": limit})}
    found = frame(con, _template("search_results", hits=hits), params)
    if found.empty:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    found["snippet"] = snippets(con, found["matched_text"].tolist(),
                                found["matched_stemmer"].tolist(), text)
    return found[RESULT_COLUMNS]


def snippets(con: duckdb.DuckDBPyConnection, texts: list[str], stemmers: list[str],
             query: str, *, words: int = SNIPPET_WORDS) -> list[str]:
    """A window of about ``words`` words around the first match in each text, matches in [ ].

    Words are compared by the same fts stems the index used, so "kokemusasiantuntija" marks
    "[kokemusasiantuntijoiden]".
    """
    query_words = [t.lower for t in tokenize(query) if len(t.text) > 1]  # not the s of "'s"
    tokens = [tokenize(t) for t in texts]
    stems: dict[str, dict[str, str]] = {}
    for stemmer in set(stemmers):
        vocab = set(query_words)
        for toks, s in zip(tokens, stemmers, strict=True):
            if s == stemmer:
                vocab.update(t.lower for t in toks)
        sql = internal("search_stems")
        rows = con.execute(sql.sql, sql.bind({"words": sorted(vocab),
                                              "stemmer": stemmer})).fetchall()
        stems[stemmer] = dict(rows)
    out = []
    for text, toks, stemmer in zip(texts, tokens, stemmers, strict=True):
        table = stems[stemmer]
        wanted = {table.get(w, w) for w in query_words}
        marked = [i for i, t in enumerate(toks) if table.get(t.lower, t.lower) in wanted]
        out.append(_window(text, toks, set(marked), words))
    return out


def _window(text: str, toks: list[Token], marked: set[int], words: int) -> str:
    if not toks:
        return text
    first = min(marked) if marked else 0
    start = max(0, first - words // 3)
    end = min(len(toks), start + words)
    start = max(0, min(start, end - words))
    pieces = []
    pos = toks[start].start
    for i in range(start, end):
        t = toks[i]
        pieces.append(text[pos:t.start])
        pieces.append(f"[{t.text}]" if i in marked else t.text)
        pos = t.end
    tail = text[pos:] if end == len(toks) else ""
    snippet = "".join(pieces) + tail
    # "[peer] [support]" -> "[peer support]", "[expert]-[by]" -> "[expert-by]"
    snippet = re.sub(r"\]([\s\-\u2010\u2011]+)\[", r"\1", snippet)
    snippet = " ".join(snippet.split())
    return ("… " if start > 0 else "") + snippet + (" …" if end < len(toks) else "")
