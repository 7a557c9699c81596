"""Opening a test's lake by hand, as an analyst's script would (read-only, own instance)."""

from __future__ import annotations

import os

import duckdb

from litrev.store.db import connect, location_of


def lake_reader(db: str | os.PathLike) -> duckdb.DuckDBPyConnection:
    """A read-only connection on the lake at ``db``; ``con.close()`` releases everything."""
    return connect(location_of(db), read_only=True, shared=False)
