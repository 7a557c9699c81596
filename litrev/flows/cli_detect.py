"""`litrev detect`: the language of texts, one JSON line each, for checking a corpus by hand.

    $ litrev detect "Kokemusasiantuntijatoiminta mielenterveyspalveluissa"
    {"text": "Kokemusasiantuntijatoiminta mielenterveyspalveluissa", "lang": "fi", ...}
    $ litrev detect --input excerpts.jsonl --field abstract --candidates en,fi,sv,de

With ``--input`` every other field of a line is copied through, so the output can be joined
back to the input; a field named ``language_hint`` (or the one ``--hint-field`` names) is used
as the metadata hint. The profile's candidate languages apply unless ``--candidates`` is given
(``--candidates any`` lifts the restriction).

It detects with :data:`litrev.extract.language.LIGHT`, which names the same language as the
harvest's method on every labelled text (``bench/language.py`` compares them) without loading
heliport's 0.9 GB model for texts that do not need it: a Finnish sentence takes 0.15 GB, a
short Swedish title still asks heliport. Its confidence can differ from the stored one.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from litrev.flows.cli import add_command
from litrev.flows.errors import UsageError

EXAMPLE = """\
litrev detect "Vertaistuki mielenterveystyössä"
litrev detect --input excerpts.jsonl --field text --candidates en,fi,sv,de
echo '{"id": 1, "text": "Ehe für alle"}' | litrev detect --input -"""


def register(subparsers) -> None:
    p = add_command(subparsers, "detect", help="detect the language of texts (one JSON line "
                    "per text: lang, confidence, method, parts of mixed texts)", example=EXAMPLE)
    p.add_argument("text", nargs="?", help="one text to detect (or use --input)")
    p.add_argument("--input", metavar="FILE.jsonl",
                   help="a JSON Lines file, one object per text ('-' reads standard input)")
    p.add_argument("--field", default="text",
                   help="the field of each input line holding the text (default: text)")
    p.add_argument("--hint-field", default="language_hint",
                   help="the field holding the metadata language, if any (default: "
                        "language_hint)")
    p.add_argument("--hint", help="the metadata language of TEXT, e.g. fin or en")
    p.add_argument("--candidates", metavar="en,fi,sv,de",
                   help="the languages to choose from (default: the profile's "
                        "candidate_languages, else any; 'any' lifts the restriction)")
    p.set_defaults(func=cmd_detect)


def _candidates(args, ctx) -> tuple[str, ...] | None:
    if args.candidates:
        if args.candidates.strip().lower() == "any":
            return None
        codes = tuple(c.strip() for c in args.candidates.split(",") if c.strip())
        from litrev.extract.language import normalize_language

        unknown = [c for c in codes if normalize_language(c) is None]
        if unknown:
            raise UsageError(f"--candidates: {', '.join(unknown)} not a language code; write "
                             "ISO 639-1 codes such as en,fi,sv,de")
        return codes
    profile = ctx.profile(required=False)
    return profile.candidate_languages if profile and profile.candidate_languages else None


def _lines(path: str):
    if path == "-":
        yield from enumerate(sys.stdin, 1)
        return
    file = Path(path)
    if not file.exists():
        raise UsageError(f"--input {path}: no such file; give a JSON Lines file or '-' for "
                         "standard input")
    with file.open(encoding="utf-8") as handle:
        yield from enumerate(handle, 1)


def cmd_detect(args, ctx) -> int:
    from litrev.extract.language import LIGHT, detect

    if (args.text is None) == (args.input is None):
        raise UsageError("give one TEXT or --input FILE.jsonl (see `litrev detect -h`)")
    candidates = _candidates(args, ctx)
    out = sys.stdout
    if args.text is not None:
        found = detect(args.text, candidates=candidates, hint=args.hint, method=LIGHT)
        out.write(json.dumps({"text": args.text, **found.as_dict()}, ensure_ascii=False) + "\n")
        return 0
    for number, line in _lines(args.input):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{args.input}:{number}: not JSON ({exc.msg}); each line must be "
                             "one JSON object") from None
        if not isinstance(record, dict) or not isinstance(record.get(args.field), str):
            raise UsageError(f"{args.input}:{number}: no text field {args.field!r}; name the "
                             "field with --field")
        hint = record.get(args.hint_field)
        found = detect(record[args.field], candidates=candidates,
                       hint=hint if isinstance(hint, str) else None, method=LIGHT)
        out.write(json.dumps({**record, **found.as_dict()}, ensure_ascii=False) + "\n")
    return 0
