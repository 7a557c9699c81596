"""Merging batches of records into the corpus: idempotent, all-or-nothing.

Why batches: a harvest yields thousands of records; they cross into DuckDB as pandas frames
registered as relations and are merged with one ``MERGE INTO`` per table inside one
transaction. Loading the same batch twice leaves the same rows (a stored row is rewritten only
when a value changes); an error anywhere rolls the whole batch back.

    batch = records_to_batch(records)            # plain SourceRecords from extract/
    with write_session(db) as con:
        counts = load_batch(con, batch, run_id="r1")
    counts.by_source["openalex"].new_records
    # -> 12

A harvest too large to hold at once is flattened chunk by chunk (:func:`flatten_records`),
split by key into parts (:meth:`RecordRows.split`) and merged part after part in the same one
transaction (:func:`load_parts`): the same rows as one batch, one part in memory at a time.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb
import pandas as pd

from litrev.extract.normalize import short_hash, text_hash
from litrev.extract.records import SourceRecord
from litrev.store.db import one_row, scannable
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


def _content_hashes(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """The content hash of every row (of ``columns``; a missing column counts as null), read
    column by column: ``to_dict("records")`` built a dict per row, most of the time of a
    large batch."""
    values = [frame[c].tolist() if c in frame else [None] * len(frame) for c in columns]
    return [short_hash(*(_hashable(v) for v in row), length=24)
            for row in zip(*values, strict=True)]


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


@dataclass
class RecordRows:
    """Source records flattened into the rows of each table, in arrival order, not yet
    deduplicated; ``arrivals`` has one ``(source, primary work id, deleted)`` per record.

    Why: a harvest too large to hold whole is flattened chunk by chunk and the rows are split
    by key (:meth:`split`), so that every duplicate of a key lands in the same part; each part
    then deduplicates exactly as the whole batch would (:func:`rows_to_batch`)."""

    works: list[dict] = field(default_factory=list)
    work_sources: list[dict] = field(default_factory=list)
    citations: list[dict] = field(default_factory=list)
    excerpts: list[dict] = field(default_factory=list)
    excerpt_sources: list[dict] = field(default_factory=list)
    arrivals: list[tuple[str, str, bool]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.arrivals)

    def extend(self, other: RecordRows) -> None:
        """Append ``other``'s rows after these (arrival order kept)."""
        for name in (*MERGE_ORDER, "arrivals"):
            getattr(self, name).extend(getattr(other, name))

    def split(self, parts: int) -> list[RecordRows]:
        """The rows in ``parts`` parts by key (work id; the excerpt id for excerpts; the citing
        work for citations), arrival order kept within each part. The same key always goes to
        the same part, whatever chunk it came in."""
        out = [RecordRows() for _ in range(parts)]

        def part(key: str | None) -> int:
            return zlib.crc32((key or "").encode("utf-8")) % parts

        for name, key in (("works", "work_id"), ("work_sources", "work_id"),
                          ("citations", "citing_work_id"), ("excerpts", "excerpt_id"),
                          ("excerpt_sources", "excerpt_id")):
            for row in getattr(self, name):
                getattr(out[part(row[key])], name).append(row)
        for arrival in self.arrivals:
            out[part(arrival[1])].arrivals.append(arrival)
        return out


def flatten_records(records: Iterable[SourceRecord]) -> RecordRows:
    """The rows of every table for these records, in order (no deduplication yet)."""
    rows = RecordRows()
    for rec in records:
        rows.arrivals.append((rec.source, rec.work.work_id, bool(rec.deleted)))
        for i, work in enumerate((rec.work, *rec.related)):
            row = dict(work.__dict__)  # a Work's fields are the works columns (test)
            row["authors"] = list(work.authors)
            rows.works.append(row)
            rows.work_sources.append({"work_id": work.work_id, "source": rec.source,
                                      "source_record_id": rec.source_record_id,
                                      "deleted": rec.deleted and i == 0, "is_primary": i == 0})
        for citing, cited in rec.citations:
            rows.citations.append({"citing_work_id": citing, "cited_work_id": cited,
                                   "source": rec.source})
        for ex in rec.excerpts:
            row = dict(ex.__dict__)  # an Excerpt's fields are the excerpts columns but two (test)
            row["intents"] = list(ex.intents)
            row["text_hash"] = text_hash(ex.text)
            row["source"] = rec.source
            rows.excerpts.append(row)
            rows.excerpt_sources.append({"excerpt_id": ex.excerpt_id, "source": rec.source,
                                         "source_record_id": rec.source_record_id})
    return rows


def arrival_counts(arrivals: Iterable[tuple[str, str, bool]]) -> dict[str, SearchCounts]:
    """Per source: records retrieved, withdrawn, and duplicates within the source and across
    sources (a work delivered by several sources is one work: the extra arrivals count). Each
    count depends only on the arrivals of one work id, so parts split by work id add up."""
    by_source: dict[str, SearchCounts] = defaultdict(SearchCounts)
    seen_in_source: set[tuple[str, str]] = set()
    sources_of_work: dict[str, set[str]] = defaultdict(set)
    for source, work_id, deleted in arrivals:
        counts = by_source[source]
        counts.records_retrieved += 1
        if deleted:
            counts.removed_other += 1
        if (source, work_id) in seen_in_source:
            counts.duplicates_within += 1
        seen_in_source.add((source, work_id))
        sources_of_work[work_id].add(source)
    for sources in sources_of_work.values():
        for source in sorted(sources)[1:]:
            by_source[source].duplicates_across += 1
    return dict(by_source)


