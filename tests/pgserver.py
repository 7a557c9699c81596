"""A REAL PostgreSQL server for the tests: ``initdb`` + ``postgres`` in a temp folder, loopback.

Why a real server: the shared-catalog backend (DuckLake with a PostgreSQL catalog) and its
writer lock (session advisory locks) are behaviours of PostgreSQL itself; a fake would test
nothing. One server per test session (the ``postgres_server`` fixture in tests/conftest.py),
one fresh database per test that asks for one (``postgres_db``).

- Binaries: ``LITREV_PG_BINDIR`` when set (only there), else ``initdb`` on PATH (its real
  folder, so ``postgres`` and ``createdb`` of the same version are used), else Debian's
  ``/usr/lib/postgresql/<version>/bin`` (newest version).
- As root (CI): initdb and postgres refuse to run as root, so the server runs as an
  unprivileged user (``postgres`` when it exists, else ``nobody``) in a temp folder chowned to
  it. As a normal user it runs as that user.
- No process left behind: the postmaster is a child of the test process started with a parent
  death signal (SIGINT, PostgreSQL's fast shutdown), so it also stops when pytest is killed;
  the session's cleanup stops it and removes the folder.
- Missing PostgreSQL: the fixture fails with one line saying to install it when
  ``LITREV_REQUIRE_POSTGRES=1`` (CI sets it), and skips otherwise.
"""

from __future__ import annotations

import ctypes
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# Read at import: tests/conftest.py's autouse fixture removes LITREV_* variables per test.
REQUIRE = os.environ.get("LITREV_REQUIRE_POSTGRES") == "1"
BINDIR_OVERRIDE = os.environ.get("LITREV_PG_BINDIR")
SUPERUSER = "litrev"
INSTALL_HINT = ("PostgreSQL is not installed (no initdb found): install it "
                "(apt-get install postgresql) or unset LITREV_REQUIRE_POSTGRES to skip these tests")
_PR_SET_PDEATHSIG = 1


