"""Citation statements from real JATS full texts (tests/fixtures/jats, see PROVENANCE.md).

One test per file: a reference chosen in it, the statements found for it (count, sentence text,
section path) as read by hand in the XML (the xrefs that carry the reference's id, and the
paragraph around each).
"""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element

import pytest

from litrev.extract.errors import ParseError
from litrev.extract.jats import CitedWork, Marker, citation_statements, sentence_spans
from litrev.vocabulary import ReferenceMatch, SectionKind

JATS = Path(__file__).resolve().parent / "fixtures" / "jats"


def body(prefix: str) -> bytes:
    (path,) = JATS.glob(f"{prefix}_*.xml")
    return path.read_bytes()


def test_j03_author_year_statements_by_doi_with_clean_copy():
    # Luyten et al. 2020 (pmh70084-bib-0021): <pub-id pub-id-type="doi">; four xrefs, all in
    # the Introduction, the last in its subsection "The Present Study".
    found = citation_statements(body("J03"), CitedWork(doi="10.1146/annurev-clinpsy-071919"))
    assert found.match is ReferenceMatch.DOI
    assert found.ref_ids == ("pmh70084-bib-0021",)
    assert found.article.pmcid == "PMC13248948"
    assert len(found.statements) == 4
    first = found.statements[0]
    assert first.marked_text == (
        "As a multidimensional construct, mentalizing is closely related to other "
        "socio\u2010cognitive abilities (e.g., theory of mind) (Luyten et al. 2020).")
    assert first.text == ("As a multidimensional construct, mentalizing is closely related to "
                          "other socio\u2010cognitive abilities (e.g., theory of mind).")
    assert first.context_before.startswith("Mentalizing or reflective functioning (RF)")
    assert first.context_after == ("From a theoretical perspective, mentalizing is rooted "
                                   "early in life in the context of attachment relationships.")
    assert [s.section_path for s in found.statements] == [
        "Introduction", "Introduction", "Introduction", "Introduction > The Present Study"]
    assert {s.section_kind for s in found.statements} == {SectionKind.INTRODUCTION}
    assert {s.language for s in found.statements} == {"en"}
    assert found.statements[3].text.startswith(
        "Considering the potential role of early sensitive periods in the development of "
        "mentalizing, together with the ongoing importance of social learning processes, the "
        "present study examines")


def test_j03_book_without_doi_found_by_title_year_and_author():
    # Fonagy et al. 2002, a book (no DOI): two xrefs, one of them beside Gergely and Watson.
    cited = CitedWork(title="Affect regulation, mentalization, and the development of the self",
                      year=2002, first_author="Fonagy, Peter")
    found = citation_statements(body("J03"), cited)
    assert found.match is ReferenceMatch.TITLE_YEAR_AUTHOR
    assert found.ref_ids == ("pmh70084-bib-0008",)
    assert len(found.statements) == 2
    assert found.statements[0].text.endswith("others' behavior in terms of mental states.")
    assert found.statements[1].marked_text.endswith(
        "(Fonagy et al. 2002; Gergely and Watson 1996).")
    assert found.statements[1].text.endswith("representations of mental states.")
    wrong_year = citation_statements(body("J03"), CitedWork(
        title=cited.title, year=2012, first_author="Fonagy"))
    assert wrong_year.match is None and wrong_year.statements == ()


def test_j04_one_xref_with_four_rids_and_no_dois():
    # rid="gkr715-B3 gkr715-B4 gkr715-B5 gkr715-B6" printed "(3–6)"; the refs carry no DOI.
    cited = CitedWork(doi="10.1093/nar/gki291",
                      title="Antisense inhibition of human miRNAs and indications for an "
                            "involvement of miRNA in cell growth and apoptosis",
                      year=2005, first_author="Cheng AM")
    found = citation_statements(body("J04"), cited)
    assert found.match is ReferenceMatch.TITLE_YEAR_AUTHOR
    assert found.ref_ids == ("gkr715-B4",)
    (statement,) = found.statements
    assert statement.marked_text == (
        "Indeed, miRNAs have been implicated in the regulation of various cellular processes, "
        "including cell proliferation, apoptosis and stress responses (3\u20136).")
    assert statement.text.endswith("apoptosis and stress responses.")
    assert statement.section_path == "INTRODUCTION"
    assert statement.section_kind is SectionKind.INTRODUCTION
    assert statement.xref_id == "bibr-3"


