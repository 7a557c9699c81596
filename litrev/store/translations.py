"""The store's side of translation: what needs translating, lookups, saving, memory import.

Why here: the translation step reads on the snapshot (never blocking a harvest), calls the
provider with no database open, and then saves everything in one short write. This module
holds the statements for each of those steps; no HTTP, no provider code.

    with read_session(db) as con:
        todo = texts_to_translate(con, "en")          # text_hash, text, source_language
        found = lookups(con, keys, "en", "google")     # human / memory / cache answers
    with write_session(db) as con:
        save_results(con, results, now=now)            # translations + translation_cache

Keys: ``translations`` and ``translation_cache`` by the hash of the text as stored
(:func:`extract.normalize.text_hash`, = ``excerpts.text_hash``); ``translation_memory`` by the
hash of the normalised text (:func:`extract.translation_memory.memory_key`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import duckdb
import pandas as pd
import pyarrow as pa

from litrev.extract.translate import ChainResult
from litrev.extract.translation_memory import MemoryEntry
from litrev.faults import pause_at
from litrev.store.db import frame, transaction
from litrev.store.errors import StoreError
from litrev.store.sqlfiles import internal


@dataclass(frozen=True)
class SavedTranslations:
    """What one save wrote: ``translations`` rows, ``translation_cache`` rows added for fresh
    provider answers, and translation memory entries stored (new or changed)."""

    translations_written: int
    cache_rows_added: int = 0
    entries_stored: int = 0


@dataclass(frozen=True)
class TodoText:
    text_hash: str
    text: str
    source_language: str
    memory_key: str


@dataclass
class Lookups:
    """Answers already in the database for a set of texts."""

    human: dict[str, str] = field(default_factory=dict)                       # hash -> text
    memory: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    # (memory key, source language) -> (target text, origin)
    cache: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    # (text hash, source language) -> (text, provider)


def texts_to_translate(con: duckdb.DuckDBPyConnection, target_language: str, *,
                       include_failed: bool = False, limit: int | None = None) -> pd.DataFrame:
    """Texts needing a translation into ``target_language`` (see ``translation_todo.sql``).

    Columns: ``text_hash``, ``text``, ``source_language``, ``current_status`` (None or
    ``pending``/``failed``).
    """
    if limit is not None and limit < 0:
        raise StoreError(f"limit must be 0 or more, got {limit}")
    q = internal("translation_todo")
    return frame(con, q.sql, q.bind({"target": target_language, "since": None,
                                     "retry_pending": True, "include_failed": include_failed,
                                     "limit": limit}))


def texts_changed_to_translate(con: duckdb.DuckDBPyConnection, target_language: str, *,
                               retry_pending: bool, include_failed: bool = False
                               ) -> pd.DataFrame | None:
    """What a harvest translates: the texts stored or changed since the last harvest whose
    translation step finished, and the flagged ones (``translation_todo.sql`` with ``since``);
    the same columns as :func:`texts_to_translate`. ``None`` when no harvest has translated into
    this language yet (then every text is looked at). Why: a night with nothing new must not
    read the whole corpus."""
    since = con.execute(*_bound("translation_since", {"target": target_language})).fetchone()
    if not since or since[0] is None:
        return None
    q = internal("translation_todo")
    return frame(con, q.sql, q.bind({"target": target_language, "since": since[0],
                                     "retry_pending": retry_pending,
                                     "include_failed": include_failed, "limit": None}))


def _bound(name: str, values: dict[str, object]) -> tuple[str, dict[str, object]]:
    q = internal(name)
    return q.sql, q.bind(values)


def _keys_table(todo: Sequence[TodoText]) -> pa.Table:
    return pa.table({
        "text_hash": pa.array([t.text_hash for t in todo], pa.string()),
        "memory_key": pa.array([t.memory_key for t in todo], pa.string()),
        "source_language": pa.array([t.source_language for t in todo], pa.string()),
    })


def lookups(con: duckdb.DuckDBPyConnection, todo: Sequence[TodoText], target_language: str,
            provider: str | None) -> Lookups:
    """Human corrections, memory matches and cached answers of ``provider`` for ``todo``."""
    found = Lookups()
    if not todo:
        return found
    con.register("translation_keys", _keys_table(todo))
    try:
        q = internal("translation_lookup_human")
        for text_hash, text in con.execute(q.sql, q.bind({"target": target_language})
                                           ).fetchall():
            found.human[text_hash] = text
        q = internal("translation_lookup_memory")
        for key, lang, text, origin in con.execute(
                q.sql, q.bind({"target": target_language})).fetchall():
            found.memory[(key, lang)] = (text, origin)
        if provider:
            q = internal("translation_lookup_cache")
            for text_hash, lang, text, name in con.execute(
                    q.sql, q.bind({"target": target_language, "provider": provider})
            ).fetchall():
                found.cache[(text_hash, lang)] = (text, name)
    finally:
        con.unregister("translation_keys")
    return found


_RESULT_COLUMNS = ("text_hash", "target_language", "source_language", "translated_text",
                   "provider", "status", "error")


def _results_table(results: Iterable[ChainResult]) -> pa.Table:
    rows = list(results)
    columns = {c: pa.array([getattr(r, c) for r in rows], pa.string()) for c in _RESULT_COLUMNS}
    columns["numbers_mismatch"] = pa.array([bool(r.numbers_mismatch) for r in rows], pa.bool_())
    return pa.table(columns)


def save_results(con: duckdb.DuckDBPyConnection, results: Sequence[ChainResult], *,
                 now: dt.datetime | None = None) -> SavedTranslations:
    """Store chain results in one transaction: cache rows for fresh provider answers, and
    the ``translations`` rows (never replacing a human correction).

    """
    now = now or dt.datetime.now(dt.UTC)
    by_key: dict[tuple[str, str], ChainResult] = {}
    for r in results:  # one row per (text, target): ON CONFLICT may touch a row only once
        by_key[(r.text_hash, r.target_language)] = r
    rows = list(by_key.values())
    fresh = [r for r in rows if r.new_cache_entry and r.translated_text]
    relations = {"translation_results": _results_table(rows),
                 "translation_new_cache": _results_table(fresh)}
    with transaction(con, relations=relations, failure="saving translations failed"):
        q = internal("translation_save_cache")
        con.execute(q.sql, q.bind({"now": now}))
        q = internal("translation_save")
        con.execute(q.sql, q.bind({"now": now}))
        pause_at("translation-saved")
    return SavedTranslations(translations_written=len(rows), cache_rows_added=len(fresh))


def memory_candidates(con: duckdb.DuckDBPyConnection, source_language: str,
                      target_language: str) -> pd.DataFrame:
    """Texts in ``source_language`` a memory into ``target_language`` may translate."""
    q = internal("memory_candidates")
    return frame(con, q.sql, q.bind({"source": source_language, "target": target_language}))


def save_memory(con: duckdb.DuckDBPyConnection, entries: Sequence[MemoryEntry], origin: str, *,
                now: dt.datetime | None = None) -> int:
    """Upsert memory entries; the caller holds the transaction. Returns the number of
    distinct entries stored (a later duplicate of the same source text wins)."""
    now = now or dt.datetime.now(dt.UTC)
    unique: dict[tuple[str, str, str], MemoryEntry] = {}
    for e in entries:
        unique[(e.key, e.source_language, e.target_language)] = e
    rows = list(unique.values())
    table = pa.table({
        "source_hash": pa.array([e.key for e in rows], pa.string()),
        "source_language": pa.array([e.source_language for e in rows], pa.string()),
        "target_language": pa.array([e.target_language for e in rows], pa.string()),
        "source_text": pa.array([e.source_text for e in rows], pa.string()),
        "target_text": pa.array([e.target_text for e in rows], pa.string()),
        "origin": pa.array([origin] * len(rows), pa.string()),
    })
    con.register("memory_incoming", table)
    try:
        q = internal("memory_save")
        con.execute(q.sql, q.bind({"now": now}))
    finally:
        con.unregister("memory_incoming")
    return len(rows)


def save_memory_and_results(con: duckdb.DuckDBPyConnection, entries: Sequence[MemoryEntry],
                            origin: str, results: Sequence[ChainResult], *,
                            now: dt.datetime | None = None) -> SavedTranslations:
    """Import memory entries and apply them to stored texts in one transaction."""
    now = now or dt.datetime.now(dt.UTC)
    by_key = {(r.text_hash, r.target_language): r for r in results}
    rows = list(by_key.values())
    with transaction(con, relations={"translation_results": _results_table(rows)},
                     failure="importing the translation memory failed"):
        stored = save_memory(con, entries, origin, now=now)
        q = internal("translation_save")
        con.execute(q.sql, q.bind({"now": now}))
    return SavedTranslations(translations_written=len(rows), entries_stored=stored)
