# PYTHON_ARGCOMPLETE_OK
"""The `litrev` command line: thin wrappers over library functions.

Every command has ``-h`` with an example; every error is one line saying what to do. Commands
live in their own modules (``litrev/flows/cli_*.py``), each with a ``register(subparsers)``
function; this module only builds the parser and turns known errors into one-line messages.

Start-up stays light: building the parser imports neither pandas, DuckDB nor Prefect (each
command imports what it needs inside its function), so ``litrev -h`` and tab completion answer
at once. The marker on the first line lets argcomplete's global completion find this parser.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import sys
import textwrap
from pathlib import Path

from litrev.extract.errors import ExtractError
from litrev.flows.context import DEFAULT_PROFILE, Context
from litrev.flows.errors import FlowError
from litrev.flows.output import FORMATS, write_frame
from litrev.store.errors import StoreError

# Modules that add subcommands; each has register(subparsers). Order = order in `litrev -h`.
COMMAND_MODULES: list[str] = [
    "litrev.flows.cli_demo", "litrev.flows.cli_report", "litrev.flows.cli_harvest",
    "litrev.flows.cli_deploy",
    "litrev.flows.cli_export", "litrev.flows.cli_detect", "litrev.flows.cli_parse",
    "litrev.flows.cli_search", "litrev.flows.cli_translate",
]

KNOWN_ERRORS = (ExtractError, StoreError, FlowError)


def _global_options() -> argparse.ArgumentParser:
    """--db and --profile, accepted before or after the command (`litrev init --db x`)."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--db", default=argparse.SUPPRESS,
                        help="the store: a local lake's catalog file, or a postgresql:// "
                             "catalog URL (env LITREV_DB; default: the profile's "
                             "review.database, else ./litrev.ducklake)")
    parent.add_argument("--data-path", default=argparse.SUPPRESS,
                        help="where a PostgreSQL catalog's data files live: a shared folder "
                             "or s3://... (env LITREV_DATA_PATH; a local lake keeps them in "
                             "<catalog>.files/ beside it)")
    parent.add_argument("--profile", default=argparse.SUPPRESS,
                        help="the review profile TOML (env LITREV_PROFILE; default: "
                             "./litrev.toml)")
    return parent


def add_command(subparsers, name: str, *, help: str, example: str, **kwargs
                ) -> argparse.ArgumentParser:
    """Add a subcommand whose help ends with an example."""
    return subparsers.add_parser(
        name, help=help, description=help, parents=[_global_options()],
        epilog="example:\n" + textwrap.indent(example.strip(), "  "),
        formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs)


def add_as_of(p: argparse.ArgumentParser) -> None:
    """``--as-of RUN_ID``: answer from the corpus as it stood after that harvest run."""
    p.add_argument("--as-of", metavar="RUN_ID", default=None,
                   help="read the corpus as it stood after this harvest run (its lake "
                        "snapshot; `litrev status` shows run ids), to reproduce a reported "
                        "search or count")


def parse_params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise FlowError(f"parameter {pair!r} must be written key=value, e.g. -p doi=10.1/x")
        key, value = pair.split("=", 1)
        params[key.strip()] = value
    return params


# --- init ---------------------------------------------------------------------------------

def cmd_init(args, ctx: Context) -> int:
    from litrev.extract.profile import STARTER_PROFILE
    from litrev.store.db import create_database

    profile_path = Path(args.profile or os.environ.get("LITREV_PROFILE") or DEFAULT_PROFILE)
    if profile_path.exists() and not args.force:
        print(f"kept the existing profile {profile_path} (use --force to overwrite it)")
    else:
        profile_path.parent.mkdir(parents=True, exist_ok=True)
        profile_path.write_text(STARTER_PROFILE, encoding="utf-8")
        print(f"wrote the starter profile {profile_path}: edit it for your review")
    db = ctx.db_path if (args.db or os.environ.get("LITREV_DB")) else \
        Context(None, str(profile_path)).db_path
    create_database(db)
    print(f"database ready: {db}")
    imports = _import_folder(profile_path)
    if imports is not None and not imports.is_dir():
        imports.mkdir(parents=True)
        print(f"created the import folder {imports}: drop your RIS, BibTeX, CSV, MEDLINE or "
              "Web of Science exports there")
    return 0


