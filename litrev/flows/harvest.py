"""The nightly harvest: one Prefect flow that joins sources, language, load, translation, coding.

Why this shape (docs/architecture.md, "Data flow of one harvest run"):

- sources run concurrently, each as one task in a thread (``task.submit``); request retries
  live in the HTTP layer only, and the task retries a source only when *all* of its searches
  failed, so attempts never multiply; a source that still fails is recorded, not raised;
- records move as one batch (pandas frames), never row by row through tasks;
- the database is written by one task in one short write session: the merge, the
  ``source_state`` watermarks of the searches that succeeded, and the search ledger; readers
  meanwhile read the snapshot, which the session republishes when it closes;
- translation and coding follow, each as a task that writes only its own short session;
- the run ends with a Prefect markdown artifact and a summary dict (``litrev harvest`` prints
  it as a table).

The flow runs without a server (Prefect's ephemeral mode) for ``litrev harvest``, and as the
served nightly deployment for ``litrev serve``::

    >>> summary = nightly_harvest(profile_path="litrev.toml", trigger="cli")
    >>> summary["status"], [s["source"] for s in summary["sources"]]
    ('succeeded', ['crossref', 'files', 'openalex'])

Tests (and embedders) can inject the HTTP client of each source through
:data:`CLIENT_FACTORY` (``name, settings -> httpx.Client | None``), e.g. a client with an
``httpx.MockTransport`` serving recorded responses.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NONE as NO_CACHE

log = logging.getLogger("litrev.harvest")

FLOW_NAME = "nightly-harvest"
ARTIFACT_KEY_PREFIX = "harvest-summary"

# name, SourceSettings -> httpx.Client | None. None lets each source build its own client.
CLIENT_FACTORY: Callable[[str, Any], Any] | None = None


# --- helpers (plain Python) -------------------------------------------------------------------

def new_run_id(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "review"


def select_sources(profile, names: list[str] | None) -> list[str]:
    """The profile's enabled sources, or the ones asked for (which must be configured)."""
    from litrev.flows.errors import UsageError

    enabled = [s.name for s in profile.enabled_sources()]
    if not names:
        if not enabled:
            raise UsageError("the profile enables no source; set enabled = true under one of "
                             "its [sources.NAME] tables")
        return sorted(enabled)
    unknown = [n for n in names if n not in profile.sources]
    if unknown:
        raise UsageError(f"source {', '.join(unknown)} is not configured in the profile; "
                         f"configured: {', '.join(sorted(profile.sources)) or 'none'}")
    return sorted(dict.fromkeys(names))


class ProgressPrinter:
    """Prints ``source: N records (R/s)`` to stderr, at most once a second per source."""

    def __init__(self, stream=None, every_seconds: float = 1.0) -> None:
        self.stream = stream or sys.stderr
        self.every = every_seconds
        self.lock = threading.Lock()
        self.started: dict[str, float] = {}
        self.last: dict[str, float] = {}
        self.done: dict[str, int] = {}
        self.current: dict[str, tuple[str, int]] = {}

    def callback(self, source: str) -> Callable[[str, int], None]:
        self.started.setdefault(source, time.monotonic())

        def on_progress(query_key: str, records: int) -> None:
            with self.lock:
                previous = self.current.get(source)
                if previous and previous[0] != query_key:
                    self.done[source] = self.done.get(source, 0) + previous[1]
                self.current[source] = (query_key, records)
                now = time.monotonic()
                if now - self.last.get(source, 0.0) >= self.every:
                    self.last[source] = now
                    self._print(source, now)

        return on_progress

    def total(self, source: str) -> int:
        current = self.current.get(source)
        return self.done.get(source, 0) + (current[1] if current else 0)

    def _print(self, source: str, now: float) -> None:
        elapsed = max(now - self.started.get(source, now), 1e-6)
        total = self.total(source)
        print(f"  {source}: {total} records so far ({total / elapsed:.1f}/s)",
              file=self.stream, flush=True)

    def finished(self, source: str, records: int, status: str) -> None:
        with self.lock:
            elapsed = max(time.monotonic() - self.started.get(source, time.monotonic()), 1e-6)
            print(f"  {source}: {status}, {records} records in {elapsed:.1f} s "
                  f"({records / elapsed:.1f}/s)", file=self.stream, flush=True)