def test_j05_range_of_two_xrefs_and_citations_in_captions_and_tables():
    # B5 is never cited by its own xref: only inside "[<xref>1</xref>-<xref>9</xref>]".
    found = citation_statements(body("J05"), CitedWork(doi="10.1126/science.1105891"))
    (statement,) = found.statements
    assert statement.marked_text == ("Some phenotypic variation arises from randomness in "
                                     "cellular processes despite identical environments and "
                                     "genotypes [1-9].")
    assert statement.text.endswith("identical environments and genotypes.")
    assert statement.section_path == "Background"
    assert statement.section_kind is SectionKind.INTRODUCTION
    # B50: eight xrefs: a figure caption, two sentences of Results, a table footnote and four
    # rows of Table 3 (strains).
    found = citation_statements(body("J05"), CitedWork(doi="10.1534/GENETICS.108.098624"))
    assert len(found.statements) == 8
    assert [s.location for s in found.statements] == ["caption", "text", "text", "table",
                                                      "table", "table", "table", "table"]
    caption = found.statements[0]
    assert caption.section_path == ("Results > Effect of allelic variation in holin sequence "
                                    "> Figure 3")
    assert caption.marked_text == ("(B) Effect of \u03bb's late promoter pR' activity [50] on "
                                   "MLTs, SDs and CVs (coefficients of variation).")
    assert found.statements[4].section_path == "Methods > Bacterial strains > Table 3"
    assert found.statements[4].text == "SYP026 | MC4100 (\u03bb cI857 pR'-M2), with pR' mutations"
    assert found.statements[1].section_kind is SectionKind.RESULTS


def test_j06_plos_brackets_inside_xrefs_and_doi_only_in_a_comment_link():
    # Kirsch 2008: the DOI appears only as <comment>doi:<ext-link>; one xref "[5]".
    found = citation_statements(body("J06"), CitedWork(doi="10.1371/journal.pmed.0050045"))
    assert found.match is ReferenceMatch.DOI
    (statement,) = found.statements
    assert statement.marked_text == ("The effectiveness of newer anti-depressants for mild to "
                                     "moderate depression has recently come under question "
                                     "[5].")
    assert statement.text.endswith("has recently come under question.")
    assert statement.section_path == "Introduction"
    # Allen 2006 [23]: the second xref of "[22]–[23]", under Discussion.
    found = citation_statements(body("J06"), CitedWork(
        title="Acupuncture for depression: a randomized controlled trial", year=2006,
        first_author="Allen"))
    (statement,) = found.statements
    assert statement.section_path == "Discussion > Relationship to the Literature"
    assert statement.section_kind is SectionKind.DISCUSSION
    assert statement.marked_text.endswith("two trials by the same research team [22]\u2013[23].")
    assert statement.text.endswith("two trials by the same research team.")


def test_j08_portuguese_article_and_its_english_translation():
    # B2 (Alves 2006, DOI in pub-id): six xrefs in the Portuguese text and six in the English
    # sub-article; superscript markers stand after the full stop.
    found = citation_statements(body("J08"), CitedWork(doi="10.1590/S0104-12902006000300008"))
    assert len(found.statements) == 12
    assert [s.language for s in found.statements] == ["pt"] * 6 + ["en"] * 6
    assert [s.section_path for s in found.statements] == (
        ["INTRODUÇÃO"] * 3 + ["DISCUSSÃO"] * 3 + ["INTRODUCTION"] * 3 + ["DISCUSSION"] * 3)
    assert found.statements[1].text == ("A ocorrência de uma série de mortes súbitas em "
                                        "trabalhadores do corte de cana foi atribuída ao "
                                        "excesso de trabalho.")
    assert found.statements[7].text == ("A series of sudden deaths among sugar cane cutters "
                                        "was attributed to overwork.")
    assert found.statements[7].marked_text.endswith("overwork. 2 , 17 , 22")
    assert found.statements[3].section_kind is SectionKind.DISCUSSION
    # B3 only inside the range "2-4": one statement per language.
    found = citation_statements(body("J08"), CitedWork(doi="10.1590/S1806-37132004000200015"))
    assert found.ref_ids == ("B3",)
    assert [s.language for s in found.statements] == ["pt", "en"]
    assert found.statements[1].text == ("Sugar cane cutters live with modern work methods but "
                                        "in slavery-like conditions, which can affect their "
                                        "health.")


