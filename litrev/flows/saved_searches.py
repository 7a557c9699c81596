"""One source's searches saved into the run's work folder as they finish (issue 16).

A source hands each finished search to a :class:`SavedSearchSink` (the
:class:`litrev.extract.sources.SearchSink` of the harvest), which writes its records into chunk
files of ``chunk_records`` records and keeps only the search without its records, its ledger
entry (work ids) and each work's first title hint. So the harvest's process holds one search's
records plus one chunk, however large the source; the later steps read the chunk files one at
a time. Records a worker process parsed are written by that worker (:class:`ChunkFileWriter`)
and only their file names and ids come back.

No Prefect here: a worker process that writes chunk files imports this module to unpickle its
writer.

    sink = SavedSearchSink(folder, "files", chunk_records=20_000)
    sink.take(result)                     # each search as it finishes
    path = sink.finish()                  # SavedSearches, read by the later tasks
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litrev.extract.records import SourceRecord
from litrev.extract.sources import SearchResult, WrittenRecords
from litrev.flows.detection import first_title_hints
from litrev.flows.runlog import save


@dataclass(frozen=True)
class SavedSearches:
    """One source's searches as saved in the run's work folder: the searches without their
    records (status, watermark, query), their ledger entries (work ids only, so the write
    never reads records again), and the files holding the records, at most ``chunk_records`` a
    file (``file_records``: how many each holds)."""

    source: str
    searches: list[Any]
    entries: list[Any]
    record_files: list[Path]
    records: int
    title_hints: dict[str, str]  # each work's first metadata language, in record order
    file_records: list[int] = dataclasses.field(default_factory=list)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def ledger_entry(result: SearchResult, work_ids: Sequence[str], deleted: Sequence[bool]) -> Any:
    """The ledger's view of one search whose records had ``work_ids`` (in record order)."""
    from litrev.store.ledger import SearchEntry

    return SearchEntry(
        source=result.source, query=result.query, platform=result.platform,
        query_key=result.query_key, query_url=getattr(result, "query_url", None),
        filters=_text(result.filters), limits=_text(result.limits),
        update_method=result.update_method, hits_reported=result.hits_reported,
        status=result.status, error=result.error, work_ids=tuple(work_ids),
        deleted=tuple(deleted))


def ledger_entries(results: Iterable[SearchResult]) -> list[Any]:
    """The ledger's view of each search result (with its records)."""
    return [ledger_entry(r, [rec.work.work_id for rec in r.records],
                         [bool(rec.deleted) for rec in r.records]) for r in results]


@dataclass(frozen=True)
class ChunkFileWriter:
    """Writes one search's records into chunk files of ``chunk_records`` records each
    (``<prefix>-<part>-<n>.pickle`` in ``folder``); pickles, so a worker process writes the
    records it parsed (:class:`litrev.extract.sources.RecordWriter`)."""

    folder: Path
    prefix: str
    chunk_records: int

    def write(self, records: list[SourceRecord], part: str) -> WrittenRecords:
        size = max(1, int(self.chunk_records))
        starts = range(0, len(records), size)
        files = tuple(save(self.folder, f"{self.prefix}-{part}-{n}", records[i:i + size])
                      for n, i in enumerate(starts))
        hints: dict[str, str] = {}
        first_title_hints(records, hints)
        return WrittenRecords(files=files,
                              work_ids=tuple(r.work.work_id for r in records),
                              deleted=tuple(bool(r.deleted) for r in records),
                              title_hints=hints,
                              file_records=tuple(len(records[i:i + size]) for i in starts))


class SavedSearchSink:
    """One source's searches, saved as they are handed on (see the module docstring).

    Records of searches taken whole (:meth:`take`) are packed into chunks of ``chunk_records``
    across searches, in the order they came; searches whose records a worker wrote
    (:meth:`take_written`) add that worker's files after the chunk pending here, so the chunk
    files hold every record in the order the searches were handed on. ``prefix`` names the
    chunk files (a retried attempt of a source uses its own, and :meth:`discard` removes the
    files of an attempt that is not kept)."""

    def __init__(self, folder: Path, source: str, chunk_records: int,
                 prefix: str | None = None) -> None:
        self.folder = Path(folder)
        self.source = source
        self.chunk_records = max(1, int(chunk_records))
        self.prefix = prefix or f"records-{source}"
        self.searches: list[SearchResult] = []
        self.entries: list[Any] = []
        self.record_files: list[Path] = []
        self.file_records: list[int] = []
        self.records = 0
        self.title_hints: dict[str, str] = {}
        self._chunk: list[SourceRecord] = []

    def take(self, result: SearchResult) -> None:
        self.entries.extend(ledger_entries([result]))
        for record in result.records:
            self._chunk.append(record)
            if len(self._chunk) >= self.chunk_records:
                self._flush()
        self.records += len(result.records)
        self.searches.append(dataclasses.replace(result, records=[]))

    def record_writer(self) -> ChunkFileWriter:
        return ChunkFileWriter(self.folder, self.prefix, self.chunk_records)

    def take_written(self, result: SearchResult, written: WrittenRecords) -> None:
        self._flush()  # the records taken before these come first
        self.record_files.extend(written.files)
        self.file_records.extend(written.file_records)
        for work_id, hint in written.title_hints.items():
            self.title_hints.setdefault(work_id, hint)
        self.entries.append(ledger_entry(result, written.work_ids, written.deleted))
        self.records += written.records
        self.searches.append(dataclasses.replace(result, records=[]))

    def _flush(self) -> None:
        if self._chunk:
            first_title_hints(self._chunk, self.title_hints)
            self.record_files.append(
                save(self.folder, f"{self.prefix}-{len(self.record_files)}", self._chunk))
            self.file_records.append(len(self._chunk))
            self._chunk = []

    def finish(self) -> Path:
        """The last chunk written and the searches saved (:class:`SavedSearches`); the path
        the later tasks read."""
        self._flush()
        saved = SavedSearches(source=self.source, searches=list(self.searches),
                              entries=list(self.entries), record_files=list(self.record_files),
                              records=self.records, title_hints=dict(self.title_hints),
                              file_records=list(self.file_records))
        return save(self.folder, f"source-{self.source}", saved)

    def discard(self) -> None:
        """Remove the chunk files written so far (an attempt that will not be kept)."""
        for path in self.record_files:
            Path(path).unlink(missing_ok=True)
        self.record_files.clear()
        self.file_records.clear()
        self._chunk = []


__all__ = ["ChunkFileWriter", "SavedSearchSink", "SavedSearches", "ledger_entries",
           "ledger_entry"]
