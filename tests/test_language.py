"""Language detection on real texts: the seed page, the labelled sets, the demo review.

Texts come from ``tests/corpus.py`` (the seed page's citation statements),
``tests/fixtures/lang/labeled_dev.jsonl`` (the dev set, see its README), the three validation
sets ``tests/fixtures/lang/validation_*.jsonl`` (labelled real texts read while tuning, see
PROVENANCE.md: their figures are validation figures, not test results) and the demo review's
works (``litrev/flows/demo/data/works.jsonl``: real abstracts, see its README). The mixed texts
are built by joining two of those real abstracts, as Finnish repositories do.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from litrev.extract import language as L
from litrev.extract.language import detectors, voting
from litrev.extract.language.scandinavian import cues
from litrev.extract.normalize import excerpt_id
from litrev.extract.records import Excerpt, SourceRecord, Work
from litrev.flows.cli import main as litrev
from tests import corpus

REPO = Path(__file__).resolve().parent.parent
DEV = REPO / "tests" / "fixtures" / "lang" / "labeled_dev.jsonl"
DEMO_WORKS = REPO / "litrev" / "flows" / "demo" / "data" / "works.jsonl"
REVIEW = ("en", "fi", "sv", "de")


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="module")
def dev() -> list[dict]:
    return _jsonl(DEV)


@pytest.fixture(scope="module")
def demo() -> dict[str, dict]:
    return {w["id"]: w for w in _jsonl(DEMO_WORKS)}


# A Finnish thesis abstract (Finna) and an English journal abstract (PSYNDEX), both demo works.
FI_ID, EN_ID, SV_ID = "fi-280bcb274d", "en-3fa156cdf9", "sv-5b1d1880cc"


# --- the seed page ---------------------------------------------------------------------------

def test_seed_page_finnish_statement_is_finnish():
    found = L.detect(corpus.FINNISH_STATEMENT)
    assert (found.lang, found.method) == ("fi", "ensemble")
    assert found.confidence > 0.9
    assert L.detect(corpus.FINNISH_STATEMENT, candidates=REVIEW).lang == "fi"


@pytest.mark.parametrize("text", [corpus.SUPPORTING, corpus.MENTIONING_1, corpus.MENTIONING_2,
                                  corpus.SEED_ABSTRACT])
def test_seed_page_english_statements_are_english(text):
    assert L.detect(text).lang == "en"


def test_citation_brackets_and_numbers_are_not_read():
    assert L.prepare(corpus.MENTIONING_2).startswith(
        "Furthermore, individuals considering PSW training may struggle with motivation and")
    assert "(24)" not in L.prepare(corpus.FINNISH_STATEMENT)


def test_a_bracketed_title_is_read_not_dropped_as_a_citation(labels):
    title = "[3 lettres et 1 carte de visite d'Adolphe Aderer à Adolphe Jullien]"  # BnF record
    assert labels[title] == "fr"
    assert "carte de visite" in L.prepare(title)
    assert L.detect(title).lang == "fr"
    assert L.prepare("Vertaistuki auttaa (Virtanen et al., 2019; Korhonen 2020) potilaita") \
        == "Vertaistuki auttaa potilaita"
    assert "is recommended" in L.prepare("512K RAM (640K RAM is recommended)")  # prose
    assert L.detect("512K RAM (640K RAM is recommended)").lang == "en"


def test_abstracts_the_fast_detectors_agree_on_never_reach_lingua_or_langdetect(demo,
                                                                              monkeypatch):
    """The cascade that keeps abstracts above 2,000 texts/s: fastText and heliport settle them."""
    asked = []
    monkeypatch.setattr(detectors, "lingua", lambda *a: asked.append("lingua") or {})
    monkeypatch.setattr(detectors, "langdetect", lambda *a: asked.append("langdetect") or {})
    L.clear_caches()
    for work_id in (FI_ID, EN_ID, SV_ID):
        found = L.detect(demo[work_id]["abstract"])
        assert (found.lang, found.method) == (work_id[:2], "ensemble")
    assert asked == []
    L.detect(demo[EN_ID]["abstract"], method=L.Method(cascade=False))
    assert asked == ["lingua", "langdetect"]  # without the cascade both are asked
    L.clear_caches()


# --- short texts and capitals -----------------------------------------------------------------

@pytest.mark.parametrize("text, lang", [
    ('"Genau wie im Märchen"', "de"),            # dev set, 22 characters
    ("Meänkielen päivää juhlitaan", "fi"),        # dev set title cut to 27 characters
    ("Skolgården är i dag skolans", "sv"),        # dev set sentence cut to 27 characters
    ("Der Weg ans Gymnasium wird", "de"),         # dev set title cut to 26 characters
    ("Migrations: une odyssée", "fr"),            # dev set title cut to 23 characters
    ("Vertaistuki mielenterveystyössä", "fi"),    # 31 characters, profile search terms
])
def test_short_texts_are_called_where_clear(text, lang):
    assert L.detect(text).lang == lang


@pytest.mark.parametrize("text", ["OK", "n/a", "Vol. 12", "(2020)", "", "   "])
def test_too_short_is_und(text):
    found = L.detect(text)
    assert (found.lang, found.method, found.confidence) == ("und", "too-short", 0.0)


@pytest.mark.parametrize("text", ["Kriminolog", "Demokrati", "Student"])
def test_ambiguous_scandinavian_words_are_und_not_a_guess(text):
    found = L.detect(text)
    assert (found.lang, found.method) == ("und", "ambiguous")


def test_title_in_capitals_is_lowercased_for_detection(dev):
    caps = next(r["text"] for r in dev if r["text"].startswith("LES CHERCHEURS ALGERIENS"))
    assert L.prepare(caps).startswith("les chercheurs algeriens")
    assert L.detect(caps).lang == "fr"
    assert L.detect("SOSIALISTINEN SUOMI, DEMOKRAATTINEN YLIOPISTO JA MAAILMANRAUHA").lang == "fi"


# --- Swedish, Norwegian, Danish: spelling and grammar cues ---------------------------------------

FIXTURES = REPO / "tests" / "fixtures" / "lang"
# Validation sets: labelled real texts that were read while tuning (the cues, the bracket rule),
# so their figures are optimistic for unread texts; see PROVENANCE.md. No test set exists yet.
VALIDATION_LIKE_DEV = (FIXTURES / "validation_like_dev_1.jsonl",
                       FIXTURES / "validation_like_dev_2.jsonl")
VALIDATION_SCANDINAVIAN = FIXTURES / "validation_scandinavian.jsonl"


@pytest.fixture(scope="module")
def validation() -> dict[str, list[dict]]:
    """The three validation sets by file stem."""
    return {path.stem: _jsonl(path) for path in (*VALIDATION_LIKE_DEV, VALIDATION_SCANDINAVIAN)}


@pytest.fixture(scope="module")
def labels(dev, validation) -> dict[str, str]:
    """Text -> label over every labelled file."""
    return {r["text"]: r["lang"] for rows in (dev, *validation.values()) for r in rows}


@pytest.mark.parametrize("candidates", [("en", "fi", "sv", "de"), ("sv", "no", "da")])
def test_langdetect_with_candidates_answers_as_langdetect_itself(labels, monkeypatch,
                                                                candidates):
    """litrev's faster langdetect detector (``detectors._prior_limited_detector``) gives
    langdetect's own probabilities, to the last bit, on every third labelled text."""
    from langdetect.detector import Detector

    texts = sorted(labels)[::3]
    allowed = frozenset(candidates)
    detectors.clear_caches()
    faster = [detectors.langdetect(text, allowed) for text in texts]
    monkeypatch.setattr(detectors, "_prior_limited_detector", lambda: Detector)
    detectors.clear_caches()
    own = [detectors.langdetect(text, allowed) for text in texts]
    detectors.clear_caches()
    assert faster == own
    assert sum(bool(answer) for answer in own) > len(texts) * 0.9  # most texts have an answer


