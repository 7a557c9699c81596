"""How fast and how lean litrev reads a large RIS export, beside rispy on the same file.

Builds a RIS file of about 50 MB (not committed) by repeating the real RIS exports of
tests/fixtures/imports (Scopus, Embase, Ovid, EBSCO, EndNote, Zotero, PubMed via EndNote; their
banners, wrapped reference lists and CRLF included), or a file you give with ``--source``
(e.g. a real Web of Science export of your own). Then reads it in a fresh child process per
run, once with litrev (``litrev.extract.importers.read_file``: bytes to records with ids,
excerpts and problems) and once with rispy (``rispy.load``: text to dicts), and prints for each
the records, the CPU and wall time of the read (best of ``--runs``), and the peak memory of the
process. CPU time is the figure to compare on a busy machine: other work inflates wall time.
Goal (issue 13): at most 1.5 times rispy's time, under 400 MB.

The figures are written to bench/RESULTS.md under "## imports" (``bench/recording.py``).

    pip install -e '.[bench]'          # rispy
    python bench/imports.py            # ~50 MB, 3 runs each
    python bench/imports.py --megabytes 10 --runs 1 --source savedrecs.ris
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "imports"
GOAL_RATIO = 1.5
GOAL_MB = 400

READERS = {
    "litrev": """
import json, sys, time
from litrev.extract.importers import read_file
path = sys.argv[1]
# what a first read loads lazily (the RIS reader, language tables), as rispy's import does
read_file(b"TY  - JOUR\\nTI  - Warm-up\\nLA  - eng\\nER  - \\n", "warm-up.ris")
wall, cpu = time.perf_counter(), time.process_time()
with open(path, "rb") as f:
    result = read_file(f.read(), path)
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
print(json.dumps({"records": len(result.records), "cpu": cpu, "wall": wall,
                  "problems": len(result.problems)}))
""",
    "rispy": """
import json, sys, time
import rispy
path = sys.argv[1]
wall, cpu = time.perf_counter(), time.process_time()
with open(path, encoding="utf-8-sig") as f:
    entries = rispy.load(f)
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
print(json.dumps({"records": len(entries), "cpu": cpu, "wall": wall}))
""",
}


def build(target: Path, megabytes: float, source: Path | None) -> tuple[int, int]:
    """Write ``target`` (UTF-8, LF) of at least ``megabytes``; (bytes, copies of the unit)."""
    files = [source] if source else sorted(
        p for p in FIXTURES.iterdir() if p.name.startswith("R"))
    unit = "".join(p.read_bytes().decode("utf-8-sig").replace("\r\n", "\n").strip() + "\n\n"
                   for p in files).encode("utf-8")
    copies = max(1, int(megabytes * 1024 * 1024 // len(unit)) + 1)
    with target.open("wb") as out:
        for _ in range(copies):
            out.write(unit)
    return target.stat().st_size, copies


def run_reader(name: str, path: Path) -> dict:
    """One read in a fresh child process: its figures and its peak resident memory."""
    proc = subprocess.Popen([sys.executable, "-c", READERS[name], str(path)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{name} failed: {err.strip().splitlines()[-1:]}")
    figures = json.loads(out)
    figures["peak_mb"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    return figures


def best_of(name: str, path: Path, runs: int) -> dict:
    results = [run_reader(name, path) for _ in range(runs)]
    best = min(results, key=lambda r: r["cpu"])
    best["wall"] = min(r["wall"] for r in results)
    best["peak_mb"] = max(r["peak_mb"] for r in results)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=50.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--source", type=Path, help="a RIS file to repeat instead of the "
                                                    "fixtures")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="litrev-bench-imports-") as tmp:
        path = Path(tmp) / "big.ris"
        size, copies = build(path, args.megabytes, args.source)
        load = os.getloadavg()[0]
        started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        ours = best_of("litrev", path, args.runs)
        theirs = best_of("rispy", path, args.runs)
    ratio = ours["cpu"] / theirs["cpu"]
    made_from = args.source.name if args.source else "the RIS exports of tests/fixtures/imports"
    lines = [
        f"`python bench/imports.py --megabytes {args.megabytes:g} --runs {args.runs}"
        + (f" --source {args.source.name}" if args.source else "") + f"` ({started}, "
        f"Python {platform.python_version()}, load average {load:.1f} at the start)",
        "",
        f"File: {size / 1e6:.1f} MB of RIS, {copies} copies of {made_from}.",
        "",
        "| reader | records | CPU s (best) | wall s (best) | peak memory MB |",
        "|---|---|---|---|---|",
        f"| litrev read_file | {ours['records']:,} | {ours['cpu']:.2f} | {ours['wall']:.2f} | "
        f"{ours['peak_mb']:.0f} |",
        f"| rispy load | {theirs['records']:,} | {theirs['cpu']:.2f} | {theirs['wall']:.2f} | "
        f"{theirs['peak_mb']:.0f} |",
        "",
        f"litrev / rispy CPU time: {ratio:.2f} (goal at most {GOAL_RATIO}); litrev peak memory "
        f"{ours['peak_mb']:.0f} MB (goal under {GOAL_MB}). litrev also builds each record's "
        "work and excerpt ids and reports the lines it ignored "
        f"({ours.get('problems', 0):,} runs of banner lines here).",
    ]
    print("\n".join(lines))
    if ours["records"] != theirs["records"]:
        print(f"records differ: litrev {ours['records']}, rispy {theirs['records']}",
              file=sys.stderr)
        return 1
    return 0 if ratio <= GOAL_RATIO and ours["peak_mb"] < GOAL_MB else 2


if __name__ == "__main__":
    from recording import recorded

    with recorded("imports"):
        sys.exit(main())
