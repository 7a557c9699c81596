"""The reading copy that `litrev query run` answers from: never older than the lake, built once
per change, and as locked down as the lake for a user's SQL."""

from __future__ import annotations

import duckdb
import pytest

from litrev.flows.cli import main
from litrev.store import reading_copy
from litrev.store.db import read_session, write_session
from litrev.store.errors import QueryError
from litrev.store.queries import get_query, run_saved, run_sql
from litrev.store.reading_copy import copy_path, reading_session
from tests.conftest import cli_db_args


def excerpts_by_language(db) -> dict[tuple[str, str], int]:
    with reading_session(db) as con:
        rows = run_saved(con, get_query("excerpts_by_language"), {}).to_dict("records")
    return {(r["language"], r["kind"]): r["excerpts"] for r in rows}


def test_a_change_to_the_lake_is_in_the_next_answer(corpus_store):
    before = excerpts_by_language(corpus_store)
    with read_session(corpus_store) as con:
        old_copy = copy_path(con)
    assert old_copy.exists()
    with write_session(corpus_store) as con:
        con.execute("DELETE FROM excerpts WHERE language = 'fi'")
    after = excerpts_by_language(corpus_store)
    assert ("fi", "citation_statement") in before
    assert after == {k: v for k, v in before.items() if k[0] != "fi"}
    assert not old_copy.exists()  # the copy of the older snapshot is removed


def test_the_copy_is_built_once_while_the_lake_is_unchanged(corpus_store):
    builds: list[int] = []
    for _ in range(3):
        with reading_session(corpus_store, on_build=builds.append) as con:
            run_sql(con, "SELECT count(*) FROM excerpt_listing")
    assert len(builds) == 1
    with read_session(corpus_store) as con:
        assert copy_path(con).exists()
        assert [p.name for p in copy_path(con).parent.iterdir()] == [copy_path(con).name]


@pytest.mark.parametrize("sql", [
    "DELETE FROM excerpts",
    "SELECT * FROM read_csv('/etc/passwd')",
    "COPY excerpts TO 'leak.csv'",
])
def test_user_sql_on_the_copy_can_neither_write_nor_read_files(corpus_store, sql):
    with reading_session(corpus_store) as con:
        with pytest.raises(QueryError):
            run_sql(con, sql)
        # the copy still answers
        assert int(run_sql(con, "SELECT count(*) AS n FROM excerpts")["n"][0]) > 0


def test_a_copy_of_a_newer_snapshot_stays_when_an_older_one_is_built(corpus_store):
    """Two queries around a harvest: the one that read the older snapshot finishes its copy
    last, and must not remove the copy the other built of the newer snapshot."""
    with read_session(corpus_store) as con:
        mine = copy_path(con)
    mine.parent.mkdir(parents=True)
    snapshot, committed, layout = mine.stem.split("-")[1:]
    newer = mine.with_name(f"snapshot-{int(snapshot) + 1}-{committed}-{layout}.duckdb")
    older = mine.with_name(f"snapshot-{int(snapshot) - 1}-{committed}-{layout}.duckdb")
    newer.write_bytes(b"")
    older.write_bytes(b"")  # unreadable: the new copy is built from the lake, with a warning
    excerpts_by_language(corpus_store)
    assert sorted(p.name for p in mine.parent.iterdir()) == sorted([mine.name, newer.name])


def test_a_copy_of_another_lake_at_the_same_snapshot_number_is_never_read(corpus_store):
    """A review folder deleted and created again numbers its snapshots from the start: a copy
    of the old lake's snapshot N must not answer for the new lake's snapshot N."""
    right = excerpts_by_language(corpus_store)
    with read_session(corpus_store) as con:
        mine = copy_path(con)
    snapshot, committed, layout = mine.stem.split("-")[1:]
    other_lake = mine.with_name(f"snapshot-{snapshot}-{'0' * len(committed)}-{layout}.duckdb")
    mine.rename(other_lake)
    with duckdb.connect(str(other_lake)) as con:
        con.execute("DELETE FROM excerpts")  # the other lake's copy holds other rows
    assert excerpts_by_language(corpus_store) == right
    assert not other_lake.exists()


