"""Opening the store: a DuckLake (catalog + Parquet files), migrations, the writer's turn.

Why DuckLake: a DuckDB file lets one process write and no other open it meanwhile, so readers
of the old design read a whole-file copy published after every write. A lake is read through
its catalog: a read-only attach answers while another process commits (it sees the last
committed snapshot), every commit is a snapshot (time travel: :func:`read_session` with
``as_of``), and the same code runs on a local SQLite catalog or a shared PostgreSQL one
(:mod:`litrev.store.location`). Writers still take turns: a :class:`WriterLock` taken before
the write transaction begins, so a writer always starts from the latest snapshot.

    with write_session("litrev.ducklake") as con:    # lock, attach, migrate
        con.execute("SELECT count(*) FROM works").fetchone()
    with read_session("litrev.ducklake") as con:     # never waits for a writer
        con.execute("SELECT count(*) FROM works").fetchone()

Each session is a connection to one in-memory DuckDB instance per process, with the lake
attached under an alias (``lake_<n>``) made the default catalog (``USE``), so the store's SQL
names tables unqualified; :func:`lake_name` gives the alias for the few statements that must
name it (``<alias>.snapshots()``). A local lake's attachment is kept for the process's later
sessions (one read-only, one writable; :func:`_catalog_file` says why and when not), so what a
session attaches beside it takes a name of its own (:func:`session_alias`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fcntl
import hashlib
import importlib
import itertools
import json
import logging
import os
import re
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, TypeVar

import duckdb

from litrev.filesystems import NETWORK_FILE_SYSTEMS, file_system_type
from litrev.store.errors import DatabaseBusy, DatabaseMissing, SchemaTooNew, StoreError
from litrev.store.location import Backend, StoreLocation
from litrev.store.sqlfiles import internal

log = logging.getLogger("litrev.store")

WRITER_WAIT_SECONDS = 600.0
LAKE = "lake"
AUTHOR = "litrev"
_MIGRATION_NAME = re.compile(r"^(\d{3})_[\w-]+\.sql$")
# What each backend's catalog needs loaded besides ducklake (parquet is built into the
# duckdb wheel; it is loaded from its own wheel when a build lacks it).
_CATALOG_EXTENSION = {Backend.LOCAL: "sqlite", Backend.POSTGRES: "postgres"}
StorePath = str | os.PathLike | StoreLocation


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


def location_of(path: StorePath) -> StoreLocation:
    """The :class:`StoreLocation` of a ``--db`` value (refuses a DuckDB file of old)."""
    return StoreLocation.parse(path)


# -- extensions ---------------------------------------------------------------------------

def extension_path(name: str) -> Path:
    """An extension file shipped by its ``duckdb-extension-<name>`` wheel (no download)."""
    module = f"duckdb_extension_{name}"
    try:
        package = importlib.import_module(module)
    except ImportError:
        raise StoreError(f"the {name} extension is missing; install "
                         f"duckdb-extension-{name}=={duckdb.__version__}") from None
    base = Path(str(package.__file__)).parent / "extensions"
    candidate = base / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not candidate.exists():
        raise StoreError(f"the {name} extension for duckdb {duckdb.__version__} is missing; "
                         f"install duckdb-extension-{name}=={duckdb.__version__}")
    return candidate


def fts_extension_path() -> Path:
    return extension_path("fts")


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Install ``name`` from its local wheel and load it; a no-op when it is loaded already.

    Extensions cannot be downloaded at run time, so every one litrev needs (ducklake, sqlite,
    postgres, parquet, fts, httpfs) comes from a pinned wheel of the same version as duckdb.
    """
    internal_name = "sqlite_scanner" if name == "sqlite" else \
        "postgres_scanner" if name == "postgres" else name
    if {name, internal_name} & _loaded_extensions(con):
        return
    # INSTALL takes a literal, not a bound parameter; the path comes from the installed wheel.
    con.execute("INSTALL '" + _literal(str(extension_path(name))) + "'")
    con.execute("LOAD " + name)


