"""`litrev import-reviews`: the round trip through XLSX, idempotence, refusals that write nothing,
unknown ids, and human translations that nothing overwrites."""

from __future__ import annotations

import csv
import socket
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from litrev.extract.profile import parse_profile
from litrev.flows.cli import main
from litrev.flows.translation import TranslationRun, run_translation
from litrev.store import reviews as reviews_module
from litrev.store.cells import strip_neutraliser
from litrev.store.db import read_session, write_session
from litrev.store.export import COLUMNS, export_excerpts
from litrev.store.reviews import ReviewFileError, import_reviews
from litrev.store.sqlfiles import SqlFile
from litrev.store.translations import save_results
from tests import corpus_review
from tests.corpus_review import EINSAMKEIT_MACHINE, excerpt_id_starting

CORRECTED = "About 5 to 10% of adults say that they feel lonely quite often or very often."


@pytest.fixture
def review_db(tmp_path) -> Path:
    db = tmp_path / "review.ducklake"
    with write_session(db) as con:
        corpus_review.build(con)
    return db


def ids(db) -> dict[str, str]:
    with read_session(db) as con:
        return {words: excerpt_id_starting(con, words)
                for words in ("Etwa 5 bis 10%", "Tiivistelmä: Hoitotyöntekijöiden",
                              "Such a framework", "Bakgrund: Covid-19")}


def tables(db) -> dict[str, list]:
    with read_session(db) as con:
        return {"reviews": con.execute("SELECT * FROM reviews ORDER BY ALL").fetchall(),
                "translations": con.execute("SELECT * FROM translations ORDER BY ALL").fetchall(),
                "excerpts": con.execute("SELECT * FROM excerpts ORDER BY ALL").fetchall()}


def translation_of(db, words: str):
    with read_session(db) as con:
        return con.execute(
            "SELECT t.translated_text, t.status, t.provider FROM excerpts e JOIN translations t "
            "ON t.text_hash = e.text_hash AND t.target_language = 'en' "
            "WHERE starts_with(e.text, $w)", {"w": words}).fetchone()


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(header)
        out.writerows(rows)
    return path


