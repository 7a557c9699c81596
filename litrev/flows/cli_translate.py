"""`litrev translate`: run the translation chain, or import a translation memory.

    litrev translate                      # new and pending texts, with the profile's provider
    litrev translate --retry-pending      # also the texts the provider refused before
    litrev translate --import-tm memory.tmx
"""

from __future__ import annotations

import json
from pathlib import Path

from litrev.extract.profile import TRANSLATION_PROVIDERS
from litrev.flows.cli import add_command
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
              "`litrev translate --retry-pending` tries again")


def cmd_translate(args, ctx) -> int:
    if args.import_tm:
        from litrev.flows.translation import import_translation_memory

        if args.retry_pending or args.limit is not None or args.provider:
            raise UsageError("--import-tm imports a memory only; run `litrev translate` "
                             "afterwards for the rest")
        if not Path(ctx.db_path).exists():
            raise DatabaseMissing(f"no database at {ctx.db_path}; create it with `litrev init` "
                                  "or pass --db / set LITREV_DB")
        summary = import_translation_memory(ctx.db_path, args.import_tm,
                                            source_language=args.source_lang,
                                            target_language=args.target_lang)
        if args.json:
            print(json.dumps(summary, ensure_ascii=False, indent=2))
            return 0
        pairs = ", ".join(summary["pairs"]) or "no language pair"
        print(f"imported {summary['stored']} memory entries ({pairs}) from {summary['origin']}")
        if summary["skipped"]:
            print(f"  skipped {summary['skipped']} units without both a source and a target "
                  "text")
        print(f"  {summary['applied']} stored texts now take their translation from the "
              "memory (status tm)")
        return 0

    if args.source_lang or args.target_lang:
        raise UsageError("--source-lang and --target-lang go with --import-tm FILE")
    if args.limit is not None and args.limit <= 0:
        raise UsageError(f"--limit expects a positive number of texts, got {args.limit}")
    from litrev.flows.translation import run_translation

    profile = ctx.profile()
    summary = run_translation(ctx.db_path, profile, retry_pending=args.retry_pending,
                              limit=args.limit, provider=args.provider)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        _print_run(summary)
    return 0


def register(subparsers) -> None:
    p = add_command(
        subparsers, "translate",
        help="translate texts not in the review's language (human > memory > cache > "
             "provider), or import a translation memory",
        example="litrev translate\n"
                "litrev translate --retry-pending --limit 200 --provider libre\n"
                "litrev translate --import-tm team-memory.tmx\n"
                "litrev translate --import-tm glossary.csv --source-lang fi --target-lang en")
    p.add_argument("--retry-pending", action="store_true",
                   help="also retry texts whose translation failed before (pending ones are "
                        "always retried)")
    p.add_argument("--limit", type=int, metavar="N", help="translate at most N texts")
    p.add_argument("--provider", choices=TRANSLATION_PROVIDERS,
                   help="use this provider instead of the profile's translation.provider")
    p.add_argument("--import-tm", metavar="FILE",
                   help="import a translation memory (TMX 1.4, or CSV: source,target)")
    p.add_argument("--source-lang", metavar="LANG",
                   help="language of the memory's source texts (CSV; TMX whose srclang is "
                        "*all*)")
    p.add_argument("--target-lang", metavar="LANG", help="language of the CSV's second column")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_translate)
