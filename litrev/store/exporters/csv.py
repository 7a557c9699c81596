"""CSV: one row per excerpt, every cell through the formula guard.

``excel_bom`` writes a UTF-8 byte order mark, so Excel opens non-ASCII text correctly.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from litrev.store.cells import cell_text, neutralise
from litrev.store.exporters.table import COLUMNS, ExportRequest, iter_rows, visible


def write(con: duckdb.DuckDBPyConnection, path: Path, request: ExportRequest) -> int:
    count = 0
    with open(path, "w", encoding="utf-8-sig" if request.excel_bom else "utf-8",
              newline="") as f:
        out = csv.writer(f)
        out.writerow(COLUMNS)
        for batch in iter_rows(con, request):
            for row in batch:
                out.writerow([neutralise(cell_text(v)) for v in visible(row)])
                count += 1
    return count
