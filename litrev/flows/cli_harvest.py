"""`litrev harvest`, `litrev prisma`, `litrev serve` (`litrev deploy`: cli_deploy.py).

Prefect is imported inside the command functions (it takes seconds), after
:func:`quiet_prefect` has set the environment so that a successful run prints only litrev's
own progress and summary: no telemetry, no INFO chatter, no tracebacks.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from litrev.flows.cli import add_as_of, add_command
from litrev.flows.errors import FlowError, UsageError
from litrev.flows.output import write_frame
from litrev.flows.prefect_server import STARTUP_TIMEOUT_ENV
from litrev.vocabulary import Trigger

if TYPE_CHECKING:
    from litrev.flows.harvest_summary import HarvestSummary

STEPS = ("translation", "coding")

EXIT_SOURCE_FAILED = 3
EXIT_STEP_FAILED = 4
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C
# Quiet, offline Prefect for a CLI run. setdefault: a user's own setting wins.
QUIET_DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_UI_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "ERROR",
    "PREFECT_LOGGING_LOG_PRINTS": "false",
    "PREFECT_CLI_PROMPT": "false",
    # Prefect's ephemeral API server creates its own database on the very first run (a fresh
    # clone); on a busy 2-core machine that alone can take longer than Prefect's 20 s default.
    STARTUP_TIMEOUT_ENV: "120",
}


def quiet_prefect() -> None:
    for key, value in QUIET_DEFAULTS.items():
        os.environ.setdefault(key, value)


def prefect_start_failed(exc: RuntimeError, command: str) -> FlowError:
    """The one-line error for Prefect's local server not coming up (Prefect raises a
    RuntimeError with a multi-line message); other RuntimeErrors are re-raised."""
    if "Prefect" not in str(exc):
        raise exc
    return FlowError(f"{str(exc).splitlines()[0]} Run `{command}` again (the first start "
                     f"creates Prefect's database), or raise {STARTUP_TIMEOUT_ENV}")


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--since expects a date written YYYY-MM-DD, got {value!r}") from None


def _profile_file(ctx) -> Path:
    path = ctx.profile_path
    ctx.profile()  # validates, or says how to create one
    return Path(path).resolve()


# --- harvest ------------------------------------------------------------------------------------

def cmd_harvest(args, ctx) -> int:
    quiet_prefect()
    profile = ctx.profile()
    profile_path = _profile_file(ctx)
    db = ctx.db_path  # a catalog URL stays text: a Path would fold its '//'
    db = db.resolve() if isinstance(db, Path) else db
    since = _date(args.since) if args.since else None
    if args.limit is not None and args.limit <= 0:
        raise UsageError(f"--limit expects a positive number of records, got {args.limit}")

    from litrev.flows.prefect_server import open_prefect_api
    from litrev.flows.run_plan import new_run_id, prepare, select_sources
    from litrev.flows.runlog import log_path

    names = select_sources(profile, args.source)
    run_id = new_run_id()
    log = log_path(db, run_id)
    # Prefect's local server (when none is configured) starts now, on the other core, while
    # this process imports Prefect and prepares the run (docs/harvest.md, "Start-up").
    api = open_prefect_api(db)
    print(f"harvesting {', '.join(names)} into {shown_path(db)} (log: {shown_path(log)})",
          file=sys.stderr, flush=True)
    if api.origin == "litrev serve":
        print(f"using the Prefect server of `litrev serve` at {api.url}", file=sys.stderr,
              flush=True)
    from litrev.flows import harvest
    from litrev.flows.harvest_tasks import HarvestHooks
    from litrev.flows.progress import progress_for

    prepare(db, names)
    # Prefect's settings are copied (0.1 s) while the server may still be starting.
    with api.settings():
        api_ready(api, "litrev harvest")
        progress = progress_for(names)
        hooks = HarvestHooks(progress=progress, verbose=args.verbose)
        ctrl_c = CtrlC(db, run_id, log, progress)
        previous = signal.signal(signal.SIGINT, ctrl_c.handler)
        try:
            summary = harvest.nightly_harvest(
                profile_path=str(profile_path), db_path=str(db), sources=names, since=since,
                limit=args.limit, trigger=Trigger.CLI, source_retries=args.source_retries,
                source_retry_delay_seconds=args.retry_delay, run_id=run_id, hooks=hooks)
        except RuntimeError as exc:
            raise prefect_start_failed(exc, "litrev harvest") from None
        except KeyboardInterrupt:
            return ctrl_c.report()
        finally:
            signal.signal(signal.SIGINT, previous)
    print_summary(summary, json_out=args.json, table=sys.stdout.isatty())
    return exit_code(summary)


def api_ready(api, command: str) -> str:
    """Wait for the Prefect API of ``api``; a server that does not come up is one line."""
    from litrev.flows.prefect_server import PrefectServerError

    try:
        return api.ready()
    except PrefectServerError as exc:
        raise FlowError(f"{str(exc).splitlines()[0]} Run `{command}` again (the first start "
                        f"creates Prefect's database), or raise {STARTUP_TIMEOUT_ENV}") from None


def shown_path(path: Path | str) -> str:
    """``path`` relative to the working directory when it is below it (shorter to read); a
    shared catalog as the store names it (without a password)."""
    if not isinstance(path, Path):
        from litrev.store.location import StoreLocation

        return str(StoreLocation.parse(path))
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class CtrlC:
    """Ctrl-C during a harvest: exit 130 with one line, the run marked ``interrupted``.

    Why a grace timer: a terminal sends Ctrl-C to the whole process group. The local server
    that ``litrev harvest`` starts runs in a session of its own and keeps answering, but a
    server of the user's that shares the terminal stops too, and Prefect would retry
    reporting the crash to it for minutes. After :data:`GRACE_SECONDS` the timer marks the run
    and ends the process itself; what was committed is safe either way (the crash tests kill
    -9 at every write).
    """

    GRACE_SECONDS = 10.0

    def __init__(self, db: Path, run_id: str, log: Path, progress: object) -> None:
        self.db, self.run_id, self.log, self.progress = db, run_id, log, progress
        self._lock = threading.Lock()
        self._reported = False
        self._timer: threading.Timer | None = None

    def handler(self, signum: int, frame: object) -> None:
        """The SIGINT handler: Prefect's crash reports and retry errors stay off the console
        (the one line of :meth:`report` says what happened), then stop as Python does."""
        logging.disable(logging.CRITICAL)
        if self._timer is None:
            self._timer = threading.Timer(self.GRACE_SECONDS, self._give_up)
            self._timer.daemon = True
            self._timer.start()
        raise KeyboardInterrupt

    def _give_up(self) -> None:
        self.report()
        sys.stderr.flush()
        os._exit(EXIT_INTERRUPTED)

    def report(self) -> int:
        """Mark the run interrupted (once), print the one line, return the exit code."""
        with self._lock:
            if self._reported:
                return EXIT_INTERRUPTED
            self._reported = True
        if self._timer is not None and self._timer is not threading.current_thread():
            self._timer.cancel()
        close = getattr(self.progress, "close", None)
        if close is not None:
            close()
        print(f"litrev: interrupted: run {self.run_id} {self._mark()}; what it committed is "
              f"kept (log: {shown_path(self.log)})", file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED

    def _mark(self) -> str:
        from litrev.flows.runlog import close_abandoned_runs
        from litrev.store.db import waiting_write_session
        from litrev.store.errors import StoreError
        from litrev.store.ledger import mark_interrupted

        try:
            with waiting_write_session(self.db, wait_seconds=10) as con:
                mark_interrupted(con, [self.run_id])
                close_abandoned_runs(con, self.db)
        except StoreError as exc:
            return f"not marked yet ({str(exc).splitlines()[0]}); `litrev status` marks it"
        return "marked interrupted"


def exit_code(summary: HarvestSummary) -> int:
    """0: all went well; 3: a source failed (the others are stored); 4: translation or coding
    failed (the harvested records are stored)."""
    if summary.failed_sources:
        return EXIT_SOURCE_FAILED
    if summary.step_errors():
        return EXIT_STEP_FAILED
    return 0


def print_summary(summary: HarvestSummary, *, json_out: bool = False, table: bool = True) -> None:
    """The run's summary on stdout. ``table``: the per-source table too (on a terminal; in a
    log each source's line was printed when it ended)."""
    if json_out:
        print(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2, default=str))
        return
    print(f"run {summary.run_id}: {summary.status}")
    if table:
        import pandas as pd

        from litrev.flows.harvest_summary import for_people

        rows = [{"source": r.source, "status": r.status, "searches": len(r.queries),
                 "hits": "" if r.hits_reported is None else r.hits_reported,
                 "retrieved": r.retrieved, "new": r.new, "updated": r.updated,
                 "unchanged": r.unchanged, "duplicates": r.duplicates,
                 "error": for_people("; ".join(r.errors))} for r in summary.sources]
        write_frame(pd.DataFrame(rows), "table")
    langs = ", ".join(f"{k} {v}" for k, v in summary.languages.items()) or "none"
    backlog = summary.translation_backlog
    print(f"new excerpts: {summary.new_excerpts}; corpus: {summary.works_total} works, "
          f"{summary.excerpts_total} excerpts; languages detected: {langs}")
    print(f"translation backlog: {sum(backlog.values())}"
          + (f" ({', '.join(f'{k} {v}' for k, v in backlog.items())})" if backlog else ""))
    errors = summary.step_errors()
    for step in STEPS:
        info = getattr(summary, step)
        if step in errors:
            print(f"{step} failed: {errors[step]}")
        elif step == "translation" and getattr(info, "texts", 0):
            shown = ", ".join(f"{k} {v}" for k, v in info.by_status.items())
            print(f"translation: {info.texts} texts, provider {info.provider}"
                  + (f": {shown}" if shown else ""))
        elif step == "coding" and getattr(info, "coded", None) is not None:
            found = sorted(((n, t) for t, n in info.themes.items() if n), reverse=True)[:3]
            print(f"coded: {info.coded} excerpts, {info.matches} theme matches"
                  + (f" (top: {', '.join(f'{t} {n}' for n, t in found)})" if found else ""))
    if summary.failed_sources:
        print(f"failed: {', '.join(summary.failed_sources)}; what the others harvested is "
              "stored; run `litrev harvest` again later (see `litrev prisma --format markdown`)")
    if summary.log_path:
        print(f"log: {shown_path(Path(summary.log_path))}")


