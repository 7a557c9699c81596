"""Hostile import files, made from the real exports: each gives its good records, one line per
problem (file and line where there is one), no exception, nothing garbled."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import pytest

from litrev.extract.importers import ProblemKind, read_file
from litrev.flows.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "imports"
ASP = (FIXTURES / "R17_synthesisr_asp_crlf.ris").read_bytes()  # UTF-8, CRLF, Spanish names
ASP_PEOPLE = ("Rodríguez-Pastor, Ruth", "Luque-Larena, Juan José", "Lambin, Xavier",
              "Mougeot, François")


def kinds(result) -> list[str]:
    return [str(p.kind) for p in result.problems]


def test_ris_cut_short_keeps_the_whole_entries_and_names_the_cut_one():
    body = (FIXTURES / "R08_asreview_scopus.ris").read_bytes()
    cut = body[: body.index(b"TY  - JOUR", body.index(b"TY  - JOUR", 10) + 10) + 400]
    result = read_file(cut, "scopus-cut.ris")
    assert len(result.records) == 2
    assert [str(p) for p in result.problems] == [
        "scopus-cut.ris:" + str(cut[:cut.rindex(b"TY  - JOUR")].count(b"\n") + 1)
        + ": the file ends inside this entry (no ER line: cut short?); entry skipped"]
    assert result.entries == 3  # the cut entry is a record of the file, not read


def test_bibtex_unclosed_brace_keeps_the_other_entries():
    text = (FIXTURES / "B06_synthesisr_scopus.bib").read_text(encoding="utf-8")
    broken = text.replace("title={Impacts of land conversion", "title={{Impacts of land "
                          "conversion", 1)
    result = read_file(broken.encode(), "scopus-broken.bib")
    assert [r.source_record_id for r in result.records] == ["Li2020", "Tang2020"]
    [problem] = result.problems
    assert problem.line == text[:text.index("@ARTICLE{Cao2020")].count("\n") + 1
    assert problem.message.startswith("unreadable BibTeX entry '@ARTICLE{Cao2020,' (")


def test_bibtex_cut_short_keeps_the_entries_before():
    text = (FIXTURES / "B04_pybibx_wos.bib").read_text(encoding="utf-8-sig")
    cut = text[: text.index("@article", text.index("@article") + 10) + 300]
    result = read_file(cut.encode(), "wos-cut.bib")
    assert [r.source_record_id for r in result.records] == ["WOS:000731787800009"]
    assert kinds(result) == ["entry skipped"] and result.problems[0].line


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_csv_in_any_delimiter_is_read(delimiter):
    body = (FIXTURES / "C03_asreview_duplicates.csv").read_text(encoding="utf-8")
    result = read_file(body.replace(";", delimiter).encode(), "duplicates.csv")
    assert len(result.records) == 10
    assert [r.work.title for r in result.records[:3]] == ["a", "a", "b"]


def test_a_row_with_a_stray_delimiter_is_named_and_the_others_read():
    body = (FIXTURES / "C03_asreview_duplicates.csv").read_text(encoding="utf-8")
    body = body.replace("b;lorem;10.3;lorem", "b;lor;em;10.3;lorem")
    result = read_file(body.encode(), "duplicates.csv")
    assert len(result.records) == 9
    assert str(result.problems[0]) == (
        "duplicates.csv:4: 5 cells where the header has 4 (a stray delimiter or quote, or a "
        "row cut short?); row skipped")


def test_a_csv_cell_that_looks_like_another_format_does_not_change_the_format():
    body = (b'Title,Abstract\n"Peer work online","Shared by\n@peerworkers (a forum)\n'
            b'TY  - JOUR as a quote"\n')
    result = read_file(body, "tweets.csv")
    assert result.format == "csv" and len(result.records) == 1
    assert result.records[0].excerpts[0].text.startswith("Shared by @peerworkers (a forum)")


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
    return buffer.getvalue()


@pytest.mark.parametrize("name,body,what", [
    ("export.ris", gzip.compress(ASP), "binary file (a gzip archive: unpack it first)"),
    ("export.csv", _xlsx(), "binary file (a ZIP archive (an .xlsx or .docx workbook?): save "
                            "it as CSV or unpack it)"),
    ("export.bib", bytes(range(256)) * 8, "binary file (binary data, not text: export the "
                                          "references as RIS, BibTeX, CSV or text)"),
    ("export.ris", b"", "empty file"),
    ("export.bib", b"\n\n  \n", "empty file"),
    ("export.jsonl", b"\xef\xbb\xbf\r\n", "empty file"),
    ("notes.txt", b"Searched Scopus on 3 May.\nNothing else here.\n",
     "not an import file (no RIS, BibTeX, MEDLINE, Web of Science, CSV or JSON Lines content "
     "found)"),
])
def test_binary_empty_or_unknown_file_is_one_line(name, body, what):
    result = read_file(body, name)
    assert result.records == []
    assert [str(p) for p in result.problems] == [f"{name}: {what}; file skipped"]
    assert result.problems[0].kind == ProblemKind.FILE_SKIPPED


@pytest.mark.parametrize("encoding,bom", [
    ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"), ("utf-16-le", b""),
    ("utf-16-be", b""),
])
def test_utf16_with_and_without_bom(encoding, bom):
    body = bom + ASP.decode("utf-8").encode(encoding)
    result = read_file(body, "asp.ris")
    assert result.problems == []
    assert len(result.records) == 4
    assert result.records[0].work.authors == ASP_PEOPLE


def test_real_utf16be_bibtex_with_bom():
    result = read_file((FIXTURES / "B08_jabref_utf16be.bib").read_bytes(), "jabref.bib")
    assert result.encoding == "utf-16-be"
    assert [r.work.title for r in result.records] == ["Ü ist ein Umlaut"]


def test_one_stray_byte_is_read_alone_with_one_warning_and_nothing_else_garbled():
    # a hand edit in Windows-1252 added "Müller" to a UTF-8 export
    body = ASP.replace(b"AU  - Lambin, Xavier", b"AU  - M\xfcller, Karl\r\nAU  - Lambin, Xavier",
                       1)
    result = read_file(body, "asp.ris")
    line = body[: body.index(b"M\xfcller")].count(b"\n") + 1
    assert [str(p) for p in result.problems] == [
        f"asp.ris:{line}: byte b'\\xfc' is not UTF-8; read as 'ü' (Windows-1252)"]
    assert result.problems[0].kind == ProblemKind.WARNING
    assert result.records[0].work.authors == (*ASP_PEOPLE[:2], "Müller, Karl", *ASP_PEOPLE[2:])
    assert result.records[3].work.authors[0] == "朱德泉"  # the Chinese record is untouched


def test_a_whole_file_in_windows_1252_is_read_as_such_without_warnings():
    body = ASP.decode("utf-8").replace("“", '"').replace("”", '"')
    body = "".join(ch for ch in body if ord(ch) < 0x2000)  # what cp1252 can hold
    result = read_file(body.encode("cp1252"), "asp.ris")
    assert result.encoding == "cp1252" and result.problems == []
    assert result.records[0].work.authors == ASP_PEOPLE


def test_placeholder_abstracts_are_no_abstract():
    body = (b'Authors,Title,Year,Source title,DOI,Abstract\n'
            b'"Strickland J.C., Lile J.A., Stoops W.W.",Evaluating non-medical prescription '
            b'opioid demand,2019,Drug Alcohol Depend,10.1016/j.drugalcdep.2019.04.027,'
            b'[No abstract available]\n'
            b'"Lile J.A.",Second,2020,X,,Abstract not available.\n')
    result = read_file(body, "scopus-old.csv")
    first, second = result.records
    assert first.work.authors == ("Strickland J.C.", "Lile J.A.", "Stoops W.W.")
    assert [(e.kind, e.text) for e in first.excerpts] == [
        ("title", "Evaluating non-medical prescription opioid demand")]
    assert [e.kind for e in second.excerpts] == ["title"]


def test_parse_exits_2_with_one_line_when_a_file_yields_no_record(capsys, tmp_path):
    binary = tmp_path / "savedrecs.ris"
    binary.write_bytes(gzip.compress(ASP))
    assert main(["parse", "files", str(binary)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == ("litrev: savedrecs.ris: binary file (a gzip archive: unpack it first); "
                      "file skipped")
    assert err[1].startswith("files: 0 records from") and len(err) == 2
    assert main(["parse", "files", str(FIXTURES / "R16_asreview_zotero_crlf.ris"),
                 "--format", "jsonl"]) == 0
