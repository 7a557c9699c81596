"""The nightly harvest: one Prefect flow that joins sources, language, load, translation, coding.

Why this shape (docs/architecture.md, "Data flow of one harvest run"):

- sources run concurrently, each as one task in a thread (``task.submit``); request retries
  live in the HTTP layer only, and the task retries a source only when *all* of its searches
  failed and its host could be reached, so attempts never multiply; a source that still fails
  is recorded, not raised;
- records move in chunks (``HarvestHooks.chunk_records``, 20,000 by default) and the batch in
  parts split by key (pandas frames), never row by row through tasks, and never as task
  parameters: tasks pass paths into the run's work folder (``litrev-logs/<run id>/``, removed
  at the end) and small dataclasses of counts, because Prefect walks every parameter
  (:mod:`litrev.flows.harvest_tasks`); so no step holds the whole run's records in memory;
- the database is written by one task in one write session and ONE transaction: the merge
  (one MERGE per table per part), the ``source_state`` watermarks of the searches that
  succeeded, and the search ledger; readers meanwhile read the last committed snapshot;
- translation and coding follow, each as a task that writes only its own short session;
- the run ends with a Prefect markdown artifact and a :class:`HarvestSummary`.

While it runs, the run holds its lock and writes its log (``litrev-logs/<run id>.log`` beside
the database, :mod:`litrev.flows.runlog`); a run that a killed process left ``running`` is
closed as ``interrupted`` by the next one.

The flow runs without a server (Prefect's ephemeral mode) for ``litrev harvest``, and as the
served nightly deployment for ``litrev serve``::

    summary = nightly_harvest(profile_path="litrev.toml", trigger="cli")
    summary.status, [row.source for row in summary.sources]
    # -> ('succeeded', ['crossref', 'files', 'openalex'])

Tests and embedders inject through ``hooks`` (:class:`HarvestHooks`): each source's HTTP
client, a progress display, verbose logging.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from prefect import flow
from prefect.utilities.annotations import quote

from litrev.flows.harvest_summary import (
    HarvestSummary,
    WrittenBatch,
    step_error,
    summary_markdown,
    translation_backlog,
)
from litrev.flows.harvest_tasks import (
    BatchParts,
    HarvestHooks,
    build_batch,
    coding_task,
    detect_languages,
    failed_result,
    finish_task,
    harvest_source,
    load_searches,
    open_run_task,
    read_state,
    save_results,
    translate_task,
    write_batch,
)
from litrev.flows.run_plan import new_run_id, select_sources
from litrev.flows.runlog import RunFiles, log_memory, save
from litrev.vocabulary import RunStatus, SourceOutcome, Trigger

FLOW_NAME = "nightly-harvest"
ARTIFACT_KEY_PREFIX = "harvest-summary"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "review"


def _auto_scheduled() -> bool:
    """Whether this flow run was created by the server's scheduler (not run_deployment)."""
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    return bool(ctx and ctx.flow_run and getattr(ctx.flow_run, "auto_scheduled", False))


@flow(name=FLOW_NAME, log_prints=False)
def nightly_harvest(profile_path: str, db_path: str | None = None,
                    sources: list[str] | None = None, since: dt.date | None = None,
                    limit: int | None = None, trigger: str = Trigger.DEPLOYMENT,
                    source_retries: int = 1, source_retry_delay_seconds: float = 30.0,
                    run_id: str | None = None, hooks: HarvestHooks | None = None,
                    fan_out: bool = False, source_deployment: str | None = None
                    ) -> HarvestSummary:
    """Harvest every enabled source once, load, translate, code; returns the run summary.

    ``run_id`` lets the caller name the run (and so its log file) before it starts.
    ``fan_out`` runs each source as a run of the per-source deployment (``source_deployment``,
    default ``harvest-source/sources-<review>``) on any worker of its pool
    (:mod:`litrev.flows.source_run`); without it the sources run as threads of this process.
    """
    from prefect.runtime import flow_run

    from litrev.extract.profile import load_profile
    from litrev.faults import pause_at
    from litrev.flows.runlog import run_files
    from litrev.store.db import create_database, location_of

    hooks = hooks or HarvestHooks()
    profile = load_profile(profile_path)
    from litrev.flows.source_run import database_path, harvest_on_workers

    # the parameter, else LITREV_DB (a deployment's job variable), else the profile's; a
    # catalog URL stays text (a Path would fold the '//' of postgresql://)
    db = database_path(db_path, profile)
    if trigger == Trigger.DEPLOYMENT and _auto_scheduled():
        trigger = Trigger.SCHEDULE
    names = select_sources(profile, sources)
    started = dt.datetime.now(dt.UTC)
    run_id = run_id or new_run_id(started)
    if not location_of(db).exists:
        create_database(db)
    with run_files(db, run_id, verbose=hooks.verbose) as files:
        open_run_task(db, run_id, profile.name, trigger, flow_run.get_id(), since, limit)
        pause_at("harvesting")
        try:
            try:
                if fan_out:
                    # the workers' searches, saved per source like the threads' own
                    results = harvest_on_workers(
                        db, names, profile, profile_path, run_id, since=since, limit=limit,
                        retries=source_retries, retry_delay_seconds=source_retry_delay_seconds,
                        deployment=source_deployment)
                    harvested = [save_results(files.work_folder, name,
                                              [r for r in results if r.source == name],
                                              hooks.chunk_records)
                                 for name in names]
                else:
                    harvested = _harvest_sources(db, names, profile, since, limit,
                                                 source_retries, source_retry_delay_seconds,
                                                 hooks, files.work_folder)
            finally:
                if hooks.progress:
                    hooks.progress.close()
            summary = _load_and_process(db, run_id, profile, trigger, started, harvested,
                                        files, hooks.chunk_records)
        except Exception as exc:
            _close_failed(db, run_id, exc)
            raise
        finish_task(db, run_id, summary.status, quote(summary.as_dict()))
    from prefect.artifacts import create_markdown_artifact

    create_markdown_artifact(markdown=summary_markdown(summary),
                             key=f"{ARTIFACT_KEY_PREFIX}-{slug(profile.name)}",
                             description=f"litrev harvest {run_id}: {summary.status}")
    return summary


