"""How long the starter profile takes to give up when no API can be reached, and how much it prints.

Runs `litrev init`, points every API of the starter profile at a host that cannot be reached
(names under ``.invalid``, which never resolve, and one loopback port where nothing listens), then
`litrev harvest` as a user runs it, and prints its wall time, exit code and number of lines:

- against a Prefect server that is already running (``litrev serve``, ``PREFECT_API_URL``);
- with Prefect's local server started by the command itself (no ``PREFECT_API_URL``), which
  is what a first-time user gets.

    python bench/offline_night.py            # both, 3 runs each
    python bench/offline_night.py --runs 1
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from litrev.flows.prefect_server import LocalPrefectServer  # noqa: E402

LITREV = [sys.executable, "-m", "litrev.flows.cli"]
SOURCES = ("crossref", "europepmc", "finna", "openalex", "semanticscholar")


def refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def offline_review(folder: Path, env: dict[str, str]) -> None:
    subprocess.run([*LITREV, "init"], cwd=folder, env=env, check=True, capture_output=True)
    profile = folder / "litrev.toml"
    text = profile.read_text(encoding="utf-8")
    urls = {name: f"https://api.{name}.litrev-bench.invalid" for name in SOURCES}
    urls["crossref"] = f"http://127.0.0.1:{refused_port()}"
    for name, url in urls.items():
        text = text.replace(f"[sources.{name}]\n", f'[sources.{name}]\nbase_url = "{url}"\n')
    profile.write_text(text, encoding="utf-8")


def one_run(env: dict[str, str]) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory(prefix="litrev-offline-") as tmp:
        folder = Path(tmp)
        offline_review(folder, env)
        started = time.monotonic()
        done = subprocess.run([*LITREV, "harvest"], cwd=folder, env=env, capture_output=True,
                              text=True, timeout=600)
        elapsed = time.monotonic() - started
    lines = len(done.stdout.splitlines()) + len(done.stderr.splitlines())
    return elapsed, done.returncode, lines


def report(label: str, runs: list[tuple[float, int, int]]) -> None:
    times = [r[0] for r in runs]
    print(f"{label}: median {statistics.median(times):.1f} s (runs: "
          f"{', '.join(f'{t:.1f}' for t in times)}); exit codes {sorted({r[1] for r in runs})}; "
          f"lines printed {max(r[2] for r in runs)} at most")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("LITREV_", "PREFECT_API_URL"))}
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="litrev-prefect-") as home:
        server = LocalPrefectServer(home=Path(home) / "server")
        server.start()
        try:
            env = {**base, "PREFECT_API_URL": server.api_url,
                   "PREFECT_HOME": str(Path(home) / "client")}
            report("with a running Prefect server",
                   [one_run(env) for _ in range(args.runs)])
        finally:
            server.stop()
        env = {**base, "PREFECT_HOME": str(Path(home) / "ephemeral")}
        one_run(env)  # Prefect creates its local database on the first start: not counted
        report("Prefect's local server started by the command",
               [one_run(env) for _ in range(args.runs)])


if __name__ == "__main__":
    main()
