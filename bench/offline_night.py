"""How long the starter profile takes to give up when no API can be reached, and how much it prints.

Runs `litrev init`, points every API of the starter profile at a host that cannot be reached
(names under ``.invalid``, which never resolve, and one loopback port where nothing listens), then
`litrev harvest` as a user runs it, and prints its wall time, exit code and number of lines:

- a fresh user's FIRST run: a new folder and a new, empty ``PREFECT_HOME``, no
  ``PREFECT_API_URL``, so the command starts Prefect's local server, which creates its database
  first (the issue's figure: `litrev init && litrev harvest`, both timed);
- a later run: the same ``PREFECT_HOME`` again (Prefect's database exists);
- against a Prefect server that is already running (``litrev serve``, ``PREFECT_API_URL``).

Each case runs ``--runs`` times (median printed). Besides wall time it prints the CPU time of
every process the harvest started (the command, Prefect's server; this bench adopts and reaps
processes that outlive the command), which a loaded machine changes far less than wall time.
``--baseline DIR`` also runs the code of another checkout (``git archive <commit> | tar -x -C
DIR``) with this Python, interleaved with this checkout's runs, so both meet the same load:

    python bench/offline_night.py                        # every case, 3 runs each
    python bench/offline_night.py --runs 5 --cases first
    python bench/offline_night.py --baseline ../litrev-main --cases first
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from litrev.flows.prefect_server import LocalPrefectServer  # noqa: E402

LITREV = [sys.executable, "-m", "litrev.flows.cli"]
SOURCES = ("crossref", "europepmc", "finna", "openalex", "semanticscholar")
CASES = ("first", "later", "server")


PR_SET_CHILD_SUBREAPER = 36  # Linux prctl: orphans of our children become ours to reap


@dataclass(frozen=True)
class Run:
    init_seconds: float
    harvest_seconds: float
    cpu_seconds: float
    exit_code: int
    lines: int
    load: float


def adopt_orphans() -> None:
    """Let processes that outlive the command (Prefect's server) be reaped by this bench, so
    that their CPU time is counted."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _children() -> list[int]:
    mine = str(os.getpid())
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == mine:
            pids.append(int(stat.parent.name))
    return pids


def reap(keep: set[int], timeout: float = 60.0) -> None:
    """Wait for every child but ``keep`` (adopted orphans end by themselves)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = [pid for pid in _children() if pid not in keep]
        if not left:
            return
        for pid in left:
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
        time.sleep(0.05)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def code_env(env: dict[str, str], tree: Path | None) -> dict[str, str]:
    """``env`` running the litrev of ``tree`` (another checkout) instead of this one."""
    if tree is None:
        return env
    return {**env, "PYTHONPATH": str(tree)}


def offline_review(folder: Path, env: dict[str, str]) -> float:
    """`litrev init` in ``folder`` (timed), then every API pointed where nothing answers."""
    started = time.monotonic()
    subprocess.run([*LITREV, "init"], cwd=folder, env=env, check=True, capture_output=True)
    elapsed = time.monotonic() - started
    profile = folder / "litrev.toml"
    text = profile.read_text(encoding="utf-8")
    urls = {name: f"https://api.{name}.litrev-bench.invalid" for name in SOURCES}
    urls["crossref"] = f"http://127.0.0.1:{refused_port()}"
    for name, url in urls.items():
        text = text.replace(f"[sources.{name}]\n", f'[sources.{name}]\nbase_url = "{url}"\n')
    profile.write_text(text, encoding="utf-8")
    return elapsed


KEEP: set[int] = set()  # the running server of the "server" case


def harvest(folder: Path, env: dict[str, str]) -> tuple[float, float, int, int]:
    """Wall seconds, CPU seconds (every process it started), exit code, lines printed."""
    reap(KEEP)
    cpu = children_cpu()
    started = time.monotonic()
    done = subprocess.run([*LITREV, "harvest"], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=600)
    elapsed = time.monotonic() - started
    reap(KEEP)
    if "Traceback" in done.stderr:
        print(done.stderr, file=sys.stderr)
    lines = len(done.stdout.splitlines()) + len(done.stderr.splitlines())
    return elapsed, children_cpu() - cpu, done.returncode, lines


def one_run(env: dict[str, str], prefect_home: Path | None, runs_before: int = 0) -> Run:
    """A new review folder; ``prefect_home`` None keeps ``env``'s own; ``runs_before``
    harvests first (not timed), so Prefect's database exists."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="litrev-offline-") as tmp:
        folder = Path(tmp)
        if prefect_home is not None:
            env = {**env, "PREFECT_HOME": str(prefect_home)}
        init_seconds = offline_review(folder, env)
        for _ in range(runs_before):
            harvest(folder, env)
        seconds, cpu, code, lines = harvest(folder, env)
    return Run(init_seconds, seconds, cpu, code, lines, load)


def report(label: str, runs: list[Run], *, with_init: bool = False) -> None:
    times = [r.harvest_seconds for r in runs]
    line = (f"{label}: harvest median {statistics.median(times):.1f} s (runs: "
            f"{', '.join(f'{t:.1f}' for t in times)})")
    if with_init:
        both = [r.init_seconds + r.harvest_seconds for r in runs]
        line += f"; init + harvest median {statistics.median(both):.1f} s"
    line += f"; CPU median {statistics.median(r.cpu_seconds for r in runs):.1f} s"
    line += (f"; exit codes {sorted({r.exit_code for r in runs})}; lines printed "
             f"{max(r.lines for r in runs)} at most; load average "
             f"{min(r.load for r in runs):.1f}-{max(r.load for r in runs):.1f} at the starts")
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument("--baseline", type=Path, metavar="DIR",
                        help="also run the litrev of this checkout, interleaved")
    args = parser.parse_args()
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("LITREV_", "PREFECT_API_URL", "PREFECT_HOME"))}
    trees: dict[str, Path | None] = {"this checkout": None}
    if args.baseline:
        trees = {f"baseline {args.baseline.name}": args.baseline.resolve(), **trees}
    adopt_orphans()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
    with tempfile.TemporaryDirectory(prefix="litrev-prefect-") as tmp:
        home = Path(tmp)
        if "first" in args.cases:
            runs: dict[str, list[Run]] = {label: [] for label in trees}
            for i in range(args.runs):
                for j, (label, tree) in enumerate(trees.items()):
                    runs[label].append(one_run(code_env(base, tree), home / f"first-{i}-{j}"))
            for label, done in runs.items():
                report(f"{label}, first run (new PREFECT_HOME, server started by the command)",
                       done, with_init=True)
        if "later" in args.cases:
            runs = {label: [] for label in trees}
            for _ in range(args.runs):
                for j, (label, tree) in enumerate(trees.items()):
                    later_home = home / f"later-{j}"
                    before = 0 if later_home.exists() else 1
                    runs[label].append(one_run(code_env(base, tree), later_home, before))
            for label, done in runs.items():
                report(f"{label}, later run (PREFECT_HOME used before)", done)
        if "server" in args.cases:
            server = LocalPrefectServer(home=home / "server")
            server.start()
            KEEP.add(server.process.pid if server.process else 0)
            try:
                env = {**base, "PREFECT_API_URL": server.api_url}
                runs = {label: [] for label in trees}
                for i in range(args.runs):
                    for j, (label, tree) in enumerate(trees.items()):
                        runs[label].append(one_run(code_env(env, tree),
                                                   home / f"client-{i}-{j}"))
            finally:
                server.stop()
            for label, done in runs.items():
                report(f"{label}, with a running Prefect server (PREFECT_API_URL)", done)


if __name__ == "__main__":
    from recording import recorded

    with recorded("offline_night"):
        main()
