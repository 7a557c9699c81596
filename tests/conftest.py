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
