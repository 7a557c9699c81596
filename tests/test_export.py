"""`litrev export excerpts`: every format opens and holds the expected rows, filters work,
formula-like cells are inert in CSV and XLSX, HTML is escaped, and exports read the last commit
while a writer works."""

from __future__ import annotations

import csv
import datetime as dt
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from litrev.flows.cli import main
from litrev.store import exporters
from litrev.store.cells import neutralise, xlsx_text
from litrev.store.db import read_session, write_session
from litrev.store.export import COLUMNS, ExportError, export_excerpts
from tests import corpus_review
from tests.corpus import FINNISH_STATEMENT, SEED_DOI
from tests.corpus_review import EINSAMKEIT_MACHINE, FORMULA, NORTON_DOI, SYNTHETIC_DOI, TUVESSON_DOI


@pytest.fixture
def review_db(tmp_path) -> Path:
    db = tmp_path / "review.ducklake"
    with write_session(db) as con:
        corpus_review.build(con)
    return db


def export(db, path, fmt=None, **filters) -> int:
    with read_session(db) as con:
        return export_excerpts(con, path, fmt, **filters).excerpts


def csv_rows(path, encoding="utf-8") -> list[dict]:
    with open(path, encoding=encoding, newline="") as f:
        return list(csv.DictReader(f))


def sheet_rows(path) -> tuple[list, list[dict]]:
    ws = load_workbook(path)["excerpts"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2)]
    return header, rows


def by_text_start(rows: list[dict], words: str, key="original_text"):
    found = [r for r in rows if str(getattr(r[key], "value", r[key])).startswith(words)]
    assert len(found) == 1, words
    return found[0]


# --- XLSX -------------------------------------------------------------------------------------

def test_xlsx_layout_for_reviewers(review_db, tmp_path):
    out = tmp_path / "review.xlsx"
    assert export(review_db, out) == 13  # format from the suffix
    wb = load_workbook(out)
    assert wb.sheetnames == ["excerpts", "about"]
    ws = wb["excerpts"]
    header = [c.value for c in ws[1]]
    assert header == list(COLUMNS)
    assert header.index("translation") == header.index("original_text") + 1  # side by side
    assert header[-3:] == ["decision", "note", "corrected_translation"]
    assert ws.freeze_panes == "B2"
    assert ws.auto_filter.ref == "A1:Y14"
    assert ws.column_dimensions["D"].width == 60  # original_text
    assert ws.max_row == 14

    _, rows = sheet_rows(out)
    german = by_text_start(rows, "Etwa 5 bis 10%")
    assert german["translation"].value == EINSAMKEIT_MACHINE
    assert german["translation_status"].value == "machine"
    assert german["translation_provider"].value == "google"
    # a machine translation is marked: yellow and italic
    assert german["translation"].fill.fgColor.rgb.endswith("FFF2CC")
    assert german["translation"].font.italic
    assert german["original_text"].alignment.wrap_text
    assert german["doi_link"].value == "https://doi.org/10.1026/03172-000"
    assert german["authors"].value == "Krieger, Tobias; Seewer, Noëmi"
    assert german["year"].value == 2022 and german["year"].data_type == "n"
    assert german["retrieved"].value == "2026-11-20"
    assert [german[c].value for c in ("decision", "note", "corrected_translation")] == [
        None, None, None]

    finnish = by_text_start(rows, "Kokemusasiantuntijatoimintaan")
    assert finnish["translation_status"].value == "tm"
    assert not finnish["translation"].font.italic
    assert finnish["cited_doi_link"].value == f"https://doi.org/{SEED_DOI}"
    assert finnish["section"].value == "Tutkimustulosten merkitys käytännössä"
    swedish = by_text_start(rows, "Bakgrund: Covid-19")
    assert swedish["translation_status"].value == "pending"
    assert swedish["translation"].value is None

    synthetic = by_text_start(rows, "'=HYPERLINK")
    assert synthetic["synthetic"].value == "yes"
    assert synthetic["synthetic"].font.bold
    assert sum(r["synthetic"].value == "yes" for r in rows) == 1
    about = {r[0]: r[1] for r in wb["about"].iter_rows(values_only=True) if r and r[0]}
    assert about["litrev export"].startswith("13 excerpts, exported")
    assert "machine translation" in about["yellow, italic"]
    assert "synthetic" in about["orange 'yes'"]


