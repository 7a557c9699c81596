"""The ``files`` source: RIS, BibTeX, CSV (incl. scite.ai exports) and JSON Lines in a folder.

Each file in ``[sources.files] folder`` is one search (``query_key`` = the file name), reported
in PRISMA as "records identified from databases" (exports a reviewer made elsewhere).

Why a content hash as watermark: a nightly run must not re-read files nobody touched, yet an
edited file (same name, new content) must be read again. The watermark is ``sha256:<hex>``
of the file's bytes; an unchanged file is reported with no records and the same watermark.
Re-importing never duplicates anyway: record ids are the entry's own id or
``<file name>#L<line>``, and work and excerpt ids are stable.

A malformed entry is skipped; the search still succeeds and its ``error`` lists each skipped
entry as ``file:line: why`` (the ledger keeps it), e.g.
``scite-otte.csv:4: no citation statement text (columns Snippet / Citation Statement)``.

    results = harvest(HarvestContext(profile, profile.sources["files"]))
    [(r.query_key, len(r.records), r.error) for r in results]
    # -> [('scite-otte.csv', 4, 'scite-otte.csv:4: no citation statement text ...')]
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from litrev.extract.errors import SourceFailed
from litrev.extract.importers import FORMATS, ImportResult, format_of, read_file
from litrev.extract.importers.jsonl import statement_record, work_record
from litrev.extract.records import SourceRecord
from litrev.extract.sources import HarvestContext, SearchResult, mark_seeds

NAME = "files"
PLATFORM = "local import folder"
MAX_PROBLEMS_SHOWN = 20


def content_watermark(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def to_record(raw: dict) -> SourceRecord:
    """One entry in the JSON Lines shape (a work, or a statement with citing/cited)."""
    if "text" in raw and ("citing" in raw or "cited" in raw):
        return statement_record(raw, "entry", 1)
    return work_record(raw, "entry", 1)


def parse(body: bytes, name: str = "import") -> list[SourceRecord]:
    """The records of one import file (malformed entries skipped; see :func:`parse_report`)."""
    return parse_report(body, name).records


def parse_report(body: bytes, name: str = "import") -> ImportResult:
    """Records and the problems (file, line, why) of one import file."""
    return read_file(body, name)


def import_files(folder: Path) -> list[Path]:
    """The files of ``folder`` litrev can import, by name; hidden files and notes are ignored."""
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith(".") and format_of(p.name))


def iter_records(folder: Path, *, max_records: int) -> Iterator[SourceRecord]:
    """Every record of every file in ``folder``, at most ``max_records`` in all."""
    count = 0
    for path in import_files(folder):
        for record in read_file(path.read_bytes(), path.name).records:
            if count >= max_records:
                return
            count += 1
            yield record


def _folder(ctx: HarvestContext) -> Path:
    value = ctx.option("folder")
    if not value:
        raise SourceFailed('files: no folder set; add folder = "imports" under [sources.files] '
                           "in the profile")
    folder = Path(value)
    if not folder.is_dir():
        raise SourceFailed(f"files: the import folder {folder} does not exist; create it and "
                           "drop RIS, BibTeX, CSV or JSONL files there, or fix [sources.files] "
                           "folder")
    return folder


def harvest(ctx: HarvestContext) -> list[SearchResult]:
    folder = _folder(ctx)
    results = []
    for path in import_files(folder):
        body = path.read_bytes()
        watermark = content_watermark(body)
        fmt = format_of(path.name)
        result = SearchResult(source=NAME, query_key=path.name, query=f"import {path.name}",
                              platform=PLATFORM, filters=f"format {fmt}",
                              update_method="incremental", query_url=str(path))
        if ctx.state.get(path.name) == watermark:
            result.query = f"import {path.name} (unchanged since the last import; not re-read)"
            result.hits_reported = 0
            result.watermark = watermark
            results.append(result)
            continue
        report = read_file(body, path.name)
        records = mark_seeds(report.records, ctx.profile.seed_dois)
        result.hits_reported = len(records) + sum(1 for p in report.problems if p.line)
        if len(records) > ctx.max_records:
            result.limits = f"first {ctx.max_records} records (max_records)"
            records = records[:ctx.max_records]
        result.records = records
        if report.problems:
            shown = [str(p) for p in report.problems[:MAX_PROBLEMS_SHOWN]]
            more = len(report.problems) - len(shown)
            result.error = "skipped: " + "; ".join(shown) + (f"; and {more} more" if more else "")
        result.watermark = watermark
        ctx.progress(path.name, len(records))
        results.append(result)
    return results


__all__ = ["NAME", "PLATFORM", "FORMATS", "harvest", "iter_records", "parse", "parse_report",
           "to_record"]