_PRINTER: ProgressPrinter | None = None


def _failed_result(name: str, error: str):
    from litrev.extract.sources import SearchResult, _safe_module

    platform = getattr(_safe_module(name), "PLATFORM", name)
    return SearchResult(source=name, query_key="*", query="(source could not run)",
                        platform=platform, status="failed", error=error)


def _read_state(db: Path, names: list[str]) -> dict[str, dict[str, str]]:
    """Each source's watermarks from the snapshot (empty before the first run)."""
    from litrev.store.db import read_session
    from litrev.store.errors import DatabaseMissing
    from litrev.store.state import load_state

    try:
        with read_session(db) as con:
            return {name: dict(load_state(con, name)) for name in names}
    except DatabaseMissing:
        return {name: {} for name in names}


def _save_watermarks(con, run_id: str, results: list) -> int:
    from litrev.store.state import save_watermarks

    return save_watermarks(con, [r for r in results if r.status == "succeeded"
                                 and r.watermark], run_id=run_id)


def _entries(results: list) -> list:
    from litrev.store.ledger import SearchEntry

    entries = []
    for r in results:
        entries.append(SearchEntry(
            source=r.source, query=r.query, platform=r.platform, query_key=r.query_key,
            query_url=getattr(r, "query_url", None), filters=_text(r.filters),
            limits=_text(r.limits), update_method=r.update_method,
            hits_reported=r.hits_reported, status=r.status, error=r.error,
            work_ids=tuple(rec.work.work_id for rec in r.records),
            deleted=tuple(bool(rec.deleted) for rec in r.records)))
    return entries


