"""Two Prefect process workers on a REAL local Prefect server share one night's sources, and the
per-host rate limit holds across them.

The review's deployments come from the ``prefect.yaml`` that ``litrev deploy`` writes, registered
with ``prefect deploy --all``. Two workers (``prefect worker start --type process --limit 1``)
serve the pool; the nightly flow fans out one run of the per-source deployment per source, so
each worker takes one source's run and both harvest at the same time from one loopback API
that serves real recorded bodies (OpenAlex: ``tests/fixtures/harvest``; Europe PMC:
``tests/fixtures/europepmc``) and records when each request arrived. Both sources are on one
host with ``rate_per_second = 2``: any two requests to it must start at least 0.5 s apart,
whichever worker sent them. Then the nightly run loads both sources' records into one store.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from litrev.flows.rate_limits import limit_name
from litrev.store.db import read_session
from tests.conftest import store_env
from tests.loopback import LoopbackServer, Reply, Request
from tests.prefect_server import prefect_env, prefect_server  # noqa: F401 - fixture
from tests.recorded_api import openalex_route

EUROPEPMC = Path(__file__).resolve().parent / "fixtures" / "europepmc"
LITREV = [sys.executable, "-m", "litrev.flows.cli"]
PREFECT = [sys.executable, "-m", "prefect"]
RATE = 2.0  # requests per second to the one host, for both sources together
TOLERANCE = 0.1  # seconds: a slot taken on the server vs. the request's arrival here, under load
POOL = "litrev-workers-test"
KEY = "oa-test-key-7f3a9c"  # a made-up key
# Europe PMC: two requests per term (the recorded page, then the end).
TERMS = ["code quality", "peer review", "code review", "software quality", "pair programming",
         "refactoring"]


class RecordingApi:
    """OpenAlex and Europe PMC on one loopback host; remembers each request's arrival time.

    The first answer to each source waits until the other source has sent its first request
    too (at most a minute), so the two runs overlap in time however slowly either worker starts
    on a loaded machine: the rate is then tested with both workers sending at once.
    """

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, str]] = []
        self.keys: list[str | None] = []
        self._lock = threading.Lock()
        self._seen = {"europepmc": threading.Event(), "openalex": threading.Event()}

    def __call__(self, request: Request) -> Reply:
        with self._lock:
            self.arrivals.append((time.monotonic(), request.path))
            self.keys.append(request.query.get("api_key"))
        source = "europepmc" if request.path == "/search" else "openalex"
        self._seen[source].set()
        other = "openalex" if source == "europepmc" else "europepmc"
        self._seen[other].wait(timeout=60)
        if request.path == "/search":  # Europe PMC: one recorded page, then the end
            name = "search_core_cancer.json" if request.query.get("cursorMark", "*") == "*" \
                else "search_no_results.json"
            return Reply(200, (EUROPEPMC / name).read_bytes(),
                         {"Content-Type": "application/json"})
        return openalex_route(request)


def write_profile(folder: Path, api_url: str) -> Path:
    path = folder / "litrev.toml"
    path.write_text(f"""
[review]
name = "Workers test"
target_language = "en"
candidate_languages = ["en", "de"]
contact_email = "test@example.org"
database = "review.ducklake"

[search.terms]
en = {TERMS}

[seeds]
dois = ["10.1145/3174781.3174785"]

[sources.openalex]
base_url = "{api_url}"
searches = false
rate_per_second = {RATE}

[sources.europepmc]
base_url = "{api_url}"
rate_per_second = {RATE}
max_records = 50

[translation]
provider = "none"
""", encoding="utf-8")
    return path


def run(cmd: list[str], folder: Path, env: dict[str, str], timeout: float = 180) -> str:
    done = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"{cmd[2:5]}: {done.stdout[-2000:]}{done.stderr[-2000:]}"
    return done.stdout


def start_worker(folder: Path, env: dict[str, str], pool: str, name: str) -> subprocess.Popen:
    log = open(folder / f"{name}.log", "w")  # noqa: SIM115 - closed in stop_worker
    proc = subprocess.Popen([*PREFECT, "worker", "start", "--pool", pool, "--type", "process",
                             "--limit", "1", "--name", name], cwd=folder, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    proc.log = log
    return proc


def stop_worker(proc: subprocess.Popen) -> None:
    """End the worker and its flow-run children (its own process group)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    proc.log.close()


