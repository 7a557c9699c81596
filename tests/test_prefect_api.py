"""Which Prefect API `litrev harvest` uses: a running `litrev serve` of the same review first.

`litrev serve` writes its server's address to `.litrev-prefect/api-url` beside the database
while the server runs; a `litrev harvest` of that review without PREFECT_API_URL runs its flow
there (it shows up beside the scheduled runs) instead of starting a server of its own. An
address that no longer answers is ignored.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.prefect_server import prefect_server  # noqa: F401 - fixture

pytestmark = pytest.mark.slow
LITREV = [sys.executable, "-m", "litrev.flows.cli"]


def review(folder: Path) -> None:
    (folder / "imports").mkdir(parents=True)
    (folder / "imports" / "works.jsonl").write_text(
        '{"id": "w1", "doi": "10.5555/serve.1", "year": 2022, "language": "en", "title": '
        '"Peer support in teams", "abstract": "Peer support workers in hospital teams."}\n',
        encoding="utf-8")
    (folder / "litrev.toml").write_text(
        '[review]\nname = "Served review"\ntarget_language = "en"\n'
        'candidate_languages = ["en"]\ncontact_email = "t@example.org"\n'
        'database = "litrev.duckdb"\n\n[search.terms]\nen = ["peer support"]\n\n'
        '[translation]\nprovider = "none"\n\n[sources.files]\nfolder = "imports"\n',
        encoding="utf-8")


def harvest(folder: Path, home: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LITREV_", "PREFECT_"))}
    env["PREFECT_HOME"] = str(home)
    return subprocess.run([*LITREV, "harvest"], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=300)


def flow_runs(api_url: str, run_name_part: str) -> list[dict]:
    with httpx.Client(base_url=api_url, timeout=30) as api:
        runs = api.post("/flow_runs/filter", json={"limit": 200}).json()
    return [r for r in runs if run_name_part in ((r.get("parameters") or {}).get("run_id") or "")]


def test_harvest_runs_on_the_server_of_a_running_litrev_serve(prefect_server, tmp_path):  # noqa: F811
    folder, home = tmp_path / "review", tmp_path / "prefect-home"
    review(folder)
    (folder / ".litrev-prefect").mkdir()
    (folder / ".litrev-prefect" / "api-url").write_text(prefect_server, encoding="utf-8")
    done = harvest(folder, home)
    assert done.returncode == 0, done.stderr
    assert f"using the Prefect server of `litrev serve` at {prefect_server}" in done.stderr
    run_id = done.stdout.split("run ", 1)[1].split(":", 1)[0]
    assert [r["state_type"] for r in flow_runs(prefect_server, run_id)] == ["COMPLETED"]
    assert not (home / "prefect.db").exists()  # no server of its own was started


def test_an_address_that_no_longer_answers_is_ignored(tmp_path):
    folder, home = tmp_path / "review", tmp_path / "prefect-home"
    review(folder)
    (folder / ".litrev-prefect").mkdir()
    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/api"
    (folder / ".litrev-prefect" / "api-url").write_text(dead, encoding="utf-8")
    done = harvest(folder, home)
    assert done.returncode == 0, done.stderr
    assert "litrev serve" not in done.stderr
    assert (home / "prefect.db").exists()  # it started Prefect's local server instead


def test_runs_send_heartbeats_only_to_a_server_that_outlives_them():
    """Prefect's heartbeat tells a server that outlives a flow run that the run is alive; the
    server a command starts ends with the command, so runs on it send none (the flow's end
    would wait for the heartbeat thread's sleep). A configured server keeps Prefect's setting."""
    from prefect.settings import get_current_settings

    from litrev.flows.prefect_server import EphemeralPrefectServer, PrefectApi

    prefects_own = get_current_settings().flows.heartbeat_frequency
    assert prefects_own is not None
    with PrefectApi("http://127.0.0.1:9/api", "PREFECT_API_URL").settings():
        assert get_current_settings().flows.heartbeat_frequency == prefects_own
    with PrefectApi("http://127.0.0.1:9/api", "started", EphemeralPrefectServer()).settings():
        assert get_current_settings().flows.heartbeat_frequency is None
        assert get_current_settings().api.url == "http://127.0.0.1:9/api"
    assert get_current_settings().flows.heartbeat_frequency == prefects_own
