"""Every saved query in queries/ runs against the test corpus and returns what it should.

A new query file must add its check to CHECKS: `test_every_saved_query_has_a_check` fails
otherwise. Queries about themes, translations and reviews are checked on the review corpus
(:mod:`tests.corpus_review`, a superset of :mod:`tests.corpus`): list them in ON_REVIEW_CORPUS.
"""

from __future__ import annotations

import pandas as pd
import pytest

from litrev.store.db import read_session, write_session
from litrev.store.queries import run_saved, saved_queries
from litrev.store.reading_copy import reading_session
from tests import corpus_review
from tests.corpus import FINNISH_STATEMENT, SEED_DOI
from tests.corpus_review import EINSAMKEIT_MACHINE, FORMULA, NORTON_DOI


def check_excerpts_by_language(run):
    rows = run({}).to_dict("records")
    assert {(r["language"], r["kind"], r["excerpts"]) for r in rows} == {
        ("en", "citation_statement", 3), ("en", "abstract", 1), ("fi", "citation_statement", 1)}
    only = run({"kind": "abstract"})
    assert only["excerpts"].tolist() == [1]


def check_citation_statements_of_work(run):
    df = run({"doi": SEED_DOI})
    assert len(df) == 4
    assert df["year"].tolist() == [2024, 2023, 2022, 2021]  # newest first
    first = df.iloc[0]
    assert first["statement"] == FINNISH_STATEMENT and first["language"] == "fi"
    assert first["stance"] == "unclassified"
    supporting = df[df["stance"] == "supporting"].iloc[0]
    assert supporting["section"] == "Discussion" and supporting["confidence"] == 0.91
    assert run({"doi": SEED_DOI, "limit": "1"}).shape[0] == 1
    assert run({"doi": "10.9999/none"}).empty


def check_stance_tallies(run):
    df = run({})
    assert len(df) == 1
    row = df.iloc[0]
    assert row["cited_doi"] == SEED_DOI
    assert (row["supporting"], row["mentioning"], row["contrasting"], row["unclassified"],
            row["statements"], row["citing_works"]) == (1, 2, 0, 1, 4, 4)
    assert run({"min_statements": "5"}).empty
    assert run({"limit": "0"}).empty


def check_prisma_counts(run):
    df = run({}).set_index("source")
    assert df.loc["openalex", "records_identified"] == 105
    assert df.loc["openalex", "duplicates_in_run"] == 2
    assert df.loc["openalex", "excluded_by_automation"] == 1
    assert df.loc["openalex", "records_screened"] == 104  # 105 new less 1 excluded
    assert df.loc["crossref", "failed_searches"] == 1
    assert df.loc["crossref", "duplicates_in_run"] == 20
    since = run({"since": "2026-11-10"}).set_index("source")
    assert since.loc["openalex", "records_identified"] == 5 and since.loc["openalex", "runs"] == 1


def check_themes_by_language(run):
    rows = {(r["theme_id"], r["language"]): (r["label"], r["excerpts"])
            for r in run({}).to_dict("records")}
    assert rows == {
        ("peer_networks", "en"): ("Peer networks among PSWs", 1),
        ("role_clarity", "en"): ("Role clarity and role definition", 2),
        ("team_collaboration", "en"): ("Team communication and collaboration", 3),
        ("team_collaboration", "fi"): ("Team communication and collaboration", 2),
        ("training", "en"): ("Training and qualification", 1),
        ("workload_strain", "en"): ("Workload, emotional strain and relapse", 2),
    }
    abstracts = run({"kind": "abstract"}).to_dict("records")
    assert {(r["theme_id"], r["language"], r["excerpts"]) for r in abstracts} == {
        ("team_collaboration", "fi", 1), ("workload_strain", "en", 1)}


