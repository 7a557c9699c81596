"""The writer's turn on a shared PostgreSQL catalog: a session advisory lock in the catalog.

Why: DuckLake on PostgreSQL lets two writers commit at once, and then MERGE-based upserts are
not safe. Two processes merging the same new key both insert it (a silent duplicate), and a
merge that updates rows another process changed meanwhile fails at commit ("Transaction
conflict ... another transaction has deleted inlined data from it"); DuckLake retries only
commits that do not conflict. So writers take turns before their write transaction begins, as
on the local catalog (``FileWriterLock``), but through the one thing every machine of a review
team shares: the catalog database.

Why a session advisory lock on a connection of its own (``pg_try_advisory_lock``): it lives
exactly as long as the session, so a writer killed with SIGKILL, or a machine that lost
power, releases it when PostgreSQL drops the session (at once for a closed socket; for a
silent peer after the server-side TCP keepalives set below, about 1.5 minutes). Nothing is
written into the catalog, so there is no stale row to clean up.

Why psycopg rather than DuckDB's postgres extension: the extension hands each statement a
connection from its pool and resets it on return, so a session lock taken through
``postgres_query`` is gone before the next statement (checked with duckdb 1.5.5: the lock was
absent from ``pg_locks`` right after ``pg_try_advisory_lock`` returned true), and its pool's
reaper closes idle connections after 60 s. psycopg gives one libpq connection = one session.

    lock = PostgresWriterLock("dbname=review host=db.example user=me")
    with lock:                      # raises DatabaseBusy at once when another writer has it
        ...                         # write transactions
"""

from __future__ import annotations

import hashlib
import os
import socket
from types import TracebackType

import psycopg
from psycopg import conninfo as pg_conninfo

from litrev.store.errors import DatabaseBusy, StoreError


def lock_key(name: str) -> int:
    """The advisory lock key of ``name``: 64 bits of its SHA-256 (advisory locks are per
    database, and a litrev lake owns its catalog database)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


LOCK_KEY = lock_key("litrev writer lock")
APPLICATION_NAME = "litrev writer"
CONNECT_TIMEOUT_SECONDS = 10
# The server drops a silent peer (a machine that lost power) after idle + interval * count
# seconds; the client side notices a dead server the same way.
KEEPALIVE_IDLE, KEEPALIVE_INTERVAL, KEEPALIVE_COUNT = 30, 10, 6
_SERVER_OPTIONS = (f"-c tcp_keepalives_idle={KEEPALIVE_IDLE} "
                   f"-c tcp_keepalives_interval={KEEPALIVE_INTERVAL} "
                   f"-c tcp_keepalives_count={KEEPALIVE_COUNT} "
                   # a long harvest must not lose its turn to a server's idle timeouts
                   "-c idle_session_timeout=0 -c idle_in_transaction_session_timeout=0")

_HOLDER_SQL = """
SELECT a.application_name, host(a.client_addr), a.backend_start
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.database = (
    SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.objsubid = 1 AND ((l.classid::bigint << 32) | l.objid::bigint) = %(key)s
LIMIT 1
"""


class PostgresWriterLock:
    """Whose turn it is to write a lake with a PostgreSQL catalog (the ``WriterLock`` protocol
    of litrev.store.db: :meth:`acquire` raises :class:`DatabaseBusy` at once when another
    writer holds it; ``waiting_write_session`` is the one place that waits).

    ``conninfo`` is the catalog's libpq connection string or ``postgresql://`` URL; a password
    comes from ``PGPASSWORD`` or ``~/.pgpass`` (libpq reads both), never from litrev's files.
    ``label`` names the catalog in messages (without a password).
    """

    def __init__(self, conninfo: str, *, label: str | None = None, key: int = LOCK_KEY,
                 purpose: str = APPLICATION_NAME) -> None:
        self.conninfo = conninfo
        self.label = label or "the PostgreSQL catalog"
        self.key = key
        self.purpose = purpose
        self._con: psycopg.Connection | None = None

    @property
    def held(self) -> bool:
        return self._con is not None and not self._con.closed

    def _connect(self) -> psycopg.Connection:
        params = pg_conninfo.conninfo_to_dict(self.conninfo)
        options = " ".join(part for part in (str(params.get("options") or ""), _SERVER_OPTIONS)
                           if part)
        try:
            return psycopg.connect(
                self.conninfo, autocommit=True, options=options,
                application_name=f"{self.purpose} pid {os.getpid()} on {socket.gethostname()}",
                connect_timeout=CONNECT_TIMEOUT_SECONDS, keepalives=1,
                keepalives_idle=KEEPALIVE_IDLE, keepalives_interval=KEEPALIVE_INTERVAL,
                keepalives_count=KEEPALIVE_COUNT)
        except psycopg.Error as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise StoreError(f"cannot reach {self.label} to take the writer's turn ({reason}); "
                             "check the catalog URL and that the server is up") from None

    def acquire(self) -> None:
        if self.held:
            raise StoreError(f"the writer lock of {self.label} is already held by this process")
        con = self._connect()
        try:
            row = con.execute("SELECT pg_try_advisory_lock(%(key)s)", {"key": self.key}).fetchone()
            if row is not None and row[0]:
                self._con = con
                return
            holder = con.execute(_HOLDER_SQL, {"key": self.key}).fetchone()
        except psycopg.Error as exc:
            con.close()
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise StoreError(f"cannot take the writer's turn on {self.label} ({reason})") from None
        con.close()
        who = ""
        if holder is not None:
            name, addr, since = holder
            who = f" ({name or 'another client'}" + (f" from {addr}" if addr else "") + (
                f", since {since:%Y-%m-%d %H:%M %Z}" if since else "") + ")"
        raise DatabaseBusy(f"{self.label} is being written by another litrev process{who}; "
                           "wait for it to finish, reading meanwhile works")

    def release(self) -> None:
        """Give the turn back. Closing the session is what releases the lock, so a failed
        unlock (a dropped connection) still ends with the lock free."""
        con, self._con = self._con, None
        if con is None:
            return
        try:
            if not con.closed:
                con.execute("SELECT pg_advisory_unlock(%(key)s)", {"key": self.key})
        except psycopg.Error:
            pass
        finally:
            con.close()

    def __enter__(self) -> PostgresWriterLock:
        self.acquire()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()


def run_lock(conninfo: str, run_id: str, *, label: str | None = None) -> PostgresWriterLock:
    """The liveness lock of harvest run ``run_id`` on a shared catalog: held by the run's
    process for the whole run, so a run that another machine sees ``running`` is live exactly
    while this lock is taken (litrev/flows/runlog.py; a local lake uses an flock'd file)."""
    return PostgresWriterLock(conninfo, label=label, key=lock_key("litrev run " + run_id),
                              purpose="litrev run")
