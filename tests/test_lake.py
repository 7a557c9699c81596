"""The lake's own guarantees: every finished run is a named snapshot (``--as-of``), the natural
keys the lake cannot declare are kept by the MERGE statements, and the store location parser."""

from __future__ import annotations

import pytest

from litrev.extract.records import Excerpt, SourceRecord, Work
from litrev.flows.cli import main
from litrev.store import db as dbmod
from litrev.store.db import create_database, read_session, snapshot_of_run, write_session
from litrev.store.errors import StoreError
from litrev.store.ledger import finish_run, open_run
from litrev.store.load import load_batch, records_to_batch
from litrev.store.location import Backend, StoreLocation
from litrev.vocabulary import RunStatus, Trigger
from tests.conftest import cli_db_args


def one_work(n: int) -> SourceRecord:
    work = Work.create(doi=f"10.5555/lake.{n}", title=f"Work {n}", year=2020 + n)
    text = f"Peer support workers in study {n} described their role in the team."
    return SourceRecord("files", f"rec-{n}", work,
                        (Excerpt.create(work_id=work.work_id, kind="abstract", text=text),))


def harvest_run(db, run_id: str, records: list[SourceRecord]) -> None:
    """A run as the harvest writes it: opened, a batch loaded, closed (naming its snapshot)."""
    with write_session(db) as con:
        open_run(con, run_id=run_id, review_name="lake test", trigger=Trigger.CLI)
        load_batch(con, records_to_batch(records), run_id=run_id)
        finish_run(con, run_id, status=RunStatus.SUCCEEDED, summary={"run": run_id})