def _import_folder(profile_path: Path) -> Path | None:
    """The ``files`` source's folder of the profile, when it is enabled and readable."""
    from litrev.extract.profile import ProfileError, load_profile

    try:
        profile = load_profile(profile_path)
    except ProfileError:  # a kept, broken profile is reported by the commands that use it
        return None
    files = profile.sources.get("files")
    folder = files.options.get("folder") if files is not None and files.enabled else None
    return Path(folder) if isinstance(folder, str) else None


# --- status -------------------------------------------------------------------------------

def close_abandoned(db: Path | str) -> list[str]:
    """Mark runs that a killed harvest left ``running`` as ``interrupted``, when the database
    can be written at once; while another process writes, that writer's next run marks them."""
    from litrev.flows.runlog import close_abandoned_runs, run_is_live
    from litrev.store.db import location_of, read_session, write_session
    from litrev.store.errors import DatabaseBusy
    from litrev.store.ledger import running_runs

    if not location_of(db).exists:
        return []  # read_session says what to do
    try:
        with read_session(db) as con:
            if all(run_is_live(db, run_id) for run_id in running_runs(con)):
                return []  # nothing to close: no write, no new snapshot
        with write_session(db) as con:
            return close_abandoned_runs(con, db)
    except DatabaseBusy:
        return []


def cmd_migrate(args, ctx: Context) -> int:
    from litrev.store.migrate import migrate_file

    report = migrate_file(args.source, args.to)
    print(f"migrated {args.source} into {report.target}:")
    width = max((len(t.table) for t in report.tables), default=0)
    for t in report.tables:
        verdict = "equal" if t.ok else "DIFFERENT"
        print(f"  {t.table:<{width}}  {t.rows} -> {t.copied_rows} rows  md5 {t.digest} -> "
              f"{t.copied_digest}  {verdict}")
    for table in report.missing:
        print(f"  {table:<{width}}  not in {args.source} (left empty)")
    if not report.ok:
        bad = ", ".join(t.table for t in report.tables if not t.ok)
        raise FlowError(f"the copy differs from {args.source} in {bad}; keep using the old "
                        f"file and report this (the new lake {report.target} can be deleted)")
    print(f"all {len(report.tables)} tables equal; use --db {args.to} from now on "
          f"(the old file is unchanged)")
    return 0


def cmd_status(args, ctx: Context) -> int:
    from litrev.flows.runlog import run_is_live
    from litrev.store.db import read_session
    from litrev.store.export import default_target_language
    from litrev.store.ledger import running_runs
    from litrev.store.status import CorpusStatus, corpus_status

    profile = ctx.profile(required=False)
    db = ctx.db_path  # a catalog URL stays text (Path folds its //)

    def read(con) -> CorpusStatus:
        # Without a profile, the language most translations are into (as exports do).
        target = default_target_language(con, profile.target_language if profile else None)
        return corpus_status(con, target_language=target)

    # One session when no killed harvest left a run open (opening a store is the dearest part
    # of a command that answers in half a second); otherwise mark those runs, then read.
    with read_session(ctx.db_path) as con:
        abandoned = not all(run_is_live(db, run_id) for run_id in running_runs(con))
        status = None if abandoned else read(con)
    if status is None:
        close_abandoned(db)
        with read_session(ctx.db_path) as con:
            status = read(con)
    if args.json:
        print(json.dumps({"database": str(ctx.db_path), **status.as_dict()},
                         ensure_ascii=False, indent=2))
        return 0
    print(f"database: {ctx.db_path}")
    print(f"works: {status.works}    excerpts: {status.excerpts}")
    for title, items in (("excerpts by kind", status.excerpts_by_kind),
                         ("excerpts by language", status.excerpts_by_language),
                         ("translation status", status.translation_status)):
        shown = ", ".join(f"{k} {v}" for k, v in items.items()) or "none yet"
        print(f"{title}: {shown}")
    if status.last_runs:
        print("last runs:")
        for run in status.last_runs:
            print(f"  {run.started_at.isoformat()}  {run.status:<11}  {run.run_id}  "
                  f"retrieved {run.records_retrieved}, new {run.new_records}, "
                  f"failed sources {run.failed_sources}")
    else:
        print("last runs: none yet (run `litrev harvest` or `litrev demo`)")
    return 0