@pytest.mark.parametrize("text, lang", [
    ("Vi sender deg de batteriene du trenger, når du trenger dem.", "no"),  # lingua nb.txt
    ("Hanks mor, Lillie flyttede familien til Greenville og i 1937 til Montgomery, Alabama.",
     "da"),                                                                   # lingua da.txt
    ("en studie av friluftsaktiviteter bland ungdomar", "sv"),               # SwePub (dev set)
])
def test_scandinavian_texts_are_called_right_with_or_without_the_cues(labels, text, lang):
    assert labels[text] == lang  # the label comes from the labelled files
    assert L.detect(text, method=L.Method(scandinavian_cues=False)).lang == lang
    assert L.detect(text).lang == lang


def test_a_danish_imperative_is_danish_not_norwegian(labels):
    full = next(t for t in labels if t.startswith("Dæk med sølvpapir og kom det i ovnen"))
    assert labels[full] == "da"
    text = "Dæk med sølvpapir og"  # its first words; "Dæk" is Danish (Norwegian "dekk")
    assert L.detect(text).lang == "da"


def test_cues_settle_a_short_swedish_title(labels):
    text = "Facebook låg nere – #facebookdown trendar"  # SwePub title
    assert labels[text] == "sv"
    scores = cues(text)
    assert scores["sv"] >= max(scores["no"], scores["da"]) + voting.CUE_MIN_MARGIN
    found = L.detect(text)
    assert (found.lang, found.method) == ("sv", "ensemble+cues")
    assert found.confidence >= voting.SHORT_MIN_CONFIDENCE


