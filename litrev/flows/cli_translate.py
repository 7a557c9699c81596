"""`litrev translate` runs the translation chain; `litrev tm import` fills its memory.

    litrev translate                      # new and pending texts, with the profile's provider
    litrev translate --retry-failed       # also the texts the provider refused before
    litrev tm import memory.tmx
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from litrev.extract.profile import TRANSLATION_PROVIDERS
from litrev.flows.cli import add_command
from litrev.flows.context import Context
from litrev.flows.errors import UsageError
from litrev.store.errors import DatabaseMissing


def _print_run(summary: dict) -> None:
    statuses = ", ".join(f"{k} {v}" for k, v in summary["by_status"].items()) or "nothing to do"
    print(f"translation into {summary['target_language']} with {summary['provider']}: "
          f"{summary['texts']} texts ({statuses})")
    if summary["texts"]:
        sources = summary["by_source"]
        print(f"  answers from: human {sources.get('human', 0)}, memory "
              f"{sources.get('memory', 0)}, cache {sources.get('cache', 0)}, provider "
              f"{sources.get('provider', 0)}; provider calls {summary['provider_calls']}")
    if summary["numbers_mismatch"]:
        print(f"  numbers differ from the original in {summary['numbers_mismatch']} of "
              "them: check those (numbers_mismatch in v_excerpts and exports)")
    if summary["circuit_open"]:
        print(f"  {summary['provider']} counts as down for this run: "
              f"{summary['circuit_reason']}")
    pending = summary["by_status"].get("pending", 0)
    if pending:
        print(f"  {pending} texts are pending: the next `litrev translate` or nightly harvest "
              "retries them")
    failed = summary["by_status"].get("failed", 0)
    if failed:
        print(f"  {failed} texts failed (the provider refused them; see translations.error): "
              "`litrev translate --retry-failed` tries again")


def cmd_translate(args, ctx) -> int:
    if args.limit is not None and args.limit <= 0:
        raise UsageError(f"--limit expects a positive number of texts, got {args.limit}")
    from litrev.flows.translation import run_translation

    profile = ctx.profile()
    summary = run_translation(ctx.db_path, profile, retry_failed=args.retry_failed,
                              limit=args.limit, provider=args.provider)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        _print_run(summary)
    return 0


def cmd_tm_import(args: argparse.Namespace, ctx: Context) -> int:
    from litrev.flows.translation import import_translation_memory

    if not Path(ctx.db_path).exists():
        raise DatabaseMissing(f"no database at {ctx.db_path}; create it with `litrev init` "
                              "or pass --db / set LITREV_DB")
    summary = import_translation_memory(ctx.db_path, args.file,
                                        source_language=args.source_lang,
                                        target_language=args.target_lang)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return 0
    pairs = ", ".join(summary["pairs"]) or "no language pair"
    print(f"imported {summary['stored']} memory entries ({pairs}) from {summary['origin']}")
    if summary["skipped"]:
        print(f"  skipped {summary['skipped']} units without both a source and a target text")
    print(f"  {summary['applied']} stored texts now take their translation from the "
          "memory (status tm)")
    return 0


def register(subparsers) -> None:
    p = add_command(
        subparsers, "translate",
        help="translate texts not in the review's language (human > memory > cache > "
             "provider)",
        example="litrev translate\n"
                "litrev translate --retry-failed --limit 200 --provider libre")
    p.add_argument("--retry-failed", action="store_true",
                   help="also retry texts the provider refused before (status failed); "
                        "pending texts are always retried")
    p.add_argument("--limit", type=int, metavar="N", help="translate at most N texts")
    p.add_argument("--provider", choices=TRANSLATION_PROVIDERS,
                   help="use this provider instead of the profile's translation.provider")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_translate)

    tm = add_command(subparsers, "tm", help="the translation memory: import TMX or CSV files",
                     example="litrev tm import team-memory.tmx")
    tmsub = tm.add_subparsers(dest="tm_command", metavar="SUBCOMMAND")
    tm.set_defaults(func=lambda a, c: (tm.print_help(), 2)[1])
    p = add_command(
        tmsub, "import",
        help="import a translation memory (TMX 1.4, or CSV: source,target); it applies at "
             "once to stored texts and to every later run",
        example="litrev tm import team-memory.tmx\n"
                "litrev tm import glossary.csv --source-lang fi --target-lang en")
    p.add_argument("file", metavar="FILE", help="a .tmx file, or a .csv/.tsv of source,target")
    p.add_argument("--source-lang", metavar="LANG",
                   help="language of the memory's source texts (CSV; TMX whose srclang is "
                        "*all*)")
    p.add_argument("--target-lang", metavar="LANG", help="language of the CSV's second column")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_tm_import)
