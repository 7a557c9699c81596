"""The data of the run report (`litrev report`): counts, tallies and the listed records.

Why apart from the rendering (``litrev/flows/report.py``): these are plain read-only queries over
the corpus, testable without a plotting library, and reusable by anything else that wants the same
figures (a notebook, another report format). Every statement lives in
``litrev/store/sql/report_*.sql``.

    with read_session(db) as con:
        data = report_data(con, target_language="en")
    data.seed_stances[["stance", "statements"]].values.tolist()
    # -> [['mentioning', 2], ['supporting', 1], ['unclassified', 1]]
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from litrev.store.db import frame
from litrev.store.sqlfiles import internal
from litrev.store.status import translation_counts

DEFAULT_ROW_LIMIT = 500


@dataclass(frozen=True)
class ReportData:
    overview: dict
    themes_by_language: pd.DataFrame  # theme_id, label, language, excerpts
    by_year: pd.DataFrame             # year (NA = no year), synthetic, excerpts
    seed_stances: pd.DataFrame        # seed_work_id, seed_doi, seed_title, stance, synthetic, ...
    prisma: pd.DataFrame              # per source: identified, duplicates, ..., screened
    translation_status: pd.DataFrame  # status, excerpts
    excerpts: pd.DataFrame            # the listed records (at most ``row_limit``)
    target_language: str | None
    row_limit: int


def _run(con: duckdb.DuckDBPyConnection, name: str, **params: object) -> pd.DataFrame:
    q = internal(name)
    return frame(con, q.sql, q.bind(params))


# The report's PRISMA columns, from the one PRISMA definition (the saved query prisma_counts).
_PRISMA_COLUMNS = {"source": "source", "platform": "platform", "runs": "runs",
                   "hits_reported": "hits_reported", "records_identified": "identified",
                   "duplicates_in_run": "duplicates", "found_before": "already_stored",
                   "excluded_by_automation": "excluded_automation",
                   "withdrawn": "removed_other", "records_screened": "screened",
                   "failed_searches": "failed_searches", "searches": "searches"}


def _prisma(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    from litrev.store.queries import get_query

    saved = get_query("prisma_counts")
    counts = frame(con, saved.sql, saved.bind({}))
    return counts[list(_PRISMA_COLUMNS)].rename(columns=_PRISMA_COLUMNS)


def report_data(con: duckdb.DuckDBPyConnection, *, target_language: str | None = None,
                row_limit: int = DEFAULT_ROW_LIMIT) -> ReportData:
    """Everything the report shows, read from one connection (a snapshot is fine).

    Without a target language (no profile) the report uses the language most translations are
    into, else English, as the exports do.
    """
    if not target_language:
        from litrev.store.export import default_target_language

        target_language = default_target_language(con, None)
    overview = _run(con, "report_overview").to_dict("records")[0]
    status = pd.DataFrame(list(translation_counts(con, target_language).items()),
                          columns=["status", "excerpts"])
    return ReportData(
        overview={k: (None if v is None or v != v else v) for k, v in overview.items()},
        themes_by_language=_run(con, "report_themes_by_language"),
        by_year=_run(con, "report_by_year"),
        seed_stances=_run(con, "report_seed_stances"),
        prisma=_prisma(con),
        translation_status=status,
        excerpts=_run(con, "report_excerpts", target=target_language, limit=row_limit),
        target_language=target_language,
        row_limit=row_limit,
    )
