"""DuckLake with a PostgreSQL catalog (duckdb 1.5.5) when two processes write at once.

What this shows, on a real PostgreSQL server (tests/pgserver.py), each writer a process of its
own holding its transaction open until the other has written too:
- INSERTs into one table, or writes into different tables: both commit (DuckLake retries a
  commit whose snapshot moved on when the changes do not conflict).
- MERGE of the same new key: both commit and the key is there TWICE; no error at all.
- MERGE updating the same rows: the second commit fails with a TransactionException
  ("Transaction conflict - attempting to insert into table ... but another transaction has
  deleted inlined data from it"); DuckLake does not retry a conflict.
So litrev's upserts (MERGE on a natural key) are only safe when writers take turns: with the
catalog's writer lock (litrev/store/pglock.py) the same merges all commit, without duplicates.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pglake import attach

ROOT = Path(__file__).resolve().parent.parent
CONFLICT = "Transaction conflict"
TABLES = ("a", "b")
COUNT_ROWS = {"a": "SELECT count(*), count(DISTINCT k) FROM a",
              "b": "SELECT count(*), count(DISTINCT k) FROM b"}
PRELOAD = {"a": "INSERT INTO a SELECT 'k' || i, -1 FROM range($n) r(i)",
           "b": "INSERT INTO b SELECT 'k' || i, -1 FROM range($n) r(i)"}


@pytest.fixture
def lake(postgres_db, tmp_path):
    """(conninfo, data path) of a new lake with tables a and b (k VARCHAR, v INTEGER)."""
    data = str(tmp_path / "lake-data") + "/"
    con = attach(postgres_db.conninfo, data)
    for table in TABLES:
        con.execute("CREATE TABLE " + table + " (k VARCHAR NOT NULL, v INTEGER)")
    con.close()
    return postgres_db.conninfo, data


def _write_at_once(lake, tmp_path, op: str, tables: tuple[str, str], *, barrier: bool,
                   lock: bool = False, rounds: int = 1, keys: int = 3) -> list[dict]:
    conninfo, data = lake
    env = {k: v for k, v in os.environ.items() if not k.startswith("LITREV_")}
    env["PYTHONPATH"] = str(ROOT)
    gate = tmp_path / "barrier"
    gate.mkdir(exist_ok=True)
    extra = (["--barrier", str(gate)] if barrier else []) + (["--lock"] if lock else [])
    workers = [subprocess.Popen(
        [sys.executable, "-m", "tests.pglake_worker", conninfo, data, op, table, f"w{i}",
         "--rounds", str(rounds), "--keys", str(keys), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
        for i, table in enumerate(tables)]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def _rows(lake, table: str) -> tuple[int, int]:
    con = attach(*lake, read_only=True)
    try:
        row = con.execute(COUNT_ROWS[table]).fetchone()
    finally:
        con.close()
    assert row is not None
    return int(row[0]), int(row[1])


def _preload(lake, table: str, keys: int) -> None:
    con = attach(*lake)
    con.execute(PRELOAD[table], {"n": keys})
    con.close()


def test_inserts_into_one_table_at_once_both_commit(lake, tmp_path):
    results = _write_at_once(lake, tmp_path, "insert", ("a", "a"), barrier=True)
    assert [r["committed"] for r in results] == [1, 1]
    assert _rows(lake, "a") == (2, 2)


def test_writes_into_different_tables_at_once_both_commit(lake, tmp_path):
    _preload(lake, "a", 3)
    _preload(lake, "b", 3)
    results = _write_at_once(lake, tmp_path, "merge", ("a", "b"), barrier=True)
    assert [r["committed"] for r in results] == [1, 1]
    assert _rows(lake, "a") == (3, 3) and _rows(lake, "b") == (3, 3)


def test_merges_of_one_new_key_at_once_duplicate_it_silently(lake, tmp_path):
    """The hazard the writer lock exists for: no error, and the natural key is there twice."""
    results = _write_at_once(lake, tmp_path, "merge", ("a", "a"), barrier=True)
    assert [r["committed"] for r in results] == [1, 1]
    assert [r["errors"] for r in results] == [[], []]
    assert _rows(lake, "a") == (2, 1)


def test_merges_updating_the_same_rows_at_once_fail_the_second_commit(lake, tmp_path):
    _preload(lake, "a", 3)
    results = _write_at_once(lake, tmp_path, "merge", ("a", "a"), barrier=True)
    assert sorted(r["committed"] for r in results) == [0, 1]
    (error,) = [e for r in results for e in r["errors"]]
    assert error.startswith("TransactionException: ")
    assert CONFLICT in error and "another transaction" in error
    assert _rows(lake, "a") == (3, 3)


def test_with_the_writer_lock_the_same_merges_take_turns(lake, tmp_path):
    rounds = 15
    results = _write_at_once(lake, tmp_path, "merge", ("a", "a"), barrier=False, lock=True,
                             rounds=rounds, keys=3)
    assert [r["errors"] for r in results] == [[], []]
    assert [r["committed"] for r in results] == [rounds, rounds]
    assert _rows(lake, "a") == (3, 3)
