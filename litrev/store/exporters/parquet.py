"""Parquet (zstd): the table columns with typed year, synthetic flag and retrieval date."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from litrev.store.exporters.table import COLUMNS, ExportRequest, iter_rows


def schema() -> Any:
    import pyarrow as pa

    types = {"year": pa.int32(), "synthetic": pa.bool_(), "retrieved": pa.date32()}
    return pa.schema([(c, types.get(c, pa.string())) for c in COLUMNS])


def write(con: duckdb.DuckDBPyConnection, path: Path, request: ExportRequest) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table_schema = schema()
    count = 0
    with pq.ParquetWriter(path, table_schema, compression="zstd") as writer:
        for batch in iter_rows(con, request):
            table = pa.Table.from_pylist([{c: row[c] for c in COLUMNS} for row in batch],
                                         schema=table_schema)
            writer.write_table(table)
            count += len(batch)
        if count == 0:
            writer.write_table(table_schema.empty_table())
    return count
