"""Saved queries (``litrev/queries/*.sql``) and ad-hoc SQL, run read-only.

Why read-only and checked: analysts run these against the review's corpus; a typo must not
delete evidence. Connections are opened read-only, external access is switched off, and any
statement that is not a query is refused before it reaches DuckDB.

    q = get_query("excerpts_by_language")
    with read_session(db) as con:
        frame = run_saved(con, q, {"kind": "abstract"})
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources

import duckdb
import pandas as pd

from litrev.store.db import cache_dir_of, data_directory, is_lake, load_fts, one_row
from litrev.store.errors import QueryError
from litrev.store.reading_copy import create_reading_views
from litrev.store.sqlfiles import SqlFile, read_dir

READ_STATEMENTS = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}


def saved_queries() -> dict[str, SqlFile]:
    """Every saved query shipped in the ``queries`` package, by name."""
    return {q.name: q for q in read_dir(resources.files("litrev.queries"))}


def get_query(name: str) -> SqlFile:
    queries = saved_queries()
    if name not in queries:
        raise QueryError(f"no saved query named {name!r}; `litrev query list` shows the "
                         f"{len(queries)} there are")
    return queries[name]


def bind_params(query: SqlFile, values: Mapping[str, object]) -> dict[str, object]:
    declared = {p.name for p in query.params}
    unknown = sorted(set(values) - declared)
    if unknown:
        known = ", ".join(sorted(declared)) or "none"
        raise QueryError(f"query {query.name!r} has no parameter {unknown[0]!r} "
                         f"(its parameters: {known})")
    try:
        return query.bind(values)
    except KeyError as exc:
        name = exc.args[0]
        p = next((p for p in query.params if p.name == name), None)
        what = f" ({p.description})" if p else ""
        raise QueryError(f"query {query.name!r} needs parameter {name!r}{what}: "
                         f"pass -p {name}=VALUE") from None
    except ValueError as exc:
        raise QueryError(f"query {query.name!r}: {exc}") from None


def row_limit(query: SqlFile, values: Mapping[str, object]) -> int | None:
    """The number of rows ``query`` stops at with these values (its ``limit`` parameter), or
    None when it has none. Saved queries that list excerpts stop at a few hundred rows so that
    they answer at once on a corpus of a million excerpts; whoever shows the rows says when
    the limit was reached."""
    if not any(p.name == "limit" for p in query.params):
        return None
    value = bind_params(query, values).get("limit")
    return int(value) if isinstance(value, int) else None


def check_read_only(sql: str) -> None:
    """Refuse anything but queries (SELECT, WITH ... SELECT, EXPLAIN)."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryError(f"the SQL does not parse: {str(exc).splitlines()[0]}") from None
    if not statements:
        raise QueryError("no SQL statement given")
    for st in statements:
        if st.type not in READ_STATEMENTS:
            kind = st.type.name
            raise QueryError(f"refused: {kind} would change the database; queries are read-only "
                             "(use litrev commands to change data)")
    if len(statements) > 1:
        raise QueryError("give one statement at a time")


def prepare_reader(con: duckdb.DuckDBPyConnection) -> None:
    """Load fts (for match_bm25/stem in queries), then lock out file and network access
    except to the lake's own data files (a user's SQL cannot read or write other files)."""
    if one_row(con, "SELECT current_setting('lock_configuration')")[0]:
        return  # already prepared
    try:
        load_fts(con)
    except Exception:  # noqa: BLE001 - search functions are optional for plain queries
        pass
    if is_lake(con):
        # The reading views the saved queries read (the reading copy stores them as tables).
        create_reading_views(con)
        # A lake's rows live in Parquet files under its data path (and the full-text index in
        # the local cache): those folders stay readable, nothing else.
        con.execute("SET allowed_directories = $dirs",
                    {"dirs": [data_directory(con), str(cache_dir_of(con)) + "/"]})
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def run_sql(con: duckdb.DuckDBPyConnection, sql: str,
            params: dict[str, object] | None = None) -> pd.DataFrame:
    check_read_only(sql)
    prepare_reader(con)
    try:
        # Integer columns with gaps stay integers (a year shows as 2022, not 2022.0).
        return con.execute(sql, params or {}).to_arrow_table().to_pandas(
            integer_object_nulls=True)
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0]
        if "read-only" in first or "read_only" in first:
            raise QueryError("refused: that statement would write; queries are read-only") \
                from None
        raise QueryError(f"the query failed: {first}") from None


def run_saved(con: duckdb.DuckDBPyConnection, query: SqlFile,
              values: Mapping[str, object] | None = None) -> pd.DataFrame:
    return run_sql(con, query.sql, bind_params(query, values or {}))
