"""The files of one harvest run beside the database: its log and its liveness lock.

Why a log file per run: a night without network used to print every retry of every search (156
warning lines of 300-character URLs). Now retry notices and warnings of the ``litrev`` loggers
go to ``litrev-logs/<run id>.log`` next to the database, with whole URLs (keys redacted by the
HTTP layer), and the console shows only progress and the summary, which names the log.
``-v`` also shows them on the console, with URLs cut to host and path.

Why a lock: a run killed with SIGKILL, or a machine that lost power, cannot write "I stopped"
into the ledger. While a run is alive its process holds an ``flock`` on
``litrev-logs/<run id>.lock``; the kernel drops it when the process dies, however it dies. So
"no live process holds this run" is exactly "its lock can be taken" (:func:`run_is_live`),
with no pid that another process could reuse. On a shared (PostgreSQL) catalog the runs of
other machines are in the ledger too, and their lock files are not here: there the run's
process also holds a session advisory lock in the catalog (``store.pglock.run_lock``), which
PostgreSQL drops with the session, and :func:`run_is_live` asks the catalog.

Why a work folder: the harvest's tasks hand each other paths, not records (Prefect walks every
task parameter, so a list of 100,000 records between tasks costs seconds; issue 16). What one
task gives the next (a source's searches, the detected records, the batch) is written into
``litrev-logs/<run id>/`` (:func:`save`, :func:`load`), private to the user (mode 0700) and
removed when the run ends; a killed run's folder goes with its lock file when the next run or
`litrev status` finds it.

    with run_files(db, run_id) as files:       # the flow does this for every run
        log.warning("openalex: attempt 1/5 failed ...")   # into files.log_path
    run_is_live(db, run_id)
    # -> False
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from litrev.flows.harvest_summary import for_people

if TYPE_CHECKING:
    import duckdb

    from litrev.store.pglock import PostgresWriterLock

LOG_FOLDER = "litrev-logs"
LOGGER = "litrev"

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock; runs then count as live
    fcntl = None  # type: ignore[assignment]


def log_folder(db: Path | str) -> Path:
    """Beside a local lake's catalog; in the working folder for a shared catalog."""
    from litrev.store.location import StoreLocation

    return StoreLocation.parse(db).home.resolve() / LOG_FOLDER


def log_path(db: Path, run_id: str) -> Path:
    return log_folder(db) / f"{run_id}.log"


def lock_path(db: Path, run_id: str) -> Path:
    return log_folder(db) / f"{run_id}.lock"


def work_folder(db: Path, run_id: str) -> Path:
    return log_folder(db) / run_id


def save(folder: Path, name: str, value: Any) -> Path:
    """``value`` written into the run's work folder as ``name``; the path a task passes on.

    Pickle, because the same run reads it back with the same code: every dataclass, enum and
    frame comes back exactly, with no conversion to write or to test, and nothing but this
    user's own run can have written the file (the folder is 0700 and removed at the end).
    """
    path = folder / f"{name}.pickle"
    with path.open("wb") as out:
        pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def load(path: Path) -> Any:
    """What :func:`save` wrote at ``path``."""
    with Path(path).open("rb") as f:
        return pickle.load(f)  # noqa: S301 - written by this run into its private folder


def append(path: Path, value: Any) -> None:
    """``value`` added at the end of ``path`` (one more pickle after the ones there): a part of
    a harvest grows chunk by chunk without any chunk being read back meanwhile."""
    with Path(path).open("ab") as out:
        pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)


