"""What every excerpt export shares: the request, the ``Writer`` protocol, the columns and rows.

Why streamed: a review corpus can hold hundreds of thousands of excerpts. Rows come from DuckDB
as Arrow record batches (``to_arrow_reader``) and each table writer writes them as they arrive,
so memory stays bounded whatever the size; nothing goes through a whole-table pandas frame.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import duckdb

from litrev.store.errors import StoreError
from litrev.store.sqlfiles import internal
from litrev.vocabulary import ExcerptKind, TranslationStatus

Row = dict[str, Any]
BATCH_ROWS = 2_000

# The columns of every table export, in order. Reviewers fill the last three.
COLUMNS = ("excerpt_id", "themes", "language", "original_text", "translation",
           "translation_language", "translation_status", "translation_provider", "kind",
           "section", "stance", "authors", "year", "title", "venue", "doi_link", "cited_work",
           "cited_doi_link", "source", "origin", "synthetic", "retrieved", "decision", "note",
           "corrected_translation")
REVIEWER_COLUMNS = ("decision", "note", "corrected_translation")
COLUMN_HELP = {
    "excerpt_id": "stable id of the excerpt; keep it: import-reviews matches rows by it",
    "themes": "codebook themes the excerpt matched (original or translation)",
    "language": "detected language of the original text",
    "original_text": "the text as harvested",
    "translation": "the translation into translation_language (see translation_status)",
    "translation_language": "the language of the translation",
    "translation_status": "human (a reviewer's correction), tm (translation memory), machine "
                          "(unreviewed machine translation), pending/failed/untranslated "
                          "(none yet), not needed (already in the target language)",
    "translation_provider": "who translated: reviewer, a translation memory, or a machine "
                            "translation service",
    "kind": "abstract, citation_statement or title",
    "section": "section of the citing paper a citation statement comes from",
    "stance": "supporting, mentioning or contrasting, where the source gives it",
    "authors": "authors of the work the excerpt belongs to",
    "year": "publication year of the work",
    "title": "title of the work",
    "venue": "journal, book or repository",
    "doi_link": "link to the work by DOI",
    "cited_work": "for citation statements: the work cited",
    "cited_doi_link": "link to the cited work by DOI",
    "source": "the source that first delivered the excerpt",
    "origin": "where the text itself came from (file, repository, page)",
    "synthetic": "yes = a synthetic test or demo record, not a real publication",
    "retrieved": "day the excerpt was first retrieved (UTC)",
    "decision": "YOUR DECISION, e.g. include / exclude / maybe; (clear) erases a stored one",
    "note": "YOUR NOTE; (clear) erases a stored one",
    "corrected_translation": "YOUR CORRECTED TRANSLATION; it replaces the translation and is "
                             "never overwritten by a machine",
}
# translation_status values that writers mark: an unreviewed machine translation, or none yet
# ("untranslated" is the export query's word for a text with no translation row).
UNREVIEWED_TRANSLATION = frozenset({TranslationStatus.MACHINE})
NO_TRANSLATION = frozenset({TranslationStatus.PENDING, TranslationStatus.FAILED, "untranslated"})


class ExportError(StoreError):
    """An export cannot be made as asked; nothing was written."""


@dataclass(frozen=True)
class ExportRequest:
    """Which excerpts to export and how: the filters, the translation language, and the
    options only some formats read (``excel_bom`` for CSV, ``description`` for XLSX and HTML).

    ``excerpt_ids`` keeps only those excerpts (``None``: all).
    """

    target_language: str
    themes: Sequence[str] = ()
    languages: Sequence[str] = ()
    kind: ExcerptKind | None = None
    since: dt.date | None = None
    excerpt_ids: Sequence[str] | None = None
    excel_bom: bool = False
    description: str = ""

    def filters(self) -> dict[str, Any]:
        """The filters as keywords, for a writer that takes them so::

            write_qdpx(con, path, **request.filters())
        """
        return {"themes": self.themes, "languages": self.languages, "kind": self.kind,
                "since": self.since, "excerpt_ids": self.excerpt_ids,
                "target_language": self.target_language}


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: how many excerpts, and every cell it could not hold as stored.

    ``cut_cells`` counts cells whose text was longer than the format holds (an XLSX cell:
    32,767 characters), each cut with a marker in the file; ``cleaned_cells`` those whose
    control characters (which an XLSX file cannot carry) were left out; ``cut_excerpt_ids`` and
    ``cleaned_excerpt_ids`` name their excerpts, each once, in the file's order. The whole texts
    stay in the store (and in the CSV and Parquet exports, which have no such limit).
    """

    excerpts: int
    cut_cells: int = 0
    cut_excerpt_ids: tuple[str, ...] = ()
    cleaned_cells: int = 0
    cleaned_excerpt_ids: tuple[str, ...] = ()

    def warnings(self) -> list[str]:
        """One line for what was cut and one for what was cleaned; none when nothing was."""
        lines = []
        if self.cut_cells:
            cells = f"{self.cut_cells} cell{'s' if self.cut_cells != 1 else ''}"
            lines.append(
                f"litrev: warning: {cells} longer than a spreadsheet cell holds (32,767 "
                f"characters) cut, with a marker at the cut, in excerpt"
                f"{'s' if len(self.cut_excerpt_ids) != 1 else ''} "
                f"{', '.join(self.cut_excerpt_ids)}; the whole texts are in the store (export "
                "--format csv or parquet keeps them whole)")
        if self.cleaned_cells:
            cells = f"{self.cleaned_cells} cell{'s' if self.cleaned_cells != 1 else ''}"
            lines.append(
                f"litrev: warning: {cells} held control characters that a spreadsheet cannot "
                f"hold, left out of the file, in excerpt"
                f"{'s' if len(self.cleaned_excerpt_ids) != 1 else ''} "
                f"{', '.join(self.cleaned_excerpt_ids)}; the store keeps the texts as harvested "
                "(export --format csv or parquet keeps them)")
        return lines


