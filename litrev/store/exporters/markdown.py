"""Markdown: one table row per excerpt, line breaks flattened, ``|`` and HTML escaped."""

from __future__ import annotations

from pathlib import Path

import duckdb

from litrev.store.cells import escape_html
from litrev.store.exporters.table import COLUMNS, ExportRequest, iter_rows, visible


def _cell(value: object) -> str:
    return escape_html(value, quote=False).replace("\r", " ").replace("\n", " ") \
        .replace("|", "\\|")


def write(con: duckdb.DuckDBPyConnection, path: Path, request: ExportRequest) -> int:
    count = 0
    with open(path, "w", encoding="utf-8") as f:
        f.write("| " + " | ".join(COLUMNS) + " |\n")
        f.write("|" + "|".join("---" for _ in COLUMNS) + "|\n")
        for batch in iter_rows(con, request):
            for row in batch:
                f.write("| " + " | ".join(_cell(v) for v in visible(row)) + " |\n")
                count += 1
    return count
