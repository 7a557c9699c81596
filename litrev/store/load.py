"""Merging batches of records into the corpus: idempotent, all-or-nothing.

Why batches: a harvest yields thousands of records; they cross into DuckDB as pandas frames
registered as relations and are merged with one ``INSERT ... ON CONFLICT`` per table inside one
transaction. Loading the same batch twice leaves the same rows (only ``last_seen`` moves); an
error anywhere rolls the whole batch back.

    batch = records_to_batch(records)            # plain SourceRecords from extract/
    with write_session(db) as con:
        counts = load_batch(con, batch, run_id="r1")
    counts.by_source["openalex"].new_records
    # -> 12
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb
import pandas as pd

from litrev.extract.normalize import short_hash, text_hash
from litrev.extract.records import SourceRecord
from litrev.store.db import one_row
from litrev.store.db import transaction as db_transaction
from litrev.store.errors import LoadError
from litrev.store.ledger import SearchCounts
from litrev.store.sqlfiles import internal

WORK_COLUMNS = ["work_id", "doi", "openalex_id", "s2_id", "pmid", "urn", "handle", "title",
                "year", "venue", "work_type", "authors", "language", "url", "is_seed",
                "synthetic"]
# Filled by language detection (extract.language.detect_records), never by a source, and not
# part of a work's content hash: a title detected once is not detected again.
TITLE_LANGUAGE_COLUMNS = ["title_language", "title_language_confidence", "title_language_method"]
EXCERPT_COLUMNS = ["excerpt_id", "work_id", "kind", "cited_work_id", "section", "stance",
                   "stance_confidence", "intents", "is_influential", "text", "text_hash",
                   "language", "language_confidence", "language_method", "language_hint",
                   "parent_excerpt_id", "source", "origin", "synthetic", "marked_text",
                   "context_before", "context_after", "section_kind", "match_method"]
# Only citation statements read from full text have these; frames built elsewhere may lack them.
FULLTEXT_EXCERPT_COLUMNS = ["marked_text", "context_before", "context_after", "section_kind",
                            "match_method"]
MERGE_ORDER = ("works", "work_sources", "citations", "excerpts", "excerpt_sources")


@dataclass
class Batch:
    """Frames ready to merge, one per table, plus per-source duplicate counts."""

    works: pd.DataFrame
    work_sources: pd.DataFrame
    citations: pd.DataFrame
    excerpts: pd.DataFrame
    excerpt_sources: pd.DataFrame
    by_source: dict[str, SearchCounts] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.work_sources)


@dataclass
class LoadCounts:
    by_source: dict[str, SearchCounts]
    new_excerpts: int
    works_total: int
    excerpts_total: int

    def as_dict(self) -> dict:
        return {"by_source": {k: asdict(v) for k, v in self.by_source.items()},
                "new_excerpts": self.new_excerpts, "works_total": self.works_total,
                "excerpts_total": self.excerpts_total}


def _hashable(value: Any) -> Any:
    """One spelling per value, whatever dtype pandas gave the column (2024 vs 2024.0, NaN)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float):
        if value != value:
            return None
        if value.is_integer():
            return int(value)
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(v) for v in value)
    return value


def _content_hash(row: dict, columns: list[str]) -> str:
    return short_hash(*(_hashable(row.get(c)) for c in columns), length=24)


def _first_non_null(frame: pd.DataFrame, key: str, *, any_of: tuple[str, ...] = (),
                    lists: tuple[str, ...] = ()) -> pd.DataFrame:
    """Merge duplicate keys within a batch: per column, the first value that is not null.

    An empty list counts as null (a stub of a cited work has no authors; the work's own record
    has them), and the flags in ``any_of`` are true when any duplicate says so (a work named
    first as a cited stub stays synthetic or seed).
    """
    if frame.empty or not frame[key].duplicated().any():
        return frame.reset_index(drop=True)
    frame = frame.copy()
    for column in lists:
        frame[column] = [v if isinstance(v, list) and v else None for v in frame[column]]
    grouped = frame.groupby(key, sort=False, as_index=False, dropna=False)
    merged = grouped.first()
    for column in any_of:
        merged[column] = grouped[column].any()[column].astype(bool).to_numpy()
    for column in lists:
        merged[column] = [v if isinstance(v, list) else [] for v in merged[column]]
    return merged