def test_formula_snippet_is_inert_in_xlsx(review_db, tmp_path):
    out = tmp_path / "review.xlsx"
    export(review_db, out)
    _, rows = sheet_rows(out)
    cell = by_text_start(rows, "'=HYPERLINK")["original_text"]
    assert cell.value == "'" + FORMULA
    assert cell.data_type == "s"  # a string, not a formula
    dash = by_text_start(rows, "'- This study")["original_text"]
    assert dash.data_type == "s"
    ws = load_workbook(out)["excerpts"]
    assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_formula_snippet_is_inert_in_csv(review_db, tmp_path):
    out = tmp_path / "review.csv"
    assert export(review_db, out) == 13
    rows = csv_rows(out)
    assert "_doi" not in rows[0]  # helper columns stay out of the table
    synthetic = next(r for r in rows if r["doi_link"] == f"https://doi.org/{SYNTHETIC_DOI}")
    assert synthetic["original_text"] == "'" + FORMULA
    assert synthetic["synthetic"] == "yes"
    tuvesson = next(r for r in rows if r["doi_link"] == f"https://doi.org/{TUVESSON_DOI}")
    assert tuvesson["original_text"].startswith("'- This study investigated")
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


def test_xlsx_cells_excel_cannot_hold_are_cut_and_marked(review_db, tmp_path):
    """Excel holds 32,767 characters a cell and no control characters: a longer text is cut
    with a marker that says so, control characters are left out, the file opens."""
    long_text = "Pitkä teksti. " * 3000 + "loppu"
    with write_session(review_db) as con:
        con.execute("UPDATE excerpts SET text = $t WHERE text LIKE 'Kokemusasiantuntijatoim%'",
                    {"t": long_text})
        con.execute("UPDATE excerpts SET text = 'Bell\x07 and tab\tkept' "
                    "WHERE text LIKE 'Bakgrund: Covid-19%'")
    out = tmp_path / "review.xlsx"
    export(review_db, out)
    _, rows = sheet_rows(out)
    cut = by_text_start(rows, "Pitkä teksti.")["original_text"].value
    assert len(cut) == 32_767 and cut.endswith("…[cut: longer than an Excel cell holds]")
    assert by_text_start(rows, "Bell")["original_text"].value == "Bell and tab\tkept"