# --- prisma -------------------------------------------------------------------------------------

def cmd_prisma(args, ctx) -> int:
    from litrev.store.db import read_session
    from litrev.store.ledger import prisma_counts

    since = _date(args.since) if args.since else None
    with read_session(ctx.db_path, as_of=args.as_of) as con:
        counts = prisma_counts(con, since=since)
    by_source, by_run = counts.by_source, counts.by_run
    if args.format == "json":
        from litrev.flows.output import records

        print(json.dumps({"since": since.isoformat() if since else None,
                          "by_source": records(by_source),
                          "by_run": records(by_run) if since else None},
                         ensure_ascii=False, indent=2, default=str))
        return 0
    if args.format == "csv":
        write_frame(by_source, "csv")
        if since:
            print()
            write_frame(by_run, "csv")
        return 0
    fmt = "markdown" if args.format == "markdown" else "table"
    title = f"since {since.isoformat()}" if since else "all runs"
    print(f"PRISMA 2020 identification, {title}" + ("\n" if fmt == "markdown" else ""))
    if by_source.empty:
        print("no searches recorded yet (run `litrev harvest`)")
        return 0
    write_frame(by_source, fmt)
    total = by_source[by_source["source"] == "total"].iloc[0]
    print(("\n" if fmt == "markdown" else "")
          + f"Records identified: {int(total['records_identified'])}; removed before "
          f"screening: duplicates {int(total['duplicates_in_run'] + total['found_before'])}, "
          f"marked ineligible by automation {int(total['excluded_by_automation'])}, other "
          f"reasons (withdrawn) {int(total['withdrawn'])}; records screened: "
          f"{int(total['records_screened'])}.")
    if since:
        print(f"\n{'## ' if fmt == 'markdown' else ''}Each run since {since.isoformat()}"
              + ("\n" if fmt == "markdown" else ""))
        write_frame(by_run, fmt)
    return 0


