"""Corpus status: what `litrev status` shows. Works on an empty database."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import duckdb
import pandas as pd

from litrev.store.db import frame, one_row
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
    def pairs(name: str, **params: object) -> dict[str, int]:
        q = internal(name)
        return {str(k): int(v) for k, v in con.execute(q.sql, q.bind(params)).fetchall()}

    works, excerpts = one_row(
        con, "SELECT (SELECT count(*) FROM works), (SELECT count(*) FROM excerpts)")
    runs = frame(con, internal("status_last_runs").sql).to_dict("records")
    return CorpusStatus(
        works=int(works),
        excerpts=int(excerpts),
        excerpts_by_kind=pairs("status_by_kind"),
        excerpts_by_language=pairs("status_by_language"),
        translation_status=pairs("status_translation", target=target_language),
        last_runs=[RunTotals(
            run_id=r["run_id"], started_at=_datetime(r["started_at"]),
            finished_at=None if pd.isna(r["finished_at"]) else _datetime(r["finished_at"]),
            status=RunStatus(r["status"]), trigger=r["trigger"],
            records_retrieved=int(r["records_retrieved"]), new_records=int(r["new_records"]),
            failed_sources=int(r["failed_sources"])) for r in runs],
    )


def _datetime(value: Any) -> dt.datetime:
    """A frame's timestamp (pandas ``Timestamp``) as a plain ``datetime``."""
    return value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
