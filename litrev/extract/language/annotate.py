"""Languages of harvested records: every excerpt's text and every work's title, detected on the
:class:`~litrev.extract.records.SourceRecord` before the store builds its batch.

Why on records: the records are what extract hands over; detecting there keeps one pass over
the data (no round trip through the store's frames) and one place for each id and hash (the
store computes ``text_hash`` and ``content_hash`` when it builds the batch, the part of a mixed
text gets its ``excerpt_id`` from :meth:`litrev.extract.records.Excerpt.part`).

A record can name the same excerpt or work as another record of the batch (two sources, a cited
work named by several records). The store merges them taking, per field, the first value that is
not empty; each excerpt and title is detected once, from the text and hint the merge keeps, and
every copy gets that answer.

Example (``stored_ids``: excerpts stored with a language, read by the store)::

    records = detect_records(records, candidates=("en", "fi", "sv", "de"),
                             skip_excerpt_ids=stored_ids)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Sequence
from functools import partial
from typing import NamedTuple

from litrev.extract.language import detection
from litrev.extract.language.mixed import MIXED_CHECK_CHARS
from litrev.extract.language.results import Detection
from litrev.extract.language.text import clean
from litrev.extract.language.voting import SHIPPED, Method
from litrev.extract.parallel import map_chunks
from litrev.extract.records import Excerpt, SourceRecord, Work, with_fields

# The method recorded on each part of a mixed text (the whole text's method is "mixed").
PART_METHOD = "mixed-part"
# A title is one text: it is not split into language runs (a title and its translated
# subtitle are one title).
TITLE_METHOD = Method(split_mixed=False)


def merged_titles(records: Iterable[SourceRecord]) -> dict[str, str]:
    """Each work's title as the batch will merge it (the first title any record gives), by
    ``work_id``: what the store compares with the stored title to skip a title detected before.
    """
    titles: dict[str, str] = {}
    for record in records:
        for work in (record.work, *record.related):
            if work.title is not None:
                titles.setdefault(work.work_id, work.title)
    return titles


def excerpt_ids(records: Iterable[SourceRecord]) -> list[str]:
    """The ids of the records' excerpts, in order, each once."""
    return list(dict.fromkeys(ex.excerpt_id for record in records for ex in record.excerpts))


def detect_records(records: Sequence[SourceRecord], *, candidates: Sequence[str] | None = None,
                   skip_excerpt_ids: Collection[str] = frozenset(),
                   skip_work_ids: Collection[str] = frozenset(),
                   workers: int | None = None) -> list[SourceRecord]:
    """The records with the language of each excerpt and work title filled in.

    Excerpts whose ``excerpt_id`` is in ``skip_excerpt_ids`` (stored with a language) and works
    in ``skip_work_ids`` (stored with this title and its language) are left as they are, as are
    works without a title. A mixed text keeps its excerpt (language ``mul``) and gains one
    excerpt per part, right after it: same work, kind, cited work and section, the part's text,
    ``parent_excerpt_id`` the whole text's id, and its own ``excerpt_id``. A title is detected
    as a whole, with the work's metadata ``language`` as the hint.

    ``workers``: worker processes for the detection (:func:`litrev.extract.parallel.map_chunks`;
    None: one per core for a large batch, this process for a small one). The answers are the
    same whichever process computes them.
    """
    excerpt_jobs = _excerpt_jobs(records, frozenset(skip_excerpt_ids))
    title_jobs = _title_jobs(records, frozenset(skip_work_ids))
    # one batch, so that a pool's workers load their models once for excerpts and titles
    answers = detect_many([*excerpt_jobs.values(), *title_jobs.values()], candidates,
                        workers=workers)
    excerpts = dict(zip(excerpt_jobs, answers[:len(excerpt_jobs)], strict=True))
    titles = dict(zip(title_jobs, answers[len(excerpt_jobs):], strict=True))
    skip_parts = frozenset(skip_excerpt_ids)
    out: list[SourceRecord] = []
    for record in records:
        annotated: list[Excerpt] = []
        for excerpt in record.excerpts:
            found = excerpts.get(excerpt.excerpt_id)
            if found is None:
                annotated.append(excerpt)
                continue
            annotated.append(with_fields(
                excerpt, language=found.lang, language_confidence=float(found.confidence),
                language_method=found.method))
            annotated.extend(part for part in _parts(excerpt, found)
                             if part.excerpt_id not in skip_parts)
        out.append(with_fields(
            record, excerpts=tuple(annotated), work=_with_title(record.work, titles),
            related=tuple(_with_title(work, titles) for work in record.related)))
    return out