@pytest.mark.slow
def test_two_workers_share_the_sources_and_keep_the_host_rate(prefect_server, store,  # noqa: F811
                                                              tmp_path):
    """On each backend (``store``): the local lake, and a lake whose catalog is a database of
    the test PostgreSQL server with its data in a shared folder."""
    api = RecordingApi()
    pool = f"{POOL}-{'local' if isinstance(store, Path) else 'postgres'}"
    db, store_vars = store_env(store)
    with LoopbackServer(api) as server:
        profile = write_profile(tmp_path, server.url)
        env = prefect_env(prefect_server, tmp_path / "prefect-home",
                          PREFECT_WORKER_QUERY_SECONDS="1", LITREV_DB=db,
                          LITREV_REVIEW_DIR=str(tmp_path), **store_vars)
        # The commands docs/workers.md gives, as a team would run them.
        # The API key reaches the workers through a Prefect Secret block, never the file.
        run([sys.executable, "-c", "import os; from prefect.blocks.system import Secret; "
             "Secret(value=os.environ['LITREV_OPENALEX_API_KEY'])"
             ".save('litrev-openalex-api-key', overwrite=True)"],
            tmp_path, {**env, "LITREV_OPENALEX_API_KEY": KEY})
        run([*LITREV, "--profile", str(profile), "deploy", "--pool", pool], tmp_path,
            {**env, "LITREV_OPENALEX_API_KEY": KEY})
        assert KEY not in (tmp_path / "prefect.yaml").read_text(encoding="utf-8")
        run([*PREFECT, "work-pool", "create", pool, "--type", "process"], tmp_path, env)
        run([*PREFECT, "--no-prompt", "deploy", "--all"], tmp_path, env)
        workers = [start_worker(tmp_path, env, pool, name) for name in ("worker-a", "worker-b")]
        try:
            # The nightly run, started here rather than on the pool so that each of the two
            # one-run workers takes one source's run.
            night = subprocess.run(
                [sys.executable, "-c",
                 "import sys; from litrev.flows.harvest import nightly_harvest; "
                 "s = nightly_harvest(profile_path='litrev.toml', fan_out=True, trigger='cli'); "
                 "print(s.status, s.run_id)"],
                cwd=tmp_path, env=env, capture_output=True, text=True, timeout=150)
        finally:
            for worker in workers:
                stop_worker(worker)
    assert night.returncode == 0, night.stdout[-2000:] + night.stderr[-3000:]
    status, run_id = night.stdout.split()[-2:]
    assert status == "succeeded", night.stdout

    # Both sources were asked, on one host, never faster than the rate, across both workers.
    paths = [path for _, path in api.arrivals]
    assert "/search" in paths and "/works" in paths
    assert KEY in api.keys  # the worker's OpenAlex requests carried the block's key
    # The two sources' requests overlapped in time (they ran at once on the two workers; the
    # API held each one's first answer until the other had asked) ...
    europepmc = [t for t, path in api.arrivals if path == "/search"]
    openalex = [t for t, path in api.arrivals if path != "/search"]
    assert min(openalex) < max(europepmc) and min(europepmc) < max(openalex)
    # ... and yet no two requests to the host were closer than the rate allows.
    times = sorted(t for t, _ in api.arrivals)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(times) >= 5
    assert min(gaps) >= 1 / RATE - TOLERANCE, [round(g, 3) for g in gaps]

    # Each worker took one source's run: the run's log names the process that started it.
    log = (tmp_path / "litrev-logs" / f"{run_id}.log").read_text(encoding="utf-8")
    for worker in workers:
        assert f"started by process {worker.pid}" in log, log

    # One store: both sources' records loaded once, the ledger written once.
    with read_session(store) as con:
        searches = con.execute("SELECT source, status FROM search_log WHERE run_id = $run "
                               "ORDER BY source", {"run": run_id}).fetchall()
        works, distinct = con.execute(
            "SELECT count(*), count(DISTINCT work_id) FROM works").fetchone()
    assert {s for s, _ in searches} == {"europepmc", "openalex"}
    assert all(st == "succeeded" for _, st in searches), searches
    assert works == distinct and works >= 25 + 25
    assert not (tmp_path / "litrev-runs" / run_id).exists()  # result files read and removed
    # The limit that spaced them lives on the server: one slot decaying at the source's rate.
    host = server.url.split("//")[1].rstrip("/")
    with httpx.Client(base_url=prefect_server, timeout=10) as client:
        limit = client.get(f"/v2/concurrency_limits/{limit_name(host)}").json()
    assert (limit["limit"], limit["slot_decay_per_second"]) == (1, RATE)


@pytest.mark.slow
def test_no_deployment_is_one_line_and_a_pool_without_workers_fails_its_sources(
        prefect_server, tmp_path):  # noqa: F811
    """The nightly run's two ways to wait in vain: the per-source deployment was never
    registered (one line saying what to run), or no worker takes its runs (each source failed
    after the wait, saying why, instead of a night that never ends)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.deployments.runner import EntrypointType
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from litrev.flows.errors import FlowError
    from litrev.flows.source_run import harvest_on_workers, source_run
    from litrev.vocabulary import SearchStatus

    db = tmp_path / "review.ducklake"
    with temporary_settings(updates={PREFECT_API_URL: prefect_server}):
        with pytest.raises(FlowError) as raised:
            harvest_on_workers(db, ["openalex"], None, "litrev.toml", "night-1",
                               deployment="harvest-source/never-deployed")
        assert str(raised.value) == (
            "the per-source deployment 'harvest-source/never-deployed' is not registered on the "
            "Prefect server: run `prefect deploy --all` with the prefect.yaml that `litrev "
            "deploy` wrote")

        with get_client(sync_client=True) as client:
            client.create_work_pool(WorkPoolCreate(name="litrev-no-workers", type="process"))
        source_run.to_deployment(name="no-workers", work_pool_name="litrev-no-workers",
                                 entrypoint_type=EntrypointType.MODULE_PATH).apply()
        results = harvest_on_workers(db, ["crossref", "openalex"], None, "litrev.toml",
                                     "night-2", deployment="harvest-source/no-workers",
                                     wait_seconds=3)
    assert [(r.source, r.status) for r in results] == [
        ("crossref", SearchStatus.FAILED), ("openalex", SearchStatus.FAILED)]
    assert all("did not end within 3 s: is a worker of the pool running?" in r.error
               for r in results)