class Writer(Protocol):
    """One export format: write the requested excerpts to ``path``; return how many (an int),
    or an :class:`ExportResult` when the format can cut a cell (XLSX).

    A writer reads what it needs from ``con`` itself: the table formats stream
    :func:`iter_rows`; a format with its own structure (REFI-QDA's project of sources and codes)
    runs its own queries with ``request.filters()``. ``path`` is a temporary file that
    :func:`litrev.store.export.export_excerpts` renames once the writer returns.
    """

    def __call__(self, con: duckdb.DuckDBPyConnection, path: Path,
                 request: ExportRequest) -> int | ExportResult: ...


def check_themes(con: duckdb.DuckDBPyConnection, themes: Sequence[str]) -> None:
    if not themes:
        return
    known = [r[0] for r in con.execute(internal("theme_ids").sql).fetchall()]
    unknown = [t for t in themes if t not in known]
    if unknown:
        listed = ", ".join(known) if known else "none yet (run the coding step first)"
        raise ExportError(f"unknown theme {unknown[0]!r}; the themes are: {listed}")


def _params(request: ExportRequest) -> dict[str, object]:
    return {"target": request.target_language, "themes": list(request.themes),
            "langs": list(request.languages), "kind": request.kind, "since": request.since,
            "use_ids": request.excerpt_ids is not None, "ids": list(request.excerpt_ids or [])}


def iter_rows(con: duckdb.DuckDBPyConnection, request: ExportRequest, *,
              batch_rows: int = BATCH_ROWS) -> Iterator[list[Row]]:
    """Yield the export rows in batches of dicts, streamed from DuckDB as Arrow batches."""
    check_themes(con, request.themes)
    statement = internal("export_excerpts")
    reader = con.execute(statement.sql, statement.bind(_params(request))).to_arrow_reader(
        batch_rows)
    for batch in reader:
        if batch.num_rows:
            yield batch.to_pylist()


def iter_columns(con: duckdb.DuckDBPyConnection, request: ExportRequest,
                 columns: Sequence[str], *, batch_rows: int = BATCH_ROWS
                 ) -> Iterator[list[list[Any]]]:
    """:func:`iter_rows` as one list per column, in the order given: for a writer that works a
    column at a time (the XLSX writer's guard), with no row objects built at all."""
    check_themes(con, request.themes)
    statement = internal("export_excerpts")
    reader = con.execute(statement.sql, statement.bind(_params(request))).to_arrow_reader(
        batch_rows)
    for batch in reader:
        if batch.num_rows:
            yield [batch.column(c).to_pylist() for c in columns]


def visible(row: Row) -> list[Any]:
    """The row's values in :data:`COLUMNS` order (the query's extra ``_`` columns left out)."""
    return [row[c] for c in COLUMNS]
