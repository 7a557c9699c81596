"""Prefect's local database for a first run, created from its schema instead of its migrations.

Why: the first time Prefect's local server starts in a new ``PREFECT_HOME`` (a new user, a new
machine, CI), it creates its SQLite database by running every Alembic migration it has (115
for SQLite in Prefect 3.9); on this project's 2-core machine that is 5 s of CPU, a quarter of a
first offline `litrev harvest`. The result is always the same: 37 empty tables, their indexes
and one row in ``alembic_version``. ``prefect_schema.sql`` holds exactly that, dumped from a
database that the installed Prefect migrated (:func:`dump`), so the ephemeral server that
litrev starts (:mod:`litrev.flows.prefect_server`) creates a missing database from it in
milliseconds (:func:`seed`); Prefect's own start-up then finds it at the newest revision and
migrates nothing.

Only for the Prefect version the file names, only when the server's database is a SQLite file
that does not exist yet; any other case is left to Prefect's migrations, as before.
``tests/test_prefect_schema.py`` compares the file with what the installed Prefect's
migrations create, and fails (saying how to regenerate it) when Prefect changes:

    python -m litrev.flows.prefect_schema --write
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import tempfile
from importlib import resources
from pathlib import Path

SCHEMA_FILE = "prefect_schema.sql"
VERSION_LINE = "-- prefect "


def schema_text() -> str:
    return resources.files("litrev.flows").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def schema_version(text: str) -> str | None:
    """The Prefect version a schema file was dumped from (its first line)."""
    first = text.split("\n", 1)[0]
    return first[len(VERSION_LINE):].strip() if first.startswith(VERSION_LINE) else None


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite+aiosqlite:///`` URL; ``None`` for any other database."""
    prefix = "sqlite+aiosqlite:///"
    if not url.startswith(prefix) or ":memory:" in url or "mode=memory" in url:
        return None
    return Path(url[len(prefix):].split("?", 1)[0])


def seed(database: Path, prefect_version: str, text: str | None = None) -> bool:
    """Create ``database`` from the schema when it does not exist and the schema was dumped
    from ``prefect_version``; whether it did. Written beside it and renamed into place, so a
    second server starting at the same moment sees no half-made file."""
    text = schema_text() if text is None else text
    if schema_version(text) != prefect_version or database.exists():
        return False
    database.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".prefect-seed-", suffix=".db", dir=database.parent)
    os.close(fd)
    try:
        con = sqlite3.connect(tmp)
        try:
            con.executescript(text)
        finally:
            con.close()
        if database.exists():
            return False
        os.replace(tmp, database)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return True


def seed_configured_database() -> bool:
    """:func:`seed` the database the Prefect server in this process is configured with."""
    import prefect
    from prefect.settings import get_current_settings

    url = get_current_settings().server.database.connection_url
    path = sqlite_path(url.get_secret_value() if hasattr(url, "get_secret_value") else str(url))
    return path is not None and seed(path, prefect.__version__)


def dump(database: Path, prefect_version: str) -> str:
    """The schema file's text for a database that Prefect migrated (and nothing else wrote)."""
    con = sqlite3.connect(database)
    try:
        rows = con.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL "
                           "AND name NOT LIKE 'sqlite_%' ORDER BY type = 'index', rowid"
                           ).fetchall()
        (revision,) = con.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        con.close()
    lines = [f"{VERSION_LINE}{prefect_version}",
             "-- Prefect's local database as its migrations leave it, written by",
             "-- `python -m litrev.flows.prefect_schema --write`; see that module.",
             "BEGIN;"]
    lines += [f"{sql.strip()};" for _, _, sql in rows]  # exactly as Prefect wrote them
    if not str(revision).isalnum():
        raise ValueError(f"unexpected Alembic revision {revision!r}")
    insert = f"INSERT INTO alembic_version (version_num) VALUES ('{revision}');"  # noqa: S608 - checked: letters and digits
    lines += [insert, "COMMIT;"]
    return "\n".join(lines) + "\n"


def migrated_database(home: Path) -> Path:
    """Run the installed Prefect's own migrations into a new database under ``home``."""
    import subprocess

    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_DATABASE_CONNECTION_URL", None)
    env.pop("PREFECT_SERVER_DATABASE_CONNECTION_URL", None)
    code = ("import asyncio\nfrom prefect.server.database import provide_database_interface\n"
            "asyncio.run(provide_database_interface().create_db())\n")
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=600)
    return home / "prefect.db"


def main(argv: list[str]) -> int:
    import prefect

    if argv != ["--write"]:
        print(__doc__.strip().splitlines()[0])
        print("usage: python -m litrev.flows.prefect_schema --write")
        return 2
    with tempfile.TemporaryDirectory(prefix="litrev-prefect-schema-") as home:
        text = dump(migrated_database(Path(home)), prefect.__version__)
    target = Path(__file__).with_name(SCHEMA_FILE)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target.name} for prefect {prefect.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
