"""Opening the database: migrations, read-only access, snapshots, the fts extension.

Why snapshots: DuckDB lets one process write a file and no other process open it meanwhile, so
a reader would wait for a whole nightly harvest. Writers hold the file only while they merge,
and each write session ends by publishing a read-only copy (``<db>.snapshot``: written to a
temporary name, then renamed, so a reader sees either the old or the new copy, never half).
Readers (`query`, `search`, `export`, `status`) open the snapshot when there is one.

    with write_session("corpus.duckdb") as con:      # migrates, then snapshots on exit
        con.execute("SELECT count(*) FROM works").fetchone()
    with read_session("corpus.duckdb") as con:       # never blocks a harvest
        con.execute("SELECT count(*) FROM works").fetchone()
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from litrev.faults import pause_at
from litrev.store.errors import DatabaseBusy, DatabaseMissing, SchemaTooNew, StoreError

SNAPSHOT_SUFFIX = ".snapshot"
WRITER_WAIT_SECONDS = 600.0
_MIGRATION_NAME = re.compile(r"^(\d{3})_[\w-]+\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) of every migration shipped with this version, in order."""
    folder = resources.files("litrev.store") / "migrations"
    found = []
    for f in folder.iterdir():
        m = _MIGRATION_NAME.match(f.name)
        if m:
            found.append((int(m.group(1)), f.name, f.read_text(encoding="utf-8")))
    return sorted(found)


def latest_version() -> int:
    return migrations()[-1][0]


def snapshot_path(db_path: str | os.PathLike) -> Path:
    return Path(str(db_path) + SNAPSHOT_SUFFIX)


def _connect(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise DatabaseBusy(
                f"{path} is in use by another litrev process (a harvest?); wait for it to finish "
                "or read the snapshot with litrev query/status"
            ) from None
        raise StoreError(f"cannot open {path}: {exc}") from None
    except duckdb.Error as exc:
        raise StoreError(f"cannot open {path} as a DuckDB database ({exc}); "
                         "check the --db path") from None


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = one_row(
        con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    )[0]
    if not exists:
        return 0
    row = one_row(con, "SELECT max(version) FROM schema_version")
    return int(row[0] or 0)


def _check_not_newer(path: Path) -> None:
    """Refuse a file from a newer litrev before opening it for writing (which could touch it)."""
    if not path.exists():
        return
    con = _connect(path, read_only=True)
    try:
        found = schema_version(con)
    finally:
        con.close()
    if found > latest_version():
        raise SchemaTooNew(
            f"{path} has schema version {found}, newer than this litrev understands "
            f"({latest_version()}); upgrade litrev (pip install -U litrev) to open it"
        )


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply missing migrations, each in its own transaction. Returns the resulting version."""
    current = schema_version(con)
    if current > latest_version():
        raise SchemaTooNew(f"database schema version {current} is newer than this litrev "
                           f"({latest_version()}); upgrade litrev to open it")
    if current == 0:
        con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                    "name VARCHAR, applied_at TIMESTAMPTZ)")
    for version, name, sql in migrations():
        if version <= current:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_version VALUES ($v, $n, $t)",
                        {"v": version, "n": name, "t": dt.datetime.now(dt.UTC)})
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        current = version
    return current


def create_database(path: str | os.PathLike) -> Path:
    """Create (or migrate) the database at ``path`` and publish its first snapshot."""
    with write_session(path):
        pass
    return Path(path)


@contextlib.contextmanager
def write_session(path: str | os.PathLike, *, snapshot: bool = True
                  ) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one writer: opens (creating and migrating), yields, checkpoints, snapshots."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _check_not_newer(path)
    con = _connect(path, read_only=False)
    try:
        migrate(con)
        yield con
        con.execute("CHECKPOINT")
    finally:
        con.close()
    if snapshot:
        publish_snapshot(path)


@contextlib.contextmanager
def waiting_write_session(path: str | os.PathLike, *, wait_seconds: float = WRITER_WAIT_SECONDS,
                          poll_seconds: float = 2.0, snapshot: bool = True
                          ) -> Iterator[duckdb.DuckDBPyConnection]:
    """:func:`write_session`, waiting while another process writes instead of failing.

    The one place that waits for a busy database: the harvest's writes (open, load, finish),
    its translation and coding steps, and the commands a user runs beside a harvest use it, so
    a nightly run and a manual ``litrev translate`` take turns. Gives up with
    :class:`DatabaseBusy` after ``wait_seconds`` (10 minutes).
    """
    deadline = time.monotonic() + wait_seconds
    while True:
        stack = contextlib.ExitStack()
        try:
            con = stack.enter_context(write_session(path, snapshot=snapshot))
        except DatabaseBusy:
            left = deadline - time.monotonic()
            if left <= 0:
                raise
            time.sleep(min(poll_seconds, left))
            continue
        break
    with stack:
        yield con


def publish_snapshot(path: str | os.PathLike) -> Path:
    """Copy the closed database to ``<db>.snapshot`` atomically (write, fsync, rename).

    A read-only connection is held during the copy so that no other process can start
    writing the file halfway through it. If another process is writing already, nothing is
    copied: that writer publishes its own snapshot (which includes ours) when it closes.
    """
    path = Path(path)
    target = snapshot_path(path)
    try:
        guard = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            return target
        raise
    except duckdb.ConnectionException:
        guard = None  # this process itself holds the file open (a test's writer): copy as is
    try:
        _remove_abandoned_copies(path)
        _copy_atomically(path, target)
    finally:
        if guard is not None:
            guard.close()
    return target


def _copy_prefix(path: Path, pid: int) -> str:
    return f"{path.name}{SNAPSHOT_SUFFIX}-{pid}-"


def _remove_abandoned_copies(path: Path) -> list[Path]:
    """Delete temporary snapshot copies whose writing process is gone (killed mid-copy)."""
    removed = []
    for tmp in path.parent.glob(f"{path.name}{SNAPSHOT_SUFFIX}-*-*.tmp"):
        pid_text = tmp.name[len(path.name + SNAPSHOT_SUFFIX) + 1:].split("-", 1)[0]
        if pid_text.isdigit() and not _process_alive(int(pid_text)):
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
                removed.append(tmp)
    return removed


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def _copy_atomically(path: Path, target: Path) -> None:
    """Copy with the database file's permission bits (mkstemp would make it 0600, so analysts
    of the group who may read the database could not read the snapshot readers prefer)."""
    fd, tmp = tempfile.mkstemp(prefix=_copy_prefix(path, os.getpid()), suffix=".tmp",
                               dir=path.parent)
    try:
        os.fchmod(fd, stat.S_IMODE(os.stat(path).st_mode))
        with os.fdopen(fd, "wb") as out, open(path, "rb") as src:
            shutil.copyfileobj(src, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
        pause_at("snapshot")
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def read_session(path: str | os.PathLike, *, prefer_snapshot: bool = True
                 ) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection: on the snapshot if one exists, else on the database itself."""
    path = Path(path)
    snap = snapshot_path(path)
    if prefer_snapshot and snap.exists():
        target = snap
    elif path.exists():
        target = path
    else:
        raise DatabaseMissing(f"no database at {path}; create it with `litrev init --db {path}` "
                              "or pass --db / set LITREV_DB")
    con = _connect(target, read_only=True)
    try:
        found = schema_version(con)
        if found > latest_version():
            raise SchemaTooNew(f"{path} has schema version {found}, newer than this litrev "
                               f"({latest_version()}); upgrade litrev to read it")
        if found < latest_version():
            raise StoreError(f"{path} has schema version {found}, older than this litrev "
                             f"({latest_version()}); run `litrev init --db {path}` to migrate it")
        yield con
    finally:
        con.close()


