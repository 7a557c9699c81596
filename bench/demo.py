"""How long `litrev demo` takes, as a newcomer runs it, and whether its report renders.

Runs `python -m litrev.flows.cli demo` in a fresh temporary folder three times: first with an empty
Prefect home (the very first run on a fresh machine: Prefect creates its database), then twice
more in the same folder (the usual case). Prints the wall time of each run, the time the demo
itself reports, the CPU time it used (which other work on the machine does not inflate), and
the load average (which does inflate the wall time).
Goal (docs/architecture.md, "Goals"): under 60 s.

With Chromium installed (`apt-get install -y chromium`) it then renders the report headless to
PNG, prints the number of charts in the rendered page and any console message, and leaves the
PNG beside the report for a look.

    python bench/demo.py
    python bench/demo.py --runs 1 --keep     # one run; keep the folder and print its path
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                  "--enable-logging=stderr", "--v=0"]


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_demo(folder: Path) -> tuple[float, float, float | None, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LITREV_", "PREFECT_"))}
    env["PREFECT_HOME"] = str(folder / ".prefect-home")
    env["PYTHONPATH"] = str(REPO)
    started, cpu = time.perf_counter(), children_cpu()
    done = subprocess.run([sys.executable, "-m", "litrev.flows.cli", "demo"], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=600)
    wall, cpu = time.perf_counter() - started, children_cpu() - cpu
    found = re.search(r"finished in ([\d.]+) s", done.stdout)
    if done.returncode != 0:
        print(done.stderr[-2000:], file=sys.stderr)
    return wall, cpu, float(found.group(1)) if found else None, done.returncode


def render(report: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("chromium: not installed; skipped the render (apt-get install -y chromium)")
        return
    with tempfile.TemporaryDirectory() as profile:
        base = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
        dom = subprocess.run([*base, "--dump-dom", report.as_uri()], capture_output=True,
                             text=True, timeout=120)
    with tempfile.TemporaryDirectory() as profile:
        png = report.with_suffix(".png")
        subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                        f"--screenshot={png}", "--window-size=1280,4000", report.as_uri()],
                       capture_output=True, text=True, timeout=120)
    console = [line for line in dom.stderr.splitlines() if ":CONSOLE" in line]
    print(f"chromium: rendered DOM has {dom.stdout.count('<svg')} SVG charts, "
          f"{len(console)} console messages; screenshot litrev-out/{png.name} "
          f"({png.stat().st_size if png.exists() else 0} bytes)")
    for line in console:
        print("  " + line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs in the same folder")
    parser.add_argument("--keep", action="store_true", help="keep the folder")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="litrev-demo-bench-"))
    try:
        print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
              f"({os.cpu_count()} CPUs)")
        for i in range(1, args.runs + 1):
            wall, cpu, reported, code = run_demo(folder)
            what = "fresh machine (empty Prefect home)" if i == 1 else "again, same folder"
            shown = f"{reported:.1f} s" if reported is not None else "n/a"
            print(f"run {i} ({what}): exit {code}, wall {wall:.1f} s (process start to exit), "
                  f"demo reports {shown}, CPU {cpu:.1f} s (user+system, all its processes); "
                  f"load {os.getloadavg()[0]:.2f}")
        render(folder / "litrev-out" / "report.html")
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    from recording import recorded

    with recorded("demo"):
        sys.exit(main())