def _loaded_extensions(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Names of the loaded extensions. Read without a bound value: DuckDB 1.5.5 imports pandas
    (about 0.8 s) to bind any parameter, and every session (`litrev status` too) asks this."""
    return {str(r[0]) for r in con.execute(
        "SELECT extension_name FROM duckdb_extensions() WHERE loaded").fetchall()}


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    load_extension(con, "fts")


def _literal(text: str) -> str:
    return text.replace("'", "''")


# -- the writer's turn ----------------------------------------------------------------------

class WriterLock(Protocol):
    """Whose turn it is to write. Taken before the write transaction begins, released after
    it ends; :meth:`acquire` raises :class:`DatabaseBusy` at once when another holds it
    (:func:`waiting_write_session` is the one place that waits)."""

    def acquire(self) -> None: ...

    def release(self) -> None: ...


class FileWriterLock:
    """The local catalog's lock: an flock'd file beside the catalog (``<catalog>.lock``).

    The kernel releases it when the process dies, so a killed harvest never leaves the lake
    locked."""

    def __init__(self, location: StoreLocation) -> None:
        assert location.local_path is not None
        self.path = Path(str(location.local_path) + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DatabaseBusy(
                f"{self.path.with_suffix('')} is being written by another litrev process (a "
                "harvest?); wait for it to finish, reading meanwhile works") from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


# Backend -> the lock class; the PostgreSQL catalog registers its own (a lock that lives in
# the shared catalog, so writers on other machines take turns too).
def _postgres_writer_lock(location: StoreLocation) -> WriterLock:
    """A session advisory lock in the catalog database (litrev/store/pglock.py says why);
    psycopg is imported only when a shared catalog is written."""
    from litrev.store.pglock import PostgresWriterLock

    return PostgresWriterLock(location.catalog, label=str(location))


WRITER_LOCKS: dict[Backend, Callable[[StoreLocation], WriterLock]] = {
    Backend.LOCAL: FileWriterLock,
    Backend.POSTGRES: _postgres_writer_lock,
}


def writer_lock(location: StoreLocation) -> WriterLock:
    try:
        make = WRITER_LOCKS[location.backend]
    except KeyError:
        raise StoreError(f"writing to a {location.backend} catalog needs its writer lock, which "
                         "this litrev does not have") from None
    return make(location)


# -- attaching ------------------------------------------------------------------------------

# DuckDB checks an extension's signature on every LOAD by hashing the whole file: about 0.1 s
# of CPU per extension (ducklake is 36 MB), most of what `litrev status` spent opening the lake.
# litrev loads only the files of the pinned duckdb-extension-* wheels pip installed beside
# duckdb itself (whoever could swap those could swap duckdb's own code), and a user's SQL runs
# with external access off (store.queries.prepare_reader), so it can load nothing.
INSTANCE_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "allow_unsigned_extensions": True}
_INSTANCE_LOCK = threading.Lock()
_instance: tuple[int, str, duckdb.DuckDBPyConnection] | None = None
_session_numbers = itertools.count(1)
_instance_numbers = itertools.count(1)


def _shared_instance() -> tuple[str, duckdb.DuckDBPyConnection]:
    """This process's one in-memory DuckDB instance, with the lake extensions loaded.

    Why shared: loading ducklake and sqlite costs about 0.3 s per new DuckDB instance, and a
    harvest opens dozens of sessions. Every session is a new connection to this instance (a
    named in-memory database is shared within a process) with its own attach of the lake under
    its own alias; a process that forked gets its own instance, and so do the sessions after
    one that locked the instance down for a user's SQL (``store.queries.prepare_reader`` turns
    external access off, a setting of the whole instance)."""
    global _instance
    with _INSTANCE_LOCK:
        if _instance is None or _instance[0] != os.getpid() or \
                one_row(_instance[2], "SELECT current_setting('lock_configuration')")[0]:
            name = f":memory:litrev-{os.getpid()}-{next(_instance_numbers)}"
            base = duckdb.connect(name, config=INSTANCE_CONFIG)
            load_extension(base, "ducklake")
            if not _loaded(base, "parquet"):
                load_extension(base, "parquet")
            _instance = (os.getpid(), name, base)
        return _instance[1], _instance[2]


@dataclass
class _Attachment:
    """A lake attached to this process's shared instance, and the sessions using it."""

    instance: str
    alias: str
    location: StoreLocation
    catalog_file: tuple[int, int, str] | None   # a kept one's (_catalog_file)
    # the session connections using it: a connection closed without close() (or never
    # closed) leaves this set when it is collected
    users: weakref.WeakSet[duckdb.DuckDBPyConnection] = field(default_factory=weakref.WeakSet)
    kept: bool = False


@dataclass
class _Session:
    attachment: _Attachment
    extras: list[str] = field(default_factory=list)   # attached beside it: detached at close


