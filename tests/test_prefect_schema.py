"""Prefect's first database, created from litrev's copy of its schema (litrev.flows.prefect_schema).

The copy must be what the installed Prefect's own migrations create, table for table and index
for index, at the same Alembic revision; and the ephemeral server that `litrev harvest` starts
must run on a database made from it, recording the run as Prefect always does.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import prefect
import pytest

from litrev.flows import prefect_schema

pytestmark = pytest.mark.slow
LITREV = [sys.executable, "-m", "litrev.flows.cli"]


def schema(database: Path) -> tuple[dict[str, object], list[tuple[str]]]:
    """Per table: its columns, foreign keys and indexes as SQLite reports them (constraint
    order is left out: two runs of Prefect's migrations list them in different orders)."""
    con = sqlite3.connect(database)
    try:
        tables = [name for (name,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        described: dict[str, object] = {}
        for table in tables:
            columns = con.execute(f"PRAGMA table_info('{table}')").fetchall()
            keys = {row[2:] for row in con.execute(f"PRAGMA foreign_key_list('{table}')")}
            indexes = {(name, unique, origin, partial, tuple(
                        col for _, _, col in con.execute(f"PRAGMA index_info('{name}')")))
                       for _, name, unique, origin, partial in con.execute(
                           f"PRAGMA index_list('{table}')")}
            described[table] = (columns, keys, indexes)
        return described, con.execute("SELECT version_num FROM alembic_version").fetchall()
    finally:
        con.close()


def test_the_copy_is_what_prefects_migrations_create(tmp_path):
    text = prefect_schema.schema_text()
    if prefect_schema.schema_version(text) != prefect.__version__:
        # another Prefect than the copy's: litrev leaves the database to Prefect's migrations
        # (test_seed_only_creates_a_missing_database_of_the_same_prefect), so nothing is wrong,
        # only slower; the copy wants regenerating
        pytest.skip(f"litrev/flows/prefect_schema.sql is for prefect "
                    f"{prefect_schema.schema_version(text)}, installed is {prefect.__version__}: "
                    "run `python -m litrev.flows.prefect_schema --write`")
    migrated = prefect_schema.migrated_database(tmp_path / "migrated")
    seeded = tmp_path / "seeded" / "prefect.db"
    assert prefect_schema.seed(seeded, prefect.__version__)
    expected, seeded_schema = schema(migrated), schema(seeded)
    assert seeded_schema[1] == expected[1]  # the same Alembic revision: nothing left to migrate
    assert seeded_schema[0] == expected[0]
    assert len(expected[0]) > 30  # Prefect's tables, not an empty file


def test_seed_only_creates_a_missing_database_of_the_same_prefect(tmp_path):
    text = prefect_schema.schema_text()
    version = prefect_schema.schema_version(text)
    existing = tmp_path / "existing.db"
    existing.write_bytes(b"")
    assert not prefect_schema.seed(existing, version)
    assert existing.read_bytes() == b""  # left alone
    other = tmp_path / "other" / "prefect.db"
    assert not prefect_schema.seed(other, "0.0.1")
    assert not other.exists()
    made = tmp_path / "made" / "prefect.db"
    assert prefect_schema.seed(made, version)
    assert [p.name for p in made.parent.iterdir()] == ["prefect.db"]  # no temporary file left
    assert prefect_schema.sqlite_path(f"sqlite+aiosqlite:///{made}") == made
    assert prefect_schema.sqlite_path("postgresql+asyncpg://u@h/db") is None
    assert prefect_schema.sqlite_path("sqlite+aiosqlite:///:memory:") is None


def test_first_run_in_a_new_prefect_home_records_the_run_and_leaves_no_server(tmp_path):
    """`litrev harvest` with no PREFECT_API_URL and an empty PREFECT_HOME: litrev starts
    Prefect's local server on a database made from the schema; Prefect records the flow run
    and its task runs there, and no server process outlives the command."""
    folder, home = tmp_path / "review", tmp_path / "prefect-home"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LITREV_", "PREFECT_"))}
    env["PREFECT_HOME"] = str(home)
    (folder / "imports").mkdir()
    (folder / "imports" / "works.jsonl").write_text(
        '{"id": "w1", "doi": "10.5555/first.1", "year": 2021, "language": "en", "title": '
        '"Peer support on wards", "abstract": "Peer support workers on hospital wards."}\n',
        encoding="utf-8")
    (folder / "litrev.toml").write_text(
        '[review]\nname = "First"\ntarget_language = "en"\ncandidate_languages = ["en"]\n'
        'contact_email = "t@example.org"\ndatabase = "litrev.duckdb"\n\n'
        '[search.terms]\nen = ["peer support"]\n\n[translation]\nprovider = "none"\n\n'
        '[sources.files]\nfolder = "imports"\n', encoding="utf-8")
    done = subprocess.run([*LITREV, "harvest"], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    con = sqlite3.connect(home / "prefect.db")
    try:
        runs = con.execute("SELECT state_type FROM flow_run").fetchall()
        tasks = {re.sub(r"-[0-9a-f]{3}$", "", name)  # Prefect adds a suffix to a task's name
                 for (name,) in con.execute("SELECT name FROM task_run")}
    finally:
        con.close()
    assert runs == [("COMPLETED",)]
    assert {"harvest-files", "detect-languages", "build-batch", "write-batch",
            "finish-run"} <= tasks
    assert not [env for env in _environments() if f"PREFECT_HOME={home}\0" in env]

    # The same night again: the file is unchanged, no source returns a record, so the run has
    # no language detection or batch to build (no task run for them), and records the night.
    again = subprocess.run([*LITREV, "harvest"], cwd=folder, env=env, capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    con = sqlite3.connect(home / "prefect.db")
    try:
        runs = con.execute("SELECT state_type FROM flow_run").fetchall()
        quiet = {re.sub(r"-[0-9a-f]{3}$", "", name) for (name,) in con.execute(
            "SELECT name FROM task_run WHERE flow_run_id = "
            "(SELECT id FROM flow_run ORDER BY created DESC LIMIT 1)")}
    finally:
        con.close()
    assert runs == [("COMPLETED",), ("COMPLETED",)]
    assert quiet == tasks - {"detect-languages", "build-batch"}
    assert "new excerpts: 0; corpus: 1 works, 1 excerpts" in again.stdout


def _environments() -> list[str]:
    """The environment of every process this user may read (Linux)."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            found.append(environ.read_bytes().decode("utf-8", "replace"))
        except OSError:
            continue
    return found
