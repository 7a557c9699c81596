"""The PostgreSQL catalog's writer lock (litrev/store/pglock.py) on a real server.

Writers on different machines take turns through the catalog database: a second writer is
told at once that another holds the turn (and which), and a writer killed with SIGKILL does
not keep it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from litrev.store.errors import DatabaseBusy, StoreError
from litrev.store.pglock import PostgresWriterLock
from tests.pgserver import free_port

ROOT = Path(__file__).resolve().parent.parent

HOLDER = """
import sys, time
from litrev.store.pglock import PostgresWriterLock
from tests.pgserver import free_port
lock = PostgresWriterLock(sys.argv[1])
lock.acquire()
print("held", flush=True)
time.sleep(300)
"""


def _acquire_eventually(lock: PostgresWriterLock, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            lock.acquire()
            return True
        except DatabaseBusy:
            time.sleep(0.2)
    return False


def test_writers_take_turns_and_the_second_is_told_who_writes(postgres_db):
    first = PostgresWriterLock(postgres_db.conninfo, label="the review catalog")
    second = PostgresWriterLock(postgres_db.url, label="the review catalog")  # URL form too
    with first:
        assert first.held
        with pytest.raises(DatabaseBusy) as busy:
            second.acquire()
        message = str(busy.value)
        assert "\n" not in message
        assert message.startswith("the review catalog is being written by another litrev "
                                  f"process (litrev writer pid {os.getpid()} on ")
        assert "wait for it to finish" in message
        assert not second.held
    assert not first.held
    with second:  # the turn is free once the first gave it back
        assert second.held


def test_the_lock_is_released_on_an_error_inside_the_block(postgres_db):
    lock = PostgresWriterLock(postgres_db.conninfo)
    with pytest.raises(RuntimeError), lock:
        raise RuntimeError("a failed write")
    other = PostgresWriterLock(postgres_db.conninfo)
    other.acquire()
    other.release()


def test_the_lock_lives_in_the_catalog_session_and_nothing_is_written(postgres_server,
                                                                      postgres_db):
    with PostgresWriterLock(postgres_db.conninfo):
        held = postgres_server.psql(
            postgres_db.name, "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a "
            "USING (pid) WHERE l.locktype = 'advisory' AND l.granted "
            "AND a.application_name LIKE 'litrev writer%'")
        assert held.strip() == "1"
    tables = postgres_server.psql(postgres_db.name, "SELECT count(*) FROM pg_tables "
                                  "WHERE schemaname = 'public'")
    assert tables.strip() == "0"
    released = postgres_server.psql(postgres_db.name, "SELECT count(*) FROM pg_locks "
                                    "WHERE locktype = 'advisory'")
    assert released.strip() == "0"


def test_a_writer_killed_with_sigkill_does_not_keep_the_turn(postgres_db):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LITREV_")}
    env["PYTHONPATH"] = str(ROOT)
    child = subprocess.Popen([sys.executable, "-c", HOLDER, postgres_db.conninfo],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.strip() == "held", child.stderr.read() if child.stderr else ""
        waiting = PostgresWriterLock(postgres_db.conninfo)
        with pytest.raises(DatabaseBusy, match=f"pid {child.pid} on "):
            waiting.acquire()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        assert _acquire_eventually(waiting), "the killed writer's lock was never released"
        waiting.release()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()


def test_an_unreachable_catalog_is_one_line_without_the_password():
    port = free_port()  # nothing listens there
    lock = PostgresWriterLock(f"dbname=nowhere host=127.0.0.1 port={port} user=u "
                              "password=s3cret connect_timeout=5",
                              label="the PostgreSQL catalog dbname=nowhere")
    with pytest.raises(StoreError) as failed:
        lock.acquire()
    message = str(failed.value)
    assert "\n" not in message and "s3cret" not in message
    assert message.startswith("cannot reach the PostgreSQL catalog dbname=nowhere to take the "
                              "writer's turn (")
    assert not lock.held


def test_a_run_on_a_shared_catalog_is_live_exactly_while_its_process_holds_it(postgres_db,
                                                                              tmp_path,
                                                                              monkeypatch):
    """Runs of other machines are in a shared catalog's ledger; their lock files are not here.
    The run's liveness lock lives in the catalog, so any machine can tell a live run from one
    a killed process left ``running``."""
    from litrev.flows.runlog import run_files, run_is_live

    monkeypatch.setenv("LITREV_DATA_PATH", str(tmp_path / "lake-data"))
    elsewhere = tmp_path / "another-machine"
    elsewhere.mkdir()
    with run_files(postgres_db.url, "run-1"):
        monkeypatch.chdir(elsewhere)  # no lock file of run-1 here
        assert run_is_live(postgres_db.url, "run-1")
        assert not run_is_live(postgres_db.url, "run-2")
    assert not run_is_live(postgres_db.url, "run-1")
