"""The reviewers' excerpt tables: XLSX, CSV, Markdown, HTML, Parquet and RIS exports.

Why streamed: a review corpus can hold hundreds of thousands of excerpts. Rows come from DuckDB
as Arrow record batches (``to_arrow_reader``) and each writer writes them as they arrive
(openpyxl in write-only mode, ``csv``, ``pyarrow.parquet.ParquetWriter``), so memory stays
bounded whatever the size; nothing goes through a whole-table pandas frame.

Why neutralised: reviewers open the files in Excel or LibreOffice. A harvested text that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would run as a formula there
(``=HYPERLINK(...)`` phoning home). CSV and XLSX cells starting so get a single quote in front,
and XLSX cells are always written as strings, never formulas. ``litrev.store.reviews`` strips that
quote again on import (the guard is ``litrev.store.cells``).

    >>> with read_session(db) as con:
    ...     export_excerpts(con, "review.xlsx", "xlsx", themes=["role_clarity"], languages=["fi"])
    3
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import html
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from copy import copy
from pathlib import Path

import duckdb

from litrev.store.cells import neutralise
from litrev.store.errors import StoreError
from litrev.store.sqlfiles import internal

FORMATS = ("xlsx", "csv", "markdown", "html", "parquet", "ris")
SUFFIXES = {".xlsx": "xlsx", ".csv": "csv", ".md": "markdown", ".markdown": "markdown",
            ".html": "html", ".htm": "html", ".parquet": "parquet", ".ris": "ris"}
KINDS = ("abstract", "citation_statement", "title")

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

BATCH_ROWS = 2_000
XLSX_MAX_CELL = 32_767
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class ExportError(StoreError):
    """An export cannot be made as asked; nothing was written."""


def format_for(path: str | os.PathLike, fmt: str | None) -> str:
    """The format asked for, or the one the file name's suffix implies."""
    if fmt:
        if fmt not in FORMATS:
            raise ExportError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise ExportError(f"cannot tell the format from {Path(path).name!r}; pass --format "
                          f"({', '.join(FORMATS)})")
    return SUFFIXES[suffix]


def default_target_language(con: duckdb.DuckDBPyConnection, profile_target: str | None) -> str:
    """The profile's target language; without a profile the one most translations are into."""
    if profile_target:
        return profile_target
    row = con.execute(internal("translation_target_languages").sql).fetchone()
    return row[0] if row else "en"


def _check_themes(con: duckdb.DuckDBPyConnection, themes: Sequence[str]) -> None:
    if not themes:
        return
    known = [r[0] for r in con.execute(internal("theme_ids").sql).fetchall()]
    unknown = [t for t in themes if t not in known]
    if unknown:
        listed = ", ".join(known) if known else "none yet (run the coding step first)"
        raise ExportError(f"unknown theme {unknown[0]!r}; the themes are: {listed}")


def iter_rows(con: duckdb.DuckDBPyConnection, *, target_language: str,
              themes: Sequence[str] = (), languages: Sequence[str] = (),
              kind: str | None = None, since: dt.date | None = None,
              excerpt_ids: Sequence[str] | None = None,
              batch_rows: int = BATCH_ROWS) -> Iterator[list[dict]]:
    """Yield the export rows in batches of dicts, streamed from DuckDB as Arrow batches."""
    if kind is not None and kind not in KINDS:
        raise ExportError(f"unknown kind {kind!r}; choose one of {', '.join(KINDS)}")
    _check_themes(con, themes)
    statement = internal("export_excerpts")
    params = {"target": target_language, "themes": list(themes), "langs": list(languages),
              "kind": kind, "since": since, "use_ids": excerpt_ids is not None,
              "ids": list(excerpt_ids or [])}
    reader = con.execute(statement.sql, statement.bind(params)).to_arrow_reader(batch_rows)
    for batch in reader:
        if batch.num_rows:
            yield batch.to_pylist()


