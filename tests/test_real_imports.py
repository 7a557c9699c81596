"""Real exports (tests/fixtures/imports, see PROVENANCE.md there): every file read with the number
of records a careful human counts in it, and named records with their title, people and DOI/year.

How the counts were made (PROVENANCE.md lists them per file): BibTeX, ``@`` entries less
``@string``/``@comment``; RIS, ``TY`` lines (one hidden behind a byte-order mark); CSV, rows
under the header as Python's csv module splits them with the file's delimiter; MEDLINE,
``PMID-`` lines; Web of Science, ``ER`` lines (plain text) or rows (tab-delimited).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from litrev.extract.importers import ProblemKind, read_file

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "imports"


def read(name: str):
    return read_file((FIXTURES / name).read_bytes(), name)


# file, format, records in the file, records read
COUNTS = [
    ("B01_bibtexparser_traps.bib", "bibtex", 1, 1),
    # 118 entries: 3 are @set (groups of other entries, no work), 18 have no title or DOI
    ("B02_bibtexparser_biber_examples.bib", "bibtex", 115, 97),
    ("B04_pybibx_wos.bib", "bibtex", 37, 37),
    ("B06_synthesisr_scopus.bib", "bibtex", 3, 3),
    ("B07_jabref_german_examples.bib", "bibtex", 2, 2),  # and two @set entries
    ("B08_jabref_utf16be.bib", "bibtex", 1, 1),
    ("C01_asreview_embase.csv", "csv", 6, 6),
    ("C03_asreview_duplicates.csv", "csv", 14, 10),  # 4 rows have no title and no whole DOI
    ("C05_pybibx_scopus_bom.csv", "csv", 13, 13),
    ("R05_rispy_extraneous_data.ris", "ris", 2, 2),
    ("R06_rispy_endnote.ris", "ris", 1, 1),
    ("R08_asreview_scopus.ris", "ris", 6, 6),
    ("R09_asreview_embase.ris", "ris", 6, 6),
    ("R10_asreview_ovid_psycinfo.ris", "ris", 6, 6),
    ("R12_asreview_pubmed_endnote.txt", "ris", 6, 6),
    ("R16_asreview_zotero_crlf.ris", "ris", 4, 4),
    ("R17_synthesisr_asp_crlf.ris", "ris", 4, 4),
    ("T02_synthesisr_pubmed_medline.txt", "medline", 3, 3),
    ("W01_wos_plaintext_savedrecs.txt", "wos", 3, 3),
    ("W02_wos_tabdelimited_savedrecs.txt", "wos-tab", 3, 3),
]


@pytest.mark.parametrize("name,fmt,in_file,read_count", COUNTS)
def test_every_record_of_every_real_export_is_counted(name, fmt, in_file, read_count):
    result = read(name)
    assert result.format == fmt
    assert result.entries == in_file
    assert len(result.records) == read_count
    skipped = [p for p in result.problems if p.kind == ProblemKind.ENTRY_SKIPPED]
    assert len(skipped) == in_file - read_count
    assert all(p.line for p in skipped)  # each skipped record is named by its line


def test_every_real_export_is_in_the_table():
    assert sorted(p.name for p in FIXTURES.iterdir()
                  if p.suffix != ".md" and not p.name.startswith(".")) == \
        sorted(name for name, *_ in COUNTS)


# file, record id, title start, people (first ones), DOI, year
RECORDS = [
    # BibTeX reads a comma list without "and" as one name (last "Jean Laidé", first "Ben Loaeb")
    ("B01_bibtexparser_traps.bib", "Laide2013", "An amazing title", ["Jean Laidé, Ben Loaeb"],
     None, 2013),
    ("B04_pybibx_wos.bib", "WOS:000731787800009", "Effect of the gap width in AZ31 magnesium",
     ["Chiuzuli, Fernanda Rocha", "Batistao, Bruna Fernanda", "Bergmann, Luciano Andrei",
      "de Alcantara, Nelson Guedes", "dos Santos, Jorge Fernandez", "Klusemann, Benjamin",
      "Gargarella, Piter"], "10.1016/j.jmrt.2021.10.115", 2021),
    # the entry with funding_details twice
    ("B06_synthesisr_scopus.bib", "Li2020", "Soil fauna diversity at different stages",
     ["Li, W.", "Dou, Z.", "Cui, L."], "10.1080/20964129.2020.1722034", 2020),
    ("B07_jabref_german_examples.bib", "Preissel2016", "Git: dezentrale Versionsverwaltung",
     ["Preißel, René"], None, 2016),
    ("B08_jabref_utf16be.bib", "B08_jabref_utf16be.bib#L3", "Ü ist ein Umlaut", [], None, None),
    ("C01_asreview_embase.csv", "C01_asreview_embase.csv#L2", "Duplication cysts: Diagnosis",
     ["Liu R.", "Adler D.G."], "10.4103/2303-9027.138783", 2014),
    ("C03_asreview_duplicates.csv", "C03_asreview_duplicates.csv#L4", "b", [], None, None),
    ("C05_pybibx_scopus_bom.csv", "C05_pybibx_scopus_bom.csv#L14",
     "Microstructure and tensile behavior of a Bobbin friction stir welded",
     ["Khalid E.", "Shunmugasamy V.C.", "Mansoor B."], "10.1016/j.msea.2022.142861", 2022),
    ("R05_rispy_extraneous_data.ris", "12345#L33", "The title of the reference",
     ["Marxus, Karlus", "Lindgren, Astrid"], None, 2006),
    ("R06_rispy_endnote.ris", "123", "EndNote: The Only Reference I Can Remember",
     ["Smith, A. Nonymous", "Doe, J.", "End, N. Ote", "Ref, E. Rence"],
     "10.1234/endnote.joke.2024", 2024),
    ("R08_asreview_scopus.ris", "R08_asreview_scopus.ris#L1", "Stress and the brain-gut axis",
     ["Labanski, A.", "Langhorst, J.", "Engler, H."], "10.1016/j.psyneuen.2019.104501", 2020),
    ("R09_asreview_embase.ris", "R09_asreview_embase.ris#L317",
     "Completely Isolated Retroperitoneal Enteric Duplication Cyst",
     ["Faraj K.", "Edwards L.", "Gupta A."], "10.1089/cren.2017.0016", 2017),
    ("R10_asreview_ovid_psycinfo.ris", "2019-65183-001", "The influence of self-criticism",
     ["Trindade, Ines A", "Irons, Chris", "Ferreira, Claudia"], "10.1002/cpp.2398", 2019),
    ("R12_asreview_pubmed_endnote.txt", "369", "Boswellia serrata: an overall assessment",
     ["Abdel-Tawab, M.", "Werz, O.", "Schubert-Zsilavecz, M."],
     "10.2165/11586800-000000000-00000", 2011),
    ("R16_asreview_zotero_crlf.ris", "R16_asreview_zotero_crlf.ris#L1",
     "Zotero: notes in records come with XHTML tags around them.", [], None, None),
    # EBSCO: the DOI is in L3
    ("R17_synthesisr_asp_crlf.ris", "R17_synthesisr_asp_crlf.ris#L1",
     "“Living on the edge”: The role of field margins",
     ["Rodríguez-Pastor, Ruth", "Luque-Larena, Juan José", "Lambin, Xavier", "Mougeot, François"],
     "10.1016/j.agee.2016.06.041", 2016),
    ("T02_synthesisr_pubmed_medline.txt", "28441597",
     "Differences in nitrate and phosphorus export between wooded and grassed riparian zones",
     ["Neilen, Amanda D", "Chen, Chengrong R", "Parker, Brett M"],
     "10.1016/j.scitotenv.2017.04.075", 2017),
    ("W01_wos_plaintext_savedrecs.txt", "WOS:001331888800001",
     "Effects of water cooling of friction stir welding of magnesium alloy stiffness joint",
     ["Derazkola, Hamed Aghajani", "Kubit, Andrzej"], "10.1016/j.jajp.2024.100257", 2024),
    ("W02_wos_tabdelimited_savedrecs.txt", "WOS:001145022900001",
     "Microstructure evolution and strengthening mechanism of friction stir welded joint of "
     "20 mm-thick AZ31", ["Liu, Qiang", "Wang, Wen", "Peng, Pai"],
     "10.1016/s1003-6326(23)66334-4", 2023),
]


@pytest.mark.parametrize("name,record_id,title,people,doi,year", RECORDS)
def test_named_records_keep_title_people_doi_and_year(name, record_id, title, people, doi,
                                                      year):
    records = {r.source_record_id: r for r in read(name).records}
    work = records[record_id].work
    assert work.title.startswith(title)
    assert list(work.authors[:len(people)]) == people
    if not people:
        assert work.authors == ()
    assert (work.doi, work.year) == (doi, year)


def test_wos_bibtex_author_lists_wrapped_across_lines_stay_one_person_per_name():
    records = read("B04_pybibx_wos.bib").records
    assert not [a for r in records for a in r.work.authors if " and " in a or "\n" in a]
    # "Weng, Fei and ... Lee, Bing Yang and\n   Ng, Fern Lan and Bi, Guijun" in the file
    weng = next(r.work for r in records if r.work.authors[0] == "Weng, Fei")
    assert weng.authors == ("Weng, Fei", "Liu, Yongfeng", "Chew, Youxiang", "Lee, Bing Yang",
                            "Ng, Fern Lan", "Bi, Guijun")


def test_repeated_keys_empty_keys_and_repeated_fields_keep_every_entry():
    li = {r.source_record_id: r for r in read("B06_synthesisr_scopus.bib").records}["Li2020"]
    assert li.excerpts[0].text.startswith("Introduction: Wetland soil fauna support")
    ids = [r.source_record_id for r in read("R05_rispy_extraneous_data.ris").records]
    assert ids == ["12345", "12345#L33"]  # two entries with ID 12345 stay two records


def test_medline_record_fields():
    first = read("T02_synthesisr_pubmed_medline.txt").records[0]
    assert first.work.pmid == "28441597"
    assert first.work.venue == "The Science of the total environment"
    assert first.work.language == "en"
    # the wrapped title and abstract lines are one text each
    assert "riparian zones from farmland" in first.work.title
    assert first.excerpts[0].text.startswith("Agricultural activities in catchments can cause "
                                             "excessive nutrient loads in waterways.")


def test_scopus_csv_language_of_original_document_and_embase_csv_authors():
    scopus = read("C05_pybibx_scopus_bom.csv").records
    # row 7 is the one written in Italian
    assert [r.source_record_id for r in scopus if r.work.language == "it"] == [
        "C05_pybibx_scopus_bom.csv#L7"]
    assert {r.work.language for r in scopus} == {"en", "it"}
    embase = read("C01_asreview_embase.csv").records
    assert all(r.work.authors for r in embase)


def test_embase_csv_original_abstract_and_title_are_kept_as_excerpts():
    """Embase gives a non-English article's own abstract and title in "Original Abstract" and
    "Original Title": for a multilingual review they are the texts that matter, so they are
    kept beside the English ones (a work has one title: the original is a title excerpt).
    The real export's header and first row, with the two "Original" cells filled in (the real
    file's rows are all English)."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(
        (FIXTURES / "C01_asreview_embase.csv").read_text(encoding="utf-8-sig"))))
    header, row = rows[0], list(rows[1])
    german = ("Peer-Begleiter arbeiten in psychiatrischen Teams mit Betroffenen und "
              "Mitarbeitenden zusammen.")
    row[header.index("Original Title")] = "Peer-Begleitung in der Psychiatrie"
    row[header.index("Original Abstract")] = german
    out = io.StringIO()
    csv.writer(out).writerows([header, row])
    [record] = read_file(out.getvalue().encode("utf-8"), "embase-original.csv").records
    texts = [e.text for e in record.excerpts]
    assert [str(e.kind) for e in record.excerpts] == ["abstract", "abstract", "title"]
    assert texts[1] == german and texts[0] == row[header.index("Abstract")].strip()
    assert texts[2] == "Peer-Begleitung in der Psychiatrie"
    assert record.work.title == row[header.index("Title")].strip()


