"""What one harvest did, as dataclasses: per source, what the write stored, and the whole run.

Why dataclasses: the CLI, the demo, the Prefect artifact and the ledger's ``summary`` column
read the same facts; named fields are checked by the type checker where keys of a dict were
not. :meth:`HarvestSummary.as_dict` is the JSON form (``litrev harvest --json``, the ledger)::

    summary.status, [row.source for row in summary.sources]
    # -> ('partial', ['crossref', 'files', 'openalex'])
    summary.as_dict()["sources"][0]["errors"]
    # -> ['api.crossref.org: name not resolved, no network?']

No Prefect here, so the summary can be built and printed without importing it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from litrev.vocabulary import RunStatus, SearchStatus

STEPS = ("translation", "coding")


@dataclass
class SourceRow:
    """One source in the run: its queries as sent and the ledger counts summed over them."""

    source: str
    status: str = SearchStatus.SUCCEEDED
    queries: list[str] = field(default_factory=list)
    hits_reported: int | None = None
    retrieved: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    withdrawn: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class WrittenBatch:
    """What the harvest's one write stored: per source the ledger's counts, the run's status
    as the searches make it, the languages detected in this run, the load's counts
    (``litrev.store.load.LoadCounts``) and how many watermarks were saved. Small: it is a
    task's return value, and no record or id list rides in it."""

    sources: list[SourceRow]
    status: RunStatus
    languages: dict[str, int]
    load: Any
    watermarks: int


@dataclass(frozen=True)
class StepFailed:
    """A translation or coding step that raised: the run goes on and what it loaded stays; the
    step's result is this instead of its run (``TranslationRun``, ``CodingRun``)."""

    error: str


def step_error(result: Any) -> str | None:
    """The error of a translation or coding step's result, if it failed."""
    return result.error if isinstance(result, StepFailed) else None


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return value


@dataclass
class HarvestSummary:
    """The run as ``litrev harvest`` prints it and the ledger keeps it."""

    run_id: str
    status: str
    review: str
    trigger: str
    database: str
    started_at: str
    finished_at: str
    sources: list[SourceRow]
    languages: dict[str, int]
    new_excerpts: int
    works_total: int
    excerpts_total: int
    watermarks_saved: int
    translation: Any = None
    coding: Any = None
    translation_backlog: dict[str, int] = field(default_factory=dict)
    log_path: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["sources"] = [dataclasses.asdict(row) for row in self.sources]
        out["translation"], out["coding"] = _plain(self.translation), _plain(self.coding)
        return out

    @property
    def failed_sources(self) -> list[str]:
        return [row.source for row in self.sources if row.status != SearchStatus.SUCCEEDED]

    def step_errors(self) -> dict[str, str]:
        """``{"translation": "...", "coding": "..."}`` for the steps that failed."""
        errors = {step: step_error(getattr(self, step)) for step in STEPS}
        return {step: error for step, error in errors.items() if error}


def run_status(results: Sequence[Any]) -> RunStatus:
    """Of the searches' ledger entries (``litrev.store.ledger.SearchEntry``): ``succeeded``
    when every search succeeded; ``partial`` when a source failed but another delivered;
    ``failed`` when none delivered anything."""
    failed_sources = {r.source for r in results if r.status != SearchStatus.SUCCEEDED}
    if not failed_sources:
        return RunStatus.SUCCEEDED
    ok = {r.source for r in results if r.status == SearchStatus.SUCCEEDED or r.work_ids}
    return RunStatus.PARTIAL if ok else RunStatus.FAILED


