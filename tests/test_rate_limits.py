"""The per-host rate limit on a REAL Prefect server (global concurrency limits with slot decay):
two limiters standing for two worker processes keep one host's rate together; a slower rate
asked for the same host wins; hosts do not wait for each other."""

from __future__ import annotations

import threading
import time
import uuid

import httpx
import pytest

from tests.prefect_server import prefect_server  # noqa: F401 - fixture

TOLERANCE = 0.1  # seconds: the slot is taken on the server, the time is read here


def starts(api_url: str, limiter, host: str, rate: float, n: int, out: list[float]) -> None:
    """One "worker": ``n`` request starts to ``host`` (Prefect's settings are per thread)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        for _ in range(n):
            limiter.acquire(host, rate)
            out.append(time.monotonic())


@pytest.mark.slow
def test_two_limiters_share_one_hosts_rate_and_the_slowest_rate_wins(prefect_server):  # noqa: F811,E501
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from litrev.flows.rate_limits import PrefectRateLimiter, delete_limits, limit_name

    host = f"api-{uuid.uuid4().hex[:8]}.example.org"
    other = f"other-{uuid.uuid4().hex[:8]}.example.org"
    with temporary_settings(updates={PREFECT_API_URL: prefect_server}):
        try:
            times: list[float] = []
            workers = [threading.Thread(target=starts, args=(
                prefect_server, PrefectRateLimiter(), host, 4.0, 4, times)) for _ in range(2)]
            for w in workers:
                w.start()
            for w in workers:
                w.join(timeout=60)
            times.sort()
            gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
            assert len(times) == 8
            assert min(gaps) >= 1 / 4.0 - TOLERANCE, gaps

            slower = PrefectRateLimiter()
            slower.acquire(host, 1.0)  # another source asks the same host for less
            assert PrefectRateLimiter().acquire(other, 4.0) < 0.5  # another host: no wait
            with httpx.Client(base_url=prefect_server, timeout=10) as api:
                limit = api.get(f"/v2/concurrency_limits/{limit_name(host)}").json()
            assert (limit["limit"], limit["slot_decay_per_second"]) == (1, 1.0)
        finally:
            delete_limits([host, other])
