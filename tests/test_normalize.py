from __future__ import annotations

import pytest

from litrev.extract.normalize import clean_text, excerpt_id, find_doi, normalize_doi, work_id


@pytest.mark.parametrize("raw", [
    "10.1177/0020764020904764", "https://doi.org/10.1177/0020764020904764",
    "http://dx.doi.org/10.1177/0020764020904764", "doi:10.1177/0020764020904764",
    "DOI: 10.1177/0020764020904764 ", " 10.1177/0020764020904764.",
    "doi:https://doi.org/10.1177/0020764020904764", "10.1177/0020764020904764".upper(),
])
def test_doi_variants_normalise_to_one_form(raw):
    assert normalize_doi(raw) == "10.1177/0020764020904764"


@pytest.mark.parametrize("raw", [None, "", "not a doi", "https://example.org/10.1/x",
                                 "10.1007", "10.1007/",
                                 "10.1007/s11126-"])  # cut at a line break: would merge works
def test_non_dois_are_none(raw):
    assert normalize_doi(raw) is None


def test_a_doi_broken_after_a_hyphen_is_joined():
    # the demo corpus's reference entry, extracted from a PDF (litrev/flows/demo/data)
    entry = ("5. Fortuna KL, DiMilia PR, Lohman MC, Bruce ML, Zubritsky CD, Halaby MR, et al. "
             "Feasibility, acceptability, and preliminary effectiveness of a peer-delivered and "
             "technology supported self-management intervention for older adults with serious "
             "mental illness. Psychiatr Q. (2017) 89(2):293–305. doi: 10.1007/s11126- 017-9534-7")
    assert find_doi(entry) == "10.1007/s11126-017-9534-7"
    assert normalize_doi("10.1007/s11126- 017-9534-7") == "10.1007/s11126-017-9534-7"
    assert find_doi("see Otte et al. (2020), doi:10.1177/0020764020904764.") \
        == "10.1177/0020764020904764"
    assert find_doi("Brudney, J.L.; England, R.E. Towards a definition. 1983") is None


def test_work_id_prefers_doi_then_source_ids_then_title():
    assert work_id(doi="DOI:10.1/ABC", openalex_id="W1") == "doi:10.1/abc"
    assert work_id(openalex_id="https://openalex.org/w2785752813") == "openalex:W2785752813"
    by_title = work_id(title="Vertaistuki  psykiatriassa", year=2019)
    assert by_title == work_id(title="vertaistuki psykiatriassa!", year=2019)
    assert by_title != work_id(title="vertaistuki psykiatriassa", year=2020)
    with pytest.raises(ValueError):
        work_id()


def test_markup_is_removed_but_text_not_rewritten():
    jats = "<jats:sec><jats:title>Aims</jats:title><jats:p>To assess &amp; compare</jats:p>"
    assert clean_text(jats) == "Aims To assess & compare"
    assert clean_text("organi- sational  <i>peer</i>") == "organi- sational peer"


def test_excerpt_id_ignores_case_and_spacing_only():
    a = excerpt_id("doi:10.1/a", "citation_statement", "doi:10.1/b", "Peer  workers.")
    assert a == excerpt_id("doi:10.1/a", "citation_statement", "doi:10.1/b", "peer workers.")
    assert a != excerpt_id("doi:10.1/a", "citation_statement", "doi:10.1/c", "Peer workers.")


def test_title_fingerprint_drops_accents_case_markup_and_punctuation():
    from litrev.extract.normalize import title_fingerprint

    assert title_fingerprint("Vertaistyö <i>mielenterveys</i>-palveluissa: 2. painos") == \
        "vertaistyomielenterveyspalveluissa2painos"
    assert title_fingerprint("“Living on the edge”: Rodríguez & Mougeot") == \
        title_fingerprint("living on the edge rodriguez &amp; mougeot") == \
        "livingontheedgerodriguezmougeot"
    assert title_fingerprint("Straße ＡＢＣ ½") == "strasseabc12"  # casefold and NFKD


def test_title_fingerprint_keeps_exactly_the_letters_and_digits_without_combining_marks():
    """The one-regex fingerprint keeps a character exactly when it is alphanumeric and not a
    combining mark (the rule it replaced, one character at a time), for every code point."""
    import sys
    import unicodedata

    from litrev.extract.normalize import _NOT_LETTER_OR_DIGIT

    differ = [c for c in range(sys.maxunicode + 1)
              if (chr(c).isalnum() and not unicodedata.combining(chr(c)))
              == bool(_NOT_LETTER_OR_DIGIT.match(chr(c)))]
    assert differ == []


def test_clean_text_collapses_every_kind_of_whitespace_in_ascii_and_other_text():
    import sys

    from litrev.extract.normalize import clean_text

    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    for space in spaces:
        assert clean_text(f"peer{space}work") == "peer work", repr(space)
        assert clean_text(f"vertais{space}työ ") == "vertais työ", repr(space)
    assert clean_text(" Peer  <p>support</p>&amp; work\r\n") == "Peer support & work"
    tidy = "Kokemusasiantuntijat ovat mukana hoidossa."
    assert clean_text(tidy) is tidy  # tidy text is returned as it is


def test_angle_brackets_of_prose_are_text_and_markup_is_removed():
    """A statistics sentence keeps its comparisons: only markup-shaped tags are removed."""
    from litrev.extract.records import Excerpt

    prose = {
        "1 < 2 > 0": "1 < 2 > 0",
        "effect (p<0.05 and n>30) in peers": "effect (p<0.05 and n>30) in peers",
        "a <b and c> d": "a <b and c> d",
        "x <= y >= z": "x <= y >= z",
    }
    markup = {
        "<jats:p>Aims</jats:p> To <i>assess</i>": "Aims To assess",
        '<xref ref-type="bibr" rid="B1">12</xref> peers': "12 peers",
        "<mml:math><mml:mi>x</mml:mi></mml:math> z": "x z",
        '<foo bar="1">kept</foo> text': "kept text",
        "<!-- note --> vertaistuki<sup>2</sup>": "vertaistuki2",
    }
    for given, expected in {**prose, **markup}.items():
        assert clean_text(given) == expected, given
    excerpt = Excerpt.create(work_id="w1", kind="abstract", text="Ratio 1 < 2 > 0 held.")
    assert excerpt.text == "Ratio 1 < 2 > 0 held."
