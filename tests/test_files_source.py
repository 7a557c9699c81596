"""The files source: RIS, BibTeX, scite-style CSV and JSON Lines, malformed entries reported."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from litrev.extract.importers import read_file
from litrev.extract.profile import parse_profile
from litrev.extract.sources import HarvestContext, run_source
from litrev.extract.sources import files as files_source
from litrev.store.db import write_session
from litrev.store.load import load_batch, records_to_batch

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "files"
DEMO = Path(__file__).resolve().parent.parent / "litrev" / "flows" / "demo" / "data"
SEED_DOI = "10.1177/0020764020904764"


def read(name: str):
    return read_file((FIXTURES / name).read_bytes(), name)


def profile_for(folder: Path):
    return parse_profile({
        "review": {"name": "t", "target_language": "en", "candidate_languages": ["en", "fi"],
                   "contact_email": "t@example.org"},
        "seeds": {"dois": [SEED_DOI]},
        "sources": {"files": {"folder": str(folder)}},
    })


def test_scite_csv_statements_with_stance_section_and_confidence():
    result = read("scite-otte-2020.csv")
    assert [str(p) for p in result.problems] == [
        "scite-otte-2020.csv:4: no citation statement text (columns Snippet / Citation "
        "Statement); row skipped"]
    assert len(result.records) == 4
    first = result.records[0]
    statement = first.excerpts[0]
    assert first.work.doi == "10.5555/litrev.scite.1"
    assert statement.kind == "citation_statement"
    assert statement.text.startswith("Such a framework gives other mental health professionals")
    assert statement.cited_work_id == f"doi:{SEED_DOI}"
    assert (statement.section, statement.stance, statement.stance_confidence) == (
        "Discussion", "supporting", 0.91)
    assert first.citations == (("doi:10.5555/litrev.scite.1", f"doi:{SEED_DOI}"),)
    finnish = result.records[3].excerpts[0]
    assert finnish.text.startswith("Kokemusasiantuntijatoimintaan kohdistuneessa tutkimuksessa")
    assert finnish.stance is None  # "unclassified" on the page
    assert result.records[3].source_record_id == "scite-otte-2020.csv#L6"


def test_csv_header_variants_are_accepted(tmp_path):
    body = ("Citing DOI,Cited DOI,Citation Statement,Section Name,Classification,"
            "Classification Confidence\n"
            "10.5555/a,10.1177/0020764020904764,\"Peer workers were valued, see (1).\","
            "Results,Contrasting,0.75\n")
    result = read_file(body.encode(), "export.csv")
    assert not result.problems
    ex = result.records[0].excerpts[0]
    assert (ex.text, ex.section, ex.stance, ex.stance_confidence) == (
        "Peer workers were valued, see (1).", "Results", "contrasting", 0.75)


def test_csv_works_table():
    body = (b"Title,Abstract,DOI,Year,Authors,Journal,Language\n"
            b"Vertaistuki psykiatriassa,Tutkimuksen tarkoitus oli kuvata vertaistukea.,,2019,"
            b"\"Virtanen, Anna; Korhonen, Eero\",Psykiatria,fin\n"
            b",,,2020,,,\n")
    result = read_file(body, "works.csv")
    assert [str(p) for p in result.problems] == ["works.csv:3: no title, DOI or URN; row skipped"]
    rec = result.records[0]
    assert rec.work.authors == ("Virtanen, Anna", "Korhonen, Eero")
    assert (rec.work.year, rec.work.language, rec.work.venue) == (2019, "fi", "Psykiatria")
    assert rec.excerpts[0].text == "Tutkimuksen tarkoitus oli kuvata vertaistukea."


def test_ris_entries_and_the_unclosed_one():
    result = read("references.ris")
    assert [str(p) for p in result.problems] == [
        "references.ris:14: entry has no ER line before the next TY; entry skipped"]
    otte, fluckiger = result.records
    assert otte.work.doi == SEED_DOI
    assert otte.work.year == 2020 and otte.work.language == "en"
    assert otte.work.authors == ("Otte, Ina", "Werning, Anna")
    # the wrapped abstract lines are one text
    assert otte.excerpts[0].text.startswith("Background: Being aware of the challenges that "
                                            "may occur during the implementation of peer support")
    assert fluckiger.work.language == "de"  # "German"
    assert fluckiger.excerpts[0].kind == "title"  # no abstract: the title is the text
    assert fluckiger.source_record_id == "references.ris#L20"


def test_bibtex_entries_latex_accents_and_the_broken_one():
    result = read("references.bib")
    assert [str(p) for p in result.problems] == [
        "references.bib:12: unreadable BibTeX entry '@article{broken2021,' (Unexpected block "
        "start: '@incollection'. Was still looking for field-value closing '}'); entry skipped"]
    otte, riffer = result.records
    assert otte.source_record_id == "otte2020challenges"
    assert otte.work.work_id == f"doi:{SEED_DOI}"
    assert otte.work.title.startswith("Challenges faced by peer support workers during the "
                                      "integration into hospital-based")
    assert len(otte.work.authors) == 6
    assert riffer.work.title.startswith("Dialektisch-Behaviorale Therapie (DBT) bei komplexer "
                                        "Posttraumatischer Belastungsstörung im stationären")
    assert riffer.work.language == "de"  # langid = ngerman
    assert riffer.excerpts[0].text.endswith("Belastungsstörung (k-PTBS) entwickelt.")


def test_jsonl_demo_lines_origin_language_and_the_broken_line():
    result = read("demo-sample.jsonl")
    assert [str(p) for p in result.problems] == [
        "demo-sample.jsonl:3: not valid JSON (Expecting property name enclosed in double quotes "
        "at column 93); entry skipped"]
    fi, sv, de, statement = result.records
    assert fi.source_record_id == "fi-8430670f71"
    assert fi.work.title == ("Hoitotyöntekijöiden kokemuksia vertaisohjaajien mukanaolosta "
                             "psykoosipoliklinikan toiminnassa")
    assert fi.excerpts[0].language_hint == "fi"
    assert fi.excerpts[0].origin == "NatLibFi/Annif-corpora:subjects/yso-finna-fi/p1092-fi.txt#L45"
    assert fi.extra["topic"] == "core"
    # a bare abstract without title or id still gets a stable work
    assert sv.work.title is None and sv.work.work_id.startswith("text:")
    assert sv.excerpts[0].text.startswith("I denna rapport har personer med egen erfarenhet")
    assert de.work.doi == "10.1007/978-3-662-63726-5 14"  # kept as the source wrote it
    ex = statement.excerpts[0]
    assert ex.kind == "citation_statement" and ex.section == "Introduction"
    assert statement.work.doi == "10.3389/fdgth.2023.1130095"
    assert ex.cited_work_id == statement.related[0].work_id
    assert statement.related[0].title.startswith("1. SAMSHA. Value of Peers.")


def test_whole_demo_corpus_and_demo_data_import_without_problems():
    files = {p.name: read_file(p.read_bytes(), p.name) for p in sorted(DEMO.glob("*.jsonl"))}
    for name, result in files.items():
        assert not result.problems, name
        assert result.records, name
    assert len(files["works.jsonl"].records) == 40
    assert len(files["citation_statements.jsonl"].records) == 9
    synthetic = [r for name, res in files.items() if "synthetic" in name for r in res.records]
    assert synthetic and all(r.work.synthetic for r in synthetic)
    assert all(e.synthetic for r in synthetic for e in r.excerpts)
    german = [r for r in synthetic if r.work.language == "de" and r.excerpts[0].kind == "abstract"]
    assert german[0].excerpts[0].language_hint == "de"
    seed_statements = [r.excerpts[0] for name, res in files.items()
                       if name.startswith("seed") and "citation" in name for r in res.records]
    assert (seed_statements[0].stance, seed_statements[0].stance_confidence) == (
        "supporting", 0.91)
    assert seed_statements[0].cited_work_id == f"doi:{SEED_DOI}"
    # a cited DOI cut at a line break ("10.1007/s11126-") is taken whole from its reference entry
    cited = {w.work_id for r in files["citation_statements.jsonl"].records for w in r.related}
    assert "doi:10.1007/s11126-017-9534-7" in cited
    assert not any(w.endswith("-") for w in cited)


def test_harvest_one_search_per_file_problems_in_error_and_seed_marked(tmp_path):
    imports = tmp_path / "imports"
    shutil.copytree(FIXTURES, imports)
    profile = profile_for(imports)
    ctx = HarvestContext(profile, profile.sources["files"])
    results = {r.query_key: r for r in run_source("files", ctx)}
    assert sorted(results) == ["README.md", "demo-sample.jsonl", "references.bib",
                               "references.ris", "scite-otte-2020.csv"]
    readme = results["README.md"]  # not an import file: said, not read, not a failure
    assert (readme.status, readme.records, readme.hits_reported) == ("succeeded", [], 0)
    assert readme.error.startswith("README.md: not an import file")
    scite = results["scite-otte-2020.csv"]
    assert scite.status == "succeeded" and len(scite.records) == 4
    assert scite.hits_reported == 5
    assert scite.error == ("scite-otte-2020.csv:4: no citation statement text "
                           "(columns Snippet / Citation Statement); row skipped")
    assert scite.watermark.startswith("sha256:")
    cited = scite.records[0].related[0]
    assert cited.doi == SEED_DOI and cited.is_seed
    assert results["references.ris"].records[0].work.is_seed


def test_second_run_skips_unchanged_files_and_rereads_edited_ones(tmp_path):
    imports = tmp_path / "imports"
    imports.mkdir()
    shutil.copy(FIXTURES / "scite-otte-2020.csv", imports)
    shutil.copy(FIXTURES / "references.ris", imports)
    profile = profile_for(imports)
    first = files_source.harvest(HarvestContext(profile, profile.sources["files"]))
    state = {r.query_key: r.watermark for r in first}
    with (imports / "references.ris").open("a", encoding="utf-8") as f:
        f.write("\nTY  - JOUR\nTI  - Vertaistyö mielenterveyspalveluissa\nPY  - 2024\nER  - \n")
    second = {r.query_key: r for r in files_source.harvest(
        HarvestContext(profile, profile.sources["files"], state=state))}
    assert second["scite-otte-2020.csv"].records == []
    assert "unchanged" in second["scite-otte-2020.csv"].query
    assert second["scite-otte-2020.csv"].watermark == state["scite-otte-2020.csv"]
    assert [r.work.title for r in second["references.ris"].records][-1] == \
        "Vertaistyö mielenterveyspalveluissa"


def test_reimporting_the_same_files_never_duplicates(tmp_path):
    records = read("scite-otte-2020.csv").records + read("demo-sample.jsonl").records
    db = tmp_path / "t.ducklake"
    with write_session(db) as con:
        load_batch(con, records_to_batch(records), run_id="r1")
        counts = con.execute("SELECT (SELECT count(*) FROM works), "
                             "(SELECT count(*) FROM excerpts)").fetchone()
        load_batch(con, records_to_batch(records), run_id="r2")
        again = con.execute("SELECT (SELECT count(*) FROM works), "
                            "(SELECT count(*) FROM excerpts)").fetchone()
        origin = con.execute("SELECT origin FROM excerpts WHERE text LIKE 'Tiivistelmä: Hoitotyö%'"
                             ).fetchone()[0]
    assert counts == again == (10, 8)
    assert origin == "NatLibFi/Annif-corpora:subjects/yso-finna-fi/p1092-fi.txt#L45"


def test_missing_folder_is_a_failed_search_with_what_to_do(tmp_path):
    profile = profile_for(tmp_path / "nowhere")
    [result] = run_source("files", HarvestContext(profile, profile.sources["files"]))
    assert result.status == "failed"
    assert "does not exist; create it" in result.error


@pytest.mark.parametrize("name,body,fmt", [
    ("x.txt", b"TY  - JOUR\nTI  - A\nER  - \n", "ris"),
    ("x.txt", b"@article{k, title={A}}", "bibtex"),
    ("x.txt", b'{"title": "A"}\n', "jsonl"),
])
def test_parse_sniffs_the_format_from_content(name, body, fmt):
    from litrev.extract.importers import format_of

    assert format_of(name, body) == fmt
    assert files_source.parse(body, name)[0].work.title == "A"
