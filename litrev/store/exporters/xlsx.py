"""XLSX: the reviewers' workbook, an ``excerpts`` sheet to fill and an ``about`` sheet.

Written with rvgsrust-xlsxwriter (Python bindings of the Rust crate rust_xlsxwriter, a port of
XlsxWriter by XlsxWriter's author) in constant-memory mode: each row goes to disk as soon as the
next one starts, so memory stays flat whatever the corpus size. Why not XlsxWriter any more:
its per-cell Python (escaping, XML, style lookups) was 77-85% of a 100,000-row export (43 s);
here a whole row is one call into Rust, and an unmarked cell takes its column's format without
a per-cell lookup (bench/export.py --xlsx-writers measures both on the same rows). openpyxl
still reads reviewed files back, in ``litrev.store.reviews``.

Every cell goes through the formula guard (``litrev.store.cells.xlsx_column``, a column of a
batch at a time) and is written as a string, never a formula; a text longer than a cell holds
is cut with a marker and counted (``ExportResult.cut_cells``). Machine translations are yellow
and italic, missing ones grey, synthetic records orange.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from litrev.store.cells import neutralise, xlsx_column
from litrev.store.exporters.table import (
    COLUMN_HELP,
    COLUMNS,
    NO_TRANSLATION,
    REVIEWER_COLUMNS,
    UNREVIEWED_TRANSLATION,
    ExportRequest,
    ExportResult,
    iter_columns,
)

if TYPE_CHECKING:
    from rvgsrust_xlsxwriter import Format, Workbook, Worksheet
WIDTHS = {"excerpt_id": 18, "themes": 18, "language": 9, "original_text": 60,
          "translation": 60, "translation_language": 10, "translation_status": 13,
          "translation_provider": 13, "kind": 12, "section": 16, "stance": 12,
          "authors": 24, "year": 7, "title": 40, "venue": 24, "doi_link": 28,
          "cited_work": 30, "cited_doi_link": 28, "source": 12, "origin": 24,
          "synthetic": 10, "retrieved": 11, "decision": 14, "note": 30,
          "corrected_translation": 60}
WRAPPED = {"original_text", "translation", "title", "cited_work", "authors", "note",
           "corrected_translation", "venue", "themes", "origin", "section"}
# Columns whose colour follows the translation's status, and the status column itself.
TRANSLATION_MARKED = ("translation", "translation_status", "translation_provider")
# Pixels of one character of the default font (Calibri 11). Widths are set in pixels so that the
# file stores exactly the widths above, as before (a width in characters would get Excel's cell
# padding added: 60 stored as 60.71).
_DIGIT_PIXELS = 7

HEADER_FILL = "#DDEBF7"
REVIEWER_FILL = "#E2EFDA"
MACHINE_FILL = "#FFF2CC"
MISSING_FILL = "#EDEDED"
SYNTHETIC_FILL = "#F8CBAD"
MACHINE_FONT = "#7F6000"




def _format(wb: Workbook, *, wrap: bool = False, bold: bool = False, italic: bool = False,
            fill: str | None = None, font_color: str | None = None, top: bool = True) -> Format:
    fmt = wb.add_format()
    if top:
        fmt.set_vertical_align("top")
    if wrap:
        fmt.set_text_wrap()
    if bold:
        fmt.set_bold()
    if italic:
        fmt.set_italic()
    if fill:
        fmt.set_pattern("solid").set_background_color(fill)
    if font_color:
        fmt.set_font_color(font_color)
    return fmt


def _mark_format(wb: Workbook, name: str, mark: str) -> Format:
    wrap = name in WRAPPED
    if mark == "machine":
        return _format(wb, wrap=wrap, fill=MACHINE_FILL, italic=True, font_color=MACHINE_FONT)
    if mark == "missing":
        return _format(wb, wrap=wrap, fill=MISSING_FILL)
    return _format(wb, wrap=wrap, fill=SYNTHETIC_FILL, bold=True)


def write(con: duckdb.DuckDBPyConnection, path: Path, request: ExportRequest) -> ExportResult:
    from rvgsrust_xlsxwriter import Workbook

    wb = Workbook()
    ws = wb.add_worksheet("excerpts", constant_memory=True)
    about = wb.add_worksheet("about")
    ws.freeze_panes(1, 1)  # header row and the excerpt id stay in view
    for i, name in enumerate(COLUMNS):
        # The column's format (wrapped or not, top-aligned) is what every unmarked cell of the
        # column gets when written without one, and what a reviewer's typed note gets: one
        # format per column, none per cell.
        ws.set_column_width_pixels(i, WIDTHS.get(name, 14) * _DIGIT_PIXELS)
        ws.set_column_format(i, _format(wb, wrap=name in WRAPPED))
        ws.write(0, i, name, _format(wb, wrap=True, bold=True, fill=REVIEWER_FILL
                                      if name in REVIEWER_COLUMNS else HEADER_FILL))
    # The cells a row's translation status marks, with their format, by mark.
    marked = {mark: [(COLUMNS.index(name), _mark_format(wb, name, mark))
                     for name in TRANSLATION_MARKED] for mark in ("machine", "missing")}
    status_col = COLUMNS.index("translation_status")
    synthetic_col = COLUMNS.index("synthetic")
    synthetic_format = _mark_format(wb, "synthetic", "synthetic")
    id_col = COLUMNS.index("excerpt_id")
    write_row, write_cell = ws.write_row, ws.write

    count = cut_cells = cleaned_cells = 0
    cut_ids: dict[str, None] = {}
    cleaned_ids: dict[str, None] = {}
    for raw in iter_columns(con, request, COLUMNS):
        columns = []
        for values in raw:
            column = xlsx_column(values)
            columns.append(column.cells)
            cut_cells += len(column.cut)
            cut_ids.update((str(raw[id_col][i]), None) for i in column.cut)
            cleaned_cells += len(column.cleaned)
            cleaned_ids.update((str(raw[id_col][i]), None) for i in column.cleaned)
        for status, synthetic, cells in zip(raw[status_col], raw[synthetic_col],
                                            map(list, zip(*columns, strict=True)), strict=True):
            count += 1
            write_row(count, 0, cells)  # never a formula: texts are written as strings
            if status in UNREVIEWED_TRANSLATION:
                for col, fmt in marked["machine"]:
                    write_cell(count, col, cells[col], fmt)
            elif status in NO_TRANSLATION:
                for col, fmt in marked["missing"]:
                    write_cell(count, col, cells[col], fmt)
            if synthetic:
                write_cell(count, synthetic_col, cells[synthetic_col], synthetic_format)
    ws.autofilter(0, 0, count, len(COLUMNS) - 1)
    _write_about(wb, about, count, request)
    wb.close(str(path))
    return ExportResult(count, cut_cells, tuple(cut_ids), cleaned_cells, tuple(cleaned_ids))


def _write_about(wb: Workbook, about: Worksheet, count: int, request: ExportRequest) -> None:
    about.set_column_width_pixels(0, 24 * _DIGIT_PIXELS)
    about.set_column_width_pixels(1, 100 * _DIGIT_PIXELS)
    bold = _format(wb, bold=True, top=False)
    values = {fill: _format(wb, wrap=True, fill=fill)
              for fill in (None, MACHINE_FILL, MISSING_FILL, SYNTHETIC_FILL)}
    row = 0

    def line(key: str, text: str, *, fill: str | None = None) -> None:
        nonlocal row
        about.write(row, 0, neutralise(key), bold)
        about.write(row, 1, neutralise(text), values[fill])
        row += 1

    line("litrev export", f"{count} excerpts, exported "
         f"{dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}"
         + (f"; {request.description}" if request.description else ""))
    line("translations into", request.target_language or "-")
    line("how to review", "Fill decision, note and corrected_translation on the 'excerpts' "
         "sheet (stored ones are shown; an empty cell keeps them, (clear) erases a decision or "
         "note); keep excerpt_id and the column names as they are; then run "
         "`litrev import-reviews FILE.xlsx`.")
    line("yellow, italic", "machine translation, not yet reviewed", fill=MACHINE_FILL)
    line("grey", "no translation yet (pending, failed or untranslated)", fill=MISSING_FILL)
    line("orange 'yes'", "synthetic record (test or demo data), not a real publication",
         fill=SYNTHETIC_FILL)
    line("leading '", "a text that would start a spreadsheet formula (= + - @) is shown with a "
         "leading quote so that it cannot run; import-reviews removes it")
    line("cut", "a text longer than a spreadsheet cell holds (32,767 characters) ends with "
         "'…[cut: longer than an Excel cell holds]'; the export said which excerpts; the whole "
         "text is in the store")
    row += 1  # an empty row before the columns' help
    for name in COLUMNS:
        line(name, COLUMN_HELP[name])
