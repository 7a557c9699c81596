"""Reading reviewers' decisions, notes and corrected translations back from exported tables.

Why so strict about the file: a reviewer's work must never be half-imported or attached to the
wrong excerpt. The whole file is read and checked first (the columns ``excerpt_id``,
``decision``, ``note`` and ``corrected_translation`` must be there under those names, and an
excerpt may not appear twice with different values); only then is everything written in one
transaction. Rows are matched by excerpt id; ids this database does not hold are reported and
skipped. An empty cell means "nothing to say", never "erase": a stored decision stays. To erase
a stored decision or note, type ``(clear)`` in its cell (:data:`CLEAR`). An export shows the
stored decisions and notes, so a reviewer edits them rather than starting from blank cells.
A CSV may be separated by commas or, as a spreadsheet in many European locales saves it, by
semicolons.

A corrected translation becomes the ``translations`` row of that text with status ``human`` and
provider ``reviewer``; the translation step never overwrites a human row. Importing the same file
twice changes nothing (not even ``imported_at``).

    with write_session(db) as con:
        summary = import_reviews(con, "review.xlsx")
    summary.reviews_new, summary.translations_human, summary.unknown_ids
    # -> (3, 1, [])
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from litrev.faults import pause_at
from litrev.store.cells import CUT_MARKER, strip_neutraliser
from litrev.store.db import one_row, transaction
from litrev.store.errors import StoreError
from litrev.store.sqlfiles import internal

REQUIRED_COLUMNS = ("excerpt_id", "decision", "note", "corrected_translation")
# Typed in a decision or note cell, this empties the stored value (an empty cell keeps it).
CLEAR = "(clear)"
CSV_DELIMITERS = (",", ";", "\t")
OPTIONAL_COLUMNS = ("translation_language",)
SHEET = "excerpts"


class ReviewFileError(StoreError):
    """The review file cannot be imported as it is; nothing was written."""


@dataclass
class ReviewRow:
    line: int  # row number in the file (the header is row 1)
    excerpt_id: str
    decision: str | None
    note: str | None
    corrected_translation: str | None
    translation_language: str | None
    # columns whose cell the XLSX export cut (it ends with CUT_MARKER): read as empty, so the
    # stored whole text is kept instead of being replaced by its cut copy
    cut: tuple[str, ...] = ()


@dataclass
class ImportSummary:
    file: str
    rows_read: int = 0           # data rows with an excerpt id
    rows_with_input: int = 0     # of those, rows with a decision, note or corrected translation
    reviews_new: int = 0
    reviews_updated: int = 0
    reviews_unchanged: int = 0
    translations_human: int = 0  # corrected translations that added or changed a translation
    unknown_ids: list[str] = field(default_factory=list)
    # (row, column) of cells the export had cut: their stored text was kept, not replaced
    cut_cells_kept: list[tuple[int, str]] = field(default_factory=list)


def _cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        value = value.isoformat()
    text = strip_neutraliser(str(value)).strip()
    if text.lower() == CLEAR:
        return CLEAR
    return text or None


def _read_xlsx(path: Path) -> list[list]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(path, read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ReviewFileError(f"{path.name} is not a readable .xlsx workbook ({exc}); save it "
                              "from Excel as .xlsx and retry") from None
    try:
        ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
        return [list(row) for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def _read_csv(path: Path) -> list[list]:
    """The rows of a review CSV in whatever Excel wrote: ``,`` or ``;`` (Finnish, Swedish,
    German settings), tab or ``|``; UTF-8, UTF-16 or a Windows code page (the import readers'
    decoder and delimiter sniffing)."""
    from litrev.extract.importers.decoding import decode_body, sniff_delimiter

    decoded = decode_body(path.read_bytes(), path.name)
    if decoded.warnings:
        raise ReviewFileError(f"{decoded.warnings[0]}; save the file as 'CSV UTF-8' and retry "
                              "(nothing was imported)")
    try:
        return list(csv.reader(io.StringIO(decoded.text, newline=""),
                               delimiter=sniff_delimiter(decoded.text)))
    except csv.Error as exc:
        raise ReviewFileError(f"{path.name} is not valid CSV ({exc})") from None


def _column_positions(header: list, path: Path) -> dict[str, int]:
    names = [str(h).strip().lower() if h is not None else "" for h in header]
    positions: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
            if name in positions:
                raise ReviewFileError(f"{path.name} has the column {name!r} twice; keep one and "
                                      "retry (nothing was imported)")
            positions[name] = i
    missing = [c for c in REQUIRED_COLUMNS if c not in positions]
    if missing:
        found = [n for n in names if n and n not in positions]
        hints = []
        for m in missing:
            close = difflib.get_close_matches(m, found, n=1, cutoff=0.6)
            hints.append(f"{m!r}" + (f" (renamed to {close[0]!r}?)" if close else ""))
        raise ReviewFileError(
            f"{path.name} lacks the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(hints)}; import-reviews needs {', '.join(REQUIRED_COLUMNS)} as "
            "exported by litrev export (nothing was imported)")
    return positions


def read_review_file(path: str | os.PathLike) -> list[ReviewRow]:
    """Read and check a review file (.xlsx or .csv); raise ReviewFileError if it cannot be used."""
    path = Path(path)
    if not path.exists():
        raise ReviewFileError(f"no file {path}; give the path of the exported table the "
                              "reviewers filled in")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        table = _read_xlsx(path)
    elif suffix == ".csv":
        table = _read_csv(path)
    else:
        raise ReviewFileError(f"{path.name}: import-reviews reads .xlsx or .csv files (export "
                              "with --format xlsx or csv)")
    if not table:
        raise ReviewFileError(f"{path.name} is empty; it needs a header row with "
                              f"{', '.join(REQUIRED_COLUMNS)}")
    pos = _column_positions(table[0], path)

    def get(row: list, name: str) -> str | None:
        i = pos.get(name)
        return _cell(row[i]) if i is not None and i < len(row) else None

    rows: list[ReviewRow] = []
    seen: dict[str, ReviewRow] = {}
    for line, raw in enumerate(table[1:], start=2):
        excerpt_id = get(raw, "excerpt_id")
        if excerpt_id is None:
            continue  # a blank or separator row
        note, corrected = get(raw, "note"), get(raw, "corrected_translation")
        cut = tuple(name for name, value in (("note", note), ("corrected_translation", corrected))
                    if value and value.endswith(CUT_MARKER.strip()))
        row = ReviewRow(line, excerpt_id, get(raw, "decision"),
                        None if "note" in cut else note,
                        None if "corrected_translation" in cut else corrected,
                        get(raw, "translation_language"), cut)
        before = seen.get(excerpt_id)
        if before is not None:
            same = (before.decision, before.note, before.corrected_translation) == (
                row.decision, row.note, row.corrected_translation)
            if not same:
                raise ReviewFileError(
                    f"{path.name}: excerpt {excerpt_id} is on rows {before.line} and {line} with "
                    "different values; keep one of them and retry (nothing was imported)")
            continue
        seen[excerpt_id] = row
        rows.append(row)
    return rows


def import_reviews(con: duckdb.DuckDBPyConnection, path: str | os.PathLike, *,
                   target_language: str = "en", now: dt.datetime | None = None
                   ) -> ImportSummary:
    """Import a filled-in export into ``reviews`` and ``translations`` in one transaction.

    ``target_language`` is used for corrected translations on rows whose file has no
    ``translation_language`` column (or an empty cell there).
    """
    import pyarrow as pa

    path = Path(path)
    now = now or dt.datetime.now(dt.UTC)
    rows = read_review_file(path)
    summary = ImportSummary(file=path.name, rows_read=len(rows))
    known = {r[0]: (r[1], r[2]) for r in con.execute(
        internal("excerpts_by_ids").sql, {"ids": [r.excerpt_id for r in rows]}).fetchall()}
    summary.unknown_ids = [r.excerpt_id for r in rows if r.excerpt_id not in known]
    summary.cut_cells_kept = [(r.line, name) for r in rows if r.excerpt_id in known
                              for name in r.cut]
    with_input = [r for r in rows if r.excerpt_id in known
                  and (r.decision or r.note or r.corrected_translation)]
    summary.rows_with_input = len(with_input)

    human: dict[tuple[str, str], tuple[str, str | None, int]] = {}
    for r in with_input:
        if r.corrected_translation == CLEAR:
            raise ReviewFileError(
                f"{path.name}: row {r.line} asks to clear a corrected translation; a correction "
                "stays the text's human translation: type the translation you want instead "
                "(nothing was imported)")
        if not r.corrected_translation:
            continue
        text_hash, language = known[r.excerpt_id]
        key = (text_hash, r.translation_language or target_language)
        if key in human and human[key][0] != r.corrected_translation:
            raise ReviewFileError(
                f"{path.name}: rows {human[key][2]} and {r.line} hold the same original text "
                "with different corrected translations; make them agree and retry (nothing was "
                "imported)")
        human[key] = (r.corrected_translation, language, r.line)

    incoming = pa.table({
        "excerpt_id": pa.array([r.excerpt_id for r in with_input], pa.string()),
        "decision": pa.array([r.decision for r in with_input], pa.string()),
        "note": pa.array([r.note for r in with_input], pa.string()),
        "corrected_translation": pa.array([r.corrected_translation for r in with_input],
                                          pa.string()),
    })
    human_incoming = pa.table({
        "text_hash": pa.array([k[0] for k in human], pa.string()),
        "target_language": pa.array([k[1] for k in human], pa.string()),
        "source_language": pa.array([v[1] for v in human.values()], pa.string()),
        "translated_text": pa.array([v[0] for v in human.values()], pa.string()),
    })
    relations = {"review_incoming": incoming, "human_incoming": human_incoming}
    with transaction(con, relations=relations, failure=f"importing {path.name} failed"):
        changes = internal("review_incoming_changes")
        summary.reviews_new, summary.reviews_updated = one_row(
            con, changes.sql, changes.bind({"clear": CLEAR}))
        summary.reviews_unchanged = (summary.rows_with_input - summary.reviews_new
                                     - summary.reviews_updated)
        summary.translations_human = one_row(
            con, internal("count_human_translation_changes").sql)[0]
        for name in ("merge_reviews", "insert_reviews"):
            merge = internal(name)
            con.execute(merge.sql, merge.bind({"file": path.name, "now": now, "clear": CLEAR}))
        merge = internal("merge_human_translations")
        con.execute(merge.sql, merge.bind({"now": now}))
        pause_at("reviews-saved")
    return summary
