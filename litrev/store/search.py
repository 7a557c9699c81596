"""BM25 full-text search over originals and translations, each with its language's stemmer.

How: every text to search (an excerpt's original, and each usable translation) goes with the
Snowball stemmer of its language. An index of DuckDB's fts extension has one stemmer, so each
stemmer's texts get their own index (Finnish, English, ...), and a query is
scored against every index, each stemming the query its own way: "kokemusasiantuntija" finds
"kokemusasiantuntijoiden" in Finnish texts while "peer workers" finds "peer worker" in English
ones. The best field per excerpt wins.

Where: the fts extension cannot index a lake's tables, so the index is a derived local cache
(:attr:`litrev.store.location.StoreLocation.cache_dir`: beside a local catalog, in the user's
cache folder for a shared one). Each stemmer's index is one small DuckDB file named by the
fingerprint of its texts (``fts-finnish-<fingerprint>.duckdb``), written under a temporary name
and renamed, never changed afterwards: readers attach them read-only while a writer builds
newer ones, and a harvest that adds Finnish abstracts rebuilds the Finnish file only. A
manifest per lake snapshot that changed the searchable texts (``manifest-<snapshot>.json``)
names the files of that snapshot, so a search reads no texts from the lake unless the index is
stale, and a search ``--as-of`` an earlier run gets that run's index. A file also holds what a
search shows of each hit but its themes (the original, its work's title, year and DOI, its
translations with their status), behind an index on excerpt ids: a search at a million
excerpts reads only the themes of its hits from the lake's Parquet files.

How an index is built: the extension's ``create_fts_index`` runs on the file's table while it
is still empty, which gives the index the extension's tokenizer and stop words; the index's
tables (the extension's ``docs``, ``dict`` and ``stats``, and litrev's postings) are then built
from the texts (``search_index_tf.sql``, a slice of texts at a time, then
``search_index_terms.sql``), stemming each distinct word once where the extension stems every
occurrence: the same tables (``tests/test_search.py`` compares them with the extension's own)
in half the time (300,000 excerpts: 20-24 s -> 13-14 s for the four files). The copy of the
texts held while the files are built keeps a text's stored form only where it differs from
the composed one indexed (95% of the bench's texts do not): 318 -> about 230 MB at 300,000.

    with write_session(db) as con:
        refresh_index(con)                      # the coding step does this after each load
    # -> {'english': 40, 'finnish': 16}
    with read_session(db) as con:
        hits = search(con, "kokemusasiantuntija", lang="fi", limit=5)
    hits[["excerpt_id", "score", "snippet", "translation"]]

Aliases of attached files cannot be bound parameters; they are made by :func:`index_alias` from
a fixed list of stemmer names (:data:`FTS_STEMMERS`) and checked, never taken from user input.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import unicodedata
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import duckdb
import pandas as pd

from litrev.extract.stemming import SNOWBALL, Token, tokenize
from litrev.filesystems import write_atomically
from litrev.store.db import (
    lake_name,
    last_change,
    load_fts,
    one_row,
    writable_cache_dir,
)
from litrev.store.errors import StoreError
from litrev.store.sqlfiles import filled, internal
from litrev.vocabulary import TranslationStatus

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
# The lake tables an index file holds rows of (the searchable texts, and the works a search
# shows with them): a snapshot that changed none of them leaves the index as it was.
SEARCHED_TABLES = ("excerpts", "translations", "works")
KEEP_MANIFESTS = 20
# What an index file holds (texts, excerpt and work fields, translations' statuses, postings
# sorted by term, an index on excerpt ids); part of its fingerprint and of the manifest's name,
# so a cache made by a litrev that wrote another format is rebuilt once instead of misread.
INDEX_FORMAT = 7
# Texts tokenized at a time while an index file is built: their words are held until counted.
# The index of bench/ingest.py's 300,000 excerpts built alone peaked at 1,156 MB with its
# 120,000 English texts at once, 1,088-1,125 MB in slices of 30,000 (the extension's own build:
# 1,009-1,114 MB); the coding step builds it alongside, where the harvest's peak is.
INDEX_SLICE_TEXTS = 30_000
_IDENT = re.compile(r"^[a-z]+$")
_DIGITS = re.compile(r"^[0-9]+$")
_FILE = re.compile(r"^fts-([a-z]+)-([0-9]+)\.duckdb$")


class SearchIndexMissing(StoreError):
    """The full-text index could not be found or built."""


def index_alias(stemmer: str, fingerprint: str) -> str:
    """The alias one stemmer's cache file is attached as, e.g. ``fts_finnish_1234``.

    The fts macros name the catalog they were built in, so a file is always attached under
    the alias it was built with; it is immutable, so once attached (read-only) it stays attached
    for every later session of the process."""
    if stemmer not in FTS_STEMMERS or not _IDENT.match(stemmer):
        raise StoreError(f"unknown stemmer {stemmer!r}; expected one of "
                         f"{', '.join(sorted(FTS_STEMMERS))}")
    if not _DIGITS.match(fingerprint):
        raise StoreError(f"not a fingerprint: {fingerprint!r}")
    return f"fts_{stemmer}_{fingerprint}"


def content_snapshot(con: duckdb.DuckDBPyConnection) -> tuple[int, str]:
    """The latest snapshot, up to the one this session reads, that changed a table an index
    file holds rows of (:data:`SEARCHED_TABLES`) or the schema, and the key of its commit time
    (:func:`store.db.commit_key`): the index of any later snapshot is the same."""
    return last_change(con, SEARCHED_TABLES)


def refresh_index(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Make sure the index of this session's snapshot is in the cache; returns texts per stemmer.

    Building an fts index costs about a second per thousand texts, so a stemmer whose texts
    are unchanged (same fingerprint of ids and contents) keeps its file, and a snapshot whose
    index is listed already costs nothing. Run it after a commit (it indexes what the session
    reads).
    """
    return _counts(_manifest(con))


