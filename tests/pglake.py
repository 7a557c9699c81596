"""Open a lake whose catalog is a PostgreSQL database by hand, with litrev's own attach.

A connection of its own DuckDB instance (``shared=False``): a plain ``con.close()`` releases it,
so each writer process of tests/test_ducklake_postgres.py is exactly one DuckLake client.
"""

from __future__ import annotations

import duckdb

from litrev.store.db import connect
from litrev.store.location import StoreLocation


def attach(conninfo: str, data_path: str, *, read_only: bool = False
           ) -> duckdb.DuckDBPyConnection:
    location = StoreLocation.parse("ducklake:postgres:" + conninfo, data_path=data_path)
    return connect(location, read_only=read_only, shared=False)