def _excerpt_jobs(records: Sequence[SourceRecord], skip: frozenset[str]) -> dict[str, Job]:
    """One detection per excerpt id: the first copy's text, the first hint any copy gives."""
    texts: dict[str, str] = {}
    hints: dict[str, str] = {}
    for record in records:
        for excerpt in record.excerpts:
            if excerpt.excerpt_id in skip:
                continue
            texts.setdefault(excerpt.excerpt_id, excerpt.text)
            if excerpt.language_hint:
                hints.setdefault(excerpt.excerpt_id, excerpt.language_hint)
    return {key: Job(text, hints.get(key), False) for key, text in texts.items()}


def _title_jobs(records: Sequence[SourceRecord], skip: frozenset[str]) -> dict[str, Job]:
    """One detection per work id: its merged title, its first metadata language as the hint."""
    hints: dict[str, str] = {}
    for record in records:
        for work in (record.work, *record.related):
            if work.language:
                hints.setdefault(work.work_id, work.language)
    return {work_id: Job(title, hints.get(work_id), True)
            for work_id, title in merged_titles(records).items()
            if work_id not in skip and title.strip()}


class Job(NamedTuple):
    """One text to detect: its metadata hint, and whether it is a title (never split)."""

    text: str
    hint: str | None
    title: bool


def detect_chunk(jobs: list[Job], candidates: tuple[str, ...] | None) -> list[Detection]:
    """The detections of ``jobs``, in order; what a worker process runs on each chunk."""
    return [detection.detect(job.text, candidates=candidates, hint=job.hint,
                             method=TITLE_METHOD if job.title else SHIPPED) for job in jobs]


def detect_many(jobs: Sequence[Job], candidates: Sequence[str] | None, *,
                workers: int | None = None) -> list[Detection]:
    """The detections of ``jobs`` in order, spread over worker processes when there are many
    (:func:`litrev.extract.parallel.map_chunks`); each worker loads the models once.

    Jobs alike (same text and hint, and the same kind or a kind that makes no difference: one
    title shared by several works, a work's title and its title excerpt, a citation statement
    quoted by several sources under different ids) are detected once: a detection depends on
    nothing else, so every copy gets the same answer it would have got alone."""
    chosen = tuple(candidates) if candidates is not None else None
    keys = [_alike(job) for job in jobs]
    distinct = list(dict.fromkeys(keys))
    answers = map_chunks(partial(detect_chunk, candidates=chosen), distinct, workers=workers)
    if len(distinct) == len(jobs):
        return answers
    found = dict(zip(distinct, answers, strict=True))
    return [found[key] for key in keys]


# A title is read as other texts are but never split (TITLE_METHOD), so a title too short to be
# split is detected as the same text of any kind is (a work without an abstract has its title
# as an excerpt too).
_TITLE_ONLY_UNSPLIT = TITLE_METHOD == dataclasses.replace(SHIPPED, split_mixed=False)


def _alike(job: Job) -> Job:
    """The job whose answer ``job`` gets: itself, or for a title shorter than a mixed text can
    be, the same text as an excerpt (detected once for both)."""
    if job.title and _TITLE_ONLY_UNSPLIT and len(clean(job.text)) < MIXED_CHECK_CHARS:
        return job._replace(title=False)
    return job


def _parts(whole: Excerpt, found: Detection) -> list[Excerpt]:
    return [with_fields(whole.part(part.text), language=part.lang,
                        language_confidence=float(part.confidence),
                        language_method=PART_METHOD) for part in found.parts]


def _with_title(work: Work, titles: dict[str, Detection]) -> Work:
    found = titles.get(work.work_id)
    if found is None:
        return work
    return with_fields(work, title_language=found.lang,
                       title_language_confidence=float(found.confidence),
                       title_language_method=found.method)


__all__ = ["PART_METHOD", "TITLE_METHOD", "Job", "detect_chunk", "detect_many", "detect_records",
           "excerpt_ids", "merged_titles"]
