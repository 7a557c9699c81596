"""Moving a review kept in a DuckDB file by an earlier litrev into a lake, without loss.

Why a command: the lake cannot be the same file, and a review's corpus, ledger, translations
and reviewers' decisions are its record. ``litrev migrate OLD.duckdb --to CATALOG`` copies every
table of the lake's schema in one commit, then proves the copy: per table, the row count and an
md5 of the sorted rows (every column as text) on both sides, printed, all equal or the command
fails. The full-text index tables of the old file are not copied: the lake derives its index.

    report = migrate_file("review.duckdb", "review.ducklake")
    [(t.table, t.rows, t.ok) for t in report.tables][:1]
    # -> [('works', 120, True)]
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from litrev.store.db import (
    StorePath,
    lake_name,
    location_of,
    name_snapshot,
    one_row,
    session_alias,
    transaction,
    write_session,
)
from litrev.store.errors import StoreError
from litrev.store.location import is_duckdb_file
from litrev.store.sqlfiles import filled, identifier

SKIPPED = ("schema_version",)  # the lake has its own migrations


@dataclass(frozen=True)
class TableCheck:
    table: str
    rows: int
    copied_rows: int
    digest: str
    copied_digest: str

    @property
    def ok(self) -> bool:
        return self.rows == self.copied_rows and self.digest == self.copied_digest


@dataclass
class MigrationReport:
    source: str
    target: str
    tables: list[TableCheck] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # lake tables the old file did not have

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tables)


def migrate_file(source: str | os.PathLike, target: StorePath) -> MigrationReport:
    """Copy the DuckDB file ``source`` into the new, empty lake ``target`` and check it."""
    path = Path(source)
    if not is_duckdb_file(path):
        raise StoreError(f"{path} is not a DuckDB database file; give the .duckdb file an "
                         "earlier litrev wrote")
    report = MigrationReport(str(path), str(location_of(target)))
    with write_session(target) as con:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = "
            "current_database() AND table_type = 'BASE TABLE' ORDER BY table_name").fetchall()
            if r[0] not in SKIPPED]
        non_empty = [t for t in tables
                     if one_row(con, f"SELECT count(*) FROM {identifier(t)}")[0]]  # noqa: S608
        if non_empty:
            raise StoreError(f"{report.target} is not empty ({', '.join(non_empty)} have rows); "
                             "migrate into a new catalog (a new file name, or an empty "
                             "PostgreSQL database)")
        old = identifier(session_alias(con, "old"))
        con.execute("ATTACH '" + str(path.resolve()).replace("'", "''") + "' AS " + old
                    + " (READ_ONLY)")
        found = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = $old",
            {"old": old}).fetchall()}
        # The lake's columns the old table has too (a file from before migration 003 lacks the
        # full-text columns: they stay NULL, as they were).
        columns = {t: [identifier(r[0]) for r in con.execute(
            "SELECT column_name FROM information_schema.columns c WHERE table_catalog = "
            "current_database() AND table_name = $t AND EXISTS (SELECT 1 FROM "
            "information_schema.columns o WHERE o.table_catalog = $old AND o.table_name = $t "
            "AND o.column_name = c.column_name) ORDER BY ordinal_position",
            {"t": t, "old": old}).fetchall()] for t in tables}
        report.missing = [t for t in tables if t not in found]
        with transaction(con, failure=f"copying {path} into {report.target} failed"):
            for table in tables:
                if table in found:
                    con.execute(filled("migrate_copy_table", old=old, table=identifier(table),
                                      columns=", ".join(columns[table])))
            name_snapshot(con, f"migrated from {path.name}", {"source": path.name})
        for table in tables:
            if table not in found:
                continue
            cols = ", ".join(columns[table])
            before = one_row(con, filled("migrate_table_digest", columns=cols,
                                        source=f"{old}.main.{table}"))
            after = one_row(con, filled("migrate_table_digest", columns=cols, source=table))
            report.tables.append(TableCheck(table, int(before[0]), int(after[0]),
                                            str(before[1]), str(after[1])))
    return report


def export_duckdb(con: duckdb.DuckDBPyConnection, out: str | os.PathLike) -> dict[str, int]:
    """Copy every table and view of the lake session ``con`` (at its snapshot) into a new plain
    DuckDB file, for an analyst's tool that reads DuckDB files but not lakes; returns rows per
    table. Refuses an existing file (nothing is overwritten)."""
    path = Path(out)
    if path.exists():
        raise StoreError(f"{path} exists; choose a new file name (an export never overwrites)")
    lake = identifier(lake_name(con))
    alias = identifier(session_alias(con, "export"))
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = "
        "current_database() AND table_type = 'BASE TABLE' ORDER BY table_name").fetchall()]
    views = [r[0] for r in con.execute(
        "SELECT sql FROM duckdb_views() WHERE database_name = current_database() "
        "AND NOT internal ORDER BY view_name").fetchall()]
    con.execute("ATTACH '" + str(path.resolve()).replace("'", "''") + "' AS " + alias)
    counts = {}
    try:
        for table in tables:
            con.execute(filled("export_copy_table", out=alias, table=identifier(table)))
            counts[table] = int(one_row(
                con, f"SELECT count(*) FROM {alias}.main.{identifier(table)}")[0])  # noqa: S608
        con.execute("USE " + alias)
        try:
            for sql in views:  # the views name tables unqualified: the same in the copy
                con.execute(sql)
        finally:
            con.execute("USE " + lake)
    finally:
        con.execute("DETACH " + alias)
    return counts
