"""The `>>>` examples in docstrings run, so an example cannot drift from the code it shows.

Examples that need a database, the network or files (a harvest, a session, a saved response)
are written as plain code with the result as a `# ->` comment instead; the guard below keeps
any new `>>>` example in a module that is not run here from going stale unnoticed.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "litrev"

# Modules whose `>>>` examples are pure (no database, network or files) and run as doctests.
DOCTEST_MODULES = [
    "litrev.vocabulary",
    "litrev.extract.bibrecord",
    "litrev.extract.chunking",
    "litrev.extract.evidence",
    "litrev.extract.http",
    "litrev.extract.importers",
    "litrev.extract.importers.bibtex",
    "litrev.extract.importers.decoding",
    "litrev.extract.jats",
    "litrev.extract.language",
    "litrev.extract.language.codes",
    "litrev.extract.language.detection",
    "litrev.extract.language.scandinavian",
    "litrev.extract.language.text",
    "litrev.extract.normalize",
    "litrev.extract.records",
    "litrev.extract.sources._text",
    "litrev.extract.sources.europepmc_fulltext",
    "litrev.extract.sources.openalex",
    "litrev.extract.stemming",
    "litrev.extract.themes",
    "litrev.extract.translate",
    "litrev.extract.translation_memory",
    "litrev.flows.deploy",
    "litrev.flows.harvest_summary",
    "litrev.flows.harvest_tasks",
    "litrev.flows.rate_limits",
    "litrev.store.cells",
    "litrev.store.db",
]


@pytest.mark.parametrize("module", DOCTEST_MODULES)
def test_docstring_examples_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module), report=True,
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{module} has no examples left: drop it from the list"
    assert result.failed == 0, f"{result.failed} example(s) of {module} do not hold"


def test_every_prompt_example_is_run() -> None:
    run = {Path(str(importlib.util.find_spec(m).origin)).relative_to(PACKAGE).as_posix()
           for m in DOCTEST_MODULES}
    stray = sorted(
        path.relative_to(PACKAGE.parent).as_posix() for path in PACKAGE.rglob("*.py")
        if ">>>" in path.read_text(encoding="utf-8")
        and path.relative_to(PACKAGE).as_posix() not in run)
    assert stray == [], ("these modules have `>>>` examples that no test runs: add the module to "
                         f"DOCTEST_MODULES, or write the example without prompts: {stray}")
