"""The Prefect tasks of the nightly harvest; :mod:`litrev.flows.harvest` joins them.

Each task is a thin shell around plain functions of ``extract`` and ``store``: the database is
written only through :func:`litrev.store.db.waiting_write_session` (a manual ``litrev
translate`` and a nightly run take turns), and nothing is injected through module globals:
the flow passes its :class:`HarvestHooks` to the task that needs them.

Every parameter and return value is small: paths, ids, counts. Prefect walks each task's
parameters (``visit_collection``) looking for futures and records them, so records and frames
never cross a task boundary; they go through the run's work folder
(:func:`litrev.flows.runlog.save` / ``load``), and the profile, which every source task needs,
is passed ``quote()``d (Prefect does not walk into it). ``tests/test_task_inputs.py`` counts what
Prefect walks.

A source task's records never gather in memory: the source hands each finished search to the
task's :class:`litrev.flows.saved_searches.SavedSearchSink` (``HarvestContext.sink``), which
writes its records into chunk files of ``chunk_records`` at once; what a source returns instead
is saved the same way. The later steps read the chunk files one at a time (issue 16).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NONE as NO_CACHE

from litrev.faults import pause_at
from litrev.flows.harvest_summary import StepFailed, WrittenBatch, run_status, source_rows
from litrev.flows.runlog import load, save
from litrev.flows.saved_searches import SavedSearches, SavedSearchSink
from litrev.vocabulary import SearchStatus, SourceOutcome

log = logging.getLogger("litrev.harvest")


@dataclass(frozen=True)
class HarvestHooks:
    """What an embedder, a test or the CLI injects into one harvest; every part is optional.

    ``client_factory(name, settings)`` gives a source's ``httpx.Client`` (``None``: the source
    builds its own), e.g. one with an ``httpx.MockTransport`` serving recorded responses;
    ``progress`` is a :class:`litrev.flows.progress.HarvestProgress`; ``verbose`` also shows
    the run log's warnings on stderr; ``limiter`` is where requests wait for their host's rate
    (a :class:`litrev.extract.http.RateLimiter`; ``None``: this process's limiter table);
    ``chunk_records``: records per chunk between the steps (:data:`CHUNK_RECORDS`; a test makes
    it tiny to check that chunking stores the same rows).
    """

    client_factory: Callable[[str, Any], Any] | None = None
    progress: Any = None
    verbose: bool = False
    limiter: Any = None
    chunk_records: int = 20_000


@dataclass(frozen=True)
class SourceHarvest:
    """What a source task returns: where its searches (``SearchResult``s with their records)
    were saved, and how many records they hold."""

    source: str
    path: Path
    records: int


@dataclass(frozen=True)
class BatchParts:
    """The harvest's batch, split by key into parts (files of the run's work folder) that are
    built and merged one at a time: no step holds the whole run's records or frames.
    ``records``: the source records the parts came from (whether building them in worker
    processes pays)."""

    files: list[Path]
    records: int = 0


# Records per chunk between the harvest's steps: each step holds about one chunk (one part of
# the batch) at a time, so its memory does not grow with the harvest (issue 16).
CHUNK_RECORDS = HarvestHooks.chunk_records


class SourceAttemptFailed(Exception):
    """Raised inside the source task so that Prefect retries the whole source once more."""


def failed_result(name: str, error: str) -> Any:
    from litrev.extract.sources import SearchResult, _safe_module

    platform = getattr(_safe_module(name), "PLATFORM", name)
    return SearchResult(source=name, query_key="*", query="(source could not run)",
                        platform=platform, status=SearchStatus.FAILED, error=error)


def read_state(db: Path, names: list[str]) -> dict[str, dict[str, str]]:
    """Each source's watermarks from the snapshot (empty before the first run)."""
    from litrev.store.db import read_session
    from litrev.store.errors import DatabaseMissing
    from litrev.store.state import load_state

    try:
        with read_session(db) as con:
            return {name: dict(load_state(con, name)) for name in names}
    except DatabaseMissing:
        return {name: {} for name in names}


