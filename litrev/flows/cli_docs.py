"""Write the command reference (docs/cli.md) from the argument parser itself.

    python -m litrev.flows.cli_docs > docs/cli.md

The page is rendered from the parser's actions rather than from ``format_help()``, whose
layout changes between Python versions and terminal widths: the same parser gives the same
page everywhere. ``tests/test_cli_docs.py`` fails when docs/cli.md differs from this output or
when an option has no help text.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Iterator
from typing import TextIO

from litrev.flows.cli import build_parser

GLOBAL_DESTS = {"db", "profile", "help", "version"}

INTRO = """\
# Command reference

Generated from litrev's argument parser: do not edit by hand. After changing a command, run
`python -m litrev.flows.cli_docs > docs/cli.md` (`tests/test_cli_docs.py` fails while this page
is stale or an option has no help text).

Every command has `-h` with an example. Errors are one line starting `litrev: error:` that says
what to do, with exit code 1; `litrev harvest` also exits 3 (a source failed) and 4 (translation
or coding failed), see [harvest.md](harvest.md).

## Global options

These go before or after the command (`litrev --db x.ducklake status` or `litrev status --db
x.ducklake`):

{globals}

## Shell completion

litrev completes its commands and options with
[argcomplete](https://kislyuk.github.io/argcomplete/), installed with litrev. For bash or zsh,
add this line to `~/.bashrc` or `~/.zshrc`:

```sh
eval "$(register-python-argcomplete litrev)"
```

For fish:

```sh
register-python-argcomplete --shell fish litrev > ~/.config/fish/completions/litrev.fish
```

Or switch on completion for every argcomplete-enabled program at once with
`activate-global-python-argcomplete --user` (litrev carries the `PYTHON_ARGCOMPLETE_OK` marker).
Then `litrev t<Tab>` offers `tm translate`, and `litrev export excerpts --<Tab>` its options.
"""


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ("litrev",)
              ) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser, str]]:
    """Every (sub)command below ``parser``, depth first, in the order of `litrev -h`."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in action.choices.items():
                yield (*path, name), sub, helps.get(name, "")
                yield from _commands(sub, (*path, name))


def _subcommands(parser: argparse.ArgumentParser) -> list[str]:
    return [name for action in parser._actions
            if isinstance(action, argparse._SubParsersAction) for name in action.choices]


def _metavar(action: argparse.Action) -> str:
    """How the value is written in help: the metavar (several for nargs > 1), else the name."""
    metavar = action.metavar
    if isinstance(metavar, tuple):
        return " ".join(metavar)
    return metavar or (action.dest.upper() if action.option_strings else action.dest)


def _argument(action: argparse.Action) -> str:
    if action.option_strings:
        if action.nargs == 0:
            return ", ".join(f"`{o}`" for o in action.option_strings)
        return ", ".join(f"`{o} {_metavar(action)}`" for o in action.option_strings)
    return f"`{_metavar(action)}`"


def _description(action: argparse.Action) -> str:
    text = action.help or ""
    if action.choices is not None and not isinstance(action, argparse._SubParsersAction):
        text += f" (one of: {', '.join(str(c) for c in action.choices)})"
    default = action.default
    if (action.option_strings and action.nargs != 0 and default not in (None, [], False)
            and default is not argparse.SUPPRESS and "default" not in text):
        text += f"; default: `{default}`"
    if action.option_strings and action.required:
        text += " (required)"
    if isinstance(action, argparse._AppendAction) and "repeat" not in text:
        text += "; repeatable"
    return text.replace("|", "\\|")


def _usage(path: tuple[str, ...], parser: argparse.ArgumentParser) -> str:
    parts = [" ".join(path)]
    for action in parser._actions:
        if action.dest in GLOBAL_DESTS or isinstance(action, argparse._SubParsersAction):
            continue
        if not action.option_strings:
            parts.append(_metavar(action))
            continue
        shown = action.option_strings[-1]
        if action.nargs != 0:
            shown += f" {_metavar(action)}"
        parts.append(shown if action.required else f"[{shown}]")
    if _subcommands(parser):
        parts.append("SUBCOMMAND")
    return " ".join(parts)


def _example(parser: argparse.ArgumentParser) -> str:
    epilog = parser.epilog or ""
    if epilog.startswith("example:"):
        epilog = epilog[len("example:"):]
    return textwrap.dedent(epilog.strip("\n")).strip()


def _section(path: tuple[str, ...], parser: argparse.ArgumentParser, summary: str) -> str:
    level = "#" * min(len(path), 4)
    lines = [f"{level} `{' '.join(path)}`", "", parser.description or summary, "",
             "```text", _usage(path, parser), "```", ""]
    subs = _subcommands(parser)
    if subs:
        names = ", ".join(f"`{' '.join((*path, s))}`" for s in subs)
        lines += [f"Subcommands: {names}.", ""]
    rows = [(_argument(a), _description(a)) for a in parser._actions
            if a.dest not in GLOBAL_DESTS and not isinstance(a, argparse._SubParsersAction)]
    if rows:
        lines += ["| argument | what it does |", "|---|---|"]
        lines += [f"| {arg} | {what} |" for arg, what in rows]
        lines.append("")
    example = _example(parser)
    if example:
        lines += ["Example:", "", "```sh", example, "```", ""]
    return "\n".join(lines)


def render(parser: argparse.ArgumentParser | None = None) -> str:
    """The whole page, as written to docs/cli.md."""
    parser = parser or build_parser()
    globals_table = ["| argument | what it does |", "|---|---|"]
    globals_table += [f"| {_argument(a)} | {_description(a)} |" for a in parser._actions
                      if a.dest in GLOBAL_DESTS]
    top = _subcommands(parser)
    pieces = [INTRO.format(globals="\n".join(globals_table)).rstrip("\n"), "",
              "## Commands", "",
              "\n".join(f"- [`litrev {name}`](#litrev-{name})" for name in top), ""]
    pieces += [_section(path, sub, summary) for path, sub, summary in _commands(parser)]
    return "\n".join(pieces).rstrip("\n") + "\n"


def undocumented(parser: argparse.ArgumentParser | None = None) -> list[str]:
    """Commands and arguments without a help text, as `litrev query run --format`."""
    parser = parser or build_parser()
    missing = []
    for path, sub, summary in _commands(parser):
        if not (sub.description or summary):
            missing.append(" ".join(path))
        if not _example(sub):
            missing.append(f"{' '.join(path)} (no example)")
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction) or action.dest in GLOBAL_DESTS:
                continue
            if not action.help:
                missing.append(f"{' '.join(path)} {action.option_strings or action.dest}")
    return missing


def main(out: TextIO = sys.stdout) -> int:
    out.write(render())
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
