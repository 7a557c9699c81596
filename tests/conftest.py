from __future__ import annotations

import os
from pathlib import Path

import pytest

from litrev.store.db import write_session
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
    """A DuckDB file holding :mod:`tests.corpus`, with its snapshot published."""
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