# --- tasks --------------------------------------------------------------------------------------

@task(name="open-run", cache_policy=NO_CACHE)
def open_run_task(db: Path, run_id: str, review_name: str, trigger: str, flow_run_id: str | None,
                  since: dt.date | None, limit: int | None) -> list[str]:
    """Open the run in the ledger; first close runs a killed process left ``running``."""
    from litrev.flows.runlog import close_abandoned_runs
    from litrev.store.db import waiting_write_session
    from litrev.store.ledger import open_run

    with waiting_write_session(db) as con:
        abandoned = close_abandoned_runs(con, db)
        open_run(con, run_id=run_id, review_name=review_name, trigger=trigger,
                 flow_run_id=flow_run_id, since=since, record_limit=limit)
    return abandoned


def _source_status(results: list[Any]) -> SourceOutcome:
    if results and all(r.status == SearchStatus.FAILED for r in results):
        return SourceOutcome.FAILED
    if any(r.status != SearchStatus.SUCCEEDED for r in results):
        return SourceOutcome.PARTLY_FAILED
    return SourceOutcome.DONE


@task(name="harvest-source", task_run_name="harvest-{name}", cache_policy=NO_CACHE)
def harvest_source(name: str, profile: Any, state: dict[str, str], since: dt.date | None,
                   limit: int | None, retries: int, folder: Path,
                   hooks: HarvestHooks | None = None,
                   cache_dir: Path | None = None) -> SourceHarvest:
    """Run one source and save its searches into the run's work folder. Raises (so Prefect
    retries the task) only when every search failed, retries remain and a retry can help (not
    when its host is unreachable); the last attempt saves the failed results for the ledger.
    The flow passes ``profile`` ``quote()``d: Prefect hands the task the profile itself
    without walking it. ``cache_dir``: where the source may keep what it derives from its
    inputs between runs (``HarvestContext.cache_dir``).

    A source that hands its searches on as they finish (``HarvestContext.sink``) has each
    one's records written into chunk files at once, so this process never holds the whole
    source's records; the searches it returns are saved the same way. Each attempt writes
    files of its own and removes them when it is not kept (a retry, an error), so a retried
    source's records are never counted twice."""
    from prefect.runtime import task_run

    from litrev.extract.sources import HarvestContext, run_source

    hooks = hooks or HarvestHooks()
    attempt = task_run.get_run_count() or 1
    settings = profile.sources[name]
    sink = SavedSearchSink(folder, name, hooks.chunk_records,
                           prefix=f"records-{name}-attempt{attempt}")
    on_progress = hooks.progress.callback(name) if hooks.progress else None
    planned = getattr(hooks.progress, "planned", None)  # a display of an embedder may lack it
    try:
        client = hooks.client_factory(name, settings) if hooks.client_factory else None
        ctx = HarvestContext(profile=profile, settings=settings, client=client, state=state,
                             since=since, limit=limit, on_progress=on_progress,
                             limiter=hooks.limiter, sink=sink, cache_dir=cache_dir,
                             on_plan=(lambda searches: planned(name, searches)) if planned
                             else None)
        try:
            returned = run_source(name, ctx)
        finally:
            if client is not None:
                client.close()
        for result in returned:
            sink.take(result)
        del returned
        searches = sink.searches
        status = _source_status(searches)
        # An unreachable host stays refused by its circuit: retrying the source cannot help.
        unreachable = any(getattr(r, "unreachable", False) for r in searches)
        if status == SourceOutcome.FAILED and attempt <= retries and not unreachable:
            log.warning("%s: every search failed (%s); retrying the whole source", name,
                        searches[0].error)
            raise SourceAttemptFailed(f"{name}: every search failed ({searches[0].error}); "
                                      f"retrying the whole source")
        if hooks.progress:
            error = next((r.error for r in searches if r.error), None)
            hooks.progress.finished(name, sink.records, status, error)
        return SourceHarvest(name, sink.finish(), sink.records)
    except BaseException:
        sink.discard()
        raise


