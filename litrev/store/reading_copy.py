"""The reading copy: the lake at its latest snapshot as one local DuckDB file, for saved queries.

Why: a saved query on a lake of a million excerpts spent most of its time joining excerpts to
their works and reading Parquet files (0.1-0.7 s each); an analyst runs dozens. The reading
copy holds every table of the lake as of one snapshot, the lake's views, and the reading views
(``litrev/store/reading_views/*.sql``) stored as tables sorted in the order the saved queries
list them: a query that wants the first few hundred excerpts by year reads a few blocks.

It is derived and checked, never trusted: its file is named by the snapshot it copies, when the
lake committed that snapshot, and a fingerprint of its layout, so a harvest, an import, a
correction, a lake created again at the same path or a new layout makes the next query build a
new copy, and none ever answers from an older corpus. A new copy starts from the previous one
and reads again only the tables the lake's snapshot list says changed (after a quiet night, the
ledger: about 1.3 s at a million excerpts, against about 25 s for a whole copy). A copy that
cannot be built or read leaves the query to the lake, with one warning. The same reading views
are created on every lake session that runs a user's SQL (:func:`create_reading_views`), so the
saved queries run the same on the lake itself (``--as-of`` reads an earlier snapshot there) and
give the same rows.

    with reading_session("review.ducklake") as con:
        frame = run_saved(con, get_query("excerpts_in_language"), {"lang": "fi"})
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import duckdb

from litrev.store.db import (
    INSTANCE_CONFIG,
    StorePath,
    current_snapshot,
    one_row,
    read_session,
    session_alias,
    snapshot_key,
    writable_cache_dir,
)
from litrev.store.errors import StoreError
from litrev.store.sqlfiles import SqlFile, filled, identifier, internal, read_dir

logger = logging.getLogger(__name__)

# The order each table of the reading copy is stored in: that of the saved queries that list
# it. Views of the lake or reading views named here are stored as tables; other lake views
# stay views over the copied tables.
STORED_ORDER = {
    "excerpt_listing": "work_year DESC NULLS LAST, work_title, excerpt_id",
    "coded_excerpts": "theme_id, work_year NULLS LAST, work_title, excerpt_id",
    "cited_work_tallies": "statements DESC, cited_work_id",
    "theme_pairs": "excerpts DESC, theme_a, theme_b",
    "theme_language_counts": "theme_id, language, kind",
    "theme_year_counts": "theme_id, year NULLS LAST",
    "translation_backlog": "target_language, first_seen, language, excerpt_id",
    "v_citation_statements": "citing_year DESC NULLS LAST, citing_title, statement",
}
FOLDER = "reading-copy"
# Raised when what a copy holds changes other than through the reading views or STORED_ORDER.
COPY_FORMAT = 1
_FILE = re.compile(r"^snapshot-([0-9]+)-([0-9a-f]+)-([0-9a-f]+)\.duckdb$")
STALE_TEMP_SECONDS = 3600
# DuckDB reads the other columns only for the rows a query keeps up to this LIMIT (default 50).
LATE_MATERIALIZATION_ROWS = 5000
# Changes in the lake's snapshot list that change rows of a table, and that keep them (the
# compaction after a harvest): after only these, an earlier copy's other tables are reused.
ROW_CHANGES = frozenset({"tables_inserted_into", "tables_deleted_from", "inlined_insert",
                         "inlined_delete"})
SAME_ROWS = frozenset({"merge_adjacent"})


@cache
def reading_views() -> tuple[SqlFile, ...]:
    """The reading views, by name order (read once per process: every lake session that runs a
    user's SQL creates them)."""
    return tuple(read_dir(resources.files("litrev.store") / "reading_views"))


def create_reading_views(con: duckdb.DuckDBPyConnection) -> None:
    """Create the reading views as temporary views of this connection, over the tables of its
    default catalog (the lake a session attached, or a reading copy being built)."""
    for view in reading_views():
        con.execute(filled("reading_view_create", view=identifier(view.name)) + "\n" + view.sql)


def fingerprint() -> str:
    """What the reading copy's layout depends on: its format, the reading views and the stored
    orders."""
    digest = hashlib.sha256(f"format {COPY_FORMAT}\0".encode())
    for view in reading_views():
        digest.update(view.name.encode() + b"\0" + view.sql.encode() + b"\0")
    for name, order in sorted(STORED_ORDER.items()):
        digest.update(name.encode() + b"\0" + order.encode() + b"\0")
    return digest.hexdigest()[:12]


@dataclass(frozen=True)
class _CopyName:
    """What a reading copy's file name says: the snapshot it holds, when the lake committed that
    snapshot (hashed), and the layout's :func:`fingerprint`."""

    snapshot: int
    committed: str
    layout: str

    @classmethod
    def of(cls, path: Path) -> _CopyName | None:
        found = _FILE.match(path.name)
        if found is None:
            return None
        return cls(int(found.group(1)), found.group(2), found.group(3))

    @property
    def file_name(self) -> str:
        return f"snapshot-{self.snapshot}-{self.committed}-{self.layout}.duckdb"


def copy_path(con: duckdb.DuckDBPyConnection) -> Path:
    """Where the reading copy of this lake session's snapshot lives (it may not exist yet)."""
    snapshot = current_snapshot(con)
    name = _CopyName(snapshot, snapshot_key(con, snapshot) or "0", fingerprint())
    return writable_cache_dir(con) / FOLDER / name.file_name


def ensure_copy(con: duckdb.DuckDBPyConnection,
                on_build: Callable[[int], None] | None = None) -> Path:
    """The reading copy of the lake session ``con``'s snapshot, built first when missing.

    Built in a file of its own and renamed into place when complete, so a reader never opens a
    half-built copy and two processes building at once both end with a whole one. Copies of
    older snapshots are removed once the new one is in place. ``on_build`` is called with the
    snapshot before a build starts (the CLI says why this query waits)."""
    target = copy_path(con)
    if target.exists():
        return target
    if on_build is not None:
        on_build(current_snapshot(con))
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f"{target.stem}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temp.unlink()
    try:
        _build(con, temp, _previous_copy(con, target))
        os.replace(temp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    _prune(con, target)
    return target


def _previous_copy(con: duckdb.DuckDBPyConnection, target: Path) -> Path | None:
    """The newest complete copy of an older snapshot of this lake, in the same layout."""
    wanted = _CopyName.of(target)
    assert wanted is not None
    found: tuple[Path, int] | None = None
    for path in target.parent.glob("snapshot-*.duckdb"):
        other = _CopyName.of(path)
        if other is None or other.layout != wanted.layout or other.snapshot >= wanted.snapshot:
            continue
        if (found is None or other.snapshot > found[1]) and \
                snapshot_key(con, other.snapshot) == other.committed:
            found = (path, other.snapshot)
    return found[0] if found is not None else None


def _changed_tables(con: duckdb.DuckDBPyConnection, since: int) -> set[str] | None:
    """The lake tables whose rows the commits after snapshot ``since`` changed; None when they
    changed anything else (a table or view created, altered or dropped) or the lake no longer
    lists that snapshot: then nothing of an earlier copy is reused."""
    oldest = one_row(con, internal("reading_copy_oldest_snapshot").sql)[0]
    if oldest is None or since < int(oldest):
        return None
    query = internal("reading_copy_changes")
    changed: set[str] = set()
    for change, table in con.execute(query.sql, query.bind({"snapshot": since})).fetchall():
        if change in SAME_ROWS:
            continue
        if change not in ROW_CHANGES:
            return None
        changed.add(str(table))
    return changed


def _reads(sql: str, tables: list[str]) -> set[str]:
    """The tables a view's SQL names (a word match: a name in a comment or a string counts too,
    which only ever rebuilds a view that did not need it)."""
    return {t for t in tables if re.search(r"\b" + re.escape(t) + r"\b", sql)}


def _build(con: duckdb.DuckDBPyConnection, temp: Path, previous: Path | None) -> None:
    """:func:`_fill`, from the lake alone when the earlier copy cannot be read (damaged, or
    removed while it was read)."""
    if previous is not None:
        try:
            _fill(con, temp, previous)
            return
        except duckdb.Error:
            logger.warning("the reading copy %s could not be reused; building from the lake",
                           previous.name)
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
    _fill(con, temp, None)


def _fill(con: duckdb.DuckDBPyConnection, temp: Path, previous: Path | None) -> None:
    """Fill the new file ``temp``: the lake's tables, its views and the reading views.

    With ``previous`` (an earlier complete copy) whose snapshot the lake still lists, and only
    rows changed since, the earlier file is copied whole and only what changed
    is replaced: the lake's changed tables copied again, the stored views that read them stored
    again. After a quiet night that is the ledger alone."""
    alias = identifier(session_alias(con, "reading"))
    tables = [r[0] for r in con.execute(internal("reading_copy_tables").sql).fetchall()]
    views = con.execute(internal("reading_copy_views").sql).fetchall()
    stored = [(name, sql) for name, sql in views if name in STORED_ORDER] + \
        [(v.name, v.sql) for v in reading_views()]
    earlier = _CopyName.of(previous) if previous is not None else None
    changed = _changed_tables(con, earlier.snapshot) if earlier is not None else None
    if previous is not None and changed is not None:
        try:
            shutil.copyfile(previous, temp)
        except OSError:  # removed meanwhile (a newer copy was built): read the lake
            changed = None
    con.execute("ATTACH '" + str(temp).replace("'", "''") + "' AS " + alias)
    try:
        if changed is None:
            to_copy, to_store = list(tables), {name for name, _ in stored}
        else:
            there = {r[0] for r in con.execute(
                internal("reading_copy_copied_tables").sql, {"alias": alias}).fetchall()}
            to_copy = [t for t in tables if t in changed or t not in there]
            to_store = {name for name, sql in stored
                        if name not in there or _reads(sql, tables) & set(to_copy)}
            for table in [*to_copy, *to_store, "reading_copy"]:
                if table in there:
                    con.execute(filled("reading_copy_drop_table", out=alias,
                                       table=identifier(table)))
        for table in to_copy:
            con.execute(filled("export_copy_table", out=alias, table=identifier(table)))
    finally:
        con.execute("DETACH " + alias)
    # The views are computed over the copied tables (native DuckDB tables: faster to join
    # than the lake's Parquet files), in a connection of the copy's own.
    copy = duckdb.connect(str(temp), config=INSTANCE_CONFIG)
    try:
        for name, sql in views:
            if changed is not None and name not in to_store:
                continue  # kept from the earlier copy: a view, or a stored view still valid
            copy.execute(sql)
            if name in STORED_ORDER:
                _store_sorted(copy, identifier(name), source=identifier(name) + "_view",
                              rename_view=True)
        create_reading_views(copy)
        for view in reading_views():
            if view.name in to_store:
                _store_sorted(copy, identifier(view.name),
                              source="temp.main." + identifier(view.name))
        copy.execute(internal("reading_copy_mark").sql,
                     {"snapshot": current_snapshot(con), "fingerprint": fingerprint()})
        copy.execute("CHECKPOINT")
    finally:
        copy.close()


def _store_sorted(copy: duckdb.DuckDBPyConnection, name: str, *, source: str,
                  rename_view: bool = False) -> None:
    """Store the view ``source`` as the table ``name``, sorted in its :data:`STORED_ORDER`."""
    if rename_view:
        copy.execute(filled("reading_copy_rename_view", view=name, renamed=source))
    copy.execute(filled("reading_copy_store", table=name, source=source,
                       order=STORED_ORDER[name]))
    if rename_view:
        copy.execute(filled("reading_copy_drop_view", view=source))


def _prune(con: duckdb.DuckDBPyConnection, keep: Path) -> None:
    """Remove the copies of older snapshots, of another layout or of another lake (a snapshot
    the lake lists as committed at another time), and build files left by a process that ended
    mid-build (older than :data:`STALE_TEMP_SECONDS`). A copy of a newer snapshot, which another
    process may have built meanwhile, stays."""
    kept = _CopyName.of(keep)
    assert kept is not None
    now = time.time()
    for path in keep.parent.iterdir():
        other = _CopyName.of(path)
        if other is not None and path != keep:
            committed = snapshot_key(con, other.snapshot)
            stale = (other.snapshot <= kept.snapshot or other.layout != kept.layout
                     or (committed is not None and committed != other.committed))
        else:
            stale = path.suffix == ".tmp" and now - path.stat().st_mtime > STALE_TEMP_SECONDS
        if stale:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def _open_copy(lake: duckdb.DuckDBPyConnection, on_build: Callable[[int], None] | None
               ) -> duckdb.DuckDBPyConnection | None:
    """A read-only connection to the reading copy of the lake session ``lake``'s snapshot, or
    None (with one warning) when it cannot be built or read: a full disk, a damaged file. The
    copy is derived: a damaged one is removed, and the next query builds it again."""
    try:
        target = ensure_copy(lake, on_build)
    except (duckdb.Error, OSError) as exc:
        logger.warning("litrev: could not build the reading copy (%s); this query reads the "
                       "lake itself, more slowly. Check the free space in %s",
                       str(exc).splitlines()[0], copy_path(lake).parent)
        return None
    con: duckdb.DuckDBPyConnection | None = None
    try:
        con = duckdb.connect(str(target), read_only=True, config=INSTANCE_CONFIG)
        # The saved queries list a few hundred rows: their texts are read for those rows only.
        con.execute("SET late_materialization_max_rows = " + str(LATE_MATERIALIZATION_ROWS))
        one_row(con, internal("reading_copy_snapshot").sql)
    except (duckdb.Error, StoreError) as exc:
        if con is not None:
            con.close()
        if not target.exists():  # a query of a newer snapshot built its copy and removed this
            logger.warning("litrev: the corpus changed while this query started (its reading "
                           "copy was replaced); this query reads the lake itself")
            return None
        with contextlib.suppress(FileNotFoundError):
            target.unlink()
        logger.warning("litrev: the reading copy %s was damaged (%s) and is removed; this query "
                       "reads the lake itself, the next one builds a new copy", target.name,
                       str(exc).splitlines()[0])
        return None
    return con


@contextlib.contextmanager
def reading_session(path: StorePath, on_build: Callable[[int], None] | None = None
                    ) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the reading copy of the lake at ``path`` as of its latest
    snapshot (built first when the lake changed since the last copy); a session of the lake
    itself when the copy cannot be built or read (said in one warning)."""
    with read_session(path) as lake:
        copy = _open_copy(lake, on_build)
        if copy is None:
            yield lake
    if copy is not None:
        try:
            yield copy
        finally:
            copy.close()


__all__ = ["create_reading_views", "ensure_copy", "reading_session", "reading_views"]