# --- query --------------------------------------------------------------------------------

def cmd_query_list(args, ctx: Context) -> int:
    from litrev.store.queries import saved_queries

    for q in saved_queries().values():
        params = " ".join(
            f"[-p {p.name}=…]" if p.default is not None else f"-p {p.name}=…" for p in q.params)
        print(f"{q.name} {params}".rstrip())
        print(textwrap.fill(q.description, width=96, initial_indent="    ",
                            subsequent_indent="    "))
        for p in q.params:
            default = f" (default: {p.default or 'none'})" if p.default is not None else ""
            print(f"      {p.name} ({p.type}): {p.description}{default}")
    return 0


def _say_copy_built(snapshot: int) -> None:
    print(f"litrev: copying snapshot {snapshot} of the lake for queries (once after each change "
          "of the corpus)", file=sys.stderr, flush=True)


def cmd_query_run(args, ctx: Context) -> int:
    from litrev.store.db import read_session
    from litrev.store.queries import get_query, row_limit, run_saved
    from litrev.store.reading_copy import reading_session

    query = get_query(args.name)
    params = parse_params(args.param)
    if args.as_of is not None:
        with read_session(ctx.db_path, as_of=args.as_of) as con:
            result = run_saved(con, query, params)
    else:
        with reading_session(ctx.db_path, on_build=_say_copy_built) as con:
            result = run_saved(con, query, params)
    write_frame(result, args.format)
    limit = row_limit(query, params)
    if limit is not None and len(result) >= limit:
        # On stderr, so that a CSV or JSON piped elsewhere stays the rows alone.
        print(f"litrev: showed the first {limit} rows, the query's limit; there may be more "
              f"(pass -p limit=N for more)", file=sys.stderr)
    return 0


def cmd_query_sql(args, ctx: Context) -> int:
    from litrev.store.db import read_session
    from litrev.store.queries import check_read_only, run_sql

    check_read_only(args.sql)  # refuse before even opening the database
    with read_session(ctx.db_path, as_of=args.as_of) as con:
        result = run_sql(con, args.sql, parse_params(args.param) or None)
    write_frame(result, args.format)
    return 0


