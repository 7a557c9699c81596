"""What a harvest shows a person and what it keeps for later: progress lines, the run's log file
(warnings with whole URLs; on the console only with -v, URLs cut to host and path), and the lock
that tells a live run from one a killed process left behind."""

from __future__ import annotations

import io
import logging
import signal
import subprocess
import sys
import time
from pathlib import Path

from litrev.flows.harvest_summary import for_people
from litrev.flows.progress import LineProgress, LiveProgress, progress_for
from litrev.flows.runlog import close_abandoned_runs, log_path, run_files, run_is_live
from litrev.store.db import write_session
from litrev.store.ledger import open_run

URL = ("https://api.openalex.org/works?search=peer+support&filter=language:fi"
       "&mailto=lead@example.org&api_key=***")


class Ticks:
    """A clock that moves one second per reading."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        self.t += 1.0
        return self.t


def test_not_a_terminal_one_line_per_source_when_it_ends():
    out = io.StringIO()
    progress = LineProgress(out, clock=Ticks())
    on_progress = progress.callback("openalex")
    for records in (200, 400):
        on_progress("search:en", records)
    on_progress("search:fi", 50)
    assert out.getvalue() == ""  # nothing while it runs
    progress.callback("crossref")
    progress.finished("openalex", 450, "done", None)
    progress.finished("crossref", 0, "failed", f"crossref: gave up at {URL}; last error: x")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("  openalex: done, 450 records in ")
    assert lines[0].endswith(", 2 searches")
    assert lines[1].startswith("  crossref: failed after ")
    assert lines[1].endswith("gave up at api.openalex.org/works; last error: x")
    assert progress_for(["openalex"], io.StringIO()).__class__ is LineProgress


def test_a_terminal_gets_one_live_line_per_source():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    progress = progress_for(["crossref", "openalex"], screen)
    assert isinstance(progress, LiveProgress)
    progress.callback("openalex")("search:en", 120)
    progress.finished("crossref", 0, "failed", "api.crossref.org: name not resolved, no network?")
    progress.live.refresh()
    progress.close()
    shown = screen.getvalue()
    assert "openalex: 120 records so far" in shown and "search 1" in shown
    assert "crossref: failed after " in shown and "name not resolved, no network?" in shown


def test_the_live_line_shows_searches_done_of_the_sources_total():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    progress = progress_for(["openalex"], screen)
    progress.planned("openalex", 9)
    progress.live.refresh()
    on_progress = progress.callback("openalex")
    on_progress("search:en:peer support", 50)
    on_progress("search:en:peer worker", 20)  # the first search is done, the second runs
    progress.live.refresh()
    progress.close()
    shown = screen.getvalue()
    assert "openalex: waiting for the first answer (9 searches)" in shown
    assert "openalex: 70 records so far" in shown and "searches 1/9 done" in shown


def test_for_people_cuts_urls_to_host_and_path():
    assert for_people(f"attempt 1/5 failed for {URL}") == \
        "attempt 1/5 failed for api.openalex.org/works"
    assert for_people("no url here") == "no url here"


def test_warnings_go_to_the_run_log_not_the_console_unless_verbose(tmp_path, capsys):
    db = tmp_path / "review.ducklake"
    http = logging.getLogger("litrev.http")
    with run_files(db, "run-1") as files:
        http.warning("openalex: attempt 1/5 failed (HTTP 503) for %s; retrying in 1.0 s", URL)
    assert files.log_path == log_path(db, "run-1") == tmp_path / "litrev-logs" / "run-1.log"
    assert URL in files.log_path.read_text(encoding="utf-8")  # whole, keys already redacted
    assert capsys.readouterr().err == ""
    with run_files(db, "run-2", verbose=True):
        http.warning("openalex: attempt 2/5 failed (HTTP 503) for %s", URL)
    err = capsys.readouterr().err
    assert err.strip() == "WARNING openalex: attempt 2/5 failed (HTTP 503) for " \
                          "api.openalex.org/works"


HOLD_RUN = """
import sys, time
from pathlib import Path
from litrev.flows.runlog import run_files
with run_files(Path(sys.argv[1]), sys.argv[2]):
    print("holding", flush=True)
    time.sleep(60)
"""


def test_a_run_is_live_while_its_process_lives_and_is_closed_after_a_kill(tmp_path):
    db = tmp_path / "review.ducklake"
    with write_session(db) as con:
        for run_id in ("killed", "alive", "old"):
            open_run(con, run_id=run_id, review_name="t", trigger="cli")
    holders = {run_id: subprocess.Popen([sys.executable, "-c", HOLD_RUN, str(db), run_id],
                                        stdout=subprocess.PIPE, text=True)
               for run_id in ("killed", "alive")}
    try:
        for holder in holders.values():
            assert holder.stdout.readline().strip() == "holding"
        assert run_is_live(db, "killed") and run_is_live(db, "alive")
        assert not run_is_live(db, "old")  # no lock file: from before, or its files removed
        holders["killed"].send_signal(signal.SIGKILL)
        holders["killed"].wait(timeout=30)
        assert not run_is_live(db, "killed")
        with write_session(db) as con:
            assert sorted(close_abandoned_runs(con, db)) == ["killed", "old"]
            statuses = dict(con.execute("SELECT run_id, status FROM harvest_runs").fetchall())
        assert statuses == {"killed": "interrupted", "alive": "running", "old": "interrupted"}
    finally:
        for holder in holders.values():
            holder.kill()
            holder.wait(timeout=30)
            holder.stdout.close()
    assert not list(Path(tmp_path / "litrev-logs").glob("killed.lock"))


def test_a_sources_time_counts_from_when_its_task_starts():
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    now = {"t": 100.0}  # moves only when the test says (the display redraws meanwhile)
    progress = LiveProgress(["openalex"], Terminal(), clock=lambda: now["t"])
    now["t"] += 30  # Prefect starting up: not the source's time
    progress.callback("openalex")
    now["t"] += 2.5
    progress.finished("openalex", 0, "failed", "api.openalex.org: name not resolved")
    progress.close()
    assert progress.tallies.start("openalex").final.startswith("  openalex: failed after 2.5 s")


def test_a_retried_source_counts_its_time_from_its_first_attempt():
    now = {"t": 0.0}
    out = io.StringIO()
    progress = LineProgress(out, clock=lambda: now["t"])
    progress.callback("crossref")
    now["t"] += 30.5  # every search failed; Prefect retries the whole source
    progress.callback("crossref")
    now["t"] += 1.0
    progress.finished("crossref", 0, "failed", "crossref: gave up after 2 attempts")
    assert out.getvalue().startswith("  crossref: failed after 31.5 s")


def test_sources_ending_at_once_print_whole_lines():
    """Sources end in their own threads; each line is written whole, never run together."""
    import threading

    class Slow(io.StringIO):
        def write(self, text: str) -> int:  # a pipe that lets another thread in between
            time.sleep(0.001)
            return super().write(text)

    stream = Slow()
    progress = LineProgress(stream)
    names = [f"source{i}" for i in range(8)]
    for name in names:
        progress.callback(name)
    threads = [threading.Thread(target=progress.finished,
                                args=(name, 0, "failed", "host: name not resolved"))
               for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = stream.getvalue().splitlines()
    assert len(lines) == len(names)
    assert sorted(line.split(":")[0].strip() for line in lines) == sorted(names)
