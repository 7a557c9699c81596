from __future__ import annotations

import os
from pathlib import Path

import pytest

from litrev.store.db import write_session
from litrev.store.location import StoreLocation
from tests import corpus

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """No test reads the developer's profile, database or API keys."""
    for var in list(os.environ):
        if var.startswith("LITREV_"):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def corpus_db(tmp_path) -> Path:
    """A lake holding :mod:`tests.corpus`."""
    db = tmp_path / "corpus.ducklake"
    with write_session(db) as con:
        corpus.build(con)
    return db


@pytest.fixture(scope="session")
def postgres_server(request):
    """A real PostgreSQL server on loopback for the session (tests/pgserver.py says how).

    Fails with one line when PostgreSQL is missing and LITREV_REQUIRE_POSTGRES=1 (CI), skips
    otherwise. Stopped, and its folder removed, when the session ends (also on failure).
    """
    from tests import pgserver

    request.session.config.add_cleanup(pgserver.stop_session_server)
    try:
        return pgserver.session_server()
    except FileNotFoundError as exc:
        missing = str(exc)
    if pgserver.REQUIRE:
        pytest.fail(missing, pytrace=False)
    pytest.skip(missing)


@pytest.fixture
def postgres_db(postgres_server, request):
    """A fresh, empty database on the session's PostgreSQL server (a `PgDatabase`)."""
    return postgres_server.create_database(request.node.name)


BACKENDS = ("local", "postgres")


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path) -> Path | StoreLocation:
    """A new, empty store once per backend: the local lake (a catalog path, the default) and a
    lake with its catalog in a fresh database of the test PostgreSQL server and its data in a
    temp folder. Store functions take either; CLI tests pass :func:`cli_db_args`."""
    if request.param == "local":
        return tmp_path / "c.ducklake"
    database = request.getfixturevalue("postgres_db")
    return StoreLocation.parse(database.url, data_path=str(tmp_path / "lake-data"))


@pytest.fixture
def corpus_store(store) -> Path | StoreLocation:
    """:func:`store` holding :mod:`tests.corpus` (on each backend)."""
    with write_session(store) as con:
        corpus.build(con)
    return store


def cli_db_args(store: Path | StoreLocation) -> list[str]:
    """``--db`` (and ``--data-path`` for a shared catalog) naming ``store`` on the command line."""
    if isinstance(store, StoreLocation) and store.local_path is None:
        return ["--db", store.catalog, "--data-path", store.data_path]
    return ["--db", str(store)]


def store_env(store: Path | StoreLocation) -> tuple[str, dict[str, str]]:
    """(the ``--db`` value, extra environment) for a child process opening ``store``."""
    args = cli_db_args(store)
    return args[1], ({"LITREV_DATA_PATH": args[3]} if len(args) > 2 else {})
