"""Hosts that cannot be reached at all, on loopback: a name that does not resolve, a port where
nothing listens, a server that does not speak TLS. Each test counts the requests actually sent:
the first request uses its attempts, every later one (from the same or another source) fails at
once with the same short reason, without touching the network.
"""

from __future__ import annotations

import random
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from litrev.extract.errors import HostUnreachable, SourceFailed
from litrev.extract.http import HttpSource, RequestPolicy, new_client
from tests.fakes import FakeClock
from tests.loopback import LoopbackServer, Reply


class CountingTransport(httpx.HTTPTransport):
    """A real transport that counts the requests it was asked to send."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        return super().handle_request(request)


OPEN_CLIENTS: list[httpx.Client] = []


def source(name: str, clock: FakeClock, transport: httpx.BaseTransport,
           **policy: object) -> HttpSource:
    settings = RequestPolicy(name, "you@example.org", rate_per_second=0, timeout_seconds=5,
                             **policy)  # type: ignore[arg-type]
    client = new_client(settings, transport=transport)
    OPEN_CLIENTS.append(client)
    return HttpSource(client, settings, clock=clock, rng=random.Random(0))


def refused_port() -> int:
    """A loopback port nobody listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PlainTcpServer:
    """Accepts TCP connections on loopback and answers in plain HTTP: a TLS client's handshake
    fails. ``connections`` counts the connections (requests) that reached it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.recv(4096)
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    def __enter__(self) -> PlainTcpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()
        self._thread.join(timeout=5)


@pytest.fixture
def clock() -> Iterator[FakeClock]:
    """A fresh clock (and so fresh circuits) per test; the test's clients closed after it."""
    yield FakeClock()
    while OPEN_CLIENTS:
        OPEN_CLIENTS.pop().close()


def test_unresolvable_host_uses_one_requests_attempts_then_fails_at_once(clock):
    transport = CountingTransport()
    openalex = source("openalex", clock, transport, max_attempts=5)
    url = "http://api.litrev-test.invalid/works"  # .invalid never resolves (RFC 6761)
    with pytest.raises(HostUnreachable) as first:
        openalex.get(url, params={"search": "peer support"})
    assert str(first.value) == "api.litrev-test.invalid: name not resolved, no network?"
    assert transport.sent == 3  # the first request's attempts (unreachable_attempts)
    assert len(clock.sleeps) == 2
    for page in range(2, 6):  # the rest of the run: no request leaves the machine
        with pytest.raises(HostUnreachable, match="name not resolved, no network"):
            openalex.get(url, params={"page": page})
    assert transport.sent == 3
    assert len(clock.sleeps) == 2


def test_refused_port_is_down_for_every_source_of_the_run(clock):
    url = f"http://127.0.0.1:{refused_port()}/api"
    first_transport, second_transport = CountingTransport(), CountingTransport()
    crossref = source("crossref", clock, first_transport)
    other = source("europepmc", clock, second_transport)
    with pytest.raises(HostUnreachable, match=r"connection refused"):
        crossref.get(url)
    assert first_transport.sent == 3
    with pytest.raises(HostUnreachable, match=r"connection refused"):
        other.get(url + "/search")  # another source, same host and port: no request
    assert second_transport.sent == 0


def test_tls_handshake_failure_counts_connections_that_reached_the_server(clock):
    with PlainTcpServer() as server:
        tls = source("semanticscholar", clock, CountingTransport(), max_attempts=4,
                     unreachable_attempts=2)
        url = f"https://127.0.0.1:{server.port}/graph/v1/paper"
        with pytest.raises(HostUnreachable, match="TLS handshake failed"):
            tls.get(url)
        assert server.connections == 2
        with pytest.raises(HostUnreachable, match="TLS handshake failed"):
            tls.get(url, params={"offset": 100})
        assert server.connections == 2


def test_an_answering_host_is_not_affected_by_another_hosts_circuit(clock):
    with LoopbackServer(lambda request: Reply.json({"ok": True})) as healthy:
        down = source("crossref", clock, CountingTransport())
        with pytest.raises(HostUnreachable):
            down.get(f"http://127.0.0.1:{refused_port()}/works")
        up = source("openalex", clock, CountingTransport())
        assert up.get_json(healthy.url + "/works") == {"ok": True}
        assert len(healthy.requests) == 1


def test_server_errors_keep_their_retries_and_do_not_open_the_circuit(clock):
    with LoopbackServer(lambda request: Reply.text("Service Unavailable", 503)) as broken:
        api = source("openalex", clock, CountingTransport(), max_attempts=4)
        for _ in range(2):
            with pytest.raises(SourceFailed, match="gave up after 4 attempts") as failed:
                api.get(broken.url + "/works")
            assert not isinstance(failed.value, HostUnreachable)
        assert len(broken.requests) == 8  # every request retried in full


def test_the_circuit_closes_after_its_open_time_so_a_long_serve_tries_again(clock):
    url = f"http://127.0.0.1:{refused_port()}/works"
    api = source("openalex", clock, CountingTransport(), circuit_open_seconds=60)
    with pytest.raises(HostUnreachable):
        api.get(url)
    with pytest.raises(HostUnreachable):
        api.get(url)
    assert api.requests_sent == 3  # the second request was refused by the circuit
    clock.sleep(61)
    with pytest.raises(HostUnreachable, match="connection refused"):
        api.get(url)
    assert api.requests_sent == 6  # after the open time the host is tried again