def export_excerpts(con: duckdb.DuckDBPyConnection, out_path: str | os.PathLike,
                    fmt: str | None = None, *, themes: Sequence[str] = (),
                    languages: Sequence[str] = (), kind: str | None = None,
                    since: dt.date | None = None, excerpt_ids: Sequence[str] | None = None,
                    target_language: str | None = None, excel_bom: bool = False,
                    description: str = "") -> int:
    """Write the filtered excerpt table to ``out_path``; return the number of excerpts written.

    The file appears only when complete (written under a temporary name, then renamed), so a
    failed export never leaves half a table where the reviewer expects one. ``excerpt_ids``
    (e.g. from :func:`ids_from_saved_query`) keeps only those excerpts; ``None`` means all.
    """
    out = Path(out_path)
    fmt = format_for(out, fmt)
    if not out.parent.exists():
        raise ExportError(f"the folder {out.parent} does not exist; create it or choose another "
                          "-o path")
    target = default_target_language(con, target_language)
    batches = iter_rows(con, target_language=target, themes=themes, languages=languages,
                        kind=kind, since=since, excerpt_ids=excerpt_ids)
    writer = WRITERS[fmt]
    fd, tmp_name = tempfile.mkstemp(prefix=out.name + ".", suffix=".part", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if fmt == "csv":
            count = writer(batches, tmp, excel_bom=excel_bom)
        elif fmt in ("xlsx", "html"):
            count = writer(batches, tmp, description=description, target=target)
        else:
            count = writer(batches, tmp)
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    return count


def ids_from_saved_query(con: duckdb.DuckDBPyConnection, name: str,
                         params: dict[str, str] | None = None) -> list[str]:
    """The excerpt ids a saved query returns, in its order, each once."""
    from litrev.store.queries import get_query, run_saved

    result = run_saved(con, get_query(name), params or {})
    if "excerpt_id" not in result.columns:
        raise ExportError(f"saved query {name!r} returns no excerpt_id column, so it cannot "
                          "choose excerpts to export; use one that lists excerpts (e.g. "
                          "excerpts_of_theme, excerpts_in_language, new_since)")
    return list(dict.fromkeys(str(i) for i in result["excerpt_id"].dropna()))


# --- cell values ------------------------------------------------------------------------------

def _text(value) -> str:
    """A cell as plain text: empty for missing, yes/no for booleans, ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _visible(row: dict) -> list:
    return [row[c] for c in COLUMNS]


# --- CSV --------------------------------------------------------------------------------------

def write_csv(batches: Iterable[list[dict]], path: Path, *, excel_bom: bool = False) -> int:
    count = 0
    with open(path, "w", encoding="utf-8-sig" if excel_bom else "utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(COLUMNS)
        for batch in batches:
            for row in batch:
                out.writerow([neutralise(_text(v)) for v in _visible(row)])
                count += 1
    return count


# --- XLSX -------------------------------------------------------------------------------------

XLSX_WIDTHS = {"excerpt_id": 18, "themes": 18, "language": 9, "original_text": 60,
               "translation": 60, "translation_language": 10, "translation_status": 13,
               "translation_provider": 13, "kind": 12, "section": 16, "stance": 12,
               "authors": 24, "year": 7, "title": 40, "venue": 24, "doi_link": 28,
               "cited_work": 30, "cited_doi_link": 28, "source": 12, "origin": 24,
               "synthetic": 10, "retrieved": 11, "decision": 14, "note": 30,
               "corrected_translation": 60}
WRAPPED = {"original_text", "translation", "title", "cited_work", "authors", "note",
           "corrected_translation", "venue", "themes", "origin", "section"}
UNREVIEWED_TRANSLATION = {"machine"}
NO_TRANSLATION = {"pending", "failed", "untranslated"}


def _xlsx_text(value) -> str:
    text = _XLSX_ILLEGAL.sub("", _text(value))
    if len(text) > XLSX_MAX_CELL:
        marker = " …[cut: longer than an Excel cell holds]"
        text = text[: XLSX_MAX_CELL - len(marker)] + marker
    return neutralise(text)


def write_xlsx(batches: Iterable[list[dict]], path: Path, *, description: str = "",
               target: str = "") -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("excerpts")
    ws.freeze_panes = "B2"  # header row and the excerpt id stay in view
    for i, name in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = XLSX_WIDTHS.get(name, 14)

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
        cell = WriteOnlyCell(ws, value=name)
        cell.font = Font(bold=True)
        cell.fill = reviewer_fill if name in REVIEWER_COLUMNS else header_fill
        cell.alignment = wrap
        header.append(cell)
    ws.append(header)

    styles: dict[tuple[str, str], object] = {}

    def style(name: str, mark: str):
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

    def cell(name: str, value, row: dict):
        if isinstance(value, bool):
            value = "yes" if value else "no"
        if value is None:
            value = ""
        if isinstance(value, int | float):
            c = WriteOnlyCell(ws, value=value)
        else:
            c = WriteOnlyCell(ws, value=_xlsx_text(value))
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
    for batch in batches:
        for row in batch:
            ws.append([cell(name, row[name], row) for name in COLUMNS])
            count += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"

    about = wb.create_sheet("about")
    about.column_dimensions["A"].width = 24
    about.column_dimensions["B"].width = 100
    bold = Font(bold=True)

    def line(key: str, text: str, *, fill=None):
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
         + (f"; {description}" if description else ""))
    line("translations into", target or "-")
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


# --- Markdown ---------------------------------------------------------------------------------

def _md(value) -> str:
    text = _text(value).replace("\r", " ").replace("\n", " ")
    return html.escape(text, quote=False).replace("|", "\\|")


def write_markdown(batches: Iterable[list[dict]], path: Path) -> int:
    count = 0
    with open(path, "w", encoding="utf-8") as f:
        f.write("| " + " | ".join(COLUMNS) + " |\n")
        f.write("|" + "|".join("---" for _ in COLUMNS) + "|\n")
        for batch in batches:
            for row in batch:
                f.write("| " + " | ".join(_md(v) for v in _visible(row)) + " |\n")
                count += 1
    return count


# --- HTML -------------------------------------------------------------------------------------

_HTML_HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 1px solid #ccc; padding: .4rem .5rem; vertical-align: top; text-align: left; }}
th {{ background: #ddebf7; position: sticky; top: 0; }}
td.text {{ width: 32%; }}
.meta {{ font-size: .85em; color: #555; }}
.badge {{ display: inline-block; font-size: .75em; padding: 0 .35em; border-radius: .3em; }}
.machine {{ background: #fff2cc; }}
.machine .badge {{ background: #ffd966; }}
.missing {{ background: #ededed; }}
.synthetic {{ background: #f8cbad; font-weight: bold; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="meta">{meta}</p>
<table>
<thead><tr><th>excerpt</th><th>original</th><th>translation</th><th>work</th>
<th>citation</th><th>provenance</th></tr></thead>
<tbody>
"""


def _h(value) -> str:
    return html.escape(_text(value), quote=True)


def _link(url) -> str:
    if not url or not str(url).startswith("https://doi.org/"):
        return ""
    return f'<a href="{_h(url)}">{_h(url)}</a>'


def _html_row(row: dict) -> str:
    status = row["translation_status"]
    if status in UNREVIEWED_TRANSLATION:
        tr_class = "text machine"
        tr_label = f'<span class="badge">machine translation ({_h(row["translation_provider"])})'\
                   "</span><br>"
    elif status in NO_TRANSLATION:
        tr_class, tr_label = "text missing", f'<span class="badge">{_h(status)}</span>'
    else:
        tr_class = "text"
        tr_label = (f'<span class="badge">{_h(status)}'
                    + (f" ({_h(row['translation_provider'])})" if row["translation_provider"]
                       else "") + "</span><br>")
    synthetic = ('<br><span class="badge synthetic">synthetic record, not a real publication'
                 "</span>" if row["synthetic"] else "")
    work = (f"{_h(row['authors'])} ({_h(row['year'])}). <i>{_h(row['title'])}</i>. "
            f"{_h(row['venue'])} {_link(row['doi_link'])}")
    citation = ""
    if row["kind"] == "citation_statement":
        citation = (f"section: {_h(row['section'])}<br>stance: {_h(row['stance'])}<br>"
                    f"cites: {_h(row['cited_work'])} {_link(row['cited_doi_link'])}")
    return (
        f'<tr><td class="meta">{_h(row["excerpt_id"])}<br>{_h(row["kind"])}, '
        f'{_h(row["language"])}<br>themes: {_h(row["themes"])}{synthetic}</td>'
        f'<td class="text" lang="{_h(row["language"])}">{_h(row["original_text"])}</td>'
        f'<td class="{tr_class}">{tr_label}{_h(row["translation"])}</td>'
        f'<td class="meta">{work}</td><td class="meta">{citation}</td>'
        f'<td class="meta">source: {_h(row["source"])}<br>origin: {_h(row["origin"])}<br>'
        f'retrieved: {_h(row["retrieved"])}</td></tr>\n')


def write_html(batches: Iterable[list[dict]], path: Path, *, description: str = "",
               target: str = "") -> int:
    count = 0
    with open(path, "w", encoding="utf-8") as f:
        meta = (f"Translations into {target or '-'}; exported "
                f"{dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')} by litrev"
                + (f"; {description}" if description else ""))
        f.write(_HTML_HEAD.format(title="litrev excerpts", meta=html.escape(meta)))
        for batch in batches:
            for row in batch:
                f.write(_html_row(row))
                count += 1
        f.write(f"</tbody>\n</table>\n<p class=\"meta\">{count} excerpts.</p>\n"
                "</body>\n</html>\n")
    return count


# --- Parquet ----------------------------------------------------------------------------------

def _parquet_schema():
    import pyarrow as pa

    types = {"year": pa.int32(), "synthetic": pa.bool_(), "retrieved": pa.date32()}
    return pa.schema([(c, types.get(c, pa.string())) for c in COLUMNS])


def write_parquet(batches: Iterable[list[dict]], path: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _parquet_schema()
    count = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for batch in batches:
            table = pa.Table.from_pylist([{c: row[c] for c in COLUMNS} for row in batch],
                                         schema=schema)
            writer.write_table(table)
            count += len(batch)
        if count == 0:
            writer.write_table(schema.empty_table())
    return count


# --- RIS --------------------------------------------------------------------------------------

RIS_TYPES = {"article": "JOUR", "journal-article": "JOUR", "book": "BOOK", "book-chapter": "CHAP",
             "chapter": "CHAP", "thesis": "THES", "dissertation": "THES", "dataset": "DATA",
             "report": "RPRT", "preprint": "JOUR", "proceedings-article": "CPAPER"}


def _ris_line(tag: str, value) -> str:
    text = " ".join(_text(value).split())
    return f"{tag}  - {text}\n" if text else ""


def _ris_entry(rows: list[dict]) -> str:
    first = rows[0]
    kind = RIS_TYPES.get((first["_work_type"] or "").lower(),
                         "JOUR" if first["venue"] else "GEN")
    out = [_ris_line("TY", kind), _ris_line("ID", first["_work_id"])]
    out += [_ris_line("AU", a) for a in (first["authors"] or "").split("; ") if a]
    out += [_ris_line("PY", first["year"]), _ris_line("TI", first["title"] or "(untitled)"),
            _ris_line("T2", first["venue"]), _ris_line("DO", first["_doi"]),
            _ris_line("UR", first["doi_link"] or first["_url"]),
            _ris_line("LA", first["_work_language"])]
    abstracts = [r for r in rows if r["kind"] == "abstract"]
    if abstracts:
        out.append(_ris_line("AB", abstracts[0]["original_text"]))
    themes = sorted({t for r in rows for t in (r["themes"] or "").split("; ") if t})
    out += [_ris_line("KW", t) for t in themes]
    for r in rows:
        if r["translation"] and r["kind"] == "abstract":
            out.append(_ris_line("N1", f"Translation ({r['translation_language']}, "
                                       f"{r['translation_status']}): {r['translation']}"))
        if r["kind"] == "citation_statement":
            where = "; ".join(x for x in (r["section"], r["stance"]) if x)
            out.append(_ris_line("N1", f"Citation statement [{where}] citing "
                                       f"{r['cited_work'] or 'an unnamed work'}: "
                                       f"{r['original_text']}"))
    if first["synthetic"]:
        out.append(_ris_line("N1", "SYNTHETIC record (test or demo data), not a real "
                                   "publication"))
    out.append(_ris_line("N1", "litrev excerpts: " + ", ".join(r["excerpt_id"] for r in rows)))
    out.append("ER  - \n\n")
    return "".join(out)


def write_ris(batches: Iterable[list[dict]], path: Path) -> int:
    """One entry per work; rows arrive ordered by work, so one work's rows are consecutive."""
    count = 0
    pending: list[dict] = []
    with open(path, "w", encoding="utf-8", newline="\r\n") as f:
        for batch in batches:
            for row in batch:
                if pending and row["_work_id"] != pending[0]["_work_id"]:
                    f.write(_ris_entry(pending))
                    pending = []
                pending.append(row)
                count += 1
        if pending:
            f.write(_ris_entry(pending))
    return count


WRITERS = {"xlsx": write_xlsx, "csv": write_csv, "markdown": write_markdown, "html": write_html,
           "parquet": write_parquet, "ris": write_ris}
