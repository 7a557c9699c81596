"""Each source of a night as its own flow run, on any worker of the pool; gathered once.

Why: on one machine the nightly flow runs its sources as threads of one process. A team with a
work pool can spread them: the nightly flow (with ``fan_out=True``) starts one run of the
per-source deployment for each source (:func:`prefect.deployments.run_deployment`), so any
worker of the pool takes it; each run harvests its source under the per-host rate limit that
holds across workers (:class:`litrev.flows.rate_limits.PrefectRateLimiter`), writes what it
found to one file under ``litrev-runs/<run id>/`` beside the database, and returns that file's
path. The nightly flow waits for every run, reads the files and then detects, loads, translates
and codes once, in one write, as on one machine, so the ledger and the summary are written once.

What crosses between flow runs are references only: the run id, the source's name, the profile
and database paths, and the path of the result file. A source whose run failed or crashed on its
worker is recorded as failed (with the run's state), like a source that failed in a thread.

    results = harvest_on_workers(db, ["crossref", "openalex"], profile, "litrev.toml", run_id,
                                 deployment="harvest-source/sources-my-review")
    # -> [SearchResult(source='crossref', ...), SearchResult(source='openalex', ...)]

The result files are pickles written by litrev's own flow runs into the review's folder (a
folder the workers share anyway, since they write the same store); they are read once and
removed.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import pickle
import socket
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import flow
from prefect.utilities.annotations import quote

from litrev.flows.harvest import slug
from litrev.flows.harvest_tasks import (
    HarvestHooks,
    failed_result,
    harvest_source,
    load_results,
    read_state,
)

SOURCE_FLOW_NAME = "harvest-source"
RUNS_FOLDER = "litrev-runs"
# How long the nightly run waits for its sources' runs (a night, less the margin to the next).
WAIT_SECONDS = 20 * 3600.0
# a module path: works wherever litrev is installed
SOURCE_ENTRYPOINT = "litrev.flows.source_run.source_run"

log = logging.getLogger("litrev.harvest")


def source_deployment_name(profile: Any) -> str:
    return f"sources-{slug(profile.name)}"


def full_source_deployment_name(profile: Any) -> str:
    return f"{SOURCE_FLOW_NAME}/{source_deployment_name(profile)}"


def output_path(db: Path | str, run_id: str, source: str) -> Path:
    """Where the run of ``source`` in the night ``run_id`` leaves its results: beside a local
    lake's catalog, or in the working folder (the review folder a worker's pull step enters)
    for a shared catalog."""
    from litrev.store.location import StoreLocation

    home = StoreLocation.parse(db).home.resolve()
    return home / RUNS_FOLDER / run_id / f"{source}.pickle"


@dataclass(frozen=True)
class SourceRunOutput:
    """What one source's run found, and where it ran (the host and the worker's process)."""

    source: str
    results: list[Any]
    host: str
    pid: int
    worker_pid: int

    @property
    def place(self) -> str:
        return f"{self.host}, process {self.pid} started by process {self.worker_pid}"


def database_path(db_path: str | None, profile: Any) -> Path | str:
    """The store of a run on a worker: the parameter, else ``LITREV_DB``, else the profile's.

    Why the environment: ``litrev deploy`` passes the store as a job variable (``LITREV_DB``),
    so the path can differ between machines and never sits in the file. A catalog URL stays
    text (a ``Path`` would fold the ``//`` of ``postgresql://``).
    """
    from litrev.flows.context import store_path
    from litrev.flows.errors import UsageError

    value = db_path or os.environ.get("LITREV_DB") or ""
    if "{{" in value:
        raise UsageError(f"LITREV_DB is the unresolved template {value!r}: set LITREV_DB when "
                         "you run `prefect deploy`, or in the work pool's environment")
    if not value:
        return profile.database_path
    return store_path(value)


@flow(name=SOURCE_FLOW_NAME, flow_run_name="{run_id}-{source}", log_prints=False)
def source_run(profile_path: str, source: str, run_id: str, db_path: str | None = None,
               since: dt.date | None = None, limit: int | None = None, retries: int = 1,
               retry_delay_seconds: float = 30.0) -> str:
    """Harvest one source for the night ``run_id``; return the path of its result file."""
    from litrev.extract.profile import load_profile
    from litrev.flows.rate_limits import PrefectRateLimiter

    profile = load_profile(profile_path)
    db = database_path(db_path, profile)
    state = read_state(db, [source])[source]
    hooks = HarvestHooks(limiter=PrefectRateLimiter())
    task = harvest_source.with_options(retries=retries, retry_delay_seconds=retry_delay_seconds)
    # the task saves its searches into a work folder and returns the path (references between
    # tasks); this run's own folder, gone when the results are in the file the gatherer reads
    with tempfile.TemporaryDirectory(prefix=f"litrev-{source}-") as work:
        try:
            harvested = task(source, quote(profile), state, since, limit, retries, Path(work),
                             hooks)
            results = load_results(harvested.path)
        except Exception as exc:  # noqa: BLE001 - a failed source is recorded, not raised
            results = [failed_result(source, f"{type(exc).__name__}: {exc}")]
    out = output_path(db, run_id, source)
    out.parent.mkdir(parents=True, exist_ok=True)
    output = SourceRunOutput(source=source, results=results, host=socket.gethostname(),
                             pid=os.getpid(), worker_pid=os.getppid())
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{source}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(output, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, out)  # the gatherer never reads half a file
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return str(out)


def _wait_final(flow_run_ids: dict[str, Any], poll_seconds: float, wait_seconds: float
                ) -> dict[str, Any]:
    """Each source's final flow-run state, polling the server; a run still not final after
    ``wait_seconds`` (no worker took it, or it hangs) is left out."""
    from prefect.client.orchestration import get_client

    states: dict[str, Any] = {}
    deadline = time.monotonic() + wait_seconds
    with get_client(sync_client=True) as client:
        while len(states) < len(flow_run_ids):
            for name, run_id in flow_run_ids.items():
                if name in states:
                    continue
                state = client.read_flow_run(run_id).state
                if state is not None and state.is_final():
                    states[name] = state
            if len(states) < len(flow_run_ids):
                if time.monotonic() >= deadline:
                    break
                time.sleep(poll_seconds)
    return states


def harvest_on_workers(db: Path | str, names: list[str], profile: Any, profile_path: str,
                       run_id: str, *, since: dt.date | None = None, limit: int | None = None,
                       retries: int = 1, retry_delay_seconds: float = 30.0,
                       deployment: str | None = None, poll_seconds: float = 1.0,
                       wait_seconds: float = WAIT_SECONDS) -> list[Any]:
    """Run each source as a run of the per-source deployment; the search results of all.

    A source whose run did not end within ``wait_seconds`` is recorded as failed (its run is
    left to Prefect), so a pool without workers cannot hold the night's run, and with it every
    later night's, forever.
    """
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound

    from litrev.flows.errors import FlowError

    deployment = deployment or full_source_deployment_name(profile)
    started = {}
    for name in names:
        try:
            run = run_deployment(
                deployment, timeout=0, flow_run_name=f"{run_id}-{name}",
                parameters={"profile_path": str(profile_path), "source": name,
                            "run_id": run_id, "db_path": str(db),
                            "since": since.isoformat() if since else None, "limit": limit,
                            "retries": retries, "retry_delay_seconds": retry_delay_seconds})
        except ObjectNotFound:
            raise FlowError(f"the per-source deployment {deployment!r} is not registered on "
                            "the Prefect server: run `prefect deploy --all` with the prefect.yaml "
                            "that `litrev deploy` wrote") from None
        started[name] = run.id
    states = _wait_final(started, poll_seconds, wait_seconds)
    results: list[Any] = []
    for name in names:
        path = output_path(db, run_id, name)
        state = states.get(name)
        if state is None:
            why = (f"its run {started[name]} did not end within {wait_seconds:.0f} s: is a "
                   "worker of the pool running?")
            log.error("%s: %s", name, why)
            results.append(failed_result(name, why))
            continue
        if not state.is_completed() or not path.exists():
            why = f"its run {started[name]} on a worker ended {state.name}" + (
                f": {state.message}" if state.message else "")
            log.error("%s: %s", name, why)
            results.append(failed_result(name, why))
            continue
        with path.open("rb") as f:
            output: SourceRunOutput = pickle.load(f)  # noqa: S301 - our own run's file
        log.info("%s: ran as flow run %s on %s", name, started[name], output.place)
        results.extend(output.results)
        path.unlink()
    folder = output_path(db, run_id, "x").parent
    if folder.exists() and not any(folder.iterdir()):
        folder.rmdir()
    return results
