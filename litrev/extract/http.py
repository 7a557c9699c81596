"""One request policy for every source: timeouts, User-Agent, per-host rate limit, retries.

Why one layer: scholarly APIs throttle (429), fail (5xx, resets, timeouts) and run out of daily
credits. If each source retried on its own, retries would stack and rate limits would be
broken by the retries themselves. Here every request of every source goes through
:class:`HttpSource`, which

- waits for its host's rate limit through a :class:`RateLimiter`: by default the limit is
  shared by all clients of one host in this process, across threads (:class:`ProcessRateLimiter`);
  a harvest spread over several workers passes one that holds across processes and machines
  (``litrev.flows.rate_limits.PrefectRateLimiter``, on Prefect global concurrency limits);
- retries connection errors, timeouts, 429 and 5xx with exponential backoff and jitter,
  honouring ``Retry-After`` (seconds or an HTTP date); other 4xx are not retried;
- recognises a quota-exhausted answer (a daily limit, used-up credits, or a ``Retry-After``
  longer than :attr:`RequestPolicy.quota_wait_cap_seconds`) and raises :class:`QuotaExhausted`
  so the source stops for this run instead of hammering the API;
- after ``max_attempts`` raises :class:`SourceFailed` naming the last error;
- opens a circuit per host when the host cannot be reached at all (name not resolved,
  connection refused, TLS handshake failed, no route): once one request has used its
  ``unreachable_attempts``, every later request to that host, from any source, fails at once
  with :class:`HostUnreachable` and the same short reason, for ``circuit_open_seconds``. A
  laptop without network then gives up in seconds instead of retrying every search of every
  source; 429, 5xx and timeouts are not "unreachable" and keep their retries;
- passes every URL and message that can reach a log or an error through :func:`redact`.

Example (tests inject a transport and a fake clock)::

    policy = RequestPolicy("openalex", "you@example.org", rate_per_second=5)
    source = HttpSource(new_client(policy), policy)
    data = source.get_json("https://api.openalex.org/works", params={"search": "peer"})
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

import httpx

from litrev.extract.errors import (
    HostUnreachable,
    MalformedResponse,
    QuotaExhausted,
    SourceFailed,
)

# Query parameters as httpx takes them: a mapping, or pairs where a key repeats (``fq=a&fq=b``).
QueryParams = Mapping[str, Any] | list[tuple[str, Any]]

log = logging.getLogger("litrev.http")

REDACTED = "***"
# Query parameters whose values are secrets whatever their value is.
_SECRET_PARAM = re.compile(
    r"(?i)\b((?:api[_-]?key|apikey|x-api-key|access[_-]?token|token|key|secret)=)[^&\s\"']+")
# Words APIs use when a daily quota or paid credits are used up (OpenAlex, Semantic Scholar,
# Crossref Plus, Europe PMC): a retry within this run cannot succeed.
_QUOTA_WORDS = re.compile(
    r"(?i)(daily (?:rate )?limit|daily quota|quota (?:exceeded|exhausted|reached)|"
    r"exceeded (?:your|the) (?:daily )?quota|insufficient credits|credits? (?:exhausted|"
    r"used up|exceeded)|out of credits|usage limit (?:exceeded|reached)|limit of \d+ requests "
    r"per day)")
_MAX_BODY_IN_ERROR = 160


def version() -> str:
    try:
        from importlib.metadata import version as _version

        return _version("litrev")
    except Exception:  # noqa: BLE001 - running from a checkout without metadata
        return "0"


def redact(text: object, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with every secret value and every ``api_key=...``-style parameter masked.

    >>> redact("https://x.org/works?api_key=abc123&mailto=a@b.org", ["abc123"])
    'https://x.org/works?api_key=***&mailto=a@b.org'
    """
    out = str(text)
    for secret in secrets:
        if secret and len(secret) >= 4:
            out = out.replace(secret, REDACTED)
    return _SECRET_PARAM.sub(lambda m: m.group(1) + REDACTED, out)


# --- clock ----------------------------------------------------------------------------------

class Clock(Protocol):
    """Time as the policy sees it; tests pass a fake one so no test really sleeps."""

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...

    def now(self) -> dt.datetime: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


SYSTEM_CLOCK = SystemClock()


# --- policy ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class RequestPolicy:
    """How one source talks to its API; built from the profile's ``SourceSettings``.

    ``rate_per_second`` 0 means no limit. ``secrets`` are values to mask in every log line and
    error (API keys); they are never sent by this class: sources put them in headers.
    ``unreachable_attempts`` (at most ``max_attempts``) is how often one request tries a host
    that cannot be reached before its circuit opens for ``circuit_open_seconds``.
    """

    source: str
    contact_email: str
    rate_per_second: float = 1.0
    timeout_seconds: float = 30.0
    max_attempts: int = 5
    backoff_base_seconds: float = 1.0
    backoff_max_seconds: float = 60.0
    secrets: tuple[str, ...] = ()
    quota_wait_cap_seconds: float = 3600.0
    unreachable_attempts: int = 3
    circuit_open_seconds: float = 900.0

    @property
    def user_agent(self) -> str:
        return f"litrev/{version()} (mailto:{self.contact_email})"