def test_a_query_as_of_the_first_of_three_runs_answers_as_after_the_first(store, tmp_path,
                                                                          capsys):
    db = store
    harvest_run(db, "run-1", [one_work(1)])
    sql = "SELECT count(*) AS works, max(year) AS newest FROM works"
    assert main([*cli_db_args(db), "query", "sql", sql, "--format", "csv"]) == 0
    after_first = capsys.readouterr().out
    harvest_run(db, "run-2", [one_work(2), one_work(3)])
    harvest_run(db, "run-3", [one_work(4)])

    assert main([*cli_db_args(db), "query", "sql", sql, "--format", "csv"]) == 0
    assert capsys.readouterr().out == "works,newest\n4,2024\n"
    assert main([*cli_db_args(db), "query", "sql", sql, "--format", "csv",
                 "--as-of", "run-1"]) == 0
    assert capsys.readouterr().out == after_first == "works,newest\n1,2021\n"
    # The ledger as of run 2 knows runs 1 and 2 only, and run 2 as finished.
    with read_session(db, as_of="run-2") as con:
        assert con.execute("SELECT run_id, status FROM harvest_runs ORDER BY run_id"
                           ).fetchall() == [("run-1", "succeeded"), ("run-2", "succeeded")]
    # Saved queries, search and export answer from the same snapshot.
    assert main([*cli_db_args(db), "query", "run", "excerpts_by_language", "--format", "csv",
                 "--as-of", "run-2"]) == 0
    assert capsys.readouterr().out.splitlines()[1].endswith(",3")
    assert main([*cli_db_args(db), "search", "peer support", "--as-of", "run-1",
                 "--format", "csv"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2  # header and the one excerpt
    out = tmp_path / "first.csv"
    assert main([*cli_db_args(db), "export", "excerpts", "-o", str(out), "--as-of", "run-1"]) == 0
    assert "study 1 " in out.read_text(encoding="utf-8")
    assert "study 2 " not in out.read_text(encoding="utf-8")
    # The snapshots are named after the runs.
    with read_session(db) as con:
        named = [s["commit_message"] for s in dbmod.snapshots(con)
                 if s["author"] == "litrev" and s["commit_message"].startswith("run-")]
    assert named == ["run-1", "run-2", "run-3"]
    assert snapshot_of_run(db, "run-1") < snapshot_of_run(db, "run-2") < \
        snapshot_of_run(db, "run-3")


def test_an_unknown_run_id_is_one_line_naming_the_known_runs(tmp_path, capsys):
    db = tmp_path / "review.ducklake"
    harvest_run(db, "run-1", [one_work(1)])
    assert main(["--db", str(db), "query", "sql", "SELECT 1", "--as-of", "run-9"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("litrev: error: no finished harvest run 'run-9' in ")
    assert "`litrev status` shows the last runs (latest: run-1)" in err


# Tables with a natural key (the `-- key:` comments of migrations/001_lake.sql) and the
# statement that writes each; loading the same rows twice must not duplicate any.
KEYS = {
    "works": ["work_id"],
    "work_sources": ["source", "source_record_id", "work_id"],
    "citations": ["citing_work_id", "cited_work_id", "source"],
    "excerpts": ["excerpt_id"],
    "excerpt_sources": ["excerpt_id", "source", "source_record_id"],
    "translations": ["text_hash", "target_language"],
    "translation_cache": ["text_hash", "source_language", "target_language", "provider"],
    "translation_memory": ["source_hash", "source_language", "target_language"],
    "themes": ["theme_id"],
    "excerpt_themes": ["excerpt_id", "theme_id", "matched_in"],
    "excerpt_coding": ["excerpt_id"],
    "harvest_runs": ["run_id"],
    "search_log": ["run_id", "source", "query"],
    "source_state": ["source", "query_key"],
    "reviews": ["excerpt_id"],
}


def test_every_natural_key_in_the_schema_is_listed_here():
    lines = dbmod.migrations()[0][2].splitlines()
    declared = {nxt.split()[2]: line.split("key:")[1].strip()
                for line, nxt in zip(lines, lines[1:], strict=False)
                if line.startswith("-- key:")}
    assert declared == {table: ", ".join(key) for table, key in KEYS.items()}


def duplicates(con) -> dict[str, int]:
    out = {}
    for table, key in KEYS.items():
        cols = ", ".join(key)
        out[table] = con.execute(
            f"SELECT count(*) - count(DISTINCT ({cols})) FROM {table}").fetchone()[0]  # noqa: S608
    return out


def test_loading_the_same_batch_and_ledger_twice_duplicates_no_key(store):
    """The harvest's own statements (batch merge, ledger, watermarks), run twice with the same
    rows, leave every natural key unique (tests/test_demo.py checks every table after the
    demo's two full runs)."""
    from types import SimpleNamespace

    from litrev.store.ledger import SearchCounts, SearchEntry, record_searches
    from litrev.store.state import save_watermarks
    from litrev.vocabulary import SearchStatus

    db = store
    records = [one_work(1), one_work(2)]
    with write_session(db) as con:
        for _ in range(2):
            open_run(con, run_id="run-1", review_name="lake test", trigger=Trigger.CLI)
            load_batch(con, records_to_batch(records), run_id="run-1")
            record_searches(con, "run-1", [SearchEntry(source="files", query="q")],
                            [SearchCounts(records_retrieved=2)])
            save_watermarks(con, [SimpleNamespace(source="files", query_key="q", watermark="w",
                                                  status=SearchStatus.SUCCEEDED)],
                            run_id="run-1")
        found = duplicates(con)
        rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
                for t in ("works", "excerpts", "harvest_runs", "search_log", "source_state")}
    assert found == dict.fromkeys(KEYS, 0)
    assert rows == {"works": 2, "excerpts": 2, "harvest_runs": 1, "search_log": 1,
                    "source_state": 1}


def test_store_locations(tmp_path, monkeypatch):
    local = StoreLocation.parse(tmp_path / "r" / "review.ducklake")
    assert local.backend is Backend.LOCAL
    assert local.data_path == str(tmp_path / "r" / "review.ducklake.files") + "/"
    assert local.uri == "ducklake:sqlite:" + str(tmp_path / "r" / "review.ducklake")
    with pytest.raises(StoreError, match="--data-path"):
        StoreLocation.parse("postgresql://me@localhost/review")
    monkeypatch.setenv("LITREV_DATA_PATH", "s3://bucket/review")
    shared = StoreLocation.parse("postgresql://me:secret@localhost/review")
    assert shared.backend is Backend.POSTGRES and shared.data_path == "s3://bucket/review/"
    assert shared.needs_httpfs
    assert "secret" not in str(shared) and "secret" not in str(shared.cache_dir)
    assert StoreLocation.parse("ducklake:postgres:dbname=review host=db").uri == \
        "ducklake:postgres:dbname=review host=db"
    assert StoreLocation.parse("ducklake:sqlite:r/review.ducklake") == \
        StoreLocation.parse("r/review.ducklake")
    assert StoreLocation.parse("r/review.ducklake").data_path == "r/review.ducklake.files/"
    with pytest.raises(StoreError, match="unsupported catalog 'mysql'"):
        StoreLocation.parse("ducklake:mysql:db=review")


def test_many_small_files_are_merged_and_earlier_runs_still_read(tmp_path):
    db = tmp_path / "review.ducklake"
    for n in range(1, 4):  # batches past the inlining limit: one Parquet file each
        harvest_run(db, f"run-{n}", [one_work(100 * n + i) for i in range(12)])
    with write_session(db) as con:
        files = dbmod.data_files(con)
        assert files["works"] == 3
        assert not dbmod.compact(con, min_files=4)  # few files: nothing to do
        assert dbmod.compact(con, min_files=3)
        assert dbmod.data_files(con)["works"] == 1
        assert con.execute("SELECT count(*) FROM works").fetchone()[0] == 36
    with read_session(db, as_of="run-1") as con:
        assert con.execute("SELECT count(*) FROM works").fetchone()[0] == 12


def test_only_the_tables_with_many_files_are_merged(tmp_path):
    """A night with nothing new adds files to the ledger's tables only: when one of those
    reaches the limit, the compaction merges it and leaves the corpus's files as they are."""
    db = tmp_path / "review.ducklake"
    for n in range(1, 4):  # batches past the inlining limit: one Parquet file each
        harvest_run(db, f"run-{n}", [one_work(100 * n + i) for i in range(12)])
    state = ("INSERT INTO source_state (source, query_key, watermark, run_id, updated_at) "
             "SELECT 'files', 'q' || i, 'w', $run, now() FROM range(12) t(i)")
    with write_session(db) as con:
        for n in range(4):  # four writes past the inlining limit: four files
            con.execute(state, {"run": f"night-{n}"})
        before = dbmod.data_files(con)
        assert before["source_state"] == 4 and before["works"] == 3
        merged_at = dbmod.current_snapshot(con)
        assert dbmod.compact(con, min_files=4) == ["source_state"]
        after = dbmod.data_files(con)
        assert after["source_state"] == 1
        assert {t: f for t, f in after.items() if t != "source_state"} == \
            {t: f for t, f in before.items() if t != "source_state"}
        names = {str(r[0]): r[1] for r in con.execute(
            "SELECT table_id, table_name FROM ducklake_table_info(current_database())"
        ).fetchall()}
        touched = {names.get(t, t) for s in dbmod.snapshots(con)
                   if s["snapshot_id"] > merged_at for _kind, ts in s["changes"] for t in ts}
        assert touched == {"source_state"}
        assert con.execute("SELECT count(*) FROM source_state").fetchone()[0] == 48


def test_files_that_carry_deleted_rows_are_folded_too(tmp_path):
    """A lake written before the ledger's rows were kept in the catalog has one file per
    earlier run in harvest_runs, each with a deleted row (the run's row, closed by an UPDATE):
    the compaction folds them, and every row stays."""
    db = tmp_path / "review.ducklake"
    create_database(db)
    state = ("INSERT INTO source_state (source, query_key, watermark, run_id, updated_at) "
             "SELECT 'files', $run || '-' || i, 'w', $run, now() FROM range(12) t(i)")
    with write_session(db) as con:
        for n in range(5):  # five files past the inlining limit, each with a row deleted
            con.execute(state, {"run": f"night-{n}"})
            con.execute("DELETE FROM source_state WHERE query_key = $key",
                        {"key": f"night-{n}-0"})
        assert dbmod.data_files(con)["source_state"] == 5
        assert dbmod.compact(con, min_files=4) == ["source_state"]
        assert dbmod.data_files(con)["source_state"] < 4
        assert con.execute("SELECT count(*) FROM source_state").fetchone()[0] == 5 * 11
        assert not dbmod.compact(con, min_files=4)  # and the next night has nothing to do


def test_a_run_leaves_no_data_file_of_its_own_in_the_ledger(tmp_path):
    """The run's row (opened, then closed with its summary) is kept in the catalog, not as a
    Parquet file per run that no compaction could merge."""
    db = tmp_path / "review.ducklake"
    for n in range(1, 4):
        harvest_run(db, f"run-{n}", [one_work(n)])
    with write_session(db) as con:
        open_run(con, run_id="run-3", review_name="lake test", trigger=Trigger.CLI)  # again
        assert dbmod.data_files(con)["harvest_runs"] == 0
        assert con.execute("SELECT run_id, status FROM harvest_runs ORDER BY run_id"
                           ).fetchall() == [(f"run-{n}", "succeeded") for n in range(1, 4)]


def test_merging_files_changes_no_table_for_a_quiet_night_but_a_new_row_does(tmp_path):
    """The quiet night reuses the last run's translation backlog when only ledger tables
    changed since: the compaction after a harvest (the same rows in fewer files) is no change."""
    from litrev.flows.harvest_summary import LEDGER_TABLES
    from litrev.store.sqlfiles import internal

    changed_since = internal("tables_changed_since")
    db = tmp_path / "review.ducklake"
    for n in range(1, 4):  # batches past the inlining limit: one Parquet file each
        harvest_run(db, f"run-{n}", [one_work(100 * n + i) for i in range(12)])
    with write_session(db) as con:
        counted = dbmod.current_snapshot(con)
        assert dbmod.compact(con, min_files=3)
        assert dbmod.current_snapshot(con) > counted  # the merge is a commit of its own
        assert con.execute(changed_since.sql, changed_since.bind({"snapshot": counted})
                           ).fetchall() == []
    harvest_run(db, "run-4", [one_work(400)])
    with read_session(db) as con:
        changed = {r[0] for r in con.execute(
            changed_since.sql, changed_since.bind({"snapshot": counted})).fetchall()}
    assert {"works", "excerpts"} <= changed and not changed <= LEDGER_TABLES


def test_export_duckdb_writes_a_plain_duckdb_file_of_the_corpus_as_of_a_run(tmp_path, capsys):
    import duckdb

    db = tmp_path / "review.ducklake"
    harvest_run(db, "run-1", [one_work(1)])
    harvest_run(db, "run-2", [one_work(2)])
    out = tmp_path / "as-reported.duckdb"
    assert main(["--db", str(db), "export", "duckdb", "-o", str(out), "--as-of", "run-1"]) == 0
    assert capsys.readouterr().out == (f"exported 16 tables to {out} (a plain DuckDB file: "
                                       "1 works, 1 excerpts; as of run run-1)\n")
    con = duckdb.connect(str(out), read_only=True)  # any DuckDB client, no extension needed
    try:
        assert con.execute("SELECT count(*) FROM works").fetchone()[0] == 1
        assert con.execute("SELECT count(*) FROM v_excerpts").fetchone()[0] == 1
        assert con.execute("SELECT run_id FROM harvest_runs").fetchall() == [("run-1",)]
    finally:
        con.close()
    assert main(["--db", str(db), "export", "duckdb", "-o", str(out)]) == 1
    assert "exists; choose a new file name" in capsys.readouterr().err