# Local lakes whose attachment outlives its session, by (instance, catalog URI, read-only);
# the most recently used last. At most KEPT_ATTACHMENTS of them.
_KEPT: dict[tuple[str, str, bool], _Attachment] = {}
_ATTACHED: list[_Attachment] = []   # the shared instance's lake attachments, kept or not
# connection -> its session, until close() (or until the connection is gone)
_SESSIONS: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, _Session] = \
    weakref.WeakKeyDictionary()
KEPT_ATTACHMENTS = 4


def _catalog_file(location: StoreLocation) -> tuple[int, int, str] | None:
    """What tells a local lake's catalog file from any other: its device, its inode and when
    its lake was created (snapshot 0's time, to the microsecond); None for a lake whose
    attachment is not kept.

    Why attachments are kept: an attach reads the lake's catalog (its tables and columns)
    again, 25-30 ms of every session on a 300,000-excerpt lake, and a quiet night opens seven;
    a kept attachment costs a session a new connection and its query for the latest snapshot
    (measured 37 -> 10 ms per session). DuckLake reads the latest snapshot at each
    transaction, so another process's commits are seen as with a new attach. But what it
    holds of the catalog belongs to that lake: a lake deleted and created again at the same
    path may get the same inode (the SQLite catalog is not held open between statements), and
    a kept attachment then wrote to it as if it were the old one (an UPDATE that found no rows,
    seen in a test). The creation time tells the two apart. Not kept: a shared (PostgreSQL)
    catalog, a catalog on a network file system (where the writer switches its journal mode,
    which needs the only connection), a snapshot (``as_of``) and a lake not yet created. A
    catalog file overwritten in place by a copy of the same lake (a backup put back) while a
    process runs is not told apart: stop litrev's processes before putting a backup back.
    """
    catalog = location.local_path
    if catalog is None or file_system_type(catalog.parent) in NETWORK_FILE_SYSTEMS:
        return None
    try:
        found = catalog.stat()
        uri = catalog.resolve().as_uri() + "?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=0)) as con:
            row = con.execute(internal("lake_birth").sql).fetchone()
    except (OSError, sqlite3.Error):
        return None
    if row is None:
        return None
    return (found.st_dev, found.st_ino, str(row[0]))


def _kept_session(name: str, location: StoreLocation, read_only: bool,
                  catalog_file: tuple[int, int, str] | None
                  ) -> duckdb.DuckDBPyConnection | None:
    """A connection to the kept attachment of this lake, when there is a current one."""
    if catalog_file is None:
        return None
    with _INSTANCE_LOCK:
        attachment = _KEPT.get((name, location.uri, read_only))
        if attachment is None or attachment.catalog_file != catalog_file:
            return None
        con = duckdb.connect(name, config=INSTANCE_CONFIG)
        attachment.users.add(con)
        _KEPT[(name, location.uri, read_only)] = _KEPT.pop((name, location.uri, read_only))
    _SESSIONS[con] = _Session(attachment)
    try:
        con.execute("USE " + attachment.alias)
    except BaseException:
        close(con)
        raise
    return con


def _keep(attachment: _Attachment, base: duckdb.DuckDBPyConnection, read_only: bool) -> None:
    """Keep ``attachment`` for later sessions; let go of the one it replaces and of the least
    recently used beyond :data:`KEPT_ATTACHMENTS` (detached now, or by their last session)."""
    key = (attachment.instance, attachment.location.uri, read_only)
    with _INSTANCE_LOCK:
        released = [_KEPT.pop(key)] if key in _KEPT else []
        attachment.kept = True
        _KEPT[key] = attachment
        for other in [k for k in _KEPT if k[0] != attachment.instance]:
            _KEPT.pop(other).kept = False   # of an instance this process no longer uses
        while len(_KEPT) > KEPT_ATTACHMENTS:
            released.append(_KEPT.pop(next(iter(_KEPT))))
        for old in released:
            old.kept = False
            if not old.users:
                _detach(base, old)


