"""The PostgreSQL test server (tests/pgserver.py): it runs, it stops, it says when it is missing.

The child pytest runs below use the real fixtures of tests/conftest.py through a conftest of
their own in a temp folder, so what is checked is what every PostgreSQL test gets.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests import pgserver

ROOT = Path(__file__).resolve().parent.parent

CHILD_CONFTEST = "from tests.conftest import _isolated_env, postgres_db, postgres_server  # noqa\n"


def _child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LITREV_")}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def _child_pytest(folder: Path, test_source: str, **env: str) -> subprocess.Popen[str]:
    (folder / "conftest.py").write_text(CHILD_CONFTEST)
    (folder / "test_child.py").write_text(test_source)
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rs",
         "--rootdir", str(folder), str(folder / "test_child.py")],
        cwd=folder, env=_child_env(**env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped) is not a running server
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _wait_gone(pid: int, seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.2)
    return False


def test_server_answers_on_loopback_with_a_database_per_test(postgres_server, postgres_db):
    out = postgres_server.psql(postgres_db.name,
                               "SELECT current_database() || ' ' || current_user || ' ' || "
                               "host(inet_server_addr()) || ' ' || version()")
    name, user, addr, *version = out.split()
    assert (name, user, addr) == (postgres_db.name, pgserver.SUPERUSER, "127.0.0.1")
    assert version[0] == "PostgreSQL"
    # the server never runs as root (initdb and postgres refuse it)
    pid = postgres_server.postmaster_pid()
    assert pid is not None and os.stat(f"/proc/{pid}").st_uid != 0


def test_each_test_gets_its_own_empty_database(postgres_server, postgres_db):
    other = postgres_server.create_database("other")
    assert other.name != postgres_db.name
    for db in (postgres_db, other):
        tables = postgres_server.psql(
            db.name, "SELECT count(*) FROM information_schema.tables "
                     "WHERE table_schema = 'public'")
        assert tables.strip() == "0"


CHILD_RECORDS_PID = """
import os, time
def test_hold(postgres_server, postgres_db):
    with open(os.environ["PID_FILE"] + ".tmp", "w") as f:
        f.write(f"{postgres_server.postmaster_pid()} {postgres_server.root}")
    os.rename(os.environ["PID_FILE"] + ".tmp", os.environ["PID_FILE"])
    if os.environ.get("HOLD"):
        time.sleep(120)
"""


def _read_pid_file(path: Path, child: subprocess.Popen[str]) -> tuple[int, Path]:
    deadline = time.monotonic() + 120
    while not path.exists():
        if child.poll() is not None:
            pytest.fail(f"the child pytest ended early: {child.stdout.read()}")  # type: ignore[union-attr]
        if time.monotonic() > deadline:
            child.kill()
            pytest.fail("the child pytest never started its PostgreSQL server")
        time.sleep(0.1)
    pid, root = path.read_text().split(" ", 1)
    return int(pid), Path(root)


def test_server_stopped_and_removed_when_the_session_ends(tmp_path, postgres_server):
    pid_file = tmp_path / "pid"
    child = _child_pytest(tmp_path, CHILD_RECORDS_PID, PID_FILE=str(pid_file))
    out, _ = child.communicate(timeout=300)
    assert child.returncode == 0, out
    pid, root = _read_pid_file(pid_file, child)
    assert _wait_gone(pid), "the PostgreSQL server outlived its test session"
    assert not root.exists()


def test_server_stops_when_the_test_process_is_killed(tmp_path, postgres_server):
    pid_file = tmp_path / "pid"
    child = _child_pytest(tmp_path, CHILD_RECORDS_PID, PID_FILE=str(pid_file), HOLD="1")
    try:
        pid, root = _read_pid_file(pid_file, child)
        assert _alive(pid)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        assert _wait_gone(pid), "the PostgreSQL server outlived a killed test process"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()  # type: ignore[union-attr]
    # a killed session cannot remove its folder; the server itself shut down cleanly
    shutil.rmtree(root, ignore_errors=True)


CHILD_NEEDS_SERVER = """
def test_needs(postgres_server):
    pass
"""


def test_missing_postgres_fails_with_one_line_when_required(tmp_path, postgres_server):
    empty = tmp_path / "no-postgres"
    empty.mkdir()
    child = _child_pytest(tmp_path, CHILD_NEEDS_SERVER, LITREV_PG_BINDIR=str(empty),
                          LITREV_REQUIRE_POSTGRES="1")
    out, _ = child.communicate(timeout=300)
    assert child.returncode == 1, out
    assert "1 error" in out
    assert out.count(pgserver.INSTALL_HINT) == 1, out  # the whole line, once
    assert "apt-get install postgresql" in out
    assert "Traceback" not in out


def test_missing_postgres_skips_when_not_required(tmp_path, postgres_server):
    empty = tmp_path / "no-postgres"
    empty.mkdir()
    child = _child_pytest(tmp_path, CHILD_NEEDS_SERVER, LITREV_PG_BINDIR=str(empty))
    out, _ = child.communicate(timeout=300)
    assert child.returncode == 0, out
    assert "1 skipped" in out
    assert "PostgreSQL is not installed" in out


NON_ROOT_SCRIPT = """
import os, sys
sys.path.insert(0, sys.argv[1])
from tests import pgserver
server = pgserver.session_server()
db = server.create_database("nonroot")
print(os.geteuid(), server.psql(db.name, "SELECT current_user").strip())
pgserver.stop_session_server()
"""


def test_server_runs_for_a_normal_user_too(tmp_path, postgres_server):
    """As root the fixture drops to an unprivileged user; here a normal user starts it."""
    if os.geteuid() != 0:
        done = subprocess.run([sys.executable, "-c", NON_ROOT_SCRIPT, str(ROOT)],
                              capture_output=True, text=True, timeout=300, check=False)
    else:
        # tests/pgserver.py needs the standard library only; the venv's interpreter may sit
        # in root's home, which nobody cannot enter, so use the first python3 nobody can run
        python = shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin")
        if python is None:
            pytest.skip("no python3 that an unprivileged user can run")
        folder = Path(tempfile.mkdtemp(prefix="litrev-pg-nonroot-"))  # pytest's is 0700
        try:
            script = folder / "nonroot.py"
            script.write_text(NON_ROOT_SCRIPT)
            os.chmod(folder, 0o755)
            os.chmod(script, 0o644)
            done = subprocess.run(
                ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                 python, str(script), str(ROOT)],
                capture_output=True, text=True, timeout=300, check=False, cwd="/",
                env={"PATH": os.environ.get("PATH", ""), "HOME": "/"})
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        if done.returncode != 0 and "Permission denied" in done.stderr:
            pytest.skip(f"an unprivileged user cannot read this checkout: {done.stderr[-200:]}")
    assert done.returncode == 0, done.stderr
    uid, user = done.stdout.split()
    assert int(uid) != 0 and user == pgserver.SUPERUSER
