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
    def pairs(name: str) -> dict[str, int]:
        return {str(k): int(v) for k, v in con.execute(internal(name).sql).fetchall()}

    works, excerpts = one_row(
        con, "SELECT (SELECT count(*) FROM works), (SELECT count(*) FROM excerpts)")
    result = con.execute(internal("status_last_runs").sql)
    names = [d[0] for d in result.description or []]
    runs = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    return CorpusStatus(
        works=int(works),
        excerpts=int(excerpts),
        excerpts_by_kind=pairs("status_by_kind"),
        excerpts_by_language=pairs("status_by_language"),
        translation_status=translation_counts(con, target_language),
        last_runs=[RunTotals(
            run_id=r["run_id"], started_at=r["started_at"], finished_at=r["finished_at"],
            status=RunStatus(r["status"]), trigger=r["trigger"],
            records_retrieved=int(r["records_retrieved"]), new_records=int(r["new_records"]),
            failed_sources=int(r["failed_sources"])) for r in runs],
    )


def translation_counts(con: duckdb.DuckDBPyConnection,
                       target_language: str | None) -> dict[str, int]:
    """Excerpts by translation status into ``target_language``, most first: 'not needed' when
    the excerpt is in that language already, 'untranslated' when its text has no translation
    row. Without a target language every translation row counts (an excerpt translated into
    two languages counts twice).

    The grouping runs in DuckDB (one row per language and combination of translations, a
    handful); choosing the target happens here, so that the statement binds no value.
    """
    counts: Counter[str] = Counter()
    for language, translations, excerpts in con.execute(
            internal("status_translation").sql).fetchall():
        if target_language is None:
            for t in translations:
                counts[str(t["status"])] += int(excerpts)
            if not translations:
                counts["untranslated"] += int(excerpts)
        elif language == target_language:
            counts["not needed"] += int(excerpts)
        else:
            status = next((str(t["status"]) for t in translations
                           if t["target"] == target_language), "untranslated")
            counts[status] += int(excerpts)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
