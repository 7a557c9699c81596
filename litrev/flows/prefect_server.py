"""Prefect's API for litrev's commands: a server that is configured, one ``litrev serve`` runs,
or one litrev starts itself on loopback.

Why litrev starts the servers itself:

- ``litrev serve``: Prefect's ephemeral mode cannot schedule flows; a schedule needs a real server
  running its scheduler service. A review lead who has no Prefect server should still get the
  nightly harvest from one command, so :class:`LocalPrefectServer` runs ``prefect server start``
  on 127.0.0.1 with a free port and its own ``PREFECT_HOME`` and stops it on exit. The test suite
  uses the same class. While it runs, its address is written to ``api-url`` in that home, so a
  ``litrev harvest`` of the same review uses it (:func:`open_prefect_api`).
- ``litrev harvest`` and ``litrev demo`` with no server: Prefect would start its ephemeral
  server only when the flow first calls the API, after litrev's own start-up, and would import
  the whole server package into the command's process to do so (2 s). On a fresh machine that
  server's first start (creating Prefect's database) is most of a failed night's time, so
  :class:`EphemeralPrefectServer` launches the same server (Prefect's app, its ephemeral mode:
  no scheduler, no UI) as the command starts, and the command prepares its own work meanwhile
  (imports, the database) on the other core. It skips registering Prefect's block types, which
  no litrev flow uses, and creates a new Prefect database from its schema rather than by
  running Prefect's 115 migrations (:mod:`litrev.flows.prefect_schema`). It listens on a
  socket the command bound (no port race), runs in its own session (a Ctrl-C reaches the
  command, not the server, so Prefect can record the crash), and ends when the command's
  process ends, however it ends (it watches its stdin pipe).

    with LocalPrefectServer(home=Path("prefect-home")) as server:
        server.api_url
    # -> 'http://127.0.0.1:54321/api'
    api = open_prefect_api(Path("litrev.duckdb"))   # launched at once, not waited for
    ...                                               # the command's own preparation
    api.ready()
    # -> 'http://127.0.0.1:43117/api'
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from litrev.flows.errors import FlowError

# Settings that keep a litrev-run Prefect quiet and offline: no telemetry calls to the
# internet (they fail on an offline machine and print errors), no UI build.
QUIET_PREFECT_ENV = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_UI_ENABLED": "false",
    "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
}
# What Prefect's own ephemeral server is started with (prefect.server.api.server
# SubprocessASGIServer), plus: no block-type registration (about 1 s at every start, and the
# first start's writes; litrev's flows use no blocks), and none of py-key-value's beartype
# instrumentation (the key-value store under Prefect's task queue, docket: its modules are
# rewritten with type checks as they are imported, 70-85 ms of the server's start, and its
# calls then warn about a wrong type instead of failing: a diagnostic for its developers).
EPHEMERAL_ENV = {
    "PREFECT__SERVER_EPHEMERAL": "1",
    "PREFECT__SERVER_FINAL": "1",
    "PREFECT_UI_ENABLED": "0",
    "PREFECT_SERVER_REGISTER_BLOCKS_ON_START": "false",
    "PY_KEY_VALUE_DISABLE_BEARTYPE": "true",
}
STARTUP_TIMEOUT_ENV = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
SERVE_HOME = ".litrev-prefect"   # `litrev serve`'s PREFECT_HOME beside the database
API_URL_FILE = "api-url"         # in that home while its server runs


class PrefectServerError(FlowError):
    """The local Prefect server did not start or answer."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_healthy(api_url: str, timeout: float = 2.0) -> bool:
    import httpx

    try:
        return httpx.get(api_url.rstrip("/") + "/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


class _LoopbackServer:
    """What both servers share: a port on 127.0.0.1, its API URL, and the environment a
    Prefect server of litrev's runs with (quiet, offline, never another server's URL)."""

    port: int

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def _quiet_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("PREFECT_API_URL", None)
        env.update(QUIET_PREFECT_ENV)
        return env


class LocalPrefectServer(_LoopbackServer):
    """``prefect server start`` on loopback, as a child process in its own process group."""

    def __init__(self, home: Path, *, port: int | None = None, extra_env: dict | None = None,
                 startup_timeout: float = 120.0, log_path: Path | None = None) -> None:
        self.home = Path(home)
        self.port = port or free_port()
        self.extra_env = dict(extra_env or {})
        self.startup_timeout = startup_timeout
        self.log_path = log_path or self.home / "server.log"
        self.process: subprocess.Popen | None = None
        self._log: IO[bytes] | None = None

    def env(self) -> dict[str, str]:
        env = self._quiet_env()
        env.update({"PREFECT_HOME": str(self.home),
                    "PREFECT_SERVER_API_HOST": "127.0.0.1",
                    "PREFECT_SERVER_API_PORT": str(self.port)})
        env.update(self.extra_env)
        return env

    def start(self) -> str:
        self.home.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
             "--port", str(self.port), "--no-ui", "--analytics-off"],
            env=self.env(), stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self._log_tail()
                self.stop()
                raise PrefectServerError(
                    f"the local Prefect server exited at start (see {self.log_path}): {tail}")
            if server_healthy(self.api_url, timeout=1.0):
                (self.home / API_URL_FILE).write_text(self.api_url, encoding="utf-8")
                return self.api_url
            time.sleep(0.5)
        self.stop()
        raise PrefectServerError(
            f"the local Prefect server did not answer within {self.startup_timeout:.0f} s (see "
            f"{self.log_path}); set PREFECT_API_URL to a running server instead")

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError):
            lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
            return (lines[-1] if lines else "no output").strip()
        return "no output"

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            (self.home / API_URL_FILE).unlink(missing_ok=True)
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            end_process_group(proc, grace_seconds=20)
        log, self._log = self._log, None
        if log is not None:
            log.close()

    def __enter__(self) -> LocalPrefectServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class EphemeralPrefectServer(_LoopbackServer):
    """Prefect's ephemeral API server (Prefect's app in its ephemeral mode, on Prefect's own
    ``PREFECT_HOME``), launched without waiting; :meth:`ready` waits for it.

    The command binds the listening socket and hands it over, so the port cannot be taken in
    between and a health request sent before the server is up waits in the socket's queue
    instead of being refused. The server's output goes to an unnamed temporary file, shown
    (its last line) only when it fails to start.
    """

    def __init__(self, startup_timeout: float = 120.0) -> None:
        self.startup_timeout = startup_timeout
        self.port = 0
        self.process: subprocess.Popen | None = None
        self._output: IO[bytes] | None = None
        self._started = 0.0

    def env(self) -> dict[str, str]:
        env = self._quiet_env()
        env.update(EPHEMERAL_ENV)
        return env

    def launch(self) -> EphemeralPrefectServer:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind(("127.0.0.1", 0))
            listener.listen(64)
            self.port = listener.getsockname()[1]
            self._output = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
            fd = listener.fileno()
            self.process = subprocess.Popen(
                [sys.executable, "-m", "litrev.flows.prefect_server", "--serve-fd", str(fd)],
                env=self.env(), stdin=subprocess.PIPE, stdout=self._output,
                stderr=subprocess.STDOUT, pass_fds=(fd,), start_new_session=True)
        finally:
            listener.close()  # the server holds the only copy: if it dies, requests fail
        self._started = time.monotonic()
        # Registered before Prefect is imported, so it runs after Prefect's own exit hooks
        # (which send the last logs and events to this server).
        atexit.register(self.stop)
        return self

    def ready(self) -> str:
        """Wait until the server answers; its API URL. A one-line error when it does not."""
        import httpx

        deadline = self._started + self.startup_timeout
        while True:
            proc = self.process
            if proc is None or proc.poll() is not None:
                tail = self._output_tail()
                self.stop()
                raise PrefectServerError(f"Prefect's local server exited at start: {tail}")
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                answer = httpx.get(self.api_url + "/health", timeout=min(left, 2.0))
                if answer.status_code == 200:
                    return self.api_url
            except httpx.HTTPError:
                pass
            time.sleep(min(0.05, max(deadline - time.monotonic(), 0)))
        self.stop()
        raise PrefectServerError(
            f"Prefect's local server did not answer within {self.startup_timeout:g} s.")

    def _output_tail(self) -> str:
        out = self._output
        if out is None:
            return "no output"
        with contextlib.suppress(OSError, ValueError):
            out.seek(0)
            lines = [ln for ln in out.read().decode("utf-8", "replace").splitlines()
                     if ln.strip()]
            return lines[-1].strip() if lines else "no output"
        return "no output"

    def stop(self) -> None:
        """End the server and wait for it (5 s, then it is killed), as Prefect does its own."""
        proc, self.process = self.process, None
        if proc is not None:
            with contextlib.suppress(OSError):
                if proc.stdin is not None:
                    proc.stdin.close()
            end_process_group(proc, grace_seconds=5)
        out, self._output = self._output, None
        if out is not None:
            out.close()


