"""`litrev parse SOURCE FILE`: what one saved API response or import file would store.

For users debugging a source (did the abstract come through? which language hint? which
DOI?) and for tests: the same parser a harvest uses, without HTTP and without the database.

    $ litrev parse oaipmh helda.xml
    works (1)
    work_id           doi  title                                                year  language ...
    handle:1975/7634       Perunan typpilannoitus luonnonmukaisessa viljelyssä  2007  fi       ...

``--format jsonl`` prints one JSON object per record (its work, excerpts, related works and
citation pairs), exactly the fields of :class:`extract.records.SourceRecord`. For the
``files`` source every skipped entry, ignored line and repaired byte is listed on standard error
with its line, and the command exits with 2 when the file yields no record (a binary or empty
file, a format it cannot read), so scripts notice an export that is not what they think.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from litrev.flows.cli import add_command
from litrev.flows.errors import UsageError

if TYPE_CHECKING:
    from litrev.extract.records import SourceRecord

EXIT_NO_RECORDS = 2
_PROBLEM_LABELS = {"entry skipped": "entries skipped", "ignored": "runs of lines ignored",
                   "warning": "warnings", "file skipped": "file skipped"}

EXAMPLE = """\
litrev parse oaipmh saved/helda_listrecords.xml
litrev parse openalex saved/works_page.json --format jsonl
litrev parse files imports/scite-otte-2020.csv
litrev parse semanticscholar saved/citations.json --paper 10.1177/0020764020904764
litrev parse europepmc-fulltext PMC3166277.xml --cites 10.1534/genetics.108.098624"""

WORK_COLUMNS = ["work_id", "doi", "title", "year", "language", "authors", "is_seed"]
EXCERPT_COLUMNS = ["excerpt_id", "work_id", "kind", "cited_work_id", "section", "stance",
                   "language_hint", "text"]


def register(subparsers) -> None:
    from litrev.extract.profile import SOURCE_NAMES

    p = add_command(subparsers, "parse", help="show the works, excerpts and citations one saved "
                    "API response or import file would store (no database, no network)",
                    example=EXAMPLE)
    p.add_argument("source", choices=SOURCE_NAMES, metavar="SOURCE",
                   help=f"the source that produced FILE: {', '.join(SOURCE_NAMES)}")
    p.add_argument("file", metavar="FILE", help="a saved response body or an import file")
    p.add_argument("--paper", metavar="DOI",
                   help="semanticscholar: the paper whose citations or references FILE lists "
                        "(its citation contexts are linked to it)")
    p.add_argument("--cites", metavar="DOI",
                   help="europepmc-fulltext: the cited work whose citation statements to find "
                        "in the JATS full text FILE")
    p.add_argument("--format", choices=("table", "jsonl"), default="table",
                   help="table: works, excerpts and citations as tables (default); jsonl: one "
                        "JSON object per record")
    p.set_defaults(func=cmd_parse)


def parse_file(source: str, path: Path, *, paper_doi: str | None = None,
               cites_doi: str | None = None) -> tuple[list, list]:
    """(records, problems) of one saved response or import file; problems are
    :class:`litrev.extract.importers.Problem` (files source only)."""
    from litrev.extract.sources import source_module

    module = source_module(source)
    try:
        body = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise UsageError(f"{path} is a folder; pass one saved response or import file") \
            from None
    if source == "files":
        report = module.parse_report(body, path.name)
        return report.records, list(report.problems)
    parse = getattr(module, "parse", None)
    if parse is None:
        raise UsageError(f"source {source!r} cannot parse saved responses in this version")
    if cites_doi:
        if "cites" not in inspect.signature(parse).parameters:
            raise UsageError(f"--cites applies to europepmc-fulltext, not to {source}")
        from litrev.extract.records import Work

        cited = Work.create(doi=cites_doi)
        if not cited.doi:
            raise UsageError(f"--cites {cites_doi!r} is not a DOI (expected 10.xxxx/...)")
        return parse(body, cites=cited), []
    if paper_doi:
        if "paper" not in inspect.signature(parse).parameters:
            raise UsageError(f"--paper applies to semanticscholar, not to {source}")
        from litrev.extract.records import Work

        paper = Work.create(doi=paper_doi)
        if not paper.doi:
            raise UsageError(f"--paper {paper_doi!r} is not a DOI (expected 10.xxxx/...)")
        return parse(body, paper=paper), []
    return parse(body), []


def _record_json(record) -> dict:
    data = dataclasses.asdict(record)
    data["extra"] = {k: v for k, v in record.extra.items() if v not in (None, [], {})}
    return data


def cmd_parse(args, ctx) -> int:
    from litrev.flows.output import write_frame
    from litrev.store.load import records_to_batch

    records, problems = parse_file(args.source, Path(args.file), paper_doi=args.paper,
                                   cites_doi=args.cites)
    for problem in problems:
        print(f"litrev: {problem}", file=sys.stderr)
    if args.format == "jsonl":
        for record in records:
            print(json.dumps(_record_json(record), ensure_ascii=False, default=str))
    else:
        batch = records_to_batch(records)
        works = batch.works[WORK_COLUMNS]
        excerpts = batch.excerpts[EXCERPT_COLUMNS]
        for title, frame in (("works", works), ("excerpts", excerpts),
                             ("citations", batch.citations)):
            print(f"{title} ({len(frame)})")
            write_frame(frame, "table")
            print()
    for record in records:
        if "markers_without_sentence" in record.extra:
            _print_full_text_summary(record, args.cites)
    deleted = sum(1 for r in records if r.deleted)
    counts = Counter(_PROBLEM_LABELS.get(str(p.kind), str(p.kind)) for p in problems)
    print(f"{args.source}: {len(records)} records from {args.file}"
          + (f", {deleted} deleted" if deleted else "")
          + "".join(f", {n} {label}" for label, n in counts.items()), file=sys.stderr)
    if args.source == "files" and not records:
        return EXIT_NO_RECORDS
    return 0


def _print_full_text_summary(record: SourceRecord, cites: str | None) -> None:
    """What a full text gave for the cited work: reference, match method, uncounted markers."""
    extra = record.extra
    if extra["match"] is None:
        print(f"{extra['pmcid']}: no reference in its list is {cites} (by DOI, or title, year "
              "and first author); check the DOI", file=sys.stderr)
        return
    print(f"{extra['pmcid']}: {len(record.excerpts)} statements citing {cites} (reference "
          f"{', '.join(extra['ref_ids'])}, matched by {extra['match']}; "
          f"{extra['bibr_xrefs']} bibliography xrefs in the file)", file=sys.stderr)
    if extra["markers_without_sentence"]:
        print(f"{extra['pmcid']}: {extra['markers_without_sentence']} markers of it stand "
              "without a sentence (a bare table cell) and gave no statement", file=sys.stderr)
