"""The reviewers' excerpt tables: XLSX, CSV, Markdown, HTML, Parquet and RIS exports.

:func:`export_excerpts` is the one entry: it checks the request, picks the format's writer
(:mod:`litrev.store.exporters`, one module per format) and makes the file appear only when
complete.

Why neutralised: reviewers open the files in Excel or LibreOffice. A harvested text that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would run as a formula there
(``=HYPERLINK(...)`` phoning home). CSV and XLSX cells starting so get a single quote in front,
and XLSX cells are always written as strings, never formulas. ``litrev.store.reviews`` strips that
quote again on import (the guard is ``litrev.store.cells``).

    with read_session(db) as con:
        result = export_excerpts(con, "review.xlsx", "xlsx", themes=["role_clarity"],
                                 languages=["fi"])
    # -> ExportResult(excerpts=3, cut_cells=0, cut_excerpt_ids=(), cleaned_cells=0, ...)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import duckdb

from litrev.store import exporters
from litrev.store.exporters.table import COLUMNS, ExportError, ExportRequest, ExportResult
from litrev.store.sqlfiles import internal
from litrev.vocabulary import ExcerptKind

__all__ = ["COLUMNS", "ExportError", "ExportRequest", "ExportResult", "default_target_language",
           "export_excerpts", "format_for", "ids_from_saved_query"]


def format_for(path: str | os.PathLike[str], fmt: str | None) -> str:
    """The format asked for, or the one the file name's suffix implies."""
    formats = ", ".join(exporters.WRITERS)
    if fmt:
        if fmt not in exporters.WRITERS:
            raise ExportError(f"unknown export format {fmt!r}; choose one of {formats}")
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in exporters.SUFFIXES:
        raise ExportError(f"cannot tell the format from {Path(path).name!r}; pass --format "
                          f"({formats})")
    return exporters.SUFFIXES[suffix]


def default_target_language(con: duckdb.DuckDBPyConnection, profile_target: str | None) -> str:
    """The profile's target language; without a profile the one most translations are into."""
    if profile_target:
        return profile_target
    row = con.execute(internal("translation_target_languages").sql).fetchone()
    return str(row[0]) if row else "en"


def _kind(kind: str | None) -> ExcerptKind | None:
    if kind is None:
        return None
    try:
        return ExcerptKind(kind)
    except ValueError:
        raise ExportError(f"unknown kind {kind!r}; choose one of "
                          f"{', '.join(ExcerptKind)}") from None


def export_excerpts(con: duckdb.DuckDBPyConnection, out_path: str | os.PathLike[str],
                    fmt: str | None = None, *, themes: Sequence[str] = (),
                    languages: Sequence[str] = (), kind: str | None = None,
                    since: dt.date | None = None, excerpt_ids: Sequence[str] | None = None,
                    target_language: str | None = None, excel_bom: bool = False,
                    description: str = "") -> ExportResult:
    """Write the filtered excerpt table to ``out_path``; return how many excerpts it wrote and
    which cells it had to cut or clean (:class:`ExportResult`; ``warnings()`` are the lines to
    show).

    The file appears only when complete (written under a temporary name, then renamed), so a
    failed export never leaves half a table where the reviewer expects one. ``excerpt_ids``
    (e.g. from :func:`ids_from_saved_query`) keeps only those excerpts; ``None`` means all.
    """
    out = Path(out_path)
    fmt = format_for(out, fmt)
    if not out.parent.exists():
        raise ExportError(f"the folder {out.parent} does not exist; create it or choose another "
                          "-o path")
    request = ExportRequest(
        target_language=default_target_language(con, target_language), themes=themes,
        languages=languages, kind=_kind(kind), since=since, excerpt_ids=excerpt_ids,
        excel_bom=excel_bom, description=description)
    write = exporters.WRITERS[fmt]
    fd, tmp_name = tempfile.mkstemp(prefix=out.name + ".", suffix=".part", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        written = write(con, tmp, request)
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    return written if isinstance(written, ExportResult) else ExportResult(written)


def ids_from_saved_query(con: duckdb.DuckDBPyConnection, name: str,
                         params: dict[str, str] | None = None) -> list[str]:
    """The excerpt ids a saved query returns, in its order, each once: all of them unless
    ``params`` sets the query's ``limit`` (an export never stops silently at the few hundred
    rows a query shows on screen)."""
    from litrev.store.queries import get_query, run_saved

    query = get_query(name)
    values: dict[str, object] = dict(params or {})
    if any(p.name == "limit" for p in query.params):
        values.setdefault("limit", None)  # LIMIT NULL: every row
    result = run_saved(con, query, values)
    if "excerpt_id" not in result.columns:
        raise ExportError(f"saved query {name!r} returns no excerpt_id column, so it cannot "
                          "choose excerpts to export; use one that lists excerpts (e.g. "
                          "excerpts_of_theme, excerpts_in_language, new_since)")
    return list(dict.fromkeys(str(i) for i in result["excerpt_id"].dropna()))
