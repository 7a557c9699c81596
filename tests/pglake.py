"""Attach a DuckLake whose catalog is a PostgreSQL database (extensions from their wheels)."""

from __future__ import annotations

import importlib
from pathlib import Path

import duckdb


def load_from_wheel(con: duckdb.DuckDBPyConnection, name: str) -> None:
    module = importlib.import_module(f"duckdb_extension_{name}")
    path = (Path(module.__file__).parent / "extensions" / f"v{duckdb.__version__}"  # type: ignore[arg-type]
            / f"{name}.duckdb_extension")
    con.execute(f"INSTALL '{path}'")
    con.execute(f"LOAD {name}")


def attach(conninfo: str, data_path: str, *, read_only: bool = False
           ) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name in ("parquet", "postgres", "ducklake"):
        load_from_wheel(con, name)
    options = f"DATA_PATH '{data_path}'" + (", READ_ONLY" if read_only else "")
    con.execute(f"ATTACH 'ducklake:postgres:{conninfo}' AS lake ({options})")
    con.execute("USE lake")
    return con
