"""`litrev demo`: the whole pipeline on the bundled demo review, offline, in one command."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from litrev.flows.cli import add_command
from litrev.flows.context import Context

DEFAULT_DB = "litrev-demo.ducklake"
DEFAULT_OUT = "litrev-out"


def _pairs(items: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in items.items()) or "none"


def print_result(result, elapsed: float, out=None) -> None:
    from litrev.flows.output import write_frame

    out = out or sys.stdout
    summary, status = result.summary, result.status
    run = summary.sources[0] if summary.sources else None
    p = lambda text="": print(text, file=out)  # noqa: E731 - a local shorthand
    p(f"run {summary.run_id}: {summary.status} (trigger demo, files source only, offline)")
    if run:
        p(f"  files: {len(run.queries)} files, {run.retrieved} records read, "
          f"{run.new} new records, {run.unchanged + run.updated} already stored, "
          f"{run.duplicates} duplicates")
    memory = result.memory
    p(f"translation memory {memory.file}: {memory.entries} hand-prepared demo "
      f"translations into English ({_pairs(memory.by_language)}), status tm")
    p()
    p(f"works: {status.works}    excerpts: {status.excerpts}")
    p(f"excerpts by kind: {_pairs(status.excerpts_by_kind)}")
    p(f"excerpts by language: {_pairs(status.excerpts_by_language)}")
    p(f"translation status: {_pairs(status.translation_status)}")
    if result.top_themes.empty:
        p("top themes: none coded yet")
    else:
        p("top themes: " + ", ".join(f"{r.label or r.theme_id} {r.excerpts}"
                                     for r in result.top_themes.itertuples()))
    for step, error in summary.step_errors().items():
        p(f"{step} step failed: {error}")
    for name, why, frame in result.queries:
        p()
        p(f"$ litrev query run {name}    # {why}")
        write_frame(frame, "table", out=out, max_width=48)
    p()
    cwd = Path.cwd()

    def shown(path: Path) -> str:
        try:
            return str(path.relative_to(cwd))
        except ValueError:
            return str(path)

    p("open these:")
    labels = {"excerpts.xlsx": "the reviewers' excerpt table (original beside translation, "
                               "themes, source; synthetic rows marked)",
              "excerpts.html": "the same table as a web page",
              "report.html": "the run report (charts, PRISMA flow, records with their source)"}
    for path in result.outputs:
        p(f"  {shown(path):<32} {labels.get(path.name, '')}")
    p(f"  {shown(result.work_folder) + '/':<32} the demo review's profile, data and "
      "translation memory")
    p(f"database: {shown(result.db_path)} (try: litrev --db {shown(result.db_path)} query list)")
    p(f"finished in {elapsed:.1f} s")


def cmd_demo(args, ctx: Context) -> int:
    from litrev.flows.cli_harvest import api_ready, prefect_start_failed, quiet_prefect
    from litrev.flows.prefect_server import open_prefect_api

    quiet_prefect()  # also gives Prefect's first start 120 s instead of 20
    # Only an explicit --db counts: LITREV_DB and the profile name the user's own review.
    db = Path(ctx.db_flag or DEFAULT_DB)
    started = time.monotonic()
    api = open_prefect_api(db)  # Prefect's local server starts while the demo imports
    print(f"litrev demo: the demo review into {db}, outputs into {args.out}/ (offline)",
          file=sys.stderr, flush=True)
    from litrev.flows.demo_review import run_demo

    with api.settings():
        api_ready(api, "litrev demo")
        try:
            result = run_demo(db, args.out)
        except RuntimeError as exc:  # Prefect reports a server that never came up this way
            raise prefect_start_failed(exc, "litrev demo") from None
    print_result(result, time.monotonic() - started)
    return 0


def register(subparsers) -> None:
    p = add_command(subparsers, "demo",
                    help="run the whole pipeline on the bundled demo review, offline: harvest "
                         "(files), detect, translate (memory), code, load, query, export, report",
                    example="litrev demo\nlitrev demo --db demo.ducklake --out demo-out\n"
                            f"(--db defaults to ./{DEFAULT_DB}; LITREV_DB and the profile are "
                            "ignored, so the demo never touches your own review)")
    p.add_argument("--out", default=DEFAULT_OUT,
                   help=f"folder for the tables, the report and the demo review's files "
                        f"(default: ./{DEFAULT_OUT})")
    p.set_defaults(func=cmd_demo)