@contextlib.contextmanager
def refreshing_index(con: duckdb.DuckDBPyConnection) -> Iterator[Future[dict[str, int]]]:
    """:func:`refresh_index`, its index files written in a thread of its own while the caller
    goes on writing with ``con``; the future's result is texts per stemmer.

    Why: the coding step codes excerpts in Python (one core), and building the fts indexes is
    DuckDB's work (the GIL released): side by side they keep both cores busy. The texts are read
    from the lake here, before the block starts, through a connection of its own on the same
    attach of the lake (``con.cursor()``); the thread then works on that copy and the cache
    files only, so it holds nothing of the catalog while the caller commits (a local catalog's
    SQLite file refuses a commit while a reader holds it). The caller may commit meanwhile only
    rows that are not searched (themes, coding): the index is of the snapshot that last changed
    :data:`SEARCHED_TABLES`.

        with refreshing_index(con) as index:
            save_coding(con, ...)               # commits of themes, alongside
        index.result()                          # -> {'english': 40, 'finnish': 16}

    Leaving the block waits for the thread; leaving it with an exception interrupts the index's
    statement first (the cache keeps only whole files, so an interrupted build leaves none).
    """
    reader = con.cursor()
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="litrev-index")
    try:
        reader.execute("USE " + lake_name(con))
        manifest = _manifest_path(reader)
        listed = _listed(manifest)
        if listed is not None:
            future: Future[dict[str, int]] = Future()
            future.set_result(_counts(listed))
        else:
            wanted = _read_texts(reader)
            # from here on the thread's statements cannot name the lake, even unqualified
            reader.execute("USE memory")
            future = pool.submit(lambda: _counts(_write_files(reader, manifest, wanted)))
        try:
            yield future
        except BaseException:
            reader.interrupt()
            raise
    finally:
        pool.shutdown(wait=True)
        with contextlib.suppress(duckdb.Error):
            reader.execute("DROP TABLE IF EXISTS search_docs")
        reader.close()


def _counts(files: dict[str, tuple[int, Path]]) -> dict[str, int]:
    return {stemmer: docs for stemmer, (docs, _) in files.items()}


def _manifest_path(con: duckdb.DuckDBPyConnection) -> Path:
    snapshot, committed = content_snapshot(con)
    return writable_cache_dir(con) / f"manifest-{snapshot}-{committed}-f{INDEX_FORMAT}.json"


def _manifest(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, Path]]:
    """stemmer -> (texts, cache file) of this session's snapshot, built when missing (a night
    that changed no searchable text reads no text from the lake)."""
    path = _manifest_path(con)
    listed = _listed(path)
    if listed is not None:
        return listed
    try:
        return _write_files(con, path, _read_texts(con))
    finally:
        con.execute("DROP TABLE IF EXISTS search_docs")


def _listed(manifest: Path) -> dict[str, tuple[int, Path]] | None:
    """The files a manifest names, when it and all of them exist."""
    if not manifest.exists():
        return None
    data = json.loads(manifest.read_text(encoding="utf-8"))
    files = {s: (int(v["docs"]), manifest.parent / v["file"]) for s, v in data.items()}
    return files if all(f.exists() for _, f in files.values()) else None