def test_english_words_in_a_scandinavian_title_are_no_cue(labels):
    text = "High fashion the High Street way : en praktisk studie om budgetanpassad stil"
    assert labels[text] == "sv"
    assert max(cues("High fashion the High Street way").values()) == 0.0
    assert L.detect(text).lang == "und"  # Swedish, Danish or Norwegian: too little to tell


def test_cues_shared_by_norwegian_and_danish_do_not_separate_them():
    shared = cues("og ikke også")
    assert shared["no"] == shared["da"] > shared["sv"]


def test_dev_title_read_as_norwegian_is_swedish_by_its_cues():
    found = L.detect("en studie av friluftsaktiviteter bland ungdomar")
    assert (found.lang, found.method) == ("sv", "ensemble+cues")


def test_cues_weigh_evidence_not_one_word():
    # "av" (sv, no), "-tioner" (sv, da) and "trä" (ä, and its frequency) add up
    sv_title = cues("Stabilisering av takkonstruktioner i trä")
    assert sv_title["sv"] > sv_title["da"] + 1.5 and sv_title["sv"] > sv_title["no"] + 1.5
    # "fyra" and "Sverige" are frequent Swedish words, not Norwegian or Danish ones
    assert max(cues("Fyra sekler av judiskt liv i Sverige").items(), key=lambda kv: kv[1])[0] \
        == "sv"
    danish = cues("Kirketofte har nu vundet alle tre afdelinger.")
    assert danish["da"] > danish["no"] + 2 and danish["da"] > danish["sv"] + 2
    # a word no list tells apart adds (almost) nothing
    assert max(cues("En kvalitativ studie").values()) < 0.5


def test_cues_turn_no_call_wrong_on_the_validation_sets(validation):
    """On the validation sets the cues may only turn a miss into a right call: never a
    right call or an ``und`` into a wrong one."""
    rows = [r for rows in validation.values() for r in rows]
    before = [L.detect(r["text"], method=L.Method(scandinavian_cues=False)).lang for r in rows]
    after = [L.detect(r["text"]).lang for r in rows]
    newly_wrong = [r["text"] for r, a, b in zip(rows, before, after, strict=True)
                   if a != b and b != r["lang"] and b != L.UNDETERMINED]
    assert newly_wrong == []
    gained = [r["text"] for r, a, b in zip(rows, before, after, strict=True)
              if a != r["lang"] and b == r["lang"]]
    assert gained


def test_cues_never_run_on_long_texts(dev):
    long_texts = [r["text"] for r in dev if r["lang"] in voting.SCANDINAVIAN
                  and len(r["text"]) > voting.CUE_MAX_CHARS]
    assert len(long_texts) >= 8
    assert all(L.detect(t).method == "ensemble" for t in long_texts)