@contextlib.contextmanager
def transaction(con: duckdb.DuckDBPyConnection, *, relations: dict | None = None,
                failure: str | None = None, error: type[StoreError] = StoreError,
                begin: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """One all-or-nothing write: register the batch relations, BEGIN, yield, COMMIT.

    On any error the transaction is rolled back; with ``failure`` ("saving translations
    failed") the error becomes ``error("<failure> and nothing of it was stored: <reason>")``,
    without it the original exception is re-raised. ``begin=False`` joins a transaction the
    caller already opened (the caller commits or rolls back). The relations are always
    unregistered.

        with transaction(con, relations={"batch_works": frame}, failure="loading failed"):
            con.execute("INSERT INTO works SELECT * FROM batch_works")
    """
    relations = relations or {}
    for name, relation in relations.items():
        con.register(name, relation)
    try:
        if begin:
            con.execute("BEGIN TRANSACTION")
        try:
            yield con
            if begin:
                con.execute("COMMIT")
        except Exception as exc:
            if begin:
                con.execute("ROLLBACK")
            if failure is None:
                raise
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise error(f"{failure} and nothing of it was stored: {reason}") from exc
    finally:
        for name in relations:
            con.unregister(name)


def fts_extension_path() -> Path:
    """The fts extension file shipped by the ``duckdb-extension-fts`` wheel (no download)."""
    import duckdb_extension_fts

    base = Path(duckdb_extension_fts.__file__).parent / "extensions"
    candidate = base / f"v{duckdb.__version__}" / "fts.duckdb_extension"
    if not candidate.exists():
        raise StoreError(
            f"the fts extension for duckdb {duckdb.__version__} is missing; install "
            f"duckdb-extension-fts=={duckdb.__version__}"
        )
    return candidate


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    """Install and load fts from the local wheel; a no-op when it is already loaded."""
    loaded = con.execute(
        "SELECT loaded FROM duckdb_extensions() WHERE extension_name = 'fts'"
    ).fetchone()
    if loaded and loaded[0]:
        return
    # INSTALL takes a literal, not a bound parameter; the path comes from the installed wheel.
    con.execute("INSTALL '" + str(fts_extension_path()).replace("'", "''") + "'")
    con.execute("LOAD fts")


def one_row(con: duckdb.DuckDBPyConnection, sql: str,
            params: Mapping[str, object] | None = None) -> tuple[Any, ...]:
    """The one row of a statement that always returns one (an aggregate such as ``count(*)``).

            one_row(con, "SELECT count(*), max(year) FROM works")
            # -> (12, 2024)
    """
    row = con.execute(sql, params or {}).fetchone()
    if row is None:
        raise StoreError(f"a statement that returns one row returned none: {sql.strip()[:80]}")
    return row


def frame(con: duckdb.DuckDBPyConnection, sql: str,
          params: Mapping[str, object] | None = None) -> Any:
    """Run a statement and return a pandas frame, through Arrow.

    Why not ``.df()``: with pandas 3.1 DuckDB's direct conversion of TIMESTAMPTZ columns
    emits a deprecation warning that users would see; the Arrow path does not.
    """
    return con.execute(sql, params or {}).to_arrow_table().to_pandas()
