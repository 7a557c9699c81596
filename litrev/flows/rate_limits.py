"""The per-host rate limit across workers, on Prefect global concurrency limits.

Why: ``litrev.extract.http`` spaces the requests to one host within one process. When the
sources of one night run as separate flow runs on several workers (:mod:`litrev.flows.source_run`),
two processes on two machines could each keep the rate and together break it. A Prefect global
concurrency limit lives on the server every worker already talks to: one limit per host, named
``litrev-host-<host>``, with one slot that decays at the source's rate
(``slot_decay_per_second = rate_per_second``). :func:`prefect.concurrency.sync.rate_limit`
takes the slot, so two request starts to one host are at least ``1 / rate`` seconds apart
wherever they run. When sources ask for different rates for one host the slowest wins, as in
one process.

Used by the per-source flow run; ``litrev harvest`` (one process, Prefect's ephemeral mode) keeps
the in-process limiter.

    limiter = PrefectRateLimiter()
    ctx = HarvestContext(profile=profile, settings=settings, limiter=limiter)
    # -> every request of the source now waits on the server's limit of its host
"""

from __future__ import annotations

import re
import threading
import time

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import (
    GlobalConcurrencyLimitCreate,
    GlobalConcurrencyLimitUpdate,
)
from prefect.concurrency.sync import rate_limit
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

LIMIT_PREFIX = "litrev-host-"


def limit_name(host: str) -> str:
    """The global concurrency limit's name of one host (``:`` of a port kept, others dashed).

    >>> limit_name("api.openalex.org"), limit_name("127.0.0.1:8080")
    ('litrev-host-api.openalex.org', 'litrev-host-127.0.0.1:8080')
    """
    return LIMIT_PREFIX + re.sub(r"[^A-Za-z0-9.:_-]+", "-", host.lower())


class PrefectRateLimiter:
    """A :class:`litrev.extract.http.RateLimiter` shared by every process on one Prefect server.

    The limit of a host is created on first use (or made slower when a source asks for a lower
    rate); each process remembers the limits it has checked.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ready: dict[str, float] = {}

    def ensure_limit(self, host: str, rate_per_second: float) -> str:
        """The name of ``host``'s limit, created (or slowed) to ``rate_per_second``."""
        name = limit_name(host)
        with self._lock:
            if self._ready.get(name, float("inf")) <= rate_per_second:
                return name
            with get_client(sync_client=True) as client:
                try:
                    client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(
                        name=name, limit=1, slot_decay_per_second=rate_per_second))
                    decay = rate_per_second
                except ObjectAlreadyExists:  # another worker made it first
                    existing = client.read_global_concurrency_limit_by_name(name)
                    decay = existing.slot_decay_per_second or 0.0
                    if decay <= 0 or decay > rate_per_second or existing.limit != 1:
                        client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(
                            limit=1, slot_decay_per_second=rate_per_second, active=True))
                        decay = rate_per_second
            self._ready[name] = decay
            return name

    def acquire(self, host: str, rate_per_second: float) -> float:
        """Wait for ``host``'s slot on the server; return the seconds waited."""
        if rate_per_second <= 0:
            return 0.0
        name = self.ensure_limit(host, rate_per_second)
        started = time.monotonic()
        rate_limit(name, occupy=1, strict=True)
        return time.monotonic() - started


def delete_limits(hosts: list[str]) -> None:
    """Remove the limits of ``hosts`` (after a test, or to reset a rate changed in the profile)."""
    with get_client(sync_client=True) as client:
        for host in hosts:
            try:
                client.delete_global_concurrency_limit_by_name(limit_name(host))
            except ObjectNotFound:
                pass
