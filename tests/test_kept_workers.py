"""A harvest detects its records chunk by chunk; inside ``kept_workers`` every chunk's
``map_chunks`` call uses one pool, so the workers start (and load their models) once."""

from __future__ import annotations

import os

from litrev.extract.parallel import MIN_PARALLEL, kept_workers, map_chunks


def _pid_of_each(items: list[int]) -> list[int]:
    return [os.getpid()] * len(items)


def test_calls_inside_kept_workers_share_one_pool_and_none_outlives_it(monkeypatch):
    monkeypatch.setenv("LITREV_WORKERS", "2")
    items = list(range(1500))  # three chunks of 500
    with kept_workers(MIN_PARALLEL) as kept:  # the whole job is large enough for a pool
        first = set(map_chunks(_pid_of_each, items))
        pool = kept._pool
        second = set(map_chunks(_pid_of_each, items))
        assert pool is not None and kept._pool is pool
        # the same pool's processes answered both calls (which of them took a chunk depends
        # on when each had started)
        assert first | second <= set(pool._processes)
    after = set(map_chunks(_pid_of_each, items, workers=2))
    assert os.getpid() not in first
    assert not after & first  # a call outside the block has its own pool; the kept one is gone
    assert map_chunks(_pid_of_each, items[:10]) == [os.getpid()] * 10  # small: in process