# --- candidates and hints ---------------------------------------------------------------------

def test_candidates_restrict_the_choice(dev):
    ambiguous = next(r["text"] for r in dev if r["text"].startswith("en studie av friluft"))
    assert L.detect(ambiguous, candidates=REVIEW).lang == "sv"
    danish = next(r["text"] for r in dev if r["text"].startswith("Fireårige Anton"))
    assert L.detect(danish).lang == "da"
    assert L.detect(danish, candidates=("en", "fi", "de")).lang in ("en", "fi", "de", "und")


@pytest.mark.parametrize("value, code", [("fin", "fi"), ("swe", "sv"), ("en-US", "en"),
                                         ("English", "en"), ("ger", "de"), ("nob", "no"),
                                         ("nn", "no"), ("suomi", "fi"), ("ngerman", "de"),
                                         ("und", None), ("", None), (None, None)])
def test_metadata_language_spellings(value, code):
    assert L.normalize_language(value) == code


@pytest.mark.parametrize("label, code", [("__label__sv", "sv"), ("swe", "sv"), ("NB", "no"),
                                         ("nno", "no"), ("zh-cn", "zh"), ("iw", "he"),
                                         ("TL", "tl"), ("tgl", "tl")])
def test_detector_labels_become_the_codes_litrev_reports(label, code):
    """fastText, heliport, lingua and langdetect label languages their own way; the votes only
    add up once each label is the code litrev stores."""
    assert L.normalize_language(label.removeprefix("__label__")) == code


def test_hint_settles_a_short_ambiguous_text():
    assert L.detect("Kriminolog").lang == "und"
    found = L.detect("Kriminolog", hint="swe")
    assert (found.lang, found.method) == ("sv", "hint+detector")
    found = L.detect("en studie av friluftsaktiviteter bland ungdomar", hint="sv")
    assert (found.lang, found.method) == ("sv", "hint+detector")


def test_hint_alone_decides_a_text_without_letters_to_read():
    assert L.detect("OK", hint="fin") == L.Detection("fi", 0.5, "hint")


def test_hint_never_overrides_a_text_that_clearly_reads_otherwise(demo):
    english = demo[EN_ID]["abstract"]
    found = L.detect(english, hint="fin")  # an English abstract in a Finnish record
    assert found.lang == "en" and found.method == "ensemble"
    assert L.detect(corpus.SUPPORTING, hint="de").lang == "en"


# --- mixed texts -------------------------------------------------------------------------------

def test_finnish_abstract_followed_by_english_version_is_split(demo):
    fi, en = demo[FI_ID]["abstract"], demo[EN_ID]["abstract"]
    text = f"Tiivistelmä: {fi} Abstract: {en}"
    found = L.detect(text)
    assert found.lang == "mul" and found.method == "mixed"
    assert [p.lang for p in found.parts] == ["fi", "en"]
    assert found.parts[0].text.startswith("Tiivistelmä: Tutkimuksen tavoitteena oli löytää")
    assert found.parts[1].text.startswith("Abstract: Objective: Modern conceptualizations")
    assert found.parts[1].text.endswith(en[-40:])
    assert found.parts[0].end == found.parts[1].start == text.index("Abstract:")


def test_mixed_without_headings_is_split_at_the_language_change(demo):
    fi, en = demo[FI_ID]["abstract"], demo[EN_ID]["abstract"]
    found = L.detect(f"{fi} {en}")
    assert [p.lang for p in found.parts] == ["fi", "en"]
    assert found.parts[1].text == en


def test_tiivistelma_sammanfattning_is_split(demo):
    fi, sv = demo[FI_ID]["abstract"], demo[SV_ID]["abstract"]
    found = L.detect(f"Tiivistelmä: {fi} Sammanfattning: {sv}", candidates=REVIEW)
    assert [p.lang for p in found.parts] == ["fi", "sv"]
    assert found.parts[1].text.startswith("Sammanfattning: Bakgrund: Covid-19")


def test_monolingual_abstracts_are_not_split(demo):
    for work in demo.values():
        if work.get("abstract"):
            found = L.detect(work["abstract"])
            assert (found.lang, found.parts) == (work["language"], ()), work["id"]


