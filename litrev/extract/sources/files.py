"""The ``files`` source: the exports a reviewer drops into a folder (RIS, BibTeX, CSV and other
delimited tables incl. scite.ai exports, JSON Lines, PubMed/MEDLINE, Web of Science plain text
and tab-delimited; see :mod:`litrev.extract.importers`).

Each file in ``[sources.files] folder`` is one search (``query_key`` = the file name), reported
in PRISMA as "records identified from databases" (exports a reviewer made elsewhere). Every
visible file is read and its format sniffed from its content, whatever its suffix (a RIS export
saved as ``.txt`` is read). A file that is no import (binary, empty, a README) is one search
with no records whose ``error`` says why it was skipped; one with an import suffix fails, so the
run says a source failed; one without (notes, READMEs) is reported and succeeds.

PRISMA counts: ``hits_reported`` is the number of records in the file (those read plus the
entries that had to be skipped); lines that are no record (export banners) and repaired bytes
are listed in ``error`` but never counted. ``max_records`` never applies to a file the user
dropped in: every record of every file is loaded.

Why a content hash as watermark: a nightly run must not re-read files nobody touched, yet an
edited file (same name, new content) must be read again. The watermark is ``sha256:<hex>``
of the file's bytes; an unchanged file is reported with no records and the same watermark.
With a cache folder on the context (a harvest's: beside the store), a file whose file-system
stamp is the one recorded when its content last hashed to its watermark is not even read
(:mod:`litrev.extract.file_stamps` says when that is safe).
Re-importing never duplicates anyway: record ids are the entry's own id or
``<file name>#L<line>``, and work and excerpt ids are stable.

Why each file is handed on as soon as it is read (``HarvestContext.sink``): the harvest saves
its records into chunk files before the next file is read, so it holds about one file's records
and one chunk, not the whole folder's (issue 16: 30 files of 300,000 excerpts held 1.25 GB).
Why worker processes: parsing is Python code holding the GIL, and a large folder kept one core
busy for tens of seconds while the other idled. From :data:`PARALLEL_BYTES` of files on, each
file is read in a worker process (:class:`litrev.extract.parallel.Workers`) that writes its
records into chunk files itself (:class:`litrev.extract.sources.RecordWriter`), so they are
pickled once, and sends back only their file names, work ids and title hints; the searches are
handed on in the folder's order, so the harvest stores exactly what one process reading the
files one after the other stores. A file that cannot be read (gone, a reader's bug) fails its
own search, in a worker or not; the other files are read. Without a sink (a caller of
:func:`harvest` such as a test), every search is returned with its records.

A malformed entry is skipped; the search still succeeds and its ``error`` lists each skipped
entry as ``file:line: why`` (the ledger keeps it), e.g.
``scite-otte.csv:4: no citation statement text (columns Snippet / Citation Statement)``.

    results = harvest(HarvestContext(profile, profile.sources["files"]))
    [(r.query_key, len(r.records), r.error) for r in results]
    # -> [('scite-otte.csv', 4, 'scite-otte.csv:4: no citation statement text ...')]
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from litrev.extract.errors import SourceFailed
from litrev.extract.file_stamps import FileStamp, KnownFiles, read_stamped
from litrev.extract.importers import FORMATS, ImportResult, format_of, read_file
from litrev.extract.importers.jsonl import statement_record, work_record
from litrev.extract.parallel import WorkerDied, Workers, collector_paused, worker_count
from litrev.extract.records import SourceRecord
from litrev.extract.sources import (
    HarvestContext,
    RecordWriter,
    SearchResult,
    SearchSink,
    WrittenRecords,
    mark_seeds,
)
from litrev.vocabulary import SearchStatus

NAME = "files"
PLATFORM = "local import folder"
MAX_PROBLEMS_SHOWN = 20
EMPTY_FOLDER_KEY = "(empty folder)"

log = logging.getLogger("litrev.sources")


def content_watermark(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def to_record(raw: dict) -> SourceRecord:
    """One entry in the JSON Lines shape (a work, or a statement with citing/cited)."""
    if "text" in raw and ("citing" in raw or "cited" in raw):
        return statement_record(raw, "entry", 1)
    return work_record(raw, "entry", 1)


def parse(body: bytes, name: str = "import") -> list[SourceRecord]:
    """The records of one import file (malformed entries skipped; see :func:`parse_report`)."""
    return parse_report(body, name).records


def parse_report(body: bytes, name: str = "import") -> ImportResult:
    """Records and the problems (file, line, why) of one import file."""
    return read_file(body, name)


def import_files(folder: Path) -> list[Path]:
    """Every visible file of ``folder``, by name: each is sniffed when read (hidden files, such
    as ``.DS_Store``, are not the user's exports)."""
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def iter_records(folder: Path, *, max_records: int | None = None) -> Iterator[SourceRecord]:
    """Every record of every file in ``folder``.

    ``max_records`` is accepted for the shape every source has, and refused when the folder
    holds more: a cap never applies silently to files the user dropped in.
    """
    count = 0
    for path in import_files(folder):
        for record in read_file(path.read_bytes(), path.name).records:
            count += 1
            if max_records is not None and count > max_records:
                raise SourceFailed(f"files: {folder} holds more than {max_records} records; "
                                   "read it without a cap (import files are never cut short)")
            yield record


def _folder(ctx: HarvestContext) -> Path:
    value = ctx.option("folder")
    if not value:
        raise SourceFailed('files: no folder set; add folder = "imports" under [sources.files] '
                           "in the profile")
    folder = Path(value)
    if not folder.is_dir():
        raise SourceFailed(f"files: the import folder {folder} does not exist; create it and "
                           "drop RIS, BibTeX, CSV or JSONL files there, or fix [sources.files] "
                           "folder")
    return folder


def _summary(report: ImportResult) -> str | None:
    if not report.problems:
        return None
    shown = [str(p) for p in report.problems[:MAX_PROBLEMS_SHOWN]]
    more = len(report.problems) - len(shown)
    return "; ".join(shown) + (f"; and {more} more" if more else "")


@dataclass(frozen=True)
class FileJob:
    """One file of the folder to read: its place in the folder's order, the watermark the last
    run stored for it, the seed DOIs its works are marked with, and whether its content hashed
    to that watermark when the run listed the folder (``unchanged``: it is not read again)."""

    index: int
    path: Path
    stored_watermark: str | None
    seed_dois: tuple[str, ...]
    unchanged: bool = False


@dataclass(frozen=True)
class FileSearch:
    """One file as a search. ``read``: its records were parsed (not unchanged, not skipped),
    so the progress display counts it. ``stamp``: the file's stamp when it was read and the
    stamp can stand for the content hashed (:func:`litrev.extract.file_stamps.read_stamped`)."""

    search: SearchResult
    read: bool
    stamp: FileStamp | None = None


@dataclass(frozen=True)
class WrittenFileSearch:
    """One file read in a worker process: its search (``records`` empty), whether it was
    read, where the worker wrote its records, and the file's stamp (as :class:`FileSearch`)."""

    search: SearchResult
    read: bool
    written: WrittenRecords
    stamp: FileStamp | None = None


def read_search(job: FileJob) -> FileSearch:
    """One file as one search: unchanged (not re-read), skipped (no import) or its records.
    A reader that raises fails this file's search only, with the error; the other files are
    read as usual, in this process or in a worker."""
    path = job.path
    result = SearchResult(source=NAME, query_key=path.name, query=f"import {path.name}",
                          platform=PLATFORM, update_method="incremental", query_url=str(path))
    stamp = None
    try:
        body, stamp = (b"", None) if job.unchanged else read_stamped(path)
        watermark = job.stored_watermark if job.unchanged else content_watermark(body)
        if job.stored_watermark == watermark:
            result.query = f"import {path.name} (unchanged since the last import; not re-read)"
            result.hits_reported = 0
            result.watermark = watermark
            return FileSearch(result, read=False)
        report = read_file(body, path.name)
        del body
    except Exception as exc:  # noqa: BLE001 - one unreadable file must not stop the others
        result.hits_reported = 0
        result.status = SearchStatus.FAILED
        result.error = f"{path.name}: could not be read ({type(exc).__name__}: {exc})"
        return FileSearch(result, read=False)
    skipped = report.file_skipped
    if skipped is not None:
        result.hits_reported = 0
        result.error = str(skipped)
        if format_of(path.name) is not None:  # an import suffix: the user meant it
            result.status = SearchStatus.FAILED
        else:
            result.watermark = watermark  # a note or README: said once, not every night
        return FileSearch(result, read=False, stamp=stamp)
    result.filters = f"format {report.format}" + (
        f", encoding {report.encoding}" if report.encoding not in (None, "utf-8") else "")
    result.records = mark_seeds(report.records, job.seed_dois)
    result.hits_reported = report.entries
    result.error = _summary(report)
    result.watermark = watermark
    return FileSearch(result, read=True, stamp=stamp)


def read_searches_writing_records(jobs: list[FileJob],
                                  writer: RecordWriter) -> list[WrittenFileSearch]:
    """In a worker process: each file as a search, its records written into files by
    ``writer`` there, so only their names and ids go back to the harvest's process."""
    out = []
    for job in jobs:
        with collector_paused():  # records: many small objects, no cycles
            done = read_search(job)
            records, done.search.records = done.search.records, []
            out.append(WrittenFileSearch(done.search, done.read,
                                         writer.write(records, f"file{job.index:05d}"),
                                         done.stamp))
            del records
    return out


# Total bytes of the files to read from which they are parsed in worker processes. A rough
# estimate from a quick timing (JSON Lines of long abstracts, 4 files, CPU-seconds because the
# 2 cores were busy with other work): one process parses about 18 MB/s (5 MB: 0.38 CPU-s,
# 60 MB: 3.3 CPU-s, chunk files included); two spawned workers spent 0.6 CPU-s more in all
# (about 0.3 s each, at the same time, to start and import the readers). On two idle cores the
# workers take half the parsing plus about 0.3 s: even near 10 MB, a gain above. The records
# are pickled once either way (into the chunk files, by whoever parsed them).
PARALLEL_BYTES = 10_000_000


def _size(path: Path) -> int:
    """The file's size; 0 for one gone since the folder was listed (its search says so)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def parse_workers(paths: list[Path]) -> int:
    """Worker processes to parse ``paths`` (the files to read) with: 1 (this process) for a
    small folder or one file, else :func:`litrev.extract.parallel.worker_count`
    (``LITREV_WORKERS``)."""
    if len(paths) < 2:
        return 1
    total = sum(_size(path) for path in paths)
    return worker_count() if total >= PARALLEL_BYTES else 1


def _read_in_workers(ctx: HarvestContext, sink: SearchSink, jobs: list[FileJob],
                     workers: int, known: KnownFiles) -> list[FileJob]:
    """Each file read in a worker process and its search handed on in the folder's order; the
    files left to read in this process (all those not handed on when a worker died)."""
    work = partial(read_searches_writing_records, writer=sink.record_writer())
    handed_on = 0
    try:
        with Workers(len(jobs), workers, chunk_size=1) as pool:
            for done in pool.imap(work, jobs):
                if done.read:
                    ctx.progress(done.search.query_key, done.written.records)
                known.record(done.search.query_key, done.stamp, done.search.watermark)
                sink.take_written(done.search, done.written)
                handed_on += 1
    except WorkerDied as exc:
        log.warning("files: %s; reading the %d files left in this process", exc,
                    len(jobs) - handed_on)
    return jobs[handed_on:]


def harvest(ctx: HarvestContext) -> list[SearchResult]:
    """One search per file of the folder, in the folder's order.

    With a sink on ``ctx`` each file's search is handed on as soon as the file is read, so the
    harvest holds about one file's records at a time; a large folder is parsed in worker
    processes that write the records into the sink's files themselves, the searches still
    handed on in the folder's order. Without a sink, every search is returned."""
    folder = _folder(ctx)
    paths = import_files(folder)
    ctx.plan(len(paths) or 1)  # an empty folder is one search too (below)
    if not paths:
        # an empty folder is one search with no records, so the ledger and the run's summary
        # say the folder was read and held nothing (and where the files should go)
        return [SearchResult(
            source=NAME, query_key=EMPTY_FOLDER_KEY, query=f"import folder {folder} (no files)",
            platform=PLATFORM, update_method="incremental", hits_reported=0,
            query_url=str(folder),
            error=f"the import folder {folder} holds no files: drop RIS, BibTeX, CSV, PubMed, "
                  "Web of Science or JSONL exports there")]
    seeds = tuple(ctx.profile.seed_dois)
    # whether each file is the one the last run imported: hashed, or known by its stamp
    known = KnownFiles.load(ctx.cache_dir, folder)
    jobs = [FileJob(i, path, ctx.state.get(path.name), seeds,
                    known.unchanged(path, ctx.state.get(path.name), content_watermark))
            for i, path in enumerate(paths)]
    results: list[SearchResult] = []
    # a quiet night (every file unchanged) starts no worker: only the files to parse count
    workers = parse_workers([job.path for job in jobs if not job.unchanged]) \
        if ctx.sink is not None else 1
    if workers > 1 and ctx.sink is not None:
        jobs = _read_in_workers(ctx, ctx.sink, jobs, workers, known)
    for job in jobs:
        done = read_search(job)
        if done.read:
            ctx.progress(done.search.query_key, len(done.search.records))
        known.record(done.search.query_key, done.stamp, done.search.watermark)
        ctx.hand_on(done.search, results)
    known.save()  # a stamp only says what its file held: true whatever the run does next
    return results


__all__ = ["NAME", "PLATFORM", "FORMATS", "harvest", "iter_records", "parse", "parse_report",
           "to_record"]
