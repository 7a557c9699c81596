"""A night that goes wrong, as a new user meets it: no network, a kill, a Ctrl-C.

`litrev init` then `litrev harvest` with the starter profile, every API host unreachable (names
under ``.invalid``, which never resolve, and a loopback port where nothing listens, so the test
is the same with or without a network), run as a user runs it: the console script in a child
process talking to a real Prefect server.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.lake import lake_reader
from tests.prefect_server import prefect_env, prefect_server  # noqa: F401 - fixture

LITREV = [sys.executable, "-m", "litrev.flows.cli"]
NETWORK_SOURCES = ("crossref", "europepmc", "finna", "openalex", "semanticscholar")

pytestmark = pytest.mark.slow


def refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def offline_starter_profile(folder: Path, env: dict[str, str]) -> Path:
    """`litrev init`'s starter profile with each API pointed where nothing answers."""
    done = subprocess.run([*LITREV, "init"], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    profile = folder / "litrev.toml"
    text = profile.read_text(encoding="utf-8")
    unreachable = {name: f"https://api.{name}.litrev-test.invalid" for name in NETWORK_SOURCES}
    unreachable["crossref"] = f"http://127.0.0.1:{refused_port()}"
    for name, url in unreachable.items():
        text = text.replace(f"[sources.{name}]\n", f'[sources.{name}]\nbase_url = "{url}"\n')
    profile.write_text(text, encoding="utf-8")
    return profile


def rows(db: Path, sql: str) -> list[tuple]:
    con = lake_reader(str(db))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_offline_starter_profile_fails_fast_quietly_with_exit_3(prefect_server, tmp_path):  # noqa: F811
    env = prefect_env(prefect_server, tmp_path / "prefect-home")
    offline_starter_profile(tmp_path, env)
    done = subprocess.run([*LITREV, "harvest"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=240)
    lines = done.stdout.splitlines() + done.stderr.splitlines()
    shown = "\n".join(lines)

    assert done.returncode == 3, shown
    assert "Traceback" not in shown
    assert len(lines) <= 15, shown
    # Each network source failed with one short reason naming its host.
    assert "  openalex: failed after " in shown
    assert "api.openalex.litrev-test.invalid: name not resolved, no network?" in shown
    assert re.search(r"crossref: failed after [\d.]+ s: 127\.0\.0\.1:\d+: connection refused",
                     shown)
    assert "WARNING" not in shown and "attempt 1/" not in shown  # retries are in the log
    # The summary names the log; the log holds the retry notices with whole URLs.
    log_name = re.search(r"log: (litrev-logs/\S+\.log)", done.stdout)
    assert log_name, shown
    log = (tmp_path / log_name.group(1)).read_text(encoding="utf-8")
    assert "openalex: attempt 1/" in log and "https://api.openalex.litrev-test.invalid/" in log
    # It fails fast: each source gives its unreachable host a few quick attempts (at most 3 s of
    # waiting between them) and is not retried as a whole; before, a night waited out minutes
    # of backoff. (How long the whole night takes is bench/offline_night.py's figure.)
    waited = dict.fromkeys(NETWORK_SOURCES, 0.0)
    for source, seconds in re.findall(r"(\w+): attempt \d+/\d+ failed .*?; retrying in "
                                      r"([\d.]+) s", log):
        waited[source] += float(seconds)
    assert max(waited.values()) <= 3.0, waited
    for source in NETWORK_SOURCES:
        assert f"{source}: " in log and "is unreachable after" in log
    assert "retrying the whole source" not in log
    # The ledger is readable and says the same.
    db = tmp_path / "litrev.ducklake"
    # partial: the starter profile's files source read its (empty) import folder, and said so
    assert rows(db, "SELECT status FROM harvest_runs") == [("partial",)]
    assert rows(db, "SELECT status, error LIKE '%holds no files%' FROM search_log "
                    "WHERE source = 'files'") == [("succeeded", True)]
    failed = dict(rows(db, "SELECT source, count(*) FROM search_log WHERE status = 'failed' "
                           "GROUP BY source"))
    assert set(NETWORK_SOURCES) <= set(failed)
    status = subprocess.run([*LITREV, "status"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=120)
    assert status.returncode == 0 and " failed " in status.stdout, status.stderr


def start_paused(tmp_path: Path, api_url: str, stage: str, *args: str) -> tuple:
    marker = tmp_path / f"paused-at-{stage}"
    env = prefect_env(api_url, tmp_path / "prefect-home",
                      LITREV_FAULT_PAUSE=f"{stage}:{marker}")
    proc = subprocess.Popen([*LITREV, "harvest", *args], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 200
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the harvest never reached the pause"
        time.sleep(0.05)
    return proc, env


def files_profile(folder: Path) -> None:
    (folder / "imports").mkdir()
    (folder / "imports" / "works.jsonl").write_text(
        "".join(f'{{"id": "w{i}", "doi": "10.5555/night.{i}", "year": 2021, "language": "en", '
                f'"title": "Peer support at night {i}", "abstract": "Peer support workers '
                f'on night shifts, study {i}."}}\n' for i in range(40)), encoding="utf-8")
    (folder / "litrev.toml").write_text(
        '[review]\nname = "Night"\ntarget_language = "en"\ncandidate_languages = ["en"]\n'
        'contact_email = "t@example.org"\ndatabase = "litrev.ducklake"\n\n'
        '[search.terms]\nen = ["peer support"]\n\n[translation]\nprovider = "none"\n\n'
        '[sources.files]\nfolder = "imports"\n', encoding="utf-8")


def test_sigkill_leaves_the_run_running_until_status_marks_it_interrupted(prefect_server,  # noqa: F811
                                                                           tmp_path):
    files_profile(tmp_path)
    proc, env = start_paused(tmp_path, prefect_server, "harvesting")
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    db = tmp_path / "litrev.ducklake"
    assert rows(db, "SELECT status FROM harvest_runs") == [("running",)]

    status = subprocess.run([*LITREV, "status"], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=120)
    assert status.returncode == 0, status.stderr
    assert rows(db, "SELECT status FROM harvest_runs") == [("interrupted",)]
    assert " interrupted " in status.stdout
    prisma = subprocess.run([*LITREV, "prisma", "--since", "2000-01-01", "--format", "csv"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert ",interrupted,cli,0," in prisma.stdout  # listed as interrupted, with no searches


def test_ctrl_c_exits_130_keeps_what_was_committed_and_marks_the_run(prefect_server,  # noqa: F811
                                                                     tmp_path):
    files_profile(tmp_path)
    proc, _ = start_paused(tmp_path, prefect_server, "committed")
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    db = tmp_path / "litrev.ducklake"
    assert rows(db, "SELECT count(*) FROM works") == [(40,)]  # the committed batch is kept
    assert rows(db, "SELECT status FROM harvest_runs") == [("interrupted",)]
    assert rows(db, "SELECT count(*) FROM search_log") == [(1,)]
    said = [line for line in err.splitlines() if "interrupted" in line]
    assert len(said) == 1 and said[0].startswith("litrev: interrupted: run "), err
    assert "Traceback" not in err
    # A second Ctrl-C run later: the run after it finds nothing new and everything once.
    again = subprocess.run([*LITREV, "harvest"], cwd=tmp_path,
                           env=prefect_env(prefect_server, tmp_path / "prefect-home"),
                           capture_output=True, text=True, timeout=240)
    assert again.returncode == 0, again.stderr
    assert rows(db, "SELECT count(*), count(DISTINCT doi) FROM works") == [(40, 40)]