def new_client(policy: RequestPolicy, *, transport: httpx.BaseTransport | None = None
               ) -> httpx.Client:
    """An ``httpx.Client`` with the policy's User-Agent and explicit timeouts."""
    timeout = httpx.Timeout(policy.timeout_seconds,
                            connect=min(10.0, policy.timeout_seconds))
    return httpx.Client(headers={"User-Agent": policy.user_agent}, timeout=timeout,
                        transport=transport, follow_redirects=True)


# --- per-host rate limit --------------------------------------------------------------------

class HostLimiter:
    """Spaces request starts to one host at least ``1/rate`` seconds apart, across threads.

    A caller reserves the next free slot under the lock and sleeps outside it, so requests to
    one host can overlap in flight while their starts keep the rate. When clients of the same
    host ask for different rates, the slowest one wins.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._next_free: float | None = None
        self._interval = 0.0

    def acquire(self, rate_per_second: float) -> float:
        """Wait for a slot; return the seconds waited."""
        with self._lock:
            if rate_per_second > 0:
                self._interval = max(self._interval, 1.0 / rate_per_second)
            now = self._clock.monotonic()
            slot = now if self._next_free is None else max(now, self._next_free)
            self._next_free = slot + self._interval
        wait = slot - now
        if wait > 0:
            self._clock.sleep(wait)
        return max(wait, 0.0)


_LIMITERS: dict[tuple[int, str], HostLimiter] = {}
_LIMITERS_LOCK = threading.Lock()
_CLOCKS: dict[int, Clock] = {}  # keeps each clock alive while its id keys a limiter


def host_of(url: str | httpx.URL) -> str:
    """``url``'s host, with its port when the URL names one: what limits and circuits key on.

    >>> host_of("https://API.openalex.org/works?search=x"), host_of("http://127.0.0.1:8080/")
    ('api.openalex.org', '127.0.0.1:8080')
    """
    parts = urlsplit(str(url))
    return (parts.hostname or "").lower() + (f":{parts.port}" if parts.port else "")


def host_limiter(url: str | httpx.URL, clock: Clock) -> HostLimiter:
    """The process-wide limiter of ``url``'s host (host and port) on this clock."""
    return _per_host(_LIMITERS, HostLimiter, url, clock)


class RateLimiter(Protocol):
    """Where a request waits for its host's rate limit before it is sent.

    Why a protocol: the limit must hold wherever the requests to one host come from. In one
    process the table of :class:`HostLimiter` does it; when the sources of one night run on
    several workers, an implementation backed by a shared service does (the flows layer has one
    on Prefect global concurrency limits; this module must not import Prefect). ``host`` is
    :func:`host_of` the URL; ``rate_per_second`` 0 means no limit. Returns the seconds waited.
    """

    def acquire(self, host: str, rate_per_second: float) -> float: ...


class ProcessRateLimiter:
    """The default :class:`RateLimiter`: the process-wide :class:`HostLimiter` of each host."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def acquire(self, host: str, rate_per_second: float) -> float:
        return host_limiter(f"http://{host}/", self._clock).acquire(rate_per_second)


# --- per-host circuit breaker ---------------------------------------------------------------

# Why a connection could not be made, as people read it, from the OS's or ssl's own words.
_UNREACHABLE_WHY = (
    (re.compile(r"(?i)name or service not known|nodename nor servname|name resolution|"
                r"getaddrinfo|no address associated|errno -[235]\b"),
     "name not resolved, no network?"),
    (re.compile(r"(?i)connection refused|errno 111\b|winerror 10061"),
     "connection refused, is the service running?"),
    (re.compile(r"(?i)\bssl\b|tls|certificate|handshake"),
     "TLS handshake failed, a proxy in the way?"),
    (re.compile(r"(?i)no route to host|network is unreachable|errno 11[03]\b|errno 101\b"),
     "no route to host, no network?"),
)


def unreachable_reason(exc: httpx.ConnectError) -> str:
    """The short reason a connection failed: ``"name not resolved, no network?"``, ...

    >>> unreachable_reason(httpx.ConnectError("[Errno -2] Name or service not known"))
    'name not resolved, no network?'
    """
    text = str(exc)
    for pattern, why in _UNREACHABLE_WHY:
        if pattern.search(text):
            return why
    return "cannot connect" + (f" ({text.splitlines()[0][:80]})" if text else "")


class HostCircuit:
    """Whether one host is known to be unreachable: open for ``open_seconds`` after a trip.

    After that a request may try the host again (its own attempts decide whether the circuit
    opens again), so a long-lived ``litrev serve`` process recovers when the network returns.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._reason: str | None = None
        self._until = 0.0

    def open_reason(self) -> str | None:
        """The reason while the circuit is open, else ``None``."""
        with self._lock:
            if self._reason is not None and self._clock.monotonic() < self._until:
                return self._reason
            return None

    def trip(self, reason: str, open_seconds: float) -> None:
        with self._lock:
            self._reason = reason
            self._until = self._clock.monotonic() + open_seconds

    def close(self) -> None:
        with self._lock:
            self._reason = None