def check_themes_by_year(run):
    df = run({})
    team = df[df["theme_id"] == "team_collaboration"]
    # 2021: the seed statement of "Framework for peer work" and Norton's two statements (one
    # work); 2024: the Finnish statement; no year: the Finnish thesis abstract.
    years = team["year"].tolist()  # integers with a gap: None, not NaN or 2021.0
    assert years == [2021, 2024, None]
    assert team["excerpts"].tolist() == [3, 1, 1] and team["works"].tolist() == [2, 1, 1]
    recent = run({"from_year": "2023"})
    assert sorted(zip(recent["theme_id"], recent["year"].astype(int), strict=True)) == [
        ("team_collaboration", 2024), ("training", 2023), ("workload_strain", 2023)]


def check_excerpts_of_theme(run):
    df = run({"theme": "team_collaboration"})
    assert len(df) == 5
    finnish = df[df["language"] == "fi"].set_index("kind")
    statement = finnish.loc["citation_statement"]
    assert statement["text"] == FINNISH_STATEMENT
    assert statement["translation"].startswith("Research on expert-by-experience work")
    assert statement["translation_status"] == "tm"
    assert statement["matched_in"] == "original" and statement["matched_terms"] == "yhteistyö"
    assert finnish.loc["abstract", "text"].startswith("Tiivistelmä: Hoitotyöntekijöiden")
    assert df.iloc[0]["year"] == 2021  # oldest work first
    workload = run({"theme": "workload_strain"})
    assert workload.iloc[0]["doi"] == "10.1080/01612840.2017.1324929"
    assert workload.iloc[1]["matched_terms"] == "overwork, symptom recurrence"
    assert run({"theme": "training", "limit": "0"}).empty
    assert run({"theme": "no_such_theme"}).empty


def check_excerpts_in_language(run):
    fi = run({})
    assert fi["kind"].tolist() == ["citation_statement", "abstract"]  # 2024 work, then no year
    assert fi.iloc[0]["translation_status"] == "tm"
    assert fi.iloc[1]["translation_status"] == "untranslated"
    assert fi.iloc[1]["text"].startswith("Tiivistelmä: Hoitotyöntekijöiden kokemuksia")
    de = run({"lang": "de"}).iloc[0]
    assert (de["title"], de["doi"], de["translation"], de["translation_status"]) == (
        "Einsamkeit", "10.1026/03172-000", EINSAMKEIT_MACHINE, "machine")
    assert run({"lang": "fi", "kind": "abstract"}).shape[0] == 1
    assert run({"limit": "1"})["excerpt_id"].tolist() == fi["excerpt_id"].tolist()[:1]
    assert run({"lang": "fi", "target": "de"})["translation_status"].tolist() == [
        "untranslated", "untranslated"]


def check_contrasting_statements(run):
    df = run({})
    assert len(df) == 1
    row = df.iloc[0]
    assert row["statement"].startswith("In contrast, Vennik and colleagues [14]")
    assert row["confidence"] == 0.8 and row["citing_doi"] == NORTON_DOI and row["year"] == 2021
    assert row["cited_work"] == "Co-production in healthcare: Rhetoric and practice"
    assert row["section"] == "1.1. Co-Production—A Brief Introduction (Introduction)"
    assert run({"min_confidence": "0.9"}).empty
    assert run({"limit": "0"}).empty
    assert run({"cited_doi": SEED_DOI}).empty  # the seed work is supported and mentioned only


def check_theme_cooccurrence(run):
    df = run({})
    assert [(r["theme_a"], r["theme_b"], r["excerpts"]) for r in df.to_dict("records")] == [
        ("peer_networks", "role_clarity", 1), ("role_clarity", "team_collaboration", 1),
        ("training", "workload_strain", 1)]
    assert run({"min_excerpts": "2"}).empty