class _VersionAction(argparse.Action):
    """``--version``: reads the installed version only when asked (importlib.metadata is slow)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        import litrev

        print(f"litrev {litrev.__version__}")
        parser.exit()


def _complete(parser: argparse.ArgumentParser) -> None:
    """Answer a shell's tab completion request and exit; do nothing on a normal call.

    The shell hook (``eval "$(register-python-argcomplete litrev)"``) runs ``litrev`` with
    ``_ARGCOMPLETE`` set; argcomplete is imported only then.
    """
    if "_ARGCOMPLETE" in os.environ:
        import argcomplete

        argcomplete.autocomplete(parser)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="litrev",
        description="Multilingual literature-review pipeline: harvest, detect, translate, code "
                    "and query abstracts and citation statements in DuckDB.",
        epilog="example:\n  litrev demo            # the whole pipeline on the bundled demo "
               "review, offline\n  litrev status --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for action in _global_options()._actions:
        parser.add_argument(*action.option_strings, default=None, help=action.help)
    parser.add_argument("--version", action=_VersionAction,
                        help="print litrev's version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = add_command(sub, "init", help="create the database and write a starter profile",
                    example="litrev init --db review.ducklake --profile review.toml")
    p.add_argument("--force", action="store_true", help="overwrite an existing profile")
    p.set_defaults(func=cmd_init)

    p = add_command(sub, "migrate", help="move a review from a DuckDB file of an earlier "
                    "litrev into a new lake, checking row counts and content hashes per table",
                    example="litrev migrate review.duckdb --to review.ducklake\n"
                            "litrev migrate review.duckdb --to postgresql://me@db/review "
                            "--data-path /shared/review/")
    p.add_argument("source", help="the DuckDB file an earlier litrev wrote (left unchanged)")
    p.add_argument("--to", required=True, metavar="CATALOG",
                   help="the new lake: a catalog file path, or a postgresql:// URL (with "
                        "--data-path); it must be new or empty")
    p.set_defaults(func=cmd_migrate)

    p = add_command(sub, "status", help="counts of works, excerpts, languages, translations "
                    "and the last runs", example="litrev status --json")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.set_defaults(func=cmd_status)

    q = add_command(sub, "query", help="run saved queries or read-only SQL",
                    example="litrev query list\n"
                            "litrev query run citation_statements_of_work "
                            "-p doi=10.1177/0020764020904764\n"
                            "litrev query sql \"SELECT language, count(*) FROM excerpts "
                            "GROUP BY 1\"")
    qsub = q.add_subparsers(dest="query_command", metavar="SUBCOMMAND")
    q.set_defaults(func=lambda a, c: (q.print_help(), 2)[1])
    p = add_command(qsub, "list", help="list the saved queries and their parameters",
                    example="litrev query list")
    p.set_defaults(func=cmd_query_list)
    p = add_command(qsub, "run", help="run a saved query",
                    example="litrev query run stance_tallies --format markdown")
    p.add_argument("name", help="the query's name (see `litrev query list`)")
    p.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                   help="a parameter of the query; repeat for several")
    p.add_argument("--format", choices=FORMATS, default="table",
                   help="how to print the rows")
    add_as_of(p)
    p.set_defaults(func=cmd_query_run)
    p = add_command(qsub, "sql", help="run one read-only SQL statement",
                    example="litrev query sql \"SELECT kind, count(*) FROM excerpts GROUP BY 1\" "
                            "--format csv")
    p.add_argument("sql", help="one SELECT statement; $name placeholders are bound from -p")
    p.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                   help="a value for a $KEY placeholder; repeat for several")
    p.add_argument("--format", choices=FORMATS, default="table",
                   help="how to print the rows")
    add_as_of(p)
    p.set_defaults(func=cmd_query_sql)

    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    _complete(parser)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    ctx = Context(args.db, args.profile)
    if getattr(args, "data_path", None):
        # Through the environment, so every layer (and a harvest's subprocesses) sees it.
        os.environ["LITREV_DATA_PATH"] = args.data_path
    try:
        return int(args.func(args, ctx) or 0)
    except KNOWN_ERRORS as exc:
        for line in str(exc).splitlines() or [type(exc).__name__]:
            print(f"litrev: error: {line}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("litrev: interrupted; what was already stored is kept", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def run() -> int:
    """The ``litrev`` command: :func:`main`, then an exit that does not wait on Python's
    garbage collector.

    Why: once a command is done, Python tears down every module it imported, and the
    collector walks the objects of Prefect's, pydantic's and pandas' modules for cycles again
    and again as it does: 0.6 s after a quiet night's harvest had printed its summary
    (measured), a third of what the night's own tasks took. ``gc.freeze()`` puts the objects
    alive at that point out of the collector's reach. Everything else about the exit is as
    before: exit handlers run (log files flushed, Prefect's logs sent, the local server
    stopped), open files are flushed and closed, and objects are freed by their reference
    counts; only reference cycles are left for the operating system to reclaim with the
    process.
    Tests call :func:`main`, which leaves the collector alone."""
    code = main()
    gc.freeze()
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())
