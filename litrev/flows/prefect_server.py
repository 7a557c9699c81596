"""A local Prefect server on loopback, started and stopped by litrev.

Why: Prefect's ephemeral mode (what a plain `litrev harvest` uses) cannot schedule flows; a
schedule needs a real server running its scheduler service. A review lead who has no Prefect
server should still get the nightly harvest from one command, so ``litrev serve`` starts
``prefect server start`` itself on 127.0.0.1 with a free port and its own ``PREFECT_HOME``,
waits until ``/api/health`` answers, and stops it on exit. The test suite uses the same class.

    with LocalPrefectServer(home=Path("prefect-home")) as server:
        server.api_url
    # -> 'http://127.0.0.1:54321/api'
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from litrev.flows.errors import FlowError

# Settings that keep a litrev-run Prefect quiet and offline: no telemetry calls to the
# internet (they fail on an offline machine and print errors), no UI build.
QUIET_PREFECT_ENV = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_UI_ENABLED": "false",
    "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
}


class PrefectServerError(FlowError):
    """The local Prefect server did not start or answer."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_healthy(api_url: str, timeout: float = 2.0) -> bool:
    try:
        return httpx.get(api_url.rstrip("/") + "/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


class LocalPrefectServer:
    """``prefect server start`` on loopback, as a child process in its own process group."""

    def __init__(self, home: Path, *, port: int | None = None, extra_env: dict | None = None,
                 startup_timeout: float = 120.0, log_path: Path | None = None) -> None:
        self.home = Path(home)
        self.port = port or free_port()
        self.extra_env = dict(extra_env or {})
        self.startup_timeout = startup_timeout
        self.log_path = log_path or self.home / "server.log"
        self.process: subprocess.Popen | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("PREFECT_API_URL", None)
        env.update(QUIET_PREFECT_ENV)
        env.update({"PREFECT_HOME": str(self.home),
                    "PREFECT_SERVER_API_HOST": "127.0.0.1",
                    "PREFECT_SERVER_API_PORT": str(self.port)})
        env.update(self.extra_env)
        return env

    def start(self) -> str:
        self.home.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process in stop()
        self._log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
             "--port", str(self.port), "--no-ui", "--analytics-off"],
            env=self.env(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self._log_tail()
                self.stop()
                raise PrefectServerError(
                    f"the local Prefect server exited at start (see {self.log_path}): {tail}")
            if server_healthy(self.api_url, timeout=1.0):
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
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log = getattr(self, "_log", None)
        if log is not None:
            log.close()
            self._log = None

    def __enter__(self) -> LocalPrefectServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
