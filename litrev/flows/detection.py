"""Language detection of a harvest's records, skipping what the database already knows, and
the building of the batch's parts from the detected rows.

Plain functions (no Prefect) that the harvest's ``detect-languages`` and ``build-batch`` tasks
call, in this process or in worker processes (which import this module, not Prefect).
Detection runs on the records, before the store builds its batch, so each text is detected once
and the store computes every hash in one place.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from litrev.extract.records import SourceRecord


def first_title_hints(records: Iterable[SourceRecord], into: dict[str, str]) -> None:
    """Add to ``into`` each work's first metadata language (the hint its title is detected
    with), for works not in it yet: called chunk after chunk, it gives the whole harvest's."""
    for record in records:
        for work in (record.work, *record.related):
            if work.language and work.work_id not in into:
                into[work.work_id] = work.language


def detect_new(db: Path | None, records: list[SourceRecord], candidates: tuple[str, ...], *,
               title_hints: Mapping[str, str] | None = None) -> list[SourceRecord]:
    """The records with the language of their new excerpts and work titles; excerpts stored
    with a language and works stored with the same title and its language are not detected
    again (``db`` None: the caller knows that the store holds no detected language, see
    :func:`litrev.store.detections.stores_detected_languages`). No records (a night when every
    source failed): nothing to load, not even the detectors.

    ``title_hints`` (:func:`first_title_hints` of the whole harvest, when it is detected chunk
    by chunk): a title is detected with its work's first hint in the whole harvest, as when
    every record is detected at once, even when the record giving it is in a later chunk."""
    if not records:
        return []
    from litrev.extract.language import detect_records, excerpt_ids, merged_titles
    from litrev.extract.records import SourceRecord, Work
    from litrev.store.detections import StoredDetections, stored_detections

    stored = stored_detections(db, excerpt_ids(records), merged_titles(records)) \
        if db is not None else StoredDetections()
    # records that carry only a work's first hint, put first (detect_records takes each work's
    # first hint), and dropped from the answer
    ids = dict.fromkeys(w.work_id for r in records for w in (r.work, *r.related))
    hints = [SourceRecord(source="", source_record_id="", work=Work(work_id=i, language=hint))
             for i in ids if (hint := (title_hints or {}).get(i))]
    detected = detect_records([*hints, *records], candidates=candidates or None,
                              skip_excerpt_ids=stored.excerpt_ids,
                              skip_work_ids=stored.work_ids)
    return detected[len(hints):]


@dataclass(frozen=True)
class RecordFileJob:
    """One chunk of records (one or more saved files, read one after the other) to detect,
    flatten and split into the batch's parts.

    ``db``: the store to ask what is stored already, None when it holds no detected language
    (a first harvest). ``alone``: the job runs in a worker process (of a pool over the chunks,
    or one of its own), so its texts are detected in that process (no pool inside a pool)."""

    index: int
    paths: tuple[Path, ...]
    db: Any
    candidates: tuple[str, ...]
    title_hints: Mapping[str, str] | None
    parts: int
    folder: Path
    alone: bool = False


def detect_record_files(jobs: list[RecordFileJob]) -> list[list[Path | None]]:
    """For each job, its chunk's rows written per part (``rows-<part>-<index>`` in the job's
    folder; None where the chunk has no row for that part).

    Why whole chunks: loading a chunk, asking the store what it knows, flattening and splitting
    the rows cost as much as detecting the texts; a pool that only detects texts leaves the other
    core idle meanwhile. A pool over chunks (:class:`litrev.extract.parallel.Workers`) keeps both
    cores on the whole step; the parts are joined in chunk order, so the batch is the same."""
    return [_detect_record_file(job) for job in jobs]


def _detect_record_file(job: RecordFileJob) -> list[Path | None]:
    from litrev.extract.parallel import collector_paused, kept_workers
    from litrev.flows.runlog import load, save
    from litrev.store.load import flatten_records

    in_process = kept_workers(0, workers=1) if job.alone else contextlib.nullcontext()
    with in_process, collector_paused():
        records = [record for path in job.paths for record in load(path)]
        rows = flatten_records(detect_new(job.db, records, job.candidates,
                                          title_hints=job.title_hints))
        del records
        written = [save(job.folder, f"rows-{k}-{job.index:05d}", part)
                   if len(part.works) or len(part.excerpts) or len(part.citations) else None
                   for k, part in enumerate(rows.split(job.parts))]
        del rows  # freed before the collector is back: it then has little young to walk
    return written


@dataclass(frozen=True)
class BatchPartJob:
    """One part of a harvest's batch to build: the file of its rows (chunk after chunk, as the
    detection appended them) and where to save the part's frames."""

    index: int
    rows: Path
    folder: Path


def build_batch_parts(jobs: list[BatchPartJob]) -> list[Path | None]:
    """For each job, its part's rows as frames, deduplicated, saved as ``batch-<index>`` in the
    job's folder (None for a part with no rows); the rows file is removed once built.

    Why here and plain: the harvest's ``build-batch`` task hands the parts to worker processes
    (:class:`litrev.extract.parallel.Workers`) when there are several; reading a part's rows back
    costs as much as building its frames, and both are Python on one core otherwise. The parts
    are independent (every duplicate of a key is in one part), so the batch is the same."""
    from litrev.extract.parallel import collector_paused
    from litrev.flows.runlog import load_all, save
    from litrev.store.load import RecordRows, rows_to_batch

    built: list[Path | None] = []
    for job in jobs:
        with collector_paused():
            part = RecordRows()
            for chunk in load_all(job.rows):
                part.extend(chunk)
            built.append(save(job.folder, f"batch-{job.index}", rows_to_batch(part))
                         if len(part.works) or len(part.excerpts) or len(part.citations)
                         else None)
            del part  # freed before the collector is back
        Path(job.rows).unlink(missing_ok=True)
    return built
