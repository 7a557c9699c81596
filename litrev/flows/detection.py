"""Language detection of a harvest's records, skipping what the database already knows.

A plain function (no Prefect) that the harvest's ``detect-languages`` task calls, so the task
stays a one-line shell. Detection runs on the records, before the store builds its batch, so
each text is detected once and the store computes every hash in one place.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litrev.extract.records import SourceRecord


def detect_new(db: Path, records: list[SourceRecord],
               candidates: tuple[str, ...]) -> list[SourceRecord]:
    """The records with the language of their new excerpts and work titles; excerpts stored
    with a language and works stored with the same title and its language are not detected
    again. No records (a night when every source failed): nothing to load, not even the
    detectors."""
    if not records:
        return []
    from litrev.extract.language import detect_records, excerpt_ids, merged_titles
    from litrev.store.detections import stored_detections

    stored = stored_detections(db, excerpt_ids(records), merged_titles(records))
    return detect_records(records, candidates=candidates or None,
                          skip_excerpt_ids=stored.excerpt_ids, skip_work_ids=stored.work_ids)
