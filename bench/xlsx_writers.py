"""The XLSX writers litrev did not choose, for bench/export.py --xlsx-writers to time beside
litrev's own (rvgsrust-xlsxwriter, litrev/store/exporters/xlsx.py) on the same rows.

Each is a ``Writer`` (``write(con, path, request) -> int``) fed by the same query and the same
guard (``litrev.store.cells``); :data:`SAME_WORKBOOK` says what each leaves out of the workbook
reviewers get, because a faster writer that drops the marks is not a candidate. Install them
with ``pip install -e '.[bench]'``; a writer that is not installed is skipped with a line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from litrev.store.cells import xlsx_column, xlsx_text
from litrev.store.exporters import xlsx as ours
from litrev.store.exporters.table import (
    COLUMNS,
    NO_TRANSLATION,
    REVIEWER_COLUMNS,
    UNREVIEWED_TRANSLATION,
    ExportRequest,
    iter_columns,
)

STATUS = COLUMNS.index("translation_status")
SYNTHETIC = COLUMNS.index("synthetic")
MARKED = [COLUMNS.index(name) for name in ours.TRANSLATION_MARKED]


def _mark(status: object) -> str:
    if status in UNREVIEWED_TRANSLATION:
        return "machine"
    return "missing" if status in NO_TRANSLATION else ""


def _xlsxwriter_style(name: str, mark: str) -> dict[str, Any]:
    style: dict[str, Any] = {"valign": "top", **({"text_wrap": True} if name in ours.WRAPPED
                                                 else {})}
    if mark == "machine":
        style.update(pattern=1, bg_color=ours.MACHINE_FILL, italic=True,
                     font_color=ours.MACHINE_FONT)
    elif mark == "missing":
        style.update(pattern=1, bg_color=ours.MISSING_FILL)
    elif mark == "synthetic":
        style.update(pattern=1, bg_color=ours.SYNTHETIC_FILL, bold=True)
    return style


def _xlsxwriter_sheet(path: Path) -> tuple[Any, Any, list[Any], dict[str, list[Any]], Any]:
    from xlsxwriter import Workbook

    wb = Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("excerpts")
    wb.add_worksheet("about")
    ws.freeze_panes(1, 1)
    plain = [wb.add_format(_xlsxwriter_style(name, "")) for name in COLUMNS]
    for i, name in enumerate(COLUMNS):
        ws.set_column_pixels(i, i, ours.WIDTHS.get(name, 14) * ours._DIGIT_PIXELS, plain[i])
        ws.write_string(0, i, name, wb.add_format({
            "bold": True, "valign": "top", "text_wrap": True, "pattern": 1,
            "bg_color": ours.REVIEWER_FILL if name in REVIEWER_COLUMNS else ours.HEADER_FILL}))
    marked = {mark: [wb.add_format(_xlsxwriter_style(name, mark))
                     if name in ours.TRANSLATION_MARKED else plain[i]
                     for i, name in enumerate(COLUMNS)] for mark in ("machine", "missing")}
    marked[""] = plain
    return wb, ws, plain, marked, wb.add_format(_xlsxwriter_style("synthetic", "synthetic"))


def xlsxwriter_before(con: duckdb.DuckDBPyConnection, path: Path,
                      request: ExportRequest) -> int:
    """The writer before: XlsxWriter's constant-memory mode, cell by cell, each cell's value
    guarded and its format chosen on its own."""
    wb, ws, plain, marked, synthetic_format = _xlsxwriter_sheet(path)
    count = 0
    for columns in iter_columns(con, request, COLUMNS):
        for values in zip(*columns, strict=True):
            count += 1
            formats = marked[_mark(values[STATUS])]
            for col, value in enumerate(values):
                fmt = synthetic_format if col == SYNTHETIC and value else formats[col]
                if value.__class__ is str:
                    value = xlsx_text(value)[0]
                    if value:
                        ws.write_string(count, col, value, fmt)
                    elif fmt is not plain[col]:
                        ws.write_blank(count, col, None, fmt)
                elif value is None:
                    if fmt is not plain[col]:
                        ws.write_blank(count, col, None, fmt)
                elif isinstance(value, bool):
                    ws.write_string(count, col, "yes" if value else "no", fmt)
                elif isinstance(value, int | float):
                    ws.write_number(count, col, value, fmt)
                else:
                    ws.write_string(count, col, xlsx_text(str(value))[0], fmt)
    ws.autofilter(0, 0, count, len(COLUMNS) - 1)
    wb.close()
    return count


def xlsxwriter_lean(con: duckdb.DuckDBPyConnection, path: Path,
                    request: ExportRequest) -> int:
    """XlsxWriter with our side made as cheap as it gets: the guard a column of a batch at a
    time (as litrev's writer does), formats chosen once per row, only the cells that exist
    written, through write_string/write_number directly (no type dispatch)."""
    wb, ws, plain, marked, synthetic_format = _xlsxwriter_sheet(path)
    write_string, write_number, write_blank = ws.write_string, ws.write_number, ws.write_blank
    count = 0
    for raw in iter_columns(con, request, COLUMNS):
        columns = [xlsx_column(values).cells for values in raw]
        for status, cells in zip(raw[STATUS], zip(*columns, strict=True), strict=True):
            count += 1
            formats = marked[_mark(status)]
            for col, value in enumerate(cells):
                if value is None:
                    if formats[col] is not plain[col]:
                        write_blank(count, col, None, formats[col])
                elif value.__class__ is str:
                    write_string(count, col, value, formats[col])
                else:
                    write_number(count, col, value, formats[col])
            if cells[SYNTHETIC] == "yes":
                write_string(count, SYNTHETIC, "yes", synthetic_format)
    ws.autofilter(0, 0, count, len(COLUMNS) - 1)
    wb.close()
    return count


def rustpy(con: duckdb.DuckDBPyConnection, path: Path, request: ExportRequest) -> int:
    """rustpy-xlsxwriter: rows go in as dicts (its API), column formats, widths, header style,
    frozen panes and the autofilter; it has no way to style a cell by another column's value,
    so the translation and synthetic marks are missing."""
    import rustpy_xlsxwriter as rp

    count = 0

    def records() -> Any:
        nonlocal count
        for raw in iter_columns(con, request, COLUMNS):
            columns = [xlsx_column(values).cells for values in raw]
            for cells in zip(*columns, strict=True):
                count += 1
                yield dict(zip(COLUMNS, cells, strict=True))

    formats = []
    for name in COLUMNS:
        fmt = rp.Format().set_align("top")
        formats.append(fmt.set_text_wrap() if name in ours.WRAPPED else fmt)
    rp.write_worksheets(
        [("excerpts", records()), ("about", [{"litrev export": "about"}])], str(path),
        freeze_panes={"excerpts": {"row": 1, "col": 1}},
        column_widths={"excerpts": [float(ours.WIDTHS.get(n, 14)) for n in COLUMNS]},
        column_formats={"excerpts": formats},
        header_format={"excerpts": rp.Format().set_bold().set_text_wrap()
                       .set_background_color(ours.HEADER_FILL)},
        autofilter={"excerpts": True})
    return count


def pyexcelerate(con: duckdb.DuckDBPyConnection, path: Path, request: ExportRequest) -> int:
    """pyexcelerate: the whole sheet in memory (it has no streaming mode), column styles and a
    style per marked cell."""
    from pyexcelerate import Alignment, Color, Fill, Font, Style, Workbook
    from pyexcelerate.Panes import Panes

    def color(hex_color: str) -> Color:
        return Color(*(int(hex_color[i:i + 2], 16) for i in (1, 3, 5)))

    rows: list[list[Any]] = [list(COLUMNS)]
    marks: list[str] = []
    synthetic: list[bool] = []
    for raw in iter_columns(con, request, COLUMNS):
        columns = [xlsx_column(values).cells for values in raw]
        rows.extend(map(list, zip(*columns, strict=True)))
        marks.extend(map(_mark, raw[STATUS]))
        synthetic.extend(bool(v) for v in raw[SYNTHETIC])
    wb = Workbook()
    ws = wb.new_sheet("excerpts", data=rows)
    ws.panes = Panes(1, 1)
    ws.auto_filter = True
    for i, name in enumerate(COLUMNS, 1):
        ws.set_col_style(i, Style(size=ours.WIDTHS.get(name, 14), alignment=Alignment(
            vertical="top", wrap_text=name in ours.WRAPPED)))
        ws.set_cell_style(1, i, Style(font=Font(bold=True), fill=Fill(background=color(
            ours.REVIEWER_FILL if name in REVIEWER_COLUMNS else ours.HEADER_FILL))))
    styles = {"machine": Style(fill=Fill(background=color(ours.MACHINE_FILL)),
                               font=Font(italic=True, color=color(ours.MACHINE_FONT))),
              "missing": Style(fill=Fill(background=color(ours.MISSING_FILL)))}
    synthetic_style = Style(fill=Fill(background=color(ours.SYNTHETIC_FILL)),
                            font=Font(bold=True))
    for row, (mark, is_synthetic) in enumerate(zip(marks, synthetic, strict=True), 2):
        if mark:
            for col in MARKED:
                ws.set_cell_style(row, col + 1, styles[mark])
        if is_synthetic:
            ws.set_cell_style(row, SYNTHETIC + 1, synthetic_style)
    wb.new_sheet("about", data=[["litrev export", f"{len(marks)} excerpts"]])
    wb.save(str(path))
    return len(marks)


WRITERS = {"xlsxwriter-before": xlsxwriter_before, "xlsxwriter-lean": xlsxwriter_lean,
           "rustpy-xlsxwriter": rustpy, "pyexcelerate": pyexcelerate}
MODULES = {"xlsxwriter-before": "xlsxwriter", "xlsxwriter-lean": "xlsxwriter",
           "rustpy-xlsxwriter": "rustpy_xlsxwriter", "pyexcelerate": "pyexcelerate"}
SAME_WORKBOOK = {
    "litrev": "yes",
    "xlsxwriter-before": "yes (the about sheet's text left out here)",
    "xlsxwriter-lean": "yes (the about sheet's text left out here)",
    "rustpy-xlsxwriter": "no: no per-cell marks (translation status, synthetic)",
    "pyexcelerate": "cells and styles yes, but the whole sheet is held in memory (no "
                    "streaming mode): memory grows with the export",
}