# --- serve ------------------------------------------------------------------------------------

def cmd_serve(args, ctx) -> int:
    quiet_prefect()
    profile = ctx.profile()
    profile_path = _profile_file(ctx)
    from litrev.flows.prefect_server import LocalPrefectServer, server_healthy
    from litrev.store.db import location_of

    location = location_of(ctx.db_path)
    # a local lake by its absolute path; a catalog URL stays text (Path would fold its //)
    db = location.local_path.resolve() if location.local_path is not None else ctx.db_path

    api_url = os.environ.get("PREFECT_API_URL")
    server = None
    if api_url:
        if not server_healthy(api_url):
            raise FlowError(f"the Prefect server at PREFECT_API_URL={api_url} does not answer; "
                            "start it, or unset PREFECT_API_URL to let litrev start one")
        print(f"using the Prefect server at {api_url}", file=sys.stderr, flush=True)
    else:
        home = Path(args.prefect_home).resolve() if args.prefect_home \
            else location.home.resolve() / ".litrev-prefect"
        server = LocalPrefectServer(home=home)
        print(f"starting a local Prefect server (PREFECT_HOME={home}) ...", file=sys.stderr,
              flush=True)
        api_url = server.start()
        os.environ["PREFECT_API_URL"] = api_url
        print(f"Prefect server ready at {api_url}", file=sys.stderr, flush=True)
    try:
        from prefect.settings import PREFECT_API_URL, temporary_settings

        from litrev.flows.schedule import full_deployment_name, serve_nightly

        when = f"every {args.interval:g} s" if args.interval else \
            f"cron {profile.schedule.cron!r} in {profile.schedule.timezone}"
        print(f"serving {full_deployment_name(profile)} ({when}, one run at a time); "
              "Ctrl-C stops", file=sys.stderr, flush=True)
        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            serve_nightly(profile, profile_path, db, interval_seconds=args.interval)
    finally:
        if server is not None:
            server.stop()
            print("stopped the local Prefect server", file=sys.stderr, flush=True)
    return 0


