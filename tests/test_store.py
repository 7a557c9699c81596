"""The store: migrations, idempotent all-or-nothing loads, refusing newer schemas."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from litrev.extract.records import Excerpt, SourceRecord, Work
from litrev.store import db as dbmod
from litrev.store import load as loadmod
from litrev.store.db import read_session, write_session
from litrev.store.errors import LoadError, SchemaTooNew
from litrev.store.load import load_batch, records_to_batch
from tests import corpus
from tests.conftest import store_env

TABLES = ("works", "work_sources", "citations", "excerpts", "excerpt_sources")


def snapshot_rows(con):
    out = {}
    for table in TABLES:
        out[table] = con.execute(f"SELECT * EXCLUDE (first_seen, last_seen) FROM {table} "  # noqa: S608
                                 "ORDER BY ALL").fetchall()
    return out


def test_loading_the_same_batch_twice_gives_identical_rows_and_ids(store):
    """Nothing is rewritten when nothing changed: the second load leaves every row as it was
    (last_seen included) and commits no snapshot that touches a corpus table."""
    db = store
    with write_session(db) as con:
        first = load_batch(con, records_to_batch(corpus.seed_records()), run_id="r1")
        rows1 = snapshot_rows(con)
        seen1 = con.execute("SELECT max(last_seen) FROM works").fetchone()[0]
        snaps1 = len(dbmod.snapshots(con))
        second = load_batch(con, records_to_batch(corpus.seed_records()), run_id="r2")
        rows2 = snapshot_rows(con)
        seen2, first_seen = con.execute(
            "SELECT max(last_seen), min(first_seen) FROM works").fetchone()
        snaps2 = len(dbmod.snapshots(con))
    assert {k: len(v) for k, v in rows1.items()} == {
        "works": 5, "work_sources": 9, "citations": 4, "excerpts": 5, "excerpt_sources": 5}
    assert rows1 == rows2
    assert seen2 == seen1 and first_seen <= seen1
    assert snaps2 == snaps1
    assert first.by_source["files"].new_records == 5
    assert second.by_source["files"].new_records == 0
    assert second.by_source["files"].unchanged_records == 5
    assert second.new_excerpts == 0


def test_an_error_in_the_middle_of_a_load_leaves_no_partial_batch(store, monkeypatch):
    db = store
    with write_session(db) as con:
        load_batch(con, records_to_batch(corpus.seed_records()[:2]), run_id="r1")
        before = snapshot_rows(con)
        real = loadmod.internal

        def failing(name):  # works and work_sources merge, then excerpts fail
            if name == "merge_excerpts":
                raise RuntimeError("disk on fire")
            return real(name)

        monkeypatch.setattr(loadmod, "internal", failing)
        with pytest.raises(LoadError, match="nothing of it was stored"):
            load_batch(con, records_to_batch(corpus.seed_records()), run_id="r2")
        assert snapshot_rows(con) == before


def test_a_constraint_violation_in_the_batch_rolls_everything_back(store):
    db = store
    good = corpus.seed_records()
    with write_session(db) as con:
        batch = records_to_batch(good)
        batch.excerpts.loc[len(batch.excerpts) - 1, "text"] = None  # NOT NULL column
        with pytest.raises(LoadError):
            load_batch(con, batch, run_id="r1")
        assert con.execute("SELECT count(*) FROM works").fetchone()[0] == 0


def test_same_work_from_three_sources_with_different_dois_is_one_work(store):
    variants = [("openalex", "https://doi.org/10.1177/0020764020904764"),
                ("crossref", "10.1177/0020764020904764"),
                ("semanticscholar", "DOI:10.1177/0020764020904764 ")]
    records = [SourceRecord(src, f"{src}-id", Work.create(doi=doi, title="Challenges",
                                                           year=2020))
               for src, doi in variants]
    with write_session(store) as con:
        counts = load_batch(con, records_to_batch(records), run_id="r1")
        assert con.execute("SELECT count(*) FROM works").fetchone()[0] == 1
        assert con.execute("SELECT count(*), count(DISTINCT source) FROM work_sources"
                           ).fetchone() == (3, 3)
    assert sum(c.duplicates_across for c in counts.by_source.values()) == 2


def test_one_citation_context_from_two_sources_is_one_excerpt(store):
    seed = Work.create(doi=corpus.SEED_DOI, title="Seed")
    citing = Work.create(doi="10.5555/x", title="Citing")
    text = "Peer workers reported role ambiguity (Otte et al., 2020)."
    recs = [SourceRecord(src, "r", citing,
                         (Excerpt.create(work_id=citing.work_id, kind="citation_statement",
                                         text=text if src == "a" else "  " + text.upper(),
                                         cited_work_id=seed.work_id),), (seed,))
            for src in ("a", "b")]
    with write_session(store) as con:
        load_batch(con, records_to_batch(recs), run_id="r1")
        assert con.execute("SELECT count(*) FROM excerpts").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM excerpt_sources").fetchone()[0] == 2


def _file_digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_database_from_a_newer_schema_is_refused_and_left_untouched(tmp_path):
    db = tmp_path / "future.ducklake"
    with write_session(db) as con:
        con.execute("INSERT INTO schema_version VALUES (999, '999_future.sql', now())")
    digest, mtime = _file_digest(db), db.stat().st_mtime_ns
    with pytest.raises(SchemaTooNew, match="upgrade litrev"):
        with write_session(db):
            pass
    with pytest.raises(SchemaTooNew):
        with read_session(db):
            pass
    assert _file_digest(db) == digest and db.stat().st_mtime_ns == mtime


def test_an_older_database_is_migrated_in_a_transaction(store, monkeypatch):
    db = store
    real = dbmod.migrations()
    with write_session(db) as con:  # today's load_batch needs today's schema: plain SQL here
        con.register("old_works", records_to_batch(corpus.seed_records()).works)
        con.execute("INSERT INTO works BY NAME SELECT *, now() AS first_seen, "
                    "now() AS last_seen FROM old_works")

    broken = real + [(real[-1][0] + 1, "broken.sql",
                      "CREATE TABLE later (x INT); SELECT * FROM no_such_table;")]
    monkeypatch.setattr(dbmod, "migrations", lambda: broken)
    with pytest.raises(duckdb.CatalogException):
        with write_session(db):
            pass
    con = dbmod.connect(dbmod.location_of(db), read_only=True)
    try:
        assert dbmod.schema_version(con) == real[-1][0]
        assert con.execute("SELECT count(*) FROM information_schema.tables "
                           "WHERE table_name = 'later'").fetchone()[0] == 0
    finally:
        con.close()

    good = real + [(real[-1][0] + 1, "later.sql", "ALTER TABLE works ADD COLUMN note VARCHAR;")]
    monkeypatch.setattr(dbmod, "migrations", lambda: good)
    with write_session(db) as con:
        assert dbmod.schema_version(con) == real[-1][0] + 1
        assert con.execute("SELECT count(*) FROM works WHERE note IS NULL").fetchone()[0] == 5


READER = """
import sys, time
from litrev.store.db import read_session
with read_session(sys.argv[1]) as con:
    print(con.execute("SELECT count(*) FROM works").fetchone()[0], flush=True)