def _tidy_attachments(name: str, base: duckdb.DuckDBPyConnection) -> None:
    """Detach the kept lakes whose catalog file was deleted, moved or replaced (they would
    otherwise fail every statement that lists the instance's catalogs: information_schema),
    and the lakes no longer kept whose last connection went without :func:`close`."""
    with _INSTANCE_LOCK:
        for key, attachment in list(_KEPT.items()):
            catalog = attachment.location.local_path
            try:
                found = catalog.stat() if catalog is not None else None
            except OSError:
                found = None
            if found is None or attachment.catalog_file is None or \
                    (found.st_dev, found.st_ino) != attachment.catalog_file[:2]:
                del _KEPT[key]
                attachment.kept = False
        for attachment in list(_ATTACHED):
            if attachment.instance != name:
                _ATTACHED.remove(attachment)  # an instance this process no longer uses
            elif not attachment.kept and not attachment.users:
                _detach(base, attachment)


def _detach(con: duckdb.DuckDBPyConnection, attachment: _Attachment) -> None:
    with contextlib.suppress(duckdb.Error):
        con.execute("DETACH DATABASE IF EXISTS " + attachment.alias)
    _LOCATIONS.pop(attachment.alias, None)
    with contextlib.suppress(ValueError):
        _ATTACHED.remove(attachment)


def connect(location: StoreLocation, *, read_only: bool, snapshot: int | None = None,
            shared: bool = True) -> duckdb.DuckDBPyConnection:
    """A connection with the lake attached under an alias (``lake_<n>``) and in use (``USE``),
    so the store's SQL names tables unqualified. Close it with :func:`close`. A local lake's
    attachment is kept for the process's later sessions (:func:`_catalog_file` says when and
    why); others are attached per session.

    ``shared=False`` gives a connection of a DuckDB instance of its own, which a plain
    ``con.close()`` releases entirely (for scripts and tests that open the lake by hand)."""
    if shared:
        name, base = _shared_instance()
    else:
        name = ":memory:"
        base = duckdb.connect(name, config=INSTANCE_CONFIG)
        load_extension(base, "ducklake")
        if not _loaded(base, "parquet"):
            load_extension(base, "parquet")
    catalog_file = _catalog_file(location) if shared and snapshot is None else None
    if catalog_file is not None:
        # named by its absolute path: SQLite opens the catalog again for each statement, and a
        # relative name would then follow the process's working folder
        location = dataclasses.replace(location, catalog=str(Path(location.catalog).resolve()))
    _tidy_attachments(name, base)
    kept = _kept_session(name, location, read_only, catalog_file)
    if kept is not None:
        return kept
    with _INSTANCE_LOCK:
        load_extension(base, _CATALOG_EXTENSION[location.backend])
        if location.needs_httpfs:
            load_extension(base, "httpfs")
    alias = f"{LAKE}_{next(_session_numbers)}"
    con = duckdb.connect(name, config=INSTANCE_CONFIG) if shared else base
    attachment = _Attachment(name, alias, location, catalog_file)
    attachment.users.add(con)
    with _INSTANCE_LOCK:
        _ATTACHED.append(attachment)
    _SESSIONS[con] = _Session(attachment)
    try:
        con.execute("ATTACH '" + _literal(location.uri) + "' AS " + alias + " ("
                    + ", ".join(_attach_options(location, read_only, snapshot)) + ")")
        con.execute("USE " + alias)
        _LOCATIONS[alias] = location
        # the file attached is the one stat'ed (not one put in its place meanwhile); a lake
        # this attach created is kept from its next session on
        if catalog_file is not None and _catalog_file(location) == catalog_file:
            _keep(attachment, base, read_only)
    except duckdb.Error as exc:
        close(con)
        reason = str(exc).splitlines()[0]
        if read_only and "creating a new DuckLake is explicitly disabled" in reason:
            # a shared catalog's database exists before its lake does (location.exists
            # cannot tell): reading it is reading a store that was never written
            raise DatabaseMissing(f"no database at {location} yet; `litrev init` or a harvest "
                                  "with this --db and --data-path creates it") from None
        if "lock" in reason.lower():
            raise DatabaseBusy(f"{location} is busy ({reason}); try again in a moment") from None
        raise StoreError(f"cannot open {location} as a litrev lake ({reason}); check --db "
                         "(and --data-path for a shared catalog)") from None
    except BaseException:
        close(con)
        raise
    return con


# alias -> the store a session attached (its data path, its local cache folder)
_LOCATIONS: dict[str, StoreLocation] = {}


def lake_name(con: duckdb.DuckDBPyConnection) -> str:
    """The alias this session's lake is attached under (its default catalog); for another
    connection (a cursor of a session), its default catalog."""
    session = _SESSIONS.get(con)
    if session is not None:
        return session.attachment.alias
    return str(one_row(con, "SELECT current_database()")[0])


