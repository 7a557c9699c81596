"""A REAL Prefect server for the tests: ``prefect server start`` on loopback, once per session.

Import the fixture into a test module (``from tests.prefect_server import prefect_server``).
Several modules share one server: it is started on first use and stopped when the session
ends. Its scheduler loop runs every second (``PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS``)
so a schedule of a few seconds fires during a test.

:func:`prefect_env` gives the environment for child processes (``litrev harvest``,
``litrev serve``) that talk to it, with a temporary ``PREFECT_HOME`` of their own.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from litrev.flows.prefect_server import QUIET_PREFECT_ENV, LocalPrefectServer

SERVER_SETTINGS = {
    "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "1",
    "PREFECT_SERVER_SERVICES_SCHEDULER_MIN_RUNS": "3",
    "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false",
    "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
}

_state: dict = {}


def _start() -> LocalPrefectServer:
    home = Path(tempfile.mkdtemp(prefix="litrev-prefect-test-"))
    server = LocalPrefectServer(home=home / "server", extra_env=SERVER_SETTINGS)
    server.start()
    _state.update(server=server, home=home)
    return server


def _stop() -> None:
    server = _state.pop("server", None)
    if server is not None:
        server.stop()
    home = _state.pop("home", None)
    if home is not None:
        shutil.rmtree(home, ignore_errors=True)


def prefect_env(api_url: str, home: Path, **extra: str) -> dict[str, str]:
    """Environment for a child process that uses the test server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LITREV_")}
    env.update(QUIET_PREFECT_ENV)
    env.update({"PREFECT_API_URL": api_url, "PREFECT_HOME": str(home),
                "PREFECT_RUNNER_POLL_FREQUENCY": "1", "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


@pytest.fixture(scope="session")
def prefect_server(request) -> str:
    """The API URL of a running real Prefect server (started once, stopped at session end)."""
    server = _state.get("server") or _start()
    if not _state.get("finalizer"):
        _state["finalizer"] = True
        request.session.config.add_cleanup(_stop)
    return server.api_url
