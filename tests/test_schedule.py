"""The nightly deployment on a REAL Prefect server: registered with the profile's cron and time
zone and a concurrency limit of one; `run_deployment` runs it in the `litrev serve` process;
a schedule of a few seconds fires by itself; daylight saving makes no duplicate run.
`litrev deploy` is tested in tests/test_deploy.py.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import subprocess
import sys
import time
import zoneinfo
from pathlib import Path

import httpx
import pytest

from tests.lake import lake_reader
from tests.prefect_server import prefect_env, prefect_server  # noqa: F401 - fixture

FILES = Path(__file__).resolve().parent / "fixtures" / "files"
LITREV = [sys.executable, "-m", "litrev.flows.cli"]
FLOW = "nightly-harvest"


def write_profile(folder: Path, name: str, cron: str = "30 3 * * *",
                  timezone: str = "Europe/Helsinki") -> Path:
    (folder / "imports").mkdir(parents=True, exist_ok=True)
    shutil.copy(FILES / "references.ris", folder / "imports" / "references.ris")
    path = folder / "review.toml"
    path.write_text(f"""
[review]
name = "{name}"
target_language = "en"
candidate_languages = ["en", "de"]
contact_email = "test@example.org"
database = "review.ducklake"

[sources.files]
folder = "imports"

[translation]
provider = "none"

[schedule]
cron = "{cron}"
timezone = "{timezone}"
""", encoding="utf-8")
    return path


def start_serve(folder: Path, api_url: str, *args: str) -> subprocess.Popen:
    env = prefect_env(api_url, folder / "prefect-home")
    log = open(folder / "serve.log", "w")  # noqa: SIM115 - closed in stop_serve
    proc = subprocess.Popen([*LITREV, "--profile", str(folder / "review.toml"), "serve", *args],
                            cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    proc.log = log
    return proc


def stop_serve(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.log.close()


def wait_for(fn, timeout: float, what: str, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"litrev serve exited with {proc.returncode} while waiting "
                                 f"for {what}: {Path(proc.log.name).read_text()[-2000:]}")
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


def deployment(api: httpx.Client, name: str) -> dict | None:
    response = api.get(f"/deployments/name/{FLOW}/{name}")
    return response.json() if response.status_code == 200 else None


def flow_runs(api: httpx.Client, deployment_id: str) -> list[dict]:
    return api.post("/flow_runs/filter", json={
        "flow_runs": {"deployment_id": {"any_": [deployment_id]}}}).json()


@pytest.mark.slow
def test_served_deployment_has_cron_timezone_limit_and_runs_on_request(prefect_server, tmp_path):  # noqa: F811,E501
    write_profile(tmp_path, "Serve test")
    proc = start_serve(tmp_path, prefect_server)
    try:
        with httpx.Client(base_url=prefect_server, timeout=10) as api:
            dep = wait_for(lambda: deployment(api, "nightly-serve-test"), 180,
                           "the deployment to be registered", proc)
            schedule = dep["schedules"][0]["schedule"]
            assert (schedule["cron"], schedule["timezone"]) == ("30 3 * * *", "Europe/Helsinki")
            limit = dep.get("global_concurrency_limit") or {}
            assert limit.get("limit") == 1 or dep.get("concurrency_limit") == 1
            assert dep["parameters"]["db_path"] == str(tmp_path / "review.ducklake")

            from prefect.deployments import run_deployment
            from prefect.settings import PREFECT_API_URL, temporary_settings

            with temporary_settings(updates={PREFECT_API_URL: prefect_server}):
                run = run_deployment(f"{FLOW}/nightly-serve-test", timeout=240,
                                     poll_interval=1)
            assert run.state.type.value == "COMPLETED", run.state
    finally:
        stop_serve(proc)
    db = tmp_path / "review.ducklake"
    con = lake_reader(str(db))
    try:
        assert con.execute("SELECT trigger, status, flow_run_id FROM harvest_runs").fetchall() \
            == [("deployment", "succeeded", str(run.id))]
        assert con.execute("SELECT count(*) FROM works").fetchone()[0] > 0
    finally:
        con.close()


@pytest.mark.slow
def test_schedule_of_a_few_seconds_fires_by_itself(prefect_server, tmp_path):  # noqa: F811
    write_profile(tmp_path, "Interval test")
    proc = start_serve(tmp_path, prefect_server, "--interval", "5")
    try:
        with httpx.Client(base_url=prefect_server, timeout=10) as api:
            dep = wait_for(lambda: deployment(api, "nightly-interval-test"), 180,
                           "the deployment to be registered", proc)
            done = wait_for(lambda: [r for r in flow_runs(api, dep["id"])
                                     if r["state_type"] == "COMPLETED"], 240,
                            "a scheduled run to complete", proc)
    finally:
        stop_serve(proc)
    assert done[0]["auto_scheduled"] is True
    con = lake_reader(str(tmp_path / "review.ducklake"))
    try:
        triggers = {r[0] for r in con.execute("SELECT trigger FROM harvest_runs").fetchall()}
    finally:
        con.close()
    assert triggers == {"schedule"}


def test_daylight_saving_change_makes_no_duplicate_run():
    """Helsinki leaves summer time on 2026-10-25 at 04:00 (03:00-03:59 happen twice)."""
    from prefect.server.schemas.schedules import CronSchedule

    from litrev.extract.profile import parse_profile
    from litrev.flows.schedule import nightly_schedule

    profile = parse_profile({
        "review": {"name": "DST", "target_language": "en", "contact_email": "a@b.org"},
        "schedule": {"cron": "30 3 * * *", "timezone": "Europe/Helsinki"}})
    schedule = nightly_schedule(profile)
    assert (schedule.cron, schedule.timezone) == ("30 3 * * *", "Europe/Helsinki")
    server_side = CronSchedule(cron=schedule.cron, timezone=schedule.timezone)
    dates = asyncio.run(server_side.get_dates(  # what the server's scheduler computes
        n=4, start=dt.datetime(2026, 10, 23, 12, tzinfo=dt.UTC)))
    helsinki = zoneinfo.ZoneInfo("Europe/Helsinki")
    local = [d.astimezone(helsinki) for d in dates]
    assert [(d.month, d.day, d.hour, d.minute) for d in local] == [
        (10, 24, 3, 30), (10, 25, 3, 30), (10, 26, 3, 30), (10, 27, 3, 30)]
    # Before the change 03:30 is UTC+3, after it UTC+2: one run per local night.
    assert [d.utcoffset() for d in local] == [dt.timedelta(hours=3)] * 2 + \
        [dt.timedelta(hours=2)] * 2


def test_served_deployment_keeps_a_shared_catalog_url_whole(tmp_path, monkeypatch):
    """`litrev serve --db postgresql://...`: the deployment's db_path is the URL as written
    (a Path would fold its '//' and the nightly runs would write a local lake named
    'postgresql:'); a local lake is given by its absolute path."""
    from litrev.flows.schedule import deployment_parameters

    url = "postgresql://reviewer@db.example.org:5432/review"
    monkeypatch.setenv("LITREV_DATA_PATH", str(tmp_path / "lake-data"))
    assert deployment_parameters(tmp_path / "litrev.toml", url)["db_path"] == url
    local = deployment_parameters(tmp_path / "litrev.toml", "review.ducklake")["db_path"]
    assert local == str((Path.cwd() / "review.ducklake").resolve())