def find_bindir(override: str | None = BINDIR_OVERRIDE) -> Path | None:
    """The folder holding initdb, postgres and createdb of one PostgreSQL version, or None."""
    if override is not None:
        folder = Path(override)
        return folder if (folder / "initdb").exists() and (folder / "postgres").exists() else None
    on_path = shutil.which("initdb")
    if on_path:
        folder = Path(on_path).resolve().parent
        if (folder / "postgres").exists():
            return folder
    # Debian keeps the server binaries out of PATH, one folder per major version.
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(re.sub(r"\D", "", Path(p).parent.parent.name) or 0))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _server_user() -> pwd.struct_passwd | None:
    """The unprivileged user to run the server as when we are root, else None (run as us)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' user exists: "
                       "create an unprivileged user for the PostgreSQL test server")


def _child_setup(user: pwd.struct_passwd | None, death_signal: int | None):
    """preexec_fn: drop to ``user`` (as root), then ask for ``death_signal`` when we die.

    The parent death signal is set after the user change because changing credentials clears
    it (prctl(2)); postgres is not set-user-ID, so exec keeps it.
    """
    def setup() -> None:
        if user is not None:
            os.setgroups([])
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)
        if death_signal is not None:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, death_signal, 0, 0, 0)
    return setup


@dataclass(frozen=True)
class PgDatabase:
    """One database on the test server: how DuckDB, libpq and litrev name it."""

    name: str
    host: str
    port: int
    user: str

    @property
    def conninfo(self) -> str:
        """libpq keyword form, as in ``ATTACH 'ducklake:postgres:<conninfo>'``."""
        return f"dbname={self.name} host={self.host} port={self.port} user={self.user}"

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.name}"


class PostgresServer:
    """initdb into a temp folder, start ``postgres`` on a free loopback port, stop, clean up."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.host = "127.0.0.1"
        self.port = 0
        self.root: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._user = _server_user()
        self._databases = 0

    @property
    def data_dir(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        assert self.root is not None
        return self.root / "server.log"

    def _run_as_server_user(self, args: list[str]) -> None:
        assert self.root is not None
        done = subprocess.run(args, cwd=self.root, capture_output=True,
                              preexec_fn=_child_setup(self._user, None), check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed ({done.returncode}): "
                               f"{done.stderr.decode(errors='replace').strip()[-2000:]}")

    def start(self, attempts: int = 3) -> PostgresServer:
        self.root = Path(tempfile.mkdtemp(prefix="litrev-pg-test-"))
        try:
            if self._user is not None:
                os.chown(self.root, self._user.pw_uid, self._user.pw_gid)
            self._run_as_server_user([
                str(self.bindir / "initdb"), "-D", str(self.data_dir), "-U", SUPERUSER,
                "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"])
            for attempt in range(attempts):
                self.port = free_port()
                if self._launch():
                    return self
                if attempt == attempts - 1:
                    raise RuntimeError("the PostgreSQL test server did not start: "
                                       + self._log_tail())
        except BaseException:
            self.stop()
            raise
        return self

    def _launch(self) -> bool:
        """Start postgres on ``self.port``; True once it accepts connections."""
        assert self.root is not None
        log = open(self.log_file, "ab")  # noqa: SIM115 - handed to the child, closed below
        try:
            self.process = subprocess.Popen(
                [str(self.bindir / "postgres"), "-D", str(self.data_dir),
                 "-c", f"listen_addresses={self.host}", "-p", str(self.port),
                 "-c", f"unix_socket_directories={self.root}",
                 "-c", "fsync=off", "-c", "synchronous_commit=off",
                 "-c", "full_page_writes=off", "-c", "max_connections=200"],
                cwd=self.root, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                preexec_fn=_child_setup(self._user, signal.SIGINT))
        finally:
            log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process = None
                return False
            if self._accepts():
                return True
            time.sleep(0.1)
        self._kill()
        return False

    def _accepts(self) -> bool:
        done = subprocess.run(
            [str(self.bindir / "pg_isready"), "-h", self.host, "-p", str(self.port),
             "-U", SUPERUSER, "-d", "postgres"], capture_output=True, check=False)
        return done.returncode == 0

    def _log_tail(self) -> str:
        try:
            return self.log_file.read_text(errors="replace").strip()[-2000:]
        except OSError:
            return "(no server log)"

    def create_database(self, prefix: str = "t") -> PgDatabase:
        """A new, empty database owned by the test superuser."""
        self._databases += 1
        name = f"{re.sub(r'[^a-z0-9_]', '_', prefix.lower())[:40]}_{self._databases}"
        self.psql("postgres", f'CREATE DATABASE "{name}"')
        return PgDatabase(name=name, host=self.host, port=self.port, user=SUPERUSER)

    def psql(self, dbname: str, sql: str) -> str:
        """Run SQL with the server's own psql client; returns unaligned tuples-only output."""
        done = subprocess.run(
            [str(self.bindir / "psql"), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1",
             "-h", self.host, "-p", str(self.port), "-U", SUPERUSER, "-d", dbname, "-c", sql],
            capture_output=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"psql failed: {done.stderr.decode(errors='replace').strip()}")
        return done.stdout.decode()

    def postmaster_pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def _kill(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown: clients disconnected
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.send_signal(signal.SIGQUIT)  # immediate shutdown
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
        self.process = None

    def stop(self) -> None:
        """Stop the server (if running) and remove its folder. Safe to call twice."""
        self._kill()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None


_state: dict[str, PostgresServer] = {}


def session_server() -> PostgresServer:
    """The session's server, started on first use (the fixture registers its stop)."""
    server = _state.get("server")
    if server is None:
        bindir = find_bindir()
        if bindir is None:
            raise FileNotFoundError(INSTALL_HINT)
        server = PostgresServer(bindir).start()
        _state["server"] = server
    return server


def stop_session_server() -> None:
    server = _state.pop("server", None)
    if server is not None:
        server.stop()