def _read_texts(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, str]]:
    """Copy the searchable texts from the lake into the session's temporary table
    ``search_docs``; stemmer -> (texts, fingerprint of its texts)."""
    load_fts(con)
    langs = sorted(LANGUAGE_STEMMERS)
    fill = internal("search_fill_docs")
    con.execute(fill.sql, fill.bind({"languages": langs,
                                     "stemmers": [LANGUAGE_STEMMERS[x] for x in langs]}))
    stemmers = internal("search_stemmers")
    return {r[0]: (int(r[1]), r[2]) for r in con.execute(
        stemmers.sql, stemmers.bind({"format": INDEX_FORMAT})).fetchall()}


def _write_files(con: duckdb.DuckDBPyConnection, manifest: Path,
                 wanted: dict[str, tuple[int, str]]) -> dict[str, tuple[int, Path]]:
    """Write each stemmer's index file that the cache lacks from ``search_docs``
    (:func:`_read_texts`), then the manifest; reads nothing from the lake."""
    folder = manifest.parent
    folder.mkdir(parents=True, exist_ok=True)
    fill = internal("search_index_fill")
    tf = internal("search_index_tf")
    files: dict[str, tuple[int, Path]] = {}
    for stemmer, (docs, fingerprint) in sorted(wanted.items()):
        alias = index_alias(stemmer, fingerprint)
        target = folder / f"fts-{stemmer}-{fingerprint}.duckdb"
        files[stemmer] = (docs, target)
        if target.exists():
            continue
        tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        con.execute("DETACH DATABASE IF EXISTS " + alias)  # its file was pruned
        con.execute("ATTACH '" + str(tmp).replace("'", "''") + "' AS " + alias)
        try:
            con.execute(filled("search_index_table", cache=alias))
            con.execute(filled("search_index_create", cache=alias, stemmer=stemmer,
                                  stopwords="english" if stemmer == "english" else "none"))
            con.execute(filled("search_index_fill", cache=alias), fill.bind({"stemmer": stemmer}))
            con.execute(internal("search_index_tf_table").sql)
            slice_sql = filled("search_index_tf", cache=alias, stemmer=stemmer)
            for first in range(0, docs, INDEX_SLICE_TEXTS):
                con.execute(slice_sql, tf.bind({"first": first, "last": first + INDEX_SLICE_TEXTS}))
            con.execute(filled("search_index_terms", cache=alias))
            con.execute(filled("search_index_key", cache=alias))
        finally:
            con.execute("DETACH " + alias)
        os.replace(tmp, target)
    write_atomically(manifest, json.dumps(
        {s: {"docs": d, "file": f.name} for s, (d, f) in files.items()}, sort_keys=True
    ).encode("utf-8"))
    _prune(folder, keep=manifest)
    return files


def _prune(folder: Path, *, keep: Path) -> None:
    """Forget old manifests (beyond the newest few, and any of another index format, which this
    litrev never reads) and the index files none of them names."""
    current = f"-f{INDEX_FORMAT}.json"
    manifests = sorted(folder.glob("manifest-*.json"),
                       key=lambda p: int(p.stem.split("-")[1]), reverse=True)
    other_formats = [m for m in manifests if not m.name.endswith(current)]
    for old in [*manifests[KEEP_MANIFESTS:], *other_formats]:
        if old != keep:
            with contextlib.suppress(FileNotFoundError):
                old.unlink()
    named: set[str] = set()
    for m in folder.glob("manifest-*.json"):
        with contextlib.suppress(FileNotFoundError, ValueError):
            named |= {v["file"] for v in json.loads(m.read_text(encoding="utf-8")).values()}
    for f in folder.glob("fts-*.duckdb"):
        if f.name not in named:
            with contextlib.suppress(FileNotFoundError):
                f.unlink()


