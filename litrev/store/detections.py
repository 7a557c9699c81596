"""Which texts of a harvest are stored with their language already, so they are not detected
again: an excerpt stored with a language, a work stored with the same title and its language.

Why here: the harvest detects languages on its records before the store builds the batch
(``litrev.extract.language.detect_records``); only the store knows what is stored.

Example (the excerpt is stored with its language; the work is stored under another title)::

    stored = stored_detections(db, ["x3f09..."], {"doi:10.1/x": "Vertaistuki"})
    stored.excerpt_ids, stored.work_ids   # (frozenset({'x3f09...'}), frozenset())
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from litrev.store.db import one_row, read_session
from litrev.store.errors import DatabaseMissing
from litrev.store.sqlfiles import internal


@dataclass(frozen=True)
class StoredDetections:
    """Ids whose language is stored: excerpts, and works whose stored title is unchanged."""

    excerpt_ids: frozenset[str] = frozenset()
    work_ids: frozenset[str] = frozenset()


def stored_detections(db: str | os.PathLike[str], excerpt_ids: Sequence[str],
                      work_titles: Mapping[str, str]) -> StoredDetections:
    """Of ``excerpt_ids``, those stored with a language; of ``work_titles`` (work id -> the
    title the batch gives), the works stored with that title and its language. A database not
    created yet stores nothing."""
    if not excerpt_ids and not work_titles:
        return StoredDetections()
    try:
        with read_session(db) as con:
            con.register("batch_excerpt_ids", pd.DataFrame(
                {"excerpt_id": pd.Series(list(excerpt_ids), dtype=object)}))
            excerpts = frozenset(str(row[0]) for row in con.execute(
                internal("ledger_stored_excerpt_ids").sql).fetchall())
            con.register("batch_work_titles", pd.DataFrame(
                {"work_id": pd.Series(list(work_titles), dtype=object),
                 "title": pd.Series(list(work_titles.values()), dtype=object)}))
            works = frozenset(str(row[0]) for row in con.execute(
                internal("stored_title_languages").sql).fetchall())
    except DatabaseMissing:
        return StoredDetections()
    return StoredDetections(excerpt_ids=excerpts, work_ids=works)


def stores_detected_languages(db: str | os.PathLike[str]) -> bool:
    """Whether any excerpt or work title is stored with its language: asked once per harvest,
    so that a first harvest (or one into a new database) does not open a session per chunk to
    learn that nothing is stored. A database not created yet stores nothing."""
    try:
        with read_session(db) as con:
            return bool(one_row(con, internal("stores_detected_languages").sql)[0])
    except DatabaseMissing:
        return False


__all__ = ["StoredDetections", "stored_detections", "stores_detected_languages"]
