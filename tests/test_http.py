"""The request policy: retries, Retry-After, quota, redaction and rate limits on a fake clock."""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import random

import httpx
import pytest

from litrev.extract.errors import MalformedResponse, QuotaExhausted, SourceFailed
from litrev.extract.http import HttpSource, RequestPolicy, new_client, parse_retry_after, redact
from tests.fakes import FakeClock

URL = "https://api.example.org/works"
KEY = "sk-live-5e3cr3t-k3y"


def make(responses, *, clock=None, rate=0.0, attempts=5, secrets=()):
    """An HttpSource whose transport answers with ``responses`` in order; returns it + log."""
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    policy = RequestPolicy("testsource", "you@example.org", rate_per_second=rate,
                           max_attempts=attempts, secrets=secrets)
    source = HttpSource(new_client(policy, transport=httpx.MockTransport(handler)), policy,
                        clock=clock or FakeClock(), rng=random.Random(0))
    return source, seen


def ok(payload=None):
    return httpx.Response(200, json=payload if payload is not None else {"ok": True})


def test_429_with_retry_after_3_waits_exactly_3_seconds():
    clock = FakeClock()
    source, seen = make([httpx.Response(429, headers={"Retry-After": "3"}), ok({"n": 1})],
                        clock=clock)
    assert source.get_json(URL) == {"n": 1}
    assert clock.sleeps == [3.0]
    assert len(seen) == 2


def test_500_500_200_succeeds_after_two_growing_backoffs():
    clock = FakeClock()
    source, seen = make([httpx.Response(500), httpx.Response(500), ok({"page": 1})],
                        clock=clock)
    assert source.get_json(URL) == {"page": 1}
    assert len(seen) == 3
    first, second = clock.sleeps
    assert 0.5 <= first <= 1.0  # base 1 s, equal jitter
    assert 1.0 <= second <= 2.0  # doubled


def test_400_is_not_retried_and_says_so():
    clock = FakeClock()
    source, seen = make([httpx.Response(400, json={"error": "bad filter"}), ok()], clock=clock)
    with pytest.raises(SourceFailed, match=r"HTTP 400 .*bad filter.*not retried"):
        source.get(URL, params={"filter": "nonsense:1"})
    assert len(seen) == 1
    assert clock.sleeps == []


def test_quota_exhausted_body_stops_the_source_without_more_requests():
    body = {"error": "Rate limit exceeded",
            "message": "You have exceeded your daily quota of 100000 requests"}
    source, seen = make([httpx.Response(429, json=body), ok(), ok()])
    with pytest.raises(QuotaExhausted, match="daily quota.*stopped for this run"):
        source.get(URL)
    with pytest.raises(QuotaExhausted):  # later queries of the same source do not try again
        source.get(URL, params={"page": 2})
    assert len(seen) == 1


def test_429_asking_for_more_than_an_hour_is_a_quota_not_a_wait():
    clock = FakeClock()
    source, seen = make([httpx.Response(429, headers={"Retry-After": "86400"}), ok()],
                        clock=clock)
    with pytest.raises(QuotaExhausted, match="86400 s"):
        source.get(URL)
    assert clock.sleeps == []
    assert len(seen) == 1


def test_402_credits_used_up_is_a_quota():
    source, _ = make([httpx.Response(402, text="Payment required")])
    with pytest.raises(QuotaExhausted, match="credits"):
        source.get(URL)


def test_attempts_used_up_fails_with_the_last_error():
    source, seen = make([httpx.Response(503), httpx.Response(503),
                         httpx.Response(502, text="Bad gateway from upstream")],
                        attempts=3)
    with pytest.raises(SourceFailed) as info:
        source.get(URL)
    assert len(seen) == 3
    assert "gave up after 3 attempts" in str(info.value)
    assert str(info.value).endswith("last error: HTTP 502: Bad gateway from upstream")


def test_retry_after_as_http_date_waits_until_that_date():
    clock = FakeClock()
    when = email.utils.format_datetime(clock.now() + dt.timedelta(seconds=7), usegmt=True)
    source, _ = make([httpx.Response(503, headers={"Retry-After": when}), ok()], clock=clock)
    source.get(URL)
    assert clock.sleeps == [7.0]