def attach_index(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Attach (read-only) the index files of this session's snapshot; returns their aliases."""
    files = _manifest(con)
    attached = {r[0] for r in con.execute("SELECT database_name FROM duckdb_databases()"
                                          ).fetchall()}
    aliases = []
    for stemmer, (_, path) in sorted(files.items()):
        m = _FILE.match(path.name)
        if m is None:
            raise SearchIndexMissing(f"unexpected file {path} in the search cache; delete "
                                     f"{path.parent} (it is rebuilt from the lake)")
        alias = index_alias(stemmer, m.group(2))
        if alias not in attached:
            con.execute("ATTACH IF NOT EXISTS '" + str(path).replace("'", "''") + "' AS "
                        + alias + " (READ_ONLY)")
        aliases.append(alias)
    return aliases


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
    load_fts(con)
    aliases = attach_index(con)
    if theme is not None:
        known = one_row(con, internal("search_theme_ids").sql)[0]
        if theme not in known:
            raise StoreError(f"unknown theme {theme!r}; the codebook has: "
                             f"{', '.join(known) or 'no themes yet (run litrev code)'}")
    text = unicodedata.normalize("NFC", text)
    # 1. Score in the local index files only (the postings of the query's terms), keep the
    #    best text per excerpt, filter and cut to ``limit``; 2. read those few excerpts, their
    #    works and translations from the index files too, and only their themes from the lake.
    if not aliases:  # nothing indexed yet
        return pd.DataFrame(columns=RESULT_COLUMNS)
    stemmers = [_stemmer_of(alias) for alias in aliases]
    hits_sql = "\nUNION ALL\n".join(
        filled("search_match", cache=a, stemmer=s) for a, s in zip(aliases, stemmers,
                                                                       strict=True))
    best = internal("search_best")
    chosen = con.execute(
        best.sql.replace("{hits}", hits_sql),
        {**best.bind({"theme": theme, "limit": limit}), "q": text, "lang": lang}).fetchall()
    if not chosen:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    # Every text of the chosen excerpts (the matched one, the original with its work, the
    # translations) from the index files by an index lookup, not from the lake's Parquet files.
    ids = sorted({r[0] for r in chosen})
    texts = internal("search_texts")
    docs = {row[0]: _IndexedText(*row) for row in con.execute(
        "\nUNION ALL\n".join(filled("search_texts", cache=a) for a in aliases),
        texts.bind({"ids": ids})).fetchall()}
    shown = _shown_translations([d for d in docs.values() if d.field == "translation"],
                                target_language)
    themes_sql = internal("search_themes")
    themes = dict(con.execute(themes_sql.sql, themes_sql.bind({"ids": ids})).fetchall())
    rows = []
    for excerpt_id, score, field, doc_id, stemmer in chosen:
        o = docs[excerpt_id + ":o"]
        tr = shown.get(excerpt_id)
        rows.append((excerpt_id, score, field, o.language, o.kind, o.title, o.year, o.doi,
                     themes.get(excerpt_id), o.raw, tr and tr.raw, tr and tr.language,
                     tr and tr.status, docs[doc_id].text, stemmer))
    found = pd.DataFrame(rows, columns=[*(c for c in RESULT_COLUMNS if c != "snippet"),
                                        "matched_text", "matched_stemmer"])
    found["year"] = found["year"].astype("Int64")
    found["snippet"] = snippets(con, found["matched_text"].tolist(),
                                found["matched_stemmer"].tolist(), text)
    return found[RESULT_COLUMNS]


class _IndexedText(NamedTuple):
    """A row of ``search_texts``: one text of an index file."""

    doc_id: str
    excerpt_id: str
    field: str  # original or translation
    text: str  # as indexed (NFC)
    raw: str  # as stored
    language: str | None  # an original's language, a translation's target language
    kind: str | None  # originals only, like title, year and doi
    title: str | None
    year: int | None
    doi: str | None
    status: str | None  # translations only


# Which translation a hit shows when its excerpt has several: into the target language first,
# then by the chain's precedence (a reviewer's, translation memory's, a machine's), then by
# language.
_PRECEDENCE = {status.value: rank for rank, status in enumerate(TranslationStatus)}


def _shown_translations(translations: list[_IndexedText], target: str | None
                        ) -> dict[str, _IndexedText]:
    """excerpt id -> the translation a search shows with it."""
    last = len(_PRECEDENCE)
    shown: dict[str, _IndexedText] = {}
    for t in sorted(translations, key=lambda t: (t.language != target,
                                                 _PRECEDENCE.get(t.status or "", last),
                                                 t.language or "")):
        shown.setdefault(t.excerpt_id, t)
    return shown


def _stemmer_of(alias: str) -> str:
    """The stemmer of an alias made by :func:`index_alias` (``fts_finnish_1234`` -> finnish)."""
    stemmer = alias.split("_")[1]
    if stemmer not in FTS_STEMMERS:
        raise StoreError(f"not an index alias: {alias!r}")
    return stemmer


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