_CIRCUITS: dict[tuple[int, str], HostCircuit] = {}
_PerHost = TypeVar("_PerHost", "HostLimiter", "HostCircuit")


def host_circuit(url: str | httpx.URL, clock: Clock) -> HostCircuit:
    """The process-wide circuit of ``url``'s host (host and port) on this clock."""
    return _per_host(_CIRCUITS, HostCircuit, url, clock)


def _per_host(table: dict[tuple[int, str], _PerHost], make: Callable[[Clock], _PerHost],
              url: str | httpx.URL, clock: Clock) -> _PerHost:
    """The process-wide object of ``url``'s host in ``table``, made on first use."""
    key = (id(clock), host_of(url))
    with _LIMITERS_LOCK:
        found = table.get(key)
        if found is None:
            _CLOCKS[id(clock)] = clock
            found = table[key] = make(clock)
        return found


# --- the retry layer ------------------------------------------------------------------------

def parse_retry_after(value: str | None, now: dt.datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


def _snippet(response: httpx.Response) -> str:
    try:
        text = response.text
    except Exception:  # noqa: BLE001 - undecodable body: say nothing about it
        return ""
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()
    return text[:_MAX_BODY_IN_ERROR]


def quota_reason(response: httpx.Response) -> str | None:
    """Why ``response`` says the daily quota or credits are used up, or ``None``."""
    if response.status_code == 402:
        return "HTTP 402: the API's credits are used up"
    if response.status_code not in (403, 429):
        return None
    remaining = response.headers.get("x-ratelimit-remaining-day") or \
        response.headers.get("x-daily-ratelimit-remaining")
    if remaining is not None and remaining.strip() == "0":
        return f"HTTP {response.status_code}: daily request limit reached"
    body = _snippet(response)
    match = _QUOTA_WORDS.search(body)
    if match:
        return f"HTTP {response.status_code}: {body}"
    return None


class HttpSource:
    """Requests for one source under one :class:`RequestPolicy`: the only retry layer.

    ``rng`` seeds the jitter (tests pass ``random.Random(0)``); ``limiter`` is where each
    attempt waits for its host's rate (default: this process's :class:`ProcessRateLimiter`).
    """

    def __init__(self, client: httpx.Client, policy: RequestPolicy, *,
                 clock: Clock | None = None, rng: random.Random | None = None,
                 limiter: RateLimiter | None = None) -> None:
        self.client = client
        self.policy = policy
        self.clock = clock or SYSTEM_CLOCK
        self.limiter: RateLimiter = limiter or ProcessRateLimiter(self.clock)
        self.rng = rng or random.Random()
        self.requests_sent = 0  # requests that left this process, retries included
        self.stopped_by: QuotaExhausted | None = None  # once set, no more requests this run

    def redact(self, text: object) -> str:
        return redact(text, self.policy.secrets)

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with equal jitter: half fixed, half random."""
        p = self.policy
        full = min(p.backoff_max_seconds, p.backoff_base_seconds * (2 ** (attempt - 1)))
        return full / 2 + self.rng.uniform(0, full / 2)

    def _url_for_errors(self, url: str, params: QueryParams | None) -> str:
        try:
            full = str(httpx.URL(url, params=params)) if params else url
        except Exception:  # noqa: BLE001 - an unbuildable URL is reported as written
            full = url
        return self.redact(full)

    def get(self, url: str, *, params: QueryParams | None = None,
            headers: Mapping[str, str] | None = None,
            ok_statuses: Collection[int] = ()) -> httpx.Response:
        """GET with the policy's limit and retries; the response of a 2xx (or ``ok_statuses``).

        ``ok_statuses`` lets a source read an answer that is an error in HTTP terms but a
        result in its API's terms (OAI-PMH ``noRecordsMatch`` as 422, a DOI not found as 404).
        """
        if self.stopped_by is not None:
            raise self.stopped_by
        try:
            return self._get(url, params=params, headers=headers, ok_statuses=ok_statuses)
        except QuotaExhausted as exc:
            self.stopped_by = exc
            raise

    def _get(self, url: str, *, params: QueryParams | None,
             headers: Mapping[str, str] | None, ok_statuses: Collection[int]) -> httpx.Response:
        p = self.policy
        shown = self._url_for_errors(url, params)
        host = host_of(url)
        circuit = host_circuit(url, self.clock)
        down = circuit.open_reason()
        if down is not None:
            raise HostUnreachable(f"{host}: {down}", host=host, reason=down)
        last_error = "no attempt made"
        unreachable = 0
        for attempt in range(1, max(1, p.max_attempts) + 1):
            self.limiter.acquire(host, p.rate_per_second)
            delay: float | None = None
            try:
                self.requests_sent += 1
                response = self.client.get(url, params=params, headers=headers)
            except httpx.TimeoutException as exc:
                last_error = f"timed out after {p.timeout_seconds:g} s ({type(exc).__name__})"
            except httpx.ConnectError as exc:
                why = unreachable_reason(exc)
                last_error = f"{why} ({type(exc).__name__}: {self.redact(exc)})"
                unreachable += 1
                if unreachable >= min(max(1, p.unreachable_attempts), p.max_attempts):
                    circuit.trip(why, p.circuit_open_seconds)
                    log.warning("%s: %s is unreachable after %d attempts (%s) at %s; every "
                                "later request to it fails at once for %.0f s", p.source, host,
                                unreachable, last_error, shown, p.circuit_open_seconds)
                    raise HostUnreachable(f"{host}: {why}", host=host, reason=why) from None
            except httpx.TransportError as exc:
                last_error = f"connection error ({type(exc).__name__}: {self.redact(exc)})"
            else:
                circuit.close()
                status = response.status_code
                if 200 <= status < 300 or status in ok_statuses:
                    return response
                reason = quota_reason(response)
                if reason:
                    raise QuotaExhausted(
                        f"{p.source}: quota exhausted ({self.redact(reason)}) at {shown}; the "
                        f"source is stopped for this run: wait for the quota to reset or set an "
                        f"API key")
                retry_after = parse_retry_after(response.headers.get("retry-after"),
                                                self.clock.now())
                if status == 429 or status >= 500:
                    if status == 429 and retry_after is not None and \
                            retry_after > p.quota_wait_cap_seconds:
                        raise QuotaExhausted(
                            f"{p.source}: HTTP 429 asks to wait {retry_after:.0f} s (more than "
                            f"{p.quota_wait_cap_seconds:.0f} s) at {shown}; the source is "
                            "stopped for this run: retry later or lower rate_per_second")
                    delay = retry_after
                    body = self.redact(_snippet(response))
                    last_error = f"HTTP {status}" + (f": {body}" if body else "")
                else:
                    body = self.redact(_snippet(response))
                    raise SourceFailed(
                        f"{p.source}: HTTP {status} from {shown}" + (f": {body}" if body else "")
                        + " (not retried: check the query and the source's options)")
            if attempt >= p.max_attempts:
                break
            wait = delay if delay is not None else self.backoff(attempt)
            log.warning("%s: attempt %d/%d failed (%s) for %s; retrying in %.1f s", p.source,
                        attempt, p.max_attempts, last_error, shown, wait)
            self.clock.sleep(wait)
        raise SourceFailed(f"{p.source}: gave up after {p.max_attempts} attempts at {shown}; "
                           f"last error: {last_error}")

    def get_json(self, url: str, *, params: QueryParams | None = None,
                 headers: Mapping[str, str] | None = None,
                 ok_statuses: Collection[int] = ()) -> Any:
        """GET and decode JSON; an HTML page, a non-JSON type or a broken body is malformed."""
        response = self.get(url, params=params, headers=headers, ok_statuses=ok_statuses)
        return decode_json(response, source=self.policy.source,
                           shown=self._url_for_errors(url, params))


def decode_json(response: httpx.Response, *, source: str, shown: str) -> Any:
    """The JSON body of ``response`` or :class:`MalformedResponse` saying what came instead."""
    ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
    body = response.content
    head = body.lstrip()[:1]
    if head == b"<" or ctype in ("text/html", "application/xhtml+xml"):
        raise MalformedResponse(
            f"{source}: got an HTML page instead of JSON (HTTP {response.status_code}) from "
            f"{shown}: {_snippet(response)[:80]!r}; the API may be down or behind a proxy: "
            "retry later")
    if ctype and "json" not in ctype:
        raise MalformedResponse(
            f"{source}: expected JSON but got content type {ctype!r} from {shown}; retry later "
            "or check the endpoint in the profile")
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        why = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
        raise MalformedResponse(
            f"{source}: the JSON body from {shown} is truncated or invalid ({why}, "
            f"{len(body)} bytes); nothing of that page was kept: retry later") from None
