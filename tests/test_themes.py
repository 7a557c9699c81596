"""Theme coding: the codebook format and its validation, stemmed matching in real Finnish,
German and Swedish sentences, coding via the translation, and re-coding when the codebook
changes. Texts come from tests/fixtures/themes (copied from shared/, see its README) and the
seed page's Finnish statement in tests/corpus.py."""

from __future__ import annotations

import json
import shutil
import tomllib
import unicodedata
from pathlib import Path

import pytest

from litrev.extract.stemming import stem
from litrev.extract.themes import CodebookError, Coder, load_codebook, parse_codebook
from litrev.flows.cli import main
from litrev.flows.coding import run_coding
from litrev.store.db import read_session, write_session
from litrev.store.themes import theme_counts
from tests import corpus

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "themes"
REVIEW_THEMES = {  # the first review's eleven themes (docs/architecture.md), by id
    "role_clarity", "staff_attitudes_stigma", "hierarchy_power", "supervision_support",
    "training_qualification", "workload_strain_relapse", "disclosure", "pay_employment",
    "team_collaboration", "organisational_readiness", "peer_networks",
}


def sentence(text_id: str) -> str:
    for line in (FIXTURES / "sentences.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["id"] == text_id:
            return row["text"]
    raise KeyError(text_id)


@pytest.fixture(scope="module")
def coder() -> Coder:
    return Coder(load_codebook())


def small_codebook(**terms) -> Coder:
    raw = {"codebook": {"id": "t", "version": "1", "languages": sorted(terms)},
           "themes": [{"id": "x", "label": "X", "description": "test theme",
                       "terms": {lang: list(v) for lang, v in terms.items()}}]}
    return Coder(parse_codebook(raw))


# --- stemmed matching in real sentences ----------------------------------------------------

def test_finnish_seed_statement_matches_expert_by_experience_and_collaboration(coder):
    assert "kokemusasiantuntijoiden" in corpus.FINNISH_STATEMENT
    assert stem("kokemusasiantuntijoiden", "fi") == stem("kokemusasiantuntija", "fi")
    found = coder.match(corpus.FINNISH_STATEMENT, "fi")
    assert found["peer_workforce"] == ("kokemusasiantuntija",)
    # "... kokemusasiantuntijoiden ja ammattilaisten yhteistyötä ..."
    assert found["team_collaboration"] == ("ammattilai* yhteistyö",)
    # the compound at the start of the statement matches on its own, too
    opening = corpus.FINNISH_STATEMENT.split(" kohdistuneessa")[0]
    assert opening == "Kokemusasiantuntijatoimintaan"
    assert coder.match(opening, "fi") == {"peer_workforce": ("kokemusasiantuntija",)}


def test_finnish_thesis_abstract_inflected_forms(coder):
    text = sentence("fi-8430670f71")  # Finna.fi thesis abstract on peer instructors
    found = coder.match(text, "fi")
    assert "vertaisohjaajien" in text and found["peer_workforce"] == ("vertaisohjaaja",)
    assert "esimiehen tuki" in text and "esimie* tuk*" in found["supervision_support"]
    assert "vertaisohjaajien jaksaminen" in text
    assert "jaksami*" in found["workload_strain_relapse"]


def test_german_inflection_and_compound_in_real_abstracts(coder):
    quality = sentence("de-2d556c6360")  # PSYNDEX abstract on forensic reports
    assert "Qualifikationsmöglichkeiten" in quality
    found = coder.match(quality, "de")
    assert found["training_qualification"] == ("Qualifikation",)   # first part of a compound
    assert found["team_collaboration"] == ("interdisziplinär",)
    wellbeing = sentence("de-113514ddd2")  # PSYNDEX abstract on therapy goals
    assert "kollaborativen Rahmen" in wellbeing
    assert coder.match(wellbeing, "de") == {"team_collaboration": ("kollaborativ",)}


def test_german_genesungsbegleiter_inside_hyphenated_feminine_plural(coder):
    found = coder.match("Die EX-IN-Genesungsbegleiterinnen berichten über Rollenklärung.", "de")
    assert found["peer_workforce"] == ("EX-IN", "Genesungsbegleiter")
    assert found["role_clarity"] == ("Rollenklarheit",)  # Klärung and Klarheit share a stem


def test_swedish_inflected_forms_in_real_abstracts(coder):
    text = sentence("sv-6fdc4a85f6")  # SwePub abstract on personal assistants' work
    assert "arbetsförhållanden" not in text  # stored in decomposed Unicode (o + U+0308)
    assert "arbetsförhållanden" in unicodedata.normalize("NFC", text)
    assert coder.match(text, "sv") == {"pay_employment": ("arbetsförhållande", "arbetsmiljö*")}
    covid = sentence("sv-5b1d1880cc")  # thesis abstract on isolation care
    assert coder.match(covid, "sv") == {"staff_attitudes_stigma": ("stigma*",)}
    recovery = sentence("sv-4900e746b1")  # Finna.fi report on recovery stories
    assert coder.match(recovery, "sv") == {"peer_workforce": ("egen erfarenhet",)}


def test_terms_only_match_texts_of_their_language(coder):
    assert coder.match(corpus.FINNISH_STATEMENT, "en") == {}
    assert coder.match(corpus.FINNISH_STATEMENT, "fr") == {}  # no terms for French
    # undecided language: every language's terms are tried
    assert "peer_workforce" in coder.match(corpus.FINNISH_STATEMENT, "und")


# --- matching rules -------------------------------------------------------------------------

def test_short_stems_do_not_match_inside_words():
    c = small_codebook(de=["Macht"])
    assert c.match("Das wurde gemacht.", "de") == {}
    assert c.match("Die Macht der Ärzte", "de") == {"x": ("Macht",)}
    long = small_codebook(de=["Machtgefälle"])
    assert long.match("starke Machtgefälles im Team", "de") == {"x": ("Machtgefälle",)}


def test_compound_head_and_wildcards():
    fi = small_codebook(fi=["työntekijä", "vertais*", "koulutu*"])
    found = fi.match("vertaistyöntekijöiden kokemusasiantuntijakoulutuksen jälkeen", "fi")
    assert found == {"x": ("koulutu*", "työntekijä", "vertais*")}
    assert fi.match("kokemusten jakaminen", "fi") == {}


def test_phrases_need_their_words_in_order():
    c = small_codebook(en=["role clarity"])
    assert c.match("Role clarity was lacking.", "en") == {"x": ("role clarity",)}
    assert c.match("roles lacked clarity", "en") == {}
    assert c.match("clarity about the role", "en") == {}


def test_coding_on_the_translation_is_marked(coder):
    matches = coder.code(corpus.FINNISH_STATEMENT, "fi",
                        translation="Research on the collaboration of experts by experience "
                                    "and professionals in hospitals", target_language="en")
    where = {(m.theme_id, m.matched_in): m.terms for m in matches}
    assert where[("peer_workforce", "original")] == ("kokemusasiantuntija",)
    assert where[("peer_workforce", "translation")] == ("expert* by experience",)
    assert where[("team_collaboration", "translation")] == ("collaborat*",)


# --- codebook and validation ------------------------------------------------------------------

def test_default_codebook_has_the_review_themes_in_four_languages():
    book = load_codebook()
    assert book.id == "psw-integration" and book.languages == ("en", "de", "fi", "sv")
    assert REVIEW_THEMES <= set(book.theme_ids())
    assert set(book.theme_ids()) - REVIEW_THEMES == {"peer_workforce"}
    for theme in book.themes:
        assert len(theme.description) > 60, theme.id
        assert set(theme.terms) == {"en", "de", "fi", "sv"}, theme.id
    role = next(t for t in book.themes if t.id == "role_clarity")
    assert "role clarity" in [t.text for t in role.terms["en"]]
    assert "Rollenunklarheit" in [t.text for t in role.terms["de"]]
    assert book.version_key.startswith("1.0+")


def test_no_default_term_matches_most_of_the_demo_corpus():
    """A term that matches nearly every abstract sorts nothing ("team" would)."""
    book = load_codebook()
    works = [json.loads(x) for x in
             (FIXTURES / "demo_works.jsonl").read_text(encoding="utf-8").splitlines()]
    # one theme per term, so that one pass over each abstract counts every term's hits
    each_term = [(lang, term.text) for theme in book.themes
                 for lang, terms in theme.terms.items() for term in terms]
    single = Coder(parse_codebook({
        "codebook": {"id": "t", "version": "1", "languages": list(book.languages)},
        "themes": [{"id": f"t{i}", "label": text, "description": "one term",
                    "terms": {lang: [text]}} for i, (lang, text) in enumerate(each_term)]}))
    hits: dict[str, int] = {f"{lang}:{text}": 0 for lang, text in each_term}
    for w in works:
        if w["abstract"]:
            for theme_id in single.match(w["abstract"], w["language"]):
                lang, text = each_term[int(theme_id[1:])]
                hits[f"{lang}:{text}"] += 1
    assert sum(hits.values()) > 40  # the terms do find things
    counts = {lang: sum(w["language"] == lang for w in works) for lang in ("en", "fi", "de")}
    worst = {k: v for k, v in hits.items()
             if k[:2] in counts and v > counts[k[:2]] // 3}
    assert worst == {}


def test_invalid_codebook_is_refused_with_one_line_per_problem(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("""
[codebook]
id = "x"
version = 2
languages = ["en", "finnish"]

[[themes]]
id = "Role Clarity"
label = "Role"
terms.en = ["role clarity", "ro*le"]
terms.de = ["Rolle"]

[[themes]]
id = "stigma"
label = "Stigma"
description = "staff stigma"
terms.en = ["stigma", "stigmas", "s*"]
tems.fi = ["leima"]
""", encoding="utf-8")
    with pytest.raises(CodebookError) as err:
        load_codebook(bad)
    lines = str(err.value).splitlines()
    assert all(line.startswith(f"{bad}: ") for line in lines)
    text = "\n".join(line.split(": ", 1)[1] for line in lines)
    assert text == "\n".join([
        'codebook.version: expected a version string such as "1.0" (quoted)',
        "codebook.languages: 'finnish' is not a two-letter ISO 639-1 code",
        'themes[1] (Role Clarity).id: expected lower-case letters, digits and _ such as '
        '"role_clarity", got \'Role Clarity\'',
        "themes[1] (Role Clarity).description: expected a sentence saying what belongs in this "
        "theme",
        "themes[1] (Role Clarity).terms.en: 'ro*le': '*' may only end a word (a prefix "
        "wildcard such as vertais*)",
        "themes[1] (Role Clarity).terms.de: language not in codebook.languages (en)",
        "themes[2] (stigma).tems: unknown key; a theme has id, label, description, terms.<lang>",
        "themes[2] (stigma).terms.en: 'stigmas' repeats an earlier term (same stems); remove one",
        "themes[2] (stigma).terms.en: 's*': the wildcard s* is too short; write at least 3 "
        "letters before '*'",
    ])


def test_codebook_cli_error_is_one_line_each(tmp_path, capsys):
    book = tmp_path / "book.toml"
    book.write_text('[codebook]\nid = "x"\nversion = "1"\nlanguages = ["en"]\n', "utf-8")
    profile = tmp_path / "p.toml"
    profile.write_text('[review]\nname = "t"\ntarget_language = "en"\n'
                       'contact_email = "a@b.org"\ncodebook = "book.toml"\n', "utf-8")
    assert main(["--db", str(tmp_path / "db.ducklake"), "--profile", str(profile), "code"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"litrev: error: {book}: themes: expected one or more [[themes]] tables"]


def test_version_changes_with_terms_not_with_comments():
    text = (Path(load_codebook().path)).read_text(encoding="utf-8")
    base = parse_codebook(tomllib.loads(text))
    commented = parse_codebook(tomllib.loads("# a new comment\n" + text.replace(" = ", "  =  ")))
    assert commented.version_key == base.version_key
    changed = parse_codebook(tomllib.loads(text.replace('"role drift", ', "")))
    assert changed.version == base.version and changed.version_key != base.version_key


# --- coding the stored corpus -----------------------------------------------------------------

def _themes(db) -> set[tuple[str, str, str]]:
    with read_session(db) as con:
        rows = con.execute("SELECT e.language, et.theme_id, et.matched_in FROM excerpt_themes et "
                           "JOIN excerpts e USING (excerpt_id)").fetchall()
    return set(rows)


def test_run_coding_codes_originals_and_translations_then_only_what_changed(corpus_db):
    first = run_coding(corpus_db, None)
    assert first.codebook_changed and first.coded == 5
    stored = _themes(corpus_db)
    assert ("fi", "peer_workforce", "original") in stored
    assert ("fi", "team_collaboration", "original") in stored
    # the stored translation "Research on expert-by-experience work has examined ..."
    assert ("fi", "peer_workforce", "translation") in stored
    assert ("en", "peer_networks", "original") in stored
    with read_session(corpus_db) as con:
        terms = con.execute("SELECT matched_terms FROM excerpt_themes WHERE theme_id = "
                            "'peer_networks'").fetchone()[0]
    assert terms == ["mutual exchange", "peer support for PSW*", "transregional"]
    # per theme: the excerpts it matched, each once, and how many matched in their original
    # and in their translation (an excerpt matched in both counts in both columns)
    with read_session(corpus_db) as con:
        counts = {r["theme_id"]: (r["excerpts"], r["in_original"], r["in_translation"])
                  for r in theme_counts(con).to_dict("records")}
        matched = con.execute("SELECT theme_id, excerpt_id, matched_in FROM excerpt_themes"
                              ).fetchall()
    for theme, (excerpts, in_original, in_translation) in counts.items():
        pairs = {(e, m) for t, e, m in matched if t == theme}
        assert excerpts == len({e for e, _ in pairs})
        assert in_original == len({e for e, m in pairs if m == "original"})
        assert in_translation == len({e for e, m in pairs if m == "translation"})
    assert counts["peer_workforce"][1:] >= (1, 1)
    assert {t: n for t, (n, _, _) in counts.items() if n} == \
        {t: n for t, n in first.themes.items() if n}

    again = run_coding(corpus_db, None)
    assert not again.codebook_changed and again.coded == 0

    # a changed translation re-codes that excerpt only
    with write_session(corpus_db) as con:
        con.execute("UPDATE translations SET translated_text = 'Research on the role clarity of "
                    "experts by experience', status = 'human'")
    third = run_coding(corpus_db, None)
    assert third.coded == 1
    assert ("fi", "role_clarity", "translation") in _themes(corpus_db)


def test_a_run_after_a_complete_one_lists_nothing_until_an_excerpt_changes(corpus_db,
                                                                         monkeypatch):
    """Once a run left nothing to code, the next finds so from the lake's snapshot list
    (store.themes.coding_complete) without listing the excerpts; a change of an excerpt's
    language or a new excerpt lists them again."""
    from litrev.store import themes

    assert run_coding(corpus_db, None).coded == 5
    with monkeypatch.context() as quiet:
        quiet.setattr(themes, "coding_todo", lambda *a, **k: pytest.fail("listed again"))
        assert run_coding(corpus_db, None).coded == 0
    with write_session(corpus_db) as con:
        con.execute("UPDATE excerpts SET language = 'sv' WHERE language = 'fi'")
    assert run_coding(corpus_db, None).coded == 1
    assert run_coding(corpus_db, None).coded == 0
    with write_session(corpus_db) as con:
        con.execute("INSERT INTO excerpts SELECT * REPLACE ('x-new' AS excerpt_id, md5('x') AS "
                    "text_hash) FROM excerpts LIMIT 1")
    assert run_coding(corpus_db, None).coded == 1


def test_a_lake_built_again_at_the_path_is_coded_whatever_the_old_mark_says(corpus_db):
    """The mark names a snapshot by its number and its commit time: a lake deleted and built
    again beside the old one's cache folder, whose last change has the same number, is coded."""
    from litrev.store.db import last_change
    from litrev.store.themes import CODED_TABLES, COMPLETE_FILE, save_codebook

    assert run_coding(corpus_db, None).coded == 5
    marked = json.loads((Path(str(corpus_db) + ".cache") / COMPLETE_FILE).read_text("utf-8"))
    for path in corpus_db.parent.iterdir():
        if path.name != corpus_db.name + ".cache":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    with write_session(corpus_db) as con:
        corpus.build(con)
        save_codebook(con, load_codebook())  # stored, as a run that failed at once leaves it
        while last_change(con, CODED_TABLES)[0] < marked["snapshot"]:
            con.execute("UPDATE excerpts SET language = language")
        assert last_change(con, CODED_TABLES)[0] == marked["snapshot"]
    assert run_coding(corpus_db, None).coded == 5


def test_changing_the_codebook_recodes_everything(corpus_db, tmp_path):
    run_coding(corpus_db, None)
    text = Path(load_codebook().path).read_text(encoding="utf-8")
    edited = tmp_path / "edited.toml"
    # drop the Finnish term that coded the seed statement's collaboration
    edited.write_text(text.replace('"ammattilai* yhteistyö", ', ""), "utf-8")
    book = load_codebook(edited)
    summary = run_coding(corpus_db, None, codebook=book)
    assert summary.codebook_changed and summary.coded == 5
    stored = _themes(corpus_db)
    assert ("fi", "team_collaboration", "original") not in stored
    assert ("fi", "peer_workforce", "original") in stored
    with read_session(corpus_db) as con:
        versions = con.execute("SELECT DISTINCT codebook_version FROM excerpt_themes UNION "
                               "SELECT DISTINCT codebook_version FROM themes").fetchall()
    assert versions == [(book.version_key,)]


def test_litrev_code_all_recodes_and_prints_counts(corpus_db, capsys):
    assert main(["--db", str(corpus_db), "code"]) == 0
    out = capsys.readouterr().out
    assert "coded 5 excerpts" in out and "full-text index: english 5, finnish 1" in out
    assert main(["--db", str(corpus_db), "code"]) == 0
    assert "coded 0 excerpts" in capsys.readouterr().out
    assert main(["--db", str(corpus_db), "code", "--all", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["coded"] == 5 and summary["themes"]["peer_workforce"] == 4