def location_in(con: duckdb.DuckDBPyConnection) -> StoreLocation:
    """The store this session attached."""
    try:
        return _LOCATIONS[lake_name(con)]
    except KeyError:
        raise StoreError("this connection is not a litrev store session") from None


def cache_dir_of(con: duckdb.DuckDBPyConnection) -> Path:
    """The store's local cache folder (store.search keeps the full-text index there)."""
    return location_in(con).cache_dir


def writable_cache_dir(con: duckdb.DuckDBPyConnection) -> Path:
    """The store's local cache folder (:func:`cache_dir_of`) where this user may write it, else
    one of this user's own in their cache folder: an analyst who may read the review's folder
    but not write it still gets the full-text index and the reading copy (both derived from
    the lake: any copy will do)."""
    folder = cache_dir_of(con)
    existing = folder if folder.exists() else folder.parent
    if os.access(existing, os.W_OK):
        return folder
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "litrev" / "derived" / hashlib.sha256(str(folder.resolve()).encode()
                                                        ).hexdigest()[:16]


def data_directory(con: duckdb.DuckDBPyConnection) -> str:
    """The folder (or object-storage prefix) the session's lake reads its files from."""
    location = location_in(con)
    if location.local_path is not None:
        return str(Path(location.data_path).resolve()) + "/"
    return location.data_path


def session_alias(con: duckdb.DuckDBPyConnection, purpose: str) -> str:
    """A name for a database the session ``con`` attaches beside its lake (an export's file,
    a migration's source): unique to the session, detached by :func:`close`.

        session_alias(con, "export")   # -> 'lake_3_export_7'
    """
    alias = f"{lake_name(con)}_{purpose}_{next(_session_numbers)}"
    session = _SESSIONS.get(con)
    if session is not None:
        session.extras.append(alias)
    return alias


def close(con: duckdb.DuckDBPyConnection) -> None:
    """Detach what the session attached beside its lake (:func:`session_alias`), and the lake
    unless its attachment is kept (:func:`connect`), then close the connection: attachments
    belong to the shared instance, so a session's must not outlive it. (The search cache's
    immutable files stay attached for reuse.)"""
    session = _SESSIONS.pop(con, None)
    try:
        if session is not None:
            con.execute("USE memory")
            for alias in session.extras:
                con.execute("DETACH DATABASE IF EXISTS " + alias)
            attachment = session.attachment
            with _INSTANCE_LOCK:
                attachment.users.discard(con)
                if not attachment.kept and not attachment.users:
                    _detach(con, attachment)
    except duckdb.Error:
        pass  # a connection broken mid-statement: closing it is all that is left to do
    finally:
        con.close()


def _loaded(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return name in _loaded_extensions(con)


def _attach_options(location: StoreLocation, read_only: bool,
                    snapshot: int | None) -> list[str]:
    data_path = location.data_path
    options = []
    if location.local_path is not None:
        # The catalog records the data path it was created with; a local lake may be moved
        # or opened from another folder, so its data folder is always the one beside it.
        data_path = str(Path(data_path).resolve()) + "/"
        options.append("OVERRIDE_DATA_PATH true")
    options.insert(0, "DATA_PATH '" + _literal(data_path) + "'")
    if read_only:
        options.append("READ_ONLY")
    if snapshot is not None:
        options.append(f"SNAPSHOT_VERSION {int(snapshot)}")
    return options


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The lake's schema version; 0 for a lake with no ``schema_version`` table (a new one).

    Why the table is read first and looked up in ``information_schema`` only when the read
    fails: every session checks the version, and listing the tables of every attached catalog
    cost 30-55 ms on a lake session against 10-15 ms for the read (a quiet night opens seven
    sessions). The read fails on a new lake, with a catalog error or, on a connection that
    lets DuckDB read Python variables as tables, with DuckDB's complaint about this function's
    name; a table that exists is always the one read."""
    try:
        row = one_row(con, "SELECT max(version) FROM schema_version")
    except duckdb.Error:
        exists = one_row(
            con, "SELECT count(*) FROM information_schema.tables WHERE table_name = "
                 "'schema_version' AND table_catalog = current_database()")[0]
        if exists:
            raise
        return 0
    return int(row[0] or 0)


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply missing migrations, each in its own transaction. Returns the resulting version."""
    current = schema_version(con)
    if current > latest_version():
        raise SchemaTooNew(f"the lake's schema version {current} is newer than this litrev "
                           f"({latest_version()}); upgrade litrev (pip install -U litrev) to "
                           "open it")
    for version, name, sql in migrations():
        if version <= current:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            if current == 0:
                con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL,"
                            " name VARCHAR, applied_at TIMESTAMPTZ)")
            con.execute(sql)
            con.execute("INSERT INTO schema_version VALUES ($v, $n, $t)",
                        {"v": version, "n": name, "t": dt.datetime.now(dt.UTC)})
            name_snapshot(con, f"schema {name}")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        current = version
    return current