# --- detect_records: the harvest's records before the store's batch ---------------------------

def _record(work: Work, *texts: str, hint: str | None = None,
            source: str = "files") -> SourceRecord:
    excerpts = tuple(Excerpt.create(work_id=work.work_id, kind="abstract", text=text,
                                    language_hint=hint) for text in texts)
    return SourceRecord(source=source, source_record_id=work.work_id, work=work,
                        excerpts=excerpts)


def test_detect_records_fills_languages_and_adds_parts(demo):
    fi, en = demo[FI_ID]["abstract"], demo[EN_ID]["abstract"]
    mixed = f"{fi} Abstract: {en}"
    a = Work.create(doi="10.5555/a", title="Vertaistuki mielenterveystyössä")
    b = Work.create(doi="10.5555/b")
    records = L.detect_records([_record(a, corpus.FINNISH_STATEMENT), _record(b, mixed)])
    first, second = (r.excerpts for r in records)
    assert [(x.language, x.language_method) for x in first] == [("fi", "ensemble")]
    assert [(x.language, x.language_method) for x in second] == [
        ("mul", "mixed"), ("fi", "mixed-part"), ("en", "mixed-part")]
    whole, *parts = second
    assert all(p.parent_excerpt_id == whole.excerpt_id and p.work_id == b.work_id for p in parts)
    for part in parts:
        assert part.excerpt_id == excerpt_id(b.work_id, "abstract", None, part.text)
    assert parts[1].text.startswith("Abstract: Objective: Modern")
    assert (records[0].work.title_language, records[0].work.title_language_method) == (
        "fi", "ensemble")
    assert records[1].work.title_language is None  # no title


def test_detect_records_skips_stored_excerpts_and_titles(monkeypatch):
    from litrev.extract.language import detection

    work = Work.create(doi="10.5555/c", title="Genesungsbegleiter in der psychiatrischen Klinik")
    record = _record(work, corpus.FINNISH_STATEMENT, corpus.SUPPORTING)
    stored = record.excerpts[0].excerpt_id
    asked: list[str] = []
    real = detection.detect
    monkeypatch.setattr(detection, "detect",
                        lambda text, **kw: asked.append(text) or real(text, **kw))
    (out,) = L.detect_records([record], skip_excerpt_ids={stored}, skip_work_ids={work.work_id})
    assert asked == [corpus.SUPPORTING]
    assert [x.language for x in out.excerpts] == [None, "en"]
    assert out.work.title_language is None


def test_detect_records_uses_hints_and_candidates():
    work = Work.create(doi="10.5555/d", title="Kriminolog", language="swe")
    (out,) = L.detect_records([_record(work, "Kriminolog", hint="swe")],
                              candidates=REVIEW)
    assert (out.excerpts[0].language, out.excerpts[0].language_method) == ("sv", "hint+detector")
    assert (out.work.title_language, out.work.title_language_method) == ("sv", "hint+detector")


def test_a_text_named_by_two_records_is_detected_once_with_the_hint_either_gives(monkeypatch):
    """Two sources deliver the same work and abstract; only the second gives a language: the
    store merges them into one row, and that row's language is read with the hint."""
    from litrev.extract.language import detection

    work = Work.create(doi="10.5555/e", title="Kriminolog")
    plain = _record(work, "Kriminolog", source="files")
    hinted = _record(Work.create(doi="10.5555/e", title="Kriminolog", language="sv"),
                     "Kriminolog", hint="sv", source="finna")
    asked: list[str] = []
    real = detection.detect
    monkeypatch.setattr(detection, "detect",
                        lambda text, **kw: asked.append(text) or real(text, **kw))
    out = L.detect_records([plain, hinted])
    # once: the title, too short to be split, reads as its title excerpt with the same hint
    assert asked == ["Kriminolog"]
    assert {x.language for r in out for x in r.excerpts} == {"sv"}
    assert {r.work.title_language for r in out} == {"sv"}


