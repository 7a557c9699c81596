"""HTML: one self-contained page, an excerpt per table row, for reading in a browser.

Machine translations are marked, missing ones greyed, synthetic records flagged; every value is
escaped with :func:`litrev.store.cells.escape_html`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from litrev.store.cells import escape_html as _h
from litrev.store.exporters.table import (
    NO_TRANSLATION,
    UNREVIEWED_TRANSLATION,
    ExportRequest,
    Row,
    iter_rows,
)
from litrev.vocabulary import ExcerptKind

_HEAD = """<!DOCTYPE html>
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


def _link(url: object) -> str:
    if not url or not str(url).startswith("https://doi.org/"):
        return ""
    return f'<a href="{_h(url)}">{_h(url)}</a>'


def _row(row: Row) -> str:
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
    if row["kind"] == ExcerptKind.CITATION_STATEMENT:
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


def write(con: duckdb.DuckDBPyConnection, path: Path, request: ExportRequest) -> int:
    count = 0
    with open(path, "w", encoding="utf-8") as f:
        meta = (f"Translations into {request.target_language or '-'}; exported "
                f"{dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')} by litrev"
                + (f"; {request.description}" if request.description else ""))
        f.write(_HEAD.format(title="litrev excerpts", meta=_h(meta)))
        for batch in iter_rows(con, request):
            for row in batch:
                f.write(_row(row))
                count += 1
        f.write(f"</tbody>\n</table>\n<p class=\"meta\">{count} excerpts.</p>\n"
                "</body>\n</html>\n")
    return count