def test_a_work_not_in_the_reference_list_gives_no_statement():
    found = citation_statements(body("J06"), CitedWork(doi="10.1177/0020764020904764",
                                                       title="Peer support work", year=2020))
    assert found.match is None
    assert found.statements == ()
    assert found.xrefs_total == 31


@pytest.mark.parametrize("text, sentences", [
    ("Vertaistuki auttaa, esim. Otte ym. totesivat näin. Toinen lause.",
     ["Vertaistuki auttaa, esim. Otte ym. totesivat näin.", "Toinen lause."]),
    ("Das hilft, bzw. z.B. bei Peers. Zweiter Satz.",
     ["Das hilft, bzw. z.B. bei Peers.", "Zweiter Satz."]),
    ("Det hjälper t.ex. kamrater. Nästa mening.", ["Det hjälper t.ex. kamrater.",
                                                    "Nästa mening."]),
    ("Peers help (Smith et al. 2002). E.g. in wards. Done.",
     ["Peers help (Smith et al. 2002).", "E.g. in wards.", "Done."]),
    ("Funded by the U.S. National Institutes. Dr. Otte agreed.",
     ["Funded by the U.S. National Institutes.", "Dr. Otte agreed."]),
])
def test_sentences_survive_abbreviations(text, sentences):
    assert [text[a:b] for a, b in sentence_spans(text)] == sentences


@pytest.mark.parametrize("text, marker, sentences", [
    ("It helps health. [3] Next one.", "[3]", ["It helps health. [3]", "Next one."]),
    ("It helps health.9 Next one.", "9", ["It helps health.9", "Next one."]),
    ("It helps health. Smith et al. 2002 showed it. Next.", "Smith et al. 2002",
     ["It helps health.", "Smith et al. 2002 showed it.", "Next."]),
])
def test_a_marker_after_the_full_stop_belongs_to_the_sentence_it_ends(text, marker,
                                                                      sentences):
    start = text.index(marker)
    markers = [Marker(start, start + len(marker), Element("xref"), ["r1"])]
    assert [text[a:b] for a, b in sentence_spans(text, markers)] == sentences


def test_not_jats_is_one_clear_error():
    with pytest.raises(ParseError, match="not a well-formed JATS full text"):
        citation_statements(b"<html><body>", CitedWork(doi="10.1/x"))
    with pytest.raises(ParseError, match="no <article> element"):
        citation_statements(b"<html/>", CitedWork(doi="10.1/x"))


def test_citations_in_footnotes_are_found_with_their_place():
    # None of the five real files cites in a footnote, so this one is written for the test.
    body = b"""<article xml:lang="en"><body>
      <sec><title>Methods</title><p>We used the scale.</p>
        <table-wrap id="t1"><label>Table 1</label><table><tr><td>Scale</td></tr></table>
          <table-wrap-foot><fn id="tf1"><p>Translated as in
          <xref ref-type="bibr" rid="r1">[1]</xref>. Scores were summed.</p></fn>
          </table-wrap-foot></table-wrap></sec></body>
      <back><fn-group><fn id="n1"><p>See also <xref ref-type="bibr" rid="r1">[1]</xref> on
      peer work.</p></fn></fn-group>
      <ref-list><ref id="r1"><mixed-citation>Otte I. Challenges faced by peer support workers.
      2020. <pub-id pub-id-type="doi">10.1177/0020764020904764</pub-id></mixed-citation></ref>
      </ref-list></back></article>"""
    found = citation_statements(body, CitedWork(doi="10.1177/0020764020904764"))
    assert [(s.location, s.section_path, s.section_kind, s.text) for s in found.statements] == [
        ("footnote", "Methods > Table 1", SectionKind.METHODS, "Translated as in."),
        ("footnote", "Footnotes", SectionKind.OTHER, "See also on peer work.")]
    assert found.statements[0].context_after == "Scores were summed."