def test_embase_original_title_equal_to_the_title_adds_nothing():
    import csv
    import io

    rows = list(csv.reader(io.StringIO(
        (FIXTURES / "C01_asreview_embase.csv").read_text(encoding="utf-8-sig"))))
    header, row = rows[0], list(rows[1])
    row[header.index("Original Title")] = row[header.index("Title")].upper() + "."
    out = io.StringIO()
    csv.writer(out).writerows([header, row])
    [record] = read_file(out.getvalue().encode("utf-8"), "embase-same.csv").records
    assert [str(e.kind) for e in record.excerpts] == ["abstract"]


def test_medline_vernacular_title_and_other_abstract_are_excerpts():
    """MEDLINE gives a non-English article's own title in TT and often its own abstract in OAB
    (language in OABL): both are kept. The real file's first record with those lines added
    (its records are all English)."""
    text = (FIXTURES / "T02_synthesisr_pubmed_medline.txt").read_text(encoding="utf-8")
    first = text.split("\n\n")[0].rstrip("\n")
    finnish = ("Vertaistukityöntekijät toimivat psykiatrisissa tiimeissä osana "
               "hoitohenkilökuntaa.")
    first = first.replace("\nLA  - eng", "\nLA  - fin\nTT  - Vertaistyöntekijät "
                          "psykiatrisessa\n      sairaalahoidossa\nOAB - " + finnish
                          + "\nOABL- fin")
    [record] = read_file(first.encode("utf-8"), "medline-vernacular.nbib").records
    kinds = [(str(e.kind), e.text) for e in record.excerpts]
    assert kinds[1] == ("abstract", finnish)
    assert kinds[2] == ("title", "Vertaistyöntekijät psykiatrisessa sairaalahoidossa")
    assert record.excerpts[1].language_hint == "fi"
    assert record.excerpts[0].text.startswith("Agricultural activities")


