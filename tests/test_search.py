"""Full-text search: BM25 per language stemmer over originals and translations, snippets,
--lang and --theme filters, and searching while another process holds an open write.
Texts: tests/corpus.py (the seed page's statements) and tests/fixtures/themes (real abstracts
copied from shared/, see its README)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from litrev.extract.records import Excerpt, SourceRecord, Work
from litrev.flows.cli import main
from litrev.flows.coding import run_coding
from litrev.store.db import create_database, read_session, write_session
from litrev.store.errors import StoreError
from litrev.store.load import load_batch, records_to_batch
from litrev.store.search import content_snapshot, refresh_index, search

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "themes"


def demo_abstracts(*ids: str) -> list[dict]:
    rows = [json.loads(x) for x in
            (FIXTURES / "demo_works.jsonl").read_text(encoding="utf-8").splitlines()]
    rows += [json.loads(x) | {"language": json.loads(x)["lang"], "abstract": json.loads(x)["text"]}
             for x in (FIXTURES / "sentences.jsonl").read_text(encoding="utf-8").splitlines()]
    found = {r["id"]: r for r in rows}
    return [found[i] for i in ids]


def add_abstracts(db: Path, rows: list[dict]) -> dict[str, str]:
    """Load real abstracts as excerpts with their language; returns fixture id -> excerpt id."""
    records, ids = [], {}
    for r in rows:
        work = Work.create(title=r.get("title") or r["id"], year=r.get("year") or 2017,
                           language=r["language"])
        ex = Excerpt.create(work_id=work.work_id, kind="abstract", text=r["abstract"])
        records.append(SourceRecord("files", r["id"], work, (ex,)))
        ids[r["id"]] = ex.excerpt_id
    with write_session(db) as con:
        load_batch(con, records_to_batch(records), run_id="run-search")
        for r in rows:
            con.execute("UPDATE excerpts SET language = $l WHERE excerpt_id = $e",
                        {"l": r["language"], "e": ids[r["id"]]})
    return ids


@pytest.fixture
def searchable(corpus_db) -> tuple[Path, dict[str, str]]:
    """The test corpus plus real Finnish and Swedish abstracts, coded and indexed."""
    ids = add_abstracts(corpus_db, demo_abstracts(
        "fi-b6e757d39f", "fi-280bcb274d", "fi-8430670f71", "sv-6fdc4a85f6", "de-2d556c6360"))
    with read_session(corpus_db) as con:
        for key, text in (("statement", "Kokemusasiantuntijatoimintaan%"),
                          ("seed_abstract", "Background: Being aware%"),
                          ("mentioning_1", "Furthermore, our findings%"),
                          ("mentioning_2", "Furthermore, individuals%")):
            ids[key] = con.execute("SELECT excerpt_id FROM excerpts WHERE text LIKE $t",
                                   {"t": text}).fetchone()[0]
    run_coding(corpus_db, None)
    return corpus_db, ids


def test_finnish_base_form_finds_inflected_forms_and_ranks_by_bm25(searchable):
    db, ids = searchable
    with read_session(db) as con:
        hits = search(con, "kokemusasiantuntija")
    # "kokemusasiantuntijan", "kokemusasiantuntijoiden" (4 in a 206-word abstract) ranks above
    # one "kokemusasiantuntijoiden" in the seed statement; texts without the word are absent
    assert hits["excerpt_id"].tolist() == [ids["fi-b6e757d39f"], ids["statement"]]
    assert hits["score"].iloc[0] > hits["score"].iloc[1] > 0
    assert (hits["matched_in"] == "original").all() and (hits["language"] == "fi").all()
    statement = hits.iloc[1]
    assert "[kokemusasiantuntijoiden] ja ammattilaisten yhteistyötä" in statement["snippet"]
    assert statement["translation"] == "Research on expert-by-experience work has examined ..."
    assert statement["translation_status"] == "tm" and statement["doi"] == "10.5555/litrev.test.4"
    assert list(statement["themes"]) == ["peer_workforce", "team_collaboration"]


def test_english_query_stemmed_and_ranked(searchable):
    db, ids = searchable
    with read_session(db) as con:
        hits = search(con, "peer support workers", limit=3)
    assert hits["excerpt_id"].tolist()[:2] == [ids["seed_abstract"], ids["mentioning_1"]]
    assert "integration of [peer support workers] (PSWs)" in hits.iloc[0]["snippet"]
    assert hits.iloc[0]["title"].startswith("Challenges faced by peer support workers")
    assert hits.iloc[0]["year"] == 2020


def test_swedish_decomposed_text_found_by_base_form(searchable):
    db, ids = searchable
    with read_session(db) as con:
        hits = search(con, "arbetsförhållande")
    assert hits["excerpt_id"].tolist() == [ids["sv-6fdc4a85f6"]]
    assert "påverka sina [arbetsförhållanden] utifrån" in hits.iloc[0]["snippet"]
    assert list(hits.iloc[0]["themes"]) == ["pay_employment"]
    shown = hits.iloc[0]["text"]  # as stored: decomposed, not the composed copy indexed
    assert shown != unicodedata.normalize("NFC", shown)


def test_translation_is_searched_and_lang_filters_by_original_language(searchable):
    db, ids = searchable
    with read_session(db) as con:
        anywhere = search(con, "expert by experience")
        finnish = search(con, "expert by experience", lang="fi")
        english = search(con, "expert by experience", lang="en")
    assert anywhere["excerpt_id"].tolist() == [ids["statement"]]
    assert anywhere.iloc[0]["matched_in"] == "translation"
    assert anywhere.iloc[0]["snippet"] == "Research on [expert-by-experience] work has examined ..."
    assert finnish["excerpt_id"].tolist() == [ids["statement"]]
    assert english.empty


def test_theme_filter(searchable):
    db, ids = searchable
    with read_session(db) as con:
        everything = search(con, "PSWs")
        networks = search(con, "PSWs", theme="peer_networks")
        nothing = search(con, "PSWs", theme="pay_employment")
    # "PSWs" stems to itself in English, so the singular "PSW" (mentioning_2) is not found
    assert set(everything["excerpt_id"]) == {ids["seed_abstract"], ids["mentioning_1"]}
    assert networks["excerpt_id"].tolist() == [ids["mentioning_1"]]
    assert nothing.empty
    with read_session(db) as con, pytest.raises(StoreError) as err:
        search(con, "PSWs", theme="networks")
    assert str(err.value).startswith("unknown theme 'networks'; the codebook has: disclosure, ")


def test_search_answers_while_another_process_holds_an_open_write_transaction(searchable,
                                                                              capsys):
    db, ids = searchable
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\n"
         "from litrev.store.db import write_session\n"
         "with write_session(sys.argv[1]) as con:\n"
         "    con.execute('BEGIN TRANSACTION')\n"
         "    con.execute('DELETE FROM excerpts')\n"
         "    print('holding', flush=True)\n"
         "    time.sleep(60)\n",
         str(db)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        assert main(["--db", str(db), "search", "kokemusasiantuntija", "--lang", "fi",
                     "--limit", "1"]) == 0
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("1. [fi] abstract  ")
    assert "[kokemusasiantuntijan]" in out


def test_cli_prints_snippet_translation_and_themes(searchable, capsys):
    db, _ = searchable
    assert main(["--db", str(db), "search", "yhteistyö", "--lang", "fi"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == ("1. [fi] citation_statement  Kokemusasiantuntijatoiminta (2024)  "
                        "doi:10.5555/litrev.test.4  score " + lines[0].rsplit(" ", 1)[1])
    assert lines[1] == "   themes: peer_workforce, team_collaboration"
    assert "ammattilaisten [yhteistyötä]" in out
    assert "translation (en, tm): Research on expert-by-experience work has examined ..." in out
    assert main(["--db", str(db), "search", "yhteistyö", "--format", "csv"]) == 0
    csv = capsys.readouterr().out.splitlines()
    assert csv[0].startswith("excerpt_id,score,matched_in,language,kind,title,year,doi,themes")
    assert main(["--db", str(db), "search", "Genesungsbegleiter"]) == 0
    assert capsys.readouterr().out == "no excerpts match 'Genesungsbegleiter'\n"


def test_an_empty_lake_is_searched_without_a_build_step(tmp_path, capsys):
    """The index is a cache derived from the lake: nothing to build first, nothing found."""
    db = create_database(tmp_path / "empty.ducklake")
    with read_session(db) as con:
        assert search(con, "peer").empty
    assert main(["--db", str(db), "search", "peer"]) == 0
    assert capsys.readouterr().out == "no excerpts match 'peer'\n"
    with read_session(db) as con, pytest.raises(StoreError, match="empty"):
        search(con, "  ")


def test_a_lake_created_again_at_the_same_path_is_searched_anew(tmp_path):
    """A review folder's lake deleted and created again numbers its snapshots from the start,
    beside the old lake's index cache: its searches must not answer from the old lake's."""
    db = tmp_path / "review.ducklake"
    finnish, swedish = demo_abstracts("fi-b6e757d39f", "sv-6fdc4a85f6")
    words = {r["id"]: {w.lower() for w in r["abstract"].split() if w.isalpha() and len(w) > 9}
             for r in (finnish, swedish)}
    only_finnish = sorted(words[finnish["id"]] - words[swedish["id"]])[0]
    only_swedish = sorted(words[swedish["id"]] - words[finnish["id"]])[0]
    create_database(db)
    add_abstracts(db, [finnish])
    with read_session(db) as con:
        before = content_snapshot(con)[0]
        assert len(search(con, only_finnish)) == 1
    for path in tmp_path.iterdir():  # the lake goes; its cache folder stays
        if path.name != "review.ducklake.cache":
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    create_database(db)
    add_abstracts(db, [swedish])
    with read_session(db) as con:
        assert content_snapshot(con)[0] == before  # the same snapshot number, another lake
        assert search(con, only_finnish).empty
        assert len(search(con, only_swedish)) == 1


def test_refresh_index_drops_languages_no_longer_present(searchable):
    db, _ = searchable
    with write_session(db) as con:
        con.execute("DELETE FROM excerpts WHERE language <> 'en'")
        assert refresh_index(con) == {"english": 4}
    with read_session(db) as con:
        assert search(con, "kokemusasiantuntija").empty
        assert not search(con, "peer support").empty
    # the newest manifest names the English file only (older ones stay for --as-of searches)
    cache = Path(str(db) + ".cache")
    newest = max(cache.glob("manifest-*.json"), key=lambda p: int(p.stem.split("-")[1]))
    assert list(json.loads(newest.read_text(encoding="utf-8"))) == ["english"]


def test_refresh_rebuilds_only_the_indexes_whose_texts_changed(searchable):
    """Each stemmer's index is its own immutable cache file named by its texts' fingerprint:
    a changed translation rebuilds the English file only; readers see it at once."""
    db, ids = searchable
    cache = Path(str(db) + ".cache")

    def files():
        return {(p.name, p.stat().st_mtime_ns) for p in cache.glob("fts-*.duckdb")}

    with write_session(db) as con:
        refresh_index(con)
    before = files()
    assert {name.split("-")[1] for name, _ in before} == {"english", "finnish", "german",
                                                          "swedish"}
    with write_session(db) as con:
        refresh_index(con)
        assert files() == before  # nothing changed, nothing rebuilt
        con.execute("UPDATE translations SET translated_text = 'Experts by experience and "
                    "professionals cooperate in hospitals'")
        refresh_index(con)
    after = files()
    assert [name.split("-")[1] for name, _ in after - before] == ["english"]
    with read_session(db) as con:
        hits = search(con, "cooperate")
    assert hits["excerpt_id"].tolist() == [ids["statement"]]


def test_a_night_that_changes_no_searched_text_reuses_the_index(searchable):
    """The index is named by the last snapshot that changed excerpts or translations: a write
    of reviewers' decisions only is a newer snapshot with the same index (no manifest, no
    file); a new excerpt makes a new one, which finds it."""
    db, ids = searchable
    cache = Path(str(db) + ".cache")
    with write_session(db) as con:
        refresh_index(con)
    manifests = {p.name for p in cache.glob("manifest-*.json")}
    files = {p.name for p in cache.glob("fts-*.duckdb")}
    with write_session(db) as con:
        con.execute("INSERT INTO reviews VALUES ($e, 'include', 'relevant', NULL, 'r.xlsx', "
                    "now())", {"e": ids["statement"]})
    with read_session(db) as con:
        assert not search(con, "kokemusasiantuntija").empty
    assert {p.name for p in cache.glob("manifest-*.json")} == manifests
    assert {p.name for p in cache.glob("fts-*.duckdb")} == files
    added = add_abstracts(db, [{"id": "extra", "title": "Vertaistuki", "language": "fi",
                                "abstract": "Vertaistukihenkilöt osastolla."}])
    with read_session(db) as con:
        hits = search(con, "vertaistukihenkilö", lang="fi")
    assert hits["excerpt_id"].tolist() == [added["extra"]]
    assert len({p.name for p in cache.glob("manifest-*.json")} - manifests) == 1


def test_a_language_corrected_on_excerpts_reaches_the_index_of_their_translations(searchable):
    """--lang filters by the original's language, which the index keeps with each translation:
    two Finnish abstracts corrected to Swedish are found among Swedish excerpts by a word of
    their English translations (a change of the same value on an even number of texts must
    change the index's fingerprint too)."""
    db, ids = searchable
    with write_session(db) as con:
        pair = [r[0] for r in con.execute(
            "SELECT text_hash FROM excerpts WHERE language = 'fi' AND kind = 'abstract' "
            "ORDER BY excerpt_id LIMIT 2").fetchall()]
        for text_hash in pair:
            con.execute("INSERT INTO translations (text_hash, target_language, "
                        "source_language, translated_text, provider, status, created_at, "
                        "updated_at) VALUES ($h, 'en', 'fi', 'Zebrafinches in hospital wards.', "
                        "'test', 'machine', now(), now())", {"h": text_hash})
        refresh_index(con)
    with read_session(db) as con:
        assert len(search(con, "zebrafinch", lang="fi")) == 2
    with write_session(db) as con:
        con.execute("UPDATE excerpts SET language = 'sv' WHERE list_contains($h, text_hash)",
                    {"h": pair})
        refresh_index(con)
    with read_session(db) as con:
        assert search(con, "zebrafinch", lang="fi").empty
        found = search(con, "zebrafinch", lang="sv")
    assert len(found) == 2 and set(found["matched_in"]) == {"translation"}


def test_a_cache_of_another_index_format_is_rebuilt_whole(searchable, monkeypatch):
    """An upgrade that changes what an index file holds rebuilds every stemmer's file, whether
    it has an odd or an even number of texts, and drops the files of the earlier format."""
    import litrev.store.search as store_search

    db, _ = searchable
    cache = Path(str(db) + ".cache")
    with write_session(db) as con:
        counts = refresh_index(con)
    assert {n % 2 for n in counts.values()} == {0, 1}, counts  # both kinds are tried
    before = {p.name for p in cache.glob("fts-*.duckdb")}
    monkeypatch.setattr(store_search, "INDEX_FORMAT", store_search.INDEX_FORMAT + 1)
    with write_session(db) as con:
        assert refresh_index(con) == counts
    after = {p.name for p in cache.glob("fts-*.duckdb")}
    assert after.isdisjoint(before) and len(after) == len(counts)
    # the earlier format's files and manifests are gone: this litrev never reads them
    assert [p.name.endswith(f"-f{store_search.INDEX_FORMAT}.json")
            for p in cache.glob("manifest-*.json")] == [True]


def test_a_corrected_title_or_translation_status_shows_in_the_next_search(searchable):
    """A search shows works and translations from the index files: a title corrected in the
    lake, or a translation a reviewer confirmed (same text, status human), is what the next
    search shows."""
    db, ids = searchable
    with read_session(db) as con:
        before = search(con, "yhteistyö", lang="fi").iloc[0]
    assert before["excerpt_id"] == ids["statement"] and before["translation_status"] == "tm"
    with write_session(db) as con:
        con.execute("UPDATE works SET title = 'Kokemusasiantuntijuus sairaalassa' WHERE work_id "
                    "= (SELECT work_id FROM excerpts WHERE excerpt_id = $e)",
                    {"e": ids["statement"]})
        refresh_index(con)
    with read_session(db) as con:
        assert search(con, "yhteistyö", lang="fi").iloc[0]["title"] == \
            "Kokemusasiantuntijuus sairaalassa"
    with write_session(db) as con:
        con.execute("UPDATE translations SET status = 'human'")
        refresh_index(con)
    with read_session(db) as con:
        after = search(con, "yhteistyö", lang="fi").iloc[0]
    assert after["translation_status"] == "human"
    assert after["translation"] == before["translation"]


def test_a_hit_shows_the_translation_into_the_target_language_else_the_most_trusted(
        searchable):
    """An excerpt translated into several languages shows the one into the target language;
    without a target, a reviewer's (human) before translation memory's before a machine's."""
    db, ids = searchable
    with write_session(db) as con:
        text_hash = con.execute("SELECT text_hash FROM excerpts WHERE excerpt_id = $e",
                                {"e": ids["statement"]}).fetchone()[0]
        for lang, text, status in (("de", "Erfahrungsexperten arbeiten mit Fachleuten.", "human"),
                                   ("sv", "Erfarenhetsexperter samarbetar.", "machine")):
            con.execute("INSERT INTO translations (text_hash, target_language, source_language, "
                        "translated_text, provider, status, created_at, updated_at) VALUES "
                        "($h, $l, 'fi', $t, 'test', $s, now(), now())",
                        {"h": text_hash, "l": lang, "t": text, "s": status})
        refresh_index(con)

    def shown(target):
        with read_session(db) as con:
            hit = search(con, "yhteistyö", lang="fi", target_language=target).iloc[0]
        assert hit["excerpt_id"] == ids["statement"]
        return hit["target_language"], hit["translation_status"]

    assert shown("en") == ("en", "tm")
    assert shown("sv") == ("sv", "machine")
    assert shown(None) == ("de", "human")


# The ranking search() replaced: the fts extension's own index (built by its PRAGMA over every
# text of each stemmer's index file, copied into memory) and its match_bm25 macro over every
# text, the best text per excerpt, filtered by the original's language.
MATCH_BM25 = """
SELECT split_part(doc_id, ':', 1) AS excerpt_id, score
FROM (SELECT doc_id, memory.fts_memory_{ref}.match_bm25(doc_id, $q) AS score
      FROM memory.memory.{ref})
WHERE score IS NOT NULL
"""


# The extension's index over the texts of one index file ({cache}: its alias; {ref}: the copy).
FTS_REFERENCE = """
CREATE SCHEMA IF NOT EXISTS memory.memory;
CREATE OR REPLACE TABLE memory.memory.{ref} AS
SELECT doc_id, text FROM {cache}.main.docs ORDER BY doc_id;
"""
FTS_REFERENCE_INDEX = r"""
PRAGMA create_fts_index('memory.memory.{ref}', 'doc_id', 'text', stemmer = '{stemmer}',
                        stopwords = '{stopwords}', ignore = '[^\p{L}\p{N}]+',
                        strip_accents = 0, lower = 1, overwrite = 1)
"""
# One table of an index, in a stable order ({schema}: the index's schema).
INDEX_TABLE = "SELECT {columns} FROM {schema}.{table} ORDER BY ALL"


def fts_reference(con, alias: str) -> str:
    """The fts extension's index of one index file's texts, with the options litrev gives it;
    the name of its table in memory."""
    stemmer = con.execute("SELECT any_value(stemmer) FROM {cache}.main.docs".replace(
        "{cache}", alias)).fetchone()[0]
    ref = "ref_" + alias
    con.execute(FTS_REFERENCE.replace("{ref}", ref).replace("{cache}", alias))
    con.execute(FTS_REFERENCE_INDEX.replace("{ref}", ref).replace("{stemmer}", stemmer)
                .replace("{stopwords}", "english" if stemmer == "english" else "none"))
    return ref


def bm25_reference(con, refs: list[str], text: str, lang: str | None) -> list[tuple]:
    scores: dict[str, float] = {}
    for ref in refs:
        for excerpt_id, score in con.execute(MATCH_BM25.replace("{ref}", ref),
                                             {"q": text}).fetchall():
            scores[excerpt_id] = max(score, scores.get(excerpt_id, score))
    if lang is not None:
        kept = {r[0] for r in con.execute("SELECT excerpt_id FROM excerpts WHERE language = $l",
                                          {"l": lang}).fetchall()}
        scores = {k: v for k, v in scores.items() if k in kept}
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:20]


