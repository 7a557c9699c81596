"""Language detection of a harvest's batch, skipping what the database already knows.

A plain function (no Prefect) that the harvest's ``detect-languages`` task calls, so the task
stays a one-line shell.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def detect_batch(db: Path, batch: Any, candidates: tuple[str, ...]) -> Any:
    """Detect the language of the batch's new excerpts and work titles; skip excerpts stored
    with a language and works stored with the same title and its language."""
    import pandas as pd

    from litrev.extract.language import annotate_excerpts, annotate_titles
    from litrev.store.db import read_session
    from litrev.store.errors import DatabaseMissing
    from litrev.store.load import frames_to_batch
    from litrev.store.sqlfiles import internal

    if batch.excerpts.empty and batch.works.empty:
        return batch
    skip_excerpts: frozenset[str] = frozenset()
    skip_works: frozenset[str] = frozenset()
    try:
        with read_session(db) as con:
            con.register("batch_excerpt_ids", pd.DataFrame(
                {"excerpt_id": batch.excerpts["excerpt_id"]}))
            skip_excerpts = frozenset(r[0] for r in con.execute(
                internal("ledger_stored_excerpt_ids").sql).fetchall())
            con.register("batch_work_titles", batch.works[["work_id", "title"]])
            skip_works = frozenset(r[0] for r in con.execute(
                internal("stored_title_languages").sql).fetchall())
    except DatabaseMissing:
        pass
    excerpts = annotate_excerpts(batch.excerpts.drop(columns=["content_hash"]),
                                 candidates=candidates or None, skip_ids=skip_excerpts)
    works = annotate_titles(batch.works.drop(columns=["content_hash"]),
                            candidates=candidates or None, skip_ids=skip_works)
    return frames_to_batch(works=works,
                           work_sources=batch.work_sources, citations=batch.citations,
                           excerpts=excerpts, excerpt_sources=batch.excerpt_sources,
                           by_source=batch.by_source)
