"""The search ledger: what each harvest searched and what became of every record it found.

Why: PRISMA 2020 and PRISMA-S ask a review to report, per database, the platform, the exact
query as run, the date, filters and limits, how many records were identified, how many
duplicates were removed, how many were excluded by automation tools, and how an update was
run. ``harvest_runs`` holds one row per run; ``search_log`` one row per search (source + query
as sent). Every record a search retrieved falls in exactly one of these counts::

    records_retrieved = duplicates_within + duplicates_across + removed_other
                        + updated_records + unchanged_records + new_records

``duplicates_within``: the work came twice from the same search; ``duplicates_across``: an
earlier search of the same run (another source or query) already brought it;
``removed_other``: the source reports it withdrawn (OAI-PMH ``deleted``); ``updated`` /
``unchanged``: an earlier run already stored it; ``new``: first seen now, to be screened.
``excluded_automation`` is counted apart (a subset of ``new`` that an automation tool
excluded; litrev excludes nothing automatically, so it stays 0 unless a step sets it).

Example::

    entries = [SearchEntry(source="files", query="imports/*.jsonl", work_ids=("doi:10.1/a",))]
    with write_session(db) as con:
        open_run(con, run_id="r1", review_name="PSW", trigger="cli")
        counts = classify_searches(con, entries, batch.works)   # before load_batch
        load_batch(con, batch, run_id="r1")
        record_searches(con, "r1", entries, counts)
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, fields
from functools import cache
from typing import TYPE_CHECKING, Any

import duckdb

from litrev.store.db import frame, name_snapshot, scannable, transaction, unique_key_batches
from litrev.store.sqlfiles import internal
from litrev.vocabulary import RunStatus, SearchStatus, Trigger

if TYPE_CHECKING:  # imported where used: `litrev status` reads the ledger without pandas
    import pandas as pd

# Runs not finished: PRISMA does not count them among the runs of a review.
UNFINISHED = (RunStatus.RUNNING, RunStatus.INTERRUPTED)


@dataclass(frozen=True)
class SearchEntry:
    """One search as run, in ledger terms (built from ``litrev.extract.sources.SearchResult``).

    ``work_ids`` are the primary work ids of the records retrieved, in order; ``deleted`` flags
    the ones the source reported withdrawn (same length, or empty for none).
    """

    source: str
    query: str
    platform: str | None = None
    query_key: str | None = None
    query_url: str | None = None
    filters: str | None = None
    limits: str | None = None
    update_method: str | None = None
    hits_reported: int | None = None
    status: SearchStatus = SearchStatus.SUCCEEDED
    error: str | None = None
    work_ids: tuple[str, ...] = ()
    deleted: tuple[bool, ...] = ()


@dataclass
class SearchCounts:
    """What became of the records one search (or one source in a batch) retrieved.

    The ledger fills every count per search (:func:`classify_searches`); a loaded batch
    (:func:`litrev.store.load.load_batch`) fills the same counts per source, where
    ``removed_other`` counts the records the source reported withdrawn.
    """

    records_retrieved: int = 0
    duplicates_within: int = 0
    duplicates_across: int = 0
    removed_other: int = 0
    new_records: int = 0
    updated_records: int = 0
    unchanged_records: int = 0
    excluded_automation: int = 0


def open_run(con: duckdb.DuckDBPyConnection, *, run_id: str, review_name: str, trigger: Trigger,
             flow_run_id: str | None = None, since: dt.date | None = None,
             record_limit: int | None = None, started_at: dt.datetime | None = None) -> None:
    """Insert the run with status ``running`` (kept as such if the process dies)."""
    q = internal("ledger_open_run")
    con.execute(q.sql, q.bind({
        "run_id": run_id, "review_name": review_name, "trigger": trigger,
        "started_at": started_at or dt.datetime.now(dt.UTC), "flow_run_id": flow_run_id,
        "since": since, "record_limit": record_limit}))


def classify_searches(con: duckdb.DuckDBPyConnection, entries: list[SearchEntry],
                      works: pd.DataFrame) -> list[SearchCounts]:
    """Sort every retrieved record of every search into the ledger's counts.

    Call it before the batch is merged: "stored already" means stored by an earlier run.
    ``works`` is the batch's works frame (``work_id``, ``content_hash``), so a stored work whose
    metadata changed counts as updated.
    """
    return count_searches(entries, stored_works(con, works))


def stored_works(con: duckdb.DuckDBPyConnection, works: pd.DataFrame
                 ) -> dict[str, tuple[bool, bool]]:
    """For the stored ones among ``works`` (``work_id``, ``content_hash``): work id ->
    (stored, content changed). Run before they are merged; a harvest merged in parts asks part
    by part and joins the answers (a work is in one part only)."""
    if works.empty:
        return {}
    import pyarrow as pa

    columns = ["work_id", "content_hash"] if "content_hash" in works else ["work_id"]
    retrieved = scannable(works[columns])
    if "content_hash" not in works:
        retrieved = retrieved.append_column("content_hash", pa.nulls(len(works), pa.string()))
    con.register("ledger_retrieved", retrieved)
    try:
        return {row[0]: (bool(row[1]), bool(row[2])) for row in
                con.execute(internal("ledger_stored_works").sql).fetchall() if row[1]}
    finally:
        con.unregister("ledger_retrieved")


def count_searches(entries: list[SearchEntry], stored: dict[str, tuple[bool, bool]]
                   ) -> list[SearchCounts]:
    """The ledger's counts of every search, given what :func:`stored_works` found stored
    before the run (a work id missing there is new)."""
    counts = [SearchCounts(records_retrieved=len(e.work_ids)) for e in entries]
    seen_in_run: set[str] = set()
    for i, entry in enumerate(entries):
        seen_here: set[str] = set()
        deleted = entry.deleted or (False,) * len(entry.work_ids)
        for work_id, is_deleted in zip(entry.work_ids, deleted, strict=True):
            if work_id in seen_here:
                counts[i].duplicates_within += 1
            elif work_id in seen_in_run:
                counts[i].duplicates_across += 1
            elif is_deleted:
                counts[i].removed_other += 1
            else:
                is_stored, changed = stored.get(work_id, (False, False))
                if not is_stored:
                    counts[i].new_records += 1
                elif changed:
                    counts[i].updated_records += 1
                else:
                    counts[i].unchanged_records += 1
            seen_here.add(work_id)
            seen_in_run.add(work_id)
    return counts


def record_searches(con: duckdb.DuckDBPyConnection, run_id: str, entries: list[SearchEntry],
                    counts: list[SearchCounts], *, run_date: dt.datetime | None = None) -> None:
    """Insert one ``search_log`` row per search (the same query sent twice is summed).

    One statement for all the searches of a run (a statement per search cost ~25 ms each on a
    lake); a search repeated in the run comes in a later statement, in order, so it adds up
    exactly as one statement per search would."""
    import pyarrow as pa

    q = internal("ledger_insert_search")
    run_date = run_date or dt.datetime.now(dt.UTC)
    rows = []
    # the fields one by one: asdict() would copy every work id of every search to drop them
    columns = [f.name for f in fields(SearchEntry) if f.name not in ("work_ids", "deleted")]
    for entry, c in zip(entries, counts, strict=True):
        values = {name: getattr(entry, name) for name in columns}
        values.update(asdict(c))
        values.update({"run_id": run_id, "run_date": run_date,
                       "status": str(values["status"])})
        rows.append(values)
    for batch in unique_key_batches(rows, lambda v: (v["source"], v["query"])):
        table = pa.Table.from_pylist(batch, schema=_search_batch_schema())
        with transaction(con, relations={"search_batch": table}, begin=False):
            con.execute(q.sql)


@cache
def _search_batch_schema() -> Any:
    import pyarrow as pa

    return pa.schema(
        [(name, pa.string()) for name in ("run_id", "source", "platform", "query", "query_key",
                                          "query_url", "filters", "limits", "update_method")]
        + [("run_date", pa.timestamp("us", tz="UTC"))]
        + [(name, pa.int64()) for name in (
            "hits_reported", "records_retrieved", "new_records", "updated_records",
            "unchanged_records", "duplicates_within", "duplicates_across",
            "excluded_automation", "removed_other")]
        + [("status", pa.string()), ("error", pa.string())])


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, *, status: RunStatus,
               summary: dict[str, Any], finished_at: dt.datetime | None = None) -> None:
    """Close the run with its status and the summary (stored as JSON), in one commit named
    after the run: the lake snapshot ``--as-of RUN_ID`` reads (:func:`litrev.store.db.
    snapshot_of_run`). It is the run's last write, after its translation and coding."""
    status = RunStatus(status)  # a plain string is checked: an unknown status raises ValueError
    if status in UNFINISHED:
        raise ValueError(f"a finished run's status is succeeded, partial or failed, got "
                         f"{status!r}")
    q = internal("ledger_finish_run")
    with transaction(con):
        con.execute(q.sql, q.bind({
            "run_id": run_id, "status": status,
            "finished_at": finished_at or dt.datetime.now(dt.UTC),
            "summary": json.dumps(summary, ensure_ascii=False, default=str)}))
        name_snapshot(con, run_id, {"run_id": run_id, "status": str(status)})