def fill_in_xlsx(path: Path, edits: dict[str, dict[str, str]]) -> None:
    """What a reviewer does in Excel: type into the reviewer columns of some rows."""
    wb = load_workbook(path)
    ws = wb["excerpts"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        excerpt_id = row[header.index("excerpt_id")].value
        for column, value in edits.get(excerpt_id, {}).items():
            row[header.index(column)].value = value
    wb.save(path)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_later_translation(db) -> TranslationRun:
    """A later translation run with the provider unreachable (nothing listens on the port)."""
    profile = parse_profile({
        "review": {"name": "t", "target_language": "en",
                   "candidate_languages": ["en", "de", "fi", "sv"],
                   "contact_email": "review@example.invalid", "database": str(db)},
        "translation": {"provider": "libre", "url": f"http://127.0.0.1:{closed_port()}",
                        "timeout_seconds": 2, "max_consecutive_failures": 1}})
    return run_translation(db, profile, retry_failed=True)


def machine_write(db, text_hash: str) -> None:
    """What the translation step stores for a fresh provider answer, aimed at a human row."""
    answer = SimpleNamespace(text_hash=text_hash, target_language="en", source_language="de",
                             translated_text="MACHINE OVERWRITE", provider="google",
                             status="machine", error=None, numbers_mismatch=False,
                             new_cache_entry=True)
    with write_session(db) as con:
        save_results(con, [answer])


def test_round_trip_through_xlsx(review_db, tmp_path, capsys):
    known = ids(review_db)
    german, finnish = known["Etwa 5 bis 10%"], known["Tiivistelmä: Hoitotyöntekijöiden"]
    out = tmp_path / "review.xlsx"
    assert main(["--db", str(review_db), "export", "excerpts", "-o", str(out)]) == 0
    fill_in_xlsx(out, {
        german: {"corrected_translation": CORRECTED, "decision": "include"},
        finnish: {"decision": "exclude", "note": "thesis on nurses' views, not PSWs"},
    })
    capsys.readouterr()
    assert main(["--db", str(review_db), "import-reviews", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    # The corpus's one stored review is in the export too (shown, not blank), unchanged.
    assert printed == [
        "read 13 rows from review.xlsx: 3 with a decision, note or corrected translation",
        "reviews: 2 new, 0 updated, 1 unchanged",
        "corrected translations stored as human: 1",
    ]
    assert translation_of(review_db, "Etwa 5 bis 10%") == (CORRECTED, "human", "reviewer")
    with read_session(review_db) as con:
        stored = dict(con.execute("SELECT excerpt_id, decision FROM reviews").fetchall())
    assert stored[german] == "include" and stored[finnish] == "exclude"

    later = run_later_translation(review_db)
    assert later.texts == 2  # the Finnish and the pending Swedish abstract were tried again
    assert translation_of(review_db, "Etwa 5 bis 10%") == (CORRECTED, "human", "reviewer")
    assert translation_of(review_db, "Bakgrund: Covid-19")[1] == "pending"
    with read_session(review_db) as con:
        german_hash = con.execute("SELECT text_hash FROM excerpts WHERE excerpt_id = $e",
                                  {"e": german}).fetchone()[0]
    machine_write(review_db, german_hash)
    assert translation_of(review_db, "Etwa 5 bis 10%") == (CORRECTED, "human", "reviewer")

    # and the next export shows the human translation, unmarked
    again = tmp_path / "again.xlsx"
    with read_session(review_db) as con:
        export_excerpts(con, again, languages=["de"])
    ws = load_workbook(again)["excerpts"]
    row = dict(zip(COLUMNS, ws[2], strict=True))
    assert row["translation"].value == CORRECTED
    assert (row["translation_status"].value, row["translation_provider"].value) == (
        "human", "reviewer")
    assert not row["translation"].font.italic


def test_importing_the_same_file_twice_changes_nothing(review_db, tmp_path):
    known = ids(review_db)
    path = write_csv(tmp_path / "r.csv", ["excerpt_id", "decision", "note",
                                          "corrected_translation"],
                     [[known["Etwa 5 bis 10%"], "include", "", CORRECTED],
                      [known["Bakgrund: Covid-19"], "maybe", "needs a translation", ""]])
    with write_session(review_db) as con:
        first = import_reviews(con, path)
    assert (first.reviews_new, first.reviews_updated, first.translations_human) == (2, 0, 1)
    before = tables(review_db)
    with write_session(review_db) as con:
        second = import_reviews(con, path)
    assert (second.reviews_new, second.reviews_updated, second.reviews_unchanged,
            second.translations_human) == (0, 0, 2, 0)
    assert tables(review_db) == before  # not even imported_at moved


def test_an_empty_cell_keeps_the_stored_decision(review_db, tmp_path):
    supporting = ids(review_db)["Such a framework"]
    path = write_csv(tmp_path / "r.csv", ["excerpt_id", "decision", "note",
                                          "corrected_translation"],
                     [[supporting, "", "second reader agrees", ""]])
    with write_session(review_db) as con:
        s = import_reviews(con, path)
    assert (s.reviews_new, s.reviews_updated) == (0, 1)
    with read_session(review_db) as con:
        row = con.execute("SELECT decision, note, reviewer_file FROM reviews "
                          "WHERE excerpt_id = $e", {"e": supporting}).fetchone()
    assert row == ("include", "second reader agrees", "r.csv")


@pytest.mark.parametrize("header, message", [
    (["excerpt_id", "decision", "note", "corrected translation"],
     "lacks the column 'corrected_translation' (renamed to 'corrected translation'?)"),
    (["excerpt_id", "Entscheidung", "note", "corrected_translation"],
     "lacks the column 'decision'; import-reviews needs excerpt_id, decision, note, "
     "corrected_translation"),
    (["id", "decision", "notes", "corrected_translation"],
     "lacks the columns 'excerpt_id', 'note' (renamed to 'notes'?)"),
    (["excerpt_id", "decision", "decision", "note", "corrected_translation"],
     "has the column 'decision' twice"),
])
def test_missing_or_renamed_columns_are_refused_and_nothing_is_written(
        review_db, tmp_path, capsys, header, message):
    german = ids(review_db)["Etwa 5 bis 10%"]
    path = write_csv(tmp_path / "bad.csv", header,
                     [[german, "include", "x", CORRECTED, "y"][: len(header)]])
    before = tables(review_db)
    assert main(["--db", str(review_db), "import-reviews", str(path)]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert err.startswith("litrev: error: bad.csv") and len(err.strip().splitlines()) == 1
    assert tables(review_db) == before


def test_a_file_that_is_not_a_table_is_refused(review_db, tmp_path, capsys):
    (tmp_path / "notes.xlsx").write_text("not a workbook", encoding="utf-8")
    assert main(["--db", str(review_db), "import-reviews", str(tmp_path / "notes.xlsx")]) == 1
    assert "is not a readable .xlsx workbook" in capsys.readouterr().err
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    assert main(["--db", str(review_db), "import-reviews", str(tmp_path / "notes.txt")]) == 1
    assert "reads .xlsx or .csv files" in capsys.readouterr().err


def test_unknown_ids_are_reported_and_the_rest_imported(review_db, tmp_path, capsys):
    german = ids(review_db)["Etwa 5 bis 10%"]
    path = write_csv(tmp_path / "r.csv", ["excerpt_id", "decision", "note",
                                          "corrected_translation"],
                     [[german, "include", "", ""], ["x0000000000000000dead", "exclude", "", ""]])
    assert main(["--db", str(review_db), "import-reviews", str(path)]) == 0
    captured = capsys.readouterr()
    assert "reviews: 1 new, 0 updated, 0 unchanged" in captured.out
    assert captured.err.strip() == (
        f"litrev: warning: 1 excerpt id is not in {review_db} and was skipped (exported from "
        "another database?): x0000000000000000dead")
    with read_session(review_db) as con:
        assert con.execute("SELECT count(*) FROM reviews WHERE decision = 'exclude'"
                           ).fetchone()[0] == 0


def test_the_formula_guard_is_stripped_and_excel_bom_read(review_db, tmp_path):
    german = ids(review_db)["Etwa 5 bis 10%"]
    path = tmp_path / "excel.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows([["excerpt_id", "decision", "note", "corrected_translation"],
                                 [german, "'+1", "'=SUM(A1)", "'- About 5 to 10% ..."]])
    with write_session(review_db) as con:
        import_reviews(con, path)
    with read_session(review_db) as con:
        row = con.execute("SELECT decision, note, corrected_translation FROM reviews "
                          "WHERE excerpt_id = $e", {"e": german}).fetchone()
    assert row == ("+1", "=SUM(A1)", "- About 5 to 10% ...")
    assert strip_neutraliser("'quoted on purpose'") == "'quoted on purpose'"


def test_one_excerpt_twice_with_different_values_is_refused(review_db, tmp_path):
    german = ids(review_db)["Etwa 5 bis 10%"]
    path = write_csv(tmp_path / "r.csv", ["excerpt_id", "decision", "note",
                                          "corrected_translation"],
                     [[german, "include", "", ""], [german, "exclude", "", ""]])
    before = tables(review_db)
    with write_session(review_db) as con, pytest.raises(ReviewFileError,
                                                        match="rows 2 and 3 with different"):
        import_reviews(con, path)
    assert tables(review_db) == before


def test_a_failure_while_writing_rolls_everything_back(review_db, tmp_path, monkeypatch):
    german = ids(review_db)["Etwa 5 bis 10%"]
    path = write_csv(tmp_path / "r.csv", ["excerpt_id", "decision", "note",
                                          "corrected_translation"],
                     [[german, "include", "", CORRECTED]])
    real = reviews_module.internal

    def failing(name):
        if name == "merge_human_translations":
            return SqlFile(name, "broken", (), "INSERT INTO no_such_table VALUES (1)", "x")
        return real(name)

    monkeypatch.setattr(reviews_module, "internal", failing)
    before = tables(review_db)
    with write_session(review_db) as con, pytest.raises(Exception, match="nothing of it was"):
        import_reviews(con, path)
    assert tables(review_db) == before
    assert translation_of(review_db, "Etwa 5 bis 10%") == (EINSAMKEIT_MACHINE, "machine",
                                                           "google")


def stored_review(db, excerpt_id: str) -> tuple | None:
    with read_session(db) as con:
        return con.execute("SELECT decision, note, corrected_translation FROM reviews "
                           "WHERE excerpt_id = $e", {"e": excerpt_id}).fetchone()


def test_clear_erases_a_stored_decision_or_note_and_an_empty_cell_keeps_it(review_db, tmp_path):
    supporting = ids(review_db)["Such a framework"]
    assert stored_review(review_db, supporting)[0] == "include"  # the corpus's stored review
    path = write_csv(tmp_path / "r.csv", ["excerpt_id", "decision", "note",
                                          "corrected_translation"],
                     [[supporting, "(clear)", "second reader: unsure", ""]])
    with write_session(review_db) as con:
        s = import_reviews(con, path)
    assert (s.reviews_new, s.reviews_updated) == (0, 1)
    assert stored_review(review_db, supporting) == (None, "second reader: unsure", None)

    path = write_csv(tmp_path / "r2.csv", ["excerpt_id", "decision", "note",
                                           "corrected_translation"],
                     [[supporting, "", " (Clear) ", ""]])  # as typed, any case and spaces
    with write_session(review_db) as con:
        s = import_reviews(con, path)
    assert stored_review(review_db, supporting) == (None, None, None)
    with write_session(review_db) as con:  # clearing what is already empty changes nothing
        again = import_reviews(con, path)
    assert (again.reviews_new, again.reviews_updated, again.reviews_unchanged) == (0, 0, 1)


def test_clear_on_a_new_excerpt_stores_nothing_and_a_corrected_translation_is_refused(
        review_db, tmp_path):
    finnish = ids(review_db)["Tiivistelmä: Hoitotyöntekijöiden"]
    path = write_csv(tmp_path / "r.csv", ["excerpt_id", "decision", "note",
                                          "corrected_translation"],
                     [[finnish, "(clear)", "", ""]])
    with write_session(review_db) as con:
        s = import_reviews(con, path)
    assert (s.reviews_new, s.reviews_updated, s.reviews_unchanged) == (0, 0, 1)
    assert stored_review(review_db, finnish) is None

    before = tables(review_db)
    path = write_csv(tmp_path / "bad.csv", ["excerpt_id", "decision", "note",
                                            "corrected_translation"],
                     [[finnish, "include", "", "(clear)"]])
    with pytest.raises(ReviewFileError, match=r"bad.csv: row 2 asks to clear a corrected "
                                              r"translation.*nothing was imported"):
        with write_session(review_db) as con:
            import_reviews(con, path)
    assert tables(review_db) == before


def test_a_re_export_shows_the_stored_decisions_and_notes(review_db, tmp_path):
    known = ids(review_db)
    german = known["Etwa 5 bis 10%"]
    path = write_csv(tmp_path / "r.csv", ["excerpt_id", "decision", "note",
                                          "corrected_translation"],
                     [[german, "maybe", "=check the 5-10% figure", CORRECTED]])
    with write_session(review_db) as con:
        import_reviews(con, path)
    out = tmp_path / "again.xlsx"
    with read_session(review_db) as con:
        export_excerpts(con, out)
    ws = load_workbook(out)["excerpts"]
    rows = {r[0].value: dict(zip(COLUMNS, (c.value for c in r), strict=True))
            for r in ws.iter_rows(min_row=2)}
    assert rows[german]["decision"] == "maybe"
    assert rows[german]["note"] == "'=check the 5-10% figure"  # shown through the guard
    assert rows[german]["corrected_translation"] == CORRECTED
    assert rows[known["Such a framework"]]["decision"] == "include"
    assert rows[known["Bakgrund: Covid-19"]]["decision"] is None


def semicolon_spreadsheet_edit(path: Path, edits: dict[str, dict[str, str]]) -> None:
    """What a spreadsheet in a European locale does with an exported CSV: reads it, the
    reviewer types into some rows, it saves with ';' between cells, CRLF and a BOM."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    header = table[0]
    for row in table[1:]:
        for column, value in edits.get(row[header.index("excerpt_id")], {}).items():
            row[header.index(column)] = value
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, delimiter=";", lineterminator="\r\n").writerows(table)


def test_round_trip_through_csv_saved_with_semicolons(review_db, tmp_path, capsys):
    known = ids(review_db)
    german, finnish = known["Etwa 5 bis 10%"], known["Tiivistelmä: Hoitotyöntekijöiden"]
    supporting = known["Such a framework"]
    out = tmp_path / "review.csv"
    assert main(["--db", str(review_db), "export", "excerpts", "--format", "csv", "-o",
                 str(out)]) == 0
    semicolon_spreadsheet_edit(out, {
        german: {"corrected_translation": CORRECTED, "decision": "include"},
        finnish: {"decision": "exclude", "note": "thesis on nurses' views; not PSWs"},
        supporting: {"decision": "(clear)"},
    })
    assert ";" in out.read_text(encoding="utf-8-sig").splitlines()[0]
    capsys.readouterr()
    assert main(["--db", str(review_db), "import-reviews", str(out)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "read 13 rows from review.csv: 3 with a decision, note or corrected translation",
        "reviews: 2 new, 1 updated, 0 unchanged",
        "corrected translations stored as human: 1",
    ]
    assert translation_of(review_db, "Etwa 5 bis 10%") == (CORRECTED, "human", "reviewer")
    assert stored_review(review_db, finnish) == ("exclude", "thesis on nurses' views; not PSWs",
                                                 None)
    assert stored_review(review_db, supporting)[0] is None
    # The texts came back as stored: a formula-like original is still guarded in the file and
    # the import did not change any excerpt.
    before = tables(review_db)["excerpts"]
    assert main(["--db", str(review_db), "import-reviews", str(out)]) == 0
    assert tables(review_db)["excerpts"] == before


def test_a_note_the_xlsx_export_cut_keeps_its_whole_stored_text(review_db, tmp_path, capsys):
    """A note longer than an Excel cell is cut in the XLSX export; importing that file back
    must not replace the whole stored note with its cut copy. The decision typed on the same
    row is still imported, and the command says which cell was kept."""
    known = ids(review_db)
    finnish = known["Tiivistelmä: Hoitotyöntekijöiden"]
    long_note = "Huomio: vertaistyöntekijöiden rooli. " * 1000
    with write_session(review_db) as con:
        con.execute("INSERT INTO reviews (excerpt_id, decision, note, reviewer_file, imported_at) "
                    "VALUES ($e, 'exclude', $n, 'earlier.csv', now())",
                    {"e": finnish, "n": long_note})
    out = tmp_path / "review.xlsx"
    assert main(["--db", str(review_db), "export", "excerpts", "-o", str(out)]) == 0
    fill_in_xlsx(out, {finnish: {"decision": "include"}})
    capsys.readouterr()
    assert main(["--db", str(review_db), "import-reviews", str(out)]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "1 cell ended with the export's cut marker" in err[0]
    assert "note" in err[0]
    with read_session(review_db) as con:
        decision, note = con.execute("SELECT decision, note FROM reviews WHERE excerpt_id = $e",
                                     {"e": finnish}).fetchone()
    assert decision == "include"
    assert note == long_note
