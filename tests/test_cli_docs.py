"""docs/cli.md is the parser's own account of every command (as sqlite-utils' test_docs)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from litrev.flows.cli import build_parser
from litrev.flows.cli_docs import render, undocumented

CLI_MD = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
REGENERATE = "regenerate it: python -m litrev.flows.cli_docs > docs/cli.md"


def _all_commands(parser: argparse.ArgumentParser, path: str = "litrev") -> list[str]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append(f"{path} {name}")
                found += _all_commands(sub, f"{path} {name}")
    return found


def test_docs_cli_md_is_what_the_parser_generates() -> None:
    assert CLI_MD.read_text(encoding="utf-8") == render(), f"docs/cli.md is stale; {REGENERATE}"


def test_every_command_and_option_has_help_and_an_example() -> None:
    assert undocumented() == []


@pytest.mark.parametrize("command", _all_commands(build_parser()))
def test_every_command_has_its_section_in_docs_cli_md(command: str) -> None:
    text = CLI_MD.read_text(encoding="utf-8")
    assert f"# `{command}`\n" in text, f"{command} is not in docs/cli.md; {REGENERATE}"


def test_an_option_added_without_help_is_reported() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    sub.choices["status"].add_argument("--colour")
    assert undocumented(parser) == ["litrev status ['--colour']"]
    assert "--colour" in render(parser) and "--colour" not in CLI_MD.read_text(encoding="utf-8")