def test_bm25_over_the_query_terms_ranks_as_the_fts_macro_did(corpus_db):
    """Scoring only the postings of the query's terms gives the top 20 and scores of the fts
    extension's match_bm25 over its own index of the same texts; litrev's index tables hold
    what the extension's hold (every term and its document frequency, every text's length,
    the corpus statistics)."""
    from litrev.store.search import attach_index

    rows = [json.loads(x) for x in
            (FIXTURES / "demo_works.jsonl").read_text(encoding="utf-8").splitlines()]
    add_abstracts(corpus_db, [r for r in rows if r.get("abstract")])
    run_coding(corpus_db, None)
    queries = [("peer support workers", None), ("peer support", "en"), ("mental health", None),
               ("kokemusasiantuntija", None), ("vertaistuki", "fi"), ("Einsamkeit", None),
               ("role clarity training", "en"), ("recovery", "fi"), ("stigma", None)]
    compared = 0
    with read_session(corpus_db) as con:
        aliases = attach_index(con)
        assert len(aliases) >= 3  # English, Finnish, German at least: several stemmers ranked
        refs = [fts_reference(con, alias) for alias in aliases]
        for alias, ref in zip(aliases, refs, strict=True):
            for table, columns in (("dict", "term, df"), ("docs", "docid, name, len"),
                                   ("stats", "num_docs, avgdl")):
                query = INDEX_TABLE.replace("{columns}", columns).replace("{table}", table)
                ours = con.execute(query.replace("{schema}", alias + ".fts_main_docs")
                                   ).fetchall()
                theirs = con.execute(query.replace("{schema}", "memory.fts_memory_" + ref)
                                     ).fetchall()
                assert ours == theirs and ours, (alias, table)
        for text, lang in queries:
            expected = bm25_reference(con, refs, text, lang)
            got = search(con, text, lang=lang, limit=20)
            assert got["excerpt_id"].tolist() == [e for e, _ in expected], (text, lang)
            assert got["score"].tolist() == pytest.approx([s for _, s in expected], abs=1e-9)
            compared += len(expected)
    assert compared >= 40  # the queries match many texts, not a handful