def test_parse_retry_after_forms():
    now = FakeClock().now()
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after("Fri, 20 Nov 2026 02:00:30 GMT", now) == 30.0
    assert parse_retry_after("Fri, 20 Nov 2026 01:00:00 GMT", now) == 0.0  # in the past
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_connection_errors_and_timeouts_are_retried():
    clock = FakeClock()
    source, seen = make([httpx.ConnectError("connection refused"),
                         httpx.ReadTimeout("read timed out"), ok({"done": 1})], clock=clock)
    assert source.get_json(URL) == {"done": 1}
    assert len(seen) == 3
    assert len(clock.sleeps) == 2


def test_timeouts_until_attempts_used_up_name_the_timeout():
    source, _ = make([httpx.ReadTimeout("slow")] * 2, attempts=2)
    with pytest.raises(SourceFailed, match=r"last error: timed out after 30 s"):
        source.get(URL)


def test_api_key_is_redacted_from_errors_and_logs(caplog):
    caplog.set_level(logging.WARNING, logger="litrev.http")
    source, seen = make([httpx.Response(500, text=f"internal error for key {KEY}"),
                         httpx.Response(401, text=f"invalid api_key={KEY}")],
                        secrets=(KEY,))
    with pytest.raises(SourceFailed) as info:
        source.get(URL, params={"api_key": KEY, "search": "peer"}, headers={"x-api-key": KEY})
    assert seen[0].headers["x-api-key"] == KEY  # it was sent ...
    assert KEY not in str(info.value)  # ... but never shown
    assert "api_key=***" in str(info.value)
    assert caplog.records, "the retry was logged"
    assert all(KEY not in r.getMessage() for r in caplog.records)


def test_redact_masks_named_secrets_and_key_parameters():
    text = "https://x.org/w?api_key=abc&mailto=a@b.org token=zzz9 said sk-123456"
    assert redact(text, ["sk-123456"]) == \
        "https://x.org/w?api_key=***&mailto=a@b.org token=*** said ***"


def test_user_agent_names_the_tool_and_the_contact_and_timeouts_are_explicit():
    policy = RequestPolicy("openalex", "lead@example.org", timeout_seconds=12)
    client = new_client(policy)
    assert client.headers["User-Agent"].startswith("litrev/")
    assert client.headers["User-Agent"].endswith("(mailto:lead@example.org)")
    assert client.timeout.read == 12
    assert client.timeout.connect == 10


def test_rate_limit_is_shared_by_all_clients_of_one_host():
    clock = FakeClock()
    a, _ = make([ok(), ok()], clock=clock, rate=2.0)
    b, _ = make([ok()], clock=clock, rate=2.0)
    other, _ = make([ok()], clock=clock, rate=2.0)
    a.get(URL)
    b.get(URL)  # same host, another client: waits for the slot
    a.get(URL)
    other.get("https://api.other.example.org/x")  # another host: no wait
    assert clock.sleeps == [0.5, 0.5]
    assert clock.t == pytest.approx(1.0)



def test_every_attempt_waits_on_the_injected_limiter_with_host_and_rate():
    """A harvest on workers passes a limiter shared across processes: each attempt (retries
    included) asks it for the host's slot, and the process table is not used."""
    asked: list[tuple[str, float]] = []

    class Recording:
        def acquire(self, host: str, rate_per_second: float) -> float:
            asked.append((host, rate_per_second))
            return 0.0

    clock = FakeClock()
    policy = RequestPolicy("testsource", "you@example.org", rate_per_second=4.0)
    responses = [httpx.Response(503), ok({"n": 1})]
    client = new_client(policy, transport=httpx.MockTransport(lambda r: responses.pop(0)))
    source = HttpSource(client, policy, clock=clock, rng=random.Random(0), limiter=Recording())
    assert source.get_json(URL + "?page=1") == {"n": 1}
    assert asked == [("api.example.org", 4.0), ("api.example.org", 4.0)]
    assert len(clock.sleeps) == 1  # the backoff only: the rate's waits are the limiter's


@pytest.mark.parametrize(("response", "message"), [
    (httpx.Response(200, text="<html><body><h1>502 Bad Gateway</h1></body></html>",
                    headers={"content-type": "text/html"}), "HTML page instead of JSON"),
    (httpx.Response(200, content=b'{"results": [{"id": "W1"}, {"id": "W',
                    headers={"content-type": "application/json"}), "truncated or invalid"),
    (httpx.Response(200, text="id,title\n1,x\n", headers={"content-type": "text/csv"}),
     "content type 'text/csv'"),
])
def test_malformed_bodies_are_reported_as_malformed(response, message):
    source, _ = make([response])
    with pytest.raises(MalformedResponse, match=message):
        source.get_json(URL)
