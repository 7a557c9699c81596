"""The nightly harvest flow, run as a user runs it: `litrev harvest` in a child process, talking
to a REAL Prefect server (tests/prefect_server.py), on recorded source responses served over
loopback (OpenAlex, tests/fixtures/harvest) and import files (tests/fixtures/files).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.lake import lake_reader
from tests.loopback import LoopbackServer
from tests.prefect_server import prefect_env, prefect_server  # noqa: F401 - fixture
from tests.recorded_api import always_500, openalex_route

FILES = Path(__file__).resolve().parent / "fixtures" / "files"
LITREV = [sys.executable, "-m", "litrev.flows.cli"]

pytestmark = pytest.mark.slow


def write_profile(folder: Path, *, openalex_url: str | None = None,
                  crossref_url: str | None = None, files: bool = True) -> Path:
    lines = ['[review]', 'name = "Harvest test"', 'target_language = "en"',
             'candidate_languages = ["en", "fi", "de", "sv"]',
             'contact_email = "test@example.org"', 'database = "review.ducklake"', '',
             '[search.terms]', 'en = ["code quality"]', '',
             '[seeds]', 'dois = ["10.1145/3174781.3174785"]', '',
             '[translation]', 'provider = "none"', '']
    if files:
        lines += ['[sources.files]', 'folder = "imports"', '']
    if openalex_url:
        lines += ['[sources.openalex]', f'base_url = "{openalex_url}"', 'searches = false',
                  'rate_per_second = 0', '']
    if crossref_url:
        lines += ['[sources.crossref]', f'base_url = "{crossref_url}"', 'rate_per_second = 0',
                  'max_attempts = 2', 'backoff_base_seconds = 0.01',
                  'backoff_max_seconds = 0.02', '']
    (folder / "imports").mkdir(exist_ok=True)
    path = folder / "review.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def copy_imports(folder: Path, *names: str) -> None:
    for name in names or ("references.ris", "references.bib", "scite-otte-2020.csv",
                          "demo-sample.jsonl"):
        shutil.copy(FILES / name, folder / "imports" / name)


def litrev(tmp: Path, api_url: str, *args: str, timeout: float = 240,
           **popen) -> subprocess.CompletedProcess:
    env = prefect_env(api_url, tmp / "prefect-home")
    return subprocess.run([*LITREV, "--profile", str(tmp / "review.toml"), *args], cwd=tmp,
                          env=env, capture_output=True, text=True, timeout=timeout, **popen)


def rows(db: Path, sql: str, params=None) -> list[tuple]:
    con = lake_reader(str(db))
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def table_counts(db: Path) -> dict[str, int]:
    return {t: rows(db, f"SELECT count(*) FROM {t}")[0][0]  # noqa: S608 - fixed table names
            for t in ("works", "work_sources", "citations", "excerpts", "excerpt_sources")}


def test_harvest_end_to_end_fills_database_ledger_and_prefect(prefect_server, tmp_path):  # noqa: F811
    with LoopbackServer(openalex_route) as oa:
        write_profile(tmp_path, openalex_url=oa.url)
        copy_imports(tmp_path)
        done = litrev(tmp_path, prefect_server, "harvest", "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    db = tmp_path / "review.ducklake"

    # OpenAlex: the seed and the 25 recorded works citing it, with rebuilt abstracts.
    assert rows(db, "SELECT title, year FROM works WHERE doi = '10.1145/3636515'") == [
        ("Automated Grading and Feedback Tools for Programming Education: A Systematic Review",
         2024)]
    assert rows(db, "SELECT is_seed FROM works WHERE doi = '10.1145/3174781.3174785'") == [
        (True,)]
    cited = rows(db, "SELECT count(DISTINCT citing_work_id) FROM citations "
                     "WHERE cited_work_id = 'doi:10.1145/3174781.3174785'")[0][0]
    assert cited == 25
    # The import files: the Finnish thesis abstract, detected as Finnish.
    assert rows(db, "SELECT language FROM excerpts WHERE text LIKE 'Tiivistelmä: Hoitotyönt%'"
                ) == [("fi",)]

    # The ledger: one row per search with the query as sent and the counts.
    log = {(s, q.split("&")[0]): (hits, got, new, status) for s, q, hits, got, new, status in
           rows(db, "SELECT source, query, hits_reported, records_retrieved, new_records, "
                    "status FROM search_log")}
    assert log[("openalex", "filter=cites:W2785752813")] == (25, 26, 26, "succeeded")
    assert log[("files", "import references.ris")][3] == "succeeded"
    run = rows(db, "SELECT run_id, status, trigger, flow_run_id FROM harvest_runs")
    assert len(run) == 1 and run[0][2] == "cli" and run[0][3]
    assert summary["run_id"] == run[0][0]
    assert {s["source"]: s["status"] for s in summary["sources"]} == {
        "files": "succeeded", "openalex": "succeeded"}
    assert summary["languages"]["fi"] >= 1

    # Prefect: the flow run completed on the server and left its summary artifact.
    with httpx.Client(base_url=prefect_server, timeout=10) as api:
        flow_run = api.get(f"/flow_runs/{run[0][3]}").json()
        artifacts = api.post("/artifacts/filter", json={
            "artifacts": {"flow_run_id": {"any_": [run[0][3]]}}}).json()
    assert flow_run["state"]["type"] == "COMPLETED"
    markdown = artifacts[0]["data"]
    assert "filter=cites:W2785752813" in markdown and "| openalex | succeeded |" in markdown
    assert "Translation backlog" in markdown


def test_same_harvest_twice_same_rows_and_zero_new(prefect_server, tmp_path):  # noqa: F811
    with LoopbackServer(openalex_route) as oa:
        write_profile(tmp_path, openalex_url=oa.url)
        copy_imports(tmp_path)
        first = litrev(tmp_path, prefect_server, "harvest")
        db = tmp_path / "review.ducklake"
        before = table_counts(db)
        works_before = rows(db, "SELECT work_id, title, year, first_seen FROM works ORDER BY 1")
        second = litrev(tmp_path, prefect_server, "harvest", "--json")
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    assert table_counts(db) == before
    assert rows(db, "SELECT work_id, title, year, first_seen FROM works ORDER BY 1"
                ) == works_before
    run_id = json.loads(second.stdout)["run_id"]
    new, retrieved = rows(db, "SELECT sum(new_records), sum(records_retrieved) FROM search_log "
                              "WHERE run_id = $r", {"r": run_id})[0]
    assert new == 0
    assert retrieved == 26  # OpenAlex answers again (unchanged); files are skipped by hash
    # Everything OpenAlex sends again was found by the first run, and nothing changed.
    assert rows(db, "SELECT sum(unchanged_records), sum(updated_records) FROM search_log "
                    "WHERE run_id = $r AND source = 'openalex'", {"r": run_id}) == [(26, 0)]


def test_source_answering_500_is_marked_failed_others_loaded_exit_3(prefect_server, tmp_path):  # noqa: F811,E501
    with LoopbackServer(openalex_route) as oa, LoopbackServer(always_500) as broken:
        write_profile(tmp_path, openalex_url=oa.url, crossref_url=broken.url)
        done = litrev(tmp_path, prefect_server, "harvest", "--retry-delay", "0.1")
        crossref_requests = len(broken.requests)
    assert done.returncode == 3, done.stderr
    db = tmp_path / "review.ducklake"
    assert rows(db, "SELECT DISTINCT status FROM search_log WHERE source = 'crossref'") == [
        ("failed",)]
    error = rows(db, "SELECT error FROM search_log WHERE source = 'crossref' LIMIT 1")[0][0]
    assert "HTTP 500" in error
    assert rows(db, "SELECT count(*) FROM works WHERE doi LIKE '10.1145/36%'")[0][0] > 0
    assert rows(db, "SELECT status FROM harvest_runs") == [("partial",)]
    # Not a terminal: one line per source when it ends (URLs cut to host and path), then the
    # summary; the retry notices are in the run's log, not on the console.
    assert "  crossref: failed after " in done.stderr and "HTTP 500" in done.stderr
    assert "  openalex: done, 26 records in " in done.stderr
    assert "attempt 1/2 failed" not in done.stderr
    assert "failed: crossref;" in done.stdout
    log = next((tmp_path / "litrev-logs").glob("*.log")).read_text(encoding="utf-8")
    assert "crossref: attempt 1/2 failed (HTTP 500" in log and broken.url in log
    # 2 searches x 2 attempts in the HTTP layer x 2 attempts of the whole source: no more.
    assert crossref_requests == 8
    assert "Traceback" not in done.stderr


def test_successful_run_prints_no_traceback_or_telemetry(prefect_server, tmp_path):  # noqa: F811
    write_profile(tmp_path)
    copy_imports(tmp_path, "references.ris")
    done = litrev(tmp_path, prefect_server, "harvest")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "telemetry" not in done.stderr.lower() and "analytics" not in done.stderr.lower()
    assert "  files: done, " in done.stderr
    run_line = done.stdout.splitlines()[0]
    assert run_line.startswith("run ") and run_line.endswith(": succeeded")


def big_import(path: Path, n: int, prefix: str) -> None:
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            out.write(json.dumps({
                "id": f"{prefix}-{i}", "doi": f"10.5555/litrev.{prefix}.{i}", "year": 2020,
                "title": f"Peer support work in hospital teams, study {prefix} {i}",
                "language": "en",
                "abstract": f"Peer support workers joined the ward team in study {prefix} {i}. "
                            "Staff reported clearer roles after a year of joint meetings.",
            }) + "\n")


@pytest.mark.parametrize("stage", ["merged", "committed"])
def test_kill_during_load_then_rerun_loses_nothing_duplicates_nothing(prefect_server, tmp_path,  # noqa: F811,E501
                                                                       stage):
    write_profile(tmp_path)
    imports = tmp_path / "imports"
    big_import(imports / "first.jsonl", 300, "first")
    first = litrev(tmp_path, prefect_server, "harvest")
    assert first.returncode == 0, first.stderr
    db = tmp_path / "review.ducklake"
    assert table_counts(db)["works"] == 300

    big_import(imports / "second.jsonl", 1900, "second")  # under max_records (2000)
    # The harvest pauses with the batch merged but not committed ("merged"), or committed to
    # the WAL but not checkpointed ("committed"); the test kills it there.
    paused = tmp_path / "paused-in-load"
    env = prefect_env(prefect_server, tmp_path / "prefect-home",
                      LITREV_FAULT_PAUSE=f"{stage}:{paused}")
    proc = subprocess.Popen([*LITREV, "--profile", str(tmp_path / "review.toml"), "harvest"],
                            cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 200
    killed_in_load = False
    while time.monotonic() < deadline and proc.poll() is None:
        if paused.exists():
            os.killpg(proc.pid, signal.SIGKILL)
            killed_in_load = True
            break
        time.sleep(0.05)
    proc.wait(timeout=30)
    assert killed_in_load, "the harvest never reached its load"

    statuses = [r[0] for r in rows(db, "SELECT status FROM harvest_runs ORDER BY started_at")]
    works = {r[0] for r in rows(db, "SELECT doi FROM works")}
    assert {f"10.5555/litrev.first.{i}" for i in range(300)} <= works  # nothing lost
    # The killed run stays open until someone notices no live process holds it.
    assert statuses == ["succeeded", "running"]
    if stage == "merged":  # the uncommitted batch is gone as a whole
        assert len(works) == 300
    else:  # the committed batch survives the kill through the WAL
        assert len(works) == 2200

    again = litrev(tmp_path, prefect_server, "harvest")
    assert again.returncode == 0, again.stderr
    assert [r[0] for r in rows(db, "SELECT status FROM harvest_runs ORDER BY started_at")] == [
        "succeeded", "interrupted", "succeeded"]
    assert rows(db, "SELECT count(*), count(DISTINCT doi) FROM works") == [(2200, 2200)]
    assert rows(db, "SELECT count(*), count(DISTINCT text) FROM excerpts") == [(2200, 2200)]
    assert rows(db, "SELECT count(*) FROM work_sources") == [(2200,)]


HOLD_WRITER = """
import sys, time
from litrev.store.db import write_session
with write_session(sys.argv[1]) as con:  # the writer lock and an uncommitted change
    con.execute("BEGIN TRANSACTION")
    con.execute("DELETE FROM excerpts WHERE language = 'en'")
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_query_answers_within_2s_while_a_harvest_holds_an_open_write(tmp_path, capsys):
    from litrev.flows.cli import main
    from litrev.store.db import write_session
    from tests import corpus

    db = tmp_path / "review.ducklake"
    with write_session(db) as con:
        corpus.build(con)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_WRITER, str(db), "60"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        # The command itself (timed in this process, so interpreter start-up on a busy CI
        # machine does not count) answers from the last commit.
        started = time.monotonic()
        code = main(["--db", str(db), "query", "run", "excerpts_by_language", "--format",
                     "csv"])
        elapsed = time.monotonic() - started
        out = capsys.readouterr().out
        exported = main(["--db", str(db), "export", "excerpts", "--format", "csv", "-o",
                         str(tmp_path / "excerpts.csv")])
        capsys.readouterr()
        # And as a user runs it, in its own process, with `litrev status` too.
        env = {k: v for k, v in os.environ.items() if not k.startswith("LITREV_")}
        status = subprocess.run([*LITREV, "--db", str(db), "status"], capture_output=True,
                                text=True, env=env, timeout=60)
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    assert code == 0 and exported == 0
    assert "Kokemusasiantuntijatoimintaan" in (tmp_path / "excerpts.csv").read_text("utf-8")
    assert elapsed < 2.0, f"litrev query took {elapsed:.2f} s while the database was held"
    assert "en,citation_statement,3" in out and "fi,citation_statement,1" in out
    assert status.returncode == 0, status.stderr
    assert "works: 5" in status.stdout


