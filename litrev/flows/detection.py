"""Language detection of a harvest's records, skipping what the database already knows.

A plain function (no Prefect) that the harvest's ``detect-languages`` task calls, so the task
stays a one-line shell. Detection runs on the records, before the store builds its batch, so
each text is detected once and the store computes every hash in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litrev.extract.records import SourceRecord


def first_title_hints(records: Iterable[SourceRecord], into: dict[str, str]) -> None:
    """Add to ``into`` each work's first metadata language (the hint its title is detected
    with), for works not in it yet: called chunk after chunk, it gives the whole harvest's."""
    for record in records:
        for work in (record.work, *record.related):
            if work.language and work.work_id not in into:
                into[work.work_id] = work.language


def detect_new(db: Path, records: list[SourceRecord], candidates: tuple[str, ...], *,
               title_hints: Mapping[str, str] | None = None) -> list[SourceRecord]:
    """The records with the language of their new excerpts and work titles; excerpts stored
    with a language and works stored with the same title and its language are not detected
    again. No records (a night when every source failed): nothing to load, not even the
    detectors.

    ``title_hints`` (:func:`first_title_hints` of the whole harvest, when it is detected chunk
    by chunk): a title is detected with its work's first hint in the whole harvest, as when
    every record is detected at once, even when the record giving it is in a later chunk."""
    if not records:
        return []
    from litrev.extract.language import detect_records, excerpt_ids, merged_titles
    from litrev.extract.records import SourceRecord, Work
    from litrev.store.detections import stored_detections

    stored = stored_detections(db, excerpt_ids(records), merged_titles(records))
    # records that carry only a work's first hint, put first (detect_records takes each work's
    # first hint), and dropped from the answer
    ids = dict.fromkeys(w.work_id for r in records for w in (r.work, *r.related))
    hints = [SourceRecord(source="", source_record_id="", work=Work(work_id=i, language=hint))
             for i in ids if (hint := (title_hints or {}).get(i))]
    detected = detect_records([*hints, *records], candidates=candidates or None,
                              skip_excerpt_ids=stored.excerpt_ids,
                              skip_work_ids=stored.work_ids)
    return detected[len(hints):]