def test_control_characters_left_out_of_xlsx_cells_are_counted_and_said(review_db, tmp_path,
                                                                         capsys):
    """A text changed to fit a spreadsheet is never changed silently: the export names the
    excerpts whose control characters it left out, in one line; the CSV keeps them."""
    with write_session(review_db) as con:
        con.execute("UPDATE excerpts SET text = 'Bell\x07 and tab\tkept' "
                    "WHERE text LIKE 'Bakgrund: Covid-19%'")
        bell = con.execute("SELECT excerpt_id FROM excerpts WHERE text LIKE 'Bell%'"
                           ).fetchone()[0]
    out = tmp_path / "review.xlsx"
    with read_session(review_db) as con:
        result = export_excerpts(con, out)
    assert (result.cleaned_cells, result.cleaned_excerpt_ids, result.cut_cells) == \
        (1, (bell,), 0)
    capsys.readouterr()
    assert main(["--db", str(review_db), "export", "excerpts", "-o", str(out)]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "1 cell held control characters" in err[0] and bell in err[0]
    whole = tmp_path / "review.csv"
    assert main(["--db", str(review_db), "export", "excerpts", "-o", str(whole)]) == 0
    assert capsys.readouterr().err == ""
    assert "Bell\x07 and tab\tkept" in {r["original_text"] for r in csv_rows(whole)}


def test_every_cut_xlsx_cell_is_counted_and_said(review_db, tmp_path, capsys):
    """A cut is never silent: the result counts every cut cell and names its excerpts, the
    command says so in one line on stderr, and a CSV export of the same rows keeps every text
    whole (and says nothing)."""
    long_text = "Pitkä teksti. " * 3000 + "loppu"
    long_translation = "=A long machine translation. " * 1200
    with write_session(review_db) as con:
        con.execute("UPDATE excerpts SET text = $t WHERE text LIKE 'Kokemusasiantuntijatoim%'",
                    {"t": long_text})
        finnish = con.execute("SELECT excerpt_id FROM excerpts WHERE text = $t",
                              {"t": long_text}).fetchone()[0]
        con.execute("""UPDATE translations SET translated_text = $t WHERE text_hash = (
                           SELECT text_hash FROM excerpts WHERE text LIKE 'Etwa 5 bis 10%')""",
                    {"t": long_translation})
        german = con.execute("SELECT excerpt_id FROM excerpts WHERE text LIKE 'Etwa 5 bis 10%'"
                             ).fetchone()[0]
    out = tmp_path / "review.xlsx"
    with read_session(review_db) as con:
        result = export_excerpts(con, out)
    assert result.excerpts == 13
    assert result.cut_cells == 2
    assert set(result.cut_excerpt_ids) == {finnish, german}

    _, rows = sheet_rows(out)
    translation = by_text_start(rows, "Etwa 5 bis 10%")["translation"]
    assert translation.value.startswith("'=A long machine translation.")  # still guarded
    assert len(translation.value) == 32_767
    assert translation.value.endswith("…[cut: longer than an Excel cell holds]")
    assert translation.fill.fgColor.rgb.endswith("FFF2CC")  # and still marked
    about = {r[0]: r[1] for r in load_workbook(out)["about"].iter_rows(values_only=True)
             if r and r[0]}
    assert "32,767 characters" in about["cut"]

    capsys.readouterr()
    assert main(["--db", str(review_db), "export", "excerpts", "-o", str(out)]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "2 cells longer than a spreadsheet cell holds" in err[0]
    assert finnish in err[0] and german in err[0]

    whole = tmp_path / "review.csv"
    assert main(["--db", str(review_db), "export", "excerpts", "-o", str(whole)]) == 0
    assert capsys.readouterr().err == ""
    texts = {r["original_text"] for r in csv_rows(whole)}
    assert long_text in texts


def test_a_guarded_text_of_a_full_cell_still_fits():
    """The guard's quote must not push a text of exactly 32,767 characters over the limit."""
    cell, cut, _ = xlsx_text("=" + "x" * 32_766)
    assert cut and len(cell) == 32_767 and cell.startswith("'=")
    assert xlsx_text("x" * 32_767) == ("x" * 32_767, False, False)


def test_xlsx_empty_reviewer_cells_take_their_column_format(review_db, tmp_path):
    """Cells a reviewer fills are empty in the file: the column's format (wrapped, top) is
    what a typed note gets, and the grey of a missing translation is on the cell itself."""
    out = tmp_path / "review.xlsx"
    export(review_db, out)
    ws = load_workbook(out)["excerpts"]
    note = get_column_letter(COLUMNS.index("note") + 1)
    assert ws.column_dimensions[note].alignment.wrap_text
    assert ws.column_dimensions[note].alignment.vertical == "top"
    assert ws.column_dimensions[note].width == 30
    _, rows = sheet_rows(out)
    swedish = by_text_start(rows, "Bakgrund: Covid-19")
    assert swedish["translation"].value is None
    assert swedish["translation"].fill.fgColor.rgb.endswith("EDEDED")


@pytest.mark.parametrize("text, expected", [
    ("=1+1", "'=1+1"), ("+49 30 1234", "'+49 30 1234"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"), ("\rcmd", "'\rcmd"), ("Plain text = fine", "Plain text = fine"),
    ("", ""),
])
def test_neutralise(text, expected):
    assert neutralise(text) == expected


# --- CSV, Markdown, HTML, Parquet, RIS --------------------------------------------------------

def test_csv_is_utf8_with_optional_excel_bom(review_db, tmp_path):
    plain, excel = tmp_path / "plain.csv", tmp_path / "excel.csv"
    export(review_db, plain)
    export(review_db, excel, excel_bom=True)
    assert not plain.read_bytes().startswith(b"\xef\xbb\xbf")
    assert excel.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = csv_rows(excel, encoding="utf-8-sig")
    assert list(rows[0]) == list(COLUMNS)
    fi = next(r for r in rows if r["original_text"] == FINNISH_STATEMENT)
    assert fi["translation"] == "Research on expert-by-experience work has examined ..."
    assert fi["language"] == "fi" and fi["stance"] == "" and fi["year"] == "2024"
    statuses = {r["language"]: r["translation_status"] for r in rows if r["kind"] == "abstract"}
    assert statuses == {"en": "not needed", "fi": "untranslated", "de": "machine",
                        "sv": "pending"}


def test_markdown_table(review_db, tmp_path):
    out = tmp_path / "review.md"
    assert export(review_db, out, kind="citation_statement") == 6
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "| " + " | ".join(COLUMNS) + " |"
    assert len(lines) == 2 + 6
    assert all(line.count(" | ") == len(COLUMNS) - 1 for line in lines[2:])  # pipes escaped
    assert any("In contrast, Vennik and colleagues [14]" in line for line in lines)


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.scripts, self.links = 0, 0, []

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows += 1
        if tag == "script":
            self.scripts += 1
        if tag == "a":
            self.links.append(dict(attrs)["href"])


def test_html_is_self_contained_and_escaped(review_db, tmp_path):
    with write_session(review_db) as con:
        con.execute("UPDATE excerpts SET text = '<script>alert(1)</script> ' || text "
                    "WHERE starts_with(text, 'Etwa 5 bis 10%')")
    out = tmp_path / "review.html"
    assert export(review_db, out) == 13
    page = out.read_text(encoding="utf-8")
    parser = _Cells()
    parser.feed(page)
    assert parser.rows == 1 + 13  # header row and one per excerpt
    assert parser.scripts == 0
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Etwa 5 bis 10%" in page
    assert "<link" not in page and "src=" not in page  # nothing loaded from elsewhere
    assert f"https://doi.org/{NORTON_DOI}" in parser.links
    assert "machine translation (google)" in page
    assert "synthetic record, not a real publication" in page
    assert "=HYPERLINK(&quot;http://example.invalid&quot;,&quot;x&quot;)" in page


def test_parquet_keeps_types(review_db, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = tmp_path / "review.parquet"
    assert export(review_db, out) == 13
    table = pq.read_table(out)
    assert table.column_names == list(COLUMNS)
    assert table.schema.field("year").type == pa.int32()
    assert table.schema.field("retrieved").type == pa.date32()
    rows = table.to_pylist()
    assert sum(r["synthetic"] for r in rows) == 1
    german = next(r for r in rows if r["language"] == "de")
    assert german["translation"] == EINSAMKEIT_MACHINE and german["year"] == 2022
    assert german["retrieved"] == dt.date(2026, 11, 20)
    assert next(r for r in rows if r["synthetic"])["original_text"] == FORMULA  # data, unquoted


def test_parquet_of_nothing_is_still_a_table(review_db, tmp_path):
    import pyarrow.parquet as pq

    out = tmp_path / "none.parquet"
    assert export(review_db, out, since=dt.date(2030, 1, 1)) == 0
    assert pq.read_table(out).num_rows == 0


def test_ris_one_entry_per_work(review_db, tmp_path):
    out = tmp_path / "works.ris"
    assert export(review_db, out) == 13
    text = out.read_text(encoding="utf-8")
    entries = [e for e in text.split("ER  - ") if e.strip()]
    assert len(entries) == 11  # 13 excerpts of 11 works (Norton: abstract and 2 statements)
    assert all(e.strip().startswith("TY  - ") for e in entries)
    norton = next(e for e in entries if f"DO  - {NORTON_DOI}" in e)
    assert "AU  - Michael John Norton" in norton and "PY  - 2021" in norton
    assert "AB  - Background: Mental health services" in norton
    assert norton.count("N1  - Citation statement") == 2
    assert "[1.1. Co-Production—A Brief Introduction (Introduction); contrasting]" in norton
    german = next(e for e in entries if "TI  - Einsamkeit" in e)
    assert f"N1  - Translation (en, machine): {EINSAMKEIT_MACHINE}" in german
    synthetic = next(e for e in entries if SYNTHETIC_DOI in e)
    assert "N1  - SYNTHETIC record" in synthetic
    assert out.read_bytes().count(b"\r\n") == text.count("\n")  # RIS lines end with CRLF


# --- filters ----------------------------------------------------------------------------------

@pytest.mark.parametrize("filters, expected", [
    ({"themes": ["role_clarity"]}, 2),
    ({"themes": ["training", "peer_networks"]}, 2),
    ({"languages": ["fi", "de"]}, 3),
    ({"kind": "citation_statement"}, 6),
    ({"since": dt.date(2026, 11, 10)}, 8),
    ({"themes": ["team_collaboration"], "languages": ["fi"]}, 2),
    ({"themes": ["team_collaboration"], "languages": ["fi"], "kind": "abstract"}, 1),
    ({"languages": ["xx"]}, 0),
])
def test_filters(review_db, tmp_path, filters, expected):
    out = tmp_path / "f.csv"
    assert export(review_db, out, **filters) == expected
    rows = csv_rows(out)
    assert len(rows) == expected
    for row in rows:
        if "languages" in filters:
            assert row["language"] in filters["languages"]
        if "themes" in filters:
            assert set(row["themes"].split("; ")) & set(filters["themes"])
        if "kind" in filters:
            assert row["kind"] == filters["kind"]
        if "since" in filters:
            assert row["retrieved"] >= filters["since"].isoformat()


def test_unknown_theme_or_kind_is_refused(review_db, tmp_path):
    with pytest.raises(ExportError, match="unknown theme 'stigma'; the themes are: "
                                          "peer_networks, role_clarity"):
        export(review_db, tmp_path / "x.csv", themes=["stigma"])
    with pytest.raises(ExportError, match="unknown kind"):
        export(review_db, tmp_path / "x.csv", kind="chapter")
    assert not (tmp_path / "x.csv").exists()


def test_export_by_saved_query(review_db, tmp_path, capsys):
    out = tmp_path / "training.csv"
    code = main(["--db", str(review_db), "export", "excerpts", "--query", "excerpts_of_theme",
                 "-p", "theme=workload_strain", "-o", str(out)])
    assert code == 0
    assert capsys.readouterr().out.startswith(f"exported 2 excerpts to {out} (csv; ")
    rows = csv_rows(out)
    assert [r["doi_link"] for r in rows] == [f"https://doi.org/{TUVESSON_DOI}",
                                             "https://doi.org/10.5555/litrev.test.3"]
    assert rows[1]["original_text"].startswith("Furthermore, individuals considering PSW")

    code = main(["--db", str(review_db), "export", "excerpts", "--query", "stance_tallies",
                 "-o", str(tmp_path / "no.csv")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("litrev: error: saved query 'stance_tallies' returns no excerpt_id")
    assert len(err.strip().splitlines()) == 1


def test_saved_query_limit_is_said_on_screen_and_not_applied_to_exports(review_db, tmp_path,
                                                                        capsys):
    """A saved query that lists excerpts stops at its limit on screen (and says so on stderr);
    an export chosen by that query takes every excerpt unless -p limit is given."""
    db = str(review_db)
    assert main(["--db", db, "query", "run", "new_since", "-p", "since=2026-11-01",
                 "-p", "limit=2", "--format", "csv"]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.strip().splitlines()) == 1 + 2
    assert "the first 2 rows, the query's limit" in captured.err
    assert main(["--db", db, "query", "run", "new_since", "-p", "since=2026-11-01"]) == 0
    assert "limit" not in capsys.readouterr().err  # 13 rows, under the default 500

    out = tmp_path / "new.csv"
    assert main(["--db", db, "export", "excerpts", "--query", "new_since",
                 "-p", "since=2026-11-01", "-o", str(out)]) == 0
    assert len(csv_rows(out)) == 13
    assert main(["--db", db, "export", "excerpts", "--query", "new_since",
                 "-p", "since=2026-11-01", "-p", "limit=2", "-o", str(out)]) == 0
    assert len(csv_rows(out)) == 2


def test_cli_export_formats_and_errors(review_db, tmp_path, capsys):
    db = str(review_db)
    out = tmp_path / "fi.html"
    assert main(["--db", db, "export", "excerpts", "--lang", "fi", "--format", "html",
                 "-o", str(out)]) == 0
    assert "exported 2 excerpts" in capsys.readouterr().out
    assert "Kokemusasiantuntijatoimintaan" in out.read_text(encoding="utf-8")

    assert main(["--db", db, "export", "excerpts", "-o", str(tmp_path / "x.txt")]) == 1
    assert "cannot tell the format from 'x.txt'; pass --format" in capsys.readouterr().err
    assert main(["--db", db, "export", "excerpts", "--since", "20.11.2026",
                 "-o", str(tmp_path / "x.csv")]) == 1
    assert "--since expects a date written YYYY-MM-DD" in capsys.readouterr().err
    assert main(["--db", db, "export", "excerpts", "--excel", "-o", str(tmp_path / "x.xlsx")]) == 1
    assert "--excel" in capsys.readouterr().err
    assert main(["--db", db, "export", "excerpts", "-o",
                 str(tmp_path / "missing" / "x.csv")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_export_reads_the_last_commit_while_the_lake_is_being_written(review_db, tmp_path):
    with write_session(review_db) as writer:  # a harvest holding the writer's turn
        writer.execute("BEGIN TRANSACTION")
        writer.execute("DELETE FROM excerpt_themes")  # not yet committed
        out = tmp_path / "during.csv"
        assert main(["--db", str(review_db), "export", "excerpts", "--theme", "role_clarity",
                     "-o", str(out)]) == 0
        assert len(csv_rows(out)) == 2
        writer.execute("ROLLBACK")


def test_a_failed_export_leaves_no_file(review_db, tmp_path, monkeypatch):
    def broken(con, path, request):
        Path(path).write_text("half a table", encoding="utf-8")
        raise OSError("disk full")

    monkeypatch.setitem(exporters.WRITERS, "csv", broken)
    out = tmp_path / "out" / "review.csv"
    out.parent.mkdir()
    with pytest.raises(OSError, match="disk full"):
        export(review_db, out)
    assert list(out.parent.iterdir()) == []


def test_translation_language_follows_the_profile_or_the_stored_translations(review_db,
                                                                               tmp_path):
    out = tmp_path / "de.csv"
    export(review_db, out, target_language="de")
    rows = csv_rows(out)
    assert {r["translation_language"] for r in rows} == {"de"}
    german = next(r for r in rows if r["language"] == "de")
    assert german["translation_status"] == "not needed" and german["translation"] == ""
    export(review_db, out)  # no profile: the language most translations are into
    assert {r["translation_language"] for r in csv_rows(out)} == {"en"}


def test_a_writer_taking_keyword_filters_joins_through_the_writer_seam(review_db, tmp_path,
                                                                        monkeypatch):
    """A format written by a function with the export's filters as keywords (as REFI-QDA's
    ``write_qdpx(con, path, **filters)``) plugs in with ``request.filters()``."""
    seen = {}

    def write_ids(con, path, *, themes, languages, kind, since, excerpt_ids, target_language):
        seen.update(themes=themes, languages=languages, kind=kind,
                    target_language=target_language)
        request = exporters.table.ExportRequest(
            target_language=target_language, themes=themes, languages=languages, kind=kind,
            since=since, excerpt_ids=excerpt_ids)
        ids = [r["excerpt_id"] for batch in exporters.table.iter_rows(con, request)
               for r in batch]
        Path(path).write_text("\n".join(ids), encoding="utf-8")
        return len(ids)

    monkeypatch.setitem(exporters.WRITERS, "ids",
                        lambda con, path, request: write_ids(con, path, **request.filters()))
    out = tmp_path / "finnish.ids"
    count = export(review_db, out, "ids", languages=["fi"], kind="abstract")
    assert seen == {"themes": (), "languages": ["fi"], "kind": "abstract",
                    "target_language": "en"}
    with read_session(review_db) as con:
        finnish = {r[0] for r in con.execute(
            "SELECT excerpt_id FROM excerpts WHERE language = 'fi' AND kind = 'abstract'"
        ).fetchall()}
    assert count == len(finnish) > 0
    assert set(out.read_text(encoding="utf-8").splitlines()) == finnish
