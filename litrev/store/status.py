"""Corpus status: what `litrev status` shows. Works on an empty database.

Why no pandas and no bound values here: `litrev status` is the command a reviewer types most
and answers in under half a second (``bench/startup.py``). Importing pandas alone takes about
0.8 s, and DuckDB 1.5.5 imports it to bind any parameter value, so every statement of this
module binds nothing and rows are read with ``fetchall``.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

import duckdb

from litrev.store.db import one_row
from litrev.store.sqlfiles import internal
from litrev.vocabulary import RunStatus


@dataclass(frozen=True)
class RunTotals:
    """One recent harvest run with the totals of its searches."""

    run_id: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    status: RunStatus
    trigger: str
    records_retrieved: int
    new_records: int
    failed_sources: int


@dataclass(frozen=True)
class CorpusStatus:
    """Counts of the corpus: works, excerpts by kind and language, translations by status
    (into the target language asked for), and the five most recent runs, newest first."""

    works: int
    excerpts: int
    excerpts_by_kind: dict[str, int]
    excerpts_by_language: dict[str, int]
    translation_status: dict[str, int]
    last_runs: list[RunTotals]

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON (``litrev status --json``); times in ISO 8601."""
        out = asdict(self)
        out["last_runs"] = [{k: v.isoformat() if isinstance(v, dt.datetime) else v
                             for k, v in run.items()} for run in out["last_runs"]]
        return out


def corpus_status(con: duckdb.DuckDBPyConnection, *,
                  target_language: str | None = None) -> CorpusStatus:
    (works,) = one_row(con, "SELECT count(*) FROM works")
    result = con.execute(internal("status_last_runs").sql)
    names = [d[0] for d in result.description or []]
    runs = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    groups = excerpt_groups(con)
    by_kind: Counter[str] = Counter()
    by_language: Counter[str] = Counter()
    for group in groups:
        by_kind[group.kind] += group.excerpts
        by_language[group.language or "unknown"] += group.excerpts
    return CorpusStatus(
        works=int(works),
        excerpts=sum(group.excerpts for group in groups),
        excerpts_by_kind=dict(sorted(by_kind.items())),
        excerpts_by_language=dict(sorted(by_language.items(),
                                         key=lambda item: (-item[1], item[0]))),
        translation_status=_translation_counts(groups, target_language),
        last_runs=[RunTotals(
            run_id=r["run_id"], started_at=r["started_at"], finished_at=r["finished_at"],
            status=RunStatus(r["status"]), trigger=r["trigger"],
            records_retrieved=int(r["records_retrieved"]), new_records=int(r["new_records"]),
            failed_sources=int(r["failed_sources"])) for r in runs],
    )


@dataclass(frozen=True)
class ExcerptGroup:
    """Excerpts of one kind and language whose texts have the same translations (target
    language and status of each)."""

    kind: str
    language: str | None
    translations: tuple[tuple[str, str], ...]
    excerpts: int


def excerpt_groups(con: duckdb.DuckDBPyConnection) -> list[ExcerptGroup]:
    """The corpus's excerpts counted by kind, language and translations (a handful of rows):
    what the status's counts are added up from, read in one statement."""
    return [ExcerptGroup(str(kind), language,
                         tuple((str(t["target"]), str(t["status"])) for t in translations),
                         int(excerpts))
            for kind, language, translations, excerpts in con.execute(
                internal("status_excerpts").sql).fetchall()]


def translation_counts(con: duckdb.DuckDBPyConnection,
                       target_language: str | None) -> dict[str, int]:
    """Excerpts by translation status into ``target_language``, most first: 'not needed' when
    the excerpt is in that language already, 'untranslated' when its text has no translation
    row. Without a target language every translation row counts (an excerpt translated into
    two languages counts twice).

    The grouping runs in DuckDB (:func:`excerpt_groups`); choosing the target happens here,
    so that the statement binds no value."""
    return _translation_counts(excerpt_groups(con), target_language)


def _translation_counts(groups: list[ExcerptGroup],
                        target_language: str | None) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for group in groups:
        if target_language is None:
            for _, status in group.translations:
                counts[status] += group.excerpts
            if not group.translations:
                counts["untranslated"] += group.excerpts
        elif group.language == target_language:
            counts["not needed"] += group.excerpts
        else:
            status = next((status for target, status in group.translations
                           if target == target_language), "untranslated")
            counts[status] += group.excerpts
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