def create_database(path: StorePath) -> StoreLocation:
    """Create (or migrate) the lake at ``path``."""
    with write_session(path):
        pass
    return location_of(path)


@contextlib.contextmanager
def write_session(path: StorePath) -> Iterator[duckdb.DuckDBPyConnection]:
    """The one writer: takes the writer lock, attaches (creating the lake), migrates, yields.

    Nothing is copied on exit: each committed transaction is already a snapshot readers see.
    """
    location = location_of(path)
    lock = writer_lock(location)
    lock.acquire()
    try:
        catalog = location.local_path
        existed = catalog is not None and catalog.exists()
        if catalog is not None:
            catalog.parent.mkdir(parents=True, exist_ok=True)
            if existed:  # before the attach: leaving WAL mode needs the only connection
                _catalog_journal_mode(catalog)
        con = connect(location, read_only=False)
        try:
            if catalog is not None and not existed:  # the attach has just created it
                _catalog_journal_mode(catalog)
            migrate(con)
            yield con
        finally:
            close(con)
    finally:
        lock.release()


_warned_network: set[Path] = set()


def _catalog_journal_mode(catalog: Path) -> None:
    """Keep a local lake's SQLite catalog in write-ahead-log mode (switched once; the mode is
    kept in the file), or in SQLite's rollback journal on a network file system.

    Why: in the rollback-journal mode a writer committing locks readers out, and DuckLake's
    read-only attach then fails with "database is locked" (an analyst's query or a reviewer's
    export failing while the nightly harvest writes: measured 8 failed reads in 800 beside 150
    small commits). In WAL mode readers read the last committed snapshot while a writer
    commits. WAL is not safe on a network file system (:data:`NETWORK_FILE_SYSTEMS`): there the
    catalog keeps the rollback journal, and the first write of a process says once that reads
    may then meet a commit (a review shared between machines uses a PostgreSQL catalog).
    """
    kind = file_system_type(catalog.parent)
    network = kind in NETWORK_FILE_SYSTEMS
    wanted = "delete" if network else "wal"
    with contextlib.closing(sqlite3.connect(catalog, timeout=WRITER_WAIT_SECONDS)) as con:
        if con.execute("PRAGMA journal_mode").fetchone()[0] != wanted:
            try:
                con.execute("PRAGMA journal_mode=DELETE" if network else "PRAGMA journal_mode=WAL")
            except sqlite3.OperationalError:
                pass  # leaving WAL while another process reads: tried again at the next write
    if network and catalog not in _warned_network:
        _warned_network.add(catalog)
        log.warning("%s is on a network file system (%s): a read that meets a harvest's commit "
                    "may fail with 'database is locked' (run it again); keep the review on a "
                    "local disk, or share it through a PostgreSQL catalog (docs/team.md)",
                    catalog, kind)