"""


def test_a_reader_answers_while_another_process_holds_an_open_write_transaction(corpus_store):
    """Readers never wait for a writer: another process reads the last committed corpus while
    this one holds the writer lock and an uncommitted transaction, then sees the commit."""
    import os
    import subprocess
    import sys

    def read_in_other_process() -> str:
        target, extra_env = store_env(corpus_store)
        env = {k: v for k, v in os.environ.items() if not k.startswith("LITREV_")}
        done = subprocess.run([sys.executable, "-c", READER, target], capture_output=True,
                              text=True, timeout=120, env={**env, **extra_env})
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    extra = SourceRecord("files", "x", Work.create(doi="10.5555/extra", title="Extra"))
    with write_session(corpus_store) as con:
        con.execute("BEGIN TRANSACTION")
        load_batch(con, records_to_batch([extra]), run_id="r9", transaction=False)
        assert con.execute("SELECT count(*) FROM works").fetchone()[0] == 6
        assert read_in_other_process() == "5"  # the open transaction is not seen
        con.execute("COMMIT")
        assert read_in_other_process() == "6"  # the commit is, while the writer still holds on


def test_a_reader_answers_while_a_writer_is_committing_to_the_local_catalog(tmp_path):
    """The moment a writer commits, it holds SQLite's exclusive lock on the local catalog; a
    reader (an analyst's query, a reviewer's export beside the nightly harvest) must still
    answer from the last committed snapshot instead of failing with "database is locked"."""
    import contextlib
    import os
    import sqlite3
    import subprocess
    import sys

    catalog = tmp_path / "c.ducklake"
    with write_session(catalog) as con:
        corpus.build(con)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LITREV_")}
    with contextlib.closing(sqlite3.connect(catalog, isolation_level=None)) as committing:
        committing.execute("BEGIN EXCLUSIVE")  # what a commit holds while it writes the catalog
        committing.execute("UPDATE ducklake_metadata SET value = value WHERE key = 'version'")
        done = subprocess.run([sys.executable, "-c", READER, str(catalog)], capture_output=True,
                              text=True, timeout=120, env=env)
        committing.execute("ROLLBACK")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "5"


def test_the_file_system_of_a_path_is_read_from_the_mount_table(tmp_path):
    mounts = tmp_path / "mounts"
    mounts.write_text("/dev/sda1 / ext4 rw 0 0\n"
                      "server:/export /mnt/team\\040reviews nfs4 rw 0 0\n"
                      "tmpfs /mnt/team\\040reviews/scratch tmpfs rw 0 0\n", encoding="utf-8")
    kind = dbmod.file_system_type
    assert kind(Path("/mnt/team reviews/psw/litrev.ducklake"), mounts) == "nfs4"
    assert kind(Path("/mnt/team reviews/scratch/x"), mounts) == "tmpfs"
    assert kind(Path("/mnt/team reviewsX/x"), mounts) == "ext4"
    assert kind(Path("/home/me"), tmp_path / "no-such-table") is None


def test_a_catalog_on_a_network_file_system_keeps_the_rollback_journal_and_says_so(
        tmp_path, monkeypatch, caplog):
    """SQLite's write-ahead log is not safe on a network file system: there the catalog keeps
    (or goes back to) the rollback journal, and the first write says why reads may then wait."""
    import contextlib
    import sqlite3

    def journal_mode(catalog: Path) -> str:
        with contextlib.closing(sqlite3.connect(catalog)) as con:
            return con.execute("PRAGMA journal_mode").fetchone()[0]

    catalog = tmp_path / "c.ducklake"
    with write_session(catalog) as con:
        corpus.build(con)
    assert journal_mode(catalog) == "wal"  # a local disk
    monkeypatch.setattr(dbmod, "file_system_type", lambda path, mounts=None: "nfs4")
    with caplog.at_level("WARNING", logger="litrev.store"):
        for _ in range(2):
            with write_session(catalog):
                pass
    assert journal_mode(catalog) == "delete"
    warnings = [r.getMessage() for r in caplog.records if r.name == "litrev.store"]
    assert len(warnings) == 1 and "network file system (nfs4)" in warnings[0]
    with read_session(catalog) as con:
        assert con.execute("SELECT count(*) FROM works").fetchone()[0] == 5


def test_a_second_writer_is_refused_at_once_and_the_waiting_one_takes_its_turn(corpus_store):
    from litrev.store.errors import DatabaseBusy

    with write_session(corpus_store):
        with pytest.raises(DatabaseBusy, match="reading meanwhile works"):
            with write_session(corpus_store):
                pass
        with pytest.raises(DatabaseBusy):
            with dbmod.waiting_write_session(corpus_store, wait_seconds=0.2, poll_seconds=0.1):
                pass
    with dbmod.waiting_write_session(corpus_store, wait_seconds=1) as con:
        assert con.execute("SELECT count(*) FROM works").fetchone()[0] == 5


def test_a_duckdb_file_of_an_earlier_litrev_is_refused_with_the_migrate_command(tmp_path):
    old = tmp_path / "review.duckdb"
    duckdb.connect(str(old)).close()
    for session in (write_session, read_session):
        with pytest.raises(dbmod.StoreError, match=r"litrev migrate .*review.duckdb --to "):
            with session(old):
                pass


def test_content_hash_does_not_depend_on_the_rest_of_the_batch(store):
    """A work with a year is 'unchanged' whether or not another work in the batch lacks one
    (pandas would otherwise turn 2020 into 2020.0)."""
    with_year = SourceRecord("files", "a", Work.create(doi="10.5555/a", title="A", year=2020))
    no_year = SourceRecord("files", "b", Work.create(doi="10.5555/b", title="B"))
    with write_session(store) as con:
        load_batch(con, records_to_batch([with_year]), run_id="r1")
        counts = load_batch(con, records_to_batch([with_year, no_year]), run_id="r2")
    assert counts.by_source["files"].unchanged_records == 1
    assert counts.by_source["files"].new_records == 1
    assert counts.by_source["files"].updated_records == 0


def test_load_inside_a_callers_transaction_rolls_back_with_it(store):
    with write_session(store) as con:
        con.execute("BEGIN TRANSACTION")
        load_batch(con, records_to_batch(corpus.seed_records()), run_id="r1", transaction=False)
        con.execute("ROLLBACK")
        assert con.execute("SELECT count(*) FROM works").fetchone()[0] == 0


def test_a_cited_stub_read_first_does_not_erase_the_works_own_authors_or_flags(store):
    """Statements often arrive before the record of the work they cite: the stub has no
    authors and no synthetic flag; the work's own record has both."""
    stub = Work.create(doi="10.5555/cited", title="Cited")
    own = Work.create(doi="10.5555/cited", title="Cited", authors=["Norton, M."], year=2021,
                      synthetic=True)
    citing = Work.create(doi="10.5555/citing", title="Citing")
    records = [SourceRecord("files", "s1", citing, (), (stub,), ((citing.work_id,
                                                                  stub.work_id),)),
               SourceRecord("files", "w1", own)]
    with write_session(store) as con:
        load_batch(con, records_to_batch(records), run_id="r1")
        load_batch(con, records_to_batch(records[:1]), run_id="r2")  # a later stub alone
        row = con.execute("SELECT authors, year, synthetic FROM works "
                          "WHERE work_id = 'doi:10.5555/cited'").fetchone()
    assert row == (["Norton, M."], 2021, True)


