"""Two harvests writing into one lake with a PostgreSQL catalog at the same time, a reader
querying throughout (issue 15), run as a review team runs it: `litrev harvest` child processes
with ``--db postgresql://... --data-path FOLDER`` on a real PostgreSQL server
(tests/pgserver.py) and a real Prefect server.

- harvest A: the ``openalex`` source on the recorded OpenAlex answers over loopback
  (tests/recorded_api.py); its first request is held until harvest B's run is open, so both
  runs are open, fetching and writing at once;
- harvest B: the ``files`` source over an import folder of its own (tests/fixtures/files);
- a reader process opening the lake read-only again and again until both are done.

Then: nothing lost or duplicated (every table's natural key, from the `-- key:` comments of the
lake's migration, is unique, and the corpus equals the same two harvests run one after another
into another catalog), both runs and all their searches in the ledger, the reader never
refused. The reader's answer times are printed (issue goal: under 2 s), not asserted.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from importlib import resources
from pathlib import Path

import pytest

from litrev.store.db import read_session
from litrev.store.location import StoreLocation
from tests.loopback import LoopbackServer, Reply, Request
from tests.prefect_server import prefect_env, prefect_server  # noqa: F401 - fixture
from tests.recorded_api import openalex_route
from tests.test_harvest_flow import copy_imports, write_profile

ROOT = Path(__file__).resolve().parent.parent
LITREV = [sys.executable, "-m", "litrev.flows.cli"]
HOLD_SECONDS = 120.0

pytestmark = pytest.mark.slow

READER = """
import json, sys, time
from pathlib import Path
from litrev.store.db import read_session
stop = Path(sys.argv[2])
reads = []
while not stop.exists():
    started = time.monotonic()
    try:
        with read_session(sys.argv[1]) as con:
            works = con.execute("SELECT count(*) FROM works").fetchone()[0]
            runs = con.execute("SELECT count(*) FROM harvest_runs").fetchone()[0]
        reads.append({"seconds": time.monotonic() - started, "works": works, "runs": runs})
    except Exception as exc:  # the test reports every refusal
        reads.append({"seconds": time.monotonic() - started,
                      "error": type(exc).__name__ + ": " + str(exc)})
    time.sleep(0.2)
print(json.dumps(reads))
"""


def keyed_tables() -> dict[str, list[str]]:
    """Table -> its natural key, from the ``-- key:`` comments of the lake's migrations."""
    keys: dict[str, list[str]] = {}
    folder = resources.files("litrev.store") / "migrations"
    for f in folder.iterdir():
        if f.name.endswith(".sql"):
            for cols, table in re.findall(r"^-- key: ([^\n]+)\n(?:--[^\n]*\n)*CREATE TABLE (\w+)",
                                          f.read_text(encoding="utf-8"), flags=re.M):
                keys[table] = [c.strip() for c in cols.split(",")]
    return keys


CORPUS = {  # what two runs of the same harvests must agree on, whatever the order
    "works": "SELECT work_id, doi, title, year FROM works ORDER BY ALL",
    "work_sources": "SELECT work_id, source, source_record_id FROM work_sources ORDER BY ALL",
    "citations": "SELECT citing_work_id, cited_work_id, source FROM citations ORDER BY ALL",
    "excerpts": "SELECT excerpt_id, work_id, kind, text, language FROM excerpts ORDER BY ALL",
    "excerpt_sources": "SELECT excerpt_id, source, source_record_id FROM excerpt_sources "
                       "ORDER BY ALL",
    "excerpt_themes": "SELECT excerpt_id, theme_id, matched_in FROM excerpt_themes ORDER BY ALL",
    "searches": "SELECT source, query_key, status, hits_reported, records_retrieved "
                "FROM search_log ORDER BY ALL",
    "runs": "SELECT status FROM harvest_runs ORDER BY ALL",
}


def corpus_of(location: StoreLocation) -> dict[str, list[tuple]]:
    with read_session(location) as con:
        return {name: con.execute(sql).fetchall() for name, sql in CORPUS.items()}


def duplicates_of(location: StoreLocation) -> dict[str, int]:
    """Per keyed table, rows beyond one per natural key (0 everywhere when nothing doubled)."""
    out = {}
    with read_session(location) as con:
        for table, key in keyed_tables().items():
            cols = ", ".join(key)
            sql = ("SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT " + cols +  # noqa: S608 - names from our migration
                   " FROM " + table + ")) FROM " + table)
            out[table] = con.execute(sql).fetchone()[0]
    return out


