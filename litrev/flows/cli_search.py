"""`litrev search` (BM25 full-text search) and `litrev code` (theme coding on demand)."""

from __future__ import annotations

import json
import math
import sys
import textwrap

from litrev.flows.cli import add_as_of, add_command
from litrev.flows.output import FORMATS, write_frame

WRAP = 100


def cmd_search(args, ctx) -> int:
    from litrev.store.db import read_session
    from litrev.store.search import search

    profile = ctx.profile(required=False)
    target = profile.target_language if profile is not None else None
    with read_session(ctx.db_path, as_of=args.as_of) as con:
        hits = search(con, args.text, lang=args.lang, theme=args.theme, limit=args.limit,
                      target_language=target)
    if args.format != "text":
        write_frame(hits, args.format)
        return 0
    if hits.empty:
        print(f"no excerpts match {args.text!r}"
              + (f" in language {args.lang}" if args.lang else "")
              + (f" with theme {args.theme}" if args.theme else ""))
        return 0
    print_hits(hits.to_dict("records"), target_language=target)
    return 0


def _short(text: str, width: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def print_hits(rows: list[dict], out=None, *, target_language: str | None = None) -> None:
    out = out or sys.stdout
    for n, row in enumerate(rows, start=1):
        title = row.get("title") if isinstance(row.get("title"), str) else "(untitled)"
        y = row.get("year")
        year = f" ({int(y)})" if isinstance(y, (int, float)) and not math.isnan(y) else ""
        doi = f"  doi:{row['doi']}" if isinstance(row.get("doi"), str) else ""
        out.write(f"{n}. [{row['language'] or 'und'}] {row['kind']}  {title}{year}{doi}  "
                  f"score {row['score']:.3f}\n")
        themes = row.get("themes")
        themes = ", ".join(themes) if themes is not None and len(themes) else "none"
        out.write(f"   themes: {themes}\n")
        indent = "   "
        translation = row.get("translation") if isinstance(row.get("translation"), str) else None
        if row["matched_in"] == "translation":
            label = f"translation ({row['target_language']}, {row['translation_status']})"
            other = f"original ({row['language'] or 'und'})"
            other_text = _short(row["text"])
        else:
            label = "original"
            other = (f"translation ({row['target_language']}, {row['translation_status']})"
                     if translation else "translation")
            other_text = _short(translation) if translation else \
                "none yet (litrev translate fills it)"
        lines = [f"{label}: {row['snippet']}", f"{other}: {other_text}"]
        if not translation and row["language"] == (target_language or "en"):
            lines.pop()  # already in the review's language
        for line in lines:
            out.write(textwrap.fill(line, width=WRAP, initial_indent=indent,
                                    subsequent_indent=indent + "  ") + "\n")
        out.write("\n")


def cmd_code(args, ctx) -> int:
    from litrev.flows.coding import run_coding

    profile = ctx.profile(required=False)
    run = run_coding(ctx.db_path, profile, everything=args.all)
    if args.json:
        print(json.dumps(run.as_dict(), ensure_ascii=False, indent=2))
        return 0
    why = " (new codebook version: everything re-coded)" if run.codebook_changed else ""
    print(f"codebook {run.codebook} version {run.codebook_version}{why}")
    print(f"coded {run.coded} excerpts, {run.matches} theme matches "
          f"(target language {run.target_language})")
    if run.languages_without_terms:
        print("no codebook terms for: " + ", ".join(run.languages_without_terms)
              + " (those excerpts are coded on their translation only)")
    index = ", ".join(f"{k} {v}" for k, v in run.index.items()) or "empty"
    print(f"full-text index: {index}")
    print("excerpts per theme:")
    width = max((len(t) for t in run.themes), default=0)
    for theme, n in run.themes.items():
        print(f"  {theme.ljust(width)}  {n}")
    return 0


def register(sub) -> None:
    p = add_command(sub, "search", help="full-text search (BM25, stemmed per language) over "
                    "originals and translations",
                    example='litrev search "kokemusasiantuntija"\n'
                            'litrev search "role clarity" --theme role_clarity --limit 5\n'
                            'litrev search "Genesungsbegleiter" --lang de --format csv')
    p.add_argument("text", help="words to find; each language's stemmer also finds their "
                   "inflected forms")
    p.add_argument("--lang", help="only excerpts whose original is in this language (e.g. fi)")
    p.add_argument("--theme", help="only excerpts coded with this theme id (see `litrev code`)")
    p.add_argument("--limit", type=int, default=20, help="at most this many excerpts "
                   "(default 20)")
    p.add_argument("--format", choices=("text", *FORMATS), default="text",
                   help="text (default, readable) or a table format with every column")
    add_as_of(p)
    p.set_defaults(func=cmd_search)

    p = add_command(sub, "code", help="code the corpus against the codebook and rebuild the "
                    "full-text index", example="litrev code\nlitrev code --all --json")
    p.add_argument("--all", action="store_true", help="re-code every excerpt, not only new or "
                   "changed ones")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_code)