def load_all(path: Path) -> Iterator[Any]:
    """Every value :func:`append` wrote at ``path``, in order (none if the file is missing)."""
    try:
        f = Path(path).open("rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        return
    with f:
        while True:
            try:
                yield pickle.load(f)  # noqa: S301 - written by this run into its private folder
            except EOFError:
                return


def log_memory(stage: str) -> None:
    """One line in the run log: this process's peak resident memory so far and now, after a
    step of the harvest (``bench/ingest.py`` reads them: where the peak is reached)."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    now = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        now = pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    logging.getLogger("litrev.harvest").info(
        "memory after %s: peak RSS %.0f MB, now %s MB", stage, peak,
        "?" if now is None else f"{now:.0f}")


class PeopleFormatter(logging.Formatter):
    """A console line: the message with URLs cut to host and path."""

    def format(self, record: logging.LogRecord) -> str:
        return for_people(super().format(record))


@dataclass(frozen=True)
class RunFiles:
    log_path: Path
    lock_path: Path
    work_folder: Path


def _lock(path: Path) -> IO[str] | None:
    if fcntl is None:
        return None
    handle = open(path, "a", encoding="utf-8")  # noqa: SIM115 - held for the whole run
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    return handle


def _shared_run_lock(db: Path | str, run_id: str) -> PostgresWriterLock | None:
    """The run's liveness lock in a shared catalog, or None for a local lake."""
    from litrev.store.location import Backend, StoreLocation

    location = StoreLocation.parse(db)
    if location.backend is not Backend.POSTGRES:
        return None
    from litrev.store.pglock import run_lock

    return run_lock(location.catalog, run_id, label=str(location))


@contextlib.contextmanager
def run_files(db: Path, run_id: str, *, verbose: bool = False) -> Iterator[RunFiles]:
    """Hold the run's lock and send the ``litrev`` loggers to its log file while it runs.

    ``verbose`` also shows those lines on stderr (URLs shortened). The lock file and the work
    folder are removed when the run ends; the log file stays.
    """
    folder = log_folder(db)
    folder.mkdir(parents=True, exist_ok=True)
    files = RunFiles(log_path(db, run_id), lock_path(db, run_id), work_folder(db, run_id))
    lock = _lock(files.lock_path)
    files.work_folder.mkdir(mode=0o700, exist_ok=True)
    shared = _shared_run_lock(db, run_id)
    if shared is not None:
        try:
            shared.acquire()
        except BaseException:
            if lock is not None:
                lock.close()
            raise
    logger = logging.getLogger(LOGGER)
    handlers: list[logging.Handler] = []
    to_file = logging.FileHandler(files.log_path, encoding="utf-8")
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handlers.append(to_file)
    if verbose:
        to_console = logging.StreamHandler(sys.stderr)
        to_console.setLevel(logging.WARNING)
        to_console.setFormatter(PeopleFormatter("  %(levelname)s %(message)s"))
        handlers.append(to_console)
    was = (logger.level, logger.propagate)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # not to Prefect's console handler nor Python's last resort
    for handler in handlers:
        logger.addHandler(handler)
    try:
        yield files
    finally:
        for handler in handlers:
            logger.removeHandler(handler)
            handler.close()
        logger.setLevel(was[0])
        logger.propagate = was[1]
        if shared is not None:
            shared.release()
        shutil.rmtree(files.work_folder, ignore_errors=True)
        if lock is not None:
            with contextlib.suppress(FileNotFoundError):
                files.lock_path.unlink()
            lock.close()


def run_is_live(db: Path, run_id: str) -> bool:
    """Whether a live process holds the run (its lock cannot be taken). A run without a lock
    file (killed before this version wrote one, or its files removed) is not live. On a shared
    catalog the catalog's run lock answers (runs of other machines have no file here)."""
    shared = _shared_run_lock(db, run_id)
    if shared is not None:
        from litrev.store.errors import DatabaseBusy

        try:
            shared.acquire()
        except DatabaseBusy:
            return True
        shared.release()
        return False
    path = lock_path(db, run_id)
    if fcntl is None:
        return path.exists()
    try:
        handle = open(path, encoding="utf-8")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        handle.close()
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)  # the holder died: its lock file and work folder are litter
    shutil.rmtree(work_folder(db, run_id), ignore_errors=True)
    return False


def close_abandoned_runs(con: duckdb.DuckDBPyConnection, db: Path) -> list[str]:
    """Mark ``interrupted`` every ``running`` run of ``db`` that no live process holds; returns
    their ids. ``con`` is a write connection of ``db`` (the next run's, or `litrev status`')."""
    from litrev.store.ledger import mark_interrupted, running_runs

    abandoned = [run_id for run_id in running_runs(con) if not run_is_live(db, run_id)]
    if abandoned:
        mark_interrupted(con, abandoned)
        logging.getLogger("litrev.ledger").info(
            "marked %d run(s) interrupted (no live process held them): %s", len(abandoned),
            ", ".join(abandoned))
    return abandoned
