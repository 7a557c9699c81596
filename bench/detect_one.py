"""What `litrev detect` on one text costs in a fresh process: wall time, CPU time, peak memory.

Runs the installed `litrev` script (the one next to this Python) several times per text, each
run a child waited for with ``os.wait4`` so that its own CPU time and peak resident memory are
read (not the largest of all children), and prints the medians and the largest peak. The texts:
a Finnish sentence (the goal: under 1.5 s and 400 MB; heliport's model alone is 0.9 GB and
1.25 s to load, and `litrev detect` does not need it here) and a short Swedish title (which
still asks heliport: the cost of a text that needs it). The machine's load average is printed:
wall time grows with it, CPU time much less.

    python bench/detect_one.py
    python bench/detect_one.py --runs 10
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEXTS = {
    "Finnish sentence": "Kokemusasiantuntijoiden ja ammattilaisten yhteistyö "
                        "sairaalaorganisaatioissa",
    "short Swedish title": "en studie av friluftsaktiviteter bland ungdomar",
}


def litrev_script() -> str:
    script = shutil.which("litrev", path=str(Path(sys.executable).parent))
    if not script:
        sys.exit("no litrev script next to this Python: pip install -e . first")
    return script


def one_run(command: list[str], cwd: Path) -> tuple[float, float, float, str]:
    """(wall s, CPU s, peak RSS MB, the language printed) of one run."""
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert child.stdout is not None
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if child.returncode != 0:
        sys.exit(f"{' '.join(command)}: exit {child.returncode}")
    lang = json.loads(out)["lang"]
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, lang


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per text")
    args = parser.parse_args()
    script = litrev_script()
    load = os.getloadavg()
    print(f"{args.runs} runs each, every run a fresh process; load average "
          f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'litrev detect TEXT':<22} {'lang':>4} {'wall s':>8} {'CPU s':>7} "
          f"{'peak RSS MB':>12}   (medians; RSS the largest)")
    with tempfile.TemporaryDirectory(prefix="litrev-detect-") as tmp:
        for label, text in TEXTS.items():
            runs = [one_run([script, "detect", text, "--candidates", "any"], Path(tmp))
                    for _ in range(args.runs)]
            langs = {r[3] for r in runs}
            print(f"{label:<22} {'/'.join(sorted(langs)):>4} "
                  f"{statistics.median(r[0] for r in runs):8.2f} "
                  f"{statistics.median(r[1] for r in runs):7.2f} "
                  f"{max(r[2] for r in runs):12.0f}")
    return 0


if __name__ == "__main__":
    from recording import recorded

    with recorded("detect_one"):
        sys.exit(main())
