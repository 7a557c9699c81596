"""`litrev harvest` over an import folder holding every real export and every hostile file, run
as a user runs it (a child process, a real Prefect server): the search ledger counts what the
files hold, nothing is capped, `.txt` exports are read, skipped files say why."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from litrev.extract.importers import read_file
from tests.prefect_server import prefect_env, prefect_server  # noqa: F401 - fixture

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "imports"
LITREV = [sys.executable, "-m", "litrev.flows.cli"]

pytestmark = pytest.mark.slow

PROFILE = """\
[review]
name = "Import harvest test"
target_language = "en"
candidate_languages = ["en", "de", "es", "it"]
contact_email = "test@example.org"
database = "review.ducklake"

[translation]
provider = "none"

[sources.files]
folder = "imports"
max_records = 20     # below the 97 records of one file: must not cut it
"""


def fill_folder(imports: Path) -> dict[str, bytes]:
    """Every real export, and the hostile files of tests/test_hostile_imports.py."""
    imports.mkdir()
    for path in FIXTURES.iterdir():
        if path.suffix != ".md" and not path.name.startswith("."):
            shutil.copy(path, imports / path.name)
    asp = (FIXTURES / "R17_synthesisr_asp_crlf.ris").read_bytes()
    scopus = (FIXTURES / "R08_asreview_scopus.ris").read_bytes()
    hostile = {
        "savedrecs-gzip.ris": gzip.compress(asp),
        "empty.bib": b"",
        "README.txt": b"Exports from Scopus and Web of Science, May 2026.\n",
        "scopus-cut.ris": scopus[: len(scopus) // 2],
        "asp-stray-byte.ris": asp.replace(b"AU  - Lambin", b"AU  - M\xfcller, Karl\r\nAU  - "
                                          b"Lambin", 1),
        "asp-utf16-no-bom.ris": asp.decode("utf-8").encode("utf-16-le"),
    }
    for name, body in hostile.items():
        (imports / name).write_bytes(body)
    return {p.name: p.read_bytes() for p in imports.iterdir()}


def rows(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_harvest_counts_every_record_of_every_file(prefect_server, tmp_path):  # noqa: F811
    (tmp_path / "review.toml").write_text(PROFILE, encoding="utf-8")
    bodies = fill_folder(tmp_path / "imports")
    run = subprocess.run([*LITREV, "--profile", str(tmp_path / "review.toml"), "harvest"],
                         cwd=tmp_path, env=prefect_env(prefect_server, tmp_path / "prefect"),
                         capture_output=True, text=True, timeout=400)
    assert run.returncode == 3, run.stderr  # 3: a source failed (the gzip file)

    ledger = {key: rest for key, *rest in rows(
        tmp_path / "review.ducklake",
        "SELECT query_key, hits_reported, records_retrieved, status, error FROM search_log")}
    assert sorted(ledger) == sorted(bodies)  # every file is a search, whatever its suffix
    for name, body in bodies.items():
        expected = read_file(body, name)
        hits, retrieved, status, error = ledger[name]
        if expected.file_skipped:
            assert (hits, retrieved) == (0, 0), name
            assert error == str(expected.file_skipped)
            continue
        assert status == "succeeded", name
        assert (hits, retrieved) == (expected.entries, len(expected.records)), name

    assert ledger["savedrecs-gzip.ris"][2:] == [
        "failed", "savedrecs-gzip.ris: binary file (a gzip archive: unpack it first); "
                  "file skipped"]
    assert ledger["empty.bib"][2:] == ["failed", "empty.bib: empty file; file skipped"]
    assert ledger["README.txt"][2] == "succeeded"  # a note, not an export: said, not failed
    # .txt exports (RIS, MEDLINE, Web of Science) are read; no file is cut at max_records
    assert [ledger[n][1] for n in ("R12_asreview_pubmed_endnote.txt",
                                   "T02_synthesisr_pubmed_medline.txt",
                                   "W01_wos_plaintext_savedrecs.txt",
                                   "W02_wos_tabdelimited_savedrecs.txt",
                                   "B02_bibtexparser_biber_examples.bib")] == [6, 3, 3, 3, 97]
    assert ledger["scopus-cut.ris"][:2] == [3, 2]  # the cut entry identified, not retrieved
    assert "byte b'\\xfc' is not UTF-8; read as 'ü'" in ledger["asp-stray-byte.ris"][3]
    stored = str(rows(tmp_path / "review.ducklake", "SELECT title, authors FROM works"))
    assert "Rodríguez-Pastor, Ruth" in stored and "Ü ist ein Umlaut" in stored
    assert not [bad for bad in ("Ã", "\ufffd", "Â") if bad in stored]  # no mojibake anywhere