def source_rows(entries: Sequence[Any], counts: Sequence[Any]) -> list[SourceRow]:
    """Per source: queries as sent, hits reported, retrieved, new, updated, duplicates, errors."""
    rows: dict[str, SourceRow] = {}
    for e, c in zip(entries, counts, strict=True):
        row = rows.setdefault(e.source, SourceRow(source=e.source))
        row.queries.append(e.query)
        if e.hits_reported is not None:
            row.hits_reported = (row.hits_reported or 0) + e.hits_reported
        row.retrieved += c.records_retrieved
        row.new += c.new_records
        row.updated += c.updated_records
        row.unchanged += c.unchanged_records
        row.duplicates += c.duplicates_within + c.duplicates_across
        row.withdrawn += c.removed_other
        if e.status != SearchStatus.SUCCEEDED:
            if row.status == SearchStatus.SUCCEEDED:
                row.status = e.status
            if e.error and e.error not in row.errors:
                row.errors.append(e.error)
    return [rows[k] for k in sorted(rows)]


_URL = re.compile(r"https?://[^\s\"'<>;,)]+")


def for_people(text: str) -> str:
    """``text`` with every URL cut to host and path: what a person needs to see on a console
    (the log file keeps the whole URL, keys redacted).

    >>> for_people("gave up at https://api.openalex.org/works?filter=cites:W1&mailto=a@b.org")
    'gave up at api.openalex.org/works'
    """
    def short(match: re.Match[str]) -> str:
        parts = urlsplit(match.group(0))
        return (parts.netloc or "") + (parts.path if parts.path != "/" else "")

    return _URL.sub(short, text)


def summary_markdown(summary: HarvestSummary) -> str:
    """The Prefect artifact of the run: the ledger's table per source, languages, backlog."""
    lines = [f"# Harvest {summary.run_id} — {summary.status}", "",
             f"Review: {summary.review}; trigger: {summary.trigger}; started "
             f"{summary.started_at}; finished {summary.finished_at}.", "",
             "| source | status | query as sent | hits reported | retrieved | new | updated | "
             "duplicates | errors |",
             "|---|---|---|---|---|---|---|---|---|"]
    for row in summary.sources:
        cells = [row.source, row.status, "<br>".join(row.queries),
                 "" if row.hits_reported is None else str(row.hits_reported),
                 str(row.retrieved), str(row.new), str(row.updated),
                 str(row.duplicates), "<br>".join(row.errors)]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    langs = ", ".join(f"{k} {v}" for k, v in summary.languages.items()) or "none"
    backlog = summary.translation_backlog
    lines += ["", f"Languages detected in this run: {langs}.",
              f"Translation backlog: {sum(backlog.values())} "
              f"({', '.join(f'{k} {v}' for k, v in backlog.items()) or 'none'})."]
    for step, error in summary.step_errors().items():
        lines.append(f"{step.capitalize()} failed: {error}")
    if summary.log_path:
        lines.append(f"Log: {summary.log_path}")
    return "\n".join(lines) + "\n"


# Tables a harvest writes that do not change the translation backlog.
LEDGER_TABLES = frozenset({"harvest_runs", "search_log", "source_state"})


def translation_backlog(db: Path, target_language: str) -> dict[str, int]:
    """Excerpts still waiting for a translation: untranslated, pending, failed.

    Counting them reads every excerpt; so when nothing but the ledger was written since the
    last finished run counted them (a quiet night), that run's count is the answer."""
    from litrev.store.db import read_session
    from litrev.store.status import corpus_status

    with read_session(db) as con:
        unchanged = _backlog_if_unchanged(con, target_language)
        if unchanged is not None:
            return unchanged
        status = corpus_status(con, target_language=target_language).translation_status
    return {k: v for k, v in status.items() if k in ("untranslated", "pending", "failed")}


def _backlog_if_unchanged(con: Any, target_language: str) -> dict[str, int] | None:
    import json

    from litrev.store.sqlfiles import internal

    q = internal("backlog_of_last_run")
    row = con.execute(q.sql, q.bind({"target": target_language})).fetchone()
    if row is None or row[0] is None or row[1] is None:
        return None
    q = internal("tables_changed_since")
    changed = {r[0] for r in con.execute(q.sql, q.bind({"snapshot": int(row[1])})).fetchall()}
    if not changed <= LEDGER_TABLES:
        return None
    backlog = json.loads(row[0])
    return {str(k): int(v) for k, v in backlog.items()}