def register(sub) -> None:
    p = add_command(sub, "harvest", help="run the harvest once: sources, languages, load, "
                    "translation, coding; exit 3 when a source failed",
                    example="litrev harvest\nlitrev harvest --source openalex --source files "
                            "--since 2026-01-01 --limit 200")
    p.add_argument("--source", action="append", metavar="NAME",
                   help="only this source (repeat for several; default: every enabled one)")
    p.add_argument("--since", metavar="YYYY-MM-DD",
                   help="ask sources for records new or updated since this date (when no "
                        "watermark of an earlier run is stored)")
    p.add_argument("--limit", type=int, metavar="N", help="at most N records per query")
    p.add_argument("--source-retries", type=int, default=1, metavar="N",
                   help="retry a source whose every search failed N more times (default 1)")
    p.add_argument("--retry-delay", type=float, default=30.0, metavar="SECONDS",
                   help="wait before retrying a failed source (default 30)")
    p.add_argument("--json", action="store_true", help="print the run summary as JSON")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also show retry notices and warnings (always in the run's log file)")
    p.set_defaults(func=cmd_harvest)

    p = add_command(sub, "prisma", help="PRISMA 2020 identification counts from the search "
                    "ledger (per source; per run since a date)",
                    example="litrev prisma\nlitrev prisma --since 2026-11-01 --format markdown")
    p.add_argument("--since", metavar="YYYY-MM-DD",
                   help="only runs since this date, and list each run (an updated review)")
    p.add_argument("--format", choices=("table", "markdown", "csv", "json"), default="table",
                   help="how to print the counts")
    add_as_of(p)
    p.set_defaults(func=cmd_prisma)

    p = add_command(sub, "serve", help="serve the nightly harvest on the profile's schedule "
                    "(starts a local Prefect server unless PREFECT_API_URL is set)",
                    example="litrev serve\nPREFECT_API_URL=http://127.0.0.1:4200/api "
                            "litrev serve")
    p.add_argument("--interval", type=float, metavar="SECONDS",
                   help="run every SECONDS instead of the profile's cron (to try a setup)")
    p.add_argument("--prefect-home", metavar="DIR",
                   help="PREFECT_HOME of the local server (default: .litrev-prefect beside "
                        "the database)")
    p.set_defaults(func=cmd_serve)