def _text(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    import json

    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


WRITER_WAIT_SECONDS = 600.0


@contextlib.contextmanager
def writer(db: Path, *, wait_seconds: float | None = None):
    """``litrev.store.db.write_session``, waiting while another process writes (a manual
    ``litrev harvest`` or ``litrev translate``) instead of failing; gives up after 10 min."""
    from litrev.store.db import write_session
    from litrev.store.errors import DatabaseBusy

    deadline = time.monotonic() + (WRITER_WAIT_SECONDS if wait_seconds is None
                                   else wait_seconds)
    while True:
        try:
            session = write_session(db)
            con = session.__enter__()
        except DatabaseBusy:
            if time.monotonic() >= deadline:
                raise
            time.sleep(2.0)
            continue
        break
    try:
        yield con
    except BaseException:
        if not session.__exit__(*sys.exc_info()):
            raise
    else:
        session.__exit__(None, None, None)


def _auto_scheduled() -> bool:
    """Whether this flow run was created by the server's scheduler (not run_deployment)."""
    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    return bool(ctx and ctx.flow_run and getattr(ctx.flow_run, "auto_scheduled", False))


# --- tasks --------------------------------------------------------------------------------------

@task(name="open-run", cache_policy=NO_CACHE)
def open_run_task(db: Path, run_id: str, review_name: str, trigger: str, flow_run_id: str | None,
                  since: dt.date | None, limit: int | None) -> None:
    from litrev.store.ledger import open_run

    with writer(db) as con:
        open_run(con, run_id=run_id, review_name=review_name, trigger=trigger,
                 flow_run_id=flow_run_id, since=since, record_limit=limit)


@task(name="harvest-source", task_run_name="harvest-{name}", cache_policy=NO_CACHE)
def harvest_source(name: str, profile, state: dict[str, str], since: dt.date | None,
                   limit: int | None, retries: int) -> list:
    """Run one source. Raises (so Prefect retries the task) only when every search failed
    and retries remain; the last attempt returns the failed results for the ledger."""
    from prefect.runtime import task_run

    from litrev.extract.sources import HarvestContext, run_source

    settings = profile.sources[name]
    client = CLIENT_FACTORY(name, settings) if CLIENT_FACTORY else None
    on_progress = _PRINTER.callback(name) if _PRINTER else None
    ctx = HarvestContext(profile=profile, settings=settings, client=client, state=state,
                         since=since, limit=limit, on_progress=on_progress)
    try:
        results = run_source(name, ctx)
    finally:
        if client is not None and CLIENT_FACTORY is not None:
            client.close()
    attempt = task_run.get_run_count() or 1
    all_failed = results and all(r.status == "failed" for r in results)
    if all_failed and attempt <= retries:
        raise SourceAttemptFailed(f"{name}: every search failed ({results[0].error}); "
                                  f"retrying the whole source")
    if _PRINTER:
        status = "failed" if all_failed else ("partly failed" if any(
            r.status != "succeeded" for r in results) else "done")
        _PRINTER.finished(name, sum(len(r.records) for r in results), status)
    return results


class SourceAttemptFailed(Exception):
    """Raised inside the source task so that Prefect retries the whole source once more."""


@task(name="build-batch", cache_policy=NO_CACHE)
def build_batch(records: list):
    from litrev.store.load import records_to_batch

    return records_to_batch(records)


@task(name="detect-languages", cache_policy=NO_CACHE)
def detect_languages(db: Path, records: list, candidates: tuple[str, ...]) -> list:
    """The records with the language of their new excerpts and work titles; excerpts stored
    with a language and works stored with the same title and its language are not detected
    again."""
    from litrev.extract.language import detect_records, excerpt_ids, merged_titles
    from litrev.store.detections import stored_detections

    stored = stored_detections(db, excerpt_ids(records), merged_titles(records))
    return detect_records(records, candidates=candidates or None,
                          skip_excerpt_ids=stored.excerpt_ids, skip_work_ids=stored.work_ids)


def _fault_pause(stage: str) -> None:
    """Fault injection for tests: ``LITREV_FAULT_PAUSE=<stage>:<marker file>`` makes the
    harvest write the marker and wait at that stage, so a test can kill it there (for example
    with the batch merged but not committed) instead of racing the clock."""
    import os

    spec = os.environ.get("LITREV_FAULT_PAUSE", "")
    wanted, _, marker = spec.partition(":")
    if wanted == stage and marker:
        Path(marker).write_text(stage, encoding="utf-8")
        time.sleep(300)


@task(name="write-batch", cache_policy=NO_CACHE)
def write_batch(db: Path, run_id: str, results: list, batch) -> dict:
    """The one write of the harvest: merge, watermarks, ledger; then the snapshot is published."""
    from litrev.store.ledger import classify_searches, finish_run, record_searches
    from litrev.store.load import load_batch

    entries = _entries(results)
    with writer(db) as con:
        counts = classify_searches(con, entries, batch.works)
        con.execute("BEGIN TRANSACTION")  # merge, watermarks and ledger commit together
        try:
            loaded = load_batch(con, batch, run_id=run_id, transaction=False)
            _fault_pause("merged")
            watermarks = _save_watermarks(con, run_id, results)
            record_searches(con, run_id, entries, counts)
            status = run_status(results)
            finish_run(con, run_id, status=status, summary={"stage": "loaded"})
            con.execute("COMMIT")
            _fault_pause("committed")  # committed in the WAL, not yet checkpointed
        except Exception:
            con.execute("ROLLBACK")
            raise
    return {"counts": counts, "entries": entries, "load": loaded.as_dict(),
            "watermarks": watermarks}


def _step_failed(step: str, exc: Exception) -> dict:
    """One log line (no traceback) and the error for the summary; the run goes on."""
    from prefect.logging import get_run_logger

    error = f"{type(exc).__name__}: {exc}".splitlines()[0]
    get_run_logger().error("%s failed: %s", step, error)
    return {"error": error}


@task(name="translate", cache_policy=NO_CACHE)
def translate_task(db: Path, profile) -> dict:
    """Translate new texts; a failure leaves the loaded records in place (status pending)."""
    try:
        from litrev.flows.translation import run_translation

        return run_translation(db, profile).as_dict()
    except Exception as exc:  # noqa: BLE001 - reported in the summary, the run goes on
        return _step_failed("translation", exc)


@task(name="code-themes", cache_policy=NO_CACHE)
def coding_task(db: Path, profile) -> dict:
    """Code new excerpts against the codebook and refresh the full-text index."""
    try:
        from litrev.flows.coding import run_coding

        return run_coding(db, profile).as_dict()
    except Exception as exc:  # noqa: BLE001 - reported in the summary, the run goes on
        return _step_failed("coding", exc)


@task(name="finish-run", cache_policy=NO_CACHE)
def finish_task(db: Path, run_id: str, status: str, summary: dict) -> None:
    from litrev.store.ledger import finish_run

    with writer(db) as con:
        finish_run(con, run_id, status=status, summary=summary)


# --- summary ----------------------------------------------------------------------------------

def run_status(results: list) -> str:
    if not results:
        return "succeeded"
    failed_sources = {r.source for r in results if r.status != "succeeded"}
    if not failed_sources:
        return "succeeded"
    ok = {r.source for r in results if r.status == "succeeded" or r.records}
    return "partial" if ok else "failed"


def source_rows(entries: list, counts: list) -> list[dict]:
    """Per source: queries as sent, hits reported, retrieved, new, updated, duplicates, errors."""
    rows: dict[str, dict] = {}
    for e, c in zip(entries, counts, strict=True):
        row = rows.setdefault(e.source, {
            "source": e.source, "status": "succeeded", "queries": [], "hits_reported": None,
            "retrieved": 0, "new": 0, "updated": 0, "unchanged": 0, "duplicates": 0,
            "withdrawn": 0, "errors": []})
        row["queries"].append(e.query)
        if e.hits_reported is not None:
            row["hits_reported"] = (row["hits_reported"] or 0) + e.hits_reported
        row["retrieved"] += c.records_retrieved
        row["new"] += c.new_records
        row["updated"] += c.updated_records
        row["unchanged"] += c.unchanged_records
        row["duplicates"] += c.duplicates_within + c.duplicates_across
        row["withdrawn"] += c.removed_other
        if e.status != "succeeded":
            row["status"] = e.status if row["status"] == "succeeded" else row["status"]
            if e.error:
                row["errors"].append(e.error)
    return [rows[k] for k in sorted(rows)]


def translation_backlog(db: Path, target_language: str) -> dict[str, int]:
    """Excerpts still waiting for a translation: untranslated, pending, failed."""
    from litrev.store.db import read_session
    from litrev.store.status import corpus_status

    with read_session(db) as con:
        status = corpus_status(con, target_language=target_language).translation_status
    return {k: v for k, v in status.items() if k in ("untranslated", "pending", "failed")}


def summary_markdown(summary: dict) -> str:
    lines = [f"# Harvest {summary['run_id']} — {summary['status']}", "",
             f"Review: {summary['review']}; trigger: {summary['trigger']}; started "
             f"{summary['started_at']}; finished {summary['finished_at']}.", "",
             "| source | status | query as sent | hits reported | retrieved | new | updated | "
             "duplicates | errors |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in summary["sources"]:
        cells = [row["source"], row["status"], "<br>".join(row["queries"]),
                 "" if row["hits_reported"] is None else str(row["hits_reported"]),
                 str(row["retrieved"]), str(row["new"]), str(row["updated"]),
                 str(row["duplicates"]), "<br>".join(row["errors"])]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    langs = ", ".join(f"{k} {v}" for k, v in summary["languages"].items()) or "none"
    backlog = summary.get("translation_backlog") or {}
    lines += ["", f"Languages detected in this run: {langs}.",
              f"Translation backlog: {sum(backlog.values())} "
              f"({', '.join(f'{k} {v}' for k, v in backlog.items()) or 'none'})."]
    for step in ("translation", "coding"):
        if isinstance(summary.get(step), dict) and summary[step].get("error"):
            lines.append(f"{step.capitalize()} failed: {summary[step]['error']}")
    return "\n".join(lines) + "\n"


# --- the flow -----------------------------------------------------------------------------------

@flow(name=FLOW_NAME, log_prints=False)
def nightly_harvest(profile_path: str, db_path: str | None = None,
                    sources: list[str] | None = None, since: dt.date | None = None,
                    limit: int | None = None, trigger: str = "deployment",
                    source_retries: int = 1, source_retry_delay_seconds: float = 30.0) -> dict:
    """Harvest every enabled source once, load, translate, code; returns the run summary."""
    from prefect.artifacts import create_markdown_artifact
    from prefect.runtime import flow_run

    from litrev.extract.profile import load_profile
    from litrev.store.db import create_database

    profile = load_profile(profile_path)
    db = Path(db_path) if db_path else profile.database_path
    if trigger == "deployment" and _auto_scheduled():
        trigger = "schedule"
    names = select_sources(profile, sources)
    started = dt.datetime.now(dt.UTC)
    run_id = new_run_id(started)
    if not db.exists():
        create_database(db)
    open_run_task(db, run_id, profile.name, trigger, flow_run.get_id(), since, limit)

    state = _read_state(db, names)
    source_task = harvest_source.with_options(retries=source_retries,
                                              retry_delay_seconds=source_retry_delay_seconds)
    futures = {name: source_task.submit(name, profile, state[name], since, limit,
                                        source_retries) for name in names}
    results: list = []
    for name, future in futures.items():
        try:
            results.extend(future.result())
        except Exception as exc:  # noqa: BLE001 - a failed source is recorded, not raised
            results.append(_failed_result(name, f"{type(exc).__name__}: {exc}"))
            if _PRINTER:
                _PRINTER.finished(name, 0, "failed")

    records = detect_languages(db, [rec for r in results for rec in r.records],
                               profile.candidate_languages)
    batch = build_batch(records)
    written = write_batch(db, run_id, results, batch)
    status = run_status(results)

    steps: dict[str, dict] = {}
    for step, step_task in (("translation", translate_task), ("coding", coding_task)):
        steps[step] = step_task(db, profile)
        if steps[step].get("error"):  # loaded records stay; the run is partial
            status = "partial" if status == "succeeded" else status

    # Languages detected in this run (excerpts stored before keep theirs and are not counted).
    languages = Counter(batch.excerpts["language"].dropna()) \
        if not batch.excerpts.empty else Counter()
    summary = {
        "run_id": run_id, "status": status, "review": profile.name, "trigger": trigger,
        "database": str(db), "started_at": started.isoformat(timespec="seconds"),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "sources": source_rows(written["entries"], written["counts"]),
        "languages": dict(languages.most_common()),
        "new_excerpts": written["load"]["new_excerpts"],
        "works_total": written["load"]["works_total"],
        "excerpts_total": written["load"]["excerpts_total"],
        "watermarks_saved": written["watermarks"],
        "translation": steps["translation"], "coding": steps["coding"],
        "translation_backlog": translation_backlog(db, profile.target_language),
    }
    finish_task(db, run_id, status, summary)
    create_markdown_artifact(markdown=summary_markdown(summary),
                             key=f"{ARTIFACT_KEY_PREFIX}-{slug(profile.name)}",
                             description=f"litrev harvest {run_id}: {status}")
    return summary