def _close_failed(db: Path, run_id: str, exc: Exception) -> None:
    """An error stopped the run (the database busy for 10 minutes, a disk full): close it as
    ``failed`` with the error, if the database can be written; else the next run marks it
    ``interrupted``."""
    import logging

    from litrev.store.db import waiting_write_session
    from litrev.store.errors import StoreError
    from litrev.store.ledger import finish_run

    error = f"{type(exc).__name__}: {exc}".splitlines()[0]
    logging.getLogger("litrev.harvest").error("the run stopped: %s", error)
    try:
        with waiting_write_session(db, wait_seconds=30) as con:
            finish_run(con, run_id, status=RunStatus.FAILED, summary={"error": error})
    except StoreError:
        pass


def _harvest_sources(db: Path, names: list[str], profile: Any, since: dt.date | None,
                     limit: int | None, retries: int, retry_delay: float,
                     hooks: HarvestHooks, folder: Path) -> list[Path]:
    """Every source in its own task; the paths of their saved searches, in ``names`` order.
    Each may keep what it derives from its inputs between runs in the store's local cache
    folder (``sources/``)."""
    from litrev.store.db import location_of

    state = read_state(db, names)
    cache = location_of(db).cache_dir / "sources"
    source_task = harvest_source.with_options(retries=retries,
                                              retry_delay_seconds=retry_delay)
    futures = {name: source_task.submit(name, quote(profile), state[name], since, limit,
                                        retries, folder, hooks, cache) for name in names}
    paths: list[Path] = []
    for name, future in futures.items():
        try:
            paths.append(future.result().path)
        except Exception as exc:  # noqa: BLE001 - a failed source is recorded, not raised
            error = f"{type(exc).__name__}: {exc}"
            paths.append(save_results(folder, name, [failed_result(name, error)],
                                      hooks.chunk_records))
            if hooks.progress:
                hooks.progress.finished(name, 0, SourceOutcome.FAILED, error)
    return paths


def _load_and_process(db: Path, run_id: str, profile: Any, trigger: str,
                      started: dt.datetime, sources: list[Path], files: RunFiles,
                      chunk_records: int) -> HarvestSummary:
    folder = files.work_folder
    log_memory("harvest-sources")
    if any(saved.records for saved in load_searches(sources)):
        rows = detect_languages(db, sources, profile.candidate_languages, folder, chunk_records)
        log_memory("detect-languages")
        batch = build_batch(rows, folder)
        log_memory("build-batch")
    else:  # no source returned a record (every import file unchanged): no task to run for them
        batch = save(folder, "batch", BatchParts([]))
    written: WrittenBatch = write_batch(db, run_id, sources, batch)
    log_memory("write-batch")
    status = written.status
    steps = {"translation": translate_task(db, quote(profile))}
    log_memory("translate")
    steps["coding"] = coding_task(db, quote(profile))
    log_memory("code-themes")
    if any(step_error(result) for result in steps.values()) and status == RunStatus.SUCCEEDED:
        status = RunStatus.PARTIAL  # loaded records stay; the run is partial
    return HarvestSummary(
        run_id=run_id, status=status, review=profile.name, trigger=trigger,
        database=str(db), started_at=started.isoformat(timespec="seconds"),
        finished_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        sources=written.sources, languages=written.languages,
        new_excerpts=written.load.new_excerpts, works_total=written.load.works_total,
        excerpts_total=written.load.excerpts_total, watermarks_saved=written.watermarks,
        translation=steps["translation"], coding=steps["coding"],
        translation_backlog=translation_backlog(db, profile.target_language),
        log_path=str(files.log_path))
