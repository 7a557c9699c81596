"""Every saved query in queries/ runs against the test corpus and returns what it should.

A new query file must add its check to CHECKS: `test_every_saved_query_has_a_check` fails
otherwise.
"""

from __future__ import annotations

import pytest

from store.db import read_session
from store.queries import run_saved, saved_queries
from tests.corpus import FINNISH_STATEMENT, SEED_DOI


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


def check_prisma_counts(run):
    df = run({}).set_index("source")
    assert df.loc["openalex", "records_identified"] == 105
    assert df.loc["openalex", "duplicates_removed"] == 2
    assert df.loc["openalex", "excluded_by_automation"] == 1
    assert df.loc["openalex", "records_screened"] == 102
    assert df.loc["crossref", "failed_searches"] == 1
    assert df.loc["crossref", "duplicates_removed"] == 20
    since = run({"since": "2026-11-10"}).set_index("source")
    assert since.loc["openalex", "records_identified"] == 5 and since.loc["openalex", "runs"] == 1


CHECKS = {
    "excerpts_by_language": check_excerpts_by_language,
    "citation_statements_of_work": check_citation_statements_of_work,
    "stance_tallies": check_stance_tallies,
    "prisma_counts": check_prisma_counts,
}


def test_every_saved_query_has_a_check():
    assert sorted(saved_queries()) == sorted(CHECKS)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_saved_query_result(corpus_db, name):
    query = saved_queries()[name]
    with read_session(corpus_db) as con:
        CHECKS[name](lambda params: run_saved(con, query, params))


def test_every_placeholder_is_declared():
    for q in saved_queries().values():
        declared = {p.name for p in q.params}
        assert q.placeholders() <= declared, q.name
