"""`litrev translate` runs the translation chain; `litrev tm import` fills its memory.

    litrev translate                      # new and pending texts, with the profile's provider
    litrev translate --retry-failed       # also the texts the provider refused before
    litrev tm import memory.tmx
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from litrev.extract.profile import TRANSLATION_PROVIDERS
from litrev.flows.cli import add_command
from litrev.flows.context import Context
from litrev.flows.errors import UsageError
from litrev.store.errors import DatabaseMissing
from litrev.vocabulary import TranslationStatus

if TYPE_CHECKING:
    from litrev.flows.translation import TranslationRun


def _print_run(run: TranslationRun) -> None:
    statuses = ", ".join(f"{k} {v}" for k, v in run.by_status.items()) or "nothing to do"
    print(f"translation into {run.target_language} with {run.provider}: "
          f"{run.texts} texts ({statuses})")
    if run.texts:
        sources = run.by_source
        print(f"  answers from: human {sources.human}, memory {sources.memory}, cache "
              f"{sources.cache}, provider {sources.provider}; provider calls "
              f"{run.provider_calls}")
    if run.numbers_mismatch:
        print(f"  numbers differ from the original in {run.numbers_mismatch} of "
              "them: check those (numbers_mismatch in v_excerpts and exports)")
    if run.circuit_open:
        print(f"  {run.provider} counts as down for this run: {run.circuit_reason}")
    pending = run.count(TranslationStatus.PENDING)
    if pending:
        print(f"  {pending} texts are pending: the next `litrev translate` or nightly harvest "
              "retries them")
    failed = run.count(TranslationStatus.FAILED)
    if failed:
        print(f"  {failed} texts failed (the provider refused them; see translations.error): "
              "`litrev translate --retry-failed` tries again")


def cmd_translate(args, ctx) -> int:
    if args.limit is not None and args.limit <= 0:
        raise UsageError(f"--limit expects a positive number of texts, got {args.limit}")
    from litrev.flows.translation import run_translation

    profile = ctx.profile()
    run = run_translation(ctx.db_path, profile, retry_failed=args.retry_failed,
                          limit=args.limit, provider=args.provider)
    if args.json:
        print(json.dumps(run.as_dict(), ensure_ascii=False, indent=2))
    else:
        _print_run(run)
    return 0


def cmd_tm_import(args: argparse.Namespace, ctx: Context) -> int:
    from litrev.flows.translation import import_translation_memory
    from litrev.store.db import location_of

    if not location_of(ctx.db_path).exists:
        raise DatabaseMissing(f"no database at {ctx.db_path}; create it with `litrev init` "
                              "or pass --db / set LITREV_DB")
    imported = import_translation_memory(ctx.db_path, args.file,
                                         source_language=args.source_lang,
                                         target_language=args.target_lang)
    if args.json:
        print(json.dumps(imported.as_dict(), ensure_ascii=False, indent=2))
        return 0
    pairs = ", ".join(imported.pairs) or "no language pair"
    print(f"imported {imported.stored} memory entries ({pairs}) from {imported.origin}")
    if imported.skipped:
        print(f"  skipped {imported.skipped} units without both a source and a target text")
    print(f"  {imported.applied} stored texts now take their translation from the "
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
