"""A process keeps a local lake attached between its sessions (``litrev.store.db.connect``:
37 -> 10 ms a session): each session must still read and write what a new attach would, see
other processes' commits, and never take another lake at the same path for this one."""

from __future__ import annotations

import gc
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from litrev.store import db as dbmod
from litrev.store.db import create_database, read_session, session_alias, write_session
from tests.test_lake import harvest_run, one_work

ROOT = Path(__file__).resolve().parents[1]


def works_and_runs(db: Path) -> tuple[int, list[tuple[str, str]]]:
    with read_session(db) as con:
        works = con.execute("SELECT count(*) FROM works").fetchone()[0]
        runs = con.execute("SELECT run_id, status FROM harvest_runs ORDER BY run_id").fetchall()
    return works, runs


def harvest_in_another_process(db: Path, n: int) -> None:
    script = ("import sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
              "from tests.test_lake import harvest_run, one_work; "
              "harvest_run(Path(sys.argv[2]), 'run-' + sys.argv[3], [one_work(int(sys.argv[3]))])")
    subprocess.run([sys.executable, "-c", script, str(ROOT), str(db), str(n)], check=True,
                   timeout=120)


def attached_databases() -> set[str]:
    """What this process's shared DuckDB instance has attached."""
    name, _ = dbmod._shared_instance()
    con = duckdb.connect(name, config=dbmod.INSTANCE_CONFIG)
    try:
        return {r[0] for r in con.execute("SELECT database_name FROM duckdb_databases()"
                                          ).fetchall()}
    finally:
        con.close()


def lakes_attached() -> set[str]:
    return {name for name in attached_databases() if name.startswith(dbmod.LAKE + "_")}


def test_sessions_of_a_process_use_one_attachment_of_the_lake(tmp_path: Path) -> None:
    db = tmp_path / "review.ducklake"
    create_database(db)
    with read_session(db) as first:
        reading = dbmod.lake_name(first)
    with read_session(db) as second:
        assert dbmod.lake_name(second) == reading
    with write_session(db) as con:
        writing = dbmod.lake_name(con)
    with write_session(db) as con:
        assert dbmod.lake_name(con) == writing != reading  # a read session stays read-only
    assert {reading, writing} <= lakes_attached()


def test_a_kept_attachment_sees_and_builds_on_another_process_commits(tmp_path: Path) -> None:
    db = tmp_path / "review.ducklake"
    create_database(db)
    harvest_run(db, "run-1", [one_work(1)])
    assert works_and_runs(db) == (1, [("run-1", "succeeded")])
    harvest_in_another_process(db, 2)
    assert works_and_runs(db) == (2, [("run-1", "succeeded"), ("run-2", "succeeded")])
    harvest_run(db, "run-3", [one_work(3)])
    harvest_in_another_process(db, 4)
    assert works_and_runs(db) == (4, [(f"run-{n}", "succeeded") for n in (1, 2, 3, 4)])


def test_a_lake_created_again_at_the_same_path_is_not_taken_for_the_old_one(tmp_path: Path
                                                                             ) -> None:
    """Deleted and created again, the catalog file may get the old one's inode; the runs
    written to the new lake must be whole (a kept attachment of the old lake once wrote an
    UPDATE that found no row)."""
    db = tmp_path / "review.ducklake"
    create_database(db)
    for n in (1, 2, 3):
        harvest_run(db, f"run-{n}", [one_work(n)])
    for path in tmp_path.iterdir():
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    create_database(db)
    harvest_run(db, "run-a", [one_work(7)])
    assert works_and_runs(db) == (1, [("run-a", "succeeded")])


def test_a_read_session_cannot_write_beside_a_kept_write_attachment(tmp_path: Path) -> None:
    db = tmp_path / "review.ducklake"
    create_database(db)
    harvest_run(db, "run-1", [one_work(1)])
    with read_session(db) as con, pytest.raises(duckdb.Error, match="read-only"):
        con.execute("DELETE FROM works")
    assert works_and_runs(db)[0] == 1


def test_only_a_few_lakes_stay_attached(tmp_path: Path) -> None:
    """Also when a session's connection was closed by hand instead of by store.db.close."""
    lakes = [tmp_path / f"review-{n}.ducklake" for n in range(dbmod.KEPT_ATTACHMENTS + 3)]
    for db in lakes:
        create_database(db)
        with read_session(db), write_session(db):
            pass
        by_hand = dbmod.connect(dbmod.location_of(db), read_only=True)
        by_hand.close()
        del by_hand
    gc.collect()
    attached = lakes_attached()
    assert len(attached) <= dbmod.KEPT_ATTACHMENTS
    for db in lakes:  # and each lake still reads as itself
        assert works_and_runs(db) == (0, [])


def test_what_a_session_attaches_beside_a_kept_lake_is_its_own(tmp_path: Path) -> None:
    db = tmp_path / "review.ducklake"
    create_database(db)
    with read_session(db) as first, read_session(db) as second:
        assert dbmod.lake_name(first) == dbmod.lake_name(second)
        one, two = session_alias(first, "export"), session_alias(second, "export")
        assert one != two
        first.execute(f"ATTACH ':memory:' AS {one}")
        second.execute(f"ATTACH ':memory:' AS {two}")
    assert not {one, two} & attached_databases()


def test_a_deleted_lake_kept_attached_does_not_fail_another_lake(tmp_path: Path) -> None:
    """Listing the instance's catalogs (information_schema, as a new lake's first session
    does) would read every kept lake: one whose files are gone is let go first."""
    gone = tmp_path / "gone" / "review.ducklake"
    create_database(gone)
    harvest_run(gone, "run-1", [one_work(1)])
    shutil.rmtree(gone.parent)
    other = tmp_path / "other.ducklake"
    create_database(other)
    assert works_and_runs(other) == (0, [])


def test_a_relative_lake_path_is_the_lake_of_the_working_folder(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for folder, n in ((first, 1), (second, 2)):
        folder.mkdir()
        monkeypatch.chdir(folder)
        create_database(Path("review.ducklake"))
        harvest_run(Path("review.ducklake"), f"run-{n}", [one_work(n)])
        assert works_and_runs(Path("review.ducklake")) == (1, [(f"run-{n}", "succeeded")])
    monkeypatch.chdir(tmp_path)
    assert works_and_runs(first / "review.ducklake") == (1, [("run-1", "succeeded")])
