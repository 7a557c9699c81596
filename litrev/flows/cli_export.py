"""`litrev export excerpts` and `litrev import-reviews`: the reviewers' tables, out and back in.

Export reads through the snapshot (``read_session``), so it works while a harvest runs; import
writes through ``write_session`` in one transaction.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from litrev.flows.cli import add_as_of, add_command, parse_params
from litrev.flows.context import Context
from litrev.flows.errors import UsageError
from litrev.vocabulary import ExcerptKind

EXPORT_EXAMPLE = """\
litrev export excerpts --theme role_clarity --lang fi --lang de -o review.xlsx
litrev export excerpts --kind citation_statement --since 2026-11-01 --format csv --excel -o new.csv
litrev export excerpts --query excerpts_of_theme -p theme=peer_networks --format html -o peer.html
litrev export excerpts --format ris -o works.ris
litrev export qdpx -o review.qdpx
litrev export qdpx --lang fi --kind citation_statement -o finnish-statements.qdpx"""


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--since expects a date written YYYY-MM-DD, got {value!r}") from None


def _describe(args) -> str:
    parts = [f"theme {', '.join(args.theme)}" if args.theme else "",
             f"language {', '.join(args.lang)}" if args.lang else "",
             f"kind {args.kind}" if args.kind else "",
             f"first seen since {args.since}" if args.since else "",
             f"saved query {args.query}" + (f" ({' '.join(args.param)})" if args.param else "")
             if args.query else ""]
    shown = "; ".join(p for p in parts if p)
    return f"filters: {shown}" if shown else "all excerpts"


def cmd_export_excerpts(args, ctx: Context) -> int:
    from litrev.store.db import read_session
    from litrev.store.export import export_excerpts, format_for, ids_from_saved_query

    fmt = format_for(args.output, args.format)
    if args.param and not args.query:
        raise UsageError("-p sets a parameter of a saved query: give --query NAME as well")
    if args.excel and fmt != "csv":
        raise UsageError("--excel adds the byte-order mark Excel needs to a CSV file; it only "
                         "applies to --format csv")
    since = _date(args.since) if args.since else None
    profile = ctx.profile(required=False)
    with read_session(ctx.db_path, as_of=args.as_of) as con:
        ids = ids_from_saved_query(con, args.query, parse_params(args.param)) \
            if args.query else None
        result = export_excerpts(
            con, args.output, fmt, themes=args.theme, languages=args.lang, kind=args.kind,
            since=since, excerpt_ids=ids, excel_bom=args.excel, description=_describe(args),
            target_language=profile.target_language if profile else None)
    count = result.excerpts
    print(f"exported {count} excerpt{'s' if count != 1 else ''} to {args.output} ({fmt}; "
          f"{_describe(args)})")
    if count == 0:
        print("nothing matched: check the filters with `litrev query run excerpts_by_language` "
              "or `litrev status`", file=sys.stderr)
    for warning in result.warnings():
        print(warning, file=sys.stderr)
    return 0


def cmd_export_qdpx(args: argparse.Namespace, ctx: Context) -> int:
    from litrev.flows.coding import profile_codebook
    from litrev.store.db import read_session
    from litrev.store.export import ids_from_saved_query
    from litrev.store.qdpx import QdpxSummary, write_qdpx

    if not str(args.output).lower().endswith(".qdpx"):
        raise UsageError(f"-o {args.output}: a REFI-QDA project file ends in .qdpx (the "
                         "analysis tools look for it); choose a name such as review.qdpx")
    if args.param and not args.query:
        raise UsageError("-p sets a parameter of a saved query: give --query NAME as well")
    since = _date(args.since) if args.since else None
    profile = ctx.profile(required=False)
    summary = QdpxSummary()
    with read_session(ctx.db_path, as_of=args.as_of) as con:
        ids = ids_from_saved_query(con, args.query, parse_params(args.param)) \
            if args.query else None
        count = write_qdpx(
            con, args.output, themes=args.theme, languages=args.lang, kind=args.kind,
            since=since, excerpt_ids=ids, codebook=profile_codebook(profile),
            target_language=profile.target_language if profile else None,
            project_name=profile.name if profile else "litrev review", summary=summary)
    print(f"exported {count} excerpt{'s' if count != 1 else ''} to {args.output} (REFI-QDA "
          f"project; {summary.sources} text sources in {summary.cases} "
          f"case{'s' if summary.cases != 1 else ''} (works), "
          f"{summary.codes} codes, {summary.codings} coded selections, {summary.notes} review "
          f"notes; {_describe(args)})")
    if summary.whole_text_codings:
        print(f"litrev: warning: {summary.whole_text_codings} theme matches code their whole "
              "text: the codebook's terms were not found again (was the codebook changed "
              "since coding? run `litrev harvest` or the coding step to re-code)",
              file=sys.stderr)
    for problem in summary.problems:
        print(f"litrev: warning: {problem}", file=sys.stderr)
    if count == 0:
        print("nothing matched: check the filters with `litrev query run excerpts_by_language` "
              "or `litrev status`", file=sys.stderr)
    return 0


def cmd_import_reviews(args, ctx: Context) -> int:
    from litrev.store.db import location_of, waiting_write_session
    from litrev.store.reviews import import_reviews, read_review_file

    read_review_file(args.file)  # refuse a bad file before taking the database for writing
    profile = ctx.profile(required=False)
    target = profile.target_language if profile else "en"
    if not location_of(ctx.db_path).exists:
        from litrev.store.errors import DatabaseMissing

        raise DatabaseMissing(f"no database at {ctx.db_path}; pass --db with the database the "
                              "table was exported from")
    with waiting_write_session(ctx.db_path) as con:
        s = import_reviews(con, args.file, target_language=target)
    print(f"read {s.rows_read} rows from {s.file}: {s.rows_with_input} with a decision, note or "
          f"corrected translation")
    print(f"reviews: {s.reviews_new} new, {s.reviews_updated} updated, {s.reviews_unchanged} "
          "unchanged")
    print(f"corrected translations stored as human: {s.translations_human}")
    if s.cut_cells_kept:
        where = ", ".join(f"row {line} {name.replace('_', ' ')}"
                          for line, name in s.cut_cells_kept)
        print(f"litrev: warning: {len(s.cut_cells_kept)} cell"
              f"{'s' if len(s.cut_cells_kept) > 1 else ''} ended with the export's cut marker "
              f"(a text longer than an Excel cell): the stored whole text was kept ({where}); "
              "to change such a text, export as CSV, which never cuts", file=sys.stderr)
    if s.unknown_ids:
        shown = ", ".join(s.unknown_ids[:10]) + (" ..." if len(s.unknown_ids) > 10 else "")
        print(f"litrev: warning: {len(s.unknown_ids)} excerpt id"
              f"{'s are' if len(s.unknown_ids) > 1 else ' is'} not in {ctx.db_path} and "
              f"{'were' if len(s.unknown_ids) > 1 else 'was'} skipped (exported from another "
              f"database?): {shown}", file=sys.stderr)
    return 0


def cmd_export_duckdb(args: argparse.Namespace, ctx: Context) -> int:
    from litrev.store.db import read_session
    from litrev.store.migrate import export_duckdb

    with read_session(ctx.db_path, as_of=args.as_of) as con:
        counts = export_duckdb(con, args.output)
    print(f"exported {len(counts)} tables to {args.output} (a plain DuckDB file: "
          f"{counts.get('works', 0)} works, {counts.get('excerpts', 0)} excerpts"
          + (f"; as of run {args.as_of}" if args.as_of else "") + ")")
    return 0


def register(subparsers) -> None:
    # The formats are checked when the command runs (store.export.format_for, with the list in
    # its error): importing store.export here would load DuckDB for every `litrev -h`.
    e = add_command(subparsers, "export", help="export tables for reviewers (excerpts with "
                    "translations, themes and provenance)", example=EXPORT_EXAMPLE)
    esub = e.add_subparsers(dest="export_command", metavar="SUBCOMMAND")
    e.set_defaults(func=lambda a, c: (e.print_help(), 2)[1])
    p = add_command(esub, "excerpts", help="export excerpts, original beside translation, to "
                    "xlsx, csv, markdown, html, parquet or ris", example=EXPORT_EXAMPLE)
    _add_filters(p)
    p.add_argument("--format", metavar="FORMAT",
                   help="xlsx, csv, markdown, html, parquet or ris (default: from the -o file "
                        "name's suffix)")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="the file to write")
    p.add_argument("--excel", action="store_true",
                   help="CSV only: start with a byte-order mark so Excel reads UTF-8 correctly")
    add_as_of(p)
    p.set_defaults(func=cmd_export_excerpts)

    p = add_command(esub, "qdpx", help="export the coded excerpts as a REFI-QDA project "
                    "(.qdpx) for NVivo, ATLAS.ti, MAXQDA or QDA Miner", example=EXPORT_EXAMPLE)
    _add_filters(p)
    p.add_argument("-o", "--output", required=True, metavar="FILE.qdpx",
                   help="the project file to write")
    add_as_of(p)
    p.set_defaults(func=cmd_export_qdpx)

    p = add_command(esub, "duckdb", help="copy the corpus (every table and view, as of now or "
                    "--as-of a run) into a new plain DuckDB file, for tools that read DuckDB "
                    "files but not lakes", example="litrev export duckdb -o corpus.duckdb\n"
                    "litrev export duckdb -o as-reported.duckdb --as-of 20261201T020000Z-3f2a1c")
    p.add_argument("-o", "--output", required=True, metavar="FILE.duckdb",
                   help="the DuckDB file to write (must not exist)")
    add_as_of(p)
    p.set_defaults(func=cmd_export_duckdb)

    p = add_command(subparsers, "import-reviews", help="read decisions, notes and corrected "
                    "translations back from a reviewed .xlsx or .csv export",
                    example="litrev import-reviews review.xlsx")
    p.add_argument("file", help="the exported table, filled in by reviewers (.xlsx or .csv)")
    p.set_defaults(func=cmd_import_reviews)


def _add_filters(p: argparse.ArgumentParser) -> None:
    """The filters ``export excerpts`` and ``export qdpx`` share."""
    p.add_argument("--theme", action="append", default=[], metavar="T",
                   help="keep excerpts coded with this theme id; repeat for any of several")
    p.add_argument("--lang", action="append", default=[], metavar="L",
                   help="keep excerpts in this language (fi, de, sv, en, ...); repeat for several")
    p.add_argument("--kind", choices=[k.value for k in ExcerptKind],
                   help="keep only this kind of excerpt")
    p.add_argument("--since", metavar="DATE",
                   help="keep excerpts first retrieved on or after this day (YYYY-MM-DD, UTC)")
    p.add_argument("--query", metavar="NAME",
                   help="keep the excerpts a saved query returns (it must list excerpt_id)")
    p.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                   help="a parameter of the saved query; repeat for several")