def end_process_group(proc: subprocess.Popen, *, grace_seconds: float) -> None:
    """SIGTERM to the server's process group, then SIGKILL after ``grace_seconds``; waits."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@dataclass
class PrefectApi:
    """The Prefect API one command talks to, and where it comes from."""

    url: str
    origin: str                                 # PREFECT_API_URL, litrev serve, started
    server: EphemeralPrefectServer | None = None

    def ready(self) -> str:
        if self.server is not None:
            self.server.ready()
        return self.url

    @contextlib.contextmanager
    def settings(self) -> Iterator[str]:
        """Prefect's settings pointed at this API for the ``with`` block (imports Prefect).

        On a server this command started, flow runs send no heartbeats: a heartbeat tells a
        server that outlives the run that the run is still alive, and this server ends with the
        command. Prefect's heartbeat thread sleeps in steps of a second, and the flow's end
        waits for it: up to a second of every run by hand (0.4-0.9 s measured on a quiet
        night). Runs on ``litrev serve``'s server or a configured one keep Prefect's setting.
        """
        from prefect.settings import (
            PREFECT_API_URL,
            PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
            temporary_settings,
        )

        updates: dict = {PREFECT_API_URL: self.url}
        if self.server is not None:
            updates[PREFECT_FLOWS_HEARTBEAT_FREQUENCY] = None
        with temporary_settings(updates=updates):
            yield self.url


def serve_api_url(db: Path) -> str | None:
    """The address of the server ``litrev serve`` runs for this review, when it answers."""
    path = Path(db).resolve().parent / SERVE_HOME / API_URL_FILE
    try:
        url = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return url if url and server_healthy(url, timeout=1.0) else None


def open_prefect_api(db: Path) -> PrefectApi:
    """``PREFECT_API_URL`` when set; else the server of a ``litrev serve`` of this review; else
    an :class:`EphemeralPrefectServer`, launched now and waited for by :meth:`PrefectApi.ready`.

    Call it before Prefect is imported: the server then starts while the command imports
    Prefect, and it stops after Prefect's own exit hooks.
    """
    configured = os.environ.get("PREFECT_API_URL")
    if configured:
        return PrefectApi(configured, "PREFECT_API_URL")
    serving = serve_api_url(db)
    if serving:
        return PrefectApi(serving, "litrev serve")
    timeout = float(os.environ.get(STARTUP_TIMEOUT_ENV) or 120)
    server = EphemeralPrefectServer(startup_timeout=timeout).launch()
    return PrefectApi(server.api_url, "started", server)


# --- the server process ------------------------------------------------------------------------

def _end_with_parent(stdin: IO[bytes]) -> None:
    """Stop this server when the command that launched it ends (its pipe closes)."""
    with contextlib.suppress(OSError):
        stdin.read()
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(20)  # a graceful shutdown has this long, then the process ends regardless
    os._exit(0)


SETTLE_SECONDS = 0.5  # the least time between a local server's first answer and its shutdown


def prompt_uvicorn_server() -> type:
    """uvicorn's ``Server``, ending as soon as it is told to (a class made on first use: uvicorn
    is imported only in the server's process).

    Why: uvicorn looks for a stop request every 0.1 s, and once stopping gives its open
    connections 0.1 s before it waits for them; the command that started this server waits for
    it to end, so that was 0.2 s of every run by hand (0.26 s from the stop to the process's
    end, measured). Here the stop wakes the main loop at once, and the shutdown waits for open
    connections and requests in steps of 10 ms (at most ``timeout_graceful_shutdown``, 5 s when
    unset), then runs the app's shutdown (Prefect's services write what they still hold) as
    uvicorn does.

    The app's shutdown starts no sooner than :data:`SETTLE_SECONDS` after the server began
    answering: Prefect's trigger service evaluates its automations once as it starts, and a
    stop that cancels that evaluation waits out its 5 s interval first (one stop in eight
    when the server was stopped right after its first answers, none with 0.1 s between,
    measured). A harvest's flow takes longer than that, so this costs only a command that
    stops its server at once.
    """
    import asyncio

    import uvicorn

    class PromptServer(uvicorn.Server):
        _stop_requested: asyncio.Event | None = None
        _loop: asyncio.AbstractEventLoop | None = None
        _answering_since = 0.0   # when the main loop began (the server answers)

        async def main_loop(self) -> None:
            self._answering_since = time.monotonic()
            self._loop = asyncio.get_running_loop()
            self._stop_requested = asyncio.Event()
            counter = 0
            while not await self.on_tick(counter):
                counter = (counter + 1) % 864000
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop_requested.wait(), 0.1)

        def handle_exit(self, sig: int, frame: object) -> None:
            super().handle_exit(sig, frame)  # type: ignore[arg-type]
            loop, stop = self._loop, self._stop_requested
            if loop is not None and stop is not None:
                with contextlib.suppress(RuntimeError):  # the loop has closed
                    loop.call_soon_threadsafe(stop.set)

        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            for server in self.servers:
                server.close()
            for sock in sockets or []:
                sock.close()
            for connection in list(self.server_state.connections):
                connection.shutdown()
            deadline = time.monotonic() + (self.config.timeout_graceful_shutdown or 5.0)
            while (self.server_state.connections or self.server_state.tasks) \
                    and not self.force_exit and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            for task in list(self.server_state.tasks):
                task.cancel()
            for server in self.servers:
                await server.wait_closed()
            if not self.force_exit:
                since = self._answering_since or time.monotonic()  # stopped as it started
                settled = since + SETTLE_SECONDS - time.monotonic()
                if settled > 0:
                    await asyncio.sleep(settled)
                await self.lifespan.shutdown()

    return PromptServer


def serve_ephemeral(fd: int) -> None:
    """Run Prefect's app in its ephemeral mode on the listening socket ``fd``; a database
    that does not exist yet is created from Prefect's schema (:mod:`.prefect_schema`)."""
    import uvicorn

    from litrev.extract.parallel import collector_paused
    from litrev.flows.prefect_schema import seed_configured_database

    threading.Thread(target=_end_with_parent, args=(sys.stdin.buffer,), daemon=True).start()
    # Importing Prefect's server and building its app create a few hundred thousand objects
    # that live as long as the server, and the cyclic collector would walk them again and
    # again while they are made: 0.4 s of a 2.2 s start (measured). Paused, then frozen (out of
    # every later collection's walk), then back on for the requests.
    with collector_paused():
        with contextlib.suppress(Exception):  # noqa: BLE001 - Prefect's migrations then create it
            seed_configured_database()
        from prefect.server.api.server import create_app

        app = create_app()  # ephemeral, as its environment says (EPHEMERAL_ENV)
        gc.freeze()
    listener = socket.socket(fileno=fd)
    config = uvicorn.Config(app, log_level="error", lifespan="on")
    prompt_uvicorn_server()(config).run(sockets=[listener])
    # the command waits for this process to end: no collector walk through the teardown of
    # Prefect's server modules (litrev.flows.cli.run says why)
    gc.freeze()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve-fd"] and len(sys.argv) == 3:
        serve_ephemeral(int(sys.argv[2]))
    else:
        sys.exit("usage: python -m litrev.flows.prefect_server --serve-fd FD")