def test_harvest_write_waits_for_another_writer_instead_of_failing(tmp_path):
    from litrev.store.db import create_database
    from litrev.store.db import waiting_write_session as writer
    from litrev.store.errors import DatabaseBusy

    db = tmp_path / "review.ducklake"
    create_database(db)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_WRITER, str(db), "3"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(DatabaseBusy), writer(db, wait_seconds=0):
            pass
        started = time.monotonic()
        with writer(db, wait_seconds=60) as con:
            waited = time.monotonic() - started
            con.execute("INSERT INTO harvest_runs (run_id, started_at, status) "
                        "VALUES ('after-wait', now(), 'running')")
    finally:
        holder.wait(timeout=30)
        holder.stdout.close()
    assert waited > 0.5
    assert rows(db, "SELECT run_id FROM harvest_runs") == [("after-wait",)]


def test_harvest_refuses_unknown_source_and_bad_date_in_one_line(tmp_path, capsys):
    from litrev.flows.cli import main

    profile = write_profile(tmp_path)
    assert main(["--profile", str(profile), "harvest", "--source", "finna"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == ("litrev: error: source finna is not configured in the profile; "
                           "configured: files")
    assert main(["--profile", str(profile), "harvest", "--since", "yesterday"]) == 1
    assert "--since expects a date written YYYY-MM-DD" in capsys.readouterr().err
    assert not (tmp_path / "review.ducklake").exists()  # nothing started


def test_prefect_server_that_does_not_start_in_time_is_one_line_not_a_traceback(tmp_path):
    """No PREFECT_API_URL: litrev starts Prefect's local server, here given 0 s to come up."""
    write_profile(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"),
               PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="0")
    done = subprocess.run([*LITREV, "--profile", str(tmp_path / "review.toml"), "harvest"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    error = done.stderr.strip().splitlines()[-1]
    assert error.startswith("litrev: error: Prefect's local server did not answer within 0 s.")
    assert "Run `litrev harvest` again" in error
    assert "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS" in error


def test_cli_runs_give_prefects_first_start_two_minutes_unless_the_user_says_otherwise(
        monkeypatch):
    from litrev.flows.cli_harvest import QUIET_DEFAULTS, quiet_prefect

    key = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
    for name in QUIET_DEFAULTS:  # restored after the test
        monkeypatch.delenv(name, raising=False)
    quiet_prefect()
    assert os.environ[key] == "120"
    monkeypatch.setenv(key, "300")
    quiet_prefect()
    assert os.environ[key] == "300"


def test_exit_codes_say_what_failed():
    from dataclasses import replace

    from litrev.flows.cli_harvest import exit_code
    from litrev.flows.coding import CodingRun
    from litrev.flows.harvest_summary import HarvestSummary, SourceRow, StepFailed

    ok = HarvestSummary(
        run_id="r", status="succeeded", review="t", trigger="cli", database="d",
        started_at="", finished_at="", sources=[SourceRow("crossref"), SourceRow("files")],
        languages={}, new_excerpts=0, works_total=0, excerpts_total=0, watermarks_saved=0,
        translation=None, coding=CodingRun(
            codebook="c", codebook_version="1", codebook_changed=False, target_language="en",
            coded=12, matches=3, languages_without_terms=[], themes={}, index={}))
    assert exit_code(ok) == 0
    assert exit_code(replace(ok, sources=[SourceRow("files"),
                                          SourceRow("crossref", status="failed")])) == 3
    assert exit_code(replace(ok, sources=[SourceRow("openalex", status="stopped")])) == 3
    assert exit_code(replace(ok, coding=StepFailed("StoreError: ..."))) == 4


def test_stored_titles_and_excerpts_are_not_detected_again(tmp_path, monkeypatch):
    import dataclasses

    from litrev.extract.language import detection
    from litrev.flows.detection import detect_new
    from litrev.store.db import write_session
    from litrev.store.load import load_batch, records_to_batch
    from tests import corpus

    db = tmp_path / "c.ducklake"
    first = detect_new(db, corpus.seed_records(), ())
    assert all(r.work.title_language for r in first if r.work.title)
    assert all(x.language for r in first for x in r.excerpts)
    with write_session(db) as con:
        load_batch(con, records_to_batch(first), run_id="r1")
    asked = []
    real = detection.detect
    monkeypatch.setattr(detection, "detect",
                        lambda text, **kw: asked.append(text) or real(text, **kw))
    detect_new(db, corpus.seed_records(), ())
    assert asked == []
    changed = corpus.seed_records()
    retitled = dataclasses.replace(changed[0].work,
                                   title="Vertaistuki psykiatrisessa sairaalahoidossa")
    changed[0] = dataclasses.replace(changed[0], work=retitled)
    again = detect_new(db, changed, ())
    assert asked == ["Vertaistuki psykiatrisessa sairaalahoidossa"]  # a changed title is
    assert again[0].work.title_language == "fi"                      # detected again


def test_an_embedder_injects_each_sources_client_and_a_progress_display(prefect_server,  # noqa: F811
                                                                        tmp_path):
    """The flow in this process, as an embedder calls it: no module globals, only ``hooks``."""
    import io

    from prefect.logging.handlers import APILogWorker
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from litrev.flows.harvest import nightly_harvest
    from litrev.flows.harvest_tasks import HarvestHooks
    from litrev.flows.progress import LineProgress
    from tests.loopback import Request

    sent: list[str] = []

    def recorded(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.host)
        reply = openalex_route(Request("GET", request.url.path,
                                       dict(request.url.params.items()), {}))
        return httpx.Response(reply.status, content=reply.body, headers=reply.headers)

    def client_factory(name, settings):
        return httpx.Client(transport=httpx.MockTransport(recorded))

    profile = write_profile(tmp_path, files=False)
    with profile.open("a", encoding="utf-8") as f:  # the real API's address: never reached
        f.write('[sources.openalex]\nsearches = false\nrate_per_second = 0\n')
    shown = io.StringIO()
    with temporary_settings(updates={PREFECT_API_URL: prefect_server}):
        summary = nightly_harvest(
            profile_path=str(profile), db_path=str(tmp_path / "review.ducklake"),
            trigger="cli", hooks=HarvestHooks(client_factory=client_factory,
                                              progress=LineProgress(shown)))
        APILogWorker.drain_all(timeout=10)  # send the run logs while the test server is up
    assert summary.status == "succeeded"
    assert [(row.source, row.retrieved) for row in summary.sources] == [("openalex", 26)]
    assert sent and set(sent) == {"api.openalex.org"}  # every request went to the injected client
    assert shown.getvalue().startswith("  openalex: done, 26 records in ")
    assert Path(summary.log_path).parent == tmp_path / "litrev-logs"