@contextlib.contextmanager
def waiting_write_session(path: StorePath, *, wait_seconds: float = WRITER_WAIT_SECONDS,
                          poll_seconds: float = 2.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """:func:`write_session`, waiting while another process writes instead of failing.

    The one place that waits for a busy store: the harvest's writes (open, load, finish),
    its translation and coding steps, and the commands a user runs beside a harvest use it, so
    a nightly run and a manual ``litrev translate`` take turns. Gives up with
    :class:`DatabaseBusy` after ``wait_seconds`` (10 minutes).
    """
    deadline = time.monotonic() + wait_seconds
    while True:
        stack = contextlib.ExitStack()
        try:
            con = stack.enter_context(write_session(path))
        except DatabaseBusy:
            left = deadline - time.monotonic()
            if left <= 0:
                raise
            time.sleep(min(poll_seconds, left))
            continue
        break
    with stack:
        yield con


@contextlib.contextmanager
def read_session(path: StorePath, *, as_of: str | None = None
                 ) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only attach of the lake: never waits for a writer (it reads the last committed
    snapshot). ``as_of`` (a harvest run id) reads the corpus as it stood after that run."""
    location = location_of(path)
    if not location.exists:
        raise DatabaseMissing(f"no database at {location}; create it with `litrev init --db "
                              f"{location}` or pass --db / set LITREV_DB")
    snapshot = None
    if as_of is not None:
        snapshot = snapshot_of_run(location, as_of)
    con = connect(location, read_only=True, snapshot=snapshot)
    try:
        found = schema_version(con)
        if found > latest_version():
            raise SchemaTooNew(f"{location} has schema version {found}, newer than this "
                               f"litrev ({latest_version()}); upgrade litrev to read it")
        if found < latest_version() and snapshot is None:
            raise StoreError(f"{location} has schema version {found}, older than this litrev "
                             f"({latest_version()}); run `litrev init --db {location}` to "
                             "migrate it")
        yield con
    finally:
        close(con)


# -- snapshots --------------------------------------------------------------------------------

def name_snapshot(con: duckdb.DuckDBPyConnection, message: str,
                  extra: Mapping[str, object] | None = None) -> None:
    """Name the snapshot the open transaction will commit (``lake.snapshots()`` shows it).

    A harvest run's final write names its snapshot with the run id, which is how
    :func:`snapshot_of_run` finds the corpus as it stood after that run. On a plain DuckDB
    database (a test's in-memory one, an export) there are no snapshots: nothing to name."""
    if not is_lake(con):
        return
    con.execute("CALL ducklake_set_commit_message($lake, $author, $message, "
                "extra_info => $extra)",
                {"lake": lake_name(con), "author": AUTHOR, "message": message,
                 "extra": json.dumps(dict(extra or {}), sort_keys=True)})


def is_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's default catalog is the lake (not a plain DuckDB database)."""
    row = con.execute("SELECT type FROM duckdb_databases() WHERE database_name = "
                      "current_database()").fetchone()
    return bool(row and row[0] == "ducklake")


COMPACT_MIN_FILES = 16


def data_files(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Parquet data files per table of the lake as of this session (small inserts are inlined
    in the catalog and have none)."""
    return {str(r[0]): int(r[1] or 0) for r in con.execute(
        "SELECT table_name, file_count FROM ducklake_table_info($lake) ORDER BY table_name",
        {"lake": lake_name(con)}).fetchall()}


def compact(con: duckdb.DuckDBPyConnection, *, min_files: int = COMPACT_MIN_FILES
            ) -> list[str]:
    """Merge the small data files of each table that has ``min_files`` or more; the tables
    merged.

    Every write of a batch bigger than the inlining limit adds one Parquet file per table, so a
    year of nightly runs leaves hundreds of small files that every query opens. Merging keeps
    the old files for the snapshots that list them (``--as-of`` still works); it runs at the end
    of a harvest, after the run's named commit. Only the tables past the limit are merged: a
    night with nothing new adds files to the ledger's tables only, and merging the whole lake
    when one of those reached the limit would rewrite the corpus's files on a quiet night (and
    make the next search read every text to find its index unchanged).

        compact(con)
        # -> ['search_log']
    """
    lake = lake_name(con)
    crowded = [table for table, files in data_files(con).items() if files >= min_files]
    for table in crowded:
        con.execute("CALL ducklake_merge_adjacent_files($lake, $table)",
                    {"lake": lake, "table": table})
        if data_files(con).get(table, 0) >= min_files:
            # Files with deleted rows are not merged (a lake from before litrev kept the ledger
            # in the catalog has one such file per earlier run in harvest_runs, and the merge
            # was tried every night): rewritten without their deleted rows, then merged.
            con.execute("CALL ducklake_rewrite_data_files($lake, $table, delete_threshold => 0)",
                        {"lake": lake, "table": table})
            con.execute("CALL ducklake_merge_adjacent_files($lake, $table)",
                        {"lake": lake, "table": table})
    return crowded


def current_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    """The snapshot this session reads (the latest, or the one it was opened at)."""
    return int(one_row(con, "SELECT id FROM ducklake_current_snapshot($lake)",
                       {"lake": lake_name(con)})[0])


def commit_key(committed: int | None) -> str:
    """A short key of a snapshot's commit time in microseconds since 1970 ("0" for none).

    Why: a lake deleted and created again at the same path numbers its snapshots from the
    start; the local caches derived from a snapshot (the reading copy, the full-text index)
    name their files with this key beside the number, so that none of the old lake's is read
    for the new one's."""
    if committed is None:
        return "0"
    return hashlib.sha256(str(committed).encode()).hexdigest()[:8]


def last_change(con: duckdb.DuckDBPyConnection, tables: Sequence[str]) -> tuple[int, str]:
    """The latest snapshot, up to the one this session reads, that changed one of ``tables``
    (or the schema of one), with the key of its commit time (:func:`commit_key`): whatever is
    derived from those tables alone is the same at every later snapshot.

        last_change(con, ["excerpts", "translations"])   # -> (41, '9c1e07a2')
    """
    q = internal("tables_last_change")
    snapshot, committed = one_row(con, q.sql, q.bind({"lake": lake_name(con),
                                                      "tables": list(tables)}))
    return int(snapshot), commit_key(committed)


def snapshot_key(con: duckdb.DuckDBPyConnection, snapshot: int) -> str | None:
    """:func:`commit_key` of ``snapshot`` of the session's lake; None when the lake does not
    list it."""
    query = internal("snapshot_commit_time")
    row = con.execute(query.sql, query.bind({"snapshot": snapshot})).fetchone()
    return None if row is None else commit_key(row[0])


def snapshots(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every snapshot of the lake, oldest first (id, time, changes, author, message, extra).

    Read through Arrow: ``.df()`` would need pytz for the snapshot times."""
    table = con.execute("SELECT * FROM ducklake_snapshots($lake) ORDER BY snapshot_id",
                        {"lake": lake_name(con)}).to_arrow_table()
    return list(table.to_pylist())


def snapshot_of_run(path: StorePath, run_id: str) -> int:
    """The snapshot a harvest run's final write committed (the corpus as it stood after it).

    Raises :class:`StoreError` with one line naming what to do for a run that is unknown or
    has not finished."""
    location = location_of(path)
    if not location.exists:
        raise DatabaseMissing(f"no database at {location}; create it with `litrev init --db "
                              f"{location}` or pass --db / set LITREV_DB")
    con = connect(location, read_only=True)
    try:
        row = con.execute(
            "SELECT max(snapshot_id) FROM ducklake_snapshots($lake) "
            "WHERE author = $author AND commit_message = $run",
            {"lake": lake_name(con), "author": AUTHOR, "run": run_id}).fetchone()
        if row is None or row[0] is None:
            known = con.execute(
                "SELECT commit_message FROM ducklake_snapshots($lake) WHERE author = $author "
                "AND commit_message NOT LIKE 'schema %' ORDER BY snapshot_id DESC LIMIT 3",
                {"lake": lake_name(con), "author": AUTHOR}).fetchall()
            hint = ", ".join(r[0] for r in known) or "none yet"
            raise StoreError(f"no finished harvest run {run_id!r} in {location}; "
                             f"`litrev status` shows the last runs (latest: {hint})")
        return int(row[0])
    finally:
        close(con)


T = TypeVar("T")


def unique_key_batches(rows: Sequence[T], key: Callable[[T], Hashable]) -> list[list[T]]:
    """``rows`` in batches where no key repeats: the first occurrence of every key, then the
    second ones, and so on. Why: one MERGE per batch, instead of one per row, must not meet a
    key twice in its source; applying the batches in order gives what applying the rows in
    order gives, since rows of different keys do not touch each other.

        >>> unique_key_batches(["a1", "b1", "a2", "a3"], key=lambda r: r[0])
        [['a1', 'b1'], ['a2'], ['a3']]
    """
    batches: list[list[T]] = []
    seen: dict[Hashable, int] = {}
    for row in rows:
        k = key(row)
        n = seen.get(k, 0)
        seen[k] = n + 1
        if n == len(batches):
            batches.append([])
        batches[n].append(row)
    return batches


def scannable(frame: Any) -> Any:
    """A pandas frame as a pyarrow table, for ``con.register``: the same rows and values.

    Why: DuckDB scans a registered pandas frame's text columns (pandas' ``str`` dtype, kept in
    Arrow) by converting each to a numpy array of Python strings; an Arrow table it reads as
    it is. Measured on a 300,000-excerpt harvest's write: 2 s of conversions. NaN in a float
    column is NULL either way.

        con.register("batch_works", scannable(works))
    """
    import pyarrow as pa

    return pa.Table.from_pandas(frame, preserve_index=False)


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