class HeldOpenAlex:
    """The recorded OpenAlex answers; the first request waits until ``release`` is set."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.held = threading.Event()

    def __call__(self, request: Request) -> Reply:
        self.held.set()
        self.release.wait(HOLD_SECONDS)
        return openalex_route(request)


def _setup(folder: Path, *, openalex_url: str | None) -> Path:
    folder.mkdir()
    write_profile(folder, openalex_url=openalex_url, files=openalex_url is None)
    if openalex_url:  # A waits for B on its first answer: no timeout, no retry meanwhile
        profile = folder / "review.toml"
        profile.write_text(profile.read_text(encoding="utf-8")
                           + f"timeout_seconds = {HOLD_SECONDS + 60}\n", encoding="utf-8")
    else:
        copy_imports(folder)
    return folder


def _harvest(folder: Path, location: StoreLocation, api_url: str) -> subprocess.Popen[str]:
    env = prefect_env(api_url, folder / "prefect-home")
    return subprocess.Popen(
        [*LITREV, "--profile", str(folder / "review.toml"), "--db", location.catalog,
         "--data-path", location.data_path, "harvest", "--json"],
        cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finish(proc: subprocess.Popen[str], timeout: float = 600) -> dict:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err[-3000:]
    return json.loads(out)


def _runs(location: StoreLocation) -> list[tuple]:
    with read_session(location) as con:
        return con.execute("SELECT run_id, status, started_at, finished_at FROM harvest_runs "
                           "ORDER BY started_at").fetchall()


def _location(db, tmp_path: Path, name: str) -> StoreLocation:
    return StoreLocation.parse(db.url, data_path=str(tmp_path / name))


def test_two_harvests_at_once_lose_and_double_nothing_and_the_reader_is_never_refused(
        prefect_server, postgres_server, tmp_path):  # noqa: F811
    together = _location(postgres_server.create_database("together"), tmp_path, "lake-together")
    in_turn = _location(postgres_server.create_database("in_turn"), tmp_path, "lake-in-turn")

    # One after another first: the answer the concurrent run must give.
    with LoopbackServer(openalex_route) as oa:
        _finish(_harvest(_setup(tmp_path / "turn-a", openalex_url=oa.url), in_turn,
                         prefect_server))
    _finish(_harvest(_setup(tmp_path / "turn-b", openalex_url=None), in_turn, prefect_server))

    stop = tmp_path / "stop-reader"
    route = HeldOpenAlex()
    with LoopbackServer(route) as oa:
        a_dir = _setup(tmp_path / "a", openalex_url=oa.url)
        b_dir = _setup(tmp_path / "b", openalex_url=None)
        # the lake must exist for the reader: A creates it, and B starts once A is fetching
        a = _harvest(a_dir, together, prefect_server)
        try:
            assert route.held.wait(HOLD_SECONDS), "harvest A never asked OpenAlex"
            env = {k: v for k, v in os.environ.items() if not k.startswith("LITREV_")}
            env.update(PYTHONPATH=str(ROOT), LITREV_DATA_PATH=together.data_path)
            reader = subprocess.Popen([sys.executable, "-c", READER, together.catalog, str(stop)],
                                      env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True)
            b = _harvest(b_dir, together, prefect_server)
            deadline = time.monotonic() + HOLD_SECONDS
            seen: list = []
            while len(seen) < 2 and b.poll() is None and time.monotonic() < deadline:
                seen = _runs(together)
                time.sleep(0.2)
            route.release.set()  # A answers once B's run is open (or B is done)
            summary_b = _finish(b)
            summary_a = _finish(a)
        finally:
            route.release.set()
            stop.touch()
            for proc in [p for p in (a, locals().get("b")) if p is not None]:
                if proc.poll() is None:
                    proc.kill()
                    proc.communicate()
        out, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err[-3000:]
    reads = json.loads(out)

    runs = {run_id: (status, started, finished)
            for run_id, status, started, finished in _runs(together)}
    (_, a_started, a_finished), (_, b_started, b_finished) = (
        runs[summary_a["run_id"]], runs[summary_b["run_id"]])
    assert a_started < b_started < a_finished, f"the runs did not overlap: {runs}"
    for folder in (a_dir, b_dir):  # all went to the catalog: no local lake named like it
        assert not list(folder.glob("postgres*")), list(folder.iterdir())
    assert duplicates_of(together) == {t: 0 for t in keyed_tables()}
    expected, got = corpus_of(in_turn), corpus_of(together)
    assert {k: len(v) for k, v in got.items()} == {k: len(v) for k, v in expected.items()}
    assert got == expected
    assert got["runs"] == [("succeeded",), ("succeeded",)]
    assert len(got["works"]) > 26  # both sources' works are there

    refused = [r["error"] for r in reads if "error" in r]
    assert refused == []
    answered = [r for r in reads if "error" not in r]
    assert len(answered) >= 3
    assert [r["runs"] for r in answered] == sorted(r["runs"] for r in answered)  # never back
    seconds = sorted(r["seconds"] for r in answered)
    print(f"\nreader during two harvests: {len(seconds)} reads, median "
          f"{statistics.median(seconds):.2f} s, max {seconds[-1]:.2f} s")