def test_a_title_long_enough_to_split_is_read_whole_and_its_excerpt_in_parts(monkeypatch):
    """A work without an abstract has its title as an excerpt: a short title is detected once
    for both, a long one twice, since only the excerpt may be split into languages."""
    from litrev.extract.language import detection

    finnish = ("Vertaistyöntekijöiden osallistuminen psykiatrisen sairaalan moniammatilliseen "
               "tiimityöhön ja hoitokokouksiin osastolla.")
    english = ("Peer support workers joining the multidisciplinary team meetings and the care "
               "planning of a psychiatric hospital ward.")
    long_title = f"{finnish} {english}"
    records = [_record(Work.create(doi="10.5555/long", title=long_title), long_title),
               _record(Work.create(doi="10.5555/short", title="Vertaistuki osastolla"),
                       "Vertaistuki osastolla")]
    asked: list[tuple[str, bool]] = []
    real = detection.detect
    monkeypatch.setattr(detection, "detect", lambda text, **kw: asked.append(
        (text, kw["method"].split_mixed)) or real(text, **kw))
    out = L.detect_records(records, candidates=("en", "fi"))
    assert sorted(asked) == sorted([(long_title, True), (long_title, False),
                                    ("Vertaistuki osastolla", True)])
    alone = real(long_title, candidates=("en", "fi"), method=L.annotate.TITLE_METHOD)
    assert (out[0].work.title_language, out[0].work.title_language_method) == (
        alone.lang, alone.method)
    short = out[1]
    assert short.excerpts[0].language == short.work.title_language == "fi"
    assert short.excerpts[0].language_confidence == short.work.title_language_confidence


def test_detected_records_load_with_their_languages(tmp_path, demo):
    from litrev.store.db import write_session
    from litrev.store.load import load_batch, records_to_batch

    fi, en = demo[FI_ID]["abstract"], demo[EN_ID]["abstract"]
    work = Work.create(doi="10.5555/f", title="Kokemusasiantuntijuus psykiatriassa")
    records = L.detect_records([_record(work, f"{fi} {en}")])
    with write_session(tmp_path / "c.ducklake") as con:
        load_batch(con, records_to_batch(records), run_id="r1")
        rows = con.execute("SELECT language, language_method, parent_excerpt_id IS NULL "
                           "FROM excerpts ORDER BY parent_excerpt_id NULLS FIRST, "
                           "language").fetchall()
        title = con.execute("SELECT title_language FROM works").fetchall()
    assert rows == [("mul", "mixed", True), ("en", "mixed-part", False),
                    ("fi", "mixed-part", False)]
    assert title == [("fi",)]


# --- reproducibility ---------------------------------------------------------------------------

def test_same_answer_in_a_fresh_process(dev):
    texts = [r["text"] for r in dev[::7]] + [corpus.FINNISH_STATEMENT, "Kriminolog"]
    script = ("import json, sys\nfrom litrev.extract.language import detect\n"
              "texts = json.load(sys.stdin)\n"
              "print(json.dumps([detect(t).as_dict() for t in texts]))\n")
    runs = [subprocess.run([sys.executable, "-c", script], input=json.dumps(texts),
                           capture_output=True, text=True, check=True, cwd=REPO).stdout
            for _ in range(2)]
    assert runs[0] == runs[1]
    assert json.loads(runs[0]) == [L.detect(t).as_dict() for t in texts]


# --- the quality bar on the labelled dev set ------------------------------------------------

def test_dev_set_accuracy(dev):
    """The issue's goals, no profile: 100% on main-language texts over 120 characters; and
    with the review's candidates every main-language text right. (Overall and short-text
    figures are printed by bench/language.py; see the README for the one known miss.)"""
    main = [r for r in dev if r["lang"] in REVIEW]
    long_main = [r for r in main if len(r["text"]) > 120]
    assert all(L.detect(r["text"]).lang == r["lang"] for r in long_main)
    assert all(L.detect(r["text"], candidates=REVIEW).lang == r["lang"] for r in main)
    right = sum(L.detect(r["text"]).lang == r["lang"] for r in dev)
    assert right / len(dev) >= 0.99


