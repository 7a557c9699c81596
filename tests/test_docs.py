"""The documentation a user reads: the README stays a landing page, and no link leads nowhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", ROOT / "DEVELOPERS.md", ROOT / "bench" / "RESULTS.md",
         *sorted((ROOT / "docs").glob("*.md"))]
# Pages the README and docs/troubleshooting.md link to that are written on other branches of
# issue 12's work; the integrator empties this set when they are merged.
PAGES_FROM_OTHER_BRANCHES: set[str] = set()
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def test_the_readme_is_a_landing_page_under_12_kb() -> None:
    assert len((ROOT / "README.md").read_bytes()) <= 12 * 1024


def test_the_readme_carries_the_command_ci_runs_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    command = ci[ci.index("# The README's second quickstart command, verbatim:") + 1]
    assert command.startswith("python3 -m venv .venv")
    assert f"\n{command}\n" in (ROOT / "README.md").read_text(encoding="utf-8")


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_reaches_a_file_and_heading(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # links in code blocks are not links
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        relative = file.relative_to(ROOT).as_posix() if file.is_relative_to(ROOT) else path
        if relative in PAGES_FROM_OTHER_BRANCHES and not file.exists():
            continue
        if not file.exists():
            broken.append(target)
            continue
        if anchor and file.suffix == ".md":
            headings = re.findall(r"^#+ (.+)$", file.read_text(encoding="utf-8"), re.M)
            if anchor not in {_anchor(h) for h in headings}:
                broken.append(target)
    assert broken == [], f"{page.name}: links that lead nowhere: {broken}"
