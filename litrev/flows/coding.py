"""Coding the corpus against the codebook and refreshing the full-text index, in one write.

No Prefect here: the harvest flow calls :func:`run_coding` as one task after translation, and
``litrev code`` calls it directly. Only what needs coding is coded: new excerpts, excerpts whose
language or translation changed, or everything when the codebook version changed (or
``everything=True``). Texts are read and coded in batches, so memory stays bounded.

Coding stays in this process unless ``LITREV_WORKERS`` (or ``workers``) asks for worker
processes (:class:`litrev.extract.parallel.Workers`; the matches are the same). A text costs
tens of microseconds to code, and the full-text index is built meanwhile in a thread of DuckDB
(:func:`litrev.store.search.refreshing_index`) on the other core. Measured on two cores: on
60,000 excerpts a pool of two spent 70% more CPU time than this process alone (sending texts
and matches, each worker stemming the corpus's words again) for no shorter wall time; after a
harvest of 300,000 the coding step took 46.9 s with two workers against 31.9 s alone (one
run each: the workers take the index's core). Where the index is current (``litrev code
--all`` of the same 300,000), two workers coding one batch while this process reads the next
and saves the last took 18.0-18.8 s against 21.1 s alone.

    run = run_coding("corpus.ducklake", profile)
    run.codebook, run.codebook_changed, run.coded, run.matches, run.index
    # -> ('psw-integration', False, 12, 30, {'english': 40, 'finnish': 16})
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from litrev.extract.parallel import Workers, worker_setting
from litrev.extract.profile import Profile
from litrev.extract.themes import Codebook, Coder, code_chunk, load_codebook

# Excerpts read, coded and saved per batch. Each batch is one read of the lake's excerpts (a
# lake has no index: asking for a few ids reads the whole text column) and one commit, so the
# batch is large: at 2,000, a 300,000-excerpt `litrev code --all` made 150 reads and commits
# (49.8 s); at 20,000, 15 (17.3 s), with the same peak memory (about 580 MB). Coding a first
# harvest's 300,000 excerpts, reads took 4.2-6.0 s and saves 2.6-3.5 s at 20,000, 2.8-3.2 s and
# 1.7-2.1 s at 50,000 (6 of each), for 30-50 MB more at the peak.
BATCH_SIZE = 50_000
DEFAULT_TARGET_LANGUAGE = "en"

if TYPE_CHECKING:
    import pandas as pd


def profile_codebook(profile: Profile | None) -> Codebook:
    """The profile's codebook (review.codebook), or the bundled default."""
    return load_codebook(profile.codebook_path if profile is not None else None)


@dataclass(frozen=True)
class CodingRun:
    """What one coding run did.

    ``codebook_version``: the codebook's version key (its version plus a hash of its terms);
    ``codebook_changed``: everything was recoded; ``coded``: excerpts coded; ``matches``: theme
    matches saved; ``languages_without_terms``: detected languages the codebook has no terms
    for (their excerpts match only through a translation); ``themes``: excerpts per theme in
    the corpus; ``index``: texts in the full-text index per stemmer.
    """

    codebook: str
    codebook_version: str
    codebook_changed: bool
    target_language: str
    coded: int
    matches: int
    languages_without_terms: list[str]
    themes: dict[str, int]
    index: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON (``--json``, the harvest summary stored in the ledger)."""
        return asdict(self)


def run_coding(db_path: str | os.PathLike[str], profile: Profile | None, *,
               everything: bool = False, codebook: Codebook | None = None,
               batch_size: int = BATCH_SIZE, now: dt.datetime | None = None,
               workers: int | None = None) -> CodingRun:
    """Code what needs coding and rebuild the full-text index.

    ``workers``: worker processes for the coding (None: ``LITREV_WORKERS`` when it is set,
    else this process; 1: this process)."""
    from litrev.store.db import waiting_write_session
    from litrev.store.search import refreshing_index
    from litrev.store.themes import (
        coding_batch,
        coding_complete,
        coding_todo,
        drop_stale,
        mark_coding_complete,
        save_codebook,
        theme_counts,
    )

    codebook = codebook or profile_codebook(profile)
    target = profile.target_language if profile is not None else DEFAULT_TARGET_LANGUAGE
    version = codebook.version_key
    coder: Coder | None = None  # built for the first batch: a quiet night codes nothing
    if workers is None and worker_setting() is None:
        workers = 1  # see the module's docstring: a pool does not pay for coding
    coded = matches = 0
    no_terms: set[str] = set()
    with waiting_write_session(db_path) as con:
        changed = save_codebook(con, codebook)
        known_complete = not (everything or changed) and coding_complete(con, version, target)
        todo = [] if known_complete else \
            coding_todo(con, version, target, everything=everything or changed)
        work = partial(code_chunk, codebook=codebook, target_language=target)
        coding: list[tuple[pd.DataFrame, Iterator[list[dict[str, Any]]]]] = []
        # the index of the searchable texts is rebuilt alongside: coding commits only themes
        with refreshing_index(con) as index_refresh, Workers(len(todo), workers) as pool:
            for start in range(0, len(todo), batch_size):
                batch = coding_batch(con, todo[start:start + batch_size], target)
                rows = _rows(batch)
                coder = coder or Coder(codebook)
                no_terms |= {lang for lang in (r["language"] for r in rows)
                             if isinstance(lang, str) and not coder.has_terms_for(lang)}
                # workers code this batch while this process saves the one before; alone, it
                # codes and saves one batch at a time
                coding.append((batch, pool.start(work, rows)))
                if len(coding) > 1 or pool.workers <= 1:
                    matches += _saved(con, version, *coding.pop(0), now=now)
                coded += len(batch)
            for batch, found in coding:
                matches += _saved(con, version, batch, found, now=now)
            if changed or everything:
                drop_stale(con, version)
        index = index_refresh.result()
        if not known_complete:
            mark_coding_complete(con, version, target)
        counts = theme_counts(con)
    return CodingRun(
        codebook=codebook.id,
        codebook_version=version,
        codebook_changed=changed,
        target_language=target,
        coded=coded,
        matches=matches,
        languages_without_terms=sorted(no_terms),
        themes={r["theme_id"]: int(r["excerpts"]) for r in counts.to_dict("records")},
        index=index,
    )


def _rows(batch: pd.DataFrame) -> list[dict[str, Any]]:
    """The batch's rows as dicts, read column by column: half the time of
    ``to_dict("records")``, which boxes every value on its own (measured on 20,000 rows)."""
    columns = {name: batch[name].tolist() for name in batch.columns}
    return [dict(zip(columns, values, strict=True))
            for values in zip(*columns.values(), strict=True)]


def _saved(con: Any, version: str, batch: pd.DataFrame,
           found: Iterator[list[dict[str, Any]]], *, now: dt.datetime | None) -> int:
    """Save one batch's matches (waiting for the workers coding it); how many were saved."""
    from litrev.store.themes import save_coding

    return save_coding(con, version, batch, [m for per_row in found for m in per_row], now=now)