def add_counts(total: dict[str, SearchCounts], part: dict[str, SearchCounts]) -> None:
    """Add one part's per-source counts into ``total``."""
    for source, counts in part.items():
        into = total.setdefault(source, SearchCounts())
        for name, value in asdict(counts).items():
            setattr(into, name, getattr(into, name) + value)


def records_to_batch(records: Iterable[SourceRecord]) -> Batch:
    """Flatten source records into deduplicated frames; count duplicates within and across."""
    return rows_to_batch(flatten_records(records))


def rows_to_batch(rows: RecordRows) -> Batch:
    """Deduplicated frames of flattened rows (one part of a harvest, or all of it)."""
    return frames_to_batch(
        works=pd.DataFrame(rows.works, columns=[*WORK_COLUMNS, *TITLE_LANGUAGE_COLUMNS]).astype(
            {"title_language_confidence": "float64"}),
        work_sources=pd.DataFrame(rows.work_sources,
                                  columns=["work_id", "source", "source_record_id", "deleted",
                                           "is_primary"]),
        citations=pd.DataFrame(rows.citations,
                               columns=["citing_work_id", "cited_work_id", "source"]),
        excerpts=pd.DataFrame(rows.excerpts, columns=EXCERPT_COLUMNS).astype(
            {"language_confidence": "float64"}),
        excerpt_sources=pd.DataFrame(rows.excerpt_sources,
                                     columns=["excerpt_id", "source", "source_record_id"]),
        by_source=arrival_counts(rows.arrivals),
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
    works["content_hash"] = _content_hashes(works, WORK_COLUMNS[1:])
    excerpts = excerpts.copy()
    for column in FULLTEXT_EXCERPT_COLUMNS:
        if column not in excerpts.columns:
            excerpts[column] = None
    excerpts = _first_non_null(excerpts, "excerpt_id", any_of=("synthetic",),
                               lists=("intents",))
    excerpts["content_hash"] = _content_hashes(excerpts, ["text", "section", "stance", "intents"])
    # A work can be primary in one record and related in another: keep it primary.
    work_sources = (work_sources.sort_values("is_primary", ascending=False,
                                             kind="stable")
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
    return load_parts(con, [batch], run_id=run_id, now=now, transaction=transaction)


def load_parts(con: duckdb.DuckDBPyConnection, parts: Iterable[Batch], *, run_id: str,
               now: dt.datetime | None = None, transaction: bool = True,
               before_merge: Callable[[Batch], None] | None = None) -> LoadCounts:
    """Merge batch parts one after another in ONE transaction: all of them or nothing.

    Why parts: a harvest of 300,000 excerpts as one set of frames needs gigabytes; parts split
    by key (:meth:`RecordRows.split`) hold every duplicate of a key, so merging them one by one
    stores exactly what merging the whole batch would, and only one part is in memory at a
    time (``parts`` may be a generator that loads each from disk). ``before_merge(part)`` runs
    just before a part is merged (the ledger's look at what was stored before the run).
    """
    now = now or dt.datetime.now(dt.UTC)
    params = {"now": now, "run_id": run_id}
    by_source: dict[str, SearchCounts] = {}
    new_excerpts = 0
    with db_transaction(con, failure="loading the batch failed", error=LoadError,
                        begin=transaction):
        for batch in parts:
            if before_merge is not None:
                before_merge(batch)
            part_counts, part_new = _merge_part(con, batch, params)
            add_counts(by_source, part_counts)
            new_excerpts += part_new
    works_total, excerpts_total = one_row(
        con, "SELECT (SELECT count(*) FROM works), (SELECT count(*) FROM excerpts)")
    return LoadCounts(by_source=by_source, new_excerpts=new_excerpts, works_total=works_total,
                      excerpts_total=excerpts_total)


def _merge_part(con: duckdb.DuckDBPyConnection, batch: Batch, params: dict[str, Any]
                ) -> tuple[dict[str, SearchCounts], int]:
    """Merge one part (the caller holds the transaction); its per-source counts and how many
    of its excerpts were new."""
    relations = {f"batch_{table}": scannable(getattr(batch, table)) for table in MERGE_ORDER}
    for name, relation in relations.items():
        con.register(name, relation)
    try:
        changes = con.execute(internal("count_batch_changes").sql).fetchall()
        new_excerpts = one_row(con, internal("count_new_excerpts").sql)[0]
        for table in MERGE_ORDER:
            statement = internal(f"merge_{table}")
            con.execute(statement.sql, statement.bind(params))
    finally:
        for name in relations:
            con.unregister(name)
    by_source = {k: SearchCounts(**asdict(v)) for k, v in batch.by_source.items()}
    for source, new, updated, unchanged in changes:
        counts = by_source.setdefault(source, SearchCounts())
        counts.new_records, counts.updated_records, counts.unchanged_records = (
            new, updated, unchanged)
    return by_source, int(new_excerpts)