def running_runs(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Ids of the runs still marked ``running``: live ones and ones a killed process left."""
    return [row[0] for row in con.execute(internal("ledger_running_runs").sql).fetchall()]


def mark_interrupted(con: duckdb.DuckDBPyConnection, run_ids: list[str], *,
                     now: dt.datetime | None = None) -> int:
    """Close these ``running`` runs as ``interrupted`` (the caller knows no live process holds
    them); returns how many were still running."""
    q = internal("ledger_mark_interrupted")
    marked = 0
    for run_id in run_ids:
        # DuckLake has no UPDATE ... RETURNING: the statement's own row count says it.
        row = con.execute(q.sql,
                          q.bind({"run_id": run_id,
                                  "finished_at": now or dt.datetime.now(dt.UTC)})).fetchone()
        marked += int(row[0]) if row else 0
    return marked


def run_searches(con: duckdb.DuckDBPyConnection, run_id: str) -> pd.DataFrame:
    q = internal("ledger_run_searches")
    return frame(con, q.sql, q.bind({"run_id": run_id}))


@dataclass(frozen=True)
class PrismaCounts:
    """PRISMA 2020 identification counts: one row per source plus a ``total`` row
    (``by_source``), and one row per run (``by_run``)."""

    by_source: pd.DataFrame
    by_run: pd.DataFrame


def prisma_counts(con: duckdb.DuckDBPyConnection, *, since: dt.date | None = None
                  ) -> PrismaCounts:
    """PRISMA 2020 identification counts of the runs since ``since`` (all runs without it).

    ``records_identified`` are all records the searches retrieved; ``duplicates_in_run`` and
    ``found_before`` (already found by an earlier run of an updated review) are the
    duplicates removed; ``records_screened`` are the new records left for screening.
    """
    import pandas as pd

    params = {"since": since or dt.date(1900, 1, 1)}
    from litrev.store.queries import get_query  # the saved query analysts run is the one definition

    saved = get_query("prisma_counts")
    by_source = frame(con, saved.sql, saved.bind(params))
    by_run = frame(con, internal("prisma_by_run").sql, internal("prisma_by_run").bind(params))
    if not by_source.empty:
        total = {c: by_source[c].sum() for c in by_source.columns
                 if c not in ("source", "platform", "runs")}
        finished = by_run[~by_run["status"].isin([str(s) for s in UNFINISHED])]
        total.update({"source": "total", "platform": "",
                      "runs": int(finished["run_id"].nunique())})
        by_source = pd.concat([by_source, pd.DataFrame([total])], ignore_index=True)
    return PrismaCounts(by_source=by_source, by_run=by_run)
