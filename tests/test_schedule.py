"""The nightly deployment on a REAL Prefect server: registered with the profile's cron and time
zone and a concurrency limit of one; `run_deployment` runs it in the `litrev serve` process;
a schedule of a few seconds fires by itself; daylight saving makes no duplicate run;
`litrev deploy` writes a prefect.yaml that `prefect deploy` accepts.
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

import duckdb
import httpx
import pytest
import yaml

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
    con = duckdb.connect(str(db), read_only=True)
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
    con = duckdb.connect(str(tmp_path / "review.ducklake"), read_only=True)
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


def test_deploy_writes_a_prefect_yaml(tmp_path):
    from litrev.flows.cli import main

    write_profile(tmp_path, "Deploy test", cron="0 2 * * 1-5", timezone="Europe/Berlin")
    assert main(["--profile", str(tmp_path / "review.toml"), "deploy", "--pool", "reviews",
                 "-o", str(tmp_path / "prefect.yaml")]) == 0
    spec = yaml.safe_load((tmp_path / "prefect.yaml").read_text(encoding="utf-8"))
    dep = spec["deployments"][0]
    assert dep["name"] == "nightly-deploy-test"
    assert dep["entrypoint"] == "litrev.flows.harvest.nightly_harvest"
    assert dep["schedules"] == [{"cron": "0 2 * * 1-5", "timezone": "Europe/Berlin",
                                 "active": True}]
    assert dep["concurrency_limit"] == 1
    assert dep["work_pool"]["name"] == "reviews"
    assert dep["parameters"]["profile_path"] == str(tmp_path / "review.toml")
    assert main(["--profile", str(tmp_path / "review.toml"), "deploy",
                 "-o", str(tmp_path / "prefect.yaml")]) == 1  # exists: --force needed


@pytest.mark.slow
def test_prefect_deploy_accepts_the_written_yaml(prefect_server, tmp_path):  # noqa: F811
    write_profile(tmp_path, "Yaml test")
    env = prefect_env(prefect_server, tmp_path / "prefect-home")
    subprocess.run([*LITREV, "--profile", str(tmp_path / "review.toml"), "deploy", "--pool",
                    "litrev-test"], cwd=tmp_path, env=env, check=True, capture_output=True)
    prefect = [sys.executable, "-m", "prefect"]
    subprocess.run([*prefect, "work-pool", "create", "litrev-test", "--type", "process"],
                   cwd=tmp_path, env=env, capture_output=True, timeout=120)
    done = subprocess.run([*prefect, "--no-prompt", "deploy", "--all"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    with httpx.Client(base_url=prefect_server, timeout=10) as api:
        dep = deployment(api, "nightly-yaml-test")
    assert dep["schedules"][0]["schedule"]["timezone"] == "Europe/Helsinki"
    assert dep["work_pool_name"] == "litrev-test"
