"""Incremental state: the watermark each source's query reached in its last successful search.

Why: a nightly harvest must ask each API only for what is new or updated since the last run
that succeeded (OAI-PMH ``from=``, OpenAlex ``from_updated_date``, a file's content hash). A
failed search stores nothing, so the next run asks again from the old watermark.

    with read_session(db) as con:
        state = load_state(con, "oaipmh")          # {"helda": "2026-11-25"}
    ctx = HarvestContext(profile, settings, state=state)
    with write_session(db) as con:                  # after the batch is loaded
        save_watermarks(con, results, run_id="r7")
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Protocol

import duckdb

from litrev.store.db import transaction, unique_key_batches
from litrev.store.sqlfiles import internal
from litrev.vocabulary import SearchStatus


class HasWatermark(Protocol):
    source: str
    query_key: str
    status: SearchStatus
    watermark: str | None


def load_state(con: duckdb.DuckDBPyConnection, source: str) -> Mapping[str, str]:
    """``query_key -> watermark`` of one source (empty before its first successful run)."""
    rows = con.execute(internal("source_state_of").sql, {"source": source}).fetchall()
    return MappingProxyType({key: watermark for key, watermark in rows})


def save_watermarks(con: duckdb.DuckDBPyConnection, results: Iterable[HasWatermark], *,
                    run_id: str, now: dt.datetime | None = None) -> int:
    """Store the watermark of every succeeded search that has one; returns how many.

    Searches that failed or were stopped keep their old watermark (they are skipped here).
    """
    import pyarrow as pa

    statement = internal("save_source_state")
    now = now or dt.datetime.now(dt.UTC)
    rows = [{"source": r.source, "query_key": r.query_key, "watermark": r.watermark,
             "run_id": run_id, "updated_at": now}
            for r in results if r.status == SearchStatus.SUCCEEDED and r.watermark]
    schema = pa.schema([("source", pa.string()), ("query_key", pa.string()),
                        ("watermark", pa.string()), ("run_id", pa.string()),
                        ("updated_at", pa.timestamp("us", tz="UTC"))])
    # one statement for every watermark (the last of a key repeated wins, as row by row)
    for batch in unique_key_batches(rows, lambda row: (row["source"], row["query_key"])):
        with transaction(con, relations={"watermark_batch": pa.Table.from_pylist(
                batch, schema=schema)}, begin=False):
            con.execute(statement.sql)
    return len(rows)
