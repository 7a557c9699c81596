"""What a person sees while a harvest runs.

On a terminal: one live line per source (records so far, rate, searches done of the
source's total), redrawn in place by rich (installed with Prefect), then the summary table.
Elsewhere (cron, CI, a pipe): one line per source when it ends, so a log stays short and readable::

      openalex: done, 1,204 records in 38.2 s (31.5/s), 6 searches
      crossref: failed after 2.1 s: api.crossref.org: name not resolved, no network?

Retry notices and warnings never come here: they go to the run's log file
(:mod:`litrev.flows.runlog`). Errors shown here have their URLs cut to host and path.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO

from litrev.flows.harvest_summary import for_people
from litrev.vocabulary import SourceOutcome


class HarvestProgress(Protocol):
    """What the harvest tells a progress display; the flow takes one (or none) as a hook."""

    def callback(self, source: str) -> Callable[[str, int], None]:
        """The ``on_progress(query_key, records_so_far)`` of one source's searches."""
        ...

    def finished(self, source: str, records: int, status: SourceOutcome, error: str | None) -> None:
        """The source ended: its records, status and (for a failure) the first error."""
        ...

    def planned(self, source: str, searches: int) -> None:
        """The source will send ``searches`` searches (``HarvestContext.plan``)."""
        ...

    def close(self) -> None:
        """The harvest's sources are done: stop redrawing."""
        ...


@dataclass
class SourceTally:
    started: float
    searches: list[str] = field(default_factory=list)
    done_records: int = 0
    current: int = 0
    final: str | None = None
    begun: bool = False
    total: int | None = None

    @property
    def records(self) -> int:
        return self.done_records + self.current


class _Tallies:
    """Per source: records of finished searches plus the current one's, and when it began."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self.lock = threading.Lock()
        self.sources: dict[str, SourceTally] = {}

    def start(self, source: str) -> SourceTally:
        with self.lock:
            return self.sources.setdefault(source, SourceTally(started=self.clock()))

    def begin(self, source: str) -> None:
        """The source's task starts now: its time counts from here (not from Prefect's
        start-up, which comes before every source); a retry of the source keeps counting."""
        tally = self.start(source)
        with self.lock:
            if not tally.begun:
                tally.started, tally.begun = self.clock(), True

    def update(self, source: str, query_key: str, records: int) -> SourceTally:
        tally = self.start(source)
        with self.lock:
            if not tally.searches or tally.searches[-1] != query_key:
                tally.done_records += tally.current
                tally.searches.append(query_key)
            tally.current = records
        return tally

    def plan(self, source: str, searches: int) -> None:
        tally = self.start(source)
        with self.lock:
            tally.total = searches

    def elapsed(self, source: str) -> float:
        return max(self.clock() - self.start(source).started, 1e-6)

    def end_line(self, source: str, records: int, status: str, error: str | None) -> str:
        elapsed = self.elapsed(source)
        searches = len(self.start(source).searches)
        if status == SourceOutcome.FAILED and not records:
            why = f": {for_people(error)}" if error else ""
            return f"  {source}: failed after {elapsed:.1f} s{why}"
        line = (f"  {source}: {status}, {records:,} records in {elapsed:.1f} s "
                f"({records / elapsed:.1f}/s)")
        if searches:
            line += f", {searches} search{'es' if searches != 1 else ''}"
        if error and status != SourceOutcome.DONE:
            line += f": {for_people(error)}"
        return line


def live_line(source: str, tally: SourceTally, elapsed: float) -> str:
    """A running source's line: records so far, rate, and searches done of its total (the
    search whose pages are coming in is not done yet)."""
    begun = len(tally.searches)
    total = f"{tally.total} searches" if tally.total is not None else ""
    if not begun:
        return f"  {source}: waiting for the first answer" + (f" ({total})" if total else "")
    done = f"searches {begun - 1}/{tally.total} done" if tally.total is not None \
        else f"search {begun}"
    return (f"  {source}: {tally.records:,} records so far ({tally.records / elapsed:.1f}/s), "
            f"{done}")


class LineProgress:
    """Not a terminal: one line per source when it ends."""

    def __init__(self, stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream or sys.stderr
        self.tallies = _Tallies(clock)

    def callback(self, source: str) -> Callable[[str, int], None]:
        self.tallies.begin(source)

        def on_progress(query_key: str, records: int) -> None:
            self.tallies.update(source, query_key, records)

        return on_progress

    def finished(self, source: str, records: int, status: SourceOutcome, error: str | None) -> None:
        # Sources end in their own threads: one write per whole line, under the lock (print()
        # writes the text and its newline apart, and two sources' lines ran together).
        line = self.tallies.end_line(source, records, status, error) + "\n"
        with self.tallies.lock:
            self.stream.write(line)
            self.stream.flush()

    def planned(self, source: str, searches: int) -> None:
        self.tallies.plan(source, searches)

    def close(self) -> None:
        pass


class LiveProgress:
    """A terminal: one line per source, redrawn in place a few times a second."""

    def __init__(self, sources: list[str], stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        from rich.console import Console
        from rich.live import Live

        self.order = list(sources)
        self.tallies = _Tallies(clock)
        for source in self.order:
            self.tallies.start(source)
        self.live = Live(get_renderable=self._render, console=Console(file=stream or sys.stderr),
                         refresh_per_second=4, transient=False)
        self.live.start()

    def _line(self, source: str) -> str:
        tally = self.tallies.start(source)
        if tally.final is not None:
            return tally.final
        return live_line(source, tally, self.tallies.elapsed(source))

    def _render(self) -> Any:
        from rich.text import Text

        with self.tallies.lock:
            names = self.order + [s for s in self.tallies.sources if s not in self.order]
        return Text("\n".join(self._line(s) for s in names))

    def callback(self, source: str) -> Callable[[str, int], None]:
        self.tallies.begin(source)

        def on_progress(query_key: str, records: int) -> None:
            self.tallies.update(source, query_key, records)

        return on_progress

    def finished(self, source: str, records: int, status: SourceOutcome, error: str | None) -> None:
        line = self.tallies.end_line(source, records, status, error)
        self.tallies.start(source).final = line

    def planned(self, source: str, searches: int) -> None:
        self.tallies.plan(source, searches)

    def close(self) -> None:
        self.live.stop()


def progress_for(sources: list[str], stream: TextIO | None = None) -> HarvestProgress:
    """Live lines on a terminal, one line per finished source elsewhere."""
    stream = stream or sys.stderr
    if stream.isatty():
        return LiveProgress(sources, stream)
    return LineProgress(stream)
