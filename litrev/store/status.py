"""Corpus status: what `litrev status` shows. Works on an empty database."""

from __future__ import annotations

import duckdb

from litrev.store.db import frame, one_row
from litrev.store.sqlfiles import internal


def corpus_status(con: duckdb.DuckDBPyConnection, *, target_language: str | None = None) -> dict:
    def pairs(name: str, **params: object) -> dict[str, int]:
        q = internal(name)
        return {str(k): int(v) for k, v in con.execute(q.sql, q.bind(params)).fetchall()}

    works, excerpts = one_row(
        con, "SELECT (SELECT count(*) FROM works), (SELECT count(*) FROM excerpts)")
    runs = frame(con, internal("status_last_runs").sql)
    return {
        "works": int(works),
        "excerpts": int(excerpts),
        "excerpts_by_kind": pairs("status_by_kind"),
        "excerpts_by_language": pairs("status_by_language"),
        "translation_status": pairs("status_translation", target=target_language),
        "last_runs": [
            {k: (None if v is None or v != v else (v.isoformat() if hasattr(v, "isoformat")
                                                    else v))
             for k, v in row.items()}
            for row in runs.to_dict("records")
        ],
    }
