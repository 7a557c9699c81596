"""CPU-bound work of a large batch spread over the machine's cores: chunks in, small results out.

Why processes: language detection and theme coding are Python code holding the GIL (only the
models' inner loops are native), so threads would take turns on one core. Why ``spawn``: the
harvest runs in a process that already has Prefect's threads and event loop; forking such a
process (the default start method of Python 3.11 on Linux) can hand the child a lock held by
another thread. A spawned worker is a fresh interpreter, and it is this process's own child, so
its CPU time and memory count in this process's resource usage (``bench/ingest.py`` reads
them); a forkserver's workers would not. A program that uses this must guard its entry point
with ``if __name__ == "__main__":`` (the ``litrev`` console script does).

Each worker keeps what it loads (the detectors' models, a coder's word cache) in its module
caches for every chunk it receives, so a model is loaded once per worker, not once per chunk.
A worker costs a second or two to start and to load its models, so a small batch (a quiet
night's few texts) is worked in this process; only batches of :data:`MIN_PARALLEL` items or
more go to the pool. The pool lives for one call (or one :func:`kept_workers` block): no
process is left behind. :func:`in_child` runs one call in a process of its own, for work whose
memory should leave with it (a small batch's detection models).

``LITREV_WORKERS`` sets the number of worker processes (``1``: never use a pool); by default
one per core this process may run on. Who uses a pool by default is the caller's choice:
language detection does (its models make each text costly), theme coding does not
(:func:`litrev.flows.coding.run_coding`: a text costs tens of microseconds, less than sending
it to a worker and its matches back) unless ``LITREV_WORKERS`` or its caller asks for one; the
files source decides by the bytes of the files it reads
(:data:`litrev.extract.sources.files.PARALLEL_BYTES`). :meth:`Workers.imap` gives each result
as soon as it and those before it are done, for a caller that hands them on meanwhile.

    from functools import partial
    detections = map_chunks(partial(detect_chunk, candidates=("en", "fi")), jobs)
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextvars import ContextVar
from typing import TypeVar

from litrev.extract.errors import ExtractError

WORKERS_ENV = "LITREV_WORKERS"
# Below this many items the work stays in this process: starting workers and loading their
# models in each (about 2.5 CPU-s and 1.1 GB per worker) costs more than it saves. Measured on
# detection (bench/ingest.py texts, 2 cores, in process vs 2 workers): 12,749 distinct texts
# 7.4 vs 12.1-12.8 CPU-s, wall no shorter; 40,533 texts 25.0 vs 24.5 CPU-s. On an idle
# 2-core machine two workers take half the wall time of the detection itself, less their
# start: about even near 10,000 texts.
MIN_PARALLEL = 10_000
# Items per chunk: large enough that sending a chunk costs little next to working it, small
# enough that both workers stay busy to the end.
CHUNK_SIZE = 500

class WorkerDied(ExtractError):
    """A worker process ended before answering (killed, out of memory); nothing was stored."""


_DIED = (f"a worker process died (out of memory? each loads about 1 GB of models); set "
         f"{WORKERS_ENV}=1 to work in one process, or free memory, and run again")


T = TypeVar("T")
R = TypeVar("R")


def worker_setting() -> int | None:
    """``LITREV_WORKERS`` as a number, or None when it is not set."""
    value = os.environ.get(WORKERS_ENV, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ExtractError(f"{WORKERS_ENV}={value!r}: expected a whole number of worker "
                           "processes, 1 or more (1: no worker processes)")
    return int(value)


def worker_count() -> int:
    """Worker processes to use: ``LITREV_WORKERS``, else the cores this process may run on."""
    value = worker_setting()
    if value is not None:
        return value
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)


class Workers:
    """Worker processes for one job made of several batches (or this process alone), closed on
    leaving the ``with`` block::

        with Workers(len(todo)) as workers:
            for batch in batches:
                results = workers.map(work, batch)

    ``items``: how many items the whole job holds, to decide whether a pool pays;
    ``workers``: ``None`` chooses (:func:`worker_count`, and none under :data:`MIN_PARALLEL`
    items); a number forces that many (1: this process). The pool starts on the first
    :meth:`map` that needs it.
    """

    def __init__(self, items: int, workers: int | None = None, *,
                 chunk_size: int = CHUNK_SIZE) -> None:
        if workers is None:
            workers = worker_count() if items >= MIN_PARALLEL else 1
        self.workers = workers
        self.chunk_size = chunk_size
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def map(self, work: Callable[[list[T]], list[R]], items: Sequence[T]) -> list[R]:
        """``work`` applied to ``items`` in chunks, the results in the items' order.

        ``work`` takes a list of items and returns one result per item; it must be a
        module-level function (or a ``functools.partial`` of one) so that a worker can import
        it, and its arguments must pickle.
        """
        return list(self.imap(work, items))

    def imap(self, work: Callable[[list[T]], list[R]], items: Sequence[T]) -> Iterator[R]:
        """As :meth:`map`, each result given as soon as it and every one before it are done,
        so the caller can hand results on (and drop them) while later chunks are worked."""
        chunks = self._chunks(items)
        if self.workers <= 1 or len(chunks) <= 1:
            yield from work(list(items))
            return
        yield from self._results(self._submitted(work, chunks))

    def start(self, work: Callable[[list[T]], list[R]], items: Sequence[T]) -> Iterator[R]:
        """As :meth:`imap`, with every chunk handed to the workers now (in this process:
        worked now), so the caller can do its own work meanwhile and read the results later::

            coding = workers.start(code, rows)     # the workers code this batch
            save(previous, list(previous_coding))  # while this process saves the last one
        """
        chunks = self._chunks(items)
        if self.workers <= 1 or len(chunks) <= 1:
            return iter(work(list(items)))
        return self._results(self._submitted(work, chunks))

    def _chunks(self, items: Sequence[T]) -> list[list[T]]:
        return [list(items[i:i + self.chunk_size]) for i in range(0, len(items), self.chunk_size)]

    def _submitted(self, work: Callable[[list[T]], list[R]], chunks: list[list[T]]
                   ) -> list[Future[list[R]]]:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                             mp_context=multiprocessing.get_context("spawn"))
        try:
            return [self._pool.submit(work, chunk) for chunk in chunks]
        except BrokenProcessPool:
            raise WorkerDied(_DIED) from None

    @staticmethod
    def _results(futures: list[Future[list[R]]]) -> Iterator[R]:
        try:
            for future in futures:
                yield from future.result()
        except BrokenProcessPool:
            raise WorkerDied(_DIED) from None


def in_child(work: Callable[[T], R], arg: T) -> R:
    """``work(arg)`` in a spawned process of its own that ends with the call (this process
    when ``LITREV_WORKERS`` is 1).

    Why: what a call loads stays loaded in the process that ran it. Detection models (about
    1.1 GB) loaded into the harvest's process for a small batch would stay there while it
    writes, translates and codes: a review of 9,000 excerpts peaked at 1.53 GB that way, above
    one of 300,000 whose chunks are detected in workers. A process of its own costs its start
    and imports (under a second), not the models' load, which is paid either way.

        rows = in_child(detect_record_files, jobs)
    """
    if worker_setting() == 1:
        return work(arg)
    with ProcessPoolExecutor(max_workers=1,
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        try:
            return pool.submit(work, arg).result()
        except BrokenProcessPool:
            raise WorkerDied(_DIED) from None


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off inside the block, back as it was after it.

    Why: a chunk of a harvest builds and drops hundreds of thousands of small objects (records,
    rows, detections) that reference counting frees, none of them in a cycle; the collector
    still walks the young ones every 700 allocations and everything alive (a worker's
    langdetect profiles, the chunk itself) a few times per chunk: 1.1-1.6 s of a
    20,000-record chunk's 8-12 s of detection (measured). What a cycle leaves in the block is
    collected after it, by the next collection.

        with collector_paused():
            rows = flatten_records(detect_new(db, records, candidates))
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# The pool that map_chunks calls share inside a kept_workers block (None: one pool per call).
_KEPT: ContextVar[Workers | None] = ContextVar("litrev_kept_workers", default=None)


@contextlib.contextmanager
def kept_workers(items: int, workers: int | None = None) -> Iterator[Workers]:
    """One pool for every :func:`map_chunks` call made inside the block (that leaves its
    ``workers`` and ``chunk_size`` as they are), closed at its end. Why: a harvest detects its
    records chunk by chunk to keep its memory flat; with a pool per call, every chunk would
    start its workers and load their models again (seconds each). ``items``: how many items
    the whole job holds, to decide whether a pool pays."""
    with Workers(items, workers) as pool:
        token = _KEPT.set(pool)
        try:
            yield pool
        finally:
            _KEPT.reset(token)


def map_chunks(work: Callable[[list[T]], list[R]], items: Sequence[T], *,
               workers: int | None = None, chunk_size: int = CHUNK_SIZE) -> list[R]:
    """``work`` applied to ``items`` in chunks, in worker processes when they pay
    (:class:`Workers`); the results in the items' order. Inside :func:`kept_workers`, in its
    pool."""
    kept = _KEPT.get()
    if kept is not None and workers is None and chunk_size == kept.chunk_size:
        return kept.map(work, items)
    with Workers(len(items), workers, chunk_size=chunk_size) as pool:
        return pool.map(work, items)


__all__ = ["CHUNK_SIZE", "MIN_PARALLEL", "WORKERS_ENV", "WorkerDied", "Workers",
           "collector_paused", "in_child",
           "kept_workers", "map_chunks", "worker_count", "worker_setting"]