def test_biblatex_crossref_gives_a_chapter_its_collection_year_and_title():
    """@InCollection{westfahl:space, crossref = {westfahl:frontier}} names no year or book of its
    own: both come from the @Collection defined 960 lines later, as biber reads them."""
    records = {r.source_record_id: r for r in read(
        "B02_bibtexparser_biber_examples.bib").records}
    chapter = records["westfahl:space"].work
    assert (chapter.title, chapter.year, chapter.venue) == (
        "The True Frontier", 2000, "Space and Beyond")
    assert chapter.doi is None


def test_ebsco_copyright_notice_is_not_an_abstract():
    first = read("R17_synthesisr_asp_crlf.ris").records[0]
    assert [e.kind for e in first.excerpts] == ["abstract"]
    assert not any(e.text.startswith("Copyright of") for r in read(
        "R17_synthesisr_asp_crlf.ris").records for e in r.excerpts)


def test_export_banners_are_ignored_lines_not_records():
    result = read("R10_asreview_ovid_psycinfo.ris")
    assert {p.kind for p in result.problems} == {ProblemKind.IGNORED}
    assert str(result.problems[1]) == (
        "R10_asreview_ovid_psycinfo.ris:26: lines 26-30 outside any TY ... ER entry "
        "('NL  - Clin Psychol Psychother'); ignored")