def test_a_title_language_detected_once_is_kept_when_a_later_batch_did_not_detect_it(store):
    from litrev.extract.language import detect_records

    db = store
    detected = detect_records(corpus.seed_records())
    with write_session(db) as con:
        load_batch(con, records_to_batch(detected), run_id="r1")
        stored = con.execute("SELECT work_id, title_language, title_language_method FROM works "
                             "ORDER BY 1").fetchall()
        # the next run skips stored titles: its batch has no title language
        again = load_batch(con, records_to_batch(corpus.seed_records()), run_id="r2")
        kept = con.execute("SELECT work_id, title_language, title_language_method FROM works "
                           "ORDER BY 1").fetchall()
    assert all(lang not in (None, "und") for _, lang, _ in stored)
    assert kept == stored
    assert again.by_source["files"].unchanged_records == 5  # not counted as updated


def test_a_store_says_whether_it_holds_any_detected_language(store):
    """A first harvest asks this once instead of asking chunk by chunk what is stored."""
    from litrev.extract.language import detect_records
    from litrev.store.db import create_database
    from litrev.store.detections import stores_detected_languages

    db = store
    assert not stores_detected_languages(db)  # no database yet
    create_database(db)
    assert not stores_detected_languages(db)  # created, empty
    records = corpus.seed_records()
    with write_session(db) as con:
        load_batch(con, records_to_batch(records[:1]), run_id="r0")  # no language detected
    assert not stores_detected_languages(db)
    with write_session(db) as con:
        load_batch(con, records_to_batch(detect_records(records[1:2])), run_id="r1")
    assert stores_detected_languages(db)


def test_stored_detections_name_what_is_stored_with_its_language(store):
    from litrev.extract.language import detect_records, excerpt_ids, merged_titles
    from litrev.store.detections import StoredDetections, stored_detections

    db = store
    records = corpus.seed_records()
    assert stored_detections(db, excerpt_ids(records), merged_titles(records)) == \
        StoredDetections()  # no database yet: nothing stored
    with write_session(db) as con:
        load_batch(con, records_to_batch(detect_records(records[:1])), run_id="r1")
    seed = records[0]
    stored = stored_detections(db, excerpt_ids(records), merged_titles(records))
    assert stored.excerpt_ids == {seed.excerpts[0].excerpt_id}
    assert stored.work_ids == {seed.work.work_id}
    retitled = stored_detections(db, [], {seed.work.work_id: "Another title"})
    assert retitled == StoredDetections()  # a changed title is detected again
