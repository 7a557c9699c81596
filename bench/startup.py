"""How fast the `litrev` command answers: `-h`, `--version` and `status` on an empty database.

Runs the installed `litrev` script (the one next to this Python) several times per command and
prints the median and fastest wall time from process start to exit, and which heavy libraries
the command loaded (read from Python's import log). A stand-in for `hyperfine`, which is not
installed everywhere.

    python bench/startup.py
    python bench/startup.py --runs 20
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAVY = ("pandas", "pyarrow", "duckdb", "prefect", "httpx", "matplotlib", "lingua", "heliport")


def litrev_script() -> str:
    script = shutil.which("litrev", path=str(Path(sys.executable).parent))
    if not script:
        sys.exit("no litrev script next to this Python: pip install -e . first")
    return script


def wall_times(command: list[str], cwd: Path, runs: int) -> list[float] | str:
    """Seconds per run, or why the command failed."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(command, cwd=cwd, capture_output=True, timeout=120)
        if done.returncode != 0:
            return f"failed (exit {done.returncode})"
        times.append(time.perf_counter() - started)
    return times


def heavy_imports(command: list[str], cwd: Path) -> list[str]:
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    loaded = set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s*(\w+)", done.stderr, re.M))
    return [name for name in HEAVY if name in loaded]


def compile_bytecode() -> None:
    """Compile litrev's modules once, as pip does when it installs a package: with
    PYTHONDONTWRITEBYTECODE set (as on some CI machines) an editable install would otherwise
    compile every module on every run, and the bench would time the compiler (~0.2 s)."""
    import compileall

    compileall.compile_dir(str(Path(__file__).resolve().parent.parent / "litrev"), quiet=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs per command")
    args = parser.parse_args()
    script = litrev_script()
    compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="litrev-startup-") as tmp:
        folder = Path(tmp)
        db = folder / "review.duckdb"
        subprocess.run([script, "--db", str(db), "init"], cwd=folder, capture_output=True,
                       check=True, timeout=120)
        commands = {"litrev -h": [script, "-h"],
                    "litrev --version": [script, "--version"],
                    "litrev status": [script, "--db", str(db), "status"],
                    "python -c pass (the floor)": [sys.executable, "-c", "pass"]}
        print(f"{args.runs} runs each; wall time from process start to exit")
        print(f"{'command':<28} {'median s':>9} {'fastest s':>10}  heavy libraries loaded")
        for label, command in commands.items():
            times = wall_times(command, folder, args.runs)
            if isinstance(times, str):
                print(f"{label:<28} {times}")
                continue
            heavy = ", ".join(heavy_imports(command, folder)) if label.startswith("litrev") \
                else ""
            print(f"{label:<28} {statistics.median(times):>9.3f} {min(times):>10.3f}  "
                  f"{heavy or '-'}")
    return 0


if __name__ == "__main__":
    from recording import recorded

    with recorded("startup"):
        sys.exit(main())
