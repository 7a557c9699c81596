"""The export formats: one module per format, each a :class:`~.table.Writer`.

Adding a format is one module with ``write(con, path, request) -> int`` and a line in
:data:`WRITERS` (and its file suffixes in :data:`SUFFIXES`). A writer that takes the filters
as keywords, such as ``write_qdpx(con, path, **filters)``, joins through a one-line adapter::

    WRITERS["qdpx"] = lambda con, path, request: write_qdpx(con, path, **request.filters())
"""

from __future__ import annotations

from litrev.store.exporters import csv, html, markdown, parquet, ris, xlsx
from litrev.store.exporters.table import Writer

WRITERS: dict[str, Writer] = {"xlsx": xlsx.write, "csv": csv.write, "markdown": markdown.write,
                              "html": html.write, "parquet": parquet.write, "ris": ris.write}
FORMATS = tuple(WRITERS)
SUFFIXES = {".xlsx": "xlsx", ".csv": "csv", ".md": "markdown", ".markdown": "markdown",
            ".html": "html", ".htm": "html", ".parquet": "parquet", ".ris": "ris"}