def copy_contents(path) -> dict[str, list[tuple]]:
    """Every table of a reading copy, rows in their stored order (the order is what makes the
    saved queries fast), but for the mark of when it was built."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {t: con.execute(f"SELECT * FROM {t}").fetchall()  # noqa: S608 - test's own names
                for t in tables if t != "reading_copy"}
    finally:
        con.close()


def test_a_copy_built_from_the_previous_one_equals_one_built_from_the_lake(corpus_store,
                                                                          monkeypatch):
    excerpts_by_language(corpus_store)  # the copy of the first snapshot
    with write_session(corpus_store) as con:
        assert con.execute("DELETE FROM translations").fetchone()[0] > 0
    read_again: list[str] = []
    filled = reading_copy.filled

    def watching(name, **identifiers):
        if name in ("export_copy_table", "reading_copy_store"):
            read_again.append(identifiers["table"])
        return filled(name, **identifiers)

    monkeypatch.setattr(reading_copy, "filled", watching)
    excerpts_by_language(corpus_store)
    monkeypatch.undo()
    with read_session(corpus_store) as con:
        incremental = copy_path(con)
    # only the changed table is read from the lake again, only the view that reads it stored
    assert sorted(read_again) == ["translation_backlog", "translations"]
    from_copy = copy_contents(incremental)
    incremental.unlink()  # no earlier copy now: the next is built from the lake alone
    excerpts_by_language(corpus_store)
    assert copy_contents(incremental) == from_copy


def test_a_copy_that_cannot_be_built_leaves_the_query_to_the_lake(corpus_store, monkeypatch,
                                                                  caplog):
    right = excerpts_by_language(corpus_store)
    with read_session(corpus_store) as con:
        copy_path(con).unlink()

    def disk_full(*args):
        raise duckdb.IOException("could not write file: No space left on device")

    monkeypatch.setattr(reading_copy, "_build", disk_full)
    assert excerpts_by_language(corpus_store) == right
    assert "No space left on device" in caplog.text and "reads the lake" in caplog.text


def test_a_damaged_copy_is_removed_and_built_again(corpus_store, caplog):
    right = excerpts_by_language(corpus_store)
    with read_session(corpus_store) as con:
        path = copy_path(con)
    path.write_bytes(path.read_bytes()[:4096])  # cut short
    assert excerpts_by_language(corpus_store) == right
    assert "damaged" in caplog.text
    assert not path.exists()
    assert excerpts_by_language(corpus_store) == right
    assert path.exists()


def test_query_run_says_when_it_copies_the_lake(corpus_store, capsys):
    args = [*cli_db_args(corpus_store), "query", "run", "excerpts_by_language",
            "--format", "csv"]
    assert main(args) == 0
    first = capsys.readouterr()
    assert "copying snapshot" in first.err and "fi,citation_statement,1" in first.out
    assert main(args) == 0
    again = capsys.readouterr()
    assert again.err == "" and again.out == first.out


def test_a_copy_removed_by_a_newer_build_leaves_the_query_to_the_lake(corpus_store, monkeypatch,
                                                                     caplog):
    """The copy a query found is removed (a query of a newer snapshot built its own) before
    it is opened: the answer comes from the lake, and the warning says why."""
    right = excerpts_by_language(corpus_store)
    ensure_copy = reading_copy.ensure_copy

    def removed_meanwhile(lake, on_build=None):
        found = ensure_copy(lake, on_build)
        found.unlink()
        return found

    monkeypatch.setattr(reading_copy, "ensure_copy", removed_meanwhile)
    assert excerpts_by_language(corpus_store) == right
    assert "the corpus changed while this query started" in caplog.text