def _right(rows: list[dict]) -> tuple[int, int]:
    """(right calls, texts) with no profile; ``und`` counts as wrong."""
    return sum(L.detect(r["text"]).lang == r["lang"] for r in rows), len(rows)


def test_validation_sets_like_the_dev_set_raw_figures(validation):
    """The two validation sets built like the dev set, pooled, raw, no profile: the figures
    bench/language.py prints (807 of 814 right, 99.14%; 335 of 338 main-language texts of
    <= 120 characters; every longer one). They were read while tuning, so these are validation
    figures, not test results; a change that loses a call here fails."""
    rows = [r for path in VALIDATION_LIKE_DEV for r in validation[path.stem]]
    main = [r for r in rows if r["lang"] in REVIEW]
    right, total = _right([r for r in main if len(r["text"]) > 120])
    assert (right, total) == (231, 231)
    right, total = _right([r for r in main if len(r["text"]) <= 120])
    assert total == 338 and right >= 335
    right, total = _right(rows)
    assert total == 814 and right >= 807


def test_validation_set_scandinavian_raw_figure(validation):
    """The Scandinavian-heavy validation set (many titles the three languages share; read while
    tuning the cues), raw, no profile: 422 of 432 right (97.69%)."""
    right, total = _right(validation["validation_scandinavian"])
    assert total == 432 and right >= 422


# --- litrev detect -----------------------------------------------------------------------------

def test_cli_detect_one_text(capsys):
    assert litrev(["detect", corpus.FINNISH_STATEMENT]) == 0
    line = json.loads(capsys.readouterr().out)
    assert (line["lang"], line["method"]) == ("fi", "ensemble")
    assert line["text"].startswith("Kokemusasiantuntijatoimintaan")