def save_results(folder: Path, name: str, results: list[Any],
                 chunk_records: int = CHUNK_RECORDS) -> Path:
    """One source's searches, saved where the later tasks read them: the records in files of
    ``chunk_records`` each, the searches and their ledger entries apart (:class:`SavedSearches`).
    """
    sink = SavedSearchSink(folder, name, chunk_records)
    for result in results:
        sink.take(result)
    return sink.finish()


def load_results(path: Path) -> list[Any]:
    """What :func:`save_results` saved at ``path``, as the searches with their records again
    (a source's run on a worker hands them on whole); each search's records are as many as its
    ledger entry's work ids, in order."""
    import dataclasses
    from itertools import islice

    saved: SavedSearches = load(path)
    records = (record for file in saved.record_files for record in load(file))
    return [dataclasses.replace(search, records=list(islice(records, len(entry.work_ids))))
            for search, entry in zip(saved.searches, saved.entries, strict=True)]


def load_searches(paths: list[Path]) -> list[SavedSearches]:
    """The saved searches of every source (without records), in the order of ``paths``."""
    return [load(path) for path in paths]


def batch_part_count(records: int, chunk_records: int = CHUNK_RECORDS) -> int:
    """How many parts a batch of ``records`` records is split into."""
    return max(1, -(-records // max(1, int(chunk_records))))


def file_record_counts(saved: list[SavedSearches], chunk_records: int = CHUNK_RECORDS
                       ) -> dict[Path, int]:
    """How many records each record file of every source holds."""
    counts: dict[Path, int] = {}
    for source in saved:
        held = source.file_records or [chunk_records] * len(source.record_files)
        counts.update(zip(source.record_files, held, strict=True))
    return counts


def record_file_groups(saved: list[SavedSearches], chunk_records: int = CHUNK_RECORDS
                       ) -> list[tuple[Path, ...]]:
    """The record files of every source in order, consecutive ones grouped up to
    ``chunk_records`` records: what one detection job reads.

    Why: a source whose files were written by several parsing workers has one or more files
    per import file, often far smaller than a chunk; a job per file made the detection step
    pay its cost per job (loading, asking the store, splitting into parts) many more times, and
    detect a text once per job instead of once per chunk (bench/ingest.py at 300,000: 63 s
    with chunks of 20,000, 88 s with a job per import file of 10,000 records)."""
    groups: list[tuple[Path, ...]] = []
    group: list[Path] = []
    held = 0
    for path, count in file_record_counts(saved, chunk_records).items():
        if group and held + count > chunk_records:
            groups.append(tuple(group))
            group, held = [], 0
        group.append(path)
        held += count
    if group:
        groups.append(tuple(group))
    return groups


def balanced_jobs(groups: list[tuple[Path, ...]], records: dict[Path, int], workers: int
                  ) -> tuple[list[tuple[Path, ...]], list[int]]:
    """The groups of record files (split further where it helps), in record order, and the
    order in which to hand them to ``workers`` worker processes (indexes into the groups).

    Why: a pool hands the next group to the first worker free; with 15 equal groups and two
    workers, one worker detects the last group alone while the other core idles (7-8 s of a
    300,000-record harvest here). The largest multi-file groups are halved until the count is a
    multiple of the workers, and the largest groups run first, so the workers end together.
    The groups stay in record order (their results are joined in that order), so the batch is
    the same whatever order they run in.

        >>> a, b, c, d, e, f = (Path(name) for name in "abcdef")
        >>> counts = dict.fromkeys([a, b, c, d, e, f], 10_000)
        >>> groups, order = balanced_jobs([(a, b), (c, d), (e, f)], counts, workers=2)
        >>> [[path.name for path in group] for group in groups], order
        ([['a', 'b'], ['c', 'd'], ['e'], ['f']], [0, 1, 2, 3])
    """

    def size(group: tuple[Path, ...]) -> int:
        return sum(records.get(path, 0) for path in group)

    groups = list(groups)
    while workers > 1 and len(groups) % workers:
        splittable = [i for i, group in enumerate(groups) if len(group) > 1]
        if not splittable:
            break
        i = max(reversed(splittable), key=lambda k: size(groups[k]))  # the last of the largest
        half = len(groups[i]) // 2
        groups[i:i + 1] = [groups[i][:half], groups[i][half:]]
    return groups, sorted(range(len(groups)), key=lambda i: -size(groups[i]))


@task(name="detect-languages", cache_policy=NO_CACHE)
def detect_languages(db: Path, sources: list[Path], candidates: tuple[str, ...],
                     folder: Path, chunk_records: int = CHUNK_RECORDS) -> Path:
    """Chunk by chunk, the records of every source with the language of their new excerpts and
    work titles (see :func:`litrev.flows.detection.detect_new`), flattened into rows and
    appended to the batch part of their key; the path of the list of part files."""
    import shutil

    from litrev.extract.parallel import Workers, in_child, kept_workers
    from litrev.flows.detection import RecordFileJob, detect_record_files
    from litrev.store.detections import stores_detected_languages

    saved = load_searches(sources)
    # a store without any detected language has nothing to skip: no chunk asks it
    ask = db if stores_detected_languages(db) else None
    total = sum(s.records for s in saved)
    parts = batch_part_count(total, chunk_records)
    files = [folder / f"rows-{k}.pickle" for k in range(parts)]
    record_files = record_file_groups(saved, chunk_records)
    hints: dict[str, str] | None = None
    if len(record_files) > 1:  # a title's hint may come in a later chunk (or source)
        hints = {}
        for source in saved:
            for work_id, hint in source.title_hints.items():
                hints.setdefault(work_id, hint)
    # Several chunks: a pool over the chunks (each worker loads its models once). One chunk:
    # its texts in a pool when there are enough of them, else one process of its own; either
    # way the models are not loaded into this process, which goes on to write and code
    # (unless LITREV_WORKERS=1 asks for one process).
    with Workers(total if len(record_files) > 1 else 0, chunk_size=1) as chunk_pool, \
            kept_workers(total) as text_pool:
        alone = chunk_pool.workers > 1 or text_pool.workers <= 1
        record_files, order = balanced_jobs(
            record_files, file_record_counts(saved, chunk_records), chunk_pool.workers)
        jobs = [RecordFileJob(i, paths, ask, candidates, hints, parts, folder, alone)
                for i, paths in enumerate(record_files)]
        if chunk_pool.workers > 1:
            done = chunk_pool.map(detect_record_files, [jobs[i] for i in order])
            written = [per_job for _, per_job in sorted(zip(order, done, strict=True))]
        elif text_pool.workers > 1:
            written = detect_record_files(jobs)
        else:
            written = in_child(detect_record_files, jobs)
    # each part's rows in chunk order: the pickles of the chunks one after the other
    for k, file in enumerate(files):
        pieces = [per_chunk[k] for per_chunk in written if per_chunk[k] is not None]
        if not pieces:
            continue
        with file.open("ab") as out:
            for piece in pieces:
                with piece.open("rb") as f:
                    shutil.copyfileobj(f, out)
                piece.unlink()
    return save(folder, "rows", BatchParts(files, total))


@task(name="build-batch", cache_policy=NO_CACHE)
def build_batch(rows: Path, folder: Path) -> Path:
    """Each part's rows as frames, deduplicated (a key's duplicates are all in its part, so
    this is the whole batch's deduplication), saved part by part; the path of their list.
    Several parts are built in worker processes, one part at a time each
    (:func:`litrev.flows.detection.build_batch_parts`)."""
    from litrev.extract.parallel import Workers
    from litrev.flows.detection import BatchPartJob, build_batch_parts

    parts: BatchParts = load(rows)
    jobs = [BatchPartJob(k, Path(path), folder) for k, path in enumerate(parts.files)]
    with Workers(parts.records if len(jobs) > 1 else 0, chunk_size=1) as pool:
        built = pool.map(build_batch_parts, jobs)
    return save(folder, "batch", BatchParts([path for path in built if path is not None]))


@task(name="write-batch", cache_policy=NO_CACHE)
def write_batch(db: Path, run_id: str, sources: list[Path], batch_path: Path) -> WrittenBatch:
    """The one write of the harvest: merge (part by part), watermarks, ledger, in one
    transaction, committed as one snapshot. The run stays ``running`` until
    :func:`finish_task` closes it."""
    from litrev.store.db import waiting_write_session
    from litrev.store.ledger import count_searches, record_searches, stored_works
    from litrev.store.load import Batch, load_parts
    from litrev.store.state import save_watermarks

    saved = load_searches(sources)
    searches = [r for s in saved for r in s.searches]
    entries = [e for s in saved for e in s.entries]
    parts = load(batch_path).files
    stored: dict[str, tuple[bool, bool]] = {}
    languages: Counter[str] = Counter()

    def before_merge(part: Batch) -> None:
        # what was stored before this run, for the ledger (a work is in one part only)
        stored.update(stored_works(con, part.works))
        if not part.excerpts.empty:
            languages.update(part.excerpts["language"].dropna())

    with waiting_write_session(db) as con:
        con.execute("BEGIN TRANSACTION")  # merge, watermarks and ledger commit together
        try:
            loaded = load_parts(con, (load(path) for path in parts), run_id=run_id,
                                transaction=False, before_merge=before_merge)
            pause_at("merged")
            counts = count_searches(entries, stored)
            watermarks = save_watermarks(
                con, [r for r in searches if r.status == SearchStatus.SUCCEEDED and r.watermark],
                run_id=run_id)
            record_searches(con, run_id, entries, counts)
            con.execute("COMMIT")
            pause_at("committed")  # committed (a snapshot), the run not closed yet
        except Exception:
            con.execute("ROLLBACK")
            raise
    # Languages detected in this run (excerpts stored before keep theirs and are not counted).
    return WrittenBatch(sources=source_rows(entries, counts), status=run_status(entries),
                        languages=dict(languages.most_common()), load=loaded,
                        watermarks=watermarks)


def _step_failed(step: str, exc: Exception) -> StepFailed:
    """One log line (no traceback) and the error for the summary; the run goes on."""
    error = f"{type(exc).__name__}: {exc}".splitlines()[0]
    log.error("%s failed: %s", step, error)
    return StepFailed(error)


@task(name="translate", cache_policy=NO_CACHE)
def translate_task(db: Path, profile: Any) -> Any:
    """Translate new texts; a failure leaves the loaded records in place (status pending)."""
    try:
        from litrev.flows.translation import run_translation

        return run_translation(db, profile, changed_only=True)
    except Exception as exc:  # noqa: BLE001 - reported in the summary, the run goes on
        return _step_failed("translation", exc)


@task(name="code-themes", cache_policy=NO_CACHE)
def coding_task(db: Path, profile: Any) -> Any:
    """Code new excerpts against the codebook and refresh the full-text index."""
    try:
        from litrev.flows.coding import run_coding

        return run_coding(db, profile)
    except Exception as exc:  # noqa: BLE001 - reported in the summary, the run goes on
        return _step_failed("coding", exc)


@task(name="finish-run", cache_policy=NO_CACHE)
def finish_task(db: Path, run_id: str, status: str, summary: dict[str, Any]) -> None:
    from litrev.store.db import compact, waiting_write_session
    from litrev.store.ledger import finish_run

    with waiting_write_session(db) as con:
        finish_run(con, run_id, status=status, summary=summary)
        compact(con)  # after the run's named commit: merges small files when there are many

