"""Saving the codebook and the theme matches of excerpts; deciding what needs (re)coding.

Why a coding state table (``excerpt_coding``): an excerpt that matches no theme leaves no row in
``excerpt_themes``, yet must not be coded again on every run. Each coded excerpt remembers the
codebook version, its language and the md5 of the translation it was coded on; it is coded
again only when one of those changes (a new codebook version re-codes everything).

    changed = save_codebook(con, codebook)             # True when the version is new
    ids = coding_todo(con, codebook.version_key, "en")
    batch = coding_batch(con, ids[:2000], "en")         # excerpt_id, text, language, ...
    save_coding(con, codebook.version_key, batch, matches)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from litrev.extract.themes import Codebook
from litrev.faults import pause_at
from litrev.filesystems import write_atomically
from litrev.store.db import (
    frame,
    last_change,
    one_row,
    transaction,
    writable_cache_dir,
)
from litrev.store.sqlfiles import internal

_THEMES_SCHEMA = pa.schema([
    ("excerpt_id", pa.string()), ("theme_id", pa.string()), ("matched_in", pa.string()),
    ("matched_terms", pa.list_(pa.string())),
])
_BATCH_SCHEMA = pa.schema([
    ("excerpt_id", pa.string()), ("language", pa.string()), ("translation_hash", pa.string()),
])


def stored_codebook_version(con: duckdb.DuckDBPyConnection) -> str | None:
    sql = internal("themes_stored_version")
    version = one_row(con, sql.sql)[0]
    return str(version) if version is not None else None


def save_codebook(con: duckdb.DuckDBPyConnection, codebook: Codebook) -> bool:
    """Store the codebook's themes; returns True when its version differs from the stored one."""
    version = codebook.version_key
    if stored_codebook_version(con) == version:
        return False
    insert = internal("themes_insert")
    with transaction(con):
        con.execute(internal("themes_delete_all").sql)
        for theme in codebook.themes:
            con.execute(insert.sql, insert.bind({
                "theme_id": theme.id, "label": theme.label, "description": theme.description,
                "version": version}))
    return True


# What coding_todo reads: while none of them changed since a coding run left nothing to code,
# nothing needs coding (the codebook version and the target language being the same).
CODED_TABLES = ("excerpts", "translations", "excerpt_coding", "themes")
COMPLETE_FILE = "coding-complete.json"


def _coding_state(con: duckdb.DuckDBPyConnection, version: str, target_language: str
                  ) -> dict[str, Any]:
    snapshot, key = last_change(con, CODED_TABLES)
    return {"version": version, "target": target_language, "snapshot": snapshot, "key": key}


def coding_complete(con: duckdb.DuckDBPyConnection, version: str, target_language: str) -> bool:
    """True when every excerpt is coded under ``version``: a coding run marked the lake so
    (:func:`mark_coding_complete`) and no table :func:`coding_todo` reads changed since.

    Why: :func:`coding_todo` joins every excerpt with its translation and coding state, 79 ms
    of a quiet night at 300,000 excerpts and growing with the corpus; the last change of those
    tables is one query of the lake's snapshot list (about 10 ms). The mark is a file of the
    store's local cache folder, named by the snapshot and its commit time (a lake created again
    at the same path has other keys); without it, the list is computed."""
    path = writable_cache_dir(con) / COMPLETE_FILE   # where mark_coding_complete writes it
    try:
        marked = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(marked == _coding_state(con, version, target_language))


def mark_coding_complete(con: duckdb.DuckDBPyConnection, version: str,
                         target_language: str) -> None:
    """Mark the lake as it is now as coded under ``version`` (call it holding the writer's
    turn, after the last batch was saved); a cache folder that cannot be written only means
    the list is computed next time."""
    state = _coding_state(con, version, target_language)
    with contextlib.suppress(OSError):
        write_atomically(writable_cache_dir(con) / COMPLETE_FILE, json.dumps(state).encode())


def coding_todo(con: duckdb.DuckDBPyConnection, version: str, target_language: str, *,
                everything: bool = False) -> list[str]:
    """Ids of the excerpts that need coding under ``version``."""
    sql = internal("coding_todo")
    rows = con.execute(sql.sql, sql.bind({"version": version, "target": target_language,
                                          "everything": everything})).fetchall()
    return [r[0] for r in rows]


def coding_batch(con: duckdb.DuckDBPyConnection, ids: Sequence[str],
                 target_language: str) -> pd.DataFrame:
    """excerpt_id, text, language, translation, translation_hash of the given excerpts."""
    sql = internal("coding_batch")
    return frame(con, sql.sql, sql.bind({"ids": list(ids), "target": target_language}))


def save_coding(con: duckdb.DuckDBPyConnection, version: str, batch: pd.DataFrame,
                matches: Iterable[Mapping[str, Any]], *, now: dt.datetime | None = None) -> int:
    """Replace the theme matches of every excerpt in ``batch`` by ``matches``, in one
    transaction, and remember what they were coded on. Returns the number of matches saved."""
    now = now or dt.datetime.now(dt.UTC)
    themes = pa.Table.from_pylist(
        [{k: m[k] for k in _THEMES_SCHEMA.names} for m in matches], schema=_THEMES_SCHEMA)
    # column by column (no dict per row); a missing value (None or NaN) is NULL
    coded = pa.Table.from_arrays(
        [pa.array(batch[name] if name in batch.columns else [None] * len(batch),
                  type=pa.string(), from_pandas=True) for name in _BATCH_SCHEMA.names],
        schema=_BATCH_SCHEMA)
    with transaction(con, relations={"coded_themes": themes, "coded_batch": coded}):
        con.execute(internal("coding_delete_themes").sql)
        insert = internal("coding_insert_themes")
        con.execute(insert.sql, insert.bind({"version": version}))
        state = internal("coding_save_state")
        con.execute(state.sql, state.bind({"version": version, "now": now}))
        pause_at("coding-saved")
    return themes.num_rows


def drop_stale(con: duckdb.DuckDBPyConnection, version: str) -> None:
    """Remove matches of other codebook versions (after every excerpt was re-coded)."""
    sql = internal("coding_drop_stale")
    con.execute(sql.sql, sql.bind({"version": version}))


def theme_counts(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """theme_id, label, excerpts, in_original, in_translation."""
    return frame(con, internal("coding_counts").sql)