def test_cli_detect_jsonl_copies_fields_and_shows_parts(tmp_path, capsys, demo):
    fi, en = demo[FI_ID]["abstract"], demo[EN_ID]["abstract"]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"id": 1, "abstract": corpus.SUPPORTING, "year": 2021},
        {"id": 2, "abstract": "Kriminolog", "language_hint": "swe"},
        {"id": 3, "abstract": f"{fi} {en}"},
    ]) + "\n", encoding="utf-8")
    assert litrev(["detect", "--input", str(path), "--field", "abstract"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [(x["id"], x["lang"]) for x in lines] == [(1, "en"), (2, "sv"), (3, "mul")]
    assert lines[0]["year"] == 2021 and lines[1]["method"] == "hint+detector"
    assert [p["lang"] for p in lines[2]["parts"]] == ["fi", "en"]


def test_cli_detect_uses_profile_candidates(tmp_path, capsys):
    from litrev.extract.profile import STARTER_PROFILE

    profile = tmp_path / "review.toml"
    profile.write_text(STARTER_PROFILE, encoding="utf-8")
    text = "en studie av friluftsaktiviteter bland ungdomar"
    assert litrev(["--profile", str(profile), "detect", text]) == 0
    assert json.loads(capsys.readouterr().out)["lang"] == "sv"
    assert litrev(["--profile", str(profile), "detect", "Kriminolog",
                   "--candidates", "any"]) == 0
    assert json.loads(capsys.readouterr().out)["lang"] == "und"


def test_cli_detect_errors_are_one_line(tmp_path, capsys):
    assert litrev(["detect"]) == 1
    assert capsys.readouterr().err.startswith("litrev: error: give one TEXT or --input")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n', encoding="utf-8")
    assert litrev(["detect", "--input", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no text field 'text'" in err
    assert litrev(["detect", "x", "--candidates", "english,xx1"]) == 1
    assert "not a language code" in capsys.readouterr().err


def test_threads_get_the_same_answers_as_one_thread(dev):
    from concurrent.futures import ThreadPoolExecutor

    texts = [r["text"] for r in dev[::3]]
    L.clear_caches()
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(L.detect, texts))
    L.clear_caches()  # the single thread computes every answer again, none read from a cache
    assert threaded == [L.detect(t) for t in texts]


def test_each_layer_of_the_package_imports_only_the_layers_before_it():
    """The order the package's docstring gives; a layer reaching down (voting importing
    annotate, say) would tie the detector to the harvest's records."""
    import ast

    layers = ["codes", "results", "text", "detectors", "scandinavian", "voting", "mixed",
              "detection", "annotate"]
    package = REPO / "litrev" / "extract" / "language"
    assert sorted(p.stem for p in package.glob("*.py")) == sorted([*layers, "__init__"])
    for i, layer in enumerate(layers):
        tree = ast.parse((package / f"{layer}.py").read_text(encoding="utf-8"))
        used = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module == "litrev.extract.language":
                    used.update(alias.name for alias in node.names)
                elif node.module.startswith("litrev.extract.language."):
                    used.add(node.module.rsplit(".", 1)[1])
        assert used <= set(layers[:i]), (layer, used - set(layers[:i]))


# --- the light method (litrev detect): heliport only where needed -----------------------------

def test_light_method_names_the_shipped_language_on_every_labelled_text(dev, validation):
    """LIGHT skips heliport where fastText is sure of a language outside sv/no/da and their
    neighbours; the language (and the parts of a mixed text) stay those of SHIPPED on every
    labelled text. bench/language.py also compares capitals, first words and candidates."""
    rows = [r for rows in (dev, *validation.values()) for r in rows]
    assert len(rows) == 1402

    def calls(method: L.Method) -> list[tuple]:
        return [(d.lang, d.method, tuple(p.lang for p in d.parts))
                for d in (L.detect(r["text"], method=method) for r in rows)]

    light, shipped = calls(L.LIGHT), calls(L.SHIPPED)
    assert [i for i, (a, b) in enumerate(zip(light, shipped, strict=True)) if a != b] == []
    skipped = sum(L.detect(r["text"], method=L.LIGHT).confidence
                  != L.detect(r["text"]).confidence for r in rows)
    assert skipped > 100  # heliport was left out somewhere, or the test proves nothing


def _modules_after_detect(text: str) -> tuple[str, set[str]]:
    script = ("import sys\nfrom litrev.flows.cli import main\n"
              f"main(['detect', {text!r}])\n"
              "print(sorted(m for m in ('heliport', 'lingua', 'fasttext') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, cwd=REPO)
    line, modules = done.stdout.splitlines()
    return json.loads(line)["lang"], set(json.loads(modules.replace("'", '"')))


def test_cli_detect_of_a_finnish_sentence_does_not_load_heliport():
    lang, modules = _modules_after_detect(corpus.FINNISH_STATEMENT)
    assert lang == "fi"
    assert "heliport" not in modules and {"lingua", "fasttext"} <= modules


def test_cli_detect_of_a_short_swedish_title_still_asks_heliport():
    _, modules = _modules_after_detect("en studie av friluftsaktiviteter bland ungdomar")
    assert "heliport" in modules


@pytest.mark.parametrize("raw, letters", [
    ("Peer_support 2024: A-B!", 13), ("under_score x1y2", 12), ("Översyn av kamratstöd", 19),
    ("ÄÖ_12 ab", 4), ("", 0), ("1234 -- 56", 0)])
def test_letters_are_counted_alike_in_ascii_and_other_text(raw, letters):
    from litrev.extract.language.text import count_letters

    assert count_letters(raw) == letters


@pytest.mark.parametrize("raw, read", [
    ("PEER SUPPORT IN PSYCHIATRIC WARDS (2019)", "peer support in psychiatric wards"),
    ("Peer Support In Psychiatric Wards", "Peer Support In Psychiatric Wards"),
    ("VERTAISTUKI PSYKIATRISELLA OSASTOLLA", "vertaistuki psykiatrisella osastolla"),
    ("ÖVERSYN AV KAMRATSTÖD i vården", "översyn av kamratstöd i vården"),
    ("NHS UK peer workers", "NHS UK peer workers")])
def test_a_text_mostly_in_capitals_is_read_in_lower_case(raw, read):
    """Over 60% capitals among the letters: the detectors read it lower-cased (they take a
    capitalised title for German otherwise), whether the text is ASCII or not."""
    from litrev.extract.language.text import prepare

    assert prepare(raw) == read