def check_untranslated_backlog(run):
    df = run({})
    assert [(r["language"], r["status"]) for r in df.to_dict("records")] == [
        ("fi", "untranslated"), ("sv", "pending")]
    assert df.iloc[1]["error"] == "translation provider unreachable"
    assert df.iloc[0]["title"].startswith("Hoitotyöntekijöiden kokemuksia")
    # Into German, everything not German is backlog; the German abstract is not.
    into_de = run({"target": "de"})
    assert len(into_de) == 12 and "de" not in set(into_de["language"])
    assert run({"target": "de", "limit": "3"})["excerpt_id"].tolist() == \
        into_de["excerpt_id"].tolist()[:3]


def check_new_since(run):
    df = run({"since": "2026-11-10"})
    assert len(df) == 8
    assert set(df["text"].str[:14]) >= {FORMULA[:14], "Etwa 5 bis 10%", "Bakgrund: Covi"}
    assert FINNISH_STATEMENT not in set(df["text"])  # first seen on 2026-11-01
    assert len(run({"since": "2026-11-01"})) == 13
    assert len(run({"since": "2026-11-01", "limit": "5"})) == 5
    assert run({"since": "2026-11-21"}).empty
    statements = run({"since": "2026-11-10", "kind": "citation_statement"})
    assert statements["doi"].tolist() == [NORTON_DOI, NORTON_DOI]


def check_review_decisions(run):
    df = run({})
    assert len(df) == 1
    row = df.iloc[0]
    assert (row["decision"], row["note"], row["year"], row["reviewer_file"]) == (
        "include", "clear statement on role clarity", 2021, "round1.xlsx")
    assert not row["translation_corrected"]
    assert run({"decision": "Include"}).shape[0] == 1
    assert run({"decision": "exclude"}).empty
    assert run({"limit": "0"}).empty


CHECKS = {
    "excerpts_by_language": check_excerpts_by_language,
    "citation_statements_of_work": check_citation_statements_of_work,
    "stance_tallies": check_stance_tallies,
    "prisma_counts": check_prisma_counts,
    "themes_by_language": check_themes_by_language,
    "themes_by_year": check_themes_by_year,
    "excerpts_of_theme": check_excerpts_of_theme,
    "excerpts_in_language": check_excerpts_in_language,
    "contrasting_statements": check_contrasting_statements,
    "theme_cooccurrence": check_theme_cooccurrence,
    "untranslated_backlog": check_untranslated_backlog,
    "new_since": check_new_since,
    "review_decisions": check_review_decisions,
}
ON_REVIEW_CORPUS = set(CHECKS) - {"excerpts_by_language", "citation_statements_of_work",
                                  "stance_tallies", "prisma_counts"}


@pytest.fixture
def review_db(store):
    db = store
    with write_session(db) as con:
        corpus_review.build(con)
    return db


def test_every_saved_query_has_a_check():
    assert sorted(saved_queries()) == sorted(CHECKS)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_saved_query_result(request, name, store):  # store: run on each backend
    query = saved_queries()[name]
    db = request.getfixturevalue("review_db" if name in ON_REVIEW_CORPUS else "corpus_store")
    with read_session(db) as con:
        CHECKS[name](lambda params: run_saved(con, query, params))


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_saved_query_gives_the_same_rows_on_the_reading_copy(request, name, store):
    """`litrev query run` answers from the reading copy: the same checks hold there, and every
    row is the one the lake itself gives (the copy's sorted tables change no answer)."""
    query = saved_queries()[name]
    db = request.getfixturevalue("review_db" if name in ON_REVIEW_CORPUS else "corpus_store")
    answers = []

    def run_on_copy(params):
        answers.append((params, run_saved(con, query, params)))
        return answers[-1][1]

    with reading_session(db) as con:
        CHECKS[name](run_on_copy)
    with read_session(db) as con:
        for params, on_copy in answers:
            pd.testing.assert_frame_equal(on_copy, run_saved(con, query, params))


def test_every_placeholder_is_declared():
    for q in saved_queries().values():
        declared = {p.name for p in q.params}
        assert q.placeholders() <= declared, q.name
