"""The search ledger: every retrieved record counted once, PRISMA counts, `litrev prisma`."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd

from litrev.extract.records import SourceRecord, Work
from litrev.flows.cli import main
from litrev.store.db import frame, read_session, write_session
from litrev.store.ledger import (
    SearchCounts,
    SearchEntry,
    classify_searches,
    finish_run,
    mark_interrupted,
    open_run,
    prisma_counts,
    record_searches,
    run_searches,
)
from litrev.store.load import load_batch, records_to_batch
from tests.conftest import cli_db_args


def work(n: int, title: str | None = None) -> Work:
    return Work.create(doi=f"10.5555/ledger.{n}", title=title or f"Work {n}", year=2020 + n)


def test_every_record_falls_in_exactly_one_count(store):
    db = store
    a, b, c, d, e = (work(i) for i in range(1, 6))
    with write_session(db) as con:
        load_batch(con, records_to_batch([SourceRecord("files", "a", a),
                                          SourceRecord("files", "b", b)]), run_id="r0")
        b_changed = Work.create(doi=b.doi, title="Work 2, corrected title", year=b.year)
        entries = [
            SearchEntry(source="files", query="import refs.ris",
                        work_ids=(a.work_id, c.work_id, c.work_id, d.work_id),
                        deleted=(False, False, False, True)),
            SearchEntry(source="openalex", query="filter=cites:W1", hits_reported=7,
                        work_ids=(c.work_id, b.work_id, e.work_id)),
        ]
        batch = records_to_batch([SourceRecord("files", "a", a), SourceRecord("files", "c", c),
                                  SourceRecord("openalex", "b", b_changed),
                                  SourceRecord("openalex", "e", e)])
        counts = classify_searches(con, entries, batch.works)
        open_run(con, run_id="r1", review_name="Ledger test", trigger="cli")
        record_searches(con, "r1", entries, counts)
        finish_run(con, "r1", status="succeeded", summary={"note": "test"})
    files, openalex = counts
    assert (files.records_retrieved, files.unchanged_records, files.new_records,
            files.duplicates_within, files.removed_other) == (4, 1, 1, 1, 1)
    assert (openalex.records_retrieved, openalex.duplicates_across, openalex.updated_records,
            openalex.new_records) == (3, 1, 1, 1)
    for c in counts:
        assert c.records_retrieved == (c.duplicates_within + c.duplicates_across
                                       + c.removed_other + c.new_records
                                       + c.updated_records + c.unchanged_records)
    with read_session(db) as con:
        logged = run_searches(con, "r1")
        run = frame(con, "SELECT status, trigger, summary FROM harvest_runs WHERE run_id='r1'")
    assert list(logged["query"]) == ["import refs.ris", "filter=cites:W1"]
    assert list(logged["hits_reported"].fillna(-1)) == [-1, 7]
    assert run.iloc[0]["status"] == "succeeded"
    assert json.loads(run.iloc[0]["summary"]) == {"note": "test"}


def test_prisma_counts_by_source_and_by_run(corpus_store):
    with read_session(corpus_store) as con:
        counts = prisma_counts(con)
        since = prisma_counts(con, since=pd.Timestamp("2026-11-10").date())
    by_source = counts.by_source.set_index("source")
    assert by_source.loc["openalex", "records_identified"] == 105
    assert by_source.loc["crossref", "duplicates_in_run"] == 20
    assert by_source.loc["crossref", "failed_searches"] == 1
    assert by_source.loc["total", "records_identified"] == 155
    assert by_source.loc["total", "excluded_by_automation"] == 1
    assert by_source.loc["total", "records_screened"] == 134  # 135 new - 1 excluded
    assert list(since.by_run["run_id"]) == ["run-2"]
    assert since.by_source.set_index("source").loc["total", "records_identified"] == 5


def test_an_interrupted_run_is_not_counted_as_a_run_but_its_committed_searches_are(corpus_store):
    with write_session(corpus_store) as con:
        open_run(con, run_id="run-3", review_name="test", trigger="cli")
        record_searches(con, "run-3", [SearchEntry(source="openalex", query="q3")],
                        [SearchCounts(records_retrieved=7, new_records=7)])
        open_run(con, run_id="run-4", review_name="test", trigger="cli")  # killed at once
        assert mark_interrupted(con, ["run-3", "run-4", "run-1"]) == 2  # run-1 had finished
        counts = prisma_counts(con)
    by_source = counts.by_source.set_index("source")
    by_run = counts.by_run.set_index("run_id")
    assert by_run.loc["run-3", "status"] == "interrupted"
    assert by_run.loc["run-4", ["status", "searches"]].tolist() == ["interrupted", 0]
    assert by_run.loc["run-1", "status"] == "succeeded"
    assert by_source.loc["total", "runs"] == 2  # run-1 and run-2; not the interrupted ones
    assert by_source.loc["openalex", "runs"] == 2
    assert by_source.loc["openalex", "records_identified"] == 105 + 7  # its records are stored


def test_prisma_command_formats(corpus_store, capsys):
    assert main([*cli_db_args(corpus_store), "prisma", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "| openalex | api.openalex.org | 2 |" in out
    assert "Records identified: 155; removed before screening: duplicates 22" in out

    assert main([*cli_db_args(corpus_store), "prisma", "--since", "2026-11-10", "--format",
                 "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["since"] == "2026-11-10"
    assert [r["run_id"] for r in data["by_run"]] == ["run-2"]
    assert data["by_run"][0]["failed_searches"] == 1

    assert main([*cli_db_args(corpus_store), "prisma", "--format", "csv"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["source"] for r in table] == ["crossref", "openalex", "total"]
    assert table[2]["records_identified"] == "155"

    assert main([*cli_db_args(corpus_store), "prisma", "--since", "26.11.2026"]) == 1
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_a_search_sent_twice_in_a_run_adds_up_and_a_watermark_sent_twice_keeps_the_last(store):
    """A run's searches are written in one statement; a search repeated in the same run (same
    source and query) still adds its counts to the first, and a failure in either is kept."""
    from types import SimpleNamespace

    from litrev.store.state import load_state, save_watermarks
    from litrev.vocabulary import SearchStatus

    db = store
    with write_session(db) as con:
        open_run(con, run_id="r1", review_name="ledger", trigger="cli")
        record_searches(con, "r1", [
            SearchEntry(source="openalex", query="peer support", hits_reported=10),
            SearchEntry(source="crossref", query="peer support", hits_reported=4),
            SearchEntry(source="openalex", query="peer support", hits_reported=5,
                        status=SearchStatus.FAILED, error="HTTP 503"),
        ], [SearchCounts(records_retrieved=3, new_records=3),
            SearchCounts(records_retrieved=1, new_records=1),
            SearchCounts(records_retrieved=2, new_records=1, unchanged_records=1)])
        found = save_watermarks(con, [
            SimpleNamespace(source="files", query_key="a.ris", watermark="w1",
                            status=SearchStatus.SUCCEEDED),
            SimpleNamespace(source="files", query_key="b.ris", watermark="w2",
                            status=SearchStatus.SUCCEEDED),
            SimpleNamespace(source="files", query_key="a.ris", watermark="w3",
                            status=SearchStatus.SUCCEEDED),
            SimpleNamespace(source="files", query_key="c.ris", watermark="w4",
                            status=SearchStatus.FAILED)], run_id="r1")
        rows = con.execute("SELECT source, hits_reported, records_retrieved, new_records, "
                           "unchanged_records, status, error FROM search_log "
                           "ORDER BY source").fetchall()
        state = dict(load_state(con, "files"))
    assert rows == [("crossref", 4, 1, 1, 0, "succeeded", None),
                    ("openalex", 15, 5, 4, 1, "failed", "HTTP 503")]
    assert found == 3
    assert state == {"a.ris": "w3", "b.ris": "w2"}
