"""`litrev parse`: a real saved response of every source printed as the records it would store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from litrev.flows.cli import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def parse_jsonl(capsys, *args) -> tuple[list[dict], str]:
    assert main(["parse", *args, "--format", "jsonl"]) == 0
    out, err = capsys.readouterr()
    return [json.loads(line) for line in out.splitlines()], err


@pytest.mark.parametrize("source,file,count,doi,title_start,first_text", [
    ("openalex", "openalex/work_single_by_doi.json", 1, "10.1145/3174781.3174785",
     '"I know it when I see it" Perceptions of Code Quality', "Context. Code quality is"),
    ("openalex", "openalex/works_list_cites_cursor_first_page.json", 25, "10.1145/3636515",
     "Automated Grading and Feedback Tools", "We conducted a systematic literature review"),
    ("crossref", "crossref/work_single_jats_structured_abstract.json", 1,
     "10.1136/jclinpath-2020-206745", "Construction of a reference material panel",
     "Background: The absence of high-quality"),
    ("crossref", "crossref/works_list_publisher_query_pt_en_abstracts.json", 20,
     "10.5902/2175497775344", "Relações Públicas e Design Thinking",
     "O presente texto, descreve uma pesquisa aplicada"),
    ("europepmc", "europepmc/search_core_cancer.json", 25, "10.1016/s0140-6736(24)02600-x",
     "Abscopal response in a patient with fibrolamellar", None),
    ("europepmc", "europepmc/search_core_cancer_dc.xml", 25, "10.1016/s0140-6736(24)02600-x",
     "Abscopal response in a patient with fibrolamellar", None),
    ("semanticscholar", "semanticscholar/paper_references_with_contexts_offset0.json", 100,
     "10.48550/arxiv.2208.04425", "Controlled Sparsity via Constrained Optimization",
     "The performance of trained neural networks is"),
    ("finna", "finna/search_museovirasto_images_fi.json", 13, None, "linnunpönttö koivussa",
     "linnunpönttö koivussa"),
    ("oaipmh", "oaipmh/helda_listrecords_oai_dc_fi_single_record.xml", 1, None,
     "Perunan typpilannoitus luonnonmukaisessa viljelyssä",
     "Perunan typpilannoitus luonnonmukaisessa viljelyssä"),
    ("oaipmh", "oaipmh/zenodo_listrecords_oai_dc_first_page.xml", 50, "10.5281/zenodo.20510666",
     "Meika4/mabs_mds7_gaussians", "Meika4/mabs_mds7_gaussians"),
    ("oaipmh", "oaipmh/dspace_erasmus_listrecords_oai_dc.xml", 16, None,
     "Kijken in het brein", "Met moderne beeldvormende technieken"),
    ("files", "files/demo-sample.jsonl", 4, None,
     "Hoitotyöntekijöiden kokemuksia vertaisohjaajien", "Tiivistelmä: Hoitotyöntekijöiden"),
    ("files", "files/references.ris", 2, "10.1177/0020764020904764",
     "Challenges faced by peer support workers", "Background: Being aware of the challenges"),
    ("files", "files/references.bib", 2, "10.1177/0020764020904764",
     "Challenges faced by peer support workers", "Challenges faced by peer support workers"),
])
def test_parse_real_fixture_of_every_source(capsys, source, file, count, doi, title_start,
                                            first_text):
    records, err = parse_jsonl(capsys, source, str(FIXTURES / file))
    assert len(records) == count
    first = records[0]
    assert first["source"] == source
    assert first["work"]["doi"] == doi
    assert first["work"]["title"].startswith(title_start)
    if first_text:
        assert first["excerpts"][0]["text"].startswith(first_text)
    assert f"{source}: {count} records from" in err


def test_semanticscholar_edge_with_paper_gives_its_four_contexts(capsys):
    records, _ = parse_jsonl(capsys, "semanticscholar",
                             str(FIXTURES / "semanticscholar/paper_citations_single_edge.json"),
                             "--paper", "10.1109/TRO.2021.3056999")
    statements = [e for e in records[0]["excerpts"] if e["kind"] == "citation_statement"]
    assert len(statements) == 4
    assert {e["cited_work_id"] for e in statements} == {"doi:10.1109/tro.2021.3056999"}
    assert records[0]["citations"] == [["doi:10.1109/lra.2022.3229266",
                                        "doi:10.1109/tro.2021.3056999"]]


def test_table_format_shows_works_excerpts_and_citations(capsys):
    assert main(["parse", "files", str(FIXTURES / "files/scite-otte-2020.csv")]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("works (5)\n")
    assert "excerpts (4)" in out and "citations (4)" in out
    assert "doi:10.5555/litrev.scite.1  doi:10.1177/0020764020904764  files" in out
    assert "supporting" in out
    assert ("litrev: scite-otte-2020.csv:4: no citation statement text (columns "
            "Snippet / Citation Statement); row skipped") in err
    assert "files: 4 records from" in err and "1 entries skipped" in err


def test_empty_and_deleted_answers(capsys, tmp_path):
    records, err = parse_jsonl(capsys, "europepmc",
                               str(FIXTURES / "europepmc/search_no_results.json"))
    assert records == [] and "europepmc: 0 records" in err
    deleted = tmp_path / "deleted.xml"
    deleted.write_text(
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-11-26'
        '</responseDate><request>https://x.example.org/oai</request><ListRecords><record>'
        '<header status="deleted"><identifier>oai:x.example.org:1/2</identifier></header>'
        '</record></ListRecords></OAI-PMH>', encoding="utf-8")
    records, err = parse_jsonl(capsys, "oaipmh", str(deleted))
    assert records[0]["deleted"] is True and "1 deleted" in err


def test_errors_are_one_line_with_what_to_do(capsys, tmp_path):
    assert main(["parse", "oaipmh", str(tmp_path / "missing.xml")]) == 1
    assert capsys.readouterr().err.strip() == \
        f"litrev: error: no such file: {tmp_path / 'missing.xml'}"
    broken = tmp_path / "broken.json"
    broken.write_text('{"resultCount": 3, "records": [', encoding="utf-8")
    assert main(["parse", "finna", str(broken)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("litrev: error: not a Finna JSON response") and err.count("\n") == 1
    assert main(["parse", "finna", str(broken), "--paper", "10.1/x"]) == 1
    assert "--paper applies to semanticscholar" in capsys.readouterr().err
