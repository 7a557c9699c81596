"""The type checker over the seams: mypy on litrev/extract and litrev/store, as configured in
pyproject.toml ([tool.mypy]: every function annotated, untyped bodies checked too).

Run by the test command so CI fails on a type error like on any other broken test.
"""

from __future__ import annotations

from pathlib import Path

from mypy import api

REPO = Path(__file__).resolve().parent.parent


def test_extract_and_store_type_check_without_errors(monkeypatch):
    monkeypatch.chdir(REPO)  # mypy reads [tool.mypy] (files, options) from ./pyproject.toml
    report, errors, status = api.run(["--config-file", "pyproject.toml", "--no-error-summary"])
    assert errors == ""
    assert status == 0, "mypy found type errors:\n" + report