def records_to_batch(records: Iterable[SourceRecord]) -> Batch:
    """Flatten source records into deduplicated frames; count duplicates within and across."""
    works: list[dict] = []
    work_sources: list[dict] = []
    citations: list[dict] = []
    excerpts: list[dict] = []
    excerpt_sources: list[dict] = []
    by_source: dict[str, SearchCounts] = defaultdict(SearchCounts)
    seen_in_source: Counter = Counter()
    sources_of_work: dict[str, set[str]] = defaultdict(set)

    for rec in records:
        counts = by_source[rec.source]
        counts.records_retrieved += 1
        if rec.deleted:
            counts.removed_other += 1
        key = (rec.source, rec.work.work_id)
        if seen_in_source[key]:
            counts.duplicates_within += 1
        seen_in_source[key] += 1
        sources_of_work[rec.work.work_id].add(rec.source)
        for i, work in enumerate((rec.work, *rec.related)):
            row = {c: getattr(work, c) for c in (*WORK_COLUMNS, *TITLE_LANGUAGE_COLUMNS)}
            row["authors"] = list(work.authors)
            works.append(row)
            work_sources.append({"work_id": work.work_id, "source": rec.source,
                                 "source_record_id": rec.source_record_id,
                                 "deleted": rec.deleted and i == 0, "is_primary": i == 0})
        for citing, cited in rec.citations:
            citations.append({"citing_work_id": citing, "cited_work_id": cited,
                              "source": rec.source})
        for ex in rec.excerpts:
            row = {c: getattr(ex, c, None) for c in EXCERPT_COLUMNS}
            row["intents"] = list(ex.intents)
            row["text_hash"] = text_hash(ex.text)
            row["source"] = rec.source
            excerpts.append(row)
            excerpt_sources.append({"excerpt_id": ex.excerpt_id, "source": rec.source,
                                    "source_record_id": rec.source_record_id})

    # A work delivered by several sources in one batch is one work: count the extra arrivals.
    for sources in sources_of_work.values():
        for source in sorted(sources)[1:]:
            by_source[source].duplicates_across += 1

    return frames_to_batch(
        works=pd.DataFrame(works, columns=[*WORK_COLUMNS, *TITLE_LANGUAGE_COLUMNS]).astype(
            {"title_language_confidence": "float64"}),
        work_sources=pd.DataFrame(work_sources, columns=["work_id", "source", "source_record_id",
                                                         "deleted", "is_primary"]),
        citations=pd.DataFrame(citations, columns=["citing_work_id", "cited_work_id", "source"]),
        excerpts=pd.DataFrame(excerpts, columns=EXCERPT_COLUMNS).astype(
            {"language_confidence": "float64"}),
        excerpt_sources=pd.DataFrame(excerpt_sources,
                                     columns=["excerpt_id", "source", "source_record_id"]),
        by_source=dict(by_source),
    )


def frames_to_batch(*, works: pd.DataFrame, work_sources: pd.DataFrame, citations: pd.DataFrame,
                    excerpts: pd.DataFrame, excerpt_sources: pd.DataFrame,
                    by_source: dict[str, SearchCounts] | None = None) -> Batch:
    """Deduplicate frames by key and add content hashes (for new/updated/unchanged counts)."""
    works = works.copy()
    for column in TITLE_LANGUAGE_COLUMNS:
        if column not in works.columns:
            works[column] = None
    works = _first_non_null(works, "work_id", any_of=("is_seed", "synthetic"),
                            lists=("authors",))
    works["content_hash"] = [_content_hash(r, WORK_COLUMNS[1:])
                             for r in works.to_dict("records")]
    excerpts = excerpts.copy()
    for column in FULLTEXT_EXCERPT_COLUMNS:
        if column not in excerpts.columns:
            excerpts[column] = None
    excerpts = _first_non_null(excerpts, "excerpt_id", any_of=("synthetic",),
                               lists=("intents",))
    excerpts["content_hash"] = [_content_hash(r, ["text", "section", "stance", "intents"])
                                for r in excerpts.to_dict("records")]
    # A work can be primary in one record and related in another: keep it primary.
    work_sources = (work_sources.sort_values("is_primary", ascending=False)
                    .drop_duplicates(["source", "source_record_id", "work_id"])
                    .reset_index(drop=True))
    return Batch(
        works=works,
        work_sources=work_sources,
        citations=citations.drop_duplicates().reset_index(drop=True),
        excerpts=excerpts,
        excerpt_sources=excerpt_sources.drop_duplicates().reset_index(drop=True),
        by_source=by_source or {},
    )


def load_batch(con: duckdb.DuckDBPyConnection, batch: Batch, *, run_id: str,
               now: dt.datetime | None = None, transaction: bool = True) -> LoadCounts:
    """Merge one batch in one transaction; on any error nothing of the batch is stored.

    With ``transaction=False`` the caller has already begun a transaction (to commit the
    merge together with the ledger and watermarks) and rolls it back on error.
    """
    now = now or dt.datetime.now(dt.UTC)
    params = {"now": now, "run_id": run_id}
    relations = {f"batch_{table}": getattr(batch, table) for table in MERGE_ORDER}
    with db_transaction(con, relations=relations, failure="loading the batch failed",
                        error=LoadError, begin=transaction):
        changes = con.execute(internal("count_batch_changes").sql).fetchall()
        new_excerpts = one_row(con, internal("count_new_excerpts").sql)[0]
        for table in MERGE_ORDER:
            statement = internal(f"merge_{table}")
            con.execute(statement.sql, statement.bind(params))
    by_source = {k: SearchCounts(**asdict(v)) for k, v in batch.by_source.items()}
    for source, new, updated, unchanged in changes:
        counts = by_source.setdefault(source, SearchCounts())
        counts.new_records, counts.updated_records, counts.unchanged_records = (
            new, updated, unchanged)
    works_total, excerpts_total = one_row(
        con, "SELECT (SELECT count(*) FROM works), (SELECT count(*) FROM excerpts)")
    return LoadCounts(by_source=by_source, new_excerpts=new_excerpts, works_total=works_total,
                      excerpts_total=excerpts_total)
