"""The ``files`` source: the exports a reviewer drops into a folder (RIS, BibTeX, CSV and other
delimited tables incl. scite.ai exports, JSON Lines, PubMed/MEDLINE, Web of Science plain text
and tab-delimited; see :mod:`litrev.extract.importers`).

Each file in ``[sources.files] folder`` is one search (``query_key`` = the file name), reported
in PRISMA as "records identified from databases" (exports a reviewer made elsewhere). Every
visible file is read and its format sniffed from its content, whatever its suffix (a RIS export
saved as ``.txt`` is read). A file that is no import (binary, empty, a README) is one search
with no records whose ``error`` says why it was skipped; one with an import suffix fails, so the
run says a source failed; one without (notes, READMEs) is reported and succeeds.

PRISMA counts: ``hits_reported`` is the number of records in the file (those read plus the
entries that had to be skipped); lines that are no record (export banners) and repaired bytes
are listed in ``error`` but never counted. ``max_records`` never applies to a file the user
dropped in: every record of every file is loaded.

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
from litrev.vocabulary import SearchStatus

NAME = "files"
PLATFORM = "local import folder"
MAX_PROBLEMS_SHOWN = 20
EMPTY_FOLDER_KEY = "(empty folder)"


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
    """Every visible file of ``folder``, by name: each is sniffed when read (hidden files, such
    as ``.DS_Store``, are not the user's exports)."""
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def iter_records(folder: Path, *, max_records: int | None = None) -> Iterator[SourceRecord]:
    """Every record of every file in ``folder``.

    ``max_records`` is accepted for the shape every source has, and refused when the folder
    holds more: a cap never applies silently to files the user dropped in.
    """
    count = 0
    for path in import_files(folder):
        for record in read_file(path.read_bytes(), path.name).records:
            count += 1
            if max_records is not None and count > max_records:
                raise SourceFailed(f"files: {folder} holds more than {max_records} records; "
                                   "read it without a cap (import files are never cut short)")
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


def _summary(report: ImportResult) -> str | None:
    if not report.problems:
        return None
    shown = [str(p) for p in report.problems[:MAX_PROBLEMS_SHOWN]]
    more = len(report.problems) - len(shown)
    return "; ".join(shown) + (f"; and {more} more" if more else "")


def harvest(ctx: HarvestContext) -> list[SearchResult]:
    folder = _folder(ctx)
    paths = import_files(folder)
    ctx.plan(len(paths) or 1)  # an empty folder is one search too (below)
    if not paths:
        # an empty folder is one search with no records, so the ledger and the run's summary
        # say the folder was read and held nothing (and where the files should go)
        return [SearchResult(
            source=NAME, query_key=EMPTY_FOLDER_KEY, query=f"import folder {folder} (no files)",
            platform=PLATFORM, update_method="incremental", hits_reported=0,
            query_url=str(folder),
            error=f"the import folder {folder} holds no files: drop RIS, BibTeX, CSV, PubMed, "
                  "Web of Science or JSONL exports there")]
    results = []
    for path in paths:
        body = path.read_bytes()
        watermark = content_watermark(body)
        result = SearchResult(source=NAME, query_key=path.name, query=f"import {path.name}",
                              platform=PLATFORM, update_method="incremental",
                              query_url=str(path))
        if ctx.state.get(path.name) == watermark:
            result.query = f"import {path.name} (unchanged since the last import; not re-read)"
            result.hits_reported = 0
            result.watermark = watermark
            results.append(result)
            continue
        report = read_file(body, path.name)
        skipped = report.file_skipped
        if skipped is not None:
            result.hits_reported = 0
            result.error = str(skipped)
            if format_of(path.name) is not None:  # an import suffix: the user meant it
                result.status = SearchStatus.FAILED
            else:
                result.watermark = watermark  # a note or README: said once, not every night
            results.append(result)
            continue
        result.filters = f"format {report.format}" + (
            f", encoding {report.encoding}" if report.encoding not in (None, "utf-8") else "")
        result.records = mark_seeds(report.records, ctx.profile.seed_dois)
        result.hits_reported = report.entries
        result.error = _summary(report)
        result.watermark = watermark
        ctx.progress(path.name, len(result.records))
        results.append(result)
    return results


__all__ = ["NAME", "PLATFORM", "FORMATS", "harvest", "iter_records", "parse", "parse_report",
           "to_record"]
