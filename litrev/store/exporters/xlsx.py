"""XLSX: the reviewers' workbook, an ``excerpts`` sheet to fill and an ``about`` sheet.

Written with XlsxWriter in constant-memory mode: each row goes to disk as soon as the next one
starts, so memory stays flat whatever the corpus size, and it writes 100,000 styled excerpts in
a fraction of the time openpyxl's write-only mode took (bench/export.py; openpyxl still reads
reviewed files back, in ``litrev.store.reviews``). Every text cell is a string, never a formula,
and goes through the formula guard; machine translations are yellow and italic, missing ones
grey, synthetic records orange.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import duckdb

from litrev.store.cells import cell_text, neutralise
from litrev.store.exporters.table import (
    COLUMN_HELP,
    COLUMNS,
    NO_TRANSLATION,
    REVIEWER_COLUMNS,
    UNREVIEWED_TRANSLATION,
    ExportRequest,
    iter_tuples,
)

MAX_CELL = 32_767
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
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
# file stores exactly the widths above, as before; XlsxWriter's set_column would add Excel's
# cell padding (60 stored as 60.71).
_DIGIT_PIXELS = 7

HEADER_FILL = "#DDEBF7"
REVIEWER_FILL = "#E2EFDA"
MACHINE_FILL = "#FFF2CC"
MISSING_FILL = "#EDEDED"
SYNTHETIC_FILL = "#F8CBAD"
MACHINE_FONT = "#7F6000"


def _text(value: object) -> str:
    text = value if isinstance(value, str) else cell_text(value)
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub("", text)
    if len(text) > MAX_CELL:
        marker = " …[cut: longer than an Excel cell holds]"
        text = text[: MAX_CELL - len(marker)] + marker
    return neutralise(text)


def _mark_style(mark: str) -> dict[str, Any]:
    if mark == "machine":
        return {"pattern": 1, "bg_color": MACHINE_FILL, "italic": True,
                "font_color": MACHINE_FONT}
    if mark == "missing":
        return {"pattern": 1, "bg_color": MISSING_FILL}
    if mark == "synthetic":
        return {"pattern": 1, "bg_color": SYNTHETIC_FILL, "bold": True}
    return {}


def write(con: duckdb.DuckDBPyConnection, path: Path, request: ExportRequest) -> int:
    from xlsxwriter import Workbook

    wb = Workbook(str(path), {"constant_memory": True})
    try:
        ws = wb.add_worksheet("excerpts")
        about = wb.add_worksheet("about")
        ws.freeze_panes(1, 1)  # header row and the excerpt id stay in view
        # One format per column and mark, made once (a format per cell would be one per cell
        # in the file's style table too).
        formats = {(name, mark): wb.add_format({
            "valign": "top", **({"text_wrap": True} if name in WRAPPED else {}),
            **_mark_style(mark)})
            for name in COLUMNS for mark in ("", "machine", "missing", "synthetic")}
        plain = [formats[(name, "")] for name in COLUMNS]
        for i, name in enumerate(COLUMNS):
            # The column's own format is what an empty cell shows (and what a reviewer's typed
            # note gets), so unmarked empty cells need not be written at all.
            ws.set_column_pixels(i, i, WIDTHS.get(name, 14) * _DIGIT_PIXELS, plain[i])
        for i, name in enumerate(COLUMNS):
            ws.write_string(0, i, name, wb.add_format({
                "bold": True, "valign": "top", "text_wrap": True, "pattern": 1,
                "bg_color": REVIEWER_FILL if name in REVIEWER_COLUMNS else HEADER_FILL}))

        marked = {mark: [formats[(name, mark)] if name in TRANSLATION_MARKED else plain[i]
                         for i, name in enumerate(COLUMNS)] for mark in ("machine", "missing")}
        status_col = COLUMNS.index("translation_status")
        synthetic_col = COLUMNS.index("synthetic")
        synthetic_format = formats[("synthetic", "synthetic")]
        write_string, write_number, write_blank = ws.write_string, ws.write_number, \
            ws.write_blank

        count = 0
        for batch in iter_tuples(con, request, COLUMNS):
            for values in batch:
                count += 1
                status = values[status_col]
                cell_formats = (marked["machine"] if status in UNREVIEWED_TRANSLATION
                                else marked["missing"] if status in NO_TRANSLATION else plain)
                for col, value in enumerate(values):
                    fmt = cell_formats[col]
                    if col == synthetic_col and value:
                        fmt = synthetic_format
                    if value.__class__ is str:
                        value = _text(value)
                        if value:
                            write_string(count, col, value, fmt)  # never a formula
                        elif fmt is not plain[col]:
                            write_blank(count, col, None, fmt)
                    elif value is None:
                        if fmt is not plain[col]:
                            write_blank(count, col, None, fmt)
                    elif isinstance(value, bool):
                        write_string(count, col, "yes" if value else "no", fmt)
                    elif isinstance(value, int | float):
                        write_number(count, col, value, fmt)
                    else:
                        write_string(count, col, _text(value), fmt)
        ws.autofilter(0, 0, count, len(COLUMNS) - 1)
        _write_about(wb, about, count, request)
    finally:
        wb.close()
    return count


def _write_about(wb: Any, about: Any, count: int, request: ExportRequest) -> None:
    about.set_column_pixels(0, 0, 24 * _DIGIT_PIXELS)
    about.set_column_pixels(1, 1, 100 * _DIGIT_PIXELS)
    bold = wb.add_format({"bold": True})
    value_format = {"text_wrap": True, "valign": "top"}
    row = 0

    def line(key: str, text: str, *, fill: str | None = None) -> None:
        nonlocal row
        about.write_string(row, 0, key, bold)
        about.write_string(row, 1, neutralise(text), wb.add_format(
            {**value_format, **({"pattern": 1, "bg_color": fill} if fill else {})}))
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
    row += 1  # an empty row before the columns' help
    for name in COLUMNS:
        line(name, COLUMN_HELP[name])
