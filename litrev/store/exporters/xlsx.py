"""XLSX: the reviewers' workbook, an ``excerpts`` sheet to fill and an ``about`` sheet.

Written with openpyxl in write-only mode (rows streamed). Every text cell is a string, never a
formula, and goes through the formula guard; machine translations are yellow and italic,
missing ones grey, synthetic records orange.
"""

from __future__ import annotations

import datetime as dt
import re
from copy import copy
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
    Row,
    iter_rows,
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


def _text(value: object) -> str:
    text = _ILLEGAL.sub("", cell_text(value))
    if len(text) > MAX_CELL:
        marker = " …[cut: longer than an Excel cell holds]"
        text = text[: MAX_CELL - len(marker)] + marker
    return neutralise(text)


def write(con: duckdb.DuckDBPyConnection, path: Path, request: ExportRequest) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("excerpts")
    ws.freeze_panes = "B2"  # header row and the excerpt id stay in view
    for i, name in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = WIDTHS.get(name, 14)

    top = Alignment(vertical="top")
    wrap = Alignment(vertical="top", wrap_text=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    reviewer_fill = PatternFill("solid", fgColor="E2EFDA")
    machine_fill = PatternFill("solid", fgColor="FFF2CC")
    missing_fill = PatternFill("solid", fgColor="EDEDED")
    synthetic_fill = PatternFill("solid", fgColor="F8CBAD")
    machine_font = Font(italic=True, color="7F6000")

    header = []
    for name in COLUMNS:
        head = WriteOnlyCell(ws, value=name)
        head.font = Font(bold=True)
        head.fill = reviewer_fill if name in REVIEWER_COLUMNS else header_fill
        head.alignment = wrap
        header.append(head)
    ws.append(header)

    styles: dict[tuple[str, str], Any] = {}

    def style(name: str, mark: str) -> Any:
        """The style of a column with a mark, built once: setting fonts and fills cell by cell
        hashes style objects every time and triples the time of a large export."""
        key = (name, mark)
        if key not in styles:
            proto = WriteOnlyCell(ws)
            proto.alignment = wrap if name in WRAPPED else top
            if mark == "machine":
                proto.fill, proto.font = machine_fill, machine_font
            elif mark == "missing":
                proto.fill = missing_fill
            elif mark == "synthetic":
                proto.fill, proto.font = synthetic_fill, Font(bold=True)
            styles[key] = proto._style
        return styles[key]

    def cell(name: str, value: object, row: Row) -> Any:
        if isinstance(value, bool):
            value = "yes" if value else "no"
        if value is None:
            value = ""
        if isinstance(value, int | float):
            c = WriteOnlyCell(ws, value=value)
        else:
            c = WriteOnlyCell(ws, value=_text(value))
            c.data_type = "s"  # a string, never a formula, whatever it starts with
        mark = ""
        if name in ("translation", "translation_status", "translation_provider"):
            status = row["translation_status"]
            mark = ("machine" if status in UNREVIEWED_TRANSLATION
                    else "missing" if status in NO_TRANSLATION else "")
        elif name == "synthetic" and row["synthetic"]:
            mark = "synthetic"
        c._style = copy(style(name, mark))
        return c

    count = 0
    for batch in iter_rows(con, request):
        for row in batch:
            ws.append([cell(name, row[name], row) for name in COLUMNS])
            count += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"

    about = wb.create_sheet("about")
    about.column_dimensions["A"].width = 24
    about.column_dimensions["B"].width = 100
    bold = Font(bold=True)

    def line(key: str, text: str, *, fill: Any = None) -> None:
        k = WriteOnlyCell(about, value=key)
        k.font = bold
        v = WriteOnlyCell(about, value=neutralise(text))
        v.data_type = "s"
        v.alignment = Alignment(wrap_text=True, vertical="top")
        if fill is not None:
            v.fill = fill
        about.append([k, v])

    line("litrev export", f"{count} excerpts, exported "
         f"{dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}"
         + (f"; {request.description}" if request.description else ""))
    line("translations into", request.target_language or "-")
    line("how to review", "Fill decision, note and corrected_translation on the 'excerpts' "
         "sheet (stored ones are shown; an empty cell keeps them, (clear) erases a decision or "
         "note); keep excerpt_id and the column names as they are; then run "
         "`litrev import-reviews FILE.xlsx`.")
    line("yellow, italic", "machine translation, not yet reviewed", fill=machine_fill)
    line("grey", "no translation yet (pending, failed or untranslated)", fill=missing_fill)
    line("orange 'yes'", "synthetic record (test or demo data), not a real publication",
         fill=synthetic_fill)
    line("leading '", "a text that would start a spreadsheet formula (= + - @) is shown with a "
         "leading quote so that it cannot run; import-reviews removes it")
    about.append([])
    for name in COLUMNS:
        line(name, COLUMN_HELP[name])
    wb.save(path)
    return count
