"""Benches write their figures into bench/RESULTS.md, each into its own `## <bench name>` section.

Wrap a bench's entry point; what it prints still goes to the terminal, and when it finishes
without error the same text replaces the bench's section, headed by the date, the commit and
the kind of machine (no host name), so a figure is never quoted without when and where it was
measured:

    if __name__ == "__main__":
        with recorded("demo"):
            sys.exit(main())
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
ROOT = RESULTS.parent.parent
HEADER = """\
# Benchmark results

Written by the benches in this folder: each replaces its own `## <bench name>` section when it
finishes (`bench/recording.py`). Figures depend on the machine and on what else ran on it, so
each section says when, at which commit and on what kind of machine it was measured; compare
rows of the same run.
"""


class _Tee(io.TextIOBase):
    def __init__(self, *streams: TextIO) -> None:
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()


def _commit() -> str:
    try:
        done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=RESULTS.parent,
                              capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=RESULTS.parent, capture_output=True, text=True, timeout=10)
    except OSError:
        return "unknown"
    if done.returncode != 0:
        return "unknown"
    return done.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def machine() -> str:
    """What kind of machine, without naming it: system, CPU count, load, Python."""
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, load average "
            f"{load} at the start, Python {platform.python_version()}")


def without_machine_paths(text: str) -> str:
    """``text`` with this machine's folders named by what they are: the checkout as ``.``, the
    temp folder as ``<temp folder>``, the home folder as ``~`` (RESULTS.md is committed, and a
    bench run with ``--keep`` in a temp folder, or a cached corpus, prints where it worked).

    >>> without_machine_paths(tempfile.gettempdir() + "/litrev-bench-query/1m")
    '<temp folder>/litrev-bench-query/1m'
    """
    folders = [(str(ROOT), "."), (os.path.realpath(tempfile.gettempdir()), "<temp folder>"),
               (tempfile.gettempdir(), "<temp folder>"), (str(Path.home()), "~")]
    for folder, name in folders:
        if len(folder) > 1:
            text = text.replace(folder, name)
    return text


def section(name: str, command: str, output: str, *, when: dt.datetime, commit: str,
            where: str) -> str:
    command, output = without_machine_paths(command), without_machine_paths(output)
    return (f"## {name}\n\n"
            f"Measured {when:%Y-%m-%d %H:%M} UTC at commit {commit}; {where}.\n\n"
            f"```console\n$ {command}\n{output.rstrip()}\n```\n")


def _sections(text: str) -> list[str]:
    """``text`` cut before every ``## `` heading outside a code block (bench output may print
    markdown headings of its own, and those stay inside their section)."""
    pieces: list[str] = []
    current: list[str] = []
    fenced = False
    for line in text.splitlines(keepends=True):
        if line.startswith("```"):
            fenced = not fenced
        if line.startswith("## ") and not fenced and current:
            pieces.append("".join(current))
            current = []
        current.append(line)
    if current:
        pieces.append("".join(current))
    return pieces


def replace_section(text: str, name: str, new: str) -> str:
    """``text`` with the ``## name`` section replaced by ``new`` (appended when absent)."""
    if not text.strip():
        text = HEADER
    pieces = _sections(text)
    for i, piece in enumerate(pieces):
        if piece.split("\n", 1)[0] == f"## {name}":
            pieces[i] = new.rstrip("\n") + "\n" + ("\n" if i < len(pieces) - 1 else "")
            return "".join(pieces)
    return text.rstrip("\n") + "\n\n" + new


@contextlib.contextmanager
def recorded(name: str, *, enabled: bool = True) -> Iterator[None]:
    """Print as usual; on success, write what was printed into RESULTS.md's ``## name``."""
    if not enabled or {"-h", "--help"} & set(sys.argv[1:]):
        yield  # asking a bench for its help measures nothing
        return
    where, when, commit = machine(), dt.datetime.now(dt.UTC), _commit()
    buffer = io.StringIO()
    with contextlib.redirect_stdout(_Tee(sys.stdout, buffer)):
        try:
            yield
        except SystemExit as stop:
            if stop.code not in (0, None):
                raise
    command = "python bench/" + " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])
    new = section(name, command, buffer.getvalue(), when=when, commit=commit, where=where)
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    RESULTS.write_text(replace_section(old, name, new), encoding="utf-8")
    print(f"(recorded in {RESULTS.relative_to(RESULTS.parent.parent)}, section '{name}')",
          file=sys.stderr)
