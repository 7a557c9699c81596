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
    statement = internal("save_source_state")
    now = now or dt.datetime.now(dt.UTC)
    saved = 0
    for result in results:
        if result.status != SearchStatus.SUCCEEDED or not result.watermark:
            continue
        con.execute(statement.sql, statement.bind({
            "source": result.source, "query_key": result.query_key,
            "watermark": result.watermark, "run_id": run_id, "now": now}))
        saved += 1
    return saved
